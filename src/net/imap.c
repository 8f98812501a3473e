/*
 * imap.c - IMAP connections: greeting, STARTTLS, CAPABILITY, LOGIN; the
 * capabilities kept from login, [ALERT]s, the protocol trace.
 *
 * The order of events is the security argument, so it is spelt out here:
 * connect (TLS verified first for implicit TLS), read the greeting, refuse
 * PREAUTH before STARTTLS, STARTTLS + verification, forget every
 * capability learnt in plaintext, only then fetch the password and log in,
 * and re-read the capabilities (they change after login). Any failure
 * before the login drops the connection without another byte.
 *
 * Then COMPRESS=DEFLATE, when the account allows it (compress = yes, the
 * default) and the server offers it: never before TLS and login are done,
 * and the stream's driver is swapped (compress.c) only on the server's OK.
 * Never mailimap_compress(): Debian's libetpan has no zlib and the session
 * would die after the server switched to DEFLATE. When the login reply
 * already listed COMPRESS=DEFLATE, the command goes out with the
 * CAPABILITY that follows login, so compression costs no round trip.
 *
 * The raw command path (imapcmd_raw(), imapcmd_pipeline()) is here too:
 * login and COMPRESS need it, and this file is the floor below the
 * command families (imapcmd*.c), which call down into it and never the
 * other way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/net-int.h"
#include "util/i18n.h"

/* What the sync engine may use, and so what the report lists. */
static const char *const imap_wanted[] = {
	"IDLE", "CONDSTORE", "QRESYNC", "MOVE", "UIDPLUS", "SPECIAL-USE",
	"COMPRESS=DEFLATE", "ENABLE", NULL
};

/* Is cap one of the space-separated words of list (any case)? */
static bool
word_in(const char *list, const char *cap)
{
	size_t	n = strlen(cap), w;

	for (; list != NULL && *list != '\0'; list += w) {
		list += strspn(list, " ");
		w = strcspn(list, " ");
		if (w == n && strncasecmp(list, cap, n) == 0)
			return true;
	}
	return false;
}

bool
imap_has_cap(const struct imap_conn *c, const char *cap)
{
	struct mailimap_capability_data	*cd;
	struct mailimap_capability	*k;
	clistiter			*it;
	const char			*auth = NULL;

	if (c != NULL && word_in(c->caps, cap))
		return true;
	if (c == NULL || c->imap == NULL ||
	    c->imap->imap_connection_info == NULL ||
	    (cd = c->imap->imap_connection_info->imap_capability) == NULL ||
	    cd->cap_list == NULL)
		return false;
	if (strncasecmp(cap, "AUTH=", 5) == 0)
		auth = cap + 5;
	for (it = clist_begin(cd->cap_list); it != NULL; it = clist_next(it)) {
		k = clist_content(it);
		if (k->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE) {
			if (auth != NULL && k->cap_data.cap_auth_type != NULL &&
			    strcasecmp(k->cap_data.cap_auth_type, auth) == 0)
				return true;
		} else if (auth == NULL && k->cap_data.cap_name != NULL &&
		    strcasecmp(k->cap_data.cap_name, cap) == 0)
			return true;
	}
	return false;
}

