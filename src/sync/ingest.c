/*
 * ingest.c - the one way a message enters the store.
 *
 * IMAP, POP3, import and the local copies of sent and postponed mail all
 * read a message's header, its search text and its problem here, and
 * insert its row, body and thread here, so that the same bytes give the
 * same row whichever way they came in (tests/unit/test_sync.c compares).
 * A body fetched later for a row stored from the server's description
 * (IMAP's ENVELOPE) gets its search text and problem here too.
 */
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"
#include "store/store.h"
#include "sync/sync.h"

void
sync_text_free(struct sync_text *t)
{
	free(t->body);
	free(t->names);
	memset(t, 0, sizeof *t);
}

int
sync_ingest_parse(const char *raw, size_t len, struct store_msg *m,
    struct sync_text *t, struct perr *err)
{
	struct mail_headers	 mh;
	char			*problem = NULL;

	memset(t, 0, sizeof *t);
	/*
	 * One parse gives the header, the search text, the file names and
	 * any problem.
	 */
	if (mail_index(raw, len, SYNC_INGEST_TEXT_MAX, &mh, &t->body,
	    &problem, &t->names, err) != 0)
		return -1;
	m->message_id = xstrdup_nonempty(mh.message_id);
	m->in_reply_to = xstrdup_nonempty(mh.in_reply_to);
	m->refs = xstrdup_nonempty(mh.references);
	m->date = mh.date;
	m->from_name = xstrdup_nonempty(mh.from_name);
	m->from_addr = xstrdup_nonempty(mh.from_addr);
	m->to_list = xstrdup_nonempty(mh.to);
	m->cc_list = xstrdup_nonempty(mh.cc);
	m->subject = xstrdup_nonempty(mh.subject);
	m->has_attachments = mh.has_attachments;
	m->size = (int64_t)len;
	mail_headers_free(&mh);
	if (m->problem == NULL)
		m->problem = problem;
	else
		free(problem);
	return 0;
}

int
sync_ingest_store(struct store *st, struct sync_threader *th,
    const struct store_msg *m, const char *raw, size_t len,
    const struct sync_text *t, int64_t *id, struct perr *err)
{
	int	r;

	/* With its body, the search index gets the row once, whole. */
	r = raw != NULL ? store_msg_insert_body(st, m, raw, len,
	    t != NULL ? t->body : NULL, t != NULL ? t->names : NULL, id, err) :
	    store_msg_insert(st, m, id, err);
	if (r != 0)
		return r;
	return sync_thread_assign(st, th, *id, m, NULL, err) != 0 ? -1 : 0;
}

int
sync_ingest_raw(struct store *st, struct sync_threader *th,
    struct store_msg *m, const char *raw, size_t len, int64_t *id,
    struct perr *err)
{
	struct sync_text	t;
	int			r;

	if (sync_ingest_parse(raw, len, m, &t, err) != 0)
		return -1;
	r = sync_ingest_store(st, th, m, raw, len, &t, id, err);
	sync_text_free(&t);
	return r;
}

int
sync_ingest_body(struct store *st, int64_t id, const char *raw, size_t len,
    struct perr *err)
{
	struct store_msg	 m;
	struct sync_text	 t;
	struct perr		 perr;
	int			 rc;

	/*
	 * The same parse as a message stored whole; of it only the search
	 * text and the problem are kept: the row's header columns are the
	 * server's, and a message that cannot be read still keeps its body.
	 */
	memset(&m, 0, sizeof m);
	(void)sync_ingest_parse(raw, len, &m, &t, &perr);
	rc = store_body_put_text(st, id, raw, len, t.body, t.names, err);
	if (rc == 0 && m.problem != NULL)
		rc = store_msg_set_problem(st, id, m.problem, err);
	store_msg_free(&m);
	sync_text_free(&t);
	return rc;
}
