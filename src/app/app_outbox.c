/*
 * app_outbox.c - the outbox (see app.h): queueing a message, SMTP
 * submission, and what each reply does to the row.
 *
 * Nothing is ever lost or sent twice behind the user's back:
 *   - app_send() builds the message and puts it in the outbox in one
 *     transaction (with the recipients noted for completion); from then
 *     on it is durable;
 *   - app_outbox_flush() claims a row ("outcome unknown") before
 *     submitting it and deletes it only after the server's 250, in the
 *     transaction that also records the Sent copy; a refusal or a lost
 *     connection before DATA leaves it with the server's words, to be
 *     tried again, or held when the refusal was for good (5xx); the
 *     message a reply answers (its In-Reply-To) is marked \Answered in
 *     that same transaction, so a reply still waiting never says so; a
 *     connection lost after DATA leaves it held until the user decides;
 *   - when some recipients take it and others refuse it, the row stays
 *     for the refused ones only (outbox.rcpt): the Sent copy is made with
 *     the first delivery, and a retry goes to those recipients alone;
 *   - when the refused recipients are refused some for now (4xx) and some
 *     for good (5xx), the row is split in the same transaction: it keeps
 *     the first (failed: the next flush tries them again) and a new row
 *     with the same message takes the others (refused: held until the
 *     user retries it). Each recipient is in one row only, so nobody gets
 *     it twice; a row that lists its recipients makes the Sent copy only
 *     when the Sent folder has none yet (a split can come before anybody
 *     got the message, and then either part may be delivered first).
 */
#include <sys/random.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app/app.h"
#include "app/send-int.h"
#include "mail/mail.h"
#include "net/net.h"
#include "store/store.h"
#include "util/i18n.h"

/* ---- queueing ------------------------------------------------------------ */

/* Note every recipient of the draft for completion. */
static int
note_recipients(struct store *st, const struct compose_draft *d,
    struct perr *err)
{
	const char		*fields[3] = { d->to, d->cc, d->bcc };
	struct compose_addrs	 a = { 0 };
	struct perr		 ignored;
	size_t			 i;
	int64_t			 now = (int64_t)time(NULL);

	for (i = 0; i < 3; i++)
		(void)compose_parse_addresses(fields[i], &a, &ignored);
	for (i = 0; i < a.n; i++)
		if (store_address_note(st, a.v[i].addr, a.v[i].name, now,
		    err) != 0) {
			compose_addrs_free(&a);
			return -1;
		}
	compose_addrs_free(&a);
	return 0;
}

/*
 * Check raw's envelope, then queue it in one transaction, with the
 * draft's recipients noted (d: may be NULL). Takes nothing; raw stays the
 * caller's.
 */
static int
queue(const struct config *cfg, const struct account *acct, const char *raw,
    size_t len, const struct compose_draft *d, int64_t *outbox_id,
    struct perr *err)
{
	struct compose_envelope	 env;
	struct store		*st;
	struct perr		 ignored;
	char			*out;
	size_t			 outlen;
	int64_t			 account_id;

	/* Every address is checked before the message is queued. */
	if (compose_envelope(raw, len, &env, &out, &outlen, err) != 0)
		return -1;
	compose_envelope_free(&env);
	free(out);
	if ((st = store_open(cfg->store, STORE_RDWR, err)) == NULL)
		return -1;
	if (store_begin(st, err) != 0)
		goto fail;
	if (store_account_ensure(st, acct->name, app_acct_proto(acct),
	    &account_id, err) != 0 ||
	    store_outbox_add(st, account_id, raw, len, outbox_id, err) != 0 ||
	    (d != NULL && note_recipients(st, d, err) != 0)) {
		(void)store_rollback(st, &ignored);
		goto fail;
	}
	if (store_commit(st, err) != 0)
		goto fail;
	store_close(st);
	return 0;
fail:
	store_close(st);
	return -1;
}

