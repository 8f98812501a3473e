/*
 * pager.c - one message (or the help text) as lines wrapped to the width.
 *
 * The text is sanitised once when it is set (keeping newlines), tabs are
 * expanded, and the wrap is a list of byte ranges into it, made again on
 * resize. draw.c sanitises each piece again on its way to the screen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wchar.h>

#include "mail/mail.h"
#include "mail/problem.h"
#include "tui/tui-int.h"

#define PG_TAB		8

/* A growable string for the header block. */
struct pbuf {
	char	*p;
	size_t	 len, cap;
};

void
pager_init(struct pager *pg)
{
	memset(pg, 0, sizeof *pg);
	pg->width = 80;
	pg->height = 20;
}

static void
pager_clear(struct pager *pg)
{
	free(pg->text);
	free(pg->lines);
	free(pg->title);
	pg->text = pg->title = NULL;
	pg->lines = NULL;
	pg->nlines = pg->textlen = 0;
	pg->top = 0;
	pg->msg_id = 0;
	pg->mode = PG_TEXT;
	pg->loading = false;
}

void
pager_free(struct pager *pg)
{
	pager_clear(pg);
	free(pg->search);
	pg->search = NULL;
}

/* Tabs to spaces (to the next multiple of PG_TAB columns). */
static char *
expand_tabs(const char *s, size_t *outlen)
{
	size_t		 n = 0, cap, col = 0, i, tabs = 0;
	char		*out;
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (*p == '\t')
			tabs++;
	cap = strlen(s) + tabs * PG_TAB + 1;
	out = xmalloc(cap);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\t') {
			for (i = PG_TAB - col % PG_TAB; i > 0; i--, col++)
				out[n++] = ' ';
			continue;
		}
		out[n++] = *p;
		if (*p == '\n')
			col = 0;
		else if (((unsigned char)*p & 0xc0) != 0x80)
			col++;	/* close enough for tab stops */
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

static int
quote_depth(const char *s, size_t len)
{
	size_t	i;
	int	q = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '>')
			q++;
		else if (s[i] != ' ')
			break;
	}
	return q;
}

static void
add_line(struct pager *pg, size_t *cap, size_t off, size_t len, int quote,
    bool header)
{
	if (pg->nlines == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		pg->lines = xreallocarray(pg->lines, *cap, sizeof *pg->lines);
	}
	pg->lines[pg->nlines].off = off;
	pg->lines[pg->nlines].len = len;
	pg->lines[pg->nlines].quote = quote;
	pg->lines[pg->nlines++].header = header;
}

/* Width of one character at s (wcwidth; unmeasurable counts as 1). */
static size_t
char_at(const char *s, size_t n, int *w)
{
	mbstate_t	ps;
	wchar_t		wc;
	size_t		l;

	memset(&ps, 0, sizeof ps);
	l = mbrtowc(&wc, s, n, &ps);
	if (l == (size_t)-1 || l == (size_t)-2 || l == 0) {
		*w = 1;
		return 1;
	}
	*w = wcwidth(wc);
	if (*w < 0)
		*w = 1;
	return l;
}

/* Wrap every logical line to the width, at a space where one is near. */
static void
rewrap(struct pager *pg)
{
	size_t		 cap = 0, start, end, i, brk, l;
	const char	*t = pg->text;
	int		 width = pg->width > 0 ? pg->width : 1, col, w, quote;
	bool		 header = pg->msg_id != 0 && pg->mode != PG_RAW;

	free(pg->lines);
	pg->lines = NULL;
	pg->nlines = 0;
	if (t == NULL)
		return;
	for (start = 0; start <= pg->textlen; start = end + 1) {
		end = start;
		while (end < pg->textlen && t[end] != '\n')
			end++;
		if (end == start)
			header = false;	/* the blank line after the headers */
		quote = header ? 0 : quote_depth(t + start, end - start);
		i = start;
		do {
			size_t	ls = i;

			col = 0;
			brk = 0;
			while (i < end) {
				l = char_at(t + i, end - i, &w);
				if (col + w > width && i > ls)
					break;
				col += w;
				i += l;
				if (t[i - 1] == ' ')
					brk = i;
			}
			/* Break after the last space unless that wastes half. */
			if (i < end && brk > ls && (int)(brk - ls) > width / 2)
				i = brk;
			add_line(pg, &cap, ls, i - ls, quote, header);
		} while (i < end);
		if (end >= pg->textlen)
			break;
	}
	if (pg->top >= pg->nlines)
		pg->top = pg->nlines > 0 ? pg->nlines - 1 : 0;
}

