/*
 * drv-imap-folders.c - the IMAP driver: the server's folders into the
 * account's rows (LIST, special use, names shown without the namespace
 * prefix).
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

/* ---- folders ----------------------------------------------------------------- */

struct have {
	struct store_folder	*v;
	size_t			 n;
};

static int
have_one(void *arg, const struct store_folder *f)
{
	struct have	*h = arg;

	if (f->remote_name == NULL)
		return 0;	/* local folders are not the server's business */
	h->v = xreallocarray(h->v, h->n + 1, sizeof *h->v);
	h->v[h->n] = *f;
	h->v[h->n].name = xstrdup(f->name);
	h->v[h->n].remote_name = xstrdup(f->remote_name);
	h->n++;
	return 0;
}

struct shown {
	const char	*name;
	size_t		 i;
};

static int
shown_cmp(const void *a, const void *b)
{
	const struct shown	*x = a, *y = b;

	return strcmp(x->name, y->name);
}

/*
 * One round of shown_names(): every name shown without the prefix that is
 * the same as another name shown gets its prefix back. Returns whether one
 * did; a name that has its prefix back keeps it, so the rounds end.
 */
static bool
shown_unclash(char **v, char **full, size_t n)
{
	struct shown	*o = xreallocarray(NULL, n + 1, sizeof *o);
	size_t		 i, k, end;
	bool		 changed = false;

	for (i = 0; i < n; i++) {
		o[i].name = v[i];
		o[i].i = i;
	}
	qsort(o, n, sizeof *o, shown_cmp);
	for (k = 0; k < n; k = end) {
		for (end = k + 1; end < n &&
		    strcmp(o[end].name, o[k].name) == 0; end++)
			;
		for (i = k; end - k > 1 && i < end; i++)
			if (strcmp(v[o[i].i], full[o[i].i]) != 0) {
				free(v[o[i].i]);
				v[o[i].i] = xstrdup(full[o[i].i]);
				changed = true;
			}
	}
	free(o);
	return changed;
}

/*
 * The names shown for every listed mailbox, without the namespace prefix
 * unless that makes one the same as another name shown (Cyrus:
 * "INBOX.user.bob" and another user's "user.bob"; a server's "INBOX.Foo"
 * and "inbox.Foo", the prefix on INBOX being matched in any case): those
 * keep it, as two folders cannot have one name. Returns an array of
 * mbs->n malloc'd strings; free each and the array.
 */
static char **
shown_names(const struct imap_be *be, const struct imap_mailboxes *mbs)
{
	char	**v, **full;
	size_t	  i;

	v = xcalloc(mbs->n + 1, sizeof *v);
	full = xcalloc(mbs->n + 1, sizeof *full);
	for (i = 0; i < mbs->n; i++) {
		v[i] = be_display_name(be, mbs->v[i].name);
		full[i] = sync_folder_shown(mbs->v[i].name, NULL);
	}
	while (be->ns_prefix != NULL && *be->ns_prefix != '\0' &&
	    shown_unclash(v, full, mbs->n))
		;
	for (i = 0; i < mbs->n; i++)
		free(full[i]);
	free(full);
	return v;
}

/* Keep the statuses that came with LIST for check_folders(). */
static void
listed_keep(struct imap_be *be, const struct imap_mailboxes *mbs)
{
	size_t	i;

	for (i = 0; i < mbs->n; i++) {
		if (!mbs->v[i].has_status)
			continue;
		be->listed = xreallocarray(be->listed, be->nlisted + 1,
		    sizeof *be->listed);
		be->listed[be->nlisted].name = xstrdup(mbs->v[i].name);
		be->listed[be->nlisted++].st = mbs->v[i].st;
	}
}

/*
 * LIST, with a STATUS of every stored folder that has been synced (so
 * that check_folders() can tell whether it changed) in the same round
 * trip: not for the folder selected (RFC 3501: no STATUS on it), nor
 * when the pass is over one folder named by the user (pulled whatever
 * its state).
 */
