/*
 * tui.c - the terminal interface: start-up, curses, the poll() loop,
 * signals and resize, and the things actions ask of the UI.
 *
 * The loop poll()s the terminal and a self-pipe written by the signal
 * handler (SIGWINCH, SIGTERM, SIGHUP, SIGINT); each account's sync worker
 * will add its event pipe to the same poll() set (ARCHITECTURE 2), so a
 * keypress is never stuck behind a server and a worker's news is drawn
 * without one. Start-up reads only the store (read-only connection): the
 * Inbox is on screen before any network round trip.
 */
#include <sys/ioctl.h>

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tui/tui.h"
#include "tui/tui-int.h"

/* Fixed slots of the poll() set; workers' event pipes come after them. */
enum {
	POLL_TTY,
	POLL_SIGNAL,
	POLL_FIXED
};
#define POLL_MAX	(POLL_FIXED + 64)

/*
 * The write end of the signal self-pipe. A signal handler can reach
 * nothing else, so this one descriptor is file-scope state; it is set
 * before the handlers are installed and never changed while they are.
 */
static int	signal_fd = -1;

static void
on_signal(int sig)
{
	unsigned char	b = (unsigned char)sig;
	int		saved = errno;

	/* Full pipe: a signal is already pending, nothing is lost. */
	if (write(signal_fd, &b, 1) < 0)
		(void)0;
	errno = saved;
}

static int
signals_init(int fds[2])
{
	struct sigaction	sa;
	static const int	sigs[] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT };
	size_t			i;

	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
		return -1;
	signal_fd = fds[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	(void)sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (sigaction(sigs[i], &sa, NULL) != 0)
			return -1;
	return 0;
}

static void
signals_done(int fds[2])
{
	struct sigaction	sa;
	static const int	sigs[] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT };
	size_t			i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	(void)sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		(void)sigaction(sigs[i], &sa, NULL);
	signal_fd = -1;
	if (fds[0] >= 0)
		(void)close(fds[0]);
	if (fds[1] >= 0)
		(void)close(fds[1]);
}

/* The help text: the live key map, in the pager. */
static void
show_help(struct tui *t)
{
	char	*text = keys_help(&t->keys);

	view_show_text(t, _("Help"), text);
	free(text);
}

/* ---- start-up ---------------------------------------------------------------- */

/*
 * The store, the account and its Inbox; every failure becomes words in the
 * status line and an empty index, never an exit: the UI is still useful
 * (help, the key map) and says what to run.
 */
/* Nothing stored for the account yet (no mail, or no Inbox): what
 * brings it. */
static void
say_nothing_stored(struct tui *t, bool inbox)
{
	const char	*name = t->cfg->accounts[t->account].name;

	if (t->offline_req && inbox)
		status_error(&t->status, _("account %s: no Inbox stored yet; "
		    "@ goes online to fetch it"), name);
	else if (t->offline_req)
		status_error(&t->status, _("account %s: no mail stored yet; "
		    "@ goes online to fetch it"), name);
	else if (inbox)
		status_error(&t->status, _("account %s: no Inbox stored yet; "
		    "fetching it"), name);
	else
		status_error(&t->status, _("account %s: no mail stored yet; "
		    "fetching it"), name);
}

/* The account's Inbox, when the store has it: opened, true. */
static bool
open_inbox(struct tui *t, bool say)
{
	struct perr		 err;
	enum store_protocol	 proto;
	struct store_folder	 f;

	if (store_account_find(t->st, t->cfg->accounts[t->account].name,
	    &t->account_id, &proto, &err) != 0) {
		if (say && err.code == PERR_NOTFOUND)
			say_nothing_stored(t, false);
		else if (say)
			status_error(&t->status, "%s", err.msg);
		return false;
	}
	if (store_folder_by_special(t->st, t->account_id, STORE_SPECIAL_INBOX,
	    &f, &err) != 0 && store_folder_by_name(t->st, t->account_id,
	    "INBOX", &f, &err) != 0) {
		if (say)
			say_nothing_stored(t, true);
		return false;
	}
	t->folder_id = f.id;
	store_folder_free(&f);
	t->defer_counts = say;	/* at start-up: after the first screen */
	view_open_folder(t, t->account, t->folder_id);
	t->defer_counts = false;
	return true;
}

static void
open_store(struct tui *t)
{
	struct perr		 err;

	/* The sidebar's counts come after the first screen (see loop). */
	(void)sidebar_load(&t->sb, t->cfg, NULL, &err);
	/* Then the workers start, and a first run fetches the mail. */
	t->pending = true;
	if (access(t->cfg->store, F_OK) != 0) {
		say_nothing_stored(t, false);
		return;
	}
	if ((t->st = store_open(t->cfg->store, STORE_RDONLY, &err)) == NULL) {
		status_error(&t->status, "%s", err.msg);
		return;
	}
	(void)open_inbox(t, true);
}

