/*
 * sync-util.c - the bottom floor of src/sync's engine and drivers: what
 * every file of it shares (reporting progress, the problem of a message
 * too big, the start of a folder's progress, a backend's failure on the
 * engine's connection, whether a new message's body comes in this pass).
 * It calls no other file of src/sync.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/mail.h"
#include "sync/drv.h"
#include "sync/sync-int.h"
#include "util/i18n.h"

void
sync_report(struct sync_session *s)
{
	if (s->opts != NULL && s->opts->progress != NULL)
		s->opts->progress(s->opts->arg, &s->prog);
}

void
sync_folder_start(struct sync_session *s, const struct store_folder *f,
    enum sync_phase phase)
{
	memset(&s->prog, 0, sizeof s->prog);
	s->prog.account = s->acct->name;
	s->prog.folder = f != NULL ? f->name : NULL;
	s->prog.folder_id = f != NULL ? f->id : 0;
	s->prog.phase = phase;
}

/* Note an error of the backend; a fatal one makes the connection unusable. */
int
sync_conn_failed(struct sync_conn *c, struct perr *err)
{
	if (c->ops->fatal(err) || c->s.cancelled)
		c->broken = true;
	return -1;
}

bool
sync_body_coming(const struct sync_session *s, const struct store_msg *m)
{
	int64_t	since;

	/* store_msg_bodiless()'s choice below, for one new row. */
	if (s->acct->offline == OFFLINE_HEADERS || m->problem != NULL ||
	    m->size > (int64_t)MAIL_MSG_MAX || m->uid == 0)
		return false;
	if (s->acct->offline != OFFLINE_DAYS)
		return true;
	since = (int64_t)time(NULL) - (int64_t)s->acct->offline_days * 86400;
	return (m->date != 0 ? m->date : m->internal_date) >= since;
}