static int
list_known(struct sync_session *s, const struct have *have,
    struct imap_mailboxes *mbs, struct perr *err)
{
	struct imap_be	*be = s->be;
	const char	**known;
	size_t		  j, n = 0;
	int		  rc;

	known = xcalloc(have->n + 1, sizeof *known);
	for (j = 0; j < have->n; j++) {
		if ((s->opts != NULL && s->opts->folder != NULL) ||
		    have->v[j].uidvalidity == 0 || have->v[j].uidnext == 0 ||
		    have->v[j].noselect || (be->selected != NULL &&
		    strcmp(be->selected, have->v[j].remote_name) == 0))
			continue;
		known[n++] = have->v[j].remote_name;
	}
	rc = imap_list(be->c, known, n, mbs, err);
	free(known);
	return rc;
}

/*
 * When a synced folder is no longer listed, the STATUS of every new one
 * the LIST did not describe, in one round trip: a new folder with the
 * vanished one's UIDVALIDITY is that folder renamed. A STATUS refused
 * leaves that folder undescribed (new, not renamed).
 */
static int
status_of_new(struct imap_be *be, const struct have *have,
    const bool *present, struct imap_mailboxes *mbs, const bool *taken,
    struct perr *err)
{
	struct imap_status	*st;
	const char		**names;
	bool			*ok;
	size_t			 i, j, n = 0, *at;
	int			 rc = 0;

	for (j = 0; j < have->n; j++)
		if (!present[j] && have->v[j].uidvalidity != 0)
			break;
	if (j == have->n)
		return 0;	/* nothing vanished that could have moved */
	names = xcalloc(mbs->n + 1, sizeof *names);
	at = xcalloc(mbs->n + 1, sizeof *at);
	for (i = 0; i < mbs->n; i++) {
		if (taken[i] || mbs->v[i].has_status ||
		    (mbs->v[i].attrs & (IMAP_MBX_NOSELECT |
		    IMAP_MBX_NONEXISTENT)))
			continue;
		names[n] = mbs->v[i].name;
		at[n++] = i;
	}
	st = xcalloc(n + 1, sizeof *st);
	ok = xcalloc(n + 1, sizeof *ok);
	if (n > 0 && imap_status_many(be->c, names, n, st, ok, err) != 0) {
		if (be_fatal(err))
			rc = -1;
		else
			perr_clear(err);
	}
	for (i = 0; rc == 0 && i < n; i++)
		if (ok[i]) {
			mbs->v[at[i]].st = st[i];
			mbs->v[at[i]].has_status = true;
		}
	free(names);
	free(at);
	free(st);
	free(ok);
	return rc;
}

