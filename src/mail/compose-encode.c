/*
 * compose-encode.c - the encodings of composing (see compose.c): the
 * helpers every compose file shares, RFC 2047 encoded words for Subject
 * and display names (libetpan has no encoder), MIME types by file name
 * and content, quoted-printable and base64 bodies (libetpan's QP
 * writer encodes every 'F' and doubles trailing spaces), and the
 * downgrade of 8bit text to quoted-printable for servers without
 * 8BITMIME.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "mail/compose-int.h"
#include "util/i18n.h"

/* ---- small helpers --------------------------------------------------- */

bool
compose_is_blank_n(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

bool
compose_is_blank(const char *s)
{
	if (s == NULL)
		return true;
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* A copy of s trimmed of spaces and tabs at both ends. */
char *
compose_trim_dup(const char *s, size_t n)
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
char *
compose_header_text(const char *s)
{
	char	*flat, *safe, *out;
	size_t	 i;

	flat = xstrdup(s != NULL ? s : "");
	for (i = 0; flat[i] != '\0'; i++)
		if (flat[i] == '\r' || flat[i] == '\n' || flat[i] == '\t')
			flat[i] = ' ';
	safe = sanitize_line(flat);
	free(flat);
	out = compose_trim_dup(safe, strlen(safe));
	free(safe);
	return out;
}

bool
compose_all_ascii(const char *s, size_t n)
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

void
compose_strv_add(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

void
compose_strv_free(char **v, size_t n)
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

	clean = compose_header_text(text);
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
bool
compose_looks_like_text(const char *s, size_t n)
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
	text = data != NULL && compose_looks_like_text(data, len);
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

void
compose_base64_encode(struct mbuf *b, const char *s, size_t n)
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
void
compose_qp_encode(struct mbuf *b, const char *s, size_t n)
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
	size_t	i, high = 0, line = 0, longest = 0;
	bool	ctl = false, trailing = false;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '\n') {
			if (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
				trailing = true;
			if (line > longest)
				longest = line;
			line = 0;
			continue;
		}
		if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		if (c >= 0x80)
			high++;
		else if ((c < 0x20 && c != '\t') || c == 0x7F)
			ctl = true;	/* NUL, a bare CR, ... */
		line++;
	}
	if (line > longest)
		longest = line;
	if (high == 0 && longest <= 76 && !ctl && !trailing &&
	    !(n >= 5 && memcmp(s, "From ", 5) == 0) &&
	    memmem(s, n, "\nFrom ", 6) == NULL)
		return MAILMIME_MECHANISM_7BIT;
	/*
	 * 8bit as it is (the outbox turns it into quoted-printable for a
	 * server without 8BITMIME: compose_downgrade()), unless SMTP could
	 * not carry it: a line over 998 bytes (RFC 5321 4.5.3.1.6), NUL or
	 * a bare CR (RFC 2045 2.8). Never base64: text stays readable.
	 */
	if (high > 0 && longest <= 998 && !ctl)
		return MAILMIME_MECHANISM_8BIT;
	return MAILMIME_MECHANISM_QUOTED_PRINTABLE;
}

/* ---- 8bit to quoted-printable (RFC 6152 section 3: no 8BITMIME) ------- */

/* A text leaf sent 8bit: its header block [hdr, body) and its body. */
struct leaf8 {
	size_t	hdr, body, len;
};

struct leaves8 {
	struct leaf8	*v;
	size_t		 n;
	bool		 other;	/* 8bit that is not a text leaf */
};

static bool
is_text(const struct mailmime *m)
{
	const struct mailmime_type *t = m->mm_content_type != NULL ?
	    m->mm_content_type->ct_type : NULL;

	/* No Content-Type: text/plain (RFC 2045 5.2). */
	return t == NULL || (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
	    t->tp_data.tp_discrete_type->dt_type ==
	    MAILMIME_DISCRETE_TYPE_TEXT);
}

/* The parts of m (depth bounded by the guard's parse) that are 8bit. */
static void
leaves8(const struct mailmime *m, const char *base, struct leaves8 *l,
    int depth)
{
	clistiter		*it;
	const struct mailmime_data *b = m->mm_body;

	if (depth > 64) {
		l->other = true;
		return;
	}
	switch (m->mm_type) {
	case MAILMIME_SINGLE:
		if (b == NULL || b->dt_type != MAILMIME_DATA_TEXT ||
		    b->dt_encoding != MAILMIME_MECHANISM_8BIT ||
		    compose_all_ascii(b->dt_data.dt_text.dt_data,
		    b->dt_data.dt_text.dt_length))
			return;
		if (!is_text(m) || m->mm_mime_start == NULL) {
			l->other = true;
			return;
		}
		l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
		l->v[l->n].hdr = (size_t)(m->mm_mime_start - base);
		l->v[l->n].body = (size_t)(b->dt_data.dt_text.dt_data - base);
		l->v[l->n].len = b->dt_data.dt_text.dt_length;
		l->n++;
		return;
	case MAILMIME_MULTIPLE:
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it))
			leaves8(clist_content(it), base, l, depth + 1);
		return;
	case MAILMIME_MESSAGE:
		/* The top message's body; an attached message stays as it
		 * is (message/rfc822 may not be encoded, RFC 2046 5.2.1). */
		if (depth == 0 && m->mm_data.mm_message.mm_msg_mime != NULL)
			leaves8(m->mm_data.mm_message.mm_msg_mime, base, l,
			    depth + 1);
		else if (b != NULL && b->dt_type == MAILMIME_DATA_TEXT &&
		    !compose_all_ascii(b->dt_data.dt_text.dt_data,
		    b->dt_data.dt_text.dt_length))
			l->other = true;
		return;
	default:
		return;
	}
}

