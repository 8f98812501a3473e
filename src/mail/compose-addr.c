/*
 * compose-addr.c - addresses of composing: parsing and checking what the
 * user typed, formatting them for headers, and the SMTP envelope of a
 * built message (every address checked; CR, LF, '<', '>' and spaces
 * refused, since libetpan writes them into the command line).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "mail/compose-int.h"
#include "util/i18n.h"

/* ---- addresses ------------------------------------------------------- */

static bool
is_atext(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

int
compose_addr_check(const char *addr, struct perr *err)
{
	const char	*at, *p, *label;
	size_t		 n, llen;

	if (addr == NULL || *addr == '\0')
		return perr_set(err, PERR_GENERIC, _("empty address"));
	if (strpbrk(addr, "\r\n") != NULL)
		return perr_set(err, PERR_GENERIC, _("'%s': contains a line "
		    "break"), addr);
	if (strpbrk(addr, "<>") != NULL)
		return perr_set(err, PERR_GENERIC, _("'%s': contains '<' or "
		    "'>'"), addr);
	n = strlen(addr);
	if (!compose_all_ascii(addr, n))
		return perr_set(err, PERR_GENERIC, _("'%s': non-ASCII "
		    "characters in an address need SMTPUTF8, which posta "
		    "cannot send"), addr);
	for (p = addr; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7F)
			return perr_set(err, PERR_GENERIC, _("'%s': contains a "
			    "space or a control character"), addr);
	if ((at = strrchr(addr, '@')) == NULL)
		return perr_set(err, PERR_GENERIC, _("'%s': missing '@domain'"),
		    addr);
	llen = (size_t)(at - addr);
	if (llen == 0)
		return perr_set(err, PERR_GENERIC, _("'%s': nothing before '@'"),
		    addr);
	if (llen > 64)
		return perr_set(err, PERR_GENERIC, _("'%s': the part before "
		    "'@' is longer than 64 characters"), addr);
	if (n > 254)
		return perr_set(err, PERR_GENERIC, _("'%s': longer than 254 "
		    "characters"), addr);
	if (addr[0] == '"') {
		if (llen < 2 || at[-1] != '"')
			return perr_set(err, PERR_GENERIC, _("'%s': unbalanced "
			    "quotes before '@'"), addr);
	} else {
		if (addr[0] == '.' || at[-1] == '.')
			return perr_set(err, PERR_GENERIC, _("'%s': the part "
			    "before '@' may not start or end with '.'"), addr);
		for (p = addr; p < at; p++) {
			if (*p == '.' && p[1] == '.')
				return perr_set(err, PERR_GENERIC, _("'%s': "
				    "'..' before '@'"), addr);
			if (*p != '.' && !is_atext((unsigned char)*p))
				return perr_set(err, PERR_GENERIC, _("'%s': "
				    "'%c' is not allowed before '@' (unless "
				    "quoted)"), addr, *p);
		}
	}
	p = at + 1;
	if (*p == '\0')
		return perr_set(err, PERR_GENERIC, _("'%s': missing the domain "
		    "after '@'"), addr);
	if (*p == '[') {
		if (p[strlen(p) - 1] != ']' || strlen(p) < 3)
			return perr_set(err, PERR_GENERIC, _("'%s': "
			    "unterminated address literal"), addr);
		return 0;
	}
	if (strlen(p) > 253)
		return perr_set(err, PERR_GENERIC, _("'%s': domain too long"),
		    addr);
	for (label = p; ; p++) {
		if (*p == '.' || *p == '\0') {
			size_t l = (size_t)(p - label);

			if (l == 0)
				return perr_set(err, PERR_GENERIC, _("'%s': "
				    "empty label in the domain"), addr);
			if (l > 63)
				return perr_set(err, PERR_GENERIC, _("'%s': a "
				    "domain label is longer than 63 characters"),
				    addr);
			if (label[0] == '-' || p[-1] == '-')
				return perr_set(err, PERR_GENERIC, _("'%s': a "
				    "domain label may not start or end with "
				    "'-'"), addr);
			if (*p == '\0')
				break;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-')
			return perr_set(err, PERR_GENERIC, _("'%s': '%c' is "
			    "not allowed in a domain"), addr, *p);
	}
	return 0;
}

void
compose_addrs_free(struct compose_addrs *a)
{
	size_t	i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].addr);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

void
compose_addrs_add(struct compose_addrs *a, const char *name, const char *addr)
{
	a->v = xreallocarray(a->v, a->n + 1, sizeof *a->v);
	a->v[a->n].name = name != NULL && *name != '\0' ? xstrdup(name) : NULL;
	a->v[a->n].addr = xstrdup(addr);
	a->n++;
}

bool
compose_addrs_has(const struct compose_addrs *a, const char *addr)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		if (strcasecmp(a->v[i].addr, addr) == 0)
			return true;
	return false;
}

