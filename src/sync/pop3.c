/*
 * pop3.c - the POP3 backend of the sync engine (struct account_ops).
 *
 * A POP3 account has local folders only (INBOX, Sent, Drafts, Trash,
 * Archive, and the user's); the server's one maildrop is pulled into the
 * local INBOX, named as on IMAP so that commands default alike
 * (ARCHITECTURE 6). The order of one pass never loses mail:
 *
 *   1. STAT, LIST, UIDL (bounded: see src/net/pop3cmd.c).
 *   2. For each UIDL not in pop3_uidl: RETR, parse, and in ONE store
 *      transaction insert the message, its body and its UIDL; COMMIT,
 *      which is durable (the store syncs POP3 commits to disk).
 *   3. Only then DELE, per pop3_keep: no (the standard mode) right after
 *      the download; yes never; days:N once the UIDL was first seen more
 *      than N days ago; and, with pop3_delete_when_deleted_locally, any
 *      UIDL whose message the user has deleted here (store_pop3_orphans).
 *   4. QUIT. The server applies the DELEs only when QUIT answers +OK; the
 *      UIDLs are then marked deleted_from_server.
 *
 * A pass killed or cut off anywhere leaves: messages committed with their
 * UIDL (the next pass skips them, and deletes them if the mode says so),
 * and DELEs never applied (no QUIT, so the server rolls them back). No
 * message can be lost, none stored twice. Known UIDLs that a complete
 * listing no longer shows were deleted on the server (by us after a QUIT
 * whose answer we missed, or by another client): they are marked too.
 *
 * A server without UIDL (or messages whose UIDL is unusable: duplicated)
 * is never deleted from. Such a message is known by a pseudo-UIDL,
 * "%sha256:HEX:SIZE" over its header block (TOP n 0, else RETR), which no
 * real UIDL can equal (pop3cmd.c writes '%' only before two hex digits);
 * a message already in the account with the same Message-ID and size is
 * not stored again.
 *
 * The clock is time(NULL), or $POSTA_NOW (unix seconds) for the tests of
 * days:N; nothing else reads that variable.
 */
#define POSTA_SYNC_INTERNAL
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

struct pop3_be {
	struct pop3_conn	*c;
	bool			 done;		/* QUIT sent: only free */
};

/* ---- small helpers ---------------------------------------------------------- */

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

static bool
pop3_fatal(const struct perr *err)
{
	return pop3_err_fatal(err) || err->code == PERR_NOMEM;
}

