/*
 * compose.c - writing mail: drafts, addresses, replies and forwards, and
 * the RFC 5322 + MIME bytes that go to SMTP, Sent and Drafts.
 *
 * The tree is built with libetpan and written by mailmime_write_mem(), but
 * libetpan 1.9.4 leaves gaps that are filled here:
 *   - it has no RFC 2047 encoder: rfc2047_encode() makes the encoded words
 *     for Subject and display names;
 *   - its quoted-printable writer encodes every 'F' and much punctuation
 *     and writes a trailing space twice ("a \n" becomes "a =20"), so the
 *     text is encoded here and handed over as already encoded;
 *   - it writes every parameter value as a quoted-string, which RFC 2231
 *     extended values (filename*=UTF-8''...) must not be: a file name that
 *     needs RFC 2231 is written as part of the disposition token instead;
 *   - its Message-ID names the local host, so ours is made from random
 *     bytes the caller supplies and the domain of the From address.
 * Text is 7bit, 8bit or quoted-printable by content
 * (compose_text_encoding(): never base64); the outbox sends 8bit with
 * BODY=8BITMIME, or turns it quoted-printable for a server without
 * 8BITMIME (compose_downgrade()). Attachments are base64 so that they
 * arrive byte for byte; a forwarded message that itself holds 8-bit bytes
 * is declared 8bit (message/rfc822 may not be encoded).
 *
 * Pure: no I/O. The caller reads files, picks the time and the random
 * bytes, and the signature.
 *
 * This file builds the message; the other compose-*.c files, around the
 * private compose-int.h: compose-encode.c (encodings, shared helpers),
 * compose-addr.c (addresses, the envelope), compose-draft.c (the draft
 * and its file), compose-reply.c (replies, forwards, identities),
 * compose-mailto.c (mailto: URLs).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "mail/compose-int.h"
#include "util/i18n.h"

/* ---- building ---------------------------------------------------------- */

/* Is this a message id we may write between <>: visible ASCII, no specials. */
static bool
msgid_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > 250)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c <= 0x20 || c >= 0x7F || strchr("<>()\\\",;", c) != NULL)
			return false;
	}
	return true;
}

/*
 * The ids of a space-separated list that may be written, <> removed, at
 * most max of them (the first and the last max - 1, as RFC 5322 3.6.4
 * suggests for long References). NULL when there are none.
 */
static clist *
id_list(const char *ids, size_t max)
{
	char	**v = NULL;
	clist	 *l;
	const char *s, *e;
	size_t	  n = 0, i;

	if (ids == NULL)
		return NULL;
	for (s = ids; *s != '\0'; s = e) {
		while (*s == ' ' || *s == '\t' || *s == ',' || *s == '<' ||
		    *s == '>')
			s++;
		for (e = s; *e != '\0' && *e != ' ' && *e != '\t' &&
		    *e != ',' && *e != '<' && *e != '>'; e++)
			;
		if (e > s && msgid_ok(s, (size_t)(e - s)))
			compose_strv_add(&v, &n, xstrndup(s, (size_t)(e - s)));
	}
	if (n == 0) {
		free(v);
		return NULL;
	}
	if ((l = clist_new()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((i == 0 || i + max > n) && clist_append(l, v[i]) == 0)
			v[i] = NULL;
		free(v[i]);
	}
	free(v);
	return l;
}

/* libetpan lists; names encoded, strings handed over (it frees them). */
static struct mailimf_address_list *
imf_addr_list(const struct compose_addrs *a)
{
	struct mailimf_address_list	*l;
	size_t				 i;

	if (a->n == 0 || (l = mailimf_address_list_new_empty()) == NULL)
		return NULL;
	for (i = 0; i < a->n; i++)
		(void)mailimf_address_list_add_mb(l, a->v[i].name != NULL ?
		    rfc2047_encode(a->v[i].name, true) : NULL,
		    xstrdup(a->v[i].addr));
	return l;
}

/* Parse one address field of the draft for building. */
static int
field_addrs(const char *label, const char *text, struct compose_addrs *a,
    struct perr *err)
{
	if (compose_parse_addresses(text, a, err) != 0) {
		perr_prefix(err, "%s", label);
		return -1;
	}
	return 0;
}

/* Every byte ASCII and no line over 998: 7bit, else 8bit. */
static int
message_encoding(const char *s, size_t n)
{
	size_t	i, line = 0;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80 || s[i] == '\0')
			return MAILMIME_MECHANISM_8BIT;
		line = s[i] == '\n' ? 0 : line + 1;
		if (line > 998)
			return MAILMIME_MECHANISM_8BIT;
	}
	return MAILMIME_MECHANISM_7BIT;
}

