/*
 * compose.c - writing mail as in mutt: a draft (new, reply, group reply,
 * forward, or resumed from Drafts) goes to $VISUAL / $EDITOR (vi when
 * neither is set) as a file of editable headers and the body, then the
 * compose screen shows From/To/Cc/Bcc/Subject and the attachments, with
 * keys to send ('y'), postpone ('P'), abort ('q', confirmed once
 * something was written), edit again ('e'), attach and detach files
 * ('a', 'D') and edit the header fields ('t', 'c', 'b', 's') with
 * address completion from app_addresses(); 'f' picks From among the
 * account's identities (compose_self_choices()).
 *
 * The draft file lives in a private directory (0700, the file 0600) that
 * goes when the compose screen does. Sending puts the message in the
 * outbox (app_send_queue, one transaction) and the flush runs off the UI
 * thread (worker.c); postponing stores it in Drafts locally with a
 * journal entry (app_postpone, offline) that the worker replays: the
 * compose screen never waits on the network.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tui/tui-int.h"

#define COMPOSE_FILE_MAX	(64 * 1024 * 1024)
#define COMPOSE_CANDS_MAX	200	/* completions offered at once */

/* ---- completion storage ----------------------------------------------------- */

void
compose_cands_free(char ***store, size_t *nstore)
{
	size_t	i;

	for (i = 0; i < *nstore; i++)
		free((*store)[i]);
	free(*store);
	*store = NULL;
	*nstore = 0;
}

static void
cands_add(char ***store, size_t *nstore, char *s)
{
	*store = xreallocarray(*store, *nstore + 1, sizeof **store);
	(*store)[(*nstore)++] = s;
}

/* The borrowed NULL-terminated array the prompt wants. */
static const char **
cands_array(char **store, size_t nstore, size_t *n)
{
	const char	**out = xcalloc(nstore + 1, sizeof *out);
	size_t		  i;

	for (i = 0; i < nstore; i++)
		out[i] = store[i];
	*n = nstore;
	return out;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

const char **
compose_path_complete(char ***store, size_t *nstore, const char *text,
    size_t *n)
{
	const char	*home = getenv("HOME"), *slash = strrchr(text, '/');
	char		*dirpart, *dir, *base, *full;
	DIR		*d;
	struct dirent	*e;
	struct stat	 sb;
	size_t		 blen;

	compose_cands_free(store, nstore);
	/* What was typed up to the last '/' stays as typed. */
	dirpart = slash != NULL ? xstrndup(text, (size_t)(slash - text + 1)) :
	    xstrdup("");
	base = xstrdup(slash != NULL ? slash + 1 : text);
	blen = strlen(base);
	if (dirpart[0] == '~' && (dirpart[1] == '/' || dirpart[1] == '\0') &&
	    home != NULL)
		dir = xasprintf("%s%s", home, dirpart + 1);
	else
		dir = xstrdup(*dirpart != '\0' ? dirpart : "./");
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL &&
		    *nstore < COMPOSE_CANDS_MAX) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0 ||
			    strncmp(e->d_name, base, blen) != 0 ||
			    (e->d_name[0] == '.' && base[0] != '.'))
				continue;
			full = xasprintf("%s%s", dir, e->d_name);
			cands_add(store, nstore, xasprintf("%s%s%s", dirpart,
			    e->d_name, stat(full, &sb) == 0 &&
			    S_ISDIR(sb.st_mode) ? "/" : ""));
			free(full);
		}
		(void)closedir(d);
	}
	if (*nstore > 1)
		qsort(*store, *nstore, sizeof **store, cmp_str);
	free(dirpart);
	free(dir);
	free(base);
	return cands_array(*store, *nstore, n);
}

/* ---- the draft file and the editor ------------------------------------------- */

static int
write_all(const char *path, const char *s, size_t n, struct perr *err)
{
	int	fd;
	ssize_t	w;
	size_t	off = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0)
		return perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
	while (off < n) {
		if ((w = write(fd, s + off, n - off)) < 0) {
			if (errno == EINTR)
				continue;
			(void)close(fd);
			return perr_set(err, PERR_IO, "%s: %s", path,
			    strerror(errno));
		}
		off += (size_t)w;
	}
	if (close(fd) != 0)
		return perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
	return 0;
}

