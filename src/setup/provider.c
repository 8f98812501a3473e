/*
 * provider.c - the built-in table of common providers.
 *
 * Each entry says where its values come from: the provider's own page
 * where one is public, and Thunderbird's ISPDB
 * (https://github.com/thunderbird/autoconfig/tree/master/ispdb), which
 * collects the same data. Every entry is probed before use anyway, so a
 * provider that moves its servers is noticed, never trusted blindly.
 * Hosted providers (a customer's own domain) are matched by the domain's
 * MX host; their host names may contain %d, the user's domain.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "setup/setup.h"

struct ep {
	const char	*host;		/* NULL: end / not offered */
	int		 port;
	enum tls_mode	 tls;
};

struct provider {
	const char	*name;
	const char	*domains;	/* space-separated, lower case */
	const char	*mx;		/* MX host suffixes, or NULL */
	bool		 local_user;	/* login is the local part */
	struct ep	 imap[2], pop3[2], smtp[2];
};

#define I	TLSM_IMPLICIT
#define S	TLSM_STARTTLS

static const struct provider providers[] = {
	/* https://support.google.com/mail/answer/7126229; ISPDB googlemail.com.xml */
	{ "Gmail", "gmail.com googlemail.com", "google.com googlemail.com",
	  false, { { "imap.gmail.com", 993, I } }, { { "pop.gmail.com", 995, I } },
	  { { "smtp.gmail.com", 465, I }, { "smtp.gmail.com", 587, S } } },
	/* https://support.microsoft.com/office/d088b986-291d-42b8-9564-9c414e2aa040; ISPDB hotmail.com.xml */
	{ "Outlook.com", "outlook.com hotmail.com live.com msn.com "
	  "windowslive.com outlook.it hotmail.it live.it hotmail.co.uk "
	  "hotmail.de hotmail.fr outlook.de outlook.fr outlook.es",
	  "protection.outlook.com", false,
	  { { "outlook.office365.com", 993, I } },
	  { { "outlook.office365.com", 995, I } },
	  { { "smtp-mail.outlook.com", 587, S } } },
	/* https://help.yahoo.com/kb/SLN4075.html; ISPDB yahoo.com.xml */
	{ "Yahoo Mail", "yahoo.com yahoo.it yahoo.co.uk yahoo.de yahoo.fr "
	  "yahoo.es ymail.com rocketmail.com", "yahoodns.net", false,
	  { { "imap.mail.yahoo.com", 993, I } },
	  { { "pop.mail.yahoo.com", 995, I } },
	  { { "smtp.mail.yahoo.com", 465, I } } },
	/* https://support.apple.com/HT202304; ISPDB me.com.xml (no POP3) */
	{ "iCloud Mail", "icloud.com me.com mac.com", NULL, false,
	  { { "imap.mail.me.com", 993, I } }, { { NULL, 0, I } },
	  { { "smtp.mail.me.com", 587, S } } },
	/* https://help.aol.com/articles/how-do-i-use-other-email-applications-to-send-and-receive-my-aol-mail; ISPDB aol.com.xml */
	{ "AOL Mail", "aol.com aim.com aol.it aol.de aol.fr aol.co.uk", NULL,
	  false, { { "imap.aol.com", 993, I } }, { { "pop.aol.com", 995, I } },
	  { { "smtp.aol.com", 465, I } } },
	/* https://support.gmx.com/pop-imap/imap/server.html; ISPDB gmx.com.xml */
	{ "GMX", "gmx.com gmx.us gmx.co.uk gmx.fr gmx.es gmx.it", NULL, false,
	  { { "imap.gmx.com", 993, I } }, { { "pop.gmx.com", 995, I } },
	  { { "mail.gmx.com", 465, I }, { "mail.gmx.com", 587, S } } },
	/* https://hilfe.gmx.net/pop-imap/imap/imap-serverdaten.html; ISPDB gmx.net.xml */
	{ "GMX", "gmx.net gmx.de gmx.at gmx.ch", NULL, false,
	  { { "imap.gmx.net", 993, I } }, { { "pop.gmx.net", 995, I } },
	  { { "mail.gmx.net", 465, I }, { "mail.gmx.net", 587, S } } },
	/* https://hilfe.web.de/pop-imap/imap/imap-serverdaten.html; ISPDB web.de.xml */
	{ "WEB.DE", "web.de", NULL, true,
	  { { "imap.web.de", 993, I } }, { { "pop3.web.de", 995, I } },
	  { { "smtp.web.de", 465, I }, { "smtp.web.de", 587, S } } },
	/* https://support.mail.com/pop-imap/imap/server.html; ISPDB mail.com.xml */
	{ "mail.com", "mail.com email.com post.com usa.com", NULL, false,
	  { { "imap.mail.com", 993, I } }, { { "pop.mail.com", 995, I } },
	  { { "smtp.mail.com", 465, I }, { "smtp.mail.com", 587, S } } },
	/* https://yandex.com/support/mail/mail-clients/others.html; ISPDB yandex.ru.xml */
	{ "Yandex Mail", "yandex.com yandex.ru ya.ru yandex.by yandex.kz",
	  "yandex.net", false,
	  { { "imap.yandex.com", 993, I } }, { { "pop.yandex.com", 995, I } },
	  { { "smtp.yandex.com", 465, I } } },
	/* https://help.mail.ru/mail/mailer/popsmtp; ISPDB mail.ru.xml */
	{ "Mail.ru", "mail.ru inbox.ru list.ru bk.ru", NULL, false,
	  { { "imap.mail.ru", 993, I } }, { { "pop.mail.ru", 995, I } },
	  { { "smtp.mail.ru", 465, I } } },
	/* https://www.zoho.com/mail/help/imap-access.html; ISPDB zoho.com.xml */
	{ "Zoho Mail", "zoho.com zohomail.com", "zoho.com", false,
	  { { "imap.zoho.com", 993, I } }, { { "pop.zoho.com", 995, I } },
	  { { "smtp.zoho.com", 465, I }, { "smtp.zoho.com", 587, S } } },
	/* https://www.fastmail.help/hc/en-us/articles/1500000278342; ISPDB messagingengine.com.xml */
	{ "Fastmail", "fastmail.com fastmail.fm", "messagingengine.com", false,
	  { { "imap.fastmail.com", 993, I } }, { { "pop.fastmail.com", 995, I } },
	  { { "smtp.fastmail.com", 465, I } } },

	/* Italy. */
	/* http://aiuto.libero.it/articolo/mail/parametri-di-configurazione-per-il-client-di-posta/; ISPDB libero.it.xml */
	{ "Libero Mail", "libero.it iol.it blu.it inwind.it giallo.it", NULL,
	  false, { { "imapmail.libero.it", 993, I } },
	  { { "popmail.libero.it", 995, I } }, { { "smtp.libero.it", 465, I } } },
	/* https://aiuto.virgilio.it/articolo/mail/configurare-virgilio-mail-con-client-di-posta-imap-e-smtp/; ISPDB virgilio.it.xml */
	{ "Virgilio Mail", "virgilio.it", NULL, false,
	  { { "in.virgilio.it", 993, I } }, { { "in.virgilio.it", 995, I } },
	  { { "out.virgilio.it", 465, I } } },
	/* https://www.tim.it/assistenza/assistenza-tecnica/mail/configurazione/protocolli-posta; ISPDB tim.it.xml */
	{ "TIM Mail", "tim.it", NULL, false,
	  { { "imap.tim.it", 993, I }, { "imap.tim.it", 143, S } },
	  { { "pop.tim.it", 995, I }, { "pop.tim.it", 110, S } },
	  { { "smtp.tim.it", 465, I }, { "smtp.tim.it", 587, S } } },
	/* same TIM page; ISPDB alice.it.xml */
	{ "TIM Mail (Alice)", "alice.it tin.it", NULL, false,
	  { { "in.alice.it", 993, I }, { "in.alice.it", 143, S } },
	  { { "in.alice.it", 995, I }, { "in.alice.it", 110, S } },
	  { { "out.alice.it", 465, I }, { "out.alice.it", 587, S } } },
	/* https://assistenza.tiscali.it/servizi/guida/posta-elettronica/; ISPDB tiscali.it.xml */
	{ "Tiscali Mail", "tiscali.it", NULL, false,
	  { { "imap.tiscali.it", 993, I } }, { { "pop.tiscali.it", 995, I } },
	  { { "smtp.tiscali.it", 465, I } } },
	/*
	 * Aruba hosted mail (the customer's own domain, MX at aruba.it):
	 * https://guide.hosting.aruba.it/email/configurazione-email-pc-dispositivi-mobili/configurazione-casella-dominio-pc-mac-pop.aspx
	 */
	{ "Aruba Mail", "aruba.it", "aruba.it", false,
	  { { "imaps.aruba.it", 993, I } }, { { "pop3s.aruba.it", 995, I } },
	  { { "smtps.aruba.it", 465, I } } },
	/*
	 * Register.it hosted mail (the customer's domain, MX at
	 * register.it): outgoing is authsmtp.DOMAIN per
	 * http://we.register.it/email/terms_conditions_eplus.html; the
	 * incoming names are the usual ones, confirmed only by the probe.
	 */
	{ "Register.it", "register.it", "register.it", false,
	  { { "mail.%d", 993, I }, { "mail.%d", 143, S } },
	  { { "mail.%d", 995, I }, { "mail.%d", 110, S } },
	  { { "authsmtp.%d", 465, I }, { "authsmtp.%d", 587, S } } },
	/*
	 * Aruba PEC: https://guide.pec.it/posta-pec/configurare-casella-pec/
	 * (ISPDB arubapec.it.xml lists POP3 on 993, which is IMAP's port:
	 * 995 is the provider's).
	 */
	{ "Aruba PEC", "pec.it arubapec.it mypec.eu gigapec.it ingpec.eu", NULL,
	  false, { { "imaps.pec.aruba.it", 993, I } },
	  { { "pop3s.pec.aruba.it", 995, I } },
	  { { "smtps.pec.aruba.it", 465, I } } },
	/*
	 * Legalmail PEC (InfoCert): https://help.infocert.it/home/elencofaq/legalmail-client
	 * and https://www.legalmail.it/documentazione/ (MX mx.cert.legalmail.it
	 * for certified customer domains).
	 */
	{ "Legalmail PEC", "legalmail.it", "legalmail.it", false,
	  { { "mbox.cert.legalmail.it", 993, I } },
	  { { "mbox.cert.legalmail.it", 995, I } },
	  { { "sendm.cert.legalmail.it", 465, I } } },
};

