/*
 * test_journal.c - user actions (src/app/app_act.c) and the offline journal
 * (src/store/journal.c): each action's local effect and journal entries,
 * nothing half-done, POP3 without a journal, the replay's batches and
 * bookkeeping.
 */
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

#include "app/app.h"
#include "store/store.h"

static char	tmpdir[] = "/tmp/posta-test-journal-XXXXXX";

static int
group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The world of one test: a fresh store with an account and its folders
 * INBOX, Archive, Trash, Work and Work/Old (or, for POP3, local INBOX,
 * Trash and Work), five messages with UIDs 1-5 in INBOX, bodies included.
 */
struct world {
	struct store	*st;
	struct account	 acct;
	struct app_act	*act;
	int64_t		 account_id;
	int64_t		 inbox, archive, trash, work, old;
	int64_t		 m[5];
	char		*path;
};

static int64_t
add_folder(struct world *w, const char *name, enum store_special use,
    bool remote)
{
	struct store_folder	f;
	struct perr		err;
	int64_t			id;

	memset(&f, 0, sizeof f);
	f.account_id = w->account_id;
	f.name = (char *)name;
	f.remote_name = remote ? (char *)name : NULL;
	f.delimiter = '/';
	f.special_use = use;
	f.subscribed = true;
	if (store_folder_upsert(w->st, &f, &id, &err) != 0)
		fail_msg("folder %s: %s", name, err.msg);
	return id;
}

static void
world_open(struct world *w, const char *name, bool pop3, bool specials)
{
	static int		 seq;
	struct store_msg	 m;
	struct perr		 err;
	char			 subj[32], body[64], file[64];
	int			 i;

	memset(w, 0, sizeof w[0]);
	(void)snprintf(file, sizeof file, "%s-%d.db", name, seq++);
	w->path = xasprintf("%s/%s", tmpdir, file);
	w->st = store_open(w->path, STORE_RDWR | STORE_SYNC_NORMAL, &err);
	if (w->st == NULL)
		fail_msg("open: %s", err.msg);
	w->acct.name = (char *)"lab";
	w->acct.protocol = pop3 ? PROTO_POP3 : PROTO_IMAP;
	assert_int_equal(store_account_ensure(w->st, "lab", pop3 ? STORE_POP3 :
	    STORE_IMAP, &w->account_id, &err), 0);
	w->inbox = add_folder(w, "INBOX", STORE_SPECIAL_INBOX, !pop3);
	if (specials) {
		if (!pop3)
			w->archive = add_folder(w, "Archive",
			    STORE_SPECIAL_ARCHIVE, true);
		w->trash = add_folder(w, "Trash", STORE_SPECIAL_TRASH, !pop3);
	}
	w->work = add_folder(w, "Work", STORE_SPECIAL_NONE, !pop3);
	if (!pop3)
		w->old = add_folder(w, "Work/Old", STORE_SPECIAL_NONE, true);
	for (i = 0; i < 5; i++) {
		memset(&m, 0, sizeof m);
		m.folder_id = w->inbox;
		m.uid = pop3 ? 0 : (uint32_t)i + 1;
		m.date = 1000 + i;
		(void)snprintf(subj, sizeof subj, "message %d", i + 1);
		m.subject = subj;
		m.message_id = subj;
		if (pop3) {
			(void)snprintf(body, sizeof body, "uidl-%d", i + 1);
			m.pop3_uidl = body;
			assert_int_equal(store_pop3_add(w->st, w->account_id,
			    body, 1, &err), 0);
		}
		if (store_msg_insert(w->st, &m, &w->m[i], &err) != 0)
			fail_msg("insert: %s", err.msg);
		(void)snprintf(body, sizeof body, "Subject: %s\r\n\r\n"
		    "zanzara%d\r\n", subj, i + 1);
		(void)snprintf(subj, sizeof subj, "zanzara%d", i + 1);
		assert_int_equal(store_body_put(w->st, w->m[i], body,
		    strlen(body), subj, &err), 0);
	}
	w->act = app_act_attach(w->st, &w->acct, &err);
	if (w->act == NULL)
		fail_msg("attach: %s", err.msg);
}

static void
world_close(struct world *w)
{
	app_act_close(w->act);
	store_close(w->st);
	free(w->path);
}

/* Every journal entry, copied. */
struct jlist {
	struct store_journal	v[64];
	size_t			n;
};

