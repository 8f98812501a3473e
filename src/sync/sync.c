/*
 * sync.c - the engine: one pass over an account through its account_ops.
 *
 * Policy lives here, mechanism in the backends: which folders (the one
 * asked for, else INBOX, the subscribed ones and the special-use ones),
 * in which order (INBOX first, as the store lists them), and which bodies
 * (per the account's offline setting, newest first, in batches bounded by
 * count and by size). Headers of every folder come before any body, so a
 * long first sync shows every folder's mail early.
 *
 * A struct sync_conn keeps one backend session open across passes for the
 * account worker: passes, single bodies on demand, and waiting for the
 * server's news on one folder (the backend's wait_push, then a pull of that
 * folder, so news always goes through the same code as a pass). Those
 * last are in sync-conn.c, the journal's replay in sync-replay.c, the
 * account's lock between processes in sync-lock.c.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "mail/mail.h"
#include "sync/sync.h"
#include "sync/drv.h"
#include "sync/sync-int.h"
#include "util/i18n.h"

/*
 * Bodies per batch, and the bytes (by RFC822.SIZE) per batch; a driver
 * that pipelines (account_ops.fetch_depth) takes several batches in one
 * call and one round trip, in one transaction: on a distant server the
 * round trips, not the bytes, are what a sync waits for
 * (tests/bench/bench_latency.sh).
 */
#define BODY_BATCH	200
#define BODY_BATCH_BYTES (4 << 20)

/* ---- bodies ---------------------------------------------------------------- */

struct wanted {
	struct store		*st;
	struct sync_body_req	*v;
	size_t			 n;
	struct perr		*err;
};

static int
want_one(void *arg, int64_t id, uint32_t uid, int64_t size)
{
	struct wanted		*w = arg;

	w->v = xreallocarray(w->v, w->n + 1, sizeof *w->v);
	w->v[w->n].id = id;
	w->v[w->n].uid = uid;
	w->v[w->n].size = size;
	w->n++;
	return 0;
}

/* Messages of f whose body the offline policy wants and we lack, newest first. */
static int
bodies_wanted(struct sync_session *s, const struct store_folder *f,
    struct wanted *w, struct perr *err)
{
	int64_t	since = 0;

	memset(w, 0, sizeof *w);
	w->st = s->st;
	w->err = err;
	if (s->acct->offline == OFFLINE_HEADERS)
		return 0;
	if (s->acct->offline == OFFLINE_DAYS)
		since = (int64_t)time(NULL) -
		    (int64_t)s->acct->offline_days * 86400;
	/*
	 * Not a message with a problem: its reply broke, and every pass
	 * would break on it again. A sync of its folder alone tries it
	 * (src/sync/drv-imap-fetch.c, fetch_retry_lost()).
	 */
	if (store_msg_bodiless(s->st, f->id, since, (int64_t)MAIL_MSG_MAX,
	    false, want_one, w, err) != 0) {
		free(w->v);
		w->v = NULL;
		w->n = 0;
		return -1;
	}
	return 0;
}

int
sync_pull_bodies(struct sync_session *s, const struct account_ops *ops,
    const struct store_folder *f, struct perr *err)
{
	struct wanted	w;
	struct perr	ignored;
	size_t		i, j, depth;
	int64_t		bytes;
	int		rc = 0;

	depth = ops->fetch_depth != NULL ? (size_t)ops->fetch_depth() : 1;
	if (bodies_wanted(s, f, &w, err) != 0)
		return -1;
	if (w.n == 0)
		return store_index_catch_up(s->st, f->id, NULL, err);
	s->prog.phase = SYNC_BODIES;
	s->prog.done = 0;
	s->prog.total = w.n;
	sync_report(s);
	for (i = 0; i < w.n; i = j) {
		bytes = 0;
		for (j = i; j < w.n && j - i < BODY_BATCH * depth &&
		    (j == i || bytes + w.v[j].size <= (int64_t)depth *
		    BODY_BATCH_BYTES); j++)
			bytes += w.v[j].size;
		if ((rc = ops->fetch_bodies(s, f, w.v + i, j - i, err)) != 0)
			break;
		s->prog.done = j;
		sync_report(s);
	}
	free(w.v);
	/*
	 * Rows whose body did not come after all (a problem, a cut
	 * connection) are found by their headers from now on.
	 */
	if (store_index_catch_up(s->st, f->id, NULL, rc == 0 ? err :
	    &ignored) != 0 && rc == 0)
		rc = -1;
	if (rc == 0) {
		s->prog.phase = SYNC_BODIES_DONE;
		sync_report(s);
	}
	return rc;
}

