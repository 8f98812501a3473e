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
#include "app/app.h"
#include "setup/setup.h"

extern const struct cmd_entry cmd_setup_entry;

#define PROBE_TIMEOUT	5	/* seconds per probe: guesses die fast */

/* Everything the run has learnt or been told, flags first. */
struct answers {
	bool		 yes;
	const char	*account, *email, *name, *user;
	const char	*password_command, *ca_file, *autoconfig;
	const char	*offline, *pop3_keep, *pop3_delete;
	/* OAuth2 instead of a password: auth = xoauth2 and these. */
	const char	*oauth2_client_id, *oauth2_provider;
	const char	*protocol;			/* NULL: choose */
	const char	*host, *tls, *smtp_host, *smtp_tls;
	int		 port, smtp_port;
	char		*pin;				/* after a yes */
	char		*password;			/* interactive, typed */
	char		*password_file;			/* chosen to go in the file */
	char		*store_command;			/* from a secret store */
	struct setup_server in, smtp;
	bool		 have_in, have_smtp;
	long long	 size;
};

/* ---- output ------------------------------------------------------------ */

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line for the user, sanitised (it may hold server text). */
static void
say(const char *fmt, ...)
{
	va_list	 ap;
	char	*raw, *safe;

	va_start(ap, fmt);
	raw = xvasprintf(fmt, ap);
	va_end(ap);
	safe = sanitize_text(raw, strlen(raw), true);
	printf("%s\n", safe);
	fflush(stdout);
	free(safe);
	free(raw);
}

static void
note_cb(void *arg, const char *sentence)
{
	say("%s", sentence);
}

/* The way a server is secured, as a sentence part of its own. */
static const char *
tls_phrase(enum tls_mode t)
{
	return t == TLSM_IMPLICIT ? "implicit TLS" : t == TLSM_STARTTLS ?
	    "STARTTLS" : "no TLS";
}

static const char *
tls_word(enum tls_mode t)
{
	return t == TLSM_IMPLICIT ? "implicit" : t == TLSM_STARTTLS ?
	    "starttls" : "none";
}

static const char *
svc_word(enum setup_svc s)
{
	return s == SETUP_IMAP ? "IMAP" : s == SETUP_POP3 ? "POP3" : "SMTP";
}

static const char *
source_word(enum setup_source s)
{
	switch (s) {
	case SETUP_SRC_TABLE:
		return "posta's provider table";
	case SETUP_SRC_SRV:
		return "DNS SRV";
	case SETUP_SRC_AUTOCONFIG:
		return "the autoconfig document";
	case SETUP_SRC_GUESS:
		return "a guess";
	default:
		return "your answer";
	}
}

/* ---- the terminal: prompts, hidden input, Ctrl-C ------------------------ */

static struct termios	saved_tio;	/* only while echo is off */
static volatile sig_atomic_t echo_off;

static void
on_signal(int sig)
{
	static const char msg[] = "\nposta setup: stopped; nothing was "
	    "written.\n";

	if (echo_off)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	(void)write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(130);
}

/*
 * A line from stdin (malloc'd, without its newline), or NULL at end of
 * input. hide: echo off (a password).
 */
static char *
read_answer(bool hide)
{
	struct termios	 t;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;

	if (hide && isatty(STDIN_FILENO) &&
	    tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
		t = saved_tio;
		t.c_lflag &= ~(tcflag_t)ECHO;
		t.c_lflag |= ECHONL;
		echo_off = 1;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	}
	n = getline(&line, &cap, stdin);
	if (echo_off) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		echo_off = 0;
	}
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

/* Stop: end of input at a prompt. */
static void
input_ended(void)
{
	fprintf(stderr, "\nposta setup: the input ended; nothing was "
	    "written.\n");
	exit(CLI_FAIL);
}

/* "Question [default]: " and the answer (the default for an empty one). */
static char *
ask(const char *question, const char *def)
{
	char	*a;

	if (def != NULL && *def != '\0')
		printf("%s [%s]: ", question, def);
	else
		printf("%s: ", question);
	fflush(stdout);
	if ((a = read_answer(false)) == NULL)
		input_ended();
	if (*a == '\0' && def != NULL) {
		free(a);
		return xstrdup(def);
	}
	return a;
}

