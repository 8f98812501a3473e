/*
 * imapcmd.c - the IMAP commands the sync engine needs, answering in plain
 * C data (no SQL, no libetpan types in the results).
 *
 * Big answers are streamed: a FETCH of every message's flags or of a batch
 * of headers goes through libetpan's per-message handler, so each message
 * is handed to the caller and freed as soon as it is parsed, and a body
 * goes through the body handler into one growing buffer with a bound. A
 * caller's callback cannot stop libetpan in the middle of a reply (the
 * session would lose its place), so a non-zero return only stops the
 * deliveries: the command still runs to its end and that value is
 * returned after it.
 *
 * Two libetpan 1.9.4 bugs are worked around here (libetpan-guide.md
 * 3.10): mailimap_select_qresync() sends a SELECT without the parentheses
 * RFC 7162 requires, so the QRESYNC SELECT is written by hand; and the
 * per-message handler only fires when a progress callback is set too.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/net.h"

/* A tagged NO (or a refused command) leaves the session usable. */
static bool
cmd_refused(int r)
{
	return (r >= MAILIMAP_ERROR_APPEND && r <= MAILIMAP_ERROR_UNSUBSCRIBE &&
	    r != MAILIMAP_ERROR_LOGIN) || r == MAILIMAP_ERROR_EXTENSION ||
	    r == MAILIMAP_ERROR_CUSTOM_COMMAND;
}

/*
 * err for libetpan's r: PERR_GENERIC (or `refused`, for commands where a NO
 * means "no such mailbox") when the server only said no, else what
 * imap_error() makes of a broken session.
 */
static int
cmd_fail(struct imap_conn *c, int r, const char *what, enum perr_code refused,
    struct perr *err)
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

static int
nomem(struct imap_conn *c, struct perr *err)
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
static struct mailimap_set *
set_of(const uint32_t *v, size_t n)
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
static int
raw_command(struct imap_conn *c, const char *cmd)
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
		return nomem(c, err);
	if ((name = strdup(want)) == NULL ||
	    (cap = mailimap_capability_new(MAILIMAP_CAPABILITY_NAME, NULL,
	    name)) == NULL) {
		free(name);
		clist_free(l);
		return nomem(c, err);
	}
	if (clist_append(l, cap) != 0) {
		mailimap_capability_free(cap);
		clist_free(l);
		return nomem(c, err);
	}
	if ((req = mailimap_capability_data_new(l)) == NULL) {
		mailimap_capability_free(cap);
		clist_free(l);
		return nomem(c, err);
	}
	r = mailimap_enable(c->imap, req, &res);
	mailimap_capability_data_free(req);
	if (r != MAILIMAP_NO_ERROR) {
		if (cmd_refused(r))
			return 0;	/* not enabled: run without */
		return cmd_fail(c, r, "ENABLE", PERR_GENERIC, err);
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
		return cmd_fail(c, r, "NAMESPACE", PERR_GENERIC, err);
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

/* ---- LIST -------------------------------------------------------------- */

static const struct {
	const char	*name;		/* without the backslash */
	unsigned	 attr;
} mbx_attrs[] = {
	{ "Noselect", IMAP_MBX_NOSELECT },
	{ "NonExistent", IMAP_MBX_NONEXISTENT | IMAP_MBX_NOSELECT },
	{ "Noinferiors", IMAP_MBX_NOINFERIORS },
	/* RFC 6154 */
	{ "All", IMAP_MBX_ALL },
	{ "Archive", IMAP_MBX_ARCHIVE },
	{ "Drafts", IMAP_MBX_DRAFTS },
	{ "Flagged", IMAP_MBX_FLAGGED },
	{ "Junk", IMAP_MBX_JUNK },
	{ "Sent", IMAP_MBX_SENT },
	{ "Trash", IMAP_MBX_TRASH },
	/* Gmail's XLIST */
	{ "Inbox", IMAP_MBX_INBOX },
	{ "AllMail", IMAP_MBX_ALL },
	{ "Spam", IMAP_MBX_JUNK },
	{ "Starred", IMAP_MBX_FLAGGED },
};

static unsigned
mbx_attr(const char *flag)
{
	size_t	i;

	if (flag == NULL)
		return 0;
	if (*flag == '\\')
		flag++;
	for (i = 0; i < sizeof mbx_attrs / sizeof mbx_attrs[0]; i++)
		if (strcasecmp(flag, mbx_attrs[i].name) == 0)
			return mbx_attrs[i].attr;
	return 0;
}

static unsigned
mbx_flags(const struct mailimap_mbx_list_flags *fl)
{
	struct mailimap_mbx_list_oflag	*of;
	clistiter			*it;
	unsigned			 a = 0;

	if (fl == NULL)
		return 0;
	if (fl->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
	    fl->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
		a |= IMAP_MBX_NOSELECT;
	for (it = fl->mbf_oflags != NULL ? clist_begin(fl->mbf_oflags) : NULL;
	    it != NULL; it = clist_next(it)) {
		of = clist_content(it);
		if (of->of_type == MAILIMAP_MBX_LIST_OFLAG_NOINFERIORS)
			a |= IMAP_MBX_NOINFERIORS;
		else if (of->of_type == MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT)
			a |= mbx_attr(of->of_flag_ext);
	}
	return a;
}

static bool
name_eq(const char *a, const char *b)
{
	/* INBOX is case-insensitive (RFC 3501 5.1), every other name is not. */
	if (strcasecmp(a, "INBOX") == 0)
		return strcasecmp(b, "INBOX") == 0;
	return strcmp(a, b) == 0;
}

static void
mailboxes_add(struct imap_mailboxes *mbs, const struct mailimap_mailbox_list *mb)
{
	struct imap_mailbox	*m;
	size_t			 i;
	unsigned		 a;

	if (mb->mb_name == NULL)
		return;
	a = mbx_flags(mb->mb_flag);
	for (i = 0; i < mbs->n; i++)
		if (name_eq(mbs->v[i].name, mb->mb_name)) {
			mbs->v[i].attrs |= a;
			return;
		}
	mbs->v = xreallocarray(mbs->v, mbs->n + 1, sizeof *mbs->v);
	m = &mbs->v[mbs->n++];
	/* The server may spell it "inbox": the protocol knows one INBOX. */
	m->name = xstrdup(strcasecmp(mb->mb_name, "INBOX") == 0 ? "INBOX" :
	    mb->mb_name);
	m->delim = mb->mb_delimiter;
	m->attrs = a;
}

static void
mailboxes_from(struct imap_mailboxes *mbs, clist *l)
{
	clistiter	*it;

	for (it = l != NULL ? clist_begin(l) : NULL; it != NULL;
	    it = clist_next(it))
		mailboxes_add(mbs, clist_content(it));
}

int
imap_list(struct imap_conn *c, struct imap_mailboxes *mbs, struct perr *err)
{
	clist		*l = NULL;
	clistiter	*it;
	size_t		 i;
	int		 r;

	memset(mbs, 0, sizeof *mbs);
	if (imap_has_cap(c, "SPECIAL-USE") && imap_has_cap(c, "LIST-EXTENDED")) {
		/* RFC 6154: ask for the attributes, not all servers volunteer them. */
		mbs->how = "LIST RETURN (SPECIAL-USE)";
		r = raw_command(c, "LIST \"\" \"*\" RETURN (SPECIAL-USE)");
		if (r != MAILIMAP_NO_ERROR)
			return cmd_fail(c, r, "LIST", PERR_GENERIC, err);
		mailboxes_from(mbs, c->imap->imap_response_info != NULL ?
		    c->imap->imap_response_info->rsp_mailbox_list : NULL);
	} else if (!imap_has_cap(c, "SPECIAL-USE") &&
	    mailimap_has_xlist(c->imap)) {
		mbs->how = "XLIST";
		if ((r = mailimap_xlist(c->imap, "", "*", &l)) !=
		    MAILIMAP_NO_ERROR)
			return cmd_fail(c, r, "XLIST", PERR_GENERIC, err);
		mailboxes_from(mbs, l);
		mailimap_list_result_free(l);
	} else {
		mbs->how = "LIST";
		if ((r = mailimap_list(c->imap, "", "*", &l)) !=
		    MAILIMAP_NO_ERROR)
			return cmd_fail(c, r, "LIST", PERR_GENERIC, err);
		mailboxes_from(mbs, l);
		mailimap_list_result_free(l);
	}

	/* Subscriptions: LSUB works everywhere (LIST (SUBSCRIBED) does not). */
	l = NULL;
	if ((r = mailimap_lsub(c->imap, "", "*", &l)) != MAILIMAP_NO_ERROR) {
		imap_mailboxes_free(mbs);
		return cmd_fail(c, r, "LSUB", PERR_GENERIC, err);
	}
	for (it = l != NULL ? clist_begin(l) : NULL; it != NULL;
	    it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);

		for (i = 0; mb->mb_name != NULL && i < mbs->n; i++)
			if (name_eq(mbs->v[i].name, mb->mb_name))
				mbs->v[i].attrs |= IMAP_MBX_SUBSCRIBED;
	}
	if (l != NULL)
		mailimap_list_result_free(l);
	return 0;
}

void
imap_mailboxes_free(struct imap_mailboxes *mbs)
{
	size_t	i;

	if (mbs == NULL)
		return;
	for (i = 0; i < mbs->n; i++)
		free(mbs->v[i].name);
	free(mbs->v);
	memset(mbs, 0, sizeof *mbs);
}

/* ---- STATUS -------------------------------------------------------------- */

static char	*quoted(const char *);

/* The attributes every STATUS asks for, as libetpan's list. */
static struct mailimap_status_att_list *
status_atts(struct imap_conn *c)
{
	struct mailimap_status_att_list	*atts;

	if ((atts = mailimap_status_att_list_new_empty()) == NULL)
		return NULL;
	if (mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_MESSAGES) ||
	    mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_UIDNEXT) ||
	    mailimap_status_att_list_add(atts,
	    MAILIMAP_STATUS_ATT_UIDVALIDITY) ||
	    mailimap_status_att_list_add(atts, MAILIMAP_STATUS_ATT_UNSEEN) ||
	    (imap_has_cap(c, "CONDSTORE") && mailimap_status_att_list_add(atts,
	    MAILIMAP_STATUS_ATT_HIGHESTMODSEQ))) {
		mailimap_status_att_list_free(atts);
		return NULL;
	}
	return atts;
}

