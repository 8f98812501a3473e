/*
 * query-build.c - a parsed search (src/search) compiled to SQL over the store:
 * the bottom floor of the search queries (query-sql-int.h).
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

void
qb_param_int(struct qb *b, int64_t i)
{
	b->p = xreallocarray(b->p, b->np + 1, sizeof *b->p);
	b->p[b->np++] = (struct qparam){ NULL, NULL, i, NULL };
	mbuf_adds(&b->sql, "?");
}

void
qb_param_text(struct qb *b, const char *text, char *own)
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
bool
qb_fts_able(const struct search_node *n)
{
	size_t	i, pos = 0;

	switch (n->kind) {
	case SEARCH_TEXT:
		return true;
	case SEARCH_OR:
		for (i = 0; i < n->nkids; i++)
			if (!qb_fts_able(n->kids[i]))
				return false;
		return true;
	case SEARCH_AND:
		for (i = 0; i < n->nkids; i++) {
			if (qb_fts_able(n->kids[i]))
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
	return n->kind == SEARCH_NOT && qb_fts_able(n->kids[0]);
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

		if (negated ? !is_fts_not(k) : !qb_fts_able(k))
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

/* n is qb_fts_able(), or the positive/negated parts of an AND are. */
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
	qb_param_text(b, NULL, mbuf_finish(expr, NULL));
	mbuf_adds(&b->sql, ")");
}

/* ---- SQL ------------------------------------------------------------- */

static const unsigned	flag_bits[] = { 1, 1, 4, 2, 8, 16 };


void
qb_range(struct qb *b, const char *col, int64_t lo, int64_t hi)
{
	mbuf_addc(&b->sql, '(');
	if (lo != INT64_MIN) {
		mbuf_printf(&b->sql, "%s >= ", col);
		qb_param_int(b, lo);
	}
	if (lo != INT64_MIN && hi != INT64_MAX)
		mbuf_adds(&b->sql, " AND ");
	if (hi != INT64_MAX) {
		mbuf_printf(&b->sql, "%s < ", col);
		qb_param_int(b, hi);
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
		if (qb_fts_able(n->kids[i]))
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
		if (qb_fts_able(n->kids[i]) || is_fts_not(n->kids[i]))
			continue;
		if (!first)
			mbuf_adds(&b->sql, " AND ");
		qb_where(b, n->kids[i]);
		first = false;
	}
	mbuf_addc(&b->sql, ')');
}

void
qb_where(struct qb *b, const struct search_node *n)
{
	struct mbuf	 e = { 0 };
	size_t		 i;

	if (qb_fts_able(n)) {
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
			qb_where(b, n->kids[i]);
		}
		mbuf_addc(&b->sql, ')');
		break;
	case SEARCH_NOT:
		if (qb_fts_able(n->kids[0])) {
			fts_expr(&e, n->kids[0]);
			fts_sub(b, true, &e);
			break;
		}
		mbuf_adds(&b->sql, "NOT ");
		qb_where(b, n->kids[0]);
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
		qb_range(b, "m.date", n->lo, n->hi);
		break;
	case SEARCH_SIZE:
		qb_range(b, "m.size", n->lo, n->hi);
		break;
	case SEARCH_FOLDER:
		mbuf_adds(&b->sql, "m.folder_id IN (SELECT id FROM folder"
		    " WHERE name = ");
		qb_param_text(b, n->text, NULL);
		mbuf_adds(&b->sql, " COLLATE NOCASE)");
		break;
	case SEARCH_ACCOUNT:
		mbuf_adds(&b->sql, "m.folder_id IN (SELECT f.id FROM folder f"
		    " JOIN account a ON a.id = f.account_id WHERE a.name = ");
		qb_param_text(b, n->text, NULL);
		mbuf_adds(&b->sql, ")");
		break;
	case SEARCH_ID:
		mbuf_adds(&b->sql, "m.message_id = ");
		qb_param_text(b, n->text, NULL);
		break;
	case SEARCH_THREAD:
		mbuf_adds(&b->sql, "m.thread_id IN (SELECT m.thread_id"
		    " FROM message m WHERE m.thread_id IS NOT NULL AND ");
		qb_where(b, n->kids[0]);
		mbuf_addc(&b->sql, ')');
		break;
	}
}

/* AND only the folders of account_id (0: every account). */
void
qb_scope_account(struct qb *b, int64_t account_id)
{
	if (account_id == 0)
		return;
	mbuf_adds(&b->sql, " AND m.folder_id IN (SELECT id FROM folder"
	    " WHERE account_id = ");
	qb_param_int(b, account_id);
	mbuf_addc(&b->sql, ')');
}

/* The scope and the keyset of f, after the query's WHERE. */
void
qb_scope(struct qb *b, const struct store_find *f)
{
	if (f->folder_id != 0) {
		mbuf_adds(&b->sql, " AND m.folder_id = ");
		qb_param_int(b, f->folder_id);
	}
	qb_scope_account(b, f->account_id);
	if (f->after != NULL) {
		mbuf_adds(&b->sql, " AND (m.date < ");
		qb_param_int(b, f->after->date);
		mbuf_adds(&b->sql, " OR (m.date = ");
		qb_param_int(b, f->after->date);
		mbuf_adds(&b->sql, " AND m.id < ");
		qb_param_int(b, f->after->id);
		mbuf_adds(&b->sql, "))");
	}
}

void
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
sqlite3_stmt *
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

/* Prepare the built SQL, free the builder, and give each row to cb. */
int
qb_rows(struct store *s, struct qb *b, store_msg_cb cb, void *arg,
    struct perr *err)
{
	sqlite3_stmt	*st;

	st = qb_prepare(s, b, err);
	qb_free(b);
	if (st == NULL)
		return -1;
	return store_msg_walk(s, st, cb, arg, N_("search"), err);
}
