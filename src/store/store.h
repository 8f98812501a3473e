/*
 * store.h - the face of src/store: posta's offline store in one SQLite file.
 *
 *   store.c     open/close, pragmas (the top floor, see store-int.h)
 *   store-util.c  transactions, the per-connection prepared-statement
 *               cache and the error helpers (the bottom floor)
 *   schema.c    schema version 1, the forward migrations and their runner
 *               (what each table means is written at the top of schema.c)
 *   folder.c    accounts and folders: upsert, list with counts, lookups,
 *               sync state, rename, delete
 *   message.c   message headers and their sort keys, flags, UIDs, the
 *               page queries (by date, sender, subject, size)
 *   message-body.c  bodies, full-text search, POP3 UIDLs
 *   query-sql.c a parsed search (src/search) compiled to SQL and FTS5
 *               (its floors query-walk.c, the newest-first walk, and
 *               query-build.c, the WHERE clause)
 *   pop3-uidl.c POP3 queries joining UIDLs and messages (local deletes,
 *               dedupe without UIDL)
 *   outbox.c    messages waiting for SMTP; addresses for completion
 *   store-int.h the plumbing the .c files of src/store share (private)
 *   journal.c   the offline journal (append, replay order, batches,
 *               states) and the local row changes user actions need
 *               (move, copy, expunge, subscribe)
 *
 * Threads: a struct store is one SQLite connection and belongs to the thread
 * that opened it. Each thread opens its own: the sync worker a read-write
 * one, the UI a read-only one (WAL lets one writer and many readers work at
 * once).
 *
 * Errors: every function that can fail returns -1 (or NULL) and fills the
 * struct perr it was given (PERR_STORE, PERR_IO, PERR_NOTFOUND, ...);
 * the message starts with the database path.
 *
 * Strings going in are UTF-8, already decoded by the caller; the store never
 * decodes, sanitises or interprets them (it only derives the sort keys of
 * sender and subject from them). Strings coming out are as stored:
 * pass them through sanitize_*() before they reach a terminal.
 * A message without a Subject, or with an empty one, has subject NULL,
 * never "": every way in (IMAP, POP3, a sent copy, import) stores it so,
 * and readers test for NULL only.
 *
 * Callbacks (the store_*_cb types): they receive rows that are only valid
 * during the call (strings point into SQLite's buffers; copy what you keep).
 * Return 0 to go on; any other value stops the walk and becomes the return
 * value of the function that called you, so use values > 0 to tell "stopped
 * by me" from the store's -1. A callback may call other store functions on
 * the same connection.
 */
#ifndef POSTA_STORE_H
#define POSTA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* The schema version this posta writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION	11

struct store;

/* ---- opening ----------------------------------------------------------- */

enum store_open_flags {
	/*
	 * The sync worker's connection: creates the parent directories
	 * (0700) and the file (0600) when missing, migrates the schema
	 * forward, may write. Commits are synced to disk (synchronous=FULL):
	 * POP3 deletes a message from the server once our COMMIT returns, so
	 * a commit must survive a power cut, not only a crash of posta.
	 */
	STORE_RDWR = 0,
	/*
	 * The UI's reader: never creates, writes or migrates. Fails with a
	 * clear message when the file is missing, holds no posta schema or
	 * an older one.
	 */
	STORE_RDONLY = 1 << 0,
	/*
	 * With STORE_RDWR: synchronous=NORMAL instead of FULL. In WAL mode a
	 * power cut may then undo the last few commits (a crash of posta
	 * cannot). Only for connections whose writes can all be fetched
	 * again (tests, benchmarks, an IMAP-only importer): never for a
	 * connection that writes the journal, the outbox or POP3 mail.
	 */
	STORE_SYNC_NORMAL = 1 << 1,
};

/*
 * Open (and when read-write, create and migrate) the store at path.
 * Returns a connection that the caller closes with store_close(), or NULL
 * with err filled. A database with a newer schema than STORE_SCHEMA_VERSION
 * is refused (PERR_STORE): "PATH: database schema version N is newer than
 * this posta supports (M); upgrade posta".
 */
struct store	*store_open(const char *path, int flags, struct perr *err);
/* Close the connection; an open transaction is rolled back. NULL is fine. */
void		 store_close(struct store *);
/* The path the store was opened with (owned by the store). */
const char	*store_path(const struct store *);
/* The schema version found in the file (after migration when read-write). */
int		 store_schema_version(struct store *, struct perr *);
/*
 * SQLite's PRAGMA data_version of this connection: it changes when another
 * connection (of this process or another) commits a change to the file.
 */
int		 store_data_version(struct store *, int64_t *version,
		    struct perr *);

/*
 * A sync writes many batches in a row: store_bulk_begin() gives this
 * connection a larger page cache (32 MB instead of 2 MB) and lets the WAL
 * grow to 32 MB between automatic checkpoints (instead of 4 MB);
 * store_bulk_end() puts SQLite's defaults back and checkpoints what the
 * WAL holds (PASSIVE: it waits for no reader). Commits still sync the WAL
 * (synchronous=FULL), so what was committed is as safe as before; only
 * the copying into the main file is done less often. A read-only store
 * ignores both; store_bulk_end() without a begin does nothing.
 */
int		 store_bulk_begin(struct store *, struct perr *);
int		 store_bulk_end(struct store *, struct perr *);

/* ---- transactions ------------------------------------------------------ */