static int
jcollect(void *arg, const struct store_journal *e)
{
	struct jlist	*l = arg;

	assert_true(l->n < 64);
	l->v[l->n] = *e;
	l->v[l->n].folder_name = e->folder_name ? xstrdup(e->folder_name) :
	    NULL;
	l->v[l->n].dest_name = e->dest_name ? xstrdup(e->dest_name) : NULL;
	l->v[l->n].keywords_add = NULL;
	l->v[l->n].keywords_remove = NULL;
	l->v[l->n].last_error = e->last_error ? xstrdup(e->last_error) : NULL;
	l->n++;
	return 0;
}

static void
jload(struct world *w, struct jlist *l)
{
	struct perr	err;

	memset(l, 0, sizeof *l);
	assert_true(store_journal_list(w->st, w->account_id, jcollect, l,
	    &err) >= 0);
}

static void
jfree(struct jlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		store_journal_free(&l->v[i]);
	l->n = 0;
}

static struct store_msg
msg(struct world *w, int64_t id)
{
	struct store_msg	m;
	struct perr		err;

	if (store_msg_get(w->st, id, &m, &err) != 0)
		fail_msg("get %lld: %s", (long long)id, err.msg);
	return m;
}

static bool
msg_exists(struct world *w, int64_t id)
{
	struct store_msg	m;
	struct perr		err;

	if (store_msg_get(w->st, id, &m, &err) != 0)
		return false;
	store_msg_free(&m);
	return true;
}

static int64_t
njournal(struct world *w)
{
	int64_t		waiting, failed;
	struct perr	err;

	assert_int_equal(store_journal_count(w->st, w->account_id, &waiting,
	    &failed, &err), 0);
	return waiting + failed;
}

/* ---- messages ---------------------------------------------------------- */

static void
flags_change_rows_and_journal_only_what_changed(void **state)
{
	struct world		w;
	struct jlist		l;
	struct store_msg	m;
	struct perr		err;
	int64_t			ids[2];
	size_t			n;

	(void)state;
	world_open(&w, "flags", false, true);
	assert_int_equal(store_msg_flags_change(w.st, w.m[1], STORE_SEEN, 0,
	    &err), 1);
	ids[0] = w.m[0];
	ids[1] = w.m[1];
	assert_int_equal(app_act_flags(w.act, ids, 2, STORE_SEEN, 0, &n,
	    &err), 0);
	assert_int_equal(n, 1);
	m = msg(&w, w.m[0]);
	assert_true(m.flags & STORE_SEEN);
	store_msg_free(&m);

	jload(&w, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].op, STORE_JOP_FLAGS);
	assert_int_equal(l.v[0].flags_add, STORE_SEEN);
	assert_int_equal(l.v[0].flags_remove, 0);
	assert_int_equal(l.v[0].uid, 1);
	assert_string_equal(l.v[0].folder_name, "INBOX");
	assert_int_equal(l.v[0].folder_id, w.inbox);
	assert_int_equal(l.v[0].message_id, w.m[0]);
	assert_int_equal(l.v[0].state, STORE_JPENDING);
	assert_true(l.v[0].created_at > 0);
	jfree(&l);

	/* Unread again, flagged: one entry with both changes. */
	assert_int_equal(app_act_flags(w.act, ids, 1, STORE_FLAGGED,
	    STORE_SEEN, &n, &err), 0);
	jload(&w, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[1].flags_add, STORE_FLAGGED);
	assert_int_equal(l.v[1].flags_remove, STORE_SEEN);
	jfree(&l);
	world_close(&w);
}

static void
unknown_id_changes_nothing_and_names_the_id(void **state)
{
	struct world		w;
	struct store_msg	m;
	struct perr		err;
	int64_t			ids[2];

	(void)state;
	world_open(&w, "missing", false, true);
	ids[0] = w.m[0];
	ids[1] = 424242;
	assert_int_equal(app_act_flags(w.act, ids, 2, STORE_SEEN, 0, NULL,
	    &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "424242"));
	assert_int_equal(app_act_move(w.act, ids, 2, "Work", NULL, &err), -1);
	assert_non_null(strstr(err.msg, "424242"));
	m = msg(&w, w.m[0]);
	assert_false(m.flags & STORE_SEEN);
	assert_int_equal(m.folder_id, w.inbox);
	store_msg_free(&m);
	assert_int_equal(njournal(&w), 0);

	/* A folder that does not exist is named too. */
	assert_int_equal(app_act_move(w.act, ids, 1, "Nowhere", NULL, &err),
	    -1);
	assert_non_null(strstr(err.msg, "Nowhere"));
	assert_int_equal(store_tx_depth(w.st), 0);
	world_close(&w);
}

