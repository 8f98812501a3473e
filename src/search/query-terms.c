/*
 * query-terms.c - the values of the non-text fields: is: and has:, date:,
 * after: and before: (calendar days in local time), newer: and older:
 * (ages from now), larger: and smaller: (bytes).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "search/query-int.h"
#include "util/i18n.h"

/* ---- flags, dates, sizes --------------------------------------------- */

static const struct {
	const char		*field;
	const char		*value;
	enum search_flag	 flag;
} flag_values[] = {
	{ "is", "unread", SEARCH_UNREAD },
	{ "is", "read", SEARCH_READ },
	{ "is", "flagged", SEARCH_FLAGGED },
	{ "is", "replied", SEARCH_REPLIED },
	{ "is", "deleted", SEARCH_DELETED },
	{ "is", "draft", SEARCH_DRAFT },
	{ "has", "attachment", SEARCH_ATTACHMENT },
	{ "has", "attachments", SEARCH_ATTACHMENT },
};

int
query_flag_term(struct parser *p, const char *field, struct search_node **out)
{
	size_t	 start = p->pos, i;
	char	*v, *shown;

	if (query_read_value(p, field, &v) == -1)
		return -1;
	for (i = 0; i < sizeof flag_values / sizeof flag_values[0]; i++)
		if (strcmp(field, flag_values[i].field) == 0 &&
		    strcasecmp(v, flag_values[i].value) == 0)
			break;
	free(v);
	if (i == sizeof flag_values / sizeof flag_values[0]) {
		shown = query_quote(p, start, p->pos - start);
		if (strcmp(field, "is") == 0)
			query_fail(p, start, _("expected unread, read, "
			    "flagged, "
			    "replied, deleted or draft after 'is:', got '%s'"),
			    shown);
		else
			query_fail(p, start, _("expected attachment after "
			    "'has:', got '%s'"), shown);
		free(shown);
		return -1;
	}
	*out = query_node_new(SEARCH_FLAG);
	(*out)->flag = flag_values[i].flag;
	return 0;
}

/* Digits s[0..n) as a number; false unless all digits and n in [1, 9]. */
static bool
digits(const char *s, size_t n, int *v)
{
	size_t	i;

	if (n == 0 || n > 9)
		return false;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

static int
days_in(int y, int m)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static int64_t
local_time(int y, int m, int d)
{
	struct tm	tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);	/* normalises month 13, day 32 */
}

/*
 * A day, month or year (YYYY-MM-DD, YYYY-MM, YYYY) in s[0..n): *lo its
 * first second, *hi the first second after it (local time).
 */
static bool
date_span(const char *s, size_t n, int64_t *lo, int64_t *hi)
{
	int	y, m = 1, d = 1;

	if (n < 4 || !digits(s, 4, &y) || y < 1000)
		return false;
	if (n == 4) {
		*lo = local_time(y, 1, 1);
		*hi = local_time(y + 1, 1, 1);
		return true;
	}
	if (n < 7 || s[4] != '-' || !digits(s + 5, 2, &m) || m < 1 || m > 12)
		return false;
	if (n == 7) {
		*lo = local_time(y, m, 1);
		*hi = local_time(y, m + 1, 1);
		return true;
	}
	if (n != 10 || s[7] != '-' || !digits(s + 8, 2, &d) || d < 1 ||
	    d > days_in(y, m))
		return false;
	*lo = local_time(y, m, d);
	*hi = local_time(y, m, d + 1);
	return true;
}

static int
bad_date(struct parser *p, size_t off, size_t n)
{
	char	*shown = query_quote(p, off, n);

	query_fail(p, off, _("expected a date (YYYY, YYYY-MM or YYYY-MM-DD), "
	    "got '%s'"), shown);
	free(shown);
	return -1;
}

