/*
 * tls.c - the OpenSSL mailstream_low driver under every posta connection.
 *
 * libetpan's own TLS (GnuTLS on Debian) verifies no certificate, so posta
 * gives libetpan a stream whose low driver is this file. One driver serves
 * both phases of a connection: ssl == NULL is the plain phase (greeting,
 * STARTTLS), and tls_stream_handshake() turns the same object into TLS in
 * place, so nothing is swapped under a session's feet.
 *
 * The driver contract (libetpan 1.9.4, mailstream_low.c and mailstream.c):
 * read returns > 0 bytes or -1, and -1 also at EOF, because libetpan's
 * line readers spin forever on 0; timeouts and cancellation are entirely
 * the driver's job (libetpan's *_set_timeout() do not reach a stream it
 * did not create); the free callback frees the mailstream_low itself.
 *
 * Every byte read goes through the stream's net_lexer (limit.c) before
 * libetpan sees it: a reply over the bounds its caller set
 * (tls_stream_limit()), or slower than its deadline, fails the read and
 * cancels the stream. Any failed read cancels it: after a timeout or a
 * refused reply the session is out of step, and a second read would only
 * wait out the timeout again (libetpan retries a read that returned part
 * of what it asked for).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "net/tls-int.h"
#include "util/i18n.h"

static ssize_t	tls_read(mailstream_low *, void *, size_t);
static ssize_t	tls_write(mailstream_low *, const void *, size_t);
static ssize_t	tls_write_raw(mailstream_low *, const void *, size_t);
static int	tls_close(mailstream_low *);
static int	tls_get_fd(mailstream_low *);
static void	tls_free(mailstream_low *);
static void	tls_cancel(mailstream_low *);
static carray	*tls_cert_chain(mailstream_low *);

/*
 * Not const only because mailstream_low_new() takes a non-const pointer;
 * nothing ever writes to it. Its address also tells our streams apart.
 */
static mailstream_low_driver tls_driver = {
	.mailstream_read = tls_read,
	.mailstream_write = tls_write,
	.mailstream_close = tls_close,
	.mailstream_get_fd = tls_get_fd,
	.mailstream_free = tls_free,
	.mailstream_cancel = tls_cancel,
	.mailstream_get_cancel = NULL,
	.mailstream_get_certificate_chain = tls_cert_chain,
	.mailstream_setup_idle = NULL,
	.mailstream_unsetup_idle = NULL,
	.mailstream_interrupt_idle = NULL,
};

/* ---- I/O failures ------------------------------------------------------ */

/* Record the first failure only: later ones are its consequences. */
void
tls_fail(struct tls_low *d, enum perr_code code, const char *fmt, ...)
{
	va_list	ap;

	if (d->io_err == NULL || d->io_err->code != PERR_OK)
		return;
	d->io_err->code = code;
	va_start(ap, fmt);
	vsnprintf(d->io_err->msg, sizeof d->io_err->msg, fmt, ap);
	va_end(ap);
}

/* The OpenSSL error queue's last reason, or what errno says. */
const char *
tls_ossl_reason(void)
{
	unsigned long	 e;
	const char	*r;

	e = ERR_peek_last_error();
	if (e != 0 && (r = ERR_reason_error_string(e)) != NULL)
		return r;
	if (errno != 0)
		return strerror(errno);
	return _("unknown error");
}

/* ---- waiting ----------------------------------------------------------- */

int
tls_timeout_ms(mailstream_low *s)
{
	unsigned long	sec = s->timeout;

	if (sec == 0)
		sec = (unsigned long)mailstream_network_delay.tv_sec;
	if (sec == 0 || sec > 24 * 3600)
		sec = NET_TIMEOUT_DEFAULT;
	return (int)(sec * 1000);
}

