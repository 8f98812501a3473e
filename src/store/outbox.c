/*
 * outbox.c - messages waiting for SMTP, and the addresses used before.
 *
 * An outbox row holds the whole message as built (its Bcc header still in
 * it: the envelope is read from the message at submission). Schema v1 has
 * no state column, so the state is read from attempts and last_error:
 *   waiting   last_error NULL
 *   failed    last_error set: the last try was refused or could not
 *             connect (tried again on the next flush)
 *   unknown   last_error starts with STORE_OUTBOX_UNKNOWN_MARK: a
 *             submission started and was never confirmed (the connection
 *             broke after DATA, or posta died meanwhile). Such a row is
 *             never sent again unless the user says so
 *             (store_outbox_retry), because it may have been delivered.
 * The mark is set before DATA is sent and the row deleted once the server
 * has answered 250, so a crash in between leaves it unknown, not waiting.
 *
 * The address table counts the addresses the user wrote to; completion
 * adds the senders of stored messages, so both kinds are offered.
 */
#define POSTA_STORE_INTERNAL
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

#define MARK		STORE_OUTBOX_UNKNOWN_MARK
#define MARKLEN		(sizeof MARK - 1)

static int
bind_fail(struct store *s, sqlite3_stmt *st, const char *what,
    struct perr *err)
{
	store_sqlerr(s, what, err);
	store_stmt_done(s, st);
	return -1;
}

int
store_outbox_add(struct store *s, int64_t account_id, const void *raw,
    size_t len, int64_t *id, struct perr *err)
{
	static const char	 sql[] = "INSERT INTO outbox (account_id, raw,"
	    " created_at) VALUES (?1, ?2, ?3)";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    sqlite3_bind_blob64(st, 2, raw, len, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (int64_t)time(NULL)) != SQLITE_OK)
		return bind_fail(s, st, "add to the outbox", err);
	if (store_step_done(s, st, "add to the outbox", err) != 0)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Fill o from a row of (id, account_id, created_at, attempts, last_error,
 * length(raw)); strings point into SQLite. */
static void
outbox_row(sqlite3_stmt *st, struct store_outbox *o)
{
	const char	*e = store_col_text(st, 4);

	memset(o, 0, sizeof *o);
	o->id = sqlite3_column_int64(st, 0);
	o->account_id = sqlite3_column_int64(st, 1);
	o->created_at = sqlite3_column_int64(st, 2);
	o->attempts = sqlite3_column_int(st, 3);
	o->size = (size_t)sqlite3_column_int64(st, 5);
	if (e == NULL)
		o->state = STORE_OUTBOX_WAITING;
	else if (strncmp(e, MARK, MARKLEN) == 0) {
		o->state = STORE_OUTBOX_UNKNOWN;
		o->last_error = (char *)e + MARKLEN;
	} else {
		o->state = STORE_OUTBOX_FAILED;
		o->last_error = (char *)e;
	}
}

