/*
 * act-generic.c - the actions of every view: quit, help, the ':' prompt,
 * opening folders, the sidebar, redraw, sync and going offline.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

void
generic_act_quit(struct tui *t)
{
	t->quit = true;
}

void
generic_act_help(struct tui *t)
{
	tui_show_help(t);
}

static void
command_done(struct tui *t, const char *text)
{
	const struct tui_action	*a;
	char			*name = xstrdup(text), *p, *q;

	for (p = name; *p == ' '; p++)
		;
	for (q = p + strlen(p); q > p && q[-1] == ' '; q--)
		*--q = '\0';
	if (*p == '\0' || search_command(t, p)) {
		free(name);
		return;
	}
	if ((a = action_find(p, tui_ctx(t))) != NULL)
		a->fn(t);
	else if (action_find(p, TUI_CTX_ANY) != NULL)
		status_msg(&t->status, "%s: not available here", p);
	else
		status_msg(&t->status, "no action named '%s' (Tab completes, "
		    "? lists them)", p);
	free(name);
}

static const char **
command_complete(struct tui *t, const char *text, size_t *n)
{
	return action_complete(tui_ctx(t), text, n);
}

void
generic_act_command(struct tui *t)
{
	prompt_start(&t->prompt, ":", command_done, command_complete);
}

static void
folder_done(struct tui *t, const char *text)
{
	size_t	i;

	if (*text == '\0')
		return;
	for (i = 0; i < t->sb.n; i++)
		if (t->sb.e[i].account == t->account &&
		    t->sb.e[i].folder_id != 0 && !t->sb.e[i].container &&
		    strcmp(t->sb.e[i].name, text) == 0) {
			tui_open_folder(t, t->account, t->sb.e[i].folder_id);
			return;
		}
	status_msg(&t->status, "no folder named '%s' (Tab completes)", text);
}

static const char **
folder_complete(struct tui *t, const char *text, size_t *n)
{
	return sidebar_complete(&t->sb, t->account, text, n);
}

void
generic_act_change_folder(struct tui *t)
{
	prompt_start(&t->prompt, "Open folder: ", folder_done,
	    folder_complete);
}

void
generic_act_sidebar_toggle(struct tui *t)
{
	t->sb.visible = !t->sb.visible;
	t->dirty |= TUI_DIRTY_LAYOUT;
}

void
generic_act_sidebar_next(struct tui *t)
{
	if (!t->sb.visible)
		generic_act_sidebar_toggle(t);
	sidebar_move(&t->sb, 1);
	t->dirty |= TUI_DIRTY_SIDEBAR;
}

void
generic_act_sidebar_prev(struct tui *t)
{
	if (!t->sb.visible)
		generic_act_sidebar_toggle(t);
	sidebar_move(&t->sb, -1);
	t->dirty |= TUI_DIRTY_SIDEBAR;
}

void
generic_act_sidebar_open(struct tui *t)
{
	const struct sb_entry	*e;
	const char		*why;
	char			*name;

	if (t->sb.n == 0)
		return;
	e = &t->sb.e[t->sb.sel];
	if (e->container) {
		status_msg(&t->status, "%s holds folders only, no messages",
		    e->name);
		return;
	}
	if (e->search != NULL) {
		name = xstrdup(e->name);
		(void)search_view_open(t, name, e->search);
		free(name);
		return;
	}
	if (e->folder_id == 0) {
		status_msg(&t->status, "%s: no folders stored yet; run posta "
		    "sync", e->name);
		return;
	}
	/* Said after the open, which may reload the sidebar (and e). */
	why = e->unsynced;
	name = why != NULL ? xstrdup(e->name) : NULL;
	tui_open_folder(t, e->account, e->folder_id);
	if (why != NULL)
		status_msg(&t->status, "%s: %s", name, why);
	free(name);
}

void
generic_act_redraw(struct tui *t)
{
	t->dirty |= TUI_DIRTY_ALL | TUI_DIRTY_CLEAR;
}

void
generic_act_sync(struct tui *t)
{
	workers_sync_now(t);
}

void
generic_act_toggle_online(struct tui *t)
{
	workers_toggle_online(t);
}
