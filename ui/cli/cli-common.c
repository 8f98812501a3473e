/*
 * cli-common.c - what every command shares, below the table: running one
 * entry (the one place a command line is parsed), usage lines, errors,
 * loading the configuration, opening the store for reading.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/i18n.h"

const struct arg_opt cli_opts_account[] = { CLI_OPT_ACCOUNT, { 0 } };

/* The arguments of a command's usage line, translated. */
static const char *
usage_args(const struct cmd_entry *e)
{
	/* _("") would be the catalog's header: an empty usage stays empty. */
	return e->usage[0] != '\0' ? _(e->usage) : "";
}

void
cli_usage(const struct cmd_entry *e)
{
	fprintf(stderr, _("usage: posta %s %s\n"), e->name, usage_args(e));
}

void
cli_help_one(FILE *f, const struct cmd_entry *e)
{
	fprintf(f, _("usage: posta %s %s\n  %s\n"), e->name, usage_args(e),
	    _(e->summary));
}

int
cli_exec(struct cli_ctx *ctx, const struct cmd_entry *e, int argc,
    char **argv)
{
	struct args	 a;
	char		*cause;
	int		 rc;

	if (args_parse(e->name, &e->args, argc, argv, &a, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		cli_usage(e);
		return CLI_USAGE;
	}
	if (a.help) {
		cli_help_one(stdout, e);
		rc = CLI_OK;
	} else if ((e->flags & CMD_ONLINE) && ctx->offline)
		rc = cli_error(_("%s: this command connects to the servers; it "
		    "cannot run with --offline"), e->name);
	else
		rc = e->exec(ctx, e, &a);
	args_free(&a);
	return rc;
}

int
cli_error(const char *fmt, ...)
{
	va_list	 ap;
	char	*raw, *safe;

	va_start(ap, fmt);
	raw = xvasprintf(fmt, ap);
	va_end(ap);
	safe = sanitize_line(raw);
	fprintf(stderr, "posta: %s\n", safe);
	free(safe);
	free(raw);
	return CLI_FAIL;
}

void
cli_example_config(FILE *f, const char *path)
{
	/* TRANSLATORS: the example's keys and values stay as they are. */
	fprintf(f, _(
	    "posta reads its configuration from %s\n"
	    "(or the file named by -c FILE or $POSTA_CONFIG). A minimal example:\n"
	    "\n"
	    "  [general]\n"
	    "  default_account = work\n"
	    "\n"
	    "  [account work]\n"
	    "  protocol = imap\n"
	    "  email = me@example.org\n"
	    "  host = imap.example.org\n"
	    "  user = me@example.org\n"
	    "  password_command = pass show mail/work\n"
	    "  smtp_host = smtp.example.org\n"
	    "\n"
	    "See posta.conf(5) for every key.\n"), path);
}

struct config *
cli_config(struct cli_ctx *ctx)
{
	struct perr	 err;
	char		*path;

	if (ctx->cfg != NULL)
		return ctx->cfg;
	path = config_default_path(ctx->config_path);
	ctx->cfg = config_load(path, &err);
	if (ctx->cfg == NULL) {
		cli_error("%s", err.msg);
		if (err.code == PERR_NOTFOUND)
			cli_example_config(stderr, path);
	}
	free(path);
	return ctx->cfg;
}

int
cli_open_reader(struct cli_ctx *ctx, const char *name,
    const struct account **acct, struct store **st, int64_t *account_id)
{
	struct config		*cfg;
	struct perr		 err;
	enum store_protocol	 proto;

	*st = NULL;
	if ((cfg = cli_config(ctx)) == NULL)
		return -1;
	if ((*acct = config_account(cfg, name, &err)) == NULL) {
		cli_error("%s", err.msg);
		return -1;
	}
	if (access(cfg->store, F_OK) != 0) {
		cli_error(_("%s: no mail stored yet; run 'posta sync' first"),
		    cfg->store);
		return -1;
	}
	if ((*st = store_open(cfg->store, STORE_RDONLY, &err)) == NULL) {
		cli_error("%s", err.msg);
		return -1;
	}
	if (store_account_find(*st, (*acct)->name, account_id, &proto,
	    &err) != 0) {
		if (err.code == PERR_NOTFOUND)
			cli_error(_("account %s: no mail stored yet; run "
			    "'posta sync -a %s' first"), (*acct)->name,
			    (*acct)->name);
		else
			cli_error("%s", err.msg);
		store_close(*st);
		*st = NULL;
		return -1;
	}
	return 0;
}
