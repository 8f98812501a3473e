/*
 * sidebar.c - the accounts of the configuration and their folders from the
 * store, with total and unread counts (store_folder_list: the folder rows'
 * counts, kept by triggers, so a million messages cost what ten do).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/tui-int.h"

void
sidebar_init(struct sidebar *sb)
{
	memset(sb, 0, sizeof *sb);
	sb->visible = true;
	sb->width = 24;
}

static void
entries_free(struct sidebar *sb)
{
	size_t	i;

	for (i = 0; i < sb->n; i++) {
		free(sb->e[i].name);
		free(sb->e[i].path);
	}
	free(sb->e);
	sb->e = NULL;
	sb->n = 0;
}

void
sidebar_free(struct sidebar *sb)
{
	entries_free(sb);
}

struct sb_load {
	struct sidebar		*sb;
	size_t			 cap;
	size_t			 account;
	const struct account	*acct;
};

static struct sb_entry *
entry_add(struct sb_load *l)
{
	struct sidebar	*sb = l->sb;

	if (sb->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		sb->e = xreallocarray(sb->e, l->cap, sizeof *sb->e);
	}
	memset(&sb->e[sb->n], 0, sizeof sb->e[0]);
	return &sb->e[sb->n++];
}

/* "A/B/C" shows as C, indented twice. */
static void
entry_place(struct sb_entry *e)
{
	const char	*p;

	e->depth = 1;
	e->leaf = 0;
	if (e->delim != '\0')
		for (p = e->name; (p = strchr(p, e->delim)) != NULL; p++) {
			e->depth++;
			e->leaf = (size_t)(p + 1 - e->name);
		}
}

static int
add_folder(void *arg, const struct store_folder *f)
{
	struct sb_load	*l = arg;
	struct sb_entry	*e;

	e = entry_add(l);
	e->account = l->account;
	e->folder_id = f->id;
	e->name = sanitize_line(f->name != NULL ? f->name : "?");
	e->path = xasprintf("%s/%s", l->acct->name, e->name);
	e->total = f->total;
	e->unread = f->unread;
	if (!app_folder_unsynced(l->acct, f, &e->unsynced))
		e->unsynced = NULL;
	e->delim = f->delimiter;
	e->container = f->noselect && f->total == 0;
	e->inbox = f->special_use == STORE_SPECIAL_INBOX;
	entry_place(e);
	return 0;
}

/* Length of the first component of s (up to delim, or all of it). */
static size_t
component(const char *s, char delim)
{
	const char	*p = delim != '\0' ? strchr(s, delim) : NULL;

	return p != NULL ? (size_t)(p - s) : strlen(s);
}

/*
 * Tree order: the Inbox first, then component by component (a parent
 * before its children, "A/B" before "A-B"), case-insensitive first.
 */
static int
cmp_tree(const void *va, const void *vb)
{
	const struct sb_entry	*a = va, *b = vb;
	const char		*pa = a->name, *pb = b->name;
	size_t			 la, lb;
	int			 c;

	if (a->inbox != b->inbox)
		return a->inbox ? -1 : 1;
	for (;;) {
		la = component(pa, a->delim);
		lb = component(pb, b->delim);
		if ((c = strncasecmp(pa, pb, la < lb ? la : lb)) == 0 &&
		    (c = (la > lb) - (la < lb)) == 0)
			c = strncmp(pa, pb, la);
		if (c != 0)
			return c;
		pa += la;
		pb += lb;
		if (*pa == '\0' || *pb == '\0')
			return (*pa != '\0') - (*pb != '\0');
		pa++;
		pb++;
	}
}

/* Is a the folder named by name's first len bytes, or under it? */
static bool
same_prefix(const struct sb_entry *a, const char *name, size_t len)
{
	return strncmp(a->name, name, len) == 0 &&
	    (a->name[len] == '\0' || a->name[len] == a->delim);
}

/*
 * The folders of one account (entries first..n) in tree order, with every
 * parent drawn: one the store does not hold (a server may list
 * "Projects/2024" without "Projects") comes in as a container. A
 * container with nothing under it is left out.
 */
static void
tree_order(struct sb_load *l, size_t first)
{
	struct sidebar	*sb = l->sb;
	struct sb_entry	*in, *e;
	size_t		 nin = sb->n - first, i, len;
	const char	*p;

	if (nin == 0)
		return;
	qsort(sb->e + first, nin, sizeof *sb->e, cmp_tree);
	in = xreallocarray(NULL, nin, sizeof *in);
	memcpy(in, sb->e + first, nin * sizeof *in);
	sb->n = first;
	for (i = 0; i < nin; i++) {
		/* Its ancestors not drawn yet, shortest first. */
		for (p = in[i].delim != '\0' ? strchr(in[i].name,
		    in[i].delim) : NULL; p != NULL; p = strchr(p + 1,
		    in[i].delim)) {
			len = (size_t)(p - in[i].name);
			if (sb->n > first && same_prefix(&sb->e[sb->n - 1],
			    in[i].name, len))
				continue;
			e = entry_add(l);
			*e = in[i];
			e->folder_id = 0;
			e->total = e->unread = 0;
			e->container = true;
			e->inbox = false;
			e->unsynced = NULL;
			e->name = xstrndup(in[i].name, len);
			e->path = NULL;
			entry_place(e);
		}
		if (in[i].container && (i + 1 == nin ||
		    !same_prefix(&in[i + 1], in[i].name,
		    strlen(in[i].name)))) {
			free(in[i].name);
			free(in[i].path);
			continue;
		}
		*entry_add(l) = in[i];
	}
	free(in);
}

