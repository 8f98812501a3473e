/*
 * sync.c - the engine: one pass over an account through its account_ops.
 *
 * Policy lives here, mechanism in the backends: which folders (the one
 * asked for, else INBOX, the subscribed ones and the special-use ones),
 * in which order (INBOX first, as the store lists them), and which bodies
 * (per the account's offline setting, newest first, in batches bounded by
 * count and by size). Headers of every folder come before any body, so a
 * long first sync shows every folder's mail early.
 */
#define POSTA_SYNC_INTERNAL
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/net.h"
#include "sync/sync.h"

/* Bodies per round trip, and the bytes (by RFC822.SIZE) per round trip. */
#define BODY_BATCH	50
#define BODY_BATCH_BYTES (4 << 20)
#define PAGE		500

void
sync_report(struct sync_session *s)
{
	if (s->opts != NULL && s->opts->progress != NULL)
		s->opts->progress(s->opts->arg, &s->prog);
}

/* ---- choosing folders ------------------------------------------------------ */

struct chosen {
	struct store_folder	*v;
	size_t			 n;
	const char		*only;	/* opts->folder */
	bool			 local;	/* POP3: the local Inbox is pulled */
};

static void
folder_copy(struct store_folder *dst, const struct store_folder *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->remote_name = src->remote_name != NULL ?
	    xstrdup(src->remote_name) : NULL;
}

static int
choose(void *arg, const struct store_folder *f)
{
	struct chosen	*c = arg;

	if (c->local) {
		/* POP3: one maildrop, pulled into the local Inbox. */
		if (f->remote_name != NULL ||
		    f->special_use != STORE_SPECIAL_INBOX)
			return 0;
	} else if (f->remote_name == NULL || f->noselect)
		return 0;
	if (c->only != NULL) {
		if (strcmp(f->name, c->only) != 0 &&
		    !(strcasecmp(c->only, "INBOX") == 0 &&
		    strcasecmp(f->name, "INBOX") == 0))
			return 0;
	} else if (!f->subscribed && f->special_use == STORE_SPECIAL_NONE &&
	    strcasecmp(f->remote_name, "INBOX") != 0)
		return 0;
	c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
	folder_copy(&c->v[c->n++], f);
	return 0;
}

static void
chosen_free(struct chosen *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		store_folder_free(&c->v[i]);
	free(c->v);
}

/* ---- bodies ---------------------------------------------------------------- */

struct wanted {
	struct sync_body_req	*v;
	size_t			 n;
	int64_t			 cutoff;	/* days:N: older is not wanted */
	bool			 past;		/* the walk passed the cutoff */
	struct store_page_key	 last;
	int			 rows;
};

static int
want_one(void *arg, const struct store_msg *m)
{
	struct wanted	*w = arg;
	int64_t		 when = m->date != 0 ? m->date : m->internal_date;

	w->last.date = m->date;
	w->last.id = m->id;
	w->rows++;
	if (w->cutoff != 0 && when < w->cutoff) {
		/* Pages are newest first: nothing further is wanted. */
		w->past = true;
		return 1;
	}
	if (m->body_state == STORE_BODY_FULL || m->uid == 0 ||
	    m->size > (int64_t)IMAP_BODY_MAX)
		return 0;
	w->v = xreallocarray(w->v, w->n + 1, sizeof *w->v);
	w->v[w->n].id = m->id;
	w->v[w->n].uid = m->uid;
	w->v[w->n].size = m->size;
	w->n++;
	return 0;
}

/* Messages of f whose body the offline policy wants and we lack, newest first. */
static int
bodies_wanted(struct sync_session *s, const struct store_folder *f,
    struct wanted *w, struct perr *err)
{
	int	rc;

	memset(w, 0, sizeof *w);
	if (s->acct->offline == OFFLINE_HEADERS)
		return 0;
	if (s->acct->offline == OFFLINE_DAYS)
		w->cutoff = (int64_t)time(NULL) -
		    (int64_t)s->acct->offline_days * 86400;
	for (;;) {
		int before = w->rows;

		rc = store_msg_page(s->st, f->id, w->rows > 0 ? &w->last : NULL,
		    PAGE, want_one, w, err);
		if (rc < 0)
			return -1;
		if (w->past || w->rows - before < PAGE)
			break;
	}
	return 0;
}

