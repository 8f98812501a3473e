/*
 * smtp.c - SMTP submission connections: greeting, EHLO, STARTTLS, AUTH.
 *
 * EHLO names the client by its address literal ("EHLO [192.0.2.1]"), which
 * the server sees anyway, rather than by gethostname(), which would leak
 * the local machine's name. EHLO is repeated after STARTTLS (RFC 3207:
 * everything learnt before is void) but not after AUTH: without a SASL
 * security layer nothing changes, and a second EHLO after AUTH resets
 * some servers' state.
 *
 * AUTH goes through Cyrus SASL inside libetpan (the PLAIN and LOGIN
 * plugins come with libsasl2-modules).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/net-int.h"
#include "util/i18n.h"

/*
 * Does the EHLO line start with keyword (ending at a space, '=' or the
 * end)? Returns the rest of the line after the keyword, or NULL.
 */
static const char *
smtp_keyword(const char *line, const char *keyword)
{
	size_t	n = strlen(keyword);

	if (strncasecmp(line, keyword, n) != 0)
		return NULL;
	if (line[n] != '\0' && line[n] != '\n' && line[n] != ' ' &&
	    line[n] != '=' && line[n] != '\r')
		return NULL;
	return line + n;
}

/* Is word one of the space-separated words from p up to the line's end? */
static bool
smtp_word_in_line(const char *p, const char *word)
{
	size_t	n = strlen(word), len;

	for (;;) {
		while (*p == ' ' || *p == '=' || *p == '\r')
			p++;
		if (*p == '\0' || *p == '\n')
			return false;
		len = strcspn(p, " =\r\n");
		if (len == n && strncasecmp(p, word, n) == 0)
			return true;
		p += len;
	}
}

bool
smtp_has_cap(const struct smtp_conn *c, const char *cap)
{
	const char	*line, *rest;
	bool		 auth;

	if (c == NULL || c->ehlo == NULL)
		return false;
	if (strcasecmp(cap, "STARTTLS") == 0 && c->starttls_offered)
		return true;
	auth = strncasecmp(cap, "AUTH=", 5) == 0;
	for (line = c->ehlo; *line != '\0'; line += strcspn(line, "\n"),
	    line += *line == '\n') {
		if (auth) {
			if ((rest = smtp_keyword(line, "AUTH")) != NULL &&
			    smtp_word_in_line(rest, cap + 5))
				return true;
		} else if (smtp_keyword(line, cap) != NULL)
			return true;
	}
	return false;
}

size_t
smtp_max_size(const struct smtp_conn *c)
{
	if (c == NULL || c->smtp == NULL ||
	    (c->smtp->esmtp & MAILSMTP_ESMTP_SIZE) == 0)
		return 0;
	return c->smtp->smtp_max_msg_size;
}

static int
smtp_reply_error(struct smtp_conn *c, enum perr_code code, const char *what,
    struct perr *err)
{
	char	text[400];

	net_server_text(text, sizeof text, c->smtp->response);
	return net_fail(err, &c->io_err, c->report.hostport, code,
	    _("%s: the server answered %d %s"), what, c->smtp->response_code,
	    text);
}

static int
smtp_ehlo(struct smtp_conn *c, struct perr *err)
{
	int	r;

	r = mailesmtp_ehlo_with_ip(c->smtp, 1);
	/*
	 * libetpan 1.9.4 cannot format an IPv6 address literal; EHLO with
	 * the host name is then the only way to go on.
	 */
	if (r == MAILSMTP_ERROR_HOSTNAME)
		r = mailesmtp_ehlo(c->smtp);
	if (r != MAILSMTP_NO_ERROR)
		return smtp_reply_error(c, PERR_PROTOCOL, "EHLO", err);
	free(c->ehlo);
	c->ehlo = xstrdup(c->smtp->response != NULL ? c->smtp->response : "");
	return 0;
}

static int
smtp_starttls(struct smtp_conn *c, const struct tls_params *tp,
    struct perr *err)
{
	const char	*hp = c->report.hostport;
	int		 r;

	if (!c->starttls_offered)
		return net_fail(err, NULL, hp, PERR_STARTTLS, _("the server "
		    "does not offer STARTTLS; refusing to continue without TLS "
		    "(smtp_tls = starttls)"));
	switch ((r = mailesmtp_starttls(c->smtp))) {
	case MAILSMTP_NO_ERROR:
		break;
	case MAILSMTP_ERROR_SSL:
		/* Debian's CVE-2020-15953 patch: bytes after "220". */
		return net_fail(err, NULL, hp, PERR_STARTTLS, _("the server "
		    "sent data after its STARTTLS reply, before the TLS "
		    "handshake (response injection?); refusing"));
	default:
		return smtp_reply_error(c, PERR_STARTTLS, _("STARTTLS refused"),
		    err);
	}
	if (tls_stream_handshake(c->stream, tp, true, &c->report.tls_info,
	    err) != 0) {
		perr_prefix(err, "%s", hp);
		return -1;
	}
	/* RFC 3207: forget the plaintext EHLO, ask again under TLS. */
	return smtp_ehlo(c, err);
}

