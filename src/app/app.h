/*
 * app.h - the application API: what the two faces (ui/cli, ui/tui) call to
 * make posta do something. Reading mail for display goes straight to the
 * store's read API; everything that acts goes through here.
 *
 *   app.c   one sync pass of an account
 *   app_worker.c  the account worker (ARCHITECTURE 2): a thread per account
 *           owning its connection, a request queue from the UI, an event
 *           pipe back, push (IDLE), offline back-off; fetching one body
 *   app_act.c  user actions on mail, online or offline: the local
 *           change and its journal entry in one transaction; app_folder.c
 *           the same for folders (act-int.h: private to the two)
 *   app_draft.c  drafts (new, reply, forward, edit again), attachments,
 *           the message as queued, address completion
 *   app_copy.c  the Sent and Drafts copies (through the journal for
 *           IMAP), postponing a draft
 *   app_outbox.c  the outbox: queueing, SMTP submission, each reply's
 *           effect on the row (send-int.h: private to these three)
 *   app_search.c  the query language (doc/SEARCH.md) over the store
 *   app_check.c  posta check-account: one server's TLS, login, offers
 *   app_backup.c  posta import and export (src/backup)
 *   app.c  also posta oauth2 login (src/oauth)
 *   app_search_server.c  the same asked of IMAP servers, for the bodies
 *                 not in the store
 */
#ifndef POSTA_APP_H
#define POSTA_APP_H

#include "util/util.h"
#include "util/config.h"
#include "sync/sync.h"

struct app_sync_opts {
	/* Only this folder (its name as shown); NULL: every synced one. */
	const char		*folder;
	/* Append the IMAP commands sent to this file; NULL: none. */
	const char		*trace;
	/*
	 * Progress, called on the calling thread (see struct sync_progress);
	 * may be NULL.
	 */
	sync_progress_cb	 progress;
	void			*arg;
	/* Filled with the pass's totals when not NULL. */
	struct sync_stats	*stats;
};

/*
 * One sync pass of acct: open the store at cfg->store read-write (created
 * and migrated when needed), pull the server's changes, close. opts may be
 * NULL. Returns 0, or -1 with err set ("account NAME: ..." and the cause).
 */
int	app_sync(const struct config *cfg, const struct account *acct,
	    const struct app_sync_opts *opts, struct perr *err);

/*
 * Is f a server folder that no sync pass pulls (acct's folders setting
 * leaves it out)? Its counts say nothing about the server then, and the
 * faces mark it. *hint (may be NULL) gets a sentence saying how to have
 * it pulled.
 */
bool	app_folder_unsynced(const struct account *acct,
	    const struct store_folder *f, const char **hint);

/*
 * Has any sync pass of account_id (of st) ever finished a folder? *synced
 * is false for an account the store knows only from a queued message, a
 * draft or a sync that never got through: a face says "run posta sync"
 * rather than "no such folder". 0, or -1 with err set.
 */
int	app_account_synced(struct store *st, int64_t account_id, bool *synced,
	    struct perr *err);

/*
 * Other processes (posta sync from cron, posta flag, mkdir): has another
 * connection changed the store behind st since the version in *seen?
 * *seen starts at 0 (the first call only learns the version) and is
 * updated; *changed says whether it moved. One cheap PRAGMA: a face calls
 * it every APP_STORE_POLL_MS while it shows the store, then reads again
 * what it shows (counts, the rows on screen), never whole folders.
 */
#define APP_STORE_POLL_MS	1000
int	app_store_changed(struct store *st, int64_t *seen, bool *changed,
	    struct perr *err);

/* ---- checking an account (app_check.c) ---------------------------------- */

enum app_server { APP_SERVER_IN, APP_SERVER_SMTP };

/* One server as posta check-account shows it: strings are the server's
 * (certificate names, capabilities): the face sanitises them. */
struct app_server_report {
	const char	*protocol;	/* "IMAP", "POP3", "SMTP" (static) */
	char		 hostport[300];
	enum tls_mode	 tls;		/* as configured */
	char		 tls_version[16], tls_cipher[64];	/* "" for none */
	char		 cert_subject[256], cert_issuer[256], cert_sha256[96];
	bool		 pinned;	/* trusted by the pin, not the chain */
	bool		 preauth;	/* IMAP PREAUTH: no login was needed */
	char		 mech[32];	/* "LOGIN", "XOAUTH2"... or "" */
	char		 caps[1024];	/* space-separated, as announced */
	char		 missing[256];	/* looked for, not offered */
};

