/*
 * outbox.c - messages waiting for SMTP, and the addresses used before.
 *
 * An outbox row holds the whole message as built (its Bcc header still in
 * it: the envelope is read from the message at submission), its state
 * (store.h) and, once some recipients took it and others did not, the
 * recipients still to be served. A submission claims the row first
 * (WAITING or FAILED -> UNKNOWN, in one UPDATE, so two posta processes
 * flushing at once never both send it) and settles it after the server's
 * answer; the row is deleted once the server has answered 250 for every
 * recipient, so a crash in between leaves it UNKNOWN, not WAITING. When
 * the recipients left were refused some for now and some for good, the
 * row is split (store_outbox_split: a second row with the same message for
 * some of them), so each part keeps a state of its own.
 *
 * The states of a row (enum store_outbox_state), each transition by the
 * function named on it:
 *
 *                 store_outbox_add()
 *                         |
 *                         v
 *     +---------------> WAITING
 *     |                   |  store_outbox_sending(): the claim
 *     |                   v
 *     |               UNKNOWN ---- store_outbox_remove() ----> (deleted)
 *     |    sending()   |  |  |     the server took it for all
 *     |   +----------> |  |  +---- store_outbox_unknown(): no answer,
 *     |   |            |  |        it stays (sent or not, who knows)
 *     |   |  failed()  |  |  refused()
 *     |   +-- FAILED <-+  +--> REFUSED
 *     |        |                  |
 *     +--------+------------------+---- store_outbox_retry(): the user's
 *                                       (from UNKNOWN too)
 *
 *   store_outbox_drop() (the user): any state but a live claim -> deleted.
 *   store_outbox_split(): a second row, FAILED or REFUSED, for some of
 *   the recipients left (store_outbox_set_rcpt() names the rest).
 *
 * Invariants: only WAITING and FAILED are claimed, and a claim is one
 * UPDATE, so two processes never both send a row; a row is never WAITING
 * after a submission began, so a crash leaves UNKNOWN, which nothing
 * sends again without the user; retry and drop refuse a row whose
 * claimant still runs (outbox_unclaimed_change()).
 *
 * The address table counts the addresses the user wrote to; completion
 * adds the senders of stored messages, so both kinds are offered.
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store-int.h"
#include "util/i18n.h"

#define OUTBOX_COLS	"id, account_id, created_at, attempts, state," \
			" last_error, rcpt, length(raw), raw"

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
		return bind_fail(s, st, N_("add to the outbox"), err);
	if (store_step_done(s, st, N_("add to the outbox"), err) != 0)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Fill o from a row of OUTBOX_COLS; strings and raw point into SQLite. */
static void
outbox_row(sqlite3_stmt *st, struct store_outbox *o)
{
	int	state = sqlite3_column_int(st, 4);

	memset(o, 0, sizeof *o);
	o->id = sqlite3_column_int64(st, 0);
	o->account_id = sqlite3_column_int64(st, 1);
	o->created_at = sqlite3_column_int64(st, 2);
	o->attempts = sqlite3_column_int(st, 3);
	/* The schema's CHECK keeps state in range. */
	o->state = (enum store_outbox_state)state;
	o->last_error = (char *)store_col_text(st, 5);
	o->rcpt = store_col_text(st, 6);
	o->size = (size_t)sqlite3_column_int64(st, 7);
	o->raw = sqlite3_column_blob(st, 8);
}

