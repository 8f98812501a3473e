/*
 * compose-reply.c - replies and forwards of a stored message, and who the
 * user is (struct compose_self: email, identities, alternates), which a
 * reply leaves out of its recipients and answers From.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "mail/compose-int.h"
#include "util/i18n.h"

/* ---- replies and forwards --------------------------------------------- */

static const char *const reply_prefixes[] = { "re", "aw", "sv", "vs", "r",
    "rif", "antw", "odp", "ref", "res", "atb", "vá", NULL };
static const char *const forward_prefixes[] = { "fwd", "fw", "wg", "tr",
    "i", "enc", "rv", "doorst", NULL };

/* Length of one prefix from list at s ("Re:", "RE[2]:", "Fwd :"), or 0. */
static size_t
subject_prefix(const char *s, const char *const *list)
{
	size_t	i, l, k;

	for (i = 0; list[i] != NULL; i++) {
		l = strlen(list[i]);
		if (strncasecmp(s, list[i], l) != 0)
			continue;
		k = l;
		if (s[k] == '[' || s[k] == '(') {
			char close = s[k] == '[' ? ']' : ')';

			for (k++; isdigit((unsigned char)s[k]); k++)
				;
			if (s[k] != close)
				continue;
			k++;
		}
		while (s[k] == ' ')
			k++;
		if (s[k] == ':')
			return k + 1;
	}
	return 0;
}

static char *
subject_with(const char *subject, const char *prefix,
    const char *const *list)
{
	char		*clean, *out;
	const char	*s;
	size_t		 k;

	clean = compose_header_text(subject);
	for (s = clean; ; s += k) {
		while (*s == ' ')
			s++;
		if ((k = subject_prefix(s, list)) == 0)
			break;
	}
	out = xasprintf("%s%s", prefix, s);
	free(clean);
	return out;
}

char *
compose_subject_reply(const char *subject)
{
	return subject_with(subject, "Re: ", reply_prefixes);
}

char *
compose_subject_forward(const char *subject)
{
	return subject_with(subject, "Fwd: ", forward_prefixes);
}

/* The display text of the first field of a type (Reply-To, Bcc), or NULL. */
static char *
field_list_display(const struct mailimf_fields *f, int type, const char *hint)
{
	const struct mailimf_address_list	*l = NULL;
	clistiter				*c;

	if (f == NULL || f->fld_list == NULL)
		return NULL;
	for (c = clist_begin(f->fld_list); c != NULL; c = clist_next(c)) {
		const struct mailimf_field *fl = clist_content(c);

		if (fl->fld_type != type)
			continue;
		if (type == MAILIMF_FIELD_REPLY_TO)
			l = fl->fld_data.fld_reply_to->rt_addr_list;
		else if (type == MAILIMF_FIELD_BCC)
			l = fl->fld_data.fld_bcc->bcc_addr_list;
		return l != NULL ? addr_list_display(l, hint) : NULL;
	}
	return NULL;
}

/* What a reply or forward needs of the original, decoded. */
struct orig {
	struct mail_headers	 h;
	char			*reply_to;	/* display list or NULL */
	char			*bcc;
	char			*date;		/* display text or NULL */
};

static void
orig_open(const char *raw, size_t len, struct orig *o)
{
	struct mime_msg	m;
	struct perr	ignored;
	const char	*hint;

	memset(o, 0, sizeof *o);
	(void)mail_headers_parse(raw, len, &o->h, &ignored);
	mime_open(raw, len, false, &m);
	hint = mail_headers_hint(&m);
	o->reply_to = field_list_display(m.fields, MAILIMF_FIELD_REPLY_TO,
	    hint);
	o->bcc = field_list_display(m.fields, MAILIMF_FIELD_BCC, hint);
	o->date = m.fields != NULL ? mail_headers_date_text(m.fields) : NULL;
	mime_close(&m);
}

static void
orig_close(struct orig *o)
{
	mail_headers_free(&o->h);
	free(o->reply_to);
	free(o->bcc);
	free(o->date);
}

