/*
 * tui-int.h - what the files of ui/tui share; private to the directory
 * (the face is tui.h: tui_main()).
 *
 *   tui.c      start-up, curses set-up, the poll() loop, signals, resize,
 *              layout, key dispatch
 *   keys.c     the named actions table, key names, the key map with [keys]
 *              overrides, the generated help text, action completion
 *   index.c    the index: a window of rows on the store (keyset pages),
 *              flat or threaded, sorted; never the whole folder
 *   thread.c   JWZ threading of an array of rows (bounded)
 *   pager.c    one message (or the help text) as wrapped lines; search,
 *              raw view
 *   sidebar.c  accounts and folders with counts
 *   status.c   the status line's words and the last error
 *   prompt.c   the one-line prompt: editing and completion
 *   draw.c     the only file that writes to the screen; every string it
 *              draws is sanitised there, whatever its origin
 *
 * Only tui.c and draw.c (and keys.c, for key codes) include curses: index,
 * thread, pager, sidebar, status and prompt are plain state machines that
 * the unit tests drive without a terminal.
 */
#ifndef POSTA_TUI_INT_H
#define POSTA_TUI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "util/config.h"
#include "store/store.h"

struct tui;

/* ---- keys ------------------------------------------------------------ */

/*
 * A key: a Unicode code point below 0x110000, or a curses function key
 * (KEY_UP, ...) tagged with TUI_KEY_FN.
 */
#define TUI_KEY_FN	0x1000000
#define TUI_CTRL(c)	((c) & 0x1f)

/* Where an action applies; a binding follows its action's contexts. */
enum tui_ctx {
	TUI_CTX_INDEX = 1 << 0,
	TUI_CTX_PAGER = 1 << 1,
	TUI_CTX_ALL = TUI_CTX_INDEX | TUI_CTX_PAGER,
};

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

/* Fill km with the defaults, then apply cfg's [keys]; problems are
 * described in err (first one) but never stop the others. */
int	keymap_init(struct keymap *, const struct config *, struct perr *);
void	keymap_free(struct keymap *);
const struct tui_action *keymap_lookup(const struct keymap *, unsigned ctx,
	    int key);
/* The action called name that applies in ctx, or NULL. */
const struct tui_action *keys_action(const char *name, unsigned ctx);
/* "j", "^N", "Down", ... -> key code; -1 if not a key name. */
int	keys_parse(const char *);
/* The name of a key in buf (>= 16 bytes). */
const char *keys_name(int key, char *buf, size_t len);
/* The help text for the live map: malloc'd, caller frees. */
char	*keys_help(const struct keymap *);
/* Names of actions valid in ctx starting with prefix: a NULL-terminated
 * malloc'd array of borrowed strings; the caller frees the array. */
const char **keys_complete(unsigned ctx, const char *prefix, size_t *n);

/* ---- threading (thread.c) -------------------------------------------- */

/* What threading needs of a message; strings are borrowed. */
struct thread_in {
	const char	*message_id;
	const char	*in_reply_to;
	const char	*refs;		/* space-separated ids */
	const char	*subject;
	int64_t		 date;
	int64_t		 id;		/* tie-break for equal dates */
};

/* One output row: which input, how deep, and its tree prefix. */
struct thread_out {
	size_t		 index;		/* into the input array */
	int		 depth;
	char		*tree;		/* malloc'd: "├─>" style prefix, "" */
};

/*
 * JWZ threading (Message-ID, References, In-Reply-To, then subject) of n
 * messages. Threads are ordered by their newest message, newest first;
 * replies under their parent oldest first. *out is a malloc'd array of n
 * rows (each input once) freed with thread_out_free().
 */
void	thread_build(const struct thread_in *, size_t n,
	    struct thread_out **out);
void	thread_out_free(struct thread_out *, size_t n);
/* "Re: Fwd: [list] x" -> "x": malloc'd, caller frees. */
char	*thread_subject_base(const char *);

/* ---- the index window (index.c) --------------------------------------- */

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
	char		*from;		/* sanitised, one line */
	char		*subject;	/* sanitised, one line */
	char		*tree;		/* threaded: prefix, else NULL */
	int		 depth;
	/* threading only, else NULL */
	char		*message_id, *in_reply_to, *refs;
};

/* A block: rows fetched together, with the source range they cover. */
struct ix_block {
	struct store_page_key first, last;	/* raw keys (date order) */
	size_t		 pos_first, pos_last;	/* sorted-array positions */
	size_t		 nrows;			/* display rows in it */
};

/* A compact sort key for the in-memory sorts (bounded, see index.c). */
struct ix_key {
	int64_t		 id;
	int64_t		 date;		/* ties are broken newest first */
	int64_t		 size;
	char		*str;		/* folded sender/subject, or NULL */
};

