/*
 * sync-util.c - the bottom floor of src/sync's engine and drivers: what
 * every file of it shares (reporting progress, the problem of a message
 * too big, the start of a folder's progress, a backend's failure on the
 * engine's connection). It calls no other file of src/sync.
 */
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"
#include "sync/drv.h"
#include "sync/sync-int.h"

void
sync_report(struct sync_session *s)
{
	if (s->opts != NULL && s->opts->progress != NULL)
		s->opts->progress(s->opts->arg, &s->prog);
}

char *
sync_problem_too_big(int64_t size)
{
	double	mb = (double)size / (1 << 20);

	/* A tenth where whole ones would say "64 MB, larger than 64 MB". */
	return xasprintf("this message is %.*f MB, larger than the %zu MB "
	    "posta downloads; its body was not downloaded",
	    mb < (double)(MAIL_MSG_MAX >> 20) + 0.5 ? 1 : 0, mb,
	    MAIL_MSG_MAX >> 20);
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