int
store_outbox_list(struct store *s, int64_t account_id, store_outbox_cb cb,
    void *arg, struct perr *err)
{
	static const char	 sql[] = "SELECT " OUTBOX_COLS " FROM outbox"
	    " WHERE ?1 = 0 OR account_id = ?1 ORDER BY id";
	struct store_outbox	 o;
	sqlite3_stmt		*st;
	int			 rc, ret = 0;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK)
		return bind_fail(s, st, N_("list the outbox"), err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		outbox_row(st, &o);
		if ((ret = cb(arg, &o)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_sqlerr(s, N_("list the outbox"), err);
	store_stmt_done(s, st);
	return ret;
}

int
store_outbox_get(struct store *s, int64_t id, int64_t *account_id,
    enum store_outbox_state *state, void **raw, size_t *len,
    struct perr *err)
{
	static const char	 sql[] = "SELECT " OUTBOX_COLS " FROM outbox"
	    " WHERE id = ?1";
	struct store_outbox	 o;
	sqlite3_stmt		*st;
	int			 rc;

	*raw = NULL;
	*len = 0;
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return bind_fail(s, st, N_("read the outbox"), err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		store_stmt_done(s, st);
		return perr_set(err, PERR_NOTFOUND, _("%s: no message %lld in "
		    "the outbox"), s->path, (long long)id);
	}
	if (rc != SQLITE_ROW)
		return bind_fail(s, st, N_("read the outbox"), err);
	outbox_row(st, &o);
	if (account_id != NULL)
		*account_id = o.account_id;
	if (state != NULL)
		*state = o.state;
	*len = o.size;
	*raw = xmalloc(o.size + 1);
	if (o.size > 0)
		memcpy(*raw, o.raw, o.size);
	((char *)*raw)[o.size] = '\0';
	store_stmt_done(s, st);
	return 0;
}

/*
 * Run sql on one row: ?1 = id, ?2 = account_id (0: any), and, when the
 * statement has them, ?3 = text and ?4 = state. No row: PERR_NOTFOUND.
 */
static int
outbox_change(struct store *s, const char *sql, int64_t account_id,
    int64_t id, const char *text, enum store_outbox_state state,
    const char *what, struct perr *err)
{
	sqlite3_stmt	*st;
	int		 n;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	n = sqlite3_bind_parameter_count(st);
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, account_id) != SQLITE_OK ||
	    (n >= 3 && store_bind_text(st, 3, text) != SQLITE_OK) ||
	    (n >= 4 && sqlite3_bind_int(st, 4, (int)state) != SQLITE_OK))
		return bind_fail(s, st, what, err);
	if (store_step_done(s, st, what, err) != 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return perr_set(err, PERR_NOTFOUND, _("%s: no message %lld in "
		    "the outbox"), s->path, (long long)id);
	return 0;
}

int
store_outbox_sending(struct store *s, int64_t id, char **rcpt,
    struct perr *err)
{
	/* One statement: the claim and what it claimed cannot drift apart. */
	static const char	 sql[] = "UPDATE outbox SET state = ?2,"
	    " last_error = ?3, claim_pid = ?6 WHERE id = ?1"
	    " AND state IN (?4, ?5) RETURNING rcpt";
	sqlite3_stmt		*st;
	char			 text[128];
	int			 rc;

	if (rcpt != NULL)
		*rcpt = NULL;
	(void)snprintf(text, sizeof text, _("submission started at %lld and "
	    "never confirmed"), (long long)time(NULL));
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, STORE_OUTBOX_UNKNOWN) != SQLITE_OK ||
	    store_bind_text(st, 3, text) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, STORE_OUTBOX_WAITING) != SQLITE_OK ||
	    sqlite3_bind_int(st, 5, STORE_OUTBOX_FAILED) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, (int64_t)getpid()) != SQLITE_OK)
		return bind_fail(s, st, N_("claim an outbox message"), err);
	/* SQLite makes the whole change in the first step (RETURNING). */
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return bind_fail(s, st, N_("claim an outbox message"), err);
	if (rc == SQLITE_ROW && rcpt != NULL && store_col_text(st, 0) != NULL)
		*rcpt = xstrdup(store_col_text(st, 0));
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : 1;
}

