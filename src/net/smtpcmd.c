/*
 * smtpcmd.c - submitting one message over an SMTP connection.
 *
 * libetpan's mailesmtp_send() stops at the first refused recipient and
 * leaves the transaction open, so the envelope is sent step by step here:
 * MAIL FROM (with SIZE= when offered), one RCPT per recipient with each
 * refusal recorded, DATA only when somebody was accepted, and RSET after
 * any refusal so the connection can take the next message.
 *
 * The one answer that cannot be known is the reply to the final "." of
 * DATA: when the connection breaks while the message is being sent or
 * before that reply arrives, the server may have queued it. That is
 * reported as SMTP_UNKNOWN, never as a failure to retry, so that nothing
 * is sent twice without the user deciding.
 *
 * Every refusal is also classed as permanent (5xx, RFC 5321 4.2.1; an
 * address that cannot be sent; a message over SIZE) or not (4xx, a lost
 * connection), so that the caller knows whether trying again as it is
 * can help.
 *
 * Addresses go into the commands verbatim (libetpan writes "MAIL
 * FROM:<%s>"), so anything that could end or extend a command line is
 * refused before a byte is sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net-int.h"
#include "util/i18n.h"

/* Safe inside "<...>" on a command line: printable ASCII, no '<' '>'. */
static bool
smtp_addr_safe(const char *a)
{
	const unsigned char	*p;

	if (a == NULL || *a == '\0' || strlen(a) > 254)
		return false;
	for (p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7F || *p == '<' || *p == '>')
			return false;
	return strchr(a, '@') != NULL;
}

/* The server's last reply as text fit for a message. */
static void
smtp_reply(struct smtp_conn *c, int *code, char *buf, size_t len)
{
	size_t	n;

	*code = c->smtp->response_code;
	net_server_text(buf, len, c->smtp->response);
	/* The reply's line end can leave a trailing space: trim it. */
	for (n = strlen(buf); n > 0 && buf[n - 1] == ' '; n--)
		buf[n - 1] = '\0';
}

/* What DATA will carry: bare LFs become CRLF, lines starting "." doubled. */
static size_t
smtp_wire_size(const char *msg, size_t len)
{
	size_t	i, n = len;

	for (i = 0; i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			n++;
		if (msg[i] == '.' && (i == 0 || msg[i - 1] == '\n'))
			n++;
	}
	return n + 5;
}

/* RSET after a refusal; false when the connection is no longer usable. */
static bool
smtp_rset(struct smtp_conn *c)
{
	if (mailsmtp_reset(c->smtp) == MAILSMTP_NO_ERROR)
		return true;
	tls_stream_cancel(c->stream);
	return false;
}

void
smtp_result_free(struct smtp_result *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrcpt; i++)
		free(r->rcpt[i].addr);
	free(r->rcpt);
	memset(r, 0, sizeof *r);
}

/* Does msg hold a byte over 127? */
static bool
eight_bit(const char *msg, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)msg[i] >= 0x80)
			return true;
	return false;
}

/*
 * MAIL FROM with SIZE when offered, and BODY=8BITMIME (RFC 6152) for a
 * message with 8-bit bytes when the server offers it; libetpan's
 * mailesmtp_mail_size() has no BODY parameter. A MAILSMTP_* code.
 */
static int
mail_from(struct smtp_conn *c, const char *from, size_t wire, bool eight)
{
	char	*cmd;
	int	 code;

	if (!eight)
		return smtp_has_cap(c, "SIZE") ?
		    mailesmtp_mail_size(c->smtp, from, 0, NULL, wire) :
		    mailsmtp_mail(c->smtp, from);
	if (smtp_has_cap(c, "SIZE"))
		cmd = xasprintf("MAIL FROM:<%s> BODY=8BITMIME SIZE=%zu\r\n",
		    from, wire);
	else
		cmd = xasprintf("MAIL FROM:<%s> BODY=8BITMIME\r\n", from);
	if (mailsmtp_send_command(c->smtp, cmd) == -1) {
		free(cmd);
		return MAILSMTP_ERROR_STREAM;
	}
	free(cmd);
	code = mailsmtp_read_response(c->smtp);
	if (code == 0)
		return MAILSMTP_ERROR_STREAM;
	return code == 250 ? MAILSMTP_NO_ERROR :
	    MAILSMTP_ERROR_UNEXPECTED_CODE;
}

int
smtp_submit(struct smtp_conn *c, const char *from, const char *const *rcpts,
    size_t n, const char *msg, size_t len, struct smtp_result *res,
    struct perr *err)
{
	const char	*hp = c->report.hostport;
	size_t		 i, max, wire;
	char		 text[400];
	int		 r, code;

	memset(res, 0, sizeof *res);
	res->usable = true;
	res->outcome = SMTP_REFUSED;
	/* Local refusals cannot pass by themselves; replies say below. */
	res->permanent = true;
	if (n == 0)
		return perr_set(err, PERR_GENERIC, _("no recipients"));
	res->rcpt = xcalloc(n, sizeof *res->rcpt);
	res->nrcpt = n;
	for (i = 0; i < n; i++)
		res->rcpt[i].addr = xstrdup(rcpts[i] != NULL ? rcpts[i] : "");

