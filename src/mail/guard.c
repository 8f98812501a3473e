/*
 * guard.c - what libetpan must not see: nesting it would recurse on past
 * the stack, and nesting it would rescan a message for.
 *
 * libetpan 1.9.4 recurses once per comment parenthesis (src/low-level/imf/
 * mailimf.c: comment -> ccontent -> comment) and once per multipart or
 * message/rfc822 container (mailmime_content.c), with no limit, and each
 * multipart scans its whole region for boundaries, so nested multiparts
 * cost depth x size. mime_guard() edits the private copy mime_open() parses
 * so that neither can happen. It does not need to know the MIME structure:
 * every count below is an upper bound of what libetpan can see, whatever
 * the structure turns out to be.
 *
 * Comments: a comment can start at any '(' and, inside it, libetpan takes
 * "\" and the next byte as a quoted pair (so "\)" does not close, and
 * "\<LF>" does not end the line); it cannot go on past a NUL or a line
 * break that is not folding white space. The count below adds 1 at every
 * '(' (escaped or not: some parse may start the comment there), subtracts
 * 1 at every ')' not escaped, and starts again at 0 only where no comment
 * can go on. A '(' past MAX_PAREN becomes a space.
 *
 * Containers: a part is a container only through a field libetpan parses
 * as Content-Type, whose name starts exactly where its field does; so
 * every place that libetpan could take for a container holds the letters
 * "content-type". Each occurrence followed by ":" has its value read by
 * libetpan's own mailmime_content_parse() (RFC 2047 words decoded first,
 * as mailmime_field_parse() does) and counts when libetpan would recurse
 * on it: multipart with a boundary, message/rfc822. An occurrence followed
 * by a comment or a line break (a field name with CFWS before its colon)
 * counts as a multipart without looking. Beyond MAX_CONTAINERS, or once
 * the multiparts' regions (each at most the rest of the message) add up to
 * more than WORK_PER_BYTE times the message plus WORK_MIN, the field is
 * renamed "Xontent-Type" and its part becomes a leaf. A part with no
 * Content-Type in a multipart/digest is a message/rfc822 libetpan recurses
 * on uncounted, but only under a counted multipart, so the depth stays
 * under twice MAX_CONTAINERS. Ordinary mail never comes near any limit.
 */
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "mail/mail.h"

#define MAX_PAREN	 256
#define MAX_CONTAINERS	 512
#define WORK_PER_BYTE	 16
#define WORK_MIN	 (8u << 20)
#define MAX_NESTED	 4	/* occurrences re-read inside one field */

static const char ct_name[] = "content-type";
#define CT_LEN		(sizeof ct_name - 1)

size_t
mime_guard_parens(char *s, size_t n, size_t max, bool *cut)
{
	size_t	i, c = 0, top = 0;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\':
			/* A quoted pair; a '(' after it still counts. */
			if (i + 1 < n && s[i + 1] != '(')
				i++;
			break;
		case '(':
			if (cut != NULL && c >= max) {
				s[i] = ' ';
				*cut = true;
			} else if (++c > top)
				top = c;
			break;
		case ')':
			if (c > 0)
				c--;
			break;
		case '\0':
			c = 0;
			break;
		case '\r':
			if (i + 1 < n && s[i + 1] == '\n')
				break;		/* the LF decides */
			c = 0;
			break;
		case '\n':
			if (i + 1 < n && (s[i + 1] == ' ' || s[i + 1] == '\t'))
				break;		/* folding white space */
			c = 0;
			break;
		}
	}
	return top;
}

enum kind { NONE, MESSAGE, MULTIPART };

struct cguard {
	char		*s;
	size_t		 n;
	size_t		 count;		/* containers left armed */
	uint64_t	 work, budget;	/* bytes libetpan may scan */
	size_t		 lf;		/* the last field end found */
	size_t		 field_end;	/* of the previous occurrence */
	unsigned	 nested;	/* occurrences within that field */
	bool		 cut;
};

static bool
at_ci(const char *s, size_t n, const char *w, size_t wl)
{
	size_t	i;
	char	c;

	if (n < wl)
		return false;
	for (i = 0; i < wl; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[i])
			return false;
	}
	return true;
}

/* Where the unstructured value starting at v ends: at the first line
 * feed not followed by folding white space (or the end). Field ends are
 * asked for in increasing order, so one forward scan serves them all. */
static size_t
field_end(struct cguard *g, size_t v)
{
	size_t	i;

	if (g->lf >= v && g->lf != 0)
		return g->lf;
	for (i = v; i < g->n; i++)
		if (g->s[i] == '\n' && (i + 1 >= g->n ||
		    (g->s[i + 1] != ' ' && g->s[i + 1] != '\t')))
			break;
	g->lf = i;
	return i;
}

