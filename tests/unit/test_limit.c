/*
 * test_limit.c - the lexer that bounds what a server may send (limit.h):
 * line, literal and reply sizes, IMAP nesting counted the way libetpan
 * parses (not inside quoted strings or literals, not in free text), body
 * literals streamed apart, and the reply deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/limit.h"

static struct net_limits
small(enum net_ctx ctx)
{
	struct net_limits	l;

	net_limits_for(ctx, &l);
	l.line_max = 1000;
	l.literal_max = 100;
	l.response_max = 5000;
	l.depth_max = 3;
	return l;
}

/* Feed text (in one piece and byte by byte: the same verdict). */
static int
feed(const struct net_limits *l, const char *text, struct perr *err)
{
	struct net_lexer	*a = net_lexer_new(l, 0), *b = net_lexer_new(l, 0);
	struct perr		 e2;
	size_t			 i, n = strlen(text);
	int			 ra, rb = 0;

	ra = net_lexer_feed(a, text, n, err);
	for (i = 0; i < n && rb == 0; i++)
		rb = net_lexer_feed(b, text + i, 1, &e2);
	assert_int_equal(ra, rb);
	net_lexer_free(a);
	net_lexer_free(b);
	return ra;
}

static void
fails_with(enum net_ctx ctx, const char *text, const char *words)
{
	struct net_limits	l = small(ctx);
	struct perr		err;

	perr_clear(&err);
	assert_int_equal(feed(&l, text, &err), -1);
	assert_int_equal(err.code, PERR_PROTOCOL);
	if (strstr(err.msg, words) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.msg, words);
}

static void
passes(enum net_ctx ctx, const char *text)
{
	struct net_limits	l = small(ctx);
	struct perr		err;

	perr_clear(&err);
	if (feed(&l, text, &err) != 0)
		fail_msg("refused: %s", err.msg);
}

static char *
repeat(const char *head, char c, size_t n, const char *tail)
{
	size_t	h = strlen(head), t = strlen(tail);
	char	*s = malloc(h + n + t + 1);

	assert_non_null(s);
	memcpy(s, head, h);
	memset(s + h, c, n);
	memcpy(s + h + n, tail, t + 1);
	return s;
}

static void
a_line_that_never_ends_is_cut(void **state)
{
	char	*s = repeat("* OK ", 'x', 2000, "");

	fails_with(NET_CTX_IMAP_LOGIN, s, "a line longer than 1000 bytes "
	    "while posta read the greeting or the login replies");
	free(s);
	s = repeat("+OK ", 'x', 2000, "");
	fails_with(NET_CTX_POP3_LOGIN, s, "line longer than 1000");
	free(s);
	s = repeat("220 ", 'x', 2000, "");
	fails_with(NET_CTX_SMTP, s, "line longer than 1000");
	free(s);
	/* Many lines, each short: only the reply's bound applies. */
	s = repeat("", '\n', 4000, "");
	passes(NET_CTX_IMAP, s);
	free(s);
}

static void
a_reply_of_endless_lines_is_cut(void **state)
{
	struct net_limits	 l = small(NET_CTX_POP3_LOGIN);
	struct net_lexer	*lx = net_lexer_new(&l, 0);
	struct perr		 err;
	char			*s = repeat("", '\n', 4000, "");

	assert_int_equal(net_lexer_feed(lx, s, 4000, &err), 0);
	/* A new command, a new reply. */
	net_lexer_sent(lx, 10);
	assert_int_equal(net_lexer_feed(lx, s, 4000, &err), 0);
	assert_int_equal(net_lexer_feed(lx, s, 4000, &err), -1);
	assert_non_null(strstr(err.msg, "a reply longer than 5000 bytes"));
	/* Refused once, refused for good. */
	assert_int_equal(net_lexer_feed(lx, "\n", 1, &err), -1);
	net_lexer_free(lx);
	free(s);
}

static void
a_huge_literal_is_refused_when_announced(void **state)
{
	char	 buf[2000];
	size_t	 i, len;

	fails_with(NET_CTX_IMAP, "* LIST () \"/\" {4294967295}\r\n",
	    "a literal of 4294967295 bytes, more than 100");
	fails_with(NET_CTX_IMAP, "* 1 FETCH (BODY[HEADER] {99999999999999999"
	    "999999}\r\n", "more than 100");
	/* Within the bound, its bytes count towards the line. */
	passes(NET_CTX_IMAP, "* LIST () \"/\" {100}\r\n");
	len = (size_t)snprintf(buf, sizeof buf, "* 1 FETCH (ENVELOPE (");
	for (i = 0; i < 12; i++) {
		len += (size_t)snprintf(buf + len, sizeof buf - len, " {90}\r\n");
		memset(buf + len, 'x', 90);
		len += 90;
	}
	buf[len] = '\0';
	fails_with(NET_CTX_IMAP, buf, "line longer than 1000");
}

