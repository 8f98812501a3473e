/*
 * liststatus.h - the mailboxes of a LIST found by name in O(log n), and
 * the untagged STATUS lines of a LIST-STATUS reply (RFC 5819) read into
 * them (liststatus.c). An account with thousands of folders must not
 * cost a scan of them all per line of the reply.
 */
#ifndef POSTA_NET_LISTSTATUS_H
#define POSTA_NET_LISTSTATUS_H

#include <stddef.h>

#include "net/net.h"

/* mbs's mailboxes sorted by name; borrowed pointers into mbs->v. */
struct mbx_index {
	struct imap_mailbox	**v;
	size_t			  n;
};

/*
 * Index mbs (whose names are as mailboxes_add() keeps them: INBOX spelled
 * "INBOX"); valid until mbs->v changes. Free with mbx_index_free().
 */
void	mbx_index_build(struct mbx_index *, struct imap_mailboxes *mbs);
void	mbx_index_free(struct mbx_index *);
/*
 * The first mailbox of mbs named name (INBOX in any case is "INBOX"), in
 * mbs's order, or NULL.
 */
struct imap_mailbox *mbx_index_find(const struct mbx_index *,
	    const char *name);

/*
 * The "* STATUS name (att n ...)" lines of a reply's text[0..len) into
 * the mailboxes of mbs they name (st, has_status). A line this cannot
 * read (a literal name, a bad number, no closing parenthesis) is skipped:
 * its mailbox then gets a STATUS command of its own. Work linear in len
 * plus n log n in the mailboxes.
 */
void	list_status_scan(struct imap_mailboxes *mbs, const char *text,
	    size_t len);

#endif
