/*
 * test_tui_mailcap.c - the TUI's mailcap reader (ui/tui/mailcap.c): which
 * entry wins, what is skipped, the command with the file quoted, and the
 * safe file names attachments are saved and opened under.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tui/tui-int.h"

static char	 dir[] = "/tmp/posta-mailcap-test.XXXXXX";

static char *
write_mailcap(const char *name, const char *text)
{
	char	*path = xasprintf("%s/%s", dir, name);
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	*cmd = xasprintf("rm -rf '%s'", dir);
	int	 rc;

	(void)state;
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static void
test_exact_beats_wildcard_and_tests_are_skipped(void **state)
{
	struct mailcap_entry	 e;
	char			*p;

	(void)state;
	p = write_mailcap("a", "# comment\n"
	    "image/*; wild %s\n"
	    "image/png; needs-x %s; test=test -n \"$DISPLAY\"\n"
	    "image/png; exact %s; needsterminal\n"
	    "text/plain; lynx -dump %s; copiousoutput\n");
	assert_int_equal(mailcap_find(p, "image/png", &e), 1);
	assert_string_equal(e.command, "exact %s");
	assert_true(e.needsterminal);
	assert_false(e.copiousoutput);
	mailcap_entry_free(&e);
	assert_int_equal(mailcap_find(p, "IMAGE/GIF", &e), 1);
	assert_string_equal(e.command, "wild %s");
	mailcap_entry_free(&e);
	assert_int_equal(mailcap_find(p, "text/plain", &e), 1);
	assert_true(e.copiousoutput);
	mailcap_entry_free(&e);
	assert_int_equal(mailcap_find(p, "application/pdf", &e), 0);
	free(p);
}

static void
test_files_in_order_continuations_and_missing_files(void **state)
{
	struct mailcap_entry	 e;
	char			*a, *b, *path;

	(void)state;
	a = write_mailcap("first", "application/pdf; first \\\n  %s\n");
	b = write_mailcap("second", "application/pdf; second %s\n"
	    "application/x-semi; a \\; b %s\n");
	path = xasprintf("%s/none:%s:%s", dir, a, b);
	assert_int_equal(mailcap_find(path, "application/pdf", &e), 1);
	assert_string_equal(e.command, "first   %s");
	mailcap_entry_free(&e);
	assert_int_equal(mailcap_find(path, "application/x-semi", &e), 1);
	assert_string_equal(e.command, "a ; b %s");
	mailcap_entry_free(&e);
	free(path);
	free(a);
	free(b);
}

static void
test_command_quotes_the_file_and_cleans_the_type(void **state)
{
	struct mailcap_entry	 e = { 0 };
	char			*cmd;
	bool			 with_file;

	(void)state;
	e.command = (char *)"view %s --type=%t 100%%";
	cmd = mailcap_command(&e, "/tmp/d/it's.pdf", "application/pdf;$(rm)",
	    &with_file);
	assert_string_equal(cmd, "view '/tmp/d/it'\\''s.pdf' "
	    "--type=application/pdfrm 100%");
	assert_true(with_file);
	free(cmd);
	e.command = (char *)"cat";
	cmd = mailcap_command(&e, "/tmp/x", "text/plain", &with_file);
	assert_string_equal(cmd, "cat");
	assert_false(with_file);
	free(cmd);
}

static void
test_safe_names(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "../../.secret report.bin", "secret report.bin" },
		{ "C:\\Users\\x\\evil.exe", "evil.exe" },
		{ "/etc/passwd", "passwd" },
		{ "...", "attachment" },
		{ "", "attachment" },
		{ "a\x01" "b\x1b[2J.txt", "a_b_[2J.txt" },
		{ "normale è.pdf", "normale è.pdf" },
	};
	size_t	i;
	char	*s;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = mailcap_safe_name(cases[i].in, "attachment");
		assert_string_equal(s, cases[i].out);
		free(s);
	}
	s = mailcap_safe_name(NULL, "message.eml");
	assert_string_equal(s, "message.eml");
	free(s);
}

static void
test_path_from_environment(void **state)
{
	char	*p;

	(void)state;
	assert_int_equal(setenv("MAILCAPS", "/x/mc:/y/mc", 1), 0);
	p = mailcap_path();
	assert_string_equal(p, "/x/mc:/y/mc");
	free(p);
	assert_int_equal(unsetenv("MAILCAPS"), 0);
	assert_int_equal(setenv("HOME", "/home/u", 1), 0);
	p = mailcap_path();
	assert_string_equal(p, "/home/u/.mailcap:/etc/mailcap");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_exact_beats_wildcard_and_tests_are_skipped),
		cmocka_unit_test(
		    test_files_in_order_continuations_and_missing_files),
		cmocka_unit_test(
		    test_command_quotes_the_file_and_cleans_the_type),
		cmocka_unit_test(test_safe_names),
		cmocka_unit_test(test_path_from_environment),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
