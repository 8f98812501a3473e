/*
 * schema.c - the store's schema and its forward migrations.
 *
 * The version lives in PRAGMA user_version; PRAGMA application_id holds
 * STORE_APP_ID so that another program's SQLite file is refused rather than
 * "migrated". migrations[i] takes the schema from version i to i + 1, in
 * one transaction of its own, with foreign keys off (so that a later
 * migration can rebuild a table the way SQLite's ALTER TABLE documentation
 * says) and a foreign_key_check before it commits. Never edit a released
 * migration: append a new one.
 *
 * Schema version 1, and what was decided:
 *
 * - Ids are INTEGER PRIMARY KEY (the rowid), times are unix seconds, flags
 *   and booleans are INTEGERs with CHECKs.
 *
 * - account(name UNIQUE, protocol 'imap' | 'pop3').
 *
 * - folder: name is the UTF-8 name shown to the user, remote_name the raw
 *   server name (modified UTF-7 for IMAP), NULL for a local-only folder
 *   (POP3 accounts, local Sent). Both are UNIQUE per account: remote_name
 *   because that is what the sync matches on, name because that is what a
 *   user types (NULL remote names do not collide with each other).
 *   special_use is enum store_special. The sync state (uidvalidity,
 *   uidnext, highestmodseq, last_sync) lives on the folder row; counts were
 *   not stored but counted through indexes (below), so they could never
 *   drift from the messages (version 10 keeps them in the row, kept by
 *   triggers: see migrate_v10).
 *
 * - message: uid is NULL until the server knows it (a message saved
 *   offline); UNIQUE(folder_id, uid) lets many NULLs coexist and is the
 *   (folder_id, uid) index. flags is a bitmask (enum store_flag; bit 0 is
 *   \Seen and the unread index depends on it), keywords the other IMAP
 *   flags as a space-separated list. date and internal_date are unix time.
 *   thread_id is assigned by the threading code (src/mail), no foreign
 *   key: a thread outlives any one of its messages.
 *
 * - body is kept apart so that listing a folder never reads a body;
 *   body.message_id is message.id (not the Message-ID header) and cascades.
 *
 * - message_fts is a regular FTS5 table (it keeps its own copy of the
 *   text), rowid = message.id, tokenize 'unicode61 remove_diacritics 2'.
 *   Not external-content: the body text exists nowhere else (body holds raw
 *   MIME), so there would be nothing to point at. Not contentless: in
 *   SQLite 3.40 a contentless row can be deleted only by passing all of its
 *   old values, which we would not have (contentless_delete came in 3.43).
 *   Triggers keep it in step with message: insert adds the header columns,
 *   a header update rewrites them, a delete (including the cascade from a
 *   deleted folder) removes the row; store_body_put() fills the body
 *   column. (Version 8: a row inserted with its body is indexed whole by
 *   its inserter instead, once. Version 9: posta's own writers index
 *   every row they insert in bulk at the commit, search-index.c.) The copy also gives snippet() and highlight() to the UI.
 *
 * - Indexes serve the screens: (folder_id, date) for the page query, newest
 *   first by scanning it backwards; the rowid every index carries makes it
 *   (folder_id, date, id), the keyset. A partial index of the unread rows
 *   per folder (carrying flags, so it covers the query) makes the unread
 *   count an index count. (thread_id) and (message_id), partial on NOT
 *   NULL, serve threading and UIDVALIDITY re-mapping. Listing a folder is
 *   always a bounded keyset query (store_msg_page), never the whole folder.
 *   Measured on 100,000 messages in one folder: both counts 6 ms, the UID
 *   walk 18 ms, a page of 50 well under 1 ms.
 *
 * - The other orders of the index (version 5): message.sort_from (the
 *   sender as the index shows it, the display name else the address) and
 *   message.sort_subject (the threading's base subject: "Re:", "Fwd:",
 *   "[list]" gone), both without leading white space, case-folded and cut
 *   at 160 bytes by message.c, which computes them at insert. Stored
 *   rather than indexed expressions: SQLite's lower() folds ASCII only
 *   and no built-in strips reply prefixes, and an index on a function of
 *   ours would make the file unwritable to anything but posta. Indexes
 *   (folder_id, sort_from, date), (folder_id, sort_subject, date) and
 *   (folder_id, size, date), each ending with the rowid, make every order
 *   total and every page a range scan (store_msg_page_sorted).
 *
 * - The search index (version 7): message_fts has the columns subject,
 *   from (name and address), to, cc (names and addresses), body (the
 *   readable text: HTML turned into text, charsets decoded) and
 *   attachment (the parts' file names), so that every field of the query
 *   language (src/search) is a column filter. Flags, dates, sizes and
 *   folders are not in it: they are message's columns, so a flag change
 *   or a move never touches the index. message(date) orders a search
 *   across every folder.
 *
 * - journal (the offline journal, ARCHITECTURE section 4): one row per user
 *   action in replay order (id). It names its targets both by row
 *   (message_id, folder_id, dest_folder_id: SET NULL when the row goes) and
 *   by value (folder_name, uid, dest_name: the remote names and UID at the
 *   time of the action), so a message deleted locally can still be
 *   expunged on the server. state: 0 pending, 1 sent and awaiting the
 *   server's answer (replay after a crash must check), 2 failed (kept with
 *   last_error and shown to the user; nothing is dropped silently).
 *
 * - outbox: messages waiting for SMTP. Its account reference does not
 *   cascade: an account with unsent mail cannot be deleted by accident.
 *
 * - pop3_uidl: a UIDL seen on the server, kept after the message is deleted
 *   locally so it is never downloaded twice.
 *
 * - address: for completion; addr is case-insensitive (ASCII).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"
#include "store/store-int.h"
#include "util/i18n.h"

/* 'Post': marks the file as a posta store (PRAGMA application_id). */
#define STORE_APP_ID	0x506f7374

