/*
 * net.h - the face of src/net: connections to mail servers over libetpan.
 *
 *   connect.c  TCP: name lookup, non-blocking connect with a timeout,
 *              SO_KEEPALIVE, close-on-exec; the I/O timeout; opening the
 *              stream of an endpoint (plaintext policy, implicit TLS) and
 *              the helpers the three protocol files share
 *   tls.c      the OpenSSL mailstream_low driver: plain phase, per-I/O
 *              timeouts, limits, sticky cancel; tls-stream.c what the
 *              protocol files ask of a stream (limits, waiting), seen
 *              through compress.c; tls-verify.c its TLS >= 1.2
 *              handshake, SNI, chain + host name verification, SHA-256
 *              pinning, STARTTLS upgrade in place (tls-int.h: theirs)
 *   limit.c    what a server may send: line, literal and reply sizes, IMAP
 *              nesting, a reply's deadline (limit.h), checked by tls.c on
 *              every byte before libetpan reads it
 *   imap.c     IMAP: connect, STARTTLS, CAPABILITY, LOGIN, teardown; the
 *              raw command path the imapcmd*.c files (above it) share
 *   imapcmd.c  IMAP commands for the sync, as plain C data: what they
 *              share, ENABLE, NAMESPACE; by family around imapcmd-int.h:
 *              imapcmd-mailbox.c (LIST, STATUS, SELECT, CREATE...),
 *              imapcmd-fetch.c, imapcmd-search.c, imapcmd-store.c (STORE,
 *              COPY/MOVE, EXPUNGE, APPEND), imapcmd-idle.c (IDLE, NOOP),
 *              imapcmd-notify.c (NOTIFY: news of the other mailboxes)
 *   net-int.h  private to src/net: libetpan.h, the stream driver, sasl.c
 *   pop3.c     POP3: connect, STLS, CAPA, USER/PASS, teardown
 *   pop3cmd.c  POP3 commands for the sync, bounded: STAT, LIST+UIDL, RETR, DELE
 *   smtp.c     SMTP: connect, EHLO, STARTTLS, AUTH (Cyrus SASL), teardown
 *   sasl.c     XOAUTH2 and OAUTHBEARER (RFC 7628) for the three logins:
 *              initial responses, error challenges, one retry
 *   smtpcmd.c  SMTP submission of one message: SIZE, per-recipient RCPT
 *              results, DATA, RSET, the unknown outcome of a broken DATA
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
#include <stdint.h>

#include "util/util.h"
#include "util/config.h"
#include "net/limit.h"

/*
 * libetpan's types, forward-declared: only the files of src/net include
 * libetpan.h (through net-int.h, their private header).
 */
struct mailimap;
struct mailpop3;
struct mailsmtp;
struct _mailstream;
struct clist_s;

/* ---- connect.c --------------------------------------------------------- */

#define NET_TIMEOUT_DEFAULT	30	/* seconds */

/*
 * The I/O timeout in seconds: $POSTA_NET_TIMEOUT when it is a number from
 * 1 to 3600, else NET_TIMEOUT_DEFAULT. It bounds the TCP connect, the TLS
 * handshake and every single read or write wait (not a whole command:
 * limit.h gives each reply its deadline).
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

/* What the handshake found. Server-provided text: sanitise to print. */
struct tls_info {
	char	version[16];		/* "TLSv1.3" */
	char	cipher[64];		/* "TLS_AES_256_GCM_SHA384" */
	char	subject[256];		/* "O=posta test lab, CN=localhost" */
	char	issuer[256];
	char	sha256[96];		/* "AB:CD:..." like openssl x509 -fingerprint */
	bool	pinned;			/* trusted by the pin, not the chain */
};

#define TLS_WAIT_ERROR		-1	/* cancelled, or poll failed */
#define TLS_WAIT_TIMEOUT	0
#define TLS_WAIT_DATA		1	/* a read will not wait */
#define TLS_WAIT_WOKEN		2	/* wake_fd became readable */
/* ---- what a connection looks like, for users and the sync engine ------- */