int
folders_list(struct sync_session *s, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_mailboxes	 mbs;
	struct have		 have = { NULL, 0 };
	struct store_folder	 f;
	struct imap_status	 ist;
	enum store_special	*use = NULL;
	bool			*present = NULL, *taken = NULL, claimed[16];
	char			**shown = NULL;
	size_t			 i, j;
	int			 rc = -1;

	/* The replay ran just before: settle what it left for the pull. */
	if (move_flush_dropped(s, err) != 0)
		return -1;
	be_listed_drop(be);
	memset(&mbs, 0, sizeof mbs);
	if (store_folder_walk(s->st, s->account_id, have_one, &have, err) < 0)
		goto out;
	if (list_known(s, &have, &mbs, err) != 0)
		goto out;
	present = xcalloc(have.n + 1, sizeof *present);
	taken = xcalloc(mbs.n + 1, sizeof *taken);
	use = xcalloc(mbs.n + 1, sizeof *use);
	shown = shown_names(be, &mbs);

	/* Special use: the server's attributes first, then names. */
	memset(claimed, 0, sizeof claimed);
	for (i = 0; i < mbs.n; i++) {
		use[i] = sync_special_from_attrs(mbs.v[i].attrs);
		if (strcasecmp(mbs.v[i].name, "INBOX") == 0)
			use[i] = STORE_SPECIAL_INBOX;
		claimed[use[i]] = true;
	}
	for (i = 0; i < mbs.n; i++) {
		enum store_special u;

		if (use[i] != STORE_SPECIAL_NONE ||
		    (mbs.v[i].attrs & IMAP_MBX_NOSELECT))
			continue;
		u = sync_special_from_name(shown[i], be->ns_prefix,
		    mbs.v[i].delim);
		if (u != STORE_SPECIAL_NONE && !claimed[u]) {
			use[i] = u;
			claimed[u] = true;
		}
	}

	/* Which stored folders are still there, which server ones are new. */
	for (i = 0; i < mbs.n; i++) {
		if (mbs.v[i].attrs & IMAP_MBX_NONEXISTENT)
			continue;
		for (j = 0; j < have.n; j++)
			if (strcmp(have.v[j].remote_name, mbs.v[i].name) == 0) {
				present[j] = taken[i] = true;
				break;
			}
	}

	if (status_of_new(be, &have, present, &mbs, taken, err) != 0)
		goto out;
	if (store_begin(s->st, err) != 0)
		goto out;
	/*
	 * A new folder with the UIDVALIDITY of a vanished one is that folder
	 * renamed (RFC 3501 keeps UIDVALIDITY across RENAME when it can):
	 * keep its messages and bodies instead of fetching them again.
	 */
	for (i = 0; i < mbs.n; i++) {
		if (taken[i] || (mbs.v[i].attrs & (IMAP_MBX_NOSELECT |
		    IMAP_MBX_NONEXISTENT)))
			continue;
		for (j = 0; j < have.n; j++)
			if (!present[j] && have.v[j].uidvalidity != 0)
				break;
		if (j == have.n)
			break;		/* nothing vanished that could match */
		if (!mbs.v[i].has_status)
			continue;	/* the server would not say */
		ist = mbs.v[i].st;
		for (j = 0; j < have.n; j++) {
			if (present[j] || have.v[j].uidvalidity == 0 ||
			    have.v[j].uidvalidity != ist.uidvalidity)
				continue;
			/* Free the name first if a vanished folder holds it. */
			if (store_folder_rename(s->st, have.v[j].id, shown[i],
			    mbs.v[i].name, err) != 0) {
				/* A name clash: treat it as delete + new. */
				if (err->code != PERR_STORE)
					goto rollback;
				perr_clear(err);
				break;
			}
			present[j] = taken[i] = true;
			break;
		}
	}
	for (j = 0; j < have.n; j++)
		if (!present[j] &&
		    store_folder_delete(s->st, have.v[j].id, err) != 0)
			goto rollback;
	for (i = 0; i < mbs.n; i++) {
		if (mbs.v[i].attrs & IMAP_MBX_NONEXISTENT)
			continue;
		memset(&f, 0, sizeof f);
		f.account_id = s->account_id;
		f.remote_name = mbs.v[i].name;
		f.name = shown[i];
		f.delimiter = mbs.v[i].delim;
		f.special_use = use[i];
		f.subscribed = (mbs.v[i].attrs & IMAP_MBX_SUBSCRIBED) != 0;
		f.noselect = (mbs.v[i].attrs & IMAP_MBX_NOSELECT) != 0;
		rc = store_folder_upsert(s->st, &f, NULL, err);
		if (rc != 0) {
			rc = -1;
			goto rollback;
		}
	}
	if (store_commit(s->st, err) != 0) {
		rc = -1;
		goto out;
	}
	listed_keep(be, &mbs);
	rc = 0;
	goto out;

rollback:
	rc = -1;
	(void)store_rollback(s->st, NULL);
out:
	for (j = 0; j < have.n; j++)
		store_folder_free(&have.v[j]);
	free(have.v);
	free(present);
	free(taken);
	free(use);
	for (i = 0; shown != NULL && i < mbs.n; i++)
		free(shown[i]);
	free(shown);
	imap_mailboxes_free(&mbs);
	return rc;
}
