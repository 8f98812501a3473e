/*
 * cli-act.h - what the commands that act on mail share (cli-act.c):
 * opening the account for acting, reading message ids, and the optional
 * push to the server afterwards. Private to ui/cli.
 *
 *   cmd-flag.c     posta flag ID... +seen|-seen|+flagged|...
 *   cmd-move.c     posta move / copy / archive
 *   cmd-delete.c   posta delete / undelete / expunge
 *   cmd-folder.c   posta mkdir / rename / rmdir / subscribe / unsubscribe
 *   cmd-journal.c  posta journal: what waits for the server, what failed
 */
#ifndef POSTA_CLI_ACT_H
#define POSTA_CLI_ACT_H

#include <stdint.h>

#include "app/app.h"
#include "cli/cli.h"

struct cli_act {
	const struct account	*acct;
	struct app_act		*act;
};

/*
 * Open account `account` (NULL: the default one) for acting. On failure
 * print why and return -1 (and the caller returns CLI_FAIL).
 */
int	cli_act_open(struct cli_ctx *, const char *account, struct cli_act *);
/*
 * Close; then, unless --offline, send the journal to the server now
 * (app_act_push). A failed push is a warning: the action is done here and
 * waits in the journal. Returns rc, the command's status so far.
 */
int	cli_act_close(struct cli_ctx *, struct cli_act *, int rc);
/*
 * Message ids from argv[0..n): a malloc'd array the caller frees, or NULL
 * after printing which argument is not an id.
 */
int64_t	*cli_act_ids(char **argv, int n);

#endif
