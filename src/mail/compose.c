/*
 * compose.c - writing mail: drafts, addresses, replies and forwards, and
 * the RFC 5322 + MIME bytes that go to SMTP, Sent and Drafts.
 *
 * The tree is built with libetpan and written by mailmime_write_mem(), but
 * libetpan 1.9.4 leaves gaps that are filled here:
 *   - it has no RFC 2047 encoder: rfc2047_encode() makes the encoded words
 *     for Subject and display names;
 *   - its quoted-printable writer encodes every 'F' and much punctuation
 *     and writes a trailing space twice ("a \n" becomes "a =20"), so the
 *     text is encoded here and handed over as already encoded;
 *   - it writes every parameter value as a quoted-string, which RFC 2231
 *     extended values (filename*=UTF-8''...) must not be: a file name that
 *     needs RFC 2231 is written as part of the disposition token instead;
 *   - its Message-ID names the local host, so ours is made from random
 *     bytes the caller supplies and the domain of the From address.
 * The output is 7-bit clean (libetpan never sends BODY=8BITMIME): text is
 * 7bit, quoted-printable or base64 by content, attachments are base64 so
 * that they arrive byte for byte; only a forwarded message that itself
 * holds 8-bit bytes is declared 8bit (message/rfc822 may not be encoded).
 *
 * Pure: no I/O. The caller reads files, picks the time and the random
 * bytes, and the signature.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "mail/mail.h"

/* ---- small helpers --------------------------------------------------- */