/* A quoted display name without its quotes and backslashes. */
static char *
unquote(const char *s, size_t n)
{
	struct mbuf	b = { 0 };
	size_t		i;

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		mbuf_addc(&b, s[i]);
	}
	return mbuf_finish(&b, NULL);
}

/*
 * One item of a list ("Name <a@b>", "<a@b>", "a@b"): into *name (may stay
 * NULL) and *addr, both malloc'd. -1 with err when it is not an address.
 */
static int
parse_item(const char *s, size_t n, char **name, char **addr,
    struct perr *err)
{
	const char	*lt = NULL, *gt = NULL;
	char		*item, *t;
	size_t		 i;
	bool		 q = false;

	*name = *addr = NULL;
	item = compose_trim_dup(s, n);
	for (i = 0; item[i] != '\0'; i++) {
		if (item[i] == '\\' && q && item[i + 1] != '\0') {
			i++;
			continue;
		}
		if (item[i] == '"')
			q = !q;
		else if (!q && item[i] == '<' && lt == NULL)
			lt = item + i;
		else if (!q && item[i] == '>' && lt != NULL && gt == NULL)
			gt = item + i;
		else if (!q && item[i] == ':' && lt == NULL) {
			perr_set(err, PERR_GENERIC, _("'%s': address groups "
			    "(\"name: a, b;\") are not supported"), item);
			free(item);
			return -1;
		}
	}
	if (q) {
		perr_set(err, PERR_GENERIC, _("'%s': unbalanced quotes"), item);
		free(item);
		return -1;
	}
	if (lt != NULL) {
		if (gt == NULL) {
			perr_set(err, PERR_GENERIC, _("'%s': missing '>'"), item);
			free(item);
			return -1;
		}
		if (!compose_is_blank(gt + 1)) {
			perr_set(err, PERR_GENERIC, _("'%s': text after '>'"),
			    item);
			free(item);
			return -1;
		}
		t = compose_trim_dup(item, (size_t)(lt - item));
		*name = unquote(t, strlen(t));
		free(t);
		*addr = compose_trim_dup(lt + 1, (size_t)(gt - lt - 1));
	} else if (strchr(item, '>') != NULL) {
		perr_set(err, PERR_GENERIC, _("'%s': '>' without '<'"), item);
		free(item);
		return -1;
	} else {
		if (strpbrk(item, " \t\"") != NULL) {
			perr_set(err, PERR_GENERIC, _("'%s' is not an address "
			    "(write: Name <user@domain>)"), item);
			free(item);
			return -1;
		}
		*addr = xstrdup(item);
	}
	free(item);
	if (compose_addr_check(*addr, err) != 0) {
		free(*name);
		free(*addr);
		*name = *addr = NULL;
		return -1;
	}
	if (*name != NULL) {
		t = compose_header_text(*name);
		free(*name);
		*name = t;
	}
	return 0;
}

/*
 * Split text at commas (and semicolons) outside quotes and angle brackets
 * and parse each item. lenient: skip what is not an address (lists taken
 * from a received message) instead of failing.
 */
int
compose_parse_list(const char *text, bool lenient, struct compose_addrs *out,
    struct perr *err)
{
	const char	*s, *start;
	char		*name, *addr;
	bool		 q = false, angle = false;

