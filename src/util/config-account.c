/*
 * config-account.c - an [account NAME] section: its keys, the OAuth2
 * presets, and the checks and defaults applied after the whole file.
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/config-int.h"
#include "util/i18n.h"

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
	    conf_int(v + 5, 1, 36500, days);
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
struct account *
conf_account_new(struct parse_state *ps, const char *name)
{
	struct config	*cfg = ps->cfg;
	struct account	*a;
	size_t		 i;

	for (i = 0; i < cfg->naccounts; i++) {
		if (strcmp(cfg->accounts[i].name, name) == 0) {
			ps->line = ps->section_line;
			conf_fail(ps, NULL, _("account '%s' is defined twice (first "
			    "at line %d)"), name, cfg->accounts[i].line);
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

void
conf_folder_patterns_free(struct account *a)
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

	conf_folder_patterns_free(a);
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
			return conf_fail(ps, key, _("an item longer than 512 bytes"));
		item = xstrndup(p, n);
		pat = xasprintf("^(%s)$", item);
		rc = regcomp(&re, pat, REG_EXTENDED | REG_ICASE | REG_NOSUB);
		free(pat);
		if (rc != 0) {
			conf_fail(ps, key, _("expected addresses or regular "
			    "expressions, got '%s', which is not a valid "
			    "regular expression"), item);
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
		return conf_fail(ps, key, _("expected an https:// address (a token "
		    "or a code must not travel in clear), got '%s'"), v);
	conf_set_str(dst, v);
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
			return conf_fail(ps, key, _("expected google or microsoft, "
			    "got '%s'"), v);
		conf_set_str(&o->provider, v);
	} else if (strcmp(key, "oauth2_client_id") == 0)
		conf_set_str(&o->client_id, v);
	else if (strcmp(key, "oauth2_client_secret") == 0)
		conf_set_str(&o->client_secret, v);
	else if (strcmp(key, "oauth2_scope") == 0)
		conf_set_str(&o->scope, v);
	else if (strcmp(key, "oauth2_token_url") == 0)
		return oauth2_url(ps, key, v, &o->token_url);
	else if (strcmp(key, "oauth2_device_url") == 0)
		return oauth2_url(ps, key, v, &o->device_url);
	else if (strcmp(key, "oauth2_auth_url") == 0)
		return oauth2_url(ps, key, v, &o->auth_url);
	else if (strcmp(key, "oauth2_refresh_token_command") == 0)
		conf_set_str(&o->refresh_token_command, v);
	else
		return conf_fail(ps, key, _("unknown key in [account %s]"), a->name);
	return 1;
}

int
conf_account_key(struct parse_state *ps, const char *key, const char *v)
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
			return conf_fail(ps, key, _("expected imap or pop3, got '%s'"),
			    v);
		s->protocol = true;
	} else if (strcmp(key, "email") == 0)
		conf_set_str(&a->email, v);
	else if (strcmp(key, "real_name") == 0)
		conf_set_str(&a->real_name, v);
	else if (strcmp(key, "host") == 0) {
		conf_set_str(&a->in.host, v);
		s->host_line = ps->line;
	} else if (strcmp(key, "port") == 0) {
		if (!conf_int(v, 1, 65535, &a->in.port))
			return conf_fail(ps, key, _("expected a port number from 1 to "
			    "65535, got '%s'"), v);
		s->port = true;
	} else if (strcmp(key, "tls") == 0) {
		if (!parse_tls(v, &a->in.tls))
			return conf_fail(ps, key, _("expected implicit, starttls or "
			    "none, got '%s'"), v);
		s->tls_line = ps->line;
	} else if (strcmp(key, "allow_plaintext") == 0) {
		if (!conf_bool(v, &a->allow_plaintext))
			return conf_fail(ps, key, _("expected yes or no, got '%s'"), v);
	} else if (strcmp(key, "compress") == 0) {
		if (!conf_bool(v, &a->compress))
			return conf_fail(ps, key, _("expected yes or no, got '%s'"), v);
	} else if (strcmp(key, "ca_file") == 0) {
		free(a->ca_file);
		a->ca_file = conf_path(ps->path, v);
		if (access(a->ca_file, R_OK) != 0)
			return conf_fail(ps, key, _("cannot read '%s': %s"), a->ca_file,
			    strerror(errno));
	} else if (strcmp(key, "certificate_fingerprint") == 0) {
		free(a->cert_fingerprint);
		if ((a->cert_fingerprint = parse_fingerprint(v)) == NULL)
			return conf_fail(ps, key, _("expected sha256: followed by 64 "
			    "hexadecimal digits, got '%s'"), v);
	} else if (strcmp(key, "user") == 0)
		conf_set_str(&a->in.user, v);
	else if (strcmp(key, "password") == 0) {
		conf_set_str(&a->in.password, v);
		s->password_line = ps->line;
	} else if (strcmp(key, "password_command") == 0)
		conf_set_str(&a->in.password_command, v);
	else if (strcmp(key, "auth") == 0) {
		if (!parse_auth(v, &a->in.auth))
			return conf_fail(ps, key, _("expected password, xoauth2 or "
			    "oauthbearer, got '%s'"), v);
		s->auth_line = ps->line;
	} else if (strcmp(key, "oauth2_token_command") == 0)
		conf_set_str(&a->in.oauth2_token_command, v);
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
			return conf_fail(ps, key, _("expected all, headers or days:N, "
			    "got '%s'"), v);
	} else if (strcmp(key, "folders") == 0) {
		const char *why;

		if (parse_folders(a, v, &why) != 0)
			return conf_fail(ps, key, _("expected subscribed, all or a "
			    "comma-separated list of folder names and patterns, "
			    "got '%s' (%s)"), v, why);
	} else if (strcmp(key, "pop3_keep") == 0) {
		if (conf_bool(v, &b))
			a->pop3_keep = b ? KEEP_YES : KEEP_NO;
		else if (parse_days(v, &a->pop3_keep_days))
			a->pop3_keep = KEEP_DAYS;
		else
			return conf_fail(ps, key, _("expected no, yes or days:N, got "
			    "'%s'"), v);
	} else if (strcmp(key, "check_interval") == 0) {
		if (!conf_int(v, 0, CONFIG_CHECK_INTERVAL_MAX,
		    &a->check_interval))
			return conf_fail(ps, key, _("expected a number of seconds from "
			    "0 (no checks) to %d, got '%s'"),
			    CONFIG_CHECK_INTERVAL_MAX, v);
	} else if (strcmp(key, "pop3_delete_when_deleted_locally") == 0) {
		if (!conf_bool(v, &a->pop3_delete_when_deleted_locally))
			return conf_fail(ps, key, _("expected yes or no, got '%s'"), v);
	} else if (strcmp(key, "smtp_host") == 0)
		conf_set_str(&a->smtp.host, v);
	else if (strcmp(key, "smtp_port") == 0) {
		if (!conf_int(v, 1, 65535, &a->smtp.port))
			return conf_fail(ps, key, _("expected a port number from 1 to "
			    "65535, got '%s'"), v);
		s->smtp_port = true;
	} else if (strcmp(key, "smtp_tls") == 0) {
		if (!parse_tls(v, &a->smtp.tls))
			return conf_fail(ps, key, _("expected implicit, starttls or "
			    "none, got '%s'"), v);
		s->smtp_tls = true;
		s->smtp_tls_line = ps->line;
	} else if (strcmp(key, "smtp_user") == 0) {
		conf_set_str(&a->smtp.user, v);
		s->smtp_user = true;
	} else if (strcmp(key, "smtp_password") == 0) {
		conf_set_str(&a->smtp.password, v);
		s->smtp_password = true;
		s->smtp_password_line = ps->line;
	} else if (strcmp(key, "smtp_password_command") == 0) {
		conf_set_str(&a->smtp.password_command, v);
		s->smtp_password_command = true;
	} else if (strcmp(key, "smtp_auth") == 0) {
		if (!parse_auth(v, &a->smtp.auth))
			return conf_fail(ps, key, _("expected password, xoauth2 or "
			    "oauthbearer, got '%s'"), v);
		s->smtp_auth = true;
		s->smtp_auth_line = ps->line;
	} else if (strcmp(key, "signature") == 0) {
		free(a->signature);
		a->signature = conf_path(ps->path, v);
	} else if (strcmp(key, "identities") == 0)
		conf_set_str(&a->identities, v);
	else if (strcmp(key, "alternates") == 0) {
		if (!alternates_ok(ps, key, v))
			return 0;
		conf_set_str(&a->alternates, v);
	} else
		return conf_fail(ps, key, _("unknown key in [account %s]"), a->name);
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
int
conf_finish_account(struct parse_state *ps, struct account *a,
    struct account_set *s, bool file_private)
{
	ps->line = a->line;
	if (!s->protocol)
		return conf_fail(ps, NULL, _("[account %s]: key 'protocol' is missing "
		    "(expected imap or pop3)"), a->name);
	if (a->in.host == NULL || *a->in.host == '\0')
		return conf_fail(ps, NULL, _("[account %s]: key 'host' is missing "
		    "(expected the server's host name)"), a->name);
	if (!s->port)
		a->in.port = default_port(a->protocol, a->in.tls);
	if (a->in.user == NULL && a->email != NULL)
		a->in.user = xstrdup(a->email);
	if (a->in.user == NULL)
		return conf_fail(ps, NULL, _("[account %s]: key 'user' is missing "
		    "(expected the login name, or an 'email' to use as one)"),
		    a->name);
	if (!file_private && (a->in.password != NULL ||
	    a->smtp.password != NULL)) {
		ps->line = a->in.password != NULL ? s->password_line :
		    s->smtp_password_line;
		return conf_fail(ps, a->in.password != NULL ? "password" :
		    "smtp_password", _("refused: the file is readable by group "
		    "or others; run 'chmod 600 %s' or use password_command"),
		    ps->path);
	}
	/* A bearer token is as good as a password, and lives longer. */
	if (a->in.tls == TLSM_NONE && a->in.auth != AUTH_PASSWORD) {
		ps->line = s->auth_line;
		return conf_fail(ps, "auth", _("%s sends an access token: it needs "
		    "tls = implicit or starttls, whatever allow_plaintext "
		    "says"), config_auth_name(a->in.auth));
	}
	oauth2_preset(&a->oauth2);
	if (a->in.auth != AUTH_PASSWORD && !oauth2_source(a, &a->in)) {
		ps->line = s->auth_line;
		return conf_fail(ps, "auth", _("%s needs oauth2_token_command, or "
		    "oauth2_client_id with oauth2_provider or oauth2_token_url "
		    "(for posta oauth2 login), in [account %s]"),
		    config_auth_name(a->in.auth), a->name);
	}
	if (a->in.tls == TLSM_NONE && !a->allow_plaintext) {
		ps->line = s->tls_line;
		return conf_fail(ps, "tls", _("'none' sends the password in clear; "
		    "set allow_plaintext = yes in [account %s] to allow it"),
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
			return conf_fail(ps, s->smtp_auth ? "smtp_auth" : "auth",
			    _("%s sends an access token: SMTP needs smtp_tls = "
			    "implicit or starttls"), config_auth_name(
			    a->smtp.auth));
		}
		if (a->smtp.auth != AUTH_PASSWORD &&
		    !oauth2_source(a, &a->smtp)) {
			ps->line = s->smtp_auth_line;
			return conf_fail(ps, "smtp_auth", _("%s needs "
			    "oauth2_token_command, or oauth2_client_id with "
			    "oauth2_provider or oauth2_token_url (for posta "
			    "oauth2 login), in [account %s]"),
			    config_auth_name(a->smtp.auth), a->name);
		}
		if (a->smtp.tls == TLSM_NONE && !a->allow_plaintext) {
			ps->line = s->smtp_tls_line;
			return conf_fail(ps, "smtp_tls", _("'none' sends the password "
			    "in clear; set allow_plaintext = yes in [account "
			    "%s] to allow it"), a->name);
		}
	}
	return 1;
}
