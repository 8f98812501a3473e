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
 * fresh: id was just inserted with STORE_BODY_FULL, so it has no row in
 * message_fts yet and gets its whole row in one insert. Otherwise the
 * insert trigger wrote its headers and an UPDATE adds the body, which
 * FTS5 does as a delete (the old headers tokenized again) and an insert.
 */
static int
body_put(struct store *s, int64_t id, const void *raw, size_t len,
    const char *text, bool fresh, struct perr *err)
{
	static const char	 sql_msg[] = "UPDATE message"
	    " SET body_state = 2, fetched_at = ?2 WHERE id = ?1";
	static const char	 sql_body[] = "INSERT INTO body(message_id, "
	    "raw) VALUES (?1, ?2)"
	    " ON CONFLICT(message_id) DO UPDATE SET raw = excluded.raw";
	static const char	 sql_fts[] = "UPDATE message_fts"
	    " SET body = ?2, attachment = ?3 WHERE rowid = ?1";
	/* The columns of the insert trigger (schema.c), and the body's. */
	static const char	 sql_fts_new[] = "INSERT INTO "
	    "message_fts(rowid,"
	    " subject, \"from\", \"to\", cc, body, attachment)"
	    " SELECT id, subject,"
	    "  coalesce(from_name, '') || ' ' || coalesce(from_addr, ''),"
	    "  to_list, cc_list, ?2, ?3 FROM message WHERE id = ?1";
	sqlite3_stmt		*st;
	char			*names;
	int			 rc;

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
	if (store_step_done(s, st, N_("store body"), err) == -1)
		return -1;

	if ((st = store_stmt(s, fresh ? sql_fts_new : sql_fts, err)) == NULL)
		return -1;
	names = store_attachment_names(raw, len);
	rc = sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    store_bind_text(st, 2, text) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, names, -1, SQLITE_TRANSIENT) != SQLITE_OK;
	free(names);
	if (rc)
		return store_msg_bind_fail(s, st, N_("index body"), err);
	return store_step_done(s, st, N_("index body"), err);
}

/*
 * Could raw name a file ("name=", "name*=", "filename=")? A scan for it
 * costs far less than the MIME parse that it spares most messages.
 */
static bool
names_a_file(const char *raw, size_t len)
{
	size_t	i, j;

	for (i = 0; i + 5 <= len; i++) {
		if ((raw[i] | 0x20) != 'n' || strncasecmp(raw + i, "name", 4))
			continue;
		for (j = i + 4; j < len && (raw[j] == ' ' || raw[j] == '\t');
		    j++)
			;
		if (j < len && (raw[j] == '=' || raw[j] == '*'))
			return true;
	}
	return false;
}

char *
store_attachment_names(const void *raw, size_t len)
{
	struct mail_part	*parts;
	struct mbuf		 b = { 0 };
	struct perr		 ignored;
	size_t			 n, i;

	if (raw == NULL || !names_a_file(raw, len) ||
	    mail_attachments(raw, len, &parts, &n, &ignored) != 0)
		return NULL;
	for (i = 0; i < n; i++) {
		if (parts[i].filename == NULL || *parts[i].filename == '\0')
			continue;
		if (b.len > 0)
			mbuf_addc(&b, ' ');
		mbuf_adds(&b, parts[i].filename);
	}
	mail_parts_free(parts, n);
	if (b.len == 0) {
		mbuf_free(&b);
		return NULL;
	}
	return mbuf_finish(&b, NULL);
}

int
store_msg_insert_body(struct store *s, const struct store_msg *m,
    const void *raw, size_t len, const char *text, int64_t *id,
    struct perr *err)
{
	struct perr	ignored;
	int64_t		nid;
	int		rc;

	/* Four statements, one change: a savepoint of its own. */
	if (store_begin(s, err) == -1)
		return -1;
	rc = store_msg_insert_state(s, m, STORE_BODY_FULL, &nid, err);
	if (rc == 0 && body_put(s, nid, raw, len, text, true, err) == -1)
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
store_body_put(struct store *s, int64_t id, const void *raw, size_t len,
    const char *text, struct perr *err)
{
	struct perr	ignored;

	/* Three statements, one change: a savepoint of its own. */
	if (store_begin(s, err) == -1)
		return -1;
	if (body_put(s, id, raw, len, text, false, err) == -1) {
		(void)store_rollback(s, &ignored);
		return -1;
	}
	return store_commit(s, err);
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
	if ((st = store_stmt(s, sql, err)) == NULL)
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
