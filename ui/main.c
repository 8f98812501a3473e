/* main.c - posta: parse the global options, pick the TUI or a subcommand. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "cli/cli.h"
#include "tui/tui.h"

int
main(int argc, char **argv)
{
	struct cli_ctx		 ctx = { 0 };
	const struct cmd_entry	*e;
	int			 i, rc;

	setlocale(LC_ALL, "");
	/* A peer that closes its socket must give an error, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-c") == 0) {
			if (++i == argc) {
				fprintf(stderr, "posta: -c needs a file\n");
				return CLI_USAGE;
			}
			ctx.config_path = argv[i];
		} else if (strcmp(argv[i], "--offline") == 0) {
			ctx.offline = true;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			cli_usage_all(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			printf("posta %s\n", PACKAGE_VERSION);
			return CLI_OK;
		} else {
			fprintf(stderr, "posta: unknown option %s\n", argv[i]);
			cli_usage_all(stderr);
			return CLI_USAGE;
		}
	}

	if (i == argc)
		rc = tui_main(&ctx);
	else if (strncasecmp(argv[i], "mailto:", 7) == 0 &&
	    (e = cli_find("compose")) != NULL) {
		/* "posta mailto:URL" (a browser's mail handler): compose. */
		char *av[] = { (char *)"compose", argv[i], NULL };

		rc = e->exec(&ctx, 2, av);
	} else if ((e = cli_find(argv[i])) == NULL) {
		fprintf(stderr, "posta: unknown command '%s' (see posta help)\n",
		    argv[i]);
		rc = CLI_USAGE;
	} else
		rc = e->exec(&ctx, argc - i, argv + i);
	if (ctx.cfg != NULL)
		config_free(ctx.cfg);
	return rc;
}
