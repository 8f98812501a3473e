/*
 * pop3cmd.c - the POP3 commands of the sync (STAT, LIST + UIDL, RETR, TOP,
 * DELE, RSET, QUIT), as plain C data.
 *
 * posta reads these replies itself, from the session's mailstream buffer,
 * instead of through libetpan's mailpop3_list()/mailpop3_retr():
 *   - libetpan reads a multi-line reply to its end whatever its size (an
 *     endless UIDL list or message grows memory until the process dies);
 *     here every list is bounded by the STAT count and every message by a
 *     size the caller gives;
 *   - mailpop3_list() silently ignores a failed UIDL, and caches its
 *     table for the session, so a duplicate or odd UIDL could not be seen;
 *   - a reader that meets end-of-file fails at once (the driver returns -1
 *     at EOF, and an empty read is treated the same here), never spinning.
 *
 * Lines are read up to and including their LF straight out of libetpan's
 * read buffer (struct _mailstream is public), so nothing is read ahead and
 * libetpan's own QUIT in pop3_close() still finds the stream in step.
 *
 * Any failure that leaves the session out of step (I/O error, timeout,
 * EOF, garbage, a reply over its bound) cancels the stream before
 * returning: not one more byte is sent, so in particular the QUIT that
 * would commit the DELEs of this session can never follow a broken reply.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net-int.h"
#include "util/i18n.h"

/* RFC 1939 bounds a status line to 512 octets; be generous, not endless. */
#define POP3_LINE_MAX	4096

bool
pop3_err_fatal(const struct perr *err)
{
	return err->code != PERR_GENERIC && err->code != PERR_NOTFOUND &&
	    err->code != PERR_OK;
}

/* A broken session: cancel the stream, then word the error. */
static int
pop3_broken(struct pop3_conn *c, enum perr_code code, struct perr *err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
pop3_broken(struct pop3_conn *c, enum perr_code code, struct perr *err,
    const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->stream != NULL)
		tls_stream_cancel(c->stream);
	return net_fail(err, &c->io_err, c->report.hostport, code, "%s", msg);
}

/*
 * Append one line, LF included, to *buf (grown as needed, *len used,
 * *cap allocated) unless the total would pass max: then -1 with err set
 * (the session is broken). EOF or an I/O error: -1 with err set.
 */
static int
pop3_read_line(struct pop3_conn *c, char **buf, size_t *len, size_t *cap,
    size_t max, const char *what, struct perr *err)
{
	mailstream	*s = c->stream;
	const char	*nl;
	size_t		 n;
	ssize_t		 got;

	for (;;) {
		if (s->read_buffer_len == 0 &&
		    mailstream_feed_read_buffer(s) <= 0)
			return pop3_broken(c, PERR_CONNECT, err, _("%s: the "
			    "connection was closed or failed in the middle of "
			    "the reply"), what);
		nl = memchr(s->read_buffer, '\n', s->read_buffer_len);
		n = nl != NULL ? (size_t)(nl - s->read_buffer) + 1 :
		    s->read_buffer_len;
		if (n > max - *len)
			return pop3_broken(c, PERR_PROTOCOL, err, _("%s: the "
			    "reply is longer than %zu bytes; refusing it"),
			    what, max);
		if (*len + n + 1 > *cap) {
			/* Double, so a 50 MB message is ~26 reallocs. */
			*cap = *cap == 0 ? 8192 : *cap;
			while (*len + n + 1 > *cap)
				*cap *= 2;
			*buf = xrealloc(*buf, *cap);
		}
		/* Served from the read buffer: no read on the socket. */
		got = mailstream_read(s, *buf + *len, n);
		if (got < 0 || (size_t)got != n)
			return pop3_broken(c, PERR_CONNECT, err, _("%s: "
			    "reading the reply failed"), what);
		*len += n;
		(*buf)[*len] = '\0';
		if (nl != NULL)
			return 0;
	}
}

/* Strip a line's CRLF or LF in place; returns its new length. */
static size_t
pop3_chomp(char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return len;
}

static int
pop3_send(struct pop3_conn *c, const char *cmd, struct perr *err)
{
	size_t	len = strlen(cmd);

	if (mailstream_write(c->stream, cmd, len) != (ssize_t)len ||
	    mailstream_flush(c->stream) != 0)
		return pop3_broken(c, PERR_CONNECT, err, _("sending %.*s failed"),
		    (int)(len > 2 ? len - 2 : len), cmd);
	return 0;
}