	if (!smtp_addr_safe(from))
		return perr_set(err, PERR_GENERIC, _("sender address '%s' "
		    "cannot "
		    "be sent (empty, no '@', or a space, '<', '>' or control "
		    "character)"), from != NULL ? from : "");
	wire = smtp_wire_size(msg, len);
	max = smtp_max_size(c);
	/* Refuse here what the server said it would refuse (RFC 1870). */
	if (max > 0 && wire > max)
		return net_fail(err, NULL, hp, PERR_GENERIC, _("the message is "
		    "%zu bytes and the server accepts at most %zu (SIZE): not "
		    "sent"), wire, max);

	res->permanent = false;
	c->smtp->response_code = 0;
	r = mail_from(c, from, wire, eight_bit(msg, len) &&
	    smtp_has_cap(c, "8BITMIME"));
	if (r != MAILSMTP_NO_ERROR) {
		if (r == MAILSMTP_ERROR_STREAM || c->smtp->response_code == 0) {
			res->usable = false;
			return net_fail(err, &c->io_err, hp, PERR_CONNECT,
			    _("MAIL FROM: the connection failed"));
		}
		smtp_reply(c, &code, text, sizeof text);
		res->code = code;
		res->permanent = code >= 500;
		snprintf(res->text, sizeof res->text, "%s", text);
		res->usable = smtp_rset(c);
		return net_fail(err, NULL, hp, PERR_GENERIC, _("the server "
		    "refused the sender %s: %d %s"), from, code, text);
	}

	for (i = 0; i < n; i++) {
		struct smtp_rcpt_result *rr = &res->rcpt[i];

		if (!smtp_addr_safe(rr->addr)) {
			snprintf(rr->text, sizeof rr->text, "%s", _("not sent: "
			    "the address cannot be put in an SMTP command"));
			rr->permanent = res->permanent = true;
			continue;
		}
		c->smtp->response_code = 0;
		r = mailsmtp_rcpt(c->smtp, rr->addr);
		if (r == MAILSMTP_ERROR_STREAM ||
		    (r != MAILSMTP_NO_ERROR && c->smtp->response_code == 0)) {
			res->usable = false;
			return net_fail(err, &c->io_err, hp, PERR_CONNECT,
			    _("RCPT TO:<%s>: the connection failed"), rr->addr);
		}
		smtp_reply(c, &rr->code, rr->text, sizeof rr->text);
		if (r == MAILSMTP_NO_ERROR) {
			rr->accepted = true;
			res->accepted++;
		} else if (rr->code >= 500)
			rr->permanent = res->permanent = true;
	}
	if (res->accepted == 0) {
		res->usable = smtp_rset(c);
		return net_fail(err, NULL, hp, PERR_RCPT, _("every recipient "
		    "was refused; not sent"));
	}

	c->smtp->response_code = 0;
	r = mailsmtp_data(c->smtp);
	if (r != MAILSMTP_NO_ERROR) {
		if (r == MAILSMTP_ERROR_STREAM || c->smtp->response_code == 0) {
			res->usable = false;
			return net_fail(err, &c->io_err, hp, PERR_CONNECT,
			    _("DATA: the connection failed; not sent"));
		}
		smtp_reply(c, &code, text, sizeof text);
		res->code = code;
		res->permanent = code >= 500;
		snprintf(res->text, sizeof res->text, "%s", text);
		res->usable = smtp_rset(c);
		return net_fail(err, NULL, hp, PERR_GENERIC, _("the server "
		    "refused DATA: %d %s; not sent"), code, text);
	}

	/* From here on a broken connection leaves the outcome unknown. */
	c->smtp->response_code = 0;
	/* libetpan always ends DATA with "\r\n.\r\n": a message's own last
	 * line end would arrive as an extra empty line. */
	if (len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n')
		len -= 2;
	r = mailsmtp_data_message(c->smtp, msg, len);
	if (r == MAILSMTP_ERROR_STREAM || (r != MAILSMTP_NO_ERROR &&
	    c->smtp->response_code == 0)) {
		res->outcome = SMTP_UNKNOWN;
		res->usable = false;
		return net_fail(err, &c->io_err, hp, PERR_CONNECT, _("the "
		    "connection broke after the message was sent, before the "
		    "server confirmed it: it may or may not have been "
		    "delivered"));
	}
	smtp_reply(c, &code, text, sizeof text);
	res->code = code;
	snprintf(res->text, sizeof res->text, "%s", text);
	if (r != MAILSMTP_NO_ERROR) {
		res->permanent = code >= 500;
		res->usable = smtp_rset(c);
		return net_fail(err, NULL, hp, PERR_GENERIC, _("the server "
		    "refused the message: %d %s; not sent"), code, text);
	}
	res->outcome = res->accepted == n ? SMTP_SENT : SMTP_PARTIAL;
	return 0;
}