static void
move_keeps_body_and_waits_for_a_uid(void **state)
{
	struct world		w;
	struct jlist		l;
	struct store_msg	m;
	struct perr		err;
	void			*raw;
	size_t			 len, n;

	(void)state;
	world_open(&w, "move", false, true);
	assert_int_equal(app_act_move(w.act, &w.m[2], 1, "Work", &n, &err), 0);
	assert_int_equal(n, 1);
	m = msg(&w, w.m[2]);
	assert_int_equal(m.folder_id, w.work);
	assert_int_equal(m.uid, 0);
	store_msg_free(&m);
	assert_int_equal(store_body_get(w.st, w.m[2], &raw, &len, &err), 0);
	assert_non_null(strstr(raw, "zanzara3"));
	free(raw);

	/* Moving it to where it is changes nothing. */
	assert_int_equal(app_act_move(w.act, &w.m[2], 1, "Work", &n, &err), 0);
	assert_int_equal(n, 0);

	jload(&w, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].op, STORE_JOP_MOVE);
	assert_string_equal(l.v[0].folder_name, "INBOX");
	assert_int_equal(l.v[0].uid, 3);
	assert_string_equal(l.v[0].dest_name, "Work");
	assert_int_equal(l.v[0].dest_folder_id, w.work);
	assert_int_equal(l.v[0].message_id, w.m[2]);
	jfree(&l);
	world_close(&w);
}

static int
count_hit(void *arg, const struct store_msg *m)
{
	int64_t	*folders = arg;

	folders[m->folder_id < 64 ? m->folder_id : 0]++;
	return 0;
}

static void
copy_makes_a_searchable_row_without_uid(void **state)
{
	struct world		w;
	struct jlist		l;
	struct store_msg	m;
	struct perr		err;
	int64_t			hits[64] = { 0 };
	int64_t			total;

	(void)state;
	world_open(&w, "copy", false, true);
	assert_int_equal(app_act_copy(w.act, &w.m[3], 1, "Work", NULL, &err),
	    0);
	jload(&w, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].op, STORE_JOP_COPY);
	assert_int_equal(l.v[0].uid, 4);
	assert_string_equal(l.v[0].dest_name, "Work");
	/* The entry names the new row: the replay gives it its UID. */
	assert_true(l.v[0].message_id != w.m[3]);
	m = msg(&w, l.v[0].message_id);
	assert_int_equal(m.folder_id, w.work);
	assert_int_equal(m.uid, 0);
	assert_string_equal(m.subject, "message 4");
	assert_int_equal(m.body_state, STORE_BODY_FULL);
	store_msg_free(&m);
	jfree(&l);

	assert_int_equal(store_folder_counts(w.st, w.inbox, &total, NULL,
	    &err), 0);
	assert_int_equal(total, 5);
	assert_true(store_msg_search(w.st, w.account_id, 0, "zanzara4", 10,
	    count_hit, hits, &err) >= 0);
	assert_int_equal(hits[w.inbox], 1);
	assert_int_equal(hits[w.work], 1);
	world_close(&w);
}

