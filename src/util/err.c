/* err.c - errors that carry their own explanation. */
#include <stdio.h>
#include <string.h>

#include "util/util.h"

void
perr_clear(struct perr *e)
{
	e->code = PERR_OK;
	e->msg[0] = '\0';
}

int
perr_set(struct perr *e, enum perr_code code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

void
perr_prefix(struct perr *e, const char *fmt, ...)
{
	char	 ctx[512];
	size_t	 clen, mlen;
	va_list	 ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof ctx - 2, fmt, ap);
	va_end(ap);
	strcat(ctx, ": ");
	clen = strlen(ctx);
	/* Said already where the failure was understood: not twice. */
	if (strncmp(e->msg, ctx, clen) == 0)
		return;
	mlen = strnlen(e->msg, sizeof e->msg - 1);
	/* Keep the context whole; the old message loses its tail if need be. */
	if (clen + mlen > sizeof e->msg - 1)
		mlen = sizeof e->msg - 1 - clen;
	memmove(e->msg + clen, e->msg, mlen);
	memcpy(e->msg, ctx, clen);
	e->msg[clen + mlen] = '\0';
}
