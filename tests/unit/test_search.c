/* test_search.c - the query language: every construct and every error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ftw.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "search/search.h"
#include "store/store-int.h"

/* 2024-06-15 00:00:00 UTC: the clock of newer: and older:. */
#define NOW	1718409600LL

static void
check(const char *q, const char *want)
{
	struct search_node	*n;
	struct perr		 err;
	char			*got;

	perr_clear(&err);
	if (search_parse(q, NOW, &n, &err) != 0)
		fail_msg("%s: %s", q, err.msg);
	got = search_format(n);
	if (strcmp(got, want) != 0)
		fail_msg("%s:\n got  %s\n want %s", q, got, want);
	free(got);
	search_free(n);
}

static void
check_err(const char *q, const char *want)
{
	struct search_node	*n = (void *)1;
	struct perr		 err;

	perr_clear(&err);
	if (search_parse(q, NOW, &n, &err) == 0)
		fail_msg("%s: parsed, want %s", q, want);
	assert_null(n);
	assert_int_equal(err.code, PERR_SYNTAX);
	if (strcmp(err.msg, want) != 0)
		fail_msg("%s:\n got  %s\n want %s", q, err.msg, want);
}

static void
words_phrases_prefixes(void **state)
{
	(void)state;
	check("", "(all)");
	check("   ", "(all)");
	check("fattura", "(text \"fattura\")");
	check("Città", "(text \"Città\")");
	check("\"meeting notes\"", "(text \"meeting notes\")");
	check("\"say \\\"hi\\\"\"", "(text \"say \"hi\"\")");
	check("fatt*", "(text \"fatt\"*)");
	check("\"meeting no\"*", "(text \"meeting no\"*)");
	check("e-mail", "(text \"e-mail\")");
	check("rossi@example.com", "(text \"rossi@example.com\")");
	/* Lower-case operators are words; "Re:" is a word, not a field. */
	check("or not and", "(and (text \"or\") (text \"not\") (text \"and\"))");
	check("Re: ferie", "(and (text \"Re:\") (text \"ferie\"))");
	check("10:30", "(text \"10:30\")");
}

static void
operators_and_groups(void **state)
{
	(void)state;
	check("a b", "(and (text \"a\") (text \"b\"))");
	check("a AND b", "(and (text \"a\") (text \"b\"))");
	check("a OR b c", "(or (text \"a\") (and (text \"b\") (text \"c\")))");
	check("(a OR b) c", "(and (or (text \"a\") (text \"b\")) (text \"c\"))");
	check("NOT a", "(not (text \"a\"))");
	check("-a b", "(and (not (text \"a\")) (text \"b\"))");
	check("NOT NOT a", "(not (not (text \"a\")))");
	check("a -(b OR c)",
	    "(and (text \"a\") (not (or (text \"b\") (text \"c\"))))");
	check("((a))", "(text \"a\")");
	check("a\tOR\nb", "(or (text \"a\") (text \"b\"))");
}

static void
text_fields(void **state)
{
	(void)state;
	check("from:rossi", "(text from \"rossi\")");
	check("FROM:rossi", "(text from \"rossi\")");
	check("to:anna", "(text to+cc \"anna\")");
	check("cc:anna", "(text cc \"anna\")");
	check("subject:\"meeting notes\"", "(text subject \"meeting notes\")");
	check("body:ferie*", "(text body \"ferie\"*)");
	check("attachment:preventivo", "(text attachment \"preventivo\")");
	check("subject:(fattura OR invoice) -body:x",
	    "(and (or (text subject \"fattura\") (text subject \"invoice\"))"
	    " (not (text body \"x\")))");
}

static void
name_fields(void **state)
{
	(void)state;
	check("folder:INBOX", "(folder \"INBOX\")");
	check("folder:\"Posta inviata\"", "(folder \"Posta inviata\")");
	check("account:work", "(account \"work\")");
	check("id:<abc@x.org>", "(id \"abc@x.org\")");
	check("id:abc@x.org", "(id \"abc@x.org\")");
	check("thread:{from:rossi}", "(thread (text from \"rossi\"))");
	check("thread:(a OR b)",
	    "(thread (or (text \"a\") (text \"b\")))");
	check("thread:fattura", "(thread (text \"fattura\"))");
}

