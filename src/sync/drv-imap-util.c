/*
 * drv-imap-util.c - the bottom floor of the IMAP driver: what every file of
 * it shares (the flags both sides know, notes for the user, which errors
 * are fatal, the session's connection, the names shown for server names).
 * It calls no other file of the driver.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/net.h"
#include "sync/drv.h"
#include "sync/drv-imap.h"
#include "util/i18n.h"

bool
be_fatal(const struct perr *err)
{
	return imap_err_fatal(err) || err->code == PERR_NOMEM;
}

/*
 * The system flags both sides know. \Recent belongs to one session;
 * storing it would only churn.
 */
static const struct {
	unsigned	imap, store;
} flag_map[] = {
	{ IMAP_FLAG_SEEN, STORE_SEEN },
	{ IMAP_FLAG_ANSWERED, STORE_ANSWERED },
	{ IMAP_FLAG_FLAGGED, STORE_FLAGGED },
	{ IMAP_FLAG_DELETED, STORE_DELETED },
	{ IMAP_FLAG_DRAFT, STORE_DRAFT },
};

unsigned
be_store_flags(unsigned imap)
{
	unsigned	f = 0;
	size_t		i;

	for (i = 0; i < sizeof flag_map / sizeof flag_map[0]; i++)
		if (imap & flag_map[i].imap)
			f |= flag_map[i].store;
	return f;
}

unsigned
be_imap_bits(unsigned f)
{
	unsigned	b = 0;
	size_t		i;

	for (i = 0; i < sizeof flag_map / sizeof flag_map[0]; i++)
		if (f & flag_map[i].store)
			b |= flag_map[i].imap;
	return b;
}

/* A note for the user (dropped actions), through the progress callback. */
void
be_note(struct sync_session *s, const char *fmt, ...)
{
	va_list	 ap;
	char	*note;

	va_start(ap, fmt);
	if (vasprintf(&note, fmt, ap) == -1)
		note = NULL;
	va_end(ap);
	if (note == NULL)
		return;
	s->prog.note = note;
	sync_report(s);
	s->prog.note = NULL;
	free(note);
}

/* Detach be->c under the lock (so cancel never sees it freed), then drop it. */
void
be_conn_drop(struct sync_session *s, struct imap_be *be, bool broken)
{
	struct imap_conn	*c;

	pthread_mutex_lock(&s->lock);
	c = be->c;
	be->c = NULL;
	broken = broken || s->cancelled;
	pthread_mutex_unlock(&s->lock);
	if (c == NULL)
		return;
	imap_trace_stop(c, be->trace);
	be->trace = NULL;
	if (broken)
		imap_abort(c);
	else
		imap_close(c);
}

/* An [ALERT] (RFC 3501 7.1: shown to the user), sanitised: a note. */
static void
be_alert(void *arg, const char *text)
{
	struct sync_session	*s = arg;

	be_note(s, _("account %s: the server says: %s"), s->acct->name, text);
}

/* drv_keep_conn()'s keep. */
static void
keep_conn(void *be, void *c)
{
	((struct imap_be *)be)->c = c;
}

/*
 * Open be->c: connect, trace, ENABLE, NAMESPACE. The connection is
 * published under the lock only once it exists; a cancel that came while
 * connecting (which cannot be interrupted) drops it at once.
 */
int
be_conn_open(struct sync_session *s, struct imap_be *be, struct perr *err)
{
	struct imap_conn	*c;

	if ((c = imap_connect(s->acct, &s->acct->in, err)) == NULL)
		return -1;
	if (drv_keep_conn(s, keep_conn, c, err) != 0) {
		imap_abort(c);
		return -1;
	}
	imap_set_alert_cb(c, be_alert, s);
	free(be->ns_prefix);
	be->ns_prefix = NULL;
	free(be->selected);
	be->selected = NULL;
	if ((s->opts->trace != NULL && (be->trace = imap_trace_start(be->c,
	    s->opts->trace, err)) == NULL) ||
	    imap_session_start(be->c, !be->no_qresync, &be->qresync,
	    &be->condstore, &be->ns_prefix, &be->ns_delim, err) != 0) {
		be_conn_drop(s, be, be_fatal(err));
		return -1;
	}
	return 0;
}

void
be_listed_drop(struct imap_be *be)
{
	size_t	i;

	for (i = 0; i < be->nlisted; i++)
		free(be->listed[i].name);
	free(be->listed);
	be->listed = NULL;
	be->nlisted = 0;
}

/* The UTF-8 name shown for a raw server name; malloc'd. */
char *
be_display_name(const struct imap_be *be, const char *raw)
{
	return sync_folder_shown(raw, be->ns_prefix);
}

/*
 * A mod-sequence as the store keeps it (SQLite's signed 64 bits): one that
 * does not fit 63 bits is refused as unknown (0), never wrapped negative.
 */
uint64_t
be_modseq_ok(uint64_t v)
{
	return v <= (uint64_t)INT64_MAX ? v : 0;
}
