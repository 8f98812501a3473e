/* cli.c - subcommand table, dispatch and shared helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/i18n.h"

extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_check_account_entry;
extern const struct cmd_entry cmd_folders_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_search_entry;
extern const struct cmd_entry cmd_flag_entry;
extern const struct cmd_entry cmd_move_entry;
extern const struct cmd_entry cmd_copy_entry;
extern const struct cmd_entry cmd_archive_entry;
extern const struct cmd_entry cmd_delete_entry;
extern const struct cmd_entry cmd_undelete_entry;
extern const struct cmd_entry cmd_expunge_entry;
extern const struct cmd_entry cmd_mkdir_entry;
extern const struct cmd_entry cmd_rename_entry;
extern const struct cmd_entry cmd_rmdir_entry;
extern const struct cmd_entry cmd_subscribe_entry;
extern const struct cmd_entry cmd_unsubscribe_entry;
extern const struct cmd_entry cmd_journal_entry;
extern const struct cmd_entry cmd_show_entry;
extern const struct cmd_entry cmd_sync_entry;
extern const struct cmd_entry cmd_export_entry;
extern const struct cmd_entry cmd_import_entry;
extern const struct cmd_entry cmd_send_entry;
extern const struct cmd_entry cmd_compose_entry;
extern const struct cmd_entry cmd_outbox_entry;
extern const struct cmd_entry cmd_addresses_entry;
extern const struct cmd_entry cmd_setup_entry;
extern const struct cmd_entry cmd_oauth2_entry;

static const struct cmd_entry *const cmd_table[] = {
	&cmd_help_entry,
	&cmd_version_entry,
	&cmd_setup_entry,
	&cmd_check_account_entry,
	&cmd_oauth2_entry,
	&cmd_folders_entry,
	&cmd_list_entry,
	&cmd_search_entry,
	&cmd_flag_entry,
	&cmd_move_entry,
	&cmd_copy_entry,
	&cmd_archive_entry,
	&cmd_delete_entry,
	&cmd_undelete_entry,
	&cmd_expunge_entry,
	&cmd_mkdir_entry,
	&cmd_rename_entry,
	&cmd_rmdir_entry,
	&cmd_subscribe_entry,
	&cmd_unsubscribe_entry,
	&cmd_journal_entry,
	&cmd_show_entry,
	&cmd_sync_entry,
	&cmd_export_entry,
	&cmd_import_entry,
	&cmd_send_entry,
	&cmd_compose_entry,
	&cmd_outbox_entry,
	&cmd_addresses_entry,
	NULL
};

const struct cmd_entry *
cli_find(const char *name)
{
	size_t	i;

	for (i = 0; cmd_table[i] != NULL; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	return NULL;
}

void
cli_usage_all(FILE *f)
{
	size_t	i;

	fprintf(f, _(
	    "usage: posta [-c FILE] [--offline] [COMMAND [ARGS...]]\n"
	    "\n"
	    "With no command, posta opens the terminal interface.\n"
	    "\n"
	    "Options:\n"
	    "  -c FILE      configuration file (default: $POSTA_CONFIG, then\n"
	    "               $XDG_CONFIG_HOME/posta/config)\n"
	    "  --offline    never connect to a server\n"
	    "  -h, --help   this help\n"
	    "  -V, --version\n"
	    "\n"
	    "Commands:\n"));
	/* A summary marked N_() where its command is defined is translated. */
	for (i = 0; cmd_table[i] != NULL; i++)
		fprintf(f, "  %-14s %s\n", cmd_table[i]->name,
		    _(cmd_table[i]->summary));
}

const char *
cli_usage_args(const struct cmd_entry *e)
{
	/* _("") would be the catalog's header: an empty usage stays empty. */
	return e->usage[0] != '\0' ? _(e->usage) : "";
}

void
cli_usage(const struct cmd_entry *e)
{
	fprintf(stderr, _("usage: posta %s %s\n"), e->name, cli_usage_args(e));
}

int
cli_error(const char *fmt, ...)
{
	va_list	 ap;
	char	*raw, *safe;

	va_start(ap, fmt);
	raw = xvasprintf(fmt, ap);
	va_end(ap);
	safe = sanitize_line(raw);
	fprintf(stderr, "posta: %s\n", safe);
	free(safe);
	free(raw);
	return CLI_FAIL;
}

void
cli_example_config(FILE *f, const char *path)
{
	/* TRANSLATORS: the example's keys and values stay as they are. */
	fprintf(f, _(
	    "posta reads its configuration from %s\n"
	    "(or the file named by -c FILE or $POSTA_CONFIG). A minimal example:\n"
	    "\n"
	    "  [general]\n"
	    "  default_account = work\n"
	    "\n"
	    "  [account work]\n"
	    "  protocol = imap\n"
	    "  email = me@example.org\n"
	    "  host = imap.example.org\n"
	    "  user = me@example.org\n"
	    "  password_command = pass show mail/work\n"
	    "  smtp_host = smtp.example.org\n"
	    "\n"
	    "See posta.conf(5) for every key.\n"), path);
}

struct config *
cli_config(struct cli_ctx *ctx)
{
	struct perr	 err;
	char		*path;

	if (ctx->cfg != NULL)
		return ctx->cfg;
	path = config_default_path(ctx->config_path);
	ctx->cfg = config_load(path, &err);
	if (ctx->cfg == NULL) {
		cli_error("%s", err.msg);
		if (err.code == PERR_NOTFOUND)
			cli_example_config(stderr, path);
	}
	free(path);
	return ctx->cfg;
}

int
cli_getopt_account(const struct cmd_entry *e, int argc, char **argv,
    const char **account)
{
	int	i;

	*account = NULL;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		if (strcmp(argv[i], "-a") == 0 && i + 1 < argc)
			*account = argv[++i];
		else {
			cli_usage(e);
			return -1;
		}
	}
	return i;
}

int
cli_parse_id(const char *s, int64_t *id)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n <= 0)
		return -1;
	*id = n;
	return 0;
}

int
cli_open_reader(struct cli_ctx *ctx, const char *name,
    const struct account **acct, struct store **st, int64_t *account_id)
{
	struct config		*cfg;
	struct perr		 err;
	enum store_protocol	 proto;

	*st = NULL;
	if ((cfg = cli_config(ctx)) == NULL)
		return -1;
	if ((*acct = config_account(cfg, name, &err)) == NULL) {
		cli_error("%s", err.msg);
		return -1;
	}
	if (access(cfg->store, F_OK) != 0) {
		cli_error(_("%s: no mail stored yet; run 'posta sync' first"),
		    cfg->store);
		return -1;
	}
	if ((*st = store_open(cfg->store, STORE_RDONLY, &err)) == NULL) {
		cli_error("%s", err.msg);
		return -1;
	}
	if (store_account_find(*st, (*acct)->name, account_id, &proto,
	    &err) != 0) {
		if (err.code == PERR_NOTFOUND)
			cli_error(_("account %s: no mail stored yet; run "
			    "'posta sync -a %s' first"), (*acct)->name,
			    (*acct)->name);
		else
			cli_error("%s", err.msg);
		store_close(*st);
		*st = NULL;
		return -1;
	}
	return 0;
}
