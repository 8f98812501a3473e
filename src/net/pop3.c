/*
 * pop3.c - POP3 connections: greeting, CAPA, STLS, USER/PASS.
 *
 * Same order as IMAP: TLS verified before the password is even fetched,
 * STLS never skipped for tls = starttls, CAPA re-read after STLS and after
 * login. Never APOP: libetpan 1.9.4 computes its MD5 wrongly on 64-bit
 * systems, and it only protects the password on connections that TLS
 * protects anyway.
 *
 * libetpan writes USER and PASS with "%s" into a 512-byte line, so a line
 * break in either would inject a command and an overlong one would be cut
 * without its CRLF: both are refused here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/net-int.h"
#include "util/i18n.h"

#define POP3_ARG_MAX	400

static const struct mailpop3_capa *
pop3_find(const clist *capa, const char *name)
{
	const struct mailpop3_capa	*k;
	clistiter			*it;

	if (capa == NULL)
		return NULL;
	for (it = clist_begin(capa); it != NULL; it = clist_next(it)) {
		k = clist_content(it);
		if (k->cap_name != NULL && strcasecmp(k->cap_name, name) == 0)
			return k;
	}
	return NULL;
}

bool
pop3_has_cap(const struct pop3_conn *c, const char *cap)
{
	return c != NULL && pop3_find(c->capa, cap) != NULL;
}

static bool
pop3_capa_has_sasl(const clist *capa, const char *mech)
{
	const struct mailpop3_capa	*k;
	clistiter			*it;
	const char			*m;

	if ((k = pop3_find(capa, "SASL")) == NULL || k->cap_param == NULL)
		return false;
	for (it = clist_begin(k->cap_param); it != NULL; it = clist_next(it))
		if ((m = clist_content(it)) != NULL && strcasecmp(m, mech) == 0)
			return true;
	return false;
}

bool
pop3_has_sasl(const struct pop3_conn *c, const char *mech)
{
	return c != NULL && pop3_capa_has_sasl(c->capa, mech);
}

static int
pop3_error(struct pop3_conn *c, int r, const char *what, struct perr *err)
{
	char	text[400];

	net_server_text(text, sizeof text, c->pop->pop3_response);
	if (r == MAILPOP3_ERROR_MEMORY)
		return net_fail(err, NULL, c->report.hostport, PERR_NOMEM,
		    _("%s: out of memory"), what);
	if (r == MAILPOP3_ERROR_STREAM)
		return net_fail(err, &c->io_err, c->report.hostport,
		    PERR_CONNECT, _("%s: the connection failed"), what);
	return net_fail(err, &c->io_err, c->report.hostport, PERR_PROTOCOL,
	    _("%s failed (libetpan error %d): %s"), what, r, text);
}

/*
 * Replace the CAPA list. A server without CAPA (-ERR) leaves it NULL,
 * which is not an error: CAPA is an extension (RFC 2449).
 */
static int
pop3_refresh_capa(struct pop3_conn *c, struct perr *err)
{
	clist	*l = NULL;
	int	 r;

	if (c->capa != NULL) {
		mailpop3_capa_resp_free(c->capa);
		c->capa = NULL;
	}
	r = mailpop3_capa(c->pop, &l);
	if (r == MAILPOP3_ERROR_CAPA_NOT_SUPPORTED)
		return 0;
	if (r != MAILPOP3_NO_ERROR)
		return pop3_error(c, r, "CAPA", err);
	c->capa = l;
	return 0;
}

static int
pop3_stls(struct pop3_conn *c, const struct tls_params *tp, struct perr *err)
{
	const char	*hp = c->report.hostport;
	char		 text[400];
	int		 r;

	/* Without CAPA, STLS is tried anyway: a refusal still fails closed. */
	if (c->capa != NULL && !pop3_has_cap(c, "STLS"))
		return net_fail(err, NULL, hp, PERR_STARTTLS, _("the server "
		    "does not offer STLS; refusing to continue without TLS "
		    "(tls = starttls)"));
	switch ((r = mailpop3_stls(c->pop))) {
	case MAILPOP3_NO_ERROR:
		break;
	case MAILPOP3_ERROR_SSL:
		/* Debian's CVE-2020-15953 patch: bytes after "+OK". */
		return net_fail(err, NULL, hp, PERR_STARTTLS, _("the server "
		    "sent data after its STLS reply, before the TLS handshake "
		    "(response injection?); refusing"));
	case MAILPOP3_ERROR_STLS_NOT_SUPPORTED:
		net_server_text(text, sizeof text, c->pop->pop3_response);
		return net_fail(err, NULL, hp, PERR_STARTTLS, _("STLS refused: "
		    "%s"), text);
	default:
		return net_fail(err, &c->io_err, hp, PERR_STARTTLS, _("STLS "
		    "failed (libetpan error %d)"), r);
	}
	if (tls_stream_handshake(c->stream, tp, true, &c->report.tls_info,
	    err) != 0) {
		perr_prefix(err, "%s", hp);
		return -1;
	}
	/* Nothing learnt in plaintext can be trusted: ask again. */
	return pop3_refresh_capa(c, err);
}

