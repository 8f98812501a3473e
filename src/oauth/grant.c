/*
 * grant.c - the OAuth 2.0 grants posta runs itself: reading the token
 * endpoint's JSON, PKCE, the device authorization grant (RFC 8628) and the
 * authorization code on a loopback redirect (RFC 8252).
 *
 * JSON goes through json-c with a depth bound; only an object at the top
 * is taken, and only strings and numbers where RFC 6749 says so. What a
 * provider writes (error descriptions, the user code, the address to
 * open) reaches the user through the faces, which sanitise it.
 *
 * The bottom floor of src/oauth: it calls nothing in tokens.c, which
 * calls it (the refresh) and runs oauth_login() on top of the grants here.
 */
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "oauth/oauth.h"
#include "util/i18n.h"

#define JSON_DEPTH_MAX	16	/* a token reply is one flat object */
#define REDIRECT_MAX	(8 * 1024)	/* bytes of the browser's request */
#define REDIRECT_TRIES	32	/* requests before giving up (favicon...) */

void
oauth_tokens_free(struct oauth_tokens *t)
{
	secret_free(t->access);
	secret_free(t->refresh);
	memset(t, 0, sizeof *t);
}

void
oauth_device_free(struct oauth_device *d)
{
	secret_free(d->device_code);
	free(d->user_code);
	free(d->verification_uri);
	free(d->verification_uri_complete);
	memset(d, 0, sizeof *d);
}

/*
 * Which endpoint a reply came from. Each sentence that names one is
 * written whole for each (a noun fitted into "the %s" cannot be
 * translated: Italian needs its article and its preposition).
 */
enum oauth_ep {
	EP_TOKEN,
	EP_DEVICE,
};

static const char *const says_not_json[] = {
	[EP_TOKEN] = N_("the token endpoint's reply is not a JSON object "
	    "(%s)"),
	[EP_DEVICE] = N_("the device authorization endpoint's reply is not a "
	    "JSON object (%s)"),
};
static const char *const says_error_desc[] = {
	[EP_TOKEN] = N_("the token endpoint answered with the error %s: %s"),
	[EP_DEVICE] = N_("the device authorization endpoint answered with the "
	    "error %s: %s"),
};
static const char *const says_error[] = {
	[EP_TOKEN] = N_("the token endpoint answered with the error %s"),
	[EP_DEVICE] = N_("the device authorization endpoint answered with the "
	    "error %s"),
};
static const char *const says_status[] = {
	[EP_TOKEN] = N_("the token endpoint answered HTTP status %ld without "
	    "an OAuth error"),
	[EP_DEVICE] = N_("the device authorization endpoint answered HTTP "
	    "status %ld without an OAuth error"),
};

/* The top-level object of body, or NULL with err set. */
static json_object *
json_read(const char *body, size_t len, enum oauth_ep ep, struct perr *err)
{
	json_tokener	*tok;
	json_object	*o;
	const char	*why = NULL;
	size_t		 end;

	if ((tok = json_tokener_new_ex(JSON_DEPTH_MAX)) == NULL) {
		perr_set(err, PERR_NOMEM, _("out of memory"));
		return NULL;
	}
	o = json_tokener_parse_ex(tok, body, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (o == NULL)
		why = json_tokener_get_error(tok) == json_tokener_continue ?
		    _("it ends too early") : json_tokener_error_desc(
		    json_tokener_get_error(tok));
	else if (!json_object_is_type(o, json_type_object))
		why = _("another JSON value");
	else if (end < len && strspn(body + end, " \t\r\n") != len - end)
		why = _("more follows the object");
	if (why != NULL) {
		perr_set(err, PERR_PROTOCOL, _(says_not_json[ep]), why);
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* Member key of o as a string; NULL when missing or not a string. */
static const char *
json_str(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	/* "\u0000" would cut the C string short without a word. */
	if (strlen(json_object_get_string(v)) !=
	    (size_t)json_object_get_string_len(v))
		return NULL;
	return json_object_get_string(v);
}

/* Member key as a whole number of seconds in [0, max] (a numeric string
 * too: some providers send "3599"); def when missing. -1: bad. */
static int64_t
json_secs(json_object *o, const char *key, int64_t def, int64_t max)
{
	json_object	*v;
	int64_t		 n;
	char		*end;
	const char	*s;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v,
	    json_type_null))
		return def;
	if (json_object_is_type(v, json_type_int))
		n = json_object_get_int64(v);
	else if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		errno = 0;
		n = strtoll(s, &end, 10);
		if (*s == '\0' || *end != '\0' || errno != 0)
			return -1;
	} else
		return -1;
	return n < 0 || n > max ? -1 : n;
}