/* yes/no, asked until one of them is typed. */
static bool
ask_yes(const char *question, bool def)
{
	char	*a;
	bool	 r;

	for (;;) {
		a = ask(question, def ? "yes" : "no");
		if (strcasecmp(a, "yes") == 0 || strcasecmp(a, "y") == 0)
			r = true;
		else if (strcasecmp(a, "no") == 0 || strcasecmp(a, "n") == 0)
			r = false;
		else {
			free(a);
			say("Please type yes or no.");
			continue;
		}
		free(a);
		return r;
	}
}

/* A number from 1 to max. */
static int
ask_choice(const char *question, int def, int max)
{
	char	 d[16], *a, *end;
	long	 n;

	snprintf(d, sizeof d, "%d", def);
	for (;;) {
		a = ask(question, d);
		n = strtol(a, &end, 10);
		if (*a != '\0' && *end == '\0' && n >= 1 && n <= max) {
			free(a);
			return (int)n;
		}
		free(a);
		say("Please type a number from 1 to %d.", max);
	}
}

/* ---- values ------------------------------------------------------------ */

static bool
days_ok(const char *v)
{
	char	*end;
	long	 n;

	if (strncasecmp(v, "days:", 5) != 0)
		return false;
	n = strtol(v + 5, &end, 10);
	return v[5] != '\0' && *end == '\0' && n >= 1 && n <= 36500;
}

static int
parse_tls_word(const char *v, enum tls_mode *t)
{
	if (strcasecmp(v, "implicit") == 0)
		*t = TLSM_IMPLICIT;
	else if (strcasecmp(v, "starttls") == 0)
		*t = TLSM_STARTTLS;
	else if (strcasecmp(v, "none") == 0)
		*t = TLSM_NONE;
	else
		return -1;
	return 0;
}

static int
check_flags(struct answers *an)
{
	enum tls_mode	t;

	if (an->protocol != NULL && strcasecmp(an->protocol, "imap") != 0 &&
	    strcasecmp(an->protocol, "pop3") != 0)
		return cli_error("--protocol must be imap or pop3, not '%s'.",
		    an->protocol);
	if ((an->tls != NULL && parse_tls_word(an->tls, &t) != 0) ||
	    (an->smtp_tls != NULL && parse_tls_word(an->smtp_tls, &t) != 0))
		return cli_error("--tls and --smtp-tls must be implicit, "
		    "starttls or none.");
	if (an->offline != NULL && strcasecmp(an->offline, "all") != 0 &&
	    strcasecmp(an->offline, "headers") != 0 && !days_ok(an->offline))
		return cli_error("--offline must be all, headers or days:N, "
		    "not '%s'.", an->offline);
	if (an->pop3_keep != NULL && strcasecmp(an->pop3_keep, "no") != 0 &&
	    strcasecmp(an->pop3_keep, "yes") != 0 && !days_ok(an->pop3_keep))
		return cli_error("--pop3-keep must be no, yes or days:N, not "
		    "'%s'.", an->pop3_keep);
	if (an->pop3_delete != NULL && strcasecmp(an->pop3_delete, "yes") !=
	    0 && strcasecmp(an->pop3_delete, "no") != 0)
		return cli_error("--pop3-delete-when-deleted-locally must be "
		    "yes or no, not '%s'.", an->pop3_delete);
	if (an->oauth2_provider != NULL &&
	    strcmp(an->oauth2_provider, "google") != 0 &&
	    strcmp(an->oauth2_provider, "microsoft") != 0)
		return cli_error("--oauth2-provider must be google or "
		    "microsoft, not '%s'.", an->oauth2_provider);
	if (an->port < 0 || an->smtp_port < 0)
		return cli_error("--port and --smtp-port must be numbers from "
		    "1 to 65535.");
	return 0;
}

static int
default_port(enum setup_svc svc, enum tls_mode t)
{
	switch (svc) {
	case SETUP_IMAP:
		return t == TLSM_IMPLICIT ? 993 : 143;
	case SETUP_POP3:
		return t == TLSM_IMPLICIT ? 995 : 110;
	default:
		return t == TLSM_IMPLICIT ? 465 : 587;
	}
}

