/*
 * connect.c - TCP connections that cannot hang: every connect() is
 * non-blocking and bounded by poll(), and each socket is close-on-exec
 * (password_command children must not inherit it) with SO_KEEPALIVE (a
 * dead peer behind a NAT is eventually noticed even while idle).
 *
 * Also what imap.c, pop3.c and smtp.c share: opening an endpoint's stream
 * under the plaintext policy, and wording errors the same way.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/net-int.h"
#include "util/i18n.h"

int
net_timeout(void)
{
	return (int)env_long("POSTA_NET_TIMEOUT", 1, 3600, NET_TIMEOUT_DEFAULT);
}

char *
net_hostport(char *buf, size_t len, const char *host, int port)
{
	if (strchr(host, ':') != NULL)
		snprintf(buf, len, "[%s]:%d", host, port);
	else
		snprintf(buf, len, "%s:%d", host, port);
	return buf;
}

/*
 * One connect attempt. Returns the socket, or -1 with *timed_out and
 * errno telling why.
 */
static int
net_try(const struct addrinfo *ai, int timeout, bool *timed_out)
{
	struct pollfd	pfd;
	socklen_t	len;
	int		fd, on = 1, soerr, n, save;

	*timed_out = false;
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	/* Keepalive only helps to notice a dead peer: failing it is no error. */
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);

	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR)
		goto fail;

	pfd.fd = fd;
	pfd.events = POLLOUT;
	for (;;) {
		pfd.revents = 0;
		n = poll(&pfd, 1, timeout * 1000);
		if (n == -1 && errno == EINTR)
			continue;	/* may stretch the wait a little */
		break;
	}
	if (n == -1)
		goto fail;
	if (n == 0) {
		*timed_out = true;
		errno = ETIMEDOUT;
		goto fail;
	}
	soerr = 0;
	len = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
	return fd;

fail:
	save = errno;
	close(fd);
	errno = save;
	return -1;
}

int
net_connect(const char *host, int port, int timeout, struct perr *err)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 service[16];
	int		 fd = -1, r, last_errno = 0;
	bool		 timed_out = false, many;

	if (host == NULL || *host == '\0')
		return perr_set(err, PERR_CONFIG, _("no host name"));
	if (port < 1 || port > 65535)
		return perr_set(err, PERR_CONFIG, _("bad port %d"), port);
	if (timeout < 1)
		timeout = NET_TIMEOUT_DEFAULT;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(service, sizeof service, "%d", port);
	if ((r = getaddrinfo(host, service, &hints, &res)) != 0)
		return perr_set(err, PERR_CONNECT, _("cannot resolve %s: %s"),
		    host, r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = net_try(ai, timeout, &timed_out)) != -1)
			break;
		last_errno = errno;
	}
	if (fd == -1) {
		many = res != NULL && res->ai_next != NULL;
		freeaddrinfo(res);
		/* The last attempt's failure speaks for all of them. */
		if (timed_out)
			return perr_set(err, PERR_TIMEOUT, many ?
			    _("cannot connect to any address: no answer within "
			    "%d s") : _("cannot connect: no answer within %d s"),
			    timeout);
		return perr_set(err, PERR_CONNECT, many ?
		    _("cannot connect to any address: %s") :
		    _("cannot connect: %s"), strerror(last_errno));
	}
	freeaddrinfo(res);
	return fd;
}

mailstream *
net_stream_open(const struct account *acct, const struct endpoint *ep,
    struct tls_params *tp, struct net_report *rep, struct perr *io_err,
    struct perr *err)
{
	return net_stream_open_within(acct, ep, net_timeout(), tp, rep, io_err,
	    err);
}

mailstream *
net_stream_open_within(const struct account *acct, const struct endpoint *ep,
    int timeout, struct tls_params *tp, struct net_report *rep,
    struct perr *io_err, struct perr *err)
{
	mailstream	*s;
	int		 fd;

	net_hostport(rep->hostport, sizeof rep->hostport,
	    ep->host != NULL ? ep->host : "", ep->port);
	rep->tls = ep->tls;
	memset(&rep->tls_info, 0, sizeof rep->tls_info);
	perr_clear(io_err);

	/*
	 * The config loader refuses this already; checked again because a
	 * password must never leave in clear by accident, whoever built the
	 * account.
	 */
	if (ep->tls == TLSM_NONE && !acct->allow_plaintext) {
		perr_set(err, PERR_CONFIG, _("refusing to connect: tls = none "
		    "would send the password in clear; set allow_plaintext = "
		    "yes in [account %s] to allow it"), acct->name);
		perr_prefix(err, "%s", rep->hostport);
		return NULL;
	}

	tp->host = ep->host;
	tp->ca_file = acct->ca_file;
	tp->pin = acct->cert_fingerprint;

	if ((fd = net_connect(ep->host, ep->port, timeout, err)) == -1) {
		perr_prefix(err, "%s", rep->hostport);
		return NULL;
	}
	if (ep->tls == TLSM_IMPLICIT)
		s = tls_stream_open(fd, timeout, tp, &rep->tls_info, io_err,
		    err);
	else if ((s = tls_stream_plain(fd, timeout, io_err)) == NULL)
		*err = *io_err;
	if (s == NULL)
		perr_prefix(err, "%s", rep->hostport);
	return s;
}

int
net_fail(struct perr *err, const struct perr *io_err, const char *hostport,
    enum perr_code code, const char *fmt, ...)
{
	va_list	ap;

	if (io_err != NULL && io_err->code != PERR_OK) {
		*err = *io_err;
	} else {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	perr_prefix(err, "%s", hostport);
	return -1;
}

char *
net_password(const struct account *acct, const struct endpoint *ep,
    const char *hostport, struct perr *err)
{
	char	*pw;

	perr_clear(err);
	if ((pw = config_password(acct, ep, err)) != NULL)
		return pw;
	if (err->code == PERR_OK)
		perr_set(err, PERR_AUTH, _("no password configured: set %s or "
		    "%s in [account %s]"),
		    ep == &acct->smtp ? "smtp_password" : "password",
		    ep == &acct->smtp ? "smtp_password_command" :
		    "password_command", acct->name);
	perr_prefix(err, "%s", hostport);
	return NULL;
}

char *
net_server_text(char *buf, size_t len, const char *text)
{
	char	*safe;
	size_t	 n;

	if (len == 0)
		return buf;
	if (text == NULL || *text == '\0') {
		snprintf(buf, len, "%s", _("(no text)"));
		return buf;
	}
	/* A hostile server may send kilobytes; a message needs a line. */
	n = strnlen(text, 300);
	safe = sanitize_text(text, n, false);
	snprintf(buf, len, "%s%s", safe, text[n] != '\0' ? "..." : "");
	free(safe);
	return buf;
}

void
net_words_add(char *buf, size_t len, const char *word)
{
	size_t	used = strnlen(buf, len);

	if (used + 1 >= len)
		return;
	snprintf(buf + used, len - used, "%s%s", used > 0 ? " " : "", word);
}
