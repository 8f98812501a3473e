/*
 * imapsearch.h - UID SEARCH with arguments made elsewhere (src/search's
 * search_imap()), for the search of bodies not in the store. Part of
 * src/net (net.h says how connections work); its own header so that it
 * stays apart from the sync's commands in imapcmd.c.
 */
#ifndef POSTA_NET_IMAPSEARCH_H
#define POSTA_NET_IMAPSEARCH_H

#include "net/net.h"

/*
 * "UID SEARCH " + args in the selected mailbox, into *out (ascending).
 * args is one line but for synchronizing literals: each "{N}\r\n" is sent,
 * then the server's "+" awaited, then the N bytes (RFC 3501 7.5), so
 * args must come from search_imap(), which writes a CRLF nowhere else.
 * A refusal (NO, BAD, a literal not taken) is PERR_GENERIC with the
 * server's words and leaves the session usable; anything else is as
 * imap_error() says. imap_uids_free() releases out.
 */
int	imap_uid_search(struct imap_conn *, const char *args,
	    struct imap_uids *out, struct perr *);

#endif