static int
read_all(const char *path, char **out, size_t *len, struct perr *err)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 n = 0, cap = 0, r;

	if ((f = fopen(path, "r")) == NULL)
		return perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
	do {
		if (n + 8192 + 1 > cap) {
			cap = (n + 8192 + 1) * 2;
			buf = xrealloc(buf, cap);
		}
		r = fread(buf + n, 1, 8192, f);
		n += r;
	} while (r > 0 && n <= COMPOSE_FILE_MAX);
	if (ferror(f) || n > COMPOSE_FILE_MAX) {
		(void)fclose(f);
		free(buf);
		return perr_set(err, PERR_IO, n > COMPOSE_FILE_MAX ?
		    _("%s: too large") : _("%s: read error"), path);
	}
	(void)fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/*
 * Write the draft to its file (unless the file holds the user's text that
 * did not parse), run the editor on it, read it back. Returns 1 when the
 * file changed, 0 when not, -1 on error (said).
 */
static int
edit(struct tui *t)
{
	struct compose_screen	*cs = t->cs;
	struct perr		 err;
	const char		*editor = config_editor(t->cfg);
	char			*before = NULL, *after, *cmd;
	size_t			 blen = 0, alen;
	int			 rc, changed;

	if (cs->file_bad) {
		if (read_all(cs->file, &before, &blen, &err) != 0) {
			status_error(&t->status, "%s", err.msg);
			return -1;
		}
	} else {
		before = compose_draft_file(&cs->d);
		blen = strlen(before);
		if (write_all(cs->file, before, blen, &err) != 0) {
			status_error(&t->status, "%s", err.msg);
			free(before);
			return -1;
		}
	}
	cmd = xasprintf("%s \"$1\"", editor);
	rc = run_interactive(t, cmd, cs->file, &err);
	free(cmd);
	if (rc < 0 || rc == 127) {
		status_error(&t->status, "%s", err.msg);
		free(before);
		return -1;
	}
	if (rc != 0)
		status_msg(&t->status, _("the editor exited with status %d"), rc);
	if (read_all(cs->file, &after, &alen, &err) != 0) {
		status_error(&t->status, "%s", err.msg);
		free(before);
		return -1;
	}
	changed = alen != blen || memcmp(after, before, alen) != 0;
	free(before);
	if (compose_draft_file_parse(after, alen, &cs->d, &err) != 0) {
		cs->file_bad = true;
		status_error(&t->status, _("%s (e edits it again)"), err.msg);
	} else
		cs->file_bad = false;
	free(after);
	if (changed)
		cs->written = true;
	t->dirty |= TUI_DIRTY_ALL;
	return changed;
}

/* ---- starting and ending ------------------------------------------------------ */

void
compose_free(struct tui *t)
{
	struct compose_screen	*cs = t->cs;

	if (cs == NULL)
		return;
	compose_draft_free(&cs->d);
	run_rmdir(cs->dir);
	free(cs->dir);
	free(cs->file);
	compose_cands_free(&cs->cands, &cs->ncands);
	free(cs);
	t->cs = NULL;
}

static void
leave(struct tui *t)
{
	/* "not sent: no recipients" is about a message that is gone now. */
	if (t->status.error_compose)
		status_clear_error(&t->status);
	compose_free(t);
	t->view = t->cs_back;
	if (t->view == TUI_VIEW_PAGER && t->pg.msg_id == 0)
		t->view = TUI_VIEW_INDEX;
	t->dirty |= TUI_DIRTY_ALL;
}

/*
 * The compose screen on a new draft (kind NEW, with mailto's fields when
 * not NULL) or on one made from message msg_id.
 */