/* The readable text of a message, without leading or trailing blank lines. */
static char *
message_text(const char *raw, size_t len)
{
	struct mail_render_opts	 ro = { MAIL_RENDER_NO_HEADERS |
				    MAIL_RENDER_NO_ATTACHMENTS, 0 };
	struct perr		 ignored;
	char			*text = NULL, *s, *out;
	size_t			 n;

	if (mail_render(raw, len, &text, &ro, &ignored) != 0 || text == NULL) {
		free(text);
		return xstrdup("");
	}
	for (s = text; *s == '\n' || *s == ' ' || *s == '\t'; ) {
		size_t k = strspn(s, " \t");

		if (s[k] != '\n')
			break;
		s += k + 1;
	}
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t'))
		n--;
	out = xstrndup(s, n);
	free(text);
	return out;
}

/* ---- who the user is ------------------------------------------------ */

#define ALTERNATE_MAX	512	/* bytes of one alternates item */

/* One alternates item against addr: an address, else a whole-match ERE. */
static bool
alternate_match(const char *item, size_t n, const char *addr)
{
	struct perr	 ignored;
	regex_t		 re;
	char		*it, *pat;
	bool		 hit = false;

	if (n == 0 || n > ALTERNATE_MAX)
		return false;
	it = xstrndup(item, n);
	if (compose_addr_check(it, &ignored) == 0) {
		hit = strcasecmp(it, addr) == 0;
		free(it);
		return hit;
	}
	/* Anchored, so "bob@x" never matches "notbob@x.evil". */
	pat = xasprintf("^(%s)$", it);
	if (regcomp(&re, pat, REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0) {
		hit = regexec(&re, addr, 0, NULL, 0) == 0;
		regfree(&re);
	}
	free(pat);
	free(it);
	return hit;
}

bool
compose_self_is(const struct compose_self *self, const char *addr)
{
	struct compose_addrs	 ids = { 0 };
	struct perr		 ignored;
	const char		*p;
	size_t			 n;
	bool			 hit;

	if (self == NULL || addr == NULL || *addr == '\0')
		return false;
	if (self->email != NULL && strcasecmp(self->email, addr) == 0)
		return true;
	(void)compose_parse_list(self->identities, true, &ids, &ignored);
	hit = compose_addrs_has(&ids, addr);
	compose_addrs_free(&ids);
	for (p = self->alternates; !hit && p != NULL && *p != '\0'; p += n) {
		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		hit = alternate_match(p, n, addr);
	}
	return hit;
}

/* addr as From: named as its identity says, else with real_name. */
static char *
self_from(const struct compose_self *self, const char *addr)
{
	struct compose_addrs	 ids = { 0 };
	struct perr		 ignored;
	const char		*name = self->real_name;
	char			*out;
	size_t			 i;

	(void)compose_parse_list(self->identities, true, &ids, &ignored);
	for (i = 0; i < ids.n; i++) {
		if (strcasecmp(ids.v[i].addr, addr) != 0)
			continue;
		/* As the user spells it, not as the sender did. */
		addr = ids.v[i].addr;
		if (ids.v[i].name != NULL)
			name = ids.v[i].name;
		break;
	}
	out = addr_format(name, addr);
	compose_addrs_free(&ids);
	return out;
}

char **
compose_self_choices(const struct compose_self *self, size_t *n)
{
	struct compose_addrs	  ids = { 0 };
	struct perr		  ignored;
	char			**v;
	size_t			  i;

	(void)compose_parse_list(self->identities, true, &ids, &ignored);
	v = xcalloc(ids.n + 1, sizeof *v);
	*n = 0;
	if (self->email != NULL)
		v[(*n)++] = addr_format(self->real_name, self->email);
	for (i = 0; i < ids.n; i++) {
		if (self->email != NULL &&
		    strcasecmp(ids.v[i].addr, self->email) == 0)
			continue;
		v[(*n)++] = addr_format(ids.v[i].name != NULL ?
		    ids.v[i].name : self->real_name, ids.v[i].addr);
	}
	compose_addrs_free(&ids);
	return v;
}

/* The first of self's addresses among the lists, in order; or NULL. */
static const char *
self_among(const struct compose_self *self,
    const struct compose_addrs *const *lists, size_t nlists)
{
	size_t	i, j;

	for (i = 0; i < nlists; i++)
		for (j = 0; j < lists[i]->n; j++)
			if (compose_self_is(self, lists[i]->v[j].addr))
				return lists[i]->v[j].addr;
	return NULL;
}

static void
add_except(struct compose_addrs *dst, const struct compose_addrs *src,
    const struct compose_self *self, const struct compose_addrs *also_not)
{
	size_t	i;

	for (i = 0; i < src->n; i++) {
		if (compose_self_is(self, src->v[i].addr))
			continue;
		if (also_not != NULL &&
		    compose_addrs_has(also_not, src->v[i].addr))
			continue;
		if (!compose_addrs_has(dst, src->v[i].addr))
			compose_addrs_add(dst, src->v[i].name, src->v[i].addr);
	}
}

int
compose_reply(const char *raw, size_t len, bool all,
    const struct compose_self *self, struct compose_draft *d,
    struct perr *err)
{
	struct orig		 o;
	struct compose_addrs	 from = { 0 }, rt = { 0 }, to = { 0 },
				 cc = { 0 }, nto = { 0 }, ncc = { 0 };
	struct perr		 ignored;
	struct mbuf		 b = { 0 };
	char			*text, *line, *next;
	const struct compose_addrs *order[] = { &to, &cc, &from };
	const char		*who, *mine;

	memset(d, 0, sizeof *d);
	if (raw == NULL)
		return perr_set(err, PERR_GENERIC, _("no message to reply to"));
	orig_open(raw, len, &o);
	if (compose_addr_check(o.h.from_addr, &ignored) == 0)
		compose_addrs_add(&from, o.h.from_name, o.h.from_addr);
	(void)compose_parse_list(o.reply_to, true, &rt, &ignored);
	(void)compose_parse_list(o.h.to, true, &to, &ignored);
	(void)compose_parse_list(o.h.cc, true, &cc, &ignored);

	add_except(&nto, rt.n > 0 ? &rt : &from, self, NULL);
	/* A reply to one's own message goes to its recipients. */
	if (nto.n == 0)
		add_except(&nto, &to, self, NULL);
	if (all) {
		add_except(&ncc, &to, self, &nto);
		add_except(&ncc, &cc, self, &nto);
	}
	/* The address it was sent to is the one to answer from. */
	if ((mine = self_among(self, order, 3)) != NULL)
		d->from = self_from(self, mine);
	d->to = compose_addrs_format(&nto);
	d->cc = ncc.n > 0 ? compose_addrs_format(&ncc) : NULL;
	d->subject = compose_subject_reply(o.h.subject);
	if (*o.h.message_id != '\0') {
		d->in_reply_to = xstrdup(o.h.message_id);
		d->references = xasprintf("%s%s%s", *o.h.references != '\0' ?
		    o.h.references : o.h.in_reply_to,
		    *o.h.references != '\0' || *o.h.in_reply_to != '\0' ?
		    " " : "", o.h.message_id);
	}

	who = *o.h.from_name != '\0' ? o.h.from_name :
	    *o.h.from_addr != '\0' ? o.h.from_addr : _("someone");
	if (o.date != NULL)
		mbuf_printf(&b, _("On %s, %s wrote:\n"), o.date, who);
	else
		mbuf_printf(&b, _("%s wrote:\n"), who);
	text = message_text(raw, len);
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0')
			mbuf_adds(&b, ">\n");
		else
			mbuf_printf(&b, ">%s%s\n", *line == '>' ? "" : " ",
			    line);
	}
	mbuf_addc(&b, '\n');
	d->body = mbuf_finish(&b, NULL);
	free(text);

	compose_addrs_free(&from);
	compose_addrs_free(&rt);
	compose_addrs_free(&to);
	compose_addrs_free(&cc);
	compose_addrs_free(&nto);
	compose_addrs_free(&ncc);
	orig_close(&o);
	return 0;
}

