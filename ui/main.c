/* main.c - posta: parse the global options, pick the TUI or a subcommand. */
#include <ctype.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include <strings.h>

#include "config.h"
#include "util/i18n.h"
#include "cli/cli.h"
#include "cli/cmd-setup.h"
#include "tui/tui.h"

/*
 * Messages in the language of LC_ALL / LC_MESSAGES / LANG (and LANGUAGE),
 * from the installed catalogs or, for tests, those under $POSTA_LOCALEDIR.
 */
static void
catalog_init(void)
{
	const char	*dir = getenv("POSTA_LOCALEDIR");

	if (dir == NULL || *dir == '\0')
		dir = LOCALEDIR;
	(void)bindtextdomain(PACKAGE, dir);
	(void)textdomain(PACKAGE);
}

/*
 * The user's locale, except where it would break ASCII. Header, charset
 * and encoding names, protocol keywords and capabilities are ASCII and
 * compared without regard to case by strcasecmp(), here and inside
 * libetpan, and strcasecmp() follows LC_CTYPE: in a Turkish locale 'I' and
 * 'i' are not a case pair, so "MIME-VERSION" would not be "Mime-Version"
 * and a message in capitals would lose its MIME structure. Such a locale
 * keeps everything but its character classes, which come from C.UTF-8
 * (the same characters and widths) or, on a terminal that is not UTF-8,
 * from C.
 */
static void
locale_init(void)
{
	const char	*cs;

	(void)setlocale(LC_ALL, "");
	catalog_init();
	if (tolower('I') == 'i' && toupper('i') == 'I')
		return;
	cs = nl_langinfo(CODESET);
	if (cs != NULL && strcmp(cs, "UTF-8") == 0 &&
	    setlocale(LC_CTYPE, "C.UTF-8") != NULL)
		return;
	(void)setlocale(LC_CTYPE, "C");
}

/*
 * posta with no command and no configuration file: on a terminal, the
 * interactive setup first; without one, say what to run. CLI_OK: go on.
 */
static int
first_run(struct cli_ctx *ctx)
{
	char	*path = config_default_path(ctx->config_path);
	int	 rc = CLI_OK;

	if (access(path, F_OK) != 0) {
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			rc = cmd_setup_first_run(ctx);
		else {
			fprintf(stderr, _("posta: there is no configuration at "
			    "%s yet; run 'posta setup' on a terminal to add an "
			    "account, or 'posta setup --yes ...' in a script.\n"),
			    path);
			cli_example_config(stderr, path);
			rc = CLI_CONFIG;
		}
	}
	free(path);
	return rc;
}

int
main(int argc, char **argv)
{
	struct cli_ctx		 ctx = { 0 };
	const struct cmd_entry	*e;
	int			 i, rc;

	locale_init();
	/* A peer that closes its socket must give an error, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-c") == 0) {
			if (++i == argc) {
				fprintf(stderr, _("posta: -c needs a file\n"));
				return CLI_USAGE;
			}
			ctx.config_path = argv[i];
		} else if (strcmp(argv[i], "--offline") == 0) {
			ctx.offline = true;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			cli_usage_all(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			e = cli_find("version");
			return cli_exec(&ctx, e, 0, NULL);
		} else {
			fprintf(stderr, _("posta: unknown option %s\n"), argv[i]);
			cli_usage_all(stderr);
			return CLI_USAGE;
		}
	}

	if (i == argc && (rc = first_run(&ctx)) != CLI_OK)
		;
	else if (i == argc)
		rc = tui_main(&ctx);
	else if (strncasecmp(argv[i], "mailto:", 7) == 0 &&
	    (e = cli_find("compose")) != NULL) {
		/* "posta mailto:URL" (a browser's mail handler): compose. */
		rc = cli_exec(&ctx, e, 1, argv + i);
	} else if ((e = cli_find(argv[i])) == NULL) {
		fprintf(stderr, _("posta: unknown command '%s' (see posta "
		    "help)\n"), argv[i]);
		rc = CLI_USAGE;
	} else
		rc = cli_exec(&ctx, e, argc - i - 1, argv + i + 1);
	if (ctx.cfg != NULL)
		config_free(ctx.cfg);
	return rc;
}
