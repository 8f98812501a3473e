/*
 * sync-replay.c - the journal of the user's actions, replayed on the
 * server before anything is pulled (doc/SYNC-RULES.md 3).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/drv.h"
#include "sync/sync-int.h"

#define JOURNAL_BATCH	500	/* entries per command at most */

struct jbatch {
	struct store_journal	*v;
	size_t			 n;
};

static char *
jdup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static int
jbatch_add(void *arg, const struct store_journal *e)
{
	struct jbatch		*b = arg;
	struct store_journal	*d;

	b->v = xreallocarray(b->v, b->n + 1, sizeof *b->v);
	d = &b->v[b->n++];
	*d = *e;
	d->folder_name = jdup(e->folder_name);
	d->dest_name = jdup(e->dest_name);
	d->keywords_add = jdup(e->keywords_add);
	d->keywords_remove = jdup(e->keywords_remove);
	d->last_error = jdup(e->last_error);
	return 0;
}

static void
jbatch_free(struct jbatch *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		store_journal_free(&b->v[i]);
	free(b->v);
	memset(b, 0, sizeof *b);
}

/*
 * Replay the account's waiting journal entries in order, batch by batch,
 * before anything is pulled (doc/SYNC-RULES.md 3): a pull first would
 * write the server's old state over the user's actions. Failed entries are
 * skipped by store_journal_batch(); each batch is settled by the backend.
 */
int
sync_replay_journal(struct sync_conn *c, struct perr *err)
{
	struct sync_session	*s = &c->s;
	struct jbatch		 b;
	int64_t			 waiting = 0, last = 0;
	int			 r, again = 0;

	if (c->ops->apply_journal == NULL)
		return 0;
	if (store_journal_count(s->st, s->account_id, &waiting, NULL,
	    err) != 0)
		return -1;
	if (waiting == 0)
		return 0;
	sync_folder_start(s, NULL, SYNC_JOURNAL);
	s->prog.total = (uint64_t)waiting;
	sync_report(s);
	for (;;) {
		memset(&b, 0, sizeof b);
		if (store_journal_batch(s->st, s->account_id, JOURNAL_BATCH,
		    jbatch_add, &b, err) != 0) {
			jbatch_free(&b);
			return -1;
		}
		if (b.n == 0)
			break;
		/* A backend that settles nothing must not spin us forever. */
		if (b.v[0].id == last && ++again > 2) {
			perr_set(err, PERR_GENERIC, "account %s: journal entry "
			    "%lld cannot be replayed", s->acct->name,
			    (long long)last);
			jbatch_free(&b);
			return -1;
		}
		if (b.v[0].id != last)
			again = 0;
		last = b.v[0].id;
		/* DRV_AGAIN: the loop reads the batch again. */
		r = c->ops->apply_journal(s, b.v, b.n, err);
		if (r == DRV_OK)
			s->prog.done += b.n;
		jbatch_free(&b);
		if (r == DRV_FAILED)
			return sync_conn_failed(c, err);
		s->prog.phase = SYNC_JOURNAL;
		sync_report(s);
	}
	return 0;
}

int
sync_conn_replay(struct sync_conn *c, struct perr *err)
{
	int	rc;

	perr_clear(err);
	if (c->broken)
		return perr_set(err, PERR_CONNECT, "account %s: the connection "
		    "was lost", c->s.acct->name);
	if (sync_conn_lock(c, err) != 0)
		return sync_conn_failed(c, err);
	rc = sync_replay_journal(c, err);
	sync_conn_unlock(c);
	return rc;
}