/*
 * Candidates for a server the user named: the given port and TLS, or the
 * standard ports of each TLS way.
 */
static void
given_candidates(enum setup_svc svc, const char *host, int port,
    const char *tls, const char *user, struct setup_servers *out)
{
	static const enum tls_mode ways[] = { TLSM_IMPLICIT, TLSM_STARTTLS };
	struct setup_server	s;
	enum tls_mode		t;
	size_t			i;

	memset(&s, 0, sizeof s);
	s.svc = svc;
	snprintf(s.host, sizeof s.host, "%s", host);
	snprintf(s.user, sizeof s.user, "%s", user);
	s.source = SETUP_SRC_USER;
	if (tls != NULL && parse_tls_word(tls, &t) == 0) {
		s.tls = t;
		s.port = port > 0 ? port : default_port(svc, t);
		setup_servers_add(out, &s);
		return;
	}
	for (i = 0; i < 2; i++) {
		s.tls = ways[i];
		s.port = port > 0 ? port : default_port(svc, ways[i]);
		setup_servers_add(out, &s);
	}
}

/* ---- probing and choosing ---------------------------------------------- */

static void
opts_init(const struct answers *an, struct setup_discover_opts *o)
{
	memset(o, 0, sizeof *o);
	o->autoconfig_url = an->autoconfig;
	o->ca_file = an->ca_file;
	o->pin = an->pin;
	o->timeout = PROBE_TIMEOUT;
	o->allow_plaintext = (an->tls != NULL &&
	    strcasecmp(an->tls, "none") == 0) || (an->smtp_tls != NULL &&
	    strcasecmp(an->smtp_tls, "none") == 0);
	o->note = note_cb;
}

static void
show_probe(const struct setup_probe *p, int num)
{
	const struct tls_info	*ti = &p->rep.tls_info;

	if (!p->ok) {
		say("  %s %s:%d (%s) does not work: %s", svc_word(p->srv.svc),
		    p->srv.host, p->srv.port, tls_word(p->srv.tls), p->err.msg);
		return;
	}
	say("  %d. %s %s:%d with %s, from %s.", num, svc_word(p->srv.svc),
	    p->srv.host, p->srv.port, tls_phrase(p->srv.tls),
	    source_word(p->srv.source));
	if (p->rep.caps[0] != '\0')
		say("     It offers %s.", p->rep.caps);
	if (ti->subject[0] != '\0')
		say("     Its certificate is %s, SHA-256 %s.", ti->subject,
		    ti->sha256);
	if (p->srv.foreign)
		say("     Only DNS says that it serves this address: it is "
		    "outside the address's domain.");
}

/*
 * Discover (unless the flags name the servers), probe, and print what
 * works. *res and *n get the probes.
 */
static int
find_servers(struct answers *an, struct setup_probe **res, size_t *n)
{
	struct setup_discover_opts	 o;
	struct setup_servers		 l = { NULL, 0 };
	struct setup_servers		 d = { NULL, 0 };
	struct perr			 err;
	enum setup_svc			 svc;
	size_t				 i;

	opts_init(an, &o);
	if (an->host != NULL) {
		svc = an->protocol != NULL && strcasecmp(an->protocol, "pop3")
		    == 0 ? SETUP_POP3 : SETUP_IMAP;
		given_candidates(svc, an->host, an->port, an->tls,
		    an->user != NULL ? an->user : an->email, &l);
	}
	if (an->smtp_host != NULL)
		given_candidates(SETUP_SMTP, an->smtp_host, an->smtp_port,
		    an->smtp_tls, an->user != NULL ? an->user : an->email, &l);
	if (an->host == NULL || an->smtp_host == NULL) {
		if (setup_discover(an->email, &o, &d, &err) != 0) {
			setup_servers_free(&l);
			setup_servers_free(&d);
			return cli_error("%s", err.msg);
		}
		for (i = 0; i < d.n; i++) {
			if (d.v[i].svc == SETUP_SMTP ? an->smtp_host != NULL :
			    an->host != NULL)
				continue;
			if (an->user != NULL)
				snprintf(d.v[i].user, sizeof d.v[i].user, "%s",
				    an->user);
			/* Nobody to ask: the login goes to no server that
			 * only DNS vouches for (RFC 6186 section 6). */
			if (d.v[i].foreign && an->yes) {
				say("%s:%d is not used: with --yes a server "
				    "outside the address's domain is taken "
				    "only when given with --host or "
				    "--smtp-host.", d.v[i].host, d.v[i].port);
				continue;
			}
			setup_servers_add(&l, &d.v[i]);
		}
		setup_servers_free(&d);
	}
	say("Trying %zu servers at once, each for at most %d seconds.", l.n,
	    PROBE_TIMEOUT);
	setup_probe_all(&l, &o, res);
	*n = l.n;
	setup_servers_free(&l);
	for (i = 0; i < *n; i++)
		show_probe(&(*res)[i], (int)i + 1);
	return 0;
}

