/*
 * index.c - the message index as a window on the store.
 *
 * The window holds a few blocks of rows around the screen (at most
 * IX_MAX_ROWS beyond what the screen needs), fetched with keyset pages
 * (store_msg_page_sorted), so opening, sorting or scrolling a
 * 100,000-message folder reads only what is shown and the memory does not
 * depend on the folder. Blocks are fetched at either end as the selection
 * nears it, and the block at the far end is dropped.
 *
 * Every order is one of the store's (schema version 5): date, sender,
 * subject, size, each an index scan of (key, date, id), each total, so a
 * block ends at a key and the next block starts strictly after it, in
 * either direction, whatever the number of equal keys. The natural
 * direction is what mutt users expect: newest first, A to Z (then oldest
 * first, as mutt's default sort_aux does), largest first; `reverse`
 * flips it.
 *
 * Two sources fill a block:
 *  - flat: one keyset page in the order shown (either direction);
 *  - threaded (always by date, newest first): a keyset page of raw rows,
 *    then every thread (by the store's thread_id) whose newest message
 *    lies in that page is pulled in whole (its newest IX_THREAD_MAX
 *    messages in this folder, if it is longer) and JWZ-threaded; rows of
 *    threads whose newest message is newer than the page belong to an
 *    earlier block and are skipped. Since blocks are contiguous ranges of
 *    dates, every thread is shown once, in the order of its newest
 *    message. Rows without a thread_id are threaded within their block
 *    only (bounded by design).
 *
 * This file holds the window, movement and reloads; index-rows.c the
 * keys, the rows and one page; index-thread.c the threaded blocks and
 * their collapsed threads; index-fold.c what acts on drawn threads
 * (collapse, thread walks); index-find.c the searches through the
 * folder; index-format.c the text of a row (index_format).
 *
 * No curses here: the unit tests drive this file against a real store.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"
#include "tui/index-int.h"

/* Rows kept above and below the screen before fetching more. */
#define IX_MARGIN	10

/* ---- the window ------------------------------------------------------------ */

static void
window_clear(struct ix *ix)
{
	size_t	i;

	for (i = 0; i < ix->nrows; i++)
		ix_row_free(&ix->rows[i]);
	ix->nrows = 0;
	for (i = 0; i < ix->nblocks; i++)
		ix_block_free(&ix->blocks[i]);
	free(ix->blocks);
	ix->blocks = NULL;
	ix->nblocks = 0;
	ix->top = ix->sel = 0;
	ix->at_start = ix->at_end = false;
}

/*
 * Fetch the block after the last one (forward) or before the first; with
 * no blocks, forward starts at the top and backward at the bottom.
 * Returns the rows in *rb; rb->raw == 0 means the folder ends there.
 */
static int
fetch_block(struct ix *ix, bool forward, struct rowbuf *rb)
{
	const struct ix_key	*from = NULL;

	if (ix->nblocks > 0)
		from = forward ? &ix->blocks[ix->nblocks - 1].last :
		    &ix->blocks[0].first;
	if (ix->st == NULL)
		return 0;
	if (ix->threaded)
		return ix_fetch_threaded(ix, from, forward, rb);
	return ix_fetch_page(ix, ix->sort, from, forward, IX_BLOCK, rb);
}

/* Drop the block at one end; the indices of the others follow. */
static void
drop_block(struct ix *ix, bool front)
{
	size_t	n, i;

	if (ix->nblocks == 0)
		return;
	if (front) {
		n = ix->blocks[0].nrows;
		for (i = 0; i < n; i++)
			ix_row_free(&ix->rows[i]);
		memmove(ix->rows, ix->rows + n,
		    (ix->nrows - n) * sizeof *ix->rows);
		ix_block_free(&ix->blocks[0]);
		memmove(ix->blocks, ix->blocks + 1,
		    (ix->nblocks - 1) * sizeof *ix->blocks);
		ix->top = ix->top > n ? ix->top - n : 0;
		ix->sel = ix->sel > n ? ix->sel - n : 0;
		ix->at_start = false;
	} else {
		n = ix->blocks[ix->nblocks - 1].nrows;
		for (i = ix->nrows - n; i < ix->nrows; i++)
			ix_row_free(&ix->rows[i]);
		ix_block_free(&ix->blocks[ix->nblocks - 1]);
		ix->at_end = false;
	}
	ix->nrows -= n;
	ix->nblocks--;
	if (ix->nrows > 0) {
		if (ix->sel >= ix->nrows)
			ix->sel = ix->nrows - 1;
		if (ix->top >= ix->nrows)
			ix->top = ix->nrows - 1;
	}
}

