/*
 * drv-pop3.c - the POP3 driver's table (sync_pop3_ops): connect and
 * close, the local folders, the warning before mail is removed. The top
 * floor of the driver (see drv-pop3.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "mail/mail.h"
#include "net/net.h"
#include "sync/sync.h"
#include "sync/drv.h"
#include "sync/drv-pop3.h"
#include "util/i18n.h"

/* ---- warnings ------------------------------------------------------------- */

char *
sync_pop3_warning(const struct account *acct)
{
	const char	*backup = _("The messages posta downloads are then "
	    "kept only in posta's store on this computer: back them up (posta "
	    "export -a %s --mbox FILE, for each folder, or a copy of the "
	    "store file).");
	char		*what, *tail, *out;

	if (acct->protocol != PROTO_POP3)
		return NULL;
	switch (acct->pop3_keep) {
	case KEEP_NO:
		what = xstrdup(_("pop3_keep = no: every message posta "
		    "downloads "
		    "is DELETED FROM THE SERVER right after it is safely "
		    "stored. Other devices (phones, webmail, IMAP clients) "
		    "will no longer see it. To leave mail on the server set "
		    "pop3_keep = yes, or pop3_keep = days:N to delete it N "
		    "days after the download."));
		break;
	case KEEP_DAYS:
		what = xasprintf(_("pop3_keep = days:%d: messages are DELETED "
		    "FROM THE SERVER %d days after posta first downloaded "
		    "them; other devices (phones, webmail, IMAP clients) will "
		    "then no longer see them. pop3_keep = yes leaves them "
		    "there."), acct->pop3_keep_days, acct->pop3_keep_days);
		break;
	default:
		if (!acct->pop3_delete_when_deleted_locally)
			return NULL;
		what = xstrdup(_("pop3_keep = yes: mail stays on the server."));
		break;
	}
	if (acct->pop3_delete_when_deleted_locally)
		tail = xstrdup(_(" pop3_delete_when_deleted_locally = yes: a "
		    "message you delete in posta (or empty from its Trash) is "
		    "deleted from the server too."));
	else
		tail = xstrdup("");
	out = xasprintf(_("account %s: %s%s "), acct->name, what, tail);
	free(what);
	free(tail);
	if (acct->pop3_keep != KEEP_YES) {
		what = out;
		tail = xasprintf(backup, acct->name);
		out = xasprintf("%s%s", what, tail);
		free(what);
		free(tail);
	}
	return out;
}

/* ---- connect / close ---------------------------------------------------------- */

static void
be_close(struct sync_session *s, bool broken)
{
	struct pop3_be	*be = s->be;

	if (be == NULL)
		return;
	/*
	 * A session that did not reach its own QUIT sent no DELE that
	 * matters (every DELE follows a durable commit, so committing them
	 * would be safe too), but a broken one must not say another word.
	 */
	pop3_conn_drop(s, be, !broken && !be->done);
	drv_set_be(s, NULL);
	free(be);
}

static int
be_open(struct sync_session *s, struct perr *err)
{
	return pop3_conn_open(s, s->be, err);
}

static int
be_connect(struct sync_session *s, struct perr *err)
{
	return drv_connect(s, xcalloc(1, sizeof(struct pop3_be)), be_open,
	    be_close, err);
}

/* Called by the engine from another thread, with s->lock held. */
static void
be_cancel(struct sync_session *s)
{
	struct pop3_be	*be = s->be;

	if (be != NULL && be->c != NULL)
		pop3_cancel(be->c);
}

/* ---- folders: local only ------------------------------------------------------ */

static const struct {
	enum store_special	 use;
	const char		*name;
} pop3_folders[] = {
	{ STORE_SPECIAL_INBOX, "INBOX" },
	{ STORE_SPECIAL_SENT, "Sent" },
	{ STORE_SPECIAL_DRAFTS, "Drafts" },
	{ STORE_SPECIAL_TRASH, "Trash" },
	{ STORE_SPECIAL_ARCHIVE, "Archive" },
};

static int
be_list_folders(struct sync_session *s, struct perr *err)
{
	struct store_folder	 f, nf;
	struct perr		 ferr;
	bool			 first = false;
	size_t			 i;
	char			*w;

	if (store_begin(s->st, err) != 0)
		return -1;
	for (i = 0; i < sizeof pop3_folders / sizeof pop3_folders[0]; i++) {
		if (store_folder_by_special(s->st, s->account_id,
		    pop3_folders[i].use, &f, &ferr) == 0) {
			if (pop3_folders[i].use == STORE_SPECIAL_INBOX &&
			    f.last_sync == 0)
				first = true;
			store_folder_free(&f);
			continue;
		}
		if (ferr.code != PERR_NOTFOUND) {
			*err = ferr;
			goto fail;
		}
		if (pop3_folders[i].use == STORE_SPECIAL_INBOX)
			first = true;
		memset(&nf, 0, sizeof nf);
		nf.account_id = s->account_id;
		nf.name = (char *)pop3_folders[i].name;
		nf.remote_name = NULL;
		nf.special_use = pop3_folders[i].use;
		nf.subscribed = true;
		if (store_folder_upsert(s->st, &nf, NULL, err) != 0)
			goto fail;
	}
	if (store_commit(s->st, err) != 0)
		return -1;
	/* Before the first download: say what the mode will do to the server. */
	if (first && (w = sync_pop3_warning(s->acct)) != NULL) {
		pop3_note(s, w);
		free(w);
	}
	return 0;
fail:
	(void)store_rollback(s->st, &ferr);
	return -1;
}

/* POP3 messages carry their whole body from the start: nothing to fetch. */
static int
be_fetch_bodies(struct sync_session *s, const struct store_folder *f,
    const struct sync_body_req *req, size_t n, struct perr *err)
{
	(void)s;
	(void)f;
	(void)req;
	(void)n;
	(void)err;
	return 0;
}

const struct account_ops sync_pop3_ops = {
	.name = "pop3",
	.connect = be_connect,
	.list_folders = be_list_folders,
	.pull_folder = pop3_pull_folder,
	.fetch_bodies = be_fetch_bodies,
	.apply_journal = NULL,	/* no server state to replay */
	.wait_push = NULL,	/* no push: the engine polls */
	.cancel = be_cancel,
	.close = be_close,
	.fatal = pop3_fatal,
};
