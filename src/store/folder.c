/* folder.c - accounts and folders: typed queries over the folder table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store-int.h"
#include "util/i18n.h"

/* ---- accounts ---------------------------------------------------------- */

static const char *
proto_name(enum store_protocol p)
{
	switch (p) {
	case STORE_IMAP:
		return "imap";
	case STORE_POP3:
		return "pop3";
	}
	return NULL;
}

static int
proto_parse(const char *s, enum store_protocol *p)
{
	if (s != NULL && strcmp(s, "imap") == 0)
		*p = STORE_IMAP;
	else if (s != NULL && strcmp(s, "pop3") == 0)
		*p = STORE_POP3;
	else
		return -1;
	return 0;
}

int
store_account_find(struct store *s, const char *name, int64_t *id,
    enum store_protocol *proto, struct perr *err)
{
	static const char	 sql[] =
	    "SELECT id, protocol FROM account WHERE name = ?1";
	sqlite3_stmt		*st;
	enum store_protocol	 p = STORE_IMAP;
	int			 rc;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (store_bind_text(st, 1, name) != SQLITE_OK) {
		store_sqlerr(s, N_("find account"), err);
		store_stmt_done(s, st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (id != NULL)
			*id = sqlite3_column_int64(st, 0);
		if (proto_parse(store_col_text(st, 1), &p) == -1)
			rc = perr_set(err, PERR_STORE, _("%s: account %s has "
			    "an unknown protocol"), s->path, name);
		else if (proto != NULL)
			*proto = p;
	} else if (rc == SQLITE_DONE)
		perr_set(err, PERR_NOTFOUND, _("%s: no account named %s"),
		    s->path, name);
	else
		store_sqlerr(s, N_("find account"), err);
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_account_ensure(struct store *s, const char *name,
    enum store_protocol proto, int64_t *id, struct perr *err)
{
	static const char	 sql[] =
	    "INSERT INTO account(name, protocol) VALUES (?1, ?2)";
	sqlite3_stmt		*st;
	enum store_protocol	 have;
	const char		*pname;
	struct perr		 e;

	if ((pname = proto_name(proto)) == NULL)
		return perr_set(err, PERR_STORE, _("%s: account %s: unknown "
		    "protocol %d"), s->path, name, (int)proto);
	perr_clear(&e);
	if (store_account_find(s, name, id, &have, &e) == 0) {
		if (have != proto)
			return perr_set(err, PERR_STORE, _("%s: account %s is "
			    "stored as %s but configured as %s; rename the "
			    "account or remove its stored mail"), s->path,
			    name, proto_name(have), pname);
		return 0;
	}
	if (e.code != PERR_NOTFOUND) {
		if (err != NULL)
			*err = e;
		return -1;
	}

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (store_bind_text(st, 1, name) != SQLITE_OK ||
	    store_bind_text(st, 2, pname) != SQLITE_OK) {
		store_sqlerr(s, N_("add account"), err);
		store_stmt_done(s, st);
		return -1;
	}
	if (store_step_done(s, st, N_("add account"), err) == -1)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* ---- folders ----------------------------------------------------------- */

#define FOLDER_COLS \
	"f.id, f.account_id, f.name, f.remote_name, f.delimiter, " \
	"f.special_use, f.subscribed, f.noselect, f.uidvalidity, f.uidnext, " \
	"f.highestmodseq, f.last_sync"
#define FOLDER_NCOLS	12

/* Fill f from the current row; the strings are borrowed from SQLite. */
static void
folder_row(sqlite3_stmt *st, struct store_folder *f)
{
	const char	*d;

	memset(f, 0, sizeof *f);
	f->id = sqlite3_column_int64(st, 0);
	f->account_id = sqlite3_column_int64(st, 1);
	f->name = (char *)store_col_text(st, 2);
	f->remote_name = (char *)store_col_text(st, 3);
	d = store_col_text(st, 4);
	f->delimiter = d != NULL ? d[0] : '\0';
	f->special_use = (enum store_special)sqlite3_column_int(st, 5);
	f->subscribed = sqlite3_column_int(st, 6) != 0;
	f->noselect = sqlite3_column_int(st, 7) != 0;
	f->uidvalidity = (uint32_t)sqlite3_column_int64(st, 8);
	f->uidnext = (uint32_t)sqlite3_column_int64(st, 9);
	f->highestmodseq = (uint64_t)sqlite3_column_int64(st, 10);
	f->last_sync = sqlite3_column_int64(st, 11);
}

void
store_folder_free(struct store_folder *f)
{
	if (f == NULL)
		return;
	free(f->name);
	free(f->remote_name);
	memset(f, 0, sizeof *f);
}

/*
 * Step a bound lookup and copy its one row into *f (caller frees with
 * store_folder_free). `what` names the folder for the not-found message.
 */
static int
folder_fetch(struct store *s, sqlite3_stmt *st, struct store_folder *f,
    const char *what, struct perr *err)
{
	int	rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		folder_row(st, f);
		f->name = f->name != NULL ? xstrdup(f->name) : NULL;
		f->remote_name = f->remote_name != NULL ?
		    xstrdup(f->remote_name) : NULL;
	} else if (rc == SQLITE_DONE)
		perr_set(err, PERR_NOTFOUND, _("%s: no folder %s"), s->path,
		    what);
	else
		store_sqlerr(s, N_("look up folder"), err);
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
bind_fail(struct store *s, sqlite3_stmt *st, const char *what,
    struct perr *err)
{
	store_sqlerr(s, what, err);
	store_stmt_done(s, st);
	return -1;
}

int
store_folder_get(struct store *s, int64_t id, struct store_folder *f,
    struct perr *err)
{
	static const char	 sql[] =
	    "SELECT " FOLDER_COLS " FROM folder f WHERE f.id = ?1";
	sqlite3_stmt		*st;
	char			 what[32];

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return bind_fail(s, st, N_("look up folder"), err);
	(void)snprintf(what, sizeof what, _("with id %lld"), (long long)id);
	return folder_fetch(s, st, f, what, err);
}

int
store_folder_by_name(struct store *s, int64_t account_id, const char *name,
    struct store_folder *f, struct perr *err)
{
	static const char	 sql[] = "SELECT " FOLDER_COLS
	    " FROM folder f WHERE f.account_id = ?1 AND f.name = ?2";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    store_bind_text(st, 2, name) != SQLITE_OK)
		return bind_fail(s, st, N_("look up folder"), err);
	return folder_fetch(s, st, f, name, err);
}

int
store_folder_by_remote(struct store *s, int64_t account_id,
    const char *remote_name, struct store_folder *f, struct perr *err)
{
	static const char	 sql[] = "SELECT " FOLDER_COLS
	    " FROM folder f WHERE f.account_id = ?1 AND f.remote_name = ?2";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    store_bind_text(st, 2, remote_name) != SQLITE_OK)
		return bind_fail(s, st, N_("look up folder"), err);
	return folder_fetch(s, st, f, remote_name, err);
}

int
store_folder_by_special(struct store *s, int64_t account_id,
    enum store_special use, struct store_folder *f, struct perr *err)
{
	static const char	 sql[] = "SELECT " FOLDER_COLS
	    " FROM folder f WHERE f.account_id = ?1 AND f.special_use = ?2"
	    " ORDER BY f.id LIMIT 1";
	sqlite3_stmt		*st;
	char			 what[48];

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, (int)use) != SQLITE_OK)
		return bind_fail(s, st, N_("look up folder"), err);
	(void)snprintf(what, sizeof what, _("with special use %d"), (int)use);
	return folder_fetch(s, st, f, what, err);
}

