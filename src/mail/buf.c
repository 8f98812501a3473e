/*
 * buf.c - a growable byte buffer for the builders in src/mail.
 *
 * Allocation goes through xrealloc(), which aborts on out-of-memory, so the
 * callers never have a failure to check; the output caps they apply keep
 * the buffers bounded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"

static void
grow(struct mbuf *b, size_t need)
{
	size_t	cap;

	if (need <= b->cap - b->len && b->p != NULL)
		return;
	if (need > ((size_t)-1) / 2 - b->len)
		abort();	/* cannot happen with the caps in place */
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < need)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void
mbuf_add(struct mbuf *b, const void *p, size_t n)
{
	grow(b, n + 1);
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
mbuf_addc(struct mbuf *b, char c)
{
	mbuf_add(b, &c, 1);
}

void
mbuf_adds(struct mbuf *b, const char *s)
{
	mbuf_add(b, s, strlen(s));
}

void
mbuf_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	mbuf_adds(b, s);
	free(s);
}

char *
mbuf_finish(struct mbuf *b, size_t *len)
{
	char	*p;

	if (b->p == NULL)
		mbuf_add(b, "", 0);
	p = b->p;
	if (len != NULL)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
mbuf_free(struct mbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