static void
start_draft(struct tui *t, enum app_compose_kind kind, int64_t msg_id,
    const char *mailto)
{
	const struct account	*acct = view_account(t);
	struct compose_screen	*cs;
	struct perr		 err;
	int			 rc;

	if (acct == NULL || t->cs != NULL)
		return;
	cs = xcalloc(1, sizeof *cs);
	cs->kind = kind;
	cs->account = t->account;
	if (kind == APP_COMPOSE_NEW) {
		rc = app_draft_new(acct, &cs->d, &err);
		if (rc == 0 && mailto != NULL)
			rc = compose_mailto(mailto, &cs->d, &err);
	} else
		rc = app_draft_from(t->cfg, acct, kind, msg_id, &cs->d, &err);
	if (rc != 0) {
		if (err.code == PERR_NOTFOUND && kind != APP_COMPOSE_NEW) {
			status_msg(&t->status, _("this message's body is not "
			    "stored yet; try again when it is"));
			workers_fetch_body(t, msg_id);
		} else
			status_error(&t->status, "%s", err.msg);
		compose_draft_free(&cs->d);
		free(cs);
		return;
	}
	/* A reply's original is marked \Answered once it is sent (the
	 * outbox finds it by In-Reply-To, a resumed draft's too). */
	if (kind == APP_COMPOSE_RESUME)
		cs->resumed = msg_id;
	if ((cs->dir = run_tmpdir(&err)) == NULL) {
		status_error(&t->status, "%s", err.msg);
		compose_draft_free(&cs->d);
		free(cs);
		return;
	}
	cs->file = xasprintf("%s/draft.eml", cs->dir);
	t->cs = cs;
	t->cs_back = t->view;
	t->view = TUI_VIEW_COMPOSE;
	/* As mutt: a new message left as it was is no message (a mailto:
	 * one, such as an unsubscribe request, is whole as it is). */
	if (edit(t) == 0 && kind != APP_COMPOSE_RESUME && mailto == NULL &&
	    !cs->file_bad) {
		status_msg(&t->status, _("unmodified message: not sent"));
		leave(t);
	}
}

static void
start(struct tui *t, enum app_compose_kind kind, int64_t msg_id)
{
	start_draft(t, kind, msg_id, NULL);
}

void
compose_act_new(struct tui *t)
{
	start(t, APP_COMPOSE_NEW, 0);
}

void
compose_start_mailto(struct tui *t, const char *url)
{
	start_draft(t, APP_COMPOSE_NEW, 0, url);
}

static void
start_on_current(struct tui *t, enum app_compose_kind kind)
{
	int64_t	id = act_current(t);

	if (id == 0) {
		status_msg(&t->status, _("no message selected"));
		return;
	}
	start(t, kind, id);
}

void
compose_act_reply(struct tui *t)
{
	start_on_current(t, APP_COMPOSE_REPLY);
}

void
compose_act_group_reply(struct tui *t)
{
	start_on_current(t, APP_COMPOSE_REPLY_ALL);
}

void
compose_act_list_reply(struct tui *t)
{
	start_on_current(t, APP_COMPOSE_REPLY_LIST);
}

/*
 * Unsubscribe as the list says (RFC 2369): a mailto: URL opens the compose
 * screen with the request filled in, to be sent (y) or not; an https: URL
 * is only shown, never opened: posta does not act on a link by itself.
 */
void
compose_act_list_unsubscribe(struct tui *t)
{
	struct mail_mlist	 l;
	struct perr		 err;
	void			*raw = NULL;
	size_t			 len = 0, i;
	int64_t			 id = act_current(t);

	if (id == 0 || t->st == NULL) {
		status_msg(&t->status, _("no message selected"));
		return;
	}
	if (store_body_get(t->st, id, &raw, &len, &err) != 0) {
		if (err.code == PERR_NOTFOUND) {
			status_msg(&t->status, _("this message's body is not "
			    "stored yet; try again when it is"));
			workers_fetch_body(t, id);
		} else
			status_error(&t->status, "%s", err.msg);
		return;
	}
	mail_mlist_parse(raw, len, &l);
	free(raw);
	for (i = 0; i < l.nunsub; i++)
		if (strncasecmp(l.unsub[i], "mailto:", 7) == 0)
			break;
	if (i < l.nunsub)
		compose_start_mailto(t, l.unsub[i]);
	else if (l.nunsub > 0)
		status_msg(&t->status, _("To unsubscribe, open %s (posta opens "
		    "no link by itself)."), l.unsub[0]);
	else
		status_msg(&t->status, _("This message has no List-Unsubscribe "
		    "header."));
	mail_mlist_free(&l);
}

