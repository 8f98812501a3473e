/* tui.c - the terminal interface (not built yet: see issue 4). */
#include <stdio.h>

#include "tui/tui.h"

int
tui_main(struct cli_ctx *ctx)
{
	if (cli_config(ctx) == NULL)
		return CLI_CONFIG;
	fprintf(stderr, "posta: the terminal interface is not built yet; "
	    "try 'posta help' for the commands that exist.\n");
	return CLI_FAIL;
}
