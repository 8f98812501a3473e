/*
 * imapcmd-search.c - UID SEARCH: every search is one command line written
 * by hand with the session's tag, its reply read line by line, and the
 * numbers of its "* SEARCH" responses parsed straight into a struct
 * imap_uids: by UID range, header, \\Deleted, the UID existence probe,
 * and the prepared arguments of src/search.
 *
 * Why by hand: libetpan's mailimap_uid_search() (its parser, for any
 * reply) makes of a SEARCH response a clist with one malloc'd cell and one
 * malloc'd number per UID, some 64 bytes a UID: 64 MB for the UID SEARCH
 * UID 1:* of a mailbox of a million messages, thrown away at once (issue
 * 20). Here a UID costs 4 bytes, and the line itself sits in libetpan's
 * read buffer, bounded like every line (limit.h). Nor can mailimap_uid_search()
 * send a non-ASCII word as RFC 3501 wants (a literal).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/imapcmd-int.h"
#include "util/i18n.h"

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

bool
imap_uids_has(const struct imap_uids *u, uint32_t uid)
{
	return u->n > 0 && bsearch(&uid, u->v, u->n, sizeof *u->v,
	    uid_cmp) != NULL;
}

/* ---- the command and its reply ------------------------------------------- */

/*
 * The numbers of the last "* SEARCH" response libetpan parsed (the rest
 * of a reply after a response that is not a SEARCH, see search_read())
 * into *out (allocated, unsorted); false, *out untouched, when there was
 * none. libetpan merges every SEARCH response of a reply into one list, so
 * one the server sent unasked (issue 12) would be taken for part of the
 * answer. The answer to a command is the SEARCH right before its
 * completion (without ESEARCH's tags nothing tells them apart better), and
 * libetpan's read buffer still holds what it parsed, each literal emptied
 * to "{0}", so no literal's bytes can pose as a line.
 */
static bool
search_answer(struct imap_conn *c, struct imap_uids *out)
{
	const MMAPString	*b = c->imap->imap_stream_buffer;
	const char		*p, *e, *end, *last = NULL;
	unsigned long long	 v;
	bool			 cont = false;
	size_t			 cap = 16;

	if (b == NULL || b->str == NULL)
		return false;
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
	if (last == NULL)
		return false;
	free(out->v);
	out->v = xreallocarray(NULL, cap, sizeof *out->v);
	out->n = 0;
	for (p = last; p < end; ) {
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
	return true;
}

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

/*
 * The numbers of one "* SEARCH" line (p, len bytes from after "SEARCH",
 * CRLF included) into *out, replacing what was there: only the last SEARCH
 * of a reply answers the command (search_answer()). Each must be an
 * nz-number below 2^32 (RFC 3501 9); extra spaces and a trailing
 * "(MODSEQ n)" (RFC 7162 3.1.5) are let be. Returns 0, or -1 at anything
 * else: a UID read wrong (or a list cut short) would make the sync take
 * a message for expunged.
 */
static int
search_line(const char *p, size_t len, struct imap_uids *out)
{
	const char		*end = p + len;
	unsigned long long	 v;
	size_t			 cap;

	while (end > p && (end[-1] == '\n' || end[-1] == '\r' ||
	    end[-1] == ' '))
		end--;
	/*
	 * At most one number in two bytes: no reallocation; the pages a
	 * denser line leaves unwritten are never touched.
	 */
	cap = len / 2 + 1;
	free(out->v);
	out->v = xreallocarray(NULL, cap, sizeof *out->v);
	out->n = 0;
	while (p < end) {
		if (*p++ != ' ')
			return -1;
		while (p < end && *p == ' ')
			p++;
		if (p < end && *p == '(')
			return strncasecmp(p, "(MODSEQ ", 8) == 0 &&
			    end[-1] == ')' ? 0 : -1;
		if (p >= end || *p < '0' || *p > '9')
			return -1;
		for (v = 0; p < end && *p >= '0' && *p <= '9'; p++)
			if ((v = v * 10 + (unsigned)(*p - '0')) > UINT32_MAX)
				return -1;
		if (v == 0 || out->n == cap)
			return -1;
		out->v[out->n++] = (uint32_t)v;
	}
	return 0;
}

/*
 * The reply to the UID SEARCH just sent, into *out (unsorted). Each
 * "* SEARCH" line at its head is parsed here (search_line()) and never
 * reaches libetpan; at the first other line (an unasked "* 5 EXISTS", the
 * tagged completion) libetpan's parser takes over, from that line to the
 * end of the reply, so its state (EXISTS, alerts, BYE) stays right; a
 * SEARCH after such a line is libetpan's to read, and search_answer()
 * takes the last one of what it read. Every read goes through posta's
 * stream, so a line or a reply over the bounds of limit.h fails the read,
 * and the connection with it.
 */
static int
search_read(struct imap_conn *c, struct imap_uids *out, struct perr *err)
{
	const MMAPString	*b;
	const char		*line;

	for (;;) {
		/*
		 * At the end of the stream (or the first byte over a bound)
		 * libetpan hands back what it has of the line: no LF, no line.
		 */
		line = mailimap_read_line(c->imap);
		b = c->imap->imap_stream_buffer;
		if (line == NULL || b->len == 0 || line[b->len - 1] != '\n') {
			if (tls_stream_over_limit(c->stream))
				c->unparsed = true;
			return imap_error(c, MAILIMAP_ERROR_STREAM,
			    "UID SEARCH", err);
		}
		if (b->len < 8 || strncasecmp(line, "* SEARCH", 8) != 0 ||
		    (b->len > 8 && line[8] != ' ' && line[8] != '\r' &&
		    line[8] != '\n'))
			break;
		if (search_line(line + 8, b->len - 8, out) != 0) {
			/* The rest of the reply is unread: the session is lost. */
			c->unparsed = true;
			return net_fail(err, NULL, c->report.hostport,
			    PERR_PROTOCOL, _("UID SEARCH: the server answered "
			    "with something other than a list of UIDs"));
		}
	}
	if (search_reply(c, err) != 0)
		return -1;
	(void)search_answer(c, out);
	return 0;
}

/*
 * "UID SEARCH " + args (one line but for synchronizing literals: each
 * "{N}\r\n" is sent, then the server's "+" awaited, then the N bytes), the
 * answer into *out, ascending.
 */
static int
search_run(struct imap_conn *c, const char *args, struct imap_uids *out,
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
	    mailstream_flush(imap->imap_stream) == -1)
		return imap_error(c, MAILIMAP_ERROR_STREAM, "UID SEARCH", err);
	if (search_read(c, out, err) != 0) {
		imap_uids_free(out);
		return -1;
	}
	if (out->v == NULL)
		out->v = xreallocarray(NULL, 1, sizeof *out->v);
	qsort(out->v, out->n, sizeof *out->v, uid_cmp);
	return 0;
}

