/*
 * imap.c - the IMAP backend of the sync engine (struct account_ops).
 *
 * Per folder, the cheapest way the server allows (ARCHITECTURE 5):
 *
 *   QRESYNC    EXAMINE ... (QRESYNC (uidvalidity modseq 1:lastuid)) gives
 *              the expunged UIDs (VANISHED) and the changed flags in one
 *              round trip; new UIDs are asked for only when UIDNEXT moved.
 *              Nothing new costs exactly one command.
 *   CONDSTORE  EXAMINE (CONDSTORE); UID FETCH 1:n (FLAGS) (CHANGEDSINCE m)
 *              when HIGHESTMODSEQ moved; expunges are found by counting
 *              (server messages below the old UIDNEXT against ours) and,
 *              only when the counts differ, by a UID SEARCH diff.
 *   full       UID FETCH 1:* (FLAGS), streamed, merged with the store's
 *              own UID walk: new, changed and expunged in one pass. Also
 *              used for a folder whose first sync never finished.
 *
 * New messages are fetched newest first in batches of HEADER_BATCH, one
 * store transaction per batch: a killed sync keeps every batch it
 * committed, and the next pass asks only for UIDs not in the store. The
 * folder's sync state is written last, once everything it describes is
 * committed.
 *
 * UIDVALIDITY changed: the store forgets the folder's UIDs (rows, bodies
 * and threads stay), the full path lists the server again, and each header
 * fetched is first matched by Message-ID against a forgotten row, which
 * gets its new UID back instead of a duplicate being stored. Rows left
 * unmatched at the end of that pass are gone from the server.
 *
 * A FETCH reply libetpan cannot parse costs a new connection, not the
 * folder: batches are narrowed down to the message that broke them, which
 * is stored from its raw source, or as a placeholder, with a problem that
 * says so (narrow_fetch(); doc/SYNC-RULES.md 6). A FETCH the server
 * answers NO is narrowed down the same way, on the same connection, to the
 * messages it refuses: a placeholder (or headers only) quoting its words.
 */
#define POSTA_SYNC_INTERNAL
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail/mail.h"
#include "net/net.h"
#include "sync/sync.h"

#define HEADER_BATCH	250

struct imap_be {
	struct imap_conn	*c;
	struct imap_trace	*trace;
	bool			 qresync, condstore;
	/*
	 * The server answered the hand-built QRESYNC SELECT with BAD (or a
	 * NO while a plain one works): never ENABLE QRESYNC again on this
	 * account's connections, use CONDSTORE.
	 */
	bool			 no_qresync;
	bool			 no_idle;	/* IDLE refused: poll with NOOP */
	char			*ns_prefix;
	char			 ns_delim;
	char			*selected;	/* remote name, NULL: none */
	bool			 selected_rw;	/* SELECT (replay), not EXAMINE */
	int64_t			*dropped;	/* see j_drop_results() */
	size_t			 ndropped;
	struct {
		int64_t		 row;
		char		*folder;
		uint32_t	 uid;
	}			*placed;	/* see j_place() */
	size_t			 nplaced;
	/*
	 * Folders (store ids) the server sent a message of on this session:
	 * a FETCH it refuses there is about the message, not the folder
	 * (narrow_fetch()).
	 */
	int64_t			*readable;
	size_t			 nreadable;
};

static int	j_flush_dropped(struct sync_session *, struct perr *);
static void	j_note(struct sync_session *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
struct jset;
static void	j_drop_results(struct sync_session *, const struct jset *);
struct narrow;
static int	recover(struct narrow *, const struct perr *, struct perr *);

static bool
imap_fatal(const struct perr *err)
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

static unsigned
store_flags(unsigned imap)
{
	unsigned	f = 0;
	size_t		i;

	for (i = 0; i < sizeof flag_map / sizeof flag_map[0]; i++)
		if (imap & flag_map[i].imap)
			f |= flag_map[i].store;
	return f;
}

/* ---- connect / close ------------------------------------------------------- */

/* Detach be->c under the lock (so cancel never sees it freed), then drop it. */
static void
conn_drop(struct sync_session *s, struct imap_be *be, bool broken)
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

static void
be_close(struct sync_session *s, bool broken)
{
	struct imap_be	*be = s->be;
	size_t		 i;

	if (be == NULL)
		return;
	conn_drop(s, be, broken);
	pthread_mutex_lock(&s->lock);
	s->be = NULL;
	pthread_mutex_unlock(&s->lock);
	free(be->ns_prefix);
	free(be->selected);
	free(be->dropped);
	for (i = 0; i < be->nplaced; i++)
		free(be->placed[i].folder);
	free(be->placed);
	free(be->readable);
	free(be);
}

/* Called by the engine from another thread, with s->lock held. */
static void
be_cancel(struct sync_session *s)
{
	struct imap_be	*be = s->be;

	if (be != NULL && be->c != NULL)
		imap_cancel(be->c);
}

/* An [ALERT] (RFC 3501 7.1: shown to the user), sanitised: a note. */
static void
be_alert(void *arg, const char *text)
{
	struct sync_session	*s = arg;

	j_note(s, "account %s: the server says: %s", s->acct->name, text);
}

/*
 * Open be->c: connect, trace, ENABLE, NAMESPACE. The connection is
 * published under the lock only once it exists; a cancel that came while
 * connecting (which cannot be interrupted) drops it at once.
 */
static int
conn_open(struct sync_session *s, struct imap_be *be, struct perr *err)
{
	struct imap_conn	*c;
	bool			 cancelled;

	if ((c = imap_connect(s->acct, &s->acct->in, err)) == NULL)
		return -1;
	pthread_mutex_lock(&s->lock);
	if (!(cancelled = s->cancelled))
		be->c = c;
	pthread_mutex_unlock(&s->lock);
	if (cancelled) {
		imap_abort(c);
		return perr_set(err, PERR_IO, "account %s: cancelled",
		    s->acct->name);
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
		conn_drop(s, be, imap_fatal(err));
		return -1;
	}
	return 0;
}

static int
be_connect(struct sync_session *s, struct perr *err)
{
	struct imap_be	*be;

	be = xcalloc(1, sizeof *be);
	pthread_mutex_lock(&s->lock);
	s->be = be;
	pthread_mutex_unlock(&s->lock);
	if (conn_open(s, be, err) != 0) {
		/* The engine only closes what connected: undo it here. */
		be_close(s, true);
		return -1;
	}
	return 0;
}

/* ---- folders ----------------------------------------------------------------- */

struct have {
	struct store_folder	*v;
	size_t			 n;
};

static int
have_one(void *arg, const struct store_folder *f)
{
	struct have	*h = arg;

	if (f->remote_name == NULL)
		return 0;	/* local folders are not the server's business */
	h->v = xreallocarray(h->v, h->n + 1, sizeof *h->v);
	h->v[h->n] = *f;
	h->v[h->n].name = xstrdup(f->name);
	h->v[h->n].remote_name = xstrdup(f->remote_name);
	h->n++;
	return 0;
}

/* The UTF-8 name shown for a raw server name; malloc'd. */
static char *
display_name(const struct imap_be *be, const char *raw)
{
	return sync_folder_shown(raw, be->ns_prefix);
}

struct shown {
	const char	*name;
	size_t		 i;
};

static int
shown_cmp(const void *a, const void *b)
{
	const struct shown	*x = a, *y = b;

	return strcmp(x->name, y->name);
}

/*
 * One round of shown_names(): every name shown without the prefix that is
 * the same as another name shown gets its prefix back. Returns whether one
 * did; a name that has its prefix back keeps it, so the rounds end.
 */
static bool
shown_unclash(char **v, char **full, size_t n)
{
	struct shown	*o = xreallocarray(NULL, n + 1, sizeof *o);
	size_t		 i, k, end;
	bool		 changed = false;

	for (i = 0; i < n; i++) {
		o[i].name = v[i];
		o[i].i = i;
	}
	qsort(o, n, sizeof *o, shown_cmp);
	for (k = 0; k < n; k = end) {
		for (end = k + 1; end < n &&
		    strcmp(o[end].name, o[k].name) == 0; end++)
			;
		for (i = k; end - k > 1 && i < end; i++)
			if (strcmp(v[o[i].i], full[o[i].i]) != 0) {
				free(v[o[i].i]);
				v[o[i].i] = xstrdup(full[o[i].i]);
				changed = true;
			}
	}
	free(o);
	return changed;
}

/*
 * The names shown for every listed mailbox, without the namespace prefix
 * unless that makes one the same as another name shown (Cyrus:
 * "INBOX.user.bob" and another user's "user.bob"; a server's "INBOX.Foo"
 * and "inbox.Foo", the prefix on INBOX being matched in any case): those
 * keep it, as two folders cannot have one name. Returns an array of
 * mbs->n malloc'd strings; free each and the array.
 */
static char **
shown_names(const struct imap_be *be, const struct imap_mailboxes *mbs)
{
	char	**v, **full;
	size_t	  i;

	v = xcalloc(mbs->n + 1, sizeof *v);
	full = xcalloc(mbs->n + 1, sizeof *full);
	for (i = 0; i < mbs->n; i++) {
		v[i] = display_name(be, mbs->v[i].name);
		full[i] = sync_folder_shown(mbs->v[i].name, NULL);
	}
	while (be->ns_prefix != NULL && *be->ns_prefix != '\0' &&
	    shown_unclash(v, full, mbs->n))
		;
	for (i = 0; i < mbs->n; i++)
		free(full[i]);
	free(full);
	return v;
}

static int
list_folders(struct sync_session *s, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_mailboxes	 mbs;
	struct have		 have = { NULL, 0 };
	struct store_folder	 f;
	struct imap_status	 ist;
	enum store_special	*use = NULL;
	bool			*present = NULL, *taken = NULL, claimed[16];
	char			**shown = NULL;
	size_t			 i, j;
	int			 rc = -1;

	/* The replay ran just before: settle what it left for the pull. */
	if (j_flush_dropped(s, err) != 0)
		return -1;
	if (imap_list(be->c, &mbs, err) != 0)
		return -1;
	if (store_folder_walk(s->st, s->account_id, have_one, &have, err) < 0)
		goto out;
	present = xcalloc(have.n + 1, sizeof *present);
	taken = xcalloc(mbs.n + 1, sizeof *taken);
	use = xcalloc(mbs.n + 1, sizeof *use);
	shown = shown_names(be, &mbs);

	/* Special use: the server's attributes first, then names. */
	memset(claimed, 0, sizeof claimed);
	for (i = 0; i < mbs.n; i++) {
		use[i] = sync_special_from_attrs(mbs.v[i].attrs);
		if (strcasecmp(mbs.v[i].name, "INBOX") == 0)
			use[i] = STORE_SPECIAL_INBOX;
		claimed[use[i]] = true;
	}
	for (i = 0; i < mbs.n; i++) {
		enum store_special u;

		if (use[i] != STORE_SPECIAL_NONE ||
		    (mbs.v[i].attrs & IMAP_MBX_NOSELECT))
			continue;
		u = sync_special_from_name(shown[i], be->ns_prefix,
		    mbs.v[i].delim);
		if (u != STORE_SPECIAL_NONE && !claimed[u]) {
			use[i] = u;
			claimed[u] = true;
		}
	}

	/* Which stored folders are still there, which server ones are new. */
	for (i = 0; i < mbs.n; i++) {
		if (mbs.v[i].attrs & IMAP_MBX_NONEXISTENT)
			continue;
		for (j = 0; j < have.n; j++)
			if (strcmp(have.v[j].remote_name, mbs.v[i].name) == 0) {
				present[j] = taken[i] = true;
				break;
			}
	}

	if (store_begin(s->st, err) != 0)
		goto out;
	/*
	 * A new folder with the UIDVALIDITY of a vanished one is that folder
	 * renamed (RFC 3501 keeps UIDVALIDITY across RENAME when it can):
	 * keep its messages and bodies instead of fetching them again.
	 */
	for (i = 0; i < mbs.n; i++) {
		if (taken[i] || (mbs.v[i].attrs & (IMAP_MBX_NOSELECT |
		    IMAP_MBX_NONEXISTENT)))
			continue;
		for (j = 0; j < have.n; j++)
			if (!present[j] && have.v[j].uidvalidity != 0)
				break;
		if (j == have.n)
			break;		/* nothing vanished that could match */
		if (imap_status(be->c, mbs.v[i].name, &ist, err) != 0) {
			if (imap_fatal(err))
				goto rollback;
			continue;
		}
		for (j = 0; j < have.n; j++) {
			if (present[j] || have.v[j].uidvalidity == 0 ||
			    have.v[j].uidvalidity != ist.uidvalidity)
				continue;
			/* Free the name first if a vanished folder holds it. */
			if (store_folder_rename(s->st, have.v[j].id, shown[i],
			    mbs.v[i].name, err) != 0) {
				/* A name clash: treat it as delete + new. */
				if (err->code != PERR_STORE)
					goto rollback;
				perr_clear(err);
				break;
			}
			present[j] = taken[i] = true;
			break;
		}
	}
	for (j = 0; j < have.n; j++)
		if (!present[j] &&
		    store_folder_delete(s->st, have.v[j].id, err) != 0)
			goto rollback;
	for (i = 0; i < mbs.n; i++) {
		if (mbs.v[i].attrs & IMAP_MBX_NONEXISTENT)
			continue;
		memset(&f, 0, sizeof f);
		f.account_id = s->account_id;
		f.remote_name = mbs.v[i].name;
		f.name = shown[i];
		f.delimiter = mbs.v[i].delim;
		f.special_use = use[i];
		f.subscribed = (mbs.v[i].attrs & IMAP_MBX_SUBSCRIBED) != 0;
		f.noselect = (mbs.v[i].attrs & IMAP_MBX_NOSELECT) != 0;
		rc = store_folder_upsert(s->st, &f, NULL, err);
		if (rc != 0) {
			rc = -1;
			goto rollback;
		}
	}
	if (store_commit(s->st, err) != 0) {
		rc = -1;
		goto out;
	}
	rc = 0;
	goto out;

rollback:
	rc = -1;
	(void)store_rollback(s->st, NULL);
out:
	for (j = 0; j < have.n; j++)
		store_folder_free(&have.v[j]);
	free(have.v);
	free(present);
	free(taken);
	free(use);
	for (i = 0; shown != NULL && i < mbs.n; i++)
		free(shown[i]);
	free(shown);
	imap_mailboxes_free(&mbs);
	return rc;
}

/* ---- applying flags ---------------------------------------------------------- */

struct apply {
	struct sync_session	*s;
	const struct store_folder *f;
	struct perr		*err;
	uint32_t		 below;	/* only UIDs below this are ours */
};

/*
 * A mod-sequence as the store keeps it (SQLite's signed 64 bits): one that
 * does not fit 63 bits is refused as unknown (0), never wrapped negative.
 */
static uint64_t
modseq_ok(uint64_t v)
{
	return v <= (uint64_t)INT64_MAX ? v : 0;
}

/* A FETCH of flags from the server: the store takes it as the truth. */
static int
apply_flags(void *arg, const struct imap_flags *fl)
{
	struct apply	*a = arg;
	int		 r;

	if (a->below != 0 && fl->uid >= a->below)
		return 0;	/* a new message: the header fetch stores it */
	r = store_msg_flags_uid(a->s->st, a->f->id, fl->uid,
	    store_flags(fl->flags), fl->keywords != NULL ? fl->keywords : "",
	    modseq_ok(fl->modseq), a->err);
	if (r < 0)
		return 1;
	if (r > 0)
		a->s->prog.changed++;
	return 0;
}

/* ---- new messages ------------------------------------------------------------- */

/* A Message-ID without its angle brackets; malloc'd, NULL when empty. */
static char *
bare_id(const char *raw)
{
	char	*clean, *p, *e;

	if (raw == NULL)
		return NULL;
	clean = sanitize_line(raw);
	for (p = clean; *p == ' ' || *p == '<'; p++)
		;
	if ((e = strchr(p, '>')) != NULL)
		*e = '\0';
	for (e = p + strlen(p); e > p && e[-1] == ' '; e--)
		*e = '\0';
	if (*p == '\0') {
		free(clean);
		return NULL;
	}
	memmove(clean, p, strlen(p) + 1);
	return clean;
}

/*
 * "Name <a@b>, c@d": a display list of ENVELOPE addresses; malloc'd, NULL
 * when n is 0. One growing buffer, so the work is linear in n (a string
 * rebuilt per address cost 440 s for the 100,000 of a hostile ENVELOPE);
 * addresses that would take it past SYNC_ADDR_LIST_MAX are counted, not
 * stored (see sync.h).
 */
char *
sync_addr_list(const struct imap_addr *v, size_t n)
{
	char	*out, *name, *addr, *one;
	size_t	 i, len = 0, cap, olen;

	if (n == 0)
		return NULL;
	cap = 256;
	out = xmalloc(cap);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		name = v[i].name != NULL ? rfc2047_decode(v[i].name) : NULL;
		addr = xasprintf("%s@%s", v[i].mailbox != NULL ?
		    v[i].mailbox : "", v[i].host != NULL ? v[i].host : "");
		one = addr_format(name != NULL ? name : "", addr);
		free(name);
		free(addr);
		olen = strlen(one);
		if (len + 2 + olen > SYNC_ADDR_LIST_MAX) {
			free(one);
			break;
		}
		if (len + 2 + olen + 1 > cap) {
			while (cap < len + 2 + olen + 1)
				cap *= 2;
			out = xrealloc(out, cap);
		}
		if (i > 0) {
			memcpy(out + len, ", ", 2);
			len += 2;
		}
		memcpy(out + len, one, olen + 1);
		len += olen;
		free(one);
	}
	if (i == 0) {
		free(out);
		out = xasprintf(SYNC_ADDR_LIST_NONE, n);
	} else if (i < n) {
		one = xasprintf(SYNC_ADDR_LIST_CUT, out, n - i);
		free(out);
		out = one;
	}
	return out;
}

