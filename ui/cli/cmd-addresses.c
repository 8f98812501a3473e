/*
 * cmd-addresses.c - posta addresses QUERY: address completion for scripts
 * (and mutt's query_command): one "ADDRESS<TAB>NAME<TAB>USES" line per
 * match, most used first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"
#include "util/i18n.h"


static int
print_addr(void *arg, const char *addr, const char *name, int64_t uses)
{
	char	*a = sanitize_line(addr), *n = sanitize_line(name != NULL ?
		    name : "");

	(void)arg;
	printf("%s\t%s\t%lld\n", a, n, (long long)uses);
	free(a);
	free(n);
	return 0;
}

static const struct arg_opt addresses_opts[] = {
	{ .letter = 'n', .kind = ARG_NUMBER, .min = 0, .max = 1000000 },
	{ 0 }
};

static int
cmd_addresses(struct cli_ctx *ctx, const struct cmd_entry *self,
    struct args *a)
{
	struct config	*cfg;
	struct perr	 err;
	const char	*query = a->argv[0];
	int		 limit = (int)args_number(a, "n", 20);

	if ((cfg = cli_config(ctx)) == NULL)
		return CLI_CONFIG;
	if (app_addresses(cfg, query, limit, print_addr, NULL, &err) < 0)
		return cli_error("%s", err.msg);
	return CLI_OK;
}

const struct cmd_entry cmd_addresses_entry = {
	.name = "addresses",
	.args = { addresses_opts, 1, 1, 0 },
	.usage = N_("[-n LIMIT] QUERY"),
	.summary = N_("complete an address: those written to and seen, most used first"),
	.exec = cmd_addresses
};
