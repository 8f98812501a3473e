/* test_sync.c - special-use recognition, thread assignment, address lists. */
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
#include <time.h>

#include "app/send-int.h"
#include "backup/backup.h"
#include "net/net.h"
#include "store/store.h"
#include "sync/sync.h"

static char	tmpdir[] = "/tmp/posta-test-sync-XXXXXX";

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

/* ---- which folders a pass pulls ---------------------------------------- */

static void
folder_patterns_match_like_imap_list(void **state)
{
	(void)state;
	assert_true(sync_folder_match("*", "", '/'));
	assert_true(sync_folder_match("Lavoro", "Lavoro", '/'));
	assert_false(sync_folder_match("Lavoro", "lavoro", '/'));
	assert_false(sync_folder_match("Lavoro", "Lavoro/Clienti", '/'));
	assert_true(sync_folder_match("Lavoro/*", "Lavoro/Clienti/Rossi", '/'));
	assert_true(sync_folder_match("Lavoro/%", "Lavoro/Clienti", '/'));
	assert_false(sync_folder_match("Lavoro/%", "Lavoro/Clienti/Rossi", '/'));
	assert_true(sync_folder_match("%/Città", "Progetti/Città", '/'));
	assert_true(sync_folder_match("*i*i*", "Progetti/Città", '/'));
	assert_false(sync_folder_match("*x*", "Progetti/Città", '/'));
	assert_true(sync_folder_match("Lavoro.%", "Lavoro.Clienti", '.'));
	assert_false(sync_folder_match("Lavoro.%", "Lavoro.Clienti.Rossi", '.'));
	/* No delimiter: '%' is '*'. */
	assert_true(sync_folder_match("A%", "A/B/C", '\0'));
	/* Many wildcards against a long name: polynomial, no recursion. */
	{
		char	name[4001];

		memset(name, 'a', sizeof name - 1);
		name[sizeof name - 1] = '\0';
		assert_false(sync_folder_match("*a*a*a*a*a*a*a*a*a*a*a*b",
		    name, '/'));
	}
}

static void
folders_setting_chooses_folders(void **state)
{
	struct account		a;
	struct store_folder	f;
	char			*pats[] = { "Lavoro/%", "[Gmail]/All Mail" };

	(void)state;
	memset(&a, 0, sizeof a);
	memset(&f, 0, sizeof f);
	a.protocol = PROTO_IMAP;
	a.folders = FOLDERS_SUBSCRIBED;
	f.delimiter = '/';
#define FOLDER(n, sub, use)	(f.name = f.remote_name = (n), \
	f.subscribed = (sub), f.special_use = (use), &f)
	/* subscribed (the default): INBOX, subscribed, special-use. */
	assert_true(sync_folder_chosen(&a, FOLDER("INBOX", false,
	    STORE_SPECIAL_INBOX)));
	assert_true(sync_folder_chosen(&a, FOLDER("Lavoro", true,
	    STORE_SPECIAL_NONE)));
	assert_false(sync_folder_chosen(&a, FOLDER("Vecchio", false,
	    STORE_SPECIAL_NONE)));
	assert_true(sync_folder_chosen(&a, FOLDER("Sent", false,
	    STORE_SPECIAL_SENT)));
	/* all: every folder but a \All one. */
	a.folders = FOLDERS_ALL;
	assert_true(sync_folder_chosen(&a, FOLDER("Vecchio", false,
	    STORE_SPECIAL_NONE)));
	assert_false(sync_folder_chosen(&a, FOLDER("[Gmail]/All Mail", true,
	    STORE_SPECIAL_ALL)));
	f.noselect = true;
	assert_false(sync_folder_chosen(&a, FOLDER("[Gmail]", false,
	    STORE_SPECIAL_NONE)));
	f.noselect = false;
	/* patterns: what they match; \All only when named exactly. */
	a.folders = 0;
	a.folder_patterns = pats;
	a.nfolder_patterns = 1;
	assert_true(sync_folder_chosen(&a, FOLDER("INBOX", false,
	    STORE_SPECIAL_NONE)));
	assert_true(sync_folder_chosen(&a, FOLDER("Lavoro/Clienti", false,
	    STORE_SPECIAL_NONE)));
	assert_false(sync_folder_chosen(&a, FOLDER("Lavoro", true,
	    STORE_SPECIAL_NONE)));
	assert_false(sync_folder_chosen(&a, FOLDER("Sent", true,
	    STORE_SPECIAL_SENT)));
	pats[0] = "*";
	assert_false(sync_folder_chosen(&a, FOLDER("[Gmail]/All Mail", true,
	    STORE_SPECIAL_ALL)));
	a.nfolder_patterns = 2;
	assert_true(sync_folder_chosen(&a, FOLDER("[Gmail]/All Mail", true,
	    STORE_SPECIAL_ALL)));
	/* A local folder is never the server's. */
	f.remote_name = NULL;
	f.name = "Locale";
	assert_false(sync_folder_chosen(&a, &f));
