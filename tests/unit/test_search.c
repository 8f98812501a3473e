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

#include "search/search.h"

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
	};

	(void)setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