/* The first probe that worked for svc, or NULL. */
static const struct setup_probe *
first_ok(const struct setup_probe *res, size_t n, enum setup_svc svc)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (res[i].ok && res[i].srv.svc == svc)
			return &res[i];
	return NULL;
}

/* The first probe of svc refused for its certificate, or NULL. */
static const struct setup_probe *
first_cert(const struct setup_probe *res, size_t n, enum setup_svc svc)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!res[i].ok && res[i].srv.svc == svc &&
		    (res[i].err.code == PERR_CERT ||
		    res[i].err.code == PERR_HOSTNAME) &&
		    res[i].rep.tls_info.sha256[0] != '\0')
			return &res[i];
	return NULL;
}

/* The first failure of svc, to say why nothing works. */
static const struct setup_probe *
first_fail(const struct setup_probe *res, size_t n, enum setup_svc svc)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!res[i].ok && res[i].srv.svc == svc)
			return &res[i];
	return NULL;
}

/* ---- the account in memory and on disk ---------------------------------- */

/* The struct account the net layer needs for the login check. */
static void
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

static int
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
static void
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
static int
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

/*
 * The provider refuses passwords: offer OAuth2. true when the account was
 * set up that way (*rc says how it went), false to go on with a password.
 */
static bool
ask_oauth2(struct answers *an, const char *path, char **client, int *rc)
{
	/* --oauth2-provider says so for a server the table does not know. */
	const char	*prov = an->oauth2_provider != NULL ?
			    an->oauth2_provider :
			    setup_provider_oauth2(an->in.host);

	if (prov == NULL)
		return false;
	say("%s does not take plain passwords (or only app passwords); posta "
	    "can log in with OAuth2 instead, as the provider wants.",
	    an->in.host);
	if (!ask_yes("Use OAuth2 for this account?", true))
		return false;
	say("OAuth2 needs a client ID registered with the provider (posta has "
	    "none of its own); see posta.conf(5), oauth2_client_id.");
	*client = ask("Your OAuth2 client ID", NULL);
	an->oauth2_client_id = *client;
	an->oauth2_provider = prov;
	*rc = setup_oauth2_write(an, path, ask_yes("Log in now (a code or a "
	    "browser address is shown)?", true));
	return true;
}

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

/* ---- the interactive form ------------------------------------------------ */

/* A default account name: the domain's first label ("example"). */
static char *
default_account_name(const char *email)
{
	char	domain[256];

	if (email == NULL || setup_email_domain(email, domain,
	    sizeof domain) != 0)
		return xstrdup("mail");
	domain[strcspn(domain, ".")] = '\0';
	return xstrdup(domain);
}

/* The side-by-side that makes the choice clear (80 columns). */
static void
show_comparison(void)
{
	static const char *const rows[][3] = {
		{ "", "IMAP", "POP3" },
		{ "Where mail lives", "on the server", "on this computer" },
		{ "Several devices", "all see the same mail", "each gets its own copy" },
		{ "Folders", "all folders, kept in step", "the inbox only" },
		{ "Offline reading", "what posta has downloaded", "everything downloaded" },
		{ "Server space", "all mail counts", "freed as mail is deleted" },
		{ "Backups", "the provider keeps mail", "yours to make: the only copy" },
		{ "Security", "TLS; password sent each sync", "TLS; password sent each sync" },
	};
	size_t	i;

	say("Your provider offers both IMAP and POP3. In short:");
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		say("  %-17s %-30s %s", rows[i][0], rows[i][1], rows[i][2]);
	say("If you read this mail on more than one device (a phone, webmail, "
	    "another computer), choose IMAP.");
}

