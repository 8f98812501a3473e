/*
 * journal.c - the offline journal, and the local row changes of user
 * actions that the rest of src/store does not make (move, copy, the
 * \Deleted walk of an expunge, subscription).
 *
 * Storage. Schema v1's CHECK allows the ops flags, move, copy, delete,
 * expunge, folder_create, folder_rename, folder_delete and append. The
 * subscription ops ride on the folder ones: for folder_create and
 * folder_delete, flags_add says which parts the entry covers, JF_MAILBOX
 * (CREATE / DELETE the mailbox) and JF_SUBSCRIPTION (SUBSCRIBE /
 * UNSUBSCRIBE). A new folder is created and subscribed (the sync pulls
 * subscribed folders), a deleted one unsubscribed and deleted; subscribe
 * alone is folder_create with JF_SUBSCRIPTION only. The API never shows the
 * bits: it speaks enum store_jop. A later schema may widen the CHECK and
 * keep reading these rows the same way. "delete" is never written: a
 * delete is a move to Trash or a \Deleted flag, and an expunge is its own
 * op, so the replay has one meaning per op.
 *
 * Order is the id (INTEGER PRIMARY KEY, only ever appended), and the
 * (account_id, state, id) index serves both the replay's walk and the
 * status line's counts.
 *
 * The states of an entry (enum store_jstate), each transition by the
 * function named on it (the replay, src/sync/sync-replay.c and the
 * drivers, calls all but retry and drop, which are the user's):
 *
 *     store_journal_append()
 *              |
 *              v
 *          PENDING ------ store_journal_sent() ------> SENT
 *            ^  ^                                     |  |  |
 *            |  +------- store_journal_defer() -------+  |  |
 *            |           (a passing reason: the          |  |
 *            |           connection broke)               |  |
 *            |                                           |  |
 *            |           store_journal_failed() <--------+  |
 *            |           (the server refused it)            |
 *            |                      |                       |
 *            |                      v                       v
 *            +---------------- FAILED              store_journal_done():
 *          store_journal_retry()    |              the server said yes
 *          (the user)               |                       |
 *                                   v                       v
 *                     store_journal_drop() (the user) --> (deleted)
 *
 * A crash leaves an entry SENT: the next replay asks the server whether
 * it was done before it sends it again. PENDING may also be failed,
 * deferred or done straight away (a batch settled without a word to the
 * server). store_journal_batch() walks PENDING and SENT only, in id
 * order; FAILED entries wait for the user and never block the ones after
 * them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store-int.h"
#include "util/i18n.h"

/* For folder_create / folder_delete rows: which parts (see above). */
#define JF_MAILBOX		1u
#define JF_SUBSCRIPTION		2u

#define JCOLS \
	"j.id, j.account_id, j.op, j.message_id, j.folder_id, j.folder_name, " \
	"j.uid, j.dest_folder_id, j.dest_name, j.flags_add, j.flags_remove, " \
	"j.keywords_add, j.keywords_remove, j.created_at, j.attempts, " \
	"j.last_error, j.state"

/* How an op is stored: its text and, for folder ops, its JF_* bits. */
static const struct {
	enum store_jop	 op;
	const char	*text;
	unsigned	 parts;
	const char	*name;		/* for people */
} jops[] = {
	{ STORE_JOP_FLAGS, "flags", 0, N_("flags") },
	{ STORE_JOP_MOVE, "move", 0, N_("move") },
	{ STORE_JOP_COPY, "copy", 0, N_("copy") },
	{ STORE_JOP_EXPUNGE, "expunge", 0, N_("expunge") },
	{ STORE_JOP_FOLDER_CREATE, "folder_create",
	    JF_MAILBOX | JF_SUBSCRIPTION, N_("create folder") },
	{ STORE_JOP_SUBSCRIBE, "folder_create", JF_SUBSCRIPTION, N_("subscribe") },
	{ STORE_JOP_FOLDER_RENAME, "folder_rename", 0, N_("rename folder") },
	{ STORE_JOP_FOLDER_DELETE, "folder_delete",
	    JF_MAILBOX | JF_SUBSCRIPTION, N_("delete folder") },
	{ STORE_JOP_UNSUBSCRIBE, "folder_delete", JF_SUBSCRIPTION,
	    N_("unsubscribe") },
	{ STORE_JOP_APPEND, "append", 0, N_("append") },
};
#define NJOPS	(sizeof jops / sizeof jops[0])

static bool
is_folder_op(const char *text)
{
	return strcmp(text, "folder_create") == 0 ||
	    strcmp(text, "folder_delete") == 0;
}

