/*
 * message-body.c - typed queries over message bodies (stored, partial or
 * none), the full-text search index, and POP3 UIDLs; message.c has the
 * message rows themselves.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail/mail.h"
#include "store/store-int.h"
#include "util/i18n.h"

#define MSG_COLS STORE_MSG_COLS

/* ---- bodies and search ------------------------------------------------- */

/*
 * The body of row id, and its text and file names staged for the search
 * index (search-index.c: written whole at the commit, the old row first
 * removed when it had one). Staged first: it reads the row's fts_state,
 * which the UPDATE then sets.
 */
static int
body_put(struct store *s, int64_t id, const void *raw, size_t len,
    const char *text, const char *names, struct perr *err)
{
	static const char	 sql_msg[] = "UPDATE message"
	    " SET body_state = 2, fetched_at = ?2, fts_state = 2"
	    " WHERE id = ?1";
	static const char	 sql_body[] = "INSERT INTO body(message_id, "
	    "raw) VALUES (?1, ?2)"
	    " ON CONFLICT(message_id) DO UPDATE SET raw = excluded.raw";
	sqlite3_stmt		*st;
	int			 rc;

	if (store_index_stage_body(s, id, text, names, err) == -1)
		return -1;
	if ((st = store_stmt(s, sql_msg, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (int64_t)time(NULL)) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("store body"), err);
	if (store_msg_write_id(s, st, id, N_("store body"), err) == -1)
		return -1;

	if ((st = store_stmt(s, sql_body, err)) == NULL)
		return -1;
	/* An empty blob must still be a blob: raw is NOT NULL. */
	if (len == 0 || raw == NULL)
		rc = sqlite3_bind_zeroblob(st, 2, 0);
	else
		rc = sqlite3_bind_blob64(st, 2, raw, len, SQLITE_STATIC);
	if (rc != SQLITE_OK || sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("store body"), err);
	return store_step_done(s, st, N_("store body"), err);
}

int
store_msg_insert_body(struct store *s, const struct store_msg *m,
    const void *raw, size_t len, const char *text, const char *names,
    int64_t *id, struct perr *err)
{
	struct perr	ignored;
	int64_t		nid;
	int		rc;

	/* Four statements, one change: a savepoint of its own. */
	if (store_begin(s, err) == -1)
		return -1;
	rc = store_msg_insert_state(s, m, STORE_BODY_FULL, &nid, err);
	if (rc == 0 && body_put(s, nid, raw, len, text, names, err) == -1)
		rc = -1;
	if (rc == -1) {
		(void)store_rollback(s, &ignored);
		return -1;
	}
	if (store_commit(s, err) == -1)
		return -1;
	if (id != NULL)
		*id = nid;
	return rc;
}

int
store_body_put_text(struct store *s, int64_t id, const void *raw, size_t len,
    const char *text, const char *names, struct perr *err)
{
	struct perr	ignored;

	/* Three statements, one change: a savepoint of its own. */
	if (store_begin(s, err) == -1)
		return -1;
	if (body_put(s, id, raw, len, text, names, err) == -1) {
		(void)store_rollback(s, &ignored);
		return -1;
	}
	return store_commit(s, err);
}

int
store_body_put(struct store *s, int64_t id, const void *raw, size_t len,
    const char *text, struct perr *err)
{
	char	*names;
	int	 rc;

	names = mail_attachment_names(raw, len);
	rc = store_body_put_text(s, id, raw, len, text, names, err);
	free(names);
	return rc;
}

int
store_body_get(struct store *s, int64_t id, void **raw, size_t *len,
    struct perr *err)
{
	static const char	 sql[] =
	    "SELECT raw FROM body WHERE message_id = ?1";
	sqlite3_stmt		*st;
	const void		*p;
	size_t			 n;
	char			*buf;
	int			 rc;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("read body"), err);
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		store_stmt_done(s, st);
		return perr_set(err, PERR_NOTFOUND, _("%s: message %lld has no "
		    "body stored"), s->path, (long long)id);
	}
	if (rc != SQLITE_ROW)
		return store_msg_bind_fail(s, st, N_("read body"), err);
	/* column_blob first, then column_bytes, as SQLite asks. */
	p = sqlite3_column_blob(st, 0);
	n = (size_t)sqlite3_column_bytes(st, 0);
	if (p == NULL && n != 0)	/* out of memory inside SQLite */
		return store_msg_bind_fail(s, st, N_("read body"), err);
	buf = xmalloc(n + 1);
	if (n > 0)
		memcpy(buf, p, n);
	buf[n] = '\0';
	store_stmt_done(s, st);
	*raw = buf;
	*len = n;
	return 0;
}

