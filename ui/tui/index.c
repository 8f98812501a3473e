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
 * No curses here: the unit tests drive this file against a real store.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

/* Rows kept above and below the screen before fetching more. */
#define IX_MARGIN	10

/* Rows fetched for one block, before they join the window. */
struct rowbuf {
	struct ix_row	*r;
	size_t		 n, cap;
	struct ix_block	 b;		/* its keys are owned here */
	size_t		 raw;		/* raw rows the source gave */
	bool		 keep_threading; /* copy message ids etc. */
	bool		 forward;	/* fetched going down the list */
	enum ix_sort	 sort;		/* whose key each row keeps */
};

/* ---- keys ------------------------------------------------------------------ */

static enum store_sort
store_order(enum ix_sort sort)
{
	switch (sort) {
	case IX_SORT_FROM:
		return STORE_SORT_FROM;
	case IX_SORT_SUBJECT:
		return STORE_SORT_SUBJECT;
	case IX_SORT_SIZE:
		return STORE_SORT_SIZE;
	case IX_SORT_DATE:
		break;
	}
	return STORE_SORT_DATE;
}

/* Is the list shown in the store's descending order? */
static bool
shown_desc(const struct ix *ix)
{
	if (ix->threaded)
		return true;
	return (ix->sort == IX_SORT_DATE || ix->sort == IX_SORT_SIZE) !=
	    ix->reverse;
}

/* A row's key; the text is borrowed from the row. */
static struct ix_key
row_key(const struct ix_row *r)
{
	struct ix_key	k = { r->key, r->size, r->date, r->id };

	return k;
}

static void
key_free(struct ix_key *k)
{
	free(k->text);
	memset(k, 0, sizeof *k);
}

/* *dst = a copy of k (dst's old text is freed). */
static void
key_set(struct ix_key *dst, struct ix_key k)
{
	char	*text = k.text != NULL ? xstrdup(k.text) : NULL;

	free(dst->text);
	*dst = k;
	dst->text = text;
}

static void
block_free(struct ix_block *b)
{
	key_free(&b->first);
	key_free(&b->last);
}

/* Compare keys in the store's ascending order of `sort`, as SQLite does. */
static int
key_cmp(enum ix_sort sort, const struct ix_key *a, const struct ix_key *b)
{
	int	c = 0;

	if (sort == IX_SORT_FROM || sort == IX_SORT_SUBJECT)
		c = strcmp(a->text != NULL ? a->text : "",
		    b->text != NULL ? b->text : "");
	else if (sort == IX_SORT_SIZE)
		c = (a->size > b->size) - (a->size < b->size);
	if (c == 0)
		c = (a->date > b->date) - (a->date < b->date);
	if (c == 0)
		c = (a->id > b->id) - (a->id < b->id);
	return c;
}

/* ---- rows ------------------------------------------------------------------ */

static void
row_free(struct ix_row *r)
{
	size_t	i;

	for (i = 0; i < r->nkids; i++)
		row_free(&r->kids[i]);
	free(r->kids);
	free(r->from);
	free(r->subject);
	free(r->tree);
	free(r->message_id);
	free(r->in_reply_to);
	free(r->refs);
	free(r->key);
	memset(r, 0, sizeof *r);
}

static void
rowbuf_free(struct rowbuf *rb)
{
	size_t	i;

	for (i = 0; i < rb->n; i++)
		row_free(&rb->r[i]);
	free(rb->r);
	rb->r = NULL;
	rb->n = rb->cap = 0;
	block_free(&rb->b);
}

