/*
 * app_worker_loop.c - the account worker's thread (see app_worker.c for
 * the whole): take the UI's requests, connect (with the back-off; a
 * refused login waits for the user), serve bodies, run a pass when due,
 * the periodic check when due, then wait for news in sync_conn_watch():
 * IDLE on the watched folder, NOTIFY for the others when the server has
 * it, else a second connection idling on INBOX while another folder is
 * watched (both in src/sync/drv-imap*.c).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/app-worker-int.h"
#include "util/i18n.h"


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
/* ---- requests -------------------------------------------------------------------- */

static void
take(struct app_worker *w, struct pending *p)
{
	worker_drain(w->wake[0]);
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
		wev_simple(w, APP_EV_BODY_FAILED, 0, p->fetch[i], why);
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
		wev_simple(w, APP_EV_ERROR, 0, 0, err.msg);
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
		worker_secret_drop(smtp->password);
		smtp->password = xstrdup(pw);
	}
	worker_secret_drop(in->password);
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

/* ---- the loop's steps ------------------------------------------------------------- */

/* The thread's state between turns of its loop. */
struct loop {
	struct app_worker	*w;
	struct store		*st;
	struct sync_conn	*conn;
	char			*watch;		/* the folder watched */
	bool			 online;
	bool			 pass_due, replay_due;
	bool			 refused;	/* login refused */
	int64_t			 retry_ms, next_try;
	int64_t			 next_pass, next_check;
	int64_t			 check_ms;	/* check_interval; 0: none */
};

/* The next back-off: try again after retry_ms, doubled for the time after. */
static void
backoff(struct loop *l)
{
	l->next_try = mono_ms() + l->retry_ms;
	l->retry_ms = l->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS :
	    l->retry_ms * 2;
}

/* The login was refused: stop, say so, wait for the user. */
static void
refused(struct loop *l, struct pending *p, const struct perr *err)
{
	l->refused = true;
	wev_refused(l->w, err->msg);
	fail_fetches(l->w, p, err->msg);
}

/* What the UI asked for since the last turn. */
static void
requests(struct loop *l, struct pending *p)
{
	struct app_worker	*w = l->w;

	if (p->watch != NULL) {
		free(l->watch);
		l->watch = p->watch;
		p->watch = NULL;
	}
	if (p->online_set && p->online != l->online) {
		l->online = p->online;
		if (!l->online && l->conn != NULL)
			drop_conn(w, &l->conn);
		if (!l->online)
			wev_offline(w);
		l->next_try = 0;
		l->pass_due = true;
		/* Still refused: the same password would be too. */
		if (l->online && l->refused)
			wev_refused_state(w);
	}
	if (p->password != NULL) {
		use_password(w, p->password);
		p->password = NULL;
		p->sync_now = true;
	}
	if (p->sync_now)
		l->refused = false;	/* the user acted */
	if (p->sync_now || p->replay_now) {
		/* At once, whatever the back-off said. */
		if (p->sync_now)
			l->pass_due = true;
		else
			l->replay_due = true;
		l->next_try = 0;
		l->retry_ms = RETRY_FIRST_MS;
	}
	if (p->replay_now)
		wev_journal(w, l->st);
	/* SMTP needs no incoming connection: before waiting for one. */
	if (p->send_now && l->online)
		wev_send_outbox(w);
}

/*
 * Connect when due. Returns 1 when connected, 0 when the loop must turn
 * again (waited, failed, refused), -1 when stopping.
 */
static int
connect_step(struct loop *l, struct pending *p)
{
	struct app_worker	*w = l->w;
	struct perr		 err;
	int64_t			 t = mono_ms();

	if (t < l->next_try && p->nfetch == 0) {
		worker_wait_wake(w, l->next_try - t);
		return 0;
	}
	l->conn = sync_conn_open(l->st, &w->acct, &w->so, &err);
	if (l->conn == NULL && err.code == PERR_AUTH) {
		refused(l, p, &err);
		return 0;
	}
	if (l->conn == NULL) {
		wev_simple(w, APP_EV_ERROR, 0, 0, err.msg);
		fail_fetches(w, p, err.msg);
		wev_state(w, false, l->retry_ms);
		backoff(l);
		return 0;
	}
	pthread_mutex_lock(&w->mu);
	w->conn = l->conn;
	pthread_mutex_unlock(&w->mu);
	if (stopping(w))
		return -1;
	l->retry_ms = RETRY_FIRST_MS;
	wev_state(w, true, 0);
	l->pass_due = true;
	return 1;
}

/* The bodies asked for: someone is looking at "loading...". */
static void
bodies_step(struct loop *l, struct pending *p)
{
	struct app_worker	*w = l->w;
	struct perr		 err;
	size_t			 i;

	for (i = 0; i < p->nfetch && !sync_conn_broken(l->conn); i++) {
		if (sync_conn_fetch_body(l->conn, p->fetch[i], &err) == 0)
			wev_simple(w, APP_EV_BODY_READY, 0, p->fetch[i], NULL);
		else
			wev_simple(w, APP_EV_BODY_FAILED, 0, p->fetch[i],
			    hushed(w) ? _("offline") : err.msg);
	}
	for (; i < p->nfetch; i++)
		wev_simple(w, APP_EV_BODY_FAILED, 0, p->fetch[i],
		    _("the connection was lost"));
	free(p->fetch);
	p->fetch = NULL;
	p->nfetch = 0;
}

