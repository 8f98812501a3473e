/*
 * actions.c - every action the UI can do, by name, in one table, and the
 * ':' prompt that runs one by name (its body needs the table). The key
 * map (keys.c), the ':' prompt with completion and the help screen all
 * come from this table, so every binding has a name and the help is
 * always the live map. The bodies live with their view: act-generic.c,
 * act-index.c, act-pager.c, act.c (mail), attach.c, compose.c, shell.c,
 * search.c.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

/* The ':' prompt runs actions by name: it lives with the table. */
static void	actions_prompt(struct tui *);

#define I	TUI_CTX_INDEX
#define P	TUI_CTX_PAGER
#define A	TUI_CTX_ALL
#define X	TUI_CTX_ATTACH
#define C	TUI_CTX_COMPOSE
#define H	TUI_CTX_ANY

const struct tui_action tui_actions[] = {
	{ "quit", I, N_("leave posta"), generic_act_quit },
	{ "help", H, N_("this screen: the key map as it is now"),
	    generic_act_help },
	{ "command-prompt", H, N_("run an action or a command by name, "
	    "with its arguments (Tab completes)"),
	    actions_prompt },
	{ "change-folder", A, N_("open another folder (Tab completes)"),
	    generic_act_change_folder },
	{ "sidebar-toggle", A, N_("show or hide the folder list"),
	    generic_act_sidebar_toggle },
	{ "sidebar-next", A, N_("highlight the next folder"),
	    generic_act_sidebar_next },
	{ "sidebar-prev", A, N_("highlight the previous folder"),
	    generic_act_sidebar_prev },
	{ "sidebar-open", A, N_("open the highlighted folder"),
	    generic_act_sidebar_open },
	{ "create-folder", A, N_("create a folder in the highlighted "
	    "account (also :mkdir NAME)"), folder_act_create },
	{ "rename-folder", A, N_("rename the highlighted folder (also "
	    ":rename OLD NEW)"), folder_act_rename },
	{ "delete-folder", A, N_("delete the highlighted folder, after "
	    "asking (also :rmdir NAME)"), folder_act_delete },
	{ "redraw", H, N_("clear and redraw the screen"), generic_act_redraw },
	{ "sync-now", H, N_("synchronise every account now (journal first)"),
	    generic_act_sync },
	{ "toggle-online", H, N_("go offline (no network at all) or back online"),
	    generic_act_toggle_online },

	{ "next-entry", I, N_("move to the next message"), index_act_next_entry },
	{ "previous-entry", I, N_("move to the previous message"),
	    index_act_prev_entry },
	{ "next-page", I, N_("move down one screen"), index_act_next_page },
	{ "previous-page", I, N_("move up one screen"), index_act_prev_page },
	{ "first-entry", I, N_("move to the first message"),
	    index_act_first_entry },
	{ "last-entry", I, N_("move to the last message"), index_act_last_entry },
	{ "display-message", I, N_("read the selected message"),
	    index_act_display },
	{ "display-raw", I, N_("show the full source of the selected message"),
	    index_act_display_raw },
	{ "display-headers", I, N_("read the selected message with every "
	    "header field"), index_act_display_headers },
	{ "search", I, N_("find the next message matching a query (doc/SEARCH.md)"),
	    search_act_find },
	{ "search-next", I, N_("find the next match of the last search"),
	    search_act_find_next },
	{ "search-all", A, N_("search every folder of every account; the "
	    "results are a folder (also :search QUERY)"), search_act_all },
	{ "limit", I, N_("show only the messages matching a query (empty or "
	    "all: every one)"), search_act_limit },
	{ "next-unread", I, N_("go to the next unread message"),
	    index_act_next_unread },
	{ "previous-unread", I, N_("go to the previous unread message"),
	    index_act_prev_unread },
	{ "toggle-threads", I, N_("switch between threaded and flat view"),
	    index_act_toggle_threads },
	{ "collapse-thread", I, N_("collapse the thread to one row, or expand it"),
	    index_act_collapse_thread },
	{ "collapse-all", I, N_("collapse every thread, or expand them all"),
	    index_act_collapse_all },
	{ "next-thread", I, N_("go to the next thread"), index_act_next_thread },
	{ "previous-thread", I, N_("go to the previous thread"),
	    index_act_prev_thread },
	{ "sort", I, N_("sort by date, from, subject or size (Tab completes)"),
	    index_act_sort },
	{ "sort-reverse", I, N_("reverse the sort order (flat view)"),
	    index_act_sort_reverse },
	{ "sort-date", I, N_("sort by date, newest first"), index_act_sort_date },
	{ "sort-from", I, N_("sort by sender, A to Z (flat view)"),
	    index_act_sort_from },
	{ "sort-subject", I, N_("sort by subject without Re:, A to Z (flat "
	    "view)"), index_act_sort_subject },
	{ "sort-size", I, N_("sort by size, largest first (flat view)"),
	    index_act_sort_size },

	{ "delete-message", A, N_("delete: to Trash (in Trash: mark deleted)"),
	    act_mail_delete },
	{ "undelete-message", A, N_("clear the deleted mark"), act_mail_undelete },
	{ "save-message", A, N_("move to a folder (Tab completes)"),
	    act_mail_save },
	{ "copy-message", A, N_("copy to a folder (Tab completes)"),
	    act_mail_copy },
	{ "flag-message", A, N_("flag or unflag"), act_mail_flag },
	{ "toggle-new", A, N_("mark read or new"), act_mail_toggle_new },
	{ "archive-message", A, N_("move to the Archive folder"),
	    act_mail_archive },
	{ "sync-mailbox", A, N_("expunge the deleted messages of this folder, "
	    "then synchronise now"), act_mail_sync_mailbox },
	{ "expunge", A, N_("remove the deleted messages of this folder"),
	    act_mail_expunge },
	{ "tag-entry", A, N_("tag or untag the message"), act_mail_tag },
	{ "tag-prefix", A, N_("apply the next action to the tagged messages"),
	    act_mail_tag_prefix },
	{ "tag-thread", A, N_("tag or untag the whole thread"),
	    act_mail_tag_thread },
	{ "untag-all", A, N_("untag every message"), act_mail_untag_all },
	{ "delete-thread", A, N_("delete the whole thread"),
	    act_mail_delete_thread },
	{ "undelete-thread", A, N_("undelete the whole thread"),
	    act_mail_undelete_thread },
	{ "read-thread", A, N_("mark the whole thread read"),
	    act_mail_read_thread },
	{ "mail", A, N_("write a new message"), compose_act_new },
	{ "reply", A, N_("reply to the sender"), compose_act_reply },
	{ "group-reply", A, N_("reply to the sender and every recipient"),
	    compose_act_group_reply },
	{ "list-reply", A, N_("reply to the mailing list (its List-Post)"),
	    compose_act_list_reply },
	{ "list-unsubscribe", A, N_("unsubscribe: a mailto: request to send, "
	    "or the link shown"), compose_act_list_unsubscribe },
	{ "forward-message", A, N_("forward (inline or as an attachment)"),
	    compose_act_forward },
	{ "resume-draft", A, N_("continue a postponed message (a draft)"),
	    compose_act_resume },
	{ "view-attachments", A, N_("list the parts: save or open them"),
	    attach_act_open },
	{ "pipe-message", A, N_("give the raw message to a command, show its "
	    "output"), shell_act_pipe },
	{ "pipe-text", A, N_("give the decoded text to a command, show its "
	    "output"), shell_act_pipe_text },
	{ "save-to-file", A, N_("append the message (or the tagged ones) to an "
	    "mbox file"), shell_act_save_file },
	{ "bounce-message", A, N_("remail the message untouched to other "
	    "addresses (Resent-* headers)"), shell_act_bounce },
	{ "print-message", A, N_("give the message's text (or the tagged ones') "
	    "to print_command"), shell_act_print },
	{ "open-url", A, N_("list the message's links; open the chosen one "
	    "with url_command"), shell_act_open_url },

	{ "exit", P, N_("back to the index"), pager_act_exit },
	{ "next-line", P, N_("scroll down one line"), pager_act_next_line },
	{ "previous-line", P, N_("scroll up one line"), pager_act_prev_line },
	{ "next-page", P, N_("scroll down one screen"), pager_act_next_page },
	{ "previous-page", P, N_("scroll up one screen"), pager_act_prev_page },
	{ "top", P, N_("go to the top of the message"), pager_act_top },
	{ "bottom", P, N_("go to the end of the message"), pager_act_bottom },
	{ "search", P, N_("find text in the message"), pager_act_search },
	{ "search-next", P, N_("find the next match"), pager_act_search_next },
	{ "toggle-raw", P, N_("switch between the message and its full source"),
	    pager_act_toggle_raw },
	{ "toggle-headers", P, N_("show every header field, or the usual "
	    "few again"), pager_act_toggle_headers },
	{ "next-entry", P, N_("read the next message"), pager_act_next_msg },
	{ "previous-entry", P, N_("read the previous message"),
	    pager_act_prev_msg },
	{ "next-unread", P, N_("read the next unread message"),
	    pager_act_next_unread },

	{ "exit", X, N_("back to the message"), attach_act_exit },
	{ "next-entry", X, N_("select the next part"), attach_act_next },
	{ "previous-entry", X, N_("select the previous part"), attach_act_prev },
	{ "save-attachment", X, N_("save the part to a file"),
	    attach_act_save },
	{ "view-attachment", X, N_("open the part through mailcap"),
	    attach_act_view },

	{ "send-message", C, N_("send (through the outbox)"), compose_act_send },
	{ "postpone-message", C, N_("keep it in Drafts for later"),
	    compose_act_postpone },
	{ "abort-message", C, N_("throw the message away"), compose_act_abort },
	{ "edit-message", C, N_("edit the message in $VISUAL / $EDITOR"),
	    compose_act_edit },
	{ "attach-file", C, N_("attach a file (Tab completes paths)"),
	    compose_act_attach },
	{ "detach-file", C, N_("remove the selected attachment"),
	    compose_act_detach },
	{ "edit-from", C, N_("choose From among the identities (Tab lists them)"),
	    compose_act_from },
	{ "edit-to", C, N_("edit To (Tab completes addresses)"), compose_act_to },
	{ "edit-cc", C, N_("edit Cc (Tab completes addresses)"), compose_act_cc },
	{ "edit-bcc", C, N_("edit Bcc (Tab completes addresses)"),
	    compose_act_bcc },
	{ "edit-subject", C, N_("edit the subject"), compose_act_subject },
	{ "next-entry", C, N_("select the next attachment"), compose_act_next },
	{ "previous-entry", C, N_("select the previous attachment"),
	    compose_act_prev },
};
const size_t tui_nactions = sizeof tui_actions / sizeof tui_actions[0];

