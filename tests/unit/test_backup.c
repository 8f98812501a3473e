/* test_backup.c - mboxrd quoting, Maildir flags and names, path safety. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup.h"

/* Messages that would break a naive mbox, each with its flags. */
static const struct {
	const char	*raw;
	unsigned	 flags;
} tricky[] = {
	{ "Subject: a\n\nFrom here on\n>From quoted\n>>From twice\n",
	    STORE_SEEN },
	{ "Subject: b\r\n\r\nno newline at the end", 0 },
	{ "Subject: c\r\n\r\nFrom crlf\r\n\r\nFrom \r\n", STORE_FLAGGED |
	    STORE_ANSWERED },
	{ "From line first\nSubject: d\n\n\n\n", STORE_DRAFT | STORE_DELETED },
	{ "Status: RO\nSubject: own status\n\nbody\n", STORE_SEEN },
	{ "", 0 },
	{ "X-Status: F\nSubject: own x-status\n\n", STORE_ANSWERED },
	{ "Subject: f\n\n>From\n From x\nFrom\n", STORE_SEEN | STORE_FLAGGED },
};
#define NTRICKY	(sizeof tricky / sizeof tricky[0])

static char *
tmpdir(void)
{
	char	tmpl[] = "/tmp/posta-test-backup.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return strdup(tmpl);
}

