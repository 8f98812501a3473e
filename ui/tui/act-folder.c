/*
 * act-folder.c - folders from the keyboard: create, rename and delete,
 * on the sidebar's highlighted account and folder (create-folder,
 * rename-folder, delete-folder) or by name from the ':' prompt (mkdir,
 * rename, rmdir). Each goes through src/app's app_act_folder_*, as posta
 * mkdir, rename and rmdir do: the local rows and, for IMAP, the journal
 * entry in one transaction; the account's worker is then asked to replay
 * the journal, which takes the change to the server.
 *
 * Deleting asks first; a folder that still holds mail is refused by
 * app_act_folder_delete (PERR_FORCE), and only a second "y" forces it.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

void
folder_free(struct tui *t)
{
	free(t->fop_name);
	t->fop_name = NULL;
}

/* The folder an action takes: entry i of the sidebar, its store name into
 * t->fop_name and its account into t->fop_account. false (said): none. */
static bool
fop_take(struct tui *t, long i)
{
	const struct sb_entry	*e;
	struct store_folder	 f;
	struct perr		 err;

	folder_free(t);
	if (i < 0 || (size_t)i >= t->sb.n || t->st == NULL)
		return false;
	e = &t->sb.e[i];
	if (e->folder_id == 0 || e->search != NULL) {
		status_msg(&t->status, _("%s is not a folder of the store; "
		    "highlight one in the sidebar (^N, ^P)"), e->name);
		return false;
	}
	if (store_folder_get(t->st, e->folder_id, &f, &err) != 0) {
		status_error(&t->status, "%s", err.msg);
		return false;
	}
	t->fop_name = xstrdup(f.name);
	t->fop_account = e->account;
	t->fop_total = e->total;
	store_folder_free(&f);
	return true;
}

/* After a change of account's folders: words, the sidebar and the open
 * folder read again, the journal to the server. */
static void
fop_done(struct tui *t, size_t account, const char *said)
{
	size_t	i;

	status_msg(&t->status, "%s", said);
	view_refresh(t, TUI_REFRESH_SIDEBAR | TUI_REFRESH_JOURNAL);
	if (account == t->account && sidebar_find(&t->sb, t->folder_id) < 0 &&
	    t->view_q == NULL) {
		/* The open folder went: its Inbox opens instead. */
		for (i = 0; i < t->sb.n; i++)
			if (t->sb.e[i].account == account &&
			    t->sb.e[i].inbox && t->sb.e[i].folder_id != 0)
				break;
		if (i < t->sb.n)
			view_open_folder(t, account, t->sb.e[i].folder_id);
		status_msg(&t->status, "%s", said);
	}
	else if (account == t->account && t->view_q == NULL &&
	    t->folder_id != 0)
		/* Renamed maybe: the status line's name read again. */
		view_open_folder(t, account, t->folder_id);
	workers_replay_account(t, account);
}

static void
fop_failed(struct tui *t, const struct perr *err)
{
	status_error(&t->status, "%s", err->msg);
	t->dirty |= TUI_DIRTY_STATUS;
}

/* ---- create ---------------------------------------------------------------- */

static void
create_in(struct tui *t, size_t account, const char *name)
{
	struct app_act	*a;
	struct perr	 err;
	char		*said;

	if (*name == '\0' || (a = view_handle_account(t, account)) == NULL)
		return;
	perr_clear(&err);
	if (app_act_folder_create(a, name, &err) != 0) {
		fop_failed(t, &err);
		return;
	}
	said = xasprintf(_("folder %s created in %s"), name,
	    t->cfg->accounts[account].name);
	fop_done(t, account, said);
	free(said);
}

static void
create_typed(struct tui *t, const char *text)
{
	create_in(t, t->fop_account, text);
}

void
folder_act_create(struct tui *t)
{
	char			*label;
	const struct sb_entry	*e = t->sb.n > 0 ? &t->sb.e[t->sb.sel] : NULL;

	folder_free(t);
	/* The saved searches' lines belong to no account: the open one. */
	t->fop_account = e == NULL || e->search != NULL ||
	    (e->depth == 0 && e->container) ? t->account : e->account;
	if (t->fop_account >= t->cfg->naccounts)
		return;
	label = xasprintf(_("Create a folder in %s: "),
	    t->cfg->accounts[t->fop_account].name);
	prompt_start(&t->prompt, label, create_typed, NULL);
	free(label);
}

