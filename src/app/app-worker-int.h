/*
 * app-worker-int.h - private to the account worker (app_worker*.c), included
 * by no other file: the worker's state and the functions its files share.
 *
 *   app_worker.c         the UI's side: start, requests, events, stop
 *   app_worker_events.c  worker -> UI: the event queue, the words of each
 *                        event, the new-mail command, the outbox (wev_)
 *   app_worker_loop.c    the thread: connect, bodies, passes, checks and
 *                        the watch (IDLE, NOTIFY, INBOX's second
 *                        connection: src/sync) (wloop_)
 *   app_worker_util.c    the worker's copy of the account, its release,
 *                        time and pipes (worker_)
 *
 * Floors (a file calls only the files below it, never up): app_worker.c
 * is the top floor, then app_worker_loop.c, then app_worker_events.c;
 * app_worker_util.c is the bottom floor.
 */
#ifndef POSTA_APP_WORKER_INT_H
#define POSTA_APP_WORKER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "store/store.h"
#include "sync/sync.h"

#define RETRY_FIRST_MS	2000		/* first retry after a failure */
#define RETRY_MAX_MS	(5 * 60 * 1000)	/* back-off ceiling */
#define PASS_EVERY_MS	(10 * 60 * 1000) /* a full pass now and then */
#define STOP_GRACE_MS	800		/* app_worker_stop() waits this long */
#define EVENTS_MAX	4096		/* then the oldest progress goes */

struct app_worker {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;		/* exited changed */
	pthread_t		 thread;
	int			 refs;		/* the UI's and the thread's */
	bool			 exited;
	int			 wake[2];	/* UI -> worker */
	int			 evp[2];	/* worker -> UI */

	/* Requests, under mu. */
	bool			 stop;
	bool			 sync_now;
	bool			 replay_now;
	bool			 send_now;
	bool			 online_set, online;
	char			*password;	/* typed by the user; wiped */
	char			*watch;		/* a new folder to watch */
	int64_t			*fetch;
	size_t			 nfetch;

	/* Events, under mu: a ring. */
	struct app_event	*ev;
	size_t			 evhead, evn, evcap;

	/* The live connection, under mu, for app_worker_stop(). */
	struct sync_conn	*conn;

	/* The thread's own, set before it starts. */
	struct account		 acct;
	char			*acct_file;
	char			*store_path;
	char			*trace;
	char			*new_mail_command; /* cfg's; NULL: none */
	bool			 start_offline;
	char			*start_watch;
	/* Nothing of the account stored yet: until a pass completes. */
	bool			 first_sync;
	struct sync_opts	 so;
};

/* What the UI asked for, taken at once from under the mutex. */
struct pending {
	bool	 stop, sync_now, replay_now, send_now, online_set, online;
	char	*password;
	char	*watch;
	int64_t	*fetch;
	size_t	 nfetch;
};

/* app_worker_util.c */
/* A deep copy of an account, so the worker outlives the caller's config. */
void	worker_account_copy(struct app_worker *w, const struct account *a);
/* A copy of s (malloc'd), or NULL for NULL. */
char	*worker_dup(const char *s);
/* Free w and all it owns (app_worker_start()'s failures, the last unref). */
void	worker_free(struct app_worker *w);
void	worker_unref(struct app_worker *w);
void	worker_secret_drop(char *pw);
int64_t	worker_now_ms(void);
void	worker_poke(int fd);
void	worker_drain(int fd);
void	worker_wait_wake(struct app_worker *w, int64_t ms);

/* app_worker_events.c: each posts one event (or a few) to the UI. */
void	wev_post(struct app_worker *w, const struct app_event *ev);
void	wev_simple(struct app_worker *w, enum app_event_type type,
	    int64_t folder_id, int64_t msg_id, const char *text);
void	wev_state(struct app_worker *w, bool online, int64_t retry_ms);
void	wev_refused_state(struct app_worker *w);
void	wev_refused(struct app_worker *w, const char *why);
void	wev_offline(struct app_worker *w);
void	wev_first_done(struct app_worker *w, const struct sync_stats *st);
void	wev_journal(struct app_worker *w, struct store *st);
/* The sync's progress callback (struct sync_opts.progress); arg: w. */
void	wev_progress(void *arg, const struct sync_progress *p);
/* The outbox before a pass; what it did goes to the status line. */
void	wev_flush_outbox(struct app_worker *w, struct store *st);
/* app_worker_send_now(): the outbox now, then one APP_EV_OUTBOX_DONE. */
void	wev_send_outbox(struct app_worker *w);

/* app_worker_loop.c: the thread's body (pthread_create's start). */
void	*wloop_main(void *arg);

#endif