/* st from one STATUS reply (res may be NULL: all zero). */
static void
status_fill(const struct mailimap_mailbox_data_status *res,
    struct imap_status *st)
{
	struct mailimap_status_info	*si;
	clistiter			*it;

	memset(st, 0, sizeof *st);
	for (it = res != NULL && res->st_info_list != NULL ?
	    clist_begin(res->st_info_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		si = clist_content(it);
		switch (si->st_att) {
		case MAILIMAP_STATUS_ATT_MESSAGES:
			st->messages = si->st_value;
			break;
		case MAILIMAP_STATUS_ATT_UIDNEXT:
			st->uidnext = si->st_value;
			break;
		case MAILIMAP_STATUS_ATT_UIDVALIDITY:
			st->uidvalidity = si->st_value;
			break;
		case MAILIMAP_STATUS_ATT_UNSEEN:
			st->unseen = si->st_value;
			break;
		case MAILIMAP_STATUS_ATT_EXTENSION:
			/* HIGHESTMODSEQ: 64 bits, so CONDSTORE's own data. */
			if (si->st_ext_data != NULL &&
			    si->st_ext_data->ext_extension ==
			    &mailimap_extension_condstore &&
			    si->st_ext_data->ext_type ==
			    MAILIMAP_CONDSTORE_TYPE_STATUS_INFO &&
			    si->st_ext_data->ext_data != NULL)
				st->highestmodseq = ((struct
				    mailimap_condstore_status_info *)
				    si->st_ext_data->ext_data)->
				    cs_highestmodseq_value;
			break;
		}
	}
}

int
imap_status(struct imap_conn *c, const char *mailbox, struct imap_status *st,
    struct perr *err)
{
	struct mailimap_status_att_list		*atts;
	struct mailimap_mailbox_data_status	*res = NULL;
	int					 r;

	memset(st, 0, sizeof *st);
	if ((atts = status_atts(c)) == NULL)
		return nomem(c, err);
	r = mailimap_status(c->imap, mailbox, atts, &res);
	mailimap_status_att_list_free(atts);
	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(c, r, "STATUS", PERR_NOTFOUND, err);
	status_fill(res, st);
	if (res != NULL)
		mailimap_mailbox_data_status_free(res);
	return 0;
}

/*
 * One window of imap_status_many(): send the STATUS of mailboxes[0..n)
 * (each a quoted string) in one write, then read the replies in order.
 * libetpan matches a reply's tag against the last tag it sent, so that
 * counter is set back to each command's own tag while its reply is read.
 */
static int
status_window(struct imap_conn *c, char *const *q, size_t n,
    struct imap_status *st, bool *ok, struct perr *err)
{
	struct mailimap_response	*resp;
	mailimap			*imap = c->imap;
	char				 atts[96];
	int				 first = imap->imap_tag + 1, r, state;
	size_t				 i, len;

	(void)snprintf(atts, sizeof atts, " (MESSAGES UIDNEXT UIDVALIDITY "
	    "UNSEEN%s)", imap_has_cap(c, "CONDSTORE") ? " HIGHESTMODSEQ" : "");
	len = strlen(atts);
	for (i = 0; i < n; i++)
		if ((r = mailimap_send_current_tag(imap)) != MAILIMAP_NO_ERROR ||
		    mailstream_write(imap->imap_stream, "STATUS ", 7) != 7 ||
		    mailstream_write(imap->imap_stream, q[i], strlen(q[i])) !=
		    (ssize_t)strlen(q[i]) ||
		    mailstream_write(imap->imap_stream, atts, len) !=
		    (ssize_t)len ||
		    mailstream_write(imap->imap_stream, "\r\n", 2) != 2)
			return imap_error(c, MAILIMAP_ERROR_STREAM, "STATUS", err);
	if (mailstream_flush(imap->imap_stream) == -1)
		return imap_error(c, MAILIMAP_ERROR_STREAM, "STATUS", err);
	for (i = 0; i < n; i++) {
		imap->imap_tag = first + (int)i;
		resp = NULL;
		if (mailimap_read_line(imap) == NULL)
			r = MAILIMAP_ERROR_STREAM;
		else
			r = mailimap_parse_response(imap, &resp);
		if (r != MAILIMAP_NO_ERROR) {
			imap->imap_tag = first + (int)n - 1;
			return cmd_fail(c, r, "STATUS", PERR_NOTFOUND, err);
		}
		state = resp->rsp_resp_done->rsp_data.rsp_tagged->
		    rsp_cond_state->rsp_type;
		mailimap_response_free(resp);
		imap_alert_harvest(c);
		ok[i] = state == MAILIMAP_RESP_COND_STATE_OK &&
		    imap->imap_response_info != NULL &&
		    imap->imap_response_info->rsp_status != NULL;
		if (ok[i])
			status_fill(imap->imap_response_info->rsp_status,
			    &st[i]);
	}
	return 0;
}

/* At most this many STATUS in flight: their replies fit a socket buffer. */
#define STATUS_WINDOW	64

int
imap_status_many(struct imap_conn *c, const char *const *mailboxes, size_t n,
    struct imap_status *st, bool *ok, struct perr *err)
{
	char	*q[STATUS_WINDOW];
	size_t	 i, k, done, m;
	int	 rc = 0;

