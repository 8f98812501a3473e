/*
 * drv-imap-narrow.c - the IMAP driver: a FETCH libetpan cannot parse, or
 * that the server refuses, narrowed down to the messages that break it.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail/mail.h"
#include "net/net.h"
#include "sync/sync.h"
#include "sync/drv.h"
#include "sync/drv-imap.h"
#include "util/i18n.h"

/* ---- replies libetpan cannot parse ------------------------------------------- */

/*
 * Broken replies, and refusals, one narrowed fetch may cost before the
 * folder waits.
 */
#define NARROW_BREAKS	64

void
narrow_got(struct narrow *nw, uint32_t uid)
{
	if (nw->ngot == nw->capgot) {
		nw->capgot = nw->capgot ? nw->capgot * 2 : 64;
		nw->got = xreallocarray(nw->got, nw->capgot, sizeof *nw->got);
	}
	nw->got[nw->ngot++] = uid;
}

static bool
uid_in(const uint32_t *v, size_t n, uint32_t uid)
{
	size_t	i;

	for (i = 0; i < n && v[i] != uid; i++)
		;
	return i < n;
}

/* v less the UIDs in drop; returns the new count. */
static size_t
uids_without(uint32_t *v, size_t n, const uint32_t *drop, size_t ndrop)
{
	size_t	i, k = 0;

	for (i = 0; i < n; i++)
		if (!uid_in(drop, ndrop, v[i]))
			v[k++] = v[i];
	return k;
}

/*
 * After a reply that could not be parsed: a new connection with f selected
 * again, under the same UIDVALIDITY (else the folder waits for the next
 * pass, which re-maps it). When no new connection could be made, the
 * error is one that ends the pass: be->c is gone.
 */
int
narrow_reopen(struct sync_session *s, const struct store_folder *f,
    uint32_t uidvalidity, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_selected	 sel;
	int			 rc = -1;

	be_conn_drop(s, be, true);
	if (be_conn_open(s, be, err) != 0) {
		if (!be_fatal(err))
			err->code = PERR_CONNECT;
		return -1;
	}
	if (imap_select(be->c, f->remote_name, IMAP_SELECT_EXAMINE |
	    (be->condstore ? IMAP_SELECT_CONDSTORE : 0), NULL, NULL, NULL,
	    &sel, err) != 0)
		goto out;
	if (sel.uidvalidity != uidvalidity) {
		net_fail(err, NULL, be->c->report.hostport, PERR_GENERIC,
		    _("the server renumbered the folder (UIDVALIDITY) during "
		    "the sync; the next sync takes it up"));
		goto out;
	}
	be->selected = xstrdup(f->remote_name);
	be->selected_rw = false;
	rc = 0;
out:
	imap_selected_free(&sel);
	return rc;
}

/* Did the server send a message of folder id on this session? */
static bool
readable(const struct imap_be *be, int64_t id)
{
	size_t	i;

	for (i = 0; i < be->nreadable && be->readable[i] != id; i++)
		;
	return i < be->nreadable;
}

static void
mark_readable(struct imap_be *be, int64_t id)
{
	if (readable(be, id))
		return;
	be->readable = xreallocarray(be->readable, be->nreadable + 1,
	    sizeof *be->readable);
	be->readable[be->nreadable++] = id;
}

/*
 * A command about a message that broke a reply failed: a reply that could
 * not be parsed costs the connection (opened again), and a NO costs
 * nothing; neither costs the pass. Anything else does.
 */
int
narrow_recover(struct narrow *nw, const struct perr *ferr, struct perr *err)
{
	struct imap_be	*be = nw->s->be;

	if (be->c->unparsed)
		return narrow_reopen(nw->s, nw->f, nw->uidvalidity, err);
	if (be_fatal(ferr)) {
		*err = *ferr;
		return -1;
	}
	return 0;
}

static int
probe_one(void *arg, const struct imap_header *h)
{
	(void)h;
	*(bool *)arg = true;
	return 0;
}

/*
 * The server refused messages of a folder it sent nothing of on this
 * session (a resync with one new message, unreadable): is the folder at
 * fault or the messages? Ask again for one it sent before, the newest
 * stored whole. If it comes, the folder is readable and the refusals are
 * the messages'; else the folder's (gone, locked, over a quota).
 */
static int
probe_readable(struct narrow *nw, struct perr *err)
{
	struct imap_be	*be = nw->s->be;
	struct perr	 ferr;
	uint32_t	 uid;
	bool		 got = false;

	if (store_msg_whole_uid(nw->s->st, nw->f->id, &uid, err) != 0)
		return -1;
	if (uid == 0)
		return 0;
	if (imap_fetch_headers(be->c, &uid, 1, false, probe_one, &got,
	    &ferr) != 0)
		return narrow_recover(nw, &ferr, err);
	if (got)
		mark_readable(be, nw->f->id);
	return 0;
}

/*
 * One try over uids in one transaction. 0: done; 1: the reply broke, what
 * it delivered before is committed and the connection is a new one; 2: the
 * server answered NO (nw->why says why), what it delivered is committed and
 * the session goes on; -1.
 */
static int
narrow_try(struct narrow *nw, const uint32_t *uids, size_t n,
    struct perr *err)
{
	struct sync_session	*s = nw->s;
	struct imap_be		*be = s->be;
	int			 r = -1;

