/*
 * backup.h - the face of src/backup: a folder to and from files that other
 * mail programs read, for backups and for moving mail.
 *
 *   mbox.c     mboxrd: one file, ">From " quoting both ways, flags in
 *              Status / X-Status, a message at a time (bounded memory)
 *   maildir.c  Maildir: cur/ files named with ":2,FLAGS", written to tmp/
 *              then linked into cur/ (never overwriting), unique names;
 *              and the one safe mapping from a folder name to a path
 *              component (backup_safe_name)
 *   backup.c   a folder of the store to and from either format
 *
 * Message bytes are never changed: what a message's body row holds is what
 * the file holds (Maildir) or what reading the file gives back (mbox, after
 * un-quoting). A message bigger than MAIL_MSG_MAX (mail.h) is refused on
 * reading with a clear error, never loaded.
 */
#ifndef POSTA_BACKUP_H
#define POSTA_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/util.h"
#include "mail/mail.h"
#include "store/store.h"

/* ---- mbox.c -------------------------------------------------------------- */

/*
 * Write one message to f as mboxrd: the "From " line (sender and date;
 * from may be NULL), posta's "Status:" and "X-Status:" lines
 * for the flags (enum store_flag bits), the bytes with every line matching
 * ^>*From  given one more '>', and one "\n" that ends the entry. Returns
 * 0, or -1 with err set (PERR_IO).
 */
int	backup_mbox_write(FILE *f, const char *raw, size_t len,
	    const char *from, int64_t date, unsigned flags, struct perr *err);

struct backup_mbox;
/* Open an mbox for reading; NULL with err set. */
struct backup_mbox *backup_mbox_open(const char *path, struct perr *err);
/*
 * The next message: *raw malloc'd (NUL after *len bytes; the caller frees),
 * un-quoted, without the "From " line, posta's leading Status/X-Status lines
 * (their flags go to *flags; Status/X-Status met elsewhere in the header
 * give flags but stay) and the "\n" that ends the entry. Returns 1 for a
 * message, 0 at the end, -1 with err set (a message over MAIL_MSG_MAX,
 * a file that is not an mbox, a read error).
 */
int	backup_mbox_next(struct backup_mbox *, char **raw, size_t *len,
	    unsigned *flags, struct perr *err);
void	backup_mbox_close(struct backup_mbox *);

/* The flag letters: Status "RO" style and X-Status "AFTD" style. */
unsigned backup_status_flags(const char *status, const char *xstatus);

/* ---- maildir.c ----------------------------------------------------------- */

/*
 * A folder name as ONE path component: '/', '\\', control bytes, '%' and a
 * leading '.' become %XX, so "../../etc" is "%2E.%2F..%2Fetc" and can never
 * name a path outside the directory it is joined to; "" is "%". Malloc'd.
 */
char	*backup_safe_name(const char *folder);

/* ":2,FLAGS" letters (sorted, as Maildir wants) for enum store_flag bits. */
void	backup_maildir_info(unsigned flags, char out[8]);
/* enum store_flag bits from a file name's ":2," info (none: 0). */
unsigned backup_maildir_flags(const char *filename);

/*
 * Create dir (mode 0700, parents too) with tmp/, new/ and cur/ unless they
 * exist. Returns 0 or -1 with err set.
 */
int	backup_maildir_create(const char *dir, struct perr *err);
/*
 * Deliver one message into dir/cur with the flags in its name: written and
 * fsync'd in tmp/, then link()ed into cur/ (an existing name is never
 * replaced: a new unique name is tried) and removed from tmp/. seq makes
 * names unique within the process; pass a counter.
 */
int	backup_maildir_write(const char *dir, const char *raw, size_t len,
	    unsigned flags, unsigned long seq, struct perr *err);

struct backup_maildir;
/* List dir/cur and dir/new (names sorted); NULL with err set. */
struct backup_maildir *backup_maildir_open(const char *dir, struct perr *err);
/*
 * The next message, as backup_mbox_next(): the exact file bytes and the
 * flags of its name (new/ files: none).
 */
int	backup_maildir_next(struct backup_maildir *, char **raw, size_t *len,
	    unsigned *flags, struct perr *err);
void	backup_maildir_close(struct backup_maildir *);

/* ---- backup.c: a folder of the store ------------------------------------- */

enum backup_format {
	BACKUP_MBOX,
	BACKUP_MAILDIR,
};

struct backup_stats {
	uint64_t	messages;	/* written or stored */
	uint64_t	bytes;
	uint64_t	no_body;	/* export: only headers are local */
	uint64_t	duplicates;	/* import: already in the folder */
};

/*
 * Export folder_id of st to path: an mbox file (created; an existing file
 * is refused) or a Maildir directory (created when missing), oldest
 * message first, one body in memory at a time. Messages whose body is not
 * local are counted in no_body and skipped.
 */
int	backup_export(struct store *st, int64_t folder_id,
	    enum backup_format, const char *path, struct backup_stats *,
	    struct perr *err);

/*
 * Append messages ids of st (in that order) to the mbox file at path,
 * created 0600 when missing; an existing file must start with "From ".
 * Each entry is what backup_export() writes for it, so the bytes are the
 * stored message's. Messages whose body is not local are counted in
 * no_body and skipped. On an error the file is cut back to its old size.
 */
int	backup_mbox_append(struct store *st, const int64_t *ids, size_t n,
	    const char *path, struct backup_stats *, struct perr *err);

/*
 * Import an mbox file or a Maildir into folder_id of account_id: each
 * message parsed for its headers and stored with its body, flags and no
 * UID (local only: for an IMAP account, uploading is the journal's job),
 * a transaction per batch. A message already in the folder (same
 * Message-ID and size) is skipped. A bad message stops the import after
 * the batches already committed; nothing is ever half-stored.
 */
int	backup_import(struct store *st, int64_t account_id, int64_t folder_id,
	    enum backup_format, const char *path, struct backup_stats *,
	    struct perr *err);

#endif
