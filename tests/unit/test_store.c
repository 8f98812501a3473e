/* test_store.c - the offline store: opening, schema, typed queries, FTS. */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"

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
	assert_int_equal(store_msg_bodiless(s, folder, 1500, 1000,
	    bodiless_one, got, &err), 0);
	assert_int_equal(got[0], 2);
	assert_int_equal(got[1], 5);
	assert_int_equal(got[2], 3);
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

static void
version_1_store_is_migrated(void **state)
{
	struct store	*s = open_rw("v1.db");
	struct perr	 err;
	char		*path = xstrdup(store_path(s));

	store_close(s);
	raw_sql(path, "DROP INDEX message_bodiless;"
	    " ALTER TABLE message DROP COLUMN problem; PRAGMA user_version = 1");
	s = store_open(path, STORE_RDWR, &err);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s, &err), STORE_SCHEMA_VERSION);
	store_close(s);
	/* the index and the column are back: dropping them again works */
	raw_sql(path, "DROP INDEX message_bodiless;"
	    " ALTER TABLE message DROP COLUMN problem");
	free(path);
}

static void
ten_thousand_messages_in_one_transaction(void **state)
{
	struct store		*s = open_rw("bulk.db");
	struct store_msg	 m;
	struct uid_seen		 us;
	struct page_seen	 ps;
	struct perr		 err;
	int64_t			 folder = make_folder(s, "INBOX", NULL);
	int64_t			 total, unread;
	char			 subject[64], mid[64];
	uint32_t		 i;

	assert_int_equal(store_begin(s, &err), 0);
	for (i = 1; i <= 10000; i++) {
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
		cmocka_unit_test(bodiless_messages_newest_first_within_bounds),
		cmocka_unit_test(problem_marker_survives_a_body),
		cmocka_unit_test(version_1_store_is_migrated),
		cmocka_unit_test(ten_thousand_messages_in_one_transaction),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