/* The original's attachments, decoded, onto d. */
static void
copy_attachments(const char *raw, size_t len, struct compose_draft *d)
{
	struct mail_part	*parts;
	struct perr		 ignored;
	char			*bytes;
	size_t			 n, i, blen;

	if (mail_attachments(raw, len, &parts, &n, &ignored) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (parts[i].role != MAIL_PART_ATTACHMENT)
			continue;
		if (mail_part_decode(raw, len, parts[i].id, &bytes, &blen,
		    &ignored) != 0)
			continue;
		compose_draft_attach(d, bytes, blen, *parts[i].filename != '\0' ?
		    parts[i].filename : parts[i].is_message ? "message.eml" :
		    "attachment", parts[i].is_message ? "message/rfc822" :
		    parts[i].type, NULL);
	}
	mail_parts_free(parts, n);
}

int
compose_forward(const char *raw, size_t len, bool as_attachment,
    struct compose_draft *d, struct perr *err)
{
	struct orig	 o;
	struct mbuf	 b = { 0 };
	char		*text, *from, *name, *p;

	memset(d, 0, sizeof *d);
	if (raw == NULL)
		return perr_set(err, PERR_GENERIC, _("no message to forward"));
	orig_open(raw, len, &o);
	d->subject = compose_subject_forward(o.h.subject);
	if (as_attachment) {
		name = xasprintf("%s.eml", *o.h.subject != '\0' ? o.h.subject :
		    _("forwarded message"));
		for (p = name; *p != '\0'; p++)
			if (*p == '/' || *p == '\\')
				*p = '_';
		p = xmalloc(len + 1);
		memcpy(p, raw, len);
		p[len] = '\0';
		compose_draft_attach(d, p, len, name, "message/rfc822", NULL);
		free(name);
		d->body = xstrdup("");
		orig_close(&o);
		return 0;
	}
	from = addr_format(o.h.from_name, o.h.from_addr);
	mbuf_adds(&b, _("\n\n---------- Forwarded message ----------\n"));
	mbuf_printf(&b, "From: %s\n", from);
	if (o.date != NULL)
		mbuf_printf(&b, "Date: %s\n", o.date);
	mbuf_printf(&b, "Subject: %s\n", o.h.subject);
	if (*o.h.to != '\0')
		mbuf_printf(&b, "To: %s\n", o.h.to);
	if (*o.h.cc != '\0')
		mbuf_printf(&b, "Cc: %s\n", o.h.cc);
	mbuf_addc(&b, '\n');
	text = message_text(raw, len);
	mbuf_adds(&b, text);
	mbuf_addc(&b, '\n');
	d->body = mbuf_finish(&b, NULL);
	free(text);
	free(from);
	copy_attachments(raw, len, d);
	orig_close(&o);
	return 0;
}

