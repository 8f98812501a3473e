/*
 * query-sql.c - the store's search entry points (store.h): find, count,
 * pages of a window, ids, and the SQL of a query for tests. The top floor
 * of the search queries: it calls query-walk.c, which calls
 * query-build.c (query-sql-int.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"
#include "search/search.h"
#include "store/store-int.h"
#include "store/query-sql-int.h"
#include "util/i18n.h"

/* The key column of each order, before (date, id) (store.h). */
static const char *const sort_cols[] = {
	[STORE_SORT_DATE] = "",
	[STORE_SORT_FROM] = "m.sort_from, ",
	[STORE_SORT_SUBJECT] = "m.sort_subject, ",
	[STORE_SORT_SIZE] = "m.size, ",
};

int
store_msg_find(struct store *s, const struct search_node *q,
    const struct store_find *f, store_msg_cb cb, void *arg, struct perr *err)
{
	struct qb	 b = { 0 };
	int		 rows = f->walk_rows != 0 ? f->walk_rows : STORE_WALK_ROWS;
	bool		 done;

	if (f->limit == 0)
		return 0;
	if (query_walk_fits(q, f->limit, rows)) {
		struct walk	w = { q, f->folder_id, f->account_id,
		    f->after, true, f->limit, rows };

		int		rc = query_walk(s, &w, cb, arg, &done, err);

		if (rc != 0 || done)
			return rc;
	}
	mbuf_adds(&b.sql, "SELECT " STORE_MSG_COLS " FROM message m WHERE ");
	qb_where(&b, q);
	qb_scope(&b, f);
	mbuf_adds(&b.sql, " ORDER BY m.date DESC, m.id DESC");
	if (f->limit > 0) {
		mbuf_adds(&b.sql, " LIMIT ");
		qb_param_int(&b, f->limit);
	}
	return qb_rows(s, &b, cb, arg, err);
}

int
store_msg_find_count(struct store *s, const struct search_node *q,
    const struct store_find *f, int64_t *n, struct perr *err)
{
	struct qb	 b = { 0 };
	sqlite3_stmt	*st;
	int		 rc;

	mbuf_adds(&b.sql, "SELECT count(*) FROM message m WHERE ");
	qb_where(&b, q);
	qb_scope(&b, f);
	st = qb_prepare(s, &b, err);
	qb_free(&b);
	if (st == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		store_sqlerr(s, N_("count search"), err);
	(void)sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* The keyset of a window: the order's key (if any), the date, the id. */
static void
window_after(struct qb *b, enum store_sort sort,
    const struct store_sort_key *after, bool desc)
{
	mbuf_printf(&b->sql, " AND (%sm.date, m.id) %s (",
	    sort_cols[sort], desc ? "<" : ">");
	if (sort == STORE_SORT_FROM || sort == STORE_SORT_SUBJECT) {
		qb_param_text(b, NULL, xstrdup(after->text != NULL ?
		    after->text : ""));
		mbuf_adds(&b->sql, ", ");
	} else if (sort == STORE_SORT_SIZE) {
		qb_param_int(b, after->size);
		mbuf_adds(&b->sql, ", ");
	}
	qb_param_int(b, after->date);
	mbuf_adds(&b->sql, ", ");
	qb_param_int(b, after->id);
	mbuf_addc(&b->sql, ')');
}

int
store_msg_find_page(struct store *s, const struct store_window *w,
    enum store_sort sort, const struct store_sort_key *after, bool desc,
    int limit, store_msg_cb cb, void *arg, struct perr *err)
{
	struct search_node	 all = { .kind = SEARCH_ALL };
	struct qb		 b = { 0 };
	const char		*dir = desc ? " DESC" : "";
	int			 rows = w->walk_rows != 0 ? w->walk_rows :
				    STORE_WALK_ROWS;
	bool			 done;

	if ((unsigned)sort >= sizeof sort_cols / sizeof sort_cols[0])
		return perr_set(err, PERR_GENERIC, _("%s: list messages: no "
		    "sort order %d"), s->path, (int)sort);
	if (limit <= 0)
		return 0;
	if (sort == STORE_SORT_DATE && w->thread_id == 0 &&
	    query_walk_fits(w->q, limit, rows)) {
		struct store_page_key	 key;
		struct walk		 wk = { w->q, w->folder_id, 0, NULL,
		    desc, limit, rows };
		int			 rc;

		if (after != NULL) {
			key = (struct store_page_key){ after->date, after->id };
			wk.after = &key;
		}
		rc = query_walk(s, &wk, cb, arg, &done, err);
		if (rc != 0 || done)
			return rc;
	}
	mbuf_adds(&b.sql, "SELECT " STORE_MSG_COLS " FROM message m WHERE ");
	qb_where(&b, w->q != NULL ? w->q : &all);
	if (w->folder_id != 0) {
		mbuf_adds(&b.sql, " AND m.folder_id = ");
		qb_param_int(&b, w->folder_id);
	}
	if (w->thread_id != 0) {
		mbuf_adds(&b.sql, " AND m.thread_id = ");
		qb_param_int(&b, w->thread_id);
	}
	if (after != NULL)
		window_after(&b, sort, after, desc);
	if (sort == STORE_SORT_FROM)
		mbuf_printf(&b.sql, " ORDER BY m.sort_from%s,", dir);
	else if (sort == STORE_SORT_SUBJECT)
		mbuf_printf(&b.sql, " ORDER BY m.sort_subject%s,", dir);
	else if (sort == STORE_SORT_SIZE)
		mbuf_printf(&b.sql, " ORDER BY m.size%s,", dir);
	else
		mbuf_adds(&b.sql, " ORDER BY");
	mbuf_printf(&b.sql, " m.date%s, m.id%s LIMIT ", dir, dir);
	qb_param_int(&b, limit);
	return qb_rows(s, &b, cb, arg, err);
}

int
store_msg_find_ids(struct store *s, const struct search_node *q,
    const int64_t *ids, size_t n, bool *match, struct perr *err)
{
	struct qb	 b = { 0 };
	sqlite3_stmt	*st;
	size_t		 i, j;
	int		 rc;

	for (i = 0; i < n; i++)
		match[i] = false;
	if (n == 0)
		return 0;
	if (n > STORE_FIND_IDS_MAX)
		return perr_set(err, PERR_GENERIC, _("%s: search: %zu messages "
		    "at once, at most %d"), s->path, n, STORE_FIND_IDS_MAX);
	mbuf_adds(&b.sql, "SELECT m.id FROM message m WHERE m.id IN (");
	for (i = 0; i < n; i++) {
		if (i > 0)
			mbuf_addc(&b.sql, ',');
		qb_param_int(&b, ids[i]);
	}
	mbuf_adds(&b.sql, ") AND ");
	qb_where(&b, q);
	st = qb_prepare(s, &b, err);
	qb_free(&b);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t	id = sqlite3_column_int64(st, 0);

		for (j = 0; j < n; j++)
			if (ids[j] == id)
				match[j] = true;
	}
	if (rc != SQLITE_DONE)
		store_sqlerr(s, N_("search"), err);
	(void)sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

char *
store_find_sql(const struct search_node *q)
{
	struct qb	 b = { 0 };
	size_t		 i;
	char		*out;

	qb_where(&b, q);
	for (i = 0; i < b.np; i++) {
		if (b.p[i].text != NULL)
			mbuf_printf(&b.sql, " [%s]", b.p[i].text);
		else
			mbuf_printf(&b.sql, " [%lld]", (long long)b.p[i].i);
	}
	out = mbuf_finish(&b.sql, NULL);
	qb_free(&b);
	return out;
}