int
app_send_queue(const struct config *cfg, const struct account *acct,
    const struct compose_draft *d, const struct app_send_opts *o,
    int64_t *outbox_id, struct perr *err)
{
	char	*raw;
	size_t	 len;
	int	 rc;

	if (acct->smtp.host == NULL)
		return perr_set(err, PERR_CONFIG, _("account %s: no smtp_host "
		    "configured, so it cannot send"), acct->name);
	if (app_send_build(d, false, &raw, &len, err) != 0)
		return -1;
	rc = queue(cfg, acct, raw, len, d, outbox_id, err);
	free(raw);
	return rc;
}

int
app_bounce_queue(const struct config *cfg, const struct account *acct,
    int64_t msg_id, const char *to, int64_t *outbox_id, struct perr *err)
{
	struct store	*st;
	unsigned char	 rnd[16];
	void		*raw = NULL;
	char		*from, *id, *out;
	size_t		 len = 0, outlen;
	int		 rc;

	if (acct->smtp.host == NULL)
		return perr_set(err, PERR_CONFIG, _("account %s: no smtp_host "
		    "configured, so it cannot send"), acct->name);
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return perr_set(err, PERR_IO, _("getrandom: %s"), strerror(errno));
	if ((st = store_open(cfg->store, STORE_RDONLY, err)) == NULL)
		return -1;
	rc = store_body_get(st, msg_id, &raw, &len, err);
	store_close(st);
	if (rc != 0) {
		if (err->code == PERR_NOTFOUND)
			perr_set(err, PERR_NOTFOUND, _("message %lld: no such "
			    "message, or its body is not stored offline"),
			    (long long)msg_id);
		return -1;
	}
	from = addr_format(acct->real_name, acct->email);
	id = compose_message_id(rnd, sizeof rnd, acct->email);
	rc = compose_bounce(raw, len, from, to, (int64_t)time(NULL), id, &out,
	    &outlen, err);
	if (rc == 0) {
		rc = queue(cfg, acct, out, outlen, NULL, outbox_id, err);
		free(out);
	}
	free(id);
	free(from);
	free(raw);
	return rc;
}

/* ---- the flush ------------------------------------------------------------- */

struct flush {
	const struct account	*acct;
	struct store		*st;
	int64_t			 account_id;
	int64_t			*ids;
	size_t			 nids;
	app_outbox_cb		 cb;
	void			*arg;
	struct smtp_conn	*smtp;
	struct app_flush_stats	*stats;
	/* The row being sent: its headers, and whether it listed its
	   recipients (outbox.rcpt). */
	const struct mail_headers *h;
	bool			 listed;
};


static int
collect(void *arg, const struct store_outbox *o)
{
	struct flush	*f = arg;

	if (o->state == STORE_OUTBOX_UNKNOWN ||
	    o->state == STORE_OUTBOX_REFUSED) {
		f->stats->held++;
		return 0;
	}
	f->ids = xreallocarray(f->ids, f->nids + 1, sizeof *f->ids);
	f->ids[f->nids++] = o->id;
	return 0;
}

