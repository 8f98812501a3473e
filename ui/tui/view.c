/*
 * view.c - what the screen shows, as the actions and the loop ask for it:
 * which context the keys are in, opening a folder (or leaving the results
 * view), opening a message in the pager, a text or a program's output in
 * the pager, reading the store again after it changed (the index around
 * the selection, the counts, the sidebar, the journal's and outbox's
 * numbers), and the read-write handle that acting on the open account
 * and marking a message read use.
 *
 * The floors of ui/tui, each calling only those below it (checked by
 * tests/integration/layers.sh):
 *   tui.c                 start-up, the loop, key dispatch, help
 *   keys.c                the key map
 *   actions.c             the table of actions, the ':' prompt
 *   act-*.c act.c compose.c attach.c shell.c search.c  the actions
 *   view.c                this file
 *   worker.c              the accounts' workers
 *   index.c pager.c sidebar.c status.c prompt.c draw.c run.c tags.c
 *   mailcap.c             the models and the screen
 */
#include <stdlib.h>
#include <string.h>

#include "search/search.h"
#include "tui/tui-int.h"

/* ---- where the keys go --------------------------------------------------- */

unsigned
view_ctx(const struct tui *t)
{
	switch (t->view) {
	case TUI_VIEW_PAGER:
		return TUI_CTX_PAGER;
	case TUI_VIEW_ATTACH:
		return TUI_CTX_ATTACH;
	case TUI_VIEW_COMPOSE:
		return TUI_CTX_COMPOSE;
	default:
		return TUI_CTX_INDEX;
	}
}

const struct account *
view_account(const struct tui *t)
{
	return t->account < t->cfg->naccounts ? &t->cfg->accounts[t->account] :
	    NULL;
}

void
view_layout(struct tui *t)
{
	int	w, h;

	draw_main_size(t, &w, &h);
	ix_set_height(&t->ix, h);
	pager_resize(&t->pg, w, h);
}

void
view_index_moved(struct tui *t, int rc)
{
	if (rc < 0)
		status_error(&t->status, "%s", t->ix.err.msg);
	t->dirty |= TUI_DIRTY_MAIN | TUI_DIRTY_STATUS;
}

void
view_counts(struct tui *t)
{
	struct perr	err;

	if (t->st == NULL)
		return;
	if (t->view_q != NULL) {
		view_search_counts(t);
		return;
	}
	if (t->folder_id == 0)
		return;
	if (store_folder_counts(t->st, t->folder_id, &t->total, &t->unread,
	    &err) != 0)
		status_error(&t->status, "%s", err.msg);
	view_search_counts(t);
}

void
view_refresh(struct tui *t, unsigned what)
{
	struct perr	err;
	long		e;

	if (t->st == NULL)
		return;
	if ((what & TUI_REFRESH_INDEX) &&
	    (t->folder_id != 0 || t->view_q != NULL)) {
		view_index_moved(t, ix_refresh(&t->ix));
		view_counts(t);
	}
	if (what & TUI_REFRESH_SIDEBAR) {
		if (sidebar_load(&t->sb, t->cfg, t->st, &err) != 0)
			status_error(&t->status, "%s", err.msg);
		if ((e = sidebar_find(&t->sb, t->folder_id)) >= 0)
			t->sb.sel = (size_t)e;
		if (!(what & TUI_REFRESH_INDEX))
			view_counts(t);
	}
	if (what & TUI_REFRESH_JOURNAL)
		view_journal_counts(t);
	t->dirty |= TUI_DIRTY_ALL & ~(unsigned)TUI_DIRTY_LAYOUT;
}

void
view_open_folder(struct tui *t, size_t account, int64_t folder_id)
{
	struct store_folder	 f;
	struct perr		 err;
	enum store_protocol	 proto;
	long			 e;

	if (t->st == NULL)
		return;
	if (account != t->account || t->account_id == 0) {
		t->account = account;
		t->account_id = 0;
		if (store_account_find(t->st, t->cfg->accounts[account].name,
		    &t->account_id, &proto, &err) != 0)
			status_error(&t->status, "%s", err.msg);
	}
	if (store_folder_get(t->st, folder_id, &f, &err) != 0) {
		status_error(&t->status, "%s", err.msg);
		return;
	}
	free(t->folder_name);
	t->folder_name = sanitize_line(f.name != NULL ? f.name : "");
	/* The user's own mail: who it went to says more (as mutt). */
	t->folder_to = f.special_use == STORE_SPECIAL_SENT ||
	    f.special_use == STORE_SPECIAL_DRAFTS;
	store_folder_free(&f);
	if (folder_id != t->folder_id)
		view_limit_clear(t);
	t->folder_id = folder_id;
	t->tags.n = 0;
	t->tag_prefix = false;
	if (ix_open_query(&t->ix, t->st, folder_id, t->limit_q) != 0)
		status_error(&t->status, "%s", t->ix.err.msg);
	view_results_close(t);
	view_layout(t);
	if (t->defer_counts)
		t->total = t->unread = -1;	/* "counting..." until
						   tui.c's pending() */
	else
		view_counts(t);
	if ((e = sidebar_find(&t->sb, folder_id)) >= 0)
		t->sb.sel = (size_t)e;
	t->view = TUI_VIEW_INDEX;
	t->dirty |= TUI_DIRTY_ALL;
	if (!t->defer_counts)
		view_journal_counts(t);
	workers_watch(t);
}

