/*
 * cmd-delete.c - posta delete, undelete, expunge: removing mail, offline
 * too. delete moves to Trash (or marks \Deleted in Trash, or without one),
 * undelete clears \Deleted, expunge removes what is marked \Deleted.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli-act.h"
#include "util/i18n.h"

extern const struct cmd_entry cmd_delete_entry;
extern const struct cmd_entry cmd_undelete_entry;
extern const struct cmd_entry cmd_expunge_entry;

/* delete, undelete: one exec for the two. */
static int
cmd_by_ids(struct cli_ctx *ctx, const struct cmd_entry *self,
    struct args *a)
{
	struct cli_act	 ca;
	struct perr	 err;
	int64_t		*ids;
	int		 r, rc = CLI_OK;

	if ((ids = cli_act_ids(a->argv, a->argc)) == NULL)
		return CLI_USAGE;
	if (cli_act_open(ctx, args_get(a, "account"), &ca) != 0) {
		free(ids);
		return CLI_FAIL;
	}
	perr_clear(&err);
	if (self == &cmd_delete_entry)
		r = app_act_delete(ca.act, ids, (size_t)a->argc, NULL, &err);
	else
		r = app_act_undelete(ca.act, ids, (size_t)a->argc, NULL, &err);
	if (r != 0)
		rc = cli_error("%s", err.msg);
	free(ids);
	return cli_act_close(ctx, &ca, rc);
}

static int
cmd_expunge(struct cli_ctx *ctx, const struct cmd_entry *self,
    struct args *a)
{
	struct cli_act	 ca;
	struct perr	 err;
	int		 rc = CLI_OK;

	if (cli_act_open(ctx, args_get(a, "account"), &ca) != 0)
		return CLI_FAIL;
	perr_clear(&err);
	if (app_act_expunge(ca.act, a->argc > 0 ? a->argv[0] : NULL, NULL,
	    &err) != 0)
		rc = cli_error("%s", err.msg);
	return cli_act_close(ctx, &ca, rc);
}

const struct cmd_entry cmd_delete_entry = {
	.name = "delete",
	.args = { cli_opts_account, 1, -1, ARGS_IN_ORDER },
	.usage = N_("[-a ACCOUNT] ID..."),
	.summary = N_("move messages to Trash; in Trash, mark them \\Deleted "
	"(offline too)"),
	.exec = cmd_by_ids
};

const struct cmd_entry cmd_undelete_entry = {
	.name = "undelete",
	.args = { cli_opts_account, 1, -1, ARGS_IN_ORDER },
	.usage = N_("[-a ACCOUNT] ID..."),
	.summary = N_("clear \\Deleted of messages not yet expunged (offline "
	"too)"),
	.exec = cmd_by_ids
};

const struct cmd_entry cmd_expunge_entry = {
	.name = "expunge",
	.args = { cli_opts_account, 0, 1, ARGS_IN_ORDER },
	.usage = N_("[-a ACCOUNT] [FOLDER]"),
	.summary = N_("remove the \\Deleted messages of a folder (default: "
	"every folder)"),
	.exec = cmd_expunge
};