#undef FOLDER
}

/* ---- special use ------------------------------------------------------- */

static void
special_use_attributes_win_in_any_case(void **state)
{
	(void)state;
	assert_int_equal(sync_special_from_attrs(IMAP_MBX_SENT),
	    STORE_SPECIAL_SENT);
	assert_int_equal(sync_special_from_attrs(IMAP_MBX_TRASH |
	    IMAP_MBX_SUBSCRIBED), STORE_SPECIAL_TRASH);
	assert_int_equal(sync_special_from_attrs(IMAP_MBX_JUNK),
	    STORE_SPECIAL_JUNK);
	assert_int_equal(sync_special_from_attrs(IMAP_MBX_ALL),
	    STORE_SPECIAL_ALL);
	assert_int_equal(sync_special_from_attrs(IMAP_MBX_INBOX),
	    STORE_SPECIAL_INBOX);
	assert_int_equal(sync_special_from_attrs(IMAP_MBX_NOSELECT),
	    STORE_SPECIAL_NONE);
	assert_int_equal(sync_special_from_attrs(0), STORE_SPECIAL_NONE);
}

static void
special_use_names_english_and_italian(void **state)
{
	static const struct {
		const char		*name;
		enum store_special	 use;
	} cases[] = {
		{ "INBOX", STORE_SPECIAL_INBOX },
		{ "inbox", STORE_SPECIAL_INBOX },
		{ "Sent", STORE_SPECIAL_SENT },
		{ "sent items", STORE_SPECIAL_SENT },
		{ "Sent Messages", STORE_SPECIAL_SENT },
		{ "Posta inviata", STORE_SPECIAL_SENT },
		{ "Inviata", STORE_SPECIAL_SENT },
		{ "Inviati", STORE_SPECIAL_SENT },
		{ "Drafts", STORE_SPECIAL_DRAFTS },
		{ "Bozze", STORE_SPECIAL_DRAFTS },
		{ "Trash", STORE_SPECIAL_TRASH },
		{ "Deleted Items", STORE_SPECIAL_TRASH },
		{ "Deleted Messages", STORE_SPECIAL_TRASH },
		{ "Cestino", STORE_SPECIAL_TRASH },
		{ "Archive", STORE_SPECIAL_ARCHIVE },
		{ "Archivio", STORE_SPECIAL_ARCHIVE },
		{ "Junk", STORE_SPECIAL_JUNK },
		{ "Spam", STORE_SPECIAL_JUNK },
		{ "Posta indesiderata", STORE_SPECIAL_JUNK },
		{ "Work", STORE_SPECIAL_NONE },
		{ "Sentimental", STORE_SPECIAL_NONE },
		{ "", STORE_SPECIAL_NONE },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (sync_special_from_name(cases[i].name, "", '/') !=
		    cases[i].use)
			fail_msg("'%s': expected use %d, got %d", cases[i].name,
			    cases[i].use, sync_special_from_name(cases[i].name,
			    "", '/'));
}

static void
special_use_names_under_a_namespace_prefix(void **state)
{
	(void)state;
	/* Courier and Cyrus: everything lives under "INBOX.". */
	assert_int_equal(sync_special_from_name("INBOX.Sent", "INBOX.", '.'),
	    STORE_SPECIAL_SENT);
	assert_int_equal(sync_special_from_name("INBOX.Posta inviata",
	    "INBOX.", '.'), STORE_SPECIAL_SENT);
	assert_int_equal(sync_special_from_name("inbox.Cestino", "INBOX.",
	    '.'), STORE_SPECIAL_TRASH);
	/* Under INBOX without a declared namespace. */
	assert_int_equal(sync_special_from_name("INBOX/Bozze", "", '/'),
	    STORE_SPECIAL_DRAFTS);
	/* A user's own folder deeper down is not special. */
	assert_int_equal(sync_special_from_name("Work/Sent", "", '/'),
	    STORE_SPECIAL_NONE);
	assert_int_equal(sync_special_from_name("INBOX.Work.Sent", "INBOX.",
	    '.'), STORE_SPECIAL_NONE);
	/* Without a delimiter a name is one level. */
	assert_int_equal(sync_special_from_name("Spam", NULL, 0),
	    STORE_SPECIAL_JUNK);
}

/* ---- names shown --------------------------------------------------------- */

static void
assert_shown(const char *raw, const char *prefix, const char *want)
{
	char	*got = sync_folder_shown(raw, prefix);

	if (strcmp(got, want) != 0)
		fail_msg("'%s' under '%s': shown as '%s', expected '%s'", raw,
		    prefix != NULL ? prefix : "(null)", got, want);
	free(got);
}

static void
folder_names_are_shown_without_the_namespace_prefix(void **state)
{
	(void)state;
	/* Courier and Cyrus: "INBOX." is noise, the separator stays. */
	assert_shown("INBOX.Lavoro.Progetti", "INBOX.", "Lavoro.Progetti");
	assert_shown("INBOX.Posta inviata", "INBOX.", "Posta inviata");
	assert_shown("INBOX.Caff&AOg-", "INBOX.", "Caff\xc3\xa8");
	assert_shown("Inbox.Bozze", "INBOX.", "Bozze");
	assert_shown("INBOX", "INBOX.", "INBOX");
	assert_shown("inbox", NULL, "INBOX");
	/* Never empty, never a second INBOX. */
	assert_shown("INBOX.", "INBOX.", "INBOX.");
	assert_shown("INBOX.INBOX", "INBOX.", "INBOX.INBOX");
	/* Outside the personal namespace, or no prefix: as the server says. */
	assert_shown("user.bob", "INBOX.", "user.bob");
	assert_shown("Progetti/Citt&AOA-", "", "Progetti/Citt\xc3\xa0");
	assert_shown("INBOX/Bozze", "", "INBOX/Bozze");
	/* Not modified UTF-7: the bytes, sanitised. */
	assert_shown("INBOX.Bad&name", "INBOX.", "Bad&name");
	assert_shown("Esc\x1b[31m", NULL, "Esc[31m");
}

static void
folder_names_map_back_to_the_server(void **state)
{
	static const struct {
		const char	*remote, *prefix;
	} cases[] = {
		{ "INBOX.Lavoro.Progetti", "INBOX." },
		{ "INBOX.Per&API-", "INBOX." },
		{ "INBOX", "INBOX." },
		{ "Progetti/Citt&AOA-", "" },
		{ "Sent", NULL },
	};
	char	*shown, *back, *p;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		shown = sync_folder_shown(cases[i].remote, cases[i].prefix);
		back = sync_folder_remote(shown, cases[i].prefix);
		assert_non_null(back);
		assert_string_equal(back, cases[i].remote);
		/* A synced folder tells src/app the prefix it was shown without. */
		p = sync_folder_prefix(shown, cases[i].remote);
		if (cases[i].prefix == NULL || *cases[i].prefix == '\0' ||
		    strcmp(shown, "INBOX") == 0)
			assert_null(p);
		else
			assert_string_equal(p, cases[i].prefix);
		free(p);
		free(back);
		free(shown);
	}
	assert_null(sync_folder_remote("bad \xff utf-8", "INBOX."));
	assert_null(sync_folder_prefix("Sent", NULL));
	assert_null(sync_folder_prefix("Sent", "Other"));
}

