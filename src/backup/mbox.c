/*
 * mbox.c - mboxrd, both ways, one message at a time.
 *
 * mboxrd (not mboxo) because it is the variant that round-trips: on the
 * way out every line matching ^>*From  gets one more '>', on the way in
 * every line matching ^>+From  loses one, so a body line ">From x" comes
 * back as it was, which mboxo cannot promise.
 *
 * An entry as posta writes it:
 *
 *   From SENDER Thu Jan  1 00:00:00 1970\n
 *   Status: RO\n               always, so a reader knows what is posta's
 *   X-Status: AF\n             always, empty when none of A F T D applies
 *   <the message, quoted>      byte for byte otherwise (CRLF stays CRLF)
 *   \n                         one, always: reading drops exactly one
 *
 * The single trailing "\n" is what makes reading exact: a message that
 * ends without a newline, with "\n" or with "\r\n" each comes back the same.
 * The Status lines go right after the "From " line, not at the end of the
 * header, so that taking them out again never has to guess which of two
 * Status headers was the original's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "backup/backup.h"
#include "util/i18n.h"

/* ---- writing ----------------------------------------------------------- */

/* Does the line at p (n bytes) match ^>*From  ? */
static bool
is_from_line(const char *p, size_t n, size_t *quotes)
{
	size_t	q = 0;

	while (q < n && p[q] == '>')
		q++;
	*quotes = q;
	return n - q >= 5 && memcmp(p + q, "From ", 5) == 0;
}

/* The envelope sender: printable, no spaces, never empty. */
static void
envelope_sender(const char *from, char *out, size_t len)
{
	size_t	o = 0;

	for (; from != NULL && *from != '\0' && o + 1 < len; from++)
		if ((unsigned char)*from > 0x20 && (unsigned char)*from < 0x7f)
			out[o++] = *from;
	out[o] = '\0';
	if (o == 0)
		snprintf(out, len, "MAILER-DAEMON");
}

int
backup_mbox_write(FILE *f, const char *raw, size_t len, const char *from,
    int64_t date, unsigned flags, struct perr *err)
{
	char		 sender[256], when[64], xs[8];
	time_t		 t = (time_t)date;
	struct tm	 tm;
	const char	*p, *end = raw + len, *nl;
	size_t		 n, q, x = 0;

	envelope_sender(from, sender, sizeof sender);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm) == 0)
		snprintf(when, sizeof when, "Thu Jan  1 00:00:00 1970");
	if (flags & STORE_ANSWERED)
		xs[x++] = 'A';
	if (flags & STORE_FLAGGED)
		xs[x++] = 'F';
	if (flags & STORE_DRAFT)
		xs[x++] = 'T';
	if (flags & STORE_DELETED)
		xs[x++] = 'D';
	xs[x] = '\0';
	/* Both lines always: reading then never eats a message's own. */
	fprintf(f, "From %s %s\nStatus: %s\nX-Status: %s\n", sender, when,
	    (flags & STORE_SEEN) ? "RO" : "O", xs);
	for (p = raw; p < end; p += n) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (is_from_line(p, n, &q))
			(void)putc('>', f);
		if (fwrite(p, 1, n, f) != n)
			break;
	}
	(void)putc('\n', f);
	if (ferror(f))
		return perr_set(err, PERR_IO, _("writing the mbox: %s"),
		    strerror(errno));
	return 0;
}

/* ---- flags --------------------------------------------------------------- */

unsigned
backup_status_flags(const char *status, const char *xstatus)
{
	unsigned	f = 0;

	for (; status != NULL && *status != '\0'; status++)
		if (*status == 'R')
			f |= STORE_SEEN;
	for (; xstatus != NULL && *xstatus != '\0'; xstatus++)
		switch (*xstatus) {
		case 'A':
			f |= STORE_ANSWERED;
			break;
		case 'F':
			f |= STORE_FLAGGED;
			break;
		case 'T':
			f |= STORE_DRAFT;
			break;
		case 'D':
			f |= STORE_DELETED;
			break;
		}
	return f;
}

/* ---- reading ------------------------------------------------------------- */

struct backup_mbox {
	FILE	*f;
	char	*path;
	bool	 started;	/* the first "From " line was read */
	bool	 eof;
	size_t	 count;		/* entries read, for messages */
};

struct backup_mbox *
backup_mbox_open(const char *path, struct perr *err)
{
	struct backup_mbox	*mb;
	FILE			*f;

	if ((f = fopen(path, "rb")) == NULL) {
		perr_set(err, errno == ENOENT ? PERR_NOTFOUND : PERR_IO,
		    "%s: %s", path, strerror(errno));
		return NULL;
	}
	mb = xcalloc(1, sizeof *mb);
	mb->f = f;
	mb->path = xstrdup(path);
	return mb;
}

void
backup_mbox_close(struct backup_mbox *mb)
{
	if (mb == NULL)
		return;
	(void)fclose(mb->f);
	free(mb->path);
	free(mb);
}

/*
 * Append one line (through its '\n', or to EOF) to buf. Returns its length,
 * 0 at EOF, -1 when buf would pass max or on a read error.
 */
