/*
 * sync-conn.c - what the account worker's held connection does between
 * passes: one body on demand, a check of every folder, and waiting for
 * the server's news on one folder (then a pull of it, as a pass would).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail.h"
#include "mail/problem.h"
#include "sync/drv.h"
#include "sync/sync-int.h"
#include "util/i18n.h"

int
sync_conn_fetch_body(struct sync_conn *c, int64_t id, struct perr *err)
{
	struct sync_session	*s = &c->s;
	struct store_msg	 m;
	struct store_folder	 f;
	struct sync_body_req	 req;
	void			*raw = NULL;
	size_t			 len;
	int			 rc = -1;

	perr_clear(err);
	if (c->broken)
		return perr_set(err, PERR_CONNECT, _("account %s: the "
		    "connection was lost"), s->acct->name);
	if (store_msg_get(s->st, id, &m, err) != 0)
		return -1;
	memset(&f, 0, sizeof f);
	if (store_folder_get(s->st, m.folder_id, &f, err) != 0)
		goto out;
	if (f.account_id != s->account_id) {
		perr_set(err, PERR_NOTFOUND, _("message %lld is not in account "
		    "%s"), (long long)id, s->acct->name);
		goto out;
	}
	if (m.body_state == STORE_BODY_FULL) {
		rc = 0;
		goto out;
	}
	if (m.uid == 0 || f.remote_name == NULL) {
		perr_set(err, PERR_NOTFOUND, _("message %lld is not on the "
		    "server (yet)"), (long long)id);
		goto out;
	}
	/* Not whole for a reason another fetch would not cure: say it. */
	if (m.problem != NULL || m.size > (int64_t)MAIL_MSG_MAX) {
		if (m.problem == NULL)
			m.problem = problem_too_big(m.size);
		perr_set(err, PERR_GENERIC, _("message %lld: %s"), (long long)id,
		    m.problem);
		goto out;
	}
	req.id = m.id;
	req.uid = m.uid;
	req.size = m.size;
	sync_folder_start(s, &f, SYNC_BODIES);
	if (c->ops->fetch_bodies(s, &f, &req, 1, err) != 0) {
		sync_conn_failed(c, err);
		goto out;
	}
	/*
	 * A message gone from the server is skipped without a word, and one
	 * whose reply broke gets a problem that says so.
	 */
	if (store_body_get(s->st, id, &raw, &len, err) != 0) {
		store_msg_free(&m);
		if (err->code != PERR_NOTFOUND ||
		    store_msg_get(s->st, id, &m, err) != 0)
			goto out;
		if (m.problem != NULL)
			perr_set(err, PERR_GENERIC, _("message %lld: %s"),
			    (long long)id, m.problem);
		else
			perr_set(err, PERR_NOTFOUND, _("message %lld is no "
			    "longer on the server"), (long long)id);
		goto out;
	}
	free(raw);
	rc = 0;
out:
	store_folder_free(&f);
	store_msg_free(&m);
	return rc;
}

/* Pull one folder as a pass would (headers, then bodies) and report it. */
static int
pull_one(struct sync_conn *c, const struct store_folder *f, struct perr *err)
{
	struct sync_session	*s = &c->s;
	struct sync_progress	 sum;
	struct perr		 ignored;
	int			 rc = -1;

	s->threader = sync_threader_new(s->account_id);
	sync_folder_start(s, f, SYNC_HEADERS);
	sync_report(s);
	if (c->ops->pull_folder(s, f, err) != 0) {
		sync_conn_failed(c, err);
		goto out;
	}
	sum = s->prog;
	sync_folder_start(s, f, SYNC_BODIES);
	if (sync_pull_bodies(s, c->ops, f, err) != 0) {
		sync_conn_failed(c, err);
		goto out;
	}
	/* One FOLDER_DONE with everything, after the bodies are stored. */
	s->prog.added = sum.added;
	s->prog.unseen = sum.unseen;
	s->prog.changed = sum.changed;
	s->prog.expunged = sum.expunged;
	s->prog.problems = sum.problems;
	s->prog.full = sum.full;
	s->prog.phase = SYNC_FOLDER_DONE;
	sync_report(s);
	rc = 0;
out:
	/* Cut short: what waits for its body is found by its headers. */
	if (rc != 0)
		(void)store_index_catch_up(s->st, f->id, NULL, &ignored);
	sync_threader_free(s->threader);
	s->threader = NULL;
	return rc;
}

/* pull_one() under the account's sync lock. */
static int
pull_one_locked(struct sync_conn *c, const struct store_folder *f,
    struct perr *err)
{
	int	rc;

	if (sync_conn_lock(c, err) != 0)
		return sync_conn_failed(c, err);
	rc = pull_one(c, f, err);
	sync_conn_unlock(c);
	return rc;
}

