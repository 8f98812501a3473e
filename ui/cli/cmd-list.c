/* cmd-list.c - posta list: the messages of a folder, newest first, offline. */
#include <sys/ioctl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "cli/cli.h"
#include "util/i18n.h"

static int	terminal_columns(void);

struct list_state {
	const char	*folder;	/* the folder's name, for JSON */
	bool		 json;
	int		 subject_cols;	/* 0: do not cut (not a terminal) */
	int		 rows;
	struct store_page_key last;
};

/* IMAP names of the flag bits, in the order IMAP clients print them. */
static const struct {
	unsigned	 bit;
	const char	*name;
} flag_names[] = {
	{ STORE_SEEN, "\\Seen" },
	{ STORE_ANSWERED, "\\Answered" },
	{ STORE_FLAGGED, "\\Flagged" },
	{ STORE_DELETED, "\\Deleted" },
	{ STORE_DRAFT, "\\Draft" },
	{ STORE_RECENT, "\\Recent" },
};

static void
iso_date(int64_t t, char *buf, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "1970-01-01T00:00:00Z");
}

static char *
clean(const char *s)
{
	return sanitize_line(s != NULL ? s : "");
}

/* "Name <addr>", or the address alone. Returns malloc'd, sanitised text. */
static char *
sender(const struct store_msg *m)
{
	char	*raw, *out;

	if (m->from_name != NULL && *m->from_name != '\0')
		raw = xasprintf("%s <%s>", m->from_name,
		    m->from_addr != NULL ? m->from_addr : "");
	else
		raw = xstrdup(m->from_addr != NULL ? m->from_addr : "");
	out = clean(raw);
	free(raw);
	return out;
}

static void
json_raw(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t	n = strlen(s);

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

static void
print_json(const char *folder, const struct store_msg *m, bool by_server)
{
	char	*buf = NULL, *s, date[32], num[64];
	size_t	 len = 0, cap = 0, i;
	bool	 first = true;

#define RAW(str)	json_raw(&buf, &len, &cap, (str))
#define STR(key, val)	do {						\
		RAW(",\"" key "\":");					\
		s = clean(val);						\
		json_append_string(&buf, &len, &cap, s);		\
		free(s);						\
	} while (0)

	snprintf(num, sizeof num, "{\"id\":%lld,\"uid\":", (long long)m->id);
	RAW(num);
	if (m->uid != 0) {
		snprintf(num, sizeof num, "%u", m->uid);
		RAW(num);
	} else
		RAW("null");
	RAW(",\"folder\":");
	s = clean(folder);
	json_append_string(&buf, &len, &cap, s);
	free(s);
	RAW(",\"flags\":[");
	for (i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++) {
		if ((m->flags & flag_names[i].bit) == 0)
			continue;
		if (!first)
			RAW(",");
		json_append_string(&buf, &len, &cap, flag_names[i].name);
		first = false;
	}
	if (m->keywords != NULL && *m->keywords != '\0') {
		char *kw = clean(m->keywords), *tok, *save = NULL;

		for (tok = strtok_r(kw, " ", &save); tok != NULL;
		    tok = strtok_r(NULL, " ", &save)) {
			if (!first)
				RAW(",");
			json_append_string(&buf, &len, &cap, tok);
			first = false;
		}
		free(kw);
	}
	RAW("]");
	iso_date(m->date != 0 ? m->date : m->internal_date, date, sizeof date);
	RAW(",\"date\":");
	json_append_string(&buf, &len, &cap, date);
	RAW(",\"from\":");
	s = sender(m);
	json_append_string(&buf, &len, &cap, s);
	free(s);
	STR("to", m->to_list);
	STR("subject", m->subject);
	snprintf(num, sizeof num, ",\"size\":%lld", (long long)m->size);
	RAW(num);
	STR("message_id", m->message_id);
	/* posta's note on a message that is not whole: only when there is one. */
	if (m->problem != NULL)
		STR("problem", m->problem);
	/* posta search: found by the server, not by the store. */
	if (by_server)
		RAW(",\"found_by\":\"server\"");
	RAW("}");
	puts(buf);
	free(buf);
#undef RAW
#undef STR
}

