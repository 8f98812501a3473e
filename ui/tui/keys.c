/*
 * keys.c - every action the UI can do, by name, in one table. The key map,
 * the [keys] overrides, the ':' prompt with completion and the help screen
 * all come from this table, so every binding has a name and the help is
 * always the live map.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/tui-int.h"

/* ---- actions ------------------------------------------------------------- */

static void	act_quit(struct tui *);
static void	act_help(struct tui *);
static void	act_command(struct tui *);
static void	act_change_folder(struct tui *);
static void	act_sidebar_toggle(struct tui *);
static void	act_sidebar_next(struct tui *);
static void	act_sidebar_prev(struct tui *);
static void	act_sidebar_open(struct tui *);
static void	act_redraw(struct tui *);
static void	act_sync(struct tui *);
static void	act_next_entry(struct tui *);
static void	act_prev_entry(struct tui *);
static void	act_next_page(struct tui *);
static void	act_prev_page(struct tui *);
static void	act_first_entry(struct tui *);
static void	act_last_entry(struct tui *);
static void	act_display(struct tui *);
static void	act_display_raw(struct tui *);
static void	act_next_unread(struct tui *);
static void	act_toggle_threads(struct tui *);
static void	act_prev_unread(struct tui *);
static void	act_collapse_thread(struct tui *);
static void	act_collapse_all(struct tui *);
static void	act_next_thread(struct tui *);
static void	act_prev_thread(struct tui *);
static void	act_sort(struct tui *);
static void	act_sort_reverse(struct tui *);
static void	act_sort_date(struct tui *);
static void	act_sort_from(struct tui *);
static void	act_sort_subject(struct tui *);
static void	act_sort_size(struct tui *);
static void	act_pg_exit(struct tui *);
static void	act_pg_next_line(struct tui *);
static void	act_pg_prev_line(struct tui *);
static void	act_pg_next_page(struct tui *);
static void	act_pg_prev_page(struct tui *);
static void	act_pg_top(struct tui *);
static void	act_pg_bottom(struct tui *);
static void	act_pg_search(struct tui *);
static void	act_pg_search_next(struct tui *);
static void	act_pg_toggle_raw(struct tui *);
static void	act_pg_next_msg(struct tui *);
static void	act_pg_prev_msg(struct tui *);
static void	act_pg_next_unread(struct tui *);
static void	act_toggle_online(struct tui *);

#define I	TUI_CTX_INDEX
#define P	TUI_CTX_PAGER
#define A	TUI_CTX_ALL
#define X	TUI_CTX_ATTACH
#define C	TUI_CTX_COMPOSE
#define H	(TUI_CTX_ALL | TUI_CTX_ATTACH | TUI_CTX_COMPOSE)