static void
deep_nesting_is_refused(void **state)
{
	fails_with(NET_CTX_IMAP_FETCH, "* 1 FETCH (BODYSTRUCTURE ((((",
	    "nested parentheses more than 3 deep");
	passes(NET_CTX_IMAP_FETCH, "* 1 FETCH (BODYSTRUCTURE ((x)(y)(z)))\r\n"
	    "* 2 FETCH (BODYSTRUCTURE ((x)(y)(z)))\r\n");
	/* Each line starts again. */
	passes(NET_CTX_IMAP_FETCH, "* 1 FETCH (((\r\n* 2 FETCH (((\r\n");
}

static void
nesting_is_not_counted_in_strings_and_literals(void **state)
{
	passes(NET_CTX_IMAP_FETCH, "* 1 FETCH (ENVELOPE (\"((((\\\"((((\" "
	    "NIL))\r\n");
	passes(NET_CTX_IMAP_FETCH, "* 1 FETCH (BODY[HEADER] {8}\r\n(((((((("
	    " UID 4)\r\n");
	/* Lotus Domino: the literal's bytes follow "}" and spaces. */
	passes(NET_CTX_IMAP_FETCH, "* 1 FETCH (BODY[HEADER] {6}  (((((( "
	    "UID 4)\r\n");
	/* {-5}: a literal of nothing (libetpan's Free workaround). */
	fails_with(NET_CTX_IMAP_FETCH, "* 1 FETCH (BODY[HEADER] {-5}\r\n(((((",
	    "more than 3 deep");
	/* A literal does not end the logical line: the nesting goes on. */
	fails_with(NET_CTX_IMAP_FETCH, "* 1 FETCH ((( {1}\r\nx (",
	    "more than 3 deep");
}

static void
free_text_hides_nothing(void **state)
{
	/*
	 * libetpan reads "* OK ..." to the line's end: "{40}" there is no
	 * literal, and the next line is parsed as a response.
	 */
	fails_with(NET_CTX_IMAP_FETCH, "* OK see {40}\r\n* 1 FETCH ((((((((("
	    "(((((((\r\n", "more than 3 deep");
	fails_with(NET_CTX_IMAP_FETCH, "a1 ok done {40}\r\n* 1 FETCH ((((((("
	    "(((((((((\r\n", "more than 3 deep");
	fails_with(NET_CTX_IMAP_FETCH, "+ go on {40}\r\n* 1 FETCH ((((((((("
	    "(((((((\r\n", "more than 3 deep");
	/* And free text may say anything. */
	passes(NET_CTX_IMAP_FETCH, "* BYE (((((((((((( \"\r\n* OK {9999999}"
	    "\r\n");
}

static void
body_literals_are_streamed_apart(void **state)
{
	struct net_limits	 l = small(NET_CTX_IMAP_BODY);
	struct net_lexer	*lx = net_lexer_new(&l, 0);
	struct perr		 err;
	char			*body = repeat("", '(', 200000, "");
	static const char	 head[] = "* 1 FETCH (UID 7 BODY[]<0> {200000}\r\n";

	assert_true(l.body_max >= 200000);
	assert_int_equal(net_lexer_feed(lx, head, strlen(head), &err), 0);
	assert_int_equal(net_lexer_feed(lx, body, 200000, &err), 0);
	assert_int_equal(net_lexer_feed(lx, ")\r\n", 3, &err), 0);
	static const char rfc822[] = "* 2 FETCH (RFC822 {200000}\r\n";
	assert_int_equal(net_lexer_feed(lx, rfc822, strlen(rfc822), &err), 0);
	assert_int_equal(net_lexer_feed(lx, body, 200000, &err), 0);
	assert_int_equal(net_lexer_feed(lx, ")\r\n", 3, &err), 0);
	net_lexer_free(lx);
	free(body);

	/* Another literal in the same reply is an ordinary one. */
	fails_with(NET_CTX_IMAP_BODY, "* 1 FETCH (ENVELOPE ({200000}\r\n",
	    "a literal of 200000 bytes");
	fails_with(NET_CTX_IMAP_BODY, "* 1 FETCH (RFC822.HEADER {200000}\r\n",
	    "a literal of 200000 bytes");
	/* Over the body bound. */
	fails_with(NET_CTX_IMAP_BODY, "* 1 FETCH (BODY[] {4294967295}\r\n",
	    "a message body of 4294967295 bytes");
	/* Where nothing streams it, a body is an ordinary literal. */
	fails_with(NET_CTX_IMAP_FETCH, "* 1 FETCH (BODY[] {200000}\r\n",
	    "a literal of 200000 bytes");
}

