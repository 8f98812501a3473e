/*
 * worker.c - the UI's side of the accounts' sync workers (app.h): one per
 * account, started once the first screen is drawn (the first screen comes
 * from the store alone), their event pipes in the loop's poll() set, and
 * what each event means on screen:
 *
 *   folder changed   the index is read again around the selection when it
 *                    is the open folder; the sidebar's counts always
 *   body ready       the pager shows the message again if it is open
 *   progress, error, online/offline, journal   the status line
 *
 * Events are read until none is left, and the store is read again once
 * for all of them (view_refresh), so a burst of news costs one redraw.
 *
 * Sending: a message put in the outbox is sent by its account's worker
 * (app_worker_send_now(), the one send path, the same flush as before
 * each pass); APP_EV_OUTBOX_DONE puts "sent" or the first failure on the
 * message line: the UI never waits on SMTP. With --offline (or after '@')
 * nothing is flushed; the outbox waits.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

/* ---- starting and stopping ------------------------------------------------ */

/* The name of the open folder as stored (the worker's "as shown"). */
static char *
open_folder_name(struct tui *t)
{
	struct store_folder	f;
	struct perr		err;
	char			*name;

	if (t->st == NULL || t->folder_id == 0 ||
	    store_folder_get(t->st, t->folder_id, &f, &err) != 0)
		return NULL;
	name = f.name != NULL ? xstrdup(f.name) : NULL;
	store_folder_free(&f);
	return name;
}

void
workers_start(struct tui *t)
{
	struct workers		*wk = &t->wk;
	struct app_worker_opts	 o;
	struct perr		 err;
	char			*watch;
	size_t			 i;

	if (wk->started)
		return;
	wk->started = true;
	wk->n = t->cfg->naccounts;
	wk->w = xcalloc(wk->n, sizeof *wk->w);
	wk->online = xcalloc(wk->n, sizeof *wk->online);
	wk->retry_ms = xcalloc(wk->n, sizeof *wk->retry_ms);
	wk->refused = xcalloc(wk->n, sizeof *wk->refused);
	watch = open_folder_name(t);
	for (i = 0; i < wk->n; i++) {
		memset(&o, 0, sizeof o);
		o.offline = t->offline_req;
		o.watch = i == t->account ? watch : NULL;
		o.trace = getenv("POSTA_TUI_TRACE");
		wk->w[i] = app_worker_start(t->cfg, &t->cfg->accounts[i], &o,
		    &err);
		if (wk->w[i] == NULL)
			status_error(&t->status, "%s", err.msg);
	}
	free(watch);
	/* A body asked for before the workers were there. */
	if (t->view == TUI_VIEW_PAGER && t->pg.loading && t->pg.msg_id != 0)
		workers_fetch_body(t, t->pg.msg_id);
}

void
workers_stop(struct tui *t)
{
	struct workers	*wk = &t->wk;
	size_t		 i;

	for (i = 0; i < wk->n; i++)
		app_worker_stop(wk->w[i]);
	free(wk->w);
	free(wk->online);
	free(wk->retry_ms);
	free(wk->refused);
	memset(wk, 0, sizeof *wk);
}

size_t
workers_pollfds(struct tui *t, struct pollfd *fds, size_t max)
{
	struct workers	*wk = &t->wk;
	size_t		 i, n = 0;

	for (i = 0; i < wk->n && n < max; i++)
		if (wk->w[i] != NULL) {
			fds[n].fd = app_worker_fd(wk->w[i]);
			fds[n].events = POLLIN;
			fds[n++].revents = 0;
		}
	return n;
}

/* ---- events ------------------------------------------------------------------ */

static const char *
phase_word(enum sync_phase p)
{
	switch (p) {
	case SYNC_CONNECT:
		return _("connecting");
	case SYNC_FOLDERS:
		return _("folders");
	case SYNC_HEADERS:
	case SYNC_FOLDER_DONE:
		return _("headers");
	case SYNC_BODIES:
	case SYNC_BODIES_DONE:
		return _("bodies");
	case SYNC_JOURNAL:
		return _("sending changes");
	}
	return _("syncing");
}

/* The open message's body arrived: show it, keeping the view. */
static void
body_ready(struct tui *t, int64_t id)
{
	struct perr	err;
	int		w, h;
	enum pg_mode	mode = t->pg.mode;

	if (t->pg.msg_id != id || !t->pg.loading)
		return;
	t->wk.loading = 0;
	if (pager_open(&t->pg, t->st, id, mode, &err) != 0) {
		status_error(&t->status, "%s", err.msg);
		return;
	}
	autoview_append(t);
	draw_main_size(t, &w, &h);
	t->pg.width = 0;
	pager_resize(&t->pg, w, h);
	t->dirty |= TUI_DIRTY_MAIN | TUI_DIRTY_STATUS;
}

/* A pull stored unread mail: say so, and ring if asked to. */
static void
new_mail(struct tui *t, size_t acct, const struct app_event *ev)
{
	const char	*name = t->cfg->accounts[acct].name;

	status_msg(&t->status, ngettext("%llu new message in %s (%s).",
	    "%llu new messages in %s (%s).", (unsigned long)ev->unseen),
	    (unsigned long long)ev->unseen, ev->folder, name);
	if (t->cfg->bell_on_new_mail)
		t->bell = true;
}

