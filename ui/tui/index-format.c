/*
 * index-format.c - the text of one index row: the built-in columns, or
 * the user's index_format (a subset of mutt's %-expandos, listed in
 * posta.conf(5)) with dates through date_format.
 *
 * The row's strings are sanitised already (index.c); what comes out goes
 * through draw.c's put(), which sanitises and fits it once more, so a
 * strange date_format cannot reach the terminal raw either. No curses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/tui-int.h"

/* Widest field kept (columns): a format cannot ask for a huge pad. */
#define FMT_MAX_WIDTH	512

/* Today: "14:05"; this year: "21 Nov"; older: "2023-11-21". */
static void
date_by_age(int64_t when, time_t now, char *buf, size_t len)
{
	time_t		t = (time_t)when;
	struct tm	tm, tn;

	if (localtime_r(&t, &tm) == NULL || localtime_r(&now, &tn) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	if (tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday)
		(void)strftime(buf, len, "%H:%M", &tm);
	else if (tm.tm_year == tn.tm_year)
		(void)strftime(buf, len, "%d %b", &tm);
	else
		(void)strftime(buf, len, "%Y-%m-%d", &tm);
}

/* The date through fmt (strftime, the locale's LC_TIME); NULL: by age. */
static void
fmt_date(const char *fmt, int64_t when, time_t now, char *buf, size_t len)
{
	time_t		t = (time_t)when;
	struct tm	tm;

	if (fmt == NULL) {
		date_by_age(when, now, buf, len);
		return;
	}
	/* strftime's 0 is both "too long" and "empty": either way, "". */
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, fmt, &tm) == 0)
		buf[0] = '\0';
}

void
ix_format_size(int64_t n, char *buf, size_t len)
{
	if (n < 1000)
		snprintf(buf, len, "%lld", (long long)n);
	else if (n < 10 * 1024)
		snprintf(buf, len, "%.1fK", (double)n / 1024);
	else if (n < 1000 * 1024)
		snprintf(buf, len, "%lldK", (long long)(n / 1024));
	else if (n < 10 * 1024 * 1024)
		snprintf(buf, len, "%.1fM", (double)n / (1024 * 1024));
	else
		snprintf(buf, len, "%lldM", (long long)(n / (1024 * 1024)));
}

/* N new, ! flagged, D deleted or r answered, + attachments, * tagged. */
static void
fmt_flags(const struct ix_row *r, bool tagged, char flags[6])
{
	bool	unread = !(r->flags & STORE_SEEN) || r->unread > 0;

	flags[0] = unread ? 'N' : ' ';
	flags[1] = (r->flags & STORE_FLAGGED) ? '!' : ' ';
	/* Deleted says more than answered: it is about to go. */
	flags[2] = (r->flags & STORE_DELETED) ? 'D' :
	    (r->flags & STORE_ANSWERED) ? 'r' : ' ';
	flags[3] = r->attach ? '+' : ' ';
	flags[4] = tagged ? '*' : ' ';
	flags[5] = '\0';
}

/* The subject with the thread's tree and a collapsed thread's counts:
 * malloc'd. */
static char *
fmt_subject(const struct ix_row *r)
{
	char	fold[64] = "";

	if (r->nkids > 0 && r->unread > 0)
		snprintf(fold, sizeof fold, _("(%zu, %zu unread) "),
		    r->nkids + 1, r->unread);
	else if (r->nkids > 0)
		snprintf(fold, sizeof fold, "(%zu) ", r->nkids + 1);
	return xasprintf("%s%s%s", r->tree != NULL ? r->tree : "", fold,
	    r->subject);
}

/* The author column: the sender, or the recipients where the user's own
 * mail is kept (Sent, Drafts), as mutt's %F: malloc'd. */
static char *
fmt_author(const struct ix_fmt *f, const struct ix_row *r)
{
	if (f->recipients)
		return xasprintf(_("To: %s"), r->to != NULL ? r->to : "");
	return xstrdup(r->from);
}

/* The built-in columns: flags date author subject size; narrow screens
 * lose the size. */
static char *
builtin_row(const struct ix_fmt *f, const struct ix_row *r, bool tagged,
    int width)
{
	char	 flags[6], date[128], size[32], *from, *subj, *author, *dc;
	char	*subjraw, *line;
	int	 fw, sw, zw;

	fmt_flags(r, tagged, flags);
	fmt_date(f->date_format, r->date, f->now, date, sizeof date);
	ix_format_size(r->size, size, sizeof size);
	fw = width >= 100 ? 22 : width >= 70 ? 18 : 12;
	zw = width >= 60 ? 6 : 0;
	sw = width - 5 - 1 - 10 - 1 - fw - 1 - zw;
	if (sw < 1)
		sw = 1;
	author = fmt_author(f, r);
	subjraw = fmt_subject(r);
	if (f->ascii) {
		text_asciify(author);
		text_asciify(subjraw);
		text_asciify(date);
	}
	from = text_fit(author, fw);
	subj = text_fit(subjraw, sw);
	dc = text_fit(date, 10);
	line = xasprintf("%s %s %s %s%s%*s", flags, dc, from, subj,
	    zw > 0 ? " " : "", zw > 0 ? zw - 1 : 0, zw > 0 ? size : "");
	free(dc);
	free(subj);
	free(subjraw);
	free(from);
	free(author);
	return line;
}

