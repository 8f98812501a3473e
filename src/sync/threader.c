/*
 * threader.c - a thread for each message as it is stored.
 *
 * Cheap by construction: a message's references are looked up in the
 * store's Message-ID index (a handful of indexed lookups), the subject
 * fallback is one lookup of the subject's sort key (an index range per
 * folder, which also finds rows the search index does not hold yet) per
 * distinct base subject and pass (the threader remembers what it learnt:
 * without that, a first sync of a folder full of "Re: weekly report" is
 * quadratic), and nothing is ever re-threaded wholesale. What the index
 * cannot answer - a parent stored after its reply, which names the parent
 * but is not named by it - is answered by the threader's memory of
 * dangling references, kept for one pass (bounded).
 *
 * A thread's id is the row id of the message that started it; threads are
 * merged (the later ones join the earliest) when one message names
 * messages of several threads.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"
#include "sync/sync.h"

#define DANGLING_MAX	(1u << 17)	/* remembered references per pass */
#define SUBJECTS_MAX	(1u << 15)	/* remembered base subjects per pass */
#define SUBJECT_SEEN	8		/* (date, thread) kept per subject */
#define SUBJECT_QUERY	50		/* candidates asked of the store */

struct dangling {
	char	*msgid;
	int64_t	 thread_id;
};

/* What one pass knows of the threads a base subject has. */
struct subject {
	char	*base;
	int64_t	 when[SUBJECT_SEEN];
	int64_t	 tid[SUBJECT_SEEN];
	size_t	 n;		/* entries used, a ring once full */
	size_t	 next;		/* where the next one goes */
};

struct sync_threader {
	int64_t		 account_id;
	/* Open addressing, linear probing; cap is a power of two. */
	struct dangling	*v;
	size_t		 n, cap;
	struct subject	*sv;	/* the same scheme, keyed by base subject */
	size_t		 sn, scap;
};

struct sync_threader *
sync_threader_new(int64_t account_id)
{
	struct sync_threader	*t;

	t = xcalloc(1, sizeof *t);
	t->account_id = account_id;
	return t;
}

void
sync_threader_free(struct sync_threader *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->cap; i++)
		free(t->v[i].msgid);
	free(t->v);
	for (i = 0; i < t->scap; i++)
		free(t->sv[i].base);
	free(t->sv);
	free(t);
}