#undef I
#undef P
#undef A
#undef X
#undef C
#undef H

const struct tui_action *
action_find(const char *name, unsigned ctx)
{
	size_t	i;

	for (i = 0; i < tui_nactions; i++)
		if ((tui_actions[i].ctx & ctx) != 0 &&
		    strcmp(tui_actions[i].name, name) == 0)
			return &tui_actions[i];
	return NULL;
}

const char **
action_complete(unsigned ctx, const char *prefix, size_t *n)
{
	const char	**out = xcalloc(tui_nactions + 1, sizeof *out);
	size_t		 i, j, len = strlen(prefix);
	bool		 dup;

	*n = 0;
	for (i = 0; i < tui_nactions; i++) {
		if ((tui_actions[i].ctx & ctx) == 0 ||
		    strncmp(tui_actions[i].name, prefix, len) != 0)
			continue;
		dup = false;
		for (j = 0; j < *n; j++)
			if (strcmp(out[j], tui_actions[i].name) == 0)
				dup = true;
		if (!dup)
			out[(*n)++] = tui_actions[i].name;
	}
	out[*n] = NULL;
	return out;
}

/* ---- the ':' prompt: a name and its arguments ----------------------------- */

/*
 * Commands that take arguments. ":NAME ARGS" runs the command; ":NAME"
 * alone runs the action of that name if there is one (its prompt asks
 * for what is missing), else says which argument is missing. Arguments:
 * a command of one argument takes the rest of the line ("Sent Messages"
 * needs no quotes; quotes around it are taken off), raw ones as typed
 * (queries have quoting of their own); two arguments are two words,
 * "double quotes" (with \" and \\) around one holding spaces.
 */
