/*
 * index-find.c - looking through the folder for a row that matches
 * (next unread, index search), both ways, wrapping.
 *
 * No curses here.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"
#include "tui/index-int.h"

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
	ix_key_set(&key, ix_row_key(r));
	ix_key_set(&first, *ix_sel_block_first(ix));
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
					ix_settle(ix);
					rc = ix_fill_margins(ix) != 0 ? -1 : 1;
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

				if ((rc = ix_grow(ix, true)) < 0)
					goto out;
				if (rc == 0)
					break;
				dropped = before + ix->blocks[ix->nblocks - 1]
				    .nrows - ix->nrows;
				i = i > dropped ? i - dropped : 0;
			}
		}
		if (pass == 0) {
			if ((rc = ix_load_top(ix)) != 0)
				goto out;
			i = 0;
		}
	}
none:
	rc = ix_reload_at(ix, from_top ? NULL : &first, id, &key, off);
out:
	ix_key_free(&first);
	ix_key_free(&key);
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
	ix_key_set(&key, ix_row_key(r));
	ix_key_set(&first, *ix_sel_block_first(ix));
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
					ix_settle(ix);
					rc = ix_fill_margins(ix) != 0 ? -1 : 1;
					goto out;
				}
			}
			if (ix->at_start)
				break;
			/* Rows come in above: the index moves down by as
			 * many (the far end may be dropped, not ours). */
			ix->top = ix->sel = 0;
			if ((rc = ix_grow(ix, false)) < 0)
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
	rc = ix_reload_at(ix, from_top ? NULL : &first, id, &key, off);
out:
	ix_key_free(&first);
	ix_key_free(&key);
	return rc;
}
