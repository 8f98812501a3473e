/* cmd-flag.c - posta flag: set and clear flags of messages, offline too. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli-act.h"
#include "util/i18n.h"

static const struct {
	const char	*name;
	unsigned	 bit;
} flag_words[] = {
	{ "seen", STORE_SEEN },
	{ "flagged", STORE_FLAGGED },
	{ "answered", STORE_ANSWERED },
	{ "deleted", STORE_DELETED },
	{ "draft", STORE_DRAFT },
};

/* "+seen" / "-flagged" (a leading backslash is allowed): 0 or -1. */
static int
flag_word(const char *w, unsigned *add, unsigned *remove)
{
	const char	*name = w + 1;
	size_t		 i;

	if (*w != '+' && *w != '-')
		return -1;
	if (*name == '\\')
		name++;
	for (i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++) {
		if (strcasecmp(name, flag_words[i].name) != 0)
			continue;
		if (*w == '+')
			*add |= flag_words[i].bit;
		else
			*remove |= flag_words[i].bit;
		return 0;
	}
	return -1;
}

static int
cmd_flag(struct cli_ctx *ctx, const struct cmd_entry *self, struct args *a)
{
	struct cli_act	 ca;
	struct perr	 err;
	char		**words, *w;
	int64_t		*ids;
	unsigned	 add = 0, remove = 0;
	int		 i, nids = 0, rc = CLI_OK;

	/* Ids and +flag/-flag words, in any order. */
	words = xcalloc((size_t)a->argc + 1, sizeof *words);
	for (i = 0; i < a->argc; i++) {
		w = a->argv[i];
		if (w[0] == '+' || (w[0] == '-' && w[1] != '\0')) {
			if (flag_word(w, &add, &remove) != 0) {
				free(words);
				cli_error(_("unknown flag '%s' (use +seen, -seen, "
				    "+flagged, -flagged, +answered, -answered, "
				    "+deleted, -deleted, +draft, -draft)"), w);
				return CLI_USAGE;
			}
		} else
			words[nids++] = w;
	}
	if (nids == 0 || (add == 0 && remove == 0)) {
		free(words);
		cli_usage(self);
		return CLI_USAGE;
	}
	if ((add & remove) != 0) {
		free(words);
		cli_error(_("a flag cannot be both set and cleared"));
		return CLI_USAGE;
	}
	ids = cli_act_ids(words, nids);
	free(words);
	if (ids == NULL)
		return CLI_USAGE;
	if (cli_act_open(ctx, args_get(a, "account"), &ca) != 0) {
		free(ids);
		return CLI_FAIL;
	}
	perr_clear(&err);
	if (app_act_flags(ca.act, ids, (size_t)nids, add, remove, NULL,
	    &err) != 0)
		rc = cli_error("%s", err.msg);
	free(ids);
	return cli_act_close(ctx, &ca, rc);
}

/* "-seen" is a flag word, not an option: only -a is one. */
const struct cmd_entry cmd_flag_entry = {
	.name = "flag",
	.args = { cli_opts_account, 2, -1, ARGS_DASH_WORDS },
	.usage = N_("[-a ACCOUNT] ID... +seen|-seen|+flagged|-flagged|"
	"+answered|-answered..."),
	.summary = N_("set or clear flags of messages (offline too)"),
	.exec = cmd_flag
};
