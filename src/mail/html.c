/*
 * html.c - HTML mail as readable text.
 *
 * One pass over the bytes, no tree and no recursion, so a hostile message
 * with a million nested <div>s costs what a flat one does. Tags are read
 * only for what they mean to a reader: where lines and paragraphs break,
 * list bullets, quoting, links and image descriptions. Text inside
 * script, style, title and template is dropped; comments too. Links are
 * numbered "text[N]" and listed "[N] url" at the end, as lynx -dump does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail.h"

#define MAX_LIST	16	/* nested lists whose numbering we track */
#define MAX_BLANK	2	/* blank lines in a row, at most */

struct html {
	struct mbuf	 out;
	struct mbuf	 links;		/* "[N] url\n" lines */
	int		*linkno;
	int		 link_open;	/* number of the <a> we are in, or 0 */
	int		 want_nl;	/* newlines owed before the next text */
	bool		 space;		/* white space owed */
	bool		 bol;		/* at the beginning of a line */
	int		 pre;		/* inside <pre> (nesting count) */
	int		 quote;		/* <blockquote> depth */
	int		 list;		/* <ul>/<ol> depth */
	int		 olnum[MAX_LIST]; /* next number, 0 for <ul> */
	size_t		 max;
	bool		 full;
	/* No '"' (or '\'') is left in the input: looking for one again would
	 * make a run of unclosed quotes cost quadratic time. */
	bool		 no_dq, no_sq;
};

/* Block elements: a line break around them, or a blank line (para). */
static const struct {
	const char	*name;
	int		 nl;
} blocks[] = {
	{ "p", 2 }, { "h1", 2 }, { "h2", 2 }, { "h3", 2 }, { "h4", 2 },
	{ "h5", 2 }, { "h6", 2 }, { "table", 2 }, { "pre", 2 }, { "dl", 2 },
	{ "div", 1 }, { "tr", 1 }, { "dt", 1 }, { "dd", 1 },
	{ "section", 1 }, { "article", 1 }, { "header", 1 }, { "footer", 1 },
	{ "nav", 1 }, { "aside", 1 }, { "main", 1 }, { "figure", 1 },
	{ "figcaption", 1 }, { "address", 1 }, { "center", 1 }, { "form", 1 },
	{ "fieldset", 1 }, { "details", 1 }, { "summary", 1 },
	{ "caption", 1 }, { "tbody", 1 }, { "thead", 1 }, { "tfoot", 1 },
	{ "body", 1 }, { "html", 1 },
};

/* Elements whose content is not text for a reader. */
static const char *const skipped[] = { "script", "style", "title",
    "template" };

/* Named character references: Latin-1 first, by code point from 160. */
static const char *const latin1[96] = {
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect",
	"uml", "copy", "ordf", "laquo", "not", "shy", "reg", "macr",
	"deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot",
	"cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34",
	"iquest", "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring",
	"AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave",
	"Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
	"Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute",
	"Ucirc", "Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute",
	"acirc", "atilde", "auml", "aring", "aelig", "ccedil", "egrave",
	"eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth",
	"ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide",
	"oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn",
	"yuml",
};

