/*
 * limit.c - the lexer that bounds what a server may send (see limit.h).
 *
 * It must see IMAP the way libetpan 1.9.4 parses it, or a server could
 * hide bytes from it:
 *   - a literal is "{" ["-"] digits ["+"] "}", then spaces and CRLF or LF
 *     -- or, for Lotus Domino, no CRLF at all: its bytes follow the spaces
 *     (mailimap_literal_parse_progress()); "{-5}" is a literal of 0 bytes;
 *   - the lines whose second word is OK, NO, BAD, BYE or PREAUTH, and
 *     continuation lines ("+ ..."), end in free text: libetpan reads them
 *     to the line's end and sees no literal and no nesting in them, so
 *     neither does this lexer (a "{5}" there must not hide the next five
 *     bytes, which libetpan parses as the next response);
 *   - everywhere else a "{N}" is counted as a literal: if libetpan did not
 *     expect one there, its parse fails and the connection ends anyway.
 * Parentheses are counted outside quoted strings and literals, per
 * logical line (a literal does not end the line: libetpan appends the rest
 * of it to the same buffer).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"
#include "net/net-int.h"
#include "util/i18n.h"

#define KiB	((uint64_t)1 << 10)
#define MiB	((uint64_t)1 << 20)
#define GiB	((uint64_t)1 << 30)

/* Where the lexer is in an IMAP literal's announcement. */
enum lit_state {
	LIT_NONE,
	LIT_NUM,	/* after "{": digits, maybe "-" first, "+" last */
	LIT_CLOSE,	/* after "}": spaces, then CRLF or the literal */
	LIT_CR,		/* after "}" and "\r" */
};

struct net_lexer {
	struct net_limits lim;
	unsigned	 base, rate;	/* the deadline */
	bool		 failed;
	/* The reply to the current command. */
	long long	 t0;		/* ms, when it was sent */
	uint64_t	 got;		/* every byte since */
	uint64_t	 resp;		/* the bytes libetpan keeps */
	/* The current line. */
	uint64_t	 line;
	unsigned	 depth;
	unsigned	 word;		/* 0, 1: in the first or second word */
	char		 w[8];		/* the current word's start, upper */
	size_t		 wlen;
	bool		 untagged;	/* the line began with "*" */
	uint64_t	 statuses;	/* untagged STATUS lines, ever */
	bool		 text;		/* free text to the line's end */
	bool		 quoted, escaped;
	char		 recent[16];	/* the line's last bytes, a ring */
	unsigned	 nrecent;
	/* A literal. */
	enum lit_state	 lst;
	uint64_t	 litn;
	bool		 litneg, litdigits, litbody;
	uint64_t	 lit_left;	/* its bytes still to come */
	bool		 lit_kept;	/* they count towards line and reply */
};

void
net_limits_for(enum net_ctx ctx, struct net_limits *l)
{
	memset(l, 0, sizeof *l);
	l->proto = NET_PROTO_IMAP;
	l->depth_max = NET_DEPTH_MAX;
	switch (ctx) {
	case NET_CTX_IMAP_LOGIN:
		l->what = N_("the greeting or the login replies");
		l->line_max = 1 * MiB;
		l->literal_max = 64 * KiB;
		l->response_max = 4 * MiB;
		break;
	case NET_CTX_IMAP:
		/* A SEARCH of a million UIDs is one 8 MB line. */
		l->what = N_("a command's reply");
		l->line_max = 32 * MiB;
		l->literal_max = 1 * MiB;
		l->response_max = 64 * MiB;
		break;
	case NET_CTX_IMAP_FETCH:
		/*
		 * Streamed message by message, yet libetpan keeps the text of
		 * the whole reply: about 2 million messages' flags.
		 */
		l->what = N_("a FETCH of flags or headers");
		l->line_max = 32 * MiB;
		l->literal_max = 1 * MiB;
		l->response_max = 128 * MiB;
		break;
	case NET_CTX_IMAP_BODY:
		/*
		 * imapcmd.c keeps up to MAIL_MSG_MAX of a body and drains
		 * the rest so the session stays in step; a body announced
		 * bigger than this is not mail, and is not drained.
		 */
		l->what = N_("a FETCH of message bodies");
		l->line_max = 32 * MiB;
		l->literal_max = 1 * MiB;
		l->body_max = 1 * GiB;
		l->response_max = 64 * MiB;
		break;
	case NET_CTX_POP3_LOGIN:
		l->proto = NET_PROTO_POP3;
		l->what = N_("the greeting or the login replies");
		l->line_max = 64 * KiB;		/* RFC 1939: 512 */
		l->response_max = 1 * MiB;	/* CAPA */
		break;
	case NET_CTX_POP3:
		/* pop3cmd.c reads every reply itself, each with its bound. */
		l->proto = NET_PROTO_POP3;
		l->what = N_("a command's reply");
		l->line_max = MAIL_MSG_MAX + 64 * KiB;
		break;
	case NET_CTX_SMTP:
		l->proto = NET_PROTO_SMTP;
		l->what = N_("a command's reply");
		l->line_max = 64 * KiB;		/* RFC 5321: 512 */
		l->response_max = 1 * MiB;
		break;
	}
}

