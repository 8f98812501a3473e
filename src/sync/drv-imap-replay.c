/*
 * drv-imap-replay.c - the IMAP driver: replaying the journal
 * (doc/SYNC-RULES.md 3 and 4): flags, expunges, folder operations,
 * appends, and the steps every kind of entry shares.
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

/* ---- replaying the journal (doc/SYNC-RULES.md 3 and 4) --------------------------- */

/* The folder as the user knows it, for notes; malloc'd. */
char *
replay_folder(const struct sync_session *s, const char *raw)
{
	return be_display_name(s->be, raw != NULL ? raw : "?");
}

/*
 * Mark entries sent (about to go out), in one transaction. uids (may be
 * NULL): the UIDs they go out with; an entry written without one gets it,
 * so that a check after a crash asks about the same message.
 */
int
replay_mark(struct sync_session *s, const struct store_journal *const *v,
    size_t n, const uint32_t *uids, struct perr *err)
{
	size_t	i;

	if (n == 0)
		return 0;
	if (store_begin(s->st, err) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((v[i]->state != STORE_JSENT &&
		    store_journal_sent(s->st, v[i]->id, err) != 0) ||
		    (uids != NULL && v[i]->uid == 0 && uids[i] != 0 &&
		    store_journal_set_uid(s->st, v[i]->id, uids[i], err) != 0)) {
			(void)store_rollback(s->st, NULL);
			return -1;
		}
	return store_commit(s->st, err);
}

/* Settle entries: done (deleted), or failed with why's words. */
int
replay_settle(struct sync_session *s, const struct store_journal *const *v,
    size_t n, const struct perr *why, struct perr *err)
{
	size_t	i;
	int	r;

	if (n == 0)
		return 0;
	if (store_begin(s->st, err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		r = why == NULL ? store_journal_done(s->st, v[i]->id, err) :
		    store_journal_failed(s->st, v[i]->id, why->msg, err);
		/* Dropped by the user meanwhile: nothing to settle. */
		if (r != 0 && err->code != PERR_NOTFOUND) {
			(void)store_rollback(s->st, NULL);
			return -1;
		}
	}
	return store_commit(s->st, err);
}

/*
 * The connection failed: entries not sent yet go back to pending with the
 * error noted; sent ones stay sent (the next replay checks the server).
 * Returns -1 (err is kept).
 */
static int
j_lost(struct sync_session *s, const struct store_journal *const *v, size_t n,
    bool sent, struct perr *err)
{
	struct perr	ignored;
	size_t		i;

	if (!sent)
		for (i = 0; i < n; i++)
			if (v[i]->state != STORE_JSENT)
				(void)store_journal_defer(s->st, v[i]->id,
				    err->msg, &ignored);
	return -1;
}

/* A failure of a command on their behalf: fail them (NO) or give up (fatal). */
int
replay_refused(struct sync_session *s, const struct store_journal *const *v,
    size_t n, bool sent, struct perr *err)
{
	struct perr	why = *err;

	if (be_fatal(err))
		return j_lost(s, v, n, sent, err);
	if (replay_settle(s, v, n, &why, err) != 0)
		return -1;
	perr_clear(err);
	return 0;
}

/*
 * SELECT mailbox read-write for the replay, unless it already is. When the
 * store knows the folder under another UIDVALIDITY, the server renumbered
 * it: its rows and the journal's UIDs are forgotten (found again by
 * Message-ID; no entry is ever deleted for this) and DRV_AGAIN is
 * returned, so the batch is read again. -1 with err set: refused (PERR_NOTFOUND: no such
 * folder) or a broken connection; or PERR_PROTOCOL when the server gives
 * no UIDVALIDITY, as the pull refuses it (pull_once()): a UID then may
 * name any message, so nothing is sent and the entries wait.
 */
int
replay_select(struct sync_session *s, const char *mailbox, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_selected	 sel;
	struct store_folder	 f;
	struct perr		 perr;
	char			*shown;
	int			 rc = 0;

	if (mailbox == NULL)
		return perr_set(err, PERR_GENERIC, _("the journal entry names "
		    "no folder"));
	if (be->selected != NULL && be->selected_rw &&
	    strcmp(be->selected, mailbox) == 0)
		return 0;
	free(be->selected);
	be->selected = NULL;
	if (imap_select(be->c, mailbox, 0, NULL, NULL, NULL, &sel, err) != 0) {
		imap_selected_free(&sel);
		return -1;
	}
	if (sel.uidvalidity == 0) {
		imap_selected_free(&sel);
		shown = replay_folder(s, mailbox);
		net_fail(err, NULL, be->c->report.hostport, PERR_PROTOCOL,
		    _("%s: the server gave no UIDVALIDITY, so no change made "
		    "there is sent to it"), shown);
		free(shown);
		return -1;
	}
	be->selected = xstrdup(mailbox);
	be->selected_rw = true;
	memset(&f, 0, sizeof f);
	if (store_folder_by_remote(s->st, s->account_id, mailbox, &f,
	    &perr) == 0 && f.uidvalidity != 0 && sel.uidvalidity != 0 &&
	    f.uidvalidity != sel.uidvalidity) {
		if (store_begin(s->st, err) != 0 ||
		    store_folder_forget_uids(s->st, f.id, err) != 0 ||
		    store_folder_set_sync(s->st, f.id, sel.uidvalidity, 0, 0,
		    f.last_sync, err) != 0 ||
		    store_journal_forget_uids(s->st, f.id, err) != 0 ||
		    store_commit(s->st, err) != 0) {
			(void)store_rollback(s->st, NULL);
			rc = DRV_FAILED;
		} else
			rc = DRV_AGAIN;
	}
	store_folder_free(&f);
	imap_selected_free(&sel);
	return rc;
}

/*
 * Where the replay last put row id: the folder (remote name) and UID the
 * server gave it. Later entries on the row in that folder were written
 * without a UID; j_find() gives them this one. (Kept in memory for the
 * session, like the model of SYNC-RULES: a row that leaves a folder and
 * comes back has a new UID there, so a UID written into every later
 * entry at once would be wrong for the second visit. After a crash the
 * Message-ID search of j_find() takes over.)
 */
static void
j_place(struct imap_be *be, int64_t id, const char *folder, uint32_t uid)
{
	size_t	i;

	for (i = 0; i < be->nplaced; i++)
		if (be->placed[i].row == id)
			break;
	if (i == be->nplaced) {
		be->placed = xreallocarray(be->placed, be->nplaced + 1,
		    sizeof *be->placed);
		be->nplaced++;
		be->placed[i].folder = NULL;
	}
	free(be->placed[i].folder);
	be->placed[i].row = id;
	be->placed[i].folder = xstrdup(folder);
	be->placed[i].uid = uid;
}

static uint32_t
j_placed(const struct imap_be *be, int64_t id, const char *folder)
{
	size_t	i;

	for (i = 0; i < be->nplaced; i++)
		if (be->placed[i].row == id)
			return folder != NULL &&
			    strcmp(be->placed[i].folder, folder) == 0 ?
			    be->placed[i].uid : 0;
	return 0;
}

/*
 * The UID of e's message in the selected folder, for an entry that has
 * none: its row's UID when the row is in that folder, else a search by
 * the row's Message-ID (the highest match). *uid 0: not there.
 */

static int
j_find(struct sync_session *s, const struct store_journal *e, int64_t in_folder,
    uint32_t *uid, struct perr *err)
{
	return replay_find_free(s, e, in_folder, NULL, 0, uid, err);
}

/* j_find(), the search skipping the UIDs taken (given to other entries). */
int
replay_find_free(struct sync_session *s, const struct store_journal *e,
    int64_t in_folder, const uint32_t *taken, size_t ntaken, uint32_t *uid,
    struct perr *err)
{
	struct imap_be		*be = s->be;
	struct store_msg	 m;
	struct imap_uids	 u;
	int			 rc = 0;

	*uid = 0;
	if (e->message_id == 0)
		return 0;
	/* Put there (in the selected folder) by this replay: its UID. */
	if ((*uid = j_placed(be, e->message_id, be->selected)) != 0)
		return 0;
	if (store_msg_get(s->st, e->message_id, &m, err) != 0) {
		if (err->code != PERR_NOTFOUND)
			return -1;
		perr_clear(err);
		return 0;
	}
	if (m.folder_id == in_folder && m.uid != 0)
		*uid = m.uid;
	else if (m.message_id != NULL && *m.message_id != '\0') {
		if (imap_search_header(be->c, "Message-ID", m.message_id, &u,
		    err) != 0)
			rc = -1;
		else {
			size_t i, k;

			for (i = u.n; i > 0 && *uid == 0; i--) {
				for (k = 0; k < ntaken &&
				    taken[k] != u.v[i - 1]; k++)
					;
				if (k == ntaken)
					*uid = u.v[i - 1];
			}
		}
		imap_uids_free(&u);
	}
	store_msg_free(&m);
	return rc;
}

/*
 * Remove uids from the selected folder for good: \Deleted, then UID
 * EXPUNGE (UIDPLUS); without UIDPLUS a plain EXPUNGE only when no other
 * message is \Deleted there, else they stay \Deleted (*left set).
 */
int
replay_remove(struct sync_session *s, const uint32_t *uids, size_t n,
    bool *left, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_uids	 del;
	size_t			 i;
	bool			 only_ours = true;

	*left = false;
	if (n == 0)
		return 0;
	if (imap_store_flags(be->c, uids, n, true, IMAP_FLAG_DELETED, NULL,
	    err) != 0)
		return -1;
	if (imap_has_cap(be->c, "UIDPLUS"))
		return imap_uid_expunge(be->c, uids, n, err);
	if (imap_search_deleted(be->c, &del, err) != 0)
		return -1;
	for (i = 0; i < del.n && only_ours; i++) {
		size_t j;

		for (j = 0; j < n && uids[j] != del.v[i]; j++)
			;
		only_ours = j < n;
	}
	imap_uids_free(&del);
	if (!only_ours) {
		*left = true;
		return 0;
	}
	return imap_expunge(be->c, err);
}

void
replay_set_add(struct replay_set *js, const struct store_journal *e,
    uint32_t uid)
{
	js->e = xreallocarray(js->e, js->n + 1, sizeof *js->e);
	js->uid = xreallocarray(js->uid, js->n + 1, sizeof *js->uid);
	js->e[js->n] = e;
	js->uid[js->n] = uid;
	js->n++;
}

void
replay_set_free(struct replay_set *js)
{
	free(js->e);
	free(js->uid);
	memset(js, 0, sizeof *js);
}

/*
 * Split a batch by whether its messages are still in the selected folder
 * (the source): another device may have expunged them. An entry without a
 * UID (it comes alone) is first looked up by Message-ID.
 */
int
replay_split(struct sync_session *s, const struct store_journal *v, size_t n,
    int64_t folder_id, struct replay_set *here, struct replay_set *gone,
    struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_uids	 ex;
	uint32_t		*uids, uid;
	size_t			 i;

	uids = xreallocarray(NULL, n, sizeof *uids);
	for (i = 0; i < n; i++) {
		uids[i] = v[i].uid;
		if (uids[i] == 0 && j_find(s, &v[i], folder_id, &uids[i],
		    err) != 0) {
			free(uids);
			return -1;
		}
	}
	if (imap_uids_exist(be->c, uids, n, &ex, err) != 0) {
		free(uids);
		return -1;
	}
	for (i = 0; i < n; i++) {
		uid = uids[i];
		if (uid != 0 && imap_uids_has(&ex, uid))
			replay_set_add(here, &v[i], uid);
		else
			replay_set_add(gone, &v[i], uid);
	}
	imap_uids_free(&ex);
	free(uids);
	return 0;
}

/* The stored folder row of a remote name; 0 when unknown. */
int64_t
replay_folder_id(struct sync_session *s, const char *remote)
{
	struct store_folder	f;
	struct perr		perr;
	int64_t			id = 0;

	memset(&f, 0, sizeof f);
	if (remote != NULL && store_folder_by_remote(s->st, s->account_id,
	    remote, &f, &perr) == 0)
		id = f.id;
	store_folder_free(&f);
	return id;
}

/* replay_refused() for a whole batch. */
int
replay_refused_all(struct sync_session *s, const struct store_journal *v,
    size_t n, bool sent, struct perr *err)
{
	const struct store_journal	**pv;
	size_t				  i;
	int				  r;

	pv = xreallocarray(NULL, n, sizeof *pv);
	for (i = 0; i < n; i++)
		pv[i] = &v[i];
	r = replay_refused(s, pv, n, sent, err);
	free(pv);
	return r;
}

/*
 * Select the batch's source folder (see replay_select()): 0 selected,
 * DRV_AGAIN read the batch again, 2 the batch is settled (the folder was
 * refused), DRV_FAILED a broken connection.
 */
static int
replay_source(struct sync_session *s, const struct store_journal *v, size_t n,
    struct perr *err)
{
	int	r;

	if ((r = replay_select(s, v[0].folder_name, err)) >= 0)
		return r;
	return replay_refused_all(s, v, n, false, err) < 0 ? -1 : 2;
}

bool
replay_begin(struct sync_session *s, const struct store_journal *v, size_t n,
    struct replay_set *here, struct replay_set *gone, int *rc,
    struct perr *err)
{
	int	r;

	if ((r = replay_source(s, v, n, err)) != 0) {
		*rc = r == 2 ? 0 : r;
		return false;
	}
	if (replay_split(s, v, n, replay_folder_id(s, v[0].folder_name), here,
	    gone, err) != 0) {
		*rc = replay_refused_all(s, v, n, false, err);
		return false;
	}
	return true;
}

int
replay_flags(struct sync_session *s, const struct store_journal *v, size_t n,
    struct perr *err)
{
	struct imap_be		*be = s->be;
	struct replay_set	 here = { 0 }, gone = { 0 };
	char			*fname;
	int			 rc = -1;

	if (!replay_begin(s, v, n, &here, &gone, &rc, err))
		goto out;
	if (replay_mark(s, here.e, here.n, here.uid, err) != 0)
		goto out;
	/* Only what the user changed: the server keeps the rest. */
	if ((v[0].flags_add != 0 || v[0].keywords_add != NULL) &&
	    imap_store_flags(be->c, here.uid, here.n, true,
	    be_imap_bits(v[0].flags_add), v[0].keywords_add, err) != 0) {
		rc = replay_refused(s, here.e, here.n, true, err);
		goto out;
	}
	if ((v[0].flags_remove != 0 || v[0].keywords_remove != NULL) &&
	    imap_store_flags(be->c, here.uid, here.n, false,
	    be_imap_bits(v[0].flags_remove), v[0].keywords_remove, err) != 0) {
		rc = replay_refused(s, here.e, here.n, true, err);
		goto out;
	}
	if (replay_settle(s, here.e, here.n, NULL, err) != 0 ||
	    replay_settle(s, gone.e, gone.n, NULL, err) != 0)
		goto out;
	if (gone.n > 0) {
		fname = replay_folder(s, v[0].folder_name);
		be_note(s, ngettext("%zu message gone from %s on the server: "
		    "flag change dropped", "%zu messages gone from %s on the "
		    "server: flag change dropped", gone.n), gone.n, fname);
		free(fname);
	}
	rc = 0;
out:
	replay_set_free(&here);
	replay_set_free(&gone);
	return rc;
}

/*
 * Entry eid put row id there: it is now message uid of folder dest (row
 * id dest_id, remote name dest_name) on the server. Remember it for later
 * entries, in memory and in the later entries themselves (they survive a
 * crash; store_journal_place()), and give the row its UID while it is
 * still there without one. Inside the caller's transaction.
 */
int
replay_give_uid(struct sync_session *s, int64_t eid, int64_t id,
    int64_t dest_id, const char *dest_name, uint32_t uid, struct perr *err)
{
	struct store_msg	m, other;
	int			r;

	if (id == 0 || uid == 0 || dest_name == NULL)
		return 0;
	j_place(s->be, id, dest_name, uid);
	if (store_journal_place(s->st, eid, id, dest_name, uid, err) != 0)
		return -1;
	if (dest_id == 0)
		return 0;
	if ((r = store_msg_get(s->st, id, &m, err)) != 0) {
		if (err->code != PERR_NOTFOUND)
			return -1;
		perr_clear(err);
		return 0;
	}
	r = 0;
	if (m.folder_id == dest_id && m.uid == 0) {
		/* A UID another row holds (found by Message-ID) stays there. */
		if (store_msg_by_uid(s->st, dest_id, uid, &other, err) == 0)
			store_msg_free(&other);
		else if (err->code != PERR_NOTFOUND ||
		    (perr_clear(err), store_msg_set_uid(s->st, id, uid,
		    err) != 0))
			r = -1;
	}
	store_msg_free(&m);
	return r;
}

/*
 * The UIDs of the results in dest when the server gave no COPYUID: each
 * row's Message-ID searched there. Selects dest (the caller is done with
 * the source).
 */
int
replay_results_by_mid(struct sync_session *s, const struct replay_set *js,
    const char *dest, int64_t dest_id, struct perr *err)
{
	struct store_journal	 probe;
	uint32_t		 uid;
	size_t			 i;
	int			 r;

	if (js->n == 0 || dest_id == 0)
		return 0;
	if ((r = replay_select(s, dest, err)) < 0)
		return be_fatal(err) ? -1 : 0;
	for (i = 0; i < js->n; i++) {
		probe = *js->e[i];
		if (j_find(s, &probe, -1, &uid, err) != 0)
			return be_fatal(err) ? -1 : 0;
		if (store_begin(s->st, err) != 0)
			return -1;
		if (replay_give_uid(s, probe.id, probe.message_id, dest_id,
		    dest, uid, err) != 0) {
			(void)store_rollback(s->st, NULL);
			return -1;
		}
		if (store_commit(s->st, err) != 0)
			return -1;
	}
	return 0;
}
int
replay_expunge(struct sync_session *s, const struct store_journal *v, size_t n,
    struct perr *err)
{
	struct replay_set	here = { 0 }, gone = { 0 };
	char		*fname;
	bool		 left = false;
	int		 rc = -1;

	if (!replay_begin(s, v, n, &here, &gone, &rc, err))
		goto out;
	if (replay_mark(s, here.e, here.n, here.uid, err) != 0)
		goto out;
	if (replay_remove(s, here.uid, here.n, &left, err) != 0) {
		rc = replay_refused(s, here.e, here.n, true, err);
		goto out;
	}
	if (left) {
		struct perr why;

		perr_set(&why, PERR_GENERIC, _("other messages of the folder "
		    "are "
		    "marked deleted and the server has no UIDPLUS: expunge it "
		    "from a client that shows them"));
		if (replay_settle(s, here.e, here.n, &why, err) != 0)
			goto out;
	} else if (replay_settle(s, here.e, here.n, NULL, err) != 0)
		goto out;
	/* Already gone: what the user wanted. */
	if (replay_settle(s, gone.e, gone.n, NULL, err) != 0)
		goto out;
	if (gone.n > 0) {
		fname = replay_folder(s, v[0].folder_name);
		be_note(s, ngettext("%zu message already gone from %s on the "
		    "server", "%zu messages already gone from %s on the server",
		    gone.n), gone.n, fname);
		free(fname);
	}
	rc = 0;
out:
	replay_set_free(&here);
	replay_set_free(&gone);
	return rc;
}

/* Does mailbox exist on the server? -1: the connection broke. */
static int
j_exists(struct sync_session *s, const char *mailbox, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_status	 st;

	if (imap_status(be->c, mailbox, &st, err) == 0)
		return 1;
	if (be_fatal(err))
		return -1;
	perr_clear(err);
	return 0;
}

int
replay_folder_op(struct sync_session *s, const struct store_journal *e,
    struct perr *err)
{
	struct imap_be			*be = s->be;
	const struct store_journal	*pe = e;
	struct store_folder		 f;
	struct perr			 why;
	int				 r, x;

	if (e->folder_name == NULL || (e->op == STORE_JOP_FOLDER_RENAME &&
	    e->dest_name == NULL)) {
		perr_set(&why, PERR_GENERIC, _("the entry names no folder"));
		return replay_settle(s, &pe, 1, &why, err);
	}
	/* A folder about to be renamed or deleted must not be selected. */
	if (be->selected != NULL && strcmp(be->selected, e->folder_name) == 0 &&
	    (e->op == STORE_JOP_FOLDER_RENAME ||
	    e->op == STORE_JOP_FOLDER_DELETE)) {
		if ((r = replay_select(s, "INBOX", err)) < 0 && be_fatal(err))
			return j_lost(s, &pe, 1, false, err);
		perr_clear(err);
	}
	if (replay_mark(s, &pe, 1, NULL, err) != 0)
		return -1;
	switch (e->op) {
	case STORE_JOP_FOLDER_CREATE:
		r = imap_mailbox_cmd(be->c, IMAP_MBX_CREATE, e->folder_name,
		    NULL, err);
		/* Already there (our own CREATE before a crash, or another
		 * device's): what the user wanted. */
		if (r != 0 && !be_fatal(err) &&
		    (x = j_exists(s, e->folder_name, &why)) != 0) {
			if (x < 0) {
				*err = why;
				return -1;
			}
			r = 0;
		}
		if (r == 0 && imap_mailbox_cmd(be->c, IMAP_MBX_SUBSCRIBE,
		    e->folder_name, NULL, &why) != 0 && be_fatal(&why)) {
			*err = why;
			return -1;
		}
		if (r == 0 && e->folder_id != 0 &&
		    store_folder_get(s->st, e->folder_id, &f, &why) == 0) {
			/* The local folder becomes the server's. */
			if (f.remote_name == NULL &&
			    store_folder_rename(s->st, f.id, f.name,
			    e->folder_name, &why) != 0)
				be_note(s, "%s", why.msg);
			store_folder_free(&f);
		}
		break;
	case STORE_JOP_FOLDER_RENAME:
		r = imap_mailbox_cmd(be->c, IMAP_MBX_RENAME, e->folder_name,
		    e->dest_name, err);
		if (r != 0 && !be_fatal(err)) {
			/* Renamed already (before a crash)? */
			why = *err;
			if ((x = j_exists(s, e->folder_name, err)) < 0)
				return -1;
			if (x == 0 && (x = j_exists(s, e->dest_name,
			    err)) < 0)
				return -1;
			if (x == 1 && j_exists(s, e->folder_name, err) == 0)
				r = 0;
			else
				*err = why;
		}
		if (r == 0)
			(void)imap_mailbox_cmd(be->c, IMAP_MBX_SUBSCRIBE,
			    e->dest_name, NULL, &why);
		break;
	case STORE_JOP_FOLDER_DELETE:
		if (imap_mailbox_cmd(be->c, IMAP_MBX_UNSUBSCRIBE,
		    e->folder_name, NULL, &why) != 0 && be_fatal(&why)) {
			*err = why;
			return -1;
		}
		r = imap_mailbox_cmd(be->c, IMAP_MBX_DELETE, e->folder_name,
		    NULL, err);
		if (r != 0 && !be_fatal(err)) {
			why = *err;
			if ((x = j_exists(s, e->folder_name, err)) < 0)
				return -1;
			if (x == 0)
				r = 0;	/* gone already: done */
			else
				*err = why;
		}
		break;
	case STORE_JOP_SUBSCRIBE:
	case STORE_JOP_UNSUBSCRIBE:
		r = imap_mailbox_cmd(be->c, e->op == STORE_JOP_SUBSCRIBE ?
		    IMAP_MBX_SUBSCRIBE : IMAP_MBX_UNSUBSCRIBE, e->folder_name,
		    NULL, err);
		break;
	default:
		r = perr_set(err, PERR_GENERIC, _("not a folder operation"));
		break;
	}
	if (r != 0)
		return replay_refused(s, &pe, 1, true, err);
	return replay_settle(s, &pe, 1, NULL, err);
}

int
replay_append(struct sync_session *s, const struct store_journal *e,
    struct perr *err)
{
	struct imap_be			*be = s->be;
	const struct store_journal	*pe = e;
	struct store_msg		 m;
	struct perr			 why;
	void				*raw = NULL;
	size_t				 len;
	uint32_t			 uidv, uid = 0;
	int64_t				 fid =
	    replay_folder_id(s, e->folder_name);
	int				 r, rc = -1;

	memset(&m, 0, sizeof m);
	if (e->message_id == 0 || store_msg_get(s->st, e->message_id, &m,
	    err) != 0) {
		if (e->message_id != 0 && err->code != PERR_NOTFOUND)
			return -1;
		/* Deleted here before it reached the server: nothing to do. */
		perr_clear(err);
		be_note(s, _("a message to store in %s was deleted before it "
		    "reached the server"), e->folder_name != NULL ?
		    e->folder_name : "?");
		return replay_settle(s, &pe, 1, NULL, err);
	}
	if (store_body_get(s->st, m.id, &raw, &len, err) != 0) {
		if (err->code != PERR_NOTFOUND)
			goto out;
		perr_set(&why, PERR_GENERIC, _("the message has no stored body "
		    "to send"));
		rc = replay_settle(s, &pe, 1, &why, err);
		goto out;
	}
	if ((r = replay_select(s, e->folder_name, err)) < 0) {
		rc = replay_refused(s, &pe, 1, false, err);
		goto out;
	}
	/* Sent before a crash? Then it is there: never append twice. */
	if (e->state == STORE_JSENT && j_find(s, e, -1, &uid, err) != 0) {
		rc = replay_refused(s, &pe, 1, true, err);
		goto out;
	}
	if (uid == 0) {
		if (replay_mark(s, &pe, 1, NULL, err) != 0)
			goto out;
		if (imap_append(be->c, e->folder_name,
		    be_imap_bits(m.flags & ~(unsigned)STORE_RECENT), m.keywords,
		    m.internal_date, raw, len, &uidv, &uid, err) != 0) {
			rc = replay_refused(s, &pe, 1, true, err);
			goto out;
		}
		/* No APPENDUID: find it (the folder is selected). */
		if (uid == 0 && j_find(s, e, -1, &uid, err) != 0) {
			rc = replay_refused(s, &pe, 1, true, err);
			goto out;
		}
	}
	if (store_begin(s->st, err) != 0)
		goto out;
	if (replay_give_uid(s, e->id, m.id, fid != 0 ? fid : m.folder_id,
	    e->folder_name, uid, err) != 0 ||
	    replay_settle(s, &pe, 1, NULL, err) != 0) {
		(void)store_rollback(s->st, NULL);
		goto out;
	}
	rc = store_commit(s->st, err);
out:
	free(raw);
	store_msg_free(&m);
	return rc;
}
