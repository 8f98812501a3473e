/*
 * drv-pop3.h - private to the POP3 driver (drv-pop3*.c), included by no
 * other file. The face of the driver is sync_pop3_ops (drv.h).
 *
 *   drv-pop3.c       sync_pop3_ops: connect, close, local folders, warning
 *   drv-pop3-pull.c  one pass over the maildrop
 *   drv-pop3-conn.c  the session's connection, fatal errors, notes
 *
 * Floors (a file calls only the files below it): drv-pop3.c is the top
 * floor, then drv-pop3-pull.c, then drv-pop3-conn.c.
 *
 * Names that cross files carry their file's prefix: pop3_ (drv-pop3-conn.c),
 * pop3_pull_ (drv-pop3-pull.c).
 *
 *
 * A POP3 account has local folders only (INBOX, Sent, Drafts, Trash,
 * Archive, and the user's); the server's one maildrop is pulled into the
 * local INBOX, named as on IMAP so that commands default alike
 * (ARCHITECTURE 6). The order of one pass never loses mail:
 *
 *   1. STAT, LIST, UIDL (bounded: see src/net/pop3cmd.c).
 *   2. For each UIDL not in pop3_uidl: TOP n 0 and RETR n; what RETR
 *      gave must have LIST's size (line ends counted as CRLF) and TOP's
 *      Message-ID, Date, From, To and Subject, else it is not the
 *      announced message: nothing is stored and nothing at all is
 *      deleted in this session. Then, in ONE store transaction, insert
 *      the message, its body and its UIDL; COMMIT, which is durable (the
 *      store syncs POP3 commits to disk).
 *   3. Only then, after the last message, DELE, per pop3_keep: no (the
 *      standard mode) what was downloaded; yes never; days:N once the
 *      UIDL was first seen more than N days ago; and, with
 *      pop3_delete_when_deleted_locally, any UIDL whose message the user
 *      has deleted here (store_pop3_orphans).
 *   4. QUIT. The server applies the DELEs only when QUIT answers +OK; the
 *      UIDLs are then marked deleted_from_server.
 *
 * A pass killed or cut off anywhere leaves: messages committed with their
 * UIDL (the next pass skips them, and deletes them if the mode says so),
 * and DELEs never applied (no QUIT, so the server rolls them back). No
 * message can be lost, none stored twice. Known UIDLs that a complete
 * listing (every message with a UIDL) no longer shows were deleted on the
 * server (by us after a QUIT whose answer we missed, or by another
 * client): they are marked too.
 *
 * A server without UIDL (or messages whose UIDL is unusable: duplicated,
 * missing) is never deleted from. Such a message is known by a
 * pseudo-UIDL, "%sha256:HEX:SIZE" over its header block (TOP n 0, else
 * RETR), which no real UIDL can equal (pop3cmd.c writes '%' only before
 * two hex digits); a message already in the account with the same
 * Message-ID and size is not stored again. Every message is stored with
 * its pseudo-UIDL as a second identity, so one that loses its UIDL is not
 * stored again, and one known by its pseudo-UIDL that gets a UIDL is given
 * it (store_pop3_adopt) rather than stored again.
 *
 * The clock is time(NULL), or $POSTA_NOW (unix seconds) for the tests of
 * days:N; nothing else reads that variable.
 */
#ifndef POSTA_DRV_POP3_H
#define POSTA_DRV_POP3_H

#include <stdbool.h>

#include "net/net.h"
#include "sync/drv.h"

struct pop3_be {
	struct pop3_conn	*c;
	bool			 done;		/* QUIT sent: only free */
};

/* drv-pop3-conn.c */
bool	pop3_fatal(const struct perr *err);
void	pop3_note(struct sync_session *s, const char *text);
void	pop3_conn_drop(struct sync_session *s, struct pop3_be *be, bool commit);
int	pop3_conn_open(struct sync_session *s, struct pop3_be *be,
	    struct perr *err);

/* drv-pop3-pull.c */
int	pop3_pull_folder(struct sync_session *s, const struct store_folder *f,
	    struct perr *err);

#endif
