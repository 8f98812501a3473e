/* test_store.c - the offline store: opening, schema, typed queries, FTS. */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

/* For the query plans of the page statements (sorted_pages_...). */
#include "search/search.h"
#include "store/store-int.h"

/* One temporary directory for the whole group; each test its own file. */
static char	tmpdir[] = "/tmp/posta-test-store-XXXXXX";

static int
group_setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	return remove(path);
}

static int
group_teardown(void **state)
{
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A path under the temporary directory; the caller frees it. */
static char *
tpath(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

/* A fresh read-write store; fails the test if it cannot open. */
static struct store *
open_rw(const char *name)
{
	struct perr	 err;
	struct store	*s;
	char		*path = tpath(name);

	perr_clear(&err);
	s = store_open(path, STORE_RDWR, &err);
	if (s == NULL)
		fail_msg("store_open %s: %s", path, err.msg);
	free(path);
	return s;
}

/* Run raw SQL on a file behind the store's back. */
static void
raw_sql(const char *path, const char *sql)
{
	sqlite3	*db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* Take a store back to before version 10: no counts in the folder row. */
static void
undo_v10(const char *path)
{
	raw_sql(path, "DROP TRIGGER IF EXISTS message_count_insert;"
	    " DROP TRIGGER IF EXISTS message_count_delete;"
	    " DROP TRIGGER IF EXISTS message_count_update;"
	    " ALTER TABLE folder DROP COLUMN total;"
	    " ALTER TABLE folder DROP COLUMN unread");
}

/* An account with one IMAP folder, for the message tests. */
static int64_t
make_folder(struct store *s, const char *remote, int64_t *account)
{
	struct store_folder	 f;
	struct perr		 err;
	int64_t			 acc, id;

	assert_int_equal(store_account_ensure(s, "work", STORE_IMAP, &acc,
	    &err), 0);
	memset(&f, 0, sizeof f);
	f.account_id = acc;
	f.name = (char *)remote;
	f.remote_name = (char *)remote;
	f.delimiter = '/';
	if (strcmp(remote, "INBOX") == 0)
		f.special_use = STORE_SPECIAL_INBOX;
	assert_int_equal(store_folder_upsert(s, &f, &id, &err), 0);
	if (account != NULL)
		*account = acc;
	return id;
}

static int64_t
add_msg(struct store *s, int64_t folder, uint32_t uid, int64_t date,
    const char *subject, unsigned flags)
{
	struct store_msg	m;
	struct perr		err;
	int64_t			id;

	memset(&m, 0, sizeof m);
	m.folder_id = folder;
	m.uid = uid;
	m.date = date;
	m.subject = (char *)subject;
	m.flags = flags;
	if (store_msg_insert(s, &m, &id, &err) != 0)
		fail_msg("insert: %s", err.msg);
	return id;
}

/* ---- opening ----------------------------------------------------------- */

static void
open_creates_private_dirs_and_file(void **state)
{
	struct perr	 err;
	struct store	*s;
	struct stat	 sb;
	char		*path = tpath("new/deeper/posta.db");
	char		*dir = tpath("new");

	s = store_open(path, STORE_RDWR, &err);
	assert_non_null(s);
	assert_string_equal(store_path(s), path);
	assert_int_equal(store_schema_version(s, &err), STORE_SCHEMA_VERSION);
	store_close(s);

	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);

	/* Reopening an existing store is not a migration. */
	s = store_open(path, STORE_RDWR, &err);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s, &err), STORE_SCHEMA_VERSION);
	store_close(s);

	/* A reader can open it with no writer around (no -wal, no -shm). */
	s = store_open(path, STORE_RDONLY, &err);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s, &err), STORE_SCHEMA_VERSION);
	store_close(s);
	free(dir);
	free(path);
}

static void
open_refuses_newer_schema(void **state)
{
	struct perr	 err;
	struct store	*s;
	char		*path = tpath("newer.db");
	char		*want;

	store_close(open_rw("newer.db"));
	raw_sql(path, "PRAGMA user_version = 99");

	want = xasprintf("%s: database schema version 99 is newer than this "
	    "posta supports (%d); upgrade posta", path, STORE_SCHEMA_VERSION);
	perr_clear(&err);
	s = store_open(path, STORE_RDWR, &err);
	assert_null(s);
	assert_int_equal(err.code, PERR_STORE);
	assert_string_equal(err.msg, want);

	/* The reader refuses it the same way. */
	perr_clear(&err);
	assert_null(store_open(path, STORE_RDONLY, &err));
	assert_string_equal(err.msg, want);
	free(want);
	free(path);
}

static void
open_refuses_a_file_that_is_not_sqlite(void **state)
{
	struct perr	 err;
	FILE		*fp;
	char		*path = tpath("notes.txt");

	assert_non_null(fp = fopen(path, "w"));
	assert_true(fputs("Dear diary, this is not a database at all, but "
	    "it is long enough to look like one's header.\n", fp) >= 0);
	assert_int_equal(fclose(fp), 0);

	perr_clear(&err);
	assert_null(store_open(path, STORE_RDWR, &err));
	assert_int_equal(err.code, PERR_STORE);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "not an SQLite database"));

	perr_clear(&err);
	assert_null(store_open(path, STORE_RDONLY, &err));
	assert_non_null(strstr(err.msg, "not an SQLite database"));
	free(path);
}

static void
open_refuses_another_programs_database(void **state)
{
	struct perr	 err;
	char		*path = tpath("other.db");

	raw_sql(path, "CREATE TABLE t (x)");
	perr_clear(&err);
	assert_null(store_open(path, STORE_RDWR, &err));
	assert_int_equal(err.code, PERR_STORE);
	assert_non_null(strstr(err.msg, "not a posta store"));
	free(path);
}

static void
rdonly_open_of_missing_store_fails_clearly(void **state)
{
	struct perr	 err;
	struct stat	 sb;
	char		*path = tpath("missing/posta.db");

	perr_clear(&err);
	assert_null(store_open(path, STORE_RDONLY, &err));
	assert_int_equal(err.code, PERR_NOTFOUND);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "read-only"));
	/* ...and creates nothing. */
	assert_int_equal(stat(path, &sb), -1);
	free(path);
}

static void
rdonly_open_refuses_a_store_without_schema(void **state)
{
	struct perr	 err;
	FILE		*fp;
	char		*path = tpath("empty.db");

	/* An empty file is a valid, empty SQLite database. */
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fclose(fp), 0);
	perr_clear(&err);
	assert_null(store_open(path, STORE_RDONLY, &err));
	assert_int_equal(err.code, PERR_STORE);
	assert_non_null(strstr(err.msg, "no posta schema"));
	free(path);
}

static void
rdonly_reader_sees_commits_and_cannot_write(void **state)
{
	struct perr	 err;
	struct store	*w, *r;
	char		*path = tpath("shared.db");
	int64_t		 folder, total = -1, unread = -1, acc;

	w = open_rw("shared.db");
	folder = make_folder(w, "INBOX", NULL);
	r = store_open(path, STORE_RDONLY, &err);
	assert_non_null(r);

	add_msg(w, folder, 1, 100, "one", 0);
	assert_int_equal(store_folder_counts(r, folder, &total, &unread,
	    &err), 0);
	assert_int_equal(total, 1);
	assert_int_equal(unread, 1);

	/* A reader's transaction is a snapshot, from its first read on. */
	assert_int_equal(store_begin(r, &err), 0);
	assert_int_equal(store_folder_counts(r, folder, &total, NULL, &err),
	    0);
	add_msg(w, folder, 2, 200, "two", STORE_SEEN);
	assert_int_equal(store_folder_counts(r, folder, &total, NULL, &err),
	    0);
	assert_int_equal(total, 1);
	assert_int_equal(store_commit(r, &err), 0);
	assert_int_equal(store_folder_counts(r, folder, &total, &unread,
	    &err), 0);
	assert_int_equal(total, 2);
	assert_int_equal(unread, 1);

	perr_clear(&err);
	assert_int_equal(store_account_ensure(r, "new", STORE_POP3, &acc,
	    &err), -1);
	assert_int_equal(err.code, PERR_STORE);
	assert_non_null(strstr(err.msg, "readonly"));

	store_close(r);
	store_close(w);
	free(path);
}

/* ---- transactions ------------------------------------------------------ */

static void
nested_transactions_roll_back_only_the_inner_level(void **state)
{
	struct store		*s = open_rw("tx.db");
	struct store_msg	 m;
	struct perr		 err;
	int64_t			 folder = make_folder(s, "INBOX", NULL);
	int64_t			 a, b;

	assert_int_equal(store_begin(s, &err), 0);
	a = add_msg(s, folder, 1, 1, "kept", 0);
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_tx_depth(s), 2);
	b = add_msg(s, folder, 2, 2, "undone", 0);
	assert_int_equal(store_rollback(s, &err), 0);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(store_tx_depth(s), 0);

	assert_int_equal(store_msg_get(s, a, &m, &err), 0);
	store_msg_free(&m);
	perr_clear(&err);
	assert_int_equal(store_msg_get(s, b, &m, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);

	perr_clear(&err);
	assert_int_equal(store_commit(s, &err), -1);
	assert_int_equal(err.code, PERR_STORE);
	store_close(s);
}

/* ---- accounts and folders ---------------------------------------------- */

struct folder_seen {
	int	n;
	char	names[8][32];
	int64_t	total[8], unread[8];
};

static int
collect_folder(void *arg, const struct store_folder *f)
{
	struct folder_seen	*fs = arg;

	if (fs->n == 8)
		return 1;
	(void)snprintf(fs->names[fs->n], sizeof fs->names[0], "%s", f->name);
	fs->total[fs->n] = f->total;
	fs->unread[fs->n] = f->unread;
	fs->n++;
	return 0;
}