/* The capability list as it stands, space-separated; malloc'd. */
static char *
caps_words(const struct imap_conn *c)
{
	struct mailimap_capability_data	*cd;
	struct mailimap_capability	*k;
	clistiter			*it;
	char				*s = xstrdup(""), *t;

	cd = c->imap->imap_connection_info != NULL ?
	    c->imap->imap_connection_info->imap_capability : NULL;
	for (it = cd != NULL && cd->cap_list != NULL ?
	    clist_begin(cd->cap_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		k = clist_content(it);
		if (k->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE &&
		    k->cap_data.cap_auth_type != NULL)
			t = xasprintf("%s AUTH=%s", s, k->cap_data.cap_auth_type);
		else if (k->cap_type != MAILIMAP_CAPABILITY_AUTH_TYPE &&
		    k->cap_data.cap_name != NULL)
			t = xasprintf("%s %s", s, k->cap_data.cap_name);
		else
			continue;
		free(s);
		s = t;
	}
	return s;
}

/* ---- trace --------------------------------------------------------------- */

struct imap_trace {
	FILE	*f;
};

/*
 * libetpan's logger sees the plaintext above TLS. Only what we send is
 * written, and never a chunk libetpan marks private (the LOGIN password):
 * conn_log() calls this for DATA_SENT alone.
 */
static void
trace_sent(struct imap_trace *t, const char *s, size_t len)
{
	if (t->f == NULL)
		return;
	(void)fputs("C: ", t->f);
	(void)fwrite(s, 1, len, t->f);
	if (len == 0 || s[len - 1] != '\n')
		(void)fputc('\n', t->f);
	(void)fflush(t->f);
}

struct imap_trace *
imap_trace_start(struct imap_conn *c, const char *path, struct perr *err)
{
	struct imap_trace	*t;
	FILE			*f;

	if ((f = fopen(path, "a")) == NULL) {
		perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	t->f = f;
	c->trace = t;
	return t;
}

void
imap_trace_stop(struct imap_conn *c, struct imap_trace *t)
{
	if (t == NULL)
		return;
	if (c != NULL && c->trace == t)
		c->trace = NULL;
	if (t->f != NULL)
		(void)fclose(t->f);
	free(t);
}

/* ---- [ALERT] ------------------------------------------------------------- */

static void
alert_give(struct imap_conn *c, char *text)
{
	if (c->alert_cb != NULL) {
		c->alert_cb(c->alert_arg, text);
		free(text);
	} else if (c->nalerts < IMAP_ALERTS_KEPT)
		c->alerts[c->nalerts++] = text;
	else
		free(text);
}

/*
 * Take the [ALERT] of the reply libetpan read last, if any. libetpan keeps
 * one (the last) per reply, until the next reply replaces it.
 */
void
imap_alert_harvest(struct imap_conn *c)
{
	struct mailimap_response_info	*ri;
	char				 text[400];

	if (c->imap == NULL || (ri = c->imap->imap_response_info) == NULL ||
	    ri->rsp_alert == NULL)
		return;
	net_server_text(text, sizeof text, ri->rsp_alert);
	free(ri->rsp_alert);
	ri->rsp_alert = NULL;
	alert_give(c, xstrdup(text));
}

/*
 * libetpan's logger: when a command goes out, the reply before it is
 * complete, so its [ALERT] is taken then; every command of posta's or
 * libetpan's passes here, none needs to remember it. Sent lines also go
 * to the protocol trace.
 */
static void
conn_log(mailimap *imap, int type, const char *s, size_t len, void *arg)
{
	struct imap_conn	*c = arg;

	(void)imap;
	if (type != MAILSTREAM_LOG_TYPE_DATA_SENT &&
	    type != MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE)
		return;
	imap_alert_harvest(c);
	if (type == MAILSTREAM_LOG_TYPE_DATA_SENT && c->trace != NULL)
		trace_sent(c->trace, s, len);
}

void
imap_set_alert_cb(struct imap_conn *c, void (*cb)(void *, const char *),
    void *arg)
{
	size_t	i;

	imap_alert_harvest(c);
	c->alert_cb = cb;
	c->alert_arg = arg;
	for (i = 0; i < c->nalerts; i++) {
		if (cb != NULL)
			cb(arg, c->alerts[i]);
		free(c->alerts[i]);
	}
	c->nalerts = 0;
}

/* ---- commands written by hand -------------------------------------------- */

/*
 * Send "<tag> cmd\r\n" and read the reply as libetpan's own commands do.
 * Not mailimap_custom_command(): libetpan 1.9.4 writes a space between the
 * command and the CRLF, which Cyrus IMAP refuses ("Unexpected extra
 * arguments to List": issue 11), and reads a BYE reply through a NULL
 * pointer. cmd must be one well-formed line without its CRLF: a single
 * space between arguments, none at either end (tests/lab/strict_proxy.py
 * holds posta to that). Returns a libetpan code:
 * MAILIMAP_ERROR_CUSTOM_COMMAND for a tagged NO or BAD.
 */
int
imapcmd_raw(struct imap_conn *c, const char *cmd)
{
	return imapcmd_pipeline(c, &cmd, 1, NULL, NULL);
}

static bool
well_formed(const char *cmd)
{
	size_t	len = strlen(cmd);

	return len > 0 && cmd[0] != ' ' && cmd[len - 1] != ' ' &&
	    strpbrk(cmd, "\r\n") == NULL && strstr(cmd, "  ") == NULL;
}

/* Read the reply to the command tagged `tag`: a libetpan code. */
static int
pipeline_reply(struct imap_conn *c, int tag)
{
	struct mailimap_response	*resp = NULL;
	mailimap			*imap = c->imap;
	int				 r, state;

	/* libetpan checks a reply's tag against the last tag it sent. */
	imap->imap_tag = tag;
	if (mailimap_read_line(imap) == NULL)
		return MAILIMAP_ERROR_STREAM;
	/* A BYE comes back as MAILIMAP_ERROR_FATAL, with nothing to free. */
	if ((r = mailimap_parse_response(imap, &resp)) != MAILIMAP_NO_ERROR)
		return r;
	state = resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->
	    rsp_type;
	mailimap_response_free(resp);
	imap_alert_harvest(c);
	return state == MAILIMAP_RESP_COND_STATE_OK ? MAILIMAP_NO_ERROR :
	    MAILIMAP_ERROR_CUSTOM_COMMAND;
}

int
imapcmd_pipeline(struct imap_conn *c, const char *const *cmds, size_t n,
    void (*got)(void *, size_t, int), void *arg)
{
	mailimap	*imap = c->imap;
	size_t		 i, len;
	int		 first = imap->imap_tag + 1, r = MAILIMAP_NO_ERROR;

	if (n == 0 || n > IMAPCMD_PIPELINE_MAX)
		return MAILIMAP_ERROR_INVAL;
	for (i = 0; i < n; i++)
		if (!well_formed(cmds[i]))
			return MAILIMAP_ERROR_INVAL;
	for (i = 0; i < n; i++) {
		len = strlen(cmds[i]);
		if ((r = mailimap_send_current_tag(imap)) != MAILIMAP_NO_ERROR)
			return r;
		if (mailstream_write(imap->imap_stream, cmds[i], len) !=
		    (ssize_t)len ||
		    mailstream_write(imap->imap_stream, "\r\n", 2) != 2)
			return MAILIMAP_ERROR_STREAM;
	}
	if (mailstream_flush(imap->imap_stream) == -1)
		return MAILIMAP_ERROR_STREAM;
	for (i = 0; i < n; i++) {
		r = pipeline_reply(c, first + (int)i);
		if (r != MAILIMAP_NO_ERROR &&
		    r != MAILIMAP_ERROR_CUSTOM_COMMAND)
			break;		/* the session is lost: stop reading */
		if (got != NULL)
			got(arg, i, r);
	}
	imap->imap_tag = first + (int)n - 1;
	if (r == MAILIMAP_ERROR_CUSTOM_COMMAND && n > 1)
		return MAILIMAP_NO_ERROR;	/* a NO: got() said whose */
	return r;
}

/* ---- capabilities, errors ------------------------------------------------ */

/*
 * Replace libetpan's capability cache with an empty list. Not NULL: a
 * CAPABILITY command whose reply carries no capability would make
 * mailimap_capability() copy a NULL list and crash.
 */
static int
imap_caps_forget(mailimap *imap)
{
	struct mailimap_capability_data	*empty;
	clist				*l;

	if (imap->imap_connection_info == NULL &&
	    (imap->imap_connection_info = mailimap_connection_info_new()) ==
	    NULL)
		return -1;
	if ((l = clist_new()) == NULL)
		return -1;
	if ((empty = mailimap_capability_data_new(l)) == NULL) {
		clist_free(l);
		return -1;
	}
	if (imap->imap_connection_info->imap_capability != NULL)
		mailimap_capability_data_free(
		    imap->imap_connection_info->imap_capability);
	imap->imap_connection_info->imap_capability = empty;
	return 0;
}

int
imap_error(struct imap_conn *c, int r, const char *what, struct perr *err)
{
	const char	*hp = c->report.hostport;
	char		 text[400];

	net_server_text(text, sizeof text, c->imap->imap_response);
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		return net_fail(err, &c->io_err, hp, PERR_CONNECT,
		    _("%s: the connection failed"), what);
	case MAILIMAP_ERROR_PARSE:
		return net_fail(err, &c->io_err, hp, PERR_PROTOCOL,
		    _("%s: the server's reply cannot be parsed"), what);
	case MAILIMAP_ERROR_FATAL:
		return net_fail(err, &c->io_err, hp, PERR_PROTOCOL,
		    _("%s: the server ended the session: %s"), what, text);
	case MAILIMAP_ERROR_PROTOCOL:
		return net_fail(err, &c->io_err, hp, PERR_PROTOCOL,
		    _("%s: the server rejected the command: %s"), what, text);
	case MAILIMAP_ERROR_MEMORY:
		return net_fail(err, NULL, hp, PERR_NOMEM, _("%s: out of memory"),
		    what);
	default:
		return net_fail(err, &c->io_err, hp, PERR_PROTOCOL,
		    _("%s failed (libetpan error %d): %s"), what, r, text);
	}
}

int
imap_refresh_caps(struct imap_conn *c, struct perr *err)
{
	struct mailimap_capability_data	*cap = NULL;
	int				 r;

	if (imap_caps_forget(c->imap) != 0)
		return net_fail(err, NULL, c->report.hostport, PERR_NOMEM,
		    _("out of memory"));
	if ((r = mailimap_capability(c->imap, &cap)) != MAILIMAP_NO_ERROR)
		return imap_error(c, r, "CAPABILITY", err);
	/* mailimap_capability() hands out a copy of its cache. */
	mailimap_capability_data_free(cap);
	return 0;
}

static int
imap_greeting_error(struct imap_conn *c, int r, struct perr *err)
{
	const char	*hp = c->report.hostport;
	char		 text[400];

	net_server_text(text, sizeof text, c->imap->imap_response);
	switch (r) {
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		return net_fail(err, &c->io_err, hp, PERR_PROTOCOL,
		    _("the server refused the connection: %s"), text);
	case MAILIMAP_ERROR_STREAM:
		return net_fail(err, &c->io_err, hp, PERR_PROTOCOL,
		    _("the server closed the connection before its greeting"));
	case MAILIMAP_ERROR_PARSE:
		return net_fail(err, &c->io_err, hp, PERR_PROTOCOL,
		    _("unexpected greeting: this does not look like an IMAP "
		    "server (wrong port or protocol?)"));
	default:
		return imap_error(c, r, _("greeting"), err);
	}
}

static int
imap_starttls(struct imap_conn *c, const struct tls_params *tp,
    struct perr *err)
{
	const char	*hp = c->report.hostport;
	char		 text[400];
	int		 r;

	/*
	 * CVE-2020-14093: PREAUTH means "already logged in", so there is no
	 * state left in which STARTTLS could be issued, and a man in the
	 * middle can send it to keep the session in plaintext.
	 */
	if (c->report.preauth)
		return net_fail(err, NULL, hp, PERR_PROTOCOL, _("the server "
		    "greeted with PREAUTH on a connection that must first be "
		    "secured with STARTTLS; refusing (CVE-2020-14093)"));
	/* The greeting need not list capabilities: ask before judging. */
	if (!imap_has_cap(c, "STARTTLS") && imap_refresh_caps(c, err) != 0)
		return -1;
	if (!imap_has_cap(c, "STARTTLS"))
		return net_fail(err, NULL, hp, PERR_STARTTLS, _("the server "
		    "does not offer STARTTLS; refusing to continue without TLS "
		    "(tls = starttls)"));

	if ((r = mailimap_starttls(c->imap)) != MAILIMAP_NO_ERROR) {
		net_server_text(text, sizeof text, c->imap->imap_response);
		/* Debian's CVE-2020-15953 patch fails STARTTLS on this. */
		if (c->stream->read_buffer_len != 0)
			return net_fail(err, NULL, hp, PERR_STARTTLS, _("the "
			    "server sent data after its STARTTLS reply, before "
			    "the TLS handshake (response injection?); refusing"));
		return net_fail(err, &c->io_err, hp, PERR_STARTTLS,
		    _("STARTTLS refused: %s"), text);
	}
	if (tls_stream_handshake(c->stream, tp, true, &c->report.tls_info,
	    err) != 0) {
		perr_prefix(err, "%s", hp);
		return -1;
	}
	/* Nothing learnt in plaintext can be trusted: ask again. */
	return imap_refresh_caps(c, err);
}

/* Write line and CRLF with the stream private (no logger sees it). */
static bool
imap_send_private(mailimap *imap, const char *a, const char *b)
{
	mailstream	*s = imap->imap_stream;
	bool		 ok;

	mailstream_set_privacy(s, 0);
	ok = mailstream_write(s, a, strlen(a)) == (ssize_t)strlen(a) &&
	    mailstream_write(s, b, strlen(b)) == (ssize_t)strlen(b) &&
	    mailstream_write(s, "\r\n", 2) == 2 &&
	    mailstream_flush(s) != -1;
	mailstream_set_privacy(s, 1);
	return ok;
}

/*
 * One AUTHENTICATE with an OAuth2 mechanism (a sasl_try_fn): the initial
 * response on the command line when the server offers SASL-IR, else after
 * its "+"; an error challenge answered with abort, then the tagged reply.
 */
static enum sasl_result
imap_sasl_try(void *arg, const char *mech, const char *ir,
    const char *abort, char *why, size_t whylen, struct perr *err)
{
	struct imap_conn		*c = arg;
	mailimap			*imap = c->imap;
	struct mailimap_response	*resp = NULL;
	const char			*hp = c->report.hostport;
	char				*cmd, *line, text[400];
	bool				 ir_now = imap_has_cap(c, "SASL-IR"), ok;
	int				 r, state;

	why[0] = '\0';
	if (mailimap_send_current_tag(imap) != MAILIMAP_NO_ERROR)
		goto lost;
	cmd = xasprintf("AUTHENTICATE %s%s", mech, ir_now ? " " : "");
	ok = imap_send_private(imap, cmd, ir_now ? ir : "");
	free(cmd);
	if (!ok || (line = mailimap_read_line(imap)) == NULL)
		goto lost;
	if (line[0] == '+' && !ir_now) {
		if (!imap_send_private(imap, ir, "") ||
		    (line = mailimap_read_line(imap)) == NULL)
			goto lost;
	}
	if (line[0] == '+') {
		sasl_challenge_text(line + 1 + strspn(line + 1, " "), why,
		    whylen);
		if (!imap_send_private(imap, abort, "") ||
		    mailimap_read_line(imap) == NULL)
			goto lost;
	}
	if ((r = mailimap_parse_response(imap, &resp)) != MAILIMAP_NO_ERROR) {
		imap_error(c, r, "AUTHENTICATE", err);
		return SASL_FAILED;
	}
	state = resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->
	    rsp_type;
	mailimap_response_free(resp);
	net_server_text(text, sizeof text, imap->imap_response);
	if (state == MAILIMAP_RESP_COND_STATE_OK) {
		imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
		return SASL_OK;
	}
	if (state == MAILIMAP_RESP_COND_STATE_BAD) {
		net_fail(err, NULL, hp, PERR_PROTOCOL, _("AUTHENTICATE %s: the "
		    "server rejected the command: %s"), mech, text);
		return SASL_FAILED;
	}
	if (why[0] == '\0')
		snprintf(why, whylen, "%s", text);
	return SASL_REFUSED;
lost:
	imap_error(c, MAILIMAP_ERROR_STREAM, "AUTHENTICATE", err);
	return SASL_FAILED;
}

static int
imap_oauth2_login(struct imap_conn *c, const struct account *acct,
    const struct endpoint *ep, struct perr *err)
{
	const char	*mech = config_auth_name(ep->auth);
	char		 cap[32];

	snprintf(cap, sizeof cap, "AUTH=%s", mech);
	/* The greeting need not list capabilities: ask before judging. */
	if (!imap_has_cap(c, cap) && imap_refresh_caps(c, err) != 0)
		return -1;
	if (!imap_has_cap(c, cap))
		return net_fail(err, NULL, c->report.hostport, PERR_AUTH,
		    _("the server does not offer AUTHENTICATE %s (auth = %s)"),
		    mech, config_auth_name(ep->auth));
	c->report.mech = mech;
	return net_oauth2_login(acct, ep, c->report.hostport, c->stream,
	    imap_sasl_try, c, err);
}

static int
imap_login(struct imap_conn *c, const struct account *acct,
    const struct endpoint *ep, struct perr *err)
{
	const char	*hp = c->report.hostport;
	char		*pw, text[400];
	int		 r;
	bool		 plain;

	if (ep->auth != AUTH_PASSWORD)
		return imap_oauth2_login(c, acct, ep, err);

	/* RFC 3501: LOGINDISABLED forbids LOGIN; AUTHENTICATE PLAIN may do. */
	plain = imap_has_cap(c, "LOGINDISABLED");
	if (plain && !imap_has_cap(c, "AUTH=PLAIN"))
		return net_fail(err, NULL, hp, PERR_AUTH, _("the server "
		    "accepts neither LOGIN nor AUTHENTICATE PLAIN here"));
	if ((pw = net_password(acct, ep, hp, err)) == NULL)
		return -1;
	c->report.mech = plain ? "PLAIN" : "LOGIN";
	if (plain)
		r = mailimap_authenticate(c->imap, "PLAIN", ep->host, NULL,
		    NULL, ep->user, ep->user, pw, NULL);
	else
		r = mailimap_login(c->imap, ep->user, pw);
	secret_free(pw);
	if (r == MAILIMAP_NO_ERROR)
		return 0;
	if (r == MAILIMAP_ERROR_LOGIN || r == MAILIMAP_ERROR_SASL) {
		net_server_text(text, sizeof text, c->imap->imap_response);
		return net_fail(err, NULL, hp, PERR_AUTH, _("login refused for "
		    "user %s: %s"), ep->user, text);
	}
	return imap_error(c, r, "LOGIN", err);
}

/* What the pipelined CAPABILITY and COMPRESS DEFLATE answered. */
static void
caps_compress_got(void *arg, size_t i, int r)
{
	((int *)arg)[i] = r;
}

/*
 * After login: the capabilities again (they change with login) and, when
 * compress, COMPRESS DEFLATE, pipelined behind the CAPABILITY when the
 * capabilities known now (from the login reply, after TLS) offer it, else
 * sent once the new list offers it. A NO leaves the session uncompressed.
 */
static int
imap_caps_compress(struct imap_conn *c, bool compress, struct perr *err)
{
	static const char *const cmds[] = { "CAPABILITY", "COMPRESS DEFLATE" };
	const char	*hp = c->report.hostport;
	int		 got[2] = { MAILIMAP_ERROR_INVAL, MAILIMAP_ERROR_INVAL };
	int		 r;

	if (!compress || !imap_has_cap(c, "COMPRESS=DEFLATE")) {
		if (imap_refresh_caps(c, err) != 0)
			return -1;
		got[0] = MAILIMAP_NO_ERROR;
		if (!compress || !imap_has_cap(c, "COMPRESS=DEFLATE"))
			return 0;
		r = got[1] = imapcmd_raw(c, cmds[1]);
	} else {
		if (imap_caps_forget(c->imap) != 0)
			return net_fail(err, NULL, hp, PERR_NOMEM,
			    "out of memory");
		r = imapcmd_pipeline(c, cmds, 2, caps_compress_got, got);
		if (r == MAILIMAP_NO_ERROR)
			r = got[0];
		if (r == MAILIMAP_ERROR_CUSTOM_COMMAND)
			return imap_error(c, MAILIMAP_ERROR_PROTOCOL,
			    "CAPABILITY", err);
	}
	/*
	 * libetpan reads a tagged BAD as MAILIMAP_ERROR_PROTOCOL, the whole
	 * reply read all the same: a refusal like a NO.
	 */
	if (r == MAILIMAP_ERROR_PROTOCOL && got[0] == MAILIMAP_NO_ERROR)
		return 0;
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_ERROR_CUSTOM_COMMAND)
		return imap_error(c, r, "COMPRESS", err);
	if (got[1] != MAILIMAP_NO_ERROR)
		return 0;
	if (compress_stream_start(c->stream, err) != 0) {
		perr_prefix(err, "%s", hp);
		return -1;
	}
	c->report.compressed = true;
	return 0;
}

