/*
 * index-fold.c - what acts on the threads the index draws: the messages
 * drawn as one thread, collapsing and expanding, thread walks, flags of
 * a row after an action.
 *
 * No curses here.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"
#include "tui/index-int.h"

/* The ids of the drawn thread around row at: from its root (depth 0) down
 * to the row before the next root, with the rows a collapsed root hides.
 * A thread never spans two blocks. */static size_t
drawn_thread(const struct ix *ix, size_t at, int64_t **ids)
{
	size_t	first = at, end, i, k, n = 0;

	while (first > 0 && ix->rows[first].depth > 0)
		first--;
	end = ix_group_end(ix->rows, ix->nrows, first);
	for (i = first; i < end; i++)
		n += 1 + ix->rows[i].nkids;
	*ids = xreallocarray(NULL, n, sizeof **ids);
	n = 0;
	for (i = first; i < end; i++) {
		(*ids)[n++] = ix->rows[i].id;
		for (k = 0; k < ix->rows[i].nkids; k++)
			(*ids)[n++] = ix->rows[i].kids[k].id;
	}
	return n;
}

static bool
row_of(const struct ix *ix, int64_t id, size_t *at)
{
	for (*at = 0; *at < ix->nrows; (*at)++)
		if (ix->rows[*at].id == id)
			return true;
	return false;
}

static int
newest_member(void *arg, const struct store_msg *m)
{
	struct ix_key	*k = arg;

	k->date = m->date;
	k->id = m->id;
	return 0;
}

/*
 * Fill a threaded window (tmp, empty) whose first block holds id's drawn
 * thread: it starts at the newer of the newest message of id's store
 * thread (a block drops a thread whose newest message lies above it) and
 * half a block above id (replies threaded by their headers alone).
 */
static int
threaded_around(struct ix *tmp, int64_t id)
{
	struct store_msg	m;
	struct rowbuf		above = { 0 };
	struct ix_key		key = { 0 }, start = { 0 }, newest = { 0 };
	int			rc = -1;

	if (store_msg_get(tmp->st, id, &m, &tmp->err) != 0)
		return tmp->err.code == PERR_NOTFOUND ? 0 : -1;
	key.date = m.date;
	key.id = m.id;
	start = key;
	if (m.thread_id != 0 && ix_thread_newest(tmp, m.thread_id, 1,
	    newest_member, &newest) < 0)
		goto out;
	if (newest.id != 0 && ix_key_cmp(IX_SORT_DATE, &newest, &start) > 0)
		start = newest;
	if (ix_fetch_page(tmp, IX_SORT_DATE, &key, false, IX_TBLOCK / 2,
	    &above) != 0)
		goto out;
	if (above.n > 0 && ix_key_cmp(IX_SORT_DATE, &above.b.first, &start) > 0)
		start = above.b.first;
	rc = ix_reload_at(tmp, &start, id, &key, 0);
out:
	ix_rowbuf_free(&above);
	store_msg_free(&m);
	return rc;
}

int
ix_thread_of(struct ix *ix, int64_t id, int64_t **ids, size_t *n)
{
	struct ix	tmp;
	size_t		at;
	int		rc = 0;

	*ids = NULL;
	*n = 0;
	if (ix->st == NULL)
		return 0;
	if (ix->threaded && row_of(ix, id, &at)) {
		*n = drawn_thread(ix, at, ids);
		return 0;
	}
	/* Flat, or off the window: what the threaded view draws there. */
	ix_init(&tmp);
	tmp.st = ix->st;
	tmp.folder_id = ix->folder_id;
	tmp.q = ix->q;
	tmp.threaded = true;
	tmp.height = ix->height;
	if (threaded_around(&tmp, id) != 0) {
		ix->err = tmp.err;
		rc = -1;
	} else if (row_of(&tmp, id, &at))
		*n = drawn_thread(&tmp, at, ids);
	ix_close(&tmp);
	return rc;
}

void
ix_set_flags(struct ix *ix, int64_t id, unsigned flags)
{
	size_t	i, k;

	for (i = 0; i < ix->nrows; i++) {
		struct ix_row	*r = &ix->rows[i];

		if (r->id == id)
			r->flags = flags;
		for (k = 0; k < r->nkids; k++)
			if (r->kids[k].id == id)
				r->kids[k].flags = flags;
		if (r->nkids > 0)
			ix_count_unread(r);
	}
}

/* The root of the selected row's drawn thread. */
static size_t
sel_root(const struct ix *ix)
{
	size_t	i = ix->sel;

	while (i > 0 && ix->rows[i].depth > 0)
		i--;
	return i;
}

/* The fold state changed: draw the window again around the selection's
 * root, at the same place on the screen. */
static int
refold(struct ix *ix, size_t root)
{
	struct ix_key	key = ix_row_key(&ix->rows[root]);
	size_t		off = root >= ix->top ? root - ix->top : 0;

	return ix_reload_at(ix, ix->at_start ? NULL : ix_sel_block_first(ix),
	    ix->rows[root].id, &key, off);
}

int
ix_fold_thread(struct ix *ix)
{
	size_t	root, i;
	int64_t	id;

	if (!ix->threaded || ix->nrows == 0)
		return 0;
	root = sel_root(ix);
	id = ix->rows[root].id;
	if (ix->rows[root].nkids == 0 &&
	    ix_group_end(ix->rows, ix->nrows, root) == root + 1)
		return 0;
	if (ix_fold_listed(ix, id)) {
		for (i = 0; ix->fold[i] != id; i++)
			;
		ix->fold[i] = ix->fold[--ix->nfold];
	} else {
		if (ix->nfold == ix->capfold) {
			ix->capfold = ix->capfold ? ix->capfold * 2 : 16;
			ix->fold = xreallocarray(ix->fold, ix->capfold,
			    sizeof *ix->fold);
		}
		ix->fold[ix->nfold++] = id;
	}
	return refold(ix, root) != 0 ? -1 : 1;
}

int
ix_fold_all(struct ix *ix)
{
	size_t	root;

	if (!ix->threaded || ix->nrows == 0)
		return 0;
	root = sel_root(ix);
	/* As mutt: expand all from a collapsed thread, else collapse. */
	ix->fold_all = ix->rows[root].nkids == 0;
	ix->nfold = 0;
	return refold(ix, root) != 0 ? -1 : 1;
}

/* One row up or down: false at the edge of the folder (or on error). */
static bool
step(struct ix *ix, int dir, int *rc)
{
	size_t	from = ix->sel;

	*rc = ix_move(ix, dir);
	return *rc == 0 && ix->sel != from;
}

int
ix_next_thread(struct ix *ix, int dir)
{
	int64_t	start;
	bool	moved;
	int	rc = 0;

	if (ix->nrows == 0)
		return 0;
	start = ix->rows[ix->sel].id;
	if (!ix->threaded)
		return step(ix, dir > 0 ? 1 : -1, &rc) ? 1 : rc;
	if (dir > 0) {
		/* Past the rows of this thread (the window grows). */
		while ((moved = step(ix, 1, &rc)) &&
		    ix->rows[ix->sel].depth > 0)
			;
	} else {
		/* Up to this thread's root, one row more, then its root. */
		while (ix->rows[ix->sel].depth > 0 && step(ix, -1, &rc))
			;
		if ((moved = rc == 0 && step(ix, -1, &rc)))
			while (ix->rows[ix->sel].depth > 0 &&
			    step(ix, -1, &rc))
				;
	}
	if (rc != 0)
		return -1;
	if (!moved) {
		/* No such thread: the selection stays where it was. */
		(void)ix_select_id(ix, start);
		return 0;
	}
	return 1;
}
