/*
 * store-util.c - the bottom floor of src/store: the plumbing every other
 * file of the module shares (errors, binding, the statement cache,
 * transactions). It calls no other file of src/store.
 */
#include <stdlib.h>

#include "store/store-int.h"
#include "util/i18n.h"


/* ---- errors and binding ----------------------------------------------- */

int
store_sqlerr(struct store *s, const char *what, struct perr *err)
{
	return perr_set(err, PERR_STORE, "%s: %s: %s", s->path, _(what),
	    sqlite3_errmsg(s->db));
}

int
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	/*
	 * SQLITE_STATIC: the caller's string outlives the statement's use,
	 * because store_stmt_done() clears the bindings before we return.
	 */
	if (v == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

int
store_bind_nz(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_int64(st, i, v);
}

const char *
store_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* ---- the statement cache ---------------------------------------------- */

sqlite3_stmt *
store_stmt(struct store *s, const char *sql, struct perr *err)
{
	sqlite3_stmt	*st = NULL;
	size_t		 i;
	unsigned int	 pflags;

	for (i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql)
			break;
	if (i < s->ncache && !sqlite3_stmt_busy(s->cache[i].stmt))
		return s->cache[i].stmt;

	/* A statement kept for the connection's life tells SQLite so. */
	pflags = i == s->ncache ? SQLITE_PREPARE_PERSISTENT : 0;
	if (sqlite3_prepare_v3(s->db, sql, -1, pflags, &st, NULL) !=
	    SQLITE_OK) {
		store_sqlerr(s, N_("prepare"), err);
		return NULL;
	}
	if (i < s->ncache)	/* the cached one is in use higher up */
		return st;
	if (s->ncache == s->cachecap) {
		s->cachecap = s->cachecap ? s->cachecap * 2 : 32;
		s->cache = xreallocarray(s->cache, s->cachecap,
		    sizeof *s->cache);
	}
	s->cache[s->ncache].sql = sql;
	s->cache[s->ncache].stmt = st;
	s->ncache++;
	return st;
}

void
store_stmt_done(struct store *s, sqlite3_stmt *st)
{
	size_t	i;

	if (st == NULL)
		return;
	for (i = 0; i < s->ncache; i++) {
		if (s->cache[i].stmt == st) {
			/*
			 * reset() repeats the last step's error, which the
			 * caller has already reported; clear_bindings() cannot
			 * fail on a valid statement.
			 */
			(void)sqlite3_reset(st);
			(void)sqlite3_clear_bindings(st);
			return;
		}
	}
	(void)sqlite3_finalize(st);
}

int
store_step_done(struct store *s, sqlite3_stmt *st, const char *what,
    struct perr *err)
{
	int	rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_sqlerr(s, what, err);
		store_stmt_done(s, st);
		return -1;
	}
	store_stmt_done(s, st);
	return 0;
}