static const struct tui_action actions[] = {
	{ "quit", I, "leave posta", act_quit },
	{ "help", H, "this screen: the key map as it is now", act_help },
	{ "command-prompt", H, "run any action by name (Tab completes)",
	    act_command },
	{ "change-folder", A, "open another folder (Tab completes)",
	    act_change_folder },
	{ "sidebar-toggle", A, "show or hide the folder list",
	    act_sidebar_toggle },
	{ "sidebar-next", A, "highlight the next folder", act_sidebar_next },
	{ "sidebar-prev", A, "highlight the previous folder",
	    act_sidebar_prev },
	{ "sidebar-open", A, "open the highlighted folder", act_sidebar_open },
	{ "redraw", H, "clear and redraw the screen", act_redraw },
	{ "sync-now", H, "synchronise every account now (journal first)",
	    act_sync },
	{ "toggle-online", H, "go offline (no network at all) or back online",
	    act_toggle_online },

	{ "next-entry", I, "move to the next message", act_next_entry },
	{ "previous-entry", I, "move to the previous message", act_prev_entry },
	{ "next-page", I, "move down one screen", act_next_page },
	{ "previous-page", I, "move up one screen", act_prev_page },
	{ "first-entry", I, "move to the first message", act_first_entry },
	{ "last-entry", I, "move to the last message", act_last_entry },
	{ "display-message", I, "read the selected message", act_display },
	{ "display-raw", I, "show the full source of the selected message",
	    act_display_raw },
	{ "search", I, "find the next message matching a query (doc/SEARCH.md)",
	    search_act_find },
	{ "search-next", I, "find the next match of the last search",
	    search_act_find_next },
	{ "search-all", A, "search every folder of every account; the "
	    "results are a folder (also :search QUERY)", search_act_all },
	{ "limit", I, "show only the messages matching a query (empty or "
	    "all: every one)", search_act_limit },
	{ "next-unread", I, "go to the next unread message", act_next_unread },
	{ "previous-unread", I, "go to the previous unread message",
	    act_prev_unread },
	{ "toggle-threads", I, "switch between threaded and flat view",
	    act_toggle_threads },
	{ "collapse-thread", I, "collapse the thread to one row, or expand it",
	    act_collapse_thread },
	{ "collapse-all", I, "collapse every thread, or expand them all",
	    act_collapse_all },
	{ "next-thread", I, "go to the next thread", act_next_thread },
	{ "previous-thread", I, "go to the previous thread",
	    act_prev_thread },
	{ "sort", I, "sort by date, from, subject or size (Tab completes)",
	    act_sort },
	{ "sort-reverse", I, "reverse the sort order (flat view)",
	    act_sort_reverse },
	{ "sort-date", I, "sort by date, newest first", act_sort_date },
	{ "sort-from", I, "sort by sender, A to Z (flat view)",
	    act_sort_from },
	{ "sort-subject", I, "sort by subject without Re:, A to Z (flat "
	    "view)", act_sort_subject },
	{ "sort-size", I, "sort by size, largest first (flat view)",
	    act_sort_size },

	{ "delete-message", A, "delete: to Trash (in Trash: mark deleted)",
	    act_mail_delete },
	{ "undelete-message", A, "clear the deleted mark", act_mail_undelete },
	{ "save-message", A, "move to a folder (Tab completes)",
	    act_mail_save },
	{ "copy-message", A, "copy to a folder (Tab completes)",
	    act_mail_copy },
	{ "flag-message", A, "flag or unflag", act_mail_flag },
	{ "toggle-new", A, "mark read or new", act_mail_toggle_new },
	{ "archive-message", A, "move to the Archive folder",
	    act_mail_archive },
	{ "sync-mailbox", A, "expunge the deleted messages of this folder, "
	    "then synchronise now", act_mail_sync_mailbox },
	{ "expunge", A, "remove the deleted messages of this folder",
	    act_mail_expunge },
	{ "tag-entry", A, "tag or untag the message", act_mail_tag },
	{ "tag-prefix", A, "apply the next action to the tagged messages",
	    act_mail_tag_prefix },
	{ "tag-thread", A, "tag or untag the whole thread",
	    act_mail_tag_thread },
	{ "untag-all", A, "untag every message", act_mail_untag_all },
	{ "delete-thread", A, "delete the whole thread",
	    act_mail_delete_thread },
	{ "undelete-thread", A, "undelete the whole thread",
	    act_mail_undelete_thread },
	{ "read-thread", A, "mark the whole thread read",
	    act_mail_read_thread },
	{ "mail", A, "write a new message", compose_act_new },
	{ "reply", A, "reply to the sender", compose_act_reply },
	{ "group-reply", A, "reply to the sender and every recipient",
	    compose_act_group_reply },
	{ "list-reply", A, "reply to the mailing list (its List-Post)",
	    compose_act_list_reply },
	{ "list-unsubscribe", A, "unsubscribe: a mailto: request to send, "
	    "or the link shown", compose_act_list_unsubscribe },
	{ "forward-message", A, "forward (inline or as an attachment)",
	    compose_act_forward },
	{ "resume-draft", A, "continue a postponed message (a draft)",
	    compose_act_resume },
	{ "view-attachments", A, "list the parts: save or open them",
	    attach_act_open },
	{ "pipe-message", A, "give the raw message to a command, show its "
	    "output", shell_act_pipe },
	{ "pipe-text", A, "give the decoded text to a command, show its "
	    "output", shell_act_pipe_text },
	{ "save-to-file", A, "append the message (or the tagged ones) to an "
	    "mbox file", shell_act_save_file },
	{ "bounce-message", A, "remail the message untouched to other "
	    "addresses (Resent-* headers)", shell_act_bounce },
	{ "print-message", A, "give the message's text (or the tagged ones') "
	    "to print_command", shell_act_print },
	{ "open-url", A, "list the message's links; open the chosen one "
	    "with url_command", shell_act_open_url },

	{ "exit", P, "back to the index", act_pg_exit },
	{ "next-line", P, "scroll down one line", act_pg_next_line },
	{ "previous-line", P, "scroll up one line", act_pg_prev_line },
	{ "next-page", P, "scroll down one screen", act_pg_next_page },
	{ "previous-page", P, "scroll up one screen", act_pg_prev_page },
	{ "top", P, "go to the top of the message", act_pg_top },
	{ "bottom", P, "go to the end of the message", act_pg_bottom },
	{ "search", P, "find text in the message", act_pg_search },
	{ "search-next", P, "find the next match", act_pg_search_next },
	{ "toggle-raw", P, "switch between the message and its full source",
	    act_pg_toggle_raw },
	{ "next-entry", P, "read the next message", act_pg_next_msg },
	{ "previous-entry", P, "read the previous message", act_pg_prev_msg },
	{ "next-unread", P, "read the next unread message",
	    act_pg_next_unread },

	{ "exit", X, "back to the message", attach_act_exit },
	{ "next-entry", X, "select the next part", attach_act_next },
	{ "previous-entry", X, "select the previous part", attach_act_prev },
	{ "save-attachment", X, "save the part to a file",
	    attach_act_save },
	{ "view-attachment", X, "open the part through mailcap",
	    attach_act_view },

	{ "send-message", C, "send (through the outbox)", compose_act_send },
	{ "postpone-message", C, "keep it in Drafts for later",
	    compose_act_postpone },
	{ "abort-message", C, "throw the message away", compose_act_abort },
	{ "edit-message", C, "edit the message in $VISUAL / $EDITOR",
	    compose_act_edit },
	{ "attach-file", C, "attach a file (Tab completes paths)",
	    compose_act_attach },
	{ "detach-file", C, "remove the selected attachment",
	    compose_act_detach },
	{ "edit-from", C, "choose From among the identities (Tab lists them)",
	    compose_act_from },
	{ "edit-to", C, "edit To (Tab completes addresses)", compose_act_to },
	{ "edit-cc", C, "edit Cc (Tab completes addresses)", compose_act_cc },
	{ "edit-bcc", C, "edit Bcc (Tab completes addresses)",
	    compose_act_bcc },
	{ "edit-subject", C, "edit the subject", compose_act_subject },
	{ "next-entry", C, "select the next attachment", compose_act_next },
	{ "previous-entry", C, "select the previous attachment",
	    compose_act_prev },
};
#define NACTIONS	(sizeof actions / sizeof actions[0])