static void
delete_goes_to_trash_then_deleted_then_expunged(void **state)
{
	struct world		w;
	struct jlist		l;
	struct store_msg	m;
	struct perr		err;
	size_t			n;

	(void)state;
	world_open(&w, "delete", false, true);
	assert_int_equal(app_act_delete(w.act, &w.m[0], 1, &n, &err), 0);
	assert_int_equal(n, 1);
	m = msg(&w, w.m[0]);
	assert_int_equal(m.folder_id, w.trash);
	assert_false(m.flags & STORE_DELETED);
	store_msg_free(&m);

	/* In Trash, delete marks it. */
	assert_int_equal(app_act_delete(w.act, &w.m[0], 1, &n, &err), 0);
	m = msg(&w, w.m[0]);
	assert_int_equal(m.folder_id, w.trash);
	assert_true(m.flags & STORE_DELETED);
	store_msg_free(&m);
	jload(&w, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].op, STORE_JOP_MOVE);
	assert_string_equal(l.v[0].dest_name, "Trash");
	assert_int_equal(l.v[1].op, STORE_JOP_FLAGS);
	assert_int_equal(l.v[1].flags_add, STORE_DELETED);
	assert_int_equal(l.v[1].uid, 0);	/* no UID in Trash yet */
	jfree(&l);

	/*
	 * Emptying Trash removes the row; it never had a UID there, so no
	 * expunge entry: the move loses its result row (replay: the source
	 * is expunged, SYNC-RULES).
	 */
	assert_int_equal(app_act_expunge(w.act, "Trash", &n, &err), 0);
	assert_int_equal(n, 1);
	assert_false(msg_exists(&w, w.m[0]));
	jload(&w, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].op, STORE_JOP_MOVE);
	assert_int_equal(l.v[0].message_id, 0);
	assert_int_equal(l.v[0].uid, 1);
	assert_string_equal(l.v[0].folder_name, "INBOX");
	jfree(&l);
	world_close(&w);
}

static void
delete_without_trash_marks_and_expunge_journals_uids(void **state)
{
	struct world		w;
	struct jlist		l;
	struct store_msg	m;
	struct perr		err;
	int64_t			ids[2];
	size_t			n;

	(void)state;
	world_open(&w, "notrash", false, false);
	ids[0] = w.m[1];
	ids[1] = w.m[3];
	assert_int_equal(app_act_delete(w.act, ids, 2, &n, &err), 0);
	assert_int_equal(n, 2);
	m = msg(&w, w.m[1]);
	assert_int_equal(m.folder_id, w.inbox);
	assert_true(m.flags & STORE_DELETED);
	store_msg_free(&m);

	/* Undelete one: cleared while not expunged. */
	assert_int_equal(app_act_undelete(w.act, &w.m[3], 1, &n, &err), 0);
	assert_int_equal(n, 1);
	m = msg(&w, w.m[3]);
	assert_false(m.flags & STORE_DELETED);
	store_msg_free(&m);

	assert_int_equal(app_act_expunge(w.act, NULL, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_false(msg_exists(&w, w.m[1]));
	assert_true(msg_exists(&w, w.m[3]));
	jload(&w, &l);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[2].op, STORE_JOP_FLAGS);
	assert_int_equal(l.v[2].flags_remove, STORE_DELETED);
	assert_int_equal(l.v[3].op, STORE_JOP_EXPUNGE);
	assert_int_equal(l.v[3].uid, 2);
	assert_string_equal(l.v[3].folder_name, "INBOX");
	assert_int_equal(l.v[3].message_id, 0);
	jfree(&l);

	/* No Archive folder: a clear error, nothing done. */
	assert_int_equal(app_act_archive(w.act, ids, 1, &n, &err), -1);
	assert_non_null(strstr(err.msg, "Archive"));
	world_close(&w);
}

static void
archive_moves_to_the_archive_folder(void **state)
{
	struct world		w;
	struct jlist		l;
	struct store_msg	m;
	struct perr		err;

	(void)state;
	world_open(&w, "archive", false, true);
	assert_int_equal(app_act_archive(w.act, &w.m[4], 1, NULL, &err), 0);
	m = msg(&w, w.m[4]);
	assert_int_equal(m.folder_id, w.archive);
	store_msg_free(&m);
	jload(&w, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].op, STORE_JOP_MOVE);
	assert_string_equal(l.v[0].dest_name, "Archive");
	jfree(&l);
	world_close(&w);
}

/* ---- folders ----------------------------------------------------------- */