/*
 * Connect to acct's incoming server (APP_SERVER_IN: IMAP or POP3) or its
 * SMTP server, verify TLS, log in, fill *out and log out (POP3: nothing
 * deleted). 0, or -1 with err set.
 */
int	app_check_server(const struct account *acct, enum app_server,
	    struct app_server_report *out, struct perr *err);
/* What acct's POP3 mode will do to the mail on the server (see
 * sync_pop3_warning()): malloc'd, or NULL when nothing is deleted. */
char	*app_pop3_warning(const struct account *acct);

/* ---- import and export (app_backup.c) ------------------------------------ */

enum app_backup_format { APP_BACKUP_MBOX, APP_BACKUP_MAILDIR };

struct app_backup_stats {
	uint64_t	messages;	/* written or stored */
	uint64_t	bytes;
	uint64_t	no_body;	/* export: only headers are local */
	uint64_t	duplicates;	/* import: already in the folder */
};

/*
 * Store the mbox file or Maildir at path in folder of account (its name;
 * NULL: the default), in cfg's store opened read-write: the folder is
 * made a local folder when missing (*created), the messages get no UID
 * (an IMAP account's are not uploaded). path is read first, so one that
 * cannot be read leaves nothing behind. 0, or -1 with err set (a failed
 * import: "import into FOLDER: ...").
 */
int	app_import(const struct config *cfg, const char *account,
	    const char *folder, enum app_backup_format, const char *path,
	    struct app_backup_stats *, bool *created, struct perr *err);
/* Write folder_id of st to path (an mbox file, refused when it exists,
 * or a Maildir), oldest first; bodies not local are counted in no_body. */
int	app_export(struct store *st, int64_t folder_id,
	    enum app_backup_format, const char *path,
	    struct app_backup_stats *, struct perr *err);
/* Where folder goes in an export of every folder into dir: one safe
 * path component ("../x" stays inside). Malloc'd, caller frees. */
char	*app_export_path(const char *dir, const char *folder,
	    enum app_backup_format);

/* ---- OAuth2 (app.c over src/oauth) ------------------------------------- */

enum app_oauth2_flow { APP_OAUTH2_AUTO, APP_OAUTH2_DEVICE, APP_OAUTH2_BROWSER };
/* A sentence for the user (the code and address to open: server text). */
typedef void (*app_note_cb)(void *arg, const char *sentence);

/*
 * posta oauth2 login: run acct's OAuth2 login (the device grant, or the
 * browser with PKCE on a loopback redirect; AUTO picks the device grant
 * when oauth2_device_url is set) and keep the refresh token (a file of
 * mode 0600 under $XDG_DATA_HOME/posta/oauth2/, or
 * oauth2_refresh_token_command). Blocks until done: a face calls it, not
 * the TUI's main loop. Returns 0, or -1 with err set.
 */
int	app_oauth2_login(const struct account *acct, enum app_oauth2_flow,
	    app_note_cb note, void *arg, struct perr *err);

/* ---- the account worker (app_worker.c) ---------------------------------- */

/*
 * One worker per account, started by the UI. It connects (unless started
 * offline), runs a pass (journal replay, folders, headers, bodies), then
 * waits for the server's news on the watched folder (IDLE, else NOOP
 * polling) and pulls what changed, with a full pass every 10 minutes. When
 * the server cannot be reached it reports APP_EV_OFFLINE and retries after
 * 2 s, doubling up to 5 minutes; app_worker_sync_now() retries at once.
 * A refused login is not retried by itself (servers lock accounts that
 * keep trying a wrong password): only app_worker_sync_now() tries once
 * more (rerunning password_command), or app_worker_set_password().
 *
 * The UI learns what happened from events: poll() app_worker_fd() for
 * POLLIN together with stdin, then call app_worker_event() until it
 * returns false. Events say what changed; the data is in the store (read
 * it with the UI's own read-only connection). Every request function
 * returns at once and may be called only from the thread that started
 * the worker.
 */