/* RFC 6750 b64token plus '=', bounded: nothing that breaks a line. */
static bool
token_ok(const char *t)
{
	size_t	n = 0;

	for (; t[n] != '\0'; n++)
		if (t[n] < 0x21 || t[n] > 0x7e)
			return false;
	return n > 0 && n <= OAUTH_TOKEN_MAX;
}

static enum oauth_grant_err
grant_err(const char *code)
{
	static const struct {
		const char		*name;
		enum oauth_grant_err	 e;
	} codes[] = {
		{ "authorization_pending", OAUTH_GRANT_PENDING },
		{ "slow_down", OAUTH_GRANT_SLOW_DOWN },
		{ "expired_token", OAUTH_GRANT_EXPIRED },
		{ "access_denied", OAUTH_GRANT_DENIED },
		{ "invalid_grant", OAUTH_GRANT_INVALID },
	};
	size_t	i;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(code, codes[i].name) == 0)
			return codes[i].e;
	return OAUTH_GRANT_OTHER;
}

/* An {"error": ...} reply into err and *ge; false when o is not one. */
static bool
oauth_error_reply(json_object *o, enum oauth_ep ep, enum oauth_grant_err *ge,
    struct perr *err)
{
	const char	*code = json_str(o, "error"), *desc;
	char		 c[64], d[300];

	if (code == NULL)
		return false;
	desc = json_str(o, "error_description");
	/* Provider text, cut; the face sanitises the whole message. */
	snprintf(c, sizeof c, "%s", code);
	snprintf(d, sizeof d, "%s", desc != NULL ? desc : "");
	*ge = grant_err(code);
	if (d[0] != '\0')
		perr_set(err, PERR_AUTH, _(says_error_desc[ep]), c, d);
	else
		perr_set(err, PERR_AUTH, _(says_error[ep]), c);
	return true;
}

int
oauth_parse_token(const char *body, size_t len, long status, int64_t now,
    struct oauth_tokens *t, enum oauth_grant_err *ge, struct perr *err)
{
	json_object		*o;
	const char		*access, *refresh, *type;
	int64_t			 exp;

	memset(t, 0, sizeof *t);
	*ge = OAUTH_GRANT_NONE;
	if ((o = json_read(body, len, EP_TOKEN, err)) == NULL) {
		if (status != 200)
			perr_set(err, PERR_PROTOCOL, _(says_status[EP_TOKEN]),
			    status);
		return -1;
	}
	if (oauth_error_reply(o, EP_TOKEN, ge, err)) {
		json_object_put(o);
		return -1;
	}
	access = json_str(o, "access_token");
	refresh = json_str(o, "refresh_token");
	type = json_str(o, "token_type");
	exp = json_secs(o, "expires_in", 3600, 10L * 365 * 86400);
	if (refresh == NULL && json_object_object_get_ex(o, "refresh_token",
	    NULL))
		access = NULL;	/* one of the two is not a plain string */
	if (status != 200 || access == NULL || exp < 0 ||
	    (type != NULL && strcasecmp(type, "bearer") != 0)) {
		perr_set(err, PERR_PROTOCOL, _("the token endpoint's reply "
		    "(HTTP status %ld) is not a bearer token: %s"), status,
		    access == NULL ? _("access_token or refresh_token is "
		    "missing or not a string") : exp < 0 ?
		    _("expires_in is not a number of seconds") : status != 200 ?
		    _("the status is not 200") : _("token_type is not Bearer"));
		json_object_put(o);
		return -1;
	}
	if (!token_ok(access) || (refresh != NULL && !token_ok(refresh))) {
		perr_set(err, PERR_PROTOCOL, _("the token endpoint gave a "
		    "token with a space or control character in it, or one "
		    "over %d bytes"), OAUTH_TOKEN_MAX);
		json_object_put(o);
		return -1;
	}
	t->access = xstrdup(access);
	t->refresh = refresh != NULL ? xstrdup(refresh) : NULL;
	t->expires_at = now + exp;
	/* json-c's copies of the tokens go with the object. */
	json_object_put(o);
	return 0;
}

