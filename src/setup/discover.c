/*
 * discover.c - from an e-mail address to working servers: the order of
 * the steps (table, SRV, autoconfig, guesses), each told to the user as it
 * goes, and the probes, all at once with short timeouts so a dead guess
 * costs seconds, not minutes.
 *
 * The top floor of src/setup's discovery: it calls provider.c, srv.c and
 * autoconfig.c, which add what they find through servers.c, the bottom
 * floor; none of them calls back up.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "setup/setup.h"

int
setup_email_domain(const char *email, char *buf, size_t len)
{
	const char	*at = strrchr(email, '@');
	size_t		 i, n;

	if (at == NULL || at == email || at[1] == '\0' ||
	    strpbrk(email, " \t\r\n<>\"") != NULL)
		return -1;
	n = strlen(at + 1);
	if (n + 1 > len || n > 253)
		return -1;
	for (i = 0; i <= n; i++)
		buf[i] = (char)tolower((unsigned char)at[1 + i]);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)buf[i]) && buf[i] != '.' &&
		    buf[i] != '-')
			return -1;
	return 0;
}

static void
note(const struct setup_discover_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(const struct setup_discover_opts *o, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	if (o->note == NULL)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	o->note(o->arg, s);
	free(s);
}

/* Which services the list already has: bit 1 incoming, bit 2 SMTP. */
static unsigned
have(const struct setup_servers *l)
{
	unsigned	h = 0;
	size_t		i;

	for (i = 0; i < l->n; i++)
		h |= l->v[i].svc == SETUP_SMTP ? 2 : 1;
	return h;
}

static void
guesses(const char *domain, struct setup_servers *out)
{
	static const struct {
		const char	*prefix;
		enum setup_svc	 svc;
		int		 port;
		enum tls_mode	 tls;
	} g[] = {
		{ "imap.", SETUP_IMAP, 993, TLSM_IMPLICIT },
		{ "imap.", SETUP_IMAP, 143, TLSM_STARTTLS },
		{ "mail.", SETUP_IMAP, 993, TLSM_IMPLICIT },
		{ "mail.", SETUP_IMAP, 143, TLSM_STARTTLS },
		{ "pop.", SETUP_POP3, 995, TLSM_IMPLICIT },
		{ "pop.", SETUP_POP3, 110, TLSM_STARTTLS },
		{ "mail.", SETUP_POP3, 995, TLSM_IMPLICIT },
		{ "mail.", SETUP_POP3, 110, TLSM_STARTTLS },
		{ "smtp.", SETUP_SMTP, 465, TLSM_IMPLICIT },
		{ "smtp.", SETUP_SMTP, 587, TLSM_STARTTLS },
		{ "mail.", SETUP_SMTP, 465, TLSM_IMPLICIT },
		{ "mail.", SETUP_SMTP, 587, TLSM_STARTTLS },
	};
	struct setup_server	s;
	size_t			i;

	for (i = 0; i < sizeof g / sizeof g[0]; i++) {
		memset(&s, 0, sizeof s);
		s.svc = g[i].svc;
		snprintf(s.host, sizeof s.host, "%s%s", g[i].prefix, domain);
		s.port = g[i].port;
		s.tls = g[i].tls;
		s.source = SETUP_SRC_GUESS;
		setup_servers_add(out, &s);
	}
}

/* The table's "%LOCAL%" login and the default: the whole address. */
static void
fill_users(const char *email, struct setup_servers *l)
{
	const char	*at = strrchr(email, '@');
	size_t		 i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].user, "%LOCAL%") == 0)
			snprintf(l->v[i].user, sizeof l->v[i].user, "%.*s",
			    (int)(at - email), email);
		else if (l->v[i].user[0] == '\0')
			snprintf(l->v[i].user, sizeof l->v[i].user, "%s",
			    email);
	}
}

/* host is name or within it ("imap.example.org" in "example.org"). */
static bool
within(const char *host, const char *name)
{
	size_t	h = strlen(host), n = strlen(name);

	if (n == 0 || h < n || strcasecmp(host + h - n, name) != 0)
		return false;
	return h == n || host[h - n - 1] == '.';
}

/* The last two labels of host ("gmail.com" of "imap.gmail.com"). */
static const char *
base_domain(const char *host)
{
	const char	*p = host + strlen(host), *dot = NULL;
	int		 dots = 0;

	while (p > host) {
		p--;
		if (*p == '.' && ++dots == 2) {
			dot = p;
			break;
		}
	}
	return dot != NULL ? dot + 1 : host;
}

/* Mark the SRV targets that are not the domain's or its provider's. */
static void
mark_foreign(const char *domain, struct setup_servers *l,
    const struct setup_discover_opts *o)
{
	size_t	i, j;
	bool	ok;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].source != SETUP_SRC_SRV)
			continue;
		ok = within(l->v[i].host, domain);
		for (j = 0; j < l->n && !ok; j++)
			ok = l->v[j].source == SETUP_SRC_TABLE &&
			    within(l->v[i].host, base_domain(l->v[j].host));
		if (!ok && !l->v[i].foreign) {
			l->v[i].foreign = true;
			note(o, "The SRV record points to %s, which is not in "
			    "%s: check that this is your provider's server "
			    "before using it.", l->v[i].host, domain);
		}
	}
}

