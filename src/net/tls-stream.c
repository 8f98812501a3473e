/*
 * tls-stream.c - what the protocol files ask of a stream of posta's
 * (tls_stream_*(), tls_wait_*() of net-int.h), seen through the COMPRESS
 * layer when there is one.
 *
 * Floors of the stream code: tls.c (the driver) is the bottom; compress.c
 * is stacked on it and calls only it; this file is above both, since
 * finding the driver's state and data waiting to be read means looking
 * through the compress layer; tls-verify.c (the handshake) is the top and
 * calls this file and tls.c. No file calls a floor above its own.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>

#include <openssl/ssl.h>

#include "net/tls-int.h"

struct tls_low *
tls_stream_data(mailstream *s)
{
	/* Under COMPRESS the TLS driver is the one beneath. */
	if (s == NULL)
		return NULL;
	return tls_low_data(compress_low_inner(mailstream_get_low(s)));
}

void
tls_stream_cancel(mailstream *s)
{
	if (tls_stream_data(s) != NULL)
		mailstream_cancel(s);
}

void
tls_stream_limit(mailstream *s, enum net_ctx ctx)
{
	struct tls_low		*d = tls_stream_data(s);
	struct net_limits	 l;

	if (d == NULL)
		return;
	net_limits_for(ctx, &l);
	if (d->lx == NULL)
		d->lx = net_lexer_new(&l, mono_ms());
	else
		net_lexer_set(d->lx, &l);
}

bool
tls_stream_over_limit(mailstream *s)
{
	struct tls_low	*d = tls_stream_data(s);

	return d != NULL && d->over_limit;
}

uint64_t
tls_stream_statuses(mailstream *s)
{
	struct tls_low	*d = tls_stream_data(s);

	return d != NULL && d->lx != NULL ? net_lexer_statuses(d->lx) : 0;
}

bool
tls_stream_is_tls(mailstream *s)
{
	struct tls_low	*d = tls_stream_data(s);

	return d != NULL && d->ssl != NULL;
}

/* Has s bytes a poll() on its socket cannot see (libetpan's, OpenSSL's)? */
static bool
tls_buffered(mailstream *s, struct tls_low *d)
{
	return s->read_buffer_len > 0 || compress_stream_pending(s) ||
	    (d->ssl != NULL && (SSL_pending(d->ssl) > 0 ||
	    SSL_has_pending(d->ssl)));
}

int
tls_wait_readable(mailstream *s, int wake_fd, int ms)
{
	unsigned	ready;

	return tls_wait_any(&s, 1, wake_fd, ms, &ready);
}

int
tls_wait_any(mailstream **s, size_t n, int wake_fd, int ms, unsigned *ready)
{
	struct tls_low	*d[TLS_WAIT_MAX];
	struct pollfd	 pfd[2 * TLS_WAIT_MAX + 1];
	long long	 deadline = 0, left;
	size_t		 i;
	int		 k, nfd;

	*ready = 0;
	if (n == 0 || n > TLS_WAIT_MAX)
		return TLS_WAIT_ERROR;
	for (i = 0; i < n; i++)
		if ((d[i] = tls_stream_data(s[i])) == NULL ||
		    atomic_load(&d[i]->cancelled))
			return TLS_WAIT_ERROR;
	/* Bytes that are already here: poll() on the socket cannot see them. */
	for (i = 0; i < n; i++)
		if (tls_buffered(s[i], d[i]))
			*ready |= 1u << i;
	if (*ready != 0)
		return TLS_WAIT_DATA;
	if (ms >= 0)
		deadline = mono_ms() + ms;
	for (;;) {
		/* Each stream's socket, then its cancel pipe; wake_fd last. */
		for (i = 0, nfd = 0; i < n; i++) {
			pfd[nfd].fd = d[i]->fd;
			pfd[nfd].events = POLLIN;
			pfd[nfd++].revents = 0;
			pfd[nfd].fd = d[i]->cancel[0];
			pfd[nfd].events = POLLIN;
			pfd[nfd++].revents = 0;
		}
		if (wake_fd >= 0) {
			pfd[nfd].fd = wake_fd;
			pfd[nfd].events = POLLIN;
			pfd[nfd++].revents = 0;
		}
		left = -1;
		if (ms >= 0 && (left = deadline - mono_ms()) < 0)
			left = 0;
		k = poll(pfd, (nfds_t)nfd, (int)left);
		if (k == -1) {
			if (errno == EINTR)
				continue;
			return TLS_WAIT_ERROR;
		}
		if (k == 0)
			return TLS_WAIT_TIMEOUT;
		for (i = 0; i < n; i++)
			if (pfd[2 * i + 1].revents != 0)
				return TLS_WAIT_ERROR;
		for (i = 0; i < n; i++)
			if (pfd[2 * i].revents != 0)
				*ready |= 1u << i;
		if (*ready != 0)
			return TLS_WAIT_DATA;
		return TLS_WAIT_WOKEN;
	}
}
