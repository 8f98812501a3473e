/*
 * imap.c - the IMAP backend of the sync engine (struct account_ops).
 *
 * Per folder, the cheapest way the server allows (ARCHITECTURE 5):
 *
 *   QRESYNC    EXAMINE ... (QRESYNC (uidvalidity modseq 1:lastuid)) gives
 *              the expunged UIDs (VANISHED) and the changed flags in one
 *              round trip; new UIDs are asked for only when UIDNEXT moved.
 *              Nothing new costs exactly one command.
 *   CONDSTORE  EXAMINE (CONDSTORE); UID FETCH 1:n (FLAGS) (CHANGEDSINCE m)
 *              when HIGHESTMODSEQ moved; expunges are found by counting
 *              (server messages below the old UIDNEXT against ours) and,
 *              only when the counts differ, by a UID SEARCH diff.
 *   full       UID FETCH 1:* (FLAGS), streamed, merged with the store's
 *              own UID walk: new, changed and expunged in one pass. Also
 *              used for a folder whose first sync never finished.
 *
 * New messages are fetched newest first in batches of HEADER_BATCH, one
 * store transaction per batch: a killed sync keeps every batch it
 * committed, and the next pass asks only for UIDs not in the store. The
 * folder's sync state is written last, once everything it describes is
 * committed.
 *
 * UIDVALIDITY changed: the store forgets the folder's UIDs (rows, bodies
 * and threads stay), the full path lists the server again, and each header
 * fetched is first matched by Message-ID against a forgotten row, which
 * gets its new UID back instead of a duplicate being stored. Rows left
 * unmatched at the end of that pass are gone from the server.
 */
#define POSTA_SYNC_INTERNAL
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail/mail.h"
#include "net/net.h"
#include "sync/sync.h"

#define HEADER_BATCH	250

struct imap_be {
	struct imap_conn	*c;
	struct imap_trace	*trace;
	bool			 qresync, condstore;
	/*
	 * The server answered the hand-built QRESYNC SELECT with BAD (or a
	 * NO while a plain one works): never ENABLE QRESYNC again on this
	 * account's connections, use CONDSTORE.
	 */
	bool			 no_qresync;
	bool			 no_idle;	/* IDLE refused: poll with NOOP */
	char			*ns_prefix;
	char			 ns_delim;
	char			*selected;	/* remote name, NULL: none */
};

static bool
imap_fatal(const struct perr *err)
{
	return imap_err_fatal(err) || err->code == PERR_NOMEM;
}

static unsigned
store_flags(unsigned imap)
{
	unsigned	f = 0;

	/* \Recent belongs to one session; storing it would only churn. */
	if (imap & IMAP_FLAG_SEEN)
		f |= STORE_SEEN;
	if (imap & IMAP_FLAG_ANSWERED)
		f |= STORE_ANSWERED;
	if (imap & IMAP_FLAG_FLAGGED)
		f |= STORE_FLAGGED;
	if (imap & IMAP_FLAG_DELETED)
		f |= STORE_DELETED;
	if (imap & IMAP_FLAG_DRAFT)
		f |= STORE_DRAFT;
	return f;
}

/* ---- connect / close ------------------------------------------------------- */

/* Detach be->c under the lock (so cancel never sees it freed), then drop it. */
static void
conn_drop(struct sync_session *s, struct imap_be *be, bool broken)
{
	struct imap_conn	*c;

	pthread_mutex_lock(&s->lock);
	c = be->c;
	be->c = NULL;
	broken = broken || s->cancelled;
	pthread_mutex_unlock(&s->lock);
	if (c == NULL)
		return;
	imap_trace_stop(c, be->trace);
	be->trace = NULL;
	if (broken)
		imap_abort(c);
	else
		imap_close(c);
}

static void
be_close(struct sync_session *s, bool broken)
{
	struct imap_be	*be = s->be;

	if (be == NULL)
		return;
	conn_drop(s, be, broken);
	pthread_mutex_lock(&s->lock);
	s->be = NULL;
	pthread_mutex_unlock(&s->lock);
	free(be->ns_prefix);
	free(be->selected);
	free(be);
}

/* Called by the engine from another thread, with s->lock held. */
static void
be_cancel(struct sync_session *s)
{
	struct imap_be	*be = s->be;

	if (be != NULL && be->c != NULL)
		imap_cancel(be->c);
}

