/*
 * store-int.h - private to src/store: the plumbing its .c files share
 * (the connection, the statement cache, the error helpers). Nothing
 * outside src/store includes it, except the store's own unit test, which
 * reads query plans.
 *
 * Floors (a file calls only files below it, never up): store.c is the top
 * floor (open, close); then schema.c; then message-body.c; then
 * message.c; then search-index.c (what goes into the search index);
 * store-util.c (statement cache, errors, binding, transactions, and the
 * commit's write of the staged index rows) is the bottom floor that every
 * file calls. folder.c,
 * journal.c, outbox.c, pop3-uidl.c and query-sql.c are entry points of
 * their own that call only message.c and store-util.c (query-sql.c
 * through its own floors, query-walk.c then query-build.c:
 * query-sql-int.h).
 */
#ifndef POSTA_STORE_INT_H
#define POSTA_STORE_INT_H

#include "store/store.h"

#include <sqlite3.h>

struct store_cached {
	const char	*sql;		/* identity: the static string's address */
	sqlite3_stmt	*stmt;
};

struct store {
	sqlite3			*db;
	char			*path;
	int			 flags;
	int			 depth;		/* transaction nesting */
	bool			 ready;		/* opened and schema checked */
	bool			 staged;	/* rows wait in temp.fts_stage */
	bool			 bulk;		/* store_bulk_begin() settings */
	struct store_cached	*cache;
	size_t			 ncache;
	size_t			 cachecap;
};

/*
 * A prepared statement for sql, which must be a string literal (the cache
 * is keyed by its address). Cached for the connection's life; if the cached
 * one is still running (a callback re-entered the store), a fresh one is
 * prepared. Give it back with store_stmt_done(). NULL on error.
 */
sqlite3_stmt	*store_stmt(struct store *, const char *sql, struct perr *);
/* Reset and unbind a cached statement, finalize a fresh one. NULL is fine. */
void		 store_stmt_done(struct store *, sqlite3_stmt *);
/* Step a statement expected to finish without rows, then give it back. */
int		 store_step_done(struct store *, sqlite3_stmt *, const char *what,
		    struct perr *);
/* Run SQL without results (DDL, pragmas). */
int		 store_exec(struct store *, const char *sql, const char *what,
		    struct perr *);
/* Make query-walk.c's SQL functions (posta_in) known to the connection. */
int		 store_find_register(struct store *, struct perr *);
/* Fill err with "PATH: what: SQLite's message"; returns -1. */
int		 store_sqlerr(struct store *, const char *what, struct perr *);
/* Bind helpers: NULL text binds NULL; _nz binds NULL for 0. */
int		 store_bind_text(sqlite3_stmt *, int, const char *);
int		 store_bind_nz(sqlite3_stmt *, int, int64_t);
/* A column as a NUL-terminated string or NULL (borrowed from SQLite). */
const char	*store_col_text(sqlite3_stmt *, int);

/*
 * Walk the rows of sql (SELECT id, uid, flags, modseq, keywords ... with
 * ?1 = folder_id) through cb; what names the walk in errors. message.c.
 */
int		 store_uid_walk(struct store *, const char *sql,
		    int64_t folder_id, const char *what, store_uid_cb cb,
		    void *arg, struct perr *);

/*
 * The sort keys of a message (message.c; schema version 5): the sender as
 * the index shows it (name, else address) and the base subject, without
 * leading white space, case-folded (ASCII, Latin-1, Latin Extended-A,
 * Greek, Cyrillic), cut at STORE_SORT_KEY_MAX bytes on a character
 * boundary. Malloc'd; the caller frees. NULL arguments read as "".
 */
#define STORE_SORT_KEY_MAX	160
char		*store_sort_from(const char *name, const char *addr);
char		*store_sort_subject(const char *subject);

/* The columns msg_row() reads, and a walk of such rows through cb
 * (message.c): it gives the statement back with store_stmt_done(). */
#define STORE_MSG_COLS \
	"m.id, m.folder_id, m.uid, m.modseq, m.message_id, m.in_reply_to, " \
	"m.refs, m.thread_id, m.date, m.internal_date, m.from_name, " \
	"m.from_addr, m.to_list, m.cc_list, m.subject, m.size, m.flags, " \
	"m.keywords, m.has_attachments, m.body_state, m.pop3_uidl, " \
	"m.fetched_at, m.problem, m.sort_from, m.sort_subject"
int		 store_msg_walk(struct store *, sqlite3_stmt *, store_msg_cb,
		    void *arg, const char *what, struct perr *);

/*
 * search-index.c: the writers' side of message_fts (see there). prepare
 * makes the connection's staging table (read-write connections only);
 * stage_new stages a row just inserted (its header columns), stage_body a
 * row's body text and file names (call it before the row's fts_state
 * changes). store-util.c: flush writes every staged row; store_commit()
 * calls it before the outermost COMMIT, as must anything that reads
 * message_fts inside a write transaction.
 */
int		 store_index_prepare(struct store *, struct perr *);
int		 store_index_stage_new(struct store *, int64_t id,
		    struct perr *);
int		 store_index_stage_body(struct store *, int64_t id,
		    const char *text, const char *names, struct perr *);
int		 store_index_flush(struct store *, struct perr *);

/* schema.c (called by store.c only) */
int		 store_schema_migrate(struct store *, struct perr *);
int		 store_schema_check(struct store *, struct perr *);

/* message.c: what message-body.c shares with it. */
int	store_msg_insert_state(struct store *, const struct store_msg *,
	    enum store_body_state, int64_t *id, struct perr *);
/*
 * store-util.c: a bind or step that failed: err filled from SQLite, the
 * statement given back; returns -1. Any file may use it.
 */
int	store_msg_bind_fail(struct store *, sqlite3_stmt *, const char *what,
	    struct perr *);
/* Step a bound write and report how many rows it changed (n may be NULL). */
int	store_msg_write(struct store *, sqlite3_stmt *, const char *what,
	    int64_t *n, struct perr *);
/* An update of one row by id: a missing row is PERR_NOTFOUND. */
int	store_msg_write_id(struct store *, sqlite3_stmt *, int64_t id,
	    const char *what, struct perr *);

#endif
