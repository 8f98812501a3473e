/*
 * app.h - the application API: what the two faces (ui/cli, ui/tui) call to
 * make posta do something. Reading mail for display goes straight to the
 * store's read API; everything that acts goes through here.
 *
 *   app.c   one sync pass of an account (the worker threads, the command
 *           queue and the event pipe of ARCHITECTURE 2 come next)
 */
#ifndef POSTA_APP_H
#define POSTA_APP_H

#include "util/util.h"
#include "util/config.h"
#include "sync/sync.h"

struct app_sync_opts {
	/* Only this folder (its name as shown); NULL: every synced one. */
	const char		*folder;
	/* Append the IMAP commands sent to this file; NULL: none. */
	const char		*trace;
	/*
	 * Progress, called on the calling thread (see struct sync_progress);
	 * may be NULL.
	 */
	sync_progress_cb	 progress;
	void			*arg;
	/* Filled with the pass's totals when not NULL. */
	struct sync_stats	*stats;
};

/*
 * One sync pass of acct: open the store at cfg->store read-write (created
 * and migrated when needed), pull the server's changes, close. opts may be
 * NULL. Returns 0, or -1 with err set ("account NAME: ..." and the cause).
 */
int	app_sync(const struct config *cfg, const struct account *acct,
	    const struct app_sync_opts *opts, struct perr *err);

#endif
