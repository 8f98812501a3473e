/* test_util.c - errors, strings and the terminal sanitiser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(perr_set_and_prefix_compose_messages),
		cmocka_unit_test(xasprintf_formats),
		cmocka_unit_test(sanitize_strips_escape_sequences),
		cmocka_unit_test(sanitize_strips_c1_controls),
		cmocka_unit_test(sanitize_replaces_invalid_utf8),
		cmocka_unit_test(sanitize_removes_bidi_overrides),
		cmocka_unit_test(sanitize_keeps_text_and_newlines_when_asked),
		cmocka_unit_test(sanitize_keeps_wide_characters),
		cmocka_unit_test(sanitize_handles_nul_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
