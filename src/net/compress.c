/*
 * compress.c - COMPRESS=DEFLATE (RFC 4978): a zlib mailstream_low driver
 * stacked on posta's TLS driver (tls.c).
 *
 * Debian's libetpan is built without zlib, so mailimap_compress() kills
 * the session; posta sends COMPRESS DEFLATE itself (imap.c) and, on the
 * server's OK, puts this driver between libetpan's buffered stream and the
 * TLS driver: TCP, TLS, DEFLATE, then libetpan. Raw deflate both ways
 * (windowBits -15), and every write is flushed with Z_SYNC_FLUSH, since a
 * command must reach the server whole before its reply can come.
 *
 * The bounds of limit.c apply to what the server means, not to what it
 * sent: the TLS driver stops counting once this layer is on, and every
 * inflated byte goes through the stream's lexer here instead. One read
 * inflates at most what libetpan asked for, so a small input that expands
 * enormously (a decompression bomb) arrives a buffer at a time and meets
 * the line and reply bounds like any other flood. Input that inflates to
 * nothing for too long is refused too: it would only burn CPU.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "net/tls-int.h"
#include "util/i18n.h"

/* Compressed bytes read from the TLS driver at once. */
#define COMPRESS_IN_SIZE	16384
/* Compressed bytes written at once: deflate output of one write. */
#define COMPRESS_OUT_SIZE	16384
/* Input that may inflate to nothing before the stream is refused. */
#define COMPRESS_IDLE_MAX	(1024 * 1024)

struct compress_low {
	mailstream_low	*inner;		/* the TLS driver's; ours to free */
	struct tls_low	*tls;		/* inner's data: errors, lexer */
	z_stream	 in;		/* inflate: server to us */
	z_stream	 out;		/* deflate: us to server */
	bool		 more;		/* the last inflate filled its
					   buffer: output may be pending */
	size_t		 idle;		/* input consumed since the last
					   byte of output */
	bool		 broken;	/* a failure: no more I/O */
	unsigned char	 ibuf[COMPRESS_IN_SIZE];
	unsigned char	 obuf[COMPRESS_OUT_SIZE];
};

static ssize_t	compress_read(mailstream_low *, void *, size_t);
static ssize_t	compress_write(mailstream_low *, const void *, size_t);
static int	compress_close(mailstream_low *);
static int	compress_get_fd(mailstream_low *);
static void	compress_free(mailstream_low *);
static void	compress_cancel(mailstream_low *);
static carray	*compress_cert_chain(mailstream_low *);

/* Not const only because mailstream_low_new() takes a non-const pointer. */
static mailstream_low_driver compress_driver = {
	.mailstream_read = compress_read,
	.mailstream_write = compress_write,
	.mailstream_close = compress_close,
	.mailstream_get_fd = compress_get_fd,
	.mailstream_free = compress_free,
	.mailstream_cancel = compress_cancel,
	.mailstream_get_cancel = NULL,
	.mailstream_get_certificate_chain = compress_cert_chain,
	.mailstream_setup_idle = NULL,
	.mailstream_unsetup_idle = NULL,
	.mailstream_interrupt_idle = NULL,
};

mailstream_low *
compress_low_inner(mailstream_low *low)
{
	if (low != NULL && low->driver == &compress_driver)
		return ((struct compress_low *)low->data)->inner;
	return low;
}

bool
compress_stream_on(mailstream *s)
{
	return s != NULL && mailstream_get_low(s) != NULL &&
	    mailstream_get_low(s)->driver == &compress_driver;
}

bool
compress_stream_pending(mailstream *s)
{
	struct compress_low	*d;

	if (!compress_stream_on(s))
		return false;
	d = mailstream_get_low(s)->data;
	return !d->broken && (d->in.avail_in > 0 || d->more);
}

/* The stream is over: record why, and stop every later read and write. */
static ssize_t
compress_fail(struct compress_low *d, const char *msg)
{
	d->broken = true;
	tls_fail(d->tls, PERR_PROTOCOL, "%s", msg);
	tls_mark_cancelled(d->tls);
	return -1;
}

/* Inflate into buf; 0 when more input is needed, -1 on a failure. */
static ssize_t
compress_inflate(struct compress_low *d, void *buf, size_t count)
{
	size_t	got;
	int	r;

	d->in.next_out = buf;
	d->in.avail_out = (uInt)count;
	r = inflate(&d->in, Z_SYNC_FLUSH);
	got = count - d->in.avail_out;
	d->more = d->in.avail_out == 0;
	switch (r) {
	case Z_OK:
		break;
	case Z_BUF_ERROR:
		/* No progress: only right when the input is used up. */
		if (d->in.avail_in == 0)
			break;
		/* FALLTHROUGH */
	case Z_DATA_ERROR:
	case Z_NEED_DICT:
	case Z_STREAM_ERROR:
		return compress_fail(d,
		    _("the server's compressed stream is corrupt"));
	case Z_STREAM_END:
		return compress_fail(d,
		    _("the server ended its compressed stream"));
	default:
		return compress_fail(d,
		    _("out of memory while decompressing the server's data"));
	}
	if (got == 0) {
		if (d->idle > COMPRESS_IDLE_MAX)
			return compress_fail(d, _("the server's compressed "
			    "stream carries no data"));
		return 0;
	}
	d->idle = 0;
	return (ssize_t)got;
}