/* The three POP3 ways; sets pop3_keep and pop3_delete, warns and confirms. */
static void
ask_pop3_ways(struct answers *an, char **keep_buf)
{
	char	*days;
	int	 c;

	say("POP3 can keep the mail on the server in three ways:");
	say("  1. Download and delete: each message is deleted from the server "
	    "once posta has stored it.");
	say("  2. Leave on the server: posta downloads a copy and deletes "
	    "nothing.");
	say("  3. Leave for some days: posta deletes a message from the server "
	    "a number of days after downloading it.");
	for (;;) {
		c = ask_choice("Which way do you want?", 2, 3);
		if (c == 2) {
			an->pop3_keep = "yes";
			break;
		}
		if (c == 3) {
			days = ask("After how many days should posta delete a "
			    "message from the server?", "30");
			free(*keep_buf);
			*keep_buf = xasprintf("days:%s", days);
			free(days);
			if (!days_ok(*keep_buf)) {
				say("Please type a number of days from 1 to "
				    "36500.");
				continue;
			}
			an->pop3_keep = *keep_buf;
			break;
		}
		say("Warning: with download and delete, any other device or "
		    "webmail that reads this mailbox, with IMAP or otherwise, "
		    "will see it emptied, and the mail will exist only on this "
		    "computer.");
		if (ask_yes("Do you really want posta to delete mail from the "
		    "server after downloading it?", false)) {
			an->pop3_keep = "no";
			break;
		}
	}
	an->pop3_delete = ask_yes("When you delete a message in posta, should "
	    "it be deleted on the server too?", false) ? "yes" : "no";
}

/* The offline policy, with the disk cost when the server told it. */
static void
ask_offline(struct answers *an, char **buf)
{
	char	*a;

	if (an->size >= 0)
		say("The inbox on the server holds %.1f MB; with 'all', posta "
		    "keeps a copy of it (and of the other folders) on this "
		    "disk.", (double)an->size / 1e6);
	say("How much should posta keep on this computer for reading offline? "
	    "'all' keeps whole messages, 'headers' only the headers (bodies "
	    "are fetched when opened), 'days:N' whole messages of the last N "
	    "days.");
	for (;;) {
		a = ask("Offline policy", "all");
		if (strcasecmp(a, "all") == 0 || strcasecmp(a, "headers") ==
		    0 || days_ok(a)) {
			free(*buf);
			*buf = a;
			an->offline = a;
			return;
		}
		free(a);
		say("Please type all, headers or days:N.");
	}
}

/* Ask the password until the server takes it; 0, or -1 (other failure). */
static int
ask_password_and_login(struct answers *an)
{
	struct account	 a;
	struct perr	 err;

	for (;;) {
		printf("Password for %s (it is not shown as you type): ",
		    an->in.user);
		fflush(stdout);
		secret_free(an->password);
		if ((an->password = read_answer(true)) == NULL)
			input_ended();
		if (*an->password == '\0') {
			say("An empty password cannot log in; please type it.");
			continue;
		}
		say("Logging in to %s:%d as %s.", an->in.host, an->in.port,
		    an->in.user);
		account_build(an, &a);
		a.in.password_command = a.smtp.password_command = NULL;
		if (setup_check_login(&a, an->password, &an->size, &err) == 0)
			return 0;
		if (err.code != PERR_AUTH)
			return cli_error("%s; nothing was written.", err.msg);
		say("The server refused the login: %s", err.msg);
		say("Please type the password again (Ctrl-C stops, writing "
		    "nothing).");
	}
}

