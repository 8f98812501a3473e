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

#include "backup/backup.h"
#include "cli/cli.h"

extern const struct cmd_entry cmd_import_entry;

/* The folder called name, created as a local folder when missing. */
static int
import_folder(struct store *st, int64_t account_id, const char *name,
    int64_t *id, bool *created, struct perr *err)
{
	struct store_folder	f;

	*created = false;
	if (store_folder_by_name(st, account_id, name, &f, err) == 0) {
		*id = f.id;
		store_folder_free(&f);
		return 0;
	}
	if (err->code != PERR_NOTFOUND)
		return -1;
	memset(&f, 0, sizeof f);
	f.account_id = account_id;
	f.name = (char *)name;
	f.remote_name = NULL;
	f.subscribed = true;
	*created = true;
	return store_folder_upsert(st, &f, id, err);
}

static int
cmd_import(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct account	*acct;
	struct config		*cfg;
	struct store		*st;
	struct backup_stats	 bs;
	struct backup_mbox	*mb = NULL;
	struct backup_maildir	*md = NULL;
	struct perr		 err;
	const char		*account = NULL, *folder = NULL, *path = NULL;
	enum backup_format	 fmt = BACKUP_MBOX;
	int64_t			 account_id, folder_id;
	bool			 created;
	char			*name;
	int			 a, rc = CLI_OK;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-a") == 0 && a + 1 < argc)
			account = argv[++a];
		else if (strcmp(argv[a], "--mbox") == 0 && a + 1 < argc &&
		    path == NULL) {
			fmt = BACKUP_MBOX;
			path = argv[++a];
		} else if (strcmp(argv[a], "--maildir") == 0 && a + 1 < argc &&
		    path == NULL) {
			fmt = BACKUP_MAILDIR;
			path = argv[++a];
		} else if (argv[a][0] != '-' && folder == NULL)
			folder = argv[a];
		else {
			cli_usage(&cmd_import_entry);
			return CLI_USAGE;
		}
	}
	if (folder == NULL || *folder == '\0' || path == NULL) {
		cli_usage(&cmd_import_entry);
		fprintf(stderr, "Messages are stored in FOLDER (created as a "
		    "local folder when missing). For an IMAP account they stay\n"
		    "local, without a server UID: posta does not upload them "
		    "to the server (yet).\n");
		return CLI_USAGE;
	}
	if ((cfg = cli_config(ctx)) == NULL)
		return CLI_CONFIG;
	/* A path that cannot be read must not leave an empty folder behind. */
	if (fmt == BACKUP_MBOX ? (mb = backup_mbox_open(path, &err)) == NULL :
	    (md = backup_maildir_open(path, &err)) == NULL)
		return cli_error("%s", err.msg);
	backup_mbox_close(mb);
	backup_maildir_close(md);
	if ((acct = config_account(cfg, account, &err)) == NULL)
		return cli_error("%s", err.msg);
	if ((st = store_open(cfg->store, STORE_RDWR, &err)) == NULL)
		return cli_error("%s", err.msg);
	if (store_account_ensure(st, acct->name, acct->protocol == PROTO_POP3 ?
	    STORE_POP3 : STORE_IMAP, &account_id, &err) != 0 ||
	    import_folder(st, account_id, folder, &folder_id, &created,
	    &err) != 0) {
		rc = cli_error("%s", err.msg);
		goto out;
	}
	name = sanitize_line(folder);
	if (backup_import(st, account_id, folder_id, fmt, path, &bs,
	    &err) != 0)
		rc = cli_error("import into %s: %s", name, err.msg);
	else {
		printf("%s: %llu messages imported (%llu KiB)", name,
		    (unsigned long long)bs.messages,
		    (unsigned long long)(bs.bytes + 1023) / 1024);
		if (bs.duplicates > 0)
			printf(", %llu already there skipped",
			    (unsigned long long)bs.duplicates);
		printf("%s\n", created ? " into a new local folder" : "");
		if (acct->protocol == PROTO_IMAP)
			printf("note: stored in posta only; they are not "
			    "uploaded to the IMAP server\n");
	}
	free(name);
out:
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_import_entry = {
	"import", "[-a ACCOUNT] FOLDER (--mbox FILE | --maildir DIR)",
	"store an mbox or Maildir in a folder (IMAP: kept local, not uploaded)",
	cmd_import
};
