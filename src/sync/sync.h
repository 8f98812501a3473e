/*
 * sync.h - the face of src/sync: bringing an account's mail into the store.
 *
 *   sync.c         the engine: one pass over an account (folders, then
 *                  headers and flags of each folder, then bodies per the
 *                  account's offline policy, newest first)
 *   choose.c       which folders a pass pulls (sync-int.h: private to
 *                  the engine; it names the engine's floors)
 *   sync-conn.c, sync-replay.c, sync-lock.c, sync-util.c  the worker's
 *                  connection, the journal's replay, the lock between
 *                  processes, the bits every file shares
 *   drv.h          private: struct account_ops, the drivers' one table
 *   drv-imap*.c    the IMAP driver (src/net + src/store): QRESYNC, else
 *                  CONDSTORE, else a full UID+FLAGS diff; UIDVALIDITY
 *                  re-mapping by Message-ID (its files: drv-imap.h)
 *   special.c      folder names: special use from RFC 6154 attributes,
 *                  XLIST, then names (English and Italian, under a
 *                  namespace prefix too); the name shown for a server
 *                  name, without the namespace prefix, and back
 *   drv-pop3*.c    the POP3 driver: the maildrop into the local Inbox,
 *                  DELE per pop3_keep only after a durable commit
 *   threader.c     thread_id of a newly stored message: References, then
 *                  the base subject within a few weeks, else a thread of
 *                  its own
 *   ingest.c       the one way a message enters the store (header
 *                  columns, search text, problem, body, thread)
 *
 * Safety: every batch of changes is one store transaction, and a folder's
 * sync state (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ) is written only after
 * the changes it describes are committed, so a pass killed at any point
 * leaves a consistent store and the next pass carries on from there
 * without duplicates.
 *
 * Threads: a sync pass runs on the thread that calls it and uses the store
 * connection it is given (read-write) and its own network connection. A
 * struct sync_conn (the account worker's connection that stays open for
 * IDLE) belongs to one thread too; only sync_conn_cancel() may be called
 * from another one.
 */
#ifndef POSTA_SYNC_H
#define POSTA_SYNC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "util/config.h"
#include "store/store.h"

/* ---- one pass ---------------------------------------------------------- */

enum sync_phase {
	SYNC_CONNECT,		/* connecting and logging in */
	SYNC_FOLDERS,		/* listing and reconciling folders */
	SYNC_HEADERS,		/* a folder: new headers, flags, expunges */
	SYNC_FOLDER_DONE,	/* a folder's headers are done: counts final */
	SYNC_BODIES,		/* a folder: bodies per the offline policy */
	SYNC_BODIES_DONE,	/* a folder's bodies are done */
	SYNC_JOURNAL,		/* replaying the offline journal: done of
				   total entries (first in a pass) */
};

/*
 * Progress, reported often (at least once per batch). Strings are only
 * valid during the callback; folder names are UTF-8 as stored (sanitise
 * before printing).
 */
struct sync_progress {
	const char	*account;
	const char	*folder;	/* NULL for SYNC_CONNECT, SYNC_FOLDERS */
	int64_t		 folder_id;	/* the folder's row; 0 with no folder */
	enum sync_phase	 phase;
	uint64_t	 done;		/* messages (or bodies) done so far */
	uint64_t	 total;		/* ... out of; 0 when unknown */
	/* What changed in this folder in this pass. */
	uint64_t	 added;		/* new messages stored */
	uint64_t	 unseen;	/* ... of them without \Seen */
	uint64_t	 changed;	/* messages whose flags changed */
	uint64_t	 expunged;	/* deleted because the server lost them */
	uint64_t	 bodies;	/* bodies stored */
	uint64_t	 bytes;		/* ... of so many bytes */
	/*
	 * Messages stored with a problem (store_msg.problem) because the
	 * server's reply about them could not be parsed; each also comes
	 * with a note, once per pass.
	 */
	uint64_t	 problems;
	bool		 full;		/* the full UID+FLAGS listing was used */
	/*
	 * In a pass: this folder's place in the pass's list (from 1) of
	 * folders, and the new messages the pass stored in the folders
	 * before it (the whole pass's so far: pass_added + added). 0
	 * outside a pass (a watch's or a check's pull).
	 */
	size_t		 folder_no, folders;
	uint64_t	 pass_added;
	/*
	 * A warning for the user (what a POP3 mode does to the server, a
	 * server without UIDL), else NULL. Not a phase: print it and go on.
	 */
	const char	*note;
};
typedef void	(*sync_progress_cb)(void *arg, const struct sync_progress *);

