/*
 * cmd-setup-words.c - posta setup's words: the sentences the user reads
 * (sanitised, they may hold server text), the names of TLS modes,
 * services and sources, and the flags' values checked before anything
 * is probed.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "app/app.h"
#include "cli/cmd-setup-int.h"
#include "util/i18n.h"

/* ---- output ------------------------------------------------------------ */

/* One line for the user, sanitised (it may hold server text). */
void
say(const char *fmt, ...)
{
	va_list	 ap;
	char	*raw, *safe;

	va_start(ap, fmt);
	raw = xvasprintf(fmt, ap);
	va_end(ap);
	safe = sanitize_text(raw, strlen(raw), true);
	printf("%s\n", safe);
	fflush(stdout);
	free(safe);
	free(raw);
}

void
note_cb(void *arg, const char *sentence)
{
	say("%s", sentence);
}

/* The way a server is secured, as a sentence part of its own. */
const char *
tls_phrase(enum tls_mode t)
{
	return t == TLSM_IMPLICIT ? _("implicit TLS") : t == TLSM_STARTTLS ?
	    "STARTTLS" : _("no TLS");
}

const char *
tls_word(enum tls_mode t)
{
	return t == TLSM_IMPLICIT ? "implicit" : t == TLSM_STARTTLS ?
	    "starttls" : "none";
}

const char *
svc_word(enum setup_svc s)
{
	return s == SETUP_IMAP ? "IMAP" : s == SETUP_POP3 ? "POP3" : "SMTP";
}

const char *
source_word(enum setup_source s)
{
	switch (s) {
	case SETUP_SRC_TABLE:
		return _("posta's provider table");
	case SETUP_SRC_SRV:
		return "DNS SRV";
	case SETUP_SRC_AUTOCONFIG:
		return _("the autoconfig document");
	case SETUP_SRC_GUESS:
		return _("a guess");
	default:
		return _("your answer");
	}
}

/* ---- values ------------------------------------------------------------ */

bool
days_ok(const char *v)
{
	char	*end;
	long	 n;

	if (strncasecmp(v, "days:", 5) != 0)
		return false;
	n = strtol(v + 5, &end, 10);
	return v[5] != '\0' && *end == '\0' && n >= 1 && n <= 36500;
}

static int
parse_tls_word(const char *v, enum tls_mode *t)
{
	if (strcasecmp(v, "implicit") == 0)
		*t = TLSM_IMPLICIT;
	else if (strcasecmp(v, "starttls") == 0)
		*t = TLSM_STARTTLS;
	else if (strcasecmp(v, "none") == 0)
		*t = TLSM_NONE;
	else
		return -1;
	return 0;
}

int
check_flags(struct answers *an)
{
	enum tls_mode	t;

	if (an->protocol != NULL && strcasecmp(an->protocol, "imap") != 0 &&
	    strcasecmp(an->protocol, "pop3") != 0)
		return cli_error(_("--protocol must be imap or pop3, not '%s'."),
		    an->protocol);
	if ((an->tls != NULL && parse_tls_word(an->tls, &t) != 0) ||
	    (an->smtp_tls != NULL && parse_tls_word(an->smtp_tls, &t) != 0))
		return cli_error(_("--tls and --smtp-tls must be implicit, "
		    "starttls or none."));
	if (an->offline != NULL && strcasecmp(an->offline, "all") != 0 &&
	    strcasecmp(an->offline, "headers") != 0 && !days_ok(an->offline))
		return cli_error(_("--offline must be all, headers or days:N, "
		    "not '%s'."), an->offline);
	if (an->pop3_keep != NULL && strcasecmp(an->pop3_keep, "no") != 0 &&
	    strcasecmp(an->pop3_keep, "yes") != 0 && !days_ok(an->pop3_keep))
		return cli_error(_("--pop3-keep must be no, yes or days:N, not "
		    "'%s'."), an->pop3_keep);
	if (an->pop3_delete != NULL && strcasecmp(an->pop3_delete, "yes") !=
	    0 && strcasecmp(an->pop3_delete, "no") != 0)
		return cli_error(_("--pop3-delete-when-deleted-locally must be "
		    "yes or no, not '%s'."), an->pop3_delete);
	if (an->oauth2_provider != NULL &&
	    strcmp(an->oauth2_provider, "google") != 0 &&
	    strcmp(an->oauth2_provider, "microsoft") != 0)
		return cli_error(_("--oauth2-provider must be google or "
		    "microsoft, not '%s'."), an->oauth2_provider);
	return 0;
}

static int
default_port(enum setup_svc svc, enum tls_mode t)
{
	switch (svc) {
	case SETUP_IMAP:
		return t == TLSM_IMPLICIT ? 993 : 143;
	case SETUP_POP3:
		return t == TLSM_IMPLICIT ? 995 : 110;
	default:
		return t == TLSM_IMPLICIT ? 465 : 587;
	}
}

/*
 * Candidates for a server the user named: the given port and TLS, or the
 * standard ports of each TLS way.
 */
void
given_candidates(enum setup_svc svc, const char *host, int port,
    const char *tls, const char *user, struct setup_servers *out)
{
	static const enum tls_mode ways[] = { TLSM_IMPLICIT, TLSM_STARTTLS };
	struct setup_server	s;
	enum tls_mode		t;
	size_t			i;

	memset(&s, 0, sizeof s);
	s.svc = svc;
	snprintf(s.host, sizeof s.host, "%s", host);
	snprintf(s.user, sizeof s.user, "%s", user);
	s.source = SETUP_SRC_USER;
	if (tls != NULL && parse_tls_word(tls, &t) == 0) {
		s.tls = t;
		s.port = port > 0 ? port : default_port(svc, t);
		setup_servers_add(out, &s);
		return;
	}
	for (i = 0; i < 2; i++) {
		s.tls = ways[i];
		s.port = port > 0 ? port : default_port(svc, ways[i]);
		setup_servers_add(out, &s);
	}
}
