/*
 * mailcap.c - the part of RFC 1524 posta uses: "type/subtype; command;
 * flag; flag=value" lines, '#' comments, '\' continuations, the first
 * matching entry winning (an exact type before "type/ *" in the same
 * file; files in order).
 *
 * An entry with test=COMMAND is used only when the command, run by
 * /bin/sh -c, exits 0 (as mutt does; /etc/mailcap's tests are mostly "is
 * X running"). It runs only for an entry that would otherwise win, with
 * its output thrown away, in its own process group, and for at most
 * MAILCAP_TEST_MS: a test still running then is killed (the whole group)
 * and counts as failed, so a hanging test cannot hang the screen.
 *
 * The command's %s becomes the file in single quotes (the file is ours:
 * a name we made in a private directory; a test runs before there is a
 * file, so there %s is ''); %t the type, which comes from the message,
 * reduced to characters that mean nothing to the shell, in the test as in
 * the command. No curses here.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "tui/tui-int.h"

#define MAILCAP_LINE_MAX	(64 * 1024)
#define MAILCAP_TEST_MS		2000
#define MAILCAP_TEST_POLL_MS	10

char *
mailcap_path(void)
{
	const char	*env = getenv("MAILCAPS"), *home = getenv("HOME");

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if (home != NULL && *home != '\0')
		return xasprintf("%s/.mailcap:/etc/mailcap", home);
	return xstrdup("/etc/mailcap");
}

void
mailcap_entry_free(struct mailcap_entry *e)
{
	free(e->type);
	free(e->command);
	memset(e, 0, sizeof *e);
}

static char *
trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/*
 * Split at the next ';' not escaped with '\'; *s moves past it. The
 * field is NUL-terminated in place, with "\;" left for the shell's sake
 * as ";" (RFC 1524 quoting).
 */
static char *
field(char **s)
{
	char	*start = *s, *r = *s, *w = *s;

	if (*start == '\0')
		return NULL;
	for (; *r != '\0'; r++) {
		if (*r == '\\' && r[1] == ';') {
			*w++ = ';';
			r++;
			continue;
		}
		if (*r == ';') {
			r++;
			break;
		}
		*w++ = *r;
	}
	*s = r;
	*w = '\0';
	return trim(start);
}

/* Does the entry's type (lower case compared) fit type? 2 exact, 1 by
 * "major/ *" or a bare major type, 0 no. */
static int
type_match(const char *pattern, const char *type)
{
	const char	*slash = strchr(type, '/');
	size_t		 major = slash != NULL ? (size_t)(slash - type) :
			    strlen(type);

	if (strcasecmp(pattern, type) == 0)
		return 2;
	if (strncasecmp(pattern, type, major) == 0 &&
	    (strcmp(pattern + major, "/*") == 0 || pattern[major] == '\0'))
		return 1;
	return 0;
}

/*
 * Parse one logical line; 1 with *e filled when it is for type, and *test
 * pointing into line at its test command (NULL: none).
 */
static int
parse_line(char *line, const char *type, struct mailcap_entry *e, int *how,
    const char **test)
{
	char	*rest = line, *typ, *cmd, *flag, *eq;
	bool	 copious = false, term = false;

	*test = NULL;
	line = trim(line);
	if (*line == '#' || *line == '\0')
		return 0;
	rest = line;
	if ((typ = field(&rest)) == NULL || (cmd = field(&rest)) == NULL)
		return 0;
	if ((*how = type_match(typ, type)) == 0 || *cmd == '\0')
		return 0;
	while ((flag = field(&rest)) != NULL) {
		if (strncasecmp(flag, "test", 4) == 0 &&
		    *(eq = flag + 4 + strspn(flag + 4, " \t")) == '=')
			*test = trim(eq + 1);
		else if (strcasecmp(flag, "copiousoutput") == 0)
			copious = true;
		else if (strcasecmp(flag, "needsterminal") == 0)
			term = true;
	}
	e->type = xstrdup(typ);
	e->command = xstrdup(cmd);
	e->copiousoutput = copious;
	e->needsterminal = term;
	return 1;
}