/*
 * Send cmd (with its CRLF) and read the status line. +OK: 0, the text
 * after "+OK" in text (may be NULL). -ERR: -1 with PERR_GENERIC and the
 * server's words (the session goes on). Anything else breaks the session.
 */
static int
pop3_command(struct pop3_conn *c, const char *cmd, const char *what,
    char *text, size_t textlen, struct perr *err)
{
	char	*line = NULL, words[400];
	size_t	 len = 0, cap = 0;
	int	 rc;

	if (pop3_send(c, cmd, err) != 0)
		return -1;
	if (pop3_read_line(c, &line, &len, &cap, POP3_LINE_MAX, what,
	    err) != 0) {
		free(line);
		return -1;
	}
	len = pop3_chomp(line, len);
	if (strncmp(line, "+OK", 3) == 0 &&
	    (line[3] == '\0' || line[3] == ' ')) {
		if (text != NULL)
			snprintf(text, textlen, "%s", line[3] == ' ' ?
			    line + 4 : "");
		rc = 0;
	} else if (strncmp(line, "-ERR", 4) == 0) {
		net_server_text(words, sizeof words, line);
		rc = net_fail(err, NULL, c->report.hostport, PERR_GENERIC,
		    _("%s refused: %s"), what, words);
	} else {
		net_server_text(words, sizeof words, line);
		rc = pop3_broken(c, PERR_PROTOCOL, err, _("%s: not a POP3 "
		    "reply: %s"), what, words);
	}
	free(line);
	return rc;
}

/*
 * The next line of a multi-line reply, dot-unstuffed, without its line
 * end, into *buf (reused). Returns 1 for a line, 0 at the final ".".
 */
static int
pop3_list_line(struct pop3_conn *c, char **buf, size_t *cap, size_t *len,
    const char *what, struct perr *err)
{
	*len = 0;
	if (pop3_read_line(c, buf, len, cap, POP3_LINE_MAX, what, err) != 0)
		return -1;
	*len = pop3_chomp(*buf, *len);
	if ((*buf)[0] == '.') {
		if (*len == 1)
			return 0;
		memmove(*buf, *buf + 1, *len);
		(*len)--;
	}
	return 1;
}

int
pop3_stat(struct pop3_conn *c, unsigned *count, uint64_t *octets,
    struct perr *err)
{
	char			 text[512];
	unsigned long		 n;
	unsigned long long	 o;

	if (pop3_command(c, "STAT\r\n", "STAT", text, sizeof text, err) != 0)
		return -1;
	if (sscanf(text, "%lu %llu", &n, &o) != 2)
		return pop3_broken(c, PERR_PROTOCOL, err, _("STAT: cannot read "
		    "the message count in the reply"));
	if (n > POP3_MSGS_MAX)
		return pop3_broken(c, PERR_PROTOCOL, err, _("STAT: the server "
		    "says it holds %lu messages, more than posta accepts in "
		    "one mailbox (%d); refusing"), n, POP3_MSGS_MAX);
	*count = (unsigned)n;
	*octets = o;
	return 0;
}

/* Parse "N rest" with 1 <= N <= max; *rest points after the spaces. */
static int
pop3_num(const char *line, unsigned max, unsigned *num, const char **rest)
{
	unsigned long	 n = 0;
	const char	*p = line;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (unsigned long)(*p - '0');
		if (n > max)
			return -1;
		p++;
	}
	if (n == 0 || (*p != ' ' && *p != '\0'))
		return -1;
	while (*p == ' ')
		p++;
	*num = (unsigned)n;
	*rest = p;
	return 0;
}

/*
 * A UIDL as posta stores it: RFC 1939 allows 1 to 70 characters from
 * 0x21 to 0x7E. Anything else (spaces, control or 8-bit bytes) is kept
 * but written %XX, as is '%' itself, so two different server strings never
 * become the same identity. NULL when empty or absurdly long.
 */
static char *
pop3_uidl_clean(const char *raw, bool *odd)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 n = strlen(raw), i, o = 0;
	unsigned char		 ch;
	char			*out;

	*odd = false;
	if (n == 0 || n > POP3_UIDL_MAX * 4)
		return NULL;
	out = xmalloc(n * 3 + 1);
	for (i = 0; i < n; i++) {
		ch = (unsigned char)raw[i];
		if (ch < 0x21 || ch > 0x7e || ch == '%') {
			if (ch != '%')
				*odd = true;
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 0xf];
		} else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	if (n > POP3_UIDL_MAX)
		*odd = true;
	return out;
}