	nw->ngot = 0;
	nw->failed = false;
	if (store_begin(s->st, err) != 0)
		return -1;
	if (nw->fetch(nw, uids, n, err) == 0)
		r = 0;
	else if (nw->failed || be->c == NULL)
		;
	else if (be->c->unparsed)
		r = 1;
	else if (be->c->refused[0] != '\0' && !be_fatal(err)) {
		snprintf(nw->why, sizeof nw->why, "%s", be->c->refused);
		perr_clear(err);
		r = 2;
	}
	if (r < 0) {
		(void)store_rollback(s->st, NULL);
		return -1;
	}
	/* Every message delivered before a break or a NO was read whole. */
	if (store_commit(s->st, err) != 0)
		return -1;
	if (nw->ngot > 0)
		mark_readable(be, nw->f->id);
	if (r == 1 && narrow_reopen(s, nw->f, nw->uidvalidity, err) != 0)
		return -1;
	return r;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The refusals narrow_fetch() found go to nw->refused(), if the folder is
 * one the server sends messages of; else the folder's pass fails.
 */
static int
narrow_refusals(struct narrow *nw, struct perr *err)
{
	size_t	i;

	if (nw->nno == 0)
		return 0;
	if (!readable(nw->s->be, nw->f->id) && probe_readable(nw, err) != 0)
		return -1;
	if (!readable(nw->s->be, nw->f->id))
		return perr_set(err, PERR_GENERIC, ngettext("the server would "
		    "not send the %zu message asked for, nor another of this "
		    "folder: %s; the folder waits for the next sync", "the "
		    "server would not send any of the %zu messages asked for, "
		    "nor another of this folder: %s; the folder waits for the "
		    "next sync", nw->nno), nw->nno, nw->no[0].why);
	for (i = 0; i < nw->nno; i++)
		if (nw->refused(nw, nw->no[i].uid, nw->no[i].why, err) != 0)
			return -1;
	return 0;
}

/*
 * nw->fetch over uids[0..n), narrowed down when a reply breaks or is
 * refused. Each try asks for a window, the first w UIDs of todo (sorted):
 * whatever it delivered leaves todo, and once the window is settled
 * (answered, or its one UID dealt with) the rest of todo is asked for.
 */
int
narrow_fetch(struct narrow *nw, const uint32_t *uids, size_t n,
    struct perr *err)
{
	uint32_t	*todo;
	size_t		 ntodo = n, w = n, left, alone = 0, i;
	int		 r, breaks = 0, nos = 0, rc = -1;

	if (n == 0)
		return 0;
	todo = xreallocarray(NULL, n, sizeof *todo);
	memcpy(todo, uids, n * sizeof *todo);
	qsort(todo, n, sizeof *todo, uid_cmp);
	while (ntodo > 0) {
		if (w == 0 || w > ntodo)
			w = ntodo;
		if ((r = narrow_try(nw, todo, w, err)) < 0)
			goto out;
		/* The window's UIDs not delivered: todo's first `left`. */
		for (left = 0, i = 0; i < w; i++)
			left += !uid_in(nw->got, nw->ngot, todo[i]);
		ntodo = uids_without(todo, ntodo, nw->got, nw->ngot);
		if (alone > 0)
			alone--;
		if (r == 1 && ++breaks > NARROW_BREAKS) {
			perr_set(err, PERR_GENERIC, _("%d replies of the "
			    "server "
			    "could not be parsed; the other messages wait for "
			    "the next sync"), breaks - 1);
			goto out;
		}
		if (r == 2 && ++nos > NARROW_BREAKS) {
			/*
			 * The refusals found so far are kept all the same,
			 * else the next pass asks for them again, stops at
			 * the same count, and never reaches older messages.
			 */
			if (narrow_refusals(nw, err) != 0)
				goto out;
			perr_set(err, PERR_GENERIC, _("the server refused %d "
			    "fetches (the last: %s); the other messages wait "
			    "for the next sync"), nos - 1, nw->why);
			goto out;
		}
		if (r == 1 && w > 1) {
			w = 1;		/* find the one that broke it */
			continue;
		}
		if (r == 2 && left > 0 && w > 1) {
			/* It sent the others: each of the rest alone. */
			if (left < w)
				alone = left;
			w = left < w ? 1 : (left + 1) / 2;
			continue;
		}
		/* The window is settled: delivered, gone, or found out. */
		if (r == 1 && left == 1 && nw->broken(nw, todo[0], err) != 0)
			goto out;
		if (r == 2 && left == 1) {
			nw->no = xreallocarray(nw->no, nw->nno + 1,
			    sizeof *nw->no);
			nw->no[nw->nno].uid = todo[0];
			nw->no[nw->nno++].why = xstrdup(nw->why);
		}
		memmove(todo, todo + left, (ntodo - left) * sizeof *todo);
		ntodo -= left;
		w = alone > 0 ? 1 : 0;
	}
	rc = narrow_refusals(nw, err);
out:
	for (i = 0; i < nw->nno; i++)
		free(nw->no[i].why);
	free(nw->no);
	nw->no = NULL;
	nw->nno = 0;
	free(todo);
	free(nw->got);
	nw->got = NULL;
	nw->ngot = nw->capgot = 0;
	return rc;
}