static bool
is_blank_n(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

static bool
is_blank(const char *s)
{
	if (s == NULL)
		return true;
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* A copy of s trimmed of spaces and tabs at both ends. */
static char *
trim_dup(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

/*
 * One header line from user text: line breaks and tabs become spaces,
 * other control characters go, invalid UTF-8 becomes U+FFFD, ends trimmed.
 * Malloc'd; the caller frees. NULL gives "".
 */
static char *
header_text(const char *s)
{
	char	*flat, *safe, *out;
	size_t	 i;

	flat = xstrdup(s != NULL ? s : "");
	for (i = 0; flat[i] != '\0'; i++)
		if (flat[i] == '\r' || flat[i] == '\n' || flat[i] == '\t')
			flat[i] = ' ';
	safe = sanitize_line(flat);
	free(flat);
	out = trim_dup(safe, strlen(safe));
	free(safe);
	return out;
}

static bool
all_ascii(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* Length of the UTF-8 sequence starting with byte c (1 for a stray byte). */
static size_t
utf8_seq_len(unsigned char c)
{
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	if (c >= 0xE0)
		return c <= 0xEF ? 3 : 1;
	if (c >= 0xC2)
		return 2;
	return 1;
}

static void
strv_add(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

static void
strv_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- RFC 2047 encoding ----------------------------------------------- */

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
b64_group(struct mbuf *b, const unsigned char *p, size_t n)
{
	unsigned	v;
	char		o[4];

	v = (unsigned)p[0] << 16 | (n > 1 ? (unsigned)p[1] << 8 : 0) |
	    (n > 2 ? p[2] : 0);
	o[0] = b64chars[v >> 18 & 63];
	o[1] = b64chars[v >> 12 & 63];
	o[2] = n > 1 ? b64chars[v >> 6 & 63] : '=';
	o[3] = n > 2 ? b64chars[v & 63] : '=';
	mbuf_add(b, o, 4);
}

/* One "=?UTF-8?B?...?=" word for s[0..n). */
static void
b_word(struct mbuf *b, const char *s, size_t n)
{
	size_t	i;

	mbuf_adds(b, "=?UTF-8?B?");
	for (i = 0; i < n; i += 3)
		b64_group(b, (const unsigned char *)s + i, n - i < 3 ? n - i : 3);
	mbuf_adds(b, "?=");
}

/*
 * s[0..n) as encoded words of at most 36 raw bytes each (48 base64
 * characters, 60 with the wrapping: under RFC 2047's 75, and short enough
 * that libetpan never folds right after "Subject:", which some readers
 * show as a leading space), separated by a space and never splitting a
 * UTF-8 sequence. A space between encoded
 * words is not part of the text, so spaces are encoded inside the words.
 */
static void
b_words(struct mbuf *b, const char *s, size_t n)
{
	size_t	i = 0, take, k;
	bool	first = true;

	while (i < n) {
		take = 0;
		while (i + take < n) {
			k = utf8_seq_len((unsigned char)s[i + take]);
			if (i + take + k > n)
				k = n - i - take;
			if (take + k > 36 && take > 0)
				break;
			take += k;
		}
		if (!first)
			mbuf_addc(b, ' ');
		b_word(b, s + i, take);
		first = false;
		i += take;
	}
}

/* Does this word (no spaces) have to be encoded? */
static bool
word_needs_encoding(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c >= 0x80 || c < 0x20 || c == 0x7F)
			return true;
		if (c == '=' && i + 1 < n && s[i + 1] == '?')
			return true;
	}
	return false;
}

char *
rfc2047_encode(const char *text, bool phrase)
{
	struct mbuf	 b = { 0 };
	const char	*s, *w, *first = NULL, *last_end = NULL;
	char		*clean, *out;
	size_t		 n;

	clean = header_text(text);
	n = strlen(clean);
	/* Find the first and the last word that need encoding. */
	for (s = clean; *s != '\0'; ) {
		while (*s == ' ')
			s++;
		w = s;
		while (*s != '\0' && *s != ' ')
			s++;
		if (s > w && word_needs_encoding(w, (size_t)(s - w))) {
			if (first == NULL)
				first = w;
			last_end = s;
		}
	}
	if (first == NULL)
		return clean;
	/*
	 * In a phrase (a display name) an encoded word may not sit inside a
	 * quoted string, and libetpan quotes a name holding specials: encode
	 * the whole name so that it is all atext.
	 */
	if (phrase) {
		first = clean;
		last_end = clean + n;
	}
	mbuf_add(&b, clean, (size_t)(first - clean));
	b_words(&b, first, (size_t)(last_end - first));
	mbuf_adds(&b, last_end);
	out = mbuf_finish(&b, NULL);
	free(clean);
	return out;
}

/* ---- addresses ------------------------------------------------------- */

static bool
is_atext(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

int
compose_addr_check(const char *addr, struct perr *err)
{
	const char	*at, *p, *label;
	size_t		 n, llen;

	if (addr == NULL || *addr == '\0')
		return perr_set(err, PERR_GENERIC, "empty address");
	if (strpbrk(addr, "\r\n") != NULL)
		return perr_set(err, PERR_GENERIC, "'%s': contains a line "
		    "break", addr);
	if (strpbrk(addr, "<>") != NULL)
		return perr_set(err, PERR_GENERIC, "'%s': contains '<' or "
		    "'>'", addr);
	n = strlen(addr);
	if (!all_ascii(addr, n))
		return perr_set(err, PERR_GENERIC, "'%s': non-ASCII "
		    "characters in an address need SMTPUTF8, which posta "
		    "cannot send", addr);
	for (p = addr; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7F)
			return perr_set(err, PERR_GENERIC, "'%s': contains a "
			    "space or a control character", addr);
	if ((at = strrchr(addr, '@')) == NULL)
		return perr_set(err, PERR_GENERIC, "'%s': missing '@domain'",
		    addr);
	llen = (size_t)(at - addr);
	if (llen == 0)
		return perr_set(err, PERR_GENERIC, "'%s': nothing before '@'",
		    addr);
	if (llen > 64)
		return perr_set(err, PERR_GENERIC, "'%s': the part before "
		    "'@' is longer than 64 characters", addr);
	if (n > 254)
		return perr_set(err, PERR_GENERIC, "'%s': longer than 254 "
		    "characters", addr);
	if (addr[0] == '"') {
		if (llen < 2 || at[-1] != '"')
			return perr_set(err, PERR_GENERIC, "'%s': unbalanced "
			    "quotes before '@'", addr);
	} else {
		if (addr[0] == '.' || at[-1] == '.')
			return perr_set(err, PERR_GENERIC, "'%s': the part "
			    "before '@' may not start or end with '.'", addr);
		for (p = addr; p < at; p++) {
			if (*p == '.' && p[1] == '.')
				return perr_set(err, PERR_GENERIC, "'%s': "
				    "'..' before '@'", addr);
			if (*p != '.' && !is_atext((unsigned char)*p))
				return perr_set(err, PERR_GENERIC, "'%s': "
				    "'%c' is not allowed before '@' (unless "
				    "quoted)", addr, *p);
		}
	}
	p = at + 1;
	if (*p == '\0')
		return perr_set(err, PERR_GENERIC, "'%s': missing the domain "
		    "after '@'", addr);
	if (*p == '[') {
		if (p[strlen(p) - 1] != ']' || strlen(p) < 3)
			return perr_set(err, PERR_GENERIC, "'%s': unterminated "
			    "address literal", addr);
		return 0;
	}
	if (strlen(p) > 253)
		return perr_set(err, PERR_GENERIC, "'%s': domain too long",
		    addr);
	for (label = p; ; p++) {
		if (*p == '.' || *p == '\0') {
			size_t l = (size_t)(p - label);

			if (l == 0)
				return perr_set(err, PERR_GENERIC, "'%s': empty "
				    "label in the domain", addr);
			if (l > 63)
				return perr_set(err, PERR_GENERIC, "'%s': a "
				    "domain label is longer than 63 characters",
				    addr);
			if (label[0] == '-' || p[-1] == '-')
				return perr_set(err, PERR_GENERIC, "'%s': a "
				    "domain label may not start or end with "
				    "'-'", addr);
			if (*p == '\0')
				break;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-')
			return perr_set(err, PERR_GENERIC, "'%s': '%c' is not "
			    "allowed in a domain", addr, *p);
	}
	return 0;
}

void
compose_addrs_free(struct compose_addrs *a)
{
	size_t	i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].addr);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static void
addrs_add(struct compose_addrs *a, const char *name, const char *addr)
{
	a->v = xreallocarray(a->v, a->n + 1, sizeof *a->v);
	a->v[a->n].name = name != NULL && *name != '\0' ? xstrdup(name) : NULL;
	a->v[a->n].addr = xstrdup(addr);
	a->n++;
}

static bool
addrs_has(const struct compose_addrs *a, const char *addr)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		if (strcasecmp(a->v[i].addr, addr) == 0)
			return true;
	return false;
}

/* A quoted display name without its quotes and backslashes. */
static char *
unquote(const char *s, size_t n)
{
	struct mbuf	b = { 0 };
	size_t		i;

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		mbuf_addc(&b, s[i]);
	}
	return mbuf_finish(&b, NULL);
}

/*
 * One item of a list ("Name <a@b>", "<a@b>", "a@b"): into *name (may stay
 * NULL) and *addr, both malloc'd. -1 with err when it is not an address.
 */
static int
parse_item(const char *s, size_t n, char **name, char **addr,
    struct perr *err)
{
	const char	*lt = NULL, *gt = NULL;
	char		*item, *t;
	size_t		 i;
	bool		 q = false;

	*name = *addr = NULL;
	item = trim_dup(s, n);
	for (i = 0; item[i] != '\0'; i++) {
		if (item[i] == '\\' && q && item[i + 1] != '\0') {
			i++;
			continue;
		}
		if (item[i] == '"')
			q = !q;
		else if (!q && item[i] == '<' && lt == NULL)
			lt = item + i;
		else if (!q && item[i] == '>' && lt != NULL && gt == NULL)
			gt = item + i;
		else if (!q && item[i] == ':' && lt == NULL) {
			perr_set(err, PERR_GENERIC, "'%s': address groups "
			    "(\"name: a, b;\") are not supported", item);
			free(item);
			return -1;
		}
	}
	if (q) {
		perr_set(err, PERR_GENERIC, "'%s': unbalanced quotes", item);
		free(item);
		return -1;
	}
	if (lt != NULL) {
		if (gt == NULL) {
			perr_set(err, PERR_GENERIC, "'%s': missing '>'", item);
			free(item);
			return -1;
		}
		if (!is_blank(gt + 1)) {
			perr_set(err, PERR_GENERIC, "'%s': text after '>'",
			    item);
			free(item);
			return -1;
		}
		t = trim_dup(item, (size_t)(lt - item));
		*name = unquote(t, strlen(t));
		free(t);
		*addr = trim_dup(lt + 1, (size_t)(gt - lt - 1));
	} else if (strchr(item, '>') != NULL) {
		perr_set(err, PERR_GENERIC, "'%s': '>' without '<'", item);
		free(item);
		return -1;
	} else {
		if (strpbrk(item, " \t\"") != NULL) {
			perr_set(err, PERR_GENERIC, "'%s' is not an address "
			    "(write: Name <user@domain>)", item);
			free(item);
			return -1;
		}
		*addr = xstrdup(item);
	}
	free(item);
	if (compose_addr_check(*addr, err) != 0) {
		free(*name);
		free(*addr);
		*name = *addr = NULL;
		return -1;
	}
	if (*name != NULL) {
		t = header_text(*name);
		free(*name);
		*name = t;
	}
	return 0;
}

/*
 * Split text at commas (and semicolons) outside quotes and angle brackets
 * and parse each item. lenient: skip what is not an address (lists taken
 * from a received message) instead of failing.
 */
static int
parse_list(const char *text, bool lenient, struct compose_addrs *out,
    struct perr *err)
{
	const char	*s, *start;
	char		*name, *addr;
	bool		 q = false, angle = false;

	if (text == NULL)
		return 0;
	for (s = start = text; ; s++) {
		if (*s == '\\' && q && s[1] != '\0') {
			s++;
			continue;
		}
		if (*s == '"' && !angle)
			q = !q;
		else if (*s == '<' && !q)
			angle = true;
		else if (*s == '>' && !q)
			angle = false;
		if (*s == '\0' || ((*s == ',' || *s == ';') && !q && !angle)) {
			if (!is_blank_n(start, (size_t)(s - start))) {
				if (parse_item(start, (size_t)(s - start),
				    &name, &addr, err) != 0) {
					if (!lenient)
						return -1;
				} else {
					if (!addrs_has(out, addr))
						addrs_add(out, name, addr);
					free(name);
					free(addr);
				}
			}
			if (*s == '\0')
				break;
			start = s + 1;
		}
	}
	return 0;
}

int
compose_parse_addresses(const char *text, struct compose_addrs *out,
    struct perr *err)
{
	return parse_list(text, false, out, err);
}

char *
compose_addrs_format(const struct compose_addrs *a)
{
	struct mbuf	 b = { 0 };
	char		*s;
	size_t		 i;

	for (i = 0; i < a->n; i++) {
		s = addr_format(a->v[i].name, a->v[i].addr);
		if (i > 0)
			mbuf_adds(&b, ", ");
		mbuf_adds(&b, s);
		free(s);
	}
	return mbuf_finish(&b, NULL);
}

/* ---- MIME types ------------------------------------------------------- */

static const struct {
	const char	*ext;
	const char	*type;
} ext_types[] = {
	{ "txt", "text/plain" }, { "text", "text/plain" },
	{ "log", "text/plain" }, { "md", "text/plain" },
	{ "c", "text/plain" }, { "h", "text/plain" }, { "py", "text/plain" },
	{ "sh", "text/plain" }, { "patch", "text/x-diff" },
	{ "diff", "text/x-diff" }, { "csv", "text/csv" },
	{ "html", "text/html" }, { "htm", "text/html" },
	{ "css", "text/css" }, { "ics", "text/calendar" },
	{ "vcf", "text/vcard" }, { "json", "application/json" },
	{ "xml", "application/xml" }, { "pdf", "application/pdf" },
	{ "zip", "application/zip" }, { "gz", "application/gzip" },
	{ "tgz", "application/gzip" }, { "tar", "application/x-tar" },
	{ "bz2", "application/x-bzip2" }, { "xz", "application/x-xz" },
	{ "7z", "application/x-7z-compressed" },
	{ "doc", "application/msword" },
	{ "xls", "application/vnd.ms-excel" },
	{ "ppt", "application/vnd.ms-powerpoint" },
	{ "docx", "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet" },
	{ "pptx", "application/vnd.openxmlformats-officedocument."
	    "presentationml.presentation" },
	{ "odt", "application/vnd.oasis.opendocument.text" },
	{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
	{ "odp", "application/vnd.oasis.opendocument.presentation" },
	{ "rtf", "application/rtf" }, { "png", "image/png" },
	{ "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
	{ "gif", "image/gif" }, { "webp", "image/webp" },
	{ "svg", "image/svg+xml" }, { "bmp", "image/bmp" },
	{ "tif", "image/tiff" }, { "tiff", "image/tiff" },
	{ "mp3", "audio/mpeg" }, { "ogg", "audio/ogg" },
	{ "wav", "audio/wav" }, { "flac", "audio/flac" },
	{ "mp4", "video/mp4" }, { "webm", "video/webm" },
	{ "mkv", "video/x-matroska" }, { "asc", "application/pgp-keys" },
	{ "eml", "message/rfc822" },
};

static const struct {
	const char	*magic;
	size_t		 len;
	const char	*type;
} magics[] = {
	{ "%PDF-", 5, "application/pdf" },
	{ "\x89PNG\r\n\x1a\n", 8, "image/png" },
	{ "\xff\xd8\xff", 3, "image/jpeg" },
	{ "GIF87a", 6, "image/gif" }, { "GIF89a", 6, "image/gif" },
	{ "PK\x03\x04", 4, "application/zip" },
	{ "\x1f\x8b", 2, "application/gzip" },
	{ "BZh", 3, "application/x-bzip2" },
	{ "\xfd" "7zXZ\x00", 6, "application/x-xz" },
	{ "7z\xbc\xaf\x27\x1c", 6, "application/x-7z-compressed" },
	{ "OggS", 4, "audio/ogg" }, { "ID3", 3, "audio/mpeg" },
	{ "fLaC", 4, "audio/flac" },
};

/* Text: valid UTF-8 without NUL or other controls but tab, CR, LF, FF. */
static bool
looks_like_text(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n' &&
		    c != '\f') || c == 0x7F)
			return false;
	}
	return mail_utf8_valid(s, n);
}

const char *
compose_mime_type(const char *filename, const char *data, size_t len)
{
	const char	*dot, *ext_type = NULL, *magic_type = NULL;
	size_t		 i;
	bool		 text;

	if (filename != NULL && (dot = strrchr(filename, '.')) != NULL &&
	    dot[1] != '\0') {
		for (i = 0; i < sizeof ext_types / sizeof ext_types[0]; i++)
			if (strcasecmp(dot + 1, ext_types[i].ext) == 0) {
				ext_type = ext_types[i].type;
				break;
			}
	}
	for (i = 0; data != NULL && i < sizeof magics / sizeof magics[0]; i++)
		if (len >= magics[i].len &&
		    memcmp(data, magics[i].magic, magics[i].len) == 0) {
			magic_type = magics[i].type;
			break;
		}
	text = data != NULL && looks_like_text(data, len);
	if (ext_type != NULL) {
		/* A name that promises text (or a message) must hold it. */
		if ((strncmp(ext_type, "text/", 5) == 0 ||
		    strcmp(ext_type, "message/rfc822") == 0 ||
		    strcmp(ext_type, "application/json") == 0) && !text)
			return magic_type != NULL ? magic_type :
			    "application/octet-stream";
		return ext_type;
	}
	if (magic_type != NULL)
		return magic_type;
	return text ? "text/plain" : "application/octet-stream";
}

/* ---- transfer encodings ---------------------------------------------- */

static void
base64_encode(struct mbuf *b, const char *s, size_t n)
{
	size_t	i, col = 0;

	for (i = 0; i < n; i += 3) {
		b64_group(b, (const unsigned char *)s + i, n - i < 3 ? n - i : 3);
		if ((col += 4) >= 76) {
			mbuf_adds(b, "\r\n");
			col = 0;
		}
	}
	if (col > 0)
		mbuf_adds(b, "\r\n");
}

/*
 * Quoted-printable (RFC 2045 6.7) of text with LF or CRLF line ends: hard
 * line breaks become CRLF, lines are soft-broken to at most 76 characters,
 * '=', controls, 8-bit bytes and a space or tab at a line's end are
 * encoded, and so is the 'F' of a line starting "From " (mbox) and a lone
 * '.' line (some servers still mangle it).
 */
static void
qp_encode(struct mbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		  i, col = 0, k;
	bool		  bol = true;

	for (i = 0; i < n; i++) {
		unsigned char	c = s[i];
		char		e[4];
		size_t		elen;
		bool		eol;

		if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		if (c == '\n') {
			mbuf_adds(b, "\r\n");
			col = 0;
			bol = true;
			continue;
		}
		eol = i + 1 == n || s[i + 1] == '\n' ||
		    (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n');
		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !eol)) {
			e[0] = c;
			elen = 1;
		} else {
			e[0] = '=';
			e[1] = hex[c >> 4];
			e[2] = hex[c & 15];
			elen = 3;
		}
		if (bol && elen == 1 && ((c == 'F' && n - i >= 5 &&
		    memcmp(s + i, "From ", 5) == 0) || (c == '.' && eol))) {
			e[0] = '=';
			e[1] = hex[c >> 4];
			e[2] = hex[c & 15];
			elen = 3;
		}
		/* Room for this and a soft break's '=' (76 in all). */
		k = eol ? 76 : 75;
		if (col + elen > k) {
			mbuf_adds(b, "=\r\n");
			col = 0;
		}
		mbuf_add(b, e, elen);
		col += elen;
		bol = false;
	}
}

