/*
 * attach.c - the pager's attachment list ('v'): every part of the message
 * (mail_attachments), saved to a file ('s') or opened through mailcap
 * (Enter).
 *
 * Saving: the name offered is the part's file name made safe (no
 * directories, no leading dots), an existing file is overwritten only
 * after the user said so, and the file is made 0600: it is somebody's
 * mail. Opening: the part goes to a file of that safe name in a private
 * directory (0700, the file 0600, O_EXCL), the viewer runs with curses
 * suspended or, for copiousoutput entries, with its output shown in the
 * pager, and the directory is removed afterwards. A text part without a
 * mailcap entry is shown in the pager as a body is (HTML rendered).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tui/tui-int.h"

static void
parts_clear(struct att_view *av)
{
	mail_parts_free(av->parts, av->n);
	av->parts = NULL;
	av->n = av->sel = av->top = 0;
	av->msg_id = 0;
}

void
attach_free(struct tui *t)
{
	parts_clear(&t->att);
	free(t->att.save_path);
	t->att.save_path = NULL;
	compose_cands_free(&t->att.cands, &t->att.ncands);
}

/* The stored message; -1 with words for the user when it is not here. */
static int
message_bytes(struct tui *t, int64_t id, char **raw, size_t *len)
{
	struct perr	 err;
	void		*body;

	if (store_body_get(t->st, id, &body, len, &err) != 0) {
		if (err.code == PERR_NOTFOUND) {
			status_msg(&t->status, _("this message's body is not "
			    "stored yet"));
			workers_fetch_body(t, id);
		} else
			status_error(&t->status, "%s", err.msg);
		return -1;
	}
	*raw = body;
	return 0;
}

void
attach_act_open(struct tui *t)
{
	struct perr	 err;
	char		*raw;
	size_t		 len;
	int64_t		 id;

	if (t->view == TUI_VIEW_INDEX)
		view_open_message(t, PG_TEXT);
	if (t->view != TUI_VIEW_PAGER || (id = t->pg.msg_id) == 0)
		return;
	if (message_bytes(t, id, &raw, &len) != 0)
		return;
	parts_clear(&t->att);
	if (mail_attachments(raw, len, &t->att.parts, &t->att.n, &err) != 0)
		status_error(&t->status, "%s", err.msg);
	free(raw);
	t->att.msg_id = id;
	t->view = TUI_VIEW_ATTACH;
	t->dirty |= TUI_DIRTY_MAIN | TUI_DIRTY_STATUS;
}

void
attach_act_exit(struct tui *t)
{
	struct perr	err;
	int		w, h;

	/* The pager may show a viewer's output or the help: the message. */
	if (t->pg.msg_id != t->att.msg_id && t->att.msg_id != 0) {
		if (pager_open(&t->pg, t->st, t->att.msg_id, PG_TEXT,
		    &err) != 0)
			status_error(&t->status, "%s", err.msg);
		else
			autoview_append(t);
		draw_main_size(t, &w, &h);
		t->pg.width = 0;
		pager_resize(&t->pg, w, h);
	}
	t->view = TUI_VIEW_PAGER;
	t->dirty |= TUI_DIRTY_MAIN | TUI_DIRTY_STATUS;
}

void
attach_act_next(struct tui *t)
{
	if (t->att.sel + 1 < t->att.n)
		t->att.sel++;
}

void
attach_act_prev(struct tui *t)
{
	if (t->att.sel > 0)
		t->att.sel--;
}

static const struct mail_part *
selected(struct tui *t)
{
	if (t->att.n == 0) {
		status_msg(&t->status, _("no part selected"));
		return NULL;
	}
	return &t->att.parts[t->att.sel];
}

/* The selected part's bytes; -1 (said) on failure. */
static int
part_bytes(struct tui *t, const struct mail_part *p, char **bytes,
    size_t *n)
{
	struct perr	 err;
	char		*raw;
	size_t		 len;
	int		 rc;

	if (message_bytes(t, t->att.msg_id, &raw, &len) != 0)
		return -1;
	rc = mail_part_decode(raw, len, p->id, bytes, n, &err);
	free(raw);
	if (rc != 0)
		status_error(&t->status, "%s", err.msg);
	return rc;
}

char *
attach_expand_home(const char *path)
{
	const char	*home = getenv("HOME");

	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') &&
	    home != NULL)
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

static void
save_to(struct tui *t, const char *path, bool overwrite)
{
	const struct mail_part	*p = selected(t);
	struct perr		 err;
	char			*bytes;
	size_t			 n;

	if (p == NULL || part_bytes(t, p, &bytes, &n) != 0)
		return;
	if (run_write_file(path, bytes, n, !overwrite, &err) != 0)
		status_error(&t->status, "%s", err.msg);
	else
		status_msg(&t->status, _("saved %zu bytes to %s"), n, path);
	free(bytes);
}

