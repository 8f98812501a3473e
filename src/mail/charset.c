/*
 * charset.c - any charset to valid UTF-8.
 *
 * Mail declares its charset, often wrongly: "us-ascii" over 8-bit bytes,
 * "iso-8859-1" over Windows-1252 quotes, names iconv has never heard of.
 * Whatever the label, the result is valid UTF-8: undecodable bytes become
 * U+FFFD, and a label we cannot use falls back to "UTF-8 if it is valid,
 * else Windows-1252", the guess that is right for most of the world's mail.
 * UTF-8 and Windows-1252 are decoded here; everything else goes to iconv.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail.h"


bool
mail_utf8_valid(const char *s, size_t n)
{
	return utf8_valid(s, n);
}

/* UTF-8 in, UTF-8 out, each invalid byte replaced; malloc'd. */
static char *
from_utf8(const char *in, size_t len, size_t *outlen)
{
	struct mbuf	b = { 0 };
	char		u[4];
	uint32_t	c;
	size_t		i = 0, k, run;

	while (i < len) {
		/* Copy valid stretches whole: the common case is all of it. */
		run = i;
		while (run < len) {
			if ((unsigned char)in[run] < 0x80) {
				run++;
				continue;
			}
			k = utf8_get(in + run, len - run, &c);
			if (c == UTF8_REPLACEMENT && k == 1)
				break;
			run += k;
		}
		mbuf_add(&b, in + i, run - i);
		i = run;
		if (i < len) {
			mbuf_add(&b, u, utf8_put(UTF8_REPLACEMENT, u));
			i++;
		}
	}
	return mbuf_finish(&b, outlen);
}

/* Windows-1252 0x80-0x9F; 0 marks the five undefined bytes. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/* Windows-1252 to UTF-8, malloc'd. */
static char *
from_cp1252(const char *in, size_t len, size_t *outlen)
{
	struct mbuf	 b = { 0 };
	char		 u[4];
	uint32_t	 c;
	size_t		 i;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c < 0x80) {
			mbuf_addc(&b, (char)c);
			continue;
		}
		if (c < 0xA0)
			c = cp1252_high[c - 0x80] ? cp1252_high[c - 0x80] :
			    UTF8_REPLACEMENT;
		mbuf_add(&b, u, utf8_put(c, u));
	}
	return mbuf_finish(&b, outlen);
}

enum cs_kind {
	CS_AUTO,	/* unknown: UTF-8 if valid, else Windows-1252 */
	CS_UTF8,
	CS_CP1252,
	CS_ICONV,
};

/*
 * Labels mail uses for charsets iconv knows under a better name, or for a
 * superset that decodes what senders really wrote (WHATWG's choices).
 */
static const struct {
	const char	*label;
	enum cs_kind	 kind;
	const char	*name;
} aliases[] = {
	{ "us-ascii", CS_AUTO, NULL },
	{ "ascii", CS_AUTO, NULL },
	{ "us_ascii", CS_AUTO, NULL },
	{ "ansi_x3.4-1968", CS_AUTO, NULL },
	{ "iso646-us", CS_AUTO, NULL },
	{ "unknown-8bit", CS_AUTO, NULL },
	{ "unknown", CS_AUTO, NULL },
	{ "x-unknown", CS_AUTO, NULL },
	{ "x-user-defined", CS_AUTO, NULL },
	{ "default", CS_AUTO, NULL },
	{ "utf-8", CS_UTF8, NULL },
	{ "utf8", CS_UTF8, NULL },
	{ "x-utf8", CS_UTF8, NULL },
	{ "iso-8859-1", CS_CP1252, NULL },
	{ "iso8859-1", CS_CP1252, NULL },
	{ "iso_8859-1", CS_CP1252, NULL },
	{ "latin1", CS_CP1252, NULL },
	{ "latin-1", CS_CP1252, NULL },
	{ "l1", CS_CP1252, NULL },
	{ "cp819", CS_CP1252, NULL },
	{ "windows-1252", CS_CP1252, NULL },
	{ "cp1252", CS_CP1252, NULL },
	{ "cp-1252", CS_CP1252, NULL },
	{ "x-cp1252", CS_CP1252, NULL },
	{ "win-1252", CS_CP1252, NULL },
	{ "ks_c_5601-1987", CS_ICONV, "CP949" },
	{ "ks_c_5601", CS_ICONV, "CP949" },
	{ "euc-kr", CS_ICONV, "CP949" },
	{ "gb2312", CS_ICONV, "GB18030" },
	{ "gb_2312-80", CS_ICONV, "GB18030" },
	{ "gbk", CS_ICONV, "GB18030" },
	{ "x-gbk", CS_ICONV, "GB18030" },
	{ "cp936", CS_ICONV, "GB18030" },
	{ "euc-cn", CS_ICONV, "GB18030" },
	{ "iso-8859-8-i", CS_ICONV, "ISO-8859-8" },
	{ "iso-8859-8-e", CS_ICONV, "ISO-8859-8" },
	{ "shift_jis", CS_ICONV, "CP932" },
	{ "shift-jis", CS_ICONV, "CP932" },
	{ "sjis", CS_ICONV, "CP932" },
	{ "x-sjis", CS_ICONV, "CP932" },
	{ "iso-2022-jp", CS_ICONV, "ISO-2022-JP-2" },
	{ "tis-620", CS_ICONV, "CP874" },
	{ "iso-8859-11", CS_ICONV, "CP874" },
	{ "x-mac-roman", CS_ICONV, "MACINTOSH" },
	{ "unicode-1-1-utf-7", CS_ICONV, "UTF-7" },
};

