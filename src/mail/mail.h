/*
 * mail.h - the face of src/mail: pure functions over message bytes.
 *
 *   headers.c   mail_headers_parse(): what the store keeps of a header
 *   render.c    mail_render(): a whole message as terminal-safe text;
 *               mail_index(): headers, search text and problem, one parse
 *   mime.c      the MIME tree (libetpan), part numbers, attachments, decoding
 *   guard.c     defuses nesting libetpan would overflow the stack or
 *               spend quadratic time on (internal)
 *   html.c      HTML to readable text, with a numbered link list
 *   flowed.c    format=flowed (RFC 3676) unwrapping
 *   charset.c   any charset to valid UTF-8 (iconv; U+FFFD for bad bytes)
 *   rfc2047.c   encoded words in headers ("=?UTF-8?Q?...?=")
 *   rfc2231.c   parameter values (filename*=UTF-8''..., continuations)
 *   addr.c      address lists as display strings
 *   date.c      RFC 5322 dates, also broken ones, to unix time
 *   mutf7.c     IMAP modified UTF-7 mailbox names (RFC 3501 5.1.3)
 *   thread.c    subject base for threading by subject
 *   jwz.c       JWZ threading of an array of messages (bounded)
 *   compose.c   writing mail: building the MIME message; around the
 *               private compose-int.h: compose-encode.c (RFC 2047, MIME
 *               types, QP/base64), compose-addr.c (addresses, the SMTP
 *               envelope), compose-draft.c (drafts, the draft file),
 *               compose-reply.c (replies, forwards, identities),
 *               compose-mailto.c (mailto: URLs)
 *   list.c      mailing list headers: List-Id, List-Post, List-Unsubscribe
 *   buf.c       a growable byte buffer (internal)
 *
 * Nothing here does I/O, keeps global state or exits: every function maps
 * bytes to bytes and may be called from any thread. Messages are hostile:
 * every entry point accepts arbitrary bytes (NUL included), bounds its
 * recursion and its output, and returns valid UTF-8.
 */
#ifndef POSTA_MAIL_H
#define POSTA_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "util/i18n.h"

/* Limits that keep a hostile message from costing more than a normal one. */
#define MAIL_MAX_DEPTH		32	/* nested multiparts / messages walked */
#define MAIL_MAX_PARTS		1024	/* MIME parts looked at per message */
#define MAIL_MAX_LINKS		1000	/* links numbered per message */
#define MAIL_RENDER_MAX		(8u << 20) /* default cap on rendered bytes */

/*
 * The largest message posta takes in: a whole message is held in memory,
 * so every way one enters (IMAP and POP3 download, a file attached to mail
 * being sent, import from mbox or Maildir) refuses or skips a bigger one.
 */
#define MAIL_MSG_MAX		((size_t)64 << 20)

/* ---- headers -------------------------------------------------------- */

/*
 * What the store keeps of a message, decoded to UTF-8. Every string is
 * malloc'd and never NULL ("" when absent); all are single-line and already
 * passed through sanitize_text(), so no control character is left.
 * Message ids are given without their angle brackets.
 */
struct mail_headers {
	char	*message_id;
	char	*in_reply_to;	/* the first id of In-Reply-To */
	char	*references;	/* ids separated by one space */
	int64_t	 date;		/* unix time; 0 if absent or unparseable */
	char	*from_name;	/* display name, "" if none */
	char	*from_addr;
	char	*to;		/* "Name <addr>, addr, ..." */
	char	*cc;
	char	*subject;
	bool	 has_attachments;
};

/*
 * Parse a raw RFC 5322 message, or just its header block (then
 * has_attachments is false). A leading mbox "From " line is skipped. Broken
 * fields are decoded as well as they can be, never rejected. Returns 0, or
 * -1 with err set if raw is NULL. Free the result with mail_headers_free().
 */
int	 mail_headers_parse(const char *raw, size_t len, struct mail_headers *,
	    struct perr *);