static void
rm_rf(const char *path)
{
	char	*cmd = xasprintf("rm -rf -- '%s'", path);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void
mboxrd_round_trips_tricky_messages_byte_for_byte(void **state)
{
	struct backup_mbox	*mb;
	struct perr		 err;
	char			*dir, *path, *raw;
	size_t			 i, len;
	unsigned		 flags;
	FILE			*f;

	(void)state;
	dir = tmpdir();
	path = xasprintf("%s/x.mbox", dir);
	assert_non_null(f = fopen(path, "w"));
	for (i = 0; i < NTRICKY; i++)
		assert_int_equal(backup_mbox_write(f, tricky[i].raw,
		    strlen(tricky[i].raw), "zoe@example.com", 86400 * 365,
		    tricky[i].flags, &err), 0);
	assert_int_equal(fclose(f), 0);

	assert_non_null(mb = backup_mbox_open(path, &err));
	for (i = 0; i < NTRICKY; i++) {
		assert_int_equal(backup_mbox_next(mb, &raw, &len, &flags,
		    &err), 1);
		assert_int_equal(len, strlen(tricky[i].raw));
		assert_memory_equal(raw, tricky[i].raw, len);
		assert_int_equal(flags, tricky[i].flags);
		free(raw);
	}
	assert_int_equal(backup_mbox_next(mb, &raw, &len, &flags, &err), 0);
	backup_mbox_close(mb);
	rm_rf(dir);
	free(path);
	free(dir);
}

static void
mboxrd_quotes_from_lines_in_the_file(void **state)
{
	struct perr	 err;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*f;

	(void)state;
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(backup_mbox_write(f, tricky[0].raw,
	    strlen(tricky[0].raw), "a b@c", 0, STORE_SEEN, &err), 0);
	assert_int_equal(fclose(f), 0);
	/* One "From " line only: the separator. Spaces never reach it. */
	assert_string_equal(buf, "From ab@c Thu Jan  1 00:00:00 1970\n"
	    "Status: RO\nX-Status: \nSubject: a\n\n>From here on\n>>From quoted\n"
	    ">>>From twice\n\n");
	free(buf);
}

static void
mbox_from_another_program_gives_flags_and_messages(void **state)
{
	static const char	 text[] =
	    "From a@b Mon Jan  1 00:00:00 2024\n"
	    "Subject: one\nStatus: RO\nX-Status: F\n\nbody one\n\n"
	    "From c@d Mon Jan  1 00:00:00 2024\n"
	    "Subject: two\n\nbody two\n";
	struct backup_mbox	*mb;
	struct perr		 err;
	char			*dir, *path, *raw;
	size_t			 len;
	unsigned		 flags;
	FILE			*f;

	(void)state;
	dir = tmpdir();
	path = xasprintf("%s/y.mbox", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_non_null(mb = backup_mbox_open(path, &err));
	assert_int_equal(backup_mbox_next(mb, &raw, &len, &flags, &err), 1);
	assert_string_equal(raw, "Subject: one\nStatus: RO\nX-Status: F\n\n"
	    "body one\n");
	assert_int_equal(flags, STORE_SEEN | STORE_FLAGGED);
	free(raw);
	assert_int_equal(backup_mbox_next(mb, &raw, &len, &flags, &err), 1);
	/* The last entry may lack the blank line: only one "\n" goes. */
	assert_string_equal(raw, "Subject: two\n\nbody two");
	assert_int_equal(flags, 0);
	free(raw);
	assert_int_equal(backup_mbox_next(mb, &raw, &len, &flags, &err), 0);
	backup_mbox_close(mb);
	rm_rf(dir);
	free(path);
	free(dir);
}

static void
mbox_that_is_not_an_mbox_is_refused(void **state)
{
	struct backup_mbox	*mb;
	struct perr		 err;
	char			*dir, *path, *raw;
	size_t			 len;
	unsigned		 flags;
	FILE			*f;

	(void)state;
	dir = tmpdir();
	path = xasprintf("%s/z", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs("Subject: no separator\n\nhi\n", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_non_null(mb = backup_mbox_open(path, &err));
	assert_int_equal(backup_mbox_next(mb, &raw, &len, &flags, &err), -1);
	assert_non_null(strstr(err.msg, "not an mbox"));
	backup_mbox_close(mb);
	assert_null(backup_mbox_open("/nonexistent/posta.mbox", &err));
	assert_int_equal(err.code, PERR_NOTFOUND);
	rm_rf(dir);
	free(path);
	free(dir);
}

static void
maildir_info_letters_are_sorted_and_parsed_back(void **state)
{
	char		info[8];
	unsigned	all = STORE_SEEN | STORE_ANSWERED | STORE_FLAGGED |
	    STORE_DRAFT | STORE_DELETED, f;

	(void)state;
	backup_maildir_info(all, info);
	assert_string_equal(info, "DFRST");
	backup_maildir_info(0, info);
	assert_string_equal(info, "");
	backup_maildir_info(STORE_SEEN | STORE_FLAGGED, info);
	assert_string_equal(info, "FS");
	for (f = 0; f <= all; f++) {
		char name[64];

		if ((f & ~all) != 0)
			continue;
		backup_maildir_info(f, info);
		snprintf(name, sizeof name, "cur/123.M1P2.host:2,%s", info);
		assert_int_equal(backup_maildir_flags(name), f);
	}
	assert_int_equal(backup_maildir_flags("new/123.M1P2.host"), 0);
	/* A ':' in the host part before the info does not confuse it. */
	assert_int_equal(backup_maildir_flags("1.M2.h\\072x:2,S"), STORE_SEEN);
}

static void
maildir_round_trips_and_never_reuses_a_name(void **state)
{
	struct backup_maildir	*md;
	struct perr		 err;
	char			*dir, *md_dir, *raw;
	size_t			 i, len, n = 0;
	unsigned		 flags;
	DIR			*d;
	struct dirent		*de;

	(void)state;
	dir = tmpdir();
	md_dir = xasprintf("%s/a/b/maildir", dir);
	assert_int_equal(backup_maildir_create(md_dir, &err), 0);
	for (i = 0; i < NTRICKY; i++)
		/* The same sequence number every time: names must differ. */
		assert_int_equal(backup_maildir_write(md_dir, tricky[i].raw,
		    strlen(tricky[i].raw), tricky[i].flags, 7, &err), 0);
	assert_non_null(md = backup_maildir_open(md_dir, &err));
	while (backup_maildir_next(md, &raw, &len, &flags, &err) == 1) {
		for (i = 0; i < NTRICKY; i++)
			if (len == strlen(tricky[i].raw) &&
			    memcmp(raw, tricky[i].raw, len) == 0 &&
			    flags == tricky[i].flags)
				break;
		assert_true(i < NTRICKY);
		free(raw);
		n++;
	}
	assert_int_equal(n, NTRICKY);
	backup_maildir_close(md);
	/* tmp/ is left empty. */
	raw = xasprintf("%s/tmp", md_dir);
	assert_non_null(d = opendir(raw));
	while ((de = readdir(d)) != NULL)
		assert_true(de->d_name[0] == '.');
	closedir(d);
	free(raw);
	rm_rf(dir);
	free(md_dir);
	free(dir);
}

static void
maildir_import_skips_symlinks_and_dot_files(void **state)
{
	struct backup_maildir	*md;
	struct perr		 err;
	char			*dir, *p, *raw;
	size_t			 len;
	unsigned		 flags;
	FILE			*f;

	(void)state;
	dir = tmpdir();
	assert_int_equal(backup_maildir_create(dir, &err), 0);
	p = xasprintf("%s/cur/link:2,S", dir);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	free(p);
	p = xasprintf("%s/new/.hidden", dir);
	assert_non_null(f = fopen(p, "w"));
	fclose(f);
	free(p);
	p = xasprintf("%s/new/1.real", dir);
	assert_non_null(f = fopen(p, "w"));
	fputs("Subject: real\n\nx\n", f);
	fclose(f);
	free(p);
	assert_non_null(md = backup_maildir_open(dir, &err));
	assert_int_equal(backup_maildir_next(md, &raw, &len, &flags, &err), 1);
	assert_string_equal(raw, "Subject: real\n\nx\n");
	assert_int_equal(flags, 0);
	free(raw);
	assert_int_equal(backup_maildir_next(md, &raw, &len, &flags, &err), 0);
	backup_maildir_close(md);
	assert_null(backup_maildir_open("/nonexistent/posta-md", &err));
	rm_rf(dir);
	free(dir);
}

static void
folder_names_never_leave_the_target_directory(void **state)
{
	static const char	*const names[] = { "../../etc", "..", ".",
	    "/etc/passwd", "a/b", "a\\b", "", "%2E", ".hidden", "x\n/y",
	    "INBOX", "Posta inviata" };
	char			*s, *t;
	size_t			 i, j;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		s = backup_safe_name(names[i]);
		assert_true(*s != '\0');
		assert_true(s[0] != '.');
		assert_null(strchr(s, '/'));
		assert_null(strchr(s, '\\'));
		for (j = 0; s[j] != '\0'; j++)
			assert_true((unsigned char)s[j] >= 0x20);
		/* Different folders, different entries. */
		for (j = 0; j < i; j++) {
			t = backup_safe_name(names[j]);
			assert_string_not_equal(s, t);
			free(t);
		}
		free(s);
	}
	s = backup_safe_name("../../etc");
	assert_string_equal(s, "%2E.%2F..%2Fetc");
	free(s);
	s = backup_safe_name("INBOX");
	assert_string_equal(s, "INBOX");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mboxrd_round_trips_tricky_messages_byte_for_byte),
		cmocka_unit_test(mboxrd_quotes_from_lines_in_the_file),
		cmocka_unit_test(mbox_from_another_program_gives_flags_and_messages),
		cmocka_unit_test(mbox_that_is_not_an_mbox_is_refused),
		cmocka_unit_test(maildir_info_letters_are_sorted_and_parsed_back),
		cmocka_unit_test(maildir_round_trips_and_never_reuses_a_name),
		cmocka_unit_test(maildir_import_skips_symlinks_and_dot_files),
		cmocka_unit_test(folder_names_never_leave_the_target_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
