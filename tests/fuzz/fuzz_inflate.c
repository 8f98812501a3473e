/*
 * fuzz_inflate.c - any bytes as the server's side of a COMPRESS=DEFLATE
 * connection (src/net/compress.c over the TLS driver's plain phase, on a
 * socketpair): every read ends, with data or -1 and the failure named,
 * nothing crashes, and no more comes out than the bounds of the login
 * context allow, however far the input inflates.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <unistd.h>

#include "fuzz.h"
#include "net/net-int.h"

/* What the socket buffers: the input is written whole before reading. */
#define FUZZ_INFLATE_MAX	60000

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perr	 io, err;
	mailstream	*s;
	char		 buf[4096];
	ssize_t		 n;
	size_t		 got = 0;
	int		 sv[2];

	if (size > FUZZ_INFLATE_MAX)
		size = FUZZ_INFLATE_MAX;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 0;
	s = tls_stream_plain(sv[0], 5, &io);
	FUZZ_CHECK(s != NULL);
	tls_stream_limit(s, NET_CTX_IMAP_LOGIN);
	FUZZ_CHECK(compress_stream_start(s, &err) == 0);
	FUZZ_CHECK(write(sv[1], data, size) == (ssize_t)size);
	close(sv[1]);
	while ((n = mailstream_read(s, buf, sizeof buf)) > 0)
		got += (size_t)n;
	FUZZ_CHECK(n == -1);
	FUZZ_CHECK(io.code != PERR_OK && io.msg[0] != '\0');
	/* NET_CTX_IMAP_LOGIN: a 4 MiB reply, and one read over it. */
	FUZZ_CHECK(got <= 4 * 1024 * 1024 + sizeof buf);
	mailstream_close(s);
	return 0;
}