/*
 * The account's first pass (nothing was stored): how far it is, in
 * folders and messages, until APP_EV_SYNC_DONE.
 */
static void
first_sync_progress(struct tui *t, const struct app_event *ev)
{
	uint32_t	done;

	switch (ev->phase) {
	case SYNC_CONNECT:
		status_progress(&t->status, "%s", _("first sync: connecting"));
		return;
	case SYNC_FOLDERS:
	case SYNC_JOURNAL:
		status_progress(&t->status, "%s",
		    _("first sync: listing the folders"));
		return;
	case SYNC_HEADERS:
		done = ev->folder_no > 0 ? ev->folder_no - 1 : 0;
		break;
	case SYNC_FOLDER_DONE:
		done = ev->folder_no;
		break;
	default:
		done = ev->folders;	/* bodies come after every folder */
		break;
	}
	if (ev->folders == 0)
		return;		/* not the pass's */
	if (ev->type == APP_EV_PROGRESS && ev->phase == SYNC_BODIES &&
	    ev->total > 0)
		status_progress(&t->status, _("first sync: %u of %u folders "
		    "done, %llu messages fetched, bodies of %s %llu/%llu"), done,
		    ev->folders, (unsigned long long)ev->fetched, ev->folder,
		    (unsigned long long)ev->done,
		    (unsigned long long)ev->total);
	else
		status_progress(&t->status, _("first sync: %u of %u folders "
		    "done, %llu messages fetched"), done, ev->folders,
		    (unsigned long long)ev->fetched);
}

static void
on_event(struct tui *t, size_t acct, const struct app_event *ev)
{
	struct workers	*wk = &t->wk;
	bool		 mine = acct == t->account;

	switch (ev->type) {
	case APP_EV_ONLINE:
		wk->online[acct] = true;
		if (wk->refused[acct])
			t->dirty |= TUI_DIRTY_SIDEBAR;
		wk->refused[acct] = false;
		if (mine) {
			t->online = true;
			/* The offline reason is old. */
			status_clear_error(&t->status);
		}
		break;
	case APP_EV_OFFLINE:
		wk->online[acct] = false;
		wk->retry_ms[acct] = ev->retry_ms;
		if (wk->refused[acct] != ev->login_refused)
			t->dirty |= TUI_DIRTY_SIDEBAR;
		wk->refused[acct] = ev->login_refused;
		if (mine)
			t->online = false;
		status_clear_progress(&t->status);
		break;
	case APP_EV_PROGRESS:
		if (!mine)
			break;
		if (ev->first_sync)
			first_sync_progress(t, ev);
		else if (ev->phase == SYNC_FOLDER_DONE ||
		    ev->phase == SYNC_BODIES_DONE)
			status_clear_progress(&t->status);
		else if (ev->total > 0)
			status_progress(&t->status, "%s %s %llu/%llu",
			    phase_word(ev->phase), ev->folder,
			    (unsigned long long)ev->done,
			    (unsigned long long)ev->total);
		else
			status_progress(&t->status, "%s %s",
			    phase_word(ev->phase), ev->folder);
		break;
	case APP_EV_FOLDER_CHANGED:
		/* The step is over (a watch's pull has no SYNC_DONE). */
		if (mine && ev->first_sync)
			first_sync_progress(t, ev);
		else if (mine)
			status_clear_progress(&t->status);
		/* The results view (search.c) spans every folder. */
		if ((mine && ev->folder_id == t->folder_id) ||
		    t->view_q != NULL)
			t->refresh |= TUI_REFRESH_INDEX;
		t->refresh |= TUI_REFRESH_SIDEBAR;
		if (ev->unseen > 0)
			new_mail(t, acct, ev);
		break;
	case APP_EV_SYNC_DONE:
		if (mine)
			status_clear_progress(&t->status);
		t->refresh |= TUI_REFRESH_SIDEBAR | TUI_REFRESH_JOURNAL;
		break;
	case APP_EV_BODY_READY:
		body_ready(t, ev->msg_id);
		break;
	case APP_EV_BODY_FAILED:
		if (t->pg.msg_id == ev->msg_id && t->pg.loading)
			status_error(&t->status, _("cannot fetch the message: %s"),
			    ev->text);
		break;
	case APP_EV_JOURNAL:
		if (mine) {
			t->jwaiting = ev->waiting;
			t->jfailed = ev->failed;
		}
		break;
	case APP_EV_NOTE:
		status_msg(&t->status, "%s", ev->text);
		break;
	case APP_EV_ERROR:
		status_error(&t->status, "%s", ev->text);
		break;
	case APP_EV_OUTBOX_DONE:
		status_clear_progress(&t->status);
		if (ev->text[0] != '\0')
			status_error(&t->status, "%s", ev->text);
		else if (ev->done > 0)
			status_msg(&t->status, _("sent"));
		t->refresh |= TUI_REFRESH_JOURNAL | TUI_REFRESH_SIDEBAR |
		    TUI_REFRESH_INDEX;
		/* The Sent copy may wait in the journal. */
		if (!t->offline_req)
			app_worker_replay_now(wk->w[acct]);
		break;
	}
	t->dirty |= TUI_DIRTY_STATUS | TUI_DIRTY_PROMPT;
}