	for (i = 0; i < n; i++) {
		memset(&st[i], 0, sizeof st[i]);
		ok[i] = false;
	}
	for (done = 0; done < n && rc == 0; done += m) {
		/* A name that cannot be quoted goes alone, through libetpan. */
		if ((q[0] = quoted(mailboxes[done])) == NULL) {
			m = 1;
			if (imap_status(c, mailboxes[done], &st[done], err) == 0)
				ok[done] = true;
			else if (imap_err_fatal(err))
				rc = -1;
			else
				perr_clear(err);
			continue;
		}
		for (m = 1; m < STATUS_WINDOW && done + m < n &&
		    (q[m] = quoted(mailboxes[done + m])) != NULL; m++)
			;
		rc = status_window(c, q, m, st + done, ok + done, err);
		for (k = 0; k < m; k++)
			free(q[k]);
	}
	return rc;
}

/* ---- reading one FETCH response ------------------------------------------ */

static int64_t
dt_unix(const struct mailimap_date_time *dt)
{
	struct tm	tm;
	int		zone, off;

	if (dt == NULL)
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = dt->dt_year - 1900;
	tm.tm_mon = dt->dt_month - 1;
	tm.tm_mday = dt->dt_day;
	tm.tm_hour = dt->dt_hour;
	tm.tm_min = dt->dt_min;
	tm.tm_sec = dt->dt_sec;
	/* dt_zone is the zone as written, +0130 being 130. */
	zone = dt->dt_zone < 0 ? -dt->dt_zone : dt->dt_zone;
	off = (zone / 100) * 3600 + (zone % 100) * 60;
	if (dt->dt_zone < 0)
		off = -off;
	return (int64_t)timegm(&tm) - off;
}

/* A growing space-separated word list. */
struct words {
	char	*s;
	size_t	 len, cap;
};

static void
words_add(struct words *w, const char *prefix, const char *word)
{
	size_t	n = strlen(prefix) + strlen(word) + 2;

	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2;
		w->s = xrealloc(w->s, w->cap);
	}
	w->len += (size_t)snprintf(w->s + w->len, w->cap - w->len, "%s%s%s",
	    w->len > 0 ? " " : "", prefix, word);
}

static void
flags_of(const struct mailimap_msg_att_dynamic *dyn, unsigned *flags,
    struct words *kw)
{
	struct mailimap_flag_fetch	*ff;
	clistiter			*it;