/*
 * A first run: the worker creates the store and brings the Inbox in the
 * background; once it is there it is opened, without a keypress.
 */
static void
first_run(struct tui *t)
{
	struct perr	err;

	if (t->st == NULL) {
		/* Not there yet, or being made (not ready): next time. */
		if (access(t->cfg->store, F_OK) != 0 ||
		    (t->st = store_open(t->cfg->store, STORE_RDONLY,
		    &err)) == NULL)
			return;
	}
	if (t->folder_id != 0 || t->view_q != NULL || !open_inbox(t, false))
		return;
	/* "No mail stored yet" is no longer true, here or below. */
	status_clear_error(&t->status);
	status_clear_msg(&t->status);
	view_refresh(t, TUI_REFRESH_SIDEBAR | TUI_REFRESH_JOURNAL);
}

/*
 * Work that can wait until the first screen is up: the sidebar's folders
 * and the counts. The folder counts are read from the folder rows since
 * schema version 10 (they were index walks, tens of milliseconds at
 * 100,000 messages); a limit's counts are still a search.
 */
static void
pending(struct tui *t)
{
	struct perr	err;
	long		e;
	bool		loaded;

	t->pending = false;
	if (t->st == NULL)
		return;
	loaded = sidebar_load(&t->sb, t->cfg, t->st, &err) == 0;
	if (!loaded)
		status_error(&t->status, "%s", err.msg);
	if ((e = sidebar_find(&t->sb, t->folder_id)) >= 0)
		t->sb.sel = (size_t)e;
	/* The sidebar has just read the open folder's counts: the status
	 * line takes them rather than reading them again. */
	if (loaded && e >= 0 && t->view_q == NULL && t->folder_id != 0) {
		t->total = t->sb.e[e].total;
		t->unread = t->sb.e[e].unread;
		view_search_counts(t);
	} else
		view_counts(t);
	view_journal_counts(t);
	t->dirty |= TUI_DIRTY_SIDEBAR | TUI_DIRTY_STATUS;
}

static int
tui_init(struct tui *t, struct cli_ctx *ctx)
{
	const struct account	*acct;
	struct perr		 err;
	size_t			 i;

	memset(t, 0, sizeof *t);
	t->ctx = ctx;
	t->offline_req = ctx->offline;
	if ((t->cfg = cli_config(ctx)) == NULL)
		return CLI_CONFIG;
	if ((acct = config_account(t->cfg, NULL, &err)) == NULL) {
		cli_error("%s", err.msg);
		return CLI_CONFIG;
	}
	for (i = 0; i < t->cfg->naccounts; i++)
		if (&t->cfg->accounts[i] == acct)
			t->account = i;
	ix_init(&t->ix);
	/* The configured order (posta.conf(5) sort, threads): threads are
	 * by date only, as ix_set_sort() says. */
	t->ix.sort = (enum ix_sort)t->cfg->sort;
	t->ix.reverse = t->cfg->sort_reverse;
	t->ix.threaded = t->cfg->threads && t->cfg->sort == CONFIG_SORT_DATE;
	if (t->ix.threaded)
		t->ix.reverse = false;
	pager_init(&t->pg);
	if (t->cfg->prefer_html)
		t->pg.render = MAIL_RENDER_PREFER_HTML;
	sidebar_init(&t->sb);
	status_init(&t->status);
	prompt_init(&t->prompt);
	if (keymap_init(&t->keys, t->cfg, &err) != 0)
		status_error(&t->status, "%s", err.msg);
	return CLI_OK;
}

static void
tui_done(struct tui *t)
{
	workers_stop(t);
	compose_free(t);
	attach_free(t);
	shell_free(t);
	act_free(t);
	folder_free(t);
	view_free(t);
	ix_close(&t->ix);
	pager_free(&t->pg);
	sidebar_free(&t->sb);
	status_free(&t->status);
	prompt_free(&t->prompt);
	keymap_free(&t->keys);
	free(t->folder_name);
	search_ui_free(t);
	store_close(t->st);
}

/* ---- the loop ----------------------------------------------------------------- */

static void
resize(struct tui *t)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && resizeterm(ws.ws_row, ws.ws_col) == ERR)
		status_error(&t->status, _("cannot resize to %dx%d"), ws.ws_col,
		    ws.ws_row);
	t->rows = LINES;
	t->cols = COLS;
	t->dirty |= TUI_DIRTY_LAYOUT | TUI_DIRTY_ALL;
	t->too_small = false;
}

