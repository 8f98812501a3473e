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
#include <getopt.h>
#include <limits.h>
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

extern const struct cmd_entry cmd_setup_entry;

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
			return cli_error("No working %s server was found for "
			    "%s; the first one tried said: %s", svc_word(svc),
			    an->email, f->err.msg);
		return cli_error("No %s server was found for %s; give it "
		    "with --host.", svc_word(svc), an->email);
	}
	an->in = p->srv;
	an->have_in = true;
	if ((p = first_ok(res, n, SETUP_SMTP)) == NULL) {
		if ((f = first_fail(res, n, SETUP_SMTP)) != NULL)
			return cli_error("No working SMTP server was found for "
			    "%s; the first one tried said: %s", an->email,
			    f->err.msg);
		return cli_error("No SMTP server was found for %s; give it "
		    "with --smtp-host.", an->email);
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
		return cli_error("posta setup --yes needs --email ADDRESS.");
	if (an->password_command == NULL && an->oauth2_client_id == NULL)
		return cli_error("posta setup --yes needs --password-command "
		    "CMD, a command that prints the password (a password is "
		    "never taken from the command line, where other users "
		    "could see it).");
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
		say("Note: %s refuses passwords or takes app passwords only; "
		    "--oauth2-client-id sets the account up for OAuth2.",
		    an->in.host);
	say("Logging in to %s:%d as %s to check the password.", an->in.host,
	    an->in.port, an->in.user);
	account_build(an, &a);
	if (setup_check_login(&a, NULL, &an->size, &err) != 0)
		return cli_error("%s; nothing was written.", err.msg);
	if (write_account(path, an) != 0)
		return CLI_FAIL;
	say("Account %s was added to %s.", an->account, path);
	closing_advice(an, path);
	return CLI_OK;
}

/* ---- entry -------------------------------------------------------------- */

static int
port_arg(const char *v)
{
	char	*end;
	long	 n;

	n = strtol(v, &end, 10);
	return *v != '\0' && *end == '\0' && n >= 1 && n <= 65535 ? (int)n :
	    -1;
}

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

int
cmd_setup_first_run(struct cli_ctx *ctx)
{
	struct answers		 an;

	memset(&an, 0, sizeof an);
	const struct cmd_entry	*sync;
	char			*av[] = { (char *)"sync", NULL };
	int			 rc;

	say("Welcome to posta. There is no configuration yet, so let us add "
	    "your first mail account.");
	if ((rc = setup_run(ctx, &an)) != CLI_OK)
		return rc;
	/* A first pass, so the index opens on mail rather than on a hint. */
	say("Fetching your mail for the first time.");
	if ((sync = cli_find("sync")) != NULL && sync->exec(ctx, 1, av) !=
	    CLI_OK)
		say("The first sync did not finish; posta will try again.");
	return CLI_OK;
}

static int
cmd_setup(struct cli_ctx *ctx, int argc, char **argv)
{
	enum { O_ACCOUNT = 256, O_EMAIL, O_NAME, O_PROTOCOL, O_HOST, O_PORT,
	    O_TLS, O_USER, O_PWCMD, O_CA, O_SHOST, O_SPORT, O_STLS, O_OFFLINE,
	    O_KEEP, O_DEL, O_AUTOCONFIG, O_OCLIENT, O_OPROVIDER };
	static const struct option longopts[] = {
		{ "yes", no_argument, NULL, 'y' },
		{ "account", required_argument, NULL, O_ACCOUNT },
		{ "email", required_argument, NULL, O_EMAIL },
		{ "name", required_argument, NULL, O_NAME },
		{ "protocol", required_argument, NULL, O_PROTOCOL },
		{ "host", required_argument, NULL, O_HOST },
		{ "port", required_argument, NULL, O_PORT },
		{ "tls", required_argument, NULL, O_TLS },
		{ "user", required_argument, NULL, O_USER },
		{ "password-command", required_argument, NULL, O_PWCMD },
		{ "ca-file", required_argument, NULL, O_CA },
		{ "smtp-host", required_argument, NULL, O_SHOST },
		{ "smtp-port", required_argument, NULL, O_SPORT },
		{ "smtp-tls", required_argument, NULL, O_STLS },
		{ "offline", required_argument, NULL, O_OFFLINE },
		{ "pop3-keep", required_argument, NULL, O_KEEP },
		{ "pop3-delete-when-deleted-locally", required_argument, NULL,
		  O_DEL },
		{ "autoconfig", required_argument, NULL, O_AUTOCONFIG },
		{ "oauth2-client-id", required_argument, NULL, O_OCLIENT },
		{ "oauth2-provider", required_argument, NULL, O_OPROVIDER },
		{ NULL, 0, NULL, 0 }
	};
	struct answers	an;
	int		c;

	memset(&an, 0, sizeof an);
	optind = 1;
	while ((c = getopt_long(argc, argv, "y", longopts, NULL)) != -1) {
		switch (c) {
		case 'y': an.yes = true; break;
		case O_ACCOUNT: an.account = optarg; break;
		case O_EMAIL: an.email = optarg; break;
		case O_NAME: an.name = optarg; break;
		case O_PROTOCOL: an.protocol = optarg; break;
		case O_HOST: an.host = optarg; break;
		case O_PORT: an.port = port_arg(optarg); break;
		case O_TLS: an.tls = optarg; break;
		case O_USER: an.user = optarg; break;
		case O_PWCMD: an.password_command = optarg; break;
		case O_CA: an.ca_file = optarg; break;
		case O_SHOST: an.smtp_host = optarg; break;
		case O_SPORT: an.smtp_port = port_arg(optarg); break;
		case O_STLS: an.smtp_tls = optarg; break;
		case O_OFFLINE: an.offline = optarg; break;
		case O_KEEP: an.pop3_keep = optarg; break;
		case O_DEL: an.pop3_delete = optarg; break;
		case O_AUTOCONFIG: an.autoconfig = optarg; break;
		case O_OCLIENT: an.oauth2_client_id = optarg; break;
		case O_OPROVIDER: an.oauth2_provider = optarg; break;
		default:
			cli_usage(&cmd_setup_entry);
			return CLI_USAGE;
		}
	}
	if (optind != argc) {
		cli_usage(&cmd_setup_entry);
		return CLI_USAGE;
	}
	if (check_flags(&an) != 0)
		return CLI_USAGE;
	if (ctx->offline)
		return cli_error("posta setup connects to the servers to check "
		    "them; it cannot run with --offline.");
	return setup_run(ctx, &an);
}

const struct cmd_entry cmd_setup_entry = {
	"setup", "[--yes] [--account NAME] [--email ADDR] [--name NAME] "
	"[--protocol imap|pop3] [--host H] [--port N] "
	"[--tls implicit|starttls|none] [--user U] [--password-command CMD] "
	"[--ca-file FILE] [--smtp-host H] [--smtp-port N] "
	"[--smtp-tls implicit|starttls|none] [--offline all|headers|days:N] "
	"[--pop3-keep no|yes|days:N] "
	"[--pop3-delete-when-deleted-locally yes|no] [--autoconfig URL] "
	"[--oauth2-client-id ID [--oauth2-provider google|microsoft]]",
	"add an account: find its servers, check the login, write the "
	"configuration",
	cmd_setup
};