static void
folders_create_rename_delete_subscribe(void **state)
{
	struct world		w;
	struct jlist		l;
	struct store_folder	f;
	struct store_journal	e;
	struct perr		err;

	(void)state;
	world_open(&w, "folders", false, true);

	/* Create: local (no remote name) until the replay's CREATE. */
	assert_int_equal(app_act_folder_create(w.act, "Città", &err), 0);
	assert_int_equal(store_folder_by_name(w.st, w.account_id, "Città", &f,
	    &err), 0);
	assert_null(f.remote_name);
	assert_true(f.subscribed);
	assert_int_equal(f.delimiter, '/');
	store_folder_free(&f);
	assert_int_equal(app_act_folder_create(w.act, "Città", &err), -1);
	assert_non_null(strstr(err.msg, "already exists"));
	assert_int_equal(app_act_folder_create(w.act, "a*b", &err), -1);
	assert_int_equal(app_act_folder_create(w.act, "bad\033name", &err), -1);

	/* Rename takes subfolders along; remote names follow. */
	assert_int_equal(app_act_folder_rename(w.act, "Work", "Lavoro", &err),
	    0);
	assert_int_equal(store_folder_by_name(w.st, w.account_id,
	    "Lavoro/Old", &f, &err), 0);
	assert_string_equal(f.remote_name, "Lavoro/Old");
	store_folder_free(&f);
	assert_int_equal(app_act_folder_rename(w.act, "INBOX", "X", &err), -1);
	assert_int_equal(app_act_folder_rename(w.act, "Lavoro", "Trash",
	    &err), -1);

	/* Delete: not with subfolders, not with messages unless forced. */
	assert_int_equal(app_act_folder_delete(w.act, "Lavoro", false, &err),
	    -1);
	assert_non_null(strstr(err.msg, "subfolders"));
	assert_int_equal(app_act_move(w.act, &w.m[0], 1, "Lavoro/Old", NULL,
	    &err), 0);
	assert_int_equal(app_act_folder_delete(w.act, "Lavoro/Old", false,
	    &err), -1);
	assert_non_null(strstr(err.msg, "1 message"));
	assert_int_equal(app_act_folder_delete(w.act, "Lavoro/Old", true,
	    &err), 0);
	assert_false(msg_exists(&w, w.m[0]));
	assert_int_equal(app_act_folder_delete(w.act, "INBOX", true, &err),
	    -1);

	assert_int_equal(app_act_subscribe(w.act, "Lavoro", false, &err), 0);
	assert_int_equal(store_folder_by_name(w.st, w.account_id, "Lavoro",
	    &f, &err), 0);
	assert_false(f.subscribed);
	store_folder_free(&f);

	jload(&w, &l);
	assert_int_equal(l.n, 5);
	assert_int_equal(l.v[0].op, STORE_JOP_FOLDER_CREATE);
	assert_string_equal(l.v[0].folder_name, "Citt&AOA-");
	assert_int_equal(l.v[1].op, STORE_JOP_FOLDER_RENAME);
	assert_string_equal(l.v[1].folder_name, "Work");
	assert_string_equal(l.v[1].dest_name, "Lavoro");
	assert_int_equal(l.v[2].op, STORE_JOP_MOVE);
	assert_string_equal(l.v[2].dest_name, "Lavoro/Old");
	assert_int_equal(l.v[2].message_id, 0);	/* went with the folder */
	assert_int_equal(l.v[3].op, STORE_JOP_FOLDER_DELETE);
	assert_string_equal(l.v[3].folder_name, "Lavoro/Old");
	assert_int_equal(l.v[4].op, STORE_JOP_UNSUBSCRIBE);
	assert_string_equal(l.v[4].folder_name, "Lavoro");
	/* The subscription ops survive the v1 storage (folder_delete). */
	assert_int_equal(store_journal_get(w.st, l.v[4].id, &e, &err), 0);
	assert_int_equal(e.op, STORE_JOP_UNSUBSCRIBE);
	assert_int_equal(e.flags_add, 0);
	store_journal_free(&e);
	jfree(&l);
	world_close(&w);
}

static void
local_folder_never_touches_the_server(void **state)
{
	struct world	w;
	struct jlist	l;
	struct perr	err;

	(void)state;
	world_open(&w, "localdel", false, true);
	/* Created offline, then deleted: CREATE then DELETE are replayed. */
	assert_int_equal(app_act_folder_create(w.act, "Tmp", &err), 0);
	assert_int_equal(app_act_folder_delete(w.act, "Tmp", false, &err), 0);
	jload(&w, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[1].op, STORE_JOP_FOLDER_DELETE);
	jfree(&l);
	/*
	 * A local folder whose CREATE is not waiting (dropped by the user)
	 * must not make the replay DELETE a server folder of that name.
	 */
	assert_int_equal(app_act_folder_create(w.act, "Mine", &err), 0);
	jload(&w, &l);
	assert_int_equal(app_act_journal_drop(w.act, l.v[2].id, &err), 0);
	jfree(&l);
	assert_int_equal(app_act_folder_delete(w.act, "Mine", false, &err), 0);
	assert_int_equal(njournal(&w), 2);
	world_close(&w);
}

