/*
 * cmd-setup.c - posta setup: add one account, found from the e-mail
 * address, probed, logged in to, and only then written.
 *
 * Two forms. With --yes nothing is asked: what the flags do not give is
 * discovered, and what cannot be discovered or verified ends the run with
 * the reason and a non-zero status. Without --yes, line prompts with the
 * default in brackets (usable over SSH at 80x24 and with a screen
 * reader). Either way the configuration file is written once, at the end,
 * by config_append_section(), so Ctrl-C at any prompt leaves no file.
 * Discovery, probes and the login live in src/setup; this file asks.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "app/app.h"
#include "cli/cmd-setup.h"
#include "cli/cmd-setup-int.h"
#include "util/i18n.h"


/* ---- the non-interactive form ------------------------------------------- */

static int
choose_batch(struct answers *an, const struct setup_probe *res, size_t n)
{
	const struct setup_probe	*p, *f;
	enum setup_svc			 svc;

	if (an->protocol != NULL)
		svc = strcasecmp(an->protocol, "pop3") == 0 ? SETUP_POP3 :
		    SETUP_IMAP;
	else
		svc = first_ok(res, n, SETUP_IMAP) != NULL ||
		    first_ok(res, n, SETUP_POP3) == NULL ? SETUP_IMAP :
		    SETUP_POP3;
	if ((p = first_ok(res, n, svc)) == NULL) {
		if ((f = first_fail(res, n, svc)) != NULL)
			return cli_error(_("No working %s server was found for "
			    "%s; the first one tried said: %s"), svc_word(svc),
			    an->email, f->err.msg);
		return cli_error(_("No %s server was found for %s; give it "
		    "with --host."), svc_word(svc), an->email);
	}
	an->in = p->srv;
	an->have_in = true;
	if ((p = first_ok(res, n, SETUP_SMTP)) == NULL) {
		if ((f = first_fail(res, n, SETUP_SMTP)) != NULL)
			return cli_error(_("No working SMTP server was found for "
			    "%s; the first one tried said: %s"), an->email,
			    f->err.msg);
		return cli_error(_("No SMTP server was found for %s; give it "
		    "with --smtp-host."), an->email);
	}
	an->smtp = p->srv;
	an->have_smtp = true;
	return 0;
}

static int
setup_batch(struct answers *an, const char *path)
{
	struct setup_probe	*res = NULL;
	struct account		 a;
	struct perr		 err;
	size_t			 n = 0;

	if (an->email == NULL)
		return cli_error(_("posta setup --yes needs --email ADDRESS."));
	if (an->password_command == NULL && an->oauth2_client_id == NULL)
		return cli_error(_("posta setup --yes needs --password-command "
		    "CMD, a command that prints the password (a password is "
		    "never taken from the command line, where other users "
		    "could see it)."));
	if (find_servers(an, &res, &n) != 0)
		return CLI_FAIL;
	if (choose_batch(an, res, n) != 0) {
		free(res);
		return CLI_FAIL;
	}
	free(res);
	if (an->oauth2_client_id != NULL)
		return setup_oauth2_write(an, path, false);
	if (setup_provider_oauth2(an->in.host) != NULL)
		say(_("Note: %s refuses passwords or takes app passwords only; "
		    "--oauth2-client-id sets the account up for OAuth2."),
		    an->in.host);
	say(_("Logging in to %s:%d as %s to check the password."), an->in.host,
	    an->in.port, an->in.user);
	account_build(an, &a);
	if (setup_check_login(&a, NULL, &an->size, &err) != 0)
		return cli_error(_("%s; nothing was written."), err.msg);
	if (write_account(path, an) != 0)
		return CLI_FAIL;
	say(_("Account %s was added to %s."), an->account, path);
	closing_advice(an, path);
	return CLI_OK;
}

/* ---- entry -------------------------------------------------------------- */

static int
setup_run(struct cli_ctx *ctx, struct answers *an)
{
	char	*path, *defname = NULL;
	int	 rc;

	path = config_default_path(ctx->config_path);
	if (an->account == NULL && an->yes)
		an->account = defname = default_account_name(an->email);
	if (an->yes)
		rc = setup_batch(an, path);
	else
		rc = setup_interactive(an, path);
	free(defname);
	free(path);
	free(an->pin);
	secret_free(an->password);
	secret_free(an->password_file);
	free(an->store_command);
	return rc;
}

extern const struct cmd_entry cmd_sync_entry;

int
cmd_setup_first_run(struct cli_ctx *ctx)
{
	struct answers		 an;
	int			 rc;

	memset(&an, 0, sizeof an);

	say(_("Welcome to posta. There is no configuration yet, so let us add "
	    "your first mail account."));
	if ((rc = setup_run(ctx, &an)) != CLI_OK)
		return rc;
	/* A first pass, so the index opens on mail rather than on a hint. */
	say(_("Fetching your mail for the first time."));
	if (cli_exec(ctx, &cmd_sync_entry, 0, NULL) != CLI_OK)
		say(_("The first sync did not finish; posta will try again."));
	return CLI_OK;
}

