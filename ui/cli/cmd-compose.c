/*
 * cmd-compose.c - posta compose: write a message in $VISUAL / $EDITOR.
 *
 *   posta compose [-a ACCOUNT] [--reply ID | --reply-all ID |
 *       --list-reply ID | --forward ID
 *       [--attach-original] | --resume ID] [-A FILE]... [--postpone]
 *       [ADDRESS... | mailto:URL]
 *
 * The draft file has the header lines (From, To, Cc, Bcc, Subject,
 * Reply-To), an empty line and the body. After the editor exits 0 the file
 * is read back and the message is sent through the outbox (or, with
 * --postpone, saved in Drafts). An unchanged file, or an editor that
 * fails, aborts; if the file cannot be read back (a bad header, a bad
 * address) nothing is sent and the file is kept for the user to fix.
 * With confirm_send (the default) and a terminal on both ends, the
 * message is shown and posta asks before it is sent: send, edit again,
 * postpone, or stop with the draft kept.
 * "posta mailto:URL" (ui/main.c) comes here too.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app/app.h"
#include "cli/cli-act.h"
#include "cli/cli.h"
#include "mail/mail.h"
#include "util/i18n.h"

void	cmd_send_report(void *arg, const struct app_outbox_event *ev);

/* Run the user's editor (config_editor()) on path; 0 when it exited 0. */
static int
run_editor(const char *ed, const char *path)
{
	pid_t		 pid;
	int		 status;

	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		/* The editor string may carry arguments ("emacs -nw"). */
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", ed, path,
		    (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*
 * The message as written (sanitised: a quoted reply carries someone
 * else's bytes), then the question; the answer's first letter, lower
 * case: 'y' send, 'e' edit again, 'p' postpone, anything else (end of
 * input among them) stop.
 */
static int
ask_send(const char *text, size_t len)
{
	char	*safe = sanitize_text(text, len, true), line[64];

	printf("\n%s\n", safe);
	free(safe);
	for (;;) {
		fputs(_("Send this message? (y: send, e: edit again, "
		    "p: postpone to Drafts, n: do not send) "), stdout);
		fflush(stdout);
		if (fgets(line, sizeof line, stdin) == NULL)
			return 'n';
		switch (line[0]) {
		case 'y': case 'Y': return 'y';
		case 'e': case 'E': return 'e';
		case 'p': case 'P': return 'p';
		case 'n': case 'N': return 'n';
		}
	}
}

static int
write_file(const char *path, const char *text)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	rc = fputs(text, f) == EOF ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static char *
read_all(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 cap = 0, n = 0, r;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap * 2 + 8192;
			buf = xrealloc(buf, cap);
		}
		if ((r = fread(buf + n, 1, cap - n - 1, f)) == 0)
			break;
		n += r;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * A resumed draft has done its job once its message is queued or
 * postponed again: removed from Drafts for good (never to Trash), on the
 * server too unless --offline. A failure is a warning: the message went.
 */
static void
draft_done(struct cli_ctx *ctx, const char *account, int64_t id)
{
	struct cli_act	ca;
	struct perr	err;

	if (cli_act_open(ctx, account, &ca) != 0)
		return;
	if (app_act_remove(ca.act, &id, 1, NULL, &err) != 0)
		(void)cli_error("compose: the draft %lld stays in Drafts: %s",
		    (long long)id, err.msg);
	(void)cli_act_close(ctx, &ca, CLI_OK);
}

static const struct arg_opt compose_opts[] = {
	CLI_OPT_ACCOUNT,
	{ .name = "reply", .kind = ARG_ID, .group = 1 },
	{ .name = "reply-all", .kind = ARG_ID, .group = 1 },
	{ .name = "list-reply", .kind = ARG_ID, .group = 1 },
	{ .name = "forward", .kind = ARG_ID, .group = 1 },
	{ .name = "resume", .kind = ARG_ID, .group = 1 },
	{ .name = "attach-original", .kind = ARG_FLAG },
	{ .name = "postpone", .kind = ARG_FLAG },
	{ .letter = 'A', .kind = ARG_VALUE },
	{ 0 }
};

/* What a draft starts from: the option that names the message. */
static const struct {
	const char		*opt;
	enum app_compose_kind	 kind;
} compose_kinds[] = {
	{ "reply", APP_COMPOSE_REPLY },
	{ "reply-all", APP_COMPOSE_REPLY_ALL },
	{ "list-reply", APP_COMPOSE_REPLY_LIST },
	{ "forward", APP_COMPOSE_FORWARD },
	{ "resume", APP_COMPOSE_RESUME },
};

static int
cmd_compose(struct cli_ctx *ctx, const struct cmd_entry *self,
    struct args *a)
{
	const struct account	*acct;
	struct compose_draft	 d;
	struct app_send_opts	 so = { 0 };
	struct app_flush_stats	 stats;
	enum app_compose_kind	 kind = APP_COMPOSE_NEW;
	struct config		*cfg;
	struct perr		 err;
	const char		*dir, *file;
	char			 path[4096], note[1200], *orig, *text = NULL;
	char			**addrs = a->argv;
	size_t			 naddrs = (size_t)a->argc, nfiles = 0, len;
	bool			 postpone = args_has(a, "postpone");
	int64_t			 id = 0, oid;
	int			 i, fd, rc = CLI_OK;

	/* The options group them: one at most. */
	for (i = 0; i < (int)(sizeof compose_kinds / sizeof compose_kinds[0]);
	    i++) {
		if (args_has(a, compose_kinds[i].opt)) {
			kind = compose_kinds[i].kind;
			id = args_number(a, compose_kinds[i].opt, 0);
		}
	}
	if (kind == APP_COMPOSE_FORWARD && args_has(a, "attach-original"))
		kind = APP_COMPOSE_FORWARD_ATTACH;
	for (i = 0; args_next(a, "A", &i) != NULL;)
		nfiles++;
	if ((cfg = cli_config(ctx)) == NULL)
		return CLI_CONFIG;
	if ((acct = config_account(cfg, args_get(a, "account"),
	    &err)) == NULL ||
	    app_draft_from(cfg, acct, kind, id, &d, &err) != 0)
		return cli_error("%s", err.msg);
	for (i = 0; i < (int)naddrs; i++) {
		if (strncasecmp(addrs[i], "mailto:", 7) == 0) {
			if (compose_mailto(addrs[i], &d, &err) != 0) {
				rc = cli_error("%s", err.msg);
				goto out;
			}
		} else if (d.to == NULL || *d.to == '\0')
			compose_draft_set(&d.to, addrs[i]);
		else {
			char *s = xasprintf("%s, %s", d.to, addrs[i]);

			free(d.to);
			d.to = s;
		}
	}
	for (i = 0; (file = args_next(a, "A", &i)) != NULL;)
		if (app_draft_attach_file(&d, file, &err) != 0) {
			rc = cli_error(_("compose: %s"), err.msg);
			goto out;
		}

	if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(path, sizeof path, "%s/posta-draft-XXXXXX", dir);
	if ((fd = mkstemp(path)) == -1) {
		rc = cli_error(_("compose: %s: %s"), path, strerror(errno));
		goto out;
	}
	close(fd);
	orig = compose_draft_file(&d);
	if (write_file(path, orig) != 0) {
		free(orig);
		unlink(path);
		rc = cli_error(_("compose: cannot write %s"), path);
		goto out;
	}
again:
	if (run_editor(config_editor(cfg), path) != 0) {
		free(orig);
		rc = cli_error(_("compose: the editor failed; nothing sent "
		    "(the draft is kept in %s)"), path);
		goto out;
	}
	if ((text = read_all(path, &len)) == NULL) {
		free(orig);
		rc = cli_error(_("compose: cannot read %s back"), path);
		goto out;
	}
	if (strcmp(text, orig) == 0 && kind != APP_COMPOSE_RESUME &&
	    nfiles == 0 && naddrs == 0) {
		free(orig);
		unlink(path);
		fprintf(stderr, "%s", _("posta: compose: the draft was not "
		    "changed; aborted\n"));
		rc = CLI_FAIL;
		goto out;
	}
	free(orig);
	if (compose_draft_file_parse(text, len, &d, &err) != 0) {
		rc = cli_error(_("compose: %s (nothing sent; the draft is kept "
		    "in %s)"), err.msg, path);
		goto out;
	}
	if (!postpone && cfg->confirm_send && isatty(STDIN_FILENO) &&
	    isatty(STDOUT_FILENO)) {
		switch (ask_send(text, len)) {
		case 'e':
			free(text);
			text = NULL;
			orig = xstrdup("");	/* any text is a change now */
			goto again;
		case 'p':
			postpone = true;
			break;
		case 'y':
			break;
		default:
			fprintf(stderr, _("posta: compose: not sent; the draft "
			    "is kept in %s\n"), path);
			rc = CLI_FAIL;
			goto out;
		}
	}
	if (postpone) {
		if (app_postpone(cfg, acct, &d, ctx->offline, note, sizeof note,
		    &err) != 0) {
			rc = cli_error(_("compose: %s (the draft is kept in %s)"),
			    err.msg, path);
			goto out;
		}
		if (note[0] != '\0')
			fprintf(stderr, "posta: %s\n", note);
		printf("%s", _("posta: postponed to Drafts\n"));
		unlink(path);
		if (kind == APP_COMPOSE_RESUME)
			draft_done(ctx, args_get(a, "account"), id);
		goto out;
	}
	so.offline = ctx->offline;
	if (app_send(cfg, acct, &d, &so, cmd_send_report, NULL, &stats, &oid,
	    &err) != 0) {
		if (stats.sent + stats.partial + stats.failed + stats.unknown ==
		    0) {
			rc = cli_error(_("compose: %s (nothing sent; the draft "
			    "is kept in %s)"), err.msg, path);
			goto out;
		}
		rc = CLI_FAIL;
	} else if (so.offline)
		printf(_("posta: queued as outbox %lld; it goes with the next "
		    "'posta sync' or 'posta outbox --flush'\n"), (long long)oid);
	/* It is in the outbox now: the file is no longer the only copy. */
	unlink(path);
	if (kind == APP_COMPOSE_RESUME)
		draft_done(ctx, args_get(a, "account"), id);
out:
	free(text);
	compose_draft_free(&d);
	return rc;
}

const struct cmd_entry cmd_compose_entry = {
	.name = "compose",
	.args = { compose_opts, 0, -1, 0 },
	.usage = N_("[-a ACCOUNT] [--reply ID | --reply-all ID | --list-reply ID "
	"| --forward ID "
	"[--attach-original] | --resume ID] [-A FILE]... [--postpone] "
	"[ADDRESS... | mailto:URL]"),
	.summary = N_("write a message in $VISUAL/$EDITOR, then send or postpone it"),
	.exec = cmd_compose
};