enum app_event_type {
	APP_EV_ONLINE,		/* connected and logged in */
	APP_EV_OFFLINE,		/* not connected: retry_ms until the next try,
				   -1 when offline by request or after the
				   server refused the login (login_refused):
				   no retry until the user acts */
	APP_EV_PROGRESS,	/* phase, folder, done of total (0: unknown);
				   SYNC_FOLDER_DONE, SYNC_BODIES_DONE: that
				   step ended without a change */
	APP_EV_FOLDER_CHANGED,	/* folder_id's rows changed in the store:
				   done new messages (unseen of them
				   unread), total flag changes + expunges
				   (0 + 0: bodies arrived); with unseen > 0
				   the worker has run the config's
				   new_mail_command. The account's first
				   pass (first_sync) says no unseen: what
				   was there before is no news */
	APP_EV_SYNC_DONE,	/* a pass finished without error */
	APP_EV_BODY_READY,	/* msg_id's body is in the store */
	APP_EV_BODY_FAILED,	/* msg_id's body could not be fetched: text */
	APP_EV_JOURNAL,		/* waiting and failed journal entries now */
	APP_EV_NOTE,		/* a warning for the user: text */
	APP_EV_ERROR,		/* something failed: text (the worker goes on) */
	APP_EV_OUTBOX_DONE,	/* the flush app_worker_send_now() asked for
				   ended: done messages sent; text, when not
				   everything tried went, the first failure
				   in words (a held message's first) */
};

/* A copied event: nothing in it points anywhere. Text is server/user
 * text: sanitise before drawing. */
struct app_event {
	enum app_event_type	type;
	enum sync_phase		phase;		/* APP_EV_PROGRESS */
	int64_t			folder_id;	/* 0: none */
	int64_t			msg_id;		/* 0: none */
	uint64_t		done, total;
	uint64_t		unseen;		/* APP_EV_FOLDER_CHANGED */
	int64_t			retry_ms;	/* APP_EV_OFFLINE */
	bool			login_refused;	/* APP_EV_OFFLINE */
	int64_t			waiting, failed; /* APP_EV_JOURNAL */
	char			folder[128];	/* APP_EV_PROGRESS, as shown */
	/*
	 * APP_EV_PROGRESS of a pass: folder folder_no of folders (0: not a
	 * pass), messages stored by the pass so far (fetched), and whether
	 * this is the account's first pass (nothing was stored before it).
	 */
	uint32_t		folder_no, folders;
	uint64_t		fetched;
	bool			first_sync;
	char			text[512];
};

struct app_worker_opts {
	bool		 offline;	/* start offline (app_worker_set_online) */
	const char	*watch;		/* folder to IDLE on; NULL: INBOX */
	const char	*trace;		/* IMAP trace file (tests); NULL: none */
};

struct app_worker;

/*
 * Start acct's worker. It copies what it needs from cfg, acct and opts
 * (may be NULL), so they may go before the worker does. Returns a worker
 * for app_worker_stop(), or NULL with err set.
 */
struct app_worker *app_worker_start(const struct config *cfg,
		    const struct account *acct,
		    const struct app_worker_opts *opts, struct perr *err);
/* The event pipe's read end: poll() it for POLLIN; never read it. */
int	app_worker_fd(const struct app_worker *);
/* The next event into *ev: true, or false when there is none now. */
bool	app_worker_event(struct app_worker *, struct app_event *ev);
/* A pass now (the outbox's waiting and failed messages, journal, folders,
 * headers, bodies); retries a lost server at once. */
void	app_worker_sync_now(struct app_worker *);
/*
 * The password the user typed (after a refused login): copied, used for
 * the account's logins from now on instead of the configuration's (and
 * for SMTP where it had the same one), wiped when the worker ends; then
 * a pass at once, as app_worker_sync_now().
 */
void	app_worker_set_password(struct app_worker *, const char *password);
/*
 * Replay the journal now (after an action: quick); a pass replays it too.
 * APP_EV_JOURNAL follows with the counts.
 */
void	app_worker_replay_now(struct app_worker *);
/*
 * Send what waits in the outbox now (a message was just queued), unless
 * offline by request; SMTP goes even while the incoming server is out of
 * reach. The only way the TUI sends: APP_EV_OUTBOX_DONE says how it went;
 * the Sent copies wait in the journal (app_worker_replay_now()).
 */
