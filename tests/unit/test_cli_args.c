/*
 * test_cli_args.c - the command line's one argument parser
 * (ui/cli/cli-args.c): every option kind, "--name=VALUE", a missing value,
 * an unknown option, a number out of range, a bad id, options that exclude
 * each other, "--" ending options, "--help", too many and too few operands,
 * and the two modes (options in order only; "-word" operands).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli-args.h"

static const struct arg_opt opts[] = {
	{ .name = "account", .letter = 'a', .kind = ARG_VALUE },
	{ .name = "json", .kind = ARG_FLAG },
	{ .letter = 'q', .kind = ARG_FLAG },
	{ .name = "limit", .kind = ARG_NUMBER, .min = 0, .max = 100 },
	{ .name = "reply", .kind = ARG_ID },
	{ .letter = 'A', .kind = ARG_VALUE },
	{ .name = "mbox", .kind = ARG_VALUE, .group = 1 },
	{ .name = "maildir", .kind = ARG_VALUE, .group = 1 },
	{ 0 }
};
static const struct args_spec spec = { opts, 0, 2, 0 };

/* Parse the NULL-terminated words; the cause (or NULL) goes to *cause. */
static int
parse(const struct args_spec *sp, struct args *a, char **cause, ...)
{
	char	*words[32];
	int	 n = 0;
	va_list	 ap;

	va_start(ap, cause);
	while (n < 31 && (words[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	words[n] = NULL;
	/* argv must outlive a: these are string literals. */
	return args_parse("test", sp, n, words, a, cause);
}

static void
every_kind_is_read(void **state)
{
	struct args	 a;
	char		*cause;
	const char	*v;
	int		 i = 0;

	(void)state;
	assert_int_equal(parse(&spec, &a, &cause, "-a", "work", "F1", "--json",
	    "-q", "--limit", "7", "--reply=42", "-A", "x", "-A", "y", "F2",
	    NULL), 0);
	assert_null(cause);
	assert_string_equal(args_get(&a, "account"), "work");
	assert_true(args_has(&a, "json"));
	assert_true(args_has(&a, "q"));
	assert_false(args_has(&a, "mbox"));
	assert_null(args_get(&a, "mbox"));
	assert_int_equal(args_number(&a, "limit", -1), 7);
	assert_int_equal(args_number(&a, "reply", 0), 42);
	assert_int_equal(args_number(&a, "mbox", -5), -5);
	v = args_next(&a, "A", &i);
	assert_string_equal(v, "x");
	v = args_next(&a, "A", &i);
	assert_string_equal(v, "y");
	assert_null(args_next(&a, "A", &i));
	assert_int_equal(a.argc, 2);
	assert_string_equal(a.argv[0], "F1");
	assert_string_equal(a.argv[1], "F2");
	assert_false(a.help);
	args_free(&a);

	/* The last one given wins; the long spelling of -a too. */
	assert_int_equal(parse(&spec, &a, &cause, "-a", "one", "--account",
	    "two", NULL), 0);
	assert_string_equal(args_get(&a, "account"), "two");
	args_free(&a);
}

static void
errors_name_the_command_and_the_option(void **state)
{
	struct args	 a;
	char		*cause;

	(void)state;
	assert_int_equal(parse(&spec, &a, &cause, "-a", NULL), -1);
	assert_string_equal(cause, "test: the option -a needs a value");
	free(cause);
	assert_int_equal(parse(&spec, &a, &cause, "--nope", NULL), -1);
	assert_string_equal(cause, "test: unknown option '--nope'");
	free(cause);
	assert_int_equal(parse(&spec, &a, &cause, "-x", NULL), -1);
	assert_string_equal(cause, "test: unknown option '-x'");
	free(cause);
	/* No bundling, no attached value: -qa is no option. */
	assert_int_equal(parse(&spec, &a, &cause, "-qa", NULL), -1);
	assert_string_equal(cause, "test: unknown option '-qa'");
	free(cause);
	assert_int_equal(parse(&spec, &a, &cause, "--limit", "101", NULL), -1);
	assert_string_equal(cause, "test: the option --limit takes a number "
	    "from 0 to 100, not '101'");
	free(cause);
	assert_int_equal(parse(&spec, &a, &cause, "--limit", "-1", NULL), -1);
	assert_non_null(strstr(cause, "not '-1'"));
	free(cause);
	assert_int_equal(parse(&spec, &a, &cause, "--limit", "7x", NULL), -1);
	assert_non_null(strstr(cause, "not '7x'"));
	free(cause);
	assert_int_equal(parse(&spec, &a, &cause, "--limit", "", NULL), -1);
	free(cause);
	assert_int_equal(parse(&spec, &a, &cause, "--limit",
	    "99999999999999999999999", NULL), -1);
	free(cause);
	assert_int_equal(parse(&spec, &a, &cause, "--reply", "0", NULL), -1);
	assert_non_null(strstr(cause, "test: the option --reply takes an id"));
	free(cause);
	assert_int_equal(parse(&spec, &a, &cause, "--json=1", NULL), -1);
	assert_string_equal(cause, "test: the option --json takes no value");
	free(cause);
	assert_int_equal(parse(&spec, &a, &cause, "--mbox", "f", "--maildir",
	    "d", NULL), -1);
	assert_string_equal(cause, "test: the options --mbox and --maildir "
	    "cannot be given together");
	free(cause);
	assert_int_equal(parse(&spec, &a, &cause, "--mbox", "f", "--mbox",
	    "g", NULL), -1);
	assert_string_equal(cause, "test: the option --mbox can be given only "
	    "once");
	free(cause);
	/* After a failure the struct holds nothing to free. */
	assert_null(a.values);
	assert_null(a.argv);
}

static void
operands_are_counted(void **state)
{
	static const struct args_spec	two = { opts, 2, 3, 0 };
	struct args			a;
	char				*cause;

	(void)state;
	assert_int_equal(parse(&two, &a, &cause, "x", NULL), -1);
	assert_string_equal(cause, "test: expected at least 2 arguments");
	free(cause);
	assert_int_equal(parse(&two, &a, &cause, "w", "x", "y", "z", NULL), -1);
	assert_string_equal(cause, "test: unexpected argument 'z'");
	free(cause);
	assert_int_equal(parse(&two, &a, &cause, "w", "x", "y", NULL), 0);
	assert_int_equal(a.argc, 3);
	args_free(&a);
	/* "-" is an operand (standard input), not an option. */
	assert_int_equal(parse(&two, &a, &cause, "-", "x", NULL), 0);
	assert_string_equal(a.argv[0], "-");
	args_free(&a);
}

static void
double_dash_ends_options(void **state)
{
	struct args	 a;
	char		*cause;

	(void)state;
	assert_int_equal(parse(&spec, &a, &cause, "--json", "--", "--limit",
	    "-a", NULL), 0);
	assert_true(args_has(&a, "json"));
	assert_false(args_has(&a, "limit"));
	assert_int_equal(a.argc, 2);
	assert_string_equal(a.argv[0], "--limit");
	assert_string_equal(a.argv[1], "-a");
	args_free(&a);
	/* A second "--" is an operand. */
	assert_int_equal(parse(&spec, &a, &cause, "--", "--", NULL), 0);
	assert_int_equal(a.argc, 1);
	assert_string_equal(a.argv[0], "--");
	args_free(&a);
}

static void
help_stops_parsing(void **state)
{
	static const struct args_spec	one = { opts, 1, 1, 0 };
	struct args			a;
	char				*cause;

	(void)state;
	/* Too few operands, and a bad option after: --help still wins. */
	assert_int_equal(parse(&one, &a, &cause, "--json", "--help", "--nope",
	    NULL), 0);
	assert_true(a.help);
	args_free(&a);
	/* As an operand after "--" it is a word like any other. */
	assert_int_equal(parse(&one, &a, &cause, "--", "--help", NULL), 0);
	assert_false(a.help);
	assert_string_equal(a.argv[0], "--help");
	args_free(&a);
}

static void
modes_in_order_and_dash_words(void **state)
{
	static const struct args_spec	in_order = { opts, 0, -1,
					    ARGS_IN_ORDER };
	static const struct args_spec	words = { opts, 0, -1,
					    ARGS_IN_ORDER | ARGS_DASH_WORDS };
	static const struct args_spec	any = { opts, 0, -1,
					    ARGS_DASH_WORDS };
	struct args			a;
	char				*cause;

	(void)state;
	/* In order: an option after the first operand is an operand. */
	assert_int_equal(parse(&in_order, &a, &cause, "-q", "x", "--json",
	    NULL), 0);
	assert_true(args_has(&a, "q"));
	assert_false(args_has(&a, "json"));
	assert_int_equal(a.argc, 2);
	assert_string_equal(a.argv[1], "--json");
	args_free(&a);
	/* Mixed (the default): it is an option wherever it stands. */
	assert_int_equal(parse(&spec, &a, &cause, "x", "--json", NULL), 0);
	assert_true(args_has(&a, "json"));
	assert_int_equal(a.argc, 1);
	args_free(&a);
	/* Dash words: "-seen" is no option, so an operand... */
	assert_int_equal(parse(&any, &a, &cause, "1", "-seen", "-a", "w",
	    "+flagged", NULL), 0);
	assert_int_equal(a.argc, 3);
	assert_string_equal(a.argv[1], "-seen");
	assert_string_equal(args_get(&a, "account"), "w");
	args_free(&a);
	/* ... and in order, it ends the options as any operand does. */
	assert_int_equal(parse(&words, &a, &cause, "--json", "-from:x",
	    "--limit", "3", NULL), 0);
	assert_true(args_has(&a, "json"));
	assert_false(args_has(&a, "limit"));
	assert_int_equal(a.argc, 3);
	args_free(&a);
	/* "--word" is still an option, known or not. */
	assert_int_equal(parse(&any, &a, &cause, "--nope", NULL), -1);
	assert_string_equal(cause, "test: unknown option '--nope'");
	free(cause);
}

static void
ids_are_decimals_above_zero(void **state)
{
	int64_t	id = -1;

	(void)state;
	assert_int_equal(args_id("17", &id), 0);
	assert_int_equal(id, 17);
	assert_int_equal(args_id("9223372036854775807", &id), 0);
	assert_int_equal(args_id("0", &id), -1);
	assert_int_equal(args_id("-3", &id), -1);
	assert_int_equal(args_id("", &id), -1);
	assert_int_equal(args_id("12a", &id), -1);
	assert_int_equal(args_id("9223372036854775808", &id), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_is_read),
		cmocka_unit_test(errors_name_the_command_and_the_option),
		cmocka_unit_test(operands_are_counted),
		cmocka_unit_test(double_dash_ends_options),
		cmocka_unit_test(help_stops_parsing),
		cmocka_unit_test(modes_in_order_and_dash_words),
		cmocka_unit_test(ids_are_decimals_above_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