/* A string member shown to the user: printable, bounded. */
static char *
shown_str(json_object *o, const char *key)
{
	const char	*s = json_str(o, key);

	if (s == NULL || *s == '\0' || strlen(s) > 2048)
		return NULL;
	return xstrdup(s);
}

int
oauth_parse_device(const char *body, size_t len, long status,
    struct oauth_device *d, struct perr *err)
{
	enum oauth_grant_err	 ge;
	json_object		*o;
	const char		*code;
	int64_t			 iv, ex;

	memset(d, 0, sizeof *d);
	if ((o = json_read(body, len, EP_DEVICE, err)) == NULL) {
		if (status != 200)
			perr_set(err, PERR_PROTOCOL, _(says_status[EP_DEVICE]),
			    status);
		return -1;
	}
	if (oauth_error_reply(o, EP_DEVICE, &ge, err)) {
		json_object_put(o);
		return -1;
	}
	code = json_str(o, "device_code");
	d->user_code = shown_str(o, "user_code");
	/* Microsoft's v1 endpoint said verification_url. */
	if ((d->verification_uri = shown_str(o, "verification_uri")) == NULL)
		d->verification_uri = shown_str(o, "verification_url");
	d->verification_uri_complete = shown_str(o,
	    "verification_uri_complete");
	iv = json_secs(o, "interval", 5, 3600);
	ex = json_secs(o, "expires_in", 1800, 86400);
	if (status != 200 || code == NULL || !token_ok(code) ||
	    d->user_code == NULL || d->verification_uri == NULL || iv < 0 ||
	    ex <= 0) {
		perr_set(err, PERR_PROTOCOL, _("the device authorization "
		    "endpoint's reply (HTTP status %ld) lacks a device_code, "
		    "user_code, verification_uri, or a number of seconds in "
		    "interval or expires_in"), status);
		json_object_put(o);
		oauth_device_free(d);
		return -1;
	}
	d->device_code = xstrdup(code);
	d->interval = iv < 1 ? 1 : (int)iv;
	d->expires_in = (int)ex;
	json_object_put(o);
	return 0;
}

/* ---- PKCE ------------------------------------------------------------------ */

/* base64url without padding (RFC 7636 appendix A) of n bytes. */
static void
b64url(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	char	 buf[4 * ((64 + 2) / 3) + 1];
	size_t	 i, k;

	EVP_EncodeBlock((unsigned char *)buf, in, (int)n);
	for (i = 0, k = 0; buf[i] != '\0' && buf[i] != '=' && k + 1 < outlen;
	    i++)
		out[k++] = buf[i] == '+' ? '-' : buf[i] == '/' ? '_' : buf[i];
	out[k] = '\0';
}

/* n random bytes; OpenSSL's generator, which aborts nothing. */
static void
random_b64url(char *out, size_t outlen, size_t n)
{
	unsigned char	r[32];

	if (n > sizeof r)
		n = sizeof r;
	if (RAND_bytes(r, (int)n) != 1)
		abort();	/* no randomness: nothing safe to do */
	b64url(r, n, out, outlen);
	explicit_bzero(r, sizeof r);
}

void
oauth_pkce_verifier(char out[44])
{
	random_b64url(out, 44, 32);
}

void
oauth_pkce_challenge(const char *verifier, char out[44])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	n = 0;

	EVP_Digest(verifier, strlen(verifier), md, &n, EVP_sha256(), NULL);
	b64url(md, n, out, 44);
}

