/*
 * imapcmd.c - the IMAP commands the sync engine needs, answering in plain
 * C data (no SQL, no libetpan types in the results); this file holds what
 * the command families share (errors, UID sets, commands written by hand)
 * and the session's ENABLE and NAMESPACE. The families, around the private
 * imapcmd-int.h:
 *
 *   imapcmd-mailbox.c  LIST, STATUS, SELECT/EXAMINE, CREATE/DELETE/RENAME,
 *                      (UN)SUBSCRIBE, the size of a mailbox (posta setup)
 *   imapcmd-fetch.c    reading FETCH responses, streamed UID FETCH of
 *                      flags, headers and bodies
 *   imapcmd-search.c   UID SEARCH and what is built on it
 *   imapcmd-store.c    changing the server: STORE, COPY/MOVE, EXPUNGE,
 *                      APPEND
 *   imapcmd-idle.c     push: IDLE and NOOP
 *   imapcmd-notify.c   push for the other mailboxes: NOTIFY
 *
 * Two libetpan 1.9.4 bugs are worked around (libetpan-guide.md 3.10):
 * mailimap_select_qresync() sends a SELECT without the parentheses RFC
 * 7162 requires, so the QRESYNC SELECT is written by hand (imapcmd_raw());
 * and the per-message handler only fires when a progress callback is set
 * too (imapcmd_stream_on()).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/imapcmd-int.h"

/* A tagged NO (or a refused command) leaves the session usable. */
static bool
cmd_refused(int r)
{
	return (r >= MAILIMAP_ERROR_APPEND && r <= MAILIMAP_ERROR_UNSUBSCRIBE &&
	    r != MAILIMAP_ERROR_LOGIN) || r == MAILIMAP_ERROR_EXTENSION ||
	    r == MAILIMAP_ERROR_CUSTOM_COMMAND;
}

int
imapcmd_fail(struct imap_conn *c, int r, const char *what,
    enum perr_code refused, struct perr *err)
{
	c->refused[0] = '\0';
	if (cmd_refused(r)) {
		net_server_text(c->refused, sizeof c->refused,
		    c->imap->imap_response);
		return net_fail(err, NULL, c->report.hostport, refused,
		    "%s: the server said no: %s", what, c->refused);
	}
	if (r == MAILIMAP_ERROR_PARSE || tls_stream_over_limit(c->stream))
		c->unparsed = true;
	return imap_error(c, r, what, err);
}

int
imapcmd_nomem(struct imap_conn *c, struct perr *err)
{
	return net_fail(err, NULL, c->report.hostport, PERR_NOMEM,
	    "out of memory");
}

bool
imap_err_fatal(const struct perr *err)
{
	return err->code != PERR_GENERIC && err->code != PERR_NOTFOUND &&
	    err->code != PERR_OK;
}

/* ---- UID sets -------------------------------------------------------------- */

void
imap_uidset_add(struct imap_uidset *s, uint32_t first, uint32_t last)
{
	struct imap_uidrange	*r;

	if (first > last) {
		uint32_t t = first;
		first = last;
		last = t;
	}
	if (s->n > 0) {
		r = &s->r[s->n - 1];
		if (first >= r->first && first <= r->last + 1 &&
		    r->last != UINT32_MAX) {
			if (last > r->last)
				r->last = last;
			return;
		}
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->r = xreallocarray(s->r, s->cap, sizeof *s->r);
	}
	s->r[s->n].first = first;
	s->r[s->n].last = last;
	s->n++;
}

void
imap_uidset_free(struct imap_uidset *s)
{
	if (s == NULL)
		return;
	free(s->r);
	memset(s, 0, sizeof *s);
}

void
imap_uids_free(struct imap_uids *u)
{
	if (u == NULL)
		return;
	free(u->v);
	memset(u, 0, sizeof *u);
}

/* A libetpan set of the UIDs in v (any order), or NULL when out of memory. */
struct mailimap_set *
imapcmd_set_of(const uint32_t *v, size_t n)
{
	struct mailimap_set	*set;
	size_t			 i, j;

	if ((set = mailimap_set_new_empty()) == NULL)
		return NULL;
	for (i = 0; i < n; i = j) {
		/* Runs of consecutive UIDs, rising or falling, become ranges. */
		for (j = i + 1; j < n && v[j] == v[j - 1] + 1; j++)
			;
		if (j == i + 1)
			for (; j < n && v[j] + 1 == v[j - 1]; j++)
				;
		if (mailimap_set_add_interval(set, v[i] < v[j - 1] ? v[i] :
		    v[j - 1], v[i] < v[j - 1] ? v[j - 1] : v[i]) !=
		    MAILIMAP_NO_ERROR) {
			mailimap_set_free(set);
			return NULL;
		}
	}
	return set;
}

/* ---- commands written by hand -------------------------------------------- */

/*
 * Send "<tag> cmd\r\n" and read the reply as libetpan's own commands do.
 * Not mailimap_custom_command(): libetpan 1.9.4 writes a space between the
 * command and the CRLF, which Cyrus IMAP refuses ("Unexpected extra
 * arguments to List": issue 11), and reads a BYE reply through a NULL
 * pointer. cmd must be one well-formed line without its CRLF: a single
 * space between arguments, none at either end (tests/lab/strict_proxy.py
 * holds posta to that). Returns a libetpan code:
 * MAILIMAP_ERROR_CUSTOM_COMMAND for a tagged NO or BAD.
 */
