/*
 * tui-int.h - what the files of ui/tui share; private to the directory
 * (the face is tui.h: tui_main()).
 *
 *   tui.c      start-up, curses set-up, the poll() loop, signals, resize,
 *              key dispatch, the help screen: the top floor (view.c says
 *              the order of the floors)
 *   actions.c  the named actions table: lookup and completion by name,
 *              the ':' prompt
 *   keys.c     key names, the default bindings, the key map with [keys]
 *              overrides, the help text generated from it
 *   act-generic.c  the actions of every view (quit, help, ':', folders,
 *              sidebar, redraw, sync, offline)
 *   act-index.c    the index's actions (movement, threads, sorting)
 *   act-pager.c    the pager's actions (scrolling, search, next message)
 *   index.c    the index: a window of rows on the store (keyset pages),
 *              flat or threaded, sorted; never the whole folder
 *   index-rows.c    its keys, rows and keyset pages
 *   index-thread.c  its threaded blocks and their collapsed threads
 *   index-fold.c    collapsing, the drawn thread, thread walks
 *   index-find.c    looking through the folder for a matching row
 *   index-format.c  a row's text: the built-in columns or index_format
 *   pager.c    one message (or the help text) as wrapped lines; search,
 *              raw view
 *   sidebar.c  accounts and folders with counts
 *   status.c   the status line's words and the last error
 *   prompt.c   the one-line prompt: editing and completion
 *   draw.c     the only file that writes to the screen; every string it
 *              draws is sanitised there, whatever its origin
 *   view.c     what actions ask of the screen: opening folders and
 *              messages, texts in the pager, reading the store again,
 *              the read-write handle (the floor below the actions)
 *   tags.c     the tagged messages (a set of row ids)
 *   act-folder.c   folders: create, rename, delete (sidebar, ':')
 *   act.c      acting on mail: flags, delete, move, copy, archive, expunge,
 *              tags and the tag prefix, whole threads (through app_act_*)
 *   compose-view.cthe compose screen: $EDITOR on the draft file, header
 *              fields, attachments, send (outbox), postpone, abort
 *   attach.c   the attachment list of the pager: save to a file, open
 *              through mailcap
 *   mailcap.c  a minimal RFC 1524 mailcap reader (no curses, unit-tested)
 *   autoview.c auto_view: parts shown in the pager through mailcap's
 *              copiousoutput entries
 *   worker.c   the accounts' sync workers: start, events, requests
 *              (sending the outbox among them), stop
 *   run.c      running another program with curses suspended, or with its
 *              output captured
 *
 * Only tui.c and draw.c (and keys.c, for key codes) include curses: index,
 * pager, sidebar, status and prompt are plain state machines that
 * the unit tests drive without a terminal.
 */
#ifndef POSTA_TUI_INT_H
#define POSTA_TUI_INT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/i18n.h"
#include "util/util.h"
#include "util/config.h"
#include "util/i18n.h"
#include "store/store.h"
#include "mail/mail.h"
#include "app/app.h"
#include "util/i18n.h"

struct tui;

/* ---- keys ------------------------------------------------------------ */

/*
 * A key: a Unicode code point below 0x110000, or a curses function key
 * (KEY_UP, ...) tagged with TUI_KEY_FN.
 */
#define TUI_KEY_FN	0x1000000
/* Esc then a key, as terminals send Alt+key: "Esc v", "M-v". */
#define TUI_KEY_META	0x2000000
#define TUI_CTRL(c)	((c) & 0x1f)

/* Where an action applies; a binding follows its action's contexts. */
enum tui_ctx {
	TUI_CTX_INDEX = 1 << 0,
	TUI_CTX_PAGER = 1 << 1,
	TUI_CTX_ATTACH = 1 << 2,	/* the pager's attachment list */
	TUI_CTX_COMPOSE = 1 << 3,	/* the compose screen */
	TUI_CTX_ALL = TUI_CTX_INDEX | TUI_CTX_PAGER,
	TUI_CTX_MAIL = TUI_CTX_INDEX | TUI_CTX_PAGER, /* acts on a message */
	TUI_CTX_ANY = TUI_CTX_ALL | TUI_CTX_ATTACH | TUI_CTX_COMPOSE,
};
#define TUI_NCTX	4

struct tui_action {
	const char	*name;
	unsigned	 ctx;		/* enum tui_ctx bits */
	const char	*help;
	void		(*fn)(struct tui *);
};

struct keybind {
	int		 key;
	unsigned	 ctx;		/* a single TUI_CTX_* bit */
	const struct tui_action *act;
};

struct keymap {
	struct keybind	*b;
	size_t		 n, cap;
};

/* actions.c: every action, in the order the help lists them. */
extern const struct tui_action tui_actions[];
extern const size_t tui_nactions;
/* The action called name that applies in ctx, or NULL. */
const struct tui_action *action_find(const char *name, unsigned ctx);
/* Names of actions valid in ctx starting with prefix: a NULL-terminated
 * malloc'd array of borrowed strings; the caller frees the array. */
