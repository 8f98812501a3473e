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

enum folder_op { F_MKDIR, F_RENAME, F_RMDIR, F_SUB, F_UNSUB };

static int
folder_cmd(struct cli_ctx *ctx, int argc, char **argv,
    const struct cmd_entry *e, enum folder_op op)
{
	struct cli_act	 ca;
	struct perr	 err;
	const char	*account = NULL;
	bool		 force = false;
	int		 i, n, r, rc = CLI_OK;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0';
	    i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-a") == 0 && i + 1 < argc)
			account = argv[++i];
		else if (op == F_RMDIR && strcmp(argv[i], "-f") == 0)
			force = true;
		else {
			cli_usage(e);
			return CLI_USAGE;
		}
	}
	n = argc - i;
	if (n != (op == F_RENAME ? 2 : 1)) {
		cli_usage(e);
		return CLI_USAGE;
	}
	if (cli_act_open(ctx, account, &ca) != 0)
		return CLI_FAIL;
	perr_clear(&err);
	switch (op) {
	case F_MKDIR:
		r = app_act_folder_create(ca.act, argv[i], &err);
		break;
	case F_RENAME:
		r = app_act_folder_rename(ca.act, argv[i], argv[i + 1], &err);
		break;
	case F_RMDIR:
		r = app_act_folder_delete(ca.act, argv[i], force, &err);
		if (r != 0 && !force && err.code == PERR_FORCE)
			(void)strncat(err.msg, " (posta rmdir -f)",
			    sizeof err.msg - strlen(err.msg) - 1);
		break;
	case F_SUB:
	default:
		r = app_act_subscribe(ca.act, argv[i], op == F_SUB, &err);
		break;
	}
	if (r != 0)
		rc = cli_error("%s", err.msg);
	return cli_act_close(ctx, &ca, rc);
}

static int
cmd_mkdir(struct cli_ctx *ctx, int argc, char **argv)
{
	return folder_cmd(ctx, argc, argv, &cmd_mkdir_entry, F_MKDIR);
}

static int
cmd_rename(struct cli_ctx *ctx, int argc, char **argv)
{
	return folder_cmd(ctx, argc, argv, &cmd_rename_entry, F_RENAME);
}

static int
cmd_rmdir(struct cli_ctx *ctx, int argc, char **argv)
{
	return folder_cmd(ctx, argc, argv, &cmd_rmdir_entry, F_RMDIR);
}

static int
cmd_subscribe(struct cli_ctx *ctx, int argc, char **argv)
{
	return folder_cmd(ctx, argc, argv, &cmd_subscribe_entry, F_SUB);
}

static int
cmd_unsubscribe(struct cli_ctx *ctx, int argc, char **argv)
{
	return folder_cmd(ctx, argc, argv, &cmd_unsubscribe_entry, F_UNSUB);
}

const struct cmd_entry cmd_mkdir_entry = {
	"mkdir", N_("[-a ACCOUNT] FOLDER"),
	N_("create a folder, subscribed (offline too)"),
	cmd_mkdir
};

const struct cmd_entry cmd_rename_entry = {
	"rename", N_("[-a ACCOUNT] OLD NEW"),
	N_("rename a folder and its subfolders (offline too)"),
	cmd_rename
};

const struct cmd_entry cmd_rmdir_entry = {
	"rmdir", N_("[-a ACCOUNT] [-f] FOLDER"),
	N_("delete a folder; -f even if it holds messages (offline too)"),
	cmd_rmdir
};

const struct cmd_entry cmd_subscribe_entry = {
	"subscribe", N_("[-a ACCOUNT] FOLDER"),
	N_("subscribe to a folder: posta sync pulls it (offline too)"),
	cmd_subscribe
};

const struct cmd_entry cmd_unsubscribe_entry = {
	"unsubscribe", N_("[-a ACCOUNT] FOLDER"),
	N_("unsubscribe from a folder (offline too)"),
	cmd_unsubscribe
};
