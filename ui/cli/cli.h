/*
 * cli.h - the command line face: one file per subcommand (cmd-*.c), each
 * ending in one const struct cmd_entry: its name, the options and operands
 * it takes as data (cli-args.h), its usage line and its exec function. The
 * table of them, the help listing and dispatch are cli.c, the top floor;
 * what the commands share is below it, so no command calls up.
 *
 *   cli.c                the table, dispatch by name, posta help
 *   cli-common.c         running one entry (parse, --help, --offline),
 *                        config loading, errors, usage lines
 *   cli-args.c           the one argument parser
 *   cli-act.c            what the acting commands share (cli-act.h)
 *   cmd-version.c        posta version
 *   cmd-check-account.c  posta check-account: connect, TLS, login, capabilities
 *   cmd-oauth2.c         posta oauth2 login: an OAuth2 login, kept for later
 *   cmd-folders.c        posta folders: folders with counts, from the store
 *   cmd-list.c           posta list: messages of a folder, table or JSON
 *   cmd-search.c         posta search: the query language over the store
 *   cmd-setup*.c         posta setup: add an account (also on a first run)
 */
#ifndef POSTA_CLI_H
#define POSTA_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/util.h"
#include "util/config.h"
#include "store/store.h"
#include "util/i18n.h"
#include "cli/cli-args.h"

/* What every subcommand gets: the global options and a lazily loaded config. */
struct cli_ctx {
	const char	*config_path;	/* -c FILE, or NULL */
	bool		 offline;	/* --offline: never connect */
	struct config	*cfg;		/* loaded by cli_config() */
};

/*
 * One command. args says what it takes; cli_exec() parses the command line
 * against it, so exec sees only words that fit. One exec may serve several
 * entries: it is given the entry it runs for.
 */
struct cmd_entry {
	const char		*name;
	struct args_spec	 args;
	const char		*usage;		/* N_(): arguments after the name */
	const char		*summary;	/* N_(): one line for the listing */
	int			 flags;		/* CMD_* */
	/* Returns the process exit status. */
	int			(*exec)(struct cli_ctx *,
				    const struct cmd_entry *self, struct args *);
};

/* It talks to the servers: with --offline it refuses, without running. */
#define CMD_ONLINE	0x1

/* Exit statuses shared by all commands. */
#define CLI_OK		0
#define CLI_FAIL	1	/* the operation failed */
#define CLI_USAGE	2	/* bad arguments */
#define CLI_CONFIG	3	/* no or bad configuration */

/* cli.c: the command named `name`, or NULL; every command, for posta help. */
const struct cmd_entry	*cli_find(const char *name);
void			 cli_usage_all(FILE *);

/*
 * Run entry e on the words after its name: parse them against e->args (a
 * bad command line prints why and the usage line: CLI_USAGE), answer
 * --help, refuse a CMD_ONLINE command with --offline (CLI_FAIL), then
 * e->exec. Returns the exit status.
 */
int			 cli_exec(struct cli_ctx *, const struct cmd_entry *e,
			    int argc, char **argv);
/* "usage: posta NAME ARGS" to stderr. */
void			 cli_usage(const struct cmd_entry *);
/* The usage line and the summary, for posta help NAME and NAME --help. */
void			 cli_help_one(FILE *, const struct cmd_entry *);

/*
 * Load the configuration once; on failure print the error (and, for a
 * missing file, where a config goes with a minimal example) and return NULL.
 */
struct config	*cli_config(struct cli_ctx *);
/* Print "posta: MSG" to stderr, sanitised; returns CLI_FAIL. */
int		 cli_error(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * The account named by -a (NULL: the default one) and the store opened
 * read-only for reading commands. On failure print why and return -1. For a
 * store that does not exist yet, the message says to run posta sync.
 * *st is closed by the caller with store_close().
 */
int		 cli_open_reader(struct cli_ctx *, const char *account,
		    const struct account **, struct store **st,
		    int64_t *account_id);
/* The option -a ACCOUNT (also --account ACCOUNT), as most commands take it. */
#define CLI_OPT_ACCOUNT	{ .name = "account", .letter = 'a', .kind = ARG_VALUE }
/* export and import: --mbox FILE or --maildir DIR, one of them, once. */
#define CLI_OPT_MBOX	{ .name = "mbox", .kind = ARG_VALUE, .group = 1 }
#define CLI_OPT_MAILDIR	{ .name = "maildir", .kind = ARG_VALUE, .group = 1 }
/* The options of a command that takes -a ACCOUNT and nothing else. */
extern const struct arg_opt	cli_opts_account[];
/*
 * One message as posta list prints it: a table row (the subject cut to
 * subject_cols when > 0) or, with json, one JSON object naming folder.
 * cmd-list.c; cli_subject_cols() is the width for stdout (0: no tty).
 */
void		 cli_msg_print(const struct store_msg *m, const char *folder,
		    bool json, int subject_cols);
/* The same for a row of posta search that only a server found: JSON says
 * "found_by":"server", a table row's subject starts with [server]. */
void		 cli_msg_print_found(const struct store_msg *m,
		    const char *folder, bool json, int subject_cols,
		    bool by_server);
int		 cli_subject_cols(void);
/* Print the example config that explains the file format. */
void		 cli_example_config(FILE *, const char *path);

#endif