static void
imap_report_caps(struct imap_conn *c)
{
	struct net_report	*rep = &c->report;
	size_t			 i;

	rep->caps[0] = rep->missing[0] = '\0';
	for (i = 0; imap_wanted[i] != NULL; i++) {
		if (imap_has_cap(c, imap_wanted[i]))
			net_words_add(rep->caps, sizeof rep->caps,
			    imap_wanted[i]);
		else
			net_words_add(rep->missing, sizeof rep->missing,
			    imap_wanted[i]);
	}
}

/*
 * Connect, secure and (when login) log in; with !login stop before the
 * password, with the capabilities offered then. timeout: I/O wait bound.
 */
static struct imap_conn *
imap_open(const struct account *acct, const struct endpoint *ep,
    int timeout, bool login, struct net_report *rep, struct perr *err)
{
	struct imap_conn	*c;
	struct tls_params	 tp;
	mailstream		*s;
	int			 r;

	c = xcalloc(1, sizeof *c);
	c->report.protocol = "IMAP";
	s = net_stream_open_within(acct, ep, timeout, &tp, &c->report,
	    &c->io_err, err);
	if (s == NULL) {
		if (rep != NULL)
			*rep = c->report;
		free(c);
		return NULL;
	}
	if ((c->imap = mailimap_new(0, NULL)) == NULL) {
		net_fail(err, NULL, c->report.hostport, PERR_NOMEM,
		    _("out of memory"));
		mailstream_close(s);
		free(c);
		return NULL;
	}
	/* From here on the session owns s, even if the greeting fails. */
	c->stream = s;
	tls_stream_limit(s, NET_CTX_IMAP_LOGIN);
	mailimap_set_logger(c->imap, conn_log, c);
	r = mailimap_connect(c->imap, s);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		imap_greeting_error(c, r, err);
		goto fail;
	}
	c->report.preauth = r == MAILIMAP_NO_ERROR_AUTHENTICATED;

	if (ep->tls == TLSM_STARTTLS && imap_starttls(c, &tp, err) != 0)
		goto fail;
	if (login && !c->report.preauth && imap_login(c, acct, ep, err) != 0)
		goto fail;
	if (imap_caps_compress(c, acct->compress && (login ||
	    c->report.preauth), err) != 0)
		goto fail;
	tls_stream_limit(s, NET_CTX_IMAP);
	imap_alert_harvest(c);
	c->caps = caps_words(c);
	c->report.logged_in = login || c->report.preauth;
	imap_report_caps(c);
	if (rep != NULL)
		*rep = c->report;
	return c;

