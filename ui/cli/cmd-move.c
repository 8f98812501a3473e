/*
 * cmd-move.c - posta move, posta copy, posta archive: file messages into
 * another folder, offline too. One logic, three entries.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli-act.h"
#include "util/i18n.h"

extern const struct cmd_entry cmd_move_entry;
extern const struct cmd_entry cmd_copy_entry;
extern const struct cmd_entry cmd_archive_entry;

/* move, copy, archive: one exec, told apart by the entry it runs for. */
static int
cmd_file(struct cli_ctx *ctx, const struct cmd_entry *self, struct args *a)
{
	struct cli_act	 ca;
	struct perr	 err;
	const char	*dest = NULL;
	int64_t		*ids;
	int		 nids = a->argc, rc = CLI_OK, r;

	if (self != &cmd_archive_entry)
		dest = a->argv[--nids];	/* the last operand is the folder */
	if ((ids = cli_act_ids(a->argv, nids)) == NULL)
		return CLI_USAGE;
	if (cli_act_open(ctx, args_get(a, "account"), &ca) != 0) {
		free(ids);
		return CLI_FAIL;
	}
	perr_clear(&err);
	if (self == &cmd_move_entry)
		r = app_act_move(ca.act, ids, (size_t)nids, dest, NULL, &err);
	else if (self == &cmd_copy_entry)
		r = app_act_copy(ca.act, ids, (size_t)nids, dest, NULL, &err);
	else
		r = app_act_archive(ca.act, ids, (size_t)nids, NULL, &err);
	if (r != 0)
		rc = cli_error("%s", err.msg);
	free(ids);
	return cli_act_close(ctx, &ca, rc);
}

const struct cmd_entry cmd_move_entry = {
	.name = "move",
	.args = { cli_opts_account, 2, -1, ARGS_IN_ORDER },
	.usage = N_("[-a ACCOUNT] ID... FOLDER"),
	.summary = N_("move messages to another folder (offline too)"),
	.exec = cmd_file
};

const struct cmd_entry cmd_copy_entry = {
	.name = "copy",
	.args = { cli_opts_account, 2, -1, ARGS_IN_ORDER },
	.usage = N_("[-a ACCOUNT] ID... FOLDER"),
	.summary = N_("copy messages to another folder (offline too)"),
	.exec = cmd_file
};

const struct cmd_entry cmd_archive_entry = {
	.name = "archive",
	.args = { cli_opts_account, 1, -1, ARGS_IN_ORDER },
	.usage = N_("[-a ACCOUNT] ID..."),
	.summary = N_("move messages to the Archive folder (offline too)"),
	.exec = cmd_file
};