const char *
store_jop_name(enum store_jop op)
{
	size_t	i;

	for (i = 0; i < NJOPS; i++)
		if (jops[i].op == op)
			return _(jops[i].name);
	return _("unknown");
}

static enum store_jop
jop_parse(const char *text, unsigned parts)
{
	size_t	i;

	if (text == NULL)
		return STORE_JOP_UNKNOWN;
	/* Rows written before the parts existed would have 0: whole op. */
	if (is_folder_op(text) && parts == 0)
		parts = JF_MAILBOX | JF_SUBSCRIPTION;
	for (i = 0; i < NJOPS; i++)
		if (strcmp(jops[i].text, text) == 0 &&
		    (!is_folder_op(text) || jops[i].parts == parts))
			return jops[i].op;
	return STORE_JOP_UNKNOWN;
}

static int
bind_fail(struct store *s, sqlite3_stmt *st, const char *what,
    struct perr *err)
{
	store_sqlerr(s, what, err);
	store_stmt_done(s, st);
	return -1;
}

/* Fill e from the current row; strings are borrowed from SQLite. */
static void
journal_row(sqlite3_stmt *st, struct store_journal *e)
{
	const char	*op;
	unsigned	 fadd;

	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(st, 0);
	e->account_id = sqlite3_column_int64(st, 1);
	op = store_col_text(st, 2);
	e->message_id = sqlite3_column_int64(st, 3);
	e->folder_id = sqlite3_column_int64(st, 4);
	e->folder_name = (char *)store_col_text(st, 5);
	e->uid = (uint32_t)sqlite3_column_int64(st, 6);
	e->dest_folder_id = sqlite3_column_int64(st, 7);
	e->dest_name = (char *)store_col_text(st, 8);
	fadd = (unsigned)sqlite3_column_int64(st, 9);
	e->flags_remove = (unsigned)sqlite3_column_int64(st, 10);
	e->keywords_add = (char *)store_col_text(st, 11);
	e->keywords_remove = (char *)store_col_text(st, 12);
	e->created_at = sqlite3_column_int64(st, 13);
	e->attempts = sqlite3_column_int(st, 14);
	e->last_error = (char *)store_col_text(st, 15);
	e->state = (enum store_jstate)sqlite3_column_int(st, 16);
	e->op = jop_parse(op, fadd);
	/* For folder ops the column holds the parts, not message flags. */
	e->flags_add = op != NULL && is_folder_op(op) ? 0 : fadd;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
store_journal_free(struct store_journal *e)
{
	if (e == NULL)
		return;
	free(e->folder_name);
	free(e->dest_name);
	free(e->keywords_add);
	free(e->keywords_remove);
	free(e->last_error);
	memset(e, 0, sizeof *e);
}

/* ---- appending and reading --------------------------------------------- */

int
store_journal_append(struct store *s, const struct store_journal *e,
    int64_t *id, struct perr *err)
{
	static const char	 sql[] = "INSERT INTO journal(account_id, op,"
	    " message_id, folder_id, folder_name, uid, dest_folder_id,"
	    " dest_name, flags_add, flags_remove, keywords_add,"
	    " keywords_remove, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
	sqlite3_stmt		*st;
	const char		*text = NULL;
	unsigned		 fadd = e->flags_add;
	size_t			 i;

	for (i = 0; i < NJOPS; i++)
		if (jops[i].op == e->op) {
			text = jops[i].text;
			if (is_folder_op(text))
				fadd = jops[i].parts;
			break;
		}
	if (text == NULL)
		return perr_set(err, PERR_STORE, _("%s: journal: unknown op %d"),
		    s->path, (int)e->op);
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, e->account_id) != SQLITE_OK ||
	    store_bind_text(st, 2, text) != SQLITE_OK ||
	    store_bind_nz(st, 3, e->message_id) != SQLITE_OK ||
	    store_bind_nz(st, 4, e->folder_id) != SQLITE_OK ||
	    store_bind_text(st, 5, e->folder_name) != SQLITE_OK ||
	    store_bind_nz(st, 6, e->uid) != SQLITE_OK ||
	    store_bind_nz(st, 7, e->dest_folder_id) != SQLITE_OK ||
	    store_bind_text(st, 8, e->dest_name) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 9, fadd) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 10, e->flags_remove) != SQLITE_OK ||
	    store_bind_text(st, 11, e->keywords_add) != SQLITE_OK ||
	    store_bind_text(st, 12, e->keywords_remove) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 13, e->created_at != 0 ? e->created_at :
	    (int64_t)time(NULL)) != SQLITE_OK)
		return bind_fail(s, st, N_("append to the journal"), err);
	if (store_step_done(s, st, N_("append to the journal"), err) == -1)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_journal_get(struct store *s, int64_t id, struct store_journal *e,
    struct perr *err)
{
	static const char	 sql[] =
	    "SELECT " JCOLS " FROM journal j WHERE j.id = ?1";
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return bind_fail(s, st, N_("read the journal"), err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		journal_row(st, e);
		e->folder_name = dup_or_null(e->folder_name);
		e->dest_name = dup_or_null(e->dest_name);
		e->keywords_add = dup_or_null(e->keywords_add);
		e->keywords_remove = dup_or_null(e->keywords_remove);
		e->last_error = dup_or_null(e->last_error);
	} else if (rc == SQLITE_DONE)
		perr_set(err, PERR_NOTFOUND, _("%s: no journal entry %lld"),
		    s->path, (long long)id);
	else
		store_sqlerr(s, N_("read the journal"), err);
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Step a bound query of JCOLS and hand every row to cb. */
static int
journal_walk(struct store *s, sqlite3_stmt *st, store_journal_cb cb,
    void *arg, const char *what, struct perr *err)
{
	struct store_journal	e;
	int			rc, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		journal_row(st, &e);
		if ((ret = cb(arg, &e)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_sqlerr(s, what, err);
	store_stmt_done(s, st);
	return ret;
}

int
store_journal_list(struct store *s, int64_t account_id, store_journal_cb cb,
    void *arg, struct perr *err)
{
	static const char	 sql[] = "SELECT " JCOLS " FROM journal j"
	    " WHERE ?1 = 0 OR j.account_id = ?1 ORDER BY j.id";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK)
		return bind_fail(s, st, N_("list the journal"), err);
	return journal_walk(s, st, cb, arg, N_("list the journal"), err);
}

static bool
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
batchable(enum store_jop op)
{
	return op == STORE_JOP_FLAGS || op == STORE_JOP_MOVE ||
	    op == STORE_JOP_COPY || op == STORE_JOP_EXPUNGE;
}

/* Can b ride in the same command as a (the batch's first entry)? */
static bool
same_batch(const struct store_journal *a, const struct store_journal *b)
{
	return batchable(a->op) && a->op == b->op && a->state == b->state &&
	    a->uid != 0 && b->uid != 0 &&
	    same_text(a->folder_name, b->folder_name) &&
	    same_text(a->dest_name, b->dest_name) &&
	    a->flags_add == b->flags_add &&
	    a->flags_remove == b->flags_remove &&
	    same_text(a->keywords_add, b->keywords_add) &&
	    same_text(a->keywords_remove, b->keywords_remove);
}

int
store_journal_batch(struct store *s, int64_t account_id, int max,
    store_journal_cb cb, void *arg, struct perr *err)
{
	/* The state index gives the waiting entries in id order. */
	static const char	 sql[] = "SELECT " JCOLS " FROM journal j"
	    " WHERE j.account_id = ?1 AND j.state IN (0, 1)"
	    " ORDER BY j.id LIMIT ?2";
	sqlite3_stmt		*st;
	struct store_journal	 first, e;
	int			 rc, n = 0, ret = 0;

	if (max <= 0)
		return 0;
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, max) != SQLITE_OK)
		return bind_fail(s, st, N_("read the journal"), err);
	memset(&first, 0, sizeof first);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		journal_row(st, &e);
		if (n == 0) {
			/* Keep the key: the row's strings die at the step. */
			first = e;
			first.folder_name = dup_or_null(e.folder_name);
			first.dest_name = dup_or_null(e.dest_name);
			first.keywords_add = dup_or_null(e.keywords_add);
			first.keywords_remove = dup_or_null(e.keywords_remove);
			first.last_error = NULL;
		} else if (!same_batch(&first, &e))
			break;
		n++;
		if ((ret = cb(arg, &e)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_sqlerr(s, N_("read the journal"), err);
	store_stmt_done(s, st);
	store_journal_free(&first);
	return ret;
}

int
store_journal_count(struct store *s, int64_t account_id, int64_t *waiting,
    int64_t *failed, struct perr *err)
{
	static const char	 sql[] = "SELECT"
	    " (SELECT count(*) FROM journal WHERE account_id = ?1"
	    "   AND state IN (0, 1)),"
	    " (SELECT count(*) FROM journal WHERE account_id = ?1"
	    "   AND state = 2)";
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK)
		return bind_fail(s, st, N_("count the journal"), err);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (waiting != NULL)
			*waiting = sqlite3_column_int64(st, 0);
		if (failed != NULL)
			*failed = sqlite3_column_int64(st, 1);
	} else
		store_sqlerr(s, N_("count the journal"), err);
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* ---- replay bookkeeping ------------------------------------------------- */

/* Step a bound write of one entry; no row changed is PERR_NOTFOUND. */
static int
journal_write(struct store *s, sqlite3_stmt *st, int64_t id, const char *what,
    struct perr *err)
{
	if (store_step_done(s, st, what, err) == -1)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return perr_set(err, PERR_NOTFOUND, _("%s: %s: no journal "
		    "entry %lld"), s->path, _(what), (long long)id);
	return 0;
}

/* UPDATE journal SET ... WHERE id = ?1 with an optional error text ?2. */
static int
journal_set(struct store *s, const char *sql, int64_t id, const char *error,
    const char *what, struct perr *err)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    (sqlite3_bind_parameter_count(st) >= 2 &&
	    store_bind_text(st, 2, error) != SQLITE_OK))
		return bind_fail(s, st, what, err);
	return journal_write(s, st, id, what, err);
}