void	 mail_headers_free(struct mail_headers *);
/*
 * Every field of the header block of raw, in order, one "Name: value"
 * line each: unfolded, RFC 2047 words decoded, sanitised (the pager's
 * header toggle). Malloc'd (caller frees), at most about
 * MAIL_RENDER_MAX bytes; "" for NULL.
 */
char	*mail_headers_all(const char *raw, size_t len);

/* ---- rendering ------------------------------------------------------ */

#define MAIL_RENDER_NO_HEADERS		0x01	/* body only */
#define MAIL_RENDER_NO_ATTACHMENTS	0x02	/* no attachment list */
#define MAIL_RENDER_PREFER_HTML		0x04	/* in multipart/alternative */

struct mail_render_opts {
	unsigned	flags;		/* MAIL_RENDER_* */
	size_t		max_bytes;	/* output cap; 0 means MAIL_RENDER_MAX */
};

/*
 * Render a whole message as text for the pager and "posta show": the From,
 * To, Cc, Date and Subject headers, the body (text/plain preferred in
 * multipart/alternative, HTML turned into text, every charset converted,
 * format=flowed joined, nested messages shown in place) and a list of
 * attachments with part number, type, file name and size.
 *
 * *out is a malloc'd NUL-terminated UTF-8 string the caller frees; it has
 * passed sanitize_text(keep_newlines), so it holds no control character but
 * newline and tab. opts may be NULL. Returns 0, or -1 with err set if raw is
 * NULL; a message that cannot be parsed is shown as plain text.
 */
int	 mail_render(const char *raw, size_t len, char **out,
	    const struct mail_render_opts *opts, struct perr *);

/* The problem of a message mime_guard() had to cut (store_msg.problem). */
#define MAIL_PROBLEM_COMPLEX	N_("This message is nested too deeply to read " \
	"whole; the parts past the limit are shown as raw text.")

/*
 * What the store keeps of a message, from one parse (sync and import
 * parse each message once): *h as mail_headers_parse() fills it, *text
 * the body as mail_render() gives it with MAIL_RENDER_NO_HEADERS and
 * MAIL_RENDER_NO_ATTACHMENTS, at most text_max bytes (0: the default),
 * for the search index, and *problem NULL, or MAIL_PROBLEM_COMPLEX when
 * the message was too complex to read whole. names, when not NULL,
 * gets the attachments' file names as mail_attachment_names() gives them
 * (from the same parse). *text, *problem and *names are malloc'd, the
 * caller frees them and h (mail_headers_free()). Returns 0, or -1 with
 * err set if raw is NULL.
 */
int	 mail_index(const char *raw, size_t len, size_t text_max,
	    struct mail_headers *h, char **text, char **problem, char **names,
	    struct perr *);

/*
 * The file names of the parts mail_attachments() lists, those that have
 * one, separated by a space, for the search index: malloc'd, NULL when
 * none (or raw is NULL). A message whose bytes never say "name=",
 * "name*=" or "filename=" is not parsed at all.
 */
char	*mail_attachment_names(const char *raw, size_t len);

/* ---- parts and attachments ----------------------------------------- */

enum mail_part_role {
	MAIL_PART_BODY,		/* shown inline by mail_render() */
	MAIL_PART_HIDDEN,	/* neither: an alternative not picked, or a
				   part inside a message listed whole */
	MAIL_PART_ATTACHMENT,	/* listed by mail_render() */
};

struct mail_part {
	char			*id;	  /* IMAP section number: "1", "2.1" */
	char			*type;	  /* lower-case ASCII, no control byte
					     (cleaned where it is made):
					     "application/pdf" */
	char			*filename; /* UTF-8, sanitised; "" if none */
	size_t			 size;	  /* decoded size in bytes */
	unsigned		 depth;	  /* nesting, 0 for top-level parts */
	enum mail_part_role	 role;
	bool			 is_message; /* message/rfc822: saves as .eml */
};

