/*
 * imapcmd-idle.c - push (libetpan-guide.md 3.9): IDLE and NOOP, and what
 * their replies said about the selected mailbox.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/imapcmd-int.h"
#include "util/i18n.h"

/* ---- push: IDLE and NOOP (libetpan-guide.md 3.9) ----------------------------- */

/*
 * What the last reply said about the selected mailbox: EXISTS, EXPUNGE,
 * unsolicited FETCH, VANISHED. Read right after the command, before the
 * next one frees imap_response_info.
 */
static void
news_harvest(struct imap_conn *c, struct imap_news *news)
{
	struct mailimap_response_info	*ri = c->imap->imap_response_info;
	struct mailimap_selection_info	*si = c->imap->imap_selection_info;
	struct mailimap_extension_data	*ed;
	clistiter			*it;

	if (si != NULL && si->sel_has_exists)
		news->exists = true;
	if (ri == NULL)
		return;
	/* Nobody asked: NOTIFY's news of another mailbox. */
	if (ri->rsp_status != NULL)
		news->others = true;
	if (ri->rsp_expunged != NULL && clist_count(ri->rsp_expunged) > 0)
		news->expunged = true;
	if (ri->rsp_fetch_list != NULL && clist_count(ri->rsp_fetch_list) > 0)
		news->flags = true;
	for (it = ri->rsp_extension_list != NULL ?
	    clist_begin(ri->rsp_extension_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		ed = clist_content(it);
		if (ed != NULL && ed->ext_extension != NULL &&
		    ed->ext_extension->ext_id == MAILIMAP_EXTENSION_QRESYNC &&
		    ed->ext_type == MAILIMAP_QRESYNC_TYPE_VANISHED)
			news->expunged = true;
	}
}

bool
imap_news_any(const struct imap_news *n)
{
	return n->exists || n->expunged || n->flags || n->missed;
}

bool
imap_can_idle(const struct imap_conn *c)
{
	return imap_has_cap(c, "IDLE");
}

/*
 * libetpan's mailimap_idle() crashes with no mailbox selected (bug A) and
 * waits out the whole timeout when untagged data comes before "+ idling"
 * (bug B, upstream #393). This sends IDLE itself and reads lines up to
 * the continuation: untagged lines before it are noted as missed news.
 */
int
imap_idle_start(struct imap_conn *c, struct imap_news *news, struct perr *err)
{
	mailimap	*imap = c->imap;
	char		*line;
	size_t		 len;

	memset(news, 0, sizeof *news);
	if (imap->imap_selection_info == NULL ||
	    imap->imap_state != MAILIMAP_STATE_SELECTED)
		return net_fail(err, NULL, c->report.hostport, PERR_GENERIC,
		    _("IDLE: no mailbox selected"));
	imap->imap_selection_info->sel_has_exists = 0;
	imap->imap_selection_info->sel_has_recent = 0;
	/* mailimap_idle_get_done_delay() counts from here. */
	imap->imap_idle_timestamp = time(NULL);
	if (mailimap_send_current_tag(imap) != MAILIMAP_NO_ERROR ||
	    mailstream_write(imap->imap_stream, "IDLE\r\n", 6) != 6 ||
	    mailstream_flush(imap->imap_stream) == -1)
		return imap_error(c, MAILIMAP_ERROR_STREAM, "IDLE", err);
	for (;;) {
		if ((line = mailimap_read_line(imap)) == NULL)
			return imap_error(c, MAILIMAP_ERROR_STREAM, "IDLE",
			    err);
		len = strlen(line);
		if (line[0] == '+')
			return 0;
		/* Untagged data before "+": seen only as "something". */
		if (line[0] == '*' && !(len >= 3 && line[len - 3] == '}')) {
			news->missed = true;
			continue;
		}
		/* A tagged NO/BAD, or a literal we cannot skip: start over. */
		return net_fail(err, NULL, c->report.hostport, PERR_PROTOCOL,
		    _("IDLE: unexpected reply"));
	}
}

int
imap_idle_wait(struct imap_conn *c, int wake_fd, int ms)
{
	return tls_wait_readable(c->imap->imap_stream, wake_fd, ms);
}

int
imap_idle_wait2(struct imap_conn *c, struct imap_conn *c2, int wake_fd, int ms,
    unsigned *ready)
{
	mailstream	*s[2] = { c->imap->imap_stream, c2->imap->imap_stream };

	return tls_wait_any(s, 2, wake_fd, ms, ready);
}

int
imap_idle_done(struct imap_conn *c, struct imap_news *news, struct perr *err)
{
	int	r;

	/* DONE, then everything the server sent meanwhile and the tagged OK. */
	if ((r = mailimap_idle_done(c->imap)) != MAILIMAP_NO_ERROR)
		return imapcmd_fail(c, r, "IDLE", PERR_GENERIC, err);
	news_harvest(c, news);
	return 0;
}

int
imap_noop(struct imap_conn *c, struct imap_news *news, struct perr *err)
{
	int	r;

	if (c->imap->imap_selection_info != NULL) {
		c->imap->imap_selection_info->sel_has_exists = 0;
		c->imap->imap_selection_info->sel_has_recent = 0;
	}
	if ((r = mailimap_noop(c->imap)) != MAILIMAP_NO_ERROR)
		return imapcmd_fail(c, r, "NOOP", PERR_GENERIC, err);
	news_harvest(c, news);
	return 0;
}