/* Wait until fd has events, the cancel pipe fires, or ms elapse. */
int
tls_wait_io(struct tls_low *d, short events, int ms)
{
	struct pollfd	pfd[2];
	long long	deadline = mono_ms() + ms, left;
	int		n;

	for (;;) {
		if (atomic_load(&d->cancelled))
			return WAIT_CANCEL;
		left = deadline - mono_ms();
		if (left < 0)
			left = 0;
		pfd[0].fd = d->fd;
		pfd[0].events = events;
		pfd[0].revents = 0;
		pfd[1].fd = d->cancel[0];
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		n = poll(pfd, 2, (int)left);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return WAIT_ERROR;
		}
		if (pfd[1].revents != 0)
			return WAIT_CANCEL;
		if (n == 0)
			return WAIT_TIMEOUT;
		/* POLLERR/POLLHUP: let the read or write report the cause. */
		return WAIT_READY;
	}
}

/* Turn a failed wait into the stream's error; always returns -1. */
static ssize_t
tls_wait_failed(mailstream_low *s, struct tls_low *d, int w, const char *what)
{
	switch (w) {
	case WAIT_TIMEOUT:
		tls_fail(d, PERR_TIMEOUT, _("no response within %d s (%s)"),
		    tls_timeout_ms(s) / 1000, what);
		break;
	case WAIT_CANCEL:
		tls_fail(d, PERR_IO, _("cancelled"));
		break;
	default:
		tls_fail(d, PERR_IO, _("poll: %s"), strerror(errno));
		break;
	}
	return -1;
}

/* Record the lexer's or the deadline's verdict; returns -1. */
static int
tls_fail_err(struct tls_low *d, const struct perr *e)
{
	tls_fail(d, e->code, "%s", e->msg);
	return -1;
}

/*
 * Wait for the socket before a read: at most the I/O timeout, and never
 * past the reply's deadline. Returns 0 when ready, else -1 with the
 * failure recorded.
 */
static int
tls_read_wait(mailstream_low *s, struct tls_low *d, short events)
{
	struct perr	e;
	long long	now = mono_ms(), due;
	int		io = tls_timeout_ms(s), ms = io, w;

	if (d->lx != NULL) {
		due = net_lexer_due(d->lx);
		if (due <= now) {
			net_lexer_overdue(d->lx, now, &e);
			return tls_fail_err(d, &e);
		}
		if (due - now < ms)
			ms = (int)(due - now);
	}
	if ((w = tls_wait_io(d, events, ms)) == WAIT_READY)
		return 0;
	if (w == WAIT_TIMEOUT && ms < io) {
		net_lexer_overdue(d->lx, mono_ms(), &e);
		return tls_fail_err(d, &e);
	}
	tls_wait_failed(s, d, w, "reading");
	return -1;
}

/* ---- the driver -------------------------------------------------------- */

static ssize_t
tls_plain_read(mailstream_low *s, struct tls_low *d, void *buf, size_t count)
{
	ssize_t	n;

	for (;;) {
		n = recv(d->fd, buf, count, 0);
		if (n > 0)
			return n;
		if (n == 0) {
			tls_fail(d, PERR_PROTOCOL,
			    _("the server closed the connection"));
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			tls_fail(d, PERR_CONNECT, _("read: %s"), strerror(errno));
			return -1;
		}
		if (tls_read_wait(s, d, POLLIN) != 0)
			return -1;
	}
}

static ssize_t
tls_ssl_read(mailstream_low *s, struct tls_low *d, void *buf, size_t count)
{
	size_t		 n;
	int		 r, e;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		n = 0;
		r = SSL_read_ex(d->ssl, buf, count, &n);
		if (r == 1)
			return (ssize_t)n;
		switch ((e = SSL_get_error(d->ssl, r))) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			if (tls_read_wait(s, d, e == SSL_ERROR_WANT_READ ?
			    POLLIN : POLLOUT) != 0)
				return -1;
			break;
		case SSL_ERROR_ZERO_RETURN:
			tls_fail(d, PERR_PROTOCOL,
			    _("the server closed the connection"));
			return -1;
		case SSL_ERROR_SYSCALL:
			if (errno == EINTR)
				break;
			if (errno != 0)
				tls_fail(d, PERR_PROTOCOL, _("the server "
				    "closed the connection: %s"),
				    strerror(errno));
			else
				tls_fail(d, PERR_PROTOCOL, _("the server "
				    "closed the connection"));
			return -1;
		default:
			/*
			 * OpenSSL 3 reports a close without close_notify as
			 * an error; for the user it is just a closed link.
			 */
			if (ERR_GET_REASON(ERR_peek_last_error()) ==
			    SSL_R_UNEXPECTED_EOF_WHILE_READING)
				tls_fail(d, PERR_PROTOCOL,
				    _("the server closed the connection"));
			else
				tls_fail(d, PERR_TLS, _("TLS read: %s"),
				    tls_ossl_reason());
			return -1;
		}
	}
}