void
folder_cmd_mkdir(struct tui *t, const char *name)
{
	create_in(t, t->account, name);
}

/* ---- rename ---------------------------------------------------------------- */

static void
rename_typed(struct tui *t, const char *text)
{
	struct app_act	*a;
	struct perr	 err;
	char		*said;

	if (*text == '\0' || t->fop_name == NULL ||
	    (a = view_handle_account(t, t->fop_account)) == NULL)
		return;
	if (strcmp(text, t->fop_name) == 0)
		return;
	perr_clear(&err);
	if (app_act_folder_rename(a, t->fop_name, text, &err) != 0) {
		fop_failed(t, &err);
		return;
	}
	said = xasprintf(_("folder %s renamed to %s"), t->fop_name, text);
	fop_done(t, t->fop_account, said);
	free(said);
	folder_free(t);
}

void
folder_act_rename(struct tui *t)
{
	char	*label;

	if (!fop_take(t, t->sb.n > 0 ? (long)t->sb.sel : -1))
		return;
	label = xasprintf(_("Rename folder %s of %s to: "), t->fop_name,
	    t->cfg->accounts[t->fop_account].name);
	prompt_start_with(&t->prompt, label, t->fop_name, rename_typed, NULL);
	free(label);
}

/* A name typed at the ':' prompt: a folder of the open account, or
 * ACCOUNT/FOLDER. */
static bool
fop_named(struct tui *t, const char *name)
{
	long	i = sidebar_lookup(&t->sb, t->cfg, t->account, name);

	if (i < 0 || t->sb.e[i].folder_id == 0) {
		status_msg(&t->status, _("no folder named '%s' (Tab "
		    "completes; ACCOUNT/FOLDER for another account's)"),
		    name);
		return false;
	}
	return fop_take(t, i);
}

void
folder_cmd_rename(struct tui *t, const char *from, const char *to)
{
	if (fop_named(t, from))
		rename_typed(t, to);
}

/* ---- delete ---------------------------------------------------------------- */

static void	delete_forced(struct tui *, const char *);

static void
delete_now(struct tui *t, bool force)
{
	struct app_act	*a;
	struct perr	 err;
	char		*said, *label;

	if (t->fop_name == NULL ||
	    (a = view_handle_account(t, t->fop_account)) == NULL)
		return;
	perr_clear(&err);
	if (app_act_folder_delete(a, t->fop_name, force, &err) != 0) {
		if (err.code != PERR_FORCE || force) {
			fop_failed(t, &err);
			return;
		}
		/* It holds mail: only a second yes deletes that too. */
		label = xasprintf(ngettext("%s still holds %lld message: "
		    "delete it with the folder? (y/n) ", "%s still holds "
		    "%lld messages: delete them with the folder? (y/n) ",
		    (unsigned long)t->fop_total), t->fop_name,
		    (long long)t->fop_total);
		prompt_ask(&t->prompt, label, delete_forced);
		free(label);
		return;
	}
	said = xasprintf(_("folder %s deleted from %s"), t->fop_name,
	    t->cfg->accounts[t->fop_account].name);
	fop_done(t, t->fop_account, said);
	free(said);
	folder_free(t);
}

static void
delete_forced(struct tui *t, const char *answer)
{
	if (strcmp(answer, "y") == 0)
		delete_now(t, true);
	else
		folder_free(t);
}

static void
delete_answered(struct tui *t, const char *answer)
{
	if (strcmp(answer, "y") == 0)
		delete_now(t, false);
	else
		folder_free(t);
}

static void
delete_ask(struct tui *t)
{
	char	*label;

	label = xasprintf(_("Delete folder %s of %s? (y/n) "), t->fop_name,
	    t->cfg->accounts[t->fop_account].name);
	prompt_ask(&t->prompt, label, delete_answered);
	free(label);
}

void
folder_act_delete(struct tui *t)
{
	if (fop_take(t, t->sb.n > 0 ? (long)t->sb.sel : -1))
		delete_ask(t);
}

void
folder_cmd_rmdir(struct tui *t, const char *name)
{
	if (fop_named(t, name))
		delete_ask(t);
}
