/*
 * cmd-setup-probe.c - posta setup's servers: discovery (src/setup) with
 * the run's answers, each probe shown, and the first usable, the first
 * with a certificate to pin, or the first failed one picked from them.
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

/* ---- probing and choosing ---------------------------------------------- */

static void
opts_init(const struct answers *an, struct setup_discover_opts *o)
{
	memset(o, 0, sizeof *o);
	o->autoconfig_url = an->autoconfig;
	o->ca_file = an->ca_file;
	o->pin = an->pin;
	o->timeout = PROBE_TIMEOUT;
	o->allow_plaintext = (an->tls != NULL &&
	    strcasecmp(an->tls, "none") == 0) || (an->smtp_tls != NULL &&
	    strcasecmp(an->smtp_tls, "none") == 0);
	o->note = note_cb;
}

void
show_probe(const struct setup_probe *p, int num)
{
	const struct tls_info	*ti = &p->rep.tls_info;

	if (!p->ok) {
		say("  %s %s:%d (%s) does not work: %s", svc_word(p->srv.svc),
		    p->srv.host, p->srv.port, tls_word(p->srv.tls), p->err.msg);
		return;
	}
	say("  %d. %s %s:%d with %s, from %s.", num, svc_word(p->srv.svc),
	    p->srv.host, p->srv.port, tls_phrase(p->srv.tls),
	    source_word(p->srv.source));
	if (p->rep.caps[0] != '\0')
		say("     It offers %s.", p->rep.caps);
	if (ti->subject[0] != '\0')
		say("     Its certificate is %s, SHA-256 %s.", ti->subject,
		    ti->sha256);
	if (p->srv.foreign)
		say("     Only DNS says that it serves this address: it is "
		    "outside the address's domain.");
}

/*
 * Discover (unless the flags name the servers), probe, and print what
 * works. *res and *n get the probes.
 */
int
find_servers(struct answers *an, struct setup_probe **res, size_t *n)
{
	struct setup_discover_opts	 o;
	struct setup_servers		 l = { NULL, 0 };
	struct setup_servers		 d = { NULL, 0 };
	struct perr			 err;
	enum setup_svc			 svc;
	size_t				 i;

	opts_init(an, &o);
	if (an->host != NULL) {
		svc = an->protocol != NULL && strcasecmp(an->protocol, "pop3")
		    == 0 ? SETUP_POP3 : SETUP_IMAP;
		given_candidates(svc, an->host, an->port, an->tls,
		    an->user != NULL ? an->user : an->email, &l);
	}
	if (an->smtp_host != NULL)
		given_candidates(SETUP_SMTP, an->smtp_host, an->smtp_port,
		    an->smtp_tls, an->user != NULL ? an->user : an->email, &l);
	if (an->host == NULL || an->smtp_host == NULL) {
		if (setup_discover(an->email, &o, &d, &err) != 0) {
			setup_servers_free(&l);
			setup_servers_free(&d);
			return cli_error("%s", err.msg);
		}
		for (i = 0; i < d.n; i++) {
			if (d.v[i].svc == SETUP_SMTP ? an->smtp_host != NULL :
			    an->host != NULL)
				continue;
			if (an->user != NULL)
				snprintf(d.v[i].user, sizeof d.v[i].user, "%s",
				    an->user);
			/* Nobody to ask: the login goes to no server that
			 * only DNS vouches for (RFC 6186 section 6). */
			if (d.v[i].foreign && an->yes) {
				say("%s:%d is not used: with --yes a server "
				    "outside the address's domain is taken "
				    "only when given with --host or "
				    "--smtp-host.", d.v[i].host, d.v[i].port);
				continue;
			}
			setup_servers_add(&l, &d.v[i]);
		}
		setup_servers_free(&d);
	}
	say("Trying %zu servers at once, each for at most %d seconds.", l.n,
	    PROBE_TIMEOUT);
	setup_probe_all(&l, &o, res);
	*n = l.n;
	setup_servers_free(&l);
	for (i = 0; i < *n; i++)
		show_probe(&(*res)[i], (int)i + 1);
	return 0;
}

/* The first probe that worked for svc, or NULL. */
const struct setup_probe *
first_ok(const struct setup_probe *res, size_t n, enum setup_svc svc)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (res[i].ok && res[i].srv.svc == svc)
			return &res[i];
	return NULL;
}

/* The first probe of svc refused for its certificate, or NULL. */
const struct setup_probe *
first_cert(const struct setup_probe *res, size_t n, enum setup_svc svc)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!res[i].ok && res[i].srv.svc == svc &&
		    (res[i].err.code == PERR_CERT ||
		    res[i].err.code == PERR_HOSTNAME) &&
		    res[i].rep.tls_info.sha256[0] != '\0')
			return &res[i];
	return NULL;
}

/* The first failure of svc, to say why nothing works. */
const struct setup_probe *
first_fail(const struct setup_probe *res, size_t n, enum setup_svc svc)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!res[i].ok && res[i].srv.svc == svc)
			return &res[i];
	return NULL;
}
