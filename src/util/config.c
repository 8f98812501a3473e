/*
 * config.c - read, default and check the INI configuration.
 *
 * libinih does the tokenising. It does not report line numbers to the
 * handler in Debian's build, so the reader callback counts lines: inih reads
 * one line and hands its key to the handler before reading the next.
 * Every error has the form "FILE:LINE: ..." and stops the load: a half-read
 * configuration is never used.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/config.h"

enum section_kind { SEC_NONE, SEC_GENERAL, SEC_ACCOUNT, SEC_KEYS, SEC_COLORS,
	SEC_SEARCH };

/* Which endpoint fields an account key writes; marks what was given. */
struct account_set {
	bool	port, tls, user, smtp_port, smtp_tls, smtp_user,
		smtp_password, smtp_password_command, protocol, smtp_auth;
	int	password_line;		/* for the permission error */
	int	smtp_password_line;
	int	tls_line, smtp_tls_line, host_line;
	int	auth_line, smtp_auth_line;
};

struct parse_state {
	struct config		*cfg;
	FILE			*fp;
	const char		*path;
	int			 line;		/* line being handed to inih */
	int			 section_line;	/* line of the last [header] */
	bool			 new_header;	/* a [header] since the last key */
	char			*section;	/* last section seen by handler */
	enum section_kind	 kind;
	struct account		*acct;		/* current [account NAME] */
	struct account_set	*set;		/* parallel to cfg->accounts */
	size_t			 nset;
	int			 default_line;
	bool			 long_line;
	bool			 failed;
	struct perr		*err;
};

static int
fail(struct parse_state *ps, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct parse_state *ps, const char *key, const char *fmt, ...)
{
	char	 what[768];
	va_list	 ap;

	if (ps->failed)
		return 0;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (key != NULL)
		perr_set(ps->err, PERR_CONFIG, "%s:%d: key '%s': %s", ps->path,
		    ps->line, key, what);
	else
		perr_set(ps->err, PERR_CONFIG, "%s:%d: %s", ps->path, ps->line,
		    what);
	ps->failed = true;
	return 0;
}

/* fgets for inih that counts lines and notices section headers. */
static char *
reader(char *buf, int num, void *arg)
{
	struct parse_state	*ps = arg;
	const char		*p;
	size_t			 len;

	if (fgets(buf, num, ps->fp) == NULL)
		return NULL;
	ps->line++;
	len = strlen(buf);
	if (len > 0 && buf[len - 1] != '\n' && !feof(ps->fp)) {
		/* inih would silently split it: refuse instead. */
		if (!ps->long_line) {
			fail(ps, NULL, "line longer than %d characters", num - 2);
			ps->long_line = true;
		}
		buf[0] = '\0';
		return buf;
	}
	for (p = buf; isspace((unsigned char)*p); p++)
		;
	if (*p == '[') {
		ps->section_line = ps->line;
		ps->new_header = true;
	}
	return buf;
}

static bool
parse_bool(const char *v, bool *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0 || strcasecmp(v, "on") == 0)
		*out = true;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
	    strcmp(v, "0") == 0 || strcasecmp(v, "off") == 0)
		*out = false;
	else
		return false;
	return true;
}

/* A whole decimal number in [min, max]. */
static bool
parse_int(const char *v, long min, long max, int *out)
{
	char	*end;
	long	 n;

	if (*v == '\0' || !isdigit((unsigned char)*v))
		return false;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return false;
	*out = (int)n;
	return true;
}

static bool
parse_tls(const char *v, enum tls_mode *out)
{
	if (strcasecmp(v, "implicit") == 0)
		*out = TLSM_IMPLICIT;
	else if (strcasecmp(v, "starttls") == 0)
		*out = TLSM_STARTTLS;
	else if (strcasecmp(v, "none") == 0)
		*out = TLSM_NONE;
	else
		return false;
	return true;
}

/* "days:N" with N from 1 to 36500. */
static bool
parse_days(const char *v, int *days)
{
	return strncasecmp(v, "days:", 5) == 0 &&
	    parse_int(v + 5, 1, 36500, days);
}

/*
 * "sha256:" followed by 64 hex digits, colons allowed between pairs.
 * Returns the normalised form (lower-case, no colons) or NULL.
 */
static char *
parse_fingerprint(const char *v)
{
	char	hex[65];
	size_t	n = 0;

	if (strncasecmp(v, "sha256:", 7) != 0)
		return NULL;
	for (v += 7; *v != '\0'; v++) {
		if (*v == ':')
			continue;
		if (!isxdigit((unsigned char)*v) || n == 64)
			return NULL;
		hex[n++] = (char)tolower((unsigned char)*v);
	}
	if (n != 64)
		return NULL;
	hex[n] = '\0';
	return xasprintf("sha256:%s", hex);
}

