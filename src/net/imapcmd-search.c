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
#include "util/i18n.h"

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

/* ---- UID SEARCH with prepared arguments ----------------------------------- */

/*
 * For the search of bodies not in the store (src/search's search_imap()
 * makes the arguments). libetpan's mailimap_uid_search() would send every
 * string as a quoted string, 8-bit bytes included, which RFC 3501 does not
 * allow; here the line is written by hand with the session's tag, with
 * synchronizing literals for non-ASCII words, and libetpan parses the
 * reply; the answer is the last SEARCH of it (search_answer()).
 */

/* Untagged lines a server may send before its "+" (EXISTS...). */
#define UNTAGGED_MAX	64

static int
search_refused(struct imap_conn *c, const char *why, struct perr *err)
{
	net_server_text(c->refused, sizeof c->refused, why);
	return net_fail(err, NULL, c->report.hostport, PERR_GENERIC,
	    _("UID SEARCH: the server said no: %s"), c->refused);
}

static int
search_put(mailimap *imap, const char *s, size_t n)
{
	return mailstream_write(imap->imap_stream, s, n) == (ssize_t)n ? 0 : -1;
}

/* The tagged reply (and the untagged ones before it): OK, or why not. */
static int
search_reply(struct imap_conn *c, struct perr *err)
{
	struct mailimap_response	*resp = NULL;
	int				 r, state;

	/* A BYE comes back as MAILIMAP_ERROR_FATAL, with nothing to free. */
	if ((r = mailimap_parse_response(c->imap, &resp)) != MAILIMAP_NO_ERROR) {
		if (r == MAILIMAP_ERROR_PARSE || tls_stream_over_limit(c->stream))
			c->unparsed = true;
		return imap_error(c, r, "UID SEARCH", err);
	}
	state = resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->
	    rsp_type;
	mailimap_response_free(resp);
	if (state != MAILIMAP_RESP_COND_STATE_OK)
		return search_refused(c, c->imap->imap_response, err);
	return 0;
}

/* After a literal's "{N}\r\n": the server's "+", or its refusal. */
static int
search_go_ahead(struct imap_conn *c, struct perr *err)
{
	const char	*line;
	int		 i;

	for (i = 0; i < UNTAGGED_MAX; i++) {
		if ((line = mailimap_read_line(c->imap)) == NULL)
			return imap_error(c, MAILIMAP_ERROR_STREAM,
			    "UID SEARCH", err);
		if (line[0] == '+')
			return 0;
		if (line[0] != '*')
			break;		/* tagged: the command is over */
	}
	if (i == UNTAGGED_MAX)
		return net_fail(err, NULL, c->report.hostport, PERR_PROTOCOL,
		    _("UID SEARCH: no go-ahead for a literal after %d lines"),
		    UNTAGGED_MAX);
	if (search_reply(c, err) == 0)
		return net_fail(err, NULL, c->report.hostport, PERR_PROTOCOL,
		    _("UID SEARCH: the server ended the command before its "
		    "literal"));
	return -1;
}

int
imap_uid_search(struct imap_conn *c, const char *args, struct imap_uids *out,
    struct perr *err)
{
	mailimap	*imap = c->imap;
	const char	*p = args, *nl;
	int		 r;

	memset(out, 0, sizeof *out);
	c->refused[0] = '\0';
	if ((r = mailimap_send_current_tag(imap)) != MAILIMAP_NO_ERROR)
		return imap_error(c, r, "UID SEARCH", err);
	if (search_put(imap, "UID SEARCH ", 11) != 0)
		return imap_error(c, MAILIMAP_ERROR_STREAM, "UID SEARCH", err);
	/* Each CRLF of args ends a literal's "{N}": wait for "+". */
	while ((nl = strstr(p, "\r\n")) != NULL) {
		if (search_put(imap, p, (size_t)(nl + 2 - p)) != 0 ||
		    mailstream_flush(imap->imap_stream) == -1)
			return imap_error(c, MAILIMAP_ERROR_STREAM,
			    "UID SEARCH", err);
		if (search_go_ahead(c, err) != 0)
			return -1;
		p = nl + 2;
	}
	if (search_put(imap, p, strlen(p)) != 0 || search_put(imap, "\r\n", 2) != 0 ||
	    mailstream_flush(imap->imap_stream) == -1 ||
	    mailimap_read_line(imap) == NULL)
		return imap_error(c, MAILIMAP_ERROR_STREAM, "UID SEARCH", err);
	if (search_reply(c, err) != 0)
		return -1;
	search_answer(c, out);
	qsort(out->v, out->n, sizeof *out->v, uid_cmp);
	return 0;
}
