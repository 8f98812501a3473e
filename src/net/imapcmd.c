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
 * 7162 requires, so the QRESYNC SELECT is written by hand (imapcmd_raw(),
 * which lives in imap.c with the rest of the session's plumbing);
 * and the per-message handler only fires when a progress callback is set
 * too (imapcmd_stream_on()).
 *
 * Floors: imap.c (the session: connection, capabilities, errors, the raw
 * command path) is the bottom and calls nothing here; this file is above
 * it; imapcmd-fetch.c is above this one, imapcmd-mailbox.c above
 * imapcmd-fetch.c; search, store, idle and notify use only this file and
 * imap.c. No file calls a floor above its own.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/imapcmd-int.h"
#include "util/i18n.h"

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
		    _("%s: the server said no: %s"), what, c->refused);
	}
	if (r == MAILIMAP_ERROR_PARSE || tls_stream_over_limit(c->stream))
		c->unparsed = true;
	return imap_error(c, r, what, err);
}

int
imapcmd_nomem(struct imap_conn *c, struct perr *err)
{
	return net_fail(err, NULL, c->report.hostport, PERR_NOMEM,
	    _("out of memory"));
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

char *
imapcmd_uid_set_text(const uint32_t *v, size_t n)
{
	char	*s, *q;
	size_t	 i, j;

	/* "4294967295:4294967295," at most per UID: one allocation. */
	q = s = xreallocarray(NULL, n + 1, 22);
	*q = '\0';
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j] == v[j - 1] + 1; j++)
			;
		q += sprintf(q, i == 0 ? "%u" : ",%u", v[i]);
		if (j > i + 1)
			q += sprintf(q, ":%u", v[j - 1]);
	}
	return s;
}

/* ---- ENABLE, NAMESPACE ------------------------------------------------- */

/* What ENABLE and NAMESPACE said, read as each reply comes. */
struct start_got {
	struct imap_conn	*c;
	bool			*qresync, *condstore;
	char			**prefix, *delim;
	int			 r_enable, r_ns;
	size_t			 ns_at;		/* NAMESPACE's index, or 2 */
};

static void
enabled_from(const struct mailimap_capability_data *res, bool *qresync,
    bool *condstore)
{
	struct mailimap_capability	*cap;
	clistiter			*it;

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
}

/* The first personal namespace is where the user's folders live. */
static void
namespace_from(const struct mailimap_namespace_data *ns, char **prefix,
    char *delim)
{
	struct mailimap_namespace_info	*info;

	if (ns == NULL || ns->ns_personal == NULL ||
	    ns->ns_personal->ns_data_list == NULL ||
	    clist_begin(ns->ns_personal->ns_data_list) == NULL)
		return;
	info = clist_content(clist_begin(ns->ns_personal->ns_data_list));
	if (info->ns_prefix != NULL) {
		free(*prefix);
		*prefix = xstrdup(info->ns_prefix);
	}
	*delim = info->ns_delimiter;
}

static void
start_got(void *arg, size_t i, int r)
{
	struct start_got		*g = arg;
	struct mailimap_response_info	*ri = g->c->imap->imap_response_info;
	struct mailimap_extension_data	*ed;
	clistiter			*it;

	if (i == g->ns_at)
		g->r_ns = r;
	else
		g->r_enable = r;
	if (r != MAILIMAP_NO_ERROR || ri == NULL)
		return;
	for (it = ri->rsp_extension_list != NULL ?
	    clist_begin(ri->rsp_extension_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		ed = clist_content(it);
		if (ed->ext_data == NULL)
			continue;
		if (i != g->ns_at && ed->ext_extension ==
		    &mailimap_extension_enable)
			enabled_from(ed->ext_data, g->qresync, g->condstore);
		else if (i == g->ns_at && ed->ext_extension ==
		    &mailimap_extension_namespace && ed->ext_type ==
		    MAILIMAP_NAMESPACE_TYPE_NAMESPACE)
			namespace_from(ed->ext_data, g->prefix, g->delim);
	}
}

int
imap_session_start(struct imap_conn *c, bool allow_qresync, bool *qresync,
    bool *condstore, char **prefix, char *delim, struct perr *err)
{
	struct start_got	 g = { c, qresync, condstore, prefix, delim,
				    MAILIMAP_NO_ERROR, MAILIMAP_NO_ERROR, 2 };
	const char		*cmds[2];
	size_t			 n = 0;
	int			 r;

	*qresync = false;
	*condstore = imap_has_cap(c, "CONDSTORE");
	*prefix = xstrdup("");
	*delim = '\0';
	/* Without ENABLE, CONDSTORE still works: SELECT (CONDSTORE) turns it on. */
	if (imap_has_cap(c, "ENABLE")) {
		if (allow_qresync && imap_has_cap(c, "QRESYNC"))
			cmds[n++] = "ENABLE QRESYNC";
		else if (*condstore)
			cmds[n++] = "ENABLE CONDSTORE";
	}
	if (imap_has_cap(c, "NAMESPACE")) {
		g.ns_at = n;
		cmds[n++] = "NAMESPACE";
	}
	if (n == 0)
		return 0;
	/* A refused ENABLE or NAMESPACE is no error: run without. */
	if ((r = imapcmd_pipeline(c, cmds, n, start_got, &g)) ==
	    MAILIMAP_NO_ERROR || cmd_refused(r))
		return 0;
	free(*prefix);
	*prefix = NULL;
	return imapcmd_fail(c, r, n == 1 && g.ns_at == 0 ? "NAMESPACE" :
	    "ENABLE", PERR_GENERIC, err);
}
