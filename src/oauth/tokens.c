/*
 * tokens.c - where posta keeps OAuth2 tokens, and the access token for a
 * login, refreshed when it has expired.
 *
 * One file per account, $XDG_DATA_HOME/posta/oauth2/NAME.json, mode 0600
 * in a directory of mode 0700: {"refresh_token": ..., "access_token": ...,
 * "expires_at": N}. The refresh token is left out when the account has
 * oauth2_refresh_token_command, which gets it on its standard input
 * (POSTA_OAUTH2_ACTION=store) and prints it back
 * (POSTA_OAUTH2_ACTION=load). The access token is kept so that the TUI's
 * worker, posta sync from cron and check-account share one until it
 * expires instead of asking the provider for one each. A refresh holds
 * NAME.lock (flock) so that two processes do not both trade the same
 * refresh token, which a provider rotating them would take as a replay.
 * The file is written to a temporary name and renamed: never half.
 *
 * oauth_login() is here too: it runs a grant of grant.c and keeps what it
 * gave. This file is the top floor of src/oauth; grant.c, below it, never
 * calls up.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "oauth/oauth.h"
#include "util/i18n.h"

extern char **environ;

#define TOKEN_FILE_MAX	(64 * 1024)

static char *
data_dir(void)
{
	const char	*d = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (d != NULL && *d == '/')
		return xasprintf("%s/posta/oauth2", d);
	return xasprintf("%s/.local/share/posta/oauth2",
	    home != NULL ? home : ".");
}

char *
oauth_token_path(const struct account *acct)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*s = (const unsigned char *)acct->name;
	char			*dir = data_dir(), *name, *o, *path;

	name = o = xmalloc(3 * strlen(acct->name) + 1);
	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-')
			*o++ = (char)*s;
		else {
			*o++ = '%';
			*o++ = hex[*s >> 4];
			*o++ = hex[*s & 15];
		}
	}
	*o = '\0';
	path = xasprintf("%s/%s.json", dir, name);
	free(dir);
	free(name);
	return path;
}

/* mkdir -p the directory of path, the new ones mode 0700. */
static int
make_dirs(const char *path, struct perr *err)
{
	char	*d = xstrdup(path), *p;

	for (p = strchr(d + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(d, 0700) == -1 && errno != EEXIST) {
			perr_set(err, PERR_IO, _("cannot make the directory "
			    "%s: %s"), d, strerror(errno));
			free(d);
			return -1;
		}
		*p = '/';
	}
	free(d);
	return 0;
}

/* ---- oauth2_refresh_token_command ---------------------------------------- */

/*
 * Run cmd through /bin/sh with POSTA_OAUTH2_ACTION=action and POSTA_ACCOUNT
 * in its environment. "store": input on its standard input; "load": the
 * first line of its output is returned (secret_free), else NULL. Its
 * output is never shown; a failure says only its exit status.
 */
static char *
run_token_command(const struct account *acct, const char *cmd,
    const char *action, const char *input, struct perr *err)
{
	posix_spawn_file_actions_t	 fa;
	char				*argv[] = { "sh", "-c", (char *)cmd,
					    NULL };
	char				**env, *act, *acc, buf[OAUTH_TOKEN_MAX];
	char				*nl, *out = NULL;
	int				 in[2] = { -1, -1 }, outp[2] = { -1, -1 };
	int				 status, rc;
	size_t				 n = 0, i, used = 0;
	ssize_t				 k;
	pid_t				 pid;

	for (; environ[n] != NULL; n++)
		;
	env = xcalloc(n + 3, sizeof *env);
	act = xasprintf("POSTA_OAUTH2_ACTION=%s", action);
	acc = xasprintf("POSTA_ACCOUNT=%s", acct->name);
	for (i = 0; i < n; i++)
		env[i] = environ[i];
	env[n] = act;
	env[n + 1] = acc;
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(outp, O_CLOEXEC) == -1) {
		perr_set(err, PERR_IO, _("cannot make a pipe: %s"),
		    strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(outp[1]);
	in[0] = outp[1] = -1;
	if (rc != 0) {
		perr_set(err, PERR_IO, _("account %s: "
		    "oauth2_refresh_token_command: cannot run: %s"),
		    acct->name, strerror(rc));
		goto out;
	}
	if (input != NULL) {
		/* SIGPIPE is ignored (ui/main.c): a short write is EPIPE. */
		k = write(in[1], input, strlen(input));
		k = k >= 0 ? write(in[1], "\n", 1) : k;
		(void)k;	/* the exit status tells */
	}
	close(in[1]);
	in[1] = -1;
	/* Read to the end (what does not fit is dropped), or it blocks. */
	for (;;) {
		char	drop[512];

		k = used + 1 < sizeof buf ? read(outp[0], buf + used,
		    sizeof buf - 1 - used) : read(outp[0], drop, sizeof drop);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (used + 1 < sizeof buf)
			used += (size_t)k;
	}
	buf[used] = '\0';
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		perr_set(err, PERR_AUTH, _("account %s: "
		    "oauth2_refresh_token_command (%s) failed with exit status "
		    "%d"), acct->name, action, WIFEXITED(status) ?
		    WEXITSTATUS(status) : -1);
		goto out;
	}
	if (input != NULL) {
		out = xstrdup("");
		goto out;
	}
	if ((nl = strpbrk(buf, "\r\n")) != NULL)
		*nl = '\0';
	out = xstrdup(buf);
out:
	explicit_bzero(buf, sizeof buf);
	for (i = 0; i < 2; i++) {
		if (in[i] != -1)
			close(in[i]);
		if (outp[i] != -1)
			close(outp[i]);
	}
	free(act);
	free(acc);
	free(env);
	return out;
}