/*
 * Open be->c: connect, trace, ENABLE, NAMESPACE. The connection is
 * published under the lock only once it exists; a cancel that came while
 * connecting (which cannot be interrupted) drops it at once.
 */
static int
conn_open(struct sync_session *s, struct imap_be *be, struct perr *err)
{
	struct imap_conn	*c;
	bool			 cancelled;

	if ((c = imap_connect(s->acct, &s->acct->in, err)) == NULL)
		return -1;
	pthread_mutex_lock(&s->lock);
	if (!(cancelled = s->cancelled))
		be->c = c;
	pthread_mutex_unlock(&s->lock);
	if (cancelled) {
		imap_abort(c);
		return perr_set(err, PERR_IO, "account %s: cancelled",
		    s->acct->name);
	}
	free(be->ns_prefix);
	be->ns_prefix = NULL;
	free(be->selected);
	be->selected = NULL;
	if ((s->opts->trace != NULL && (be->trace = imap_trace_start(be->c,
	    s->opts->trace, err)) == NULL) ||
	    imap_enable_resync(be->c, !be->no_qresync, &be->qresync,
	    &be->condstore, err) != 0 ||
	    imap_namespace(be->c, &be->ns_prefix, &be->ns_delim, err) != 0) {
		conn_drop(s, be, imap_fatal(err));
		return -1;
	}
	return 0;
}

static int
be_connect(struct sync_session *s, struct perr *err)
{
	struct imap_be	*be;

	be = xcalloc(1, sizeof *be);
	pthread_mutex_lock(&s->lock);
	s->be = be;
	pthread_mutex_unlock(&s->lock);
	if (conn_open(s, be, err) != 0) {
		/* The engine only closes what connected: undo it here. */
		be_close(s, true);
		return -1;
	}
	return 0;
}

/* ---- folders ----------------------------------------------------------------- */

struct have {
	struct store_folder	*v;
	size_t			 n;
};

static int
have_one(void *arg, const struct store_folder *f)
{
	struct have	*h = arg;

	if (f->remote_name == NULL)
		return 0;	/* local folders are not the server's business */
	h->v = xreallocarray(h->v, h->n + 1, sizeof *h->v);
	h->v[h->n] = *f;
	h->v[h->n].name = xstrdup(f->name);
	h->v[h->n].remote_name = xstrdup(f->remote_name);
	h->n++;
	return 0;
}

/* The UTF-8 name shown for a raw server name; malloc'd. */
static char *
display_name(const char *raw)
{
	char	*utf8;

	if (strcasecmp(raw, "INBOX") == 0)
		return xstrdup("INBOX");
	/* A name that is not valid modified UTF-7 is shown as it is. */
	if ((utf8 = mutf7_decode(raw)) != NULL)
		return utf8;
	return sanitize_line(raw);
}