/* ---- the token endpoint ------------------------------------------------------ */

int
oauth_post(const struct account *acct, const char *url, const char *form,
    struct http_reply *rep, struct perr *err)
{
	struct http_request	rq = { url, form, acct->ca_file,
				    OAUTH_REPLY_MAX, OAUTH_HTTP_TIMEOUT, NULL };

	return http_fetch(&rq, rep, err);
}

/* "&client_id=...[&client_secret=...]" for a form. malloc'd: secret_free. */
static char *
client_form(const struct oauth2_conf *o)
{
	char	*id = http_form_escape(o->client_id), *sec, *s;

	if (o->client_secret == NULL) {
		s = xasprintf("&client_id=%s", id);
		free(id);
		return s;
	}
	sec = http_form_escape(o->client_secret);
	s = xasprintf("&client_id=%s&client_secret=%s", id, sec);
	free(id);
	secret_free(sec);
	return s;
}

/*
 * POST form (without the client part) to the token endpoint and read the
 * reply into t. Returns 0, or -1 with err and *ge set.
 */
static int
token_request(const struct account *acct, const char *form,
    struct oauth_tokens *t, enum oauth_grant_err *ge, struct perr *err)
{
	struct http_reply	 rep;
	char			*client = client_form(&acct->oauth2), *all;
	int			 rc;

	*ge = OAUTH_GRANT_NONE;
	all = xasprintf("%s%s", form, client);
	secret_free(client);
	rc = oauth_post(acct, acct->oauth2.token_url, all, &rep, err);
	secret_free(all);
	if (rc != 0)
		return -1;
	rc = oauth_parse_token(rep.body, rep.len, rep.status, time(NULL), t,
	    ge, err);
	secret_free(rep.body);
	if (rc != 0)
		perr_prefix(err, "%s", acct->oauth2.token_url);
	return rc;
}

int
oauth_refresh(const struct account *acct, const char *refresh,
    struct oauth_tokens *t, enum oauth_grant_err *ge, struct perr *err)
{
	char	*r = http_form_escape(refresh), *form;
	int	 rc;

	form = xasprintf("grant_type=refresh_token&refresh_token=%s", r);
	secret_free(r);
	rc = token_request(acct, form, t, ge, err);
	secret_free(form);
	return rc;
}

/* ---- the device grant (RFC 8628) ---------------------------------------------- */