static long
ms_since(const struct timespec *start)
{
	struct timespec	now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return MAILCAP_TEST_MS;	/* no clock: stop waiting */
	return (now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Wait for pid, at most until MAILCAP_TEST_MS after start; 1 exited 0. */
static int
test_wait(pid_t pid, const struct timespec *start)
{
	const struct timespec	pause = { 0, MAILCAP_TEST_POLL_MS * 1000000L };
	int			status;
	pid_t			r;

	for (;;) {
		if ((r = waitpid(pid, &status, WNOHANG)) == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (r < 0 && errno != EINTR)
			return 0;
		if (ms_since(start) >= MAILCAP_TEST_MS)
			break;
		(void)nanosleep(&pause, NULL);
	}
	/* Too slow: the shell and whatever it started go. */
	if (kill(-pid, SIGKILL) != 0)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

/*
 * Run an entry's test= command for type: true only if it exits 0 within
 * MAILCAP_TEST_MS. The child does nothing but async-signal-safe calls
 * before exec (the UI has threads).
 */
static bool
test_passes(const char *test, const char *type)
{
	struct mailcap_entry	 t = { 0 };
	struct timespec		 start;
	char			*cmd;
	bool			 with_file;
	struct sigaction	 dfl;
	sigset_t		 none;
	pid_t			 pid;
	int			 fd, ok;

	t.command = (char *)test;
	/* Made before the fork: the child may only call what is safe. */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	(void)sigemptyset(&dfl.sa_mask);
	(void)sigemptyset(&none);
	cmd = mailcap_command(&t, "", type, &with_file);
	if (clock_gettime(CLOCK_MONOTONIC, &start) != 0 ||
	    (pid = fork()) < 0) {
		free(cmd);
		return false;
	}
	if (pid == 0) {
		/* Its own group, so a timeout reaches its children too. */
		(void)setpgid(0, 0);
		if ((fd = open("/dev/null", O_RDWR)) < 0 || dup2(fd, 0) < 0 ||
		    dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		if (fd > 2)
			(void)close(fd);
		/*
		 * posta ignores SIGPIPE (exec keeps that) and a thread may
		 * block signals: the test gets what any program expects.
		 */
		(void)sigaction(SIGPIPE, &dfl, NULL);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	(void)setpgid(pid, pid);	/* whichever of us runs first */
	ok = test_wait(pid, &start);
	free(cmd);
	return ok == 1;
}

/* Look through one file: 2 exact found, 1 wildcard found (kept in *e),
 * 0 nothing. */
static int
search_file(const char *path, const char *type, struct mailcap_entry *e)
{
	FILE			*f;
	char			*line = NULL, *logical = NULL;
	size_t			 cap = 0, llen = 0, n;
	ssize_t			 r;
	struct mailcap_entry	 cand;
	const char		*test;
	int			 how, best = 0;

	/* "e": a test= command run meanwhile must not inherit it. */
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (best < 2 && (r = getline(&line, &cap, f)) >= 0) {
		n = (size_t)r;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (llen + n + 1 > MAILCAP_LINE_MAX) {
			llen = 0;	/* absurd: drop it */
			continue;
		}
		logical = xrealloc(logical, llen + n + 1);
		memcpy(logical + llen, line, n + 1);
		llen += n;
		/* A trailing backslash continues on the next line. */
		if (llen > 0 && logical[llen - 1] == '\\') {
			logical[--llen] = '\0';
			continue;
		}
		memset(&cand, 0, sizeof cand);
		if (parse_line(logical, type, &cand, &how, &test) == 1) {
			/* Only an entry that would win is worth a test. */
			if (how > best && (test == NULL ||
			    test_passes(test, type))) {
				mailcap_entry_free(e);
				*e = cand;
				best = how;
			} else
				mailcap_entry_free(&cand);
		}
		llen = 0;
	}
	free(line);
	free(logical);
	(void)fclose(f);
	return best;
}

int
mailcap_find(const char *path, const char *type, struct mailcap_entry *e)
{
	char	*list = xstrdup(path), *p, *next;
	int	 found = 0;

	memset(e, 0, sizeof *e);
	for (p = list; p != NULL && found == 0; p = next) {
		if ((next = strchr(p, ':')) != NULL)
			*next++ = '\0';
		if (*p != '\0')
			found = search_file(p, type, e);
	}
	free(list);
	return found > 0 ? 1 : 0;
}

/* Append s to the growing command. */
static void
add(char **buf, size_t *len, const char *s, size_t n)
{
	*buf = xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* 'file' with each ' written as '\'' (the shell's way). */
static void
add_quoted(char **buf, size_t *len, const char *s)
{
	add(buf, len, "'", 1);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			add(buf, len, "'\\''", 4);
		else
			add(buf, len, s, 1);
	}
	add(buf, len, "'", 1);
}

char *
mailcap_command(const struct mailcap_entry *e, const char *file,
    const char *type, bool *with_file)
{
	char		*out = xcalloc(1, 1), c;
	size_t		 len = 0;
	const char	*p, *q;

	*with_file = false;
	for (p = e->command; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0') {
			add(&out, &len, p, 1);
			continue;
		}
		switch (*++p) {
		case 's':
			add_quoted(&out, &len, file);
			*with_file = true;
			break;
		case 't':
			/* A type from a message: only its harmless bytes. */
			for (q = type; *q != '\0'; q++) {
				c = *q;
				if (isalnum((unsigned char)c) || c == '/' ||
				    c == '.' || c == '+' || c == '-')
					add(&out, &len, &c, 1);
			}
			break;
		case '%':
			add(&out, &len, "%", 1);
			break;
		case '{':
			/* Parameters are not offered: %{name} is empty. */
			while (*p != '\0' && *p != '}')
				p++;
			if (*p == '\0')
				p--;
			break;
		default:
			add(&out, &len, p - 1, 2);
		}
	}
	return out;
}

char *
mailcap_safe_name(const char *name, const char *fallback)
{
	const char	*p, *base = name != NULL ? name : "";
	char		*out, *o;

	/* The last component, whichever separator the sender used. */
	for (p = base; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	while (*base == '.' || *base == ' ')
		base++;
	out = xstrdup(*base != '\0' ? base : fallback);
	/* Control characters have no business in a file name. */
	for (o = out; *o != '\0'; o++)
		if ((unsigned char)*o < 0x20 || *o == 0x7f)
			*o = '_';
	return out;
}