/*
 * The saved searches ([search NAME]) under their own heading, each with
 * its counts over every folder. A query that does not parse shows "-";
 * opening it says why.
 */
static void
searches_add(struct sb_load *l, const struct config *cfg, struct store *st)
{
	struct sb_entry	*e;
	struct perr	 err;
	size_t		 i;

	if (cfg->nsearches == 0)
		return;
	e = entry_add(l);
	e->account = l->account;
	e->name = xstrdup(_("Searches"));
	e->container = true;
	for (i = 0; i < cfg->nsearches; i++) {
		e = entry_add(l);
		e->account = l->account;
		e->name = sanitize_line(cfg->searches[i].name);
		e->depth = 1;
		e->search = cfg->searches[i].query;
		if (st == NULL || app_query_counts(st, e->search, 0,
		    &e->total, &e->unread, &err) != 0)
			e->unsynced = _("the query does not parse");
	}
}

int
sidebar_load(struct sidebar *sb, const struct config *cfg, struct store *st,
    struct perr *err)
{
	struct sb_load		 l = { sb, 0, 0, NULL };
	struct sb_entry		*e;
	int64_t			 sel_folder = 0, id;
	size_t			 sel_account = 0, i, first;
	enum store_protocol	 proto;
	int			 rc = 0;

	if (sb->n > 0) {
		sel_folder = sb->e[sb->sel].folder_id;
		sel_account = sb->e[sb->sel].account;
	}
	entries_free(sb);
	for (i = 0; i < cfg->naccounts; i++) {
		l.account = i;
		l.acct = &cfg->accounts[i];
		e = entry_add(&l);
		e->account = i;
		e->name = sanitize_line(cfg->accounts[i].name);
		if (st == NULL)
			continue;
		if (store_account_find(st, cfg->accounts[i].name, &id, &proto,
		    err) != 0) {
			if (err->code != PERR_NOTFOUND)
				rc = -1;
			continue;
		}
		first = sb->n;
		if (store_folder_list(st, id, add_folder, &l, err) != 0)
			rc = -1;
		tree_order(&l, first);
	}
	searches_add(&l, cfg, st);
	sb->sel = 0;
	for (i = 0; i < sb->n; i++)
		if (sb->e[i].account == sel_account &&
		    sb->e[i].folder_id == sel_folder)
			sb->sel = i;
	return rc;
}

long
sidebar_find(const struct sidebar *sb, int64_t folder_id)
{
	size_t	i;

	for (i = 0; i < sb->n; i++)
		if (sb->e[i].folder_id == folder_id && folder_id != 0)
			return (long)i;
	return -1;
}

void
sidebar_move(struct sidebar *sb, int dir)
{
	if (sb->n == 0)
		return;
	if (dir > 0 && sb->sel + 1 < sb->n)
		sb->sel++;
	else if (dir < 0 && sb->sel > 0)
		sb->sel--;
}

const char **
sidebar_complete(const struct sidebar *sb, size_t account, const char *prefix,
    size_t *n)
{
	const char	**out = xcalloc(sb->n + 1, sizeof *out);
	size_t		 i, len = strlen(prefix);

	*n = 0;
	for (i = 0; i < sb->n; i++)
		if (sb->e[i].account == account && sb->e[i].folder_id != 0 &&
		    !sb->e[i].container &&
		    strncmp(sb->e[i].name, prefix, len) == 0)
			out[(*n)++] = sb->e[i].name;
	out[*n] = NULL;
	return out;
}

const char **
sidebar_complete_paths(const struct sidebar *sb, size_t account,
    const char *prefix, size_t *n)
{
	const char	**out = sidebar_complete(sb, account, prefix, n);
	size_t		 i, len = strlen(prefix);

	out = xreallocarray(out, *n + sb->n + 1, sizeof *out);
	for (i = 0; i < sb->n; i++)
		if (sb->e[i].path != NULL && !sb->e[i].container &&
		    strncmp(sb->e[i].path, prefix, len) == 0)
			out[(*n)++] = sb->e[i].path;
	out[*n] = NULL;
	return out;
}

/* The account named by text's first len bytes, or cfg->naccounts. */
static size_t
account_named(const struct config *cfg, const char *text, size_t len)
{
	size_t	i;

	for (i = 0; i < cfg->naccounts; i++)
		if (strlen(cfg->accounts[i].name) == len &&
		    strncmp(cfg->accounts[i].name, text, len) == 0)
			return i;
	return cfg->naccounts;
}

long
sidebar_lookup(const struct sidebar *sb, const struct config *cfg,
    size_t account, const char *text)
{
	const char	*slash;
	size_t		 i, a;

	for (i = 0; i < sb->n; i++)
		if (sb->e[i].account == account && sb->e[i].folder_id != 0 &&
		    sb->e[i].search == NULL && strcmp(sb->e[i].name, text) == 0)
			return (long)i;
	for (i = 0; i < sb->n; i++)
		if (sb->e[i].path != NULL && strcmp(sb->e[i].path, text) == 0)
			return (long)i;
	/* "ACCOUNT" or "ACCOUNT/": its Inbox. */
	slash = strchr(text, '/');
	if (slash != NULL && slash[1] != '\0')
		return -1;
	a = account_named(cfg, text, slash != NULL ? (size_t)(slash - text) :
	    strlen(text));
	for (i = 0; a < cfg->naccounts && i < sb->n; i++)
		if (sb->e[i].account == a && sb->e[i].inbox &&
		    sb->e[i].folder_id != 0)
			return (long)i;
	return -1;
}
