/*
 * act.c - acting on mail from the keyboard: flags, delete and undelete,
 * move ("save") and copy, archive, expunge, and the ways of choosing what
 * an action applies to: the selected message (or the one open in the
 * pager), the tagged ones after the tag prefix (';' as in mutt), or a
 * whole thread (the *-thread actions).
 *
 * Every change goes through src/app's app_act_* on a read-write store
 * handle of our own (one transaction: the local rows and the journal
 * entry), then the index is read again from the UI's read-only connection
 * and the account's worker is asked to replay the journal now. Nothing
 * here touches SQL or the network.
 *
 * Tags are cleared after an action used them: a moved message leaves the
 * folder anyway, and a tag left behind on a message the user no longer
 * sees would catch the next action by surprise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/search.h"
#include "tui/tui-int.h"

void
act_free(struct tui *t)
{
	free(t->tags.id);
	memset(&t->tags, 0, sizeof t->tags);
	free(t->pend);
	t->pend = NULL;
	t->npend = 0;
}

/* ---- what an action applies to ------------------------------------------- */

/* The message the user looks at: the pager's, else the selected row. */
int64_t
act_current(const struct tui *t)
{
	const struct ix_row	*r;

	if (t->view == TUI_VIEW_PAGER && t->pg.msg_id != 0)
		return t->pg.msg_id;
	r = ix_selected(&t->ix);
	return r != NULL ? r->id : 0;
}

static size_t	thread_targets(struct tui *);

/* Is the index's selected row a collapsed thread (and the one acted on)? */
static bool
collapsed_selected(const struct tui *t)
{
	const struct ix_row	*r = ix_selected(&t->ix);

	return t->view == TUI_VIEW_INDEX && r != NULL && r->nkids > 0;
}

/*
 * The targets into t->pend: the tagged messages after the tag prefix, else
 * the current one. Returns their number; 0 (with words for the user) when
 * there is none.
 */
static size_t
targets(struct tui *t)
{
	int64_t	id;

	free(t->pend);
	t->pend = NULL;
	t->npend = 0;
	t->pend_tags = t->tag_prefix;
	if (t->tag_prefix) {
		if (t->tags.n == 0) {
			status_msg(&t->status, _("no tagged messages"));
			return 0;
		}
		t->pend = xreallocarray(NULL, t->tags.n, sizeof *t->pend);
		memcpy(t->pend, t->tags.id, t->tags.n * sizeof *t->pend);
		t->npend = t->tags.n;
		return t->npend;
	}
	if ((id = act_current(t)) == 0) {
		status_msg(&t->status, _("no message selected"));
		return 0;
	}
	/* A collapsed thread is one row: the action takes all it holds. */
	if (collapsed_selected(t))
		return thread_targets(t);
	t->pend = xmalloc(sizeof *t->pend);
	t->pend[0] = id;
	t->npend = 1;
	return 1;
}

/*
 * The current message's thread as the index draws it threaded (flat, what
 * the threaded view would draw): not the store's thread_id, which also
 * joins messages that only share a subject and misses replies the view
 * threads by their headers.
 */
static size_t
thread_targets(struct tui *t)
{
	int64_t	id = act_current(t);

	free(t->pend);
	t->pend = NULL;
	t->npend = 0;
	t->pend_tags = false;
	if (id == 0 || t->st == NULL) {
		status_msg(&t->status, _("no message selected"));
		return 0;
	}
	if (ix_thread_of(&t->ix, id, &t->pend, &t->npend) != 0) {
		status_error(&t->status, "%s", t->ix.err.msg);
		free(t->pend);
		t->pend = NULL;
		t->npend = 0;
	}
	if (t->npend == 0) {
		free(t->pend);
		t->pend = xmalloc(sizeof *t->pend);
		t->pend[0] = id;
		t->npend = 1;
	}
	return t->npend;
}

size_t
act_targets(struct tui *t)
{
	return targets(t);
}

void
act_targets_used(struct tui *t)
{
	if (t->pend_tags && !t->cfg->keep_tags)
		tags_clear(&t->tags);
	t->pend_tags = false;
}

/* ---- after an action -------------------------------------------------------- */

/* What an action did, as a sentence with the count, in both numbers. */
struct said {
	const char	*one, *many;
};

static const struct said said_flagged = {
	NN_("%zu message flagged", "%zu messages flagged") };
static const struct said said_unflagged = {
	NN_("%zu message unflagged", "%zu messages unflagged") };
