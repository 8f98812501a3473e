/*
 * index-int.h - what the index's files share, from the bottom up:
 * index-rows.c, index-thread.c, index.c, index-fold.c and index-find.c;
 * private to them (the index's face is tui-int.h's ix_* section).
 */
#ifndef POSTA_INDEX_INT_H
#define POSTA_INDEX_INT_H

/* Rows fetched for one block, before they join the window. */
struct rowbuf {
	struct ix_row	*r;
	size_t		 n, cap;
	struct ix_block	 b;		/* its keys are owned here */
	size_t		 raw;		/* raw rows the source gave */
	bool		 keep_threading; /* copy message ids etc. */
	bool		 forward;	/* fetched going down the list */
	enum ix_sort	 sort;		/* whose key each row keeps */
};

/* index-rows.c: keys and rows */
enum store_sort ix_store_order(enum ix_sort);
/* Is the list shown in the store's descending order? */
bool	ix_shown_desc(const struct ix *);
/* A row's key; the text is borrowed from the row. */
struct ix_key ix_row_key(const struct ix_row *);
void	ix_key_free(struct ix_key *);
void	ix_block_free(struct ix_block *);
/* *dst = a copy of k (dst's old text is freed). */
void	ix_key_set(struct ix_key *dst, struct ix_key k);
/* Compare keys in the store's ascending order of sort, as SQLite does. */
int	ix_key_cmp(enum ix_sort, const struct ix_key *, const struct ix_key *);
void	ix_row_free(struct ix_row *);
void	ix_rowbuf_free(struct rowbuf *);
/* A new zeroed row at the end of rb. */
struct ix_row *ix_rowbuf_add(struct rowbuf *);
/* A malloc'd copy of s, or NULL. */
char	*ix_dup_or_null(const char *);
/* A store row as an index row: display strings sanitised once, there. */
void	ix_row_fill(struct ix_row *, const struct store_msg *, bool threading,
	    enum ix_sort);
/* One keyset page of the order shown (index.c says how). */
int	ix_fetch_page(struct ix *, enum ix_sort, const struct ix_key *from,
	    bool forward, int limit, struct rowbuf *);

/* index.c: the window (index-fold.c and index-find.c use it) */
/* Add a block at one end: 1 rows came, 0 the folder ends, -1 error. */
int	ix_grow(struct ix *, bool forward);
/* Keep top within the rows and the selection on screen. */
void	ix_settle(struct ix *);
/* Fetch enough around the screen that the next moves need no query. */
int	ix_fill_margins(struct ix *);
int	ix_load_top(struct ix *);
/* Rebuild the window from first and select id again (index.c). */
int	ix_reload_at(struct ix *, const struct ix_key *first, int64_t id,
	    const struct ix_key *key, size_t off);
/* The first key of the selection's block. */
const struct ix_key *ix_sel_block_first(const struct ix *);

/* index-thread.c (below index.c) */
/* The newest limit messages of thread tid shown in the window. */
int	ix_thread_newest(struct ix *, int64_t tid, int limit, store_msg_cb,
	    void *);
/* Is the thread of root id in the fold list? */
bool	ix_fold_listed(const struct ix *, int64_t id);
/* The end of the drawn thread starting at row i: the next root. */
size_t	ix_group_end(const struct ix_row *, size_t n, size_t i);
/* A threaded block from the raw page after (forward) or before from. */
int	ix_fetch_threaded(struct ix *, const struct ix_key *from,
	    bool forward, struct rowbuf *);
/* The unread messages of a collapsed row's thread into r->unread. */
void	ix_count_unread(struct ix_row *);

#endif
