/*
 * maildir.c - Maildir, both ways, and safe names for folders on disk.
 *
 * Writing follows the Maildir rules (cr.yp.to/proto/maildir.html): the
 * file is written and fsync'd under tmp/, then link()ed into cur/ with its
 * flags in the ":2," info, then unlinked from tmp/. link() never replaces
 * an existing name (rename() would), so a name that somehow exists already
 * gets a new one instead of a message being lost. Names are
 * "SECONDS.MUSECPPID_QSEQ.HOST": unique per process by the caller's
 * sequence number, across processes by the pid, across hosts by the name.
 *
 * Reading takes cur/ and new/ (a new/ message has no flags yet), in name
 * order, skipping dot files, anything but regular files, and symbolic
 * links (O_NOFOLLOW): an import reads the messages of that directory and
 * nothing it points elsewhere to.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup.h"
#include "util/i18n.h"

/* ---- names --------------------------------------------------------------- */

char *
backup_safe_name(const char *folder)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p = (const unsigned char *)folder;
	char			*out;
	size_t			 o = 0;

	out = xmalloc(strlen(folder) * 3 + 2);
	if (*p == '\0') {
		out[o++] = '%';
		out[o] = '\0';
		return out;
	}
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\' ||
		    *p == '%' || (*p == '.' && o == 0)) {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 0xf];
		} else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
	return out;
}

void
backup_maildir_info(unsigned flags, char out[8])
{
	size_t	o = 0;

	/* In ASCII order, as the Maildir specification asks. */
	if (flags & STORE_DRAFT)
		out[o++] = 'D';
	if (flags & STORE_FLAGGED)
		out[o++] = 'F';
	if (flags & STORE_ANSWERED)
		out[o++] = 'R';
	if (flags & STORE_SEEN)
		out[o++] = 'S';
	if (flags & STORE_DELETED)
		out[o++] = 'T';
	out[o] = '\0';
}

unsigned
backup_maildir_flags(const char *filename)
{
	const char	*base = strrchr(filename, '/'), *info;
	unsigned	 f = 0;

	base = base != NULL ? base + 1 : filename;
	if ((info = strstr(base, ":2,")) == NULL)
		return 0;
	for (info += 3; *info != '\0'; info++)
		switch (*info) {
		case 'D':
			f |= STORE_DRAFT;
			break;
		case 'F':
			f |= STORE_FLAGGED;
			break;
		case 'R':
			f |= STORE_ANSWERED;
			break;
		case 'S':
			f |= STORE_SEEN;
			break;
		case 'T':
			f |= STORE_DELETED;
			break;
		}
	return f;
}

/* ---- writing ------------------------------------------------------------- */

static int
mkdir_one(const char *path, struct perr *err)
{
	struct stat	sb;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	return perr_set(err, PERR_IO, _("%s: cannot create the directory: %s"),
	    path, errno == EEXIST ? _("a file is in the way") : strerror(errno));
}

int
backup_maildir_create(const char *dir, struct perr *err)
{
	static const char	*const sub[] = { "tmp", "new", "cur" };
	char			*path, *p;
	size_t			 i;
	int			 rc = 0;

	/* The parents first (mkdir -p), then the three Maildir directories. */
	path = xstrdup(dir);
	for (p = path + 1; *p != '\0' && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		rc = mkdir_one(path, err);
		*p = '/';
	}
	if (rc == 0)
		rc = mkdir_one(path, err);
	free(path);
	for (i = 0; i < 3 && rc == 0; i++) {
		path = xasprintf("%s/%s", dir, sub[i]);
		rc = mkdir_one(path, err);
		free(path);
	}
	return rc;
}