int
imap_uid_search(struct imap_conn *c, const char *args, struct imap_uids *out,
    struct perr *err)
{
	return search_run(c, args, out, err);
}

/* ---- searches of sync and the journal ------------------------------------ */

int
imap_search_uids(struct imap_conn *c, uint32_t first, uint32_t last,
    struct imap_uids *out, struct perr *err)
{
	char	args[48];
	size_t	i, n;

	if (last == 0)
		(void)snprintf(args, sizeof args, "UID %u:*", first);
	else
		(void)snprintf(args, sizeof args, "UID %u:%u", first, last);
	if (search_run(c, args, out, err) != 0)
		return -1;
	/* "n:*" matches the last message even when it is below n. */
	for (i = n = 0; i < out->n; i++)
		if (out->v[i] >= first && (last == 0 || out->v[i] <= last))
			out->v[n++] = out->v[i];
	out->n = n;
	return 0;
}

/*
 * sep and s as an IMAP string after *b (allocated, replaced): s quoted
 * when it is printable ASCII, else a literal with its announcement
 * ("{N}\r\n"), which search_run() sends after the server's "+". false when
 * s holds a CR or LF, which no header value holds once unfolded (and which
 * would end the command line): nothing could match.
 */
static bool
search_string(char **b, const char *sep, const char *s)
{
	const unsigned char	*p;
	char			*q, *t;
	bool			 ascii = true;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			return false;
		if (*p < 0x20 || *p >= 0x7f)
			ascii = false;
	}
	if (!ascii)
		t = xasprintf("%s%s{%zu}\r\n%s", *b, sep, strlen(s), s);
	else {
		t = xreallocarray(NULL, strlen(*b) + strlen(sep) +
		    2 * strlen(s) + 3, 1);
		q = stpcpy(stpcpy(t, *b), sep);
		*q++ = '"';
		for (p = (const unsigned char *)s; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				*q++ = '\\';
			*q++ = (char)*p;
		}
		*q++ = '"';
		*q = '\0';
	}
	free(*b);
	*b = t;
	return true;
}

int
imap_search_header(struct imap_conn *c, const char *header, const char *value,
    struct imap_uids *out, struct perr *err)
{
	char	*args = xstrdup("HEADER"), *a;
	int	 rc = 0;

	memset(out, 0, sizeof *out);
	if (search_string(&args, " ", header) &&
	    search_string(&args, " ", value)) {
		/* Plain ASCII needs no CHARSET (RFC 3501 6.4.4). */
		a = strstr(args, "}\r\n") != NULL ?
		    xasprintf("CHARSET UTF-8 %s", args) : xstrdup(args);
		rc = search_run(c, a, out, err);
		free(a);
	} else
		out->v = xreallocarray(NULL, 1, sizeof *out->v);
	free(args);
	return rc;
}

int
imap_search_deleted(struct imap_conn *c, struct imap_uids *out,
    struct perr *err)
{
	return search_run(c, "DELETED", out, err);
}

int
imap_uids_exist(struct imap_conn *c, const uint32_t *uids, size_t n,
    struct imap_uids *out, struct perr *err)
{
	struct imap_uids	 asked;
	char			*args, *set;
	size_t			 i, k;
	int			 rc;

	memset(out, 0, sizeof *out);
	if (n == 0) {
		out->v = xreallocarray(NULL, 1, sizeof *out->v);
		return 0;
	}
	/* 0 is no UID (a row not on the server yet): it cannot exist. */
	asked.v = xreallocarray(NULL, n, sizeof *asked.v);
	for (i = asked.n = 0; i < n; i++)
		if (uids[i] != 0)
			asked.v[asked.n++] = uids[i];
	if ((n = asked.n) == 0) {
		out->v = asked.v;
		return 0;
	}
	qsort(asked.v, asked.n, sizeof *asked.v, uid_cmp);
	set = imapcmd_uid_set_text(asked.v, asked.n);
	args = xasprintf("UID %s", set);
	free(set);
	rc = search_run(c, args, out, err);
	free(args);
	if (rc == 0) {
		/* Only what was asked about can exist in the answer. */
		for (i = k = 0; i < out->n; i++)
			if (imap_uids_has(&asked, out->v[i]))
				out->v[k++] = out->v[i];
		out->n = k;
	}
	imap_uids_free(&asked);
	return rc;
}

