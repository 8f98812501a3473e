/*
 * search.h - the face of src/search: posta's query language, parsed into a
 * tree that src/store compiles to SQL (doc/SEARCH.md is the user's guide).
 *
 *   query.c     search_parse(): text to a tree of struct search_node,
 *               with every error naming its position (query-terms.c reads
 *               the flag, date and size values; query-tree.c makes, frees
 *               and prints the tree; query-lex.c, the bottom floor, errors
 *               and values)
 *   imap.c      search_imap(): a tree as the arguments of an IMAP UID
 *               SEARCH for one folder (the bodies not in the store)
 *
 * Pure functions like src/mail: no I/O, no global state, no SQL. The
 * query is hostile input (a saved search, a pasted string): it is parsed
 * by posta and never handed to SQLite or FTS5 as text, every bound is
 * checked (length, nesting, terms), invalid UTF-8 is refused, and every
 * error reads "search: N: what was expected" where N is the 1-based
 * character position.
 */
#ifndef POSTA_SEARCH_H
#define POSTA_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* Bounds that keep a hostile query cheap and the SQL within SQLite's. */
#define SEARCH_MAX_LEN		4096	/* bytes of query text */
#define SEARCH_MAX_DEPTH	32	/* nested (), {}, NOT and thread: */
#define SEARCH_MAX_TERMS	128	/* terms of one query */

enum search_kind {
	SEARCH_ALL,		/* the empty query: every message */
	SEARCH_AND,		/* every kid */
	SEARCH_OR,		/* any kid */
	SEARCH_NOT,		/* not kids[0] */
	SEARCH_TEXT,		/* a word, phrase or prefix in text fields */
	SEARCH_FLAG,		/* is: / has: */
	SEARCH_DATE,		/* lo <= Date: < hi */
	SEARCH_SIZE,		/* lo <= size < hi */
	SEARCH_FOLDER,		/* folder named text (any account) */
	SEARCH_ACCOUNT,		/* account named text */
	SEARCH_ID,		/* Message-ID text, without <> */
	SEARCH_THREAD,		/* every message of the threads of kids[0] */
};

/* The text fields a SEARCH_TEXT looks in (bits; all of them for a free
 * word). */
enum search_field {
	SEARCH_F_SUBJECT	= 1 << 0,
	SEARCH_F_FROM		= 1 << 1,
	SEARCH_F_TO		= 1 << 2,
	SEARCH_F_CC		= 1 << 3,
	SEARCH_F_BODY		= 1 << 4,
	SEARCH_F_ATTACHMENT	= 1 << 5,
	SEARCH_F_ALL		= (1 << 6) - 1,
};

enum search_flag {
	SEARCH_UNREAD,
	SEARCH_READ,
	SEARCH_FLAGGED,
	SEARCH_REPLIED,
	SEARCH_DELETED,
	SEARCH_DRAFT,
	SEARCH_ATTACHMENT,	/* has:attachment */
};

struct search_node {
	enum search_kind	  kind;
	struct search_node	**kids;		/* AND, OR: n >= 2; NOT,
						   THREAD: 1 */
	size_t			  nkids;
	/* TEXT: UTF-8 as typed (no quotes); FOLDER, ACCOUNT, ID: the name. */
	char			 *text;
	unsigned		  fields;	/* TEXT: enum search_field bits */
	bool			  prefix;	/* TEXT: word* */
	enum search_flag	  flag;		/* FLAG */
	int64_t			  lo, hi;	/* DATE (unix time), SIZE
						   (bytes); hi exclusive,
						   INT64_MAX: no bound */
};

/*
 * Parse query (NUL-terminated) into *out. now is the clock for newer: and
 * older: (unix seconds); dates are read in the local time zone. Returns 0
 * and a tree the caller frees with search_free() (SEARCH_ALL for an empty
 * query), or -1 with err set: PERR_SYNTAX, "search: N: ..." where N is the
 * 1-based character position of the mistake.
 */
int	search_parse(const char *query, int64_t now, struct search_node **out,
	    struct perr *err);
/*
 * The tree as an s-expression, for tests and --explain: (and (text
 * subject "fattura") (flag unread) (date 1704067200 -)); dates and sizes
 * as lo and hi, "-" for no bound. Malloc'd; the caller frees it.
 */
char	*search_format(const struct search_node *);
/* Free a tree (and every kid). NULL is fine. */
void	search_free(struct search_node *);

/*
 * Build trees by hand (the faces' --folder and --account options, tests).
 * search_and() takes both trees (either may be NULL: the other is
 * returned); search_leaf() copies text.
 */
struct search_node	*search_and(struct search_node *, struct search_node *);
struct search_node	*search_leaf(enum search_kind, const char *text);
struct search_node	*search_thread(struct search_node *);

/*
 * The arguments of an IMAP UID SEARCH (after "UID SEARCH ") asking what q
 * asks, for the folder named folder of the account named account:
 * folder: and account: are decided here. Strings are quoted (printable
 * ASCII, '"' and '\' escaped) or literals ("{N}\r\n" and the bytes, then
 * "CHARSET UTF-8" first); a "\r\n" in *args only ever ends a literal's
 * "{N}". Words are IMAP substrings (the server may find more: "ross" in
 * "rossini"); dates are SENTSINCE/SENTBEFORE of whole local days; sizes
 * LARGER/SMALLER. Returns 1 with *args (malloc'd), 0 when q can match
 * nothing in that folder (*args NULL: do not ask), or -1 with err set
 * (PERR_GENERIC: attachment:, has:attachment and thread: cannot be said
 * in IMAP; "search: the server cannot search ...").
 */
int	search_imap(const struct search_node *q, const char *folder,
	    const char *account, char **args, struct perr *err);

#endif
