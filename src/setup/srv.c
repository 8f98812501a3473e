/*
 * srv.c - DNS SRV (RFC 6186, RFC 8314) and MX lookups through libresolv.
 *
 * A resolver state of our own (res_ninit), so nothing global changes and
 * the tests can point it at a DNS server of theirs: $POSTA_SETUP_DNS =
 * "IPV4:PORT" replaces the system's name servers for these lookups only
 * (read by posta setup alone). Replies are parsed with ns_parserr(), which
 * bounds every read by the message; at most 16 records a name are used.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setup/setup.h"
#include "util/i18n.h"

#define SRV_MAX	16

static int
resolver_open(res_state st, struct perr *err)
{
	const char	*env = getenv("POSTA_SETUP_DNS");
	char		 addr[64], *colon, *end;
	long		 port;
	struct in_addr	 in;

	memset(st, 0, sizeof *st);
	if (res_ninit(st) != 0)
		return perr_set(err, PERR_CONNECT, _("cannot start the DNS "
		    "resolver"));
	if (env == NULL || *env == '\0')
		return 0;
	snprintf(addr, sizeof addr, "%s", env);
	if ((colon = strrchr(addr, ':')) == NULL) {
		res_nclose(st);
		return perr_set(err, PERR_CONFIG, _("POSTA_SETUP_DNS must be "
		    "ADDRESS:PORT, got '%s'"), env);
	}
	*colon = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (inet_pton(AF_INET, addr, &in) != 1 || *end != '\0' ||
	    errno != 0 || port < 1 || port > 65535) {
		res_nclose(st);
		return perr_set(err, PERR_CONFIG, _("POSTA_SETUP_DNS must be an "
		    "IPv4 address and a port such as 127.0.0.1:5353, got '%s'"),
		    env);
	}
	st->nscount = 1;
	st->nsaddr_list[0].sin_family = AF_INET;
	st->nsaddr_list[0].sin_addr = in;
	st->nsaddr_list[0].sin_port = htons((uint16_t)port);
	/* A test server answers at once; a dead one should not hold us. */
	st->retrans = 2;
	st->retry = 1;
	return 0;
}

/* Query name for type; the answer's length, or -1 (no answer is no error). */
static int
query(res_state st, const char *name, int type, unsigned char *ans,
    size_t len)
{
	return res_nquery(st, name, ns_c_in, type, ans, (int)len);
}

static const struct {
	const char	*prefix;
	enum setup_svc	 svc;
	enum tls_mode	 tls;
} srv_names[] = {
	{ "_imaps._tcp.", SETUP_IMAP, TLSM_IMPLICIT },
	{ "_imap._tcp.", SETUP_IMAP, TLSM_STARTTLS },
	{ "_pop3s._tcp.", SETUP_POP3, TLSM_IMPLICIT },
	{ "_pop3._tcp.", SETUP_POP3, TLSM_STARTTLS },
	{ "_submissions._tcp.", SETUP_SMTP, TLSM_IMPLICIT },
	{ "_submission._tcp.", SETUP_SMTP, TLSM_STARTTLS },
};

struct srv_rec {
	int	prio, weight, port;
	char	target[256];
};

static int
srv_cmp(const void *a, const void *b)
{
	const struct srv_rec	*x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio - y->prio;
	return y->weight - x->weight;
}

/* The SRV records in one answer, sorted by priority then weight. */
static size_t
srv_parse(const unsigned char *ans, int len, struct srv_rec *recs)
{
	ns_msg		 msg;
	ns_rr		 rr;
	const unsigned char *rd;
	size_t		 n = 0;
	int		 i, count;

	if (ns_initparse(ans, len, &msg) != 0)
		return 0;
	count = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < count && n < SRV_MAX; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0)
			break;
		if (ns_rr_type(rr) != ns_t_srv || ns_rr_rdlen(rr) < 7)
			continue;
		rd = ns_rr_rdata(rr);
		recs[n].prio = rd[0] << 8 | rd[1];
		recs[n].weight = rd[2] << 8 | rd[3];
		recs[n].port = rd[4] << 8 | rd[5];
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 6,
		    recs[n].target, sizeof recs[n].target) < 0)
			continue;
		n++;
	}
	qsort(recs, n, sizeof *recs, srv_cmp);
	return n;
}

int
setup_srv(const char *domain, struct setup_servers *out, struct perr *err)
{
	struct __res_state	 st;
	unsigned char		 ans[4096];
	struct srv_rec		 recs[SRV_MAX];
	struct setup_server	 s;
	char			 name[300];
	size_t			 i, j, n;
	int			 len, added = 0;

	if (resolver_open(&st, err) != 0)
		return -1;
	for (i = 0; i < sizeof srv_names / sizeof srv_names[0]; i++) {
		snprintf(name, sizeof name, "%s%s", srv_names[i].prefix, domain);
		if ((len = query(&st, name, ns_t_srv, ans, sizeof ans)) <= 0)
			continue;
		n = srv_parse(ans, len, recs);
		for (j = 0; j < n; j++) {
			/* RFC 2782: "." says the service is not offered. */
			if (recs[j].target[0] == '\0' ||
			    strcmp(recs[j].target, ".") == 0 ||
			    recs[j].port == 0)
				continue;
			memset(&s, 0, sizeof s);
			s.svc = srv_names[i].svc;
			snprintf(s.host, sizeof s.host, "%s", recs[j].target);
			s.port = recs[j].port;
			s.tls = srv_names[i].tls;
			s.source = SETUP_SRC_SRV;
			setup_servers_add(out, &s);
			added++;
		}
	}
	res_nclose(&st);
	return added;
}

int
setup_mx(const char *domain, char *buf, size_t len, struct perr *err)
{
	struct __res_state	 st;
	unsigned char		 ans[4096];
	char			 host[256];
	ns_msg			 msg;
	ns_rr			 rr;
	int			 n, i, count;

	if (len > 0)
		buf[0] = '\0';
	if (resolver_open(&st, err) != 0)
		return -1;
	n = query(&st, domain, ns_t_mx, ans, sizeof ans);
	res_nclose(&st);
	if (n <= 0 || ns_initparse(ans, n, &msg) != 0)
		return 0;
	count = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < count && i < SRV_MAX; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0)
			break;
		if (ns_rr_type(rr) != ns_t_mx || ns_rr_rdlen(rr) < 3)
			continue;
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg),
		    ns_rr_rdata(rr) + 2, host, sizeof host) < 0)
			continue;
		net_words_add(buf, len, host);
	}
	return 0;
}
