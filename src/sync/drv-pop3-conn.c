/*
 * drv-pop3-conn.c - the bottom floor of the POP3 driver: its session's
 * connection (open, drop) and what its files share (which errors are
 * fatal, notes for the user). It calls no other file of the driver.
 */
#include <pthread.h>
#include <stdbool.h>

#include "net/net.h"
#include "sync/drv.h"
#include "sync/drv-pop3.h"

bool
pop3_fatal(const struct perr *err)
{
	return pop3_err_fatal(err) || err->code == PERR_NOMEM;
}

/* Pass a warning to the caller's progress callback (sync_progress.note). */
void
pop3_note(struct sync_session *s, const char *text)
{
	s->prog.note = text;
	sync_report(s);
	s->prog.note = NULL;
}

/*
 * One POP3 session per pull: QUIT ends a session (it is what applies the
 * DELEs), and a server shows new mail only to a new session anyway. The
 * session pointer is published and detached under s->lock, so that
 * be_cancel() from another thread never sees it freed.
 */
void
pop3_conn_drop(struct sync_session *s, struct pop3_be *be, bool commit)
{
	struct pop3_conn	*c;

	pthread_mutex_lock(&s->lock);
	c = be->c;
	be->c = NULL;
	if (s->cancelled)
		commit = false;
	pthread_mutex_unlock(&s->lock);
	if (c != NULL)
		pop3_close(c, commit);
}

/* drv_keep_conn()'s keep. */
static void
keep_conn(void *be, void *c)
{
	((struct pop3_be *)be)->c = c;
}

int
pop3_conn_open(struct sync_session *s, struct pop3_be *be, struct perr *err)
{
	struct pop3_conn	*c;

	if ((c = pop3_connect(s->acct, &s->acct->in, err)) == NULL)
		return -1;
	if (drv_keep_conn(s, keep_conn, c, err) != 0) {
		pop3_close(c, false);
		return -1;
	}
	be->done = false;
	return 0;
}
