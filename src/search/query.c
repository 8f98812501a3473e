/*
 * query.c - posta's query language, parsed by recursive descent (the
 * flag, date and size values are read in query-terms.c, the tree is made,
 * freed and printed in query-tree.c, errors and values are read in
 * query-lex.c).
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
 * This file is the top floor of the parser: it calls query-terms.c and
 * query-tree.c, and query-lex.c (errors, characters, values) below
 * them all; none of those calls back up (see query-int.h).
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

#include "search/query-int.h"
#include "util/i18n.h"

/* ---- characters ------------------------------------------------------ */

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
	while (p->pos < p->len && query_is_space(p->q[p->pos]))
		p->pos++;
}

/* Is the operator kw (in capitals) at pos, as a whole word? */
static bool
at_keyword(const struct parser *p, const char *kw)
{
	size_t	n = strlen(kw);

	return p->len - p->pos >= n && memcmp(p->q + p->pos, kw, n) == 0 &&
	    query_is_delim(p->pos + n < p->len ? p->q[p->pos + n] : '\0');
}

/* Where a term cannot start: the end, a closing bracket, OR or AND. */
static bool
at_term_end(const struct parser *p)
{
	char	c = query_peek(p);

	return c == '\0' || c == ')' || c == '}' || at_keyword(p, "OR") ||
	    at_keyword(p, "AND");
}

static int
enter(struct parser *p, size_t off)
{
	if (++p->depth > SEARCH_MAX_DEPTH)
		return query_fail(p, off, _("more than %d nested groups, NOT "
		    "or thread: terms"), SEARCH_MAX_DEPTH);
	return 0;
}