int
compose_text_encoding(const char *s, size_t n)
{
	size_t	i, high = 0, line = 0;
	bool	long_line = false, ctl = false, trailing = false;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c >= 0x80)
			high++;
		else if (c == '\n') {
			if (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
				trailing = true;
			line = 0;
			continue;
		} else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7F)
			ctl = true;
		if (++line > 76)
			long_line = true;
	}
	if (high == 0 && !long_line && !ctl && !trailing &&
	    !(n >= 5 && memcmp(s, "From ", 5) == 0) &&
	    memmem(s, n, "\nFrom ", 6) == NULL)
		return MAILMIME_MECHANISM_7BIT;
	/* QP triples every 8-bit byte: beyond about one in five, base64. */
	if (high * 5 <= n)
		return MAILMIME_MECHANISM_QUOTED_PRINTABLE;
	return MAILMIME_MECHANISM_BASE64;
}

/* ---- drafts ----------------------------------------------------------- */

static void
attachment_free(struct compose_attachment *a)
{
	free(a->filename);
	free(a->type);
	free(a->data);
	free(a->path);
}

void
compose_draft_free(struct compose_draft *d)
{
	size_t	i;

	if (d == NULL)
		return;
	free(d->from);
	free(d->to);
	free(d->cc);
	free(d->bcc);
	free(d->reply_to);
	free(d->subject);
	free(d->in_reply_to);
	free(d->references);
	free(d->body);
	for (i = 0; i < d->natt; i++)
		attachment_free(&d->att[i]);
	free(d->att);
	memset(d, 0, sizeof *d);
}

void
compose_draft_set(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? xstrdup(value) : NULL;
}

/* The last path component, one line, never empty. Malloc'd. */
static char *
clean_filename(const char *name)
{
	const char	*slash;
	char		*s;

	if (name == NULL)
		name = "";
	if ((slash = strrchr(name, '/')) != NULL)
		name = slash + 1;
	s = header_text(name);
	if (*s == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
		free(s);
		s = xstrdup("attachment");
	}
	return s;
}

void
compose_draft_attach(struct compose_draft *d, char *data, size_t len,
    const char *filename, const char *type, const char *path)
{
	struct compose_attachment *a;

	d->att = xreallocarray(d->att, d->natt + 1, sizeof *d->att);
	a = &d->att[d->natt++];
	memset(a, 0, sizeof *a);
	a->data = data;
	a->len = len;
	a->filename = clean_filename(filename);
	a->type = type != NULL ? xstrdup(type) : NULL;
	a->path = path != NULL ? xstrdup(path) : NULL;
}

void
compose_draft_detach(struct compose_draft *d, size_t i)
{
	if (i >= d->natt)
		return;
	attachment_free(&d->att[i]);
	memmove(&d->att[i], &d->att[i + 1],
	    (d->natt - i - 1) * sizeof *d->att);
	d->natt--;
}

void
compose_draft_add_signature(struct compose_draft *d, const char *sig,
    size_t len)
{
	struct mbuf	b = { 0 };

	while (len > 0 && (sig[len - 1] == '\n' || sig[len - 1] == '\r'))
		len--;
	if (sig == NULL || len == 0)
		return;
	if (d->body != NULL)
		mbuf_adds(&b, d->body);
	if (b.len > 0 && b.p[b.len - 1] != '\n')
		mbuf_addc(&b, '\n');
	if (!(len >= 3 && memcmp(sig, "-- ", 3) == 0))
		mbuf_adds(&b, "\n-- \n");
	else
		mbuf_addc(&b, '\n');
	mbuf_add(&b, sig, len);
	mbuf_addc(&b, '\n');
	free(d->body);
	d->body = mbuf_finish(&b, NULL);
}

char *
compose_message_id(const unsigned char *rnd, size_t n, const char *from_addr)
{
	static const char hex[] = "0123456789abcdef";
	struct mbuf	  b = { 0 };
	const char	 *at;
	size_t		  i;

	for (i = 0; i < n && i < 32; i++) {
		mbuf_addc(&b, hex[rnd[i] >> 4]);
		mbuf_addc(&b, hex[rnd[i] & 15]);
	}
	at = from_addr != NULL ? strrchr(from_addr, '@') : NULL;
	if (at != NULL && at[1] != '\0' && strpbrk(at + 1, "<> \t\r\n") ==
	    NULL && all_ascii(at + 1, strlen(at + 1)))
		mbuf_printf(&b, "@%s", at + 1);
	else
		mbuf_adds(&b, "@localhost");
	return mbuf_finish(&b, NULL);
}

/* ---- building ---------------------------------------------------------- */

/* Is this a message id we may write between <>: visible ASCII, no specials. */
static bool
msgid_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > 250)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c <= 0x20 || c >= 0x7F || strchr("<>()\\\",;", c) != NULL)
			return false;
	}
	return true;
}

/*
 * The ids of a space-separated list that may be written, <> removed, at
 * most max of them (the first and the last max - 1, as RFC 5322 3.6.4
 * suggests for long References). NULL when there are none.
 */
