/*
 * autoconfig.c - the provider's config-v1.1.xml document (the format of
 * Thunderbird's autoconfiguration), fetched over verified HTTPS with
 * libcurl and parsed with expat.
 *
 * Hostile input: only https:// is spoken (redirects too, at most 3), the
 * certificate is verified (system store plus the account's ca_file), the
 * body is cut at SETUP_AUTOCONFIG_MAX bytes and then refused, the whole
 * fetch is bounded in time, expat never loads external entities, element
 * nesting past 32 is refused, and only the first 16 servers are kept.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>

#include "setup/setup.h"
#include "util/i18n.h"

#define AC_DEPTH_MAX	32
#define AC_SERVERS_MAX	16

/* ---- parsing ----------------------------------------------------------- */

struct ac_parse {
	XML_Parser		 p;
	const char		*email;
	struct setup_servers	*out;
	int			 depth;
	bool			 root_ok;	/* <clientConfig> seen first */
	bool			 in_server;	/* inside in/outgoingServer */
	bool			 server_ok;	/* a type we speak */
	struct setup_server	 cur;
	char			 elem[32];	/* child being read */
	char			 text[512];	/* its text */
	size_t			 textlen;
	int			 added;
	const char		*problem;	/* first reason to refuse */
};

/*
 * A login name from the document is shown at setup's prompts: valid UTF-8
 * without a C0 or C1 control character or DEL (some terminals obey C1
 * bytes such as U+009B, CSI), or the server entry is not used.
 */
static bool
ac_text_ok(const char *v)
{
	size_t		 n = strlen(v), k;
	uint32_t	 cp;

	if (!utf8_valid(v, n))
		return false;
	while (n > 0) {
		k = utf8_get(v, n, &cp);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return false;
		v += k;
		n -= k;
	}
	return true;
}

/* %EMAILADDRESS%, %EMAILLOCALPART%, %EMAILDOMAIN% in a username. */
static void
ac_user(const char *tmpl, const char *email, char *out, size_t len)
{
	const char	*at = strchr(email, '@');
	size_t		 used = 0, n;
	const char	*rep;

	out[0] = '\0';
	while (*tmpl != '\0' && used + 1 < len) {
		rep = NULL;
		if (strncmp(tmpl, "%EMAILADDRESS%", 14) == 0) {
			rep = email;
			n = strlen(email);
			tmpl += 14;
		} else if (strncmp(tmpl, "%EMAILLOCALPART%", 16) == 0) {
			rep = email;
			n = at != NULL ? (size_t)(at - email) : strlen(email);
			tmpl += 16;
		} else if (strncmp(tmpl, "%EMAILDOMAIN%", 13) == 0) {
			rep = at != NULL ? at + 1 : "";
			n = strlen(rep);
			tmpl += 13;
		}
		if (rep == NULL) {
			out[used++] = *tmpl++;
			out[used] = '\0';
			continue;
		}
		if (n > len - used - 1)
			n = len - used - 1;
		memcpy(out + used, rep, n);
		used += n;
		out[used] = '\0';
	}
}

static const char *
ac_attr(const XML_Char **atts, const char *name)
{
	for (; atts != NULL && atts[0] != NULL; atts += 2)
		if (strcmp(atts[0], name) == 0)
			return atts[1];
	return NULL;
}

static void XMLCALL
ac_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct ac_parse	*ap = arg;
	const char	*type;

	if (++ap->depth > AC_DEPTH_MAX) {
		ap->problem = "elements are nested too deep";
		XML_StopParser(ap->p, XML_FALSE);
		return;
	}
	if (ap->depth == 1) {
		ap->root_ok = strcmp(name, "clientConfig") == 0;
		if (!ap->root_ok) {
			ap->problem = "it is not a clientConfig document";
			XML_StopParser(ap->p, XML_FALSE);
		}
		return;
	}
	if (strcmp(name, "incomingServer") == 0 ||
	    strcmp(name, "outgoingServer") == 0) {
		memset(&ap->cur, 0, sizeof ap->cur);
		ap->in_server = true;
		ap->cur.port = -1;
		ap->cur.tls = TLSM_NONE;
		ap->cur.source = SETUP_SRC_AUTOCONFIG;
		type = ac_attr(atts, "type");
		ap->server_ok = true;
		if (type != NULL && strcmp(type, "imap") == 0)
			ap->cur.svc = SETUP_IMAP;
		else if (type != NULL && strcmp(type, "pop3") == 0)
			ap->cur.svc = SETUP_POP3;
		else if (type != NULL && strcmp(type, "smtp") == 0)
			ap->cur.svc = SETUP_SMTP;
		else
			ap->server_ok = false;	/* exchange, jmap, ...: skip */
		return;
	}
	if (ap->in_server) {
		snprintf(ap->elem, sizeof ap->elem, "%s", name);
		ap->textlen = 0;
		ap->text[0] = '\0';
	}
}

static void XMLCALL
ac_chars(void *arg, const XML_Char *s, int len)
{
	struct ac_parse	*ap = arg;
	size_t		 n = (size_t)len;

	if (!ap->in_server || ap->elem[0] == '\0')
		return;
	if (n > sizeof ap->text - 1 - ap->textlen)
		n = sizeof ap->text - 1 - ap->textlen;
	memcpy(ap->text + ap->textlen, s, n);
	ap->textlen += n;
	ap->text[ap->textlen] = '\0';
}