/* A decimal from min to max, or -1. */
static long
dec(const char *s, char **end, long min, long max)
{
	long	n;

	errno = 0;
	n = strtol(s, end, 10);
	if (errno != 0 || *end == s || n < min || n > max)
		return -1;
	return n;
}

void
net_deadline(unsigned *base, unsigned *rate)
{
	const char	*v = getenv("POSTA_NET_DEADLINE");
	char		*end;
	long		 b, r = NET_DEADLINE_RATE;

	*base = NET_DEADLINE_BASE;
	*rate = NET_DEADLINE_RATE;
	if (v == NULL || (b = dec(v, &end, 1, 86400)) < 0)
		return;
	if (*end == '/' && (r = dec(end + 1, &end, 1, 1000000000)) < 0)
		return;
	if (*end != '\0')
		return;
	*base = (unsigned)b;
	*rate = (unsigned)r;
}

struct net_lexer *
net_lexer_new(const struct net_limits *l, long long now_ms)
{
	struct net_lexer	*lx = xcalloc(1, sizeof *lx);

	lx->lim = *l;
	net_deadline(&lx->base, &lx->rate);
	lx->t0 = now_ms;
	return lx;
}

void
net_lexer_free(struct net_lexer *lx)
{
	free(lx);
}

void
net_lexer_set(struct net_lexer *lx, const struct net_limits *l)
{
	lx->lim = *l;
}

void
net_lexer_sent(struct net_lexer *lx, long long now_ms)
{
	lx->t0 = now_ms;
	lx->got = lx->resp = 0;
}

uint64_t
net_lexer_statuses(const struct net_lexer *lx)
{
	return lx->statuses;
}

long long
net_lexer_due(const struct net_lexer *lx)
{
	return lx->t0 + (long long)lx->base * 1000 +
	    (long long)(lx->got * 1000 / lx->rate);
}

int
net_lexer_overdue(const struct net_lexer *lx, long long now_ms,
    struct perr *err)
{
	return perr_set(err, PERR_TIMEOUT, _("the server sent only %llu bytes "
	    "of its reply in %lld s; posta waits %u s for a reply plus 1 s "
	    "for every %u bytes received"), (unsigned long long)lx->got,
	    (now_ms - lx->t0 + 500) / 1000, lx->base, lx->rate);
}

/* ---- counting ------------------------------------------------------------ */