/*
 * May the block at one end go? Only when the window is over IX_MAX_ROWS and
 * the block lies wholly off the screen and its margin.
 */
static bool
droppable(const struct ix *ix, bool front)
{
	size_t	h = ix->height > 0 ? (size_t)ix->height : 1, n;

	if (ix->nblocks < 2 || ix->nrows <= IX_MAX_ROWS)
		return false;
	if (front) {
		n = ix->blocks[0].nrows;
		return n + IX_MARGIN <= ix->top && n + IX_MARGIN <= ix->sel;
	}
	n = ix->blocks[ix->nblocks - 1].nrows;
	return ix->nrows - n >= ix->top + h + IX_MARGIN &&
	    ix->nrows - n > ix->sel + IX_MARGIN;
}

/*
 * Add a block at one end. Returns 1 when rows came, 0 when the folder ends
 * there (at_start/at_end set), -1 on error. Then blocks at the other end
 * are dropped while the window is over IX_MAX_ROWS: the memory of the
 * index does not depend on the folder's size.
 */
int
ix_grow(struct ix *ix, bool forward)
{
	struct rowbuf	rb = { 0 };
	size_t		n;

	/* A threaded block may hold no row of its own: go on past it. */
	for (;;) {
		if (fetch_block(ix, forward, &rb) != 0) {
			ix_rowbuf_free(&rb);
			return -1;
		}
		if (rb.raw == 0) {
			if (forward)
				ix->at_end = true;
			else
				ix->at_start = true;
			ix_rowbuf_free(&rb);
			return 0;
		}
		n = rb.n;
		rb.b.nrows = n;
		ix->blocks = xreallocarray(ix->blocks, ix->nblocks + 1,
		    sizeof *ix->blocks);
		if (ix->nrows + n > ix->caprows) {
			ix->caprows = ix->nrows + n + 64;
			ix->rows = xreallocarray(ix->rows, ix->caprows,
			    sizeof *ix->rows);
		}
		/* The rows and the block's keys move into the window. */
		if (forward) {
			ix->blocks[ix->nblocks] = rb.b;
			memcpy(ix->rows + ix->nrows, rb.r, n * sizeof *rb.r);
		} else {
			memmove(ix->blocks + 1, ix->blocks,
			    ix->nblocks * sizeof *ix->blocks);
			ix->blocks[0] = rb.b;
			memmove(ix->rows + n, ix->rows,
			    ix->nrows * sizeof *ix->rows);
			memcpy(ix->rows, rb.r, n * sizeof *rb.r);
			if (ix->nrows > 0) {
				ix->top += n;
				ix->sel += n;
			}
		}
		ix->nblocks++;
		ix->nrows += n;
		free(rb.r);
		memset(&rb, 0, sizeof rb);
		while (droppable(ix, forward))
			drop_block(ix, forward);
		if (n > 0)
			return 1;
	}
}

/* Keep top within the rows and the selection on screen. */
void
ix_settle(struct ix *ix)
{
	size_t	h = ix->height > 0 ? (size_t)ix->height : 1;

	if (ix->nrows == 0) {
		ix->top = ix->sel = 0;
		return;
	}
	if (ix->sel >= ix->nrows)
		ix->sel = ix->nrows - 1;
	if (ix->sel < ix->top)
		ix->top = ix->sel;
	if (ix->sel >= ix->top + h)
		ix->top = ix->sel - h + 1;
	/* No empty space below while rows exist above (a reversed small
	 * folder would otherwise show its last row alone). */
	if (ix->at_end && ix->top + h > ix->nrows)
		ix->top = ix->nrows > h ? ix->nrows - h : 0;
}