/* ---- POP3 --------------------------------------------------------------- */

static int
orphan_one(void *arg, const char *uidl, int64_t first_seen)
{
	char	*seen = arg;

	(void)first_seen;
	(void)strncat(seen, uidl, 255 - strlen(seen));
	(void)strncat(seen, " ", 255 - strlen(seen));
	return 0;
}

static void
pop3_actions_are_local_only(void **state)
{
	struct world		w;
	struct store_msg	m;
	struct perr		err;
	char			orphans[256] = "";
	size_t			n;

	(void)state;
	world_open(&w, "pop3", true, true);
	assert_int_equal(app_act_flags(w.act, &w.m[0], 1, STORE_SEEN, 0, &n,
	    &err), 0);
	assert_int_equal(app_act_move(w.act, &w.m[1], 1, "Work", &n, &err),
	    0);
	assert_int_equal(app_act_copy(w.act, &w.m[2], 1, "Work", &n, &err),
	    0);
	assert_int_equal(app_act_delete(w.act, &w.m[3], 1, &n, &err), 0);
	m = msg(&w, w.m[3]);
	assert_int_equal(m.folder_id, w.trash);
	store_msg_free(&m);
	assert_int_equal(app_act_folder_create(w.act, "Old", &err), 0);
	assert_int_equal(app_act_folder_rename(w.act, "Old", "Older", &err),
	    0);
	assert_int_equal(njournal(&w), 0);

	/* Moved is not deleted: nothing for the server to delete yet. */
	assert_int_equal(store_pop3_orphans(w.st, w.account_id, orphan_one,
	    orphans, &err), 0);
	assert_string_equal(orphans, "");
	/* Deleted in Trash and expunged: its UIDL is left alone. */
	assert_int_equal(app_act_delete(w.act, &w.m[3], 1, &n, &err), 0);
	assert_int_equal(app_act_expunge(w.act, "Trash", &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_pop3_orphans(w.st, w.account_id, orphan_one,
	    orphans, &err), 0);
	assert_string_equal(orphans, "uidl-4 ");
	assert_int_equal(njournal(&w), 0);
	world_close(&w);
}

/* ---- the replay's side ------------------------------------------------- */

struct batch {
	int64_t		ids[16];
	uint32_t	uids[16];
	int		n;
};

static int
batch_one(void *arg, const struct store_journal *e)
{
	struct batch	*b = arg;

	b->ids[b->n] = e->id;
	b->uids[b->n] = e->uid;
	b->n++;
	return 0;
}

static struct batch
next_batch(struct world *w, int max)
{
	struct batch	b;
	struct perr	err;

	memset(&b, 0, sizeof b);
	assert_int_equal(store_journal_batch(w->st, w->account_id, max,
	    batch_one, &b, &err), 0);
	return b;
}

static void
batches_carry_consecutive_alike_entries(void **state)
{
	struct world	w;
	struct batch	b;
	struct perr	err;
	int64_t		ids[3];
	int		i;

	(void)state;
	world_open(&w, "batch", false, true);
	ids[0] = w.m[0];
	ids[1] = w.m[1];
	ids[2] = w.m[2];
	/* 1-3: +seen; 4: +flagged; 5-6: move to Work; 7: flags on a moved one. */
	assert_int_equal(app_act_flags(w.act, ids, 3, STORE_SEEN, 0, NULL,
	    &err), 0);
	assert_int_equal(app_act_flags(w.act, ids, 1, STORE_FLAGGED, 0, NULL,
	    &err), 0);
	assert_int_equal(app_act_move(w.act, &ids[1], 2, "Work", NULL, &err),
	    0);
	assert_int_equal(app_act_flags(w.act, &ids[1], 1, STORE_ANSWERED, 0,
	    NULL, &err), 0);

	b = next_batch(&w, 100);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.uids[0], 1);
	assert_int_equal(b.uids[2], 3);
	b = next_batch(&w, 2);		/* max is respected */
	assert_int_equal(b.n, 2);
	for (i = 0; i < 3; i++)
		assert_int_equal(store_journal_done(w.st, (int64_t)i + 1,
		    &err), 0);
	b = next_batch(&w, 100);
	assert_int_equal(b.n, 1);	/* +flagged alone */
	assert_int_equal(store_journal_done(w.st, b.ids[0], &err), 0);

	/* A failed entry is skipped; the moves batch together. */
	b = next_batch(&w, 100);
	assert_int_equal(b.n, 2);
	assert_int_equal(store_journal_failed(w.st, b.ids[0], "NO nope",
	    &err), 0);
	b = next_batch(&w, 100);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.uids[0], 3);
	assert_int_equal(store_journal_sent(w.st, b.ids[0], &err), 0);
	/* A sent entry is still waiting (a crash must check it)... */
	b = next_batch(&w, 100);
	assert_int_equal(b.n, 1);
	assert_int_equal(store_journal_done(w.st, b.ids[0], &err), 0);
	/* ...and an entry without a UID comes alone. */
	b = next_batch(&w, 100);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.uids[0], 0);
	assert_int_equal(store_journal_done(w.st, b.ids[0], &err), 0);
	b = next_batch(&w, 100);
	assert_int_equal(b.n, 0);
	world_close(&w);
}

