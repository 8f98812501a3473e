/*
 * test_tls.c - the contract of posta's mailstream_low driver, against a
 * socketpair playing the server: EOF reads -1 (never 0), timeouts, the
 * sticky cancel, STARTTLS injection refused and the stream left unusable,
 * a non-TLS peer; and the small helpers of connect.c.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "net/net.h"
#include "net/net-int.h"

struct pair {
	mailstream	*s;		/* the client side, through the driver */
	int		 peer;		/* the "server" end */
	struct perr	 io;
};

static void
pair_open(struct pair *p, int timeout)
{
	int	sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p->peer = sv[1];
	p->s = tls_stream_plain(sv[0], timeout, &p->io);
	assert_non_null(p->s);
}

static void
pair_close(struct pair *p)
{
	mailstream_close(p->s);
	if (p->peer != -1)
		close(p->peer);
}

static void
peer_say(struct pair *p, const char *text)
{
	size_t	len = strlen(text);

	assert_int_equal(write(p->peer, text, len), (ssize_t)len);
}

static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Has the peer received anything? (Never blocks.) */
static bool
peer_got_bytes(struct pair *p)
{
	char	c;

	return recv(p->peer, &c, 1, MSG_DONTWAIT) > 0;
}

static void
eof_reads_minus_one_never_zero(void **state)
{
	struct pair	 p;
	MMAPString	*line = mmap_string_new("");
	char		 buf[64];

	pair_open(&p, 5);
	peer_say(&p, "+OK hello\r\n");
	close(p.peer);
	p.peer = -1;
	assert_string_equal(mailstream_read_line_remove_eol(p.s, line),
	    "+OK hello");
	/* libetpan's line readers would spin forever on a 0. */
	assert_null(mailstream_read_line(p.s, line));
	assert_int_equal(mailstream_read(p.s, buf, sizeof buf), -1);
	assert_int_equal(p.io.code, PERR_PROTOCOL);
	assert_non_null(strstr(p.io.msg, "closed the connection"));
	mmap_string_free(line);
	pair_close(&p);
}

static void
silent_peer_times_out(void **state)
{
	struct pair	p;
	char		buf[64];
	long		t0, dt;

	pair_open(&p, 1);
	t0 = now_ms();
	assert_int_equal(mailstream_read(p.s, buf, sizeof buf), -1);
	dt = now_ms() - t0;
	assert_true(dt >= 900 && dt < 3000);
	assert_int_equal(p.io.code, PERR_TIMEOUT);
	assert_non_null(strstr(p.io.msg, "no response within 1 s"));
	pair_close(&p);
}

static void
cancel_is_sticky(void **state)
{
	struct pair	p;
	char		buf[64];
	long		t0;

	pair_open(&p, 30);
	tls_stream_cancel(p.s);
	t0 = now_ms();
	assert_int_equal(mailstream_read(p.s, buf, sizeof buf), -1);
	assert_int_equal(mailstream_write(p.s, "QUIT\r\n", 6), 6);
	assert_int_equal(mailstream_flush(p.s), -1);
	assert_true(now_ms() - t0 < 1000);
	assert_false(peer_got_bytes(&p));
	pair_close(&p);
}

/*
 * libetpan reads a literal with mailstream_read(), which returns what it
 * had when the socket then times out, and is called again: the second
 * read must fail at once, not wait out the timeout again.
 */
static void
a_timeout_inside_a_literal_waits_once(void **state)
{
	struct pair	 p;
	MMAPString	*line = mmap_string_new("");
	char		 buf[100];
	long		 t0, dt;

	pair_open(&p, 2);
	tls_stream_limit(p.s, NET_CTX_IMAP_FETCH);
	peer_say(&p, "* 1 FETCH (BODY[] {100}\r\nonly this");
	assert_non_null(mailstream_read_line(p.s, line));
	t0 = now_ms();
	assert_int_equal(mailstream_read(p.s, buf, sizeof buf), 9);
	assert_true(now_ms() - t0 >= 1900);
	/*
	 * The second read must fail at once, not wait out the 2 s again. Only
	 * its own time is measured, so a loaded machine's delays in the first
	 * wait cannot fail the test; a second wait (>= 1.9 s) still does.
	 */
	t0 = now_ms();
	assert_int_equal(mailstream_read(p.s, buf, sizeof buf), -1);
	dt = now_ms() - t0;
	assert_true(dt < 1900);
	assert_int_equal(p.io.code, PERR_TIMEOUT);
	assert_non_null(strstr(p.io.msg, "no response within 2 s"));
	mmap_string_free(line);
	pair_close(&p);
}

