/*
 * act-index.c - the index's actions: movement, unread and thread
 * navigation, collapsing threads, sorting.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

void
index_act_next_entry(struct tui *t)
{
	view_index_moved(t, ix_move(&t->ix, 1));
}

void
index_act_prev_entry(struct tui *t)
{
	view_index_moved(t, ix_move(&t->ix, -1));
}

void
index_act_next_page(struct tui *t)
{
	view_index_moved(t, ix_page(&t->ix, 1));
}

void
index_act_prev_page(struct tui *t)
{
	view_index_moved(t, ix_page(&t->ix, -1));
}

void
index_act_first_entry(struct tui *t)
{
	view_index_moved(t, ix_home(&t->ix));
}

void
index_act_last_entry(struct tui *t)
{
	view_index_moved(t, ix_end(&t->ix));
}

void
index_act_display(struct tui *t)
{
	view_open_message(t, PG_TEXT);
}

void
index_act_display_headers(struct tui *t)
{
	view_open_message(t, PG_HEADERS);
}

void
index_act_display_raw(struct tui *t)
{
	view_open_message(t, PG_RAW);
}

/* A collapsed thread with unread mail in it counts as unread. */
bool
index_match_unread(const struct ix_row *r, void *arg)
{
	return (r->flags & STORE_SEEN) == 0 || r->unread > 0;
}

/* As mutt: past the last row the search goes on from the top, and says
 * so (none: what to say when nothing matches at all). */
static void
index_find(struct tui *t, bool (*match)(const struct ix_row *, void *),
    void *arg, const char *none)
{
	bool	wrapped;
	int	rc = ix_find(&t->ix, match, arg, &wrapped);

	if (rc == 0)
		status_msg(&t->status, "%s", none);
	else if (rc == 1 && wrapped)
		status_msg(&t->status, _("search wrapped to the top"));
	view_index_moved(t, rc < 0 ? -1 : 0);
}

void
index_act_next_unread(struct tui *t)
{
	index_find(t, index_match_unread, NULL, _("no unread messages"));
}

void
index_act_prev_unread(struct tui *t)
{
	bool	wrapped;
	int	rc = ix_find_back(&t->ix, index_match_unread, NULL, &wrapped);

	if (rc == 0)
		status_msg(&t->status, _("no unread messages"));
	else if (rc == 1 && wrapped)
		status_msg(&t->status, _("search wrapped to the bottom"));
	view_index_moved(t, rc < 0 ? -1 : 0);
}

void
index_act_collapse_thread(struct tui *t)
{
	int	rc = ix_fold_thread(&t->ix);

	if (rc == 0)
		status_msg(&t->status, "%s", t->ix.threaded ? _("this thread "
		    "has only one message") : _("threads collapse in the "
		    "threaded view only (t switches to it)"));
	view_index_moved(t, rc < 0 ? -1 : 0);
}

void
index_act_collapse_all(struct tui *t)
{
	int	rc = ix_fold_all(&t->ix);

	if (rc == 0 && !t->ix.threaded)
		status_msg(&t->status, "%s", _("threads collapse in the "
		    "threaded view only (t switches to it)"));
	else if (rc == 1)
		status_msg(&t->status, "%s", t->ix.fold_all ?
		    _("all threads collapsed") : _("all threads expanded"));
	view_index_moved(t, rc < 0 ? -1 : 0);
}

void
index_act_next_thread(struct tui *t)
{
	int	rc = ix_next_thread(&t->ix, 1);

	if (rc == 0)
		status_msg(&t->status, _("no more threads"));
	view_index_moved(t, rc < 0 ? -1 : 0);
}

void
index_act_prev_thread(struct tui *t)
{
	int	rc = ix_next_thread(&t->ix, -1);

	if (rc == 0)
		status_msg(&t->status, _("this is the first thread"));
	view_index_moved(t, rc < 0 ? -1 : 0);
}

void
index_act_toggle_threads(struct tui *t)
{
	view_index_moved(t, ix_set_threaded(&t->ix, !t->ix.threaded));
	status_msg(&t->status, "%s", t->ix.threaded ? _("threaded view") :
	    _("flat view"));
}

static void
set_sort(struct tui *t, enum ix_sort s, bool reverse)
{
	bool	threaded = t->ix.threaded;
	int	rc = ix_set_sort(&t->ix, s, reverse);

	view_index_moved(t, rc);
	/* Threads are by date only (ix_set_sort): say what happened. */
	if (rc == 0 && threaded && !t->ix.threaded)
		status_msg(&t->status, "%s",
		    _("flat view: threads are by date only"));
	else if (rc == 0 && threaded && reverse)
		status_msg(&t->status, _("threads are always newest first"));
}

static const char *const sort_names[] = { "date", "from", "subject", "size",
    NULL };

void
index_sort_named(struct tui *t, const char *text, bool reverse)
{
	size_t	i, len;

	if (strncmp(text, "reverse-", 8) == 0) {
		text += 8;
		reverse = !reverse;
	}
	if ((len = strlen(text)) == 0)
		return;
	for (i = 0; sort_names[i] != NULL; i++)
		if (strncmp(sort_names[i], text, len) == 0) {
			set_sort(t, (enum ix_sort)i, reverse);
			return;
		}
	status_msg(&t->status, _("no sort order named '%s': date, from, "
	    "subject or size"), text);
}

static void
sort_done(struct tui *t, const char *text)
{
	index_sort_named(t, text, false);
}

static const char **
sort_complete(struct tui *t, const char *text, size_t *n)
{
	const char	**out = xcalloc(5, sizeof *out);
	size_t		 i, len = strlen(text);

	*n = 0;
	for (i = 0; sort_names[i] != NULL; i++)
		if (strncmp(sort_names[i], text, len) == 0)
			out[(*n)++] = sort_names[i];
	return out;
}

void
index_act_sort(struct tui *t)
{
	prompt_start(&t->prompt, _("Sort by (date, from, subject, size): "),
	    sort_done, sort_complete);
}

void
index_act_sort_reverse(struct tui *t)
{
	set_sort(t, t->ix.sort, !t->ix.reverse);
}

void
index_act_sort_date(struct tui *t)
{
	set_sort(t, IX_SORT_DATE, false);
}

void
index_act_sort_from(struct tui *t)
{
	set_sort(t, IX_SORT_FROM, false);
}

void
index_act_sort_subject(struct tui *t)
{
	set_sort(t, IX_SORT_SUBJECT, false);
}

void
index_act_sort_size(struct tui *t)
{
	set_sort(t, IX_SORT_SIZE, false);
}
