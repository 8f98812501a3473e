/*
 * cmd-setup-write.c - posta setup's result: the struct account for the
 * login check, the section written once at the end, the advice after it,
 * and an account set up with OAuth2 (written, then logged in).
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

#include "app/app.h"
#include "cli/cmd-setup-int.h"

/* ---- the account in memory and on disk ---------------------------------- */

/* The struct account the net layer needs for the login check. */
void
account_build(const struct answers *an, struct account *a)
{
	memset(a, 0, sizeof *a);
	a->name = (char *)an->account;
	a->protocol = an->in.svc == SETUP_POP3 ? PROTO_POP3 : PROTO_IMAP;
	a->email = (char *)an->email;
	a->in.host = (char *)an->in.host;
	a->in.port = an->in.port;
	a->in.tls = an->in.tls;
	a->in.user = (char *)an->in.user;
	a->in.password_command = (char *)(an->store_command != NULL ?
	    an->store_command : an->password_command);
	a->allow_plaintext = an->in.tls == TLSM_NONE ||
	    (an->have_smtp && an->smtp.tls == TLSM_NONE);
	a->ca_file = (char *)an->ca_file;
	a->cert_fingerprint = an->pin;
	if (an->have_smtp) {
		a->smtp.host = (char *)an->smtp.host;
		a->smtp.port = an->smtp.port;
		a->smtp.tls = an->smtp.tls;
		a->smtp.user = (char *)an->in.user;
		a->smtp.password_command = a->in.password_command;
	}
}

int
write_account(const char *path, struct answers *an)
{
	struct config_kv	 kv[28];
	struct perr		 err;
	char			 port[16], sport[16], *section, *ca = NULL;
	size_t			 n = 0;
	bool			 pop3 = an->in.svc == SETUP_POP3;
	bool			 plain = an->in.tls == TLSM_NONE ||
	    (an->have_smtp && an->smtp.tls == TLSM_NONE);
	int			 rc;

	snprintf(port, sizeof port, "%d", an->in.port);
	snprintf(sport, sizeof sport, "%d", an->smtp.port);
	/* The file may be read from another directory: an absolute path. */
	if (an->ca_file != NULL && (ca = realpath(an->ca_file, NULL)) == NULL)
		ca = xstrdup(an->ca_file);
	kv[n++] = (struct config_kv){ "protocol", pop3 ? "pop3" : "imap" };
	kv[n++] = (struct config_kv){ "email", an->email };
	kv[n++] = (struct config_kv){ "real_name", an->name };
	kv[n++] = (struct config_kv){ "host", an->in.host };
	kv[n++] = (struct config_kv){ "port", port };
	kv[n++] = (struct config_kv){ "tls", tls_word(an->in.tls) };
	kv[n++] = (struct config_kv){ "allow_plaintext", plain ? "yes" : NULL };
	kv[n++] = (struct config_kv){ "user", an->in.user };
	if (an->oauth2_client_id == NULL) {
		kv[n++] = (struct config_kv){ "password_command",
		    an->store_command != NULL ? an->store_command :
		    an->password_command };
		kv[n++] = (struct config_kv){ "password", an->password_file };
	}
	kv[n++] = (struct config_kv){ "ca_file", ca };
	kv[n++] = (struct config_kv){ "certificate_fingerprint", an->pin };
	if (an->oauth2_client_id != NULL) {
		kv[n++] = (struct config_kv){ "auth", "xoauth2" };
		kv[n++] = (struct config_kv){ "oauth2_provider",
		    an->oauth2_provider };
		kv[n++] = (struct config_kv){ "oauth2_client_id",
		    an->oauth2_client_id };
	}
	if (!pop3)
		kv[n++] = (struct config_kv){ "offline", an->offline };
	else {
		kv[n++] = (struct config_kv){ "pop3_keep", an->pop3_keep };
		kv[n++] = (struct config_kv){
		    "pop3_delete_when_deleted_locally", an->pop3_delete };
	}
	if (an->have_smtp) {
		kv[n++] = (struct config_kv){ "smtp_host", an->smtp.host };
		kv[n++] = (struct config_kv){ "smtp_port", sport };
		kv[n++] = (struct config_kv){ "smtp_tls",
		    tls_word(an->smtp.tls) };
		if (strcmp(an->smtp.user, an->in.user) != 0)
			kv[n++] = (struct config_kv){ "smtp_user",
			    an->smtp.user };
	}
	section = xasprintf("account %s", an->account);
	rc = config_append_section(path, section, kv, n, &err);
	free(section);
	free(ca);
	if (rc != 0)
		return cli_error("%s", err.msg);
	return 0;
}

/* The words after a POP3 or IMAP setup: what the mode does, backups. */
void
closing_advice(const struct answers *an, const char *path)
{
	struct account	 a;
	char		*w;

	if (an->in.svc != SETUP_POP3)
		return;
	account_build(an, &a);
	a.pop3_keep = an->pop3_keep == NULL || strcasecmp(an->pop3_keep,
	    "no") == 0 ? KEEP_NO : strcasecmp(an->pop3_keep, "yes") == 0 ?
	    KEEP_YES : KEEP_DAYS;
	if (a.pop3_keep == KEEP_DAYS)
		a.pop3_keep_days = atoi(an->pop3_keep + 5);
	a.pop3_delete_when_deleted_locally = an->pop3_delete != NULL &&
	    strcasecmp(an->pop3_delete, "yes") == 0;
	if ((w = app_pop3_warning(&a)) != NULL) {
		say("Warning: %s", w);
		free(w);
	}
	say("With POP3, posta's store on this computer may become the only "
	    "copy of your mail. Keep a copy with posta export; for example, "
	    "this line in 'crontab -e' saves every folder each night at "
	    "3:00:");
	say("  0 3 * * * posta -c %s export -a %s --maildir "
	    "$HOME/mail-backup/%s", path, an->account, an->account);
}

/* ---- OAuth2 instead of a password ---------------------------------------- */

static void
oauth2_note(void *arg, const char *sentence)
{
	say("%s", sentence);
}

/*
 * Write an OAuth2 account (no password, no login check: the login comes
 * after) and, when login, run posta oauth2 login for it at once.
 */
int
setup_oauth2_write(struct answers *an, const char *path, bool login)
{
	const struct account	*acct;
	struct config		*cfg;
	struct perr		 err;
	int			 rc = CLI_OK;

	if (an->oauth2_provider == NULL &&
	    (an->oauth2_provider = setup_provider_oauth2(an->in.host)) == NULL)
		return cli_error("posta does not know the OAuth2 endpoints of "
		    "%s: give --oauth2-provider google or microsoft, or set "
		    "oauth2_token_url by hand.", an->in.host);
	if (write_account(path, an) != 0)
		return CLI_FAIL;
	say("Account %s was added to %s; it logs in with OAuth2.",
	    an->account, path);
	if (!login) {
		say("Run 'posta oauth2 login %s' to log in once; posta keeps "
		    "the access fresh from then on.", an->account);
		return CLI_OK;
	}
	if ((cfg = config_load(path, &err)) == NULL ||
	    (acct = config_account(cfg, an->account, &err)) == NULL ||
	    app_oauth2_login(acct, APP_OAUTH2_AUTO, oauth2_note, NULL,
	    &err) != 0) {
		cli_error("%s", err.msg);
		say("The account is written; run 'posta oauth2 login %s' to "
		    "try the login again.", an->account);
		rc = CLI_FAIL;
	} else
		say("Logged in: posta keeps the access of account %s fresh "
		    "from now on.", an->account);
	config_free(cfg);
	return rc;
}