/*
 * Transactions nest. The outermost store_begin() starts a transaction
 * (BEGIN IMMEDIATE on a read-write connection, so the write lock is taken
 * at once and a busy writer is waited for here, not half-way through a
 * batch; a plain BEGIN on a read-only one, which gives the UI one
 * consistent snapshot for a page and its counts, taken at the first read
 * after store_begin()). Inner levels are savepoints: an inner
 * store_rollback() undoes only the inner level.
 *
 * Every write the sync does for one batch belongs in one transaction the
 * caller opens; functions below that make several changes wrap them in a
 * savepoint of their own, so each is atomic either way.
 *
 * If the outermost commit fails, the whole transaction is rolled back
 * before store_commit() returns -1: the batch is lost, redo it.
 * store_rollback() outside a transaction does nothing and returns 0.
 *
 * Keep a reader's transaction short (one screen): while it is open, the WAL
 * cannot be checkpointed past its snapshot and keeps growing.
 */
int	store_begin(struct store *, struct perr *);
int	store_commit(struct store *, struct perr *);
int	store_rollback(struct store *, struct perr *);
/* Current nesting depth, 0 outside any transaction. */
int	store_tx_depth(const struct store *);

/* ---- accounts ---------------------------------------------------------- */

enum store_protocol {
	STORE_IMAP = 1,
	STORE_POP3 = 2,
};

/*
 * The id of account `name`, created when missing. An account already stored
 * with another protocol is an error (PERR_STORE): its folders' remote names
 * mean nothing to the other protocol.
 */
int	store_account_ensure(struct store *, const char *name,
	    enum store_protocol, int64_t *id, struct perr *);
/* Look an account up without creating it (for the reader): PERR_NOTFOUND. */
int	store_account_find(struct store *, const char *name, int64_t *id,
	    enum store_protocol *proto, struct perr *);

/* ---- folders ----------------------------------------------------------- */

/* Values are stored in the file: append only. */
enum store_special {
	STORE_SPECIAL_NONE = 0,
	STORE_SPECIAL_INBOX,
	STORE_SPECIAL_SENT,
	STORE_SPECIAL_DRAFTS,
	STORE_SPECIAL_TRASH,
	STORE_SPECIAL_JUNK,
	STORE_SPECIAL_ARCHIVE,
	STORE_SPECIAL_ALL,
	STORE_SPECIAL_FLAGGED,
};

struct store_folder {
	int64_t			 id;
	int64_t			 account_id;
	char			*name;		/* UTF-8, what the user sees */
	char			*remote_name;	/* raw server name (modified
						   UTF-7 for IMAP); NULL for a
						   local-only folder */
	char			 delimiter;	/* hierarchy separator, 0: none */
	enum store_special	 special_use;
	bool			 subscribed;
	bool			 noselect;	/* \Noselect: a container only */
	/* Sync state, written only by store_folder_set_sync(). */
	uint32_t		 uidvalidity;	/* 0: never selected */
	uint32_t		 uidnext;
	uint64_t		 highestmodseq;	/* 0: no CONDSTORE */
	int64_t			 last_sync;	/* unix time, 0: never */
	/* Counts: filled by store_folder_list() only. */
	int64_t			 total;
	int64_t			 unread;
};

typedef int	(*store_folder_cb)(void *arg, const struct store_folder *);

/*
 * Insert or update the folder f->account_id / f->remote_name (or, when
 * remote_name is NULL, the local folder f->name): name, delimiter,
 * special_use, subscribed and noselect are written; the sync state and the
 * messages of an existing folder are kept. Sets *id (may be NULL).
 */
int	store_folder_upsert(struct store *, const struct store_folder *f,
	    int64_t *id, struct perr *);
/*
 * Every folder of an account, INBOX first then by name, with its total and
 * unread (not \Seen) counts, read from the folder rows (kept by triggers:
 * the cost does not grow with the folders' messages).
 */
int	store_folder_list(struct store *, int64_t account_id, store_folder_cb,
	    void *arg, struct perr *);
/*
 * The same folders in the same order without the counts (total and unread
 * are 0): what the sync needs. (Before schema version 10 the counts were
 * two index walks of every folder, two thirds of a no-change resync of
 * 100,000 messages; now they are two columns of the row.)
 */
int	store_folder_walk(struct store *, int64_t account_id, store_folder_cb,
	    void *arg, struct perr *);
/*
 * Lookups: fill *f (strings owned by f: release with store_folder_free()).
 * A missing folder is -1 with PERR_NOTFOUND. The counts are not filled.
 * by_special returns the oldest folder with that use.
 */
int	store_folder_get(struct store *, int64_t id, struct store_folder *f,
	    struct perr *);
int	store_folder_by_name(struct store *, int64_t account_id,
	    const char *name, struct store_folder *f, struct perr *);
int	store_folder_by_remote(struct store *, int64_t account_id,
	    const char *remote_name, struct store_folder *f, struct perr *);
int	store_folder_by_special(struct store *, int64_t account_id,
	    enum store_special, struct store_folder *f, struct perr *);
/* Free the strings inside *f (not f itself) and zero it. NULL is fine. */
void	store_folder_free(struct store_folder *f);
/*
 * Total and unread messages of one folder, read from its row (kept by
 * triggers); a folder that does not exist has 0 and 0.
 */
int	store_folder_counts(struct store *, int64_t folder_id, int64_t *total,
	    int64_t *unread, struct perr *);
int	store_folder_set_sync(struct store *, int64_t folder_id,
	    uint32_t uidvalidity, uint32_t uidnext, uint64_t highestmodseq,
	    int64_t last_sync, struct perr *);
/*
 * Rename a folder: new_remote may be NULL to keep a local folder local.
 * Renaming children of an IMAP hierarchy is the caller's business.
 */
int	store_folder_rename(struct store *, int64_t folder_id,
	    const char *new_name, const char *new_remote, struct perr *);
