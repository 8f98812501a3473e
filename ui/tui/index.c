/*
 * index.c - the message index as a window on the store.
 *
 * The window holds a few blocks of rows around the screen (at most
 * IX_MAX_BLOCKS), fetched with keyset pages (store_msg_page and
 * store_msg_page_newer), so opening or scrolling a 100,000-message folder
 * reads only what is shown and the memory does not depend on the folder.
 * Blocks are fetched at either end as the selection nears it, and the
 * block at the far end is dropped.
 *
 * Three sources fill a block:
 *  - date order, flat: one keyset page (either direction);
 *  - date order, threaded: a keyset page of raw rows, then every thread
 *    (by the store's thread_id) whose newest message lies in that page is
 *    pulled in whole and JWZ-threaded; rows of threads whose newest message
 *    is newer than the page belong to an earlier block and are skipped.
 *    Since blocks are contiguous ranges of dates, every thread is shown
 *    once, in the order of its newest message. Rows without a thread_id
 *    are threaded within their block only (bounded by design);
 *  - other sorts (sender, subject, size): the store has no index for them,
 *    so a compact key per message (IX_SORT_MAX at most) is sorted in
 *    memory and rows are read by id. Larger folders stay in date order.
 *
 * No curses here: the unit tests drive this file against a real store.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/tui-int.h"

/* Rows kept above and below the screen before fetching more. */
#define IX_MARGIN	10

/* Rows fetched for one block, before they join the window. */
struct rowbuf {
	struct ix_row	*r;
	size_t		 n, cap;
	struct ix_block	 b;
	size_t		 raw;		/* raw rows the source gave */
	bool		 keep_threading; /* copy message ids etc. */
	bool		 forward;	/* fetched going down the list */
	int64_t		 folder_id;
};

