/*
 * test_corpus.c - every message of the shared corpus parses and renders
 * to terminal-safe text, in bounded time and space.
 *
 * The corpus ($POSTA_SHARED/corpus, else $POSTA_SRCDIR/../shared/corpus)
 * holds about a thousand real messages from other mail parsers' test
 * suites: single files, Maildir files and mbox files, which are split on
 * their "From " lines here. Without it the test is skipped (TAP "1..0").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mail/mail.h"

#define SLOW_SECONDS	10.0	/* per message, generous for sanitizers */

struct msg {
	const char	*path;
	int		 index;		/* message number inside an mbox */
	const char	*data;
	size_t		 len;
};

struct corpus {
	char		**files;	/* file contents, owned */
	char		**paths;
	size_t		 *sizes;
	size_t		  nfiles;
	struct msg	 *msgs;
	size_t		  nmsgs, cap;
	size_t		  bytes;
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *
corpus_dir(void)
{
	const char	*s;

	if ((s = getenv("POSTA_SHARED")) != NULL && *s != '\0')
		return xasprintf("%s/corpus", s);
	if ((s = getenv("POSTA_SRCDIR")) != NULL && *s != '\0')
		return xasprintf("%s/../shared/corpus", s);
	return xstrdup("../shared/corpus");
}

static void
add_msg(struct corpus *c, const char *path, int index, const char *p,
    size_t n)
{
	if (c->nmsgs == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->msgs = xreallocarray(c->msgs, c->cap, sizeof *c->msgs);
	}
	c->msgs[c->nmsgs].path = path;
	c->msgs[c->nmsgs].index = index;
	c->msgs[c->nmsgs].data = p;
	c->msgs[c->nmsgs].len = n;
	c->nmsgs++;
}

/* An mbox (starts with "From ") is split before each "\nFrom " line. */
static void
add_file(struct corpus *c, const char *path, const char *p, size_t n)
{
	const char	*start = p, *q;
	int		 k = 0;

	if (n < 5 || memcmp(p, "From ", 5) != 0) {
		add_msg(c, path, 0, p, n);
		return;
	}
	for (q = p; q + 6 <= p + n; q++) {
		if (q[0] == '\n' && memcmp(q + 1, "From ", 5) == 0) {
			add_msg(c, path, k++, start, (size_t)(q + 1 - start));
			start = q + 1;
		}
	}
	add_msg(c, path, k, start, (size_t)(p + n - start));
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
load_file(struct corpus *c, const char *path)
{
	FILE	*f;
	char	*buf;
	long	 sz;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return;
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return;
	}
	buf = xmalloc((size_t)sz + 1);
	n = fread(buf, 1, (size_t)sz, f);
	fclose(f);
	buf[n] = '\0';
	c->files = xreallocarray(c->files, c->nfiles + 1, sizeof *c->files);
	c->paths = xreallocarray(c->paths, c->nfiles + 1, sizeof *c->paths);
	c->sizes = xreallocarray(c->sizes, c->nfiles + 1, sizeof *c->sizes);
	c->files[c->nfiles] = buf;
	c->sizes[c->nfiles] = n;
	c->paths[c->nfiles] = xstrdup(path);
	c->nfiles++;
	c->bytes += n;
}

/* Every regular file under dir, in a stable order. */
static void
walk(struct corpus *c, const char *dir, int depth)
{
	DIR		*d;
	struct dirent	*e;
	struct stat	 st;
	char		**names = NULL, *path;
	size_t		 n = 0, i;

	if (depth > 16 || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmpstr);
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		if (lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				walk(c, path, depth + 1);
			else if (S_ISREG(st.st_mode))
				load_file(c, path);
		}
		free(path);
		free(names[i]);
	}
	free(names);
}

static int
setup(void **state)
{
	struct corpus	*c = xcalloc(1, sizeof *c);
	char		*dir = corpus_dir();
	size_t		 i;

	walk(c, dir, 0);
	free(dir);
	for (i = 0; i < c->nfiles; i++)
		add_file(c, c->paths[i], c->files[i], c->sizes[i]);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct corpus	*c = *state;
	size_t		 i;

	for (i = 0; i < c->nfiles; i++) {
		free(c->files[i]);
		free(c->paths[i]);
	}
	free(c->files);
	free(c->paths);
	free(c->sizes);
	free(c->msgs);
	free(c);
	return 0;
}

/*
 * Why s is not safe for a terminal, or NULL: invalid UTF-8, a C0 control
 * but newline (and tab when tabs is true), DEL, a C1 control, ESC, or a
 * bidi override.
 */
static const char *
unsafe(const char *s, bool newlines)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), i;

	if (!mail_utf8_valid(s, n))
		return "invalid UTF-8";
	for (i = 0; i < n; i++) {
		if (p[i] == 0x1B)
			return "ESC";
		if (p[i] == '\n' || p[i] == '\t') {
			if (!newlines)
				return "newline or tab in a one-line field";
			continue;
		}
		if (p[i] < 0x20)
			return "C0 control";
		if (p[i] == 0x7F)
			return "DEL";
		if (p[i] == 0xC2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
			return "C1 control";
		if (p[i] == 0xE2 && p[i + 1] == 0x80 && p[i + 2] >= 0xAA &&
		    p[i + 2] <= 0xAE)
			return "bidi override";
		if (p[i] == 0xE2 && p[i + 1] == 0x81 && p[i + 2] >= 0xA6 &&
		    p[i + 2] <= 0xA9)
			return "bidi isolate";
	}
	return NULL;
}