/* Delete a folder with its messages, bodies and search entries. */
int	store_folder_delete(struct store *, int64_t folder_id, struct perr *);
/*
 * UIDVALIDITY changed: forget every UID and modseq of the folder (the rows
 * stay, to be matched again by Message-ID with store_msg_set_uid()).
 */
int	store_folder_forget_uids(struct store *, int64_t folder_id,
	    struct perr *);

/* ---- messages ---------------------------------------------------------- */

/* Bits of store_msg.flags. Stored in the file (the unread index uses SEEN). */
enum store_flag {
	STORE_SEEN	= 1 << 0,
	STORE_ANSWERED	= 1 << 1,
	STORE_FLAGGED	= 1 << 2,
	STORE_DELETED	= 1 << 3,
	STORE_DRAFT	= 1 << 4,
	STORE_RECENT	= 1 << 5,	/* session flag; kept for display */
};

enum store_body_state {
	STORE_BODY_NONE = 0,		/* headers only */
	STORE_BODY_PARTIAL = 1,		/* some parts (reserved) */
	STORE_BODY_FULL = 2,		/* the whole RFC 5322 message */
};

/*
 * One message's header record. Strings are UTF-8 (decoded by the caller)
 * and may be NULL. Going in, the store only reads them.
 */
struct store_msg {
	int64_t			 id;		/* set by the store */
	int64_t			 folder_id;
	uint32_t		 uid;		/* 0: not known to the server */
	uint64_t		 modseq;
	char			*message_id;	/* Message-ID header, no <> */
	char			*in_reply_to;
	char			*refs;		/* References, space-separated */
	int64_t			 thread_id;	/* 0: not threaded yet */
	int64_t			 date;		/* Date: header, unix time */
	int64_t			 internal_date;	/* server arrival, unix time */
	char			*from_name;
	char			*from_addr;
	char			*to_list;	/* "Name <a@b>, c@d" as shown */
	char			*cc_list;
	char			*subject;	/* NULL: none, or empty */
	int64_t			 size;		/* RFC822.SIZE in bytes */
	unsigned		 flags;		/* enum store_flag bits */
	char			*keywords;	/* other IMAP flags, space-sep. */
	bool			 has_attachments;
	enum store_body_state	 body_state;	/* set by store_body_put() */
	char			*pop3_uidl;
	int64_t			 fetched_at;	/* when the body was stored */
	char			*problem;	/* NULL, or why it is not whole */
	/*
	 * Set by the store from the headers (ignored going in): the keys of
	 * the sender and subject orders, store_sort_from() and
	 * store_sort_subject() of message.c. Compared as bytes.
	 */
	char			*sort_from;
	char			*sort_subject;
	/*
	 * Going in only (store_msg_insert()): this sync fetches the body
	 * later, so the search index waits for it and gets the row once,
	 * whole, from store_body_put(); store_index_catch_up() indexes the
	 * headers of what still waits. Rows read back have it false.
	 */
	bool			 index_later;
};

typedef int	(*store_msg_cb)(void *arg, const struct store_msg *);

/*
 * Insert one header record (m->id is ignored). Returns 0 and sets *id when
 * inserted; returns 1 and sets *id to the existing row when the folder
 * already has m->uid (nothing is changed: IMAP's "UID FETCH n:*" returns
 * the last message again). -1 on error. id may be NULL.
 */
int	store_msg_insert(struct store *, const struct store_msg *m,
	    int64_t *id, struct perr *);
/*
 * store_msg_insert() and store_body_put_text() (raw, len, text, names as
 * there) in one
 * transaction, for a message whose body comes with its header: the
 * search index gets the message's row once, whole, where the two calls
 * would write it twice. Returns as store_msg_insert(); on 1 (the UID is
 * already stored) nothing is changed, the body is not stored either.
 */
int	store_msg_insert_body(struct store *, const struct store_msg *m,
	    const void *raw, size_t len, const char *text, const char *names,
	    int64_t *id, struct perr *);
/*
 * Fill *m from a row; strings are owned by m: release with
 * store_msg_free(). Missing: -1 with PERR_NOTFOUND.
 */
int	store_msg_get(struct store *, int64_t id, struct store_msg *m,
	    struct perr *);
int	store_msg_by_uid(struct store *, int64_t folder_id, uint32_t uid,
	    struct store_msg *m, struct perr *);
/* Free the strings inside *m (not m itself) and zero it. NULL is fine. */
void	store_msg_free(struct store_msg *m);
/*
 * Every message with this Message-ID, in folder_id or (0) anywhere, oldest
 * row first.
 */
int	store_msg_by_message_id(struct store *, const char *message_id,
	    int64_t folder_id, store_msg_cb, void *arg, struct perr *);
/*
 * The messages of account_id whose subject has the same sort key as
 * subject (store_sort_subject(): the threading's base subject, folded),
 * newest first, at most limit: the threading's candidates.
 */
int	store_msg_by_subject(struct store *, int64_t account_id,
	    const char *subject, int limit, store_msg_cb, void *arg,
	    struct perr *);
/* Every message of a thread, oldest first. */
int	store_msg_thread(struct store *, int64_t thread_id, store_msg_cb,
	    void *arg, struct perr *);
/*
 * The newest (at most limit) messages of a thread in one folder, newest
 * first: what a bounded threaded index shows of a thread too long to show
 * whole (a daily report with one subject makes one).
 */
int	store_msg_thread_newest(struct store *, int64_t thread_id,
	    int64_t folder_id, int limit, store_msg_cb, void *arg,
	    struct perr *);

/*
 * The keyset of the folder list: the (date, id) of a row already shown.
 * Pages are ordered by date then id, so equal dates never repeat or skip.
 */
struct store_page_key {
	int64_t	date;
	int64_t	id;
};