void	app_worker_send_now(struct app_worker *);
/* Fetch message id's body: APP_EV_BODY_READY or APP_EV_BODY_FAILED. */
void	app_worker_fetch_body(struct app_worker *, int64_t id);
/* IDLE on this folder (as shown; NULL: INBOX) from now on. */
void	app_worker_watch(struct app_worker *, const char *folder);
/* Go offline (the connection is dropped at once) or back online. */
void	app_worker_set_online(struct app_worker *, bool online);
/*
 * Stop and free the worker; returns within about a second even while a
 * command waits on a silent server (its I/O is cancelled). No event is
 * delivered afterwards. NULL is fine.
 */
void	app_worker_stop(struct app_worker *);

/*
 * For posta show of a message stored without its body: connect, fetch
 * message id's body into the store at cfg->store, disconnect. Returns 0,
 * or -1 with err set (PERR_NOTFOUND: gone from the server, or not there
 * yet).
 */
int	app_fetch_body(const struct config *cfg, const struct account *acct,
	    int64_t id, struct perr *err);

/* ---- searching (app_search.c) ------------------------------------------- */

/* What a search looks at, besides its query. */
struct app_search {
	const char	*account;	/* only this account's mail; NULL: all */
	const char	*folder;	/* only folders of this name; NULL: all */
	bool		 threads;	/* every message of the matching threads */
	int		 limit;		/* at most this many rows; < 0: all */
	int64_t		 now;		/* clock of newer:/older:; 0: time() */
};

/* A row (valid during the call only) and the name of its folder. */
typedef int	(*app_search_cb)(void *arg, const struct store_msg *m,
		    const char *folder);

/*
 * The messages of the store st (any connection, read-only is enough)
 * matching query in the query language, newest first, through cb (which
 * returns as store callbacks do). Works offline: only the store is read.
 * A query that does not parse is PERR_SYNTAX, "search: N: what was
 * expected" (N the character position); an unknown o->account is
 * PERR_NOTFOUND. Returns 0, cb's non-zero value, or -1 with err set.
 */
int	app_search(struct store *st, const char *query,
	    const struct app_search *o, app_search_cb cb, void *arg,
	    struct perr *err);
/* How many messages app_search() would give without a limit. */
int	app_search_count(struct store *st, const char *query,
	    const struct app_search *o, int64_t *n, struct perr *err);
/*
 * The parsed tree and the SQL it compiles to, two lines, for `posta
 * search --explain`; malloc'd, or NULL with err set as app_search().
 */
char	*app_search_explain(const char *query, const struct app_search *o,
	    struct perr *err);

/*
 * The servers' half of a search (app_search_server.c), for the IMAP
 * accounts in scope whose bodies are not all here (offline = headers or
 * days:N): each is asked (UID SEARCH, src/search's search_imap(), in
 * every stored folder) and out->ids gets the store ids of the messages it
 * found that have no body here and that the store's own search did not
 * find (any order); out->unstored counts what it found that is not in the
 * store yet. With offline set no server is asked. out->notes are
 * sentences for the user: an account not asked and why (offline, server
 * unreachable, a query IMAP cannot say). Returns 0, or -1 with err set
 * (a query that does not parse, the store). app_server_found_free()
 * releases out, also after a failure.
 */
struct app_server_found {
	int64_t		*ids;
	size_t		 n;
	size_t		 unstored;
	char		**notes;
	size_t		 nnotes;
};
int	app_search_server(const struct config *cfg, struct store *st,
	    const char *query, const struct app_search *o, bool offline,
	    struct app_server_found *out, struct perr *err);
void	app_server_found_free(struct app_server_found *);

/*
 * The TUI's windows over a query (limit, search, the results view, saved
 * searches). app_query_parse: text to a tree (NULL for "" or "all": no
 * limit), errors as app_search(); free with search_free(). The tree goes
 * to store_msg_find_page() as the window's filter.
 */
struct search_node;
int	app_query_parse(const char *text, struct search_node **q,
	    struct perr *err);
/* Messages of folder_id (0: every folder) matching text, and the unread
 * ones among them. */
int	app_query_counts(struct store *st, const char *text,
	    int64_t folder_id, int64_t *total, int64_t *unread,
	    struct perr *err);

/* ---- acting on mail (app_act.c, app_folder.c) ------------------------------ */

