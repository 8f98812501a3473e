/*
 * worker_probe.c - drive an account worker (src/app/app.h) without the TUI.
 *
 *   worker_probe
 *       Alone (as make check runs it): a TAP self-test that needs no mail
 *       server: a worker started offline says so and stops at once; one
 *       whose server refuses connections reports offline with a doubling
 *       retry, and "sync now" retries at once; one whose server accepts
 *       but never speaks stops within a second.
 *
 *   worker_probe -c CONFIG [-a ACCOUNT] [--watch FOLDER] [--offline]
 *       Start the account's worker and print each event on stdout as
 *       "<ms since start> <event> key=value...", flushed at once. Requests
 *       come as lines on stdin: sync, replay, fetch ID, watch FOLDER,
 *       online, offline, stop (or end of input). On stop it prints
 *       "<ms> stopped in <ms>" and exits 0.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"

static int64_t
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
ev_name(enum app_event_type t)
{
	switch (t) {
	case APP_EV_ONLINE:		return "online";
	case APP_EV_OFFLINE:		return "offline";
	case APP_EV_PROGRESS:		return "progress";
	case APP_EV_FOLDER_CHANGED:	return "folder_changed";
	case APP_EV_SYNC_DONE:		return "sync_done";
	case APP_EV_BODY_READY:		return "body_ready";
	case APP_EV_BODY_FAILED:	return "body_failed";
	case APP_EV_JOURNAL:		return "journal";
	case APP_EV_NOTE:		return "note";
	case APP_EV_ERROR:		return "error";
	case APP_EV_OUTBOX_DONE:	return "outbox_done";
	}
	return "?";
}

static void
print_event(int64_t t0, const struct app_event *ev)
{
	char	*text = sanitize_line(ev->text);

	printf("%lld %s", (long long)(now_ms() - t0), ev_name(ev->type));
	switch (ev->type) {
	case APP_EV_OFFLINE:
		printf(" retry=%lld", (long long)ev->retry_ms);
		break;
	case APP_EV_PROGRESS:
		printf(" phase=%d done=%llu total=%llu", (int)ev->phase,
		    (unsigned long long)ev->done,
		    (unsigned long long)ev->total);
		break;
	case APP_EV_FOLDER_CHANGED:
		printf(" folder=%lld new=%llu other=%llu",
		    (long long)ev->folder_id, (unsigned long long)ev->done,
		    (unsigned long long)ev->total);
		break;
	case APP_EV_BODY_READY:
	case APP_EV_BODY_FAILED:
		printf(" id=%lld", (long long)ev->msg_id);
		break;
	case APP_EV_JOURNAL:
		printf(" waiting=%lld failed=%lld", (long long)ev->waiting,
		    (long long)ev->failed);
		break;
	default:
		break;
	}
	if (*text != '\0')
		printf(" %s", text);
	putchar('\n');
	fflush(stdout);
	free(text);
}

/* ---- driven by a test script --------------------------------------------------- */

static int
probe(const char *conf, const char *account, const char *watch, bool offline)
{
	struct app_worker_opts	 o;
	struct app_worker	*w;
	struct app_event	 ev;
	struct config		*cfg;
	const struct account	*acct;
	struct perr		 err;
	struct pollfd		 pfd[2];
	char			 line[1024];
	size_t			 len = 0;
	ssize_t			 n;
	int64_t			 t0 = now_ms(), t;
	char			*nl;
	bool			 done = false;

	if ((cfg = config_load(conf, &err)) == NULL ||
	    (acct = config_account(cfg, account, &err)) == NULL) {
		fprintf(stderr, "worker_probe: %s\n", err.msg);
		config_free(cfg);
		return 2;
	}
	memset(&o, 0, sizeof o);
	o.offline = offline;
	o.watch = watch;
	o.trace = getenv("POSTA_TRACE");
	if ((w = app_worker_start(cfg, acct, &o, &err)) == NULL) {
		fprintf(stderr, "worker_probe: %s\n", err.msg);
		config_free(cfg);
		return 2;
	}
	/* The worker copied what it needs. */
	config_free(cfg);
	while (!done) {
		pfd[0].fd = app_worker_fd(w);
		pfd[0].events = POLLIN;
		pfd[1].fd = STDIN_FILENO;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		while (app_worker_event(w, &ev))
			print_event(t0, &ev);
		if (pfd[1].revents == 0)
			continue;
		n = read(STDIN_FILENO, line + len, sizeof line - 1 - len);
		if (n <= 0) {
			done = true;
			break;
		}
		len += (size_t)n;
		line[len] = '\0';
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			if (strcmp(line, "sync") == 0)
				app_worker_sync_now(w);
			else if (strcmp(line, "replay") == 0)
				app_worker_replay_now(w);
			else if (strncmp(line, "fetch ", 6) == 0)
				app_worker_fetch_body(w, strtoll(line + 6,
				    NULL, 10));
			else if (strncmp(line, "watch ", 6) == 0)
				app_worker_watch(w, line + 6);
			else if (strcmp(line, "online") == 0)
				app_worker_set_online(w, true);
			else if (strcmp(line, "offline") == 0)
				app_worker_set_online(w, false);
			else if (strcmp(line, "stop") == 0)
				done = true;
			len -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, len + 1);
			if (done)
				break;
		}
		if (len == sizeof line - 1)
			len = 0;	/* a line too long: forget it */
	}
	t = now_ms();
	app_worker_stop(w);
	printf("%lld stopped in %lld\n", (long long)(now_ms() - t0),
	    (long long)(now_ms() - t));
	fflush(stdout);
	return 0;
}

/* ---- alone: a self-test ------------------------------------------------------------ */

