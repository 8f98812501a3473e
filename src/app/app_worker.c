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
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* ---- copies ---------------------------------------------------------------- */

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Wipe and free a password (NULL is fine). */
static void
secret_drop(char *pw)
{
	if (pw == NULL)
		return;
	explicit_bzero(pw, strlen(pw));
	free(pw);
}

static void
endpoint_copy(struct endpoint *d, const struct endpoint *s)
{
	*d = *s;
	d->host = dup_or_null(s->host);
	d->user = dup_or_null(s->user);
	d->password = dup_or_null(s->password);
	d->password_command = dup_or_null(s->password_command);
	d->oauth2_token_command = dup_or_null(s->oauth2_token_command);
}

static void
endpoint_free(struct endpoint *e)
{
	free(e->host);
	free(e->user);
	secret_drop(e->password);
	free(e->password_command);
	free(e->oauth2_token_command);
}

/* A deep copy of an account, so the worker outlives the caller's config. */
static void
account_copy(struct app_worker *w, const struct account *a)
{
	struct account	*d = &w->acct;

	*d = *a;
	d->name = xstrdup(a->name);
	w->acct_file = dup_or_null(a->file);
	d->file = w->acct_file;
	d->email = dup_or_null(a->email);
	d->real_name = dup_or_null(a->real_name);
	endpoint_copy(&d->in, &a->in);
	endpoint_copy(&d->smtp, &a->smtp);
	d->ca_file = dup_or_null(a->ca_file);
	d->cert_fingerprint = dup_or_null(a->cert_fingerprint);
	d->signature = dup_or_null(a->signature);
	/* The worker refreshes OAuth2 access tokens with these. */
	config_oauth2_conf_copy(&d->oauth2, &a->oauth2);
}

static void
account_release(struct app_worker *w)
{
	struct account	*d = &w->acct;

	free(d->name);
	free(w->acct_file);
	free(d->email);
	free(d->real_name);
	endpoint_free(&d->in);
	endpoint_free(&d->smtp);
	free(d->ca_file);
	free(d->cert_fingerprint);
	free(d->signature);
	config_oauth2_conf_free(&d->oauth2);
}

static void
worker_free(struct app_worker *w)
{
	account_release(w);
	free(w->store_path);
	free(w->trace);
	free(w->new_mail_command);
	free(w->start_watch);
	secret_drop(w->password);
	free(w->watch);
	free(w->fetch);
	free(w->ev);
	if (w->wake[0] != -1)
		close(w->wake[0]);
	if (w->wake[1] != -1)
		close(w->wake[1]);
	if (w->evp[0] != -1)
		close(w->evp[0]);
	if (w->evp[1] != -1)
		close(w->evp[1]);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* Drop one reference (mu not held); the last one frees the worker. */
static void
worker_unref(struct app_worker *w)
{
	int	left;

	pthread_mutex_lock(&w->mu);
	left = --w->refs;
	pthread_mutex_unlock(&w->mu);
	if (left == 0)
		worker_free(w);
}

/* ---- time and pipes ----------------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
poke(int fd)
{
	ssize_t	n;

	/* A full pipe already says "look": EAGAIN is fine. */
	do
		n = write(fd, "x", 1);
	while (n == -1 && errno == EINTR);
}

static void
drain(int fd)
{
	char	buf[64];

	while (read(fd, buf, sizeof buf) > 0)
		;
}

/* Wait up to ms (-1: forever) for the wake pipe. */
static void
wait_wake(struct app_worker *w, int64_t ms)
{
	struct pollfd	pfd;
	int		r;

	if (ms > INT32_MAX)
		ms = INT32_MAX;
	pfd.fd = w->wake[0];
	pfd.events = POLLIN;
	pfd.revents = 0;
	do
		r = poll(&pfd, 1, (int)ms);
	while (r == -1 && errno == EINTR);
}

/* ---- events -------------------------------------------------------------------- */

