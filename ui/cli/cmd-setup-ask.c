/*
 * cmd-setup-ask.c - posta setup's questions: line prompts on the terminal
 * (hidden input for a password, the terminal restored on Ctrl-C), and the
 * interactive form that asks them in order.
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
#include "util/i18n.h"

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
	fprintf(stderr, "\n%s\n", _("posta setup: the input ended; nothing "
	    "was written."));
	exit(CLI_FAIL);
}

/* "Question [default]: " and the answer (the default for an empty one). */
char *
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
bool
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
			say(_("Please type yes or no."));
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
		say(_("Please type a number from 1 to %d."), max);
	}
}

/*
 * The provider refuses passwords: offer OAuth2. true when the account was
 * set up that way (*rc says how it went), false to go on with a password.
 */
bool
ask_oauth2(struct answers *an, const char *path, char **client, int *rc)
{
	/* --oauth2-provider says so for a server the table does not know. */
	const char	*prov = an->oauth2_provider != NULL ?
			    an->oauth2_provider :
			    setup_provider_oauth2(an->in.host);

	if (prov == NULL)
		return false;
	say(_("%s does not take plain passwords (or only app passwords); posta "
	    "can log in with OAuth2 instead, as the provider wants."),
	    an->in.host);
	if (!ask_yes(_("Use OAuth2 for this account?"), true))
		return false;
	say(_("OAuth2 needs a client ID registered with the provider (posta has "
	    "none of its own); see posta.conf(5), oauth2_client_id."));
	*client = ask(_("Your OAuth2 client ID"), NULL);
	an->oauth2_client_id = *client;
	an->oauth2_provider = prov;
	*rc = setup_oauth2_write(an, path, ask_yes(_("Log in now (a code or a "
	    "browser address is shown)?"), true));
	return true;
}

/* ---- the interactive form ------------------------------------------------ */

/* A default account name: the domain's first label ("example"). */
char *
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
		{ N_("Where mail lives"), N_("on the server"), N_("on this computer") },
		{ N_("Several devices"), N_("all see the same mail"), N_("each gets its own copy") },
		{ N_("Folders"), N_("all folders, kept in step"), N_("the inbox only") },
		{ N_("Offline reading"), N_("what posta has downloaded"), N_("everything downloaded") },
		{ N_("Server space"), N_("all mail counts"), N_("freed as mail is deleted") },
		{ N_("Backups"), N_("the provider keeps mail"), N_("yours to make: the only copy") },
		{ N_("Security"), N_("TLS; password sent each sync"), N_("TLS; password sent each sync") },
	};
	size_t	i;
	char	*c0, *c1;

	say(_("Your provider offers both IMAP and POP3. In short:"));
	/* TRANSLATORS: the table's cells: 17 and 30 columns, then the rest. */
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		c0 = text_fit(rows[i][0][0] != '\0' ? _(rows[i][0]) : "", 17);
		c1 = text_fit(_(rows[i][1]), 30);
		say("  %s %s %s", c0, c1, _(rows[i][2]));
		free(c0);
		free(c1);
	}
	say(_("If you read this mail on more than one device (a phone, webmail, "
	    "another computer), choose IMAP."));
}

/* The three POP3 ways; sets pop3_keep and pop3_delete, warns and confirms. */
static void
ask_pop3_ways(struct answers *an, char **keep_buf)
{
	char	*days;
	int	 c;

	say(_("POP3 can keep the mail on the server in three ways:"));
	say(_("  1. Download and delete: each message is deleted from the server "
	    "once posta has stored it."));
	say(_("  2. Leave on the server: posta downloads a copy and deletes "
	    "nothing."));
	say(_("  3. Leave for some days: posta deletes a message from the server "
	    "a number of days after downloading it."));
	for (;;) {
		c = ask_choice(_("Which way do you want?"), 2, 3);
		if (c == 2) {
			an->pop3_keep = "yes";
			break;
		}
		if (c == 3) {
			days = ask(_("After how many days should posta delete a "
			    "message from the server?"), "30");
			free(*keep_buf);
			*keep_buf = xasprintf("days:%s", days);
			free(days);
			if (!days_ok(*keep_buf)) {
				say(_("Please type a number of days from 1 to "
				    "36500."));
				continue;
			}
			an->pop3_keep = *keep_buf;
			break;
		}
		say(_("Warning: with download and delete, any other device or "
		    "webmail that reads this mailbox, with IMAP or otherwise, "
		    "will see it emptied, and the mail will exist only on this "
		    "computer."));
		if (ask_yes(_("Do you really want posta to delete mail from the "
		    "server after downloading it?"), false)) {
			an->pop3_keep = "no";
			break;
		}
	}
	an->pop3_delete = ask_yes(_("When you delete a message in posta, should "
	    "it be deleted on the server too?"), false) ? "yes" : "no";
}

/* The offline policy, with the disk cost when the server told it. */
static void
ask_offline(struct answers *an, char **buf)
{
	char	*a;

	if (an->size >= 0)
		say(_("The inbox on the server holds %.1f MB; with 'all', posta "
		    "keeps a copy of it (and of the other folders) on this "
		    "disk."), (double)an->size / 1e6);
	say(_("How much should posta keep on this computer for reading offline? "
	    "'all' keeps whole messages, 'headers' only the headers (bodies "
	    "are fetched when opened), 'days:N' whole messages of the last N "
	    "days."));
	for (;;) {
		a = ask(_("Offline policy"), "all");
		if (strcasecmp(a, "all") == 0 || strcasecmp(a, "headers") ==
		    0 || days_ok(a)) {
			free(*buf);
			*buf = a;
			an->offline = a;
			return;
		}
		free(a);
		say(_("Please type all, headers or days:N."));
	}
}