/* A file name fine inside a quoted-string for every mail reader. */
static bool
filename_simple(const char *s)
{
	size_t	n = strlen(s), i;

	if (n > 60)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7F ||
		    s[i] == '"' || s[i] == '\\')
			return false;
	return strstr(s, "=?") == NULL;
}

/*
 * "attachment;\r\n filename*=UTF-8''%E2%82%AC.txt", split into numbered
 * continuations (filename*0*=, filename*1*=, ...) when long (RFC 2231).
 * libetpan would put an extended value in quotes, so this whole text
 * becomes the disposition token, which it writes as it is.
 */
static char *
rfc2231_disposition(const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	struct mbuf	  v = { 0 }, b = { 0 };
	char		 *val;
	size_t		  i, n, start, end, part;

	mbuf_adds(&v, "UTF-8''");
	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = name[i];

		if (isalnum(c) || strchr("!#$&+-.^_`|~", c))
			mbuf_addc(&v, c);
		else {
			mbuf_addc(&v, '%');
			mbuf_addc(&v, hex[c >> 4]);
			mbuf_addc(&v, hex[c & 15]);
		}
	}
	val = mbuf_finish(&v, &n);
	mbuf_adds(&b, "attachment;\r\n filename*=");
	if (n <= 60) {
		mbuf_adds(&b, val);
		free(val);
		return mbuf_finish(&b, NULL);
	}
	mbuf_free(&b);
	mbuf_adds(&b, "attachment");
	for (start = 0, part = 0; start < n; start = end, part++) {
		end = start + 60 < n ? start + 60 : n;
		/* Never cut a %XX in two. */
		if (end < n && end >= 1 && val[end - 1] == '%')
			end -= 1;
		else if (end < n && end >= 2 && val[end - 2] == '%')
			end -= 2;
		mbuf_printf(&b, ";\r\n filename*%zu*=%.*s", part,
		    (int)(end - start), val + start);
	}
	free(val);
	return mbuf_finish(&b, NULL);
}

static struct mailmime_disposition *
attachment_disposition(const char *name)
{
	struct mailmime_disposition_type	*t;
	clist					*parms;

	if (filename_simple(name))
		return mailmime_disposition_new_filename(
		    MAILMIME_DISPOSITION_TYPE_ATTACHMENT, xstrdup(name));
	t = mailmime_disposition_type_new(MAILMIME_DISPOSITION_TYPE_EXTENSION,
	    rfc2231_disposition(name));
	if (t == NULL || (parms = clist_new()) == NULL)
		return NULL;
	return mailmime_disposition_new(t, parms);
}

/* Buffers the tree points at, freed after it is written. */
struct bufs {
	char	**v;
	size_t	  n;
};

static struct mailmime *
single_part(const char *type, int enc, struct mailmime_disposition *dsp,
    const char *data, size_t len, const char *charset, const char *name)
{
	struct mailmime_content	*ct;
	struct mailmime_fields	*mf;
	struct mailmime_data	*body;
	struct mailmime		*p;
	char			*ename;

	if ((ct = mailmime_content_new_with_str(type)) == NULL &&
	    (ct = mailmime_content_new_with_str("application/octet-stream")) ==
	    NULL)
		return NULL;
	if (charset != NULL)
		clist_append(ct->ct_parameters, mailmime_param_new_with_data(
		    "charset", (char *)charset));
	if (name != NULL) {
		ename = filename_simple(name) ? xstrdup(name) :
		    rfc2047_encode(name, true);
		clist_append(ct->ct_parameters,
		    mailmime_param_new_with_data("name", ename));
		free(ename);
	}
	mf = mailmime_fields_new_with_data(mailmime_mechanism_new(enc, NULL),
	    NULL, NULL, dsp, NULL);
	body = mailmime_data_new(MAILMIME_DATA_TEXT, enc, 1, data, len, NULL);
	if (mf == NULL || body == NULL)
		return NULL;
	p = mailmime_new(MAILMIME_SINGLE, NULL, 0, mf, ct, body, NULL, NULL,
	    NULL, NULL, NULL);
	return p;
}

