/*
 * tls-verify.c - the TLS half of the driver in tls.c: the handshake
 * (implicit TLS, or STARTTLS in place on the plain-phase stream, refusing
 * bytes injected after the server's reply), chain and host name
 * verification against the system store and the account's ca_file, and
 * SHA-256 pinning; the description of the certificate a refusal shows.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "net/tls-int.h"
#include "util/i18n.h"

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
		return perr_set(err, PERR_CONFIG, _("certificate_fingerprint "
		    "'%s': expected sha256: and 64 hex digits"), pin);
	for (p = pin + 7; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (n == 64 || strchr("0123456789abcdefABCDEF", *p) == NULL)
			return perr_set(err, PERR_CONFIG,
			    _("certificate_fingerprint '%s': expected sha256: "
			    "and 64 hex digits"), pin);
		out[n++] = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	}
	out[n] = '\0';
	if (n != 64)
		return perr_set(err, PERR_CONFIG, _("certificate_fingerprint "
		    "'%s': expected sha256: and 64 hex digits"), pin);
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
		perr_set(err, PERR_TLS, _("TLS: %s"), tls_ossl_reason());
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		perr_set(err, PERR_TLS, _("TLS: %s"), tls_ossl_reason());
		goto fail;
	}
	tls_lazy_anchors(ctx);
	if (p->ca_file != NULL &&
	    SSL_CTX_load_verify_locations(ctx, p->ca_file, NULL) != 1) {
		perr_set(err, PERR_CONFIG, _("ca_file %s: cannot load: %s"),
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
		    _("the server sent no certificate"));
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
		perr_set(err, PERR_HOSTNAME, _("certificate does not match "
		    "host name %s (sha256 %s)"), p->host, info->sha256);
	else
		perr_set(err, PERR_CERT, _("certificate not trusted: %s "
		    "(sha256 %s)"), X509_verify_cert_error_string(vr),
		    info->sha256);
	if (p->pin != NULL)
		perr_prefix(err, _("certificate does not match the pinned "
		    "certificate_fingerprint"));
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof err->msg - len, p->pin != NULL ?
	    _("; if you have checked that this is your server's certificate, "
	    "pin it with: certificate_fingerprint = sha256:%s") :
	    _("; if you have checked that this is your server's certificate, "
	    "trust it with: certificate_fingerprint = sha256:%s"), hex);
	return -1;
}

static int
tls_handshake_fail(mailstream_low *s, int e, int w, struct perr *err)
{
	const char	*why;

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		if (w == WAIT_TIMEOUT)
			return perr_set(err, PERR_TIMEOUT, _("TLS handshake: "
			    "no "
			    "response within %d s"), tls_timeout_ms(s) / 1000);
		if (w == WAIT_CANCEL)
			return perr_set(err, PERR_IO, _("cancelled"));
		return perr_set(err, PERR_IO, _("poll: %s"), strerror(errno));
	}
	if (e == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0)
		return errno != 0 ? perr_set(err, PERR_TLS, _("TLS handshake "
		    "failed: the server closed the connection: %s"),
		    strerror(errno)) : perr_set(err, PERR_TLS, _("TLS "
		    "handshake failed: the server closed the connection"));
	why = tls_ossl_reason();
	switch (tls_ossl_ssl_reason()) {
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_PACKET_LENGTH_TOO_LONG:
		return perr_set(err, PERR_TLS, _("TLS handshake failed: %s "
		    "(the server does not speak TLS here; wrong port or tls "
		    "setting?)"), why);
	case SSL_R_BAD_PROTOCOL_VERSION_NUMBER:
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
		return perr_set(err, PERR_TLS, _("TLS handshake failed: %s "
		    "(the server offers no TLS 1.2 or newer)"), why);
	default:
		return perr_set(err, PERR_TLS, _("TLS handshake failed: %s"), why);
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
			return perr_set(err, PERR_STARTTLS, _("the server sent "
			    "data after its STARTTLS reply, before the TLS "
			    "handshake (response injection?); refusing"));
	}

	if ((ctx = tls_ctx_new(p, err)) == NULL)
		return -1;
	ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);	/* ssl holds its own reference */
	if (ssl == NULL)
		return perr_set(err, PERR_TLS, _("TLS: %s"), tls_ossl_reason());
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
	perr_set(err, PERR_TLS, _("TLS: %s"), tls_ossl_reason());
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
		return perr_set(err, PERR_GENERIC, _("not a plain posta stream"));
	if (tls_handshake(s, d, p, starttls, info, err) != 0) {
		tls_mark_cancelled(d);
		return -1;
	}
	/* The handshake had its own timeout: the greeting's clock starts. */
	if (d->lx != NULL)
		net_lexer_sent(d->lx, mono_ms());
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
			perr_set(err, PERR_NOMEM, _("out of memory"));
		return NULL;
	}
	if (tls_stream_handshake(s, p, false, info, err) != 0) {
		mailstream_close(s);
		return NULL;
	}
	return s;
}
