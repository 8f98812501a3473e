/*
 * message.c - typed queries over messages: insert, lookups, pages, flags,
 * UIDs, deletes (message-body.c: bodies, search, POP3 UIDLs).
 *
 * The hot paths of a sync (insert, flags by UID, the UID walk) and of the
 * UI (the page query) run on statements cached per connection.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail/mail.h"
#include "store/store-int.h"
#include "util/i18n.h"

#define MSG_COLS STORE_MSG_COLS

/* Fill m from the current row; the strings are borrowed from SQLite. */
static void
msg_row(sqlite3_stmt *st, struct store_msg *m)
{
	memset(m, 0, sizeof *m);
	m->id = sqlite3_column_int64(st, 0);
	m->folder_id = sqlite3_column_int64(st, 1);
	m->uid = (uint32_t)sqlite3_column_int64(st, 2);
	m->modseq = (uint64_t)sqlite3_column_int64(st, 3);
	m->message_id = (char *)store_col_text(st, 4);
	m->in_reply_to = (char *)store_col_text(st, 5);
	m->refs = (char *)store_col_text(st, 6);
	m->thread_id = sqlite3_column_int64(st, 7);
	m->date = sqlite3_column_int64(st, 8);
	m->internal_date = sqlite3_column_int64(st, 9);
	m->from_name = (char *)store_col_text(st, 10);
	m->from_addr = (char *)store_col_text(st, 11);
	m->to_list = (char *)store_col_text(st, 12);
	m->cc_list = (char *)store_col_text(st, 13);
	m->subject = (char *)store_col_text(st, 14);
	m->size = sqlite3_column_int64(st, 15);
	m->flags = (unsigned)sqlite3_column_int64(st, 16);
	m->keywords = (char *)store_col_text(st, 17);
	m->has_attachments = sqlite3_column_int(st, 18) != 0;
	m->body_state = (enum store_body_state)sqlite3_column_int(st, 19);
	m->pop3_uidl = (char *)store_col_text(st, 20);
	m->fetched_at = sqlite3_column_int64(st, 21);
	m->problem = (char *)store_col_text(st, 22);
	m->sort_from = (char *)store_col_text(st, 23);
	m->sort_subject = (char *)store_col_text(st, 24);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Make the borrowed strings of m its own (store_msg_free releases them). */
static void
msg_own(struct store_msg *m)
{
	m->message_id = dup_or_null(m->message_id);
	m->in_reply_to = dup_or_null(m->in_reply_to);
	m->refs = dup_or_null(m->refs);
	m->from_name = dup_or_null(m->from_name);
	m->from_addr = dup_or_null(m->from_addr);
	m->to_list = dup_or_null(m->to_list);
	m->cc_list = dup_or_null(m->cc_list);
	m->subject = dup_or_null(m->subject);
	m->keywords = dup_or_null(m->keywords);
	m->pop3_uidl = dup_or_null(m->pop3_uidl);
	m->problem = dup_or_null(m->problem);
	m->sort_from = dup_or_null(m->sort_from);
	m->sort_subject = dup_or_null(m->sort_subject);
}

void
store_msg_free(struct store_msg *m)
{
	if (m == NULL)
		return;
	free(m->message_id);
	free(m->in_reply_to);
	free(m->refs);
	free(m->from_name);
	free(m->from_addr);
	free(m->to_list);
	free(m->cc_list);
	free(m->subject);
	free(m->keywords);
	free(m->pop3_uidl);
	free(m->problem);
	free(m->sort_from);
	free(m->sort_subject);
	memset(m, 0, sizeof *m);
}

/* Step a bound query and hand every row to cb. */
int
store_msg_walk(struct store *s, sqlite3_stmt *st, store_msg_cb cb, void *arg,
    const char *what, struct perr *err)
{
	struct store_msg	m;
	int			rc, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		msg_row(st, &m);
		if ((ret = cb(arg, &m)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_sqlerr(s, what, err);
	store_stmt_done(s, st);
	return ret;
}

/* Step a bound single-row lookup and copy the row into *m. */
static int
msg_fetch(struct store *s, sqlite3_stmt *st, struct store_msg *m,
    const char *what, struct perr *err)
{
	int	rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		msg_row(st, m);
		msg_own(m);
	} else if (rc == SQLITE_DONE)
		perr_set(err, PERR_NOTFOUND, _("%s: no message %s"), s->path,
		    what);
	else
		store_sqlerr(s, N_("look up message"), err);
	store_stmt_done(s, st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Step a bound write and report how many rows it changed. */
int
store_msg_write(struct store *s, sqlite3_stmt *st, const char *what, int64_t *n,
    struct perr *err)
{
	if (store_step_done(s, st, what, err) == -1)
		return -1;
	if (n != NULL)
		*n = sqlite3_changes(s->db);
	return 0;
}

/* ---- sort keys --------------------------------------------------------- */

/*
 * The lower-case of code point c in the scripts mail is mostly written in
 * here (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic), else c. A
 * fixed table rather than towlower(): a key must not depend on the locale
 * of the process that stored the row.
 */
static uint32_t
fold_cp(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7) ||
	    (c >= 0x391 && c <= 0x3ab && c != 0x3a2) ||
	    (c >= 0x410 && c <= 0x42f))
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	if (c == 0x178)
		return 0xff;
	/* Latin Extended-A pairs: upper even here, upper odd there. */
	if (((c >= 0x100 && c <= 0x12f) || (c >= 0x132 && c <= 0x137) ||
	    (c >= 0x14a && c <= 0x177)) && c % 2 == 0)
		return c + 1;
	if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) &&
	    c % 2 == 1)
		return c + 1;
	return c;
}

