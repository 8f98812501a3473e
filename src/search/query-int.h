/*
 * query-int.h - what the files of the query parser share (query.c,
 * query-terms.c, query-tree.c, query-lex.c); no one else includes it.
 *
 * Floors, top first (each calls only those below it): query.c (the
 * grammar), query-terms.c (flag, date and size values), query-tree.c
 * (nodes) and query-lex.c (errors, characters, values) at the bottom.
 *
 * A struct parser lives for one search_parse(). Every function that can
 * fail returns 0, or -1 with p->err set through query_fail() (which names
 * the 1-based character position).
 */
#ifndef POSTA_QUERY_INT_H
#define POSTA_QUERY_INT_H

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

/* query-lex.c: errors, characters and values. */
/* The 1-based character position of byte offset off. */
size_t	 query_column(const struct parser *, size_t off);
int	 query_fail(struct parser *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
/* q[off..off+n) for a message, cut at 40 bytes; malloc'd. */
char	*query_quote(const struct parser *, size_t, size_t);
bool	 query_is_space(char);
/* Does c end a bare word? */
bool	 query_is_delim(char);
/* The character at pos, '\0' at the end. */
char	 query_peek(const struct parser *);
/* A quoted string at pos, unquoted into a malloc'd *out. */
int	 query_read_quoted(struct parser *, char **);
/* A bare word at pos, malloc'd (maybe empty). */
char	*query_read_bare(struct parser *);
/* The value of a non-text field, malloc'd; an empty one is an error. */
int	 query_read_value(struct parser *, const char *, char **);

/* query-tree.c: nodes (the rest is in search.h). */
struct search_node *query_node_new(enum search_kind);
void	 query_node_add(struct search_node *, struct search_node *);

/* query-terms.c: is:/has:, dates, ages and sizes. */
int	 query_flag_term(struct parser *, const char *, struct search_node **);
int	 query_date_term(struct parser *, const char *, struct search_node **);
int	 query_age_term(struct parser *, const char *, struct search_node **);
int	 query_size_term(struct parser *, const char *, struct search_node **);

#endif