/*
 * Up to limit messages of a folder, newest first, strictly older than
 * *after (NULL: from the newest). Pass the last row's (date, id) as the next
 * after. Only the rows asked for are read.
 */
int	store_msg_page(struct store *, int64_t folder_id,
	    const struct store_page_key *after, int limit, store_msg_cb,
	    void *arg, struct perr *);
/*
 * Scrolling back up: up to limit messages strictly newer than *before,
 * delivered nearest first (oldest of them first).
 */
int	store_msg_page_newer(struct store *, int64_t folder_id,
	    const struct store_page_key *before, int limit, store_msg_cb,
	    void *arg, struct perr *);

/*
 * The orders a folder can be listed in, each total and each an index
 * scan (schema version 5), so a page costs the same anywhere in a folder
 * of any size:
 *   DATE     (date, id)
 *   FROM     (sort_from, date, id): the sender as the index shows it (the
 *            display name, else the address), case-folded
 *   SUBJECT  (sort_subject, date, id): the subject without its "Re:",
 *            "Fwd:", "[list]" prefixes (the threading's base subject),
 *            case-folded
 *   SIZE     (size, date, id)
 */
enum store_sort {
	STORE_SORT_DATE,
	STORE_SORT_FROM,
	STORE_SORT_SUBJECT,
	STORE_SORT_SIZE,
};

/* A row's place in an order: the keyset. Fill it with store_msg_sort_key. */
struct store_sort_key {
	const char	*text;		/* FROM, SUBJECT: the row's sort_from or
					   sort_subject; else unused */
	int64_t		 size;		/* SIZE; else unused */
	int64_t		 date;
	int64_t		 id;
};

/* k = m's place in order `sort`; k->text borrows m's string. */
void	store_msg_sort_key(const struct store_msg *m, enum store_sort sort,
	    struct store_sort_key *k);
/*
 * Up to limit messages of a folder in order `sort`, ascending or (desc)
 * descending, strictly after *after in that direction (NULL: from the
 * first). Pass the last row's key as the next after; the same key with the
 * other direction walks back. Only the rows asked for are read. *after is
 * read before the first row is delivered: cb may change it.
 */
int	store_msg_page_sorted(struct store *, int64_t folder_id,
	    enum store_sort sort, const struct store_sort_key *after,
	    bool desc, int limit, store_msg_cb, void *arg, struct perr *);

/*
 * Local action: add then remove flag bits. Returns 1 when the message
 * exists, 0 when it does not, -1 on error.
 */
int	store_msg_flags_change(struct store *, int64_t id, unsigned add,
	    unsigned remove, struct perr *);
/*
 * The server says: message uid of folder_id has exactly these flags
 * (keywords NULL: leave the stored keywords; "" clears them) at modseq
 * (0: leave the stored modseq). Returns 1 when updated, 0 when the folder
 * has no such uid, -1 on error.
 */
int	store_msg_flags_uid(struct store *, int64_t folder_id, uint32_t uid,
	    unsigned flags, const char *keywords, uint64_t modseq,
	    struct perr *);
/* Returns 1 when updated, 0 when there is no such message, -1 on error. */
int	store_msg_set_modseq(struct store *, int64_t folder_id, uint32_t uid,
	    uint64_t modseq, struct perr *);
/*
 * By row id: a missing row is -1 with PERR_NOTFOUND (the caller had the id
 * from us, so it is worth saying). set_uid gives a row its server UID
 * (APPENDUID, COPYUID, re-mapping by Message-ID); 0 clears it.
 */
int	store_msg_set_uid(struct store *, int64_t id, uint32_t uid,
	    struct perr *);
int	store_msg_set_thread(struct store *, int64_t id, int64_t thread_id,
	    struct perr *);
/*
 * problem: a short sentence saying why the message is not whole (shown
 * with it), or NULL when it is. store_body_put() leaves it alone: a
 * message stored raw after a parse failure keeps its marker.
 */
int	store_msg_set_problem(struct store *, int64_t id, const char *problem,
	    struct perr *);
/*
 * size: what the server really sent of a message whose RFC822.SIZE lied
 * (a body over the cap announced as small), so that the row shows it and
 * no later pass or retry asks for the body again.
 */
int	store_msg_set_size(struct store *, int64_t id, int64_t size,
	    struct perr *);
/*
 * Deletes take the body and the search entry with them. By UID, *n (may be
 * NULL) is set to the number of messages deleted (0 is not an error).
 */
int	store_msg_delete(struct store *, int64_t id, struct perr *);
int	store_msg_delete_uid(struct store *, int64_t folder_id, uint32_t uid,
	    int64_t *n, struct perr *);
/* Every message with first <= uid <= last. */
int	store_msg_delete_uids(struct store *, int64_t folder_id,
	    uint32_t first, uint32_t last, int64_t *n, struct perr *);

/* A row of store_msg_uids(); keywords may be NULL. */
struct store_uid {
	int64_t		 id;
	uint32_t	 uid;
	unsigned	 flags;
	uint64_t	 modseq;
	const char	*keywords;
};

typedef int	(*store_uid_cb)(void *arg, const struct store_uid *);

/*
 * Every message of a folder that has a UID, in ascending UID order, one at a
 * time: the flags diff of a 100,000-message folder never holds an array.
 */
int	store_msg_uids(struct store *, int64_t folder_id, store_uid_cb,
	    void *arg, struct perr *);
/* Highest UID of a folder, 0 when it has none. */
/*
 * The messages of a folder that have a UID but no stored body, newest
 * first, no older than since (unix time, 0: all; a message without a Date
 * counts by its arrival), at most max_size bytes each, and either only
 * those without a problem marker (the ones a pass downloads) or (problem)
 * only those with one (the ones a sync of one folder tries again). Served
 * by a partial index of bodiless rows, so a resync of a folder whose
 * bodies are all stored costs nothing, however large the folder.
 */