/* The end of a try: attempts + 1, state, and why (never empty). */
static int
outbox_settle(struct store *s, int64_t id, enum store_outbox_state state,
    const char *error, struct perr *err)
{
	return outbox_change(s, "UPDATE outbox SET attempts = attempts + 1,"
	    " state = ?4, last_error = ?3, claim_pid = NULL"
	    " WHERE id = ?1 AND (?2 = 0 OR account_id = ?2)", 0, id,
	    error != NULL && *error != '\0' ? error : "failed", state,
	    N_("settle an outbox message"), err);
}

int
store_outbox_failed(struct store *s, int64_t id, const char *error,
    struct perr *err)
{
	return outbox_settle(s, id, STORE_OUTBOX_FAILED, error, err);
}

int
store_outbox_refused(struct store *s, int64_t id, const char *error,
    struct perr *err)
{
	return outbox_settle(s, id, STORE_OUTBOX_REFUSED, error, err);
}

int
store_outbox_unknown(struct store *s, int64_t id, const char *error,
    struct perr *err)
{
	return outbox_settle(s, id, STORE_OUTBOX_UNKNOWN, error != NULL ?
	    error : _("the server's answer never came"), err);
}

int
store_outbox_set_rcpt(struct store *s, int64_t id, const char *rcpt,
    struct perr *err)
{
	return outbox_change(s, "UPDATE outbox SET rcpt = ?3 WHERE id = ?1"
	    " AND (?2 = 0 OR account_id = ?2)", 0, id, rcpt,
	    STORE_OUTBOX_WAITING, N_("note an outbox message's recipients"), err);
}

int
store_outbox_split(struct store *s, int64_t id, const char *rcpt,
    enum store_outbox_state state, const char *error, int64_t *new_id,
    struct perr *err)
{
	/* The same bytes, date and tries: only who and why differ. */
	static const char	 sql[] = "INSERT INTO outbox (account_id, raw,"
	    " created_at, attempts, state, last_error, rcpt)"
	    " SELECT account_id, raw, created_at, attempts + 1, ?2, ?3, ?4"
	    " FROM outbox WHERE id = ?1";
	sqlite3_stmt		*st;

