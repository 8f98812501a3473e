/*
 * app_worker.c - the account worker (ARCHITECTURE 2): one thread per
 * account that owns the account's network connection and a read-write
 * store connection, so the UI thread never waits on a server.
 *
 *   UI -> worker   a few pending requests under the worker's mutex (sync
 *                  now, fetch these bodies, watch that folder, go online
 *                  or offline, replay now, send the outbox now, stop) and one byte on a wake
 *                  pipe. Requests coalesce: ten "sync now" are one pass.
 *   worker -> UI   copied struct app_event in a queue under the same mutex
 *                  and one byte on the event pipe, which the UI poll()s
 *                  with stdin. Progress events replace the one before them
 *                  while the UI has not read it, so a slow UI never makes
 *                  the queue grow without bound.
 *
 * The loop: connect (when online is wanted; on failure report offline and
 * retry after 2 s, doubling up to 5 minutes, or at once on "sync now"; a
 * refused login only on "sync now" or going online again),
 * serve body requests first (a person is waiting for them), then a pass
 * (the outbox, journal replay, folders, headers, bodies) when one is due,
 * then wait for news on the watched folder (IDLE) until a request wakes it
 * or the next periodic pass is due. A POP3 account gets one session per
 * pass instead (a POP3 session sees a snapshot and locks the maildrop).
 *
 * Stopping: app_worker_stop() cancels the connection's I/O from the UI
 * thread (sync_conn_cancel(), under the mutex, so the worker cannot free
 * the connection meanwhile) and waits a short while. Only a connect in
 * progress cannot be interrupted (net_connect and the TLS handshake are
 * bounded by the I/O timeout): then the thread is detached and frees the
 * worker itself when it gets out. That is why the worker owns copies of
 * everything it uses (account, store path) and borrows nothing from the
 * caller's config.
 *
 * This file is the UI's side and the worker's lifetime, the top floor; the
 * thread is in app_worker_loop.c, the events it posts in
 * app_worker_events.c, the copies, time and pipes in app_worker_util.c
 * (app-worker-int.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/app-worker-int.h"
#include "util/i18n.h"

/* ---- the UI's side ------------------------------------------------------------------ */

static int
pipe_nb(int fds[2], struct perr *err)
{
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
		return perr_set(err, PERR_IO, _("pipe: %s"), strerror(errno));
	return 0;
}

struct app_worker *
app_worker_start(const struct config *cfg, const struct account *acct,
    const struct app_worker_opts *opts, struct perr *err)
{
	struct app_worker	*w;
	int			 r;

	perr_clear(err);
	w = xcalloc(1, sizeof *w);
	w->wake[0] = w->wake[1] = w->evp[0] = w->evp[1] = -1;
	if (pthread_mutex_init(&w->mu, NULL) != 0) {
		free(w);
		perr_set(err, PERR_NOMEM, _("pthread_mutex_init failed"));
		return NULL;
	}
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		free(w);
		perr_set(err, PERR_NOMEM, _("pthread_cond_init failed"));
		return NULL;
	}
	worker_account_copy(w, acct);
	w->store_path = xstrdup(cfg->store);
	w->new_mail_command = worker_dup(cfg->new_mail_command);
	if (opts != NULL) {
		w->trace = worker_dup(opts->trace);
		w->start_offline = opts->offline;
		w->start_watch = worker_dup(opts->watch);
	}
	w->so.trace = w->trace;
	w->so.progress = wev_progress;
	w->so.arg = w;
	if (pipe_nb(w->wake, err) != 0 || pipe_nb(w->evp, err) != 0) {
		worker_free(w);
		return NULL;
	}
	w->refs = 2;
	if ((r = pthread_create(&w->thread, NULL, wloop_main, w)) != 0) {
		perr_set(err, PERR_NOMEM, _("pthread_create: %s"), strerror(r));
		worker_free(w);
		return NULL;
	}
	return w;
}

int
app_worker_fd(const struct app_worker *w)
{
	return w->evp[0];
}

