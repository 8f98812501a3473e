/*
 * query-walk.c - the top N newest of a text query, by the date index.
 *
 * The top N newest of a text query: left to itself SQLite drives the
 * search from the FTS5 doclist, looks every match up in message by rowid
 * and sorts them all by date to keep N: for a word in a quarter of 100,000
 * messages, 25,000 lookups and a sort to return 50. When the matches are
 * common the cheap way round is the date index, newest first, each row
 * tested against the MATCH's rowids (SQLite makes them a set once),
 * stopping at the Nth hit. Which one wins depends on how many match,
 * which nothing cheap tells beforehand, so the walk is tried first on a
 * bounded prefix: the newest walk_rows messages of the scope (all rows
 * at or after the date of the walk_rows-th one, a prefix of the order).
 * If N matches are there, they are the answer; if some are, the window
 * grows to what should hold N at the density seen (walk_grow(), up to
 * WALK_GROWTH times the first); if none are, or the window would grow
 * past that, the matches are rare and the plain plan is cheap: it runs,
 * and the walk cost a bounded number of index steps. Both give the same
 * rows in the same order.
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

static bool
has_kind(const struct search_node *n, enum search_kind kind)
{
	size_t	i;

	if (n->kind == kind)
		return true;
	for (i = 0; i < n->nkids; i++)
		if (has_kind(n->kids[i], kind))
			return true;
	return false;
}

/*
 * Worth a walk: a text query (flags and dates alone SQLite already walks
 * by date), a bounded number of rows, a budget.
 */
bool
query_walk_fits(const struct search_node *q, int limit, int rows)
{
	return q != NULL && has_kind(q, SEARCH_TEXT) && limit > 0 &&
	    limit <= STORE_FIND_IDS_MAX && rows >= 0;
}

/*
 * The dates every match of q must lie in, lo <= date < hi: the query's
 * own date: terms, when q is one or an AND of them and others. A walk
 * bounded by them looks at the newest rows of that span, not of the
 * folder: from:rossi riunione date:2023 starts in 2023.
 */
static void
date_span(const struct search_node *q, int64_t *lo, int64_t *hi)
{
	size_t	i;

	*lo = INT64_MIN;
	*hi = INT64_MAX;
	if (q->kind == SEARCH_DATE) {
		*lo = q->lo;
		*hi = q->hi;
	} else if (q->kind == SEARCH_AND)
		for (i = 0; i < q->nkids; i++)
			if (q->kids[i]->kind == SEARCH_DATE) {
				if (q->kids[i]->lo > *lo)
					*lo = q->kids[i]->lo;
				if (q->kids[i]->hi < *hi)
					*hi = q->kids[i]->hi;
			}
}

/* FROM, the scope and the keyset of a walk, forced onto its date index. */
static void
walk_from(struct qb *b, const struct walk *w, const char *what)
{
	int64_t	lo, hi;

	mbuf_printf(&b->sql, "SELECT %s FROM message m INDEXED BY %s WHERE ",
	    what, w->folder_id != 0 ? "message_folder_date" : "message_date");
	if (w->folder_id != 0) {
		mbuf_adds(&b->sql, "m.folder_id = ");
		qb_param_int(b, w->folder_id);
	} else
		mbuf_adds(&b->sql, "1");
	qb_scope_account(b, w->account_id);
	date_span(w->q, &lo, &hi);
	if (lo != INT64_MIN || hi != INT64_MAX) {
		mbuf_adds(&b->sql, " AND ");
		qb_range(b, "m.date", lo, hi);
	}
	if (w->after != NULL) {
		mbuf_printf(&b->sql, " AND (m.date, m.id) %s (",
		    w->desc ? "<" : ">");
		qb_param_int(b, w->after->date);
		mbuf_adds(&b->sql, ", ");
		qb_param_int(b, w->after->id);
		mbuf_addc(&b->sql, ')');
	}
}

static void
walk_order(struct qb *b, const struct walk *w)
{
	const char	*dir = w->desc ? " DESC" : "";

	mbuf_printf(&b->sql, " ORDER BY m.date%s, m.id%s LIMIT ", dir, dir);
}

/*
 * The date of the budget's last row: *found = false when the scope has
 * no more rows than the budget (the walk then reads all of it).
 */
