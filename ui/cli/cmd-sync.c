/*
 * cmd-sync.c - posta sync: one sync pass of an account (or all), then exit.
 * Sending is an action taken offline too: what waits in the outbox goes
 * first, so that a cron 'posta sync' delivers, and the pass's journal
 * replay then puts the Sent copies on the server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "cli/cli.h"
#include "util/i18n.h"

void	cmd_send_report(void *arg, const struct app_outbox_event *ev);

struct sync_view {
	bool		 live;		/* redraw a progress line on stderr */
	bool		 verbose;	/* a line per folder on stdout */
	bool		 quiet;		/* -q: nothing about what went well */
	bool		 drawn;		/* a progress line is on screen */
	double		 phase_start;	/* when the current phase began */
	uint64_t	 phase_done0;	/* done at that moment */
	enum sync_phase	 phase;
	double		 last_draw;
	char		*folder;	/* of the current phase */
};

static void
clear_line(struct sync_view *v)
{
	if (v->drawn) {
		fputs("\r\033[K", stderr);
		v->drawn = false;
	}
}

static const char *
phase_word(enum sync_phase p)
{
	switch (p) {
	case SYNC_CONNECT:	return _("connecting");
	case SYNC_FOLDERS:	return _("listing folders");
	case SYNC_HEADERS:	return _("headers");
	case SYNC_BODIES:	return _("bodies");
	default:		return "";
	}
}

static void
draw(struct sync_view *v, const struct sync_progress *p, double t)
{
	char	*folder, *cell, eta[32] = "", rate[32] = "";
	double	 dt = t - v->phase_start, r;

	folder = sanitize_line(p->folder != NULL ? p->folder : p->account);
	cell = text_fit(folder, 24);
	if (p->total > 0 && dt > 0.5 && p->done > v->phase_done0) {
		r = (double)(p->done - v->phase_done0) / dt;
		snprintf(rate, sizeof rate, _("  %.0f msg/s"), r);
		if (p->total > p->done)
			snprintf(eta, sizeof eta, _("  ETA %.0fs"),
			    (double)(p->total - p->done) / r);
	}
	if (p->total > 0)
		fprintf(stderr, "\r%s %s %llu/%llu%s%s\033[K", cell,
		    phase_word(p->phase), (unsigned long long)p->done,
		    (unsigned long long)p->total, rate, eta);
	else
		fprintf(stderr, "\r%s %s\033[K", cell, phase_word(p->phase));
	fflush(stderr);
	v->drawn = true;
	v->last_draw = t;
	free(cell);
	free(folder);
}

static void
progress(void *arg, const struct sync_progress *p)
{
	struct sync_view	*v = arg;
	double			 t = (double)mono_us() / 1e6;
	char			*name;
	bool			 fresh;

	if (p->note != NULL) {
		/* A warning from the sync (POP3 modes): always shown. */
		clear_line(v);
		name = sanitize_text(p->note, strlen(p->note), true);
		fprintf(stderr, "posta: %s\n", name);
		free(name);
		return;
	}
	fresh = p->phase != v->phase || v->folder == NULL ||
	    p->folder == NULL || strcmp(v->folder, p->folder) != 0;
	if (fresh) {
		free(v->folder);
		v->folder = p->folder != NULL ? xstrdup(p->folder) : NULL;
		v->phase = p->phase;
		v->phase_start = t;
		v->phase_done0 = p->done;
	}
	if (p->phase == SYNC_FOLDER_DONE || p->phase == SYNC_BODIES_DONE) {
		clear_line(v);
		if (!v->verbose)
			return;
		name = sanitize_line(p->folder != NULL ? p->folder : "");
		if (p->phase == SYNC_FOLDER_DONE)
			printf(p->full ? _("%s: %llu new, %llu flags changed, "
			    "%llu expunged (full listing)\n") : _("%s: %llu "
			    "new, %llu flags changed, %llu expunged\n"), name,
			    (unsigned long long)p->added,
			    (unsigned long long)p->changed,
			    (unsigned long long)p->expunged);
		else
			printf(_("%s: %llu bodies (%llu KiB)\n"), name,
			    (unsigned long long)p->bodies,
			    (unsigned long long)(p->bytes + 1023) / 1024);
		fflush(stdout);
		free(name);
		return;
	}
	/* Redraw at most ten times a second. */
	if (v->live && (fresh || t - v->last_draw >= 0.1))
		draw(v, p, t);
}

