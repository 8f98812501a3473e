/*
 * cmd-journal.c - posta journal: the actions that wait for the server and
 * the ones it refused, with their errors; retry or drop a failed one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli-act.h"
#include "mail/mail.h"
#include "util/i18n.h"


struct jview {
	int64_t	waiting, failed;
};

/* A remote name as people read it (UTF-8, sanitised); malloc'd. */
static char *
shown(const char *remote)
{
	char	*utf8, *out;

	if (remote == NULL)
		return xstrdup("?");
	if ((utf8 = mutf7_decode(remote)) == NULL)
		return sanitize_line(remote);
	out = sanitize_line(utf8);
	free(utf8);
	return out;
}

static void
flag_text(char *buf, size_t len, unsigned add, unsigned remove)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} names[] = {
		{ STORE_SEEN, "\\Seen" },
		{ STORE_ANSWERED, "\\Answered" },
		{ STORE_FLAGGED, "\\Flagged" },
		{ STORE_DELETED, "\\Deleted" },
		{ STORE_DRAFT, "\\Draft" },
	};
	size_t	i, used = 0;
	int	k;

	buf[0] = '\0';
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (((add | remove) & names[i].bit) == 0)
			continue;
		k = snprintf(buf + used, len - used, "%s%c%s",
		    used > 0 ? " " : "", (add & names[i].bit) ? '+' : '-',
		    names[i].name);
		if (k < 0 || (size_t)k >= len - used)
			return;
		used += (size_t)k;
	}
}

static int
show_entry(void *arg, const struct store_journal *e)
{
	struct jview	*v = arg;
	const char	*state;
	char		*from, *to, *errtxt, *cell, flags[96], uid[24];
	char		 when[20];
	time_t		 t = (time_t)e->created_at;
	struct tm	 tm;

	if (e->state == STORE_JFAILED) {
		state = pgettext("journal state", "failed");
		v->failed++;
	} else {
		state = e->state == STORE_JSENT ?
		    pgettext("journal state", "sent") :
		    pgettext("journal state", "waiting");
		v->waiting++;
	}
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(when, sizeof when, "?");
	from = shown(e->folder_name);
	to = e->dest_name != NULL ? shown(e->dest_name) : NULL;
	if (e->uid != 0)
		snprintf(uid, sizeof uid, " uid %lu", (unsigned long)e->uid);
	else
		uid[0] = '\0';
	cell = text_fit(state, 7);
	printf("%-6lld %s %5d  %s  %s", (long long)e->id, cell,
	    e->attempts, when, store_jop_name(e->op));
	free(cell);
	switch (e->op) {
	case STORE_JOP_FLAGS:
		flag_text(flags, sizeof flags, e->flags_add, e->flags_remove);
		/* TRANSLATORS: flags, folder, " uid N" or nothing. */
		printf(_(" %s in %s%s"), flags, from, uid);
		break;
	case STORE_JOP_MOVE:
	case STORE_JOP_COPY:
		printf(" %s%s -> %s", from, uid, to != NULL ? to : "?");
		break;
	case STORE_JOP_EXPUNGE:
	case STORE_JOP_APPEND:
		printf(" %s%s", from, uid);
		break;
	case STORE_JOP_FOLDER_RENAME:
		printf(" %s -> %s", from, to != NULL ? to : "?");
		break;
	default:
		printf(" %s", from);
		break;
	}
	if (e->message_id != 0)
		printf(_(" (message %lld)"), (long long)e->message_id);
	putchar('\n');
	if (e->last_error != NULL) {
		errtxt = sanitize_line(e->last_error);
		printf(_("       error: %s\n"), errtxt);
		free(errtxt);
	}
	free(from);
	free(to);
	return 0;
}

static int
list(struct cli_ctx *ctx, const char *account)
{
	const struct account	*acct;
	struct store		*st;
	struct perr		 err;
	struct jview		 v = { 0, 0 };
	int64_t			 account_id;
	int			 rc = CLI_OK;

	if (cli_open_reader(ctx, account, &acct, &st, &account_id) != 0)
		return CLI_FAIL;
	perr_clear(&err);
	if (store_journal_list(st, account_id, show_entry, &v, &err) < 0)
		rc = cli_error("%s", err.msg);
	else
		printf(_("%lld waiting, %lld failed\n"), (long long)v.waiting,
		    (long long)v.failed);
	store_close(st);
	return rc;
}

static const struct arg_opt journal_opts[] = {
	CLI_OPT_ACCOUNT,
	{ .name = "retry", .kind = ARG_VALUE, .group = 1 },
	{ .name = "drop", .kind = ARG_VALUE, .group = 1 },
	{ 0 }
};

static int
cmd_journal(struct cli_ctx *ctx, const struct cmd_entry *self,
    struct args *a)
{
	struct cli_act	 ca;
	struct perr	 err;
	const char	*account = args_get(a, "account"), *what, *arg;
	int64_t		 id = 0;
	int		 r, rc = CLI_OK;

	if ((arg = args_get(a, "retry")) != NULL)
		what = "--retry";
	else if ((arg = args_get(a, "drop")) != NULL)
		what = "--drop";
	else
		return list(ctx, account);
	if (strcmp(arg, "all") != 0) {
		if (args_id(arg, &id) != 0) {
			cli_error(_("%s: expected an entry id or 'all', got "
			    "'%s'"), what, arg);
			return CLI_USAGE;
		}
	}
	if (cli_act_open(ctx, account, &ca) != 0)
		return CLI_FAIL;
	perr_clear(&err);
	if (strcmp(what, "--retry") == 0)
		r = app_act_journal_retry(ca.act, id, &err);
	else
		r = app_act_journal_drop(ca.act, id, &err);
	if (r != 0)
		rc = cli_error("%s", err.msg);
	/* A retried entry goes out now when online; a drop sends nothing. */
	if (strcmp(what, "--drop") == 0) {
		app_act_close(ca.act);
		return rc;
	}
	return cli_act_close(ctx, &ca, rc);
}

const struct cmd_entry cmd_journal_entry = {
	.name = "journal",
	.args = { journal_opts, 0, 0, 0 },
	.usage = N_("[-a ACCOUNT] [--retry ID|all | --drop ID|all]"),
	.summary = N_("list the actions waiting for the server and the failed ones"),
	.exec = cmd_journal
};
