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

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "net/net-int.h"

struct tls_low {
	int		 fd;
	SSL		*ssl;		/* NULL in the plain phase */
	int		 cancel[2];	/* a pipe; once written, never drained */
	atomic_int	 cancelled;
	struct perr	*io_err;	/* the caller's; may be NULL */
	struct net_lexer *lx;		/* NULL until tls_stream_limit() */
	bool		 over_limit;	/* the lexer refused a reply */
};

static ssize_t	tls_read(mailstream_low *, void *, size_t);
static ssize_t	tls_write(mailstream_low *, const void *, size_t);
static ssize_t	tls_write_raw(mailstream_low *, const void *, size_t);
static void	tls_mark_cancelled(struct tls_low *);
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
static void
tls_fail(struct tls_low *d, enum perr_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
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
static const char *
tls_ossl_reason(void)
{
	unsigned long	 e;
	const char	*r;

	e = ERR_peek_last_error();
	if (e != 0 && (r = ERR_reason_error_string(e)) != NULL)
		return r;
	if (errno != 0)
		return strerror(errno);
	return "unknown error";
}

/*
 * The reason code of the last error when libssl raised it, else 0: what
 * a failed handshake is told by (its words are for people).
 */
static int
tls_ossl_ssl_reason(void)
{
	unsigned long	e = ERR_peek_last_error();

	return e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : 0;
}

/* ---- waiting ----------------------------------------------------------- */

static int
tls_timeout_ms(mailstream_low *s)
{
	unsigned long	sec = s->timeout;

	if (sec == 0)
		sec = (unsigned long)mailstream_network_delay.tv_sec;
	if (sec == 0 || sec > 24 * 3600)
		sec = NET_TIMEOUT_DEFAULT;
	return (int)(sec * 1000);
}

static long long
tls_now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define WAIT_READY	1
#define WAIT_TIMEOUT	0
#define WAIT_CANCEL	-1
#define WAIT_ERROR	-2

/* Wait until fd has events, the cancel pipe fires, or ms elapse. */
static int
tls_wait_io(struct tls_low *d, short events, int ms)
{
	struct pollfd	pfd[2];
	long long	deadline = tls_now_ms() + ms, left;
	int		n;

	for (;;) {
		if (atomic_load(&d->cancelled))
			return WAIT_CANCEL;
		left = deadline - tls_now_ms();
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
		tls_fail(d, PERR_TIMEOUT, "no response within %d s (%s)",
		    tls_timeout_ms(s) / 1000, what);
		break;
	case WAIT_CANCEL:
		tls_fail(d, PERR_IO, "cancelled");
		break;
	default:
		tls_fail(d, PERR_IO, "poll: %s", strerror(errno));
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
	long long	now = tls_now_ms(), due;
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
		net_lexer_overdue(d->lx, tls_now_ms(), &e);
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
			    "the server closed the connection");
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			tls_fail(d, PERR_CONNECT, "read: %s", strerror(errno));
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
			    "the server closed the connection");
			return -1;
		case SSL_ERROR_SYSCALL:
			if (errno == EINTR)
				break;
			tls_fail(d, PERR_PROTOCOL, "the server closed the "
			    "connection%s%s", errno ? ": " : "",
			    errno ? strerror(errno) : "");
			return -1;
		default:
			/*
			 * OpenSSL 3 reports a close without close_notify as
			 * an error; for the user it is just a closed link.
			 */
			if (ERR_GET_REASON(ERR_peek_last_error()) ==
			    SSL_R_UNEXPECTED_EOF_WHILE_READING)
				tls_fail(d, PERR_PROTOCOL,
				    "the server closed the connection");
			else
				tls_fail(d, PERR_TLS, "TLS read: %s",
				    tls_ossl_reason());
			return -1;
		}
	}
}

static ssize_t
tls_read(mailstream_low *s, void *buf, size_t count)
{
	struct tls_low	*d = s->data;
	struct perr	 e;
	ssize_t		 n;

	if (atomic_load(&d->cancelled))
		return tls_wait_failed(s, d, WAIT_CANCEL, "reading");
	if (count == 0)
		return 0;
	n = d->ssl == NULL ? tls_plain_read(s, d, buf, count) :
	    tls_ssl_read(s, d, buf, count);
	if (n > 0 && d->lx != NULL && net_lexer_feed(d->lx, buf, (size_t)n,
	    &e) != 0) {
		d->over_limit = true;
		tls_fail_err(d, &e);
		n = -1;
	}
	if (n < 0)
		tls_mark_cancelled(d);
	return n;
}