int
store_journal_sent(struct store *s, int64_t id, struct perr *err)
{
	static const char	 sql[] =
	    "UPDATE journal SET state = 1 WHERE id = ?1";

	return journal_set(s, sql, id, NULL, N_("mark journal entry sent"), err);
}

/*
 * The replay resolved the UID of entry id's message (by Message-ID, or
 * where an earlier entry put it): write it into the entry, in the
 * transaction that marks it sent, so a check after a crash asks the
 * server about this very UID.
 */
int
store_journal_set_uid(struct store *s, int64_t id, uint32_t uid,
    struct perr *err)
{
	static const char	 sql[] =
	    "UPDATE journal SET uid = ?2 WHERE id = ?1 AND uid IS NULL";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, uid) != SQLITE_OK)
		return bind_fail(s, st, N_("set journal UID"), err);
	return store_step_done(s, st, N_("set journal UID"), err) == -1 ? -1 : 0;
}

int
store_journal_repoint(struct store *s, int64_t from_id, int64_t to_id,
    struct perr *err)
{
	static const char	 sql[] =
	    "UPDATE journal SET message_id = ?2 WHERE message_id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, from_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, to_id) != SQLITE_OK)
		return bind_fail(s, st, N_("move journal entries"), err);
	return store_step_done(s, st, N_("move journal entries"), err) == -1 ?
	    -1 : 0;
}

