/* cmd-version.c - posta version (also posta -V). */
#include <stdio.h>

#include "config.h"
#include "cli/cli.h"
#include "posta-git.h"
#include "util/i18n.h"

/* The version of configure.ac, and `git describe` in a checkout's build. */
static int
cmd_version(struct cli_ctx *ctx, const struct cmd_entry *self,
    struct args *a)
{
	if (POSTA_GIT[0] != '\0')
		printf("posta %s (git %s)\n", PACKAGE_VERSION, POSTA_GIT);
	else
		printf("posta %s\n", PACKAGE_VERSION);
	return CLI_OK;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.args = { NULL, 0, 0, 0 },
	.usage = "",
	.summary = N_("print the version"),
	.exec = cmd_version
};
