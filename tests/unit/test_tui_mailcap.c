/*
 * test_tui_mailcap.c - the TUI's mailcap reader (ui/tui/mailcap.c): which
 * entry wins, test= commands (passing, failing, too slow, and a hostile
 * type that must not reach the shell), the command with the file quoted,
 * and the safe file names attachments are saved and opened under.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
test_exact_beats_wildcard(void **state)
{
	struct mailcap_entry	 e;
	char			*p;

	(void)state;
	p = write_mailcap("a", "# comment\n"
	    "image/*; wild %s\n"
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

/* The command chosen for type in the mailcap text, or NULL. */
static char *
chosen(const char *text, const char *type)
{
	struct mailcap_entry	 e;
	char			*p = write_mailcap("t", text), *cmd = NULL;

	if (mailcap_find(p, type, &e) == 1) {
		cmd = xstrdup(e.command);
		mailcap_entry_free(&e);
	}
	free(p);
	return cmd;
}

static void
test_a_failing_test_skips_to_the_next_entry(void **state)
{
	char	*cmd;

	(void)state;
	cmd = chosen("image/png; first %s; test=false\n"
	    "image/png; second %s; test = true\n"
	    "image/png; third %s\n", "image/png");
	assert_string_equal(cmd, "second %s");
	free(cmd);
	/* A failed exact entry leaves the wildcard. */
	cmd = chosen("image/*; wild %s\n"
	    "image/png; exact %s; test=exit 1\n", "image/png");
	assert_string_equal(cmd, "wild %s");
	free(cmd);
	cmd = chosen("image/png; only %s; test=false\n", "image/png");
	assert_null(cmd);
	/* No file exists when a test runs: its %s is ''. */
	cmd = chosen("application/x-s; s %s; test=test -z %s\n",
	    "application/x-s");
	assert_string_equal(cmd, "s %s");
	free(cmd);
}

static double
now_s(void)
{
	struct timespec	ts;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_a_hanging_test_fails_within_the_limit(void **state)
{
	char	*late = xasprintf("%s/late", dir), *text, *cmd;
	double	 t0, took;

	(void)state;
	/* The background child must die with the shell: the whole group.
	 * (A ';' inside a mailcap field is written '\;'.) */
	text = xasprintf("video/mp4; slow %%s; test=(sleep 3\\; touch %s) & "
	    "sleep 30\nvideo/mp4; fast %%s\n", late);
	t0 = now_s();
	cmd = chosen(text, "video/mp4");
	took = now_s() - t0;
	assert_non_null(cmd);
	assert_string_equal(cmd, "fast %s");
	if (took < 1.9 || took > 4.0)
		fail_msg("the slow test took %.2f s (limit 2 s)", took);
	(void)sleep(2);
	assert_int_not_equal(access(late, F_OK), 0);
	free(cmd);
	free(text);
	free(late);
}

/* The descriptors above 2 this process would hand to a program it runs. */
static char *
inherited_fds(void)
{
	char	*list = xstrdup(""), *more;
	int	 fd, fl;

	for (fd = 3; fd < 64; fd++) {
		if ((fl = fcntl(fd, F_GETFD)) == -1 || (fl & FD_CLOEXEC))
			continue;
		more = xasprintf("%s%d\n", list, fd);
		free(list);
		list = more;
	}
	return list;
}

/*
 * A test command runs like any program the UI starts: with none of
 * posta's descriptors (the mailcap file being read, the /dev/null it was
 * given) and with SIGPIPE as programs expect it, not ignored as posta
 * has it.
 */
static void
test_a_test_gets_no_descriptors_and_default_signals(void **state)
{
	char		*fds = xasprintf("%s/fds", dir), *sig = xasprintf(
			    "%s/sigign", dir), *text, *cmd, *want, got[512];
	unsigned long	 ign = 0;
	FILE		*f;
	size_t		 n;

	(void)state;
	(void)signal(SIGPIPE, SIG_IGN);		/* as ui/main.c does */
	text = xasprintf("text/x-fd; fd %%s; test=grep SigIgn /proc/$$/status "
	    ">%s\\; exec >%s\\; for i in $(seq 3 63)\\; do [ -e /dev/fd/$i ] "
	    "&& echo $i\\; done\\; exit 0\n", sig, fds);
	want = inherited_fds();
	cmd = chosen(text, "text/x-fd");
	(void)signal(SIGPIPE, SIG_DFL);
	assert_non_null(cmd);
	assert_string_equal(cmd, "fd %s");
	assert_non_null(f = fopen(fds, "r"));
	n = fread(got, 1, sizeof got - 1, f);
	got[n] = '\0';
	(void)fclose(f);
	assert_string_equal(got, want);
	assert_non_null(f = fopen(sig, "r"));
	assert_int_equal(fscanf(f, "SigIgn: %lx", &ign), 1);
	(void)fclose(f);
	assert_int_equal(ign & (1UL << (SIGPIPE - 1)), 0);
	free(want);
	free(cmd);
	free(text);
	free(sig);
	free(fds);
}

static void
test_a_hostile_type_never_reaches_the_shell(void **state)
{
	static const char *const payload[] = {
		"text/x;touch %s/pwned1",
		"text/x$(touch %s/pwned2)",
		"text/x`touch %s/pwned3`",
		"text/x' ; touch %s/pwned4 ; '",
		"text/x\" ; touch %s/pwned5 ; \"",
		"text/x\ntouch %s/pwned6",
	};
	char	*seen = xasprintf("%s/seen", dir), *text, *type, *cmd, *path;
	char	 buf[256];
	FILE	*f;
	size_t	 i, n;
	int	 k;

	(void)state;
	text = xasprintf("text/*; view %%s; test=echo %%t > %s\n", seen);
	for (i = 0; i < sizeof payload / sizeof payload[0]; i++) {
		type = xasprintf(payload[i], dir);
		cmd = chosen(text, type);
		assert_non_null(cmd);
		free(cmd);
		free(type);
		/* The test ran, with the type's harmless bytes only. */
		assert_non_null(f = fopen(seen, "r"));
		n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = '\0';
		(void)fclose(f);
		assert_int_equal(strncmp(buf, "text/xtouch", 11), 0);
		assert_null(strpbrk(buf, ";$`'\" ()"));
	}
	for (k = 1; k <= 6; k++) {
		path = xasprintf("%s/pwned%d", dir, k);
		assert_int_not_equal(access(path, F_OK), 0);
		free(path);
	}
	free(text);
	free(seen);
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
		cmocka_unit_test(test_exact_beats_wildcard),
		cmocka_unit_test(test_a_failing_test_skips_to_the_next_entry),
		cmocka_unit_test(test_a_hanging_test_fails_within_the_limit),
		cmocka_unit_test(test_a_test_gets_no_descriptors_and_default_signals),
		cmocka_unit_test(test_a_hostile_type_never_reaches_the_shell),
		cmocka_unit_test(
		    test_files_in_order_continuations_and_missing_files),
		cmocka_unit_test(
		    test_command_quotes_the_file_and_cleans_the_type),
		cmocka_unit_test(test_safe_names),
		cmocka_unit_test(test_path_from_environment),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