/*
 * User actions. Each call is ONE store transaction that changes the local
 * rows (the user sees the result at once, online or not) and, for an IMAP
 * account, appends the journal entries that the sync replays on the server
 * (doc/SYNC-RULES.md). A POP3 account has local folders only: its actions
 * write no journal; a message removed here (expunged, or its folder
 * deleted) is deleted from the server by the next POP3 sync when
 * pop3_delete_when_deleted_locally = yes, because its UIDL is left without
 * a message (store_pop3_orphans).
 *
 * Messages are named by the store's row ids (posta list shows them), folders
 * by the names shown (posta folders). An id that does not exist or belongs
 * to another account fails the whole call with PERR_NOTFOUND naming it, and
 * nothing is changed. An action that changes nothing (marking a read message
 * read, moving a message to its own folder) writes no journal entry.
 * *changed (may be NULL) gets the number of messages changed.
 */
struct app_act;

/*
 * Open the store at cfg->store read-write for acts on acct's mail. The
 * account must have been synced once (PERR_NOTFOUND: "run posta sync").
 * Close with app_act_close().
 */
struct app_act	*app_act_open(const struct config *cfg,
		    const struct account *acct, struct perr *err);
/* The same on a store the caller opened read-write and keeps (tests). */
struct app_act	*app_act_attach(struct store *st, const struct account *acct,
		    struct perr *err);
void		 app_act_close(struct app_act *);

/* Add then remove flag bits (enum store_flag: \Seen, \Flagged, ...). */
int	app_act_flags(struct app_act *, const int64_t *ids, size_t n,
	    unsigned add, unsigned remove, size_t *changed, struct perr *err);
/*
 * Move / copy to the folder named dest. The moved row and a copy have no
 * UID until the server gives one (COPYUID); they keep their body.
 */
int	app_act_move(struct app_act *, const int64_t *ids, size_t n,
	    const char *dest, size_t *changed, struct perr *err);
int	app_act_copy(struct app_act *, const int64_t *ids, size_t n,
	    const char *dest, size_t *changed, struct perr *err);
/* Move to the account's Archive folder (special use); none: an error. */
int	app_act_archive(struct app_act *, const int64_t *ids, size_t n,
	    size_t *changed, struct perr *err);
/*
 * Delete: move to the account's Trash; a message already in Trash, or an
 * account without Trash, gets \Deleted instead (gone at the expunge).
 */
int	app_act_delete(struct app_act *, const int64_t *ids, size_t n,
	    size_t *changed, struct perr *err);
/*
 * Remove for good, without Trash (a draft that was sent or postponed
 * again): the row goes now, the server's copy at the next replay.
 */
int	app_act_remove(struct app_act *, const int64_t *ids, size_t n,
	    size_t *changed, struct perr *err);
/* Clear \Deleted of messages not yet expunged. */
int	app_act_undelete(struct app_act *, const int64_t *ids, size_t n,
	    size_t *changed, struct perr *err);
/* Remove the \Deleted messages of a folder (NULL: of every folder). */
int	app_act_expunge(struct app_act *, const char *folder, size_t *changed,
	    struct perr *err);

/*
 * Folders. A folder created on an IMAP account is local (no remote name)
 * until the replay's CREATE succeeds; it is subscribed. Renaming takes the
 * subfolders along (as IMAP RENAME does). Deleting refuses INBOX, a folder
 * with subfolders, and, unless force, a folder that holds messages
 * (PERR_FORCE: forcing it would do).
 */
int	app_act_folder_create(struct app_act *, const char *name,
	    struct perr *err);
int	app_act_folder_rename(struct app_act *, const char *from,
	    const char *to, struct perr *err);
int	app_act_folder_delete(struct app_act *, const char *name, bool force,
	    struct perr *err);
int	app_act_subscribe(struct app_act *, const char *name, bool subscribe,
	    struct perr *err);

/*
 * A failed journal entry of the account (see store_journal_list): retry
 * puts it back in the queue, drop forgets it (the server never sees it; the
 * next sync shows the server's state again). id 0: every failed entry.
 */
int	app_act_journal_retry(struct app_act *, int64_t id, struct perr *err);
int	app_act_journal_drop(struct app_act *, int64_t id, struct perr *err);

/*
 * After acting online: one sync pass (app_sync) so that the journal reaches
 * the server now (a pass replays the journal before it pulls anything,
 * doc/SYNC-RULES.md). Does nothing (*pushed = false) for POP3 accounts and
 * when nothing waits.
 */