/* Expand a leading ~/ and make a relative path relative to the config. */
static char *
resolve_path(const char *cfgpath, const char *v)
{
	const char	*home, *slash;

	if (strncmp(v, "~/", 2) == 0 && (home = getenv("HOME")) != NULL)
		return xasprintf("%s/%s", home, v + 2);
	if (v[0] == '/' || (slash = strrchr(cfgpath, '/')) == NULL)
		return xstrdup(v);
	return xasprintf("%.*s/%s", (int)(slash - cfgpath), cfgpath, v);
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int
general_key(struct parse_state *ps, const char *key, const char *v)
{
	struct config	*cfg = ps->cfg;

	if (strcmp(key, "store") == 0) {
		if (*v == '\0')
			return fail(ps, key, "expected the path of the store "
			    "file, got nothing");
		free(cfg->store);
		cfg->store = resolve_path(ps->path, v);
	} else if (strcmp(key, "default_account") == 0) {
		set_str(&cfg->default_account, v);
		ps->default_line = ps->line;
	} else if (strcmp(key, "new_mail_command") == 0) {
		free(cfg->new_mail_command);
		cfg->new_mail_command = *v != '\0' ? xstrdup(v) : NULL;
	} else if (strcmp(key, "print_command") == 0) {
		free(cfg->print_command);
		cfg->print_command = *v != '\0' ? xstrdup(v) : NULL;
	} else if (strcmp(key, "url_command") == 0) {
		free(cfg->url_command);
		cfg->url_command = *v != '\0' ? xstrdup(v) : NULL;
	} else if (strcmp(key, "bell_on_new_mail") == 0) {
		if (!parse_bool(v, &cfg->bell_on_new_mail))
			return fail(ps, key, "expected yes or no, got '%s'", v);
	} else
		return fail(ps, key, "unknown key in [general] (expected "
		    "store, default_account, new_mail_command, "
		    "bell_on_new_mail, print_command or url_command)");
	return 1;
}

static struct account *
account_new(struct parse_state *ps, const char *name)
{
	struct config	*cfg = ps->cfg;
	struct account	*a;
	size_t		 i;

	for (i = 0; i < cfg->naccounts; i++) {
		if (strcmp(cfg->accounts[i].name, name) == 0) {
			ps->line = ps->section_line;
			fail(ps, NULL, "account '%s' is defined twice (first "
			    "at line %d)", name, cfg->accounts[i].line);
			return NULL;
		}
	}
	cfg->accounts = xreallocarray(cfg->accounts, cfg->naccounts + 1,
	    sizeof *cfg->accounts);
	ps->set = xreallocarray(ps->set, cfg->naccounts + 1, sizeof *ps->set);
	a = &cfg->accounts[cfg->naccounts];
	memset(a, 0, sizeof *a);
	memset(&ps->set[cfg->naccounts], 0, sizeof *ps->set);
	cfg->naccounts++;
	a->name = xstrdup(name);
	a->file = cfg->path;
	a->line = ps->section_line;
	a->in.tls = TLSM_IMPLICIT;
	a->smtp.tls = TLSM_STARTTLS;
	a->offline = OFFLINE_ALL;
	a->pop3_keep = KEEP_NO;
	a->folders = FOLDERS_SUBSCRIBED;
	a->check_interval = CONFIG_CHECK_INTERVAL;
	a->compress = true;
	return a;
}

static void
folder_patterns_free(struct account *a)
{
	size_t	i;

	for (i = 0; i < a->nfolder_patterns; i++)
		free(a->folder_patterns[i]);
	free(a->folder_patterns);
	a->folder_patterns = NULL;
	a->nfolder_patterns = 0;
}

/*
 * folders = subscribed | all | PATTERN, ...: comma-separated words, each
 * trimmed; "subscribed" and "all" may be mixed with patterns. 0, or -1
 * with *why naming what is wrong.
 */
static int
parse_folders(struct account *a, const char *v, const char **why)
{
	const char	*p, *e, *end;

	folder_patterns_free(a);
	a->folders = 0;
	for (p = v;; p = e + 1) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		for (end = e; end > p && (end[-1] == ' ' || end[-1] == '\t');
		    end--)
			;
		if (end == p) {
			*why = "an empty folder name or pattern";
			return -1;
		}
		if ((size_t)(end - p) == 10 && strncasecmp(p, "subscribed",
		    10) == 0)
			a->folders |= FOLDERS_SUBSCRIBED;
		else if ((size_t)(end - p) == 3 && strncasecmp(p, "all", 3) == 0)
			a->folders |= FOLDERS_ALL;
		else {
			a->folder_patterns = xreallocarray(a->folder_patterns,
			    a->nfolder_patterns + 1,
			    sizeof *a->folder_patterns);
			a->folder_patterns[a->nfolder_patterns++] =
			    xstrndup(p, (size_t)(end - p));
		}
		if (*e == '\0')
			return 0;
	}
}

static bool
parse_auth(const char *v, enum auth_mech *m)
{
	if (strcasecmp(v, "password") == 0)
		*m = AUTH_PASSWORD;
	else if (strcasecmp(v, "xoauth2") == 0)
		*m = AUTH_XOAUTH2;
	else if (strcasecmp(v, "oauthbearer") == 0)
		*m = AUTH_OAUTHBEARER;
	else
		return false;
	return true;
}

/*
 * alternates: each space-separated item must compile as an extended
 * regular expression (an address is one too), so a typo is reported with
 * its line rather than silently never matching. src/mail matches them.
 */
static int
alternates_ok(struct parse_state *ps, const char *key, const char *v)
{
	regex_t		 re;
	const char	*p;
	char		*item, *pat;
	size_t		 n;
	int		 rc;

	for (p = v; *p != '\0'; p += n) {
		p += strspn(p, " \t");
		if ((n = strcspn(p, " \t")) == 0)
			break;
		if (n > 512)
			return fail(ps, key, "an item longer than 512 bytes");
		item = xstrndup(p, n);
		pat = xasprintf("^(%s)$", item);
		rc = regcomp(&re, pat, REG_EXTENDED | REG_ICASE | REG_NOSUB);
		free(pat);
		if (rc != 0) {
			fail(ps, key, "expected addresses or regular "
			    "expressions, got '%s', which is not a valid "
			    "regular expression", item);
			free(item);
			return 0;
		}
		regfree(&re);
		free(item);
	}
	return 1;
}

/*
 * The OAuth2 presets. Endpoints and scopes as the providers publish them:
 * Google: https://developers.google.com/identity/protocols/oauth2/native-app
 * and https://developers.google.com/gmail/imap/xoauth2-protocol (scope);
 * its device flow does not grant the mail scope
 * (https://developers.google.com/identity/protocols/oauth2/limited-input-device#allowedscopes),
 * so Google has no device URL and logs in through the browser.
 * Microsoft: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code
 * and https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
 * (scopes; offline_access for a refresh token). There is no client ID
 * here: posta is not registered with either, the user registers one.
 */
