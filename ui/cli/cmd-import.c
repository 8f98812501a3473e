/*
 * cmd-import.c - posta import: an mbox file or a Maildir into a folder of
 * the offline store.
 *
 * The messages are stored locally, without a server UID. For a POP3
 * account that is all there is (its folders are local); for an IMAP
 * account they are not uploaded: APPENDing them is the offline journal's
 * job, which comes later, and the help says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"
#include "util/i18n.h"


/* One whole sentence per case, so that each translates as a whole. */
static void
import_report(const char *folder, const struct app_backup_stats *bs,
    bool created)
{
	unsigned long long	n = bs->messages, dup = bs->duplicates;
	unsigned long long	kib = (bs->bytes + 1023) / 1024;

	if (dup == 0 && !created)
		printf(ngettext("%s: %llu message imported (%llu KiB)\n",
		    "%s: %llu messages imported (%llu KiB)\n", n),
		    folder, n, kib);
	else if (dup == 0)
		printf(ngettext("%s: %llu message imported (%llu KiB) into a "
		    "new local folder\n", "%s: %llu messages imported "
		    "(%llu KiB) into a new local folder\n", n), folder, n, kib);
	else if (!created)
		printf(ngettext("%s: %llu message imported (%llu KiB), %llu "
		    "already there skipped\n", "%s: %llu messages imported "
		    "(%llu KiB), %llu already there skipped\n", n), folder, n,
		    kib, dup);
	else
		printf(ngettext("%s: %llu message imported (%llu KiB), %llu "
		    "already there skipped into a new local folder\n",
		    "%s: %llu messages imported (%llu KiB), %llu already there "
		    "skipped into a new local folder\n", n), folder, n, kib,
		    dup);
}

static const struct arg_opt import_opts[] = {
	CLI_OPT_ACCOUNT, CLI_OPT_MBOX, CLI_OPT_MAILDIR, { 0 }
};

static int
cmd_import(struct cli_ctx *ctx, const struct cmd_entry *self, struct args *a)
{
	const struct account	*acct;
	struct config		*cfg;
	struct app_backup_stats	 bs;
	struct perr		 err;
	const char		*account = args_get(a, "account");
	const char		*folder = a->argc > 0 ? a->argv[0] : NULL;
	const char		*path = args_get(a, "mbox");
	enum app_backup_format	 fmt = APP_BACKUP_MBOX;
	bool			 created;
	char			*name;

	if (path == NULL && (path = args_get(a, "maildir")) != NULL)
		fmt = APP_BACKUP_MAILDIR;
	if (folder == NULL || *folder == '\0' || path == NULL) {
		cli_usage(self);
		fprintf(stderr, "%s", _("Messages are stored in FOLDER "
		    "(created as a local folder when missing). For an IMAP "
		    "account they stay\nlocal, without a server UID: posta "
		    "does not upload them to the server (yet).\n"));
		return CLI_USAGE;
	}
	if ((cfg = cli_config(ctx)) == NULL)
		return CLI_CONFIG;
	if (app_import(cfg, account, folder, fmt, path, &bs, &created,
	    &err) != 0)
		return cli_error("%s", err.msg);
	/* Found by app_import() already. */
	if ((acct = config_account(cfg, account, &err)) == NULL)
		return cli_error("%s", err.msg);
	name = sanitize_line(folder);
	import_report(name, &bs, created);
	if (acct->protocol == PROTO_IMAP)
		printf("%s", _("note: stored in posta only; they are not "
		    "uploaded to the IMAP server\n"));
	free(name);
	return CLI_OK;
}

const struct cmd_entry cmd_import_entry = {
	.name = "import",
	.args = { import_opts, 0, 1, 0 },
	.usage = N_("[-a ACCOUNT] FOLDER (--mbox FILE | --maildir DIR)"),
	.summary = N_("store an mbox or Maildir in a folder (IMAP: kept local, not uploaded)"),
	.exec = cmd_import
};
