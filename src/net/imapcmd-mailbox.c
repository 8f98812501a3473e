/*
 * imapcmd-mailbox.c - commands on mailboxes as a whole: LIST (with
 * SPECIAL-USE), STATUS, SELECT/EXAMINE (CONDSTORE, QRESYNC written by
 * hand), CREATE, DELETE, RENAME, (UN)SUBSCRIBE.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/imapcmd-int.h"
#include "net/liststatus.h"
#include "util/i18n.h"

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

/* mb at the end of mbs (room made by the caller), its INBOX as "INBOX". */
static void
mailboxes_append(struct imap_mailboxes *mbs,
    const struct mailimap_mailbox_list *mb)
{
	struct imap_mailbox	*m;

	if (mb->mb_name == NULL)
		return;
	m = &mbs->v[mbs->n++];
	memset(m, 0, sizeof *m);
	/* The server may spell it "inbox": the protocol knows one INBOX. */
	m->name = xstrdup(strcasecmp(mb->mb_name, "INBOX") == 0 ? "INBOX" :
	    mb->mb_name);
	m->delim = mb->mb_delimiter;
	m->attrs = mbx_flags(mb->mb_flag);
}

/*
 * A mailbox listed twice is one: the first keeps its place and gains the
 * attributes of the others. Sorted by name (n log n), not compared pair
 * by pair: an account may have thousands of folders.
 */
static void
mailboxes_dedup(struct imap_mailboxes *mbs)
{
	struct mbx_index	 ix;
	size_t			 i, k, first;

	mbx_index_build(&ix, mbs);
	/* The index sorts equal names by place: a run's first is first. */
	for (first = 0, i = 1; i < ix.n; i++) {
		if (strcmp(ix.v[first]->name, ix.v[i]->name) != 0) {
			first = i;
			continue;
		}
		ix.v[first]->attrs |= ix.v[i]->attrs;
		free(ix.v[i]->name);
		ix.v[i]->name = NULL;
	}
	mbx_index_free(&ix);
	for (i = k = 0; i < mbs->n; i++)
		if (mbs->v[i].name != NULL)
			mbs->v[k++] = mbs->v[i];
	mbs->n = k;
}

static void
mailboxes_from(struct imap_mailboxes *mbs, clist *l)
{
	clistiter	*it;
	size_t		 n;

	if (l == NULL || (n = (size_t)clist_count(l)) == 0)
		return;
	mbs->v = xreallocarray(mbs->v, mbs->n + n, sizeof *mbs->v);
	for (it = clist_begin(l); it != NULL; it = clist_next(it))
		mailboxes_append(mbs, clist_content(it));
	mailboxes_dedup(mbs);
}

static void
mark_subscribed(struct imap_mailboxes *mbs, clist *l)
{
	struct mailimap_mailbox_list	*mb;
	struct imap_mailbox		*m;
	struct mbx_index		 ix;
	clistiter			*it;

	mbx_index_build(&ix, mbs);
	for (it = l != NULL ? clist_begin(l) : NULL; it != NULL;
	    it = clist_next(it)) {
		mb = clist_content(it);
		if (mb->mb_name != NULL &&
		    (m = mbx_index_find(&ix, mb->mb_name)) != NULL)
			m->attrs |= IMAP_MBX_SUBSCRIBED;
	}
	mbx_index_free(&ix);
}

static void	status_fill(const struct mailimap_mailbox_data_status *,
		    struct imap_status *);
static void	status_answered(struct imap_conn *);
static char	*quoted(const char *);

/*
 * What every STATUS asks for, in the words of a command: what tells a
 * change. Not UNSEEN, which nothing reads and which costs a server a
 * count of the folder (Dovecot: 0.07 s of CPU at a million messages,
 * doc/PERFORMANCE.md).
 */
static const char *
status_items(struct imap_conn *c)
{
	return imap_has_cap(c, "CONDSTORE") ?
	    "MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ" :
	    "MESSAGES UIDNEXT UIDVALIDITY";
}

/*
 * A STATUS per known mailbox, then LIST (unless listed already) and LSUB,
 * read as each reply comes: the STATUS of asked[k] is cmds[k], LIST and
 * LSUB are cmds[nstatus + 0, 1].
 */
