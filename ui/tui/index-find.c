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

/* Where a search starts, to come back to when nothing matches. */
struct find_from {
	struct ix_key	first;		/* the selected row's block */
	struct ix_key	key;		/* the selected row */
	int64_t		id;
	size_t		off;		/* its line on screen */
	bool		from_top;
};

static bool
find_begin(struct ix *ix, struct find_from *f)
{
	const struct ix_row	*r = ix_selected(ix);

	memset(f, 0, sizeof *f);
	if (r == NULL)
		return false;
	f->id = r->id;
	f->from_top = ix->at_start;
	ix_key_set(&f->key, ix_row_key(r));
	ix_key_set(&f->first, *ix_sel_block_first(ix));
	f->off = ix->sel - ix->top;
	return true;
}

/* Select row i, centred, and fill the window around it. */
static int
found(struct ix *ix, size_t i)
{
	ix->sel = i;
	ix->top = i > (size_t)ix->height / 2 ? i - (size_t)ix->height / 2 : 0;
	ix_settle(ix);
	return ix_fill_margins(ix) != 0 ? -1 : 1;
}

int
ix_find(struct ix *ix, bool (*match)(const struct ix_row *, void *),
    void *arg, bool *wrapped)
{
	struct find_from	 from;
	int64_t			 id;
	size_t			 i;
	int			 rc, pass;

	if (!find_begin(ix, &from))
		return 0;
	id = from.id;

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
					rc = found(ix, i);
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
	rc = ix_reload_at(ix, from.from_top ? NULL : &from.first, id, &from.key,
	    from.off);
out:
	ix_key_free(&from.first);
	ix_key_free(&from.key);
	return rc;
}

int
ix_find_back(struct ix *ix, bool (*match)(const struct ix_row *, void *),
    void *arg, bool *wrapped)
{
	struct find_from	 from;
	int64_t			 id;
	size_t			 i;
	int			 rc, pass;

	if (!find_begin(ix, &from))
		return 0;
	id = from.id;

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
					rc = found(ix, i);
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
	rc = ix_reload_at(ix, from.from_top ? NULL : &from.first, id, &from.key,
	    from.off);
out:
	ix_key_free(&from.first);
	ix_key_free(&from.key);
	return rc;
}
