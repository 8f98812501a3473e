/*
 * list.c - mailing list headers (RFC 2369 List-Post, List-Unsubscribe;
 * RFC 2919 List-Id), read straight from the header block.
 *
 * The values are URLs in angle brackets, separated by commas, with
 * comments in parentheses; whitespace inside the brackets is dropped, as
 * RFC 2369 asks. Everything is bounded: the header block read (256 KiB),
 * one value (8 KiB), the URLs kept (MAIL_MLIST_MAX_URLS, each 2 KiB).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail.h"

#define HEADER_MAX	(256 * 1024)
#define VALUE_MAX	8192
#define URL_MAX		2048

/*
 * The unfolded value of the first field called name in the header block
 * of raw, or NULL. Malloc'd, at most VALUE_MAX bytes, not yet sanitised.
 */
static char *
header_value(const char *raw, size_t len, const char *name)
{
	struct mbuf	 b = { 0 };
	size_t		 nlen = strlen(name), i = 0, eol;
	bool		 in = false;

	if (len > HEADER_MAX)
		len = HEADER_MAX;
	/* An mbox "From " line is not a field. */
	if (len >= 5 && memcmp(raw, "From ", 5) == 0)
		while (i < len && raw[i++] != '\n')
			;
	while (i < len) {
		for (eol = i; eol < len && raw[eol] != '\n'; eol++)
			;
		if (eol == i || (eol == i + 1 && raw[i] == '\r'))
			break;		/* the empty line ends the block */
		if (in && (raw[i] == ' ' || raw[i] == '\t')) {
			if (b.len < VALUE_MAX)
				mbuf_add(&b, raw + i, eol - i);
		} else if (in)
			break;
		else if (eol - i > nlen && strncasecmp(raw + i, name, nlen) ==
		    0 && raw[i + nlen] == ':') {
			in = true;
			mbuf_add(&b, raw + i + nlen + 1, eol - i - nlen - 1);
		}
		i = eol + 1;
	}
	if (!in)
		return NULL;
	if (b.len > VALUE_MAX)
		b.len = VALUE_MAX;
	return mbuf_finish(&b, NULL);
}

/* The URLs of an RFC 2369 value, in order (at most the max): *out is a
 * malloc'd array of malloc'd strings. */
static void
urls(const char *v, char ***out, size_t *n)
{
	const char	*p = v, *end;
	struct mbuf	 u;
	int		 depth;

	*out = NULL;
	*n = 0;
	while (p != NULL && *p != '\0' && *n < MAIL_MLIST_MAX_URLS) {
		if (*p == '(') {
			/* A comment; nested ones counted, not recursed. */
			for (depth = 0; *p != '\0'; p++) {
				if (*p == '(')
					depth++;
				else if (*p == ')' && --depth == 0)
					break;
			}
			if (*p != '\0')
				p++;
			continue;
		}
		if (*p != '<') {
			p++;
			continue;
		}
		if ((end = strchr(++p, '>')) == NULL)
			break;
		memset(&u, 0, sizeof u);
		for (; p < end; p++)
			if (*p != ' ' && *p != '\t' && *p != '\r' &&
			    *p != '\n' && u.len < URL_MAX)
				mbuf_addc(&u, *p);
		p = end + 1;
		if (u.len == 0) {
			mbuf_free(&u);
			continue;
		}
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = mbuf_finish(&u, NULL);
	}
}

static char *
sanitised_or_empty(char *s)
{
	char	*out = sanitize_line(s != NULL ? s : "");

	free(s);
	return out;
}

void
mail_mlist_parse(const char *raw, size_t len, struct mail_mlist *l)
{
	char	*v, **post = NULL;
	size_t	 npost = 0, i;

	memset(l, 0, sizeof *l);
	if (raw == NULL)
		raw = "", len = 0;
	v = header_value(raw, len, "List-Id");
	l->id = rfc2047_decode(v);	/* "" for NULL; sanitised */
	free(v);
	v = header_value(raw, len, "List-Post");
	if (v != NULL) {
		urls(v, &post, &npost);
		for (i = 0; i < npost && l->post == NULL; i++)
			if (strncasecmp(post[i], "mailto:", 7) == 0)
				l->post = sanitize_line(post[i]);
		for (i = 0; i < npost; i++)
			free(post[i]);
		free(post);
		free(v);
	}
	v = header_value(raw, len, "List-Unsubscribe");
	if (v != NULL) {
		urls(v, &l->unsub, &l->nunsub);
		for (i = 0; i < l->nunsub; i++)
			l->unsub[i] = sanitised_or_empty(l->unsub[i]);
		free(v);
	}
}

void
mail_mlist_free(struct mail_mlist *l)
{
	size_t	i;

	free(l->id);
	free(l->post);
	for (i = 0; i < l->nunsub; i++)
		free(l->unsub[i]);
	free(l->unsub);
	memset(l, 0, sizeof *l);
}