/*
 * List every leaf part and every nested message of a message in document
 * order. *parts is a malloc'd array of *nparts entries (NULL if none); free
 * it with mail_parts_free(). Returns 0, or -1 with err set if raw is NULL.
 */
int	 mail_attachments(const char *raw, size_t len, struct mail_part **parts,
	    size_t *nparts, struct perr *);
void	 mail_parts_free(struct mail_part *, size_t);

/*
 * Decode one part (by its IMAP section number, as in struct mail_part) to
 * its bytes: base64 and quoted-printable undone, no charset conversion. For
 * a message/rfc822 part, the embedded message. *bytes is malloc'd (one NUL
 * added after the *n bytes) and the caller frees it. Returns 0, or -1 with
 * err set (PERR_NOTFOUND when there is no such part).
 */
int	 mail_part_decode(const char *raw, size_t len, const char *part_id,
	    char **bytes, size_t *n, struct perr *);
/*
 * One text part (by its section number) as the pager shows a body: its
 * charset converted, HTML through the built-in renderer (links listed),
 * format=flowed joined; sanitised, at most MAIL_RENDER_MAX bytes. *out is
 * malloc'd (caller frees). 0, or -1 with err (PERR_NOTFOUND: no such
 * part, or not text/).
 */
int	 mail_part_render(const char *raw, size_t len, const char *part_id,
	    char **out, struct perr *err);

/* ---- text helpers --------------------------------------------------- */

/*
 * Convert len bytes in charset to UTF-8. Invalid bytes become U+FFFD; an
 * unknown, missing or "us-ascii" charset means UTF-8 when the bytes are
 * valid UTF-8 and Windows-1252 otherwise (ISO-8859-1 is read as its
 * superset Windows-1252). Returns a malloc'd NUL-terminated string the
 * caller frees, *outlen (if not NULL) its length. Never fails.
 */
char	*mail_charset_to_utf8(const char *charset, const char *in, size_t len,
	    size_t *outlen);
/* Is s[0..n) valid UTF-8 (no overlongs, surrogates or > U+10FFFF)? */
bool	 mail_utf8_valid(const char *s, size_t n);

/*
 * Decode an unstructured header value or an IMAP ENVELOPE string: unfold,
 * read raw 8-bit bytes as UTF-8 if valid, else Windows-1252, and decode RFC
 * 2047 encoded words (adjacent words joined, split characters rejoined,
 * malformed words left as they are). Returns a malloc'd single-line UTF-8
 * string, sanitised, that the caller frees; NULL input gives "".
 */
char	*rfc2047_decode(const char *);
char	*rfc2047_decode_n(const char *, size_t);

/*
 * A MIME parameter as parsed, name possibly with RFC 2231 "*" suffixes.
 * rfc2231_param() finds name among params ("filename*", "filename*0*",
 * "filename*1", ..., or plain "filename", which may hold RFC 2047 words) and
 * returns its decoded UTF-8 value, malloc'd and sanitised, or NULL if absent.
 */
struct mail_param {
	const char	*name;
	const char	*value;
};
char	*rfc2231_param(const struct mail_param *, size_t, const char *name);

/*
 * HTML (already UTF-8) to readable text: tags stripped, script/style
 * dropped, entities decoded, block elements on their own lines, list items
 * bulleted, and links numbered "text[N]" with "[N] url" listed at the end.
 * *linkno is the last number used so far (0 to start) and is advanced, so
 * numbering continues across parts. Output stops near max_out bytes.
 * Returns malloc'd UTF-8 (not yet sanitised) the caller frees.
 */
char	*html_to_text(const char *, size_t, int *linkno, size_t max_out,
	    size_t *outlen);
/* The charset a <meta> tag declares in the first bytes of html, or NULL
 * (malloc'd, caller frees). */
char	*html_meta_charset(const char *, size_t);