static void
try_autoconfig(const char *url, const char *email,
    const struct setup_discover_opts *o, struct setup_servers *out)
{
	struct perr	err;
	int		n;

	note(o, "Reading the provider's autoconfig document at %s.", url);
	if ((n = setup_autoconfig(url, o->ca_file, email, o->timeout, out,
	    &err)) < 0)
		note(o, "No usable autoconfig document there: %s", err.msg);
	else
		note(o, "The autoconfig document names %d servers.", n);
}

int
setup_discover(const char *email, const struct setup_discover_opts *o,
    struct setup_servers *out, struct perr *err)
{
	char		 domain[256], mx[1024], *url, *q;
	const char	*name;
	struct perr	 e;
	int		 n;

	if (setup_email_domain(email, domain, sizeof domain) != 0)
		return perr_set(err, PERR_CONFIG, "'%s' is not an e-mail "
		    "address such as mario.rossi@example.org", email);
	if (o->autoconfig_url != NULL) {
		note(o, "Reading the autoconfig document at %s.",
		    o->autoconfig_url);
		if (setup_autoconfig(o->autoconfig_url, o->ca_file, email,
		    o->timeout, out, err) < 0)
			return -1;
		fill_users(email, out);
		return 0;
	}

	note(o, "Looking for %s in posta's table of common providers.",
	    domain);
	if ((name = setup_provider_find(domain, NULL, out)) == NULL &&
	    setup_mx(domain, mx, sizeof mx, &e) == 0 && mx[0] != '\0')
		name = setup_provider_find(domain, mx, out);
	if (name != NULL)
		note(o, "%s is served by %s, according to the table.", domain,
		    name);

	if (have(out) != 3) {
		note(o, "Asking DNS for the SRV records of %s (RFC 6186).",
		    domain);
		if ((n = setup_srv(domain, out, &e)) < 0)
			note(o, "The SRV lookup failed: %s", e.msg);
		else
			note(o, "DNS has %d SRV records for mail at %s.", n,
			    domain);
		mark_foreign(domain, out, o);
	}
	/* The address percent-encoded: "+", "&", "#" would change the URL. */
	if (have(out) != 3) {
		q = http_form_escape(email);
		url = xasprintf("https://autoconfig.%s/mail/config-v1.1.xml"
		    "?emailaddress=%s", domain, q);
		free(q);
		try_autoconfig(url, email, o, out);
		free(url);
	}
	if (have(out) != 3) {
		url = xasprintf("https://%s/.well-known/autoconfig/mail/"
		    "config-v1.1.xml", domain);
		try_autoconfig(url, email, o, out);
		free(url);
	}
	if (have(out) != 3) {
		note(o, "Trying the usual names: imap.%s, mail.%s, pop.%s and "
		    "smtp.%s.", domain, domain, domain, domain);
		guesses(domain, out);
	}
	fill_users(email, out);
	return 0;
}

/* ---- probes ------------------------------------------------------------ */

struct probe_job {
	struct setup_probe		*res;
	const struct setup_discover_opts *o;
};

static void *
probe_one(void *arg)
{
	struct probe_job	*j = arg;
	struct setup_probe	*r = j->res;
	struct account		 a;
	struct endpoint		 ep;
	int			 rc;

	memset(&a, 0, sizeof a);
	memset(&ep, 0, sizeof ep);
	a.name = (char *)"setup";
	a.ca_file = (char *)j->o->ca_file;
	a.cert_fingerprint = (char *)j->o->pin;
	a.allow_plaintext = j->o->allow_plaintext;
	ep.host = r->srv.host;
	ep.port = r->srv.port;
	ep.tls = r->srv.tls;
	ep.user = r->srv.user;
	if (r->srv.svc == SETUP_IMAP)
		rc = imap_probe(&a, &ep, j->o->timeout, &r->rep, &r->err);
	else if (r->srv.svc == SETUP_POP3)
		rc = pop3_probe(&a, &ep, j->o->timeout, &r->rep, &r->err);
	else
		rc = smtp_probe(&a, &ep, j->o->timeout, &r->rep, &r->err);
	r->ok = rc == 0;
	return NULL;
}

void
setup_probe_all(const struct setup_servers *l,
    const struct setup_discover_opts *o, struct setup_probe **res)
{
	struct probe_job	*jobs;
	pthread_t		*th;
	bool			*started;
	size_t			 i;

	*res = xcalloc(l->n + 1, sizeof **res);
	jobs = xcalloc(l->n + 1, sizeof *jobs);
	th = xcalloc(l->n + 1, sizeof *th);
	started = xcalloc(l->n + 1, sizeof *started);
	for (i = 0; i < l->n; i++) {
		(*res)[i].srv = l->v[i];
		jobs[i].res = &(*res)[i];
		jobs[i].o = o;
		/* No thread (out of resources): probe it here instead. */
		if (pthread_create(&th[i], NULL, probe_one, &jobs[i]) == 0)
			started[i] = true;
		else
			probe_one(&jobs[i]);
	}
	for (i = 0; i < l->n; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	free(started);
	free(th);
	free(jobs);
}