static const struct said said_read = {
	NN_("%zu message marked read", "%zu messages marked read") };
static const struct said said_new = {
	NN_("%zu message marked new", "%zu messages marked new") };
static const struct said said_deleted = {
	NN_("%zu message deleted", "%zu messages deleted") };
static const struct said said_marked_deleted = {
	NN_("%zu message marked deleted", "%zu messages marked deleted") };
static const struct said said_undeleted = {
	NN_("%zu message undeleted", "%zu messages undeleted") };
static const struct said said_archived = {
	NN_("%zu message archived", "%zu messages archived") };
static const struct said said_moved = {
	NN_("%zu message moved", "%zu messages moved") };
static const struct said said_copied = {
	NN_("%zu message copied", "%zu messages copied") };

/*
 * Say what happened, read the store again and push the journal. gone: the
 * messages left the folder, so the pager has nothing to show any more.
 */
static void
acted(struct tui *t, int rc, const struct perr *err, size_t changed,
    const struct said *what, bool gone)
{
	if (rc != 0) {
		status_error(&t->status, "%s", err->msg);
		t->dirty |= TUI_DIRTY_STATUS;
		return;
	}
	/* keep_tags: they stay for the next action, as mutt's auto_tag
	 * users expect; by default an action uses them up. */
	if (t->pend_tags && !t->cfg->keep_tags)
		tags_clear(&t->tags);
	t->pend_tags = false;
	status_msg(&t->status, ngettext(what->one, what->many, changed),
	    changed);
	if (gone && changed > 0 && t->view == TUI_VIEW_PAGER)
		t->view = TUI_VIEW_INDEX;
	view_refresh(t, TUI_REFRESH_INDEX | TUI_REFRESH_SIDEBAR |
	    TUI_REFRESH_JOURNAL);
	if (changed > 0)
		workers_replay(t);
}

/* ---- flags -------------------------------------------------------------------- */

/* Do all the targets have bit? (Read from the store: tags may be off
 * screen.) */
static bool
all_have(struct tui *t, unsigned bit)
{
	struct store_msg	m;
	struct perr		err;
	size_t			i;
	bool			all = true;

	for (i = 0; i < t->npend && all; i++) {
		if (store_msg_get(t->st, t->pend[i], &m, &err) != 0)
			continue;
		all = (m.flags & bit) != 0;
		store_msg_free(&m);
	}
	return all;
}

static void
flags_on_targets(struct tui *t, unsigned add, unsigned del,
    const struct said *what)
{
	struct app_act	*a;
	struct perr	 err;
	size_t		 changed = 0;
	int		 rc;

	if ((a = view_handle(t)) == NULL)
		return;
	rc = app_act_flags(a, t->pend, t->npend, add, del, &changed, &err);
	acted(t, rc, &err, changed, what, false);
}

/* flag off the targets if they all have it, else on them all. */
static void
toggle_on_targets(struct tui *t, unsigned flag, const struct said *on,
    const struct said *off)
{
	if (targets(t) == 0)
		return;
	if (all_have(t, flag))
		flags_on_targets(t, 0, flag, off);
	else
		flags_on_targets(t, flag, 0, on);
}

void
act_mail_flag(struct tui *t)
{
	toggle_on_targets(t, STORE_FLAGGED, &said_flagged, &said_unflagged);
}

void
act_mail_toggle_new(struct tui *t)
{
	toggle_on_targets(t, STORE_SEEN, &said_read, &said_new);
}

void
act_mail_read_thread(struct tui *t)
{
	if (thread_targets(t) == 0)
		return;
	flags_on_targets(t, STORE_SEEN, 0, &said_read);
}

/* ---- delete, undelete, archive ---------------------------------------------- */

static void
delete_targets(struct tui *t)
{
	struct app_act	*a;
	struct perr	 err;
	size_t		 changed = 0;
	int		 rc;

	if ((a = view_handle(t)) == NULL)
		return;
	/* delete_model = mark: \Deleted, gone at the expunge ($). */
	if (t->cfg->delete_model == CONFIG_DELETE_MARK) {
		rc = app_act_flags(a, t->pend, t->npend, STORE_DELETED, 0,
		    &changed, &err);
		acted(t, rc, &err, changed, &said_marked_deleted, false);
		return;
	}
	rc = app_act_delete(a, t->pend, t->npend, &changed, &err);
	acted(t, rc, &err, changed, &said_deleted, true);
}