/* s padded to min columns (left: on the right) and cut to max (< 0:
 * no limit), appended to b. s is sanitised UTF-8. */
static void
put_field(struct mbuf *b, const char *s, bool left, int min, int max)
{
	char	*cut = NULL;
	int	 w;

	if (max >= 0 && text_width(s) > max) {
		cut = text_fit(s, max);
		s = cut;
	}
	w = text_width(s);
	if (!left)
		for (; w < min; w++)
			mbuf_addc(b, ' ');
	mbuf_adds(b, s);
	if (left)
		for (; w < min; w++)
			mbuf_addc(b, ' ');
	free(cut);
}

/* A number in a format, bounded. */
static int
fmt_number(const char **p)
{
	int	n = 0;

	while (**p >= '0' && **p <= '9') {
		if (n < FMT_MAX_WIDTH)
			n = n * 10 + (**p - '0');
		(*p)++;
	}
	return n > FMT_MAX_WIDTH ? FMT_MAX_WIDTH : n;
}

/* The text of expando c (or of %{strftime}, braces given), malloc'd;
 * NULL: not an expando of ours. */
static char *
expando(const struct ix_fmt *f, const struct ix_row *r, bool tagged, char c,
    const char *brace, size_t bracelen)
{
	char	buf[256];

	switch (c) {
	case 'd':
		fmt_date(f->date_format, r->date, f->now, buf, sizeof buf);
		return xstrdup(buf);
	case '{': {
		char	*df;

		if (brace == NULL)
			return NULL;
		df = xstrndup(brace, bracelen);

		fmt_date(df, r->date, f->now, buf, sizeof buf);
		free(df);
		return xstrdup(buf);
	}
	case 'f':
		if (r->from_addr != NULL && *r->from_addr != '\0' &&
		    strcmp(r->from, r->from_addr) != 0)
			return xasprintf("%s <%s>", r->from, r->from_addr);
		return xstrdup(r->from);
	case 'n':
		return xstrdup(r->from);
	case 'F':
		return fmt_author(f, r);
	case 't':
		return xstrdup(r->to != NULL ? r->to : "");
	case 's':
		return fmt_subject(r);
	case 'Z':
		fmt_flags(r, tagged, buf);
		return xstrdup(buf);
	case 'c':
		ix_format_size(r->size, buf, sizeof buf);
		return xstrdup(buf);
	case '%':
		return xstrdup("%");
	}
	return NULL;
}

/* index_format expanded for r (see posta.conf(5)); what is not an
 * expando is copied as it stands. */
static char *
format_row(const struct ix_fmt *f, const struct ix_row *r, bool tagged)
{
	struct mbuf	 b = { 0 };
	const char	*p = f->format, *start, *brace = NULL;
	size_t		 bracelen = 0;
	char		*val;
	bool		 left;
	int		 min, max;

	while (*p != '\0') {
		if (*p != '%') {
			mbuf_addc(&b, *p++);
			continue;
		}
		start = p++;
		left = *p == '-';
		if (left)
			p++;
		min = fmt_number(&p);
		max = -1;
		if (*p == '.') {
			p++;
			max = fmt_number(&p);
		}
		if (*p == '{') {
			brace = p + 1;
			bracelen = strcspn(brace, "}");
			if (brace[bracelen] != '}')
				brace = NULL;
		}
		val = *p != '\0' ? expando(f, r, tagged, *p, brace, bracelen) :
		    NULL;
		if (val == NULL) {
			/* Not ours: shown as written. */
			mbuf_add(&b, start, (size_t)(p - start));
			continue;
		}
		if (f->ascii)
			text_asciify(val);
		put_field(&b, val, left, min, max);
		free(val);
		p = *p == '{' ? brace + bracelen + 1 : p + 1;
		brace = NULL;
	}
	return mbuf_finish(&b, NULL);
}

char *
ix_format_row(const struct ix_fmt *f, const struct ix_row *r, bool tagged,
    int width)
{
	if (f->format == NULL)
		return builtin_row(f, r, tagged, width);
	return format_row(f, r, tagged);
}