const char **action_complete(unsigned ctx, const char *prefix, size_t *n);
/* The i-th command of the ':' prompt that takes arguments (mkdir, sort,
 * ...): its name and arguments, for the help; false past the last. */
bool	actions_command_usage(size_t i, const char **name, const char **usage);

/* keys.c */
/* Fill km with the defaults, then apply cfg's [keys]; problems are
 * described in err (first one) but never stop the others. */
int	keymap_init(struct keymap *, const struct config *, struct perr *);
void	keymap_free(struct keymap *);
const struct tui_action *keymap_lookup(const struct keymap *, unsigned ctx,
	    int key);
/* "j", "^N", "Down", "Esc v", ... -> key code; -1 if not a key name. */
int	keys_parse(const char *);
/* The name of a key in buf (>= 16 bytes). */
const char *keys_name(int key, char *buf, size_t len);
/* The help text for the live map: malloc'd, caller frees. */
char	*keys_help(const struct keymap *);

/* ---- the index window (index.c) --------------------------------------- */

/* The order of enum config_sort (posta.conf(5) sort). */
enum ix_sort {
	IX_SORT_DATE,
	IX_SORT_FROM,
	IX_SORT_SUBJECT,
	IX_SORT_SIZE,
};

/* One row of the window: display strings are sanitised already. */
struct ix_row {
	int64_t		 id;
	int64_t		 date;
	int64_t		 size;
	int64_t		 thread_id;
	unsigned	 flags;		/* STORE_* bits */
	bool		 attach;
	char		*from;		/* sanitised, one line: the name, or
					   the address when there is none */
	char		*from_addr;	/* sanitised, one line */
	char		*to;		/* the To list, sanitised, one line */
	char		*subject;	/* sanitised, one line */
	char		*tree;		/* threaded: prefix, else NULL */
	int		 depth;
	/* threading only, else NULL */
	char		*message_id, *in_reply_to, *refs;
	char		*key;		/* sender/subject sort: the store's
					   sort key; else NULL */
	/* A collapsed thread's root: the rows drawn under it when it is
	 * open (owned, in the order drawn) and the unread messages of the
	 * whole thread. Else NULL, 0, 0. */
	struct ix_row	*kids;
	size_t		 nkids;
	size_t		 unread;
};

/* A row's place in the store's order (struct store_sort_key, owned). */
struct ix_key {
	char		*text;		/* sender/subject sort, else NULL */
	int64_t		 size;
	int64_t		 date;
	int64_t		 id;
};

/* A block: rows fetched together, with the source range they cover. */
struct ix_block {
	struct ix_key	 first, last;	/* threaded: the raw rows' keys */
	size_t		 nrows;		/* display rows in it */
};

#define IX_BLOCK	100	/* rows per fetch (flat) */
#define IX_TBLOCK	200	/* raw rows per block (threaded) */
#define IX_MAX_BLOCKS	5	/* blocks looked through to find a row again */
#define IX_MAX_ROWS	500	/* rows kept beyond the screen's needs */
#define IX_TBLOCK_ROWS	2000	/* a threaded block ends early past this */
#define IX_THREAD_MAX	1000	/* members pulled in for one thread */

struct ix {
	struct store	*st;		/* borrowed; NULL: nothing to show */
	int64_t		 folder_id;	/* 0 (with q): every folder */
	const struct search_node *q;	/* borrowed: only the messages that
					   match (limit, search view); NULL:
					   all */
	enum ix_sort	 sort;
	bool		 reverse;	/* oldest first / Z-A / smallest */
	bool		 threaded;
	int		 height;	/* rows on screen */

	struct ix_row	*rows;
	size_t		 nrows, caprows;
	struct ix_block	*blocks;
	size_t		 nblocks;
	bool		 at_start, at_end; /* window touches folder edges */
	size_t		 top, sel;	/* indices into rows */

	/* Collapsed threads (threaded view), by the id of their root row:
	 * all of them when fold_all, but the roots listed, else only the
	 * roots listed. A new folder starts with none listed. */
	bool		 fold_all;
	int64_t		*fold;
	size_t		 nfold, capfold;

	struct perr	 err;		/* the last store error */
};

void	ix_init(struct ix *);
/* Show folder_id of st (st may be NULL: an empty index). */
int	ix_open(struct ix *, struct store *, int64_t folder_id);
/* Show only the messages of folder_id (0: of every folder) matching q
 * (borrowed: it must outlive the window; NULL: all of them). */
int	ix_open_query(struct ix *, struct store *, int64_t folder_id,
	    const struct search_node *q);
void	ix_close(struct ix *);
/* Change the window's query (as ix_open_query), keeping the selected
 * message when it still matches. */
