/*
 * app_search.c - searching the store with the query language (see app.h):
 * parse (src/search), scope, run (store_msg_find), name each row's folder.
 * Reads only the store, so it works offline and with the server down.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "search/search.h"
#include "store/store.h"
#include "util/i18n.h"

/* Folder names by id, looked up once per search (a handful of folders). */
struct folder_names {
	int64_t		*ids;
	char		**names;
	size_t		 n;
};

struct search_run {
	struct store		*st;
	struct folder_names	 fn;
	app_search_cb		 cb;
	void			*arg;
	struct perr		*err;
	bool			 failed;
};

static const char *
folder_name(struct search_run *r, int64_t id)
{
	struct store_folder	f;
	size_t			i;

	for (i = 0; i < r->fn.n; i++)
		if (r->fn.ids[i] == id)
			return r->fn.names[i];
	if (store_folder_get(r->st, id, &f, r->err) != 0)
		return NULL;
	r->fn.ids = xreallocarray(r->fn.ids, r->fn.n + 1, sizeof *r->fn.ids);
	r->fn.names = xreallocarray(r->fn.names, r->fn.n + 1,
	    sizeof *r->fn.names);
	r->fn.ids[r->fn.n] = id;
	r->fn.names[r->fn.n] = f.name;
	f.name = NULL;
	store_folder_free(&f);
	return r->fn.names[r->fn.n++];
}

static int
one_row(void *arg, const struct store_msg *m)
{
	struct search_run	*r = arg;
	const char		*folder;

	if ((folder = folder_name(r, m->folder_id)) == NULL) {
		r->failed = true;
		return -1;
	}
	return r->cb(r->arg, m, folder);
}

/* Parse query and fold the options into the tree and *f. */
static int
prepare(struct store *st, const char *query, const struct app_search *o,
    struct search_node **q, struct store_find *f, struct perr *err)
{
	enum store_protocol	proto;

	memset(f, 0, sizeof *f);
	f->limit = o->limit;
	if (search_parse(query, o->now != 0 ? o->now : (int64_t)time(NULL),
	    q, err) != 0)
		return -1;
	if (o->folder != NULL)
		*q = search_and(*q, search_leaf(SEARCH_FOLDER, o->folder));
	if (o->threads)
		*q = search_thread(*q);
	if (o->account != NULL && store_account_find(st, o->account,
	    &f->account_id, &proto, err) != 0) {
		if (err->code == PERR_NOTFOUND)
			perr_set(err, PERR_NOTFOUND, _("account %s: no mail "
			    "stored yet; run 'posta sync -a %s' first"),
			    o->account, o->account);
		search_free(*q);
		*q = NULL;
		return -1;
	}
	return 0;
}

int
app_search(struct store *st, const char *query, const struct app_search *o,
    app_search_cb cb, void *arg, struct perr *err)
{
	struct search_run	 r = { st, { 0 }, cb, arg, err, false };
	struct search_node	*q;
	struct store_find	 f;
	size_t			 i;
	int			 rc;

	if (prepare(st, query, o, &q, &f, err) != 0)
		return -1;
	rc = store_msg_find(st, q, &f, one_row, &r, err);
	if (r.failed)
		rc = -1;
	for (i = 0; i < r.fn.n; i++)
		free(r.fn.names[i]);
	free(r.fn.names);
	free(r.fn.ids);
	search_free(q);
	return rc;
}

int
app_search_count(struct store *st, const char *query,
    const struct app_search *o, int64_t *n, struct perr *err)
{
	struct search_node	*q;
	struct store_find	 f;
	int			 rc;

	if (prepare(st, query, o, &q, &f, err) != 0)
		return -1;
	rc = store_msg_find_count(st, q, &f, n, err);
	search_free(q);
	return rc;
}

char *
app_search_explain(const char *query, const struct app_search *o,
    struct perr *err)
{
	struct search_node	*q;
	char			*tree, *sql, *out;

	if (search_parse(query, o->now != 0 ? o->now : (int64_t)time(NULL),
	    &q, err) != 0)
		return NULL;
	if (o->folder != NULL)
		q = search_and(q, search_leaf(SEARCH_FOLDER, o->folder));
	if (o->threads)
		q = search_thread(q);
	tree = search_format(q);
	sql = store_find_sql(q);
	out = xasprintf("%s\n%s", tree, sql);
	free(tree);
	free(sql);
	search_free(q);
	return out;
}

int
app_query_parse(const char *text, struct search_node **q, struct perr *err)
{
	const char	*p = text;

	*q = NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || strcmp(p, "all") == 0)
		return 0;
	if (search_parse(text, (int64_t)time(NULL), q, err) != 0)
		return -1;
	if ((*q)->kind == SEARCH_ALL) {
		search_free(*q);
		*q = NULL;
	}
	return 0;
}

/* How many messages of folder_id match text. */
static int
query_count(struct store *st, const char *text, int64_t folder_id,
    int64_t *n, struct perr *err)
{
	struct search_node	*q;
	struct store_find	 f = { 0, folder_id, NULL, -1, 0 };
	int			 rc;

	if (search_parse(text, (int64_t)time(NULL), &q, err) != 0)
		return -1;
	rc = store_msg_find_count(st, q, &f, n, err);
	search_free(q);
	return rc;
}

int
app_query_counts(struct store *st, const char *text, int64_t folder_id,
    int64_t *total, int64_t *unread, struct perr *err)
{
	char	*u;
	int	 rc;

	if (query_count(st, text, folder_id, total, err) != 0)
		return -1;
	/* It parsed alone, so it parses in parentheses (bar the bounds). */
	u = xasprintf("(%s) is:unread", text);
	rc = query_count(st, u, folder_id, unread, err);
	free(u);
	return rc;
}