int
store_folder_upsert(struct store *s, const struct store_folder *f,
    int64_t *id, struct perr *err)
{
	/* A server folder is known by its remote name... */
	static const char	 sql_remote[] =
	    "INSERT INTO folder(account_id, name, remote_name, delimiter,"
	    " special_use, subscribed, noselect)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT(account_id, remote_name) DO UPDATE SET"
	    " name = excluded.name, delimiter = excluded.delimiter,"
	    " special_use = excluded.special_use,"
	    " subscribed = excluded.subscribed, noselect = excluded.noselect"
	    " RETURNING id";
	/* ...a local one by its name, and never takes over a server one. */
	static const char	 sql_local[] =
	    "INSERT INTO folder(account_id, name, remote_name, delimiter,"
	    " special_use, subscribed, noselect)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT(account_id, name) DO UPDATE SET"
	    " delimiter = excluded.delimiter,"
	    " special_use = excluded.special_use,"
	    " subscribed = excluded.subscribed, noselect = excluded.noselect"
	    " WHERE remote_name IS NULL"
	    " RETURNING id";
	sqlite3_stmt		*st;
	char			 delim[2] = { f->delimiter, '\0' };
	int			 rc;

	if (f->name == NULL)
		return perr_set(err, PERR_STORE, _("%s: a folder needs a name"),
		    s->path);
	st = store_stmt(s, f->remote_name != NULL ? sql_remote : sql_local,
	    err);
	if (st == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, f->account_id) != SQLITE_OK ||
	    store_bind_text(st, 2, f->name) != SQLITE_OK ||
	    store_bind_text(st, 3, f->remote_name) != SQLITE_OK ||
	    store_bind_text(st, 4, f->delimiter ? delim : NULL) != SQLITE_OK ||
	    sqlite3_bind_int(st, 5, (int)f->special_use) != SQLITE_OK ||
	    sqlite3_bind_int(st, 6, f->subscribed) != SQLITE_OK ||
	    sqlite3_bind_int(st, 7, f->noselect) != SQLITE_OK)
		return bind_fail(s, st, N_("save folder"), err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (id != NULL)
			*id = sqlite3_column_int64(st, 0);
		/* Run RETURNING to completion so the write is finished. */
		rc = sqlite3_step(st);
	} else if (rc == SQLITE_DONE) {
		store_stmt_done(s, st);
		return perr_set(err, PERR_STORE, _("%s: folder name %s is "
		    "taken by a server folder"), s->path, f->name);
	}
	if (rc != SQLITE_DONE) {
		perr_set(err, PERR_STORE, _("%s: save folder %s: %s"), s->path,
		    f->name, sqlite3_errmsg(s->db));
		store_stmt_done(s, st);
		return -1;
	}
	store_stmt_done(s, st);
	return 0;
}

