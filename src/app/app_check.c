/*
 * app_check.c - posta check-account's work: connect to one of an
 * account's servers, verify TLS, log in, and copy what net's report says
 * of it for the face to print; the POP3 deletion warning.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "net/net.h"

static void
report_copy(struct app_server_report *out, const struct net_report *r)
{
	const struct tls_info	*ti = &r->tls_info;

	memset(out, 0, sizeof *out);
	out->protocol = r->protocol;
	snprintf(out->hostport, sizeof out->hostport, "%s", r->hostport);
	out->tls = r->tls;
	snprintf(out->tls_version, sizeof out->tls_version, "%s", ti->version);
	snprintf(out->tls_cipher, sizeof out->tls_cipher, "%s", ti->cipher);
	snprintf(out->cert_subject, sizeof out->cert_subject, "%s",
	    ti->subject);
	snprintf(out->cert_issuer, sizeof out->cert_issuer, "%s", ti->issuer);
	snprintf(out->cert_sha256, sizeof out->cert_sha256, "%s", ti->sha256);
	out->pinned = ti->pinned;
	out->preauth = r->preauth;
	if (r->mech != NULL)
		snprintf(out->mech, sizeof out->mech, "%s", r->mech);
	snprintf(out->caps, sizeof out->caps, "%s", r->caps);
	snprintf(out->missing, sizeof out->missing, "%s", r->missing);
}

int
app_check_server(const struct account *acct, enum app_server which,
    struct app_server_report *out, struct perr *err)
{
	struct imap_conn	*ic;
	struct pop3_conn	*pc;
	struct smtp_conn	*sc;

	perr_clear(err);
	if (which == APP_SERVER_SMTP) {
		if ((sc = smtp_connect(acct, &acct->smtp, err)) == NULL)
			return -1;
		report_copy(out, &sc->report);
		smtp_close(sc);
	} else if (acct->protocol == PROTO_IMAP) {
		if ((ic = imap_connect(acct, &acct->in, err)) == NULL)
			return -1;
		report_copy(out, &ic->report);
		imap_close(ic);
	} else {
		if ((pc = pop3_connect(acct, &acct->in, err)) == NULL)
			return -1;
		report_copy(out, &pc->report);
		/* QUIT: nothing was marked for deletion. */
		pop3_close(pc, true);
	}
	return 0;
}

char *
app_pop3_warning(const struct account *acct)
{
	return sync_pop3_warning(acct);
}
