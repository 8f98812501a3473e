/*
 * compose-int.h - private to the compose*.c files of src/mail (see
 * compose.c for which holds what): the helpers they share. mail.h stays
 * the face; nothing outside these files includes this.
 */
#ifndef POSTA_COMPOSE_INT_H
#define POSTA_COMPOSE_INT_H

#include "mail/mail.h"

/* ---- compose-encode.c ---------------------------------------------------- */

/* Only white space in s[0..n) (or s NULL, for compose_is_blank()). */
bool	compose_is_blank_n(const char *s, size_t n);
bool	compose_is_blank(const char *s);
/* A copy of s[0..n) trimmed of spaces and tabs at both ends; malloc'd. */
char	*compose_trim_dup(const char *s, size_t n);
/*
 * One header line from user text: line breaks and tabs become spaces,
 * other control characters go, invalid UTF-8 becomes U+FFFD, ends trimmed.
 * Malloc'd; the caller frees. NULL gives "".
 */
char	*compose_header_text(const char *s);
bool	compose_all_ascii(const char *s, size_t n);
/* A growing vector of malloc'd strings: add takes s; free frees all. */
void	compose_strv_add(char ***v, size_t *n, char *s);
void	compose_strv_free(char **v, size_t n);
/* Text: valid UTF-8 without NUL or other controls but tab, CR, LF, FF. */
bool	compose_looks_like_text(const char *s, size_t n);
/* s[0..n) as base64 lines of 76 characters, CRLF after each, into b. */
void	compose_base64_encode(struct mbuf *b, const char *s, size_t n);
/* s[0..n) as quoted-printable (see compose-encode.c for the rules). */
void	compose_qp_encode(struct mbuf *b, const char *s, size_t n);

/* ---- compose-addr.c ------------------------------------------------------ */

/* Append a copy of name (NULL or "": none) and addr to a. */
void	compose_addrs_add(struct compose_addrs *a, const char *name,
	    const char *addr);
/* Is addr (case-insensitive) in a? */
bool	compose_addrs_has(const struct compose_addrs *a, const char *addr);
/*
 * Split text at commas (and semicolons) outside quotes and angle brackets
 * and parse each item into out. lenient: skip what is not an address
 * (lists taken from a received message) instead of failing.
 */
int	compose_parse_list(const char *text, bool lenient,
	    struct compose_addrs *out, struct perr *err);

#endif
