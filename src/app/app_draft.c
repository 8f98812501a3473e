/*
 * app_draft.c - drafts for the faces (see app.h): a new draft with the
 * account's From and signature, a draft from a stored message (reply,
 * forward, edit again), attachments from files, the message as queued
 * (app_send_build), and address completion.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/send-int.h"
#include "mail/mail.h"
#include "store/store.h"
#include "util/i18n.h"

/* ---- files ------------------------------------------------------------- */

/* Read a whole file: *data malloc'd (NUL after *len), caller frees. */
static int
read_file(const char *path, size_t max, char **data, size_t *len,
    struct perr *err)
{
	struct stat	 sb;
	char		*buf;
	size_t		 n = 0;
	ssize_t		 r;
	int		 fd;

	*data = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return perr_set(err, PERR_IO, _("%s: not a regular file"), path);
	}
	if ((size_t)sb.st_size > max) {
		close(fd);
		return perr_set(err, PERR_IO, _("%s: %lld bytes, more than posta "
		    "can attach (%zu)"), path, (long long)sb.st_size, max);
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	while (n < (size_t)sb.st_size) {
		r = read(fd, buf + n, (size_t)sb.st_size - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			perr_set(err, PERR_IO, "%s: %s", path, r == 0 ?
			    _("shorter than expected") : strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int
app_draft_attach_file(struct compose_draft *d, const char *path,
    struct perr *err)
{
	char	*data;
	size_t	 len;

	if (read_file(path, MAIL_MSG_MAX, &data, &len, err) != 0)
		return -1;
	compose_draft_attach(d, data, len, path, NULL, path);
	return 0;
}

/* ---- drafts -------------------------------------------------------------- */

static int
add_signature(const struct account *acct, struct compose_draft *d,
    struct perr *err)
{
	char	*sig;
	size_t	 len;

	if (acct->signature == NULL)
		return 0;
	if (read_file(acct->signature, 1 << 20, &sig, &len, err) != 0) {
		perr_prefix(err, _("account %s: signature"), acct->name);
		return -1;
	}
	compose_draft_add_signature(d, sig, len);
	free(sig);
	return 0;
}

static void
set_from(const struct account *acct, struct compose_draft *d)
{
	free(d->from);
	d->from = addr_format(acct->real_name, acct->email);
}

int
app_draft_new(const struct account *acct, struct compose_draft *d,
    struct perr *err)
{
	memset(d, 0, sizeof *d);
	set_from(acct, d);
	d->body = xstrdup("");
	if (add_signature(acct, d, err) != 0) {
		compose_draft_free(d);
		return -1;
	}
	return 0;
}

void
app_compose_self(const struct account *acct, struct compose_self *self)
{
	self->email = acct->email;
	self->real_name = acct->real_name;
	self->identities = acct->identities;
	self->alternates = acct->alternates;
}

/* A reply to the list the message came through: To its List-Post. */
static int
list_reply(const char *raw, size_t len, const struct compose_self *self,
    int64_t msg_id, struct compose_draft *d, struct perr *err)
{
	struct mail_mlist	l;
	struct compose_draft	post = { 0 };
	int			rc = -1;

	mail_mlist_parse(raw, len, &l);
	if (l.post == NULL || compose_mailto(l.post, &post, err) != 0 ||
	    post.to == NULL) {
		perr_set(err, PERR_GENERIC, _("message %lld names no list "
		    "address to post to (no List-Post header with a mailto: "
		    "URL)"), (long long)msg_id);
		goto out;
	}
	if ((rc = compose_reply(raw, len, false, self, d, err)) != 0)
		goto out;
	compose_draft_set(&d->to, post.to);
	compose_draft_set(&d->cc, NULL);
out:
	compose_draft_free(&post);
	mail_mlist_free(&l);
	return rc;
}

int
app_draft_from(const struct config *cfg, const struct account *acct,
    enum app_compose_kind kind, int64_t msg_id, struct compose_draft *d,
    struct perr *err)
{
	struct compose_self self;
	struct store	*st;
	void		*raw = NULL;
	size_t		 len = 0;
	int		 rc;

	memset(d, 0, sizeof *d);
	app_compose_self(acct, &self);
	if (kind == APP_COMPOSE_NEW)
		return app_draft_new(acct, d, err);
	if ((st = store_open(cfg->store, STORE_RDONLY, err)) == NULL)
		return -1;
	rc = store_body_get(st, msg_id, &raw, &len, err);
	store_close(st);
	if (rc != 0) {
		if (err->code == PERR_NOTFOUND)
			perr_set(err, PERR_NOTFOUND, _("message %lld: no such "
			    "message, or its body is not stored offline (posta "
			    "show %lld fetches it)"), (long long)msg_id,
			    (long long)msg_id);
		return -1;
	}
	switch (kind) {
	case APP_COMPOSE_REPLY:
	case APP_COMPOSE_REPLY_ALL:
		rc = compose_reply(raw, len, kind == APP_COMPOSE_REPLY_ALL,
		    &self, d, err);
		break;
	case APP_COMPOSE_REPLY_LIST:
		rc = list_reply(raw, len, &self, msg_id, d, err);
		break;
	case APP_COMPOSE_FORWARD:
	case APP_COMPOSE_FORWARD_ATTACH:
		rc = compose_forward(raw, len, kind ==
		    APP_COMPOSE_FORWARD_ATTACH, d, err);
		break;
	default:
		rc = compose_from_message(raw, len, d, err);
		break;
	}
	free(raw);
	if (rc != 0)
		return -1;
	if (kind != APP_COMPOSE_RESUME) {
		/* A reply answers from the address it was sent to. */
		if (d->from == NULL)
			set_from(acct, d);
		if (add_signature(acct, d, err) != 0) {
			compose_draft_free(d);
			return -1;
		}
	} else if (d->from == NULL)
		set_from(acct, d);
	return 0;
}

/* Candidates for the message a reply answers (a bounded few). */
#define ANSWERS_SEEN_MAX	16
struct answers_seen {
	int64_t		id[ANSWERS_SEEN_MAX], folder[ANSWERS_SEEN_MAX];
	size_t		n;
};

static int
answers_seen(void *arg, const struct store_msg *m)
{
	struct answers_seen	*a = arg;

	/* A draft (this one, or its older copies) answers nothing. */
	if ((m->flags & (STORE_DRAFT | STORE_DELETED)) != 0 ||
	    a->n == ANSWERS_SEEN_MAX)
		return 0;
	a->id[a->n] = m->id;
	a->folder[a->n++] = m->folder_id;
	return 0;
}

int
app_answered_id(struct store *st, int64_t account_id, const char *msgid,
    int64_t *id, struct perr *err)
{
	struct answers_seen	 a;
	struct store_folder	 f;
	size_t			 i;
	int			 rc;

	*id = 0;
	if (msgid == NULL || *msgid == '\0')
		return 0;
	memset(&a, 0, sizeof a);
	rc = store_msg_by_message_id(st, msgid, 0, answers_seen, &a, err);
	/* The oldest row of this account: the message as it arrived. */
	for (i = 0; rc == 0 && i < a.n && *id == 0; i++) {
		if ((rc = store_folder_get(st, a.folder[i], &f, err)) != 0)
			break;
		if (f.account_id == account_id)
			*id = a.id[i];
		store_folder_free(&f);
	}
	return rc;
}
/* ---- building ------------------------------------------------------------ */

int
app_send_build(const struct compose_draft *d, bool draft, char **raw, size_t *len,
    struct perr *err)
{
	struct compose_build_opts	 o;
	struct compose_addrs		 from = { 0 };
	unsigned char			 rnd[16];
	char				*id;
	int				 rc;

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return perr_set(err, PERR_IO, _("getrandom: %s"), strerror(errno));
	(void)compose_parse_addresses(d->from, &from, err);
	id = compose_message_id(rnd, sizeof rnd, from.n > 0 ? from.v[0].addr :
	    NULL);
	compose_addrs_free(&from);
	memset(&o, 0, sizeof o);
	o.date = (int64_t)time(NULL);
	o.message_id = id;
	o.user_agent = APP_USER_AGENT;
	o.keep_bcc = true;
	o.draft = draft;
	rc = compose_build(d, &o, raw, len, err);
	free(id);
	return rc;
}

/* ---- completion -------------------------------------------------------- */

int
app_addresses(const struct config *cfg, const char *prefix, int limit,
    store_address_cb cb, void *arg, struct perr *err)
{
	struct store	*st;
	int		 rc;

	if (access(cfg->store, F_OK) != 0)
		return 0;
	if ((st = store_open(cfg->store, STORE_RDONLY, err)) == NULL)
		return -1;
	rc = store_address_complete(st, prefix, limit, cb, arg, err);
	store_close(st);
	return rc;
}