static void
undelete_targets(struct tui *t)
{
	struct app_act	*a;
	struct perr	 err;
	size_t		 changed = 0;
	int		 rc;

	if ((a = view_handle(t)) == NULL)
		return;
	rc = app_act_undelete(a, t->pend, t->npend, &changed, &err);
	acted(t, rc, &err, changed, &said_undeleted, false);
}

void
act_mail_delete(struct tui *t)
{
	if (targets(t) > 0)
		delete_targets(t);
}

void
act_mail_undelete(struct tui *t)
{
	if (targets(t) > 0)
		undelete_targets(t);
}

void
act_mail_delete_thread(struct tui *t)
{
	if (thread_targets(t) > 0)
		delete_targets(t);
}

void
act_mail_undelete_thread(struct tui *t)
{
	if (thread_targets(t) > 0)
		undelete_targets(t);
}

void
act_mail_archive(struct tui *t)
{
	struct app_act	*a;
	struct perr	 err;
	size_t		 changed = 0;
	int		 rc;

	if (targets(t) == 0 || (a = view_handle(t)) == NULL)
		return;
	rc = app_act_archive(a, t->pend, t->npend, &changed, &err);
	acted(t, rc, &err, changed, &said_archived, true);
}

/* ---- move and copy -------------------------------------------------------------- */

static const char **
folder_complete(struct tui *t, const char *text, size_t *n)
{
	return sidebar_complete(&t->sb, t->account, text, n);
}

static void
move_done(struct tui *t, const char *text)
{
	struct app_act	*a;
	struct perr	 err;
	size_t		 changed = 0;
	int		 rc;

	if (*text == '\0' || t->npend == 0 || (a = view_handle(t)) == NULL)
		return;
	rc = app_act_move(a, t->pend, t->npend, text, &changed, &err);
	acted(t, rc, &err, changed, &said_moved, true);
}

static void
copy_done(struct tui *t, const char *text)
{
	struct app_act	*a;
	struct perr	 err;
	size_t		 changed = 0;
	int		 rc;

	if (*text == '\0' || t->npend == 0 || (a = view_handle(t)) == NULL)
		return;
	rc = app_act_copy(a, t->pend, t->npend, text, &changed, &err);
	acted(t, rc, &err, changed, &said_copied, false);
}

/* The targets are taken now: the selection may move before Enter. */
/* one: the prompt for one message; many: for %zu of them. */
static void
folder_prompt(struct tui *t, const char *one, const char *many,
    prompt_done_fn done)
{
	char	*label;

	if (targets(t) == 0)
		return;
	label = t->npend == 1 ? xstrdup(one) : xasprintf(many, t->npend);
	prompt_start(&t->prompt, label, done, folder_complete);
	free(label);
}

void
act_mail_move_to(struct tui *t, const char *dest)
{
	if (targets(t) > 0)
		move_done(t, dest);
}

void
act_mail_copy_to(struct tui *t, const char *dest)
{
	if (targets(t) > 0)
		copy_done(t, dest);
}

void
act_mail_save(struct tui *t)
{
	folder_prompt(t, _("Move to folder: "),
	    _("Move %zu messages to folder: "), move_done);
}

void
act_mail_copy(struct tui *t)
{
	folder_prompt(t, _("Copy to folder: "),
	    _("Copy %zu messages to folder: "), copy_done);
}

/* ---- expunge and sync ------------------------------------------------------------ */

/* Expunge the open folder; -1 on error (said), else the count. */
static long
expunge_open(struct tui *t)
{
	struct app_act		*a;
	struct store_folder	 f;
	struct perr		 err;
	size_t			 changed = 0;
	int			 rc;

	if (t->st == NULL || t->folder_id == 0) {
		status_msg(&t->status, _("no folder open"));
		return -1;
	}
	if ((a = view_handle(t)) == NULL)
		return -1;
	if (store_folder_get(t->st, t->folder_id, &f, &err) != 0) {
		status_error(&t->status, "%s", err.msg);
		return -1;
	}
	rc = app_act_expunge(a, f.name, &changed, &err);
	store_folder_free(&f);
	if (rc != 0) {
		status_error(&t->status, "%s", err.msg);
		return -1;
	}
	if (changed > 0) {
		view_refresh(t, TUI_REFRESH_INDEX | TUI_REFRESH_SIDEBAR |
		    TUI_REFRESH_JOURNAL);
		if (t->view == TUI_VIEW_PAGER)
			t->view = TUI_VIEW_INDEX;
	}
	return (long)changed;
}