/*
 * Undo format=flowed (RFC 3676) in UTF-8 text with LF line ends: soft
 * breaks joined, space-stuffing removed, quote depth kept as "> " prefixes.
 * Returns malloc'd text the caller frees, *outlen its length.
 */
char	*flowed_unwrap(const char *, size_t, bool delsp, size_t *outlen);

/*
 * Format one address for display: "Name <addr>", or "addr" without a name;
 * a name holding any RFC 5322 special ( ) < > [ ] : ; @ \ , . or " is
 * quoted (with \ before " and \), so the result parses back as one
 * address. Returns malloc'd, caller frees.
 */
char	*addr_format(const char *name, const char *addr);

/*
 * A date header value to unix time: RFC 5322 and the common broken forms
 * (two-digit years, missing seconds or weekday, zone names, asctime).
 * Returns 0 when nothing sensible can be read.
 */
int64_t	 mail_date_parse(const char *);

/*
 * IMAP modified UTF-7 (RFC 3501 5.1.3). Both return a malloc'd string the
 * caller frees, or NULL for invalid input (bad UTF-8, bad base64, unpaired
 * surrogates, unterminated or non-canonical shifts).
 */
char	*mutf7_encode(const char *utf8);
char	*mutf7_decode(const char *mutf7);

/*
 * The base subject for threading: "Re:", "Fwd:", "Fw:", "R:", "I:", "Aw:",
 * "Sv:" (any case, "Re[2]:" too), "[list]" tags and a trailing "(fwd)"
 * stripped, whitespace collapsed. Returns malloc'd, caller frees.
 */
char	*mail_thread_subject_base(const char *subject);

/* What threading needs of a message; strings are borrowed. */
struct jwz_in {
	const char	*message_id;
	const char	*in_reply_to;
	const char	*refs;		/* space-separated ids */
	const char	*subject;
	int64_t		 date;
	int64_t		 id;		/* tie-break for equal dates */
};

/* One output row: which input, how deep, and its tree prefix. */
struct jwz_out {
	size_t		 index;		/* into the input array */
	int		 depth;
	char		*tree;		/* malloc'd: "├─>" style prefix, "" */
};

/*
 * JWZ threading (Message-ID, References, In-Reply-To, then subject) of n
 * messages. Threads are ordered by their newest message, newest first;
 * replies under their parent oldest first. *out is a malloc'd array of n
 * rows (each input once) freed with jwz_out_free().
 */
void	 jwz_build(const struct jwz_in *, size_t n, struct jwz_out **out);
void	 jwz_out_free(struct jwz_out *, size_t n);

/* ---- mailing lists (list.c) ------------------------------------------ */

#define MAIL_MLIST_MAX_URLS	8

/*
 * What a message says of the list it came through (RFC 2369, RFC 2919),
 * sanitised, malloc'd, freed with mail_mlist_free(): id is the List-Id
 * ("" when none); post the first mailto: URL of List-Post (NULL when none,
 * or "NO": the list takes no posts); unsub the URLs of List-Unsubscribe
 * in the order given (mailto:, https:, ...).
 */
struct mail_mlist {
	char	*id;
	char	*post;
	char	**unsub;
	size_t	 nunsub;
};
void	 mail_mlist_parse(const char *raw, size_t len, struct mail_mlist *);
void	 mail_mlist_free(struct mail_mlist *);

/* ---- composing (compose*.c) ----------------------------------------- */

/*
 * Writing mail. A struct compose_draft is what the compose screen and the
 * draft file edit: plain UTF-8 strings, address fields as the user types
 * them ("Ann <a@x.org>, b@y.org"), checked only when the message is built.
 * Every string is malloc'd and owned by the draft (NULL means empty);
 * compose_draft_free() releases everything. Nothing here reads files:
 * attachments come as bytes (the caller reads them).
 */
struct compose_attachment {
	char	*filename;	/* UTF-8 name the recipient sees */
	char	*type;		/* MIME type; NULL: compose_mime_type() */
	char	*data;		/* the bytes (owned) */
	size_t	 len;
	char	*path;		/* where they came from, for display; or NULL */
};