static const struct {
	const char	*name;
	uint32_t	 cp;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "OElig", 338 }, { "oelig", 339 },
	{ "Scaron", 352 }, { "scaron", 353 }, { "Yuml", 376 },
	{ "fnof", 402 }, { "circ", 710 }, { "tilde", 732 },
	{ "Alpha", 913 }, { "Beta", 914 }, { "Gamma", 915 }, { "Delta", 916 },
	{ "Omega", 937 }, { "alpha", 945 }, { "beta", 946 }, { "gamma", 947 },
	{ "delta", 948 }, { "epsilon", 949 }, { "lambda", 955 }, { "mu", 956 },
	{ "pi", 960 }, { "sigma", 963 }, { "omega", 969 },
	{ "ensp", 8194 }, { "emsp", 8195 }, { "thinsp", 8201 },
	{ "zwnj", 8204 }, { "zwj", 8205 }, { "lrm", 8206 }, { "rlm", 8207 },
	{ "ndash", 8211 }, { "mdash", 8212 }, { "lsquo", 8216 },
	{ "rsquo", 8217 }, { "sbquo", 8218 }, { "ldquo", 8220 },
	{ "rdquo", 8221 }, { "bdquo", 8222 }, { "dagger", 8224 },
	{ "Dagger", 8225 }, { "bull", 8226 }, { "hellip", 8230 },
	{ "permil", 8240 }, { "prime", 8242 }, { "Prime", 8243 },
	{ "lsaquo", 8249 }, { "rsaquo", 8250 }, { "oline", 8254 },
	{ "frasl", 8260 }, { "euro", 8364 }, { "trade", 8482 },
	{ "larr", 8592 }, { "uarr", 8593 }, { "rarr", 8594 }, { "darr", 8595 },
	{ "harr", 8596 }, { "rArr", 8658 }, { "hArr", 8660 }, { "sum", 8721 },
	{ "minus", 8722 }, { "radic", 8730 }, { "infin", 8734 },
	{ "asymp", 8776 }, { "ne", 8800 }, { "le", 8804 }, { "ge", 8805 },
	{ "loz", 9674 }, { "spades", 9824 }, { "clubs", 9827 },
	{ "hearts", 9829 }, { "diams", 9830 }, { "check", 10003 },
};

/* Case-insensitive search for w (lower case) in s[0..n). */
static const char *
find(const char *s, size_t n, const char *w)
{
	size_t	l = strlen(w), i;

	for (i = 0; i + l <= n; i++)
		if (strncasecmp(s + i, w, l) == 0)
			return s + i;
	return NULL;
}

/* Decode the reference at s (s[0] == '&'); returns bytes consumed, 0 if
 * it is not one, and puts the code point in *cp. */
static size_t
entity(const char *s, size_t n, uint32_t *cp)
{
	char		 name[12];
	size_t		 i = 1, k;
	uint32_t	 v = 0;
	bool		 hex;

	if (n < 3)
		return 0;
	if (s[1] == '#') {
		i = 2;
		hex = i < n && (s[i] == 'x' || s[i] == 'X');
		if (hex)
			i++;
		for (k = i; i < n && i - k < 8 && (hex ?
		    isxdigit((unsigned char)s[i]) :
		    isdigit((unsigned char)s[i])); i++) {
			int c = (unsigned char)s[i];

			v = v * (hex ? 16 : 10) + (uint32_t)(isdigit(c) ?
			    c - '0' : tolower(c) - 'a' + 10);
		}
		if (i == k)
			return 0;
		while (i < n && isxdigit((unsigned char)s[i]))
			i++;	/* absurdly long: still one reference */
		if (i < n && s[i] == ';')
			i++;
		*cp = v;
		return i;
	}
	for (k = 0; i < n && k + 1 < sizeof name &&
	    isalnum((unsigned char)s[i]); i++)
		name[k++] = s[i];
	name[k] = '\0';
	if (k == 0)
		return 0;
	*cp = 0;
	for (k = 0; k < 96 && *cp == 0; k++)
		if (strcmp(name, latin1[k]) == 0)
			*cp = 160 + (uint32_t)k;
	for (k = 0; k < sizeof entities / sizeof entities[0] && *cp == 0; k++)
		if (strcmp(name, entities[k].name) == 0)
			*cp = entities[k].cp;
	if (*cp == 0)
		return 0;
	if (i < n && s[i] == ';')
		return i + 1;
	/* Without ";" only the few names old pages rely on. */
	if (strcmp(name, "amp") == 0 || strcmp(name, "lt") == 0 ||
	    strcmp(name, "gt") == 0 || strcmp(name, "quot") == 0 ||
	    strcmp(name, "nbsp") == 0 || strcmp(name, "copy") == 0 ||
	    strcmp(name, "reg") == 0)
		return i;
	return 0;
}