static enum sasl_result
pop3_sasl_try(void *arg, const char *mech, const char *ir, const char *abort,
    char *why, size_t whylen, struct perr *err)
{
	struct pop3_conn	*c = arg;
	struct sasl_lines	 p = {
		.s = c->stream, .hostport = c->report.hostport,
		.io_err = &c->io_err, .cont = "+ ", .cont_bare = "+ ",
		.ok = "+OK", .no = "-ERR", .ir_max = 255 - 2
	};

	/* "+OK" also starts with "+": a continuation is "+ " (RFC 5034). */
	return sasl_line_try(&p, mech, ir, abort, why, whylen, err);
}

/* capa: the CAPA reply of this (secured) session before login. */
static int
pop3_login(struct pop3_conn *c, const struct account *acct,
    const struct endpoint *ep, const clist *capa, struct perr *err)
{
	const char	*hp = c->report.hostport;
	char		*pw, text[400];
	int		 r;

	if (strpbrk(ep->user, "\r\n") != NULL ||
	    strlen(ep->user) > POP3_ARG_MAX)
		return net_fail(err, NULL, hp, PERR_CONFIG, _("the user name "
		    "contains a line break or is too long for POP3"));
	if (ep->auth != AUTH_PASSWORD) {
		c->report.mech = config_auth_name(ep->auth);
		if (!pop3_capa_has_sasl(capa, c->report.mech))
			return net_fail(err, NULL, hp, PERR_AUTH, _("the "
			    "server does not offer SASL %s"), c->report.mech);
		return net_oauth2_login(acct, ep, hp, c->stream,
		    pop3_sasl_try, c, err);
	}
	if ((pw = net_password(acct, ep, hp, err)) == NULL)
		return -1;
	if (strpbrk(pw, "\r\n") != NULL || strlen(pw) > POP3_ARG_MAX) {
		secret_free(pw);
		return net_fail(err, NULL, hp, PERR_CONFIG, _("the password "
		    "contains a line break or is too long for POP3"));
	}
	/* USER/PASS unless the server says it has no USER but SASL PLAIN. */
	c->report.mech = "USER/PASS";
	if (c->capa != NULL && !pop3_has_cap(c, "USER") &&
	    pop3_has_sasl(c, "PLAIN") && (c->report.mech = "PLAIN"))
		r = mailpop3_auth(c->pop, "PLAIN", ep->host, NULL, NULL,
		    ep->user, ep->user, pw, NULL);
	else if ((r = mailpop3_user(c->pop, ep->user)) == MAILPOP3_NO_ERROR)
		r = mailpop3_pass(c->pop, pw);
	secret_free(pw);

	switch (r) {
	case MAILPOP3_NO_ERROR:
		return 0;
	case MAILPOP3_ERROR_BAD_USER:
	case MAILPOP3_ERROR_BAD_PASSWORD:
	case MAILPOP3_ERROR_DENIED:
		net_server_text(text, sizeof text, c->pop->pop3_response);
		return net_fail(err, NULL, hp, PERR_AUTH, _("login refused "
		    "for user %s: %s"), ep->user, text);
	default:
		return pop3_error(c, r, _("login"), err);
	}
}

/* The SASL mechanisms as one word: "SASL(PLAIN LOGIN)". */
static void
pop3_sasl_word(const clist *capa, char *buf, size_t len)
{
	const struct mailpop3_capa	*k;
	clistiter			*it;
	const char			*m;
	size_t				 used;

	snprintf(buf, len, "SASL(");
	if ((k = pop3_find(capa, "SASL")) != NULL && k->cap_param != NULL)
		for (it = clist_begin(k->cap_param); it != NULL;
		    it = clist_next(it))
			if ((m = clist_content(it)) != NULL)
				net_words_add(buf + 5, len - 5, m);
	used = strlen(buf);
	if (used + 2 <= len)
		snprintf(buf + used, len - used, ")");
}

/*
 * The report mixes two moments on purpose: STLS and SASL are only
 * announced before login (STLS only before TLS), while UIDL and TOP are
 * what the logged-in session offers.
 */
static void
pop3_report_word(struct net_report *rep, bool have, const char *word)
{
	if (have)
		net_words_add(rep->caps, sizeof rep->caps, word);
	else
		net_words_add(rep->missing, sizeof rep->missing, word);
}

