/* test_tui_index.c - the index window on a real store, and JWZ threading. */
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
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tui/tui-int.h"

static char	tmpdir[] = "/tmp/posta-test-tui-XXXXXX";

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

/* ---- a store to look at ------------------------------------------------- */

struct fx {
	struct store	*rw, *ro;
	int64_t		 folder;
	char		*path;
};

static void
fx_open(struct fx *fx, const char *name)
{
	struct perr		 err;
	struct store_folder	 f = { 0 };
	int64_t			 acct;

	fx->path = xasprintf("%s/%s", tmpdir, name);
	fx->rw = store_open(fx->path, STORE_RDWR | STORE_SYNC_NORMAL, &err);
	if (fx->rw == NULL)
		fail_msg("open: %s", err.msg);
	assert_int_equal(store_account_ensure(fx->rw, "a", STORE_IMAP, &acct,
	    &err), 0);
	f.account_id = acct;
	f.name = f.remote_name = "INBOX";
	f.special_use = STORE_SPECIAL_INBOX;
	assert_int_equal(store_folder_upsert(fx->rw, &f, &fx->folder, &err), 0);
	fx->ro = store_open(fx->path, STORE_RDONLY, &err);
	if (fx->ro == NULL)
		fail_msg("open ro: %s", err.msg);
}

static void
fx_close(struct fx *fx)
{
	store_close(fx->ro);
	store_close(fx->rw);
	free(fx->path);
}

static int64_t
add(struct fx *fx, uint32_t uid, int64_t date, const char *subject,
    const char *from, int64_t size, const char *msgid, const char *irt,
    int64_t thread_id)
{
	struct store_msg	m = { 0 };
	struct perr		err;
	int64_t			id;

	m.folder_id = fx->folder;
	m.uid = uid;
	m.date = date;
	m.subject = (char *)subject;
	m.from_name = (char *)from;
	m.size = size;
	m.message_id = (char *)msgid;
	m.in_reply_to = (char *)irt;
	m.refs = (char *)irt;
	m.thread_id = thread_id;
	m.flags = uid % 4 == 0 ? 0 : STORE_SEEN;
	if (store_msg_insert(fx->rw, &m, &id, &err) != 0)
		fail_msg("insert: %s", err.msg);
	return id;
}

/* n messages whose dates repeat in runs of `same`. */
static void
add_many(struct fx *fx, int n, int same)
{
	struct perr	err;
	char		subj[32];
	int		i;

	assert_int_equal(store_begin(fx->rw, &err), 0);
	for (i = 0; i < n; i++) {
		snprintf(subj, sizeof subj, "message %d", i);
		add(fx, (uint32_t)i + 1, 1000000 + (i / same) * 60, subj,
		    i % 2 ? "Bob" : "alice", (i * 7919) % 5000, NULL, NULL, 0);
	}
	assert_int_equal(store_commit(fx->rw, &err), 0);
}

/* Every id in date order, newest first, the way pages define it. */
struct all {
	int64_t	*id;
	size_t	 n;
};

static int
all_cb(void *arg, const struct store_msg *m)
{
	struct all	*a = arg;

	a->id = xreallocarray(a->id, a->n + 1, sizeof *a->id);
	a->id[a->n++] = m->id;
	return 0;
}

static void
all_ids(struct fx *fx, struct all *a)
{
	struct perr	err;

	memset(a, 0, sizeof *a);
	assert_int_equal(store_msg_page(fx->ro, fx->folder, NULL, 1000000,
	    all_cb, a, &err), 0);
}

/* ---- the window -------------------------------------------------------- */

