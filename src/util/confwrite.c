/*
 * confwrite.c - add one section to the configuration file (posta setup).
 *
 * The file is never edited in place: the old bytes, untouched, plus the
 * new section go to a temporary file beside it, which must load as a
 * whole (config_load) before rename() puts it in the place of the old
 * one. So other accounts' lines stay byte for byte, a crash or a signal
 * leaves the old file or the new one and nothing in between, and a
 * section that would not load is never written. A new file is made with
 * mode 0600 (it may hold a password); an existing one keeps its mode.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/config.h"
#include "util/i18n.h"

#define CONFIG_MAX_BYTES	(4 * 1024 * 1024)

/*
 * Can inih read value back exactly? No line breaks or NULs, no space at
 * either end (inih strips it), no ';' or '#' after a space (inline
 * comments in Debian's build).
 */
static const char *
value_problem(const char *v)
{
	size_t	n = strlen(v), i;

	if (strpbrk(v, "\r\n") != NULL)
		return _("it contains a line break");
	if (n > 0 && (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' ||
	    v[n - 1] == '\t'))
		return _("it begins or ends with a space");
	for (i = 1; i < n; i++)
		if ((v[i] == ';' || v[i] == '#') && (v[i - 1] == ' ' ||
		    v[i - 1] == '\t'))
			return _("a ';' or '#' after a space would start "
			    "a comment");
	if (n > 1000)
		return _("it is longer than 1000 characters");
	return NULL;
}

/* The old file's bytes into *buf (malloc'd; NULL and 0 when missing). */
static int
read_old(const char *path, char **buf, size_t *len, mode_t *mode,
    struct perr *err)
{
	struct stat	 st;
	FILE		*f;
	size_t		 n;

	*buf = NULL;
	*len = 0;
	*mode = 0600;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		return perr_set(err, PERR_IO, _("%s: cannot read: %s"), path,
		    strerror(errno));
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONFIG_MAX_BYTES) {
		fclose(f);
		return perr_set(err, PERR_CONFIG, _("%s: not a regular file of "
		    "at most %d bytes"), path, CONFIG_MAX_BYTES);
	}
	*mode = st.st_mode & 07777;
	*buf = xmalloc((size_t)st.st_size + 1);
	n = fread(*buf, 1, (size_t)st.st_size, f);
	if (ferror(f) || n != (size_t)st.st_size) {
		fclose(f);
		free(*buf);
		*buf = NULL;
		return perr_set(err, PERR_IO, _("%s: cannot read: %s"), path,
		    strerror(errno));
	}
	fclose(f);
	*len = n;
	return 0;
}

/* mkdir -p of path's directory, new ones 0700. */
static int
make_parent(const char *path, struct perr *err)
{
	char	*dir, *p;

	dir = xstrdup(path);
	if ((p = strrchr(dir, '/')) == NULL || p == dir) {
		free(dir);
		return 0;
	}
	*p = '\0';
	for (p = dir + 1; ; p++) {
		char	c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			perr_set(err, PERR_IO, _("%s: cannot make the directory: "
			    "%s"), dir, strerror(errno));
			free(dir);
			return -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(dir);
	return 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The new section's text (malloc'd), after checking every word. */
static char *
section_text(const char *section, const struct config_kv *kv, size_t n,
    bool after_old, struct perr *err)
{
	char		*out, *line;
	const char	*why;
	size_t		 i;

	if ((why = value_problem(section)) != NULL || strchr(section, ']')) {
		perr_set(err, PERR_CONFIG, _("the section name '%s' cannot be "
		    "written: %s"), section, why != NULL ? why :
		    _("it contains ']'"));
		return NULL;
	}
	out = xasprintf("%s[%s]\n", after_old ? "\n" : "", section);
	for (i = 0; i < n; i++) {
		if (kv[i].value == NULL)
			continue;
		if ((why = value_problem(kv[i].value)) != NULL) {
			perr_set(err, PERR_CONFIG, _("the value of '%s' cannot "
			    "be written: %s"), kv[i].key, why);
			free(out);
			return NULL;
		}
		line = xasprintf("%s%s = %s\n", out, kv[i].key, kv[i].value);
		free(out);
		out = line;
	}
	return out;
}

/* Write old + add to a temporary file beside path; its name in *tmp. */
static int
write_temp(const char *path, const char *old, size_t oldlen,
    const char *add, mode_t mode, char **tmp, struct perr *err)
{
	const char	*slash = strrchr(path, '/');
	int		 fd;

	if (slash != NULL)
		*tmp = xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path,
		    slash + 1);
	else
		*tmp = xasprintf(".%s.XXXXXX", path);
	if ((fd = mkstemp(*tmp)) == -1) {
		perr_set(err, PERR_IO, _("%s: cannot make a temporary file: %s"),
		    *tmp, strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, old, oldlen) != 0 ||
	    (oldlen > 0 && old[oldlen - 1] != '\n' &&
	    write_all(fd, "\n", 1) != 0) ||
	    write_all(fd, add, strlen(add)) != 0 || fsync(fd) != 0) {
		perr_set(err, PERR_IO, _("%s: cannot write: %s"), *tmp,
		    strerror(errno));
		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	if (close(fd) != 0) {
		perr_set(err, PERR_IO, _("%s: cannot write: %s"), *tmp,
		    strerror(errno));
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	return 0;
}

/* Check the temporary file loads, then put it in place. */
static int
commit_temp(const char *tmp, const char *path, struct perr *err)
{
	struct config	*cfg;
	struct perr	 lerr;
	const char	*p;

	if ((cfg = config_load(tmp, &lerr)) == NULL) {
		/* Name the real file, not the temporary one. */
		p = strncmp(lerr.msg, tmp, strlen(tmp)) == 0 ?
		    lerr.msg + strlen(tmp) : lerr.msg;
		perr_set(err, PERR_CONFIG, _("%s: the configuration with the "
		    "new account would not load, so nothing was written: %s%s"),
		    path, p == lerr.msg ? "" : path, p);
		return -1;
	}
	config_free(cfg);
	if (rename(tmp, path) != 0)
		return perr_set(err, PERR_IO, _("%s: cannot replace the file: "
		    "%s"), path, strerror(errno));
	return 0;
}

int
config_append_section(const char *path, const char *section,
    const struct config_kv *kv, size_t n, struct perr *err)
{
	sigset_t	 block, old_mask;
	char		*old = NULL, *add = NULL, *tmp = NULL, *real;
	size_t		 oldlen;
	mode_t		 mode;
	int		 rc = -1;

	perr_clear(err);
	/* Write through a symbolic link to the file it names. */
	real = realpath(path, NULL);
	if (real == NULL && errno != ENOENT)
		return perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
	if (real == NULL)
		real = xstrdup(path);
	if (read_old(real, &old, &oldlen, &mode, err) != 0)
		goto out;
	if ((add = section_text(section, kv, n, oldlen > 0, err)) == NULL)
		goto out;
	if (old == NULL && make_parent(real, err) != 0)
		goto out;
	/* Ctrl-C now would leave the temporary file: hold it until done. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &block, &old_mask);
	if (write_temp(real, old != NULL ? old : "", oldlen, add, mode, &tmp,
	    err) == 0) {
		if ((rc = commit_temp(tmp, real, err)) != 0)
			unlink(tmp);
		free(tmp);
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
out:
	free(real);
	/* Both may hold passwords. */
	if (old != NULL)
		explicit_bzero(old, oldlen);
	free(old);
	secret_free(add);
	return rc;
}