void
act_mail_expunge(struct tui *t)
{
	long	n = expunge_open(t);

	if (n >= 0) {
		status_msg(&t->status, ngettext("%ld message expunged",
		    "%ld messages expunged", (unsigned long)n), n);
		if (n > 0)
			workers_replay(t);
	}
}

/* Sync now, expunging the open folder first when asked. */
static void
sync_mailbox(struct tui *t, bool expunge)
{
	long	n = t->folder_id != 0 && expunge ? expunge_open(t) : 0;

	workers_sync_now(t);
	if (n > 0)
		status_msg(&t->status, ngettext("%ld message expunged; "
		    "syncing", "%ld messages expunged; syncing",
		    (unsigned long)n), n);
	else if (n == 0)
		status_msg(&t->status, _("syncing"));
}

/* The deleted messages of the open folder: -1 when unknown (said). */
static int64_t
deleted_count(struct tui *t)
{
	struct search_node	*q;
	struct store_find	 f = { 0 };
	struct perr		 err;
	int64_t			 n = -1;

	if (search_parse("is:deleted", 0, &q, &err) != 0) {
		status_error(&t->status, "%s", err.msg);
		return -1;
	}
	f.folder_id = t->folder_id;
	if (store_msg_find_count(t->st, q, &f, &n, &err) != 0) {
		status_error(&t->status, "%s", err.msg);
		n = -1;
	}
	search_free(q);
	return n;
}

static void
expunge_answered(struct tui *t, const char *answer)
{
	if (*answer == '\0')
		return;		/* Esc: nothing at all */
	sync_mailbox(t, *answer == 'y' || *answer == 'Y');
}

/*
 * '$' as in mutt's sync-mailbox: the open folder's deleted messages are
 * expunged, then the account is synchronised now (journal first). With
 * delete_model = mark the deleted messages are still in the folder, so
 * the expunge waits for a yes (mutt's "Purge N deleted messages?"); a
 * no still syncs.
 */
void
act_mail_sync_mailbox(struct tui *t)
{
	char	*label;
	int64_t	 n;

	if (t->cfg->delete_model != CONFIG_DELETE_MARK || t->folder_id == 0 ||
	    t->st == NULL || (n = deleted_count(t)) <= 0) {
		sync_mailbox(t, true);
		return;
	}
	label = xasprintf(ngettext("Expunge %lld deleted message from %s? "
	    "(y/n) ", "Expunge %lld deleted messages from %s? (y/n) ",
	    (unsigned long)n), (long long)n, t->folder_name != NULL ?
	    t->folder_name : "");
	prompt_ask(&t->prompt, label, expunge_answered);
	free(label);
}

/* ---- tags ------------------------------------------------------------------------- */

void
act_mail_tag(struct tui *t)
{
	int64_t	id = act_current(t);

	if (id == 0) {
		status_msg(&t->status, _("no message selected"));
		return;
	}
	if (collapsed_selected(t)) {
		act_mail_tag_thread(t);
		if (t->view == TUI_VIEW_INDEX)
			view_index_moved(t, ix_move(&t->ix, 1));
		return;
	}
	if (tags_has(&t->tags, id))
		tags_del(&t->tags, id);
	else
		tags_add(&t->tags, id);
	if (t->view == TUI_VIEW_INDEX)
		view_index_moved(t, ix_move(&t->ix, 1));
	status_msg(&t->status, _("%zu tagged"), t->tags.n);
}

void
act_mail_tag_thread(struct tui *t)
{
	size_t	i, n;
	bool	all = true;

	if ((n = thread_targets(t)) == 0)
		return;
	/* All tagged already: untag them, as a toggle. */
	for (i = 0; i < n; i++)
		all = all && tags_has(&t->tags, t->pend[i]);
	for (i = 0; i < n; i++) {
		if (all)
			tags_del(&t->tags, t->pend[i]);
		else
			tags_add(&t->tags, t->pend[i]);
	}
	status_msg(&t->status, _("%zu tagged"), t->tags.n);
}

void
act_mail_untag_all(struct tui *t)
{
	tags_clear(&t->tags);
	status_msg(&t->status, _("no message tagged"));
}

void
act_mail_tag_prefix(struct tui *t)
{
	if (t->tags.n == 0) {
		status_msg(&t->status, _("no tagged messages (T tags one)"));
		return;
	}
	t->tag_prefix = true;
	status_msg(&t->status, ngettext("tag- (the next action applies to "
	    "the %zu tagged message)", "tag- (the next action applies to the "
	    "%zu tagged messages)", t->tags.n), t->tags.n);
}