struct command {
	const char	*name;
	unsigned	 ctx;
	int		 min, max;	/* arguments */
	bool		 raw;		/* the one argument as typed */
	const char	*usage;		/* the arguments, for the error */
	void		(*fn)(struct tui *, char **argv, int argc);
};

static void
cmd_mkdir(struct tui *t, char **argv, int argc)
{
	(void)argc;
	folder_cmd_mkdir(t, argv[0]);
}

static void
cmd_rename(struct tui *t, char **argv, int argc)
{
	(void)argc;
	folder_cmd_rename(t, argv[0], argv[1]);
}

static void
cmd_rmdir(struct tui *t, char **argv, int argc)
{
	(void)argc;
	folder_cmd_rmdir(t, argv[0]);
}

static void
cmd_move(struct tui *t, char **argv, int argc)
{
	(void)argc;
	act_mail_move_to(t, argv[0]);
}

static void
cmd_copy(struct tui *t, char **argv, int argc)
{
	(void)argc;
	act_mail_copy_to(t, argv[0]);
}

static void
cmd_sort(struct tui *t, char **argv, int argc)
{
	if (argc == 2 && strcmp(argv[1], "reverse") != 0) {
		status_msg(&t->status, _("sort: '%s' after the order: only "
		    "'reverse' may follow it"), argv[1]);
		return;
	}
	index_sort_named(t, argv[0], argc == 2);
}