struct net_report {
	const char	*protocol;	/* "IMAP", "POP3", "SMTP" */
	char		 hostport[300];
	enum tls_mode	 tls;		/* as configured */
	struct tls_info	 tls_info;	/* all empty for tls = none */
	bool		 preauth;	/* IMAP PREAUTH: no login was needed */
	bool		 logged_in;
	const char	*mech;		/* how: "LOGIN", "XOAUTH2", ... or NULL */
	bool		 compressed;	/* IMAP COMPRESS=DEFLATE is on */
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
	struct mailimap		*imap;		/* logged in (or PREAUTH) */
	struct _mailstream	*stream;	/* imap->imap_stream, for cancel */
	struct net_report	 report;
	struct perr		 io_err;	/* the stream's first I/O failure */
	/*
	 * A command of imapcmd.c got a reply libetpan could not parse, or one
	 * over posta's bounds (tls_stream_over_limit(): too long, too deep),
	 * sticky. libetpan stops at the first byte it cannot read and leaves
	 * the rest of the reply unread, so the session has lost its place in
	 * the stream: only imap_abort() is left. The server may well be fine, and
	 * a new connection can go on (the sync narrows a batch down that way).
	 */
	bool			 unparsed;
	/*
	 * After a command of imapcmd.c failed: the server's words (sanitised)
	 * when it answered with a tagged NO, else "". The session goes on
	 * after a NO, and a FETCH answered NO may have delivered some of the
	 * messages it asked for before it (Gmail sends the readable ones).
	 */
	char			 refused[320];
	/*
	 * The capabilities as they stood after login, space-separated
	 * ("AUTH=PLAIN" for mechanisms). libetpan replaces its list with any
	 * CAPABILITY the server sends later, unasked too; a partial one must
	 * not take MOVE or UIDPLUS away mid-session (RFC 3501 7.2.1: the
	 * list changes only with STARTTLS and login), so imap_has_cap()
	 * looks here as well as at libetpan's list. NULL before login.
	 */
	char			*caps;
	/*
	 * [ALERT] texts (RFC 3501 7.1: must be shown to the user), sanitised:
	 * handed to alert_cb once one is set, kept until then (at most
	 * IMAP_ALERTS_KEPT, the rest dropped) since the login's come first.
	 */
	void			(*alert_cb)(void *arg, const char *text);
	void			*alert_arg;
	char			*alerts[4];
	size_t			 nalerts;
	struct imap_trace	*trace;
	/*
	 * Untagged STATUS responses taken as answers to posta's own STATUS
	 * commands, and those beyond them already told by
	 * imap_status_heard() (imapcmd-mailbox.c, imapcmd-notify.c).
	 */
	uint64_t		 status_replies, status_heard;
};
#define IMAP_ALERTS_KEPT	4

/*
 * Connect to ep (normally &acct->in) of an IMAP account, verify TLS as
 * configured, log in, re-read the capabilities. Returns a connection that
 * imap_close() frees, or NULL with err set.
 */
struct imap_conn *imap_connect(const struct account *acct,
		    const struct endpoint *ep, struct perr *err);
/*
 * Have every [ALERT] of the server called back as cb(arg, text) (text
 * sanitised, one line), those already received at once. cb is called
 * from inside the connection's I/O: it must not use the connection.
 */
void	imap_set_alert_cb(struct imap_conn *,
	    void (*cb)(void *arg, const char *text), void *arg);
/*
 * A probe (posta setup): what imap_connect() does up to the login, within
 * timeout seconds per I/O wait, then LOGOUT. *rep gets what was learnt
 * (the certificate and its fingerprint even when it was refused; the
 * capabilities offered before login). No password is ever fetched.
 * Returns 0, or -1 with err set as imap_connect() sets it.
 */
int	imap_probe(const struct account *acct, const struct endpoint *ep,
	    int timeout, struct net_report *rep, struct perr *err);
/*
 * "IDLE", "QRESYNC", "AUTH=PLAIN"...: case-insensitive, in libetpan's cache
 * or in what the server said after login (struct imap_conn.caps).
 */
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
	struct mailpop3		*pop;		/* in the TRANSACTION state */
	struct _mailstream	*stream;	/* pop->pop3_stream, for cancel */
	struct clist_s		*capa;		/* of struct mailpop3_capa, or
						   NULL: CAPA not supported */
	struct net_report	 report;
	struct perr		 io_err;
};

/* As imap_connect(), for POP3 (USER/PASS, or SASL PLAIN without USER). */
struct pop3_conn *pop3_connect(const struct account *acct,
		    const struct endpoint *ep, struct perr *err);
/* As imap_probe(), for POP3 (then QUIT: nothing is marked deleted). */
int	pop3_probe(const struct account *acct, const struct endpoint *ep,
	    int timeout, struct net_report *rep, struct perr *err);
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
	struct mailsmtp		*smtp;		/* EHLO done, authenticated */
	struct _mailstream	*stream;	/* smtp->stream, for cancel */
	char			*ehlo;		/* last EHLO reply, one keyword
						   line per '\n' (server text) */
	bool			 starttls_offered; /* before TLS */
	struct net_report	 report;
	struct perr		 io_err;
};