/* Fetch enough around the screen that the next moves need no query. */
int
ix_fill_margins(struct ix *ix)
{
	size_t	h = ix->height > 0 ? (size_t)ix->height : 1;
	int	rc;

	while (!ix->at_end && ix->nrows < ix->top + h + IX_MARGIN)
		if ((rc = ix_grow(ix, true)) <= 0) {
			if (rc < 0)
				return -1;
			break;
		}
	while (!ix->at_start && ix->top < IX_MARGIN)
		if ((rc = ix_grow(ix, false)) <= 0) {
			if (rc < 0)
				return -1;
			break;
		}
	ix_settle(ix);
	return 0;
}

int
ix_load_top(struct ix *ix)
{
	window_clear(ix);
	ix->at_start = true;
	if (ix_grow(ix, true) < 0)
		return -1;
	return ix_fill_margins(ix);
}

void
ix_init(struct ix *ix)
{
	memset(ix, 0, sizeof *ix);
	ix->height = 1;
}

int
ix_open(struct ix *ix, struct store *st, int64_t folder_id)
{
	return ix_open_query(ix, st, folder_id, NULL);
}

int
ix_open_query(struct ix *ix, struct store *st, int64_t folder_id,
    const struct search_node *q)
{
	window_clear(ix);
	if (folder_id != ix->folder_id || q != ix->q)
		ix->nfold = 0;	/* roots of another folder's threads */
	ix->st = st;
	ix->folder_id = folder_id;
	ix->q = q;
	perr_clear(&ix->err);
	if (st == NULL) {
		ix->at_start = ix->at_end = true;
		return 0;
	}
	return ix_load_top(ix);
}

void
ix_close(struct ix *ix)
{
	window_clear(ix);
	free(ix->rows);
	ix->rows = NULL;
	ix->caprows = 0;
	ix->st = NULL;
	free(ix->fold);
	ix->fold = NULL;
	ix->nfold = ix->capfold = 0;
}

void
ix_set_height(struct ix *ix, int h)
{
	ix->height = h > 0 ? h : 1;
	if (ix_fill_margins(ix) != 0)
		ix_settle(ix);
}

int
ix_move(struct ix *ix, long delta)
{
	int	rc;

	if (ix->nrows == 0)
		return 0;
	if (delta > 0) {
		while ((size_t)delta > ix->nrows - 1 - ix->sel && !ix->at_end)
			if ((rc = ix_grow(ix, true)) <= 0) {
				if (rc < 0)
					return -1;
				break;
			}
		if ((size_t)delta > ix->nrows - 1 - ix->sel)
			delta = (long)(ix->nrows - 1 - ix->sel);
		ix->sel += (size_t)delta;
	} else if (delta < 0) {
		while ((size_t)-delta > ix->sel && !ix->at_start)
			if ((rc = ix_grow(ix, false)) <= 0) {
				if (rc < 0)
					return -1;
				break;
			}
		if ((size_t)-delta > ix->sel)
			delta = -(long)ix->sel;
		ix->sel -= (size_t)-delta;
	}
	ix_settle(ix);
	return ix_fill_margins(ix);
}

int
ix_page(struct ix *ix, int dir)
{
	size_t	h = ix->height > 0 ? (size_t)ix->height : 1, off;

	if (ix->nrows == 0)
		return 0;
	off = ix->sel - ix->top;
	if (ix_move(ix, dir > 0 ? (long)h : -(long)h) != 0)
		return -1;
	/* Keep the selection at the same place on the page where possible. */
	ix->top = ix->sel >= off ? ix->sel - off : 0;
	ix_settle(ix);
	return ix_fill_margins(ix);
}

int
ix_home(struct ix *ix)
{
	if (ix->st == NULL)
		return 0;
	return ix_load_top(ix);
}