static clist *
id_list(const char *ids, size_t max)
{
	char	**v = NULL;
	clist	 *l;
	const char *s, *e;
	size_t	  n = 0, i;

	if (ids == NULL)
		return NULL;
	for (s = ids; *s != '\0'; s = e) {
		while (*s == ' ' || *s == '\t' || *s == ',' || *s == '<' ||
		    *s == '>')
			s++;
		for (e = s; *e != '\0' && *e != ' ' && *e != '\t' &&
		    *e != ',' && *e != '<' && *e != '>'; e++)
			;
		if (e > s && msgid_ok(s, (size_t)(e - s)))
			strv_add(&v, &n, xstrndup(s, (size_t)(e - s)));
	}
	if (n == 0) {
		free(v);
		return NULL;
	}
	if ((l = clist_new()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((i == 0 || i + max > n) && clist_append(l, v[i]) == 0)
			v[i] = NULL;
		free(v[i]);
	}
	free(v);
	return l;
}

/* libetpan lists; names encoded, strings handed over (it frees them). */
static struct mailimf_address_list *
imf_addr_list(const struct compose_addrs *a)
{
	struct mailimf_address_list	*l;
	size_t				 i;

	if (a->n == 0 || (l = mailimf_address_list_new_empty()) == NULL)
		return NULL;
	for (i = 0; i < a->n; i++)
		(void)mailimf_address_list_add_mb(l, a->v[i].name != NULL ?
		    rfc2047_encode(a->v[i].name, true) : NULL,
		    xstrdup(a->v[i].addr));
	return l;
}

/* Parse one address field of the draft for building. */
static int
field_addrs(const char *label, const char *text, struct compose_addrs *a,
    struct perr *err)
{
	if (compose_parse_addresses(text, a, err) != 0) {
		perr_prefix(err, "%s", label);
		return -1;
	}
	return 0;
}

/* Every byte ASCII and no line over 998: 7bit, else 8bit. */
static int
message_encoding(const char *s, size_t n)
{
	size_t	i, line = 0;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80 || s[i] == '\0')
			return MAILMIME_MECHANISM_8BIT;
		line = s[i] == '\n' ? 0 : line + 1;
		if (line > 998)
			return MAILMIME_MECHANISM_8BIT;
	}
	return MAILMIME_MECHANISM_7BIT;
}

/* A file name fine inside a quoted-string for every mail reader. */
static bool
filename_simple(const char *s)
{
	size_t	n = strlen(s), i;

	if (n > 60)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7F ||
		    s[i] == '"' || s[i] == '\\')
			return false;
	return strstr(s, "=?") == NULL;
}

/*
 * "attachment;\r\n filename*=UTF-8''%E2%82%AC.txt", split into numbered
 * continuations (filename*0*=, filename*1*=, ...) when long (RFC 2231).
 * libetpan would put an extended value in quotes, so this whole text
 * becomes the disposition token, which it writes as it is.
 */
static char *
rfc2231_disposition(const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	struct mbuf	  v = { 0 }, b = { 0 };
	char		 *val;
	size_t		  i, n, start, end, part;

	mbuf_adds(&v, "UTF-8''");
	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = name[i];

		if (isalnum(c) || strchr("!#$&+-.^_`|~", c))
			mbuf_addc(&v, c);
		else {
			mbuf_addc(&v, '%');
			mbuf_addc(&v, hex[c >> 4]);
			mbuf_addc(&v, hex[c & 15]);
		}
	}
	val = mbuf_finish(&v, &n);
	mbuf_adds(&b, "attachment;\r\n filename*=");
	if (n <= 60) {
		mbuf_adds(&b, val);
		free(val);
		return mbuf_finish(&b, NULL);
	}
	mbuf_free(&b);
	mbuf_adds(&b, "attachment");
	for (start = 0, part = 0; start < n; start = end, part++) {
		end = start + 60 < n ? start + 60 : n;
		/* Never cut a %XX in two. */
		if (end < n && end >= 1 && val[end - 1] == '%')
			end -= 1;
		else if (end < n && end >= 2 && val[end - 2] == '%')
			end -= 2;
		mbuf_printf(&b, ";\r\n filename*%zu*=%.*s", part,
		    (int)(end - start), val + start);
	}
	free(val);
	return mbuf_finish(&b, NULL);
}

static struct mailmime_disposition *
attachment_disposition(const char *name)
{
	struct mailmime_disposition_type	*t;
	clist					*parms;

	if (filename_simple(name))
		return mailmime_disposition_new_filename(
		    MAILMIME_DISPOSITION_TYPE_ATTACHMENT, xstrdup(name));
	t = mailmime_disposition_type_new(MAILMIME_DISPOSITION_TYPE_EXTENSION,
	    rfc2231_disposition(name));
	if (t == NULL || (parms = clist_new()) == NULL)
		return NULL;
	return mailmime_disposition_new(t, parms);
}

/* Buffers the tree points at, freed after it is written. */
struct bufs {
	char	**v;
	size_t	  n;
};

static struct mailmime *
single_part(const char *type, int enc, struct mailmime_disposition *dsp,
    const char *data, size_t len, const char *charset, const char *name)
{
	struct mailmime_content	*ct;
	struct mailmime_fields	*mf;
	struct mailmime_data	*body;
	struct mailmime		*p;
	char			*ename;

	if ((ct = mailmime_content_new_with_str(type)) == NULL &&
	    (ct = mailmime_content_new_with_str("application/octet-stream")) ==
	    NULL)
		return NULL;
	if (charset != NULL)
		clist_append(ct->ct_parameters, mailmime_param_new_with_data(
		    "charset", (char *)charset));
	if (name != NULL) {
		ename = filename_simple(name) ? xstrdup(name) :
		    rfc2047_encode(name, true);
		clist_append(ct->ct_parameters,
		    mailmime_param_new_with_data("name", ename));
		free(ename);
	}
	mf = mailmime_fields_new_with_data(mailmime_mechanism_new(enc, NULL),
	    NULL, NULL, dsp, NULL);
	body = mailmime_data_new(MAILMIME_DATA_TEXT, enc, 1, data, len, NULL);
	if (mf == NULL || body == NULL)
		return NULL;
	p = mailmime_new(MAILMIME_SINGLE, NULL, 0, mf, ct, body, NULL, NULL,
	    NULL, NULL, NULL);
	return p;
}

/*
 * Our boundary instead of libetpan's (time, random(), pid): "=_" never
 * occurs in base64 or quoted-printable text, and the id's random part
 * makes it unique.
 */
static void
set_boundary(struct mailmime_content *ct, const char *message_id)
{
	struct mailmime_parameter	*p;
	clistiter			*c;
	char				*bnd;

	bnd = xasprintf("=_posta_%s", message_id);
	bnd[strcspn(bnd, "@")] = '\0';
	for (c = clist_begin(ct->ct_parameters); c != NULL; c = clist_next(c)) {
		p = clist_content(c);
		if (strcasecmp(p->pa_name, "boundary") == 0) {
			free(p->pa_value);
			p->pa_value = bnd;
			return;
		}
	}
	clist_append(ct->ct_parameters,
	    mailmime_param_new_with_data("boundary", bnd));
	free(bnd);
}

static struct mailmime *
text_part(const char *body, struct bufs *bufs)
{
	struct mbuf	 b = { 0 };
	char		*enc;
	size_t		 len, n = body != NULL ? strlen(body) : 0;
	int		 how;

	if (body == NULL)
		body = "";
	how = compose_text_encoding(body, n);
	if (how == MAILMIME_MECHANISM_QUOTED_PRINTABLE)
		qp_encode(&b, body, n);
	else if (how == MAILMIME_MECHANISM_BASE64)
		base64_encode(&b, body, n);
	else
		mbuf_add(&b, body, n);
	/* A body that does not end its last line gets one. */
	if (b.len == 0 || b.p[b.len - 1] != '\n')
		mbuf_adds(&b, "\r\n");
	enc = mbuf_finish(&b, &len);
	strv_add(&bufs->v, &bufs->n, enc);
	return single_part("text/plain", how, NULL, enc, len,
	    all_ascii(body, n) ? "us-ascii" : "utf-8", NULL);
}

static struct mailmime *
attachment_part(const struct compose_attachment *a, struct bufs *bufs)
{
	struct mbuf	 b = { 0 };
	const char	*type;
	char		*enc;
	size_t		 len;

	type = a->type != NULL ? a->type :
	    compose_mime_type(a->filename, a->data, a->len);
	if (strcasecmp(type, "message/rfc822") == 0)
		/* RFC 2046 5.2.1: never base64; the bytes as they are. */
		return single_part("message/rfc822",
		    message_encoding(a->data, a->len),
		    attachment_disposition(a->filename), a->data, a->len,
		    NULL, NULL);
	base64_encode(&b, a->data != NULL ? a->data : "", a->len);
	enc = mbuf_finish(&b, &len);
	strv_add(&bufs->v, &bufs->n, enc);
	return single_part(type, MAILMIME_MECHANISM_BASE64,
	    attachment_disposition(a->filename), enc, len,
	    strncasecmp(type, "text/", 5) != 0 || !looks_like_text(a->data,
	    a->len) ? NULL : all_ascii(a->data, a->len) ? "us-ascii" : "utf-8",
	    a->filename);
}

int
compose_build(const struct compose_draft *d,
    const struct compose_build_opts *o, char **raw, size_t *len,
    struct perr *err)
{
	struct compose_addrs		 from = { 0 }, to = { 0 }, cc = { 0 },
					 bcc = { 0 }, rt = { 0 };
	struct mailimf_mailbox_list	*froml = NULL;
	struct mailimf_fields		*f;
	struct mailmime			*msg = NULL, *mp, *part;
	struct mailmime_content		*ct;
	struct bufs			 bufs = { 0 };
	MMAPString			*out = NULL;
	char				*subject = NULL;
	int				 col = 0, rc = -1;
	size_t				 i;