/* date:D, date:D..D, date:D.., date:..D; after:D; before:D. */
int
query_date_term(struct parser *p, const char *field, struct search_node **out)
{
	size_t		 start = p->pos, n, dots;
	int64_t		 lo, hi, lo2, hi2;
	const char	*v, *dd;
	char		*val;

	if (query_read_value(p, field, &val) == -1)
		return -1;
	v = val;
	n = strlen(v);
	*out = query_node_new(SEARCH_DATE);
	dd = strcmp(field, "date") == 0 ? strstr(v, "..") : NULL;
	if (dd == NULL) {
		if (!date_span(v, n, &lo, &hi))
			goto bad;
		if (strcmp(field, "after") == 0)
			(*out)->lo = lo;	/* on or after D: IMAP SINCE */
		else if (strcmp(field, "before") == 0) {
			(*out)->lo = INT64_MIN;
			(*out)->hi = lo;	/* before D: IMAP BEFORE */
		} else {
			(*out)->lo = lo;
			(*out)->hi = hi;
		}
		free(val);
		return 0;
	}
	dots = (size_t)(dd - v);
	(*out)->lo = INT64_MIN;
	if (dots > 0) {
		if (!date_span(v, dots, &lo, &hi))
			goto bad;
		(*out)->lo = lo;
	}
	if (dots + 2 < n) {
		if (!date_span(dd + 2, n - dots - 2, &lo2, &hi2)) {
			start += dots + 2;
			n -= dots + 2;
			goto bad;
		}
		(*out)->hi = hi2;
	}
	if (dots == 0 && dots + 2 == n)
		goto bad;
	if ((*out)->hi != INT64_MAX && (*out)->lo >= (*out)->hi) {
		query_fail(p, start, _("the date range ends before it begins"));
		goto out;
	}
	free(val);
	return 0;
bad:
	bad_date(p, start, n);
out:
	free(val);
	search_free(*out);
	*out = NULL;
	return -1;
}

/* newer:7d, older:2w: hours, days, weeks, months (30 d), years (365 d). */
int
query_age_term(struct parser *p, const char *field, struct search_node **out)
{
	static const char	 units[] = "hdwmy";
	static const int64_t	 secs[] = { 3600, 86400, 7 * 86400,
				    30 * 86400, 365 * 86400 };
	size_t			 start = p->pos, n;
	const char		*u;
	char			*v, *shown;
	int			 k;

	if (query_read_value(p, field, &v) == -1)
		return -1;
	n = strlen(v);
	if (n < 2 || (u = strchr(units, v[n - 1])) == NULL ||
	    !digits(v, n - 1, &k) || n - 1 > 6) {
		shown = query_quote(p, start, p->pos - start);
		query_fail(p, start, _("expected an age like 12h, 7d, 2w, 3m "
		    "or 1y after '%s:', got '%s'"), field, shown);
		free(shown);
		free(v);
		return -1;
	}
	free(v);
	*out = query_node_new(SEARCH_DATE);
	if (strcmp(field, "newer") == 0)
		(*out)->lo = p->now - k * secs[u - units];
	else {
		(*out)->lo = INT64_MIN;
		(*out)->hi = p->now - k * secs[u - units];
	}
	return 0;
}

/* larger:N, smaller:N; N in bytes, or with k, M, G (1024-based). */
int
query_size_term(struct parser *p, const char *field, struct search_node **out)
{
	size_t	 start = p->pos, n;
	char	*v, *shown;
	int	 k, shift = 0;
	int64_t	 bytes;

	if (query_read_value(p, field, &v) == -1)
		return -1;
	n = strlen(v);
	switch (n > 0 ? v[n - 1] : '\0') {
	case 'k': case 'K': shift = 10; n--; break;
	case 'm': case 'M': shift = 20; n--; break;
	case 'g': case 'G': shift = 30; n--; break;
	}
	if (!digits(v, n, &k)) {
		shown = query_quote(p, start, p->pos - start);
		query_fail(p, start, _("expected a size like 500, 20k or 1M "
		    "after '%s:', got '%s'"), field, shown);
		free(shown);
		free(v);
		return -1;
	}
	free(v);
	bytes = (int64_t)k << shift;
	*out = query_node_new(SEARCH_SIZE);
	if (strcmp(field, "larger") == 0)
		(*out)->lo = bytes + 1;		/* IMAP LARGER: size > N */
	else {
		(*out)->lo = INT64_MIN;
		(*out)->hi = bytes;		/* IMAP SMALLER: size < N */
	}
	return 0;
}