typedef int	(*store_bodiless_cb)(void *arg, int64_t id, uint32_t uid,
		    int64_t size);
int	store_msg_bodiless(struct store *, int64_t folder_id, int64_t since,
	    int64_t max_size, bool problem, store_bodiless_cb, void *arg,
	    struct perr *);
int	store_msg_max_uid(struct store *, int64_t folder_id, uint32_t *uid,
	    struct perr *);
/* Highest UID of a folder's messages without a problem, 0 when none. */
int	store_msg_whole_uid(struct store *, int64_t folder_id, uint32_t *uid,
	    struct perr *);

/* ---- bodies and search ------------------------------------------------- */

/*
 * Store the raw RFC 5322 bytes of a message (replacing any), set its
 * body_state to STORE_BODY_FULL and fetched_at to now, and index text (the
 * readable body text the caller extracted; NULL indexes nothing) for
 * search. A missing message is PERR_NOTFOUND.
 */
int	store_body_put(struct store *, int64_t id, const void *raw, size_t len,
	    const char *text, struct perr *);
/*
 * The same with the attachments' file names for the index given (names:
 * mail_index()'s, from the parse that gave text; NULL: none), where
 * store_body_put() parses raw again for them.
 */
int	store_body_put_text(struct store *, int64_t id, const void *raw,
	    size_t len, const char *text, const char *names, struct perr *);
/*
 * Index the header columns of the rows of folder_id (0: every folder)
 * whose index still waits for a body (store_msg.index_later), in one
 * transaction; *n (may be NULL) gets how many. The sync calls it when it
 * is done with a folder's bodies and at the start of a pass (a sync cut
 * short leaves some), so that every message is found by its headers.
 */
int	store_index_catch_up(struct store *, int64_t folder_id, int64_t *n,
	    struct perr *);
/*
 * The raw bytes: *raw is malloc'd (one extra NUL byte after *len, so text
 * functions may read it) and the caller frees it. No body: PERR_NOTFOUND.
 */
int	store_body_get(struct store *, int64_t id, void **raw, size_t *len,
	    struct perr *);

/*
 * Full-text search in raw FTS5 syntax, for posta's own queries (the
 * threading's subject lookups); columns subject, from, to, cc, body,
 * attachment, e.g. "from:alice perche". What users type goes through
 * store_msg_find() instead. Diacritics and case are ignored. Scope: folder_id if
 * not 0, else account_id if not 0, else everything. Newest first, at most
 * limit rows. A malformed query is PERR_STORE with SQLite's words.
 */
int	store_msg_search(struct store *, int64_t account_id, int64_t folder_id,
	    const char *query, int limit, store_msg_cb, void *arg,
	    struct perr *);

/* ---- the query language (query-sql.c) --------------------------------------- */

struct search_node;

/* Where and how much store_msg_find() looks. */
struct store_find {
	int64_t				 account_id;	/* 0: every account */
	int64_t				 folder_id;	/* 0: every folder */
	/* Keyset: only rows after this one (newest first); NULL: from the
	 * newest. */
	const struct store_page_key	*after;
	int				 limit;		/* rows; < 0: all */
	/* Rows the newest-first walk may read before giving up (see
	 * query-walk.c); 0: STORE_WALK_ROWS; < 0: never walk (the plain plan,
	 * for tests and benches that compare the two). */
	int				 walk_rows;
};
/* A text query's top rows come from a walk of the date index when they
 * are among this many newest messages of the scope. */
#define STORE_WALK_ROWS	2000

/*
 * The messages matching a parsed query (search.h), newest first (date,
 * then id), through cb. Text terms are matched by the FTS5 index (case
 * and diacritics ignored: unicode61 remove_diacritics 2), flags, dates,
 * sizes and folders by message's own columns, so a flag change or a move
 * is seen by the next call. Nothing of the query is spliced into SQL.
 */
int	store_msg_find(struct store *, const struct search_node *q,
	    const struct store_find *f, store_msg_cb, void *arg,
	    struct perr *);
/* How many messages match (f->after and f->limit are ignored). */
int	store_msg_find_count(struct store *, const struct search_node *q,
	    const struct store_find *f, int64_t *n, struct perr *);
/*
 * A window of the index over the messages matching q (NULL: all of them)
 * in folder_id (0: every folder), only thread_id's (0: any thread): the
 * same keyset pages as store_msg_page_sorted(), so a limited folder or a
 * search across every folder scrolls like a folder, reading only the rows
 * asked for.
 */
struct store_window {
	const struct search_node	*q;
	int64_t				 folder_id;
	int64_t				 thread_id;
	int				 walk_rows;	/* as store_find's */
};
int	store_msg_find_page(struct store *, const struct store_window *,
	    enum store_sort sort, const struct store_sort_key *after,
	    bool desc, int limit, store_msg_cb, void *arg, struct perr *);
/*
 * Which of the n messages ids (at most STORE_FIND_IDS_MAX) match q:
 * match[i] for ids[i]. One statement for a screenful of rows, so walking a
 * folder for the next match costs a query per block, not per row.
 */
#define STORE_FIND_IDS_MAX	1000
int	store_msg_find_ids(struct store *, const struct search_node *q,
	    const int64_t *ids, size_t n, bool *match, struct perr *);
/*
 * The WHERE clause q compiles to, its parameters appended in brackets:
 * for tests and `posta search --explain`. Malloc'd; the caller frees.
 */
char	*store_find_sql(const struct search_node *q);

/* ---- POP3 ---------------------------------------------------------------- */

/*
 * POP3 identity: a UIDL is recorded in the same transaction as its message,
 * and only after that transaction commits may DELE be sent for it.
 */
