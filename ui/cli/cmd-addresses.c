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

extern const struct cmd_entry cmd_addresses_entry;

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

static int
cmd_addresses(struct cli_ctx *ctx, int argc, char **argv)
{
	struct config	*cfg;
	struct perr	 err;
	const char	*query = NULL;
	int		 i, limit = 20;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			limit = atoi(argv[++i]);
		else if (argv[i][0] == '-' || query != NULL) {
			cli_usage(&cmd_addresses_entry);
			return CLI_USAGE;
		} else
			query = argv[i];
	}
	if (query == NULL) {
		cli_usage(&cmd_addresses_entry);
		return CLI_USAGE;
	}
	if ((cfg = cli_config(ctx)) == NULL)
		return CLI_CONFIG;
	if (app_addresses(cfg, query, limit, print_addr, NULL, &err) < 0)
		return cli_error("%s", err.msg);
	return CLI_OK;
}

const struct cmd_entry cmd_addresses_entry = {
	"addresses", N_("[-n LIMIT] QUERY"),
	N_("complete an address: those written to and seen, most used first"),
	cmd_addresses
};