int
store_outbox_list(struct store *s, int64_t account_id, store_outbox_cb cb,
    void *arg, struct perr *err)
{
	static const char	 sql[] = "SELECT id, account_id, created_at,"
	    " attempts, last_error, length(raw), raw FROM outbox"
	    " WHERE ?1 = 0 OR account_id = ?1 ORDER BY id";
	struct store_outbox	 o;
	sqlite3_stmt		*st;
	int			 rc, ret = 0;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK)
		return bind_fail(s, st, "list the outbox", err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		outbox_row(st, &o);
		o.raw = sqlite3_column_blob(st, 6);
		if ((ret = cb(arg, &o)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_sqlerr(s, "list the outbox", err);
	store_stmt_done(s, st);
	return ret;
}

int
store_outbox_get(struct store *s, int64_t id, int64_t *account_id,
    enum store_outbox_state *state, void **raw, size_t *len, struct perr *err)
{
	static const char	 sql[] = "SELECT id, account_id, created_at,"
	    " attempts, last_error, length(raw), raw FROM outbox WHERE id = ?1";
	struct store_outbox	 o;
	sqlite3_stmt		*st;
	const void		*b;
	int			 rc;

	*raw = NULL;
	*len = 0;
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return bind_fail(s, st, "read the outbox", err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		store_stmt_done(s, st);
		return perr_set(err, PERR_NOTFOUND, "%s: no message %lld in "
		    "the outbox", s->path, (long long)id);
	}
	if (rc != SQLITE_ROW)
		return bind_fail(s, st, "read the outbox", err);
	outbox_row(st, &o);
	if (account_id != NULL)
		*account_id = o.account_id;
	if (state != NULL)
		*state = o.state;
	b = sqlite3_column_blob(st, 6);
	*len = o.size;
	*raw = xmalloc(o.size + 1);
	if (o.size > 0)
		memcpy(*raw, b, o.size);
	((char *)*raw)[o.size] = '\0';
	store_stmt_done(s, st);
	return 0;
}

/* Run sql (?1 = id, ?2 = account_id or 0, ?3 = text) on one row. */
static int
outbox_change(struct store *s, const char *sql, int64_t account_id,
    int64_t id, const char *text, const char *what, struct perr *err)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, account_id) != SQLITE_OK ||
	    store_bind_text(st, 3, text) != SQLITE_OK)
		return bind_fail(s, st, what, err);
	if (store_step_done(s, st, what, err) != 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return perr_set(err, PERR_NOTFOUND, "%s: no message %lld in "
		    "the outbox", s->path, (long long)id);
	return 0;
}

int
store_outbox_sending(struct store *s, int64_t id, struct perr *err)
{
	char	text[128];

	(void)snprintf(text, sizeof text, "%ssubmission started at %lld and "
	    "never confirmed", MARK, (long long)time(NULL));
	return outbox_change(s, "UPDATE outbox SET last_error = ?3"
	    " WHERE id = ?1 AND (?2 = 0 OR account_id = ?2)", 0, id, text,
	    "mark an outbox message", err);
}

int
store_outbox_failed(struct store *s, int64_t id, const char *error,
    struct perr *err)
{
	return outbox_change(s, "UPDATE outbox SET attempts = attempts + 1,"
	    " last_error = ?3 WHERE id = ?1 AND (?2 = 0 OR account_id = ?2)", 0,
	    id, error != NULL && *error != '\0' ? error : "failed",
	    "mark an outbox message failed", err);
}

int
store_outbox_unknown(struct store *s, int64_t id, const char *error,
    struct perr *err)
{
	char	*text;
	int	 rc;

	text = xasprintf("%s%s", MARK, error != NULL ? error :
	    "the server's answer never came");
	rc = outbox_change(s, "UPDATE outbox SET attempts = attempts + 1,"
	    " last_error = ?3 WHERE id = ?1 AND (?2 = 0 OR account_id = ?2)", 0,
	    id, text, "mark an outbox message", err);
	free(text);
	return rc;
}

int
store_outbox_retry(struct store *s, int64_t account_id, int64_t id,
    struct perr *err)
{
	return outbox_change(s, "UPDATE outbox SET last_error = NULL"
	    " WHERE id = ?1 AND (?2 = 0 OR account_id = ?2) AND ?3 IS NULL",
	    account_id, id, NULL, "retry an outbox message", err);
}

int
store_outbox_remove(struct store *s, int64_t account_id, int64_t id,
    struct perr *err)
{
	return outbox_change(s, "DELETE FROM outbox WHERE id = ?1"
	    " AND (?2 = 0 OR account_id = ?2) AND ?3 IS NULL", account_id, id,
	    NULL, "remove an outbox message", err);
}

int
store_outbox_count(struct store *s, int64_t account_id, int64_t *waiting,
    int64_t *held, struct perr *err)
{
	static const char	 sql[] = "SELECT"
	    " count(*) FILTER (WHERE last_error IS NULL"
	    "   OR substr(last_error, 1, ?2) <> ?3),"
	    " count(*) FILTER (WHERE substr(last_error, 1, ?2) = ?3)"
	    " FROM outbox WHERE ?1 = 0 OR account_id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, (int64_t)MARKLEN) != SQLITE_OK ||
	    store_bind_text(st, 3, MARK) != SQLITE_OK)
		return bind_fail(s, st, "count the outbox", err);
	if (sqlite3_step(st) != SQLITE_ROW)
		return bind_fail(s, st, "count the outbox", err);
	if (waiting != NULL)
		*waiting = sqlite3_column_int64(st, 0);
	if (held != NULL)
		*held = sqlite3_column_int64(st, 1);
	store_stmt_done(s, st);
	return 0;
}

