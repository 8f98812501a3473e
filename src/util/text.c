/* text.c - terminal columns and JSON strings for already-sanitised text. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "util/util.h"

/* One character of NUL-terminated, already sanitised text. */
static size_t
next_char(const char *s, uint32_t *cp)
{
	size_t	n = 1;

	while (n < 4 && s[n] != '\0')
		n++;
	return utf8_get(s, n, cp);
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

void
text_asciify(char *s)
{
	char	*o = s;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) == 0x80)
			continue;
		*o++ = ((unsigned char)*s & 0x80) ? '?' : *s;
	}
	*o = '\0';
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
