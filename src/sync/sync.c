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
 * folder, so news always goes through the same code as a pass).
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

/*
 * Bodies per batch, and the bytes (by RFC822.SIZE) per batch; a driver
 * that pipelines (account_ops.fetch_depth) takes several batches in one
 * call and one round trip, in one transaction: on a distant server the
 * round trips, not the bytes, are what a sync waits for
 * (tests/bench/bench_latency.sh).
 */
#define BODY_BATCH	200
#define BODY_BATCH_BYTES (4 << 20)

void
sync_report(struct sync_session *s)
{
	if (s->opts != NULL && s->opts->progress != NULL)
		s->opts->progress(s->opts->arg, &s->prog);
}

char *
sync_problem_too_big(int64_t size)
{
	double	mb = (double)size / (1 << 20);

	/* A tenth where whole ones would say "64 MB, larger than 64 MB". */
	return xasprintf("this message is %.*f MB, larger than the %zu MB "
	    "posta downloads; its body was not downloaded",
	    mb < (double)(MAIL_MSG_MAX >> 20) + 0.5 ? 1 : 0, mb,
	    MAIL_MSG_MAX >> 20);
}

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

static int
pull_bodies(struct sync_session *s, const struct account_ops *ops,
    const struct store_folder *f, struct perr *err)
{
	struct wanted	w;
	size_t		i, j, depth;
	int64_t		bytes;
	int		rc = 0;

	depth = ops->fetch_depth != NULL ? (size_t)ops->fetch_depth() : 1;
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
	if (rc == 0) {
		s->prog.phase = SYNC_BODIES_DONE;
		sync_report(s);
	}
	return rc;
}

/* ---- one pass ---------------------------------------------------------------- */

struct sync_conn {
	struct sync_session		 s;
	const struct account_ops	*ops;
	bool				 broken;
	int				 lockfd;	/* -1: not held */
};

static void	conn_unlock(struct sync_conn *);

static void
folder_start(struct sync_session *s, const struct store_folder *f,
    enum sync_phase phase)
{
	memset(&s->prog, 0, sizeof s->prog);
	s->prog.account = s->acct->name;
	s->prog.folder = f != NULL ? f->name : NULL;
	s->prog.folder_id = f != NULL ? f->id : 0;
	s->prog.phase = phase;
}

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

/* Note an error of the backend; a fatal one makes the connection unusable. */
static int
conn_failed(struct sync_conn *c, struct perr *err)
{
	if (c->ops->fatal(err) || c->s.cancelled)
		c->broken = true;
	return -1;
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
		perr_set(err, PERR_NOMEM, "pthread_mutex_init failed");
		return NULL;
	}
	if (store_account_ensure(st, acct->name, acct->protocol == PROTO_POP3 ?
	    STORE_POP3 : STORE_IMAP, &c->s.account_id, err) != 0)
		goto fail;
	folder_start(&c->s, NULL, SYNC_CONNECT);
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
	conn_unlock(c);
	pthread_mutex_lock(&c->s.lock);
	broken = c->broken || c->s.cancelled;
	pthread_mutex_unlock(&c->s.lock);
	c->ops->close(&c->s, broken);
	pthread_mutex_destroy(&c->s.lock);
	free(c);
}

/* ---- the journal ------------------------------------------------------------ */

#define JOURNAL_BATCH	500	/* entries per command at most */

struct jbatch {
	struct store_journal	*v;
	size_t			 n;
};

static char *
jdup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static int
jbatch_add(void *arg, const struct store_journal *e)
{
	struct jbatch		*b = arg;
	struct store_journal	*d;

	b->v = xreallocarray(b->v, b->n + 1, sizeof *b->v);
	d = &b->v[b->n++];
	*d = *e;
	d->folder_name = jdup(e->folder_name);
	d->dest_name = jdup(e->dest_name);
	d->keywords_add = jdup(e->keywords_add);
	d->keywords_remove = jdup(e->keywords_remove);
	d->last_error = jdup(e->last_error);
	return 0;
}

static void
jbatch_free(struct jbatch *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		store_journal_free(&b->v[i]);
	free(b->v);
	memset(b, 0, sizeof *b);
}

