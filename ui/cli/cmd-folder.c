/*
 * cmd-folder.c - posta mkdir, rename, rmdir, subscribe, unsubscribe:
 * folders, offline too (an IMAP folder made offline is created on the
 * server when the journal is replayed).
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli-act.h"
#include "util/i18n.h"

extern const struct cmd_entry cmd_mkdir_entry;
extern const struct cmd_entry cmd_rename_entry;
extern const struct cmd_entry cmd_rmdir_entry;
extern const struct cmd_entry cmd_subscribe_entry;
extern const struct cmd_entry cmd_unsubscribe_entry;

static const struct arg_opt rmdir_opts[] = {
	CLI_OPT_ACCOUNT,
	{ .letter = 'f', .kind = ARG_FLAG },
	{ 0 }
};

/* mkdir, rename, rmdir, subscribe, unsubscribe: one exec for the five. */
static int
cmd_folder(struct cli_ctx *ctx, const struct cmd_entry *self, struct args *a)
{
	struct cli_act	 ca;
	struct perr	 err;
	bool		 force = args_has(a, "f");
	char		**argv = a->argv;
	int		 r, rc = CLI_OK;

	if (cli_act_open(ctx, args_get(a, "account"), &ca) != 0)
		return CLI_FAIL;
	perr_clear(&err);
	if (self == &cmd_mkdir_entry)
		r = app_act_folder_create(ca.act, argv[0], &err);
	else if (self == &cmd_rename_entry)
		r = app_act_folder_rename(ca.act, argv[0], argv[1], &err);
	else if (self == &cmd_rmdir_entry) {
		r = app_act_folder_delete(ca.act, argv[0], force, &err);
		if (r != 0 && !force && err.code == PERR_FORCE)
			(void)strncat(err.msg, " (posta rmdir -f)",
			    sizeof err.msg - strlen(err.msg) - 1);
	} else
		r = app_act_subscribe(ca.act, argv[0],
		    self == &cmd_subscribe_entry, &err);
	if (r != 0)
		rc = cli_error("%s", err.msg);
	return cli_act_close(ctx, &ca, rc);
}

const struct cmd_entry cmd_mkdir_entry = {
	.name = "mkdir",
	.args = { cli_opts_account, 1, 1, ARGS_IN_ORDER },
	.usage = N_("[-a ACCOUNT] FOLDER"),
	.summary = N_("create a folder, subscribed (offline too)"),
	.exec = cmd_folder
};

const struct cmd_entry cmd_rename_entry = {
	.name = "rename",
	.args = { cli_opts_account, 2, 2, ARGS_IN_ORDER },
	.usage = N_("[-a ACCOUNT] OLD NEW"),
	.summary = N_("rename a folder and its subfolders (offline too)"),
	.exec = cmd_folder
};

const struct cmd_entry cmd_rmdir_entry = {
	.name = "rmdir",
	.args = { rmdir_opts, 1, 1, ARGS_IN_ORDER },
	.usage = N_("[-a ACCOUNT] [-f] FOLDER"),
	.summary = N_("delete a folder; -f even if it holds messages (offline "
	"too)"),
	.exec = cmd_folder
};

const struct cmd_entry cmd_subscribe_entry = {
	.name = "subscribe",
	.args = { cli_opts_account, 1, 1, ARGS_IN_ORDER },
	.usage = N_("[-a ACCOUNT] FOLDER"),
	.summary = N_("subscribe to a folder: posta sync pulls it (offline "
	"too)"),
	.exec = cmd_folder
};

const struct cmd_entry cmd_unsubscribe_entry = {
	.name = "unsubscribe",
	.args = { cli_opts_account, 1, 1, ARGS_IN_ORDER },
	.usage = N_("[-a ACCOUNT] FOLDER"),
	.summary = N_("unsubscribe from a folder (offline too)"),
	.exec = cmd_folder
};
