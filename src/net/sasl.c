/*
 * sasl.c - the OAuth2 SASL mechanisms XOAUTH2 and OAUTHBEARER (RFC 7628),
 * shared by the IMAP, POP3 and SMTP logins.
 *
 * libetpan's SASL goes through Cyrus SASL, which has neither mechanism,
 * and its mailimap_oauth2_authenticate() knows XOAUTH2 only; so each
 * protocol file sends the few lines itself (one attempt: the mechanism
 * with its initial response, the dummy answer to an error challenge, the
 * final reply) and this file does the rest: the initial responses, the
 * error challenge made readable, and the one retry with a fresh token.
 *
 * The token is a password that cannot be changed by the user: it goes
 * over TLS only, out through a stream marked private (so no logger sees
 * it), and lives in memory only for the attempt, wiped by secret_free().
 * No message built here quotes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "net/net-int.h"
#include "oauth/oauth.h"
#include "util/i18n.h"

/* A challenge bigger than this is cut before decoding: it is one line. */
#define SASL_CHALLENGE_MAX	2048

/* RFC 6750 b64token, plus '=' padding: nothing that breaks a line or field. */
static bool
sasl_token_ok(const char *t)
{
	if (*t == '\0')
		return false;
	for (; *t != '\0'; t++)
		if (*t < 0x21 || *t > 0x7e)
			return false;
	return true;
}

static char *
sasl_b64(const char *raw, size_t len)
{
	char	*out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)raw,
	    (int)len);
	return out;
}

/*
 * The GS2 header's authzid escapes ',' and '=' (RFC 5801); a user name
 * with either is rare but legal.
 */
static char *
sasl_gs2_name(const char *user)
{
	char	*out = xmalloc(3 * strlen(user) + 1), *o = out;

	for (; *user != '\0'; user++) {
		if (*user == ',')
			o += sprintf(o, "=2C");
		else if (*user == '=')
			o += sprintf(o, "=3D");
		else
			*o++ = *user;
	}
	*o = '\0';
	return out;
}

char *
sasl_oauth2_initial(enum auth_mech mech, const char *user, const char *token,
    const char *host, int port)
{
	char	*raw, *name, *b64;

	if (mech == AUTH_OAUTHBEARER) {
		name = sasl_gs2_name(user);
		raw = xasprintf("n,a=%s,\001host=%s\001port=%d\001"
		    "auth=Bearer %s\001\001", name, host, port, token);
		free(name);
	} else
		raw = xasprintf("user=%s\001auth=Bearer %s\001\001", user,
		    token);
	b64 = sasl_b64(raw, strlen(raw));
	secret_free(raw);
	return b64;
}

const char *
sasl_oauth2_abort(enum auth_mech mech)
{
	/* RFC 7628 3.2.3: OAUTHBEARER answers an error with one %x01. */
	return mech == AUTH_OAUTHBEARER ? "AQ==" : "";
}

void
sasl_challenge_text(const char *b64, char *buf, size_t len)
{
	unsigned char	 raw[SASL_CHALLENGE_MAX];
	char		 in[SASL_CHALLENGE_MAX * 4 / 3 + 4];
	size_t		 n;
	int		 got;

	/* Servers put JSON there ({"status":"401",...}): show it as text. */
	n = strcspn(b64, "\r\n ");
	if (n >= sizeof in)
		n = sizeof in - 1;
	n -= n % 4;
	memcpy(in, b64, n);
	in[n] = '\0';
	got = n == 0 ? 0 : EVP_DecodeBlock(raw, (unsigned char *)in, (int)n);
	if (got <= 0) {
		net_server_text(buf, len, b64);
		return;
	}
	/* EVP_DecodeBlock counts padding as zero bytes. */
	while (got > 0 && raw[got - 1] == '\0')
		got--;
	raw[got < (int)sizeof raw ? got : (int)sizeof raw - 1] = '\0';
	net_server_text(buf, len, (const char *)raw);
}

int
net_oauth2_login(const struct account *acct, const struct endpoint *ep,
    const char *hostport, mailstream *s, sasl_try_fn try, void *ctx,
    struct perr *err)
{
	const char		*mech = config_auth_name(ep->auth);
	char			*token, *ir, why[400];
	enum sasl_result	 r = SASL_REFUSED;
	int			 attempt;

