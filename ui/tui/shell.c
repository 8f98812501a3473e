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

static void	urls_clear(struct tui *);

void
shell_free(struct tui *t)
{
	compose_cands_free(&t->shell_cands, &t->nshell_cands);
	urls_clear(t);
}

/* The current message's bytes; -1 (said, body asked for) when missing. */
static int
current_bytes(struct tui *t, int64_t *id, void **raw, size_t *len)
{
	struct perr	err;

	if ((*id = act_current(t)) == 0 || t->st == NULL) {
		status_msg(&t->status, _("no message selected"));
		return -1;
	}
	if (store_body_get(t->st, *id, raw, len, &err) == 0)
		return 0;
	if (err.code == PERR_NOTFOUND) {
		status_msg(&t->status, _("this message's body is not stored "
		    "yet; try again when it is"));
		workers_fetch_body(t, *id);
	} else
		status_error(&t->status, "%s", err.msg);
	return -1;
}

/*
 * Run cmd with data on its standard input, its errors in its output:
 * the exit status and *out (malloc'd, *olen bytes), or -1 (said).
 */
static int
feed_command(struct tui *t, const char *cmd, const char *data, size_t len,
    char **out, size_t *olen)
{
	struct perr	 err;
	char		*dir, *file, *full;
	int		 rc = -1;

	*out = NULL;
	*olen = 0;
	if ((dir = run_tmpdir(&err)) == NULL) {
		status_error(&t->status, "%s", err.msg);
		return -1;
	}
	file = xasprintf("%s/message", dir);
	if (run_write_file(file, data, len, true, &err) != 0)
		status_error(&t->status, "%s", err.msg);
	else {
		/* Its errors are part of what the user wants to see. */
		full = xasprintf("exec 2>&1\n%s", cmd);
		if ((rc = run_capture(full, NULL, file, out, olen, &err)) < 0)
			status_error(&t->status, "%s", err.msg);
		free(full);
	}
	run_rmdir(dir);
	free(dir);
	free(file);
	return rc;
}

/* Where q goes back from output shown now: a message's pager goes to
 * the index (the output replaced the message). */
static enum tui_view
output_back(const struct tui *t)
{
	return t->view == TUI_VIEW_PAGER && t->pg.msg_id != 0 ?
	    TUI_VIEW_INDEX : t->view;
}

/* A command's output in the pager, titled by the command and status. */
static void
show_output(struct tui *t, const char *cmd, int rc, const char *out,
    size_t olen)
{
	char	*title;

	title = rc == 0 ? xasprintf(_("Output of %s"), cmd) :
	    xasprintf(_("Output of %s (exit status %d)"), cmd, rc);
	view_show_output(t, title, out != NULL ? out : "", olen,
	    output_back(t));
	free(title);
}

/* Run cmd with data on its standard input; its output in the pager. */
static void
pipe_run(struct tui *t, const char *cmd, const char *data, size_t len)
{
	char	*out;
	size_t	 olen;
	int	 rc;

	if ((rc = feed_command(t, cmd, data, len, &out, &olen)) < 0)
		return;
	show_output(t, cmd, rc, out, olen);
	if (olen == 0)
		status_msg(&t->status, _("The command wrote nothing."));
	free(out);
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
		status_msg(&t->status, _("no message selected"));
		return;
	}
	prompt_start(&t->prompt, _("Pipe the message to command: "),
	    pipe_raw_done, NULL);
}

