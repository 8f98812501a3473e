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

#define REPLACEMENT	0xFFFDu

/*
 * Decode one UTF-8 sequence at s (n bytes available). Returns its length and
 * sets *cp, or returns 1 with *cp = REPLACEMENT for an invalid, overlong or
 * truncated sequence, so that decoding always makes progress.
 */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t	c;
	size_t		len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		c = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		c = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		*cp = REPLACEMENT;
		return 1;
	}
	if (len > n) {
		*cp = REPLACEMENT;
		return 1;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = REPLACEMENT;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		*cp = REPLACEMENT;
		return 1;
	}
	*cp = c;
	return len;
}

static size_t
utf8_encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

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
	const unsigned char	*s = (const unsigned char *)in;
	char			*out, *o;
	uint32_t		 c;
	size_t			 i = 0, n;

	/* Worst case: every byte becomes a 3-byte U+FFFD. The product is
	 * checked: len comes from the network. */
	out = o = xreallocarray(NULL, len + 1, 3);
	while (i < len) {
		n = utf8_decode(s + i, len - i, &c);
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
		o += utf8_encode(c, o);
	}
	*o = '\0';
	return out;
}

char *
sanitize_line(const char *s)
{
	return sanitize_text(s, strlen(s), false);
}