/* ---- one pass ---------------------------------------------------------------- */

/* Folder i of n in a pass, after what the pass stored so far (stats). */
static void
pass_place(struct sync_session *s, size_t i, size_t n,
    const struct sync_stats *stats)
{
	s->prog.folder_no = i + 1;
	s->prog.folders = n;
	s->prog.pass_added = stats->added;
}

static void
stats_add(struct sync_stats *st, const struct sync_progress *p)
{
	st->added += p->added;
	st->changed += p->changed;
	st->expunged += p->expunged;
	st->bodies += p->bodies;
	st->bytes += p->bytes;
	st->problems += p->problems;
}

struct sync_conn *
sync_conn_open(struct store *st, const struct account *acct,
    const struct sync_opts *opts, struct perr *err)
{
	static const struct sync_opts	 noopts;
	struct sync_conn		*c;

	perr_clear(err);
	c = xcalloc(1, sizeof *c);
	c->ops = acct->protocol == PROTO_POP3 ? &sync_pop3_ops :
	    &sync_imap_ops;
	c->lockfd = -1;
	c->s.st = st;
	c->s.acct = acct;
	c->s.opts = opts != NULL ? opts : &noopts;
	if (pthread_mutex_init(&c->s.lock, NULL) != 0) {
		free(c);
		perr_set(err, PERR_NOMEM, _("pthread_mutex_init failed"));
		return NULL;
	}
	if (store_account_ensure(st, acct->name, acct->protocol == PROTO_POP3 ?
	    STORE_POP3 : STORE_IMAP, &c->s.account_id, err) != 0)
		goto fail;
	sync_folder_start(&c->s, NULL, SYNC_CONNECT);
	sync_report(&c->s);
	if (c->ops->connect(&c->s, err) != 0)
		goto fail;
	return c;
fail:
	pthread_mutex_destroy(&c->s.lock);
	free(c);
	return NULL;
}

bool
sync_conn_broken(const struct sync_conn *c)
{
	return c->broken;
}

void
sync_conn_cancel(struct sync_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->s.lock);
	c->s.cancelled = true;
	if (c->s.be != NULL && c->ops->cancel != NULL)
		c->ops->cancel(&c->s);
	pthread_mutex_unlock(&c->s.lock);
}

void
sync_conn_close(struct sync_conn *c)
{
	bool	broken;

	if (c == NULL)
		return;
	sync_conn_unlock(c);
	pthread_mutex_lock(&c->s.lock);
	broken = c->broken || c->s.cancelled;
	pthread_mutex_unlock(&c->s.lock);
	c->ops->close(&c->s, broken);
	pthread_mutex_destroy(&c->s.lock);
	free(c);
}

static int	pass_locked(struct sync_conn *, struct sync_stats *,
		    struct perr *);

/*
 * Which chosen folders changed on the server (changed[i]), asked for all
 * at once; every one if the driver cannot tell. With flags, a change of
 * flags alone counts (see account_ops.check_folders).
 */
int
sync_folders_changed(struct sync_conn *c, const struct chosen *ch, bool flags,
    bool *changed, struct perr *err)
{
	struct perr	ferr;
	size_t		i;

	for (i = 0; i < ch->n; i++)
		changed[i] = true;
	if (c->ops->check_folders == NULL || ch->n == 0)
		return 0;
	perr_clear(&ferr);
	if (c->ops->check_folders(&c->s, ch->v, ch->n, flags, changed,
	    &ferr) == 0)
		return 0;
	for (i = 0; i < ch->n; i++)
		changed[i] = true;
	if (c->ops->fatal(&ferr) || c->s.cancelled) {
		*err = ferr;
		sync_conn_failed(c, err);
		return -1;
	}
	return 0;	/* refused: pull them all, as without the question */
}

int
sync_conn_pass(struct sync_conn *c, struct sync_stats *stats, struct perr *err)
{
	int	rc;

	if (stats != NULL)
		memset(stats, 0, sizeof *stats);
	perr_clear(err);
	if (c->broken)
		return perr_set(err, PERR_CONNECT, _("account %s: the "
		    "connection was lost"), c->s.acct->name);
	if (sync_conn_lock(c, err) != 0)
		return sync_conn_failed(c, err);
	rc = pass_locked(c, stats, err);
	sync_conn_unlock(c);
	return rc;
}

