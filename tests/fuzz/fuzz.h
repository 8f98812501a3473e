/*
 * fuzz.h - what every libFuzzer target in tests/fuzz/ shares.
 *
 * Each fuzz_NAME.c defines LLVMFuzzerTestOneInput() and checks its
 * properties with FUZZ_CHECK(), which aborts (a finding for libFuzzer, a
 * failed case for the regression driver regress.c, which replays
 * tests/fuzz/regress/NAME/ in every "make check").
 */
#ifndef POSTA_FUZZ_H
#define POSTA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

/* Is s what may reach a terminal: valid UTF-8, no control byte but
 * newline and tab (lines: not even those), no DEL, no C1? */
static inline int
fuzz_safe(const char *s, int lines)
{
	size_t		 n, i = 0, k;
	uint32_t	 c;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (!mail_utf8_valid(s, n))
		return 0;
	while (i < n) {
		k = utf8_get(s + i, n - i, &c);
		if ((c < 0x20 && !(lines && (c == '\n' || c == '\t'))) ||
		    (c >= 0x7F && c < 0xA0))
			return 0;
		i += k;
	}
	return 1;
}

/* data as a NUL-terminated string (NUL bytes inside kept), malloc'd. */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char	*s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