/* What libetpan makes of a Content-Type value (a NUL-terminated copy). */
static enum kind
classify(const char *value, bool *deep)
{
	struct mailmime_content	*ct = NULL;
	const char		*v = value;
	char			*decoded = NULL, *b;
	size_t			 idx = 0;
	enum kind		 k = NONE;

	*deep = false;
	/* mailmime_field_parse() decodes RFC 2047 words before parsing,
	 * and they can hold parentheses the raw bytes do not show. */
	if (strstr(value, "=?") != NULL &&
	    mailmime_encoded_phrase_parse("us-ascii", value, strlen(value),
	    &idx, "utf-8", &decoded) == MAILIMF_NO_ERROR && decoded != NULL) {
		if (mime_guard_parens(decoded, strlen(decoded), MAX_PAREN,
		    NULL) >= MAX_PAREN) {
			*deep = true;
			free(decoded);
			return MULTIPART;
		}
		v = decoded;
	}
	idx = 0;
	if (mailmime_content_parse(v, strlen(v), &idx, &ct) ==
	    MAILIMF_NO_ERROR && ct != NULL && ct->ct_type != NULL &&
	    ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
	    ct->ct_type->tp_data.tp_composite_type != NULL) {
		switch (ct->ct_type->tp_data.tp_composite_type->ct_type) {
		case MAILMIME_COMPOSITE_TYPE_MULTIPART:
			if ((b = mailmime_extract_boundary(ct)) != NULL) {
				k = MULTIPART;
				free(b);
			}
			break;
		case MAILMIME_COMPOSITE_TYPE_MESSAGE:
			if (ct->ct_subtype != NULL &&
			    strcasecmp(ct->ct_subtype, "rfc822") == 0)
				k = MESSAGE;
			break;
		}
	}
	if (ct != NULL)
		mailmime_content_free(ct);
	free(decoded);
	return k;
}

/* What libetpan could make of the occurrence of "content-type" at p. */
static enum kind
occurrence(struct cguard *g, size_t p, bool *deep)
{
	size_t		 q = p + CT_LEN, e, len;
	char		*value;
	enum kind	 k;

	*deep = false;
	while (q < g->n && (g->s[q] == ' ' || g->s[q] == '\t'))
		q++;
	if (q >= g->n)
		return NONE;
	if (g->s[q] == '(' || g->s[q] == '\r' || g->s[q] == '\n')
		return MULTIPART;	/* CFWS before the colon: assume */
	if (g->s[q] != ':')
		return NONE;		/* not a field */
	q++;
	while (q < g->n && (g->s[q] == ' ' || g->s[q] == '\t'))
		q++;
	e = field_end(g, q);
	/* "Content-Type: Content-Type: ..." re-reads one value: a few
	 * times at most, then assume, so that the work stays linear. */
	if (e == g->field_end) {
		if (++g->nested > MAX_NESTED)
			return MULTIPART;
	} else {
		g->field_end = e;
		g->nested = 0;
	}
	if (e > q && g->s[e - 1] == '\r')
		e--;
	len = strnlen(g->s + q, e - q);	/* libetpan copies up to a NUL */
	value = xstrndup(g->s + q, len);
	k = classify(value, deep);
	free(value);
	return k;
}

static void
containers(struct cguard *g)
{
	enum kind	k;
	size_t		p;
	bool		deep;

	for (p = 0; p + CT_LEN <= g->n; p++) {
		if ((g->s[p] != 'c' && g->s[p] != 'C') ||
		    !at_ci(g->s + p, g->n - p, ct_name, CT_LEN))
			continue;
		if ((k = occurrence(g, p, &deep)) == NONE)
			continue;
		if (!deep && g->count < MAX_CONTAINERS && (k == MESSAGE ||
		    g->work + (g->n - p) <= g->budget)) {
			g->count++;
			if (k == MULTIPART)
				g->work += g->n - p;
			continue;
		}
		g->s[p] = 'X';		/* "Xontent-Type": a leaf */
		g->cut = true;
	}
}

bool
mime_guard(char *s, size_t n)
{
	struct cguard	g;
	bool		cut = false;

	/* Comments first: the values read below go through libetpan. */
	(void)mime_guard_parens(s, n, MAX_PAREN, &cut);
	memset(&g, 0, sizeof g);
	g.s = s;
	g.n = n;
	g.budget = (uint64_t)n * WORK_PER_BYTE + WORK_MIN;
	g.field_end = (size_t)-1;
	containers(&g);
	return cut || g.cut;
}