static int
walk_bound(struct store *s, const struct walk *w, int64_t *date,
    bool *found, struct perr *err)
{
	struct qb	 b = { 0 };
	sqlite3_stmt	*st;
	int		 rc;

	walk_from(&b, w, "m.date");
	walk_order(&b, w);
	mbuf_adds(&b.sql, "1 OFFSET ");
	qb_param_int(&b, w->rows);
	st = qb_prepare(s, &b, err);
	qb_free(&b);
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if ((*found = rc == SQLITE_ROW))
		*date = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		store_sqlerr(s, N_("search"), err);
	(void)sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Read the rowids from lo to hi that set->expr matches, ascending. */
static int
idset_read(struct store *s, struct idset *set, int64_t lo, int64_t hi,
    struct perr *err)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 rc;

	if ((st = store_stmt(s, "SELECT rowid FROM message_fts"
	    " WHERE message_fts MATCH ?1 AND rowid >= ?2 AND rowid <= ?3"
	    " ORDER BY rowid", err)) == NULL)
		return -1;
	if (sqlite3_bind_text(st, 1, set->expr, -1, SQLITE_STATIC) !=
	    SQLITE_OK || sqlite3_bind_int64(st, 2, lo) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, hi) != SQLITE_OK) {
		store_stmt_done(s, st);
		return store_sqlerr(s, N_("search"), err);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (set->n == cap) {
			cap = cap != 0 ? cap * 2 : 1024;
			set->v = xreallocarray(set->v, cap, sizeof *set->v);
		}
		set->v[set->n++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE)
		store_sqlerr(s, N_("search"), err);
	store_stmt_done(s, st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* posta_in(set, id): is id in the set (a binary search)? */
static void
posta_in(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct idset	*set;
	int64_t			 id;
	size_t			 lo = 0, hi, mid;

	(void)argc;
	set = sqlite3_value_pointer(argv[0], IDSET_TYPE);
	id = sqlite3_value_int64(argv[1]);
	hi = set != NULL ? set->n : 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (set->v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	sqlite3_result_int(ctx, set != NULL && lo < set->n &&
	    set->v[lo] == id);
}

int
store_find_register(struct store *s, struct perr *err)
{
	/* DIRECTONLY: never callable from the schema (a trigger, a view). */
	if (sqlite3_create_function_v2(s->db, "posta_in", 2, SQLITE_UTF8 |
	    SQLITE_DIRECTONLY, NULL, posta_in, NULL, NULL, NULL) != SQLITE_OK)
		return store_sqlerr(s, N_("configure"), err);
	return 0;
}

/*
 * The smallest and largest id the walk may read (the account is left
 * out: a wider range is as right, and the date index has no folder).
 * The store numbers mail as it comes, newest first on a first sync, so
 * the newest messages' ids are near each other and the text terms need
 * only that stretch of their doclists, not all of it.
 */
static int
walk_ids_range(struct store *s, const struct walk *w, bool bounded,
    int64_t bound, int64_t *lo, int64_t *hi, struct perr *err)
{
	struct walk	 nw = *w;
	struct qb	 b = { 0 };
	sqlite3_stmt	*st;
	int		 rc;

	*lo = INT64_MIN;
	*hi = INT64_MAX;
	/* A thread: term looks at every message of the store. */
	if (has_kind(w->q, SEARCH_THREAD))
		return 0;
	nw.account_id = 0;
	walk_from(&b, &nw, "min(m.id), max(m.id)");
	if (bounded) {
		mbuf_printf(&b.sql, " AND m.date %s ", w->desc ? ">=" : "<=");
		qb_param_int(&b, bound);
	}
	st = qb_prepare(s, &b, err);
	qb_free(&b);
	if (st == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*lo = sqlite3_column_int64(st, 0);
		*hi = sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_ROW)
		store_sqlerr(s, N_("search"), err);
	(void)sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Must every match be in the first text set qb_where() makes of q? */
static bool
first_set_needed(const struct search_node *q)
{
	size_t	i;

	if (qb_fts_able(q))
		return true;
	if (q->kind == SEARCH_AND)
		for (i = 0; i < q->nkids; i++)
			if (qb_fts_able(q->kids[i]))
				return true;
	return false;
}

/*
 * The ids of the walk's first matches, at most w->limit, into ids; *seen
 * is how many matches the window held: *n when it was walked, else (the
 * window's stretch of the text set held fewer candidates than the limit,
 * so the walk was not even tried) the number of those candidates.
 */
static int
walk_ids(struct store *s, const struct walk *w, bool bounded, int64_t bound,
    int64_t *ids, size_t *n, size_t *seen, struct perr *err)
{
	struct qb	 b = { 0 };
	sqlite3_stmt	*st;
	int		 rc;
	size_t		 i;
	int64_t		 lo, hi;

	if (walk_ids_range(s, w, bounded, bound, &lo, &hi, err) != 0)
		return -1;
	walk_from(&b, w, "m.id");
	if (bounded) {
		mbuf_printf(&b.sql, " AND m.date %s ", w->desc ? ">=" : "<=");
		qb_param_int(&b, bound);
	}
	mbuf_adds(&b.sql, " AND ");
	b.sets = true;
	qb_where(&b, w->q);
	walk_order(&b, w);
	qb_param_int(&b, w->limit);
	for (i = 0; i < b.np; i++)
		if (b.p[i].set != NULL &&
		    idset_read(s, b.p[i].set, lo, hi, err) != 0) {
			qb_free(&b);
			return -1;
		}
	*n = 0;
	for (i = 0; i < b.np && b.p[i].set == NULL; i++)
		continue;
	if (bounded && i < b.np && first_set_needed(w->q) &&
	    b.p[i].set->n < (size_t)w->limit) {
		*seen = b.p[i].set->n;
		qb_free(&b);
		return 0;
	}
	/* The sets are bound by pointer: they live until the finalize. */
	if ((st = qb_prepare(s, &b, err)) == NULL) {
		qb_free(&b);
		return -1;
	}
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < (size_t)w->limit)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_sqlerr(s, N_("search"), err);
	(void)sqlite3_finalize(st);
	qb_free(&b);
	*seen = *n;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The next window after one of rows rows held seen < limit matches: as
 * many rows as should hold the limit half again at the density seen, or
 * 0 (give up: the plain plan) when none was seen (a rare term, which the
 * plain plan finds cheaply) or when that is more than WALK_GROWTH times
 * the first window (the matches are so sparse that looking them up costs
 * less than walking to them; and when the window was not walked, seen
 * counts the candidates of its id range, which may hold more than the
 * window: a rare number's 3 would ask for 50,000 rows). from:mary
 * fattura, one message in 50 of a million, holds 16 of 50 in the newest
 * 2,000: 9,375 rows walked (some 3 ms) instead of 20,000 matches looked
 * up and sorted (some 45 ms).
 */
#define WALK_GROWTH	8

static int
walk_grow(int rows, int first, size_t seen, int limit)
{
	int64_t	want;

	if (seen == 0 || rows <= 0)
		return 0;
	want = (int64_t)rows * ((int64_t)limit * 3 / 2 + (int64_t)seen - 1) /
	    (int64_t)seen;
	if (want <= rows)
		want = (int64_t)rows * 2;
	return want > (int64_t)first * WALK_GROWTH ? 0 : (int)want;
}

/* The rows of ids (already the answer), in the walk's order, through cb. */
static int
walk_rows_out(struct store *s, const struct walk *w, const int64_t *ids,
    size_t n, store_msg_cb cb, void *arg, struct perr *err)
{
	struct qb	 b = { 0 };
	const char	*dir = w->desc ? " DESC" : "";
	size_t		 i;

	if (n == 0)
		return 0;
	mbuf_adds(&b.sql, "SELECT " STORE_MSG_COLS " FROM message m"
	    " WHERE m.id IN (");
	for (i = 0; i < n; i++) {
		if (i > 0)
			mbuf_addc(&b.sql, ',');
		qb_param_int(&b, ids[i]);
	}
	mbuf_printf(&b.sql, ") ORDER BY m.date%s, m.id%s", dir, dir);
	return qb_rows(s, &b, cb, arg, err);
}

/*
 * Try the walk: *done = true when it gave the answer (through cb), false
 * when the plain plan must run (nothing was delivered then).
 */
int
query_walk(struct store *s, const struct walk *w, store_msg_cb cb, void *arg,
    bool *done, struct perr *err)
{
	struct walk	 cur = *w;
	int64_t		*ids, bound = 0;
	size_t		 n, seen;
	bool		 bounded;
	int		 rc = 0;

	*done = false;
	ids = xreallocarray(NULL, (size_t)w->limit, sizeof *ids);
	for (;;) {
		if ((rc = walk_bound(s, &cur, &bound, &bounded, err)) != 0)
			break;
		n = seen = 0;
		if ((rc = walk_ids(s, &cur, bounded, bound, ids, &n, &seen,
		    err)) != 0)
			break;
		if (n == (size_t)w->limit || !bounded) {
			*done = true;
			rc = walk_rows_out(s, w, ids, n, cb, arg, err);
			break;
		}
		if ((cur.rows = walk_grow(cur.rows, w->rows, seen,
		    w->limit)) == 0)
			break;
	}
	free(ids);
	return rc;
}

