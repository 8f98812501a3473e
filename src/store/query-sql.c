/*
 * query-sql.c - a parsed search (src/search) compiled to SQL over the store.
 *
 * The tree becomes one WHERE clause over message m, every value bound as
 * a parameter, never spliced. Text terms become FTS5 MATCH expressions
 * that posta writes itself: each word or phrase a double-quoted FTS5
 * string (inner quotes doubled), so nothing the user typed is ever read
 * as FTS5 syntax (NEAR, column filters, "*", "^"). Text terms joined by
 * AND, OR and NOT are kept together in one MATCH, which FTS5 evaluates on
 * its doclists, instead of one subquery per word:
 *
 *   from:rossi fattura -body:bozza
 *     -> m.id IN (SELECT rowid FROM message_fts WHERE message_fts MATCH ?)
 *        with ? = ({from} : "rossi" AND "fattura") NOT ({body} : "bozza")
 *
 * Flags, dates and sizes are columns of message: a flag change, a move or
 * an expunge shows in the next search without touching the index.
 * Recursion follows the tree, whose depth the parser bounds.
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
 * If N matches are there, they are the answer; if not, the matches are
 * rare and the plain plan is cheap: it runs, and the walk cost at most
 * walk_rows index steps. Both give the same rows in the same order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"
#include "search/search.h"
#include "store/store-int.h"
#include "util/i18n.h"

/*
 * The rowids one FTS5 expression matches, ascending, read into memory
 * before a walk: testing a row against them is a binary search, where
 * SQLite's own IN (SELECT ...) would first copy them into a temporary
 * B-tree, some 1,100 instructions a rowid (half of a common word's cost).
 */
struct idset {
	char		*expr;		/* the MATCH; owned */
	int64_t		*v;		/* owned */
	size_t		 n;
};

#define IDSET_TYPE	"posta_idset"

struct qparam {
	const char	*text;		/* borrowed from the tree; NULL: i */
	char		*own;		/* an FTS5 expression we wrote */
	int64_t		 i;
	struct idset	*set;		/* bound as a pointer; owned */
};

struct qb {
	struct mbuf	 sql;
	struct qparam	*p;
	size_t		 np;
	bool		 sets;		/* text terms as posta_in(set, m.id) */
};

static void
param_int(struct qb *b, int64_t i)
{
	b->p = xreallocarray(b->p, b->np + 1, sizeof *b->p);
	b->p[b->np++] = (struct qparam){ NULL, NULL, i, NULL };
	mbuf_adds(&b->sql, "?");
}

static void
param_text(struct qb *b, const char *text, char *own)
{
	b->p = xreallocarray(b->p, b->np + 1, sizeof *b->p);
	b->p[b->np++] = (struct qparam){ own != NULL ? own : text, own, 0,
	    NULL };
	mbuf_adds(&b->sql, "?");
}

/* ---- FTS5 expressions ------------------------------------------------ */

static bool
is_fts_not(const struct search_node *n);

/*
 * Can n be one FTS5 expression? Text terms and OR of them; an AND of
 * them with at least one positive kid (FTS5's NOT is binary: "a NOT b").
 */
static bool
fts_able(const struct search_node *n)
{
	size_t	i, pos = 0;

	switch (n->kind) {
	case SEARCH_TEXT:
		return true;
	case SEARCH_OR:
		for (i = 0; i < n->nkids; i++)
			if (!fts_able(n->kids[i]))
				return false;
		return true;
	case SEARCH_AND:
		for (i = 0; i < n->nkids; i++) {
			if (fts_able(n->kids[i]))
				pos++;
			else if (!is_fts_not(n->kids[i]))
				return false;
		}
		return pos > 0;
	default:
		return false;
	}
}

static bool
is_fts_not(const struct search_node *n)
{
	return n->kind == SEARCH_NOT && fts_able(n->kids[0]);
}

static const char *const fts_columns[] = { "subject", "from", "to", "cc",
    "body", "attachment" };