/* A code point from a numeric reference, made safe to print. */
static void
put_cp(struct mbuf *b, uint32_t cp)
{
	char	 u[4], c, *s;
	size_t	 n;

	if (cp >= 0x80 && cp <= 0x9F) {
		/* HTML reads these as Windows-1252, as browsers do. */
		c = (char)cp;
		s = mail_charset_to_utf8("windows-1252", &c, 1, &n);
		mbuf_add(b, s, n);
		free(s);
		return;
	}
	if (cp == 0xA0)
		cp = ' ';
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	mbuf_add(b, u, utf8_put(cp, u));
}

/* Pay the newlines and the space owed, then the quote prefix. */
static void
settle(struct html *h)
{
	size_t	have = 0;
	int	i;

	if (h->out.len == 0) {
		h->want_nl = 0;
		h->space = false;
	}
	if (h->want_nl > 0) {
		if (h->want_nl > MAX_BLANK)
			h->want_nl = MAX_BLANK;
		while (have < h->out.len && have < (size_t)MAX_BLANK &&
		    h->out.p[h->out.len - 1 - have] == '\n')
			have++;
		while ((int)have < h->want_nl) {
			mbuf_addc(&h->out, '\n');
			have++;
		}
		h->want_nl = 0;
		h->bol = true;
		h->space = false;
	}
	if (h->bol) {
		for (i = 0; i < h->quote; i++)
			mbuf_adds(&h->out, "> ");
		h->bol = false;
		h->space = false;
	} else if (h->space) {
		mbuf_addc(&h->out, ' ');
		h->space = false;
	}
}

static void
text(struct html *h, const char *s, size_t n)
{
	if (n == 0)
		return;
	settle(h);
	mbuf_add(&h->out, s, n);
}

static void
hard_newline(struct html *h)
{
	size_t	have = 0;

	/* Look back no further than settle() does: a run of a million
	 * newlines must not be walked again at every <br>. */
	while (have <= MAX_BLANK && have < h->out.len &&
	    h->out.p[h->out.len - 1 - have] == '\n')
		have++;
	if (have <= MAX_BLANK && h->out.len > 0)
		mbuf_addc(&h->out, '\n');
	h->bol = true;
	h->space = false;
	h->want_nl = 0;
}

static void
want(struct html *h, int nl)
{
	if (nl > h->want_nl)
		h->want_nl = nl;
}

/* The value of attribute attr in the tag text t[0..n), decoded, malloc'd;
 * NULL if absent. */
static char *
attribute(const char *t, size_t n, const char *attr)
{
	struct mbuf	 b = { 0 };
	size_t		 i = 0, k, ke, al = strlen(attr), vs, ve, e;
	uint32_t	 cp;
	char		 q;

	while (i < n) {
		while (i < n && (isspace((unsigned char)t[i]) || t[i] == '/'))
			i++;
		for (k = i; i < n && !isspace((unsigned char)t[i]) &&
		    t[i] != '=' && t[i] != '>' && t[i] != '/'; i++)
			;
		ke = i;
		if (i == k) {
			i++;
			continue;
		}
		while (i < n && isspace((unsigned char)t[i]))
			i++;
		vs = ve = i;
		if (i < n && t[i] == '=') {
			i++;
			while (i < n && isspace((unsigned char)t[i]))
				i++;
			if (i < n && (t[i] == '"' || t[i] == '\'')) {
				q = t[i++];
				for (vs = i; i < n && t[i] != q; i++)
					;
				ve = i;
				if (i < n)
					i++;
			} else {
				for (vs = i; i < n &&
				    !isspace((unsigned char)t[i]); i++)
					;
				ve = i;
			}
		}
		if (ke - k != al || strncasecmp(t + k, attr, al) != 0)
			continue;
		for (i = vs; i < ve; ) {
			if (t[i] == '&' && (e = entity(t + i, ve - i, &cp)) > 0) {
				put_cp(&b, cp);
				i += e;
			} else if (t[i] == '\n' || t[i] == '\r' || t[i] == '\t')
				i++;
			else
				mbuf_addc(&b, t[i++]);
		}
		return mbuf_finish(&b, NULL);
	}
	return NULL;
}

