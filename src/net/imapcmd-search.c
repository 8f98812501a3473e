/*
 * imapcmd-search.c - UID SEARCH (the last * SEARCH of a reply, read back
 * from libetpan's buffer), by header, \\Deleted, and the UID existence
 * probe.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/imapcmd-int.h"

/* ---- UID SEARCH ------------------------------------------------------------ */

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The numbers of the last "* SEARCH" response of the reply just read into
 * *out (allocated, unsorted). libetpan merges every SEARCH response of a
 * reply into one list, so one the server sent unasked (issue 12) would be
 * taken for part of the answer. The answer to a command is the SEARCH
 * right before its completion (without ESEARCH's tags nothing tells them
 * apart better), and libetpan's read buffer still holds the whole reply,
 * each literal emptied to "{0}", so no literal's bytes can pose as a line.
 */
static void
search_answer(struct imap_conn *c, struct imap_uids *out)
{
	const MMAPString	*b = c->imap->imap_stream_buffer;
	const char		*p, *e, *end, *last = NULL;
	unsigned long long	 v;
	bool			 cont = false;
	size_t			 cap = 16;

	out->v = xreallocarray(NULL, cap, sizeof *out->v);
	out->n = 0;
	if (b == NULL || b->str == NULL)
		return;
	end = b->str + b->len;
	for (p = b->str; p < end; p = e + 1) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			e = end;
		/* A line after a literal goes on with the response before. */
		if (!cont && e - p >= 8 && strncasecmp(p, "* SEARCH", 8) == 0 &&
		    (e - p == 8 || p[8] == ' ' || p[8] == '\r'))
			last = p + 8;
		cont = e - p >= 3 && e[-1] == '\r' && e[-2] == '}';
	}
	for (p = last; p != NULL && p < end; ) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end || *p < '0' || *p > '9')
			break;		/* "(MODSEQ n)", the CRLF */
		for (v = 0; p < end && *p >= '0' && *p <= '9'; p++)
			if ((v = v * 10 + (unsigned)(*p - '0')) > UINT32_MAX)
				break;
		if (v == 0 || v > UINT32_MAX)
			break;		/* not an nz-number: the rest is not ours */
		if (out->n == cap) {
			cap *= 2;
			out->v = xreallocarray(out->v, cap, sizeof *out->v);
		}
		out->v[out->n++] = (uint32_t)v;
	}
}

/* UID SEARCH with key into *out, ascending; key is freed here. */
static int
search_key_uids(struct imap_conn *c, const char *charset,
    struct mailimap_search_key *key, struct imap_uids *out, struct perr *err)
{
	clist		*res = NULL;
	int		 r;

	memset(out, 0, sizeof *out);
	r = mailimap_uid_search(c->imap, charset, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return imapcmd_fail(c, r, "UID SEARCH", PERR_GENERIC, err);
	if (res != NULL)
		mailimap_search_result_free(res);
	search_answer(c, out);
	qsort(out->v, out->n, sizeof *out->v, uid_cmp);
	return 0;
}

int
imap_search_uids(struct imap_conn *c, uint32_t first, uint32_t last,
    struct imap_uids *out, struct perr *err)
{
	struct mailimap_search_key	*key;
	struct mailimap_set		*set;
	size_t				 i, n;

	memset(out, 0, sizeof *out);
	if ((set = mailimap_set_new_interval(first, last)) == NULL)
		return imapcmd_nomem(c, err);
	/* The key takes the set. */
	if ((key = mailimap_search_key_new_uid(set)) == NULL) {
		mailimap_set_free(set);
		return imapcmd_nomem(c, err);
	}
	if (search_key_uids(c, NULL, key, out, err) != 0)
		return -1;
	/* "n:*" matches the last message even when it is below n. */
	for (i = n = 0; i < out->n; i++)
		if (out->v[i] >= first && (last == 0 || out->v[i] <= last))
			out->v[n++] = out->v[i];
	out->n = n;
	return 0;
}

int
imap_search_header(struct imap_conn *c, const char *header, const char *value,
    struct imap_uids *out, struct perr *err)
{
	struct mailimap_search_key	*key;
	char				*h, *v;

	memset(out, 0, sizeof *out);
	h = strdup(header);
	v = strdup(value);
	if (h == NULL || v == NULL ||
	    (key = mailimap_search_key_new_header(h, v)) == NULL) {
		free(h);
		free(v);
		return imapcmd_nomem(c, err);
	}
	return search_key_uids(c, "UTF-8", key, out, err);
}

int
imap_search_deleted(struct imap_conn *c, struct imap_uids *out,
    struct perr *err)
{
	struct mailimap_search_key	*key;

	memset(out, 0, sizeof *out);
	/* No helper for flag keys in 1.9.4 (guide 3.7). */
	key = mailimap_search_key_new(MAILIMAP_SEARCH_KEY_DELETED, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL);
	if (key == NULL)
		return imapcmd_nomem(c, err);
	return search_key_uids(c, "UTF-8", key, out, err);
}

int
imap_uids_exist(struct imap_conn *c, const uint32_t *uids, size_t n,
    struct imap_uids *out, struct perr *err)
{
	struct mailimap_search_key	*key;
	struct mailimap_set		*set;
	struct imap_uids		 asked;
	size_t				 i, k;

	memset(out, 0, sizeof *out);
	if (n == 0) {
		out->v = xreallocarray(NULL, 1, sizeof *out->v);
		return 0;
	}
	if ((set = imapcmd_set_of(uids, n)) == NULL)
		return imapcmd_nomem(c, err);
	/* The key takes the set. */
	if ((key = mailimap_search_key_new_uid(set)) == NULL) {
		mailimap_set_free(set);
		return imapcmd_nomem(c, err);
	}
	if (search_key_uids(c, "UTF-8", key, out, err) != 0)
		return -1;
	/* Only what was asked about can exist in the answer. */
	asked.v = xreallocarray(NULL, n, sizeof *asked.v);
	memcpy(asked.v, uids, n * sizeof *asked.v);
	asked.n = n;
	qsort(asked.v, asked.n, sizeof *asked.v, uid_cmp);
	for (i = k = 0; i < out->n; i++)
		if (imap_uids_has(&asked, out->v[i]))
			out->v[k++] = out->v[i];
	out->n = k;
	imap_uids_free(&asked);
	return 0;
}

bool
imap_uids_has(const struct imap_uids *u, uint32_t uid)
{
	return u->n > 0 && bsearch(&uid, u->v, u->n, sizeof *u->v,
	    uid_cmp) != NULL;
}
