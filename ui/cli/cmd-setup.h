/* cmd-setup.h - posta setup, also started by ui/main.c on a first run. */
#ifndef POSTA_CMD_SETUP_H
#define POSTA_CMD_SETUP_H

#include "cli/cli.h"

/*
 * posta with no configuration on a terminal: welcome the user and run
 * the interactive setup for the default (or -c) file. Returns an exit
 * status (CLI_OK: the file now exists).
 */
int	cmd_setup_first_run(struct cli_ctx *);

#endif