/* The host name as Maildir wants it: '/' and ':' written \057 and \072. */
static void
host_part(char *out, size_t len)
{
	char	host[256];
	size_t	o = 0, i;

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	for (i = 0; host[i] != '\0' && o + 5 < len; i++) {
		if (host[i] == '/') {
			memcpy(out + o, "\\057", 4);
			o += 4;
		} else if (host[i] == ':') {
			memcpy(out + o, "\\072", 4);
			o += 4;
		} else
			out[o++] = host[i];
	}
	out[o] = '\0';
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
backup_maildir_write(const char *dir, const char *raw, size_t len,
    unsigned flags, unsigned long seq, struct perr *err)
{
	struct timeval	 tv;
	char		 host[512], info[8], name[700];
	char		*tmp = NULL, *cur = NULL;
	unsigned	 attempt;
	int		 fd, rc = -1;

	host_part(host, sizeof host);
	backup_maildir_info(flags, info);
	for (attempt = 0; attempt < 100; attempt++) {
		(void)gettimeofday(&tv, NULL);
		snprintf(name, sizeof name, "%lld.M%ldP%ld_Q%lu_%u.%s",
		    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
		    seq, attempt, host);
		free(tmp);
		free(cur);
		tmp = xasprintf("%s/tmp/%s", dir, name);
		cur = xasprintf("%s/cur/%s:2,%s", dir, name, info);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0) {
			perr_set(err, PERR_IO, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		if (write_all(fd, raw, len) != 0 || fsync(fd) != 0) {
			perr_set(err, PERR_IO, "%s: %s", tmp, strerror(errno));
			(void)close(fd);
			(void)unlink(tmp);
			goto out;
		}
		if (close(fd) != 0) {
			perr_set(err, PERR_IO, "%s: %s", tmp, strerror(errno));
			(void)unlink(tmp);
			goto out;
		}
		if (link(tmp, cur) != 0) {
			int e = errno;

			(void)unlink(tmp);
			if (e == EEXIST)
				continue;
			perr_set(err, PERR_IO, "%s: %s", cur, strerror(e));
			goto out;
		}
		(void)unlink(tmp);
		rc = 0;
		goto out;
	}
	perr_set(err, PERR_IO, _("%s: no unique file name found"), dir);
out:
	free(tmp);
	free(cur);
	return rc;
}

/* ---- reading ------------------------------------------------------------- */

struct backup_maildir {
	char	*dir;
	char	**names;	/* "cur/NAME" or "new/NAME", sorted */
	size_t	  n, next;
};

static int
name_cmp(const void *a, const void *b)
{
	/* By the name after "cur/" or "new/": arrival order for Maildir. */
	return strcmp(*(char *const *)a + 4, *(char *const *)b + 4);
}

static int
list_sub(struct backup_maildir *md, const char *sub, struct perr *err)
{
	DIR		*d;
	struct dirent	*de;
	char		*path;

	path = xasprintf("%s/%s", md->dir, sub);
	if ((d = opendir(path)) == NULL) {
		perr_set(err, errno == ENOENT ? PERR_NOTFOUND : PERR_IO,
		    "%s: %s%s", path, strerror(errno), errno == ENOENT ?
		    " (not a Maildir: it needs cur/, new/ and tmp/)" : "");
		free(path);
		return -1;
	}
	free(path);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		md->names = xreallocarray(md->names, md->n + 1,
		    sizeof *md->names);
		md->names[md->n++] = xasprintf("%s/%s", sub, de->d_name);
	}
	(void)closedir(d);
	return 0;
}

struct backup_maildir *
backup_maildir_open(const char *dir, struct perr *err)
{
	struct backup_maildir	*md;

	md = xcalloc(1, sizeof *md);
	md->dir = xstrdup(dir);
	if (list_sub(md, "cur", err) != 0 || list_sub(md, "new", err) != 0) {
		backup_maildir_close(md);
		return NULL;
	}
	if (md->n > 1)
		qsort(md->names, md->n, sizeof *md->names, name_cmp);
	return md;
}

void
backup_maildir_close(struct backup_maildir *md)
{
	size_t	i;

	if (md == NULL)
		return;
	for (i = 0; i < md->n; i++)
		free(md->names[i]);
	free(md->names);
	free(md->dir);
	free(md);
}

int
backup_maildir_next(struct backup_maildir *md, char **raw, size_t *len,
    unsigned *flags, struct perr *err)
{
	struct stat	 sb;
	const char	*name;
	char		*path, *buf;
	size_t		 got;
	ssize_t		 n;
	int		 fd;

	*raw = NULL;
	*len = 0;
	*flags = 0;
	for (;;) {
		if (md->next >= md->n)
			return 0;
		name = md->names[md->next++];
		path = xasprintf("%s/%s", md->dir, name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 && (errno == ELOOP || errno == ENOENT)) {
			free(path);	/* a symlink, or gone meanwhile */
			continue;
		}
		if (fd < 0 || fstat(fd, &sb) != 0) {
			perr_set(err, PERR_IO, "%s: %s", path, strerror(errno));
			if (fd >= 0)
				(void)close(fd);
			free(path);
			return -1;
		}
		if (!S_ISREG(sb.st_mode)) {
			(void)close(fd);
			free(path);
			continue;
		}
		break;
	}
	if ((uint64_t)sb.st_size > MAIL_MSG_MAX) {
		perr_set(err, PERR_IO, _("%s: the message is larger than %zu "
		    "MiB; refusing it"), path, MAIL_MSG_MAX >> 20);
		(void)close(fd);
		free(path);
		return -1;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	for (got = 0; got < (size_t)sb.st_size; got += (size_t)n) {
		n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			break;
	}
	(void)close(fd);
	if (got != (size_t)sb.st_size) {
		perr_set(err, PERR_IO, _("%s: the file changed or could not be "
		    "read"), path);
		free(buf);
		free(path);
		return -1;
	}
	buf[got] = '\0';
	if (strncmp(name, "cur/", 4) == 0)
		*flags = backup_maildir_flags(name);
	free(path);
	*raw = buf;
	*len = got;
	return 1;
}
