/*
 * config-value.c - the bottom floor of the configuration reader: the
 * error every section reports through (conf_fail()) and the value
 * parsers they share (yes/no, numbers, paths, strings). It calls no other
 * config file; config.c and the section files (config-account.c,
 * config-display.c, config-ui.c) call it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/config-int.h"

int
conf_fail(struct parse_state *ps, const char *key, const char *fmt, ...)
{
	char	 what[768];
	va_list	 ap;

	if (ps->failed)
		return 0;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (key != NULL)
		perr_set(ps->err, PERR_CONFIG, "%s:%d: key '%s': %s", ps->path,
		    ps->line, key, what);
	else
		perr_set(ps->err, PERR_CONFIG, "%s:%d: %s", ps->path, ps->line,
		    what);
	ps->failed = true;
	return 0;
}

bool
conf_bool(const char *v, bool *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0 || strcasecmp(v, "on") == 0)
		*out = true;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
	    strcmp(v, "0") == 0 || strcasecmp(v, "off") == 0)
		*out = false;
	else
		return false;
	return true;
}

/* A whole decimal number in [min, max]. */
bool
conf_int(const char *v, long min, long max, int *out)
{
	char	*end;
	long	 n;

	if (*v == '\0' || !isdigit((unsigned char)*v))
		return false;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return false;
	*out = (int)n;
	return true;
}

/* Expand a leading ~/ and make a relative path relative to the config. */
char *
conf_path(const char *cfgpath, const char *v)
{
	const char	*home, *slash;

	if (strncmp(v, "~/", 2) == 0 && (home = getenv("HOME")) != NULL)
		return xasprintf("%s/%s", home, v + 2);
	if (v[0] == '/' || (slash = strrchr(cfgpath, '/')) == NULL)
		return xstrdup(v);
	return xasprintf("%.*s/%s", (int)(slash - cfgpath), cfgpath, v);
}

void
conf_set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}