static const struct {
	const char	*name, *auth_url, *token_url, *device_url, *scope;
} oauth2_presets[] = {
	{ "google", "https://accounts.google.com/o/oauth2/v2/auth",
	  "https://oauth2.googleapis.com/token", NULL,
	  "https://mail.google.com/" },
	{ "microsoft",
	  "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
	  "https://login.microsoftonline.com/common/oauth2/v2.0/token",
	  "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
	  "offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
	  "https://outlook.office.com/POP.AccessAsUser.All "
	  "https://outlook.office.com/SMTP.Send" },
};

/* Fill what the account left unset from its oauth2_provider's preset. */
static void
oauth2_preset(struct oauth2_conf *o)
{
	size_t	i;

	for (i = 0; o->provider != NULL &&
	    i < sizeof oauth2_presets / sizeof oauth2_presets[0]; i++) {
		if (strcmp(o->provider, oauth2_presets[i].name) != 0)
			continue;
		if (o->auth_url == NULL)
			o->auth_url = xstrdup(oauth2_presets[i].auth_url);
		if (o->token_url == NULL)
			o->token_url = xstrdup(oauth2_presets[i].token_url);
		if (o->device_url == NULL && oauth2_presets[i].device_url)
			o->device_url = xstrdup(oauth2_presets[i].device_url);
		if (o->scope == NULL)
			o->scope = xstrdup(oauth2_presets[i].scope);
	}
}

/* An OAuth2 endpoint: https:// and a host, nothing that breaks a line. */
static int
oauth2_url(struct parse_state *ps, const char *key, const char *v,
    char **dst)
{
	if (!http_url_is_https(v) || strpbrk(v, " \t\r\n") != NULL)
		return fail(ps, key, "expected an https:// address (a token "
		    "or a code must not travel in clear), got '%s'", v);
	set_str(dst, v);
	return 1;
}

/* The oauth2_* keys of an account but oauth2_token_command. */
static int
oauth2_key(struct parse_state *ps, struct account *a, const char *key,
    const char *v)
{
	struct oauth2_conf	*o = &a->oauth2;

	if (strcmp(key, "oauth2_provider") == 0) {
		if (strcmp(v, "google") != 0 && strcmp(v, "microsoft") != 0)
			return fail(ps, key, "expected google or microsoft, "
			    "got '%s'", v);
		set_str(&o->provider, v);
	} else if (strcmp(key, "oauth2_client_id") == 0)
		set_str(&o->client_id, v);
	else if (strcmp(key, "oauth2_client_secret") == 0)
		set_str(&o->client_secret, v);
	else if (strcmp(key, "oauth2_scope") == 0)
		set_str(&o->scope, v);
	else if (strcmp(key, "oauth2_token_url") == 0)
		return oauth2_url(ps, key, v, &o->token_url);
	else if (strcmp(key, "oauth2_device_url") == 0)
		return oauth2_url(ps, key, v, &o->device_url);
	else if (strcmp(key, "oauth2_auth_url") == 0)
		return oauth2_url(ps, key, v, &o->auth_url);
	else if (strcmp(key, "oauth2_refresh_token_command") == 0)
		set_str(&o->refresh_token_command, v);
	else
		return fail(ps, key, "unknown key in [account %s]", a->name);
	return 1;
}

