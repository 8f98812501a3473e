/*
 * app_act.c - user actions on mail (see app.h); app_folder.c has those on
 * folders, act-int.h what the two share.
 *
 * Every action is one store transaction: the local rows change and, for an
 * IMAP account, the journal gets the entries the sync replays, so what the
 * user sees and what the server will be told can never disagree, whatever
 * stops posta half-way. Entries record only what actually changed (the
 * effective flag bits, not the requested ones): the local rows are the
 * server's state plus the waiting entries, so a bit already set here is
 * set there too, or will be.
 *
 * What each entry means to the replay, and how conflicts with other
 * devices are settled: doc/SYNC-RULES.md.
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

/* ---- opening ------------------------------------------------------------ */

struct app_act *
app_act_attach(struct store *st, const struct account *acct,
    struct perr *err)
{
	struct app_act		*a;
	enum store_protocol	 proto;
	int64_t			 id;
	bool			 pop3 = acct->protocol == PROTO_POP3;

	if (store_account_find(st, acct->name, &id, &proto, err) != 0) {
		if (err->code == PERR_NOTFOUND)
			perr_set(err, PERR_NOTFOUND, _("account %s: no mail "
			    "stored yet; run 'posta sync -a %s' first"),
			    acct->name, acct->name);
		return NULL;
	}
	if ((proto == STORE_POP3) != pop3) {
		perr_set(err, PERR_STORE, _("account %s is stored as %s but "
		    "configured as %s"), acct->name,
		    proto == STORE_POP3 ? "pop3" : "imap",
		    pop3 ? "pop3" : "imap");
		return NULL;
	}
	a = xcalloc(1, sizeof *a);
	a->st = st;
	a->acct = acct;
	a->account_id = id;
	a->journal = !pop3;
	return a;
}

struct app_act *
app_act_open(const struct config *cfg, const struct account *acct,
    struct perr *err)
{
	struct app_act	*a;
	struct store	*st;

	/* Acting never creates a store: there would be nothing to act on. */
	if (access(cfg->store, F_OK) != 0) {
		perr_set(err, PERR_NOTFOUND, _("%s: no mail stored yet; run "
		    "'posta sync' first"), cfg->store);
		return NULL;
	}
	if ((st = store_open(cfg->store, STORE_RDWR, err)) == NULL)
		return NULL;
	if ((a = app_act_attach(st, acct, err)) == NULL) {
		store_close(st);
		return NULL;
	}
	a->own = true;
	return a;
}

void
app_act_close(struct app_act *a)
{
	if (a == NULL)
		return;
	if (a->own)
		store_close(a->st);
	free(a->prefix);
	free(a);
}

/* ---- helpers -------------------------------------------------------------- */

/*
 * What the synced folders say about names on the server: the hierarchy
 * delimiter into *delim (may be NULL; 0: none), and the personal namespace
 * prefix into a->prefix ("" when no folder reveals one), which src/sync
 * leaves out of the names shown ("Cestino" is "INBOX.Cestino" on Courier
 * and Cyrus) and new server names must get back.
 */
int
act_account_naming(struct app_act *a, char *delim, struct perr *err)
{
	struct folders	fs = { NULL, 0 };
	size_t		i;

	if (delim != NULL)
		*delim = 0;
	if (store_folder_list(a->st, a->account_id, act_folders_one, &fs,
	    err) < 0) {
		act_folders_free(&fs);
		return -1;
	}
	free(a->prefix);
	a->prefix = NULL;
	for (i = 0; i < fs.n; i++) {
		if (delim != NULL && *delim == 0)
			*delim = fs.v[i].delimiter;
		if (a->prefix == NULL)
			a->prefix = sync_folder_prefix(fs.v[i].name,
			    fs.v[i].remote_name);
	}
	if (a->prefix == NULL)
		a->prefix = xstrdup("");
	act_folders_free(&fs);
	return 0;
}

/*
 * The server name a journal entry uses for f: its remote name, or, for a
 * folder made here and not yet on the server, the name its CREATE will
 * give it (under the server's namespace prefix). *out is malloc'd; the
 * caller frees it.
 */
int
act_remote_of(struct app_act *a, const struct store_folder *f, char **out,
    struct perr *err)
{
	*out = NULL;
	if (f->remote_name != NULL) {
		*out = xstrdup(f->remote_name);
		return 0;
	}
	if (a->prefix == NULL && act_account_naming(a, NULL, err) != 0)
		return -1;
	if ((*out = sync_folder_remote(f->name, a->prefix)) == NULL)
		*out = xstrdup(f->name);
	return 0;
}