static int
over(struct net_lexer *lx, struct perr *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
over(struct net_lexer *lx, struct perr *err, const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	lx->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return perr_set(err, PERR_PROTOCOL, _("%s while posta read %s; it "
	    "refuses "
	    "the reply and drops the connection"), msg, _(lx->lim.what));
}

/* Count n kept bytes (a line's own, or a literal's that libetpan keeps). */
static int
kept(struct net_lexer *lx, uint64_t n, struct perr *err)
{
	const struct net_limits	*l = &lx->lim;

	lx->line += n;
	lx->resp += n;
	if (l->line_max != 0 && lx->line > l->line_max)
		return over(lx, err, _("the server sent a line longer than "
		    "%llu bytes"), (unsigned long long)l->line_max);
	if (l->response_max != 0 && lx->resp > l->response_max)
		return over(lx, err, _("the server sent a reply longer than "
		    "%llu bytes"), (unsigned long long)l->response_max);
	return 0;
}

static void
line_end(struct net_lexer *lx)
{
	lx->line = 0;
	lx->depth = 0;
	lx->word = 0;
	lx->wlen = 0;
	lx->text = lx->quoted = lx->escaped = lx->untagged = false;
	lx->nrecent = 0;
	lx->lst = LIT_NONE;
}

/* The n-th byte before the current one (1: the last), or 0. */
static char
recent(const struct net_lexer *lx, unsigned back)
{
	if (back > lx->nrecent || back > sizeof lx->recent)
		return 0;
	return lx->recent[(lx->nrecent - back) % sizeof lx->recent];
}

static char
upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/*
 * Does the "{" just seen (recent(lx, 1)) open a body section's literal,
 * which libetpan gives to its body handler: after "BODY[...]",
 * "BODY[...]<n>", "RFC822" or "RFC822.TEXT" and a space?
 */
static bool
body_literal(const struct net_lexer *lx)
{
	static const char *const names[] = { "RFC822", "RFC822.TEXT" };
	unsigned	 b = 2, i;
	size_t		 k, len;

	while (recent(lx, b) == ' ')
		b++;
	if (b == 2)
		return false;
	if (recent(lx, b) == '>') {
		for (b++; recent(lx, b) >= '0' && recent(lx, b) <= '9'; b++)
			;
		if (recent(lx, b) != '<')
			return false;
		b++;
	}
	if (recent(lx, b) == ']')
		return true;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		len = strlen(names[i]);
		for (k = 0; k < len; k++)
			if (upper(recent(lx, b + (unsigned)k)) !=
			    names[i][len - 1 - k])
				break;
		if (k == len && (recent(lx, b + (unsigned)len) == ' ' ||
		    recent(lx, b + (unsigned)len) == '('))
			return true;
	}
	return false;
}

/* The announcement is complete: check it before libetpan allocates. */
static int
literal_begin(struct net_lexer *lx, struct perr *err)
{
	const struct net_limits	*l = &lx->lim;
	uint64_t		 n = lx->litneg ? 0 : lx->litn;

	lx->lst = LIT_NONE;
	lx->lit_left = n;
	lx->lit_kept = !(lx->litbody && l->body_max != 0);
	if (!lx->lit_kept) {
		if (n > l->body_max)
			return over(lx, err, _("the server announced a message "
			    "body of %llu bytes, more than %llu"),
			    (unsigned long long)n,
			    (unsigned long long)l->body_max);
		return 0;
	}
	if (l->literal_max != 0 && n > l->literal_max)
		return over(lx, err, _("the server announced a literal of %llu "
		    "bytes, more than %llu"), (unsigned long long)n,
		    (unsigned long long)l->literal_max);
	if (l->line_max != 0 && lx->line + n > l->line_max)
		return over(lx, err, _("the server announced a literal that "
		    "makes its line longer than %llu bytes"),
		    (unsigned long long)l->line_max);
	if (l->response_max != 0 && lx->resp + n > l->response_max)
		return over(lx, err, _("the server announced a literal that "
		    "makes its reply longer than %llu bytes"),
		    (unsigned long long)l->response_max);
	return 0;
}

/* The end of a word of the line's start: is the rest free text? */
static void
word_end(struct net_lexer *lx)
{
	static const char *const text[] = { "OK", "NO", "BAD", "BYE",
	    "PREAUTH" };
	size_t	i;

	if (lx->word == 0 && lx->wlen == 1 && lx->w[0] == '+')
		lx->text = true;
	if (lx->word == 0)
		lx->untagged = lx->wlen == 1 && lx->w[0] == '*';
	if (lx->word == 1 && lx->untagged && lx->wlen == 6 &&
	    memcmp(lx->w, "STATUS", 6) == 0)
		lx->statuses++;
	if (lx->word == 1)
		for (i = 0; i < sizeof text / sizeof text[0]; i++)
			if (lx->wlen == strlen(text[i]) &&
			    memcmp(lx->w, text[i], lx->wlen) == 0)
				lx->text = true;
	if (lx->text)
		lx->depth = 0;
	lx->word++;
	lx->wlen = 0;
}

