/* app.c - the application API (see app.h). */
#include <string.h>

#include "app/app.h"
#include "oauth/oauth.h"
#include "store/store.h"
#include "sync/sync.h"
#include "util/i18n.h"

int
app_sync(const struct config *cfg, const struct account *acct,
    const struct app_sync_opts *opts, struct perr *err)
{
	struct sync_opts	 so;
	struct store		*st;
	int			 rc;

	memset(&so, 0, sizeof so);
	if (opts != NULL) {
		so.folder = opts->folder;
		so.trace = opts->trace;
		so.progress = opts->progress;
		so.arg = opts->arg;
	}
	if ((st = store_open(cfg->store, STORE_RDWR, err)) == NULL)
		return -1;
	rc = sync_account(st, acct, &so, opts != NULL ? opts->stats : NULL,
	    err);
	store_close(st);
	if (rc != 0)
		perr_prefix(err, _("account %s"), acct->name);
	return rc;
}

int
app_store_changed(struct store *st, int64_t *seen, bool *changed,
    struct perr *err)
{
	int64_t	v;

	*changed = false;
	if (store_data_version(st, &v, err) != 0)
		return -1;
	*changed = *seen != 0 && v != *seen;
	*seen = v;
	return 0;
}

bool
app_folder_unsynced(const struct account *acct, const struct store_folder *f,
    const char **hint)
{
	if (hint != NULL)
		*hint = acct->folders == FOLDERS_SUBSCRIBED &&
		    acct->nfolder_patterns == 0 ?
		    _("not synced: subscribe to it to pull it") :
		    _("not synced: the account's folders setting leaves it "
		    "out");
	return acct->protocol == PROTO_IMAP && f->remote_name != NULL &&
	    !f->noselect && !sync_folder_chosen(acct, f);
}

static int
folder_synced(void *arg, const struct store_folder *f)
{
	bool	*synced = arg;

	if (f->last_sync != 0)
		*synced = true;
	return 0;
}

int
app_account_synced(struct store *st, int64_t account_id, bool *synced,
    struct perr *err)
{
	*synced = false;
	return store_folder_walk(st, account_id, folder_synced, synced, err);
}

int
app_oauth2_login(const struct account *acct, enum app_oauth2_flow flow,
    app_note_cb note, void *arg, struct perr *err)
{
	return oauth_login(acct, flow == APP_OAUTH2_DEVICE ? OAUTH_FLOW_DEVICE :
	    flow == APP_OAUTH2_BROWSER ? OAUTH_FLOW_BROWSER : OAUTH_FLOW_AUTO,
	    note, arg, err);
}
