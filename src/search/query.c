/*
 * query.c - posta's query language, parsed by recursive descent.
 *
 *   query   := or EOF
 *   or      := and ("OR" and)*
 *   and     := unary (["AND"] unary)*
 *   unary   := ("NOT" | "-") unary | primary
 *   primary := "(" or ")" | "\"phrase\"" ["*"] | word ["*"]
 *            | field ":" value
 *
 * AND, OR and NOT are operators only in capitals (as in Gmail), so "or"
 * and "not" stay words. A field is letters, a colon and a value with no
 * space after the colon; unknown letters before a colon are an error
 * rather than a silent word, so a typo ("form:rossi") is not a search
 * for "form rossi". Text fields take a word, a phrase or a parenthesised
 * group whose words all go to that field: subject:(fattura OR invoice).
 *
 * Recursion is bounded by SEARCH_MAX_DEPTH (every "(", "{", NOT, "-" and
 * thread: counts), work by SEARCH_MAX_LEN and SEARCH_MAX_TERMS, so ten
 * thousand "(" cost a depth error at the 33rd, not a stack.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "search/search.h"

struct parser {
	const char	*q;
	size_t		 len;
	size_t		 pos;		/* byte offset into q */
	int64_t		 now;
	int		 depth;
	int		 terms;
	struct perr	*err;
};

/* ---- errors ---------------------------------------------------------- */