static void
note(oauth_note_cb cb, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(oauth_note_cb cb, void *arg, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	if (cb == NULL)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	cb(arg, s);
	free(s);
}

static int
device_start(const struct account *acct, struct oauth_device *d,
    struct perr *err)
{
	struct http_reply	 rep;
	char			*client = client_form(&acct->oauth2), *scope;
	char			*form;
	int			 rc;

	scope = http_form_escape(acct->oauth2.scope != NULL ?
	    acct->oauth2.scope : "");
	/* client_form() starts with '&': skip it. */
	form = xasprintf("%s&scope=%s", client + 1, scope);
	secret_free(client);
	free(scope);
	rc = oauth_post(acct, acct->oauth2.device_url, form, &rep, err);
	secret_free(form);
	if (rc != 0)
		return -1;
	rc = oauth_parse_device(rep.body, rep.len, rep.status, d, err);
	free(rep.body);
	if (rc != 0)
		perr_prefix(err, "%s", acct->oauth2.device_url);
	return rc;
}

int
oauth_grant_device(const struct account *acct, oauth_note_cb cb, void *arg,
    struct oauth_tokens *t, struct perr *err)
{
	struct oauth_device	 d;
	enum oauth_grant_err	 ge;
	char			*code, *form;
	time_t			 end;
	int			 interval, rc = -1;

	if (device_start(acct, &d, err) != 0)
		return -1;
	note(cb, arg, _("To let posta read the mail of account %s, open %s in "
	    "a browser and enter the code %s."), acct->name, d.verification_uri,
	    d.user_code);
	if (d.verification_uri_complete != NULL)
		note(cb, arg, _("Or open %s, which carries the code."),
		    d.verification_uri_complete);
	note(cb, arg, _("Waiting for the login (the code is valid for %d "
	    "minutes)..."), (d.expires_in + 59) / 60);
	code = http_form_escape(d.device_code);
	form = xasprintf("grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3A"
	    "grant-type%%3Adevice_code&device_code=%s", code);
	secret_free(code);
	interval = d.interval;
	end = time(NULL) + d.expires_in;
	for (;;) {
		/* The provider's pace: RFC 8628 3.5 says wait, then ask. */
		sleep((unsigned)interval);
		if (token_request(acct, form, t, &ge, err) == 0) {
			rc = 0;
			break;
		}
		if (ge == OAUTH_GRANT_SLOW_DOWN)
			interval += 5;	/* RFC 8628 3.5: for good */
		if (ge == OAUTH_GRANT_EXPIRED || ((ge == OAUTH_GRANT_PENDING ||
		    ge == OAUTH_GRANT_SLOW_DOWN) && time(NULL) + interval >
		    end)) {
			perr_set(err, PERR_AUTH, _("the code %s expired before "
			    "the login was done; run posta oauth2 login %s "
			    "again"), d.user_code, acct->name);
			break;
		} else if (ge == OAUTH_GRANT_DENIED) {
			perr_set(err, PERR_AUTH, _("the login of account %s "
			    "was refused at the provider (access_denied)"),
			    acct->name);
			break;
		} else if (ge != OAUTH_GRANT_PENDING &&
		    ge != OAUTH_GRANT_SLOW_DOWN)
			break;
	}
	secret_free(form);
	oauth_device_free(&d);
	return rc;
}

/* ---- the authorization code on a loopback redirect (RFC 8252) ------------------ */

/* A listening socket on 127.0.0.1, any port, into *port. -1: err set. */
static int
loopback_listen(int *port, struct perr *err)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		perr_set(err, PERR_IO, _("cannot listen on 127.0.0.1 for the "
		    "browser's redirect: %s"), strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The value of name in the query q (up to ' ' or end), decoded; NULL. */
static char *
query_get(const char *q, const char *name)
{
	size_t	 n = strlen(name), k;
	char	*out, *o;

	while (*q != '\0' && *q != ' ') {
		k = strcspn(q, "& ");
		if (k > n && strncmp(q, name, n) == 0 && q[n] == '=') {
			out = o = xmalloc(k - n);
			for (q += n + 1, k -= n + 1; k > 0; k--, q++) {
				if (*q == '%' && k >= 3 && hexval(q[1]) >= 0 &&
				    hexval(q[2]) >= 0) {
					*o++ = (char)(hexval(q[1]) * 16 +
					    hexval(q[2]));
					q += 2;
					k -= 2;
				} else
					*o++ = *q == '+' ? ' ' : *q;
			}
			*o = '\0';
			return out;
		}
		q += k;
		if (*q == '&')
			q++;
	}
	return NULL;
}

static void
reply_page(int fd, const char *status, const char *text)
{
	char	*r;
	ssize_t	 n;

	r = xasprintf("HTTP/1.1 %s\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n"
	    "\r\n%s", status, strlen(text), text);
	n = write(fd, r, strlen(r));
	(void)n;	/* the browser may be gone: nothing to do */
	free(r);
}

/* One request's first line into buf within 10 s; false: ignore it. */
static bool
read_request(int fd, char *buf, size_t len)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	size_t		 used = 0;
	ssize_t		 n;

	while (used + 1 < len) {
		if (poll(&p, 1, 10000) <= 0)
			return false;
		if ((n = read(fd, buf + used, len - 1 - used)) <= 0)
			return false;
		used += (size_t)n;
		buf[used] = '\0';
		if (strstr(buf, "\r\n") != NULL)
			return true;
	}
	return false;
}

/*
 * Wait for the browser's redirect carrying state; its code into *code.
 * Requests without state (a favicon) get a 404 and are not counted as the
 * answer. Returns 0, or -1 with err set.
 */
static int
await_code(int lfd, const char *state, char **code, struct perr *err)
{
	struct pollfd	 p = { lfd, POLLIN, 0 };
	char		 buf[REDIRECT_MAX], *st, *er;
	time_t		 end = time(NULL) + OAUTH_BROWSER_WAIT;
	int		 fd, i;

	for (i = 0; i < REDIRECT_TRIES && time(NULL) < end; i++) {
		if (poll(&p, 1, (int)(end - time(NULL)) * 1000) <= 0)
			break;
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		if (!read_request(fd, buf, sizeof buf) ||
		    strncmp(buf, "GET /", 5) != 0 || strchr(buf, '?') == NULL) {
			reply_page(fd, "404 Not Found", _("Not here.\n"));
			close(fd);
			continue;
		}
		st = query_get(strchr(buf, '?') + 1, "state");
		er = query_get(strchr(buf, '?') + 1, "error");
		*code = query_get(strchr(buf, '?') + 1, "code");
		explicit_bzero(buf, sizeof buf);
		if (st == NULL || strcmp(st, state) != 0) {
			reply_page(fd, "400 Bad Request", _("This is not the "
			    "answer posta waits for.\n"));
			close(fd);
			free(st);
			free(er);
			secret_free(*code);
			*code = NULL;
			continue;
		}
		free(st);
		if (er != NULL || *code == NULL) {
			reply_page(fd, "200 OK", _("The login was refused; "
			    "posta says why in the terminal.\n"));
			close(fd);
			perr_set(err, PERR_AUTH, _("the provider refused the "
			    "login: %.100s"), er != NULL ? er : _("no code"));
			free(er);
			secret_free(*code);
			*code = NULL;
			return -1;
		}
		reply_page(fd, "200 OK", _("posta is logged in; you can close "
		    "this page.\n"));
		close(fd);
		return 0;
	}
	return perr_set(err, PERR_TIMEOUT, _("no answer from the browser came "
	    "back to posta within %d minutes"), OAUTH_BROWSER_WAIT / 60);
}

int
oauth_grant_browser(const struct account *acct, oauth_note_cb cb, void *arg,
    struct oauth_tokens *t, struct perr *err)
{
	const struct oauth2_conf *o = &acct->oauth2;
	enum oauth_grant_err	 ge;
	char			 verifier[44], challenge[44], state[44];
	char			*redirect, *e_redirect, *e_id, *e_scope, *url;
	char			*code = NULL, *e_code, *form;
	int			 lfd, port, rc;

	if ((lfd = loopback_listen(&port, err)) == -1)
		return -1;
	oauth_pkce_verifier(verifier);
	oauth_pkce_challenge(verifier, challenge);
	random_b64url(state, sizeof state, 16);
	redirect = xasprintf("http://127.0.0.1:%d/", port);
	e_redirect = http_form_escape(redirect);
	e_id = http_form_escape(o->client_id);
	e_scope = http_form_escape(o->scope != NULL ? o->scope : "");
	url = xasprintf("%s%sresponse_type=code&client_id=%s&redirect_uri=%s"
	    "&scope=%s&state=%s&code_challenge=%s&code_challenge_method=S256",
	    o->auth_url, strchr(o->auth_url, '?') != NULL ? "&" : "?", e_id,
	    e_redirect, e_scope, state, challenge);
	free(e_id);
	free(e_scope);
	note(cb, arg, _("To let posta read the mail of account %s, open this "
	    "address in a browser and log in: %s"), acct->name, url);
	note(cb, arg, _("Waiting for the browser to come back to %s ..."),
	    redirect);
	free(url);
	rc = await_code(lfd, state, &code, err);
	close(lfd);
	if (rc == 0) {
		e_code = http_form_escape(code);
		form = xasprintf("grant_type=authorization_code&code=%s"
		    "&redirect_uri=%s&code_verifier=%s", e_code, e_redirect,
		    verifier);
		secret_free(e_code);
		rc = token_request(acct, form, t, &ge, err);
		secret_free(form);
	}
	secret_free(code);
	free(e_redirect);
	free(redirect);
	explicit_bzero(verifier, sizeof verifier);
	return rc;
}
