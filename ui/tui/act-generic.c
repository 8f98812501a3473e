/*
 * act-generic.c - the actions of every view: quit, help, opening
 * folders, the sidebar, redraw, sync and going offline.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

void
generic_act_quit(struct tui *t)
{
	t->quit = true;
}

/* The help text is the key map's (keys.c, above the actions): tui.c
 * shows it once the key is done. */
void
generic_act_help(struct tui *t)
{
	t->help_wanted = true;
}

/* Open what text names: a folder of the open account, or
 * "ACCOUNT/FOLDER" of any (sidebar_lookup). */
void
generic_open_named(struct tui *t, const char *text)
{
	const struct sb_entry	*e;
	long			 i;

	if (*text == '\0')
		return;
	if ((i = sidebar_lookup(&t->sb, t->cfg, t->account, text)) < 0) {
		status_msg(&t->status, _("no folder named '%s' (Tab "
		    "completes; ACCOUNT/FOLDER for another account's)"),
		    text);
		return;
	}
	e = &t->sb.e[i];
	if (e->container) {
		status_msg(&t->status, _("%s holds folders only, no "
		    "messages"), e->name);
		return;
	}
	view_open_folder(t, e->account, e->folder_id);
}

static void
folder_done(struct tui *t, const char *text)
{
	generic_open_named(t, text);
}

static const char **
folder_complete(struct tui *t, const char *text, size_t *n)
{
	return sidebar_complete_paths(&t->sb, t->account, text, n);
}

void
generic_act_change_folder(struct tui *t)
{
	prompt_start(&t->prompt, _("Open folder: "), folder_done,
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
		status_msg(&t->status, _("%s holds folders only, no messages"),
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
		status_msg(&t->status, _("%s: no folders stored yet; run posta "
		    "sync"), e->name);
		return;
	}
	/* Said after the open, which may reload the sidebar (and e). */
	why = e->unsynced;
	name = why != NULL ? xstrdup(e->name) : NULL;
	view_open_folder(t, e->account, e->folder_id);
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