	*flags = 0;
	for (it = dyn != NULL && dyn->att_list != NULL ?
	    clist_begin(dyn->att_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		ff = clist_content(it);
		if (ff->fl_type == MAILIMAP_FLAG_FETCH_RECENT) {
			*flags |= IMAP_FLAG_RECENT;
			continue;
		}
		if (ff->fl_flag == NULL)
			continue;
		switch (ff->fl_flag->fl_type) {
		case MAILIMAP_FLAG_ANSWERED:
			*flags |= IMAP_FLAG_ANSWERED;
			break;
		case MAILIMAP_FLAG_FLAGGED:
			*flags |= IMAP_FLAG_FLAGGED;
			break;
		case MAILIMAP_FLAG_DELETED:
			*flags |= IMAP_FLAG_DELETED;
			break;
		case MAILIMAP_FLAG_SEEN:
			*flags |= IMAP_FLAG_SEEN;
			break;
		case MAILIMAP_FLAG_DRAFT:
			*flags |= IMAP_FLAG_DRAFT;
			break;
		case MAILIMAP_FLAG_KEYWORD:
			if (ff->fl_flag->fl_data.fl_keyword != NULL)
				words_add(kw, "", ff->fl_flag->fl_data.fl_keyword);
			break;
		case MAILIMAP_FLAG_EXTENSION:
			if (ff->fl_flag->fl_data.fl_extension != NULL)
				words_add(kw, "\\",
				    ff->fl_flag->fl_data.fl_extension);
			break;
		}
	}
}

/* Does a part look like an attachment? See has_attachments(). */
static bool
part_is_attachment(const struct mailimap_body_type_1part *p, bool in_related)
{
	const struct mailimap_body_ext_1part	*ext = p->bd_ext_1part;
	const struct mailimap_body_fields	*fields = NULL;
	const struct mailimap_body_fld_dsp	*dsp;
	clistiter				*it;
	bool					 named = false;

	if (ext != NULL && (dsp = ext->bd_disposition) != NULL &&
	    dsp->dsp_type != NULL) {
		if (strcasecmp(dsp->dsp_type, "attachment") == 0)
			return true;
		if (dsp->dsp_attributes != NULL &&
		    dsp->dsp_attributes->pa_list != NULL)
			for (it = clist_begin(dsp->dsp_attributes->pa_list);
			    it != NULL; it = clist_next(it)) {
				struct mailimap_single_body_fld_param *pa =
				    clist_content(it);
				if (pa->pa_name != NULL &&
				    strncasecmp(pa->pa_name, "filename", 8) == 0)
					named = true;
			}
	}
	switch (p->bd_type) {
	case MAILIMAP_BODY_TYPE_1PART_TEXT:
		fields = p->bd_data.bd_type_text->bd_fields;
		break;
	case MAILIMAP_BODY_TYPE_1PART_MSG:
		return true;		/* a forwarded message */
	case MAILIMAP_BODY_TYPE_1PART_BASIC:
		/* Images shown inside an HTML part are not attachments. */
		return !in_related;
	}
	if (!named && fields != NULL && fields->bd_parameter != NULL &&
	    fields->bd_parameter->pa_list != NULL)
		for (it = clist_begin(fields->bd_parameter->pa_list); it != NULL;
		    it = clist_next(it)) {
			struct mailimap_single_body_fld_param *pa =
			    clist_content(it);
			if (pa->pa_name != NULL &&
			    strcasecmp(pa->pa_name, "name") == 0)
				named = true;
		}
	return named;		/* a text file sent as a file */
}

/*
 * True when some part is marked as an attachment, is a non-text leaf
 * (outside multipart/related), a forwarded message, or a named text part.
 * The top-level text part of a simple message never is.
 */
static bool
has_attachments(const struct mailimap_body *b, bool in_related, int depth)
{
	const struct mailimap_body_type_mpart	*mp;
	clistiter				*it;
	bool					 related;

	if (b == NULL || depth > 32)
		return false;
	if (b->bd_type == MAILIMAP_BODY_1PART)
		return b->bd_data.bd_body_1part != NULL &&
		    part_is_attachment(b->bd_data.bd_body_1part, in_related);
	mp = b->bd_data.bd_body_mpart;
	if (mp == NULL || mp->bd_list == NULL)
		return false;
	related = mp->bd_media_subtype != NULL &&
	    strcasecmp(mp->bd_media_subtype, "related") == 0;
	for (it = clist_begin(mp->bd_list); it != NULL; it = clist_next(it))
		if (has_attachments(clist_content(it), related, depth + 1))
			return true;
	return false;
}

/* Everything we may read from one FETCH response, borrowed from it. */
struct parsed {
	uint32_t			 uid;
	bool				 has_flags;
	unsigned			 flags;
	struct words			 kw;
	uint64_t			 modseq;
	int64_t				 internal_date;
	uint32_t			 size;
	struct mailimap_envelope	*env;
	struct mailimap_body		*bs;
	const char			*section;
	size_t				 section_len;
	bool				 has_section;
};

static void
parse_att(const struct mailimap_msg_att *ma, struct parsed *p)
{
	struct mailimap_msg_att_item	*item;
	struct mailimap_msg_att_static	*st;
	struct mailimap_extension_data	*ed;
	clistiter			*it;

	memset(p, 0, sizeof *p);
	for (it = ma->att_list != NULL ? clist_begin(ma->att_list) : NULL;
	    it != NULL; it = clist_next(it)) {
		item = clist_content(it);
		switch (item->att_type) {
		case MAILIMAP_MSG_ATT_ITEM_DYNAMIC:
			p->has_flags = true;
			flags_of(item->att_data.att_dyn, &p->flags, &p->kw);
			break;
		case MAILIMAP_MSG_ATT_ITEM_STATIC:
			st = item->att_data.att_static;
			switch (st->att_type) {
			case MAILIMAP_MSG_ATT_UID:
				p->uid = st->att_data.att_uid;
				break;
			case MAILIMAP_MSG_ATT_RFC822_SIZE:
				p->size = st->att_data.att_rfc822_size;
				break;
			case MAILIMAP_MSG_ATT_INTERNALDATE:
				p->internal_date =
				    dt_unix(st->att_data.att_internal_date);
				break;
			case MAILIMAP_MSG_ATT_ENVELOPE:
				p->env = st->att_data.att_env;
				break;
			case MAILIMAP_MSG_ATT_BODYSTRUCTURE:
				p->bs = st->att_data.att_bodystructure;
				break;
			case MAILIMAP_MSG_ATT_BODY_SECTION:
				if (st->att_data.att_body_section != NULL) {
					p->has_section = true;
					p->section = st->att_data.
					    att_body_section->sec_body_part;
					p->section_len = st->att_data.
					    att_body_section->sec_length;
				}
				break;
			}
			break;
		case MAILIMAP_MSG_ATT_ITEM_EXTENSION:
			ed = item->att_data.att_extension_data;
			if (ed != NULL && ed->ext_extension != NULL &&
			    ed->ext_extension->ext_id ==
			    MAILIMAP_EXTENSION_CONDSTORE &&
			    ed->ext_type == MAILIMAP_CONDSTORE_TYPE_FETCH_DATA &&
			    ed->ext_data != NULL)
				p->modseq = ((struct
				    mailimap_condstore_fetch_mod_resp *)
				    ed->ext_data)->cs_modseq_value;
			break;
		}
	}
}

/* ---- streamed FETCH -------------------------------------------------------- */

/* What the per-message handler does with each parsed response. */
struct stream {
	void		(*each)(struct stream *, const struct mailimap_msg_att *);
	void		*arg;		/* the caller's callback argument */
	int		 stop;		/* first non-zero callback return */
	imap_flags_cb	 flags_cb;	/* the caller's callback, by kind */
	imap_header_cb	 header_cb;
	imap_body_cb	 body_cb;
	/* Bodies. */
	char		*buf;
	size_t		 len, cap, max;
	size_t		 seen;		/* of this body, kept or not */
	bool		 got_body, too_big;
};

static void
stream_msg(struct mailimap_msg_att *ma, void *arg)
{
	struct stream	*s = arg;

	if (ma != NULL)
		s->each(s, ma);
}

/* The handler only fires with a progress callback set (guide 3.5). */
static void
stream_progress(size_t cur, size_t max, void *arg)
{
	(void)cur;
	(void)max;
	(void)arg;
}

static void
stream_on(struct imap_conn *c, struct stream *s)
{
	mailimap_set_progress_callback(c->imap, stream_progress,
	    stream_progress, s);
	mailimap_set_msg_att_handler(c->imap, stream_msg, s);
	tls_stream_limit(c->stream, NET_CTX_IMAP_FETCH);
}

static void
stream_off(struct imap_conn *c)
{
	mailimap_set_msg_att_handler(c->imap, NULL, NULL);
	mailimap_set_msg_body_handler(c->imap, NULL, NULL);
	mailimap_set_progress_callback(c->imap, NULL, NULL, NULL);
	tls_stream_limit(c->stream, NET_CTX_IMAP);
}

/*
 * The list a UID FETCH returned in *result. libetpan 1.9.4 frees it itself
 * when the server answers NO, yet leaves the pointer there (freeing it
 * again crashes): only a successful fetch's list is ours.
 */
static void
fetch_list_free(int r, clist *res)
{
	if (r == MAILIMAP_NO_ERROR && res != NULL)
		mailimap_fetch_list_free(res);
}

static int
ft_add(struct mailimap_fetch_type *ft, struct mailimap_fetch_att *att)
{
	if (att == NULL)
		return -1;
	if (mailimap_fetch_type_new_fetch_att_list_add(ft, att) !=
	    MAILIMAP_NO_ERROR) {
		mailimap_fetch_att_free(att);
		return -1;
	}
	return 0;
}

/* ---- SELECT / EXAMINE ---------------------------------------------------- */

static void
flags_each(struct stream *s, const struct mailimap_msg_att *ma)
{
	struct parsed	 p;
	struct imap_flags f;
	imap_flags_cb	 cb = s->flags_cb;

	parse_att(ma, &p);
	if (s->stop == 0 && p.uid != 0 && p.has_flags && cb != NULL) {
		f.uid = p.uid;
		f.flags = p.flags;
		f.keywords = p.kw.s;
		f.modseq = p.modseq;
		s->stop = cb(s->arg, &f);
	}
	free(p.kw.s);
}

/*
 * A mailbox name as an IMAP quoted string, malloc'd (caller frees), or
 * NULL when it cannot be one (CR, LF, 8-bit: a literal would be needed).
 */
static char *
quoted(const char *s)
{
	const unsigned char	*p;
	char			*q, *o;

	q = o = xmalloc(strlen(s) * 2 + 3);
	*o++ = '"';
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n' || *p >= 0x80) {
			free(q);
			return NULL;
		}
		if (*p == '"' || *p == '\\')
			*o++ = '\\';
		*o++ = (char)*p;
	}
	*o++ = '"';
	*o = '\0';
	return q;
}

/* HIGHESTMODSEQ / NOMODSEQ codes and VANISHED lines of the last reply. */
static void
select_extensions(struct imap_conn *c, struct imap_selected *sel)
{
	struct mailimap_extension_data		*ed;
	struct mailimap_condstore_resptextcode	*rc;
	struct mailimap_qresync_vanished	*v;
	struct mailimap_set_item		*si;
	clistiter				*it, *s;

	if (c->imap->imap_response_info == NULL)
		return;
	for (it = clist_begin(c->imap->imap_response_info->rsp_extension_list);
	    it != NULL; it = clist_next(it)) {
		ed = clist_content(it);
		if (ed == NULL || ed->ext_extension == NULL ||
		    ed->ext_data == NULL)
			continue;
		if (ed->ext_extension->ext_id == MAILIMAP_EXTENSION_CONDSTORE &&
		    ed->ext_type == MAILIMAP_CONDSTORE_TYPE_RESP_TEXT_CODE) {
			rc = ed->ext_data;
			if (rc->cs_type ==
			    MAILIMAP_CONDSTORE_RESPTEXTCODE_HIGHESTMODSEQ)
				sel->highestmodseq = rc->cs_data.cs_modseq_value;
			else if (rc->cs_type ==
			    MAILIMAP_CONDSTORE_RESPTEXTCODE_NOMODSEQ)
				sel->highestmodseq = 0;
		} else if (ed->ext_extension->ext_id ==
		    MAILIMAP_EXTENSION_QRESYNC &&
		    ed->ext_type == MAILIMAP_QRESYNC_TYPE_VANISHED) {
			v = ed->ext_data;
			if (v->qr_known_uids == NULL)
				continue;
			for (s = clist_begin(v->qr_known_uids->set_list);
			    s != NULL; s = clist_next(s)) {
				si = clist_content(s);
				/* '*' (0) can only mean the last UID known. */
				if (si->set_first == 0 || si->set_last == 0)
					continue;
				imap_uidset_add(&sel->vanished, si->set_first,
				    si->set_last);
			}
		}
	}
}

