/*
 * check.c - what posta setup verifies before it writes anything: the
 * login (incoming and SMTP), the mailbox size, and the secret stores a
 * password can go to.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "setup/setup.h"
#include "util/i18n.h"

int
setup_check_login(const struct account *acct, const char *password,
    long long *size_bytes, struct perr *err)
{
	struct account		 a = *acct;
	struct imap_conn	*ic;
	struct pop3_conn	*pc;
	struct smtp_conn	*sc;

	*size_bytes = -1;
	/* A typed password: used for this check only, never stored here. */
	if (password != NULL) {
		a.in.password = (char *)password;
		a.in.password_command = NULL;
		if (a.smtp.host != NULL) {
			a.smtp.password = (char *)password;
			a.smtp.password_command = NULL;
		}
	}
	perr_clear(err);
	if (a.protocol == PROTO_IMAP) {
		if ((ic = imap_connect(&a, &a.in, err)) == NULL)
			return -1;
		*size_bytes = imap_inbox_size(ic);
		imap_close(ic);
	} else {
		if ((pc = pop3_connect(&a, &a.in, err)) == NULL)
			return -1;
		/* QUIT with nothing marked: the mailbox is left as it was. */
		pop3_close(pc, true);
	}
	if (a.smtp.host != NULL) {
		if ((sc = smtp_connect(&a, &a.smtp, err)) == NULL)
			return -1;
		smtp_close(sc);
	}
	return 0;
}

/* ---- secret stores ----------------------------------------------------- */

static const struct setup_store stores[] = {
	{ "pass", "pass, the standard Unix password manager (GnuPG)" },
	{ "secret-tool", "secret-tool, the desktop keyring (GNOME Keyring, "
	  "KWallet)" },
	{ "gopass", "gopass, a team password manager compatible with pass" },
};

static bool
on_path(const char *prog)
{
	const char	*path = getenv("PATH"), *p, *e;
	char		*f;
	bool		 found = false;

	if (path == NULL)
		return false;
	for (p = path; !found; p = e + 1) {
		if ((e = strchr(p, ':')) == NULL)
			e = p + strlen(p);
		f = xasprintf("%.*s/%s", (int)(e - p), p, prog);
		found = e > p && access(f, X_OK) == 0;
		free(f);
		if (*e == '\0')
			break;
	}
	return found;
}

size_t
setup_stores_found(struct setup_store *out, size_t max)
{
	size_t	i, n = 0;

	for (i = 0; i < sizeof stores / sizeof stores[0] && n < max; i++)
		if (on_path(stores[i].name))
			out[n++] = stores[i];
	return n;
}

/* Account names go into shell commands: letters, digits, . _ - @ only. */
static bool
safe_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("._-@+", *s) != NULL))
			return false;
	return true;
}

/* Run cmd with the password on its standard input. */
static int
run_with_input(const char *cmd, const char *input, struct perr *err)
{
	FILE	*p;
	int	 st;

	fflush(NULL);
	if ((p = popen(cmd, "w")) == NULL)
		return perr_set(err, PERR_IO, _("cannot run '%s': %s"), cmd,
		    strerror(errno));
	/* One line; posta reads back the first line of the store's output. */
	fputs(input, p);
	fputc('\n', p);
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return perr_set(err, PERR_IO, _("'%s' failed with exit status "
		    "%d"), cmd, st == -1 || !WIFEXITED(st) ? -1 :
		    WEXITSTATUS(st));
	return 0;
}

char *
setup_store_password(const char *store, const char *account,
    const char *email, const char *password, struct perr *err)
{
	struct account	 a;
	char		*put, *get, *back;

	if (!safe_word(account) || !safe_word(email)) {
		perr_set(err, PERR_CONFIG, _("the account name and the address "
		    "may hold only letters, digits and . _ - @ + to be used "
		    "as a name in a password store"));
		return NULL;
	}
	if (strcmp(store, "pass") == 0 || strcmp(store, "gopass") == 0) {
		/* -m: read from stdin to its end (no terminal needed). */
		put = xasprintf("%s insert -f -m posta/%s >/dev/null", store,
		    account);
		get = xasprintf("%s show%s posta/%s", store,
		    strcmp(store, "gopass") == 0 ? " -o" : "", account);
	} else if (strcmp(store, "secret-tool") == 0) {
		put = xasprintf("secret-tool store --label='posta %s' service "
		    "posta account %s", account, email);
		get = xasprintf("secret-tool lookup service posta account %s",
		    email);
	} else {
		perr_set(err, PERR_CONFIG, _("unknown password store '%s'"),
		    store);
		return NULL;
	}
	if (run_with_input(put, password, err) != 0) {
		free(put);
		free(get);
		return NULL;
	}
	free(put);
	/* Read it back the way posta will, to be sure it is there. */
	memset(&a, 0, sizeof a);
	a.name = (char *)account;
	a.in.password_command = get;
	if ((back = config_password(&a, &a.in, err)) == NULL ||
	    strcmp(back, password) != 0) {
		if (back != NULL)
			perr_set(err, PERR_IO, _("'%s' does not print back the "
			    "password just stored"), get);
		secret_free(back);
		free(get);
		return NULL;
	}
	secret_free(back);
	return get;
}