static ssize_t
tls_write(mailstream_low *s, const void *buf, size_t count)
{
	ssize_t	n;

	/* A command (or part of one) went out: its reply starts now. */
	if ((n = tls_write_raw(s, buf, count)) > 0 && ((struct tls_low *)
	    s->data)->lx != NULL)
		net_lexer_sent(((struct tls_low *)s->data)->lx, tls_now_ms());
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
				tls_fail(d, PERR_CONNECT, "write: %s",
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
				    PERR_CONNECT, "TLS write: %s",
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
static void
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

static struct tls_low *
tls_stream_data(mailstream *s)
{
	mailstream_low	*low;

	if (s == NULL || (low = mailstream_get_low(s)) == NULL ||
	    low->driver != &tls_driver)
		return NULL;
	return low->data;
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
		tls_fail(d, PERR_IO, "fcntl: %s", strerror(errno));
		goto fail;
	}
	if (pipe2(d->cancel, O_CLOEXEC | O_NONBLOCK) != 0) {
		tls_fail(d, PERR_IO, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((low = mailstream_low_new(d, &tls_driver)) == NULL)
		goto nomem;
	mailstream_low_set_timeout(low, timeout > 0 ? timeout :
	    NET_TIMEOUT_DEFAULT);
	/* 8 KiB, like libetpan's own streams. */
	if ((s = mailstream_new(low, 8192)) == NULL) {
		tls_fail(d, PERR_NOMEM, "out of memory");
		mailstream_low_free(low);	/* frees d and closes fd */
		return NULL;
	}
	return s;

nomem:
	tls_fail(d, PERR_NOMEM, "out of memory");
fail:
	tls_low_data_free(d);
	return NULL;
}

/* ---- the handshake and verification ------------------------------------ */

static bool
tls_is_ip(const char *host)
{
	unsigned char	buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

/* "sha256:..." (any case, colons allowed) to 64 lower-case hex digits. */
static int
tls_pin_normalise(const char *pin, char out[65], struct perr *err)
{
	const char	*p;
	size_t		 n = 0;

	if (strncasecmp(pin, "sha256:", 7) != 0)
		return perr_set(err, PERR_CONFIG, "certificate_fingerprint "
		    "'%s': expected sha256: and 64 hex digits", pin);
	for (p = pin + 7; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (n == 64 || strchr("0123456789abcdefABCDEF", *p) == NULL)
			return perr_set(err, PERR_CONFIG,
			    "certificate_fingerprint '%s': expected sha256: "
			    "and 64 hex digits", pin);
		out[n++] = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	}
	out[n] = '\0';
	if (n != 64)
		return perr_set(err, PERR_CONFIG, "certificate_fingerprint "
		    "'%s': expected sha256: and 64 hex digits", pin);
	return 0;
}

static void
tls_name_line(X509_NAME *name, char *buf, size_t len)
{
	BIO	*bio;
	int	 n;

	buf[0] = '\0';
	if (name == NULL || (bio = BIO_new(BIO_s_mem())) == NULL)
		return;
	/* "CN=localhost, O=posta": one line, non-ASCII escaped. */
	if (X509_NAME_print_ex(bio, name, 0,
	    XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ) >= 0 &&
	    (n = BIO_read(bio, buf, (int)len - 1)) > 0)
		buf[n] = '\0';
	BIO_free(bio);
}

/*
 * Fill info from the leaf certificate; hex gets the pin form (lower case,
 * no colons). Returns 0, or -1 when there is no certificate to look at.
 */
static int
tls_describe(SSL *ssl, struct tls_info *info, char hex[65])
{
	X509		*cert;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	const char	*v, *c;

	v = SSL_get_version(ssl);
	c = SSL_get_cipher_name(ssl);
	snprintf(info->version, sizeof info->version, "%s", v ? v : "");
	snprintf(info->cipher, sizeof info->cipher, "%s", c ? c : "");
	if ((cert = SSL_get0_peer_certificate(ssl)) == NULL)
		return -1;
	tls_name_line(X509_get_subject_name(cert), info->subject,
	    sizeof info->subject);
	tls_name_line(X509_get_issuer_name(cert), info->issuer,
	    sizeof info->issuer);
	if (X509_digest(cert, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++) {
		snprintf(info->sha256 + i * 3, 4, "%02X%s", md[i],
		    i + 1 < mdlen ? ":" : "");
		snprintf(hex + i * 2, 3, "%02x", md[i]);
	}
	return 0;
}

/*
 * The system's trust anchors, cheaply. SSL_CTX_set_default_verify_paths()
 * parses the whole CA bundle file on every connection (on Debian 245 M
 * instructions, two thirds of a resync with nothing new); the hashed
 * directory is looked up lazily, one issuer at a time. So a handshake uses
 * the directory (and ca_file) only, and tls_verify_with_bundle() reads the
 * bundle only when that did not verify. A missing directory only means
 * fewer anchors: not fatal.
 */
static void
tls_lazy_anchors(SSL_CTX *ctx)
{
	X509_LOOKUP	*l;

	/*
	 * X509_FILETYPE_DEFAULT: the directory exactly as
	 * SSL_CTX_set_default_verify_paths() takes it, SSL_CERT_DIR
	 * included; an empty one means none (not the system's), as it does
	 * in tls_verify_with_bundle().
	 */
	l = X509_STORE_add_lookup(SSL_CTX_get_cert_store(ctx),
	    X509_LOOKUP_hash_dir());
	if (l != NULL)
		(void)X509_LOOKUP_add_dir(l, NULL, X509_FILETYPE_DEFAULT);
	ERR_clear_error();
}

/*
 * Verify the peer's chain again, as libssl did during the handshake (the
 * "ssl_server" purpose and the connection's parameters, host name
 * included), against every system anchor (bundle file and directory, with
 * their SSL_CERT_FILE and SSL_CERT_DIR overrides) and ca_file. Returns an
 * X509_V_* result: the same verdict a handshake with the whole bundle
 * loaded would have given.
 */
static long
tls_verify_with_bundle(SSL *ssl, const struct tls_params *p)
{
	X509_STORE	*store = X509_STORE_new();
	X509_STORE_CTX	*sctx = X509_STORE_CTX_new();
	X509		*leaf = SSL_get0_peer_certificate(ssl);
	long		 vr = X509_V_ERR_UNSPECIFIED;

	if (store == NULL || sctx == NULL || leaf == NULL)
		goto out;
	/* A missing bundle or directory only means fewer anchors. */
	(void)X509_STORE_set_default_paths(store);
	if (p->ca_file != NULL && X509_STORE_load_file(store, p->ca_file) != 1)
		goto out;
	if (X509_STORE_CTX_init(sctx, store, leaf,
	    SSL_get_peer_cert_chain(ssl)) != 1 ||
	    X509_STORE_CTX_set_default(sctx, "ssl_server") != 1 ||
	    X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(sctx),
	    SSL_get0_param(ssl)) != 1)
		goto out;
	/* libssl adds the security level (key sizes) at handshake time. */
	X509_VERIFY_PARAM_set_auth_level(X509_STORE_CTX_get0_param(sctx),
	    SSL_get_security_level(ssl));
	vr = X509_verify_cert(sctx) == 1 ? X509_V_OK :
	    X509_STORE_CTX_get_error(sctx);
out:
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return vr;
}

static SSL_CTX *
tls_ctx_new(const struct tls_params *p, struct perr *err)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		perr_set(err, PERR_TLS, "TLS: %s", tls_ossl_reason());
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		perr_set(err, PERR_TLS, "TLS: %s", tls_ossl_reason());
		goto fail;
	}
	tls_lazy_anchors(ctx);
	if (p->ca_file != NULL &&
	    SSL_CTX_load_verify_locations(ctx, p->ca_file, NULL) != 1) {
		perr_set(err, PERR_CONFIG, "ca_file %s: cannot load: %s",
		    p->ca_file, tls_ossl_reason());
		goto fail;
	}
	/*
	 * VERIFY_NONE so that the handshake completes and the certificate
	 * can be shown and compared with a pin; the verdict is taken from
	 * SSL_get_verify_result() right after, before any byte is sent.
	 */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	return ctx;

fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* Decide whether to trust the handshake's certificate. */
static int
tls_verify(SSL *ssl, const struct tls_params *p, struct tls_info *info,
    struct perr *err)
{
	char	 hex[65], pin[65];
	long	 vr;
	size_t	 len;
	bool	 name_err;

	if (tls_describe(ssl, info, hex) != 0)
		return perr_set(err, PERR_CERT,
		    "the server sent no certificate");
	if (p->pin != NULL) {
		if (tls_pin_normalise(p->pin, pin, err) != 0)
			return -1;
		if (strcmp(pin, hex) == 0) {
			info->pinned = true;
			return 0;
		}
	}
	vr = SSL_get_verify_result(ssl);
	if (vr != X509_V_OK)
		vr = tls_verify_with_bundle(ssl, p);
	if (vr == X509_V_OK)
		return 0;

	name_err = vr == X509_V_ERR_HOSTNAME_MISMATCH ||
	    vr == X509_V_ERR_IP_ADDRESS_MISMATCH;
	if (name_err)
		perr_set(err, PERR_HOSTNAME, "certificate does not match host "
		    "name %s (sha256 %s)", p->host, info->sha256);
	else
		perr_set(err, PERR_CERT, "certificate not trusted: %s "
		    "(sha256 %s)", X509_verify_cert_error_string(vr),
		    info->sha256);
	if (p->pin != NULL)
		perr_prefix(err, "certificate does not match the pinned "
		    "certificate_fingerprint");
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof err->msg - len,
	    "; if you have checked that this is your server's certificate, "
	    "%s it with: certificate_fingerprint = sha256:%s",
	    p->pin != NULL ? "pin" : "trust", hex);
	return -1;
}

static int
tls_handshake_fail(mailstream_low *s, int e, int w, struct perr *err)
{
	const char	*why;

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		if (w == WAIT_TIMEOUT)
			return perr_set(err, PERR_TIMEOUT, "TLS handshake: no "
			    "response within %d s", tls_timeout_ms(s) / 1000);
		if (w == WAIT_CANCEL)
			return perr_set(err, PERR_IO, "cancelled");
		return perr_set(err, PERR_IO, "poll: %s", strerror(errno));
	}
	if (e == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0)
		return perr_set(err, PERR_TLS, "TLS handshake failed: the "
		    "server closed the connection%s%s", errno ? ": " : "",
		    errno ? strerror(errno) : "");
	why = tls_ossl_reason();
	switch (tls_ossl_ssl_reason()) {
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_PACKET_LENGTH_TOO_LONG:
		return perr_set(err, PERR_TLS, "TLS handshake failed: %s (the "
		    "server does not speak TLS here; wrong port or tls "
		    "setting?)", why);
	case SSL_R_BAD_PROTOCOL_VERSION_NUMBER:
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
		return perr_set(err, PERR_TLS, "TLS handshake failed: %s (the "
		    "server offers no TLS 1.2 or newer)", why);
	default:
		return perr_set(err, PERR_TLS, "TLS handshake failed: %s", why);
	}
}

/* Is a byte waiting that the server must not have sent yet? */
static bool
tls_socket_has_bytes(int fd)
{
	char	c;
	ssize_t	n;

	do {
		n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	} while (n == -1 && errno == EINTR);
	return n > 0;
}

/*
 * The handshake proper. On failure the caller cancels the stream: a failed
 * upgrade must never leave a plaintext stream that a session's LOGOUT or
 * QUIT (or worse, a login) could still use.
 */
static int
tls_handshake(mailstream *s, struct tls_low *d, const struct tls_params *p,
    bool starttls, struct tls_info *info, struct perr *err)
{
	mailstream_low	*low = mailstream_get_low(s);
	SSL_CTX		*ctx;
	SSL		*ssl;
	int		 r, e, w = WAIT_READY;

	if (starttls) {
		/*
		 * CVE-2020-15953: whatever came after the STARTTLS reply was
		 * sent in plaintext, possibly by a man in the middle, and
		 * would later pass for TLS-protected data.
		 */
		if (s->read_buffer_len != 0 || tls_socket_has_bytes(d->fd))
			return perr_set(err, PERR_STARTTLS, "the server sent "
			    "data after its STARTTLS reply, before the TLS "
			    "handshake (response injection?); refusing");
	}

	if ((ctx = tls_ctx_new(p, err)) == NULL)
		return -1;
	ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);	/* ssl holds its own reference */
	if (ssl == NULL)
		return perr_set(err, PERR_TLS, "TLS: %s", tls_ossl_reason());
	if (SSL_set_fd(ssl, d->fd) != 1)
		goto ossl_fail;
	if (tls_is_ip(p->host)) {
		/* RFC 6066: no SNI for address literals; check the IP SAN. */
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    p->host) != 1)
			goto ossl_fail;
	} else if (SSL_set_tlsext_host_name(ssl, p->host) != 1 ||
	    SSL_set1_host(ssl, p->host) != 1)
		goto ossl_fail;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		if ((r = SSL_connect(ssl)) == 1)
			break;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_SYSCALL && errno == EINTR)
			continue;
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			w = tls_wait_io(d, e == SSL_ERROR_WANT_READ ? POLLIN :
			    POLLOUT, tls_timeout_ms(low));
			if (w == WAIT_READY)
				continue;
		}
		tls_handshake_fail(low, e, w, err);
		SSL_free(ssl);
		return -1;
	}

	if (tls_verify(ssl, p, info, err) != 0) {
		SSL_free(ssl);
		return -1;
	}
	d->ssl = ssl;
	return 0;