/* Pass a warning to the caller's progress callback (sync_progress.note). */
static void
pop3_note(struct sync_session *s, const char *text)
{
	s->prog.note = text;
	sync_report(s);
	s->prog.note = NULL;
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

/* ---- warnings ------------------------------------------------------------- */

char *
sync_pop3_warning(const struct account *acct)
{
	const char	*backup = "The messages posta downloads are then kept "
	    "only in posta's store on this computer: back them up (posta "
	    "export -a %s --mbox FILE, for each folder, or a copy of the "
	    "store file).";
	char		*what, *tail, *out;

	if (acct->protocol != PROTO_POP3)
		return NULL;
	switch (acct->pop3_keep) {
	case KEEP_NO:
		what = xstrdup("pop3_keep = no: every message posta downloads "
		    "is DELETED FROM THE SERVER right after it is safely "
		    "stored. Other devices (phones, webmail, IMAP clients) "
		    "will no longer see it. To leave mail on the server set "
		    "pop3_keep = yes, or pop3_keep = days:N to delete it N "
		    "days after the download.");
		break;
	case KEEP_DAYS:
		what = xasprintf("pop3_keep = days:%d: messages are DELETED "
		    "FROM THE SERVER %d days after posta first downloaded "
		    "them; other devices (phones, webmail, IMAP clients) will "
		    "then no longer see them. pop3_keep = yes leaves them "
		    "there.", acct->pop3_keep_days, acct->pop3_keep_days);
		break;
	default:
		if (!acct->pop3_delete_when_deleted_locally)
			return NULL;
		what = xstrdup("pop3_keep = yes: mail stays on the server.");
		break;
	}
	if (acct->pop3_delete_when_deleted_locally)
		tail = xstrdup(" pop3_delete_when_deleted_locally = yes: a "
		    "message you delete in posta (or empty from its Trash) is "
		    "deleted from the server too.");
	else
		tail = xstrdup("");
	out = xasprintf("account %s: %s%s ", acct->name, what, tail);
	free(what);
	free(tail);
	if (acct->pop3_keep != KEEP_YES) {
		what = out;
		tail = xasprintf(backup, acct->name);
		out = xasprintf("%s%s", what, tail);
		free(what);
		free(tail);
	}
	return out;
}

/* ---- connect / close ---------------------------------------------------------- */

/*
 * One POP3 session per pull: QUIT ends a session (it is what applies the
 * DELEs), and a server shows new mail only to a new session anyway. The
 * session pointer is published and detached under s->lock, so that
 * be_cancel() from another thread never sees it freed.
 */
static void
conn_drop(struct sync_session *s, struct pop3_be *be, bool commit)
{
	struct pop3_conn	*c;

	pthread_mutex_lock(&s->lock);
	c = be->c;
	be->c = NULL;
	if (s->cancelled)
		commit = false;
	pthread_mutex_unlock(&s->lock);
	if (c != NULL)
		pop3_close(c, commit);
}

static int
conn_open(struct sync_session *s, struct pop3_be *be, struct perr *err)
{
	struct pop3_conn	*c;
	bool			 cancelled;

	if ((c = pop3_connect(s->acct, &s->acct->in, err)) == NULL)
		return -1;
	pthread_mutex_lock(&s->lock);
	if (!(cancelled = s->cancelled))
		be->c = c;
	pthread_mutex_unlock(&s->lock);
	if (cancelled) {
		pop3_close(c, false);
		return perr_set(err, PERR_IO, "account %s: cancelled",
		    s->acct->name);
	}
	be->done = false;
	return 0;
}

static void
be_close(struct sync_session *s, bool broken)
{
	struct pop3_be	*be = s->be;

	if (be == NULL)
		return;
	/*
	 * A session that did not reach its own QUIT sent no DELE that
	 * matters (every DELE follows a durable commit, so committing them
	 * would be safe too), but a broken one must not say another word.
	 */
	conn_drop(s, be, !broken && !be->done);
	pthread_mutex_lock(&s->lock);
	s->be = NULL;
	pthread_mutex_unlock(&s->lock);
	free(be);
}

static int
be_connect(struct sync_session *s, struct perr *err)
{
	struct pop3_be	*be;

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

/* Called by the engine from another thread, with s->lock held. */
static void
be_cancel(struct sync_session *s)
{
	struct pop3_be	*be = s->be;

	if (be != NULL && be->c != NULL)
		pop3_cancel(be->c);
}

/* ---- folders: local only ------------------------------------------------------ */

static const struct {
	enum store_special	 use;
	const char		*name;
} pop3_folders[] = {
	{ STORE_SPECIAL_INBOX, "INBOX" },
	{ STORE_SPECIAL_SENT, "Sent" },
	{ STORE_SPECIAL_DRAFTS, "Drafts" },
	{ STORE_SPECIAL_TRASH, "Trash" },
	{ STORE_SPECIAL_ARCHIVE, "Archive" },
};

static int
be_list_folders(struct sync_session *s, struct perr *err)
{
	struct store_folder	 f, nf;
	struct perr		 ferr;
	bool			 first = false;
	size_t			 i;
	char			*w;

	if (store_begin(s->st, err) != 0)
		return -1;
	for (i = 0; i < sizeof pop3_folders / sizeof pop3_folders[0]; i++) {
		if (store_folder_by_special(s->st, s->account_id,
		    pop3_folders[i].use, &f, &ferr) == 0) {
			if (pop3_folders[i].use == STORE_SPECIAL_INBOX &&
			    f.last_sync == 0)
				first = true;
			store_folder_free(&f);
			continue;
		}
		if (ferr.code != PERR_NOTFOUND) {
			*err = ferr;
			goto fail;
		}
		if (pop3_folders[i].use == STORE_SPECIAL_INBOX)
			first = true;
		memset(&nf, 0, sizeof nf);
		nf.account_id = s->account_id;
		nf.name = (char *)pop3_folders[i].name;
		nf.remote_name = NULL;
		nf.special_use = pop3_folders[i].use;
		nf.subscribed = true;
		if (store_folder_upsert(s->st, &nf, NULL, err) != 0)
			goto fail;
	}
	if (store_commit(s->st, err) != 0)
		return -1;
	/* Before the first download: say what the mode will do to the server. */
	if (first && (w = sync_pop3_warning(s->acct)) != NULL) {
		pop3_note(s, w);
		free(w);
	}
	return 0;
fail:
	(void)store_rollback(s->st, &ferr);
	return -1;
}

/* ---- one message into the store ----------------------------------------------- */

static char *
nonempty(char *str)
{
	if (str != NULL && *str == '\0') {
		free(str);
		return NULL;
	}
	return str;
}

/*
 * Store raw as a new message of folder f with identity uidl, in one
 * transaction, and commit. Returns 0 once durable, -1 with err set and
 * nothing stored.
 */
static int
store_message(struct sync_session *s, const struct store_folder *f,
    const char *uidl, const char *raw, size_t len, int64_t now,
    struct perr *err)
{
	struct mail_headers	 mh;
	struct store_msg	 m;
	struct perr		 ignored;
	char			*text = NULL, *problem = NULL;
	int64_t			 id;
	int			 rc = -1;

	/* One parse: header, search text, and a problem if too complex. */
	if (mail_index(raw, len, 1 << 20, &mh, &text, &problem, err) != 0)
		return -1;
	memset(&m, 0, sizeof m);
	m.problem = problem;
	m.folder_id = f->id;
	m.message_id = nonempty(xstrdup(mh.message_id));
	m.in_reply_to = nonempty(xstrdup(mh.in_reply_to));
	m.refs = nonempty(xstrdup(mh.references));
	m.date = mh.date;
	m.internal_date = now;	/* POP3 has no arrival time: ours */
	m.from_name = nonempty(xstrdup(mh.from_name));
	m.from_addr = nonempty(xstrdup(mh.from_addr));
	m.to_list = nonempty(xstrdup(mh.to));
	m.cc_list = nonempty(xstrdup(mh.cc));
	m.subject = xstrdup(mh.subject);
	m.size = (int64_t)len;
	m.has_attachments = mh.has_attachments;
	m.pop3_uidl = (char *)uidl;
	mail_headers_free(&mh);

	if (store_begin(s->st, err) != 0)
		goto out;
	if (store_msg_insert(s->st, &m, &id, err) < 0 ||
	    store_body_put(s->st, id, raw, len, text, err) != 0 ||
	    store_pop3_add(s->st, s->account_id, uidl, now, err) != 0 ||
	    sync_thread_assign(s->st, s->threader, id, &m, NULL, err) != 0) {
		(void)store_rollback(s->st, &ignored);
		goto out;
	}
	/* Durable once this returns: only now may DELE be sent. */
	if (store_commit(s->st, err) != 0)
		goto out;
	s->prog.added++;
	s->prog.bodies++;
	s->prog.bytes += len;
	rc = 0;
out:
	free(text);
	free(m.problem);
	free(m.message_id);
	free(m.in_reply_to);
	free(m.refs);
	free(m.from_name);
	free(m.from_addr);
	free(m.to_list);
	free(m.cc_list);
	free(m.subject);
	return rc;
}

/* ---- the maildrop ---------------------------------------------------------------- */

struct pull {
	struct sync_session		*s;
	struct pop3_be			*be;
	const struct store_folder	*f;
	int64_t				 now;
	struct strset			 older;		/* days:N: due for DELE */
	struct strset			 orphans;	/* deleted here */
	struct strset			 deleted;	/* DELE sent this session */
	struct perr			 skipped;	/* first message left */
	uint64_t			 nskipped;
};

static int
dele(struct pull *p, const struct pop3_msg *m, struct perr *err)
{
	if (pop3_dele(p->be->c, m->num, err) != 0)
		return -1;
	(void)strset_add_cb(&p->deleted, m->uidl, 0);
	return 0;
}

static void
skip(struct pull *p, const struct perr *why)
{
	if (p->nskipped++ == 0)
		p->skipped = *why;
}

/*
 * Retrieve message m. A -ERR (gone meanwhile) is remembered and gives 1;
 * a message over posta's bound is left on the server (1, remembered).
 */
static int
fetch(struct pull *p, const struct pop3_msg *m, char **raw, size_t *len,
    struct perr *err)
{
	struct perr	why;

	if (m->size > POP3_RETR_MAX) {
		perr_set(&why, PERR_GENERIC, "%s: message %u is %llu bytes, "
		    "more than posta's limit of %zu MiB: left on the server",
		    p->be->c->report.hostport, m->num,
		    (unsigned long long)m->size, POP3_RETR_MAX >> 20);
		skip(p, &why);
		return 1;
	}
	if (pop3_retr(p->be->c, m->num, POP3_RETR_MAX, raw, len, err) != 0) {
		if (pop3_err_fatal(err))
			return -1;
		skip(p, err);
		perr_clear(err);
		return 1;
	}
	return 0;
}

/* A message with a usable UIDL. */
static int
pull_uidl(struct pull *p, const struct pop3_msg *m, struct perr *err)
{
	const struct account	*acct = p->s->acct;
	char			*raw;
	size_t			 len;
	bool			 known;
	int			 r;

	if (store_pop3_known(p->s->st, p->s->account_id, m->uidl, &known,
	    err) != 0)
		return -1;
	if (known) {
		/* Stored by an earlier pass: delete it if now due. */
		if (acct->pop3_keep == KEEP_NO ||
		    (acct->pop3_keep == KEEP_DAYS &&
		    strset_has(&p->older, m->uidl)) ||
		    (acct->pop3_delete_when_deleted_locally &&
		    strset_has(&p->orphans, m->uidl)))
			return dele(p, m, err);
		return 0;
	}
	if ((r = fetch(p, m, &raw, &len, err)) != 0)
		return r < 0 ? -1 : 0;
	r = store_message(p->s, p->f, m->uidl, raw, len, p->now, err);
	free(raw);
	if (r != 0)
		return -1;
	p->s->prog.done++;
	sync_report(p->s);
	if (acct->pop3_keep == KEEP_NO)
		return dele(p, m, err);
	return 0;
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

/* A message without a usable UIDL: never deleted, deduplicated. */
static int
pull_pseudo(struct pull *p, const struct pop3_msg *m, struct perr *err)
{
	struct mail_headers	 mh;
	char			*raw = NULL, *id = NULL;
	size_t			 len = 0;
	bool			 known, found = false, whole = false;
	int			 r, rc = -1;

	if (pop3_has_cap(p->be->c, "TOP")) {
		r = pop3_top(p->be->c, m->num, 0, 1 << 20, &raw, &len, err);
		if (r != 0 && pop3_err_fatal(err))
			return -1;
		if (r != 0) {
			perr_clear(err);
			raw = NULL;
		}
	}
	if (raw == NULL) {
		if ((r = fetch(p, m, &raw, &len, err)) != 0)
			return r < 0 ? -1 : 0;
		whole = true;
	}
	if ((id = pseudo_uidl(raw, header_len(raw, len), m->size)) == NULL) {
		perr_set(err, PERR_NOMEM, "SHA-256 failed");
		goto out;
	}
	if (store_pop3_known(p->s->st, p->s->account_id, id, &known,
	    err) != 0)
		goto out;
	if (known) {
		rc = 0;
		goto out;
	}
	/* Stored some other way (an import, an earlier UIDL)? */
	if (mail_headers_parse(raw, len, &mh, err) != 0)
		goto out;
	r = store_pop3_has_message(p->s->st, p->s->account_id, mh.message_id,
	    (int64_t)m->size, &found, err);
	mail_headers_free(&mh);
	if (r != 0)
		goto out;
	if (found) {
		rc = store_pop3_add(p->s->st, p->s->account_id, id, p->now,
		    err);
		goto out;
	}
	if (!whole) {
		free(raw);
		raw = NULL;
		if ((r = fetch(p, m, &raw, &len, err)) != 0) {
			rc = r < 0 ? -1 : 0;
			goto out;
		}
	}
	if (store_message(p->s, p->f, id, raw, len, p->now, err) != 0)
		goto out;
	p->s->prog.done++;
	sync_report(p->s);
	rc = 0;
out:
	free(raw);
	free(id);
	return rc;
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

static int
be_pull_folder(struct sync_session *s, const struct store_folder *f,
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
		conn_drop(s, be, false);
		if (conn_open(s, be, err) != 0)
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
		pop3_note(s, "the server does not support UIDL: posta will "
		    "never delete mail from it, and recognises messages it "
		    "already has by their headers");
	} else if (msgs.dup > 0) {
		pop3_note(s, "the server gave some messages the same UIDL: "
		    "those are recognised by their headers and never deleted "
		    "from the server");
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
		if (reconcile(&p, &msgs, err) != 0)
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
		if (msgs.v[i].uidl != NULL)
			rc = pull_uidl(&p, &msgs.v[i], err);
		else
			rc = pull_pseudo(&p, &msgs.v[i], err);
		if (rc != 0) {
			/* A refused DELE: the message stays; go on. */
			if (!pop3_fatal(err) && err->code == PERR_GENERIC) {
				skip(&p, err);
				perr_clear(err);
				rc = 0;
				continue;
			}
			goto out;
		}
	}

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
			perr_prefix(err, "%llu messages left on the server, the "
			    "first", (unsigned long long)p.nskipped);
		err->code = PERR_GENERIC;
		rc = -1;
	}
out:
	if (rc != 0 && err->code == PERR_OK)
		perr_set(err, PERR_GENERIC, "POP3 pass failed");
	pop3_msgs_free(&msgs);
	strset_free(&p.older);
	strset_free(&p.orphans);
	strset_free(&p.deleted);
	return rc;
}

/* POP3 messages carry their whole body from the start: nothing to fetch. */
static int
be_fetch_bodies(struct sync_session *s, const struct store_folder *f,
    const struct sync_body_req *req, size_t n, struct perr *err)
{
	(void)s;
	(void)f;
	(void)req;
	(void)n;
	(void)err;
	return 0;
}

const struct account_ops sync_pop3_ops = {
	.name = "pop3",
	.connect = be_connect,
	.list_folders = be_list_folders,
	.pull_folder = be_pull_folder,
	.fetch_bodies = be_fetch_bodies,
	.apply_journal = NULL,	/* no server state to replay */
	.wait_push = NULL,	/* no push: the engine polls */
	.cancel = be_cancel,
	.close = be_close,
	.fatal = pop3_fatal,
};
