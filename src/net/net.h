/*
 * net.h - the face of src/net: connections to mail servers over libetpan.
 *
 *   connect.c  TCP: name lookup, non-blocking connect with a timeout,
 *              SO_KEEPALIVE, close-on-exec; the I/O timeout; opening the
 *              stream of an endpoint (plaintext policy, implicit TLS) and
 *              the helpers the three protocol files share
 *   tls.c      the OpenSSL mailstream_low driver: plain phase, TLS >= 1.2,
 *              SNI, chain + host name verification, SHA-256 pinning,
 *              STARTTLS upgrade in place, per-I/O timeouts, sticky cancel
 *   imap.c     IMAP: connect, STARTTLS, CAPABILITY, LOGIN, teardown
 *   pop3.c     POP3: connect, STLS, CAPA, USER/PASS, teardown
 *   smtp.c     SMTP: connect, EHLO, STARTTLS, AUTH (Cyrus SASL), teardown
 *
 * Every connect function returns a logged-in session or NULL with a
 * struct perr whose message starts with "host:port: " and whose code says
 * what went wrong:
 *   PERR_CONFIG    tls = none without allow_plaintext, bad pin, bad ca_file
 *   PERR_CONNECT   name lookup failed, connection refused or reset
 *   PERR_TIMEOUT   no answer within the timeout (connect, handshake, reply)
 *   PERR_TLS       handshake failed, no TLS 1.2, not TLS on that port
 *   PERR_CERT      chain not trusted and no matching pin (the message has
 *                  the SHA-256 fingerprint and the certificate_fingerprint
 *                  line that would pin it)
 *   PERR_HOSTNAME  the certificate does not name the host (same details)
 *   PERR_STARTTLS  STARTTLS not offered, refused, or data injected after
 *                  its reply (CVE-2020-15953)
 *   PERR_PROTOCOL  the server said something unacceptable: a PREAUTH
 *                  greeting before STARTTLS (CVE-2020-14093), a refusal,
 *                  garbage, an early close
 *   PERR_AUTH      login refused, or no password / usable mechanism
 *
 * Security rules kept here, whatever the caller does:
 *   - tls = none is refused before any connection unless the account says
 *     allow_plaintext = yes;
 *   - tls = starttls never falls back to plaintext;
 *   - after any protocol error the connection is dropped without another
 *     word (the stream is cancelled, so LOGOUT/QUIT are not even sent);
 *   - the password is fetched (config_password) only once TLS is verified
 *     (or for tls = none + allow_plaintext), right before LOGIN/PASS/AUTH,
 *     and wiped (secret_free) right after;
 *   - a certificate is trusted when its chain verifies against the system
 *     store plus the account's ca_file AND it names the host, or when its
 *     SHA-256 equals the account's certificate_fingerprint (a pin trusts
 *     one exact certificate, see posta.conf(5)).
 *
 * Threads: a connection belongs to one thread at a time. Only *_cancel()
 * may be called from another thread, and never at the same time as
 * *_close(). The process must ignore SIGPIPE (ui/main.c does).
 */
#ifndef POSTA_NET_H
#define POSTA_NET_H

#include <stdbool.h>
#include <stddef.h>

#include <libetpan/libetpan.h>

#include "util/util.h"
#include "util/config.h"

/* ---- connect.c --------------------------------------------------------- */

#define NET_TIMEOUT_DEFAULT	30	/* seconds */

/*
 * The I/O timeout in seconds: $POSTA_NET_TIMEOUT when it is a number from
 * 1 to 3600, else NET_TIMEOUT_DEFAULT. It bounds the TCP connect, the TLS
 * handshake and every single read or write wait (not a whole command).
 */
int	net_timeout(void);

/*
 * "host:port", or "[v6]:port" for an IPv6 literal, into buf (always
 * NUL-terminated). Returns buf.
 */
char	*net_hostport(char *buf, size_t len, const char *host, int port);

/*
 * Resolve host and connect to port, trying each address in turn, each
 * within timeout seconds. Returns a non-blocking, close-on-exec socket
 * with SO_KEEPALIVE that the caller owns, or -1 with err set (PERR_CONNECT
 * or PERR_TIMEOUT; the message has no "host:port: " prefix). Name lookup
 * itself is not bounded by the timeout (getaddrinfo cannot be).
 */
int	net_connect(const char *host, int port, int timeout, struct perr *err);

/* ---- tls.c ------------------------------------------------------------- */

/* How to verify a server. Strings are only borrowed during the call. */
struct tls_params {
	const char	*host;		/* name or IP literal: SNI + identity */
	const char	*ca_file;	/* extra trust anchors (PEM), or NULL */
	const char	*pin;		/* "sha256:HEX" (colons allowed), or NULL */
};

