/*
 * drv-imap-aux.c - the second connection (issue 13): on a server without
 * NOTIFY, while the folder watched is not INBOX, INBOX is idled on over a
 * connection of its own, so that new mail there is seen at once and not
 * at the next periodic check. wait_push() (drv-imap.c) waits on both
 * connections at once (imap_idle_wait2()); news on this one sets
 * s->inbox_news and the engine pulls INBOX over the main connection. This
 * one only ever idles: it sends EXAMINE INBOX and IDLE, nothing else.
 *
 * One per session, opened when first wanted, closed when the watch comes
 * back to INBOX (or NOTIFY is on after all) and with the session. A
 * failure costs only this connection: it is tried again after 2 s,
 * doubling up to 5 minutes, as the worker retries the main one. A refused
 * login is the account's (the password changed under it): wait_push()
 * fails with it, and the worker asks the user before any login more.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/net.h"
#include "sync/drv.h"
#include "sync/drv-imap.h"

#define AUX_RETRY_FIRST_MS	2000
#define AUX_RETRY_MAX_MS	(5 * 60 * 1000)

/* *ms = min(*ms, left), where *ms < 0 means "no bound yet". */
static void
aux_bound(int *ms, int64_t left)
{
	if (left < 0)
		left = 0;
	if (left > INT32_MAX)
		left = INT32_MAX;
	if (*ms < 0 || left < *ms)
		*ms = (int)left;
}

bool
aux_wanted(const struct sync_session *s, const struct store_folder *f)
{
	const struct imap_be	*be = s->be;

	return !be->notify_on && !be->no_idle && be->c != NULL &&
	    imap_can_idle(be->c) && f->special_use != STORE_SPECIAL_INBOX;
}

void
aux_close(struct sync_session *s, bool broken)
{
	struct imap_be		*be = s->be;
	struct imap_conn	*c;
	struct imap_news	 news;
	struct perr		 err;

	pthread_mutex_lock(&s->lock);
	c = be->aux;
	be->aux = NULL;
	broken = broken || s->cancelled;
	pthread_mutex_unlock(&s->lock);
	if (c == NULL)
		return;
	/* DONE first: LOGOUT inside an IDLE is not a command. */
	if (!broken && be->aux_idling && imap_idle_done(c, &news, &err) != 0)
		broken = imap_err_fatal(&err);
	be->aux_idling = false;
	if (broken)
		imap_abort(c);
	else
		imap_close(c);
}

/* It failed (err NULL: the connect did): close it, try again later. */
static void
aux_failed(struct sync_session *s, const struct perr *err)
{
	struct imap_be	*be = s->be;

	aux_close(s, err == NULL || imap_err_fatal(err));
	be->aux_retry_ms = be->aux_retry_ms == 0 ? AUX_RETRY_FIRST_MS :
	    be->aux_retry_ms * 2 > AUX_RETRY_MAX_MS ? AUX_RETRY_MAX_MS :
	    be->aux_retry_ms * 2;
	be->aux_next = mono_ms() + be->aux_retry_ms;
}

/*
 * INBOX as EXAMINE found it against the store: mail that came while no
 * connection idled on it (the watch moved, a reconnect) is news too.
 */
static void
aux_compare(struct sync_session *s, const struct imap_selected *sel)
{
	struct store_folder	f;
	struct perr		err;
	int64_t			total, unread;

	memset(&f, 0, sizeof f);
	if (store_folder_by_special(s->st, s->account_id, STORE_SPECIAL_INBOX,
	    &f, &err) != 0 ||
	    store_folder_counts(s->st, f.id, &total, &unread, &err) != 0 ||
	    f.uidvalidity != sel->uidvalidity || f.uidnext != sel->uidnext ||
	    total != (int64_t)sel->exists)
		s->inbox_news = true;
	store_folder_free(&f);
}

/* Connect, EXAMINE INBOX. -1 only for a refused login (err set). */
static int
aux_open(struct sync_session *s, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_conn	*c;
	struct imap_selected	 sel;
	struct perr		 aerr;
	bool			 cancelled;

	if ((c = imap_connect(s->acct, &s->acct->in, &aerr)) == NULL) {
		if (aerr.code == PERR_AUTH) {
			*err = aerr;
			return -1;
		}
		aux_failed(s, NULL);
		return 0;
	}
	pthread_mutex_lock(&s->lock);
	if (!(cancelled = s->cancelled))
		be->aux = c;
	pthread_mutex_unlock(&s->lock);
	if (cancelled) {
		/* The main wait fails on its own cancel. */
		imap_abort(c);
		return 0;
	}
	memset(&sel, 0, sizeof sel);
	if (imap_select(c, "INBOX", IMAP_SELECT_EXAMINE, NULL, NULL, NULL,
	    &sel, &aerr) != 0) {
		imap_selected_free(&sel);
		aux_failed(s, &aerr);
		return 0;
	}
	aux_compare(s, &sel);
	imap_selected_free(&sel);
	return 0;
}

int
aux_idle(struct sync_session *s, int *ms, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_news	 news;
	struct perr		 aerr;
	int64_t			 t = mono_ms();

	if (be->aux != NULL && be->aux_idling &&
	    t - be->aux_since >= IDLE_MAX_MS) {
		/* RFC 2177: IDLE again before the server's 30 minutes. */
		aux_heard(s);
		t = mono_ms();
	}
	if (be->aux == NULL) {
		if (t < be->aux_next) {
			aux_bound(ms, be->aux_next - t);
			return 0;
		}
		if (aux_open(s, err) != 0)
			return -1;
		if (be->aux == NULL) {
			aux_bound(ms, be->aux_next - mono_ms());
			return 0;
		}
	}
	if (!be->aux_idling) {
		if (imap_idle_start(be->aux, &news, &aerr) != 0) {
			aux_failed(s, &aerr);
			aux_bound(ms, be->aux_next - mono_ms());
			return 0;
		}
		be->aux_idling = true;
		be->aux_since = mono_ms();
		be->aux_retry_ms = 0;	/* it works */
		if (imap_news_any(&news))
			s->inbox_news = true;
	}
	aux_bound(ms, IDLE_MAX_MS - (mono_ms() - be->aux_since));
	return 0;
}

void
aux_heard(struct sync_session *s)
{
	struct imap_be		*be = s->be;
	struct imap_news	 news;
	struct perr		 err;

	if (be->aux == NULL || !be->aux_idling)
		return;
	memset(&news, 0, sizeof news);
	if (imap_idle_done(be->aux, &news, &err) != 0) {
		aux_failed(s, &err);
		return;
	}
	be->aux_idling = false;
	if (imap_news_any(&news))
		s->inbox_news = true;
}