struct compose_draft {
	char	*from;		/* "Name <addr>": exactly one address */
	char	*to, *cc, *bcc, *reply_to;
	char	*subject;
	char	*in_reply_to;	/* one message id without <>, or NULL */
	char	*references;	/* message ids without <>, space-separated */
	char	*body;		/* UTF-8 text, LF line ends */
	struct compose_attachment *att;
	size_t	 natt;
};

void	 compose_draft_free(struct compose_draft *);
/* Replace *field by a copy of value (NULL clears it). */
void	 compose_draft_set(char **field, const char *value);
/*
 * Add an attachment: takes data (malloc'd, len bytes); filename is copied
 * (only its last path component is kept, control characters removed);
 * type and path may be NULL.
 */
void	 compose_draft_attach(struct compose_draft *, char *data, size_t len,
	    const char *filename, const char *type, const char *path);
/* Remove attachment i (out of range: nothing). */
void	 compose_draft_detach(struct compose_draft *, size_t i);
/*
 * Append a signature (the file's text): "\n-- \n" + sig, unless sig
 * already starts with "-- ". Nothing for an empty sig.
 */
void	 compose_draft_add_signature(struct compose_draft *, const char *sig,
	    size_t len);

/* One address: addr is an ASCII addr-spec, name UTF-8 or NULL. */
struct compose_addr {
	char	*name;
	char	*addr;
};
struct compose_addrs {
	struct compose_addr	*v;
	size_t			 n;
};
/*
 * Parse a comma-separated list ("Ann <a@x.org>, b@y.org, \"Doe, J\"
 * <j@z>"), appending to *out (duplicates dropped, case-insensitively).
 * An empty or NULL text is no address and no error. An invalid item is -1
 * with err saying which and why (the items before it stay in *out).
 * compose_addrs_free() releases out.
 */
int	 compose_parse_addresses(const char *text, struct compose_addrs *out,
	    struct perr *err);
void	 compose_addrs_free(struct compose_addrs *);
/*
 * Is addr a sendable addr-spec? Refuses CR, LF, '<', '>', spaces, control
 * and non-ASCII characters (libetpan puts envelope addresses into SMTP
 * commands verbatim, and cannot send SMTPUTF8), a missing or malformed
 * local part or domain. 0, or -1 with err giving the reason.
 */
int	 compose_addr_check(const char *addr, struct perr *err);
/* Format a list back as "Name <addr>, addr": malloc'd, caller frees. */
char	*compose_addrs_format(const struct compose_addrs *);

/*
 * RFC 2047: text (UTF-8) as a header value of ASCII: returned unchanged
 * (but made one line) when it needs no encoding, else with =?UTF-8?B?...?=
 * words. phrase: a display name (encoded whole when at all); otherwise an
 * unstructured value like Subject (only the span of words that need it).
 * Malloc'd; the caller frees. rfc2047_decode() gives text back.
 */
char	*rfc2047_encode(const char *text, bool phrase);

/*
 * The MIME type of an attachment from its file name's extension and its
 * first bytes (magic numbers; valid UTF-8 without NUL is text/plain).
 * Never NULL; a static string.
 */
const char *compose_mime_type(const char *filename, const char *data,
	    size_t len);

/*
 * The body encoding compose_build() picks for text (MAILMIME_MECHANISM_*):
 * 7bit for ASCII in lines of at most 76, 8bit for other text SMTP can
 * carry, quoted-printable for the rest (a line over 998 bytes, NUL, a
 * bare CR); never base64.
 */
int	 compose_text_encoding(const char *text, size_t len);
/*
 * raw with its 8bit text parts in quoted-printable (their
 * Content-Transfer-Encoding changed, nothing else), for a server without
 * 8BITMIME: 1 and *out (malloc'd) when something changed, 0 when nothing
 * needed to (*out NULL), -1 with err when raw does not parse.
 */