static int
list_folders(struct sync_session *s, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_mailboxes	 mbs;
	struct have		 have = { NULL, 0 };
	struct store_folder	 f;
	struct imap_status	 ist;
	enum store_special	*use = NULL;
	bool			*present = NULL, *taken = NULL, claimed[16];
	char			*name;
	size_t			 i, j;
	int			 rc = -1;

	if (imap_list(be->c, &mbs, err) != 0)
		return -1;
	if (store_folder_list(s->st, s->account_id, have_one, &have, err) < 0)
		goto out;
	present = xcalloc(have.n + 1, sizeof *present);
	taken = xcalloc(mbs.n + 1, sizeof *taken);
	use = xcalloc(mbs.n + 1, sizeof *use);

	/* Special use: the server's attributes first, then names. */
	memset(claimed, 0, sizeof claimed);
	for (i = 0; i < mbs.n; i++) {
		use[i] = sync_special_from_attrs(mbs.v[i].attrs);
		if (strcasecmp(mbs.v[i].name, "INBOX") == 0)
			use[i] = STORE_SPECIAL_INBOX;
		claimed[use[i]] = true;
	}
	for (i = 0; i < mbs.n; i++) {
		enum store_special u;

		if (use[i] != STORE_SPECIAL_NONE ||
		    (mbs.v[i].attrs & IMAP_MBX_NOSELECT))
			continue;
		name = display_name(mbs.v[i].name);
		u = sync_special_from_name(name, be->ns_prefix,
		    mbs.v[i].delim);
		free(name);
		if (u != STORE_SPECIAL_NONE && !claimed[u]) {
			use[i] = u;
			claimed[u] = true;
		}
	}

	/* Which stored folders are still there, which server ones are new. */
	for (i = 0; i < mbs.n; i++) {
		if (mbs.v[i].attrs & IMAP_MBX_NONEXISTENT)
			continue;
		for (j = 0; j < have.n; j++)
			if (strcmp(have.v[j].remote_name, mbs.v[i].name) == 0) {
				present[j] = taken[i] = true;
				break;
			}
	}

	if (store_begin(s->st, err) != 0)
		goto out;
	/*
	 * A new folder with the UIDVALIDITY of a vanished one is that folder
	 * renamed (RFC 3501 keeps UIDVALIDITY across RENAME when it can):
	 * keep its messages and bodies instead of fetching them again.
	 */
	for (i = 0; i < mbs.n; i++) {
		if (taken[i] || (mbs.v[i].attrs & (IMAP_MBX_NOSELECT |
		    IMAP_MBX_NONEXISTENT)))
			continue;
		for (j = 0; j < have.n; j++)
			if (!present[j] && have.v[j].uidvalidity != 0)
				break;
		if (j == have.n)
			break;		/* nothing vanished that could match */
		if (imap_status(be->c, mbs.v[i].name, &ist, err) != 0) {
			if (imap_fatal(err))
				goto rollback;
			continue;
		}
		for (j = 0; j < have.n; j++) {
			if (present[j] || have.v[j].uidvalidity == 0 ||
			    have.v[j].uidvalidity != ist.uidvalidity)
				continue;
			/* Free the name first if a vanished folder holds it. */
			name = display_name(mbs.v[i].name);
			if (store_folder_rename(s->st, have.v[j].id, name,
			    mbs.v[i].name, err) != 0) {
				free(name);
				/* A name clash: treat it as delete + new. */
				if (err->code != PERR_STORE)
					goto rollback;
				perr_clear(err);
				break;
			}
			free(name);
			present[j] = taken[i] = true;
			break;
		}
	}
	for (j = 0; j < have.n; j++)
		if (!present[j] &&
		    store_folder_delete(s->st, have.v[j].id, err) != 0)
			goto rollback;
	for (i = 0; i < mbs.n; i++) {
		if (mbs.v[i].attrs & IMAP_MBX_NONEXISTENT)
			continue;
		memset(&f, 0, sizeof f);
		f.account_id = s->account_id;
		f.remote_name = mbs.v[i].name;
		f.name = display_name(mbs.v[i].name);
		f.delimiter = mbs.v[i].delim;
		f.special_use = use[i];
		f.subscribed = (mbs.v[i].attrs & IMAP_MBX_SUBSCRIBED) != 0;
		f.noselect = (mbs.v[i].attrs & IMAP_MBX_NOSELECT) != 0;
		rc = store_folder_upsert(s->st, &f, NULL, err);
		free(f.name);
		if (rc != 0) {
			rc = -1;
			goto rollback;
		}
	}
	if (store_commit(s->st, err) != 0) {
		rc = -1;
		goto out;
	}
	rc = 0;
	goto out;

rollback:
	rc = -1;
	(void)store_rollback(s->st, NULL);
out:
	for (j = 0; j < have.n; j++)
		store_folder_free(&have.v[j]);
	free(have.v);
	free(present);
	free(taken);
	free(use);
	imap_mailboxes_free(&mbs);
	return rc;
}

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
	    store_flags(fl->flags), fl->keywords != NULL ? fl->keywords : "",
	    fl->modseq, a->err);
	if (r < 0)
		return 1;
	if (r > 0)
		a->s->prog.changed++;
	return 0;
}

/* ---- new messages ------------------------------------------------------------- */