/* *known = whether the account already has this UIDL. */
int	store_pop3_known(struct store *, int64_t account_id, const char *uidl,
	    bool *known, struct perr *);
/* Record a UIDL first seen at `when` (an existing one is kept). */
int	store_pop3_add(struct store *, int64_t account_id, const char *uidl,
	    int64_t when, struct perr *);
/*
 * The server has deleted it (after the QUIT that followed DELE); an unknown
 * UIDL is PERR_NOTFOUND.
 */
int	store_pop3_mark_deleted(struct store *, int64_t account_id,
	    const char *uidl, struct perr *);
typedef int	(*store_uidl_cb)(void *arg, const char *uidl, int64_t first_seen);
/* UIDLs still on the server first seen before `before` (pop3_keep days:N). */
int	store_pop3_older(struct store *, int64_t account_id, int64_t before,
	    store_uidl_cb, void *arg, struct perr *);

/* ---- POP3 and messages (pop3-uidl.c) -------------------------------------- */

/*
 * UIDLs still on the server (not marked deleted) whose message is in no
 * folder of the account any more: the user deleted it here. With
 * pop3_delete_when_deleted_locally the sync deletes these on the server.
 * Oldest first; cb as for store_pop3_older().
 */
int	store_pop3_orphans(struct store *, int64_t account_id, store_uidl_cb,
	    void *arg, struct perr *);
/*
 * *found = the account has a message with this Message-ID (no <>) and
 * exactly this size: how a server without UIDL is deduplicated. A NULL or
 * empty message_id is never found.
 */
int	store_pop3_has_message(struct store *, int64_t account_id,
	    const char *message_id, int64_t size, bool *found, struct perr *);
/*
 * The server now gives uidl to a message known until now by the header
 * hash pseudo (its UIDL was missing or duplicated): record uidl with
 * pseudo's first_seen, and move the account's messages stored under pseudo
 * (with this Message-ID, or NULL when it has none) to uidl. pseudo stays
 * recorded. Call inside a transaction. Returns 0; 1 when no message is
 * stored under pseudo (pseudo is only the second identity of a message
 * stored under another UIDL, or was recorded for a message stored some
 * other way): then nothing is recorded, since a UIDL no message holds
 * reads as deleted here, and the caller stores the message instead;
 * -1 with err set.
 */
int	store_pop3_adopt(struct store *, int64_t account_id, const char *pseudo,
	    const char *uidl, const char *message_id, struct perr *);

/* ---- journal (journal.c) ------------------------------------------------- */

/*
 * The offline journal (ARCHITECTURE 4, doc/SYNC-RULES.md): one entry per
 * user action on an IMAP account, in replay order (id). A user action is
 * one transaction that changes the local rows and appends its entries, so
 * the user sees the result at once, online or not; the sync replays the
 * entries in order and deletes each only when the server has confirmed it.
 *
 * An entry names its targets twice:
 *   by row    message_id: the local row that shows the action's result
 *             (the flagged row; the moved row, now in dest; the new copy;
 *             the expunged row), 0 once that row is gone (SET NULL);
 *             folder_id, dest_folder_id: 0 once the folder row is gone;
 *   by value  folder_name, uid, dest_name: the remote names and the UID at
 *             the time of the action, which is what replay sends. uid 0:
 *             the message had no UID yet (an earlier entry's result); the
 *             replay learns it while replaying that entry (COPYUID), or
 *             finds it by Message-ID.
 */
enum store_jop {
	STORE_JOP_UNKNOWN = 0,	/* an op this posta cannot read */
	STORE_JOP_FLAGS,	/* UID STORE +flags_add -flags_remove, keywords */
	STORE_JOP_MOVE,		/* folder_name:uid -> dest_name */
	STORE_JOP_COPY,		/* folder_name:uid -> dest_name (new row) */
	STORE_JOP_EXPUNGE,	/* remove folder_name:uid for good */
	STORE_JOP_FOLDER_CREATE, /* CREATE folder_name, then SUBSCRIBE it */
	STORE_JOP_FOLDER_RENAME, /* RENAME folder_name -> dest_name */
	STORE_JOP_FOLDER_DELETE, /* UNSUBSCRIBE, then DELETE folder_name */
	STORE_JOP_SUBSCRIBE,	/* SUBSCRIBE folder_name */
	STORE_JOP_UNSUBSCRIBE,	/* UNSUBSCRIBE folder_name */
	STORE_JOP_APPEND,	/* APPEND message_id's body to folder_name */
};

/* Stored in the file: 0 pending, 1 sent and awaiting the answer, 2 failed. */
enum store_jstate {
	STORE_JPENDING = 0,
	STORE_JSENT = 1,
	STORE_JFAILED = 2,
};

struct store_journal {
	int64_t			 id;		/* set by the store */
	int64_t			 account_id;
	enum store_jop		 op;
	int64_t			 message_id;	/* 0: none, or gone */
	int64_t			 folder_id;	/* 0: none, or gone */
	char			*folder_name;	/* remote name then */
	uint32_t		 uid;		/* 0: unknown */
	int64_t			 dest_folder_id;
	char			*dest_name;
	unsigned		 flags_add;	/* enum store_flag bits */
	unsigned		 flags_remove;
	char			*keywords_add;	/* space-separated, or NULL */
	char			*keywords_remove;
	int64_t			 created_at;	/* unix time; 0: now */
	int			 attempts;
	char			*last_error;
	enum store_jstate	 state;
};

typedef int	(*store_journal_cb)(void *arg, const struct store_journal *);