/*
 * Our boundary instead of libetpan's (time, random(), pid): "=_" never
 * occurs in base64 or quoted-printable text, and the id's random part
 * makes it unique.
 */
static void
set_boundary(struct mailmime_content *ct, const char *message_id)
{
	struct mailmime_parameter	*p;
	clistiter			*c;
	char				*bnd;

	bnd = xasprintf("=_posta_%s", message_id);
	bnd[strcspn(bnd, "@")] = '\0';
	for (c = clist_begin(ct->ct_parameters); c != NULL; c = clist_next(c)) {
		p = clist_content(c);
		if (strcasecmp(p->pa_name, "boundary") == 0) {
			free(p->pa_value);
			p->pa_value = bnd;
			return;
		}
	}
	clist_append(ct->ct_parameters,
	    mailmime_param_new_with_data("boundary", bnd));
	free(bnd);
}

static struct mailmime *
text_part(const char *body, struct bufs *bufs)
{
	struct mbuf	 b = { 0 };
	char		*enc;
	size_t		 len, n = body != NULL ? strlen(body) : 0;
	int		 how;

	if (body == NULL)
		body = "";
	how = compose_text_encoding(body, n);
	if (how == MAILMIME_MECHANISM_QUOTED_PRINTABLE)
		compose_qp_encode(&b, body, n);
	else if (how == MAILMIME_MECHANISM_BASE64)
		compose_base64_encode(&b, body, n);
	else
		mbuf_add(&b, body, n);
	/* A body that does not end its last line gets one. */
	if (b.len == 0 || b.p[b.len - 1] != '\n')
		mbuf_adds(&b, "\r\n");
	enc = mbuf_finish(&b, &len);
	compose_strv_add(&bufs->v, &bufs->n, enc);
	return single_part("text/plain", how, NULL, enc, len,
	    compose_all_ascii(body, n) ? "us-ascii" : "utf-8", NULL);
}

static struct mailmime *
attachment_part(const struct compose_attachment *a, struct bufs *bufs)
{
	struct mbuf	 b = { 0 };
	const char	*type;
	char		*enc;
	size_t		 len;

	type = a->type != NULL ? a->type :
	    compose_mime_type(a->filename, a->data, a->len);
	if (strcasecmp(type, "message/rfc822") == 0)
		/* RFC 2046 5.2.1: never base64; the bytes as they are. */
		return single_part("message/rfc822",
		    message_encoding(a->data, a->len),
		    attachment_disposition(a->filename), a->data, a->len,
		    NULL, NULL);
	compose_base64_encode(&b, a->data != NULL ? a->data : "", a->len);
	enc = mbuf_finish(&b, &len);
	compose_strv_add(&bufs->v, &bufs->n, enc);
	return single_part(type, MAILMIME_MECHANISM_BASE64,
	    attachment_disposition(a->filename), enc, len,
	    strncasecmp(type, "text/", 5) != 0 ||
	    !compose_looks_like_text(a->data, a->len) ? NULL :
	    compose_all_ascii(a->data, a->len) ? "us-ascii" : "utf-8",
	    a->filename);
}

int
compose_build(const struct compose_draft *d,
    const struct compose_build_opts *o, char **raw, size_t *len,
    struct perr *err)
{
	struct compose_addrs		 from = { 0 }, to = { 0 }, cc = { 0 },
					 bcc = { 0 }, rt = { 0 };
	struct mailimf_mailbox_list	*froml = NULL;
	struct mailimf_fields		*f;
	struct mailmime			*msg = NULL, *mp, *part;
	struct mailmime_content		*ct;
	struct bufs			 bufs = { 0 };
	MMAPString			*out = NULL;
	char				*subject = NULL;
	int				 col = 0, rc = -1;
	size_t				 i;

