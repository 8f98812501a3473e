/*
 * cmd-search.c - posta search: the messages of every folder matching a
 * query (doc/SEARCH.md), newest first, from the store, so it works with
 * --offline and with the server down. An IMAP account that keeps only
 * some bodies here has its server asked as well (app_search_server());
 * what only the server found is merged in by date and marked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"
#include "util/i18n.h"


struct search_out {
	bool	json;
	int	subject_cols;
};

static int
print_one(void *arg, const struct store_msg *m, const char *folder)
{
	struct search_out	*so = arg;

	cli_msg_print(m, folder, so->json, so->subject_cols);
	return 0;
}

/* A row of the merged answer: newest first as the store orders them. */
struct row {
	int64_t	date, id;
	bool	by_server;
};

struct rows {
	struct row	*v;
	size_t		 n;
};

static void
row_add(struct rows *r, int64_t date, int64_t id, bool by_server)
{
	r->v = xreallocarray(r->v, r->n + 1, sizeof *r->v);
	r->v[r->n].date = date;
	r->v[r->n].id = id;
	r->v[r->n++].by_server = by_server;
}

static int
collect_one(void *arg, const struct store_msg *m, const char *folder)
{
	(void)folder;
	row_add(arg, m->date, m->id, false);
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row	*x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? 1 : -1;
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

/* The store's rows and the server's, by date, cut to the limit. */
static int
print_merged(struct store *st, const char *q, const struct app_search *o,
    const struct app_server_found *sf, const struct search_out *so,
    struct perr *err)
{
	struct rows		 r = { 0 };
	struct store_msg	 m;
	struct store_folder	 f;
	size_t			 i;
	int			 rc;

	if ((rc = app_search(st, q, o, collect_one, &r, err)) != 0)
		goto out;
	for (i = 0; i < sf->n; i++) {
		if ((rc = store_msg_get(st, sf->ids[i], &m, err)) != 0)
			goto out;
		row_add(&r, m.date, m.id, true);
		store_msg_free(&m);
	}
	qsort(r.v, r.n, sizeof *r.v, row_cmp);
	for (i = 0; i < r.n && (o->limit < 0 || i < (size_t)o->limit); i++) {
		if ((rc = store_msg_get(st, r.v[i].id, &m, err)) != 0)
			goto out;
		if ((rc = store_folder_get(st, m.folder_id, &f, err)) != 0) {
			store_msg_free(&m);
			goto out;
		}
		cli_msg_print_found(&m, f.name, so->json, so->subject_cols,
		    r.v[i].by_server);
		store_folder_free(&f);
		store_msg_free(&m);
	}
out:
	free(r.v);
	return rc;
}

/* The servers' half: notes to stderr, what they found in *sf. */
static int
ask_servers(struct cli_ctx *ctx, struct store *st, const char *q,
    const struct app_search *o, struct app_server_found *sf,
    struct perr *err)
{
	size_t	i;

	if (app_search_server(ctx->cfg, st, q, o, ctx->offline, sf, err) != 0)
		return -1;
	for (i = 0; i < sf->nnotes; i++)
		cli_error(_("search: %s"), sf->notes[i]);
	if (sf->unstored > 0)
		cli_error(ngettext("search: the server found %zu more message "
		    "that is not in the store yet; run 'posta sync' to see it.",
		    "search: the server found %zu more messages that are not "
		    "in the store yet; run 'posta sync' to see them.",
		    sf->unstored), sf->unstored);
	return 0;
}

/* The words of the query, joined by single spaces (malloc'd). */
static char *
join(int argc, char **argv)
{
	size_t	len = 1;
	char	*q;
	int	 i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	q = xmalloc(len);
	*q = '\0';
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(q, " ");
		strcat(q, argv[i]);
	}
	return q;
}

/* Long options only: a query word may start with '-'. */
static const struct arg_opt search_opts[] = {
	{ .name = "json", .kind = ARG_FLAG },
	{ .name = "count", .kind = ARG_FLAG },
	{ .name = "threads", .kind = ARG_FLAG },
	{ .name = "explain", .kind = ARG_FLAG },
	{ .name = "folder", .kind = ARG_VALUE },
	{ .name = "account", .kind = ARG_VALUE },
	{ .name = "limit", .kind = ARG_NUMBER, .min = 0, .max = 1000000000 },
	{ 0 }
};

static int
cmd_search(struct cli_ctx *ctx, const struct cmd_entry *self, struct args *a)
{
	struct app_search	 o = { .limit = -1 };
	struct search_out	 so = { 0 };
	struct app_server_found	 sf = { 0 };
	const struct account	*acct;
	struct store		*st;
	struct perr		 err;
	int64_t			 account_id, n;
	bool			 count = args_has(a, "count");
	char			*q, *text;
	int			 rc = CLI_OK;

	so.json = args_has(a, "json");
	o.threads = args_has(a, "threads");
	o.folder = args_get(a, "folder");
	o.account = args_get(a, "account");
	o.limit = (int)args_number(a, "limit", -1);
	q = join(a->argc, a->argv);
	if (args_has(a, "explain")) {
		if ((text = app_search_explain(q, &o, &err)) == NULL)
			rc = cli_error("%s", err.msg);
		else
			printf("%s\n", text);
		free(text);
		free(q);
		return rc;
	}
	if (cli_open_reader(ctx, o.account, &acct, &st, &account_id) != 0) {
		free(q);
		return CLI_FAIL;
	}
	so.subject_cols = cli_subject_cols();
	if (ask_servers(ctx, st, q, &o, &sf, &err) != 0)
		rc = cli_error("%s", err.msg);
	else if (count) {
		if (app_search_count(st, q, &o, &n, &err) != 0)
			rc = cli_error("%s", err.msg);
		else
			printf("%lld\n", (long long)n + (long long)sf.n);
	} else if (sf.n > 0) {
		if (print_merged(st, q, &o, &sf, &so, &err) != 0)
			rc = cli_error("%s", err.msg);
	} else if (app_search(st, q, &o, print_one, &so, &err) != 0)
		rc = cli_error("%s", err.msg);
	app_server_found_free(&sf);
	if (rc != CLI_OK && err.code == PERR_SYNTAX)
		rc = CLI_USAGE;
	store_close(st);
	free(q);
	return rc;
}

const struct cmd_entry cmd_search_entry = {
	.name = "search",
	.args = { search_opts, 1, -1, ARGS_IN_ORDER | ARGS_DASH_WORDS },
	.usage = N_("[--json] [--limit N] [--folder F] [--account A] [--threads]"
	" [--count] QUERY..."),
	.summary = N_("find messages in every folder (see doc/SEARCH.md), newest first"),
	.exec = cmd_search
};
