/*
 * imapcmd-notify.c - push for the mailboxes not selected: IMAP NOTIFY
 * (RFC 5465). libetpan has no NOTIFY: the command goes out through
 * imapcmd_raw(), and the news it brings are untagged STATUS responses,
 * which libetpan parses as the reply to a STATUS (bounded like any reply
 * by limit.c); imapcmd-idle.c notes them as news of other mailboxes.
 */
#include "net/imapcmd-int.h"

/*
 * The selected mailbox as without NOTIFY (EXISTS, EXPUNGE, FETCH), every
 * personal one by STATUS (RFC 5465 5.2: MESSAGES and UIDNEXT, with
 * HIGHESTMODSEQ once CONDSTORE is on). FlagChange needs MessageNew and
 * MessageExpunge beside it (RFC 5465 5.3).
 */
#define NOTIFY_SET	"NOTIFY SET (selected (MessageNew MessageExpunge " \
			"FlagChange)) (personal (MessageNew MessageExpunge " \
			"FlagChange))"

bool
imap_can_notify(const struct imap_conn *c)
{
	return imap_has_cap(c, "NOTIFY");
}

bool
imap_status_heard(struct imap_conn *c)
{
	uint64_t	all = tls_stream_statuses(c->stream), extra;

	extra = all > c->status_replies ? all - c->status_replies : 0;
	if (extra <= c->status_heard) {
		c->status_heard = extra;
		return false;
	}
	c->status_heard = extra;
	return true;
}

int
imap_notify_set(struct imap_conn *c, struct perr *err)
{
	int	r;

	r = imapcmd_raw(c, NOTIFY_SET);
	/*
	 * libetpan reads a tagged BAD as a protocol error; here it is a
	 * server that offers NOTIFY but will not take ours: a refusal, the
	 * session goes on (without it, the periodic check remains).
	 */
	if (r == MAILIMAP_ERROR_PROTOCOL)
		r = MAILIMAP_ERROR_CUSTOM_COMMAND;
	if (r != MAILIMAP_NO_ERROR)
		return imapcmd_fail(c, r, "NOTIFY", PERR_GENERIC, err);
	return 0;
}