/* SELECT (QRESYNC (...)) through the raw path (guide 3.10, option B). */
static int
select_qresync(struct imap_conn *c, const char *q, bool examine,
    const struct imap_qresync *qr)
{
	char	*cmd, known[32];
	int	 r;

	if (qr->last_uid > 0)
		snprintf(known, sizeof known, " 1:%u", qr->last_uid);
	else
		known[0] = '\0';
	cmd = xasprintf("%s %s (QRESYNC (%u %llu%s))",
	    examine ? "EXAMINE" : "SELECT", q, qr->uidvalidity,
	    (unsigned long long)qr->modseq, known);
	/* What mailimap_select() does around the command. */
	if (c->imap->imap_selection_info != NULL)
		mailimap_selection_info_free(c->imap->imap_selection_info);
	c->imap->imap_selection_info = mailimap_selection_info_new();
	if (c->imap->imap_selection_info == NULL) {
		free(cmd);
		return MAILIMAP_ERROR_MEMORY;
	}
	r = raw_command(c, cmd);
	free(cmd);
	if (r == MAILIMAP_NO_ERROR)
		c->imap->imap_state = MAILIMAP_STATE_SELECTED;
	else {
		mailimap_selection_info_free(c->imap->imap_selection_info);
		c->imap->imap_selection_info = NULL;
		c->imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
	}
	return r;
}

int
imap_select(struct imap_conn *c, const char *mailbox, int how,
    const struct imap_qresync *qr, imap_flags_cb changed, void *arg,
    struct imap_selected *sel, struct perr *err)
{
	struct mailimap_selection_info	*si;
	struct stream			 s;
	uint64_t			 hms = 0;
	bool				 examine = (how & IMAP_SELECT_EXAMINE) != 0;
	char				*q = NULL;
	const char			*what = examine ? "EXAMINE" : "SELECT";
	int				 r, stop = 0;

	memset(sel, 0, sizeof *sel);
	if (qr != NULL && qr->uidvalidity != 0 && qr->modseq != 0)
		q = quoted(mailbox);
	if (q != NULL) {
		memset(&s, 0, sizeof s);
		s.each = flags_each;
		s.flags_cb = changed;
		s.arg = arg;
		stream_on(c, &s);
		r = select_qresync(c, q, examine, qr);
		stream_off(c);
		free(q);
		if (r == MAILIMAP_NO_ERROR) {
			sel->qresync = true;
			select_extensions(c, sel);
		}
		stop = s.stop;
	} else if (how & IMAP_SELECT_CONDSTORE) {
		r = examine ? mailimap_examine_condstore(c->imap, mailbox, &hms) :
		    mailimap_select_condstore(c->imap, mailbox, &hms);
		if (r == MAILIMAP_NO_ERROR) {
			select_extensions(c, sel);
			if (hms != 0)
				sel->highestmodseq = hms;
		}
	} else
		r = examine ? mailimap_examine(c->imap, mailbox) :
		    mailimap_select(c->imap, mailbox);
	if (r != MAILIMAP_NO_ERROR) {
		imap_selected_free(sel);
		return cmd_fail(c, r, what, PERR_NOTFOUND, err);
	}
	if ((si = c->imap->imap_selection_info) == NULL) {
		imap_selected_free(sel);
		return net_fail(err, NULL, c->report.hostport, PERR_PROTOCOL,
		    "%s: no selection state after the reply", what);
	}
	sel->uidvalidity = si->sel_uidvalidity;
	sel->uidnext = si->sel_uidnext;
	sel->exists = si->sel_exists;
	sel->readonly = si->sel_perm == MAILIMAP_MAILBOX_READONLY;
	/* The mailbox is selected even when the caller's callback failed. */
	return stop;
}

void
imap_selected_free(struct imap_selected *sel)
{
	if (sel == NULL)
		return;
	imap_uidset_free(&sel->vanished);
}

/* ---- UID FETCH FLAGS ------------------------------------------------------- */

