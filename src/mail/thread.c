/*
 * thread.c - the base subject, for threading messages that have no usable
 * References (after RFC 5256's "base subject", with the reply and forward
 * prefixes of the languages mail is commonly written in).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail.h"

static const char *const prefixes[] = { "re", "fwd", "fw", "r", "i", "aw",
    "sv", "vs", "antw", "wg", "tr", "rif", "odp", "ref", "enc" };

/* Length of a reply/forward prefix at s ("Re:", "RE[2]:", "Fwd :"), or 0. */
static size_t
prefix_len(const char *s)
{
	size_t	i, l, k;

	for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		l = strlen(prefixes[i]);
		if (strncasecmp(s, prefixes[i], l) != 0)
			continue;
		k = l;
		if (s[k] == '[' || s[k] == '(') {	/* "Re[2]:" "Re(2):" */
			char close = s[k] == '[' ? ']' : ')';

			for (k++; isdigit((unsigned char)s[k]); k++)
				;
			if (s[k] != close)
				continue;
			k++;
		} else if (s[k] == '^') {		/* "Re^2:" */
			for (k++; isdigit((unsigned char)s[k]); k++)
				;
		}
		while (s[k] == ' ')
			k++;
		if (s[k] == ':')
			return k + 1;
	}
	return 0;
}

char *
mail_thread_subject_base(const char *subject)
{
	struct mbuf	 b = { 0 };
	const char	*s = subject ? subject : "", *e, *r;
	size_t		 n, k;
	bool		 changed = true, space = false;

	while (changed) {
		changed = false;
		while (*s == ' ' || *s == '\t')
			s++;
		if ((k = prefix_len(s)) > 0) {
			s += k;
			changed = true;
			continue;
		}
		/* "[list] rest": drop the tag unless nothing would be left. */
		if (*s == '[' && (e = strchr(s, ']')) != NULL) {
			for (r = e + 1; *r == ' ' || *r == '\t'; r++)
				;
			if (*r != '\0') {
				s = r;
				changed = true;
			}
		}
	}
	n = strlen(s);
	for (changed = true; changed; ) {
		changed = false;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n >= 5 && strncasecmp(s + n - 5, "(fwd)", 5) == 0) {
			n -= 5;
			changed = true;
		}
	}
	for (k = 0; k < n; k++) {
		if (s[k] == ' ' || s[k] == '\t') {
			space = true;
			continue;
		}
		if (space && b.len > 0)
			mbuf_addc(&b, ' ');
		space = false;
		mbuf_addc(&b, s[k]);
	}
	return mbuf_finish(&b, NULL);
}
