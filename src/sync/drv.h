/*
 * drv.h - private to src/sync: the table every protocol driver fills
 * (struct account_ops) and the session the engine hands it. Included by
 * sync.c and the drivers (drv-imap*.c, drv-pop3*.c), by nothing outside
 * src/sync.
 *
 * All memory passed to a driver stays its caller's; what a driver
 * allocates for a session lives in s->be and is freed by its close().
 */
#ifndef POSTA_SYNC_DRV_H
#define POSTA_SYNC_DRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "sync/sync.h"

/*
 * The protocol drivers behind one table (mbsync's struct driver, NeoMutt's
 * MxOps): sync.c calls only these, and a backend never decides policy
 * (which folders, which bodies, in which order).
 */
struct sync_session;

/*
 * What a driver's apply_journal returns, and the replay's own steps that
 * pass it up (isync's DRV_* codes, stated once here).
 */
enum drv_status {
	DRV_FAILED = -1, /* the connection failed; err says why */
	DRV_OK = 0,	 /* every entry settled: done, failed or dropped */
	DRV_AGAIN = 1,	 /* read the batch again: its folder was renumbered
			    on the server and its UIDs forgotten */
};

/* One body the engine wants: the message row and its server UID. */
struct sync_body_req {
	int64_t		id;
	uint32_t	uid;
	int64_t		size;
};


struct account_ops {
	const char	*name;
	/* Connect and log in; the backend keeps its state in s->be. */
	int	(*connect)(struct sync_session *, struct perr *);
	/* List the server's folders and reconcile the account's rows. */
	int	(*list_folders)(struct sync_session *, struct perr *);
	/* Headers, flags and expunges of one folder into the store. */
	int	(*pull_folder)(struct sync_session *, const struct store_folder *,
		    struct perr *);
	/*
	 * Bodies of some messages of one folder into the store (one request
	 * is "fetch one body"); a message gone from the server is skipped.
	 */
	int	(*fetch_bodies)(struct sync_session *,
		    const struct store_folder *, const struct sync_body_req *,
		    size_t n, struct perr *);
	/*
	 * How many batches of bodies one fetch_bodies() call may take, the
	 * driver sending them at once (IMAP pipelining); NULL: one.
	 */
	int	(*fetch_depth)(void);
	/*
	 * Replay one batch of journal entries (store_journal_batch(): the
	 * same op and folders, in order) and settle each in the store: done
	 * (deleted), failed (the server's words) or dropped with a note.
	 * Returns an enum drv_status: DRV_OK; DRV_AGAIN when the batch must
	 * be read again; DRV_FAILED with err set when the connection failed
	 * (entries stay sent, or go back to pending). NULL: the protocol has
	 * no server-side journal (POP3).
	 */
	int	(*apply_journal)(struct sync_session *,
		    const struct store_journal *v, size_t n, struct perr *);
	/*
	 * Wait up to timeout_ms for news in folder f (or wake_fd): an enum
	 * sync_watch; SYNC_WATCH_PULLED here means "pull f now" (news came,
	 * or f is not the folder selected), the engine does the pull. NULL:
	 * the engine polls by pulling.
	 */
	int	(*wait_push)(struct sync_session *, const struct store_folder *f,
		    int wake_fd, int timeout_ms, struct perr *);
	/*
	 * Which of the folders fs[0..n) changed on the server since their
	 * stored sync state (changed[i]), without selecting them and in one
	 * round trip (IMAP STATUS, pipelined). A folder the server could not
	 * say is taken as changed. With flags, a change of flags only must be
	 * seen too (a full pass); else it may wait (a periodic check). NULL:
	 * the engine pulls every folder to find out.
	 */
	int	(*check_folders)(struct sync_session *,
		    const struct store_folder *fs, size_t n, bool flags,
		    bool *changed, struct perr *);
	/*
	 * Cancel the connection's I/O (sticky); called from another thread
	 * with s->lock held. NULL: not possible.
	 */
	void	(*cancel)(struct sync_session *);
	/* Disconnect and free s->be; after an error, without a word. */
	void	(*close)(struct sync_session *, bool broken);
	/* Would this error leave the connection unusable? */
	bool	(*fatal)(const struct perr *);
};

struct sync_session {
	struct store		*st;
	const struct account	*acct;
	const struct sync_opts	*opts;
	int64_t			 account_id;
	struct sync_threader	*threader;
	struct sync_progress	 prog;	/* the current folder's counts */
	void			*be;	/* the backend's state */
	/*
	 * lock guards be (and the backend's connection pointers inside it)
	 * against ops->cancel() from another thread: the backend takes it
	 * around publishing or freeing them, never across network I/O.
	 * cancelled is set under it and sticks.
	 */
	pthread_mutex_t		 lock;
	atomic_bool		 cancelled;	/* read without the lock */
	/*
	 * The backend heard that other folders changed (IMAP NOTIFY) while
	 * it waited for push: sync_conn_watch() checks them next.
	 */
	bool			 others_news;
	/*
	 * The backend heard of a change in INBOX on a connection of its own
	 * (drv-imap-aux.c) while it waited for push on another folder:
	 * sync_conn_watch() pulls INBOX next.
	 */
	bool			 inbox_news;
};

/* Report s->prog (phase and counts as set) to the caller's callback
 * (sync-util.c, the bottom floor, like drv.c). */
void	sync_report(struct sync_session *);
/*
 * Will this pass's body phase (sync_pull_bodies()) fetch m's body, as
 * the offline policy says? Then its header row need not be indexed for
 * search before the body is there (store_msg.index_later).
 */
bool	sync_body_coming(const struct sync_session *, const struct store_msg *m);

/* ---- what every driver shares (drv.c) ------------------------------------ */

/* s->be = be (NULL: take it back before freeing it), under s->lock. */
void	drv_set_be(struct sync_session *s, void *be);
/*
 * A driver's connect(): be (the driver's state, allocated by it) becomes
 * s->be, then open(s, err) connects it; when that fails, close(s, true)
 * undoes it all, since the engine closes only what connected. 0 or -1.
 */
int	drv_connect(struct sync_session *s, void *be,
	    int (*open)(struct sync_session *, struct perr *),
	    void (*close)(struct sync_session *, bool), struct perr *err);
/*
 * c, a connection just made (a connect cannot be interrupted), kept in
 * s->be by keep(s->be, c) under s->lock: 0. -1 with err set when a cancel
 * came meanwhile: nothing kept, the caller drops c.
 */
int	drv_keep_conn(struct sync_session *s, void (*keep)(void *be, void *c),
	    void *c, struct perr *err);
/*
 * Wait until wake_fd (-1: none) is readable, for timeout_ms (negative:
 * for ever) but at most SYNC_POLL_MS; *ms gets the time waited at most.
 * 1: woken, 0: the time passed.
 */
int	drv_wait_wake(int wake_fd, int timeout_ms, int *ms);

extern const struct account_ops sync_imap_ops;
extern const struct account_ops sync_pop3_ops;

#endif