/*
 * s without leading white space, folded, at most STORE_SORT_KEY_MAX bytes
 * (a long key would only grow the index: two keys that far alike are
 * ordered by date). Every code point folded here keeps its UTF-8 length,
 * so the key is never longer than s; bytes that are not UTF-8 are kept.
 */
static char *
sort_key(const char *s)
{
	const unsigned char	*p = (const unsigned char *)(s ? s : "");
	char			*out, *o;
	uint32_t		 c;
	size_t			 len, n;

	while (*p == ' ' || *p == '\t')
		p++;
	len = strlen((const char *)p);
	o = out = xmalloc((len < STORE_SORT_KEY_MAX ? len :
	    STORE_SORT_KEY_MAX) + 1);
	while (*p != '\0') {
		/* Only the two-byte forms can hold what fold_cp changes. */
		if (*p < 0x80) {
			c = *p;
			n = 1;
		} else if ((*p & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
			c = (uint32_t)(*p & 0x1f) << 6 | (p[1] & 0x3f);
			n = 2;
		} else {
			for (n = 1; (p[n] & 0xc0) == 0x80 && n < 4; n++)
				;
			c = 0;
		}
		if ((size_t)(o - out) + n > STORE_SORT_KEY_MAX)
			break;
		if (n == 1 && c != 0)
			*o++ = (char)fold_cp(c);
		else if (n == 2 && c >= 0x80) {
			c = fold_cp(c);
			*o++ = (char)(0xc0 | c >> 6);
			*o++ = (char)(0x80 | (c & 0x3f));
		} else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return out;
}

char *
store_sort_from(const char *name, const char *addr)
{
	/* What the index shows: the name, else the address. */
	return sort_key(name != NULL && *name != '\0' ? name : addr);
}

char *
store_sort_subject(const char *subject)
{
	char	*base = mail_thread_subject_base(subject), *key;

	key = sort_key(base);
	free(base);
	return key;
}

void
store_msg_sort_key(const struct store_msg *m, enum store_sort sort,
    struct store_sort_key *k)
{
	memset(k, 0, sizeof *k);
	if (sort == STORE_SORT_FROM)
		k->text = m->sort_from != NULL ? m->sort_from : "";
	else if (sort == STORE_SORT_SUBJECT)
		k->text = m->sort_subject != NULL ? m->sort_subject : "";
	else if (sort == STORE_SORT_SIZE)
		k->size = m->size;
	k->date = m->date;
	k->id = m->id;
}

/* ---- insert and lookups ----------------------------------------------- */

/*
 * Insert m with body_state state: STORE_BODY_NONE for a header record,
 * STORE_BODY_FULL when the caller stores its body in the same transaction.
 * The search index gets the row at the commit (search-index.c), whole
 * when body_put() in message-body.c adds the body; with m->index_later it
 * waits for a body that comes in a later transaction (fts_state 1).
 */
int
store_msg_insert_state(struct store *s, const struct store_msg *m,
    enum store_body_state state, int64_t *id, struct perr *err)
{
	/* fetched_at starts empty: body_put() sets it. */
	static const char	 sql[] =
	    "INSERT INTO message(folder_id, uid, modseq, message_id,"
	    " in_reply_to, refs, thread_id, date, internal_date, from_name,"
	    " from_addr, to_list, cc_list, subject, size, flags, keywords,"
	    " has_attachments, pop3_uidl, problem, sort_from, sort_subject,"
	    " body_state, fts_state)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)"
	    " ON CONFLICT(folder_id, uid) DO NOTHING RETURNING id";
	static const char	 sql_have[] =
	    "SELECT id FROM message WHERE folder_id = ?1 AND uid = ?2";
	sqlite3_stmt		*st;
	char			*sort_from, *sort_subject;
	int64_t			 nid;
	bool			 later;
	int			 rc;

	/* Only a header record can wait for its body. */
	later = m->index_later && state != STORE_BODY_FULL;
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	/* SQLITE_TRANSIENT: SQLite copies them, they go right after binding. */
	sort_from = store_sort_from(m->from_name, m->from_addr);
	sort_subject = store_sort_subject(m->subject);
	rc = sqlite3_bind_text(st, 21, sort_from, -1, SQLITE_TRANSIENT) ==
	    SQLITE_OK && sqlite3_bind_text(st, 22, sort_subject, -1,
	    SQLITE_TRANSIENT) == SQLITE_OK;
	free(sort_from);
	free(sort_subject);
	if (!rc ||
	    sqlite3_bind_int64(st, 1, m->folder_id) != SQLITE_OK ||
	    store_bind_nz(st, 2, m->uid) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (int64_t)m->modseq) != SQLITE_OK ||
	    store_bind_text(st, 4, m->message_id) != SQLITE_OK ||
	    store_bind_text(st, 5, m->in_reply_to) != SQLITE_OK ||
	    store_bind_text(st, 6, m->refs) != SQLITE_OK ||
	    store_bind_nz(st, 7, m->thread_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 8, m->date) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 9, m->internal_date) != SQLITE_OK ||
	    store_bind_text(st, 10, m->from_name) != SQLITE_OK ||
	    store_bind_text(st, 11, m->from_addr) != SQLITE_OK ||
	    store_bind_text(st, 12, m->to_list) != SQLITE_OK ||
	    store_bind_text(st, 13, m->cc_list) != SQLITE_OK ||
	    store_bind_text(st, 14, m->subject) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 15, m->size) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 16, m->flags) != SQLITE_OK ||
	    store_bind_text(st, 17, m->keywords) != SQLITE_OK ||
	    sqlite3_bind_int(st, 18, m->has_attachments) != SQLITE_OK ||
	    store_bind_text(st, 19, m->pop3_uidl) != SQLITE_OK ||
	    store_bind_text(st, 20, m->problem) != SQLITE_OK ||
	    sqlite3_bind_int(st, 23, (int)state) != SQLITE_OK ||
	    sqlite3_bind_int(st, 24, later ? 1 : 2) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("add message"), err);

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		nid = sqlite3_column_int64(st, 0);
		if (id != NULL)
			*id = nid;
		/* RETURNING: finish the statement so the insert completes. */
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			store_stmt_done(s, st);
			return later ? 0 : store_index_stage_new(s, nid, err);
		}
	}
	if (rc != SQLITE_DONE)
		return store_msg_bind_fail(s, st, N_("add message"), err);
	store_stmt_done(s, st);

	/* No row came back: the folder already holds this UID. */
	if ((st = store_stmt(s, sql_have, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, m->folder_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, m->uid) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("add message"), err);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		return store_msg_bind_fail(s, st, N_("add message"), err);
	if (id != NULL)
		*id = sqlite3_column_int64(st, 0);
	store_stmt_done(s, st);
	return 1;
}