static void
test_walk_down_and_up_across_equal_dates(void **state)
{
	struct fx	 fx;
	struct ix	 ix;
	struct all	 a;
	size_t		 i, maxrows = 0;

	fx_open(&fx, "walk.db");
	add_many(&fx, 1234, 7);
	all_ids(&fx, &a);
	assert_int_equal(a.n, 1234);

	ix_init(&ix);
	ix_set_height(&ix, 20);
	assert_int_equal(ix_open(&ix, fx.ro, fx.folder), 0);
	for (i = 0; i < a.n; i++) {
		assert_non_null(ix_selected(&ix));
		assert_int_equal(ix_selected(&ix)->id, a.id[i]);
		if (ix.nrows > maxrows)
			maxrows = ix.nrows;
		assert_int_equal(ix_move(&ix, 1), 0);
	}
	/* At the end it stays on the last message. */
	assert_int_equal(ix_selected(&ix)->id, a.id[a.n - 1]);
	assert_true(ix.at_end);
	for (i = a.n; i-- > 0;) {
		assert_int_equal(ix_selected(&ix)->id, a.id[i]);
		assert_int_equal(ix_move(&ix, -1), 0);
	}
	assert_int_equal(ix_selected(&ix)->id, a.id[0]);
	/* The window never held the folder. */
	assert_true(maxrows <= IX_MAX_ROWS + 2 * IX_BLOCK);
	ix_close(&ix);
	free(a.id);
	fx_close(&fx);
}

static void
test_pages_and_ends(void **state)
{
	struct fx	 fx;
	struct ix	 ix;
	struct all	 a;
	size_t		 pos = 0;

	fx_open(&fx, "pages.db");
	add_many(&fx, 777, 3);
	all_ids(&fx, &a);
	ix_init(&ix);
	ix_set_height(&ix, 25);
	assert_int_equal(ix_open(&ix, fx.ro, fx.folder), 0);
	while (pos + 25 < a.n) {
		assert_int_equal(ix_page(&ix, 1), 0);
		pos += 25;
		assert_int_equal(ix_selected(&ix)->id, a.id[pos]);
	}
	assert_int_equal(ix_end(&ix), 0);
	assert_int_equal(ix_selected(&ix)->id, a.id[a.n - 1]);
	/* The last screen is full, not one row. */
	assert_int_equal(ix.nrows - ix.top, 25);
	assert_int_equal(ix_page(&ix, -1), 0);
	assert_int_equal(ix_selected(&ix)->id, a.id[a.n - 1 - 25]);
	assert_int_equal(ix_home(&ix), 0);
	assert_int_equal(ix_selected(&ix)->id, a.id[0]);
	assert_true(ix.at_start);
	ix_close(&ix);
	free(a.id);
	fx_close(&fx);
}

/*
 * down rows below the top, the selection stays on its message when new
 * mail (subjects s1, s2, newer than everything) arrives, and goes to the
 * next one when it is deleted. Returns the id of the s2 message.
 */
static int64_t
refresh_keeps(struct fx *fx, struct ix *ix, long down, const char *s1,
    const char *s2)
{
	struct perr	 err;
	int64_t		 id, next, id2;
	size_t		 off;

	assert_int_equal(ix_move(ix, down), 0);
	assert_int_equal(ix_move(ix, 1), 0);
	next = ix_selected(ix)->id;
	assert_int_equal(ix_move(ix, -1), 0);
	id = ix_selected(ix)->id;
	off = ix->sel - ix->top;

	add(fx, 5000, 9000000, s1, "x", 1, NULL, NULL, 0);
	id2 = add(fx, 5001, 9000001, s2, "x", 1, NULL, NULL, 0);
	assert_int_equal(ix_refresh(ix), 0);
	assert_int_equal(ix_selected(ix)->id, id);
	assert_int_equal(ix->sel - ix->top, off);

	assert_int_equal(store_msg_delete(fx->rw, id, &err), 0);
	assert_int_equal(ix_refresh(ix), 0);
	assert_int_equal(ix_selected(ix)->id, next);
	return id2;
}

static void
test_refresh_keeps_the_selection(void **state)
{
	struct fx	 fx;
	struct ix	 ix;
	int64_t		 id;

	fx_open(&fx, "refresh.db");
	add_many(&fx, 600, 4);
	ix_init(&ix);
	ix_set_height(&ix, 20);
	assert_int_equal(ix_open(&ix, fx.ro, fx.folder), 0);
	(void)refresh_keeps(&fx, &ix, 150, "new 1", "new 2");

	/* At the top, new mail shows at the top and the selection stays. */
	assert_int_equal(ix_home(&ix), 0);
	id = ix_selected(&ix)->id;
	add(&fx, 5002, 9000002, "new 3", "x", 1, NULL, NULL, 0);
	assert_int_equal(ix_refresh(&ix), 0);
	assert_int_equal(ix_selected(&ix)->id, id);
	assert_string_equal(ix.rows[0].subject, "new 3");
	ix_close(&ix);
	fx_close(&fx);
}

