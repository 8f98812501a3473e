/*
 * drv-pop3-pull.c - the POP3 driver: one pass over the maildrop into the
 * local Inbox, and DELE only of what is committed (drv-pop3.h says the
 * order).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "mail/mail.h"
#include "net/net.h"
#include "sync/sync.h"
#include "sync/drv.h"
#include "sync/drv-pop3.h"
#include "util/i18n.h"

/* ---- the maildrop ---------------------------------------------------------------- */

static int64_t
pop3_now(void)
{
	const char	*v = getenv("POSTA_NOW");
	char		*end;
	long long	 n;

	if (v != NULL && *v != '\0') {
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno == 0 && *end == '\0' && n > 0)
			return (int64_t)n;
	}
	return (int64_t)time(NULL);
}

/* A sorted set of strings, for "is this UIDL in that list". */
struct strset {
	char	**v;
	size_t	  n;
};

static int
strset_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
strset_add_cb(void *arg, const char *uidl, int64_t first_seen)
{
	struct strset	*ss = arg;

	(void)first_seen;
	ss->v = xreallocarray(ss->v, ss->n + 1, sizeof *ss->v);
	ss->v[ss->n++] = xstrdup(uidl);
	return 0;
}

static void
strset_sort(struct strset *ss)
{
	if (ss->n > 1)
		qsort(ss->v, ss->n, sizeof *ss->v, strset_cmp);
}

static bool
strset_has(const struct strset *ss, const char *s)
{
	return ss->n > 0 &&
	    bsearch(&s, ss->v, ss->n, sizeof *ss->v, strset_cmp) != NULL;
}

static void
strset_free(struct strset *ss)
{
	size_t	i;

	for (i = 0; i < ss->n; i++)
		free(ss->v[i]);
	free(ss->v);
	memset(ss, 0, sizeof *ss);
}

/* ---- one message into the store ----------------------------------------------- */

/*
 * Store raw as a new message of folder f with identity uidl, and its
 * header hash alias (NULL: none) as a second known identity, in one
 * transaction, and commit. Returns 0 once durable, -1 with err set and
 * nothing stored.
 */
static int
store_message(struct sync_session *s, const struct store_folder *f,
    const char *uidl, const char *alias, const char *raw, size_t len,
    int64_t now, struct perr *err)
{
	struct store_msg	 m;
	struct perr		 ignored;
	struct sync_text	 text;
	int64_t			 id;
	int			 rc = -1;

	memset(&m, 0, sizeof m);
	m.folder_id = f->id;
	m.internal_date = now;	/* POP3 has no arrival time: ours */
	if (sync_ingest_parse(raw, len, &m, &text, err) != 0)
		return -1;
	m.pop3_uidl = xstrdup(uidl);

	if (store_begin(s->st, err) != 0)
		goto out;
	if (sync_ingest_store(s->st, s->threader, &m, raw, len, &text, &id,
	    err) < 0 ||
	    store_pop3_add(s->st, s->account_id, uidl, now, err) != 0 ||
	    (alias != NULL &&
	    store_pop3_add(s->st, s->account_id, alias, now, err) != 0)) {
		(void)store_rollback(s->st, &ignored);
		goto out;
	}
	/* Durable once this returns: only now may DELE be sent. */
	if (store_commit(s->st, err) != 0)
		goto out;
	s->prog.added++;
	if ((m.flags & STORE_SEEN) == 0)
		s->prog.unseen++;
	s->prog.bodies++;
	s->prog.bytes += len;
	rc = 0;
out:
	sync_text_free(&text);
	store_msg_free(&m);
	return rc;
}

/* A DELE decided during the pass, sent only once the pass found no lie. */
struct dele_req {
	unsigned	 num;
	const char	*uidl;		/* msgs' string: lives as long */
};