static ssize_t
compress_read(mailstream_low *s, void *buf, size_t count)
{
	struct compress_low	*d = s->data;
	ssize_t			 n;
	uInt			 before;

	if (d->broken || atomic_load(&d->tls->cancelled)) {
		tls_fail(d->tls, PERR_IO, "cancelled");
		return -1;
	}
	if (count == 0)
		return 0;
	if (count > COMPRESS_IN_SIZE * 4)
		count = COMPRESS_IN_SIZE * 4;
	for (;;) {
		if (d->in.avail_in == 0 && !d->more) {
			/* The TLS driver: -1 on EOF and errors, recorded. */
			n = d->inner->driver->mailstream_read(d->inner,
			    d->ibuf, sizeof d->ibuf);
			if (n < 0) {
				d->broken = true;
				return -1;
			}
			d->in.next_in = d->ibuf;
			d->in.avail_in = (uInt)n;
		}
		before = d->in.avail_in;
		if ((n = compress_inflate(d, buf, count)) < 0)
			return -1;
		d->idle += before - d->in.avail_in;
		if (n > 0)
			break;
		d->more = false;
	}
	/* What the server means is what the bounds count. */
	if (tls_count_read(d->tls, buf, (size_t)n) != 0) {
		d->broken = true;
		return -1;
	}
	return n;
}

/* Write all of buf through the TLS driver; 0 or -1. */
static int
compress_put(struct compress_low *d, const unsigned char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = d->inner->driver->mailstream_write(d->inner, buf, len);
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static ssize_t
compress_write(mailstream_low *s, const void *buf, size_t count)
{
	struct compress_low	*d = s->data;
	int			 r;

	if (d->broken || atomic_load(&d->tls->cancelled)) {
		tls_fail(d->tls, PERR_IO, "cancelled");
		return -1;
	}
	if (count == 0)
		return 0;
	if (count > UINT_MAX)
		count = UINT_MAX;
	d->out.next_in = (Bytef *)(uintptr_t)buf;
	d->out.avail_in = (uInt)count;
	do {
		d->out.next_out = d->obuf;
		d->out.avail_out = sizeof d->obuf;
		r = deflate(&d->out, Z_SYNC_FLUSH);
		if (r != Z_OK && r != Z_BUF_ERROR) {
			d->broken = true;
			tls_fail(d->tls, PERR_NOMEM, "deflate: %s",
			    d->out.msg != NULL ? d->out.msg : "error");
			return -1;
		}
		if (compress_put(d, d->obuf, sizeof d->obuf -
		    d->out.avail_out) != 0) {
			d->broken = true;
			return -1;
		}
	} while (d->out.avail_out == 0 || d->out.avail_in > 0);
	return (ssize_t)count;
}

static int
compress_close(mailstream_low *s)
{
	struct compress_low	*d = s->data;

	return d->inner->driver->mailstream_close(d->inner);
}

static int
compress_get_fd(mailstream_low *s)
{
	struct compress_low	*d = s->data;

	return d->inner->driver->mailstream_get_fd(d->inner);
}

static void
compress_cancel(mailstream_low *s)
{
	struct compress_low	*d = s->data;

	mailstream_low_cancel(d->inner);
}

static carray *
compress_cert_chain(mailstream_low *s)
{
	struct compress_low	*d = s->data;

	return mailstream_low_get_certificate_chain(d->inner);
}

/* libetpan's mailstream_low_free() leaves freeing s to the driver. */
static void
compress_free(mailstream_low *s)
{
	struct compress_low	*d = s->data;

	(void)inflateEnd(&d->in);
	(void)deflateEnd(&d->out);
	mailstream_low_free(d->inner);
	free(d);
	free(s);
}

int
compress_stream_start(mailstream *s, struct perr *err)
{
	struct compress_low	*d;
	mailstream_low		*inner = mailstream_get_low(s), *low;
	struct tls_low		*t = tls_low_data(inner);

	if (t == NULL || compress_stream_on(s) ||
	    s->read_buffer_len > COMPRESS_IN_SIZE)
		return perr_set(err, PERR_PROTOCOL, "%s",
		    _("compression cannot be started on this connection"));
	d = xcalloc(1, sizeof *d);
	d->inner = inner;
	d->tls = t;
	if (inflateInit2(&d->in, -15) != Z_OK) {
		free(d);
		return perr_set(err, PERR_NOMEM, "%s", _("out of memory"));
	}
	if (deflateInit2(&d->out, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		(void)inflateEnd(&d->in);
		free(d);
		return perr_set(err, PERR_NOMEM, "%s", _("out of memory"));
	}
	if ((low = mailstream_low_new(d, &compress_driver)) == NULL) {
		(void)inflateEnd(&d->in);
		(void)deflateEnd(&d->out);
		free(d);
		return perr_set(err, PERR_NOMEM, "%s", _("out of memory"));
	}
	/*
	 * Bytes already in libetpan's buffer came after the server's OK, so
	 * they are compressed: they become the inflater's first input (the
	 * buffer is 8 KiB, ibuf is bigger: checked first thing).
	 */
	memcpy(d->ibuf, s->read_buffer, s->read_buffer_len);
	d->in.next_in = d->ibuf;
	d->in.avail_in = (uInt)s->read_buffer_len;
	s->read_buffer_len = 0;
	/* The trace and the privacy of passwords live on the top driver. */
	low->timeout = inner->timeout;
	low->privacy = inner->privacy;
	low->logger = inner->logger;
	low->logger_context = inner->logger_context;
	inner->logger = NULL;
	inner->logger_context = NULL;
	t->compressed = true;
	mailstream_set_low(s, low);
	return 0;
}