static void
row_free(struct ix_row *r)
{
	free(r->from);
	free(r->subject);
	free(r->tree);
	free(r->message_id);
	free(r->in_reply_to);
	free(r->refs);
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
row_fill(struct ix_row *r, const struct store_msg *m, bool threading)
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

	row_fill(rowbuf_add(rb), m, rb->keep_threading);
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

static struct store_page_key
row_key(const struct ix_row *r)
{
	struct store_page_key	k = { r->date, r->id };

	return k;
}

/* Is a newer than b in (date, id) order? */
static bool
key_newer(struct store_page_key a, struct store_page_key b)
{
	return a.date > b.date || (a.date == b.date && a.id > b.id);
}

/* ---- date order, flat ---------------------------------------------------- */

/*
 * One keyset page. forward: further down the list (older, or newer when
 * reversed) than *from (NULL: from the top). Rows come back in display
 * order.
 */
static int
fetch_flat(struct ix *ix, const struct store_page_key *from, bool forward,
    int limit, struct rowbuf *rb)
{
	bool	older = forward != ix->reverse;
	int	rc;

	if (older)
		rc = store_msg_page(ix->st, ix->folder_id, from, limit,
		    collect_row, rb, &ix->err);
	else
		rc = store_msg_page_newer(ix->st, ix->folder_id, from, limit,
		    collect_row, rb, &ix->err);
	if (rc != 0)
		return -1;
	/* Pages fetched backwards come nearest first. */
	if (!forward)
		rowbuf_reverse(rb);
	if (rb->n > 0) {
		rb->b.first = row_key(&rb->r[0]);
		rb->b.last = row_key(&rb->r[rb->n - 1]);
	}
	return 0;
}

/* ---- date order, threaded ------------------------------------------------- */

struct thread_pull {
	struct rowbuf	*rb;
	int64_t		 folder_id;
	struct store_page_key newest;
	size_t		 start;		/* first row added for this thread */
	size_t		 count;
};

static int
pull_member(void *arg, const struct store_msg *m)
{
	struct thread_pull	*tp = arg;
	struct store_page_key	 k = { m->date, m->id };

	if (m->folder_id != tp->folder_id)
		return 0;
	if (tp->count == 0 || key_newer(k, tp->newest))
		tp->newest = k;
	row_fill(rowbuf_add(tp->rb), m, true);
	/* A thread of thousands is cut: the index stays bounded. */
	return ++tp->count >= IX_THREAD_MAX ? 1 : 0;
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

/* Turn the raw rows of a block into its threaded rows (see the top). */
static int
thread_block(struct ix *ix, const struct rowbuf *raw, struct rowbuf *out)
{
	struct thread_in	*in;
	struct thread_out	*to;
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
			out->b.last = row_key(&raw->r[i - 1]);
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
			continue;
		}
		if (seen_thread(tids, ntids, r->thread_id))
			continue;
		tids[ntids++] = r->thread_id;
		memset(&tp, 0, sizeof tp);
		tp.rb = out;
		tp.folder_id = ix->folder_id;
		tp.start = out->n;
		rc = store_msg_thread(ix->st, r->thread_id, pull_member, &tp,
		    &ix->err);
		if (rc < 0) {
			free(tids);
			return -1;
		}
		/* Its newest message is above this block: shown already. */
		if (tp.count > 0 && key_newer(tp.newest, raw->b.first)) {
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
	thread_build(in, out->n, &to);
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
	thread_out_free(to, out->n);
	free(in);
	return 0;
}

static int
fetch_threaded(struct ix *ix, const struct store_page_key *from,
    bool forward, struct rowbuf *rb)
{
	struct rowbuf	raw = { 0 };
	int		rc;

	raw.keep_threading = true;
	rb->forward = forward;
	/* Threaded view is newest first: forward is older. */
	if (forward)
		rc = store_msg_page(ix->st, ix->folder_id, from, IX_TBLOCK,
		    collect_row, &raw, &ix->err);
	else
		rc = store_msg_page_newer(ix->st, ix->folder_id, from,
		    IX_TBLOCK, collect_row, &raw, &ix->err);
	if (rc != 0) {
		rowbuf_free(&raw);
		return -1;
	}
	if (!forward)
		rowbuf_reverse(&raw);
	rb->raw = raw.raw;
	if (raw.n > 0) {
		raw.b.first = rb->b.first = row_key(&raw.r[0]);
		raw.b.last = rb->b.last = row_key(&raw.r[raw.n - 1]);
	}
	rc = thread_block(ix, &raw, rb);
	rowbuf_free(&raw);
	return rc;
}

/* ---- other sorts: bounded keys in memory ----------------------------------- */

static void
keys_free(struct ix *ix)
{
	size_t	i;

	for (i = 0; i < ix->nkeys; i++)
		free(ix->keys[i].str);
	free(ix->keys);
	ix->keys = NULL;
	ix->nkeys = 0;
}

/* Lower-case ASCII copy for sorting; other bytes compare as they are. */
static char *
fold(const char *s)
{
	char	*out = xstrdup(s != NULL ? s : ""), *p;

	for (p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

struct key_walk {
	struct ix		*ix;
	size_t			 cap;
	struct store_page_key	 last;
};

static int
collect_key(void *arg, const struct store_msg *m)
{
	struct key_walk	*kw = arg;
	struct ix	*ix = kw->ix;
	struct ix_key	*k;
	char		*base;

	if (ix->nkeys == IX_SORT_MAX)
		return 1;
	if (ix->nkeys == kw->cap) {
		kw->cap = kw->cap ? kw->cap * 2 : 1024;
		ix->keys = xreallocarray(ix->keys, kw->cap, sizeof *ix->keys);
	}
	k = &ix->keys[ix->nkeys++];
	k->id = m->id;
	k->date = m->date;
	k->size = m->size;
	k->str = NULL;
	if (ix->sort == IX_SORT_FROM)
		k->str = fold(m->from_name != NULL && *m->from_name != '\0' ?
		    m->from_name : m->from_addr);
	else if (ix->sort == IX_SORT_SUBJECT) {
		base = thread_subject_base(m->subject);
		k->str = fold(base);
		free(base);
	}
	kw->last.date = m->date;
	kw->last.id = m->id;
	return 0;
}

static int
cmp_key(const void *a, const void *b, void *arg)
{
	const struct ix_key	*ka = a, *kb = b;
	const struct ix		*ix = arg;
	int			 c = 0;

	if (ix->sort == IX_SORT_SIZE)
		c = ka->size > kb->size ? -1 : ka->size < kb->size;
	else if (ka->str != NULL && kb->str != NULL)
		c = strcmp(ka->str, kb->str);
	if (c == 0)
		c = ka->date > kb->date ? -1 : ka->date < kb->date ? 1 :
		    ka->id > kb->id ? -1 : ka->id < kb->id;
	return ix->reverse ? -c : c;
}

/* Read the keys of the whole folder (at most IX_SORT_MAX) and sort them. */
static int
keys_load(struct ix *ix)
{
	struct key_walk	kw = { ix, 0, { 0, 0 } };
	size_t		before;
	int		rc;

	keys_free(ix);
	for (;;) {
		before = ix->nkeys;
		rc = store_msg_page(ix->st, ix->folder_id,
		    before > 0 ? &kw.last : NULL, 1000, collect_key, &kw,
		    &ix->err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return perr_set(&ix->err, PERR_GENERIC, "this folder "
			    "has more than %d messages: sorting by other than "
			    "date needs the store's help", IX_SORT_MAX);
		if (ix->nkeys - before < 1000)
			break;
	}
	qsort_r(ix->keys, ix->nkeys, sizeof *ix->keys, cmp_key, ix);
	return 0;
}

/* Rows at sorted positions [from, to), by id; vanished rows are skipped. */
static int
fetch_sorted(struct ix *ix, size_t from, size_t to, struct rowbuf *rb)
{
	struct store_msg	m;
	size_t			i;

	for (i = from; i < to && i < ix->nkeys; i++) {
		if (store_msg_get(ix->st, ix->keys[i].id, &m, &ix->err) != 0) {
			if (ix->err.code == PERR_NOTFOUND)
				continue;
			return -1;
		}
		row_fill(rowbuf_add(rb), &m, false);
		store_msg_free(&m);
	}
	rb->raw = to - from;
	rb->b.pos_first = from;
	rb->b.pos_last = to > from ? to - 1 : from;
	return 0;
}

static bool
sorted_mode(const struct ix *ix)
{
	return ix->sort != IX_SORT_DATE && ix->keys != NULL;
}

/* ---- the window ------------------------------------------------------------ */

static void
window_clear(struct ix *ix)
{
	size_t	i;

	for (i = 0; i < ix->nrows; i++)
		row_free(&ix->rows[i]);
	ix->nrows = 0;
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
	const struct ix_block	*edge = NULL;
	size_t			 from, to;

	if (ix->nblocks > 0)
		edge = forward ? &ix->blocks[ix->nblocks - 1] : &ix->blocks[0];
	if (ix->st == NULL)
		return 0;
	if (sorted_mode(ix)) {
		if (forward) {
			from = edge != NULL ? edge->pos_last + 1 : 0;
			to = from + IX_BLOCK;
		} else {
			to = edge != NULL ? edge->pos_first : ix->nkeys;
			from = to > IX_BLOCK ? to - IX_BLOCK : 0;
		}
		if (to > ix->nkeys)
			to = ix->nkeys;
		if (from >= to)
			return 0;
		return fetch_sorted(ix, from, to, rb);
	}
	if (ix->threaded)
		return fetch_threaded(ix, edge != NULL ? (forward ?
		    &edge->last : &edge->first) : NULL, forward, rb);
	return fetch_flat(ix, edge != NULL ? (forward ? &edge->last :
	    &edge->first) : NULL, forward, IX_BLOCK, rb);
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
		memmove(ix->blocks, ix->blocks + 1,
		    (ix->nblocks - 1) * sizeof *ix->blocks);
		ix->top = ix->top > n ? ix->top - n : 0;
		ix->sel = ix->sel > n ? ix->sel - n : 0;
		ix->at_start = false;
	} else {
		n = ix->blocks[ix->nblocks - 1].nrows;
		for (i = ix->nrows - n; i < ix->nrows; i++)
			row_free(&ix->rows[i]);
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
	/* No empty space below while rows exist above. */
	if (ix->at_end && ix->nrows >= h && ix->top + h > ix->nrows)
		ix->top = ix->nrows - h;
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
	window_clear(ix);
	keys_free(ix);
	ix->st = st;
	ix->folder_id = folder_id;
	perr_clear(&ix->err);
	if (st == NULL) {
		ix->at_start = ix->at_end = true;
		return 0;
	}
	if (ix->sort != IX_SORT_DATE && keys_load(ix) != 0) {
		/* Too big or failed: fall back to date order, say why. */
		keys_free(ix);
		ix->sort = IX_SORT_DATE;
		if (load_top(ix) != 0)
			return -1;
		return -1;
	}
	return load_top(ix);
}

void
ix_close(struct ix *ix)
{
	window_clear(ix);
	keys_free(ix);
	free(ix->rows);
	ix->rows = NULL;
	ix->caprows = 0;
	ix->st = NULL;
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

/* Does the row at display position a come after key k (display order)? */
static bool
row_after_key(const struct ix *ix, const struct ix_row *r,
    struct store_page_key k)
{
	bool	older = key_newer(k, row_key(r));

	return ix->reverse && !ix->threaded ? !older && r->id != k.id : older;
}

/*
 * Rebuild the window so that it starts at the block where `first` is (the
 * old first row) and select `id` again, `off` rows below the top; when
 * `id` is gone, the row that came after it. Used after the store changed
 * and to come back from a search that found nothing.
 */
static int
reload_at(struct ix *ix, bool from_top, struct store_page_key first,
    int64_t id, struct store_page_key key, size_t off)
{
	struct ix_block	 start = { 0 };
	size_t		 i, tries;
	bool		 found = false;

	window_clear(ix);
	if (ix->st == NULL)
		return 0;
	if (sorted_mode(ix) && keys_load(ix) != 0)
		return -1;
	if (from_top || sorted_mode(ix)) {
		ix->at_start = true;
		if (grow(ix, true) < 0)
			return -1;
	} else {
		/* Pages are exclusive: one past the old first row includes it. */
		start.last = first;
		start.last.id += ix->reverse && !ix->threaded ? -1 : 1;
		ix->blocks = xcalloc(1, sizeof *ix->blocks);
		ix->blocks[0] = start;
		ix->nblocks = 1;
		if (grow(ix, true) < 0)
			return -1;
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
		    (!sorted_mode(ix) && row_after_key(ix,
		    &ix->rows[ix->nrows - 1], key)))
			break;
		if (grow(ix, true) < 0)
			return -1;
	}
	if (!found) {
		/* Gone: the first row after it, else the last one. */
		for (i = 0; i < ix->nrows; i++)
			if (!sorted_mode(ix) &&
			    row_after_key(ix, &ix->rows[i], key))
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
	return fill_margins(ix);
}

int
ix_refresh(struct ix *ix)
{
	const struct ix_row	*r = ix_selected(ix);
	struct store_page_key	 first = { 0, 0 }, key = { 0, 0 };
	int64_t			 id = 0;
	size_t			 off = 0;
	bool			 from_top = ix->at_start || ix->nrows == 0;
	bool			 at_top = ix->at_start && ix->top == 0;

	if (r != NULL) {
		id = r->id;
		key = row_key(r);
		off = ix->sel - ix->top;
		/* Threaded: the block's first raw key, where pages start. */
		first = ix->blocks[0].first;
	}
	if (reload_at(ix, from_top, first, id, key, off) != 0)
		return -1;
	/* Showing the top of the folder: new mail shows up there and
	 * pushes the selection down, rather than arriving out of sight. */
	if (at_top) {
		ix->top = 0;
		settle(ix);
	}
	return 0;
}

int
ix_set_sort(struct ix *ix, enum ix_sort sort, bool reverse)
{
	ix->sort = sort;
	ix->reverse = reverse;
	if (sort != IX_SORT_DATE)
		ix->threaded = false;
	return ix_open(ix, ix->st, ix->folder_id);
}

int
ix_set_threaded(struct ix *ix, bool on)
{
	const struct ix_row	*r = ix_selected(ix);
	struct store_page_key	 key = { 0, 0 };
	int64_t			 id = 0;
	size_t			 off = 0;
	int			 tries;

	if (r != NULL) {
		key = row_key(r);
		id = r->id;
		off = ix->sel - ix->top;
	}
	ix->threaded = on;
	if (on) {
		/* Threads are ordered by their newest message. */
		ix->sort = IX_SORT_DATE;
		ix->reverse = false;
	}
	keys_free(ix);
	if (r == NULL || ix->at_start) {
		if (ix_open(ix, ix->st, ix->folder_id) != 0)
			return -1;
		(void)ix_select_id(ix, id);
		return 0;
	}
	if (reload_at(ix, false, key, id, key, off) != 0)
		return -1;
	/* Its thread may start above: look a few blocks up. */
	for (tries = 0; !ix_select_id(ix, id) && !ix->at_start &&
	    tries < IX_MAX_BLOCKS; tries++)
		if (grow(ix, false) < 0)
			return -1;
	ix->top = ix->sel > off ? ix->sel - off : 0;
	settle(ix);
	return fill_margins(ix);
}

int
ix_find(struct ix *ix, bool (*match)(const struct ix_row *, void *),
    void *arg)
{
	const struct ix_row	*r = ix_selected(ix);
	struct store_page_key	 first, key;
	int64_t			 id;
	size_t			 i, off;
	bool			 from_top = ix->at_start;
	int			 rc, pass;

	if (r == NULL)
		return 0;
	id = r->id;
	key = row_key(r);
	off = ix->sel - ix->top;
	first = ix->blocks[0].first;

	i = ix->sel + 1;
	for (pass = 0; pass < 2; pass++) {
		for (;;) {
			for (; i < ix->nrows; i++) {
				if (pass == 1 && ix->rows[i].id == id)
					goto none;
				if (match(&ix->rows[i], arg)) {
					ix->sel = i;
					ix->top = i > (size_t)ix->height / 2 ?
					    i - (size_t)ix->height / 2 : 0;
					settle(ix);
					return fill_margins(ix) != 0 ? -1 : 1;
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
					return -1;
				if (rc == 0)
					break;
				dropped = before + ix->blocks[ix->nblocks - 1]
				    .nrows - ix->nrows;
				i = i > dropped ? i - dropped : 0;
			}
		}
		if (pass == 0) {
			if (load_top(ix) != 0)
				return -1;
			i = 0;
		}
	}
none:
	if (reload_at(ix, from_top, first, id, key, off) != 0)
		return -1;
	return 0;
}

void
ix_set_flags(struct ix *ix, int64_t id, unsigned flags)
{
	size_t	i;

	for (i = 0; i < ix->nrows; i++)
		if (ix->rows[i].id == id)
			ix->rows[i].flags = flags;
}