struct pull {
	struct sync_session		*s;
	struct pop3_be			*be;
	const struct store_folder	*f;
	int64_t				 now;
	struct strset			 older;		/* days:N: due for DELE */
	struct strset			 orphans;	/* deleted here */
	struct strset			 deleted;	/* DELE sent this session */
	struct dele_req			*dele;		/* DELEs to send */
	size_t				 ndele;
	struct perr			 skipped;	/* first message left */
	uint64_t			 nskipped;
	uint64_t			 nlied;		/* RETRs that mismatched */
};

/* At most this many mismatches are shown one by one in a pass. */
#define POP3_LIE_NOTES	10

static void
dele(struct pull *p, const struct pop3_msg *m)
{
	p->dele = xreallocarray(p->dele, p->ndele + 1, sizeof *p->dele);
	p->dele[p->ndele].num = m->num;
	p->dele[p->ndele].uidl = m->uidl;
	p->ndele++;
}

static void
skip(struct pull *p, const struct perr *why)
{
	if (p->nskipped++ == 0)
		p->skipped = *why;
}

/*
 * The octets that RFC 1939 has LIST count for what RETR gave: the message
 * (dots already unstuffed) with every line end counted as CRLF, whatever
 * the server sent.
 */
static uint64_t
wire_size(const char *raw, size_t len)
{
	const char	*nl, *p = raw, *end = raw + len;
	uint64_t	 n = len;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (nl == raw || nl[-1] != '\r')
			n++;
		p = nl + 1;
	}
	return n;
}