/* ---- other orders ---------------------------------------------------------- */

/*
 * n messages: 7 senders (two spellings each), 6 base subjects, 13 sizes,
 * dates in runs of 9: many equal keys in every order. The senders and
 * subjects go through store_msg_insert() once each; the n rows copy them,
 * sort keys included, in one INSERT ... SELECT (25,000 inserts one by one
 * would take seconds: each writes a statement journal).
 */
static void
add_sortable(struct fx *fx, int n)
{
	static const char *const from[] = { "Alice", "ALICE", "bob", "Bob",
	    "Élodie", "ÉLODIE", "Zoë", "zoë", "carol", "Carol", "dave", "Dave",
	    "Ärger", "ärger" };
	static const char *const subj[] = { "Plans", "Re: plans", "Lunch",
	    "Fwd: LUNCH", "Città", "zebra", "Report", "[x] report", "",
	    "Aw: Zebra", "Zoo", "re: zoo" };
	sqlite3		*db;
	char		*sql, *msg = NULL;
	size_t		 i;

	for (i = 0; i < 14; i++)
		add(fx, 100000 + (uint32_t)i, 0, "", from[i], 0, NULL, NULL, 0);
	for (i = 0; i < 12; i++)
		add(fx, 200000 + (uint32_t)i, 0, subj[i], "", 0, NULL, NULL, 0);
	sql = xasprintf("WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL"
	    "  SELECT i + 1 FROM c WHERE i + 1 < %d)"
	    " INSERT INTO message(folder_id, uid, date, from_name, subject,"
	    "  size, flags, sort_from, sort_subject)"
	    " SELECT %lld, i + 1, 1000000 + ((i * 31) %% (%d / 9 + 1)) * 60,"
	    "  f.from_name, s.subject, (i %% 13) * 1000, 1, f.sort_from,"
	    "  s.sort_subject FROM c"
	    "  JOIN message f ON f.folder_id = %lld"
	    "   AND f.uid = 100000 + (i %% 7) * 2 + (i / 7) %% 2"
	    "  JOIN message s ON s.folder_id = %lld AND s.uid = 200000 + i %% 12;"
	    " DELETE FROM message WHERE folder_id = %lld AND uid >= 100000",
	    n, (long long)fx->folder, n, (long long)fx->folder,
	    (long long)fx->folder, (long long)fx->folder);
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	free(sql);
}

/* A store of n sortable messages and an index of 20 rows open on it. */
static void
sortable_ix(struct fx *fx, struct ix *ix, const char *name, int n)
{
	fx_open(fx, name);
	add_sortable(fx, n);
	ix_init(ix);
	ix_set_height(ix, 20);
	assert_int_equal(ix_open(ix, fx->ro, fx->folder), 0);
}

static const enum store_sort store_of[] = {
	[IX_SORT_DATE] = STORE_SORT_DATE, [IX_SORT_FROM] = STORE_SORT_FROM,
	[IX_SORT_SUBJECT] = STORE_SORT_SUBJECT, [IX_SORT_SIZE] = STORE_SORT_SIZE,
};

/* The whole folder in the order the index should show, from the store. */
static void
sorted_ids(struct fx *fx, enum ix_sort sort, bool reverse, struct all *a)
{
	struct perr	err;
	bool		desc = (sort == IX_SORT_DATE || sort == IX_SORT_SIZE) !=
			    reverse;

	memset(a, 0, sizeof *a);
	assert_int_equal(store_msg_page_sorted(fx->ro, fx->folder,
	    store_of[sort], NULL, desc, 1000000, all_cb, a, &err), 0);
}

/* The screen shows a->id[pos...] from its top row. */
static void
screen_is(const struct ix *ix, const struct all *a, size_t pos, int h)
{
	size_t	j;

	for (j = 0; j < (size_t)h && pos + j < a->n; j++) {
		assert_true(ix->top + j < ix->nrows);
		if (ix->rows[ix->top + j].id != a->id[pos + j])
			fail_msg("row %zu: %lld, not %lld", pos + j,
			    (long long)ix->rows[ix->top + j].id,
			    (long long)a->id[pos + j]);
	}
}

