/*
 * render.c - a whole message as text for the pager and "posta show".
 *
 * mime_open() has decided what is body and what is attachment; this file
 * walks its flat part list in order, turns each body part into UTF-8 text
 * (transfer encoding undone, charset converted, format=flowed joined, HTML
 * read), shows nested messages in place under their own header, and lists
 * the attachments at the end. The result passes sanitize_text() last, so
 * whatever the message holds, no control character reaches the terminal.
 */
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "mail/mail.h"
#include "util/i18n.h"

#define MAX_NAME	200	/* bytes of a file name shown */

struct render {
	struct mbuf	 out;
	size_t		 max;
	int		 linkno;
	unsigned	 flags;
	bool		 full;		/* max reached: nothing more is added */
	int		 bodies;	/* body parts shown in this message */
	bool		 any;		/* any body part shown at all */
};

/* Append unless the cap is reached; the first overflow cuts and says so. */
static void
put(struct render *r, const char *s, size_t n)
{
	size_t	room;

	if (r->full)
		return;
	room = r->max > r->out.len ? r->max - r->out.len : 0;
	if (n > room) {
		/* Cut on a character boundary. */
		while (room > 0 && ((unsigned char)s[room] & 0xC0) == 0x80)
			room--;
		mbuf_add(&r->out, s, room);
		mbuf_adds(&r->out, _("\n[... message truncated ...]\n"));
		r->full = true;
		return;
	}
	mbuf_add(&r->out, s, n);
}

static void
put_str(struct render *r, const char *s)
{
	put(r, s, strlen(s));
}

static void
header_line(struct render *r, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	put_str(r, name);
	put_str(r, ": ");
	put_str(r, value);
	put_str(r, "\n");
}

static void
header_block(struct render *r, const struct mailimf_fields *f,
    const char *hint)
{
	struct mail_headers	 h;
	char			*from, *date;

	mail_headers_from_fields(f, hint, &h);
	from = addr_format(h.from_name, h.from_addr);
	date = mail_headers_date_text(f);
	header_line(r, "From", from);
	header_line(r, "To", h.to);
	header_line(r, "Cc", h.cc);
	header_line(r, "Date", date);
	header_line(r, "Subject", h.subject);
	free(date);
	free(from);
	mail_headers_free(&h);
}

/* CRLF and lone CR to LF, in place; returns the new length. */
static size_t
unix_newlines(char *s, size_t n)
{
	size_t	i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r') {
			if (i + 1 < n && s[i + 1] == '\n')
				continue;
			s[o++] = '\n';
		} else
			s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

static void
body_part(struct render *r, const struct mime_part *p)
{
	char	*raw, *u, *t, *cs = NULL;
	size_t	 n, un, tn, budget;
	bool	 html = strcmp(p->type, "text/html") == 0;

	raw = mime_decode(p, &n);
	/* Bytes beyond twice the room left cannot show up: do not convert
	 * them (UTF-16 is the densest input, at half). */
	budget = r->max > r->out.len ? r->max - r->out.len : 0;
	if (n > 2 * budget + 16)
		n = 2 * budget + 16;
	if (p->charset == NULL && html)
		cs = html_meta_charset(raw, n);
	u = mail_charset_to_utf8(p->charset ? p->charset : cs, raw, n, &un);
	free(cs);
	free(raw);
	un = unix_newlines(u, un);

	if (r->bodies++ > 0)
		put_str(r, "\n");
	r->any = true;
	if (html) {
		t = html_to_text(u, un, &r->linkno, budget + 1, &tn);
		put(r, t, tn);
		free(t);
	} else if (p->flowed) {
		t = flowed_unwrap(u, un, p->delsp, &tn);
		put(r, t, tn);
		free(t);
	} else
		put(r, u, un);
	if (r->out.len > 0 && r->out.p[r->out.len - 1] != '\n')
		put_str(r, "\n");
	free(u);
}