/* ---- threads ---------------------------------------------------------- */

struct tstore {
	struct store		*st;
	struct sync_threader	*thr;
	int64_t			 account, folder;
	uint32_t		 uid;
};

static void
tstore_open(struct tstore *t, const char *name)
{
	struct store_folder	 f;
	struct perr		 err;
	char			*path = xasprintf("%s/%s", tmpdir, name);

	memset(t, 0, sizeof *t);
	perr_clear(&err);
	if ((t->st = store_open(path, STORE_RDWR | STORE_SYNC_NORMAL,
	    &err)) == NULL)
		fail_msg("store_open %s: %s", path, err.msg);
	free(path);
	assert_int_equal(store_account_ensure(t->st, "a", STORE_IMAP,
	    &t->account, &err), 0);
	memset(&f, 0, sizeof f);
	f.account_id = t->account;
	f.name = "INBOX";
	f.remote_name = "INBOX";
	assert_int_equal(store_folder_upsert(t->st, &f, &t->folder, &err), 0);
	t->thr = sync_threader_new(t->account);
}

static void
tstore_close(struct tstore *t)
{
	sync_threader_free(t->thr);
	store_close(t->st);
}

/* Store one message the way the sync does and return its thread. */
static int64_t
add(struct tstore *t, const char *msgid, const char *irt, const char *refs,
    const char *subject, int64_t date, int64_t *idp)
{
	struct store_msg	m;
	struct perr		err;
	int64_t			id, tid = 0;

	memset(&m, 0, sizeof m);
	m.folder_id = t->folder;
	m.uid = ++t->uid;
	m.message_id = (char *)msgid;
	m.in_reply_to = (char *)irt;
	m.refs = (char *)refs;
	m.subject = (char *)subject;
	m.date = date;
	perr_clear(&err);
	if (store_msg_insert(t->st, &m, &id, &err) != 0)
		fail_msg("insert %s: %s", msgid, err.msg);
	if (sync_thread_assign(t->st, t->thr, id, &m, &tid, &err) != 0)
		fail_msg("thread %s: %s", msgid, err.msg);
	if (idp != NULL)
		*idp = id;
	return tid;
}

