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
	va_start(ap, fmt);
	s->error = vsafe(fmt, ap);
	va_end(ap);
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

static const char *const sort_words[] = { "date", "from", "subject", "size" };

void
status_text(const struct tui *t, char **left, char **right)
{
	const char	*acct = t->cfg->naccounts > t->account ?
	    t->cfg->accounts[t->account].name : "";
	char		*a = sanitize_line(acct);

	if (t->view == TUI_VIEW_PAGER) {
		size_t	pct = t->pg.nlines == 0 ? 100 :
		    (t->pg.top + (size_t)t->pg.height >= t->pg.nlines ? 100 :
		    (t->pg.top + (size_t)t->pg.height) * 100 / t->pg.nlines);

		*left = xasprintf(" %s: %s%s  -- %s (%zu%%)", a,
		    t->folder_name != NULL ? t->folder_name : "",
		    t->pg.raw ? "  [source]" : "",
		    t->pg.title != NULL ? t->pg.title : "", pct);
	} else if (t->folder_id == 0)
		*left = xasprintf(" %s: no folder open", a);
	else if (t->total < 0)
		*left = xasprintf(" %s: %s  [counting...]  %s, by %s%s", a,
		    t->folder_name != NULL ? t->folder_name : "",
		    t->ix.threaded ? "threads" : "flat",
		    sort_words[t->ix.sort], t->ix.reverse ? " (reversed)" : "");
	else
		*left = xasprintf(" %s: %s  [%lld messages, %lld unread]  "
		    "%s, by %s%s", a, t->folder_name != NULL ?
		    t->folder_name : "", (long long)t->total,
		    (long long)t->unread, t->ix.threaded ? "threads" : "flat",
		    sort_words[t->ix.sort], t->ix.reverse ? " (reversed)" : "");
	*right = xasprintf("  %s%s%s ", t->status.error != NULL ?
	    t->status.error : "", t->status.error != NULL ? "  " : "",
	    t->online ? "online" : "offline");
	free(a);
}
