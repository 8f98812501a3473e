/*
 * cmd-check-account.c - posta check-account: connect to an account's
 * servers, verify TLS, log in and show what each server offers.
 *
 * Every string that came from a server (certificate names, capabilities)
 * is sanitised before it reaches the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"
#include "util/i18n.h"


static const char *
check_tls_mode(enum tls_mode m)
{
	switch (m) {
	case TLSM_IMPLICIT:
		return _("implicit TLS");
	case TLSM_STARTTLS:
		return "STARTTLS";
	default:
		return _("none");
	}
}

/* "  label:  value" with value sanitised; empty values print as "-". */
static void
check_line(const char *label, const char *value)
{
	char	*safe;
	char	*cell = text_fit(label, 13);

	safe = sanitize_line(value != NULL && *value != '\0' ? value : "-");
	printf("  %s %s\n", cell, safe);
	free(safe);
	free(cell);
}

static void
check_print(const struct app_server_report *r, const struct endpoint *ep)
{
	char	*s;

	s = sanitize_line(r->hostport);
	printf("%s %s\n", r->protocol, s);
	free(s);
	if (r->tls == TLSM_NONE)
		check_line(_("tls:"), _("none (allow_plaintext = yes): the "
		    "password travels in clear"));
	else {
		s = xasprintf("%s %s (%s)", r->tls_version, r->tls_cipher,
		    check_tls_mode(r->tls));
		check_line(_("tls:"), s);
		free(s);
		check_line(_("certificate:"), r->cert_subject);
		check_line(_("issuer:"), r->cert_issuer);
		check_line(_("sha256:"), r->cert_sha256);
		check_line(_("trusted:"), r->pinned ?
		    _("by certificate_fingerprint (pinned)") :
		    _("chain and host name verified"));
	}
	if (r->preauth)
		check_line(_("login:"),
		    _("PREAUTH (the server needed no login)"));
	else {
		s = r->mech[0] != '\0' ? xasprintf(_("ok as %s (%s)"),
		    ep->user, r->mech) : xasprintf(_("ok as %s"), ep->user);
		check_line(_("login:"), s);
		free(s);
	}
	check_line(_("capabilities:"), r->caps);
	if (r->missing[0] != '\0')
		check_line(_("missing:"), r->missing);
}

/* Check one server; returns 0, or -1 after printing why on stderr. */
static int
check_server(const struct account *acct, enum app_server which)
{
	struct app_server_report	 r;
	struct perr			 err;
	const struct endpoint		*ep = which == APP_SERVER_SMTP ?
					    &acct->smtp : &acct->in;

	if (app_check_server(acct, which, &r, &err) != 0) {
		/* The report so far first, then the error, in that order on
		 * a tty. */
		fflush(stdout);
		cli_error("%s %s", which == APP_SERVER_SMTP ? "SMTP" :
		    acct->protocol == PROTO_IMAP ? "IMAP" : "POP3", err.msg);
		return -1;
	}
	check_print(&r, ep);
	return 0;
}

static int
cmd_check_account(struct cli_ctx *ctx, const struct cmd_entry *self,
    struct args *a)
{
	const struct account	*acct;
	struct config		*cfg;
	struct perr		 err;
	char			*s;
	int			 failed = 0;

	if ((cfg = cli_config(ctx)) == NULL)
		return CLI_CONFIG;
	if ((acct = config_account(cfg, args_get(a, "account"),
	    &err)) == NULL) {
		cli_error("%s", err.msg);
		return CLI_CONFIG;
	}

	s = sanitize_line(acct->name);
	printf(_("account %s\n"), s);
	free(s);
	if (check_server(acct, APP_SERVER_IN) != 0)
		failed = 1;
	/* POP3: what the mode will do to the mail on the server. */
	if ((s = app_pop3_warning(acct)) != NULL) {
		printf(_("warning: %s\n"), s);
		free(s);
	}
	if (acct->smtp.host != NULL &&
	    check_server(acct, APP_SERVER_SMTP) != 0)
		failed = 1;
	fflush(stdout);
	return failed ? CLI_FAIL : CLI_OK;
}

const struct cmd_entry cmd_check_account_entry = {
	.name = "check-account",
	.args = { cli_opts_account, 0, 0, 0 },
	.usage = N_("[-a ACCOUNT]"),
	.summary = N_("connect, verify TLS, log in and list server "
	"capabilities"),
	.flags = CMD_ONLINE,
	.exec = cmd_check_account
};