int
sync_conn_check(struct sync_conn *c, const char *skip, size_t *pulled,
    struct perr *err)
{
	struct sync_session	*s = &c->s;
	struct chosen		 ch;
	struct perr		 first, ferr;
	size_t			 i, n = 0;
	bool			*changed = NULL;
	int			 rc = -1;

	perr_clear(err);
	perr_clear(&first);
	if (c->broken)
		return perr_set(err, PERR_CONNECT, _("account %s: the "
		    "connection was lost"), s->acct->name);
	memset(&ch, 0, sizeof ch);
	ch.local = s->acct->protocol == PROTO_POP3;
	ch.acct = s->acct;
	if (store_folder_walk(s->st, s->account_id, choose_one, &ch, err) < 0)
		goto out;
	changed = xcalloc(ch.n + 1, sizeof *changed);
	if (sync_folders_changed(c, &ch, false, changed, err) != 0)
		goto out;
	for (i = 0; i < ch.n; i++) {
		if ((skip != NULL && strcmp(ch.v[i].name, skip) == 0) ||
		    !changed[i])
			continue;
		perr_clear(&ferr);
		if (pull_one_locked(c, &ch.v[i], &ferr) == 0)
			n++;
		if (ferr.code == PERR_OK)
			continue;
		if (c->ops->fatal(&ferr) || s->cancelled) {
			*err = ferr;
			sync_conn_failed(c, err);
			goto out;
		}
		if (first.code == PERR_OK)
			first = ferr;	/* this folder only: go on */
	}
	if (first.code != PERR_OK) {
		*err = first;
		goto out;
	}
	rc = 0;
out:
	choose_free(&ch);
	free(changed);
	if (pulled != NULL)
		*pulled = n;
	return rc;
}

/* Pull INBOX as the watch pulls its folder. */
static int
pull_inbox(struct sync_conn *c, struct perr *err)
{
	struct store_folder	f;
	int			rc;

	memset(&f, 0, sizeof f);
	if (store_folder_by_special(c->s.st, c->s.account_id,
	    STORE_SPECIAL_INBOX, &f, err) != 0)
		return -1;
	rc = pull_one_locked(c, &f, err);
	store_folder_free(&f);
	return rc;
}

int
sync_conn_watch(struct sync_conn *c, const char *folder, int wake_fd,
    int timeout_ms, struct perr *err)
{
	struct sync_session	*s = &c->s;
	struct store_folder	 f;
	int			 r, ms;

	perr_clear(err);
	if (c->broken)
		return perr_set(err, PERR_CONNECT, _("account %s: the "
		    "connection was lost"), s->acct->name);
	memset(&f, 0, sizeof f);
	if (folder == NULL || strcasecmp(folder, "INBOX") == 0)
		r = store_folder_by_special(s->st, s->account_id,
		    STORE_SPECIAL_INBOX, &f, err);
	else
		r = store_folder_by_name(s->st, s->account_id, folder, &f,
		    err);
	if (r != 0)
		return -1;
	if (f.noselect || (f.remote_name == NULL &&
	    s->acct->protocol != PROTO_POP3)) {
		store_folder_free(&f);
		return perr_set(err, PERR_NOTFOUND, _("%s cannot hold messages"),
		    folder != NULL ? folder : "INBOX");
	}

	if (c->ops->wait_push != NULL) {
		r = c->ops->wait_push(s, &f, wake_fd, timeout_ms, err);
		if (r < 0)
			sync_conn_failed(c, err);
	} else {
		/* No push (POP3): look again every SYNC_POLL_MS. */
		if (drv_wait_wake(wake_fd, timeout_ms, &ms))
			r = SYNC_WATCH_WOKEN;
		else if (ms < SYNC_POLL_MS)
			r = SYNC_WATCH_TIMEOUT;
		else
			r = SYNC_WATCH_PULLED;
	}
	if (r == SYNC_WATCH_PULLED && pull_one_locked(c, &f, err) != 0)
		r = -1;
	if (r >= 0 && s->inbox_news) {
		/* The backend's second connection saw INBOX change. */
		s->inbox_news = false;
		if (pull_inbox(c, err) != 0 && c->broken)
			r = -1;
		else if (r == SYNC_WATCH_TIMEOUT)
			r = SYNC_WATCH_PULLED;
	}
	if (r >= 0 && s->others_news) {
		/* NOTIFY said other folders changed: those are pulled now. */
		s->others_news = false;
		if (sync_conn_check(c, f.name, NULL, err) != 0 && c->broken)
			r = -1;
		else if (r == SYNC_WATCH_TIMEOUT)
			r = SYNC_WATCH_PULLED;
	}
	store_folder_free(&f);
	return r;
}
