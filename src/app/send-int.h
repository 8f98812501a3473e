/*
 * send-int.h - private to the sending files of src/app; the faces see
 * app.h only.
 *
 *   app_draft.c   drafts, attachments, the message as queued, completion
 *   app_copy.c    the copies in Sent and Drafts, postponing a draft
 *   app_outbox.c  queueing, SMTP submission, the outbox rows' states
 */
#ifndef POSTA_SEND_INT_H
#define POSTA_SEND_INT_H

#include "app/app.h"
#include "mail/mail.h"
#include "store/store.h"

#define APP_USER_AGENT	"posta/" PACKAGE_VERSION

/* The store's protocol for acct's rows. */
static inline enum store_protocol
app_acct_proto(const struct account *acct)
{
	return acct->protocol == PROTO_POP3 ? STORE_POP3 : STORE_IMAP;
}

/*
 * The message as queued (draft: as postponed): Bcc kept, our Message-ID
 * and Date. *raw is malloc'd, the caller frees it.
 */
int	app_send_build(const struct compose_draft *d, bool draft, char **raw,
	    size_t *len, struct perr *err);

/*
 * Save raw in acct's Sent (sp STORE_SPECIAL_SENT) or Drafts folder, in
 * the caller's transaction: a local row for POP3, a local row plus the
 * journal entry that APPENDs it for IMAP. raw stays the caller's.
 */
int	app_copy_save(struct store *st, const struct account *acct,
	    int64_t account_id, enum store_special sp, const char *raw,
	    size_t len, unsigned flags, struct perr *err);

/*
 * The stored message of account_id whose Message-ID is msgid (a reply's
 * In-Reply-To, without <>): the oldest row, not a draft nor \Deleted;
 * *id 0 when there is none.
 */
int	app_answered_id(struct store *st, int64_t account_id,
	    const char *msgid, int64_t *id, struct perr *err);

#endif