struct sync_opts {
	/*
	 * Only this folder (its name as shown, UTF-8); NULL: INBOX, every
	 * subscribed folder and every special-use one.
	 */
	const char		*folder;
	/* Append the IMAP commands sent to this file (tests); NULL: none. */
	const char		*trace;
	sync_progress_cb	 progress;	/* may be NULL */
	void			*arg;
};

/* Totals of one pass over an account. */
struct sync_stats {
	uint64_t	folders;	/* folders pulled */
	uint64_t	added, changed, expunged;
	uint64_t	bodies, bytes;
	uint64_t	problems;	/* see sync_progress.problems */
	uint64_t	failed_folders;	/* skipped because of an error */
};

/*
 * One sync pass over acct into st (opened read-write): connect, reconcile
 * the folder list, pull every folder chosen by opts, fetch bodies per the
 * account's offline policy, disconnect. stats (may be NULL) gets the
 * totals. Returns 0, or -1 with err set; a folder that fails without
 * breaking the connection is skipped (counted in failed_folders, the first
 * such error is returned after the pass as -1 too).
 */
int	sync_account(struct store *st, const struct account *acct,
	    const struct sync_opts *opts, struct sync_stats *stats,
	    struct perr *err);

/* ---- a connection that stays open (the account worker) ----------------- */

/*
 * sync_account() is sync_conn_open() + sync_conn_pass() + sync_conn_close().
 * The account worker keeps the connection between passes, fetches single
 * bodies on demand, and waits for the server's news on one folder with
 * sync_conn_watch() (IDLE, else NOOP polling).
 */
struct sync_conn;

/*
 * Connect acct and log in, with st (read-write) as the store. opts is
 * borrowed for the connection's life (progress goes to its callback).
 * Returns a connection for sync_conn_close(), or NULL with err set.
 */
struct sync_conn *sync_conn_open(struct store *st, const struct account *acct,
		    const struct sync_opts *opts, struct perr *err);
/*
 * One pass: replay the offline journal, reconcile the folder list, pull
 * every folder opts->folder chooses (see struct sync_opts), then bodies.
 * As sync_account() for stats and errors.
 */
int	sync_conn_pass(struct sync_conn *, struct sync_stats *stats,
	    struct perr *err);
/*
 * Replay the account's waiting journal entries (a pass does it first).
 * Returns 0 (entries the server refused are failed, not an error here),
 * or -1 with err set when the connection failed.
 */
int	sync_conn_replay(struct sync_conn *, struct perr *err);
/*
 * Fetch the body of message id (UID FETCH BODY.PEEK[]) into the store.
 * PERR_NOTFOUND: the message is gone, or not on the server yet.
 */
int	sync_conn_fetch_body(struct sync_conn *, int64_t id, struct perr *err);

/* What sync_conn_watch() saw. */
enum sync_watch {
	SYNC_WATCH_TIMEOUT,	/* nothing within timeout_ms */
	SYNC_WATCH_PULLED,	/* the folder was pulled (news, or first time):
				   progress said what changed */
	SYNC_WATCH_WOKEN,	/* wake_fd became readable (not drained) */
};
/*
 * Wait up to timeout_ms for news on the folder named folder (as shown;
 * NULL: INBOX): IDLE when the server has it (re-issued well before 29
 * minutes), else NOOP every SYNC_POLL_MS. On news, or when the folder is
 * not the one selected, the folder is pulled (headers, flags, expunges,
 * bodies per the offline policy) and progress reports it. Returns an enum
 * sync_watch, or -1 with err set.
 */
#define SYNC_POLL_MS	(30 * 1000)
int	sync_conn_watch(struct sync_conn *, const char *folder, int wake_fd,
	    int timeout_ms, struct perr *err);
/*
 * The periodic check (check_interval): every folder a pass would pull but
 * the one named skip (as shown; the watched one, NULL: none) is asked for
 * its state (IMAP STATUS: UIDVALIDITY, UIDNEXT, MESSAGES, HIGHESTMODSEQ)
 * and pulled, as sync_conn_watch() pulls, only when that differs from the
 * store's. *pulled (may be NULL) gets how many were pulled. A folder that
 * fails alone is skipped; returns 0, or -1 with err set (the first such
 * error, or the connection's).
 */
int	sync_conn_check(struct sync_conn *, const char *skip, size_t *pulled,
	    struct perr *err);
