/*
 * liststatus.c - mailboxes by name, and the STATUS lines of LIST-STATUS.
 *
 * LIST-STATUS (RFC 5819) brings the STATUS of every mailbox among LIST's
 * lines; libetpan keeps only the last STATUS of a reply, so they are read
 * from the reply's text. Each line names its mailbox: a sorted index
 * finds it, where a walk over the list made the reply quadratic in the
 * number of folders.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/liststatus.h"
#include "util/util.h"

/* By name, then by place in mbs (the array's order): a stable order. */
static int
mbx_cmp(const void *a, const void *b)
{
	const struct imap_mailbox	*x = *(const struct imap_mailbox *const *)a;
	const struct imap_mailbox	*y = *(const struct imap_mailbox *const *)b;
	int				 c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

void
mbx_index_build(struct mbx_index *ix, struct imap_mailboxes *mbs)
{
	size_t	i;

	ix->n = mbs->n;
	ix->v = mbs->n > 0 ? xreallocarray(NULL, mbs->n, sizeof *ix->v) :
	    NULL;
	for (i = 0; i < mbs->n; i++)
		ix->v[i] = &mbs->v[i];
	if (ix->n > 1)
		qsort(ix->v, ix->n, sizeof *ix->v, mbx_cmp);
}

void
mbx_index_free(struct mbx_index *ix)
{
	free(ix->v);
	ix->v = NULL;
	ix->n = 0;
}

struct imap_mailbox *
mbx_index_find(const struct mbx_index *ix, const char *name)
{
	size_t	lo = 0, hi = ix->n, mid;

	/* INBOX is case-insensitive (RFC 3501 5.1), every other name is not. */
	if (strcasecmp(name, "INBOX") == 0)
		name = "INBOX";
	/* The first of the names >= name: the first in mbs's order, too. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(ix->v[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && strcmp(ix->v[lo]->name, name) == 0 ?
	    ix->v[lo] : NULL;
}

/* An unsigned decimal of at most max at *p; advances *p. */
static bool
status_num(const char **p, const char *end, uint64_t max, uint64_t *v)
{
	const char	*q = *p;

	*v = 0;
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		if (*v > (max - (uint64_t)(*q - '0')) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(*q - '0');
	}
	if (q == *p)
		return false;
	*p = q;
	return true;
}

/*
 * The mailbox name of a STATUS line at *p, a quoted string or an atom,
 * unquoted into name (len bytes); advances *p. A literal, or a name that
 * does not fit, is not read (the mailbox then gets its own STATUS).
 */
static bool
status_name(const char **p, const char *end, char *name, size_t len)
{
	const char	*q = *p;
	size_t		 n = 0;

	if (q < end && *q == '"') {
		for (q++; q < end && *q != '"'; q++) {
			if (*q == '\\' && ++q >= end)
				return false;
			if (*q == '\r' || *q == '\n' || n + 1 >= len)
				return false;
			name[n++] = *q;
		}
		if (q >= end)
			return false;
		q++;
	} else {
		for (; q < end && *q != ' ' && *q != '\r' && *q != '(' &&
		    *q != '{' && *q != '"'; q++) {
			if (n + 1 >= len)
				return false;
			name[n++] = *q;
		}
		if (n == 0)
			return false;
	}
	name[n] = '\0';
	*p = q;
	return true;
}

/* The attribute list "(att n ...)" at p (up to end) into *st. */
static bool
status_atts(const char *p, const char *end, struct imap_status *st)
{
	char		 att[20];
	uint64_t	 v;
	size_t		 n;

	if (end - p < 2 || strncmp(p, " (", 2) != 0)
		return false;
	for (p += 2; p < end && *p != ')'; ) {
		for (n = 0; p < end && isalpha((unsigned char)*p) &&
		    n + 1 < sizeof att; p++)
			att[n++] = *p;
		att[n] = '\0';
		if (p >= end || *p++ != ' ' ||
		    !status_num(&p, end, UINT64_MAX, &v))
			return false;
		if (strcasecmp(att, "HIGHESTMODSEQ") == 0)
			st->highestmodseq = v;
		else if (v > UINT32_MAX)
			return false;
		else if (strcasecmp(att, "MESSAGES") == 0)
			st->messages = (uint32_t)v;
		else if (strcasecmp(att, "UIDNEXT") == 0)
			st->uidnext = (uint32_t)v;
		else if (strcasecmp(att, "UIDVALIDITY") == 0)
			st->uidvalidity = (uint32_t)v;
		else if (strcasecmp(att, "UNSEEN") == 0)
			st->unseen = (uint32_t)v;
		if (p < end && *p == ' ')
			p++;
	}
	return p < end;
}

/* One "* STATUS name (att n ...)" line at p (up to end), by ix. */
static void
status_line(const struct mbx_index *ix, const char *p, const char *end)
{
	struct imap_mailbox	*m;
	struct imap_status	 st;
	char			 name[1024];

	memset(&st, 0, sizeof st);
	if (!status_name(&p, end, name, sizeof name) ||
	    !status_atts(p, end, &st))
		return;
	if ((m = mbx_index_find(ix, name)) == NULL)
		return;
	m->st = st;
	m->has_status = true;
}

void
list_status_scan(struct imap_mailboxes *mbs, const char *text, size_t len)
{
	struct mbx_index	 ix;
	const char		*p = text, *end = text + len, *eol;

	mbx_index_build(&ix, mbs);
	while (p < end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (eol - p > 9 && strncasecmp(p, "* STATUS ", 9) == 0)
			status_line(&ix, p + 9, eol);
		p = eol + (eol < end);
	}
	mbx_index_free(&ix);
}
