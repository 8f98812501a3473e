/* cli-args.c - the one argument parser of the command line (see cli-args.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-args.h"
#include "util/util.h"
#include "util/i18n.h"

/* The option's spelling for a message: "--name", or "-x". */
static const char *
opt_spelling(const struct arg_opt *o, char *buf, size_t len)
{
	if (o->name != NULL)
		snprintf(buf, len, "--%s", o->name);
	else
		snprintf(buf, len, "-%c", o->letter);
	return buf;
}

static bool
opt_is(const struct arg_opt *o, const char *key)
{
	if (o->name != NULL)
		return strcmp(o->name, key) == 0;
	return key[0] == o->letter && key[0] != '\0' && key[1] == '\0';
}

/* The declared option `word` spells (its "=VALUE" cut at *eq), or NULL. */
static const struct arg_opt *
opt_find(const struct args_spec *spec, const char *word, const char **eq)
{
	const struct arg_opt	*o;
	size_t			 n;

	*eq = NULL;
	if (spec->opts == NULL)
		return NULL;
	for (o = spec->opts; o->name != NULL || o->letter != 0; o++) {
		if (word[1] == '-' && o->name != NULL) {
			n = strlen(o->name);
			if (strncmp(word + 2, o->name, n) != 0)
				continue;
			if (word[2 + n] == '\0')
				return o;
			if (word[2 + n] == '=') {
				*eq = word + 2 + n + 1;
				return o;
			}
		} else if (word[1] != '-' && o->letter != 0 &&
		    word[1] == o->letter && word[2] == '\0')
			return o;
	}
	return NULL;
}