/* What the handshake found. Server-provided text: sanitise to print. */
struct tls_info {
	char	version[16];		/* "TLSv1.3" */
	char	cipher[64];		/* "TLS_AES_256_GCM_SHA384" */
	char	subject[256];		/* "O=posta test lab, CN=localhost" */
	char	issuer[256];
	char	sha256[96];		/* "AB:CD:..." like openssl x509 -fingerprint */
	bool	pinned;			/* trusted by the pin, not the chain */
};

/*
 * A stream in the plain phase over fd (which it takes, even on failure):
 * reads and writes wait at most timeout seconds, a read at EOF returns -1
 * (never 0), and any I/O failure is described in *io_err, which must
 * outlive the stream (NULL: not recorded). The first failure sticks: it is
 * the one that killed the stream. Returns NULL only when out of resources
 * (io_err says which). Freed by mailstream_close() or by the libetpan
 * session that it is given to.
 */
mailstream	*tls_stream_plain(int fd, int timeout, struct perr *io_err);

/*
 * Implicit TLS: tls_stream_plain() + tls_stream_handshake(). On failure
 * returns NULL with err set and fd closed; *info still holds the
 * certificate and its fingerprint when one was received.
 */
mailstream	*tls_stream_open(int fd, int timeout, const struct tls_params *,
		    struct tls_info *info, struct perr *io_err,
		    struct perr *err);

/*
 * Turn a plain-phase stream into TLS in place (same stream, same low
 * driver, so a session keeps its pointer): handshake, then verification.
 * With starttls set, first refuse (PERR_STARTTLS) if any byte arrived
 * after the server's STARTTLS reply, in libetpan's buffer or the socket.
 * Returns 0, or -1 with err set (PERR_TLS, PERR_TIMEOUT, PERR_CERT,
 * PERR_HOSTNAME, PERR_STARTTLS, PERR_CONFIG for an unreadable ca_file or a
 * malformed pin). On failure the stream is cancelled (see below): it can
 * only be freed, and not one more plaintext byte leaves through it.
 */
int	tls_stream_handshake(mailstream *, const struct tls_params *,
	    bool starttls, struct tls_info *info, struct perr *err);

/*
 * Make every current and later read or write on the stream fail at once
 * (sticky). Safe from another thread while the stream is alive. It lets a
 * session's *_free() skip its LOGOUT/QUIT instead of blocking or talking
 * to a server that misbehaved.
 */
void	tls_stream_cancel(mailstream *);

/* True when the stream speaks TLS (after a successful handshake). */
bool	tls_stream_is_tls(mailstream *);

#define TLS_WAIT_ERROR		-1	/* cancelled, or poll failed */
#define TLS_WAIT_TIMEOUT	0
#define TLS_WAIT_DATA		1	/* a read will not wait */
#define TLS_WAIT_WOKEN		2	/* wake_fd became readable */
/*
 * Wait up to ms milliseconds (-1: forever) for data from the server or for
 * wake_fd (-1: none) to become readable; the caller drains wake_fd. Data
 * already in libetpan's read buffer or decrypted inside OpenSSL counts as
 * data, which a bare poll() on the socket would miss (IDLE).
 */
int	tls_wait_readable(mailstream *, int wake_fd, int ms);

/* ---- what a connection looks like, for users and the sync engine ------- */

struct net_report {
	const char	*protocol;	/* "IMAP", "POP3", "SMTP" */
	char		 hostport[300];
	enum tls_mode	 tls;		/* as configured */
	struct tls_info	 tls_info;	/* all empty for tls = none */
	bool		 preauth;	/* IMAP PREAUTH: no login was needed */
	bool		 logged_in;
	/*
	 * The capabilities posta cares about, space-separated, as the server
	 * announced them after TLS and login (server text: sanitise), e.g.
	 * "IDLE CONDSTORE ...", "UIDL TOP SASL(PLAIN LOGIN)",
	 * "STARTTLS AUTH(PLAIN LOGIN) SIZE(10485760) 8BITMIME"; and the ones
	 * posta looked for but the server lacks.
	 */
	char		 caps[1024];
	char		 missing[256];
};

/* ---- imap.c ------------------------------------------------------------ */

struct imap_conn {
	mailimap		*imap;		/* logged in (or PREAUTH) */
	mailstream		*stream;	/* imap->imap_stream, for cancel */
	struct net_report	 report;
	struct perr		 io_err;	/* the stream's first I/O failure */
};

/*
 * Connect to ep (normally &acct->in) of an IMAP account, verify TLS as
 * configured, log in, re-read the capabilities. Returns a connection that
 * imap_close() frees, or NULL with err set.
 */
struct imap_conn *imap_connect(const struct account *acct,
		    const struct endpoint *ep, struct perr *err);