static int64_t
thread_of(struct tstore *t, int64_t id)
{
	struct store_msg	m;
	struct perr		err;
	int64_t			tid;

	assert_int_equal(store_msg_get(t->st, id, &m, &err), 0);
	tid = m.thread_id;
	store_msg_free(&m);
	return tid;
}

#define DAY	86400
#define T0	1700000000

static void
replies_join_their_parents_thread(void **state)
{
	struct tstore	t;
	int64_t		a, ta, tb, tc;

	(void)state;
	tstore_open(&t, "replies.db");
	ta = add(&t, "a@x", NULL, NULL, "Pranzo venerdì?", T0, &a);
	assert_int_equal(ta, a);		/* a thread of its own */
	tb = add(&t, "b@x", "a@x", "a@x", "Re: Pranzo venerdì?", T0 + DAY,
	    NULL);
	assert_int_equal(tb, ta);
	/* Only References, naming a grandparent first. */
	tc = add(&t, "c@x", NULL, "a@x b@x", "R: Pranzo venerdì?",
	    T0 + 2 * DAY, NULL);
	assert_int_equal(tc, ta);
	/* A reply to an unknown message with a new subject: new thread. */
	assert_int_not_equal(add(&t, "d@x", "zzz@x", "zzz@x",
	    "Qualcos'altro", T0, NULL), ta);
	tstore_close(&t);
}