/* The 1-based character position of byte offset off (q is valid UTF-8). */
static size_t
column(const struct parser *p, size_t off)
{
	size_t	i, n = 1;

	for (i = 0; i < off && i < p->len; i++)
		if (((unsigned char)p->q[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static int
fail(struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct parser *p, size_t off, const char *fmt, ...)
{
	char	msg[768];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return perr_set(p->err, PERR_SYNTAX, "search: %zu: %s", column(p, off),
	    msg);
}

/* q[off..off+n) for an error message: cut at 40 bytes, on a character. */
static char *
quote(const struct parser *p, size_t off, size_t n)
{
	if (n > 40) {
		n = 40;
		while (n > 0 && ((unsigned char)p->q[off + n] & 0xC0) == 0x80)
			n--;
		return xasprintf("%.*s...", (int)n, p->q + off);
	}
	return xstrndup(p->q + off, n);
}

/* ---- nodes ----------------------------------------------------------- */

static struct search_node *
node_new(enum search_kind kind)
{
	struct search_node	*n = xcalloc(1, sizeof *n);

	n->kind = kind;
	n->hi = INT64_MAX;
	return n;
}

static void
node_add(struct search_node *n, struct search_node *kid)
{
	n->kids = xreallocarray(n->kids, n->nkids + 1, sizeof *n->kids);
	n->kids[n->nkids++] = kid;
}

void
search_free(struct search_node *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		search_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

struct search_node *
search_and(struct search_node *a, struct search_node *b)
{
	struct search_node	*n;

	if (a == NULL || a->kind == SEARCH_ALL) {
		search_free(a);
		return b;
	}
	if (b == NULL || b->kind == SEARCH_ALL) {
		search_free(b);
		return a;
	}
	n = node_new(SEARCH_AND);
	node_add(n, a);
	node_add(n, b);
	return n;
}

struct search_node *
search_leaf(enum search_kind kind, const char *text)
{
	struct search_node	*n = node_new(kind);

	n->text = xstrdup(text != NULL ? text : "");
	if (kind == SEARCH_TEXT)
		n->fields = SEARCH_F_ALL;
	return n;
}

struct search_node *
search_thread(struct search_node *kid)
{
	struct search_node	*n = node_new(SEARCH_THREAD);

	node_add(n, kid);
	return n;
}

/* ---- characters ------------------------------------------------------ */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Ends a bare word. */
static bool
is_delim(char c)
{
	return c == '\0' || is_space(c) || c == '(' || c == ')' || c == '"' ||
	    c == '{' || c == '}';
}

/* Would the FTS5 tokenizer (unicode61) keep something of s[0..n)? Any
 * letter or digit does; non-ASCII is taken as a letter. */
static bool
has_word_char(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (isalnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

static void
skip_space(struct parser *p)
{
	while (p->pos < p->len && is_space(p->q[p->pos]))
		p->pos++;
}

static char
peek(const struct parser *p)
{
	return p->pos < p->len ? p->q[p->pos] : '\0';
}

/* Is the operator kw (in capitals) at pos, as a whole word? */
static bool
at_keyword(const struct parser *p, const char *kw)
{
	size_t	n = strlen(kw);

	return p->len - p->pos >= n && memcmp(p->q + p->pos, kw, n) == 0 &&
	    is_delim(p->pos + n < p->len ? p->q[p->pos + n] : '\0');
}

/* Where a term cannot start: the end, a closing bracket, OR or AND. */
static bool
at_term_end(const struct parser *p)
{
	char	c = peek(p);

	return c == '\0' || c == ')' || c == '}' || at_keyword(p, "OR") ||
	    at_keyword(p, "AND");
}

static int
enter(struct parser *p, size_t off)
{
	if (++p->depth > SEARCH_MAX_DEPTH)
		return fail(p, off, "more than %d nested groups, NOT or "
		    "thread: terms", SEARCH_MAX_DEPTH);
	return 0;
}

static int
count_term(struct parser *p, size_t off)
{
	if (++p->terms > SEARCH_MAX_TERMS)
		return fail(p, off, "more than %d terms in one query",
		    SEARCH_MAX_TERMS);
	return 0;
}

/* ---- values ---------------------------------------------------------- */

/*
 * A quoted string at pos ('"' ... '"', with \" and \\), unquoted into a
 * malloc'd *out; pos moves past the closing quote.
 */
static int
read_quoted(struct parser *p, char **out)
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
		return fail(p, p->len, "missing '\"' to close the '\"' at %zu",
		    column(p, open));
	}
	p->pos++;
	*out = s;
	return 0;
}

/* A bare value: up to the next space or bracket. */
static char *
read_bare(struct parser *p)
{
	size_t	start = p->pos;

	while (!is_delim(peek(p)))
		p->pos++;
	return xstrndup(p->q + start, p->pos - start);
}

/* The value of a non-text field: a quoted string or a bare value. */
static int
read_value(struct parser *p, const char *field, char **out)
{
	size_t	start = p->pos;

	if (peek(p) == '"') {
		if (read_quoted(p, out) == -1)
			return -1;
	} else
		*out = read_bare(p);
	if (**out == '\0') {
		free(*out);
		*out = NULL;
		return fail(p, start, "expected a value after '%s:'", field);
	}
	return 0;
}

/* ---- text terms ------------------------------------------------------ */

static int
text_term(struct parser *p, unsigned fields, struct search_node **out)
{
	struct search_node	*n;
	size_t			 start = p->pos, len;
	char			*text, *shown;

	if (count_term(p, start) == -1)
		return -1;
	if (peek(p) == '"') {
		if (read_quoted(p, &text) == -1)
			return -1;
		if (!has_word_char(text, strlen(text))) {
			free(text);
			return fail(p, start, "expected a word or a phrase "
			    "with a letter or a digit inside the quotes");
		}
		n = node_new(SEARCH_TEXT);
		n->text = text;
		if (peek(p) == '*') {
			n->prefix = true;
			p->pos++;
		}
	} else {
		text = read_bare(p);
		len = strlen(text);
		n = node_new(SEARCH_TEXT);
		if (len > 1 && text[len - 1] == '*') {
			text[--len] = '\0';
			n->prefix = true;
		}
		n->text = text;
		if (!has_word_char(text, len)) {
			shown = quote(p, start, p->pos - start);
			fail(p, start, "expected a word with a letter or a "
			    "digit, got '%s'", shown);
			free(shown);
			search_free(n);
			return -1;
		}
	}
	n->fields = fields;
	*out = n;
	return 0;
}

/* ---- flags, dates, sizes --------------------------------------------- */

static const struct {
	const char		*field;
	const char		*value;
	enum search_flag	 flag;
} flag_values[] = {
	{ "is", "unread", SEARCH_UNREAD },
	{ "is", "read", SEARCH_READ },
	{ "is", "flagged", SEARCH_FLAGGED },
	{ "is", "replied", SEARCH_REPLIED },
	{ "is", "deleted", SEARCH_DELETED },
	{ "is", "draft", SEARCH_DRAFT },
	{ "has", "attachment", SEARCH_ATTACHMENT },
	{ "has", "attachments", SEARCH_ATTACHMENT },
};

static int
flag_term(struct parser *p, const char *field, struct search_node **out)
{
	size_t	 start = p->pos, i;
	char	*v, *shown;

	if (read_value(p, field, &v) == -1)
		return -1;
	for (i = 0; i < sizeof flag_values / sizeof flag_values[0]; i++)
		if (strcmp(field, flag_values[i].field) == 0 &&
		    strcasecmp(v, flag_values[i].value) == 0)
			break;
	free(v);
	if (i == sizeof flag_values / sizeof flag_values[0]) {
		shown = quote(p, start, p->pos - start);
		if (strcmp(field, "is") == 0)
			fail(p, start, "expected unread, read, flagged, "
			    "replied, deleted or draft after 'is:', got '%s'",
			    shown);
		else
			fail(p, start, "expected attachment after 'has:', "
			    "got '%s'", shown);
		free(shown);
		return -1;
	}
	*out = node_new(SEARCH_FLAG);
	(*out)->flag = flag_values[i].flag;
	return 0;
}

/* Digits s[0..n) as a number; false unless all digits and n in [1, 9]. */
static bool
digits(const char *s, size_t n, int *v)
{
	size_t	i;

	if (n == 0 || n > 9)
		return false;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

static int
days_in(int y, int m)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static int64_t
local_time(int y, int m, int d)
{
	struct tm	tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);	/* normalises month 13, day 32 */
}

/*
 * A day, month or year (YYYY-MM-DD, YYYY-MM, YYYY) in s[0..n): *lo its
 * first second, *hi the first second after it (local time).
 */
static bool
date_span(const char *s, size_t n, int64_t *lo, int64_t *hi)
{
	int	y, m = 1, d = 1;

	if (n < 4 || !digits(s, 4, &y) || y < 1000)
		return false;
	if (n == 4) {
		*lo = local_time(y, 1, 1);
		*hi = local_time(y + 1, 1, 1);
		return true;
	}
	if (n < 7 || s[4] != '-' || !digits(s + 5, 2, &m) || m < 1 || m > 12)
		return false;
	if (n == 7) {
		*lo = local_time(y, m, 1);
		*hi = local_time(y, m + 1, 1);
		return true;
	}
	if (n != 10 || s[7] != '-' || !digits(s + 8, 2, &d) || d < 1 ||
	    d > days_in(y, m))
		return false;
	*lo = local_time(y, m, d);
	*hi = local_time(y, m, d + 1);
	return true;
}

static int
bad_date(struct parser *p, size_t off, size_t n)
{
	char	*shown = quote(p, off, n);

	fail(p, off, "expected a date (YYYY, YYYY-MM or YYYY-MM-DD), got "
	    "'%s'", shown);
	free(shown);
	return -1;
}

/* date:D, date:D..D, date:D.., date:..D; after:D; before:D. */
static int
date_term(struct parser *p, const char *field, struct search_node **out)
{
	size_t		 start = p->pos, n, dots;
	int64_t		 lo, hi, lo2, hi2;
	const char	*v, *dd;
	char		*val;

	if (read_value(p, field, &val) == -1)
		return -1;
	v = val;
	n = strlen(v);
	*out = node_new(SEARCH_DATE);
	dd = strcmp(field, "date") == 0 ? strstr(v, "..") : NULL;
	if (dd == NULL) {
		if (!date_span(v, n, &lo, &hi))
			goto bad;
		if (strcmp(field, "after") == 0)
			(*out)->lo = lo;	/* on or after D: IMAP SINCE */
		else if (strcmp(field, "before") == 0) {
			(*out)->lo = INT64_MIN;
			(*out)->hi = lo;	/* before D: IMAP BEFORE */
		} else {
			(*out)->lo = lo;
			(*out)->hi = hi;
		}
		free(val);
		return 0;
	}
	dots = (size_t)(dd - v);
	(*out)->lo = INT64_MIN;
	if (dots > 0) {
		if (!date_span(v, dots, &lo, &hi))
			goto bad;
		(*out)->lo = lo;
	}
	if (dots + 2 < n) {
		if (!date_span(dd + 2, n - dots - 2, &lo2, &hi2)) {
			start += dots + 2;
			n -= dots + 2;
			goto bad;
		}
		(*out)->hi = hi2;
	}
	if (dots == 0 && dots + 2 == n)
		goto bad;
	if ((*out)->hi != INT64_MAX && (*out)->lo >= (*out)->hi) {
		fail(p, start, "the date range ends before it begins");
		goto out;
	}
	free(val);
	return 0;
bad:
	bad_date(p, start, n);
out:
	free(val);
	search_free(*out);
	*out = NULL;
	return -1;
}

/* newer:7d, older:2w: hours, days, weeks, months (30 d), years (365 d). */
static int
age_term(struct parser *p, const char *field, struct search_node **out)
{
	static const char	 units[] = "hdwmy";
	static const int64_t	 secs[] = { 3600, 86400, 7 * 86400,
				    30 * 86400, 365 * 86400 };
	size_t			 start = p->pos, n;
	const char		*u;
	char			*v, *shown;
	int			 k;

	if (read_value(p, field, &v) == -1)
		return -1;
	n = strlen(v);
	if (n < 2 || (u = strchr(units, v[n - 1])) == NULL ||
	    !digits(v, n - 1, &k) || n - 1 > 6) {
		shown = quote(p, start, p->pos - start);
		fail(p, start, "expected an age like 12h, 7d, 2w, 3m or 1y "
		    "after '%s:', got '%s'", field, shown);
		free(shown);
		free(v);
		return -1;
	}
	free(v);
	*out = node_new(SEARCH_DATE);
	if (strcmp(field, "newer") == 0)
		(*out)->lo = p->now - k * secs[u - units];
	else {
		(*out)->lo = INT64_MIN;
		(*out)->hi = p->now - k * secs[u - units];
	}
	return 0;
}

/* larger:N, smaller:N; N in bytes, or with k, M, G (1024-based). */
static int
size_term(struct parser *p, const char *field, struct search_node **out)
{
	size_t	 start = p->pos, n;
	char	*v, *shown;
	int	 k, shift = 0;
	int64_t	 bytes;

	if (read_value(p, field, &v) == -1)
		return -1;
	n = strlen(v);
	switch (n > 0 ? v[n - 1] : '\0') {
	case 'k': case 'K': shift = 10; n--; break;
	case 'm': case 'M': shift = 20; n--; break;
	case 'g': case 'G': shift = 30; n--; break;
	}
	if (!digits(v, n, &k)) {
		shown = quote(p, start, p->pos - start);
		fail(p, start, "expected a size like 500, 20k or 1M after "
		    "'%s:', got '%s'", field, shown);
		free(shown);
		free(v);
		return -1;
	}
	free(v);
	bytes = (int64_t)k << shift;
	*out = node_new(SEARCH_SIZE);
	if (strcmp(field, "larger") == 0)
		(*out)->lo = bytes + 1;		/* IMAP LARGER: size > N */
	else {
		(*out)->lo = INT64_MIN;
		(*out)->hi = bytes;		/* IMAP SMALLER: size < N */
	}
	return 0;
}

/* ---- fields ---------------------------------------------------------- */

enum field_kind { F_TEXT, F_NAME, F_FLAG, F_DATE, F_AGE, F_SIZE, F_THREAD };

static const struct {
	const char	*name;
	enum field_kind	 kind;
	unsigned	 fields;	/* F_TEXT */
	enum search_kind node;		/* F_NAME */
} field_table[] = {
	{ "from", F_TEXT, SEARCH_F_FROM, 0 },
	{ "to", F_TEXT, SEARCH_F_TO | SEARCH_F_CC, 0 },
	{ "cc", F_TEXT, SEARCH_F_CC, 0 },
	{ "subject", F_TEXT, SEARCH_F_SUBJECT, 0 },
	{ "body", F_TEXT, SEARCH_F_BODY, 0 },
	{ "attachment", F_TEXT, SEARCH_F_ATTACHMENT, 0 },
	{ "folder", F_NAME, 0, SEARCH_FOLDER },
	{ "account", F_NAME, 0, SEARCH_ACCOUNT },
	{ "id", F_NAME, 0, SEARCH_ID },
	{ "is", F_FLAG, 0, 0 },
	{ "has", F_FLAG, 0, 0 },
	{ "date", F_DATE, 0, 0 },
	{ "after", F_DATE, 0, 0 },
	{ "before", F_DATE, 0, 0 },
	{ "newer", F_AGE, 0, 0 },
	{ "older", F_AGE, 0, 0 },
	{ "larger", F_SIZE, 0, 0 },
	{ "smaller", F_SIZE, 0, 0 },
	{ "thread", F_THREAD, 0, 0 },
};

static int	parse_or(struct parser *, unsigned, struct search_node **);
static int	parse_unary(struct parser *, unsigned, struct search_node **);

/* "(" or ")" ... with the closing bracket expected; pos is at the opener. */
static int
group(struct parser *p, unsigned fields, char close, struct search_node **out)
{
	size_t	open = p->pos;

	if (enter(p, open) == -1)
		return -1;
	p->pos++;
	skip_space(p);
	if (peek(p) == close)
		return fail(p, p->pos, "expected a term inside '%c%c'",
		    p->q[open], close);
	if (p->pos == p->len)
		return fail(p, p->pos, "missing '%c' to close the '%c' at %zu",
		    close, p->q[open], column(p, open));
	if (parse_or(p, fields, out) == -1)
		return -1;
	skip_space(p);
	if (peek(p) != close) {
		search_free(*out);
		*out = NULL;
		if (p->pos < p->len)
			return fail(p, p->pos, "expected '%c' to close the "
			    "'%c' at %zu", close, p->q[open], column(p, open));
		return fail(p, p->pos, "missing '%c' to close the '%c' at %zu",
		    close, p->q[open], column(p, open));
	}
	p->pos++;
	p->depth--;
	return 0;
}

static int
thread_term(struct parser *p, struct search_node **out)
{
	struct search_node	*kid;
	size_t			 start = p->pos;

	if (peek(p) == '{' || peek(p) == '(') {
		if (group(p, SEARCH_F_ALL, peek(p) == '{' ? '}' : ')',
		    &kid) == -1)
			return -1;
	} else {
		if (enter(p, start) == -1 ||
		    parse_unary(p, SEARCH_F_ALL, &kid) == -1)
			return -1;
		p->depth--;
	}
	*out = search_thread(kid);
	return 0;
}

/* pos is just past "name:"; name is field_table[i]. */
static int
field_term(struct parser *p, size_t i, struct search_node **out)
{
	const char	*name = field_table[i].name;
	char		*v;

	switch (field_table[i].kind) {
	case F_TEXT:
		if (peek(p) == '(')
			return group(p, field_table[i].fields, ')', out);
		return text_term(p, field_table[i].fields, out);
	case F_NAME:
		if (count_term(p, p->pos) == -1 ||
		    read_value(p, name, &v) == -1)
			return -1;
		*out = node_new(field_table[i].node);
		if (field_table[i].node == SEARCH_ID && *v == '<' &&
		    v[strlen(v) - 1] == '>' && strlen(v) > 2) {
			(*out)->text = xstrndup(v + 1, strlen(v) - 2);
			free(v);
		} else
			(*out)->text = v;
		return 0;
	case F_FLAG:
		return count_term(p, p->pos) == -1 ? -1 :
		    flag_term(p, name, out);
	case F_DATE:
		return count_term(p, p->pos) == -1 ? -1 :
		    date_term(p, name, out);
	case F_AGE:
		return count_term(p, p->pos) == -1 ? -1 :
		    age_term(p, name, out);
	case F_SIZE:
		return count_term(p, p->pos) == -1 ? -1 :
		    size_term(p, name, out);
	case F_THREAD:
		return thread_term(p, out);
	}
	return -1;
}

/*
 * At pos: letters and ':'? Then which field: its index, -1 when it is no
 * field (a word like "Re:"), -2 after reporting an unknown field or a
 * field without its value.
 */
static int
field_at(struct parser *p)
{
	size_t	start = p->pos, end = p->pos, i;
	bool	bare;
	char	*shown;

	while (end < p->len && isalpha((unsigned char)p->q[end]))
		end++;
	if (end == start || end >= p->len || p->q[end] != ':')
		return -1;
	bare = end + 1 >= p->len || is_space(p->q[end + 1]);
	for (i = 0; i < sizeof field_table / sizeof field_table[0]; i++) {
		if (strlen(field_table[i].name) != end - start ||
		    strncasecmp(p->q + start, field_table[i].name,
		    end - start) != 0)
			continue;
		if (bare)
			return fail(p, end + 1, "expected a value after "
			    "'%s:'", field_table[i].name) - 1;
		p->pos = end + 1;
		return (int)i;
	}
	if (bare)
		return -1;
	shown = quote(p, start, end - start);
	fail(p, start, "unknown field '%s:' (the fields are from: to: cc: "
	    "subject: body: attachment: folder: account: id: thread: is: "
	    "has: date: after: before: newer: older: larger: smaller:)",
	    shown);
	free(shown);
	return -2;
}

static int
parse_primary(struct parser *p, unsigned fields, struct search_node **out)
{
	int	f;

	switch (peek(p)) {
	case '(':
		return group(p, fields, ')', out);
	case '{':
		return fail(p, p->pos, "'{' may only follow 'thread:'");
	case '}':
	case ')':
		return fail(p, p->pos, "'%c' without its opening bracket",
		    peek(p));
	case '"':
		return text_term(p, fields, out);
	}
	if ((f = field_at(p)) == -2)
		return -1;
	if (f >= 0)
		return field_term(p, (size_t)f, out);
	return text_term(p, fields, out);
}

static int
parse_unary(struct parser *p, unsigned fields, struct search_node **out)
{
	struct search_node	*kid;
	size_t			 start = p->pos;
	bool			 word;

	word = at_keyword(p, "NOT");
	if (!word && !(peek(p) == '-' && p->pos + 1 < p->len &&
	    !is_space(p->q[p->pos + 1]) && p->q[p->pos + 1] != ')'))
		return parse_primary(p, fields, out);
	if (enter(p, start) == -1)
		return -1;
	p->pos += word ? 3 : 1;
	skip_space(p);
	if (at_term_end(p))
		return fail(p, p->pos, "expected a term after '%s'",
		    word ? "NOT" : "-");
	if (parse_unary(p, fields, &kid) == -1)
		return -1;
	p->depth--;
	*out = node_new(SEARCH_NOT);
	node_add(*out, kid);
	return 0;
}

/* A list of kids of kind, or the one kid alone. */
static struct search_node *
collapse(struct search_node *n)
{
	struct search_node	*kid;

	if (n->nkids != 1)
		return n;
	kid = n->kids[0];
	free(n->kids);
	free(n);
	return kid;
}

static int
parse_and(struct parser *p, unsigned fields, struct search_node **out)
{
	struct search_node	*n = node_new(SEARCH_AND), *kid;
	size_t			 op;

	for (;;) {
		skip_space(p);
		if (at_term_end(p)) {
			op = p->pos;
			if (at_keyword(p, "OR") || at_keyword(p, "AND"))
				fail(p, op, "expected a term before '%s'",
				    at_keyword(p, "OR") ? "OR" : "AND");
			else if (peek(p) == '\0')
				fail(p, op, "expected a term at the end");
			else
				fail(p, op, "expected a term before '%c'",
				    peek(p));
			goto fail;
		}
		if (parse_unary(p, fields, &kid) == -1)
			goto fail;
		node_add(n, kid);
		skip_space(p);
		if (at_keyword(p, "AND")) {
			op = p->pos;
			p->pos += 3;
			skip_space(p);
			if (at_term_end(p)) {
				fail(p, p->pos, "expected a term after 'AND'");
				goto fail;
			}
			continue;
		}
		if (peek(p) == '\0' || peek(p) == ')' || peek(p) == '}' ||
		    at_keyword(p, "OR"))
			break;
	}
	*out = collapse(n);
	return 0;
fail:
	search_free(n);
	return -1;
}

static int
parse_or(struct parser *p, unsigned fields, struct search_node **out)
{
	struct search_node	*n = node_new(SEARCH_OR), *kid;

	for (;;) {
		if (parse_and(p, fields, &kid) == -1) {
			search_free(n);
			return -1;
		}
		node_add(n, kid);
		skip_space(p);
		if (!at_keyword(p, "OR"))
			break;
		p->pos += 2;
		skip_space(p);
		if (at_term_end(p)) {
			search_free(n);
			return fail(p, p->pos, "expected a term after 'OR'");
		}
	}
	*out = collapse(n);
	return 0;
}

/* Valid UTF-8 without control characters (tab and newline are spaces). */
static int
check_text(struct parser *p)
{
	size_t		i, k;
	uint32_t	cp;

	for (i = 0; i < p->len; i += k) {
		k = utf8_get(p->q + i, p->len - i, &cp);
		if (cp == UTF8_REPLACEMENT && !(k == 3 &&
		    memcmp(p->q + i, "\xEF\xBF\xBD", 3) == 0))
			return fail(p, i, "invalid UTF-8 (byte 0x%02X)",
			    (unsigned char)p->q[i]);
		if ((cp < 0x20 && !is_space((char)cp)) || cp == 0x7F ||
		    (cp >= 0x80 && cp < 0xA0))
			return fail(p, i, "a control character (U+%04X) is "
			    "not allowed", (unsigned)cp);
	}
	return 0;
}

int
search_parse(const char *query, int64_t now, struct search_node **out,
    struct perr *err)
{
	struct parser	p = { 0 };

	*out = NULL;
	p.q = query;
	p.len = strlen(query);
	p.now = now;
	p.err = err;
	if (p.len > SEARCH_MAX_LEN)
		return perr_set(err, PERR_SYNTAX, "search: the query is %zu "
		    "bytes long; at most %d are allowed", p.len,
		    SEARCH_MAX_LEN);
	if (check_text(&p) == -1)
		return -1;
	skip_space(&p);
	if (p.pos == p.len) {
		*out = node_new(SEARCH_ALL);
		return 0;
	}
	if (parse_or(&p, SEARCH_F_ALL, out) == -1)
		return -1;
	skip_space(&p);
	if (p.pos < p.len) {
		fail(&p, p.pos, "'%c' without its opening bracket",
		    p.q[p.pos]);
		search_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ---- the tree as text ------------------------------------------------ */

static void
format_node(const struct search_node *n, char **buf, size_t *len,
    size_t *cap)
{
	static const char *const kinds[] = { "all", "and", "or", "not",
	    "text", "flag", "date", "size", "folder", "account", "id",
	    "thread" };
	static const char *const flags[] = { "unread", "read", "flagged",
	    "replied", "deleted", "draft", "attachment" };
	static const char *const fields[] = { "subject", "from", "to", "cc",
	    "body", "attachment" };
	char	 num[64];
	size_t	 i;
	bool	 first = true;

#define ADD(s)	do {							\
		size_t l_ = strlen(s);					\
		if (*len + l_ + 1 > *cap) {				\
			*cap = (*len + l_ + 1) * 2;			\
			*buf = xrealloc(*buf, *cap);			\
		}							\
		memcpy(*buf + *len, s, l_ + 1);				\
		*len += l_;						\
	} while (0)

	ADD("(");
	ADD(kinds[n->kind]);
	switch (n->kind) {
	case SEARCH_TEXT:
		if (n->fields != SEARCH_F_ALL) {
			ADD(" ");
			for (i = 0; i < 6; i++)
				if (n->fields & (1u << i)) {
					if (!first)
						ADD("+");
					ADD(fields[i]);
					first = false;
				}
		}
		ADD(" \"");
		ADD(n->text);
		ADD(n->prefix ? "\"*" : "\"");
		break;
	case SEARCH_FOLDER:
	case SEARCH_ACCOUNT:
	case SEARCH_ID:
		ADD(" \"");
		ADD(n->text);
		ADD("\"");
		break;
	case SEARCH_FLAG:
		ADD(" ");
		ADD(flags[n->flag]);
		break;
	case SEARCH_DATE:
	case SEARCH_SIZE:
		if (n->lo == INT64_MIN)
			ADD(" -");
		else {
			(void)snprintf(num, sizeof num, " %lld",
			    (long long)n->lo);
			ADD(num);
		}
		if (n->hi == INT64_MAX)
			ADD(" -");
		else {
			(void)snprintf(num, sizeof num, " %lld",
			    (long long)n->hi);
			ADD(num);
		}
		break;
	default:
		break;
	}
	for (i = 0; i < n->nkids; i++) {
		ADD(" ");
		format_node(n->kids[i], buf, len, cap);
	}
	ADD(")");
#undef ADD
}

char *
search_format(const struct search_node *n)
{
	char	*buf = NULL;
	size_t	 len = 0, cap = 0;

	format_node(n, &buf, &len, &cap);
	return buf;
}