fail:
	if (rep != NULL)
		*rep = c->report;
	imap_abort(c);
	return NULL;
}

struct imap_conn *
imap_connect(const struct account *acct, const struct endpoint *ep,
    struct perr *err)
{
	return imap_open(acct, ep, net_timeout(), true, NULL, err);
}

int
imap_probe(const struct account *acct, const struct endpoint *ep,
    int timeout, struct net_report *rep, struct perr *err)
{
	struct imap_conn	*c;

	memset(rep, 0, sizeof *rep);
	perr_clear(err);
	if ((c = imap_open(acct, ep, timeout, false, rep, err)) == NULL)
		return -1;
	imap_close(c);
	return 0;
}

void
imap_cancel(struct imap_conn *c)
{
	if (c != NULL && c->stream != NULL)
		tls_stream_cancel(c->stream);
}

void
imap_close(struct imap_conn *c)
{
	size_t	i;

	if (c == NULL)
		return;
	/* The last reply's alert; LOGOUT's own would come too late. */
	imap_alert_harvest(c);
	mailimap_set_logger(c->imap, NULL, NULL);
	/* LOGOUT closes and frees the stream, whatever the server says. */
	if (c->imap->imap_stream != NULL)
		(void)mailimap_logout(c->imap);
	mailimap_free(c->imap);
	for (i = 0; i < c->nalerts; i++)
		free(c->alerts[i]);
	free(c->caps);
	free(c);
}

void
imap_abort(struct imap_conn *c)
{
	if (c == NULL)
		return;
	/*
	 * Cancelled, the stream fails every write at once, so the LOGOUT
	 * inside mailimap_free() never leaves and cannot block.
	 */
	if (c->imap->imap_stream != NULL)
		tls_stream_cancel(c->imap->imap_stream);
	imap_close(c);
}