static void
a_reply_over_its_bound_cuts_the_stream(void **state)
{
	struct pair	 p;
	char		 buf[64];
	static char	 big[70000];

	pair_open(&p, 5);
	tls_stream_limit(p.s, NET_CTX_SMTP);
	memset(big, 'x', sizeof big);
	/* The server's end is a socket: it buffers this much. */
	assert_int_equal(write(p.peer, big, sizeof big), (ssize_t)sizeof big);
	while (mailstream_read(p.s, buf, sizeof buf) > 0)
		;
	assert_true(tls_stream_over_limit(p.s));
	assert_int_equal(p.io.code, PERR_PROTOCOL);
	assert_non_null(strstr(p.io.msg, "a line longer than 65536 bytes"));
	/* Cancelled: nothing more goes out. */
	assert_int_equal(mailstream_write(p.s, "QUIT\r\n", 6), 6);
	assert_int_equal(mailstream_flush(p.s), -1);
	pair_close(&p);
}

/* A reply that keeps coming, too slowly, is cut at its deadline. */
static void
a_dripping_reply_meets_its_deadline(void **state)
{
	struct pair	 p;
	char		 buf[64];
	long		 t0, dt;
	pid_t		 pid;
	int		 i;

	setenv("POSTA_NET_DEADLINE", "1/1000", 1);
	pair_open(&p, 30);
	tls_stream_limit(p.s, NET_CTX_SMTP);
	unsetenv("POSTA_NET_DEADLINE");
	if ((pid = fork()) == 0) {
		/* A byte every 0.2 s for 20 s, far under 1000 bytes/s. */
		for (i = 0; i < 100; i++) {
			if (write(p.peer, "2", 1) != 1)
				_exit(0);
			usleep(200000);
		}
		_exit(0);
	}
	assert_true(pid > 0);
	t0 = now_ms();
	while (mailstream_read(p.s, buf, sizeof buf) > 0)
		;
	dt = now_ms() - t0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* The I/O timeout (30 s) never fires: the deadline does. */
	assert_true(dt < 15000);
	assert_int_equal(p.io.code, PERR_TIMEOUT);
	assert_non_null(strstr(p.io.msg, "of its reply in 1 s; posta waits 1 s "
	    "for a reply plus 1 s for every 1000 bytes received"));
	assert_false(tls_stream_over_limit(p.s));
	pair_close(&p);
}

static const struct tls_params params = { "localhost", NULL, NULL };

static void
starttls_refuses_buffered_injection(void **state)
{
	struct pair	 p;
	struct tls_info	 ti;
	struct perr	 err;
	MMAPString	*line = mmap_string_new("");

	pair_open(&p, 5);
	/* CVE-2020-15953: the reply and a forged line in one segment. */
	peer_say(&p, "1 OK Begin TLS\r\n* OK [ALERT] injected\r\n");
	assert_non_null(mailstream_read_line(p.s, line));
	assert_true(p.s->read_buffer_len > 0);
	assert_int_equal(tls_stream_handshake(p.s, &params, true, &ti, &err),
	    -1);
	assert_int_equal(err.code, PERR_STARTTLS);
	assert_non_null(strstr(err.msg, "response injection"));
	assert_false(tls_stream_is_tls(p.s));
	/* Not one more plaintext byte may leave, and no ClientHello did. */
	assert_false(peer_got_bytes(&p));
	assert_int_equal(mailstream_write(p.s, "a LOGOUT\r\n", 10), 10);
	assert_int_equal(mailstream_flush(p.s), -1);
	assert_false(peer_got_bytes(&p));
	mmap_string_free(line);
	pair_close(&p);
}

static void
starttls_refuses_bytes_waiting_in_the_socket(void **state)
{
	struct pair	 p;
	struct tls_info	 ti;
	struct perr	 err;
	struct pollfd	 pfd;
	MMAPString	*line = mmap_string_new("");

	pair_open(&p, 5);
	peer_say(&p, "+OK Begin TLS\r\n");
	assert_non_null(mailstream_read_line(p.s, line));
	assert_int_equal(p.s->read_buffer_len, 0);
	peer_say(&p, "+OK injected a little later\r\n");
	pfd.fd = mailstream_low_get_fd(mailstream_get_low(p.s));
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(tls_stream_handshake(p.s, &params, true, &ti, &err),
	    -1);
	assert_int_equal(err.code, PERR_STARTTLS);
	mmap_string_free(line);
	pair_close(&p);
}

static void
non_tls_peer_fails_the_handshake(void **state)
{
	struct pair	p;
	struct tls_info	ti;
	struct perr	err;

	pair_open(&p, 5);
	peer_say(&p, "* OK this is plaintext IMAP, not TLS\r\n");
	assert_int_equal(tls_stream_handshake(p.s, &params, false, &ti, &err),
	    -1);
	assert_int_equal(err.code, PERR_TLS);
	assert_non_null(strstr(err.msg, "TLS handshake failed"));
	assert_non_null(strstr(err.msg, "does not speak TLS here"));
	assert_false(tls_stream_is_tls(p.s));
	pair_close(&p);
}