/* Copy src into dst[n], cut (error texts fit; a folder name may not). */
static void
copy_text(char *dst, size_t n, const char *src)
{
	size_t	len = strlen(src);

	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void
post(struct app_worker *w, const struct app_event *ev)
{
	struct app_event	*last, *nv;
	size_t			 i;

	pthread_mutex_lock(&w->mu);
	if (w->refs < 2) {
		/* Stopped: nobody reads any more. */
		pthread_mutex_unlock(&w->mu);
		return;
	}
	last = w->evn > 0 ? &w->ev[(w->evhead + w->evn - 1) % w->evcap] :
	    NULL;
	if (ev->type == APP_EV_PROGRESS && last != NULL &&
	    last->type == APP_EV_PROGRESS) {
		*last = *ev;		/* unread progress is stale */
		pthread_mutex_unlock(&w->mu);
		return;
	}
	if (w->evn == EVENTS_MAX) {
		/* A UI that stopped reading: forget the oldest. */
		w->evhead = (w->evhead + 1) % w->evcap;
		w->evn--;
	}
	if (w->evn == w->evcap) {
		nv = xreallocarray(NULL, w->evcap ? w->evcap * 2 : 64,
		    sizeof *nv);
		for (i = 0; i < w->evn; i++)
			nv[i] = w->ev[(w->evhead + i) % w->evcap];
		free(w->ev);
		w->ev = nv;
		w->evhead = 0;
		w->evcap = w->evcap ? w->evcap * 2 : 64;
	}
	w->ev[(w->evhead + w->evn) % w->evcap] = *ev;
	w->evn++;
	pthread_mutex_unlock(&w->mu);
	poke(w->evp[1]);
}

static void
post_simple(struct app_worker *w, enum app_event_type type, int64_t folder_id,
    int64_t msg_id, const char *text)
{
	struct app_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.folder_id = folder_id;
	ev.msg_id = msg_id;
	if (text != NULL)
		copy_text(ev.text, sizeof ev.text, text);
	post(w, &ev);
}

static void
post_state(struct app_worker *w, bool online, int64_t retry_ms)
{
	struct app_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = online ? APP_EV_ONLINE : APP_EV_OFFLINE;
	ev.retry_ms = retry_ms;
	post(w, &ev);
}

/* The account is offline because its login was refused. */
static void
post_refused_state(struct app_worker *w)
{
	struct app_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = APP_EV_OFFLINE;
	ev.retry_ms = -1;
	ev.login_refused = true;
	post(w, &ev);
}

/* The server refused the login: no retry until the user acts. */
static void
post_refused(struct app_worker *w, const char *why)
{
	char	text[sizeof ((struct perr *)0)->msg + 64];

	(void)snprintf(text, sizeof text, "%s; not tried again until you "
	    "sync.", why);
	post_simple(w, APP_EV_ERROR, 0, 0, text);
	post_refused_state(w);
}

/* Offline as asked: the state, and a word that it was heard. */
static void
post_offline(struct app_worker *w)
{
	char	text[sizeof ((struct app_event *)0)->text];

	post_state(w, false, -1);
	(void)snprintf(text, sizeof text, "account %s is offline, as asked; "
	    "nothing goes to its server until it goes online again.",
	    w->acct.name);
	post_simple(w, APP_EV_NOTE, 0, 0, text);
}

/* The account's first pass is over: what it brought. */
static void
post_first_done(struct app_worker *w, const struct sync_stats *st)
{
	char	text[sizeof ((struct app_event *)0)->text];

	if (st->folders == 1)
		(void)snprintf(text, sizeof text, "account %s: the first sync "
		    "of its only folder is done; messages stored: %llu.",
		    w->acct.name, (unsigned long long)st->added);
	else
		(void)snprintf(text, sizeof text, "account %s: the first sync "
		    "of its %llu folders is done; messages stored: %llu.",
		    w->acct.name, (unsigned long long)st->folders,
		    (unsigned long long)st->added);
	post_simple(w, APP_EV_NOTE, 0, 0, text);
}

/* ---- the new-mail command ----------------------------------------------------- */

/*
 * environ without POSTA_ACCOUNT, POSTA_FOLDER, POSTA_NEW_COUNT, then those
 * three: malloc'd, freed with env_free(). Built before fork(): the child
 * of a threaded process may only exec.
 */
static char **
new_mail_env(const char *acct, const char *folder, uint64_t count)
{
	extern char	**environ;
	char		**env;
	size_t		  i, n = 0;

	for (i = 0; environ[i] != NULL; i++)
		;
	env = xcalloc(i + 4, sizeof *env);
	for (i = 0; environ[i] != NULL; i++)
		if (strncmp(environ[i], "POSTA_ACCOUNT=", 14) != 0 &&
		    strncmp(environ[i], "POSTA_FOLDER=", 13) != 0 &&
		    strncmp(environ[i], "POSTA_NEW_COUNT=", 16) != 0)
			env[n++] = xstrdup(environ[i]);
	env[n++] = xasprintf("POSTA_ACCOUNT=%s", acct);
	env[n++] = xasprintf("POSTA_FOLDER=%s", folder);
	env[n++] = xasprintf("POSTA_NEW_COUNT=%llu", (unsigned long long)count);
	return env;
}

static void
env_free(char **env)
{
	size_t	i;

	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/*
 * Run new_mail_command once for count new unread messages in folder:
 * /bin/sh -c with the user's own string only; the account and folder
 * names (server text) travel in the environment, never in the command.
 * stdin and output go to /dev/null. Not waited on: a child starts the
 * command and exits at once, so init reaps the command and this thread
 * waits only for that fork.
 */
static void
run_new_mail(struct app_worker *w, const char *folder, uint64_t count)
{
	char	*argv[] = { "sh", "-c", w->new_mail_command, NULL };
	char	**env, text[sizeof ((struct app_event *)0)->text];
	pid_t	 pid;
	int	 fd, status;

	env = new_mail_env(w->acct.name, folder, count);
	if ((pid = fork()) == 0) {
		if (fork() == 0) {
			if ((fd = open("/dev/null", O_RDWR)) != -1) {
				(void)dup2(fd, 0);
				(void)dup2(fd, 1);
				(void)dup2(fd, 2);
			}
			(void)execve("/bin/sh", argv, env);
		}
		_exit(0);
	}
	env_free(env);
	if (pid == -1) {
		(void)snprintf(text, sizeof text, "new_mail_command could "
		    "not start: %s.", strerror(errno));
		post_simple(w, APP_EV_ERROR, 0, 0, text);
		return;
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
}

/* The sync's progress, turned into events (on the worker thread). */
static void
on_progress(void *arg, const struct sync_progress *p)
{
	struct app_worker	*w = arg;
	struct app_event	 ev;

	memset(&ev, 0, sizeof ev);
	ev.folder_id = p->folder_id;
	if (p->folder != NULL)
		copy_text(ev.folder, sizeof ev.folder, p->folder);
	ev.phase = p->phase;
	ev.first_sync = w->first_sync;
	ev.folder_no = (uint32_t)p->folder_no;
	ev.folders = (uint32_t)p->folders;
	ev.fetched = p->pass_added + p->added;
	if (p->note != NULL) {
		ev.type = APP_EV_NOTE;
		copy_text(ev.text, sizeof ev.text, p->note);
		post(w, &ev);
		return;
	}
	switch (p->phase) {
	case SYNC_FOLDER_DONE:
	case SYNC_BODIES_DONE:
		if (p->added + p->changed + p->expunged + p->bodies == 0) {
			/*
			 * Nothing changed, yet the step is over: a pull on
			 * its own (the watch's) has no SYNC_DONE after it to
			 * clear the UI's progress text.
			 */
			ev.type = APP_EV_PROGRESS;
			ev.phase = p->phase;
			break;
		}
		ev.type = APP_EV_FOLDER_CHANGED;
		ev.done = p->added;
		/* A first pass brings what was there: no news. */
		ev.unseen = w->first_sync ? 0 : p->unseen;
		ev.total = p->changed + p->expunged;
		if (ev.unseen > 0 && w->new_mail_command != NULL)
			run_new_mail(w, p->folder != NULL ? p->folder : "",
			    p->unseen);
		break;
	default:
		ev.type = APP_EV_PROGRESS;
		ev.phase = p->phase;
		ev.done = p->done;
		ev.total = p->total;
		break;
	}
	post(w, &ev);
}

/*
 * Has the store nothing of this account yet: no Inbox, or one never
 * pulled (IMAP: no UIDVALIDITY) and empty (POP3 keeps no such state)?
 */
static bool
never_synced(struct app_worker *w, struct store *st)
{
	struct store_folder	f;
	struct perr		err;
	int64_t			id, total = 0, unread;
	bool			never;

	if (store_account_find(st, w->acct.name, &id, NULL, &err) != 0 ||
	    store_folder_by_special(st, id, STORE_SPECIAL_INBOX, &f,
	    &err) != 0)
		return true;
	never = f.uidvalidity == 0 && (store_folder_counts(st, f.id, &total,
	    &unread, &err) != 0 || total == 0);
	store_folder_free(&f);
	return never;
}

/* The journal's counts now, for the status line. */
static void
post_journal(struct app_worker *w, struct store *st)
{
	struct app_event	ev;
	struct perr		err;
	int64_t			id;

	memset(&ev, 0, sizeof ev);
	ev.type = APP_EV_JOURNAL;
	if (store_account_find(st, w->acct.name, &id, NULL, &err) != 0 ||
	    store_journal_count(st, id, &ev.waiting, &ev.failed, &err) != 0)
		return;		/* never synced: nothing can wait */
	post(w, &ev);
}

/* ---- the outbox -------------------------------------------------------------------- */

/* One message's outcome, for the status line. */
static void
on_outbox(void *arg, const struct app_outbox_event *ev)
{
	struct app_worker	*w = arg;
	char			 text[sizeof ((struct app_event *)0)->text];

	(void)snprintf(text, sizeof text, "outbox %lld \"%s\": %s%s%s",
	    (long long)ev->id, ev->subject, app_outbox_words(ev),
	    *ev->text != '\0' ? ": " : "", ev->text);
	post_simple(w, ev->what == APP_OUTBOX_SENT ? APP_EV_NOTE :
	    APP_EV_ERROR, 0, 0, text);
}

/*
 * The outbox goes before each pass: what waits, or failed for a reason
 * that may pass (no connection, a 4xx refusal), is sent without the user
 * asking, and the pass that follows replays the journal, which takes the
 * Sent copies to the server. Held messages (outcome unknown, refused for
 * good) wait for the user. A flush elsewhere at the same time (the UI's,
 * posta send) is harmless: each message is claimed before it goes.
 */
static void
flush_outbox(struct app_worker *w, struct store *st)
{
	struct app_flush_stats	stats;
	struct perr		err;
	int64_t			id, waiting = 0;

	if (w->acct.smtp.host == NULL ||
	    store_account_find(st, w->acct.name, &id, NULL, &err) != 0 ||
	    store_outbox_count(st, id, &waiting, NULL, &err) != 0 ||
	    waiting == 0)
		return;
	/* Each message's outcome went to on_outbox; not the store's. */
	if (app_outbox_submit(w->store_path, &w->acct, on_outbox, w, &stats,
	    &err) != 0 && stats.sent + stats.partial + stats.failed +
	    stats.unknown == 0)
		post_simple(w, APP_EV_ERROR, 0, 0, err.msg);
}

/* The first failure of a flush the UI asked for, for its message line. */
struct send_words {
	char	first[sizeof ((struct app_event *)0)->text];
	bool	held;
};

/*
 * The line shows about 80 columns: what became of the message and for
 * whom first, the server's words after. A held message (the user must
 * act) wins over one tried again anyway.
 */
static void
on_send(void *arg, const struct app_outbox_event *ev)
{
	struct send_words	*sw = arg;
	const char		*text = ev->text;

	if (ev->what == APP_OUTBOX_SENT || text == NULL || *text == '\0' ||
	    (sw->first[0] != '\0' && (sw->held || !ev->held)))
		return;
	if (ev->what == APP_OUTBOX_NOTE)
		(void)snprintf(sw->first, sizeof sw->first, "%s", text);
	else if (strncmp(text, "refused for ", 12) == 0)
		(void)snprintf(sw->first, sizeof sw->first,
		    "outbox %lld %s for %s", (long long)ev->id,
		    ev->held ? "held" : "waits", text + 12);
	else
		(void)snprintf(sw->first, sizeof sw->first, "outbox %lld %s: %s",
		    (long long)ev->id, ev->held ? "held" : "waits", text);
	if (ev->what != APP_OUTBOX_NOTE)
		sw->held = ev->held;
}

/* app_worker_send_now(): the outbox now, then one APP_EV_OUTBOX_DONE. */
static void
send_outbox(struct app_worker *w)
{
	struct send_words	sw;
	struct app_flush_stats	stats;
	struct app_event	ev;
	struct perr		err;

	memset(&sw, 0, sizeof sw);
	memset(&ev, 0, sizeof ev);
	ev.type = APP_EV_OUTBOX_DONE;
	if (app_outbox_submit(w->store_path, &w->acct, on_send, &sw, &stats,
	    &err) != 0)
		copy_text(ev.text, sizeof ev.text, sw.first[0] != '\0' ?
		    sw.first : err.msg[0] != '\0' ? err.msg :
		    "the outbox could not be sent");
	ev.done = stats.sent;
	post(w, &ev);
}

/* ---- the thread ------------------------------------------------------------------- */

struct pending {
	bool	 stop, sync_now, replay_now, send_now, online_set, online;
	char	*password;
	char	*watch;
	int64_t	*fetch;
	size_t	 nfetch;
};

static void
take(struct app_worker *w, struct pending *p)
{
	drain(w->wake[0]);
	pthread_mutex_lock(&w->mu);
	p->stop = w->stop;
	p->sync_now = w->sync_now;
	p->replay_now = w->replay_now;
	p->send_now = w->send_now;
	p->online_set = w->online_set;
	p->online = w->online;
	p->watch = w->watch;
	p->password = w->password;
	p->fetch = w->fetch;
	p->nfetch = w->nfetch;
	w->sync_now = w->replay_now = w->send_now = w->online_set = false;
	w->watch = NULL;
	w->password = NULL;
	w->fetch = NULL;
	w->nfetch = 0;
	pthread_mutex_unlock(&w->mu);
}

/* Answer the bodies asked for that cannot come now, and forget them. */
static void
fail_fetches(struct app_worker *w, struct pending *p, const char *why)
{
	size_t	i;

	for (i = 0; i < p->nfetch; i++)
		post_simple(w, APP_EV_BODY_FAILED, 0, p->fetch[i], why);
	free(p->fetch);
	p->fetch = NULL;
	p->nfetch = 0;
}

static bool
stopping(struct app_worker *w)
{
	bool	stop;

	pthread_mutex_lock(&w->mu);
	stop = w->stop;
	pthread_mutex_unlock(&w->mu);
	return stop;
}

/*
 * Was the connection's I/O cancelled on purpose (stopping, or going offline
 * as asked)? Then the error it made is no news: the user asked for it.
 */
static bool
hushed(struct app_worker *w)
{
	bool	quiet;

	pthread_mutex_lock(&w->mu);
	quiet = w->stop || (w->online_set && !w->online);
	pthread_mutex_unlock(&w->mu);
	return quiet;
}

/*
 * check_interval is up: the folders the watch does not see (all but the
 * watched one) are asked for their state, and those that changed pulled;
 * progress tells the UI.
 */
static void
check_others(struct app_worker *w, struct sync_conn *conn, const char *watch)
{
	struct perr	err;

	if (sync_conn_check(conn, watch, NULL, &err) != 0 && !hushed(w))
		post_simple(w, APP_EV_ERROR, 0, 0, err.msg);
}

/*
 * The password the user typed replaces the configuration's for the
 * account's logins from now on; SMTP's too where it was the same (the
 * default: the account's credentials). pw is taken.
 */
static void
use_password(struct app_worker *w, char *pw)
{
	struct endpoint	*in = &w->acct.in, *smtp = &w->acct.smtp;

	if (smtp->password != NULL && in->password != NULL &&
	    strcmp(smtp->password, in->password) == 0) {
		secret_drop(smtp->password);
		smtp->password = xstrdup(pw);
	}
	secret_drop(in->password);
	in->password = pw;
}

/* Forget the connection (the UI can no longer cancel it), then close it. */
static void
drop_conn(struct app_worker *w, struct sync_conn **cp)
{
	struct sync_conn	*c = *cp;

	pthread_mutex_lock(&w->mu);
	w->conn = NULL;
	pthread_mutex_unlock(&w->mu);
	if (stopping(w))
		sync_conn_cancel(c);	/* no LOGOUT to wait for */
	sync_conn_close(c);
	*cp = NULL;
}

static void *
worker_main(void *arg)
{
	struct app_worker	*w = arg;
	struct store		*st;
	struct sync_conn	*conn = NULL;
	struct pending		 p;
	struct perr		 err;
	struct sync_stats	 stats;
	char			*watch = xstrdup(w->start_watch != NULL ?
				    w->start_watch : "INBOX");
	bool			 online = !w->start_offline;
	bool			 pass_due = true, replay_due = false;
	bool			 refused = false;	/* login refused */
	int64_t			 retry_ms = RETRY_FIRST_MS, next_try = 0;
	int64_t			 next_pass = 0, next_check = 0, t;
	/* The periodic check of the other folders; 0: none. */
	int64_t			 check_ms = (int64_t)w->acct.check_interval *
				    1000;
	size_t			 i;
	int			 r;

	if ((st = store_open(w->store_path, STORE_RDWR, &err)) == NULL) {
		post_simple(w, APP_EV_ERROR, 0, 0, err.msg);
		post_state(w, false, -1);
		/* Nothing to do without a store: wait to be stopped. */
		while (!stopping(w))
			wait_wake(w, -1);
		goto out;
	}
	if (!online)
		post_state(w, false, -1);
	post_journal(w, st);
	w->first_sync = never_synced(w, st);

	for (;;) {
		take(w, &p);
		if (p.stop) {
			free(p.watch);
			free(p.fetch);
			secret_drop(p.password);
			break;
		}
		if (p.watch != NULL) {
			free(watch);
			watch = p.watch;
		}
		if (p.online_set && p.online != online) {
			online = p.online;
			if (!online && conn != NULL)
				drop_conn(w, &conn);
			if (!online)
				post_offline(w);
			next_try = 0;
			pass_due = true;
			/* Still refused: the same password would be too. */
			if (online && refused)
				post_refused_state(w);
		}
		if (p.password != NULL) {
			use_password(w, p.password);
			p.sync_now = true;
		}
		if (p.sync_now)
			refused = false;	/* the user acted */
		if (p.sync_now || p.replay_now) {
			/* At once, whatever the back-off said. */
			if (p.sync_now)
				pass_due = true;
			else
				replay_due = true;
			next_try = 0;
			retry_ms = RETRY_FIRST_MS;
		}
		if (p.replay_now)
			post_journal(w, st);
		/* SMTP needs no incoming connection: before waiting for one. */
		if (p.send_now && online)
			send_outbox(w);

		if (!online) {
			fail_fetches(w, &p, "offline");
			wait_wake(w, -1);
			continue;
		}
		if (conn == NULL && refused) {
			/* Another login would be refused too: wait for her. */
			fail_fetches(w, &p, "the server refused the login");
			wait_wake(w, -1);
			continue;
		}
		if (conn == NULL) {
			t = now_ms();
			if (t < next_try && p.nfetch == 0) {
				wait_wake(w, next_try - t);
				continue;
			}
			conn = sync_conn_open(st, &w->acct, &w->so, &err);
			if (conn == NULL && err.code == PERR_AUTH) {
				refused = true;
				post_refused(w, err.msg);
				fail_fetches(w, &p, err.msg);
				continue;
			}
			if (conn == NULL) {
				post_simple(w, APP_EV_ERROR, 0, 0, err.msg);
				fail_fetches(w, &p, err.msg);
				post_state(w, false, retry_ms);
				next_try = now_ms() + retry_ms;
				retry_ms = retry_ms * 2 > RETRY_MAX_MS ?
				    RETRY_MAX_MS : retry_ms * 2;
				continue;
			}
			pthread_mutex_lock(&w->mu);
			w->conn = conn;
			pthread_mutex_unlock(&w->mu);
			if (stopping(w)) {
				free(p.fetch);
				break;
			}
			retry_ms = RETRY_FIRST_MS;
			post_state(w, true, 0);
			pass_due = true;
		}

		/* Bodies first: someone is looking at "loading...". */
		for (i = 0; i < p.nfetch && !sync_conn_broken(conn); i++) {
			if (sync_conn_fetch_body(conn, p.fetch[i], &err) == 0)
				post_simple(w, APP_EV_BODY_READY, 0, p.fetch[i],
				    NULL);
			else
				post_simple(w, APP_EV_BODY_FAILED, 0,
				    p.fetch[i], hushed(w) ? "offline" :
				    err.msg);
		}
		for (; i < p.nfetch; i++)
			post_simple(w, APP_EV_BODY_FAILED, 0, p.fetch[i],
			    "the connection was lost");
		free(p.fetch);

		if (!sync_conn_broken(conn) &&
		    (pass_due || now_ms() >= next_pass)) {
			flush_outbox(w, st);
			r = sync_conn_pass(conn, &stats, &err);
			pass_due = replay_due = false;
			next_pass = now_ms() + PASS_EVERY_MS;
			next_check = now_ms() + check_ms;
			if (r != 0 && !hushed(w))
				post_simple(w, APP_EV_ERROR, 0, 0, err.msg);
			else if (r == 0) {
				if (w->first_sync)
					post_first_done(w, &stats);
				w->first_sync = false;
				post_simple(w, APP_EV_SYNC_DONE, 0, 0, NULL);
			}
			post_journal(w, st);
		} else if (!sync_conn_broken(conn) && replay_due) {
			/* Only the journal; the watch pulls its folder next. */
			replay_due = false;
			if (sync_conn_replay(conn, &err) != 0 && !hushed(w))
				post_simple(w, APP_EV_ERROR, 0, 0, err.msg);
			post_journal(w, st);
		}
		if (w->acct.protocol == PROTO_POP3 && !sync_conn_broken(conn)) {
			/*
			 * A POP3 session sees the maildrop as it was at login
			 * and locks it: one session per pass, not one held.
			 */
			drop_conn(w, &conn);
			next_try = check_ms > 0 && check_ms < PASS_EVERY_MS ?
			    now_ms() + check_ms : next_pass;
			continue;
		}
		if (!sync_conn_broken(conn) && check_ms > 0 &&
		    now_ms() >= next_check) {
			check_others(w, conn, watch);
			next_check = now_ms() + check_ms;
		}
		if (!sync_conn_broken(conn)) {
			t = next_pass - now_ms();
			if (check_ms > 0 && next_check - now_ms() < t)
				t = next_check - now_ms();
			r = sync_conn_watch(conn, watch, w->wake[0],
			    t > 0 ? (int)(t > INT32_MAX ? INT32_MAX : t) : 0,
			    &err);
			if (r < 0 && !sync_conn_broken(conn)) {
				/* No such folder: wait for a request. */
				post_simple(w, APP_EV_ERROR, 0, 0, err.msg);
				wait_wake(w, next_pass - now_ms());
			} else if (r < 0 && !hushed(w))
				post_simple(w, APP_EV_ERROR, 0, 0, err.msg);
		}
		if (sync_conn_broken(conn)) {
			drop_conn(w, &conn);
			if (stopping(w))
				break;
			/* Offline as asked: the loop's top says so. */
			if (hushed(w))
				continue;
			/* A lost link: try again soon, announce it. */
			post_state(w, false, retry_ms);
			next_try = now_ms() + retry_ms;
			retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS :
			    retry_ms * 2;
		}
	}
out:
	if (conn != NULL)
		drop_conn(w, &conn);
	store_close(st);
	free(watch);
	pthread_mutex_lock(&w->mu);
	w->exited = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	worker_unref(w);
	return NULL;
}

/* ---- the UI's side ------------------------------------------------------------------ */

static int
pipe_nb(int fds[2], struct perr *err)
{
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
		return perr_set(err, PERR_IO, "pipe: %s", strerror(errno));
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
		perr_set(err, PERR_NOMEM, "pthread_mutex_init failed");
		return NULL;
	}
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		free(w);
		perr_set(err, PERR_NOMEM, "pthread_cond_init failed");
		return NULL;
	}
	account_copy(w, acct);
	w->store_path = xstrdup(cfg->store);
	w->new_mail_command = dup_or_null(cfg->new_mail_command);
	if (opts != NULL) {
		w->trace = dup_or_null(opts->trace);
		w->start_offline = opts->offline;
		w->start_watch = dup_or_null(opts->watch);
	}
	w->so.trace = w->trace;
	w->so.progress = on_progress;
	w->so.arg = w;
	if (pipe_nb(w->wake, err) != 0 || pipe_nb(w->evp, err) != 0) {
		worker_free(w);
		return NULL;
	}
	w->refs = 2;
	if ((r = pthread_create(&w->thread, NULL, worker_main, w)) != 0) {
		perr_set(err, PERR_NOMEM, "pthread_create: %s", strerror(r));
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
	drain(w->evp[0]);
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
	poke(w->wake[1]);
}

void
app_worker_replay_now(struct app_worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->replay_now = true;
	pthread_mutex_unlock(&w->mu);
	poke(w->wake[1]);
}

void
app_worker_send_now(struct app_worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->send_now = true;
	pthread_mutex_unlock(&w->mu);
	poke(w->wake[1]);
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
	poke(w->wake[1]);
}

void
app_worker_watch(struct app_worker *w, const char *folder)
{
	char	*f = xstrdup(folder != NULL ? folder : "INBOX");

	pthread_mutex_lock(&w->mu);
	free(w->watch);
	w->watch = f;
	pthread_mutex_unlock(&w->mu);
	poke(w->wake[1]);
}

void
app_worker_set_password(struct app_worker *w, const char *password)
{
	char	*pw = xstrdup(password);

	pthread_mutex_lock(&w->mu);
	secret_drop(w->password);
	w->password = pw;
	pthread_mutex_unlock(&w->mu);
	poke(w->wake[1]);
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
	poke(w->wake[1]);
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
	poke(w->wake[1]);

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