static void
forward_done(struct tui *t, const char *answer)
{
	if (*answer == '\0' || t->npend != 1)
		return;		/* Esc: nothing */
	start(t, strcmp(answer, "y") == 0 ? APP_COMPOSE_FORWARD_ATTACH :
	    APP_COMPOSE_FORWARD, t->pend[0]);
}

void
compose_act_forward(struct tui *t)
{
	int64_t	id = act_current(t);

	if (id == 0) {
		status_msg(&t->status, _("no message selected"));
		return;
	}
	free(t->pend);
	t->pend = xmalloc(sizeof *t->pend);
	t->pend[0] = id;
	t->npend = 1;
	t->pend_tags = false;
	prompt_ask(&t->prompt, _("Forward as an attachment? (y: attached, "
	    "n: inline) "), forward_done);
}

/* Is message id a draft: flagged \Draft, or in the Drafts folder? */
static bool
is_draft(struct tui *t, int64_t id)
{
	struct store_msg	m;
	struct store_folder	f;
	struct perr		err;
	bool			yes = false;

	if (store_msg_get(t->st, id, &m, &err) != 0)
		return false;
	yes = (m.flags & STORE_DRAFT) != 0;
	if (!yes && store_folder_get(t->st, m.folder_id, &f, &err) == 0) {
		yes = f.special_use == STORE_SPECIAL_DRAFTS;
		store_folder_free(&f);
	}
	store_msg_free(&m);
	return yes;
}

void
compose_act_resume(struct tui *t)
{
	struct store_folder	f;
	struct perr		err;
	int64_t			id = act_current(t);

	if (id != 0 && t->st != NULL && is_draft(t, id)) {
		start(t, APP_COMPOSE_RESUME, id);
		return;
	}
	/* Elsewhere: the drafts are in Drafts; go there. */
	if (t->st == NULL || store_folder_by_special(t->st, t->account_id,
	    STORE_SPECIAL_DRAFTS, &f, &err) != 0) {
		status_msg(&t->status, _("no Drafts folder"));
		return;
	}
	if (f.id != t->folder_id)
		view_open_folder(t, t->account, f.id);
	store_folder_free(&f);
	status_msg(&t->status, _("select a draft and press R again"));
}

/* ---- the compose screen's keys ----------------------------------------------------- */

static bool
composing(struct tui *t)
{
	return t->cs != NULL && t->view == TUI_VIEW_COMPOSE;
}

void
compose_act_edit(struct tui *t)
{
	if (composing(t))
		(void)edit(t);
}

void
compose_act_send(struct tui *t)
{
	struct compose_screen	*cs = t->cs;
	struct app_send_opts	 o;
	struct app_act		*a;
	struct perr		 err;
	int64_t			 id;
	size_t			 account, changed;

	if (!composing(t))
		return;
	if (cs->file_bad) {
		status_msg(&t->status, _("the message file has an error: e "
		    "edits it"));
		return;
	}
	memset(&o, 0, sizeof o);
	o.offline = true;	/* queue only: the flush runs off this thread */
	if (app_send_queue(t->cfg, &t->cfg->accounts[cs->account], &cs->d,
	    &o, &id, &err) != 0) {
		status_error(&t->status, _("not sent: %s"), err.msg);
		t->status.error_compose = true;
		return;
	}
	/* Queued: the draft it came from has done its job, and goes (not
	 * to Trash: the message itself is in the outbox, then in Sent). */
	if (cs->resumed != 0 && (a = view_handle(t)) != NULL &&
	    app_act_remove(a, &cs->resumed, 1, &changed, &err) != 0)
		status_error(&t->status, "%s", err.msg);
	account = cs->account;
	leave(t);
	status_msg(&t->status, _("queued in the outbox"));
	view_refresh(t, TUI_REFRESH_INDEX | TUI_REFRESH_SIDEBAR |
	    TUI_REFRESH_JOURNAL);
	workers_flush_outbox(t, account);
}