static void
same_base_subject_joins_within_weeks_only(void **state)
{
	struct tstore	t;
	int64_t		ta, tb, tc, td;

	(void)state;
	tstore_open(&t, "subject.db");
	ta = add(&t, "s1@x", NULL, NULL, "Riunione di lunedì", T0, NULL);
	/* No references at all, "Re:" and a list tag: same conversation. */
	tb = add(&t, "s2@x", NULL, NULL, "Re: [soci] Riunione di lunedì",
	    T0 + 3 * DAY, NULL);
	assert_int_equal(tb, ta);
	/* Months later, same words: a new thread. */
	tc = add(&t, "s3@x", NULL, NULL, "Riunione di lunedì", T0 + 90 * DAY,
	    NULL);
	assert_int_not_equal(tc, ta);
	/* A longer subject containing the words is not the same subject. */
	td = add(&t, "s4@x", NULL, NULL, "Riunione di lunedì spostata",
	    T0 + DAY, NULL);
	assert_int_not_equal(td, ta);
	/* Nothing but punctuation never matches anything. */
	assert_int_not_equal(add(&t, "s5@x", NULL, NULL, "Re: ???", T0, NULL),
	    add(&t, "s6@x", NULL, NULL, "???", T0, NULL));
	tstore_close(&t);
}

static void
a_parent_stored_after_its_reply_joins_it(void **state)
{
	struct tstore	t;
	int64_t		reply, tr, tp;

	(void)state;
	tstore_open(&t, "late-parent.db");
	tr = add(&t, "r@x", "p@x", "p@x", "Re: Late", T0 + DAY, &reply);
	assert_int_equal(tr, reply);
	/* The parent names nobody, but the reply named it. */
	tp = add(&t, "p@x", NULL, NULL, "Something else entirely", T0, NULL);
	assert_int_equal(tp, tr);
	tstore_close(&t);
}

static void
a_message_naming_two_threads_merges_them(void **state)
{
	struct tstore	t;
	int64_t		a, b, ta, tb, tm;

	(void)state;
	tstore_open(&t, "merge.db");
	ta = add(&t, "m1@x", NULL, NULL, "Uno", T0, &a);
	tb = add(&t, "m2@x", NULL, NULL, "Due", T0 + 40 * DAY, &b);
	assert_int_not_equal(ta, tb);
	tm = add(&t, "m3@x", "m2@x", "m1@x m2@x", "Re: Due", T0 + 41 * DAY,
	    NULL);
	assert_int_equal(tm, tb);
	assert_int_equal(thread_of(&t, a), thread_of(&t, b));
	tstore_close(&t);
}

static void
a_copy_in_another_folder_shares_the_thread(void **state)
{
	struct tstore		t;
	struct store_folder	f;
	struct store_msg	m;
	struct perr		err;
	int64_t			a, other, id, tid;

	(void)state;
	tstore_open(&t, "copy.db");
	add(&t, "c1@x", NULL, NULL, "Originale", T0, &a);
	memset(&f, 0, sizeof f);
	f.account_id = t.account;
	f.name = "Archivio";
	f.remote_name = "Archivio";
	assert_int_equal(store_folder_upsert(t.st, &f, &other, &err), 0);
	memset(&m, 0, sizeof m);
	m.folder_id = other;
	m.uid = 1;
	m.message_id = "c1@x";
	m.subject = "Originale";
	m.date = T0;
	assert_int_equal(store_msg_insert(t.st, &m, &id, &err), 0);
	assert_int_equal(sync_thread_assign(t.st, t.thr, id, &m, &tid, &err),
	    0);
	assert_int_equal(tid, thread_of(&t, a));
	tstore_close(&t);
}

/* ---- one way in ---------------------------------------------------------- */

/*
 * One message with an empty Subject and Cc, a name-less From and a part,
 * through each way in that runs without a server: the sync's own
 * (sync_ingest_raw(), which IMAP's raw path and POP3 call), an mbox
 * import, and the copy kept in Sent. Every column read from the message
 * must come out the same.
 */