	*raw = NULL;
	*len = 0;
	if (o == NULL || o->message_id == NULL ||
	    !msgid_ok(o->message_id, strlen(o->message_id)))
		return perr_set(err, PERR_GENERIC, _("compose: no valid "
		    "Message-ID given"));
	if (field_addrs("From", d->from, &from, err) != 0 ||
	    field_addrs("To", d->to, &to, err) != 0 ||
	    field_addrs("Cc", d->cc, &cc, err) != 0 ||
	    field_addrs("Bcc", d->bcc, &bcc, err) != 0 ||
	    field_addrs("Reply-To", d->reply_to, &rt, err) != 0)
		goto out;
	if (from.n != 1) {
		perr_set(err, PERR_GENERIC, "%s", from.n == 0 ?
		    _("From: no sender address") :
		    _("From: more than one address"));
		goto out;
	}
	if (!o->draft && to.n + cc.n + bcc.n == 0) {
		perr_set(err, PERR_GENERIC, _("no recipients (To, Cc or Bcc)"));
		goto out;
	}

	if ((froml = mailimf_mailbox_list_new_empty()) == NULL)
		goto nomem;
	(void)mailimf_mailbox_list_add_mb(froml, from.v[0].name != NULL ?
	    rfc2047_encode(from.v[0].name, true) : NULL,
	    xstrdup(from.v[0].addr));
	if (!compose_is_blank(d->subject))
		subject = rfc2047_encode(d->subject, false);
	f = mailimf_fields_new_with_data_all(mailimf_get_date(
	    (time_t)o->date), froml, NULL, imf_addr_list(&rt),
	    imf_addr_list(&to), imf_addr_list(&cc),
	    o->keep_bcc ? imf_addr_list(&bcc) : NULL,
	    xstrdup(o->message_id), id_list(d->in_reply_to, 1),
	    id_list(d->references, 20), subject);
	if (f == NULL)
		goto nomem;
	froml = NULL;
	subject = NULL;
	if (o->user_agent != NULL)
		(void)mailimf_fields_add(f, mailimf_field_new_custom(
		    xstrdup("User-Agent"), compose_header_text(o->user_agent)));

	if ((msg = mailmime_new_message_data(NULL)) == NULL) {
		mailimf_fields_free(f);
		goto nomem;
	}
	mailmime_set_imf_fields(msg, f);
	if ((part = text_part(d->body, &bufs)) == NULL)
		goto nomem;
	if (d->natt == 0) {
		if (mailmime_smart_add_part(msg, part) != MAILIMF_NO_ERROR)
			goto nomem;
	} else {
		/* "=_" never occurs in base64 or quoted-printable text. */
		if ((ct = mailmime_content_new_with_str("multipart/mixed")) ==
		    NULL || (mp = mailmime_new_empty(ct,
		    mailmime_fields_new_empty())) == NULL)
			goto nomem;
		set_boundary(ct, o->message_id);
		if (mailmime_smart_add_part(msg, mp) != MAILIMF_NO_ERROR ||
		    mailmime_smart_add_part(mp, part) != MAILIMF_NO_ERROR)
			goto nomem;
		for (i = 0; i < d->natt; i++) {
			if ((part = attachment_part(&d->att[i], &bufs)) == NULL ||
			    mailmime_smart_add_part(mp, part) != MAILIMF_NO_ERROR)
				goto nomem;
		}
	}
	if ((out = mmap_string_new("")) == NULL)
		goto nomem;
	if (mailmime_write_mem(out, &col, msg) != MAILIMF_NO_ERROR) {
		perr_set(err, PERR_GENERIC, _("compose: libetpan could not "
		    "write the message"));
		goto out;
	}
	*raw = xmalloc(out->len + 1);
	memcpy(*raw, out->str, out->len);
	(*raw)[out->len] = '\0';
	*len = out->len;
	rc = 0;
	goto out;
nomem:
	perr_set(err, PERR_NOMEM, _("compose: out of memory"));
out:
	if (out != NULL)
		mmap_string_free(out);
	if (msg != NULL)
		mailmime_free(msg);
	if (froml != NULL)
		mailimf_mailbox_list_free(froml);
	free(subject);
	compose_strv_free(bufs.v, bufs.n);
	compose_addrs_free(&from);
	compose_addrs_free(&to);
	compose_addrs_free(&cc);
	compose_addrs_free(&bcc);
	compose_addrs_free(&rt);
	return rc;
}
