/*
 * search.c - the query language (doc/SEARCH.md) in the index: `l` limits
 * the index to the messages that match (the window's filter, so a limited
 * folder is still a keyset window over the store, live as mail arrives),
 * `/` and `n` select the next message that matches, wrapping around.
 *
 * The query is parsed through the app layer (app_query_parse) and given
 * to the index as a tree; the store compiles it. No SQL here.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"
#include "search/search.h"

/* ---- limit ---------------------------------------------------------------- */

static void
limit_done(struct tui *t, const char *text)
{
	struct search_node	*q;
	struct perr		 err;

	if (t->folder_id == 0)
		return;
	t->limit_us = mono_us();
	if (app_query_parse(text, &q, &err) != 0) {
		status_error(&t->status, "%s", err.msg);
		return;
	}
	status_clear_error(&t->status);
	view_limit_clear(t);
	if (q != NULL) {
		t->limit = xstrdup(text);
		t->limit_q = q;
		/* Counting thousands of matches waits for the screen. */
		t->limit_total = -1;
		t->counts_due = true;
	}
	view_index_moved(t, ix_set_query(&t->ix, t->limit_q));
	if (q == NULL)
		status_msg(&t->status, "%s",
		    _("limit cleared: every message is shown"));
}

/*
 * After the limited rows are on screen: the status line's count. The
 * window shows one page of matches at once, but counting every match of
 * a common word in a large folder takes longer than drawing them.
 */
void
search_limit_count(struct tui *t)
{
	t->counts_due = false;
	if (t->limit == NULL)
		return;
	view_search_counts(t);
	if (t->limit_total == 0)
		status_msg(&t->status, _("no message matches the limit"));
	t->dirty |= TUI_DIRTY_STATUS;
}

void
search_act_limit(struct tui *t)
{
	if (t->folder_id == 0) {
		status_msg(&t->status, _("no folder open"));
		return;
	}
	prompt_start(&t->prompt, _("Limit to messages matching: "), limit_done,
	    NULL);
}

/* ---- search ---------------------------------------------------------------- */

/*
 * Which rows match, asked of the store a window at a time: ix_find walks
 * the rows in order, so one query answers for the rows around the one
 * asked about (and the rows a collapsed thread hides under its root).
 */
struct matcher {
	struct tui	*t;
	int64_t		*ids;
	bool		*hit;
	size_t		 n;
	bool		 failed;
	struct perr	 err;
};

#define MATCH_BATCH	200	/* rows asked about at once */

static void
batch_add(struct matcher *m, const struct ix_row *r)
{
	size_t	k;

	if (m->n < STORE_FIND_IDS_MAX)
		m->ids[m->n++] = r->id;
	for (k = 0; k < r->nkids && m->n < STORE_FIND_IDS_MAX; k++)
		m->ids[m->n++] = r->kids[k].id;
}

/* Ask about the rows around the one with id (in the window). */
static int
batch(struct matcher *m, int64_t id)
{
	const struct ix	*ix = &m->t->ix;
	size_t		 at = 0, i, lo, hi;

	for (i = 0; i < ix->nrows; i++)
		if (ix->rows[i].id == id)
			at = i;
	lo = at > MATCH_BATCH / 2 ? at - MATCH_BATCH / 2 : 0;
	hi = at + MATCH_BATCH / 2 < ix->nrows ? at + MATCH_BATCH / 2 :
	    ix->nrows;
	m->n = 0;
	batch_add(m, &ix->rows[at]);
	for (i = lo; i < hi; i++)
		if (i != at)
			batch_add(m, &ix->rows[i]);
	return store_msg_find_ids(m->t->st, m->t->ix_search_q, m->ids, m->n,
	    m->hit, &m->err);
}

/* -1 not asked yet, else whether it matched. */
static int
known(const struct matcher *m, int64_t id)
{
	size_t	i;

	for (i = 0; i < m->n; i++)
		if (m->ids[i] == id)
			return m->hit[i];
	return -1;
}

static bool
match_query(const struct ix_row *r, void *arg)
{
	struct matcher	*m = arg;
	size_t		 k;
	int		 h;

	if (m->failed)
		return false;
	if ((h = known(m, r->id)) < 0) {
		if (batch(m, r->id) != 0) {
			m->failed = true;
			return false;
		}
		h = known(m, r->id);
	}
	if (h == 1)
		return true;
	/* A collapsed thread matches when a message it hides does. */
	for (k = 0; k < r->nkids; k++)
		if (known(m, r->kids[k].id) == 1)
			return true;
	return false;
}