int
store_msg_insert(struct store *s, const struct store_msg *m, int64_t *id,
    struct perr *err)
{
	struct perr	ignored;
	int		rc;

	if (s->depth > 0)
		return store_msg_insert_state(s, m, STORE_BODY_NONE, id, err);
	/* The search index gets the row at a commit: make one. */
	if (store_begin(s, err) == -1)
		return -1;
	if ((rc = store_msg_insert_state(s, m, STORE_BODY_NONE, id, err)) < 0) {
		(void)store_rollback(s, &ignored);
		return -1;
	}
	return store_commit(s, err) == -1 ? -1 : rc;
}

int
store_msg_get(struct store *s, int64_t id, struct store_msg *m,
    struct perr *err)
{
	static const char	 sql[] =
	    "SELECT " MSG_COLS " FROM message m WHERE m.id = ?1";
	sqlite3_stmt		*st;
	char			 what[40];

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("look up message"), err);
	(void)snprintf(what, sizeof what, _("with id %lld"), (long long)id);
	return msg_fetch(s, st, m, what, err);
}

int
store_msg_by_uid(struct store *s, int64_t folder_id, uint32_t uid,
    struct store_msg *m, struct perr *err)
{
	static const char	 sql[] = "SELECT " MSG_COLS
	    " FROM message m WHERE m.folder_id = ?1 AND m.uid = ?2";
	sqlite3_stmt		*st;
	char			 what[64];

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, uid) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("look up message"), err);
	(void)snprintf(what, sizeof what, _("with UID %lu in folder %lld"),
	    (unsigned long)uid, (long long)folder_id);
	return msg_fetch(s, st, m, what, err);
}

