/*
 * cmd-send.c - posta send: mail(1) for scripts.
 *
 *   posta send [-a ACCOUNT] -s SUBJECT [-c CC] [-b BCC] [-A FILE]...
 *       [--offline] ADDRESS... < body
 *
 * The message goes into the outbox first (so it is never lost), then out
 * over SMTP unless --offline (or the global --offline): then it waits for
 * the next "posta outbox --flush". Exit status 0 when it was sent (or
 * queued offline) to every recipient, 1 otherwise, with every refusal
 * written to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "cli/cli.h"
#include "mail/mail.h"
#include "util/i18n.h"


/* Print what happened to each outbox message (shared with posta outbox). */
void	cmd_send_report(void *arg, const struct app_outbox_event *ev);

void
cmd_send_report(void *arg, const struct app_outbox_event *ev)
{
	char		*subj, *text;

	(void)arg;
	subj = sanitize_line(ev->subject);
	text = sanitize_line(ev->text);
	if (*text != '\0')
		/* TRANSLATORS: id, subject, what happened, the server's words. */
		fprintf(ev->what == APP_OUTBOX_SENT ? stdout : stderr,
		    _("posta: outbox %lld \"%s\": %s: %s\n"),
		    (long long)ev->id, subj, app_outbox_words(ev), text);
	else
		fprintf(ev->what == APP_OUTBOX_SENT ? stdout : stderr,
		    _("posta: outbox %lld \"%s\": %s\n"), (long long)ev->id,
		    subj, app_outbox_words(ev));
	if (ev->what == APP_OUTBOX_FAILED && ev->held)
		fprintf(stderr, _("posta: outbox %1$lld was refused for good; "
		    "it is held: 'posta outbox --retry %1$lld' sends it again, "
		    "'posta outbox --drop %1$lld' forgets it\n"),
		    (long long)ev->id);
	else if (ev->what == APP_OUTBOX_PARTIAL && ev->held)
		fprintf(stderr, _("posta: outbox %1$lld was refused for good "
		    "by some recipients; it is held: 'posta outbox --retry "
		    "%1$lld' sends it again to them only, 'posta outbox --drop "
		    "%1$lld' forgets it\n"), (long long)ev->id);
	else if (ev->what == APP_OUTBOX_FAILED)
		fprintf(stderr, _("posta: outbox %lld stays in the outbox; "
		    "'posta outbox --flush' tries again\n"), (long long)ev->id);
	else if (ev->what == APP_OUTBOX_PARTIAL)
		fprintf(stderr, _("posta: outbox %lld stays in the outbox for "
		    "the refused recipients; 'posta outbox --flush' tries "
		    "again\n"), (long long)ev->id);
	else if (ev->what == APP_OUTBOX_UNKNOWN)
		fprintf(stderr, _("posta: outbox %1$lld may have been "
		    "delivered; it is held: 'posta outbox --retry %1$lld' sends "
		    "it again, 'posta outbox --drop %1$lld' forgets it\n"),
		    (long long)ev->id);
	free(subj);
	free(text);
}