static void
pop3_report_caps(struct pop3_conn *c, bool stls, const clist *prelogin)
{
	struct net_report	*rep = &c->report;
	char			 sasl[300];

	rep->caps[0] = rep->missing[0] = '\0';
	pop3_report_word(rep, pop3_has_cap(c, "UIDL"), "UIDL");
	pop3_report_word(rep, pop3_has_cap(c, "TOP"), "TOP");
	/* Over implicit TLS, STLS has no reason to be offered. */
	if (stls || rep->tls != TLSM_IMPLICIT)
		pop3_report_word(rep, stls, "STLS");
	if (pop3_find(prelogin, "SASL") != NULL) {
		pop3_sasl_word(prelogin, sasl, sizeof sasl);
		net_words_add(rep->caps, sizeof rep->caps, sasl);
	} else
		net_words_add(rep->missing, sizeof rep->missing, "SASL");
}

/* As imap_open(): with !login stop before the password. */
static struct pop3_conn *
pop3_open(const struct account *acct, const struct endpoint *ep,
    int timeout, bool login, struct net_report *rep, struct perr *err)
{
	struct pop3_conn	*c;
	struct tls_params	 tp;
	mailstream		*s;
	clist			*prelogin = NULL;
	char			 text[400];
	bool			 stls;
	int			 r;

	c = xcalloc(1, sizeof *c);
	c->report.protocol = "POP3";
	s = net_stream_open_within(acct, ep, timeout, &tp, &c->report,
	    &c->io_err, err);
	if (s == NULL) {
		if (rep != NULL)
			*rep = c->report;
		free(c);
		return NULL;
	}
	if ((c->pop = mailpop3_new(0, NULL)) == NULL) {
		net_fail(err, NULL, c->report.hostport, PERR_NOMEM,
		    _("out of memory"));
		mailstream_close(s);
		free(c);
		return NULL;
	}
	/* From here on the session owns s, even if the greeting fails. */
	c->stream = s;
	tls_stream_limit(s, NET_CTX_POP3_LOGIN);
	if ((r = mailpop3_connect(c->pop, s)) != MAILPOP3_NO_ERROR) {
		net_server_text(text, sizeof text, c->pop->pop3_response);
		net_fail(err, &c->io_err, c->report.hostport, PERR_PROTOCOL,
		    _("the server refused the connection or is not a POP3 "
		    "server: %s"), text);
		goto fail;
	}
	if (pop3_refresh_capa(c, err) != 0)
		goto fail;
	stls = pop3_has_cap(c, "STLS");
	if (ep->tls == TLSM_STARTTLS && pop3_stls(c, &tp, err) != 0)
		goto fail;
	/* Keep the pre-login list for the report; c->capa gets a new one. */
	prelogin = c->capa;
	c->capa = NULL;
	if (login && pop3_login(c, acct, ep, prelogin, err) != 0)
		goto fail;
	if (pop3_refresh_capa(c, err) != 0)
		goto fail;
	tls_stream_limit(s, NET_CTX_POP3);
	c->report.logged_in = login;
	pop3_report_caps(c, stls, prelogin);
	if (prelogin != NULL)
		mailpop3_capa_resp_free(prelogin);
	if (rep != NULL)
		*rep = c->report;
	return c;

fail:
	if (prelogin != NULL)
		mailpop3_capa_resp_free(prelogin);
	if (rep != NULL)
		*rep = c->report;
	pop3_close(c, false);
	return NULL;
}

struct pop3_conn *
pop3_connect(const struct account *acct, const struct endpoint *ep,
    struct perr *err)
{
	return pop3_open(acct, ep, net_timeout(), true, NULL, err);
}

int
pop3_probe(const struct account *acct, const struct endpoint *ep,
    int timeout, struct net_report *rep, struct perr *err)
{
	struct pop3_conn	*c;

	memset(rep, 0, sizeof *rep);
	perr_clear(err);
	if ((c = pop3_open(acct, ep, timeout, false, rep, err)) == NULL)
		return -1;
	pop3_close(c, true);
	return 0;
}

void
pop3_cancel(struct pop3_conn *c)
{
	if (c != NULL && c->stream != NULL)
		tls_stream_cancel(c->stream);
}

void
pop3_close(struct pop3_conn *c, bool commit)
{
	if (c == NULL)
		return;
	/*
	 * Without a commit the stream is cancelled first: QUIT then fails
	 * before a byte leaves, the server never enters its UPDATE state
	 * and rolls every DELE back. mailpop3_quit() is still called because
	 * only it frees the session's timestamp and message table.
	 */
	if (!commit && c->pop->pop3_stream != NULL)
		tls_stream_cancel(c->pop->pop3_stream);
	(void)mailpop3_quit(c->pop);
	mailpop3_free(c->pop);
	if (c->capa != NULL)
		mailpop3_capa_resp_free(c->capa);
	free(c);
}
