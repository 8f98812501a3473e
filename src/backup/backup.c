/*
 * backup.c - a folder of the store to and from an mbox file or a Maildir.
 *
 * Export walks the folder by the store's keyset pages, keeping only the
 * row ids (8 bytes a message), then writes oldest first with one body in
 * memory at a time. An mbox is created with O_EXCL (never appended to or
 * overwritten by accident), fsync'd, and removed again if the export
 * fails, so a file that exists is a whole export.
 *
 * Import stores each message as a local one (uid 0) in batches of
 * IMPORT_BATCH per transaction, threaded like synced mail.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup/backup.h"
#include "mail/mail.h"
#include "sync/sync.h"
#include "util/i18n.h"

#define EXPORT_PAGE	500
#define IMPORT_BATCH	100

/* ---- export ---------------------------------------------------------------- */

struct ids {
	int64_t			*v;
	size_t			 n;
	int			 rows;
	struct store_page_key	 last;
};

static int
ids_add(void *arg, const struct store_msg *m)
{
	struct ids	*ids = arg;

	ids->v = xreallocarray(ids->v, ids->n + 1, sizeof *ids->v);
	ids->v[ids->n++] = m->id;
	ids->last.date = m->date;
	ids->last.id = m->id;
	ids->rows++;
	return 0;
}

static int
folder_ids(struct store *st, int64_t folder_id, struct ids *ids,
    struct perr *err)
{
	int	before;

	memset(ids, 0, sizeof *ids);
	for (;;) {
		before = ids->rows;
		if (store_msg_page(st, folder_id, ids->rows > 0 ? &ids->last :
		    NULL, EXPORT_PAGE, ids_add, ids, err) < 0)
			return -1;
		if (ids->rows - before < EXPORT_PAGE)
			return 0;
	}
}

/* One message to the open mbox file or the Maildir. */
static int
export_one(struct store *st, int64_t id, enum backup_format fmt, FILE *f,
    const char *dir, struct backup_stats *bs, struct perr *err)
{
	struct store_msg	 m;
	void			*raw;
	size_t			 len;
	int			 rc;

	if (store_msg_get(st, id, &m, err) != 0)
		return err->code == PERR_NOTFOUND ? 0 : -1;
	if (store_body_get(st, id, &raw, &len, err) != 0) {
		store_msg_free(&m);
		if (err->code != PERR_NOTFOUND)
			return -1;
		perr_clear(err);
		bs->no_body++;
		return 0;
	}
	if (fmt == BACKUP_MBOX)
		rc = backup_mbox_write(f, raw, len, m.from_addr,
		    m.date != 0 ? m.date : m.internal_date, m.flags, err);
	else
		rc = backup_maildir_write(dir, raw, len, m.flags,
		    (unsigned long)bs->messages, err);
	if (rc == 0) {
		bs->messages++;
		bs->bytes += len;
	}
	free(raw);
	store_msg_free(&m);
	return rc;
}

int
backup_export(struct store *st, int64_t folder_id, enum backup_format fmt,
    const char *path, struct backup_stats *bs, struct perr *err)
{
	struct backup_stats	 local;
	struct ids		 ids;
	FILE			*f = NULL;
	size_t			 i;
	int			 fd, rc = -1;

	if (bs == NULL)
		bs = &local;
	memset(bs, 0, sizeof *bs);
	if (fmt == BACKUP_MBOX) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return perr_set(err, PERR_IO, errno == EEXIST ?
			    _("%s: %s (posta never overwrites or appends to an "
			    "mbox: give a new file name)") : "%s: %s", path,
			    strerror(errno));
		if ((f = fdopen(fd, "w")) == NULL) {
			perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
			(void)close(fd);
			(void)unlink(path);
			return -1;
		}
	} else if (backup_maildir_create(path, err) != 0)
		return -1;

	if (folder_ids(st, folder_id, &ids, err) != 0)
		goto out;
	/* Pages come newest first; files read best oldest first. */
	for (i = ids.n; i > 0; i--)
		if (export_one(st, ids.v[i - 1], fmt, f, path, bs, err) != 0)
			goto out;
	rc = 0;
out:
	free(ids.v);
	if (f != NULL) {
		if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
			perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
			rc = -1;
		}
		if (fclose(f) != 0 && rc == 0) {
			perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			(void)unlink(path);	/* never a partial export */
	}
	return rc;
}

/* An existing file must look like an mbox before anything is added. */
static int
mbox_check(int fd, const char *path, off_t *size, struct perr *err)
{
	struct stat	sb;
	char		head[5];

	if (fstat(fd, &sb) != 0)
		return perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return perr_set(err, PERR_IO, _("%s: not a regular file"), path);
	*size = sb.st_size;
	if (sb.st_size == 0)
		return 0;
	if (pread(fd, head, sizeof head, 0) != (ssize_t)sizeof head ||
	    memcmp(head, "From ", sizeof head) != 0)
		return perr_set(err, PERR_IO, _("%s: not an mbox file (it does "
		    "not start with \"From \"); nothing was added"), path);
	return 0;
}