/*
 * 25,000 messages, more than the old in-memory sort took: every order,
 * both ways, page by page to the bottom and back to the top, shows
 * exactly the store's order, and the window stays small all the while.
 */
static void
test_every_order_pages_a_big_folder_down_and_up(void **state)
{
	enum { N = 25000, H = 37 };
	struct fx	 fx;
	struct ix	 ix;
	struct all	 a;
	size_t		 pos, maxrows = 0;
	int		 sort, rev;

	fx_open(&fx, "big-sort.db");
	add_sortable(&fx, N);
	ix_init(&ix);
	ix_set_height(&ix, H);
	assert_int_equal(ix_open(&ix, fx.ro, fx.folder), 0);
	for (sort = IX_SORT_DATE; sort <= IX_SORT_SIZE; sort++)
		for (rev = 0; rev < 2; rev++) {
			sorted_ids(&fx, (enum ix_sort)sort, rev, &a);
			assert_int_equal(a.n, N);
			assert_int_equal(ix_home(&ix), 0);
			if (ix_set_sort(&ix, (enum ix_sort)sort, rev) != 0)
				fail_msg("sort: %s", ix.err.msg);
			assert_int_equal(ix_home(&ix), 0);
			for (pos = 0;; pos += H) {
				screen_is(&ix, &a, pos, H);
				assert_int_equal(ix_selected(&ix)->id,
				    a.id[pos]);
				if (ix.nrows > maxrows)
					maxrows = ix.nrows;
				if (pos + 2 * H > N)
					break;
				assert_int_equal(ix_page(&ix, 1), 0);
			}
			/* The last screen, then back up to the top. */
			assert_int_equal(ix_end(&ix), 0);
			assert_int_equal(ix_selected(&ix)->id, a.id[N - 1]);
			screen_is(&ix, &a, N - H, H);
			for (pos = N - 1; pos >= H; pos -= H) {
				assert_int_equal(ix_page(&ix, -1), 0);
				assert_int_equal(ix_selected(&ix)->id,
				    a.id[pos - H]);
				screen_is(&ix, &a, pos - H - (ix.sel - ix.top),
				    H);
				if (ix.nrows > maxrows)
					maxrows = ix.nrows;
			}
			free(a.id);
		}
	/* The window never held more than a few blocks. */
	assert_true(maxrows <= IX_MAX_ROWS + 2 * IX_BLOCK);
	ix_close(&ix);
	fx_close(&fx);
}

/* Row by row across many equal keys, down to the end and back. */
static void
test_sender_order_row_by_row_both_ways(void **state)
{
	struct fx	 fx;
	struct ix	 ix;
	struct all	 a;
	size_t		 i;
	int		 rev;

	sortable_ix(&fx, &ix, "rows-sort.db", 1500);
	for (rev = 0; rev < 2; rev++) {
		sorted_ids(&fx, IX_SORT_FROM, rev, &a);
		assert_int_equal(ix_set_sort(&ix, IX_SORT_FROM, rev), 0);
		assert_int_equal(ix_home(&ix), 0);
		for (i = 0; i < a.n; i++) {
			assert_int_equal(ix_selected(&ix)->id, a.id[i]);
			assert_int_equal(ix_move(&ix, 1), 0);
		}
		assert_true(ix.at_end);
		for (i = a.n; i-- > 0;) {
			assert_int_equal(ix_selected(&ix)->id, a.id[i]);
			assert_int_equal(ix_move(&ix, -1), 0);
		}
		free(a.id);
	}
	/* Case and spelling do not split a sender: "Alice" then "ALICE". */
	assert_int_equal(ix_set_sort(&ix, IX_SORT_FROM, false), 0);
	assert_int_equal(ix_home(&ix), 0);
	assert_true(ix.nrows >= 100);
	for (i = 0; i < ix.nrows && i < 200; i++)
		assert_true(strcasecmp(ix.rows[i].from, "alice") == 0);
	ix_close(&ix);
	fx_close(&fx);
}

