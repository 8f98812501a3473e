/*
 * problem.h - the sentences posta stores in store_msg.problem when a
 * message is not whole, and their translation for display.
 *
 * The store keeps them in English, whatever the locale of the process
 * that wrote them (a cron `posta sync` under LANG=C and an Italian TUI
 * share one store), and code compares them; N_() puts each in the
 * catalog. A face shows one through problem_words(), which gives it in
 * the reader's language: the fixed ones through gettext, those with
 * values (a size, the server's words) by reading the values back out of
 * the English and putting them into the translated sentence.
 */
#ifndef POSTA_PROBLEM_H
#define POSTA_PROBLEM_H

#include "util/i18n.h"

/* A FETCH reply libetpan could not parse (src/sync/drv-imap-fetch.c). */
#define PROBLEM_RAW	N_("the server's description of this message could " \
	"not be parsed; it is shown from its raw source")
#define PROBLEM_LOST	N_("the server's description of this message could " \
	"not be parsed, nor its raw source fetched; a sync of this folder " \
	"alone (posta sync --folder) tries again")
#define PROBLEM_BODY	N_("the server's copy of this message could not be " \
	"parsed; only its headers are stored, and a sync of this folder " \
	"alone (posta sync --folder) tries again")
/* The server refused to send it; its words (sanitised) are the %s. */
#define PROBLEM_REFUSED_AS	"the server would not send this message: "
#define PROBLEM_REFUSED	N_("the server would not send this message: %s; a " \
	"sync of this folder alone (posta sync --folder) tries again")
#define PROBLEM_BODY_REFUSED N_("the server would not send this message: " \
	"%s; only its headers are stored, and a sync of this folder alone " \
	"(posta sync --folder) tries again")
/*
 * A body over MAIL_MSG_MAX whose RFC822.SIZE said less: the size
 * announced, the MB received, the MB posta downloads.
 */
#define PROBLEM_SIZE_LIE	N_("the server announced this message as " \
	"%lld bytes but sent %.1f MB, more than the %zu MB posta downloads; " \
	"its body was not kept")
/* A message announced over MAIL_MSG_MAX: its MB, the MB posta downloads. */
#define PROBLEM_TOO_BIG	N_("this message is %.*f MB, larger than the %zu " \
	"MB posta downloads; its body was not downloaded")

/* PROBLEM_TOO_BIG for a message of size bytes (malloc'd, English). */
char	*problem_too_big(int64_t size);
/*
 * A stored problem in the reader's language (malloc'd); a sentence it
 * does not know (one stored by another version of posta) as it is.
 */
char	*problem_words(const char *stored);

#endif