/*
 * Replay the account's waiting journal entries in order, batch by batch,
 * before anything is pulled (doc/SYNC-RULES.md 3): a pull first would
 * write the server's old state over the user's actions. Failed entries are
 * skipped by store_journal_batch(); each batch is settled by the backend.
 */
static int
replay_journal(struct sync_conn *c, struct perr *err)
{
	struct sync_session	*s = &c->s;
	struct jbatch		 b;
	int64_t			 waiting = 0, last = 0;
	int			 r, again = 0;

	if (c->ops->apply_journal == NULL)
		return 0;
	if (store_journal_count(s->st, s->account_id, &waiting, NULL,
	    err) != 0)
		return -1;
	if (waiting == 0)
		return 0;
	folder_start(s, NULL, SYNC_JOURNAL);
	s->prog.total = (uint64_t)waiting;
	sync_report(s);
	for (;;) {
		memset(&b, 0, sizeof b);
		if (store_journal_batch(s->st, s->account_id, JOURNAL_BATCH,
		    jbatch_add, &b, err) != 0) {
			jbatch_free(&b);
			return -1;
		}
		if (b.n == 0)
			break;
		/* A backend that settles nothing must not spin us forever. */
		if (b.v[0].id == last && ++again > 2) {
			perr_set(err, PERR_GENERIC, "account %s: journal entry "
			    "%lld cannot be replayed", s->acct->name,
			    (long long)last);
			jbatch_free(&b);
			return -1;
		}
		if (b.v[0].id != last)
			again = 0;
		last = b.v[0].id;
		/* DRV_AGAIN: the loop reads the batch again. */
		r = c->ops->apply_journal(s, b.v, b.n, err);
		if (r == DRV_OK)
			s->prog.done += b.n;
		jbatch_free(&b);
		if (r == DRV_FAILED)
			return conn_failed(c, err);
		s->prog.phase = SYNC_JOURNAL;
		sync_report(s);
	}
	return 0;
}

/* ---- one account, one process ----------------------------------------------- */

#define LOCK_STEP_MS	100
#define LOCK_NOTE_MS	1000		/* then say why we wait */
#define LOCK_WAIT_MS	(10 * 60 * 1000) /* then give up this time */

/* The pid the lock's holder wrote into it, digits only ("?" if none). */
static void
lock_holder(int fd, char *buf, size_t len)
{
	ssize_t	n = pread(fd, buf, len - 1, 0);
	size_t	i;

	if (n <= 0)
		n = 0;
	buf[n] = '\0';
	for (i = 0; buf[i] >= '0' && buf[i] <= '9'; i++)
		;
	buf[i] = '\0';
	if (i == 0)
		(void)snprintf(buf, len, "?");
}

/*
 * Take the account's sync lock: flock() on STORE.sync-ID.lock next to the
 * store, so two processes (the TUI's worker, a cron posta sync) never
 * replay one journal or pull one account at once; the kernel releases it
 * when its holder dies. Waits (saying so after a second) until it is free,
 * the connection is cancelled, or LOCK_WAIT_MS pass.
 */
static int
conn_lock(struct sync_conn *c, struct perr *err)
{
	struct sync_session	*s = &c->s;
	char			*path, pid[32], note[256];
	int			 fd, waited = 0;

	perr_clear(err);
	path = xasprintf("%s.sync-%lld.lock", store_path(s->st),
	    (long long)s->account_id);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			perr_set(err, PERR_IO, "%s: %s", path,
			    strerror(errno));
			break;
		}
		lock_holder(fd, pid, sizeof pid);
		if (s->cancelled) {
			perr_set(err, PERR_CONNECT, "account %s: cancelled "
			    "while waiting for another posta (pid %s) to "
			    "finish syncing it", s->acct->name, pid);
			break;
		}
		if (waited >= LOCK_WAIT_MS) {
			perr_set(err, PERR_GENERIC, "account %s: another posta "
			    "(pid %s) has been syncing it for %d minutes; not "
			    "synced now", s->acct->name, pid,
			    LOCK_WAIT_MS / 60000);
			break;
		}
		if (waited == LOCK_NOTE_MS) {
			(void)snprintf(note, sizeof note, "account %s: another "
			    "posta (pid %s) is syncing it; waiting until it is "
			    "done.", s->acct->name, pid);
			s->prog.note = note;
			sync_report(s);
			s->prog.note = NULL;
		}
		(void)poll(NULL, 0, LOCK_STEP_MS);
		waited += LOCK_STEP_MS;
	}
	free(path);
	if (err->code != PERR_OK) {
		(void)close(fd);
		return -1;
	}
	/* Who holds it, for the others' words. */
	(void)snprintf(pid, sizeof pid, "%ld", (long)getpid());
	if (ftruncate(fd, 0) == 0 &&
	    pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid))
		pid[0] = '\0';	/* only the others' words miss it */
	c->lockfd = fd;
	return 0;
}