/* "IDLE", "QRESYNC", "AUTH=PLAIN"...: case-insensitive, from the cache. */
bool	imap_has_cap(const struct imap_conn *, const char *cap);
/* Re-read CAPABILITY. Returns 0 or -1 with err set. */
int	imap_refresh_caps(struct imap_conn *, struct perr *err);
/*
 * Turn the libetpan return code r of a command on c into err ("host:port:
 * what: ..." with the I/O failure or the server's words). Returns -1.
 */
int	imap_error(struct imap_conn *c, int r, const char *what,
	    struct perr *err);
/* See tls_stream_cancel(). */
void	imap_cancel(struct imap_conn *);
/* LOGOUT (bounded by the timeout, skipped after a cancel) and free. */
void	imap_close(struct imap_conn *);
/* Free without a word to the server: after a STREAM/PARSE/PROTOCOL error. */
void	imap_abort(struct imap_conn *);

/* ---- pop3.c ------------------------------------------------------------ */

struct pop3_conn {
	mailpop3		*pop;		/* in the TRANSACTION state */
	mailstream		*stream;
	clist			*capa;		/* of struct mailpop3_capa, or
						   NULL: CAPA not supported */
	struct net_report	 report;
	struct perr		 io_err;
};

/* As imap_connect(), for POP3 (USER/PASS, or SASL PLAIN without USER). */
struct pop3_conn *pop3_connect(const struct account *acct,
		    const struct endpoint *ep, struct perr *err);
/* A CAPA tag: "UIDL", "TOP", "SASL", "STLS"... case-insensitive. */
bool	pop3_has_cap(const struct pop3_conn *, const char *cap);
/* A SASL mechanism listed by CAPA. */
bool	pop3_has_sasl(const struct pop3_conn *, const char *mech);
void	pop3_cancel(struct pop3_conn *);
/*
 * commit: send QUIT, which makes the server apply DELEs (RFC 1939 UPDATE).
 * !commit: drop the connection without QUIT, so every DELE is rolled back.
 * Frees c either way.
 */
void	pop3_close(struct pop3_conn *, bool commit);

/* ---- smtp.c ------------------------------------------------------------ */

struct smtp_conn {
	mailsmtp		*smtp;		/* EHLO done, authenticated */
	mailstream		*stream;
	char			*ehlo;		/* last EHLO reply, one keyword
						   line per '\n' (server text) */
	bool			 starttls_offered; /* before TLS */
	struct net_report	 report;
	struct perr		 io_err;
};

/* As imap_connect(), for SMTP submission (AUTH PLAIN or LOGIN). */
struct smtp_conn *smtp_connect(const struct account *acct,
		    const struct endpoint *ep, struct perr *err);
/*
 * An EHLO keyword: "SIZE", "8BITMIME", "PIPELINING", "DSN", "STARTTLS"
 * (as offered before TLS), or "AUTH=PLAIN" for one mechanism.
 */
bool	smtp_has_cap(const struct smtp_conn *, const char *cap);
/* The server's SIZE limit in bytes, 0 when it announced none. */
size_t	smtp_max_size(const struct smtp_conn *);
void	smtp_cancel(struct smtp_conn *);
/* QUIT (bounded by the timeout, skipped after a cancel) and free. */
void	smtp_close(struct smtp_conn *);

/* ---- shared by imap.c, pop3.c and smtp.c (connect.c) ------------------- */

/*
 * Check the endpoint against the plaintext policy, connect, and return a
 * stream in the plain phase (tls = starttls or none) or already verified
 * (tls = implicit). Fills rep->hostport, rep->tls and, for implicit TLS,
 * rep->tls_info; tp gets the verification parameters for a later
 * STARTTLS. io_err must outlive the stream. NULL with err set
 * ("host:port: ...") on failure.
 */
mailstream	*net_stream_open(const struct account *,
		    const struct endpoint *, struct tls_params *tp,
		    struct net_report *rep, struct perr *io_err,
		    struct perr *err);

/*
 * Set err to "hostport: " + the I/O failure recorded in io_err when there
 * is one (it explains a libetpan STREAM error best), else to code and the
 * formatted words. Returns -1.
 */
int	net_fail(struct perr *err, const struct perr *io_err,
	    const char *hostport, enum perr_code code, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/*
 * The endpoint's password for a login about to happen: config_password(),
 * or NULL with err set ("hostport: ...", PERR_AUTH when none is
 * configured). Free with secret_free() right after use.
 */
char	*net_password(const struct account *, const struct endpoint *,
	    const char *hostport, struct perr *err);

/*
 * Server text made fit for an error message: sanitised to one line and
 * cut to a reasonable length, "(no text)" for NULL. Returns buf.
 */
char	*net_server_text(char *buf, size_t len, const char *text);

/* Append word to a space-separated list in buf (truncating safely). */
void	net_words_add(char *buf, size_t len, const char *word);

#endif