	*raw = NULL;
	*len = 0;
	if (o == NULL || o->message_id == NULL ||
	    !msgid_ok(o->message_id, strlen(o->message_id)))
		return perr_set(err, PERR_GENERIC, "compose: no valid "
		    "Message-ID given");
	if (field_addrs("From", d->from, &from, err) != 0 ||
	    field_addrs("To", d->to, &to, err) != 0 ||
	    field_addrs("Cc", d->cc, &cc, err) != 0 ||
	    field_addrs("Bcc", d->bcc, &bcc, err) != 0 ||
	    field_addrs("Reply-To", d->reply_to, &rt, err) != 0)
		goto out;
	if (from.n != 1) {
		perr_set(err, PERR_GENERIC, "From: %s", from.n == 0 ?
		    "no sender address" : "more than one address");
		goto out;
	}
	if (!o->draft && to.n + cc.n + bcc.n == 0) {
		perr_set(err, PERR_GENERIC, "no recipients (To, Cc or Bcc)");
		goto out;
	}

	if ((froml = mailimf_mailbox_list_new_empty()) == NULL)
		goto nomem;
	(void)mailimf_mailbox_list_add_mb(froml, from.v[0].name != NULL ?
	    rfc2047_encode(from.v[0].name, true) : NULL,
	    xstrdup(from.v[0].addr));
	if (!is_blank(d->subject))
		subject = rfc2047_encode(d->subject, false);
	f = mailimf_fields_new_with_data_all(mailimf_get_date(
	    (time_t)o->date), froml, NULL, imf_addr_list(&rt),
	    imf_addr_list(&to), imf_addr_list(&cc),
	    o->keep_bcc ? imf_addr_list(&bcc) : NULL,
	    xstrdup(o->message_id), id_list(d->in_reply_to, 1),
	    id_list(d->references, 20), subject);
	if (f == NULL)
		goto nomem;
	froml = NULL;
	subject = NULL;
	if (o->user_agent != NULL)
		(void)mailimf_fields_add(f, mailimf_field_new_custom(
		    xstrdup("User-Agent"), header_text(o->user_agent)));

	if ((msg = mailmime_new_message_data(NULL)) == NULL) {
		mailimf_fields_free(f);
		goto nomem;
	}
	mailmime_set_imf_fields(msg, f);
	if ((part = text_part(d->body, &bufs)) == NULL)
		goto nomem;
	if (d->natt == 0) {
		if (mailmime_smart_add_part(msg, part) != MAILIMF_NO_ERROR)
			goto nomem;
	} else {
		/* "=_" never occurs in base64 or quoted-printable text. */
		if ((ct = mailmime_content_new_with_str("multipart/mixed")) ==
		    NULL || (mp = mailmime_new_empty(ct,
		    mailmime_fields_new_empty())) == NULL)
			goto nomem;
		set_boundary(ct, o->message_id);
		if (mailmime_smart_add_part(msg, mp) != MAILIMF_NO_ERROR ||
		    mailmime_smart_add_part(mp, part) != MAILIMF_NO_ERROR)
			goto nomem;
		for (i = 0; i < d->natt; i++) {
			if ((part = attachment_part(&d->att[i], &bufs)) == NULL ||
			    mailmime_smart_add_part(mp, part) != MAILIMF_NO_ERROR)
				goto nomem;
		}
	}
	if ((out = mmap_string_new("")) == NULL)
		goto nomem;
	if (mailmime_write_mem(out, &col, msg) != MAILIMF_NO_ERROR) {
		perr_set(err, PERR_GENERIC, "compose: libetpan could not "
		    "write the message");
		goto out;
	}
	*raw = xmalloc(out->len + 1);
	memcpy(*raw, out->str, out->len);
	(*raw)[out->len] = '\0';
	*len = out->len;
	rc = 0;
	goto out;
nomem:
	perr_set(err, PERR_NOMEM, "compose: out of memory");
out:
	if (out != NULL)
		mmap_string_free(out);
	if (msg != NULL)
		mailmime_free(msg);
	if (froml != NULL)
		mailimf_mailbox_list_free(froml);
	free(subject);
	strv_free(bufs.v, bufs.n);
	compose_addrs_free(&from);
	compose_addrs_free(&to);
	compose_addrs_free(&cc);
	compose_addrs_free(&bcc);
	compose_addrs_free(&rt);
	return rc;
}

/* ---- the envelope of a built message --------------------------------- */

void
compose_envelope_free(struct compose_envelope *e)
{
	if (e == NULL)
		return;
	free(e->from);
	strv_free(e->rcpt, e->nrcpt);
	memset(e, 0, sizeof *e);
}

/* Where the header ends: the offset of the empty line's first byte. */
static size_t
header_end(const char *s, size_t n, size_t *body)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		if (i + 1 < n && s[i + 1] == '\n') {
			*body = i + 2;
			return i + 1;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			*body = i + 3;
			return i + 1;
		}
	}
	*body = n;
	return n;
}

static int
env_add(struct compose_envelope *e, const char *addr, struct perr *err)
{
	size_t	i;

	if (compose_addr_check(addr, err) != 0)
		return -1;
	for (i = 0; i < e->nrcpt; i++)
		if (strcasecmp(e->rcpt[i], addr) == 0)
			return 0;
	strv_add(&e->rcpt, &e->nrcpt, xstrdup(addr));
	return 0;
}

static int
env_mailboxes(struct compose_envelope *e, const struct mailimf_mailbox_list *l,
    struct perr *err)
{
	clistiter	*c;

	if (l == NULL || l->mb_list == NULL)
		return 0;
	for (c = clist_begin(l->mb_list); c != NULL; c = clist_next(c)) {
		const struct mailimf_mailbox *mb = clist_content(c);

		if (mb != NULL && env_add(e, mb->mb_addr_spec, err) != 0)
			return -1;
	}
	return 0;
}

static int
env_addresses(struct compose_envelope *e,
    const struct mailimf_address_list *l, struct perr *err)
{
	clistiter	*c;

	if (l == NULL || l->ad_list == NULL)
		return 0;
	for (c = clist_begin(l->ad_list); c != NULL; c = clist_next(c)) {
		const struct mailimf_address *a = clist_content(c);

		if (a == NULL)
			continue;
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			if (env_add(e, a->ad_data.ad_mailbox->mb_addr_spec,
			    err) != 0)
				return -1;
		} else if (a->ad_data.ad_group != NULL &&
		    env_mailboxes(e, a->ad_data.ad_group->grp_mb_list, err) != 0)
			return -1;
	}
	return 0;
}

/*
 * The length of the Resent-* block a message starts with (RFC 5322
 * 3.6.6: a bounce prepends one), 0 when it starts with another field.
 * Each block has exactly one Resent-Date, so a second one starts an
 * earlier bounce's block, whose recipients are not this one's.
 */
static size_t
resent_block(const char *raw, size_t hlen)
{
	const char	*nl;
	size_t		 i, eol;
	bool		 dated = false;

	for (i = 0; i < hlen; i = eol) {
		nl = memchr(raw + i, '\n', hlen - i);
		eol = nl != NULL ? (size_t)(nl - raw) + 1 : hlen;
		if (raw[i] == ' ' || raw[i] == '\t') {
			if (i == 0)
				return 0;
			continue;
		}
		if (eol - i < 7 || strncasecmp(raw + i, "Resent-", 7) != 0)
			break;
		if (eol - i >= 12 && strncasecmp(raw + i, "Resent-Date:",
		    12) == 0) {
			if (dated)
				break;
			dated = true;
		}
	}
	return i;
}

/* The sender from a From (a bounce: Resent-From) mailbox list. */
static int
env_from(struct compose_envelope *e, const struct mailimf_mailbox_list *l,
    const char *label, struct perr *err)
{
	const struct mailimf_mailbox	*mb;

	if (e->from != NULL || l == NULL || clist_begin(l->mb_list) == NULL)
		return 0;
	mb = clist_content(clist_begin(l->mb_list));
	if (compose_addr_check(mb->mb_addr_spec, err) != 0) {
		perr_prefix(err, "%s", label);
		return -1;
	}
	e->from = xstrdup(mb->mb_addr_spec);
	return 0;
}

static int
env_list(struct compose_envelope *e, const struct mailimf_address_list *l,
    const char *label, struct perr *err)
{
	if (env_addresses(e, l, err) == 0)
		return 0;
	perr_prefix(err, "%s", label);
	return -1;
}

/* One header field into the envelope: the plain or the Resent- ones. */
static int
env_field(struct compose_envelope *e, const struct mailimf_field *fl,
    bool resent, struct perr *err)
{
	switch (resent ? -fl->fld_type : fl->fld_type) {
	case MAILIMF_FIELD_FROM:
		return env_from(e, fl->fld_data.fld_from->frm_mb_list, "From",
		    err);
	case MAILIMF_FIELD_TO:
		return env_list(e, fl->fld_data.fld_to->to_addr_list, "To",
		    err);
	case MAILIMF_FIELD_CC:
		return env_list(e, fl->fld_data.fld_cc->cc_addr_list, "Cc",
		    err);
	case MAILIMF_FIELD_BCC:
		return env_list(e, fl->fld_data.fld_bcc->bcc_addr_list, "Bcc",
		    err);
	case -MAILIMF_FIELD_RESENT_FROM:
		return env_from(e, fl->fld_data.fld_resent_from->frm_mb_list,
		    "Resent-From", err);
	case -MAILIMF_FIELD_RESENT_TO:
		return env_list(e, fl->fld_data.fld_resent_to->to_addr_list,
		    "Resent-To", err);
	case -MAILIMF_FIELD_RESENT_CC:
		return env_list(e, fl->fld_data.fld_resent_cc->cc_addr_list,
		    "Resent-Cc", err);
	case -MAILIMF_FIELD_RESENT_BCC:
		return env_list(e, fl->fld_data.fld_resent_bcc->bcc_addr_list,
		    "Resent-Bcc", err);
	default:
		return 0;
	}
}

