/*
 * mutf7.c - IMAP mailbox names in modified UTF-7 (RFC 3501 5.1.3).
 *
 * Printable ASCII stands for itself but "&", which is written "&-"; any
 * other run of characters is UTF-16, in base64 with "," for "/" and no
 * padding, between "&" and "-". libetpan 1.9.4 has no converter.
 *
 * The decoder is strict: a name that does not decode cleanly is returned
 * as NULL, and the caller shows the raw name (sanitised) and keeps using
 * the raw bytes with the server, which is always right.
 */
#include <string.h>

#include "mail/mail.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
b64val(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return -1;
	return (int)(p - b64);
}

struct shift {
	uint32_t	bits;
	int		nbits;
};

static void
put16(struct mbuf *b, struct shift *s, uint32_t unit)
{
	s->bits = (s->bits << 16) | unit;
	s->nbits += 16;
	while (s->nbits >= 6) {
		s->nbits -= 6;
		mbuf_addc(b, b64[(s->bits >> s->nbits) & 0x3F]);
	}
	s->bits &= (1u << s->nbits) - 1;
}

static void
close_shift(struct mbuf *b, struct shift *s)
{
	if (s->nbits > 0)
		mbuf_addc(b, b64[(s->bits << (6 - s->nbits)) & 0x3F]);
	mbuf_addc(b, '-');
	s->bits = 0;
	s->nbits = 0;
}

char *
mutf7_encode(const char *utf8)
{
	struct mbuf	 b = { 0 };
	struct shift	 sh = { 0, 0 };
	size_t		 i = 0, n, k;
	uint32_t	 c;
	bool		 shifted = false;

	if (utf8 == NULL)
		return NULL;
	n = strlen(utf8);
	while (i < n) {
		k = utf8_get(utf8 + i, n - i, &c);
		if (c == 0xFFFD && k == 1) {	/* invalid UTF-8 */
			mbuf_free(&b);
			return NULL;
		}
		i += k;
		if (c >= 0x20 && c <= 0x7E) {
			if (shifted) {
				close_shift(&b, &sh);
				shifted = false;
			}
			if (c == '&')
				mbuf_adds(&b, "&-");
			else
				mbuf_addc(&b, (char)c);
			continue;
		}
		if (!shifted) {
			mbuf_addc(&b, '&');
			shifted = true;
		}
		if (c >= 0x10000) {
			c -= 0x10000;
			put16(&b, &sh, 0xD800 | (c >> 10));
			put16(&b, &sh, 0xDC00 | (c & 0x3FF));
		} else
			put16(&b, &sh, c);
	}
	if (shifted)
		close_shift(&b, &sh);
	return mbuf_finish(&b, NULL);
}

char *
mutf7_decode(const char *s)
{
	struct mbuf	 b = { 0 };
	const char	*shift_end = NULL;
	char		 u[4];
	uint32_t	 bits, unit, high;
	int		 nbits, v;
	size_t		 units;

	if (s == NULL)
		return NULL;
	while (*s != '\0') {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
			goto bad;
		if (*s != '&') {
			mbuf_addc(&b, *s++);
			continue;
		}
		s++;
		if (*s == '-') {
			mbuf_addc(&b, '&');
			s++;
			continue;
		}
		/* A shift right after another ("&AOk-&AOk-") is the null
		 * shift RFC 3501 forbids: the canonical form is one shift
		 * ("&AOkA6Q-"), and two spellings would map two server
		 * names to one local name. */
		if (s - 1 == shift_end)
			goto bad;
		bits = 0;
		nbits = 0;
		high = 0;
		units = 0;
		while ((v = b64val(*s)) >= 0) {
			bits = (bits << 6) | (uint32_t)v;
			nbits += 6;
			s++;
			if (nbits < 16)
				continue;
			nbits -= 16;
			unit = (bits >> nbits) & 0xFFFF;
			bits &= (1u << nbits) - 1;
			units++;
			if (high != 0) {
				if (unit < 0xDC00 || unit > 0xDFFF)
					goto bad;
				unit = 0x10000 + ((high - 0xD800) << 10) +
				    (unit - 0xDC00);
				high = 0;
			} else if (unit >= 0xD800 && unit <= 0xDBFF) {
				high = unit;
				continue;
			} else if (unit >= 0xDC00 && unit <= 0xDFFF)
				goto bad;
			/* Printable ASCII must not be shifted; NUL cannot
			 * be in a name. */
			if ((unit >= 0x20 && unit <= 0x7E) || unit == 0)
				goto bad;
			mbuf_add(&b, u, utf8_put(unit, u));
		}
		/* A shift ends with "-", holds at least one character, and
		 * pads with fewer than 6 zero bits. */
		if (*s != '-' || units == 0 || high != 0 || nbits >= 6 ||
		    bits != 0)
			goto bad;
		shift_end = ++s;
	}
	return mbuf_finish(&b, NULL);
bad:
	mbuf_free(&b);
	return NULL;
}