static void
cmd_limit(struct tui *t, char **argv, int argc)
{
	(void)argc;
	search_limit_to(t, argv[0]);
}

static void
cmd_search(struct tui *t, char **argv, int argc)
{
	(void)argc;
	(void)search_view_open(t, NULL, argv[0]);
}

static void
cmd_change_folder(struct tui *t, char **argv, int argc)
{
	(void)argc;
	generic_open_named(t, argv[0]);
}

static const struct command commands[] = {
	{ "mkdir", TUI_CTX_ALL, 1, 1, false, "FOLDER", cmd_mkdir },
	{ "rename", TUI_CTX_ALL, 2, 2, false, "OLD NEW", cmd_rename },
	{ "rmdir", TUI_CTX_ALL, 1, 1, false, "FOLDER", cmd_rmdir },
	{ "move", TUI_CTX_MAIL, 1, 1, false, "FOLDER", cmd_move },
	{ "save-message", TUI_CTX_MAIL, 1, 1, false, "FOLDER", cmd_move },
	{ "copy", TUI_CTX_MAIL, 1, 1, false, "FOLDER", cmd_copy },
	{ "copy-message", TUI_CTX_MAIL, 1, 1, false, "FOLDER", cmd_copy },
	{ "sort", TUI_CTX_INDEX, 1, 2, false, "date|from|subject|size "
	    "[reverse]", cmd_sort },
	{ "limit", TUI_CTX_INDEX, 1, 1, true, "QUERY", cmd_limit },
	{ "search", TUI_CTX_ALL, 1, 1, true, "QUERY", cmd_search },
	{ "change-folder", TUI_CTX_ALL, 1, 1, false, "[ACCOUNT/]FOLDER",
	    cmd_change_folder },
};
#define NCOMMANDS	(sizeof commands / sizeof commands[0])

bool
actions_command_usage(size_t i, const char **name, const char **usage)
{
	if (i >= NCOMMANDS)
		return false;
	*name = commands[i].name;
	*usage = commands[i].usage;
	return true;
}