#define INGEST_RAW \
	"From: b@example.org\r\n" \
	"To: Anna <a@example.org>, c@example.org\r\n" \
	"Cc:\r\n" \
	"Subject:\r\n" \
	"Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n" \
	"Message-ID: <same@example.org>\r\n" \
	"In-Reply-To: <parent@example.org>\r\n" \
	"References: <root@example.org> <parent@example.org>\r\n" \
	"MIME-Version: 1.0\r\n" \
	"Content-Type: multipart/mixed; boundary=b\r\n" \
	"\r\n" \
	"--b\r\n" \
	"Content-Type: text/plain\r\n" \
	"\r\n" \
	"the words to find\r\n" \
	"--b\r\n" \
	"Content-Type: application/pdf\r\n" \
	"Content-Disposition: attachment; filename=a.pdf\r\n" \
	"\r\n" \
	"%PDF\r\n" \
	"--b--\r\n"

static int
row_id(void *arg, const struct store_msg *m)
{
	*(int64_t *)arg = m->id;
	return 0;
}

/* The row of folder with Message-ID same@example.org. */
static int64_t
one_row(struct tstore *t, int64_t folder)
{
	struct perr	err;
	int64_t		id = 0;

	perr_clear(&err);
	if (store_msg_by_message_id(t->st, "same@example.org", folder,
	    row_id, &id, &err) < 0)
		fail_msg("by Message-ID: %s", err.msg);
	return id;
}

static void
ingest_row(struct tstore *t, int64_t folder, struct store_msg *m)
{
	struct perr	err;
	int64_t		id = 0;

	perr_clear(&err);
	id = one_row(t, folder);
	memset(m, 0, sizeof *m);
	if (store_msg_get(t->st, id, m, &err) != 0)
		fail_msg("get: %s", err.msg);
}

static void
same_column(const char *what, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
		fail_msg("%s: \"%s\" against \"%s\"", what,
		    a != NULL ? a : "(NULL)", b != NULL ? b : "(NULL)");
}

static void
same_row(const struct store_msg *a, const struct store_msg *b)
{
	same_column("Message-ID", a->message_id, b->message_id);
	same_column("In-Reply-To", a->in_reply_to, b->in_reply_to);
	same_column("References", a->refs, b->refs);
	same_column("From name", a->from_name, b->from_name);
	same_column("From address", a->from_addr, b->from_addr);
	same_column("To", a->to_list, b->to_list);
	same_column("Cc", a->cc_list, b->cc_list);
	same_column("Subject", a->subject, b->subject);
	same_column("problem", a->problem, b->problem);
	same_column("sort_from", a->sort_from, b->sort_from);
	same_column("sort_subject", a->sort_subject, b->sort_subject);
	assert_int_equal(a->date, b->date);
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->has_attachments, b->has_attachments);
	assert_int_equal(a->body_state, b->body_state);
	assert_int_equal(a->thread_id, b->thread_id);
}

static int64_t
new_folder(struct tstore *t, const char *name)
{
	struct store_folder	f;
	struct perr		err;
	int64_t			id;

	memset(&f, 0, sizeof f);
	f.account_id = t->account;
	f.name = (char *)name;
	perr_clear(&err);
	assert_int_equal(store_folder_upsert(t->st, &f, &id, &err), 0);
	return id;
}

static int
count_row(void *arg, const struct store_msg *m)
{
	(void)m;
	(*(int *)arg)++;
	return 0;
}

/* How many rows of folder the FTS5 query finds. */
static int
found_in(struct tstore *t, int64_t folder, const char *query)
{
	struct perr	err;
	int		n = 0;

	perr_clear(&err);
	if (store_msg_search(t->st, 0, folder, query, 10, count_row, &n,
	    &err) < 0)
		fail_msg("search: %s", err.msg);
	return n;
}

