/*
 * cmd-outbox.c - posta outbox: what waits to be sent, and what to do
 * with it.
 *
 *   posta outbox [-a ACCOUNT]                list (ID, state, tries, To,
 *                                            Subject, the recipients left
 *                                            when others have it already
 *                                            or are in another row, the
 *                                            last error)
 *   posta outbox [-a ACCOUNT] --flush        send what waits
 *   posta outbox [-a ACCOUNT] --retry ID     a held (outcome unknown,
 *                                            refused) or failed message:
 *                                            send it again at the next
 *                                            flush (to the recipients left)
 *   posta outbox [-a ACCOUNT] --drop ID      forget a message
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "cli/cli.h"
#include "mail/mail.h"
#include "util/i18n.h"

void	cmd_send_report(void *arg, const struct app_outbox_event *ev);

static int
list_row(void *arg, const struct store_outbox *o)
{
	/* FAILED was refused for now: the next flush tries it again. */
	static const char	*states[] = { N_("waiting"), N_("will retry"),
				    N_("unknown"), N_("refused") };
	struct mail_headers	 h;
	struct perr		 err;
	char			 when[32], *to, *subj, *e, *left, *p, *st;
	time_t			 t = (time_t)o->created_at;
	struct tm		 tm;
	size_t			*n = arg;

	(*n)++;
	(void)mail_headers_parse(o->raw, o->size, &h, &err);
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(when, sizeof when, "?");
	to = sanitize_line(h.to);
	subj = sanitize_line(h.subject);
	/* TRANSLATORS: an outbox state, cut to 10 columns. */
	st = text_fit((size_t)o->state < sizeof states / sizeof states[0] ?
	    _(states[o->state]) : "?", 10);
	printf("%-5lld %s %2d  %s  %s  %s\n", (long long)o->id, st,
	    o->attempts, when, to, subj);
	free(st);
	if (o->rcpt != NULL) {
		/* One line: the addresses, comma-separated. */
		left = xstrdup(o->rcpt);
		for (p = left; (p = strchr(p, '\n')) != NULL; p++)
			*p = ',';
		e = sanitize_line(left);
		printf(_("      still for: %s (the others have it or are in "
		    "another row)\n"), e);
		free(e);
		free(left);
	}
	if (o->last_error != NULL) {
		e = sanitize_line(o->last_error);
		printf("      %s\n", e);
		free(e);
	}
	free(to);
	free(subj);
	mail_headers_free(&h);
	return 0;
}

static const struct arg_opt outbox_opts[] = {
	CLI_OPT_ACCOUNT,
	{ .name = "flush", .kind = ARG_FLAG, .group = 1 },
	{ .name = "retry", .kind = ARG_ID, .group = 1 },
	{ .name = "drop", .kind = ARG_ID, .group = 1 },
	{ 0 }
};

static int
cmd_outbox(struct cli_ctx *ctx, const struct cmd_entry *self,
    struct args *a)
{
	const struct account	*acct;
	struct config		*cfg;
	struct store		*st;
	struct perr		 err;
	const char		*account = args_get(a, "account");
	enum { LIST, FLUSH, RETRY, DROP } what = LIST;
	int64_t			 id = 0, account_id;
	enum store_protocol	 proto;
	size_t			 n = 0;
	int			 rc = CLI_OK;

	if (args_has(a, "flush"))
		what = FLUSH;
	else if (args_has(a, "retry")) {
		what = RETRY;
		id = args_number(a, "retry", 0);
	} else if (args_has(a, "drop")) {
		what = DROP;
		id = args_number(a, "drop", 0);
	}
	if ((cfg = cli_config(ctx)) == NULL)
		return CLI_CONFIG;
	if ((acct = config_account(cfg, account, &err)) == NULL)
		return cli_error("%s", err.msg);
	if (what == FLUSH) {
		if (ctx->offline)
			return cli_error(_("outbox: --flush needs the network "
			    "(--offline was given)"));
		if (app_outbox_flush(cfg, acct, cmd_send_report, NULL, NULL,
		    &err) != 0)
			return cli_error("%s", err.msg);
		return CLI_OK;
	}
	if (access(cfg->store, F_OK) != 0) {
		if (what == LIST)
			printf("%s", _("the outbox is empty\n"));
		return what == LIST ? CLI_OK :
		    cli_error(_("outbox: no message %lld"), (long long)id);
	}
	if ((st = store_open(cfg->store, what == LIST ? STORE_RDONLY :
	    STORE_RDWR, &err)) == NULL)
		return cli_error("%s", err.msg);
	if (store_account_find(st, acct->name, &account_id, &proto,
	    &err) != 0) {
		store_close(st);
		if (err.code != PERR_NOTFOUND)
			return cli_error("%s", err.msg);
		if (what == LIST)
			printf("%s", _("the outbox is empty\n"));
		return what == LIST ? CLI_OK :
		    cli_error(_("outbox: no message %lld"), (long long)id);
	}
	switch (what) {
	case LIST:
		if (store_outbox_list(st, account_id, list_row, &n, &err) < 0)
			rc = cli_error("%s", err.msg);
		else if (n == 0)
			printf("%s", _("the outbox is empty\n"));
		break;
	case RETRY:
		if (store_outbox_retry(st, account_id, id, &err) != 0)
			rc = cli_error("%s", err.msg);
		else
			printf(_("outbox %lld goes with the next flush\n"),
			    (long long)id);
		break;
	case DROP:
		if (store_outbox_drop(st, account_id, id, &err) != 0)
			rc = cli_error("%s", err.msg);
		else
			printf(_("outbox %lld dropped\n"), (long long)id);
		break;
	default:
		break;
	}
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_outbox_entry = {
	.name = "outbox",
	.args = { outbox_opts, 0, 0, 0 },
	.usage = N_("[-a ACCOUNT] [--flush | --retry ID | --drop ID]"),
	.summary = N_("list the messages waiting to be sent; send, retry or drop them"),
	.exec = cmd_outbox
};
