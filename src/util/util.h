/*
 * util.h - the face of src/util: errors, strings, terminal-safe text, config.
 *
 *   err.c       struct perr: an error code and the words that explain it
 *   str.c       allocation that cannot fail silently, small string helpers
 *   clock.c     the monotonic clock
 *   utf8.c      the one UTF-8 decoder and encoder
 *   sanitize.c  the one choke point between untrusted bytes and the terminal
 *   text.c      display width (wcwidth) and fitting text to columns; JSON
 *   http.c      one bounded HTTPS request (libcurl): autoconfig, OAuth2
 *   config.c    the INI configuration (libinih), see config.h
 *   confwrite.c adding one section to the file (posta setup)
 *
 * Nothing here knows about sockets, SQL or ncurses.
 */
#ifndef POSTA_UTIL_H
#define POSTA_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Error classes: callers branch on these, users read msg. */
enum perr_code {
	PERR_OK = 0,
	PERR_GENERIC,      /* anything without a better class */
	PERR_CONFIG,       /* configuration file or value */
	PERR_NOMEM,
	PERR_IO,           /* local file or process */
	PERR_CONNECT,      /* connection refused, name lookup failed */
	PERR_TIMEOUT,      /* connect or read timed out */
	PERR_TLS,          /* handshake failed, protocol version */
	PERR_CERT,         /* certificate not trusted (chain or pin) */
	PERR_HOSTNAME,     /* certificate does not name the host */
	PERR_STARTTLS,     /* STARTTLS missing, refused or tampered with */
	PERR_PROTOCOL,     /* the server said something we cannot accept */
	PERR_AUTH,         /* login refused */
	PERR_STORE,        /* SQLite */
	PERR_NOTFOUND,
	PERR_SYNTAX,        /* a query the user typed (src/search) */
	PERR_RCPT,          /* SMTP: every recipient was refused */
	PERR_FORCE,         /* refused unless forced (a folder holding mail) */
};

/* An error travels with its words. msg is always NUL-terminated. */
struct perr {
	enum perr_code	code;
	char		msg[1024];
};

void	perr_clear(struct perr *);
/* Set code and message; returns -1 so that "return perr_set(...)" reads well. */
int	perr_set(struct perr *, enum perr_code, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * Put context in front of an existing message: "ctx: old message", unless
 * the message starts with that context already (a lower layer that knew
 * it, e.g. the account, said so), so that a caller adds its context
 * without looking at the words.
 */
void	perr_prefix(struct perr *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Allocation: these abort with a message on out-of-memory, so never NULL. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/*
 * A malloc'd copy of s (the caller frees it), or NULL when s is NULL or "":
 * how the store keeps a header field that is absent. s stays the caller's.
 */
char	*xstrdup_nonempty(const char *s);
/* Returns a malloc'd string; the caller frees it. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list);

/*
 * The decimal value of environment variable name when it is set and in
 * lo..hi, else def: the test and tuning knobs (POSTA_NET_TIMEOUT...).
 */
long	 env_long(const char *name, long lo, long hi, long def);

/* Overwrite then free a secret (passwords). NULL is fine. */
void	 secret_free(char *);

/*
 * UTF-8 (utf8.c). utf8_get() decodes one character at s (n > 0 bytes
 * available) and returns its length, or 1 with *cp = UTF8_REPLACEMENT for
 * an invalid, overlong, surrogate or truncated sequence, so that decoding
 * always makes progress. utf8_put() writes c (at most 4 bytes; a surrogate
 * or a value past U+10FFFF becomes U+FFFD) and returns the length.
 */
#define UTF8_REPLACEMENT	0xFFFDu
size_t	 utf8_get(const char *s, size_t n, uint32_t *cp);
size_t	 utf8_put(uint32_t c, char *out);
bool	 utf8_valid(const char *s, size_t n);

/*
 * Terminal sanitising (sanitize.c). Every byte from a message, a server or a
 * file passes through here before it can reach a terminal.
 *
 * sanitize_text() returns a malloc'd NUL-terminated UTF-8 string (caller
 * frees): invalid UTF-8 becomes U+FFFD; C0 controls (but tab and, when
 * keep_newlines, newline), DEL, C1 controls, and bidi override/isolate
 * characters are removed; tabs become a space unless keep_newlines.
 */
char	*sanitize_text(const char *, size_t, bool keep_newlines);
/* Convenience for a NUL-terminated string on one line. */
char	*sanitize_line(const char *);

/*
 * Display text (text.c). Input must already be sanitised UTF-8.
 * text_width() is the number of terminal columns s takes (wcwidth; a
 * character wcwidth cannot measure counts as 1).
 * text_fit() returns a malloc'd copy of s cut or padded with spaces to
 * exactly cols columns; a cut string ends in "~" when cols > 1. A wide
 * character that would straddle the edge is replaced by a space.
 */
int	 text_width(const char *);
char	*text_fit(const char *, int cols);
/* Every non-ASCII character of s (UTF-8) replaced by '?', in place: the
 * text a terminal that is not UTF-8 can show. */
void	 text_asciify(char *);

/*
 * Append s to *buf (malloc'd, *len bytes used, *cap allocated; all may
 * start 0/NULL) as a JSON string with quotes, escaping '"', '\\' and every
 * control character as \uXXXX. Invalid UTF-8 must be sanitised first.
 */
void	 json_append_string(char **buf, size_t *len, size_t *cap, const char *s);

/* ---- clock.c -------------------------------------------------------------- */

/* The monotonic clock in microseconds and in milliseconds. */
int64_t	 mono_us(void);
int64_t	 mono_ms(void);

/* ---- http.c --------------------------------------------------------------- */

struct http_request {
	const char	*url;		/* https:// only */
	const char	*form;		/* POST this urlencoded form; NULL: GET */
	const char	*ca_file;	/* extra trust anchors, or NULL */
	size_t		 max;		/* bytes: a longer body is refused */
	int		 timeout;	/* seconds for the whole exchange */
	/* "ADDRESS:PORT" every connection goes to instead, the URL's host
	 * still checked against the certificate (tests); NULL: none. */
	const char	*connect_to;
};

struct http_reply {
	long	 status;		/* HTTP status */
	char	*body;			/* NUL-terminated, malloc'd: free() */
	size_t	 len;
};

/*
 * One request as rq says (a GET follows at most 3 redirects, https://
 * only; a POST follows none). Returns 0 with out filled whatever the
 * status, or -1 with err set: PERR_CONFIG for an address that is not
 * https://, PERR_PROTOCOL for a body over rq->max, PERR_CERT, PERR_CONNECT.
 * Errors name rq->url and rq->what, never the form.
 */
int	 http_fetch(const struct http_request *rq, struct http_reply *out,
	    struct perr *err);
/* "https://" followed by a host. */
bool	 http_url_is_https(const char *url);
/* s percent-encoded for a form or a query (malloc'd: free()). */
char	*http_form_escape(const char *s);

#endif