static int
pass_locked(struct sync_conn *c, struct sync_stats *stats, struct perr *err)
{
	const struct account_ops	*ops = c->ops;
	struct sync_session		*s = &c->s;
	const struct sync_opts		*opts = s->opts;
	struct sync_stats		 local;
	struct chosen			 ch;
	struct perr			 first, ferr, ignored;
	size_t				 i;
	bool				*changed = NULL;
	int				 rc = -1;

	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	memset(&ch, 0, sizeof ch);
	perr_clear(&first);
	perr_clear(err);
	if (c->broken)
		return perr_set(err, PERR_CONNECT, _("account %s: the "
		    "connection was lost"), s->acct->name);
	if (sync_replay_journal(c, err) != 0)
		return -1;
	/* Rows a cut pass left waiting for their bodies: their headers. */
	if (store_index_catch_up(s->st, 0, NULL, err) != 0)
		return -1;
	s->threader = sync_threader_new(s->account_id);

	sync_folder_start(s, NULL, SYNC_FOLDERS);
	sync_report(s);
	if (ops->list_folders(s, err) != 0) {
		sync_conn_failed(c, err);
		goto out;
	}

	ch.only = opts->folder;
	ch.local = s->acct->protocol == PROTO_POP3;
	ch.acct = s->acct;
	if (store_folder_walk(s->st, s->account_id, choose_one, &ch, err) < 0)
		goto out;
	if (opts->folder != NULL && ch.n == 0) {
		perr_set(err, PERR_NOTFOUND, _("account %s: no folder named "
		    "'%s' on the server (or it cannot hold messages)"),
		    s->acct->name, opts->folder);
		goto out;
	}

	/*
	 * Which folders changed, asked in one round trip; a pass over one
	 * folder named by the user pulls it whatever the answer.
	 */
	changed = xcalloc(ch.n + 1, sizeof *changed);
	if (opts->folder == NULL &&
	    sync_folders_changed(c, &ch, true, changed, err) != 0)
		goto out;
	for (i = 0; opts->folder != NULL && i < ch.n; i++)
		changed[i] = true;

	/* Headers, flags and expunges of every folder first... */
	for (i = 0; i < ch.n; i++) {
		sync_folder_start(s, &ch.v[i], SYNC_HEADERS);
		pass_place(s, i, ch.n, stats);
		sync_report(s);
		if (!changed[i]) {
			stats->folders++;
			s->prog.phase = SYNC_FOLDER_DONE;
			sync_report(s);
			continue;
		}
		if (ops->pull_folder(s, &ch.v[i], &ferr) != 0) {
			if (ops->fatal(&ferr) || s->cancelled) {
				*err = ferr;
				sync_conn_failed(c, err);
				goto out;
			}
			/* This folder only (gone meanwhile, refused): go on. */
			stats->failed_folders++;
			if (first.code == PERR_OK)
				first = ferr;
			continue;
		}
		stats->folders++;
		stats_add(stats, &s->prog);
		s->prog.phase = SYNC_FOLDER_DONE;
		sync_report(s);
	}
	/* ...then the bodies the offline policy wants, newest first. */
	for (i = 0; i < ch.n; i++) {
		sync_folder_start(s, &ch.v[i], SYNC_BODIES);
		pass_place(s, i, ch.n, stats);
		if (sync_pull_bodies(s, ops, &ch.v[i], &ferr) != 0) {
			stats_add(stats, &s->prog);
			if (ops->fatal(&ferr) || s->cancelled) {
				*err = ferr;
				sync_conn_failed(c, err);
				goto out;
			}
			stats->failed_folders++;
			if (first.code == PERR_OK)
				first = ferr;
			continue;
		}
		stats_add(stats, &s->prog);
	}
	if (first.code != PERR_OK) {
		*err = first;
		goto out;
	}
	rc = 0;
out:
	/*
	 * A pass cut short (the connection lost before some folder's
	 * bodies) leaves no message unfound by its headers.
	 */
	if (rc != 0)
		(void)store_index_catch_up(s->st, 0, NULL, &ignored);
	choose_free(&ch);
	free(changed);
	sync_threader_free(s->threader);
	s->threader = NULL;
	return rc;
}

int
sync_account(struct store *st, const struct account *acct,
    const struct sync_opts *opts, struct sync_stats *stats, struct perr *err)
{
	struct sync_conn	*c;
	int			 rc;

	if (stats != NULL)
		memset(stats, 0, sizeof *stats);
	if ((c = sync_conn_open(st, acct, opts, err)) == NULL)
		return -1;
	rc = sync_conn_pass(c, stats, err);
	if (rc != 0 && c->ops->fatal(err))
		c->broken = true;
	sync_conn_close(c);
	return rc;
}