	if (rcpt == NULL || *rcpt == '\0')
		return perr_set(err, PERR_GENERIC, _("%s: outbox %lld: a split "
		    "needs recipients"), s->path, (long long)id);
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, (int)state) != SQLITE_OK ||
	    store_bind_text(st, 3, error != NULL && *error != '\0' ? error :
	    "failed") != SQLITE_OK ||
	    store_bind_text(st, 4, rcpt) != SQLITE_OK)
		return bind_fail(s, st, N_("split an outbox message"), err);
	if (store_step_done(s, st, N_("split an outbox message"), err) != 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return perr_set(err, PERR_NOTFOUND, _("%s: no message %lld in "
		    "the outbox"), s->path, (long long)id);
	if (new_id != NULL)
		*new_id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Row id's claim_pid, 0 when none (or no such row: the update says so). */
static int
outbox_claim_pid(struct store *s, int64_t id, int64_t *pid, struct perr *err)
{
	static const char	 sql[] =
	    "SELECT claim_pid FROM outbox WHERE id = ?1";
	sqlite3_stmt		*st;
	int			 rc;

	*pid = 0;
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return bind_fail(s, st, N_("read an outbox claim"), err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*pid = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		return bind_fail(s, st, N_("read an outbox claim"), err);
	store_stmt_done(s, st);
	return 0;
}

/*
 * Whether a claimant still runs. One we may not signal (EPERM) does. A
 * pid reused by an unrelated process reads as running: the safe side (the
 * user is told to wait) of a rare mistake.
 */
static bool
claimant_runs(int64_t pid)
{
	return pid > 0 && pid <= INT32_MAX &&
	    (kill((pid_t)pid, 0) == 0 || errno != ESRCH);
}

/*
 * Run sql (?1 = id, ?2 = account_id (0: any), ?3 = the claim it must still
 * have) on a row nobody is sending right now: a claim held by a running
 * posta is refused with a message saying the row is being sent (doing
 * `verb` would send it twice or lose the outcome); a claim whose process is
 * gone (a crash mid-send) is the user's to override.
 */
static int
outbox_unclaimed_change(struct store *s, const char *sql, int64_t account_id,
    int64_t id, const char *what, const char *verb, struct perr *err)
{
	sqlite3_stmt	*st;
	int64_t		 pid;

	if (outbox_claim_pid(s, id, &pid, err) != 0)
		return -1;
	if (claimant_runs(pid))
		return perr_set(err, PERR_GENERIC, _("%s: message %lld of the "
		    "outbox is being sent right now (by posta, process %lld);"
		    " it is not %s"), s->path, (long long)id, (long long)pid,
		    _(verb));
	/* Only if nobody claimed it since: that claim would be sending. */
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, account_id) != SQLITE_OK ||
	    (pid != 0 ? sqlite3_bind_int64(st, 3, pid) :
	    sqlite3_bind_null(st, 3)) != SQLITE_OK)
		return bind_fail(s, st, what, err);
	if (store_step_done(s, st, what, err) != 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return perr_set(err, PERR_NOTFOUND, _("%s: no message %lld in "
		    "the outbox, or it is being sent right now"), s->path,
		    (long long)id);
	return 0;
}

int
store_outbox_retry(struct store *s, int64_t account_id, int64_t id,
    struct perr *err)
{
	/* state 0: STORE_OUTBOX_WAITING */
	return outbox_unclaimed_change(s, "UPDATE outbox SET state = 0,"
	    " last_error = NULL, claim_pid = NULL WHERE id = ?1"
	    " AND (?2 = 0 OR account_id = ?2) AND claim_pid IS ?3",
	    account_id, id, N_("retry an outbox message"), N_("queued again"), err);
}

int
store_outbox_drop(struct store *s, int64_t account_id, int64_t id,
    struct perr *err)
{
	return outbox_unclaimed_change(s, "DELETE FROM outbox WHERE id = ?1"
	    " AND (?2 = 0 OR account_id = ?2) AND claim_pid IS ?3",
	    account_id, id, N_("drop an outbox message"), N_("dropped"), err);
}

int
store_outbox_remove(struct store *s, int64_t account_id, int64_t id,
    struct perr *err)
{
	return outbox_change(s, "DELETE FROM outbox WHERE id = ?1"
	    " AND (?2 = 0 OR account_id = ?2)",
	    account_id, id, NULL, STORE_OUTBOX_WAITING,
	    N_("remove an outbox message"), err);
}

int
store_outbox_count(struct store *s, int64_t account_id, int64_t *waiting,
    int64_t *held, struct perr *err)
{
	/* 0, 1: WAITING, FAILED; 2, 3: UNKNOWN, REFUSED (store.h). */
	static const char	 sql[] = "SELECT"
	    " count(*) FILTER (WHERE state IN (0, 1)),"
	    " count(*) FILTER (WHERE state IN (2, 3))"
	    " FROM outbox WHERE ?1 = 0 OR account_id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK)
		return bind_fail(s, st, N_("count the outbox"), err);
	if (sqlite3_step(st) != SQLITE_ROW)
		return bind_fail(s, st, N_("count the outbox"), err);
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
		return bind_fail(s, st, N_("note an address"), err);
	return store_step_done(s, st, N_("note an address"), err);
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
	static const char	 sql[] = "SELECT addr, max(name), sum(n) AS "
	    "uses, max(t) AS last FROM ("
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
		return bind_fail(s, st, N_("complete an address"), err);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = cb(arg, store_col_text(st, 0), store_col_text(st, 1),
		    sqlite3_column_int64(st, 2));
		if (ret != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_sqlerr(s, N_("complete an address"), err);
	store_stmt_done(s, st);
	free(p1);
	free(p2);
	return ret;
}