void
view_open_message(struct tui *t, enum pg_mode mode)
{
	const struct ix_row	*r = ix_selected(&t->ix);
	struct perr		 err;
	int			 w, h;

	if (r == NULL) {
		status_msg(&t->status, _("no message selected"));
		return;
	}
	if (pager_open(&t->pg, t->st, r->id, mode, &err) != 0) {
		status_error(&t->status, "%s", err.msg);
		return;
	}
	autoview_append(t);
	draw_main_size(t, &w, &h);
	t->pg.width = 0;	/* force the wrap for this size */
	pager_resize(&t->pg, w, h);
	t->view = TUI_VIEW_PAGER;
	t->dirty |= TUI_DIRTY_MAIN | TUI_DIRTY_STATUS;
	/* Not stored yet: the worker fetches it before anything else. */
	if (t->pg.loading)
		workers_fetch_body(t, r->id);
	if (mode != PG_RAW)
		view_mark_read(t, r->id);
}

/* ---- the pager's texts --------------------------------------------------- */

/* Show a text (help): q goes back to the view it was asked from. */
void
view_show_text(struct tui *t, const char *title, const char *text)
{
	int	 w, h;

	if (t->view != TUI_VIEW_PAGER || t->pg.msg_id != 0)
		t->help_back = t->view;
	pager_set_text(&t->pg, title, text);
	draw_main_size(t, &w, &h);
	t->pg.width = 0;
	pager_resize(&t->pg, w, h);
	t->view = TUI_VIEW_PAGER;
	t->dirty |= TUI_DIRTY_MAIN | TUI_DIRTY_STATUS;
}

void
view_show_output(struct tui *t, const char *title, const char *text,
    size_t len, enum tui_view back)
{
	int	w, h;

	pager_set_output(&t->pg, title, text, len);
	draw_main_size(t, &w, &h);
	t->pg.width = 0;
	pager_resize(&t->pg, w, h);
	t->help_back = back;	/* q comes back there */
	t->view = TUI_VIEW_PAGER;
}

/* ---- the read-write handle, marking read, the journal's counts ----------- */

struct app_act *
view_handle(struct tui *t)
{
	return view_handle_account(t, t->account);
}

struct app_act *
view_handle_account(struct tui *t, size_t account)
{
	struct perr	err;

	if (t->act != NULL && t->act_account == account)
		return t->act;
	app_act_close(t->act);
	t->act = NULL;
	if (t->cfg->naccounts <= account)
		return NULL;
	t->act = app_act_open(t->cfg, &t->cfg->accounts[account], &err);
	if (t->act == NULL) {
		status_error(&t->status, "%s", err.msg);
		return NULL;
	}
	t->act_account = account;
	return t->act;
}

void
view_free(struct tui *t)
{
	app_act_close(t->act);
	t->act = NULL;
}

void
view_journal_counts(struct tui *t)
{
	struct perr	err;

	t->jwaiting = t->jfailed = t->outbox = 0;
	if (t->st == NULL || t->account_id == 0)
		return;
	if (store_journal_count(t->st, t->account_id, &t->jwaiting,
	    &t->jfailed, &err) != 0)
		status_error(&t->status, "%s", err.msg);
	else if (store_outbox_count(t->st, t->account_id, &t->outbox, NULL,
	    &err) != 0)
		status_error(&t->status, "%s", err.msg);
	t->dirty |= TUI_DIRTY_STATUS;
}

void
view_mark_read(struct tui *t, int64_t id)
{
	struct app_act	*a;
	struct perr	 err;
	size_t		 changed = 0;
	struct store_msg m;

	if (t->st == NULL || store_msg_get(t->st, id, &m, &err) != 0)
		return;
	if ((m.flags & STORE_SEEN) == 0 && (a = view_handle(t)) != NULL) {
		if (app_act_flags(a, &id, 1, STORE_SEEN, 0, &changed,
		    &err) != 0)
			status_error(&t->status, "%s", err.msg);
		else if (changed > 0) {
			ix_set_flags(&t->ix, id, m.flags | STORE_SEEN);
			view_refresh(t, TUI_REFRESH_SIDEBAR |
			    TUI_REFRESH_JOURNAL);
			workers_replay(t);
		}
	}
	store_msg_free(&m);
}

/* ---- the limit and the results view (search.c sets them) ----------------- */

void
view_limit_clear(struct tui *t)
{
	free(t->limit);
	t->limit = NULL;
	search_free(t->limit_q);
	t->limit_q = NULL;
	t->limit_total = 0;
}

void
view_search_counts(struct tui *t)
{
	struct perr	err;
	int64_t		unread;
	int		rc = 0;

	if (t->st == NULL)
		return;
	if (t->view_q != NULL)
		rc = app_query_counts(t->st, t->view_query, 0, &t->total,
		    &t->unread, &err);
	else if (t->limit != NULL)
		rc = app_query_counts(t->st, t->limit, t->folder_id,
		    &t->limit_total, &unread, &err);
	if (rc != 0)
		status_error(&t->status, "%s", err.msg);
}

void
view_results_close(struct tui *t)
{
	search_free(t->view_q);
	t->view_q = NULL;
	free(t->view_query);
	t->view_query = NULL;
}