int	app_act_push(const struct config *cfg, const struct account *acct,
	    bool *pushed, struct perr *err);

/* ---- files and programs (app_shell.c) -------------------------------------- */

/*
 * Append messages ids of st, in that order, to the mbox file at path
 * (mboxrd, as posta export writes it; created 0600 when missing, an
 * existing file must be an mbox). *saved gets how many were written,
 * *no_body how many were skipped because their body is not stored. On an
 * error the file is as it was before.
 */
int	app_save_mbox(struct store *st, const int64_t *ids, size_t n,
	    const char *path, size_t *saved, size_t *no_body,
	    struct perr *err);

/*
 * The distinct http:, https: and mailto: links in text (a message's
 * rendered text), in the order they first appear: at most APP_URLS_MAX,
 * each at most APP_URL_MAX bytes of printable ASCII (longer ones are
 * skipped), trailing punctuation left out. *urls is malloc'd (free with
 * app_urls_free); how many.
 */
#define APP_URLS_MAX	100
#define APP_URL_MAX	2048
size_t	app_urls(const char *text, char ***urls);
void	app_urls_free(char **urls, size_t n);

/* ---- sending (app_draft.c, app_copy.c, app_outbox.c) ------------------- */

/*
 * Writing and sending mail. A face builds a struct compose_draft (mail.h)
 * with app_draft_new() or app_draft_from(), lets the user edit it (the
 * draft file of compose_draft_file(), the compose screen), then either
 * sends it (app_send: into the outbox in one transaction, then, unless
 * offline, a flush of the account's outbox over SMTP) or postpones it
 * (app_postpone: into Drafts). Every address is checked before anything
 * is queued; a message in the outbox is never lost and never sent twice
 * without the user knowing (see app_outbox_flush).
 */
struct compose_draft;

enum app_compose_kind {
	APP_COMPOSE_NEW,
	APP_COMPOSE_REPLY,
	APP_COMPOSE_REPLY_ALL,
	APP_COMPOSE_REPLY_LIST,		/* to the List-Post address */
	APP_COMPOSE_FORWARD,		/* inline, attachments carried over */
	APP_COMPOSE_FORWARD_ATTACH,	/* the original as message/rfc822 */
	APP_COMPOSE_RESUME,		/* a postponed message, from Drafts */
};

/*
 * A new draft: From = "real_name <email>", an empty body and the account's
 * signature file (an unreadable one is an error naming it). *d is
 * overwritten; compose_draft_free() releases it.
 */
int	app_draft_new(const struct account *acct, struct compose_draft *d,
	    struct perr *err);
/*
 * A draft from stored message msg_id (its body must be stored offline:
 * PERR_NOTFOUND otherwise): a reply, reply-all (never to the user's
 * addresses: email, identities, alternates; From the one it was sent to),
 * list reply (to List-Post's mailto: address alone; a message without one
 * is PERR_GENERIC), forward or resumed draft, with the account's From and
 * signature (not for a resumed one).
 */
int	app_draft_from(const struct config *cfg, const struct account *acct,
	    enum app_compose_kind kind, int64_t msg_id,
	    struct compose_draft *d, struct perr *err);
/* Who the user is in acct, for compose_reply(): borrows acct's strings. */
struct compose_self;
void	app_compose_self(const struct account *acct,
	    struct compose_self *self);
/* Read a file (at most 64 MiB) and attach it under its base name. */
int	app_draft_attach_file(struct compose_draft *d, const char *path,
	    struct perr *err);

struct app_send_opts {
	bool	 offline;	/* queue only; the next flush sends it */
};

/*
 * Bounce (remail) stored message msg_id to the addresses in to: the
 * original untouched under Resent-Date/From/To/Message-ID headers
 * (compose_bounce()), From the account's address, into the outbox like
 * app_send_queue(); the next flush sends it. 0, or -1 with err.
 */
int	app_bounce_queue(const struct config *cfg, const struct account *acct,
	    int64_t msg_id, const char *to, int64_t *outbox_id,
	    struct perr *err);

