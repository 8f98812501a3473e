/*
 * draw.c - the only file that writes to the screen.
 *
 * Every string goes through put(), which runs sanitize_line() on it
 * whatever its origin (store, message, config, our own words), fits it to
 * its columns by wcwidth (text_fit) and, when the terminal's locale is not
 * UTF-8, turns what it cannot show into '?'. So no byte from a message
 * reaches the terminal unfiltered, even if a caller forgot.
 *
 * Windows are drawn with werase() and wnoutrefresh() and shown with one
 * doupdate(): ncurses sends only the cells that changed, which is what a
 * slow SSH link needs. The screen is cleared only on ^L.
 */
#include <curses.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tui/tui-int.h"

#define MIN_COLS	40
#define MIN_ROWS	8
#define SIDE_MIN_COLS	70	/* narrower terminals hide the sidebar */

/*
 * posta's own look: with colours, a foreground (-1: the terminal's) and
 * attributes; without, an attribute alone. [colors] replaces an element's
 * colour style whole, as a mutt "color" line does.
 */
static const struct {
	short	fg;
	attr_t	attr;
	attr_t	mono;
} dc_default[UI_NELEMS] = {
	[UI_NORMAL] =		{ -1, A_NORMAL, A_NORMAL },
	[UI_SELECTED] =		{ -1, A_REVERSE, A_REVERSE },
	[UI_STATUS] =		{ -1, A_REVERSE, A_REVERSE },
	[UI_UNREAD] =		{ -1, A_BOLD, A_BOLD },
	[UI_FLAGGED] =		{ COLOR_RED, A_NORMAL, A_BOLD },
	[UI_QUOTE1] =		{ COLOR_GREEN, A_NORMAL, A_NORMAL },
	[UI_QUOTE2] =		{ COLOR_CYAN, A_NORMAL, A_DIM },
	[UI_QUOTE3] =		{ COLOR_YELLOW, A_NORMAL, A_NORMAL },
	[UI_HEADER] =		{ COLOR_BLUE, A_BOLD, A_BOLD },
	[UI_SIDEBAR_ACCOUNT] =	{ -1, A_BOLD, A_BOLD },
	[UI_SIDEBAR_CURRENT] =	{ -1, A_BOLD, A_UNDERLINE },
	[UI_SEARCH] =		{ -1, A_REVERSE, A_STANDOUT },
	[UI_ERROR] =		{ COLOR_RED, A_BOLD, A_BOLD },
	[UI_TREE] =		{ COLOR_MAGENTA, A_NORMAL, A_NORMAL },
};

struct draw {
	WINDOW	*side, *main, *status, *prompt;
	bool	 utf8;
	attr_t	 style[UI_NELEMS];	/* what each element is drawn with */
	int	 side_w;		/* sidebar columns, 0: hidden */
};

static attr_t
dc_attr(const struct draw *d, enum ui_elem c)
{
	return d->style[c];
}

static attr_t
curses_attrs(unsigned a)
{
	attr_t	r = A_NORMAL;

	if (a & UI_ATTR_BOLD)
		r |= A_BOLD;
	if (a & UI_ATTR_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & UI_ATTR_REVERSE)
		r |= A_REVERSE;
	if (a & UI_ATTR_DIM)
		r |= A_DIM;
	if (a & UI_ATTR_STANDOUT)
		r |= A_STANDOUT;
	return r;
}

