/*
 * sanitize.c - the one choke point between untrusted bytes and a terminal.
 *
 * Mail, server replies and file names can carry escape sequences that
 * rewrite the screen, set the window title or reorder text. Everything that
 * is drawn or printed goes through sanitize_text() first.
 */
#include <stdint.h>
#include <string.h>

#include "util/util.h"

/* Characters that must never reach a terminal. */
static int
is_dangerous(uint32_t c)
{
	if (c < 0x20 || c == 0x7F)		/* C0 and DEL (ESC among them) */
		return 1;
	if (c >= 0x80 && c <= 0x9F)		/* C1: CSI, OSC, ... */
		return 1;
	if (c == 0x061C || c == 0x200E || c == 0x200F)	/* bidi marks */
		return 1;
	if (c >= 0x202A && c <= 0x202E)		/* bidi embedding/override */
		return 1;
	if (c >= 0x2066 && c <= 0x2069)		/* bidi isolates */
		return 1;
	if (c == 0x2028 || c == 0x2029)		/* line/paragraph separators */
		return 1;
	if (c >= 0xFFF9 && c <= 0xFFFB)		/* interlinear annotation */
		return 1;
	return 0;
}

char *
sanitize_text(const char *in, size_t len, bool keep_newlines)
{
	char			*out, *o;
	uint32_t		 c;
	size_t			 i = 0, n;

	/* Worst case: every byte becomes a 3-byte U+FFFD. The product is
	 * checked: len comes from the network. */
	out = o = xreallocarray(NULL, len + 1, 3);
	while (i < len) {
		n = utf8_get(in + i, len - i, &c);
		i += n;
		if (c == '\t') {
			*o++ = keep_newlines ? '\t' : ' ';
			continue;
		}
		if (c == '\n') {
			*o++ = keep_newlines ? '\n' : ' ';
			continue;
		}
		if (is_dangerous(c))
			continue;
		o += utf8_put(c, o);
	}
	*o = '\0';
	return out;
}

char *
sanitize_line(const char *s)
{
	return sanitize_text(s, strlen(s), false);
}