/* Take ownership of already sanitised text. */
static void
set_text(struct pager *pg, char *sanitised)
{
	free(pg->text);
	pg->text = expand_tabs(sanitised, &pg->textlen);
	free(sanitised);
	pg->top = 0;
	rewrap(pg);
}

void
pager_append(struct pager *pg, const char *text, size_t len)
{
	char	*add = sanitize_text(text, len, true), *all;
	size_t	 top = pg->top;

	all = xasprintf("%s%s", pg->text != NULL ? pg->text : "", add);
	free(add);
	set_text(pg, all);
	pg->top = top;
}

void
pager_set_text(struct pager *pg, const char *title, const char *text)
{
	pager_clear(pg);
	pg->title = sanitize_line(title);
	set_text(pg, sanitize_text(text, strlen(text), true));
}

static void
header_line(struct pbuf *b,
    const char *name, const char *value)
{
	char	*v, *line;
	size_t	 n;

	if (value == NULL || *value == '\0')
		return;
	v = sanitize_line(value);
	line = xasprintf("%s: %s\n", name, v);
	n = strlen(line);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, line, n + 1);
	b->len += n;
	free(line);
	free(v);
}

/* The headers the store knows, as text: shown before the body arrives. */
static char *
store_headers(const struct store_msg *m)
{
	struct pbuf		 b = { NULL, 0, 0 };
	char			*from, date[64];
	time_t			 tt = (time_t)m->date;
	struct tm		 tm;

	if (m->from_name != NULL && *m->from_name != '\0')
		from = xasprintf("%s <%s>", m->from_name,
		    m->from_addr != NULL ? m->from_addr : "");
	else
		from = xstrdup(m->from_addr != NULL ? m->from_addr : "");
	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(date, sizeof date, "%a, %d %b %Y %H:%M", &tm) == 0)
		date[0] = '\0';
	header_line(&b, pgettext("header", "From"), from);
	header_line(&b, pgettext("header", "To"), m->to_list);
	header_line(&b, pgettext("header", "Cc"), m->cc_list);
	header_line(&b, pgettext("header", "Date"), date);
	header_line(&b, pgettext("header", "Subject"), m->subject);
	free(from);
	return b.p != NULL ? b.p : xstrdup("");
}

/*
 * posta's note on a message that is not whole (store_msg.problem), made
 * the last line of text's header block so that it is drawn like the
 * headers, right above the body; in brackets, so that it cannot pass for
 * one. Takes text, returns the new one.
 */
static char *
with_note(char *text, const char *problem)
{
	char	*note, *out, *body, *words;

	if (problem == NULL)
		return text;
	body = strstr(text, "\n\n");
	body = body != NULL ? body + 1 : text;
	words = problem_words(problem);
	note = sanitize_line(words);
	out = xasprintf("%.*s[posta: %s]\n%s", (int)(body - text), text, note,
	    body);
	free(note);
	free(words);
	free(text);
	return out;
}

/*
 * The list the message came through, at the end of the header block:
 * List-Id, where replies to the list go (L) and how to unsubscribe.
 * Takes text, returns the new one.
 */
static char *
with_list(char *text, const char *raw, size_t len)
{
	struct mail_mlist	 l;
	struct pbuf		 b = { 0 };
	char			*body, *out;
	size_t			 i;

	mail_mlist_parse(raw, len, &l);
	if (*l.id != '\0')
		header_line(&b, "List-Id", l.id);
	if (l.post != NULL)
		header_line(&b, "List-Post", l.post);
	for (i = 0; i < l.nunsub; i++)
		header_line(&b, "List-Unsubscribe", l.unsub[i]);
	mail_mlist_free(&l);
	if (b.p == NULL)
		return text;
	body = strstr(text, "\n\n");
	body = body != NULL ? body + 1 : text;
	out = xasprintf("%.*s%s%s", (int)(body - text), text, b.p, body);
	free(b.p);
	free(text);
	return out;
}

