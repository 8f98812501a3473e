/*
 * test_liststatus.c - the STATUS lines of a LIST-STATUS reply reach the
 * mailboxes they name (liststatus.h): thousands of folders, in an order
 * unlike the list's, INBOX in any case, quoted names with escapes, lines
 * that cannot be read left alone; and the index finds each name once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/liststatus.h"

#define NFOLDERS	5000

/* A list of n mailboxes: INBOX, then "F/<i>" (odd ones quoted oddly). */
static void
mailboxes(struct imap_mailboxes *mbs, size_t n)
{
	size_t	i;

	memset(mbs, 0, sizeof *mbs);
	mbs->v = calloc(n, sizeof *mbs->v);
	assert_non_null(mbs->v);
	mbs->n = n;
	mbs->v[0].name = strdup("INBOX");
	for (i = 1; i < n; i++) {
		mbs->v[i].name = malloc(32);
		assert_non_null(mbs->v[i].name);
		snprintf(mbs->v[i].name, 32, i % 7 == 0 ? "F/%zu \"q\"" :
		    "F/%zu", i);
	}
}

static void
mailboxes_free(struct imap_mailboxes *mbs)
{
	size_t	i;

	for (i = 0; i < mbs->n; i++)
		free(mbs->v[i].name);
	free(mbs->v);
}

/* Append s to the growing text *t (length *len). */
static void
put(char **t, size_t *len, const char *s)
{
	size_t	n = strlen(s);

	*t = realloc(*t, *len + n + 1);
	assert_non_null(*t);
	memcpy(*t + *len, s, n + 1);
	*len += n;
}

static void
thousands_of_folders(void **state)
{
	struct imap_mailboxes	 mbs;
	char			*text = NULL, line[256];
	size_t			 len = 0, i, k;

	(void)state;
	mailboxes(&mbs, NFOLDERS);
	/* The reply: LIST and STATUS lines, mailboxes from last to first. */
	for (k = NFOLDERS; k-- > 0; ) {
		if (k == 0)
			snprintf(line, sizeof line, "* LIST () \"/\" inbox\r\n"
			    "* STATUS inbox (MESSAGES 1 UIDNEXT 2 "
			    "UIDVALIDITY 3 UNSEEN 0)\r\n");
		else if (k % 7 == 0)
			snprintf(line, sizeof line, "* STATUS \"F/%zu \\\"q\\\"\" "
			    "(MESSAGES %zu UIDNEXT %zu UIDVALIDITY 9 UNSEEN 1 "
			    "HIGHESTMODSEQ %zu)\r\n", k, k, k + 1,
			    (size_t)1 << 40);
		else if (k % 100 == 3)	/* unreadable: no closing ")" */
			snprintf(line, sizeof line, "* STATUS F/%zu (MESSAGES "
			    "%zu\r\n", k, k);
		else
			snprintf(line, sizeof line, "* LIST () \"/\" F/%zu\r\n"
			    "* STATUS F/%zu (MESSAGES %zu UIDNEXT %zu "
			    "UIDVALIDITY 9 UNSEEN 1)\r\n", k, k, k, k + 1);
		put(&text, &len, line);
	}
	/* A name no mailbox has, and a STATUS inside a LIST line's name. */
	put(&text, &len, "* STATUS Nowhere (MESSAGES 5)\r\n"
	    "* LIST () \"/\" \"* STATUS F/1 (MESSAGES 77)\"\r\n"
	    "A1 OK done\r\n");
	list_status_scan(&mbs, text, len);

	assert_true(mbs.v[0].has_status);
	assert_int_equal(mbs.v[0].st.messages, 1);
	assert_int_equal(mbs.v[0].st.uidnext, 2);
	assert_int_equal(mbs.v[0].st.uidvalidity, 3);
	for (i = 1; i < NFOLDERS; i++) {
		if (i % 100 == 3 && i % 7 != 0) {
			assert_false(mbs.v[i].has_status);
			continue;
		}
		assert_true(mbs.v[i].has_status);
		assert_int_equal(mbs.v[i].st.messages, i);
		assert_int_equal(mbs.v[i].st.uidnext, i + 1);
		assert_int_equal(mbs.v[i].st.uidvalidity, 9);
		assert_int_equal(mbs.v[i].st.unseen, 1);
		assert_true(mbs.v[i].st.highestmodseq ==
		    (i % 7 == 0 ? (uint64_t)1 << 40 : 0));
	}
	free(text);
	mailboxes_free(&mbs);
}

static void
index_finds_each_once(void **state)
{
	struct imap_mailboxes	 mbs;
	struct mbx_index	 ix;
	char			 name[32];
	size_t			 i;

	(void)state;
	mailboxes(&mbs, NFOLDERS);
	mbx_index_build(&ix, &mbs);
	assert_int_equal(ix.n, NFOLDERS);
	for (i = 1; i < NFOLDERS; i++) {
		snprintf(name, sizeof name, i % 7 == 0 ? "F/%zu \"q\"" :
		    "F/%zu", i);
		assert_ptr_equal(mbx_index_find(&ix, name), &mbs.v[i]);
	}
	assert_ptr_equal(mbx_index_find(&ix, "iNbOx"), &mbs.v[0]);
	assert_null(mbx_index_find(&ix, "F/"));
	assert_null(mbx_index_find(&ix, "F/5000"));
	assert_null(mbx_index_find(&ix, "f/1"));	/* only INBOX ignores case */
	mbx_index_free(&ix);

	/* Two of one name: the first in the list's order. */
	free(mbs.v[10].name);
	mbs.v[10].name = strdup("F/20");
	mbx_index_build(&ix, &mbs);
	assert_ptr_equal(mbx_index_find(&ix, "F/20"), &mbs.v[10]);
	mbx_index_free(&ix);
	mailboxes_free(&mbs);

	/* An empty list. */
	memset(&mbs, 0, sizeof mbs);
	mbx_index_build(&ix, &mbs);
	assert_null(mbx_index_find(&ix, "INBOX"));
	mbx_index_free(&ix);
	list_status_scan(&mbs, "* STATUS INBOX (MESSAGES 1)\r\n", 29);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(thousands_of_folders),
		cmocka_unit_test(index_finds_each_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
