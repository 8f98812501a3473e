/*
 * to-imap.c - the part of a query an IMAP server can answer: a search tree
 * (query.c) as the arguments of UID SEARCH (RFC 3501 6.4.4) for one
 * folder of one account, for the bodies that are not in the store
 * (doc/SEARCH.md, "Asking the server").
 *
 * The user's words never reach the server as syntax: a string of printable
 * ASCII goes as a quoted string with '"' and '\' escaped, anything else as
 * a literal ({N} CRLF and the bytes, with CHARSET UTF-8 before the keys),
 * which the sender (imap_uid_search() in src/net/imapcmd-search.c) sends after the server's "+".
 * The parser already refused control characters, so a CRLF in the result
 * only ever ends a literal's announcement.
 *
 * folder: and account: are decided here against the folder being asked
 * (true or false), so a query that cannot match in it is not sent at all.
 * What IMAP cannot say (attachment names, has:attachment, thread:) is
 * refused rather than dropped: a dropped condition would make the server
 * find more than the query means.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "search/search.h"
#include "util/i18n.h"

/* A growing string; never NULL once started. */
struct buf {
	char	*s;
	size_t	 len, cap;
};

static void
buf_addn(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_addn(b, s, strlen(s));
}

/* A key: KEY_TRUE and KEY_FALSE are decided here, KEY_TEXT is IMAP. */
enum key_kind { KEY_TRUE, KEY_FALSE, KEY_TEXT, KEY_ERROR };

struct ctx {
	const char	*folder;
	const char	*account;
	bool		 utf8;		/* a literal holds non-ASCII */
	struct perr	*err;
};

/* s as an IMAP string: quoted when printable ASCII, else a literal. */
static void
add_string(struct ctx *c, struct buf *b, const char *s)
{
	const unsigned char	*p;
	char			 n[32];

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			break;
	if (*p == '\0') {
		buf_adds(b, "\"");
		for (p = (const unsigned char *)s; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_adds(b, "\\");
			buf_addn(b, (const char *)p, 1);
		}
		buf_adds(b, "\"");
		return;
	}
	c->utf8 = true;
	snprintf(n, sizeof n, "{%zu}\r\n", strlen(s));
	buf_adds(b, n);
	buf_adds(b, s);
}

static enum key_kind	key(struct ctx *, const struct search_node *,
			    struct buf *);

static enum key_kind
refuse(struct ctx *c, const char *what)
{
	perr_set(c->err, PERR_GENERIC, _("search: the server cannot search %s"),
	    what);
	return KEY_ERROR;
}

/* One text field: FROM "x"; to: is OR TO "x" CC "x". */
static const struct {
	unsigned	 bit;
	const char	*name;
} text_keys[] = {
	{ SEARCH_F_SUBJECT, "SUBJECT" },
	{ SEARCH_F_FROM, "FROM" },
	{ SEARCH_F_TO, "TO" },
	{ SEARCH_F_CC, "CC" },
	{ SEARCH_F_BODY, "BODY" },
};

static enum key_kind
key_text(struct ctx *c, const struct search_node *n, struct buf *b)
{
	unsigned	 left;
	size_t		 i;

	/* Every field: TEXT is the header and the body, MIME headers (and
	 * so attachment names) included. */
	if (n->fields == SEARCH_F_ALL) {
		buf_adds(b, "TEXT ");
		add_string(c, b, n->text);
		return KEY_TEXT;
	}
	if (n->fields & SEARCH_F_ATTACHMENT)
		return refuse(c, _("attachment names (attachment:)"));
	left = n->fields;
	for (i = 0; i < sizeof text_keys / sizeof text_keys[0]; i++) {
		if ((left & text_keys[i].bit) == 0)
			continue;
		left &= ~text_keys[i].bit;
		if (left != 0)
			buf_adds(b, "OR ");
		buf_adds(b, text_keys[i].name);
		buf_adds(b, " ");
		add_string(c, b, n->text);
		if (left != 0)
			buf_adds(b, " ");
	}
	return KEY_TEXT;
}