struct remap_find {
	int64_t		id;	/* a forgotten row (uid 0) with this Message-ID */
};

static int
remap_one(void *arg, const struct store_msg *m)
{
	struct remap_find	*r = arg;

	if (m->uid != 0)
		return 0;
	r->id = m->id;
	return 1;
}

/* ---- replies libetpan cannot parse ------------------------------------------- */

/*
 * The sentences of store_msg.problem for a message whose FETCH reply broke
 * libetpan's parser: stored from its raw bytes, or not at all (a row that
 * keeps the UID and flags, so that no later pass fetches it again or
 * stores it twice).
 */
#define PROBLEM_RAW	"the server's description of this message could " \
	"not be parsed; it is shown from its raw source"
#define PROBLEM_LOST	"the server's description of this message could " \
	"not be parsed, nor its raw source fetched; a sync of this folder " \
	"alone (posta sync --folder) tries again"
#define PROBLEM_BODY	"the server's copy of this message could not be " \
	"parsed; only its headers are stored, and a sync of this folder " \
	"alone (posta sync --folder) tries again"
/* The server's words (sanitised) follow the colon. */
#define PROBLEM_REFUSED_AS	"the server would not send this message: "
#define PROBLEM_REFUSED	PROBLEM_REFUSED_AS "%s; a sync of this folder alone " \
	"(posta sync --folder) tries again"
#define PROBLEM_BODY_REFUSED PROBLEM_REFUSED_AS "%s; only its headers are " \
	"stored, and a sync of this folder alone (posta sync --folder) tries " \
	"again"
/*
 * A body over MAIL_MSG_MAX whose RFC822.SIZE said less: the row takes the
 * size received (so that nothing asks for it again) and this sentence:
 * the size announced, the MB received, the MB posta downloads.
 */
#define PROBLEM_SIZE_LIE	"the server announced this message as %lld " \
	"bytes but sent %.1f MB, more than the %zu MB posta downloads; its " \
	"body was not kept"
/*
 * Broken replies, and refusals, one narrowed fetch may cost before the
 * folder waits.
 */
#define NARROW_BREAKS	64

/*
 * libetpan stops at the first byte of a reply it cannot parse and leaves
 * the rest unread: the session has lost its place in the stream, and only
 * a new connection goes on (libetpan-guide.md 2; imap_conn.unparsed). A
 * FETCH over many UIDs that breaks that way must not cost the folder. What
 * it delivered before the break is kept, the connection is opened again and
 * the message that was being read (the first one not delivered: servers
 * answer in UID order) is asked for alone, then the others together again.
 * A message that breaks the reply alone goes to broken(), once, however
 * many tries it took to find it.
 *
 * A FETCH the server answers with a tagged NO (Gmail's "Some messages
 * could not be FETCHed", Dovecot's [SERVERBUG] for a corrupt file) leaves
 * the session usable: what it sent before the NO is kept, and the UIDs it
 * did not send are asked for again on the same connection, each alone if
 * the server sent the others, else half of them at a time, until single
 * UIDs are refused. Those go to refused() at the end, and only if the
 * server sent some message of the folder on this session: a folder where
 * it sends none is refused as a whole (gone, locked, over a quota), and
 * its pass fails with the server's words instead of filling it with
 * placeholders.
 */
struct narrow {
	struct sync_session		*s;
	const struct store_folder	*f;
	uint32_t			 uidvalidity;	/* of the selection */
	/* One command over uids; what it delivers goes to narrow_got(). */
	int	(*fetch)(struct narrow *, const uint32_t *uids, size_t n,
		    struct perr *);
	/* uid broke the reply alone; the connection is a new one. */
	int	(*broken)(struct narrow *, uint32_t uid, struct perr *);
	/* The server refused uid alone, in the words why (sanitised). */
	int	(*refused)(struct narrow *, uint32_t uid, const char *why,
		    struct perr *);
	void				*arg;
	uint32_t			*got;	/* delivered by this try */
	size_t				 ngot, capgot;
	bool				 failed; /* a store error: undo */
	char				 why[320]; /* of the last NO */
	struct {
		uint32_t		 uid;
		char			*why;
	}				*no;	/* refused alone, not marked yet */
	size_t				 nno;
};

static void
narrow_got(struct narrow *nw, uint32_t uid)
{
	if (nw->ngot == nw->capgot) {
		nw->capgot = nw->capgot ? nw->capgot * 2 : 64;
		nw->got = xreallocarray(nw->got, nw->capgot, sizeof *nw->got);
	}
	nw->got[nw->ngot++] = uid;
}

static bool
uid_in(const uint32_t *v, size_t n, uint32_t uid)
{
	size_t	i;

	for (i = 0; i < n && v[i] != uid; i++)
		;
	return i < n;
}

/* v less the UIDs in drop; returns the new count. */
static size_t
uids_without(uint32_t *v, size_t n, const uint32_t *drop, size_t ndrop)
{
	size_t	i, k = 0;

	for (i = 0; i < n; i++)
		if (!uid_in(drop, ndrop, v[i]))
			v[k++] = v[i];
	return k;
}

/*
 * After a reply that could not be parsed: a new connection with f selected
 * again, under the same UIDVALIDITY (else the folder waits for the next
 * pass, which re-maps it). When no new connection could be made, the
 * error is one that ends the pass: be->c is gone.
 */
static int
reopen(struct sync_session *s, const struct store_folder *f,
    uint32_t uidvalidity, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_selected	 sel;
	int			 rc = -1;

	conn_drop(s, be, true);
	if (conn_open(s, be, err) != 0) {
		if (!imap_fatal(err))
			err->code = PERR_CONNECT;
		return -1;
	}
	if (imap_select(be->c, f->remote_name, IMAP_SELECT_EXAMINE |
	    (be->condstore ? IMAP_SELECT_CONDSTORE : 0), NULL, NULL, NULL,
	    &sel, err) != 0)
		goto out;
	if (sel.uidvalidity != uidvalidity) {
		net_fail(err, NULL, be->c->report.hostport, PERR_GENERIC,
		    "the server renumbered the folder (UIDVALIDITY) during "
		    "the sync; the next sync takes it up");
		goto out;
	}
	be->selected = xstrdup(f->remote_name);
	be->selected_rw = false;
	rc = 0;
out:
	imap_selected_free(&sel);
	return rc;
}

/* Did the server send a message of folder id on this session? */
static bool
readable(const struct imap_be *be, int64_t id)
{
	size_t	i;

	for (i = 0; i < be->nreadable && be->readable[i] != id; i++)
		;
	return i < be->nreadable;
}

static void
mark_readable(struct imap_be *be, int64_t id)
{
	if (readable(be, id))
		return;
	be->readable = xreallocarray(be->readable, be->nreadable + 1,
	    sizeof *be->readable);
	be->readable[be->nreadable++] = id;
}

static int
probe_one(void *arg, const struct imap_header *h)
{
	(void)h;
	*(bool *)arg = true;
	return 0;
}

/*
 * The server refused messages of a folder it sent nothing of on this
 * session (a resync with one new message, unreadable): is the folder at
 * fault or the messages? Ask again for one it sent before, the newest
 * stored whole. If it comes, the folder is readable and the refusals are
 * the messages'; else the folder's (gone, locked, over a quota).
 */
static int
probe_readable(struct narrow *nw, struct perr *err)
{
	struct imap_be	*be = nw->s->be;
	struct perr	 ferr;
	uint32_t	 uid;
	bool		 got = false;

	if (store_msg_whole_uid(nw->s->st, nw->f->id, &uid, err) != 0)
		return -1;
	if (uid == 0)
		return 0;
	if (imap_fetch_headers(be->c, &uid, 1, false, probe_one, &got,
	    &ferr) != 0)
		return recover(nw, &ferr, err);
	if (got)
		mark_readable(be, nw->f->id);
	return 0;
}

/*
 * One try over uids in one transaction. 0: done; 1: the reply broke, what
 * it delivered before is committed and the connection is a new one; 2: the
 * server answered NO (nw->why says why), what it delivered is committed and
 * the session goes on; -1.
 */
static int
narrow_try(struct narrow *nw, const uint32_t *uids, size_t n,
    struct perr *err)
{
	struct sync_session	*s = nw->s;
	struct imap_be		*be = s->be;
	int			 r = -1;

	nw->ngot = 0;
	nw->failed = false;
	if (store_begin(s->st, err) != 0)
		return -1;
	if (nw->fetch(nw, uids, n, err) == 0)
		r = 0;
	else if (nw->failed || be->c == NULL)
		;
	else if (be->c->unparsed)
		r = 1;
	else if (be->c->refused[0] != '\0' && !imap_fatal(err)) {
		snprintf(nw->why, sizeof nw->why, "%s", be->c->refused);
		perr_clear(err);
		r = 2;
	}
	if (r < 0) {
		(void)store_rollback(s->st, NULL);
		return -1;
	}
	/* Every message delivered before a break or a NO was read whole. */
	if (store_commit(s->st, err) != 0)
		return -1;
	if (nw->ngot > 0)
		mark_readable(be, nw->f->id);
	if (r == 1 && reopen(s, nw->f, nw->uidvalidity, err) != 0)
		return -1;
	return r;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The refusals narrow_fetch() found go to nw->refused(), if the folder is
 * one the server sends messages of; else the folder's pass fails.
 */
static int
narrow_refusals(struct narrow *nw, struct perr *err)
{
	size_t	i;

	if (nw->nno == 0)
		return 0;
	if (!readable(nw->s->be, nw->f->id) && probe_readable(nw, err) != 0)
		return -1;
	if (!readable(nw->s->be, nw->f->id))
		return perr_set(err, PERR_GENERIC, "the server would not send "
		    "any of the %zu message%s asked for, nor another of this "
		    "folder: %s; the folder waits for the next sync", nw->nno,
		    nw->nno == 1 ? "" : "s", nw->no[0].why);
	for (i = 0; i < nw->nno; i++)
		if (nw->refused(nw, nw->no[i].uid, nw->no[i].why, err) != 0)
			return -1;
	return 0;
}

/*
 * nw->fetch over uids[0..n), narrowed down when a reply breaks or is
 * refused. Each try asks for a window, the first w UIDs of todo (sorted):
 * whatever it delivered leaves todo, and once the window is settled
 * (answered, or its one UID dealt with) the rest of todo is asked for.
 */
static int
narrow_fetch(struct narrow *nw, const uint32_t *uids, size_t n,
    struct perr *err)
{
	uint32_t	*todo;
	size_t		 ntodo = n, w = n, left, alone = 0, i;
	int		 r, breaks = 0, nos = 0, rc = -1;