static ssize_t
tls_read(mailstream_low *s, void *buf, size_t count)
{
	struct tls_low	*d = s->data;
	ssize_t		 n;

	if (atomic_load(&d->cancelled))
		return tls_wait_failed(s, d, WAIT_CANCEL, "reading");
	if (count == 0)
		return 0;
	n = d->ssl == NULL ? tls_plain_read(s, d, buf, count) :
	    tls_ssl_read(s, d, buf, count);
	/* Compressed bytes are counted once inflated (compress.c). */
	if (n > 0 && !d->compressed && tls_count_read(d, buf, (size_t)n) != 0)
		n = -1;
	if (n < 0)
		tls_mark_cancelled(d);
	return n;
}

int
tls_count_read(struct tls_low *d, const void *buf, size_t n)
{
	struct perr	e;

	if (d->lx == NULL || net_lexer_feed(d->lx, buf, n, &e) == 0)
		return 0;
	d->over_limit = true;
	tls_fail_err(d, &e);
	tls_mark_cancelled(d);
	return -1;
}

static ssize_t
tls_write(mailstream_low *s, const void *buf, size_t count)
{
	ssize_t	n;

	/* A command (or part of one) went out: its reply starts now. */
	if ((n = tls_write_raw(s, buf, count)) > 0 && ((struct tls_low *)
	    s->data)->lx != NULL)
		net_lexer_sent(((struct tls_low *)s->data)->lx, mono_ms());
	return n;
}

static ssize_t
tls_write_raw(mailstream_low *s, const void *buf, size_t count)
{
	struct tls_low	*d = s->data;
	size_t		 n;
	ssize_t		 sn;
	int		 r, w, e;

	if (atomic_load(&d->cancelled))
		return tls_wait_failed(s, d, WAIT_CANCEL, "writing");
	if (count == 0)
		return 0;
	for (;;) {
		if (d->ssl == NULL) {
			/* MSG_NOSIGNAL: a dead peer is an error, not a signal. */
			sn = send(d->fd, buf, count, MSG_NOSIGNAL);
			if (sn >= 0)
				return sn;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				tls_fail(d, PERR_CONNECT, _("write: %s"),
				    strerror(errno));
				return -1;
			}
			e = SSL_ERROR_WANT_WRITE;
		} else {
			ERR_clear_error();
			errno = 0;
			n = 0;
			/* Retried with the same arguments, as OpenSSL requires. */
			r = SSL_write_ex(d->ssl, buf, count, &n);
			if (r == 1)
				return (ssize_t)n;
			e = SSL_get_error(d->ssl, r);
			if (e == SSL_ERROR_SYSCALL && errno == EINTR)
				continue;
			if (e != SSL_ERROR_WANT_READ &&
			    e != SSL_ERROR_WANT_WRITE) {
				tls_fail(d, e == SSL_ERROR_SSL ? PERR_TLS :
				    PERR_CONNECT, _("TLS write: %s"),
				    tls_ossl_reason());
				return -1;
			}
		}
		w = tls_wait_io(d, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
		    tls_timeout_ms(s));
		if (w != WAIT_READY)
			return tls_wait_failed(s, d, w, "writing");
	}
}

static int
tls_close(mailstream_low *s)
{
	struct tls_low	*d = s->data;

	if (d->fd == -1)
		return 0;
	/*
	 * One best-effort close_notify: the socket is non-blocking, so this
	 * cannot hang; skipped after a cancel, which promised no more I/O.
	 */
	if (d->ssl != NULL && !atomic_load(&d->cancelled)) {
		ERR_clear_error();
		(void)SSL_shutdown(d->ssl);
		ERR_clear_error();
	}
	if (close(d->fd) != 0 && errno != EINTR) {
		d->fd = -1;
		return -1;
	}
	d->fd = -1;
	return 0;
}