int
store_msg_by_message_id(struct store *s, const char *message_id,
    int64_t folder_id, store_msg_cb cb, void *arg, struct perr *err)
{
	static const char	 sql[] = "SELECT " MSG_COLS
	    " FROM message m WHERE m.message_id = ?1"
	    " AND (?2 = 0 OR m.folder_id = ?2) ORDER BY m.id";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (store_bind_text(st, 1, message_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, folder_id) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("find Message-ID"), err);
	return store_msg_walk(s, st, cb, arg, N_("find Message-ID"), err);
}

int
store_msg_by_subject(struct store *s, int64_t account_id, const char *subject,
    int limit, store_msg_cb cb, void *arg, struct perr *err)
{
	/*
	 * The (folder_id, sort_subject, date) index, one range per folder of
	 * the account: the rows written in this transaction are found too,
	 * and the cost follows the matches, not the store.
	 */
	static const char	 sql[] = "SELECT " MSG_COLS
	    " FROM message m WHERE m.sort_subject = ?1"
	    " AND m.folder_id IN (SELECT id FROM folder WHERE account_id = ?2)"
	    " ORDER BY m.date DESC, m.id DESC LIMIT ?3";
	sqlite3_stmt		*st;
	char			*key;
	int			 rc;

	if (limit <= 0)
		return 0;
	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	key = store_sort_subject(subject);
	rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	free(key);
	if (rc != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, account_id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, limit) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("find subject"), err);
	return store_msg_walk(s, st, cb, arg, N_("find subject"), err);
}

int
store_msg_thread(struct store *s, int64_t thread_id, store_msg_cb cb,
    void *arg, struct perr *err)
{
	static const char	 sql[] = "SELECT " MSG_COLS
	    " FROM message m WHERE m.thread_id = ?1 ORDER BY m.date, m.id";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, thread_id) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("list thread"), err);
	return store_msg_walk(s, st, cb, arg, N_("list thread"), err);
}

int
store_msg_thread_newest(struct store *s, int64_t thread_id,
    int64_t folder_id, int limit, store_msg_cb cb, void *arg,
    struct perr *err)
{
	static const char	 sql[] = "SELECT " MSG_COLS
	    " FROM message m WHERE m.thread_id = ?1 AND m.folder_id = ?2"
	    " ORDER BY m.date DESC, m.id DESC LIMIT ?3";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, thread_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, folder_id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, limit) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("list thread"), err);
	return store_msg_walk(s, st, cb, arg, N_("list thread"), err);
}

/* ---- pages ------------------------------------------------------------ */

/*
 * One statement per order, direction and start (from the first row, or
 * after a key). The keyset is compared as a row value: SQLite turns it into
 * a range on the order's index, whose entries end with the rowid, and reads
 * only `limit` rows of it (test_store.c checks the plans). ?2 is the key
 * (the date order has none), ?3 the date, ?4 the id, ?5 the limit.
 */
