/*
 * shell.c - messages leaving posta for the user's own programs and files:
 * pipe-message ('|': the raw message on a command's standard input),
 * pipe-text (the decoded text instead), save-to-file (appended to an mbox
 * file through app_save_mbox), bounce-message ('b': remailed untouched
 * under Resent-* headers through the outbox, app_bounce_queue).
 *
 * A command is what the user typed, run as "sh -c"; the message never
 * becomes part of a command line: it goes to standard input from a file in
 * a private directory (run_tmpdir). Standard output and error are captured
 * (bounded by run_capture) and shown in the pager.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/tui-int.h"

void
shell_free(struct tui *t)
{
	compose_cands_free(&t->shell_cands, &t->nshell_cands);
}

/* The current message's bytes; -1 (said, body asked for) when missing. */
static int
current_bytes(struct tui *t, int64_t *id, void **raw, size_t *len)
{
	struct perr	err;

	if ((*id = act_current(t)) == 0 || t->st == NULL) {
		status_msg(&t->status, "no message selected");
		return -1;
	}
	if (store_body_get(t->st, *id, raw, len, &err) == 0)
		return 0;
	if (err.code == PERR_NOTFOUND) {
		status_msg(&t->status, "this message's body is not stored "
		    "yet; try again when it is");
		workers_fetch_body(t, *id);
	} else
		status_error(&t->status, "%s", err.msg);
	return -1;
}

/* Run cmd with data on its standard input; its output in the pager. */
static void
pipe_run(struct tui *t, const char *cmd, const char *data, size_t len)
{
	struct perr	 err;
	char		*dir, *file, *full, *out = NULL, *title;
	size_t		 olen = 0;
	int		 rc;

	if ((dir = run_tmpdir(&err)) == NULL) {
		status_error(&t->status, "%s", err.msg);
		return;
	}
	file = xasprintf("%s/message", dir);
	if (attach_write_file(file, data, len, true, &err) != 0) {
		status_error(&t->status, "%s", err.msg);
		goto out;
	}
	/* Its errors are part of what the user wants to see. */
	full = xasprintf("exec 2>&1\n%s", cmd);
	rc = run_capture(full, NULL, file, &out, &olen, &err);
	free(full);
	if (rc < 0) {
		status_error(&t->status, "%s", err.msg);
		goto out;
	}
	title = rc == 0 ? xasprintf("Output of %s", cmd) :
	    xasprintf("Output of %s (exit status %d)", cmd, rc);
	tui_show_output(t, title, out != NULL ? out : "", olen,
	    t->view == TUI_VIEW_PAGER && t->pg.msg_id != 0 ? TUI_VIEW_INDEX :
	    t->view);
	if (olen == 0)
		status_msg(&t->status, "The command wrote nothing.");
	free(title);
out:
	free(out);
	run_rmdir(dir);
	free(dir);
	free(file);
}

static void
pipe_done(struct tui *t, const char *cmd, bool decoded)
{
	struct perr	 err;
	void		*raw;
	size_t		 len;
	int64_t		 id;
	char		*text;

	if (*cmd == '\0' || current_bytes(t, &id, &raw, &len) != 0)
		return;
	if (!decoded)
		pipe_run(t, cmd, raw, len);
	else if (mail_render(raw, len, &text, NULL, &err) != 0)
		status_error(&t->status, "%s", err.msg);
	else {
		pipe_run(t, cmd, text, strlen(text));
		free(text);
	}
	free(raw);
}

static void
pipe_raw_done(struct tui *t, const char *cmd)
{
	pipe_done(t, cmd, false);
}

static void
pipe_text_done(struct tui *t, const char *cmd)
{
	pipe_done(t, cmd, true);
}

void
shell_act_pipe(struct tui *t)
{
	if (act_current(t) == 0) {
		status_msg(&t->status, "no message selected");
		return;
	}
	prompt_start(&t->prompt, "Pipe the message to command: ",
	    pipe_raw_done, NULL);
}

void
shell_act_pipe_text(struct tui *t)
{
	if (act_current(t) == 0) {
		status_msg(&t->status, "no message selected");
		return;
	}
	prompt_start(&t->prompt, "Pipe the decoded text to command: ",
	    pipe_text_done, NULL);
}

/* ---- save to an mbox file ------------------------------------------------ */

static void
save_file_done(struct tui *t, const char *text)
{
	struct perr	 err;
	char		*path;
	size_t		 saved = 0, no_body = 0;

	if (*text == '\0' || t->npend == 0 || t->st == NULL)
		return;
	path = attach_expand_home(text);
	if (app_save_mbox(t->st, t->pend, t->npend, path, &saved, &no_body,
	    &err) != 0)
		status_error(&t->status, "%s", err.msg);
	else {
		act_targets_used(t);
		if (no_body == 1)
			status_msg(&t->status, "Saved %zu of the messages to "
			    "%s; 1 is not stored offline yet.", saved, path);
		else if (no_body > 1)
			status_msg(&t->status, "Saved %zu of the messages to "
			    "%s; %zu are not stored offline yet.", saved, path,
			    no_body);
		else if (saved == 1)
			status_msg(&t->status, "Saved 1 message to %s.", path);
		else
			status_msg(&t->status, "Saved %zu messages to %s.",
			    saved, path);
	}
	free(path);
}

static const char **
save_file_complete(struct tui *t, const char *text, size_t *n)
{
	return compose_path_complete(&t->shell_cands, &t->nshell_cands, text,
	    n);
}

void
shell_act_save_file(struct tui *t)
{
	char	*label;

	if (act_targets(t) == 0)
		return;
	label = t->npend == 1 ? xstrdup("Append to mbox file: ") :
	    xasprintf("Append %zu messages to mbox file: ", t->npend);
	prompt_start(&t->prompt, label, save_file_done, save_file_complete);
	free(label);
}

/* ---- bounce ----------------------------------------------------------------- */

static void
bounce_done(struct tui *t, const char *to)
{
	const struct account	*acct = tui_account(t);
	struct perr		 err;
	int64_t			 id, outbox_id;

	if (*to == '\0' || acct == NULL || (id = act_current(t)) == 0)
		return;
	if (app_bounce_queue(t->cfg, acct, id, to, &outbox_id, &err) != 0) {
		if (err.code == PERR_NOTFOUND) {
			status_msg(&t->status, "this message's body is not "
			    "stored yet; try again when it is");
			workers_fetch_body(t, id);
		} else
			status_error(&t->status, "not bounced: %s", err.msg);
		return;
	}
	status_msg(&t->status, "The bounce to %s is queued in the outbox.",
	    to);
	tui_refresh(t, TUI_REFRESH_JOURNAL);
	workers_flush_outbox(t, t->account);
}

void
shell_act_bounce(struct tui *t)
{
	if (act_current(t) == 0) {
		status_msg(&t->status, "no message selected");
		return;
	}
	prompt_start(&t->prompt, "Bounce the message to: ", bounce_done,
	    NULL);
}
