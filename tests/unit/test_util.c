/* test_util.c - errors, strings and the terminal sanitiser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>

#include "util/util.h"

static void
perr_set_and_prefix_compose_messages(void **state)
{
	struct perr	e;

	perr_clear(&e);
	assert_int_equal(e.code, PERR_OK);
	assert_int_equal(perr_set(&e, PERR_AUTH, "login refused for %s", "u"),
	    -1);
	perr_prefix(&e, "account %s", "work");
	assert_int_equal(e.code, PERR_AUTH);
	assert_string_equal(e.msg, "account work: login refused for u");
}

/* A context already at the front (said where it was known) is not doubled. */
static void
perr_prefix_adds_a_context_once(void **state)
{
	struct perr	e;

	perr_set(&e, PERR_CONNECT, "account work: the connection was lost");
	perr_prefix(&e, "account %s", "work");
	assert_string_equal(e.msg, "account work: the connection was lost");
	perr_prefix(&e, "account %s", "home");
	assert_string_equal(e.msg,
	    "account home: account work: the connection was lost");
	assert_int_equal(e.code, PERR_CONNECT);
}

static void
xasprintf_formats(void **state)
{
	char	*s = xasprintf("%d-%s", 42, "x");

	assert_string_equal(s, "42-x");
	free(s);
}

static void
check_clean(const char *in, size_t len, bool nl, const char *want)
{
	char	*out = sanitize_text(in, len, nl);

	assert_string_equal(out, want);
	free(out);
}

static void
sanitize_strips_escape_sequences(void **state)
{
	/* ESC, CSI and OSC title setting, BEL */
	check_clean("a\x1b[31mred\x1b]0;title\x07z", 20, false,
	    "a[31mred]0;titlez");
}

static void
sanitize_strips_c1_controls(void **state)
{
	/* U+009B (CSI as C1) encoded in UTF-8, and a raw 0x9B byte. */
	check_clean("x\xc2\x9b" "1m\x9by", 7, false, "x1m\xef\xbf\xbdy");
}

static void
sanitize_replaces_invalid_utf8(void **state)
{
	/* overlong '/', a lone continuation byte, a truncated sequence */
	check_clean("\xc0\xaf|\x80|\xe2\x82", 7, false,
	    "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd");
}

static void
sanitize_removes_bidi_overrides(void **state)
{
	/* U+202E RIGHT-TO-LEFT OVERRIDE and U+2066 LEFT-TO-RIGHT ISOLATE */
	check_clean("abc\xe2\x80\xae" "fdp.exe\xe2\x81\xa6", 16, false,
	    "abcfdp.exe");
}

static void
sanitize_keeps_text_and_newlines_when_asked(void **state)
{
	check_clean("Perch\xc3\xa9\tok\r\nriga 2", 18, true,
	    "Perch\xc3\xa9\tok\nriga 2");
	check_clean("a\tb\nc", 5, false, "a b c");
}

static void
sanitize_keeps_wide_characters(void **state)
{
	check_clean("\xe5\x8f\xb0\xe5\x8c\x97 \xf0\x9f\x98\x80", 11, false,
	    "\xe5\x8f\xb0\xe5\x8c\x97 \xf0\x9f\x98\x80");
}

static void
sanitize_handles_nul_bytes(void **state)
{
	check_clean("a\0b", 3, false, "ab");
}

static void
check_fit(const char *in, int cols, const char *want)
{
	char	*out = text_fit(in, cols);

	assert_string_equal(out, want);
	assert_int_equal(text_width(out), cols);
	free(out);
}

static void
text_fit_pads_and_cuts_by_columns(void **state)
{
	assert_int_equal(text_width("abc"), 3);
	/* two CJK characters take four columns */
	assert_int_equal(text_width("\xe5\x8f\xb0\xe5\x8c\x97"), 4);
	check_fit("abc", 5, "abc  ");
	check_fit("abcdef", 4, "abc~");
	check_fit("Citt\xc3\xa0", 5, "Citt\xc3\xa0");
	/* a wide character must not straddle the edge */
	check_fit("a\xe5\x8f\xb0\xe5\x8c\x97", 4, "a\xe5\x8f\xb0~");
	check_fit("ab\xe5\x8f\xb0\xe5\x8c\x97", 4, "ab ~");
	check_fit("abc", 0, "");
	check_fit("abc", 1, "a");
}

static void
json_strings_are_escaped(void **state)
{
	char	*buf = NULL;
	size_t	 len = 0, cap = 0;

	json_append_string(&buf, &len, &cap, "a\"b\\c\x01\n\xc3\xa8");
	assert_string_equal(buf, "\"a\\\"b\\\\c\\u0001\\u000a\xc3\xa8\"");
	json_append_string(&buf, &len, &cap, NULL);
	assert_int_equal(len, strlen(buf));
	free(buf);
}

/* env_long(): the value when set, decimal and in range; else the default. */
static void
env_long_takes_only_a_number_in_range(void **state)
{
	static const struct { const char *v; long want; } cases[] = {
		{ NULL, 7 }, { "", 7 }, { "5", 5 }, { "1", 1 }, { "10", 10 },
		{ "0", 7 }, { "11", 7 }, { "-3", 7 }, { "5x", 7 }, { "x", 7 },
		{ "99999999999999999999999", 7 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].v == NULL)
			assert_int_equal(unsetenv("POSTA_TEST_ENV_LONG"), 0);
		else
			assert_int_equal(setenv("POSTA_TEST_ENV_LONG",
			    cases[i].v, 1), 0);
		assert_int_equal(env_long("POSTA_TEST_ENV_LONG", 1, 10, 7),
		    cases[i].want);
	}
	(void)unsetenv("POSTA_TEST_ENV_LONG");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(perr_set_and_prefix_compose_messages),
		cmocka_unit_test(perr_prefix_adds_a_context_once),
		cmocka_unit_test(xasprintf_formats),
		cmocka_unit_test(sanitize_strips_escape_sequences),
		cmocka_unit_test(sanitize_strips_c1_controls),
		cmocka_unit_test(sanitize_replaces_invalid_utf8),
		cmocka_unit_test(sanitize_removes_bidi_overrides),
		cmocka_unit_test(sanitize_keeps_text_and_newlines_when_asked),
		cmocka_unit_test(sanitize_keeps_wide_characters),
		cmocka_unit_test(sanitize_handles_nul_bytes),
		cmocka_unit_test(text_fit_pads_and_cuts_by_columns),
		cmocka_unit_test(json_strings_are_escaped),
		cmocka_unit_test(env_long_takes_only_a_number_in_range),
	};

	setlocale(LC_CTYPE, "C.UTF-8");

	return cmocka_run_group_tests(tests, NULL, NULL);
}