static void
test_sort_change_keeps_the_selection(void **state)
{
	struct fx	 fx;
	struct ix	 ix;
	struct all	 a;
	int64_t		 id;
	size_t		 off, i, p;

	sortable_ix(&fx, &ix, "keep-sort.db", 3000);
	assert_int_equal(ix_move(&ix, 1234), 0);
	assert_int_equal(ix_move(&ix, -5), 0);
	id = ix_selected(&ix)->id;
	off = ix.sel - ix.top;
	for (i = IX_SORT_DATE; i <= IX_SORT_SIZE; i++) {
		assert_int_equal(ix_set_sort(&ix, (enum ix_sort)i, false), 0);
		assert_int_equal(ix_selected(&ix)->id, id);
		assert_int_equal(ix.sel - ix.top, off);
		assert_int_equal(ix_set_sort(&ix, (enum ix_sort)i, true), 0);
		assert_int_equal(ix_selected(&ix)->id, id);
		/* The rows around it are the order's. */
		sorted_ids(&fx, (enum ix_sort)i, true, &a);
		for (p = 0; p < a.n && a.id[p] != id; p++)
			;
		assert_true(p < a.n && p >= ix.sel - ix.top);
		screen_is(&ix, &a, p - (ix.sel - ix.top), 20);
		free(a.id);
	}
	ix_close(&ix);
	fx_close(&fx);
}

/* New mail and a deleted row while sorted by subject. */
static void
test_refresh_in_subject_order(void **state)
{
	struct fx	 fx;
	struct ix	 ix;
	struct all	 a;
	int64_t		 aardvark;
	size_t		 i;

	sortable_ix(&fx, &ix, "refresh-sort.db", 2000);
	assert_int_equal(ix_set_sort(&ix, IX_SORT_SUBJECT, false), 0);
	/* Far below the window's first block (the window holds ~600). */
	aardvark = refresh_keeps(&fx, &ix, 777, "Re: Lunch", "aardvark");

	/* "aardvark" comes right after the empty subjects. */
	sorted_ids(&fx, IX_SORT_SUBJECT, false, &a);
	for (i = 0; i < a.n && a.id[i] != aardvark; i++)
		;
	assert_true(i > 0 && i < a.n);
	assert_int_equal(ix_home(&ix), 0);
	assert_int_equal(ix_move(&ix, (long)i), 0);
	assert_string_equal(ix_selected(&ix)->subject, "aardvark");
	assert_string_equal(ix.rows[ix.sel - 1].subject, "");
	free(a.id);
	ix_close(&ix);
	fx_close(&fx);
}

/* The threaded view is by date only: sorting turns it flat. */
static void
test_threaded_view_stays_by_date(void **state)
{
	struct fx	 fx;
	struct ix	 ix;

	sortable_ix(&fx, &ix, "thread-sort.db", 300);
	assert_int_equal(ix_set_sort(&ix, IX_SORT_SIZE, false), 0);
	assert_int_equal(ix_set_threaded(&ix, true), 0);
	assert_int_equal(ix.sort, IX_SORT_DATE);
	assert_false(ix.reverse);
	/* A reverse date sort is not for threads: nothing changes. */
	assert_int_equal(ix_set_sort(&ix, IX_SORT_DATE, true), 0);
	assert_true(ix.threaded);
	assert_false(ix.reverse);
	/* Another order leaves the threads. */
	assert_int_equal(ix_set_sort(&ix, IX_SORT_FROM, false), 0);
	assert_false(ix.threaded);
	assert_int_equal(ix.sort, IX_SORT_FROM);
	ix_close(&ix);
	fx_close(&fx);
}

/* A folder smaller than the screen, reversed: every row stays on it. */
static void
test_reverse_small_folder_shows_every_row(void **state)
{
	struct fx	fx;
	struct ix	ix;

	fx_open(&fx, "small.db");
	add_many(&fx, 5, 2);
	ix_init(&ix);
	ix_set_height(&ix, 20);
	assert_int_equal(ix_open(&ix, fx.ro, fx.folder), 0);
	assert_int_equal(ix.sel, 0);
	assert_int_equal(ix_set_sort(&ix, IX_SORT_DATE, true), 0);
	assert_int_equal(ix.nrows, 5);
	assert_int_equal(ix.sel, 4);		/* the newest, now last */
	assert_int_equal(ix.top, 0);
	ix_close(&ix);
	fx_close(&fx);
}

static bool
match_subject(const struct ix_row *r, void *arg)
{
	return strcmp(r->subject, arg) == 0;
}