static int
pop3_cmp_uidl(const void *a, const void *b)
{
	const struct pop3_msg	*x = *(const struct pop3_msg *const *)a;
	const struct pop3_msg	*y = *(const struct pop3_msg *const *)b;

	return strcmp(x->uidl, y->uidl);
}

/*
 * Two messages with the same UIDL cannot be told apart: posta could take
 * the second for the first, already stored, and delete it unread. Both
 * lose their UIDL (and are then never deleted from the server).
 */
static void
pop3_drop_dups(struct pop3_msgs *m)
{
	struct pop3_msg	**v;
	size_t		  i, j, k = 0;

	v = xreallocarray(NULL, m->n > 0 ? m->n : 1, sizeof *v);
	for (i = 0; i < m->n; i++)
		if (m->v[i].uidl != NULL)
			v[k++] = &m->v[i];
	qsort(v, k, sizeof *v, pop3_cmp_uidl);
	for (i = 0; i < k; i = j) {
		for (j = i + 1; j < k && strcmp(v[i]->uidl, v[j]->uidl) == 0;
		    j++)
			;
		if (j - i < 2)
			continue;
		for (; i < j; i++) {
			m->dup++;
			free(v[i]->uidl);
			v[i]->uidl = NULL;
		}
	}
	free(v);
}

