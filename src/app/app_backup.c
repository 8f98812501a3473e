/*
 * app_backup.c - posta import and export: the faces' way to src/backup.
 * Import writes the store (the account, a local folder when missing, the
 * messages); export reads it through the caller's handle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "backup/backup.h"
#include "store/store.h"
#include "util/i18n.h"

static enum backup_format
format(enum app_backup_format f)
{
	return f == APP_BACKUP_MAILDIR ? BACKUP_MAILDIR : BACKUP_MBOX;
}

static void
stats_copy(struct app_backup_stats *out, const struct backup_stats *bs)
{
	out->messages = bs->messages;
	out->bytes = bs->bytes;
	out->no_body = bs->no_body;
	out->duplicates = bs->duplicates;
}

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

int
app_import(const struct config *cfg, const char *account, const char *folder,
    enum app_backup_format fmt, const char *path,
    struct app_backup_stats *stats, bool *created, struct perr *err)
{
	const struct account	*acct;
	struct store		*st;
	struct backup_mbox	*mb = NULL;
	struct backup_maildir	*md = NULL;
	struct backup_stats	 bs;
	int64_t			 account_id, folder_id;
	int			 rc = -1;

	memset(stats, 0, sizeof *stats);
	*created = false;
	/* A path that cannot be read must not leave an empty folder behind. */
	if (fmt == APP_BACKUP_MBOX ? (mb = backup_mbox_open(path,
	    err)) == NULL : (md = backup_maildir_open(path, err)) == NULL)
		return -1;
	backup_mbox_close(mb);
	backup_maildir_close(md);
	if ((acct = config_account(cfg, account, err)) == NULL)
		return -1;
	if ((st = store_open(cfg->store, STORE_RDWR, err)) == NULL)
		return -1;
	if (store_account_ensure(st, acct->name, acct->protocol == PROTO_POP3 ?
	    STORE_POP3 : STORE_IMAP, &account_id, err) != 0 ||
	    import_folder(st, account_id, folder, &folder_id, created,
	    err) != 0)
		goto out;
	if (backup_import(st, account_id, folder_id, format(fmt), path, &bs,
	    err) != 0) {
		perr_prefix(err, _("import into %s"), folder);
		goto out;
	}
	stats_copy(stats, &bs);
	rc = 0;
out:
	store_close(st);
	return rc;
}

int
app_export(struct store *st, int64_t folder_id, enum app_backup_format fmt,
    const char *path, struct app_backup_stats *stats, struct perr *err)
{
	struct backup_stats	bs;

	memset(stats, 0, sizeof *stats);
	if (backup_export(st, folder_id, format(fmt), path, &bs, err) != 0)
		return -1;
	stats_copy(stats, &bs);
	return 0;
}

char *
app_export_path(const char *dir, const char *folder,
    enum app_backup_format fmt)
{
	char	*safe = backup_safe_name(folder), *path;

	path = xasprintf("%s/%s%s", dir, safe, fmt == APP_BACKUP_MBOX ?
	    ".mbox" : "");
	free(safe);
	return path;
}