#define IX_SORT_MAX	20000	/* largest folder sorted by other than date */
#define IX_BLOCK	100	/* rows per fetch (flat) */
#define IX_TBLOCK	200	/* raw rows per block (threaded) */
#define IX_MAX_BLOCKS	5	/* blocks looked through to find a row again */
#define IX_MAX_ROWS	500	/* rows kept beyond the screen's needs */
#define IX_TBLOCK_ROWS	2000	/* a threaded block ends early past this */
#define IX_THREAD_MAX	1000	/* members pulled in for one thread */

struct ix {
	struct store	*st;		/* borrowed; NULL: nothing to show */
	int64_t		 folder_id;
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

	struct ix_key	*keys;		/* sorted keys (non-date sorts) */
	size_t		 nkeys;

	struct perr	 err;		/* the last store error */
};

void	ix_init(struct ix *);
/* Show folder_id of st (st may be NULL: an empty index). */
int	ix_open(struct ix *, struct store *, int64_t folder_id);
void	ix_close(struct ix *);
void	ix_set_height(struct ix *, int);
/* Movements: return 0, or -1 with ix->err set on a store error. */
int	ix_move(struct ix *, long delta);
int	ix_page(struct ix *, int dir);
int	ix_home(struct ix *);
int	ix_end(struct ix *);
/* Reload around the selected message (after the store changed). */
int	ix_refresh(struct ix *);
int	ix_set_sort(struct ix *, enum ix_sort, bool reverse);
int	ix_set_threaded(struct ix *, bool);
/* Select the next row (after the selection, wrapping to the top) that
 * matches; 1 found, 0 none, -1 error. The match functions get rows. */
int	ix_find(struct ix *, bool (*match)(const struct ix_row *, void *),
	    void *arg);
/* The selected row, or NULL when the folder is empty. */
const struct ix_row *ix_selected(const struct ix *);
/* Select a message by id if it is in the window: true when found. */
bool	ix_select_id(struct ix *, int64_t id);

/* ---- the pager (pager.c) ------------------------------------------------ */

struct pg_line {
	size_t		 off, len;	/* bytes of text */
	int		 quote;		/* quote depth (> markers) */
	bool		 header;	/* in the header block */
};

struct pager {
	int64_t		 msg_id;	/* 0: a text such as the help */
	bool		 raw;		/* showing the full source */
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
/* Show a message from the store (raw: its full source). */
int	pager_open(struct pager *, struct store *, int64_t id, bool raw,
	    struct perr *);
void	pager_resize(struct pager *, int width, int height);
void	pager_scroll(struct pager *, long delta);
void	pager_top(struct pager *);
void	pager_bottom(struct pager *);
/* Find s after the top line (wrapping): 1 found, 0 not. */
int	pager_search(struct pager *, const char *);

/* ---- the sidebar (sidebar.c) -------------------------------------------- */

struct sb_entry {
	size_t		 account;	/* index in cfg->accounts */
	int64_t		 folder_id;	/* 0: the account's own line */
	char		*name;		/* sanitised, the full name */
	size_t		 leaf;		/* offset of the last component */
	int64_t		 total, unread;
	int		 depth;
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

/* ---- the status line (status.c) ----------------------------------------- */

struct status {
	char		*error;		/* the last error, sanitised */
	char		*msg;		/* transient message for the prompt line */
};

void	status_init(struct status *);
void	status_free(struct status *);
void	status_error(struct status *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	status_msg(struct status *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	status_clear_msg(struct status *);
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
/* Feed one key; runs done (Enter) or cancels (Esc, ^G). */
void	prompt_key(struct tui *, struct prompt *, int key);

/* ---- the whole UI -------------------------------------------------------- */

enum tui_view {
	TUI_VIEW_INDEX,
	TUI_VIEW_PAGER,
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
	int64_t		 total, unread;
	bool		 online;	/* the worker's word; false for now */

	enum tui_view	 view;
	struct keymap	 keys;
	struct ix	 ix;
	struct pager	 pg;
	struct sidebar	 sb;
	struct status	 status;
	struct prompt	 prompt;
	char		*ix_search;	/* last index search */

	int		 rows, cols;	/* terminal size */
	bool		 too_small;
	unsigned	 dirty;		/* enum tui_dirty */
	bool		 quit;
	bool		 pending;	/* start-up work left for after the
					   first screen */
	bool		 defer_counts;
	struct draw	*draw;
};

/* tui.c: the things actions ask of the UI. */
void	tui_open_folder(struct tui *, size_t account, int64_t folder_id);
void	tui_open_message(struct tui *, bool raw);
void	tui_show_help(struct tui *);
void	tui_index_moved(struct tui *, int rc);
void	tui_layout(struct tui *);
unsigned tui_ctx(const struct tui *);

/* draw.c */
struct draw *draw_new(void);
void	draw_free(struct draw *);
/* Make the windows for t's size and layout. */
void	draw_layout(struct draw *, struct tui *);
/* Paint what t->dirty says, then one doupdate(). */
void	draw_screen(struct draw *, struct tui *);
/* Main-area size the layout gives (for the index and pager). */
void	draw_main_size(const struct tui *, int *w, int *h);
/* The window that reads keys. */
void	*draw_input_window(struct draw *);

#endif
