/*
 * index-rows.c - the index's keys and rows (see index.c's comment): a
 * row's key in the store's orders, index rows made from store rows
 * (sanitised once, here), and one keyset page of the order shown.
 *
 * No curses here.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"
#include "tui/index-int.h"

/* ---- keys ------------------------------------------------------------------ */

enum store_sort
ix_store_order(enum ix_sort sort)
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
bool
ix_shown_desc(const struct ix *ix)
{
	if (ix->threaded)
		return true;
	return (ix->sort == IX_SORT_DATE || ix->sort == IX_SORT_SIZE) !=
	    ix->reverse;
}

/* A row's key; the text is borrowed from the row. */
struct ix_key
ix_row_key(const struct ix_row *r)
{
	struct ix_key	k = { r->key, r->size, r->date, r->id };

	return k;
}

void
ix_key_free(struct ix_key *k)
{
	free(k->text);
	memset(k, 0, sizeof *k);
}

/* *dst = a copy of k (dst's old text is freed). */
void
ix_key_set(struct ix_key *dst, struct ix_key k)
{
	char	*text = k.text != NULL ? xstrdup(k.text) : NULL;

	free(dst->text);
	*dst = k;
	dst->text = text;
}

void
ix_block_free(struct ix_block *b)
{
	ix_key_free(&b->first);
	ix_key_free(&b->last);
}

/* Compare keys in the store's ascending order of `sort`, as SQLite does. */
int
ix_key_cmp(enum ix_sort sort, const struct ix_key *a, const struct ix_key *b)
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

void
ix_row_free(struct ix_row *r)
{
	size_t	i;

	for (i = 0; i < r->nkids; i++)
		ix_row_free(&r->kids[i]);
	free(r->kids);
	free(r->from);
	free(r->from_addr);
	free(r->to);
	free(r->subject);
	free(r->tree);
	free(r->message_id);
	free(r->in_reply_to);
	free(r->refs);
	free(r->key);
	memset(r, 0, sizeof *r);
}

void
ix_rowbuf_free(struct rowbuf *rb)
{
	size_t	i;

	for (i = 0; i < rb->n; i++)
		ix_row_free(&rb->r[i]);
	free(rb->r);
	rb->r = NULL;
	rb->n = rb->cap = 0;
	ix_block_free(&rb->b);
}

struct ix_row *
ix_rowbuf_add(struct rowbuf *rb)
{
	if (rb->n == rb->cap) {
		rb->cap = rb->cap ? rb->cap * 2 : 64;
		rb->r = xreallocarray(rb->r, rb->cap, sizeof *rb->r);
	}
	memset(&rb->r[rb->n], 0, sizeof rb->r[0]);
	return &rb->r[rb->n++];
}

char *
ix_dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* A store row as an index row: display strings sanitised once, here. */
void
ix_row_fill(struct ix_row *r, const struct store_msg *m, bool threading,
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
	r->from_addr = sanitize_line(m->from_addr != NULL ? m->from_addr : "");
	r->to = sanitize_line(m->to_list != NULL ? m->to_list : "");
	r->subject = sanitize_line(m->subject != NULL ? m->subject : "");
	if (sort == IX_SORT_FROM)
		r->key = xstrdup(m->sort_from != NULL ? m->sort_from : "");
	else if (sort == IX_SORT_SUBJECT)
		r->key = xstrdup(m->sort_subject != NULL ? m->sort_subject :
		    "");
	if (threading) {
		r->message_id = ix_dup_or_null(m->message_id);
		r->in_reply_to = ix_dup_or_null(m->in_reply_to);
		r->refs = ix_dup_or_null(m->refs);
	}
}

static int
collect_row(void *arg, const struct store_msg *m)
{
	struct rowbuf	*rb = arg;

	ix_row_fill(ix_rowbuf_add(rb), m, rb->keep_threading, rb->sort);
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
int
ix_fetch_page(struct ix *ix, enum ix_sort sort, const struct ix_key *from,
    bool forward, int limit, struct rowbuf *rb)
{
	struct store_sort_key	k;
	bool			desc = ix_shown_desc(ix) == forward;

	rb->sort = sort;
	if (from != NULL) {
		k.text = from->text;
		k.size = from->size;
		k.date = from->date;
		k.id = from->id;
	}
	if (ix->q != NULL) {
		struct store_window	w = { ix->q, ix->folder_id, 0, 0 };

		if (store_msg_find_page(ix->st, &w, ix_store_order(sort),
		    from != NULL ? &k : NULL, desc, limit, collect_row, rb,
		    &ix->err) != 0)
			return -1;
	} else if (store_msg_page_sorted(ix->st, ix->folder_id,
	    ix_store_order(sort), from != NULL ? &k : NULL, desc, limit,
	    collect_row, rb, &ix->err) != 0)
		return -1;
	/* Pages fetched backwards come nearest first. */
	if (!forward)
		rowbuf_reverse(rb);
	if (rb->n > 0) {
		ix_key_set(&rb->b.first, ix_row_key(&rb->r[0]));
		ix_key_set(&rb->b.last, ix_row_key(&rb->r[rb->n - 1]));
	}
	return 0;
}

