/*
 * config-ui.c - the sections the faces read: [keys] (bindings, checked by
 * the TUI), [search NAME] (saved searches) and [colors] (styles).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/config-int.h"
#include "util/i18n.h"

int
conf_keys_key(struct parse_state *ps, const char *key, const char *v)
{
	struct config	*cfg = ps->cfg;

	cfg->keys = xreallocarray(cfg->keys, cfg->nkeys + 1, sizeof *cfg->keys);
	cfg->keys[cfg->nkeys].key = xstrdup(key);
	cfg->keys[cfg->nkeys].action = xstrdup(v);
	cfg->nkeys++;
	return 1;
}

/* ---- [search NAME] ------------------------------------------------------- */

/* A saved search: its query is parsed where it is used (src/search is
 * above util), so a mistake in it shows in the TUI with its position. */
int
conf_search_section(struct parse_state *ps, const char *name)
{
	struct config	*cfg = ps->cfg;
	size_t		 i;

	for (i = 0; i < cfg->nsearches; i++)
		if (strcmp(cfg->searches[i].name, name) == 0) {
			ps->line = ps->section_line;
			return conf_fail(ps, NULL, _("[search %s] is defined twice"),
			    name);
		}
	cfg->searches = xreallocarray(cfg->searches, cfg->nsearches + 1,
	    sizeof *cfg->searches);
	cfg->searches[cfg->nsearches].name = xstrdup(name);
	cfg->searches[cfg->nsearches].query = NULL;
	cfg->searches[cfg->nsearches].line = ps->section_line;
	cfg->nsearches++;
	return 1;
}

int
conf_search_key(struct parse_state *ps, const char *key, const char *v)
{
	struct saved_search	*ss = &ps->cfg->searches[ps->cfg->nsearches - 1];

	if (strcmp(key, "query") != 0)
		return conf_fail(ps, key, _("unknown key in [search %s] (expected "
		    "query)"), ss->name);
	if (*v == '\0')
		return conf_fail(ps, key, _("expected a query (doc/SEARCH.md), got "
		    "nothing"));
	free(ss->query);
	ss->query = xstrdup(v);
	return 1;
}

/* ---- [colors] ----------------------------------------------------------- */

const char *const ui_elem_names[UI_NELEMS] = {
	[UI_NORMAL] = "normal",
	[UI_SELECTED] = "selected",
	[UI_STATUS] = "status",
	[UI_UNREAD] = "unread",
	[UI_FLAGGED] = "flagged",
	[UI_QUOTE1] = "quote1",
	[UI_QUOTE2] = "quote2",
	[UI_QUOTE3] = "quote3",
	[UI_HEADER] = "header",
	[UI_SIDEBAR_ACCOUNT] = "sidebar_account",
	[UI_SIDEBAR_CURRENT] = "sidebar_current",
	[UI_SEARCH] = "search",
	[UI_ERROR] = "error",
	[UI_TREE] = "tree",
};

/* The eight ANSI colours, in their numbering (bright ones are +8). */
static const char *const color_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

static const struct {
	const char	*name;
	unsigned	 bit;
} attr_names[] = {
	{ "bold", UI_ATTR_BOLD },
	{ "underline", UI_ATTR_UNDERLINE },
	{ "reverse", UI_ATTR_REVERSE },
	{ "dim", UI_ATTR_DIM },
	{ "standout", UI_ATTR_STANDOUT },
};

/*
 * One colour word: "default", a name, "bright" + a name, "color" N or
 * "colour" N. Returns 1 with *out set, 0 if the word is no colour, -1 if
 * it is a colour number beyond 255.
 */
static int
color_word(const char *w, short *out)
{
	const char	*num = NULL;
	char		*end;
	long		 n;
	short		 base = 0;
	size_t		 i;

	if (strcasecmp(w, "default") == 0) {
		*out = UI_COLOR_DEFAULT;
		return 1;
	}
	if (strncasecmp(w, "colour", 6) == 0)
		num = w + 6;
	else if (strncasecmp(w, "color", 5) == 0)
		num = w + 5;
	if (num != NULL) {
		if (!isdigit((unsigned char)*num))
			return 0;
		errno = 0;
		n = strtol(num, &end, 10);
		if (*end != '\0')
			return 0;
		if (errno != 0 || n > 255)
			return -1;
		*out = (short)n;
		return 1;
	}
	if (strncasecmp(w, "bright", 6) == 0) {
		w += 6;
		base = 8;
	}
	for (i = 0; i < 8; i++)
		if (strcasecmp(w, color_names[i]) == 0) {
			*out = (short)(base + (short)i);
			return 1;
		}
	return 0;
}