/*
 * Entry after_id put row message_id into folder (remote name) under uid.
 * The later entries on that row written without a UID in that folder get
 * it, up to and including the next move or expunge of the row (it leaves
 * the folder there; a later visit has another UID). This is what the
 * replay remembered in memory only, kept across a crash: it is written in
 * the transaction that settles after_id.
 */
int
store_journal_place(struct store *s, int64_t after_id, int64_t message_id,
    const char *folder, uint32_t uid, struct perr *err)
{
	static const char	 sql[] = "UPDATE journal SET uid = ?4"
	    " WHERE message_id = ?2 AND id > ?1 AND uid IS NULL"
	    " AND folder_name = ?3 AND id <= coalesce((SELECT min(id)"
	    "   FROM journal WHERE message_id = ?2 AND id > ?1"
	    "   AND op IN ('move', 'expunge')), 9223372036854775807)"
	    " AND op IN ('flags', 'move', 'expunge')";
	sqlite3_stmt		*st;

	if (message_id == 0 || folder == NULL || uid == 0)
		return 0;
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, after_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, message_id) != SQLITE_OK ||
	    store_bind_text(st, 3, folder) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, uid) != SQLITE_OK)
		return bind_fail(s, st, N_("place journal UIDs"), err);
	return store_step_done(s, st, N_("place journal UIDs"), err) == -1 ?
	    -1 : 0;
}

int
store_journal_done(struct store *s, int64_t id, struct perr *err)
{
	static const char	 sql[] = "DELETE FROM journal WHERE id = ?1";

	return journal_set(s, sql, id, NULL, N_("remove journal entry"), err);
}

int
store_journal_failed(struct store *s, int64_t id, const char *error,
    struct perr *err)
{
	static const char	 sql[] = "UPDATE journal SET state = 2,"
	    " attempts = attempts + 1, last_error = ?2 WHERE id = ?1";