static void
key_one(struct tui *t, int k)
{
	const struct tui_action	*a;
	char			 name[32];

	if (k == (TUI_KEY_FN | KEY_RESIZE)) {
		/* ncurses noticed a resize itself (resizeterm pushes it). */
		t->rows = LINES;
		t->cols = COLS;
		t->dirty |= TUI_DIRTY_LAYOUT | TUI_DIRTY_ALL;
		return;
	}
	if (t->status.msg != NULL) {
		status_clear_msg(&t->status);
		t->dirty |= TUI_DIRTY_PROMPT;
	}
	if (t->too_small) {
		if (k == 'q')
			t->quit = true;
		return;
	}
	if (t->prompt.active) {
		prompt_key(t, &t->prompt, k);
		t->dirty |= TUI_DIRTY_PROMPT | TUI_DIRTY_STATUS;
		/* Its answer ran (a field, a copy that cleared the tags):
		 * what the main window shows may have changed. */
		if (!t->prompt.active) {
			t->dirty |= TUI_DIRTY_MAIN;
			t->tag_prefix = false;
		}
		return;
	}
	if ((a = keymap_lookup(&t->keys, view_ctx(t), k)) == NULL) {
		status_msg(&t->status, _("%s: not bound (? shows the keys)"),
		    keys_name(k, name, sizeof name));
		t->tag_prefix = false;
		return;
	}
	search_view_follow(t);
	a->fn(t);
	/* The tag prefix lasts for one action (it took its targets), or
	 * through the prompt it opened (":" runs the action at Enter). */
	if (a->fn != act_mail_tag_prefix && !t->prompt.active)
		t->tag_prefix = false;
	t->dirty |= TUI_DIRTY_MAIN | TUI_DIRTY_STATUS | TUI_DIRTY_PROMPT;
}

/* One key, then what its action asked of the top floor. */
static void
key(struct tui *t, int k)
{
	key_one(t, k);
	if (t->help_wanted) {
		t->help_wanted = false;
		show_help(t);
	}
}

/*
 * Esc: with a key right behind it (Alt+key, or Esc typed fast before a
 * key) it is one key, "Esc v", when that is bound here; else an Esc and
 * then the key, so Esc still leaves the pager and cancels a prompt.
 */
static void
esc_key(struct tui *t)
{
	wint_t	wc;
	int	rc, k;

	rc = wget_wch(draw_input_window(t->draw), &wc);
	if (rc == ERR) {
		key(t, 27);
		return;
	}
	k = rc == KEY_CODE_YES ? TUI_KEY_FN | (int)wc : (int)wc;
	if (k != 27 && !t->prompt.active && !t->too_small &&
	    keymap_lookup(&t->keys, view_ctx(t), TUI_KEY_META | k) != NULL) {
		key(t, TUI_KEY_META | k);
		return;
	}
	key(t, 27);
	if (!t->quit)
		key(t, k);
}

/* Every key waiting on the terminal, without blocking. */
static void
read_keys(struct tui *t)
{
	wint_t	wc;
	int	rc;

	while (!t->quit && (rc = wget_wch(draw_input_window(t->draw), &wc))
	    != ERR) {
		if (rc == KEY_CODE_YES)
			key(t, TUI_KEY_FN | (int)wc);
		else if (wc == 27)
			esc_key(t);
		else
			key(t, (int)wc);
		if (t->dirty & TUI_DIRTY_LAYOUT) {
			/* The input window is made again: read from it. */
			draw_layout(t->draw, t);
			view_layout(t);
		}
	}
}

static void
read_signals(struct tui *t, int fd)
{
	unsigned char	buf[64];
	ssize_t		n, i;

	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (i = 0; i < n; i++) {
			if (buf[i] == SIGWINCH)
				resize(t);
			else
				t->quit = true;
		}
}

/* For the benches: text into the file the environment variable var names. */
static void
note(const char *var, const char *text)
{
	const char	*path = getenv(var);
	FILE		*f;

	if (path == NULL || (f = fopen(path, "w")) == NULL)
		return;
	(void)fputs(text, f);
	if (fclose(f) != 0)
		(void)unlink(path);
}

/* For the start-up bench: when the first screen was drawn (realtime). */
static void
note_first_draw(void)
{
	struct timespec	 ts;
	char		 buf[64];

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return;
	(void)snprintf(buf, sizeof buf, "%lld.%06ld\n", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000);
	note("POSTA_TUI_FIRST_DRAW", buf);
}

/*
 * For the bench (tests/bench/bench_tui_startup.sh): the milliseconds from
 * a limit's Enter to the redraw of the limited index, inside posta, into
 * the file POSTA_TUI_LIMIT_DRAW names.
 */
static void
note_limit_draw(struct tui *t)
{
	char	buf[64];

	(void)snprintf(buf, sizeof buf, "%.3f\n",
	    (double)(mono_us() - t->limit_us) / 1000.0);
	t->limit_us = 0;
	note("POSTA_TUI_LIMIT_DRAW", buf);
}