static void	smtp_auth_word(const char *ehlo, char *buf, size_t len);

static enum sasl_result
smtp_sasl_try(void *arg, const char *mech, const char *ir, const char *abort,
    char *why, size_t whylen, struct perr *err)
{
	struct smtp_conn	*c = arg;
	struct sasl_lines	 p = {
		.s = c->stream, .hostport = c->report.hostport,
		.io_err = &c->io_err, .cont = "334 ", .cont_bare = "334",
		.ok = "235", .no = "5", .multiline = true
	};

	return sasl_line_try(&p, mech, ir, abort, why, whylen, err);
}

/* Is mech among the words of the EHLO reply's AUTH line? */
static bool
smtp_offers(const struct smtp_conn *c, const char *mech)
{
	char	words[300], *w, *save = NULL;

	smtp_auth_word(c->ehlo, words, sizeof words);
	/* "AUTH(PLAIN XOAUTH2)": the words between the parentheses. */
	for (w = strtok_r(words + 5, " )", &save); w != NULL;
	    w = strtok_r(NULL, " )", &save))
		if (strcasecmp(w, mech) == 0)
			return true;
	return false;
}

static int
smtp_auth(struct smtp_conn *c, const struct account *acct,
    const struct endpoint *ep, struct perr *err)
{
	const char	*hp = c->report.hostport;
	char		*pw;
	int		 r, mech;

	if (ep->auth != AUTH_PASSWORD) {
		c->report.mech = config_auth_name(ep->auth);
		if (!smtp_has_cap(c, "AUTH") || !smtp_offers(c, c->report.mech))
			return net_fail(err, NULL, hp, PERR_AUTH, _("the "
			    "server does not offer AUTH %s on this connection"),
			    c->report.mech);
		return net_oauth2_login(acct, ep, hp, c->stream,
		    smtp_sasl_try, c, err);
	}
	if (c->smtp->auth & MAILSMTP_AUTH_PLAIN)
		mech = MAILSMTP_AUTH_PLAIN;
	else if (c->smtp->auth & MAILSMTP_AUTH_LOGIN)
		mech = MAILSMTP_AUTH_LOGIN;
	else if (smtp_has_cap(c, "AUTH"))
		return net_fail(err, NULL, hp, PERR_AUTH, _("the server offers "
		    "no AUTH mechanism posta can use (PLAIN or LOGIN)"));
	else
		return net_fail(err, NULL, hp, PERR_AUTH, _("the server offers "
		    "no AUTH on this connection"));

	c->report.mech = mech == MAILSMTP_AUTH_PLAIN ? "PLAIN" : "LOGIN";
	if ((pw = net_password(acct, ep, hp, err)) == NULL)
		return -1;
	/* Tells a local SASL failure (no reply at all) from a refusal. */
	c->smtp->response_code = 0;
	r = mailsmtp_auth_type(c->smtp, ep->user, pw, mech);
	secret_free(pw);
	if (r == MAILSMTP_NO_ERROR)
		return 0;
	if (r == MAILSMTP_ERROR_STREAM)
		return net_fail(err, &c->io_err, hp, PERR_CONNECT, _("AUTH: "
		    "the connection failed"));
	if (c->smtp->response_code == 0)
		return net_fail(err, NULL, hp, PERR_AUTH, _("AUTH %s: the SASL "
		    "library failed before talking to the server (is "
		    "libsasl2-modules installed?)"),
		    mech == MAILSMTP_AUTH_PLAIN ? "PLAIN" : "LOGIN");
	if (c->smtp->response_code / 100 == 5 ||
	    r == MAILSMTP_ERROR_AUTH_LOGIN ||
	    r == MAILSMTP_ERROR_AUTH_AUTHENTICATION_FAILED) {
		char text[400];

		net_server_text(text, sizeof text, c->smtp->response);
		return net_fail(err, NULL, hp, PERR_AUTH, _("login refused for "
		    "user %s: %d %s"), ep->user, c->smtp->response_code, text);
	}
	return smtp_reply_error(c, PERR_PROTOCOL, "AUTH", err);
}

/* "AUTH(PLAIN LOGIN)" from the AUTH line(s) of the EHLO reply. */
static void
smtp_auth_word(const char *ehlo, char *buf, size_t len)
{
	const char	*line, *p;
	char		 word[64];
	size_t		 n, used;

	snprintf(buf, len, "AUTH(");
	for (line = ehlo; *line != '\0'; line += strcspn(line, "\n"),
	    line += *line == '\n') {
		if ((p = smtp_keyword(line, "AUTH")) == NULL)
			continue;
		for (;;) {
			p += strspn(p, " =\r");
			if (*p == '\0' || *p == '\n')
				break;
			n = strcspn(p, " =\r\n");
			snprintf(word, sizeof word, "%.*s", (int)n, p);
			net_words_add(buf + 5, len - 5, word);
			p += n;
		}
	}
	used = strlen(buf);
	if (used + 2 <= len)
		snprintf(buf + used, len - used, ")");
}