bool
app_worker_event(struct app_worker *w, struct app_event *ev)
{
	bool	got = false;

	/* Drain first: a byte written after this belongs to a later event. */
	worker_drain(w->evp[0]);
	pthread_mutex_lock(&w->mu);
	if (w->evn > 0) {
		*ev = w->ev[w->evhead];
		w->evhead = (w->evhead + 1) % w->evcap;
		w->evn--;
		got = true;
	}
	pthread_mutex_unlock(&w->mu);
	return got;
}

void
app_worker_sync_now(struct app_worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->sync_now = true;
	pthread_mutex_unlock(&w->mu);
	worker_poke(w->wake[1]);
}

void
app_worker_replay_now(struct app_worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->replay_now = true;
	pthread_mutex_unlock(&w->mu);
	worker_poke(w->wake[1]);
}

void
app_worker_send_now(struct app_worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->send_now = true;
	pthread_mutex_unlock(&w->mu);
	worker_poke(w->wake[1]);
}

void
app_worker_fetch_body(struct app_worker *w, int64_t id)
{
	size_t	i;

	pthread_mutex_lock(&w->mu);
	for (i = 0; i < w->nfetch && w->fetch[i] != id; i++)
		;
	if (i == w->nfetch) {
		w->fetch = xreallocarray(w->fetch, w->nfetch + 1,
		    sizeof *w->fetch);
		w->fetch[w->nfetch++] = id;
	}
	pthread_mutex_unlock(&w->mu);
	worker_poke(w->wake[1]);
}

void
app_worker_watch(struct app_worker *w, const char *folder)
{
	char	*f = xstrdup(folder != NULL ? folder : "INBOX");

	pthread_mutex_lock(&w->mu);
	free(w->watch);
	w->watch = f;
	pthread_mutex_unlock(&w->mu);
	worker_poke(w->wake[1]);
}

void
app_worker_set_password(struct app_worker *w, const char *password)
{
	char	*pw = xstrdup(password);

	pthread_mutex_lock(&w->mu);
	worker_secret_drop(w->password);
	w->password = pw;
	pthread_mutex_unlock(&w->mu);
	worker_poke(w->wake[1]);
}

void
app_worker_set_online(struct app_worker *w, bool online)
{
	pthread_mutex_lock(&w->mu);
	w->online_set = true;
	w->online = online;
	/* Going offline must not wait for an IDLE or a slow command. */
	if (!online && w->conn != NULL)
		sync_conn_cancel(w->conn);
	pthread_mutex_unlock(&w->mu);
	worker_poke(w->wake[1]);
}

void
app_worker_stop(struct app_worker *w)
{
	struct timespec	deadline;
	bool		exited;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	if (w->conn != NULL)
		sync_conn_cancel(w->conn);
	pthread_mutex_unlock(&w->mu);
	worker_poke(w->wake[1]);

	(void)clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_nsec += (long)(STOP_GRACE_MS % 1000) * 1000000L;
	deadline.tv_sec += STOP_GRACE_MS / 1000 + deadline.tv_nsec / 1000000000L;
	deadline.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&w->mu);
	while (!w->exited &&
	    pthread_cond_timedwait(&w->cv, &w->mu, &deadline) == 0)
		;
	exited = w->exited;
	pthread_mutex_unlock(&w->mu);
	if (exited) {
		(void)pthread_join(w->thread, NULL);
		worker_unref(w);
		return;
	}
	/*
	 * Stuck in a connect that cannot be interrupted: let it finish on
	 * its own (bounded by the I/O timeout) and free the worker then.
	 */
	(void)pthread_detach(w->thread);
	worker_unref(w);
}

/* ---- one body, synchronously ----------------------------------------------------------- */

int
app_fetch_body(const struct config *cfg, const struct account *acct,
    int64_t id, struct perr *err)
{
	struct store		*st;
	struct sync_conn	*c;
	int			 rc;

	if ((st = store_open(cfg->store, STORE_RDWR, err)) == NULL)
		return -1;
	if ((c = sync_conn_open(st, acct, NULL, err)) == NULL) {
		store_close(st);
		return -1;
	}
	rc = sync_conn_fetch_body(c, id, err);
	sync_conn_close(c);
	store_close(st);
	return rc;
}
