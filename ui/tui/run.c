/*
 * run.c - running other programs: the editor and mailcap viewers on the
 * terminal with curses suspended, copiousoutput viewers with their output
 * captured, and the private temporary directories their files live in.
 *
 * Commands go through "sh -c CMD sh ARG", so $EDITOR may hold arguments
 * ("emacs -nw") while the file name, which the user or a message chose,
 * is only ever "$1" to the shell and never parsed by it.
 *
 * While a program owns the terminal, posta ignores SIGINT and SIGQUIT (a
 * ^C there is the program's, not a request to leave posta); the program
 * gets the default dispositions back.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/tui-int.h"

/* In the child: default signals, then the shell. Never returns. */
static void	child_exec(const char *, const char *)
		    __attribute__((noreturn));

static void
child_exec(const char *cmd, const char *arg)
{
	static const int	sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP,
				    SIGWINCH, SIGPIPE };
	struct sigaction	sa;
	size_t			i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	(void)sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		(void)sigaction(sigs[i], &sa, NULL);
	execl("/bin/sh", "sh", "-c", cmd, "sh", arg != NULL ? arg : "",
	    (char *)NULL);
	_exit(127);
}

/* Wait for pid; its exit status, 128 + signal, or -1. */
static int
wait_child(pid_t pid)
{
	int	status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

int
run_interactive(struct tui *t, const char *cmd, const char *arg,
    struct perr *err)
{
	struct sigaction	ign, old_int, old_quit;
	pid_t			pid;
	int			rc;

	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	(void)sigemptyset(&ign.sa_mask);
	(void)def_prog_mode();
	(void)endwin();
	(void)fflush(stdout);
	(void)sigaction(SIGINT, &ign, &old_int);
	(void)sigaction(SIGQUIT, &ign, &old_quit);
	if ((pid = fork()) < 0) {
		rc = perr_set(err, PERR_IO, _("fork: %s"), strerror(errno));
	} else if (pid == 0) {
		child_exec(cmd, arg);
	} else if ((rc = wait_child(pid)) < 0)
		(void)perr_set(err, PERR_IO, _("waitpid: %s"), strerror(errno));
	(void)sigaction(SIGINT, &old_int, NULL);
	(void)sigaction(SIGQUIT, &old_quit, NULL);
	draw_restore(t->draw, t);
	if (rc == 127)
		(void)perr_set(err, PERR_IO, _("%s: could not be run"), cmd);
	return rc;
}

/*
 * Read everything from fd into a buffer, keeping at most max bytes, until
 * the end of file or the deadline (monotonic ms): false when the deadline
 * came first.
 */
static bool
read_all(int fd, char **out, size_t *len, size_t max, int64_t deadline)
{
	char		buf[8192], *p = NULL;
	size_t		n = 0, cap = 0;
	ssize_t		r;
	struct pollfd	pfd = { fd, POLLIN, 0 };
	int64_t		left;
	bool		in_time = true;

	for (;;) {
		if ((left = deadline - mono_ms()) <= 0) {
			in_time = false;
			break;
		}
		if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) <= 0)
			continue;	/* EINTR or no data yet: look again */
		r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		/* Past the limit: keep draining so the program can finish. */
		if (n + (size_t)r > max)
			continue;
		if (n + (size_t)r + 1 > cap) {
			cap = (n + (size_t)r + 1) * 2;
			p = xrealloc(p, cap);
		}
		memcpy(p + n, buf, (size_t)r);
		n += (size_t)r;
	}
	if (p == NULL)
		p = xcalloc(1, 1);
	p[n] = '\0';
	*out = p;
	*len = n;
	return in_time;
}

int
run_capture(const char *cmd, const char *arg, const char *in_file,
    char **out, size_t *len, struct perr *err)
{
	int	fds[2], in, rc;
	pid_t	pid;

	*out = NULL;
	*len = 0;
	if ((in = open(in_file != NULL ? in_file : "/dev/null",
	    O_RDONLY | O_CLOEXEC)) < 0)
		return perr_set(err, PERR_IO, "%s: %s", in_file != NULL ?
		    in_file : "/dev/null", strerror(errno));
	if (pipe2(fds, O_CLOEXEC) != 0) {
		(void)close(in);
		return perr_set(err, PERR_IO, _("pipe: %s"), strerror(errno));
	}
	if ((pid = fork()) < 0) {
		(void)close(in);
		(void)close(fds[0]);
		(void)close(fds[1]);
		return perr_set(err, PERR_IO, _("fork: %s"), strerror(errno));
	}
	if (pid == 0) {
		int	null = open("/dev/null", O_WRONLY);

		/* Its own group: a timeout ends whatever the shell started. */
		(void)setpgid(0, 0);
		/* The output goes to us, its errors nowhere (not on the
		 * screen). */
		if (dup2(in, 0) < 0 || dup2(fds[1], 1) < 0 ||
		    (null >= 0 && dup2(null, 2) < 0))
			_exit(127);
		child_exec(cmd, arg);
	}
	(void)close(in);
	(void)close(fds[1]);
	(void)setpgid(pid, pid);
	if (!read_all(fds[0], out, len, RUN_MAX_OUTPUT, mono_ms() +
	    RUN_MAX_SECONDS * 1000)) {
		(void)kill(-pid, SIGKILL);
		(void)close(fds[0]);
		(void)wait_child(pid);
		free(*out);
		*out = NULL;
		*len = 0;
		return perr_set(err, PERR_TIMEOUT, "%s: stopped after %d "
		    "seconds without finishing", cmd, RUN_MAX_SECONDS);
	}
	(void)close(fds[0]);
	if ((rc = wait_child(pid)) < 0)
		return perr_set(err, PERR_IO, _("waitpid: %s"), strerror(errno));
	if (rc == 127)
		return perr_set(err, PERR_IO, _("%s: could not be run"), cmd);
	return rc;
}

int
run_write_file(const char *path, const char *bytes, size_t n, bool excl,
    struct perr *err)
{
	int	fd, flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
	ssize_t	w;
	size_t	off = 0;

	flags |= excl ? O_EXCL : O_TRUNC;
	if ((fd = open(path, flags, 0600)) < 0)
		return perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
	while (off < n) {
		if ((w = write(fd, bytes + off, n - off)) < 0) {
			if (errno == EINTR)
				continue;
			(void)perr_set(err, PERR_IO, "%s: %s", path,
			    strerror(errno));
			(void)close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0)
		return perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
	return 0;
}

char *
run_tmpdir(struct perr *err)
{
	const char	*base = getenv("TMPDIR");
	char		*dir;

	if (base == NULL || *base != '/')
		base = "/tmp";
	dir = xasprintf("%s/posta-XXXXXX", base);
	/* mkdtemp makes it 0700: only we can see what goes in it. */
	if (mkdtemp(dir) == NULL) {
		(void)perr_set(err, PERR_IO, "%s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

void
run_rmdir(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	char		*path;

	if (dir == NULL)
		return;
	/* Only the plain files we put there; no recursion needed. */
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			path = xasprintf("%s/%s", dir, e->d_name);
			(void)unlink(path);
			free(path);
		}
		(void)closedir(d);
	}
	(void)rmdir(dir);
}