/*
 * From any thread, while the connection is open: make every network wait
 * of the connection fail at once (sticky). Its owner then gets an error,
 * and sync_conn_close() sends nothing more.
 */
void	sync_conn_cancel(struct sync_conn *);
/* After an error: is the connection still usable? */
bool	sync_conn_broken(const struct sync_conn *);
/* Log out (unless broken or cancelled) and free. NULL is fine. */
void	sync_conn_close(struct sync_conn *);

/* ---- which folders a pass pulls ----------------------------------------- */

/*
 * Does a pass without --folder pull f, per acct's folders setting? INBOX
 * always; FOLDERS_SUBSCRIBED: the subscribed and special-use folders;
 * FOLDERS_ALL: every selectable one but a \All folder (Gmail's "All Mail"
 * would hold every message twice); a pattern: the folders it matches,
 * and a \All folder only when named exactly. POP3: the local Inbox.
 */
bool	sync_folder_chosen(const struct account *acct,
	    const struct store_folder *f);
/*
 * Does name (as shown) match pattern: '*' any text, '%' any text without
 * delim (0: none), every other byte itself (case matters). O(len^2) at
 * most, no recursion.
 */
bool	sync_folder_match(const char *pattern, const char *name, char delim);

/* ---- special-use folders (special.c) ----------------------------------- */

/*
 * The use named by a mailbox's attributes (enum imap_mbx_attr bits from
 * src/net), STORE_SPECIAL_NONE when none.
 */
enum store_special sync_special_from_attrs(unsigned attrs);
/*
 * The use a folder's name suggests, for servers without SPECIAL-USE or
 * XLIST: "Sent", "Sent Items", "Posta inviata", "Bozze", "Cestino",
 * "Posta indesiderata"... in any case, at the top level or right under the
 * personal namespace prefix (prefix, e.g. "INBOX.") or under INBOX (with
 * the delimiter delim). name is UTF-8 (decoded). "INBOX" is
 * STORE_SPECIAL_INBOX.
 */
enum store_special sync_special_from_name(const char *name,
		    const char *prefix, char delim);
/*
 * The name shown for the server folder raw (modified UTF-7) of an account
 * whose personal namespace prefix is prefix ("INBOX." on Courier and
 * Cyrus; "" or NULL: none): without the prefix, decoded to UTF-8, the
 * server's separator kept ("INBOX.Lavoro.Caff&AOg-" is "Lavoro.Caffè").
 * "INBOX" stays "INBOX", and so does the prefix when dropping it would
 * leave nothing or "INBOX". A name that is not valid modified UTF-7 is
 * shown sanitised as it is. Returns a malloc'd string the caller frees.
 */
char	*sync_folder_shown(const char *raw, const char *prefix);
/*
 * The inverse: the server name of the folder shown as name (prefix + name
 * in modified UTF-7; "INBOX" for INBOX). Returns a malloc'd string, or
 * NULL when name is not valid UTF-8.
 */
char	*sync_folder_remote(const char *name, const char *prefix);
/*
 * The namespace prefix a stored server folder reveals: remote_name less
 * the encoding of the name shown ("INBOX." for "Cestino" and
 * "INBOX.Cestino"); NULL when they are the same (no prefix, or INBOX).
 * Lets src/app name a new folder without a connection. malloc'd.
 */
char	*sync_folder_prefix(const char *name, const char *remote_name);

/* ---- threading (threader.c) -------------------------------------------- */

/*
 * Threads are found through the store's Message-ID index; a threader also
 * remembers, for one pass, the Message-IDs that stored messages referred
 * to but that were not stored yet, so that a parent stored after its reply
 * joins the reply's thread.
 */
struct sync_threader;

/* A threader for a pass over account_id; free with sync_threader_free(). */
struct sync_threader *sync_threader_new(int64_t account_id);
void	sync_threader_free(struct sync_threader *);
/*
 * Give message id (just stored; m is what was stored, m->thread_id
 * ignored) its thread: that of a message with the same Message-ID, or of
 * the nearest message its In-Reply-To / References name; else the thread
 * whose earlier message named this one; else that of a message of the
 * account with the same base subject no more than SYNC_THREAD_WINDOW
 * seconds apart; else a new thread (its id is the message's id). Threads
 * that m joins together are merged. *thread_id (may be NULL) gets the
 * result.
 */
#define SYNC_THREAD_WINDOW	(28 * 86400)
int	sync_thread_assign(struct store *, struct sync_threader *, int64_t id,
	    const struct store_msg *m, int64_t *thread_id, struct perr *);

