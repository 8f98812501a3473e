/*
 * drv-imap.c - the IMAP driver's table (sync_imap_ops), its top floor:
 * connect and close, waiting for push (IDLE, else NOOP), the folders'
 * changes, and the journal's entries handed to the file of their kind.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail/mail.h"
#include "net/net.h"
#include "sync/sync.h"
#include "sync/drv.h"
#include "sync/drv-imap.h"
#include "util/i18n.h"

/* ---- connect / close ------------------------------------------------------- */

static void
be_close(struct sync_session *s, bool broken)
{
	struct imap_be	*be = s->be;
	size_t		 i;

	if (be == NULL)
		return;
	aux_close(s, broken);
	be_conn_drop(s, be, broken);
	drv_set_be(s, NULL);
	be_listed_drop(be);
	free(be->ns_prefix);
	free(be->selected);
	free(be->dropped);
	for (i = 0; i < be->nplaced; i++)
		free(be->placed[i].folder);
	free(be->placed);
	free(be->readable);
	free(be);
}

/* Called by the engine from another thread, with s->lock held. */
static void
be_cancel(struct sync_session *s)
{
	struct imap_be	*be = s->be;

	if (be != NULL && be->c != NULL)
		imap_cancel(be->c);
	if (be != NULL && be->aux != NULL)
		imap_cancel(be->aux);
}

static int
be_open(struct sync_session *s, struct perr *err)
{
	return be_conn_open(s, s->be, err);
}

static int
be_connect(struct sync_session *s, struct perr *err)
{
	return drv_connect(s, xcalloc(1, sizeof(struct imap_be)), be_open,
	    be_close, err);
}

/* ---- push ---------------------------------------------------------------------- */

static int
wait_noop(struct sync_session *s, int wake_fd, int timeout_ms,
    struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_news	 news;
	int			 ms;

	if (drv_wait_wake(wake_fd, timeout_ms, &ms))
		return SYNC_WATCH_WOKEN;
	if (imap_noop(be->c, &news, err) != 0)
		return -1;
	s->others_news |= news.others ||
	    (be->notify_on && imap_status_heard(be->c));
	if (imap_news_any(&news))
		return SYNC_WATCH_PULLED;
	return SYNC_WATCH_TIMEOUT;
}

static int
wait_push(struct sync_session *s, const struct store_folder *f, int wake_fd,
    int timeout_ms, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_news	 news, more;
	unsigned		 ready = 0;
	int			 w, ms;

	if (be->c == NULL)
		return perr_set(err, PERR_CONNECT, _("account %s: not connected"),
		    s->acct->name);
	/* IDLE watches the selected folder: make it f (the pull selects). */
	if (be->selected == NULL || be->selected_rw ||
	    f->remote_name == NULL || strcmp(be->selected, f->remote_name) != 0)
		return SYNC_WATCH_PULLED;
	/* News of the other folders too, where the server can tell them. */
	if (!be->notify_tried) {
		be->notify_tried = true;
		if (imap_can_notify(be->c)) {
			if (imap_notify_set(be->c, err) == 0)
				be->notify_on = true;
			else if (be_fatal(err))
				return -1;
		}
	}
	/*
	 * NOTIFY's news that came in the reply to another command (the
	 * last pull, a body, NOTIFY itself): the others now, not after the
	 * next IDLE.
	 */
	if (be->notify_on && imap_status_heard(be->c)) {
		s->others_news = true;
		return SYNC_WATCH_TIMEOUT;
	}
	if (be->no_idle || !imap_can_idle(be->c))
		return wait_noop(s, wake_fd, timeout_ms, err);
	ms = timeout_ms >= 0 && timeout_ms < IDLE_MAX_MS ? timeout_ms :
	    IDLE_MAX_MS;
	/* No NOTIFY, f is not INBOX: INBOX on a connection of its own. */
	if (!aux_wanted(s, f))
		aux_close(s, false);
	else if (aux_idle(s, &ms, err) != 0)
		return -1;
	/* INBOX changed while nobody idled on it: the engine pulls it. */
	if (s->inbox_news)
		return SYNC_WATCH_TIMEOUT;

	if (imap_idle_start(be->c, &news, err) != 0) {
		if (be_fatal(err))
			return -1;
		/* Refused: poll instead, on this connection and later. */
		be->no_idle = true;
		return wait_noop(s, wake_fd, timeout_ms, err);
	}
	/* Untagged data before "+ idling" is news already: end at once. */
	if (imap_news_any(&news))
		w = TLS_WAIT_DATA;
	else if (be->aux != NULL && be->aux_idling)
		w = imap_idle_wait2(be->c, be->aux, wake_fd, ms, &ready);
	else
		w = imap_idle_wait(be->c, wake_fd, ms);
	if (w == TLS_WAIT_ERROR && s->cancelled)
		return perr_set(err, PERR_IO, _("account %s: cancelled"),
		    s->acct->name);
	/* INBOX's news: s->inbox_news, for the engine to pull it. */
	if (ready & 2)
		aux_heard(s);
	memset(&more, 0, sizeof more);
	if (imap_idle_done(be->c, &more, err) != 0)
		return -1;
	/*
	 * Lines before "+ idling" are unread: they may be NOTIFY's too (the
	 * lexer counted them: imap_status_heard()).
	 */
	s->others_news |= news.others || more.others ||
	    (be->notify_on && imap_status_heard(be->c));
	if (imap_news_any(&news) || imap_news_any(&more))
		return SYNC_WATCH_PULLED;
	/*
	 * Data that was no news (Dovecot's "* OK Still here") simply ends
	 * this wait: the caller comes back at once.
	 */
	return w == TLS_WAIT_WOKEN ? SYNC_WATCH_WOKEN : SYNC_WATCH_TIMEOUT;
}

