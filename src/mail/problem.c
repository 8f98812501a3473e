/*
 * problem.c - the stored problem sentences in the reader's language
 * (problem.h).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"
#include "mail/problem.h"
#include "util/util.h"

/* A tenth where whole ones would say "64 MB, larger than 64 MB". */
static int
mb_digits(double mb)
{
	return mb < (double)(MAIL_MSG_MAX >> 20) + 0.5 ? 1 : 0;
}

char *
problem_too_big(int64_t size)
{
	double	mb = (double)size / (1 << 20);

	return xasprintf(PROBLEM_TOO_BIG, mb_digits(mb), mb,
	    (size_t)(MAIL_MSG_MAX >> 20));
}

/*
 * The server's words in a PROBLEM_REFUSED or PROBLEM_BODY_REFUSED (fmt)
 * stored as s: what stands between the sentence's text before and after
 * its %s, or NULL when s is not that sentence (malloc'd).
 */
static char *
refused_words(const char *s, const char *fmt)
{
	const char	*hole = strstr(fmt, "%s"), *tail;
	size_t		 head, n = strlen(s), tn;

	if (hole == NULL)
		return NULL;
	head = (size_t)(hole - fmt);
	tail = hole + 2;
	tn = strlen(tail);
	if (n < head + tn || strncmp(s, fmt, head) != 0 ||
	    strcmp(s + n - tn, tail) != 0)
		return NULL;
	return xstrndup(s + head, n - head - tn);
}

char *
problem_words(const char *s)
{
	static const char *const fixed[] = { PROBLEM_RAW, PROBLEM_LOST,
	    PROBLEM_BODY, MAIL_PROBLEM_COMPLEX };
	long long	 announced;
	double		 mb;
	size_t		 i, max;
	int		 used = 0;
	char		*why;

	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (strcmp(s, fixed[i]) == 0)
			return xstrdup(_(fixed[i]));
	if ((why = refused_words(s, PROBLEM_REFUSED)) != NULL) {
		char *out = xasprintf(_(PROBLEM_REFUSED), why);

		free(why);
		return out;
	}
	if ((why = refused_words(s, PROBLEM_BODY_REFUSED)) != NULL) {
		char *out = xasprintf(_(PROBLEM_BODY_REFUSED), why);

		free(why);
		return out;
	}
	if (sscanf(s, "the server announced this message as %lld bytes but "
	    "sent %lf MB, more than the %zu MB posta downloads; its body was "
	    "not kept%n", &announced, &mb, &max, &used) == 3 &&
	    s[used] == '\0')
		return xasprintf(_(PROBLEM_SIZE_LIE), announced, mb, max);
	used = 0;
	if (sscanf(s, "this message is %lf MB, larger than the %zu MB posta "
	    "downloads; its body was not downloaded%n", &mb, &max, &used) ==
	    2 && s[used] == '\0')
		return xasprintf(_(PROBLEM_TOO_BIG), mb_digits(mb), mb, max);
	return xstrdup(s);
}
