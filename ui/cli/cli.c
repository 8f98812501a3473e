/*
 * cli.c - the top floor of the command line: the table of every command,
 * finding one by name, and posta help, which lists the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/i18n.h"

extern const struct cmd_entry cmd_version_entry;
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

static const struct cmd_entry cmd_help_entry;

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

static int
cmd_help(struct cli_ctx *ctx, const struct cmd_entry *self,
    struct args *a)
{
	const struct cmd_entry	*e;

	if (a->argc > 0) {
		if ((e = cli_find(a->argv[0])) == NULL)
			return cli_error(_("no such command: %s"), a->argv[0]);
		cli_help_one(stdout, e);
		return CLI_OK;
	}
	cli_usage_all(stdout);
	return CLI_OK;
}

static const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.args = { NULL, 0, 1, 0 },
	.usage = N_("[COMMAND]"),
	.summary = N_("list commands or explain one"),
	.exec = cmd_help
};