static const char schema_v1[] =
	"CREATE TABLE account ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  protocol TEXT NOT NULL CHECK (protocol IN ('imap', 'pop3'))"
	");"

	"CREATE TABLE folder ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES account(id)"
	"    ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  remote_name TEXT,"
	"  delimiter TEXT CHECK (delimiter IS NULL OR length(delimiter) = 1),"
	"  special_use INTEGER NOT NULL DEFAULT 0"
	"    CHECK (special_use BETWEEN 0 AND 8),"
	"  uidvalidity INTEGER NOT NULL DEFAULT 0,"
	"  uidnext INTEGER NOT NULL DEFAULT 0,"
	"  highestmodseq INTEGER NOT NULL DEFAULT 0,"
	"  subscribed INTEGER NOT NULL DEFAULT 0 CHECK (subscribed IN (0, 1)),"
	"  noselect INTEGER NOT NULL DEFAULT 0 CHECK (noselect IN (0, 1)),"
	"  last_sync INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (account_id, name),"
	"  UNIQUE (account_id, remote_name)"
	");"

	"CREATE TABLE message ("
	"  id INTEGER PRIMARY KEY,"
	"  folder_id INTEGER NOT NULL REFERENCES folder(id) ON DELETE CASCADE,"
	"  uid INTEGER CHECK (uid IS NULL OR uid BETWEEN 1 AND 4294967295),"
	"  modseq INTEGER NOT NULL DEFAULT 0,"
	"  message_id TEXT,"
	"  in_reply_to TEXT,"
	"  refs TEXT,"
	"  thread_id INTEGER,"
	"  date INTEGER NOT NULL DEFAULT 0,"
	"  internal_date INTEGER NOT NULL DEFAULT 0,"
	"  from_name TEXT,"
	"  from_addr TEXT,"
	"  to_list TEXT,"
	"  cc_list TEXT,"
	"  subject TEXT,"
	"  size INTEGER NOT NULL DEFAULT 0,"
	"  flags INTEGER NOT NULL DEFAULT 0,"
	"  keywords TEXT,"
	"  has_attachments INTEGER NOT NULL DEFAULT 0"
	"    CHECK (has_attachments IN (0, 1)),"
	"  body_state INTEGER NOT NULL DEFAULT 0 CHECK (body_state IN (0, 1, 2)),"
	"  pop3_uidl TEXT,"
	"  fetched_at INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (folder_id, uid)"
	");"
	"CREATE INDEX message_folder_date ON message(folder_id, date);"
	"CREATE INDEX message_unread ON message(folder_id, flags)"
	"  WHERE (flags & 1) = 0;"
	"CREATE INDEX message_thread ON message(thread_id)"
	"  WHERE thread_id IS NOT NULL;"
	"CREATE INDEX message_msgid ON message(message_id)"
	"  WHERE message_id IS NOT NULL;"

	"CREATE TABLE body ("
	"  message_id INTEGER PRIMARY KEY REFERENCES message(id)"
	"    ON DELETE CASCADE,"
	"  raw BLOB NOT NULL"
	");"

	"CREATE VIRTUAL TABLE message_fts USING fts5("
	"  subject, \"from\", \"to\", body,"
	"  tokenize = 'unicode61 remove_diacritics 2'"
	");"
	"CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN"
	"  INSERT INTO message_fts(rowid, subject, \"from\", \"to\")"
	"  VALUES (new.id, new.subject,"
	"    coalesce(new.from_name, '') || ' ' || coalesce(new.from_addr, ''),"
	"    coalesce(new.to_list, '') || ' ' || coalesce(new.cc_list, ''));"
	"END;"
	"CREATE TRIGGER message_fts_update"
	"  AFTER UPDATE OF subject, from_name, from_addr, to_list, cc_list"
	"  ON message BEGIN"
	"  UPDATE message_fts SET subject = new.subject,"
	"    \"from\" = coalesce(new.from_name, '') || ' ' ||"
	"      coalesce(new.from_addr, ''),"
	"    \"to\" = coalesce(new.to_list, '') || ' ' ||"
	"      coalesce(new.cc_list, '')"
	"  WHERE rowid = new.id;"
	"END;"
	"CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN"
	"  DELETE FROM message_fts WHERE rowid = old.id;"
	"END;"

	"CREATE TABLE journal ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES account(id)"
	"    ON DELETE CASCADE,"
	"  op TEXT NOT NULL CHECK (op IN ('flags', 'move', 'copy', 'delete',"
	"    'expunge', 'folder_create', 'folder_rename', 'folder_delete',"
	"    'append')),"
	"  message_id INTEGER REFERENCES message(id) ON DELETE SET NULL,"
	"  folder_id INTEGER REFERENCES folder(id) ON DELETE SET NULL,"
	"  folder_name TEXT,"
	"  uid INTEGER,"
	"  dest_folder_id INTEGER REFERENCES folder(id) ON DELETE SET NULL,"
	"  dest_name TEXT,"
	"  flags_add INTEGER NOT NULL DEFAULT 0,"
	"  flags_remove INTEGER NOT NULL DEFAULT 0,"
	"  keywords_add TEXT,"
	"  keywords_remove TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2))"
	");"
	"CREATE INDEX journal_account ON journal(account_id, state, id);"
	/* Foreign-key children need an index, or every parent delete scans. */
	"CREATE INDEX journal_message ON journal(message_id);"
	"CREATE INDEX journal_folder ON journal(folder_id);"
	"CREATE INDEX journal_dest ON journal(dest_folder_id);"

	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES account(id),"
	"  raw BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT"
	");"
	"CREATE INDEX outbox_account ON outbox(account_id, id);"

	"CREATE TABLE pop3_uidl ("
	"  account_id INTEGER NOT NULL REFERENCES account(id)"
	"    ON DELETE CASCADE,"
	"  uidl TEXT NOT NULL,"
	"  first_seen INTEGER NOT NULL,"
	"  deleted_from_server INTEGER NOT NULL DEFAULT 0"
	"    CHECK (deleted_from_server IN (0, 1)),"
	"  PRIMARY KEY (account_id, uidl)"
	") WITHOUT ROWID;"

	"CREATE TABLE address ("
	"  addr TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,"
	"  name TEXT,"
	"  use_count INTEGER NOT NULL DEFAULT 0,"
	"  last_used INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	"CREATE INDEX address_name ON address(name COLLATE NOCASE);";