/* The folders of an account in list order, with (counts) or without. */
static int
folder_list(struct store *s, int64_t account_id, bool counts,
    store_folder_cb cb, void *arg, struct perr *err)
{
	/* The counts are the row's, kept by triggers (schema.c, v10). */
	static const char	 sql_counts[] = "SELECT " FOLDER_COLS ","
	    " f.total, f.unread"
	    " FROM folder f WHERE f.account_id = ?1"
	    " ORDER BY f.special_use = 1 DESC, f.name COLLATE NOCASE, f.name";
	static const char	 sql_bare[] = "SELECT " FOLDER_COLS
	    " FROM folder f WHERE f.account_id = ?1"
	    " ORDER BY f.special_use = 1 DESC, f.name COLLATE NOCASE, f.name";
	sqlite3_stmt		*st;
	struct store_folder	 f;
	int			 rc, ret = 0;

	if ((st = store_stmt(s, counts ? sql_counts : sql_bare, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK)
		return bind_fail(s, st, N_("list folders"), err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		folder_row(st, &f);
		if (counts) {
			f.total = sqlite3_column_int64(st, FOLDER_NCOLS);
			f.unread = sqlite3_column_int64(st, FOLDER_NCOLS + 1);
		}
		if ((ret = cb(arg, &f)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_sqlerr(s, N_("list folders"), err);
	store_stmt_done(s, st);
	return ret;
}

int
store_folder_list(struct store *s, int64_t account_id, store_folder_cb cb,
    void *arg, struct perr *err)
{
	return folder_list(s, account_id, true, cb, arg, err);
}

int
store_folder_walk(struct store *s, int64_t account_id, store_folder_cb cb,
    void *arg, struct perr *err)
{
	return folder_list(s, account_id, false, cb, arg, err);
}

int
store_folder_counts(struct store *s, int64_t folder_id, int64_t *total,
    int64_t *unread, struct perr *err)
{
	/*
	 * One row, kept by triggers (schema.c, v10). The aggregate makes a
	 * folder that is gone 0 and 0, as the counts of its messages were.
	 */
	static const char	 sql[] =
	    "SELECT coalesce(max(total), 0), coalesce(max(unread), 0)"
	    " FROM folder WHERE id = ?1";
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK)
		return bind_fail(s, st, N_("count messages"), err);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (total != NULL)
			*total = sqlite3_column_int64(st, 0);
		if (unread != NULL)
			*unread = sqlite3_column_int64(st, 1);
	} else
		store_sqlerr(s, N_("count messages"), err);
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Step a bound UPDATE/DELETE of one folder row; none is PERR_NOTFOUND. */
static int
folder_write(struct store *s, sqlite3_stmt *st, int64_t id, const char *what,
    struct perr *err)
{
	if (store_step_done(s, st, what, err) == -1)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return perr_set(err, PERR_NOTFOUND, _("%s: %s: no folder with "
		    "id %lld"), s->path, _(what), (long long)id);
	return 0;
}

int
store_folder_set_sync(struct store *s, int64_t folder_id,
    uint32_t uidvalidity, uint32_t uidnext, uint64_t highestmodseq,
    int64_t last_sync, struct perr *err)
{
	static const char	 sql[] = "UPDATE folder SET uidvalidity = ?2,"
	    " uidnext = ?3, highestmodseq = ?4, last_sync = ?5 WHERE id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, uidvalidity) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, uidnext) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, (int64_t)highestmodseq) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, last_sync) != SQLITE_OK)
		return bind_fail(s, st, N_("save folder sync state"), err);
	return folder_write(s, st, folder_id, N_("save folder sync state"), err);
}

int
store_folder_rename(struct store *s, int64_t folder_id, const char *new_name,
    const char *new_remote, struct perr *err)
{
	static const char	 sql[] =
	    "UPDATE folder SET name = ?2, remote_name = ?3 WHERE id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK ||
	    store_bind_text(st, 2, new_name) != SQLITE_OK ||
	    store_bind_text(st, 3, new_remote) != SQLITE_OK)
		return bind_fail(s, st, N_("rename folder"), err);
	return folder_write(s, st, folder_id, N_("rename folder"), err);
}

int
store_folder_delete(struct store *s, int64_t folder_id, struct perr *err)
{
	/* Messages, bodies and search rows follow by cascade and trigger. */
	static const char	 sql[] = "DELETE FROM folder WHERE id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK)
		return bind_fail(s, st, N_("delete folder"), err);
	return folder_write(s, st, folder_id, N_("delete folder"), err);
}

int
store_folder_forget_uids(struct store *s, int64_t folder_id,
    struct perr *err)
{
	static const char	 sql[] = "UPDATE message SET uid = NULL,"
	    " modseq = 0 WHERE folder_id = ?1 AND uid IS NOT NULL";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK)
		return bind_fail(s, st, N_("forget UIDs"), err);
	return store_step_done(s, st, N_("forget UIDs"), err);
}