static bool
attr_word(const char *w, unsigned *attrs)
{
	size_t	i;

	for (i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
		if (strcasecmp(w, attr_names[i].name) == 0) {
			*attrs |= attr_names[i].bit;
			return true;
		}
	return false;
}

/*
 * One colour, w (with the word after "bright" from save). 1 with *c set,
 * 0 with the error reported; what says what the colour is for.
 */
static int
style_color(struct parse_state *ps, const char *key, char *w, char **save,
    const char *what, short *c)
{
	char	 word[32], *next;
	int	 r;

	if (strcasecmp(w, "bright") == 0) {
		/* "bright red" is "brightred"; nothing else is. */
		if ((next = strtok_r(NULL, " \t", save)) == NULL)
			return conf_fail(ps, key, _("'bright' must be followed by a "
			    "colour name, got nothing"));
		if (strlen(next) > 16)
			r = 0;
		else {
			snprintf(word, sizeof word, "bright%s", next);
			r = color_word(word, c);
		}
		if (r != 1)
			return conf_fail(ps, key, _("'bright' must be followed by a "
			    "colour name, got '%s'"), next);
		return 1;
	}
	if ((r = color_word(w, c)) < 0)
		return conf_fail(ps, key, _("colour '%s' is beyond color255"), w);
	if (r == 0)
		return conf_fail(ps, key, _("unknown %s '%s' (colours: black, red, "
		    "green, yellow, blue, magenta, cyan, white, each also as "
		    "brightNAME, color0 to color255, default; attributes: "
		    "bold, underline, reverse, dim, standout)"), what, w);
	return 1;
}

/* Words in any order; a background is "on" and the colour after it. */
static int
style_words(struct parse_state *ps, const char *key, const char *v,
    char *buf, struct ui_style *st)
{
	char	*w, *save = NULL;
	bool	 fg = false, bg = false;
	short	 c;

	if ((w = strtok_r(buf, " \t", &save)) == NULL)
		return conf_fail(ps, key, _("expected a colour or an attribute, as "
		    "in 'bold yellow' or 'white on blue', got nothing"));
	for (; w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (attr_word(w, &st->attrs))
			continue;
		if (strcasecmp(w, "on") != 0) {
			if (!style_color(ps, key, w, &save, _("colour or "
			    "attribute"), &c))
				return 0;
			if (fg)
				return conf_fail(ps, key, _("two foreground colours "
				    "in '%s' (a background is written 'on "
				    "COLOUR')"), v);
			st->fg = c;
			fg = true;
			continue;
		}
		if (bg)
			return conf_fail(ps, key, _("two background colours in '%s'"),
			    v);
		if ((w = strtok_r(NULL, " \t", &save)) == NULL)
			return conf_fail(ps, key, _("'on' must be followed by a "
			    "colour, got nothing"));
		if (!style_color(ps, key, w, &save, _("background colour"),
		    &c))
			return 0;
		st->bg = c;
		bg = true;
	}
	return 1;
}

/*
 * A [colors] value: "[ATTR...] [[bright] COLOUR] [on [bright] COLOUR]",
 * as in "bold yellow", "bright blue on default", "color208 on black".
 */
static int
parse_style(struct parse_state *ps, const char *key, const char *v,
    struct ui_style *st)
{
	char	*buf;
	int	 r;

	memset(st, 0, sizeof *st);
	st->set = true;
	st->fg = st->bg = UI_COLOR_DEFAULT;
	buf = xstrdup(v);
	r = style_words(ps, key, v, buf, st);
	free(buf);
	return r;
}

int
conf_colors_key(struct parse_state *ps, const char *key, const char *v)
{
	char	names[512];
	size_t	i, n;
	bool	b;

	if (strcmp(key, "enable") == 0) {
		if (!conf_bool(v, &b))
			return conf_fail(ps, key, _("expected yes or no, got '%s'"), v);
		ps->cfg->colors_mode = b ? UI_COLORS_ON : UI_COLORS_OFF;
		return 1;
	}
	for (i = 0; i < UI_NELEMS; i++)
		if (strcmp(key, ui_elem_names[i]) == 0)
			return parse_style(ps, key, v, &ps->cfg->colors[i]);
	n = 0;
	for (i = 0; i < UI_NELEMS && n < sizeof names; i++)
		n += (size_t)snprintf(names + n, sizeof names - n, "%s%s",
		    i + 1 < UI_NELEMS ? ", " : " or ", ui_elem_names[i]);
	return conf_fail(ps, key, _("unknown key in [colors] (expected enable%s)"),
	    names);
}