int	ix_set_query(struct ix *, const struct search_node *q);
void	ix_set_height(struct ix *, int);
/* Movements: return 0, or -1 with ix->err set on a store error. */
int	ix_move(struct ix *, long delta);
int	ix_page(struct ix *, int dir);
int	ix_home(struct ix *);
int	ix_end(struct ix *);
/* Reload around the selected message (after the store changed). */
int	ix_refresh(struct ix *);
/*
 * Sort by date (newest first), sender or subject (A to Z, then oldest
 * first) or size (largest first), or the reverse; the selected message
 * stays selected. The threaded view is always by date, newest first: a
 * sender, subject or size sort turns it flat, a reverse date sort is
 * ignored there.
 */
int	ix_set_sort(struct ix *, enum ix_sort, bool reverse);
int	ix_set_threaded(struct ix *, bool);
/* Select the next row (after the selection, wrapping to the top and
 * ending with the selection itself) that matches; 1 found (*wrapped: at
 * or above the selection), 0 none, -1 error. The match functions get
 * rows. */
int	ix_find(struct ix *, bool (*match)(const struct ix_row *, void *),
	    void *arg, bool *wrapped);
/* The selected row, or NULL when the folder is empty. */
const struct ix_row *ix_selected(const struct ix *);
/* Select a message by id if it is in the window: true when found. */
bool	ix_select_id(struct ix *, int64_t id);
/*
 * The messages the threaded view draws as message id's thread (its root
 * and every row under it, in the order drawn): the window's own rows when
 * threaded, else those of a threaded window made around id. *ids is
 * malloc'd (caller frees); *n == 0 when id is not in the folder. -1 with
 * ix->err on a store error.
 */
int	ix_thread_of(struct ix *, int64_t id, int64_t **ids, size_t *n);
/* Set the flags of message id's row in the window (after an action). */
void	ix_set_flags(struct ix *, int64_t id, unsigned flags);
/*
 * Collapse the selected row's thread, or expand it when it is collapsed
 * (threaded view only); the selection goes to its root. 1 done, 0 nothing
 * to do (flat view, or a thread of one message), -1 with ix->err.
 */
int	ix_fold_thread(struct ix *);
/* Collapse every thread, or expand them all when the selected one is
 * collapsed (mutt's collapse-all); 1, 0 or -1 as above. */
int	ix_fold_all(struct ix *);
/*
 * Select the root of the next (dir > 0) or previous thread drawn; in the
 * flat view, the next or previous row. 1 moved, 0 no such thread, -1
 * with ix->err.
 */
int	ix_next_thread(struct ix *, int dir);
/* As ix_find, looking upwards from the selection (wrapping to the
 * bottom). */
int	ix_find_back(struct ix *, bool (*match)(const struct ix_row *, void *),
	    void *arg, bool *wrapped);

/* ---- a row's text (index-format.c) -------------------------------------- */

struct ix_fmt {
	const char	*format;	/* index_format; NULL: the built-in
					   columns */
	const char	*date_format;	/* strftime; NULL: by age */
	bool		 recipients;	/* Sent, Drafts: the author column
					   (%F) shows "To: ..." */
	bool		 ascii;		/* not a UTF-8 terminal: '?' for
					   other characters, before fitting */
	time_t		 now;
};
/* The text of row r on a screen width columns wide (tagged: '*' among
 * the flags): malloc'd, the caller frees; draw.c sanitises and fits it. */
char	*ix_format_row(const struct ix_fmt *, const struct ix_row *,
	    bool tagged, int width);
/* A size as "512", "1.5K", "20K", "3.2M", "41M". */
void	ix_format_size(int64_t n, char *buf, size_t len);

/* ---- the pager (pager.c) ------------------------------------------------ */

struct pg_line {
	size_t		 off, len;	/* bytes of text */
	int		 quote;		/* quote depth (> markers) */
	bool		 header;	/* in the header block */
};

/* What the pager shows of a message. */
enum pg_mode {
	PG_TEXT,			/* the usual headers, the body */
	PG_HEADERS,			/* every header field, the body */
	PG_RAW,				/* the full source */
};

struct pager {
	int64_t		 msg_id;	/* 0: a text such as the help */
	enum pg_mode	 mode;
	unsigned	 render;	/* MAIL_RENDER_* flags (the config's
					   alternative_order) */
	bool		 loading;	/* body not local yet */
	char		*text;		/* sanitised, tabs expanded */
	size_t		 textlen;
	struct pg_line	*lines;		/* wrapped to width */
	size_t		 nlines;
	int		 width, height;
	size_t		 top;
	char		*search;	/* last search, or NULL */
	char		*title;		/* status line words */
};

void	pager_init(struct pager *);
void	pager_free(struct pager *);
/* Show a text (help); title is shown in the status line. */
void	pager_set_text(struct pager *, const char *title, const char *text);
/* Show a message from the store, as mode says. */
int	pager_open(struct pager *, struct store *, int64_t id, enum pg_mode,
	    struct perr *);
void	pager_resize(struct pager *, int width, int height);
void	pager_scroll(struct pager *, long delta);
void	pager_top(struct pager *);
void	pager_bottom(struct pager *);
/* Find s after the top line (wrapping): 1 found, 0 not. */
int	pager_search(struct pager *, const char *);
/* Add text (any bytes: sanitised here) at the end of what is shown. */
void	pager_append(struct pager *, const char *text, size_t len);
/* Show a program's output (mailcap copiousoutput), any bytes. */
void	pager_set_output(struct pager *, const char *title, const char *text,
	    size_t len);