/* A list as header text: names RFC 2047-encoded. Malloc'd. */
static char *
imf_header_addrs(const struct compose_addrs *a)
{
	struct mbuf	 b = { 0 };
	char		*name;
	size_t		 i;

	for (i = 0; i < a->n; i++) {
		if (i > 0)
			mbuf_adds(&b, ", ");
		if (a->v[i].name == NULL) {
			mbuf_adds(&b, a->v[i].addr);
			continue;
		}
		name = rfc2047_encode(a->v[i].name, true);
		mbuf_printf(&b, "%s <%s>", name, a->v[i].addr);
		free(name);
	}
	return mbuf_finish(&b, NULL);
}

static const char *const wday_names[7] = { "Sun", "Mon", "Tue", "Wed",
    "Thu", "Fri", "Sat" };
static const char *const month_names[12] = { "Jan", "Feb", "Mar", "Apr",
    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

int
compose_bounce(const char *raw, size_t len, const char *from,
    const char *to, int64_t date, const char *message_id, char **out,
    size_t *outlen, struct perr *err)
{
	struct compose_addrs	 a = { 0 };
	struct mbuf		 b = { 0 };
	struct tm		 tm;
	time_t			 t = (time_t)date;
	char			*fromf, *tof;

	*out = NULL;
	*outlen = 0;
	if (raw == NULL)
		return perr_set(err, PERR_GENERIC, "no message to bounce");
	if (parse_list(from, false, &a, err) != 0) {
		perr_prefix(err, "Resent-From");
		compose_addrs_free(&a);
		return -1;
	}
	if (a.n != 1) {
		compose_addrs_free(&a);
		return perr_set(err, PERR_GENERIC, "Resent-From: exactly one "
		    "address expected");
	}
	fromf = imf_header_addrs(&a);
	compose_addrs_free(&a);
	if (parse_list(to, false, &a, err) != 0) {
		perr_prefix(err, "Resent-To");
		compose_addrs_free(&a);
		free(fromf);
		return -1;
	}
	if (a.n == 0) {
		free(fromf);
		return perr_set(err, PERR_GENERIC, "Resent-To: no address to "
		    "bounce the message to");
	}
	tof = imf_header_addrs(&a);
	compose_addrs_free(&a);
	(void)gmtime_r(&t, &tm);
	mbuf_printf(&b, "Resent-Date: %s, %d %s %04d %02d:%02d:%02d +0000\r\n"
	    "Resent-From: %s\r\nResent-To: %s\r\n"
	    "Resent-Message-ID: <%s>\r\n", wday_names[tm.tm_wday % 7],
	    tm.tm_mday, month_names[tm.tm_mon % 12], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, fromf, tof, message_id);
	/* The original follows untouched, byte for byte. */
	mbuf_add(&b, raw, len);
	*out = mbuf_finish(&b, outlen);
	free(fromf);
	free(tof);
	return 0;
}

int
compose_envelope(const char *raw, size_t len, struct compose_envelope *e,
    char **out, size_t *outlen, struct perr *err)
{
	struct mailimf_fields	*f = NULL;
	struct mbuf		 b = { 0 };
	clistiter		*c;
	char			*hdr;
	size_t			 hlen, body, idx = 0, i, eol, rb;
	bool			 skip = false;
	int			 rc = -1;

	memset(e, 0, sizeof *e);
	*out = NULL;
	*outlen = 0;
	if (raw == NULL)
		return perr_set(err, PERR_GENERIC, "no message");
	hlen = header_end(raw, len, &body);
	/* A bounce: only its Resent-* block is ours to read and change. */
	if ((rb = resent_block(raw, hlen)) > 0)
		hlen = rb;
	hdr = xstrndup(raw, hlen);
	if (mailimf_fields_parse(hdr, hlen, &idx, &f) != MAILIMF_NO_ERROR) {
		free(hdr);
		return perr_set(err, PERR_GENERIC, "the message's header "
		    "cannot be parsed");
	}
	for (c = clist_begin(f->fld_list); c != NULL; c = clist_next(c))
		if (env_field(e, clist_content(c), rb > 0, err) != 0)
			goto out;
	if (e->from == NULL) {
		perr_set(err, PERR_GENERIC, "the message has no From address");
		goto out;
	}
	if (e->nrcpt == 0) {
		perr_set(err, PERR_GENERIC, "the message has no recipients");
		goto out;
	}
	/* The header without Bcc (a bounce: Resent-Bcc) and its
	 * continuation lines. */
	for (i = 0; i < hlen; i = eol) {
		const char *nl = memchr(raw + i, '\n', hlen - i);
		const char *bcc = rb > 0 ? "Resent-Bcc:" : "Bcc:";

		eol = nl != NULL ? (size_t)(nl - raw) + 1 : hlen;
		if (raw[i] != ' ' && raw[i] != '\t')
			skip = eol - i >= strlen(bcc) &&
			    strncasecmp(raw + i, bcc, strlen(bcc)) == 0;
		if (!skip)
			mbuf_add(&b, raw + i, eol - i);
	}
	mbuf_add(&b, raw + hlen, len - hlen);
	*out = mbuf_finish(&b, outlen);
	rc = 0;
out:
	if (rc != 0)
		compose_envelope_free(e);
	mailimf_fields_free(f);
	free(hdr);
	return rc;
}

/* ---- replies and forwards --------------------------------------------- */

static const char *const reply_prefixes[] = { "re", "aw", "sv", "vs", "r",
    "rif", "antw", "odp", "ref", "res", "atb", "vá", NULL };
static const char *const forward_prefixes[] = { "fwd", "fw", "wg", "tr",
    "i", "enc", "rv", "doorst", NULL };

/* Length of one prefix from list at s ("Re:", "RE[2]:", "Fwd :"), or 0. */
static size_t
subject_prefix(const char *s, const char *const *list)
{
	size_t	i, l, k;

	for (i = 0; list[i] != NULL; i++) {
		l = strlen(list[i]);
		if (strncasecmp(s, list[i], l) != 0)
			continue;
		k = l;
		if (s[k] == '[' || s[k] == '(') {
			char close = s[k] == '[' ? ']' : ')';

			for (k++; isdigit((unsigned char)s[k]); k++)
				;
			if (s[k] != close)
				continue;
			k++;
		}
		while (s[k] == ' ')
			k++;
		if (s[k] == ':')
			return k + 1;
	}
	return 0;
}

static char *
subject_with(const char *subject, const char *prefix,
    const char *const *list)
{
	char		*clean, *out;
	const char	*s;
	size_t		 k;

	clean = header_text(subject);
	for (s = clean; ; s += k) {
		while (*s == ' ')
			s++;
		if ((k = subject_prefix(s, list)) == 0)
			break;
	}
	out = xasprintf("%s%s", prefix, s);
	free(clean);
	return out;
}

char *
compose_subject_reply(const char *subject)
{
	return subject_with(subject, "Re: ", reply_prefixes);
}

char *
compose_subject_forward(const char *subject)
{
	return subject_with(subject, "Fwd: ", forward_prefixes);
}

/* The display text of the first field of a type (Reply-To, Bcc), or NULL. */
static char *
field_list_display(const struct mailimf_fields *f, int type, const char *hint)
{
	const struct mailimf_address_list	*l = NULL;
	clistiter				*c;

	if (f == NULL || f->fld_list == NULL)
		return NULL;
	for (c = clist_begin(f->fld_list); c != NULL; c = clist_next(c)) {
		const struct mailimf_field *fl = clist_content(c);

		if (fl->fld_type != type)
			continue;
		if (type == MAILIMF_FIELD_REPLY_TO)
			l = fl->fld_data.fld_reply_to->rt_addr_list;
		else if (type == MAILIMF_FIELD_BCC)
			l = fl->fld_data.fld_bcc->bcc_addr_list;
		return l != NULL ? addr_list_display(l, hint) : NULL;
	}
	return NULL;
}

/* What a reply or forward needs of the original, decoded. */
struct orig {
	struct mail_headers	 h;
	char			*reply_to;	/* display list or NULL */
	char			*bcc;
	char			*date;		/* display text or NULL */
};

static void
orig_open(const char *raw, size_t len, struct orig *o)
{
	struct mime_msg	m;
	struct perr	ignored;
	const char	*hint;

	memset(o, 0, sizeof *o);
	(void)mail_headers_parse(raw, len, &o->h, &ignored);
	mime_open(raw, len, false, &m);
	hint = mail_headers_hint(&m);
	o->reply_to = field_list_display(m.fields, MAILIMF_FIELD_REPLY_TO,
	    hint);
	o->bcc = field_list_display(m.fields, MAILIMF_FIELD_BCC, hint);
	o->date = m.fields != NULL ? mail_headers_date_text(m.fields) : NULL;
	mime_close(&m);
}

static void
orig_close(struct orig *o)
{
	mail_headers_free(&o->h);
	free(o->reply_to);
	free(o->bcc);
	free(o->date);
}

/* The readable text of a message, without leading or trailing blank lines. */
static char *
message_text(const char *raw, size_t len)
{
	struct mail_render_opts	 ro = { MAIL_RENDER_NO_HEADERS |
				    MAIL_RENDER_NO_ATTACHMENTS, 0 };
	struct perr		 ignored;
	char			*text = NULL, *s, *out;
	size_t			 n;

	if (mail_render(raw, len, &text, &ro, &ignored) != 0 || text == NULL) {
		free(text);
		return xstrdup("");
	}
	for (s = text; *s == '\n' || *s == ' ' || *s == '\t'; ) {
		size_t k = strspn(s, " \t");

		if (s[k] != '\n')
			break;
		s += k + 1;
	}
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t'))
		n--;
	out = xstrndup(s, n);
	free(text);
	return out;
}

/* ---- who the user is ------------------------------------------------ */

#define ALTERNATE_MAX	512	/* bytes of one alternates item */

/* One alternates item against addr: an address, else a whole-match ERE. */
static bool
alternate_match(const char *item, size_t n, const char *addr)
{
	struct perr	 ignored;
	regex_t		 re;
	char		*it, *pat;
	bool		 hit = false;

	if (n == 0 || n > ALTERNATE_MAX)
		return false;
	it = xstrndup(item, n);
	if (compose_addr_check(it, &ignored) == 0) {
		hit = strcasecmp(it, addr) == 0;
		free(it);
		return hit;
	}
	/* Anchored, so "bob@x" never matches "notbob@x.evil". */
	pat = xasprintf("^(%s)$", it);
	if (regcomp(&re, pat, REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0) {
		hit = regexec(&re, addr, 0, NULL, 0) == 0;
		regfree(&re);
	}
	free(pat);
	free(it);
	return hit;
}

bool
compose_self_is(const struct compose_self *self, const char *addr)
{
	struct compose_addrs	 ids = { 0 };
	struct perr		 ignored;
	const char		*p;
	size_t			 n;
	bool			 hit;

	if (self == NULL || addr == NULL || *addr == '\0')
		return false;
	if (self->email != NULL && strcasecmp(self->email, addr) == 0)
		return true;
	(void)parse_list(self->identities, true, &ids, &ignored);
	hit = addrs_has(&ids, addr);
	compose_addrs_free(&ids);
	for (p = self->alternates; !hit && p != NULL && *p != '\0'; p += n) {
		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		hit = alternate_match(p, n, addr);
	}
	return hit;
}

/* addr as From: named as its identity says, else with real_name. */
static char *
self_from(const struct compose_self *self, const char *addr)
{
	struct compose_addrs	 ids = { 0 };
	struct perr		 ignored;
	const char		*name = self->real_name;
	char			*out;
	size_t			 i;

	(void)parse_list(self->identities, true, &ids, &ignored);
	for (i = 0; i < ids.n; i++) {
		if (strcasecmp(ids.v[i].addr, addr) != 0)
			continue;
		/* As the user spells it, not as the sender did. */
		addr = ids.v[i].addr;
		if (ids.v[i].name != NULL)
			name = ids.v[i].name;
		break;
	}
	out = addr_format(name, addr);
	compose_addrs_free(&ids);
	return out;
}

char **
compose_self_choices(const struct compose_self *self, size_t *n)
{
	struct compose_addrs	  ids = { 0 };
	struct perr		  ignored;
	char			**v;
	size_t			  i;

	(void)parse_list(self->identities, true, &ids, &ignored);
	v = xcalloc(ids.n + 1, sizeof *v);
	*n = 0;
	if (self->email != NULL)
		v[(*n)++] = addr_format(self->real_name, self->email);
	for (i = 0; i < ids.n; i++) {
		if (self->email != NULL &&
		    strcasecmp(ids.v[i].addr, self->email) == 0)
			continue;
		v[(*n)++] = addr_format(ids.v[i].name != NULL ?
		    ids.v[i].name : self->real_name, ids.v[i].addr);
	}
	compose_addrs_free(&ids);
	return v;
}

/* The first of self's addresses among the lists, in order; or NULL. */
static const char *
self_among(const struct compose_self *self,
    const struct compose_addrs *const *lists, size_t nlists)
{
	size_t	i, j;

	for (i = 0; i < nlists; i++)
		for (j = 0; j < lists[i]->n; j++)
			if (compose_self_is(self, lists[i]->v[j].addr))
				return lists[i]->v[j].addr;
	return NULL;
}

static void
add_except(struct compose_addrs *dst, const struct compose_addrs *src,
    const struct compose_self *self, const struct compose_addrs *also_not)
{
	size_t	i;

	for (i = 0; i < src->n; i++) {
		if (compose_self_is(self, src->v[i].addr))
			continue;
		if (also_not != NULL && addrs_has(also_not, src->v[i].addr))
			continue;
		if (!addrs_has(dst, src->v[i].addr))
			addrs_add(dst, src->v[i].name, src->v[i].addr);
	}
}

int
compose_reply(const char *raw, size_t len, bool all,
    const struct compose_self *self, struct compose_draft *d,
    struct perr *err)
{
	struct orig		 o;
	struct compose_addrs	 from = { 0 }, rt = { 0 }, to = { 0 },
				 cc = { 0 }, nto = { 0 }, ncc = { 0 };
	struct perr		 ignored;
	struct mbuf		 b = { 0 };
	char			*text, *line, *next;
	const struct compose_addrs *order[] = { &to, &cc, &from };
	const char		*who, *mine;

	memset(d, 0, sizeof *d);
	if (raw == NULL)
		return perr_set(err, PERR_GENERIC, "no message to reply to");
	orig_open(raw, len, &o);
	if (compose_addr_check(o.h.from_addr, &ignored) == 0)
		addrs_add(&from, o.h.from_name, o.h.from_addr);
	(void)parse_list(o.reply_to, true, &rt, &ignored);
	(void)parse_list(o.h.to, true, &to, &ignored);
	(void)parse_list(o.h.cc, true, &cc, &ignored);

	add_except(&nto, rt.n > 0 ? &rt : &from, self, NULL);
	/* A reply to one's own message goes to its recipients. */
	if (nto.n == 0)
		add_except(&nto, &to, self, NULL);
	if (all) {
		add_except(&ncc, &to, self, &nto);
		add_except(&ncc, &cc, self, &nto);
	}
	/* The address it was sent to is the one to answer from. */
	if ((mine = self_among(self, order, 3)) != NULL)
		d->from = self_from(self, mine);
	d->to = compose_addrs_format(&nto);
	d->cc = ncc.n > 0 ? compose_addrs_format(&ncc) : NULL;
	d->subject = compose_subject_reply(o.h.subject);
	if (*o.h.message_id != '\0') {
		d->in_reply_to = xstrdup(o.h.message_id);
		d->references = xasprintf("%s%s%s", *o.h.references != '\0' ?
		    o.h.references : o.h.in_reply_to,
		    *o.h.references != '\0' || *o.h.in_reply_to != '\0' ?
		    " " : "", o.h.message_id);
	}

	who = *o.h.from_name != '\0' ? o.h.from_name :
	    *o.h.from_addr != '\0' ? o.h.from_addr : "someone";
	if (o.date != NULL)
		mbuf_printf(&b, "On %s, %s wrote:\n", o.date, who);
	else
		mbuf_printf(&b, "%s wrote:\n", who);
	text = message_text(raw, len);
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0')
			mbuf_adds(&b, ">\n");
		else
			mbuf_printf(&b, ">%s%s\n", *line == '>' ? "" : " ",
			    line);
	}
	mbuf_addc(&b, '\n');
	d->body = mbuf_finish(&b, NULL);
	free(text);

	compose_addrs_free(&from);
	compose_addrs_free(&rt);
	compose_addrs_free(&to);
	compose_addrs_free(&cc);
	compose_addrs_free(&nto);
	compose_addrs_free(&ncc);
	orig_close(&o);
	return 0;
}

/* The original's attachments, decoded, onto d. */
static void
copy_attachments(const char *raw, size_t len, struct compose_draft *d)
{
	struct mail_part	*parts;
	struct perr		 ignored;
	char			*bytes;
	size_t			 n, i, blen;

	if (mail_attachments(raw, len, &parts, &n, &ignored) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (parts[i].role != MAIL_PART_ATTACHMENT)
			continue;
		if (mail_part_decode(raw, len, parts[i].id, &bytes, &blen,
		    &ignored) != 0)
			continue;
		compose_draft_attach(d, bytes, blen, *parts[i].filename != '\0' ?
		    parts[i].filename : parts[i].is_message ? "message.eml" :
		    "attachment", parts[i].is_message ? "message/rfc822" :
		    parts[i].type, NULL);
	}
	mail_parts_free(parts, n);
}

int
compose_forward(const char *raw, size_t len, bool as_attachment,
    struct compose_draft *d, struct perr *err)
{
	struct orig	 o;
	struct mbuf	 b = { 0 };
	char		*text, *from, *name, *p;

	memset(d, 0, sizeof *d);
	if (raw == NULL)
		return perr_set(err, PERR_GENERIC, "no message to forward");
	orig_open(raw, len, &o);
	d->subject = compose_subject_forward(o.h.subject);
	if (as_attachment) {
		name = xasprintf("%s.eml", *o.h.subject != '\0' ? o.h.subject :
		    "forwarded message");
		for (p = name; *p != '\0'; p++)
			if (*p == '/' || *p == '\\')
				*p = '_';
		p = xmalloc(len + 1);
		memcpy(p, raw, len);
		p[len] = '\0';
		compose_draft_attach(d, p, len, name, "message/rfc822", NULL);
		free(name);
		d->body = xstrdup("");
		orig_close(&o);
		return 0;
	}
	from = addr_format(o.h.from_name, o.h.from_addr);
	mbuf_adds(&b, "\n\n---------- Forwarded message ----------\n");
	mbuf_printf(&b, "From: %s\n", from);
	if (o.date != NULL)
		mbuf_printf(&b, "Date: %s\n", o.date);
	mbuf_printf(&b, "Subject: %s\n", o.h.subject);
	if (*o.h.to != '\0')
		mbuf_printf(&b, "To: %s\n", o.h.to);
	if (*o.h.cc != '\0')
		mbuf_printf(&b, "Cc: %s\n", o.h.cc);
	mbuf_addc(&b, '\n');
	text = message_text(raw, len);
	mbuf_adds(&b, text);
	mbuf_addc(&b, '\n');
	d->body = mbuf_finish(&b, NULL);
	free(text);
	free(from);
	copy_attachments(raw, len, d);
	orig_close(&o);
	return 0;
}

int
compose_from_message(const char *raw, size_t len, struct compose_draft *d,
    struct perr *err)
{
	struct orig	 o;
	char		*text;

	memset(d, 0, sizeof *d);
	if (raw == NULL)
		return perr_set(err, PERR_GENERIC, "no message");
	orig_open(raw, len, &o);
	if (*o.h.from_addr != '\0')
		d->from = addr_format(o.h.from_name, o.h.from_addr);
	if (*o.h.to != '\0')
		d->to = xstrdup(o.h.to);
	if (*o.h.cc != '\0')
		d->cc = xstrdup(o.h.cc);
	if (o.bcc != NULL && *o.bcc != '\0')
		d->bcc = xstrdup(o.bcc);
	if (o.reply_to != NULL && *o.reply_to != '\0')
		d->reply_to = xstrdup(o.reply_to);
	if (*o.h.subject != '\0')
		d->subject = xstrdup(o.h.subject);
	if (*o.h.in_reply_to != '\0')
		d->in_reply_to = xstrdup(o.h.in_reply_to);
	if (*o.h.references != '\0')
		d->references = xstrdup(o.h.references);
	text = message_text(raw, len);
	d->body = xasprintf("%s\n", text);
	free(text);
	copy_attachments(raw, len, d);
	orig_close(&o);
	return 0;
}

/* ---- the draft file ---------------------------------------------------- */

static const char *const draft_headers[] = { "From", "To", "Cc", "Bcc",
    "Subject", "Reply-To" };
#define NDRAFT_HEADERS	(sizeof draft_headers / sizeof draft_headers[0])

static char **
draft_field(struct compose_draft *d, size_t i)
{
	char	**f[NDRAFT_HEADERS] = { &d->from, &d->to, &d->cc, &d->bcc,
		    &d->subject, &d->reply_to };

	return f[i];
}

char *
compose_draft_file(const struct compose_draft *cd)
{
	struct compose_draft	*d = (struct compose_draft *)cd;
	struct mbuf		 b = { 0 };
	char			*v;
	size_t			 i;

	for (i = 0; i < NDRAFT_HEADERS; i++) {
		v = header_text(*draft_field(d, i));
		mbuf_printf(&b, "%s: %s\n", draft_headers[i], v);
		free(v);
	}
	mbuf_addc(&b, '\n');
	if (d->body != NULL)
		mbuf_adds(&b, d->body);
	return mbuf_finish(&b, NULL);
}

int
compose_draft_file_parse(const char *text, size_t len,
    struct compose_draft *d, struct perr *err)
{
	struct mbuf	 vals[NDRAFT_HEADERS], body = { 0 };
	const char	*p = text, *end = text + len, *nl, *colon;
	size_t		 i, n, lineno = 0, cur = NDRAFT_HEADERS;
	bool		 in_body = false;

	memset(vals, 0, sizeof vals);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (in_body) {
			for (i = 0; i < n; i++)
				if (!(p[i] == '\r' && i + 1 == n))
					mbuf_addc(&body, p[i]);
			if (nl != NULL)
				mbuf_addc(&body, '\n');
		} else if (n == 0 || (n == 1 && p[0] == '\r')) {
			in_body = true;
		} else if ((p[0] == ' ' || p[0] == '\t') &&
		    cur < NDRAFT_HEADERS) {
			i = strspn(p, " \t");
			mbuf_addc(&vals[cur], ' ');
			mbuf_add(&vals[cur], p + i, n - i);
		} else {
			colon = memchr(p, ':', n);
			cur = NDRAFT_HEADERS;
			for (i = 0; colon != NULL && i < NDRAFT_HEADERS; i++)
				if ((size_t)(colon - p) ==
				    strlen(draft_headers[i]) &&
				    strncasecmp(p, draft_headers[i],
				    (size_t)(colon - p)) == 0)
					cur = i;
			if (cur == NDRAFT_HEADERS) {
				perr_set(err, PERR_GENERIC, "line %zu: %s '%.*s' "
				    "(the header lines are From, To, Cc, Bcc, "
				    "Subject and Reply-To; an empty line starts "
				    "the body)", lineno, colon == NULL ?
				    "not a header line:" : "unknown header",
				    (int)(colon == NULL ? (n > 40 ? 40 : n) :
				    (size_t)(colon - p)), p);
				for (i = 0; i < NDRAFT_HEADERS; i++)
					mbuf_free(&vals[i]);
				mbuf_free(&body);
				return -1;
			}
			if (vals[cur].len > 0)
				mbuf_adds(&vals[cur], ", ");
			mbuf_add(&vals[cur], colon + 1,
			    (size_t)(p + n - colon - 1));
		}
		p = nl != NULL ? nl + 1 : end;
	}
	for (i = 0; i < NDRAFT_HEADERS; i++) {
		char *v = mbuf_finish(&vals[i], NULL), *t = header_text(v);

		free(v);
		free(*draft_field(d, i));
		if (*t == '\0') {
			free(t);
			t = NULL;
		}
		*draft_field(d, i) = t;
	}
	free(d->body);
	d->body = mbuf_finish(&body, NULL);
	return 0;
}

