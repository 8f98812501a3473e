/*
 * tls-int.h - private to the stream files of src/net: the driver's state
 * and the helpers they share. Floors, bottom first (each calls only the
 * ones below it): tls.c (the mailstream_low driver: I/O, cancel, the
 * lexer), compress.c (the DEFLATE layer stacked on it), tls-stream.c
 * (limits, waiting and the rest of tls_stream_*(), seen through the
 * compress layer), tls-verify.c (handshake and verification), the top.
 */
#ifndef POSTA_TLS_INT_H
#define POSTA_TLS_INT_H

#include <stdatomic.h>

#include <openssl/ssl.h>

#include "net/net-int.h"

struct tls_low {
	int		 fd;
	SSL		*ssl;		/* NULL in the plain phase */
	int		 cancel[2];	/* a pipe; once written, never drained */
	atomic_int	 cancelled;
	struct perr	*io_err;	/* the caller's; may be NULL */
	struct net_lexer *lx;		/* NULL until tls_stream_limit() */
	bool		 over_limit;	/* the lexer refused a reply */
	bool		 compressed;	/* compress.c is above: it feeds the
					   lexer what it inflated */
};

/* The driver's state of a low driver of ours (tls.c), else NULL. */
struct tls_low	*tls_low_data(mailstream_low *low);
/*
 * The driver's state of a stream of ours, under a compress layer or not
 * (tls-stream.c), NULL for any other stream.
 */
struct tls_low	*tls_stream_data(mailstream *s);
/* Make every later I/O on the stream fail at once (sticky). */
void		 tls_mark_cancelled(struct tls_low *d);
/* Record the stream's failure in its io_err (the first one sticks). */
void		 tls_fail(struct tls_low *d, enum perr_code code,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Count n bytes the server sent through the stream's lexer (limit.c).
 * Returns 0, or -1 with the failure recorded and the stream cancelled.
 */
int		 tls_count_read(struct tls_low *d, const void *buf, size_t n);

/* tls_wait_io(): */
#define WAIT_READY	1
#define WAIT_TIMEOUT	0
#define WAIT_CANCEL	-1
#define WAIT_ERROR	-2

/* Wait until fd has events, the cancel pipe fires, or ms elapse. */
int		 tls_wait_io(struct tls_low *d, short events, int ms);
/* The stream's I/O timeout in milliseconds. */
int		 tls_timeout_ms(mailstream_low *s);
/* OpenSSL's words for the last error, else errno's. */
const char	*tls_ossl_reason(void);

#endif