/* The defaults: mutt's where mutt has one. */
static const struct {
	unsigned	 ctx;
	const char	*key;
	const char	*action;
} defaults[] = {
	{ I, "q", "quit" },
	{ H, "?", "help" },
	{ H, "F1", "help" },
	{ H, ":", "command-prompt" },
	{ A, "c", "change-folder" },
	{ A, "B", "sidebar-toggle" },
	{ A, "^N", "sidebar-next" },
	{ A, "^P", "sidebar-prev" },
	{ A, "^O", "sidebar-open" },
	{ H, "^L", "redraw" },
	{ A, "$", "sync-mailbox" },
	{ H, "@", "toggle-online" },
	{ H, "^G", "sync-now" },
	{ A, "d", "delete-message" },
	{ A, "u", "undelete-message" },
	{ A, "s", "save-message" },
	{ A, "C", "copy-message" },
	{ A, "F", "flag-message" },
	{ A, "N", "toggle-new" },
	{ A, "a", "archive-message" },
	{ A, "T", "tag-entry" },
	{ A, ";", "tag-prefix" },
	{ A, "^T", "tag-thread" },
	{ A, "^D", "delete-thread" },
	{ A, "^U", "undelete-thread" },
	{ A, "^R", "read-thread" },
	{ A, "m", "mail" },
	{ A, "r", "reply" },
	{ A, "g", "group-reply" },
	{ A, "L", "list-reply" },
	{ A, "f", "forward-message" },
	{ A, "R", "resume-draft" },
	{ A, "v", "view-attachments" },
	{ A, "|", "pipe-message" },
	{ A, "b", "bounce-message" },
	{ A, "p", "print-message" },
	{ A, "^B", "open-url" },

	{ I, "j", "next-entry" },
	{ I, "Down", "next-entry" },
	{ I, "k", "previous-entry" },
	{ I, "Up", "previous-entry" },
	{ I, "PageDown", "next-page" },
	{ I, "Right", "next-page" },
	{ I, "PageUp", "previous-page" },
	{ I, "Left", "previous-page" },
	{ I, "=", "first-entry" },
	{ I, "Home", "first-entry" },
	{ I, "G", "last-entry" },
	{ I, "End", "last-entry" },
	{ I, "Enter", "display-message" },
	{ I, "Space", "display-message" },
	{ I, "h", "display-raw" },
	{ I, "/", "search" },
	{ I, "n", "search-next" },
	{ I, "l", "limit" },
	{ A, "S", "search-all" },
	{ A, "Tab", "next-unread" },
	{ I, "BackTab", "previous-unread" },
	{ I, "t", "toggle-threads" },
	{ I, "Esc v", "collapse-thread" },
	{ I, "Esc V", "collapse-all" },
	{ I, "Esc n", "next-thread" },
	{ I, "Esc p", "previous-thread" },
	{ I, "o", "sort" },
	{ I, "O", "sort-reverse" },

	{ P, "q", "exit" },
	{ P, "i", "exit" },
	{ P, "Esc", "exit" },
	{ P, "j", "next-line" },
	{ P, "Down", "next-line" },
	{ P, "Enter", "next-line" },
	{ P, "k", "previous-line" },
	{ P, "Up", "previous-line" },
	{ P, "Space", "next-page" },
	{ P, "PageDown", "next-page" },
	{ P, "-", "previous-page" },
	{ P, "PageUp", "previous-page" },
	{ P, "^", "top" },
	{ P, "Home", "top" },
	{ P, "G", "bottom" },
	{ P, "End", "bottom" },
	{ P, "/", "search" },
	{ P, "n", "search-next" },
	{ P, "h", "toggle-raw" },
	{ P, "J", "next-entry" },
	{ P, "K", "previous-entry" },

	{ X, "q", "exit" },
	{ X, "i", "exit" },
	{ X, "Esc", "exit" },
	{ X, "j", "next-entry" },
	{ X, "Down", "next-entry" },
	{ X, "k", "previous-entry" },
	{ X, "Up", "previous-entry" },
	{ X, "s", "save-attachment" },
	{ X, "Enter", "view-attachment" },
	{ X, "m", "view-attachment" },

	{ C, "y", "send-message" },
	{ C, "P", "postpone-message" },
	{ C, "q", "abort-message" },
	{ C, "e", "edit-message" },
	{ C, "a", "attach-file" },
	{ C, "D", "detach-file" },
	{ C, "Esc f", "edit-from" },
	{ C, "f", "edit-from" },
	{ C, "t", "edit-to" },
	{ C, "c", "edit-cc" },
	{ C, "b", "edit-bcc" },
	{ C, "s", "edit-subject" },
	{ C, "j", "next-entry" },
	{ C, "Down", "next-entry" },
	{ C, "k", "previous-entry" },
	{ C, "Up", "previous-entry" },
};

