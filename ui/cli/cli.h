/*
 * cli.h - the command line face: one file per subcommand (cmd-*.c), each
 * ending in one const struct cmd_entry that cli.c collects in a table. The
 * usage text, the help listing and dispatch all come from that table.
 *
 *   cli.c                dispatch, shared helpers (config loading, errors)
 *   cmd-version.c        posta version / help
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

/* What every subcommand gets: the global options and a lazily loaded config. */
struct cli_ctx {
	const char	*config_path;	/* -c FILE, or NULL */
	bool		 offline;	/* --offline: never connect */
	struct config	*cfg;		/* loaded by cli_config() */
};

struct cmd_entry {
	const char	*name;
	const char	*usage;		/* arguments after the name */
	const char	*summary;	/* one line for the help listing */
	/* argv[0] is the command name. Returns the process exit status. */
	int		(*exec)(struct cli_ctx *, int argc, char **argv);
};

/* Exit statuses shared by all commands. */
#define CLI_OK		0
#define CLI_FAIL	1	/* the operation failed */
#define CLI_USAGE	2	/* bad arguments */
#define CLI_CONFIG	3	/* no or bad configuration */

const struct cmd_entry	*cli_find(const char *name);
void			 cli_usage_all(FILE *);
void			 cli_usage(const struct cmd_entry *);
/* The arguments of a command's usage line, translated. */
const char		*cli_usage_args(const struct cmd_entry *);

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
/*
 * Parse "-a NAME" style options shared by many commands: returns the index
 * of the first operand, or -1 after printing usage. Recognised: -a NAME.
 */
int		 cli_getopt_account(const struct cmd_entry *, int argc,
		    char **argv, const char **account);
/* A row id (message, outbox, journal): a decimal > 0. 0, or -1. */
int		 cli_parse_id(const char *s, int64_t *id);
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