static void
conn_unlock(struct sync_conn *c)
{
	if (c->lockfd == -1)
		return;
	(void)flock(c->lockfd, LOCK_UN);
	(void)close(c->lockfd);
	c->lockfd = -1;
}

int
sync_conn_replay(struct sync_conn *c, struct perr *err)
{
	int	rc;

	perr_clear(err);
	if (c->broken)
		return perr_set(err, PERR_CONNECT, "account %s: the connection "
		    "was lost", c->s.acct->name);
	if (conn_lock(c, err) != 0)
		return conn_failed(c, err);
	rc = replay_journal(c, err);
	conn_unlock(c);
	return rc;
}

static int	pass_locked(struct sync_conn *, struct sync_stats *,
		    struct perr *);

/*
 * Which chosen folders changed on the server (changed[i]), asked for all
 * at once; every one if the driver cannot tell. With flags, a change of
 * flags alone counts (see account_ops.check_folders).
 */
static int
folders_changed(struct sync_conn *c, const struct chosen *ch, bool flags,
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
		conn_failed(c, err);
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
		return perr_set(err, PERR_CONNECT, "account %s: the connection "
		    "was lost", c->s.acct->name);
	if (conn_lock(c, err) != 0)
		return conn_failed(c, err);
	rc = pass_locked(c, stats, err);
	conn_unlock(c);
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
	struct perr			 first, ferr;
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
		return perr_set(err, PERR_CONNECT, "account %s: the connection "
		    "was lost", s->acct->name);
	if (replay_journal(c, err) != 0)
		return -1;
	s->threader = sync_threader_new(s->account_id);

	folder_start(s, NULL, SYNC_FOLDERS);
	sync_report(s);
	if (ops->list_folders(s, err) != 0) {
		conn_failed(c, err);
		goto out;
	}

	ch.only = opts->folder;
	ch.local = s->acct->protocol == PROTO_POP3;
	ch.acct = s->acct;
	if (store_folder_walk(s->st, s->account_id, choose_one, &ch, err) < 0)
		goto out;
	if (opts->folder != NULL && ch.n == 0) {
		perr_set(err, PERR_NOTFOUND, "account %s: no folder named "
		    "'%s' on the server (or it cannot hold messages)",
		    s->acct->name, opts->folder);
		goto out;
	}

	/*
	 * Which folders changed, asked in one round trip; a pass over one
	 * folder named by the user pulls it whatever the answer.
	 */
	changed = xcalloc(ch.n + 1, sizeof *changed);
	if (opts->folder == NULL &&
	    folders_changed(c, &ch, true, changed, err) != 0)
		goto out;
	for (i = 0; opts->folder != NULL && i < ch.n; i++)
		changed[i] = true;

	/* Headers, flags and expunges of every folder first... */
	for (i = 0; i < ch.n; i++) {
		folder_start(s, &ch.v[i], SYNC_HEADERS);
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
				conn_failed(c, err);
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
		folder_start(s, &ch.v[i], SYNC_BODIES);
		pass_place(s, i, ch.n, stats);
		if (pull_bodies(s, ops, &ch.v[i], &ferr) != 0) {
			stats_add(stats, &s->prog);
			if (ops->fatal(&ferr) || s->cancelled) {
				*err = ferr;
				conn_failed(c, err);
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

/* ---- one body, one folder ----------------------------------------------------- */

int
sync_conn_fetch_body(struct sync_conn *c, int64_t id, struct perr *err)
{
	struct sync_session	*s = &c->s;
	struct store_msg	 m;
	struct store_folder	 f;
	struct sync_body_req	 req;
	void			*raw = NULL;
	size_t			 len;
	int			 rc = -1;

	perr_clear(err);
	if (c->broken)
		return perr_set(err, PERR_CONNECT, "account %s: the connection "
		    "was lost", s->acct->name);
	if (store_msg_get(s->st, id, &m, err) != 0)
		return -1;
	memset(&f, 0, sizeof f);
	if (store_folder_get(s->st, m.folder_id, &f, err) != 0)
		goto out;
	if (f.account_id != s->account_id) {
		perr_set(err, PERR_NOTFOUND, "message %lld is not in account "
		    "%s", (long long)id, s->acct->name);
		goto out;
	}
	if (m.body_state == STORE_BODY_FULL) {
		rc = 0;
		goto out;
	}
	if (m.uid == 0 || f.remote_name == NULL) {
		perr_set(err, PERR_NOTFOUND, "message %lld is not on the "
		    "server (yet)", (long long)id);
		goto out;
	}
	/* Not whole for a reason another fetch would not cure: say it. */
	if (m.problem != NULL || m.size > (int64_t)MAIL_MSG_MAX) {
		if (m.problem == NULL)
			m.problem = sync_problem_too_big(m.size);
		perr_set(err, PERR_GENERIC, "message %lld: %s", (long long)id,
		    m.problem);
		goto out;
	}
	req.id = m.id;
	req.uid = m.uid;
	req.size = m.size;
	folder_start(s, &f, SYNC_BODIES);
	if (c->ops->fetch_bodies(s, &f, &req, 1, err) != 0) {
		conn_failed(c, err);
		goto out;
	}
	/*
	 * A message gone from the server is skipped without a word, and one
	 * whose reply broke gets a problem that says so.
	 */
	if (store_body_get(s->st, id, &raw, &len, err) != 0) {
		store_msg_free(&m);
		if (err->code != PERR_NOTFOUND ||
		    store_msg_get(s->st, id, &m, err) != 0)
			goto out;
		if (m.problem != NULL)
			perr_set(err, PERR_GENERIC, "message %lld: %s",
			    (long long)id, m.problem);
		else
			perr_set(err, PERR_NOTFOUND, "message %lld is no "
			    "longer on the server", (long long)id);
		goto out;
	}
	free(raw);
	rc = 0;
out:
	store_folder_free(&f);
	store_msg_free(&m);
	return rc;
}

/* Pull one folder as a pass would (headers, then bodies) and report it. */
static int
pull_one(struct sync_conn *c, const struct store_folder *f, struct perr *err)
{
	struct sync_session	*s = &c->s;
	struct sync_progress	 sum;
	int			 rc = -1;

	s->threader = sync_threader_new(s->account_id);
	folder_start(s, f, SYNC_HEADERS);
	sync_report(s);
	if (c->ops->pull_folder(s, f, err) != 0) {
		conn_failed(c, err);
		goto out;
	}
	sum = s->prog;
	folder_start(s, f, SYNC_BODIES);
	if (pull_bodies(s, c->ops, f, err) != 0) {
		conn_failed(c, err);
		goto out;
	}
	/* One FOLDER_DONE with everything, after the bodies are stored. */
	s->prog.added = sum.added;
	s->prog.unseen = sum.unseen;
	s->prog.changed = sum.changed;
	s->prog.expunged = sum.expunged;
	s->prog.problems = sum.problems;
	s->prog.full = sum.full;
	s->prog.phase = SYNC_FOLDER_DONE;
	sync_report(s);
	rc = 0;
out:
	sync_threader_free(s->threader);
	s->threader = NULL;
	return rc;
}

/* pull_one() under the account's sync lock. */
static int
pull_one_locked(struct sync_conn *c, const struct store_folder *f,
    struct perr *err)
{
	int	rc;

	if (conn_lock(c, err) != 0)
		return conn_failed(c, err);
	rc = pull_one(c, f, err);
	conn_unlock(c);
	return rc;
}

int
sync_conn_check(struct sync_conn *c, const char *skip, size_t *pulled,
    struct perr *err)
{
	struct sync_session	*s = &c->s;
	struct chosen		 ch;
	struct perr		 first, ferr;
	size_t			 i, n = 0;
	bool			*changed = NULL;
	int			 rc = -1;

	perr_clear(err);
	perr_clear(&first);
	if (c->broken)
		return perr_set(err, PERR_CONNECT, "account %s: the connection "
		    "was lost", s->acct->name);
	memset(&ch, 0, sizeof ch);
	ch.local = s->acct->protocol == PROTO_POP3;
	ch.acct = s->acct;
	if (store_folder_walk(s->st, s->account_id, choose_one, &ch, err) < 0)
		goto out;
	changed = xcalloc(ch.n + 1, sizeof *changed);
	if (folders_changed(c, &ch, false, changed, err) != 0)
		goto out;
	for (i = 0; i < ch.n; i++) {
		if ((skip != NULL && strcmp(ch.v[i].name, skip) == 0) ||
		    !changed[i])
			continue;
		perr_clear(&ferr);
		if (pull_one_locked(c, &ch.v[i], &ferr) == 0)
			n++;
		if (ferr.code == PERR_OK)
			continue;
		if (c->ops->fatal(&ferr) || s->cancelled) {
			*err = ferr;
			conn_failed(c, err);
			goto out;
		}
		if (first.code == PERR_OK)
			first = ferr;	/* this folder only: go on */
	}
	if (first.code != PERR_OK) {
		*err = first;
		goto out;
	}
	rc = 0;
out:
	choose_free(&ch);
	free(changed);
	if (pulled != NULL)
		*pulled = n;
	return rc;
}

int
sync_conn_watch(struct sync_conn *c, const char *folder, int wake_fd,
    int timeout_ms, struct perr *err)
{
	struct sync_session	*s = &c->s;
	struct store_folder	 f;
	struct pollfd		 pfd;
	int			 r, ms;

	perr_clear(err);
	if (c->broken)
		return perr_set(err, PERR_CONNECT, "account %s: the connection "
		    "was lost", s->acct->name);
	memset(&f, 0, sizeof f);
	if (folder == NULL || strcasecmp(folder, "INBOX") == 0)
		r = store_folder_by_special(s->st, s->account_id,
		    STORE_SPECIAL_INBOX, &f, err);
	else
		r = store_folder_by_name(s->st, s->account_id, folder, &f,
		    err);
	if (r != 0)
		return -1;
	if (f.noselect || (f.remote_name == NULL &&
	    s->acct->protocol != PROTO_POP3)) {
		store_folder_free(&f);
		return perr_set(err, PERR_NOTFOUND, "%s cannot hold messages",
		    folder != NULL ? folder : "INBOX");
	}

	if (c->ops->wait_push != NULL) {
		r = c->ops->wait_push(s, &f, wake_fd, timeout_ms, err);
		if (r < 0)
			conn_failed(c, err);
	} else {
		/* No push (POP3): look again every SYNC_POLL_MS. */
		ms = timeout_ms >= 0 && timeout_ms < SYNC_POLL_MS ?
		    timeout_ms : SYNC_POLL_MS;
		pfd.fd = wake_fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		do
			r = poll(&pfd, wake_fd >= 0 ? 1 : 0, ms);
		while (r == -1 && errno == EINTR);
		if (r > 0)
			r = SYNC_WATCH_WOKEN;
		else if (ms < SYNC_POLL_MS)
			r = SYNC_WATCH_TIMEOUT;
		else
			r = SYNC_WATCH_PULLED;
	}
	if (r == SYNC_WATCH_PULLED && pull_one_locked(c, &f, err) != 0)
		r = -1;
	if (r >= 0 && s->others_news) {
		/* NOTIFY said other folders changed: those are pulled now. */
		s->others_news = false;
		if (sync_conn_check(c, f.name, NULL, err) != 0 && c->broken)
			r = -1;
		else if (r == SYNC_WATCH_TIMEOUT)
			r = SYNC_WATCH_PULLED;
	}
	store_folder_free(&f);
	return r;
}
