/* cli-act.c - helpers of the acting commands (see cli-act.h). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli-act.h"
#include "util/i18n.h"

int
cli_act_open(struct cli_ctx *ctx, const char *account, struct cli_act *ca)
{
	struct config	*cfg;
	struct perr	 err;

	ca->acct = NULL;
	ca->act = NULL;
	if ((cfg = cli_config(ctx)) == NULL)
		return -1;
	perr_clear(&err);
	if ((ca->acct = config_account(cfg, account, &err)) == NULL ||
	    (ca->act = app_act_open(cfg, ca->acct, &err)) == NULL) {
		cli_error("%s", err.msg);
		return -1;
	}
	return 0;
}

int
cli_act_close(struct cli_ctx *ctx, struct cli_act *ca, int rc)
{
	struct perr	err;
	bool		pushed;

	app_act_close(ca->act);
	ca->act = NULL;
	if (rc != CLI_OK || ctx->offline || ca->acct == NULL)
		return rc;
	/* Optional step: the action is already done here either way. */
	perr_clear(&err);
	if (app_act_push(ctx->cfg, ca->acct, &pushed, &err) != 0)
		cli_error(_("%s (the change is saved here and waits in the "
		    "journal: see posta journal)"), err.msg);
	return rc;
}

int64_t *
cli_act_ids(char **argv, int n)
{
	int64_t	*ids;
	int	 i;

	ids = xcalloc(n > 0 ? (size_t)n : 1, sizeof *ids);
	for (i = 0; i < n; i++) {
		if (args_id(argv[i], &ids[i]) != 0) {
			cli_error(_("'%s' is not a message id (posta list shows "
			    "them)"), argv[i]);
			free(ids);
			return NULL;
		}
	}
	return ids;
}