static int
migrate_v1(struct store *s, struct perr *err)
{
	char	sql[64];

	if (store_exec(s, schema_v1, N_("create schema version 1"), err) == -1)
		return -1;
	(void)snprintf(sql, sizeof sql, "PRAGMA application_id = %d",
	    STORE_APP_ID);
	return store_exec(s, sql, "application_id", err);
}

/*
 * Version 2: the messages still waiting for their body, so that the body
 * phase of a resync reads only those instead of walking the folder.
 */
static int
migrate_v2(struct store *s, struct perr *err)
{
	return store_exec(s, "CREATE INDEX message_bodiless"
	    " ON message(folder_id, date)"
	    " WHERE body_state <> 2 AND uid IS NOT NULL",
	    N_("create schema version 2"), err);
}

/*
 * Version 3: message.problem, NULL for a whole message, else a short
 * sentence shown with the message saying why it is not (a server reply
 * that could not be parsed, a body too large to download). The sync sets
 * it; the row keeps it until the message is fetched whole.
 */
static int
migrate_v3(struct store *s, struct perr *err)
{
	return store_exec(s, "ALTER TABLE message ADD COLUMN problem TEXT",
	    N_("create schema version 3"), err);
}

/*
 * Version 4: outbox.state and outbox.rcpt. state is enum
 * store_outbox_state (0 waiting, 1 failed, 2 outcome unknown, 3 refused
 * for good); version 1 kept it in last_error (NULL: waiting, a
 * "[outcome unknown] " prefix: unknown, else failed), which is converted
 * here. rcpt is NULL until a submission reached some recipients and not
 * others; then it holds those still to be served, one per line, so that
 * a retry goes to them only.
 */
