/*
 * sidebar.c - the accounts of the configuration and their folders from the
 * store, with total and unread counts (store_folder_list's indexed counts).
 */
#include <stdlib.h>
#include <string.h>

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

	for (i = 0; i < sb->n; i++)
		free(sb->e[i].name);
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

static int
add_folder(void *arg, const struct store_folder *f)
{
	struct sb_load	*l = arg;
	struct sb_entry	*e;
	const char	*p;

	if (f->noselect && f->total == 0)
		return 0;
	e = entry_add(l);
	e->account = l->account;
	e->folder_id = f->id;
	e->name = sanitize_line(f->name != NULL ? f->name : "?");
	e->total = f->total;
	e->unread = f->unread;
	if (!app_folder_unsynced(l->acct, f, &e->unsynced))
		e->unsynced = NULL;
	/* "A/B/C" shows as C, indented twice. */
	e->depth = 1;
	if (f->delimiter != '\0')
		for (p = e->name; (p = strchr(p, f->delimiter)) != NULL; p++) {
			e->depth++;
			e->leaf = (size_t)(p + 1 - e->name);
		}
	return 0;
}

int
sidebar_load(struct sidebar *sb, const struct config *cfg, struct store *st,
    struct perr *err)
{
	struct sb_load		 l = { sb, 0, 0, NULL };
	struct sb_entry		*e;
	int64_t			 sel_folder = 0, id;
	size_t			 sel_account = 0, i;
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
		if (store_folder_list(st, id, add_folder, &l, err) != 0)
			rc = -1;
	}
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
		    strncmp(sb->e[i].name, prefix, len) == 0)
			out[(*n)++] = sb->e[i].name;
	out[*n] = NULL;
	return out;
}
