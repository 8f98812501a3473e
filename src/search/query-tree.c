/*
 * query-tree.c - the nodes of a parsed query: made, combined, freed, and
 * printed as an S-expression (search_format(), for tests and debugging).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/query-int.h"

/* ---- nodes ----------------------------------------------------------- */

struct search_node *
query_node_new(enum search_kind kind)
{
	struct search_node	*n = xcalloc(1, sizeof *n);

	n->kind = kind;
	n->hi = INT64_MAX;
	return n;
}

void
query_node_add(struct search_node *n, struct search_node *kid)
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
	n = query_node_new(SEARCH_AND);
	query_node_add(n, a);
	query_node_add(n, b);
	return n;
}

struct search_node *
search_leaf(enum search_kind kind, const char *text)
{
	struct search_node	*n = query_node_new(kind);

	n->text = xstrdup(text != NULL ? text : "");
	if (kind == SEARCH_TEXT)
		n->fields = SEARCH_F_ALL;
	return n;
}

struct search_node *
search_thread(struct search_node *kid)
{
	struct search_node	*n = query_node_new(SEARCH_THREAD);

	query_node_add(n, kid);
	return n;
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