static int
pull_bodies(struct sync_session *s, const struct account_ops *ops,
    const struct store_folder *f, struct perr *err)
{
	struct wanted	w;
	size_t		i, j;
	int64_t		bytes;
	int		rc = 0;

	if (bodies_wanted(s, f, &w, err) != 0)
		return -1;
	if (w.n == 0)
		return 0;
	s->prog.phase = SYNC_BODIES;
	s->prog.done = 0;
	s->prog.total = w.n;
	sync_report(s);
	for (i = 0; i < w.n; i = j) {
		bytes = 0;
		for (j = i; j < w.n && j - i < BODY_BATCH &&
		    (j == i || bytes + w.v[j].size <= BODY_BATCH_BYTES); j++)
			bytes += w.v[j].size;
		if ((rc = ops->fetch_bodies(s, f, w.v + i, j - i, err)) != 0)
			break;
		s->prog.done = j;
		sync_report(s);
	}
	free(w.v);
	if (rc == 0) {
		s->prog.phase = SYNC_BODIES_DONE;
		sync_report(s);
	}
	return rc;
}

/* ---- one pass ---------------------------------------------------------------- */

static void
folder_start(struct sync_session *s, const struct store_folder *f,
    enum sync_phase phase)
{
	memset(&s->prog, 0, sizeof s->prog);
	s->prog.account = s->acct->name;
	s->prog.folder = f != NULL ? f->name : NULL;
	s->prog.phase = phase;
}

static void
stats_add(struct sync_stats *st, const struct sync_progress *p)
{
	st->added += p->added;
	st->changed += p->changed;
	st->expunged += p->expunged;
	st->bodies += p->bodies;
	st->bytes += p->bytes;
}

int
sync_account(struct store *st, const struct account *acct,
    const struct sync_opts *opts, struct sync_stats *stats, struct perr *err)
{
	static const struct sync_opts	 noopts;
	const struct account_ops	*ops;
	struct sync_session		 s;
	struct sync_stats		 local;
	struct chosen			 ch;
	struct perr			 first, ferr;
	size_t				 i;
	bool				 broken = false;
	int				 rc = -1;

	if (opts == NULL)
		opts = &noopts;
	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	perr_clear(&first);
	perr_clear(err);
	ops = acct->protocol == PROTO_POP3 ? &sync_pop3_ops : &sync_imap_ops;

	memset(&s, 0, sizeof s);
	memset(&ch, 0, sizeof ch);
	s.st = st;
	s.acct = acct;
	s.opts = opts;
	if (store_account_ensure(st, acct->name, acct->protocol == PROTO_POP3 ?
	    STORE_POP3 : STORE_IMAP, &s.account_id,
	    err) != 0)
		return -1;
	s.threader = sync_threader_new(s.account_id);

	folder_start(&s, NULL, SYNC_CONNECT);
	sync_report(&s);
	if (ops->connect(&s, err) != 0)
		goto out_nobe;
	folder_start(&s, NULL, SYNC_FOLDERS);
	sync_report(&s);
	if (ops->list_folders(&s, err) != 0) {
		broken = ops->fatal(err);
		goto out;
	}

	ch.only = opts->folder;
	ch.local = acct->protocol == PROTO_POP3;
	if (store_folder_list(st, s.account_id, choose, &ch, err) < 0)
		goto out;
	if (opts->folder != NULL && ch.n == 0) {
		perr_set(err, PERR_NOTFOUND, "account %s: no folder named "
		    "'%s' on the server (or it cannot hold messages)",
		    acct->name, opts->folder);
		goto out;
	}

	/* Headers, flags and expunges of every folder first... */
	for (i = 0; i < ch.n; i++) {
		folder_start(&s, &ch.v[i], SYNC_HEADERS);
		sync_report(&s);
		if (ops->pull_folder(&s, &ch.v[i], &ferr) != 0) {
			if (ops->fatal(&ferr)) {
				*err = ferr;
				broken = true;
				goto out;
			}
			/* This folder only (gone meanwhile, refused): go on. */
			stats->failed_folders++;
			if (first.code == PERR_OK)
				first = ferr;
			continue;
		}
		stats->folders++;
		stats_add(stats, &s.prog);
		s.prog.phase = SYNC_FOLDER_DONE;
		sync_report(&s);
	}
	/* ...then the bodies the offline policy wants, newest first. */
	for (i = 0; i < ch.n; i++) {
		folder_start(&s, &ch.v[i], SYNC_BODIES);
		if (pull_bodies(&s, ops, &ch.v[i], &ferr) != 0) {
			stats_add(stats, &s.prog);
			if (ops->fatal(&ferr)) {
				*err = ferr;
				broken = true;
				goto out;
			}
			stats->failed_folders++;
			if (first.code == PERR_OK)
				first = ferr;
			continue;
		}
		stats_add(stats, &s.prog);
	}
	if (first.code != PERR_OK) {
		*err = first;
		goto out;
	}
	rc = 0;
out:
	ops->close(&s, broken || (rc != 0 && ops->fatal(err)));
out_nobe:
	chosen_free(&ch);
	sync_threader_free(s.threader);
	return rc;
}