static int
account_key(struct parse_state *ps, const char *key, const char *v)
{
	struct account		*a = ps->acct;
	struct account_set	*s = &ps->set[a - ps->cfg->accounts];
	bool			 b;

	if (strcmp(key, "protocol") == 0) {
		if (strcasecmp(v, "imap") == 0)
			a->protocol = PROTO_IMAP;
		else if (strcasecmp(v, "pop3") == 0)
			a->protocol = PROTO_POP3;
		else
			return fail(ps, key, "expected imap or pop3, got '%s'",
			    v);
		s->protocol = true;
	} else if (strcmp(key, "email") == 0)
		set_str(&a->email, v);
	else if (strcmp(key, "real_name") == 0)
		set_str(&a->real_name, v);
	else if (strcmp(key, "host") == 0) {
		set_str(&a->in.host, v);
		s->host_line = ps->line;
	} else if (strcmp(key, "port") == 0) {
		if (!parse_int(v, 1, 65535, &a->in.port))
			return fail(ps, key, "expected a port number from 1 to "
			    "65535, got '%s'", v);
		s->port = true;
	} else if (strcmp(key, "tls") == 0) {
		if (!parse_tls(v, &a->in.tls))
			return fail(ps, key, "expected implicit, starttls or "
			    "none, got '%s'", v);
		s->tls_line = ps->line;
	} else if (strcmp(key, "allow_plaintext") == 0) {
		if (!parse_bool(v, &a->allow_plaintext))
			return fail(ps, key, "expected yes or no, got '%s'", v);
	} else if (strcmp(key, "compress") == 0) {
		if (!parse_bool(v, &a->compress))
			return fail(ps, key, "expected yes or no, got '%s'", v);
	} else if (strcmp(key, "ca_file") == 0) {
		free(a->ca_file);
		a->ca_file = resolve_path(ps->path, v);
		if (access(a->ca_file, R_OK) != 0)
			return fail(ps, key, "cannot read '%s': %s", a->ca_file,
			    strerror(errno));
	} else if (strcmp(key, "certificate_fingerprint") == 0) {
		free(a->cert_fingerprint);
		if ((a->cert_fingerprint = parse_fingerprint(v)) == NULL)
			return fail(ps, key, "expected sha256: followed by 64 "
			    "hexadecimal digits, got '%s'", v);
	} else if (strcmp(key, "user") == 0)
		set_str(&a->in.user, v);
	else if (strcmp(key, "password") == 0) {
		set_str(&a->in.password, v);
		s->password_line = ps->line;
	} else if (strcmp(key, "password_command") == 0)
		set_str(&a->in.password_command, v);
	else if (strcmp(key, "auth") == 0) {
		if (!parse_auth(v, &a->in.auth))
			return fail(ps, key, "expected password, xoauth2 or "
			    "oauthbearer, got '%s'", v);
		s->auth_line = ps->line;
	} else if (strcmp(key, "oauth2_token_command") == 0)
		set_str(&a->in.oauth2_token_command, v);
	else if (strncmp(key, "oauth2_", 7) == 0)
		return oauth2_key(ps, a, key, v);
	else if (strcmp(key, "offline") == 0) {
		if (strcasecmp(v, "all") == 0)
			a->offline = OFFLINE_ALL;
		else if (strcasecmp(v, "headers") == 0)
			a->offline = OFFLINE_HEADERS;
		else if (parse_days(v, &a->offline_days))
			a->offline = OFFLINE_DAYS;
		else
			return fail(ps, key, "expected all, headers or days:N, "
			    "got '%s'", v);
	} else if (strcmp(key, "folders") == 0) {
		const char *why;

		if (parse_folders(a, v, &why) != 0)
			return fail(ps, key, "expected subscribed, all or a "
			    "comma-separated list of folder names and patterns, "
			    "got '%s' (%s)", v, why);
	} else if (strcmp(key, "pop3_keep") == 0) {
		if (parse_bool(v, &b))
			a->pop3_keep = b ? KEEP_YES : KEEP_NO;
		else if (parse_days(v, &a->pop3_keep_days))
			a->pop3_keep = KEEP_DAYS;
		else
			return fail(ps, key, "expected no, yes or days:N, got "
			    "'%s'", v);
	} else if (strcmp(key, "check_interval") == 0) {
		if (!parse_int(v, 0, CONFIG_CHECK_INTERVAL_MAX,
		    &a->check_interval))
			return fail(ps, key, "expected a number of seconds from "
			    "0 (no checks) to %d, got '%s'",
			    CONFIG_CHECK_INTERVAL_MAX, v);
	} else if (strcmp(key, "pop3_delete_when_deleted_locally") == 0) {
		if (!parse_bool(v, &a->pop3_delete_when_deleted_locally))
			return fail(ps, key, "expected yes or no, got '%s'", v);
	} else if (strcmp(key, "smtp_host") == 0)
		set_str(&a->smtp.host, v);
	else if (strcmp(key, "smtp_port") == 0) {
		if (!parse_int(v, 1, 65535, &a->smtp.port))
			return fail(ps, key, "expected a port number from 1 to "
			    "65535, got '%s'", v);
		s->smtp_port = true;
	} else if (strcmp(key, "smtp_tls") == 0) {
		if (!parse_tls(v, &a->smtp.tls))
			return fail(ps, key, "expected implicit, starttls or "
			    "none, got '%s'", v);
		s->smtp_tls = true;
		s->smtp_tls_line = ps->line;
	} else if (strcmp(key, "smtp_user") == 0) {
		set_str(&a->smtp.user, v);
		s->smtp_user = true;
	} else if (strcmp(key, "smtp_password") == 0) {
		set_str(&a->smtp.password, v);
		s->smtp_password = true;
		s->smtp_password_line = ps->line;
	} else if (strcmp(key, "smtp_password_command") == 0) {
		set_str(&a->smtp.password_command, v);
		s->smtp_password_command = true;
	} else if (strcmp(key, "smtp_auth") == 0) {
		if (!parse_auth(v, &a->smtp.auth))
			return fail(ps, key, "expected password, xoauth2 or "
			    "oauthbearer, got '%s'", v);
		s->smtp_auth = true;
		s->smtp_auth_line = ps->line;
	} else if (strcmp(key, "signature") == 0) {
		free(a->signature);
		a->signature = resolve_path(ps->path, v);
	} else if (strcmp(key, "identities") == 0)
		set_str(&a->identities, v);
	else if (strcmp(key, "alternates") == 0) {
		if (!alternates_ok(ps, key, v))
			return 0;
		set_str(&a->alternates, v);
	} else
		return fail(ps, key, "unknown key in [account %s]", a->name);
	return 1;
}

static int
keys_key(struct parse_state *ps, const char *key, const char *v)
{
	struct config	*cfg = ps->cfg;

	cfg->keys = xreallocarray(cfg->keys, cfg->nkeys + 1, sizeof *cfg->keys);
	cfg->keys[cfg->nkeys].key = xstrdup(key);
	cfg->keys[cfg->nkeys].action = xstrdup(v);
	cfg->nkeys++;
	return 1;
}

/* ---- [search NAME] ------------------------------------------------------- */

/* A saved search: its query is parsed where it is used (src/search is
 * above util), so a mistake in it shows in the TUI with its position. */
static int
search_section(struct parse_state *ps, const char *name)
{
	struct config	*cfg = ps->cfg;
	size_t		 i;

	for (i = 0; i < cfg->nsearches; i++)
		if (strcmp(cfg->searches[i].name, name) == 0) {
			ps->line = ps->section_line;
			return fail(ps, NULL, "[search %s] is defined twice",
			    name);
		}
	cfg->searches = xreallocarray(cfg->searches, cfg->nsearches + 1,
	    sizeof *cfg->searches);
	cfg->searches[cfg->nsearches].name = xstrdup(name);
	cfg->searches[cfg->nsearches].query = NULL;
	cfg->searches[cfg->nsearches].line = ps->section_line;
	cfg->nsearches++;
	return 1;
}

static int
search_key(struct parse_state *ps, const char *key, const char *v)
{
	struct saved_search	*ss = &ps->cfg->searches[ps->cfg->nsearches - 1];

	if (strcmp(key, "query") != 0)
		return fail(ps, key, "unknown key in [search %s] (expected "
		    "query)", ss->name);
	if (*v == '\0')
		return fail(ps, key, "expected a query (doc/SEARCH.md), got "
		    "nothing");
	free(ss->query);
	ss->query = xstrdup(v);
	return 1;
}