static struct ix_row *
rowbuf_add(struct rowbuf *rb)
{
	if (rb->n == rb->cap) {
		rb->cap = rb->cap ? rb->cap * 2 : 64;
		rb->r = xreallocarray(rb->r, rb->cap, sizeof *rb->r);
	}
	memset(&rb->r[rb->n], 0, sizeof rb->r[0]);
	return &rb->r[rb->n++];
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* A store row as an index row: display strings sanitised once, here. */
static void
row_fill(struct ix_row *r, const struct store_msg *m, bool threading,
    enum ix_sort sort)
{
	const char	*from;

	r->id = m->id;
	r->date = m->date;
	r->size = m->size;
	r->thread_id = m->thread_id;
	r->flags = m->flags;
	r->attach = m->has_attachments;
	from = m->from_name != NULL && *m->from_name != '\0' ? m->from_name :
	    m->from_addr != NULL ? m->from_addr : "";
	r->from = sanitize_line(from);
	r->subject = sanitize_line(m->subject != NULL ? m->subject : "");
	if (sort == IX_SORT_FROM)
		r->key = xstrdup(m->sort_from != NULL ? m->sort_from : "");
	else if (sort == IX_SORT_SUBJECT)
		r->key = xstrdup(m->sort_subject != NULL ? m->sort_subject :
		    "");
	if (threading) {
		r->message_id = dup_or_null(m->message_id);
		r->in_reply_to = dup_or_null(m->in_reply_to);
		r->refs = dup_or_null(m->refs);
	}
}

static int
collect_row(void *arg, const struct store_msg *m)
{
	struct rowbuf	*rb = arg;

	row_fill(rowbuf_add(rb), m, rb->keep_threading, rb->sort);
	rb->raw++;
	return 0;
}

static void
rowbuf_reverse(struct rowbuf *rb)
{
	size_t		i;
	struct ix_row	tmp;

	for (i = 0; i < rb->n / 2; i++) {
		tmp = rb->r[i];
		rb->r[i] = rb->r[rb->n - 1 - i];
		rb->r[rb->n - 1 - i] = tmp;
	}
}

/*
 * One keyset page of the order shown. forward: further down the list than
 * *from (NULL: from the top; backward from NULL: from the bottom), else up.
 * Rows come back in display order, with the block's keys set.
 */
static int
fetch_page(struct ix *ix, enum ix_sort sort, const struct ix_key *from,
    bool forward, int limit, struct rowbuf *rb)
{
	struct store_sort_key	k;
	bool			desc = shown_desc(ix) == forward;

	rb->sort = sort;
	if (from != NULL) {
		k.text = from->text;
		k.size = from->size;
		k.date = from->date;
		k.id = from->id;
	}
	if (ix->q != NULL) {
		struct store_window	w = { ix->q, ix->folder_id, 0 };

		if (store_msg_find_page(ix->st, &w, store_order(sort),
		    from != NULL ? &k : NULL, desc, limit, collect_row, rb,
		    &ix->err) != 0)
			return -1;
	} else if (store_msg_page_sorted(ix->st, ix->folder_id,
	    store_order(sort), from != NULL ? &k : NULL, desc, limit,
	    collect_row, rb, &ix->err) != 0)
		return -1;
	/* Pages fetched backwards come nearest first. */
	if (!forward)
		rowbuf_reverse(rb);
	if (rb->n > 0) {
		key_set(&rb->b.first, row_key(&rb->r[0]));
		key_set(&rb->b.last, row_key(&rb->r[rb->n - 1]));
	}
	return 0;
}

/* ---- threaded ------------------------------------------------------------- */

struct thread_pull {
	struct rowbuf	*rb;
	struct ix_key	 newest;
	size_t		 start;		/* first row added for this thread */
	size_t		 count;
};

/* The newest limit messages of thread tid shown in the window: of the
 * folder, and matching the limit when there is one. */
static int
thread_newest(struct ix *ix, int64_t tid, int limit, store_msg_cb cb,
    void *arg)
{
	struct store_window	w = { ix->q, ix->folder_id, tid };

	if (ix->q == NULL)
		return store_msg_thread_newest(ix->st, tid, ix->folder_id,
		    limit, cb, arg, &ix->err);
	return store_msg_find_page(ix->st, &w, STORE_SORT_DATE, NULL, true,
	    limit, cb, arg, &ix->err);
}

/* Members come newest first (store_msg_thread_newest). */
static int
pull_member(void *arg, const struct store_msg *m)
{
	struct thread_pull	*tp = arg;
	struct ix_key		 k = { NULL, m->size, m->date, m->id };

	if (tp->count++ == 0)
		tp->newest = k;
	row_fill(rowbuf_add(tp->rb), m, true, IX_SORT_DATE);
	return 0;
}

static bool
seen_thread(const int64_t *tids, size_t n, int64_t tid)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (tids[i] == tid)
			return true;
	return false;
}