static void
silent_peer_times_out_the_handshake(void **state)
{
	struct pair	p;
	struct tls_info	ti;
	struct perr	err;

	pair_open(&p, 1);
	assert_int_equal(tls_stream_handshake(p.s, &params, false, &ti, &err),
	    -1);
	assert_int_equal(err.code, PERR_TIMEOUT);
	assert_non_null(strstr(err.msg, "no response within 1 s"));
	pair_close(&p);
}

static void
plaintext_refused_before_connecting(void **state)
{
	struct account		a;
	struct tls_params	tp;
	struct net_report	rep;
	struct perr		io, err;
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	struct pollfd		pfd;
	int			ls;

	/* A listener that would see the connection if one were made. */
	ls = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(ls != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sin, &len), 0);

	memset(&a, 0, sizeof a);
	memset(&rep, 0, sizeof rep);
	a.name = "t";
	a.in.host = "127.0.0.1";
	a.in.port = ntohs(sin.sin_port);
	a.in.tls = TLSM_NONE;
	a.in.user = "u";
	a.allow_plaintext = false;
	assert_null(net_stream_open(&a, &a.in, &tp, &rep, &io, &err));
	assert_int_equal(err.code, PERR_CONFIG);
	assert_non_null(strstr(err.msg, "allow_plaintext"));
	pfd.fd = ls;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 100), 0);
	close(ls);
}

static void
timeout_comes_from_the_environment(void **state)
{
	unsetenv("POSTA_NET_TIMEOUT");
	assert_int_equal(net_timeout(), NET_TIMEOUT_DEFAULT);
	setenv("POSTA_NET_TIMEOUT", "2", 1);
	assert_int_equal(net_timeout(), 2);
	setenv("POSTA_NET_TIMEOUT", "0", 1);
	assert_int_equal(net_timeout(), NET_TIMEOUT_DEFAULT);
	setenv("POSTA_NET_TIMEOUT", "2s", 1);
	assert_int_equal(net_timeout(), NET_TIMEOUT_DEFAULT);
	unsetenv("POSTA_NET_TIMEOUT");
}

static void
helpers_format_and_sanitise(void **state)
{
	char	buf[400], big[1000];

	assert_string_equal(net_hostport(buf, sizeof buf, "mail.test", 993),
	    "mail.test:993");
	assert_string_equal(net_hostport(buf, sizeof buf, "::1", 143),
	    "[::1]:143");
	net_server_text(buf, sizeof buf, "\x1b]0;owned\x07" "bad\x1b[31m red");
	assert_null(strchr(buf, '\x1b'));
	assert_null(strchr(buf, '\x07'));
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	net_server_text(buf, sizeof buf, big);
	assert_true(strlen(buf) < 310);
	assert_non_null(strstr(buf, "..."));
	assert_string_equal(net_server_text(buf, sizeof buf, NULL),
	    "(no text)");
	buf[0] = '\0';
	net_words_add(buf, sizeof buf, "IDLE");
	net_words_add(buf, sizeof buf, "MOVE");
	assert_string_equal(buf, "IDLE MOVE");
}

/* ---- COMPRESS=DEFLATE (compress.c) -------------------------------------- */

/* Raw deflate of in, flushed as a server does; malloc'd, length in *outlen. */
static unsigned char *
deflated(const void *in, size_t len, size_t *outlen)
{
	z_stream	 z;
	size_t		 cap = deflateBound(NULL, len) + 64;
	unsigned char	*out = malloc(cap);

	assert_non_null(out);
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15,
	    8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_SYNC_FLUSH), Z_OK);
	assert_int_equal(z.avail_in, 0);
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static void
peer_say_deflated(struct pair *p, const void *text, size_t len)
{
	unsigned char	*z;
	size_t		 zlen;

	z = deflated(text, len, &zlen);
	assert_int_equal(write(p->peer, z, zlen), (ssize_t)zlen);
	free(z);
}