int
store_msg_search(struct store *s, int64_t account_id, int64_t folder_id,
    const char *query, int limit, store_msg_cb cb, void *arg,
    struct perr *err)
{
	static const char	 sql[] = "SELECT " MSG_COLS
	    " FROM message_fts JOIN message m ON m.id = message_fts.rowid"
	    " WHERE message_fts MATCH ?1"
	    " AND (?2 = 0 OR m.folder_id = ?2)"
	    " AND (?3 = 0 OR m.folder_id IN"
	    "   (SELECT id FROM folder WHERE account_id = ?3))"
	    " ORDER BY m.date DESC, m.id DESC LIMIT ?4";
	sqlite3_stmt		*st;

	if (limit <= 0)
		return 0;
	/* What this transaction wrote is found too. */
	if (store_index_flush(s, err) == -1 ||
	    (st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (store_bind_text(st, 1, query) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, folder_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, account_id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, limit) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("search"), err);
	return store_msg_walk(s, st, cb, arg, N_("search"), err);
}

/* ---- POP3 UIDLs -------------------------------------------------------- */

int
store_pop3_known(struct store *s, int64_t account_id, const char *uidl,
    bool *known, struct perr *err)
{
	static const char	 sql[] = "SELECT 1 FROM pop3_uidl"
	    " WHERE account_id = ?1 AND uidl = ?2";
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    store_bind_text(st, 2, uidl) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("look up UIDL"), err);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_msg_bind_fail(s, st, N_("look up UIDL"), err);
	*known = rc == SQLITE_ROW;
	store_stmt_done(s, st);
	return 0;
}

int
store_pop3_add(struct store *s, int64_t account_id, const char *uidl,
    int64_t when, struct perr *err)
{
	static const char	 sql[] = "INSERT INTO pop3_uidl(account_id,"
	    " uidl, first_seen) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    store_bind_text(st, 2, uidl) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, when) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("record UIDL"), err);
	return store_step_done(s, st, N_("record UIDL"), err);
}

int
store_pop3_mark_deleted(struct store *s, int64_t account_id,
    const char *uidl, struct perr *err)
{
	static const char	 sql[] = "UPDATE pop3_uidl SET"
	    " deleted_from_server = 1 WHERE account_id = ?1 AND uidl = ?2";
	sqlite3_stmt		*st;
	int64_t			 n;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    store_bind_text(st, 2, uidl) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("mark UIDL deleted"), err);
	if (store_msg_write(s, st, N_("mark UIDL deleted"), &n, err) == -1)
		return -1;
	if (n == 0)
		return perr_set(err, PERR_NOTFOUND, _("%s: no UIDL %s recorded"),
		    s->path, uidl);
	return 0;
}

int
store_pop3_older(struct store *s, int64_t account_id, int64_t before,
    store_uidl_cb cb, void *arg, struct perr *err)
{
	static const char	 sql[] = "SELECT uidl, first_seen FROM "
	    "pop3_uidl WHERE account_id = ?1 AND deleted_from_server = 0"
	    " AND first_seen < ?2 ORDER BY first_seen";
	sqlite3_stmt		*st;
	int			 rc, ret = 0;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, before) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("list UIDLs"), err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = cb(arg, store_col_text(st, 0),
		    sqlite3_column_int64(st, 1));
		if (ret != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_sqlerr(s, N_("list UIDLs"), err);
	store_stmt_done(s, st);
	return ret;
}
