/*
 * mime.c - the MIME tree of a message, through libetpan.
 *
 * mime_open() parses a private NUL-terminated copy with mailmime_parse()
 * and flattens the tree into a list of parts in document order, each with
 * its IMAP section number, decoded file name and role: shown as the body,
 * listed as an attachment, or hidden (an alternative not picked).
 *
 * libetpan's parser recurses without a limit and rescans a multipart's
 * region once per level of nesting: mime_guard() (guard.c) edits the copy
 * first, so that neither costs more than a flat message would. The walk
 * below is bounded by MAIL_MAX_DEPTH and MAIL_MAX_PARTS on top of that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "mail/mail.h"
#include "util/i18n.h"

/* A lower-case copy of s without control or non-ASCII bytes (libetpan's
 * tokens keep control bytes), malloc'd: a type is shown and compared. */
static char *
lower(const char *s)
{
	char	*p, *q, *r = xstrdup(s ? s : "");

	for (p = q = r; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7F)
			continue;
		*q++ = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
	}
	*q = '\0';
	return r;
}

/* "type/subtype" in lower case, malloc'd; def when there is no
 * Content-Type. */
static char *
content_type(const struct mailmime_content *ct, const char *def)
{
	const struct mailmime_type	*t;
	const char			*major = NULL;
	char				*s, *r;

	if (ct == NULL || ct->ct_type == NULL || ct->ct_subtype == NULL)
		return xstrdup(def);
	t = ct->ct_type;
	if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
	    t->tp_data.tp_discrete_type != NULL) {
		switch (t->tp_data.tp_discrete_type->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT:
			major = "text";
			break;
		case MAILMIME_DISCRETE_TYPE_IMAGE:
			major = "image";
			break;
		case MAILMIME_DISCRETE_TYPE_AUDIO:
			major = "audio";
			break;
		case MAILMIME_DISCRETE_TYPE_VIDEO:
			major = "video";
			break;
		case MAILMIME_DISCRETE_TYPE_APPLICATION:
			major = "application";
			break;
		case MAILMIME_DISCRETE_TYPE_EXTENSION:
			major = t->tp_data.tp_discrete_type->dt_extension;
			break;
		}
	} else if (t->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
	    t->tp_data.tp_composite_type != NULL) {
		switch (t->tp_data.tp_composite_type->ct_type) {
		case MAILMIME_COMPOSITE_TYPE_MESSAGE:
			major = "message";
			break;
		case MAILMIME_COMPOSITE_TYPE_MULTIPART:
			major = "multipart";
			break;
		case MAILMIME_COMPOSITE_TYPE_EXTENSION:
			major = t->tp_data.tp_composite_type->ct_token;
			break;
		}
	}
	if (major == NULL)
		return xstrdup(def);
	s = xasprintf("%s/%s", major, ct->ct_subtype);
	r = lower(s);
	free(s);
	return r;
}

/* The Content-Type parameters as name/value pairs: a malloc'd array (the
 * strings point into ct) of *n entries, or NULL. */
static struct mail_param *
ct_params(const struct mailmime_content *ct, size_t *n)
{
	struct mail_param		*v;
	const struct mailmime_parameter	*p;
	clistiter			*c;
	size_t				 k = 0;

	*n = 0;
	if (ct == NULL || ct->ct_parameters == NULL)
		return NULL;
	v = xcalloc(clist_count(ct->ct_parameters) + 1, sizeof *v);
	for (c = clist_begin(ct->ct_parameters); c; c = clist_next(c)) {
		if ((p = clist_content(c)) == NULL)
			continue;
		v[k].name = p->pa_name;
		v[k].value = p->pa_value;
		k++;
	}
	*n = k;
	return v;
}

static const struct mailmime_disposition *
disposition(const struct mailmime *node)
{
	const struct mailmime_field	*f;
	clistiter			*c;

	if (node->mm_mime_fields == NULL ||
	    node->mm_mime_fields->fld_list == NULL)
		return NULL;
	for (c = clist_begin(node->mm_mime_fields->fld_list); c;
	    c = clist_next(c)) {
		f = clist_content(c);
		if (f != NULL && f->fld_type == MAILMIME_FIELD_DISPOSITION)
			return f->fld_data.fld_disposition;
	}
	return NULL;
}

