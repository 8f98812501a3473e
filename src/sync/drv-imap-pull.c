/*
 * drv-imap-pull.c - the IMAP driver: one folder's changes into the store
 * (QRESYNC, else CONDSTORE, else the full UID+FLAGS diff; UIDVALIDITY
 * re-mapping).
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

/* ---- applying flags ---------------------------------------------------------- */

struct apply {
	struct sync_session	*s;
	const struct store_folder *f;
	struct perr		*err;
	uint32_t		 below;	/* only UIDs below this are ours */
};

/* A FETCH of flags from the server: the store takes it as the truth. */
static int
apply_flags(void *arg, const struct imap_flags *fl)
{
	struct apply	*a = arg;
	int		 r;

	if (a->below != 0 && fl->uid >= a->below)
		return 0;	/* a new message: the header fetch stores it */
	r = store_msg_flags_uid(a->s->st, a->f->id, fl->uid,
	    be_store_flags(fl->flags), fl->keywords != NULL ? fl->keywords : "",
	    be_modseq_ok(fl->modseq), a->err);
	if (r < 0)
		return 1;
	if (r > 0)
		a->s->prog.changed++;
	return 0;
}

/* UIDs from UIDNEXT up: new ones collected, known ones get their flags. */
struct above {
	struct sync_session		*s;
	const struct store_folder	*f;
	struct perr			*err;
	struct imap_uids		*nu;
	uint32_t			 from;
};

static int
above_one(void *arg, const struct imap_flags *fl)
{
	struct above	*a = arg;
	int		 r;

	/* "n:*" also answers with the last message when it is below n. */
	if (fl->uid < a->from)
		return 0;
	r = store_msg_flags_uid(a->s->st, a->f->id, fl->uid,
	    be_store_flags(fl->flags), fl->keywords != NULL ? fl->keywords : "",
	    0, a->err);
	if (r < 0)
		return 1;
	if (r == 0) {
		a->nu->v = xreallocarray(a->nu->v, a->nu->n + 1,
		    sizeof *a->nu->v);
		a->nu->v[a->nu->n++] = fl->uid;
	}
	return 0;
}

/* ---- the full diff --------------------------------------------------------- */

/* 16 bytes a message of the folder, held for the whole diff. */
struct srv {
	uint32_t	 uid;
	unsigned	 flags : 31;	/* be_store_flags(): a few low bits */
	unsigned	 known : 1;
	char		*keywords;
};

struct full {
	struct srv	*v;
	size_t		 n, cap, i;
	uint32_t	 lo, hi;	/* the window being listed */
	/* From the store walk. */
	uint32_t	*gone;
	size_t		 ngone;
	size_t		*changed;	/* indexes into v */
	size_t		 nchanged;
	int64_t		 with_uid;
};

static int
full_collect(void *arg, const struct imap_flags *fl)
{
	struct full	*fu = arg;

	/*
	 * Only the window's UIDs: "n:*" also answers with the last message
	 * when it is below n, and a FETCH the server volunteers about an
	 * earlier window's message must not enter the list twice.
	 */
	if (fl->uid < fu->lo || fl->uid > fu->hi)
		return 0;
	if (fu->n == fu->cap) {
		fu->cap = fu->cap ? fu->cap * 2 : 1024;
		fu->v = xreallocarray(fu->v, fu->cap, sizeof *fu->v);
	}
	fu->v[fu->n].uid = fl->uid;
	fu->v[fu->n].flags = be_store_flags(fl->flags);
	fu->v[fu->n].keywords = fl->keywords != NULL && *fl->keywords != '\0' ?
	    xstrdup(fl->keywords) : NULL;
	fu->v[fu->n].known = 0;
	fu->n++;
	return 0;
}