/* ---- the sidebar (sidebar.c) -------------------------------------------- */

struct sb_entry {
	size_t		 account;	/* index in cfg->accounts */
	int64_t		 folder_id;	/* 0: the account's own line, or a
					   parent the store does not hold */
	char		*name;		/* sanitised, the full name */
	char		*path;		/* "ACCOUNT/NAME" of a folder the
					   store holds, else NULL */
	size_t		 leaf;		/* offset of the last component */
	int64_t		 total, unread;
	int		 depth;		/* 0: the account's line */
	char		 delim;		/* hierarchy separator, 0: none */
	bool		 container;	/* holds folders only (\Noselect, or
					   only named by its children) */
	bool		 inbox;
	const char	*unsynced;	/* no sync pulls it: why (static) */
	const char	*search;	/* a saved search's query (the
					   config's), else NULL */
};

struct sidebar {
	struct sb_entry	*e;
	size_t		 n;
	size_t		 sel;
	bool		 visible;
	int		 width;
};

void	sidebar_init(struct sidebar *);
void	sidebar_free(struct sidebar *);
/* Reload every account's folders from st (NULL: accounts only). */
int	sidebar_load(struct sidebar *, const struct config *, struct store *,
	    struct perr *);
/* The entry for folder_id, or -1. */
long	sidebar_find(const struct sidebar *, int64_t folder_id);
void	sidebar_move(struct sidebar *, int dir);
/* Folder names of account starting with prefix: a NULL-terminated
 * malloc'd array of borrowed strings; the caller frees the array. */
const char **sidebar_complete(const struct sidebar *, size_t account,
	    const char *prefix, size_t *n);
/* The same plus every account's "ACCOUNT/FOLDER" paths (change-folder). */
const char **sidebar_complete_paths(const struct sidebar *, size_t account,
	    const char *prefix, size_t *n);
/*
 * The entry text names: a folder of account by its name (first), else
 * "ACCOUNT/FOLDER" of any account, else "ACCOUNT" or "ACCOUNT/" (its
 * Inbox). -1: none.
 */
long	sidebar_lookup(const struct sidebar *, const struct config *,
	    size_t account, const char *text);

/* ---- the status line (status.c) ----------------------------------------- */

struct status {
	char		*error;		/* the last error, sanitised */
	bool		 error_compose;	/* about the message being composed:
					   it goes with the compose screen */
	char		*msg;		/* transient message for the prompt line */
	char		*progress;	/* the worker's progress, or NULL */
};