/* ---- the file ---------------------------------------------------------------- */

struct kept {
	char	*access;
	char	*refresh;	/* the file's; NULL with a command */
	int64_t	 expires_at;
};

static void
kept_free(struct kept *k)
{
	secret_free(k->access);
	secret_free(k->refresh);
	memset(k, 0, sizeof *k);
}

static char *
member(json_object *o, const char *key)
{
	json_object	*v;
	const char	*s;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return *s != '\0' ? xstrdup(s) : NULL;
}

/* The file into *k; a missing file is an empty k. 0 or -1 with err. */
static int
file_read(const char *path, struct kept *k, struct perr *err)
{
	struct stat	 st;
	json_object	*o, *v;
	char		*buf;
	ssize_t		 n;
	int		 fd;

	memset(k, 0, sizeof *k);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		return perr_set(err, PERR_IO, _("cannot read %s: %s"), path,
		    strerror(errno));
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0 || st.st_size > TOKEN_FILE_MAX) {
		close(fd);
		return perr_set(err, PERR_CONFIG, _("%s: refused: not a "
		    "regular "
		    "file of mode 0600 under %d bytes (it holds an OAuth2 "
		    "token)"), path, TOKEN_FILE_MAX);
	}
	buf = xmalloc((size_t)st.st_size + 1);
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	o = json_tokener_parse(buf);
	secret_free(buf);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return perr_set(err, PERR_CONFIG, _("%s: not the JSON object "
		    "posta writes; remove it and run posta oauth2 login"),
		    path);
	}
	k->access = member(o, "access_token");
	k->refresh = member(o, "refresh_token");
	if (json_object_object_get_ex(o, "expires_at", &v))
		k->expires_at = json_object_get_int64(v);
	json_object_put(o);
	return 0;
}

