/*
 * pop3-uidl.c - the POP3 queries that join UIDLs with messages.
 *
 * "Delete on the server what the user deleted here" needs no mark of its
 * own: a UIDL row outlives its message on purpose (schema.c), so a UIDL
 * still on the server whose message is in no folder of the account is
 * exactly one the user deleted (or emptied from Trash). Moving a message
 * between folders keeps its pop3_uidl, so a move never counts as a delete.
 *
 * A message known first by a header hash (a pseudo-UIDL, src/sync/drv-pop3-pull.c)
 * is given its real UIDL when the server has one for it at last, instead
 * of being stored a second time (store_pop3_adopt).
 */
#include <stdint.h>
#include <string.h>

#include "store/store-int.h"
#include "util/i18n.h"

int
store_pop3_orphans(struct store *s, int64_t account_id, store_uidl_cb cb,
    void *arg, struct perr *err)
{
	/* NOT IN over an uncorrelated subquery: one pass, not one per row. */
	static const char	 sql[] = "SELECT u.uidl, u.first_seen"
	    " FROM pop3_uidl u WHERE u.account_id = ?1"
	    " AND u.deleted_from_server = 0 AND u.uidl NOT IN"
	    " (SELECT m.pop3_uidl FROM message m JOIN folder f"
	    "  ON f.id = m.folder_id WHERE f.account_id = ?1"
	    "  AND m.pop3_uidl IS NOT NULL)"
	    " ORDER BY u.first_seen";
	sqlite3_stmt		*st;
	int			 rc, ret = 0;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK) {
		store_sqlerr(s, N_("list locally deleted UIDLs"), err);
		store_stmt_done(s, st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = cb(arg, store_col_text(st, 0),
		    sqlite3_column_int64(st, 1));
		if (ret != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_sqlerr(s, N_("list locally deleted UIDLs"), err);
	store_stmt_done(s, st);
	return ret;
}

int
store_pop3_has_message(struct store *s, int64_t account_id,
    const char *message_id, int64_t size, bool *found, struct perr *err)
{
	static const char	 sql[] = "SELECT 1 FROM message m"
	    " JOIN folder f ON f.id = m.folder_id"
	    " WHERE m.message_id = ?1 AND f.account_id = ?2 AND m.size = ?3"
	    " LIMIT 1";
	sqlite3_stmt		*st;
	int			 rc;

	*found = false;
	if (message_id == NULL || *message_id == '\0')
		return 0;
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (store_bind_text(st, 1, message_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, account_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, size) != SQLITE_OK) {
		store_sqlerr(s, N_("look up Message-ID"), err);
		store_stmt_done(s, st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_sqlerr(s, N_("look up Message-ID"), err);
		store_stmt_done(s, st);
		return -1;
	}
	*found = rc == SQLITE_ROW;
	store_stmt_done(s, st);
	return 0;
}

/*
 * Two statements, so that a known Message-ID finds the rows through its
 * index (message_msgid) instead of reading every message of the store.
 */
static int
pop3_move_uidl(struct store *s, int64_t account_id, const char *from,
    const char *to, const char *message_id, struct perr *err)
{
	static const char	 by_id[] = "UPDATE message SET pop3_uidl = ?3"
	    " WHERE message_id = ?4 AND pop3_uidl = ?2 AND folder_id IN"
	    " (SELECT id FROM folder WHERE account_id = ?1)";
	static const char	 any[] = "UPDATE message SET pop3_uidl = ?3"
	    " WHERE pop3_uidl = ?2 AND folder_id IN"
	    " (SELECT id FROM folder WHERE account_id = ?1)";
	bool			 have_id = message_id != NULL &&
	    *message_id != '\0';
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, have_id ? by_id : any, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    store_bind_text(st, 2, from) != SQLITE_OK ||
	    store_bind_text(st, 3, to) != SQLITE_OK ||
	    (have_id && store_bind_text(st, 4, message_id) != SQLITE_OK)) {
		store_sqlerr(s, N_("give a message its UIDL"), err);
		store_stmt_done(s, st);
		return -1;
	}
	return store_step_done(s, st, N_("give a message its UIDL"), err);
}

int
store_pop3_adopt(struct store *s, int64_t account_id, const char *pseudo,
    const char *uidl, const char *message_id, struct perr *err)
{
	static const char	 sql[] = "INSERT INTO pop3_uidl(account_id,"
	    " uidl, first_seen) SELECT ?1, ?3, first_seen FROM pop3_uidl"
	    " WHERE account_id = ?1 AND uidl = ?2 ON CONFLICT DO NOTHING";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    store_bind_text(st, 2, pseudo) != SQLITE_OK ||
	    store_bind_text(st, 3, uidl) != SQLITE_OK) {
		store_sqlerr(s, N_("record UIDL"), err);
		store_stmt_done(s, st);
		return -1;
	}
	if (store_step_done(s, st, N_("record UIDL"), err) != 0)
		return -1;
	if (pop3_move_uidl(s, account_id, pseudo, uidl, message_id, err) != 0)
		return -1;
	if (sqlite3_changes(s->db) > 0)
		return 0;
	/* No message took uidl: take its record back (see store.h). */
	if ((st = store_stmt(s, "DELETE FROM pop3_uidl WHERE account_id = ?1"
	    " AND uidl = ?2", err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, account_id) != SQLITE_OK ||
	    store_bind_text(st, 2, uidl) != SQLITE_OK) {
		store_sqlerr(s, N_("record UIDL"), err);
		store_stmt_done(s, st);
		return -1;
	}
	return store_step_done(s, st, N_("record UIDL"), err) != 0 ? -1 : 1;
}