static int
migrate_v4(struct store *s, struct perr *err)
{
	return store_exec(s, "ALTER TABLE outbox ADD COLUMN state INTEGER"
	    "  NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 3);"
	    "ALTER TABLE outbox ADD COLUMN rcpt TEXT;"
	    "UPDATE outbox SET state = 1 WHERE last_error IS NOT NULL;"
	    "UPDATE outbox SET state = 2, last_error = substr(last_error, 19)"
	    "  WHERE substr(last_error, 1, 18) = '[outcome unknown] ';",
	    N_("create schema version 4"), err);
}

/*
 * Version 5: the sort keys of the index's other orders, so that sorting a
 * folder by sender or subject is a keyset page on an index, as date order
 * is, never a sort of the whole folder. sort_from and sort_subject are
 * derived from the headers by store_sort_from() and store_sort_subject()
 * (message.c) when a row is inserted; here the existing rows get theirs
 * through those same functions, lent to SQLite for this one statement only
 * (the schema names no function of ours, so the sqlite3 shell can still
 * write to the file). Each index ends with date and the rowid, so every
 * order is total and a keyset page never repeats or skips equal keys.
 */
static void
sql_sort_from(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_text(ctx, store_sort_from(
	    (const char *)sqlite3_value_text(argv[0]),
	    (const char *)sqlite3_value_text(argv[1])), -1, free);
}

static void
sql_sort_subject(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_text(ctx, store_sort_subject(
	    (const char *)sqlite3_value_text(argv[0])), -1, free);
}

