/*
 * net-int.h - private to src/net: libetpan itself, the stream driver's
 * functions, opening an endpoint's stream and the login helpers the three
 * protocol files share. Everyone else includes net.h, which only
 * forward-declares libetpan's types.
 *
 * imapcmd-int.h adds what the imapcmd*.c files share.
 */
#ifndef POSTA_NET_INT_H
#define POSTA_NET_INT_H

#include <libetpan/libetpan.h>

/*
 * libetpan exports these two (mailsmtp_private.h, which Debian does not
 * install): a command line out, then its reply into session->response
 * and response_code (the code returned; 0 when the stream failed). Used
 * for MAIL FROM with BODY=8BITMIME, which mailesmtp_mail_size() cannot
 * send.
 */
int	mailsmtp_send_command(mailsmtp *, char *command);
int	mailsmtp_read_response(mailsmtp *);

#include "net/net.h"

/* ---- imap.c ------------------------------------------------------------ */

/*
 * Take the [ALERT] of the reply just read, if any. Alerts are taken as the
 * next command goes out; a reader of several replies in a row (pipelined
 * commands) calls this after each, or all but the last would be lost.
 */
void	imap_alert_harvest(struct imap_conn *);

/*
 * Send "<tag> cmd\r\n" and read the reply as libetpan's own commands do
 * (see imap.c for why not mailimap_custom_command()). Returns a
 * libetpan code: MAILIMAP_ERROR_CUSTOM_COMMAND for a tagged NO or BAD.
 */
int	imapcmd_raw(struct imap_conn *c, const char *cmd);
/*
 * Pipelining: send cmds[0..n) (each as imapcmd_raw() wants it; n at most
 * IMAPCMD_PIPELINE_MAX) in one write, then read their replies in order;
 * after each, got(arg, i, r) (got may be NULL) with r as imapcmd_raw()
 * would return it, while libetpan's imap_response_info holds that reply's
 * data. A reply that breaks the session (stream error, unparsable, BYE)
 * ends it, the rest unread: its code is returned. Otherwise returns
 * MAILIMAP_NO_ERROR, a NO being each command's own business (got); with
 * n == 1, the one command's code, as imapcmd_raw().
 */
#define IMAPCMD_PIPELINE_MAX	64
int	imapcmd_pipeline(struct imap_conn *c, const char *const *cmds,
	    size_t n, void (*got)(void *arg, size_t i, int r), void *arg);

/* ---- tls.c ------------------------------------------------------------- */

