/*
 * drv-imap.h - private to the IMAP driver (drv-imap*.c), included by no other
 * file: its state and the functions its files share. The face of the
 * driver is sync_imap_ops (drv.h).
 *
 *   drv-imap.c          sync_imap_ops: connect, close, push, the journal's
 *                       entries handed to the file of their kind
 *   drv-imap-folders.c  LIST into the account's folder rows
 *   drv-imap-pull.c     one folder: QRESYNC, CONDSTORE or the full diff
 *   drv-imap-fetch.c    new messages and bodies into the store
 *   drv-imap-narrow.c   FETCHes that break or are refused, narrowed down
 *   drv-imap-move.c     replaying moves and copies
 *   drv-imap-replay.c   replaying the other entries, and the shared steps
 *   drv-imap-aux.c      the second connection, idling on INBOX
 *   drv-imap-util.c     shared bits: flags, notes, fatal errors, the
 *                       session's connection, names shown
 *
 * Floors (a file calls only the files below it, never up): drv-imap.c is
 * the top floor; it calls all the others. Below it:
 * folders.c, then move.c, then replay.c; pull.c, then fetch.c, then
 * narrow.c; aux.c; and under them all drv-imap-util.c, the bottom floor.
 *
 * Names that cross files carry their file's prefix: be_ (drv-imap-util.c),
 * folders_, pull_, narrow_, fetch_, replay_, move_, aux_.
 *
 * Per folder, the cheapest way the server allows (ARCHITECTURE 5):
 *
 *   QRESYNC    EXAMINE ... (QRESYNC (uidvalidity modseq 1:lastuid)) gives
 *              the expunged UIDs (VANISHED) and the changed flags in one
 *              round trip; new UIDs are asked for only when UIDNEXT moved.
 *              Nothing new costs exactly one command.
 *   CONDSTORE  EXAMINE (CONDSTORE); UID FETCH 1:n (FLAGS) (CHANGEDSINCE m)
 *              when HIGHESTMODSEQ moved; expunges are found by counting
 *              (server messages below the old UIDNEXT against ours) and,
 *              only when the counts differ, by a UID SEARCH diff.
 *   full       UID FETCH 1:* (FLAGS), streamed, merged with the store's
 *              own UID walk: new, changed and expunged in one pass. Also
 *              used for a folder whose first sync never finished.
 *
 * New messages are fetched newest first in batches of HEADER_BATCH, one
 * store transaction per batch: a killed sync keeps every batch it
 * committed, and the next pass asks only for UIDs not in the store. The
 * folder's sync state is written last, once everything it describes is
 * committed.
 *
 * UIDVALIDITY changed: the store forgets the folder's UIDs (rows, bodies
 * and threads stay), the full path lists the server again, and each header
 * fetched is first matched by Message-ID against a forgotten row, which
 * gets its new UID back instead of a duplicate being stored. Rows left
 * unmatched at the end of that pass are gone from the server.
 *
 * A FETCH reply libetpan cannot parse costs a new connection, not the
 * folder: batches are narrowed down to the message that broke them, which
 * is stored from its raw source, or as a placeholder, with a problem that
 * says so (narrow_fetch(); doc/SYNC-RULES.md 6). A FETCH the server
 * answers NO is narrowed down the same way, on the same connection, to the
 * messages it refuses: a placeholder (or headers only) quoting its words.
 */
#ifndef POSTA_DRV_IMAP_H
#define POSTA_DRV_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/problem.h"
#include "net/net.h"
#include "sync/drv.h"
#include "util/i18n.h"