void
workers_events(struct tui *t)
{
	struct workers		*wk = &t->wk;
	struct app_event	 ev;
	size_t			 i;

	for (i = 0; i < wk->n; i++)
		while (wk->w[i] != NULL && app_worker_event(wk->w[i], &ev))
			on_event(t, i, &ev);
}

/* ---- requests -------------------------------------------------------------------- */

static struct app_worker *
mine(struct tui *t)
{
	return t->account < t->wk.n ? t->wk.w[t->account] : NULL;
}

/* The password typed for t->wk.asking: one login with it. */
static void
password_typed(struct tui *t, const char *pw)
{
	size_t	i = t->wk.asking;

	if (i >= t->wk.n || t->wk.w[i] == NULL)
		return;
	if (*pw == '\0') {
		status_msg(&t->status, _("No password typed: account %s is not "
		    "tried."), t->cfg->accounts[i].name);
		return;
	}
	app_worker_set_password(t->wk.w[i], pw);
	status_progress(&t->status, "%s", _("logging in"));
	t->dirty |= TUI_DIRTY_STATUS;
}

void
workers_sync_now(struct tui *t)
{
	struct workers	*wk = &t->wk;
	size_t		 i, ask = wk->n, asked = 0;
	char		*label, *name, *user, *host;

	if (t->offline_req) {
		status_msg(&t->status, _("offline by request (@ goes online)"));
		return;
	}
	if (!wk->started) {
		status_msg(&t->status, _("the sync starts in a moment"));
		return;
	}
	for (i = 0; i < wk->n; i++) {
		if (wk->w[i] == NULL)
			continue;
		/* The same password would be refused again: ask for one. */
		if (wk->refused[i] && status_asks_password(t, i)) {
			if (ask == wk->n || i == t->account)
				ask = i;
			continue;
		}
		app_worker_sync_now(wk->w[i]);
		asked++;
	}
	if (asked > 0)
		status_progress(&t->status, "%s", _("syncing"));
	t->dirty |= TUI_DIRTY_STATUS;
	if (ask == wk->n)
		return;
	wk->asking = ask;
	name = sanitize_line(t->cfg->accounts[ask].name);
	user = sanitize_line(t->cfg->accounts[ask].in.user != NULL ?
	    t->cfg->accounts[ask].in.user : "");
	host = sanitize_line(t->cfg->accounts[ask].in.host != NULL ?
	    t->cfg->accounts[ask].in.host : "");
	label = xasprintf(_("Password for account %s (%s at %s): "), name,
	    user, host);
	prompt_secret(&t->prompt, label, password_typed);
	free(label);
	free(name);
	free(user);
	free(host);
	t->dirty |= TUI_DIRTY_PROMPT;
}

void
workers_replay(struct tui *t)
{
	workers_replay_account(t, t->account);
}

void
workers_replay_account(struct tui *t, size_t account)
{
	if (account < t->wk.n && t->wk.w[account] != NULL && !t->offline_req)
		app_worker_replay_now(t->wk.w[account]);
}

void
workers_fetch_body(struct tui *t, int64_t id)
{
	if (t->offline_req) {
		status_msg(&t->status, _("offline: this message's body is not "
		    "stored (@ goes online)"));
		return;
	}
	if (mine(t) == NULL)
		return;		/* workers_start() asks when it comes */
	t->wk.loading = id;
	app_worker_fetch_body(mine(t), id);
}

void
workers_watch(struct tui *t)
{
	char	*name;

	if (mine(t) == NULL)
		return;
	name = open_folder_name(t);
	app_worker_watch(mine(t), name);
	free(name);
}

void
workers_toggle_online(struct tui *t)
{
	size_t	i;

	t->offline_req = !t->offline_req;
	for (i = 0; i < t->wk.n; i++)
		if (t->wk.w[i] != NULL)
			app_worker_set_online(t->wk.w[i], !t->offline_req);
	if (t->offline_req) {
		t->online = false;
		status_clear_progress(&t->status);
	}
	status_msg(&t->status, "%s", t->offline_req ? _("offline: nothing "
	    "goes to the network until @ again") : _("going online"));
	if (!t->offline_req && t->outbox > 0)
		workers_flush_outbox(t, t->account);
	t->dirty |= TUI_DIRTY_STATUS;
}

/* ---- the outbox ------------------------------------------------------------ */

/* Send account's outbox through its worker, without blocking the UI. */
void
workers_flush_outbox(struct tui *t, size_t account)
{
	if (t->offline_req) {
		status_msg(&t->status, _("queued in the outbox: offline, it "
		    "goes when you are back online (@)"));
		return;
	}
	/* No worker yet: its first pass sends what waits. */
	if (account >= t->wk.n || t->wk.w[account] == NULL)
		return;
	app_worker_send_now(t->wk.w[account]);
	status_progress(&t->status, "%s", _("sending"));
}