static int
srv_cmp(const void *a, const void *b)
{
	const struct srv	*x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/*
 * The full listing is asked in windows of UIDs: libetpan reads a command's
 * whole reply into one buffer (some 40 bytes a message, doubling as it
 * grows), so one `UID FETCH 1:*` of a million messages held 64 MB of it.
 * A window holds about LIST_WINDOW messages when UIDs are dense; when they
 * are sparse (UIDNEXT far above EXISTS) the windows widen so that their
 * number stays near EXISTS / LIST_WINDOW, and never above LIST_WINDOWS_MAX.
 */
#define LIST_WINDOW		50000
#define LIST_WINDOWS_MAX	64

/* $POSTA_TEST_LIST_WINDOW, for tests only: UIDs a window, at least 1. */
static uint32_t
list_window(void)
{
	return (uint32_t)env_long("POSTA_TEST_LIST_WINDOW", 1, LIST_WINDOW,
	    LIST_WINDOW);
}

/* Sorts v[from..n) by UID, if the server did not send it so. */
static void
full_sort_tail(struct full *fu, size_t from)
{
	size_t	i;

	for (i = from + 1; i < fu->n; i++)
		if (fu->v[i - 1].uid > fu->v[i].uid)
			break;
	/* qsort()'s copy of the array is one window's at most. */
	if (i < fu->n)
		qsort(fu->v + from, fu->n - from, sizeof *fu->v, srv_cmp);
}

/*
 * The server's UIDs and flags, ascending, into fu: windows 1:w, w+1:2w...,
 * the last one open (n:*), so that it also lists what came since the
 * SELECT (a message appended between two windows has a UID from UIDNEXT
 * up). A folder of one window, or a server that gave no UIDNEXT, is asked
 * 1:* in one command, as before windows.
 */
static int
full_list(struct imap_be *be, const struct imap_selected *sel,
    struct full *fu, struct perr *err)
{
	uint64_t	 w, span, nwin, lo;
	size_t		 from;
	bool		 last;

	span = sel->uidnext > 1 ? (uint64_t)sel->uidnext - 1 : 0;
	w = list_window();
	nwin = ((span < sel->exists ? span : sel->exists) + w - 1) / w;
	if (nwin > LIST_WINDOWS_MAX)
		nwin = LIST_WINDOWS_MAX;
	if (nwin > 0 && (span + nwin - 1) / nwin > w)
		w = (span + nwin - 1) / nwin;
	for (lo = 1;; lo += w) {
		last = lo + w > span;
		fu->lo = (uint32_t)lo;
		fu->hi = last ? UINT32_MAX : (uint32_t)(lo + w - 1);
		from = fu->n;
		if (imap_fetch_flags(be->c, fu->lo, last ? 0 : fu->hi, 0,
		    full_collect, fu, err) != 0)
			return -1;
		full_sort_tail(fu, from);
		if (last)
			return 0;
	}
}

static bool
kw_eq(const char *a, const char *b)
{
	if (a == NULL || *a == '\0')
		return b == NULL || *b == '\0';
	return b != NULL && strcmp(a, b) == 0;
}

/* The store walks its UIDs ascending; so is v: merge the two. */
static int
full_walk(void *arg, const struct store_uid *u)
{
	struct full	*fu = arg;
	struct srv	*sv;

	fu->with_uid++;
	while (fu->i < fu->n && fu->v[fu->i].uid < u->uid)
		fu->i++;
	if (fu->i < fu->n && fu->v[fu->i].uid == u->uid) {
		sv = &fu->v[fu->i];
		sv->known = 1;
		if ((unsigned)sv->flags !=
		    (u->flags & ~(unsigned)STORE_RECENT) ||
		    !kw_eq(sv->keywords, u->keywords)) {
			fu->changed = xreallocarray(fu->changed,
			    fu->nchanged + 1, sizeof *fu->changed);
			fu->changed[fu->nchanged++] = fu->i;
		}
		fu->i++;
		return 0;
	}
	fu->gone = xreallocarray(fu->gone, fu->ngone + 1, sizeof *fu->gone);
	fu->gone[fu->ngone++] = u->uid;
	return 0;
}

static void
full_free(struct full *fu)
{
	size_t	i;

	for (i = 0; i < fu->n; i++)
		free(fu->v[i].keywords);
	free(fu->v);
	free(fu->gone);
	free(fu->changed);
}

/* Rows of the folder without a UID (forgotten by a UIDVALIDITY change). */
struct orphans {
	int64_t			*ids;
	size_t			 n;
	struct store_page_key	 last;
	int			 rows;
};

static int
orphan_one(void *arg, const struct store_msg *m)
{
	struct orphans	*o = arg;

	o->last.date = m->date;
	o->last.id = m->id;
	o->rows++;
	if (m->uid == 0) {
		o->ids = xreallocarray(o->ids, o->n + 1, sizeof *o->ids);
		o->ids[o->n++] = m->id;
	}
	return 0;
}

static int
drop_orphans(struct sync_session *s, const struct store_folder *f,
    struct perr *err)
{
	struct orphans	o = { 0 };
	size_t		i;
	bool		held;
	int		before, rc = -1;

	for (;;) {
		before = o.rows;
		if (store_msg_page(s->st, f->id, o.rows > 0 ? &o.last : NULL,
		    500, orphan_one, &o, err) < 0)
			goto out;
		if (o.rows - before < 500)
			break;
	}
	if (o.n == 0) {
		rc = 0;
		goto out;
	}
	if (store_begin(s->st, err) != 0)
		goto out;
	for (i = 0; i < o.n; i++) {
		/*
		 * A row the journal still names is the result of a move,
		 * copy or append the server has not seen: not an orphan.
		 */
		if (store_journal_holds(s->st, o.ids[i], &held, err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
		if (held)
			continue;
		if (store_msg_delete(s->st, o.ids[i], err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
		s->prog.expunged++;
	}
	if (store_commit(s->st, err) != 0)
		goto out;
	rc = 0;
out:
	free(o.ids);
	return rc;
}

static int
pull_full(struct sync_session *s, const struct store_folder *f,
    const struct imap_selected *sel, struct perr *err)
{
	struct imap_be	*be = s->be;
	struct full	 fu;
	uint32_t	*fresh = NULL;
	size_t		 i, nfresh = 0;
	int64_t		 total, unread, n, with_uid;
	int		 rc = -1;

	memset(&fu, 0, sizeof fu);
	s->prog.full = true;
	if (sel->exists > 0 && full_list(be, sel, &fu, err) != 0)
		goto out;
	if (store_msg_uids(s->st, f->id, full_walk, &fu, err) < 0)
		goto out;

	if (fu.ngone > 0 || fu.nchanged > 0) {
		if (store_begin(s->st, err) != 0)
			goto out;
		for (i = 0; i < fu.ngone; i++) {
			if (store_msg_delete_uid(s->st, f->id, fu.gone[i], &n,
			    err) != 0)
				goto rollback;
			s->prog.expunged += (uint64_t)n;
		}
		for (i = 0; i < fu.nchanged; i++) {
			struct srv *sv = &fu.v[fu.changed[i]];

			if (store_msg_flags_uid(s->st, f->id, sv->uid,
			    sv->flags, sv->keywords != NULL ? sv->keywords : "",
			    0, err) < 0)
				goto rollback;
			s->prog.changed++;
		}
		if (store_commit(s->st, err) != 0)
			goto out;
	}

	fresh = xreallocarray(NULL, fu.n + 1, sizeof *fresh);
	for (i = 0; i < fu.n; i++)
		if (!fu.v[i].known)
			fresh[nfresh++] = fu.v[i].uid;
	/*
	 * The listing is done with: not held while the headers come (and
	 * SQLite's page cache grows), that is the first sync's peak.
	 */
	with_uid = fu.with_uid;
	full_free(&fu);
	memset(&fu, 0, sizeof fu);
	/* Rows without a UID: a UIDVALIDITY change to undo by Message-ID. */
	if (store_folder_counts(s->st, f->id, &total, &unread, err) != 0)
		goto out;
	if (fetch_new(s, f, sel->uidvalidity, fresh, nfresh,
	    total > with_uid, err) != 0)
		goto out;
	if (total > with_uid && drop_orphans(s, f, err) != 0)
		goto out;
	rc = 0;
	goto out;
rollback:
	(void)store_rollback(s->st, NULL);
out:
	free(fresh);
	full_free(&fu);
	return rc;
}

/* ---- CONDSTORE expunges ------------------------------------------------------ */

struct known {
	uint32_t	*v;	/* server UIDs, ascending */
	size_t		 n, i;
	uint32_t	*gone;
	size_t		 ngone;
	uint32_t	 below;
};

static int
known_walk(void *arg, const struct store_uid *u)
{
	struct known	*k = arg;

	if (u->uid >= k->below)
		return 0;
	while (k->i < k->n && k->v[k->i] < u->uid)
		k->i++;
	if (k->i < k->n && k->v[k->i] == u->uid) {
		k->i++;
		return 0;
	}
	k->gone = xreallocarray(k->gone, k->ngone + 1, sizeof *k->gone);
	k->gone[k->ngone++] = u->uid;
	return 0;
}

/* Expunged below `below`: the server's UIDs diffed with ours. */
static int
expunges_by_search(struct sync_session *s, const struct store_folder *f,
    uint32_t below, struct perr *err)
{
	struct imap_be	*be = s->be;
	struct imap_uids u;
	struct known	 k;
	size_t		 i;
	int64_t		 n;
	int		 rc = -1;

	memset(&k, 0, sizeof k);
	if (below <= 1)
		return 0;
	if (imap_search_uids(be->c, 1, below - 1, &u, err) != 0)
		return -1;
	k.v = u.v;
	k.n = u.n;
	k.below = below;
	if (store_msg_uids(s->st, f->id, known_walk, &k, err) < 0)
		goto out;
	if (k.ngone == 0) {
		rc = 0;
		goto out;
	}
	if (store_begin(s->st, err) != 0)
		goto out;
	for (i = 0; i < k.ngone; i++) {
		if (store_msg_delete_uid(s->st, f->id, k.gone[i], &n,
		    err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
		s->prog.expunged += (uint64_t)n;
	}
	if (store_commit(s->st, err) != 0)
		goto out;
	rc = 0;
out:
	free(k.gone);
	imap_uids_free(&u);
	return rc;
}

/* ---- one folder ---------------------------------------------------------------- */

static int
pull_once(struct sync_session *s, const struct store_folder *f,
    bool *qr_refused, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_selected	 sel;
	struct imap_qresync	 qr;
	struct imap_uids	 nu;
	struct apply		 ap = { s, f, err, 0 };
	struct imap_uidrange	*r;
	uint32_t		 last = 0, uidnext;
	uint64_t		 hms = 0;
	int64_t			 n, total, unread;
	size_t			 i;
	bool			 incremental, use_qr;
	int			 how, rc = -1;

	memset(&nu, 0, sizeof nu);
	memset(&sel, 0, sizeof sel);
	/* Incremental only from a completed pass: uidnext is set last. */
	incremental = f->uidvalidity != 0 && f->uidnext != 0;
	use_qr = incremental && be->qresync && f->highestmodseq != 0;
	if (use_qr && store_msg_max_uid(s->st, f->id, &last, err) != 0)
		return -1;
	qr.uidvalidity = f->uidvalidity;
	qr.modseq = f->highestmodseq;
	qr.last_uid = last;
	how = IMAP_SELECT_EXAMINE | (be->condstore ? IMAP_SELECT_CONDSTORE : 0);

	free(be->selected);
	be->selected = NULL;
	/* The QRESYNC changes are written as they arrive: one transaction. */
	ap.below = f->uidnext;
	if (store_begin(s->st, err) != 0)
		return -1;
	if (imap_select(be->c, f->remote_name, how, use_qr ? &qr : NULL,
	    apply_flags, &ap, &sel, err) != 0) {
		(void)store_rollback(s->st, NULL);
		/* Refused or garbled, not a dead link: see pull_folder(). */
		if (use_qr && qr_refused != NULL && !s->cancelled &&
		    (err->code == PERR_NOTFOUND || err->code == PERR_GENERIC ||
		    err->code == PERR_PROTOCOL))
			*qr_refused = true;
		goto out;
	}
	be->selected = xstrdup(f->remote_name);
	be->selected_rw = false;
	if (sel.uidvalidity == 0) {
		(void)store_rollback(s->st, NULL);
		net_fail(err, NULL, be->c->report.hostport, PERR_PROTOCOL,
		    _("%s: the server gave no UIDVALIDITY"), f->name);
		goto out;
	}

	if (f->uidvalidity != sel.uidvalidity) {
		/*
		 * First sync, or the server renumbered the folder. Record the
		 * new UIDVALIDITY before storing a single UID under it.
		 */
		(void)store_rollback(s->st, NULL);
		if (store_begin(s->st, err) != 0)
			goto out;
		if ((f->uidvalidity != 0 &&
		    (store_folder_forget_uids(s->st, f->id, err) != 0 ||
		    store_journal_forget_uids(s->st, f->id, err) != 0)) ||
		    store_folder_set_sync(s->st, f->id, sel.uidvalidity, 0, 0,
		    f->last_sync, err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
		if (store_commit(s->st, err) != 0)
			goto out;
		incremental = false;
	} else if (sel.qresync) {
		/* VANISHED (EARLIER): gone since the last pass. */
		for (i = 0; i < sel.vanished.n; i++) {
			r = &sel.vanished.r[i];
			if (store_msg_delete_uids(s->st, f->id, r->first,
			    r->last, &n, err) != 0) {
				(void)store_rollback(s->st, NULL);
				goto out;
			}
			s->prog.expunged += (uint64_t)n;
		}
		if (store_commit(s->st, err) != 0)
			goto out;
	} else if (store_commit(s->st, err) != 0)
		goto out;

	/*
	 * HIGHESTMODSEQ never goes down (RFC 7162 3.1.2.1) and fits 63 bits:
	 * one that did either says nothing about what changed since ours
	 * (changes at or below it would never be asked for), so the flags
	 * are read again in full, and only a sane value is kept.
	 */
	hms = be_modseq_ok(sel.highestmodseq);
	if (incremental && f->highestmodseq != 0 && sel.highestmodseq != 0 &&
	    (hms == 0 || f->highestmodseq > (uint64_t)INT64_MAX ||
	    hms < f->highestmodseq)) {
		be_note(s, _("%s: the server's HIGHESTMODSEQ went from %llu to "
		    "%llu; its flags are read again in full"), f->name,
		    (unsigned long long)f->highestmodseq,
		    (unsigned long long)sel.highestmodseq);
		incremental = false;
	}
	if (!incremental) {
		if (pull_full(s, f, &sel, err) != 0)
			goto out;
		goto done;
	}

	if (!sel.qresync) {
		if (be->condstore && f->highestmodseq != 0 &&
		    sel.highestmodseq != 0) {
			/* CONDSTORE: only what changed since the last pass. */
			if (sel.highestmodseq != f->highestmodseq &&
			    f->uidnext > 1) {
				if (store_begin(s->st, err) != 0)
					goto out;
				if (imap_fetch_flags(be->c, 1, f->uidnext - 1,
				    f->highestmodseq, apply_flags, &ap,
				    err) != 0) {
					(void)store_rollback(s->st, NULL);
					goto out;
				}
				if (store_commit(s->st, err) != 0)
					goto out;
			}
		} else {
			/* Neither: the full listing is the only way. */
			if (pull_full(s, f, &sel, err) != 0)
				goto out;
			goto done;
		}
	}

	/*
	 * New messages, when UIDNEXT moved (or the server does not say).
	 * Their flags come along: a UID above the old UIDNEXT that a row
	 * already has was given to it by the journal's replay (COPYUID,
	 * APPENDUID), and the row shows the user's flags, not the server's.
	 */
	if (sel.uidnext == 0 || sel.uidnext != f->uidnext) {
		struct above ab = { s, f, err, &nu, f->uidnext };

		if (store_begin(s->st, err) != 0)
			goto out;
		if (imap_fetch_flags(be->c, f->uidnext, 0, 0, above_one, &ab,
		    err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
		if (store_commit(s->st, err) != 0)
			goto out;
	}
	if (!sel.qresync) {
		/*
		 * CONDSTORE does not report expunges. Messages below the old
		 * UIDNEXT on the server must equal ours; only if they do not
		 * is the UID list worth fetching.
		 */
		if (store_folder_counts(s->st, f->id, &total, &unread,
		    err) != 0)
			goto out;
		if ((int64_t)sel.exists != total + (int64_t)nu.n &&
		    expunges_by_search(s, f, f->uidnext, err) != 0)
			goto out;
	}
	if (fetch_new(s, f, sel.uidvalidity, nu.v, nu.n, false, err) != 0)
		goto out;

done:
	/* Asked for this folder alone: its placeholders are tried again. */
	if (s->opts->folder != NULL &&
	    fetch_retry_lost(s, f, sel.uidvalidity, err) != 0)
		goto out;
	/*
	 * The server's flags are written: the user's changes that have not
	 * reached it (waiting or failed entries) go back on top.
	 */
	if (store_journal_reapply_flags(s->st, s->account_id, f->id, err) != 0)
		goto out;
	/* Everything the state describes is committed: record it. */
	uidnext = sel.uidnext;
	if (uidnext == 0) {
		if (store_msg_max_uid(s->st, f->id, &last, err) != 0)
			goto out;
		uidnext = last + 1;
	}
	if (store_folder_set_sync(s->st, f->id, sel.uidvalidity, uidnext,
	    be->condstore ? hms : 0, (int64_t)time(NULL), err) != 0)
		goto out;
	rc = 0;
out:
	imap_uids_free(&nu);
	imap_selected_free(&sel);
	if (rc != 0 && !be_fatal(err))
		perr_prefix(err, "%s", f->name);
	return rc;
}

/*
 * A server that answers the hand-built SELECT (QRESYNC (...)) with BAD, or
 * with a NO while the folder is there, must not cost the pass: QRESYNC is
 * no longer enabled on a new connection and the folder is pulled again
 * with CONDSTORE. (QRESYNC stays enabled on the old one, and its VANISHED
 * replies would change what every later command says, hence the new one.)
 */
int
pull_folder(struct sync_session *s, const struct store_folder *f,
    struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_selected	 sel;
	struct perr		 perr;
	bool			 refused = false;

	/* Statuses from LIST are stale once a folder is pulled. */
	be_listed_drop(be);
	if (pull_once(s, f, &refused, err) == 0)
		return 0;
	if (!refused)
		return -1;
	if (err->code != PERR_PROTOCOL) {
		/* A NO: is the folder gone, or only the QRESYNC form refused? */
		free(be->selected);
		be->selected = NULL;
		if (imap_select(be->c, f->remote_name, IMAP_SELECT_EXAMINE,
		    NULL, NULL, NULL, &sel, &perr) != 0) {
			imap_selected_free(&sel);
			if (be_fatal(&perr))
				*err = perr;
			return -1;
		}
		imap_selected_free(&sel);
	}
	be->no_qresync = true;
	be_conn_drop(s, be, true);
	if (be_conn_open(s, be, err) != 0)
		return -1;
	return pull_once(s, f, NULL, err);
}
