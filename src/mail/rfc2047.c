/*
 * rfc2047.c - encoded words in header values.
 *
 * libetpan's mailmime_encoded_phrase_parse() decodes a whole value, but one
 * word it cannot handle (an unknown encoding letter, an invalid byte in its
 * charset) makes it reject the whole value, it silently drops raw bytes
 * that are invalid in the assumed charset, and it decodes a word that is
 * missing its "?=" up to the end of the line. So the value is scanned here
 * for well-formed encoded words only; each is decoded by libetpan's
 * mailmime_encoded_word_parse() (base64 or Q), and the bytes of adjacent
 * words in the same charset are joined before conversion, so a character
 * split across two words comes out whole. Everything else is left exactly
 * as written.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "mail/mail.h"

/* A charset token: RFC 2047 "token" (printable ASCII but especials). */
static bool
is_token(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7F)
		return false;
	return strchr("()<>@,;:\"/[]?=", c) == NULL;
}

/*
 * If s[i..n) starts a well-formed encoded word, return its length, else 0.
 * "=?" charset ["*" lang] "?" (B|Q) "?" text "?=", text being printable
 * ASCII without "?" or space.
 */
static size_t
word_len(const char *s, size_t i, size_t n)
{
	size_t	j = i, k;

	if (n - i < 8 || s[j] != '=' || s[j + 1] != '?')
		return 0;
	j += 2;
	for (k = j; k < n && is_token((unsigned char)s[k]); k++)
		;
	if (k == j || k - j > 64 || k >= n || s[k] != '?')
		return 0;
	j = k + 1;
	if (j + 2 >= n || strchr("BbQq", s[j]) == NULL || s[j + 1] != '?')
		return 0;
	j += 2;
	while (j < n && s[j] > 0x20 && s[j] < 0x7F && s[j] != '?')
		j++;
	if (j + 1 >= n || s[j] != '?' || s[j + 1] != '=')
		return 0;
	return j + 2 - i;
}

/* Bytes decoded from consecutive encoded words in one charset. */
struct pending {
	struct mbuf	 bytes;
	char		*charset;
};

static void
flush(struct pending *p, struct mbuf *out)
{
	char	*u;
	size_t	 n;

	if (p->charset == NULL)
		return;
	u = mail_charset_to_utf8(p->charset, p->bytes.p, p->bytes.len, &n);
	mbuf_add(out, u, n);
	free(u);
	free(p->charset);
	p->charset = NULL;
	p->bytes.len = 0;
}

/* Decode the well-formed word at s[i..i+wl) into p; false if libetpan
 * would not. */
static bool
decode_word(const char *s, size_t i, size_t wl, struct pending *p,
    struct mbuf *out)
{
	struct mailmime_encoded_word	*w = NULL;
	size_t				 idx = i;
	int				 fwd = 0, noquote = 0;
	char				*star;

	/* Bounded at the word's end, so libetpan cannot look past it. */
	if (mailmime_encoded_word_parse(s, i + wl, &idx, &w, &fwd,
	    &noquote) != MAILIMF_NO_ERROR || w == NULL)
		return false;
	if ((star = strchr(w->wd_charset, '*')) != NULL)
		*star = '\0';	/* RFC 2231 language: "UTF-8*en" */
	if (p->charset != NULL && strcasecmp(p->charset, w->wd_charset) != 0)
		flush(p, out);
	if (p->charset == NULL)
		p->charset = xstrdup(w->wd_charset);
	/* wd_text stops at a decoded NUL, which nobody needs to see. */
	mbuf_adds(&p->bytes, w->wd_text);
	mailmime_encoded_word_free(w);
	return true;
}

char *
rfc2047_decode_hint(const char *raw, size_t len, const char *hint)
{
	struct mbuf	 u = { 0 }, out = { 0 };
	struct pending	 p = { { 0 }, NULL };
	char		*s, *res, *t;
	size_t		 n, i, j, wl, start, end;
	bool		 prev_word = false;

	if (raw == NULL)
		return xstrdup("");

	/* Unfold: a line break followed by white space is only folding;
	 * any other line break or NUL becomes a space. */
	for (i = 0; i < len; i++) {
		if (raw[i] == '\r')
			continue;
		if (raw[i] == '\n' && i + 1 < len &&
		    (raw[i + 1] == ' ' || raw[i + 1] == '\t'))
			continue;
		mbuf_addc(&u, raw[i] == '\n' || raw[i] == '\0' ? ' ' : raw[i]);
	}

	/* Raw 8-bit text: UTF-8 when it is valid, else the hint, else
	 * Windows-1252. Encoded words are ASCII and come through either way. */
	if (hint != NULL && !mail_utf8_valid(u.p ? u.p : "", u.len))
		s = mail_charset_to_utf8(hint, u.p, u.len, &n);
	else
		s = mail_charset_to_utf8(NULL, u.p, u.len, &n);
	mbuf_free(&u);

	for (i = 0; i < n; ) {
		if (s[i] == '=' && (wl = word_len(s, i, n)) > 0 &&
		    decode_word(s, i, wl, &p, &out)) {
			i += wl;
			/* White space between two encoded words is dropped. */
			for (j = i; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
				;
			if (j > i && j < n && s[j] == '=' &&
			    word_len(s, j, n) > 0) {
				i = j;
			}
			prev_word = true;
			continue;
		}
		if (prev_word) {
			flush(&p, &out);
			prev_word = false;
		}
		mbuf_addc(&out, s[i]);
		i++;
	}
	flush(&p, &out);
	mbuf_free(&p.bytes);
	free(s);

	/* One line, no controls, no white space at either end. */
	t = sanitize_text(out.p ? out.p : "", out.len, false);
	mbuf_free(&out);
	for (start = 0; t[start] == ' '; start++)
		;
	for (end = strlen(t); end > start && t[end - 1] == ' '; end--)
		;
	res = xstrndup(t + start, end - start);
	free(t);
	return res;
}

char *
rfc2047_decode_n(const char *s, size_t n)
{
	return rfc2047_decode_hint(s, n, NULL);
}

char *
rfc2047_decode(const char *s)
{
	if (s == NULL)
		return xstrdup("");
	return rfc2047_decode_n(s, strlen(s));
}