void
compose_act_postpone(struct tui *t)
{
	struct compose_screen	*cs = t->cs;
	struct app_act		*a;
	struct perr		 err;
	char			 note[256];
	size_t			 changed;

	if (!composing(t))
		return;
	/* Offline: stored in Drafts now, APPENDed by the worker's replay. */
	if (app_postpone(t->cfg, &t->cfg->accounts[cs->account], &cs->d, true,
	    note, sizeof note, &err) != 0) {
		status_error(&t->status, _("not postponed: %s"), err.msg);
		t->status.error_compose = true;
		return;
	}
	/* The new copy replaces it. */
	if (cs->resumed != 0 && (a = view_handle(t)) != NULL &&
	    app_act_remove(a, &cs->resumed, 1, &changed, &err) != 0)
		status_error(&t->status, "%s", err.msg);
	leave(t);
	status_msg(&t->status, _("postponed to Drafts (R resumes it)"));
	view_refresh(t, TUI_REFRESH_INDEX | TUI_REFRESH_SIDEBAR |
	    TUI_REFRESH_JOURNAL);
	workers_replay(t);
}

static void
abort_done(struct tui *t, const char *answer)
{
	if (strcmp(answer, "y") != 0 || t->cs == NULL)
		return;
	leave(t);
	status_msg(&t->status, _("message aborted"));
}

void
compose_act_abort(struct tui *t)
{
	if (!composing(t))
		return;
	if (t->cs->written)
		prompt_ask(&t->prompt, _("Abort this message? (y/n) "),
		    abort_done);
	else
		abort_done(t, "y");
}

static const char **
attach_complete(struct tui *t, const char *text, size_t *n)
{
	return compose_path_complete(&t->cs->cands, &t->cs->ncands, text, n);
}

static void
attach_done(struct tui *t, const char *text)
{
	const char	*home = getenv("HOME");
	struct perr	 err;
	char		*path;

	if (t->cs == NULL || *text == '\0')
		return;
	if (text[0] == '~' && text[1] == '/' && home != NULL)
		path = xasprintf("%s%s", home, text + 1);
	else
		path = xstrdup(text);
	if (app_draft_attach_file(&t->cs->d, path, &err) != 0)
		status_error(&t->status, "%s", err.msg);
	else {
		t->cs->written = true;
		t->cs->sel = t->cs->d.natt - 1;
	}
	free(path);
}

void
compose_act_attach(struct tui *t)
{
	if (composing(t))
		prompt_start(&t->prompt, _("Attach file: "), attach_done,
		    attach_complete);
}

void
compose_act_detach(struct tui *t)
{
	struct compose_screen	*cs = t->cs;

	if (!composing(t))
		return;
	if (cs->d.natt == 0) {
		status_msg(&t->status, _("no attachment"));
		return;
	}
	compose_draft_detach(&cs->d, cs->sel);
	if (cs->sel > 0 && cs->sel >= cs->d.natt)
		cs->sel--;
	cs->written = true;
}

void
compose_act_next(struct tui *t)
{
	if (composing(t) && t->cs->sel + 1 < t->cs->d.natt)
		t->cs->sel++;
}

void
compose_act_prev(struct tui *t)
{
	if (composing(t) && t->cs->sel > 0)
		t->cs->sel--;
}

/* ---- header fields -------------------------------------------------------------- */

struct addr_collect {
	struct compose_screen	*cs;
	const char		*head;	/* the text before the word */
};

