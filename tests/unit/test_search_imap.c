/*
 * test_search_imap.c - a query as IMAP UID SEARCH arguments (search_imap):
 * every construct, the quoting of user text, what cannot be said.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "search/search.h"

/* 2024-06-15 00:00:00 UTC: the clock of newer: and older:. */
#define NOW	1718409600LL

/* q for folder INBOX of account work as IMAP: want, or NULL for "ask
 * nothing" (the query cannot match there). */
static void
check(const char *q, const char *want)
{
	struct search_node	*n;
	struct perr		 err;
	char			*got;
	int			 rc;

	perr_clear(&err);
	if (search_parse(q, NOW, &n, &err) != 0)
		fail_msg("%s: %s", q, err.msg);
	rc = search_imap(n, "INBOX", "work", &got, &err);
	search_free(n);
	if (rc < 0)
		fail_msg("%s: %s", q, err.msg);
	if (want == NULL) {
		if (rc != 0 || got != NULL)
			fail_msg("%s: got %s, want nothing asked", q, got);
		return;
	}
	if (rc != 1 || got == NULL || strcmp(got, want) != 0)
		fail_msg("%s:\n got  %s\n want %s", q, got, want);
	free(got);
}

static void
check_err(const char *q, const char *want)
{
	struct search_node	*n;
	struct perr		 err;
	char			*got = (void *)1;

	perr_clear(&err);
	if (search_parse(q, NOW, &n, &err) != 0)
		fail_msg("%s: %s", q, err.msg);
	assert_int_equal(search_imap(n, "INBOX", "work", &got, &err), -1);
	search_free(n);
	assert_null(got);
	if (strcmp(err.msg, want) != 0)
		fail_msg("%s:\n got  %s\n want %s", q, err.msg, want);
}

static void
words_and_fields(void **state)
{
	(void)state;
	check("", "ALL");
	check("fattura", "TEXT \"fattura\"");
	check("\"meeting notes\"", "TEXT \"meeting notes\"");
	check("fatt*", "TEXT \"fatt\"");
	check("from:rossi", "FROM \"rossi\"");
	check("subject:\"meeting notes\"", "SUBJECT \"meeting notes\"");
	check("cc:anna", "CC \"anna\"");
	check("to:anna", "OR TO \"anna\" CC \"anna\"");
	check("body:ferie", "BODY \"ferie\"");
	check("id:<abc@example.org>", "HEADER Message-ID \"abc@example.org\"");
}

static void
user_text_is_quoted_or_a_literal(void **state)
{
	(void)state;
	/* The parser's \" and \\ come back escaped inside quotes. */
	check("subject:\"say \\\"hi\\\" \\\\ ok\"",
	    "SUBJECT \"say \\\"hi\\\" \\\\ ok\"");
	/* IMAP specials inside quotes are only text. */
	check("\"a) OR (ALL {5}\"", "TEXT \"a) OR (ALL {5}\"");
	/* Non-ASCII: a literal of its bytes, and CHARSET UTF-8 first. */
	check("from:müller", "CHARSET UTF-8 FROM {7}\r\nmüller");
	check("Città fattura",
	    "CHARSET UTF-8 (TEXT {6}\r\nCittà TEXT \"fattura\")");
}

static void
operators(void **state)
{
	(void)state;
	check("a b", "(TEXT \"a\" TEXT \"b\")");
	check("a OR b", "OR TEXT \"a\" TEXT \"b\"");
	check("a OR b OR c", "OR TEXT \"a\" OR TEXT \"b\" TEXT \"c\"");
	check("-a", "NOT TEXT \"a\"");
	check("NOT (a OR b) c",
	    "(NOT OR TEXT \"a\" TEXT \"b\" TEXT \"c\")");
	check("(from:a OR to:b) -is:read",
	    "(OR FROM \"a\" OR TO \"b\" CC \"b\" NOT SEEN)");
}

static void
flags_dates_sizes(void **state)
{
	(void)state;
	check("is:unread", "UNSEEN");
	check("is:read", "SEEN");
	check("is:flagged", "FLAGGED");
	check("is:replied", "ANSWERED");
	check("is:deleted", "DELETED");
	check("is:draft", "DRAFT");
	check("date:2024", "(SENTSINCE 1-Jan-2024 SENTBEFORE 1-Jan-2025)");
	check("date:2024-03", "(SENTSINCE 1-Mar-2024 SENTBEFORE 1-Apr-2024)");
	check("date:2024-01-01..2024-03-31",
	    "(SENTSINCE 1-Jan-2024 SENTBEFORE 1-Apr-2024)");
	check("after:2024-03-01", "SENTSINCE 1-Mar-2024");
	check("before:2024-03-01", "SENTBEFORE 1-Mar-2024");
	check("date:..2024-03", "SENTBEFORE 1-Apr-2024");
	/* Within a day: the whole day (the server finds more, never less). */
	check("newer:7d", "SENTSINCE 8-Jun-2024");
	check("newer:3h", "SENTSINCE 14-Jun-2024");
	check("older:3h", "SENTBEFORE 15-Jun-2024");
	check("larger:1M", "LARGER 1048576");
	check("smaller:20k", "SMALLER 20480");
	check("larger:1k smaller:2k", "(LARGER 1024 SMALLER 2048)");
	/* Over IMAP's 32 bits: no message is that big. */
	check("larger:8G", NULL);
}

static void
folders_and_accounts_are_decided_here(void **state)
{
	(void)state;
	check("folder:INBOX fattura", "TEXT \"fattura\"");
	check("folder:inbox", "ALL");
	check("folder:Sent fattura", NULL);
	check("folder:Sent OR fattura", "TEXT \"fattura\"");
	check("-folder:Sent", "ALL");
	check("-folder:INBOX", NULL);
	check("account:work is:unread", "UNSEEN");
	check("account:home is:unread", NULL);
	check("(account:home OR folder:INBOX) from:x", "FROM \"x\"");
}

static void
what_imap_cannot_say_is_refused(void **state)
{
	(void)state;
	check_err("attachment:preventivo",
	    "search: the server cannot search attachment names (attachment:)");
	check_err("fattura has:attachment",
	    "search: the server cannot search for attachments "
	    "(has:attachment)");
	check_err("thread:{from:rossi}",
	    "search: the server cannot search whole threads (thread:)");
	/* Even where it would not matter, not dropped: refused. */
	check_err("a OR attachment:b",
	    "search: the server cannot search attachment names (attachment:)");
	/* But a branch decided false is not looked at. */
	check("folder:Sent attachment:b OR c", "TEXT \"c\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(words_and_fields),
		cmocka_unit_test(user_text_is_quoted_or_a_literal),
		cmocka_unit_test(operators),
		cmocka_unit_test(flags_dates_sizes),
		cmocka_unit_test(folders_and_accounts_are_decided_here),
		cmocka_unit_test(what_imap_cannot_say_is_refused),
	};

	(void)setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
