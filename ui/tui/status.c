/*
 * status.c - the words of the status line (account, folder, counts, view,
 * online or not, the last error) and the transient message under it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui-int.h"

void
status_init(struct status *s)
{
	memset(s, 0, sizeof *s);
}

void
status_free(struct status *s)
{
	free(s->error);
	free(s->msg);
	free(s->progress);
	memset(s, 0, sizeof *s);
}

/* Messages can quote the store or a server: sanitised on the way in. */
static char *
vsafe(const char *fmt, va_list ap)
{
	char	*raw = xvasprintf(fmt, ap), *safe;

	safe = sanitize_line(raw);
	free(raw);
	return safe;
}

void
status_error(struct status *s, const char *fmt, ...)
{
	va_list	ap;

	free(s->error);
	s->error_compose = false;
	va_start(ap, fmt);
	s->error = vsafe(fmt, ap);
	va_end(ap);
	/* Said at once under the status line too, where it has room. */
	free(s->msg);
	s->msg = xstrdup(s->error);
}

void
status_msg(struct status *s, const char *fmt, ...)
{
	va_list	ap;

	free(s->msg);
	va_start(ap, fmt);
	s->msg = vsafe(fmt, ap);
	va_end(ap);
}

void
status_clear_msg(struct status *s)
{
	free(s->msg);
	s->msg = NULL;
}

void
status_clear_error(struct status *s)
{
	free(s->error);
	s->error = NULL;
	s->error_compose = false;
}

void
status_progress(struct status *s, const char *fmt, ...)
{
	va_list	ap;

	free(s->progress);
	va_start(ap, fmt);
	s->progress = vsafe(fmt, ap);
	va_end(ap);
}

void
status_clear_progress(struct status *s)
{
	free(s->progress);
	s->progress = NULL;
}

/* The index's order as one phrase: "threads, by date (reversed)". */
static char *
order_text(const struct tui *t)
{
	const char	*view = t->ix.threaded ? _("threads") : _("flat");
	const char	*by;

	switch (t->ix.sort) {
	case IX_SORT_FROM:	by = pgettext("sort", "from"); break;
	case IX_SORT_SUBJECT:	by = pgettext("sort", "subject"); break;
	case IX_SORT_SIZE:	by = pgettext("sort", "size"); break;
	default:		by = pgettext("sort", "date"); break;
	}
	/* TRANSLATORS: "threads" or "flat", then the sort key. */
	return t->ix.reverse ? xasprintf(_("%s, by %s (reversed)"), view, by) :
	    xasprintf(_("%s, by %s"), view, by);
}

/* Tags, what waits, progress, online or not. */
static char *
right_text(const struct tui *t)
{
	char		 tags[48] = "", journal[96] = "", outbox[48] = "";
	char		 net[64];
	const char	*prog = t->status.progress;

	if (t->tag_prefix)
		snprintf(tags, sizeof tags, "%s", _("tag-  "));
	else if (t->tags.n > 0)
		snprintf(tags, sizeof tags, _("%zu tagged  "), t->tags.n);
	if (t->jfailed > 0)
		snprintf(journal, sizeof journal, _("journal: %lld waiting, "
		    "%lld failed  "), (long long)t->jwaiting,
		    (long long)t->jfailed);
	else if (t->jwaiting > 0)
		snprintf(journal, sizeof journal, _("journal: %lld waiting  "),
		    (long long)t->jwaiting);
	if (t->outbox > 0)
		snprintf(outbox, sizeof outbox, _("outbox %lld  "),
		    (long long)t->outbox);
	if (t->online)
		snprintf(net, sizeof net, "%s", _("online"));
	else if (t->offline_req)
		snprintf(net, sizeof net, "%s", _("offline (by request)"));
	else if (t->account < t->wk.n && t->wk.refused[t->account] &&
	    status_asks_password(t, t->account))
		snprintf(net, sizeof net, "%s", _("login refused ($ asks for "
		    "the password)"));
	else if (t->account < t->wk.n && t->wk.refused[t->account])
		snprintf(net, sizeof net, "%s",
		    _("login refused ($ tries again)"));
	else
		snprintf(net, sizeof net, "%s", _("offline"));
	/* The last error goes between the halves (draw.c): it gets what
	 * room is left, the rest never goes. */
	return xasprintf("  %s%s%s%s%s%s ", tags, journal, outbox,
	    prog != NULL ? prog : "", prog != NULL ? "  " : "", net);
}

void
status_text(const struct tui *t, char **left, char **right)
{
	const char	*acct = t->cfg->naccounts > t->account ?
	    t->cfg->accounts[t->account].name : "";
	const char	*folder = t->folder_name != NULL ? t->folder_name : "";
	const char	*title = t->pg.title != NULL ? t->pg.title : "";
	char		*a = sanitize_line(acct), *order;

	if (t->view == TUI_VIEW_COMPOSE)
		*left = xasprintf(_(" %s: compose  y:send P:postpone q:abort "
		    "?:help"), a);
	else if (t->view == TUI_VIEW_ATTACH)
		*left = xasprintf(_(" %s: %s  -- attachments of %s (%zu)"), a,
		    folder, title, t->att.n);
	else if (t->view == TUI_VIEW_PAGER) {
		size_t	pct = t->pg.nlines == 0 ? 100 :
		    (t->pg.top + (size_t)t->pg.height >= t->pg.nlines ? 100 :
		    (t->pg.top + (size_t)t->pg.height) * 100 / t->pg.nlines);

		if (t->pg.mode == PG_RAW)
			*left = xasprintf(_(" %s: %s  [source]  -- %s (%zu%%)"),
			    a, folder, title, pct);
		else if (t->pg.mode == PG_HEADERS)
			*left = xasprintf(_(" %s: %s  [all headers]  -- %s "
			    "(%zu%%)"), a, folder, title, pct);
		else
			*left = xasprintf(_(" %s: %s  -- %s (%zu%%)"), a,
			    folder, title, pct);
	} else if (t->folder_id == 0 && t->view_q == NULL)
		*left = xasprintf(_(" %s: no folder open"), a);
	else {
		order = order_text(t);
		if (t->limit != NULL && t->limit_total < 0)
			*left = xasprintf(_(" %s: %s  [limit: %s: "
			    "counting...]  %s"), a, folder, t->limit, order);
		else if (t->limit != NULL)
			*left = xasprintf(ngettext(" %s: %s  [limit: %s: %lld "
			    "of %lld message]  %s", " %s: %s  [limit: %s: %lld "
			    "of %lld messages]  %s", (unsigned long)t->total),
			    a, folder, t->limit, (long long)t->limit_total,
			    (long long)t->total, order);
		else if (t->total < 0)
			*left = xasprintf(_(" %s: %s  [counting...]  %s"), a,
			    folder, order);
		else
			*left = xasprintf(ngettext(" %s: %s  [%lld message, "
			    "%lld unread]  %s", " %s: %s  [%lld messages, %lld "
			    "unread]  %s", (unsigned long)t->total), a, folder,
			    (long long)t->total, (long long)t->unread, order);
		free(order);
	}
	*right = right_text(t);
	free(a);
}

/*
 * Whether a refused login of account i waits for a password typed in the
 * TUI (no password_command to run again): said on the status line, and
 * asked by the worker code on the user's action.
 */
bool
status_asks_password(const struct tui *t, size_t i)
{
	const struct account	*a = &t->cfg->accounts[i];

	return a->in.auth == AUTH_PASSWORD && a->in.password_command == NULL;
}
