/*
 * cmd-oauth2.c - posta oauth2 login [--device|--browser] ACCOUNT: log an
 * account in with OAuth2 (src/oauth through src/app) and keep the refresh
 * token, so that its logins (auth = xoauth2 or oauthbearer) need no
 * oauth2_token_command.
 *
 * The code and the address to open come from the provider: they are
 * printed sanitised. No token is ever printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "app/app.h"
#include "util/i18n.h"


static void
oauth2_note(void *arg, const char *sentence)
{
	char	*s = sanitize_line(sentence);

	printf("%s\n", s);
	fflush(stdout);
	free(s);
}

static const struct arg_opt oauth2_opts[] = {
	{ .name = "device", .kind = ARG_FLAG, .group = 1 },
	{ .name = "browser", .kind = ARG_FLAG, .group = 1 },
	{ 0 }
};

static int
cmd_oauth2(struct cli_ctx *ctx, const struct cmd_entry *self, struct args *a)
{
	enum app_oauth2_flow	 flow = APP_OAUTH2_AUTO;
	const struct account	*acct;
	struct config		*cfg;
	struct perr		 err;
	char			*s;

	/* "login" is the only verb so far. */
	if (strcmp(a->argv[0], "login") != 0) {
		cli_usage(self);
		return CLI_USAGE;
	}
	if (args_has(a, "device"))
		flow = APP_OAUTH2_DEVICE;
	else if (args_has(a, "browser"))
		flow = APP_OAUTH2_BROWSER;
	if ((cfg = cli_config(ctx)) == NULL)
		return CLI_CONFIG;
	if ((acct = config_account(cfg, a->argv[1], &err)) == NULL) {
		cli_error("%s", err.msg);
		return CLI_CONFIG;
	}
	perr_clear(&err);
	if (app_oauth2_login(acct, flow, oauth2_note, NULL, &err) != 0) {
		cli_error("%s", err.msg);
		return err.code == PERR_CONFIG ? CLI_CONFIG : CLI_FAIL;
	}
	s = sanitize_line(acct->name);
	if (acct->oauth2.refresh_token_command != NULL)
		printf(_("Logged in: account %s keeps its refresh token "
		    "through oauth2_refresh_token_command.\n"), s);
	else
		printf(_("Logged in: account %s keeps its refresh token in a "
		    "file of mode 0600 under the data directory.\n"), s);
	free(s);
	return CLI_OK;
}

const struct cmd_entry cmd_oauth2_entry = {
	.name = "oauth2",
	.args = { oauth2_opts, 2, 2, 0 },
	.usage = N_("login [--device|--browser] ACCOUNT"),
	.summary = N_("log an account in with OAuth2 and keep its refresh token"),
	.flags = CMD_ONLINE,
	.exec = cmd_oauth2
};