/* The Content-Disposition parameters, as ct_params() does. */
static struct mail_param *
disp_params(const struct mailmime_disposition *d, size_t *n)
{
	const struct mailmime_disposition_parm	*p;
	struct mail_param			*v;
	clistiter				*c;
	size_t					 k = 0;

	*n = 0;
	if (d == NULL || d->dsp_parms == NULL)
		return NULL;
	v = xcalloc(clist_count(d->dsp_parms) + 1, sizeof *v);
	for (c = clist_begin(d->dsp_parms); c; c = clist_next(c)) {
		if ((p = clist_content(c)) == NULL)
			continue;
		if (p->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME) {
			v[k].name = "filename";
			v[k].value = p->pa_data.pa_filename;
		} else if (p->pa_type == MAILMIME_DISPOSITION_PARM_PARAMETER &&
		    p->pa_data.pa_parameter != NULL) {
			v[k].name = p->pa_data.pa_parameter->pa_name;
			v[k].value = p->pa_data.pa_parameter->pa_value;
		} else
			continue;
		k++;
	}
	*n = k;
	return v;
}

static const char *
param(const struct mail_param *v, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[i].name != NULL && strcasecmp(v[i].name, name) == 0)
			return v[i].value;
	return NULL;
}

struct walk {
	struct mime_msg	*m;
	size_t		 cap;
	bool		 prefer_html;
};

/* Append a part for node and fill in what libetpan says about it. */
static struct mime_part *
add(struct walk *w, struct mailmime *node, const char *id, unsigned depth,
    enum mime_kind kind, enum mail_part_role role)
{
	const struct mailmime_disposition	*d;
	struct mime_part			*p;
	struct mail_param			*cv, *dv;
	const struct mailmime_data		*data;
	const char				*v;
	size_t					 cn, dn;

	if (w->m->nparts == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 8;
		w->m->parts = xreallocarray(w->m->parts, w->cap,
		    sizeof *w->m->parts);
	}
	p = &w->m->parts[w->m->nparts++];
	memset(p, 0, sizeof *p);
	p->id = xstrdup(id);
	p->depth = depth;
	p->kind = kind;
	p->role = role;
	p->type = content_type(node->mm_content_type,
	    kind == MIME_MESSAGE ? "message/rfc822" : "text/plain");

	cv = ct_params(node->mm_content_type, &cn);
	d = disposition(node);
	dv = disp_params(d, &dn);
	if ((v = param(cv, cn, "charset")) != NULL && *v != '\0')
		p->charset = xstrdup(v);
	if ((v = param(cv, cn, "format")) != NULL)
		p->flowed = strcasecmp(v, "flowed") == 0;
	if ((v = param(cv, cn, "delsp")) != NULL)
		p->delsp = strcasecmp(v, "yes") == 0;
	p->attachment = d != NULL && d->dsp_type != NULL &&
	    d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT;
	p->filename = rfc2231_param(dv, dn, "filename");
	if (p->filename == NULL || *p->filename == '\0') {
		free(p->filename);
		p->filename = rfc2231_param(cv, cn, "name");
	}
	if (p->filename != NULL && *p->filename == '\0') {
		free(p->filename);
		p->filename = NULL;
	}
	free(cv);
	free(dv);

	if (kind == MIME_LEAF)
		data = node->mm_data.mm_single;
	else if (kind == MIME_MESSAGE)
		data = node->mm_body;	/* the embedded message, raw */
	else
		data = NULL;
	p->encoding = MAILMIME_MECHANISM_8BIT;
	if (data != NULL && data->dt_type == MAILMIME_DATA_TEXT &&
	    data->dt_data.dt_text.dt_data != NULL) {
		p->data = data->dt_data.dt_text.dt_data;
		p->datalen = data->dt_data.dt_text.dt_length;
		p->encoding = data->dt_encoding;
	}
	if (kind == MIME_MESSAGE)
		p->fields = node->mm_data.mm_message.mm_fields;
	return p;
}