/* The entry for message number num (v is sorted by num), or NULL. */
static struct pop3_msg *
pop3_find_num(struct pop3_msgs *m, unsigned num)
{
	size_t	lo = 0, hi = m->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->v[mid].num == num)
			return &m->v[mid];
		if (m->v[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
pop3_read_list(struct pop3_conn *c, unsigned count, struct pop3_msgs *m,
    struct perr *err)
{
	char			*line = NULL;
	const char		*rest;
	size_t			 cap = 0, len;
	unsigned		 num;
	unsigned long long	 size;
	char			*end;
	int			 r;

	while ((r = pop3_list_line(c, &line, &cap, &len, "LIST", err)) == 1) {
		if (m->n >= count) {
			r = pop3_broken(c, PERR_PROTOCOL, err, _("LIST: the "
			    "server lists more messages than the %u its STAT "
			    "reported; refusing an endless list"), count);
			break;
		}
		if (pop3_num(line, POP3_MSGS_MAX, &num, &rest) != 0 ||
		    (size = strtoull(rest, &end, 10), end == rest) ||
		    (m->n > 0 && num <= m->v[m->n - 1].num)) {
			r = pop3_broken(c, PERR_PROTOCOL, err, _("LIST: a line "
			    "that is not 'number size' in rising order"));
			break;
		}
		m->v[m->n].num = num;
		m->v[m->n].size = size;
		m->v[m->n].uidl = NULL;
		m->n++;
	}
	free(line);
	return r == 0 ? 0 : -1;
}

static int
pop3_read_uidl(struct pop3_conn *c, unsigned count, struct pop3_msgs *m,
    struct perr *err)
{
	struct pop3_msg	*e;
	char		*line = NULL;
	const char	*rest;
	size_t		 cap = 0, len, lines = 0;
	unsigned	 num;
	bool		 odd;
	int		 r;

	while ((r = pop3_list_line(c, &line, &cap, &len, "UIDL", err)) == 1) {
		if (++lines > count) {
			r = pop3_broken(c, PERR_PROTOCOL, err, _("UIDL: the "
			    "server lists more messages than the %u its STAT "
			    "reported; refusing an endless list"), count);
			break;
		}
		if (pop3_num(line, POP3_MSGS_MAX, &num, &rest) != 0) {
			r = pop3_broken(c, PERR_PROTOCOL, err, _("UIDL: a line "
			    "that is not 'number unique-id'"));
			break;
		}
		/* A number LIST did not give: no size, cannot be fetched. */
		if ((e = pop3_find_num(m, num)) == NULL)
			continue;
		if (e->uidl != NULL) {
			/* The same number twice: trust neither. */
			free(e->uidl);
			e->uidl = NULL;
			m->dup++;
			continue;
		}
		if ((e->uidl = pop3_uidl_clean(rest, &odd)) != NULL && odd)
			m->odd++;
	}
	free(line);
	return r == 0 ? 0 : -1;
}

int
pop3_scan(struct pop3_conn *c, struct pop3_msgs *m, struct perr *err)
{
	uint64_t	octets;
	unsigned	count;
	int		r;

	memset(m, 0, sizeof *m);
	if (pop3_stat(c, &count, &octets, err) != 0)
		return -1;
	m->v = xreallocarray(NULL, count > 0 ? count : 1, sizeof *m->v);
	if (pop3_command(c, "LIST\r\n", "LIST", NULL, 0, err) != 0 ||
	    pop3_read_list(c, count, m, err) != 0)
		goto fail;
	r = pop3_command(c, "UIDL\r\n", "UIDL", NULL, 0, err);
	if (r != 0) {
		if (pop3_err_fatal(err))
			goto fail;
		/* -ERR: a server without UIDL (RFC 1939 makes it optional). */
		perr_clear(err);
		return 0;
	}
	m->uidl = true;
	if (pop3_read_uidl(c, count, m, err) != 0)
		goto fail;
	pop3_drop_dups(m);
	return 0;
fail:
	pop3_msgs_free(m);
	return -1;
}

void
pop3_msgs_free(struct pop3_msgs *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		free(m->v[i].uidl);
	free(m->v);
	memset(m, 0, sizeof *m);
}

/*
 * Read a multi-line message into *raw, dot-unstuffed, line ends as sent.
 * Each line is read straight into the message buffer, then looked at.
 */
static int
pop3_read_message(struct pop3_conn *c, size_t max, const char *what,
    char **raw, size_t *rawlen, struct perr *err)
{
	char	*buf = NULL, *line;
	size_t	 len = 0, cap = 0, start, n;

	for (;;) {
		start = len;
		/* +3: room for the final ".\r\n" on top of max. */
		if (pop3_read_line(c, &buf, &len, &cap, max + 3, what,
		    err) != 0) {
			free(buf);
			return -1;
		}
		line = buf + start;
		n = len - start;
		if (line[0] != '.')
			continue;
		if ((n == 3 && line[1] == '\r') || n == 2) {
			len = start;	/* the end: drop ".\r\n" */
			break;
		}
		memmove(line, line + 1, n - 1);
		len--;
	}
	if (len > max) {
		free(buf);
		return pop3_broken(c, PERR_PROTOCOL, err, _("%s: the message "
		    "is larger than %zu bytes; refusing it"), what, max);
	}
	if (buf == NULL)
		buf = xmalloc(1);
	buf[len] = '\0';
	*raw = buf;
	*rawlen = len;
	return 0;
}

int
pop3_retr(struct pop3_conn *c, unsigned num, size_t max, char **raw,
    size_t *len, struct perr *err)
{
	char	cmd[64], what[48];

	*raw = NULL;
	*len = 0;
	snprintf(cmd, sizeof cmd, "RETR %u\r\n", num);
	snprintf(what, sizeof what, "RETR %u", num);
	if (pop3_command(c, cmd, what, NULL, 0, err) != 0)
		return -1;
	return pop3_read_message(c, max, what, raw, len, err);
}

int
pop3_top(struct pop3_conn *c, unsigned num, unsigned lines, size_t max,
    char **raw, size_t *len, struct perr *err)
{
	char	cmd[64], what[48];

	*raw = NULL;
	*len = 0;
	snprintf(cmd, sizeof cmd, "TOP %u %u\r\n", num, lines);
	snprintf(what, sizeof what, "TOP %u", num);
	if (pop3_command(c, cmd, what, NULL, 0, err) != 0)
		return -1;
	return pop3_read_message(c, max, what, raw, len, err);
}

int
pop3_dele(struct pop3_conn *c, unsigned num, struct perr *err)
{
	char	cmd[64], what[48];

	snprintf(cmd, sizeof cmd, "DELE %u\r\n", num);
	snprintf(what, sizeof what, "DELE %u", num);
	return pop3_command(c, cmd, what, NULL, 0, err);
}

int
pop3_rset(struct pop3_conn *c, struct perr *err)
{
	return pop3_command(c, "RSET\r\n", "RSET", NULL, 0, err);
}

int
pop3_quit(struct pop3_conn *c, struct perr *err)
{
	int	rc;

	rc = pop3_command(c, "QUIT\r\n", "QUIT", NULL, 0, err);
	/* Whatever the answer, this session is over: nothing more is sent. */
	if (c->stream != NULL)
		tls_stream_cancel(c->stream);
	return rc;
}
