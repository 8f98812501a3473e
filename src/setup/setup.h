/*
 * setup.h - the face of src/setup: finding an account's servers from an
 * e-mail address, probing them, checking the login, for posta setup.
 *
 *   provider.c   the built-in table of common providers (by domain, or by
 *                the domain's MX host for hosted domains)
 *   srv.c        DNS SRV records (RFC 6186, RFC 8314) through libresolv;
 *                $POSTA_SETUP_DNS points it at a test server
 *   autoconfig.c the config-v1.1.xml document over verified HTTPS
 *                (libcurl), parsed with expat, bounded
 *   discover.c   the order of the steps, the guesses, parallel probes
 *                (the top floor of the discovery: the steps above never
 *                call it)
 *   servers.c    the list of candidates every step adds to (the bottom)
 *   check.c      the login check, mailbox size, secret stores
 *
 * Nothing here talks to the user: each step says what it does through a
 * callback (whole sentences), and the faces (ui/cli/cmd-setup.c) ask.
 * The password is never logged, printed or put in an error.
 */
#ifndef POSTA_SETUP_H
#define POSTA_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"
#include "util/config.h"
#include "net/net.h"

enum setup_svc { SETUP_IMAP, SETUP_POP3, SETUP_SMTP };

/* Where a candidate came from. */
enum setup_source {
	SETUP_SRC_USER,		/* typed or given as a flag */
	SETUP_SRC_TABLE,	/* the built-in provider table */
	SETUP_SRC_SRV,		/* DNS SRV */
	SETUP_SRC_AUTOCONFIG,	/* the autoconfig document */
	SETUP_SRC_GUESS,	/* imap.DOMAIN, mail.DOMAIN, ... */
};

struct setup_server {
	enum setup_svc		 svc;
	char			 host[256];
	int			 port;
	enum tls_mode		 tls;
	char			 user[256];	/* "": the e-mail address */
	enum setup_source	 source;
	/*
	 * An SRV target outside the address's domain and its provider's
	 * (RFC 6186 section 6: DNS alone must not send the login elsewhere):
	 * never taken without a person saying yes.
	 */
	bool			 foreign;
};

/* A growing list; setup_servers_free() releases it. */
struct setup_servers {
	struct setup_server	*v;
	size_t			 n;
};
/* Add s unless the same service, host and port is there already. */
void	setup_servers_add(struct setup_servers *, const struct setup_server *s);
void	setup_servers_free(struct setup_servers *);

/* A step's progress for the user, one whole sentence a call. */
typedef void (*setup_note_cb)(void *arg, const char *sentence);

/* ---- provider.c --------------------------------------------------------- */

/*
 * The built-in entries for domain (lower-case), else for the first MX host
 * in mx (may be NULL) whose suffix a hosted provider owns. Adds its
 * servers to out and returns the provider's name (static), or NULL.
 */
const char *setup_provider_find(const char *domain, const char *mx,
		    struct setup_servers *out);

/*
 * The oauth2_provider preset ("google", "microsoft") of the table's
 * provider whose IMAP or POP3 server host is, when that provider refuses
 * passwords (OAuth2 is the way in); NULL otherwise.
 */
const char *setup_provider_oauth2(const char *host);

/* ---- srv.c -------------------------------------------------------------- */

/*
 * The SRV records of domain for the six services of RFC 6186 and RFC 8314
 * (a target of "." means "not offered" and is left out). The resolver is
 * the system's unless $POSTA_SETUP_DNS names "ADDRESS:PORT" (IPv4 or IPv6
 * literal, tests). Returns the number added, or -1 with err set.
 */
int	setup_srv(const char *domain, struct setup_servers *out,
	    struct perr *err);
/* The domain's MX hosts, best first, space-separated into buf. 0 or -1. */
int	setup_mx(const char *domain, char *buf, size_t len, struct perr *err);

/* ---- autoconfig.c ------------------------------------------------------- */

#define SETUP_AUTOCONFIG_MAX	(256 * 1024)	/* bytes: more is refused */

/*
 * Fetch url (https:// only, also after redirects) with certificates
 * verified against the system store plus ca_file (may be NULL), at most
 * SETUP_AUTOCONFIG_MAX bytes, within timeout seconds, then parse it.
 * $POSTA_SETUP_HTTPS = "ADDRESS:PORT" (tests) sends every fetch to that
 * address, the URL's host still checked against the certificate.
 * Returns the number of servers added, or -1 with err set (PERR_CONFIG
 * for a non-HTTPS address, PERR_PROTOCOL for a document that is not a
 * config-v1.1.xml one, too big, or names no server).
 */
int	setup_autoconfig(const char *url, const char *ca_file,
	    const char *email, int timeout, struct setup_servers *out,
	    struct perr *err);
/* Parse a document (tests): as above, without the fetch. */
int	setup_autoconfig_parse(const char *xml, size_t len, const char *email,
	    struct setup_servers *out, struct perr *err);

/* ---- discover.c --------------------------------------------------------- */

struct setup_probe {
	struct setup_server	 srv;
	bool			 ok;
	struct net_report	 rep;	/* certificate even when refused */
	struct perr		 err;
};

struct setup_discover_opts {
	const char	*autoconfig_url; /* only this document; NULL: look */
	const char	*ca_file;	/* extra trust anchors, or NULL */
	const char	*pin;		/* "sha256:HEX" trusted as well, or NULL */
	int		 timeout;	/* seconds per probe and fetch */
	bool		 allow_plaintext; /* probe tls = none candidates */
	setup_note_cb	 note;		/* may be NULL */
	void		*arg;
};

/*
 * Candidates for email's domain, in the order of the issue: the table,
 * SRV, autoconfig (autoconfig.DOMAIN, then DOMAIN/.well-known), guesses;
 * each later step only when the earlier ones found nothing for a service.
 * An SRV target that is neither in the domain nor in the domain of a
 * server the table names for it is marked foreign.
 * With an autoconfig_url only that document is read, and its failure is
 * the result. Returns 0 (out may still be empty) or -1 with err set.
 */
int	setup_discover(const char *email, const struct setup_discover_opts *,
	    struct setup_servers *out, struct perr *err);

/*
 * Probe every candidate at once (one thread each), each within timeout
 * seconds: connect, TLS or STARTTLS, capabilities, no login. *res gets n
 * results in the candidates' order (free()).
 */
void	setup_probe_all(const struct setup_servers *,
	    const struct setup_discover_opts *, struct setup_probe **res);

/* The e-mail address's domain in lower case into buf, or -1 (not an address). */
int	setup_email_domain(const char *email, char *buf, size_t len);

/* ---- check.c ------------------------------------------------------------ */

/*
 * Log in to acct's incoming server and, when it has one, its SMTP server,
 * with the password as given (NULL: acct's password or password_command).
 * Nothing is written anywhere. For IMAP, *size_bytes gets INBOX's size
 * when the server offers STATUS=SIZE, else the QUOTA usage, else -1.
 * Returns 0, or -1 with err set (PERR_AUTH: the password was refused).
 */
int	setup_check_login(const struct account *acct, const char *password,
	    long long *size_bytes, struct perr *err);

/* Secret stores found on PATH: "pass", "secret-tool", "gopass". */
struct setup_store {
	const char	*name;
	const char	*desc;		/* one sentence */
};
size_t	setup_stores_found(struct setup_store *out, size_t max);
/*
 * Store password in the named store under a name for account, and return
 * the password_command that reads it back (malloc'd), or NULL with err
 * set. The command is run once and must print the same password.
 */
char	*setup_store_password(const char *store, const char *account,
	    const char *email, const char *password, struct perr *err);

#endif