static const struct command *
command_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/*
 * Split s (written over) into at most max words: spaces apart, or in
 * double quotes with \" and \\. The number of words, or -1 (said) for an
 * unclosed quote; more than max: max + 1.
 */
static int
split_words(struct tui *t, char *s, char **argv, int max)
{
	char	*w;
	int	 n = 0;

	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return n;
		if (n == max)
			return max + 1;
		argv[n++] = w = s;
		if (*s != '"') {
			while (*s != '\0' && *s != ' ')
				s++;
			if (*s != '\0')
				*s++ = '\0';
			continue;
		}
		for (s++; *s != '"'; s++) {
			if (*s == '\0') {
				status_msg(&t->status, _("a quote opened "
				    "is not closed: %s"), argv[n - 1]);
				return -1;
			}
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			*w++ = *s;
		}
		*w = '\0';
		s++;
	}
}

static void
command_run(struct tui *t, const struct command *c, char *args)
{
	char	*argv[3];
	int	 argc;

	if ((c->ctx & view_ctx(t)) == 0) {
		status_msg(&t->status, _("%s: not available here"), c->name);
		return;
	}
	if (c->raw || (c->max == 1 && *args != '"')) {
		argv[0] = args;
		argc = 1;
	} else if ((argc = split_words(t, args, argv, c->max)) < 0)
		return;
	if (argc > c->max) {
		status_msg(&t->status, _("%s: too many arguments (:%s %s)"),
		    c->name, c->name, c->usage);
		return;
	}
	if (argc < c->min) {
		status_msg(&t->status, _("%s: missing argument (:%s %s)"),
		    c->name, c->name, c->usage);
		return;
	}
	c->fn(t, argv, argc);
}

static void
command_done(struct tui *t, const char *text)
{
	const struct tui_action	*a;
	const struct command	*c;
	char			*line = xstrdup(text), *name, *args, *q;

	for (name = line; *name == ' '; name++)
		;
	for (q = name + strlen(name); q > name && q[-1] == ' '; q--)
		*--q = '\0';
	for (args = name; *args != '\0' && *args != ' '; args++)
		;
	if (*args != '\0')
		*args++ = '\0';
	while (*args == ' ')
		args++;
	if (*name == '\0') {
		free(line);
		return;
	}
	c = command_find(name);
	a = action_find(name, view_ctx(t));
	if (c != NULL && (*args != '\0' || a == NULL)) {
		if (*args == '\0')
			status_msg(&t->status, _("%s: missing argument "
			    "(:%s %s)"), name, name, c->usage);
		else
			command_run(t, c, args);
	} else if (a != NULL && *args != '\0')
		status_msg(&t->status, _("%s takes no argument"), name);
	else if (a != NULL)
		a->fn(t);
	else if (action_find(name, TUI_CTX_ANY) != NULL)
		status_msg(&t->status, _("%s: not available here"), name);
	else
		status_msg(&t->status, _("no command or action named '%s' "
		    "(Tab completes, ? lists them)"), name);
	free(line);
}

/* Action and command names: the first word (what follows is not
 * completed). */
static const char **
command_complete(struct tui *t, const char *text, size_t *n)
{
	const char	**out;
	size_t		 i, j, len = strlen(text);
	bool		 dup;

	if (strchr(text, ' ') != NULL) {
		*n = 0;
		return xcalloc(1, sizeof *out);
	}
	out = action_complete(view_ctx(t), text, n);
	out = xreallocarray(out, *n + NCOMMANDS + 1, sizeof *out);
	for (i = 0; i < NCOMMANDS; i++) {
		if ((commands[i].ctx & view_ctx(t)) == 0 ||
		    strncmp(commands[i].name, text, len) != 0)
			continue;
		for (dup = false, j = 0; j < *n; j++)
			if (strcmp(out[j], commands[i].name) == 0)
				dup = true;
		if (!dup)
			out[(*n)++] = commands[i].name;
	}
	out[*n] = NULL;
	return out;
}

static void
actions_prompt(struct tui *t)
{
	prompt_start(&t->prompt, ":", command_done, command_complete);
}
