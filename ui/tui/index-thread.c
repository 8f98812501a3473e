/*
 * index-thread.c - the index's threaded blocks (see index.c's comment),
 * collapsed threads, the messages drawn as one thread, thread walks.
 *
 * No curses here.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"
#include "tui/index-int.h"

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
ix_thread_newest(struct ix *ix, int64_t tid, int limit, store_msg_cb cb,
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
	ix_row_fill(ix_rowbuf_add(tp->rb), m, true, IX_SORT_DATE);
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
void
ix_count_unread(struct ix_row *r)
{
	size_t	i;

	r->unread = (r->flags & STORE_SEEN) == 0;
	for (i = 0; i < r->nkids; i++)
		r->unread += (r->kids[i].flags & STORE_SEEN) == 0;
}

/* The end of the drawn thread starting at row i: the next root. */
static size_t
ix_group_end(const struct ix_row *r, size_t n, size_t i)
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
		end = ix_group_end(rb->r, rb->n, i);
		if (end - i > 1 && collapsed(ix, rb->r[i].id)) {
			struct ix_row	root = rb->r[i];

			root.nkids = end - i - 1;
			root.kids = xreallocarray(NULL, root.nkids,
			    sizeof *root.kids);
			memcpy(root.kids, &rb->r[i + 1],
			    root.nkids * sizeof *root.kids);
			ix_count_unread(&root);
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
			ix_key_set(&out->b.last, ix_row_key(&raw->r[i - 1]));
			break;
		}

		if (r->thread_id == 0) {
			struct ix_row	*o = ix_rowbuf_add(out);

			/* Copied, not moved: raw is freed by the caller. */
			*o = *r;
			o->from = xstrdup(r->from);
			o->from_addr = xstrdup(r->from_addr);
			o->to = xstrdup(r->to);
			o->subject = xstrdup(r->subject);
			o->message_id = ix_dup_or_null(r->message_id);
			o->in_reply_to = ix_dup_or_null(r->in_reply_to);
			o->refs = ix_dup_or_null(r->refs);
			o->key = ix_dup_or_null(r->key);
			continue;
		}
		if (seen_thread(tids, ntids, r->thread_id))
			continue;
		tids[ntids++] = r->thread_id;
		memset(&tp, 0, sizeof tp);
		tp.rb = out;
		tp.start = out->n;
		/* A thread of thousands is cut: the index stays bounded. */
		rc = ix_thread_newest(ix, r->thread_id, IX_THREAD_MAX,
		    pull_member, &tp);
		if (rc < 0) {
			free(tids);
			return -1;
		}
		/* Its newest message is above this block: shown already. */
		if (tp.count > 0 &&
		    ix_key_cmp(IX_SORT_DATE, &tp.newest, &raw->b.first) > 0) {
			while (out->n > tp.start)
				ix_row_free(&out->r[--out->n]);
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

int
ix_fetch_threaded(struct ix *ix, const struct ix_key *from, bool forward,
    struct rowbuf *rb)
{
	struct rowbuf	raw = { 0 };
	int		rc;

	raw.keep_threading = true;
	rb->forward = forward;
	if (ix_fetch_page(ix, IX_SORT_DATE, from, forward, IX_TBLOCK, &raw) !=
	    0) {
		ix_rowbuf_free(&raw);
		return -1;
	}
	rb->raw = raw.raw;
	ix_key_set(&rb->b.first, raw.b.first);
	ix_key_set(&rb->b.last, raw.b.last);
	rc = thread_block(ix, &raw, rb);
	ix_rowbuf_free(&raw);
	return rc;
}

static size_t
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
