/*
 * app_search_server.c - the servers' half of a search (see app.h): for an
 * IMAP account that keeps only headers (offline = headers, or bodies of
 * the last N days), the store cannot find a word of a body it does not
 * hold, so its server is asked too (UID SEARCH in each stored folder, the
 * query made by search_imap()). Only messages whose body is not here are
 * added: for the rest the store's answer stands.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "net/net.h"
#include "search/search.h"
#include "store/store.h"
#include "util/i18n.h"

struct server_run {
	struct store			*st;
	const struct search_node	*q;
	const struct account		*acct;
	struct app_server_found		*out;
	struct imap_conn		*c;
	struct perr			*err;
	bool				 stop;	/* a note said why */
};

static void
note(struct app_server_found *out, char *text)
{
	out->notes = xreallocarray(out->notes, out->nnotes + 1,
	    sizeof *out->notes);
	out->notes[out->nnotes++] = text;
}

static const char *
policy(const struct account *a)
{
	return a->offline == OFFLINE_HEADERS ? "headers" : "days:N";
}

/* The UIDs of the store's own matches in a folder, ascending. */
struct uid_list {
	uint32_t	*v;
	size_t		 n;
};

static int
uid_add(void *arg, const struct store_msg *m)
{
	struct uid_list	*u = arg;

	u->v = xreallocarray(u->v, u->n + 1, sizeof *u->v);
	u->v[u->n++] = m->uid;
	return 0;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* What the server found in f that the store did not: *out's ids. */
static int
add_found(struct server_run *r, const struct store_folder *f,
    const struct imap_uids *found, struct perr *err)
{
	struct store_find	 sf = { 0, f->id, NULL, -1, 0 };
	struct uid_list		 mine = { 0 };
	struct store_msg	 m;
	size_t			 i;

	if (store_msg_find(r->st, r->q, &sf, uid_add, &mine, err) != 0)
		return -1;
	if (mine.n > 0)
		qsort(mine.v, mine.n, sizeof *mine.v, uid_cmp);
	for (i = 0; i < found->n; i++) {
		if (mine.n > 0 && bsearch(&found->v[i], mine.v, mine.n,
		    sizeof *mine.v, uid_cmp) != NULL)
			continue;
		memset(&m, 0, sizeof m);
		if (store_msg_by_uid(r->st, f->id, found->v[i], &m, err) != 0) {
			if (err->code != PERR_NOTFOUND) {
				free(mine.v);
				return -1;
			}
			r->out->unstored++;
			continue;
		}
		if (m.body_state != STORE_BODY_FULL) {
			r->out->ids = xreallocarray(r->out->ids, r->out->n + 1,
			    sizeof *r->out->ids);
			r->out->ids[r->out->n++] = m.id;
		}
		store_msg_free(&m);
	}
	free(mine.v);
	return 0;
}

/* One stored folder: EXAMINE, UID SEARCH, what only the server found. */
static int
one_folder(void *arg, const struct store_folder *f)
{
	struct server_run	*r = arg;
	struct imap_selected	 sel;
	struct imap_uids	 found;
	struct perr		 e;
	char			*args;
	int			 rc;

	if (r->stop || f->remote_name == NULL || f->noselect ||
	    f->uidvalidity == 0)
		return 0;
	rc = search_imap(r->q, f->name, r->acct->name, &args, &e);
	if (rc <= 0) {
		if (rc < 0) {
			note(r->out, xasprintf(_("account %s: its server "
			    "was not asked (%s); the bodies not in the store "
			    "were not searched."), r->acct->name, e.msg));
			r->stop = true;
		}
		return 0;
	}
	memset(&sel, 0, sizeof sel);
	if (imap_select(r->c, f->remote_name, IMAP_SELECT_EXAMINE, NULL, NULL,
	    NULL, &sel, &e) != 0 || sel.uidvalidity != f->uidvalidity) {
		imap_selected_free(&sel);
		note(r->out, sel.uidvalidity != 0 ? xasprintf(_("account %s: "
		    "folder %s was not asked (it changed on the server since "
		    "the last sync)."), r->acct->name, f->name) :
		    xasprintf(_("account %s: folder %s was not asked (%s)."),
		    r->acct->name, f->name, e.msg));
		free(args);
		r->stop = r->c->unparsed || imap_err_fatal(&e);
		return 0;
	}
	imap_selected_free(&sel);
	rc = imap_uid_search(r->c, args, &found, &e);
	free(args);
	if (rc != 0) {
		note(r->out, xasprintf(_("account %s: folder %s: %s"),
		    r->acct->name, f->name, e.msg));
		r->stop = r->c->unparsed || imap_err_fatal(&e);
		return 0;
	}
	rc = add_found(r, f, &found, r->err);
	imap_uids_free(&found);
	return rc;
}

static int
one_account(struct store *st, const struct search_node *q,
    const struct account *a, bool offline, struct app_server_found *out,
    struct perr *err)
{
	struct server_run	 r = { st, q, a, out, NULL, err, false };
	enum store_protocol	 proto;
	struct perr		 e;
	int64_t			 account_id;
	int			 rc;

	if (store_account_find(st, a->name, &account_id, &proto, &e) != 0)
		return 0;	/* nothing stored: nothing to add to */
	if (offline) {
		note(out, xasprintf(_("account %s keeps only some bodies here "
		    "(offline = %s): words in the others were not searched; "
		    "without --offline its server is asked too."), a->name,
		    policy(a)));
		return 0;
	}
	if ((r.c = imap_connect(a, &a->in, &e)) == NULL) {
		note(out, xasprintf(_("account %s: its server could not be "
		    "asked (%s); the bodies not in the store were not "
		    "searched."), a->name, e.msg));
		return 0;
	}
	rc = store_folder_list(st, account_id, one_folder, &r, err);
	if (r.c->unparsed)
		imap_abort(r.c);
	else
		imap_close(r.c);
	return rc;
}

int
app_search_server(const struct config *cfg, struct store *st,
    const char *query, const struct app_search *o, bool offline,
    struct app_server_found *out, struct perr *err)
{
	struct search_node	*q;
	size_t			 i;
	int			 rc = 0;

	memset(out, 0, sizeof *out);
	if (search_parse(query, o->now != 0 ? o->now : (int64_t)time(NULL),
	    &q, err) != 0)
		return -1;
	if (o->folder != NULL)
		q = search_and(q, search_leaf(SEARCH_FOLDER, o->folder));
	if (o->threads)
		q = search_thread(q);
	for (i = 0; i < cfg->naccounts && rc == 0; i++) {
		const struct account	*a = &cfg->accounts[i];

		if (a->protocol != PROTO_IMAP || a->offline == OFFLINE_ALL ||
		    (o->account != NULL && strcmp(o->account, a->name) != 0))
			continue;
		rc = one_account(st, q, a, offline, out, err);
	}
	search_free(q);
	return rc;
}

void
app_server_found_free(struct app_server_found *out)
{
	size_t	i;

	for (i = 0; i < out->nnotes; i++)
		free(out->notes[i]);
	free(out->notes);
	free(out->ids);
	memset(out, 0, sizeof *out);
}