/* The options that are answers as given, where each one goes. */
static const struct {
	const char	*opt;
	size_t		 off;
} setup_words[] = {
	{ "account", offsetof(struct answers, account) },
	{ "email", offsetof(struct answers, email) },
	{ "name", offsetof(struct answers, name) },
	{ "protocol", offsetof(struct answers, protocol) },
	{ "host", offsetof(struct answers, host) },
	{ "tls", offsetof(struct answers, tls) },
	{ "user", offsetof(struct answers, user) },
	{ "password-command", offsetof(struct answers, password_command) },
	{ "ca-file", offsetof(struct answers, ca_file) },
	{ "smtp-host", offsetof(struct answers, smtp_host) },
	{ "smtp-tls", offsetof(struct answers, smtp_tls) },
	{ "offline", offsetof(struct answers, offline) },
	{ "pop3-keep", offsetof(struct answers, pop3_keep) },
	{ "pop3-delete-when-deleted-locally",
	  offsetof(struct answers, pop3_delete) },
	{ "autoconfig", offsetof(struct answers, autoconfig) },
	{ "oauth2-client-id", offsetof(struct answers, oauth2_client_id) },
	{ "oauth2-provider", offsetof(struct answers, oauth2_provider) },
};

/* setup_words as options, and the three that are not words. */
static const struct arg_opt setup_opts[] = {
	{ .name = "yes", .letter = 'y', .kind = ARG_FLAG },
	{ .name = "account", .kind = ARG_VALUE },
	{ .name = "email", .kind = ARG_VALUE },
	{ .name = "name", .kind = ARG_VALUE },
	{ .name = "protocol", .kind = ARG_VALUE },
	{ .name = "host", .kind = ARG_VALUE },
	{ .name = "port", .kind = ARG_NUMBER, .min = 1, .max = 65535 },
	{ .name = "tls", .kind = ARG_VALUE },
	{ .name = "user", .kind = ARG_VALUE },
	{ .name = "password-command", .kind = ARG_VALUE },
	{ .name = "ca-file", .kind = ARG_VALUE },
	{ .name = "smtp-host", .kind = ARG_VALUE },
	{ .name = "smtp-port", .kind = ARG_NUMBER, .min = 1, .max = 65535 },
	{ .name = "smtp-tls", .kind = ARG_VALUE },
	/* Which mail to keep offline: not posta's --offline. */
	{ .name = "offline", .kind = ARG_VALUE },
	{ .name = "pop3-keep", .kind = ARG_VALUE },
	{ .name = "pop3-delete-when-deleted-locally", .kind = ARG_VALUE },
	{ .name = "autoconfig", .kind = ARG_VALUE },
	{ .name = "oauth2-client-id", .kind = ARG_VALUE },
	{ .name = "oauth2-provider", .kind = ARG_VALUE },
	{ 0 }
};

static int
cmd_setup(struct cli_ctx *ctx, const struct cmd_entry *self, struct args *a)
{
	struct answers	an;
	size_t		i;

	memset(&an, 0, sizeof an);
	an.yes = args_has(a, "yes");
	an.port = (int)args_number(a, "port", 0);
	an.smtp_port = (int)args_number(a, "smtp-port", 0);
	for (i = 0; i < sizeof setup_words / sizeof setup_words[0]; i++)
		*(const char **)((char *)&an + setup_words[i].off) =
		    args_get(a, setup_words[i].opt);
	if (check_flags(&an) != 0)
		return CLI_USAGE;
	return setup_run(ctx, &an);
}

const struct cmd_entry cmd_setup_entry = {
	.name = "setup",
	.args = { setup_opts, 0, 0, 0 },
	.usage = N_("[--yes] [--account NAME] [--email ADDR] [--name NAME] "
	"[--protocol imap|pop3] [--host H] [--port N] "
	"[--tls implicit|starttls|none] [--user U] [--password-command CMD] "
	"[--ca-file FILE] [--smtp-host H] [--smtp-port N] "
	"[--smtp-tls implicit|starttls|none] [--offline all|headers|days:N] "
	"[--pop3-keep no|yes|days:N] "
	"[--pop3-delete-when-deleted-locally yes|no] [--autoconfig URL] "
	"[--oauth2-client-id ID [--oauth2-provider google|microsoft]]"),
	.summary = N_("add an account: find its servers, check the login, write the "
	"configuration"),
	.flags = CMD_ONLINE,
	.exec = cmd_setup
};