static void
failed_entries_retry_and_drop(void **state)
{
	struct world		w;
	struct store_journal	e;
	struct perr		err;
	int64_t			waiting, failed;

	(void)state;
	world_open(&w, "retry", false, true);
	assert_int_equal(app_act_flags(w.act, w.m, 3, STORE_SEEN, 0, NULL,
	    &err), 0);
	assert_int_equal(store_journal_failed(w.st, 1, "NO [CANNOT] no", &err),
	    0);
	assert_int_equal(store_journal_failed(w.st, 2, "BAD what", &err), 0);
	assert_int_equal(store_journal_defer(w.st, 3, "connection lost", &err),
	    0);
	assert_int_equal(store_journal_count(w.st, w.account_id, &waiting,
	    &failed, &err), 0);
	assert_int_equal(waiting, 1);
	assert_int_equal(failed, 2);

	assert_int_equal(store_journal_get(w.st, 1, &e, &err), 0);
	assert_int_equal(e.state, STORE_JFAILED);
	assert_int_equal(e.attempts, 1);
	assert_string_equal(e.last_error, "NO [CANNOT] no");
	store_journal_free(&e);
	assert_int_equal(store_journal_get(w.st, 3, &e, &err), 0);
	assert_int_equal(e.state, STORE_JPENDING);
	assert_int_equal(e.attempts, 1);
	store_journal_free(&e);

	assert_int_equal(app_act_journal_retry(w.act, 1, &err), 0);
	assert_int_equal(store_journal_get(w.st, 1, &e, &err), 0);
	assert_int_equal(e.state, STORE_JPENDING);
	store_journal_free(&e);
	assert_int_equal(app_act_journal_drop(w.act, 2, &err), 0);
	assert_int_equal(app_act_journal_drop(w.act, 2, &err), -1);
	assert_int_equal(err.code, PERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "journal entry 2"));
	assert_int_equal(store_journal_count(w.st, w.account_id, &waiting,
	    &failed, &err), 0);
	assert_int_equal(waiting, 2);
	assert_int_equal(failed, 0);

	/* Every failed entry at once. */
	assert_int_equal(store_journal_failed(w.st, 1, "x", &err), 0);
	assert_int_equal(store_journal_failed(w.st, 3, "y", &err), 0);
	assert_int_equal(app_act_journal_retry(w.act, 0, &err), 0);
	assert_int_equal(store_journal_count(w.st, w.account_id, &waiting,
	    &failed, &err), 0);
	assert_int_equal(failed, 0);
	assert_int_equal(store_journal_failed(w.st, 1, "x", &err), 0);
	assert_int_equal(app_act_journal_drop(w.act, 0, &err), 0);
	assert_int_equal(njournal(&w), 1);
	world_close(&w);
}