void
shell_act_pipe_text(struct tui *t)
{
	if (act_current(t) == 0) {
		status_msg(&t->status, _("no message selected"));
		return;
	}
	prompt_start(&t->prompt, _("Pipe the decoded text to command: "),
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
		if (no_body > 0)
			status_msg(&t->status, ngettext("Saved %zu of the "
			    "messages to %s; %zu is not stored offline yet.",
			    "Saved %zu of the messages to %s; %zu are not "
			    "stored offline yet.", no_body), saved, path,
			    no_body);
		else
			status_msg(&t->status, ngettext("Saved %zu message to "
			    "%s.", "Saved %zu messages to %s.", saved), saved,
			    path);
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
	label = t->npend == 1 ? xstrdup(_("Append to mbox file: ")) :
	    xasprintf(_("Append %zu messages to mbox file: "), t->npend);
	prompt_start(&t->prompt, label, save_file_done, save_file_complete);
	free(label);
}

/* ---- bounce ----------------------------------------------------------------- */

static void
bounce_done(struct tui *t, const char *to)
{
	const struct account	*acct = view_account(t);
	struct perr		 err;
	int64_t			 id, outbox_id;

	if (*to == '\0' || acct == NULL || (id = act_current(t)) == 0)
		return;
	if (app_bounce_queue(t->cfg, acct, id, to, &outbox_id, &err) != 0) {
		if (err.code == PERR_NOTFOUND) {
			status_msg(&t->status, _("this message's body is not "
			    "stored yet; try again when it is"));
			workers_fetch_body(t, id);
		} else
			status_error(&t->status, _("not bounced: %s"), err.msg);
		return;
	}
	status_msg(&t->status, _("The bounce to %s is queued in the outbox."),
	    to);
	view_refresh(t, TUI_REFRESH_JOURNAL);
	workers_flush_outbox(t, t->account);
}

void
shell_act_bounce(struct tui *t)
{
	if (act_current(t) == 0) {
		status_msg(&t->status, _("no message selected"));
		return;
	}
	prompt_start(&t->prompt, _("Bounce the message to: "), bounce_done,
	    NULL);
}

/* ---- print ------------------------------------------------------------------ */

/*
 * The rendered text of message id (malloc'd): 0; 1 when its body is not
 * stored yet (fetch asked for); -1 (said) on another error.
 */
static int
render_id(struct tui *t, int64_t id, char **text)
{
	struct perr	 err;
	void		*raw;
	size_t		 len;
	int		 rc;

	if (store_body_get(t->st, id, &raw, &len, &err) != 0) {
		if (err.code != PERR_NOTFOUND) {
			status_error(&t->status, "%s", err.msg);
			return -1;
		}
		workers_fetch_body(t, id);
		return 1;
	}
	rc = mail_render(raw, len, text, NULL, &err);
	free(raw);
	if (rc != 0) {
		status_error(&t->status, "%s", err.msg);
		return -1;
	}
	return 0;
}

/* The targets' texts, form feeds between them; NULL when none (said). */
static char *
print_text(struct tui *t, size_t *len, size_t *printed)
{
	char	*all = NULL, *text, *joined;
	size_t	 i, no_body = 0;
	int	 rc;

	*printed = 0;
	for (i = 0; i < t->npend; i++) {
		if ((rc = render_id(t, t->pend[i], &text)) < 0) {
			free(all);
			return NULL;
		}
		if (rc > 0) {
			no_body++;
			continue;
		}
		joined = all == NULL ? text : xasprintf("%s\f%s", all, text);
		if (joined != text) {
			free(all);
			free(text);
		}
		all = joined;
		(*printed)++;
	}
	if (all == NULL)
		status_msg(&t->status, "%s", no_body == 1 ? _("This message's "
		    "body is not stored yet; try again when it is.") :
		    _("These messages' bodies are not stored yet; try again "
		    "when they are."));
	else
		*len = strlen(all);
	return all;
}

void
shell_act_print(struct tui *t)
{
	const char	*cmd = t->cfg->print_command;
	char		*text, *out;
	size_t		 len, olen, printed;
	int		 rc;

	if (cmd == NULL) {
		status_msg(&t->status, _("print_command is not set in the "
		    "[general] section of the configuration file."));
		return;
	}
	if (t->st == NULL || act_targets(t) == 0 ||
	    (text = print_text(t, &len, &printed)) == NULL)
		return;
	rc = feed_command(t, cmd, text, len, &out, &olen);
	free(text);
	if (rc < 0)
		return;
	act_targets_used(t);
	if (rc != 0)
		show_output(t, cmd, rc, out, olen);
	else if (printed == t->npend && printed == 1)
		status_msg(&t->status, _("The message went to %s."), cmd);
	else if (printed == t->npend)
		status_msg(&t->status, _("%zu messages went to %s."), printed,
		    cmd);
	else
		status_msg(&t->status, _("%zu of the %zu messages went to %s; "
		    "the others are not stored offline yet."), printed,
		    t->npend, cmd);
	free(out);
}

/* ---- links ------------------------------------------------------------------ */

static void
urls_clear(struct tui *t)
{
	app_urls_free(t->urls, t->nurls);
	t->urls = NULL;
	t->nurls = 0;
}

static void
open_url_done(struct tui *t, const char *text)
{
	struct perr	 err;
	char		*end, *cmd;
	unsigned long	 n;
	int		 rc;

	if (*text == '\0' || t->nurls == 0)
		return;
	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > t->nurls) {
		status_msg(&t->status, _("There is no link number %s; the "
		    "numbers go from 1 to %zu."), text, t->nurls);
		return;
	}
	/* Back from the list first: the command may take the terminal. */
	t->view = t->help_back;
	t->dirty |= TUI_DIRTY_MAIN | TUI_DIRTY_STATUS;
	/* The link is "$1" to the shell, never parsed by it. */
	cmd = xasprintf("%s \"$1\"", t->cfg->url_command);
	rc = run_interactive(t, cmd, t->urls[n - 1], &err);
	free(cmd);
	if (rc < 0 || rc == 127)
		status_error(&t->status, "%s", err.msg);
	else if (rc != 0)
		status_msg(&t->status, _("%s exited with status %d."),
		    t->cfg->url_command, rc);
	else
		status_msg(&t->status, _("Opened %s with %s."), t->urls[n - 1],
		    t->cfg->url_command);
}

void
shell_act_open_url(struct tui *t)
{
	char	*text, *list, *title;
	size_t	 i, cap, len;
	int64_t	 id;
	int	 rc;

	if (t->cfg->url_command == NULL) {
		status_msg(&t->status, _("url_command is not set in the "
		    "[general] section of the configuration file."));
		return;
	}
	if ((id = act_current(t)) == 0 || t->st == NULL) {
		status_msg(&t->status, _("no message selected"));
		return;
	}
	if ((rc = render_id(t, id, &text)) != 0) {
		if (rc > 0)
			status_msg(&t->status, _("This message's body is not "
			    "stored yet; try again when it is."));
		return;
	}
	urls_clear(t);
	t->nurls = app_urls(text, &t->urls);
	free(text);
	if (t->nurls == 0) {
		status_msg(&t->status, _("This message has no links."));
		return;
	}
	for (i = 0, cap = 1; i < t->nurls; i++)
		cap += strlen(t->urls[i]) + 32;
	list = xmalloc(cap);
	for (i = 0, len = 0; i < t->nurls; i++)
		len += (size_t)snprintf(list + len, cap - len, "%3zu  %s\n",
		    i + 1, t->urls[i]);
	title = xasprintf(ngettext("%zu link in the message",
	    "%zu links in the message", t->nurls), t->nurls);
	view_show_output(t, title, list, len, output_back(t));
	free(title);
	free(list);
	prompt_start(&t->prompt, _("Open which link? Type its number: "),
	    open_url_done, NULL);
}