/* One word, phrase or prefix: {columns} : "text" *. */
static void
fts_leaf(struct mbuf *e, const struct search_node *n)
{
	const char	*s;
	size_t		 i;
	bool		 first = true;

	if ((n->fields & SEARCH_F_ALL) != SEARCH_F_ALL) {
		mbuf_addc(e, '{');
		for (i = 0; i < 6; i++)
			if (n->fields & (1u << i)) {
				if (!first)
					mbuf_addc(e, ' ');
				mbuf_adds(e, fts_columns[i]);
				first = false;
			}
		mbuf_adds(e, "} : ");
	}
	mbuf_addc(e, '"');
	for (s = n->text; *s != '\0'; s++) {
		if (*s == '"')
			mbuf_addc(e, '"');
		mbuf_addc(e, *s);
	}
	mbuf_addc(e, '"');
	if (n->prefix)
		mbuf_adds(e, " *");
}

static void	fts_expr(struct mbuf *, const struct search_node *);

/* kids of n that are (positive) or are not (negated) FTS terms, joined. */
static void
fts_join(struct mbuf *e, const struct search_node *n, bool negated,
    const char *op)
{
	size_t	i;
	bool	first = true;

	mbuf_addc(e, '(');
	for (i = 0; i < n->nkids; i++) {
		const struct search_node *k = n->kids[i];

		if (negated ? !is_fts_not(k) : !fts_able(k))
			continue;
		if (!first)
			mbuf_adds(e, op);
		fts_expr(e, negated ? k->kids[0] : k);
		first = false;
	}
	mbuf_addc(e, ')');
}

static bool
has_fts_not(const struct search_node *n)
{
	size_t	i;

	for (i = 0; i < n->nkids; i++)
		if (is_fts_not(n->kids[i]))
			return true;
	return false;
}

/* n is fts_able(), or the positive/negated parts of an AND are. */
static void
fts_expr(struct mbuf *e, const struct search_node *n)
{
	switch (n->kind) {
	case SEARCH_TEXT:
		fts_leaf(e, n);
		break;
	case SEARCH_OR:
		fts_join(e, n, false, " OR ");
		break;
	case SEARCH_AND:
		fts_join(e, n, false, " AND ");
		if (has_fts_not(n)) {
			mbuf_adds(e, " NOT ");
			fts_join(e, n, true, " OR ");
		}
		break;
	default:
		break;
	}
}

/* m.id [NOT] IN (the rows whose text matches expr). */
static void
fts_sub(struct qb *b, bool not, struct mbuf *expr)
{
	struct idset	*set;

	if (b->sets) {
		set = xcalloc(1, sizeof *set);
		set->expr = mbuf_finish(expr, NULL);
		b->p = xreallocarray(b->p, b->np + 1, sizeof *b->p);
		b->p[b->np++] = (struct qparam){ NULL, NULL, 0, set };
		mbuf_adds(&b->sql, not ? "NOT posta_in(?, m.id)" :
		    "posta_in(?, m.id)");
		return;
	}
	mbuf_adds(&b->sql, not ? "m.id NOT IN" : "m.id IN");
	mbuf_adds(&b->sql, " (SELECT rowid FROM message_fts"
	    " WHERE message_fts MATCH ");
	param_text(b, NULL, mbuf_finish(expr, NULL));
	mbuf_adds(&b->sql, ")");
}

/* ---- SQL ------------------------------------------------------------- */

/* The key column of each order, before (date, id) (store.h). */
static const char *const sort_cols[] = {
	[STORE_SORT_DATE] = "",
	[STORE_SORT_FROM] = "m.sort_from, ",
	[STORE_SORT_SUBJECT] = "m.sort_subject, ",
	[STORE_SORT_SIZE] = "m.size, ",
};

static const unsigned	flag_bits[] = { 1, 1, 4, 2, 8, 16 };

static void	where(struct qb *, const struct search_node *);