bool
act_is_inbox(const struct store_folder *f)
{
	return f->special_use == STORE_SPECIAL_INBOX ||
	    strcasecmp(f->name, "INBOX") == 0;
}

/* Look a folder up by the name shown; a missing one is a clear error. */
int
act_folder_named(struct app_act *a, const char *name, struct store_folder *f,
    struct perr *err)
{
	if (store_folder_by_name(a->st, a->account_id, name, f, err) == 0)
		return 0;
	if (err->code == PERR_NOTFOUND)
		perr_set(err, PERR_NOTFOUND, _("account %s: no folder named "
		    "'%s' (see posta folders)"), a->acct->name, name);
	return -1;
}

/* The folder that receives messages of an action: it must hold messages. */
static int
dest_named(struct app_act *a, const char *name, struct store_folder *f,
    struct perr *err)
{
	if (act_folder_named(a, name, f, err) != 0)
		return -1;
	if (f->noselect) {
		perr_set(err, PERR_GENERIC, _("account %s: folder '%s' cannot "
		    "hold messages (it is only a container)"), a->acct->name,
		    name);
		store_folder_free(f);
		return -1;
	}
	return 0;
}

/* The account's folder with this special use; *found false: none. */
static int
dest_special(struct app_act *a, enum store_special use,
    struct store_folder *f, bool *found, struct perr *err)
{
	struct perr	e;

	perr_clear(&e);
	*found = false;
	if (store_folder_by_special(a->st, a->account_id, use, f, &e) == 0) {
		*found = true;
		return 0;
	}
	if (e.code == PERR_NOTFOUND)
		return 0;
	*err = e;
	return -1;
}

/* Append a message entry (IMAP only): by row and by value. */
static int
journal_msg(struct app_act *a, enum store_jop op, const struct store_msg *m,
    const struct store_folder *f, int64_t result_id,
    const struct store_folder *dest, unsigned add, unsigned remove,
    struct perr *err)
{
	struct store_journal	e;
	int			rc;

	if (!a->journal)
		return 0;
	memset(&e, 0, sizeof e);
	e.account_id = a->account_id;
	e.op = op;
	e.message_id = result_id;
	e.folder_id = f->id;
	e.uid = m->uid;
	if (dest != NULL)
		e.dest_folder_id = dest->id;
	e.flags_add = add;
	e.flags_remove = remove;
	if ((rc = act_remote_of(a, f, &e.folder_name, err)) == 0 &&
	    (dest == NULL ||
	    (rc = act_remote_of(a, dest, &e.dest_name, err)) == 0))
		rc = store_journal_append(a->st, &e, NULL, err);
	free(e.folder_name);
	free(e.dest_name);
	return rc;
}

/* Append a folder entry (IMAP only). */
int
act_journal_folder(struct app_act *a, enum store_jop op, int64_t folder_id,
    const char *name, const char *dest, struct perr *err)
{
	struct store_journal	e;

	if (!a->journal)
		return 0;
	memset(&e, 0, sizeof e);
	e.account_id = a->account_id;
	e.op = op;
	e.folder_id = folder_id;
	e.folder_name = (char *)name;
	e.dest_folder_id = op == STORE_JOP_FOLDER_RENAME ? folder_id : 0;
	e.dest_name = (char *)dest;
	return store_journal_append(a->st, &e, NULL, err);
}

/* The folders of one call, looked up once each. */
struct fcache {
	struct store_folder	*v;
	size_t			 n;
};

static const struct store_folder *
fcache_get(struct app_act *a, struct fcache *c, int64_t id, struct perr *err)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].id == id)
			return &c->v[i];
	c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
	if (store_folder_get(a->st, id, &c->v[c->n], err) != 0)
		return NULL;
	return &c->v[c->n++];
}

static void
fcache_free(struct fcache *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		store_folder_free(&c->v[i]);
	free(c->v);
}

/* What one action does to one message; *changed: whether it did anything. */
typedef int	(*act_fn)(struct app_act *, void *arg, const struct store_msg *,
		    const struct store_folder *, bool *changed, struct perr *);

/*
 * Run fn on every message of ids in one transaction. A message that does
 * not exist, or is another account's, undoes everything with an error
 * naming it.
 */