/* A decimal in [min, max]: 0, or -1. */
static int
to_number(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

int
args_id(const char *s, int64_t *id)
{
	long long	n;

	if (to_number(s, 1, INT64_MAX, &n) != 0)
		return -1;
	*id = n;
	return 0;
}

/* The value of o, now checked and kept; 0, or -1 with *cause. */
static int
args_add(const char *cmd, struct args *a, const struct arg_opt *o,
    const char *spelled, const char *value, char **cause)
{
	struct args_value	*v;
	char			 sp[64], sp2[64];
	int			 i;

	if (o->group > 0) {
		for (i = 0; i < a->nvalues; i++) {
			if (a->values[i].opt->group != o->group)
				continue;
			if (a->values[i].opt == o)
				*cause = xasprintf(_("%s: the option %s can be "
				    "given only once"), cmd,
				    opt_spelling(o, sp, sizeof sp));
			else
				*cause = xasprintf(_("%s: the options %s and %s "
				    "cannot be given together"), cmd,
				    opt_spelling(a->values[i].opt, sp2,
				    sizeof sp2), opt_spelling(o, sp, sizeof sp));
			return -1;
		}
	}
	a->values = xreallocarray(a->values, (size_t)a->nvalues + 1,
	    sizeof *a->values);
	v = &a->values[a->nvalues];
	v->opt = o;
	v->value = value;
	v->number = 0;
	if (o->kind == ARG_NUMBER &&
	    to_number(value, o->min, o->max, &v->number) != 0) {
		*cause = xasprintf(_("%s: the option %s takes a number from "
		    "%lld to %lld, not '%s'"), cmd, spelled, o->min, o->max,
		    value);
		return -1;
	}
	if (o->kind == ARG_ID && to_number(value, 1, INT64_MAX,
	    &v->number) != 0) {
		*cause = xasprintf(_("%s: the option %s takes an id (a number "
		    "above 0), not '%s'"), cmd, spelled, value);
		return -1;
	}
	a->nvalues++;
	return 0;
}

/*
 * The option at argv[*i]: its value is the "=VALUE" part or the next word.
 * 0, or -1 with *cause.
 */
static int
args_option(const char *cmd, const struct args_spec *spec, int argc,
    char **argv, int *i, struct args *a, char **cause)
{
	const struct arg_opt	*o;
	const char		*word = argv[*i], *eq, *value = NULL;
	char			 sp[64];

	if ((o = opt_find(spec, word, &eq)) == NULL) {
		*cause = xasprintf(_("%s: unknown option '%s'"), cmd, word);
		return -1;
	}
	/* Messages name the option as it was typed ("-a" or "--account"). */
	if (eq != NULL)
		snprintf(sp, sizeof sp, "%.*s", (int)(eq - 1 - word), word);
	else
		snprintf(sp, sizeof sp, "%s", word);
	if (o->kind == ARG_FLAG) {
		if (eq != NULL) {
			*cause = xasprintf(_("%s: the option %s takes no "
			    "value"), cmd, sp);
			return -1;
		}
	} else if (eq != NULL)
		value = eq;
	else if (*i + 1 < argc)
		value = argv[++*i];
	else {
		*cause = xasprintf(_("%s: the option %s needs a value"), cmd,
		    sp);
		return -1;
	}
	return args_add(cmd, a, o, sp, value, cause);
}

/* Is argv word w, where an option may stand, one to parse as an option? */
static bool
is_option(const struct args_spec *spec, const char *w)
{
	const char	*eq;

	if (w[0] != '-' || w[1] == '\0')
		return false;		/* an operand, or "-" for stdin */
	if ((spec->flags & ARGS_DASH_WORDS) && w[1] != '-')
		return opt_find(spec, w, &eq) != NULL;
	return true;
}

int
args_parse(const char *cmd, const struct args_spec *spec, int argc,
    char **argv, struct args *a, char **cause)
{
	bool	options = true;
	int	i;

	memset(a, 0, sizeof *a);
	*cause = NULL;
	a->argv = xcalloc((size_t)argc + 1, sizeof *a->argv);
	for (i = 0; i < argc; i++) {
		if (options && strcmp(argv[i], "--") == 0) {
			options = false;
			continue;
		}
		if (options && strcmp(argv[i], "--help") == 0) {
			a->help = true;
			return 0;
		}
		if (options && is_option(spec, argv[i])) {
			if (args_option(cmd, spec, argc, argv, &i, a,
			    cause) != 0)
				goto fail;
			continue;
		}
		if (spec->flags & ARGS_IN_ORDER)
			options = false;
		a->argv[a->argc++] = argv[i];
	}
	if (a->argc < spec->lower) {
		*cause = xasprintf(ngettext("%s: expected at least %d "
		    "argument", "%s: expected at least %d arguments",
		    spec->lower), cmd, spec->lower);
		goto fail;
	}
	if (spec->upper >= 0 && a->argc > spec->upper) {
		*cause = xasprintf(_("%s: unexpected argument '%s'"), cmd,
		    a->argv[spec->upper]);
		goto fail;
	}
	return 0;
fail:
	args_free(a);
	return -1;
}

void
args_free(struct args *a)
{
	free(a->values);
	free(a->argv);
	memset(a, 0, sizeof *a);
}

static const struct args_value *
args_last(const struct args *a, const char *key)
{
	int	i;

	for (i = a->nvalues - 1; i >= 0; i--)
		if (opt_is(a->values[i].opt, key))
			return &a->values[i];
	return NULL;
}

bool
args_has(const struct args *a, const char *key)
{
	return args_last(a, key) != NULL;
}

const char *
args_get(const struct args *a, const char *key)
{
	const struct args_value	*v = args_last(a, key);

	return v != NULL ? v->value : NULL;
}

long long
args_number(const struct args *a, const char *key, long long dflt)
{
	const struct args_value	*v = args_last(a, key);

	return v != NULL ? v->number : dflt;
}

const char *
args_next(const struct args *a, const char *key, int *i)
{
	for (; *i < a->nvalues; (*i)++) {
		if (opt_is(a->values[*i].opt, key))
			return a->values[(*i)++].value;
	}
	return NULL;
}