/* ---- one way into the store (ingest.c) --------------------------------- */

/*
 * Every message that enters the store goes through here: IMAP (its
 * ENVELOPE, or its raw source), POP3, import, and the local copies of a
 * sent or postponed message. So the columns read from a header, the
 * search text and its bound, the problem of a message too complex to read
 * whole and the thread are made one way, whichever way mail came in.
 * Messages over MAIL_MSG_MAX (mail.h) are refused before they get here.
 */

/* The search text kept of one message (mail_index()'s text_max). */
#define SYNC_INGEST_TEXT_MAX	((size_t)1 << 20)

/* What the search index keeps of a body, from the message's one parse. */
struct sync_text {
	char	*body;		/* the readable text, NULL: none */
	char	*names;		/* the attachments' file names, NULL: none */
};
/* Free what t holds (not t) and zero it. */
void	sync_text_free(struct sync_text *t);

/*
 * Fill m's columns from raw's header, from one parse: Message-ID,
 * In-Reply-To, References, Date, From, To, Cc, Subject (each NULL when
 * missing or empty), has_attachments, size (len), and problem when the
 * message is too complex to read whole, unless m has one already. Those
 * fields must be NULL (or 0) on entry; the rest of m stays the caller's.
 * *t gets the search text and file names. The caller frees what m holds
 * (store_msg_free()) and t (sync_text_free()). Returns 0, or -1 with err
 * set (raw NULL).
 */
int	sync_ingest_parse(const char *raw, size_t len, struct store_msg *m,
	    struct sync_text *t, struct perr *err);
/*
 * Insert m as a new row, raw (NULL: none yet, e.g. an IMAP ENVELOPE) as
 * its body with t (NULL: nothing) for the search index, and give it a
 * thread (th: the pass's threader), in the caller's transaction. *id gets
 * the row. Returns 0; 1 when m's folder already has m->uid (nothing
 * stored, *id is that row); -1 with err set.
 */
int	sync_ingest_store(struct store *st, struct sync_threader *th,
	    const struct store_msg *m, const char *raw, size_t len,
	    const struct sync_text *t, int64_t *id, struct perr *err);
/*
 * Both: raw parsed into m (as sync_ingest_parse(); m comes with its
 * folder, UID, flags and dates) and stored (as sync_ingest_store()).
 * The caller frees m with store_msg_free(). Same returns.
 */
int	sync_ingest_raw(struct store *st, struct sync_threader *th,
	    struct store_msg *m, const char *raw, size_t len, int64_t *id,
	    struct perr *err);
/*
 * raw as the body of row id, stored before without one (from IMAP's
 * ENVELOPE): its search text and its problem (when too complex to read
 * whole) from the same parse as sync_ingest_parse(); the header columns
 * stay. A message that cannot be parsed is stored with no search text.
 * In the caller's transaction, if any. Returns 0, or -1 with err set (a
 * missing row is PERR_NOTFOUND).
 */
int	sync_ingest_body(struct store *st, int64_t id, const char *raw,
	    size_t len, struct perr *err);

/* ---- addresses (drv-imap-fetch.c) ------------------------------------------ */

/*
 * The To or Cc list of an ENVELOPE as stored and shown: "Name <a@b>, c@d"
 * (names RFC 2047-decoded), malloc'd for the caller to free, NULL when n is
 * 0. Linear in n. A header is stored up to SYNC_ADDR_LIST_MAX bytes of
 * whole addresses; those past that are left out and counted in a last
 * sentence, SYNC_ADDR_LIST_CUT (the list, then how many are left out), so
 * the row says it was cut; SYNC_ADDR_LIST_NONE when not even the first
 * fits.
 */
struct imap_addr;
#define SYNC_ADDR_LIST_MAX	((size_t)64 << 10)
#define SYNC_ADDR_LIST_CUT	"%s (and %zu more addresses, not stored)"
#define SYNC_ADDR_LIST_NONE	"(%zu addresses, not stored: too long)"
char	*sync_addr_list(const struct imap_addr *v, size_t n);

/* ---- POP3 (drv-pop3.c) -------------------------------------------------- */

/*
 * For people, before mail is removed: what acct's pop3_keep (and
 * pop3_delete_when_deleted_locally) will do to the mail on the server, how
 * to keep it there, and that posta's store is then the only copy and needs
 * a backup. NULL when nothing is ever deleted (IMAP, or pop3_keep = yes).
 * Returns a malloc'd paragraph the caller frees.
 */
char	*sync_pop3_warning(const struct account *acct);

#endif
