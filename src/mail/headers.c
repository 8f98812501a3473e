/*
 * headers.c - what the store keeps of a message header.
 *
 * libetpan parses each field it knows; a field it cannot parse (a date
 * with a zone name, an address list with a stray comma) it keeps as an
 * "optional" field with the raw value, which is read leniently here rather
 * than lost. The first occurrence of a field wins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "mail/mail.h"
#include "util/i18n.h"

#define MAX_IDS		512	/* References kept; threading needs few */

static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* The raw value of the first unparsed field called name, or NULL. */
static const char *
optional(const struct mailimf_fields *f, const char *name)
{
	const struct mailimf_field	*fl;
	clistiter			*c;

	if (f == NULL || f->fld_list == NULL)
		return NULL;
	for (c = clist_begin(f->fld_list); c; c = clist_next(c)) {
		fl = clist_content(c);
		if (fl != NULL && fl->fld_type == MAILIMF_FIELD_OPTIONAL_FIELD &&
		    fl->fld_data.fld_optional_field != NULL &&
		    fl->fld_data.fld_optional_field->fld_name != NULL &&
		    strcasecmp(fl->fld_data.fld_optional_field->fld_name,
		    name) == 0)
			return fl->fld_data.fld_optional_field->fld_value;
	}
	return NULL;
}

static const struct mailimf_field *
field(const struct mailimf_fields *f, int type)
{
	const struct mailimf_field	*fl;
	clistiter			*c;

	if (f == NULL || f->fld_list == NULL)
		return NULL;
	for (c = clist_begin(f->fld_list); c; c = clist_next(c)) {
		fl = clist_content(c);
		if (fl != NULL && fl->fld_type == type)
			return fl;
	}
	return NULL;
}

/* Append one message id: printable, no white space, no brackets. */
static void
add_id(struct mbuf *b, const char *id, size_t n)
{
	char	*s;
	size_t	 i, start = b->len;

	if (b->len > 0)
		mbuf_addc(b, ' ');
	s = sanitize_text(id, n, false);
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] != ' ' && s[i] != '<' && s[i] != '>')
			mbuf_addc(b, s[i]);
	free(s);
	if (b->len == start + (start > 0))
		b->len = start;	/* nothing printable: no empty id */
	if (b->p != NULL)
		b->p[b->len] = '\0';
}

/* The ids of a parsed list, space-separated, malloc'd. */
static char *
id_list(const clist *l, size_t max)
{
	struct mbuf	 b = { 0 };
	clistiter	*c;
	const char	*id;
	size_t		 k = 0;

	if (l != NULL)
		for (c = clist_begin((clist *)l); c && k < max;
		    c = clist_next(c), k++)
			if ((id = clist_content(c)) != NULL)
				add_id(&b, id, strlen(id));
	return mbuf_finish(&b, NULL);
}

/* The <...> ids in a raw value libetpan could not parse; failing that,
 * the whole value as one id. Malloc'd. */
static char *
raw_ids(const char *v, size_t max)
{
	struct mbuf	 b = { 0 };
	const char	*p, *q;
	size_t		 k = 0;

	for (p = v; k < max && (p = strchr(p, '<')) != NULL; p = q + 1) {
		if ((q = strchr(p + 1, '>')) == NULL)
			break;
		add_id(&b, p + 1, (size_t)(q - p - 1));
		k++;
	}
	if (k == 0)
		add_id(&b, v, strlen(v));
	return mbuf_finish(&b, NULL);
}

static void
set(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

/* Decode a header value, reading raw 8-bit text in hint if not UTF-8;
 * malloc'd. */
static char *
dec(const char *v, const char *hint)
{
	return v != NULL ? rfc2047_decode_hint(v, strlen(v), hint) :
	    xstrdup("");
}

/* A From: value libetpan rejected: "Name <addr>", or a bare address. */
static void
raw_from(const char *v, const char *hint, struct mail_headers *h)
{
	char	*s = dec(v, hint), *lt, *gt, *name;
	size_t	 n;

	if ((lt = strrchr(s, '<')) != NULL && (gt = strchr(lt, '>')) != NULL) {
		set(&h->from_addr, xstrndup(lt + 1, (size_t)(gt - lt - 1)));
		*lt = '\0';
		name = s;
		n = strlen(name);
		while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '"'))
			name[--n] = '\0';
		while (*name == ' ' || *name == '"')
			name++;
		set(&h->from_name, xstrdup(name));
		free(s);
	} else if (strchr(s, '@') != NULL)
		set(&h->from_addr, s);
	else
		set(&h->from_name, s);
}

