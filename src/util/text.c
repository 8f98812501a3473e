/* text.c - terminal columns and JSON strings for already-sanitised text. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "util/util.h"

/* Decode one UTF-8 character (input is valid: it was sanitised). */
static size_t
next_char(const char *s, uint32_t *cp)
{
	const unsigned char	*u = (const unsigned char *)s;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if ((u[0] & 0xE0) == 0xC0 && u[1] != 0) {
		*cp = ((uint32_t)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
		return 2;
	}
	if ((u[0] & 0xF0) == 0xE0 && u[1] != 0 && u[2] != 0) {
		*cp = ((uint32_t)(u[0] & 0x0F) << 12) |
		    ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
		return 3;
	}
	if ((u[0] & 0xF8) == 0xF0 && u[1] != 0 && u[2] != 0 && u[3] != 0) {
		*cp = ((uint32_t)(u[0] & 0x07) << 18) |
		    ((uint32_t)(u[1] & 0x3F) << 12) |
		    ((uint32_t)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
		return 4;
	}
	*cp = 0xFFFD;
	return 1;
}

static int
char_width(uint32_t cp)
{
	int	w = wcwidth((wchar_t)cp);

	/* Unknown to the locale's table: assume one column. */
	return w < 0 ? 1 : w;
}

int
text_width(const char *s)
{
	uint32_t	cp;
	int		w = 0;

	while (*s != '\0') {
		s += next_char(s, &cp);
		w += char_width(cp);
	}
	return w;
}

char *
text_fit(const char *s, int cols)
{
	char		*out, *o;
	uint32_t	 cp;
	size_t		 n;
	int		 used = 0, w, room;
	bool		 cut = false;

	if (cols < 0)
		cols = 0;
	room = cols;
	if (text_width(s) > cols) {
		cut = true;
		if (cols > 1)
			room = cols - 1;	/* leave a column for '~' */
	}
	/* Each column holds at most 4 bytes; padding is 1 byte a column. */
	out = o = xmalloc(strlen(s) + (size_t)cols + 2);
	while (*s != '\0') {
		n = next_char(s, &cp);
		w = char_width(cp);
		if (used + w > room)
			break;
		memcpy(o, s, n);
		o += n;
		s += n;
		used += w;
	}
	if (cut && cols > 1) {
		while (used < room) {
			*o++ = ' ';
			used++;
		}
		*o++ = '~';
		used++;
	}
	while (used < cols) {
		*o++ = ' ';
		used++;
	}
	*o = '\0';
	return out;
}

static void
append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

void
json_append_string(char **buf, size_t *len, size_t *cap, const char *s)
{
	char	esc[8];

	append(buf, len, cap, "\"", 1);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			append(buf, len, cap, esc, 2);
		} else if (c < 0x20 || c == 0x7F) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			append(buf, len, cap, esc, 6);
		} else
			append(buf, len, cap, s, 1);
	}
	append(buf, len, cap, "\"", 1);
}
