/*
 * config-display.c - the display and behaviour keys of [general]
 * (posta.conf(5)): index_format, date_format, sort, threads,
 * sidebar_width, editor, delete_model, keep_tags, confirm_send,
 * alternative_order, auto_view. Checked here, applied by the faces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/config-int.h"
#include "util/i18n.h"

/* The index_format expandos ui/tui/index-format.c knows. */
#define FMT_LETTERS	"dfFntsZc%"

static const char *const sort_names[] = { "date", "from", "subject", "size" };

void
conf_display_defaults(struct config *cfg)
{
	cfg->confirm_send = true;
}

void
conf_display_free(struct config *cfg)
{
	size_t	i;

	free(cfg->index_format);
	free(cfg->date_format);
	free(cfg->editor);
	for (i = 0; i < cfg->nauto_view; i++)
		free(cfg->auto_view[i]);
	free(cfg->auto_view);
}

const char *
config_editor(const struct config *cfg)
{
	const char	*ed = cfg != NULL ? cfg->editor : NULL;

	if (ed == NULL || *ed == '\0')
		ed = getenv("VISUAL");
	if (ed == NULL || *ed == '\0')
		ed = getenv("EDITOR");
	if (ed == NULL || *ed == '\0')
		ed = "vi";
	return ed;
}

/* An index_format: every % starts one of our expandos (widths allowed). */
static bool
format_ok(const char *v, char *why, size_t len)
{
	const char	*p = v, *start;

	while ((p = strchr(p, '%')) != NULL) {
		start = p++;
		if (*p == '-')
			p++;
		p += strspn(p, "0123456789");
		if (*p == '.') {
			p++;
			p += strspn(p, "0123456789");
		}
		if (*p == '{' && strchr(p, '}') != NULL) {
			p = strchr(p, '}') + 1;
			continue;
		}
		if (*p == '\0' || strchr(FMT_LETTERS, *p) == NULL) {
			snprintf(why, len, _("expected %%d, %%{STRFTIME}, %%f, "
			    "%%F, %%n, %%t, %%s, %%Z, %%c or %%%% (with a "
			    "width such as %%-20.20f) at character %d, got "
			    "'%.*s'"), (int)(start - v) + 1,
			    *p != '\0' ? (int)(p - start) + 1 :
			    (int)(p - start), start);
			return false;
		}
		p++;
	}
	return true;
}

static bool
sort_key(struct config *cfg, const char *v)
{
	size_t	i;
	bool	rev = strncmp(v, "reverse-", 8) == 0;

	for (i = 0; i < sizeof sort_names / sizeof sort_names[0]; i++)
		if (strcmp(v + (rev ? 8 : 0), sort_names[i]) == 0) {
			cfg->sort = (enum config_sort)i;
			cfg->sort_reverse = rev;
			return true;
		}
	return false;
}

/* "text/plain text/html" or the other way: which comes first. */
static bool
alternative_order(struct config *cfg, const char *v)
{
	const char	*plain = strstr(v, "text/plain");
	const char	*html = strstr(v, "text/html");

	if (plain == NULL && html == NULL)
		return false;
	cfg->prefer_html = html != NULL && (plain == NULL || html < plain);
	return true;
}

/* MIME types separated by spaces or commas, "type/subtype" each. */
static bool
auto_view(struct config *cfg, const char *v, char *why, size_t len)
{
	const char	*p = v;
	size_t		 n;
	char		*t;

	while (*p != '\0') {
		p += strspn(p, " ,\t");
		if ((n = strcspn(p, " ,\t")) == 0)
			break;
		t = xstrndup(p, n);
		if (strchr(t, '/') == NULL || t[0] == '/' || t[n - 1] == '/') {
			snprintf(why, len, _("expected MIME types such as "
			    "text/calendar, got '%s'"), t);
			free(t);
			return false;
		}
		cfg->auto_view = xreallocarray(cfg->auto_view,
		    cfg->nauto_view + 1, sizeof *cfg->auto_view);
		cfg->auto_view[cfg->nauto_view++] = t;
		p += n;
	}
	return true;
}

static void
set_or_clear(char **dst, const char *v)
{
	free(*dst);
	*dst = *v != '\0' ? xstrdup(v) : NULL;
}

int
conf_display_key(struct parse_state *ps, const char *key, const char *v)
{
	struct config	*cfg = ps->cfg;
	char		 why[512] = "";
	bool		 b;

	if (strcmp(key, "index_format") == 0) {
		if (!format_ok(v, why, sizeof why))
			return conf_fail(ps, key, "%s", why);
		set_or_clear(&cfg->index_format, v);
	} else if (strcmp(key, "date_format") == 0)
		set_or_clear(&cfg->date_format, v);
	else if (strcmp(key, "editor") == 0)
		set_or_clear(&cfg->editor, v);
	else if (strcmp(key, "sort") == 0) {
		if (!sort_key(cfg, v))
			return conf_fail(ps, key, _("expected date, from, subject "
			    "or size (reverse-date, ... the other way), got "
			    "'%s'"), v);
	} else if (strcmp(key, "threads") == 0 ||
	    strcmp(key, "keep_tags") == 0 || strcmp(key, "confirm_send") == 0) {
		if (!conf_bool(v, &b))
			return conf_fail(ps, key, _("expected yes or no, got '%s'"),
			    v);
		if (strcmp(key, "threads") == 0)
			cfg->threads = b;
		else if (strcmp(key, "keep_tags") == 0)
			cfg->keep_tags = b;
		else
			cfg->confirm_send = b;
	} else if (strcmp(key, "sidebar_width") == 0) {
		if (!conf_int(v, 8, 200, &cfg->sidebar_width))
			return conf_fail(ps, key, _("expected a number of columns "
			    "from 8 to 200, got '%s'"), v);
	} else if (strcmp(key, "delete_model") == 0) {
		if (strcmp(v, "trash") == 0)
			cfg->delete_model = CONFIG_DELETE_TRASH;
		else if (strcmp(v, "mark") == 0)
			cfg->delete_model = CONFIG_DELETE_MARK;
		else
			return conf_fail(ps, key, _("expected trash or mark, got "
			    "'%s'"), v);
	} else if (strcmp(key, "alternative_order") == 0) {
		if (!alternative_order(cfg, v))
			return conf_fail(ps, key, _("expected text/plain and "
			    "text/html in the order wanted, got '%s'"), v);
	} else if (strcmp(key, "auto_view") == 0) {
		if (!auto_view(cfg, v, why, sizeof why))
			return conf_fail(ps, key, "%s", why);
	} else
		return -1;
	return 1;
}