int
ix_end(struct ix *ix)
{
	size_t	h = ix->height > 0 ? (size_t)ix->height : 1;

	if (ix->st == NULL)
		return 0;
	window_clear(ix);
	ix->at_end = true;
	if (ix_grow(ix, false) < 0)
		return -1;
	if (ix->nrows > 0) {
		ix->sel = ix->nrows - 1;
		ix->top = ix->nrows > h ? ix->nrows - h : 0;
	}
	return ix_fill_margins(ix);
}

const struct ix_row *
ix_selected(const struct ix *ix)
{
	return ix->nrows > 0 ? &ix->rows[ix->sel] : NULL;
}

bool
ix_select_id(struct ix *ix, int64_t id)
{
	size_t	i;

	for (i = 0; i < ix->nrows; i++)
		if (ix->rows[i].id == id) {
			ix->sel = i;
			ix_settle(ix);
			return true;
		}
	return false;
}

/* Does the row come after key k in display order? */
static bool
row_after_key(const struct ix *ix, const struct ix_row *r,
    const struct ix_key *k)
{
	struct ix_key	rk = ix_row_key(r);
	int		c = ix_key_cmp(ix->sort, &rk, k);

	return ix_shown_desc(ix) ? c < 0 : c > 0;
}

/*
 * Rebuild the window so that it starts at the block where `first` is (the
 * old first row; NULL: at the top) and select `id` again, `off` rows below
 * the top; when `id` is gone, the row that came after it (`key`). Used
 * after the store changed, after a change of order or view, and to come
 * back from a search that found nothing. The keys may point into the
 * window: they are copied before it is cleared.
 */
int
ix_reload_at(struct ix *ix, const struct ix_key *first, int64_t id,
    const struct ix_key *key, size_t off)
{
	struct ix_key	 at = { 0 }, start = { 0 };
	size_t		 i, tries;
	bool		 found = false;
	int		 rc = -1;

	ix_key_set(&at, *key);
	if (first != NULL)
		ix_key_set(&start, *first);
	window_clear(ix);
	if (ix->st == NULL) {
		rc = 0;
		goto out;
	}
	if (first == NULL) {
		ix->at_start = true;
		if (ix_grow(ix, true) < 0)
			goto out;
	} else {
		/*
		 * Pages are exclusive: a stand-in block whose last key is one
		 * id before `first` in the order shown starts the window at
		 * `first` itself (no id lies between the two).
		 */
		start.id += ix_shown_desc(ix) ? 1 : -1;
		ix->blocks = xcalloc(1, sizeof *ix->blocks);
		ix->blocks[0].last = start;
		memset(&start, 0, sizeof start);
		ix->nblocks = 1;
		if (ix_grow(ix, true) < 0)
			goto out;
		drop_block(ix, true);	/* the stand-in */
		if (ix->nblocks == 0)
			ix->at_end = true;
	}
	for (tries = 0; ix->nrows > 0; tries++) {
		for (i = 0; i < ix->nrows; i++)
			if (ix->rows[i].id == id) {
				found = true;
				break;
			}
		if (found || ix->at_end || tries + 1 >= IX_MAX_BLOCKS ||
		    row_after_key(ix, &ix->rows[ix->nrows - 1], &at))
			break;
		if (ix_grow(ix, true) < 0)
			goto out;
	}
	if (!found) {
		/* Gone: the first row after it, else the last one. */
		for (i = 0; i < ix->nrows; i++)
			if (row_after_key(ix, &ix->rows[i], &at))
				break;
		if (i == ix->nrows && ix->nrows > 0)
			i = ix->nrows - 1;
	}
	ix->sel = i;
	ix->top = ix->sel > off ? ix->sel - off : 0;
	if (ix->sel < off && !ix->at_start) {
		/* Room above on screen: fetch what goes there. */
		while (!ix->at_start && ix->sel < off)
			if (ix_grow(ix, false) <= 0)
				break;
		ix->top = ix->sel > off ? ix->sel - off : 0;
	}
	ix_settle(ix);
	rc = ix_fill_margins(ix);
out:
	ix_key_free(&at);
	ix_key_free(&start);
	return rc;
}

/*
 * The first key of the selection's block: a reload starting there finds
 * the selection in its first block, however large the window above it.
 */