static void
find(struct tui *t, const char *none)
{
	struct matcher	 m = { t, NULL, NULL, 0, false, { 0 } };
	bool		 wrapped;
	int		 rc;

	m.ids = xreallocarray(NULL, STORE_FIND_IDS_MAX, sizeof *m.ids);
	m.hit = xreallocarray(NULL, STORE_FIND_IDS_MAX, sizeof *m.hit);
	rc = ix_find(&t->ix, match_query, &m, &wrapped);
	if (m.failed)
		status_error(&t->status, "%s", m.err.msg);
	else if (rc == 0)
		status_msg(&t->status, "%s", none);
	else if (rc == 1 && wrapped)
		status_msg(&t->status, _("search wrapped to the top"));
	view_index_moved(t, rc < 0 ? -1 : 0);
	free(m.ids);
	free(m.hit);
}

static void
find_done(struct tui *t, const char *text)
{
	struct search_node	*q;
	struct perr		 err;

	if (app_query_parse(text, &q, &err) != 0) {
		status_error(&t->status, "%s", err.msg);
		return;
	}
	if (q == NULL)
		return;
	status_clear_error(&t->status);
	free(t->ix_search);
	search_free(t->ix_search_q);
	t->ix_search = xstrdup(text);
	t->ix_search_q = q;
	find(t, _("not found"));
}

void
search_act_find(struct tui *t)
{
	prompt_start(&t->prompt, _("Search for: "), find_done, NULL);
}

void
search_act_find_next(struct tui *t)
{
	if (t->ix_search_q == NULL)
		search_act_find(t);
	else
		find(t, _("no more matches"));
}

/* ---- the results view ------------------------------------------------------ */

bool
search_view_open(struct tui *t, const char *title, const char *query)
{
	struct search_node	*q, *old_limit = t->limit_q, *old_view = t->view_q;
	struct perr		 err;
	char			*name;

	if (t->st == NULL) {
		status_msg(&t->status, _("no mail stored yet; run posta sync"));
		return false;
	}
	if (app_query_parse(query, &q, &err) != 0) {
		status_error(&t->status, "%s", err.msg);
		return false;
	}
	if (q == NULL) {
		status_msg(&t->status, _("type what to search for "
		    "(doc/SEARCH.md)"));
		return false;
	}
	status_clear_error(&t->status);
	/* The window lets go of the old trees before they are freed. */
	if (ix_open_query(&t->ix, t->st, 0, q) != 0)
		status_error(&t->status, "%s", t->ix.err.msg);
	t->limit_q = t->view_q = NULL;
	search_free(old_limit);
	search_free(old_view);
	view_limit_clear(t);
	free(t->view_query);
	t->view_q = q;
	t->view_query = xstrdup(query);
	name = title != NULL ? xasprintf(_("search %s"), title) :
	    xasprintf(_("search: %s"), query);
	free(t->folder_name);
	t->folder_name = sanitize_line(name);
	free(name);
	t->folder_id = 0;
	t->tags.n = 0;
	t->tag_prefix = false;
	view_layout(t);
	view_search_counts(t);
	t->view = TUI_VIEW_INDEX;
	t->dirty |= TUI_DIRTY_ALL;
	return true;
}

static void
all_done(struct tui *t, const char *text)
{
	if (*text != '\0')
		(void)search_view_open(t, NULL, text);
}

void
search_act_all(struct tui *t)
{
	prompt_start(&t->prompt, _("Search every folder: "), all_done, NULL);
}

void
search_view_follow(struct tui *t)
{
	struct store_msg	 m;
	struct perr		 err;
	enum store_protocol	 proto;
	int64_t			 id;
	long			 e;

	if (t->view_q == NULL || (id = act_current(t)) == 0)
		return;
	if (store_msg_get(t->st, id, &m, &err) != 0)
		return;
	e = sidebar_find(&t->sb, m.folder_id);
	store_msg_free(&m);
	if (e < 0 || t->sb.e[e].account == t->account)
		return;
	t->account = t->sb.e[e].account;
	if (store_account_find(t->st, t->cfg->accounts[t->account].name,
	    &t->account_id, &proto, &err) != 0)
		t->account_id = 0;
}

void
search_limit_to(struct tui *t, const char *query)
{
	if (t->folder_id == 0)
		status_msg(&t->status, _("no folder open"));
	else
		limit_done(t, query);
}

void
search_ui_free(struct tui *t)
{
	view_results_close(t);
	view_limit_clear(t);
	free(t->ix_search);
	t->ix_search = NULL;
	search_free(t->ix_search_q);
	t->ix_search_q = NULL;
}
