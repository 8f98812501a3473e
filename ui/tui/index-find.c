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

/*
 * Bring the next block in, the way the search goes, with the window
 * sliding along; *i stays on the same row (the far end may be dropped).
 * Returns ix_grow()'s answer: 0 when there is no more.
 */
static int
slide(struct ix *ix, bool back, size_t *i)
{
	size_t	before = ix->nrows, dropped;
	int	rc;

	if (back) {
		/* Rows come in above: the index moves down by as many. */
		ix->top = ix->sel = 0;
		if ((rc = ix_grow(ix, false)) > 0)
			*i = ix->sel;
		return rc;
	}
	ix->top = ix->sel = *i > 0 ? *i - 1 : 0;
	if ((rc = ix_grow(ix, true)) > 0) {
		dropped = before + ix->blocks[ix->nblocks - 1].nrows -
		    ix->nrows;
		*i = *i > dropped ? *i - dropped : 0;
	}
	return rc;
}

/*
 * The next row after the selected one (back: before it) that matches,
 * wrapping once around the folder; none: the selection where it was.
 */
static int
find(struct ix *ix, bool back, bool (*match)(const struct ix_row *, void *),
    void *arg, bool *wrapped)
{
	struct find_from	 from;
	int64_t			 id;
	size_t			 i, j;
	int			 rc, pass;

	if (!find_begin(ix, &from))
		return 0;
	id = from.id;

	*wrapped = false;
	/* Forward: rows from i on are to look at; back: rows below i. */
	i = back ? ix->sel : ix->sel + 1;
	for (pass = 0; pass < 2; pass++) {
		for (;;) {
			while (back ? i > 0 : i < ix->nrows) {
				j = back ? --i : i++;
				/* Back where it started: that row is the last
				 * candidate (mutt finds the only match there). */
				if (pass == 1 && ix->rows[j].id == id &&
				    !match(&ix->rows[j], arg))
					goto none;
				if (match(&ix->rows[j], arg)) {
					*wrapped = pass == 1;
					rc = found(ix, j);
					goto out;
				}
			}
			if (back ? ix->at_start : ix->at_end)
				break;
			if ((rc = slide(ix, back, &i)) < 0)
				goto out;
			if (rc == 0)
				break;
		}
		if (pass == 0) {
			if ((rc = back ? ix_end(ix) : ix_load_top(ix)) != 0)
				goto out;
			i = back ? ix->nrows : 0;
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
ix_find(struct ix *ix, bool (*match)(const struct ix_row *, void *),
    void *arg, bool *wrapped)
{
	return find(ix, false, match, arg, wrapped);
}

int
ix_find_back(struct ix *ix, bool (*match)(const struct ix_row *, void *),
    void *arg, bool *wrapped)
{
	return find(ix, true, match, arg, wrapped);
}