/* ---- [colors] ----------------------------------------------------------- */

const char *const ui_elem_names[UI_NELEMS] = {
	[UI_NORMAL] = "normal",
	[UI_SELECTED] = "selected",
	[UI_STATUS] = "status",
	[UI_UNREAD] = "unread",
	[UI_FLAGGED] = "flagged",
	[UI_QUOTE1] = "quote1",
	[UI_QUOTE2] = "quote2",
	[UI_QUOTE3] = "quote3",
	[UI_HEADER] = "header",
	[UI_SIDEBAR_ACCOUNT] = "sidebar_account",
	[UI_SIDEBAR_CURRENT] = "sidebar_current",
	[UI_SEARCH] = "search",
	[UI_ERROR] = "error",
	[UI_TREE] = "tree",
};

/* The eight ANSI colours, in their numbering (bright ones are +8). */
static const char *const color_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

static const struct {
	const char	*name;
	unsigned	 bit;
} attr_names[] = {
	{ "bold", UI_ATTR_BOLD },
	{ "underline", UI_ATTR_UNDERLINE },
	{ "reverse", UI_ATTR_REVERSE },
	{ "dim", UI_ATTR_DIM },
	{ "standout", UI_ATTR_STANDOUT },
};

/*
 * One colour word: "default", a name, "bright" + a name, "color" N or
 * "colour" N. Returns 1 with *out set, 0 if the word is no colour, -1 if
 * it is a colour number beyond 255.
 */
static int
color_word(const char *w, short *out)
{
	const char	*num = NULL;
	char		*end;
	long		 n;
	short		 base = 0;
	size_t		 i;

	if (strcasecmp(w, "default") == 0) {
		*out = UI_COLOR_DEFAULT;
		return 1;
	}
	if (strncasecmp(w, "colour", 6) == 0)
		num = w + 6;
	else if (strncasecmp(w, "color", 5) == 0)
		num = w + 5;
	if (num != NULL) {
		if (!isdigit((unsigned char)*num))
			return 0;
		errno = 0;
		n = strtol(num, &end, 10);
		if (*end != '\0')
			return 0;
		if (errno != 0 || n > 255)
			return -1;
		*out = (short)n;
		return 1;
	}
	if (strncasecmp(w, "bright", 6) == 0) {
		w += 6;
		base = 8;
	}
	for (i = 0; i < 8; i++)
		if (strcasecmp(w, color_names[i]) == 0) {
			*out = (short)(base + (short)i);
			return 1;
		}
	return 0;
}

