/*
 * autoview.c - auto_view (posta.conf(5)): the parts of the open message
 * whose types the setting lists, shown at the end of the pager's text
 * through their mailcap entries marked copiousoutput, as mutt's auto_view.
 *
 * The part goes to a file of a safe name in a private directory (as
 * attach.c's viewers); the command gets that file as "$1" (mailcap's %s)
 * or on its standard input, never text of the message on its command
 * line. Its output is bounded in size and time (run_capture) and
 * sanitised before it reaches the screen (pager_append). The parts the
 * pager shows itself (the body's text/plain and text/html) are left to
 * the built-in renderer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/tui-int.h"

/* Parts run through a viewer for one message: a bound on the work. */
#define AUTOVIEW_MAX_PARTS	8

static bool
listed(const struct config *cfg, const char *type)
{
	size_t		i;
	const char	*slash;

	for (i = 0; i < cfg->nauto_view; i++) {
		slash = strchr(cfg->auto_view[i], '/');
		if (strcasecmp(cfg->auto_view[i], type) == 0 ||
		    (slash != NULL && strcmp(slash, "/*") == 0 &&
		    strncasecmp(cfg->auto_view[i], type,
		    (size_t)(slash - cfg->auto_view[i]) + 1) == 0))
			return true;
	}
	return false;
}

/* The viewer's output for part p of raw, malloc'd; NULL with *why. */
static char *
view_part(const struct mail_part *p, const struct mailcap_entry *e,
    const char *raw, size_t len, size_t *outlen, struct perr *err)
{
	char	*bytes, *dir, *name, *path, *cmd, *full, *out = NULL;
	size_t	 n;
	bool	 with_file;
	int	 rc;

	if (mail_part_decode(raw, len, p->id, &bytes, &n, err) != 0)
		return NULL;
	if ((dir = run_tmpdir(err)) == NULL) {
		free(bytes);
		return NULL;
	}
	name = mailcap_safe_name(p->filename, "part");
	path = xasprintf("%s/%s", dir, name);
	if (run_write_file(path, bytes, n, true, err) == 0) {
		cmd = mailcap_command(e, path, p->type, &with_file);
		/* No %s: the file goes on the standard input (RFC 1524). */
		full = with_file ? xstrdup(cmd) : xasprintf("%s <\"$1\"", cmd);
		rc = run_capture(full, path, NULL, &out, outlen, err);
		if (rc < 0) {
			free(out);
			out = NULL;
		}
		free(full);
		free(cmd);
	}
	run_rmdir(dir);
	free(path);
	free(name);
	free(dir);
	free(bytes);
	return out;
}

void
autoview_append(struct tui *t)
{
	struct mail_part	*parts = NULL;
	struct mailcap_entry	 e;
	struct perr		 err;
	void			*body;
	char			*mc = NULL, *out, *head;
	size_t			 len, n = 0, i, outlen, done = 0;

	if (t->cfg->nauto_view == 0 || t->pg.msg_id == 0 || t->pg.loading ||
	    t->pg.mode == PG_RAW || t->st == NULL)
		return;
	if (store_body_get(t->st, t->pg.msg_id, &body, &len, &err) != 0)
		return;
	if (mail_attachments(body, len, &parts, &n, &err) != 0)
		n = 0;
	for (i = 0; i < n && done < AUTOVIEW_MAX_PARTS; i++) {
		if (parts[i].role == MAIL_PART_BODY || parts[i].is_message ||
		    !listed(t->cfg, parts[i].type))
			continue;
		if (mc == NULL)
			mc = mailcap_path();
		if (mailcap_find(mc, parts[i].type, &e) != 1)
			continue;
		if (e.copiousoutput) {
			done++;
			out = view_part(&parts[i], &e, body, len, &outlen,
			    &err);
			head = out != NULL ? xasprintf(_("\n[-- %s %s, shown "
			    "by '%s' --]\n"), parts[i].id, parts[i].type,
			    e.command) : xasprintf(_("\n[-- %s %s: %s --]\n"),
			    parts[i].id, parts[i].type, err.msg);
			pager_append(&t->pg, head, strlen(head));
			if (out != NULL)
				pager_append(&t->pg, out, outlen);
			free(head);
			free(out);
		}
		mailcap_entry_free(&e);
	}
	free(mc);
	mail_parts_free(parts, n);
	free(body);
}