int
backup_mbox_append(struct store *st, const int64_t *ids, size_t n,
    const char *path, struct backup_stats *bs, struct perr *err)
{
	struct backup_stats	 local;
	FILE			*f;
	off_t			 size = 0;
	size_t			 i;
	int			 fd, rc = -1;

	if (bs == NULL)
		bs = &local;
	memset(bs, 0, sizeof *bs);
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
	if (mbox_check(fd, path, &size, err) != 0) {
		(void)close(fd);
		return -1;
	}
	if ((f = fdopen(fd, "a")) == NULL) {
		perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
		(void)close(fd);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (export_one(st, ids[i], BACKUP_MBOX, f, path, bs, err) != 0)
			goto out;
	rc = 0;
out:
	if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
		perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	/* Never half an entry: the file goes back to what it was. */
	if (rc != 0 && (fflush(f) != 0 || ftruncate(fileno(f), size) != 0))
		perr_prefix(err, _("%s: could not be put back to %lld bytes"),
		    path, (long long)size);
	if (fclose(f) != 0 && rc == 0) {
		perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* ---- import ---------------------------------------------------------------- */

struct dup_find {
	int64_t	size;
};

static int
dup_one(void *arg, const struct store_msg *m)
{
	struct dup_find	*df = arg;

	return m->size == df->size ? 1 : 0;
}

/* Store one message in the open transaction. 1: a duplicate, skipped. */
static int
import_one(struct store *st, struct sync_threader *th, int64_t folder_id,
    const char *raw, size_t len, unsigned flags, struct perr *err)
{
	struct store_msg	 m;
	struct dup_find		 df = { (int64_t)len };
	struct sync_text	 text;
	int64_t			 id;
	int			 r, rc = -1;

	memset(&m, 0, sizeof m);
	m.folder_id = folder_id;
	m.flags = flags;
	if (sync_ingest_parse(raw, len, &m, &text, err) != 0)
		return -1;
	if (m.message_id != NULL) {
		r = store_msg_by_message_id(st, m.message_id, folder_id,
		    dup_one, &df, err);
		if (r < 0)
			goto out;
		if (r > 0) {
			rc = 1;
			goto out;
		}
	}
	m.internal_date = m.date != 0 ? m.date : (int64_t)time(NULL);
	if (sync_ingest_store(st, th, &m, raw, len, &text, &id, err) < 0)
		goto out;
	rc = 0;
out:
	sync_text_free(&text);
	store_msg_free(&m);
	return rc;
}

int
backup_import(struct store *st, int64_t account_id, int64_t folder_id,
    enum backup_format fmt, const char *path, struct backup_stats *bs,
    struct perr *err)
{
	struct backup_stats	 local;
	struct backup_mbox	*mb = NULL;
	struct backup_maildir	*md = NULL;
	struct sync_threader	*th;
	struct perr		 ignored;
	char			*raw;
	size_t			 len, batch = 0;
	unsigned		 flags;
	int			 r, rc = -1;

	if (bs == NULL)
		bs = &local;
	memset(bs, 0, sizeof *bs);
	if (fmt == BACKUP_MBOX)
		mb = backup_mbox_open(path, err);
	else
		md = backup_maildir_open(path, err);
	if (mb == NULL && md == NULL)
		return -1;
	th = sync_threader_new(account_id);
	if (store_begin(st, err) != 0)
		goto done;
	for (;;) {
		if (fmt == BACKUP_MBOX)
			r = backup_mbox_next(mb, &raw, &len, &flags, err);
		else
			r = backup_maildir_next(md, &raw, &len, &flags, err);
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		r = import_one(st, th, folder_id, raw, len, flags, err);
		free(raw);
		if (r < 0)
			goto fail;
		if (r > 0) {
			bs->duplicates++;
			continue;
		}
		bs->messages++;
		bs->bytes += len;
		if (++batch == IMPORT_BATCH) {
			if (store_commit(st, err) != 0 ||
			    store_begin(st, err) != 0)
				goto done;
			batch = 0;
		}
	}
	rc = store_commit(st, err);
	goto done;
fail:
	(void)store_rollback(st, &ignored);
	bs->messages -= batch;
	perr_prefix(err, _("import stopped after %llu messages"),
	    (unsigned long long)bs->messages);
done:
	sync_threader_free(th);
	backup_mbox_close(mb);
	backup_maildir_close(md);
	return rc;
}