/* A Message-ID without its angle brackets; malloc'd, NULL when empty. */
static char *
bare_id(const char *raw)
{
	char	*clean, *p, *e;

	if (raw == NULL)
		return NULL;
	clean = sanitize_line(raw);
	for (p = clean; *p == ' ' || *p == '<'; p++)
		;
	if ((e = strchr(p, '>')) != NULL)
		*e = '\0';
	for (e = p + strlen(p); e > p && e[-1] == ' '; e--)
		*e = '\0';
	if (*p == '\0') {
		free(clean);
		return NULL;
	}
	memmove(clean, p, strlen(p) + 1);
	return clean;
}

static char *
nonempty(char *s)
{
	if (s != NULL && *s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* "Name <a@b>, c@d": a display list of ENVELOPE addresses; malloc'd. */
static char *
addr_list(const struct imap_addr *v, size_t n)
{
	char	*out = NULL, *name, *addr, *one, *tmp;
	size_t	 i;

	for (i = 0; i < n; i++) {
		name = v[i].name != NULL ? rfc2047_decode(v[i].name) : NULL;
		addr = xasprintf("%s@%s", v[i].mailbox != NULL ?
		    v[i].mailbox : "", v[i].host != NULL ? v[i].host : "");
		one = addr_format(name != NULL ? name : "", addr);
		if (out == NULL)
			out = one;
		else {
			tmp = xasprintf("%s, %s", out, one);
			free(out);
			free(one);
			out = tmp;
		}
		free(name);
		free(addr);
	}
	return out;
}

struct remap_find {
	int64_t		id;	/* a forgotten row (uid 0) with this Message-ID */
};

static int
remap_one(void *arg, const struct store_msg *m)
{
	struct remap_find	*r = arg;

	if (m->uid != 0)
		return 0;
	r->id = m->id;
	return 1;
}

struct hdr_ctx {
	struct sync_session	*s;
	const struct store_folder *f;
	struct perr		*err;
	bool			 remap;	/* forgotten rows may match */
};

static int
store_header(void *arg, const struct imap_header *h)
{
	struct hdr_ctx		*hc = arg;
	struct sync_session	*s = hc->s;
	struct store_msg	 m;
	struct mail_headers	 mh;
	struct remap_find	 rf = { 0 };
	struct perr		 perr;
	bool			 have_mh = false;
	int64_t			 id;
	int			 r, rc = 1;

	memset(&m, 0, sizeof m);
	m.folder_id = hc->f->id;
	m.uid = h->uid;
	m.modseq = h->modseq;
	m.message_id = bare_id(h->message_id);
	/* The header lines give References and a cleaner In-Reply-To. */
	if (h->refs != NULL && h->refs_len > 0 &&
	    mail_headers_parse(h->refs, h->refs_len, &mh, &perr) == 0) {
		have_mh = true;
		m.refs = nonempty(xstrdup(mh.references));
		m.in_reply_to = nonempty(xstrdup(mh.in_reply_to));
	}
	if (m.in_reply_to == NULL)
		m.in_reply_to = bare_id(h->in_reply_to);
	m.date = h->date != NULL ? mail_date_parse(h->date) : 0;
	m.internal_date = h->internal_date;
	if (h->nfrom > 0) {
		m.from_name = nonempty(h->from[0].name != NULL ?
		    rfc2047_decode(h->from[0].name) : NULL);
		m.from_addr = xasprintf("%s@%s", h->from[0].mailbox != NULL ?
		    h->from[0].mailbox : "", h->from[0].host != NULL ?
		    h->from[0].host : "");
	}
	m.to_list = addr_list(h->to, h->nto);
	m.cc_list = addr_list(h->cc, h->ncc);
	m.subject = h->subject != NULL ? rfc2047_decode(h->subject) : NULL;
	m.size = h->size;
	m.flags = store_flags(h->flags);
	m.keywords = h->keywords != NULL ? xstrdup(h->keywords) : NULL;
	m.has_attachments = h->has_attachments;

	/* After a UIDVALIDITY change: the same message, known by its id. */
	if (hc->remap && m.message_id != NULL) {
		if (store_msg_by_message_id(s->st, m.message_id, hc->f->id,
		    remap_one, &rf, hc->err) < 0)
			goto out;
		if (rf.id != 0) {
			if (store_msg_set_uid(s->st, rf.id, h->uid,
			    hc->err) != 0 ||
			    store_msg_flags_uid(s->st, hc->f->id, h->uid, m.flags,
			    m.keywords != NULL ? m.keywords : "", m.modseq,
			    hc->err) < 0)
				goto out;
			s->prog.done++;
			rc = 0;
			goto out;
		}
	}
	if ((r = store_msg_insert(s->st, &m, &id, hc->err)) < 0)
		goto out;
	if (r == 0) {
		if (sync_thread_assign(s->st, s->threader, id, &m, NULL,
		    hc->err) != 0)
			goto out;
		s->prog.added++;
	}
	s->prog.done++;
	rc = 0;
out:
	if (have_mh)
		mail_headers_free(&mh);
	free(m.message_id);
	free(m.refs);
	free(m.in_reply_to);
	free(m.from_name);
	free(m.from_addr);
	free(m.to_list);
	free(m.cc_list);
	free(m.subject);
	free(m.keywords);
	return rc;
}

/* Fetch and store the headers of uids[0..n), newest first, in batches. */
static int
fetch_new(struct sync_session *s, const struct store_folder *f,
    const uint32_t *uids, size_t n, bool remap, struct perr *err)
{
	struct imap_be	*be = s->be;
	struct hdr_ctx	 hc = { s, f, err, remap };
	size_t		 end, start;
	int		 r;

	s->prog.total += n;
	for (end = n; end > 0; end = start) {
		start = end > HEADER_BATCH ? end - HEADER_BATCH : 0;
		if (store_begin(s->st, err) != 0)
			return -1;
		r = imap_fetch_headers(be->c, uids + start, end - start,
		    be->condstore, store_header, &hc, err);
		if (r != 0) {
			(void)store_rollback(s->st, NULL);
			return -1;
		}
		if (store_commit(s->st, err) != 0)
			return -1;
		sync_report(s);
	}
	return 0;
}

/* UIDs in v that the folder does not have yet (v keeps its order). */
static int
only_new(struct sync_session *s, const struct store_folder *f, uint32_t *v,
    size_t *n, struct perr *err)
{
	struct store_msg	m;
	size_t			i, k = 0;

	for (i = 0; i < *n; i++) {
		if (store_msg_by_uid(s->st, f->id, v[i], &m, err) == 0) {
			store_msg_free(&m);
			continue;
		}
		if (err->code != PERR_NOTFOUND)
			return -1;
		perr_clear(err);
		v[k++] = v[i];
	}
	*n = k;
	return 0;
}

/* ---- the full diff --------------------------------------------------------- */

struct srv {
	uint32_t	 uid;
	unsigned	 flags;
	char		*keywords;
	bool		 known;
};

struct full {
	struct srv	*v;
	size_t		 n, cap, i;
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

	if (fu->n == fu->cap) {
		fu->cap = fu->cap ? fu->cap * 2 : 1024;
		fu->v = xreallocarray(fu->v, fu->cap, sizeof *fu->v);
	}
	fu->v[fu->n].uid = fl->uid;
	fu->v[fu->n].flags = store_flags(fl->flags);
	fu->v[fu->n].keywords = fl->keywords != NULL && *fl->keywords != '\0' ?
	    xstrdup(fl->keywords) : NULL;
	fu->v[fu->n].known = false;
	fu->n++;
	return 0;
}

static int
srv_cmp(const void *a, const void *b)
{
	const struct srv	*x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
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
		sv->known = true;
		if (sv->flags != (u->flags & ~(unsigned)STORE_RECENT) ||
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
	for (i = 0; i < o.n; i++)
		if (store_msg_delete(s->st, o.ids[i], err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
	if (store_commit(s->st, err) != 0)
		goto out;
	s->prog.expunged += o.n;
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
	int64_t		 total, unread, n;
	int		 rc = -1;

	memset(&fu, 0, sizeof fu);
	s->prog.full = true;
	if (sel->exists > 0 &&
	    imap_fetch_flags(be->c, 1, 0, 0, full_collect, &fu, err) != 0)
		goto out;
	if (fu.n > 1)
		qsort(fu.v, fu.n, sizeof *fu.v, srv_cmp);
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
	/* Rows without a UID: a UIDVALIDITY change to undo by Message-ID. */
	if (store_folder_counts(s->st, f->id, &total, &unread, err) != 0)
		goto out;
	if (fetch_new(s, f, fresh, nfresh, total > fu.with_uid, err) != 0)
		goto out;
	if (total > fu.with_uid && drop_orphans(s, f, err) != 0)
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
	if (sel.uidvalidity == 0) {
		(void)store_rollback(s->st, NULL);
		net_fail(err, NULL, be->c->report.hostport, PERR_PROTOCOL,
		    "%s: the server gave no UIDVALIDITY", f->name);
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
		    store_folder_forget_uids(s->st, f->id, err) != 0) ||
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

	/* New messages, when UIDNEXT moved (or the server does not say). */
	if (sel.uidnext == 0 || sel.uidnext != f->uidnext) {
		if (imap_search_uids(be->c, f->uidnext, 0, &nu, err) != 0)
			goto out;
		if (only_new(s, f, nu.v, &nu.n, err) != 0)
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
	if (fetch_new(s, f, nu.v, nu.n, false, err) != 0)
		goto out;

done:
	/* Everything the state describes is committed: record it. */
	uidnext = sel.uidnext;
	if (uidnext == 0) {
		if (store_msg_max_uid(s->st, f->id, &last, err) != 0)
			goto out;
		uidnext = last + 1;
	}
	if (store_folder_set_sync(s->st, f->id, sel.uidvalidity, uidnext,
	    be->condstore ? sel.highestmodseq : 0, (int64_t)time(NULL),
	    err) != 0)
		goto out;
	rc = 0;
out:
	imap_uids_free(&nu);
	imap_selected_free(&sel);
	if (rc != 0 && !imap_fatal(err))
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
static int
pull_folder(struct sync_session *s, const struct store_folder *f,
    struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_selected	 sel;
	struct perr		 perr;
	bool			 refused = false;

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
			if (imap_fatal(&perr))
				*err = perr;
			return -1;
		}
		imap_selected_free(&sel);
	}
	be->no_qresync = true;
	conn_drop(s, be, true);
	if (conn_open(s, be, err) != 0)
		return -1;
	return pull_once(s, f, NULL, err);
}

/* ---- bodies --------------------------------------------------------------------- */

struct body_ctx {
	struct sync_session		*s;
	const struct sync_body_req	*req;
	size_t				 n;
	struct perr			*err;
};

static int
store_body(void *arg, uint32_t uid, const char *raw, size_t len)
{
	struct body_ctx			*bc = arg;
	struct mail_render_opts		 ro = { MAIL_RENDER_NO_HEADERS |
	    MAIL_RENDER_NO_ATTACHMENTS, 1 << 20 };
	struct perr			 rerr;
	char				*text = NULL;
	size_t				 i;
	int				 rc;

	for (i = 0; i < bc->n && bc->req[i].uid != uid; i++)
		;
	if (i == bc->n)
		return 0;	/* not asked for (a server's whim) */
	/* The readable text is what search indexes; none is no reason to fail. */
	if (mail_render(raw, len, &text, &ro, &rerr) != 0)
		text = NULL;
	rc = store_body_put(bc->s->st, bc->req[i].id, raw, len, text, bc->err);
	free(text);
	if (rc != 0) {
		/* Deleted by the user meanwhile: nothing to attach it to. */
		if (bc->err->code == PERR_NOTFOUND) {
			perr_clear(bc->err);
			return 0;
		}
		return 1;
	}
	bc->s->prog.bodies++;
	bc->s->prog.bytes += len;
	return 0;
}

static int
fetch_bodies(struct sync_session *s, const struct store_folder *f,
    const struct sync_body_req *req, size_t n, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_selected	 sel;
	struct body_ctx		 bc = { s, req, n, err };
	uint32_t		*uids;
	size_t			 i;
	int			 r;

	if (be->selected == NULL || strcmp(be->selected, f->remote_name) != 0) {
		free(be->selected);
		be->selected = NULL;
		if (imap_select(be->c, f->remote_name, IMAP_SELECT_EXAMINE, NULL,
		    NULL, NULL, &sel, err) != 0) {
			imap_selected_free(&sel);
			return -1;
		}
		/* Renumbered since the headers: the next pass re-maps. */
		if (sel.uidvalidity != f->uidvalidity && f->uidvalidity != 0) {
			imap_selected_free(&sel);
			return 0;
		}
		imap_selected_free(&sel);
		be->selected = xstrdup(f->remote_name);
	}
	uids = xreallocarray(NULL, n, sizeof *uids);
	for (i = 0; i < n; i++)
		uids[i] = req[i].uid;
	if (store_begin(s->st, err) != 0) {
		free(uids);
		return -1;
	}
	r = imap_fetch_bodies(be->c, uids, n, IMAP_BODY_MAX, store_body, &bc,
	    err);
	free(uids);
	if (r != 0 && (r > 0 || imap_fatal(err))) {
		(void)store_rollback(s->st, NULL);
		return -1;
	}
	/* A body too big for us is skipped; the others are kept. */
	perr_clear(err);
	return store_commit(s->st, err);
}

/* ---- not yet ------------------------------------------------------------------- */

static int
apply_journal(struct sync_session *s, const struct sync_journal_entry *e,
    struct perr *err)
{
	(void)s;
	(void)e;
	return perr_set(err, PERR_GENERIC, "replaying the offline journal is "
	    "not implemented yet");
}

/* ---- push ---------------------------------------------------------------------- */

/* RFC 2177: the server may drop an IDLE after 30 minutes; leave at 28. */
#define IDLE_MAX_MS	(28 * 60 * 1000)

static int
wait_noop(struct sync_session *s, int wake_fd, int timeout_ms,
    struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_news	 news;
	struct pollfd		 pfd;
	int			 ms, r;

	ms = timeout_ms >= 0 && timeout_ms < SYNC_POLL_MS ? timeout_ms :
	    SYNC_POLL_MS;
	pfd.fd = wake_fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	do
		r = poll(&pfd, wake_fd >= 0 ? 1 : 0, ms);
	while (r == -1 && errno == EINTR);
	if (r > 0)
		return SYNC_WATCH_WOKEN;
	if (imap_noop(be->c, &news, err) != 0)
		return -1;
	if (imap_news_any(&news))
		return SYNC_WATCH_PULLED;
	return SYNC_WATCH_TIMEOUT;
}

static int
wait_push(struct sync_session *s, const struct store_folder *f, int wake_fd,
    int timeout_ms, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_news	 news, more;
	int			 w, ms;

	if (be->c == NULL)
		return perr_set(err, PERR_CONNECT, "account %s: not connected",
		    s->acct->name);
	/* IDLE watches the selected folder: make it f (the pull selects). */
	if (be->selected == NULL || f->remote_name == NULL ||
	    strcmp(be->selected, f->remote_name) != 0)
		return SYNC_WATCH_PULLED;
	if (be->no_idle || !imap_can_idle(be->c))
		return wait_noop(s, wake_fd, timeout_ms, err);

	if (imap_idle_start(be->c, &news, err) != 0) {
		if (imap_fatal(err))
			return -1;
		/* Refused: poll instead, on this connection and later. */
		be->no_idle = true;
		return wait_noop(s, wake_fd, timeout_ms, err);
	}
	ms = timeout_ms >= 0 && timeout_ms < IDLE_MAX_MS ? timeout_ms :
	    IDLE_MAX_MS;
	/* Untagged data before "+ idling" is news already: end at once. */
	w = imap_news_any(&news) ? TLS_WAIT_DATA :
	    imap_idle_wait(be->c, wake_fd, ms);
	if (w == TLS_WAIT_ERROR && s->cancelled)
		return perr_set(err, PERR_IO, "account %s: cancelled",
		    s->acct->name);
	memset(&more, 0, sizeof more);
	if (imap_idle_done(be->c, &more, err) != 0)
		return -1;
	if (imap_news_any(&news) || imap_news_any(&more))
		return SYNC_WATCH_PULLED;
	/*
	 * Data that was no news (Dovecot's "* OK Still here") simply ends
	 * this wait: the caller comes back at once.
	 */
	return w == TLS_WAIT_WOKEN ? SYNC_WATCH_WOKEN : SYNC_WATCH_TIMEOUT;
}

const struct account_ops sync_imap_ops = {
	.name = "imap",
	.connect = be_connect,
	.list_folders = list_folders,
	.pull_folder = pull_folder,
	.fetch_bodies = fetch_bodies,
	.apply_journal = apply_journal,
	.wait_push = wait_push,
	.cancel = be_cancel,
	.close = be_close,
	.fatal = imap_fatal,
};
