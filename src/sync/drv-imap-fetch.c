/*
 * drv-imap-fetch.c - the IMAP driver: new messages (headers, or raw source when
 * the ENVELOPE cannot be read) and bodies into the store.
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

#define HEADER_BATCH	500
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

/*
 * "Name <a@b>, c@d": a display list of ENVELOPE addresses; malloc'd, NULL
 * when n is 0. One growing buffer, so the work is linear in n (a string
 * rebuilt per address cost 440 s for the 100,000 of a hostile ENVELOPE);
 * addresses that would take it past SYNC_ADDR_LIST_MAX are counted, not
 * stored (see sync.h).
 */
char *
sync_addr_list(const struct imap_addr *v, size_t n)
{
	char	*out, *name, *addr, *one;
	size_t	 i, len = 0, cap, olen;

	if (n == 0)
		return NULL;
	cap = 256;
	out = xmalloc(cap);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		name = v[i].name != NULL ? rfc2047_decode(v[i].name) : NULL;
		addr = xasprintf("%s@%s", v[i].mailbox != NULL ?
		    v[i].mailbox : "", v[i].host != NULL ? v[i].host : "");
		one = addr_format(name != NULL ? name : "", addr);
		free(name);
		free(addr);
		olen = strlen(one);
		if (len + 2 + olen > SYNC_ADDR_LIST_MAX) {
			free(one);
			break;
		}
		if (len + 2 + olen + 1 > cap) {
			while (cap < len + 2 + olen + 1)
				cap *= 2;
			out = xrealloc(out, cap);
		}
		if (i > 0) {
			memcpy(out + len, ", ", 2);
			len += 2;
		}
		memcpy(out + len, one, olen + 1);
		len += olen;
		free(one);
	}
	if (i == 0) {
		free(out);
		out = xasprintf(SYNC_ADDR_LIST_NONE, n);
	} else if (i < n) {
		one = xasprintf(SYNC_ADDR_LIST_CUT, out, n - i);
		free(out);
		out = one;
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

/* ---- storing new messages ----------------------------------------------------- */

/*
 * Where a fetch of new messages stores them: the folder as selected, and
 * whether rows forgotten by a UIDVALIDITY change may match.
 */
struct hdr_ctx {
	struct sync_session	*s;
	const struct store_folder *f;
	struct perr		*err;
	bool			 remap;	/* forgotten rows may match */
	struct narrow		*nw;	/* notes what is delivered */
};

/*
 * An ENVELOPE string decoded (RFC 2047) into a malloc'd copy the caller
 * frees, or NULL when enc is NULL or decodes to "". enc stays the caller's.
 */
static char *
decode_nonempty(const char *enc)
{
	char	*d, *s;

	if (enc == NULL)
		return NULL;
	d = rfc2047_decode(enc);
	s = xstrdup_nonempty(d);
	free(d);
	return s;
}

/*
 * Store m as a new row (with raw as its body, text its search text; raw
 * NULL: none yet) and thread it, or, after a UIDVALIDITY change, give the
 * forgotten row with its Message-ID its UID back. *id: the new row, 0
 * when none was added.
 */
static int
store_row(struct hdr_ctx *hc, const struct store_msg *m, const char *raw,
    size_t len, const struct sync_text *text, int64_t *id, struct perr *err)
{
	struct sync_session	*s = hc->s;
	struct remap_find	 rf = { 0 };
	int			 r;

	*id = 0;
	if (hc->remap && m->message_id != NULL) {
		if (store_msg_by_message_id(s->st, m->message_id, hc->f->id,
		    remap_one, &rf, err) < 0)
			return -1;
		if (rf.id != 0) {
			if (store_msg_set_uid(s->st, rf.id, m->uid, err) != 0 ||
			    store_msg_flags_uid(s->st, hc->f->id, m->uid,
			    m->flags, m->keywords != NULL ? m->keywords : "",
			    m->modseq, err) < 0)
				return -1;
			s->prog.done++;
			return 0;
		}
	}
	if ((r = sync_ingest_store(s->st, s->threader, m, raw, len, text, id,
	    err)) < 0)
		return -1;
	if (r == 0) {
		if (raw != NULL) {
			s->prog.bodies++;
			s->prog.bytes += len;
		}
		s->prog.added++;
		if ((m->flags & STORE_SEEN) == 0)
			s->prog.unseen++;
	} else
		*id = 0;	/* the UID is already stored */
	s->prog.done++;
	return 0;
}

static int
store_header(void *arg, const struct imap_header *h)
{
	struct hdr_ctx		*hc = arg;
	struct store_msg	 m;
	struct mail_headers	 mh;
	struct perr		 perr;
	int64_t			 id;
	int			 rc = 0;

	memset(&m, 0, sizeof m);
	m.folder_id = hc->f->id;
	m.uid = h->uid;
	m.modseq = be_modseq_ok(h->modseq);
	m.message_id = bare_id(h->message_id);
	/* The header lines give References and a cleaner In-Reply-To. */
	if (h->refs != NULL && h->refs_len > 0 &&
	    mail_headers_parse(h->refs, h->refs_len, &mh, &perr) == 0) {
		m.refs = xstrdup_nonempty(mh.references);
		m.in_reply_to = xstrdup_nonempty(mh.in_reply_to);
		mail_headers_free(&mh);
	}
	if (m.in_reply_to == NULL)
		m.in_reply_to = bare_id(h->in_reply_to);
	m.date = h->date != NULL ? mail_date_parse(h->date) : 0;
	m.internal_date = h->internal_date;
	if (h->nfrom > 0) {
		m.from_name = decode_nonempty(h->from[0].name);
		m.from_addr = xasprintf("%s@%s", h->from[0].mailbox != NULL ?
		    h->from[0].mailbox : "", h->from[0].host != NULL ?
		    h->from[0].host : "");
	}
	m.to_list = sync_addr_list(h->to, h->nto);
	m.cc_list = sync_addr_list(h->cc, h->ncc);
	m.subject = decode_nonempty(h->subject);
	m.size = h->size;
	m.flags = be_store_flags(h->flags);
	m.keywords = h->keywords != NULL ? xstrdup(h->keywords) : NULL;
	m.has_attachments = h->has_attachments;
	/* Never downloaded (bodies_wanted() skips it): say why. */
	if (h->size > MAIL_MSG_MAX)
		m.problem = problem_too_big(h->size);
	/* Indexed once, with its body, when this pass fetches that. */
	m.index_later = sync_body_coming(hc->s, &m);

	if (store_row(hc, &m, NULL, 0, NULL, &id, hc->err) != 0) {
		hc->nw->failed = true;
		rc = 1;
	} else
		narrow_got(hc->nw, h->uid);
	store_msg_free(&m);
	return rc;
}

/*
 * Store raw as message id's body, with its search text and its problem
 * (ingest.c, as every message), and count it.
 */
static int
body_put(struct sync_session *s, int64_t id, const char *raw, size_t len,
    struct perr *err)
{
	if (sync_ingest_body(s->st, id, raw, len, err) != 0)
		return -1;
	s->prog.bodies++;
	s->prog.bytes += len;
	return 0;
}

static int store_raw_rows(struct hdr_ctx *, struct store_msg *, const char *,
    size_t, const struct sync_text *, int64_t, struct perr *);

/*
 * Store m from the raw bytes of its message, with what src/mail reads from
 * their header (raw NULL: m as it is, a placeholder), and the raw bytes as
 * its body. m comes with its UID, flags and problem; the caller frees it.
 * replace: the row it takes the place of (a placeholder tried again), 0:
 * none. One transaction.
 */
static int
store_raw(struct hdr_ctx *hc, struct store_msg *m, const char *raw,
    size_t len, int64_t replace, struct perr *err)
{
	struct perr		 perr;
	struct sync_text	 text = { NULL, NULL };
	int			 rc;

	m->folder_id = hc->f->id;
	if (raw != NULL)
		(void)sync_ingest_parse(raw, len, m, &text, &perr);
	m->size = raw != NULL ? (int64_t)len : 0;
	rc = store_raw_rows(hc, m, raw, len, &text, replace, err);
	sync_text_free(&text);
	return rc;
}

/* store_raw()'s transaction. */
static int
store_raw_rows(struct hdr_ctx *hc, struct store_msg *m, const char *raw,
    size_t len, const struct sync_text *text, int64_t replace,
    struct perr *err)
{
	struct sync_session	*s = hc->s;
	int64_t			 id;

	if (store_begin(s->st, err) != 0)
		return -1;
	/*
	 * A replaced row gives up its UID first (it is UNIQUE in the
	 * folder), then its journal entries to the new row, so that an
	 * action the user took on the placeholder still acts on the message.
	 */
	if ((replace != 0 && store_msg_set_uid(s->st, replace, 0, err) != 0) ||
	    store_row(hc, m, raw, len, text, &id, err) != 0 ||
	    (replace != 0 && id != 0 &&
	    store_journal_repoint(s->st, replace, id, err) != 0) ||
	    (replace != 0 && store_msg_delete(s->st, replace, err) != 0)) {
		(void)store_rollback(s->st, NULL);
		return -1;
	}
	return store_commit(s->st, err);
}

static int
flags_one(void *arg, const struct imap_flags *fl)
{
	struct store_msg	*m = arg;

	m->flags = be_store_flags(fl->flags);
	free(m->keywords);
	m->keywords = fl->keywords != NULL ? xstrdup(fl->keywords) : NULL;
	return 0;
}

/*
 * The flags of a message whose contents could not be had. FLAGS alone
 * come in a reply too plain to break; if that broke anyway, once more on
 * the new connection, so that a message read elsewhere does not come back
 * unread. 0: the server answered (no reply about uid: it is gone); 1: it
 * did not; -1: the session is lost.
 */
static int
placeholder_flags(struct narrow *nw, uint32_t uid, imap_flags_cb cb,
    void *arg, struct perr *err)
{
	struct imap_be	*be = nw->s->be;
	struct perr	 ferr;
	int		 try;

	for (try = 0; try < 2; try++) {
		if (imap_fetch_flags(be->c, uid, uid, 0, cb, arg, &ferr) == 0)
			return 0;
		if (narrow_recover(nw, &ferr, err) != 0)
			return -1;
	}
	return 1;
}

/*
 * uid's description (ENVELOPE, BODYSTRUCTURE...) broke libetpan's parser,
 * even alone. Its raw bytes usually parse (a literal is counted, not
 * read): the message is stored from them. If they cannot be had either, a
 * placeholder keeps the UID and flags; fetch_retry_lost() tries it again.
 */
static int
unparsed_one(struct narrow *nw, uint32_t uid, struct perr *err)
{
	struct hdr_ctx		*hc = nw->arg;
	struct sync_session	*s = nw->s;
	struct imap_be		*be = s->be;
	struct store_msg	 m;
	struct perr		 ferr;
	char			*raw = NULL;
	size_t			 len = 0;
	int			 rc = -1;

	memset(&m, 0, sizeof m);
	m.uid = uid;
	if (placeholder_flags(nw, uid, flags_one, &m, err) < 0)
		goto out;
	if (imap_fetch_body(be->c, uid, MAIL_MSG_MAX, &raw, &len,
	    &ferr) != 0) {
		if (ferr.code == PERR_NOTFOUND) {
			rc = 0;		/* expunged meanwhile */
			goto out;
		}
		if (narrow_recover(nw, &ferr, err) != 0)
			goto out;
	}
	m.problem = xstrdup(raw != NULL ? PROBLEM_RAW : PROBLEM_LOST);
	if (store_raw(hc, &m, raw, len, 0, err) != 0)
		goto out;
	s->prog.problems++;
	if (raw != NULL)
		be_note(s, _("%s: message UID %u: the server's description of "
		    "it could not be parsed; stored from its raw source"),
		    nw->f->name, uid);
	else
		be_note(s, _("%s: message UID %u: the server's description of "
		    "it could not be parsed, nor its raw source fetched; kept "
		    "without them (posta sync --folder '%s' tries again)"),
		    nw->f->name, uid, nw->f->name);
	rc = 0;
out:
	free(raw);
	store_msg_free(&m);
	return rc;
}

/* flags_one(), noting that the server still has the message. */
struct flags_seen {
	struct store_msg	*m;
	bool			 seen;
};

static int
flags_seen(void *arg, const struct imap_flags *fl)
{
	struct flags_seen	*fs = arg;

	fs->seen = true;
	return flags_one(fs->m, fl);
}

/*
 * The server refused uid's description alone, and sends other messages of
 * the folder: a placeholder keeps the UID and flags (FLAGS come from the
 * index, which a server refusing the message's file still reads), with
 * the server's words; fetch_retry_lost() tries it again.
 */
static int
refused_one(struct narrow *nw, uint32_t uid, const char *why,
    struct perr *err)
{
	struct hdr_ctx		*hc = nw->arg;
	struct sync_session	*s = nw->s;
	struct store_msg	 m;
	struct flags_seen	 fs = { &m, false };
	int			 r, rc = -1;

	memset(&m, 0, sizeof m);
	m.uid = uid;
	if ((r = placeholder_flags(nw, uid, flags_seen, &fs, err)) < 0)
		goto out;
	if (r == 0 && !fs.seen) {
		rc = 0;		/* expunged meanwhile */
		goto out;
	}
	m.problem = xasprintf(PROBLEM_REFUSED, why);
	if (store_raw(hc, &m, NULL, 0, 0, err) != 0)
		goto out;
	s->prog.problems++;
	be_note(s, _("%s: message UID %u: the server would not send it (%s); "
	    "kept without it (posta sync --folder '%s' tries again)"),
	    nw->f->name, uid, why, nw->f->name);
	rc = 0;
out:
	store_msg_free(&m);
	return rc;
}

static int
hdr_fetch(struct narrow *nw, const uint32_t *uids, size_t n, struct perr *err)
{
	struct imap_be	*be = nw->s->be;

	return imap_fetch_headers(be->c, uids, n, be->condstore, store_header,
	    nw->arg, err);
}

static void
hdr_init(struct hdr_ctx *hc, struct narrow *nw, struct sync_session *s,
    const struct store_folder *f, uint32_t uidvalidity, bool remap,
    struct perr *err)
{
	memset(nw, 0, sizeof *nw);
	nw->s = s;
	nw->f = f;
	nw->uidvalidity = uidvalidity;
	nw->fetch = hdr_fetch;
	nw->broken = unparsed_one;
	nw->refused = refused_one;
	nw->arg = hc;
	hc->s = s;
	hc->f = f;
	hc->err = err;
	hc->remap = remap;
	hc->nw = nw;
}

/*
 * Fetch and store the headers of uids[0..n), newest first, in batches:
 * one transaction each, narrowed down when a reply breaks.
 */
int
fetch_new(struct sync_session *s, const struct store_folder *f,
    uint32_t uidvalidity, const uint32_t *uids, size_t n, bool remap,
    struct perr *err)
{
	struct hdr_ctx	hc;
	struct narrow	nw;
	size_t		end, start, batch;

	hdr_init(&hc, &nw, s, f, uidvalidity, remap, err);
	s->prog.total += n;
	for (end = n; end > 0; end = start) {
		/* Several batches at once when the connection pipelines. */
		batch = HEADER_BATCH * (size_t)imap_fetch_depth();
		start = end > batch ? end - batch : 0;
		if (narrow_fetch(&nw, uids + start, end - start, err) != 0)
			return -1;
		sync_report(s);
	}
	return 0;
}

/* A folder's rows with a UID and no body, at most MAIL_MSG_MAX. */
struct lost {
	int64_t		*ids;
	size_t		 n;
};

static int
lost_one(void *arg, int64_t id, uint32_t uid, int64_t size)
{
	struct lost	*l = arg;

	(void)uid;
	(void)size;
	l->ids = xreallocarray(l->ids, l->n + 1, sizeof *l->ids);
	l->ids[l->n++] = id;
	return 0;
}

/* A problem of refused_one()'s: the server's description was never wrong. */
static bool
was_refused(const struct store_msg *m)
{
	return m->problem != NULL && strncmp(m->problem, PROBLEM_REFUSED_AS,
	    strlen(PROBLEM_REFUSED_AS)) == 0;
}

/*
 * Fetch row m's message again: a placeholder (PROBLEM_LOST, no size) is
 * replaced by a row stored from the raw source (with PROBLEM_RAW, unless
 * it was only refused), a row whose body broke or was refused
 * (PROBLEM_BODY...) gets it and loses its problem.
 */
static int
retry_store(struct hdr_ctx *hc, const struct store_msg *m, const char *raw,
    size_t len, struct perr *err)
{
	struct sync_session	*s = hc->s;
	struct store_msg	 fresh;
	int			 rc;

	if (m->size != 0) {
		if (store_begin(s->st, err) != 0)
			return -1;
		if (body_put(s, m->id, raw, len, err) != 0 ||
		    store_msg_set_problem(s->st, m->id, NULL, err) != 0) {
			(void)store_rollback(s->st, NULL);
			return -1;
		}
		return store_commit(s->st, err);
	}
	memset(&fresh, 0, sizeof fresh);
	fresh.uid = m->uid;
	fresh.flags = m->flags;
	fresh.keywords = m->keywords != NULL ? xstrdup(m->keywords) : NULL;
	if (!was_refused(m))
		fresh.problem = xstrdup(PROBLEM_RAW);
	rc = store_raw(hc, &fresh, raw, len, m->id, err);
	store_msg_free(&fresh);
	return rc;
}

/* Row id again, if it has a problem (see fetch_retry_lost()). */
static int
retry_one(struct hdr_ctx *hc, int64_t id, struct perr *err)
{
	struct sync_session	*s = hc->s;
	struct imap_be		*be = s->be;
	struct store_msg	 m;
	struct perr		 ferr;
	char			*raw = NULL;
	size_t			 len;
	int			 rc = 0;

	if (store_msg_get(s->st, id, &m, err) != 0)
		return -1;
	if (m.problem == NULL)
		goto out;
	if (imap_fetch_body(be->c, m.uid, MAIL_MSG_MAX, &raw, &len,
	    &ferr) != 0) {
		/* Gone (the pass drops it), or still broken: it stays. */
		if (ferr.code != PERR_NOTFOUND &&
		    (rc = narrow_recover(hc->nw, &ferr, err)) == 0)
			be_note(s, _("%s: message UID %u: it still cannot be "
			    "fetched"), hc->f->name, m.uid);
		goto out;
	}
	if ((rc = retry_store(hc, &m, raw, len, err)) == 0)
		be_note(s, m.size != 0 ?
		    _("%s: message UID %u: its body is stored now") :
		    was_refused(&m) ? _("%s: message UID %u: stored now") :
		    _("%s: message UID %u: stored from its raw source now"),
		    hc->f->name, m.uid);
out:
	free(raw);
	store_msg_free(&m);
	return rc;
}

/*
 * A sync of one folder alone (posta sync --folder) tries its messages
 * with a problem again, the way a user expects a mail client to when
 * asked; ordinary passes leave them be, so that one broken message does
 * not cost every pass a new connection and a report. A placeholder read
 * now is replaced by a row stored from its raw source, under a new id
 * (there is no other way to give a row its header fields).
 */
int
fetch_retry_lost(struct sync_session *s, const struct store_folder *f,
    uint32_t uidvalidity, struct perr *err)
{
	struct hdr_ctx	hc;
	struct narrow	nw;
	struct lost	l = { NULL, 0 };
	size_t		i;
	int		rc = 0;

	hdr_init(&hc, &nw, s, f, uidvalidity, false, err);
	if (store_msg_bodiless(s->st, f->id, 0, (int64_t)MAIL_MSG_MAX, true,
	    lost_one, &l, err) < 0)
		return -1;
	for (i = 0; i < l.n && rc == 0; i++)
		rc = retry_one(&hc, l.ids[i], err);
	free(l.ids);
	return rc;
}

/* ---- bodies --------------------------------------------------------------------- */

struct body_ctx {
	struct sync_session		*s;
	const struct sync_body_req	*req;
	size_t				 n;
	struct perr			*err;
	struct narrow			*nw;
};

/* The request for uid, or NULL: not asked for (a server's whim). */
static const struct sync_body_req *
body_req(const struct body_ctx *bc, uint32_t uid)
{
	size_t	i;

	for (i = 0; i < bc->n && bc->req[i].uid != uid; i++)
		;
	return i < bc->n ? &bc->req[i] : NULL;
}

/*
 * The server sent len bytes, over MAIL_MSG_MAX, for message rq whose
 * RFC822.SIZE said less (else it would not have been asked for): the row
 * gets the size it really has and the problem marker, so that no pass,
 * retry or `posta show` downloads it again, and the user learns why.
 */
static int
body_oversize(struct body_ctx *bc, const struct sync_body_req *rq,
    uint32_t uid, size_t len)
{
	struct sync_session	*s = bc->s;
	char			*problem;
	int			 rc;

	problem = xasprintf(PROBLEM_SIZE_LIE, (long long)rq->size,
	    (double)len / (1 << 20), MAIL_MSG_MAX >> 20);
	rc = store_msg_set_size(s->st, rq->id, (int64_t)len, bc->err);
	if (rc == 0)
		rc = store_msg_set_problem(s->st, rq->id, problem, bc->err);
	free(problem);
	if (rc != 0)
		return rc;
	s->prog.problems++;
	be_note(s, _("%s: message UID %u: the server announced %lld bytes and "
	    "sent %zu; its body was not kept"), bc->nw->f->name, uid,
	    (long long)rq->size, len);
	return 0;
}

static int
store_body(void *arg, uint32_t uid, const char *raw, size_t len)
{
	struct body_ctx			*bc = arg;
	const struct sync_body_req	*rq;

	if ((rq = body_req(bc, uid)) == NULL)
		return 0;
	if (raw == NULL) {
		if (body_oversize(bc, rq, uid, len) != 0 &&
		    bc->err->code != PERR_NOTFOUND) {
			bc->nw->failed = true;
			return 1;
		}
	} else if (body_put(bc->s, rq->id, raw, len, bc->err) != 0 &&
	    bc->err->code != PERR_NOTFOUND) {
		bc->nw->failed = true;
		return 1;
	}
	/* Stored, or deleted by the user meanwhile: nothing to attach to. */
	perr_clear(bc->err);
	narrow_got(bc->nw, uid);
	return 0;
}

static int
body_fetch(struct narrow *nw, const uint32_t *uids, size_t n,
    struct perr *err)
{
	struct imap_be	*be = nw->s->be;

	return imap_fetch_bodies(be->c, uids, n, MAIL_MSG_MAX, store_body,
	    nw->arg, err);
}

/*
 * uid's BODY[] could not be had, even alone: the row keeps its headers
 * and gets problem, which keeps every later pass from asking again
 * (sync.c, want_one()); fetch_retry_lost() tries it. what: why, for the note.
 */
static int
body_problem(struct narrow *nw, uint32_t uid, const char *problem,
    const char *what, struct perr *err)
{
	struct body_ctx			*bc = nw->arg;
	const struct sync_body_req	*rq;

	if ((rq = body_req(bc, uid)) == NULL)
		return 0;
	if (store_msg_set_problem(nw->s->st, rq->id, problem, err) != 0) {
		if (err->code != PERR_NOTFOUND)
			return -1;
		perr_clear(err);
		return 0;
	}
	nw->s->prog.problems++;
	be_note(nw->s, _("%s: message UID %u: %s; only its headers are stored "
	    "(posta sync --folder '%s' tries again)"), nw->f->name, uid, what,
	    nw->f->name);
	return 0;
}

/* uid's BODY[] reply broke libetpan's parser, even alone. */
static int
body_broken(struct narrow *nw, uint32_t uid, struct perr *err)
{
	return body_problem(nw, uid, PROBLEM_BODY, _("the server's copy of it "
	    "could not be parsed"), err);
}

/* The server refused uid's BODY[] alone, and sends others of the folder. */
static int
body_refused(struct narrow *nw, uint32_t uid, const char *why,
    struct perr *err)
{
	char	*problem, *what;
	int	 rc;

	problem = xasprintf(PROBLEM_BODY_REFUSED, why);
	what = xasprintf(_("the server would not send its body (%s)"), why);
	rc = body_problem(nw, uid, problem, what, err);
	free(what);
	free(problem);
	return rc;
}

int
fetch_bodies(struct sync_session *s, const struct store_folder *f,
    const struct sync_body_req *req, size_t n, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_selected	 sel;
	struct store_folder	 now;
	struct narrow		 nw;
	struct body_ctx		 bc = { s, req, n, err, &nw };
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
		be->selected_rw = false;
	}
	/* f was read before the pull: its UIDVALIDITY may be the old one. */
	if (store_folder_get(s->st, f->id, &now, err) != 0)
		return -1;
	memset(&nw, 0, sizeof nw);
	nw.s = s;
	nw.f = f;
	nw.uidvalidity = now.uidvalidity;
	nw.fetch = body_fetch;
	nw.broken = body_broken;
	nw.refused = body_refused;
	nw.arg = &bc;
	store_folder_free(&now);
	uids = xreallocarray(NULL, n, sizeof *uids);
	for (i = 0; i < n; i++)
		uids[i] = req[i].uid;
	r = narrow_fetch(&nw, uids, n, err);
	free(uids);
	return r;
}