/* Where the password lives from now on. */
static int
ask_password_home(struct answers *an)
{
	struct setup_store	 st[4];
	struct perr		 err;
	size_t			 n, i;
	int			 c;

	n = setup_stores_found(st, 4);
	say("How should posta get this password when it connects?");
	for (i = 0; i < n; i++)
		say("  %zu. Store it in %s (found on this computer).", i + 1,
		    st[i].desc);
	say("  %zu. Run a command of yours that prints it (password_command).",
	    n + 1);
	say("  %zu. Write it in the configuration file. This is worse: anyone "
	    "who can read the file or a backup of it can read the password.",
	    n + 2);
	c = ask_choice("Your choice", 1, (int)n + 2);
	if ((size_t)c <= n) {
		an->store_command = setup_store_password(st[c - 1].name,
		    an->account, an->email, an->password, &err);
		if (an->store_command == NULL)
			return cli_error("%s; nothing was written.", err.msg);
		say("The password is stored; posta will read it with: %s",
		    an->store_command);
	} else if ((size_t)c == n + 1) {
		free(an->store_command);
		an->store_command = ask("The command that prints the password",
		    NULL);
	} else
		an->password_file = xstrdup(an->password);
	return 0;
}

/* Pin the certificate of a server whose chain failed, after a yes. */
static bool
offer_pin(struct answers *an, const struct setup_probe *p)
{
	char	*pin;

	say("The certificate of %s:%d is not trusted: %s", p->srv.host,
	    p->srv.port, p->err.msg);
	say("Its SHA-256 fingerprint is %s.", p->rep.tls_info.sha256);
	say("Trust it only if your provider gave you this same fingerprint; "
	    "otherwise someone may be in the way.");
	if (!ask_yes("Should posta trust (pin) exactly this certificate?",
	    false))
		return false;
	pin = xasprintf("sha256:%s", p->rep.tls_info.sha256);
	free(an->pin);
	an->pin = pin;
	return true;
}

/* The incoming server by hand. */
static void
ask_server_by_hand(struct answers *an, char **hostbuf, char **protobuf)
{
	say("No incoming server answered. Please type it by hand.");
	free(*hostbuf);
	free(*protobuf);
	*hostbuf = ask("Incoming server host name", NULL);
	*protobuf = ask("Protocol, imap or pop3", "imap");
	an->host = *hostbuf;
	an->protocol = *protobuf;
}

/*
 * Of the servers that work for svc (numbered as show_probe() listed
 * them), the one the user picks, def when it is the only one; a server
 * only DNS vouches for is taken after an explicit yes. NULL: none.
 */
static const struct setup_probe *
pick_server(const struct setup_probe *res, size_t n, enum setup_svc svc,
    const struct setup_probe *def)
{
	const struct setup_probe	*p = def;
	size_t				 i, count = 0;
	char				*q;
	int				 c;

	for (i = 0; i < n; i++)
		if (res[i].ok && res[i].srv.svc == svc)
			count++;
	while (count > 1) {
		q = xasprintf("%zu %s servers work (listed above). Which one "
		    "do you want? Type its number.", count, svc_word(svc));
		c = ask_choice(q, (int)(def - res) + 1, (int)n);
		free(q);
		if (res[c - 1].ok && res[c - 1].srv.svc == svc) {
			p = &res[c - 1];
			break;
		}
		say("Number %d is not a working %s server.", c, svc_word(svc));
	}
	if (p != NULL && p->srv.foreign && !ask_yes("Only DNS says that this "
	    "server is your provider's, and it is outside your address's "
	    "domain. Use it anyway?", false))
		return NULL;
	return p;
}