#define PAGE_FROM	"SELECT " MSG_COLS " FROM message m WHERE m.folder_id = ?1"
#define PAGE_AFTER(cols, cmp, params) " AND (" cols ") " cmp " (" params ")"
#define PAGE_ORDER(cols) " ORDER BY " cols " LIMIT ?5"
#define PAGE_SQL(key, asc, desc) {					\
	{ PAGE_FROM PAGE_ORDER(asc),					\
	  PAGE_FROM PAGE_AFTER(key "m.date, m.id", ">", "?2, ?3, ?4")	\
	      PAGE_ORDER(asc) },					\
	{ PAGE_FROM PAGE_ORDER(desc),					\
	  PAGE_FROM PAGE_AFTER(key "m.date, m.id", "<", "?2, ?3, ?4")	\
	      PAGE_ORDER(desc) } }

/* page_sql[sort][desc][after != NULL] */
static const char *const page_sql[][2][2] = {
	[STORE_SORT_DATE] = {
		{ PAGE_FROM PAGE_ORDER("m.date, m.id"),
		  PAGE_FROM PAGE_AFTER("m.date, m.id", ">", "?3, ?4")
		      PAGE_ORDER("m.date, m.id") },
		{ PAGE_FROM PAGE_ORDER("m.date DESC, m.id DESC"),
		  PAGE_FROM PAGE_AFTER("m.date, m.id", "<", "?3, ?4")
		      PAGE_ORDER("m.date DESC, m.id DESC") } },
	[STORE_SORT_FROM] = PAGE_SQL("m.sort_from, ",
	    "m.sort_from, m.date, m.id",
	    "m.sort_from DESC, m.date DESC, m.id DESC"),
	[STORE_SORT_SUBJECT] = PAGE_SQL("m.sort_subject, ",
	    "m.sort_subject, m.date, m.id",
	    "m.sort_subject DESC, m.date DESC, m.id DESC"),
	[STORE_SORT_SIZE] = PAGE_SQL("m.size, ",
	    "m.size, m.date, m.id",
	    "m.size DESC, m.date DESC, m.id DESC"),
};

int
store_msg_page_sorted(struct store *s, int64_t folder_id, enum store_sort sort,
    const struct store_sort_key *after, bool desc, int limit, store_msg_cb cb,
    void *arg, struct perr *err)
{
	sqlite3_stmt	*st;
	int		 rc = SQLITE_OK;

	if ((unsigned)sort >= sizeof page_sql / sizeof page_sql[0])
		return perr_set(err, PERR_GENERIC, _("%s: list messages: no "
		    "sort order %d"), s->path, (int)sort);
	/* SQLite reads a negative LIMIT as "no limit": never that. */
	if (limit <= 0)
		return 0;
	if ((st = store_stmt(s, page_sql[sort][desc][after != NULL], err)) ==
	    NULL)
		return -1;
	if (after != NULL) {
		/* A copy: the callback may well move *after along. */
		if (sort == STORE_SORT_FROM || sort == STORE_SORT_SUBJECT)
			rc = sqlite3_bind_text(st, 2, after->text != NULL ?
			    after->text : "", -1, SQLITE_TRANSIENT);
		else if (sort == STORE_SORT_SIZE)
			rc = sqlite3_bind_int64(st, 2, after->size);
		if (rc != SQLITE_OK ||
		    sqlite3_bind_int64(st, 3, after->date) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 4, after->id) != SQLITE_OK)
			return store_msg_bind_fail(s, st, N_("list messages"), err);
	}
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 5, limit) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("list messages"), err);
	return store_msg_walk(s, st, cb, arg, N_("list messages"), err);
}

/* The date order's keyset as it was before the other orders came. */
static int
page_by_date(struct store *s, int64_t folder_id,
    const struct store_page_key *from, bool desc, int limit, store_msg_cb cb,
    void *arg, struct perr *err)
{
	struct store_sort_key	k = { 0 };

	if (from != NULL) {
		k.date = from->date;
		k.id = from->id;
	}
	return store_msg_page_sorted(s, folder_id, STORE_SORT_DATE,
	    from != NULL ? &k : NULL, desc, limit, cb, arg, err);
}

int
store_msg_page(struct store *s, int64_t folder_id,
    const struct store_page_key *after, int limit, store_msg_cb cb,
    void *arg, struct perr *err)
{
	return page_by_date(s, folder_id, after, true, limit, cb, arg, err);
}

