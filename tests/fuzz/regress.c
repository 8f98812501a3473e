/*
 * regress.c - replay tests/fuzz/regress/TARGET/ through one fuzz target,
 * in every "make check" (normal and sanitizer builds), as TAP: one case
 * per file. These are the inputs that found bugs, kept small; the big
 * hostile messages are generated at test time by tests/unit/test_mail.c.
 * A crash or a failed property aborts, and the TAP plan is not met.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET names the target"
#endif

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The bytes of path, malloc'd, or NULL. */
static uint8_t *
slurp(const char *path, size_t *n)
{
	FILE	*f = fopen(path, "rb");
	uint8_t	*b = NULL;
	long	 len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)len + 1)) &&
	    fread(b, 1, (size_t)len, f) == (size_t)len)
		*n = (size_t)len;
	else {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

int
main(void)
{
	const char	*src = getenv("POSTA_SRCDIR");
	char		*dir, **v = NULL, *path;
	struct dirent	*d;
	DIR		*dp;
	size_t		 n = 0, i, len;
	uint8_t		*b;

	dir = xasprintf("%s/tests/fuzz/regress/%s", src ? src : ".",
	    FUZZ_TARGET);
	if ((dp = opendir(dir)) == NULL) {
		printf("1..0 # SKIP %s: %s\n", dir, strerror(errno));
		return 0;
	}
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = xstrdup(d->d_name);
	}
	closedir(dp);
	qsort(v, n, sizeof *v, cmp);
	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, v[i]);
		len = 0;
		if ((b = slurp(path, &len)) == NULL)
			printf("not ok %zu - %s: cannot read\n", i + 1, v[i]);
		else {
			(void)LLVMFuzzerTestOneInput(b, len);
			printf("ok %zu - %s %s\n", i + 1, FUZZ_TARGET, v[i]);
		}
		fflush(stdout);
		free(b);
		free(path);
		free(v[i]);
	}
	free(v);
	free(dir);
	return 0;
}