/* stdin into a malloc'd NUL-terminated string. */
static char *
read_stdin(size_t *len)
{
	char	*buf = NULL;
	size_t	 n = 0, cap = 0, r;

	for (;;) {
		if (cap - n < 4096) {
			cap = cap * 2 + 8192;
			buf = xrealloc(buf, cap);
		}
		r = fread(buf + n, 1, cap - n - 1, stdin);
		n += r;
		if (r == 0)
			break;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void
field_add(char **field, const char *v)
{
	char	*s;

	if (*field == NULL) {
		*field = xstrdup(v);
		return;
	}
	s = xasprintf("%s, %s", *field, v);
	free(*field);
	*field = s;
}

/* -c is Cc here (mail(1)), not posta's -c FILE before the command. */
static const struct arg_opt send_opts[] = {
	CLI_OPT_ACCOUNT,
	{ .letter = 's', .kind = ARG_VALUE },
	{ .letter = 'c', .kind = ARG_VALUE },
	{ .letter = 'b', .kind = ARG_VALUE },
	{ .letter = 'A', .kind = ARG_VALUE },
	{ .name = "offline", .kind = ARG_FLAG },
	{ 0 }
};

static int
cmd_send(struct cli_ctx *ctx, const struct cmd_entry *self, struct args *a)
{
	struct compose_draft	 d;
	struct app_send_opts	 so = { 0 };
	struct app_flush_stats	 stats;
	const struct account	*acct;
	struct config		*cfg;
	struct perr		 err;
	const char		*subject = args_get(a, "s"), *v, *file;
	char			*body, *cc = NULL, *bcc = NULL, *to = NULL;
	size_t			 len;
	int64_t			 id;
	int			 i, rc = CLI_OK;

	so.offline = ctx->offline || args_has(a, "offline");
	for (i = 0; (v = args_next(a, "c", &i)) != NULL;)
		field_add(&cc, v);
	for (i = 0; (v = args_next(a, "b", &i)) != NULL;)
		field_add(&bcc, v);
	for (i = 0; i < a->argc; i++)
		field_add(&to, a->argv[i]);
	if (to == NULL && cc == NULL && bcc == NULL) {
		cli_usage(self);
		return CLI_USAGE;
	}
	if ((cfg = cli_config(ctx)) == NULL) {
		rc = CLI_CONFIG;
		goto out;
	}
	if ((acct = config_account(cfg, args_get(a, "account"),
	    &err)) == NULL) {
		rc = cli_error("%s", err.msg);
		goto out;
	}
	if (app_draft_new(acct, &d, &err) != 0) {
		rc = cli_error("%s", err.msg);
		goto out;
	}
	body = read_stdin(&len);
	/* mail(1) says so too, and sends it. */
	if (strspn(body, " \t\r\n") == len)
		fprintf(stderr, "%s", _("posta: warning: the message body is "
		    "empty\n"));
	if (memchr(body, '\0', len) != NULL) {
		free(body);
		compose_draft_free(&d);
		rc = cli_error("%s", _("send: the body holds NUL bytes; attach "
		    "binary data with -A FILE"));
		goto out;
	}
	/* The body read comes before the signature app_draft_new() added. */
	{
		char *withsig = xasprintf("%s%s", body, d.body);

		free(d.body);
		d.body = withsig;
		free(body);
	}
	d.to = to;
	d.cc = cc;
	d.bcc = bcc;
	to = cc = bcc = NULL;
	if (subject != NULL)
		d.subject = xstrdup(subject);
	for (i = 0; (file = args_next(a, "A", &i)) != NULL;)
		if (app_draft_attach_file(&d, file, &err) != 0) {
			compose_draft_free(&d);
			rc = cli_error(_("send: %s"), err.msg);
			goto out;
		}
	if (app_send(cfg, acct, &d, &so, cmd_send_report, NULL, &stats, &id,
	    &err) != 0) {
		if (stats.sent + stats.partial + stats.failed + stats.unknown ==
		    0)
			rc = cli_error(_("send: %s"), err.msg);
		else
			rc = CLI_FAIL;
	} else if (so.offline)
		printf(_("posta: queued as outbox %lld; it goes with the next "
		    "'posta sync' or 'posta outbox --flush'\n"), (long long)id);
	compose_draft_free(&d);
out:
	free(to);
	free(cc);
	free(bcc);
	return rc;
}

const struct cmd_entry cmd_send_entry = {
	.name = "send",
	.args = { send_opts, 0, -1, ARGS_IN_ORDER },
	.usage = N_("[-a ACCOUNT] [-s SUBJECT] [-c CC] [-b BCC] [-A FILE]... "
	"[--offline] ADDRESS... < body"),
	.summary = N_("send a message (mail(1) style): body from stdin, through the outbox"),
	.exec = cmd_send
};
