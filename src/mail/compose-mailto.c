/*
 * compose-mailto.c - mailto: URLs (RFC 6068) into a draft.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/compose-int.h"
#include "util/i18n.h"

/* ---- mailto: URLs ------------------------------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX-decode s[0..n) (RFC 3986); malloc'd. */
static char *
pct_decode(const char *s, size_t n)
{
	struct mbuf	b = { 0 };
	size_t		i;
	int		h, l;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && (h = hexval(s[i + 1])) >= 0 &&
		    (l = hexval(s[i + 2])) >= 0) {
			mbuf_addc(&b, (char)(h << 4 | l));
			i += 2;
		} else
			mbuf_addc(&b, s[i]);
	}
	return mbuf_finish(&b, NULL);
}

/* Append value to a comma-separated field. */
static void
field_append(char **field, const char *value)
{
	char	*s;

	if (*value == '\0')
		return;
	if (*field == NULL || **field == '\0') {
		free(*field);
		*field = xstrdup(value);
		return;
	}
	s = xasprintf("%s, %s", *field, value);
	free(*field);
	*field = s;
}

int
compose_mailto(const char *url, struct compose_draft *d, struct perr *err)
{
	const char	*p, *q, *amp, *eq;
	char		*v, *k, *body;
	size_t		 i;

	if (url == NULL || strncasecmp(url, "mailto:", 7) != 0)
		return perr_set(err, PERR_GENERIC, _("not a mailto: URL"));
	p = url + 7;
	q = strchr(p, '?');
	v = pct_decode(p, q != NULL ? (size_t)(q - p) : strlen(p));
	field_append(&d->to, v);
	free(v);
	for (p = q != NULL ? q + 1 : NULL; p != NULL && *p != '\0'; p = amp) {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp != NULL ? (size_t)(amp - p) : strlen(p));
		if (eq != NULL) {
			k = pct_decode(p, (size_t)(eq - p));
			v = pct_decode(eq + 1, amp != NULL ?
			    (size_t)(amp - eq - 1) : strlen(eq + 1));
			if (strcasecmp(k, "to") == 0)
				field_append(&d->to, v);
			else if (strcasecmp(k, "cc") == 0)
				field_append(&d->cc, v);
			else if (strcasecmp(k, "bcc") == 0)
				field_append(&d->bcc, v);
			else if (strcasecmp(k, "subject") == 0)
				compose_draft_set(&d->subject, v);
			else if (strcasecmp(k, "in-reply-to") == 0)
				compose_draft_set(&d->in_reply_to, v);
			else if (strcasecmp(k, "body") == 0) {
				/* CRLF in a URL body means a line break. */
				body = xstrdup(v);
				for (i = 0; body[i] != '\0'; i++)
					if (body[i] == '\r' && body[i + 1] == '\n')
						memmove(body + i, body + i + 1,
						    strlen(body + i));
				free(d->body);
				d->body = xasprintf("%s\n", body);
				free(body);
			}
			free(k);
			free(v);
		}
		if (amp != NULL)
			amp++;
	}
	return 0;
}