void
mail_headers_from_fields(const struct mailimf_fields *f, const char *hint,
    struct mail_headers *h)
{
	const struct mailimf_field	*fl;
	const struct mailimf_mailbox	*mb;
	const char			*v;

	memset(h, 0, sizeof *h);
	h->message_id = xstrdup("");
	h->in_reply_to = xstrdup("");
	h->references = xstrdup("");
	h->from_name = xstrdup("");
	h->from_addr = xstrdup("");
	h->to = xstrdup("");
	h->cc = xstrdup("");
	h->subject = xstrdup("");
	if (f == NULL)
		return;

	if ((fl = field(f, MAILIMF_FIELD_MESSAGE_ID)) != NULL &&
	    fl->fld_data.fld_message_id->mid_value != NULL)
		set(&h->message_id, raw_ids(
		    fl->fld_data.fld_message_id->mid_value, 1));
	else if ((v = optional(f, "Message-ID")) != NULL)
		set(&h->message_id, raw_ids(v, 1));

	if ((fl = field(f, MAILIMF_FIELD_IN_REPLY_TO)) != NULL)
		set(&h->in_reply_to, id_list(
		    fl->fld_data.fld_in_reply_to->mid_list, 1));
	else if ((v = optional(f, "In-Reply-To")) != NULL)
		set(&h->in_reply_to, raw_ids(v, 1));

	if ((fl = field(f, MAILIMF_FIELD_REFERENCES)) != NULL)
		set(&h->references, id_list(
		    fl->fld_data.fld_references->mid_list, MAX_IDS));
	else if ((v = optional(f, "References")) != NULL)
		set(&h->references, raw_ids(v, MAX_IDS));

	if ((fl = field(f, MAILIMF_FIELD_ORIG_DATE)) != NULL)
		h->date = mail_date_from_imf(
		    fl->fld_data.fld_orig_date->dt_date_time);
	if (h->date == 0 && (v = optional(f, "Date")) != NULL)
		h->date = mail_date_parse(v);

	if ((fl = field(f, MAILIMF_FIELD_FROM)) != NULL &&
	    fl->fld_data.fld_from->frm_mb_list != NULL &&
	    fl->fld_data.fld_from->frm_mb_list->mb_list != NULL &&
	    (mb = clist_content(clist_begin(
	    fl->fld_data.fld_from->frm_mb_list->mb_list))) != NULL) {
		set(&h->from_name, addr_name_decode(mb->mb_display_name, hint));
		set(&h->from_addr, dec(mb->mb_addr_spec, hint));
	} else if ((v = optional(f, "From")) != NULL)
		raw_from(v, hint, h);

	if ((fl = field(f, MAILIMF_FIELD_TO)) != NULL)
		set(&h->to, addr_list_display(fl->fld_data.fld_to->to_addr_list,
		    hint));
	else if ((v = optional(f, "To")) != NULL)
		set(&h->to, dec(v, hint));

	if ((fl = field(f, MAILIMF_FIELD_CC)) != NULL)
		set(&h->cc, addr_list_display(fl->fld_data.fld_cc->cc_addr_list,
		    hint));
	else if ((v = optional(f, "Cc")) != NULL)
		set(&h->cc, dec(v, hint));

	if ((fl = field(f, MAILIMF_FIELD_SUBJECT)) != NULL)
		set(&h->subject, dec(fl->fld_data.fld_subject->sbj_value,
		    hint));
	else if ((v = optional(f, "Subject")) != NULL)
		set(&h->subject, dec(v, hint));
}