/* Text mail_render() shows inline rather than lists. */
static bool
displayable(const struct mime_part *p)
{
	static const char *const text_not[] = { "text/calendar",
	    "text/x-vcalendar", "text/vcard", "text/x-vcard",
	    "text/directory" };
	static const char *const other[] = { "message/delivery-status",
	    "message/disposition-notification", "message/feedback-report",
	    "message/global-delivery-status",
	    "message/global-disposition-notification",
	    "message/global-headers", "message/partial",
	    "message/external-body" };
	size_t	i;

	if (p->attachment)
		return false;
	if (strncmp(p->type, "text/", 5) == 0) {
		for (i = 0; i < sizeof text_not / sizeof text_not[0]; i++)
			if (strcmp(p->type, text_not[i]) == 0)
				return false;
		return true;
	}
	for (i = 0; i < sizeof other / sizeof other[0]; i++)
		if (strcmp(p->type, other[i]) == 0)
			return true;
	return false;
}

/* How much we want to show this alternative (0: not at all). */
static int
alt_score(const struct mailmime *node, bool prefer_html, unsigned depth)
{
	const struct mailmime_content	*ct = node->mm_content_type;
	clistiter			*c;
	char				*type;
	int				 s = 0, k;

	if (node->mm_type == MAILMIME_MULTIPLE) {
		if (depth >= 4 || node->mm_data.mm_multipart.mm_mp_list == NULL)
			return 0;
		for (c = clist_begin(node->mm_data.mm_multipart.mm_mp_list); c;
		    c = clist_next(c)) {
			k = alt_score(clist_content(c), prefer_html, depth + 1);
			if (k > s)
				s = k;
		}
		return s;
	}
	if (node->mm_type != MAILMIME_SINGLE)
		return 0;
	type = content_type(ct, "text/plain");
	if (strcmp(type, "text/plain") == 0)
		s = prefer_html ? 2 : 3;
	else if (strcmp(type, "text/html") == 0)
		s = prefer_html ? 3 : 2;
	else if (strncmp(type, "text/", 5) == 0 &&
	    strcmp(type, "text/calendar") != 0)
		s = 1;
	free(type);
	return s;
}

static void walk(struct walk *, struct mailmime *, const char *, unsigned,
    enum mail_part_role);

/* The section number of child i of id ("2" and 3 give "2.3"), malloc'd. */
static char *
child_id(const char *id, int i)
{
	return xasprintf("%s%s%d", id, *id ? "." : "", i);
}

/* Does node's Content-ID equal the "start" parameter of multipart/related? */
static bool
is_start(const struct mailmime *node, const char *start)
{
	const struct mailmime_field	*f;
	clistiter			*c;
	size_t				 n;

	if (node->mm_mime_fields == NULL)
		return false;
	n = strlen(start);
	if (n >= 2 && start[0] == '<') {
		start++;
		n -= 2;
	}
	for (c = clist_begin(node->mm_mime_fields->fld_list); c;
	    c = clist_next(c)) {
		f = clist_content(c);
		if (f != NULL && f->fld_type == MAILMIME_FIELD_ID &&
		    f->fld_data.fld_id != NULL &&
		    strlen(f->fld_data.fld_id) == n &&
		    strncmp(f->fld_data.fld_id, start, n) == 0)
			return true;
	}
	return false;
}