struct imap_be {
	struct imap_conn	*c;
	struct imap_trace	*trace;
	bool			 qresync, condstore;
	/*
	 * The server answered the hand-built QRESYNC SELECT with BAD (or a
	 * NO while a plain one works): never ENABLE QRESYNC again on this
	 * account's connections, use CONDSTORE.
	 */
	bool			 no_qresync;
	bool			 no_idle;	/* IDLE refused: poll with NOOP */
	bool			 notify_tried;	/* NOTIFY SET sent (or not
						   offered) on this session */
	bool			 notify_on;	/* ... and taken */
	/*
	 * The second connection (drv-imap-aux.c), published under s->lock
	 * as c is; NULL: none now.
	 */
	struct imap_conn	*aux;
	bool			 aux_idling;	/* its IDLE is on */
	int64_t			 aux_since;	/* ... since (monotonic ms) */
	int64_t			 aux_next;	/* after a failure: no new one
						   before (monotonic ms) */
	int			 aux_retry_ms;	/* the back-off; 0: none */
	char			*ns_prefix;
	char			 ns_delim;
	char			*selected;	/* remote name, NULL: none */
	bool			 selected_rw;	/* SELECT (replay), not EXAMINE */
	int64_t			*dropped;	/* see j_drop_results() */
	size_t			 ndropped;
	struct {
		int64_t		 row;
		char		*folder;
		uint32_t	 uid;
	}			*placed;	/* see j_place() */
	size_t			 nplaced;
	/*
	 * Folders (store ids) the server sent a message of on this session:
	 * a FETCH it refuses there is about the message, not the folder
	 * (narrow_fetch()).
	 */
	int64_t			*readable;
	size_t			 nreadable;
	/*
	 * The STATUS of folders that came with the last LIST (a STATUS per
	 * stored folder pipelined with it, or LIST-STATUS, RFC 5819: see
	 * imap_list()), for the check_folders() of the same pass, which then
	 * needs no STATUS round trip; dropped by that check and by any pull
	 * (after which they are stale).
	 */
	struct imap_listed {
		char			*name;	/* remote name */
		struct imap_status	 st;
	}			*listed;
	size_t			 nlisted;
};

/*
 * libetpan stops at the first byte of a reply it cannot parse and leaves
 * the rest unread: the session has lost its place in the stream, and only
 * a new connection goes on (libetpan-guide.md 2; imap_conn.unparsed). A
 * FETCH over many UIDs that breaks that way must not cost the folder. What
 * it delivered before the break is kept, the connection is opened again and
 * the message that was being read (the first one not delivered: servers
 * answer in UID order) is asked for alone, then the others together again.
 * A message that breaks the reply alone goes to broken(), once, however
 * many tries it took to find it.
 *
 * A FETCH the server answers with a tagged NO (Gmail's "Some messages
 * could not be FETCHed", Dovecot's [SERVERBUG] for a corrupt file) leaves
 * the session usable: what it sent before the NO is kept, and the UIDs it
 * did not send are asked for again on the same connection, each alone if
 * the server sent the others, else half of them at a time, until single
 * UIDs are refused. Those go to refused() at the end, and only if the
 * server sent some message of the folder on this session: a folder where
 * it sends none is refused as a whole (gone, locked, over a quota), and
 * its pass fails with the server's words instead of filling it with
 * placeholders.
 */
struct narrow {
	struct sync_session		*s;
	const struct store_folder	*f;
	uint32_t			 uidvalidity;	/* of the selection */
	/* One command over uids; what it delivers goes to narrow_got(). */
	int	(*fetch)(struct narrow *, const uint32_t *uids, size_t n,
		    struct perr *);
	/* uid broke the reply alone; the connection is a new one. */
	int	(*broken)(struct narrow *, uint32_t uid, struct perr *);
	/* The server refused uid alone, in the words why (sanitised). */
	int	(*refused)(struct narrow *, uint32_t uid, const char *why,
		    struct perr *);
	void				*arg;
	uint32_t			*got;	/* delivered by this try */
	size_t				 ngot, capgot;
	bool				 failed; /* a store error: undo */
	char				 why[320]; /* of the last NO */
	struct {
		uint32_t		 uid;
		char			*why;
	}				*no;	/* refused alone, not marked yet */
	size_t				 nno;
};

/* A batch's entries as pointers, so subsets can be passed around. */
struct replay_set {
	const struct store_journal	**e;
	uint32_t			 *uid;
	size_t				  n;
};

/* RFC 2177: the server may drop an IDLE after 30 minutes; leave at 28. */
#define IDLE_MAX_MS	(28 * 60 * 1000)

/* drv-imap-util.c */
bool	be_fatal(const struct perr *err);
unsigned	be_store_flags(unsigned imap);
void	be_conn_drop(struct sync_session *s, struct imap_be *be, bool broken);
int	be_conn_open(struct sync_session *s, struct imap_be *be,
	    struct perr *err);