/* "Name <addr>", the name quoted when it holds specials. */
static int
addr_found(void *arg, const char *addr, const char *name, int64_t uses)
{
	struct addr_collect	*c = arg;
	char			*item, *q, *o;
	const char		*p;

	(void)uses;
	if (name == NULL || *name == '\0')
		item = xstrdup(addr);
	else if (strpbrk(name, ",;<>\"@()[]:\\.") != NULL) {
		q = o = xmalloc(strlen(name) * 2 + 1);
		for (p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				*o++ = '\\';
			*o++ = *p;
		}
		*o = '\0';
		item = xasprintf("\"%s\" <%s>", q, addr);
		free(q);
	} else
		item = xasprintf("%s <%s>", name, addr);
	cands_add(&c->cs->cands, &c->cs->ncands, xasprintf("%s%s", c->head,
	    item));
	free(item);
	return 0;
}

static const char **
addr_complete(struct tui *t, const char *text, size_t *n)
{
	struct compose_screen	*cs = t->cs;
	struct addr_collect	 c;
	struct perr		 err;
	const char		*word = strrchr(text, ',');
	char			*head;

	compose_cands_free(&cs->cands, &cs->ncands);
	word = word != NULL ? word + 1 : text;
	while (*word == ' ')
		word++;
	head = xstrndup(text, (size_t)(word - text));
	c.cs = cs;
	c.head = head;
	if (*word != '\0' && app_addresses(t->cfg, word, 20, addr_found, &c,
	    &err) != 0)
		status_error(&t->status, "%s", err.msg);
	free(head);
	return cands_array(cs->cands, cs->ncands, n);
}

static void
set_field(struct tui *t, char **field, const char *text)
{
	if (t->cs == NULL)
		return;
	compose_draft_set(field, *text != '\0' ? text : NULL);
	t->cs->written = true;
}

/* The account's From choices holding what was typed (any part of them). */
static const char **
from_complete(struct tui *t, const char *text, size_t *n)
{
	struct compose_screen	 *cs = t->cs;
	struct compose_self	  self;
	char			**v;
	size_t			  nv, i;

	compose_cands_free(&cs->cands, &cs->ncands);
	app_compose_self(&t->cfg->accounts[cs->account], &self);
	v = compose_self_choices(&self, &nv);
	for (i = 0; i < nv; i++) {
		if (strcasestr(v[i], text) != NULL)
			cands_add(&cs->cands, &cs->ncands, v[i]);
		else
			free(v[i]);
	}
	free(v);
	return cands_array(cs->cands, cs->ncands, n);
}

static void
from_done(struct tui *t, const char *text)
{
	if (t->cs != NULL && *text != '\0')
		set_field(t, &t->cs->d.from, text);
}

static void
to_done(struct tui *t, const char *text)
{
	if (t->cs != NULL)
		set_field(t, &t->cs->d.to, text);
}

static void
cc_done(struct tui *t, const char *text)
{
	if (t->cs != NULL)
		set_field(t, &t->cs->d.cc, text);
}

static void
bcc_done(struct tui *t, const char *text)
{
	if (t->cs != NULL)
		set_field(t, &t->cs->d.bcc, text);
}

static void
subject_done(struct tui *t, const char *text)
{
	if (t->cs != NULL)
		set_field(t, &t->cs->d.subject, text);
}

void
compose_act_from(struct tui *t)
{
	if (composing(t))
		prompt_start_with(&t->prompt, _("From: "), t->cs->d.from,
		    from_done, from_complete);
}

void
compose_act_to(struct tui *t)
{
	if (composing(t))
		prompt_start_with(&t->prompt, _("To: "), t->cs->d.to, to_done,
		    addr_complete);
}

void
compose_act_cc(struct tui *t)
{
	if (composing(t))
		prompt_start_with(&t->prompt, _("Cc: "), t->cs->d.cc, cc_done,
		    addr_complete);
}

void
compose_act_bcc(struct tui *t)
{
	if (composing(t))
		prompt_start_with(&t->prompt, _("Bcc: "), t->cs->d.bcc, bcc_done,
		    addr_complete);
}

void
compose_act_subject(struct tui *t)
{
	if (composing(t))
		prompt_start_with(&t->prompt, _("Subject: "), t->cs->d.subject,
		    subject_done, NULL);
}
