/*
 * cmd-setup-int.h - what the files of posta setup share: the answers of
 * one run and the functions one file calls in another. No one outside
 * cmd-setup*.c includes it. The files, from the bottom up:
 *
 *   cmd-setup-words.c  what the user reads (say()) and the flags' values
 *   cmd-setup-probe.c  discovery and probes shown, servers chosen from them
 *   cmd-setup-write.c  the account built, written, logged in with OAuth2
 *   cmd-setup-ask.c    the terminal's prompts and the interactive form
 *   cmd-setup.c        the --yes form, the flags, the entry points
 */
#ifndef POSTA_CMD_SETUP_INT_H
#define POSTA_CMD_SETUP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"
#include "setup/setup.h"

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

/* cmd-setup-words.c */
void	 say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 note_cb(void *, const char *);
const char *tls_phrase(enum tls_mode);
const char *tls_word(enum tls_mode);
const char *svc_word(enum setup_svc);
const char *source_word(enum setup_source);
bool	 days_ok(const char *);
int	 check_flags(struct answers *);
void	 given_candidates(enum setup_svc, const char *, int,
	    const char *, const char *, struct setup_servers *);

/* cmd-setup-probe.c */
void	 show_probe(const struct setup_probe *, int);
int	 find_servers(struct answers *, struct setup_probe **, size_t *);
const struct setup_probe *first_ok(const struct setup_probe *, size_t,
	    enum setup_svc);
const struct setup_probe *first_cert(const struct setup_probe *, size_t,
	    enum setup_svc);
const struct setup_probe *first_fail(const struct setup_probe *, size_t,
	    enum setup_svc);

/* cmd-setup-write.c */
void	 account_build(const struct answers *, struct account *);
int	 write_account(const char *, struct answers *);
void	 closing_advice(const struct answers *, const char *);
int	 setup_oauth2_write(struct answers *, const char *, bool);

/* cmd-setup-ask.c */
char	*ask(const char *, const char *);
bool	 ask_yes(const char *, bool);
bool	 ask_oauth2(struct answers *, const char *, char **, int *);
char	*default_account_name(const char *);
int	 setup_interactive(struct answers *, const char *);

#endif
