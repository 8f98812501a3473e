/*
 * config.c - read, default and check the INI configuration: the file,
 * its sections, [general], the defaults and the paths. [account NAME] is
 * in config-account.c, [keys], [search] and [colors] in config-ui.c, the
 * secrets (password_command) in config-secret.c.
 *
 * This file is the top floor of the reader: it calls the section files,
 * which call only config-value.c (errors, values), the bottom floor; no
 * file calls a floor above its own.
 *
 * libinih does the tokenising. It does not report line numbers to the
 * handler in Debian's build, so the reader callback counts lines: inih reads
 * one line and hands its key to the handler before reading the next.
 * Every error has the form "FILE:LINE: ..." and stops the load: a half-read
 * configuration is never used.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/config-int.h"
#include "util/i18n.h"

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
			conf_fail(ps, NULL, _("line longer than %d characters"), num - 2);
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

static int
general_key(struct parse_state *ps, const char *key, const char *v)
{
	struct config	*cfg = ps->cfg;
	int		 r;

	if ((r = conf_display_key(ps, key, v)) >= 0)
		return r;
	if (strcmp(key, "store") == 0) {
		if (*v == '\0')
			return conf_fail(ps, key, _("expected the path of the store "
			    "file, got nothing"));
		free(cfg->store);
		cfg->store = conf_path(ps->path, v);
	} else if (strcmp(key, "default_account") == 0) {
		conf_set_str(&cfg->default_account, v);
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
		if (!conf_bool(v, &cfg->bell_on_new_mail))
			return conf_fail(ps, key, _("expected yes or no, got '%s'"), v);
	} else
		return conf_fail(ps, key, _("unknown key in [general] (expected "
		    "store, default_account, new_mail_command, "
		    "bell_on_new_mail, print_command or url_command)"));
	return 1;
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
			return conf_fail(ps, NULL, _("[account] needs a name, as in "
			    "[account work]"));
		}
		ps->kind = SEC_ACCOUNT;
		if ((ps->acct = conf_account_new(ps, name)) == NULL)
			return 0;
	} else if (strncmp(section, "search", 6) == 0 &&
	    isspace((unsigned char)section[6])) {
		for (name = section + 6; isspace((unsigned char)*name); name++)
			;
		if (*name == '\0') {
			ps->line = ps->section_line;
			return conf_fail(ps, NULL, _("[search] needs a name, as in "
			    "[search unread]"));
		}
		ps->kind = SEC_SEARCH;
		if (!conf_search_section(ps, name))
			return 0;
	} else {
		ps->line = ps->section_line;
		conf_fail(ps, NULL, _("unknown section [%s] (expected [general], "
		    "[account NAME], [search NAME], [keys] or [colors])"),
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
		return conf_fail(ps, key, _("keys must come after a section header "
		    "such as [general] or [account NAME]"));
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
		conf_account_key(ps, key, v);
		break;
	case SEC_KEYS:
		conf_keys_key(ps, key, v);
		break;
	case SEC_COLORS:
		conf_colors_key(ps, key, v);
		break;
	case SEC_SEARCH:
		conf_search_key(ps, key, v);
		break;
	case SEC_NONE:
		break;
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
		if (!conf_finish_account(ps, &cfg->accounts[i], &ps->set[i],
		    file_private))
			return 0;
	for (i = 0; i < cfg->nsearches; i++)
		if (cfg->searches[i].query == NULL) {
			ps->line = cfg->searches[i].line;
			return conf_fail(ps, NULL, _("[search %s] needs a query, as "
			    "in query = is:unread"), cfg->searches[i].name);
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
			return conf_fail(ps, "default_account", _("no [account %s] in "
			    "this file"), cfg->default_account);
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
	conf_display_defaults(ps.cfg);
	ps.path = ps.cfg->path;
	ps.err = err;
	r = ini_parse_stream(reader, &ps, handler, &ps);
	fclose(ps.fp);
	if (!ps.failed && r != 0) {
		ps.line = r;
		conf_fail(&ps, NULL, _("syntax error (expected [section], key = value "
		    "or a comment)"));
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
		conf_folder_patterns_free(a);
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
	conf_display_free(cfg);
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