/* What happened to one outbox message during a flush. */
enum app_outbox_what {
	APP_OUTBOX_SENT,	/* accepted for every recipient (still to
				   serve) */
	APP_OUTBOX_PARTIAL,	/* accepted, some recipients refused: text;
				   it stays in the outbox for them only */
	APP_OUTBOX_FAILED,	/* not sent, stays in the outbox: text */
	APP_OUTBOX_UNKNOWN,	/* may have been sent; held until the user
				   retries or drops it: text */
	APP_OUTBOX_NOTE,	/* a warning (the Sent copy, the store) */
};
struct app_outbox_event {
	int64_t			 id;		/* outbox id */
	enum app_outbox_what	 what;
	/*
	 * PARTIAL, FAILED: refused for good (a 5xx, over SIZE), so held
	 * until the user retries or drops it; else tried again by the next
	 * flush.
	 */
	bool			 held;
	const char		*subject;	/* UTF-8, sanitise to print */
	const char		*text;		/* "" when nothing to say */
};
typedef void	(*app_outbox_cb)(void *arg, const struct app_outbox_event *);
/*
 * What happened, in a few words for a status line (static): a message
 * refused for now (a 4xx, no connection) "will retry", one refused for
 * good "failed", so the faces never call a temporary refusal a failure.
 */
const char	*app_outbox_words(const struct app_outbox_event *);
struct app_flush_stats {
	size_t	sent, partial, failed, unknown;
	size_t	held;		/* held from before (outcome unknown, refused
				   for good): not tried */
};

/*
 * Put the message in the outbox (one transaction, which also notes the
 * recipients for completion); *outbox_id
 * (may be NULL) gets its id. No smtp_host, an invalid address, no
 * recipient: -1 with err, nothing queued.
 */
int	app_send_queue(const struct config *cfg, const struct account *acct,
	    const struct compose_draft *d, const struct app_send_opts *opts,
	    int64_t *outbox_id, struct perr *err);
/*
 * Submit acct's waiting outbox messages over SMTP, one connection for all.
 * A message goes out only after it is claimed in the store (marked
 * "outcome unknown", so two flushes at once never both send it) and
 * leaves the outbox only with the server's 250, in the transaction that
 * records its Sent copy (POP3: the local Sent folder; IMAP: APPEND to the
 * special-use Sent folder, through the journal). A refusal or an
 * unreachable server leaves it in the outbox with the reason: tried again
 * by the next flush, unless the refusal was for good (5xx, SIZE), which
 * holds it until the user retries or drops it. When some recipients took
 * it and others refused, it stays for the refused ones only: the Sent copy
 * is made with the first delivery, and a later flush sends to them alone.
 * A connection lost after DATA holds it (APP_OUTBOX_UNKNOWN). cb (may be
 * NULL) hears about each message; stats (may be NULL) gets the counts.
 * Returns 0 when everything tried was sent to every recipient, else -1
 * with err summing up (the details went to cb).
 */
int	app_outbox_flush(const struct config *cfg, const struct account *acct,
	    app_outbox_cb cb, void *arg, struct app_flush_stats *stats,
	    struct perr *err);
/*
 * app_outbox_flush() on the store at store_path, without taking the Sent
 * copies to the server afterwards: for the account worker, whose pass
 * replays the journal next.
 */
int	app_outbox_submit(const char *store_path, const struct account *acct,
	    app_outbox_cb cb, void *arg, struct app_flush_stats *stats,
	    struct perr *err);
/* app_send_queue(), then (unless opts->offline) app_outbox_flush(). */
int	app_send(const struct config *cfg, const struct account *acct,
	    const struct compose_draft *d, const struct app_send_opts *opts,
	    app_outbox_cb cb, void *arg, struct app_flush_stats *stats,
	    int64_t *outbox_id, struct perr *err);
/*
 * Postpone: the message (Bcc kept, \Draft) into the account's Drafts
 * folder: local for POP3; APPENDed for IMAP (kept locally with a journal
 * entry when offline or unreachable; note, when not NULL, then says so).
 */
int	app_postpone(const struct config *cfg, const struct account *acct,
	    const struct compose_draft *d, bool offline, char *note,
	    size_t notelen, struct perr *err);
/*
 * Completion: addresses written to and senders seen, starting with prefix
 * (address or a word of the name), most used first, at most limit (0: all).
 * No store yet: no address, no error.
 */
int	app_addresses(const struct config *cfg, const char *prefix, int limit,
	    store_address_cb cb, void *arg, struct perr *err);

#endif