int
imap_fetch_flags(struct imap_conn *c, uint32_t first, uint32_t last,
    uint64_t changedsince, imap_flags_cb cb, void *arg, struct perr *err)
{
	struct mailimap_set		*set;
	struct mailimap_fetch_type	*ft;
	struct stream			 s;
	clist				*res = NULL;
	int				 r;

	if ((set = mailimap_set_new_interval(first, last)) == NULL)
		return nomem(c, err);
	if ((ft = mailimap_fetch_type_new_fetch_att_list_empty()) == NULL ||
	    ft_add(ft, mailimap_fetch_att_new_uid()) != 0 ||
	    ft_add(ft, mailimap_fetch_att_new_flags()) != 0 ||
	    (changedsince != 0 &&
	    ft_add(ft, mailimap_fetch_att_new_modseq()) != 0)) {
		if (ft != NULL)
			mailimap_fetch_type_free(ft);
		mailimap_set_free(set);
		return nomem(c, err);
	}
	memset(&s, 0, sizeof s);
	s.each = flags_each;
	s.flags_cb = cb;
	s.arg = arg;
	stream_on(c, &s);
	if (changedsince != 0)
		r = mailimap_uid_fetch_changedsince(c->imap, set, ft,
		    changedsince, &res);
	else
		r = mailimap_uid_fetch(c->imap, set, ft, &res);
	stream_off(c);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	fetch_list_free(r, res);
	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(c, r, "UID FETCH (FLAGS)", PERR_GENERIC, err);
	return s.stop;
}

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
		return cmd_fail(c, r, "UID SEARCH", PERR_GENERIC, err);
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
		return nomem(c, err);
	/* The key takes the set. */
	if ((key = mailimap_search_key_new_uid(set)) == NULL) {
		mailimap_set_free(set);
		return nomem(c, err);
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

/* ---- UID FETCH of headers -------------------------------------------------- */

static struct imap_addr *
addrs_of(clist *l, size_t *n)
{
	struct imap_addr	*v;
	struct mailimap_address	*a;
	clistiter		*it;

	*n = 0;
	if (l == NULL || clist_count(l) == 0)
		return NULL;
	v = xcalloc((size_t)clist_count(l), sizeof *v);
	for (it = clist_begin(l); it != NULL; it = clist_next(it)) {
		a = clist_content(it);
		/* Group syntax: a NIL host starts or ends a group. */
		if (a->ad_host_name == NULL)
			continue;
		v[*n].name = a->ad_personal_name;
		v[*n].mailbox = a->ad_mailbox_name;
		v[*n].host = a->ad_host_name;
		(*n)++;
	}
	return v;
}

static void
headers_each(struct stream *s, const struct mailimap_msg_att *ma)
{
	struct parsed		 p;
	struct imap_header	 h;
	struct imap_addr	*from = NULL, *to = NULL, *cc = NULL;
	imap_header_cb		 cb = s->header_cb;

	parse_att(ma, &p);
	/* Unsolicited FETCHes (flag changes) carry no envelope: skip them. */
	if (s->stop == 0 && p.uid != 0 && p.env != NULL) {
		memset(&h, 0, sizeof h);
		h.uid = p.uid;
		h.flags = p.flags;
		h.keywords = p.kw.s;
		h.modseq = p.modseq;
		h.internal_date = p.internal_date;
		h.size = p.size;
		h.has_attachments = has_attachments(p.bs, false, 0);
		h.date = p.env->env_date;
		h.subject = p.env->env_subject;
		h.message_id = p.env->env_message_id;
		h.in_reply_to = p.env->env_in_reply_to;
		if (p.env->env_from != NULL)
			h.from = from = addrs_of(p.env->env_from->frm_list,
			    &h.nfrom);
		if (p.env->env_to != NULL)
			h.to = to = addrs_of(p.env->env_to->to_list, &h.nto);
		if (p.env->env_cc != NULL)
			h.cc = cc = addrs_of(p.env->env_cc->cc_list, &h.ncc);
		h.refs = p.section;
		h.refs_len = p.section_len;
		s->stop = cb(s->arg, &h);
	}
	free(from);
	free(to);
	free(cc);
	free(p.kw.s);
}

int
imap_fetch_headers(struct imap_conn *c, const uint32_t *uids, size_t n,
    bool modseq, imap_header_cb cb, void *arg, struct perr *err)
{
	struct mailimap_set		*set;
	struct mailimap_fetch_type	*ft;
	struct mailimap_header_list	*hl;
	struct mailimap_section		*sec;
	struct stream			 s;
	clist				*names, *res = NULL;
	char				*a = NULL, *b = NULL;
	int				 r;

	if (n == 0)
		return 0;
	if ((set = set_of(uids, n)) == NULL)
		return nomem(c, err);
	/* BODY.PEEK[HEADER.FIELDS (References In-Reply-To)]: threading. */
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	names = clist_new();
	if (ft == NULL || names == NULL || (a = strdup("References")) == NULL ||
	    clist_append(names, a) != 0) {
		free(a);
		goto oom;
	}
	if ((b = strdup("In-Reply-To")) == NULL || clist_append(names, b) != 0) {
		free(b);
		goto oom;
	}
	if ((hl = mailimap_header_list_new(names)) == NULL)
		goto oom;
	names = NULL;		/* hl has it */
	if ((sec = mailimap_section_new_header_fields(hl)) == NULL) {
		mailimap_header_list_free(hl);
		goto oom;
	}
	if (ft_add(ft, mailimap_fetch_att_new_uid()) != 0 ||
	    ft_add(ft, mailimap_fetch_att_new_flags()) != 0 ||
	    ft_add(ft, mailimap_fetch_att_new_internaldate()) != 0 ||
	    ft_add(ft, mailimap_fetch_att_new_rfc822_size()) != 0 ||
	    ft_add(ft, mailimap_fetch_att_new_envelope()) != 0 ||
	    ft_add(ft, mailimap_fetch_att_new_bodystructure()) != 0 ||
	    (modseq && ft_add(ft, mailimap_fetch_att_new_modseq()) != 0)) {
		mailimap_section_free(sec);
		goto oom;
	}
	if (ft_add(ft, mailimap_fetch_att_new_body_peek_section(sec)) != 0) {
		mailimap_section_free(sec);
		goto oom;
	}

	memset(&s, 0, sizeof s);
	s.each = headers_each;
	s.header_cb = cb;
	s.arg = arg;
	stream_on(c, &s);
	r = mailimap_uid_fetch(c->imap, set, ft, &res);
	stream_off(c);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	fetch_list_free(r, res);
	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(c, r, "UID FETCH (headers)", PERR_GENERIC, err);
	return s.stop;

oom:
	if (names != NULL) {
		clistiter *it;

		for (it = clist_begin(names); it != NULL; it = clist_next(it))
			free(clist_content(it));
		clist_free(names);
	}
	if (ft != NULL)
		mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	return nomem(c, err);
}

/* ---- UID FETCH BODY.PEEK[] -------------------------------------------------- */

static bool
body_chunk(int type, struct mailimap_msg_att_body_section *sec,
    const char *bytes, size_t len, void *arg)
{
	struct stream	*s = arg;

	(void)type;
	(void)sec;
	s->got_body = true;
	s->seen += len;
	if (s->too_big)
		return true;	/* drain it: stopping would break the session */
	if (s->len + len > s->max) {
		s->too_big = true;
		return true;
	}
	if (s->len + len + 1 > s->cap) {
		s->cap = s->cap ? s->cap : 65536;
		while (s->cap < s->len + len + 1)
			s->cap *= 2;
		s->buf = xrealloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, bytes, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return true;
}

static void
body_each(struct stream *s, const struct mailimap_msg_att *ma)
{
	struct parsed	p;
	imap_body_cb	cb = s->body_cb;

	parse_att(ma, &p);
	free(p.kw.s);
	/* A body arrives with its own FETCH; flag-only ones are unsolicited. */
	if (!s->got_body && !p.has_section)
		return;
	if (s->stop == 0 && p.uid != 0)
		s->stop = s->too_big ? cb(s->arg, p.uid, NULL, s->seen) :
		    cb(s->arg, p.uid, s->buf != NULL ? s->buf : "", s->len);
	s->len = s->seen = 0;
	s->got_body = s->too_big = false;
}

int
imap_fetch_bodies(struct imap_conn *c, const uint32_t *uids, size_t n,
    size_t max, imap_body_cb cb, void *arg, struct perr *err)
{
	struct mailimap_set		*set;
	struct mailimap_fetch_type	*ft;
	struct mailimap_section		*sec;
	struct stream			 s;
	clist				*res = NULL;
	int				 r;

	c->refused[0] = '\0';	/* a body too big is no NO */
	if (n == 0)
		return 0;
	if ((set = set_of(uids, n)) == NULL)
		return nomem(c, err);
	if ((ft = mailimap_fetch_type_new_fetch_att_list_empty()) == NULL ||
	    (sec = mailimap_section_new(NULL)) == NULL) {
		if (ft != NULL)
			mailimap_fetch_type_free(ft);
		mailimap_set_free(set);
		return nomem(c, err);
	}
	if (ft_add(ft, mailimap_fetch_att_new_uid()) != 0) {
		mailimap_section_free(sec);
		goto oom;
	}
	if (ft_add(ft, mailimap_fetch_att_new_body_peek_section(sec)) != 0) {
		mailimap_section_free(sec);
		goto oom;
	}
	memset(&s, 0, sizeof s);
	s.each = body_each;
	s.body_cb = cb;
	s.arg = arg;
	s.max = max;
	stream_on(c, &s);
	mailimap_set_msg_body_handler(c->imap, body_chunk, &s);
	tls_stream_limit(c->stream, NET_CTX_IMAP_BODY);
	r = mailimap_uid_fetch(c->imap, set, ft, &res);
	stream_off(c);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	fetch_list_free(r, res);
	free(s.buf);
	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(c, r, "UID FETCH (BODY.PEEK[])", PERR_GENERIC,
		    err);
	if (s.stop != 0)
		return s.stop;
	return 0;

oom:
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	return nomem(c, err);
}

struct one_body {
	uint32_t	 uid;
	char		*raw;
	size_t		 len;
	bool		 too_big;
};

static int
one_body(void *arg, uint32_t uid, const char *raw, size_t len)
{
	struct one_body	*ob = arg;

	if (uid != ob->uid || ob->raw != NULL)
		return 0;
	if (raw == NULL) {
		ob->too_big = true;
		return 0;
	}
	ob->raw = xmalloc(len + 1);
	memcpy(ob->raw, raw, len);
	ob->raw[len] = '\0';
	ob->len = len;
	return 0;
}

int
imap_fetch_body(struct imap_conn *c, uint32_t uid, size_t max, char **raw,
    size_t *len, struct perr *err)
{
	struct one_body	ob = { uid, NULL, 0, false };

	*raw = NULL;
	*len = 0;
	if (imap_fetch_bodies(c, &uid, 1, max, one_body, &ob, err) != 0)
		return -1;
	if (ob.too_big)
		return net_fail(err, NULL, c->report.hostport, PERR_GENERIC,
		    "message UID %u is larger than the %zu MiB posta accepts",
		    uid, max >> 20);
	if (ob.raw == NULL)
		return net_fail(err, NULL, c->report.hostport, PERR_NOTFOUND,
		    "message UID %u is no longer on the server", uid);
	*raw = ob.raw;
	*len = ob.len;
	return 0;
}

/* ---- push: IDLE and NOOP (libetpan-guide.md 3.9) ----------------------------- */

/*
 * What the last reply said about the selected mailbox: EXISTS, EXPUNGE,
 * unsolicited FETCH, VANISHED. Read right after the command, before the
 * next one frees imap_response_info.
 */
static void
news_harvest(struct imap_conn *c, struct imap_news *news)
{
	struct mailimap_response_info	*ri = c->imap->imap_response_info;
	struct mailimap_selection_info	*si = c->imap->imap_selection_info;
	struct mailimap_extension_data	*ed;
	clistiter			*it;

	if (si != NULL && si->sel_has_exists)
		news->exists = true;
	if (ri == NULL)
		return;
	if (ri->rsp_expunged != NULL && clist_count(ri->rsp_expunged) > 0)
		news->expunged = true;
	if (ri->rsp_fetch_list != NULL && clist_count(ri->rsp_fetch_list) > 0)
		news->flags = true;
	for (it = ri->rsp_extension_list != NULL ?
	    clist_begin(ri->rsp_extension_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		ed = clist_content(it);
		if (ed != NULL && ed->ext_extension != NULL &&
		    ed->ext_extension->ext_id == MAILIMAP_EXTENSION_QRESYNC &&
		    ed->ext_type == MAILIMAP_QRESYNC_TYPE_VANISHED)
			news->expunged = true;
	}
}

bool
imap_news_any(const struct imap_news *n)
{
	return n->exists || n->expunged || n->flags || n->missed;
}

bool
imap_can_idle(const struct imap_conn *c)
{
	return imap_has_cap(c, "IDLE");
}

/*
 * libetpan's mailimap_idle() crashes with no mailbox selected (bug A) and
 * waits out the whole timeout when untagged data comes before "+ idling"
 * (bug B, upstream #393). This sends IDLE itself and reads lines up to
 * the continuation: untagged lines before it are noted as missed news.
 */
int
imap_idle_start(struct imap_conn *c, struct imap_news *news, struct perr *err)
{
	mailimap	*imap = c->imap;
	char		*line;
	size_t		 len;

	memset(news, 0, sizeof *news);
	if (imap->imap_selection_info == NULL ||
	    imap->imap_state != MAILIMAP_STATE_SELECTED)
		return net_fail(err, NULL, c->report.hostport, PERR_GENERIC,
		    "IDLE: no mailbox selected");
	imap->imap_selection_info->sel_has_exists = 0;
	imap->imap_selection_info->sel_has_recent = 0;
	/* mailimap_idle_get_done_delay() counts from here. */
	imap->imap_idle_timestamp = time(NULL);
	if (mailimap_send_current_tag(imap) != MAILIMAP_NO_ERROR ||
	    mailstream_write(imap->imap_stream, "IDLE\r\n", 6) != 6 ||
	    mailstream_flush(imap->imap_stream) == -1)
		return imap_error(c, MAILIMAP_ERROR_STREAM, "IDLE", err);
	for (;;) {
		if ((line = mailimap_read_line(imap)) == NULL)
			return imap_error(c, MAILIMAP_ERROR_STREAM, "IDLE",
			    err);
		len = strlen(line);
		if (line[0] == '+')
			return 0;
		/* Untagged data before "+": seen only as "something". */
		if (line[0] == '*' && !(len >= 3 && line[len - 3] == '}')) {
			news->missed = true;
			continue;
		}
		/* A tagged NO/BAD, or a literal we cannot skip: start over. */
		return net_fail(err, NULL, c->report.hostport, PERR_PROTOCOL,
		    "IDLE: unexpected reply");
	}
}

int
imap_idle_wait(struct imap_conn *c, int wake_fd, int ms)
{
	return tls_wait_readable(c->imap->imap_stream, wake_fd, ms);
}

int
imap_idle_done(struct imap_conn *c, struct imap_news *news, struct perr *err)
{
	int	r;

	/* DONE, then everything the server sent meanwhile and the tagged OK. */
	if ((r = mailimap_idle_done(c->imap)) != MAILIMAP_NO_ERROR)
		return cmd_fail(c, r, "IDLE", PERR_GENERIC, err);
	news_harvest(c, news);
	return 0;
}

int
imap_noop(struct imap_conn *c, struct imap_news *news, struct perr *err)
{
	int	r;

	if (c->imap->imap_selection_info != NULL) {
		c->imap->imap_selection_info->sel_has_exists = 0;
		c->imap->imap_selection_info->sel_has_recent = 0;
	}
	if ((r = mailimap_noop(c->imap)) != MAILIMAP_NO_ERROR)
		return cmd_fail(c, r, "NOOP", PERR_GENERIC, err);
	news_harvest(c, news);
	return 0;
}

/* ---- changing the server (journal replay) ------------------------------------ */

/* The flag list for bits and space-separated keywords; NULL: out of memory. */
static struct mailimap_flag_list *
flag_list_of(unsigned flags, const char *keywords)
{
	static const struct {
		unsigned		  bit;
		struct mailimap_flag	*(*make)(void);
	} sys[] = {
		{ IMAP_FLAG_SEEN, mailimap_flag_new_seen },
		{ IMAP_FLAG_ANSWERED, mailimap_flag_new_answered },
		{ IMAP_FLAG_FLAGGED, mailimap_flag_new_flagged },
		{ IMAP_FLAG_DELETED, mailimap_flag_new_deleted },
		{ IMAP_FLAG_DRAFT, mailimap_flag_new_draft },
	};
	struct mailimap_flag_list	*fl;
	struct mailimap_flag		*f;
	const char			*p, *e;
	char				*w;
	size_t				 i;

	if ((fl = mailimap_flag_list_new_empty()) == NULL)
		return NULL;
	for (i = 0; i < sizeof sys / sizeof sys[0]; i++) {
		if (!(flags & sys[i].bit))
			continue;
		if ((f = sys[i].make()) == NULL)
			goto fail;
		if (mailimap_flag_list_add(fl, f) != MAILIMAP_NO_ERROR) {
			mailimap_flag_free(f);
			goto fail;
		}
	}
	for (p = keywords != NULL ? keywords : ""; *p != '\0'; p = e) {
		while (*p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		if (e == p)
			continue;
		/* \Foo is an extension flag, anything else a keyword. */
		if (*p == '\\') {
			if ((w = strndup(p + 1, (size_t)(e - p - 1))) == NULL)
				goto fail;
			f = mailimap_flag_new_flag_extension(w);
		} else {
			if ((w = strndup(p, (size_t)(e - p))) == NULL)
				goto fail;
			f = mailimap_flag_new_flag_keyword(w);
		}
		if (f == NULL) {
			free(w);
			goto fail;
		}
		if (mailimap_flag_list_add(fl, f) != MAILIMAP_NO_ERROR) {
			mailimap_flag_free(f);
			goto fail;
		}
	}
	return fl;
fail:
	mailimap_flag_list_free(fl);
	return NULL;
}

int
imap_store_flags(struct imap_conn *c, const uint32_t *uids, size_t n,
    bool add, unsigned flags, const char *keywords, struct perr *err)
{
	struct mailimap_flag_list	*fl;
	struct mailimap_store_att_flags	*sa;
	struct mailimap_set		*set;
	int				 r;

	if (n == 0 || (flags == 0 && (keywords == NULL || *keywords == '\0')))
		return 0;
	if ((set = set_of(uids, n)) == NULL)
		return nomem(c, err);
	if ((fl = flag_list_of(flags, keywords)) == NULL) {
		mailimap_set_free(set);
		return nomem(c, err);
	}
	/* +FLAGS / -FLAGS: merged with what other devices did, never replaced. */
	sa = add ? mailimap_store_att_flags_new_add_flags_silent(fl) :
	    mailimap_store_att_flags_new_remove_flags_silent(fl);
	if (sa == NULL) {
		mailimap_flag_list_free(fl);
		mailimap_set_free(set);
		return nomem(c, err);
	}
	r = mailimap_uid_store(c->imap, set, sa);
	mailimap_store_att_flags_free(sa);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(c, r, "UID STORE", PERR_GENERIC, err);
	return 0;
}

/* Pair COPYUID's source and destination sets, in order (RFC 4315). */
static void
copyuid_fill(struct imap_copyuid *out, uint32_t uidvalidity,
    struct mailimap_set *src, struct mailimap_set *dst)
{
	clistiter		*si, *di;
	struct mailimap_set_item *a, *b;
	uint32_t		 s, d;

	out->uidvalidity = uidvalidity;
	if (src == NULL || dst == NULL)
		return;
	si = clist_begin(src->set_list);
	di = clist_begin(dst->set_list);
	if (si == NULL || di == NULL)
		return;
	a = clist_content(si);
	b = clist_content(di);
	s = a->set_first;
	d = b->set_first;
	for (;;) {
		if (s == 0 || d == 0)
			return;		/* '*' has no place in COPYUID */
		out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
		out->v[out->n].src = s;
		out->v[out->n].dst = d;
		out->n++;
		if (s == a->set_last || s == UINT32_MAX) {
			if ((si = clist_next(si)) == NULL)
				return;
			a = clist_content(si);
			s = a->set_first;
		} else
			s++;
		if (d == b->set_last || d == UINT32_MAX) {
			if ((di = clist_next(di)) == NULL)
				return;
			b = clist_content(di);
			d = b->set_first;
		} else
			d++;
	}
}

uint32_t
imap_copyuid_dst(const struct imap_copyuid *cu, uint32_t src)
{
	size_t	i;

	for (i = 0; cu != NULL && i < cu->n; i++)
		if (cu->v[i].src == src)
			return cu->v[i].dst;
	return 0;
}

void
imap_copyuid_free(struct imap_copyuid *cu)
{
	if (cu == NULL)
		return;
	free(cu->v);
	memset(cu, 0, sizeof *cu);
}

int
imap_uid_copy(struct imap_conn *c, const uint32_t *uids, size_t n,
    const char *mailbox, bool move, struct imap_copyuid *out, struct perr *err)
{
	struct mailimap_set	*set, *src = NULL, *dst = NULL;
	uint32_t		 uidvalidity = 0;
	int			 r;

	memset(out, 0, sizeof *out);
	if (n == 0)
		return 0;
	if ((set = set_of(uids, n)) == NULL)
		return nomem(c, err);
	if (move)
		r = mailimap_uidplus_uid_move(c->imap, set, mailbox,
		    &uidvalidity, &src, &dst);
	else
		r = mailimap_uidplus_uid_copy(c->imap, set, mailbox,
		    &uidvalidity, &src, &dst);
	mailimap_set_free(set);
	if (r == MAILIMAP_NO_ERROR)
		copyuid_fill(out, uidvalidity, src, dst);
	if (src != NULL)
		mailimap_set_free(src);
	if (dst != NULL)
		mailimap_set_free(dst);
	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(c, r, move ? "UID MOVE" : "UID COPY",
		    PERR_GENERIC, err);
	return 0;
}

int
imap_uid_expunge(struct imap_conn *c, const uint32_t *uids, size_t n,
    struct perr *err)
{
	struct mailimap_set	*set;
	int			 r;

	if (n == 0)
		return 0;
	if ((set = set_of(uids, n)) == NULL)
		return nomem(c, err);
	r = mailimap_uid_expunge(c->imap, set);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(c, r, "UID EXPUNGE", PERR_GENERIC, err);
	return 0;
}

int
imap_expunge(struct imap_conn *c, struct perr *err)
{
	int	r;

	if ((r = mailimap_expunge(c->imap)) != MAILIMAP_NO_ERROR)
		return cmd_fail(c, r, "EXPUNGE", PERR_GENERIC, err);
	return 0;
}

int
imap_append(struct imap_conn *c, const char *mailbox, unsigned flags,
    const char *keywords, int64_t internal_date, const char *raw, size_t len,
    uint32_t *uidvalidity, uint32_t *uid, struct perr *err)
{
	struct mailimap_flag_list	*fl;
	struct mailimap_date_time	*dt = NULL;
	struct tm			 tm;
	time_t				 t = (time_t)internal_date;
	int				 r;

	*uidvalidity = *uid = 0;
	if ((fl = flag_list_of(flags, keywords)) == NULL)
		return nomem(c, err);
	if (internal_date > 0 && gmtime_r(&t, &tm) != NULL &&
	    (dt = mailimap_date_time_new(tm.tm_mday, tm.tm_mon + 1,
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, 0)) == NULL) {
		mailimap_flag_list_free(fl);
		return nomem(c, err);
	}
	if (imap_has_cap(c, "UIDPLUS"))
		r = mailimap_uidplus_append(c->imap, mailbox, fl, dt, raw, len,
		    uidvalidity, uid);
	else
		r = mailimap_append(c->imap, mailbox, fl, dt, raw, len);
	mailimap_flag_list_free(fl);
	if (dt != NULL)
		mailimap_date_time_free(dt);
	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(c, r, "APPEND", PERR_GENERIC, err);
	return 0;
}

int
imap_mailbox_cmd(struct imap_conn *c, enum imap_mbx_cmd cmd,
    const char *mailbox, const char *newname, struct perr *err)
{
	const char	*what = "";
	int		 r = MAILIMAP_ERROR_INVAL;

	switch (cmd) {
	case IMAP_MBX_CREATE:
		what = "CREATE";
		r = mailimap_create(c->imap, mailbox);
		break;
	case IMAP_MBX_DELETE:
		what = "DELETE";
		r = mailimap_delete(c->imap, mailbox);
		break;
	case IMAP_MBX_RENAME:
		what = "RENAME";
		r = mailimap_rename(c->imap, mailbox, newname);
		break;
	case IMAP_MBX_SUBSCRIBE:
		what = "SUBSCRIBE";
		r = mailimap_subscribe(c->imap, mailbox);
		break;
	case IMAP_MBX_UNSUBSCRIBE:
		what = "UNSUBSCRIBE";
		r = mailimap_unsubscribe(c->imap, mailbox);
		break;
	}
	if (r != MAILIMAP_NO_ERROR)
		return cmd_fail(c, r, what, PERR_GENERIC, err);
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
		return nomem(c, err);
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
		return nomem(c, err);
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
	if ((set = set_of(uids, n)) == NULL)
		return nomem(c, err);
	/* The key takes the set. */
	if ((key = mailimap_search_key_new_uid(set)) == NULL) {
		mailimap_set_free(set);
		return nomem(c, err);
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