static void
walk_multipart(struct walk *w, struct mailmime *node, const char *id,
    unsigned depth, enum mail_part_role ctx)
{
	struct mime_part	*p;
	clist			*list = node->mm_data.mm_multipart.mm_mp_list;
	clistiter		*c;
	const char		*sub, *start = NULL;
	char			*cid, *type;
	size_t			 cn;
	struct mail_param	*cv;
	int			 i, pick = 0, best = -1, k;
	enum mail_part_role	 r;

	p = add(w, node, id, depth, MIME_MULTIPART, ctx);
	if (depth >= MAIL_MAX_DEPTH) {
		p->truncated = true;
		return;
	}
	if (list == NULL)
		return;
	type = xstrdup(p->type);
	sub = strchr(type, '/') ? strchr(type, '/') + 1 : "";

	if (strcmp(sub, "alternative") == 0) {
		/* The best score wins; on a tie the later part, which RFC
		 * 2046 says is the richer one. */
		for (i = 1, c = clist_begin(list); c; c = clist_next(c), i++) {
			k = alt_score(clist_content(c), w->prefer_html, 0);
			if (k >= best) {
				best = k;
				pick = i;
			}
		}
	} else if (strcmp(sub, "related") == 0) {
		cv = ct_params(node->mm_content_type, &cn);
		start = param(cv, cn, "start");
		pick = 1;
		for (i = 1, c = clist_begin(list); start && c;
		    c = clist_next(c), i++) {
			if (is_start(clist_content(c), start)) {
				pick = i;
				break;
			}
		}
		free(cv);
	}

	for (i = 1, c = clist_begin(list); c; c = clist_next(c), i++) {
		r = ctx;
		if (ctx == MAIL_PART_BODY) {
			if (strcmp(sub, "alternative") == 0)
				r = i == pick ? MAIL_PART_BODY : MAIL_PART_HIDDEN;
			else if (strcmp(sub, "related") == 0)
				r = i == pick ? MAIL_PART_BODY :
				    MAIL_PART_ATTACHMENT;
			else if (strcmp(sub, "signed") == 0)
				r = i == 1 ? MAIL_PART_BODY :
				    MAIL_PART_ATTACHMENT;
			else if (strcmp(sub, "encrypted") == 0)
				r = MAIL_PART_ATTACHMENT;
		}
		cid = child_id(id, i);
		walk(w, clist_content(c), cid, depth + 1, r);
		free(cid);
		if (w->m->nparts >= MAIL_MAX_PARTS) {
			if (clist_next(c) != NULL)
				w->m->more = true;
			break;
		}
	}
	free(type);
}

static void
walk(struct walk *w, struct mailmime *node, const char *id, unsigned depth,
    enum mail_part_role ctx)
{
	struct mime_part	*p;
	struct mailmime		*body;
	enum mail_part_role	 r;
	char			*cid;

	if (node == NULL)
		return;
	if (w->m->nparts >= MAIL_MAX_PARTS) {
		w->m->more = true;
		return;
	}
	switch (node->mm_type) {
	case MAILMIME_SINGLE:
		p = add(w, node, id, depth, MIME_LEAF, ctx);
		if (ctx == MAIL_PART_BODY && !displayable(p))
			p->role = MAIL_PART_ATTACHMENT;
		break;
	case MAILMIME_MULTIPLE:
		walk_multipart(w, node, id, depth, ctx);
		break;
	case MAILMIME_MESSAGE:
		/* The top message is the body; a nested one is shown in
		 * place and listed, so that it can be saved. */
		r = depth == 0 || ctx == MAIL_PART_HIDDEN ? ctx :
		    MAIL_PART_ATTACHMENT;
		p = add(w, node, id, depth, MIME_MESSAGE, r);
		if (depth >= MAIL_MAX_DEPTH) {
			p->truncated = true;
			break;
		}
		if (ctx == MAIL_PART_ATTACHMENT)
			ctx = MAIL_PART_HIDDEN;	/* listed whole, not inside */
		p->shown = ctx == MAIL_PART_BODY;
		body = node->mm_data.mm_message.mm_msg_mime;
		if (body == NULL)
			break;
		if (body->mm_type == MAILMIME_MULTIPLE) {
			walk_multipart(w, body, id, depth + 1, ctx);
			break;
		}
		cid = child_id(id, 1);
		walk(w, body, cid, depth + 1, ctx);
		free(cid);
		break;
	}
}