/* ---- collapsed threads ------------------------------------------------------ */

static bool
fold_listed(const struct ix *ix, int64_t id)
{
	size_t	i;

	for (i = 0; i < ix->nfold; i++)
		if (ix->fold[i] == id)
			return true;
	return false;
}

static bool
collapsed(const struct ix *ix, int64_t root)
{
	return ix->fold_all != fold_listed(ix, root);
}

/* The unread messages of a collapsed row's thread. */
static void
count_unread(struct ix_row *r)
{
	size_t	i;

	r->unread = (r->flags & STORE_SEEN) == 0;
	for (i = 0; i < r->nkids; i++)
		r->unread += (r->kids[i].flags & STORE_SEEN) == 0;
}

/* The end of the drawn thread starting at row i: the next root. */
static size_t
group_end(const struct ix_row *r, size_t n, size_t i)
{
	size_t	end = i + 1;

	while (end < n && r[end].depth > 0)
		end++;
	return end;
}

/*
 * Hide the rows under each collapsed root of a threaded block in the
 * root's `kids`: what the window holds is what is drawn, so moving,
 * paging and searching need no notion of hidden rows.
 */
static void
fold_rows(const struct ix *ix, struct rowbuf *rb)
{
	size_t	i = 0, w = 0, end;

	while (i < rb->n) {
		end = group_end(rb->r, rb->n, i);
		if (end - i > 1 && collapsed(ix, rb->r[i].id)) {
			struct ix_row	root = rb->r[i];

			root.nkids = end - i - 1;
			root.kids = xreallocarray(NULL, root.nkids,
			    sizeof *root.kids);
			memcpy(root.kids, &rb->r[i + 1],
			    root.nkids * sizeof *root.kids);
			count_unread(&root);
			rb->r[w++] = root;
		} else {
			memmove(&rb->r[w], &rb->r[i], (end - i) *
			    sizeof *rb->r);
			w += end - i;
		}
		i = end;
	}
	rb->n = w;
}

