/* tui.h - the ncurses face. */
#ifndef POSTA_TUI_H
#define POSTA_TUI_H

#include "cli/cli.h"

/* Run the terminal interface; returns the process exit status. */
int	tui_main(struct cli_ctx *);

#endif