static void
compressed_lines_go_both_ways(void **state)
{
	struct pair	 p;
	MMAPString	*line = mmap_string_new("");
	unsigned char	 zbuf[256];
	char		 out[64];
	z_stream	 z;
	ssize_t		 n;
	struct perr	 err;

	(void)state;
	pair_open(&p, 5);
	tls_stream_limit(p.s, NET_CTX_IMAP);
	/* The OK, and compressed bytes right behind it in the same read. */
	peer_say(&p, "a1 OK DEFLATE active\r\n");
	peer_say_deflated(&p, "* OK ready\r\n", 12);
	assert_string_equal(mailstream_read_line_remove_eol(p.s, line),
	    "a1 OK DEFLATE active");
	assert_int_equal(compress_stream_start(p.s, &err), 0);
	assert_true(compress_stream_on(p.s));
	assert_int_equal(tls_wait_readable(p.s, -1, 0), TLS_WAIT_DATA);
	assert_string_equal(mailstream_read_line_remove_eol(p.s, line),
	    "* OK ready");

	/* What posta writes arrives deflated, whole at each flush. */
	assert_int_equal(mailstream_write(p.s, "a2 NOOP\r\n", 9), 9);
	assert_int_equal(mailstream_flush(p.s), 0);
	n = read(p.peer, zbuf, sizeof zbuf);
	assert_true(n > 0);
	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, -15), Z_OK);
	z.next_in = zbuf;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out;
	z.avail_out = sizeof out;
	assert_int_equal(inflate(&z, Z_SYNC_FLUSH), Z_OK);
	assert_int_equal(sizeof out - z.avail_out, 9);
	assert_memory_equal(out, "a2 NOOP\r\n", 9);
	inflateEnd(&z);
	mmap_string_free(line);
	pair_close(&p);
}

static void
a_corrupt_compressed_stream_is_named(void **state)
{
	struct pair	 p;
	struct perr	 err;
	char		 buf[64];

	(void)state;
	pair_open(&p, 5);
	tls_stream_limit(p.s, NET_CTX_IMAP);
	assert_int_equal(compress_stream_start(p.s, &err), 0);
	/* Block type 3 does not exist. */
	peer_say(&p, "\xff\xff\xff\xff garbage");
	assert_int_equal(mailstream_read(p.s, buf, sizeof buf), -1);
	assert_int_equal(p.io.code, PERR_PROTOCOL);
	assert_string_equal(p.io.msg,
	    "the server's compressed stream is corrupt");
	/* Cancelled: nothing more goes out, nothing more comes in. */
	assert_int_equal(mailstream_write(p.s, "a LOGOUT\r\n", 10), 10);
	assert_int_equal(mailstream_flush(p.s), -1);
	assert_false(peer_got_bytes(&p));
	pair_close(&p);
}

/*
 * A few KiB that inflate to megabytes: read a buffer at a time, counted
 * by the bounds after inflation, so the read fails at the bound.
 */
static void
bomb(const char *unit, const char *bound)
{
	struct pair	 p;
	struct perr	 err;
	size_t		 ulen = strlen(unit), len = 8 * 1024 * 1024, i, got = 0;
	char		*big = malloc(len), buf[4096];
	ssize_t		 n;

	assert_non_null(big);
	for (i = 0; i < len; i++)
		big[i] = unit[i % ulen];
	pair_open(&p, 5);
	tls_stream_limit(p.s, NET_CTX_IMAP_LOGIN);
	assert_int_equal(compress_stream_start(p.s, &err), 0);
	peer_say_deflated(&p, big, len);
	free(big);
	while ((n = mailstream_read(p.s, buf, sizeof buf)) > 0)
		got += (size_t)n;
	assert_int_equal(n, -1);
	/* The bound of NET_CTX_IMAP_LOGIN, and not much more. */
	assert_true(got <= 4 * 1024 * 1024 + 65536);
	assert_true(tls_stream_over_limit(p.s));
	assert_int_equal(p.io.code, PERR_PROTOCOL);
	assert_non_null(strstr(p.io.msg, bound));
	pair_close(&p);
}

static void
a_decompression_bomb_meets_the_bounds(void **state)
{
	(void)state;
	bomb("x", "a line longer than 1048576 bytes");
	bomb("* OK x\r\n", "4194304 bytes");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(eof_reads_minus_one_never_zero),
		cmocka_unit_test(silent_peer_times_out),
		cmocka_unit_test(cancel_is_sticky),
		cmocka_unit_test(starttls_refuses_buffered_injection),
		cmocka_unit_test(starttls_refuses_bytes_waiting_in_the_socket),
		cmocka_unit_test(a_timeout_inside_a_literal_waits_once),
		cmocka_unit_test(a_reply_over_its_bound_cuts_the_stream),
		cmocka_unit_test(a_dripping_reply_meets_its_deadline),
		cmocka_unit_test(non_tls_peer_fails_the_handshake),
		cmocka_unit_test(silent_peer_times_out_the_handshake),
		cmocka_unit_test(plaintext_refused_before_connecting),
		cmocka_unit_test(timeout_comes_from_the_environment),
		cmocka_unit_test(helpers_format_and_sanitise),
		cmocka_unit_test(compressed_lines_go_both_ways),
		cmocka_unit_test(a_corrupt_compressed_stream_is_named),
		cmocka_unit_test(a_decompression_bomb_meets_the_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
