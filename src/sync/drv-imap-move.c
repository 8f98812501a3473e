/*
 * drv-imap-move.c - the IMAP driver: replaying moves and copies of the journal,
 * and finding where the moved messages went.
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

static void	j_drop_results(struct sync_session *,
	    const struct replay_set *);

/*
 * After a crash between sending a move or copy and settling it (the
 * entries are "sent"). With UID MOVE (atomic) the source decides: the
 * entry's UID (set when it was marked sent) still in the source folder
 * means the move did not happen and it goes out again; gone means it went
 * (or another device removed it: nothing to send either), and its result
 * is looked for in the destination by Message-ID (the highest UID: the
 * newest arrival) to place the row. The destination alone cannot tell: an
 * earlier copy of the message may be there. A copy, a move without MOVE
 * (COPY + EXPUNGE) or an entry without a UID: each message is looked for
 * in the destination by Message-ID; found, the command went through (a
 * move's source, if still there, is removed) and the entry is settled;
 * not found, it goes out again. DRV_AGAIN: the source's UIDVALIDITY
 * changed, read the batch again.
 */
static int
j_move_check(struct sync_session *s, const struct store_journal *v, size_t n,
    bool copy, struct replay_set *again, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct replay_set	 went = { 0 }, unsure = { 0 }, lost = { 0 };
	struct imap_uids	 ex = { 0 };
	uint32_t		 uid, *src = NULL, *su = NULL, *taken = NULL;
	size_t			 i, nsrc = 0, nsu = 0, ntaken = 0;
	int64_t			 dest_id = replay_folder_id(s, v[0].dest_name);
	bool			 left, found;
	int			 r, rc = -1;

	if (!copy && imap_has_cap(be->c, "MOVE")) {
		if ((r = replay_select(s, v[0].folder_name, err)) < 0) {
			if (be_fatal(err))
				return -1;
			/* No source folder: the replay refuses it anew. */
			perr_clear(err);
			for (i = 0; i < n; i++)
				replay_set_add(again, &v[i], v[i].uid);
			return 0;
		}
		if (r == DRV_AGAIN)
			return DRV_AGAIN;
		for (i = 0; i < n; i++)
			if (v[i].uid != 0) {
				su = xreallocarray(su, nsu + 1, sizeof *su);
				su[nsu++] = v[i].uid;
			}
		if (nsu > 0 && imap_uids_exist(be->c, su, nsu, &ex, err) != 0)
			goto out;
		for (i = 0; i < n; i++)
			if (v[i].uid == 0)
				replay_set_add(&unsure, &v[i], 0);
			else if (imap_uids_has(&ex, v[i].uid))
				replay_set_add(again, &v[i], v[i].uid);
			else
				replay_set_add(&went, &v[i], v[i].uid);
	} else
		for (i = 0; i < n; i++)
			replay_set_add(&unsure, &v[i], v[i].uid);
	if (went.n == 0 && unsure.n == 0) {
		rc = 0;
		goto out;
	}

	if ((r = replay_select(s, v[0].dest_name, err)) < 0) {
		/* No destination (yet): nothing went through. */
		if (be_fatal(err))
			goto out;
		perr_clear(err);
		for (i = 0; i < unsure.n; i++)
			replay_set_add(again, unsure.e[i], unsure.e[i]->uid);
		j_drop_results(s, &went);
		rc = replay_settle(s, went.e, went.n, NULL, err);
		goto out;
	}
	/*
	 * Copies of one message moved together: the server numbered them in
	 * the order of their source UIDs, so the highest source takes the
	 * highest match, and no match goes to two entries.
	 */
	for (i = 1; i < went.n; i++) {
		size_t k;

		for (k = i; k > 0 && went.uid[k - 1] < went.uid[k]; k--) {
			const struct store_journal *te = went.e[k];
			uint32_t tu = went.uid[k];

			went.e[k] = went.e[k - 1];
			went.uid[k] = went.uid[k - 1];
			went.e[k - 1] = te;
			went.uid[k - 1] = tu;
		}
	}
	for (i = 0; i < went.n + unsure.n; i++) {
		const struct store_journal *e = i < went.n ? went.e[i] :
		    unsure.e[i - went.n];

		if (replay_find_free(s, e, -1, taken, ntaken, &uid, err) != 0)
			goto out;
		found = uid != 0;
		if (found) {
			taken = xreallocarray(taken, ntaken + 1,
			    sizeof *taken);
			taken[ntaken++] = uid;
		}
		if (!found && i >= went.n) {
			replay_set_add(again, e, e->uid);
			continue;
		}
		if (!found)
			replay_set_add(&lost, e, 0);
		/* The row's place and the entry's end: one transaction. */
		if (store_begin(s->st, err) != 0)
			goto out;
		if ((found && replay_give_uid(s, e->id, e->message_id, dest_id,
		    v[0].dest_name, uid, err) != 0) ||
		    replay_settle(s, &e, 1, NULL, err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
		if (store_commit(s->st, err) != 0)
			goto out;
		if (found && i >= went.n && !copy && e->uid != 0) {
			src = xreallocarray(src, nsrc + 1, sizeof *src);
			src[nsrc++] = e->uid;
		}
	}
	/* Moved, but nothing in the destination: another device's doing. */
	j_drop_results(s, &lost);
	if (nsrc > 0) {
		if ((r = replay_select(s, v[0].folder_name, err)) < 0 &&
		    be_fatal(err))
			goto out;
		/* UID EXPUNGE of UIDs already gone is harmless. */
		if (r >= 0 && replay_remove(s, src, nsrc, &left, err) != 0 &&
		    be_fatal(err))
			goto out;
		perr_clear(err);
	}
	rc = 0;
out:
	imap_uids_free(&ex);
	free(src);
	free(su);
	free(taken);
	replay_set_free(&went);
	replay_set_free(&unsure);
	replay_set_free(&lost);
	return rc;
}

/*
 * Results of moves and copies whose source was gone: their rows exist
 * nowhere on the server. They are not deleted during the replay (later
 * entries may still find their message by Message-ID, SYNC-RULES 4) but
 * remembered, and deleted before the pull unless the journal still names
 * them (move_flush_dropped()).
 */
static void
j_drop_results(struct sync_session *s, const struct replay_set *gone)
{
	struct imap_be	*be = s->be;
	size_t		 i;

	for (i = 0; i < gone->n; i++) {
		if (gone->e[i]->message_id == 0)
			continue;
		be->dropped = xreallocarray(be->dropped, be->ndropped + 1,
		    sizeof *be->dropped);
		be->dropped[be->ndropped++] = gone->e[i]->message_id;
	}
}

int
move_flush_dropped(struct sync_session *s, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct store_msg	 m;
	size_t			 i;
	bool			 held;

	if (be->ndropped == 0)
		return 0;
	if (store_begin(s->st, err) != 0)
		return -1;
	for (i = 0; i < be->ndropped; i++) {
		if (store_journal_holds(s->st, be->dropped[i], &held,
		    err) != 0)
			goto fail;
		if (held)
			continue;
		if (store_msg_get(s->st, be->dropped[i], &m, err) != 0) {
			if (err->code != PERR_NOTFOUND)
				goto fail;
			perr_clear(err);
			continue;
		}
		/* Only while it is still without a UID (nothing found it). */
		if (m.uid == 0 && store_msg_delete(s->st, m.id, err) != 0) {
			store_msg_free(&m);
			goto fail;
		}
		store_msg_free(&m);
	}
	if (store_commit(s->st, err) != 0)
		return -1;
	free(be->dropped);
	be->dropped = NULL;
	be->ndropped = 0;
	return 0;
fail:
	(void)store_rollback(s->st, NULL);
	return -1;
}

int
move_apply(struct sync_session *s, const struct store_journal *v, size_t n,
    bool copy, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct replay_set	 todo = { 0 }, here = { 0 }, gone = { 0 };
	struct replay_set	 rm = { 0 }, moved = { 0 }, nocu = { 0 };
	struct store_journal	*tv = NULL;
	struct imap_copyuid	 cu = { 0 };
	int64_t			 dest_id = replay_folder_id(s, v[0].dest_name);
	uint32_t		 dst;
	size_t			 i;
	char			*fname;
	bool			 left = false;
	int			 r, rc = -1;

	if (v[0].state == STORE_JSENT) {
		if ((r = j_move_check(s, v, n, copy, &todo, err)) != 0) {
			replay_set_free(&todo);
			return r == DRV_AGAIN ? DRV_AGAIN :
			    replay_refused_all(s, v, n, true, err);
		}
		if (todo.n == 0) {
			replay_set_free(&todo);
			return 0;
		}
		/* The rest goes out again, as a batch of its own. */
		tv = xreallocarray(NULL, todo.n, sizeof *tv);
		for (i = 0; i < todo.n; i++)
			tv[i] = *todo.e[i];
		n = todo.n;
		v = tv;
	}
	if (!replay_begin(s, v, n, &here, &gone, &rc, err))
		goto out;
	/*
	 * A result removed here before the replay: a copy of it is nothing,
	 * a move of it is the removal of its source.
	 */
	for (i = 0; i < here.n; i++) {
		if (here.e[i]->message_id != 0)
			replay_set_add(&moved, here.e[i], here.uid[i]);
		else if (!copy)
			replay_set_add(&rm, here.e[i], here.uid[i]);
		else
			replay_set_add(&gone, here.e[i], here.uid[i]);
	}
	if (replay_mark(s, moved.e, moved.n, moved.uid, err) != 0 ||
	    replay_mark(s, rm.e, rm.n, rm.uid, err) != 0)
		goto out;
	if (moved.n > 0) {
		if (!copy && imap_has_cap(be->c, "MOVE"))
			r = imap_uid_copy(be->c, moved.uid, moved.n,
			    v[0].dest_name, true, &cu, err);
		else {
			r = imap_uid_copy(be->c, moved.uid, moved.n,
			    v[0].dest_name, false, &cu, err);
			if (r == 0 && !copy)
				r = replay_remove(s, moved.uid, moved.n, &left,
				    err);
		}
		if (r != 0) {
			rc = replay_refused(s, moved.e, moved.n, true, err);
			if (rc == 0)
				rc = replay_refused(s, rm.e, rm.n, true, err);
			goto out;
		}
	}
	if (rm.n > 0 && replay_remove(s, rm.uid, rm.n, &left, err) != 0) {
		rc = replay_refused(s, rm.e, rm.n, true, err);
		goto out;
	}

	/* Confirmed: the results get their UIDs, the entries go. */
	if (store_begin(s->st, err) != 0)
		goto out;
	for (i = 0; i < moved.n; i++) {
		dst = imap_copyuid_dst(&cu, moved.uid[i]);
		if (dst == 0)
			replay_set_add(&nocu, moved.e[i], 0);
		else if (replay_give_uid(s, moved.e[i]->id,
		    moved.e[i]->message_id, moved.e[i]->dest_folder_id != 0 ?
		    moved.e[i]->dest_folder_id : dest_id, v[0].dest_name, dst,
		    err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
	}
	j_drop_results(s, &gone);
	if (replay_settle(s, moved.e, moved.n, NULL, err) != 0 ||
	    replay_settle(s, rm.e, rm.n, NULL, err) != 0 ||
	    replay_settle(s, gone.e, gone.n, NULL, err) != 0) {
		(void)store_rollback(s->st, NULL);
		goto out;
	}
	if (store_commit(s->st, err) != 0)
		goto out;
	fname = replay_folder(s, v[0].folder_name);
	if (gone.n > 0)
		be_note(s, copy ? ngettext("%zu message gone from %s on the "
		    "server: copy dropped", "%zu messages gone from %s on the "
		    "server: copy dropped", gone.n) : ngettext("%zu message "
		    "gone from %s on the server: move dropped", "%zu messages "
		    "gone from %s on the server: move dropped", gone.n),
		    gone.n, fname);
	if (left)
		be_note(s, _("%s: other messages are marked deleted there, so "
		    "the moved ones were only marked too (no UIDPLUS)"), fname);
	free(fname);
	/* Without COPYUID the results are found by Message-ID. */
	rc = replay_results_by_mid(s, &nocu, v[0].dest_name, dest_id, err);
out:
	imap_copyuid_free(&cu);
	replay_set_free(&todo);
	replay_set_free(&here);
	replay_set_free(&gone);
	replay_set_free(&rm);
	replay_set_free(&moved);
	replay_set_free(&nocu);
	free(tv);
	return rc;
}