int
imapcmd_raw(struct imap_conn *c, const char *cmd)
{
	struct mailimap_response	*resp = NULL;
	mailimap			*imap = c->imap;
	size_t				 len = strlen(cmd);
	int				 r, state;

	if (len == 0 || cmd[0] == ' ' || cmd[len - 1] == ' ' ||
	    strpbrk(cmd, "\r\n") != NULL || strstr(cmd, "  ") != NULL)
		return MAILIMAP_ERROR_INVAL;
	if ((r = mailimap_send_current_tag(imap)) != MAILIMAP_NO_ERROR)
		return r;
	if (mailstream_write(imap->imap_stream, cmd, len) != (ssize_t)len ||
	    mailstream_write(imap->imap_stream, "\r\n", 2) != 2 ||
	    mailstream_flush(imap->imap_stream) == -1)
		return MAILIMAP_ERROR_STREAM;
	if (mailimap_read_line(imap) == NULL)
		return MAILIMAP_ERROR_STREAM;
	/* A BYE comes back as MAILIMAP_ERROR_FATAL, with nothing to free. */
	if ((r = mailimap_parse_response(imap, &resp)) != MAILIMAP_NO_ERROR)
		return r;
	state = resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->
	    rsp_type;
	mailimap_response_free(resp);
	return state == MAILIMAP_RESP_COND_STATE_OK ? MAILIMAP_NO_ERROR :
	    MAILIMAP_ERROR_CUSTOM_COMMAND;
}

/* ---- ENABLE, NAMESPACE ------------------------------------------------- */

int
imap_enable_resync(struct imap_conn *c, bool allow_qresync, bool *qresync,
    bool *condstore, struct perr *err)
{
	struct mailimap_capability_data	*req = NULL, *res = NULL;
	struct mailimap_capability	*cap;
	clist				*l;
	clistiter			*it;
	const char			*want;
	char				*name;
	int				 r;

	*qresync = false;
	*condstore = imap_has_cap(c, "CONDSTORE");
	if (allow_qresync && imap_has_cap(c, "QRESYNC"))
		want = "QRESYNC";
	else if (*condstore)
		want = "CONDSTORE";
	else
		return 0;
	/* Without ENABLE, CONDSTORE still works: SELECT (CONDSTORE) turns it on. */
	if (!imap_has_cap(c, "ENABLE"))
		return 0;

	if ((l = clist_new()) == NULL)
		return imapcmd_nomem(c, err);
	if ((name = strdup(want)) == NULL ||
	    (cap = mailimap_capability_new(MAILIMAP_CAPABILITY_NAME, NULL,
	    name)) == NULL) {
		free(name);
		clist_free(l);
		return imapcmd_nomem(c, err);
	}
	if (clist_append(l, cap) != 0) {
		mailimap_capability_free(cap);
		clist_free(l);
		return imapcmd_nomem(c, err);
	}
	if ((req = mailimap_capability_data_new(l)) == NULL) {
		mailimap_capability_free(cap);
		clist_free(l);
		return imapcmd_nomem(c, err);
	}
	r = mailimap_enable(c->imap, req, &res);
	mailimap_capability_data_free(req);
	if (r != MAILIMAP_NO_ERROR) {
		if (cmd_refused(r))
			return 0;	/* not enabled: run without */
		return imapcmd_fail(c, r, "ENABLE", PERR_GENERIC, err);
	}
	for (it = res != NULL && res->cap_list != NULL ?
	    clist_begin(res->cap_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		cap = clist_content(it);
		if (cap->cap_type != MAILIMAP_CAPABILITY_NAME ||
		    cap->cap_data.cap_name == NULL)
			continue;
		if (strcasecmp(cap->cap_data.cap_name, "QRESYNC") == 0)
			*qresync = *condstore = true;
		else if (strcasecmp(cap->cap_data.cap_name, "CONDSTORE") == 0)
			*condstore = true;
	}
	if (res != NULL)
		mailimap_capability_data_free(res);
	return 0;
}

int
imap_namespace(struct imap_conn *c, char **prefix, char *delim,
    struct perr *err)
{
	struct mailimap_namespace_data	*ns = NULL;
	struct mailimap_namespace_info	*info;
	int				 r;

	*prefix = xstrdup("");
	*delim = '\0';
	if (!imap_has_cap(c, "NAMESPACE"))
		return 0;
	if ((r = mailimap_namespace(c->imap, &ns)) != MAILIMAP_NO_ERROR) {
		if (cmd_refused(r))
			return 0;
		free(*prefix);
		*prefix = NULL;
		return imapcmd_fail(c, r, "NAMESPACE", PERR_GENERIC, err);
	}
	/* The first personal namespace is where the user's folders live. */
	if (ns != NULL && ns->ns_personal != NULL &&
	    ns->ns_personal->ns_data_list != NULL &&
	    clist_begin(ns->ns_personal->ns_data_list) != NULL) {
		info = clist_content(clist_begin(ns->ns_personal->ns_data_list));
		if (info->ns_prefix != NULL) {
			free(*prefix);
			*prefix = xstrdup(info->ns_prefix);
		}
		*delim = info->ns_delimiter;
	}
	if (ns != NULL)
		mailimap_namespace_data_free(ns);
	return 0;
}