	if (text == NULL)
		return 0;
	for (s = start = text; ; s++) {
		if (*s == '\\' && q && s[1] != '\0') {
			s++;
			continue;
		}
		if (*s == '"' && !angle)
			q = !q;
		else if (*s == '<' && !q)
			angle = true;
		else if (*s == '>' && !q)
			angle = false;
		if (*s == '\0' || ((*s == ',' || *s == ';') && !q && !angle)) {
			if (!compose_is_blank_n(start, (size_t)(s - start))) {
				if (parse_item(start, (size_t)(s - start),
				    &name, &addr, err) != 0) {
					if (!lenient)
						return -1;
				} else {
					if (!compose_addrs_has(out, addr))
						compose_addrs_add(out, name,
						    addr);
					free(name);
					free(addr);
				}
			}
			if (*s == '\0')
				break;
			start = s + 1;
		}
	}
	return 0;
}

int
compose_parse_addresses(const char *text, struct compose_addrs *out,
    struct perr *err)
{
	return compose_parse_list(text, false, out, err);
}

char *
compose_addrs_format(const struct compose_addrs *a)
{
	struct mbuf	 b = { 0 };
	char		*s;
	size_t		 i;

	for (i = 0; i < a->n; i++) {
		s = addr_format(a->v[i].name, a->v[i].addr);
		if (i > 0)
			mbuf_adds(&b, ", ");
		mbuf_adds(&b, s);
		free(s);
	}
	return mbuf_finish(&b, NULL);
}

/* ---- the envelope of a built message --------------------------------- */

void
compose_envelope_free(struct compose_envelope *e)
{
	if (e == NULL)
		return;
	free(e->from);
	compose_strv_free(e->rcpt, e->nrcpt);
	memset(e, 0, sizeof *e);
}

/* Where the header ends: the offset of the empty line's first byte. */
static size_t
header_end(const char *s, size_t n, size_t *body)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		if (i + 1 < n && s[i + 1] == '\n') {
			*body = i + 2;
			return i + 1;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			*body = i + 3;
			return i + 1;
		}
	}
	*body = n;
	return n;
}

static int
env_add(struct compose_envelope *e, const char *addr, struct perr *err)
{
	size_t	i;

	if (compose_addr_check(addr, err) != 0)
		return -1;
	for (i = 0; i < e->nrcpt; i++)
		if (strcasecmp(e->rcpt[i], addr) == 0)
			return 0;
	compose_strv_add(&e->rcpt, &e->nrcpt, xstrdup(addr));
	return 0;
}

static int
env_mailboxes(struct compose_envelope *e, const struct mailimf_mailbox_list *l,
    struct perr *err)
{
	clistiter	*c;

	if (l == NULL || l->mb_list == NULL)
		return 0;
	for (c = clist_begin(l->mb_list); c != NULL; c = clist_next(c)) {
		const struct mailimf_mailbox *mb = clist_content(c);

		if (mb != NULL && env_add(e, mb->mb_addr_spec, err) != 0)
			return -1;
	}
	return 0;
}

static int
env_addresses(struct compose_envelope *e,
    const struct mailimf_address_list *l, struct perr *err)
{
	clistiter	*c;

	if (l == NULL || l->ad_list == NULL)
		return 0;
	for (c = clist_begin(l->ad_list); c != NULL; c = clist_next(c)) {
		const struct mailimf_address *a = clist_content(c);

		if (a == NULL)
			continue;
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			if (env_add(e, a->ad_data.ad_mailbox->mb_addr_spec,
			    err) != 0)
				return -1;
		} else if (a->ad_data.ad_group != NULL &&
		    env_mailboxes(e, a->ad_data.ad_group->grp_mb_list, err) != 0)
			return -1;
	}
	return 0;
}

/*
 * The length of the Resent-* block a message starts with (RFC 5322
 * 3.6.6: a bounce prepends one), 0 when it starts with another field.
 * Each block has exactly one Resent-Date, so a second one starts an
 * earlier bounce's block, whose recipients are not this one's.
 */