static int
count_term(struct parser *p, size_t off)
{
	if (++p->terms > SEARCH_MAX_TERMS)
		return query_fail(p, off, _("more than %d terms in one query"),
		    SEARCH_MAX_TERMS);
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
	if (query_peek(p) == '"') {
		if (query_read_quoted(p, &text) == -1)
			return -1;
		if (!has_word_char(text, strlen(text))) {
			free(text);
			return query_fail(p, start, _("expected a word or a "
			    "phrase "
			    "with a letter or a digit inside the quotes"));
		}
		n = query_node_new(SEARCH_TEXT);
		n->text = text;
		if (query_peek(p) == '*') {
			n->prefix = true;
			p->pos++;
		}
	} else {
		text = query_read_bare(p);
		len = strlen(text);
		n = query_node_new(SEARCH_TEXT);
		if (len > 1 && text[len - 1] == '*') {
			text[--len] = '\0';
			n->prefix = true;
		}
		n->text = text;
		if (!has_word_char(text, len)) {
			shown = query_quote(p, start, p->pos - start);
			query_fail(p, start, _("expected a word with a letter "
			    "or a digit, got '%s'"), shown);
			free(shown);
			search_free(n);
			return -1;
		}
	}
	n->fields = fields;
	*out = n;
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
	if (query_peek(p) == close)
		return query_fail(p, p->pos, _("expected a term inside '%c%c'"),
		    p->q[open], close);
	if (p->pos == p->len)
		return query_fail(p, p->pos, _("missing '%c' to close the '%c' at %zu"),
		    close, p->q[open], query_column(p, open));
	if (parse_or(p, fields, out) == -1)
		return -1;
	skip_space(p);
	if (query_peek(p) != close) {
		search_free(*out);
		*out = NULL;
		if (p->pos < p->len)
			return query_fail(p, p->pos, _("expected '%c' to close "
			    "the "
			    "'%c' at %zu"), close, p->q[open], query_column(p, open));
		return query_fail(p, p->pos, _("missing '%c' to close the '%c' at %zu"),
		    close, p->q[open], query_column(p, open));
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

	if (query_peek(p) == '{' || query_peek(p) == '(') {
		if (group(p, SEARCH_F_ALL, query_peek(p) == '{' ? '}' : ')',
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
		if (query_peek(p) == '(')
			return group(p, field_table[i].fields, ')', out);
		return text_term(p, field_table[i].fields, out);
	case F_NAME:
		if (count_term(p, p->pos) == -1 ||
		    query_read_value(p, name, &v) == -1)
			return -1;
		*out = query_node_new(field_table[i].node);
		if (field_table[i].node == SEARCH_ID && *v == '<' &&
		    v[strlen(v) - 1] == '>' && strlen(v) > 2) {
			(*out)->text = xstrndup(v + 1, strlen(v) - 2);
			free(v);
		} else
			(*out)->text = v;
		return 0;
	case F_FLAG:
		return count_term(p, p->pos) == -1 ? -1 :
		    query_flag_term(p, name, out);
	case F_DATE:
		return count_term(p, p->pos) == -1 ? -1 :
		    query_date_term(p, name, out);
	case F_AGE:
		return count_term(p, p->pos) == -1 ? -1 :
		    query_age_term(p, name, out);
	case F_SIZE:
		return count_term(p, p->pos) == -1 ? -1 :
		    query_size_term(p, name, out);
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
	bare = end + 1 >= p->len || query_is_space(p->q[end + 1]);
	for (i = 0; i < sizeof field_table / sizeof field_table[0]; i++) {
		if (strlen(field_table[i].name) != end - start ||
		    strncasecmp(p->q + start, field_table[i].name,
		    end - start) != 0)
			continue;
		if (bare)
			return query_fail(p, end + 1, _("expected a value "
			    "after '%s:'"), field_table[i].name) - 1;
		p->pos = end + 1;
		return (int)i;
	}
	if (bare)
		return -1;
	shown = query_quote(p, start, end - start);
	query_fail(p, start, _("unknown field '%s:' (the fields are from: to: "
	    "cc: subject: body: attachment: folder: account: id: thread: is: "
	    "has: date: after: before: newer: older: larger: smaller:)"),
	    shown);
	free(shown);
	return -2;
}

static int
parse_primary(struct parser *p, unsigned fields, struct search_node **out)
{
	int	f;

	switch (query_peek(p)) {
	case '(':
		return group(p, fields, ')', out);
	case '{':
		return query_fail(p, p->pos, _("'{' may only follow 'thread:'"));
	case '}':
	case ')':
		return query_fail(p, p->pos, _("'%c' without its opening bracket"),
		    query_peek(p));
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
	if (!word && !(query_peek(p) == '-' && p->pos + 1 < p->len &&
	    !query_is_space(p->q[p->pos + 1]) && p->q[p->pos + 1] != ')'))
		return parse_primary(p, fields, out);
	if (enter(p, start) == -1)
		return -1;
	p->pos += word ? 3 : 1;
	skip_space(p);
	if (at_term_end(p))
		return query_fail(p, p->pos, _("expected a term after '%s'"),
		    word ? "NOT" : "-");
	if (parse_unary(p, fields, &kid) == -1)
		return -1;
	p->depth--;
	*out = query_node_new(SEARCH_NOT);
	query_node_add(*out, kid);
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
	struct search_node	*n = query_node_new(SEARCH_AND), *kid;
	size_t			 op;

	for (;;) {
		skip_space(p);
		if (at_term_end(p)) {
			op = p->pos;
			if (at_keyword(p, "OR") || at_keyword(p, "AND"))
				query_fail(p, op, _("expected a term before '%s'"),
				    at_keyword(p, "OR") ? "OR" : "AND");
			else if (query_peek(p) == '\0')
				query_fail(p, op, _("expected a term at the end"));
			else
				query_fail(p, op, _("expected a term before '%c'"),
				    query_peek(p));
			goto fail;
		}
		if (parse_unary(p, fields, &kid) == -1)
			goto fail;
		query_node_add(n, kid);
		skip_space(p);
		if (at_keyword(p, "AND")) {
			op = p->pos;
			p->pos += 3;
			skip_space(p);
			if (at_term_end(p)) {
				query_fail(p, p->pos, _("expected a term after 'AND'"));
				goto fail;
			}
			continue;
		}
		if (query_peek(p) == '\0' || query_peek(p) == ')' || query_peek(p) == '}' ||
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
	struct search_node	*n = query_node_new(SEARCH_OR), *kid;

	for (;;) {
		if (parse_and(p, fields, &kid) == -1) {
			search_free(n);
			return -1;
		}
		query_node_add(n, kid);
		skip_space(p);
		if (!at_keyword(p, "OR"))
			break;
		p->pos += 2;
		skip_space(p);
		if (at_term_end(p)) {
			search_free(n);
			return query_fail(p, p->pos, _("expected a term after 'OR'"));
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
			return query_fail(p, i, _("invalid UTF-8 (byte 0x%02X)"),
			    (unsigned char)p->q[i]);
		if ((cp < 0x20 && !query_is_space((char)cp)) || cp == 0x7F ||
		    (cp >= 0x80 && cp < 0xA0))
			return query_fail(p, i, _("a control character "
			    "(U+%04X) is not allowed"), (unsigned)cp);
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
		return perr_set(err, PERR_SYNTAX, _("search: the query is %zu "
		    "bytes long; at most %d are allowed"), p.len,
		    SEARCH_MAX_LEN);
	if (check_text(&p) == -1)
		return -1;
	skip_space(&p);
	if (p.pos == p.len) {
		*out = query_node_new(SEARCH_ALL);
		return 0;
	}
	if (parse_or(&p, SEARCH_F_ALL, out) == -1)
		return -1;
	skip_space(&p);
	if (p.pos < p.len) {
		query_fail(&p, p.pos, _("'%c' without its opening bracket"),
		    p.q[p.pos]);
		search_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