static void
open_link(struct html *h, const char *t, size_t n)
{
	char	*href = attribute(t, n, "href");
	char	*p = href;
	size_t	 l;

	h->link_open = 0;
	if (href == NULL)
		return;
	while (*p == ' ')
		p++;
	l = strlen(p);
	while (l > 0 && p[l - 1] == ' ')
		p[--l] = '\0';
	if (*p != '\0' && *p != '#' && strncasecmp(p, "javascript:", 11) &&
	    *h->linkno < MAIL_MAX_LINKS) {
		h->link_open = ++*h->linkno;
		mbuf_printf(&h->links, "[%d] %s\n", h->link_open, p);
	}
	free(href);
}

static void
list_item(struct html *h)
{
	int	i, d = h->list > 0 ? h->list : 1;

	want(h, 1);
	settle(h);
	for (i = 1; i < d; i++)
		mbuf_adds(&h->out, "  ");
	if (h->list > 0 && h->list <= MAX_LIST && h->olnum[h->list - 1] > 0)
		mbuf_printf(&h->out, "%d. ", h->olnum[h->list - 1]++);
	else
		mbuf_adds(&h->out, "* ");
}

/* Act on a tag named name (lower case); t[0..n) is the rest of the tag. */
static void
tag(struct html *h, const char *name, bool end, const char *t, size_t n)
{
	char	*alt;
	size_t	 i;

	for (i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
		if (strcmp(name, blocks[i].name) == 0) {
			want(h, blocks[i].nl);
			break;
		}
	}
	if (strcmp(name, "br") == 0)
		hard_newline(h);
	else if (strcmp(name, "pre") == 0)
		h->pre += end ? (h->pre > 0 ? -1 : 0) : 1;
	else if (strcmp(name, "blockquote") == 0) {
		want(h, 2);
		h->quote += end ? (h->quote > 0 ? -1 : 0) : 1;
	} else if (strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0) {
		want(h, h->list == 0 ? 2 : 1);
		if (end) {
			if (h->list > 0)
				h->list--;
		} else {
			if (h->list < MAX_LIST)
				h->olnum[h->list] = name[0] == 'o' ? 1 : 0;
			h->list++;
		}
	} else if (strcmp(name, "li") == 0 && !end)
		list_item(h);
	else if (strcmp(name, "hr") == 0) {
		want(h, 2);
		text(h, "----------", 10);
		want(h, 2);
	} else if ((strcmp(name, "td") == 0 || strcmp(name, "th") == 0) &&
	    !end) {
		if (!h->bol && h->out.len > 0 && h->want_nl == 0) {
			settle(h);
			mbuf_adds(&h->out, "  ");
		}
	} else if (strcmp(name, "img") == 0) {
		alt = attribute(t, n, "alt");
		if (alt != NULL && *alt != '\0') {
			text(h, "[", 1);
			mbuf_adds(&h->out, alt);
			mbuf_addc(&h->out, ']');
		}
		free(alt);
	} else if (strcmp(name, "a") == 0) {
		if (end) {
			if (h->link_open > 0)
				mbuf_printf(&h->out, "[%d]", h->link_open);
			h->link_open = 0;
		} else
			open_link(h, t, n);
	}
}