int
compose_from_message(const char *raw, size_t len, struct compose_draft *d,
    struct perr *err)
{
	struct orig	 o;
	char		*text;

	memset(d, 0, sizeof *d);
	if (raw == NULL)
		return perr_set(err, PERR_GENERIC, _("no message"));
	orig_open(raw, len, &o);
	if (*o.h.from_addr != '\0')
		d->from = addr_format(o.h.from_name, o.h.from_addr);
	if (*o.h.to != '\0')
		d->to = xstrdup(o.h.to);
	if (*o.h.cc != '\0')
		d->cc = xstrdup(o.h.cc);
	if (o.bcc != NULL && *o.bcc != '\0')
		d->bcc = xstrdup(o.bcc);
	if (o.reply_to != NULL && *o.reply_to != '\0')
		d->reply_to = xstrdup(o.reply_to);
	if (*o.h.subject != '\0')
		d->subject = xstrdup(o.h.subject);
	if (*o.h.in_reply_to != '\0')
		d->in_reply_to = xstrdup(o.h.in_reply_to);
	if (*o.h.references != '\0')
		d->references = xstrdup(o.h.references);
	text = message_text(raw, len);
	d->body = xasprintf("%s\n", text);
	free(text);
	copy_attachments(raw, len, d);
	orig_close(&o);
	return 0;
}
