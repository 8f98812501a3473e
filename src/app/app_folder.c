/*
 * app_folder.c - user actions on folders (see app.h): create, rename,
 * delete, subscribe, as app_act.c does for messages: the local rows and,
 * for an IMAP account, the journal entries in one transaction.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app/act-int.h"
#include "mail/mail.h"
#include "store/store.h"
#include "sync/sync.h"
#include "util/i18n.h"

/* A name a user may give a folder; IMAP adds the LIST wildcards. */
static int
check_name(struct app_act *a, const char *name, struct perr *err)
{
	const unsigned char	*p;
	char			*enc;

	if (*name == '\0')
		return perr_set(err, PERR_GENERIC, _("account %s: a folder "
		    "needs a name"), a->acct->name);
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return perr_set(err, PERR_GENERIC, _("account %s: a "
			    "folder name cannot hold control characters"),
			    a->acct->name);
	if (a->journal && strpbrk(name, "*%") != NULL)
		return perr_set(err, PERR_GENERIC, _("account %s: '%s': IMAP "
		    "folder names cannot hold '*' or '%%'"), a->acct->name,
		    name);
	/* mutf7_encode() refuses invalid UTF-8. */
	if ((enc = mutf7_encode(name)) == NULL)
		return perr_set(err, PERR_GENERIC, _("account %s: a folder name "
		    "must be valid UTF-8"), a->acct->name);
	free(enc);
	return 0;
}

static int
name_free(struct app_act *a, const char *name, struct perr *err)
{
	struct store_folder	f;
	struct perr		e;

	perr_clear(&e);
	if (store_folder_by_name(a->st, a->account_id, name, &f, &e) == 0) {
		store_folder_free(&f);
		return perr_set(err, PERR_GENERIC, _("account %s: a folder "
		    "named '%s' already exists"), a->acct->name, name);
	}
	if (e.code != PERR_NOTFOUND) {
		*err = e;
		return -1;
	}
	return 0;
}

struct pending_create {
	int64_t	folder_id;
	bool	found;
};

static int
pending_create_one(void *arg, const struct store_journal *e)
{
	struct pending_create	*p = arg;

	if (e->op == STORE_JOP_FOLDER_CREATE && e->folder_id == p->folder_id) {
		p->found = true;
		return 1;
	}
	return 0;
}

/*
 * Does the server have (or will it get) folder f? A folder of an IMAP
 * account without a remote name exists on the server only once its
 * waiting CREATE is replayed; a purely local one must never make the
 * replay touch a server folder that happens to share its name.
 */
static int
on_server(struct app_act *a, const struct store_folder *f, bool *yes,
    struct perr *err)
{
	struct pending_create	p = { f->id, false };

	*yes = true;
	if (f->remote_name != NULL)
		return 0;
	if (store_journal_list(a->st, a->account_id, pending_create_one, &p,
	    err) < 0)
		return -1;
	*yes = p.found;
	return 0;
}

/* Finish a folder action: commit, or roll back and keep err. */
static int
finish(struct app_act *a, int rc, struct perr *err)
{
	struct perr	ignored;

	if (rc != 0) {
		(void)store_rollback(a->st, &ignored);
		return -1;
	}
	return store_commit(a->st, err);
}

int
app_act_folder_create(struct app_act *a, const char *name, struct perr *err)
{
	struct store_folder	f;
	char			*remote = NULL;
	int64_t			 id;
	int			 rc = -1;

	if (check_name(a, name, err) != 0)
		return -1;
	if (store_begin(a->st, err) != 0)
		return -1;
	if (name_free(a, name, err) != 0)
		goto out;
	memset(&f, 0, sizeof f);
	f.account_id = a->account_id;
	f.name = (char *)name;
	f.subscribed = true;
	if (act_account_naming(a, &f.delimiter, err) != 0)
		goto out;
	/* Local until the replay's CREATE: the pull leaves it alone. */
	if (store_folder_upsert(a->st, &f, &id, err) != 0 ||
	    act_remote_of(a, &f, &remote, err) != 0)
		goto out;
	rc = act_journal_folder(a, STORE_JOP_FOLDER_CREATE, id, remote, NULL,
	    err);
out:
	free(remote);
	return finish(a, rc, err);
}

struct children {
	const char		*prefix;	/* "Parent/" */
	size_t			 len;
	struct folders		 fs;
};

static int
child_one(void *arg, const struct store_folder *f)
{
	struct children	*c = arg;

	if (strncmp(f->name, c->prefix, c->len) == 0 && f->name[c->len] != 0)
		return act_folders_one(&c->fs, f);
	return 0;
}

/* The subfolders of f (none when the account has no delimiter). */
static int
children_of(struct app_act *a, const struct store_folder *f,
    struct children *c, struct perr *err)
{
	char	*prefix;
	int	 rc;

	memset(c, 0, sizeof *c);
	if (f->delimiter == 0)
		return 0;
	prefix = xasprintf("%s%c", f->name, f->delimiter);
	c->prefix = prefix;
	c->len = strlen(prefix);
	rc = store_folder_list(a->st, a->account_id, child_one, c, err);
	c->prefix = NULL;
	free(prefix);
	return rc < 0 ? -1 : 0;
}

/* Rename one folder row to `to`; remote names follow for server folders. */
static int
rename_row(struct app_act *a, const struct store_folder *f, const char *to,
    struct perr *err)
{
	char	*remote = NULL;
	int	 rc;

