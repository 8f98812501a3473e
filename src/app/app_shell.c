/*
 * app_shell.c - mail leaving posta for the user's own files and programs:
 * messages appended to an mbox file, the links in a message (see app.h).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "backup/backup.h"

int
app_save_mbox(struct store *st, const int64_t *ids, size_t n,
    const char *path, size_t *saved, size_t *no_body, struct perr *err)
{
	struct backup_stats	bs;
	int			rc;

	rc = backup_mbox_append(st, ids, n, path, &bs, err);
	*saved = rc == 0 ? (size_t)bs.messages : 0;
	*no_body = (size_t)bs.no_body;
	return rc;
}

/* ---- links in a message --------------------------------------------------- */

static const char *const url_schemes[] = { "http://", "https://", "mailto:" };

/* A byte a link may hold: printable ASCII but for what delimits links. */
static bool
url_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("<>\"`{}|\\^", c) == NULL;
}

/* The scheme's length when one starts at p, after a non-word byte. */
static size_t
url_start(const char *text, const char *p)
{
	size_t	i, n;

	if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '+' ||
	    p[-1] == '.' || p[-1] == '-'))
		return 0;
	for (i = 0; i < sizeof url_schemes / sizeof url_schemes[0]; i++) {
		n = strlen(url_schemes[i]);
		if (strncasecmp(p, url_schemes[i], n) == 0)
			return n;
	}
	return 0;
}

/* Trailing sentence punctuation is the text's, not the link's; a ')' is
 * the link's only when the link opened one ("...wiki/C_(language)"). */
static size_t
url_trim(const char *p, size_t n)
{
	size_t	i, open = 0, close = 0;

	for (i = 0; i < n; i++) {
		open += p[i] == '(';
		close += p[i] == ')';
	}
	while (n > 0) {
		if (strchr(".,;:!?'*", p[n - 1]) != NULL)
			n--;
		else if (p[n - 1] == ')' && close > open) {
			n--;
			close--;
		} else
			break;
	}
	return n;
}

static bool
url_seen(char **urls, size_t n, const char *p, size_t len)
{
	size_t	i;

	/* n <= APP_URLS_MAX: the whole list stays small. */
	for (i = 0; i < n; i++)
		if (strlen(urls[i]) == len && memcmp(urls[i], p, len) == 0)
			return true;
	return false;
}

size_t
app_urls(const char *text, char ***urls)
{
	const char	*p = text;
	size_t		 n = 0, scheme, len;

	*urls = xcalloc(APP_URLS_MAX, sizeof **urls);
	while (*p != '\0' && n < APP_URLS_MAX) {
		if ((scheme = url_start(text, p)) == 0) {
			p++;
			continue;
		}
		for (len = scheme; url_char((unsigned char)p[len]); len++)
			;
		/* The next search starts after this link, whatever it is. */
		len = url_trim(p, len);
		if (len > scheme && len <= APP_URL_MAX &&
		    !url_seen(*urls, n, p, len))
			(*urls)[n++] = xstrndup(p, len);
		p += len > scheme ? len : scheme;
	}
	return n;
}

void
app_urls_free(char **urls, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(urls[i]);
	free(urls);
}