/* The length of s cut to at most max bytes on a character boundary. */
static size_t
cut(const char *s, size_t max)
{
	size_t	n = strlen(s);

	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* "12.3 KiB", malloc'd. */
static char *
human_size(size_t n)
{
	if (n < 1024)
		return xasprintf("%zu B", n);
	if (n < 1024 * 1024)
		return xasprintf("%.1f KiB", n / 1024.0);
	return xasprintf("%.1f MiB", n / (1024.0 * 1024.0));
}

static void
attachment_list(struct render *r, const struct mime_msg *m)
{
	const struct mime_part	*p;
	char			*bytes, *size, *line;
	size_t			 i, n;
	bool			 first = true;

	for (i = 0; i < m->nparts; i++) {
		p = &m->parts[i];
		if (p->role != MAIL_PART_ATTACHMENT || p->kind == MIME_MULTIPART)
			continue;
		if (first)
			put_str(r, _("\nAttachments:\n"));
		first = false;
		bytes = mime_decode(p, &n);
		free(bytes);
		size = human_size(n);
		if (p->filename != NULL)
			line = xasprintf("  [%s] %s \"%.*s\" (%s)\n", p->id,
			    p->type, (int)cut(p->filename, MAX_NAME),
			    p->filename, size);
		else
			line = xasprintf("  [%s] %s (%s)\n", p->id, p->type,
			    size);
		put_str(r, line);
		free(line);
		free(size);
	}
	if (m->more)
		put_str(r, _("  [more parts not shown]\n"));
}

/* The text of a parsed message, as mail_render() describes it: malloc'd. */
static char *
render_msg(const struct mime_msg *m, const struct mail_render_opts *opts)
{
	struct render		 r;
	const struct mime_part	*p;
	char			*s, *out;
	size_t			 i, n;

	memset(&r, 0, sizeof r);
	r.flags = opts != NULL ? opts->flags : 0;
	r.max = opts != NULL && opts->max_bytes > 0 ? opts->max_bytes :
	    MAIL_RENDER_MAX;

	if (!(r.flags & MAIL_RENDER_NO_HEADERS)) {
		header_block(&r, m->fields, mail_headers_hint(m));
		put_str(&r, "\n");
		if (m->guarded) {
			put_str(&r, "[");
			put_str(&r, _(MAIL_PROBLEM_COMPLEX));
			put_str(&r, "]\n\n");
		}
	}
	for (i = 0; i < m->nparts && !r.full; i++) {
		p = &m->parts[i];
		if (p->truncated && p->role != MAIL_PART_HIDDEN) {
			s = xasprintf(_("\n[part %s: nested too deeply, not "
			    "shown]\n"), *p->id ? p->id : "1");
			put_str(&r, s);
			free(s);
		}
		if (p->kind == MIME_MESSAGE && p->depth > 0 && p->shown) {
			s = xasprintf(_("\n---------- message (part %s) "
			    "----------\n"), p->id);
			put_str(&r, s);
			free(s);
			header_block(&r, p->fields, mail_headers_hint(m));
			put_str(&r, "\n");
			r.bodies = 0;
			continue;
		}
		if (p->kind == MIME_LEAF && p->role == MAIL_PART_BODY)
			body_part(&r, p);
	}
	if (!r.any && !r.full)
		put_str(&r, _("[This message has no text part.]\n"));
	if (!(r.flags & MAIL_RENDER_NO_ATTACHMENTS)) {
		r.full = false;		/* the list is short: always show it */
		r.max = (size_t)-1;
		attachment_list(&r, m);
	}
	s = mbuf_finish(&r.out, &n);
	out = sanitize_text(s, n, true);
	free(s);
	return out;
}

int
mail_render(const char *raw, size_t len, char **out,
    const struct mail_render_opts *opts, struct perr *err)
{
	struct mime_msg	m;

	*out = NULL;
	if (raw == NULL)
		return perr_set(err, PERR_GENERIC, _("no message"));
	mime_open(raw, len, opts != NULL &&
	    (opts->flags & MAIL_RENDER_PREFER_HTML) != 0, &m);
	*out = render_msg(&m, opts);
	mime_close(&m);
	return 0;
}

int
mail_part_render(const char *raw, size_t len, const char *id, char **out,
    struct perr *err)
{
	struct mime_msg	 m;
	struct render	 r;
	char		*s;
	size_t		 i, n;

	*out = NULL;
	if (raw == NULL || id == NULL)
		return perr_set(err, PERR_GENERIC, _("no message or part"));
	mime_open(raw, len, false, &m);
	for (i = 0; i < m.nparts; i++)
		if (m.parts[i].kind != MIME_MULTIPART &&
		    strcmp(m.parts[i].id, id) == 0)
			break;
	if (i == m.nparts || strncmp(m.parts[i].type, "text/", 5) != 0) {
		mime_close(&m);
		return perr_set(err, PERR_NOTFOUND, _("message has no text part "
		    "%s"), id);
	}
	memset(&r, 0, sizeof r);
	r.max = MAIL_RENDER_MAX;
	body_part(&r, &m.parts[i]);
	mime_close(&m);
	s = mbuf_finish(&r.out, &n);
	*out = sanitize_text(s, n, true);
	free(s);
	return 0;
}

int
mail_index(const char *raw, size_t len, size_t text_max,
    struct mail_headers *h, char **text, char **problem, char **names,
    struct perr *err)
{
	struct mail_render_opts	 ro = { MAIL_RENDER_NO_HEADERS |
	    MAIL_RENDER_NO_ATTACHMENTS, text_max };
	struct mime_msg		 m;

	*text = NULL;
	*problem = NULL;
	if (names != NULL)
		*names = NULL;
	if (raw == NULL) {
		mail_headers_from_fields(NULL, NULL, h);
		return perr_set(err, PERR_GENERIC, _("no message"));
	}
	mime_open(raw, len, false, &m);
	mail_headers_from_msg(&m, h);
	*text = render_msg(&m, &ro);
	if (names != NULL)
		*names = mime_file_names(&m, raw, len);
	if (m.guarded)
		*problem = xstrdup(MAIL_PROBLEM_COMPLEX);
	mime_close(&m);
	return 0;
}