/* Ask the password until the server takes it; 0, or -1 (other failure). */
static int
ask_password_and_login(struct answers *an)
{
	struct account	 a;
	struct perr	 err;

	for (;;) {
		printf(_("Password for %s (it is not shown as you type): "),
		    an->in.user);
		fflush(stdout);
		secret_free(an->password);
		if ((an->password = read_answer(true)) == NULL)
			input_ended();
		if (*an->password == '\0') {
			say(_("An empty password cannot log in; please type it."));
			continue;
		}
		say(_("Logging in to %s:%d as %s."), an->in.host, an->in.port,
		    an->in.user);
		account_build(an, &a);
		a.in.password_command = a.smtp.password_command = NULL;
		if (setup_check_login(&a, an->password, &an->size, &err) == 0)
			return 0;
		if (err.code != PERR_AUTH)
			return cli_error(_("%s; nothing was written."), err.msg);
		say(_("The server refused the login: %s"), err.msg);
		say(_("Please type the password again (Ctrl-C stops, writing "
		    "nothing)."));
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
	say(_("How should posta get this password when it connects?"));
	for (i = 0; i < n; i++)
		say(_("  %zu. Store it in %s (found on this computer)."), i + 1,
		    st[i].desc);
	say(_("  %zu. Run a command of yours that prints it (password_command)."),
	    n + 1);
	say(_("  %zu. Write it in the configuration file. This is worse: anyone "
	    "who can read the file or a backup of it can read the password."),
	    n + 2);
	c = ask_choice(_("Your choice"), 1, (int)n + 2);
	if ((size_t)c <= n) {
		an->store_command = setup_store_password(st[c - 1].name,
		    an->account, an->email, an->password, &err);
		if (an->store_command == NULL)
			return cli_error(_("%s; nothing was written."), err.msg);
		say(_("The password is stored; posta will read it with: %s"),
		    an->store_command);
	} else if ((size_t)c == n + 1) {
		free(an->store_command);
		an->store_command = ask(_("The command that prints the password"),
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

	say(_("The certificate of %s:%d is not trusted: %s"), p->srv.host,
	    p->srv.port, p->err.msg);
	say(_("Its SHA-256 fingerprint is %s."), p->rep.tls_info.sha256);
	say(_("Trust it only if your provider gave you this same fingerprint; "
	    "otherwise someone may be in the way."));
	if (!ask_yes(_("Should posta trust (pin) exactly this certificate?"),
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
	say(_("No incoming server answered. Please type it by hand."));
	free(*hostbuf);
	free(*protobuf);
	*hostbuf = ask(_("Incoming server host name"), NULL);
	*protobuf = ask(_("Protocol, imap or pop3"), "imap");
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
		q = xasprintf(_("%zu %s servers work (listed above). Which "
		    "one do you want? Type its number."), count, svc_word(svc));
		c = ask_choice(q, (int)(def - res) + 1, (int)n);
		free(q);
		if (res[c - 1].ok && res[c - 1].srv.svc == svc) {
			p = &res[c - 1];
			break;
		}
		say(_("Number %d is not a working %s server."), c, svc_word(svc));
	}
	if (p != NULL && p->srv.foreign && !ask_yes(_("Only DNS says that this "
	    "server is your provider's, and it is outside your address's "
	    "domain. Use it anyway?"), false))
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
			a = ask(_("Which protocol do you want, imap or pop3?"),
			    "imap");
			if (strcasecmp(a, "imap") == 0 || strcasecmp(a,
			    "pop3") == 0)
				break;
			free(a);
			say(_("Please type imap or pop3."));
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
	say(_("posta will use %s at %s:%d with %s."), svc_word(p->srv.svc),
	    p->srv.host, p->srv.port, tls_phrase(p->srv.tls));
	if ((p = first_ok(res, n, SETUP_SMTP)) != NULL &&
	    (p = pick_server(res, n, SETUP_SMTP, p)) != NULL) {
		an->smtp = p->srv;
		an->have_smtp = true;
		say(_("posta will send mail through %s:%d with %s."), p->srv.host,
		    p->srv.port, tls_phrase(p->srv.tls));
	} else
		say(_("No SMTP server answered; this account will receive mail "
		    "only. Add smtp_host to its section later to send."));
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

int
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
	say(_("posta setup adds one mail account to %s. Nothing is written "
	    "until the end; Ctrl-C stops at any question."), path);
	while (an->email == NULL) {
		email = ask(_("Your e-mail address"), NULL);
		if (setup_email_domain(email, domain, sizeof domain) == 0)
			an->email = email;
		else {
			say(_("'%s' is not an e-mail address such as "
			    "mario.rossi@example.org."), email);
			free(email);
			email = NULL;
		}
	}
	def = xstrndup(an->email, strcspn(an->email, "@"));
	if (an->name == NULL)
		an->name = name = ask(_("Your name, as others will see it"), def);
	free(def);
	def = default_account_name(an->email);
	while (an->account == NULL) {
		acct = ask(_("A short name for this account"), def);
		if (!account_taken(path, acct))
			an->account = acct;
		else {
			say(_("There is already an account called %s; please "
			    "choose another name."), acct);
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
	user = ask(_("Your login name on the server"), an->in.user);
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
	say(_("Account %s was added to %s."), an->account, path);
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