/* xterm's 256 colours as RGB: its 16 defaults, a 6x6x6 cube, 24 greys. */
static void
xterm_rgb(int c, int rgb[3])
{
	static const int	sys[16][3] = {
		{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
		{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 },
		{ 229, 229, 229 }, { 127, 127, 127 }, { 255, 0, 0 },
		{ 0, 255, 0 }, { 255, 255, 0 }, { 92, 92, 255 },
		{ 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
	};
	static const int	level[6] = { 0, 95, 135, 175, 215, 255 };
	int			i;

	if (c < 16)
		for (i = 0; i < 3; i++)
			rgb[i] = sys[c][i];
	else if (c < 232) {
		c -= 16;
		rgb[0] = level[c / 36];
		rgb[1] = level[c / 6 % 6];
		rgb[2] = level[c % 6];
	} else
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
}

/*
 * The colour a terminal of n colours shows for c (0-255, -1 the default):
 * c itself, else the nearest of the 16 system colours, and a bright one
 * (8-15) the terminal lacks as its plain colour with *bright set (drawn
 * bold, as terminals of 8 colours show brightness).
 */
static short
fit_color(short c, int n, bool *bright)
{
	int	want[3], have[3], i, d, best = 0, bestd = -1;

	if (c < 0 || c < n)
		return c;
	if (c >= 16) {
		xterm_rgb(c, want);
		for (i = 0; i < 16; i++) {
			xterm_rgb(i, have);
			d = (want[0] - have[0]) * (want[0] - have[0]) +
			    (want[1] - have[1]) * (want[1] - have[1]) +
			    (want[2] - have[2]) * (want[2] - have[2]);
			if (bestd < 0 || d < bestd) {
				best = i;
				bestd = d;
			}
		}
		c = (short)best;
		if (c < n)
			return c;
	}
	if (c < 8 || c - 8 >= n)
		return -1;
	*bright = true;
	return (short)(c - 8);
}

/*
 * The colour style of element i: its [colors] value over the default,
 * fitted to the terminal, as a pair (number i + 1) and attributes. Falls
 * back to the monochrome attribute when the pair cannot be made.
 */
static attr_t
color_style(const struct config *cfg, int i, bool dflt_ok, attr_t mono)
{
	const struct ui_style	*u = &cfg->colors[i];
	short			 fg = dc_default[i].fg, bg = -1;
	attr_t			 attr = dc_default[i].attr;
	bool			 bright = false, unused = false;

	if (u->set) {
		fg = u->fg;
		bg = u->bg;
		attr = curses_attrs(u->attrs);
	}
	if (fg == -1 && bg == -1)
		return attr;	/* the terminal's colours: no pair needed */
	fg = fit_color(fg, COLORS, &bright);
	bg = fit_color(bg, COLORS, &unused);
	if (bright)
		attr |= A_BOLD;
	if (!dflt_ok) {
		/* No "default" here: the usual white on black. */
		if (fg == -1)
			fg = COLOR_WHITE;
		if (bg == -1)
			bg = COLOR_BLACK;
	}
	if (i + 1 >= COLOR_PAIRS || init_pair((short)(i + 1), fg, bg) == ERR)
		return mono;
	return COLOR_PAIR(i + 1) | attr;
}

/*
 * Colours are used when the terminal has them and neither [colors]
 * enable = no nor $NO_COLOR (https://no-color.org; the file's enable =
 * yes overrides it) turns them off. Without colours each element has
 * posta's monochrome attribute plus those its [colors] value names, so
 * that the selection and the status line stay visible.
 */
struct draw *
draw_new(const struct config *cfg)
{
	struct draw	*d = xcalloc(1, sizeof *d);
	const char	*cs = nl_langinfo(CODESET), *nc = getenv("NO_COLOR");
	bool		 on, dflt_ok;
	int		 i;

	d->utf8 = cs != NULL && (strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0);
	for (i = 0; i < UI_NELEMS; i++)
		d->style[i] = dc_default[i].mono |
		    curses_attrs(cfg->colors[i].attrs);
	on = cfg->colors_mode == UI_COLORS_ON ||
	    (cfg->colors_mode == UI_COLORS_AUTO && (nc == NULL || *nc == '\0'));
	if (!on || !has_colors() || start_color() != OK)
		return d;
	/* Keep the terminal's own background where it can. */
	dflt_ok = use_default_colors() == OK;
	for (i = 0; i < UI_NELEMS; i++)
		d->style[i] = color_style(cfg, i, dflt_ok, d->style[i]);
	return d;
}

static void
del_windows(struct draw *d)
{
	WINDOW	**w[] = { &d->side, &d->main, &d->status, &d->prompt };
	size_t	  i;

	for (i = 0; i < sizeof w / sizeof w[0]; i++)
		if (*w[i] != NULL) {
			(void)delwin(*w[i]);
			*w[i] = NULL;
		}
}

void
draw_free(struct draw *d)
{
	if (d == NULL)
		return;
	del_windows(d);
	free(d);
}

static int
side_width(const struct tui *t)
{
	int	w;

	if (!t->sb.visible || t->cols < SIDE_MIN_COLS)
		return 0;
	/* sidebar_width, leaving the index half the screen at least. */
	if (t->cfg->sidebar_width > 0)
		return t->cfg->sidebar_width < t->cols / 2 ?
		    t->cfg->sidebar_width : t->cols / 2;
	w = t->cols / 4;
	return w > 30 ? 30 : w < 16 ? 16 : w;
}

void
draw_main_size(const struct tui *t, int *w, int *h)
{
	int	sw = side_width(t);

	*w = t->cols - (sw > 0 ? sw + 1 : 0);
	*h = t->rows - 2;
	if (*w < 1)
		*w = 1;
	if (*h < 1)
		*h = 1;
}

static WINDOW *
mkwin(int h, int w, int y, int x)
{
	WINDOW	*win = newwin(h, w, y, x);

	/* newwin fails only without memory; keep going without that pane. */
	if (win != NULL)
		(void)leaveok(win, TRUE);
	return win;
}

void
draw_layout(struct draw *d, struct tui *t)
{
	WINDOW	**w[] = { &d->side, &d->main, &d->status, &d->prompt };
	size_t	  i;
	int	  mw, mh;

	del_windows(d);
	t->too_small = t->cols < MIN_COLS || t->rows < MIN_ROWS;
	if (t->too_small) {
		/* One window for the message; it also reads the keys. */
		d->prompt = mkwin(t->rows, t->cols, 0, 0);
		d->side_w = 0;
	} else {
		d->side_w = side_width(t);
		draw_main_size(t, &mw, &mh);
		if (d->side_w > 0)
			d->side = mkwin(mh, d->side_w + 1, 0, 0);
		d->main = mkwin(mh, mw, 0, t->cols - mw);
		d->status = mkwin(1, t->cols, t->rows - 2, 0);
		d->prompt = mkwin(1, t->cols, t->rows - 1, 0);
	}
	/* Cleared cells take the normal colour, background included. */
	for (i = 0; i < sizeof w / sizeof w[0]; i++)
		if (*w[i] != NULL)
			(void)wbkgd(*w[i], (chtype)' ' | d->style[UI_NORMAL]);
	if (d->prompt != NULL) {
		(void)leaveok(d->prompt, FALSE);
		(void)keypad(d->prompt, TRUE);
		(void)nodelay(d->prompt, TRUE);
	}
	t->dirty |= TUI_DIRTY_ALL;
	t->dirty &= ~(unsigned)TUI_DIRTY_LAYOUT;
}

void
draw_restore(struct draw *d, struct tui *t)
{
	(void)reset_prog_mode();
	/* Whatever the program left on the terminal goes. */
	t->dirty |= TUI_DIRTY_LAYOUT | TUI_DIRTY_ALL | TUI_DIRTY_CLEAR;
	draw_layout(d, t);
	t->dirty |= TUI_DIRTY_CLEAR;
}

void *
draw_input_window(struct draw *d)
{
	return d->prompt;
}

/* Sanitise, fit to exactly cols columns: the text put() will draw. */
static char *
cell(const struct draw *d, const char *s, int cols)
{
	char	*safe = sanitize_line(s != NULL ? s : ""), *fit;

	if (!d->utf8)
		text_asciify(safe);
	fit = text_fit(safe, cols);
	free(safe);
	return fit;
}

/*
 * The one way text reaches a window. A write that ends in the bottom-right
 * cell reports ERR (the cursor cannot advance) after drawing: not a failure.
 */
static void
put(const struct draw *d, WINDOW *w, int y, int x, int cols, const char *s,
    attr_t attr)
{
	char	*text;

	if (w == NULL || cols <= 0)
		return;
	text = cell(d, s, cols);
	(void)wattrset(w, attr);
	(void)mvwaddstr(w, y, x, text);
	(void)wattrset(w, A_NORMAL);
	free(text);
}

/* put() with every case-insensitive match of needle shown highlighted. */
static void
put_hl(const struct draw *d, WINDOW *w, int y, int cols, const char *s,
    attr_t attr, const char *needle)
{
	char	*text, *p, *m;
	size_t	 nl;

	if (needle == NULL || *needle == '\0' || w == NULL) {
		put(d, w, y, 0, cols, s, attr);
		return;
	}
	text = cell(d, s, cols);
	nl = strlen(needle);
	(void)wmove(w, y, 0);
	for (p = text; (m = strcasestr(p, needle)) != NULL; p = m + nl) {
		(void)wattrset(w, attr);
		(void)waddnstr(w, p, (int)(m - p));
		(void)wattrset(w, dc_attr(d, UI_SEARCH));
		(void)waddnstr(w, m, (int)nl);
	}
	(void)wattrset(w, attr);
	(void)waddstr(w, p);
	(void)wattrset(w, A_NORMAL);
	free(text);
}

/* ---- the index ---------------------------------------------------------- */

static void
index_row(const struct draw *d, WINDOW *w, int y, int width,
    const struct ix_fmt *f, const struct ix_row *r, bool selected,
    bool tagged)
{
	char	*line;
	attr_t	 attr;
	bool	 unread = !(r->flags & STORE_SEEN) || r->unread > 0;

	line = ix_format_row(f, r, tagged, width);
	attr = selected ? dc_attr(d, UI_SELECTED) :
	    (r->flags & STORE_FLAGGED) ? dc_attr(d, UI_FLAGGED) :
	    unread ? dc_attr(d, UI_UNREAD) : dc_attr(d, UI_NORMAL);
	if (selected && unread)
		attr |= A_BOLD;
	put(d, w, y, 0, width, line, attr);
	free(line);
}

static void
draw_index(const struct draw *d, const struct tui *t)
{
	const struct ix	*ix = &t->ix;
	int		 w, h, y;
	size_t		 i;
	struct ix_fmt	 f;

	draw_main_size(t, &w, &h);
	(void)werase(d->main);
	f.format = t->cfg->index_format;
	f.date_format = t->cfg->date_format;
	f.recipients = t->folder_to;
	f.now = time(NULL);
	f.ascii = !d->utf8;
	if (ix->nrows == 0) {
		put(d, d->main, 0, 0, w, t->st == NULL ?
		    _("  no mail stored yet") : t->folder_id == 0 &&
		    t->view_q == NULL ? _("  no folder open (c opens one)") :
		    _("  (no messages)"), dc_attr(d, UI_NORMAL));
		return;
	}
	for (y = 0, i = ix->top; y < h && i < ix->nrows; y++, i++)
		index_row(d, d->main, y, w, &f, &ix->rows[i], i == ix->sel,
		    tags_has(&t->tags, ix->rows[i].id));
}

/* ---- the pager ---------------------------------------------------------- */

static void
draw_pager(const struct draw *d, const struct tui *t)
{
	const struct pager	*pg = &t->pg;
	int			 w, h, y;
	size_t			 i;
	char			*line;
	attr_t			 attr;
	static const enum ui_elem quotes[] = {
		UI_QUOTE1, UI_QUOTE2, UI_QUOTE3
	};

	draw_main_size(t, &w, &h);
	(void)werase(d->main);
	for (y = 0, i = pg->top; y < h && i < pg->nlines; y++, i++) {
		const struct pg_line *l = &pg->lines[i];

		line = xstrndup(pg->text + l->off, l->len);
		attr = l->header ? dc_attr(d, UI_HEADER) : l->quote > 0 ?
		    dc_attr(d, quotes[(l->quote - 1) % 3]) :
		    dc_attr(d, UI_NORMAL);
		put_hl(d, d->main, y, w, line, attr, pg->search);
		free(line);
	}
}

static size_t
count_lines(const char *s)
{
	size_t	n = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return s[-1] == '\n' ? n : n + 1;
}

/* ---- the attachment list -------------------------------------------------- */

static void
draw_attach(const struct draw *d, struct tui *t)
{
	struct att_view	*av = &t->att;
	int		 w, h, y;
	size_t		 i;
	char		*line, size[32];

	draw_main_size(t, &w, &h);
	av->height = h;
	(void)werase(d->main);
	if (av->n == 0) {
		put(d, d->main, 0, 0, w, _("  (no parts)"),
		    dc_attr(d, UI_NORMAL));
		return;
	}
	if (av->sel < av->top)
		av->top = av->sel;
	if (av->sel >= av->top + (size_t)h)
		av->top = av->sel - (size_t)h + 1;
	for (y = 0, i = av->top; y < h && i < av->n; y++, i++) {
		const struct mail_part *p = &av->parts[i];

		ix_format_size((int64_t)p->size, size, sizeof size);
		line = xasprintf("%3zu %*s%-6s %-28s %6s  %s", i + 1,
		    (int)p->depth * 2, "", p->id, p->type, size,
		    p->filename[0] != '\0' ? p->filename :
		    p->role == MAIL_PART_BODY ? _("(shown)") : "");
		put(d, d->main, y, 0, w, line, i == av->sel ?
		    dc_attr(d, UI_SELECTED) : dc_attr(d, UI_NORMAL));
		free(line);
	}
}

/* ---- the compose screen ---------------------------------------------------- */

static void
compose_field(const struct draw *d, WINDOW *win, int y, int w,
    const char *name, const char *value)
{
	char	*line = xasprintf("%10s: %s", name, value != NULL ? value : "");

	put(d, win, y, 0, w, line, dc_attr(d, UI_NORMAL));
	free(line);
}

static void
draw_compose(const struct draw *d, const struct tui *t)
{
	const struct compose_screen	*cs = t->cs;
	int				 w, h, y = 0;
	size_t				 i, n;
	char				*line, size[32];

	draw_main_size(t, &w, &h);
	(void)werase(d->main);
	if (cs == NULL)
		return;
	compose_field(d, d->main, y++, w, pgettext("header", "From"),
	    cs->d.from);
	compose_field(d, d->main, y++, w, pgettext("header", "To"), cs->d.to);
	compose_field(d, d->main, y++, w, pgettext("header", "Cc"), cs->d.cc);
	compose_field(d, d->main, y++, w, pgettext("header", "Bcc"),
	    cs->d.bcc);
	compose_field(d, d->main, y++, w, pgettext("header", "Subject"),
	    cs->d.subject);
	if (cs->d.reply_to != NULL && *cs->d.reply_to != '\0')
		compose_field(d, d->main, y++, w,
		    pgettext("header", "Reply-To"), cs->d.reply_to);
	y++;
	put(d, d->main, y++, 0, w, cs->file_bad ? _("-- the message file has "
	    "an error: e edits it again") : _("-- Attachments"),
	    cs->file_bad ? dc_attr(d, UI_ERROR) : dc_attr(d, UI_HEADER));
	if (cs->d.natt == 0 && y < h)
		put(d, d->main, y++, 0, w, _("   (none: a attaches a file)"),
		    dc_attr(d, UI_NORMAL));
	for (i = 0; i < cs->d.natt && y < h; i++, y++) {
		const struct compose_attachment *a = &cs->d.att[i];

		ix_format_size((int64_t)a->len, size, sizeof size);
		line = xasprintf("%3zu %-30s %6s  %s", i + 1,
		    a->type != NULL ? a->type : compose_mime_type(a->filename,
		    a->data, a->len), size,
		    a->filename != NULL ? a->filename : "");
		put(d, d->main, y, 0, w, line, i == cs->sel ?
		    dc_attr(d, UI_SELECTED) : dc_attr(d, UI_NORMAL));
		free(line);
	}
	if (y + 1 < h) {
		n = count_lines(cs->d.body);
		line = xasprintf(ngettext("-- %zu line of text",
		    "-- %zu lines of text", n), n);
		put(d, d->main, y + 1, 0, w, line, dc_attr(d, UI_HEADER));
		free(line);
	}
}

/* ---- sidebar, status, prompt ---------------------------------------------- */

static void
draw_sidebar(const struct draw *d, const struct tui *t)
{
	const struct sidebar	*sb = &t->sb;
	int			 w = d->side_w, h, y, mw;
	size_t			 i, first = 0;
	char			*label, count[48];
	attr_t			 attr;

	if (d->side == NULL)
		return;
	draw_main_size(t, &mw, &h);
	(void)werase(d->side);
	/* Keep the highlighted entry on screen. */
	if (sb->sel >= (size_t)h)
		first = sb->sel - (size_t)h + 1;
	for (y = 0, i = first; y < h && i < sb->n; y++, i++) {
		const struct sb_entry *e = &sb->e[i];

		if (e->depth == 0) {
			label = xstrdup(e->name);
			count[0] = '\0';
			if (e->account < t->wk.n && t->wk.refused[e->account])
				snprintf(count, sizeof count, "%s",
				    _(" login refused"));
			attr = dc_attr(d, UI_SIDEBAR_ACCOUNT);
		} else if (e->container) {
			/* Holds folders only: no count to show. */
			label = xasprintf("%*s%s", e->depth, "",
			    e->name + e->leaf);
			count[0] = '\0';
			attr = dc_attr(d, UI_NORMAL);
		} else {
			label = xasprintf("%*s%s", e->depth, "",
			    e->name + e->leaf);
			if (e->unsynced != NULL) /* not "0": not empty */
				snprintf(count, sizeof count, " -");
			else if (e->unread > 0)
				snprintf(count, sizeof count, " %lld/%lld",
				    (long long)e->unread, (long long)e->total);
			else
				snprintf(count, sizeof count, " %lld",
				    (long long)e->total);
			attr = e->folder_id == t->folder_id &&
			    e->search == NULL ?
			    dc_attr(d, UI_SIDEBAR_CURRENT) : e->unread > 0 ?
			    dc_attr(d, UI_UNREAD) : dc_attr(d, UI_NORMAL);
		}
		if (i == sb->sel)
			attr |= A_REVERSE;
		{
			int	cw = text_width(count);

			if (cw >= w) {
				cw = 0;
				count[0] = '\0';
			}
			put(d, d->side, y, 0, w - cw, label, attr);
			if (cw > 0)
				put(d, d->side, y, w - cw, cw, count, attr);
		}
		free(label);
	}
	(void)mvwvline(d->side, 0, w, ACS_VLINE, h);
}

static void
draw_status(const struct draw *d, const struct tui *t)
{
	char	*left, *right, *line, *e = NULL;
	int	 rw, lw, ew, cols = t->cols;

	if (t->prompt.active && t->prompt.hint != NULL) {
		put(d, d->status, 0, 0, cols, t->prompt.hint,
		    dc_attr(d, UI_STATUS));
		return;
	}
	status_text(t, &left, &right);
	rw = text_width(right);
	lw = text_width(left);
	if (rw >= cols)
		line = xstrdup(right);
	else if (lw + rw >= cols || t->status.error == NULL) {
		char	*l = cell(d, left, cols - rw);

		line = xasprintf("%s%s", l, right);
		free(l);
	} else {
		/* The last error gets the room the rest leaves. */
		line = xasprintf("%s%*s%s", left, cols - lw - rw, "", right);
		e = sanitize_line(t->status.error);
	}
	put(d, d->status, 0, 0, cols, line, dc_attr(d, UI_STATUS));
	if (e != NULL && cols - lw - rw > 2) {
		/* Drawn over the gap in its own colour, two cells in. */
		ew = text_width(e);
		if (ew > cols - lw - rw - 2)
			ew = cols - lw - rw - 2;
		put(d, d->status, 0, lw + 2, ew, e, dc_attr(d, UI_ERROR));
	}
	free(e);
	free(line);
	free(left);
	free(right);
}

/* The prompt line; returns the cursor column when a prompt is active. */
static int
draw_prompt(const struct draw *d, const struct tui *t)
{
	const struct prompt	*pr = &t->prompt;
	char			*text, *safe;
	int			 cols = t->cols, lw, bw, x;
	const char		*shown;

	(void)werase(d->prompt);
	if (!pr->active) {
		if (t->status.msg != NULL)
			put(d, d->prompt, 0, 0, cols, t->status.msg,
			    dc_attr(d, UI_NORMAL));
		return -1;
	}
	/* A password shows nothing, not even its length. */
	safe = sanitize_line(pr->secret ? "" : pr->buf);
	lw = text_width(pr->label);
	/* Long input scrolls: show its tail. */
	shown = safe;
	bw = text_width(shown);
	while (lw + bw >= cols && *shown != '\0') {
		shown++;
		while (((unsigned char)*shown & 0xc0) == 0x80)
			shown++;
		bw = text_width(shown);
	}
	text = xasprintf("%s%s", pr->label, shown);
	put(d, d->prompt, 0, 0, cols, text, dc_attr(d, UI_NORMAL));
	x = lw + bw < cols ? lw + bw : cols - 1;
	free(text);
	free(safe);
	return x;
}

static void
draw_too_small(const struct draw *d, const struct tui *t)
{
	char	*msg;
	int	 y = t->rows / 2;

	(void)werase(d->prompt);
	msg = xasprintf(_("terminal too small (%dx%d); posta needs %dx%d "
	    "(q quits)"), t->cols, t->rows, MIN_COLS, MIN_ROWS);
	put(d, d->prompt, y, 0, t->cols, msg, A_BOLD);
	free(msg);
	(void)wnoutrefresh(d->prompt);
}

void
draw_screen(struct draw *d, struct tui *t)
{
	int	cx = -1;

	/* New mail arrived (worker.c) and bell_on_new_mail is set. */
	if (t->bell) {
		(void)beep();
		t->bell = false;
	}
	if (t->dirty & TUI_DIRTY_LAYOUT)
		draw_layout(d, t);
	if (t->dirty & TUI_DIRTY_CLEAR)
		(void)clearok(curscr, TRUE);
	if (t->too_small || d->prompt == NULL) {
		if (d->prompt != NULL)
			draw_too_small(d, t);
		(void)curs_set(0);
		(void)doupdate();
		t->dirty = 0;
		return;
	}
	if ((t->dirty & TUI_DIRTY_SIDEBAR) && d->side != NULL) {
		draw_sidebar(d, t);
		(void)wnoutrefresh(d->side);
	}
	if ((t->dirty & TUI_DIRTY_MAIN) && d->main != NULL) {
		if (t->view == TUI_VIEW_PAGER)
			draw_pager(d, t);
		else if (t->view == TUI_VIEW_ATTACH)
			draw_attach(d, t);
		else if (t->view == TUI_VIEW_COMPOSE)
			draw_compose(d, t);
		else
			draw_index(d, t);
		(void)wnoutrefresh(d->main);
	}
	if ((t->dirty & TUI_DIRTY_STATUS) && d->status != NULL) {
		(void)werase(d->status);
		draw_status(d, t);
		(void)wnoutrefresh(d->status);
	}
	/* The prompt goes last so that the cursor ends up in it. */
	cx = draw_prompt(d, t);
	if (cx >= 0)
		(void)wmove(d->prompt, 0, cx);
	(void)wnoutrefresh(d->prompt);
	(void)curs_set(cx >= 0 ? 1 : 0);
	(void)doupdate();
	t->dirty = 0;
}