static void
every_way_in_stores_the_same_row(void **state)
{
	static const char	 raw[] = INGEST_RAW;
	struct tstore		 t;
	struct store_msg	 m, a, b, c, d;
	struct account		 acct;
	struct perr		 err;
	struct backup_stats	 bs;
	int64_t			 fimport, fenvelope, id;
	struct sync_text	 text;
	char			*path;
	FILE			*fp;

	(void)state;
	tstore_open(&t, "ingest.db");
	perr_clear(&err);

	/* The sync's way (IMAP's raw source, POP3). */
	memset(&m, 0, sizeof m);
	m.folder_id = t.folder;
	m.uid = 7;
	assert_int_equal(store_begin(t.st, &err), 0);
	if (sync_ingest_raw(t.st, t.thr, &m, raw, sizeof raw - 1, &id,
	    &err) != 0)
		fail_msg("ingest: %s", err.msg);
	assert_int_equal(store_commit(t.st, &err), 0);
	store_msg_free(&m);
	ingest_row(&t, t.folder, &a);

	/* An mbox import. */
	fimport = new_folder(&t, "Imported");
	memset(&bs, 0, sizeof bs);
	path = xasprintf("%s/ingest.mbox", tmpdir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "From b@example.org Mon Dec  7 10:00:00 2026\n%s\n", raw);
	assert_int_equal(fclose(fp), 0);
	if (backup_import(t.st, t.account, fimport, BACKUP_MBOX, path, &bs,
	    &err) != 0)
		fail_msg("import: %s", err.msg);
	free(path);
	ingest_row(&t, fimport, &b);

	/* The copy kept in Sent (a POP3 account: a local row). */
	memset(&acct, 0, sizeof acct);
	acct.name = "a";
	acct.protocol = PROTO_POP3;
	assert_int_equal(store_begin(t.st, &err), 0);
	if (app_copy_save(t.st, &acct, t.account, STORE_SPECIAL_SENT, raw,
	    sizeof raw - 1, STORE_SEEN, &err) != 0)
		fail_msg("copy: %s", err.msg);
	assert_int_equal(store_commit(t.st, &err), 0);
	{
		struct store_folder	sent;

		assert_int_equal(store_folder_by_special(t.st, t.account,
		    STORE_SPECIAL_SENT, &sent, &err), 0);
		ingest_row(&t, sent.id, &c);
		store_folder_free(&sent);
	}

	/*
	 * IMAP's other way: the row from the server's description first
	 * (here the same columns, no body), the body fetched later.
	 */
	fenvelope = new_folder(&t, "Envelope");
	memset(&m, 0, sizeof m);
	assert_int_equal(sync_ingest_parse(raw, sizeof raw - 1, &m, &text,
	    &err), 0);
	sync_text_free(&text);
	m.folder_id = fenvelope;
	m.uid = 8;
	assert_int_equal(store_begin(t.st, &err), 0);
	if (sync_ingest_store(t.st, t.thr, &m, NULL, 0, NULL, &id, &err) != 0)
		fail_msg("envelope: %s", err.msg);
	if (sync_ingest_body(t.st, id, raw, sizeof raw - 1, &err) != 0)
		fail_msg("body: %s", err.msg);
	assert_int_equal(store_commit(t.st, &err), 0);
	store_msg_free(&m);
	ingest_row(&t, fenvelope, &d);

	same_row(&a, &b);
	same_row(&a, &c);
	same_row(&a, &d);
	assert_null(a.subject);
	assert_null(a.cc_list);
	/* The search text too: every way finds the body's words. */
	assert_int_equal(found_in(&t, t.folder, "body:words"), 1);
	assert_int_equal(found_in(&t, fimport, "body:words"), 1);
	assert_int_equal(found_in(&t, fenvelope, "body:words"), 1);
	store_msg_free(&a);
	store_msg_free(&b);
	store_msg_free(&c);
	store_msg_free(&d);
	tstore_close(&t);
}