void	status_init(struct status *);
void	status_free(struct status *);
void	status_error(struct status *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	status_msg(struct status *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	status_clear_msg(struct status *);
void	status_clear_error(struct status *);
void	status_progress(struct status *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	status_clear_progress(struct status *);
/* Does account i's password come from the file (asked for when refused)? */
bool	status_asks_password(const struct tui *, size_t i);
/* The left and right halves of the status line: malloc'd, caller frees. */
void	status_text(const struct tui *, char **left, char **right);

/* ---- the prompt (prompt.c) --------------------------------------------- */

typedef void	(*prompt_done_fn)(struct tui *, const char *text);
/* Candidates for the text so far: a NULL-terminated malloc'd array of
 * borrowed strings (caller frees the array). */
typedef const char **(*prompt_complete_fn)(struct tui *, const char *text,
	    size_t *n);

struct prompt {
	bool		 active;
	bool		 onekey;	/* y/n: one key answers */
	bool		 secret;	/* a password: never drawn, wiped */
	char		*label;
	char		*buf;
	size_t		 len, cap;
	prompt_done_fn	 done;
	prompt_complete_fn complete;
	char		*hint;		/* completion candidates shown */
};

void	prompt_init(struct prompt *);
void	prompt_free(struct prompt *);
void	prompt_start(struct prompt *, const char *label, prompt_done_fn,
	    prompt_complete_fn);
/* The same with text already typed (a default the user may edit). */
void	prompt_start_with(struct prompt *, const char *label,
	    const char *text, prompt_done_fn, prompt_complete_fn);
/* A question answered by one key: done gets "y", "n", ... ("" on Esc). */
void	prompt_ask(struct prompt *, const char *label, prompt_done_fn);
/*
 * A line typed without echo (a password): nothing of it is drawn, and
 * every copy is wiped once done returns (done must copy what it keeps).
 * Esc or ^G cancels without calling done.
 */
void	prompt_secret(struct prompt *, const char *label, prompt_done_fn);
/* Feed one key; runs done (Enter) or cancels (Esc, ^G). */
void	prompt_key(struct tui *, struct prompt *, int key);

/* ---- tags (tags.c) ----------------------------------------------------- */

/* The tagged messages of the open folder: a small set of row ids. */
struct tags {
	int64_t		*id;
	size_t		 n, cap;
};

/* tags.c */
bool	tags_has(const struct tags *, int64_t id);
void	tags_add(struct tags *, int64_t id);
void	tags_del(struct tags *, int64_t id);
void	tags_clear(struct tags *);

/* ---- the attachment list (attach.c) ------------------------------------- */

struct att_view {
	int64_t		 msg_id;
	struct mail_part *parts;	/* filenames sanitised by src/mail */
	size_t		 n;
	size_t		 sel, top;
	int		 height;
	char		*save_path;	/* waiting for "overwrite?" */
	char		**cands;	/* path completion (owned) */
	size_t		 ncands;
};

/* ---- the compose screen (compose-view.c) -------------------------------------- */

struct compose_screen {
	enum app_compose_kind kind;
	struct compose_draft d;
	size_t		 account;	/* index in cfg->accounts */
	int64_t		 resumed;	/* the draft it came from, or 0 */
	char		*dir;		/* private temp dir (0700) */
	char		*file;		/* the draft file in it (0600) */
	bool		 written;	/* the user wrote something */
	bool		 file_bad;	/* the file did not parse: edit again */
	size_t		 sel;		/* selected attachment */
	char		**cands;	/* completion candidates (owned) */
	size_t		 ncands;
};

/* ---- the sync workers (worker.c) --------------------------------------- */

struct workers {
	struct app_worker **w;		/* one per account, NULL: none */
	bool		*online;	/* per account */
	int64_t		*retry_ms;	/* per account, when offline */
	bool		*refused;	/* per account: login refused, not
					   tried again until the user syncs */
	size_t		 n;
	size_t		 asking;	/* the account whose password the
					   prompt asks for */
	bool		 started;
	int64_t		 loading;	/* body asked for the pager, or 0 */
};

/* ---- the whole UI -------------------------------------------------------- */

enum tui_view {
	TUI_VIEW_INDEX,
	TUI_VIEW_PAGER,
	TUI_VIEW_ATTACH,
	TUI_VIEW_COMPOSE,
};

/* What needs drawing before the next doupdate(). */
enum tui_dirty {
	TUI_DIRTY_SIDEBAR = 1 << 0,
	TUI_DIRTY_MAIN = 1 << 1,
	TUI_DIRTY_STATUS = 1 << 2,
	TUI_DIRTY_PROMPT = 1 << 3,
	TUI_DIRTY_LAYOUT = 1 << 4,	/* windows to be made again */
	TUI_DIRTY_ALL = 0x1f,
	TUI_DIRTY_CLEAR = 1 << 5,	/* repaint the terminal from scratch */
};

struct draw;				/* draw.c's windows */

struct tui {
	struct cli_ctx	*ctx;
	struct config	*cfg;
	struct store	*st;		/* read-only; NULL: no store yet */
	size_t		 account;	/* index in cfg->accounts */
	int64_t		 account_id;	/* in the store, 0: unknown */
	int64_t		 folder_id;	/* open folder, 0: none */
	char		*folder_name;	/* sanitised */
	bool		 folder_to;	/* Sent or Drafts: rows show "To: " */
	int64_t		 total, unread;
	bool		 online;	/* the open account's worker's word */
	bool		 offline_req;	/* --offline, or the user's toggle */

	enum tui_view	 view;
	struct keymap	 keys;
	struct ix	 ix;
	struct pager	 pg;
	struct sidebar	 sb;
	struct status	 status;
	struct prompt	 prompt;
	char		*ix_search;	/* last index search (search.c) */
	struct search_node *ix_search_q; /* ... parsed */
	char		*limit;		/* the open folder's limit, or NULL */
	struct search_node *limit_q;	/* ... parsed; the index's filter */
	int64_t		 limit_total;	/* messages matching it */
	/* The results view (S, :search, a saved search): the index over
	 * every folder of every account (folder_id 0); NULL: a folder. */
	struct search_node *view_q;
	char		*view_query;	/* as typed or configured */

	int		 rows, cols;	/* terminal size */
	bool		 too_small;
	unsigned	 dirty;		/* enum tui_dirty */
	bool		 bell;		/* beep at the next draw */
	bool		 quit;
	bool		 help_wanted;	/* the help action ran: tui.c shows
					   the key map's text */
	bool		 pending;	/* start-up work left for after the
					   first screen */
	bool		 defer_counts;
	bool		 counts_due;	/* the limit's count: after the
					   next screen (search.c) */
	int64_t		 limit_us;	/* for the bench: when the limit's
					   Enter came (monotonic, us); 0:
					   none to note (tui.c) */
	struct draw	*draw;

	struct app_act	*act;		/* read-write, for actions; lazily */
	size_t		 act_account;
	struct tags	 tags;
	/* The folder a create, rename or delete prompt is about
	 * (act-folder.c): its account, store name (owned; NULL: none) and
	 * messages. */
	size_t		 fop_account;
	char		*fop_name;
	int64_t		 fop_total;
	bool		 tag_prefix;	/* ';' typed: next action on tags */
	int64_t		*pend;		/* targets of a prompt in flight */
	size_t		 npend;
	bool		 pend_tags;	/* they are the tags: clear after */
	int64_t		 jwaiting, jfailed; /* journal of the open account */
	int64_t		 outbox;	/* messages waiting to be sent */
	struct att_view	 att;
	struct compose_screen *cs;	/* NULL: not composing */
	char		**shell_cands;	/* path completion (shell.c) */
	size_t		 nshell_cands;
	char		**urls;		/* open-url's list (shell.c) */
	size_t		 nurls;
	enum tui_view	 cs_back;	/* the view compose returns to */
	enum tui_view	 help_back;	/* the view help returns to */
	struct workers	 wk;
	unsigned	 refresh;	/* enum tui_refresh: after events */
	int64_t		 store_seen;	/* app_store_changed()'s version */
	int64_t		 store_check;	/* next look, monotonic ms */
};

/* Work the worker's events ask for, done once after reading them all. */
enum tui_refresh {
	TUI_REFRESH_INDEX = 1 << 0,	/* the open folder changed */
	TUI_REFRESH_SIDEBAR = 1 << 1,	/* counts changed */
	TUI_REFRESH_JOURNAL = 1 << 2,
};

/* view.c: what the actions and the loop ask of the screen (below them:
 * view.c calls only worker.c and the models). */
void	view_open_folder(struct tui *, size_t account, int64_t folder_id);
void	view_open_message(struct tui *, enum pg_mode);
/* Show a text (the help) in the pager; q goes back where it was. */
void	view_show_text(struct tui *, const char *title, const char *text);
/* Show a program's output (any bytes) in the pager; q goes back to
 * the view back. */
void	view_show_output(struct tui *, const char *title, const char *text,
	    size_t len, enum tui_view back);
void	view_index_moved(struct tui *, int rc);
void	view_layout(struct tui *);
unsigned view_ctx(const struct tui *);
/* After the store changed: reload the index around the selection, the
 * counts, the sidebar (what refresh says: enum tui_refresh). */
void	view_refresh(struct tui *, unsigned refresh);
/* The open folder's (or the results view's) counts, read again. */
void	view_counts(struct tui *);
/* The journal's and outbox's counts for the status line. */
void	view_journal_counts(struct tui *);
/* The open account's config. */
const struct account *view_account(const struct tui *);
/* The read-write handle for acting on the open account, or NULL with
 * the error in the status line. */
struct app_act *view_handle(struct tui *);
/* The same for any account (index in cfg->accounts). */
struct app_act *view_handle_account(struct tui *, size_t account);
/* Mark a message read (opening it): quietly, through app_act_flags. */
void	view_mark_read(struct tui *, int64_t id);
void	view_free(struct tui *);
/* Forget the limit (another folder opens). */
void	view_limit_clear(struct tui *);
/* The limit's or the results view's counts, after the store changed. */
void	view_search_counts(struct tui *);
/* Leave the results view (a folder opens). */
void	view_results_close(struct tui *);

/* act-generic.c, act-index.c, act-pager.c: see actions.c's table. */
void	generic_act_quit(struct tui *);
void	generic_act_help(struct tui *);
void	generic_act_change_folder(struct tui *);
void	generic_act_sidebar_toggle(struct tui *);
void	generic_act_sidebar_next(struct tui *);
void	generic_act_sidebar_prev(struct tui *);
void	generic_act_sidebar_open(struct tui *);
void	generic_act_redraw(struct tui *);
void	generic_act_sync(struct tui *);
void	generic_act_toggle_online(struct tui *);
/* Open the folder text names (sidebar_lookup), or say there is none. */
void	generic_open_named(struct tui *, const char *text);
void	index_act_next_entry(struct tui *);
void	index_act_prev_entry(struct tui *);
void	index_act_next_page(struct tui *);
void	index_act_prev_page(struct tui *);
void	index_act_first_entry(struct tui *);
void	index_act_last_entry(struct tui *);
void	index_act_display(struct tui *);
void	index_act_display_raw(struct tui *);
void	index_act_display_headers(struct tui *);
void	index_act_next_unread(struct tui *);
void	index_act_prev_unread(struct tui *);
void	index_act_toggle_threads(struct tui *);
void	index_act_collapse_thread(struct tui *);
void	index_act_collapse_all(struct tui *);
void	index_act_next_thread(struct tui *);
void	index_act_prev_thread(struct tui *);
void	index_act_sort(struct tui *);
void	index_act_sort_reverse(struct tui *);
void	index_act_sort_date(struct tui *);
void	index_act_sort_from(struct tui *);
void	index_act_sort_subject(struct tui *);
void	index_act_sort_size(struct tui *);
/* ':sort KEY': date, from, subject or size (a prefix will do), "reverse"
 * after it (or "reverse-KEY") for the other way. */
void	index_sort_named(struct tui *, const char *key, bool reverse);
/* An unread row, or a collapsed thread with unread mail in it (for
 * ix_find). */
bool	index_match_unread(const struct ix_row *, void *);
void	pager_act_exit(struct tui *);
void	pager_act_next_line(struct tui *);
void	pager_act_prev_line(struct tui *);
void	pager_act_next_page(struct tui *);
void	pager_act_prev_page(struct tui *);
void	pager_act_top(struct tui *);
void	pager_act_bottom(struct tui *);
void	pager_act_search(struct tui *);
void	pager_act_search_next(struct tui *);
void	pager_act_toggle_raw(struct tui *);
void	pager_act_toggle_headers(struct tui *);
void	pager_act_next_msg(struct tui *);
void	pager_act_prev_msg(struct tui *);
void	pager_act_next_unread(struct tui *);

/* act.c: the actions on mail (see actions.c's table for the names). */
/* The message the user looks at: the pager's, else the selected row; 0. */
int64_t	act_current(const struct tui *);
void	act_mail_delete(struct tui *);
void	act_mail_undelete(struct tui *);
void	act_mail_save(struct tui *);
void	act_mail_copy(struct tui *);
/* Move / copy the targets to dest at once (':move FOLDER'). */
void	act_mail_move_to(struct tui *, const char *dest);
void	act_mail_copy_to(struct tui *, const char *dest);
void	act_mail_flag(struct tui *);
void	act_mail_toggle_new(struct tui *);
void	act_mail_archive(struct tui *);
void	act_mail_expunge(struct tui *);
void	act_mail_sync_mailbox(struct tui *);
void	act_mail_tag(struct tui *);
void	act_mail_tag_prefix(struct tui *);
void	act_mail_tag_thread(struct tui *);
void	act_mail_untag_all(struct tui *);
void	act_mail_delete_thread(struct tui *);
void	act_mail_undelete_thread(struct tui *);
void	act_mail_read_thread(struct tui *);
/* The targets of an action into t->pend (the tagged messages after the
 * tag prefix, a collapsed thread, else the current message): their
 * number, 0 (said) when none. act_targets_used() after it succeeded. */
size_t	act_targets(struct tui *);
void	act_targets_used(struct tui *);
/* Tags and targets freed. */
void	act_free(struct tui *);

/* act-folder.c: folders (create-folder, ...; ':mkdir', ...). */
void	folder_act_create(struct tui *);
void	folder_act_rename(struct tui *);
void	folder_act_delete(struct tui *);
/* mkdir: in the open account; rename's from and rmdir's name: a folder
 * of the open account, or ACCOUNT/FOLDER. */
void	folder_cmd_mkdir(struct tui *, const char *name);
void	folder_cmd_rename(struct tui *, const char *from, const char *to);
void	folder_cmd_rmdir(struct tui *, const char *name);
void	folder_free(struct tui *);

/* compose-view.c */
void	compose_act_new(struct tui *);
void	compose_act_reply(struct tui *);
void	compose_act_group_reply(struct tui *);
void	compose_act_list_reply(struct tui *);
void	compose_act_list_unsubscribe(struct tui *);
/* The compose screen on a new message filled from a mailto: URL. */
void	compose_start_mailto(struct tui *, const char *url);
void	compose_act_forward(struct tui *);
void	compose_act_resume(struct tui *);
void	compose_act_send(struct tui *);
void	compose_act_postpone(struct tui *);
void	compose_act_abort(struct tui *);
void	compose_act_edit(struct tui *);
void	compose_act_attach(struct tui *);
void	compose_act_detach(struct tui *);
void	compose_act_from(struct tui *);
void	compose_act_to(struct tui *);
void	compose_act_cc(struct tui *);
void	compose_act_bcc(struct tui *);
void	compose_act_subject(struct tui *);
void	compose_act_next(struct tui *);
void	compose_act_prev(struct tui *);
void	compose_free(struct tui *);
/* Paths starting with text (a directory gets a '/'), for prompts: the
 * strings are kept in *store until the next call (free with
 * compose_cands_free). */
const char **compose_path_complete(char ***store, size_t *nstore,
	    const char *text, size_t *n);
void	compose_cands_free(char ***store, size_t *nstore);

/* attach.c */
void	attach_act_open(struct tui *);
void	attach_act_exit(struct tui *);
void	attach_act_next(struct tui *);
void	attach_act_prev(struct tui *);
void	attach_act_save(struct tui *);
void	attach_act_view(struct tui *);
void	attach_free(struct tui *);
/* "~/x" -> "$HOME/x"; malloc'd. */
char	*attach_expand_home(const char *path);

/* shell.c: messages to the user's programs and files. */
void	shell_act_pipe(struct tui *);
void	shell_act_pipe_text(struct tui *);
void	shell_act_save_file(struct tui *);
void	shell_act_bounce(struct tui *);
void	shell_act_print(struct tui *);
void	shell_act_open_url(struct tui *);
void	shell_free(struct tui *);

/* mailcap.c: RFC 1524, the parts posta uses. */
struct mailcap_entry {
	char		*type;		/* "image/png", or "text" "/" "*" */
	char		*command;	/* as written, %s not yet replaced */
	bool		 copiousoutput;
	bool		 needsterminal;
};
/* The files to read: $MAILCAPS, else ~/.mailcap:/etc/mailcap. Malloc'd. */
char	*mailcap_path(void);
/* The first entry for type (exact, then type/\*) in the colon-separated
 * files of path, skipping an entry whose test= command does not exit 0
 * within 2 s (it runs through /bin/sh -c, %t sanitised, output dropped):
 * 1 found (*e filled, free with mailcap_entry_free), 0 none. */
int	mailcap_find(const char *path, const char *type,
	    struct mailcap_entry *e);
void	mailcap_entry_free(struct mailcap_entry *);
/* A file name from a message made safe to create: "../.x/a b.pdf" ->
 * "a b.pdf" (no directories, no leading dots or spaces, no control
 * characters), fallback when nothing is left. Malloc'd. */
char	*mailcap_safe_name(const char *name, const char *fallback);
/* The shell command: %s -> the file (single-quoted), %t -> the type
 * (safe characters only), %% -> %. *with_file is false when the command
 * has no %s (the file then goes on its standard input). Malloc'd. */
char	*mailcap_command(const struct mailcap_entry *, const char *file,
	    const char *type, bool *with_file);

/* autoview.c: the open message's parts whose types auto_view lists,
 * shown at the end of the pager's text through their mailcap
 * copiousoutput entries (nothing when there are none). */
void	autoview_append(struct tui *);

/* worker.c */
/* Start one worker per account (after the first screen: never before). */
void	workers_start(struct tui *);
void	workers_stop(struct tui *);
/* Add the workers' event fds to fds (at most max): how many added. */
size_t	workers_pollfds(struct tui *, struct pollfd *, size_t max);
/* Read every waiting event and act on it. */
void	workers_events(struct tui *);
/*
 * A pass on every account now. An account whose login was refused and
 * whose password comes from the file (no password_command, no OAuth2)
 * is not tried with it again: the password is asked for (no echo), and
 * the account tried once with what is typed.
 */
void	workers_sync_now(struct tui *);
void	workers_replay(struct tui *);
void	workers_replay_account(struct tui *, size_t account);
void	workers_fetch_body(struct tui *, int64_t id);
void	workers_watch(struct tui *);
void	workers_toggle_online(struct tui *);
/* Flush the open account's outbox without blocking the UI. */
void	workers_flush_outbox(struct tui *, size_t account);

/* search.c: the query language in the index (doc/SEARCH.md). */
void	search_act_limit(struct tui *);
void	search_limit_count(struct tui *);
void	search_act_find(struct tui *);
void	search_act_find_next(struct tui *);
void	search_act_all(struct tui *);
/* Open the results view of query (title: a saved search's name, or
 * NULL); false (said) when it does not parse. */
bool	search_view_open(struct tui *, const char *title, const char *query);
/* In the results view, the selected message's account becomes the open
 * account, so that actions and folder prompts are its own. */
void	search_view_follow(struct tui *);
/* ":limit QUERY": the open folder limited to query (empty, "all": none). */
void	search_limit_to(struct tui *, const char *query);
void	search_ui_free(struct tui *);

/* run.c */
/* Run "sh -c cmd sh arg" on the terminal with curses suspended; the exit
 * status (-1: not run, err set). */
int	run_interactive(struct tui *, const char *cmd, const char *arg,
	    struct perr *);
/* Run it with stdin from in_file (or /dev/null) and its output (at most
 * RUN_MAX_OUTPUT bytes) into *out (malloc'd), for at most RUN_MAX_SECONDS
 * (then it is killed, its process group with it: -1, PERR_TIMEOUT). */
#define RUN_MAX_OUTPUT	(4 * 1024 * 1024)
#define RUN_MAX_SECONDS	10
int	run_capture(const char *cmd, const char *arg, const char *in_file,
	    char **out, size_t *len, struct perr *);
/* Write n bytes to path (0600, never through a symlink); excl: refuse an
 * existing file, else replace it. 0, or -1 with err. */
int	run_write_file(const char *path, const char *bytes, size_t n,
	    bool excl, struct perr *err);
/* A private directory (0700) under $TMPDIR or /tmp: malloc'd path. */
char	*run_tmpdir(struct perr *);
/* Remove a directory made by run_tmpdir and the files in it. */
void	run_rmdir(const char *);

/* draw.c */
/* Styles from cfg's [colors] over the defaults; after curses started. */
struct draw *draw_new(const struct config *);
void	draw_free(struct draw *);
/* Make the windows for t's size and layout. */
void	draw_layout(struct draw *, struct tui *);
/* Paint what t->dirty says, then one doupdate(). */
void	draw_screen(struct draw *, struct tui *);
/* After a program ran on the terminal: everything drawn again. */
void	draw_restore(struct draw *, struct tui *);
/* Main-area size the layout gives (for the index and pager). */
void	draw_main_size(const struct tui *, int *w, int *h);
/* The window that reads keys. */
void	*draw_input_window(struct draw *);

#endif