/* Every header field above the body text (takes text). */
static char *
with_all_headers(char *text, const char *raw, size_t len)
{
	char	*head = mail_headers_all(raw, len), *out;

	out = xasprintf("%s\n%s", head, text);
	free(head);
	free(text);
	return out;
}

int
pager_open(struct pager *pg, struct store *st, int64_t id, enum pg_mode mode,
    struct perr *err)
{
	struct store_msg	 m;
	void			*body = NULL;
	size_t			 len = 0;
	char			*head, *text, *bodytext;
	bool			 have;

	if (st == NULL)
		return perr_set(err, PERR_NOTFOUND, _("no store open"));
	if (store_msg_get(st, id, &m, err) != 0)
		return -1;
	have = store_body_get(st, id, &body, &len, err) == 0;
	if (!have && err->code != PERR_NOTFOUND) {
		store_msg_free(&m);
		return -1;
	}
	pager_clear(pg);
	pg->msg_id = id;
	pg->mode = mode;
	pg->loading = !have;
	pg->title = sanitize_line(m.subject != NULL ? m.subject : "");
	head = store_headers(&m);
	if (have && mode == PG_RAW)
		text = sanitize_text(body, len, true);
	else if (have) {
		struct mail_render_opts	 o = { pg->render, 0 };

		/* Headers and body decoded by src/mail: charsets, MIME, HTML,
		 * format=flowed, the attachment list; sanitised there. */
		if (mode == PG_HEADERS)
			o.flags |= MAIL_RENDER_NO_HEADERS;
		if (mail_render(body, len, &bodytext, &o, err) != 0) {
			free(head);
			free(body);
			store_msg_free(&m);
			return -1;
		}
		if (mode == PG_HEADERS)
			text = with_all_headers(bodytext, body, len);
		else
			text = with_list(bodytext, body, len);
		text = with_note(text, m.problem);
	} else if (m.problem != NULL) {
		/* The note says why the body is missing: nothing to fetch. */
		pg->loading = false;
		text = with_note(xasprintf("%s\n", head), m.problem);
	} else
		text = xasprintf(_("%s\nloading... (this message's body is "
		    "not stored yet: it is being fetched)\n"), head);
	free(head);
	free(body);
	store_msg_free(&m);
	set_text(pg, text);
	return 0;
}

void
pager_set_output(struct pager *pg, const char *title, const char *text,
    size_t len)
{
	/* msg_id stays 0: exit goes back where it was asked for. */
	pager_clear(pg);
	pg->title = sanitize_line(title);
	set_text(pg, sanitize_text(text, len, true));
}

void
pager_resize(struct pager *pg, int width, int height)
{
	size_t	first = pg->nlines > 0 ? pg->lines[pg->top].off : 0, i;

	if (width == pg->width && height == pg->height && pg->lines != NULL)
		return;
	pg->width = width > 0 ? width : 1;
	pg->height = height > 0 ? height : 1;
	rewrap(pg);
	/* Keep the first visible text on screen. */
	for (i = 0; i < pg->nlines; i++)
		if (pg->lines[i].off + pg->lines[i].len >= first) {
			pg->top = i;
			break;
		}
}

void
pager_scroll(struct pager *pg, long delta)
{
	size_t	max = pg->nlines > (size_t)pg->height ?
	    pg->nlines - (size_t)pg->height : 0;

	if (delta < 0)
		pg->top = (size_t)-delta > pg->top ? 0 : pg->top - (size_t)-delta;
	else
		pg->top += (size_t)delta;
	if (pg->top > max)
		pg->top = max;
}

void
pager_top(struct pager *pg)
{
	pg->top = 0;
}

void
pager_bottom(struct pager *pg)
{
	pager_scroll(pg, (long)pg->nlines);
}

static bool
line_has(const struct pager *pg, size_t i, const char *s)
{
	char	*line;
	bool	 found;

	line = xstrndup(pg->text + pg->lines[i].off, pg->lines[i].len);
	found = strcasestr(line, s) != NULL;
	free(line);
	return found;
}

int
pager_search(struct pager *pg, const char *s)
{
	size_t	i, n;

	if (pg->search != s) {
		free(pg->search);
		pg->search = xstrdup(s);
	}
	for (n = 1; n <= pg->nlines; n++) {
		i = (pg->top + n) % pg->nlines;
		if (line_has(pg, i, pg->search)) {
			pg->top = i;
			return 1;
		}
	}
	return 0;
}