static void
flags(void **state)
{
	(void)state;
	check("is:unread", "(flag unread)");
	check("is:READ", "(flag read)");
	check("is:flagged", "(flag flagged)");
	check("is:replied", "(flag replied)");
	check("is:deleted", "(flag deleted)");
	check("is:draft", "(flag draft)");
	check("has:attachment", "(flag attachment)");
}

static void
dates_ages_sizes(void **state)
{
	(void)state;
	check("date:2024", "(date 1704067200 1735689600)");
	check("date:2024-03", "(date 1709251200 1711929600)");
	check("date:2024-02-29", "(date 1709164800 1709251200)");
	check("date:2024-01-01..2024-03-31", "(date 1704067200 1711929600)");
	check("date:2023..2024", "(date 1672531200 1735689600)");
	check("date:2024-03..", "(date 1709251200 -)");
	check("date:..2024-03", "(date - 1711929600)");
	check("after:2024-03-01", "(date 1709251200 -)");
	check("before:2024-03-01", "(date - 1709251200)");
	check("newer:7d", "(date 1717804800 -)");
	check("older:2w", "(date - 1717200000)");
	check("newer:12h", "(date 1718366400 -)");
	check("larger:1M", "(size 1048577 -)");
	check("smaller:20k", "(size - 20480)");
	check("larger:500", "(size 501 -)");
}

static void
errors_name_position_and_expectation(void **state)
{
	(void)state;
	check_err("(fattura rossi", "search: 15: missing ')' to close the "
	    "'(' at 1");
	check_err("a (b OR c", "search: 10: missing ')' to close the '(' "
	    "at 3");
	check_err("a)", "search: 2: ')' without its opening bracket");
	check_err("\"", "search: 2: missing '\"' to close the '\"' at 1");
	check_err("a \"ferie", "search: 9: missing '\"' to close the '\"' "
	    "at 3");
	check_err("*", "search: 1: expected a word with a letter or a digit, "
	    "got '*'");
	check_err("\"!!\"", "search: 1: expected a word or a phrase with a "
	    "letter or a digit inside the quotes");
	check_err("()", "search: 2: expected a term inside '()'");
	check_err("OR a", "search: 1: expected a term before 'OR'");
	check_err("a OR", "search: 5: expected a term after 'OR'");
	check_err("a OR OR b", "search: 6: expected a term after 'OR'");
	check_err("a AND", "search: 6: expected a term after 'AND'");
	check_err("NOT", "search: 4: expected a term after 'NOT'");
	check_err("a -", "search: 3: expected a word with a letter or a "
	    "digit, got '-'");
	check_err("{a}", "search: 1: '{' may only follow 'thread:'");
	check_err("thread:{a", "search: 10: missing '}' to close the '{' at "
	    "8");
	check_err("thread:{a)", "search: 10: expected '}' to close the '{' "
	    "at 8");
	check_err("form:rossi", "search: 1: unknown field 'form:' (the "
	    "fields are from: to: cc: subject: body: attachment: folder: "
	    "account: id: thread: is: has: date: after: before: newer: "
	    "older: larger: smaller:)");
	check_err("from: rossi", "search: 6: expected a value after 'from:'");
	check_err("is:", "search: 4: expected a value after 'is:'");
	check_err("is:new", "search: 4: expected unread, read, flagged, "
	    "replied, deleted or draft after 'is:', got 'new'");
	check_err("has:pdf", "search: 5: expected attachment after 'has:', "
	    "got 'pdf'");
	check_err("date:2024-13", "search: 6: expected a date (YYYY, YYYY-MM "
	    "or YYYY-MM-DD), got '2024-13'");
	check_err("date:2023-02-29", "search: 6: expected a date (YYYY, "
	    "YYYY-MM or YYYY-MM-DD), got '2023-02-29'");
	check_err("date:2024..x", "search: 12: expected a date (YYYY, "
	    "YYYY-MM or YYYY-MM-DD), got 'x'");
	check_err("date:..", "search: 6: expected a date (YYYY, YYYY-MM or "
	    "YYYY-MM-DD), got '..'");
	check_err("date:2024..2023", "search: 6: the date range ends before "
	    "it begins");
	check_err("after:yesterday", "search: 7: expected a date (YYYY, "
	    "YYYY-MM or YYYY-MM-DD), got 'yesterday'");
	check_err("newer:7", "search: 7: expected an age like 12h, 7d, 2w, "
	    "3m or 1y after 'newer:', got '7'");
	check_err("larger:big", "search: 8: expected a size like 500, 20k or "
	    "1M after 'larger:', got 'big'");
	check_err("folder:\"\"", "search: 8: expected a value after "
	    "'folder:'");
	/* Positions count characters, not bytes. */
	check_err("città (", "search: 8: missing ')' to close the '(' at 7");
}