/* Turn the raw rows of a block into its threaded rows (see the top). */
static int
thread_block(struct ix *ix, const struct rowbuf *raw, struct rowbuf *out)
{
	struct jwz_in	*in;
	struct jwz_out	*to;
	struct thread_pull	 tp;
	int64_t			*tids;
	size_t			 ntids = 0, i;
	int			 rc;

	tids = xcalloc(raw->n + 1, sizeof *tids);
	for (i = 0; i < raw->n; i++) {
		struct ix_row	*r = &raw->r[i];

		/*
		 * Big threads: end the block here; the rest of the raw rows
		 * start the next one, so nothing is lost. Only going
		 * forward, where the block's end is ours to choose.
		 */
		if (out->n >= IX_TBLOCK_ROWS && i > 0 && out->forward) {
			key_set(&out->b.last, row_key(&raw->r[i - 1]));
			break;
		}

		if (r->thread_id == 0) {
			struct ix_row	*o = rowbuf_add(out);

			/* Copied, not moved: raw is freed by the caller. */
			*o = *r;
			o->from = xstrdup(r->from);
			o->subject = xstrdup(r->subject);
			o->message_id = dup_or_null(r->message_id);
			o->in_reply_to = dup_or_null(r->in_reply_to);
			o->refs = dup_or_null(r->refs);
			o->key = dup_or_null(r->key);
			continue;
		}
		if (seen_thread(tids, ntids, r->thread_id))
			continue;
		tids[ntids++] = r->thread_id;
		memset(&tp, 0, sizeof tp);
		tp.rb = out;
		tp.start = out->n;
		/* A thread of thousands is cut: the index stays bounded. */
		rc = thread_newest(ix, r->thread_id, IX_THREAD_MAX,
		    pull_member, &tp);
		if (rc < 0) {
			free(tids);
			return -1;
		}
		/* Its newest message is above this block: shown already. */
		if (tp.count > 0 &&
		    key_cmp(IX_SORT_DATE, &tp.newest, &raw->b.first) > 0) {
			while (out->n > tp.start)
				row_free(&out->r[--out->n]);
		}
	}
	free(tids);

	in = xcalloc(out->n + 1, sizeof *in);
	for (i = 0; i < out->n; i++) {
		in[i].message_id = out->r[i].message_id;
		in[i].in_reply_to = out->r[i].in_reply_to;
		in[i].refs = out->r[i].refs;
		in[i].subject = out->r[i].subject;
		in[i].date = out->r[i].date;
		in[i].id = out->r[i].id;
	}
	jwz_build(in, out->n, &to);
	{
		struct ix_row	*sorted = xcalloc(out->n + 1, sizeof *sorted);

		for (i = 0; i < out->n; i++) {
			sorted[i] = out->r[to[i].index];
			sorted[i].depth = to[i].depth;
			sorted[i].tree = to[i].tree;
			to[i].tree = NULL;
		}
		free(out->r);
		out->r = sorted;
		out->cap = out->n + 1;
	}
	jwz_out_free(to, out->n);
	free(in);
	fold_rows(ix, out);
	return 0;
}

static int
fetch_threaded(struct ix *ix, const struct ix_key *from, bool forward,
    struct rowbuf *rb)
{
	struct rowbuf	raw = { 0 };
	int		rc;

	raw.keep_threading = true;
	rb->forward = forward;
	if (fetch_page(ix, IX_SORT_DATE, from, forward, IX_TBLOCK, &raw) !=
	    0) {
		rowbuf_free(&raw);
		return -1;
	}
	rb->raw = raw.raw;
	key_set(&rb->b.first, raw.b.first);
	key_set(&rb->b.last, raw.b.last);
	rc = thread_block(ix, &raw, rb);
	rowbuf_free(&raw);
	return rc;
}

/* ---- the window ------------------------------------------------------------ */

