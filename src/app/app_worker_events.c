/*
 * app_worker_events.c - the account worker's side of its events (worker
 * -> UI): the queue under the worker's mutex, what each event says, the
 * new-mail command run on arrivals, and the outbox sent from the worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/app.h"
#include "app/app-worker-int.h"
#include "util/i18n.h"

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

void
wev_post(struct app_worker *w, const struct app_event *ev)
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
	worker_poke(w->evp[1]);
}

void
wev_simple(struct app_worker *w, enum app_event_type type, int64_t folder_id,
    int64_t msg_id, const char *text)
{
	struct app_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.folder_id = folder_id;
	ev.msg_id = msg_id;
	if (text != NULL)
		copy_text(ev.text, sizeof ev.text, text);
	wev_post(w, &ev);
}

void
wev_state(struct app_worker *w, bool online, int64_t retry_ms)
{
	struct app_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = online ? APP_EV_ONLINE : APP_EV_OFFLINE;
	ev.retry_ms = retry_ms;
	wev_post(w, &ev);
}

/* The account is offline because its login was refused. */
void
wev_refused_state(struct app_worker *w)
{
	struct app_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.type = APP_EV_OFFLINE;
	ev.retry_ms = -1;
	ev.login_refused = true;
	wev_post(w, &ev);
}

/* The server refused the login: no retry until the user acts. */
void
wev_refused(struct app_worker *w, const char *why)
{
	char	text[sizeof ((struct perr *)0)->msg + 64];

	(void)snprintf(text, sizeof text, _("%s; not tried again until you "
	    "sync."), why);
	wev_simple(w, APP_EV_ERROR, 0, 0, text);
	wev_refused_state(w);
}

/* Offline as asked: the state, and a word that it was heard. */
void
wev_offline(struct app_worker *w)
{
	char	text[sizeof ((struct app_event *)0)->text];

	wev_state(w, false, -1);
	(void)snprintf(text, sizeof text, _("account %s is offline, as "
	    "asked; nothing goes to its server until it goes online again."),
	    w->acct.name);
	wev_simple(w, APP_EV_NOTE, 0, 0, text);
}

/* The account's first pass is over: what it brought. */
void
wev_first_done(struct app_worker *w, const struct sync_stats *st)
{
	char	text[sizeof ((struct app_event *)0)->text];

	if (st->folders == 1)
		(void)snprintf(text, sizeof text, _("account %s: the first "
		    "sync of its only folder is done; messages stored: %llu."),
		    w->acct.name, (unsigned long long)st->added);
	else
		(void)snprintf(text, sizeof text, _("account %s: the first "
		    "sync of its %llu folders is done; messages stored: %llu."),
		    w->acct.name, (unsigned long long)st->folders,
		    (unsigned long long)st->added);
	wev_simple(w, APP_EV_NOTE, 0, 0, text);
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
		(void)snprintf(text, sizeof text, _("new_mail_command could "
		    "not start: %s."), strerror(errno));
		wev_simple(w, APP_EV_ERROR, 0, 0, text);
		return;
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
}

/* The sync's progress, turned into events (on the worker thread). */
void
wev_progress(void *arg, const struct sync_progress *p)
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
		wev_post(w, &ev);
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
	wev_post(w, &ev);
}

/* The journal's counts now, for the status line. */
void
wev_journal(struct app_worker *w, struct store *st)
{
	struct app_event	ev;
	struct perr		err;
	int64_t			id;

	memset(&ev, 0, sizeof ev);
	ev.type = APP_EV_JOURNAL;
	if (store_account_find(st, w->acct.name, &id, NULL, &err) != 0 ||
	    store_journal_count(st, id, &ev.waiting, &ev.failed, &err) != 0)
		return;		/* never synced: nothing can wait */
	wev_post(w, &ev);
}

/* ---- the outbox -------------------------------------------------------------------- */

/* One message's outcome, for the status line. */
static void
on_outbox(void *arg, const struct app_outbox_event *ev)
{
	struct app_worker	*w = arg;
	char			 text[sizeof ((struct app_event *)0)->text];

	if (*ev->text != '\0')
		(void)snprintf(text, sizeof text, _("outbox %lld \"%s\": %s: "
		    "%s"), (long long)ev->id, ev->subject, app_outbox_words(ev),
		    ev->text);
	else
		(void)snprintf(text, sizeof text, _("outbox %lld \"%s\": %s"),
		    (long long)ev->id, ev->subject, app_outbox_words(ev));
	wev_simple(w, ev->what == APP_OUTBOX_SENT ? APP_EV_NOTE :
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
void
wev_flush_outbox(struct app_worker *w, struct store *st)
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
		wev_simple(w, APP_EV_ERROR, 0, 0, err.msg);
}

/* The first failure of a flush the UI asked for, for its message line. */
struct send_words {
	char	first[sizeof ((struct app_event *)0)->text];
	bool	held;
};

/*
 * A partial delivery's words are app_outbox.c's "refused for %s" (in the
 * user's language): whom and why, after that sentence's lead; NULL when
 * the text is not one.
 */
static const char *
refused_whom(const char *text)
{
	const char	*fmt = _("refused for %s"), *arg = strstr(fmt, "%s");
	size_t		 lead = arg != NULL ? (size_t)(arg - fmt) : 0;

	if (arg == NULL || strncmp(text, fmt, lead) != 0)
		return NULL;
	return text + lead;
}

/*
 * The line shows about 80 columns: what became of the message and for
 * whom first, the server's words after. A held message (the user must
 * act) wins over one tried again anyway.
 */
static void
on_send(void *arg, const struct app_outbox_event *ev)
{
	struct send_words	*sw = arg;
	const char		*text = ev->text, *who;

	if (ev->what == APP_OUTBOX_SENT || text == NULL || *text == '\0' ||
	    (sw->first[0] != '\0' && (sw->held || !ev->held)))
		return;
	if (ev->what == APP_OUTBOX_NOTE)
		(void)snprintf(sw->first, sizeof sw->first, "%s", text);
	else if (ev->what == APP_OUTBOX_PARTIAL &&
	    (who = refused_whom(text)) != NULL)
		(void)snprintf(sw->first, sizeof sw->first, ev->held ?
		    _("outbox %lld held for %s") : _("outbox %lld waits for %s"),
		    (long long)ev->id, who);
	else
		(void)snprintf(sw->first, sizeof sw->first, ev->held ?
		    _("outbox %lld held: %s") : _("outbox %lld waits: %s"),
		    (long long)ev->id, text);
	if (ev->what != APP_OUTBOX_NOTE)
		sw->held = ev->held;
}

/* app_worker_send_now(): the outbox now, then one APP_EV_OUTBOX_DONE. */
void
wev_send_outbox(struct app_worker *w)
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
		    _("the outbox could not be sent"));
	ev.done = stats.sent;
	wev_post(w, &ev);
}