/* What the outbox did: every failure on stderr; "sent" unless -q. */
static void
outbox_report(void *arg, const struct app_outbox_event *ev)
{
	struct sync_view	*v = arg;

	clear_line(v);
	if (v->quiet && ev->what == APP_OUTBOX_SENT)
		return;
	cmd_send_report(NULL, ev);
}

/*
 * One line per account saying what the pass changed: whole sentences,
 * each with its own plural (ngettext), printed one after the other.
 */
static void
summary(const char *account, const struct sync_stats *st)
{
	unsigned long long	 n;
	char			*name = sanitize_line(account);

	n = st->folders;
	printf(ngettext("account %s: %llu folder synced.",
	    "account %s: %llu folders synced.", n), name, n);
	if ((n = st->added) > 0)
		printf(ngettext(" %llu new message.", " %llu new messages.", n),
		    n);
	if ((n = st->changed) > 0)
		printf(ngettext(" Flags changed on %llu message.",
		    " Flags changed on %llu messages.", n), n);
	if ((n = st->expunged) > 0)
		printf(ngettext(" %llu message expunged.",
		    " %llu messages expunged.", n), n);
	if ((n = st->bodies) > 0)
		printf(ngettext(" %llu body fetched.", " %llu bodies fetched.",
		    n), n);
	if (st->added + st->changed + st->expunged + st->bodies == 0)
		printf("%s", _(" Nothing changed."));
	putchar('\n');
	fflush(stdout);
	free(name);
}

static int
sync_one(struct cli_ctx *ctx, const struct account *acct, const char *folder,
    struct sync_view *v)
{
	struct app_sync_opts	 o;
	struct sync_stats	 stats;
	struct perr		 err, oerr;
	int			 rc, orc;

	/*
	 * The outbox first; a message it cannot send stays there (said on
	 * stderr) and the sync goes on, failing at the end.
	 */
	orc = app_outbox_submit(ctx->cfg->store, acct, outbox_report, v, NULL,
	    &oerr);

	memset(&o, 0, sizeof o);
	o.folder = folder;
	/* A protocol trace for tests and bug reports; never has passwords. */
	o.trace = getenv("POSTA_TRACE");
	if (o.trace != NULL && *o.trace == '\0')
		o.trace = NULL;
	o.progress = progress;
	o.arg = v;
	o.stats = &stats;
	rc = app_sync(ctx->cfg, acct, &o, &err);
	clear_line(v);
	if (orc != 0)
		(void)cli_error("%s", oerr.msg);
	if (rc != 0)
		return cli_error("%s", err.msg);
	if (!v->quiet)
		summary(acct->name, &stats);
	return orc != 0 ? CLI_FAIL : CLI_OK;
}

static const struct arg_opt sync_opts[] = {
	CLI_OPT_ACCOUNT,
	{ .name = "folder", .kind = ARG_VALUE },
	{ .letter = 'q', .kind = ARG_FLAG },
	{ .letter = 'v', .kind = ARG_FLAG },
	{ 0 }
};

static int
cmd_sync(struct cli_ctx *ctx, const struct cmd_entry *self, struct args *a)
{
	struct sync_view	 v;
	struct config		*cfg;
	const struct account	*acct;
	const char		*account = args_get(a, "account");
	const char		*folder = args_get(a, "folder");
	struct perr		 err;
	bool			 quiet = args_has(a, "q");
	size_t			 i;
	int			 rc = CLI_OK;

	memset(&v, 0, sizeof v);
	v.verbose = args_has(a, "v");
	if ((cfg = cli_config(ctx)) == NULL)
		return CLI_CONFIG;
	/* Progress is for people: only on a terminal, never with -q. */
	v.live = !quiet && isatty(STDERR_FILENO);
	v.quiet = quiet;

	if (account != NULL || folder != NULL) {
		if ((acct = config_account(cfg, account, &err)) == NULL)
			return cli_error("%s", err.msg);
		rc = sync_one(ctx, acct, folder, &v);
	} else {
		/* Every account, one after the other; a failure does not stop
		 * the others. */
		for (i = 0; i < cfg->naccounts; i++)
			if (sync_one(ctx, &cfg->accounts[i], NULL, &v) != CLI_OK)
				rc = CLI_FAIL;
	}
	free(v.folder);
	return rc;
}

const struct cmd_entry cmd_sync_entry = {
	.name = "sync",
	.args = { sync_opts, 0, 0, 0 },
	.usage = N_("[-a ACCOUNT] [--folder NAME] [-q] [-v]"),
	.summary = N_("send what waits in the outbox, then fetch new mail and changes from "
	"the server into the offline store"),
	.flags = CMD_ONLINE,
	.exec = cmd_sync
};
