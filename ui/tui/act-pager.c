/*
 * act-pager.c - the pager's actions: scrolling, searching the text, the
 * raw source, reading the next or previous message.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

void
pager_act_exit(struct tui *t)
{
	/* The help text goes back where it was asked for. */
	t->view = t->pg.msg_id == 0 ? t->help_back : TUI_VIEW_INDEX;
	t->dirty |= TUI_DIRTY_MAIN | TUI_DIRTY_STATUS;
}

static void
pager_moved(struct tui *t)
{
	t->dirty |= TUI_DIRTY_MAIN | TUI_DIRTY_STATUS;
}

void
pager_act_next_line(struct tui *t)
{
	pager_scroll(&t->pg, 1);
	pager_moved(t);
}

void
pager_act_prev_line(struct tui *t)
{
	pager_scroll(&t->pg, -1);
	pager_moved(t);
}

void
pager_act_next_page(struct tui *t)
{
	pager_scroll(&t->pg, t->pg.height > 2 ? t->pg.height - 2 : 1);
	pager_moved(t);
}

void
pager_act_prev_page(struct tui *t)
{
	pager_scroll(&t->pg, -(t->pg.height > 2 ? t->pg.height - 2 : 1));
	pager_moved(t);
}

void
pager_act_top(struct tui *t)
{
	pager_top(&t->pg);
	pager_moved(t);
}

void
pager_act_bottom(struct tui *t)
{
	pager_bottom(&t->pg);
	pager_moved(t);
}

static void
pg_search_done(struct tui *t, const char *text)
{
	if (*text == '\0')
		return;
	if (pager_search(&t->pg, text) == 0)
		status_msg(&t->status, _("not found: %s"), text);
	pager_moved(t);
}

void
pager_act_search(struct tui *t)
{
	prompt_start(&t->prompt, _("Search in message: "), pg_search_done,
	    NULL);
}

void
pager_act_search_next(struct tui *t)
{
	if (t->pg.search == NULL) {
		pager_act_search(t);
		return;
	}
	if (pager_search(&t->pg, t->pg.search) == 0)
		status_msg(&t->status, _("not found: %s"), t->pg.search);
	pager_moved(t);
}

void
pager_act_toggle_raw(struct tui *t)
{
	if (t->pg.msg_id == 0)
		return;
	view_open_message(t, t->pg.mode == PG_RAW ? PG_TEXT : PG_RAW);
}

/* Every header field, or the usual few again (mutt's display-toggle-weed). */
void
pager_act_toggle_headers(struct tui *t)
{
	if (t->pg.msg_id == 0)
		return;
	view_open_message(t, t->pg.mode == PG_HEADERS ? PG_TEXT : PG_HEADERS);
}

void
pager_act_next_msg(struct tui *t)
{
	const struct ix_row	*before = ix_selected(&t->ix);
	int64_t			 id = before != NULL ? before->id : 0;

	view_index_moved(t, ix_move(&t->ix, 1));
	if (ix_selected(&t->ix) != NULL && ix_selected(&t->ix)->id != id)
		view_open_message(t, PG_TEXT);
	else
		status_msg(&t->status, _("this is the last message"));
}

void
pager_act_prev_msg(struct tui *t)
{
	const struct ix_row	*before = ix_selected(&t->ix);
	int64_t			 id = before != NULL ? before->id : 0;

	view_index_moved(t, ix_move(&t->ix, -1));
	if (ix_selected(&t->ix) != NULL && ix_selected(&t->ix)->id != id)
		view_open_message(t, PG_TEXT);
	else
		status_msg(&t->status, _("this is the first message"));
}

void
pager_act_next_unread(struct tui *t)
{
	bool	wrapped;
	int	rc = ix_find(&t->ix, index_match_unread, NULL, &wrapped);

	view_index_moved(t, rc < 0 ? -1 : 0);
	if (rc == 1)
		view_open_message(t, PG_TEXT);
	else if (rc == 0)
		status_msg(&t->status, _("no unread messages"));
}