/* The status of remote that came with LIST, or NULL. */
static const struct imap_status *
listed_status(const struct imap_be *be, const char *remote)
{
	size_t	i;

	for (i = 0; i < be->nlisted; i++)
		if (strcmp(be->listed[i].name, remote) == 0)
			return &be->listed[i].st;
	return NULL;
}

/*
 * Can a STATUS of f tell whether it changed? Not for the folder selected
 * (RFC 3501: no STATUS on it), one never synced, or flags without
 * CONDSTORE.
 */
static bool
status_tells(const struct imap_be *be, const struct store_folder *f,
    bool flags)
{
	return !((flags && !be->condstore) || f->uidvalidity == 0 ||
	    f->uidnext == 0 || (be->condstore && f->highestmodseq == 0) ||
	    (be->selected != NULL && strcmp(be->selected, f->remote_name) == 0));
}

/*
 * STATUS of the folders not selected against their stored state, all in
 * one round trip: a new message moves UIDNEXT, an expunge MESSAGES, a flag
 * HIGHESTMODSEQ (with CONDSTORE; without it a flag change cannot be seen
 * this way: with `flags`, every folder then counts as changed and is
 * pulled, else flags wait for the next full pass). The selected
 * folder is pulled too (RFC 3501: no STATUS on it), and so is one never
 * synced or that the server would not describe. Most answers came with
 * the LIST just before (folders_list(): STATUS pipelined with it, or
 * LIST-STATUS), and then no STATUS goes out.
 */
static int
check_folders(struct sync_session *s, const struct store_folder *fs,
    size_t n, bool flags, bool *changed, struct perr *err)
{
	const struct imap_status *known;
	struct imap_be		*be = s->be;
	struct imap_status	*ist;
	const char		**names;
	bool			*ok;
	size_t			 i, k, nask, *at;
	int64_t			 total, unread;
	int			 rc = -1;

	names = xcalloc(n + 1, sizeof *names);
	at = xcalloc(n + 1, sizeof *at);
	ist = xcalloc(n + 1, sizeof *ist);
	ok = xcalloc(n + 1, sizeof *ok);
	/*
	 * Folders whose status came with LIST go first, already answered;
	 * the others get a STATUS each, all in one round trip.
	 */
	for (i = k = 0; i < n; i++) {
		changed[i] = true;
		if (status_tells(be, &fs[i], flags) &&
		    (known = listed_status(be, fs[i].remote_name)) != NULL) {
			ist[k] = *known;
			ok[k] = true;
			at[k++] = i;
		}
	}
	for (i = 0, nask = k; i < n; i++) {
		if (status_tells(be, &fs[i], flags) &&
		    listed_status(be, fs[i].remote_name) == NULL) {
			names[k] = fs[i].remote_name;
			at[k++] = i;
		}
	}
	be_listed_drop(be);
	if (k > nask && imap_status_many(be->c, names + nask, k - nask,
	    ist + nask, ok + nask, err) != 0)
		goto out;
	for (i = 0; i < k; i++) {
		if (!ok[i])
			continue;
		if (store_folder_counts(s->st, fs[at[i]].id, &total, &unread,
		    err) != 0)
			goto out;
		changed[at[i]] = ist[i].uidvalidity != fs[at[i]].uidvalidity ||
		    ist[i].uidnext != fs[at[i]].uidnext ||
		    (int64_t)ist[i].messages != total || (be->condstore &&
		    ist[i].highestmodseq != fs[at[i]].highestmodseq);
	}
	rc = 0;
out:
	free(names);
	free(at);
	free(ist);
	free(ok);
	return rc;
}

static int
be_apply_journal(struct sync_session *s, const struct store_journal *v,
    size_t n, struct perr *err)
{
	struct imap_be	*be = s->be;
	struct perr	 why;

	if (be == NULL || be->c == NULL)
		return perr_set(err, PERR_CONNECT, _("account %s: not connected"),
		    s->acct->name);
	switch (v[0].op) {
	case STORE_JOP_FLAGS:
		return replay_flags(s, v, n, err);
	case STORE_JOP_MOVE:
		return move_apply(s, v, n, false, err);
	case STORE_JOP_COPY:
		return move_apply(s, v, n, true, err);
	case STORE_JOP_EXPUNGE:
		return replay_expunge(s, v, n, err);
	case STORE_JOP_FOLDER_CREATE:
	case STORE_JOP_FOLDER_RENAME:
	case STORE_JOP_FOLDER_DELETE:
	case STORE_JOP_SUBSCRIBE:
	case STORE_JOP_UNSUBSCRIBE:
		return replay_folder_op(s, &v[0], err);
	case STORE_JOP_APPEND:
		return replay_append(s, &v[0], err);
	case STORE_JOP_UNKNOWN:
		break;
	}
	perr_set(&why, PERR_GENERIC, _("an operation this posta does not know"));
	return replay_refused_all(s, v, 1, false, &why) < 0 ? -1 : 0;
}

const struct account_ops sync_imap_ops = {
	.name = "imap",
	.connect = be_connect,
	.list_folders = folders_list,
	.pull_folder = pull_folder,
	.fetch_bodies = fetch_bodies,
	.fetch_depth = imap_fetch_depth,
	.apply_journal = be_apply_journal,
	.wait_push = wait_push,
	.check_folders = check_folders,
	.cancel = be_cancel,
	.close = be_close,
	.fatal = be_fatal,
};