	return journal_set(s, sql, id, error, N_("mark journal entry failed"),
	    err);
}

int
store_journal_defer(struct store *s, int64_t id, const char *error,
    struct perr *err)
{
	static const char	 sql[] = "UPDATE journal SET state = 0,"
	    " attempts = attempts + 1, last_error = ?2 WHERE id = ?1";

	return journal_set(s, sql, id, error, N_("defer journal entry"), err);
}

int
store_journal_retry(struct store *s, int64_t account_id, int64_t id,
    struct perr *err)
{
	static const char	 sql[] = "UPDATE journal SET state = 0"
	    " WHERE id = ?1 AND (?2 = 0 OR account_id = ?2)";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, account_id) != SQLITE_OK)
		return bind_fail(s, st, N_("retry journal entry"), err);
	return journal_write(s, st, id, N_("retry journal entry"), err);
}

int
store_journal_drop(struct store *s, int64_t account_id, int64_t id,
    struct perr *err)
{
	static const char	 sql[] = "DELETE FROM journal"
	    " WHERE id = ?1 AND (?2 = 0 OR account_id = ?2)";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, account_id) != SQLITE_OK)
		return bind_fail(s, st, N_("drop journal entry"), err);
	return journal_write(s, st, id, N_("drop journal entry"), err);
}

int
store_journal_forget_uids(struct store *s, int64_t folder_id,
    struct perr *err)
{
	static const char	 sql[] = "UPDATE journal SET uid = NULL"
	    " WHERE folder_id = ?1 AND uid IS NOT NULL";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK)
		return bind_fail(s, st, N_("forget journal UIDs"), err);
	return store_step_done(s, st, N_("forget journal UIDs"), err);
}

int
store_journal_holds(struct store *s, int64_t message_id, bool *held,
    struct perr *err)
{
	static const char	 sql[] =
	    "SELECT 1 FROM journal WHERE message_id = ?1 LIMIT 1";
	sqlite3_stmt		*st;
	int			 rc;

	*held = false;
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, message_id) != SQLITE_OK)
		return bind_fail(s, st, N_("look up the journal"), err);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return bind_fail(s, st, N_("look up the journal"), err);
	*held = rc == SQLITE_ROW;
	store_stmt_done(s, st);
	return 0;
}

struct flagfix {
	int64_t		id;
	unsigned	add, remove;
};

int
store_journal_reapply_flags(struct store *s, int64_t account_id,
    int64_t folder_id, struct perr *err)
{
	static const char	 sql[] = "SELECT j.message_id, j.flags_add,"
	    " j.flags_remove FROM journal j"
	    " JOIN message m ON m.id = j.message_id"
	    " WHERE j.account_id = ?1 AND j.op = 'flags'"
	    " AND (?2 = 0 OR m.folder_id = ?2) ORDER BY j.id";
	sqlite3_stmt		*st;
	struct flagfix		*v = NULL;
	struct perr		 ignored;
	size_t			 n = 0, i;
	int			 rc;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, folder_id) != SQLITE_OK)
		return bind_fail(s, st, N_("reapply journal flags"), err);
	/* Collected first: the updates must not run under the walk. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].id = sqlite3_column_int64(st, 0);
		v[n].add = (unsigned)sqlite3_column_int64(st, 1);
		v[n].remove = (unsigned)sqlite3_column_int64(st, 2);
		n++;
	}
	if (rc != SQLITE_DONE) {
		free(v);
		return bind_fail(s, st, N_("reapply journal flags"), err);
	}
	store_stmt_done(s, st);
	if (n == 0)
		return 0;
	if (store_begin(s, err) == -1) {
		free(v);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (store_msg_flags_change(s, v[i].id, v[i].add, v[i].remove,
		    err) == -1) {
			free(v);
			(void)store_rollback(s, &ignored);
			return -1;
		}
	free(v);
	return store_commit(s, err);
}

/* ---- the local side of user actions ------------------------------------- */

/* Step a bound write of one message row; none is PERR_NOTFOUND. */
static int
msg_write(struct store *s, sqlite3_stmt *st, int64_t id, const char *what,
    struct perr *err)
{
	if (store_step_done(s, st, what, err) == -1)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return perr_set(err, PERR_NOTFOUND, _("%s: %s: no message with "
		    "id %lld"), s->path, _(what), (long long)id);
	return 0;
}

