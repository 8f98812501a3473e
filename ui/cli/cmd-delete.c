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

static int
by_ids(struct cli_ctx *ctx, int argc, char **argv, const struct cmd_entry *e,
    int (*fn)(struct app_act *, const int64_t *, size_t, size_t *,
    struct perr *))
{
	struct cli_act	 ca;
	struct perr	 err;
	const char	*account;
	int64_t		*ids;
	int		 first, nids, rc = CLI_OK;

	if ((first = cli_getopt_account(e, argc, argv, &account)) < 0)
		return CLI_USAGE;
	if ((nids = argc - first) < 1) {
		cli_usage(e);
		return CLI_USAGE;
	}
	if ((ids = cli_act_ids(argv + first, nids)) == NULL)
		return CLI_USAGE;
	if (cli_act_open(ctx, account, &ca) != 0) {
		free(ids);
		return CLI_FAIL;
	}
	perr_clear(&err);
	if (fn(ca.act, ids, (size_t)nids, NULL, &err) != 0)
		rc = cli_error("%s", err.msg);
	free(ids);
	return cli_act_close(ctx, &ca, rc);
}

static int
cmd_delete(struct cli_ctx *ctx, int argc, char **argv)
{
	return by_ids(ctx, argc, argv, &cmd_delete_entry, app_act_delete);
}

static int
cmd_undelete(struct cli_ctx *ctx, int argc, char **argv)
{
	return by_ids(ctx, argc, argv, &cmd_undelete_entry, app_act_undelete);
}

static int
cmd_expunge(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_act	 ca;
	struct perr	 err;
	const char	*account;
	int		 first, rc = CLI_OK;

	if ((first = cli_getopt_account(&cmd_expunge_entry, argc, argv,
	    &account)) < 0)
		return CLI_USAGE;
	if (argc - first > 1) {
		cli_usage(&cmd_expunge_entry);
		return CLI_USAGE;
	}
	if (cli_act_open(ctx, account, &ca) != 0)
		return CLI_FAIL;
	perr_clear(&err);
	if (app_act_expunge(ca.act, first < argc ? argv[first] : NULL, NULL,
	    &err) != 0)
		rc = cli_error("%s", err.msg);
	return cli_act_close(ctx, &ca, rc);
}

const struct cmd_entry cmd_delete_entry = {
	"delete", N_("[-a ACCOUNT] ID..."),
	N_("move messages to Trash; in Trash, mark them \\Deleted (offline too)"),
	cmd_delete
};

const struct cmd_entry cmd_undelete_entry = {
	"undelete", N_("[-a ACCOUNT] ID..."),
	N_("clear \\Deleted of messages not yet expunged (offline too)"),
	cmd_undelete
};

const struct cmd_entry cmd_expunge_entry = {
	"expunge", N_("[-a ACCOUNT] [FOLDER]"),
	N_("remove the \\Deleted messages of a folder (default: every folder)"),
	cmd_expunge
};
