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

enum file_kind { FILE_MOVE, FILE_COPY, FILE_ARCHIVE };

static int
file_messages(struct cli_ctx *ctx, int argc, char **argv,
    const struct cmd_entry *e, enum file_kind kind)
{
	struct cli_act	 ca;
	struct perr	 err;
	const char	*account, *dest = NULL;
	int64_t		*ids;
	int		 first, nids, rc = CLI_OK, r;

	if ((first = cli_getopt_account(e, argc, argv, &account)) < 0)
		return CLI_USAGE;
	nids = argc - first;
	if (kind != FILE_ARCHIVE) {
		nids--;		/* the last operand is the folder */
		if (nids >= 1)
			dest = argv[argc - 1];
	}
	if (nids < 1) {
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
	switch (kind) {
	case FILE_MOVE:
		r = app_act_move(ca.act, ids, (size_t)nids, dest, NULL, &err);
		break;
	case FILE_COPY:
		r = app_act_copy(ca.act, ids, (size_t)nids, dest, NULL, &err);
		break;
	default:
		r = app_act_archive(ca.act, ids, (size_t)nids, NULL, &err);
		break;
	}
	if (r != 0)
		rc = cli_error("%s", err.msg);
	free(ids);
	return cli_act_close(ctx, &ca, rc);
}

static int
cmd_move(struct cli_ctx *ctx, int argc, char **argv)
{
	return file_messages(ctx, argc, argv, &cmd_move_entry, FILE_MOVE);
}

static int
cmd_copy(struct cli_ctx *ctx, int argc, char **argv)
{
	return file_messages(ctx, argc, argv, &cmd_copy_entry, FILE_COPY);
}

static int
cmd_archive(struct cli_ctx *ctx, int argc, char **argv)
{
	return file_messages(ctx, argc, argv, &cmd_archive_entry,
	    FILE_ARCHIVE);
}

const struct cmd_entry cmd_move_entry = {
	"move", N_("[-a ACCOUNT] ID... FOLDER"),
	N_("move messages to another folder (offline too)"),
	cmd_move
};

const struct cmd_entry cmd_copy_entry = {
	"copy", N_("[-a ACCOUNT] ID... FOLDER"),
	N_("copy messages to another folder (offline too)"),
	cmd_copy
};

const struct cmd_entry cmd_archive_entry = {
	"archive", N_("[-a ACCOUNT] ID..."),
	N_("move messages to the Archive folder (offline too)"),
	cmd_archive
};
