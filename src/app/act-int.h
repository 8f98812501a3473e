/*
 * act-int.h - private to app_act.c (actions on messages, the journal) and
 * app_folder.c (actions on folders): the handle and the helpers they share.
 *
 * Floors: app_folder.c is the upper floor and calls app_act.c's helpers;
 * app_act.c, the lower floor, never calls app_folder.c.
 */
#ifndef POSTA_ACT_INT_H
#define POSTA_ACT_INT_H

#include "app/app.h"
#include "store/store.h"

struct app_act {
	struct store		*st;
	bool			 own;		/* opened here: close it */
	const struct account	*acct;
	int64_t			 account_id;
	bool			 journal;	/* IMAP: actions are journaled */
	char			*prefix;	/* see act_account_naming(); NULL:
						   not looked at yet */
};

/* A folder list copied out of the store; act_folders_free() frees it. */
struct folders {
	struct store_folder	*v;
	size_t			 n;
};
/* store_folder_list() callback that copies each folder into a folders. */
int	act_folders_one(void *arg, const struct store_folder *f);
void	act_folders_free(struct folders *fs);

/*
 * The server name a journal entry uses for f: its remote name, or, for a
 * folder made here and not yet on the server, the name its CREATE will
 * give it (under the server's namespace prefix). *out is malloc'd; the
 * caller frees it.
 */
int	act_remote_of(struct app_act *a, const struct store_folder *f,
	    char **out, struct perr *err);
bool	act_is_inbox(const struct store_folder *f);
/* Look a folder up by the name shown; a missing one is a clear error. */
int	act_folder_named(struct app_act *a, const char *name,
	    struct store_folder *f, struct perr *err);
/* The journal entry of a folder operation (IMAP accounts; see app_act.c). */
int	act_journal_folder(struct app_act *a, enum store_jop op,
	    int64_t folder_id, const char *name, const char *dest,
	    struct perr *err);
/*
 * The server's hierarchy delimiter into *delim (may be NULL) and its
 * personal namespace prefix into a->prefix.
 */
int	act_account_naming(struct app_act *a, char *delim, struct perr *err);

#endif
