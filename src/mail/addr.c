/*
 * addr.c - address lists as display strings.
 *
 * libetpan parses the lists (groups, quoted names, comments) and hands
 * over display names still RFC 2047-encoded; they are decoded here and
 * joined as "Name <addr>, addr, Group: a, b;".
 */
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "mail/mail.h"

char *
addr_format(const char *name, const char *addr)
{
	struct mbuf	 b = { 0 };
	const char	*p;

	if (addr == NULL)
		addr = "";
	if (name == NULL || *name == '\0' || strcmp(name, addr) == 0)
		return xstrdup(addr);
	/* RFC 5322 specials outside a quoted string end a phrase. */
	if (strpbrk(name, "()<>[]:;@\\,.\"") != NULL) {
		mbuf_addc(&b, '"');
		for (p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				mbuf_addc(&b, '\\');
			mbuf_addc(&b, *p);
		}
		mbuf_addc(&b, '"');
	} else
		mbuf_adds(&b, name);
	if (*addr != '\0')
		mbuf_printf(&b, " <%s>", addr);
	return mbuf_finish(&b, NULL);
}

char *
addr_name_decode(const char *s, const char *hint)
{
	size_t	n;

	if (s == NULL)
		return xstrdup("");
	n = strlen(s);
	/* libetpan keeps the quotes of a quoted name holding encoded words
	 * ("\"=?UTF-8?Q?...?=\"", sometimes the opening one only). */
	if (strstr(s, "=?") != NULL) {
		if (n > 0 && s[0] == '"') {
			s++;
			n--;
		}
		if (n > 0 && s[n - 1] == '"')
			n--;
	}
	return rfc2047_decode_hint(s, n, hint);
}

static void
add_mailbox(struct mbuf *b, const struct mailimf_mailbox *mb,
    const char *hint)
{
	char	*name, *addr, *s;

	if (mb == NULL)
		return;
	name = addr_name_decode(mb->mb_display_name, hint);
	addr = addr_name_decode(mb->mb_addr_spec, hint);
	s = addr_format(name, addr);
	if (b->len > 0)
		mbuf_adds(b, ", ");
	mbuf_adds(b, s);
	free(s);
	free(name);
	free(addr);
}

static void
add_mailboxes(struct mbuf *b, const struct mailimf_mailbox_list *l,
    const char *hint)
{
	clistiter	*c;

	if (l == NULL || l->mb_list == NULL)
		return;
	for (c = clist_begin(l->mb_list); c != NULL; c = clist_next(c))
		add_mailbox(b, clist_content(c), hint);
}

char *
addr_list_display(const struct mailimf_address_list *l, const char *hint)
{
	struct mbuf			 b = { 0 }, g = { 0 };
	const struct mailimf_address	*a;
	clistiter			*c;
	char				*name, *members;

	if (l == NULL || l->ad_list == NULL)
		return mbuf_finish(&b, NULL);
	for (c = clist_begin(l->ad_list); c != NULL; c = clist_next(c)) {
		a = clist_content(c);
		if (a == NULL)
			continue;
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			add_mailbox(&b, a->ad_data.ad_mailbox, hint);
			continue;
		}
		if (a->ad_type != MAILIMF_ADDRESS_GROUP ||
		    a->ad_data.ad_group == NULL)
			continue;
		/* "Friends: a@x, b@y;" and "undisclosed-recipients:;" */
		name = addr_name_decode(a->ad_data.ad_group->grp_display_name,
		    hint);
		add_mailboxes(&g, a->ad_data.ad_group->grp_mb_list, hint);
		members = mbuf_finish(&g, NULL);
		if (b.len > 0)
			mbuf_adds(&b, ", ");
		mbuf_printf(&b, "%s:%s%s;", name, *members ? " " : "", members);
		free(members);
		free(name);
	}
	return mbuf_finish(&b, NULL);
}