	if (name_free(a, to, err) != 0)
		return -1;
	if (f->remote_name != NULL &&
	    (remote = sync_folder_remote(to, a->prefix)) == NULL)
		return perr_set(err, PERR_GENERIC, _("account %s: a folder name "
		    "must be valid UTF-8"), a->acct->name);
	rc = store_folder_rename(a->st, f->id, to, remote, err);
	free(remote);
	return rc;
}

int
app_act_folder_rename(struct app_act *a, const char *from, const char *to,
    struct perr *err)
{
	struct store_folder	 f;
	struct children		 c;
	char			*old_remote = NULL, *new_remote = NULL, *sub;
	size_t			 i;
	bool			 server;
	int			 rc = -1;

	if (check_name(a, to, err) != 0)
		return -1;
	if (act_folder_named(a, from, &f, err) != 0)
		return -1;
	memset(&c, 0, sizeof c);
	if (act_is_inbox(&f)) {
		perr_set(err, PERR_GENERIC, _("account %s: INBOX cannot be "
		    "renamed"), a->acct->name);
		store_folder_free(&f);
		return -1;
	}
	if (strcmp(from, to) == 0) {
		store_folder_free(&f);
		return 0;
	}
	if (store_begin(a->st, err) != 0) {
		store_folder_free(&f);
		return -1;
	}
	/* The prefix first: rename_row() names the server folders. */
	if (on_server(a, &f, &server, err) != 0 ||
	    children_of(a, &f, &c, err) != 0 ||
	    act_account_naming(a, NULL, err) != 0 ||
	    act_remote_of(a, &f, &old_remote, err) != 0)
		goto out;
	if (rename_row(a, &f, to, err) != 0)
		goto out;
	/* IMAP RENAME takes the subfolders along: so do we. */
	for (i = 0; i < c.fs.n; i++) {
		sub = xasprintf("%s%s", to, c.fs.v[i].name + strlen(from));
		rc = rename_row(a, &c.fs.v[i], sub, err);
		free(sub);
		if (rc != 0)
			goto out;
	}
	rc = 0;
	if (server) {
		/* Valid UTF-8: check_name() said so. */
		new_remote = sync_folder_remote(to, a->prefix);
		rc = act_journal_folder(a, STORE_JOP_FOLDER_RENAME, f.id,
		    old_remote, new_remote != NULL ? new_remote : to, err);
	}
out:
	act_folders_free(&c.fs);
	store_folder_free(&f);
	free(old_remote);
	free(new_remote);
	return finish(a, rc == 0 ? 0 : -1, err);
}

int
app_act_folder_delete(struct app_act *a, const char *name, bool force,
    struct perr *err)
{
	struct store_folder	 f;
	struct children		 c;
	char			*remote = NULL;
	int64_t			 total;
	bool			 server;
	int			 rc = -1;

	if (act_folder_named(a, name, &f, err) != 0)
		return -1;
	memset(&c, 0, sizeof c);
	if (act_is_inbox(&f)) {
		perr_set(err, PERR_GENERIC, _("account %s: INBOX cannot be "
		    "deleted"), a->acct->name);
		store_folder_free(&f);
		return -1;
	}
	if (store_begin(a->st, err) != 0) {
		store_folder_free(&f);
		return -1;
	}
	if (children_of(a, &f, &c, err) != 0)
		goto out;
	if (c.fs.n > 0) {
		perr_set(err, PERR_GENERIC, _("account %s: folder '%s' has "
		    "subfolders ('%s'...); delete them first"), a->acct->name,
		    name, c.fs.v[0].name);
		goto out;
	}
	if (store_folder_counts(a->st, f.id, &total, NULL, err) != 0)
		goto out;
	if (total > 0 && !force) {
		perr_set(err, PERR_FORCE, ngettext("account %s: folder '%s' "
		    "holds %lld message; move it away first, or force the "
		    "delete", "account %s: folder '%s' holds %lld messages; "
		    "move them away first, or force the delete",
		    (unsigned long)total), a->acct->name, name,
		    (long long)total);
		goto out;
	}
	if (on_server(a, &f, &server, err) != 0 ||
	    act_remote_of(a, &f, &remote, err) != 0)
		goto out;
	/* By value only: the row goes now, with its messages. */
	if (server && act_journal_folder(a, STORE_JOP_FOLDER_DELETE, 0, remote,
	    NULL, err) != 0)
		goto out;
	rc = store_folder_delete(a->st, f.id, err);
out:
	act_folders_free(&c.fs);
	store_folder_free(&f);
	free(remote);
	return finish(a, rc, err);
}

int
app_act_subscribe(struct app_act *a, const char *name, bool subscribe,
    struct perr *err)
{
	struct store_folder	 f;
	char			*remote = NULL;
	bool			 server;
	int			 rc = -1;

	if (act_folder_named(a, name, &f, err) != 0)
		return -1;
	if (f.subscribed == subscribe) {
		store_folder_free(&f);
		return 0;
	}
	if (store_begin(a->st, err) != 0) {
		store_folder_free(&f);
		return -1;
	}
	if (store_folder_set_subscribed(a->st, f.id, subscribe, err) != 0 ||
	    on_server(a, &f, &server, err) != 0)
		goto out;
	rc = 0;
	if (server && (rc = act_remote_of(a, &f, &remote, err)) == 0)
		rc = act_journal_folder(a, subscribe ? STORE_JOP_SUBSCRIBE :
		    STORE_JOP_UNSUBSCRIBE, f.id, remote, NULL, err);
out:
	store_folder_free(&f);
	free(remote);
	return finish(a, rc, err);
}