int
store_msg_page_newer(struct store *s, int64_t folder_id,
    const struct store_page_key *before, int limit, store_msg_cb cb,
    void *arg, struct perr *err)
{
	return page_by_date(s, folder_id, before, false, limit, cb, arg, err);
}

/* ---- flags, UIDs, deletes --------------------------------------------- */

int
store_msg_flags_change(struct store *s, int64_t id, unsigned add,
    unsigned remove, struct perr *err)
{
	static const char	 sql[] = "UPDATE message"
	    " SET flags = (flags | ?2) & ~?3 WHERE id = ?1";
	sqlite3_stmt		*st;
	int64_t			 n;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, add) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, remove) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("change flags"), err);
	if (store_msg_write(s, st, N_("change flags"), &n, err) == -1)
		return -1;
	return n > 0;
}

int
store_msg_flags_uid(struct store *s, int64_t folder_id, uint32_t uid,
    unsigned flags, const char *keywords, uint64_t modseq, struct perr *err)
{
	static const char	 sql[] = "UPDATE message SET flags = ?3,"
	    " keywords = CASE WHEN ?4 IS NULL THEN keywords"
	    "   ELSE nullif(?4, '') END,"
	    " modseq = CASE WHEN ?5 = 0 THEN modseq ELSE ?5 END"
	    " WHERE folder_id = ?1 AND uid = ?2";
	sqlite3_stmt		*st;
	int64_t			 n;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, uid) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, flags) != SQLITE_OK ||
	    store_bind_text(st, 4, keywords) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, (int64_t)modseq) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("set flags"), err);
	if (store_msg_write(s, st, N_("set flags"), &n, err) == -1)
		return -1;
	return n > 0;
}

int
store_msg_set_modseq(struct store *s, int64_t folder_id, uint32_t uid,
    uint64_t modseq, struct perr *err)
{
	static const char	 sql[] = "UPDATE message SET modseq = ?3"
	    " WHERE folder_id = ?1 AND uid = ?2";
	sqlite3_stmt		*st;
	int64_t			 n;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, uid) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (int64_t)modseq) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("set modseq"), err);
	if (store_msg_write(s, st, N_("set modseq"), &n, err) == -1)
		return -1;
	return n > 0;
}

/* An update of one row by id: a missing row is PERR_NOTFOUND. */
int
store_msg_write_id(struct store *s, sqlite3_stmt *st, int64_t id,
    const char *what, struct perr *err)
{
	int64_t	n;

	if (store_msg_write(s, st, what, &n, err) == -1)
		return -1;
	if (n == 0)
		return perr_set(err, PERR_NOTFOUND, _("%s: %s: no message with "
		    "id %lld"), s->path, _(what), (long long)id);
	return 0;
}

int
store_msg_set_uid(struct store *s, int64_t id, uint32_t uid,
    struct perr *err)
{
	static const char	 sql[] =
	    "UPDATE message SET uid = ?2 WHERE id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    store_bind_nz(st, 2, uid) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("set UID"), err);
	return store_msg_write_id(s, st, id, N_("set UID"), err);
}

int
store_msg_set_problem(struct store *s, int64_t id, const char *problem,
    struct perr *err)
{
	static const char	 sql[] =
	    "UPDATE message SET problem = ?2 WHERE id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    store_bind_text(st, 2, problem) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("set problem"), err);
	return store_msg_write_id(s, st, id, N_("set problem"), err);
}

int
store_msg_set_size(struct store *s, int64_t id, int64_t size,
    struct perr *err)
{
	static const char	 sql[] =
	    "UPDATE message SET size = ?2 WHERE id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, size) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("set size"), err);
	return store_msg_write_id(s, st, id, N_("set size"), err);
}

int
store_msg_set_thread(struct store *s, int64_t id, int64_t thread_id,
    struct perr *err)
{
	static const char	 sql[] =
	    "UPDATE message SET thread_id = ?2 WHERE id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    store_bind_nz(st, 2, thread_id) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("set thread"), err);
	return store_msg_write_id(s, st, id, N_("set thread"), err);
}

/* Deletes: the body cascades, a trigger removes the search row. */
int
store_msg_delete(struct store *s, int64_t id, struct perr *err)
{
	static const char	 sql[] = "DELETE FROM message WHERE id = ?1";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("delete message"), err);
	return store_msg_write_id(s, st, id, N_("delete message"), err);
}