static int
migrate_v5(struct store *s, struct perr *err)
{
	int	rc;

	if (store_exec(s, "ALTER TABLE message ADD COLUMN sort_from TEXT"
	    "  NOT NULL DEFAULT '';"
	    "ALTER TABLE message ADD COLUMN sort_subject TEXT"
	    "  NOT NULL DEFAULT ''", N_("create schema version 5"), err) == -1)
		return -1;
	if (sqlite3_create_function(s->db, "posta_sort_from", 2,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_sort_from, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_create_function(s->db, "posta_sort_subject", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_sort_subject, NULL,
	    NULL) != SQLITE_OK)
		return store_sqlerr(s, N_("schema version 5: sort key functions"),
		    err);
	rc = store_exec(s, "UPDATE message SET"
	    " sort_from = posta_sort_from(from_name, from_addr),"
	    " sort_subject = posta_sort_subject(subject)",
	    N_("schema version 5: sort keys of the stored messages"), err);
	/* Lent for this statement only: take them back either way. */
	(void)sqlite3_create_function(s->db, "posta_sort_from", 2,
	    SQLITE_UTF8, NULL, NULL, NULL, NULL);
	(void)sqlite3_create_function(s->db, "posta_sort_subject", 1,
	    SQLITE_UTF8, NULL, NULL, NULL, NULL);
	if (rc == -1)
		return -1;
	return store_exec(s,
	    "CREATE INDEX message_folder_from"
	    "  ON message(folder_id, sort_from, date);"
	    "CREATE INDEX message_folder_subject"
	    "  ON message(folder_id, sort_subject, date);"
	    "CREATE INDEX message_folder_size ON message(folder_id, size, date)",
	    N_("create schema version 5"), err);
}

/*
 * Version 6: outbox.claim_pid, the process that claimed a row to send it
 * (NULL once the try is settled), so that `posta outbox --retry` can tell
 * a message being sent right now from one whose sender died, and does not
 * put the first back in the queue to be sent twice.
 */
static int
migrate_v6(struct store *s, struct perr *err)
{
	return store_exec(s, "ALTER TABLE outbox ADD COLUMN claim_pid INTEGER",
	    N_("create schema version 6"), err);
}

/*
 * Version 7: the search index gets a column per field of the query
 * language (cc and attachment are new; to no longer holds Cc). FTS5
 * tables cannot gain columns, so a new one is filled from the old (the
 * body text is kept: it was rendered from the body when stored) and from
 * message, the file names are read from the stored bodies through
 * mail_attachment_names(), lent to SQLite for this statement only, and
 * the new table takes the old one's name. No resync.
 */
static void
sql_attachment_names(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_text(ctx, mail_attachment_names(
	    sqlite3_value_blob(argv[0]), (size_t)sqlite3_value_bytes(argv[0])),
	    -1, free);
}

static const char fts_triggers_v7[] =
	"CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN"
	"  INSERT INTO message_fts(rowid, subject, \"from\", \"to\", cc)"
	"  VALUES (new.id, new.subject,"
	"    coalesce(new.from_name, '') || ' ' || coalesce(new.from_addr, ''),"
	"    new.to_list, new.cc_list);"
	"END;"
	"CREATE TRIGGER message_fts_update"
	"  AFTER UPDATE OF subject, from_name, from_addr, to_list, cc_list"
	"  ON message BEGIN"
	"  UPDATE message_fts SET subject = new.subject,"
	"    \"from\" = coalesce(new.from_name, '') || ' ' ||"
	"      coalesce(new.from_addr, ''),"
	"    \"to\" = new.to_list, cc = new.cc_list"
	"  WHERE rowid = new.id;"
	"END;"
	"CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN"
	"  DELETE FROM message_fts WHERE rowid = old.id;"
	"END;"
	"CREATE INDEX message_date ON message(date);";

static int
migrate_v7(struct store *s, struct perr *err)
{
	int	rc;

	if (store_exec(s, "DROP TRIGGER message_fts_insert;"
	    "DROP TRIGGER message_fts_update;"
	    "DROP TRIGGER message_fts_delete;"
	    "CREATE VIRTUAL TABLE message_fts_v7 USING fts5("
	    "  subject, \"from\", \"to\", cc, body, attachment,"
	    "  tokenize = 'unicode61 remove_diacritics 2')",
	    N_("create schema version 7"), err) == -1)
		return -1;
	if (sqlite3_create_function(s->db, "posta_attachment_names", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_attachment_names,
	    NULL, NULL) != SQLITE_OK)
		return store_sqlerr(s, N_("schema version 7: file name function"),
		    err);
	rc = store_exec(s, "INSERT INTO message_fts_v7(rowid, subject,"
	    " \"from\", \"to\", cc, body, attachment)"
	    " SELECT m.id, m.subject,"
	    "  coalesce(m.from_name, '') || ' ' || coalesce(m.from_addr, ''),"
	    "  m.to_list, m.cc_list, o.body,"
	    "  (SELECT posta_attachment_names(b.raw) FROM body b"
	    "   WHERE b.message_id = m.id)"
	    " FROM message m LEFT JOIN message_fts o ON o.rowid = m.id",
	    N_("schema version 7: index the stored messages"), err);
	/* Lent for this statement only: take it back either way. */
	(void)sqlite3_create_function(s->db, "posta_attachment_names", 1,
	    SQLITE_UTF8, NULL, NULL, NULL, NULL);
	if (rc == -1)
		return -1;
	if (store_exec(s, "DROP TABLE message_fts;"
	    "ALTER TABLE message_fts_v7 RENAME TO message_fts",
	    N_("create schema version 7"), err) == -1)
		return -1;
	return store_exec(s, fts_triggers_v7, N_("create schema version 7"), err);
}

/*
 * Version 8: the insert trigger indexes only a header record (body_state
 * not STORE_BODY_FULL). A message inserted with its body in the same
 * transaction (store_msg_insert_body(), a copy of a stored message) gets
 * its whole row in message_fts once from message.c or journal.c, instead
 * of a header row the body then rewrites: FTS5 does an UPDATE as a delete,
 * which tokenizes the old text again, and an insert.
 */
static int
migrate_v8(struct store *s, struct perr *err)
{
	return store_exec(s, "DROP TRIGGER message_fts_insert;"
	    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message"
	    "  WHEN new.body_state <> 2 BEGIN"
	    "  INSERT INTO message_fts(rowid, subject, \"from\", \"to\", cc)"
	    "  VALUES (new.id, new.subject,"
	    "    coalesce(new.from_name, '') || ' ' ||"
	    "      coalesce(new.from_addr, ''),"
	    "    new.to_list, new.cc_list);"
	    "END", N_("create schema version 8"), err);
}

/*
 * Version 9: message.fts_state, how a row is indexed (search-index.c):
 * 0 by the insert trigger, which now also skips the rows posta's own
 * writers index (1: waiting for a body coming later in the sync, 2:
 * written in bulk at the commit), and a partial index of those waiting,
 * so that the sync finds them without a walk of the folder. Rows stored
 * before are indexed (0).
 */
static int
migrate_v9(struct store *s, struct perr *err)
{
	return store_exec(s, "ALTER TABLE message ADD COLUMN fts_state"
	    "  INTEGER NOT NULL DEFAULT 0 CHECK (fts_state IN (0, 1, 2));"
	    "CREATE INDEX message_fts_wait ON message(folder_id)"
	    "  WHERE fts_state = 1;"
	    "DROP TRIGGER message_fts_insert;"
	    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message"
	    "  WHEN new.body_state <> 2 AND new.fts_state = 0 BEGIN"
	    "  INSERT INTO message_fts(rowid, subject, \"from\", \"to\", cc)"
	    "  VALUES (new.id, new.subject,"
	    "    coalesce(new.from_name, '') || ' ' ||"
	    "      coalesce(new.from_addr, ''),"
	    "    new.to_list, new.cc_list);"
	    "END", N_("create schema version 9"), err);
}

/*
 * Version 10: folder.total and folder.unread, the counts the sidebar and
 * the status line show, kept in the folder row so that reading them costs
 * one row whatever the size of the folder (counting them walked two
 * indexes: 9,453 pages at 1,000,000 messages). The meaning is the one the
 * counts had: total is every message of the folder, unread those without
 * \Seen (flags & 1 = 0), whatever their other flags. Triggers keep them,
 * not posta's C code: several processes (the terminal UI, a cron `posta
 * sync`, scripts, the sqlite3 shell) write one store, and every writer
 * must keep the counts right, in the writer's own transaction. A message
 * row counts in a folder from its INSERT to its DELETE (including the
 * cascade from a deleted folder, whose own row is gone by then: that
 * UPDATE changes nothing), and an UPDATE moves it between folders or in
 * and out of unread; the UPDATE trigger fires only when folder_id or the
 * \Seen bit changes. No message insert uses REPLACE (a REPLACE deletes
 * without the delete trigger unless recursive_triggers is on). The
 * counts are filled once here from the messages.
 */
static int
migrate_v10(struct store *s, struct perr *err)
{
	return store_exec(s, "ALTER TABLE folder ADD COLUMN total"
	    "  INTEGER NOT NULL DEFAULT 0;"
	    "ALTER TABLE folder ADD COLUMN unread"
	    "  INTEGER NOT NULL DEFAULT 0;"
	    "UPDATE folder SET"
	    "  total = (SELECT count(*) FROM message m"
	    "    WHERE m.folder_id = folder.id),"
	    "  unread = (SELECT count(*) FROM message m"
	    "    WHERE m.folder_id = folder.id AND (m.flags & 1) = 0);"
	    "CREATE TRIGGER message_count_insert AFTER INSERT ON message BEGIN"
	    "  UPDATE folder SET total = total + 1,"
	    "    unread = unread + ((new.flags & 1) = 0)"
	    "  WHERE id = new.folder_id;"
	    "END;"
	    "CREATE TRIGGER message_count_delete AFTER DELETE ON message BEGIN"
	    "  UPDATE folder SET total = total - 1,"
	    "    unread = unread - ((old.flags & 1) = 0)"
	    "  WHERE id = old.folder_id;"
	    "END;"
	    "CREATE TRIGGER message_count_update"
	    "  AFTER UPDATE OF folder_id, flags ON message"
	    "  WHEN old.folder_id <> new.folder_id OR"
	    "    (old.flags & 1) <> (new.flags & 1) BEGIN"
	    "  UPDATE folder SET total = total - 1,"
	    "    unread = unread - ((old.flags & 1) = 0)"
	    "  WHERE id = old.folder_id;"
	    "  UPDATE folder SET total = total + 1,"
	    "    unread = unread + ((new.flags & 1) = 0)"
	    "  WHERE id = new.folder_id;"
	    "END", N_("create schema version 10"), err);
}

/*
 * Version 11: the search index merges its segments 16 at a time instead of
 * FTS5's default 4 ('automerge', kept in message_fts_config). A first sync
 * writes one segment per batch of bodies, and with 4 a segment's pages were
 * rewritten once per level of a tree that grows with the store: about 40%
 * of FTS5's work at 100,000 messages was merging, most of the index's cost
 * that grew with the store (doc/PERFORMANCE.md, Sync, session 4). With 16
 * there are half as many levels; a query reads a few more segments (up to
 * 15 a level instead of 3), which did not show in its cost.
 */
static int
migrate_v11(struct store *s, struct perr *err)
{
	return store_exec(s, "INSERT INTO message_fts(message_fts, rank)"
	    " VALUES ('automerge', 16)", N_("create schema version 11"), err);
}

typedef int	(*migration_fn)(struct store *, struct perr *);

/* migrations[i] takes the schema from version i to i + 1. */
static const migration_fn migrations[] = {
	migrate_v1,
	migrate_v2,
	migrate_v3,
	migrate_v4,
	migrate_v5,
	migrate_v6,
	migrate_v7,
	migrate_v8,
	migrate_v9,
	migrate_v10,
	migrate_v11,
};

_Static_assert(sizeof migrations / sizeof migrations[0] ==
    STORE_SCHEMA_VERSION, "one migration per schema version");

/* Read one integer pragma (user_version, application_id). */
static int
pragma_int(struct store *s, const char *sql, int *v, struct perr *err)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_sqlerr(s, sql, err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	else
		store_sqlerr(s, sql, err);
	(void)sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_schema_version(struct store *s, struct perr *err)
{
	int	v;

	if (pragma_int(s, "PRAGMA user_version", &v, err) == -1)
		return -1;
	return v;
}

static int
too_new(struct store *s, int v, struct perr *err)
{
	return perr_set(err, PERR_STORE, _("%s: database schema version %d is "
	    "newer than this posta supports (%d); upgrade posta"), s->path, v,
	    STORE_SCHEMA_VERSION);
}

/*
 * Refuse a file that some other program made. Read in one transaction, so
 * that a store another process is creating right now is seen either empty
 * or made, never with its tables but not yet its application_id.
 */
static int	owner_seen(struct store *, struct perr *);

static int
check_owner(struct store *s, int version, struct perr *err)
{
	struct perr	ignored;
	int		rc;

	(void)version;
	if (store_exec(s, "BEGIN", N_("read schema"), err) == -1)
		return -1;
	rc = owner_seen(s, err);
	(void)store_exec(s, "COMMIT", N_("read schema"), &ignored);
	return rc;
}

static int
owner_seen(struct store *s, struct perr *err)
{
	sqlite3_stmt	*st;
	int		 app, version, ntables = 0, rc;

	if (pragma_int(s, "PRAGMA user_version", &version, err) == -1 ||
	    pragma_int(s, "PRAGMA application_id", &app, err) == -1)
		return -1;
	if (app == STORE_APP_ID)
		return 0;
	if (version == 0) {
		/* An empty database is ours to fill. */
		if (sqlite3_prepare_v2(s->db,
		    "SELECT count(*) FROM sqlite_master", -1, &st, NULL) !=
		    SQLITE_OK)
			return store_sqlerr(s, N_("read schema"), err);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			ntables = sqlite3_column_int(st, 0);
		else
			store_sqlerr(s, N_("read schema"), err);
		(void)sqlite3_finalize(st);
		if (rc != SQLITE_ROW)
			return -1;
		if (ntables == 0)
			return 0;
	}
	return perr_set(err, PERR_STORE, _("%s: an SQLite database, but not a "
	    "posta store (application_id %d)"), s->path, app);
}

/* Run migration `to - 1` -> `to` in its own transaction. */
static int
migrate_one(struct store *s, int to, struct perr *err)
{
	sqlite3_stmt	*st;
	struct perr	 ignored;
	char		 sql[64];
	int		 v, rc;

	if (store_begin(s, err) == -1)
		return -1;
	/* Another process may have migrated while we waited for the lock. */
	if ((v = store_schema_version(s, err)) == -1)
		goto fail;
	if (v >= to)
		return store_commit(s, err);
	if (migrations[to - 1](s, err) == -1)
		goto fail;

	if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK) {
		store_sqlerr(s, "foreign_key_check", err);
		goto fail;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		perr_set(err, PERR_STORE, _("%s: foreign key violation in "
		    "table %s"), s->path, store_col_text(st, 0));
	else if (rc != SQLITE_DONE)
		store_sqlerr(s, "foreign_key_check", err);
	(void)sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;

	(void)snprintf(sql, sizeof sql, "PRAGMA user_version = %d", to);
	if (store_exec(s, sql, "user_version", err) == -1)
		goto fail;
	return store_commit(s, err);
fail:
	(void)store_rollback(s, &ignored);
	return -1;
}

int
store_schema_migrate(struct store *s, struct perr *err)
{
	struct perr	 ignored;
	int		 v, to, rc = 0;

	if ((v = store_schema_version(s, err)) == -1)
		return -1;
	if (v > STORE_SCHEMA_VERSION)
		return too_new(s, v, err);
	if (check_owner(s, v, err) == -1)
		return -1;
	if (v == STORE_SCHEMA_VERSION)
		return 0;

	/* foreign_keys cannot change inside a transaction: turn it off here. */
	if (store_exec(s, "PRAGMA foreign_keys=OFF", "foreign_keys", err) == -1)
		return -1;
	for (to = v + 1; to <= STORE_SCHEMA_VERSION && rc == 0; to++)
		rc = migrate_one(s, to, err);
	if (store_exec(s, "PRAGMA foreign_keys=ON", "foreign_keys",
	    rc == 0 ? err : &ignored) == -1)
		rc = -1;
	if (rc == -1)
		return -1;

	/* A newer posta may have migrated further while we waited. */
	if ((v = store_schema_version(s, err)) == -1)
		return -1;
	if (v > STORE_SCHEMA_VERSION)
		return too_new(s, v, err);
	return 0;
}

int
store_schema_check(struct store *s, struct perr *err)
{
	int	v;

	if ((v = store_schema_version(s, err)) == -1)
		return -1;
	if (v > STORE_SCHEMA_VERSION)
		return too_new(s, v, err);
	if (check_owner(s, v, err) == -1)
		return -1;
	if (v == 0)
		return perr_set(err, PERR_STORE, _("%s: no posta schema in "
		    "this "
		    "database yet; it is created by a read-write open (posta "
		    "sync)"), s->path);
	if (v < STORE_SCHEMA_VERSION)
		return perr_set(err, PERR_STORE, _("%s: database schema "
		    "version "
		    "%d is older than this posta needs (%d); a read-write open "
		    "(posta sync) upgrades it"), s->path, v,
		    STORE_SCHEMA_VERSION);
	return 0;
}
