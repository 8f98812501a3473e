/*
 * special.c - folder names: which folder is Sent, Drafts, Trash, Junk,
 * Archive, and the name shown for a server's name (and back).
 *
 * The server's word comes first (RFC 6154 attributes, or Gmail's XLIST
 * names, which src/net turns into the same bits); names are the fallback
 * for servers that say nothing, and sync/drv-imap-folders.c only uses them for a use
 * no attribute has claimed. The names are the ones common clients create,
 * in English and Italian.
 *
 * Names shown drop the personal namespace prefix ("INBOX." on Courier and
 * Cyrus) and keep the server's separator, so that one name maps to one
 * server name both ways without knowing more than the prefix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail.h"
#include "net/net.h"
#include "sync/sync.h"

enum store_special
sync_special_from_attrs(unsigned attrs)
{
	/* One use per folder: the rarer, more specific attribute wins. */
	if (attrs & IMAP_MBX_INBOX)
		return STORE_SPECIAL_INBOX;
	if (attrs & IMAP_MBX_SENT)
		return STORE_SPECIAL_SENT;
	if (attrs & IMAP_MBX_DRAFTS)
		return STORE_SPECIAL_DRAFTS;
	if (attrs & IMAP_MBX_TRASH)
		return STORE_SPECIAL_TRASH;
	if (attrs & IMAP_MBX_JUNK)
		return STORE_SPECIAL_JUNK;
	if (attrs & IMAP_MBX_ARCHIVE)
		return STORE_SPECIAL_ARCHIVE;
	if (attrs & IMAP_MBX_ALL)
		return STORE_SPECIAL_ALL;
	if (attrs & IMAP_MBX_FLAGGED)
		return STORE_SPECIAL_FLAGGED;
	return STORE_SPECIAL_NONE;
}

static const struct {
	const char		*name;
	enum store_special	 use;
} special_names[] = {
	{ "Sent", STORE_SPECIAL_SENT },
	{ "Sent Items", STORE_SPECIAL_SENT },
	{ "Sent Messages", STORE_SPECIAL_SENT },
	{ "Sent Mail", STORE_SPECIAL_SENT },
	{ "Posta inviata", STORE_SPECIAL_SENT },
	{ "Inviata", STORE_SPECIAL_SENT },
	{ "Inviati", STORE_SPECIAL_SENT },
	{ "Elementi inviati", STORE_SPECIAL_SENT },
	{ "Drafts", STORE_SPECIAL_DRAFTS },
	{ "Draft", STORE_SPECIAL_DRAFTS },
	{ "Bozze", STORE_SPECIAL_DRAFTS },
	{ "Trash", STORE_SPECIAL_TRASH },
	{ "Deleted Items", STORE_SPECIAL_TRASH },
	{ "Deleted Messages", STORE_SPECIAL_TRASH },
	{ "Bin", STORE_SPECIAL_TRASH },
	{ "Cestino", STORE_SPECIAL_TRASH },
	{ "Posta eliminata", STORE_SPECIAL_TRASH },
	{ "Elementi eliminati", STORE_SPECIAL_TRASH },
	{ "Junk", STORE_SPECIAL_JUNK },
	{ "Junk E-mail", STORE_SPECIAL_JUNK },
	{ "Junk Email", STORE_SPECIAL_JUNK },
	{ "Spam", STORE_SPECIAL_JUNK },
	{ "Posta indesiderata", STORE_SPECIAL_JUNK },
	{ "Archive", STORE_SPECIAL_ARCHIVE },
	{ "Archives", STORE_SPECIAL_ARCHIVE },
	{ "Archivio", STORE_SPECIAL_ARCHIVE },
};

/* If s starts with p (p non-empty; case-insensitive when fold), skip it. */
static const char *
skip(const char *s, const char *p, bool fold)
{
	size_t	n = strlen(p);

	if (n == 0)
		return s;
	if ((fold ? strncasecmp(s, p, n) : strncmp(s, p, n)) == 0)
		return s + n;
	return NULL;
}

/* What follows the namespace prefix in name; NULL: not under it. */
static const char *
under_prefix(const char *name, const char *prefix)
{
	if (prefix == NULL || *prefix == '\0')
		return NULL;
	/* INBOX is case-insensitive (RFC 3501 5.1), so is a prefix on it. */
	return skip(name, prefix, strncasecmp(prefix, "INBOX", 5) == 0);
}

enum store_special
sync_special_from_name(const char *name, const char *prefix, char delim)
{
	const char	*leaf, *p;
	char		 inbox[8];
	size_t		 i;

	if (name == NULL || *name == '\0')
		return STORE_SPECIAL_NONE;
	if (strcasecmp(name, "INBOX") == 0)
		return STORE_SPECIAL_INBOX;
	leaf = name;
	/* "INBOX.Sent" under a personal namespace "INBOX." (Courier, Cyrus). */
	if ((p = under_prefix(name, prefix)) != NULL)
		leaf = p;
	else if (delim != '\0') {
		/* Servers that nest folders under INBOX without saying so. */
		snprintf(inbox, sizeof inbox, "INBOX%c", delim);
		if ((p = skip(name, inbox, true)) != NULL)
			leaf = p;
	}
	/* Only a top-level folder: "Work/Sent" is the user's own. */
	if (delim != '\0' && strchr(leaf, delim) != NULL)
		return STORE_SPECIAL_NONE;
	for (i = 0; i < sizeof special_names / sizeof special_names[0]; i++)
		if (strcasecmp(leaf, special_names[i].name) == 0)
			return special_names[i].use;
	return STORE_SPECIAL_NONE;
}

/* ---- names shown and names on the server --------------------------------- */

char *
sync_folder_shown(const char *raw, const char *prefix)
{
	const char	*rest;
	char		*utf8;

	if (strcasecmp(raw, "INBOX") == 0)
		return xstrdup("INBOX");
	/*
	 * "INBOX.Lavoro.Progetti" is "Lavoro.Progetti", as Thunderbird
	 * shows it; not when that leaves nothing, or a second "INBOX".
	 */
	if ((rest = under_prefix(raw, prefix)) != NULL && *rest != '\0' &&
	    strcasecmp(rest, "INBOX") != 0)
		raw = rest;
	/* A name that is not valid modified UTF-7 is shown as it is. */
	if ((utf8 = mutf7_decode(raw)) != NULL)
		return utf8;
	return sanitize_line(raw);
}

char *
sync_folder_remote(const char *name, const char *prefix)
{
	char	*enc, *remote;

	if (strcasecmp(name, "INBOX") == 0)
		return xstrdup("INBOX");
	if ((enc = mutf7_encode(name)) == NULL)
		return NULL;
	if (prefix == NULL || *prefix == '\0')
		return enc;
	remote = xasprintf("%s%s", prefix, enc);
	free(enc);
	return remote;
}

char *
sync_folder_prefix(const char *name, const char *remote_name)
{
	char	*enc, *prefix = NULL;
	size_t	 n, r;

	if (name == NULL || remote_name == NULL ||
	    strcasecmp(name, "INBOX") == 0 ||
	    (enc = mutf7_encode(name)) == NULL)
		return NULL;
	n = strlen(enc);
	r = strlen(remote_name);
	if (r > n && strcmp(remote_name + r - n, enc) == 0)
		prefix = xstrndup(remote_name, r - n);
	free(enc);
	return prefix;
}