static int	tests;
static int	failures;

static void __attribute__((format(printf, 2, 3)))
ok(bool cond, const char *fmt, ...)
{
	va_list	ap;

	tests++;
	if (!cond)
		failures++;
	printf("%sok %d - ", cond ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* The next event within ms, else false. */
static bool
next_event(struct app_worker *w, struct app_event *ev, int ms)
{
	struct pollfd	pfd;
	int64_t		end = now_ms() + ms, left;

	for (;;) {
		if (app_worker_event(w, ev))
			return true;
		if ((left = end - now_ms()) <= 0)
			return false;
		pfd.fd = app_worker_fd(w);
		pfd.events = POLLIN;
		pfd.revents = 0;
		(void)poll(&pfd, 1, (int)left);
	}
}

/* The next event of this type within ms (others are skipped). */
static bool
wait_for(struct app_worker *w, enum app_event_type type, struct app_event *ev,
    int ms)
{
	int64_t	end = now_ms() + ms;

	while (now_ms() < end)
		if (next_event(w, ev, (int)(end - now_ms())) &&
		    ev->type == type)
			return true;
	return false;
}

/* A listening socket on 127.0.0.1 (never accepted); *port gets its port. */
static int
listener(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static struct config *
mkconfig(const char *dir, int port)
{
	struct config	*cfg;
	struct perr	 err;
	char		 path[512];
	FILE		*f;

	(void)snprintf(path, sizeof path, "%s/config", dir);
	if ((f = fopen(path, "w")) == NULL)
		return NULL;
	fprintf(f, "[general]\nstore = %s/posta.db\n\n[account t]\n"
	    "protocol = imap\nhost = 127.0.0.1\nport = %d\ntls = none\n"
	    "allow_plaintext = yes\nuser = u\npassword = p\n", dir, port);
	if (fclose(f) != 0 || chmod(path, 0600) != 0)
		return NULL;
	if ((cfg = config_load(path, &err)) == NULL)
		fprintf(stderr, "# %s\n", err.msg);
	return cfg;
}

static int
selftest(void)
{
	struct app_worker_opts	 o;
	struct app_worker	*w;
	struct app_event	 ev;
	struct config		*cfg;
	struct perr		 err;
	char			 dir[] = "/tmp/posta-worker-probe-XXXXXX";
	char			 cmd[600];
	int64_t			 t, retry;
	int			 fd, port;
	bool			 got;

	printf("1..9\n");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}

	/* Offline from the start: says so, never connects, stops at once. */
	fd = listener(&port);
	cfg = fd != -1 ? mkconfig(dir, port) : NULL;
	if (cfg == NULL) {
		printf("Bail out! cannot set up\n");
		return 1;
	}
	memset(&o, 0, sizeof o);
	o.offline = true;
	w = app_worker_start(cfg, &cfg->accounts[0], &o, &err);
	ok(w != NULL, "a worker starts");
	if (w == NULL)
		return 1;
	got = wait_for(w, APP_EV_OFFLINE, &ev, 2000);
	ok(got && ev.retry_ms == -1, "started offline, it reports offline "
	    "with no retry");
	t = now_ms();
	app_worker_stop(w);
	ok(now_ms() - t < 1000, "an idle worker stops at once");

	/* A server that accepts and never speaks: stuck reading the greeting. */
	w = app_worker_start(cfg, &cfg->accounts[0], NULL, &err);
	usleep(300 * 1000);
	t = now_ms();
	app_worker_stop(w);
	ok(now_ms() - t < 1000, "stop returns within 1 s while the server is "
	    "silent (%lld ms)", (long long)(now_ms() - t));
	close(fd);

	/* Nobody listening: offline, retry doubling; sync now retries at once. */
	w = app_worker_start(cfg, &cfg->accounts[0], NULL, &err);
	got = wait_for(w, APP_EV_OFFLINE, &ev, 5000);
	ok(got && ev.retry_ms == 2000, "an unreachable server: offline, "
	    "retry in 2 s");
	retry = ev.retry_ms;
	t = now_ms();
	got = wait_for(w, APP_EV_OFFLINE, &ev, 5000);
	ok(got && ev.retry_ms == 4000 && now_ms() - t >= 1500,
	    "the retry comes after the delay and the next one doubles");
	(void)retry;
	t = now_ms();
	app_worker_sync_now(w);
	got = wait_for(w, APP_EV_OFFLINE, &ev, 3000);
	ok(got && now_ms() - t < 1000, "sync now retries at once");
	ok(got && ev.retry_ms == 2000, "... and resets the back-off");
	t = now_ms();
	app_worker_stop(w);
	ok(now_ms() - t < 1000, "a worker waiting to retry stops at once");

	config_free(cfg);
	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
	return failures != 0;
}

int
main(int argc, char **argv)
{
	const char	*conf = NULL, *account = NULL, *watch = NULL;
	bool		 offline = false;
	int		 i;

	(void)signal(SIGPIPE, SIG_IGN);
	if (argc == 1)
		return selftest();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conf = argv[++i];
		else if (strcmp(argv[i], "-a") == 0 && i + 1 < argc)
			account = argv[++i];
		else if (strcmp(argv[i], "--watch") == 0 && i + 1 < argc)
			watch = argv[++i];
		else if (strcmp(argv[i], "--offline") == 0)
			offline = true;
		else {
			fprintf(stderr, "usage: worker_probe [-c CONFIG "
			    "[-a ACCOUNT] [--watch FOLDER] [--offline]]\n");
			return 2;
		}
	}
	if (conf == NULL) {
		fprintf(stderr, "worker_probe: -c CONFIG is needed\n");
		return 2;
	}
	return probe(conf, account, watch, offline);
}