static const char *const flag_keys[] = {
	[SEARCH_UNREAD] = "UNSEEN",
	[SEARCH_READ] = "SEEN",
	[SEARCH_FLAGGED] = "FLAGGED",
	[SEARCH_REPLIED] = "ANSWERED",
	[SEARCH_DELETED] = "DELETED",
	[SEARCH_DRAFT] = "DRAFT",
};

/* The local day of t as an IMAP date ("5-Mar-2024"); next: the day after
 * unless t is that day's midnight (an exclusive bound rounded up). */
static void
add_day(struct buf *b, int64_t t, bool round_up)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t		 tt = (time_t)t;
	struct tm	 tm;
	char		 d[32];

	if (localtime_r(&tt, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	if (round_up && (tm.tm_hour != 0 || tm.tm_min != 0 || tm.tm_sec != 0)) {
		tm.tm_mday++;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		tt = mktime(&tm);
		if (localtime_r(&tt, &tm) == NULL)
			memset(&tm, 0, sizeof tm);
	}
	snprintf(d, sizeof d, "%d-%s-%04d", tm.tm_mday,
	    mon[tm.tm_mon >= 0 && tm.tm_mon < 12 ? tm.tm_mon : 0],
	    tm.tm_year + 1900);
	buf_adds(b, d);
}

/*
 * Dates are the Date header's here, so SENTSINCE and SENTBEFORE; IMAP
 * knows whole days only, so a bound within a day (newer:3h) takes the
 * whole day: the server may find a few hours more, never less.
 */
static enum key_kind
key_date(const struct search_node *n, struct buf *b)
{
	if (n->lo == INT64_MIN && n->hi == INT64_MAX)
		return KEY_TRUE;
	if (n->lo != INT64_MIN && n->hi != INT64_MAX)
		buf_adds(b, "(");
	if (n->lo != INT64_MIN) {
		buf_adds(b, "SENTSINCE ");
		add_day(b, n->lo, false);
	}
	if (n->lo != INT64_MIN && n->hi != INT64_MAX)
		buf_adds(b, " ");
	if (n->hi != INT64_MAX) {
		buf_adds(b, "SENTBEFORE ");
		add_day(b, n->hi, true);
	}
	if (n->lo != INT64_MIN && n->hi != INT64_MAX)
		buf_adds(b, ")");
	return KEY_TEXT;
}

/* lo <= size < hi as LARGER lo-1 and SMALLER hi (IMAP sizes: 32 bits). */
static enum key_kind
key_size(const struct search_node *n, struct buf *b)
{
	bool	 has_lo = n->lo != INT64_MIN && n->lo > 0;
	bool	 has_hi = n->hi != INT64_MAX && n->hi <= UINT32_MAX;
	char	 v[64];

	if ((n->lo != INT64_MIN && n->lo > (int64_t)UINT32_MAX + 1) ||
	    (n->hi != INT64_MAX && n->hi <= 0))
		return KEY_FALSE;
	if (!has_lo && !has_hi)
		return KEY_TRUE;
	if (has_lo && has_hi)
		buf_adds(b, "(");
	if (has_lo) {
		snprintf(v, sizeof v, "LARGER %lld", (long long)(n->lo - 1));
		buf_adds(b, v);
	}
	if (has_lo && has_hi)
		buf_adds(b, " ");
	if (has_hi) {
		snprintf(v, sizeof v, "SMALLER %lld", (long long)n->hi);
		buf_adds(b, v);
	}
	if (has_lo && has_hi)
		buf_adds(b, ")");
	return KEY_TEXT;
}

/*
 * AND: a false kid makes it false, true kids drop out; OR: the other way
 * round. Kept kids go into b as "(k1 k2)" or "OR k1 OR k2 k3".
 */
static enum key_kind
key_list(struct ctx *c, const struct search_node *n, struct buf *b)
{
	bool		 and = n->kind == SEARCH_AND;
	struct buf	*kids = xcalloc(n->nkids, sizeof *kids);
	size_t		 i, nk = 0;
	enum key_kind	 k, rc = KEY_TEXT;

	for (i = 0; i < n->nkids; i++) {
		k = key(c, n->kids[i], &kids[nk]);
		if (k == KEY_ERROR) {
			rc = KEY_ERROR;
			nk++;
			break;
		}
		if (k == (and ? KEY_FALSE : KEY_TRUE)) {
			rc = k;
			nk++;
			break;
		}
		if (k == KEY_TEXT)
			nk++;
		else {
			free(kids[nk].s);
			memset(&kids[nk], 0, sizeof *kids);
		}
	}
	if (rc == KEY_TEXT && nk == 0)
		rc = and ? KEY_TRUE : KEY_FALSE;
	else if (rc == KEY_TEXT && nk == 1)
		buf_adds(b, kids[0].s);
	else if (rc == KEY_TEXT && and) {
		buf_adds(b, "(");
		for (i = 0; i < nk; i++) {
			if (i > 0)
				buf_adds(b, " ");
			buf_adds(b, kids[i].s);
		}
		buf_adds(b, ")");
	} else if (rc == KEY_TEXT) {
		for (i = 0; i < nk; i++) {
			if (i + 1 < nk)
				buf_adds(b, "OR ");
			buf_adds(b, kids[i].s);
			if (i + 1 < nk)
				buf_adds(b, " ");
		}
	}
	for (i = 0; i < nk; i++)
		free(kids[i].s);
	free(kids);
	return rc;
}

static enum key_kind
key(struct ctx *c, const struct search_node *n, struct buf *b)
{
	struct buf	 kid = { 0 };
	enum key_kind	 k;

	switch (n->kind) {
	case SEARCH_ALL:
		return KEY_TRUE;
	case SEARCH_AND:
	case SEARCH_OR:
		return key_list(c, n, b);
	case SEARCH_NOT:
		k = key(c, n->kids[0], &kid);
		if (k == KEY_TEXT) {
			buf_adds(b, "NOT ");
			buf_adds(b, kid.s);
		}
		free(kid.s);
		return k == KEY_TRUE ? KEY_FALSE : k == KEY_FALSE ? KEY_TRUE :
		    k;
	case SEARCH_TEXT:
		return key_text(c, n, b);
	case SEARCH_FLAG:
		if (n->flag == SEARCH_ATTACHMENT)
			return refuse(c, _("for attachments (has:attachment)"));
		buf_adds(b, flag_keys[n->flag]);
		return KEY_TEXT;
	case SEARCH_DATE:
		return key_date(n, b);
	case SEARCH_SIZE:
		return key_size(n, b);
	case SEARCH_FOLDER:
		/* As the store compares names: ASCII case ignored. */
		return strcasecmp(n->text, c->folder) == 0 ? KEY_TRUE :
		    KEY_FALSE;
	case SEARCH_ACCOUNT:
		return strcmp(n->text, c->account) == 0 ? KEY_TRUE : KEY_FALSE;
	case SEARCH_ID:
		buf_adds(b, "HEADER Message-ID ");
		add_string(c, b, n->text);
		return KEY_TEXT;
	case SEARCH_THREAD:
		return refuse(c, _("whole threads (thread:)"));
	}
	return refuse(c, _("this query"));
}

int
search_imap(const struct search_node *q, const char *folder,
    const char *account, char **args, struct perr *err)
{
	struct ctx	 c = { folder, account, false, err };
	struct buf	 b = { 0 };
	enum key_kind	 k;

	*args = NULL;
	k = key(&c, q, &b);
	if (k == KEY_ERROR) {
		free(b.s);
		return -1;
	}
	if (k == KEY_FALSE) {
		free(b.s);
		return 0;
	}
	if (k == KEY_TRUE)
		*args = xstrdup("ALL");
	else if (c.utf8)
		*args = xasprintf("CHARSET UTF-8 %s", b.s);
	else
		*args = xstrdup(b.s);
	free(b.s);
	return 1;
}