/* A pass when one is due, else the journal alone when asked. */
static void
pass_step(struct loop *l)
{
	struct app_worker	*w = l->w;
	struct sync_stats	 stats;
	struct perr		 err;
	int			 r;

	if (l->pass_due || mono_ms() >= l->next_pass) {
		wev_flush_outbox(w, l->st);
		r = sync_conn_pass(l->conn, &stats, &err);
		l->pass_due = l->replay_due = false;
		l->next_pass = mono_ms() + PASS_EVERY_MS;
		l->next_check = mono_ms() + l->check_ms;
		if (r != 0 && !hushed(w))
			wev_simple(w, APP_EV_ERROR, 0, 0, err.msg);
		else if (r == 0) {
			if (w->first_sync)
				wev_first_done(w, &stats);
			w->first_sync = false;
			wev_simple(w, APP_EV_SYNC_DONE, 0, 0, NULL);
		}
		wev_journal(w, l->st);
	} else if (l->replay_due) {
		/* Only the journal; the watch pulls its folder next. */
		l->replay_due = false;
		if (sync_conn_replay(l->conn, &err) != 0 && !hushed(w))
			wev_simple(w, APP_EV_ERROR, 0, 0, err.msg);
		wev_journal(w, l->st);
	}
}

/*
 * The periodic check when due, then wait for news (the watched folder's;
 * the others' by NOTIFY or, without it, INBOX's on a second connection)
 * until a request, the next check or the next pass.
 */
static void
watch_step(struct loop *l, struct pending *p)
{
	struct app_worker	*w = l->w;
	struct perr		 err;
	int64_t			 t;
	int			 r;

	if (l->check_ms > 0 && mono_ms() >= l->next_check) {
		check_others(w, l->conn, l->watch);
		l->next_check = mono_ms() + l->check_ms;
	}
	if (sync_conn_broken(l->conn))
		return;
	t = l->next_pass - mono_ms();
	if (l->check_ms > 0 && l->next_check - mono_ms() < t)
		t = l->next_check - mono_ms();
	r = sync_conn_watch(l->conn, l->watch, w->wake[0],
	    t > 0 ? (int)(t > INT32_MAX ? INT32_MAX : t) : 0, &err);
	if (r >= 0)
		return;
	if (err.code == PERR_AUTH) {
		/* The second connection's login: the password changed. */
		drop_conn(w, &l->conn);
		refused(l, p, &err);
	} else if (!sync_conn_broken(l->conn)) {
		/* No such folder: wait for a request. */
		wev_simple(w, APP_EV_ERROR, 0, 0, err.msg);
		worker_wait_wake(w, l->next_pass - mono_ms());
	} else if (!hushed(w))
		wev_simple(w, APP_EV_ERROR, 0, 0, err.msg);
}

/* The link broke: drop it, and try again soon (unless asked to stop). */
static void
lost_step(struct loop *l)
{
	drop_conn(l->w, &l->conn);
	/* Stopping, or offline as asked: the loop's top says so. */
	if (hushed(l->w))
		return;
	wev_state(l->w, false, l->retry_ms);
	backoff(l);
}

/* One turn: requests, connect, bodies, pass, watch. false: stop. */
static bool
turn(struct loop *l)
{
	struct app_worker	*w = l->w;
	struct pending		 p;
	bool			 go = true;

	take(w, &p);
	if (p.stop) {
		go = false;
		goto out;
	}
	requests(l, &p);
	if (!l->online) {
		fail_fetches(w, &p, _("offline"));
		worker_wait_wake(w, -1);
		goto out;
	}
	if (l->conn == NULL && l->refused) {
		/* Another login would be refused too: wait for her. */
		fail_fetches(w, &p, _("the server refused the login"));
		worker_wait_wake(w, -1);
		goto out;
	}
	if (l->conn == NULL) {
		switch (connect_step(l, &p)) {
		case -1:
			go = false;
			/* FALLTHROUGH */
		case 0:
			goto out;
		}
	}
	bodies_step(l, &p);
	if (!sync_conn_broken(l->conn))
		pass_step(l);
	if (w->acct.protocol == PROTO_POP3 && !sync_conn_broken(l->conn)) {
		/*
		 * A POP3 session sees the maildrop as it was at login and
		 * locks it: one session per pass, not one held.
		 */
		drop_conn(w, &l->conn);
		l->next_try = l->check_ms > 0 && l->check_ms < PASS_EVERY_MS ?
		    mono_ms() + l->check_ms : l->next_pass;
		goto out;
	}
	if (!sync_conn_broken(l->conn))
		watch_step(l, &p);
	if (l->conn != NULL && sync_conn_broken(l->conn)) {
		lost_step(l);
		go = !stopping(w);
	}
out:
	free(p.watch);
	free(p.fetch);
	worker_secret_drop(p.password);
	return go;
}

void *
wloop_main(void *arg)
{
	struct app_worker	*w = arg;
	struct loop		 l;
	struct perr		 err;

	memset(&l, 0, sizeof l);
	l.w = w;
	l.watch = xstrdup(w->start_watch != NULL ? w->start_watch : "INBOX");
	l.online = !w->start_offline;
	l.pass_due = true;
	l.retry_ms = RETRY_FIRST_MS;
	l.check_ms = (int64_t)w->acct.check_interval * 1000;
	if ((l.st = store_open(w->store_path, STORE_RDWR, &err)) == NULL) {
		wev_simple(w, APP_EV_ERROR, 0, 0, err.msg);
		wev_state(w, false, -1);
		/* Nothing to do without a store: wait to be stopped. */
		while (!stopping(w))
			worker_wait_wake(w, -1);
		goto out;
	}
	if (!l.online)
		wev_state(w, false, -1);
	wev_journal(w, l.st);
	w->first_sync = never_synced(w, l.st);
	while (turn(&l))
		;
out:
	if (l.conn != NULL)
		drop_conn(w, &l.conn);
	store_close(l.st);
	free(l.watch);
	pthread_mutex_lock(&w->mu);
	w->exited = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	worker_unref(w);
	return NULL;
}