char *
mail_headers_date_text(const struct mailimf_fields *f)
{
	const struct mailimf_field	*fl;
	const struct mailimf_date_time	*d;
	const char			*v;
	int				 y, z;

	if ((fl = field(f, MAILIMF_FIELD_ORIG_DATE)) != NULL &&
	    (d = fl->fld_data.fld_orig_date->dt_date_time) != NULL &&
	    d->dt_month >= 1 && d->dt_month <= 12) {
		z = d->dt_zone;
		y = d->dt_year;
		if (y >= 0 && y < 50)		/* as mail_date_from_imf() */
			y += 2000;
		else if (y >= 50 && y < 1000)
			y += 1900;
		/* A zone past +-99:59 (even INT_MIN) is no zone: left out. */
		if (z < -9959 || z > 9959)
			return xasprintf("%d %s %d %02d:%02d:%02d", d->dt_day,
			    months[d->dt_month - 1], y, d->dt_hour, d->dt_min,
			    d->dt_sec);
		return xasprintf("%d %s %d %02d:%02d:%02d %c%04d", d->dt_day,
		    months[d->dt_month - 1], y, d->dt_hour, d->dt_min,
		    d->dt_sec, z < 0 ? '-' : '+', z < 0 ? -z : z);
	}
	if ((v = optional(f, "Date")) != NULL)
		return rfc2047_decode(v);
	return NULL;
}

const char *
mail_headers_hint(const struct mime_msg *m)
{
	size_t	i;

	for (i = 0; i < m->nparts; i++) {
		if (m->parts[i].kind == MIME_LEAF && m->parts[i].charset &&
		    strncmp(m->parts[i].type, "text/", 5) == 0)
			return m->parts[i].charset;
	}
	return NULL;
}

void
mail_headers_from_msg(const struct mime_msg *m, struct mail_headers *h)
{
	size_t	i;

	mail_headers_from_fields(m->fields, mail_headers_hint(m), h);
	for (i = 0; i < m->nparts && !h->has_attachments; i++)
		h->has_attachments = mime_counts_as_attachment(&m->parts[i]);
}

int
mail_headers_parse(const char *raw, size_t len, struct mail_headers *h,
    struct perr *err)
{
	struct mime_msg	m;

	if (raw == NULL) {
		mail_headers_from_fields(NULL, NULL, h);
		return perr_set(err, PERR_GENERIC, _("no message"));
	}
	mime_open(raw, len, false, &m);
	mail_headers_from_msg(&m, h);
	mime_close(&m);
	return 0;
}

void
mail_headers_free(struct mail_headers *h)
{
	if (h == NULL)
		return;
	free(h->message_id);
	free(h->in_reply_to);
	free(h->references);
	free(h->from_name);
	free(h->from_addr);
	free(h->to);
	free(h->cc);
	free(h->subject);
	memset(h, 0, sizeof *h);
}

/* One field of mail_headers_all(): "Name: value" decoded, one line. */
static void
all_field(struct mbuf *out, const char *f)
{
	const char	*colon = strchr(f, ':'), *v;
	char		*name, *dec, *line;

	if (colon == NULL) {
		/* Not a field (a broken header): shown as it stands. */
		line = sanitize_line(f);
		mbuf_printf(out, "%s\n", line);
		free(line);
		return;
	}
	name = xstrndup(f, (size_t)(colon - f));
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	dec = rfc2047_decode(v);
	line = xasprintf("%s: %s", name, dec);
	free(dec);
	free(name);
	dec = sanitize_line(line);
	mbuf_printf(out, "%s\n", dec);
	free(dec);
	free(line);
}

char *
mail_headers_all(const char *raw, size_t len)
{
	struct mbuf	 out = { 0 }, f = { 0 };
	const char	*p = raw, *end = raw + len, *eol;
	size_t		 n;
	char		*s;

	if (raw == NULL)
		return xstrdup("");
	if (len >= 5 && memcmp(raw, "From ", 5) == 0) {
		eol = memchr(p, '\n', len);
		p = eol != NULL ? eol + 1 : end;
	}
	while (p < end && out.len < MAIL_RENDER_MAX) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break;		/* the blank line: the body follows */
		if ((*p == ' ' || *p == '\t') && f.len > 0) {
			/* Unfolded: the line break goes, one space stays. */
			while (n > 0 && (*p == ' ' || *p == '\t')) {
				p++;
				n--;
			}
			mbuf_addc(&f, ' ');
			mbuf_add(&f, p, n);
		} else {
			if (f.len > 0) {
				s = mbuf_finish(&f, NULL);
				all_field(&out, s);
				free(s);
			}
			mbuf_add(&f, p, n);
		}
		p = eol < end ? eol + 1 : end;
	}
	if (f.len > 0) {
		s = mbuf_finish(&f, NULL);
		all_field(&out, s);
		free(s);
	}
	mbuf_free(&f);
	return mbuf_finish(&out, NULL);
}
