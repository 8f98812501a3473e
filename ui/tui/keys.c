/*
 * keys.c - the key map: key names, the default bindings (mutt's where
 * mutt has one), the [keys] overrides and the help text generated from
 * the live map. The actions themselves are actions.c's table.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/tui-int.h"

#define I	TUI_CTX_INDEX
#define P	TUI_CTX_PAGER
#define A	TUI_CTX_ALL
#define X	TUI_CTX_ATTACH
#define C	TUI_CTX_COMPOSE
#define H	TUI_CTX_ANY

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
	{ A, "Esc C", "create-folder" },
	{ A, "Esc R", "rename-folder" },
	{ A, "Esc D", "delete-folder" },
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
	{ I, "h", "display-headers" },
	{ I, "H", "display-raw" },
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
	{ P, "h", "toggle-headers" },
	{ P, "H", "toggle-raw" },
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
			    (a = action_find(defaults[i].action, ctxs[c])) !=
			    NULL)
				bind(km, ctxs[c], key, a);
	}
	for (i = 0; cfg != NULL && i < cfg->nkeys; i++) {
		const char *kname = cfg->keys[i].key, *aname =
		    cfg->keys[i].action;

		if ((key = keys_parse(kname)) < 0) {
			if (rc == 0)
				rc = perr_set(err, PERR_CONFIG, _("%s: [keys] "
				    "'%s' is not a key name (try j, ^N, Enter, "
				    "PageDown, F1)"), cfg->path, kname);
			continue;
		}
		any = false;
		for (c = 0; c < TUI_NCTX; c++) {
			if (strcmp(aname, "none") == 0 ||
			    strcmp(aname, "noop") == 0) {
				bind(km, ctxs[c], key, NULL);
				any = true;
			} else if ((a = action_find(aname, ctxs[c])) != NULL) {
				bind(km, ctxs[c], key, a);
				any = true;
			}
		}
		if (!any && rc == 0)
			rc = perr_set(err, PERR_CONFIG, _("%s: [keys] %s: no "
			    "action named '%s' (see ? for the list)"),
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

/* ---- help ------------------------------------------------------ */

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
	const char	*name, *usage;
	static const char *const titles[TUI_NCTX] = { N_("Index"),
	    N_("Pager"), N_("Attachments"), N_("Compose") };

	sbuf_add(&b, "%s", _("posta: keys (the live key map; change them in "
	    "the [keys] section of the configuration as KEY = ACTION; run "
	    "any action with :NAME)\n"));
	for (c = 0; c < TUI_NCTX; c++) {
		sbuf_add(&b, "\n%s\n\n", _(titles[c]));
		for (i = 0; i < tui_nactions; i++) {
			if ((tui_actions[i].ctx & ctxs[c]) == 0)
				continue;
			keys[0] = '\0';
			for (j = 0; j < km->n; j++) {
				if (km->b[j].ctx != ctxs[c] ||
				    km->b[j].act != &tui_actions[i])
					continue;
				if (keys[0] != '\0' &&
				    strlen(keys) + 2 < sizeof keys)
					strcat(keys, ", ");
				keys_name(km->b[j].key, kb, sizeof kb);
				if (strlen(keys) + strlen(kb) < sizeof keys)
					strcat(keys, kb);
			}
			sbuf_add(&b, "  %-18s %-18s %s\n",
			    keys[0] != '\0' ? keys : "-", tui_actions[i].name,
			    _(tui_actions[i].help));
		}
	}
	sbuf_add(&b, "\n%s\n\n", _("Commands (: then the name and its "
	    "arguments; an action's name alone runs it)"));
	for (i = 0; actions_command_usage(i, &name, &usage); i++)
		sbuf_add(&b, "  :%s %s\n", name, usage);
	return b.p;
}
