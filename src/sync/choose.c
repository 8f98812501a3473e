/*
 * choose.c - which folders a pass pulls: the account's `folders` setting
 * (subscribed, all but \All, or patterns), or the one folder asked for.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sync/sync.h"
#include "sync/sync-int.h"

static void
folder_copy(struct store_folder *dst, const struct store_folder *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->remote_name = src->remote_name != NULL ?
	    xstrdup(src->remote_name) : NULL;
}

bool
sync_folder_match(const char *pattern, const char *name, char delim)
{
	size_t	 n = strlen(name), j;
	bool	*row, *next, *t, m;

	/* row[j]: the pattern so far matches the first j bytes of name. */
	row = xcalloc(n + 1, sizeof *row);
	next = xcalloc(n + 1, sizeof *next);
	row[0] = true;
	for (; *pattern != '\0'; pattern++) {
		if (*pattern == '*' || *pattern == '%') {
			/* Any run, within one level for '%'. */
			next[0] = row[0];
			for (j = 1; j <= n; j++)
				next[j] = row[j] || (next[j - 1] &&
				    (*pattern == '*' || delim == '\0' ||
				    name[j - 1] != delim));
		} else {
			next[0] = false;
			for (j = 1; j <= n; j++)
				next[j] = row[j - 1] && name[j - 1] == *pattern;
		}
		t = row;
		row = next;
		next = t;
	}
	m = row[n];
	free(row);
	free(next);
	return m;
}

bool
sync_folder_chosen(const struct account *acct, const struct store_folder *f)
{
	size_t	i;

	if (acct->protocol == PROTO_POP3)
		/* One maildrop, pulled into the local Inbox. */
		return f->remote_name == NULL &&
		    f->special_use == STORE_SPECIAL_INBOX;
	if (f->remote_name == NULL || f->noselect)
		return false;
	if (strcasecmp(f->remote_name, "INBOX") == 0)
		return true;
	if ((acct->folders & FOLDERS_SUBSCRIBED) && (f->subscribed ||
	    f->special_use != STORE_SPECIAL_NONE))
		return true;
	/* Gmail's "All Mail" holds every other folder's mail once more. */
	if ((acct->folders & FOLDERS_ALL) &&
	    f->special_use != STORE_SPECIAL_ALL)
		return true;
	for (i = 0; i < acct->nfolder_patterns; i++) {
		const char *p = acct->folder_patterns[i];

		if (f->special_use == STORE_SPECIAL_ALL ?
		    strcmp(p, f->name) == 0 :
		    sync_folder_match(p, f->name, f->delimiter))
			return true;
	}
	return false;
}

int
choose_one(void *arg, const struct store_folder *f)
{
	struct chosen	*c = arg;

	if (c->local) {
		/* POP3: one maildrop, pulled into the local Inbox. */
		if (f->remote_name != NULL ||
		    f->special_use != STORE_SPECIAL_INBOX)
			return 0;
	} else if (f->remote_name == NULL || f->noselect)
		return 0;
	if (c->only != NULL) {
		if (strcmp(f->name, c->only) != 0 &&
		    !(strcasecmp(c->only, "INBOX") == 0 &&
		    strcasecmp(f->name, "INBOX") == 0))
			return 0;
	} else if (!sync_folder_chosen(c->acct, f))
		return 0;
	c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
	folder_copy(&c->v[c->n++], f);
	return 0;
}

void
choose_free(struct chosen *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		store_folder_free(&c->v[i]);
	free(c->v);
}
