/*
 * search-index.c - how message_fts is written: in bulk, once per message.
 *
 * FTS5 (SQLite 3.40) keeps what it is given in memory until the
 * transaction ends, unless a statement opens a savepoint first (a nested
 * store_begin(), or any statement with a statement journal, such as an
 * INSERT with triggers or ON CONFLICT): then it writes what it holds as
 * a segment of its own. Rows written one by one between a sync's other
 * statements became one segment per message, which FTS5's merging then
 * rewrote again and again; rowids going down (bodies come newest first)
 * flush it too. So the writers of this connection never write
 * message_fts themselves: they stage the row's id (and the body's text
 * and file names) in a temporary table, and the outermost commit writes
 * every staged row with one INSERT ... SELECT in rowid order
 * (store_index_flush(), in store-util.c: the commit's floor). The
 * temporary table is part of the transaction: a rollback (of a savepoint
 * too) takes its rows with it.
 *
 * message.fts_state (schema version 9) says how a row is indexed:
 *   0  by the insert trigger (rows written by plain SQL, as before);
 *   1  not yet: its body comes later in this sync (store_msg.index_later),
 *      and its row is written once, whole, with the body; what still waits
 *      when the sync is done with the folder, or after a sync that was cut
 *      short, gets its header row from store_index_catch_up();
 *   2  by this file, in bulk.
 */
#include <stdlib.h>

#include "mail/mail.h"
#include "store/store-int.h"
#include "util/i18n.h"

int
store_index_prepare(struct store *s, struct perr *err)
{
	/* fresh: the row has no message_fts row yet (insert, no delete). */
	return store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS fts_stage("
	    "  id INTEGER PRIMARY KEY,"
	    "  fresh INTEGER NOT NULL,"
	    "  body TEXT,"
	    "  attachment TEXT)", N_("prepare the search index"), err);
}

int
store_index_stage_new(struct store *s, int64_t id, struct perr *err)
{
	/* A rowid reused after a delete in this transaction starts over. */
	static const char	 sql[] = "INSERT INTO temp.fts_stage"
	    "(id, fresh) VALUES (?1, 1) ON CONFLICT(id) DO UPDATE"
	    " SET fresh = 1, body = NULL, attachment = NULL";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("index message"), err);
	if (store_step_done(s, st, N_("index message"), err) == -1)
		return -1;
	s->staged = true;
	return 0;
}

int
store_index_stage_body(struct store *s, int64_t id, const char *text,
    const char *names, struct perr *err)
{
	/*
	 * Fresh when the row waits for its body (fts_state 1); staged
	 * already in this transaction, it keeps what it was. Run before
	 * the UPDATE that sets fts_state to 2.
	 */
	static const char	 sql[] = "INSERT INTO temp.fts_stage"
	    "(id, fresh, body, attachment)"
	    " SELECT id, fts_state = 1, ?2, ?3 FROM message WHERE id = ?1"
	    " ON CONFLICT(id) DO UPDATE"
	    " SET body = excluded.body, attachment = excluded.attachment";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    store_bind_text(st, 2, text) != SQLITE_OK ||
	    store_bind_text(st, 3, names) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("index body"), err);
	if (store_step_done(s, st, N_("index body"), err) == -1)
		return -1;
	s->staged = true;
	return 0;
}

int
store_index_catch_up(struct store *s, int64_t folder_id, int64_t *n,
    struct perr *err)
{
	/* The WHEREs repeat the partial index's condition so SQLite uses it. */
	static const char	 sql_stage[] = "INSERT INTO temp.fts_stage"
	    "(id, fresh) SELECT id, 1 FROM message"
	    " WHERE fts_state = 1 AND (?1 = 0 OR folder_id = ?1)"
	    " ON CONFLICT(id) DO NOTHING";
	static const char	 sql_mark[] = "UPDATE message SET fts_state = 2"
	    " WHERE fts_state = 1 AND (?1 = 0 OR folder_id = ?1)";
	static const char	 sql_any[] = "SELECT 1 FROM message"
	    " WHERE fts_state = 1 AND (?1 = 0 OR folder_id = ?1) LIMIT 1";
	struct perr		 ignored;
	sqlite3_stmt		*st;
	int64_t			 changed = 0;
	int			 rc;

	if (n != NULL)
		*n = 0;
	/* Mostly nothing waits: no write transaction for that. */
	if ((st = store_stmt(s, sql_any, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("index waiting messages"),
		    err);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW && rc != SQLITE_DONE)
		return store_msg_bind_fail(s, st, N_("index waiting messages"),
		    err);
	store_stmt_done(s, st);
	if (rc == SQLITE_DONE)
		return 0;
	if (store_begin(s, err) == -1)
		return -1;
	if ((st = store_stmt(s, sql_stage, err)) == NULL)
		goto fail;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK) {
		store_msg_bind_fail(s, st, N_("index waiting messages"), err);
		goto fail;
	}
	if (store_step_done(s, st, N_("index waiting messages"), err) == -1)
		goto fail;
	changed = sqlite3_changes(s->db);
	if (changed > 0) {
		s->staged = true;
		if ((st = store_stmt(s, sql_mark, err)) == NULL)
			goto fail;
		if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK) {
			store_msg_bind_fail(s, st, N_("index waiting messages"),
			    err);
			goto fail;
		}
		if (store_step_done(s, st, N_("index waiting messages"),
		    err) == -1)
			goto fail;
	}
	if (store_commit(s, err) == -1)
		return -1;
	if (n != NULL)
		*n = changed;
	return 0;
fail:
	(void)store_rollback(s, &ignored);
	return -1;
}
