/*
 * cli-args.h - the one argument parser of the command line (cli-args.c).
 *
 * A command declares what it takes as data (struct args_spec: its options,
 * how many operands, two parsing modes); args_parse() reads argv against
 * that and fills a struct args the command looks things up in. Every error
 * (an unknown option, a missing or bad value, too many or too few
 * operands) is one whole sentence naming the command and the option, made
 * here and nowhere else. The shape is tmux's arguments.c.
 *
 * Memory: struct args points into argv (never copied), and owns only its
 * arrays; args_free() releases them. argv must outlive the struct args.
 */
#ifndef POSTA_CLI_ARGS_H
#define POSTA_CLI_ARGS_H

#include <stdbool.h>
#include <stdint.h>

enum arg_kind {
	ARG_FLAG,	/* --json: present or not */
	ARG_VALUE,	/* --folder NAME, -a NAME: a string */
	ARG_NUMBER,	/* --limit N: a decimal in [min, max] */
	ARG_ID,		/* --reply ID: a row id, a decimal > 0 */
};

/*
 * One option. name: spelled "--name" (and "--name=VALUE"), NULL if it has
 * no long form; letter: spelled "-x" (never bundled, never "-xVALUE"), 0 if
 * none. The lookup key is the name, or the letter as a one-character
 * string when there is no name. Options of the same group > 0 exclude each
 * other, and each of them may be given once.
 */
struct arg_opt {
	const char	*name;
	char		 letter;
	enum arg_kind	 kind;
	long long	 min, max;	/* ARG_NUMBER only */
	int		 group;
};

/* Modes. */
#define ARGS_IN_ORDER	0x1	/* options end at the first operand */
#define ARGS_DASH_WORDS	0x2	/* "-word" that is no option: an operand */

struct args_spec {
	const struct arg_opt	*opts;	/* ends with a zeroed entry; may be NULL */
	int			 lower;	/* operands at least */
	int			 upper;	/* at most; -1: no limit */
	int			 flags;	/* ARGS_* */
};

struct args_value {
	const struct arg_opt	*opt;
	const char		*value;	/* NULL for ARG_FLAG */
	long long		 number;	/* ARG_NUMBER, ARG_ID */
};

struct args {
	struct args_value	*values;	/* in command line order */
	int			 nvalues;
	char			**argv;		/* the operands */
	int			 argc;
	bool			 help;		/* --help was given */
};

/*
 * Parse argv[0..argc) (the words after the command's name) for command
 * `cmd`. 0, or -1 with *cause a malloc'd, translated sentence (the caller
 * frees it) and *a empty. "--" ends the options; "--help" in an option's
 * place sets a->help and ends parsing, the operand count unchecked.
 */
int		 args_parse(const char *cmd, const struct args_spec *,
		    int argc, char **argv, struct args *a, char **cause);
void		 args_free(struct args *);

/* Lookups by key (see struct arg_opt); the last one given wins. */
bool		 args_has(const struct args *, const char *key);
const char	*args_get(const struct args *, const char *key);
/* The number of an ARG_NUMBER or ARG_ID option, or dflt when absent. */
long long	 args_number(const struct args *, const char *key,
		    long long dflt);
/* Each value of a repeatable option, in order: start with *i = 0; NULL at
 * the end. */
const char	*args_next(const struct args *, const char *key, int *i);

/* A row id (message, outbox, journal): a decimal > 0. 0, or -1. */
int		 args_id(const char *s, int64_t *id);

#endif