const struct ix_key *
ix_sel_block_first(const struct ix *ix)
{
	size_t	b, row = 0;

	for (b = 0; b + 1 < ix->nblocks; b++) {
		if (ix->sel < row + ix->blocks[b].nrows)
			break;
		row += ix->blocks[b].nrows;
	}
	return &ix->blocks[b].first;
}

int
ix_refresh(struct ix *ix)
{
	const struct ix_row	*r = ix_selected(ix);
	struct ix_key		 none = { 0 };
	bool			 from_top = ix->at_start || ix->nrows == 0;
	bool			 at_top = ix->at_start && ix->top == 0;
	int			 rc;

	if (r == NULL)
		rc = ix_reload_at(ix, NULL, 0, &none, 0);
	else {
		struct ix_key	key = ix_row_key(r);

		/* Threaded: the block's first raw key, where pages start. */
		rc = ix_reload_at(ix, from_top ? NULL : ix_sel_block_first(ix),
		    r->id, &key, ix->sel - ix->top);
	}
	if (rc != 0)
		return -1;
	/* Showing the top of the folder: new mail shows up there and
	 * pushes the selection down, rather than arriving out of sight. */
	if (at_top) {
		ix->top = 0;
		ix_settle(ix);
	}
	return 0;
}

/*
 * The view or the order changed: show the selected message again, with as
 * many rows above it as before, looking a few blocks up for where its
 * thread starts. Its key in the new order comes from the store, since a
 * row keeps only the key of the order it was fetched in.
 */
static int
reselect(struct ix *ix, int64_t id, size_t off)
{
	struct store_msg	m;
	struct store_sort_key	sk;
	struct ix_key		key;
	int			rc, tries;

	if (store_msg_get(ix->st, id, &m, &ix->err) != 0) {
		if (ix->err.code != PERR_NOTFOUND)
			return -1;
		perr_clear(&ix->err);
		return ix_load_top(ix);
	}
	store_msg_sort_key(&m, ix_store_order(ix->sort), &sk);
	key.text = (char *)sk.text;	/* ix_reload_at copies it */
	key.size = sk.size;
	key.date = sk.date;
	key.id = sk.id;
	rc = ix_reload_at(ix, &key, id, &key, off);
	store_msg_free(&m);
	if (rc != 0)
		return -1;
	for (tries = 0; !ix_select_id(ix, id) && !ix->at_start &&
	    tries < IX_MAX_BLOCKS; tries++)
		if (ix_grow(ix, false) < 0)
			return -1;
	ix->top = ix->sel > off ? ix->sel - off : 0;
	ix_settle(ix);
	return ix_fill_margins(ix);
}

/* Apply a change of view or order, keeping the selected message. */
static int
reorder(struct ix *ix, enum ix_sort sort, bool reverse, bool threaded)
{
	const struct ix_row	*r = ix_selected(ix);
	int64_t			 id = r != NULL ? r->id : 0;
	size_t			 off = r != NULL ? ix->sel - ix->top : 0;

	ix->sort = sort;
	ix->reverse = reverse;
	ix->threaded = threaded;
	if (ix->st == NULL)
		return ix_open_query(ix, NULL, ix->folder_id, ix->q);
	if (r == NULL)
		return ix_load_top(ix);
	return reselect(ix, id, off);
}

int
ix_set_query(struct ix *ix, const struct search_node *q)
{
	ix->q = q;
	ix->nfold = 0;
	return reorder(ix, ix->sort, ix->reverse, ix->threaded);
}

int
ix_set_sort(struct ix *ix, enum ix_sort sort, bool reverse)
{
	bool	threaded = ix->threaded;

	/* Threads are ordered by their newest message, and only so. */
	if (sort != IX_SORT_DATE)
		threaded = false;
	else if (threaded)
		reverse = false;
	return reorder(ix, sort, reverse, threaded);
}

int
ix_set_threaded(struct ix *ix, bool on)
{
	if (on)
		return reorder(ix, IX_SORT_DATE, false, true);
	return reorder(ix, ix->sort, ix->reverse, false);
}