static void
test_find_goes_past_the_window_and_wraps(void **state)
{
	struct fx	 fx;
	struct ix	 ix;
	bool		 wrapped;

	fx_open(&fx, "find.db");
	add_many(&fx, 1500, 2);
	ix_init(&ix);
	ix_set_height(&ix, 20);
	assert_int_equal(ix_open(&ix, fx.ro, fx.folder), 0);
	/* "message 3" is near the bottom (oldest). */
	assert_int_equal(ix_find(&ix, match_subject, "message 3", &wrapped),
	    1);
	assert_string_equal(ix_selected(&ix)->subject, "message 3");
	assert_false(wrapped);
	/* Wrapping: "message 1490" is near the top. */
	assert_int_equal(ix_find(&ix, match_subject, "message 1490",
	    &wrapped), 1);
	assert_string_equal(ix_selected(&ix)->subject, "message 1490");
	assert_true(wrapped);
	/* The only match is the selection: found there, after wrapping. */
	assert_int_equal(ix_find(&ix, match_subject, "message 1490",
	    &wrapped), 1);
	assert_string_equal(ix_selected(&ix)->subject, "message 1490");
	assert_true(wrapped);
	/* Nothing: the selection stays. */
	assert_int_equal(ix_find(&ix, match_subject, "nope", &wrapped), 0);
	assert_string_equal(ix_selected(&ix)->subject, "message 1490");
	ix_close(&ix);
	fx_close(&fx);
}