/*
 * Another process (posta sync from cron, posta flag, mkdir) may have
 * changed the store: every APP_STORE_POLL_MS, read again what is shown
 * (the sidebar's counts, the rows on screen) when it did. Returns the
 * poll() timeout until the next look.
 */
static int
store_watch(struct tui *t)
{
	struct perr	err;
	int64_t		now = mono_ms();
	bool		changed;

	/* The results view has no folder either: it is no first run. */
	if (now >= t->store_check && (t->st == NULL ||
	    (t->folder_id == 0 && t->view_q == NULL))) {
		t->store_check = now + APP_STORE_POLL_MS;
		first_run(t);
	}
	if (t->st == NULL)
		return (int)(t->store_check - now);
	if (now >= t->store_check) {
		t->store_check = now + APP_STORE_POLL_MS;
		if (app_store_changed(t->st, &t->store_seen, &changed,
		    &err) != 0)
			status_error(&t->status, "%s", err.msg);
		else if (changed)
			view_refresh(t, TUI_REFRESH_INDEX |
			    TUI_REFRESH_SIDEBAR | TUI_REFRESH_JOURNAL);
	}
	return (int)(t->store_check - now);
}

static int
loop(struct tui *t, int sigfd)
{
	struct pollfd	fds[POLL_MAX];
	bool		first = true;
	int		n, wait_ms;
	size_t		nfds, i;
	bool		news;

	while (!t->quit) {
		/* Before drawing: what it read again is drawn now. */
		wait_ms = t->pending || t->counts_due ? 0 : store_watch(t);
		if (t->dirty & TUI_DIRTY_LAYOUT) {
			draw_layout(t->draw, t);
			view_layout(t);
		}
		if (t->dirty) {
			draw_screen(t->draw, t);
			if (first)
				note_first_draw();
			if (t->limit_us != 0)
				note_limit_draw(t);
			first = false;
		}
		fds[POLL_TTY].fd = STDIN_FILENO;
		fds[POLL_TTY].events = POLLIN;
		fds[POLL_SIGNAL].fd = sigfd;
		fds[POLL_SIGNAL].events = POLLIN;
		/* The workers' event pipes: their news wakes us too. */
		nfds = POLL_FIXED + workers_pollfds(t, fds + POLL_FIXED,
		    POLL_MAX - POLL_FIXED);
		if ((n = poll(fds, (nfds_t)nfds, wait_ms)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0 && t->counts_due) {
			search_limit_count(t);
			continue;
		}
		if (n == 0 && t->pending) {
			pending(t);
			/* The first screen is up: now the network may start. */
			workers_start(t);
			continue;
		}
		news = false;
		for (i = POLL_FIXED; i < nfds; i++)
			if (fds[i].revents & POLLIN)
				news = true;
		if (news)
			workers_events(t);
		if (t->refresh != 0) {
			view_refresh(t, t->refresh);
			t->refresh = 0;
		}
		if (fds[POLL_SIGNAL].revents & POLLIN)
			read_signals(t, sigfd);
		if (fds[POLL_TTY].revents & (POLLHUP | POLLERR | POLLNVAL))
			t->quit = true;	/* the terminal went away */
		else if (fds[POLL_TTY].revents & POLLIN)
			read_keys(t);
	}
	return 0;
}

int
tui_main(struct cli_ctx *ctx)
{
	struct tui	 t;
	SCREEN		*scr;
	int		 rc, sigfds[2] = { -1, -1 };

	if ((rc = tui_init(&t, ctx)) != CLI_OK)
		return rc;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		tui_done(&t);
		return cli_error(_("the terminal interface needs a terminal; "
		    "see posta help for the commands"));
	}
	/* Ours before curses starts, so ncurses leaves SIGWINCH to us. */
	if (signals_init(sigfds) != 0) {
		signals_done(sigfds);
		tui_done(&t);
		return cli_error(_("signals: %s"), strerror(errno));
	}
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		signals_done(sigfds);
		tui_done(&t);
		return cli_error(_("cannot start the terminal interface "
		    "(TERM=%s)"), getenv("TERM") ? getenv("TERM") : "");
	}
	(void)set_escdelay(25);
	(void)cbreak();
	(void)noecho();
	(void)nonl();
	(void)intrflush(stdscr, FALSE);
	t.rows = LINES;
	t.cols = COLS;
	t.draw = draw_new(t.cfg);
	t.dirty = TUI_DIRTY_LAYOUT | TUI_DIRTY_ALL;
	draw_layout(t.draw, &t);
	view_layout(&t);

	open_store(&t);
	rc = loop(&t, sigfds[0]) == 0 ? CLI_OK : CLI_FAIL;

	draw_free(t.draw);
	(void)endwin();
	delscreen(scr);
	signals_done(sigfds);
	tui_done(&t);
	return rc;
}