/* ---- addresses ----------------------------------------------------------- */

int
store_address_note(struct store *s, const char *addr, const char *name,
    int64_t when, struct perr *err)
{
	static const char	 sql[] = "INSERT INTO address (addr, name,"
	    " use_count, last_used) VALUES (?1, ?2, 1, ?3)"
	    " ON CONFLICT (addr) DO UPDATE SET use_count = use_count + 1,"
	    " last_used = max(last_used, excluded.last_used),"
	    " name = coalesce(excluded.name, name)";
	sqlite3_stmt		*st;

	if (addr == NULL || *addr == '\0')
		return 0;
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (store_bind_text(st, 1, addr) != SQLITE_OK ||
	    store_bind_text(st, 2, name != NULL && *name != '\0' ? name :
	    NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, when) != SQLITE_OK)
		return bind_fail(s, st, "note an address", err);
	return store_step_done(s, st, "note an address", err);
}

int
store_address_complete(struct store *s, const char *prefix, int limit,
    store_address_cb cb, void *arg, struct perr *err)
{
	/*
	 * Written-to addresses and the senders of stored mail, matched on the
	 * address or on any word of the name; most used first. LIKE is
	 * case-insensitive for ASCII; '\' escapes the user's % and _.
	 */
	static const char	 sql[] = "SELECT addr, max(name), sum(n) AS uses,"
	    " max(t) AS last FROM ("
	    "  SELECT addr, name, use_count AS n, last_used AS t FROM address"
	    "  WHERE addr LIKE ?1 ESCAPE '\\' OR name LIKE ?1 ESCAPE '\\'"
	    "   OR name LIKE ?2 ESCAPE '\\'"
	    "  UNION ALL"
	    "  SELECT from_addr, from_name, count(*), max(date) FROM message"
	    "  WHERE from_addr IS NOT NULL AND from_addr <> '' AND"
	    "   (from_addr LIKE ?1 ESCAPE '\\' OR from_name LIKE ?1 ESCAPE '\\'"
	    "   OR from_name LIKE ?2 ESCAPE '\\')"
	    "  GROUP BY from_addr COLLATE NOCASE"
	    " ) GROUP BY addr COLLATE NOCASE ORDER BY uses DESC, last DESC,"
	    " addr LIMIT ?3";
	sqlite3_stmt		*st;
	char			*esc, *p1, *p2;
	size_t			 i, k = 0;
	int			 rc, ret = 0;

	if (prefix == NULL)
		prefix = "";
	esc = xmalloc(strlen(prefix) * 2 + 1);
	for (i = 0; prefix[i] != '\0'; i++) {
		if (prefix[i] == '%' || prefix[i] == '_' || prefix[i] == '\\')
			esc[k++] = '\\';
		esc[k++] = prefix[i];
	}
	esc[k] = '\0';
	p1 = xasprintf("%s%%", esc);
	p2 = xasprintf("%% %s%%", esc);
	free(esc);
	if ((st = store_stmt(s, sql, err)) == NULL) {
		free(p1);
		free(p2);
		return -1;
	}
	if (store_bind_text(st, 1, p1) != SQLITE_OK ||
	    store_bind_text(st, 2, p2) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, limit > 0 ? limit : -1) != SQLITE_OK) {
		free(p1);
		free(p2);
		return bind_fail(s, st, "complete an address", err);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = cb(arg, store_col_text(st, 0), store_col_text(st, 1),
		    sqlite3_column_int64(st, 2));
		if (ret != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_sqlerr(s, "complete an address", err);
	store_stmt_done(s, st);
	free(p1);
	free(p2);
	return ret;
}