#undef I
#undef S

/* Is word one of the space-separated words of list? */
static bool
word_in(const char *list, const char *word)
{
	size_t	n = strlen(word), w;

	while (*list != '\0') {
		w = strcspn(list, " ");
		if (w == n && strncasecmp(list, word, n) == 0)
			return true;
		list += w;
		list += strspn(list, " ");
	}
	return false;
}

/* Does host end in one of the suffixes (whole labels)? */
static bool
suffix_in(const char *list, const char *host)
{
	size_t	hn = strlen(host), w;

	while (hn > 0 && host[hn - 1] == '.')
		hn--;
	while (*list != '\0') {
		w = strcspn(list, " ");
		if (hn >= w && strncasecmp(host + hn - w, list, w) == 0 &&
		    (hn == w || host[hn - w - 1] == '.'))
			return true;
		list += w;
		list += strspn(list, " ");
	}
	return false;
}

static void
add_eps(const struct ep *eps, enum setup_svc svc, const char *domain,
    bool local_user, struct setup_servers *out)
{
	struct setup_server	s;
	const char		*pct;
	size_t			i;

	for (i = 0; i < 2 && eps[i].host != NULL; i++) {
		memset(&s, 0, sizeof s);
		s.svc = svc;
		if ((pct = strstr(eps[i].host, "%d")) != NULL)
			snprintf(s.host, sizeof s.host, "%.*s%s",
			    (int)(pct - eps[i].host), eps[i].host, domain);
		else
			snprintf(s.host, sizeof s.host, "%s", eps[i].host);
		s.port = eps[i].port;
		s.tls = eps[i].tls;
		if (local_user)
			snprintf(s.user, sizeof s.user, "%%LOCAL%%");
		s.source = SETUP_SRC_TABLE;
		setup_servers_add(out, &s);
	}
}