int	 compose_downgrade(const char *raw, size_t len, char **out,
	    size_t *outlen, struct perr *err);

/*
 * A message id (without <>) from n random bytes (at least 8) and the
 * domain of from_addr ("localhost" when it has none): "HEX@domain".
 * Malloc'd; the caller frees.
 */
char	*compose_message_id(const unsigned char *rnd, size_t n,
	    const char *from_addr);

struct compose_build_opts {
	int64_t		 date;		/* unix time of the Date header */
	const char	*message_id;	/* without <>; required */
	const char	*user_agent;	/* "posta/0.1.0"; NULL: none */
	/*
	 * A postponed draft or an outbox entry: keeps the Bcc header (the
	 * recipients must survive until submission; compose_envelope()
	 * removes it) and allows no recipient at all when draft.
	 */
	bool		 keep_bcc;
	bool		 draft;
};

/*
 * Build the message: RFC 5322 header (From, Reply-To, To, Cc, Bcc only
 * with keep_bcc, Subject, Date, Message-ID, In-Reply-To, References,
 * User-Agent, MIME-Version) and a text/plain UTF-8 body, multipart/mixed
 * when there are attachments. Every address is checked first: an invalid
 * one is -1 with err "To: 'x': reason" and nothing is built. *raw is
 * malloc'd (CRLF line ends, NUL after *len bytes); the caller frees it.
 */
int	 compose_build(const struct compose_draft *,
	    const struct compose_build_opts *, char **raw, size_t *len,
	    struct perr *err);

/* What SMTP needs of a built message. */
struct compose_envelope {
	char	 *from;		/* addr-spec of From */
	char	**rcpt;		/* To, Cc and Bcc addr-specs, no duplicates */
	size_t	  nrcpt;
};
/*
 * From a message built with keep_bcc (or a bounce: see compose_bounce()):
 * its envelope (every address
 * checked as compose_addr_check() does) and, in *out (malloc'd, *outlen
 * bytes, caller frees), the bytes to submit: the message without its Bcc
 * header. No recipient at all is an error. compose_envelope_free()
 * releases env.
 */
int	 compose_envelope(const char *raw, size_t len,
	    struct compose_envelope *env, char **out, size_t *outlen,
	    struct perr *err);
void	 compose_envelope_free(struct compose_envelope *);
/*
 * A bounce (remail) of raw[0..len): Resent-Date (date, UTC),
 * Resent-From (from: exactly one address), Resent-To (to: a list) and
 * Resent-Message-ID (message_id, without <>) prepended to the message,
 * which follows byte for byte. compose_envelope() of the result reads the
 * Resent-* block alone (Resent-From to Resent-To/Cc/Bcc) and removes only
 * Resent-Bcc. 0 with *out malloc'd (*outlen bytes, caller frees), or -1
 * with err naming the bad field.
 */
int	 compose_bounce(const char *raw, size_t len, const char *from,
	    const char *to, int64_t date, const char *message_id, char **out,
	    size_t *outlen, struct perr *err);

/*
 * Who the user is, for replies: the account's address and name, its
 * identities ("Name <a@x>, b@x": From choices) and alternates (addresses
 * or POSIX extended regular expressions, separated by spaces; an item
 * that is a valid address is compared as one, any other is a regular
 * expression the whole address must match, both ignoring case). The
 * strings are borrowed; NULL is none.
 */
struct compose_self {
	const char	*email;
	const char	*real_name;
	const char	*identities;
	const char	*alternates;
};
/* Is addr (an addr-spec) one of self's addresses? */
bool	 compose_self_is(const struct compose_self *, const char *addr);
/*
 * The From choices: "real_name <email>" first, then each identity (a
 * name-less identity gets real_name). *n of them, malloc'd strings in a
 * malloc'd array; the caller frees each and the array.
 */
char	**compose_self_choices(const struct compose_self *, size_t *n);

