/*
 * query-sql-int.h - private to the search queries of the store:
 * query-sql.c (the top: store.h's entry points), query-walk.c (the
 * newest-first walk of the date index), query-build.c (the bottom: a
 * parsed query compiled to a WHERE clause, its parameters, the scope).
 * Each calls only the files below it.
 */
#ifndef POSTA_QUERY_SQL_INT_H
#define POSTA_QUERY_SQL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "search/search.h"
#include "store/store-int.h"

/*
 * The rowids one FTS5 expression matches, ascending, read into memory
 * before a walk: testing a row against them is a binary search, where
 * SQLite's own IN (SELECT ...) would first copy them into a temporary
 * B-tree, some 1,100 instructions a rowid (half of a common word's cost).
 */
struct idset {
	char		*expr;		/* the MATCH; owned */
	int64_t		*v;		/* owned */
	size_t		 n;
};

#define IDSET_TYPE	"posta_idset"

struct qparam {
	const char	*text;		/* borrowed from the tree; NULL: i */
	char		*own;		/* an FTS5 expression we wrote */
	int64_t		 i;
	struct idset	*set;		/* bound as a pointer; owned */
};

struct qb {
	struct mbuf	 sql;
	struct qparam	*p;
	size_t		 np;
	bool		 sets;		/* text terms as posta_in(set, m.id) */
};

/* What a walk of the date index looks through, in which direction. */
struct walk {
	const struct search_node	*q;
	int64_t				 folder_id;	/* 0: any */
	int64_t				 account_id;	/* 0: any */
	const struct store_page_key	*after;		/* keyset or NULL */
	bool				 desc;
	int				 limit;
	int				 rows;		/* the budget */
};

/* ---- query-build.c ---- */

/* Can the subtree be one FTS5 MATCH expression? */
bool		 qb_fts_able(const struct search_node *);
void		 qb_param_int(struct qb *, int64_t);
/* text is borrowed; own (may be NULL) is freed with the builder. */
void		 qb_param_text(struct qb *, const char *text, char *own);
/* " AND col BETWEEN lo AND hi", either side open when 0. */
void		 qb_range(struct qb *, const char *col, int64_t lo, int64_t hi);
/* The WHERE clause of a query, its values as parameters. */
void		 qb_where(struct qb *, const struct search_node *);
/* The folder or account a search is limited to. */
void		 qb_scope(struct qb *, const struct store_find *);
void		 qb_scope_account(struct qb *, int64_t account_id);
/* Prepare the built SQL with its parameters bound; NULL with err set. */
sqlite3_stmt	*qb_prepare(struct store *, struct qb *, struct perr *);
void		 qb_free(struct qb *);
/* qb_prepare(), qb_free(), then every row to cb (store_msg_walk). */
int		 qb_rows(struct store *, struct qb *, store_msg_cb cb, void *arg,
		    struct perr *);

/* ---- query-walk.c ---- */

/* Is a walk worth trying for this query, limit and budget? */
bool		 query_walk_fits(const struct search_node *, int limit,
		    int rows);
/* Try the walk: *done when it gave the answer through cb; else nothing
 * was delivered and the plain plan must run. */
int		 query_walk(struct store *, const struct walk *,
		    store_msg_cb cb, void *arg, bool *done, struct perr *);

#endif