static void
window_clear(struct ix *ix)
{
	size_t	i;

	for (i = 0; i < ix->nrows; i++)
		row_free(&ix->rows[i]);
	ix->nrows = 0;
	for (i = 0; i < ix->nblocks; i++)
		block_free(&ix->blocks[i]);
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
		return fetch_threaded(ix, from, forward, rb);
	return fetch_page(ix, ix->sort, from, forward, IX_BLOCK, rb);
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
			row_free(&ix->rows[i]);
		memmove(ix->rows, ix->rows + n,
		    (ix->nrows - n) * sizeof *ix->rows);
		block_free(&ix->blocks[0]);
		memmove(ix->blocks, ix->blocks + 1,
		    (ix->nblocks - 1) * sizeof *ix->blocks);
		ix->top = ix->top > n ? ix->top - n : 0;
		ix->sel = ix->sel > n ? ix->sel - n : 0;
		ix->at_start = false;
	} else {
		n = ix->blocks[ix->nblocks - 1].nrows;
		for (i = ix->nrows - n; i < ix->nrows; i++)
			row_free(&ix->rows[i]);
		block_free(&ix->blocks[ix->nblocks - 1]);
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
static int
grow(struct ix *ix, bool forward)
{
	struct rowbuf	rb = { 0 };
	size_t		n;

	/* A threaded block may hold no row of its own: go on past it. */
	for (;;) {
		if (fetch_block(ix, forward, &rb) != 0) {
			rowbuf_free(&rb);
			return -1;
		}
		if (rb.raw == 0) {
			if (forward)
				ix->at_end = true;
			else
				ix->at_start = true;
			rowbuf_free(&rb);
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
static void
settle(struct ix *ix)
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
static int
fill_margins(struct ix *ix)
{
	size_t	h = ix->height > 0 ? (size_t)ix->height : 1;
	int	rc;

	while (!ix->at_end && ix->nrows < ix->top + h + IX_MARGIN)
		if ((rc = grow(ix, true)) <= 0) {
			if (rc < 0)
				return -1;
			break;
		}
	while (!ix->at_start && ix->top < IX_MARGIN)
		if ((rc = grow(ix, false)) <= 0) {
			if (rc < 0)
				return -1;
			break;
		}
	settle(ix);
	return 0;
}

static int
load_top(struct ix *ix)
{
	window_clear(ix);
	ix->at_start = true;
	if (grow(ix, true) < 0)
		return -1;
	return fill_margins(ix);
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
	return load_top(ix);
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
	if (fill_margins(ix) != 0)
		settle(ix);
}

int
ix_move(struct ix *ix, long delta)
{
	int	rc;

	if (ix->nrows == 0)
		return 0;
	if (delta > 0) {
		while ((size_t)delta > ix->nrows - 1 - ix->sel && !ix->at_end)
			if ((rc = grow(ix, true)) <= 0) {
				if (rc < 0)
					return -1;
				break;
			}
		if ((size_t)delta > ix->nrows - 1 - ix->sel)
			delta = (long)(ix->nrows - 1 - ix->sel);
		ix->sel += (size_t)delta;
	} else if (delta < 0) {
		while ((size_t)-delta > ix->sel && !ix->at_start)
			if ((rc = grow(ix, false)) <= 0) {
				if (rc < 0)
					return -1;
				break;
			}
		if ((size_t)-delta > ix->sel)
			delta = -(long)ix->sel;
		ix->sel -= (size_t)-delta;
	}
	settle(ix);
	return fill_margins(ix);
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
	settle(ix);
	return fill_margins(ix);
}

int
ix_home(struct ix *ix)
{
	if (ix->st == NULL)
		return 0;
	return load_top(ix);
}

int
ix_end(struct ix *ix)
{
	size_t	h = ix->height > 0 ? (size_t)ix->height : 1;

	if (ix->st == NULL)
		return 0;
	window_clear(ix);
	ix->at_end = true;
	if (grow(ix, false) < 0)
		return -1;
	if (ix->nrows > 0) {
		ix->sel = ix->nrows - 1;
		ix->top = ix->nrows > h ? ix->nrows - h : 0;
	}
	return fill_margins(ix);
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
			settle(ix);
			return true;
		}
	return false;
}

/* Does the row come after key k in display order? */
static bool
row_after_key(const struct ix *ix, const struct ix_row *r,
    const struct ix_key *k)
{
	struct ix_key	rk = row_key(r);
	int		c = key_cmp(ix->sort, &rk, k);

	return shown_desc(ix) ? c < 0 : c > 0;
}

/*
 * Rebuild the window so that it starts at the block where `first` is (the
 * old first row; NULL: at the top) and select `id` again, `off` rows below
 * the top; when `id` is gone, the row that came after it (`key`). Used
 * after the store changed, after a change of order or view, and to come
 * back from a search that found nothing. The keys may point into the
 * window: they are copied before it is cleared.
 */
static int
reload_at(struct ix *ix, const struct ix_key *first, int64_t id,
    const struct ix_key *key, size_t off)
{
	struct ix_key	 at = { 0 }, start = { 0 };
	size_t		 i, tries;
	bool		 found = false;
	int		 rc = -1;

	key_set(&at, *key);
	if (first != NULL)
		key_set(&start, *first);
	window_clear(ix);
	if (ix->st == NULL) {
		rc = 0;
		goto out;
	}
	if (first == NULL) {
		ix->at_start = true;
		if (grow(ix, true) < 0)
			goto out;
	} else {
		/*
		 * Pages are exclusive: a stand-in block whose last key is one
		 * id before `first` in the order shown starts the window at
		 * `first` itself (no id lies between the two).
		 */
		start.id += shown_desc(ix) ? 1 : -1;
		ix->blocks = xcalloc(1, sizeof *ix->blocks);
		ix->blocks[0].last = start;
		memset(&start, 0, sizeof start);
		ix->nblocks = 1;
		if (grow(ix, true) < 0)
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
		if (grow(ix, true) < 0)
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
			if (grow(ix, false) <= 0)
				break;
		ix->top = ix->sel > off ? ix->sel - off : 0;
	}
	settle(ix);
	rc = fill_margins(ix);
out:
	key_free(&at);
	key_free(&start);
	return rc;
}

/*
 * The first key of the selection's block: a reload starting there finds
 * the selection in its first block, however large the window above it.
 */
static const struct ix_key *
sel_block_first(const struct ix *ix)
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
		rc = reload_at(ix, NULL, 0, &none, 0);
	else {
		struct ix_key	key = row_key(r);

		/* Threaded: the block's first raw key, where pages start. */
		rc = reload_at(ix, from_top ? NULL : sel_block_first(ix),
		    r->id, &key, ix->sel - ix->top);
	}
	if (rc != 0)
		return -1;
	/* Showing the top of the folder: new mail shows up there and
	 * pushes the selection down, rather than arriving out of sight. */
	if (at_top) {
		ix->top = 0;
		settle(ix);
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
		return load_top(ix);
	}
	store_msg_sort_key(&m, store_order(ix->sort), &sk);
	key.text = (char *)sk.text;	/* reload_at copies it */
	key.size = sk.size;
	key.date = sk.date;
	key.id = sk.id;
	rc = reload_at(ix, &key, id, &key, off);
	store_msg_free(&m);
	if (rc != 0)
		return -1;
	for (tries = 0; !ix_select_id(ix, id) && !ix->at_start &&
	    tries < IX_MAX_BLOCKS; tries++)
		if (grow(ix, false) < 0)
			return -1;
	ix->top = ix->sel > off ? ix->sel - off : 0;
	settle(ix);
	return fill_margins(ix);
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
		return load_top(ix);
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

int
ix_find(struct ix *ix, bool (*match)(const struct ix_row *, void *),
    void *arg, bool *wrapped)
{
	const struct ix_row	*r = ix_selected(ix);
	struct ix_key		 first = { 0 }, key = { 0 };
	int64_t			 id;
	size_t			 i, off;
	bool			 from_top = ix->at_start;
	int			 rc, pass;

	if (r == NULL)
		return 0;
	id = r->id;
	key_set(&key, row_key(r));
	key_set(&first, *sel_block_first(ix));
	off = ix->sel - ix->top;

	*wrapped = false;
	i = ix->sel + 1;
	for (pass = 0; pass < 2; pass++) {
		for (;;) {
			for (; i < ix->nrows; i++) {
				/* Back where it started: that row is the last
				 * candidate (mutt finds the only match there). */
				if (pass == 1 && ix->rows[i].id == id &&
				    !match(&ix->rows[i], arg))
					goto none;
				if (match(&ix->rows[i], arg)) {
					*wrapped = pass == 1;
					ix->sel = i;
					ix->top = i > (size_t)ix->height / 2 ?
					    i - (size_t)ix->height / 2 : 0;
					settle(ix);
					rc = fill_margins(ix) != 0 ? -1 : 1;
					goto out;
				}
			}
			if (ix->at_end)
				break;
			/* Scanning: let the window slide with us. */
			ix->top = ix->sel = i > 0 ? i - 1 : 0;
			{
				size_t before = ix->nrows;
				size_t dropped;

				if ((rc = grow(ix, true)) < 0)
					goto out;
				if (rc == 0)
					break;
				dropped = before + ix->blocks[ix->nblocks - 1]
				    .nrows - ix->nrows;
				i = i > dropped ? i - dropped : 0;
			}
		}
		if (pass == 0) {
			if ((rc = load_top(ix)) != 0)
				goto out;
			i = 0;
		}
	}
none:
	rc = reload_at(ix, from_top ? NULL : &first, id, &key, off);
out:
	key_free(&first);
	key_free(&key);
	return rc;
}

int
ix_find_back(struct ix *ix, bool (*match)(const struct ix_row *, void *),
    void *arg, bool *wrapped)
{
	const struct ix_row	*r = ix_selected(ix);
	struct ix_key		 first = { 0 }, key = { 0 };
	int64_t			 id;
	size_t			 i, off;
	bool			 from_top = ix->at_start;
	int			 rc, pass;

	if (r == NULL)
		return 0;
	id = r->id;
	key_set(&key, row_key(r));
	key_set(&first, *sel_block_first(ix));
	off = ix->sel - ix->top;

	*wrapped = false;
	i = ix->sel;		/* rows below i are still to look at */
	for (pass = 0; pass < 2; pass++) {
		for (;;) {
			while (i > 0) {
				i--;
				if (pass == 1 && ix->rows[i].id == id &&
				    !match(&ix->rows[i], arg))
					goto none;
				if (match(&ix->rows[i], arg)) {
					*wrapped = pass == 1;
					ix->sel = i;
					ix->top = i > (size_t)ix->height / 2 ?
					    i - (size_t)ix->height / 2 : 0;
					settle(ix);
					rc = fill_margins(ix) != 0 ? -1 : 1;
					goto out;
				}
			}
			if (ix->at_start)
				break;
			/* Rows come in above: the index moves down by as
			 * many (the far end may be dropped, not ours). */
			ix->top = ix->sel = 0;
			if ((rc = grow(ix, false)) < 0)
				goto out;
			if (rc == 0)
				break;
			i = ix->sel;
		}
		if (pass == 0) {
			if ((rc = ix_end(ix)) != 0)
				goto out;
			i = ix->nrows;
		}
	}
none:
	rc = reload_at(ix, from_top ? NULL : &first, id, &key, off);
out:
	key_free(&first);
	key_free(&key);
	return rc;
}

/* The ids of the drawn thread around row at: from its root (depth 0) down
 * to the row before the next root, with the rows a collapsed root hides.
 * A thread never spans two blocks. */
static size_t
drawn_thread(const struct ix *ix, size_t at, int64_t **ids)
{
	size_t	first = at, end, i, k, n = 0;

	while (first > 0 && ix->rows[first].depth > 0)
		first--;
	end = group_end(ix->rows, ix->nrows, first);
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
	if (m.thread_id != 0 && thread_newest(tmp, m.thread_id, 1,
	    newest_member, &newest) < 0)
		goto out;
	if (newest.id != 0 && key_cmp(IX_SORT_DATE, &newest, &start) > 0)
		start = newest;
	if (fetch_page(tmp, IX_SORT_DATE, &key, false, IX_TBLOCK / 2,
	    &above) != 0)
		goto out;
	if (above.n > 0 && key_cmp(IX_SORT_DATE, &above.b.first, &start) > 0)
		start = above.b.first;
	rc = reload_at(tmp, &start, id, &key, 0);
out:
	rowbuf_free(&above);
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
			count_unread(r);
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
	struct ix_key	key = row_key(&ix->rows[root]);
	size_t		off = root >= ix->top ? root - ix->top : 0;

	return reload_at(ix, ix->at_start ? NULL : sel_block_first(ix),
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
	    group_end(ix->rows, ix->nrows, root) == root + 1)
		return 0;
	if (fold_listed(ix, id)) {
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