int
store_msg_delete_uid(struct store *s, int64_t folder_id, uint32_t uid,
    int64_t *n, struct perr *err)
{
	return store_msg_delete_uids(s, folder_id, uid, uid, n, err);
}

int
store_msg_delete_uids(struct store *s, int64_t folder_id, uint32_t first,
    uint32_t last, int64_t *n, struct perr *err)
{
	static const char	 sql[] = "DELETE FROM message"
	    " WHERE folder_id = ?1 AND uid BETWEEN ?2 AND ?3";
	sqlite3_stmt		*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, first) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, last) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("delete messages"), err);
	return store_msg_write(s, st, N_("delete messages"), n, err);
}

int
store_msg_uids(struct store *s, int64_t folder_id, store_uid_cb cb,
    void *arg, struct perr *err)
{
	static const char	 sql[] = "SELECT id, uid, flags, modseq,"
	    " keywords FROM message WHERE folder_id = ?1 AND uid IS NOT NULL"
	    " ORDER BY uid";

	return store_uid_walk(s, sql, folder_id, N_("list UIDs"), cb, arg, err);
}

int
store_uid_walk(struct store *s, const char *sql, int64_t folder_id,
    const char *what, store_uid_cb cb, void *arg, struct perr *err)
{
	sqlite3_stmt		*st;
	struct store_uid	 u;
	int			 rc, ret = 0;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK)
		return store_msg_bind_fail(s, st, what, err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		u.id = sqlite3_column_int64(st, 0);
		u.uid = (uint32_t)sqlite3_column_int64(st, 1);
		u.flags = (unsigned)sqlite3_column_int64(st, 2);
		u.modseq = (uint64_t)sqlite3_column_int64(st, 3);
		u.keywords = store_col_text(st, 4);
		if ((ret = cb(arg, &u)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_sqlerr(s, what, err);
	store_stmt_done(s, st);
	return ret;
}

int
store_msg_bodiless(struct store *s, int64_t folder_id, int64_t since,
    int64_t max_size, bool problem, store_bodiless_cb cb, void *arg,
    struct perr *err)
{
	/* The WHERE repeats the partial index's condition so SQLite uses it. */
	static const char	 sql[] = "SELECT id, uid, size FROM message"
	    " WHERE folder_id = ?1 AND body_state <> 2 AND uid IS NOT NULL"
	    "   AND size <= ?3 AND (problem IS NOT NULL) = ?4"
	    "   AND (?2 = 0 OR date >= ?2 OR (date = 0 AND internal_date >= "
	    "?2)) ORDER BY date DESC, id DESC";
	sqlite3_stmt		*st;
	int			 rc, stop = 0;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, since) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, max_size) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, problem) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("messages without a body"),
		    err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && stop == 0)
		stop = cb(arg, sqlite3_column_int64(st, 0),
		    (uint32_t)sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2));
	if (stop == 0 && rc != SQLITE_DONE)
		return store_msg_bind_fail(s, st, N_("messages without a body"),
		    err);
	store_stmt_done(s, st);
	return stop;
}

/* One UID (0 for none) from sql, ?1 = folder_id. */
static int
uid_query(struct store *s, const char *sql, int64_t folder_id, uint32_t *uid,
    struct perr *err)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql, err)) == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, folder_id) != SQLITE_OK)
		return store_msg_bind_fail(s, st, N_("highest UID"), err);
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_msg_bind_fail(s, st, N_("highest UID"), err);
	*uid = (uint32_t)sqlite3_column_int64(st, 0);
	store_stmt_done(s, st);
	return 0;
}

int
store_msg_max_uid(struct store *s, int64_t folder_id, uint32_t *uid,
    struct perr *err)
{
	return uid_query(s, "SELECT coalesce(max(uid), 0) FROM message"
	    " WHERE folder_id = ?1", folder_id, uid, err);
}

int
store_msg_whole_uid(struct store *s, int64_t folder_id, uint32_t *uid,
    struct perr *err)
{
	/* Down the (folder_id, uid) index, past the few with a problem. */
	return uid_query(s, "SELECT coalesce((SELECT uid FROM message"
	    " WHERE folder_id = ?1 AND uid IS NOT NULL AND problem IS NULL"
	    " ORDER BY uid DESC LIMIT 1), 0)", folder_id, uid, err);
}