static int	imap_byte(struct net_lexer *, char, struct perr *);

/*
 * A literal whose bytes start right here (no CRLF after "}"): the byte c,
 * after a pending "\r" when cr, is its first.
 */
static int
literal_inline(struct net_lexer *lx, bool cr, char c, struct perr *err)
{
	if (literal_begin(lx, err) != 0)
		return -1;
	if (cr && lx->lit_left > 0)
		lx->lit_left--;
	if (lx->lit_left > 0) {
		lx->lit_left--;
		return 0;
	}
	return imap_byte(lx, c, err);
}

/* One byte of an IMAP line (not of a literal's content). */
static int
imap_byte(struct net_lexer *lx, char c, struct perr *err)
{
	switch (lx->lst) {
	case LIT_NONE:
		break;
	case LIT_NUM:
		if (c >= '0' && c <= '9') {
			/* Saturates: any overflow is over every bound. */
			if (lx->litn < UINT64_MAX / 16)
				lx->litn = lx->litn * 10 + (uint64_t)(c - '0');
			lx->litdigits = true;
			return 0;
		}
		if (c == '-' && !lx->litdigits && !lx->litneg) {
			lx->litneg = true;
			return 0;
		}
		if (c == '+' && lx->litdigits)
			return 0;
		if (c == '}' && lx->litdigits) {
			lx->lst = LIT_CLOSE;
			return 0;
		}
		lx->lst = LIT_NONE;	/* not a literal after all */
		break;
	case LIT_CLOSE:
		if (c == ' ')
			return 0;
		if (c == '\r') {
			lx->lst = LIT_CR;
			return 0;
		}
		if (c == '\n')
			return literal_begin(lx, err);
		return literal_inline(lx, false, c, err);
	case LIT_CR:
		if (c == '\n')
			return literal_begin(lx, err);
		return literal_inline(lx, true, c, err);
	}

	if (c == '\n') {
		line_end(lx);
		return 0;
	}
	lx->recent[lx->nrecent++ % sizeof lx->recent] = c;
	if (lx->nrecent >= 2 * sizeof lx->recent)
		lx->nrecent -= sizeof lx->recent;
	if (lx->text)
		return 0;
	if (lx->quoted) {
		if (lx->escaped)
			lx->escaped = false;
		else if (c == '\\')
			lx->escaped = true;
		else if (c == '"')
			lx->quoted = false;
		return 0;
	}
	if (lx->word < 2) {
		if (c == ' ' || c == '\r') {
			word_end(lx);
			return 0;
		}
		if (lx->wlen < sizeof lx->w)
			lx->w[lx->wlen] = upper(c);
		lx->wlen++;
	}
	switch (c) {
	case '"':
		lx->quoted = true;
		break;
	case '(':
		if (++lx->depth > lx->lim.depth_max && lx->lim.depth_max != 0)
			return over(lx, err, _("the server nested parentheses "
			    "more than %u deep"), lx->lim.depth_max);
		break;
	case ')':
		if (lx->depth > 0)
			lx->depth--;
		break;
	case '{':
		lx->lst = LIT_NUM;
		lx->litn = 0;
		lx->litneg = lx->litdigits = false;
		lx->litbody = body_literal(lx);
		break;
	}
	return 0;
}

int
net_lexer_feed(struct net_lexer *lx, const char *buf, size_t n,
    struct perr *err)
{
	size_t		i = 0, k;

	if (lx->failed)
		return over(lx, err, _("the server went on sending after a "
		    "refused reply"));
	lx->got += n;
	while (i < n) {
		if (lx->lit_left > 0) {
			k = n - i < lx->lit_left ? n - i : (size_t)lx->lit_left;
			lx->lit_left -= k;
			i += k;
			if (lx->lit_kept && kept(lx, k, err) != 0)
				return -1;
			continue;
		}
		if (kept(lx, 1, err) != 0)
			return -1;
		if (lx->lim.proto != NET_PROTO_IMAP) {
			if (buf[i++] == '\n')
				lx->line = 0;
			continue;
		}
		if (imap_byte(lx, buf[i++], err) != 0)
			return -1;
	}
	return 0;
}