#undef I
#undef P
#undef A
#undef X
#undef C
#undef H

/* ---- key names ------------------------------------------------------------ */

static const struct {
	const char	*name;
	int		 key;
} key_names[] = {
	{ "Enter", '\r' },
	{ "Return", '\r' },
	{ "Tab", '\t' },
	{ "Space", ' ' },
	{ "Esc", 27 },
	{ "Escape", 27 },
	{ "Backspace", TUI_KEY_FN | KEY_BACKSPACE },
	{ "Up", TUI_KEY_FN | KEY_UP },
	{ "Down", TUI_KEY_FN | KEY_DOWN },
	{ "Left", TUI_KEY_FN | KEY_LEFT },
	{ "Right", TUI_KEY_FN | KEY_RIGHT },
	{ "PageUp", TUI_KEY_FN | KEY_PPAGE },
	{ "PgUp", TUI_KEY_FN | KEY_PPAGE },
	{ "PageDown", TUI_KEY_FN | KEY_NPAGE },
	{ "PgDn", TUI_KEY_FN | KEY_NPAGE },
	{ "Home", TUI_KEY_FN | KEY_HOME },
	{ "End", TUI_KEY_FN | KEY_END },
	{ "Delete", TUI_KEY_FN | KEY_DC },
	{ "Insert", TUI_KEY_FN | KEY_IC },
	{ "BackTab", TUI_KEY_FN | KEY_BTAB },
};

/* Decode one UTF-8 character; -1 unless s is exactly one. */
static int
utf8_one(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	int			 c, n, i;

	if (u[0] < 0x80)
		return u[1] == '\0' ? u[0] : -1;
	if ((u[0] & 0xe0) == 0xc0)
		c = u[0] & 0x1f, n = 1;
	else if ((u[0] & 0xf0) == 0xe0)
		c = u[0] & 0x0f, n = 2;
	else if ((u[0] & 0xf8) == 0xf0)
		c = u[0] & 0x07, n = 3;
	else
		return -1;
	for (i = 1; i <= n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (u[i] & 0x3f);
	}
	if (u[n + 1] != '\0' || c >= 0x110000 || (c >= 0xd800 && c < 0xe000))
		return -1;
	return c;
}

/* "Esc v", "<Esc>v", "M-v": the key after the Esc, else NULL. */
static const char *
meta_key(const char *name)
{
	if (strncasecmp(name, "Esc ", 4) == 0)
		return name + 4;
	if (strncasecmp(name, "<Esc>", 5) == 0 && name[5] != '\0')
		return name + 5;
	if ((name[0] == 'M' || name[0] == 'm') && name[1] == '-' &&
	    name[2] != '\0')
		return name + 2;
	return NULL;
}

int
keys_parse(const char *name)
{
	char		 buf[32];
	size_t		 len = strlen(name), i;
	int		 n;
	const char	*m;

	if ((m = meta_key(name)) != NULL) {
		n = keys_parse(m);
		return n < 0 || (n & TUI_KEY_META) != 0 ? -1 :
		    TUI_KEY_META | n;
	}

	/* "<Enter>" reads as "Enter". */
	if (len > 2 && name[0] == '<' && name[len - 1] == '>') {
		if (len - 2 >= sizeof buf)
			return -1;
		memcpy(buf, name + 1, len - 2);
		buf[len - 2] = '\0';
		name = buf;
		len -= 2;
	}
	if (len == 0)
		return -1;
	for (i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
		if (strcasecmp(name, key_names[i].name) == 0)
			return key_names[i].key;
	if ((name[0] == '^' && len == 2) ||
	    ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' && len == 3)) {
		char	c = name[len - 1];

		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c < '@' || c > '_')
			return -1;
		return TUI_CTRL(c);
	}
	if ((name[0] == 'F' || name[0] == 'f') && len > 1 && len <= 3) {
		n = atoi(name + 1);
		if (n >= 1 && n <= 24 && strspn(name + 1, "0123456789") ==
		    len - 1)
			return TUI_KEY_FN | KEY_F(n);
	}
	return utf8_one(name);
}