/* A header block with its Content-Transfer-Encoding (and the lines
 * folded into it) saying quoted-printable. */
static void
header_to_qp(struct mbuf *b, const char *h, size_t n)
{
	static const char	 cte[] = "Content-Transfer-Encoding:";
	size_t			 i = 0, e;

	while (i < n) {
		for (e = i; e < n && h[e] != '\n'; e++)
			;
		e = e < n ? e + 1 : n;
		if (e - i >= sizeof cte - 1 &&
		    strncasecmp(h + i, cte, sizeof cte - 1) == 0) {
			mbuf_adds(b, "Content-Transfer-Encoding: "
			    "quoted-printable\r\n");
			/* Its folded lines go with it. */
			while (e < n && (h[e] == ' ' || h[e] == '\t')) {
				while (e < n && h[e] != '\n')
					e++;
				e = e < n ? e + 1 : n;
			}
		} else
			mbuf_add(b, h + i, e - i);
		i = e;
	}
}

int
compose_downgrade(const char *raw, size_t len, char **out, size_t *outlen,
    struct perr *err)
{
	struct mailmime	*m = NULL;
	struct leaves8	 l = { NULL, 0, false };
	struct mbuf	 b = { 0 };
	size_t		 idx = 0, at = 0, i;

	*out = NULL;
	*outlen = 0;
	if (compose_all_ascii(raw, len))
		return 0;
	if (mailmime_parse(raw, len, &idx, &m) != MAILIMF_NO_ERROR)
		return perr_set(err, PERR_GENERIC, _("the message to send "
		    "cannot be read as MIME to make it 7-bit"));
	leaves8(m, raw, &l, 0);
	mailmime_free(m);
	if (l.n == 0) {
		free(l.v);
		return 0;
	}
	for (i = 0; i < l.n; i++) {
		if (l.v[i].hdr < at || l.v[i].body < l.v[i].hdr ||
		    l.v[i].body + l.v[i].len > len)
			break;	/* never: parts come in order */
		mbuf_add(&b, raw + at, l.v[i].hdr - at);
		header_to_qp(&b, raw + l.v[i].hdr, l.v[i].body - l.v[i].hdr);
		compose_qp_encode(&b, raw + l.v[i].body, l.v[i].len);
		at = l.v[i].body + l.v[i].len;
	}
	free(l.v);
	if (i < l.n) {
		mbuf_free(&b);
		return perr_set(err, PERR_GENERIC, _("the message to send has "
		    "parts out of order; it cannot be made 7-bit"));
	}
	mbuf_add(&b, raw + at, len - at);
	*out = mbuf_finish(&b, outlen);
	return 1;
}