static void
hostile_queries_get_clear_errors(void **state)
{
	char	*q;
	size_t	 i;

	(void)state;
	/* Never handed to FTS5: NEAR is a word, "(" a group. */
	check("NEAR(a b)",
	    "(and (text \"NEAR\") (and (text \"a\") (text \"b\")))");
	check_err("'; DROP TABLE message; --", "search: 1: expected a word "
	    "with a letter or a digit, got '';'");
	check_err("\xff", "search: 1: invalid UTF-8 (byte 0xFF)");
	check_err("ab\xc3", "search: 3: invalid UTF-8 (byte 0xC3)");
	check_err("a\x1b[31m", "search: 2: a control character (U+001B) is "
	    "not allowed");

	/* 10,000 '(' stop at the depth bound, not on the stack. */
	q = xmalloc(10002);
	for (i = 0; i < 10000; i++)
		q[i] = '(';
	q[10000] = 'a';
	q[10001] = '\0';
	/* Too long first; within the length bound, the depth bound. */
	check_err(q, "search: the query is 10001 bytes long; at most 4096 "
	    "are allowed");
	q[4000] = 'a';
	q[4001] = '\0';
	check_err(q, "search: 33: more than 32 nested groups, NOT or thread: "
	    "terms");
	for (i = 0; i < 4000; i += 4)
		memcpy(q + i, "NOT ", 4);
	check_err(q, "search: 129: more than 32 nested groups, NOT or "
	    "thread: terms");
	for (i = 0; i < 4000; i += 2)
		memcpy(q + i, "a ", 2);
	check_err(q, "search: 257: more than 128 terms in one query");
	free(q);
}

static void
trees_built_by_hand(void **state)
{
	struct search_node	*n;
	char			*s;

	(void)state;
	n = search_and(search_leaf(SEARCH_TEXT, "x"),
	    search_leaf(SEARCH_FOLDER, "INBOX"));
	n = search_thread(search_and(NULL, n));
	s = search_format(n);
	assert_string_equal(s, "(thread (and (text \"x\") (folder \"INBOX\")))");
	free(s);
	search_free(n);
}


/* ---- compiled and run against a store --------------------------------- */

static char	dbpath[] = "/tmp/posta-test-search-XXXXXX";

struct fixture {
	struct store	*s;
	int64_t		 inbox, archive, sent;
	int64_t		 id[4];
};

static const char raw1[] =
	"From: Mario Rossi <rossi@example.com>\r\n"
	"To: anna@x.org\r\nCc: Carla Verdi <carla@y.org>\r\n"
	"Subject: =?UTF-8?Q?Citt=C3=A0_di_Roma?=\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	"--b\r\nContent-Type: text/plain\r\n\r\nferie in montagna\r\n"
	"--b\r\nContent-Type: application/pdf\r\n"
	"Content-Disposition: attachment; filename=\"preventivo_2024.pdf\"\r\n"
	"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0K\r\n--b--\r\n";

static int64_t
folder(struct store *s, int64_t acc, const char *name)
{
	struct store_folder	f = { 0 };
	struct perr		err;
	int64_t			id;

	f.account_id = acc;
	f.name = (char *)name;
	f.remote_name = (char *)name;
	assert_int_equal(store_folder_upsert(s, &f, &id, &err), 0);
	return id;
}

