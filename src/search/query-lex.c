/*
 * query-lex.c - the bottom floor of the query parser: errors (with the
 * character position), the characters that end a word, and the values
 * of fields (a quoted string or a bare word). It calls no other file of
 * the parser; query.c and query-terms.c call it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/query-int.h"
#include "util/i18n.h"

/* ---- errors ---------------------------------------------------------- */

/* The 1-based character position of byte offset off (q is valid UTF-8). */
size_t
query_column(const struct parser *p, size_t off)
{
	size_t	i, n = 1;

	for (i = 0; i < off && i < p->len; i++)
		if (((unsigned char)p->q[i] & 0xC0) != 0x80)
			n++;
	return n;
}

int
query_fail(struct parser *p, size_t off, const char *fmt, ...)
{
	char	msg[768];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return perr_set(p->err, PERR_SYNTAX, _("search: %zu: %s"),
	    query_column(p, off), msg);
}

/* q[off..off+n) for an error message: cut at 40 bytes, on a character. */
char *
query_quote(const struct parser *p, size_t off, size_t n)
{
	if (n > 40) {
		n = 40;
		while (n > 0 && ((unsigned char)p->q[off + n] & 0xC0) == 0x80)
			n--;
		return xasprintf("%.*s...", (int)n, p->q + off);
	}
	return xstrndup(p->q + off, n);
}

/* ---- characters ------------------------------------------------------ */

bool
query_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Ends a bare word. */
bool
query_is_delim(char c)
{
	return c == '\0' || query_is_space(c) || c == '(' || c == ')' ||
	    c == '"' || c == '{' || c == '}';
}

/* The character at pos, '\0' at the end. */
char
query_peek(const struct parser *p)
{
	return p->pos < p->len ? p->q[p->pos] : '\0';
}

/* ---- values ---------------------------------------------------------- */

/*
 * A quoted string at pos ('"' ... '"', with \" and \\), unquoted into a
 * malloc'd *out; pos moves past the closing quote.
 */
int
query_read_quoted(struct parser *p, char **out)
{
	size_t	open = p->pos, n = 0;
	char	*s = xmalloc(p->len - p->pos + 1);

	p->pos++;
	while (p->pos < p->len && p->q[p->pos] != '"') {
		if (p->q[p->pos] == '\\' && p->pos + 1 < p->len &&
		    (p->q[p->pos + 1] == '"' || p->q[p->pos + 1] == '\\'))
			p->pos++;
		s[n++] = p->q[p->pos++];
	}
	s[n] = '\0';
	if (p->pos >= p->len) {
		free(s);
		return query_fail(p, p->len,
		    _("missing '\"' to close the '\"' at %zu"),
		    query_column(p, open));
	}
	p->pos++;
	*out = s;
	return 0;
}

/* A bare value: up to the next space or bracket. */
char *
query_read_bare(struct parser *p)
{
	size_t	start = p->pos;

	while (!query_is_delim(query_peek(p)))
		p->pos++;
	return xstrndup(p->q + start, p->pos - start);
}

/* The value of a non-text field: a quoted string or a bare value. */
int
query_read_value(struct parser *p, const char *field, char **out)
{
	size_t	start = p->pos;

	if (query_peek(p) == '"') {
		if (query_read_quoted(p, out) == -1)
			return -1;
	} else
		*out = query_read_bare(p);
	if (**out == '\0') {
		free(*out);
		*out = NULL;
		return query_fail(p, start, _("expected a value after '%s:'"), field);
	}
	return 0;
}
