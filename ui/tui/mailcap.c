/*
 * mailcap.c - the part of RFC 1524 posta uses: "type/subtype; command;
 * flag; flag=value" lines, '#' comments, '\' continuations, the first
 * matching entry winning (an exact type before "type/ *" in the same
 * file; files in order). Entries with test= are skipped: running a
 * command from a file merely to choose a viewer is more than a mail
 * reader needs, and /etc/mailcap's tests are mostly "is X running".
 *
 * The command's %s becomes the file in single quotes (the file is ours:
 * a name we made in a private directory); %t the type, reduced to
 * characters that mean nothing to the shell. No curses here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/tui-int.h"

#define MAILCAP_LINE_MAX	(64 * 1024)

char *
mailcap_path(void)
{
	const char	*env = getenv("MAILCAPS"), *home = getenv("HOME");

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if (home != NULL && *home != '\0')
		return xasprintf("%s/.mailcap:/etc/mailcap", home);
	return xstrdup("/etc/mailcap");
}

void
mailcap_entry_free(struct mailcap_entry *e)
{
	free(e->type);
	free(e->command);
	memset(e, 0, sizeof *e);
}

static char *
trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/*
 * Split at the next ';' not escaped with '\'; *s moves past it. The
 * field is NUL-terminated in place, with "\;" left for the shell's sake
 * as ";" (RFC 1524 quoting).
 */
static char *
field(char **s)
{
	char	*start = *s, *r = *s, *w = *s;

	if (*start == '\0')
		return NULL;
	for (; *r != '\0'; r++) {
		if (*r == '\\' && r[1] == ';') {
			*w++ = ';';
			r++;
			continue;
		}
		if (*r == ';') {
			r++;
			break;
		}
		*w++ = *r;
	}
	*s = r;
	*w = '\0';
	return trim(start);
}

/* Does the entry's type (lower case compared) fit type? 2 exact, 1 by
 * "major/ *" or a bare major type, 0 no. */
static int
type_match(const char *pattern, const char *type)
{
	const char	*slash = strchr(type, '/');
	size_t		 major = slash != NULL ? (size_t)(slash - type) :
			    strlen(type);

	if (strcasecmp(pattern, type) == 0)
		return 2;
	if (strncasecmp(pattern, type, major) == 0 &&
	    (strcmp(pattern + major, "/*") == 0 || pattern[major] == '\0'))
		return 1;
	return 0;
}

/* Parse one logical line; 1 with *e filled when it is usable for type. */
static int
parse_line(char *line, const char *type, struct mailcap_entry *e, int *how)
{
	char	*rest = line, *typ, *cmd, *flag;
	bool	 copious = false, term = false;

	line = trim(line);
	if (*line == '#' || *line == '\0')
		return 0;
	rest = line;
	if ((typ = field(&rest)) == NULL || (cmd = field(&rest)) == NULL)
		return 0;
	if ((*how = type_match(typ, type)) == 0 || *cmd == '\0')
		return 0;
	while ((flag = field(&rest)) != NULL) {
		if (strncasecmp(flag, "test", 4) == 0 &&
		    (flag[4] == '=' || isspace((unsigned char)flag[4])))
			return 0;
		if (strcasecmp(flag, "copiousoutput") == 0)
			copious = true;
		else if (strcasecmp(flag, "needsterminal") == 0)
			term = true;
	}
	e->type = xstrdup(typ);
	e->command = xstrdup(cmd);
	e->copiousoutput = copious;
	e->needsterminal = term;
	return 1;
}

/* Look through one file: 2 exact found, 1 wildcard found (kept in *e),
 * 0 nothing. */
static int
search_file(const char *path, const char *type, struct mailcap_entry *e)
{
	FILE			*f;
	char			*line = NULL, *logical = NULL;
	size_t			 cap = 0, llen = 0, n;
	ssize_t			 r;
	struct mailcap_entry	 cand;
	int			 how, best = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (best < 2 && (r = getline(&line, &cap, f)) >= 0) {
		n = (size_t)r;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (llen + n + 1 > MAILCAP_LINE_MAX) {
			llen = 0;	/* absurd: drop it */
			continue;
		}
		logical = xrealloc(logical, llen + n + 1);
		memcpy(logical + llen, line, n + 1);
		llen += n;
		/* A trailing backslash continues on the next line. */
		if (llen > 0 && logical[llen - 1] == '\\') {
			logical[--llen] = '\0';
			continue;
		}
		memset(&cand, 0, sizeof cand);
		if (parse_line(logical, type, &cand, &how) == 1) {
			if (how > best) {
				mailcap_entry_free(e);
				*e = cand;
				best = how;
			} else
				mailcap_entry_free(&cand);
		}
		llen = 0;
	}
	free(line);
	free(logical);
	(void)fclose(f);
	return best;
}

int
mailcap_find(const char *path, const char *type, struct mailcap_entry *e)
{
	char	*list = xstrdup(path), *p, *next;
	int	 found = 0;

	memset(e, 0, sizeof *e);
	for (p = list; p != NULL && found == 0; p = next) {
		if ((next = strchr(p, ':')) != NULL)
			*next++ = '\0';
		if (*p != '\0')
			found = search_file(p, type, e);
	}
	free(list);
	return found > 0 ? 1 : 0;
}

/* Append s to the growing command. */
static void
add(char **buf, size_t *len, const char *s, size_t n)
{
	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* 'file' with each ' written as '\'' (the shell's way). */
static void
add_quoted(char **buf, size_t *len, const char *s)
{
	add(buf, len, "'", 1);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			add(buf, len, "'\\''", 4);
		else
			add(buf, len, s, 1);
	}
	add(buf, len, "'", 1);
}

char *
mailcap_command(const struct mailcap_entry *e, const char *file,
    const char *type, bool *with_file)
{
	char		*out = xcalloc(1, 1), c;
	size_t		 len = 0;
	const char	*p, *q;

	*with_file = false;
	for (p = e->command; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0') {
			add(&out, &len, p, 1);
			continue;
		}
		switch (*++p) {
		case 's':
			add_quoted(&out, &len, file);
			*with_file = true;
			break;
		case 't':
			/* A type from a message: only its harmless bytes. */
			for (q = type; *q != '\0'; q++) {
				c = *q;
				if (isalnum((unsigned char)c) || c == '/' ||
				    c == '.' || c == '+' || c == '-')
					add(&out, &len, &c, 1);
			}
			break;
		case '%':
			add(&out, &len, "%", 1);
			break;
		case '{':
			/* Parameters are not offered: %{name} is empty. */
			while (*p != '\0' && *p != '}')
				p++;
			if (*p == '\0')
				p--;
			break;
		default:
			add(&out, &len, p - 1, 2);
		}
	}
	return out;
}

char *
mailcap_safe_name(const char *name, const char *fallback)
{
	const char	*p, *base = name != NULL ? name : "";
	char		*out, *o;

	/* The last component, whichever separator the sender used. */
	for (p = base; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	while (*base == '.' || *base == ' ')
		base++;
	out = xstrdup(*base != '\0' ? base : fallback);
	/* Control characters have no business in a file name. */
	for (o = out; *o != '\0'; o++)
		if ((unsigned char)*o < 0x20 || *o == 0x7f)
			*o = '_';
	return out;
}