static int
tls_get_fd(mailstream_low *s)
{
	return ((struct tls_low *)s->data)->fd;
}

static void
tls_low_data_free(struct tls_low *d)
{
	if (d == NULL)
		return;
	if (d->ssl != NULL)
		SSL_free(d->ssl);
	net_lexer_free(d->lx);
	if (d->fd != -1)
		close(d->fd);
	if (d->cancel[0] != -1)
		close(d->cancel[0]);
	if (d->cancel[1] != -1)
		close(d->cancel[1]);
	free(d);
}

/* libetpan's mailstream_low_free() leaves freeing s to the driver. */
static void
tls_free(mailstream_low *s)
{
	tls_low_data_free(s->data);
	free(s);
}

/* Sticky: from now on every read, write and wait fails at once. */
void
tls_mark_cancelled(struct tls_low *d)
{
	ssize_t	n;

	atomic_store(&d->cancelled, 1);
	/* The pipe wakes a poll() already under way in another thread. */
	do {
		n = write(d->cancel[1], "x", 1);
	} while (n == -1 && errno == EINTR);
	/* EAGAIN: the pipe is full, so it is already readable: fine. */
}

static void
tls_cancel(mailstream_low *s)
{
	tls_mark_cancelled(s->data);
}

/* The peer's chain as DER MMAPStrings, for libetpan's callers. */
static carray *
tls_cert_chain(mailstream_low *s)
{
	struct tls_low		*d = s->data;
	STACK_OF(X509)		*chain;
	carray			*out;
	MMAPString		*der;
	unsigned char		*buf;
	int			 i, len;

	if (d->ssl == NULL ||
	    (chain = SSL_get_peer_cert_chain(d->ssl)) == NULL)
		return NULL;
	if ((out = carray_new(4)) == NULL)
		return NULL;
	for (i = 0; i < sk_X509_num(chain); i++) {
		buf = NULL;
		if ((len = i2d_X509(sk_X509_value(chain, i), &buf)) <= 0)
			continue;
		der = mmap_string_new_len((char *)buf, (size_t)len);
		OPENSSL_free(buf);
		if (der == NULL)
			continue;
		if (carray_add(out, der, NULL) != 0)
			mmap_string_free(der);
	}
	return out;
}

/* ---- streams ----------------------------------------------------------- */

struct tls_low *
tls_low_data(mailstream_low *low)
{
	return low != NULL && low->driver == &tls_driver ? low->data : NULL;
}

mailstream *
tls_stream_plain(int fd, int timeout, struct perr *io_err)
{
	struct tls_low	*d;
	mailstream_low	*low;
	mailstream	*s;
	int		 fl;

	d = xcalloc(1, sizeof *d);
	d->fd = fd;
	d->cancel[0] = d->cancel[1] = -1;
	d->io_err = io_err;
	if (io_err != NULL)
		perr_clear(io_err);
	atomic_init(&d->cancelled, 0);

	/* Non-blocking: every wait goes through poll() and its timeout. */
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		tls_fail(d, PERR_IO, _("fcntl: %s"), strerror(errno));
		goto fail;
	}
	if (pipe2(d->cancel, O_CLOEXEC | O_NONBLOCK) != 0) {
		tls_fail(d, PERR_IO, _("pipe: %s"), strerror(errno));
		goto fail;
	}
	if ((low = mailstream_low_new(d, &tls_driver)) == NULL)
		goto nomem;
	mailstream_low_set_timeout(low, timeout > 0 ? timeout :
	    NET_TIMEOUT_DEFAULT);
	/* 8 KiB, like libetpan's own streams. */
	if ((s = mailstream_new(low, 8192)) == NULL) {
		tls_fail(d, PERR_NOMEM, _("out of memory"));
		mailstream_low_free(low);	/* frees d and closes fd */
		return NULL;
	}
	return s;

nomem:
	tls_fail(d, PERR_NOMEM, _("out of memory"));
fail:
	tls_low_data_free(d);
	return NULL;
}