struct list_got {
	struct imap_conn	*c;
	struct imap_mailboxes	*mbs;
	bool			 listed;	/* the LSUB is the only list */
	bool			 status;	/* LIST asked for STATUS */
	size_t			 nstatus;
	int			 r[2];
	struct imap_status	*st;		/* [nstatus] */
	bool			*ok;		/* [nstatus] */
};

static void
list_got(void *arg, size_t i, int r)
{
	struct list_got			*g = arg;
	struct mailimap_response_info	*ri = g->c->imap->imap_response_info;

	MMAPString			*text = g->c->imap->imap_stream_buffer;

	if (i < g->nstatus) {
		g->ok[i] = r == MAILIMAP_NO_ERROR && ri != NULL &&
		    ri->rsp_status != NULL;
		if (g->ok[i])
			status_fill(ri->rsp_status, &g->st[i]);
		return;
	}
	i -= g->nstatus;
	g->r[i] = r;
	if (r != MAILIMAP_NO_ERROR || ri == NULL)
		return;
	if (i == 0 && !g->listed) {
		mailboxes_from(g->mbs, ri->rsp_mailbox_list);
		if (g->status && text != NULL)
			list_status_scan(g->mbs, text->str, text->len);
	} else
		mark_subscribed(g->mbs, ri->rsp_mailbox_lsub);
}

/* The STATUS answers of the known mailboxes into the listed ones. */
static void
list_statuses(struct imap_mailboxes *mbs, const char *const *known,
    const struct imap_status *st, const bool *ok, size_t n)
{
	struct imap_mailbox	*m;
	struct mbx_index	 ix;
	size_t			 i;

	mbx_index_build(&ix, mbs);
	for (i = 0; i < n; i++)
		if (ok[i] && (m = mbx_index_find(&ix, known[i])) != NULL) {
			m->st = st[i];
			m->has_status = true;
		}
	mbx_index_free(&ix);
}

/*
 * Every mailbox and which are subscribed: LIST (with the special-use
 * attributes when the server can say them) and LSUB pipelined, one round
 * trip, with a STATUS per known mailbox when they fit it, else
 * LIST-STATUS when the server has it (net.h says why in that order).
 * The STATUS go first: on Dovecot's Maildir a STATUS of a big mailbox
 * after a LIST in the same session reads its whole uidlist (0.4 s of CPU
 * at 300,000 messages), before any LIST it answers from the index.
 * Subscriptions come from LSUB, which works everywhere (LIST
 * (SUBSCRIBED) does not). Gmail's XLIST goes through libetpan alone.
 */
int
imap_list(struct imap_conn *c, const char *const *known, size_t nknown,
    struct imap_mailboxes *mbs, struct perr *err)
{
	struct list_got	 g = { c, mbs, false, false, 0, { 0, 0 }, NULL, NULL };
	const char	*cmds[IMAPCMD_PIPELINE_MAX], *lists[2], *what = "LIST";
	const char	*asked[IMAPCMD_PIPELINE_MAX];
	char		*cmd = NULL, *q, *scmd[IMAPCMD_PIPELINE_MAX];
	clist		*l = NULL;
	size_t		 i, n = 0, nl = 0;
	int		 r;