static uint64_t
hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct dangling *
slot(struct sync_threader *t, const char *msgid)
{
	size_t	i;

	if (t->cap == 0)
		return NULL;
	for (i = hash(msgid) & (t->cap - 1); t->v[i].msgid != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (strcmp(t->v[i].msgid, msgid) == 0)
			return &t->v[i];
	return &t->v[i];
}

static void
remember(struct sync_threader *t, const char *msgid, int64_t thread_id)
{
	struct dangling	*d, *old;
	size_t		 i, oldcap;

	if (t->n >= DANGLING_MAX)
		return;
	if ((t->n + 1) * 2 > t->cap) {
		old = t->v;
		oldcap = t->cap;
		t->cap = t->cap ? t->cap * 2 : 256;
		t->v = xcalloc(t->cap, sizeof *t->v);
		for (i = 0; i < oldcap; i++)
			if (old[i].msgid != NULL)
				*slot(t, old[i].msgid) = old[i];
		free(old);
	}
	d = slot(t, msgid);
	if (d->msgid == NULL) {
		d->msgid = xstrdup(msgid);
		t->n++;
	}
	d->thread_id = thread_id;
}

/* ---- remembered subjects ------------------------------------------------ */

static struct subject *
subject_slot(struct sync_threader *t, const char *base)
{
	size_t	i;

	for (i = hash(base) & (t->scap - 1); t->sv[i].base != NULL;
	    i = (i + 1) & (t->scap - 1))
		if (strcmp(t->sv[i].base, base) == 0)
			return &t->sv[i];
	return &t->sv[i];
}

/*
 * The pass's entry for base, or NULL when it has none. With create, a new
 * empty entry is made (*fresh set), unless the table is full.
 */
static struct subject *
subject_find(struct sync_threader *t, const char *base, bool create,
    bool *fresh)
{
	struct subject	*e, *old;
	size_t		 i, oldcap;

	*fresh = false;
	if (t->scap != 0 && (e = subject_slot(t, base))->base != NULL)
		return e;
	if (!create || t->sn >= SUBJECTS_MAX)
		return NULL;
	if ((t->sn + 1) * 2 > t->scap) {
		old = t->sv;
		oldcap = t->scap;
		t->scap = t->scap ? t->scap * 2 : 256;
		t->sv = xcalloc(t->scap, sizeof *t->sv);
		for (i = 0; i < oldcap; i++)
			if (old[i].base != NULL)
				*subject_slot(t, old[i].base) = old[i];
		free(old);
	}
	e = subject_slot(t, base);
	e->base = xstrdup(base);
	t->sn++;
	*fresh = true;
	return e;
}

static void
subject_add(struct subject *e, int64_t when, int64_t tid)
{
	e->when[e->next] = when;
	e->tid[e->next] = tid;
	e->next = (e->next + 1) % SUBJECT_SEEN;
	if (e->n < SUBJECT_SEEN)
		e->n++;
}

/* A thread of e within the window around when, or 0. */
static int64_t
subject_match(const struct subject *e, int64_t when)
{
	size_t	i;
	int64_t	d;

	for (i = 0; i < e->n; i++) {
		d = e->when[i] > when ? e->when[i] - when : when - e->when[i];
		if (d <= SYNC_THREAD_WINDOW)
			return e->tid[i];
	}
	return 0;
}

/* ---- looking messages up ----------------------------------------------- */

struct find {
	int64_t	self;
	int64_t	thread_id;	/* of the first match with a thread */
};

static int
find_one(void *arg, const struct store_msg *m)
{
	struct find	*f = arg;

	if (m->id == f->self || m->thread_id == 0)
		return 0;
	f->thread_id = m->thread_id;
	return 1;
}

/* The thread of a stored message with this Message-ID, or 0. */
static int
thread_of(struct store *st, const char *msgid, int64_t self, int64_t *tid,
    struct perr *err)
{
	struct find	f = { self, 0 };

	*tid = 0;
	if (msgid == NULL || *msgid == '\0')
		return 0;
	if (store_msg_by_message_id(st, msgid, 0, find_one, &f, err) < 0)
		return -1;
	*tid = f.thread_id;
	return 0;
}

/* Move every message of thread `from` into thread `to`. */
struct merge {
	struct store	*st;
	int64_t		*ids;
	size_t		 n;
};

static int
merge_collect(void *arg, const struct store_msg *m)
{
	struct merge	*mg = arg;

	mg->ids = xreallocarray(mg->ids, mg->n + 1, sizeof *mg->ids);
	mg->ids[mg->n++] = m->id;
	return 0;
}

static int
merge(struct store *st, int64_t from, int64_t to, struct perr *err)
{
	struct merge	mg = { st, NULL, 0 };
	size_t		i;
	int		rc = 0;

	/* Collect first: rewriting rows under a running walk is undefined. */
	if (store_msg_thread(st, from, merge_collect, &mg, err) < 0)
		rc = -1;
	for (i = 0; rc == 0 && i < mg.n; i++)
		if (store_msg_set_thread(st, mg.ids[i], to, err) != 0)
			rc = -1;
	free(mg.ids);
	return rc;
}

/* ---- by subject -------------------------------------------------------- */

struct by_subject {
	const char	*base;
	int64_t		 self;
	int64_t		 when;
	int64_t		 thread_id;
	struct subject	*learn;		/* remember every match here */
};

static int
subject_one(void *arg, const struct store_msg *m)
{
	struct by_subject	*bs = arg;
	char			*base;
	int64_t			 when, d;
	int			 same;

	if (m->id == bs->self || m->thread_id == 0)
		return 0;
	when = m->date != 0 ? m->date : m->internal_date;
	d = when > bs->when ? when - bs->when : bs->when - when;
	if (d > SYNC_THREAD_WINDOW && bs->learn == NULL)
		return 0;
	base = mail_thread_subject_base(m->subject);
	same = strcmp(base, bs->base) == 0;
	free(base);
	if (!same)
		return 0;
	if (bs->learn != NULL)
		subject_add(bs->learn, when, m->thread_id);
	if (d > SYNC_THREAD_WINDOW || bs->thread_id != 0)
		return 0;
	bs->thread_id = m->thread_id;
	return bs->learn != NULL ? 0 : 1;
}

/*
 * Has base a word character? A subject of punctuation alone threads
 * nothing (as when the candidates came from an FTS5 phrase of its words).
 */
static bool
has_word(const char *base)
{
	const char	*p;

	for (p = base; *p != '\0'; p++)
		if (isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80)
			return true;
	return false;
}

static int
thread_by_subject(struct store *st, struct sync_threader *t,
    const struct store_msg *m, int64_t self, int64_t *tid, struct perr *err)
{
	struct by_subject	 bs;
	struct subject		*e;
	bool			 fresh;
	int			 rc;

	*tid = 0;
	if (m->subject == NULL)
		return 0;
	bs.base = mail_thread_subject_base(m->subject);
	bs.self = self;
	bs.when = m->date != 0 ? m->date : m->internal_date;
	bs.thread_id = 0;
	bs.learn = NULL;
	if (*bs.base == '\0' || !has_word(bs.base)) {
		free((char *)bs.base);
		return 0;
	}
	/*
	 * The store is asked once per base subject and pass; what it said,
	 * and every message threaded since, answers the next ones.
	 */
	e = subject_find(t, bs.base, true, &fresh);
	if (e != NULL && !fresh) {
		*tid = subject_match(e, bs.when);
		free((char *)bs.base);
		return 0;
	}
	bs.learn = e;
	/* Newest first: 50 candidates is plenty for one base subject. */
	rc = store_msg_by_subject(st, t->account_id, m->subject,
	    SUBJECT_QUERY, subject_one, &bs, err);
	free((char *)bs.base);
	if (rc < 0)
		return -1;
	*tid = bs.thread_id;
	return 0;
}

/* The pass will thread later messages with m's base subject into tid. */
static void
remember_subject(struct sync_threader *t, const struct store_msg *m,
    int64_t tid)
{
	struct subject	*e;
	char		*base;
	bool		 fresh;

	if (m->subject == NULL)
		return;
	base = mail_thread_subject_base(m->subject);
	/*
	 * Only subjects the store was already asked about: a fresh entry
	 * would hide the store's older threads from the next message.
	 */
	if (*base != '\0' && (e = subject_find(t, base, false, &fresh)) != NULL)
		subject_add(e, m->date != 0 ? m->date : m->internal_date, tid);
	free(base);
}

/* ---- assigning --------------------------------------------------------- */

/* The ids of refs (space-separated), nearest parent (last) first. */
static size_t
split_refs(char *refs, char **v, size_t max)
{
	char	*tok, *save = NULL;
	size_t	 n = 0, i;

	for (tok = strtok_r(refs, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (n == max) {		/* keep the last (nearest) max */
			memmove(v, v + 1, (max - 1) * sizeof *v);
			n--;
		}
		v[n++] = tok;
	}
	for (i = 0; i < n / 2; i++) {
		char *x = v[i];

		v[i] = v[n - 1 - i];
		v[n - 1 - i] = x;
	}
	return n;
}

int
sync_thread_assign(struct store *st, struct sync_threader *t, int64_t id,
    const struct store_msg *m, int64_t *thread_id, struct perr *err)
{
	struct dangling	*d;
	char		*refs = NULL, *v[32];
	int64_t		 tid = 0, other, found[33];
	bool		 missing[32];
	size_t		 n = 0, nfound = 0, i, j;
	int		 rc = -1;

	/* The same message stored elsewhere (another folder, a copy). */
	if (thread_of(st, m->message_id, id, &tid, err) != 0)
		return -1;
	/* Parents: In-Reply-To, then References from the nearest. */
	if (m->refs != NULL || m->in_reply_to != NULL) {
		refs = xasprintf("%s %s", m->in_reply_to != NULL ?
		    m->in_reply_to : "", m->refs != NULL ? m->refs : "");
		n = split_refs(refs, v, sizeof v / sizeof v[0]);
	}
	for (i = 0; i < n; i++) {
		if (thread_of(st, v[i], id, &other, err) != 0)
			goto out;
		if ((missing[i] = other == 0))
			continue;
		if (tid == 0)
			tid = other;
		for (j = 0; j < nfound && found[j] != other; j++)
			;
		if (j == nfound && other != tid)
			found[nfound++] = other;
	}
	/* A reply stored earlier in this pass named us. */
	if (tid == 0 && m->message_id != NULL && *m->message_id != '\0' &&
	    (d = slot(t, m->message_id)) != NULL && d->msgid != NULL)
		tid = d->thread_id;
	if (tid == 0 && thread_by_subject(st, t, m, id, &tid, err) != 0)
		goto out;
	if (tid == 0)
		tid = id;
	/* Threads this message ties together become one. */
	for (j = 0; j < nfound; j++)
		if (merge(st, found[j], tid, err) != 0)
			goto out;
	if (store_msg_set_thread(st, id, tid, err) != 0)
		goto out;
	remember_subject(t, m, tid);
	/* Parents not stored yet will join us when they come. */
	for (i = 0; i < n; i++)
		if (missing[i])
			remember(t, v[i], tid);
	if (thread_id != NULL)
		*thread_id = tid;
	rc = 0;
out:
	free(refs);
	return rc;
}
