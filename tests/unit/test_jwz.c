/*
 * test_jwz - JWZ threading (src/mail/jwz.c): the tree, missing parents,
 * subjects, loops and duplicate ids, hostile References.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"

static void
test_thread_basic_tree(void **state)
{
	struct jwz_in	 in[] = {
		{ "a", NULL, NULL, "Topic", 100, 1 },
		{ "b", "a", "a", "Re: Topic", 200, 2 },
		{ "c", "b", "a b", "Re: Topic", 300, 3 },
		{ "d", "a", "a", "Re: Topic", 250, 4 },
		{ "e", NULL, NULL, "Other", 150, 5 },
	};
	struct jwz_out	*out;

	jwz_build(in, 5, &out);
	/* Topic's newest (300) beats Other (150). */
	assert_int_equal(out[0].index, 0);
	assert_int_equal(out[0].depth, 0);
	assert_int_equal(out[1].index, 1);	/* b, older than d */
	assert_int_equal(out[1].depth, 1);
	assert_int_equal(out[2].index, 2);	/* c under b */
	assert_int_equal(out[2].depth, 2);
	assert_int_equal(out[3].index, 3);	/* d */
	assert_int_equal(out[3].depth, 1);
	assert_int_equal(out[4].index, 4);
	assert_string_equal(out[1].tree, "├─>");
	assert_string_equal(out[2].tree, "│ └─>");
	assert_string_equal(out[3].tree, "└─>");
	jwz_out_free(out, 5);
}

static void
test_thread_missing_parent_and_subject(void **state)
{
	/* Two replies to a message we do not have; a subject-only reply. */
	struct jwz_in	 in[] = {
		{ "x1", "gone", "gone", "Re: Lost", 100, 1 },
		{ "x2", "gone", "gone", "Re: Lost", 200, 2 },
		{ "s1", NULL, NULL, "Plans", 50, 3 },
		{ "s2", NULL, NULL, "Re: Plans", 60, 4 },
		{ NULL, NULL, NULL, "", 10, 5 },
	};
	struct jwz_out	*out;
	size_t		 i, seen[5] = { 0 };

	jwz_build(in, 5, &out);
	for (i = 0; i < 5; i++)
		seen[out[i].index]++;
	for (i = 0; i < 5; i++)
		assert_int_equal(seen[i], 1);
	/* The lost parent's replies stay together, at the top. */
	assert_true((out[0].index == 0 && out[1].index == 1) ||
	    (out[0].index == 1 && out[1].index == 0));
	/* "Re: Plans" goes under "Plans". */
	for (i = 0; i < 5; i++)
		if (out[i].index == 2) {
			assert_true(i + 1 < 5);
			assert_int_equal(out[i + 1].index, 3);
			assert_int_equal(out[i + 1].depth, 1);
		}
	jwz_out_free(out, 5);
}

static void
test_thread_loops_and_duplicates(void **state)
{
	struct jwz_in	 in[] = {
		{ "a", "b", "b", "x", 1, 1 },
		{ "b", "a", "a", "y", 2, 2 },
		{ "a", NULL, NULL, "dup", 3, 3 },
		{ "c", "c", "c", "self", 4, 4 },
	};
	struct jwz_out	*out;
	size_t		 i, seen[4] = { 0 };

	jwz_build(in, 4, &out);
	for (i = 0; i < 4; i++)
		seen[out[i].index]++;
	for (i = 0; i < 4; i++)
		assert_int_equal(seen[i], 1);
	jwz_out_free(out, 4);
}

static void
test_thread_hostile_references(void **state)
{
	enum { N = 300 };
	struct jwz_in	*in = xcalloc(N, sizeof *in);
	char		**ids = xcalloc(N, sizeof *ids);
	char		**refs = xcalloc(N, sizeof *refs);
	struct jwz_out	*out;
	size_t		 i, j, len;
	size_t		*seen = xcalloc(N, sizeof *seen);

	/* Each message names 200 made-up ids: a chain 60,000 deep. */
	for (i = 0; i < N; i++) {
		ids[i] = xasprintf("m%zu", i);
		refs[i] = xmalloc(200 * 16);
		len = 0;
		for (j = 0; j < 200; j++)
			len += (size_t)snprintf(refs[i] + len, 16, "<r%zu.%zu> ",
			    i, j);
		in[i].message_id = ids[i];
		in[i].refs = refs[i];
		in[i].in_reply_to = i > 0 ? ids[i - 1] : NULL;
		in[i].subject = "Re: same";
		in[i].date = (int64_t)i;
		in[i].id = (int64_t)i;
	}
	jwz_build(in, N, &out);
	for (i = 0; i < N; i++)
		seen[out[i].index]++;
	for (i = 0; i < N; i++) {
		assert_int_equal(seen[i], 1);
		/* The prefix is bounded whatever the depth. */
		assert_true(strlen(out[i].tree) < 200);
	}
	jwz_out_free(out, N);
	for (i = 0; i < N; i++) {
		free(ids[i]);
		free(refs[i]);
	}
	free(ids);
	free(refs);
	free(in);
	free(seen);
}

static void
test_subject_base_for_threading(void **state)
{
	char	*s;

	s = mail_thread_subject_base("Re: Fwd: [list] R: Aw:  Hello   world "
	    "(fwd)");
	assert_string_equal(s, "Hello world");
	free(s);
	s = mail_thread_subject_base("RE[2]: Perché");
	assert_string_equal(s, "Perché");
	free(s);
	s = mail_thread_subject_base(NULL);
	assert_string_equal(s, "");
	free(s);
	s = mail_thread_subject_base("Rendering");	/* "R" alone is not "R:" */
	assert_string_equal(s, "Rendering");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thread_basic_tree),
		cmocka_unit_test(test_thread_missing_parent_and_subject),
		cmocka_unit_test(test_thread_loops_and_duplicates),
		cmocka_unit_test(test_thread_hostile_references),
		cmocka_unit_test(test_subject_base_for_threading),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