static void
range(struct qb *b, const char *col, int64_t lo, int64_t hi)
{
	mbuf_addc(&b->sql, '(');
	if (lo != INT64_MIN) {
		mbuf_printf(&b->sql, "%s >= ", col);
		param_int(b, lo);
	}
	if (lo != INT64_MIN && hi != INT64_MAX)
		mbuf_adds(&b->sql, " AND ");
	if (hi != INT64_MAX) {
		mbuf_printf(&b->sql, "%s < ", col);
		param_int(b, hi);
	}
	if (lo == INT64_MIN && hi == INT64_MAX)
		mbuf_adds(&b->sql, "1");
	mbuf_addc(&b->sql, ')');
}

/*
 * An AND that is not one FTS expression: its text kids (and negated text
 * kids) still go into one MATCH, the rest are ANDed as SQL.
 */
static void
where_and(struct qb *b, const struct search_node *n)
{
	struct mbuf	 e = { 0 };
	size_t		 i, pos = 0;
	bool		 first = true;

	for (i = 0; i < n->nkids; i++)
		if (fts_able(n->kids[i]))
			pos++;
	mbuf_addc(&b->sql, '(');
	if (pos > 0) {
		fts_expr(&e, n);
		fts_sub(b, false, &e);
		first = false;
	} else if (has_fts_not(n)) {
		fts_join(&e, n, true, " OR ");
		fts_sub(b, true, &e);
		first = false;
	}
	for (i = 0; i < n->nkids; i++) {
		if (fts_able(n->kids[i]) || is_fts_not(n->kids[i]))
			continue;
		if (!first)
			mbuf_adds(&b->sql, " AND ");
		where(b, n->kids[i]);
		first = false;
	}
	mbuf_addc(&b->sql, ')');
}

static void
where(struct qb *b, const struct search_node *n)
{
	struct mbuf	 e = { 0 };
	size_t		 i;

	if (fts_able(n)) {
		fts_expr(&e, n);
		fts_sub(b, false, &e);
		return;
	}
	switch (n->kind) {
	case SEARCH_ALL:
	case SEARCH_TEXT:	/* fts_able */
		mbuf_adds(&b->sql, "1");
		break;
	case SEARCH_AND:
		where_and(b, n);
		break;
	case SEARCH_OR:
		mbuf_addc(&b->sql, '(');
		for (i = 0; i < n->nkids; i++) {
			if (i > 0)
				mbuf_adds(&b->sql, " OR ");
			where(b, n->kids[i]);
		}
		mbuf_addc(&b->sql, ')');
		break;
	case SEARCH_NOT:
		if (fts_able(n->kids[0])) {
			fts_expr(&e, n->kids[0]);
			fts_sub(b, true, &e);
			break;
		}
		mbuf_adds(&b->sql, "NOT ");
		where(b, n->kids[0]);
		break;
	case SEARCH_FLAG:
		if (n->flag == SEARCH_ATTACHMENT)
			mbuf_adds(&b->sql, "m.has_attachments = 1");
		else
			mbuf_printf(&b->sql, "(m.flags & %u) %s 0",
			    flag_bits[n->flag],
			    n->flag == SEARCH_UNREAD ? "=" : "<>");
		break;
	case SEARCH_DATE:
		range(b, "m.date", n->lo, n->hi);
		break;
	case SEARCH_SIZE:
		range(b, "m.size", n->lo, n->hi);
		break;
	case SEARCH_FOLDER:
		mbuf_adds(&b->sql, "m.folder_id IN (SELECT id FROM folder"
		    " WHERE name = ");
		param_text(b, n->text, NULL);
		mbuf_adds(&b->sql, " COLLATE NOCASE)");
		break;
	case SEARCH_ACCOUNT:
		mbuf_adds(&b->sql, "m.folder_id IN (SELECT f.id FROM folder f"
		    " JOIN account a ON a.id = f.account_id WHERE a.name = ");
		param_text(b, n->text, NULL);
		mbuf_adds(&b->sql, ")");
		break;
	case SEARCH_ID:
		mbuf_adds(&b->sql, "m.message_id = ");
		param_text(b, n->text, NULL);
		break;
	case SEARCH_THREAD:
		mbuf_adds(&b->sql, "m.thread_id IN (SELECT m.thread_id"
		    " FROM message m WHERE m.thread_id IS NOT NULL AND ");
		where(b, n->kids[0]);
		mbuf_addc(&b->sql, ')');
		break;
	}
}