static int64_t
msg(struct store *s, int64_t fid, const char *from_name, const char *from,
    const char *to, const char *cc, const char *subject, int64_t date,
    int64_t size, unsigned flags, int64_t thread, const char *raw,
    const char *text)
{
	struct store_msg	m = { 0 };
	struct perr		err;
	int64_t			id;
	static int		n;
	char			mid[32];

	(void)snprintf(mid, sizeof mid, "msg%d@x", ++n);
	m.folder_id = fid;
	m.uid = (uint32_t)n;
	m.message_id = mid;
	m.from_name = (char *)from_name;
	m.from_addr = (char *)from;
	m.to_list = (char *)to;
	m.cc_list = (char *)cc;
	m.subject = (char *)subject;
	m.date = date;
	m.size = size;
	m.flags = flags;
	m.thread_id = thread;
	if (store_msg_insert(s, &m, &id, &err) != 0 ||
	    store_body_put(s, id, raw, strlen(raw), text, &err) != 0)
		fail_msg("insert: %s", err.msg);
	return id;
}

static int
setup(void **state)
{
	struct fixture	*fx = xcalloc(1, sizeof *fx);
	struct perr	 err;
	int64_t		 acc;
	char		*path;

	if (mkdtemp(dbpath) == NULL)
		return -1;
	path = xasprintf("%s/posta.db", dbpath);
	fx->s = store_open(path, STORE_RDWR | STORE_SYNC_NORMAL, &err);
	free(path);
	if (fx->s == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(store_account_ensure(fx->s, "work", STORE_IMAP, &acc,
	    &err), 0);
	fx->inbox = folder(fx->s, acc, "INBOX");
	fx->archive = folder(fx->s, acc, "Archive");
	fx->sent = folder(fx->s, acc, "Sent");
	/* 2024-02-10, 2024-05-01, 2024-02-11 at noon UTC */
	fx->id[1] = msg(fx->s, fx->inbox, "Mario Rossi", "rossi@example.com",
	    "anna@x.org", "Carla Verdi <carla@y.org>", "Città di Roma",
	    1707566400, 2000, 0, 7, raw1, "ferie in montagna");
	fx->id[2] = msg(fx->s, fx->archive, "Hans Müller", "hm@z.de",
	    "anna@x.org", NULL, "perché no", 1714564800, 30000,
	    STORE_SEEN | STORE_FLAGGED, 8, "Subject: x\r\n\r\nfattura\r\n",
	    "fattura numero 4711");
	fx->id[3] = msg(fx->s, fx->sent, NULL, "anna@x.org",
	    "rossi@example.com", NULL, "Re: Città di Roma", 1707652800, 500,
	    STORE_SEEN | STORE_ANSWERED, 7, "Subject: y\r\n\r\nok\r\n", "ok");
	*state = fx;
	return 0;
}

static int
rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(p);
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	store_close(fx->s);
	free(fx);
	return nftw(dbpath, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static int
collect(void *arg, const struct store_msg *m)
{
	char	*ids = arg, num[24];

	(void)snprintf(num, sizeof num, "%s%lld", *ids ? " " : "",
	    (long long)m->id);
	strcat(ids, num);
	return 0;
}

/* The ids q finds, newest first, as "3 1"; the count must agree. */
static void
finds(struct fixture *fx, const char *q, const char *want)
{
	struct search_node	*n;
	struct store_find	 f = { .limit = -1 };
	struct perr		 err;
	char			 ids[256] = "";
	int64_t			 count, words = 0;
	const char		*p;

	if (search_parse(q, NOW, &n, &err) != 0)
		fail_msg("%s: %s", q, err.msg);
	if (store_msg_find(fx->s, n, &f, collect, ids, &err) != 0 ||
	    store_msg_find_count(fx->s, n, &f, &count, &err) != 0)
		fail_msg("%s: %s", q, err.msg);
	if (strcmp(ids, want) != 0)
		fail_msg("%s: got '%s', want '%s'", q, ids, want);
	for (p = want; *p != '\0'; p++)
		if (p == want || p[-1] == ' ')
			words++;
	assert_int_equal(count, words);
	search_free(n);
}

static void
accents_and_case_are_ignored(void **state)
{
	struct fixture	*fx = *state;

	finds(fx, "citta", "3 1");
	finds(fx, "CITTÀ", "3 1");
	finds(fx, "PERCHE", "2");
	finds(fx, "muller", "2");
	finds(fx, "müller", "2");
	finds(fx, "citt*", "3 1");
	finds(fx, "\"di roma\"", "3 1");
	finds(fx, "\"roma di\"", "");
}

static void
each_field_finds_its_own_text_only(void **state)
{
	struct fixture	*fx = *state;

	finds(fx, "cc:carla", "1");
	finds(fx, "to:carla", "1");
	finds(fx, "from:carla", "");
	finds(fx, "subject:carla", "");
	finds(fx, "to:anna", "2 1");
	finds(fx, "from:anna", "3");
	finds(fx, "from:rossi@example.com", "1");
	finds(fx, "body:ferie", "1");
	finds(fx, "subject:ferie", "");
	finds(fx, "attachment:preventivo", "1");
	finds(fx, "preventivo", "1");
	finds(fx, "body:preventivo", "");
	finds(fx, "subject:(citta OR perche)", "2 3 1");
	finds(fx, "id:<msg2@x>", "2");
}

static void
flags_dates_sizes_folders_threads(void **state)
{
	struct fixture	*fx = *state;

	finds(fx, "is:unread", "1");
	finds(fx, "is:read", "2 3");
	finds(fx, "is:flagged", "2");
	finds(fx, "is:replied", "3");
	finds(fx, "has:attachment", "");
	finds(fx, "larger:20k", "2");
	finds(fx, "smaller:20k", "3 1");
	finds(fx, "larger:2000", "2");
	finds(fx, "date:2024-02", "3 1");
	finds(fx, "date:2024-05-01", "2");
	finds(fx, "date:2024-02-11..2024-05", "2 3");
	finds(fx, "before:2024-02-11", "1");
	finds(fx, "after:2024-02-11", "2 3");
	finds(fx, "folder:archive", "2");
	finds(fx, "account:work", "2 3 1");
	finds(fx, "account:home", "");
	finds(fx, "thread:{body:ferie}", "3 1");
	finds(fx, "thread:perche", "2");
	finds(fx, "", "2 3 1");
}

static void
boolean_structure(void **state)
{
	struct fixture	*fx = *state;

	finds(fx, "fattura OR ferie", "2 1");
	finds(fx, "fattura -müller", "");
	finds(fx, "citta -is:unread", "3");
	finds(fx, "NOT citta", "2");
	finds(fx, "-body:ferie citta", "3");
	finds(fx, "-body:ferie -fattura", "3");
	finds(fx, "is:unread OR is:flagged", "2 1");
	finds(fx, "(citta is:unread) OR (fattura larger:1k)", "2 1");
	finds(fx, "NOT (citta OR fattura)", "");
	finds(fx, "citta NOT (is:unread OR folder:sent)", "");
}

static void
flag_change_and_move_show_at_once(void **state)
{
	struct fixture	*fx = *state;
	struct perr	 err;

	assert_int_equal(store_msg_flags_change(fx->s, fx->id[1], STORE_SEEN,
	    0, &err), 1);
	finds(fx, "is:unread", "");
	assert_int_equal(store_msg_move(fx->s, fx->id[1], fx->archive, &err),
	    0);
	finds(fx, "folder:archive citta", "1");
	finds(fx, "folder:inbox", "");
	assert_int_equal(store_msg_delete(fx->s, fx->id[2], &err), 0);
	finds(fx, "perche", "");
}

/* ---- the newest-first walk (query-sql.c) gives the plain plan's rows -- */

#define WALK_MSGS	700

/* A store of WALK_MSGS messages in two folders: words of every frequency,
 * many dates shared (ties broken by id), a third unread, some flagged,
 * 40 threads across all of it. */
static struct store *
walk_store(int64_t *inbox, int64_t *acc)
{
	static const char *const words[] = { "comune", "medio", "raro" };
	struct store	*s;
	struct perr	 err;
	int64_t		 archive, id;
	uint32_t	 r = 12345;
	char		*path, subj[64], text[64];
	int		 i;

	path = xasprintf("%s/walk.db", dbpath);
	s = store_open(path, STORE_RDWR | STORE_SYNC_NORMAL, &err);
	free(path);
	if (s == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(store_account_ensure(s, "walk", STORE_IMAP, acc,
	    &err), 0);
	*inbox = folder(s, *acc, "INBOX");
	archive = folder(s, *acc, "Archive");
	for (i = 0; i < WALK_MSGS; i++) {
		struct store_msg	m = { 0 };

		r = r * 1103515245u + 12345u;
		(void)snprintf(subj, sizeof subj, "%s%s%s n%d",
		    (r >> 8) % 2 ? "comune " : "", (r >> 10) % 10 == 0 ?
		    "medio " : "", (r >> 14) % 150 == 0 ? "raro " : "", i);
		(void)snprintf(text, sizeof text, "%s %s",
		    (r >> 18) % 3 == 0 ? "ferie" : "lavoro", words[i % 3]);
		m.folder_id = (r >> 20) % 4 == 0 ? archive : *inbox;
		m.uid = (uint32_t)i + 1;
		m.subject = subj;
		m.from_addr = (r >> 22) % 2 ? "rossi@x.it" : "verdi@y.it";
		/* Mostly newest first, as a first sync stores them (the
		 * newest ids near each other), some at any date. */
		m.date = 1700000000 + ((r >> 28) % 8 != 0 ?
		    (int64_t)(WALK_MSGS - i) / 3 : (int64_t)((r >> 12) %
		    (WALK_MSGS / 3))) * 3600;
		m.thread_id = (r >> 5) % 40 + 1;
		m.flags = ((r >> 24) % 3 == 0 ? 0 : STORE_SEEN) |
		    ((r >> 26) % 7 == 0 ? STORE_FLAGGED : 0);
		if (store_msg_insert(s, &m, &id, &err) != 0 ||
		    store_body_put(s, id, "x", 1, text, &err) != 0)
			fail_msg("insert: %s", err.msg);
	}
	return s;
}

/* The keyset place of message id. */
static int
msg_key(struct store *s, int64_t id, struct store_page_key *k)
{
	struct store_msg	m;
	struct perr		err;

	if (store_msg_get(s, id, &m, &err) != 0)
		fail_msg("%s", err.msg);
	*k = (struct store_page_key){ m.date, m.id };
	store_msg_free(&m);
	return 0;
}

struct idlist {
	int64_t	id[WALK_MSGS];
	size_t	n;
};

static int
add_id(void *arg, const struct store_msg *m)
{
	struct idlist	*l = arg;

	l->id[l->n++] = m->id;
	return 0;
}

static void
same_ids(const char *what, const char *q, int rows, const struct idlist *a,
    const struct idlist *b)
{
	size_t	i;

	if (a->n != b->n)
		fail_msg("%s %s (walk_rows %d): %zu rows, the plain plan %zu",
		    what, q, rows, a->n, b->n);
	for (i = 0; i < a->n; i++)
		if (a->id[i] != b->id[i])
			fail_msg("%s %s (walk_rows %d): row %zu is %lld, the "
			    "plain plan's %lld", what, q, rows, i,
			    (long long)a->id[i], (long long)b->id[i]);
}

/* The SQL of every statement run that finds text in date order. */
struct traced {
	char	*sql[16];
	size_t	 n;
};

static int
trace_match(unsigned type, void *arg, void *p, void *x)
{
	struct traced	*t = arg;
	const char	*sql = sqlite3_sql(p);

	(void)type; (void)x;
	if ((strstr(sql, " MATCH ") != NULL ||
	    strstr(sql, "posta_in(") != NULL) &&
	    strstr(sql, "ORDER BY m.date") != NULL && t->n < 16)
		t->sql[t->n++] = xstrdup(sql);
	return 0;
}

/*
 * A common word's top rows come from the date index, newest first: no
 * lookup of every match and no sort of them (TEMP B-TREE) in the plan of
 * the statement that reads the index. With a date: term the walk starts
 * at the term's end, not at the newest mail: with a budget of 100 rows
 * the newest 100 hold no message before 2023-11-18, and the walk must
 * still give the answer (no fallback to the plain plan). subject:medio,
 * one message in 10, has fewer than 7 in the newest 20: the window grows
 * (walk_grow()) rather than falling back.
 */
static void
top_of_common_word_walks_the_date_index(struct store *s, int64_t inbox,
    int walk_rows, const char *query)
{
	struct search_node	*q;
	struct store_find	 f = { 0 };
	struct store_window	 w = { NULL, inbox, 0, walk_rows };
	struct traced		 t = { { 0 }, 0 };
	struct idlist		*got = xcalloc(1, sizeof *got);
	struct perr		 err;
	sqlite3_stmt		*qp;
	char			*explain;
	const char		*detail;
	size_t			 i;
	bool			 walked;

	assert_int_equal(search_parse(query, NOW, &q, &err), 0);
	w.q = q;
	f.limit = 7;
	f.walk_rows = walk_rows;
	sqlite3_trace_v2(s->db, SQLITE_TRACE_STMT, trace_match, &t);
	assert_int_equal(store_msg_find(s, q, &f, add_id, got, &err), 0);
	assert_int_equal(store_msg_find_page(s, &w, STORE_SORT_DATE, NULL,
	    true, 7, add_id, got, &err), 0);
	sqlite3_trace_v2(s->db, 0, NULL, NULL);
	assert_int_equal(got->n, 14);
	assert_true(t.n >= 2);
	for (i = 0; i < t.n; i++) {
		explain = xasprintf("EXPLAIN QUERY PLAN %s", t.sql[i]);
		assert_int_equal(sqlite3_prepare_v2(s->db, explain, -1, &qp,
		    NULL), SQLITE_OK);
		walked = false;
		while (sqlite3_step(qp) == SQLITE_ROW) {
			detail = (const char *)sqlite3_column_text(qp, 3);
			if (strstr(detail, "TEMP B-TREE") != NULL ||
			    strstr(detail, "INTEGER PRIMARY KEY") != NULL)
				fail_msg("%s\n  plan: %s", t.sql[i], detail);
			if (strstr(detail, "INDEX message_date") !=
			    NULL || strstr(detail,
			    "INDEX message_folder_date") != NULL)
				walked = true;
		}
		if (!walked)
			fail_msg("%s\n  does not walk the date index",
			    t.sql[i]);
		assert_int_equal(sqlite3_finalize(qp), SQLITE_OK);
		free(explain);
		free(t.sql[i]);
	}
	search_free(q);
	free(got);
}

static void
walk_gives_the_plain_plans_rows(void **state)
{
	static const char *const queries[] = { "comune", "medio", "raro",
	    "nessuno", "ferie", "comune is:unread", "comune OR raro",
	    "-comune", "body:ferie comune", "raro OR is:flagged",
	    "comune folder:archive", "from:rossi medio -ferie",
	    "comune before:2023-11-18", "thread:raro", "(medio OR raro) ferie",
	    "comune date:2023-11-16..2023-11-19", "raro after:2023-11-17",
	    "medio date:2023-11-18 date:2023-11-15..2023-11-20 -ferie",
	    "ferie date:2023-11-17 OR medio", "comune date:2030",
	    "subject:medio comune", "from:rossi subject:medio", "lavoro raro",
	};
	static const int	 limits[] = { 1, 7, 50, 300 };
	static const int	 budgets[] = { 0, 1, 20, 100, 350, 1000 };
	struct store		*s;
	struct search_node	*q;
	struct store_page_key	 after;
	struct store_sort_key	 key;
	struct idlist		*plain = xcalloc(1, sizeof *plain);
	struct idlist		*got = xcalloc(1, sizeof *got);
	struct perr		 err;
	int64_t			 inbox, acc;
	size_t			 qi, li, bi, sc;

	(void)state;
	s = walk_store(&inbox, &acc);
	for (qi = 0; qi < sizeof queries / sizeof *queries; qi++) {
		if (search_parse(queries[qi], NOW, &q, &err) != 0)
			fail_msg("%s: %s", queries[qi], err.msg);
		for (li = 0; li < sizeof limits / sizeof *limits; li++)
		for (sc = 0; sc < 4; sc++) {
			struct store_find	f = { 0 };

			f.limit = limits[li];
			f.folder_id = sc == 1 ? inbox : 0;
			f.account_id = sc == 2 ? acc : 0;
			f.walk_rows = -1;
			if (sc == 3) {	/* a keyset page: after the 9th */
				f.limit = 9;
				plain->n = 0;
				assert_int_equal(store_msg_find(s, q, &f,
				    add_id, plain, &err), 0);
				if (plain->n < 9)
					continue;
				assert_int_equal(msg_key(s,
				    plain->id[8], &after), 0);
				f.after = &after;
				f.limit = limits[li];
			}
			plain->n = 0;
			assert_int_equal(store_msg_find(s, q, &f, add_id,
			    plain, &err), 0);
			for (bi = 0; bi < sizeof budgets / sizeof *budgets;
			    bi++) {
				f.walk_rows = budgets[bi];
				got->n = 0;
				if (store_msg_find(s, q, &f, add_id, got,
				    &err) != 0)
					fail_msg("%s: %s", queries[qi],
					    err.msg);
				same_ids("find", queries[qi], budgets[bi],
				    got, plain);
				f.walk_rows = -1;
			}
		}
		/* The index's windows: a folder, both ways, after a key. */
		for (li = 0; li < 4; li++) {
			struct store_window	w = { q, li < 2 ? inbox : 0,
			    0, -1 };
			bool			desc = li % 2 == 0;

			plain->n = 0;
			assert_int_equal(store_msg_find_page(s, &w,
			    STORE_SORT_DATE, NULL, desc, 12, add_id, plain,
			    &err), 0);
			if (plain->n < 12)
				continue;
			assert_int_equal(msg_key(s, plain->id[5],
			    &after), 0);
			key = (struct store_sort_key){ NULL, 0, after.date,
			    after.id };
			plain->n = 0;
			assert_int_equal(store_msg_find_page(s, &w,
			    STORE_SORT_DATE, &key, desc, 20, add_id, plain,
			    &err), 0);
			for (bi = 0; bi < sizeof budgets / sizeof *budgets;
			    bi++) {
				w.walk_rows = budgets[bi];
				got->n = 0;
				assert_int_equal(store_msg_find_page(s, &w,
				    STORE_SORT_DATE, &key, desc, 20, add_id,
				    got, &err), 0);
				same_ids("page", queries[qi], budgets[bi],
				    got, plain);
			}
		}
		search_free(q);
	}
	top_of_common_word_walks_the_date_index(s, inbox, 0, "comune");
	top_of_common_word_walks_the_date_index(s, inbox, 100, "comune");
	top_of_common_word_walks_the_date_index(s, inbox, 100,
	    "comune before:2023-11-18");
	top_of_common_word_walks_the_date_index(s, inbox, 100,
	    "comune date:2023-11-16..2023-11-19 -medio");
	top_of_common_word_walks_the_date_index(s, inbox, 20,
	    "subject:medio");
	free(plain);
	free(got);
	store_close(s);
}

static void
the_sql_binds_every_value(void **state)
{
	struct search_node	*n;
	struct perr		 err;
	char			*sql;

	(void)state;
	assert_int_equal(search_parse("from:\"o'neil \\\"x\" '; DROP",
	    NOW, &n, &err), -1);
	assert_int_equal(search_parse("from:\"o'neil \\\"x\\\"\" folder:\"a'b\"",
	    NOW, &n, &err), 0);
	sql = store_find_sql(n);
	assert_string_equal(sql, "(m.id IN (SELECT rowid FROM message_fts"
	    " WHERE message_fts MATCH ?) AND m.folder_id IN (SELECT id FROM"
	    " folder WHERE name = ? COLLATE NOCASE)) [({from} : \"o'neil"
	    " \"\"x\"\"\")] [a'b]");
	free(sql);
	search_free(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(words_phrases_prefixes),
		cmocka_unit_test(operators_and_groups),
		cmocka_unit_test(text_fields),
		cmocka_unit_test(name_fields),
		cmocka_unit_test(flags),
		cmocka_unit_test(dates_ages_sizes),
		cmocka_unit_test(errors_name_position_and_expectation),
		cmocka_unit_test(hostile_queries_get_clear_errors),
		cmocka_unit_test(trees_built_by_hand),
		cmocka_unit_test(the_sql_binds_every_value),
		cmocka_unit_test(walk_gives_the_plain_plans_rows),
		cmocka_unit_test(accents_and_case_are_ignored),
		cmocka_unit_test(each_field_finds_its_own_text_only),
		cmocka_unit_test(flags_dates_sizes_folders_threads),
		cmocka_unit_test(boolean_structure),
		cmocka_unit_test(flag_change_and_move_show_at_once),
	};


	(void)setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, setup, teardown);
}