static void
accounts_are_ensured_once_with_their_protocol(void **state)
{
	struct store		*s = open_rw("acc.db");
	struct perr		 err;
	enum store_protocol	 p;
	int64_t			 a, b;

	assert_int_equal(store_account_ensure(s, "home", STORE_POP3, &a,
	    &err), 0);
	assert_int_equal(store_account_ensure(s, "home", STORE_POP3, &b,
	    &err), 0);
	assert_int_equal(a, b);
	assert_int_equal(store_account_find(s, "home", &b, &p, &err), 0);
	assert_int_equal(a, b);
	assert_int_equal(p, STORE_POP3);

	perr_clear(&err);
	assert_int_equal(store_account_ensure(s, "home", STORE_IMAP, &b,
	    &err), -1);
	assert_non_null(strstr(err.msg, "stored as pop3 but configured as "
	    "imap"));
	perr_clear(&err);
	assert_int_equal(store_account_find(s, "nobody", &b, &p, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	store_close(s);
}

static void
folders_upsert_list_count_rename_and_delete(void **state)
{
	struct store		*s = open_rw("folders.db");
	struct store_folder	 f, g;
	struct folder_seen	 fs;
	struct perr		 err;
	int64_t			 acc, inbox, sent, again, local;

	inbox = make_folder(s, "INBOX", &acc);
	memset(&f, 0, sizeof f);
	f.account_id = acc;
	f.name = "Sent ✓";
	f.remote_name = "Sent &JxM-";
	f.delimiter = '.';
	f.special_use = STORE_SPECIAL_SENT;
	f.subscribed = true;
	assert_int_equal(store_folder_upsert(s, &f, &sent, &err), 0);
	/* The same remote name again is an update, not a second folder. */
	f.subscribed = false;
	assert_int_equal(store_folder_upsert(s, &f, &again, &err), 0);
	assert_int_equal(again, sent);

	/* A local folder (POP3 style) is known by its name. */
	memset(&g, 0, sizeof g);
	g.account_id = acc;
	g.name = "archive";
	assert_int_equal(store_folder_upsert(s, &g, &local, &err), 0);
	assert_int_equal(store_folder_upsert(s, &g, &again, &err), 0);
	assert_int_equal(again, local);
	/* ...and never takes over a server folder's name. */
	g.name = "INBOX";
	perr_clear(&err);
	assert_int_equal(store_folder_upsert(s, &g, &again, &err), -1);
	assert_non_null(strstr(err.msg, "taken"));

	add_msg(s, inbox, 1, 10, "a", 0);
	add_msg(s, inbox, 2, 20, "b", STORE_SEEN);
	add_msg(s, inbox, 3, 30, "c", STORE_FLAGGED);
	add_msg(s, sent, 1, 10, "d", STORE_SEEN);

	memset(&fs, 0, sizeof fs);
	assert_int_equal(store_folder_list(s, acc, collect_folder, &fs, &err),
	    0);
	assert_int_equal(fs.n, 3);
	assert_string_equal(fs.names[0], "INBOX");
	assert_int_equal(fs.total[0], 3);
	assert_int_equal(fs.unread[0], 2);
	assert_string_equal(fs.names[1], "archive");
	assert_int_equal(fs.total[1], 0);
	assert_string_equal(fs.names[2], "Sent ✓");
	assert_int_equal(fs.total[2], 1);
	assert_int_equal(fs.unread[2], 0);
	/* The walk: the same folders in the same order, without counts. */
	memset(&fs, 0, sizeof fs);
	assert_int_equal(store_folder_walk(s, acc, collect_folder, &fs, &err),
	    0);
	assert_int_equal(fs.n, 3);
	assert_string_equal(fs.names[0], "INBOX");
	assert_int_equal(fs.total[0], 0);
	assert_int_equal(fs.unread[0], 0);
	assert_string_equal(fs.names[1], "archive");
	assert_string_equal(fs.names[2], "Sent ✓");

	assert_int_equal(store_folder_get(s, sent, &f, &err), 0);
	assert_string_equal(f.name, "Sent ✓");
	assert_string_equal(f.remote_name, "Sent &JxM-");
	assert_int_equal(f.delimiter, '.');
	assert_false(f.subscribed);
	store_folder_free(&f);
	assert_int_equal(store_folder_by_special(s, acc, STORE_SPECIAL_SENT,
	    &f, &err), 0);
	assert_int_equal(f.id, sent);
	store_folder_free(&f);
	assert_int_equal(store_folder_by_remote(s, acc, "Sent &JxM-", &f,
	    &err), 0);
	assert_int_equal(f.id, sent);
	store_folder_free(&f);

	assert_int_equal(store_folder_set_sync(s, sent, 1234, 2, 99, 1700000000,
	    &err), 0);
	assert_int_equal(store_folder_rename(s, sent, "Gesendet",
	    "Gesendet", &err), 0);
	assert_int_equal(store_folder_by_name(s, acc, "Gesendet", &f, &err),
	    0);
	assert_int_equal(f.id, sent);
	assert_int_equal(f.uidvalidity, 1234);
	assert_int_equal(f.uidnext, 2);
	assert_int_equal(f.highestmodseq, 99);
	assert_int_equal(f.last_sync, 1700000000);
	store_folder_free(&f);

	assert_int_equal(store_folder_delete(s, sent, &err), 0);
	perr_clear(&err);
	assert_int_equal(store_folder_get(s, sent, &f, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	perr_clear(&err);
	assert_int_equal(store_folder_delete(s, sent, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	store_close(s);
}

/* ---- messages ---------------------------------------------------------- */

static void
message_round_trips_every_field(void **state)
{
	struct store		*s = open_rw("msg.db");
	struct store_msg	 m, got;
	struct perr		 err;
	int64_t			 folder = make_folder(s, "INBOX", NULL);
	int64_t			 id, id2;

	memset(&m, 0, sizeof m);
	m.folder_id = folder;
	m.uid = 4000000000u;
	m.modseq = 77;
	m.message_id = "abc@example.org";
	m.in_reply_to = "parent@example.org";
	m.refs = "root@example.org parent@example.org";
	m.thread_id = 5;
	m.date = 1700000000;
	m.internal_date = 1700000100;
	m.from_name = "Zoë";
	m.from_addr = "zoe@example.org";
	m.to_list = "Bob <bob@example.org>";
	m.cc_list = "cc@example.org";
	m.subject = "Grüße";
	m.size = 12345;
	m.flags = STORE_SEEN | STORE_FLAGGED;
	m.keywords = "$Label1 Work";
	m.has_attachments = true;
	m.body_state = STORE_BODY_FULL;	/* ignored: no body yet */
	m.pop3_uidl = "uidl-1";
	assert_int_equal(store_msg_insert(s, &m, &id, &err), 0);

	assert_int_equal(store_msg_get(s, id, &got, &err), 0);
	assert_int_equal(got.id, id);
	assert_int_equal(got.folder_id, folder);
	assert_int_equal(got.uid, 4000000000u);
	assert_int_equal(got.modseq, 77);
	assert_string_equal(got.message_id, m.message_id);
	assert_string_equal(got.in_reply_to, m.in_reply_to);
	assert_string_equal(got.refs, m.refs);
	assert_int_equal(got.thread_id, 5);
	assert_int_equal(got.date, m.date);
	assert_int_equal(got.internal_date, m.internal_date);
	assert_string_equal(got.from_name, "Zoë");
	assert_string_equal(got.from_addr, m.from_addr);
	assert_string_equal(got.to_list, m.to_list);
	assert_string_equal(got.cc_list, m.cc_list);
	assert_string_equal(got.subject, "Grüße");
	assert_int_equal(got.size, 12345);
	assert_int_equal(got.flags, STORE_SEEN | STORE_FLAGGED);
	assert_string_equal(got.keywords, m.keywords);
	assert_true(got.has_attachments);
	assert_int_equal(got.body_state, STORE_BODY_NONE);
	assert_string_equal(got.pop3_uidl, "uidl-1");
	assert_int_equal(got.fetched_at, 0);
	store_msg_free(&got);
	assert_null(got.subject);

	/* The same UID again: the existing row, unchanged. */
	m.subject = "other";
	assert_int_equal(store_msg_insert(s, &m, &id2, &err), 1);
	assert_int_equal(id2, id);
	assert_int_equal(store_msg_by_uid(s, folder, 4000000000u, &got, &err),
	    0);
	assert_string_equal(got.subject, "Grüße");
	store_msg_free(&got);

	/* Without a UID (saved offline) any number may coexist. */
	m.uid = 0;
	assert_int_equal(store_msg_insert(s, &m, &id, &err), 0);
	assert_int_equal(store_msg_insert(s, &m, &id2, &err), 0);
	assert_true(id != id2);
	assert_int_equal(store_msg_get(s, id2, &got, &err), 0);
	assert_int_equal(got.uid, 0);
	store_msg_free(&got);
	store_close(s);
}

struct page_seen {
	int			n;
	int64_t			ids[64];
	int64_t			dates[64];
	struct store_page_key	last;
};

static int
collect_page(void *arg, const struct store_msg *m)
{
	struct page_seen	*ps = arg;

	if (ps->n == 64)
		return 1;
	ps->ids[ps->n] = m->id;
	ps->dates[ps->n] = m->date;
	ps->n++;
	ps->last.date = m->date;
	ps->last.id = m->id;
	return 0;
}

static void
pages_walk_newest_first_by_keyset_without_repeats(void **state)
{
	struct store		*s = open_rw("page.db");
	struct page_seen	 all, ps, up;
	struct store_page_key	 key;
	struct perr		 err;
	int64_t			 folder = make_folder(s, "INBOX", NULL);
	int64_t			 other = make_folder(s, "Other", NULL);
	int			 i, j, before;

	/* 25 messages, three to a date, so ties must be broken by id. */
	for (i = 0; i < 25; i++)
		add_msg(s, folder, (uint32_t)i + 1, 1000 + i / 3, "x", 0);
	add_msg(s, other, 1, 5000, "elsewhere", 0);

	memset(&all, 0, sizeof all);
	memset(&ps, 0, sizeof ps);
	for (;;) {
		before = ps.n;
		assert_int_equal(store_msg_page(s, folder,
		    before == 0 ? NULL : &ps.last, 10, collect_page, &ps,
		    &err), 0);
		assert_true(ps.n - before <= 10);
		if (ps.n == before)
			break;
	}
	assert_int_equal(ps.n, 25);
	for (i = 1; i < ps.n; i++) {
		assert_true(ps.dates[i - 1] > ps.dates[i] ||
		    (ps.dates[i - 1] == ps.dates[i] &&
		    ps.ids[i - 1] > ps.ids[i]));
		for (j = 0; j < i; j++)
			assert_true(ps.ids[i] != ps.ids[j]);
	}
	assert_int_equal(ps.dates[0], 1008);

	/* Scrolling back up from row 15 gives rows 14..10, nearest first. */
	key.date = ps.dates[15];
	key.id = ps.ids[15];
	memset(&up, 0, sizeof up);
	assert_int_equal(store_msg_page_newer(s, folder, &key, 5,
	    collect_page, &up, &err), 0);
	assert_int_equal(up.n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(up.ids[i], ps.ids[14 - i]);

	/* A callback can stop the walk, and its value comes back. */
	memset(&all, 0, sizeof all);
	all.n = 64;
	assert_int_equal(store_msg_page(s, folder, NULL, 10, collect_page,
	    &all, &err), 1);
	store_close(s);
}

/* Re-enter the store from inside a walk over the same statement. */
static int
nested_page(void *arg, const struct store_msg *m)
{
	struct store		*s = arg;
	struct page_seen	 inner;
	struct store_msg	 got;
	struct perr		 err;

	memset(&inner, 0, sizeof inner);
	if (store_msg_page(s, m->folder_id, NULL, 3, collect_page, &inner,
	    &err) != 0 || inner.n != 3)
		return 2;
	if (store_msg_get(s, m->id, &got, &err) != 0)
		return 3;
	store_msg_free(&got);
	return 0;
}

static void
callbacks_may_reenter_the_store(void **state)
{
	struct store	*s = open_rw("reenter.db");
	struct perr	 err;
	int64_t		 folder = make_folder(s, "INBOX", NULL);
	int		 i;

	for (i = 0; i < 5; i++)
		add_msg(s, folder, (uint32_t)i + 1, i, "x", 0);
	assert_int_equal(store_msg_page(s, folder, NULL, 5, nested_page, s,
	    &err), 0);
	store_close(s);
}

struct uid_seen {
	int		n;
	uint32_t	last;
	bool		ordered;
};

static int
collect_uid(void *arg, const struct store_uid *u)
{
	struct uid_seen	*us = arg;

	if (u->uid <= us->last)
		us->ordered = false;
	us->last = u->uid;
	us->n++;
	return 0;
}

static void
flags_uids_and_deletes_by_uid(void **state)
{
	struct store		*s = open_rw("flags.db");
	struct store_msg	 got;
	struct uid_seen		 us;
	struct perr		 err;
	int64_t			 folder = make_folder(s, "INBOX", NULL);
	int64_t			 id, n, total, unread;
	uint32_t		 max;
	int			 i;

	assert_int_equal(store_msg_max_uid(s, folder, &max, &err), 0);
	assert_int_equal(max, 0);
	/* Inserted out of order; walked in UID order. */
	for (i = 20; i >= 1; i--)
		add_msg(s, folder, (uint32_t)i * 10, i, "x", 0);
	id = add_msg(s, folder, 0, 0, "draft", STORE_DRAFT);
	assert_int_equal(store_msg_max_uid(s, folder, &max, &err), 0);
	assert_int_equal(max, 200);

	memset(&us, 0, sizeof us);
	us.ordered = true;
	assert_int_equal(store_msg_uids(s, folder, collect_uid, &us, &err), 0);
	assert_int_equal(us.n, 20);
	assert_true(us.ordered);

	/* Server flags with keywords and modseq, then keywords kept. */
	assert_int_equal(store_msg_flags_uid(s, folder, 10,
	    STORE_SEEN | STORE_ANSWERED, "Work", 500, &err), 1);
	assert_int_equal(store_msg_flags_uid(s, folder, 10, STORE_SEEN, NULL,
	    0, &err), 1);
	assert_int_equal(store_msg_by_uid(s, folder, 10, &got, &err), 0);
	assert_int_equal(got.flags, STORE_SEEN);
	assert_string_equal(got.keywords, "Work");
	assert_int_equal(got.modseq, 500);
	store_msg_free(&got);
	assert_int_equal(store_msg_flags_uid(s, folder, 10, STORE_SEEN, "", 0,
	    &err), 1);
	assert_int_equal(store_msg_by_uid(s, folder, 10, &got, &err), 0);
	assert_null(got.keywords);
	store_msg_free(&got);
	assert_int_equal(store_msg_flags_uid(s, folder, 11, 0, NULL, 0, &err),
	    0);
	assert_int_equal(store_msg_set_modseq(s, folder, 20, 600, &err), 1);

	/* Local action: add and remove bits. */
	assert_int_equal(store_msg_flags_change(s, id, STORE_SEEN |
	    STORE_FLAGGED, STORE_DRAFT, &err), 1);
	assert_int_equal(store_msg_get(s, id, &got, &err), 0);
	assert_int_equal(got.flags, STORE_SEEN | STORE_FLAGGED);
	store_msg_free(&got);
	assert_int_equal(store_msg_flags_change(s, 999999, STORE_SEEN, 0,
	    &err), 0);

	assert_int_equal(store_folder_counts(s, folder, &total, &unread,
	    &err), 0);
	assert_int_equal(total, 21);
	assert_int_equal(unread, 19);

	/* VANISHED (EARLIER) 30:60,200 */
	assert_int_equal(store_msg_delete_uids(s, folder, 30, 60, &n, &err),
	    0);
	assert_int_equal(n, 4);
	assert_int_equal(store_msg_delete_uid(s, folder, 200, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_msg_delete_uid(s, folder, 200, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_msg_max_uid(s, folder, &max, &err), 0);
	assert_int_equal(max, 190);

	/* UIDVALIDITY changed: forget, then re-map one by id. */
	assert_int_equal(store_folder_forget_uids(s, folder, &err), 0);
	assert_int_equal(store_msg_max_uid(s, folder, &max, &err), 0);
	assert_int_equal(max, 0);
	assert_int_equal(store_msg_set_uid(s, id, 7, &err), 0);
	assert_int_equal(store_msg_max_uid(s, folder, &max, &err), 0);
	assert_int_equal(max, 7);
	perr_clear(&err);
	assert_int_equal(store_msg_set_uid(s, 999999, 8, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	store_close(s);
}

static int
count_rows(void *arg, const struct store_msg *m)
{
	(*(int *)arg)++;
	return 0;
}

static void
message_id_and_thread_lookups(void **state)
{
	struct store		*s = open_rw("mid.db");
	struct store_msg	 m;
	struct perr		 err;
	int64_t			 inbox = make_folder(s, "INBOX", NULL);
	int64_t			 sent = make_folder(s, "Sent", NULL);
	int64_t			 a, b;
	int			 n;

	memset(&m, 0, sizeof m);
	m.message_id = "same@example.org";
	m.thread_id = 42;
	m.folder_id = inbox;
	m.uid = 1;
	assert_int_equal(store_msg_insert(s, &m, &a, &err), 0);
	m.folder_id = sent;
	assert_int_equal(store_msg_insert(s, &m, &b, &err), 0);

	n = 0;
	assert_int_equal(store_msg_by_message_id(s, "same@example.org", 0,
	    count_rows, &n, &err), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(store_msg_by_message_id(s, "same@example.org", sent,
	    count_rows, &n, &err), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(store_msg_thread(s, 42, count_rows, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_msg_set_thread(s, b, 43, &err), 0);
	n = 0;
	assert_int_equal(store_msg_thread(s, 42, count_rows, &n, &err), 0);
	assert_int_equal(n, 1);
	store_close(s);
}

/* ---- bodies and search ------------------------------------------------- */

static int
search_count(struct store *s, int64_t account, int64_t folder,
    const char *q)
{
	struct perr	err;
	int		n = 0;

	if (store_msg_search(s, account, folder, q, 100, count_rows, &n,
	    &err) != 0)
		fail_msg("search %s: %s", q, err.msg);
	return n;
}

static void
search_ignores_diacritics_and_case(void **state)
{
	struct store		*s = open_rw("fts.db");
	struct store_msg	 m;
	struct perr		 err;
	int64_t			 acc, folder = make_folder(s, "INBOX", &acc);
	int64_t			 id;
	int			 n;
	static const char	 raw[] = "Subject: Perché\r\n\r\nCafé au lait\r\n";

	memset(&m, 0, sizeof m);
	m.folder_id = folder;
	m.uid = 1;
	m.subject = "Perché no?";
	m.from_name = "Alice Liddell";
	m.from_addr = "alice@example.org";
	m.to_list = "Bob <bob@example.org>";
	assert_int_equal(store_msg_insert(s, &m, &id, &err), 0);
	add_msg(s, folder, 2, 2, "unrelated", 0);

	assert_int_equal(search_count(s, 0, 0, "perche"), 1);
	assert_int_equal(search_count(s, 0, 0, "PERCHÉ"), 1);
	assert_int_equal(search_count(s, acc, 0, "from:alice"), 1);
	assert_int_equal(search_count(s, 0, folder, "to:bob"), 1);
	assert_int_equal(search_count(s, acc + 1, 0, "perche"), 0);
	assert_int_equal(search_count(s, 0, 0, "cafe"), 0);

	assert_int_equal(store_body_put(s, id, raw, sizeof raw - 1,
	    "Café au lait", &err), 0);
	assert_int_equal(search_count(s, 0, 0, "cafe"), 1);
	assert_int_equal(search_count(s, 0, 0, "body:lait"), 1);
	/* Replacing the body replaces its text. */
	assert_int_equal(store_body_put(s, id, raw, sizeof raw - 1, "Tee",
	    &err), 0);
	assert_int_equal(search_count(s, 0, 0, "cafe"), 0);
	assert_int_equal(search_count(s, 0, 0, "tee"), 1);

	perr_clear(&err);
	n = 0;
	assert_int_equal(store_msg_search(s, 0, 0, "\"unbalanced", 10,
	    count_rows, &n, &err), -1);
	assert_int_equal(err.code, PERR_STORE);
	store_close(s);
}

static void
bodies_round_trip_and_go_with_their_message(void **state)
{
	struct store		*s = open_rw("body.db");
	struct store_msg	 got;
	struct perr		 err;
	int64_t			 folder = make_folder(s, "INBOX", NULL);
	int64_t			 a, b, c;
	void			*raw;
	size_t			 len;
	static const char	 bytes[] = "From: a\r\n\r\nhello\0world";

	a = add_msg(s, folder, 1, 1, "alpha", 0);
	b = add_msg(s, folder, 2, 2, "beta", 0);
	c = add_msg(s, folder, 3, 3, "gamma", 0);

	perr_clear(&err);
	assert_int_equal(store_body_get(s, a, &raw, &len, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);

	assert_int_equal(store_body_put(s, a, bytes, sizeof bytes, "hello",
	    &err), 0);
	assert_int_equal(store_body_get(s, a, &raw, &len, &err), 0);
	assert_int_equal(len, sizeof bytes);
	assert_memory_equal(raw, bytes, sizeof bytes);
	free(raw);
	assert_int_equal(store_msg_get(s, a, &got, &err), 0);
	assert_int_equal(got.body_state, STORE_BODY_FULL);
	assert_true(got.fetched_at > 0);
	store_msg_free(&got);

	/* An empty body is still a body. */
	assert_int_equal(store_body_put(s, b, "", 0, NULL, &err), 0);
	assert_int_equal(store_body_get(s, b, &raw, &len, &err), 0);
	assert_int_equal(len, 0);
	free(raw);

	perr_clear(&err);
	assert_int_equal(store_body_put(s, 999999, bytes, 3, NULL, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);

	/* Deleting a message takes its body and its search row. */
	assert_int_equal(search_count(s, 0, 0, "hello"), 1);
	assert_int_equal(store_msg_delete(s, a, &err), 0);
	perr_clear(&err);
	assert_int_equal(store_body_get(s, a, &raw, &len, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	assert_int_equal(search_count(s, 0, 0, "hello"), 0);
	assert_int_equal(search_count(s, 0, 0, "alpha"), 0);
	perr_clear(&err);
	assert_int_equal(store_msg_delete(s, a, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);

	/* Deleting the folder takes everything in it. */
	assert_int_equal(store_body_put(s, c, "x", 1, "gamma ray", &err), 0);
	assert_int_equal(search_count(s, 0, 0, "gamma"), 1);
	assert_int_equal(store_folder_delete(s, folder, &err), 0);
	assert_int_equal(search_count(s, 0, 0, "gamma"), 0);
	assert_int_equal(search_count(s, 0, 0, "beta"), 0);
	perr_clear(&err);
	assert_int_equal(store_body_get(s, c, &raw, &len, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	perr_clear(&err);
	assert_int_equal(store_msg_get(s, b, &got, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	store_close(s);
}

/* ---- POP3 ---------------------------------------------------------------- */

static int
count_uidl(void *arg, const char *uidl, int64_t first_seen)
{
	(*(int *)arg)++;
	return 0;
}

/* Counts the UIDLs that are not header hashes (which are never deleted). */
static int
count_real_uidl(void *arg, const char *uidl, int64_t first_seen)
{
	(void)first_seen;
	if (uidl[0] != '%')
		(*(int *)arg)++;
	return 0;
}

static void
pop3_uidls_are_remembered(void **state)
{
	struct store	*s = open_rw("pop.db");
	struct perr	 err;
	int64_t		 acc;
	bool		 known;
	int		 n;

	assert_int_equal(store_account_ensure(s, "home", STORE_POP3, &acc,
	    &err), 0);
	assert_int_equal(store_pop3_known(s, acc, "u1", &known, &err), 0);
	assert_false(known);
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_pop3_add(s, acc, "u1", 100, &err), 0);
	assert_int_equal(store_pop3_add(s, acc, "u2", 300, &err), 0);
	assert_int_equal(store_pop3_add(s, acc, "u1", 999, &err), 0);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(store_pop3_known(s, acc, "u1", &known, &err), 0);
	assert_true(known);

	n = 0;
	assert_int_equal(store_pop3_older(s, acc, 200, count_uidl, &n, &err),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(store_pop3_mark_deleted(s, acc, "u1", &err), 0);
	n = 0;
	assert_int_equal(store_pop3_older(s, acc, 200, count_uidl, &n, &err),
	    0);
	assert_int_equal(n, 0);
	perr_clear(&err);
	assert_int_equal(store_pop3_mark_deleted(s, acc, "nope", &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	store_close(s);
}

/* A message known by a header hash is given its UIDL, not a second row. */
static void
pop3_pseudo_uidl_is_adopted(void **state)
{
	struct store		*s = open_rw("adopt.db");
	struct store_msg	 m, got;
	struct perr		 err;
	int64_t			 acc, folder = make_folder(s, "INBOX", &acc);
	int64_t			 with_id, without_id;
	bool			 known;
	int			 n;

	memset(&m, 0, sizeof m);
	m.folder_id = folder;
	m.message_id = "a@example.org";
	m.subject = "with";
	m.pop3_uidl = "%sha256:aa:10";
	assert_int_equal(store_msg_insert(s, &m, &with_id, &err), 0);
	m.message_id = NULL;
	m.subject = "without";
	m.pop3_uidl = "%sha256:bb:20";
	assert_int_equal(store_msg_insert(s, &m, &without_id, &err), 0);
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_pop3_add(s, acc, "%sha256:aa:10", 100, &err), 0);
	assert_int_equal(store_pop3_add(s, acc, "%sha256:bb:20", 100, &err), 0);
	assert_int_equal(store_pop3_adopt(s, acc, "%sha256:aa:10", "u-a",
	    "a@example.org", &err), 0);
	assert_int_equal(store_pop3_adopt(s, acc, "%sha256:bb:20", "u-b",
	    NULL, &err), 0);
	assert_int_equal(store_commit(s, &err), 0);

	assert_int_equal(store_msg_get(s, with_id, &got, &err), 0);
	assert_string_equal(got.pop3_uidl, "u-a");
	store_msg_free(&got);
	assert_int_equal(store_msg_get(s, without_id, &got, &err), 0);
	assert_string_equal(got.pop3_uidl, "u-b");
	store_msg_free(&got);
	/* Both identities known; the UIDL dates from the first download. */
	assert_int_equal(store_pop3_known(s, acc, "u-a", &known, &err), 0);
	assert_true(known);
	assert_int_equal(store_pop3_known(s, acc, "%sha256:aa:10", &known,
	    &err), 0);
	assert_true(known);
	n = 0;
	assert_int_equal(store_pop3_older(s, acc, 200, count_uidl, &n, &err),
	    0);
	assert_int_equal(n, 4);
	/* An unknown hash adopts nothing. */
	assert_int_equal(store_pop3_adopt(s, acc, "%sha256:cc:1", "u-c", NULL,
	    &err), 1);
	assert_int_equal(store_pop3_known(s, acc, "u-c", &known, &err), 0);
	assert_false(known);
	/*
	 * A hash that is only the second identity of a message stored under
	 * its UIDL (the server then changed that UIDL): nothing adopted, and
	 * the new UIDL is not recorded, or it would read as deleted here
	 * (held by no message) and be deleted from the server.
	 */
	m.message_id = "d@example.org";
	m.subject = "renamed";
	m.pop3_uidl = "u-old";
	assert_int_equal(store_msg_insert(s, &m, &with_id, &err), 0);
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_pop3_add(s, acc, "u-old", 100, &err), 0);
	assert_int_equal(store_pop3_add(s, acc, "%sha256:dd:5", 100, &err), 0);
	assert_int_equal(store_pop3_adopt(s, acc, "%sha256:dd:5", "u-new",
	    "d@example.org", &err), 1);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(store_pop3_known(s, acc, "u-new", &known, &err), 0);
	assert_false(known);
	n = 0;
	assert_int_equal(store_pop3_orphans(s, acc, count_real_uidl, &n,
	    &err), 0);
	assert_int_equal(n, 0);
	store_close(s);
}

/* ---- volume -------------------------------------------------------------- */

static int
bodiless_one(void *arg, int64_t id, uint32_t uid, int64_t size)
{
	uint32_t	*uids = arg;

	(void)id;
	(void)size;
	uids[uids[0] + 1] = uid;
	uids[0]++;
	return 0;
}

static void
bodiless_messages_newest_first_within_bounds(void **state)
{
	struct store		*s = open_rw("bodiless.db");
	struct store_msg	 m;
	struct perr		 err;
	int64_t			 folder = make_folder(s, "INBOX", NULL), id;
	uint32_t		 got[8] = { 0 };
	uint32_t		 i;

	for (i = 1; i <= 5; i++) {
		memset(&m, 0, sizeof m);
		m.folder_id = folder;
		m.uid = i;
		m.date = 1000 * i;
		m.size = i == 4 ? 999999 : 100;
		assert_int_equal(store_msg_insert(s, &m, &id, &err), 0);
		if (i == 2)
			assert_int_equal(store_body_put(s, id, "x", 1, NULL,
			    &err), 0);
	}
	memset(&m, 0, sizeof m);		/* no UID yet: not wanted */
	m.folder_id = folder;
	m.date = 9000;
	assert_int_equal(store_msg_insert(s, &m, &id, &err), 0);
	/* 2 has its body, 4 is too big, 1 is older than since */
	assert_int_equal(store_msg_bodiless(s, folder, 1500, 1000, false,
	    bodiless_one, got, &err), 0);
	assert_int_equal(got[0], 2);
	assert_int_equal(got[1], 5);
	assert_int_equal(got[2], 3);
	/* A problem moves a row from one list to the other. */
	assert_int_equal(store_msg_set_problem(s, id - 1, "broken", &err), 0);
	memset(got, 0, sizeof got);
	assert_int_equal(store_msg_bodiless(s, folder, 1500, 1000, false,
	    bodiless_one, got, &err), 0);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 3);
	memset(got, 0, sizeof got);
	assert_int_equal(store_msg_bodiless(s, folder, 0, 1000, true,
	    bodiless_one, got, &err), 0);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 5);
	store_close(s);
}

static void
problem_marker_survives_a_body(void **state)
{
	struct store		*s = open_rw("problem.db");
	struct store_msg	 got;
	struct perr		 err;
	int64_t			 folder = make_folder(s, "INBOX", NULL);
	int64_t			 a = add_msg(s, folder, 1, 1, "alpha", 0);

	assert_int_equal(store_msg_get(s, a, &got, &err), 0);
	assert_null(got.problem);
	store_msg_free(&got);
	assert_int_equal(store_msg_set_problem(s, a, "unparseable", &err), 0);
	assert_int_equal(store_body_put(s, a, "x", 1, NULL, &err), 0);
	assert_int_equal(store_msg_get(s, a, &got, &err), 0);
	assert_string_equal(got.problem, "unparseable");
	store_msg_free(&got);
	assert_int_equal(store_msg_set_problem(s, a, NULL, &err), 0);
	assert_int_equal(store_msg_get(s, a, &got, &err), 0);
	assert_null(got.problem);
	store_msg_free(&got);
	perr_clear(&err);
	assert_int_equal(store_msg_set_problem(s, 9999, "x", &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	store_close(s);
}

/* ---- sorted pages (schema version 5) ----------------------------------- */

/* 1,000 messages: 7 senders, 6 base subjects, 11 sizes, 50 dates. */
static void
add_sort_corpus(struct store *s, int64_t folder)
{
	/* Two spellings of each sender: the key must not tell them apart. */
	static const char *const names[][2] = {
		{ "Alice", "ALICE" }, { "bob", "Bob" }, { "Élodie", "ÉLODIE" },
		{ "Zoë Müller", "ZOË MÜLLER" }, { NULL, NULL }, { "", "" },
		{ "Ärger GmbH", "ärger gmbh" },
	};
	static const char *const addrs[] = { "a@x.org", "b@x.org", "e@x.org",
	    "z@x.org", "carol@x.org", "Dave@X.org", "g@x.org" };
	static const char *const subjects[] = { "Plans", "Re: plans",
	    "Fwd: PLANS", "[team] Re: Plans", "Lunch", "RE: lunch",
	    "Città", "Re: CITTÀ", "", "Re: ", "zebra", "Aw: Zebra",
	    "  Report", "Report", "report (fwd)" };
	struct store_msg	m;
	struct perr		err;
	int			i;

	assert_int_equal(store_begin(s, &err), 0);
	for (i = 0; i < 1000; i++) {
		memset(&m, 0, sizeof m);
		m.folder_id = folder;
		m.uid = (uint32_t)i + 1;
		/* Dates repeat and do not follow the ids. */
		m.date = 1000 + (i * 7) % 50;
		m.from_name = (char *)names[i % 7][(i / 7) % 2];
		m.from_addr = (char *)addrs[i % 7];
		if (i % 7 == 5 && (i / 7) % 2)
			m.from_addr = "dave@x.org";
		m.subject = (char *)subjects[i % 15];
		m.size = (i % 11) * 100;
		if (store_msg_insert(s, &m, NULL, &err) != 0)
			fail_msg("insert %d: %s", i, err.msg);
	}
	assert_int_equal(store_commit(s, &err), 0);
}

struct sorted_walk {
	enum store_sort		 sort;
	int64_t			*ids;
	size_t			 n;
	struct store_sort_key	 last;
	char			*text;		/* last.text, owned */
};

static void
walk_set_last(struct sorted_walk *w, const struct store_sort_key *k)
{
	char	*text = k->text != NULL ? xstrdup(k->text) : NULL;

	w->last = *k;
	free(w->text);
	w->text = text;
	w->last.text = text;
}

static int
collect_sorted(void *arg, const struct store_msg *m)
{
	struct sorted_walk	*w = arg;
	struct store_sort_key	 k;

	w->ids = xreallocarray(w->ids, w->n + 1, sizeof *w->ids);
	w->ids[w->n++] = m->id;
	store_msg_sort_key(m, w->sort, &k);
	walk_set_last(w, &k);
	return 0;
}

/* The whole folder in pages of per, from after *from (NULL: the first). */
static void
walk_sorted(struct store *s, int64_t folder, enum store_sort sort, bool desc,
    const struct store_sort_key *from, size_t per, struct sorted_walk *w)
{
	struct perr	err;
	size_t		before;

	memset(w, 0, sizeof *w);
	w->sort = sort;
	if (from != NULL)
		walk_set_last(w, from);
	do {
		before = w->n;
		assert_int_equal(store_msg_page_sorted(s, folder, sort,
		    before == 0 && from == NULL ? NULL : &w->last, desc,
		    (int)per, collect_sorted, w, &err), 0);
		assert_true(w->n - before <= per);
	} while (w->n - before == per);
}

/* The order as one ORDER BY over the whole folder, through raw SQLite. */
static int64_t *
full_order(const char *path, int64_t folder, enum store_sort sort, bool desc,
    size_t *n)
{
	static const char *const col[] = { "date", "sort_from",
	    "sort_subject", "size" };
	const char	*d = desc ? " DESC" : "";
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		*ids = NULL;
	char		*sql;
	int		 rc;

	sql = xasprintf("SELECT id FROM message WHERE folder_id = %lld"
	    " ORDER BY %s%s, date%s, id%s", (long long)folder, col[sort], d,
	    d, d);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ids = xreallocarray(ids, *n + 1, sizeof *ids);
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	free(sql);
	return ids;
}

/* A single number from raw SQL. */
static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	return v;
}

/*
 * Every page statement the store has prepared reads its order's index,
 * never the table and never a temporary sort: a page costs the same at the
 * top and at the bottom of any folder. Returns how many were looked at.
 */
static int
page_plans_use_their_index(struct store *s)
{
	sqlite3_stmt	*st = NULL, *qp;
	const char	*sql, *order, *want, *detail;
	char		*explain;
	int		 checked = 0, hits;

	while ((st = sqlite3_next_stmt(s->db, st)) != NULL) {
		sql = sqlite3_sql(st);
		if (strstr(sql, "WHERE m.folder_id = ?1") == NULL ||
		    strstr(sql, "LIMIT ?5") == NULL)
			continue;
		order = strstr(sql, "ORDER BY m.");
		assert_non_null(order);
		order += strlen("ORDER BY m.");
		want = strncmp(order, "sort_from", 9) == 0 ?
		    "message_folder_from" : strncmp(order, "sort_subject", 12) ==
		    0 ? "message_folder_subject" : strncmp(order, "size", 4) ==
		    0 ? "message_folder_size" : "message_folder_date";
		explain = xasprintf("EXPLAIN QUERY PLAN %s", sql);
		assert_int_equal(sqlite3_prepare_v2(s->db, explain, -1, &qp,
		    NULL), SQLITE_OK);
		hits = 0;
		while (sqlite3_step(qp) == SQLITE_ROW) {
			detail = (const char *)sqlite3_column_text(qp, 3);
			if (strstr(detail, "TEMP B-TREE") != NULL ||
			    strncmp(detail, "SCAN", 4) == 0)
				fail_msg("%s\n  plan: %s", sql, detail);
			if (strstr(detail, want) != NULL)
				hits++;
		}
		if (hits != 1)
			fail_msg("%s\n  does not use %s", sql, want);
		assert_int_equal(sqlite3_finalize(qp), SQLITE_OK);
		free(explain);
		checked++;
	}
	return checked;
}

static void
sorted_pages_walk_every_order_both_ways(void **state)
{
	struct store		*s = open_rw("sorted.db");
	struct sorted_walk	 w, back;
	struct store_msg	 got;
	struct perr		 err;
	int64_t			 folder = make_folder(s, "INBOX", NULL);
	int64_t			 other = make_folder(s, "Other", NULL);
	int64_t			*want, id;
	char			*sql;
	size_t			 n, i;
	int			 sort, desc;

	add_sort_corpus(s, folder);
	add_sort_corpus(s, other);	/* never seen from INBOX */

	/* Seven senders, six base subjects, whatever the spelling. */
	sql = xasprintf("SELECT count(DISTINCT sort_from) FROM message"
	    " WHERE folder_id = %lld", (long long)folder);
	assert_int_equal(raw_int(store_path(s), sql), 7);
	free(sql);
	sql = xasprintf("SELECT count(DISTINCT sort_subject) FROM message"
	    " WHERE folder_id = %lld", (long long)folder);
	assert_int_equal(raw_int(store_path(s), sql), 6);
	free(sql);
	id = add_msg(s, folder, 5000, 1, "Re: [x] Fwd:  ÀÉÎ Ÿ ĲŁ ΣΩ ЖЁ", 0);
	assert_int_equal(store_msg_get(s, id, &got, &err), 0);
	assert_string_equal(got.sort_subject, "àéî ÿ ĳł σω жё");
	assert_string_equal(got.sort_from, "");
	store_msg_free(&got);
	assert_int_equal(store_msg_delete(s, id, &err), 0);
	/* A copy keeps its keys (store_msg_copy inserts by SQL alone). */
	assert_int_equal(store_msg_by_uid(s, folder, 3, &got, &err), 0);
	assert_string_equal(got.sort_from, "élodie");
	assert_string_equal(got.sort_subject, "plans");
	assert_int_equal(store_msg_copy(s, got.id, other, &id, &err), 0);
	store_msg_free(&got);
	assert_int_equal(store_msg_get(s, id, &got, &err), 0);
	assert_string_equal(got.sort_from, "élodie");
	assert_string_equal(got.sort_subject, "plans");
	store_msg_free(&got);

	for (sort = STORE_SORT_DATE; sort <= STORE_SORT_SIZE; sort++)
		for (desc = 0; desc < 2; desc++) {
			want = full_order(store_path(s), folder,
			    (enum store_sort)sort, desc, &n);
			assert_int_equal(n, 1000);
			/* Down in pages of 50... */
			walk_sorted(s, folder, (enum store_sort)sort, desc,
			    NULL, 50, &w);
			assert_int_equal(w.n, n);
			for (i = 0; i < n; i++)
				if (w.ids[i] != want[i])
					fail_msg("sort %d desc %d: row %zu is "
					    "%lld, not %lld", sort, desc, i,
					    (long long)w.ids[i],
					    (long long)want[i]);
			/* ...and back up from the last row, in pages of 50. */
			walk_sorted(s, folder, (enum store_sort)sort, !desc,
			    &w.last, 50, &back);
			assert_int_equal(back.n, n - 1);
			for (i = 0; i < back.n; i++)
				assert_int_equal(back.ids[i], want[n - 2 - i]);
			free(w.ids);
			free(w.text);
			free(back.ids);
			free(back.text);
			free(want);
		}
	/* Each order, each direction, from the top and after a key. */
	assert_int_equal(page_plans_use_their_index(s), 16);
	store_close(s);
}

/*
 * What schema versions 5 (sort keys), 6 (outbox claims) and 7 (the search
 * index's columns) add, so that a test can take it away again: version
 * 7's index goes back to version 1's (subject, from, to, body), its rows
 * with it.
 */
static void
drop_search_index(const char *path)
{
	raw_sql(path, "DROP TRIGGER message_fts_insert;"
	    " DROP TRIGGER message_fts_update;"
	    " DROP TRIGGER message_fts_delete;"
	    " DROP INDEX message_fts_wait;"
	    " ALTER TABLE message DROP COLUMN fts_state;"
	    " DROP INDEX message_date;"
	    " CREATE VIRTUAL TABLE fts_v1 USING fts5(subject, \"from\","
	    "  \"to\", body, tokenize = 'unicode61 remove_diacritics 2');"
	    " INSERT INTO fts_v1(rowid, subject, \"from\", \"to\", body)"
	    "  SELECT rowid, subject, \"from\", \"to\" || ' ' || cc, body"
	    "  FROM message_fts;"
	    " DROP TABLE message_fts;"
	    " ALTER TABLE fts_v1 RENAME TO message_fts;"
	    " CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN"
	    "  INSERT INTO message_fts(rowid, subject, \"from\", \"to\")"
	    "  VALUES (new.id, new.subject, coalesce(new.from_name, '') || ' '"
	    "  || coalesce(new.from_addr, ''), coalesce(new.to_list, '') || ' '"
	    "  || coalesce(new.cc_list, '')); END;"
	    " CREATE TRIGGER message_fts_update AFTER UPDATE OF subject,"
	    "  from_name, from_addr, to_list, cc_list ON message BEGIN"
	    "  UPDATE message_fts SET subject = new.subject WHERE rowid = new.id;"
	    "  END;"
	    " CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN"
	    "  DELETE FROM message_fts WHERE rowid = old.id; END;");
}

static void
drop_sort_keys(const char *path)
{
	drop_search_index(path);
	raw_sql(path, "DROP INDEX message_folder_from;"
	    " DROP INDEX message_folder_subject;"
	    " DROP INDEX message_folder_size;"
	    " ALTER TABLE message DROP COLUMN sort_from;"
	    " ALTER TABLE message DROP COLUMN sort_subject;"
	    " ALTER TABLE outbox DROP COLUMN claim_pid");
}

static int
count_ids(void *arg, const struct store_msg *m)
{
	(void)m;
	(*(int *)arg)++;
	return 0;
}

static int
search_hits(struct store *s, const char *query)
{
	struct search_node	*q;
	struct store_find	 f = { .limit = -1 };
	struct perr		 err;
	int			 n = 0;

	if (search_parse(query, 0, &q, &err) != 0 ||
	    store_msg_find(s, q, &f, count_ids, &n, &err) != 0)
		fail_msg("%s: %s", query, err.msg);
	search_free(q);
	return n;
}

/*
 * Version 7 indexes a store of version 6 without a resync: Cc gets its
 * own column, the attachments' file names are read from stored bodies,
 * the body text is kept.
 */
static void
version_6_store_gets_the_search_columns(void **state)
{
	static const char	 raw[] =
	    "Subject: x\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nferie\r\n"
	    "--b\r\nContent-Type: application/pdf; name=\"preventivo.pdf\"\r\n"
	    "\r\n%PDF\r\n--b--\r\n";
	struct store		*s = open_rw("v6.db");
	struct store_msg	 m = { 0 };
	struct perr		 err;
	int64_t			 id;
	char			*path = xstrdup(store_path(s));

	m.folder_id = make_folder(s, "INBOX", NULL);
	m.uid = 1;
	m.subject = "Città";
	m.to_list = "anna@x.org";
	m.cc_list = "Carla <carla@y.org>";
	assert_int_equal(store_msg_insert(s, &m, &id, &err), 0);
	assert_int_equal(store_body_put(s, id, raw, sizeof raw - 1,
	    "ferie in montagna", &err), 0);
	store_close(s);
	drop_search_index(path);
	undo_v10(path);
	raw_sql(path, "PRAGMA user_version = 6");
	s = store_open(path, STORE_RDWR, &err);
	if (s == NULL)
		fail_msg("migrate: %s", err.msg);
	assert_int_equal(store_schema_version(s, &err), STORE_SCHEMA_VERSION);
	assert_int_equal(search_hits(s, "cc:carla"), 1);
	assert_int_equal(search_hits(s, "to:carla"), 1);
	assert_int_equal(search_hits(s, "to:anna"), 1);
	assert_int_equal(search_hits(s, "cc:anna"), 0);
	assert_int_equal(search_hits(s, "attachment:preventivo"), 1);
	assert_int_equal(search_hits(s, "body:montagna"), 1);
	assert_int_equal(search_hits(s, "subject:citta"), 1);
	/* and the triggers of version 7 keep it in step */
	m.uid = 2;
	m.cc_list = "dario@z.org";
	assert_int_equal(store_msg_insert(s, &m, &id, &err), 0);
	assert_int_equal(search_hits(s, "cc:dario"), 1);
	assert_int_equal(store_msg_delete(s, id, &err), 0);
	assert_int_equal(search_hits(s, "cc:dario"), 0);
	store_close(s);
	free(path);
}

/*
 * A message stored with its body (POP3, a raw fetch, a restore) gets one
 * whole row in the search index, written once: the insert trigger leaves
 * a row with its body to store_msg_insert_body() (schema version 8), and
 * every field is still searchable, in a copy too.
 */
static void
insert_with_body_indexes_the_row_once(void **state)
{
	static const char	 raw[] =
	    "Subject: x\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nferie\r\n"
	    "--b\r\nContent-Type: application/pdf; name=\"preventivo.pdf\"\r\n"
	    "\r\n%PDF\r\n--b--\r\n";
	struct store		*s = open_rw("once.db");
	struct store_msg	 m = { 0 }, got;
	struct perr		 err;
	int64_t			 id, again, copy, other;
	const char		*path = store_path(s);

	m.folder_id = make_folder(s, "INBOX", NULL);
	m.uid = 1;
	m.subject = "Città";
	m.from_name = "Mario Rossi";
	m.from_addr = "mario@x.org";
	m.to_list = "anna@x.org";
	m.cc_list = "Carla <carla@y.org>";
	assert_int_equal(store_msg_insert_body(s, &m, raw, sizeof raw - 1,
	    "ferie in montagna", "preventivo.pdf", &id, &err), 0);
	assert_int_equal(search_hits(s, "subject:citta"), 1);
	assert_int_equal(search_hits(s, "from:rossi"), 1);
	assert_int_equal(search_hits(s, "to:anna"), 1);
	assert_int_equal(search_hits(s, "cc:carla"), 1);
	assert_int_equal(search_hits(s, "body:montagna"), 1);
	assert_int_equal(search_hits(s, "attachment:preventivo"), 1);
	assert_int_equal(store_msg_get(s, id, &got, &err), 0);
	assert_int_equal(got.body_state, STORE_BODY_FULL);
	assert_true(got.fetched_at > 0);
	store_msg_free(&got);
	/* A row inserted with its body is not indexed by the trigger. */
	raw_sql(path, "INSERT INTO message(folder_id, subject, body_state)"
	    " VALUES (1, 'trigger', 2)");
	assert_int_equal(raw_int(path, "SELECT count(*) FROM message_fts"
	    " WHERE rowid = (SELECT max(id) FROM message)"), 0);
	raw_sql(path, "DELETE FROM message WHERE subject = 'trigger'");
	/* The UID already stored: nothing changes. */
	m.subject = "altro";
	assert_int_equal(store_msg_insert_body(s, &m, "x", 1, "altro", NULL,
	    &again, &err), 1);
	assert_int_equal(again, id);
	assert_int_equal(search_hits(s, "altro"), 0);
	/* A copy is indexed whole, once, from the original's row. */
	other = make_folder(s, "Archivio", NULL);
	assert_int_equal(store_msg_copy(s, id, other, &copy, &err), 0);
	assert_int_equal(search_hits(s, "body:montagna"), 2);
	assert_int_equal(search_hits(s, "attachment:preventivo"), 2);
	assert_int_equal(search_hits(s, "cc:carla"), 2);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM message_fts"), 2);
	raw_sql(path, "INSERT INTO message_fts(message_fts)"
	    " VALUES ('integrity-check')");
	store_close(s);
}

/*
 * Schema 9: a header row whose body comes later waits for it and is then
 * indexed once, whole; store_index_catch_up() gives the headers of what
 * still waits; staged rows follow their transaction (a rolled back
 * savepoint takes its row along); a search inside a write transaction
 * sees what it wrote; a store of version 8 gets the column.
 */
static void
index_waits_for_the_body_and_catches_up(void **state)
{
	struct store		*s = open_rw("wait.db");
	struct store_msg	 m = { 0 };
	struct perr		 err;
	int64_t			 a, b, c, n;
	char			*path = xstrdup(store_path(s));

	(void)state;
	m.folder_id = make_folder(s, "INBOX", NULL);
	m.index_later = true;
	m.uid = 1;
	m.subject = "fattura marzo";
	assert_int_equal(store_msg_insert(s, &m, &a, &err), 0);
	m.uid = 2;
	m.subject = "preventivo aprile";
	assert_int_equal(store_msg_insert(s, &m, &b, &err), 0);
	/* Waiting: not in the index yet, listed by the partial index. */
	assert_int_equal(search_hits(s, "fattura"), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM message"
	    " WHERE fts_state = 1"), 2);
	/* The body comes: one row, headers and body. */
	assert_int_equal(store_body_put(s, a, "x", 1, "montagna", &err), 0);
	assert_int_equal(search_hits(s, "fattura montagna"), 1);
	assert_int_equal(search_hits(s, "preventivo"), 0);
	/* b's never did: its headers. */
	assert_int_equal(store_index_catch_up(s, 0, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(search_hits(s, "preventivo"), 1);
	assert_int_equal(store_index_catch_up(s, 0, &n, &err), 0);
	assert_int_equal(n, 0);
	/* Its body later still: the header row is replaced, not doubled. */
	assert_int_equal(store_body_put(s, b, "x", 1, "mare", &err), 0);
	assert_int_equal(search_hits(s, "preventivo mare"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM message_fts"), 2);

	/* Staged rows live and die with their transaction. */
	m.index_later = false;
	assert_int_equal(store_begin(s, &err), 0);
	m.uid = 3;
	m.subject = "ricevuta";
	assert_int_equal(store_msg_insert(s, &m, &c, &err), 0);
	assert_int_equal(search_hits(s, "ricevuta"), 1);	/* flushed */
	assert_int_equal(store_begin(s, &err), 0);
	m.uid = 4;
	m.subject = "scontrino";
	assert_int_equal(store_msg_insert(s, &m, &c, &err), 0);
	assert_int_equal(store_body_put(s, c, "x", 1, "cassa", &err), 0);
	assert_int_equal(store_rollback(s, &err), 0);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(search_hits(s, "ricevuta"), 1);
	assert_int_equal(search_hits(s, "scontrino OR cassa"), 0);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM message_fts"), 3);
	raw_sql(path, "INSERT INTO message_fts(message_fts)"
	    " VALUES ('integrity-check')");
	store_close(s);

	/* Version 8: the column, the partial index, the trigger's test. */
	undo_v10(path);
	raw_sql(path, "DROP TRIGGER message_fts_insert;"
	    " DROP INDEX message_fts_wait;"
	    " ALTER TABLE message DROP COLUMN fts_state;"
	    " CREATE TRIGGER message_fts_insert AFTER INSERT ON message"
	    "  WHEN new.body_state <> 2 BEGIN"
	    "  INSERT INTO message_fts(rowid, subject, \"from\", \"to\", cc)"
	    "  VALUES (new.id, new.subject, coalesce(new.from_name, '') || ' '"
	    "  || coalesce(new.from_addr, ''), new.to_list, new.cc_list); END;"
	    " PRAGMA user_version = 8");
	s = store_open(path, STORE_RDWR, &err);
	if (s == NULL)
		fail_msg("migrate: %s", err.msg);
	assert_int_equal(store_schema_version(s, &err), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM message"
	    " WHERE fts_state = 0"), 3);
	assert_int_equal(search_hits(s, "preventivo mare"), 1);
	store_close(s);
	/* Plain SQL still gets its header row from the trigger. */
	raw_sql(path, "INSERT INTO message(folder_id, subject)"
	    " VALUES (1, 'sqlite3')");
	assert_int_equal(raw_int(path, "SELECT count(*) FROM message_fts"
	    " WHERE message_fts MATCH 'sqlite3'"), 1);
	free(path);
}

/* Version 8 gives a store of version 7 the trigger that skips them. */
static void
version_7_store_gets_the_one_write_trigger(void **state)
{
	struct store		*s = open_rw("v7.db");
	struct store_msg	 m = { 0 };
	struct perr		 err;
	int64_t			 id;
	char			*path = xstrdup(store_path(s));

	m.folder_id = make_folder(s, "INBOX", NULL);
	m.uid = 1;
	m.subject = "fattura";
	assert_int_equal(store_msg_insert(s, &m, &id, &err), 0);
	store_close(s);
	undo_v10(path);
	raw_sql(path, "DROP TRIGGER message_fts_insert;"
	    " DROP INDEX message_fts_wait;"
	    " ALTER TABLE message DROP COLUMN fts_state;"
	    " CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN"
	    "  INSERT INTO message_fts(rowid, subject, \"from\", \"to\", cc)"
	    "  VALUES (new.id, new.subject, coalesce(new.from_name, '') || ' '"
	    "  || coalesce(new.from_addr, ''), new.to_list, new.cc_list); END;"
	    " PRAGMA user_version = 7");
	s = store_open(path, STORE_RDWR, &err);
	if (s == NULL)
		fail_msg("migrate: %s", err.msg);
	assert_int_equal(store_schema_version(s, &err), STORE_SCHEMA_VERSION);
	assert_int_equal(search_hits(s, "fattura"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master"
	    " WHERE name = 'message_fts_insert'"
	    " AND sql LIKE '%WHEN new.body_state <> 2%'"), 1);
	m.uid = 2;
	m.subject = "preventivo";
	assert_int_equal(store_msg_insert(s, &m, &id, &err), 0);
	assert_int_equal(search_hits(s, "preventivo"), 1);
	m.uid = 3;
	m.subject = "ricevuta";
	assert_int_equal(store_msg_insert_body(s, &m, "x", 1, "corpo", NULL,
	    &id, &err), 0);
	assert_int_equal(search_hits(s, "ricevuta corpo"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM message_fts"), 3);
	store_close(s);
	free(path);
}

/* FTS5's merge width: 16 in a new store and in a migrated version 10. */
static void
search_index_merges_sixteen_segments_at_a_time(void **state)
{
	static const char	 q[] = "SELECT v FROM message_fts_config"
	    " WHERE k = 'automerge'";
	struct store		*s = open_rw("v10.db");
	struct perr		 err;
	char			*path = xstrdup(store_path(s));

	(void)state;
	assert_int_equal(raw_int(path, q), 16);
	store_close(s);
	raw_sql(path, "DELETE FROM message_fts_config WHERE k = 'automerge';"
	    " PRAGMA user_version = 10");
	assert_int_equal(raw_int(path, "SELECT count(*) FROM"
	    " message_fts_config WHERE k = 'automerge'"), 0);
	s = store_open(path, STORE_RDWR, &err);
	if (s == NULL)
		fail_msg("migrate: %s", err.msg);
	assert_int_equal(store_schema_version(s, &err), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(path, q), 16);
	store_close(s);
	free(path);
}

static void
version_4_store_gets_its_sort_keys(void **state)
{
	struct store		*s = open_rw("v4.db");
	struct store_msg	 got;
	struct sorted_walk	 w;
	struct perr		 err;
	int64_t			 folder = make_folder(s, "INBOX", NULL);
	char			*path = xstrdup(store_path(s));

	store_close(s);
	drop_sort_keys(path);
	undo_v10(path);
	raw_sql(path, "PRAGMA user_version = 4");
	/* Rows written by a posta that knew no sort keys. */
	raw_sql(path, "INSERT INTO message(id, folder_id, date, size,"
	    " from_name, from_addr, subject) VALUES"
	    " (1, 1, 10, 5, 'Zed', 'z@x', 'Re: Apples'),"
	    " (2, 1, 20, 7, NULL, 'Bea@X', 'Fwd: BANANAS'),"
	    " (3, 1, 30, 6, 'ÉMILE', 'e@x', '[l] cherries')");
	s = store_open(path, STORE_RDWR, &err);
	if (s == NULL)
		fail_msg("migrate: %s", err.msg);
	assert_int_equal(store_schema_version(s, &err), STORE_SCHEMA_VERSION);
	assert_int_equal(folder, 1);
	assert_int_equal(store_msg_get(s, 3, &got, &err), 0);
	assert_string_equal(got.sort_from, "émile");
	assert_string_equal(got.sort_subject, "cherries");
	store_msg_free(&got);
	walk_sorted(s, folder, STORE_SORT_FROM, false, NULL, 2, &w);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.ids[0], 2);	/* bea@x */
	assert_int_equal(w.ids[1], 1);	/* zed */
	assert_int_equal(w.ids[2], 3);	/* émile: after z, as bytes */
	free(w.ids);
	free(w.text);
	walk_sorted(s, folder, STORE_SORT_SUBJECT, true, NULL, 2, &w);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.ids[0], 3);	/* cherries, bananas, apples */
	assert_int_equal(w.ids[2], 1);
	free(w.ids);
	free(w.text);
	store_close(s);
	/* The functions were lent to the migration only: plain SQLite can
	 * still write messages. */
	raw_sql(path, "INSERT INTO message(folder_id, subject)"
	    " VALUES (1, 'plain')");
	free(path);
}

/*
 * The keys the version 5 migration computes for existing rows are those
 * store_msg_insert() gives the same message: a keyset page compares a key
 * from one with keys from the other. Awkward headers included: none,
 * empty, blank, bytes that are not UTF-8, keys cut at the limit in the
 * middle of a two-byte character, prefixes and list tags.
 */
static void
migrated_sort_keys_equal_inserted_ones(void **state)
{
	static const char	*subjects[] = {
		NULL, "", "   ", "\t Re: RE: Fwd: [list] Hello (fwd)",
		"Re: \xc3\x28 bad \xff\xfe UTF-8 \x80", "\xc3", "\xe2\x82",
		"ÀÉÎÕÜ ΑΒΓ АБВ ЀЁ ĀĂ Ĺ Ÿ", "[only a tag]", "Re:",
	};
	static const char	*names[] = { NULL, "", "  Zoë", "\xff\xfe",
		"ÉMILE" };
	static const char	*addrs[] = { NULL, "", "Bob@Example.ORG" };
	struct store		*s = open_rw("v4keys.db");
	struct store_msg	 m, got;
	struct perr		 err;
	int64_t			 folder = make_folder(s, "INBOX", NULL), id;
	char			*path = xstrdup(store_path(s)), *want[64][2];
	char			 cut[400];
	size_t			 i, n = 0;

	for (i = 0; i < 64; i++) {
		memset(&m, 0, sizeof m);
		m.folder_id = folder;
		m.uid = (uint32_t)i + 1;
		m.date = 1000;
		m.subject = (char *)subjects[i % (sizeof subjects /
		    sizeof subjects[0])];
		m.from_name = (char *)names[i % (sizeof names /
		    sizeof names[0])];
		m.from_addr = (char *)addrs[i % (sizeof addrs /
		    sizeof addrs[0])];
		if (i % 9 == 8) {
			/* Two-byte characters across the cut, either phase. */
			memset(cut, 'a', sizeof cut);
			(void)snprintf(cut + (i % 2) + STORE_SORT_KEY_MAX - 3,
			    sizeof cut - STORE_SORT_KEY_MAX, "ÉÉÉÉ");
			cut[0] = 'A';
			m.subject = cut;
			m.from_name = cut;
		}
		assert_int_equal(store_msg_insert(s, &m, &id, &err), 0);
		assert_int_equal(store_msg_get(s, id, &got, &err), 0);
		assert_true(strlen(got.sort_subject) <= STORE_SORT_KEY_MAX);
		assert_true(strlen(got.sort_from) <= STORE_SORT_KEY_MAX);
		want[n][0] = xstrdup(got.sort_from);
		want[n][1] = xstrdup(got.sort_subject);
		n++;
		store_msg_free(&got);
	}
	store_close(s);
	drop_sort_keys(path);
	undo_v10(path);
	raw_sql(path, "PRAGMA user_version = 4");
	s = store_open(path, STORE_RDWR, &err);
	if (s == NULL)
		fail_msg("migrate: %s", err.msg);
	for (i = 0; i < n; i++) {
		assert_int_equal(store_msg_get(s, (int64_t)i + 1, &got, &err),
		    0);
		assert_string_equal(got.sort_from, want[i][0]);
		assert_string_equal(got.sort_subject, want[i][1]);
		store_msg_free(&got);
		free(want[i][0]);
		free(want[i][1]);
	}
	store_close(s);
	free(path);
}

/* "state:last_error|" per outbox row. */
static int
outbox_line(void *arg, const struct store_outbox *o)
{
	char	*line = arg;
	size_t	 n = strlen(line);

	(void)snprintf(line + n, 256 - n, "%d:%s:%s|", (int)o->state,
	    o->last_error != NULL ? o->last_error : "-",
	    o->rcpt != NULL ? o->rcpt : "-");
	return 0;
}

/* Schema version 4 read the outbox states out of last_error. */
static void
v1_outbox_converted(struct store *s)
{
	struct perr	err;
	char		line[256] = "";

	assert_int_equal(store_outbox_list(s, 0, outbox_line, line, &err), 0);
	assert_string_equal(line, "0:-:-|1:451 later:-|2:lost:-|");
}

/* The outbox's states: claim once, settle, keep what is left to serve. */
static void
outbox_claims_once_and_keeps_the_recipients_left(void **state)
{
	struct store		*s = open_rw("outbox.db");
	struct perr		 err;
	enum store_outbox_state	 st;
	int64_t			 acc, other, id, waiting, held;
	char			*rcpt, line[256] = "";
	void			*raw;
	size_t			 len;

	(void)make_folder(s, "INBOX", &acc);
	assert_int_equal(store_account_ensure(s, "home", STORE_IMAP, &other,
	    &err), 0);
	assert_int_equal(store_outbox_add(s, acc, "msg", 3, &id, &err), 0);

	/* A claim is taken once; the second claimant gets 1, no change. */
	assert_int_equal(store_outbox_sending(s, id, &rcpt, &err), 0);
	assert_null(rcpt);
	assert_int_equal(store_outbox_sending(s, id, &rcpt, &err), 1);
	assert_null(rcpt);
	assert_int_equal(store_outbox_count(s, acc, &waiting, &held, &err), 0);
	assert_int_equal(waiting, 0);
	assert_int_equal(held, 1);

	/* Two of three took it: the third is kept, refused for good. */
	assert_int_equal(store_outbox_set_rcpt(s, id, "c@example.org", &err),
	    0);
	assert_int_equal(store_outbox_refused(s, id, "550 no such user",
	    &err), 0);
	assert_int_equal(store_outbox_sending(s, id, NULL, &err), 1);
	assert_int_equal(store_outbox_list(s, acc, outbox_line, line, &err),
	    0);
	assert_string_equal(line, "3:550 no such user:c@example.org|");

	/* Another account's command cannot touch it. */
	perr_clear(&err);
	assert_int_equal(store_outbox_retry(s, other, id, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	perr_clear(&err);
	assert_int_equal(store_outbox_remove(s, other, id, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);

	/* The user's retry: claimed again, for the one left only. */
	assert_int_equal(store_outbox_retry(s, acc, id, &err), 0);
	assert_int_equal(store_outbox_sending(s, id, &rcpt, &err), 0);
	assert_string_equal(rcpt, "c@example.org");
	free(rcpt);
	assert_int_equal(store_outbox_failed(s, id, "451 later", &err), 0);
	assert_int_equal(store_outbox_get(s, id, NULL, &st, &raw, &len, &err),
	    0);
	assert_int_equal(st, STORE_OUTBOX_FAILED);
	assert_int_equal(len, 3);
	assert_memory_equal(raw, "msg", 3);
	free(raw);
	/* FAILED may be claimed again by the next flush. */
	assert_int_equal(store_outbox_sending(s, id, NULL, &err), 0);
	assert_int_equal(store_outbox_remove(s, acc, id, &err), 0);
	perr_clear(&err);
	assert_int_equal(store_outbox_sending(s, id, NULL, &err), 1);
	assert_int_equal(store_outbox_failed(s, id, "x", &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	store_close(s);
}

/* Row id's tries, date and account, read through the list. */
struct outbox_find {
	int64_t	id;
	int	attempts;
	int64_t	created_at;
	int64_t	account_id;
};

static int
outbox_find(void *arg, const struct store_outbox *o)
{
	struct outbox_find	*f = arg;

	if (o->id == f->id) {
		f->attempts = o->attempts;
		f->created_at = o->created_at;
		f->account_id = o->account_id;
	}
	return 0;
}

static void
outbox_split_gives_each_recipient_one_row(void **state)
{
	struct store		*s = open_rw("outbox-split.db");
	struct perr		 err;
	struct outbox_find	 a = { 0 }, b = { 0 };
	enum store_outbox_state	 st;
	int64_t			 acc, id, nid = 0, waiting, held;
	char			*rcpt, line[256] = "";
	void			*raw;
	size_t			 len;

	(void)make_folder(s, "INBOX", &acc);
	assert_int_equal(store_outbox_add(s, acc, "msg", 3, &id, &err), 0);
	assert_int_equal(store_outbox_sending(s, id, NULL, &err), 0);

	/* One refused for now, one for good: two rows, one transaction. */
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_outbox_split(s, id, "d@example.org",
	    STORE_OUTBOX_REFUSED, "550 no", &nid, &err), 0);
	assert_int_equal(store_outbox_set_rcpt(s, id, "c@example.org", &err),
	    0);
	assert_int_equal(store_outbox_failed(s, id, "450 later", &err), 0);
	assert_int_equal(store_commit(s, &err), 0);
	assert_true(nid != 0 && nid != id);
	assert_int_equal(store_outbox_list(s, acc, outbox_line, line, &err),
	    0);
	assert_string_equal(line, "1:450 later:c@example.org|"
	    "3:550 no:d@example.org|");
	assert_int_equal(store_outbox_count(s, acc, &waiting, &held, &err), 0);
	assert_int_equal(waiting, 1);
	assert_int_equal(held, 1);

	/* The same message, account, date and tries in both. */
	a.id = id;
	b.id = nid;
	assert_int_equal(store_outbox_list(s, acc, outbox_find, &a, &err), 0);
	assert_int_equal(store_outbox_list(s, acc, outbox_find, &b, &err), 0);
	assert_int_equal(a.attempts, 1);
	assert_int_equal(b.attempts, 1);
	assert_true(a.created_at == b.created_at && a.created_at > 0);
	assert_true(a.account_id == acc && b.account_id == acc);
	assert_int_equal(store_outbox_get(s, nid, NULL, &st, &raw, &len, &err),
	    0);
	assert_int_equal(st, STORE_OUTBOX_REFUSED);
	assert_int_equal(len, 3);
	assert_memory_equal(raw, "msg", 3);
	free(raw);

	/* The flush claims the failed part only; the held one waits. */
	assert_int_equal(store_outbox_sending(s, nid, NULL, &err), 1);
	assert_int_equal(store_outbox_sending(s, id, &rcpt, &err), 0);
	assert_string_equal(rcpt, "c@example.org");
	free(rcpt);
	assert_int_equal(store_outbox_remove(s, acc, id, &err), 0);
	assert_int_equal(store_outbox_retry(s, acc, nid, &err), 0);
	assert_int_equal(store_outbox_sending(s, nid, &rcpt, &err), 0);
	assert_string_equal(rcpt, "d@example.org");
	free(rcpt);

	/* A split needs recipients, and a row to split. */
	perr_clear(&err);
	assert_int_equal(store_outbox_split(s, nid, "", STORE_OUTBOX_FAILED,
	    "x", NULL, &err), -1);
	perr_clear(&err);
	assert_int_equal(store_outbox_split(s, nid + 100, "e@example.org",
	    STORE_OUTBOX_FAILED, "x", NULL, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	store_close(s);
}

/* A pid that no process has: a child's, after it is reaped. */
static pid_t
dead_pid(void)
{
	pid_t	pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

/*
 * A row being sent right now (its claim held by a running posta) is not
 * queued again by retry: it would go twice. One whose sender died is.
 */
static void
outbox_retry_spares_a_message_being_sent(void **state)
{
	struct store		*s = open_rw("claim.db");
	struct perr		 err;
	enum store_outbox_state	 st;
	int64_t			 acc, id;
	void			*raw;
	size_t			 len;
	char			*path = xstrdup(store_path(s)), *sql;

	(void)make_folder(s, "INBOX", &acc);
	assert_int_equal(store_outbox_add(s, acc, "msg", 3, &id, &err), 0);
	assert_int_equal(store_outbox_sending(s, id, NULL, &err), 0);
	perr_clear(&err);
	assert_int_equal(store_outbox_retry(s, acc, id, &err), -1);
	assert_non_null(strstr(err.msg, "is being sent right now"));
	perr_clear(&err);
	assert_int_equal(store_outbox_drop(s, acc, id, &err), -1);
	assert_non_null(strstr(err.msg, "is not dropped"));
	assert_int_equal(store_outbox_get(s, id, NULL, &st, &raw, &len, &err),
	    0);
	free(raw);
	assert_int_equal(st, STORE_OUTBOX_UNKNOWN);

	/* The sender died mid-send: the user may queue it again. */
	sql = xasprintf("UPDATE outbox SET claim_pid = %ld WHERE id = %lld",
	    (long)dead_pid(), (long long)id);
	raw_sql(path, sql);
	free(sql);
	assert_int_equal(store_outbox_retry(s, acc, id, &err), 0);
	assert_int_equal(store_outbox_get(s, id, NULL, &st, &raw, &len, &err),
	    0);
	free(raw);
	assert_int_equal(st, STORE_OUTBOX_WAITING);

	/* A settled try holds no claim: retry as before. */
	assert_int_equal(store_outbox_sending(s, id, NULL, &err), 0);
	assert_int_equal(store_outbox_unknown(s, id, "cut after DATA", &err),
	    0);
	assert_int_equal(store_outbox_retry(s, acc, id, &err), 0);
	assert_int_equal(store_outbox_drop(s, acc, id, &err), 0);
	perr_clear(&err);
	assert_int_equal(store_outbox_drop(s, acc, id, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	free(path);
	store_close(s);
}

static void
version_1_store_is_migrated(void **state)
{
	struct store	*s = open_rw("v1.db");
	struct perr	 err;
	char		*path = xstrdup(store_path(s));

	store_close(s);
	drop_sort_keys(path);
	/* Version 1 outbox rows: the state was in last_error. */
	undo_v10(path);
	raw_sql(path, "DROP INDEX message_bodiless;"
	    " ALTER TABLE message DROP COLUMN problem;"
	    " ALTER TABLE outbox DROP COLUMN state;"
	    " ALTER TABLE outbox DROP COLUMN rcpt;"
	    " INSERT INTO account (id, name, protocol) VALUES (1, 'a', 'imap');"
	    " INSERT INTO outbox (account_id, raw, created_at, last_error)"
	    "  VALUES (1, 'w', 0, NULL), (1, 'f', 0, '451 later'),"
	    "  (1, 'u', 0, '[outcome unknown] lost');"
	    " PRAGMA user_version = 1");
	s = store_open(path, STORE_RDWR, &err);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s, &err), STORE_SCHEMA_VERSION);
	v1_outbox_converted(s);
	store_close(s);
	/* the index and the columns are back: dropping them again works */
	drop_sort_keys(path);
	raw_sql(path, "DROP INDEX message_bodiless;"
	    " ALTER TABLE message DROP COLUMN problem;"
	    " ALTER TABLE outbox DROP COLUMN state;"
	    " ALTER TABLE outbox DROP COLUMN rcpt");
	free(path);
}

/*
 * Messages 1..n into folder in one transaction: a subject and Message-ID
 * of their own, dates a minute apart over 977 minutes, one in four unread.
 */
static void
bulk_insert(struct store *s, int64_t folder, uint32_t n)
{
	struct store_msg	m;
	struct perr		err;
	char			subject[64], mid[64];
	uint32_t		i;

	assert_int_equal(store_begin(s, &err), 0);
	for (i = 1; i <= n; i++) {
		memset(&m, 0, sizeof m);
		(void)snprintf(subject, sizeof subject, "message number %u",
		    (unsigned)i);
		(void)snprintf(mid, sizeof mid, "%u@bulk.example", (unsigned)i);
		m.folder_id = folder;
		m.uid = i;
		m.date = 1600000000 + (int64_t)(i % 977) * 60;
		m.subject = subject;
		m.message_id = mid;
		m.from_addr = "bulk@example.org";
		m.flags = i % 4 == 0 ? 0 : STORE_SEEN;
		if (store_msg_insert(s, &m, NULL, &err) != 0)
			fail_msg("insert %u: %s", (unsigned)i, err.msg);
	}
	assert_int_equal(store_commit(s, &err), 0);
}

static void
ten_thousand_messages_in_one_transaction(void **state)
{
	struct store		*s = open_rw("bulk.db");
	struct uid_seen		 us;
	struct page_seen	 ps;
	struct perr		 err;
	int64_t			 folder = make_folder(s, "INBOX", NULL);
	int64_t			 total, unread;

	bulk_insert(s, folder, 10000);

	assert_int_equal(store_folder_counts(s, folder, &total, &unread,
	    &err), 0);
	assert_int_equal(total, 10000);
	assert_int_equal(unread, 2500);
	memset(&us, 0, sizeof us);
	us.ordered = true;
	assert_int_equal(store_msg_uids(s, folder, collect_uid, &us, &err), 0);
	assert_int_equal(us.n, 10000);
	assert_true(us.ordered);
	memset(&ps, 0, sizeof ps);
	assert_int_equal(store_msg_page(s, folder, NULL, 50, collect_page,
	    &ps, &err), 0);
	assert_int_equal(ps.n, 50);
	assert_int_equal(search_count(s, 0, 0, "\"number 4242\""), 1);
	store_close(s);
}

/*
 * Four processes open one new store at the same moment, fifty times (the
 * TUI's account workers on a first run, or a TUI and a cron sync): each
 * must get it. Turning WAL on waits for no busy handler, so before the
 * store waited the BUSY out itself, some got "journal_mode: database is
 * locked".
 */
static void
new_store_opened_by_four_at_once(void **state)
{
	int	round, i, status, go[2], failed = 0;
	pid_t	pid[4];
	char	name[32], *path;

	for (round = 0; round < 50; round++) {
		(void)snprintf(name, sizeof name, "race-%d.db", round);
		path = tpath(name);
		assert_int_equal(pipe(go), 0);
		for (i = 0; i < 4; i++) {
			if ((pid[i] = fork()) == 0) {
				struct perr	 err;
				struct store	*s;
				char		 c;

				(void)close(go[1]);
				(void)read(go[0], &c, 1);	/* all at once */
				perr_clear(&err);
				s = store_open(path, STORE_RDWR, &err);
				if (s == NULL)
					fprintf(stderr, "%s\n", err.msg);
				else
					store_close(s);
				_exit(s == NULL);
			}
			assert_true(pid[i] > 0);
		}
		(void)close(go[0]);
		(void)close(go[1]);	/* EOF: every child reads at once */
		for (i = 0; i < 4; i++) {
			assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failed++;
		}
		free(path);
	}
	assert_int_equal(failed, 0);
}

/* ---- folder counts (schema version 10) -------------------------------- */

/*
 * Every folder's row counts (store_folder_counts() and store_folder_list(),
 * read through handle s) against a count(*) of its messages under the
 * condition the counts always had: total every message, unread those
 * without \Seen. The count(*) goes through a connection of its own.
 */
struct counts_seen {
	int64_t	id[16];
	int64_t	total[16];
	int64_t	unread[16];
	size_t	n;
};

static int
counts_one(void *arg, const struct store_folder *f)
{
	struct counts_seen	*c = arg;

	if (c->n < 16) {
		c->id[c->n] = f->id;
		c->total[c->n] = f->total;
		c->unread[c->n] = f->unread;
		c->n++;
	}
	return 0;
}

static void
check_counts(struct store *s, const char *step)
{
	struct counts_seen	 c;
	struct perr		 err;
	sqlite3			*db;
	sqlite3_stmt		*st, *acc;
	int64_t			 id, total, unread, want_total, want_unread;
	size_t			 i, listed = 0;

	assert_int_equal(sqlite3_open_v2(store_path(s), &db,
	    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT f.id,"
	    " (SELECT count(*) FROM message m WHERE m.folder_id = f.id),"
	    " (SELECT count(*) FROM message m WHERE m.folder_id = f.id"
	    "   AND (m.flags & 1) = 0)"
	    " FROM folder f", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		want_total = sqlite3_column_int64(st, 1);
		want_unread = sqlite3_column_int64(st, 2);
		if (store_folder_counts(s, id, &total, &unread, &err) != 0)
			fail_msg("%s: counts: %s", step, err.msg);
		if (total != want_total || unread != want_unread)
			fail_msg("%s: folder %lld: row %lld/%lld, count(*)"
			    " %lld/%lld", step, (long long)id,
			    (long long)total, (long long)unread,
			    (long long)want_total, (long long)want_unread);
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);

	/* The list gives the same figures, every folder of every account. */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM account", -1,
	    &acc, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT"
	    " (SELECT count(*) FROM message m WHERE m.folder_id = ?1),"
	    " (SELECT count(*) FROM message m WHERE m.folder_id = ?1"
	    "   AND (m.flags & 1) = 0)", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(acc) == SQLITE_ROW) {
		memset(&c, 0, sizeof c);
		if (store_folder_list(s, sqlite3_column_int64(acc, 0),
		    counts_one, &c, &err) != 0)
			fail_msg("%s: list: %s", step, err.msg);
		for (i = 0; i < c.n; i++) {
			assert_int_equal(sqlite3_bind_int64(st, 1, c.id[i]),
			    SQLITE_OK);
			assert_int_equal(sqlite3_step(st), SQLITE_ROW);
			if (c.total[i] != sqlite3_column_int64(st, 0) ||
			    c.unread[i] != sqlite3_column_int64(st, 1))
				fail_msg("%s: list: folder %lld: %lld/%lld,"
				    " count(*) %lld/%lld", step,
				    (long long)c.id[i], (long long)c.total[i],
				    (long long)c.unread[i],
				    (long long)sqlite3_column_int64(st, 0),
				    (long long)sqlite3_column_int64(st, 1));
			assert_int_equal(sqlite3_reset(st), SQLITE_OK);
		}
		listed += c.n;
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	assert_int_equal(sqlite3_finalize(acc), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	assert_true(listed > 0);
}

/* A message id of the store drawn by rand(), 0 when there is none. */
static int64_t
any_msg(struct store *s)
{
	sqlite3_stmt	*st;
	int64_t		 id = 0;

	assert_int_equal(sqlite3_prepare_v2(s->db, "SELECT id FROM message"
	    " ORDER BY id LIMIT 1 OFFSET ?1 % (SELECT max(count(*), 1)"
	    " FROM message)", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_bind_int(st, 1, rand()), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	return id;
}

/*
 * One random write of the kinds posta makes (insert, insert with body,
 * local and server flag changes of \Seen and \Deleted, move, copy,
 * delete by id and by UID range, body put, UID changes, a rolled back
 * transaction), through handle s, to one of nf folders.
 */
static void
random_write(struct store *s, const int64_t *folders, size_t nf,
    uint32_t *uid, char *what, size_t whatlen)
{
	struct store_msg	 m;
	struct store_msg	 got;
	struct perr		 err;
	int64_t			 id, dest, n;
	unsigned		 bit;
	int			 op = rand() % 13;

	memset(&m, 0, sizeof m);
	m.folder_id = folders[(size_t)rand() % nf];
	m.subject = "conto";
	m.flags = (unsigned)rand() % 32;
	id = any_msg(s);
	dest = folders[(size_t)rand() % nf];
	bit = rand() % 2 ? STORE_SEEN : STORE_DELETED;
	if (id == 0 && op > 2)
		op = 0;
	switch (op) {
	case 0:
	case 1:
		m.uid = rand() % 4 ? ++*uid : 0;
		m.index_later = rand() % 2;
		(void)snprintf(what, whatlen, "insert flags %u", m.flags);
		if (store_msg_insert(s, &m, &id, &err) != 0)
			fail_msg("%s: %s", what, err.msg);
		break;
	case 2:
		m.uid = ++*uid;
		(void)snprintf(what, whatlen, "insert with body");
		if (store_msg_insert_body(s, &m, "x", 1, "corpo", NULL, &id,
		    &err) != 0)
			fail_msg("%s: %s", what, err.msg);
		break;
	case 3:
		(void)snprintf(what, whatlen, "add flag %u to %lld", bit,
		    (long long)id);
		assert_int_equal(store_msg_flags_change(s, id, bit, 0, &err),
		    1);
		break;
	case 4:
		(void)snprintf(what, whatlen, "remove flag %u from %lld", bit,
		    (long long)id);
		assert_int_equal(store_msg_flags_change(s, id, 0, bit, &err),
		    1);
		break;
	case 5:
		/* The server's flags, by UID. */
		assert_int_equal(store_msg_get(s, id, &got, &err), 0);
		(void)snprintf(what, whatlen, "server flags %u on %lld",
		    m.flags, (long long)id);
		if (got.uid != 0)
			assert_int_equal(store_msg_flags_uid(s, got.folder_id,
			    got.uid, m.flags, NULL, 0, &err), 1);
		store_msg_free(&got);
		break;
	case 6:
		(void)snprintf(what, whatlen, "move %lld to %lld",
		    (long long)id, (long long)dest);
		if (store_msg_move(s, id, dest, &err) != 0)
			fail_msg("%s: %s", what, err.msg);
		break;
	case 7:
		(void)snprintf(what, whatlen, "copy %lld to %lld",
		    (long long)id, (long long)dest);
		if (store_msg_copy(s, id, dest, NULL, &err) != 0)
			fail_msg("%s: %s", what, err.msg);
		break;
	case 8:
		(void)snprintf(what, whatlen, "delete %lld", (long long)id);
		if (store_msg_delete(s, id, &err) != 0)
			fail_msg("%s: %s", what, err.msg);
		break;
	case 9:
		(void)snprintf(what, whatlen, "delete UIDs of %lld",
		    (long long)m.folder_id);
		if (store_msg_delete_uids(s, m.folder_id, *uid - 3, *uid - 1,
		    &n, &err) != 0)
			fail_msg("%s: %s", what, err.msg);
		break;
	case 10:
		(void)snprintf(what, whatlen, "body of %lld", (long long)id);
		if (store_body_put(s, id, "y", 1, "testo", &err) != 0)
			fail_msg("%s: %s", what, err.msg);
		break;
	case 11:
		(void)snprintf(what, whatlen, "UID of %lld", (long long)id);
		if (store_msg_set_uid(s, id, ++*uid, &err) != 0)
			fail_msg("%s: %s", what, err.msg);
		break;
	default:
		/* A transaction that writes and rolls back leaves no trace. */
		(void)snprintf(what, whatlen, "rolled back writes");
		assert_int_equal(store_begin(s, &err), 0);
		m.uid = ++*uid;
		assert_int_equal(store_msg_insert(s, &m, &n, &err), 0);
		assert_int_equal(store_msg_flags_change(s, id, 0, STORE_SEEN,
		    &err), 1);
		assert_int_equal(store_msg_move(s, id, dest, &err), 0);
		assert_int_equal(store_rollback(s, &err), 0);
		break;
	}
}

/*
 * The counts in the folder row follow every kind of write, step by step,
 * and a deleted folder takes its messages without upsetting the others.
 */
static void
folder_counts_follow_random_writes(void **state)
{
	struct store	*s = open_rw("counts.db");
	struct perr	 err;
	int64_t		 folders[4], acc, total, unread;
	uint32_t	 uid = 10;
	char		 what[96];
	int		 i;

	(void)state;
	srand(20);
	folders[0] = make_folder(s, "INBOX", &acc);
	folders[1] = make_folder(s, "Archivio", NULL);
	folders[2] = make_folder(s, "Cestino", NULL);
	folders[3] = make_folder(s, "Vuota", NULL);
	for (i = 0; i < 800; i++) {
		random_write(s, folders, 3 + (i > 400), &uid, what,
		    sizeof what);
		check_counts(s, what);
	}
	assert_true(any_msg(s) != 0);
	/* Gone folder: its messages go by cascade, the others stay right. */
	assert_int_equal(store_folder_delete(s, folders[1], &err), 0);
	check_counts(s, "folder delete");
	assert_int_equal(store_folder_counts(s, folders[1], &total, &unread,
	    &err), 0);
	assert_int_equal(total, 0);
	assert_int_equal(unread, 0);
	store_close(s);
}

/*
 * Two handles on one store (what two posta processes hold) writing in
 * turn, and plain SQL from a third connection (a script, the sqlite3
 * shell): each write is counted once, and each handle reads the other's.
 */
static void
folder_counts_hold_across_handles(void **state)
{
	struct store	*a = open_rw("counts2.db"), *b;
	struct perr	 err;
	int64_t		 folders[2];
	uint32_t	 uid = 10;
	char		 what[96], *path = xstrdup(store_path(a));
	int		 i;

	(void)state;
	srand(21);
	folders[0] = make_folder(a, "INBOX", NULL);
	folders[1] = make_folder(a, "Archivio", NULL);
	if ((b = store_open(path, STORE_RDWR, &err)) == NULL)
		fail_msg("second open: %s", err.msg);
	for (i = 0; i < 300; i++) {
		random_write(i % 2 ? b : a, folders, 2, &uid, what,
		    sizeof what);
		check_counts(i % 2 ? a : b, what);
	}
	raw_sql(path, "INSERT INTO message(folder_id, subject, flags)"
	    " VALUES (1, 'a', 0), (1, 'b', 1), (2, 'c', 8);"
	    "UPDATE message SET flags = flags | 1"
	    "  WHERE id = (SELECT max(id) FROM message);"
	    "UPDATE message SET folder_id = 3 - folder_id"
	    "  WHERE id IN (SELECT id FROM message ORDER BY id LIMIT 5);"
	    "DELETE FROM message WHERE id % 7 = 0");
	check_counts(a, "plain SQL");
	check_counts(b, "plain SQL");
	store_close(b);
	store_close(a);
	free(path);
}

/*
 * Version 10 fills the counts of a version 9 store from its messages,
 * including those that no trigger saw, and the triggers take over.
 */
static void
version_9_store_gets_its_counts(void **state)
{
	struct store	*s = open_rw("v9.db");
	struct perr	 err;
	int64_t		 inbox, arch, total, unread;
	char		*path = xstrdup(store_path(s));

	(void)state;
	inbox = make_folder(s, "INBOX", NULL);
	arch = make_folder(s, "Archivio", NULL);
	(void)add_msg(s, inbox, 1, 100, "uno", 0);
	(void)add_msg(s, inbox, 2, 200, "due", STORE_SEEN);
	(void)add_msg(s, arch, 3, 300, "tre", STORE_DELETED);
	store_close(s);
	undo_v10(path);
	raw_sql(path, "INSERT INTO message(folder_id, subject, flags) VALUES"
	    "  (1, 'quattro', 1), (1, 'cinque', 4), (2, 'sei', 9),"
	    "  (2, 'sette', 2);"
	    " DELETE FROM message WHERE subject = 'uno';"
	    " PRAGMA user_version = 9");
	if ((s = store_open(path, STORE_RDWR, &err)) == NULL)
		fail_msg("migrate: %s", err.msg);
	assert_int_equal(store_schema_version(s, &err), STORE_SCHEMA_VERSION);
	assert_int_equal(store_folder_counts(s, inbox, &total, &unread, &err),
	    0);
	assert_int_equal(total, 3);
	assert_int_equal(unread, 1);
	assert_int_equal(store_folder_counts(s, arch, &total, &unread, &err),
	    0);
	assert_int_equal(total, 3);
	assert_int_equal(unread, 2);
	check_counts(s, "migrated");
	/* The triggers keep them from here. */
	(void)add_msg(s, arch, 4, 400, "otto", 0);
	assert_int_equal(store_msg_move(s, 2, arch, &err), 0);	/* due */
	assert_int_equal(store_msg_delete(s, 6, &err), 0);	/* sei */
	check_counts(s, "after the migration");
	assert_int_equal(store_folder_counts(s, arch, &total, &unread, &err),
	    0);
	assert_int_equal(total, 4);
	assert_int_equal(unread, 3);
	store_close(s);
	free(path);
}

/* Bytes this process has read (read, pread...), from /proc/self/io. */
static long long
bytes_read(void)
{
	FILE		*f = fopen("/proc/self/io", "r");
	long long	 v = -1;
	char		 line[128];

	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "rchar: %lld", &v) == 1)
			break;
	(void)fclose(f);
	assert_true(v >= 0);
	return v;
}

/*
 * Closing a store after a look at its counts reads a bounded part of
 * it: PRAGMA optimize at close must not analyze the whole message table
 * each time (it did, for an index ANALYZE leaves without statistics:
 * 0.2 s of a no-change resync at 300,000 messages). Bytes read, not time.
 */
static void
closing_reads_a_bounded_part_of_the_store(void **state)
{
	struct store		*s = open_rw("close.db");
	struct perr		 err;
	struct stat		 sb;
	int64_t			 folder = make_folder(s, "INBOX", NULL);
	int64_t			 total, unread;
	long long		 before, read;
	char			*path = tpath("close.db");

	(void)state;
	bulk_insert(s, folder, 20000);
	store_close(s);		/* the first close may analyze it all */
	assert_int_equal(stat(path, &sb), 0);

	s = open_rw("close.db");
	assert_int_equal(store_folder_counts(s, folder, &total, &unread,
	    &err), 0);
	assert_int_equal(total, 20000);
	before = bytes_read();
	store_close(s);
	read = bytes_read() - before;
	if (read > (long long)sb.st_size / 8)
		fail_msg("closing read %lld bytes of a %lld-byte store", read,
		    (long long)sb.st_size);
	free(path);
}

/* ---- bulk settings (a sync's) ------------------------------------------ */

static int64_t
pragma_int(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;
	int64_t		 v;

	assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static off_t
file_size(const char *path)
{
	struct stat	sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

/* About 1,500 pages (6 MB) in one transaction: more than the 1,000 of a
 * plain WAL, fewer than a sync's 8,192. */
static void
write_pages(struct store *s)
{
	struct perr	err;

	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(sqlite3_exec(s->db, "CREATE TABLE IF NOT EXISTS"
	    " filler(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
	    " SELECT i + 1 FROM n WHERE i < 1500)"
	    " INSERT INTO filler SELECT randomblob(3900) FROM n",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_commit(s, &err), 0);
}

static void
bulk_settings_hold_the_wal_until_bulk_end(void **state)
{
	struct perr	 err;
	struct store	*s, *plain;
	char		*path = tpath("bulk.db"), *path2 = tpath("plain.db");
	off_t		 before;

	(void)state;
	s = open_rw("bulk.db");
	assert_int_equal(pragma_int(s, "PRAGMA cache_size"), -2000);
	assert_int_equal(pragma_int(s, "PRAGMA wal_autocheckpoint"), 1000);
	assert_int_equal(store_bulk_begin(s, &err), 0);
	assert_int_equal(pragma_int(s, "PRAGMA cache_size"), -32768);
	assert_int_equal(pragma_int(s, "PRAGMA wal_autocheckpoint"), 8192);
	/* Committed to the WAL, not yet copied into the file. */
	before = file_size(path);
	write_pages(s);
	assert_true(file_size(path) == before);
	assert_int_equal(store_bulk_end(s, &err), 0);
	assert_int_equal(pragma_int(s, "PRAGMA cache_size"), -2000);
	assert_int_equal(pragma_int(s, "PRAGMA wal_autocheckpoint"), 1000);
	/* bulk_end checkpointed it. */
	assert_true(file_size(path) > before + (5 << 20));
	/* A second end does nothing. */
	assert_int_equal(store_bulk_end(s, &err), 0);
	store_close(s);

	/* Without the bulk settings the commit itself checkpoints. */
	plain = open_rw("plain.db");
	before = file_size(path2);
	write_pages(plain);
	assert_true(file_size(path2) > before + (5 << 20));
	store_close(plain);
	free(path);
	free(path2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_creates_private_dirs_and_file),
		cmocka_unit_test(open_refuses_newer_schema),
		cmocka_unit_test(open_refuses_a_file_that_is_not_sqlite),
		cmocka_unit_test(open_refuses_another_programs_database),
		cmocka_unit_test(rdonly_open_of_missing_store_fails_clearly),
		cmocka_unit_test(rdonly_open_refuses_a_store_without_schema),
		cmocka_unit_test(rdonly_reader_sees_commits_and_cannot_write),
		cmocka_unit_test(
		    nested_transactions_roll_back_only_the_inner_level),
		cmocka_unit_test(accounts_are_ensured_once_with_their_protocol),
		cmocka_unit_test(folders_upsert_list_count_rename_and_delete),
		cmocka_unit_test(message_round_trips_every_field),
		cmocka_unit_test(
		    pages_walk_newest_first_by_keyset_without_repeats),
		cmocka_unit_test(callbacks_may_reenter_the_store),
		cmocka_unit_test(flags_uids_and_deletes_by_uid),
		cmocka_unit_test(message_id_and_thread_lookups),
		cmocka_unit_test(search_ignores_diacritics_and_case),
		cmocka_unit_test(bodies_round_trip_and_go_with_their_message),
		cmocka_unit_test(pop3_uidls_are_remembered),
		cmocka_unit_test(pop3_pseudo_uidl_is_adopted),
		cmocka_unit_test(bodiless_messages_newest_first_within_bounds),
		cmocka_unit_test(problem_marker_survives_a_body),
		cmocka_unit_test(sorted_pages_walk_every_order_both_ways),
		cmocka_unit_test(version_4_store_gets_its_sort_keys),
		cmocka_unit_test(version_6_store_gets_the_search_columns),
		cmocka_unit_test(insert_with_body_indexes_the_row_once),
		cmocka_unit_test(index_waits_for_the_body_and_catches_up),
		cmocka_unit_test(version_7_store_gets_the_one_write_trigger),
		cmocka_unit_test(search_index_merges_sixteen_segments_at_a_time),
		cmocka_unit_test(outbox_claims_once_and_keeps_the_recipients_left),
		cmocka_unit_test(outbox_split_gives_each_recipient_one_row),
		cmocka_unit_test(outbox_retry_spares_a_message_being_sent),
		cmocka_unit_test(version_1_store_is_migrated),
		cmocka_unit_test(migrated_sort_keys_equal_inserted_ones),
		cmocka_unit_test(ten_thousand_messages_in_one_transaction),
		cmocka_unit_test(closing_reads_a_bounded_part_of_the_store),
		cmocka_unit_test(new_store_opened_by_four_at_once),
		cmocka_unit_test(folder_counts_follow_random_writes),
		cmocka_unit_test(folder_counts_hold_across_handles),
		cmocka_unit_test(version_9_store_gets_its_counts),
		cmocka_unit_test(bulk_settings_hold_the_wal_until_bulk_end),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