const char *
setup_provider_find(const char *domain, const char *mx,
    struct setup_servers *out)
{
	const struct provider	*p = NULL;
	char			 host[256];
	size_t			 i, w;

	for (i = 0; i < sizeof providers / sizeof providers[0]; i++)
		if (word_in(providers[i].domains, domain)) {
			p = &providers[i];
			break;
		}
	for (; p == NULL && mx != NULL && *mx != '\0'; mx += w) {
		mx += strspn(mx, " ");
		w = strcspn(mx, " ");
		snprintf(host, sizeof host, "%.*s", (int)w, mx);
		for (i = 0; i < sizeof providers / sizeof providers[0]; i++)
			if (providers[i].mx != NULL && *host != '\0' &&
			    suffix_in(providers[i].mx, host)) {
				p = &providers[i];
				break;
			}
	}
	if (p == NULL)
		return NULL;
	add_eps(p->imap, SETUP_IMAP, domain, p->local_user, out);
	add_eps(p->pop3, SETUP_POP3, domain, p->local_user, out);
	add_eps(p->smtp, SETUP_SMTP, domain, p->local_user, out);
	return p->name;
}

/*
 * The providers that refuse passwords, and their oauth2_provider preset.
 * Microsoft: https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/deprecation-of-basic-authentication-exchange-online
 * (basic authentication is off for Outlook.com and Microsoft 365, which
 * the Outlook.com entry covers through its MX suffix).
 * Google: https://support.google.com/accounts/answer/6010255 (passwords
 * only as app passwords, behind 2-Step Verification).
 */
static const struct {
	const char	*provider;
	const char	*oauth2;
} oauth2_needed[] = {
	{ "Gmail", "google" },
	{ "Outlook.com", "microsoft" },
};

const char *
setup_provider_oauth2(const char *host)
{
	const struct provider	*p;
	size_t			 i, k, j;

	for (i = 0; i < sizeof providers / sizeof providers[0]; i++) {
		p = &providers[i];
		for (k = 0; k < sizeof oauth2_needed / sizeof oauth2_needed[0];
		    k++) {
			if (strcmp(p->name, oauth2_needed[k].provider) != 0)
				continue;
			for (j = 0; j < 2; j++)
				if ((p->imap[j].host != NULL &&
				    strcasecmp(p->imap[j].host, host) == 0) ||
				    (p->pop3[j].host != NULL &&
				    strcasecmp(p->pop3[j].host, host) == 0))
					return oauth2_needed[k].oauth2;
		}
	}
	return NULL;
}