/* The scope and the keyset of f, after the query's WHERE. */
static void
scope(struct qb *b, const struct store_find *f)
{
	if (f->folder_id != 0) {
		mbuf_adds(&b->sql, " AND m.folder_id = ");
		param_int(b, f->folder_id);
	}
	if (f->account_id != 0) {
		mbuf_adds(&b->sql, " AND m.folder_id IN (SELECT id FROM folder"
		    " WHERE account_id = ");
		param_int(b, f->account_id);
		mbuf_addc(&b->sql, ')');
	}
	if (f->after != NULL) {
		mbuf_adds(&b->sql, " AND (m.date < ");
		param_int(b, f->after->date);
		mbuf_adds(&b->sql, " OR (m.date = ");
		param_int(b, f->after->date);
		mbuf_adds(&b->sql, " AND m.id < ");
		param_int(b, f->after->id);
		mbuf_adds(&b->sql, "))");
	}
}

static void
qb_free(struct qb *b)
{
	size_t	i;

	for (i = 0; i < b->np; i++) {
		free(b->p[i].own);
		if (b->p[i].set != NULL) {
			free(b->p[i].set->expr);
			free(b->p[i].set->v);
			free(b->p[i].set);
		}
	}
	free(b->p);
	mbuf_free(&b->sql);
}

