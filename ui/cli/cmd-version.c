/* cmd-version.c - posta version, posta help. */
#include <stdio.h>

#include "config.h"
#include "cli/cli.h"
#include "posta-git.h"
#include "util/i18n.h"

/* The version of configure.ac, and `git describe` in a checkout's build. */
static int
cmd_version(struct cli_ctx *ctx, int argc, char **argv)
{
	if (POSTA_GIT[0] != '\0')
		printf("posta %s (git %s)\n", PACKAGE_VERSION, POSTA_GIT);
	else
		printf("posta %s\n", PACKAGE_VERSION);
	return CLI_OK;
}

static int
cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry	*e;

	if (argc > 1) {
		if ((e = cli_find(argv[1])) == NULL)
			return cli_error(_("no such command: %s"), argv[1]);
		printf(_("usage: posta %s %s\n  %s\n"), e->name,
		    cli_usage_args(e), _(e->summary));
		return CLI_OK;
	}
	cli_usage_all(stdout);
	return CLI_OK;
}

const struct cmd_entry cmd_version_entry = {
	"version", "", N_("print the version"), cmd_version
};

const struct cmd_entry cmd_help_entry = {
	"help", N_("[COMMAND]"), N_("list commands or explain one"), cmd_help
};