/* CPU seconds of this process: a busy machine does not slow the count. */
static double
cpu_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
address_lists_read_as_shown(void **state)
{
	struct imap_addr	v[] = {
		{ "=?UTF-8?Q?Zo=C3=AB?=", "zoe", "example.com" },
		{ NULL, "bob", "example.org" },
		{ "Rossi, Mario", "mario", "example.it" },
	};
	char			*s;

	(void)state;
	assert_null(sync_addr_list(v, 0));
	s = sync_addr_list(v, 3);
	assert_string_equal(s, "Zo\xc3\xab <zoe@example.com>, "
	    "bob@example.org, \"Rossi, Mario\" <mario@example.it>");
	free(s);
}

/*
 * A hostile ENVELOPE with 100,000 addresses: well under a second of CPU
 * (the list used to be rebuilt per address: 440 s), and what is stored is
 * cut at SYNC_ADDR_LIST_MAX with a count of what was left out.
 */
static void
address_lists_are_linear_and_capped(void **state)
{
	enum { N = 100000 };
	struct imap_addr	*v;
	char			(*box)[16], *s, *tail, want[80];
	const char		*p;
	double			 t0, cpu;
	size_t			 i, shown = 1;

	(void)state;
	v = calloc(N, sizeof *v);
	box = calloc(N, sizeof *box);
	assert_non_null(v);
	assert_non_null(box);
	for (i = 0; i < N; i++) {
		snprintf(box[i], sizeof box[i], "u%zu", i);
		v[i].mailbox = box[i];
		v[i].host = "example.com";
	}
	t0 = cpu_now();
	s = sync_addr_list(v, N);
	cpu = cpu_now() - t0;
	assert_non_null(s);
	if (cpu >= 1.0)
		fail_msg("100,000 addresses took %.2f s of CPU", cpu);
	assert_true(strlen(s) <= SYNC_ADDR_LIST_MAX + 64);
	assert_true(strncmp(s, "u0@example.com, u1@example.com, ", 32) == 0);
	tail = strstr(s, " (and ");
	assert_non_null(tail);
	for (p = s; p < tail; p++)
		shown += *p == ',';
	snprintf(want, sizeof want, " (and %zu more addresses, not stored)",
	    (size_t)N - shown);
	assert_string_equal(tail, want);
	assert_true(strlen(s) - strlen(tail) <= SYNC_ADDR_LIST_MAX);
	free(s);
	/* One address longer than the cap: counted, not stored. */
	{
		char	*big = malloc(SYNC_ADDR_LIST_MAX + 1);

		assert_non_null(big);
		memset(big, 'a', SYNC_ADDR_LIST_MAX);
		big[SYNC_ADDR_LIST_MAX] = '\0';
		v[0].mailbox = big;
		s = sync_addr_list(v, 2);
		assert_string_equal(s, "(2 addresses, not stored: too long)");
		free(s);
		free(big);
	}
	free(box);
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(folder_patterns_match_like_imap_list),
		cmocka_unit_test(folders_setting_chooses_folders),
		cmocka_unit_test(special_use_attributes_win_in_any_case),
		cmocka_unit_test(special_use_names_english_and_italian),
		cmocka_unit_test(special_use_names_under_a_namespace_prefix),
		cmocka_unit_test(folder_names_are_shown_without_the_namespace_prefix),
		cmocka_unit_test(folder_names_map_back_to_the_server),
		cmocka_unit_test(replies_join_their_parents_thread),
		cmocka_unit_test(same_base_subject_joins_within_weeks_only),
		cmocka_unit_test(a_parent_stored_after_its_reply_joins_it),
		cmocka_unit_test(a_message_naming_two_threads_merges_them),
		cmocka_unit_test(a_copy_in_another_folder_shares_the_thread),
		cmocka_unit_test(every_way_in_stores_the_same_row),
		cmocka_unit_test(address_lists_read_as_shown),
		cmocka_unit_test(address_lists_are_linear_and_capped),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
