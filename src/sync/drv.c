/*
 * drv.c - what every protocol driver does the same way: publishing its
 * session state and its connection under s->lock (so that the engine's
 * cancel, from another thread, never sees them half made or freed), the
 * start of a connect() that undoes itself when it fails, and the wait on
 * the caller's wake pipe between two looks at the server.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>

#include "sync/drv.h"

void
drv_set_be(struct sync_session *s, void *be)
{
	pthread_mutex_lock(&s->lock);
	s->be = be;
	pthread_mutex_unlock(&s->lock);
}

int
drv_connect(struct sync_session *s, void *be,
    int (*open)(struct sync_session *, struct perr *),
    void (*close)(struct sync_session *, bool), struct perr *err)
{
	drv_set_be(s, be);
	if (open(s, err) != 0) {
		/* The engine only closes what connected: undo it here. */
		close(s, true);
		return -1;
	}
	return 0;
}

int
drv_keep_conn(struct sync_session *s, void (*keep)(void *be, void *c),
    void *c, struct perr *err)
{
	bool	cancelled;

	pthread_mutex_lock(&s->lock);
	if (!(cancelled = s->cancelled))
		keep(s->be, c);
	pthread_mutex_unlock(&s->lock);
	if (cancelled)
		return perr_set(err, PERR_IO, "account %s: cancelled",
		    s->acct->name);
	return 0;
}

int
drv_wait_wake(int wake_fd, int timeout_ms, int *ms)
{
	struct pollfd	pfd;
	int		r;

	*ms = timeout_ms >= 0 && timeout_ms < SYNC_POLL_MS ? timeout_ms :
	    SYNC_POLL_MS;
	pfd.fd = wake_fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	do
		r = poll(&pfd, wake_fd >= 0 ? 1 : 0, *ms);
	while (r == -1 && errno == EINTR);
	return r > 0;
}
