/* i18n.h - marking strings for translation (gettext, catalogs in po/). */
#ifndef POSTA_I18N_H
#define POSTA_I18N_H

/*
 * _("...") translates now, N_("...") marks a string translated later (in a
 * table; pass it through _() where it is shown), ngettext() chooses the
 * plural form. Every marked string is a whole sentence with printf-style
 * arguments; po/POTFILES.in lists the files that have them. Without NLS
 * they are the English text.
 */
#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s)	gettext(s)
#else
#define _(s)	(s)
#define ngettext(s, p, n)	((n) == 1 ? (s) : (p))
#define bindtextdomain(d, dir)	((void)(dir), (d))
#define textdomain(d)	(d)
#endif
#define N_(s)	(s)
/* NN_("%zu message moved", "%zu messages moved"): a plural pair for a
 * table, given to ngettext() where the count is known. */
#define NN_(s, p)	s, p

/*
 * pgettext("folder role", "sent"): a word that means different things in
 * different places (the Sent folder, a message's sent state) is told apart
 * by a context, as GNU gettext.h does: msgctxt EOT msgid.
 */
#define pgettext(ctx, s)	posta_pgettext(ctx "\004" s, s)
static inline const char *
posta_pgettext(const char *key, const char *s)
{
	const char	*t = _(key);

	return t == key ? s : t;
}

#endif