static size_t
resent_block(const char *raw, size_t hlen)
{
	const char	*nl;
	size_t		 i, eol;
	bool		 dated = false;

	for (i = 0; i < hlen; i = eol) {
		nl = memchr(raw + i, '\n', hlen - i);
		eol = nl != NULL ? (size_t)(nl - raw) + 1 : hlen;
		if (raw[i] == ' ' || raw[i] == '\t') {
			if (i == 0)
				return 0;
			continue;
		}
		if (eol - i < 7 || strncasecmp(raw + i, "Resent-", 7) != 0)
			break;
		if (eol - i >= 12 && strncasecmp(raw + i, "Resent-Date:",
		    12) == 0) {
			if (dated)
				break;
			dated = true;
		}
	}
	return i;
}

/* The sender from a From (a bounce: Resent-From) mailbox list. */
static int
env_from(struct compose_envelope *e, const struct mailimf_mailbox_list *l,
    const char *label, struct perr *err)
{
	const struct mailimf_mailbox	*mb;

	if (e->from != NULL || l == NULL || clist_begin(l->mb_list) == NULL)
		return 0;
	mb = clist_content(clist_begin(l->mb_list));
	if (compose_addr_check(mb->mb_addr_spec, err) != 0) {
		perr_prefix(err, "%s", label);
		return -1;
	}
	e->from = xstrdup(mb->mb_addr_spec);
	return 0;
}

static int
env_list(struct compose_envelope *e, const struct mailimf_address_list *l,
    const char *label, struct perr *err)
{
	if (env_addresses(e, l, err) == 0)
		return 0;
	perr_prefix(err, "%s", label);
	return -1;
}

/* One header field into the envelope: the plain or the Resent- ones. */
static int
env_field(struct compose_envelope *e, const struct mailimf_field *fl,
    bool resent, struct perr *err)
{
	switch (resent ? -fl->fld_type : fl->fld_type) {
	case MAILIMF_FIELD_FROM:
		return env_from(e, fl->fld_data.fld_from->frm_mb_list, "From",
		    err);
	case MAILIMF_FIELD_TO:
		return env_list(e, fl->fld_data.fld_to->to_addr_list, "To",
		    err);
	case MAILIMF_FIELD_CC:
		return env_list(e, fl->fld_data.fld_cc->cc_addr_list, "Cc",
		    err);
	case MAILIMF_FIELD_BCC:
		return env_list(e, fl->fld_data.fld_bcc->bcc_addr_list, "Bcc",
		    err);
	case -MAILIMF_FIELD_RESENT_FROM:
		return env_from(e, fl->fld_data.fld_resent_from->frm_mb_list,
		    "Resent-From", err);
	case -MAILIMF_FIELD_RESENT_TO:
		return env_list(e, fl->fld_data.fld_resent_to->to_addr_list,
		    "Resent-To", err);
	case -MAILIMF_FIELD_RESENT_CC:
		return env_list(e, fl->fld_data.fld_resent_cc->cc_addr_list,
		    "Resent-Cc", err);
	case -MAILIMF_FIELD_RESENT_BCC:
		return env_list(e, fl->fld_data.fld_resent_bcc->bcc_addr_list,
		    "Resent-Bcc", err);
	default:
		return 0;
	}
}

/* A list as header text: names RFC 2047-encoded. Malloc'd. */
static char *
imf_header_addrs(const struct compose_addrs *a)
{
	struct mbuf	 b = { 0 };
	char		*name;
	size_t		 i;

	for (i = 0; i < a->n; i++) {
		if (i > 0)
			mbuf_adds(&b, ", ");
		if (a->v[i].name == NULL) {
			mbuf_adds(&b, a->v[i].addr);
			continue;
		}
		name = rfc2047_encode(a->v[i].name, true);
		mbuf_printf(&b, "%s <%s>", name, a->v[i].addr);
		free(name);
	}
	return mbuf_finish(&b, NULL);
}

static const char *const wday_names[7] = { "Sun", "Mon", "Tue", "Wed",
    "Thu", "Fri", "Sat" };
