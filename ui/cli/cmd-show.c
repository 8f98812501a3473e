/*
 * cmd-show.c - posta show: one message as safe text, or its exact bytes.
 *
 * --raw writes the stored bytes unchanged when stdout is a file or a pipe
 * (for scripts and backups); on a terminal they are sanitised too, since no
 * untrusted byte may reach a terminal raw.
 *
 * A message stored without its body (offline = headers, days:N) has it
 * fetched from the server first (app_fetch_body); with --offline, or when
 * the server cannot be reached, its headers are shown with a note.
 *
 * A message that is not whole (store_msg.problem: the server's reply could
 * not be parsed, the body is too large) gets posta's note between its
 * headers and its body, in brackets so that it cannot pass for a header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "cli/cli.h"
#include "mail/mail.h"
#include "mail/problem.h"
#include "util/i18n.h"


static int
write_all(const void *buf, size_t len)
{
	return fwrite(buf, 1, len, stdout) == len ? 0 : -1;
}

static int
show_raw(const char *raw, size_t len)
{
	char	*safe;
	int	 r;

	if (!isatty(STDOUT_FILENO))
		return write_all(raw, len);
	safe = sanitize_text(raw, len, true);
	r = write_all(safe, strlen(safe));
	free(safe);
	return r;
}

/* Headers from the store when the body is not: the list fields, sanitised. */
/* A stored problem in the reader's language, safe for a terminal. */
static char *
problem_line(const char *problem)
{
	char	*words = problem_words(problem), *line;

	line = sanitize_line(words);
	free(words);
	return line;
}

static void
show_headers_only(const struct store_msg *m)
{
	const char	*labels[] = { pgettext("header", "From"),
			    pgettext("header", "To"), pgettext("header", "Cc"),
			    pgettext("header", "Subject") };
	char		*from = NULL, *vals[4], *s;
	size_t		 i;

	if (m->from_addr != NULL)
		from = addr_format(m->from_name, m->from_addr);
	vals[0] = from;
	vals[1] = m->to_list;
	vals[2] = m->cc_list;
	vals[3] = m->subject;
	for (i = 0; i < 4; i++) {
		if (vals[i] == NULL || *vals[i] == '\0')
			continue;
		s = sanitize_line(vals[i]);
		printf("%s: %s\n", labels[i], s);
		free(s);
	}
	free(from);
	if (m->problem != NULL) {
		s = problem_line(m->problem);
		printf("[posta: %s]\n", s);
		free(s);
	} else
		printf("%s", _("\n[the body of this message is not stored "
		    "offline]\n"));
}

/* The rendered message, with the note on a problem after its headers. */
static int
show_text(const char *text, const char *problem)
{
	const char	*body;
	char		*note;
	int		 r;

	if (problem == NULL)
		return write_all(text, strlen(text));
	/* The header block ends at the first empty line. */
	body = strstr(text, "\n\n");
	body = body != NULL ? body + 1 : text;
	note = problem_line(problem);
	r = write_all(text, (size_t)(body - text)) != 0 ||
	    printf("[posta: %s]\n", note) < 0 ||
	    write_all(body, strlen(body)) != 0 ? -1 : 0;
	free(note);
	return r;
}

static const struct arg_opt show_opts[] = {
	CLI_OPT_ACCOUNT,
	{ .name = "raw", .kind = ARG_FLAG },
	{ 0 }
};

static int
cmd_show(struct cli_ctx *ctx, const struct cmd_entry *self, struct args *a)
{
	const struct account	*acct;
	const char		*idarg = a->argv[0];
	struct store		*st;
	struct store_msg	 m = { 0 };
	struct perr		 err;
	int64_t			 account_id, id;
	bool			 raw_mode = args_has(a, "raw");
	void			*raw = NULL;
	size_t			 len = 0;
	char			*text = NULL;
	int			 rc = CLI_OK;

	if (args_id(idarg, &id) != 0) {
		cli_error(_("show: expected a message id (a number from posta "
		    "list), got '%s'"), idarg);
		return CLI_USAGE;
	}
	if (cli_open_reader(ctx, args_get(a, "account"), &acct, &st, &account_id) != 0)
		return CLI_FAIL;
	if (store_msg_get(st, id, &m, &err) != 0) {
		rc = err.code == PERR_NOTFOUND ?
		    cli_error(_("no message with id %lld"), (long long)id) :
		    cli_error("%s", err.msg);
		goto out;
	}
	/* A problem says why the body is missing: no fetch would cure it. */
	if (store_body_get(st, id, &raw, &len, &err) != 0 &&
	    err.code == PERR_NOTFOUND && !ctx->offline &&
	    acct->protocol == PROTO_IMAP && m.problem == NULL) {
		/* Not stored: fetch it now (the reader sees the commit). */
		if (app_fetch_body(ctx->cfg, acct, id, &err) != 0) {
			cli_error(_("message %lld: the body could not be "
			    "fetched: %s"), (long long)id, err.msg);
			/* Shown as a message stored without its body. */
			perr_set(&err, PERR_NOTFOUND, _("no body"));
		} else
			(void)store_body_get(st, id, &raw, &len, &err);
	}
	if (raw == NULL) {
		if (err.code != PERR_NOTFOUND) {
			rc = cli_error("%s", err.msg);
			goto out;
		}
		if (raw_mode) {
			rc = cli_error(_("message %lld: the body is not "
			    "stored offline"), (long long)id);
			goto out;
		}
		show_headers_only(&m);
		goto out;
	}
	if (raw_mode) {
		if (show_raw(raw, len) != 0)
			rc = cli_error("%s", _("show: write error"));
		goto out;
	}
	if (mail_render(raw, len, &text, NULL, &err) != 0) {
		rc = cli_error(_("message %lld: %s"), (long long)id, err.msg);
		goto out;
	}
	if (show_text(text, m.problem) != 0)
		rc = cli_error("%s", _("show: write error"));
out:
	free(text);
	free(raw);
	store_msg_free(&m);
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.args = { show_opts, 1, 1, 0 },
	.usage = N_("[-a ACCOUNT] [--raw] ID"),
	.summary = N_("show a message as safe text, or its exact stored bytes with --raw"),
	.exec = cmd_show
};