static int
choose_interactive(struct answers *an, struct setup_probe *res, size_t n)
{
	const struct setup_probe	*imap, *pop3, *p;
	char				*a;

	imap = first_ok(res, n, SETUP_IMAP);
	pop3 = first_ok(res, n, SETUP_POP3);
	if (imap != NULL && pop3 != NULL && an->protocol == NULL) {
		show_comparison();
		for (;;) {
			a = ask("Which protocol do you want, imap or pop3?",
			    "imap");
			if (strcasecmp(a, "imap") == 0 || strcasecmp(a,
			    "pop3") == 0)
				break;
			free(a);
			say("Please type imap or pop3.");
		}
		p = strcasecmp(a, "pop3") == 0 ? pop3 : imap;
		free(a);
	} else if (an->protocol != NULL)
		p = strcasecmp(an->protocol, "pop3") == 0 ? pop3 : imap;
	else
		p = imap != NULL ? imap : pop3;
	if (p != NULL)
		p = pick_server(res, n, p->srv.svc, p);
	if (p == NULL)
		return -1;
	an->in = p->srv;
	an->have_in = true;
	say("posta will use %s at %s:%d with %s.", svc_word(p->srv.svc),
	    p->srv.host, p->srv.port, tls_phrase(p->srv.tls));
	if ((p = first_ok(res, n, SETUP_SMTP)) != NULL &&
	    (p = pick_server(res, n, SETUP_SMTP, p)) != NULL) {
		an->smtp = p->srv;
		an->have_smtp = true;
		say("posta will send mail through %s:%d with %s.", p->srv.host,
		    p->srv.port, tls_phrase(p->srv.tls));
	} else
		say("No SMTP server answered; this account will receive mail "
		    "only. Add smtp_host to its section later to send.");
	return 0;
}

static bool
account_taken(const char *path, const char *name)
{
	struct config	*cfg;
	struct perr	 err;
	bool		 taken;

	if ((cfg = config_load(path, &err)) == NULL)
		return false;
	taken = config_account(cfg, name, &err) != NULL;
	config_free(cfg);
	return taken;
}

static int
setup_interactive(struct answers *an, const char *path)
{
	struct setup_probe	*res = NULL;
	char			 domain[256], *email = NULL, *name = NULL;
	char			*acct = NULL, *user = NULL, *keep = NULL;
	char			*offline = NULL, *host = NULL, *proto = NULL;
	char			*def, *client = NULL;
	size_t			 n = 0;
	int			 rc = CLI_FAIL;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	say("posta setup adds one mail account to %s. Nothing is written "
	    "until the end; Ctrl-C stops at any question.", path);
	while (an->email == NULL) {
		email = ask("Your e-mail address", NULL);
		if (setup_email_domain(email, domain, sizeof domain) == 0)
			an->email = email;
		else {
			say("'%s' is not an e-mail address such as "
			    "mario.rossi@example.org.", email);
			free(email);
			email = NULL;
		}
	}
	def = xstrndup(an->email, strcspn(an->email, "@"));
	if (an->name == NULL)
		an->name = name = ask("Your name, as others will see it", def);
	free(def);
	def = default_account_name(an->email);
	while (an->account == NULL) {
		acct = ask("A short name for this account", def);
		if (!account_taken(path, acct))
			an->account = acct;
		else {
			say("There is already an account called %s; please "
			    "choose another name.", acct);
			free(acct);
			acct = NULL;
		}
	}
	free(def);
	for (;;) {
		free(res);
		res = NULL;
		if (find_servers(an, &res, &n) != 0)
			goto out;
		if (first_ok(res, n, SETUP_IMAP) != NULL ||
		    first_ok(res, n, SETUP_POP3) != NULL)
			break;
		const struct setup_probe *c = first_cert(res, n, SETUP_IMAP);
		if (c == NULL)
			c = first_cert(res, n, SETUP_POP3);
		if (c != NULL && an->pin == NULL && offer_pin(an, c))
			continue;
		ask_server_by_hand(an, &host, &proto);
	}
	if (choose_interactive(an, res, n) != 0)
		goto out;
	user = ask("Your login name on the server", an->in.user);
	snprintf(an->in.user, sizeof an->in.user, "%s", user);
	snprintf(an->smtp.user, sizeof an->smtp.user, "%s", user);
	if (an->in.svc == SETUP_POP3)
		ask_pop3_ways(an, &keep);
	if (ask_oauth2(an, path, &client, &rc))
		goto out;
	if (ask_password_and_login(an) != 0)
		goto out;
	if (an->in.svc == SETUP_IMAP)
		ask_offline(an, &offline);
	if (ask_password_home(an) != 0)
		goto out;
	if (write_account(path, an) != 0)
		goto out;
	say("Account %s was added to %s.", an->account, path);
	closing_advice(an, path);
	rc = CLI_OK;
out:
	free(res);
	free(client);
	free(email);
	free(name);
	free(acct);
	free(user);
	free(keep);
	free(offline);
	free(host);
	free(proto);
	return rc;
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