	memset(mbs, 0, sizeof *mbs);
	if (nknown > IMAPCMD_PIPELINE_MAX - 2 &&
	    imap_has_cap(c, "LIST-STATUS") && imap_has_cap(c, "LIST-EXTENDED")) {
		/* RFC 5819: the STATUS of every mailbox comes along. */
		g.status = true;
		if (imap_has_cap(c, "SPECIAL-USE")) {
			mbs->how = "LIST RETURN (SPECIAL-USE)";
			cmd = xasprintf("LIST \"\" \"*\" RETURN (SPECIAL-USE "
			    "STATUS (%s))", status_items(c));
		} else {
			mbs->how = "LIST";
			cmd = xasprintf("LIST \"\" \"*\" RETURN (STATUS (%s))",
			    status_items(c));
		}
		lists[nl++] = cmd;
		nknown = 0;
	} else if (imap_has_cap(c, "SPECIAL-USE") &&
	    imap_has_cap(c, "LIST-EXTENDED")) {
		/* RFC 6154: ask for the attributes, not all servers volunteer them. */
		mbs->how = "LIST RETURN (SPECIAL-USE)";
		lists[nl++] = "LIST \"\" \"*\" RETURN (SPECIAL-USE)";
	} else if (!imap_has_cap(c, "SPECIAL-USE") &&
	    mailimap_has_xlist(c->imap)) {
		mbs->how = "XLIST";
		if ((r = mailimap_xlist(c->imap, "", "*", &l)) !=
		    MAILIMAP_NO_ERROR)
			return imapcmd_fail(c, r, "XLIST", PERR_GENERIC, err);
		mailboxes_from(mbs, l);
		mailimap_list_result_free(l);
		g.listed = true;
	} else {
		mbs->how = "LIST";
		lists[nl++] = "LIST \"\" \"*\"";
	}
	lists[nl++] = "LSUB \"\" \"*\"";
	/* A name that needs a literal is left to the caller. */
	for (i = 0; i < nknown && n + nl < IMAPCMD_PIPELINE_MAX; i++) {
		if ((q = quoted(known[i])) == NULL)
			continue;
		scmd[n] = xasprintf("STATUS %s (%s)", q, status_items(c));
		free(q);
		cmds[n] = scmd[n];
		asked[n++] = known[i];
	}
	g.nstatus = n;
	for (i = 0; i < nl; i++)
		cmds[n++] = lists[i];
	g.st = xcalloc(g.nstatus + 1, sizeof *g.st);
	g.ok = xcalloc(g.nstatus + 1, sizeof *g.ok);
	r = imapcmd_pipeline(c, cmds, n, list_got, &g);
	if (g.nstatus > 0)
		status_answered(c);
	for (i = 0; r == MAILIMAP_NO_ERROR && i < nl; i++) {
		if (g.r[i] == MAILIMAP_NO_ERROR)
			continue;
		/* Refused: once more alone, for the server's own words. */
		what = strncmp(lists[i], "LSUB", 4) == 0 ? "LSUB" : "LIST";
		if ((r = imapcmd_raw(c, lists[i])) == MAILIMAP_NO_ERROR)
			list_got(&g, g.nstatus + i, r);
	}
	if (r == MAILIMAP_NO_ERROR)
		list_statuses(mbs, asked, g.st, g.ok, g.nstatus);
	for (i = 0; i < g.nstatus; i++)
		free(scmd[i]);
	free(g.st);
	free(g.ok);
	free(cmd);
	if (r != MAILIMAP_NO_ERROR) {
		imap_mailboxes_free(mbs);
		return imapcmd_fail(c, r, what, PERR_GENERIC, err);
	}
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

/*
 * Every untagged STATUS that came during posta's own STATUS commands is
 * taken as their answer, not as NOTIFY's news (imap_status_heard()): the
 * round that just read every folder's state is the look those news would
 * ask for, and a server that says more than asked cannot make one round
 * call for the next.
 */
static void
status_answered(struct imap_conn *c)
{
	c->status_replies = tls_stream_statuses(c->stream) - c->status_heard;
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
		return imapcmd_nomem(c, err);
	r = mailimap_status(c->imap, mailbox, atts, &res);
	status_answered(c);
	mailimap_status_att_list_free(atts);
	if (r != MAILIMAP_NO_ERROR)
		return imapcmd_fail(c, r, "STATUS", PERR_NOTFOUND, err);
	status_fill(res, st);
	if (res != NULL)
		mailimap_mailbox_data_status_free(res);
	return 0;
}

/* At most this many STATUS in flight: their replies fit a socket buffer. */
#define STATUS_WINDOW	IMAPCMD_PIPELINE_MAX

struct status_window {
	struct imap_conn	*c;
	struct imap_status	*st;
	bool			*ok;
};

static void
status_got(void *arg, size_t i, int r)
{
	struct status_window		*w = arg;
	struct mailimap_response_info	*ri = w->c->imap->imap_response_info;

	w->ok[i] = r == MAILIMAP_NO_ERROR && ri != NULL &&
	    ri->rsp_status != NULL;
	if (w->ok[i])
		status_fill(ri->rsp_status, &w->st[i]);
}

/*
 * One window of imap_status_many(): the STATUS of the mailboxes q[0..n)
 * (each a quoted string), pipelined.
 */
static int
status_window(struct imap_conn *c, char *const *q, size_t n,
    struct imap_status *st, bool *ok, struct perr *err)
{
	struct status_window	 w = { c, st, ok };
	char			*cmd[STATUS_WINDOW];
	size_t			 i;
	int			 r;