static bool
has_id(const int64_t *ids, size_t n, int64_t id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/*
 * The thread an action takes is the one drawn (issue 11): the store's
 * thread_id also joins messages that only share a subject (the sync's
 * subject fallback), and a reply the view threads by its headers may have
 * another thread_id.
 */
static void
test_thread_of_is_the_drawn_thread(void **state)
{
	struct fx	 fx;
	struct ix	 ix;
	struct perr	 err;
	int64_t		 old1, old2, root, reply, late, *ids = NULL;
	size_t		 n = 0;
	bool		 threaded;

	fx_open(&fx, "drawn.db");
	add_many(&fx, 50, 1);
	assert_int_equal(store_begin(fx.rw, &err), 0);
	/* Weeks apart, same subject, no references: one store thread. */
	old1 = add(&fx, 9001, 500000, "Riunione", "a", 1, "o1@x", NULL, 0);
	assert_int_equal(store_msg_set_thread(fx.rw, old1, old1, &err), 0);
	old2 = add(&fx, 9002, 900000, "Riunione", "b", 1, "o2@x", NULL, old1);
	root = add(&fx, 9003, 2000000, "Riunione", "c", 1, "r@x", NULL, old1);
	/* The reply names its parent but the sync gave it no thread. */
	reply = add(&fx, 9004, 2000100, "Re: Riunione", "d", 1, "re@x", "r@x",
	    0);
	late = add(&fx, 9005, 2000200, "Other", "e", 1, "l@x", NULL, 0);
	assert_int_equal(store_commit(fx.rw, &err), 0);
	(void)late;

	for (threaded = false; ; threaded = true) {
		ix_init(&ix);
		ix_set_height(&ix, 20);
		assert_int_equal(ix_open(&ix, fx.ro, fx.folder), 0);
		assert_int_equal(ix_set_threaded(&ix, threaded), 0);
		assert_int_equal(ix_thread_of(&ix, root, &ids, &n), 0);
		assert_int_equal(n, 2);
		assert_true(has_id(ids, n, root));
		assert_true(has_id(ids, n, reply));
		free(ids);
		/* From the reply: the same two. */
		assert_int_equal(ix_thread_of(&ix, reply, &ids, &n), 0);
		assert_int_equal(n, 2);
		assert_true(has_id(ids, n, root));
		free(ids);
		/* An old one alone: a thread of its own, as drawn. */
		assert_int_equal(ix_thread_of(&ix, old2, &ids, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(ids[0], old2);
		free(ids);
		ix_close(&ix);
		if (threaded)
			break;
	}
	fx_close(&fx);
}

/*
 * A thread whose root is far older than its replies, across many blocks:
 * threaded, every message shows once and the root sits with its replies.
 */
static void
test_threaded_window_shows_each_message_once(void **state)
{
	struct fx	 fx;
	struct ix	 ix;
	struct perr	 err;
	struct all	 a;
	int64_t		 root, r1, r2;
	size_t		 i, j, seen_root = 0, n = 0;
	int64_t		*shown = NULL;

	fx_open(&fx, "thread.db");
	assert_int_equal(store_begin(fx.rw, &err), 0);
	add_many(&fx, 0, 1);
	root = add(&fx, 90001, 100, "Old topic", "r", 1, "root@x", NULL, 0);
	assert_int_equal(store_msg_set_thread(fx.rw, root, root, &err), 0);
	assert_int_equal(store_commit(fx.rw, &err), 0);
	add_many(&fx, 900, 1);
	r1 = add(&fx, 90002, 2000000, "Re: Old topic", "s", 1, "r1@x",
	    "root@x", root);
	r2 = add(&fx, 90003, 2000010, "Re: Old topic", "t", 1, "r2@x",
	    "r1@x", root);
	all_ids(&fx, &a);

	ix_init(&ix);
	ix_set_height(&ix, 20);
	assert_int_equal(ix_open(&ix, fx.ro, fx.folder), 0);
	if (ix_set_threaded(&ix, true) != 0)
		fail_msg("threaded: %s", ix.err.msg);
	/* The thread's newest message is the newest of all: first row. */
	assert_int_equal(ix.rows[0].id, root);
	assert_int_equal(ix.rows[1].id, r1);
	assert_int_equal(ix.rows[2].id, r2);
	assert_int_equal(ix.rows[2].depth, 2);
	assert_non_null(ix.rows[1].tree);
	/* The selection stayed on the newest message, now third. */
	assert_int_equal(ix_selected(&ix)->id, r2);
	assert_int_equal(ix_home(&ix), 0);
	for (;;) {
		shown = xreallocarray(shown, n + 1, sizeof *shown);
		shown[n++] = ix_selected(&ix)->id;
		if (ix_selected(&ix)->id == root)
			seen_root++;
		i = ix.sel;
		assert_int_equal(ix_move(&ix, 1), 0);
		if (ix.sel == i && ix.at_end)
			break;
	}
	assert_int_equal(seen_root, 1);
	assert_int_equal(n, a.n);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_true(shown[i] != shown[j]);
	free(shown);
	free(a.id);
	ix_close(&ix);
	fx_close(&fx);
}

/*
 * A thread longer than the index pulls in (IX_THREAD_MAX; one subject
 * every day makes one): its newest messages are shown, once, at its
 * newest message's place, and the walk ends.
 */
static void
test_long_thread_shows_its_newest(void **state)
{
	struct fx	 fx;
	struct ix	 ix;
	struct perr	 err;
	int64_t		 root, last = 0, id;
	size_t		 i, j, n = 0, nthread = 0;
	int64_t		*shown = NULL;
	char		 mid[32];
	int		 k;

	fx_open(&fx, "longthread.db");
	assert_int_equal(store_begin(fx.rw, &err), 0);
	root = add(&fx, 1, 1000, "report", "cron", 1, "m0@x", NULL, 0);
	assert_int_equal(store_msg_set_thread(fx.rw, root, root, &err), 0);
	for (k = 1; k < IX_THREAD_MAX + 500; k++) {
		(void)snprintf(mid, sizeof mid, "m%d@x", k);
		id = add(&fx, (uint32_t)k + 1, 1000 + k * 86400, "report",
		    "cron", 1, mid, NULL, root);
		last = id;
	}
	/* Other mail, newer and older than the thread's newest. */
	for (k = 0; k < 300; k++)
		(void)add(&fx, (uint32_t)(100000 + k), 500 + k * 400000,
		    "other", "x", 1, NULL, NULL, 0);
	assert_int_equal(store_commit(fx.rw, &err), 0);

	ix_init(&ix);
	ix_set_height(&ix, 20);
	assert_int_equal(ix_open(&ix, fx.ro, fx.folder), 0);
	if (ix_set_threaded(&ix, true) != 0)
		fail_msg("threaded: %s", ix.err.msg);
	assert_int_equal(ix_home(&ix), 0);
	for (;;) {
		shown = xreallocarray(shown, n + 1, sizeof *shown);
		shown[n++] = ix_selected(&ix)->id;
		if (strcmp(ix_selected(&ix)->subject, "report") == 0)
			nthread++;
		i = ix.sel;
		assert_int_equal(ix_move(&ix, 1), 0);
		if (ix.sel == i && ix.at_end)
			break;
	}
	/* The newest member is there; the thread is cut at the limit. */
	for (i = 0; i < n && shown[i] != last; i++)
		;
	assert_true(i < n);
	assert_int_equal(nthread, IX_THREAD_MAX);
	assert_int_equal(n, 300 + IX_THREAD_MAX);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_true(shown[i] != shown[j]);
	free(shown);
	ix_close(&ix);
	fx_close(&fx);
}

static void
test_empty_and_no_store(void **state)
{
	struct fx	 fx;
	struct ix	 ix;

	ix_init(&ix);
	assert_int_equal(ix_open(&ix, NULL, 0), 0);
	assert_null(ix_selected(&ix));
	assert_int_equal(ix_move(&ix, 1), 0);
	assert_int_equal(ix_end(&ix), 0);
	ix_close(&ix);

	fx_open(&fx, "empty.db");
	assert_int_equal(ix_open(&ix, fx.ro, fx.folder), 0);
	assert_null(ix_selected(&ix));
	assert_int_equal(ix_page(&ix, 1), 0);
	assert_int_equal(ix_set_threaded(&ix, true), 0);
	assert_int_equal(ix_refresh(&ix), 0);
	ix_close(&ix);
	fx_close(&fx);
}

/* index_format: expandos, widths (display columns), cuts, literals. */
static void
test_index_format_columns(void **state)
{
	struct ix_row	 r;
	struct ix_fmt	 f = { 0 };
	char		*s;

	(void)state;
	memset(&r, 0, sizeof r);
	r.from = (char *)"Zoë Müller";
	r.from_addr = (char *)"zoe@example.net";
	r.to = (char *)"Alice <alice@example.org>";
	r.subject = (char *)"Riunione di lunedì";
	r.size = 2048;
	r.flags = STORE_FLAGGED;
	r.date = 86400 * 400;	/* 5 Feb 1971: the same month in any zone */
	f.now = (time_t)r.date;
	f.date_format = "%Y";
	f.format = "[%Z] %-12.12n|%8.8n|%.8s|%c|%d|%{%m}|%t|%%|%q";
	s = ix_format_row(&f, &r, true, 80);
	assert_string_equal(s, "[N!  *] Zoë Müller  |Zoë Mül~|Riunion~|"
	    "2.0K|1971|02|Alice <alice@example.org>|%|%q");
	free(s);
	f.format = "%f / %F";
	s = ix_format_row(&f, &r, false, 80);
	assert_string_equal(s, "Zoë Müller <zoe@example.net> / Zoë Müller");
	free(s);
	f.recipients = true;	/* Sent, Drafts */
	s = ix_format_row(&f, &r, false, 80);
	assert_string_equal(s, "Zoë Müller <zoe@example.net> / "
	    "To: Alice <alice@example.org>");
	free(s);
	/* A width beyond the bound is cut to it, not allocated. */
	f.format = "%99999999n|";
	s = ix_format_row(&f, &r, false, 80);
	assert_int_equal(strlen(s), 512 + strlen("Zoë Müller") - 10 + 1);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_down_and_up_across_equal_dates),
		cmocka_unit_test(test_pages_and_ends),
		cmocka_unit_test(test_refresh_keeps_the_selection),
		cmocka_unit_test(test_every_order_pages_a_big_folder_down_and_up),
		cmocka_unit_test(test_sender_order_row_by_row_both_ways),
		cmocka_unit_test(test_sort_change_keeps_the_selection),
		cmocka_unit_test(test_refresh_in_subject_order),
		cmocka_unit_test(test_threaded_view_stays_by_date),
		cmocka_unit_test(test_find_goes_past_the_window_and_wraps),
		cmocka_unit_test(test_reverse_small_folder_shows_every_row),
		cmocka_unit_test(test_thread_of_is_the_drawn_thread),
		cmocka_unit_test(test_threaded_window_shows_each_message_once),
		cmocka_unit_test(test_long_thread_shows_its_newest),
		cmocka_unit_test(test_empty_and_no_store),
		cmocka_unit_test(test_index_format_columns),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
