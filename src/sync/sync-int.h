/*
 * sync-int.h - private to the engine's files (sync.c, choose.c): the
 * folders one pass pulls.
 */
#ifndef POSTA_SYNC_INT_H
#define POSTA_SYNC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"
#include "util/config.h"

struct chosen {
	struct store_folder	*v;
	size_t			 n;
	const char		*only;	/* opts->folder */
	bool			 local;	/* POP3: the local Inbox is pulled */
	const struct account	*acct;
};

/* A store_folder_walk() callback: f into c (a struct chosen) if chosen. */
int	choose_one(void *arg, const struct store_folder *f);
/* The folders of c and their strings. */
void	choose_free(struct chosen *c);

#endif