	for (i = 0; i < n; i++)
		cmd[i] = xasprintf("STATUS %s (%s)", q[i], status_items(c));
	r = imapcmd_pipeline(c, (const char *const *)cmd, n, status_got, &w);
	status_answered(c);
	for (i = 0; i < n; i++)
		free(cmd[i]);
	if (r != MAILIMAP_NO_ERROR)
		return imapcmd_fail(c, r, "STATUS", PERR_NOTFOUND, err);
	return 0;
}


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
	r = imapcmd_raw(c, cmd);
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
		s.each = imapcmd_flags_each;
		s.flags_cb = changed;
		s.arg = arg;
		imapcmd_stream_on(c, &s);
		r = select_qresync(c, q, examine, qr);
		imapcmd_stream_off(c);
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
		return imapcmd_fail(c, r, what, PERR_NOTFOUND, err);
	}
	if ((si = c->imap->imap_selection_info) == NULL) {
		imap_selected_free(sel);
		return net_fail(err, NULL, c->report.hostport, PERR_PROTOCOL,
		    _("%s: no selection state after the reply"), what);
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
		return imapcmd_fail(c, r, what, PERR_GENERIC, err);
	return 0;
}

/* ---- the size of INBOX (posta setup) ------------------------------------ */

/*
 * STATUS INBOX (SIZE) (RFC 8438), sent and read here: libetpan 1.9.4
 * cannot parse the SIZE item. -1 when the reply says nothing usable.
 */
static long long
status_size(struct imap_conn *c)
{
	static const char	 cmd[] = "PS1 STATUS INBOX (SIZE)\r\n";
	MMAPString		*line;
	char			*l, *p;
	long long		 size = -1;
	int			 i;

	if (mailstream_write(c->stream, cmd, sizeof cmd - 1) < 0 ||
	    mailstream_flush(c->stream) < 0)
		return -1;
	if ((line = mmap_string_new("")) == NULL)
		return -1;
	/* A handful of lines at most; the stream's bounds hold each. */
	for (i = 0; i < 16; i++) {
		if ((l = mailstream_read_line_remove_eol(c->stream, line)) ==
		    NULL)
			break;
		if (strncmp(l, "* STATUS ", 9) == 0 &&
		    (p = strstr(l, "SIZE ")) != NULL)
			size = strtoll(p + 5, NULL, 10);
		if (strncmp(l, "PS1 ", 4) == 0)
			break;
	}
	mmap_string_free(line);
	return i < 16 ? size : -1;
}

/* The STORAGE usage of INBOX's quota root, in bytes; -1 when none. */
static long long
quota_size(struct imap_conn *c)
{
	struct mailimap_quota_complete_data	*q = NULL;
	struct mailimap_quota_quota_data	*qd;
	struct mailimap_quota_quota_resource	*r;
	clistiter				*it, *jt;
	long long				 size = -1;

	if (mailimap_quota_getquotaroot(c->imap, "INBOX", &q) !=
	    MAILIMAP_NO_ERROR || q == NULL)
		return -1;
	for (it = q->quota_list != NULL ? clist_begin(q->quota_list) : NULL;
	    it != NULL; it = clist_next(it)) {
		qd = clist_content(it);
		for (jt = qd->quota_list != NULL ?
		    clist_begin(qd->quota_list) : NULL; jt != NULL;
		    jt = clist_next(jt)) {
			r = clist_content(jt);
			if (r->resource_name != NULL &&
			    strcasecmp(r->resource_name, "STORAGE") == 0)
				size = (long long)r->usage * 1024;
		}
	}
	mailimap_quota_complete_data_free(q);
	return size;
}

long long
imap_inbox_size(struct imap_conn *c)
{
	if (imap_has_cap(c, "STATUS=SIZE"))
		return status_size(c);
	if (imap_has_cap(c, "QUOTA"))
		return quota_size(c);
	return -1;
}