static int
report(const struct msg *m, const char *what, const char *why)
{
	print_message("# FAIL %s (message %d): %s: %s\n", m->path, m->index,
	    what, why);
	return 1;
}

static void
corpus_headers_parse_safely(void **state)
{
	struct corpus		*c = *state;
	struct mail_headers	 h;
	struct perr		 e;
	const char		*why, *f[7];
	size_t			 i, k;
	int			 bad = 0;
	double			 t0 = now(), t;

	for (i = 0; i < c->nmsgs; i++) {
		const struct msg *m = &c->msgs[i];

		t = now();
		if (mail_headers_parse(m->data, m->len, &h, &e) != 0) {
			bad += report(m, "mail_headers_parse", e.msg);
			continue;
		}
		if (now() - t > SLOW_SECONDS)
			bad += report(m, "mail_headers_parse", "too slow");
		f[0] = h.message_id;
		f[1] = h.in_reply_to;
		f[2] = h.references;
		f[3] = h.from_name;
		f[4] = h.from_addr;
		f[5] = h.to;
		f[6] = h.subject;
		for (k = 0; k < 7; k++)
			if (f[k] == NULL)
				bad += report(m, "header", "NULL field");
			else if ((why = unsafe(f[k], false)) != NULL)
				bad += report(m, "header", why);
		if ((why = unsafe(h.cc, false)) != NULL)
			bad += report(m, "cc", why);
		mail_headers_free(&h);
	}
	print_message("# corpus: %zu files, %zu messages, %.1f MB; "
	    "mail_headers_parse took %.2f s\n", c->nfiles, c->nmsgs,
	    c->bytes / 1e6, now() - t0);
	assert_int_equal(bad, 0);
}

static void
corpus_renders_safely(void **state)
{
	struct corpus	*c = *state;
	struct perr	 e;
	char		*out;
	const char	*why;
	size_t		 i, n;
	int		 bad = 0, flags;
	double		 t0 = now(), t;

	for (i = 0; i < c->nmsgs; i++) {
		const struct msg *m = &c->msgs[i];

		/* Alternate the choices so both paths see every kind. */
		for (flags = 0; flags <= MAIL_RENDER_PREFER_HTML;
		    flags += MAIL_RENDER_PREFER_HTML) {
			struct mail_render_opts o = { (unsigned)flags, 0 };

			t = now();
			out = NULL;
			if (mail_render(m->data, m->len, &out, &o, &e) != 0 ||
			    out == NULL) {
				bad += report(m, "mail_render", e.msg);
				continue;
			}
			if (now() - t > SLOW_SECONDS)
				bad += report(m, "mail_render", "too slow");
			n = strlen(out);
			/* The cap, plus the attachment list kept after it. */
			if (n > MAIL_RENDER_MAX + 300 * MAIL_MAX_PARTS)
				bad += report(m, "mail_render", "too long");
			if ((why = unsafe(out, true)) != NULL)
				bad += report(m, "mail_render", why);
			free(out);
		}
	}
	print_message("# corpus: mail_render (plain and HTML preferred) of "
	    "%zu messages took %.2f s\n", c->nmsgs, now() - t0);
	assert_int_equal(bad, 0);
}

static void
corpus_parts_decode(void **state)
{
	struct corpus		*c = *state;
	struct mail_part	*p;
	struct perr		 e;
	char			*bytes;
	size_t			 i, k, np, n;
	int			 bad = 0;
	double			 t0 = now();

	for (i = 0; i < c->nmsgs; i++) {
		const struct msg *m = &c->msgs[i];

		if (mail_attachments(m->data, m->len, &p, &np, &e) != 0) {
			bad += report(m, "mail_attachments", e.msg);
			continue;
		}
		for (k = 0; k < np; k++) {
			if (unsafe(p[k].filename, false) != NULL)
				bad += report(m, "file name", "unsafe");
			if (mail_part_decode(m->data, m->len, p[k].id, &bytes,
			    &n, &e) != 0) {
				bad += report(m, "mail_part_decode", e.msg);
				continue;
			}
			if (n != p[k].size)
				bad += report(m, "mail_part_decode",
				    "size differs from the listing");
			free(bytes);
		}
		mail_parts_free(p, np);
	}
	print_message("# corpus: listing and decoding every part took "
	    "%.2f s\n", now() - t0);
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corpus_headers_parse_safely),
		cmocka_unit_test(corpus_renders_safely),
		cmocka_unit_test(corpus_parts_decode),
	};
	struct stat	 st;
	char		*dir = corpus_dir();

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("1..0 # SKIP no corpus at %s\n", dir);
		free(dir);
		return 0;
	}
	free(dir);
	return cmocka_run_group_tests(tests, setup, teardown);
}