int
store_exec(struct store *s, const char *sql, const char *what,
    struct perr *err)
{
	char	*msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		perr_set(err, PERR_STORE, "%s: %s: %s", s->path, _(what),
		    msg != NULL ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Run one cached statement without results. */
static int
run(struct store *s, const char *sql, const char *what, struct perr *err)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	return store_step_done(s, st, what, err);
}

/* ---- transactions ------------------------------------------------------ */

/*
 * SQLite itself rolls the whole transaction back after some errors (disk
 * full, I/O error, out of memory). sqlite3_get_autocommit() tells us so;
 * the levels still open then fail their commit instead of committing the
 * half that followed in autocommit mode.
 */
static int
lost(struct store *s, struct perr *err)
{
	return perr_set(err, PERR_STORE,
	    _("%s: the transaction was rolled back after an earlier error"),
	    s->path);
}

int
store_msg_bind_fail(struct store *s, sqlite3_stmt *st, const char *what,
    struct perr *err)
{
	store_sqlerr(s, what, err);
	store_stmt_done(s, st);
	return -1;
}

/*
 * Write the rows staged for the search index (search-index.c) with one
 * statement, in rowid order, so FTS5 makes one segment of them; the
 * header columns as the insert trigger writes them (schema.c).
 */
int
store_index_flush(struct store *s, struct perr *err)
{
	/* Rows already indexed go first (FTS5 reads their old text). */
	static const char	 sql_old[] = "DELETE FROM message_fts"
	    " WHERE rowid IN (SELECT id FROM temp.fts_stage WHERE NOT fresh)";
	static const char	 sql_new[] = "INSERT INTO message_fts(rowid,"
	    " subject, \"from\", \"to\", cc, body, attachment)"
	    " SELECT m.id, m.subject,"
	    "  coalesce(m.from_name, '') || ' ' || coalesce(m.from_addr, ''),"
	    "  m.to_list, m.cc_list, t.body, t.attachment"
	    " FROM temp.fts_stage t JOIN message m ON m.id = t.id"
	    " ORDER BY t.id";
	static const char	 sql_done[] = "DELETE FROM temp.fts_stage";
	sqlite3_stmt		*st;

	if (!s->staged)
		return 0;
	if ((st = store_stmt(s, sql_old, err)) == NULL ||
	    store_step_done(s, st, N_("index messages"), err) == -1)
		return -1;
	if ((st = store_stmt(s, sql_new, err)) == NULL ||
	    store_step_done(s, st, N_("index messages"), err) == -1)
		return -1;
	if ((st = store_stmt(s, sql_done, err)) == NULL ||
	    store_step_done(s, st, N_("index messages"), err) == -1)
		return -1;
	s->staged = false;
	return 0;
}

int
store_begin(struct store *s, struct perr *err)
{
	const char	*sql;

	if (s->depth == 0)
		sql = (s->flags & STORE_RDONLY) ? "BEGIN" : "BEGIN IMMEDIATE";
	else if (sqlite3_get_autocommit(s->db))
		return lost(s, err);
	else
		sql = "SAVEPOINT store";
	if (run(s, sql, N_("begin transaction"), err) == -1)
		return -1;
	s->depth++;
	return 0;
}

int
store_commit(struct store *s, struct perr *err)
{
	struct perr	 ignored;

	if (s->depth == 0)
		return perr_set(err, PERR_STORE,
		    _("%s: commit outside a transaction"), s->path);
	if (sqlite3_get_autocommit(s->db)) {
		s->depth--;
		return lost(s, err);
	}
	if (s->depth > 1) {
		if (run(s, "RELEASE store", N_("release savepoint"), err) == -1) {
			/* Undo the level rather than leave it dangling. */
			(void)run(s, "ROLLBACK TO store", N_("rollback"), &ignored);
			(void)run(s, "RELEASE store", N_("release"), &ignored);
			s->depth--;
			return -1;
		}
		s->depth--;
		return 0;
	}
	/* The search index of the whole transaction, in one go. */
	if (store_index_flush(s, err) == -1) {
		s->depth = 0;
		s->staged = false;
		(void)run(s, "ROLLBACK", N_("rollback"), &ignored);
		return -1;
	}
	s->depth = 0;
	if (run(s, "COMMIT", N_("commit"), err) == -1) {
		/* A busy or failed COMMIT leaves the transaction open. */
		if (!sqlite3_get_autocommit(s->db))
			(void)run(s, "ROLLBACK", N_("rollback"), &ignored);
		return -1;
	}
	return 0;
}

int
store_rollback(struct store *s, struct perr *err)
{
	if (s->depth == 0)
		return 0;
	if (sqlite3_get_autocommit(s->db)) {
		/* Already rolled back by SQLite: nothing left to undo. */
		s->depth--;
		s->staged = false;
		return 0;
	}
	if (s->depth > 1) {
		s->depth--;
		if (run(s, "ROLLBACK TO store", N_("rollback to savepoint"),
		    err) == -1)
			return -1;
		return run(s, "RELEASE store", N_("release savepoint"), err);
	}
	s->depth = 0;
	s->staged = false;
	return run(s, "ROLLBACK", N_("rollback"), err);
}

int
store_tx_depth(const struct store *s)
{
	return s->depth;
}
