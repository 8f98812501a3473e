/*
 * index-thread.c - the index's threaded blocks (see index.c's comment)
 * and the collapsed threads in them.
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
int
ix_thread_newest(struct ix *ix, int64_t tid, int limit, store_msg_cb cb,
    void *arg)
{
	struct store_window	w = { ix->q, ix->folder_id, tid, 0 };

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

bool
ix_fold_listed(const struct ix *ix, int64_t id)
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
	return ix->fold_all != ix_fold_listed(ix, root);
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
size_t
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