/*
 * Replies and forwards of the received message raw[0..len), filling a
 * zeroed *d. None of self's addresses is put among the recipients (a
 * reply to one's own message goes to its To instead). A reply's From is
 * the first of self's addresses in the original's To, Cc, then From (as
 * the identity names it, else with self's real_name); d->from stays NULL
 * when there is none, for the caller's default. A forward leaves From to
 * the caller.
 *   reply:     To = Reply-To, else From; all: Cc = the original To and Cc.
 *              "Re: " once, In-Reply-To, References (the chain + the
 *              original id), body "On DATE, NAME wrote:" and the original
 *              text (decoded from its charset) quoted with "> ".
 *   forward:   "Fwd: " once; inline: the original header summary and text
 *              in the body and its attachments attached again;
 *              as_attachment: the original attached whole as
 *              message/rfc822.
 * Return 0, or -1 with err (raw NULL).
 */
int	 compose_reply(const char *raw, size_t len, bool all,
	    const struct compose_self *self, struct compose_draft *d,
	    struct perr *err);
int	 compose_forward(const char *raw, size_t len, bool as_attachment,
	    struct compose_draft *d, struct perr *err);
/*
 * Resume a postponed message (from Drafts): headers, text body and
 * attachments back into a zeroed *d. 0, or -1 with err (raw NULL).
 */
int	 compose_from_message(const char *raw, size_t len,
	    struct compose_draft *d, struct perr *err);
/*
 * "Re: " / "Fwd: " + subject with its leading reply (forward) prefixes
 * removed, so they never stack. Malloc'd; the caller frees.
 */
char	*compose_subject_reply(const char *subject);
char	*compose_subject_forward(const char *subject);

/*
 * Fill d from a mailto: URL (RFC 6068): the addresses before '?' and to=,
 * cc=, bcc=, subject=, in-reply-to= and body= (%XX decoded), added to
 * what d holds. Addresses are checked later, by compose_build().
 */
int	 compose_mailto(const char *url, struct compose_draft *d,
	    struct perr *err);

/*
 * The file $EDITOR opens: "From: ", "To: ", "Cc: ", "Bcc: ", "Subject: ",
 * "Reply-To: " lines, an empty line, the body. Malloc'd; caller frees.
 */
char	*compose_draft_file(const struct compose_draft *);
/*
 * Read such a file back into d: the six header fields (a missing one
 * becomes empty; a long value may continue on lines starting with a space)
 * and the body; In-Reply-To, References and attachments are kept. An
 * unknown header or a line without ':' above the empty line is -1 with
 * err naming the line.
 */
int	 compose_draft_file_parse(const char *text, size_t len,
	    struct compose_draft *d, struct perr *err);

/* ---- internal: shared by the files of src/mail, not for callers ---- */

struct mailmime;
struct mailimf_fields;
struct mailimf_date_time;
struct mailimf_address_list;

enum mime_kind {
	MIME_LEAF,
	MIME_MULTIPART,
	MIME_MESSAGE,
};

/* One node of the MIME tree; mime_open() lists them in document order. */
struct mime_part {
	char			*id;	   /* IMAP section, "" at the top */
	unsigned		 depth;
	enum mime_kind		 kind;
	enum mail_part_role	 role;
	char			*type;	   /* "text/plain": lower-case ASCII,
					      no control byte */
	char			*charset;  /* the charset parameter, or NULL */
	char			*filename; /* decoded, sanitised, or NULL */
	bool			 attachment; /* Content-Disposition: attachment */
	bool			 flowed, delsp;
	bool			 truncated; /* children not walked (too deep) */
	bool			 shown;	   /* MIME_MESSAGE: rendered in place */
	int			 encoding;  /* MAILMIME_MECHANISM_* */
	const char		*data;	   /* encoded body, inside the copy */
	size_t			 datalen;
	const struct mailimf_fields *fields; /* MIME_MESSAGE: its header */
};