static int
act_each(struct app_act *a, const int64_t *ids, size_t n, act_fn fn,
    void *arg, size_t *changed, struct perr *err)
{
	struct fcache			 fc = { NULL, 0 };
	struct store_msg		 m;
	const struct store_folder	*f;
	struct perr			 ignored;
	size_t				 i, nchanged = 0;
	bool				 did;

	if (changed != NULL)
		*changed = 0;
	if (store_begin(a->st, err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (store_msg_get(a->st, ids[i], &m, err) != 0) {
			if (err->code == PERR_NOTFOUND)
				perr_set(err, PERR_NOTFOUND, _("account %s: no "
				    "message with id %lld (nothing was "
				    "changed)"), a->acct->name,
				    (long long)ids[i]);
			goto fail;
		}
		if ((f = fcache_get(a, &fc, m.folder_id, err)) == NULL) {
			store_msg_free(&m);
			goto fail;
		}
		if (f->account_id != a->account_id) {
			perr_set(err, PERR_NOTFOUND, _("account %s: message %lld "
			    "belongs to another account (nothing was "
			    "changed; see -a)"), a->acct->name,
			    (long long)ids[i]);
			store_msg_free(&m);
			goto fail;
		}
		did = false;
		if (fn(a, arg, &m, f, &did, err) != 0) {
			store_msg_free(&m);
			goto fail;
		}
		if (did)
			nchanged++;
		store_msg_free(&m);
	}
	fcache_free(&fc);
	if (store_commit(a->st, err) != 0)
		return -1;
	if (changed != NULL)
		*changed = nchanged;
	return 0;
fail:
	fcache_free(&fc);
	(void)store_rollback(a->st, &ignored);
	return -1;
}

/* ---- messages -------------------------------------------------------------- */

struct flagchange {
	unsigned	add, remove;
};

static int
do_flags(struct app_act *a, void *arg, const struct store_msg *m,
    const struct store_folder *f, bool *changed, struct perr *err)
{
	struct flagchange	*fc = arg;
	unsigned		 want, add, remove;

	want = (m->flags | fc->add) & ~fc->remove;
	add = want & ~m->flags;
	remove = m->flags & ~want;
	if (add == 0 && remove == 0)
		return 0;
	if (store_msg_flags_change(a->st, m->id, add, remove, err) < 0)
		return -1;
	*changed = true;
	return journal_msg(a, STORE_JOP_FLAGS, m, f, m->id, NULL, add, remove,
	    err);
}

static int
do_move(struct app_act *a, void *arg, const struct store_msg *m,
    const struct store_folder *f, bool *changed, struct perr *err)
{
	const struct store_folder	*dest = arg;

	if (m->folder_id == dest->id)
		return 0;
	if (store_msg_move(a->st, m->id, dest->id, err) != 0)
		return -1;
	*changed = true;
	/* The moved row is the result: the replay gives it its new UID. */
	return journal_msg(a, STORE_JOP_MOVE, m, f, m->id, dest, 0, 0, err);
}

static int
do_copy(struct app_act *a, void *arg, const struct store_msg *m,
    const struct store_folder *f, bool *changed, struct perr *err)
{
	const struct store_folder	*dest = arg;
	int64_t				 nid;

	if (store_msg_copy(a->st, m->id, dest->id, &nid, err) != 0)
		return -1;
	*changed = true;
	return journal_msg(a, STORE_JOP_COPY, m, f, nid, dest, 0, 0, err);
}

static int
do_delete(struct app_act *a, void *arg, const struct store_msg *m,
    const struct store_folder *f, bool *changed, struct perr *err)
{
	const struct store_folder	*trash = arg;
	struct flagchange		 del = { STORE_DELETED, 0 };

	if (trash->id != 0 && m->folder_id != trash->id)
		return do_move(a, (void *)trash, m, f, changed, err);
	return do_flags(a, &del, m, f, changed, err);
}

int
app_act_flags(struct app_act *a, const int64_t *ids, size_t n, unsigned add,
    unsigned remove, size_t *changed, struct perr *err)
{
	struct flagchange	fc;

	/* \Recent belongs to the server's session: never ours to set. */
	fc.add = add & ~(unsigned)STORE_RECENT;
	fc.remove = remove & ~(unsigned)STORE_RECENT;
	return act_each(a, ids, n, do_flags, &fc, changed, err);
}

int
app_act_undelete(struct app_act *a, const int64_t *ids, size_t n,
    size_t *changed, struct perr *err)
{
	return app_act_flags(a, ids, n, 0, STORE_DELETED, changed, err);
}

static int
move_or_copy(struct app_act *a, const int64_t *ids, size_t n,
    const char *name, act_fn fn, size_t *changed, struct perr *err)
{
	struct store_folder	dest;
	int			rc;

	if (dest_named(a, name, &dest, err) != 0)
		return -1;
	rc = act_each(a, ids, n, fn, &dest, changed, err);
	store_folder_free(&dest);
	return rc;
}

int
app_act_move(struct app_act *a, const int64_t *ids, size_t n,
    const char *dest, size_t *changed, struct perr *err)
{
	return move_or_copy(a, ids, n, dest, do_move, changed, err);
}

int
app_act_copy(struct app_act *a, const int64_t *ids, size_t n,
    const char *dest, size_t *changed, struct perr *err)
{
	return move_or_copy(a, ids, n, dest, do_copy, changed, err);
}

int
app_act_archive(struct app_act *a, const int64_t *ids, size_t n,
    size_t *changed, struct perr *err)
{
	struct store_folder	dest;
	bool			found;
	int			rc;

	if (dest_special(a, STORE_SPECIAL_ARCHIVE, &dest, &found,
	    err) != 0)
		return -1;
	if (!found)
		return perr_set(err, PERR_NOTFOUND, _("account %s has no Archive "
		    "folder (none is marked \\Archive on the server or named "
		    "Archive); use posta move"), a->acct->name);
	rc = act_each(a, ids, n, do_move, &dest, changed, err);
	store_folder_free(&dest);
	return rc;
}

int
app_act_delete(struct app_act *a, const int64_t *ids, size_t n,
    size_t *changed, struct perr *err)
{
	struct store_folder	trash;
	bool			found;
	int			rc;

	if (dest_special(a, STORE_SPECIAL_TRASH, &trash, &found,
	    err) != 0)
		return -1;
	if (!found)
		memset(&trash, 0, sizeof trash);	/* id 0: no Trash */
	rc = act_each(a, ids, n, do_delete, &trash, changed, err);
	store_folder_free(&trash);
	return rc;
}

/* For good: the server's copy expunged by UID (a row without one never
 * reached it: the entry that would put it there finds it gone). */
static int
do_remove(struct app_act *a, void *arg, const struct store_msg *m,
    const struct store_folder *f, bool *changed, struct perr *err)
{
	(void)arg;
	if (m->uid != 0 && journal_msg(a, STORE_JOP_EXPUNGE, m, f, 0, NULL, 0,
	    0, err) != 0)
		return -1;
	if (store_msg_delete(a->st, m->id, err) != 0)
		return -1;
	*changed = true;
	return 0;
}

int
app_act_remove(struct app_act *a, const int64_t *ids, size_t n,
    size_t *changed, struct perr *err)
{
	return act_each(a, ids, n, do_remove, NULL, changed, err);
}

/* ---- expunge ----------------------------------------------------------- */

struct gone {
	int64_t		*ids;
	uint32_t	*uids;
	size_t		 n;
};

static int
gone_one(void *arg, const struct store_uid *u)
{
	struct gone	*g = arg;

	g->ids = xreallocarray(g->ids, g->n + 1, sizeof *g->ids);
	g->uids = xreallocarray(g->uids, g->n + 1, sizeof *g->uids);
	g->ids[g->n] = u->id;
	g->uids[g->n] = u->uid;
	g->n++;
	return 0;
}

/* Expunge one folder inside the caller's transaction. */
static int
expunge_folder(struct app_act *a, const struct store_folder *f, size_t *n,
    struct perr *err)
{
	struct gone		g = { NULL, NULL, 0 };
	struct store_msg	m;
	size_t			i;
	int			rc = -1;

	if (store_msg_deleted(a->st, f->id, gone_one, &g, err) < 0)
		goto out;
	for (i = 0; i < g.n; i++) {
		/*
		 * By value only (the row goes now). A row without a UID never
		 * reached the server: the entries that made it lose their row
		 * and the replay turns them into what is left to do
		 * (SYNC-RULES "result gone").
		 */
		if (g.uids[i] != 0) {
			memset(&m, 0, sizeof m);
			m.uid = g.uids[i];
			if (journal_msg(a, STORE_JOP_EXPUNGE, &m, f, 0, NULL,
			    0, 0, err) != 0)
				goto out;
		}
		if (store_msg_delete(a->st, g.ids[i], err) != 0)
			goto out;
	}
	*n += g.n;
	rc = 0;
out:
	free(g.ids);
	free(g.uids);
	return rc;
}

int
act_folders_one(void *arg, const struct store_folder *f)
{
	struct folders	*fs = arg;

	fs->v = xreallocarray(fs->v, fs->n + 1, sizeof *fs->v);
	fs->v[fs->n] = *f;
	fs->v[fs->n].name = xstrdup(f->name);
	fs->v[fs->n].remote_name = f->remote_name != NULL ?
	    xstrdup(f->remote_name) : NULL;
	fs->n++;
	return 0;
}

void
act_folders_free(struct folders *fs)
{
	size_t	i;

	for (i = 0; i < fs->n; i++)
		store_folder_free(&fs->v[i]);
	free(fs->v);
	fs->v = NULL;
	fs->n = 0;
}

int
app_act_expunge(struct app_act *a, const char *name, size_t *changed,
    struct perr *err)
{
	struct folders	fs = { NULL, 0 };
	struct perr	ignored;
	size_t		i, n = 0;

	if (changed != NULL)
		*changed = 0;
	if (name != NULL) {
		fs.v = xcalloc(1, sizeof *fs.v);
		if (act_folder_named(a, name, &fs.v[0], err) != 0) {
			free(fs.v);
			return -1;
		}
		fs.n = 1;
	} else if (store_folder_list(a->st, a->account_id, act_folders_one, &fs,
	    err) < 0) {
		act_folders_free(&fs);
		return -1;
	}
	if (store_begin(a->st, err) != 0) {
		act_folders_free(&fs);
		return -1;
	}
	for (i = 0; i < fs.n; i++)
		if (expunge_folder(a, &fs.v[i], &n, err) != 0) {
			(void)store_rollback(a->st, &ignored);
			act_folders_free(&fs);
			return -1;
		}
	act_folders_free(&fs);
	if (store_commit(a->st, err) != 0)
		return -1;
	if (changed != NULL)
		*changed = n;
	return 0;
}

/* ---- the journal ---------------------------------------------------------- */

struct failed_ids {
	int64_t	*v;
	size_t	 n;
};

static int
failed_one(void *arg, const struct store_journal *e)
{
	struct failed_ids	*f = arg;

	if (e->state == STORE_JFAILED) {
		f->v = xreallocarray(f->v, f->n + 1, sizeof *f->v);
		f->v[f->n++] = e->id;
	}
	return 0;
}

typedef int	(*jfn)(struct store *, int64_t, int64_t, struct perr *);

/* Apply fn to entry id of the account, or (id 0) to every failed one. */
static int
journal_each(struct app_act *a, int64_t id, jfn fn, struct perr *err)
{
	struct failed_ids	f = { NULL, 0 };
	struct perr		ignored;
	size_t			i;

	if (id != 0) {
		if (fn(a->st, a->account_id, id, err) == 0)
			return 0;
		if (err->code == PERR_NOTFOUND)
			perr_set(err, PERR_NOTFOUND, _("account %s: no journal "
			    "entry %lld (see posta journal)"), a->acct->name,
			    (long long)id);
		return -1;
	}
	if (store_journal_list(a->st, a->account_id, failed_one, &f, err) < 0)
		goto fail;
	if (store_begin(a->st, err) != 0)
		goto fail;
	for (i = 0; i < f.n; i++)
		if (fn(a->st, a->account_id, f.v[i], err) != 0) {
			(void)store_rollback(a->st, &ignored);
			goto fail;
		}
	free(f.v);
	return store_commit(a->st, err);
fail:
	free(f.v);
	return -1;
}

int
app_act_journal_retry(struct app_act *a, int64_t id, struct perr *err)
{
	return journal_each(a, id, store_journal_retry, err);
}

int
app_act_journal_drop(struct app_act *a, int64_t id, struct perr *err)
{
	return journal_each(a, id, store_journal_drop, err);
}

/* ---- reaching the server --------------------------------------------------- */

int
app_act_push(const struct config *cfg, const struct account *acct,
    bool *pushed, struct perr *err)
{
	struct app_act	*a;
	int64_t		 waiting = 0;
	int		 rc;

	*pushed = false;
	if (acct->protocol == PROTO_POP3)
		return 0;
	if ((a = app_act_open(cfg, acct, err)) == NULL)
		return -1;
	rc = store_journal_count(a->st, a->account_id, &waiting, NULL, err);
	app_act_close(a);
	if (rc != 0)
		return -1;
	if (waiting == 0)
		return 0;
	if (app_sync(cfg, acct, NULL, err) != 0)
		return -1;
	*pushed = true;
	return 0;
}