/* When libetpan gives up: the header it can read, the rest as text. */
static void
open_unparsed(struct mime_msg *m, struct walk *w)
{
	struct mime_part	*p;
	size_t			 idx = 0;

	if (mailimf_fields_parse(m->buf, m->len, &idx, &m->own) !=
	    MAILIMF_NO_ERROR) {
		m->own = NULL;
		idx = 0;
	}
	m->fields = m->own;
	w->cap = 1;
	m->parts = xcalloc(1, sizeof *m->parts);
	p = &m->parts[m->nparts++];
	p->id = xstrdup("1");
	p->kind = MIME_LEAF;
	p->role = MAIL_PART_BODY;
	p->type = xstrdup("text/plain");
	p->encoding = MAILMIME_MECHANISM_8BIT;
	if (idx < m->len) {
		p->data = m->buf + idx;
		p->datalen = m->len - idx;
	}
}

void
mime_open(const char *raw, size_t len, bool prefer_html, struct mime_msg *m)
{
	struct walk	 w = { m, 0, prefer_html };
	const char	*nl;
	size_t		 idx = 0;

	memset(m, 0, sizeof *m);
	if (raw == NULL)
		len = 0;
	/* An mbox "From " line is not part of the message. */
	if (len >= 5 && memcmp(raw, "From ", 5) == 0 &&
	    (nl = memchr(raw, '\n', len)) != NULL) {
		len -= (size_t)(nl + 1 - raw);
		raw = nl + 1;
	}
	/* libetpan reads C strings in places: keep a NUL after the end. */
	m->buf = xmalloc(len + 1);
	if (len > 0)
		memcpy(m->buf, raw, len);
	m->buf[len] = '\0';
	m->len = len;
	m->guarded = mime_guard(m->buf, m->len);

	if (mailmime_parse(m->buf, m->len, &idx, &m->root) != MAILIMF_NO_ERROR
	    || m->root == NULL) {
		m->root = NULL;
		open_unparsed(m, &w);
		return;
	}
	if (m->root->mm_type == MAILMIME_MESSAGE)
		m->fields = m->root->mm_data.mm_message.mm_fields;
	walk(&w, m->root, "", 0, MAIL_PART_BODY);
}

void
mime_close(struct mime_msg *m)
{
	size_t	i;

	for (i = 0; i < m->nparts; i++) {
		free(m->parts[i].id);
		free(m->parts[i].type);
		free(m->parts[i].charset);
		free(m->parts[i].filename);
	}
	free(m->parts);
	/* The tree points into buf: free it first. */
	if (m->root != NULL)
		mailmime_free(m->root);
	if (m->own != NULL)
		mailimf_fields_free(m->own);
	free(m->buf);
	memset(m, 0, sizeof *m);
}

char *
mime_decode(const struct mime_part *p, size_t *n)
{
	char	*res = NULL, *out;
	size_t	 idx = 0, rlen = 0;
	int	 enc = p->encoding;

	*n = 0;
	if (p->data == NULL || p->datalen == 0)
		return xstrdup("");
	if (enc == MAILMIME_MECHANISM_BASE64 ||
	    enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE) {
		if (mailmime_part_parse(p->data, p->datalen, &idx, enc, &res,
		    &rlen) == MAILIMF_NO_ERROR && res != NULL) {
			out = xmalloc(rlen + 1);
			memcpy(out, res, rlen);
			out[rlen] = '\0';
			mmap_string_unref(res);
			*n = rlen;
			return out;
		}
		/* undecodable: fall through and show the raw bytes */
	}
	out = xmalloc(p->datalen + 1);
	memcpy(out, p->data, p->datalen);
	out[p->datalen] = '\0';
	*n = p->datalen;
	return out;
}

bool
mime_counts_as_attachment(const struct mime_part *p)
{
	static const char *const not[] = { "application/pgp-signature",
	    "application/pkcs7-signature", "application/x-pkcs7-signature",
	    "application/pgp-encrypted" };
	size_t	i;

	if (p->role != MAIL_PART_ATTACHMENT || p->kind == MIME_MULTIPART)
		return false;
	for (i = 0; i < sizeof not / sizeof not[0]; i++)
		if (strcmp(p->type, not[i]) == 0)
			return false;
	return true;
}

/*
 * Could raw name a file ("name=", "name*=", "filename=")? A scan for it
 * costs far less than the MIME parse that it spares most messages.
 */
