/*
 * sync-int.h - private to the engine's files (sync.c, sync-conn.c,
 * sync-replay.c, sync-lock.c, sync-util.c, choose.c): the folders one
 * pass pulls and the connection the engine holds.
 *
 * Floors (a file calls only the files below it, never up): sync-conn.c
 * (the worker's connection: watch, bodies on demand) is the top floor;
 * then sync.c (open, close, a pass), which also calls the drivers'
 * tables (drv.h); then sync-replay.c; then sync-lock.c; sync-util.c
 * (progress reports, a backend's failure) is the bottom floor, which the
 * drivers call too. choose.c stands beside them and calls none.
 */
#ifndef POSTA_SYNC_INT_H
#define POSTA_SYNC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"
#include "sync/drv.h"
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

/*
 * The engine's side of one backend session (sync.c opens and closes it;
 * sync-conn.c, sync-replay.c and sync-lock.c use it too).
 */
struct sync_conn {
	struct sync_session		 s;
	const struct account_ops	*ops;
	bool				 broken;
	int				 lockfd;	/* -1: not held */
};

/* sync-util.c */
void	sync_folder_start(struct sync_session *, const struct store_folder *,
	    enum sync_phase);
/* Note an error of the backend; a fatal one marks c broken. Returns -1. */
int	sync_conn_failed(struct sync_conn *, struct perr *);

/* sync.c */
/* The bodies of f that the offline policy wants, in batches. */
int	sync_pull_bodies(struct sync_session *, const struct account_ops *,
	    const struct store_folder *, struct perr *);
int	sync_folders_changed(struct sync_conn *, const struct chosen *, bool,
	    bool *, struct perr *);

/* sync-replay.c: the account's waiting journal entries, replayed. */
int	sync_replay_journal(struct sync_conn *, struct perr *);

/* sync-lock.c: the account's sync lock, between processes. */
int	sync_conn_lock(struct sync_conn *, struct perr *);
void	sync_conn_unlock(struct sync_conn *);

#endif
