/*
 * cmd-search.c - posta search: the messages of every folder matching a
 * query (doc/SEARCH.md), newest first, from the store alone, so it works
 * with --offline and with the server down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"

extern const struct cmd_entry cmd_search_entry;

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

static int
cmd_search(struct cli_ctx *ctx, int argc, char **argv)
{
	struct app_search	 o = { .limit = -1 };
	struct search_out	 so = { 0 };
	const struct account	*acct;
	struct store		*st;
	struct perr		 err;
	int64_t			 account_id, n;
	bool			 count = false, explain = false;
	char			*q, *end, *text;
	long			 limit;
	int			 i, rc = CLI_OK;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--json") == 0)
			so.json = true;
		else if (strcmp(argv[i], "--count") == 0)
			count = true;
		else if (strcmp(argv[i], "--threads") == 0)
			o.threads = true;
		else if (strcmp(argv[i], "--explain") == 0)
			explain = true;
		else if (strcmp(argv[i], "--folder") == 0 && i + 1 < argc)
			o.folder = argv[++i];
		else if (strcmp(argv[i], "--account") == 0 && i + 1 < argc)
			o.account = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			limit = strtol(argv[++i], &end, 10);
			if (*end != '\0' || limit < 0 || limit > 1000000000) {
				cli_error("--limit: expected a number, got "
				    "'%s'", argv[i]);
				return CLI_USAGE;
			}
			o.limit = (int)limit;
		} else {
			cli_usage(&cmd_search_entry);
			return CLI_USAGE;
		}
	}
	if (i >= argc) {
		cli_usage(&cmd_search_entry);
		return CLI_USAGE;
	}
	q = join(argc - i, argv + i);
	if (explain) {
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
	if (count) {
		if (app_search_count(st, q, &o, &n, &err) != 0)
			rc = cli_error("%s", err.msg);
		else
			printf("%lld\n", (long long)n);
	} else if (app_search(st, q, &o, print_one, &so, &err) != 0)
		rc = cli_error("%s", err.msg);
	if (rc != CLI_OK && err.code == PERR_SYNTAX)
		rc = CLI_USAGE;
	store_close(st);
	free(q);
	return rc;
}

const struct cmd_entry cmd_search_entry = {
	"search", "[--json] [--limit N] [--folder F] [--account A] [--threads]"
	" [--count] QUERY...",
	"find messages in every folder (see doc/SEARCH.md), newest first",
	cmd_search
};