struct mime_msg {
	char			*buf;	   /* private NUL-terminated copy */
	size_t			 len;
	struct mailmime		*root;	   /* NULL if libetpan gave up */
	struct mailimf_fields	*own;	   /* header parsed without root */
	const struct mailimf_fields *fields; /* top-level header, or NULL */
	struct mime_part	*parts;
	size_t			 nparts;
	bool			 more;	   /* parts beyond MAIL_MAX_PARTS */
	bool			 guarded;  /* mime_guard() disarmed nesting */
};

/*
 * guard.c: edit s[0..n) (a private copy) so that libetpan's parser can
 * neither recurse too deep nor work more than linearly: parentheses
 * nested too deep become spaces, Content-Type fields past the container
 * budget become "Xontent-Type". True if anything was changed.
 */
bool	 mime_guard(char *s, size_t n);
/* guard.c: the comment nesting libetpan could reach in s[0..n), at most;
 * with cut non-NULL, each '(' past max becomes a space and sets *cut. */
size_t	 mime_guard_parens(char *s, size_t n, size_t max, bool *cut);

/* Parse raw into *msg; never fails (see mime.c). Free with mime_close(). */
void	 mime_open(const char *raw, size_t len, bool prefer_html,
	    struct mime_msg *msg);
void	 mime_close(struct mime_msg *);
/* Undo the transfer encoding of a part: malloc'd, NUL added, caller frees. */
char	*mime_decode(const struct mime_part *, size_t *n);
/* Does this part count for has_attachments (signatures do not)? */
bool	 mime_counts_as_attachment(const struct mime_part *);
/* mail_attachment_names() of the message m, parsed from raw[0..len). */
char	*mime_file_names(const struct mime_msg *m, const char *raw,
	    size_t len);

/* headers.c: fill h from a parsed header (fields may be NULL); raw 8-bit
 * text that is not UTF-8 is read in charset hint (may be NULL), the
 * charset the message's text declares. */
void	 mail_headers_from_fields(const struct mailimf_fields *,
	    const char *hint, struct mail_headers *h);
/* headers.c: fill h from a parsed message, has_attachments too. */
void	 mail_headers_from_msg(const struct mime_msg *, struct mail_headers *h);
/* headers.c: the charset of the message's first text part, or NULL; points
 * into m. */
const char *mail_headers_hint(const struct mime_msg *m);
/* headers.c: the Date header as display text, malloc'd, or NULL. */
char	*mail_headers_date_text(const struct mailimf_fields *);

/* addr.c: the display string of a libetpan address list, malloc'd; hint
 * as for rfc2047_decode_hint(). */
char	*addr_list_display(const struct mailimf_address_list *,
	    const char *hint);

/* addr.c: a display name from libetpan, decoded as rfc2047_decode_hint()
 * does; malloc'd. */
char	*addr_name_decode(const char *, const char *hint);

/* rfc2047.c: rfc2047_decode_n() reading raw 8-bit text that is not UTF-8 in
 * charset hint rather than Windows-1252 (hint may be NULL). */
char	*rfc2047_decode_hint(const char *, size_t, const char *hint);

/* date.c: a parsed libetpan date to unix time (0 if out of range). */
int64_t	 mail_date_from_imf(const struct mailimf_date_time *);

/* buf.c: a growable byte buffer; xmalloc'd, so appending cannot fail. */
struct mbuf {
	char	*p;
	size_t	 len, cap;
};
void	 mbuf_add(struct mbuf *, const void *, size_t);
void	 mbuf_addc(struct mbuf *, char);
void	 mbuf_adds(struct mbuf *, const char *);
void	 mbuf_printf(struct mbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* The NUL-terminated contents, malloc'd for the caller to free (never
 * NULL); *len (if not NULL) gets the length. The buffer is left empty. */
char	*mbuf_finish(struct mbuf *, size_t *len);
void	 mbuf_free(struct mbuf *);


#endif