/* "flags", "move", ... "subscribe": for people and logs. */
const char	*store_jop_name(enum store_jop);
/*
 * Append an entry (e->id, attempts, last_error and state are ignored: a new
 * entry is pending). Call it inside the transaction that makes the local
 * change. Sets *id (may be NULL).
 */
int	store_journal_append(struct store *, const struct store_journal *e,
	    int64_t *id, struct perr *);
/* One entry; strings owned by e: release with store_journal_free(). */
int	store_journal_get(struct store *, int64_t id, struct store_journal *e,
	    struct perr *);
void	store_journal_free(struct store_journal *e);
/*
 * Every entry of an account (0: of every account) in replay order, waiting
 * and failed alike (for posta journal), streamed.
 */
int	store_journal_list(struct store *, int64_t account_id,
	    store_journal_cb, void *arg, struct perr *);
/*
 * The next batch to replay: the first waiting (pending or sent) entry of
 * the account and the ones right after it (in id order, failed entries
 * skipped) that one command can carry with it, at most max: the same op
 * (flags, move, copy or expunge), state, folder_name, dest_name, flag and
 * keyword change, each with a known UID. Folder ops and entries without a
 * UID come alone. Nothing waiting: cb is not called and 0 is returned.
 */
int	store_journal_batch(struct store *, int64_t account_id, int max,
	    store_journal_cb, void *arg, struct perr *);
/* Entries waiting (pending or sent) and failed; either pointer may be NULL. */
int	store_journal_count(struct store *, int64_t account_id,
	    int64_t *waiting, int64_t *failed, struct perr *);
/*
 * Replay bookkeeping. sent: about to be sent (a crash leaves it sent: check
 * the server before sending again). done: confirmed, the entry is deleted.
 * failed: the server refused it; kept with the error for the user,
 * attempts + 1. defer: not sent for a passing reason (connection lost),
 * back to pending with the error noted, attempts + 1. A missing id is
 * PERR_NOTFOUND.
 */
int	store_journal_sent(struct store *, int64_t id, struct perr *);
int	store_journal_done(struct store *, int64_t id, struct perr *);
int	store_journal_failed(struct store *, int64_t id, const char *error,
	    struct perr *);
int	store_journal_defer(struct store *, int64_t id, const char *error,
	    struct perr *);
/*
 * The user's choice for a failed entry: retry puts it back to pending,
 * drop deletes it (the server never sees it; the next pull shows the
 * server's state again). account_id 0: any account. PERR_NOTFOUND names
 * the id.
 */
int	store_journal_retry(struct store *, int64_t account_id, int64_t id,
	    struct perr *);
int	store_journal_drop(struct store *, int64_t account_id, int64_t id,
	    struct perr *);
/*
 * The replay resolved the UID entry id acts on: record it in the
 * transaction that marks the entry sent, so that a check after a crash asks
 * the server about that very message.
 */
int	store_journal_set_uid(struct store *, int64_t id, uint32_t uid,
	    struct perr *);
/*
 * Row from_id is being replaced by row to_id (the same message stored
 * again): its journal entries follow it, so a pending action still acts
 * on the message. Call before from_id is deleted, in the same transaction.
 */
int	store_journal_repoint(struct store *, int64_t from_id, int64_t to_id,
	    struct perr *);
/*
 * Entry after_id put row message_id into folder (remote name) under uid:
 * the row's later entries there without a UID get it, up to and including
 * its next move or expunge (a later visit has another UID). Written in the
 * transaction that settles after_id, so it survives a crash.
 */
int	store_journal_place(struct store *, int64_t after_id,
	    int64_t message_id, const char *folder, uint32_t uid,
	    struct perr *);
/*
 * folder_id's UIDVALIDITY changed: its UIDs in waiting and failed entries
 * mean nothing now; they become 0 (resolved again by Message-ID).
 */
int	store_journal_forget_uids(struct store *, int64_t folder_id,
	    struct perr *);
/*
 * *held = an entry not yet done names row message_id: the pull must not
 * drop such a row for lacking a UID (it waits for its move or copy).
 */
int	store_journal_holds(struct store *, int64_t message_id, bool *held,
	    struct perr *);
/*
 * The pull has written the server's flags of folder_id (0: every folder of
 * the account): put the flag changes of the entries still waiting or
 * failed back on top, in order (the per-flag merge of SYNC-RULES).
 */
int	store_journal_reapply_flags(struct store *, int64_t account_id,
	    int64_t folder_id, struct perr *);

/* The local side of user actions, for src/app (journal.c). */

/*
 * Move row id to folder dest: it loses its UID and modseq (the server
 * gives the new ones); body, search text and POP3 UIDL stay with it.
 */
int	store_msg_move(struct store *, int64_t id, int64_t dest_folder_id,
	    struct perr *);
/*
 * A copy of row id in folder dest, without a UID, with its body and search
 * text; *new_id (may be NULL) is the new row.
 */
int	store_msg_copy(struct store *, int64_t id, int64_t dest_folder_id,
	    int64_t *new_id, struct perr *);
/* Every \Deleted message of a folder (cb as for store_msg_uids; uid 0: none). */
int	store_msg_deleted(struct store *, int64_t folder_id, store_uid_cb,
	    void *arg, struct perr *);
int	store_folder_set_subscribed(struct store *, int64_t folder_id,
	    bool subscribed, struct perr *);

/* ---- outbox and addresses (outbox.c) ------------------------------------ */