static const char *const month_names[12] = { "Jan", "Feb", "Mar", "Apr",
    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

int
compose_bounce(const char *raw, size_t len, const char *from,
    const char *to, int64_t date, const char *message_id, char **out,
    size_t *outlen, struct perr *err)
{
	struct compose_addrs	 a = { 0 };
	struct mbuf		 b = { 0 };
	struct tm		 tm;
	time_t			 t = (time_t)date;
	char			*fromf, *tof;

	*out = NULL;
	*outlen = 0;
	if (raw == NULL)
		return perr_set(err, PERR_GENERIC, _("no message to bounce"));
	if (compose_parse_list(from, false, &a, err) != 0) {
		perr_prefix(err, "Resent-From");
		compose_addrs_free(&a);
		return -1;
	}
	if (a.n != 1) {
		compose_addrs_free(&a);
		return perr_set(err, PERR_GENERIC, _("Resent-From: exactly one "
		    "address expected"));
	}
	fromf = imf_header_addrs(&a);
	compose_addrs_free(&a);
	if (compose_parse_list(to, false, &a, err) != 0) {
		perr_prefix(err, "Resent-To");
		compose_addrs_free(&a);
		free(fromf);
		return -1;
	}
	if (a.n == 0) {
		free(fromf);
		return perr_set(err, PERR_GENERIC, _("Resent-To: no address to "
		    "bounce the message to"));
	}
	tof = imf_header_addrs(&a);
	compose_addrs_free(&a);
	(void)gmtime_r(&t, &tm);
	mbuf_printf(&b, "Resent-Date: %s, %d %s %04d %02d:%02d:%02d +0000\r\n"
	    "Resent-From: %s\r\nResent-To: %s\r\n"
	    "Resent-Message-ID: <%s>\r\n", wday_names[tm.tm_wday % 7],
	    tm.tm_mday, month_names[tm.tm_mon % 12], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, fromf, tof, message_id);
	/* The original follows untouched, byte for byte. */
	mbuf_add(&b, raw, len);
	*out = mbuf_finish(&b, outlen);
	free(fromf);
	free(tof);
	return 0;
}

int
compose_envelope(const char *raw, size_t len, struct compose_envelope *e,
    char **out, size_t *outlen, struct perr *err)
{
	struct mailimf_fields	*f = NULL;
	struct mbuf		 b = { 0 };
	clistiter		*c;
	char			*hdr;
	size_t			 hlen, body, idx = 0, i, eol, rb;
	bool			 skip = false;
	int			 rc = -1;

	memset(e, 0, sizeof *e);
	*out = NULL;
	*outlen = 0;
	if (raw == NULL)
		return perr_set(err, PERR_GENERIC, _("no message"));
	hlen = header_end(raw, len, &body);
	/* A bounce: only its Resent-* block is ours to read and change. */
	if ((rb = resent_block(raw, hlen)) > 0)
		hlen = rb;
	hdr = xstrndup(raw, hlen);
	if (mailimf_fields_parse(hdr, hlen, &idx, &f) != MAILIMF_NO_ERROR) {
		free(hdr);
		return perr_set(err, PERR_GENERIC, _("the message's header "
		    "cannot be parsed"));
	}
	for (c = clist_begin(f->fld_list); c != NULL; c = clist_next(c))
		if (env_field(e, clist_content(c), rb > 0, err) != 0)
			goto out;
	if (e->from == NULL) {
		perr_set(err, PERR_GENERIC, _("the message has no From address"));
		goto out;
	}
	if (e->nrcpt == 0) {
		perr_set(err, PERR_GENERIC, _("the message has no recipients"));
		goto out;
	}
	/* The header without Bcc (a bounce: Resent-Bcc) and its
	 * continuation lines. */
	for (i = 0; i < hlen; i = eol) {
		const char *nl = memchr(raw + i, '\n', hlen - i);
		const char *bcc = rb > 0 ? "Resent-Bcc:" : "Bcc:";

		eol = nl != NULL ? (size_t)(nl - raw) + 1 : hlen;
		if (raw[i] != ' ' && raw[i] != '\t')
			skip = eol - i >= strlen(bcc) &&
			    strncasecmp(raw + i, bcc, strlen(bcc)) == 0;
		if (!skip)
			mbuf_add(&b, raw + i, eol - i);
	}
	mbuf_add(&b, raw + hlen, len - hlen);
	*out = mbuf_finish(&b, outlen);
	rc = 0;
out:
	if (rc != 0)
		compose_envelope_free(e);
	mailimf_fields_free(f);
	free(hdr);
	return rc;
}