/*
 * Read a charset label into name (cleaned: no quotes, no spaces, no RFC
 * 2231 "*lang" suffix) and say how to decode it. Labels come from hostile
 * mail and go to iconv_open(), so only plain names are let through.
 */
static enum cs_kind
classify(const char *label, char *name, size_t size)
{
	size_t	 i, n = 0;

	if (label == NULL)
		return CS_AUTO;
	while (*label == ' ' || *label == '\t' || *label == '"' ||
	    *label == '\'')
		label++;
	for (; *label != '\0' && *label != '*' && *label != '"' &&
	    *label != '\'' && *label != ' ' && *label != '\t'; label++) {
		if (n + 1 >= size)
			return CS_AUTO;
		if (!isalnum((unsigned char)*label) && *label != '-' &&
		    *label != '_' && *label != '.' && *label != ':')
			return CS_AUTO;
		name[n++] = (char)tolower((unsigned char)*label);
	}
	name[n] = '\0';
	if (n == 0)
		return CS_AUTO;
	for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		if (strcmp(name, aliases[i].label) != 0)
			continue;
		if (aliases[i].name != NULL)
			strcpy(name, aliases[i].name);	/* all short */
		return aliases[i].kind;
	}
	return CS_ICONV;
}

/*
 * Convert with iconv to malloc'd UTF-8. Returns NULL if iconv does not
 * know the charset, so that the caller can fall back.
 */
static char *
from_iconv(const char *name, const char *in, size_t len, size_t *outlen)
{
	struct mbuf	 b = { 0 };
	iconv_t		 cd;
	char		 chunk[4096], u[4], *ip, *op;
	size_t		 il, ol, r;
	bool		 done = false;

	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return NULL;
	ip = (char *)in;	/* iconv's prototype is not const-correct */
	il = len;
	while (!done) {
		op = chunk;
		ol = sizeof chunk;
		if (il > 0)
			r = iconv(cd, &ip, &il, &op, &ol);
		else {
			/* Flush the shift state of stateful encodings. */
			r = iconv(cd, NULL, NULL, &op, &ol);
			done = true;
		}
		mbuf_add(&b, chunk, (size_t)(op - chunk));
		if (r != (size_t)-1 || done)
			continue;
		if (errno == E2BIG)
			continue;
		/* EILSEQ: skip one byte; EINVAL: truncated at the end. */
		mbuf_add(&b, u, utf8_put(UTF8_REPLACEMENT, u));
		if (errno == EINVAL || il == 0) {
			il = 0;
			continue;
		}
		if (errno != EILSEQ) {
			/* Nothing else is documented; do not spin. */
			il = 0;
			continue;
		}
		ip++;
		il--;
	}
	if (iconv_close(cd) != 0) {
		/* Nothing to undo: the output is complete. */
	}
	/* glibc emits valid UTF-8, but the promise is ours to keep. */
	if (!mail_utf8_valid(b.p ? b.p : "", b.len)) {
		char	*fixed = from_utf8(b.p, b.len, outlen);

		mbuf_free(&b);
		return fixed;
	}
	return mbuf_finish(&b, outlen);
}

char *
mail_charset_to_utf8(const char *charset, const char *in, size_t len,
    size_t *outlen)
{
	char	 name[48], *s;

	if (in == NULL)
		len = 0;
	if (in == NULL)
		in = "";
	switch (classify(charset, name, sizeof name)) {
	case CS_UTF8:
		return from_utf8(in, len, outlen);
	case CS_CP1252:
		return from_cp1252(in, len, outlen);
	case CS_ICONV:
		if ((s = from_iconv(name, in, len, outlen)) != NULL)
			return s;
		/* FALLTHROUGH */
	case CS_AUTO:
		break;
	}
	if (mail_utf8_valid(in, len))
		return from_utf8(in, len, outlen);
	return from_cp1252(in, len, outlen);
}