/*
 * The outbox: messages waiting for SMTP, whole, as built (Bcc header
 * included: the envelope is read from them at submission). Adding one is a
 * single INSERT, atomic by itself and inside the caller's transaction.
 *
 * A row's state (stored as these numbers, schema version 4):
 *   WAITING  to be submitted at the next flush;
 *   FAILED   the last try failed for a reason that may pass (no
 *            connection, a 4xx reply): tried again at the next flush;
 *   UNKNOWN  a submission started and was never confirmed: it may have
 *            been delivered, so it is never sent again automatically;
 *   REFUSED  the server refused it for good (a 5xx reply, over its SIZE):
 *            never sent again automatically either.
 * store_outbox_retry() (the user's decision) makes a row WAITING again.
 * last_error has the reason (the server's words) in every state but
 * WAITING. rcpt is NULL until a submission reached some recipients and
 * not others; then it lists those still to be served, one per line, and
 * the next submission goes to them only. When some of those were refused
 * for now and others for good, the row is split: one row (FAILED) for the
 * first, one (REFUSED) for the others, the same message in each, so one
 * part is tried again by itself while the other is held.
 */
enum store_outbox_state {
	STORE_OUTBOX_WAITING = 0,
	STORE_OUTBOX_FAILED = 1,
	STORE_OUTBOX_UNKNOWN = 2,
	STORE_OUTBOX_REFUSED = 3,
};

struct store_outbox {
	int64_t			 id;
	int64_t			 account_id;
	int64_t			 created_at;	/* unix time */
	int			 attempts;
	enum store_outbox_state	 state;
	char			*last_error;	/* NULL while WAITING */
	const char		*rcpt;		/* NULL: every recipient */
	const void		*raw;		/* the message, size bytes */
	size_t			 size;
};
/* Rows are valid during the call only (strings and raw point into SQLite). */
typedef int	(*store_outbox_cb)(void *arg, const struct store_outbox *);

/* Queue raw[0..len) for account_id; *id (may be NULL) gets its id. */
int	store_outbox_add(struct store *, int64_t account_id, const void *raw,
	    size_t len, int64_t *id, struct perr *);
/* Every row of an account (0: of all), oldest first. */
int	store_outbox_list(struct store *, int64_t account_id,
	    store_outbox_cb, void *arg, struct perr *);
/*
 * One message: *raw malloc'd (NUL after *len bytes; the caller frees);
 * account_id and state may be NULL. Missing: PERR_NOTFOUND.
 */
int	store_outbox_get(struct store *, int64_t id, int64_t *account_id,
	    enum store_outbox_state *state, void **raw, size_t *len,
	    struct perr *);
/*
 * Submission bookkeeping (a missing id is PERR_NOTFOUND):
 *   sending  right before the message goes out, it claims the row: UNKNOWN
 *            until the outcome is written, so a crash cannot lead to a
 *            resend. Only a WAITING or FAILED row can be claimed: 1 (and
 *            nothing changed) for any other, or for a row that is gone
 *            (another posta may have claimed it first). *rcpt (may be
 *            NULL) gets the recipients to serve as of the claim (malloc'd;
 *            NULL: every recipient of the message);
 *   failed   not sent: attempts + 1, FAILED with error;
 *   refused  not sent, for good: attempts + 1, REFUSED with error;
 *   unknown  the outcome cannot be known: attempts + 1, UNKNOWN with error;
 *   set_rcpt some recipients took it: rcpt (one per line) are those left;
 *   split    a new row for rcpt (one per line), taken from row id: the
 *            same account, message, date and attempts + 1, in state with
 *            error; *new_id (may be NULL) gets its id. The caller gives
 *            row id its own rcpt and state in the same transaction, so
 *            that every recipient is in exactly one row;
 *   remove   sent (or dropped by the user): the row is deleted.
 * retry and remove take account_id (0: any) so that a user's command
 * cannot touch another account's row by mistake. retry refuses a row whose
 * claim is held by a posta process still running (it is being sent now:
 * queued again it would go twice); a claim whose process is gone (a crash
 * mid-send) can be retried, the user deciding the message may go twice.
 * drop is the user's remove, with retry's guard (a message being sent
 * cannot be dropped: it is going anyway); remove is the sender's own.
 */
int	store_outbox_sending(struct store *, int64_t id, char **rcpt,
	    struct perr *);
int	store_outbox_failed(struct store *, int64_t id, const char *error,
	    struct perr *);
int	store_outbox_refused(struct store *, int64_t id, const char *error,
	    struct perr *);
int	store_outbox_unknown(struct store *, int64_t id, const char *error,
	    struct perr *);
int	store_outbox_set_rcpt(struct store *, int64_t id, const char *rcpt,
	    struct perr *);
int	store_outbox_split(struct store *, int64_t id, const char *rcpt,
	    enum store_outbox_state state, const char *error, int64_t *new_id,
	    struct perr *);
int	store_outbox_retry(struct store *, int64_t account_id, int64_t id,
	    struct perr *);
int	store_outbox_remove(struct store *, int64_t account_id, int64_t id,
	    struct perr *);
int	store_outbox_drop(struct store *, int64_t account_id, int64_t id,
	    struct perr *);
/* Rows to send (WAITING, FAILED) and held (UNKNOWN, REFUSED); either may
 * be NULL. */
int	store_outbox_count(struct store *, int64_t account_id,
	    int64_t *waiting, int64_t *held, struct perr *);

/*
 * Addresses for completion. note: the user wrote to addr (name may be NULL)
 * at `when`: use_count + 1. complete: addresses whose address, or a word of
 * whose name, starts with prefix (case-insensitive for ASCII), from the
 * address table and the senders of stored messages together, most used
 * first, at most limit (0: all). Strings valid during the call only.
 */
int	store_address_note(struct store *, const char *addr, const char *name,
	    int64_t when, struct perr *);
typedef int	(*store_address_cb)(void *arg, const char *addr,
		    const char *name, int64_t uses);
int	store_address_complete(struct store *, const char *prefix, int limit,
	    store_address_cb, void *arg, struct perr *);

#endif