static ssize_t
read_line(FILE *f, char **buf, size_t *len, size_t *cap, size_t max)
{
	size_t	start = *len;
	int	c;

	while ((c = getc_unlocked(f)) != EOF) {
		if (*len >= max)
			return -1;
		if (*len + 2 > *cap) {
			*cap = *cap == 0 ? 4096 : *cap * 2;
			*buf = xrealloc(*buf, *cap);
		}
		(*buf)[(*len)++] = (char)c;
		if (c == '\n')
			break;
	}
	if (ferror(f))
		return -1;
	if (*buf != NULL)
		(*buf)[*len] = '\0';
	return (ssize_t)(*len - start);
}

/* A header line "Name: value" at p: the value (trimmed) into out. */
static bool
header_is(const char *p, size_t n, const char *name, char *out, size_t len)
{
	size_t	k = strlen(name), o = 0;

	if (n <= k || strncasecmp(p, name, k) != 0 || p[k] != ':')
		return false;
	for (p += k + 1, n -= k + 1; n > 0 && o + 1 < len; p++, n--)
		if (!isspace((unsigned char)*p))
			out[o++] = *p;
	out[o] = '\0';
	return true;
}

/* Length of the line at p (through '\n'). */
static size_t
line_len(const char *p, size_t n)
{
	const char	*nl = memchr(p, '\n', n);

	return nl != NULL ? (size_t)(nl - p) + 1 : n;
}

/* Take posta's leading Status / X-Status out of *buf; else read flags. */
static unsigned
take_status(char *buf, size_t *len)
{
	char		 st[32] = "", xs[32] = "", v[32];
	size_t		 n, off = 0, cut = 0;
	bool		 leading = false;

	n = line_len(buf, *len);
	if (header_is(buf, n, "Status", st, sizeof st)) {
		leading = true;
		cut = n;
		n = line_len(buf + cut, *len - cut);
		if (header_is(buf + cut, n, "X-Status", xs, sizeof xs))
			cut += n;
		memmove(buf, buf + cut, *len - cut + 1);
		*len -= cut;
	}
	if (leading)
		return backup_status_flags(st, xs);
	/* Another program's mbox: Status anywhere in the header. */
	while (off < *len) {
		n = line_len(buf + off, *len - off);
		if (n <= 2 && (buf[off] == '\n' || buf[off] == '\r'))
			break;	/* the end of the header */
		if (header_is(buf + off, n, "Status", v, sizeof v))
			snprintf(st, sizeof st, "%s", v);
		else if (header_is(buf + off, n, "X-Status", v, sizeof v))
			snprintf(xs, sizeof xs, "%s", v);
		off += n;
	}
	return backup_status_flags(st, xs);
}

int
backup_mbox_next(struct backup_mbox *mb, char **raw, size_t *len,
    unsigned *flags, struct perr *err)
{
	char	*buf = NULL;
	size_t	 blen = 0, cap = 0, start, q;
	ssize_t	 n;

	*raw = NULL;
	*len = 0;
	*flags = 0;
	if (mb->eof)
		return 0;
	if (!mb->started) {
		n = read_line(mb->f, &buf, &blen, &cap, 64 << 10);
		if (n == 0) {
			free(buf);
			mb->eof = true;
			return 0;	/* an empty file: no messages */
		}
		if (n < 0 || blen < 5 || memcmp(buf, "From ", 5) != 0) {
			free(buf);
			return perr_set(err, PERR_IO, _("%s: not an mbox file "
			    "(it does not start with a \"From \" line)"),
			    mb->path);
		}
		mb->started = true;
		blen = 0;
	}
	for (;;) {
		start = blen;
		n = read_line(mb->f, &buf, &blen, &cap, MAIL_MSG_MAX + 64);
		if (n < 0) {
			free(buf);
			if (ferror(mb->f))
				return perr_set(err, PERR_IO, "%s: %s",
				    mb->path, strerror(errno));
			return perr_set(err, PERR_IO, _("%s: message %zu is "
			    "larger than %zu MiB; refusing it"), mb->path,
			    mb->count + 1, MAIL_MSG_MAX >> 20);
		}
		if (n == 0) {
			mb->eof = true;
			break;
		}
		if ((size_t)n >= 5 && memcmp(buf + start, "From ", 5) == 0) {
			blen = start;	/* the next entry's separator */
			break;
		}
		/* mboxrd: ">From " -> "From ", ">>From " -> ">From "... */
		if (is_from_line(buf + start, (size_t)n, &q) && q > 0) {
			memmove(buf + start, buf + start + 1, (size_t)n);
			blen--;
		}
	}
	if (buf == NULL)
		buf = xcalloc(1, 1);
	buf[blen] = '\0';
	/* The one "\n" that ends every entry. */
	if (blen > 0 && buf[blen - 1] == '\n')
		buf[--blen] = '\0';
	*flags = take_status(buf, &blen);
	if (blen > MAIL_MSG_MAX) {
		free(buf);
		return perr_set(err, PERR_IO, _("%s: message %zu is larger "
		    "than %zu MiB; refusing it"), mb->path, mb->count + 1,
		    MAIL_MSG_MAX >> 20);
	}
	mb->count++;
	*raw = buf;
	*len = blen;
	return 1;
}
