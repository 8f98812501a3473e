/*
 * imapsearch.c - UID SEARCH with prepared arguments (imapsearch.h): the
 * synchronizing literals that carry non-ASCII words, and the answer.
 *
 * libetpan's mailimap_uid_search() would send every string as a quoted
 * string, 8-bit bytes included, which RFC 3501 does not allow; here the
 * line is written by hand with the session's tag, as imapcmd.c does for
 * the commands libetpan gets wrong, and libetpan parses the reply.
 */
#include <stdlib.h>
#include <string.h>

#include "net/imapsearch.h"

/* Untagged lines a server may send before its "+" (EXISTS...). */
#define UNTAGGED_MAX	64

static int
refused(struct imap_conn *c, const char *why, struct perr *err)
{
	net_server_text(c->refused, sizeof c->refused, why);
	return net_fail(err, NULL, c->report.hostport, PERR_GENERIC,
	    "UID SEARCH: the server said no: %s", c->refused);
}

static int
put(mailimap *imap, const char *s, size_t n)
{
	return mailstream_write(imap->imap_stream, s, n) == (ssize_t)n ? 0 : -1;
}

/* The tagged reply (and the untagged ones before it): OK, or why not. */
static int
reply(struct imap_conn *c, struct perr *err)
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
		return refused(c, c->imap->imap_response, err);
	return 0;
}

/* After a literal's "{N}\r\n": the server's "+", or its refusal. */
static int
go_ahead(struct imap_conn *c, struct perr *err)
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
		    "UID SEARCH: no go-ahead for a literal after %d lines",
		    UNTAGGED_MAX);
	if (reply(c, err) == 0)
		return net_fail(err, NULL, c->report.hostport, PERR_PROTOCOL,
		    "UID SEARCH: the server ended the command before its "
		    "literal");
	return -1;
}

static void
answer(struct imap_conn *c, struct imap_uids *out)
{
	struct mailimap_response_info	*ri = c->imap->imap_response_info;
	clistiter			*it;
	size_t				 n = 0;

	if (ri == NULL || ri->rsp_search_result == NULL)
		return;
	out->v = xreallocarray(NULL, (size_t)clist_count(ri->rsp_search_result)
	    + 1, sizeof *out->v);
	for (it = clist_begin(ri->rsp_search_result); it != NULL;
	    it = clist_next(it))
		out->v[n++] = *(uint32_t *)clist_content(it);
	out->n = n;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
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
	if (put(imap, "UID SEARCH ", 11) != 0)
		return imap_error(c, MAILIMAP_ERROR_STREAM, "UID SEARCH", err);
	/* Each CRLF of args ends a literal's "{N}": wait for "+". */
	while ((nl = strstr(p, "\r\n")) != NULL) {
		if (put(imap, p, (size_t)(nl + 2 - p)) != 0 ||
		    mailstream_flush(imap->imap_stream) == -1)
			return imap_error(c, MAILIMAP_ERROR_STREAM,
			    "UID SEARCH", err);
		if (go_ahead(c, err) != 0)
			return -1;
		p = nl + 2;
	}
	if (put(imap, p, strlen(p)) != 0 || put(imap, "\r\n", 2) != 0 ||
	    mailstream_flush(imap->imap_stream) == -1 ||
	    mailimap_read_line(imap) == NULL)
		return imap_error(c, MAILIMAP_ERROR_STREAM, "UID SEARCH", err);
	if (reply(c, err) != 0)
		return -1;
	answer(c, out);
	if (out->n > 0)
		qsort(out->v, out->n, sizeof *out->v, uid_cmp);
	return 0;
}
