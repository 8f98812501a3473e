/* cmd-folders.c - posta folders: every folder with its counts, offline. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "app/app.h"
#include "util/i18n.h"


static const char *
special_name(enum store_special s)
{
	switch (s) {
	case STORE_SPECIAL_INBOX:	return pgettext("folder role", "inbox");
	case STORE_SPECIAL_SENT:	return pgettext("folder role", "sent");
	case STORE_SPECIAL_DRAFTS:	return pgettext("folder role", "drafts");
	case STORE_SPECIAL_TRASH:	return pgettext("folder role", "trash");
	case STORE_SPECIAL_JUNK:	return pgettext("folder role", "junk");
	case STORE_SPECIAL_ARCHIVE:	return pgettext("folder role", "archive");
	case STORE_SPECIAL_ALL:		return pgettext("folder role", "all");
	case STORE_SPECIAL_FLAGGED:	return pgettext("folder role", "flagged");
	case STORE_SPECIAL_NONE:	break;
	}
	return "-";
}

/*
 * A folder no sync pulls has no counts worth showing: "-" and why, so that
 * an unsubscribed folder does not look empty (issue 11).
 */
static int
print_folder(void *arg, const struct store_folder *f)
{
	const struct account	*acct = arg;
	const char		*hint;
	char			*name = sanitize_line(f->name != NULL ?
				    f->name : "");
	char			*cell = text_fit(name, 32);

	char			*use = text_fit(special_name(f->special_use), 8);

	if (app_folder_unsynced(acct, f, &hint))
		printf("%s %s %8s %8s  %s\n", cell, use, "-", "-", hint);
	else
		printf("%s %s %8lld %8lld\n", cell, use, (long long)f->total,
		    (long long)f->unread);
	free(use);
	free(cell);
	free(name);
	return 0;
}

static int
cmd_folders(struct cli_ctx *ctx, const struct cmd_entry *self,
    struct args *a)
{
	const struct account	*acct;
	struct store		*st;
	struct perr		 err;
	int64_t			 account_id;
	int			 rc = CLI_OK;
	char			*head, *use;

	if (cli_open_reader(ctx, args_get(a, "account"), &acct, &st,
	    &account_id) != 0)
		return CLI_FAIL;
	/* TRANSLATORS: column headings, 32, 8, 8 and 8 columns wide. */
	head = text_fit(_("FOLDER"), 32);
	use = text_fit(_("USE"), 8);
	printf("%s %s %8s %8s\n", head, use, _("TOTAL"), _("UNREAD"));
	free(use);
	free(head);
	if (store_folder_list(st, account_id, print_folder,
	    (void *)acct, &err) != 0)
		rc = cli_error("%s", err.msg);
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_folders_entry = {
	.name = "folders",
	.args = { cli_opts_account, 0, 0, 0 },
	.usage = N_("[-a ACCOUNT]"),
	.summary = N_("list the folders in the offline store with total and "
	"unread counts"),
	.exec = cmd_folders
};
