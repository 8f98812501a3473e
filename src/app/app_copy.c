/*
 * app_copy.c - the copies in Sent and Drafts (see app.h), and postponing a
 * draft. POP3 accounts keep them in local folders ("Sent", "Drafts",
 * created when missing). IMAP accounts keep them as a local row with a
 * journal entry that APPENDs it to the special-use folder: the sync
 * replays the journal before it pulls anything, so the copy reaches the
 * server with the next pass (app_act_push() runs one when online).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/send-int.h"
#include "mail/mail.h"
#include "store/store.h"
#include "sync/sync.h"
#include "util/i18n.h"

/* ---- local copies ------------------------------------------------------- */

/* The folder with this special use, else this name, else a new local one. */
static int
local_folder(struct store *st, int64_t account_id, enum store_special sp,
    const char *name, struct store_folder *out, struct perr *err)
{
	struct store_folder	f;

	memset(out, 0, sizeof *out);
	if (store_folder_by_special(st, account_id, sp, out, err) == 0)
		return 0;
	if (err->code != PERR_NOTFOUND)
		return -1;
	if (store_folder_by_name(st, account_id, name, out, err) == 0)
		return 0;
	if (err->code != PERR_NOTFOUND)
		return -1;
	memset(&f, 0, sizeof f);
	f.account_id = account_id;
	f.name = (char *)name;
	f.special_use = sp;
	f.subscribed = true;
	if (store_folder_upsert(st, &f, NULL, err) != 0)
		return -1;
	return store_folder_by_name(st, account_id, name, out, err);
}

/*
 * Store raw as a message of folder f (uid 0: not on the server yet), with
 * its body, search text and thread. *id (may be NULL) gets the row.
 */
static int
store_copy(struct store *st, int64_t account_id, const struct store_folder *f,
    const char *raw, size_t len, unsigned flags, uint32_t uid, int64_t *id,
    struct perr *err)
{
	struct sync_threader	*thr;
	struct store_msg	 m;
	int64_t			 mid;
	int			 rc;

	memset(&m, 0, sizeof m);
	m.folder_id = f->id;
	m.uid = uid;
	m.internal_date = (int64_t)time(NULL);
	m.flags = flags;
	thr = sync_threader_new(account_id);
	/* 1: the server's copy is already here. */
	rc = sync_ingest_raw(st, thr, &m, raw, len, &mid, err);
	sync_threader_free(thr);
	store_msg_free(&m);
	if (rc < 0)
		return -1;
	if (id != NULL)
		*id = mid;
	return 0;
}

/* A local copy plus the journal entry that APPENDs it (IMAP, later). */
static int
journal_copy(struct store *st, int64_t account_id,
    const struct store_folder *f, const char *raw, size_t len,
    unsigned flags, struct perr *err)
{
	struct store_journal	e;
	int64_t			id;

	if (store_copy(st, account_id, f, raw, len, flags, 0, &id, err) != 0)
		return -1;
	memset(&e, 0, sizeof e);
	e.account_id = account_id;
	e.op = STORE_JOP_APPEND;
	e.message_id = id;
	e.folder_id = f->id;
	e.folder_name = f->remote_name != NULL ? f->remote_name : f->name;
	e.flags_add = flags;
	return store_journal_append(st, &e, NULL, err);
}


/*
 * The remote name of an IMAP account's special-use folder: from the store
 * (a sync pass learnt it from LIST), else the usual English name. The
 * folder row is made when missing, so a copy has somewhere to live.
 */
static int
imap_special(struct store *st, int64_t account_id, enum store_special sp,
    struct store_folder *out, struct perr *err)
{
	struct store_folder	 f;
	const char		*fallback = sp == STORE_SPECIAL_SENT ? "Sent" :
				    "Drafts";
	char			*remote, *name;
	int			 rc;

	/* A failed look-up leaves *out as it was: freed below. */
	memset(out, 0, sizeof *out);
	if (store_folder_by_special(st, account_id, sp, out, err) == 0 &&
	    out->remote_name != NULL)
		return 0;
	store_folder_free(out);
	remote = xstrdup(fallback);
	if (store_folder_by_remote(st, account_id, remote, out, err) == 0) {
		free(remote);
		return 0;
	}
	if ((name = mutf7_decode(remote)) == NULL)
		name = xstrdup(remote);
	memset(&f, 0, sizeof f);
	f.account_id = account_id;
	f.name = name;
	f.remote_name = remote;
	f.special_use = sp;
	f.subscribed = true;
	rc = store_folder_upsert(st, &f, NULL, err);
	if (rc == 0)
		rc = store_folder_by_remote(st, account_id, remote, out, err);
	free(name);
	free(remote);
	return rc;
}

int
app_copy_save(struct store *st, const struct account *acct,
    int64_t account_id, enum store_special sp, const char *raw, size_t len,
    unsigned flags, struct perr *err)
{
	struct store_folder	f;
	int			rc;

	if (acct->protocol == PROTO_POP3) {
		if (local_folder(st, account_id, sp, sp == STORE_SPECIAL_SENT ?
		    "Sent" : "Drafts", &f, err) != 0)
			return -1;
		rc = store_copy(st, account_id, &f, raw, len, flags, 0, NULL,
		    err);
		store_folder_free(&f);
		return rc;
	}
	if (imap_special(st, account_id, sp, &f, err) != 0)
		return -1;
	rc = journal_copy(st, account_id, &f, raw, len, flags, err);
	store_folder_free(&f);
	return rc;
}

/* ---- drafts folder ------------------------------------------------------- */

int
app_postpone(const struct config *cfg, const struct account *acct,
    const struct compose_draft *d, bool offline, char *note, size_t notelen,
    struct perr *err)
{
	struct store		*st;
	struct perr		 ignored, perr;
	char			*raw;
	bool			 pushed;
	size_t			 len;
	int64_t			 account_id;
	int			 rc = -1;

	if (note != NULL && notelen > 0)
		note[0] = '\0';
	if (app_send_build(d, true, &raw, &len, err) != 0)
		return -1;
	if ((st = store_open(cfg->store, STORE_RDWR, err)) == NULL) {
		free(raw);
		return -1;
	}
	if (store_account_ensure(st, acct->name, app_acct_proto(acct),
	    &account_id, err) != 0 || store_begin(st, err) != 0)
		goto out;
	if (app_copy_save(st, acct, account_id, STORE_SPECIAL_DRAFTS, raw, len,
	    STORE_SEEN | STORE_DRAFT, err) != 0) {
		(void)store_rollback(st, &ignored);
		goto out;
	}
	if (store_commit(st, err) != 0)
		goto out;
	rc = 0;
out:
	store_close(st);
	free(raw);
	if (rc == 0 && !offline && acct->protocol != PROTO_POP3 &&
	    app_act_push(cfg, acct, &pushed, &perr) != 0 && note != NULL &&
	    notelen > 0)
		snprintf(note, notelen, _("the draft waits in the journal: %s"),
		    perr.msg);
	return rc;
}
