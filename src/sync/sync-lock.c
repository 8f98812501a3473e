/*
 * sync-lock.c - one account, one process: the flock() that keeps a cron
 * posta sync and the TUI's worker from syncing one account at once.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sync/drv.h"
#include "sync/sync-int.h"
#include "util/i18n.h"

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
int
sync_conn_lock(struct sync_conn *c, struct perr *err)
{
	struct sync_session	*s = &c->s;
	struct perr		 ignored;
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
			perr_set(err, PERR_CONNECT, _("account %s: cancelled "
			    "while waiting for another posta (pid %s) to "
			    "finish syncing it"), s->acct->name, pid);
			break;
		}
		if (waited >= LOCK_WAIT_MS) {
			perr_set(err, PERR_GENERIC, _("account %s: another "
			    "posta "
			    "(pid %s) has been syncing it for %d minutes; not "
			    "synced now"), s->acct->name, pid,
			    LOCK_WAIT_MS / 60000);
			break;
		}
		if (waited == LOCK_NOTE_MS) {
			(void)snprintf(note, sizeof note, _("account %s: "
			    "another "
			    "posta (pid %s) is syncing it; waiting until it is "
			    "done."), s->acct->name, pid);
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
	/*
	 * What is done under the lock writes batch after batch: the store's
	 * bulk settings (a larger page cache and WAL) until the unlock.
	 * Without them the sync is only slower, so a failure is no error.
	 */
	if (store_bulk_begin(s->st, &ignored) != 0)
		perr_clear(&ignored);
	return 0;
}

void
sync_conn_unlock(struct sync_conn *c)
{
	struct perr	ignored;

	if (c->lockfd == -1)
		return;
	/* Checkpointed while the lock is held: the next sync finds less WAL. */
	(void)store_bulk_end(c->s.st, &ignored);
	(void)flock(c->lockfd, LOCK_UN);
	(void)close(c->lockfd);
	c->lockfd = -1;
}