/* The header block of raw: up to and including the first empty line. */
static size_t
header_len(const char *raw, size_t len)
{
	size_t	i;

	for (i = 0; i + 1 < len; i++) {
		if (raw[i] != '\n')
			continue;
		if (raw[i + 1] == '\n')
			return i + 2;
		if (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

/*
 * Do two header blocks name the same message? The fields that identify
 * it are compared, decoded, rather than the bytes: a server may rewrite
 * others (Status, a MIME boundary) between TOP and RETR.
 */
static int
same_message(const char *a, size_t alen, const char *b, size_t blen,
    bool *same, struct perr *err)
{
	struct mail_headers	 x, y;

	if (mail_headers_parse(a, alen, &x, err) != 0)
		return -1;
	if (mail_headers_parse(b, blen, &y, err) != 0) {
		mail_headers_free(&x);
		return -1;
	}
	*same = strcmp(x.message_id, y.message_id) == 0 && x.date == y.date &&
	    strcmp(x.from_addr, y.from_addr) == 0 &&
	    strcmp(x.to, y.to) == 0 && strcmp(x.subject, y.subject) == 0;
	mail_headers_free(&x);
	mail_headers_free(&y);
	return 0;
}

/*
 * Is raw, what RETR gave, the message that LIST (its size) and TOP (the
 * fields that identify it, when top is not NULL) announced? If not, *why
 * says which message and what differs.
 *
 * The size must be exact: RFC 1939 has LIST count the message with CRLF
 * line ends, which is what wire_size() counts; the one allowance is the
 * CRLF a server must add before the final "." to a message that does not
 * end with a line break, which LIST does not count.
 */
static bool
retr_matches(struct pull *p, const struct pop3_msg *m, const char *raw,
    size_t len, const char *top, size_t toplen, struct perr *why)
{
	const char		*hp = p->be->c->report.hostport;
	unsigned long long	 got = wire_size(raw, len);
	bool			 same = true;

	if (got != m->size && got != m->size + 2) {
		if (m->uidl != NULL)
			perr_set(why, PERR_GENERIC, _("%s: message %u (UIDL "
			    "%s) "
			    "was not downloaded: LIST announced %llu octets, "
			    "RETR gave %llu"), hp, m->num, m->uidl,
			    (unsigned long long)m->size, got);
		else
			perr_set(why, PERR_GENERIC, _("%s: message %u (without "
			    "a usable UIDL) was not downloaded: LIST announced "
			    "%llu octets, RETR gave %llu"), hp, m->num,
			    (unsigned long long)m->size, got);
		return false;
	}
	if (top != NULL && same_message(top, toplen, raw, header_len(raw,
	    len), &same, why) != 0)
		return false;
	if (!same) {
		if (m->uidl != NULL)
			perr_set(why, PERR_GENERIC, _("%s: message %u (UIDL "
			    "%s) "
			    "was not downloaded: the Message-ID, Date, From, "
			    "To or Subject header that RETR gave differs from "
			    "the one TOP gave"), hp, m->num, m->uidl);
		else
			perr_set(why, PERR_GENERIC, _("%s: message %u (without "
			    "a usable UIDL) was not downloaded: the "
			    "Message-ID, Date, From, To or Subject header that "
			    "RETR gave differs from the one TOP gave"), hp,
			    m->num);
		return false;
	}
	return true;
}

/*
 * Retrieve message m and check it against what the server announced (top:
 * its TOP header, or NULL). 0: *raw is m. 1: left on the server and
 * remembered (gone meanwhile, over posta's bound, or not the announced
 * message: then nothing may be deleted in this session). -1: err set.
 */
static int
fetch(struct pull *p, const struct pop3_msg *m, const char *top,
    size_t toplen, char **raw, size_t *len, struct perr *err)
{
	struct perr	why;

	if (m->size > MAIL_MSG_MAX) {
		perr_set(&why, PERR_GENERIC, _("%s: message %u is %llu bytes, "
		    "more than posta's limit of %zu MiB: left on the server"),
		    p->be->c->report.hostport, m->num,
		    (unsigned long long)m->size, MAIL_MSG_MAX >> 20);
		skip(p, &why);
		return 1;
	}
	if (pop3_retr(p->be->c, m->num, MAIL_MSG_MAX, raw, len, err) != 0) {
		if (pop3_err_fatal(err))
			return -1;
		skip(p, err);
		perr_clear(err);
		return 1;
	}
	if (retr_matches(p, m, *raw, *len, top, toplen, &why))
		return 0;
	free(*raw);
	*raw = NULL;
	skip(p, &why);
	if (p->nlied++ < POP3_LIE_NOTES)
		pop3_note(p->s, why.msg);
	return 1;
}

/*
 * TOP m 0 into *top when the server offers TOP; *top stays NULL when it
 * does not, or refuses it for this message (RETR is then checked by its
 * size alone).
 */
static int
fetch_top(struct pull *p, const struct pop3_msg *m, char **top,
    size_t *len, struct perr *err)
{
	*top = NULL;
	*len = 0;
	if (!pop3_has_cap(p->be->c, "TOP"))
		return 0;
	if (pop3_top(p->be->c, m->num, 0, 1 << 20, top, len, err) == 0)
		return 0;
	if (pop3_err_fatal(err))
		return -1;
	perr_clear(err);
	return 0;
}

/* A message stored by an earlier pass: delete it if now due. */
static void
pull_known(struct pull *p, const struct pop3_msg *m)
{
	const struct account	*acct = p->s->acct;

	if (acct->pop3_keep == KEEP_NO ||
	    (acct->pop3_keep == KEEP_DAYS && strset_has(&p->older, m->uidl)) ||
	    (acct->pop3_delete_when_deleted_locally &&
	    strset_has(&p->orphans, m->uidl)))
		dele(p, m);
}

/* "%sha256:HEX:SIZE" of a header block, malloc'd. */
static char *
pseudo_uidl(const char *hdr, size_t len, uint64_t size)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;
	char		hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int	i;

	if (EVP_Digest(hdr, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return NULL;
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[2 * mdlen] = '\0';
	return xasprintf("%%sha256:%s:%llu", hex, (unsigned long long)size);
}

/*
 * The message known by header hash id now has a UIDL: give it the UIDL
 * (and its first download date) instead of storing it again. 0: adopted;
 * 1: no message is stored under id alone, nothing done; -1: err set.
 */
static int
adopt(struct pull *p, const struct pop3_msg *m, const char *id,
    const char *hdr, size_t hdrlen, struct perr *err)
{
	struct mail_headers	 mh;
	struct perr		 ignored;
	int			 r;

	if (mail_headers_parse(hdr, hdrlen, &mh, err) != 0)
		return -1;
	if (store_begin(p->s->st, err) != 0)
		goto fail;
	if ((r = store_pop3_adopt(p->s->st, p->s->account_id, id, m->uidl,
	    mh.message_id, err)) < 0) {
		(void)store_rollback(p->s->st, &ignored);
		goto fail;
	}
	if (store_commit(p->s->st, err) != 0)
		goto fail;
	mail_headers_free(&mh);
	if (r == 0)
		pull_known(p, m);
	return r;
fail:
	mail_headers_free(&mh);
	return -1;
}

/*
 * A message without a usable UIDL that the store does not know by its
 * header hash: stored some other way (an import, an earlier UIDL)? Then
 * only its hash is recorded. 1: so recorded, 0: not found, -1: err set.
 */
static int
known_elsewhere(struct pull *p, const struct pop3_msg *m, const char *id,
    const char *hdr, size_t hdrlen, struct perr *err)
{
	struct mail_headers	 mh;
	bool			 found;
	int			 r;

	if (mail_headers_parse(hdr, hdrlen, &mh, err) != 0)
		return -1;
	r = store_pop3_has_message(p->s->st, p->s->account_id, mh.message_id,
	    (int64_t)m->size, &found, err);
	mail_headers_free(&mh);
	if (r != 0)
		return -1;
	if (!found)
		return 0;
	return store_pop3_add(p->s->st, p->s->account_id, id, p->now,
	    err) != 0 ? -1 : 1;
}

/*
 * One message of the listing. Every message the store does not know by
 * its UIDL is first looked for by its header hash (over TOP m 0, else
 * over what RETR gave): a message stored while its UIDL was missing or
 * duplicated gets its UIDL instead of a second copy, and one whose UIDL
 * has gone missing is not stored again. Each message is stored with both
 * identities, and only as RETR gave it once it matched LIST and TOP.
 * Only messages with a UIDL are ever deleted.
 */
static int
pull_one(struct pull *p, const struct pop3_msg *m, struct perr *err)
{
	char		*top = NULL, *raw = NULL, *id = NULL;
	const char	*hdr;
	size_t		 toplen = 0, len = 0, hdrlen;
	bool		 known = false;
	int		 r, rc = -1;

	if (m->uidl != NULL) {
		if (store_pop3_known(p->s->st, p->s->account_id, m->uidl,
		    &known, err) != 0)
			return -1;
		if (known) {
			pull_known(p, m);
			return 0;
		}
	}
	if (fetch_top(p, m, &top, &toplen, err) != 0)
		return -1;
	if (top == NULL &&
	    (r = fetch(p, m, NULL, 0, &raw, &len, err)) != 0)
		return r < 0 ? -1 : 0;
	hdr = top != NULL ? top : raw;
	hdrlen = header_len(hdr, top != NULL ? toplen : len);
	if ((id = pseudo_uidl(hdr, hdrlen, m->size)) == NULL) {
		perr_set(err, PERR_NOMEM, _("SHA-256 failed"));
		goto out;
	}
	if (store_pop3_known(p->s->st, p->s->account_id, id, &known,
	    err) != 0)
		goto out;
	if (known && m->uidl == NULL) {
		rc = 0;
		goto out;
	}
	if (!known && m->uidl == NULL &&
	    (r = known_elsewhere(p, m, id, hdr, hdrlen, err)) != 0) {
		rc = r < 0 ? -1 : 0;
		goto out;
	}
	/*
	 * Even a message to adopt is retrieved and checked: adopting makes
	 * it deletable, and TOP alone could name another message.
	 */
	if (raw == NULL &&
	    (r = fetch(p, m, top, toplen, &raw, &len, err)) != 0) {
		rc = r < 0 ? -1 : 0;
		goto out;
	}
	/*
	 * Adopted: the stored message now holds its UIDL. Not adopted (no
	 * message is stored under its hash alone: the server changed the
	 * UIDL of a message stored under another one): stored again, since a
	 * UIDL that no message holds would read as deleted here.
	 */
	if (known && (r = adopt(p, m, id, hdr, hdrlen, err)) <= 0) {
		rc = r;
		goto out;
	}
	if (store_message(p->s, p->f, m->uidl != NULL ? m->uidl : id,
	    m->uidl != NULL ? id : NULL, raw, len, p->now, err) != 0)
		goto out;
	p->s->prog.done++;
	sync_report(p->s);
	if (m->uidl != NULL && p->s->acct->pop3_keep == KEEP_NO)
		dele(p, m);
	rc = 0;
out:
	free(top);
	free(raw);
	free(id);
	return rc;
}

/*
 * Send the DELEs the pass decided, unless the server was caught giving
 * another message than it announced: a server that mixes up its messages
 * may mix up what DELE n deletes too, so then nothing is deleted.
 */
static int
send_deles(struct pull *p, struct perr *err)
{
	size_t	i;
	char	*w;

	if (p->nlied > 0) {
		if (p->ndele > 0) {
			w = xasprintf(_("%s: the server answered RETR with "
			    "another message than it announced (%llu times): "
			    "posta deletes nothing from it in this session; "
			    "the messages due for deletion (%zu) stay on the "
			    "server"), p->be->c->report.hostport,
			    (unsigned long long)p->nlied, p->ndele);
			pop3_note(p->s, w);
			free(w);
		}
		return 0;
	}
	for (i = 0; i < p->ndele; i++) {
		if (pop3_dele(p->be->c, p->dele[i].num, err) != 0) {
			if (pop3_fatal(err))
				return -1;
			/* A refused DELE: the message stays; go on. */
			skip(p, err);
			perr_clear(err);
			continue;
		}
		(void)strset_add_cb(&p->deleted, p->dele[i].uidl, 0);
	}
	return 0;
}

/*
 * Does every message of the listing have a UIDL? Only then does a known
 * UIDL missing from it mean the message is gone: a UIDL answer shorter
 * than LIST, or one with duplicates, hides messages that are still there.
 */
static bool
complete(const struct pop3_msgs *msgs)
{
	size_t	i;

	for (i = 0; i < msgs->n; i++)
		if (msgs->v[i].uidl == NULL)
			return false;
	return true;
}

/* Known UIDLs that a complete listing lacks are gone from the server. */
static int
reconcile(struct pull *p, const struct pop3_msgs *msgs, struct perr *err)
{
	struct strset	 listed = { 0 }, mine = { 0 };
	struct perr	 ignored;
	size_t		 i;
	int		 rc = -1;

	for (i = 0; i < msgs->n; i++)
		if (msgs->v[i].uidl != NULL)
			(void)strset_add_cb(&listed, msgs->v[i].uidl, 0);
	strset_sort(&listed);
	if (store_pop3_older(p->s->st, p->s->account_id, INT64_MAX,
	    strset_add_cb, &mine, err) < 0)
		goto out;
	if (store_begin(p->s->st, err) != 0)
		goto out;
	for (i = 0; i < mine.n; i++) {
		if (mine.v[i][0] == '%' && mine.v[i][1] == 's')
			continue;	/* a pseudo-UIDL: never listed */
		if (!strset_has(&listed, mine.v[i]) &&
		    store_pop3_mark_deleted(p->s->st, p->s->account_id,
		    mine.v[i], err) != 0) {
			(void)store_rollback(p->s->st, &ignored);
			goto out;
		}
	}
	rc = store_commit(p->s->st, err);
out:
	strset_free(&listed);
	strset_free(&mine);
	return rc;
}

int
pop3_pull_folder(struct sync_session *s, const struct store_folder *f,
    struct perr *err)
{
	struct pop3_be		*be = s->be;
	const struct account	*acct = s->acct;
	struct pop3_msgs	 msgs;
	struct pull		 p;
	struct perr		 ignored;
	size_t			 i;
	bool			 known;
	int			 rc = -1;

	/* One maildrop, one local INBOX; the other folders are all ours. */
	if (f->special_use != STORE_SPECIAL_INBOX)
		return 0;
	/* A later pull on the same sync_conn: a new session. */
	if (be->done || be->c == NULL) {
		pop3_conn_drop(s, be, false);
		if (pop3_conn_open(s, be, err) != 0)
			return -1;
	}
	memset(&p, 0, sizeof p);
	p.s = s;
	p.be = be;
	p.f = f;
	p.now = pop3_now();
	if (pop3_scan(be->c, &msgs, err) != 0)
		return -1;

	if (!msgs.uidl) {
		pop3_note(s, _("the server does not support UIDL: posta will "
		    "never delete mail from it, and recognises messages it "
		    "already has by their headers"));
	} else if (msgs.dup > 0) {
		pop3_note(s, _("the server gave some messages the same UIDL: "
		    "those are recognised by their headers and never deleted "
		    "from the server"));
	}
	if (msgs.uidl) {
		if (acct->pop3_keep == KEEP_DAYS &&
		    store_pop3_older(s->st, s->account_id, p.now -
		    (int64_t)acct->pop3_keep_days * 86400, strset_add_cb,
		    &p.older, err) < 0)
			goto out;
		if (acct->pop3_delete_when_deleted_locally &&
		    store_pop3_orphans(s->st, s->account_id, strset_add_cb,
		    &p.orphans, err) < 0)
			goto out;
		strset_sort(&p.older);
		strset_sort(&p.orphans);
		if (complete(&msgs) && reconcile(&p, &msgs, err) != 0)
			goto out;
	}

	/* Progress: how many are new (a cheap indexed look-up each). */
	for (i = 0; i < msgs.n; i++) {
		if (msgs.v[i].uidl == NULL) {
			s->prog.total++;
			continue;
		}
		if (store_pop3_known(s->st, s->account_id, msgs.v[i].uidl,
		    &known, err) != 0)
			goto out;
		if (!known)
			s->prog.total++;
	}
	sync_report(s);

	for (i = 0; i < msgs.n; i++) {
		if ((rc = pull_one(&p, &msgs.v[i], err)) == 0)
			continue;
		/* A message that cannot be read: it stays; go on. */
		if (pop3_fatal(err) || err->code != PERR_GENERIC)
			goto out;
		skip(&p, err);
		perr_clear(err);
		rc = 0;
	}
	if ((rc = send_deles(&p, err)) != 0)
		goto out;

	/* QUIT: the server applies the DELEs when it answers +OK. */
	be->done = true;
	if (pop3_quit(be->c, err) != 0) {
		rc = -1;
		goto out;
	}
	if (p.deleted.n > 0) {
		if (store_begin(s->st, err) != 0)
			goto out;
		for (i = 0; i < p.deleted.n; i++)
			if (store_pop3_mark_deleted(s->st, s->account_id,
			    p.deleted.v[i], err) != 0) {
				(void)store_rollback(s->st, &ignored);
				rc = -1;
				goto out;
			}
		if (store_commit(s->st, err) != 0) {
			rc = -1;
			goto out;
		}
	}
	if (store_folder_set_sync(s->st, f->id, 0, 0, 0, p.now, err) != 0) {
		rc = -1;
		goto out;
	}
	rc = 0;
	if (p.nskipped > 0) {
		*err = p.skipped;
		if (p.nskipped > 1)
			perr_prefix(err, ngettext("%llu message left on the "
			    "server, the first", "%llu messages left on the "
			    "server, the first", p.nskipped),
			    (unsigned long long)p.nskipped);
		err->code = PERR_GENERIC;
		rc = -1;
	}
out:
	if (rc != 0 && err->code == PERR_OK)
		perr_set(err, PERR_GENERIC, _("POP3 pass failed"));
	pop3_msgs_free(&msgs);
	strset_free(&p.older);
	strset_free(&p.orphans);
	strset_free(&p.deleted);
	free(p.dele);
	return rc;
}
