/* cmd-flag.c - posta flag: set and clear flags of messages, offline too. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli-act.h"
#include "util/i18n.h"

extern const struct cmd_entry cmd_flag_entry;

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
cmd_flag(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_act	 ca;
	struct perr	 err;
	const char	*account = NULL;
	char		**words;
	int64_t		*ids;
	unsigned	 add = 0, remove = 0;
	int		 i, nids = 0, rc = CLI_OK;

	/* -a first; then ids and +flag/-flag words in any order. */
	i = 1;
	if (i + 1 < argc && strcmp(argv[i], "-a") == 0) {
		account = argv[i + 1];
		i += 2;
	}
	words = xcalloc((size_t)argc, sizeof *words);
	for (; i < argc; i++) {
		if (argv[i][0] == '+' || (argv[i][0] == '-' &&
		    argv[i][1] != '\0')) {
			if (flag_word(argv[i], &add, &remove) != 0) {
				free(words);
				cli_error(_("unknown flag '%s' (use +seen, -seen, "
				    "+flagged, -flagged, +answered, -answered, "
				    "+deleted, -deleted, +draft, -draft)"),
				    argv[i]);
				return CLI_USAGE;
			}
		} else
			words[nids++] = argv[i];
	}
	if (nids == 0 || (add == 0 && remove == 0)) {
		free(words);
		cli_usage(&cmd_flag_entry);
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
	if (cli_act_open(ctx, account, &ca) != 0) {
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

const struct cmd_entry cmd_flag_entry = {
	"flag", N_("[-a ACCOUNT] ID... +seen|-seen|+flagged|-flagged|"
	"+answered|-answered..."),
	N_("set or clear flags of messages (offline too)"),
	cmd_flag
};