/* As imap_connect(), for SMTP submission (AUTH PLAIN or LOGIN). */
struct smtp_conn *smtp_connect(const struct account *acct,
		    const struct endpoint *ep, struct perr *err);
/* As imap_probe(), for SMTP submission. */
int	smtp_probe(const struct account *acct, const struct endpoint *ep,
	    int timeout, struct net_report *rep, struct perr *err);
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
 * Set err to "hostport: " + the I/O failure recorded in io_err when there
 * is one (it explains a libetpan STREAM error best), else to code and the
 * formatted words. Returns -1.
 */
int	net_fail(struct perr *err, const struct perr *io_err,
	    const char *hostport, enum perr_code code, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/* Append word to a space-separated list in buf (truncating safely). */
void	net_words_add(char *buf, size_t len, const char *word);

/* ---- imapcmd*.c -------------------------------------------------------- */

/*
 * The IMAP commands of the sync engine, answering in plain C data. Mailbox
 * names are the server's raw bytes (modified UTF-7), passed back exactly as
 * LIST gave them. Strings handed to callbacks are raw server text (RFC 2047
 * still encoded) valid only during the call.
 *
 * Every function returns 0, or -1 with err set; imap_err_fatal(err) then
 * says whether the connection is broken (imap_abort() it) or the server
 * only refused this one command: PERR_GENERIC (a NO), PERR_NOTFOUND (a NO
 * to SELECT, EXAMINE or STATUS: no such mailbox, or not selectable; a body
 * that is no longer on the server). A callback's non-zero return stops the
 * deliveries, lets the command finish (libetpan cannot stop half-way
 * through a reply) and is returned; use values > 0.
 */
bool	imap_err_fatal(const struct perr *err);

/* FLAGS as bits; every other flag is a keyword. */
enum imap_flag {
	IMAP_FLAG_SEEN		= 1 << 0,
	IMAP_FLAG_ANSWERED	= 1 << 1,
	IMAP_FLAG_FLAGGED	= 1 << 2,
	IMAP_FLAG_DELETED	= 1 << 3,
	IMAP_FLAG_DRAFT		= 1 << 4,
	IMAP_FLAG_RECENT	= 1 << 5,
};

/*
 * Protocol trace: every command sent is appended to path as "C: ..."
 * (never a chunk libetpan marks private, i.e. the password, which is sent
 * before any trace can start anyway). imap_trace_stop() closes it (NULL is
 * fine) and must come before imap_close().
 */
struct imap_trace;
struct imap_trace *imap_trace_start(struct imap_conn *, const char *path,
		    struct perr *);
void	imap_trace_stop(struct imap_conn *, struct imap_trace *);

/* UID sets: ranges in the order added; adjacent rising ranges merge. */
struct imap_uidrange {
	uint32_t	first, last;
};
struct imap_uidset {
	struct imap_uidrange	*r;
	size_t			 n, cap;
};
void	imap_uidset_add(struct imap_uidset *, uint32_t first, uint32_t last);
void	imap_uidset_free(struct imap_uidset *);
/* A sorted array of UIDs; imap_uids_free() releases v. */
struct imap_uids {
	uint32_t	*v;
	size_t		 n;
};
void	imap_uids_free(struct imap_uids *);

/*
 * Once after login, in one round trip: ENABLE QRESYNC when offered and
 * allow_qresync (else CONDSTORE), and NAMESPACE. *qresync: the server
 * enabled QRESYNC; *condstore: CONDSTORE can be used. *prefix: the first
 * personal namespace ("INBOX." on Courier-style servers, "" on most;
 * malloc'd, the caller frees) and *delim its delimiter (0 when unknown).
 * A refused ENABLE or NAMESPACE is no error: run without (false, "", 0).
 */
int	imap_session_start(struct imap_conn *, bool allow_qresync,
	    bool *qresync, bool *condstore, char **prefix, char *delim,
	    struct perr *);

/* Mailbox attributes from LIST / XLIST (any case), and LSUB. */
enum imap_mbx_attr {
	IMAP_MBX_NOSELECT	= 1 << 0,	/* also set by \NonExistent */
	IMAP_MBX_NONEXISTENT	= 1 << 1,
	IMAP_MBX_NOINFERIORS	= 1 << 2,
	IMAP_MBX_SUBSCRIBED	= 1 << 3,	/* listed by LSUB */
	/* Special use: RFC 6154, or XLIST's names (\AllMail, \Spam, ...). */
	IMAP_MBX_INBOX		= 1 << 4,	/* XLIST \Inbox */
	IMAP_MBX_ALL		= 1 << 5,
	IMAP_MBX_ARCHIVE	= 1 << 6,
	IMAP_MBX_DRAFTS		= 1 << 7,
	IMAP_MBX_FLAGGED	= 1 << 8,
	IMAP_MBX_JUNK		= 1 << 9,
	IMAP_MBX_SENT		= 1 << 10,
	IMAP_MBX_TRASH		= 1 << 11,
};

struct imap_status {
	uint32_t	messages, uidnext, uidvalidity;
	uint32_t	unseen;		/* only when a server volunteers it */
	uint64_t	highestmodseq;	/* 0: not asked (no CONDSTORE) */
};
struct imap_mailbox {
	char		*name;		/* raw (modified UTF-7); "INBOX" */
	char		 delim;		/* hierarchy separator, 0: flat */
	unsigned	 attrs;		/* enum imap_mbx_attr bits */
	bool		 has_status;	/* st came with the LIST (imap_list()) */
	struct imap_status st;
};
struct imap_mailboxes {
	struct imap_mailbox	*v;
	size_t			 n;
	const char		*how;	/* "LIST RETURN (SPECIAL-USE)", "XLIST"
					   or "LIST": where attributes came from */
};
/*
 * Every mailbox: LIST "" "*" with RETURN (SPECIAL-USE) when the server
 * has SPECIAL-USE and LIST-EXTENDED, else XLIST when it has XLIST and no
 * SPECIAL-USE, else plain LIST; then LSUB for IMAP_MBX_SUBSCRIBED.
 * known[0..nknown) names the mailboxes whose STATUS (that of
 * imap_status()) the caller wants, the folders it has synced before:
 * those the round trip of LIST and LSUB has room for get a STATUS
 * command pipelined with them; if some do not fit and the server has
 * LIST-STATUS (RFC 5819), the LIST returns every mailbox's STATUS
 * instead, still one round trip. Not LIST-STATUS whenever they fit: on
 * Dovecot's Maildir it reads every big mailbox's whole uidlist, where
 * STATUS answers from the index (doc/PERFORMANCE.md, a million
 * messages). Each mailbox so described has has_status; a known one
 * left without (no room, refused, a name that needs a literal) is the
 * caller's to ask.
 * imap_mailboxes_free() releases the result.
 */
int	imap_list(struct imap_conn *, const char *const *known, size_t nknown,
	    struct imap_mailboxes *, struct perr *);
void	imap_mailboxes_free(struct imap_mailboxes *);

/*
 * STATUS (MESSAGES UIDNEXT UIDVALIDITY, and HIGHESTMODSEQ when the
 * server has CONDSTORE) of a mailbox not selected.
 */
int	imap_status(struct imap_conn *, const char *mailbox,
	    struct imap_status *, struct perr *);
/*
 * The STATUS of n mailboxes in one round trip (commands pipelined, at most
 * 64 in flight). ok[i] says whether mailboxes[i] was answered (a NO: gone,
 * not allowed); st[i] holds its answer. -1 only when the session failed.
 */
int	imap_status_many(struct imap_conn *, const char *const *mailboxes,
	    size_t n, struct imap_status *st, bool *ok, struct perr *);
/*
 * What INBOX takes on the server in bytes, for posta setup: STATUS (SIZE)
 * (RFC 8438) when offered, else the STORAGE usage of its quota root; -1
 * when the server says nothing usable. Never fails the session.
 */
long long imap_inbox_size(struct imap_conn *);

/* One message's flags, from a FETCH. keywords may be NULL. */
struct imap_flags {
	uint32_t	 uid;
	unsigned	 flags;		/* enum imap_flag bits */
	const char	*keywords;	/* space-separated, NULL: none */
	uint64_t	 modseq;	/* 0: not asked or no CONDSTORE */
};
typedef int	(*imap_flags_cb)(void *arg, const struct imap_flags *);

/* What we know from the last sync, for SELECT ... (QRESYNC (...)). */
struct imap_qresync {
	uint32_t	uidvalidity;
	uint64_t	modseq;
	uint32_t	last_uid;	/* known UIDs are 1:last_uid; 0: none */
};

struct imap_selected {
	uint32_t	uidvalidity;
	uint32_t	uidnext;	/* 0: the server did not say */
	uint32_t	exists;
	uint64_t	highestmodseq;	/* 0: no CONDSTORE, or NOMODSEQ */
	bool		readonly;
	bool		qresync;	/* the QRESYNC parameters were sent */
	/* With qresync and an unchanged UIDVALIDITY: VANISHED (EARLIER). */
	struct imap_uidset vanished;
};

#define IMAP_SELECT_EXAMINE	0x1	/* read-only: EXAMINE */
#define IMAP_SELECT_CONDSTORE	0x2	/* ask for CONDSTORE */
/*
 * SELECT (or EXAMINE) a mailbox. With qr (and QRESYNC enabled) the command
 * is built by hand (libetpan's own is broken): every message changed since
 * qr->modseq is given to changed (may be NULL) during the command, and the
 * expunged UIDs land in sel->vanished. Without qr, IMAP_SELECT_CONDSTORE
 * asks for HIGHESTMODSEQ. If the server's UIDVALIDITY is not
 * qr->uidvalidity it sends neither: compare sel->uidvalidity.
 * imap_selected_free() releases sel (also after a failure).
 */
int	imap_select(struct imap_conn *, const char *mailbox, int how,
	    const struct imap_qresync *qr, imap_flags_cb changed, void *arg,
	    struct imap_selected *sel, struct perr *);
void	imap_selected_free(struct imap_selected *);

/*
 * UID FETCH first:last (FLAGS), last 0 meaning '*', with (CHANGEDSINCE n)
 * and MODSEQ when changedsince is not 0. Streamed: one message at a time,
 * nothing kept, whatever the size of the mailbox.
 */
int	imap_fetch_flags(struct imap_conn *, uint32_t first, uint32_t last,
	    uint64_t changedsince, imap_flags_cb, void *arg, struct perr *);
/*
 * "UID SEARCH " + args in the selected mailbox, into *out (ascending).
 * args is one line but for synchronizing literals: each "{N}\r\n" is sent,
 * then the server's "+" awaited, then the N bytes (RFC 3501 7.5), so
 * args must come from search_imap(), which writes a CRLF nowhere else.
 * A refusal (NO, BAD, a literal not taken) is PERR_GENERIC with the
 * server's words and leaves the session usable; anything else is as
 * imap_error() says. imap_uids_free() releases out.
 */
int	imap_uid_search(struct imap_conn *, const char *args,
	    struct imap_uids *out, struct perr *);

/*
 * UID SEARCH UID first:last (last 0: '*') into *out, ascending; only UIDs
 * within the range (the server answers "n:*" with the last message even
 * when it is below n). imap_uids_free() releases out.
 */
int	imap_search_uids(struct imap_conn *, uint32_t first, uint32_t last,
	    struct imap_uids *out, struct perr *);

/* An address from ENVELOPE, raw: name may be RFC 2047 encoded or NULL. */
struct imap_addr {
	const char	*name;
	const char	*mailbox;
	const char	*host;
};

/* One message's header data, from UID FETCH (see imap_fetch_headers()). */
struct imap_header {
	uint32_t		 uid;
	unsigned		 flags;		/* enum imap_flag bits */
	const char		*keywords;	/* NULL: none */
	uint64_t		 modseq;	/* 0 unless asked */
	int64_t			 internal_date;	/* unix time */
	uint32_t		 size;		/* RFC822.SIZE */
	bool			 has_attachments; /* from BODYSTRUCTURE */
	/* ENVELOPE, raw server strings, NULL for NIL. */
	const char		*date;
	const char		*subject;
	const char		*message_id;	/* with its <> */
	const char		*in_reply_to;
	const struct imap_addr	*from, *to, *cc;
	size_t			 nfrom, nto, ncc;
	/*
	 * BODY[HEADER.FIELDS (References In-Reply-To)]: the raw header
	 * lines (folded, CRLF), not NUL-terminated; NULL when absent.
	 */
	const char		*refs;
	size_t			 refs_len;
};
typedef int	(*imap_header_cb)(void *arg, const struct imap_header *);
/*
 * UID FETCH of the n UIDs in uids (one batch: a few hundred) with UID,
 * FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODYSTRUCTURE, the threading
 * headers and, when modseq, MODSEQ. cb gets each message as it is parsed,
 * in the server's order; UIDs no longer on the server are simply missing.
 * A tagged NO fails the fetch (PERR_GENERIC, imap_conn.refused) after cb
 * got whatever the server sent before it.
 */
int	imap_fetch_headers(struct imap_conn *, const uint32_t *uids, size_t n,
	    bool modseq, imap_header_cb cb, void *arg, struct perr *);

/*
 * imap_fetch_headers() and imap_fetch_bodies() split a big request into
 * up to this many UID FETCH commands sent at once (pipelined, as mbsync
 * does), their replies read in order: one round trip for all. The depth
 * is $POSTA_FETCH_PIPELINE (1 to 16; 1: one command at a time), else
 * IMAP_FETCH_DEPTH. Callers size their requests by it.
 */
#define IMAP_FETCH_DEPTH	4
int	imap_fetch_depth(void);

/*
 * Bodies: UID FETCH BODY.PEEK[] (never sets \Seen). The literal is
 * streamed into one growing buffer (libetpan's handler), and a body larger
 * than max bytes is read to its end and dropped, so the session stays in
 * step; the callback then gets raw NULL and len the size the server sent
 * (whatever RFC822.SIZE said). posta passes MAIL_MSG_MAX (mail.h). A
 * tagged NO fails the fetch, with imap_conn.refused set.
 */
typedef int	(*imap_body_cb)(void *arg, uint32_t uid, const char *raw,
		    size_t len);
/* Several bodies in one command; raw is NUL-terminated after len bytes,
 * or NULL for a body over max (len bytes were read and dropped). */
int	imap_fetch_bodies(struct imap_conn *, const uint32_t *uids, size_t n,
	    size_t max, imap_body_cb cb, void *arg, struct perr *);
/*
 * One body into *raw (malloc'd, NUL-terminated after *len bytes; the
 * caller frees). A UID no longer on the server is PERR_NOTFOUND; a body
 * over max, PERR_GENERIC.
 */
int	imap_fetch_body(struct imap_conn *, uint32_t uid, size_t max,
	    char **raw, size_t *len, struct perr *);

/*
 * Push (libetpan-guide.md 3.9). What a reply said about the selected
 * mailbox, as flags only: the caller pulls the folder to learn the rest.
 */
struct imap_news {
	bool	exists;		/* EXISTS: new mail (or a new count) */
	bool	expunged;	/* EXPUNGE or VANISHED */
	bool	flags;		/* an unsolicited FETCH: flags changed */
	bool	missed;		/* untagged data before "+ idling" (unseen) */
	bool	others;		/* an unasked STATUS: NOTIFY's news of
				   another mailbox (not in imap_news_any) */
};
bool	imap_news_any(const struct imap_news *);
bool	imap_can_idle(const struct imap_conn *);
/*
 * IDLE on the selected mailbox (none selected: PERR_GENERIC, nothing
 * sent), up to the server's "+". Untagged lines before it set
 * news->missed. Then imap_idle_wait() (TLS_WAIT_* of tls_wait_readable(),
 * which sees data already buffered) and imap_idle_done() (DONE, and the
 * news that came meanwhile). Re-IDLE within 29 minutes (RFC 2177).
 */
int	imap_idle_start(struct imap_conn *, struct imap_news *news,
	    struct perr *);
int	imap_idle_wait(struct imap_conn *, int wake_fd, int ms);
/*
 * imap_idle_wait() on two connections idling at once (the second one on
 * INBOX, drv-imap-aux.c): TLS_WAIT_DATA with bit 0 of *ready set when c
 * has data, bit 1 when c2 has.
 */
int	imap_idle_wait2(struct imap_conn *c, struct imap_conn *c2, int wake_fd,
	    int ms, unsigned *ready);
int	imap_idle_done(struct imap_conn *, struct imap_news *news,
	    struct perr *);
/*
 * NOTIFY (RFC 5465), when the server offers it: from now on changes in
 * every personal mailbox are told by STATUS, in IDLE and NOOP replies
 * (imap_news.others). A NO is PERR_GENERIC; the session goes on.
 */
bool	imap_can_notify(const struct imap_conn *);
int	imap_notify_set(struct imap_conn *, struct perr *);
/*
 * Did an untagged STATUS that posta did not ask for (NOTIFY's news of
 * another mailbox) come since the last call, in the reply to any command
 * (a FETCH, a SELECT, NOTIFY itself)? libetpan keeps such a response only
 * until the next command; the stream's lexer counts every one.
 */
bool	imap_status_heard(struct imap_conn *);
/* NOOP, for servers without IDLE: the news it brought. */
int	imap_noop(struct imap_conn *, struct imap_news *news, struct perr *);

/*
 * Changing the server, for the journal replay. Flags are enum imap_flag
 * bits plus space-separated keywords ("\Foo" is an extension flag).
 * A NO (or a BAD to the command itself) is PERR_GENERIC with the server's
 * words; the session goes on.
 */
/* UID STORE +FLAGS.SILENT (add) or -FLAGS.SILENT: never a FLAGS replace. */
int	imap_store_flags(struct imap_conn *, const uint32_t *uids, size_t n,
	    bool add, unsigned flags, const char *keywords, struct perr *);
/* COPYUID: source UID -> UID in the destination, in order. */
struct imap_uidpair {
	uint32_t	src, dst;
};
struct imap_copyuid {
	uint32_t		 uidvalidity;	/* of the destination; 0: none */
	struct imap_uidpair	*v;
	size_t			 n;
};
/* The destination UID of src, 0 when COPYUID did not say. */
uint32_t imap_copyuid_dst(const struct imap_copyuid *, uint32_t src);
void	imap_copyuid_free(struct imap_copyuid *);
/*
 * UID MOVE (move: the server must have MOVE) or UID COPY of uids to
 * mailbox; *out gets COPYUID when the server sends it (UIDPLUS);
 * imap_copyuid_free() releases it.
 */
int	imap_uid_copy(struct imap_conn *, const uint32_t *uids, size_t n,
	    const char *mailbox, bool move, struct imap_copyuid *out,
	    struct perr *);
/* UID EXPUNGE (UIDPLUS): only these UIDs. */
int	imap_uid_expunge(struct imap_conn *, const uint32_t *uids, size_t n,
	    struct perr *);
/* EXPUNGE: every \Deleted message of the selected mailbox. */
int	imap_expunge(struct imap_conn *, struct perr *);
/*
 * APPEND raw to mailbox with flags and INTERNALDATE (unix time, 0: the
 * server's now); *uidvalidity and *uid from APPENDUID, 0 without UIDPLUS.
 */
int	imap_append(struct imap_conn *, const char *mailbox, unsigned flags,
	    const char *keywords, int64_t internal_date, const char *raw,
	    size_t len, uint32_t *uidvalidity, uint32_t *uid, struct perr *);
enum imap_mbx_cmd {
	IMAP_MBX_CREATE,
	IMAP_MBX_DELETE,
	IMAP_MBX_RENAME,	/* mailbox -> newname */
	IMAP_MBX_SUBSCRIBE,
	IMAP_MBX_UNSUBSCRIBE,
};
/* CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE of raw mailbox names. */
int	imap_mailbox_cmd(struct imap_conn *, enum imap_mbx_cmd,
	    const char *mailbox, const char *newname, struct perr *);
/* UID SEARCH HEADER name value (e.g. Message-ID), ascending. */
int	imap_search_header(struct imap_conn *, const char *header,
	    const char *value, struct imap_uids *out, struct perr *);
/* UID SEARCH DELETED, ascending. */
int	imap_search_deleted(struct imap_conn *, struct imap_uids *out,
	    struct perr *);
/* Which of uids are in the selected mailbox (UID SEARCH UID set). */
int	imap_uids_exist(struct imap_conn *, const uint32_t *uids, size_t n,
	    struct imap_uids *out, struct perr *);
/* Is uid in u (sorted)? */
bool	imap_uids_has(const struct imap_uids *u, uint32_t uid);

/* ---- pop3cmd.c --------------------------------------------------------- */

/*
 * The POP3 commands of the sync, read by posta (not libetpan) with bounds.
 * Every function returns 0, or -1 with err set; pop3_err_fatal(err) then
 * says whether the session is broken (I/O error, EOF, timeout, garbage, a
 * reply over its bound: the stream is already cancelled, so QUIT can no
 * longer commit a DELE; pop3_close(c, false) it) or the server only
 * answered -ERR to this one command (PERR_GENERIC; the session goes on).
 */
#define POP3_MSGS_MAX	1000000			/* messages in a maildrop */
#define POP3_UIDL_MAX	70			/* RFC 1939 */
bool	pop3_err_fatal(const struct perr *err);

/* STAT: message count (at most POP3_MSGS_MAX) and total size. */
int	pop3_stat(struct pop3_conn *, unsigned *count, uint64_t *octets,
	    struct perr *);

struct pop3_msg {
	unsigned	 num;		/* message number, this session only */
	uint64_t	 size;		/* octets, from LIST */
	/*
	 * The UIDL as posta stores it, NULL when there is none usable: the
	 * server lacks UIDL, left this message out, or gave the same UIDL
	 * (or number) twice. Bytes outside RFC 1939's 0x21-0x7E and '%' are
	 * written %XX, so distinct server strings stay distinct.
	 */
	char		*uidl;
};
struct pop3_msgs {
	struct pop3_msg	*v;		/* ascending num */
	size_t		 n;
	bool		 uidl;		/* the server answered UIDL */
	size_t		 dup;		/* UIDLs dropped as duplicates */
	size_t		 odd;		/* UIDLs outside RFC 1939 (kept) */
};
/*
 * STAT, LIST and UIDL into *m (pop3_msgs_free() releases it). A list
 * longer than STAT's count is refused (an endless list), as is any line
 * longer than 4 KiB. A server answering UIDL with -ERR gives m->uidl false.
 */
int	pop3_scan(struct pop3_conn *, struct pop3_msgs *m, struct perr *);
void	pop3_msgs_free(struct pop3_msgs *);

/*
 * RETR num into *raw (malloc'd, NUL-terminated after *len bytes; the caller
 * frees): dot-unstuffed, line ends as the server sent them. A message over
 * max bytes (posta uses MAIL_MSG_MAX, mail.h) breaks the session; check LIST's
 * size first to skip it. -ERR (no such message) is PERR_GENERIC.
 */
int	pop3_retr(struct pop3_conn *, unsigned num, size_t max, char **raw,
	    size_t *len, struct perr *);
/* TOP num lines: the header and that many body lines, as pop3_retr(). */
int	pop3_top(struct pop3_conn *, unsigned num, unsigned lines, size_t max,
	    char **raw, size_t *len, struct perr *);
/* DELE marks; the server deletes at a QUIT that answers +OK only. */
int	pop3_dele(struct pop3_conn *, unsigned num, struct perr *);
int	pop3_rset(struct pop3_conn *, struct perr *);
/*
 * QUIT and wait for the answer: 0 means the server confirmed the UPDATE
 * (every DELE of the session is applied). Either way the session is over:
 * free it with pop3_close(c, false).
 */
int	pop3_quit(struct pop3_conn *, struct perr *);

/* ---- smtpcmd.c --------------------------------------------------------- */

/*
 * Submitting one message. The outcome says what the caller may do next:
 *   SMTP_SENT     the server took the message for every recipient;
 *   SMTP_PARTIAL  it took it, but refused some recipients (see rcpt[]);
 *   SMTP_REFUSED  not sent: a refusal (sender, every recipient, DATA, the
 *                 message), SIZE over the server's limit, or a connection
 *                 lost before DATA; safe to try again later, though a
 *                 permanent refusal will come again unless something
 *                 changes;
 *   SMTP_UNKNOWN  the connection broke after the message went out and
 *                 before the server's answer: it may have been delivered.
 *                 Never resend it without asking the user.
 */
enum smtp_outcome {
	SMTP_SENT,
	SMTP_PARTIAL,
	SMTP_REFUSED,
	SMTP_UNKNOWN,
};

struct smtp_rcpt_result {
	char	*addr;
	bool	 accepted;
	int	 code;		/* the server's reply code; 0: not asked */
	char	 text[400];	/* its words (sanitised), or why not asked */
	bool	 permanent;	/* refused for good: 5xx, or not askable */
};

struct smtp_result {
	enum smtp_outcome	 outcome;
	struct smtp_rcpt_result	*rcpt;		/* one per recipient, in order */
	size_t			 nrcpt;
	size_t			 accepted;
	int			 code;		/* the deciding reply, 0: none */
	char			 text[400];
	bool			 usable;	/* the connection can take the
						   next message */
	/*
	 * Refused for good, as it is (SMTP_REFUSED), or for some recipient
	 * (SMTP_PARTIAL): a 5xx reply, an address SMTP cannot carry, a
	 * message over SIZE. False for a 4xx or a lost connection, which
	 * may pass by themselves.
	 */
	bool			 permanent;
};

/*
 * Send msg[0..len) (CRLF or LF line ends; no Bcc header) from `from` to
 * the n recipients: the size is checked against smtp_max_size() before
 * anything is sent; MAIL FROM carries SIZE= when the server offers it,
 * and BODY=8BITMIME when msg has 8-bit bytes and the server offers
 * 8BITMIME (else the caller sends it 7-bit: compose_downgrade());
 * every recipient gets its own RCPT and its own result; DATA only when at
 * least one was accepted; RSET after a refusal. Returns 0 when the server
 * accepted the message (SMTP_SENT or SMTP_PARTIAL), else -1 with err set
 * and res->outcome SMTP_REFUSED or SMTP_UNKNOWN (err->code PERR_RCPT when
 * every recipient was refused: res->rcpt has each one's reply). res is
 * always filled; smtp_result_free() releases it.
 */
int	smtp_submit(struct smtp_conn *, const char *from,
	    const char *const *rcpts, size_t n, const char *msg, size_t len,
	    struct smtp_result *res, struct perr *err);
void	smtp_result_free(struct smtp_result *);

#endif