static void
print_row(int subject_cols, const struct store_msg *m, bool by_server)
{
	char		 flags[5], date[20], *from, *fromcell, *subj, *cut;
	time_t		 t = (time_t)(m->date != 0 ? m->date : m->internal_date);
	struct tm	 tm;

	flags[0] = (m->flags & STORE_SEEN) ? ' ' : 'N';
	flags[1] = (m->flags & STORE_FLAGGED) ? '!' : ' ';
	flags[2] = (m->flags & STORE_ANSWERED) ? 'r' :
	    (m->flags & STORE_DELETED) ? 'D' : ' ';
	flags[3] = m->has_attachments ? '+' : ' ';
	flags[4] = '\0';
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(date, sizeof date, "%-16s", "?");
	from = sender(m);
	fromcell = text_fit(m->from_name != NULL && *m->from_name != '\0' ?
	    m->from_name : from, 22);
	subj = clean(m->subject);
	if (by_server) {
		/* TRANSLATORS: marks a row that only the server found. */
		cut = xasprintf(_("[server] %s"), subj);
		free(subj);
		subj = cut;
	}
	if (subject_cols > 0) {
		cut = text_fit(subj, subject_cols);
		free(subj);
		subj = cut;
	}
	printf("%7lld %s %s %s %s\n", (long long)m->id, flags, date, fromcell,
	    subj);
	free(subj);
	free(fromcell);
	free(from);
}

void
cli_msg_print(const struct store_msg *m, const char *folder, bool json,
    int subject_cols)
{
	cli_msg_print_found(m, folder, json, subject_cols, false);
}

void
cli_msg_print_found(const struct store_msg *m, const char *folder, bool json,
    int subject_cols, bool by_server)
{
	if (json)
		print_json(folder, m, by_server);
	else
		print_row(subject_cols, m, by_server);
}

static int
list_one(void *arg, const struct store_msg *m)
{
	struct list_state	*ls = arg;

	cli_msg_print(m, ls->folder, ls->json, ls->subject_cols);
	ls->last.date = m->date;
	ls->last.id = m->id;
	ls->rows++;
	return 0;
}

int
cli_subject_cols(void)
{
	int	cols = terminal_columns();

	if (cols <= 0)
		return 0;
	return cols - 8 - 5 - 17 - 23 > 10 ? cols - 8 - 5 - 17 - 23 : 10;
}

static int
terminal_columns(void)
{
	struct winsize	ws;

	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static const struct arg_opt list_opts[] = {
	CLI_OPT_ACCOUNT,
	{ .name = "json", .kind = ARG_FLAG },
	{ .name = "limit", .kind = ARG_NUMBER, .min = 0, .max = 1000000000 },
	{ 0 }
};

static int
cmd_list(struct cli_ctx *ctx, const struct cmd_entry *self, struct args *a)
{
	struct list_state	 ls = { 0 };
	const struct account	*acct;
	const char		*folder = a->argc > 0 ? a->argv[0] : "INBOX";
	struct store		*st;
	struct store_folder	 f = { 0 };
	struct perr		 err;
	int64_t			 account_id;
	long long		 limit = args_number(a, "limit", -1);
	int64_t			 total = 0, unread;
	bool			 found, synced;
	int			 rc = CLI_OK;

	ls.json = args_has(a, "json");
	if (cli_open_reader(ctx, args_get(a, "account"), &acct, &st,
	    &account_id) != 0)
		return CLI_FAIL;
	/*
	 * A send lists the server's folders (for the Sent copy) without
	 * pulling any: an account no pass has pulled says so, whether its
	 * INBOX is known (and empty) or not. A local folder, or one that
	 * holds mail however it came, is listed all the same.
	 */
	found = store_folder_by_name(st, account_id, folder, &f, &err) == 0;
	if ((found ? f.remote_name != NULL && f.last_sync == 0 &&
	    store_folder_counts(st, f.id, &total, &unread, &err) == 0 &&
	    total == 0 : err.code == PERR_NOTFOUND) &&
	    app_account_synced(st, account_id, &synced, &err) == 0 &&
	    !synced) {
		rc = cli_error(_("account %s has not been synced yet: run "
		    "'posta sync -a %s'"), acct->name, acct->name);
		store_folder_free(&f);
		store_close(st);
		return rc;
	}
	if (!found) {
		if (err.code == PERR_NOTFOUND)
			rc = cli_error(_("account %s: no folder named '%s' "
			    "(see posta folders)"), acct->name, folder);
		else
			rc = cli_error("%s", err.msg);
		store_close(st);
		return rc;
	}
	ls.folder = f.name;
	ls.subject_cols = cli_subject_cols();
	/* Page through the folder: memory stays bounded by the page size. */
	for (;;) {
		int want = 500, before = ls.rows;

		if (limit >= 0 && limit - ls.rows < want)
			want = (int)(limit - ls.rows);
		if (want == 0)
			break;
		if (store_msg_page(st, f.id, ls.rows > 0 ? &ls.last : NULL,
		    want, list_one, &ls, &err) != 0) {
			rc = cli_error("%s", err.msg);
			break;
		}
		if (ls.rows - before < want)
			break;
	}
	store_folder_free(&f);
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.args = { list_opts, 0, 1, 0 },
	.usage = N_("[-a ACCOUNT] [--limit N] [--json] [FOLDER]"),
	.summary = N_("list the messages of a folder (default INBOX), newest first"),
	.exec = cmd_list
};
