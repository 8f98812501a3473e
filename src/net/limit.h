/*
 * limit.h - how much a server may send, and how slowly (limit.c).
 *
 * libetpan reads whatever a server sends into memory: a line that never
 * ends, a literal announced as {4294967295}, a reply of endless lines all
 * grow without bound, and its parser recurses once per parenthesis of a
 * BODYSTRUCTURE. posta's mailstream_low driver (tls.c) sees every byte
 * before libetpan does, so it feeds them to a small lexer that knows just
 * enough of IMAP, POP3 and SMTP to count:
 *   - the length of a response line (IMAP: a logical line, with the
 *     literals in it, which libetpan keeps in one buffer);
 *   - each IMAP literal's announced size, checked before libetpan
 *     allocates it;
 *   - every byte of the reply to the current command (libetpan keeps a
 *     whole IMAP reply in memory until its tagged line);
 *   - IMAP parenthesis nesting outside quoted strings and literals.
 * The first bound passed fails the read, so the bytes never reach
 * libetpan, and the connection is over.
 *
 * The same lexer keeps the reply's deadline: a command's reply may take
 * base seconds plus one second for every rate bytes received, so a server
 * that drips a byte now and then cannot hold a connection forever, while
 * a big download at any reasonable speed is never cut.
 */
#ifndef POSTA_NET_LIMIT_H
#define POSTA_NET_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

enum net_proto {
	NET_PROTO_IMAP,
	NET_PROTO_POP3,
	NET_PROTO_SMTP,
};

/* Bounds for one kind of command; a size of 0 means no bound. */
struct net_limits {
	enum net_proto	 proto;
	const char	*what;		/* "a command's reply": for the
					   error message */
	uint64_t	 line_max;	/* one response line */
	uint64_t	 literal_max;	/* one IMAP literal */
	/*
	 * Not 0: literals of a message body (BODY[...], RFC822,
	 * RFC822.TEXT) are streamed to the caller by libetpan's body
	 * handler, so they are bounded by this alone and count neither
	 * towards the line nor the reply. 0: they are ordinary literals.
	 */
	uint64_t	 body_max;
	uint64_t	 response_max;	/* the whole reply to one command */
	unsigned	 depth_max;	/* IMAP ( ) nesting */
};

/* What the callers of net.h ask for, per protocol and command. */
enum net_ctx {
	NET_CTX_IMAP_LOGIN,	/* greeting, STARTTLS, CAPABILITY, LOGIN */
	NET_CTX_IMAP,		/* LIST, SELECT, SEARCH, STORE, IDLE... */
	NET_CTX_IMAP_FETCH,	/* FETCH of flags or headers, QRESYNC */
	NET_CTX_IMAP_BODY,	/* FETCH BODY[] with the body handler */
	NET_CTX_POP3_LOGIN,	/* greeting, CAPA, STLS, USER/PASS */
	NET_CTX_POP3,		/* after login: pop3cmd.c bounds its reads */
	NET_CTX_SMTP,
};

#define NET_DEPTH_MAX		100	/* ( ) levels: real mail needs ~30 */
#define NET_DEADLINE_BASE	300	/* seconds */
#define NET_DEADLINE_RATE	1024	/* bytes per second after that */

/* The bounds of ctx into *l (static strings, nothing to free). */
void	net_limits_for(enum net_ctx ctx, struct net_limits *l);

/*
 * The reply deadline: $POSTA_NET_DEADLINE, "SECONDS" or
 * "SECONDS/BYTES_PER_SECOND" (1 to 86400 and 1 to 1e9), else
 * NET_DEADLINE_BASE and NET_DEADLINE_RATE.
 */
void	net_deadline(unsigned *base, unsigned *rate);

struct net_lexer;

/*
 * A lexer for one connection, with the bounds of l and the deadline of
 * net_deadline(); its clock starts at now_ms (monotonic milliseconds).
 * Freed with net_lexer_free(). Never NULL (allocation aborts).
 */
struct net_lexer *net_lexer_new(const struct net_limits *l, long long now_ms);
void	net_lexer_free(struct net_lexer *);
/* New bounds from the next byte on; what was counted stays counted. */
void	net_lexer_set(struct net_lexer *, const struct net_limits *);
/* A command went out at now_ms: a new reply, a new deadline. */
void	net_lexer_sent(struct net_lexer *, long long now_ms);
/*
 * Count n bytes just read. Returns 0, or -1 with err set (PERR_PROTOCOL,
 * naming the bound and the context) at the first byte over a bound; from
 * then on the lexer refuses everything.
 */
int	net_lexer_feed(struct net_lexer *, const char *buf, size_t n,
	    struct perr *err);
/*
 * How many untagged STATUS responses (IMAP: "* STATUS" at a line's start,
 * not inside a literal) were read so far: NOTIFY's news come as those, in
 * the reply to any command (imap_status_heard()).
 */
uint64_t net_lexer_statuses(const struct net_lexer *);
/*
 * When the reply to the current command is overdue, in monotonic
 * milliseconds: its start + base s + 1 s per rate bytes received so far.
 */
long long net_lexer_due(const struct net_lexer *);
/* Word an overdue reply at now_ms into err (PERR_TIMEOUT); returns -1. */
int	net_lexer_overdue(const struct net_lexer *, long long now_ms,
	    struct perr *err);

#endif