static void
overwrite_done(struct tui *t, const char *answer)
{
	char	*path = t->att.save_path;

	t->att.save_path = NULL;
	if (path != NULL && strcmp(answer, "y") == 0)
		save_to(t, path, true);
	else if (path != NULL)
		status_msg(&t->status, _("not saved"));
	free(path);
}

static void
save_done(struct tui *t, const char *text)
{
	struct stat	 sb;
	char		*path, *label;

	if (*text == '\0')
		return;
	path = attach_expand_home(text);
	if (lstat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			status_msg(&t->status, _("%s is a directory"), path);
			free(path);
			return;
		}
		free(t->att.save_path);
		t->att.save_path = path;
		/* TRANSLATORS: the answer is y or n, whatever the language. */
		label = xasprintf(_("%s exists: overwrite? (y/n) "), text);
		prompt_ask(&t->prompt, label, overwrite_done);
		free(label);
		return;
	}
	save_to(t, path, false);
	free(path);
}

static const char **
path_complete(struct tui *t, const char *text, size_t *n)
{
	return compose_path_complete(&t->att.cands, &t->att.ncands, text, n);
}

void
attach_act_save(struct tui *t)
{
	const struct mail_part	*p = selected(t);
	char			*name;

	if (p == NULL)
		return;
	name = mailcap_safe_name(p->filename, p->is_message ? "message.eml" :
	    "attachment");
	prompt_start_with(&t->prompt, _("Save to file: "), name, save_done,
	    path_complete);
	free(name);
}

/* ---- opening through mailcap ------------------------------------------------ */

static void
run_viewer(struct tui *t, const struct mail_part *p,
    const struct mailcap_entry *e, const char *path)
{
	struct perr	 err;
	char		*cmd, *full, *out, *title;
	size_t		 len;
	bool		 with_file;
	int		 rc;

	cmd = mailcap_command(e, path, p->type, &with_file);
	/* No %s: the file goes on the standard input (RFC 1524). */
	full = with_file ? xstrdup(cmd) : xasprintf("%s <\"$1\"", cmd);
	if (e->copiousoutput) {
		rc = run_capture(full, path, NULL, &out, &len, &err);
		if (rc < 0)
			status_error(&t->status, "%s", err.msg);
		else {
			title = xasprintf("%s (%s)", p->filename[0] != '\0' ?
			    p->filename : p->type, e->command);
			view_show_output(t, title, out, len, TUI_VIEW_ATTACH);
			free(title);
			if (rc != 0)
				status_msg(&t->status, _("the viewer exited "
				    "with status %d"), rc);
		}
		free(out);
	} else {
		rc = run_interactive(t, full, path, &err);
		if (rc < 0 || rc == 127)
			status_error(&t->status, "%s", err.msg);
		else if (rc != 0)
			status_msg(&t->status, _("the viewer exited with status "
			    "%d"), rc);
	}
	free(full);
	free(cmd);
}

/* A text part without a mailcap entry: as the pager shows a body (its
 * charset, HTML through the built-in renderer), not its source. */
static void
show_text_part(struct tui *t, const struct mail_part *p)
{
	struct perr	 err;
	char		*raw, *text;
	size_t		 len;

	if (message_bytes(t, t->att.msg_id, &raw, &len) != 0)
		return;
	if (mail_part_render(raw, len, p->id, &text, &err) != 0)
		status_error(&t->status, "%s", err.msg);
	else
		view_show_output(t, p->filename[0] != '\0' ? p->filename :
		    p->type, text, strlen(text), TUI_VIEW_ATTACH);
	free(text);
	free(raw);
}

void
attach_act_view(struct tui *t)
{
	const struct mail_part	*p = selected(t);
	struct mailcap_entry	 e;
	struct perr		 err;
	char			*mc, *bytes, *dir, *name, *path;
	size_t			 n;

	if (p == NULL)
		return;
	mc = mailcap_path();
	if (mailcap_find(mc, p->type, &e) == 0) {
		if (strncasecmp(p->type, "text/", 5) == 0)
			show_text_part(t, p);
		else
			status_msg(&t->status, _("no mailcap entry for %s (s "
			    "saves it)"), p->type);
		free(mc);
		return;
	}
	free(mc);
	if (part_bytes(t, p, &bytes, &n) != 0) {
		mailcap_entry_free(&e);
		return;
	}
	if ((dir = run_tmpdir(&err)) == NULL) {
		status_error(&t->status, "%s", err.msg);
		mailcap_entry_free(&e);
		free(bytes);
		return;
	}
	name = mailcap_safe_name(p->filename, "attachment");
	path = xasprintf("%s/%s", dir, name);
	if (run_write_file(path, bytes, n, true, &err) != 0)
		status_error(&t->status, "%s", err.msg);
	else
		run_viewer(t, p, &e, path);
	run_rmdir(dir);
	free(path);
	free(name);
	free(dir);
	free(bytes);
	mailcap_entry_free(&e);
}