/* The text of the element that just ended, trimmed. */
static char *
ac_trim(char *s)
{
	size_t	n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static bool
ac_hostname_ok(const char *h)
{
	size_t	i;

	if (*h == '\0' || strlen(h) > 253)
		return false;
	for (i = 0; h[i] != '\0'; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '.' &&
		    h[i] != '-' && h[i] != ':')
			return false;
	return true;
}

static void
ac_field(struct ac_parse *ap)
{
	char	*v = ac_trim(ap->text), *end;
	long	 port;

	if (strcmp(ap->elem, "hostname") == 0) {
		if (ac_hostname_ok(v))
			snprintf(ap->cur.host, sizeof ap->cur.host, "%s", v);
		else
			ap->server_ok = false;
	} else if (strcmp(ap->elem, "port") == 0) {
		port = strtol(v, &end, 10);
		if (*v != '\0' && *end == '\0' && port > 0 && port < 65536)
			ap->cur.port = (int)port;
		else
			ap->server_ok = false;
	} else if (strcmp(ap->elem, "socketType") == 0) {
		if (strcasecmp(v, "SSL") == 0 || strcasecmp(v, "TLS") == 0)
			ap->cur.tls = TLSM_IMPLICIT;
		else if (strcasecmp(v, "STARTTLS") == 0)
			ap->cur.tls = TLSM_STARTTLS;
		else
			/* plain: never proposed, the password would travel in clear. */
			ap->server_ok = false;
	} else if (strcmp(ap->elem, "username") == 0) {
		if (ac_text_ok(v))
			ac_user(v, ap->email, ap->cur.user, sizeof ap->cur.user);
		else
			ap->server_ok = false;
	}
}

static void XMLCALL
ac_end(void *arg, const XML_Char *name)
{
	struct ac_parse	*ap = arg;

	ap->depth--;
	if (ap->in_server && (strcmp(name, "incomingServer") == 0 ||
	    strcmp(name, "outgoingServer") == 0)) {
		ap->in_server = false;
		if (ap->server_ok && ap->cur.host[0] != '\0' &&
		    ap->cur.port > 0 && ap->cur.tls != TLSM_NONE &&
		    ap->added < AC_SERVERS_MAX) {
			setup_servers_add(ap->out, &ap->cur);
			ap->added++;
		}
		return;
	}
	if (ap->in_server && ap->elem[0] != '\0' &&
	    strcmp(name, ap->elem) == 0) {
		ac_field(ap);
		ap->elem[0] = '\0';
	}
}

/* Entities declared in the document would let it grow without end. */
static void XMLCALL
ac_entity(void *arg, const XML_Char *name, int pe, const XML_Char *value,
    int len, const XML_Char *base, const XML_Char *sys, const XML_Char *pub,
    const XML_Char *notation)
{
	struct ac_parse	*ap = arg;

	ap->problem = "it declares entities";
	XML_StopParser(ap->p, XML_FALSE);
}

int
setup_autoconfig_parse(const char *xml, size_t len, const char *email,
    struct setup_servers *out, struct perr *err)
{
	struct ac_parse	 ap;
	enum XML_Status	 st;

	memset(&ap, 0, sizeof ap);
	ap.email = email;
	ap.out = out;
	if ((ap.p = XML_ParserCreate("UTF-8")) == NULL)
		return perr_set(err, PERR_NOMEM, _("out of memory"));
	XML_SetUserData(ap.p, &ap);
	XML_SetElementHandler(ap.p, ac_start, ac_end);
	XML_SetCharacterDataHandler(ap.p, ac_chars);
	XML_SetEntityDeclHandler(ap.p, ac_entity);
	XML_SetParamEntityParsing(ap.p, XML_PARAM_ENTITY_PARSING_NEVER);
	st = XML_Parse(ap.p, xml, (int)len, XML_TRUE);
	if (ap.problem != NULL) {
		perr_set(err, PERR_PROTOCOL, _("the autoconfig document is "
		    "refused: %s"), ap.problem);
		XML_ParserFree(ap.p);
		return -1;
	}
	if (st != XML_STATUS_OK) {
		perr_set(err, PERR_PROTOCOL, _("the autoconfig document is not "
		    "well-formed XML: %s at line %lu"), XML_ErrorString(
		    XML_GetErrorCode(ap.p)),
		    (unsigned long)XML_GetCurrentLineNumber(ap.p));
		XML_ParserFree(ap.p);
		return -1;
	}
	XML_ParserFree(ap.p);
	if (ap.added == 0)
		return perr_set(err, PERR_PROTOCOL, _("the autoconfig document "
		    "names no IMAP, POP3 or SMTP server with TLS"));
	return ap.added;
}

/* ---- fetching ---------------------------------------------------------- */

int
setup_autoconfig(const char *url, const char *ca_file, const char *email,
    int timeout, struct setup_servers *out, struct perr *err)
{
	struct http_request	 rq = { url, NULL, ca_file, SETUP_AUTOCONFIG_MAX,
				    timeout, NULL };
	struct http_reply	 rep;
	const char		*to = getenv("POSTA_SETUP_HTTPS");
	int			 rc;

	/* $POSTA_SETUP_HTTPS = "ADDRESS:PORT" (tests): the fetch goes there,
	 * the URL's host still checked against the certificate. */
	if (to != NULL && *to != '\0' && strlen(to) < 100 &&
	    strpbrk(to, " \t\r\n") == NULL)
		rq.connect_to = to;
	if (http_fetch(&rq, &rep, err) != 0)
		return -1;
	if (rep.status != 200)
		rc = perr_set(err, PERR_NOTFOUND, _("%s: the server answered "
		    "HTTP status %ld, not a document"), url, rep.status);
	else if ((rc = setup_autoconfig_parse(rep.body, rep.len, email, out,
	    err)) < 0)
		perr_prefix(err, "%s", url);
	free(rep.body);
	return rc;
}
