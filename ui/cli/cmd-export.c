/*
 * cmd-export.c - posta export: a folder (or every folder) of the offline
 * store to an mbox file or a Maildir, for backups and for moving mail.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"
#include "util/i18n.h"


struct export_all {
	struct store		*st;
	enum app_backup_format	 fmt;
	const char		*dir;
	int			 rc;
	struct store_folder	*v;
	size_t			 n;
};

static int
collect(void *arg, const struct store_folder *f)
{
	struct export_all	*ea = arg;

	if (f->noselect)
		return 0;
	ea->v = xreallocarray(ea->v, ea->n + 1, sizeof *ea->v);
	ea->v[ea->n] = *f;
	ea->v[ea->n].name = xstrdup(f->name);
	ea->v[ea->n].remote_name = NULL;
	ea->n++;
	return 0;
}

/* Export one folder and say what was written. */
static int
export_folder(struct store *st, const struct store_folder *f,
    enum app_backup_format fmt, const char *path)
{
	struct app_backup_stats	 bs;
	struct perr		 err;
	char			*name, *where;

	name = sanitize_line(f->name);
	if (app_export(st, f->id, fmt, path, &bs, &err) != 0) {
		cli_error(_("export of %s: %s"), name, err.msg);
		free(name);
		return CLI_FAIL;
	}
	where = sanitize_line(path);
	printf(ngettext("%s: %llu message (%llu KiB) -> %s\n",
	    "%s: %llu messages (%llu KiB) -> %s\n", bs.messages), name,
	    (unsigned long long)bs.messages,
	    (unsigned long long)(bs.bytes + 1023) / 1024, where);
	if (bs.no_body > 0)
		printf(ngettext("%s: %llu message was NOT exported: only its "
		    "headers are stored here (set offline = all for the "
		    "account and run posta sync first)\n",
		    "%s: %llu messages were NOT exported: only their "
		    "headers are stored here (set offline = all for the "
		    "account and run posta sync first)\n", bs.no_body), name,
		    (unsigned long long)bs.no_body);
	free(where);
	free(name);
	return CLI_OK;
}

static const struct arg_opt export_opts[] = {
	CLI_OPT_ACCOUNT, CLI_OPT_MBOX, CLI_OPT_MAILDIR, { 0 }
};

static int
cmd_export(struct cli_ctx *ctx, const struct cmd_entry *self, struct args *a)
{
	const struct account	*acct;
	struct store		*st;
	struct store_folder	 f;
	struct export_all	 ea;
	struct perr		 err;
	const char		*folder = a->argc > 0 ? a->argv[0] : NULL;
	const char		*path = args_get(a, "mbox");
	enum app_backup_format	 fmt = APP_BACKUP_MBOX;
	int64_t			 account_id;
	char			*sub;
	size_t			 i;
	int			 rc = CLI_OK;

	if (path == NULL && (path = args_get(a, "maildir")) != NULL)
		fmt = APP_BACKUP_MAILDIR;
	if (path == NULL || *path == '\0') {
		cli_usage(self);
		return CLI_USAGE;
	}
	if (cli_open_reader(ctx, args_get(a, "account"), &acct, &st, &account_id) != 0)
		return CLI_FAIL;

	if (folder != NULL) {
		if (store_folder_by_name(st, account_id, folder, &f,
		    &err) != 0) {
			rc = err.code == PERR_NOTFOUND ? cli_error(_("account "
			    "%s: no folder named '%s' (see posta folders)"),
			    acct->name, folder) : cli_error("%s", err.msg);
			goto out;
		}
		rc = export_folder(st, &f, fmt, path);
		store_folder_free(&f);
		goto out;
	}

	/*
	 * Every folder: PATH is a directory, each folder one entry in it
	 * named by app_export_path(), so no folder name can reach outside.
	 */
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		rc = cli_error("%s: %s", path, strerror(errno));
		goto out;
	}
	memset(&ea, 0, sizeof ea);
	if (store_folder_list(st, account_id, collect, &ea, &err) < 0) {
		rc = cli_error("%s", err.msg);
		goto out;
	}
	for (i = 0; i < ea.n; i++) {
		sub = app_export_path(path, ea.v[i].name, fmt);
		if (export_folder(st, &ea.v[i], fmt, sub) != CLI_OK)
			rc = CLI_FAIL;
		free(sub);
		store_folder_free(&ea.v[i]);
	}
	free(ea.v);
out:
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_export_entry = {
	.name = "export",
	.args = { export_opts, 0, 1, 0 },
	.usage = N_("[-a ACCOUNT] [FOLDER] --mbox FILE | --maildir DIR"),
	.summary = N_("back up a folder (or every folder, into the directory given) as "
	"mbox or Maildir"),
	.exec = cmd_export
};