static bool
attr_word(const char *w, unsigned *attrs)
{
	size_t	i;

	for (i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
		if (strcasecmp(w, attr_names[i].name) == 0) {
			*attrs |= attr_names[i].bit;
			return true;
		}
	return false;
}

/*
 * One colour, w (with the word after "bright" from save). 1 with *c set,
 * 0 with the error reported; what says what the colour is for.
 */
static int
style_color(struct parse_state *ps, const char *key, char *w, char **save,
    const char *what, short *c)
{
	char	 word[32], *next;
	int	 r;

	if (strcasecmp(w, "bright") == 0) {
		/* "bright red" is "brightred"; nothing else is. */
		if ((next = strtok_r(NULL, " \t", save)) == NULL)
			return fail(ps, key, "'bright' must be followed by a "
			    "colour name, got nothing");
		if (strlen(next) > 16)
			r = 0;
		else {
			snprintf(word, sizeof word, "bright%s", next);
			r = color_word(word, c);
		}
		if (r != 1)
			return fail(ps, key, "'bright' must be followed by a "
			    "colour name, got '%s'", next);
		return 1;
	}
	if ((r = color_word(w, c)) < 0)
		return fail(ps, key, "colour '%s' is beyond color255", w);
	if (r == 0)
		return fail(ps, key, "unknown %s '%s' (colours: black, red, "
		    "green, yellow, blue, magenta, cyan, white, each also as "
		    "brightNAME, color0 to color255, default; attributes: "
		    "bold, underline, reverse, dim, standout)", what, w);
	return 1;
}

/* Words in any order; a background is "on" and the colour after it. */
static int
style_words(struct parse_state *ps, const char *key, const char *v,
    char *buf, struct ui_style *st)
{
	char	*w, *save = NULL;
	bool	 fg = false, bg = false;
	short	 c;

	if ((w = strtok_r(buf, " \t", &save)) == NULL)
		return fail(ps, key, "expected a colour or an attribute, as "
		    "in 'bold yellow' or 'white on blue', got nothing");
	for (; w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (attr_word(w, &st->attrs))
			continue;
		if (strcasecmp(w, "on") != 0) {
			if (!style_color(ps, key, w, &save, "colour or "
			    "attribute", &c))
				return 0;
			if (fg)
				return fail(ps, key, "two foreground colours "
				    "in '%s' (a background is written 'on "
				    "COLOUR')", v);
			st->fg = c;
			fg = true;
			continue;
		}
		if (bg)
			return fail(ps, key, "two background colours in '%s'",
			    v);
		if ((w = strtok_r(NULL, " \t", &save)) == NULL)
			return fail(ps, key, "'on' must be followed by a "
			    "colour, got nothing");
		if (!style_color(ps, key, w, &save, "background colour", &c))
			return 0;
		st->bg = c;
		bg = true;
	}
	return 1;
}

/*
 * A [colors] value: "[ATTR...] [[bright] COLOUR] [on [bright] COLOUR]",
 * as in "bold yellow", "bright blue on default", "color208 on black".
 */
static int
parse_style(struct parse_state *ps, const char *key, const char *v,
    struct ui_style *st)
{
	char	*buf;
	int	 r;

	memset(st, 0, sizeof *st);
	st->set = true;
	st->fg = st->bg = UI_COLOR_DEFAULT;
	buf = xstrdup(v);
	r = style_words(ps, key, v, buf, st);
	free(buf);
	return r;
}

static int
colors_key(struct parse_state *ps, const char *key, const char *v)
{
	char	names[512];
	size_t	i, n;
	bool	b;

	if (strcmp(key, "enable") == 0) {
		if (!parse_bool(v, &b))
			return fail(ps, key, "expected yes or no, got '%s'", v);
		ps->cfg->colors_mode = b ? UI_COLORS_ON : UI_COLORS_OFF;
		return 1;
	}
	for (i = 0; i < UI_NELEMS; i++)
		if (strcmp(key, ui_elem_names[i]) == 0)
			return parse_style(ps, key, v, &ps->cfg->colors[i]);
	n = 0;
	for (i = 0; i < UI_NELEMS && n < sizeof names; i++)
		n += (size_t)snprintf(names + n, sizeof names - n, "%s%s",
		    i + 1 < UI_NELEMS ? ", " : " or ", ui_elem_names[i]);
	return fail(ps, key, "unknown key in [colors] (expected enable%s)",
	    names);
}

/* A new section name: work out what it is. */
static int
enter_section(struct parse_state *ps, const char *section)
{
	const char	*name;
	int		 line = ps->line;

	free(ps->section);
	ps->section = xstrdup(section);
	ps->acct = NULL;
	if (strcmp(section, "general") == 0)
		ps->kind = SEC_GENERAL;
	else if (strcmp(section, "keys") == 0)
		ps->kind = SEC_KEYS;
	else if (strcmp(section, "colors") == 0)
		ps->kind = SEC_COLORS;
	else if (strncmp(section, "account", 7) == 0 &&
	    isspace((unsigned char)section[7])) {
		for (name = section + 7; isspace((unsigned char)*name); name++)
			;
		if (*name == '\0') {
			ps->line = ps->section_line;
			return fail(ps, NULL, "[account] needs a name, as in "
			    "[account work]");
		}
		ps->kind = SEC_ACCOUNT;
		if ((ps->acct = account_new(ps, name)) == NULL)
			return 0;
	} else if (strncmp(section, "search", 6) == 0 &&
	    isspace((unsigned char)section[6])) {
		for (name = section + 6; isspace((unsigned char)*name); name++)
			;
		if (*name == '\0') {
			ps->line = ps->section_line;
			return fail(ps, NULL, "[search] needs a name, as in "
			    "[search unread]");
		}
		ps->kind = SEC_SEARCH;
		if (!search_section(ps, name))
			return 0;
	} else {
		ps->line = ps->section_line;
		fail(ps, NULL, "unknown section [%s] (expected [general], "
		    "[account NAME], [search NAME], [keys] or [colors])",
		    section);
		ps->line = line;
		return 0;
	}
	return 1;
}

static int
handler(void *arg, const char *section, const char *key, const char *v)
{
	struct parse_state	*ps = arg;

	if (ps->failed)
		return 1;	/* keep the first error only */
	if (*section == '\0')
		return fail(ps, key, "keys must come after a section header "
		    "such as [general] or [account NAME]");
	/* inih merges a repeated header into the section before it. */
	if (ps->new_header || ps->section == NULL ||
	    strcmp(ps->section, section) != 0) {
		ps->new_header = false;
		if (!enter_section(ps, section))
			return 1;
	}
	switch (ps->kind) {
	case SEC_GENERAL:
		general_key(ps, key, v);
		break;
	case SEC_ACCOUNT:
		account_key(ps, key, v);
		break;
	case SEC_KEYS:
		keys_key(ps, key, v);
		break;
	case SEC_COLORS:
		colors_key(ps, key, v);
		break;
	case SEC_SEARCH:
		search_key(ps, key, v);
		break;
	case SEC_NONE:
		break;
	}
	return 1;
}

static int
default_port(enum proto p, enum tls_mode t)
{
	if (p == PROTO_IMAP)
		return t == TLSM_IMPLICIT ? 993 : 143;
	return t == TLSM_IMPLICIT ? 995 : 110;
}

/* Where e's access tokens come from: a command, or posta oauth2 login. */
static bool
oauth2_source(const struct account *a, const struct endpoint *e)
{
	return e->oauth2_token_command != NULL ||
	    (a->oauth2.client_id != NULL && a->oauth2.token_url != NULL);
}

/* After the whole file: required keys, defaults, cross-checks. */
static int
finish_account(struct parse_state *ps, struct account *a,
    struct account_set *s, bool file_private)
{
	ps->line = a->line;
	if (!s->protocol)
		return fail(ps, NULL, "[account %s]: key 'protocol' is missing "
		    "(expected imap or pop3)", a->name);
	if (a->in.host == NULL || *a->in.host == '\0')
		return fail(ps, NULL, "[account %s]: key 'host' is missing "
		    "(expected the server's host name)", a->name);
	if (!s->port)
		a->in.port = default_port(a->protocol, a->in.tls);
	if (a->in.user == NULL && a->email != NULL)
		a->in.user = xstrdup(a->email);
	if (a->in.user == NULL)
		return fail(ps, NULL, "[account %s]: key 'user' is missing "
		    "(expected the login name, or an 'email' to use as one)",
		    a->name);
	if (!file_private && (a->in.password != NULL ||
	    a->smtp.password != NULL)) {
		ps->line = a->in.password != NULL ? s->password_line :
		    s->smtp_password_line;
		return fail(ps, a->in.password != NULL ? "password" :
		    "smtp_password", "refused: the file is readable by group "
		    "or others; run 'chmod 600 %s' or use password_command",
		    ps->path);
	}
	/* A bearer token is as good as a password, and lives longer. */
	if (a->in.tls == TLSM_NONE && a->in.auth != AUTH_PASSWORD) {
		ps->line = s->auth_line;
		return fail(ps, "auth", "%s sends an access token: it needs "
		    "tls = implicit or starttls, whatever allow_plaintext "
		    "says", config_auth_name(a->in.auth));
	}
	oauth2_preset(&a->oauth2);
	if (a->in.auth != AUTH_PASSWORD && !oauth2_source(a, &a->in)) {
		ps->line = s->auth_line;
		return fail(ps, "auth", "%s needs oauth2_token_command, or "
		    "oauth2_client_id with oauth2_provider or oauth2_token_url "
		    "(for posta oauth2 login), in [account %s]",
		    config_auth_name(a->in.auth), a->name);
	}
	if (a->in.tls == TLSM_NONE && !a->allow_plaintext) {
		ps->line = s->tls_line;
		return fail(ps, "tls", "'none' sends the password in clear; "
		    "set allow_plaintext = yes in [account %s] to allow it",
		    a->name);
	}
	if (a->smtp.host != NULL) {
		if (!s->smtp_port)
			a->smtp.port = a->smtp.tls == TLSM_IMPLICIT ? 465 : 587;
		if (!s->smtp_user && a->in.user != NULL)
			a->smtp.user = xstrdup(a->in.user);
		if (!s->smtp_password && !s->smtp_password_command) {
			if (a->in.password != NULL)
				a->smtp.password = xstrdup(a->in.password);
			if (a->in.password_command != NULL)
				a->smtp.password_command =
				    xstrdup(a->in.password_command);
		}
		if (!s->smtp_auth) {
			a->smtp.auth = a->in.auth;
			s->smtp_auth_line = s->auth_line;
		}
		if (a->in.oauth2_token_command != NULL)
			a->smtp.oauth2_token_command =
			    xstrdup(a->in.oauth2_token_command);
		if (a->smtp.tls == TLSM_NONE && a->smtp.auth != AUTH_PASSWORD) {
			ps->line = s->smtp_auth_line;
			return fail(ps, s->smtp_auth ? "smtp_auth" : "auth",
			    "%s sends an access token: SMTP needs smtp_tls = "
			    "implicit or starttls", config_auth_name(
			    a->smtp.auth));
		}
		if (a->smtp.auth != AUTH_PASSWORD &&
		    !oauth2_source(a, &a->smtp)) {
			ps->line = s->smtp_auth_line;
			return fail(ps, "smtp_auth", "%s needs "
			    "oauth2_token_command, or oauth2_client_id with "
			    "oauth2_provider or oauth2_token_url (for posta "
			    "oauth2 login), in [account %s]",
			    config_auth_name(a->smtp.auth), a->name);
		}
		if (a->smtp.tls == TLSM_NONE && !a->allow_plaintext) {
			ps->line = s->smtp_tls_line;
			return fail(ps, "smtp_tls", "'none' sends the password "
			    "in clear; set allow_plaintext = yes in [account "
			    "%s] to allow it", a->name);
		}
	}
	return 1;
}

static char *
default_store(void)
{
	const char	*d, *home = getenv("HOME");

	if ((d = getenv("XDG_DATA_HOME")) != NULL && *d == '/')
		return xasprintf("%s/posta/posta.db", d);
	return xasprintf("%s/.local/share/posta/posta.db",
	    home != NULL ? home : ".");
}

char *
config_default_path(const char *explicit_path)
{
	const char	*p, *home = getenv("HOME");

	if (explicit_path != NULL)
		return xstrdup(explicit_path);
	if ((p = getenv("POSTA_CONFIG")) != NULL && *p != '\0')
		return xstrdup(p);
	if ((p = getenv("XDG_CONFIG_HOME")) != NULL && *p == '/')
		return xasprintf("%s/posta/config", p);
	return xasprintf("%s/.config/posta/config", home != NULL ? home : ".");
}

static int
finish(struct parse_state *ps, bool file_private)
{
	struct config	*cfg = ps->cfg;
	size_t		 i;

	for (i = 0; i < cfg->naccounts; i++)
		if (!finish_account(ps, &cfg->accounts[i], &ps->set[i],
		    file_private))
			return 0;
	for (i = 0; i < cfg->nsearches; i++)
		if (cfg->searches[i].query == NULL) {
			ps->line = cfg->searches[i].line;
			return fail(ps, NULL, "[search %s] needs a query, as "
			    "in query = is:unread", cfg->searches[i].name);
		}
	if (cfg->store == NULL)
		cfg->store = default_store();
	if (cfg->default_account != NULL) {
		for (i = 0; i < cfg->naccounts; i++)
			if (strcmp(cfg->accounts[i].name,
			    cfg->default_account) == 0)
				break;
		if (i == cfg->naccounts) {
			ps->line = ps->default_line;
			return fail(ps, "default_account", "no [account %s] in "
			    "this file", cfg->default_account);
		}
	}
	return 1;
}

struct config *
config_load(const char *path, struct perr *err)
{
	struct parse_state	 ps;
	struct stat		 st;
	int			 r;

	memset(&ps, 0, sizeof ps);
	perr_clear(err);
	if ((ps.fp = fopen(path, "r")) == NULL) {
		perr_set(err, errno == ENOENT ? PERR_NOTFOUND : PERR_CONFIG,
		    "%s: cannot read the configuration: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fileno(ps.fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		perr_set(err, PERR_CONFIG, "%s: not a regular file", path);
		fclose(ps.fp);
		return NULL;
	}
	ps.cfg = xcalloc(1, sizeof *ps.cfg);
	ps.cfg->path = xstrdup(path);
	ps.path = ps.cfg->path;
	ps.err = err;
	r = ini_parse_stream(reader, &ps, handler, &ps);
	fclose(ps.fp);
	if (!ps.failed && r != 0) {
		ps.line = r;
		fail(&ps, NULL, "syntax error (expected [section], key = value "
		    "or a comment)");
	}
	if (!ps.failed)
		finish(&ps, (st.st_mode & 077) == 0);
	free(ps.section);
	free(ps.set);
	if (ps.failed) {
		config_free(ps.cfg);
		return NULL;
	}
	return ps.cfg;
}

static void
endpoint_free(struct endpoint *e)
{
	free(e->host);
	free(e->user);
	secret_free(e->password);
	free(e->password_command);
	free(e->oauth2_token_command);
}

void
config_free(struct config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->naccounts; i++) {
		struct account *a = &cfg->accounts[i];

		free(a->name);
		free(a->email);
		free(a->real_name);
		endpoint_free(&a->in);
		endpoint_free(&a->smtp);
		free(a->ca_file);
		free(a->cert_fingerprint);
		free(a->signature);
		free(a->identities);
		free(a->alternates);
		folder_patterns_free(a);
		config_oauth2_conf_free(&a->oauth2);
	}
	free(cfg->accounts);
	for (i = 0; i < cfg->nkeys; i++) {
		free(cfg->keys[i].key);
		free(cfg->keys[i].action);
	}
	free(cfg->keys);
	for (i = 0; i < cfg->nsearches; i++) {
		free(cfg->searches[i].name);
		free(cfg->searches[i].query);
	}
	free(cfg->searches);
	free(cfg->path);
	free(cfg->store);
	free(cfg->default_account);
	free(cfg->new_mail_command);
	free(cfg->print_command);
	free(cfg->url_command);
	free(cfg);
}

const struct account *
config_account(const struct config *cfg, const char *name, struct perr *err)
{
	size_t	i;

	if (name == NULL)
		name = cfg->default_account;
	if (name == NULL) {
		if (cfg->naccounts > 0)
			return &cfg->accounts[0];
		perr_set(err, PERR_CONFIG, "%s: no [account NAME] section",
		    cfg->path);
		return NULL;
	}
	for (i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return &cfg->accounts[i];
	perr_set(err, PERR_NOTFOUND, "%s: no account named '%s'", cfg->path,
	    name);
	return NULL;
}

/*
 * Run cmd through the shell; the first line of its output is the secret
 * (noun says which: "password", "access token").
 */
static char *
run_password_command(const char *cmd, const char *key, const char *noun,
    const char *acct, struct perr *err)
{
	FILE	*p;
	char	 buf[4096];
	size_t	 n;
	int	 status;
	char	*nl;

	fflush(NULL);
	if ((p = popen(cmd, "r")) == NULL) {
		perr_set(err, PERR_IO, "account %s: %s: cannot run: %s", acct,
		    key, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof buf - 1, p);
	buf[n] = '\0';
	/* Read to the end so the command does not die of SIGPIPE. */
	while (!feof(p) && !ferror(p)) {
		char drain[512];

		if (fread(drain, 1, sizeof drain, p) == 0)
			break;
	}
	status = pclose(p);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		explicit_bzero(buf, sizeof buf);
		if (status != -1 && WIFSIGNALED(status))
			perr_set(err, PERR_AUTH, "account %s: %s was killed by "
			    "signal %d", acct, key, WTERMSIG(status));
		else
			perr_set(err, PERR_AUTH, "account %s: %s failed with "
			    "exit status %d", acct, key, status == -1 ? -1 :
			    WEXITSTATUS(status));
		return NULL;
	}
	if ((nl = strpbrk(buf, "\r\n")) != NULL)
		*nl = '\0';
	if (buf[0] == '\0') {
		perr_set(err, PERR_AUTH, "account %s: %s printed no %s",
		    acct, key, noun);
		return NULL;
	}
	nl = xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
	return nl;
}

char *
config_password(const struct account *a, const struct endpoint *e,
    struct perr *err)
{
	perr_clear(err);
	if (e->password != NULL)
		return xstrdup(e->password);
	if (e->password_command != NULL)
		return run_password_command(e->password_command,
		    e == &a->smtp ? "smtp_password_command" :
		    "password_command", "password", a->name, err);
	return NULL;
}

char *
config_oauth2_token(const struct account *a, const struct endpoint *e,
    struct perr *err)
{
	perr_clear(err);
	if (e->oauth2_token_command == NULL)
		return NULL;
	return run_password_command(e->oauth2_token_command,
	    "oauth2_token_command", "access token", a->name, err);
}

bool
config_oauth2_builtin(const struct account *a, const struct endpoint *e)
{
	return e->auth != AUTH_PASSWORD && e->oauth2_token_command == NULL &&
	    a->oauth2.client_id != NULL;
}

void
config_oauth2_conf_copy(struct oauth2_conf *d, const struct oauth2_conf *s)
{
	d->provider = s->provider != NULL ? xstrdup(s->provider) : NULL;
	d->client_id = s->client_id != NULL ? xstrdup(s->client_id) : NULL;
	d->client_secret = s->client_secret != NULL ?
	    xstrdup(s->client_secret) : NULL;
	d->scope = s->scope != NULL ? xstrdup(s->scope) : NULL;
	d->token_url = s->token_url != NULL ? xstrdup(s->token_url) : NULL;
	d->device_url = s->device_url != NULL ? xstrdup(s->device_url) : NULL;
	d->auth_url = s->auth_url != NULL ? xstrdup(s->auth_url) : NULL;
	d->refresh_token_command = s->refresh_token_command != NULL ?
	    xstrdup(s->refresh_token_command) : NULL;
}

void
config_oauth2_conf_free(struct oauth2_conf *o)
{
	free(o->provider);
	free(o->client_id);
	secret_free(o->client_secret);
	free(o->scope);
	free(o->token_url);
	free(o->device_url);
	free(o->auth_url);
	free(o->refresh_token_command);
	memset(o, 0, sizeof *o);
}

const char *
config_auth_name(enum auth_mech m)
{
	switch (m) {
	case AUTH_XOAUTH2:
		return "XOAUTH2";
	case AUTH_OAUTHBEARER:
		return "OAUTHBEARER";
	default:
		return "password";
	}
}
