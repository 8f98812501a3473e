/*
 * date.c - message dates to unix time.
 *
 * libetpan parses well-formed RFC 5322 dates (it then hands over a struct
 * mailimf_date_time); a date it rejects stays a raw string, which
 * mail_date_parse() reads leniently: any order of weekday, day, month name,
 * year, time and zone, as mailers and spam tools write them. The arithmetic
 * is done here rather than with timegm() or mktime(), which depend on the
 * process's time zone state.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "mail/mail.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
fix_year(int y)
{
	if (y < 50)
		return y + 2000;	/* RFC 5322 4.3: "00"-"49" */
	if (y < 1000)
		return y + 1900;	/* "50"-"99", and three digits */
	return y;
}

/*
 * Unix time of a broken-down date; zone in minutes east of UTC. Returns 0
 * for anything out of range, which callers read as "no date".
 */
static int64_t
to_unix(int y, int mon, int d, int h, int min, int s, int zone)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int64_t	t;

	y = fix_year(y);
	if (y < 1970 || y > 9999 || mon < 1 || mon > 12 || d < 1 ||
	    d > mdays[mon - 1] || h < 0 || h > 23 || min < 0 || min > 59 ||
	    s < 0 || s > 60 || zone < -24 * 60 || zone > 24 * 60)
		return 0;
	t = days_from_civil(y, mon, d) * 86400 + h * 3600 + min * 60 + s;
	t -= (int64_t)zone * 60;
	return t > 0 ? t : 0;
}

/* libetpan's zone is hhmm as a signed decimal: +0130 is 130. Any int
 * can come (a zone of +2147483648 wraps to INT_MIN): the magnitude is
 * taken unsigned, and a zone past a day makes to_unix() refuse the date. */
static int
zone_minutes(int z)
{
	unsigned	a = z < 0 ? 0u - (unsigned)z : (unsigned)z;
	int		m = (int)((a / 100) * 60 + a % 100);

	return z < 0 ? -m : m;
}

int64_t
mail_date_from_imf(const struct mailimf_date_time *dt)
{
	if (dt == NULL)
		return 0;
	return to_unix(dt->dt_year, dt->dt_month, dt->dt_day, dt->dt_hour,
	    dt->dt_min, dt->dt_sec, zone_minutes(dt->dt_zone));
}

static const char *months[] = { "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec" };

static const struct {
	const char	*name;
	int		 minutes;
} zones[] = {
	{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
	{ "cet", 60 }, { "cest", 120 }, { "met", 60 }, { "mest", 120 },
	{ "bst", 60 }, { "eet", 120 }, { "eest", 180 }, { "jst", 540 },
	{ "kst", 540 }, { "hkt", 480 }, { "ist", 330 }, { "msk", 180 },
};

struct date_parts {
	int	y, mon, d, h, min, s, zone;
	bool	have_zone, pm, am;
};

static void
word(struct date_parts *p, const char *w, size_t n)
{
	char	lw[8];
	size_t	i;

	if (n >= sizeof lw)
		return;
	for (i = 0; i < n; i++)
		lw[i] = (char)tolower((unsigned char)w[i]);
	lw[n] = '\0';
	if (n >= 3 && p->mon == 0) {
		for (i = 0; i < 12; i++) {
			if (strncmp(lw, months[i], 3) == 0) {
				p->mon = (int)i + 1;
				return;
			}
		}
	}
	if (strcmp(lw, "pm") == 0 || strcmp(lw, "am") == 0) {
		p->pm = lw[0] == 'p';
		p->am = lw[0] == 'a';
		return;
	}
	for (i = 0; i < sizeof zones / sizeof zones[0]; i++) {
		if (!p->have_zone && strcmp(lw, zones[i].name) == 0) {
			p->zone = zones[i].minutes;
			p->have_zone = true;
			return;
		}
	}
	/* weekdays and anything else: ignored */
}

/* Read up to max digits at *s into *v; false if there is none. */
static bool
digits(const char **s, int max, int *v)
{
	int	n = 0;

	*v = 0;
	while (n < max && isdigit((unsigned char)**s)) {
		*v = *v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	return n > 0;
}

/* "+hhmm" or "+hh:mm" at *s: advance past it and set *zone (minutes). */
static bool
numeric_zone(const char **s, int *zone)
{
	const char	*t = *s + 1;
	int		 sign = **s == '-' ? -1 : 1, h, m;

	if (!digits(&t, 2, &h))
		return false;
	if (*t == ':')
		t++;
	if (!digits(&t, 2, &m) || isdigit((unsigned char)*t))
		return false;
	*zone = sign * (h * 60 + m);
	*s = t;
	return true;
}

int64_t
mail_date_parse(const char *str)
{
	struct date_parts	 p = { 0, 0, 0, -1, 0, 0, 0, false, false, false };
	const char		*s = str, *t;
	int			 v, depth;

	if (s == NULL)
		return 0;
	while (*s != '\0') {
		unsigned char c = (unsigned char)*s;

		if (c == '(') {			/* comment, nested */
			for (depth = 0; *s != '\0'; s++) {
				if (*s == '(')
					depth++;
				else if (*s == ')' && --depth == 0) {
					s++;
					break;
				}
			}
			continue;
		}
		if (isalpha(c)) {
			for (t = s; isalpha((unsigned char)*t); t++)
				;
			/* "T" between an ISO date and time is a separator. */
			if (!(t - s == 1 && (*s == 'T' || *s == 't') &&
			    isdigit((unsigned char)*t)))
				word(&p, s, (size_t)(t - s));
			s = t;
			continue;
		}
		if ((c == '+' || c == '-') && !p.have_zone && p.h >= 0 &&
		    numeric_zone(&s, &p.zone)) {
			p.have_zone = true;
			continue;
		}
		if (isdigit(c)) {
			t = s;
			if (!digits(&t, 9, &v))
				break;	/* cannot happen */
			if (*t == ':' && p.h < 0) {		/* hh:mm[:ss] */
				p.h = v;
				t++;
				if (!digits(&t, 2, &p.min))
					return 0;
				if (*t == ':') {
					t++;
					if (!digits(&t, 2, &p.s))
						return 0;
					if (*t == '.' || *t == ',') {	/* fraction */
						t++;
						while (isdigit((unsigned char)*t))
							t++;
					}
				}
			} else if (*t == '-' && t - s == 4 && p.y == 0) {
				/* ISO 8601: yyyy-mm-dd */
				p.y = v;
				t++;
				if (!digits(&t, 2, &p.mon) || *t++ != '-' ||
				    !digits(&t, 2, &p.d))
					return 0;
			} else if (t - s >= 3 && p.y == 0) {
				p.y = v;
			} else if (p.d == 0 && t - s <= 2) {
				p.d = v;
			} else if (p.y == 0 && t - s <= 2) {
				p.y = v;
			}
			s = t;
			continue;
		}
		s++;
	}
	if (p.h < 0)
		p.h = 0;
	if (p.pm && p.h < 12)
		p.h += 12;
	else if (p.am && p.h == 12)
		p.h = 0;
	if (p.y == 0 || p.mon == 0 || p.d == 0)
		return 0;
	return to_unix(p.y, p.mon, p.d, p.h, p.min, p.s, p.zone);
}