static void
smtp_report_word(struct net_report *rep, bool have, const char *word)
{
	if (have)
		net_words_add(rep->caps, sizeof rep->caps, word);
	else
		net_words_add(rep->missing, sizeof rep->missing, word);
}

static void
smtp_report_caps(struct smtp_conn *c)
{
	struct net_report	*rep = &c->report;
	char			 word[300];

	rep->caps[0] = rep->missing[0] = '\0';
	/* Over implicit TLS, STARTTLS has no reason to be offered. */
	if (c->starttls_offered || rep->tls != TLSM_IMPLICIT)
		smtp_report_word(rep, c->starttls_offered, "STARTTLS");
	if (smtp_has_cap(c, "AUTH")) {
		smtp_auth_word(c->ehlo, word, sizeof word);
		net_words_add(rep->caps, sizeof rep->caps, word);
	} else
		net_words_add(rep->missing, sizeof rep->missing, "AUTH");
	if (smtp_has_cap(c, "SIZE")) {
		snprintf(word, sizeof word, "SIZE(%zu)", smtp_max_size(c));
		net_words_add(rep->caps, sizeof rep->caps, word);
	} else
		net_words_add(rep->missing, sizeof rep->missing, "SIZE");
	smtp_report_word(rep, smtp_has_cap(c, "8BITMIME"), "8BITMIME");
}

/* As imap_open(): with !login stop before the password. */
static struct smtp_conn *
smtp_open(const struct account *acct, const struct endpoint *ep,
    int timeout, bool login, struct net_report *rep, struct perr *err)
{
	struct smtp_conn	*c;
	struct tls_params	 tp;
	mailstream		*s;
	int			 r;

	c = xcalloc(1, sizeof *c);
	c->report.protocol = "SMTP";
	s = net_stream_open_within(acct, ep, timeout, &tp, &c->report,
	    &c->io_err, err);
	if (s == NULL) {
		if (rep != NULL)
			*rep = c->report;
		free(c);
		return NULL;
	}
	if ((c->smtp = mailsmtp_new(0, NULL)) == NULL) {
		net_fail(err, NULL, c->report.hostport, PERR_NOMEM,
		    _("out of memory"));
		mailstream_close(s);
		free(c);
		return NULL;
	}
	c->stream = s;
	tls_stream_limit(s, NET_CTX_SMTP);
	if ((r = mailsmtp_connect(c->smtp, s)) != MAILSMTP_NO_ERROR) {
		/* libetpan has already closed and freed s. */
		c->stream = NULL;
		if (r == MAILSMTP_ERROR_SERVICE_NOT_AVAILABLE)
			smtp_reply_error(c, PERR_PROTOCOL, _("the server "
			    "refuses service"), err);
		else
			smtp_reply_error(c, PERR_PROTOCOL, _("unexpected "
			    "greeting (not an SMTP server?)"), err);
		goto fail;
	}
	if (smtp_ehlo(c, err) != 0)
		goto fail;
	c->starttls_offered = (c->smtp->esmtp & MAILSMTP_ESMTP_STARTTLS) != 0;
	if (ep->tls == TLSM_STARTTLS && smtp_starttls(c, &tp, err) != 0)
		goto fail;
	if (login && smtp_auth(c, acct, ep, err) != 0)
		goto fail;
	c->report.logged_in = login;
	smtp_report_caps(c);
	if (rep != NULL)
		*rep = c->report;
	return c;

fail:
	if (rep != NULL)
		*rep = c->report;
	if (c->smtp->stream != NULL)
		tls_stream_cancel(c->smtp->stream);
	smtp_close(c);
	return NULL;
}

struct smtp_conn *
smtp_connect(const struct account *acct, const struct endpoint *ep,
    struct perr *err)
{
	return smtp_open(acct, ep, net_timeout(), true, NULL, err);
}

int
smtp_probe(const struct account *acct, const struct endpoint *ep,
    int timeout, struct net_report *rep, struct perr *err)
{
	struct smtp_conn	*c;

	memset(rep, 0, sizeof *rep);
	perr_clear(err);
	if ((c = smtp_open(acct, ep, timeout, false, rep, err)) == NULL)
		return -1;
	smtp_close(c);
	return 0;
}

void
smtp_cancel(struct smtp_conn *c)
{
	if (c != NULL && c->stream != NULL)
		tls_stream_cancel(c->stream);
}

void
smtp_close(struct smtp_conn *c)
{
	if (c == NULL)
		return;
	/* QUIT closes and frees the stream, whatever the server says. */
	if (c->smtp->stream != NULL)
		(void)mailsmtp_quit(c->smtp);
	mailsmtp_free(c->smtp);
	free(c->ehlo);
	free(c);
}