static void
uids_resolve_forget_and_rows_are_held(void **state)
{
	struct world		w;
	struct store_journal	e;
	struct store_msg	m;
	struct perr		err;
	bool			held;

	(void)state;
	world_open(&w, "resolve", false, true);
	/* Move 1 to Work, then flag it there (no UID yet), then move on. */
	assert_int_equal(app_act_move(w.act, &w.m[0], 1, "Work", NULL, &err),
	    0);
	assert_int_equal(app_act_flags(w.act, &w.m[0], 1, STORE_FLAGGED, 0,
	    NULL, &err), 0);
	assert_int_equal(app_act_move(w.act, &w.m[0], 1, "Archive", NULL,
	    &err), 0);
	assert_int_equal(store_journal_holds(w.st, w.m[0], &held, &err), 0);
	assert_true(held);
	assert_int_equal(store_journal_holds(w.st, w.m[4], &held, &err), 0);
	assert_false(held);

	assert_int_equal(store_journal_get(w.st, 1, &e, &err), 0);
	assert_int_equal(e.uid, 1);		/* INBOX's UID, by value */
	store_journal_free(&e);

	/* UIDVALIDITY of Work changed: its UIDs in entries are forgotten. */
	assert_int_equal(store_journal_forget_uids(w.st, w.work, &err), 0);
	assert_int_equal(store_journal_get(w.st, 3, &e, &err), 0);
	assert_int_equal(e.uid, 0);
	assert_int_equal(e.message_id, w.m[0]);	/* re-mapped by its row */
	store_journal_free(&e);

	/*
	 * The pull writes the server's flags over the row; the waiting
	 * +\Flagged goes back on top.
	 */
	assert_int_equal(store_msg_flags_change(w.st, w.m[0], 0,
	    STORE_FLAGGED, &err), 1);
	assert_int_equal(store_journal_reapply_flags(w.st, w.account_id, 0,
	    &err), 0);
	m = msg(&w, w.m[0]);
	assert_true(m.flags & STORE_FLAGGED);
	store_msg_free(&m);
	world_close(&w);
}

/*
 * A row stored again under a new id (a placeholder read at last) takes
 * its journal entries along: the user's action still acts, and the flags
 * it set still go back over the server's until it is replayed.
 */
static void
entries_follow_a_replaced_row(void **state)
{
	struct world		w;
	struct store_journal	e;
	struct store_msg	m;
	struct perr		err;
	bool			held;
	int64_t			fresh;

	(void)state;
	world_open(&w, "repoint", false, true);
	assert_int_equal(app_act_flags(w.act, &w.m[0], 1, STORE_FLAGGED, 0,
	    NULL, &err), 0);
	assert_int_equal(store_begin(w.st, &err), 0);
	m = msg(&w, w.m[0]);
	assert_int_equal(store_msg_set_uid(w.st, w.m[0], 0, &err), 0);
	m.flags &= ~STORE_FLAGGED;		/* as the server has it */
	assert_int_equal(store_msg_insert(w.st, &m, &fresh, &err), 0);
	assert_int_equal(store_journal_repoint(w.st, w.m[0], fresh, &err), 0);
	assert_int_equal(store_msg_delete(w.st, w.m[0], &err), 0);
	assert_int_equal(store_commit(w.st, &err), 0);
	store_msg_free(&m);

	assert_int_equal(store_journal_get(w.st, 1, &e, &err), 0);
	assert_int_equal(e.message_id, fresh);
	store_journal_free(&e);
	assert_int_equal(store_journal_holds(w.st, fresh, &held, &err), 0);
	assert_true(held);
	assert_int_equal(store_journal_reapply_flags(w.st, w.account_id, 0,
	    &err), 0);
	m = msg(&w, fresh);
	assert_true(m.flags & STORE_FLAGGED);
	store_msg_free(&m);
	world_close(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flags_change_rows_and_journal_only_what_changed),
		cmocka_unit_test(unknown_id_changes_nothing_and_names_the_id),
		cmocka_unit_test(move_keeps_body_and_waits_for_a_uid),
		cmocka_unit_test(copy_makes_a_searchable_row_without_uid),
		cmocka_unit_test(delete_goes_to_trash_then_deleted_then_expunged),
		cmocka_unit_test(
		    delete_without_trash_marks_and_expunge_journals_uids),
		cmocka_unit_test(archive_moves_to_the_archive_folder),
		cmocka_unit_test(folders_create_rename_delete_subscribe),
		cmocka_unit_test(local_folder_never_touches_the_server),
		cmocka_unit_test(pop3_actions_are_local_only),
		cmocka_unit_test(batches_carry_consecutive_alike_entries),
		cmocka_unit_test(failed_entries_retry_and_drop),
		cmocka_unit_test(uids_resolve_forget_and_rows_are_held),
		cmocka_unit_test(entries_follow_a_replaced_row),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