static bool
names_a_file(const char *raw, size_t len)
{
	size_t	i, j;

	for (i = 0; i + 5 <= len; i++) {
		if ((raw[i] | 0x20) != 'n' || strncasecmp(raw + i, "name", 4))
			continue;
		for (j = i + 4; j < len && (raw[j] == ' ' || raw[j] == '\t');
		    j++)
			;
		if (j < len && (raw[j] == '=' || raw[j] == '*'))
			return true;
	}
	return false;
}

char *
mime_file_names(const struct mime_msg *m, const char *raw, size_t len)
{
	struct mbuf	b = { 0 };
	size_t		i;

	if (raw == NULL || !names_a_file(raw, len))
		return NULL;
	/* The parts mail_attachments() lists, by the names they have. */
	for (i = 0; i < m->nparts; i++) {
		const struct mime_part *p = &m->parts[i];

		if (p->kind == MIME_MULTIPART || (p->kind == MIME_MESSAGE &&
		    p->depth == 0) || p->filename == NULL ||
		    *p->filename == '\0')
			continue;
		if (b.len > 0)
			mbuf_addc(&b, ' ');
		mbuf_adds(&b, p->filename);
	}
	if (b.len == 0) {
		mbuf_free(&b);
		return NULL;
	}
	return mbuf_finish(&b, NULL);
}

char *
mail_attachment_names(const char *raw, size_t len)
{
	struct mime_msg	 m;
	char		*names;

	/* Most messages name no file: no parse for them. */
	if (raw == NULL || !names_a_file(raw, len))
		return NULL;
	mime_open(raw, len, false, &m);
	names = mime_file_names(&m, raw, len);
	mime_close(&m);
	return names;
}

int
mail_attachments(const char *raw, size_t len, struct mail_part **parts,
    size_t *nparts, struct perr *err)
{
	struct mime_msg		 m;
	struct mail_part	*v;
	char			*bytes;
	size_t			 i, k = 0, n;

	*parts = NULL;
	*nparts = 0;
	if (raw == NULL)
		return perr_set(err, PERR_GENERIC, _("no message"));
	mime_open(raw, len, false, &m);
	v = xcalloc(m.nparts + 1, sizeof *v);
	for (i = 0; i < m.nparts; i++) {
		const struct mime_part *p = &m.parts[i];

		if (p->kind == MIME_MULTIPART || (p->kind == MIME_MESSAGE &&
		    p->depth == 0))
			continue;
		v[k].id = xstrdup(p->id);
		v[k].type = xstrdup(p->type);
		v[k].filename = xstrdup(p->filename ? p->filename : "");
		v[k].depth = 0;
		for (n = 0; p->id[n] != '\0'; n++)
			if (p->id[n] == '.')
				v[k].depth++;
		v[k].role = p->role;
		v[k].is_message = p->kind == MIME_MESSAGE;
		bytes = mime_decode(p, &n);
		free(bytes);
		v[k].size = n;
		k++;
	}
	mime_close(&m);
	if (k == 0) {
		free(v);
		v = NULL;
	}
	*parts = v;
	*nparts = k;
	return 0;
}

void
mail_parts_free(struct mail_part *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].type);
		free(v[i].filename);
	}
	free(v);
}

int
mail_part_decode(const char *raw, size_t len, const char *id, char **bytes,
    size_t *n, struct perr *err)
{
	struct mime_msg	m;
	size_t		i;

	*bytes = NULL;
	*n = 0;
	if (raw == NULL || id == NULL)
		return perr_set(err, PERR_GENERIC, _("no message or part"));
	mime_open(raw, len, false, &m);
	for (i = 0; i < m.nparts; i++) {
		if (m.parts[i].kind == MIME_MULTIPART ||
		    strcmp(m.parts[i].id, id) != 0)
			continue;
		*bytes = mime_decode(&m.parts[i], n);
		mime_close(&m);
		return 0;
	}
	mime_close(&m);
	return perr_set(err, PERR_NOTFOUND, _("message has no part %s"), id);
}
