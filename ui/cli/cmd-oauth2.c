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

extern const struct cmd_entry cmd_oauth2_entry;

static void
oauth2_note(void *arg, const char *sentence)
{
	char	*s = sanitize_line(sentence);

	printf("%s\n", s);
	fflush(stdout);
	free(s);
}

static int
cmd_oauth2(struct cli_ctx *ctx, int argc, char **argv)
{
	enum app_oauth2_flow	 flow = APP_OAUTH2_AUTO;
	const struct account	*acct;
	struct config		*cfg;
	struct perr		 err;
	char			*s;
	int			 i = 2;

	if (argc < 2 || strcmp(argv[1], "login") != 0) {
		cli_usage(&cmd_oauth2_entry);
		return CLI_USAGE;
	}
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--device") == 0)
			flow = APP_OAUTH2_DEVICE;
		else if (strcmp(argv[i], "--browser") == 0)
			flow = APP_OAUTH2_BROWSER;
		else {
			cli_usage(&cmd_oauth2_entry);
			return CLI_USAGE;
		}
	}
	if (i + 1 != argc) {
		cli_usage(&cmd_oauth2_entry);
		return CLI_USAGE;
	}
	if (ctx->offline)
		return cli_error(_("oauth2 login talks to the provider; "
		    "refusing with --offline"));
	if ((cfg = cli_config(ctx)) == NULL)
		return CLI_CONFIG;
	if ((acct = config_account(cfg, argv[i], &err)) == NULL) {
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
	"oauth2", N_("login [--device|--browser] ACCOUNT"),
	N_("log an account in with OAuth2 and keep its refresh token"),
	cmd_oauth2
};
