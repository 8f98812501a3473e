/*
 * rfc2231.c - MIME parameter values: RFC 2231 charsets and continuations.
 *
 * libetpan 1.9.4 parses "filename*0*=UTF-8''%E2%82%AC" as a parameter with
 * that literal name and leaves the rest to us. The forms handled, in the
 * order they are looked for:
 *
 *   name*=charset'lang'%XX...          one extended value
 *   name*0*=charset'lang'..; name*1=.. continuations, each segment either
 *                                      extended ("*N*", %-encoded) or not
 *   name="..."                         plain; RFC 2047 words and raw 8-bit
 *                                      text are decoded too, as mailers
 *                                      send them whatever the RFC says
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail.h"

#define MAX_SEGMENTS	256	/* RFC 2231 sets none; real mail uses few */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Append the %XX-decoded value; a stray "%" is kept as it is. */
static void
add_pct(struct mbuf *b, const char *v)
{
	int	hi, lo;

	for (; *v != '\0'; v++) {
		if (*v == '%' && (hi = hexval((unsigned char)v[1])) >= 0 &&
		    (lo = hexval((unsigned char)v[2])) >= 0) {
			mbuf_addc(b, (char)(hi * 16 + lo));
			v += 2;
		} else
			mbuf_addc(b, *v);
	}
}

/*
 * Split "charset'lang'text": copy the charset into cs and return text. A
 * value without the two quotes is all text.
 */
static const char *
split_ext(const char *v, char *cs, size_t size)
{
	const char	*q1, *q2;
	size_t		 n;

	cs[0] = '\0';
	if ((q1 = strchr(v, '\'')) == NULL ||
	    (q2 = strchr(q1 + 1, '\'')) == NULL)
		return v;
	n = (size_t)(q1 - v);
	if (n < size) {
		memcpy(cs, v, n);
		cs[n] = '\0';
	}
	return q2 + 1;
}

/*
 * If pname is "name*N" or "name*N*", return N and set *ext; else -1.
 */
static int
segment(const char *pname, const char *name, bool *ext)
{
	size_t	 nl = strlen(name);
	long	 k = 0;
	const char *p;

	if (strncasecmp(pname, name, nl) != 0 || pname[nl] != '*')
		return -1;
	p = pname + nl + 1;
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		k = k * 10 + (*p - '0');
		if (k >= MAX_SEGMENTS)
			return -1;
	}
	*ext = false;
	if (*p == '*') {
		*ext = true;
		p++;
	}
	return *p == '\0' ? (int)k : -1;
}

/* Convert the bytes in b from charset and sanitise them: malloc'd, and b
 * is emptied. */
static char *
finish(const char *charset, struct mbuf *b)
{
	char	*u, *s;
	size_t	 n;

	u = mail_charset_to_utf8(charset[0] ? charset : NULL, b->p, b->len,
	    &n);
	mbuf_free(b);
	s = sanitize_text(u, n, false);
	free(u);
	return s;
}

char *
rfc2231_param(const struct mail_param *v, size_t n, const char *name)
{
	struct mbuf	 b = { 0 };
	char		 charset[64] = "", star[80];
	const char	*seg[MAX_SEGMENTS];
	bool		 segext[MAX_SEGMENTS] = { false }, ext;
	size_t		 i;
	int		 k, nseg = 0;

	if (v == NULL || name == NULL || strlen(name) > 64)
		return NULL;

	/* name*=charset'lang'value */
	snprintf(star, sizeof star, "%s*", name);
	for (i = 0; i < n; i++) {
		if (v[i].name == NULL || v[i].value == NULL ||
		    strcasecmp(v[i].name, star) != 0)
			continue;
		add_pct(&b, split_ext(v[i].value, charset, sizeof charset));
		return finish(charset, &b);
	}

	/* name*0[*]=...; name*1[*]=...; taken in order up to the first gap */
	memset(seg, 0, sizeof seg);
	for (i = 0; i < n; i++) {
		if (v[i].name == NULL || v[i].value == NULL)
			continue;
		if ((k = segment(v[i].name, name, &ext)) < 0 || seg[k] != NULL)
			continue;
		seg[k] = v[i].value;
		segext[k] = ext;
		if (k + 1 > nseg)
			nseg = k + 1;
	}
	if (nseg > 0 && seg[0] != NULL) {
		for (k = 0; k < nseg && seg[k] != NULL; k++) {
			const char *val = seg[k];

			if (k == 0 && segext[0])
				val = split_ext(val, charset, sizeof charset);
			if (segext[k])
				add_pct(&b, val);
			else
				mbuf_adds(&b, val);
		}
		/* Mailers that split "=?...?=" words across segments exist. */
		if (!segext[0]) {
			char *s = rfc2047_decode_n(b.p, b.len);

			mbuf_free(&b);
			return s;
		}
		return finish(charset, &b);
	}

	/* name="plain", possibly with RFC 2047 words or raw 8-bit text */
	for (i = 0; i < n; i++) {
		if (v[i].name != NULL && v[i].value != NULL &&
		    strcasecmp(v[i].name, name) == 0)
			return rfc2047_decode(v[i].value);
	}
	return NULL;
}