unsigned	be_imap_bits(unsigned f);
void	be_note(struct sync_session *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Forget be->listed. */
void	be_listed_drop(struct imap_be *be);
/* The UTF-8 name shown for a raw server name; malloc'd. */
char	*be_display_name(const struct imap_be *be, const char *raw);
uint64_t	be_modseq_ok(uint64_t v);

/* drv-imap-aux.c */
/* Is the second connection wanted while f is watched? */
bool	aux_wanted(const struct sync_session *s, const struct store_folder *f);
/*
 * Have it idle on INBOX (connect, EXAMINE, IDLE) when it can now; *ms
 * (< 0: no bound) is shortened to when it must IDLE again or be tried
 * again. Returns 0 (with or without it), or -1 with err set when its
 * login was refused.
 */
int	aux_idle(struct sync_session *s, int *ms, struct perr *err);
/* It has data: DONE, and its news to s->inbox_news. */
void	aux_heard(struct sync_session *s);
/* LOGOUT (DONE first), or drop it without a word when broken. */
void	aux_close(struct sync_session *s, bool broken);

/* drv-imap-folders.c */
int	folders_list(struct sync_session *s, struct perr *err);

/* drv-imap-pull.c */
int	pull_folder(struct sync_session *s, const struct store_folder *f,
	    struct perr *err);

/* drv-imap-narrow.c */
void	narrow_got(struct narrow *nw, uint32_t uid);
int	narrow_reopen(struct sync_session *s, const struct store_folder *f,
	    uint32_t uidvalidity, struct perr *err);
int	narrow_fetch(struct narrow *nw, const uint32_t *uids, size_t n,
	    struct perr *err);

/*
 * A command about a message that broke a reply failed: a reply that could
 * not be parsed costs the connection (opened again), and a NO costs
 * nothing; neither costs the pass. Anything else does.
 */
int	narrow_recover(struct narrow *nw, const struct perr *ferr,
	    struct perr *err);

/* drv-imap-fetch.c */
int	fetch_new(struct sync_session *s, const struct store_folder *f,
	    uint32_t uidvalidity, const uint32_t *uids, size_t n, bool remap,
	    struct perr *err);
int	fetch_retry_lost(struct sync_session *s, const struct store_folder *f,
	    uint32_t uidvalidity, struct perr *err);
int	fetch_bodies(struct sync_session *s, const struct store_folder *f,
	    const struct sync_body_req *req, size_t n, struct perr *err);

/* drv-imap-replay.c */
char	*replay_folder(const struct sync_session *s, const char *raw);
int	replay_mark(struct sync_session *s,
	    const struct store_journal *const *v, size_t n,
	    const uint32_t *uids, struct perr *err);
int	replay_settle(struct sync_session *s,
	    const struct store_journal *const *v, size_t n,
	    const struct perr *why, struct perr *err);
int	replay_refused(struct sync_session *s,
	    const struct store_journal *const *v, size_t n, bool sent,
	    struct perr *err);
int	replay_select(struct sync_session *s, const char *mailbox,
	    struct perr *err);
int	replay_find_free(struct sync_session *s, const struct store_journal *e,
	    int64_t in_folder, const uint32_t *taken, size_t ntaken,
	    uint32_t *uid, struct perr *err);
int	replay_remove(struct sync_session *s, const uint32_t *uids, size_t n,
	    bool *left, struct perr *err);
void	replay_set_add(struct replay_set *js, const struct store_journal *e,
	    uint32_t uid);
void	replay_set_free(struct replay_set *js);
int	replay_split(struct sync_session *s, const struct store_journal *v,
	    size_t n, int64_t folder_id, struct replay_set *here,
	    struct replay_set *gone, struct perr *err);
int64_t	replay_folder_id(struct sync_session *s, const char *remote);
int	replay_refused_all(struct sync_session *s,
	    const struct store_journal *v, size_t n, bool sent,
	    struct perr *err);
/*
 * The start of a batch on messages of one folder: that folder selected,
 * the entries split into here (the server has them) and gone. true: go
 * on; false: the batch is done, *rc its result (0 settled as refused,
 * DRV_AGAIN, DRV_FAILED). The caller frees here and gone either way.
 */
bool	replay_begin(struct sync_session *s, const struct store_journal *v,
	    size_t n, struct replay_set *here, struct replay_set *gone,
	    int *rc, struct perr *err);
int	replay_give_uid(struct sync_session *s, int64_t eid, int64_t id,
	    int64_t dest_id, const char *dest_name, uint32_t uid,
	    struct perr *err);
int	replay_results_by_mid(struct sync_session *s,
	    const struct replay_set *js, const char *dest, int64_t dest_id,
	    struct perr *err);
/* The journal's entries of each kind but moves and copies, replayed. */
int	replay_flags(struct sync_session *s, const struct store_journal *v,
	    size_t n, struct perr *err);
int	replay_expunge(struct sync_session *s, const struct store_journal *v,
	    size_t n, struct perr *err);
int	replay_folder_op(struct sync_session *s, const struct store_journal *e,
	    struct perr *err);
int	replay_append(struct sync_session *s, const struct store_journal *e,
	    struct perr *err);

/* drv-imap-move.c */
int	move_flush_dropped(struct sync_session *s, struct perr *err);
int	move_apply(struct sync_session *s, const struct store_journal *v,
	    size_t n, bool copy, struct perr *err);

#endif
