/*
 * config-secret.c - secrets named by the configuration: a password from
 * the file or from password_command, an access token from
 * oauth2_token_command, and the OAuth2 client settings' copy and free.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/config.h"
#include "util/i18n.h"

/*
 * Run cmd through the shell; the first line of its output is the secret
 * (empty: the words when it prints nothing, "account %s: %s printed
 * no password", translated here).
 */
static char *
run_password_command(const char *cmd, const char *key, const char *empty,
    const char *acct, struct perr *err)
{
	FILE	*p;
	char	 buf[4096];
	size_t	 n;
	int	 status;
	char	*nl;

	fflush(NULL);
	if ((p = popen(cmd, "r")) == NULL) {
		perr_set(err, PERR_IO, _("account %s: %s: cannot run: %s"), acct,
		    key, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof buf - 1, p);
	buf[n] = '\0';
	/* Read to the end so the command does not die of SIGPIPE. */
	while (!feof(p) && !ferror(p)) {
		char drain[512];

		if (fread(drain, 1, sizeof drain, p) == 0)
			break;
	}
	status = pclose(p);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		explicit_bzero(buf, sizeof buf);
		if (status != -1 && WIFSIGNALED(status))
			perr_set(err, PERR_AUTH, _("account %s: %s was killed by "
			    "signal %d"), acct, key, WTERMSIG(status));
		else
			perr_set(err, PERR_AUTH, _("account %s: %s failed with "
			    "exit status %d"), acct, key, status == -1 ? -1 :
			    WEXITSTATUS(status));
		return NULL;
	}
	if ((nl = strpbrk(buf, "\r\n")) != NULL)
		*nl = '\0';
	if (buf[0] == '\0') {
		perr_set(err, PERR_AUTH, _(empty), acct, key);
		return NULL;
	}
	nl = xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
	return nl;
}

char *
config_password(const struct account *a, const struct endpoint *e,
    struct perr *err)
{
	perr_clear(err);
	if (e->password != NULL)
		return xstrdup(e->password);
	if (e->password_command != NULL)
		return run_password_command(e->password_command,
		    e == &a->smtp ? "smtp_password_command" :
		    "password_command", N_("account %s: %s printed no password"),
		    a->name, err);
	return NULL;
}

char *
config_oauth2_token(const struct account *a, const struct endpoint *e,
    struct perr *err)
{
	perr_clear(err);
	if (e->oauth2_token_command == NULL)
		return NULL;
	return run_password_command(e->oauth2_token_command,
	    "oauth2_token_command",
	    N_("account %s: %s printed no access token"), a->name, err);
}

bool
config_oauth2_builtin(const struct account *a, const struct endpoint *e)
{
	return e->auth != AUTH_PASSWORD && e->oauth2_token_command == NULL &&
	    a->oauth2.client_id != NULL;
}

void
config_oauth2_conf_copy(struct oauth2_conf *d, const struct oauth2_conf *s)
{
	d->provider = s->provider != NULL ? xstrdup(s->provider) : NULL;
	d->client_id = s->client_id != NULL ? xstrdup(s->client_id) : NULL;
	d->client_secret = s->client_secret != NULL ?
	    xstrdup(s->client_secret) : NULL;
	d->scope = s->scope != NULL ? xstrdup(s->scope) : NULL;
	d->token_url = s->token_url != NULL ? xstrdup(s->token_url) : NULL;
	d->device_url = s->device_url != NULL ? xstrdup(s->device_url) : NULL;
	d->auth_url = s->auth_url != NULL ? xstrdup(s->auth_url) : NULL;
	d->refresh_token_command = s->refresh_token_command != NULL ?
	    xstrdup(s->refresh_token_command) : NULL;
}

void
config_oauth2_conf_free(struct oauth2_conf *o)
{
	free(o->provider);
	free(o->client_id);
	secret_free(o->client_secret);
	free(o->scope);
	free(o->token_url);
	free(o->device_url);
	free(o->auth_url);
	free(o->refresh_token_command);
	memset(o, 0, sizeof *o);
}

const char *
config_auth_name(enum auth_mech m)
{
	switch (m) {
	case AUTH_XOAUTH2:
		return "XOAUTH2";
	case AUTH_OAUTHBEARER:
		return "OAUTHBEARER";
	default:
		return "password";
	}
}