/* Handle the markup at s[0] == '<'; returns the bytes consumed. */
static size_t
markup(struct html *h, const char *s, size_t n)
{
	const char	*e;
	char		 name[16], close[20];
	size_t		 i = 1, k = 0, j;
	bool		 end = false;

	if (n >= 4 && strncmp(s, "<!--", 4) == 0) {
		e = find(s + 4, n - 4, "-->");
		return e != NULL ? (size_t)(e - s) + 3 : n;
	}
	if (n >= 2 && (s[1] == '!' || s[1] == '?')) {
		e = memchr(s, '>', n);
		return e != NULL ? (size_t)(e - s) + 1 : n;
	}
	if (i < n && s[i] == '/') {
		end = true;
		i++;
	}
	if (i >= n || !isalpha((unsigned char)s[i])) {
		text(h, "<", 1);	/* a lone "<" is text */
		return 1;
	}
	for (; i < n && (isalnum((unsigned char)s[i]) || s[i] == ':' ||
	    s[i] == '-'); i++)
		if (k + 1 < sizeof name)
			name[k++] = (char)tolower((unsigned char)s[i]);
	name[k] = '\0';
	/* The tag ends at the first ">" outside quotes. */
	for (j = i; j < n && s[j] != '>'; j++) {
		if (s[j] == '"' || s[j] == '\'') {
			bool *none = s[j] == '"' ? &h->no_dq : &h->no_sq;

			e = *none ? NULL : memchr(s + j + 1, s[j], n - j - 1);
			if (e == NULL) {
				*none = true;
				j = n;
				break;
			}
			j = (size_t)(e - s);
		}
	}
	if (j >= n) {
		/* Unterminated: retry without honouring quotes. */
		e = memchr(s + i, '>', n - i);
		j = e != NULL ? (size_t)(e - s) : n;
	}
	tag(h, name, end, s + i, j - i);
	j = j < n ? j + 1 : n;

	if (!end) {
		for (k = 0; k < sizeof skipped / sizeof skipped[0]; k++) {
			if (strcmp(name, skipped[k]) != 0)
				continue;
			snprintf(close, sizeof close, "</%s", name);
			e = find(s + j, n - j, close);
			if (e == NULL)
				return n;
			e = memchr(e, '>', n - (size_t)(e - s));
			return e != NULL ? (size_t)(e - s) + 1 : n;
		}
	}
	return j;
}

char *
html_to_text(const char *s, size_t n, int *linkno, size_t max, size_t *outlen)
{
	struct html	 h;
	size_t		 i = 0, e;
	uint32_t	 cp;
	int		 dummy = 0;

	memset(&h, 0, sizeof h);
	h.linkno = linkno != NULL ? linkno : &dummy;
	h.max = max;
	h.bol = true;
	while (i < n) {
		if (h.out.len > h.max) {
			h.full = true;
			break;
		}
		switch (s[i]) {
		case '<':
			i += markup(&h, s + i, n - i);
			continue;
		case '&':
			if ((e = entity(s + i, n - i, &cp)) > 0) {
				settle(&h);
				put_cp(&h.out, cp);
				i += e;
				continue;
			}
			text(&h, "&", 1);
			i++;
			continue;
		case ' ':
		case '\t':
		case '\r':
		case '\n':
		case '\f':
			if (h.pre > 0) {
				if (s[i] == '\n')
					hard_newline(&h);
				else if (s[i] != '\r')
					text(&h, s + i, 1);
			} else
				h.space = !h.bol;
			i++;
			continue;
		default:
			/* a run of plain text */
			for (e = i; e < n && s[e] != '<' && s[e] != '&' &&
			    s[e] != ' ' && s[e] != '\t' && s[e] != '\r' &&
			    s[e] != '\n' && s[e] != '\f'; e++)
				;
			text(&h, s + i, e - i);
			i = e;
		}
	}
	if (h.out.len > 0 && h.out.p[h.out.len - 1] != '\n')
		mbuf_addc(&h.out, '\n');
	if (h.full)
		mbuf_adds(&h.out, "[...]\n");
	if (h.links.len > 0) {
		mbuf_adds(&h.out, "\nLinks:\n");
		mbuf_add(&h.out, h.links.p, h.links.len);
	}
	mbuf_free(&h.links);
	return mbuf_finish(&h.out, outlen);
}

char *
html_meta_charset(const char *s, size_t n)
{
	const char	*m, *e, *c;
	size_t		 k;

	if (n > 4096)
		n = 4096;	/* the declaration must come early */
	while ((m = find(s, n, "<meta")) != NULL) {
		n -= (size_t)(m - s);
		s = m;
		e = memchr(s, '>', n);
		k = e != NULL ? (size_t)(e - s) : n;
		if ((c = find(s, k, "charset=")) != NULL) {
			c += 8;
			while (c < s + k && (*c == '"' || *c == '\'' ||
			    *c == ' '))
				c++;
			for (e = c; e < s + k && (isalnum((unsigned char)*e) ||
			    strchr("-_.:", *e) != NULL); e++)
				;
			if (e > c)
				return xstrndup(c, (size_t)(e - c));
		}
		s += 5;
		n -= 5;
	}
	return NULL;
}