ossl_fail:
	perr_set(err, PERR_TLS, "TLS: %s", tls_ossl_reason());
	SSL_free(ssl);
	return -1;
}

int
tls_stream_handshake(mailstream *s, const struct tls_params *p,
    bool starttls, struct tls_info *info, struct perr *err)
{
	struct tls_low	*d;

	memset(info, 0, sizeof *info);
	if ((d = tls_stream_data(s)) == NULL || d->ssl != NULL)
		return perr_set(err, PERR_GENERIC, "not a plain posta stream");
	if (tls_handshake(s, d, p, starttls, info, err) != 0) {
		tls_mark_cancelled(d);
		return -1;
	}
	/* The handshake had its own timeout: the greeting's clock starts. */
	if (d->lx != NULL)
		net_lexer_sent(d->lx, tls_now_ms());
	return 0;
}

mailstream *
tls_stream_open(int fd, int timeout, const struct tls_params *p,
    struct tls_info *info, struct perr *io_err, struct perr *err)
{
	mailstream	*s;

	memset(info, 0, sizeof *info);
	if ((s = tls_stream_plain(fd, timeout, io_err)) == NULL) {
		if (io_err != NULL && io_err->code != PERR_OK)
			*err = *io_err;
		else
			perr_set(err, PERR_NOMEM, "out of memory");
		return NULL;
	}
	if (tls_stream_handshake(s, p, false, info, err) != 0) {
		mailstream_close(s);
		return NULL;
	}
	return s;
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
		d->lx = net_lexer_new(&l, tls_now_ms());
	else
		net_lexer_set(d->lx, &l);
}

