/*
 * compose-draft.c - the draft: a struct compose_draft's life, and the
 * draft file the user edits in $EDITOR (headers, a blank line, the body)
 * read back into it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/compose-int.h"
#include "util/i18n.h"

/* ---- drafts ----------------------------------------------------------- */

static void
attachment_free(struct compose_attachment *a)
{
	free(a->filename);
	free(a->type);
	free(a->data);
	free(a->path);
}

void
compose_draft_free(struct compose_draft *d)
{
	size_t	i;

	if (d == NULL)
		return;
	free(d->from);
	free(d->to);
	free(d->cc);
	free(d->bcc);
	free(d->reply_to);
	free(d->subject);
	free(d->in_reply_to);
	free(d->references);
	free(d->body);
	for (i = 0; i < d->natt; i++)
		attachment_free(&d->att[i]);
	free(d->att);
	memset(d, 0, sizeof *d);
}

void
compose_draft_set(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? xstrdup(value) : NULL;
}

/* The last path component, one line, never empty. Malloc'd. */
static char *
clean_filename(const char *name)
{
	const char	*slash;
	char		*s;

	if (name == NULL)
		name = "";
	if ((slash = strrchr(name, '/')) != NULL)
		name = slash + 1;
	s = compose_header_text(name);
	if (*s == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
		free(s);
		s = xstrdup("attachment");
	}
	return s;
}

void
compose_draft_attach(struct compose_draft *d, char *data, size_t len,
    const char *filename, const char *type, const char *path)
{
	struct compose_attachment *a;

	d->att = xreallocarray(d->att, d->natt + 1, sizeof *d->att);
	a = &d->att[d->natt++];
	memset(a, 0, sizeof *a);
	a->data = data;
	a->len = len;
	a->filename = clean_filename(filename);
	a->type = type != NULL ? xstrdup(type) : NULL;
	a->path = path != NULL ? xstrdup(path) : NULL;
}

void
compose_draft_detach(struct compose_draft *d, size_t i)
{
	if (i >= d->natt)
		return;
	attachment_free(&d->att[i]);
	memmove(&d->att[i], &d->att[i + 1],
	    (d->natt - i - 1) * sizeof *d->att);
	d->natt--;
}

void
compose_draft_add_signature(struct compose_draft *d, const char *sig,
    size_t len)
{
	struct mbuf	b = { 0 };

	while (len > 0 && (sig[len - 1] == '\n' || sig[len - 1] == '\r'))
		len--;
	if (sig == NULL || len == 0)
		return;
	if (d->body != NULL)
		mbuf_adds(&b, d->body);
	if (b.len > 0 && b.p[b.len - 1] != '\n')
		mbuf_addc(&b, '\n');
	if (!(len >= 3 && memcmp(sig, "-- ", 3) == 0))
		mbuf_adds(&b, "\n-- \n");
	else
		mbuf_addc(&b, '\n');
	mbuf_add(&b, sig, len);
	mbuf_addc(&b, '\n');
	free(d->body);
	d->body = mbuf_finish(&b, NULL);
}

char *
compose_message_id(const unsigned char *rnd, size_t n, const char *from_addr)
{
	static const char hex[] = "0123456789abcdef";
	struct mbuf	  b = { 0 };
	const char	 *at;
	size_t		  i;

	for (i = 0; i < n && i < 32; i++) {
		mbuf_addc(&b, hex[rnd[i] >> 4]);
		mbuf_addc(&b, hex[rnd[i] & 15]);
	}
	at = from_addr != NULL ? strrchr(from_addr, '@') : NULL;
	if (at != NULL && at[1] != '\0' && strpbrk(at + 1, "<> \t\r\n") ==
	    NULL && compose_all_ascii(at + 1, strlen(at + 1)))
		mbuf_printf(&b, "@%s", at + 1);
	else
		mbuf_adds(&b, "@localhost");
	return mbuf_finish(&b, NULL);
}

/* ---- the draft file ---------------------------------------------------- */