	if (!tls_stream_is_tls(s))
		return net_fail(err, NULL, hostport, PERR_CONFIG, _("refusing "
		    "to send an access token over a connection without TLS "
		    "(auth = %s)"), config_auth_name(ep->auth));
	why[0] = '\0';
	/*
	 * A refusal most often means the token expired: the command is run
	 * once more for a fresh one and the login tried once more. Servers
	 * do not tell expired from revoked (Dovecot says 401 for both), so
	 * there is exactly one retry, never a loop.
	 */
	for (attempt = 0; attempt < 2 && r == SASL_REFUSED; attempt++) {
		perr_clear(err);
		/* posta oauth2 login's: the retry takes a refreshed one. */
		if (config_oauth2_builtin(acct, ep))
			token = oauth_access_token(acct, attempt > 0, err);
		else
			token = config_oauth2_token(acct, ep, err);
		if (token == NULL) {
			if (err->code == PERR_OK)
				perr_set(err, PERR_AUTH, _("no access token: "
				    "set oauth2_token_command in [account %s]"),
				    acct->name);
			perr_prefix(err, "%s", hostport);
			return -1;
		}
		if (!sasl_token_ok(token) || strpbrk(ep->user, "\001\r\n")) {
			secret_free(token);
			return net_fail(err, NULL, hostport, PERR_AUTH, _("the "
			    "access token from oauth2_token_command, or the "
			    "user name, has a character a token cannot have "
			    "(a space or control character)"));
		}
		ir = sasl_oauth2_initial(ep->auth, ep->user, token, ep->host,
		    ep->port);
		secret_free(token);
		r = try(ctx, mech, ir, sasl_oauth2_abort(ep->auth), why,
		    sizeof why, err);
		secret_free(ir);
	}
	if (r == SASL_OK)
		return 0;
	if (r == SASL_FAILED)
		return -1;
	if (config_oauth2_builtin(acct, ep))
		return net_fail(err, NULL, hostport, PERR_AUTH, _("%s login "
		    "refused for user %s, also with an access token just "
		    "refreshed: %s"), mech, ep->user, why);
	return net_fail(err, NULL, hostport, PERR_AUTH, _("%s login refused "
	    "for "
	    "user %s, also with a fresh token from oauth2_token_command: %s"),
	    mech, ep->user, why);
}

/* ---- POP3 and SMTP: one line out, one reply back ------------------------ */

/* Write a, b and CRLF with the stream private. */
static bool
sasl_send(mailstream *s, const char *a, const char *b)
{
	bool	ok;

	mailstream_set_privacy(s, 0);
	ok = mailstream_write(s, a, strlen(a)) == (ssize_t)strlen(a) &&
	    mailstream_write(s, b, strlen(b)) == (ssize_t)strlen(b) &&
	    mailstream_write(s, "\r\n", 2) == 2 && mailstream_flush(s) == 0;
	mailstream_set_privacy(s, 1);
	return ok;
}

/*
 * One line into buf without its line end (cut to len - 1, the rest read
 * and dropped), served from the stream's buffer as pop3cmd.c does. The
 * stream's limits (tls_stream_limit) bound the whole line.
 */
static bool
sasl_read_line(mailstream *s, char *buf, size_t len)
{
	size_t	used = 0, n;
	char	*nl, c;

	for (;;) {
		if (s->read_buffer_len == 0 &&
		    mailstream_feed_read_buffer(s) <= 0)
			return false;
		nl = memchr(s->read_buffer, '\n', s->read_buffer_len);
		n = nl != NULL ? (size_t)(nl - s->read_buffer) + 1 :
		    s->read_buffer_len;
		while (n-- > 0) {
			if (mailstream_read(s, &c, 1) != 1)
				return false;
			if (c != '\r' && c != '\n' && used + 1 < len)
				buf[used++] = c;
		}
		buf[used] = '\0';
		if (nl != NULL)
			return true;
	}
}

/* A whole reply: SMTP's "NNN-" lines come before its last "NNN ". */
static bool
sasl_read_reply(const struct sasl_lines *p, char *buf, size_t len)
{
	do {
		if (!sasl_read_line(p->s, buf, len))
			return false;
	} while (p->multiline && strlen(buf) > 3 && buf[3] == '-');
	return true;
}

static bool
sasl_starts(const char *line, const char *prefix)
{
	return strncmp(line, prefix, strlen(prefix)) == 0;
}

enum sasl_result
sasl_line_try(const struct sasl_lines *p, const char *mech, const char *ir,
    const char *abort, char *why, size_t whylen, struct perr *err)
{
	char	 line[SASL_CHALLENGE_MAX], *cmd;
	size_t	 plen = strlen(p->cont);
	bool	 ir_now, ok;

	why[0] = '\0';
	cmd = xasprintf("AUTH %s ", mech);
	ir_now = p->ir_max == 0 || strlen(cmd) + strlen(ir) <= p->ir_max;
	if (!ir_now)
		cmd[strlen(cmd) - 1] = '\0';
	ok = sasl_send(p->s, cmd, ir_now ? ir : "");
	free(cmd);
	if (!ok || !sasl_read_reply(p, line, sizeof line))
		goto lost;
	if (!ir_now && sasl_starts(line, p->cont_bare)) {
		if (!sasl_send(p->s, ir, "") ||
		    !sasl_read_reply(p, line, sizeof line))
			goto lost;
	}
	if (sasl_starts(line, p->cont_bare)) {
		sasl_challenge_text(line + (strlen(line) >= plen ? plen :
		    strlen(line)), why, whylen);
		if (!sasl_send(p->s, abort, "") ||
		    !sasl_read_reply(p, line, sizeof line))
			goto lost;
	}
	if (sasl_starts(line, p->ok))
		return SASL_OK;
	if (!sasl_starts(line, p->no)) {
		net_server_text(why, whylen, line);
		net_fail(err, NULL, p->hostport, PERR_PROTOCOL, _("AUTH %s: "
		    "unexpected reply: %s"), mech, why);
		tls_stream_cancel(p->s);
		return SASL_FAILED;
	}
	if (why[0] == '\0')
		net_server_text(why, whylen, line);
	return SASL_REFUSED;
lost:
	net_fail(err, p->io_err, p->hostport, PERR_CONNECT, _("AUTH %s: the "
	    "connection failed"), mech);
	return SASL_FAILED;
}