	if (n == 0)
		return 0;
	todo = xreallocarray(NULL, n, sizeof *todo);
	memcpy(todo, uids, n * sizeof *todo);
	qsort(todo, n, sizeof *todo, uid_cmp);
	while (ntodo > 0) {
		if (w == 0 || w > ntodo)
			w = ntodo;
		if ((r = narrow_try(nw, todo, w, err)) < 0)
			goto out;
		/* The window's UIDs not delivered: todo's first `left`. */
		for (left = 0, i = 0; i < w; i++)
			left += !uid_in(nw->got, nw->ngot, todo[i]);
		ntodo = uids_without(todo, ntodo, nw->got, nw->ngot);
		if (alone > 0)
			alone--;
		if (r == 1 && ++breaks > NARROW_BREAKS) {
			perr_set(err, PERR_GENERIC, "%d replies of the server "
			    "could not be parsed; the other messages wait for "
			    "the next sync", breaks - 1);
			goto out;
		}
		if (r == 2 && ++nos > NARROW_BREAKS) {
			/*
			 * The refusals found so far are kept all the same,
			 * else the next pass asks for them again, stops at
			 * the same count, and never reaches older messages.
			 */
			if (narrow_refusals(nw, err) != 0)
				goto out;
			perr_set(err, PERR_GENERIC, "the server refused %d "
			    "fetches (the last: %s); the other messages wait "
			    "for the next sync", nos - 1, nw->why);
			goto out;
		}
		if (r == 1 && w > 1) {
			w = 1;		/* find the one that broke it */
			continue;
		}
		if (r == 2 && left > 0 && w > 1) {
			/* It sent the others: each of the rest alone. */
			if (left < w)
				alone = left;
			w = left < w ? 1 : (left + 1) / 2;
			continue;
		}
		/* The window is settled: delivered, gone, or found out. */
		if (r == 1 && left == 1 && nw->broken(nw, todo[0], err) != 0)
			goto out;
		if (r == 2 && left == 1) {
			nw->no = xreallocarray(nw->no, nw->nno + 1,
			    sizeof *nw->no);
			nw->no[nw->nno].uid = todo[0];
			nw->no[nw->nno++].why = xstrdup(nw->why);
		}
		memmove(todo, todo + left, (ntodo - left) * sizeof *todo);
		ntodo -= left;
		w = alone > 0 ? 1 : 0;
	}
	rc = narrow_refusals(nw, err);
out:
	for (i = 0; i < nw->nno; i++)
		free(nw->no[i].why);
	free(nw->no);
	nw->no = NULL;
	nw->nno = 0;
	free(todo);
	free(nw->got);
	nw->got = NULL;
	nw->ngot = nw->capgot = 0;
	return rc;
}

/* ---- storing new messages ----------------------------------------------------- */

/*
 * Where a fetch of new messages stores them: the folder as selected, and
 * whether rows forgotten by a UIDVALIDITY change may match.
 */
struct hdr_ctx {
	struct sync_session	*s;
	const struct store_folder *f;
	struct perr		*err;
	bool			 remap;	/* forgotten rows may match */
	struct narrow		*nw;	/* notes what is delivered */
};

/*
 * An ENVELOPE string decoded (RFC 2047) into a malloc'd copy the caller
 * frees, or NULL when enc is NULL or decodes to "". enc stays the caller's.
 */
static char *
decode_nonempty(const char *enc)
{
	char	*d, *s;

	if (enc == NULL)
		return NULL;
	d = rfc2047_decode(enc);
	s = xstrdup_nonempty(d);
	free(d);
	return s;
}

/*
 * Store m as a new row (and thread it), or, after a UIDVALIDITY change,
 * give the forgotten row with its Message-ID its UID back. *id: the new
 * row, 0 when none was added.
 */
static int
store_row(struct hdr_ctx *hc, const struct store_msg *m, int64_t *id,
    struct perr *err)
{
	struct sync_session	*s = hc->s;
	struct remap_find	 rf = { 0 };
	int			 r;

	*id = 0;
	if (hc->remap && m->message_id != NULL) {
		if (store_msg_by_message_id(s->st, m->message_id, hc->f->id,
		    remap_one, &rf, err) < 0)
			return -1;
		if (rf.id != 0) {
			if (store_msg_set_uid(s->st, rf.id, m->uid, err) != 0 ||
			    store_msg_flags_uid(s->st, hc->f->id, m->uid,
			    m->flags, m->keywords != NULL ? m->keywords : "",
			    m->modseq, err) < 0)
				return -1;
			s->prog.done++;
			return 0;
		}
	}
	if ((r = store_msg_insert(s->st, m, id, err)) < 0)
		return -1;
	if (r == 0) {
		if (sync_thread_assign(s->st, s->threader, *id, m, NULL,
		    err) != 0)
			return -1;
		s->prog.added++;
		if ((m->flags & STORE_SEEN) == 0)
			s->prog.unseen++;
	} else
		*id = 0;	/* the UID is already stored */
	s->prog.done++;
	return 0;
}

static int
store_header(void *arg, const struct imap_header *h)
{
	struct hdr_ctx		*hc = arg;
	struct store_msg	 m;
	struct mail_headers	 mh;
	struct perr		 perr;
	int64_t			 id;
	int			 rc = 0;

	memset(&m, 0, sizeof m);
	m.folder_id = hc->f->id;
	m.uid = h->uid;
	m.modseq = modseq_ok(h->modseq);
	m.message_id = bare_id(h->message_id);
	/* The header lines give References and a cleaner In-Reply-To. */
	if (h->refs != NULL && h->refs_len > 0 &&
	    mail_headers_parse(h->refs, h->refs_len, &mh, &perr) == 0) {
		m.refs = xstrdup_nonempty(mh.references);
		m.in_reply_to = xstrdup_nonempty(mh.in_reply_to);
		mail_headers_free(&mh);
	}
	if (m.in_reply_to == NULL)
		m.in_reply_to = bare_id(h->in_reply_to);
	m.date = h->date != NULL ? mail_date_parse(h->date) : 0;
	m.internal_date = h->internal_date;
	if (h->nfrom > 0) {
		m.from_name = decode_nonempty(h->from[0].name);
		m.from_addr = xasprintf("%s@%s", h->from[0].mailbox != NULL ?
		    h->from[0].mailbox : "", h->from[0].host != NULL ?
		    h->from[0].host : "");
	}
	m.to_list = sync_addr_list(h->to, h->nto);
	m.cc_list = sync_addr_list(h->cc, h->ncc);
	m.subject = decode_nonempty(h->subject);
	m.size = h->size;
	m.flags = store_flags(h->flags);
	m.keywords = h->keywords != NULL ? xstrdup(h->keywords) : NULL;
	m.has_attachments = h->has_attachments;
	/* Never downloaded (bodies_wanted() skips it): say why. */
	if (h->size > MAIL_MSG_MAX)
		m.problem = sync_problem_too_big(h->size);

	if (store_row(hc, &m, &id, hc->err) != 0) {
		hc->nw->failed = true;
		rc = 1;
	} else
		narrow_got(hc->nw, h->uid);
	store_msg_free(&m);
	return rc;
}

/* Store raw as message id's body with text, its readable text for the
 * search index (NULL: none). */
static int
body_store(struct sync_session *s, int64_t id, const char *raw, size_t len,
    const char *text, struct perr *err)
{
	if (store_body_put(s->st, id, raw, len, text, err) != 0)
		return -1;
	s->prog.bodies++;
	s->prog.bytes += len;
	return 0;
}

/*
 * Store raw as message id's body, with its readable text for the search
 * index (none is no reason to fail), and a problem when it is too complex
 * to read whole (MAIL_PROBLEM_COMPLEX): one parse.
 */
static int
body_put(struct sync_session *s, int64_t id, const char *raw, size_t len,
    struct perr *err)
{
	struct mail_headers	 mh;
	struct perr		 rerr;
	char			*text = NULL, *problem = NULL;
	int			 rc;

	if (mail_index(raw, len, 1 << 20, &mh, &text, &problem, &rerr) == 0)
		mail_headers_free(&mh);
	rc = body_store(s, id, raw, len, text, err);
	if (rc == 0 && problem != NULL)
		rc = store_msg_set_problem(s->st, id, problem, err);
	free(problem);
	free(text);
	return rc;
}

static int store_raw_rows(struct hdr_ctx *, struct store_msg *, const char *,
    size_t, const char *, int64_t, struct perr *);

/*
 * Store m from the raw bytes of its message, with what src/mail reads from
 * their header (raw NULL: m as it is, a placeholder), and the raw bytes as
 * its body. m comes with its UID, flags and problem; the caller frees it.
 * replace: the row it takes the place of (a placeholder tried again), 0:
 * none. One transaction.
 */
static int
store_raw(struct hdr_ctx *hc, struct store_msg *m, const char *raw,
    size_t len, int64_t replace, struct perr *err)
{
	struct mail_headers	 mh;
	struct perr		 perr;
	char			*text = NULL, *problem = NULL;
	int			 rc;

	m->folder_id = hc->f->id;
	/* One parse gives the header, the search text and any problem. */
	if (raw != NULL && mail_index(raw, len, 1 << 20, &mh, &text,
	    &problem, &perr) == 0) {
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
		mail_headers_free(&mh);
		if (m->problem == NULL)
			m->problem = problem;
		else
			free(problem);
	}
	m->size = raw != NULL ? (int64_t)len : 0;
	rc = store_raw_rows(hc, m, raw, len, text, replace, err);
	free(text);
	return rc;
}

/* store_raw()'s transaction. */
static int
store_raw_rows(struct hdr_ctx *hc, struct store_msg *m, const char *raw,
    size_t len, const char *text, int64_t replace, struct perr *err)
{
	struct sync_session	*s = hc->s;
	int64_t			 id;

	if (store_begin(s->st, err) != 0)
		return -1;
	/*
	 * A replaced row gives up its UID first (it is UNIQUE in the
	 * folder), then its journal entries to the new row, so that an
	 * action the user took on the placeholder still acts on the message.
	 */
	if ((replace != 0 && store_msg_set_uid(s->st, replace, 0, err) != 0) ||
	    store_row(hc, m, &id, err) != 0 ||
	    (replace != 0 && id != 0 &&
	    store_journal_repoint(s->st, replace, id, err) != 0) ||
	    (replace != 0 && store_msg_delete(s->st, replace, err) != 0) ||
	    (id != 0 && raw != NULL &&
	    body_store(s, id, raw, len, text, err) != 0)) {
		(void)store_rollback(s->st, NULL);
		return -1;
	}
	return store_commit(s->st, err);
}

/*
 * A command about a message that broke a reply failed: a reply that could
 * not be parsed costs the connection (opened again), and a NO costs
 * nothing; neither costs the pass. Anything else does.
 */
static int
recover(struct narrow *nw, const struct perr *ferr, struct perr *err)
{
	struct imap_be	*be = nw->s->be;

	if (be->c->unparsed)
		return reopen(nw->s, nw->f, nw->uidvalidity, err);
	if (imap_fatal(ferr)) {
		*err = *ferr;
		return -1;
	}
	return 0;
}

static int
flags_one(void *arg, const struct imap_flags *fl)
{
	struct store_msg	*m = arg;

	m->flags = store_flags(fl->flags);
	free(m->keywords);
	m->keywords = fl->keywords != NULL ? xstrdup(fl->keywords) : NULL;
	return 0;
}

/*
 * The flags of a message whose contents could not be had. FLAGS alone
 * come in a reply too plain to break; if that broke anyway, once more on
 * the new connection, so that a message read elsewhere does not come back
 * unread. 0: the server answered (no reply about uid: it is gone); 1: it
 * did not; -1: the session is lost.
 */
static int
placeholder_flags(struct narrow *nw, uint32_t uid, imap_flags_cb cb,
    void *arg, struct perr *err)
{
	struct imap_be	*be = nw->s->be;
	struct perr	 ferr;
	int		 try;

	for (try = 0; try < 2; try++) {
		if (imap_fetch_flags(be->c, uid, uid, 0, cb, arg, &ferr) == 0)
			return 0;
		if (recover(nw, &ferr, err) != 0)
			return -1;
	}
	return 1;
}

/*
 * uid's description (ENVELOPE, BODYSTRUCTURE...) broke libetpan's parser,
 * even alone. Its raw bytes usually parse (a literal is counted, not
 * read): the message is stored from them. If they cannot be had either, a
 * placeholder keeps the UID and flags; retry_lost() tries it again.
 */
static int
unparsed_one(struct narrow *nw, uint32_t uid, struct perr *err)
{
	struct hdr_ctx		*hc = nw->arg;
	struct sync_session	*s = nw->s;
	struct imap_be		*be = s->be;
	struct store_msg	 m;
	struct perr		 ferr;
	char			*raw = NULL;
	size_t			 len = 0;
	int			 rc = -1;

	memset(&m, 0, sizeof m);
	m.uid = uid;
	if (placeholder_flags(nw, uid, flags_one, &m, err) < 0)
		goto out;
	if (imap_fetch_body(be->c, uid, MAIL_MSG_MAX, &raw, &len,
	    &ferr) != 0) {
		if (ferr.code == PERR_NOTFOUND) {
			rc = 0;		/* expunged meanwhile */
			goto out;
		}
		if (recover(nw, &ferr, err) != 0)
			goto out;
	}
	m.problem = xstrdup(raw != NULL ? PROBLEM_RAW : PROBLEM_LOST);
	if (store_raw(hc, &m, raw, len, 0, err) != 0)
		goto out;
	s->prog.problems++;
	if (raw != NULL)
		j_note(s, "%s: message UID %u: the server's description of it "
		    "could not be parsed; stored from its raw source",
		    nw->f->name, uid);
	else
		j_note(s, "%s: message UID %u: the server's description of it "
		    "could not be parsed, nor its raw source fetched; kept "
		    "without them (posta sync --folder '%s' tries again)",
		    nw->f->name, uid, nw->f->name);
	rc = 0;
out:
	free(raw);
	store_msg_free(&m);
	return rc;
}

/* flags_one(), noting that the server still has the message. */
struct flags_seen {
	struct store_msg	*m;
	bool			 seen;
};

static int
flags_seen(void *arg, const struct imap_flags *fl)
{
	struct flags_seen	*fs = arg;

	fs->seen = true;
	return flags_one(fs->m, fl);
}

/*
 * The server refused uid's description alone, and sends other messages of
 * the folder: a placeholder keeps the UID and flags (FLAGS come from the
 * index, which a server refusing the message's file still reads), with
 * the server's words; retry_lost() tries it again.
 */
static int
refused_one(struct narrow *nw, uint32_t uid, const char *why,
    struct perr *err)
{
	struct hdr_ctx		*hc = nw->arg;
	struct sync_session	*s = nw->s;
	struct store_msg	 m;
	struct flags_seen	 fs = { &m, false };
	int			 r, rc = -1;

	memset(&m, 0, sizeof m);
	m.uid = uid;
	if ((r = placeholder_flags(nw, uid, flags_seen, &fs, err)) < 0)
		goto out;
	if (r == 0 && !fs.seen) {
		rc = 0;		/* expunged meanwhile */
		goto out;
	}
	m.problem = xasprintf(PROBLEM_REFUSED, why);
	if (store_raw(hc, &m, NULL, 0, 0, err) != 0)
		goto out;
	s->prog.problems++;
	j_note(s, "%s: message UID %u: the server would not send it (%s); "
	    "kept without it (posta sync --folder '%s' tries again)",
	    nw->f->name, uid, why, nw->f->name);
	rc = 0;
out:
	store_msg_free(&m);
	return rc;
}

static int
hdr_fetch(struct narrow *nw, const uint32_t *uids, size_t n, struct perr *err)
{
	struct imap_be	*be = nw->s->be;

	return imap_fetch_headers(be->c, uids, n, be->condstore, store_header,
	    nw->arg, err);
}

static void
hdr_init(struct hdr_ctx *hc, struct narrow *nw, struct sync_session *s,
    const struct store_folder *f, uint32_t uidvalidity, bool remap,
    struct perr *err)
{
	memset(nw, 0, sizeof *nw);
	nw->s = s;
	nw->f = f;
	nw->uidvalidity = uidvalidity;
	nw->fetch = hdr_fetch;
	nw->broken = unparsed_one;
	nw->refused = refused_one;
	nw->arg = hc;
	hc->s = s;
	hc->f = f;
	hc->err = err;
	hc->remap = remap;
	hc->nw = nw;
}

/*
 * Fetch and store the headers of uids[0..n), newest first, in batches:
 * one transaction each, narrowed down when a reply breaks.
 */
static int
fetch_new(struct sync_session *s, const struct store_folder *f,
    uint32_t uidvalidity, const uint32_t *uids, size_t n, bool remap,
    struct perr *err)
{
	struct hdr_ctx	hc;
	struct narrow	nw;
	size_t		end, start;