/* k into the file: a temporary of mode 0600 renamed over it. */
static int
file_write(const char *path, const struct kept *k, struct perr *err)
{
	json_object	*o = json_object_new_object();
	char		*buf, *tmp;
	size_t		 len;
	ssize_t		 n;
	int		 fd, rc = 0;

	if (k->refresh != NULL)
		json_object_object_add(o, "refresh_token",
		    json_object_new_string(k->refresh));
	if (k->access != NULL)
		json_object_object_add(o, "access_token",
		    json_object_new_string(k->access));
	json_object_object_add(o, "expires_at",
	    json_object_new_int64(k->expires_at));
	buf = xasprintf("%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	len = strlen(buf);
	if (make_dirs(path, err) != 0) {
		secret_free(buf);
		return -1;
	}
	tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		rc = perr_set(err, PERR_IO, _("cannot write %s: %s"), tmp,
		    strerror(errno));
	else {
		n = write(fd, buf, len);
		if (n != (ssize_t)len || fchmod(fd, 0600) == -1 ||
		    fsync(fd) == -1)
			rc = perr_set(err, PERR_IO, _("cannot write %s: %s"), tmp,
			    n < 0 ? strerror(errno) : _("short write"));
		if (close(fd) == -1 && rc == 0)
			rc = perr_set(err, PERR_IO, _("cannot write %s: %s"), tmp,
			    strerror(errno));
		if (rc == 0 && rename(tmp, path) == -1)
			rc = perr_set(err, PERR_IO, _("cannot rename %s to %s: %s"),
			    tmp, path, strerror(errno));
		if (rc != 0)
			(void)unlink(tmp);
	}
	free(tmp);
	secret_free(buf);
	return rc;
}

/* flock() path.lock, made if needed; the fd to close, or -1 with err. */
static int
file_lock(const char *path, struct perr *err)
{
	char	*lp = xasprintf("%s.lock", path);
	int	 fd;

	if (make_dirs(path, err) != 0) {
		free(lp);
		return -1;
	}
	fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || flock(fd, LOCK_EX) == -1) {
		perr_set(err, PERR_IO, _("cannot lock %s: %s"), lp,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	free(lp);
	return fd;
}

/* Write t as kept: the refresh token to the command or the file. */
static int
keep(const struct account *acct, const char *path, const struct kept *old,
    const struct oauth_tokens *t, struct perr *err)
{
	const char	*cmd = acct->oauth2.refresh_token_command;
	struct kept	 k;
	char		*r;

	k.access = t->access;
	k.expires_at = t->expires_at;
	k.refresh = cmd != NULL ? NULL : t->refresh != NULL ? t->refresh :
	    old->refresh;
	if (cmd != NULL && t->refresh != NULL) {
		if ((r = run_token_command(acct, cmd, "store", t->refresh,
		    err)) == NULL)
			return -1;
		free(r);
	}
	return file_write(path, &k, err);
}

int
oauth_tokens_save(const struct account *acct, const struct oauth_tokens *t,
    struct perr *err)
{
	char		*path = oauth_token_path(acct);
	struct kept	 none;
	int		 lk, rc;

	memset(&none, 0, sizeof none);
	if ((lk = file_lock(path, err)) == -1) {
		free(path);
		return -1;
	}
	rc = keep(acct, path, &none, t, err);
	close(lk);
	free(path);
	return rc;
}

/* The refresh token: the file's, else the command's. NULL: err set. */
static char *
refresh_token(const struct account *acct, const struct kept *k,
    struct perr *err)
{
	char	*r;

	if (acct->oauth2.refresh_token_command == NULL) {
		if (k->refresh != NULL)
			return xstrdup(k->refresh);
	} else if ((r = run_token_command(acct,
	    acct->oauth2.refresh_token_command, "load", NULL, err)) == NULL)
		return NULL;
	else if (*r != '\0')
		return r;
	else
		free(r);
	perr_set(err, PERR_AUTH, _("account %s has no OAuth2 refresh token "
	    "yet: run 'posta oauth2 login %s'"), acct->name, acct->name);
	return NULL;
}

char *
oauth_access_token(const struct account *acct, bool fresh, struct perr *err)
{
	char			*path = oauth_token_path(acct), *r, *out = NULL;
	struct kept		 k;
	struct oauth_tokens	 t;
	enum oauth_grant_err	 ge;
	int			 lk;

	memset(&k, 0, sizeof k);
	if ((lk = file_lock(path, err)) == -1) {
		free(path);
		return NULL;
	}
	if (file_read(path, &k, err) != 0)
		goto out;
	if (!fresh && k.access != NULL &&
	    k.expires_at > (int64_t)time(NULL) + OAUTH_EXPIRY_MARGIN) {
		out = xstrdup(k.access);
		goto out;
	}
	if ((r = refresh_token(acct, &k, err)) == NULL)
		goto out;
	if (oauth_refresh(acct, r, &t, &ge, err) != 0) {
		if (ge == OAUTH_GRANT_INVALID)
			perr_set(err, PERR_AUTH, _("account %s: the provider "
			    "refused the refresh token (revoked, or unused too "
			    "long): run 'posta oauth2 login %s' again"),
			    acct->name, acct->name);
		secret_free(r);
		goto out;
	}
	secret_free(r);
	if (keep(acct, path, &k, &t, err) == 0)
		out = xstrdup(t.access);
	oauth_tokens_free(&t);
out:
	close(lk);
	kept_free(&k);
	free(path);
	return out;
}

/* ---- login ----------------------------------------------------------------- */

int
oauth_login(const struct account *acct, enum oauth_flow flow,
    oauth_note_cb cb, void *arg, struct perr *err)
{
	const struct oauth2_conf *o = &acct->oauth2;
	struct oauth_tokens	 t;
	int			 rc;

	memset(&t, 0, sizeof t);
	if (o->client_id == NULL || o->token_url == NULL)
		return perr_set(err, PERR_CONFIG, _("account %s: posta oauth2 "
		    "login needs oauth2_client_id, and oauth2_provider or "
		    "oauth2_token_url"), acct->name);
	if (flow == OAUTH_FLOW_AUTO)
		flow = o->device_url != NULL ? OAUTH_FLOW_DEVICE :
		    OAUTH_FLOW_BROWSER;
	if (flow == OAUTH_FLOW_DEVICE && o->device_url == NULL)
		return perr_set(err, PERR_CONFIG, _("account %s: the device "
		    "login needs oauth2_device_url"), acct->name);
	if (flow == OAUTH_FLOW_BROWSER && o->auth_url == NULL)
		return perr_set(err, PERR_CONFIG, _("account %s: the browser "
		    "login needs oauth2_auth_url"), acct->name);
	rc = flow == OAUTH_FLOW_DEVICE ? oauth_grant_device(acct, cb, arg, &t, err) :
	    oauth_grant_browser(acct, cb, arg, &t, err);
	/* The login's own errors do not name the account; the rest do. */
	if (rc != 0)
		perr_prefix(err, _("account %s"), acct->name);
	else if (t.refresh == NULL)
		rc = perr_set(err, PERR_AUTH, _("account %s: the provider gave "
		    "no refresh token (does oauth2_scope ask for offline "
		    "access?)"), acct->name);
	else
		rc = oauth_tokens_save(acct, &t, err);
	oauth_tokens_free(&t);
	return rc;
}