/* ---- mailto: URLs ------------------------------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX-decode s[0..n) (RFC 3986); malloc'd. */
static char *
pct_decode(const char *s, size_t n)
{
	struct mbuf	b = { 0 };
	size_t		i;
	int		h, l;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && (h = hexval(s[i + 1])) >= 0 &&
		    (l = hexval(s[i + 2])) >= 0) {
			mbuf_addc(&b, (char)(h << 4 | l));
			i += 2;
		} else
			mbuf_addc(&b, s[i]);
	}
	return mbuf_finish(&b, NULL);
}

/* Append value to a comma-separated field. */
static void
field_append(char **field, const char *value)
{
	char	*s;

	if (*value == '\0')
		return;
	if (*field == NULL || **field == '\0') {
		free(*field);
		*field = xstrdup(value);
		return;
	}
	s = xasprintf("%s, %s", *field, value);
	free(*field);
	*field = s;
}

int
compose_mailto(const char *url, struct compose_draft *d, struct perr *err)
{
	const char	*p, *q, *amp, *eq;
	char		*v, *k, *body;
	size_t		 i;

	if (url == NULL || strncasecmp(url, "mailto:", 7) != 0)
		return perr_set(err, PERR_GENERIC, "not a mailto: URL");
	p = url + 7;
	q = strchr(p, '?');
	v = pct_decode(p, q != NULL ? (size_t)(q - p) : strlen(p));
	field_append(&d->to, v);
	free(v);
	for (p = q != NULL ? q + 1 : NULL; p != NULL && *p != '\0'; p = amp) {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp != NULL ? (size_t)(amp - p) : strlen(p));
		if (eq != NULL) {
			k = pct_decode(p, (size_t)(eq - p));
			v = pct_decode(eq + 1, amp != NULL ?
			    (size_t)(amp - eq - 1) : strlen(eq + 1));
			if (strcasecmp(k, "to") == 0)
				field_append(&d->to, v);
			else if (strcasecmp(k, "cc") == 0)
				field_append(&d->cc, v);
			else if (strcasecmp(k, "bcc") == 0)
				field_append(&d->bcc, v);
			else if (strcasecmp(k, "subject") == 0)
				compose_draft_set(&d->subject, v);
			else if (strcasecmp(k, "in-reply-to") == 0)
				compose_draft_set(&d->in_reply_to, v);
			else if (strcasecmp(k, "body") == 0) {
				/* CRLF in a URL body means a line break. */
				body = xstrdup(v);
				for (i = 0; body[i] != '\0'; i++)
					if (body[i] == '\r' && body[i + 1] == '\n')
						memmove(body + i, body + i + 1,
						    strlen(body + i));
				free(d->body);
				d->body = xasprintf("%s\n", body);
				free(body);
			}
			free(k);
			free(v);
		}
		if (amp != NULL)
			amp++;
	}
	return 0;
}