static void
the_deadline_grows_with_what_arrives(void **state)
{
	struct net_limits	 l;
	struct net_lexer	*lx;
	struct perr		 err;
	unsigned		 base, rate;

	setenv("POSTA_NET_DEADLINE", "10/100", 1);
	net_limits_for(NET_CTX_SMTP, &l);
	lx = net_lexer_new(&l, 1000);
	assert_int_equal(net_lexer_due(lx), 11000);
	assert_int_equal(net_lexer_feed(lx, "250-x\r\n", 7, &err), 0);
	assert_int_equal(net_lexer_due(lx), 11070);
	assert_int_equal(net_lexer_overdue(lx, 12000, &err), -1);
	assert_int_equal(err.code, PERR_TIMEOUT);
	assert_string_equal(err.msg, "the server sent only 7 bytes of its "
	    "reply in 11 s; posta waits 10 s for a reply plus 1 s for every "
	    "100 bytes received");
	net_lexer_sent(lx, 50000);
	assert_int_equal(net_lexer_due(lx), 60000);
	net_lexer_free(lx);

	setenv("POSTA_NET_DEADLINE", "7", 1);
	net_deadline(&base, &rate);
	assert_int_equal(base, 7);
	assert_int_equal(rate, NET_DEADLINE_RATE);
	setenv("POSTA_NET_DEADLINE", "0", 1);
	net_deadline(&base, &rate);
	assert_int_equal(base, NET_DEADLINE_BASE);
	setenv("POSTA_NET_DEADLINE", "5/x", 1);
	net_deadline(&base, &rate);
	assert_int_equal(base, NET_DEADLINE_BASE);
	unsetenv("POSTA_NET_DEADLINE");
}

/*
 * NOTIFY's news (imap_status_heard()): untagged STATUS lines are counted
 * wherever they come (between a FETCH's lines, after a literal), and only
 * those: not a STATUS word inside a literal, a quoted string, free text
 * or a tagged line; whether fed whole or byte by byte.
 */
static void
untagged_status_lines_are_counted(void **state)
{
	static const char	reply[] =
	    "* 1 FETCH (UID 7 BODY[HEADER] {30}\r\n"
	    "\r\n* STATUS Fake (MESSAGES 1)\r\n)\r\n"
	    "* STATUS Work (MESSAGES 3 UIDNEXT 9)\r\n"
	    "* 2 FETCH (UID 8 FLAGS (\\Seen) X \"* STATUS Y\")\r\n"
	    "* OK * STATUS is not a status\r\n"
	    "A1 STATUS nothing\r\n"
	    "* status \"Archive\" (MESSAGES 1)\r\n"
	    "A2 OK FETCH done\r\n";
	struct net_limits	 l;
	struct net_lexer	*a, *b;
	struct perr		 err;
	size_t			 i;

	net_limits_for(NET_CTX_IMAP_FETCH, &l);
	a = net_lexer_new(&l, 0);
	b = net_lexer_new(&l, 0);
	assert_int_equal(net_lexer_statuses(a), 0);
	assert_int_equal(net_lexer_feed(a, reply, strlen(reply), &err), 0);
	for (i = 0; reply[i] != '\0'; i++)
		assert_int_equal(net_lexer_feed(b, reply + i, 1, &err), 0);
	/* Work's and Archive's (case does not matter); the rest is text. */
	assert_int_equal(net_lexer_statuses(a), 2);
	assert_int_equal(net_lexer_statuses(b), 2);
	net_lexer_free(a);
	net_lexer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_line_that_never_ends_is_cut),
		cmocka_unit_test(a_reply_of_endless_lines_is_cut),
		cmocka_unit_test(a_huge_literal_is_refused_when_announced),
		cmocka_unit_test(deep_nesting_is_refused),
		cmocka_unit_test(nesting_is_not_counted_in_strings_and_literals),
		cmocka_unit_test(free_text_hides_nothing),
		cmocka_unit_test(body_literals_are_streamed_apart),
		cmocka_unit_test(the_deadline_grows_with_what_arrives),
		cmocka_unit_test(untagged_status_lines_are_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