int
store_msg_move(struct store *s, int64_t id, int64_t dest_folder_id,
    struct perr *err)
{
	static const char	 sql[] = "UPDATE message SET folder_id = ?2,"
	    " uid = NULL, modseq = 0 WHERE id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, dest_folder_id) != SQLITE_OK)
		return bind_fail(s, st, N_("move message"), err);
	return msg_write(s, st, id, N_("move message"), err);
}

static int
msg_copy(struct store *s, int64_t id, int64_t dest, int64_t *new_id,
    struct perr *err)
{
	/* Everything but the identity, the UID and the modseq. */
	static const char	 sql_msg[] = "INSERT INTO message(folder_id,"
	    " message_id, in_reply_to, refs, thread_id, date, internal_date,"
	    " from_name, from_addr, to_list, cc_list, subject, size, flags,"
	    " keywords, has_attachments, body_state, pop3_uidl, fetched_at,"
	    " sort_from, sort_subject, problem, fts_state)"
	    " SELECT ?2, message_id, in_reply_to, refs, thread_id, date,"
	    " internal_date, from_name, from_addr, to_list, cc_list, subject,"
	    " size, flags & ~32, keywords, has_attachments, body_state,"
	    " pop3_uidl, fetched_at, sort_from, sort_subject, problem,"
	    " fts_state FROM message WHERE id = ?1";
	static const char	 sql_body[] = "INSERT INTO body(message_id, "
	    "raw) SELECT ?2, raw FROM body WHERE message_id = ?1";
	/* The original's row, whole: the insert trigger skips a copy with
	 * its body (schema version 8) or indexed by posta (9) and replaces
	 * nothing else than the header row it wrote for one without. A copy
	 * of a row whose index waits for its body (fts_state 1) waits too:
	 * the original has no row to copy. */
	static const char	 sql_fts[] = "INSERT OR REPLACE INTO "
	    "message_fts"
	    "(rowid, subject, \"from\", \"to\", cc, body, attachment)"
	    " SELECT ?2, subject, \"from\", \"to\", cc, body, attachment"
	    " FROM message_fts WHERE rowid = ?1";
	sqlite3_stmt		*st;
	int64_t			 nid;

	if ((st = store_stmt(s, sql_msg, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, dest) != SQLITE_OK)
		return bind_fail(s, st, N_("copy message"), err);
	if (msg_write(s, st, id, N_("copy message"), err) == -1)
		return -1;
	nid = sqlite3_last_insert_rowid(s->db);

	if ((st = store_stmt(s, sql_body, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, nid) != SQLITE_OK)
		return bind_fail(s, st, N_("copy body"), err);
	if (store_step_done(s, st, N_("copy body"), err) == -1)
		return -1;

	/* The original may have been indexed in this transaction. */
	if (store_index_flush(s, err) == -1 ||
	    (st = store_stmt(s, sql_fts, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, nid) != SQLITE_OK)
		return bind_fail(s, st, N_("index copy"), err);
	if (store_step_done(s, st, N_("index copy"), err) == -1)
		return -1;
	if (new_id != NULL)
		*new_id = nid;
	return 0;
}

int
store_msg_copy(struct store *s, int64_t id, int64_t dest_folder_id,
    int64_t *new_id, struct perr *err)
{
	struct perr	ignored;

	/* Three statements, one change: a savepoint of its own. */
	if (store_begin(s, err) == -1)
		return -1;
	if (msg_copy(s, id, dest_folder_id, new_id, err) == -1) {
		(void)store_rollback(s, &ignored);
		return -1;
	}
	return store_commit(s, err);
}

int
store_msg_deleted(struct store *s, int64_t folder_id, store_uid_cb cb,
    void *arg, struct perr *err)
{
	static const char	 sql[] = "SELECT id, uid, flags, modseq,"
	    " keywords FROM message WHERE folder_id = ?1 AND (flags & 8) != 0"
	    " ORDER BY uid, id";

	return store_uid_walk(s, sql, folder_id, N_("list deleted messages"), cb,
	    arg, err);
}

int
store_folder_set_subscribed(struct store *s, int64_t folder_id,
    bool subscribed, struct perr *err)
{
	static const char	 sql[] =
	    "UPDATE folder SET subscribed = ?2 WHERE id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, subscribed) != SQLITE_OK)
		return bind_fail(s, st, N_("subscribe folder"), err);
	if (store_step_done(s, st, N_("subscribe folder"), err) == -1)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return perr_set(err, PERR_NOTFOUND, _("%s: subscribe folder: "
		    "no folder with id %lld"), s->path, (long long)folder_id);
	return 0;
}