static void
report(struct flush *f, int64_t id, enum app_outbox_what what, bool held,
    const char *subject, const char *text)
{
	struct app_outbox_event	ev;

	if (f->cb == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.id = id;
	ev.what = what;
	ev.held = held;
	ev.subject = subject != NULL ? subject : "";
	ev.text = text != NULL ? text : "";
	f->cb(f->arg, &ev);
}

static int
sent_found(void *arg, const struct store_msg *m)
{
	(void)m;
	*(bool *)arg = true;
	return 1;
}

/*
 * Has anybody had the message of a row that lists its recipients? Yes
 * when its Sent copy is there (made with the first delivery); a split
 * before any delivery leaves rows with recipients that nobody had. When
 * the store cannot tell, yes (no second copy), with a note.
 */
static bool
had_before(struct flush *f, int64_t id, const struct mail_headers *h)
{
	struct store_folder	 sent;
	struct perr		 err;
	bool			 found = false;
	int			 rc;

	if (h->message_id == NULL || *h->message_id == '\0')
		return true;
	rc = store_folder_by_special(f->st, f->account_id, STORE_SPECIAL_SENT,
	    &sent, &err);
	if (rc != 0 && err.code == PERR_NOTFOUND)
		rc = store_folder_by_name(f->st, f->account_id, "Sent", &sent,
		    &err);
	if (rc != 0) {
		if (err.code == PERR_NOTFOUND)
			return false;	/* no Sent folder, so no copy */
		report(f, id, APP_OUTBOX_NOTE, false, h->subject, err.msg);
		return true;
	}
	rc = store_msg_by_message_id(f->st, h->message_id, sent.id,
	    sent_found, &found, &err);
	store_folder_free(&sent);
	if (rc < 0) {
		report(f, id, APP_OUTBOX_NOTE, false, h->subject, err.msg);
		return true;
	}
	return found;
}

/* Which refused recipients refusals() lists. */
enum refused_kind {
	REFUSED_ALL,
	REFUSED_FOR_NOW,	/* 4xx: may pass by itself */
	REFUSED_FOR_GOOD,	/* 5xx, or an address SMTP cannot carry */
};

/* How refusals() writes them. */
enum refused_style {
	REFUSED_LINES,		/* addresses one per line (outbox.rcpt) */
	REFUSED_NAMES,		/* "a@x, b@y" */
	REFUSED_WORDS,		/* "a@x: 550 ...; b@y: 451 ..." */
};

/* The refused recipients of one kind, malloc'd; *n: how many. */
static char *
refusals(const struct smtp_result *r, enum refused_kind kind,
    enum refused_style style, size_t *n)
{
	static const char	*sep[] = { "\n", ", ", "; " };
	struct mbuf		 b = { 0 };
	size_t			 i;
	bool			 words = style == REFUSED_WORDS;

	*n = 0;
	for (i = 0; i < r->nrcpt; i++) {
		if (r->rcpt[i].accepted ||
		    (kind == REFUSED_FOR_NOW && r->rcpt[i].permanent) ||
		    (kind == REFUSED_FOR_GOOD && !r->rcpt[i].permanent))
			continue;
		if ((*n)++ > 0)
			mbuf_adds(&b, sep[style]);
		if (!words)
			mbuf_adds(&b, r->rcpt[i].addr);
		else if (r->rcpt[i].code != 0)
			mbuf_printf(&b, "%s: %d %s", r->rcpt[i].addr,
			    r->rcpt[i].code, r->rcpt[i].text);
		else
			mbuf_printf(&b, "%s: %s", r->rcpt[i].addr,
			    r->rcpt[i].text);
	}
	return mbuf_finish(&b, NULL);
}

/*
 * Were the recipients refused one by one (the sender and the message
 * were not), some for now and some for good? Only then is the row split.
 */
static bool
refused_mixed(const struct smtp_result *r)
{
	size_t	i, now = 0, good = 0;

	if (r->outcome == SMTP_UNKNOWN || r->code >= 400)
		return false;
	for (i = 0; i < r->nrcpt; i++) {
		if (r->rcpt[i].accepted)
			continue;
		if (r->rcpt[i].permanent)
			good++;
		else if (r->rcpt[i].code != 0)
			now++;
		else
			return false;	/* never asked: the session broke */
	}
	return now > 0 && good > 0;
}

/* What a split left in the store, for the reports. */
struct split {
	int64_t	 held_id;	/* the new row, for the recipients refused
				   for good */
	char	*now_why;	/* row id's reason */
	char	*held_why;	/* the new row's reason */
};

static void
split_free(struct split *sp)
{
	free(sp->now_why);
	free(sp->held_why);
	memset(sp, 0, sizeof *sp);
}

/*
 * How the other recipients stand when a row is split: some took it in
 * this delivery, nobody has it yet (why: the server's error), or the
 * others have it from an earlier try (why too).
 */
enum split_case {
	SPLIT_DELIVERED,
	SPLIT_REFUSED_FIRST,
	SPLIT_REFUSED_AGAIN,
};

/*
 * The note of one part of a split: the refusals (words) of the part held
 * for good (held) or to be tried again, the addresses of the other part
 * (names) and its outbox id. Each case is a whole sentence.
 */
static char *
split_note(enum split_case c, bool held, const char *why, const char *words,
    const char *names, long long id)
{
	switch (c) {
	case SPLIT_DELIVERED:
		return held ? xasprintf(_("%s; held until you retry or drop "
		    "it (%s, refused for now, stays in outbox %lld); the "
		    "others have it"), words, names, id) :
		    xasprintf(_("%s; to be tried again (%s, refused for good, "
		    "waits in outbox %lld); the others have it"), words, names,
		    id);
	case SPLIT_REFUSED_FIRST:
		return held ? xasprintf(_("%s: %s; held until you retry or "
		    "drop it (%s, refused for now, stays in outbox %lld)"),
		    why, words, names, id) :
		    xasprintf(_("%s: %s; to be tried again (%s, refused for "
		    "good, waits in outbox %lld)"), why, words, names, id);
	case SPLIT_REFUSED_AGAIN:
		break;
	}
	return held ? xasprintf(_("%s: %s; held until you retry or drop it "
	    "(%s, refused for now, stays in outbox %lld); the other "
	    "recipients have it from an earlier try"), why, words, names, id) :
	    xasprintf(_("%s: %s; to be tried again (%s, refused for good, "
	    "waits in outbox %lld); the other recipients have it from an "
	    "earlier try"), why, words, names, id);
}

/*
 * Split row id (caller's transaction; see the top of this file): it keeps
 * the recipients refused for now, FAILED, and a new row takes those
 * refused for good, REFUSED. Each part's note says why (split_note()).
 */
static int
split_refused(struct flush *f, int64_t id, const struct smtp_result *res,
    enum split_case c, const char *why, struct split *sp, struct perr *err)
{
	char	*now, *good, *now_names, *good_names, *now_words, *good_words;
	size_t	 n;
	int	 rc;

	memset(sp, 0, sizeof *sp);
	now = refusals(res, REFUSED_FOR_NOW, REFUSED_LINES, &n);
	good = refusals(res, REFUSED_FOR_GOOD, REFUSED_LINES, &n);
	now_names = refusals(res, REFUSED_FOR_NOW, REFUSED_NAMES, &n);
	good_names = refusals(res, REFUSED_FOR_GOOD, REFUSED_NAMES, &n);
	now_words = refusals(res, REFUSED_FOR_NOW, REFUSED_WORDS, &n);
	good_words = refusals(res, REFUSED_FOR_GOOD, REFUSED_WORDS, &n);
	sp->held_why = split_note(c, true, why, good_words, now_names,
	    (long long)id);
	rc = store_outbox_split(f->st, id, good, STORE_OUTBOX_REFUSED,
	    sp->held_why, &sp->held_id, err);
	if (rc == 0) {
		sp->now_why = split_note(c, false, why, now_words, good_names,
		    (long long)sp->held_id);
		if ((rc = store_outbox_set_rcpt(f->st, id, now, err)) == 0)
			rc = store_outbox_failed(f->st, id, sp->now_why, err);
	}
	free(now);
	free(good);
	free(now_names);
	free(good_names);
	free(now_words);
	free(good_words);
	if (rc != 0)
		split_free(sp);
	return rc;
}

/*
 * The message a delivered reply answers (its In-Reply-To, found in this
 * account) gets \Answered, through the journal, in the caller's
 * transaction. A bounce (starting with Resent-* headers) answers nothing:
 * its In-Reply-To is the original's.
 */
static int
answered(struct flush *f, const char *out, size_t outlen, struct perr *err)
{
	struct app_act	*a;
	int64_t		 id;
	int		 rc;

	if (f->h == NULL || (outlen >= 7 && strncasecmp(out, "Resent-", 7) == 0))
		return 0;
	if (app_answered_id(f->st, f->account_id, f->h->in_reply_to, &id,
	    err) != 0)
		return -1;
	if (id == 0)
		return 0;
	if ((a = app_act_attach(f->st, f->acct, err)) == NULL)
		return -1;
	rc = app_act_flags(a, &id, 1, STORE_ANSWERED, 0, NULL, err);
	app_act_close(a);
	return rc;
}

/*
 * The server took the message, for every recipient still to serve (left
 * NULL: the row goes) or some (left: those it refused, and the row stays
 * for them, held when a refusal was for good, with why; or, refused some
 * for now and some for good, it is split into sp). copy: nobody had it
 * before, so this delivery makes the Sent copy.
 */
static int
delivered(struct flush *f, int64_t id, const struct smtp_result *res,
    const char *left, bool held, const char *why, struct split *sp,
    bool copy, const char *out, size_t outlen, struct perr *err)
{
	int	rc;

	if (left == NULL)
		rc = store_outbox_remove(f->st, 0, id, err);
	else if (refused_mixed(res))
		rc = split_refused(f, id, res, SPLIT_DELIVERED, NULL, sp, err);
	else if ((rc = store_outbox_set_rcpt(f->st, id, left, err)) == 0)
		rc = held ? store_outbox_refused(f->st, id, why, err) :
		    store_outbox_failed(f->st, id, why, err);
	if (rc != 0 || !copy || (rc = answered(f, out, outlen, err)) != 0)
		return rc;
	/*
	 * Asked again under this transaction's write lock: two posta
	 * delivering the two parts of a split at once make one copy.
	 */
	if (f->listed && had_before(f, id, f->h))
		return 0;
	return app_copy_save(f->st, f->acct, f->account_id,
	    STORE_SPECIAL_SENT, out, outlen, STORE_SEEN, err);
}

/* delivered() in a transaction of its own. */
static int
settle_taken(struct flush *f, int64_t id, const struct smtp_result *res,
    const char *left, const char *why, struct split *sp, bool copy,
    const char *out, size_t outlen, struct perr *err)
{
	struct perr	ignored;

	if (store_begin(f->st, err) != 0)
		return -1;
	if (delivered(f, id, res, left, res->permanent, why, sp, copy, out,
	    outlen, err) != 0 || store_commit(f->st, err) != 0) {
		(void)store_rollback(f->st, &ignored);
		split_free(sp);
		return -1;
	}
	return 0;
}

/*
 * The server took a claimed row's message: into the store in one
 * transaction. first: nobody had it before this try, so this delivery
 * makes the Sent copy.
 */
static void
record_taken(struct flush *f, int64_t id, bool first, const char *subject,
    const struct smtp_result *res, const char *out, size_t outlen)
{
	struct split	 sp = { 0 };
	struct perr	 err, ignored;
	char		*refused, *left = NULL, *why = NULL, *msg;
	size_t		 n;
	bool		 held = res->permanent;

	refused = refusals(res, REFUSED_ALL, REFUSED_WORDS, &n);
	if (res->outcome == SMTP_PARTIAL) {
		left = refusals(res, REFUSED_ALL, REFUSED_LINES, &n);
		why = xasprintf(_("%s; the others have it"), refused);
	}
	if (settle_taken(f, id, res, left, why, &sp, first, out, outlen,
	    &err) != 0) {
		report(f, id, APP_OUTBOX_NOTE, false, subject, err.msg);
		/*
		 * Delivered all the same: never leave it to be resent (if
		 * this fails too, the claim keeps it held as unknown).
		 */
		(void)settle_taken(f, id, res, left, why, &sp, false, out,
		    outlen, &ignored);
	}
	if (res->outcome != SMTP_PARTIAL) {
		f->stats->sent++;
		report(f, id, APP_OUTBOX_SENT, false, subject, "");
	} else if (sp.held_id != 0) {
		f->stats->partial++;
		msg = xasprintf(_("refused for %s"), sp.now_why);
		report(f, id, APP_OUTBOX_PARTIAL, false, subject, msg);
		free(msg);
		msg = xasprintf(_("refused for %s"), sp.held_why);
		report(f, sp.held_id, APP_OUTBOX_PARTIAL, true, subject, msg);
		free(msg);
	} else {
		f->stats->partial++;
		if (held)
			msg = xasprintf(ngettext("refused for %s; the others "
			    "have it; kept in the outbox for that recipient "
			    "until you retry or drop it", "refused for %s; the "
			    "others have it; kept in the outbox for those "
			    "recipients until you retry or drop it", n),
			    refused);
		else
			msg = xasprintf(ngettext("refused for %s; the others "
			    "have it; kept in the outbox for that recipient, "
			    "to be tried again", "refused for %s; the others "
			    "have it; kept in the outbox for those recipients, "
			    "to be tried again", n), refused);
		report(f, id, APP_OUTBOX_PARTIAL, held, subject, msg);
		free(msg);
	}
	split_free(&sp);
	free(why);
	free(left);
	free(refused);
}

/*
 * Every recipient left was refused, some for now and some for good: the
 * row is split (one transaction). False when that could not be written:
 * the caller then holds the row whole.
 */
static bool
split_not_taken(struct flush *f, int64_t id, const char *subject,
    const struct smtp_result *res, enum split_case c, const char *why)
{
	struct split	sp;
	struct perr	err, ignored;

	if (store_begin(f->st, &err) != 0)
		goto fail;
	if (split_refused(f, id, res, c, why, &sp, &err) != 0) {
		(void)store_rollback(f->st, &ignored);
		goto fail;
	}
	if (store_commit(f->st, &err) != 0) {
		(void)store_rollback(f->st, &ignored);
		split_free(&sp);
		goto fail;
	}
	f->stats->failed++;
	report(f, id, APP_OUTBOX_FAILED, false, subject, sp.now_why);
	report(f, sp.held_id, APP_OUTBOX_FAILED, true, subject, sp.held_why);
	split_free(&sp);
	return true;
fail:
	report(f, id, APP_OUTBOX_NOTE, false, subject, err.msg);
	return false;
}

/*
 * The server did not take it (or may have): the claimed row says why.
 * first: nobody had it before this try.
 */
static void
record_not_taken(struct flush *f, int64_t id, bool first,
    const char *subject, const struct smtp_result *res,
    const struct perr *serr)
{
	struct perr	 err;
	char		*refused, *msg;
	size_t		 n;
	int		 rc;

	if (res->outcome == SMTP_REFUSED && refused_mixed(res) &&
	    split_not_taken(f, id, subject, res, first ? SPLIT_REFUSED_FIRST :
	    SPLIT_REFUSED_AGAIN, serr->msg))
		return;
	refused = refusals(res, REFUSED_ALL, REFUSED_WORDS, &n);
	if (n > 0 && serr->code == PERR_RCPT)
		msg = first ? xasprintf("%s: %s", serr->msg, refused) :
		    xasprintf(_("%s: %s (the other recipients have it from an "
		    "earlier try)"), serr->msg, refused);
	else
		msg = first ? xstrdup(serr->msg) : xasprintf(_("%s (the other "
		    "recipients have it from an earlier try)"), serr->msg);
	if (res->outcome == SMTP_UNKNOWN) {
		f->stats->unknown++;
		rc = store_outbox_unknown(f->st, id, msg, &err);
		if (rc == 0)
			report(f, id, APP_OUTBOX_UNKNOWN, true, subject, msg);
	} else {
		f->stats->failed++;
		rc = res->permanent ? store_outbox_refused(f->st, id, msg,
		    &err) : store_outbox_failed(f->st, id, msg, &err);
		if (rc == 0)
			report(f, id, APP_OUTBOX_FAILED, res->permanent,
			    subject, msg);
	}
	if (rc != 0)
		report(f, id, APP_OUTBOX_NOTE, false, subject, err.msg);
	free(msg);
	free(refused);
}

/*
 * A row this flush could not submit (a bad message, no connection):
 * claimed and settled in one transaction, so a row another posta is
 * sending at this moment is left alone. False when it was not ours.
 */
static bool
not_sent(struct flush *f, int64_t id, bool held, const char *why)
{
	struct perr	err, ignored;
	int		rc;

	if (store_begin(f->st, &err) != 0)
		return false;
	if ((rc = store_outbox_sending(f->st, id, NULL, &err)) == 0)
		rc = held ? store_outbox_refused(f->st, id, why, &err) :
		    store_outbox_failed(f->st, id, why, &err);
	if (rc < 0) {
		(void)store_rollback(f->st, &ignored);
		return false;
	}
	if (store_commit(f->st, &err) != 0)
		return false;
	if (rc == 0)
		f->stats->failed++;
	return rc == 0;
}

/*
 * After a copy went into the journal while online: one pass that replays
 * it. A failure is only a note: the entry waits for the next sync.
 */
static void
push(const struct config *cfg, const struct account *acct, app_outbox_cb cb,
    void *arg)
{
	struct app_outbox_event	ev;
	struct perr		err;
	bool			pushed;

	if (acct->protocol == PROTO_POP3)
		return;
	if (app_act_push(cfg, acct, &pushed, &err) == 0 || cb == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.what = APP_OUTBOX_NOTE;
	ev.subject = "";
	ev.text = err.msg;
	cb(arg, &ev);
}

/* Split "a\nb" into v[0..n) (pointers into list, which it cuts). */
static char **
split_lines(char *list, size_t *n)
{
	char	**v = NULL, *p, *save;

	*n = 0;
	for (p = strtok_r(list, "\n", &save); p != NULL;
	    p = strtok_r(NULL, "\n", &save)) {
		v = xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = p;
	}
	return v;
}

/*
 * A server without 8BITMIME gets the 8bit text parts in quoted-printable
 * (what it was sent is what the Sent copy keeps). A message that does
 * not parse goes as it is, as it would have before.
 */
static void
seven_bit(struct flush *f, char **out, size_t *outlen)
{
	struct perr	 ignored;
	char		*down;
	size_t		 downlen;

	if (smtp_has_cap(f->smtp, "8BITMIME") ||
	    compose_downgrade(*out, *outlen, &down, &downlen, &ignored) != 1)
		return;
	free(*out);
	*out = down;
	*outlen = downlen;
}

/* Submit outbox row id. -1 when the connection is gone for the rest. */
static int
flush_one(struct flush *f, int64_t id)
{
	struct compose_envelope	 env;
	struct mail_headers	 h;
	struct smtp_result	 res;
	struct perr		 err, serr;
	void			*raw;
	char			*out = NULL, *left = NULL, **rcpt;
	size_t			 len, outlen, nrcpt;
	bool			 first = true;
	int			 rc;

	if (store_outbox_get(f->st, id, NULL, NULL, &raw, &len, &err) != 0) {
		report(f, id, APP_OUTBOX_NOTE, false, "", err.msg);
		return 0;
	}
	(void)mail_headers_parse(raw, len, &h, &err);
	if (compose_envelope(raw, len, &env, &out, &outlen, &serr) != 0) {
		/* The message itself is wrong: trying again cannot help. */
		if (not_sent(f, id, true, serr.msg))
			report(f, id, APP_OUTBOX_FAILED, true, h.subject,
			    serr.msg);
		goto done;
	}
	if (f->smtp == NULL &&
	    (f->smtp = smtp_connect(f->acct, &f->acct->smtp, &serr)) == NULL) {
		if (not_sent(f, id, false, serr.msg))
			report(f, id, APP_OUTBOX_FAILED, false, h.subject,
			    serr.msg);
		compose_envelope_free(&env);
		free(out);
		free(raw);
		mail_headers_free(&h);
		return -1;
	}
	if ((rc = store_outbox_sending(f->st, id, &left, &err)) != 0) {
		/* 1: another posta took it meanwhile; it reports it. */
		if (rc < 0)
			report(f, id, APP_OUTBOX_NOTE, false, h.subject,
			    err.msg);
		goto done_env;
	}
	/* Those who took it already are never sent it again. */
	f->h = &h;
	f->listed = left != NULL;
	if (left != NULL) {
		first = !had_before(f, id, &h);
		rcpt = split_lines(left, &nrcpt);
	} else {
		rcpt = env.rcpt;
		nrcpt = env.nrcpt;
	}
	seven_bit(f, &out, &outlen);
	rc = smtp_submit(f->smtp, env.from, (const char *const *)rcpt, nrcpt,
	    out, outlen, &res, &serr);
	if (rc == 0)
		record_taken(f, id, first, h.subject, &res, out, outlen);
	else
		record_not_taken(f, id, first, h.subject, &res, &serr);
	f->h = NULL;
	f->listed = false;
	if (!res.usable) {
		smtp_cancel(f->smtp);
		smtp_close(f->smtp);
		f->smtp = NULL;
	}
	smtp_result_free(&res);
	if (left != NULL)
		free(rcpt);
	free(left);
done_env:
	compose_envelope_free(&env);
done:
	free(out);
	free(raw);
	mail_headers_free(&h);
	return 0;
}

int
app_outbox_submit(const char *store_path, const struct account *acct,
    app_outbox_cb cb, void *arg, struct app_flush_stats *stats,
    struct perr *err)
{
	struct app_flush_stats	 local;
	struct flush		 f;
	size_t			 i;
	int			 rc = 0;

	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	memset(&f, 0, sizeof f);
	f.acct = acct;
	f.cb = cb;
	f.arg = arg;
	f.stats = stats;
	if ((f.st = store_open(store_path, STORE_RDWR, err)) == NULL)
		return -1;
	if (store_account_ensure(f.st, acct->name, app_acct_proto(acct),
	    &f.account_id, err) != 0 ||
	    store_outbox_list(f.st, f.account_id, collect, &f, err) != 0) {
		store_close(f.st);
		free(f.ids);
		return -1;
	}
	if (f.nids > 0 && acct->smtp.host == NULL) {
		store_close(f.st);
		free(f.ids);
		return perr_set(err, PERR_CONFIG, _("account %s: no smtp_host "
		    "configured, so it cannot send"), acct->name);
	}
	for (i = 0; i < f.nids; i++) {
		if (flush_one(&f, f.ids[i]) != 0) {
			/* Unreachable: the rest wait with the same reason. */
			for (i++; i < f.nids; i++)
				(void)not_sent(&f, f.ids[i], false, _("not "
				    "tried: the server could not be reached"));
			break;
		}
	}
	if (f.smtp != NULL)
		smtp_close(f.smtp);
	store_close(f.st);
	free(f.ids);
	if (stats->failed + stats->unknown + stats->partial > 0) {
		rc = perr_set(err, PERR_GENERIC, _("account %s: %zu sent, %zu "
		    "partly, %zu failed, %zu outcome unknown"), acct->name,
		    stats->sent, stats->partial, stats->failed, stats->unknown);
	}
	return rc;
}

int
app_outbox_flush(const struct config *cfg, const struct account *acct,
    app_outbox_cb cb, void *arg, struct app_flush_stats *stats,
    struct perr *err)
{
	struct app_flush_stats	 local;
	int			 rc;

	if (stats == NULL)
		stats = &local;
	rc = app_outbox_submit(cfg->store, acct, cb, arg, stats, err);
	/* The Sent copies wait in the journal: take them to the server now. */
	if (stats->sent + stats->partial > 0)
		push(cfg, acct, cb, arg);
	return rc;
}

int
app_send(const struct config *cfg, const struct account *acct,
    const struct compose_draft *d, const struct app_send_opts *o,
    app_outbox_cb cb, void *arg, struct app_flush_stats *stats,
    int64_t *outbox_id, struct perr *err)
{
	if (stats != NULL)
		memset(stats, 0, sizeof *stats);
	if (app_send_queue(cfg, acct, d, o, outbox_id, err) != 0)
		return -1;
	if (o != NULL && o->offline)
		return 0;
	return app_outbox_flush(cfg, acct, cb, arg, stats, err);
}

const char *
app_outbox_words(const struct app_outbox_event *ev)
{
	switch (ev->what) {
	case APP_OUTBOX_SENT:
		return _("sent");
	case APP_OUTBOX_PARTIAL:
		return ev->held ? _("sent, failed for some recipients") :
		    _("sent, will retry for some recipients");
	case APP_OUTBOX_FAILED:
		return ev->held ? _("failed") : _("will retry");
	case APP_OUTBOX_UNKNOWN:
		return _("outcome unknown");
	case APP_OUTBOX_NOTE:
	default:
		return _("note");
	}
}