	hdr_init(&hc, &nw, s, f, uidvalidity, remap, err);
	s->prog.total += n;
	for (end = n; end > 0; end = start) {
		start = end > HEADER_BATCH ? end - HEADER_BATCH : 0;
		if (narrow_fetch(&nw, uids + start, end - start, err) != 0)
			return -1;
		sync_report(s);
	}
	return 0;
}

/* A folder's rows with a UID and no body, at most MAIL_MSG_MAX. */
struct lost {
	int64_t		*ids;
	size_t		 n;
};

static int
lost_one(void *arg, int64_t id, uint32_t uid, int64_t size)
{
	struct lost	*l = arg;

	(void)uid;
	(void)size;
	l->ids = xreallocarray(l->ids, l->n + 1, sizeof *l->ids);
	l->ids[l->n++] = id;
	return 0;
}

/* A problem of refused_one()'s: the server's description was never wrong. */
static bool
was_refused(const struct store_msg *m)
{
	return m->problem != NULL && strncmp(m->problem, PROBLEM_REFUSED_AS,
	    strlen(PROBLEM_REFUSED_AS)) == 0;
}

/*
 * Fetch row m's message again: a placeholder (PROBLEM_LOST, no size) is
 * replaced by a row stored from the raw source (with PROBLEM_RAW, unless
 * it was only refused), a row whose body broke or was refused
 * (PROBLEM_BODY...) gets it and loses its problem.
 */
static int
retry_store(struct hdr_ctx *hc, const struct store_msg *m, const char *raw,
    size_t len, struct perr *err)
{
	struct sync_session	*s = hc->s;
	struct store_msg	 fresh;
	int			 rc;

	if (m->size != 0) {
		if (store_begin(s->st, err) != 0)
			return -1;
		if (body_put(s, m->id, raw, len, err) != 0 ||
		    store_msg_set_problem(s->st, m->id, NULL, err) != 0) {
			(void)store_rollback(s->st, NULL);
			return -1;
		}
		return store_commit(s->st, err);
	}
	memset(&fresh, 0, sizeof fresh);
	fresh.uid = m->uid;
	fresh.flags = m->flags;
	fresh.keywords = m->keywords != NULL ? xstrdup(m->keywords) : NULL;
	if (!was_refused(m))
		fresh.problem = xstrdup(PROBLEM_RAW);
	rc = store_raw(hc, &fresh, raw, len, m->id, err);
	store_msg_free(&fresh);
	return rc;
}

/* Row id again, if it has a problem (see retry_lost()). */
static int
retry_one(struct hdr_ctx *hc, int64_t id, struct perr *err)
{
	struct sync_session	*s = hc->s;
	struct imap_be		*be = s->be;
	struct store_msg	 m;
	struct perr		 ferr;
	char			*raw = NULL;
	size_t			 len;
	int			 rc = 0;

	if (store_msg_get(s->st, id, &m, err) != 0)
		return -1;
	if (m.problem == NULL)
		goto out;
	if (imap_fetch_body(be->c, m.uid, MAIL_MSG_MAX, &raw, &len,
	    &ferr) != 0) {
		/* Gone (the pass drops it), or still broken: it stays. */
		if (ferr.code != PERR_NOTFOUND &&
		    (rc = recover(hc->nw, &ferr, err)) == 0)
			j_note(s, "%s: message UID %u: it still cannot be "
			    "fetched", hc->f->name, m.uid);
		goto out;
	}
	if ((rc = retry_store(hc, &m, raw, len, err)) == 0)
		j_note(s, "%s: message UID %u: %s now", hc->f->name, m.uid,
		    m.size != 0 ? "its body is stored" : was_refused(&m) ?
		    "stored" : "stored from its raw source");
out:
	free(raw);
	store_msg_free(&m);
	return rc;
}

/*
 * A sync of one folder alone (posta sync --folder) tries its messages
 * with a problem again, the way a user expects a mail client to when
 * asked; ordinary passes leave them be, so that one broken message does
 * not cost every pass a new connection and a report. A placeholder read
 * now is replaced by a row stored from its raw source, under a new id
 * (there is no other way to give a row its header fields).
 */
static int
retry_lost(struct sync_session *s, const struct store_folder *f,
    uint32_t uidvalidity, struct perr *err)
{
	struct hdr_ctx	hc;
	struct narrow	nw;
	struct lost	l = { NULL, 0 };
	size_t		i;
	int		rc = 0;

	hdr_init(&hc, &nw, s, f, uidvalidity, false, err);
	if (store_msg_bodiless(s->st, f->id, 0, (int64_t)MAIL_MSG_MAX, true,
	    lost_one, &l, err) < 0)
		return -1;
	for (i = 0; i < l.n && rc == 0; i++)
		rc = retry_one(&hc, l.ids[i], err);
	free(l.ids);
	return rc;
}

/* UIDs from UIDNEXT up: new ones collected, known ones get their flags. */
struct above {
	struct sync_session		*s;
	const struct store_folder	*f;
	struct perr			*err;
	struct imap_uids		*nu;
	uint32_t			 from;
};

static int
above_one(void *arg, const struct imap_flags *fl)
{
	struct above	*a = arg;
	int		 r;

	/* "n:*" also answers with the last message when it is below n. */
	if (fl->uid < a->from)
		return 0;
	r = store_msg_flags_uid(a->s->st, a->f->id, fl->uid,
	    store_flags(fl->flags), fl->keywords != NULL ? fl->keywords : "",
	    0, a->err);
	if (r < 0)
		return 1;
	if (r == 0) {
		a->nu->v = xreallocarray(a->nu->v, a->nu->n + 1,
		    sizeof *a->nu->v);
		a->nu->v[a->nu->n++] = fl->uid;
	}
	return 0;
}

/* ---- the full diff --------------------------------------------------------- */

struct srv {
	uint32_t	 uid;
	unsigned	 flags;
	char		*keywords;
	bool		 known;
};

struct full {
	struct srv	*v;
	size_t		 n, cap, i;
	/* From the store walk. */
	uint32_t	*gone;
	size_t		 ngone;
	size_t		*changed;	/* indexes into v */
	size_t		 nchanged;
	int64_t		 with_uid;
};

static int
full_collect(void *arg, const struct imap_flags *fl)
{
	struct full	*fu = arg;

	if (fu->n == fu->cap) {
		fu->cap = fu->cap ? fu->cap * 2 : 1024;
		fu->v = xreallocarray(fu->v, fu->cap, sizeof *fu->v);
	}
	fu->v[fu->n].uid = fl->uid;
	fu->v[fu->n].flags = store_flags(fl->flags);
	fu->v[fu->n].keywords = fl->keywords != NULL && *fl->keywords != '\0' ?
	    xstrdup(fl->keywords) : NULL;
	fu->v[fu->n].known = false;
	fu->n++;
	return 0;
}

static int
srv_cmp(const void *a, const void *b)
{
	const struct srv	*x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static bool
kw_eq(const char *a, const char *b)
{
	if (a == NULL || *a == '\0')
		return b == NULL || *b == '\0';
	return b != NULL && strcmp(a, b) == 0;
}

/* The store walks its UIDs ascending; so is v: merge the two. */
static int
full_walk(void *arg, const struct store_uid *u)
{
	struct full	*fu = arg;
	struct srv	*sv;

	fu->with_uid++;
	while (fu->i < fu->n && fu->v[fu->i].uid < u->uid)
		fu->i++;
	if (fu->i < fu->n && fu->v[fu->i].uid == u->uid) {
		sv = &fu->v[fu->i];
		sv->known = true;
		if (sv->flags != (u->flags & ~(unsigned)STORE_RECENT) ||
		    !kw_eq(sv->keywords, u->keywords)) {
			fu->changed = xreallocarray(fu->changed,
			    fu->nchanged + 1, sizeof *fu->changed);
			fu->changed[fu->nchanged++] = fu->i;
		}
		fu->i++;
		return 0;
	}
	fu->gone = xreallocarray(fu->gone, fu->ngone + 1, sizeof *fu->gone);
	fu->gone[fu->ngone++] = u->uid;
	return 0;
}

static void
full_free(struct full *fu)
{
	size_t	i;

	for (i = 0; i < fu->n; i++)
		free(fu->v[i].keywords);
	free(fu->v);
	free(fu->gone);
	free(fu->changed);
}

/* Rows of the folder without a UID (forgotten by a UIDVALIDITY change). */
struct orphans {
	int64_t			*ids;
	size_t			 n;
	struct store_page_key	 last;
	int			 rows;
};

static int
orphan_one(void *arg, const struct store_msg *m)
{
	struct orphans	*o = arg;

	o->last.date = m->date;
	o->last.id = m->id;
	o->rows++;
	if (m->uid == 0) {
		o->ids = xreallocarray(o->ids, o->n + 1, sizeof *o->ids);
		o->ids[o->n++] = m->id;
	}
	return 0;
}

static int
drop_orphans(struct sync_session *s, const struct store_folder *f,
    struct perr *err)
{
	struct orphans	o = { 0 };
	size_t		i;
	bool		held;
	int		before, rc = -1;

	for (;;) {
		before = o.rows;
		if (store_msg_page(s->st, f->id, o.rows > 0 ? &o.last : NULL,
		    500, orphan_one, &o, err) < 0)
			goto out;
		if (o.rows - before < 500)
			break;
	}
	if (o.n == 0) {
		rc = 0;
		goto out;
	}
	if (store_begin(s->st, err) != 0)
		goto out;
	for (i = 0; i < o.n; i++) {
		/*
		 * A row the journal still names is the result of a move,
		 * copy or append the server has not seen: not an orphan.
		 */
		if (store_journal_holds(s->st, o.ids[i], &held, err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
		if (held)
			continue;
		if (store_msg_delete(s->st, o.ids[i], err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
		s->prog.expunged++;
	}
	if (store_commit(s->st, err) != 0)
		goto out;
	rc = 0;
out:
	free(o.ids);
	return rc;
}

static int
pull_full(struct sync_session *s, const struct store_folder *f,
    const struct imap_selected *sel, struct perr *err)
{
	struct imap_be	*be = s->be;
	struct full	 fu;
	uint32_t	*fresh = NULL;
	size_t		 i, nfresh = 0;
	int64_t		 total, unread, n;
	int		 rc = -1;

	memset(&fu, 0, sizeof fu);
	s->prog.full = true;
	if (sel->exists > 0 &&
	    imap_fetch_flags(be->c, 1, 0, 0, full_collect, &fu, err) != 0)
		goto out;
	if (fu.n > 1)
		qsort(fu.v, fu.n, sizeof *fu.v, srv_cmp);
	if (store_msg_uids(s->st, f->id, full_walk, &fu, err) < 0)
		goto out;

	if (fu.ngone > 0 || fu.nchanged > 0) {
		if (store_begin(s->st, err) != 0)
			goto out;
		for (i = 0; i < fu.ngone; i++) {
			if (store_msg_delete_uid(s->st, f->id, fu.gone[i], &n,
			    err) != 0)
				goto rollback;
			s->prog.expunged += (uint64_t)n;
		}
		for (i = 0; i < fu.nchanged; i++) {
			struct srv *sv = &fu.v[fu.changed[i]];

			if (store_msg_flags_uid(s->st, f->id, sv->uid,
			    sv->flags, sv->keywords != NULL ? sv->keywords : "",
			    0, err) < 0)
				goto rollback;
			s->prog.changed++;
		}
		if (store_commit(s->st, err) != 0)
			goto out;
	}

	fresh = xreallocarray(NULL, fu.n + 1, sizeof *fresh);
	for (i = 0; i < fu.n; i++)
		if (!fu.v[i].known)
			fresh[nfresh++] = fu.v[i].uid;
	/* Rows without a UID: a UIDVALIDITY change to undo by Message-ID. */
	if (store_folder_counts(s->st, f->id, &total, &unread, err) != 0)
		goto out;
	if (fetch_new(s, f, sel->uidvalidity, fresh, nfresh,
	    total > fu.with_uid, err) != 0)
		goto out;
	if (total > fu.with_uid && drop_orphans(s, f, err) != 0)
		goto out;
	rc = 0;
	goto out;
rollback:
	(void)store_rollback(s->st, NULL);
out:
	free(fresh);
	full_free(&fu);
	return rc;
}

/* ---- CONDSTORE expunges ------------------------------------------------------ */

struct known {
	uint32_t	*v;	/* server UIDs, ascending */
	size_t		 n, i;
	uint32_t	*gone;
	size_t		 ngone;
	uint32_t	 below;
};

static int
known_walk(void *arg, const struct store_uid *u)
{
	struct known	*k = arg;

	if (u->uid >= k->below)
		return 0;
	while (k->i < k->n && k->v[k->i] < u->uid)
		k->i++;
	if (k->i < k->n && k->v[k->i] == u->uid) {
		k->i++;
		return 0;
	}
	k->gone = xreallocarray(k->gone, k->ngone + 1, sizeof *k->gone);
	k->gone[k->ngone++] = u->uid;
	return 0;
}

/* Expunged below `below`: the server's UIDs diffed with ours. */
static int
expunges_by_search(struct sync_session *s, const struct store_folder *f,
    uint32_t below, struct perr *err)
{
	struct imap_be	*be = s->be;
	struct imap_uids u;
	struct known	 k;
	size_t		 i;
	int64_t		 n;
	int		 rc = -1;

	memset(&k, 0, sizeof k);
	if (below <= 1)
		return 0;
	if (imap_search_uids(be->c, 1, below - 1, &u, err) != 0)
		return -1;
	k.v = u.v;
	k.n = u.n;
	k.below = below;
	if (store_msg_uids(s->st, f->id, known_walk, &k, err) < 0)
		goto out;
	if (k.ngone == 0) {
		rc = 0;
		goto out;
	}
	if (store_begin(s->st, err) != 0)
		goto out;
	for (i = 0; i < k.ngone; i++) {
		if (store_msg_delete_uid(s->st, f->id, k.gone[i], &n,
		    err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
		s->prog.expunged += (uint64_t)n;
	}
	if (store_commit(s->st, err) != 0)
		goto out;
	rc = 0;
out:
	free(k.gone);
	imap_uids_free(&u);
	return rc;
}

/* ---- one folder ---------------------------------------------------------------- */

static int
pull_once(struct sync_session *s, const struct store_folder *f,
    bool *qr_refused, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_selected	 sel;
	struct imap_qresync	 qr;
	struct imap_uids	 nu;
	struct apply		 ap = { s, f, err, 0 };
	struct imap_uidrange	*r;
	uint32_t		 last = 0, uidnext;
	uint64_t		 hms = 0;
	int64_t			 n, total, unread;
	size_t			 i;
	bool			 incremental, use_qr;
	int			 how, rc = -1;

	memset(&nu, 0, sizeof nu);
	memset(&sel, 0, sizeof sel);
	/* Incremental only from a completed pass: uidnext is set last. */
	incremental = f->uidvalidity != 0 && f->uidnext != 0;
	use_qr = incremental && be->qresync && f->highestmodseq != 0;
	if (use_qr && store_msg_max_uid(s->st, f->id, &last, err) != 0)
		return -1;
	qr.uidvalidity = f->uidvalidity;
	qr.modseq = f->highestmodseq;
	qr.last_uid = last;
	how = IMAP_SELECT_EXAMINE | (be->condstore ? IMAP_SELECT_CONDSTORE : 0);

	free(be->selected);
	be->selected = NULL;
	/* The QRESYNC changes are written as they arrive: one transaction. */
	ap.below = f->uidnext;
	if (store_begin(s->st, err) != 0)
		return -1;
	if (imap_select(be->c, f->remote_name, how, use_qr ? &qr : NULL,
	    apply_flags, &ap, &sel, err) != 0) {
		(void)store_rollback(s->st, NULL);
		/* Refused or garbled, not a dead link: see pull_folder(). */
		if (use_qr && qr_refused != NULL && !s->cancelled &&
		    (err->code == PERR_NOTFOUND || err->code == PERR_GENERIC ||
		    err->code == PERR_PROTOCOL))
			*qr_refused = true;
		goto out;
	}
	be->selected = xstrdup(f->remote_name);
	be->selected_rw = false;
	if (sel.uidvalidity == 0) {
		(void)store_rollback(s->st, NULL);
		net_fail(err, NULL, be->c->report.hostport, PERR_PROTOCOL,
		    "%s: the server gave no UIDVALIDITY", f->name);
		goto out;
	}

	if (f->uidvalidity != sel.uidvalidity) {
		/*
		 * First sync, or the server renumbered the folder. Record the
		 * new UIDVALIDITY before storing a single UID under it.
		 */
		(void)store_rollback(s->st, NULL);
		if (store_begin(s->st, err) != 0)
			goto out;
		if ((f->uidvalidity != 0 &&
		    (store_folder_forget_uids(s->st, f->id, err) != 0 ||
		    store_journal_forget_uids(s->st, f->id, err) != 0)) ||
		    store_folder_set_sync(s->st, f->id, sel.uidvalidity, 0, 0,
		    f->last_sync, err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
		if (store_commit(s->st, err) != 0)
			goto out;
		incremental = false;
	} else if (sel.qresync) {
		/* VANISHED (EARLIER): gone since the last pass. */
		for (i = 0; i < sel.vanished.n; i++) {
			r = &sel.vanished.r[i];
			if (store_msg_delete_uids(s->st, f->id, r->first,
			    r->last, &n, err) != 0) {
				(void)store_rollback(s->st, NULL);
				goto out;
			}
			s->prog.expunged += (uint64_t)n;
		}
		if (store_commit(s->st, err) != 0)
			goto out;
	} else if (store_commit(s->st, err) != 0)
		goto out;

	/*
	 * HIGHESTMODSEQ never goes down (RFC 7162 3.1.2.1) and fits 63 bits:
	 * one that did either says nothing about what changed since ours
	 * (changes at or below it would never be asked for), so the flags
	 * are read again in full, and only a sane value is kept.
	 */
	hms = modseq_ok(sel.highestmodseq);
	if (incremental && f->highestmodseq != 0 && sel.highestmodseq != 0 &&
	    (hms == 0 || f->highestmodseq > (uint64_t)INT64_MAX ||
	    hms < f->highestmodseq)) {
		j_note(s, "%s: the server's HIGHESTMODSEQ went from %llu to "
		    "%llu; its flags are read again in full", f->name,
		    (unsigned long long)f->highestmodseq,
		    (unsigned long long)sel.highestmodseq);
		incremental = false;
	}
	if (!incremental) {
		if (pull_full(s, f, &sel, err) != 0)
			goto out;
		goto done;
	}

	if (!sel.qresync) {
		if (be->condstore && f->highestmodseq != 0 &&
		    sel.highestmodseq != 0) {
			/* CONDSTORE: only what changed since the last pass. */
			if (sel.highestmodseq != f->highestmodseq &&
			    f->uidnext > 1) {
				if (store_begin(s->st, err) != 0)
					goto out;
				if (imap_fetch_flags(be->c, 1, f->uidnext - 1,
				    f->highestmodseq, apply_flags, &ap,
				    err) != 0) {
					(void)store_rollback(s->st, NULL);
					goto out;
				}
				if (store_commit(s->st, err) != 0)
					goto out;
			}
		} else {
			/* Neither: the full listing is the only way. */
			if (pull_full(s, f, &sel, err) != 0)
				goto out;
			goto done;
		}
	}

	/*
	 * New messages, when UIDNEXT moved (or the server does not say).
	 * Their flags come along: a UID above the old UIDNEXT that a row
	 * already has was given to it by the journal's replay (COPYUID,
	 * APPENDUID), and the row shows the user's flags, not the server's.
	 */
	if (sel.uidnext == 0 || sel.uidnext != f->uidnext) {
		struct above ab = { s, f, err, &nu, f->uidnext };

		if (store_begin(s->st, err) != 0)
			goto out;
		if (imap_fetch_flags(be->c, f->uidnext, 0, 0, above_one, &ab,
		    err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
		if (store_commit(s->st, err) != 0)
			goto out;
	}
	if (!sel.qresync) {
		/*
		 * CONDSTORE does not report expunges. Messages below the old
		 * UIDNEXT on the server must equal ours; only if they do not
		 * is the UID list worth fetching.
		 */
		if (store_folder_counts(s->st, f->id, &total, &unread,
		    err) != 0)
			goto out;
		if ((int64_t)sel.exists != total + (int64_t)nu.n &&
		    expunges_by_search(s, f, f->uidnext, err) != 0)
			goto out;
	}
	if (fetch_new(s, f, sel.uidvalidity, nu.v, nu.n, false, err) != 0)
		goto out;

done:
	/* Asked for this folder alone: its placeholders are tried again. */
	if (s->opts->folder != NULL &&
	    retry_lost(s, f, sel.uidvalidity, err) != 0)
		goto out;
	/*
	 * The server's flags are written: the user's changes that have not
	 * reached it (waiting or failed entries) go back on top.
	 */
	if (store_journal_reapply_flags(s->st, s->account_id, f->id, err) != 0)
		goto out;
	/* Everything the state describes is committed: record it. */
	uidnext = sel.uidnext;
	if (uidnext == 0) {
		if (store_msg_max_uid(s->st, f->id, &last, err) != 0)
			goto out;
		uidnext = last + 1;
	}
	if (store_folder_set_sync(s->st, f->id, sel.uidvalidity, uidnext,
	    be->condstore ? hms : 0, (int64_t)time(NULL), err) != 0)
		goto out;
	rc = 0;
out:
	imap_uids_free(&nu);
	imap_selected_free(&sel);
	if (rc != 0 && !imap_fatal(err))
		perr_prefix(err, "%s", f->name);
	return rc;
}

/*
 * A server that answers the hand-built SELECT (QRESYNC (...)) with BAD, or
 * with a NO while the folder is there, must not cost the pass: QRESYNC is
 * no longer enabled on a new connection and the folder is pulled again
 * with CONDSTORE. (QRESYNC stays enabled on the old one, and its VANISHED
 * replies would change what every later command says, hence the new one.)
 */
static int
pull_folder(struct sync_session *s, const struct store_folder *f,
    struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_selected	 sel;
	struct perr		 perr;
	bool			 refused = false;

	if (pull_once(s, f, &refused, err) == 0)
		return 0;
	if (!refused)
		return -1;
	if (err->code != PERR_PROTOCOL) {
		/* A NO: is the folder gone, or only the QRESYNC form refused? */
		free(be->selected);
		be->selected = NULL;
		if (imap_select(be->c, f->remote_name, IMAP_SELECT_EXAMINE,
		    NULL, NULL, NULL, &sel, &perr) != 0) {
			imap_selected_free(&sel);
			if (imap_fatal(&perr))
				*err = perr;
			return -1;
		}
		imap_selected_free(&sel);
	}
	be->no_qresync = true;
	conn_drop(s, be, true);
	if (conn_open(s, be, err) != 0)
		return -1;
	return pull_once(s, f, NULL, err);
}

/* ---- bodies --------------------------------------------------------------------- */

struct body_ctx {
	struct sync_session		*s;
	const struct sync_body_req	*req;
	size_t				 n;
	struct perr			*err;
	struct narrow			*nw;
};

/* The request for uid, or NULL: not asked for (a server's whim). */
static const struct sync_body_req *
body_req(const struct body_ctx *bc, uint32_t uid)
{
	size_t	i;

	for (i = 0; i < bc->n && bc->req[i].uid != uid; i++)
		;
	return i < bc->n ? &bc->req[i] : NULL;
}

/*
 * The server sent len bytes, over MAIL_MSG_MAX, for message rq whose
 * RFC822.SIZE said less (else it would not have been asked for): the row
 * gets the size it really has and the problem marker, so that no pass,
 * retry or `posta show` downloads it again, and the user learns why.
 */
static int
body_oversize(struct body_ctx *bc, const struct sync_body_req *rq,
    uint32_t uid, size_t len)
{
	struct sync_session	*s = bc->s;
	char			*problem;
	int			 rc;

	problem = xasprintf(PROBLEM_SIZE_LIE, (long long)rq->size,
	    (double)len / (1 << 20), MAIL_MSG_MAX >> 20);
	rc = store_msg_set_size(s->st, rq->id, (int64_t)len, bc->err);
	if (rc == 0)
		rc = store_msg_set_problem(s->st, rq->id, problem, bc->err);
	free(problem);
	if (rc != 0)
		return rc;
	s->prog.problems++;
	j_note(s, "%s: message UID %u: the server announced %lld bytes and "
	    "sent %zu; its body was not kept", bc->nw->f->name, uid,
	    (long long)rq->size, len);
	return 0;
}

static int
store_body(void *arg, uint32_t uid, const char *raw, size_t len)
{
	struct body_ctx			*bc = arg;
	const struct sync_body_req	*rq;

	if ((rq = body_req(bc, uid)) == NULL)
		return 0;
	if (raw == NULL) {
		if (body_oversize(bc, rq, uid, len) != 0 &&
		    bc->err->code != PERR_NOTFOUND) {
			bc->nw->failed = true;
			return 1;
		}
	} else if (body_put(bc->s, rq->id, raw, len, bc->err) != 0 &&
	    bc->err->code != PERR_NOTFOUND) {
		bc->nw->failed = true;
		return 1;
	}
	/* Stored, or deleted by the user meanwhile: nothing to attach to. */
	perr_clear(bc->err);
	narrow_got(bc->nw, uid);
	return 0;
}

static int
body_fetch(struct narrow *nw, const uint32_t *uids, size_t n,
    struct perr *err)
{
	struct imap_be	*be = nw->s->be;

	return imap_fetch_bodies(be->c, uids, n, MAIL_MSG_MAX, store_body,
	    nw->arg, err);
}

/*
 * uid's BODY[] could not be had, even alone: the row keeps its headers
 * and gets problem, which keeps every later pass from asking again
 * (sync.c, want_one()); retry_lost() tries it. what: why, for the note.
 */
static int
body_problem(struct narrow *nw, uint32_t uid, const char *problem,
    const char *what, struct perr *err)
{
	struct body_ctx			*bc = nw->arg;
	const struct sync_body_req	*rq;

	if ((rq = body_req(bc, uid)) == NULL)
		return 0;
	if (store_msg_set_problem(nw->s->st, rq->id, problem, err) != 0) {
		if (err->code != PERR_NOTFOUND)
			return -1;
		perr_clear(err);
		return 0;
	}
	nw->s->prog.problems++;
	j_note(nw->s, "%s: message UID %u: %s; only its headers are stored "
	    "(posta sync --folder '%s' tries again)", nw->f->name, uid, what,
	    nw->f->name);
	return 0;
}

/* uid's BODY[] reply broke libetpan's parser, even alone. */
static int
body_broken(struct narrow *nw, uint32_t uid, struct perr *err)
{
	return body_problem(nw, uid, PROBLEM_BODY, "the server's copy of it "
	    "could not be parsed", err);
}

/* The server refused uid's BODY[] alone, and sends others of the folder. */
static int
body_refused(struct narrow *nw, uint32_t uid, const char *why,
    struct perr *err)
{
	char	*problem, *what;
	int	 rc;

	problem = xasprintf(PROBLEM_BODY_REFUSED, why);
	what = xasprintf("the server would not send its body (%s)", why);
	rc = body_problem(nw, uid, problem, what, err);
	free(what);
	free(problem);
	return rc;
}

static int
fetch_bodies(struct sync_session *s, const struct store_folder *f,
    const struct sync_body_req *req, size_t n, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_selected	 sel;
	struct store_folder	 now;
	struct narrow		 nw;
	struct body_ctx		 bc = { s, req, n, err, &nw };
	uint32_t		*uids;
	size_t			 i;
	int			 r;

	if (be->selected == NULL || strcmp(be->selected, f->remote_name) != 0) {
		free(be->selected);
		be->selected = NULL;
		if (imap_select(be->c, f->remote_name, IMAP_SELECT_EXAMINE, NULL,
		    NULL, NULL, &sel, err) != 0) {
			imap_selected_free(&sel);
			return -1;
		}
		/* Renumbered since the headers: the next pass re-maps. */
		if (sel.uidvalidity != f->uidvalidity && f->uidvalidity != 0) {
			imap_selected_free(&sel);
			return 0;
		}
		imap_selected_free(&sel);
		be->selected = xstrdup(f->remote_name);
		be->selected_rw = false;
	}
	/* f was read before the pull: its UIDVALIDITY may be the old one. */
	if (store_folder_get(s->st, f->id, &now, err) != 0)
		return -1;
	memset(&nw, 0, sizeof nw);
	nw.s = s;
	nw.f = f;
	nw.uidvalidity = now.uidvalidity;
	nw.fetch = body_fetch;
	nw.broken = body_broken;
	nw.refused = body_refused;
	nw.arg = &bc;
	store_folder_free(&now);
	uids = xreallocarray(NULL, n, sizeof *uids);
	for (i = 0; i < n; i++)
		uids[i] = req[i].uid;
	r = narrow_fetch(&nw, uids, n, err);
	free(uids);
	return r;
}

/* ---- replaying the journal (doc/SYNC-RULES.md 3 and 4) --------------------------- */

static unsigned
imap_bits(unsigned f)
{
	unsigned	b = 0;
	size_t		i;

	for (i = 0; i < sizeof flag_map / sizeof flag_map[0]; i++)
		if (f & flag_map[i].store)
			b |= flag_map[i].imap;
	return b;
}

/* A note for the user (dropped actions), through the progress callback. */
static void __attribute__((format(printf, 2, 3)))
j_note(struct sync_session *s, const char *fmt, ...)
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

/* The folder as the user knows it, for notes; malloc'd. */
static char *
j_folder(const struct sync_session *s, const char *raw)
{
	return display_name(s->be, raw != NULL ? raw : "?");
}

/*
 * Mark entries sent (about to go out), in one transaction. uids (may be
 * NULL): the UIDs they go out with; an entry written without one gets it,
 * so that a check after a crash asks about the same message.
 */
static int
j_mark(struct sync_session *s, const struct store_journal *const *v, size_t n,
    const uint32_t *uids, struct perr *err)
{
	size_t	i;

	if (n == 0)
		return 0;
	if (store_begin(s->st, err) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((v[i]->state != STORE_JSENT &&
		    store_journal_sent(s->st, v[i]->id, err) != 0) ||
		    (uids != NULL && v[i]->uid == 0 && uids[i] != 0 &&
		    store_journal_set_uid(s->st, v[i]->id, uids[i], err) != 0)) {
			(void)store_rollback(s->st, NULL);
			return -1;
		}
	return store_commit(s->st, err);
}

/* Settle entries: done (deleted), or failed with why's words. */
static int
j_settle(struct sync_session *s, const struct store_journal *const *v,
    size_t n, const struct perr *why, struct perr *err)
{
	size_t	i;
	int	r;

	if (n == 0)
		return 0;
	if (store_begin(s->st, err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		r = why == NULL ? store_journal_done(s->st, v[i]->id, err) :
		    store_journal_failed(s->st, v[i]->id, why->msg, err);
		/* Dropped by the user meanwhile: nothing to settle. */
		if (r != 0 && err->code != PERR_NOTFOUND) {
			(void)store_rollback(s->st, NULL);
			return -1;
		}
	}
	return store_commit(s->st, err);
}

/*
 * The connection failed: entries not sent yet go back to pending with the
 * error noted; sent ones stay sent (the next replay checks the server).
 * Returns -1 (err is kept).
 */
static int
j_lost(struct sync_session *s, const struct store_journal *const *v, size_t n,
    bool sent, struct perr *err)
{
	struct perr	ignored;
	size_t		i;

	if (!sent)
		for (i = 0; i < n; i++)
			if (v[i]->state != STORE_JSENT)
				(void)store_journal_defer(s->st, v[i]->id,
				    err->msg, &ignored);
	return -1;
}

/* A failure of a command on their behalf: fail them (NO) or give up (fatal). */
static int
j_refused(struct sync_session *s, const struct store_journal *const *v,
    size_t n, bool sent, struct perr *err)
{
	struct perr	why = *err;

	if (imap_fatal(err))
		return j_lost(s, v, n, sent, err);
	if (j_settle(s, v, n, &why, err) != 0)
		return -1;
	perr_clear(err);
	return 0;
}

/*
 * SELECT mailbox read-write for the replay, unless it already is. When the
 * store knows the folder under another UIDVALIDITY, the server renumbered
 * it: its rows and the journal's UIDs are forgotten (found again by
 * Message-ID; no entry is ever deleted for this) and 1 is returned, so the
 * batch is read again. -1 with err set: refused (PERR_NOTFOUND: no such
 * folder) or a broken connection; or PERR_PROTOCOL when the server gives
 * no UIDVALIDITY, as the pull refuses it (pull_once()): a UID then may
 * name any message, so nothing is sent and the entries wait.
 */
static int
j_select(struct sync_session *s, const char *mailbox, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_selected	 sel;
	struct store_folder	 f;
	struct perr		 perr;
	char			*shown;
	int			 rc = 0;

	if (mailbox == NULL)
		return perr_set(err, PERR_GENERIC, "the journal entry names "
		    "no folder");
	if (be->selected != NULL && be->selected_rw &&
	    strcmp(be->selected, mailbox) == 0)
		return 0;
	free(be->selected);
	be->selected = NULL;
	if (imap_select(be->c, mailbox, 0, NULL, NULL, NULL, &sel, err) != 0) {
		imap_selected_free(&sel);
		return -1;
	}
	if (sel.uidvalidity == 0) {
		imap_selected_free(&sel);
		shown = j_folder(s, mailbox);
		net_fail(err, NULL, be->c->report.hostport, PERR_PROTOCOL,
		    "%s: the server gave no UIDVALIDITY, so no change made "
		    "there is sent to it", shown);
		free(shown);
		return -1;
	}
	be->selected = xstrdup(mailbox);
	be->selected_rw = true;
	memset(&f, 0, sizeof f);
	if (store_folder_by_remote(s->st, s->account_id, mailbox, &f,
	    &perr) == 0 && f.uidvalidity != 0 && sel.uidvalidity != 0 &&
	    f.uidvalidity != sel.uidvalidity) {
		if (store_begin(s->st, err) != 0 ||
		    store_folder_forget_uids(s->st, f.id, err) != 0 ||
		    store_folder_set_sync(s->st, f.id, sel.uidvalidity, 0, 0,
		    f.last_sync, err) != 0 ||
		    store_journal_forget_uids(s->st, f.id, err) != 0 ||
		    store_commit(s->st, err) != 0) {
			(void)store_rollback(s->st, NULL);
			rc = -1;
		} else
			rc = 1;
	}
	store_folder_free(&f);
	imap_selected_free(&sel);
	return rc;
}

/*
 * Where the replay last put row id: the folder (remote name) and UID the
 * server gave it. Later entries on the row in that folder were written
 * without a UID; j_find() gives them this one. (Kept in memory for the
 * session, like the model of SYNC-RULES: a row that leaves a folder and
 * comes back has a new UID there, so a UID written into every later
 * entry at once would be wrong for the second visit. After a crash the
 * Message-ID search of j_find() takes over.)
 */
static void
j_place(struct imap_be *be, int64_t id, const char *folder, uint32_t uid)
{
	size_t	i;

	for (i = 0; i < be->nplaced; i++)
		if (be->placed[i].row == id)
			break;
	if (i == be->nplaced) {
		be->placed = xreallocarray(be->placed, be->nplaced + 1,
		    sizeof *be->placed);
		be->nplaced++;
		be->placed[i].folder = NULL;
	}
	free(be->placed[i].folder);
	be->placed[i].row = id;
	be->placed[i].folder = xstrdup(folder);
	be->placed[i].uid = uid;
}

static uint32_t
j_placed(const struct imap_be *be, int64_t id, const char *folder)
{
	size_t	i;

	for (i = 0; i < be->nplaced; i++)
		if (be->placed[i].row == id)
			return folder != NULL &&
			    strcmp(be->placed[i].folder, folder) == 0 ?
			    be->placed[i].uid : 0;
	return 0;
}

/*
 * The UID of e's message in the selected folder, for an entry that has
 * none: its row's UID when the row is in that folder, else a search by
 * the row's Message-ID (the highest match). *uid 0: not there.
 */
static int	j_find_free(struct sync_session *, const struct store_journal *,
		    int64_t, const uint32_t *, size_t, uint32_t *,
		    struct perr *);

static int
j_find(struct sync_session *s, const struct store_journal *e, int64_t in_folder,
    uint32_t *uid, struct perr *err)
{
	return j_find_free(s, e, in_folder, NULL, 0, uid, err);
}

/* j_find(), the search skipping the UIDs taken (given to other entries). */
static int
j_find_free(struct sync_session *s, const struct store_journal *e,
    int64_t in_folder, const uint32_t *taken, size_t ntaken, uint32_t *uid,
    struct perr *err)
{
	struct imap_be		*be = s->be;
	struct store_msg	 m;
	struct imap_uids	 u;
	int			 rc = 0;

	*uid = 0;
	if (e->message_id == 0)
		return 0;
	/* Put there (in the selected folder) by this replay: its UID. */
	if ((*uid = j_placed(be, e->message_id, be->selected)) != 0)
		return 0;
	if (store_msg_get(s->st, e->message_id, &m, err) != 0) {
		if (err->code != PERR_NOTFOUND)
			return -1;
		perr_clear(err);
		return 0;
	}
	if (m.folder_id == in_folder && m.uid != 0)
		*uid = m.uid;
	else if (m.message_id != NULL && *m.message_id != '\0') {
		if (imap_search_header(be->c, "Message-ID", m.message_id, &u,
		    err) != 0)
			rc = -1;
		else {
			size_t i, k;

			for (i = u.n; i > 0 && *uid == 0; i--) {
				for (k = 0; k < ntaken &&
				    taken[k] != u.v[i - 1]; k++)
					;
				if (k == ntaken)
					*uid = u.v[i - 1];
			}
		}
		imap_uids_free(&u);
	}
	store_msg_free(&m);
	return rc;
}

/*
 * Remove uids from the selected folder for good: \Deleted, then UID
 * EXPUNGE (UIDPLUS); without UIDPLUS a plain EXPUNGE only when no other
 * message is \Deleted there, else they stay \Deleted (*left set).
 */
static int
j_remove(struct sync_session *s, const uint32_t *uids, size_t n, bool *left,
    struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_uids	 del;
	size_t			 i;
	bool			 only_ours = true;

	*left = false;
	if (n == 0)
		return 0;
	if (imap_store_flags(be->c, uids, n, true, IMAP_FLAG_DELETED, NULL,
	    err) != 0)
		return -1;
	if (imap_has_cap(be->c, "UIDPLUS"))
		return imap_uid_expunge(be->c, uids, n, err);
	if (imap_search_deleted(be->c, &del, err) != 0)
		return -1;
	for (i = 0; i < del.n && only_ours; i++) {
		size_t j;

		for (j = 0; j < n && uids[j] != del.v[i]; j++)
			;
		only_ours = j < n;
	}
	imap_uids_free(&del);
	if (!only_ours) {
		*left = true;
		return 0;
	}
	return imap_expunge(be->c, err);
}

/* A batch's entries as pointers, so subsets can be passed around. */
struct jset {
	const struct store_journal	**e;
	uint32_t			 *uid;
	size_t				  n;
};

static void
jset_add(struct jset *js, const struct store_journal *e, uint32_t uid)
{
	js->e = xreallocarray(js->e, js->n + 1, sizeof *js->e);
	js->uid = xreallocarray(js->uid, js->n + 1, sizeof *js->uid);
	js->e[js->n] = e;
	js->uid[js->n] = uid;
	js->n++;
}

static void
jset_free(struct jset *js)
{
	free(js->e);
	free(js->uid);
	memset(js, 0, sizeof *js);
}

/*
 * Split a batch by whether its messages are still in the selected folder
 * (the source): another device may have expunged them. An entry without a
 * UID (it comes alone) is first looked up by Message-ID.
 */
static int
j_split(struct sync_session *s, const struct store_journal *v, size_t n,
    int64_t folder_id, struct jset *here, struct jset *gone, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_uids	 ex;
	uint32_t		*uids, uid;
	size_t			 i;

	uids = xreallocarray(NULL, n, sizeof *uids);
	for (i = 0; i < n; i++) {
		uids[i] = v[i].uid;
		if (uids[i] == 0 && j_find(s, &v[i], folder_id, &uids[i],
		    err) != 0) {
			free(uids);
			return -1;
		}
	}
	if (imap_uids_exist(be->c, uids, n, &ex, err) != 0) {
		free(uids);
		return -1;
	}
	for (i = 0; i < n; i++) {
		uid = uids[i];
		if (uid != 0 && imap_uids_has(&ex, uid))
			jset_add(here, &v[i], uid);
		else
			jset_add(gone, &v[i], uid);
	}
	imap_uids_free(&ex);
	free(uids);
	return 0;
}

/* The stored folder row of a remote name; 0 when unknown. */
static int64_t
j_folder_id(struct sync_session *s, const char *remote)
{
	struct store_folder	f;
	struct perr		perr;
	int64_t			id = 0;

	memset(&f, 0, sizeof f);
	if (remote != NULL && store_folder_by_remote(s->st, s->account_id,
	    remote, &f, &perr) == 0)
		id = f.id;
	store_folder_free(&f);
	return id;
}

/* j_refused() for a whole batch. */
static int
j_refused_all(struct sync_session *s, const struct store_journal *v, size_t n,
    bool sent, struct perr *err)
{
	const struct store_journal	**pv;
	size_t				  i;
	int				  r;

	pv = xreallocarray(NULL, n, sizeof *pv);
	for (i = 0; i < n; i++)
		pv[i] = &v[i];
	r = j_refused(s, pv, n, sent, err);
	free(pv);
	return r;
}

/*
 * Select the batch's source folder (see j_select()): 0 selected, 1 read
 * the batch again, 2 the batch is settled (the folder was refused), -1 a
 * broken connection.
 */
static int
j_source(struct sync_session *s, const struct store_journal *v, size_t n,
    struct perr *err)
{
	int	r;

	if ((r = j_select(s, v[0].folder_name, err)) >= 0)
		return r;
	return j_refused_all(s, v, n, false, err) < 0 ? -1 : 2;
}

static int
j_flags(struct sync_session *s, const struct store_journal *v, size_t n,
    struct perr *err)
{
	struct imap_be		*be = s->be;
	struct jset		 here = { 0 }, gone = { 0 };
	char			*fname;
	int			 r, rc = -1;

	if ((r = j_source(s, v, n, err)) != 0)
		return r == 2 ? 0 : r;
	if (j_split(s, v, n, j_folder_id(s, v[0].folder_name), &here, &gone,
	    err) != 0) {
		rc = j_refused_all(s, v, n, false, err);
		goto out;
	}
	if (j_mark(s, here.e, here.n, here.uid, err) != 0)
		goto out;
	/* Only what the user changed: the server keeps the rest. */
	if ((v[0].flags_add != 0 || v[0].keywords_add != NULL) &&
	    imap_store_flags(be->c, here.uid, here.n, true,
	    imap_bits(v[0].flags_add), v[0].keywords_add, err) != 0) {
		rc = j_refused(s, here.e, here.n, true, err);
		goto out;
	}
	if ((v[0].flags_remove != 0 || v[0].keywords_remove != NULL) &&
	    imap_store_flags(be->c, here.uid, here.n, false,
	    imap_bits(v[0].flags_remove), v[0].keywords_remove, err) != 0) {
		rc = j_refused(s, here.e, here.n, true, err);
		goto out;
	}
	if (j_settle(s, here.e, here.n, NULL, err) != 0 ||
	    j_settle(s, gone.e, gone.n, NULL, err) != 0)
		goto out;
	if (gone.n > 0) {
		fname = j_folder(s, v[0].folder_name);
		j_note(s, "%zu message%s gone from %s on the server: flag "
		    "change dropped", gone.n, gone.n == 1 ? "" : "s", fname);
		free(fname);
	}
	rc = 0;
out:
	jset_free(&here);
	jset_free(&gone);
	return rc;
}

/*
 * Entry eid put row id there: it is now message uid of folder dest (row
 * id dest_id, remote name dest_name) on the server. Remember it for later
 * entries, in memory and in the later entries themselves (they survive a
 * crash; store_journal_place()), and give the row its UID while it is
 * still there without one. Inside the caller's transaction.
 */
static int
j_give_uid(struct sync_session *s, int64_t eid, int64_t id, int64_t dest_id,
    const char *dest_name, uint32_t uid, struct perr *err)
{
	struct store_msg	m, other;
	int			r;

	if (id == 0 || uid == 0 || dest_name == NULL)
		return 0;
	j_place(s->be, id, dest_name, uid);
	if (store_journal_place(s->st, eid, id, dest_name, uid, err) != 0)
		return -1;
	if (dest_id == 0)
		return 0;
	if ((r = store_msg_get(s->st, id, &m, err)) != 0) {
		if (err->code != PERR_NOTFOUND)
			return -1;
		perr_clear(err);
		return 0;
	}
	r = 0;
	if (m.folder_id == dest_id && m.uid == 0) {
		/* A UID another row holds (found by Message-ID) stays there. */
		if (store_msg_by_uid(s->st, dest_id, uid, &other, err) == 0)
			store_msg_free(&other);
		else if (err->code != PERR_NOTFOUND ||
		    (perr_clear(err), store_msg_set_uid(s->st, id, uid,
		    err) != 0))
			r = -1;
	}
	store_msg_free(&m);
	return r;
}

/*
 * The UIDs of the results in dest when the server gave no COPYUID: each
 * row's Message-ID searched there. Selects dest (the caller is done with
 * the source).
 */
static int
j_results_by_mid(struct sync_session *s, const struct jset *js,
    const char *dest, int64_t dest_id, struct perr *err)
{
	struct store_journal	 probe;
	uint32_t		 uid;
	size_t			 i;
	int			 r;

	if (js->n == 0 || dest_id == 0)
		return 0;
	if ((r = j_select(s, dest, err)) < 0)
		return imap_fatal(err) ? -1 : 0;
	for (i = 0; i < js->n; i++) {
		probe = *js->e[i];
		if (j_find(s, &probe, -1, &uid, err) != 0)
			return imap_fatal(err) ? -1 : 0;
		if (store_begin(s->st, err) != 0)
			return -1;
		if (j_give_uid(s, probe.id, probe.message_id, dest_id, dest, uid,
		    err) != 0) {
			(void)store_rollback(s->st, NULL);
			return -1;
		}
		if (store_commit(s->st, err) != 0)
			return -1;
	}
	return 0;
}

/*
 * After a crash between sending a move or copy and settling it (the
 * entries are "sent"). With UID MOVE (atomic) the source decides: the
 * entry's UID (set when it was marked sent) still in the source folder
 * means the move did not happen and it goes out again; gone means it went
 * (or another device removed it: nothing to send either), and its result
 * is looked for in the destination by Message-ID (the highest UID: the
 * newest arrival) to place the row. The destination alone cannot tell: an
 * earlier copy of the message may be there. A copy, a move without MOVE
 * (COPY + EXPUNGE) or an entry without a UID: each message is looked for
 * in the destination by Message-ID; found, the command went through (a
 * move's source, if still there, is removed) and the entry is settled;
 * not found, it goes out again. 1: the source's UIDVALIDITY changed,
 * read the batch again.
 */
static int
j_move_check(struct sync_session *s, const struct store_journal *v, size_t n,
    bool copy, struct jset *again, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct jset		 went = { 0 }, unsure = { 0 }, lost = { 0 };
	struct imap_uids	 ex = { 0 };
	uint32_t		 uid, *src = NULL, *su = NULL, *taken = NULL;
	size_t			 i, nsrc = 0, nsu = 0, ntaken = 0;
	int64_t			 dest_id = j_folder_id(s, v[0].dest_name);
	bool			 left, found;
	int			 r, rc = -1;

	if (!copy && imap_has_cap(be->c, "MOVE")) {
		if ((r = j_select(s, v[0].folder_name, err)) < 0) {
			if (imap_fatal(err))
				return -1;
			/* No source folder: the replay refuses it anew. */
			perr_clear(err);
			for (i = 0; i < n; i++)
				jset_add(again, &v[i], v[i].uid);
			return 0;
		}
		if (r == 1)
			return 1;
		for (i = 0; i < n; i++)
			if (v[i].uid != 0) {
				su = xreallocarray(su, nsu + 1, sizeof *su);
				su[nsu++] = v[i].uid;
			}
		if (nsu > 0 && imap_uids_exist(be->c, su, nsu, &ex, err) != 0)
			goto out;
		for (i = 0; i < n; i++)
			if (v[i].uid == 0)
				jset_add(&unsure, &v[i], 0);
			else if (imap_uids_has(&ex, v[i].uid))
				jset_add(again, &v[i], v[i].uid);
			else
				jset_add(&went, &v[i], v[i].uid);
	} else
		for (i = 0; i < n; i++)
			jset_add(&unsure, &v[i], v[i].uid);
	if (went.n == 0 && unsure.n == 0) {
		rc = 0;
		goto out;
	}

	if ((r = j_select(s, v[0].dest_name, err)) < 0) {
		/* No destination (yet): nothing went through. */
		if (imap_fatal(err))
			goto out;
		perr_clear(err);
		for (i = 0; i < unsure.n; i++)
			jset_add(again, unsure.e[i], unsure.e[i]->uid);
		j_drop_results(s, &went);
		rc = j_settle(s, went.e, went.n, NULL, err);
		goto out;
	}
	/*
	 * Copies of one message moved together: the server numbered them in
	 * the order of their source UIDs, so the highest source takes the
	 * highest match, and no match goes to two entries.
	 */
	for (i = 1; i < went.n; i++) {
		size_t k;

		for (k = i; k > 0 && went.uid[k - 1] < went.uid[k]; k--) {
			const struct store_journal *te = went.e[k];
			uint32_t tu = went.uid[k];

			went.e[k] = went.e[k - 1];
			went.uid[k] = went.uid[k - 1];
			went.e[k - 1] = te;
			went.uid[k - 1] = tu;
		}
	}
	for (i = 0; i < went.n + unsure.n; i++) {
		const struct store_journal *e = i < went.n ? went.e[i] :
		    unsure.e[i - went.n];

		if (j_find_free(s, e, -1, taken, ntaken, &uid, err) != 0)
			goto out;
		found = uid != 0;
		if (found) {
			taken = xreallocarray(taken, ntaken + 1,
			    sizeof *taken);
			taken[ntaken++] = uid;
		}
		if (!found && i >= went.n) {
			jset_add(again, e, e->uid);
			continue;
		}
		if (!found)
			jset_add(&lost, e, 0);
		/* The row's place and the entry's end: one transaction. */
		if (store_begin(s->st, err) != 0)
			goto out;
		if ((found && j_give_uid(s, e->id, e->message_id, dest_id,
		    v[0].dest_name, uid, err) != 0) ||
		    j_settle(s, &e, 1, NULL, err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
		if (store_commit(s->st, err) != 0)
			goto out;
		if (found && i >= went.n && !copy && e->uid != 0) {
			src = xreallocarray(src, nsrc + 1, sizeof *src);
			src[nsrc++] = e->uid;
		}
	}
	/* Moved, but nothing in the destination: another device's doing. */
	j_drop_results(s, &lost);
	if (nsrc > 0) {
		if ((r = j_select(s, v[0].folder_name, err)) < 0 &&
		    imap_fatal(err))
			goto out;
		/* UID EXPUNGE of UIDs already gone is harmless. */
		if (r >= 0 && j_remove(s, src, nsrc, &left, err) != 0 &&
		    imap_fatal(err))
			goto out;
		perr_clear(err);
	}
	rc = 0;
out:
	imap_uids_free(&ex);
	free(src);
	free(su);
	free(taken);
	jset_free(&went);
	jset_free(&unsure);
	jset_free(&lost);
	return rc;
}

/*
 * Results of moves and copies whose source was gone: their rows exist
 * nowhere on the server. They are not deleted during the replay (later
 * entries may still find their message by Message-ID, SYNC-RULES 4) but
 * remembered, and deleted before the pull unless the journal still names
 * them (j_flush_dropped()).
 */
static void
j_drop_results(struct sync_session *s, const struct jset *gone)
{
	struct imap_be	*be = s->be;
	size_t		 i;

	for (i = 0; i < gone->n; i++) {
		if (gone->e[i]->message_id == 0)
			continue;
		be->dropped = xreallocarray(be->dropped, be->ndropped + 1,
		    sizeof *be->dropped);
		be->dropped[be->ndropped++] = gone->e[i]->message_id;
	}
}

static int
j_flush_dropped(struct sync_session *s, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct store_msg	 m;
	size_t			 i;
	bool			 held;

	if (be->ndropped == 0)
		return 0;
	if (store_begin(s->st, err) != 0)
		return -1;
	for (i = 0; i < be->ndropped; i++) {
		if (store_journal_holds(s->st, be->dropped[i], &held,
		    err) != 0)
			goto fail;
		if (held)
			continue;
		if (store_msg_get(s->st, be->dropped[i], &m, err) != 0) {
			if (err->code != PERR_NOTFOUND)
				goto fail;
			perr_clear(err);
			continue;
		}
		/* Only while it is still without a UID (nothing found it). */
		if (m.uid == 0 && store_msg_delete(s->st, m.id, err) != 0) {
			store_msg_free(&m);
			goto fail;
		}
		store_msg_free(&m);
	}
	if (store_commit(s->st, err) != 0)
		return -1;
	free(be->dropped);
	be->dropped = NULL;
	be->ndropped = 0;
	return 0;
fail:
	(void)store_rollback(s->st, NULL);
	return -1;
}

static int
j_move(struct sync_session *s, const struct store_journal *v, size_t n,
    bool copy, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct jset		 todo = { 0 }, here = { 0 }, gone = { 0 };
	struct jset		 rm = { 0 }, moved = { 0 }, nocu = { 0 };
	struct store_journal	*tv = NULL;
	struct imap_copyuid	 cu = { 0 };
	int64_t			 dest_id = j_folder_id(s, v[0].dest_name);
	uint32_t		 dst;
	size_t			 i;
	char			*fname;
	bool			 left = false;
	int			 r, rc = -1;

	if (v[0].state == STORE_JSENT) {
		if ((r = j_move_check(s, v, n, copy, &todo, err)) != 0) {
			jset_free(&todo);
			return r == 1 ? 1 : j_refused_all(s, v, n, true, err);
		}
		if (todo.n == 0) {
			jset_free(&todo);
			return 0;
		}
		/* The rest goes out again, as a batch of its own. */
		tv = xreallocarray(NULL, todo.n, sizeof *tv);
		for (i = 0; i < todo.n; i++)
			tv[i] = *todo.e[i];
		n = todo.n;
		v = tv;
	}
	if ((r = j_source(s, v, n, err)) != 0) {
		rc = r == 2 ? 0 : r;
		goto out;
	}
	if (j_split(s, v, n, j_folder_id(s, v[0].folder_name), &here, &gone,
	    err) != 0) {
		rc = j_refused_all(s, v, n, false, err);
		goto out;
	}
	/*
	 * A result removed here before the replay: a copy of it is nothing,
	 * a move of it is the removal of its source.
	 */
	for (i = 0; i < here.n; i++) {
		if (here.e[i]->message_id != 0)
			jset_add(&moved, here.e[i], here.uid[i]);
		else if (!copy)
			jset_add(&rm, here.e[i], here.uid[i]);
		else
			jset_add(&gone, here.e[i], here.uid[i]);
	}
	if (j_mark(s, moved.e, moved.n, moved.uid, err) != 0 ||
	    j_mark(s, rm.e, rm.n, rm.uid, err) != 0)
		goto out;
	if (moved.n > 0) {
		if (!copy && imap_has_cap(be->c, "MOVE"))
			r = imap_uid_copy(be->c, moved.uid, moved.n,
			    v[0].dest_name, true, &cu, err);
		else {
			r = imap_uid_copy(be->c, moved.uid, moved.n,
			    v[0].dest_name, false, &cu, err);
			if (r == 0 && !copy)
				r = j_remove(s, moved.uid, moved.n, &left, err);
		}
		if (r != 0) {
			rc = j_refused(s, moved.e, moved.n, true, err);
			if (rc == 0)
				rc = j_refused(s, rm.e, rm.n, true, err);
			goto out;
		}
	}
	if (rm.n > 0 && j_remove(s, rm.uid, rm.n, &left, err) != 0) {
		rc = j_refused(s, rm.e, rm.n, true, err);
		goto out;
	}

	/* Confirmed: the results get their UIDs, the entries go. */
	if (store_begin(s->st, err) != 0)
		goto out;
	for (i = 0; i < moved.n; i++) {
		dst = imap_copyuid_dst(&cu, moved.uid[i]);
		if (dst == 0)
			jset_add(&nocu, moved.e[i], 0);
		else if (j_give_uid(s, moved.e[i]->id, moved.e[i]->message_id,
		    moved.e[i]->dest_folder_id != 0 ?
		    moved.e[i]->dest_folder_id : dest_id, v[0].dest_name, dst,
		    err) != 0) {
			(void)store_rollback(s->st, NULL);
			goto out;
		}
	}
	j_drop_results(s, &gone);
	if (j_settle(s, moved.e, moved.n, NULL, err) != 0 ||
	    j_settle(s, rm.e, rm.n, NULL, err) != 0 ||
	    j_settle(s, gone.e, gone.n, NULL, err) != 0) {
		(void)store_rollback(s->st, NULL);
		goto out;
	}
	if (store_commit(s->st, err) != 0)
		goto out;
	fname = j_folder(s, v[0].folder_name);
	if (gone.n > 0)
		j_note(s, "%zu message%s gone from %s on the server: %s "
		    "dropped", gone.n, gone.n == 1 ? "" : "s", fname,
		    copy ? "copy" : "move");
	if (left)
		j_note(s, "%s: other messages are marked deleted there, so "
		    "the moved ones were only marked too (no UIDPLUS)", fname);
	free(fname);
	/* Without COPYUID the results are found by Message-ID. */
	rc = j_results_by_mid(s, &nocu, v[0].dest_name, dest_id, err);
out:
	imap_copyuid_free(&cu);
	jset_free(&todo);
	jset_free(&here);
	jset_free(&gone);
	jset_free(&rm);
	jset_free(&moved);
	jset_free(&nocu);
	free(tv);
	return rc;
}

static int
j_expunge(struct sync_session *s, const struct store_journal *v, size_t n,
    struct perr *err)
{
	struct jset	here = { 0 }, gone = { 0 };
	char		*fname;
	bool		 left = false;
	int		 r, rc = -1;

	if ((r = j_source(s, v, n, err)) != 0)
		return r == 2 ? 0 : r;
	if (j_split(s, v, n, j_folder_id(s, v[0].folder_name), &here, &gone,
	    err) != 0) {
		rc = j_refused_all(s, v, n, false, err);
		goto out;
	}
	if (j_mark(s, here.e, here.n, here.uid, err) != 0)
		goto out;
	if (j_remove(s, here.uid, here.n, &left, err) != 0) {
		rc = j_refused(s, here.e, here.n, true, err);
		goto out;
	}
	if (left) {
		struct perr why;

		perr_set(&why, PERR_GENERIC, "other messages of the folder are "
		    "marked deleted and the server has no UIDPLUS: expunge it "
		    "from a client that shows them");
		if (j_settle(s, here.e, here.n, &why, err) != 0)
			goto out;
	} else if (j_settle(s, here.e, here.n, NULL, err) != 0)
		goto out;
	/* Already gone: what the user wanted. */
	if (j_settle(s, gone.e, gone.n, NULL, err) != 0)
		goto out;
	if (gone.n > 0) {
		fname = j_folder(s, v[0].folder_name);
		j_note(s, "%zu message%s already gone from %s on the server",
		    gone.n, gone.n == 1 ? "" : "s", fname);
		free(fname);
	}
	rc = 0;
out:
	jset_free(&here);
	jset_free(&gone);
	return rc;
}

/* Does mailbox exist on the server? -1: the connection broke. */
static int
j_exists(struct sync_session *s, const char *mailbox, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_status	 st;

	if (imap_status(be->c, mailbox, &st, err) == 0)
		return 1;
	if (imap_fatal(err))
		return -1;
	perr_clear(err);
	return 0;
}

static int
j_folder_op(struct sync_session *s, const struct store_journal *e,
    struct perr *err)
{
	struct imap_be			*be = s->be;
	const struct store_journal	*pe = e;
	struct store_folder		 f;
	struct perr			 why;
	int				 r, x;

	if (e->folder_name == NULL || (e->op == STORE_JOP_FOLDER_RENAME &&
	    e->dest_name == NULL)) {
		perr_set(&why, PERR_GENERIC, "the entry names no folder");
		return j_settle(s, &pe, 1, &why, err);
	}
	/* A folder about to be renamed or deleted must not be selected. */
	if (be->selected != NULL && strcmp(be->selected, e->folder_name) == 0 &&
	    (e->op == STORE_JOP_FOLDER_RENAME ||
	    e->op == STORE_JOP_FOLDER_DELETE)) {
		if ((r = j_select(s, "INBOX", err)) < 0 && imap_fatal(err))
			return j_lost(s, &pe, 1, false, err);
		perr_clear(err);
	}
	if (j_mark(s, &pe, 1, NULL, err) != 0)
		return -1;
	switch (e->op) {
	case STORE_JOP_FOLDER_CREATE:
		r = imap_mailbox_cmd(be->c, IMAP_MBX_CREATE, e->folder_name,
		    NULL, err);
		/* Already there (our own CREATE before a crash, or another
		 * device's): what the user wanted. */
		if (r != 0 && !imap_fatal(err) &&
		    (x = j_exists(s, e->folder_name, &why)) != 0) {
			if (x < 0) {
				*err = why;
				return -1;
			}
			r = 0;
		}
		if (r == 0 && imap_mailbox_cmd(be->c, IMAP_MBX_SUBSCRIBE,
		    e->folder_name, NULL, &why) != 0 && imap_fatal(&why)) {
			*err = why;
			return -1;
		}
		if (r == 0 && e->folder_id != 0 &&
		    store_folder_get(s->st, e->folder_id, &f, &why) == 0) {
			/* The local folder becomes the server's. */
			if (f.remote_name == NULL &&
			    store_folder_rename(s->st, f.id, f.name,
			    e->folder_name, &why) != 0)
				j_note(s, "%s", why.msg);
			store_folder_free(&f);
		}
		break;
	case STORE_JOP_FOLDER_RENAME:
		r = imap_mailbox_cmd(be->c, IMAP_MBX_RENAME, e->folder_name,
		    e->dest_name, err);
		if (r != 0 && !imap_fatal(err)) {
			/* Renamed already (before a crash)? */
			why = *err;
			if ((x = j_exists(s, e->folder_name, err)) < 0)
				return -1;
			if (x == 0 && (x = j_exists(s, e->dest_name,
			    err)) < 0)
				return -1;
			if (x == 1 && j_exists(s, e->folder_name, err) == 0)
				r = 0;
			else
				*err = why;
		}
		if (r == 0)
			(void)imap_mailbox_cmd(be->c, IMAP_MBX_SUBSCRIBE,
			    e->dest_name, NULL, &why);
		break;
	case STORE_JOP_FOLDER_DELETE:
		if (imap_mailbox_cmd(be->c, IMAP_MBX_UNSUBSCRIBE,
		    e->folder_name, NULL, &why) != 0 && imap_fatal(&why)) {
			*err = why;
			return -1;
		}
		r = imap_mailbox_cmd(be->c, IMAP_MBX_DELETE, e->folder_name,
		    NULL, err);
		if (r != 0 && !imap_fatal(err)) {
			why = *err;
			if ((x = j_exists(s, e->folder_name, err)) < 0)
				return -1;
			if (x == 0)
				r = 0;	/* gone already: done */
			else
				*err = why;
		}
		break;
	case STORE_JOP_SUBSCRIBE:
	case STORE_JOP_UNSUBSCRIBE:
		r = imap_mailbox_cmd(be->c, e->op == STORE_JOP_SUBSCRIBE ?
		    IMAP_MBX_SUBSCRIBE : IMAP_MBX_UNSUBSCRIBE, e->folder_name,
		    NULL, err);
		break;
	default:
		r = perr_set(err, PERR_GENERIC, "not a folder operation");
		break;
	}
	if (r != 0)
		return j_refused(s, &pe, 1, true, err);
	return j_settle(s, &pe, 1, NULL, err);
}

static int
j_append(struct sync_session *s, const struct store_journal *e,
    struct perr *err)
{
	struct imap_be			*be = s->be;
	const struct store_journal	*pe = e;
	struct store_msg		 m;
	struct perr			 why;
	void				*raw = NULL;
	size_t				 len;
	uint32_t			 uidv, uid = 0;
	int64_t				 fid = j_folder_id(s, e->folder_name);
	int				 r, rc = -1;

	memset(&m, 0, sizeof m);
	if (e->message_id == 0 || store_msg_get(s->st, e->message_id, &m,
	    err) != 0) {
		if (e->message_id != 0 && err->code != PERR_NOTFOUND)
			return -1;
		/* Deleted here before it reached the server: nothing to do. */
		perr_clear(err);
		j_note(s, "a message to store in %s was deleted before it "
		    "reached the server", e->folder_name != NULL ?
		    e->folder_name : "?");
		return j_settle(s, &pe, 1, NULL, err);
	}
	if (store_body_get(s->st, m.id, &raw, &len, err) != 0) {
		if (err->code != PERR_NOTFOUND)
			goto out;
		perr_set(&why, PERR_GENERIC, "the message has no stored body "
		    "to send");
		rc = j_settle(s, &pe, 1, &why, err);
		goto out;
	}
	if ((r = j_select(s, e->folder_name, err)) < 0) {
		rc = j_refused(s, &pe, 1, false, err);
		goto out;
	}
	/* Sent before a crash? Then it is there: never append twice. */
	if (e->state == STORE_JSENT && j_find(s, e, -1, &uid, err) != 0) {
		rc = j_refused(s, &pe, 1, true, err);
		goto out;
	}
	if (uid == 0) {
		if (j_mark(s, &pe, 1, NULL, err) != 0)
			goto out;
		if (imap_append(be->c, e->folder_name,
		    imap_bits(m.flags & ~(unsigned)STORE_RECENT), m.keywords,
		    m.internal_date, raw, len, &uidv, &uid, err) != 0) {
			rc = j_refused(s, &pe, 1, true, err);
			goto out;
		}
		/* No APPENDUID: find it (the folder is selected). */
		if (uid == 0 && j_find(s, e, -1, &uid, err) != 0) {
			rc = j_refused(s, &pe, 1, true, err);
			goto out;
		}
	}
	if (store_begin(s->st, err) != 0)
		goto out;
	if (j_give_uid(s, e->id, m.id, fid != 0 ? fid : m.folder_id,
	    e->folder_name, uid, err) != 0 ||
	    j_settle(s, &pe, 1, NULL, err) != 0) {
		(void)store_rollback(s->st, NULL);
		goto out;
	}
	rc = store_commit(s->st, err);
out:
	free(raw);
	store_msg_free(&m);
	return rc;
}

static int
apply_journal(struct sync_session *s, const struct store_journal *v,
    size_t n, struct perr *err)
{
	struct imap_be	*be = s->be;
	struct perr	 why;

	if (be == NULL || be->c == NULL)
		return perr_set(err, PERR_CONNECT, "account %s: not connected",
		    s->acct->name);
	switch (v[0].op) {
	case STORE_JOP_FLAGS:
		return j_flags(s, v, n, err);
	case STORE_JOP_MOVE:
		return j_move(s, v, n, false, err);
	case STORE_JOP_COPY:
		return j_move(s, v, n, true, err);
	case STORE_JOP_EXPUNGE:
		return j_expunge(s, v, n, err);
	case STORE_JOP_FOLDER_CREATE:
	case STORE_JOP_FOLDER_RENAME:
	case STORE_JOP_FOLDER_DELETE:
	case STORE_JOP_SUBSCRIBE:
	case STORE_JOP_UNSUBSCRIBE:
		return j_folder_op(s, &v[0], err);
	case STORE_JOP_APPEND:
		return j_append(s, &v[0], err);
	case STORE_JOP_UNKNOWN:
		break;
	}
	perr_set(&why, PERR_GENERIC, "an operation this posta does not know");
	return j_refused_all(s, v, 1, false, &why) < 0 ? -1 : 0;
}

/* ---- push ---------------------------------------------------------------------- */

/* RFC 2177: the server may drop an IDLE after 30 minutes; leave at 28. */
#define IDLE_MAX_MS	(28 * 60 * 1000)

static int
wait_noop(struct sync_session *s, int wake_fd, int timeout_ms,
    struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_news	 news;
	struct pollfd		 pfd;
	int			 ms, r;

	ms = timeout_ms >= 0 && timeout_ms < SYNC_POLL_MS ? timeout_ms :
	    SYNC_POLL_MS;
	pfd.fd = wake_fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	do
		r = poll(&pfd, wake_fd >= 0 ? 1 : 0, ms);
	while (r == -1 && errno == EINTR);
	if (r > 0)
		return SYNC_WATCH_WOKEN;
	if (imap_noop(be->c, &news, err) != 0)
		return -1;
	if (imap_news_any(&news))
		return SYNC_WATCH_PULLED;
	return SYNC_WATCH_TIMEOUT;
}

static int
wait_push(struct sync_session *s, const struct store_folder *f, int wake_fd,
    int timeout_ms, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_news	 news, more;
	int			 w, ms;

	if (be->c == NULL)
		return perr_set(err, PERR_CONNECT, "account %s: not connected",
		    s->acct->name);
	/* IDLE watches the selected folder: make it f (the pull selects). */
	if (be->selected == NULL || be->selected_rw ||
	    f->remote_name == NULL || strcmp(be->selected, f->remote_name) != 0)
		return SYNC_WATCH_PULLED;
	if (be->no_idle || !imap_can_idle(be->c))
		return wait_noop(s, wake_fd, timeout_ms, err);

	if (imap_idle_start(be->c, &news, err) != 0) {
		if (imap_fatal(err))
			return -1;
		/* Refused: poll instead, on this connection and later. */
		be->no_idle = true;
		return wait_noop(s, wake_fd, timeout_ms, err);
	}
	ms = timeout_ms >= 0 && timeout_ms < IDLE_MAX_MS ? timeout_ms :
	    IDLE_MAX_MS;
	/* Untagged data before "+ idling" is news already: end at once. */
	w = imap_news_any(&news) ? TLS_WAIT_DATA :
	    imap_idle_wait(be->c, wake_fd, ms);
	if (w == TLS_WAIT_ERROR && s->cancelled)
		return perr_set(err, PERR_IO, "account %s: cancelled",
		    s->acct->name);
	memset(&more, 0, sizeof more);
	if (imap_idle_done(be->c, &more, err) != 0)
		return -1;
	if (imap_news_any(&news) || imap_news_any(&more))
		return SYNC_WATCH_PULLED;
	/*
	 * Data that was no news (Dovecot's "* OK Still here") simply ends
	 * this wait: the caller comes back at once.
	 */
	return w == TLS_WAIT_WOKEN ? SYNC_WATCH_WOKEN : SYNC_WATCH_TIMEOUT;
}

/*
 * STATUS of the folders not selected against their stored state, all in
 * one round trip: a new message moves UIDNEXT, an expunge MESSAGES, a flag
 * HIGHESTMODSEQ (with CONDSTORE; without it a flag change cannot be seen
 * this way: with `flags`, every folder then counts as changed and is
 * pulled, else flags wait for the next full pass). The selected
 * folder is pulled too (RFC 3501: no STATUS on it), and so is one never
 * synced or that the server would not describe.
 */
static int
check_folders(struct sync_session *s, const struct store_folder *fs,
    size_t n, bool flags, bool *changed, struct perr *err)
{
	struct imap_be		*be = s->be;
	struct imap_status	*ist;
	const char		**names;
	bool			*ok;
	size_t			 i, k, *at;
	int64_t			 total, unread;
	int			 rc = -1;

	names = xcalloc(n + 1, sizeof *names);
	at = xcalloc(n + 1, sizeof *at);
	ist = xcalloc(n + 1, sizeof *ist);
	ok = xcalloc(n + 1, sizeof *ok);
	for (i = k = 0; i < n; i++) {
		changed[i] = true;
		if ((flags && !be->condstore) || fs[i].uidvalidity == 0 ||
		    fs[i].uidnext == 0 ||
		    (be->condstore && fs[i].highestmodseq == 0) ||
		    (be->selected != NULL &&
		    strcmp(be->selected, fs[i].remote_name) == 0))
			continue;
		names[k] = fs[i].remote_name;
		at[k++] = i;
	}
	if (k > 0 && imap_status_many(be->c, names, k, ist, ok, err) != 0)
		goto out;
	for (i = 0; i < k; i++) {
		if (!ok[i])
			continue;
		if (store_folder_counts(s->st, fs[at[i]].id, &total, &unread,
		    err) != 0)
			goto out;
		changed[at[i]] = ist[i].uidvalidity != fs[at[i]].uidvalidity ||
		    ist[i].uidnext != fs[at[i]].uidnext ||
		    (int64_t)ist[i].messages != total || (be->condstore &&
		    ist[i].highestmodseq != fs[at[i]].highestmodseq);
	}
	rc = 0;
out:
	free(names);
	free(at);
	free(ist);
	free(ok);
	return rc;
}

const struct account_ops sync_imap_ops = {
	.name = "imap",
	.connect = be_connect,
	.list_folders = list_folders,
	.pull_folder = pull_folder,
	.fetch_bodies = fetch_bodies,
	.apply_journal = apply_journal,
	.wait_push = wait_push,
	.check_folders = check_folders,
	.cancel = be_cancel,
	.close = be_close,
	.fatal = imap_fatal,
};