/* Prepare the built SQL (a fresh statement: no two queries are alike). */
static sqlite3_stmt *
qb_prepare(struct store *s, struct qb *b, struct perr *err)
{
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc = SQLITE_OK;

	mbuf_addc(&b->sql, '\0');
	/* What this transaction wrote is found too. */
	if (store_index_flush(s, err) == -1)
		return NULL;
	if (sqlite3_prepare_v2(s->db, b->sql.p, -1, &st, NULL) != SQLITE_OK) {
		store_sqlerr(s, N_("search"), err);
		return NULL;
	}
	for (i = 0; i < b->np && rc == SQLITE_OK; i++)
		rc = b->p[i].set != NULL ? sqlite3_bind_pointer(st, (int)i + 1,
		    b->p[i].set, IDSET_TYPE, NULL) : b->p[i].text != NULL ?
		    sqlite3_bind_text(st, (int)i + 1, b->p[i].text, -1,
		    SQLITE_TRANSIENT) :
		    sqlite3_bind_int64(st, (int)i + 1, b->p[i].i);
	if (rc != SQLITE_OK) {
		store_sqlerr(s, N_("search"), err);
		(void)sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* ---- the newest-first walk ------------------------------------------ */

/* What a walk of the date index looks through, in which direction. */
struct walk {
	const struct search_node	*q;
	int64_t				 folder_id;	/* 0: any */
	int64_t				 account_id;	/* 0: any */
	const struct store_page_key	*after;		/* keyset or NULL */
	bool				 desc;
	int				 limit;
	int				 rows;		/* the budget */
};

static bool
has_text(const struct search_node *n)
{
	size_t	i;

	if (n->kind == SEARCH_TEXT)
		return true;
	for (i = 0; i < n->nkids; i++)
		if (has_text(n->kids[i]))
			return true;
	return false;
}

/*
 * Worth a walk: a text query (flags and dates alone SQLite already walks
 * by date), a bounded number of rows, a budget.
 */
static bool
walk_fits(const struct search_node *q, int limit, int rows)
{
	return q != NULL && has_text(q) && limit > 0 &&
	    limit <= STORE_FIND_IDS_MAX && rows >= 0;
}

/* FROM, the scope and the keyset of a walk, forced onto its date index. */
static void
walk_from(struct qb *b, const struct walk *w, const char *what)
{
	mbuf_printf(&b->sql, "SELECT %s FROM message m INDEXED BY %s WHERE ",
	    what, w->folder_id != 0 ? "message_folder_date" : "message_date");
	if (w->folder_id != 0) {
		mbuf_adds(&b->sql, "m.folder_id = ");
		param_int(b, w->folder_id);
	} else
		mbuf_adds(&b->sql, "1");
	if (w->account_id != 0) {
		mbuf_adds(&b->sql, " AND m.folder_id IN (SELECT id FROM folder"
		    " WHERE account_id = ");
		param_int(b, w->account_id);
		mbuf_addc(&b->sql, ')');
	}
	if (w->after != NULL) {
		mbuf_printf(&b->sql, " AND (m.date, m.id) %s (",
		    w->desc ? "<" : ">");
		param_int(b, w->after->date);
		mbuf_adds(&b->sql, ", ");
		param_int(b, w->after->id);
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
	param_int(&b, w->rows);
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

/* Read the rowids set->expr matches, ascending. */
static int
idset_read(struct store *s, struct idset *set, struct perr *err)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 rc;

	if ((st = store_stmt(s, "SELECT rowid FROM message_fts"
	    " WHERE message_fts MATCH ?1 ORDER BY rowid", err)) == NULL)
		return -1;
	if (sqlite3_bind_text(st, 1, set->expr, -1, SQLITE_STATIC) !=
	    SQLITE_OK) {
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

/* The ids of the walk's first matches, at most w->limit, into ids. */
static int
walk_ids(struct store *s, const struct walk *w, bool bounded, int64_t bound,
    int64_t *ids, size_t *n, struct perr *err)
{
	struct qb	 b = { 0 };
	sqlite3_stmt	*st;
	int		 rc;

	size_t		 i;

	walk_from(&b, w, "m.id");
	if (bounded) {
		mbuf_printf(&b.sql, " AND m.date %s ", w->desc ? ">=" : "<=");
		param_int(&b, bound);
	}
	mbuf_adds(&b.sql, " AND ");
	b.sets = true;
	where(&b, w->q);
	walk_order(&b, w);
	param_int(&b, w->limit);
	for (i = 0; i < b.np; i++)
		if (b.p[i].set != NULL && idset_read(s, b.p[i].set, err) != 0) {
			qb_free(&b);
			return -1;
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
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The rows of ids (already the answer), in the walk's order, through cb. */
static int
walk_rows_out(struct store *s, const struct walk *w, const int64_t *ids,
    size_t n, store_msg_cb cb, void *arg, struct perr *err)
{
	struct qb	 b = { 0 };
	sqlite3_stmt	*st;
	const char	*dir = w->desc ? " DESC" : "";
	size_t		 i;

	if (n == 0)
		return 0;
	mbuf_adds(&b.sql, "SELECT " STORE_MSG_COLS " FROM message m"
	    " WHERE m.id IN (");
	for (i = 0; i < n; i++) {
		if (i > 0)
			mbuf_addc(&b.sql, ',');
		param_int(&b, ids[i]);
	}
	mbuf_printf(&b.sql, ") ORDER BY m.date%s, m.id%s", dir, dir);
	st = qb_prepare(s, &b, err);
	qb_free(&b);
	if (st == NULL)
		return -1;
	return store_msg_walk(s, st, cb, arg, N_("search"), err);
}

/*
 * Try the walk: *done = true when it gave the answer (through cb), false
 * when the plain plan must run (nothing was delivered then).
 */
static int
walk(struct store *s, const struct walk *w, store_msg_cb cb, void *arg,
    bool *done, struct perr *err)
{
	int64_t	*ids, bound = 0;
	size_t	 n = 0;
	bool	 bounded;
	int	 rc;

	*done = false;
	if (walk_bound(s, w, &bound, &bounded, err) != 0)
		return -1;
	ids = xreallocarray(NULL, (size_t)w->limit, sizeof *ids);
	rc = walk_ids(s, w, bounded, bound, ids, &n, err);
	if (rc == 0 && (n == (size_t)w->limit || !bounded)) {
		*done = true;
		rc = walk_rows_out(s, w, ids, n, cb, arg, err);
	}
	free(ids);
	return rc;
}

int
store_msg_find(struct store *s, const struct search_node *q,
    const struct store_find *f, store_msg_cb cb, void *arg, struct perr *err)
{
	struct qb	 b = { 0 };
	sqlite3_stmt	*st;
	int		 rows = f->walk_rows != 0 ? f->walk_rows : STORE_WALK_ROWS;
	bool		 done;

	if (f->limit == 0)
		return 0;
	if (walk_fits(q, f->limit, rows)) {
		struct walk	w = { q, f->folder_id, f->account_id,
		    f->after, true, f->limit, rows };

		int		rc = walk(s, &w, cb, arg, &done, err);

		if (rc != 0 || done)
			return rc;
	}
	mbuf_adds(&b.sql, "SELECT " STORE_MSG_COLS " FROM message m WHERE ");
	where(&b, q);
	scope(&b, f);
	mbuf_adds(&b.sql, " ORDER BY m.date DESC, m.id DESC");
	if (f->limit > 0) {
		mbuf_adds(&b.sql, " LIMIT ");
		param_int(&b, f->limit);
	}
	st = qb_prepare(s, &b, err);
	qb_free(&b);
	if (st == NULL)
		return -1;
	return store_msg_walk(s, st, cb, arg, N_("search"), err);
}

int
store_msg_find_count(struct store *s, const struct search_node *q,
    const struct store_find *f, int64_t *n, struct perr *err)
{
	struct qb	 b = { 0 };
	sqlite3_stmt	*st;
	int		 rc;

	mbuf_adds(&b.sql, "SELECT count(*) FROM message m WHERE ");
	where(&b, q);
	scope(&b, f);
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
		param_text(b, NULL, xstrdup(after->text != NULL ?
		    after->text : ""));
		mbuf_adds(&b->sql, ", ");
	} else if (sort == STORE_SORT_SIZE) {
		param_int(b, after->size);
		mbuf_adds(&b->sql, ", ");
	}
	param_int(b, after->date);
	mbuf_adds(&b->sql, ", ");
	param_int(b, after->id);
	mbuf_addc(&b->sql, ')');
}

int
store_msg_find_page(struct store *s, const struct store_window *w,
    enum store_sort sort, const struct store_sort_key *after, bool desc,
    int limit, store_msg_cb cb, void *arg, struct perr *err)
{
	struct search_node	 all = { .kind = SEARCH_ALL };
	struct qb		 b = { 0 };
	sqlite3_stmt		*st;
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
	    walk_fits(w->q, limit, rows)) {
		struct store_page_key	 key;
		struct walk		 wk = { w->q, w->folder_id, 0, NULL,
		    desc, limit, rows };
		int			 rc;

		if (after != NULL) {
			key = (struct store_page_key){ after->date, after->id };
			wk.after = &key;
		}
		rc = walk(s, &wk, cb, arg, &done, err);
		if (rc != 0 || done)
			return rc;
	}
	mbuf_adds(&b.sql, "SELECT " STORE_MSG_COLS " FROM message m WHERE ");
	where(&b, w->q != NULL ? w->q : &all);
	if (w->folder_id != 0) {
		mbuf_adds(&b.sql, " AND m.folder_id = ");
		param_int(&b, w->folder_id);
	}
	if (w->thread_id != 0) {
		mbuf_adds(&b.sql, " AND m.thread_id = ");
		param_int(&b, w->thread_id);
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
	param_int(&b, limit);
	st = qb_prepare(s, &b, err);
	qb_free(&b);
	if (st == NULL)
		return -1;
	return store_msg_walk(s, st, cb, arg, N_("search"), err);
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
		param_int(&b, ids[i]);
	}
	mbuf_adds(&b.sql, ") AND ");
	where(&b, q);
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

	where(&b, q);
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