/* How to verify a server. Strings are only borrowed during the call. */
struct tls_params {
	const char	*host;		/* name or IP literal: SNI + identity */
	const char	*ca_file;	/* extra trust anchors (PEM), or NULL */
	const char	*pin;		/* "sha256:HEX" (colons allowed), or NULL */
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

/*
 * Bound what the server may send from now on to the limits of ctx
 * (limit.h), and start the reply deadline. The connect functions of
 * imap.c, pop3.c and smtp.c set their protocol's first context; commands
 * that expect more (a FETCH) raise them and set them back after. A reply
 * over a bound, or slower than the deadline, fails the read that saw it:
 * io_err says which bound and where (PERR_PROTOCOL; PERR_TIMEOUT for the
 * deadline), and the stream is cancelled.
 */
void	tls_stream_limit(mailstream *, enum net_ctx ctx);
/* True once a reply was refused for going over a bound (not a timeout). */
bool	tls_stream_over_limit(mailstream *);

/* net_lexer_statuses() of the stream's lexer (0: none yet). */
uint64_t tls_stream_statuses(mailstream *);

/* True when the stream speaks TLS (after a successful handshake). */
bool	tls_stream_is_tls(mailstream *);

/*
 * Wait up to ms milliseconds (-1: forever) for data from the server or for
 * wake_fd (-1: none) to become readable; the caller drains wake_fd. Data
 * already in libetpan's read buffer or decrypted inside OpenSSL counts as
 * data, which a bare poll() on the socket would miss (IDLE).
 */
int	tls_wait_readable(mailstream *, int wake_fd, int ms);
/*
 * The same over n streams (at most TLS_WAIT_MAX) at once: TLS_WAIT_DATA
 * with bit i of *ready set for each s[i] that has data. A cancelled
 * stream, any of them, is TLS_WAIT_ERROR.
 */
#define TLS_WAIT_MAX	2
int	tls_wait_any(mailstream **s, size_t n, int wake_fd, int ms,
	    unsigned *ready);

/* ---- compress.c -------------------------------------------------------- */

/*
 * COMPRESS=DEFLATE (RFC 4978) on a stream of tls_stream_plain(), once the
 * server said OK to COMPRESS DEFLATE: from now on the stream's reads are
 * inflated and its writes deflated (raw deflate, flushed at every write),
 * and the limits of tls_stream_limit() count the inflated bytes. Bytes
 * already in the stream's buffer are taken as compressed. Returns 0, or
 * -1 with err set (the stream is then unchanged). A corrupt stream from
 * the server fails the read that meets it, naming it in the stream's
 * io_err, and cancels the stream. Every tls_stream_*() function keeps
 * working on the stream.
 */
int	compress_stream_start(mailstream *, struct perr *err);
/* True once compress_stream_start() succeeded on the stream. */
bool	compress_stream_on(mailstream *);
/* Inflated or compressed bytes wait inside the layer (not in the socket). */
bool	compress_stream_pending(mailstream *);
/* The driver beneath a compress layer, else low itself. */
mailstream_low *compress_low_inner(mailstream_low *low);

/* ---- connect.c --------------------------------------------------------- */

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

/* The same with an I/O timeout of its own (the probes of src/setup). */
mailstream	*net_stream_open_within(const struct account *,
		    const struct endpoint *, int timeout,
		    struct tls_params *tp, struct net_report *rep,
		    struct perr *io_err, struct perr *err);

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

/* ---- sasl.c ------------------------------------------------------------ */

/*
 * The base64 initial response of XOAUTH2 or OAUTHBEARER for user and an
 * access token (host and port go into OAUTHBEARER's). Malloc'd; release
 * it with secret_free(), it holds the token.
 */
char	*sasl_oauth2_initial(enum auth_mech, const char *user,
	    const char *token, const char *host, int port);

/* What the client answers an error challenge with: "" or "AQ==". */
const char *sasl_oauth2_abort(enum auth_mech);

/*
 * An error challenge (base64, as sent after "+ " or "334 ") as one line
 * of text for a message, sanitised and bounded. Never fails: text that is
 * not base64 is shown as it came.
 */
void	sasl_challenge_text(const char *b64, char *buf, size_t len);

enum sasl_result {
	SASL_OK,		/* logged in */
	SASL_REFUSED,		/* the server said no; the session goes on */
	SASL_FAILED		/* the session is lost; err says why */
};
/*
 * One login attempt of a protocol file: send mech with the initial
 * response ir (base64; the stream marked private while it goes out),
 * answer any challenge with abort, read the final reply. On a refusal,
 * why gets the server's words (the challenge's text, else the reply's).
 */
typedef enum sasl_result (*sasl_try_fn)(void *ctx, const char *mech,
    const char *ir, const char *abort, char *why, size_t whylen,
    struct perr *err);

/*
 * Log in with the endpoint's OAuth2 mechanism (ep->auth) through try:
 * refused unless s is TLS; the token from oauth2_token_command; after a
 * refusal the command is run once more and the login tried once more.
 * Returns 0, or -1 with err set ("hostport: ...", PERR_AUTH for a
 * refusal). The token is in no message.
 */
int	net_oauth2_login(const struct account *, const struct endpoint *,
	    const char *hostport, mailstream *s, sasl_try_fn try, void *ctx,
	    struct perr *err);

/*
 * The AUTH exchange of POP3 (RFC 5034) and SMTP (RFC 4954), the same in
 * lines: "AUTH MECH IR", a continuation (cont, e.g. "+ " or "334 ") that
 * carries an error challenge, the final reply (ok or no: "+OK"/"-ERR",
 * "235"/"5"). The initial response waits for an empty continuation when
 * the command line would pass ir_max (POP3's 255; 0: no bound).
 */
struct sasl_lines {
	mailstream	*s;
	const char	*hostport;
	const struct perr *io_err;	/* the stream's, to explain a failure */
	const char	*cont;		/* continuation with text: "+ " */
	const char	*cont_bare;	/* any continuation: "+" */
	const char	*ok, *no;
	bool		 multiline;	/* SMTP's "NNN-" continued replies */
	size_t		 ir_max;
};
/* One attempt as a sasl_try_fn does it, for the protocol p describes. */
enum sasl_result sasl_line_try(const struct sasl_lines *p, const char *mech,
	    const char *ir, const char *abort, char *why, size_t whylen,
	    struct perr *err);

#endif