const char *
keys_name(int key, char *buf, size_t len)
{
	size_t	i;

	if ((key & TUI_KEY_META) != 0) {
		char	rest[24];

		keys_name(key & ~TUI_KEY_META, rest, sizeof rest);
		snprintf(buf, len, "Esc %s", rest);
		return buf;
	}
	for (i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
		if (key_names[i].key == key) {
			snprintf(buf, len, "%s", key_names[i].name);
			return buf;
		}
	if ((key & TUI_KEY_FN) != 0) {
		int fn = key & ~TUI_KEY_FN;

		if (fn >= KEY_F(1) && fn <= KEY_F(24))
			snprintf(buf, len, "F%d", fn - KEY_F0);
		else
			snprintf(buf, len, "<key %d>", fn);
	} else if (key < 32)
		snprintf(buf, len, "^%c", key + '@');
	else if (key < 0x80)
		snprintf(buf, len, "%c", key);
	else {
		/* UTF-8 of the code point. */
		char	 u[5] = { 0 };

		if (key < 0x800) {
			u[0] = (char)(0xc0 | (key >> 6));
			u[1] = (char)(0x80 | (key & 0x3f));
		} else if (key < 0x10000) {
			u[0] = (char)(0xe0 | (key >> 12));
			u[1] = (char)(0x80 | ((key >> 6) & 0x3f));
			u[2] = (char)(0x80 | (key & 0x3f));
		} else {
			u[0] = (char)(0xf0 | (key >> 18));
			u[1] = (char)(0x80 | ((key >> 12) & 0x3f));
			u[2] = (char)(0x80 | ((key >> 6) & 0x3f));
			u[3] = (char)(0x80 | (key & 0x3f));
		}
		snprintf(buf, len, "%s", u);
	}
	return buf;
}

/* ---- the map ----------------------------------------------------------------- */

const struct tui_action *
keys_action(const char *name, unsigned ctx)
{
	size_t	i;

	for (i = 0; i < NACTIONS; i++)
		if ((actions[i].ctx & ctx) != 0 &&
		    strcmp(actions[i].name, name) == 0)
			return &actions[i];
	return NULL;
}

static void
bind(struct keymap *km, unsigned ctx, int key, const struct tui_action *a)
{
	size_t	i;

	for (i = 0; i < km->n; i++)
		if (km->b[i].ctx == ctx && km->b[i].key == key) {
			if (a == NULL) {
				km->b[i] = km->b[--km->n];
				return;
			}
			km->b[i].act = a;
			return;
		}
	if (a == NULL)
		return;
	if (km->n == km->cap) {
		km->cap = km->cap ? km->cap * 2 : 64;
		km->b = xreallocarray(km->b, km->cap, sizeof *km->b);
	}
	km->b[km->n].key = key;
	km->b[km->n].ctx = ctx;
	km->b[km->n++].act = a;
}

static const unsigned ctxs[TUI_NCTX] = { TUI_CTX_INDEX, TUI_CTX_PAGER,
    TUI_CTX_ATTACH, TUI_CTX_COMPOSE };

int
keymap_init(struct keymap *km, const struct config *cfg, struct perr *err)
{
	size_t			 i, c;
	int			 key, rc = 0;
	const struct tui_action	*a;
	bool			 any;

	memset(km, 0, sizeof *km);
	perr_clear(err);
	for (i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		key = keys_parse(defaults[i].key);
		for (c = 0; c < TUI_NCTX; c++)
			if ((defaults[i].ctx & ctxs[c]) != 0 &&
			    (a = keys_action(defaults[i].action, ctxs[c])) !=
			    NULL)
				bind(km, ctxs[c], key, a);
	}
	for (i = 0; cfg != NULL && i < cfg->nkeys; i++) {
		const char *kname = cfg->keys[i].key, *aname =
		    cfg->keys[i].action;

		if ((key = keys_parse(kname)) < 0) {
			if (rc == 0)
				rc = perr_set(err, PERR_CONFIG, "%s: [keys] "
				    "'%s' is not a key name (try j, ^N, Enter, "
				    "PageDown, F1)", cfg->path, kname);
			continue;
		}
		any = false;
		for (c = 0; c < TUI_NCTX; c++) {
			if (strcmp(aname, "none") == 0 ||
			    strcmp(aname, "noop") == 0) {
				bind(km, ctxs[c], key, NULL);
				any = true;
			} else if ((a = keys_action(aname, ctxs[c])) != NULL) {
				bind(km, ctxs[c], key, a);
				any = true;
			}
		}
		if (!any && rc == 0)
			rc = perr_set(err, PERR_CONFIG, "%s: [keys] %s: no "
			    "action named '%s' (see ? for the list)",
			    cfg->path, kname, aname);
	}
	return rc;
}

void
keymap_free(struct keymap *km)
{
	free(km->b);
	memset(km, 0, sizeof *km);
}

const struct tui_action *
keymap_lookup(const struct keymap *km, unsigned ctx, int key)
{
	size_t	i;

	/* One Enter, whatever the terminal sends for it. */
	if (key == '\n' || key == (TUI_KEY_FN | KEY_ENTER))
		key = '\r';
	if (key == 127 || key == 8)
		key = TUI_KEY_FN | KEY_BACKSPACE;
	for (i = 0; i < km->n; i++)
		if (km->b[i].ctx == ctx && km->b[i].key == key)
			return km->b[i].act;
	return NULL;
}

/* ---- help and completion ------------------------------------------------------ */

struct sbuf {
	char	*p;
	size_t	 len, cap;
};

static void
sbuf_add(struct sbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	size_t	 n;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	n = strlen(s);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
	free(s);
}

char *
keys_help(const struct keymap *km)
{
	struct sbuf	 b = { 0 };
	size_t		 c, i, j;
	char		 kb[32], keys[128];
	static const char *const titles[TUI_NCTX] = { "Index", "Pager",
	    "Attachments", "Compose" };

	sbuf_add(&b, "posta: keys (the live key map; change them in the "
	    "[keys] section of the configuration as KEY = ACTION; run any "
	    "action with :NAME)\n");
	for (c = 0; c < TUI_NCTX; c++) {
		sbuf_add(&b, "\n%s\n\n", titles[c]);
		for (i = 0; i < NACTIONS; i++) {
			if ((actions[i].ctx & ctxs[c]) == 0)
				continue;
			keys[0] = '\0';
			for (j = 0; j < km->n; j++) {
				if (km->b[j].ctx != ctxs[c] ||
				    km->b[j].act != &actions[i])
					continue;
				if (keys[0] != '\0' &&
				    strlen(keys) + 2 < sizeof keys)
					strcat(keys, ", ");
				keys_name(km->b[j].key, kb, sizeof kb);
				if (strlen(keys) + strlen(kb) < sizeof keys)
					strcat(keys, kb);
			}
			sbuf_add(&b, "  %-18s %-18s %s\n",
			    keys[0] != '\0' ? keys : "-", actions[i].name,
			    actions[i].help);
		}
	}
	return b.p;
}

const char **
keys_complete(unsigned ctx, const char *prefix, size_t *n)
{
	const char	**out = xcalloc(NACTIONS + 1, sizeof *out);
	size_t		 i, j, len = strlen(prefix);
	bool		 dup;

	*n = 0;
	for (i = 0; i < NACTIONS; i++) {
		if ((actions[i].ctx & ctx) == 0 ||
		    strncmp(actions[i].name, prefix, len) != 0)
			continue;
		dup = false;
		for (j = 0; j < *n; j++)
			if (strcmp(out[j], actions[i].name) == 0)
				dup = true;
		if (!dup)
			out[(*n)++] = actions[i].name;
	}
	out[*n] = NULL;
	return out;
}

/* ---- the actions ----------------------------------------------------------------- */

static void
act_quit(struct tui *t)
{
	t->quit = true;
}

static void
act_help(struct tui *t)
{
	tui_show_help(t);
}

static void
command_done(struct tui *t, const char *text)
{
	const struct tui_action	*a;
	char			*name = xstrdup(text), *p, *q;

	for (p = name; *p == ' '; p++)
		;
	for (q = p + strlen(p); q > p && q[-1] == ' '; q--)
		*--q = '\0';
	if (*p == '\0' || search_command(t, p)) {
		free(name);
		return;
	}
	if ((a = keys_action(p, tui_ctx(t))) != NULL)
		a->fn(t);
	else if (keys_action(p, TUI_CTX_ALL | TUI_CTX_ATTACH |
	    TUI_CTX_COMPOSE) != NULL)
		status_msg(&t->status, "%s: not available here", p);
	else
		status_msg(&t->status, "no action named '%s' (Tab completes, "
		    "? lists them)", p);
	free(name);
}

static const char **
command_complete(struct tui *t, const char *text, size_t *n)
{
	return keys_complete(tui_ctx(t), text, n);
}

static void
act_command(struct tui *t)
{
	prompt_start(&t->prompt, ":", command_done, command_complete);
}

static void
folder_done(struct tui *t, const char *text)
{
	size_t	i;

	if (*text == '\0')
		return;
	for (i = 0; i < t->sb.n; i++)
		if (t->sb.e[i].account == t->account &&
		    t->sb.e[i].folder_id != 0 && !t->sb.e[i].container &&
		    strcmp(t->sb.e[i].name, text) == 0) {
			tui_open_folder(t, t->account, t->sb.e[i].folder_id);
			return;
		}
	status_msg(&t->status, "no folder named '%s' (Tab completes)", text);
}

static const char **
folder_complete(struct tui *t, const char *text, size_t *n)
{
	return sidebar_complete(&t->sb, t->account, text, n);
}

static void
act_change_folder(struct tui *t)
{
	prompt_start(&t->prompt, "Open folder: ", folder_done,
	    folder_complete);
}

static void
act_sidebar_toggle(struct tui *t)
{
	t->sb.visible = !t->sb.visible;
	t->dirty |= TUI_DIRTY_LAYOUT;
}

static void
act_sidebar_next(struct tui *t)
{
	if (!t->sb.visible)
		act_sidebar_toggle(t);
	sidebar_move(&t->sb, 1);
	t->dirty |= TUI_DIRTY_SIDEBAR;
}

static void
act_sidebar_prev(struct tui *t)
{
	if (!t->sb.visible)
		act_sidebar_toggle(t);
	sidebar_move(&t->sb, -1);
	t->dirty |= TUI_DIRTY_SIDEBAR;
}

static void
act_sidebar_open(struct tui *t)
{
	const struct sb_entry	*e;
	const char		*why;
	char			*name;

	if (t->sb.n == 0)
		return;
	e = &t->sb.e[t->sb.sel];
	if (e->container) {
		status_msg(&t->status, "%s holds folders only, no messages",
		    e->name);
		return;
	}
	if (e->search != NULL) {
		name = xstrdup(e->name);
		(void)search_view_open(t, name, e->search);
		free(name);
		return;
	}
	if (e->folder_id == 0) {
		status_msg(&t->status, "%s: no folders stored yet; run posta "
		    "sync", e->name);
		return;
	}
	/* Said after the open, which may reload the sidebar (and e). */
	why = e->unsynced;
	name = why != NULL ? xstrdup(e->name) : NULL;
	tui_open_folder(t, e->account, e->folder_id);
	if (why != NULL)
		status_msg(&t->status, "%s: %s", name, why);
	free(name);
}

static void
act_redraw(struct tui *t)
{
	t->dirty |= TUI_DIRTY_ALL | TUI_DIRTY_CLEAR;
}

static void
act_sync(struct tui *t)
{
	workers_sync_now(t);
}

static void
act_toggle_online(struct tui *t)
{
	workers_toggle_online(t);
}

static void
act_next_entry(struct tui *t)
{
	tui_index_moved(t, ix_move(&t->ix, 1));
}

static void
act_prev_entry(struct tui *t)
{
	tui_index_moved(t, ix_move(&t->ix, -1));
}

static void
act_next_page(struct tui *t)
{
	tui_index_moved(t, ix_page(&t->ix, 1));
}

static void
act_prev_page(struct tui *t)
{
	tui_index_moved(t, ix_page(&t->ix, -1));
}

static void
act_first_entry(struct tui *t)
{
	tui_index_moved(t, ix_home(&t->ix));
}

static void
act_last_entry(struct tui *t)
{
	tui_index_moved(t, ix_end(&t->ix));
}

static void
act_display(struct tui *t)
{
	tui_open_message(t, false);
}

static void
act_display_raw(struct tui *t)
{
	tui_open_message(t, true);
}

/* A collapsed thread with unread mail in it counts as unread. */
static bool
match_unread(const struct ix_row *r, void *arg)
{
	return (r->flags & STORE_SEEN) == 0 || r->unread > 0;
}

/* As mutt: past the last row the search goes on from the top, and says
 * so (none: what to say when nothing matches at all). */
static void
index_find(struct tui *t, bool (*match)(const struct ix_row *, void *),
    void *arg, const char *none)
{
	bool	wrapped;
	int	rc = ix_find(&t->ix, match, arg, &wrapped);

	if (rc == 0)
		status_msg(&t->status, "%s", none);
	else if (rc == 1 && wrapped)
		status_msg(&t->status, "search wrapped to the top");
	tui_index_moved(t, rc < 0 ? -1 : 0);
}

static void
act_next_unread(struct tui *t)
{
	index_find(t, match_unread, NULL, "no unread messages");
}

static void
act_prev_unread(struct tui *t)
{
	bool	wrapped;
	int	rc = ix_find_back(&t->ix, match_unread, NULL, &wrapped);

	if (rc == 0)
		status_msg(&t->status, "no unread messages");
	else if (rc == 1 && wrapped)
		status_msg(&t->status, "search wrapped to the bottom");
	tui_index_moved(t, rc < 0 ? -1 : 0);
}

static void
act_collapse_thread(struct tui *t)
{
	int	rc = ix_fold_thread(&t->ix);

	if (rc == 0)
		status_msg(&t->status, t->ix.threaded ? "this thread has only "
		    "one message" : "threads collapse in the threaded view "
		    "only (t switches to it)");
	tui_index_moved(t, rc < 0 ? -1 : 0);
}

static void
act_collapse_all(struct tui *t)
{
	int	rc = ix_fold_all(&t->ix);

	if (rc == 0 && !t->ix.threaded)
		status_msg(&t->status, "threads collapse in the threaded view "
		    "only (t switches to it)");
	else if (rc == 1)
		status_msg(&t->status, t->ix.fold_all ? "all threads collapsed" :
		    "all threads expanded");
	tui_index_moved(t, rc < 0 ? -1 : 0);
}

static void
act_next_thread(struct tui *t)
{
	int	rc = ix_next_thread(&t->ix, 1);

	if (rc == 0)
		status_msg(&t->status, "no more threads");
	tui_index_moved(t, rc < 0 ? -1 : 0);
}

static void
act_prev_thread(struct tui *t)
{
	int	rc = ix_next_thread(&t->ix, -1);

	if (rc == 0)
		status_msg(&t->status, "this is the first thread");
	tui_index_moved(t, rc < 0 ? -1 : 0);
}

static void
act_toggle_threads(struct tui *t)
{
	tui_index_moved(t, ix_set_threaded(&t->ix, !t->ix.threaded));
	status_msg(&t->status, t->ix.threaded ? "threaded view" :
	    "flat view");
}

static void
set_sort(struct tui *t, enum ix_sort s, bool reverse)
{
	bool	threaded = t->ix.threaded;
	int	rc = ix_set_sort(&t->ix, s, reverse);

	tui_index_moved(t, rc);
	/* Threads are by date only (ix_set_sort): say what happened. */
	if (rc == 0 && threaded && !t->ix.threaded)
		status_msg(&t->status, "flat view: threads are by date only");
	else if (rc == 0 && threaded && reverse)
		status_msg(&t->status, "threads are always newest first");
}

static const char *const sort_names[] = { "date", "from", "subject", "size",
    NULL };

static void
sort_done(struct tui *t, const char *text)
{
	size_t	i, len = strlen(text);

	if (len == 0)
		return;
	for (i = 0; sort_names[i] != NULL; i++)
		if (strncmp(sort_names[i], text, len) == 0) {
			set_sort(t, (enum ix_sort)i, false);
			return;
		}
	status_msg(&t->status, "sort by date, from, subject or size");
}

static const char **
sort_complete(struct tui *t, const char *text, size_t *n)
{
	const char	**out = xcalloc(5, sizeof *out);
	size_t		 i, len = strlen(text);

	*n = 0;
	for (i = 0; sort_names[i] != NULL; i++)
		if (strncmp(sort_names[i], text, len) == 0)
			out[(*n)++] = sort_names[i];
	return out;
}

static void
act_sort(struct tui *t)
{
	prompt_start(&t->prompt, "Sort by (date, from, subject, size): ",
	    sort_done, sort_complete);
}

static void
act_sort_reverse(struct tui *t)
{
	set_sort(t, t->ix.sort, !t->ix.reverse);
}

static void
act_sort_date(struct tui *t)
{
	set_sort(t, IX_SORT_DATE, false);
}

static void
act_sort_from(struct tui *t)
{
	set_sort(t, IX_SORT_FROM, false);
}

static void
act_sort_subject(struct tui *t)
{
	set_sort(t, IX_SORT_SUBJECT, false);
}

static void
act_sort_size(struct tui *t)
{
	set_sort(t, IX_SORT_SIZE, false);
}

/* ---- pager ---------------------------------------------------------------------- */

static void
act_pg_exit(struct tui *t)
{
	/* The help text goes back where it was asked for. */
	t->view = t->pg.msg_id == 0 ? t->help_back : TUI_VIEW_INDEX;
	t->dirty |= TUI_DIRTY_MAIN | TUI_DIRTY_STATUS;
}

static void
pager_moved(struct tui *t)
{
	t->dirty |= TUI_DIRTY_MAIN | TUI_DIRTY_STATUS;
}

static void
act_pg_next_line(struct tui *t)
{
	pager_scroll(&t->pg, 1);
	pager_moved(t);
}

static void
act_pg_prev_line(struct tui *t)
{
	pager_scroll(&t->pg, -1);
	pager_moved(t);
}

static void
act_pg_next_page(struct tui *t)
{
	pager_scroll(&t->pg, t->pg.height > 2 ? t->pg.height - 2 : 1);
	pager_moved(t);
}

static void
act_pg_prev_page(struct tui *t)
{
	pager_scroll(&t->pg, -(t->pg.height > 2 ? t->pg.height - 2 : 1));
	pager_moved(t);
}

static void
act_pg_top(struct tui *t)
{
	pager_top(&t->pg);
	pager_moved(t);
}

static void
act_pg_bottom(struct tui *t)
{
	pager_bottom(&t->pg);
	pager_moved(t);
}

static void
pg_search_done(struct tui *t, const char *text)
{
	if (*text == '\0')
		return;
	if (pager_search(&t->pg, text) == 0)
		status_msg(&t->status, "not found: %s", text);
	pager_moved(t);
}

static void
act_pg_search(struct tui *t)
{
	prompt_start(&t->prompt, "Search in message: ", pg_search_done, NULL);
}

static void
act_pg_search_next(struct tui *t)
{
	if (t->pg.search == NULL) {
		act_pg_search(t);
		return;
	}
	if (pager_search(&t->pg, t->pg.search) == 0)
		status_msg(&t->status, "not found: %s", t->pg.search);
	pager_moved(t);
}

static void
act_pg_toggle_raw(struct tui *t)
{
	if (t->pg.msg_id == 0)
		return;
	tui_open_message(t, !t->pg.raw);
}

static void
act_pg_next_msg(struct tui *t)
{
	const struct ix_row	*before = ix_selected(&t->ix);
	int64_t			 id = before != NULL ? before->id : 0;

	tui_index_moved(t, ix_move(&t->ix, 1));
	if (ix_selected(&t->ix) != NULL && ix_selected(&t->ix)->id != id)
		tui_open_message(t, false);
	else
		status_msg(&t->status, "this is the last message");
}

static void
act_pg_prev_msg(struct tui *t)
{
	const struct ix_row	*before = ix_selected(&t->ix);
	int64_t			 id = before != NULL ? before->id : 0;

	tui_index_moved(t, ix_move(&t->ix, -1));
	if (ix_selected(&t->ix) != NULL && ix_selected(&t->ix)->id != id)
		tui_open_message(t, false);
	else
		status_msg(&t->status, "this is the first message");
}

static void
act_pg_next_unread(struct tui *t)
{
	bool	wrapped;
	int	rc = ix_find(&t->ix, match_unread, NULL, &wrapped);

	tui_index_moved(t, rc < 0 ? -1 : 0);
	if (rc == 1)
		tui_open_message(t, false);
	else if (rc == 0)
		status_msg(&t->status, "no unread messages");
}