bool
tls_stream_over_limit(mailstream *s)
{
	struct tls_low	*d = tls_stream_data(s);

	return d != NULL && d->over_limit;
}

bool
tls_stream_is_tls(mailstream *s)
{
	struct tls_low	*d = tls_stream_data(s);

	return d != NULL && d->ssl != NULL;
}

int
tls_wait_readable(mailstream *s, int wake_fd, int ms)
{
	struct tls_low	*d;
	struct pollfd	 pfd[3];
	long long	 deadline = 0, left;
	int		 n, nfd;

	if ((d = tls_stream_data(s)) == NULL || atomic_load(&d->cancelled))
		return TLS_WAIT_ERROR;
	/* Bytes that are already here: poll() on the socket cannot see them. */
	if (s->read_buffer_len > 0)
		return TLS_WAIT_DATA;
	if (d->ssl != NULL && (SSL_pending(d->ssl) > 0 ||
	    SSL_has_pending(d->ssl)))
		return TLS_WAIT_DATA;
	if (ms >= 0)
		deadline = tls_now_ms() + ms;
	for (;;) {
		pfd[0].fd = d->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = d->cancel[0];
		pfd[1].events = POLLIN;
		nfd = 2;
		if (wake_fd >= 0) {
			pfd[2].fd = wake_fd;
			pfd[2].events = POLLIN;
			nfd = 3;
		}
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		left = -1;
		if (ms >= 0 && (left = deadline - tls_now_ms()) < 0)
			left = 0;
		n = poll(pfd, (nfds_t)nfd, (int)left);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return TLS_WAIT_ERROR;
		}
		if (n == 0)
			return TLS_WAIT_TIMEOUT;
		if (pfd[1].revents != 0)
			return TLS_WAIT_ERROR;
		if (nfd == 3 && pfd[2].revents != 0)
			return TLS_WAIT_WOKEN;
		return TLS_WAIT_DATA;
	}
}