static const char *const draft_headers[] = { "From", "To", "Cc", "Bcc",
    "Subject", "Reply-To" };
#define NDRAFT_HEADERS	(sizeof draft_headers / sizeof draft_headers[0])

static char **
draft_field(struct compose_draft *d, size_t i)
{
	char	**f[NDRAFT_HEADERS] = { &d->from, &d->to, &d->cc, &d->bcc,
		    &d->subject, &d->reply_to };

	return f[i];
}

char *
compose_draft_file(const struct compose_draft *cd)
{
	struct compose_draft	*d = (struct compose_draft *)cd;
	struct mbuf		 b = { 0 };
	char			*v;
	size_t			 i;

	for (i = 0; i < NDRAFT_HEADERS; i++) {
		v = compose_header_text(*draft_field(d, i));
		mbuf_printf(&b, "%s: %s\n", draft_headers[i], v);
		free(v);
	}
	mbuf_addc(&b, '\n');
	if (d->body != NULL)
		mbuf_adds(&b, d->body);
	return mbuf_finish(&b, NULL);
}

int
compose_draft_file_parse(const char *text, size_t len,
    struct compose_draft *d, struct perr *err)
{
	struct mbuf	 vals[NDRAFT_HEADERS], body = { 0 };
	const char	*p = text, *end = text + len, *nl, *colon;
	size_t		 i, n, lineno = 0, cur = NDRAFT_HEADERS;
	bool		 in_body = false;

	memset(vals, 0, sizeof vals);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (in_body) {
			for (i = 0; i < n; i++)
				if (!(p[i] == '\r' && i + 1 == n))
					mbuf_addc(&body, p[i]);
			if (nl != NULL)
				mbuf_addc(&body, '\n');
		} else if (n == 0 || (n == 1 && p[0] == '\r')) {
			in_body = true;
		} else if ((p[0] == ' ' || p[0] == '\t') &&
		    cur < NDRAFT_HEADERS) {
			i = strspn(p, " \t");
			mbuf_addc(&vals[cur], ' ');
			mbuf_add(&vals[cur], p + i, n - i);
		} else {
			colon = memchr(p, ':', n);
			cur = NDRAFT_HEADERS;
			for (i = 0; colon != NULL && i < NDRAFT_HEADERS; i++)
				if ((size_t)(colon - p) ==
				    strlen(draft_headers[i]) &&
				    strncasecmp(p, draft_headers[i],
				    (size_t)(colon - p)) == 0)
					cur = i;
			if (cur == NDRAFT_HEADERS) {
				perr_set(err, PERR_GENERIC, colon == NULL ?
				    _("line %zu: not a header line: '%.*s' "
				    "(the header lines are From, To, Cc, Bcc, "
				    "Subject and Reply-To; an empty line "
				    "starts "
				    "the body)") : _("line %zu: unknown header "
				    "'%.*s' (the header lines are From, To, "
				    "Cc, "
				    "Bcc, Subject and Reply-To; an empty line "
				    "starts the body)"), lineno,
				    (int)(colon == NULL ? (n > 40 ? 40 : n) :
				    (size_t)(colon - p)), p);
				for (i = 0; i < NDRAFT_HEADERS; i++)
					mbuf_free(&vals[i]);
				mbuf_free(&body);
				return -1;
			}
			if (vals[cur].len > 0)
				mbuf_adds(&vals[cur], ", ");
			mbuf_add(&vals[cur], colon + 1,
			    (size_t)(p + n - colon - 1));
		}
		p = nl != NULL ? nl + 1 : end;
	}
	for (i = 0; i < NDRAFT_HEADERS; i++) {
		char *v = mbuf_finish(&vals[i], NULL);
		char *t = compose_header_text(v);

		free(v);
		free(*draft_field(d, i));
		if (*t == '\0') {
			free(t);
			t = NULL;
		}
		*draft_field(d, i) = t;
	}
	free(d->body);
	d->body = mbuf_finish(&body, NULL);
	return 0;
}
