/* test_compose.c - src/mail/compose.c: building, replying, forwarding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "mail/mail.h"

/* ---- helpers -------------------------------------------------------- */

static const struct compose_build_opts build_opts = {
	1767225600, "0123456789abcdef@example.org", "posta/test", false, false
};

/*
 * Not inlined: inlined, GCC 12 takes the pointer compose_build() wrote
 * through &raw for one into raw itself and warns (-Wdangling-pointer).
 */
static __attribute__((noinline)) char *
build(const struct compose_draft *d, const struct compose_build_opts *o,
    size_t *len)
{
	struct perr	 e;
	char		*raw = NULL;
	size_t		 n;

	if (compose_build(d, o != NULL ? o : &build_opts, &raw, &n, &e) != 0)
		fail_msg("compose_build: %s", e.msg);
	if (len != NULL)
		*len = n;
	return raw;
}

/* The header block of raw (up to the empty line), malloc'd. */
static char *
header_of(const char *raw)
{
	size_t	n;

	assert_non_null(strstr(raw, "\r\n\r\n"));
	n = (size_t)(strstr(raw, "\r\n\r\n") - raw) + 2;
	return strndup(raw, n);
}

static void
check_roundtrip_subject(const char *subject)
{
	struct compose_draft	 d = { 0 };
	struct mail_headers	 h;
	struct perr		 e;
	char			*enc, *dec, *raw;
	size_t			 i, len;

	enc = rfc2047_encode(subject, false);
	for (i = 0; enc[i] != '\0'; i++)
		assert_true((unsigned char)enc[i] < 0x80);
	dec = rfc2047_decode(enc);
	assert_string_equal(dec, subject);
	free(dec);
	free(enc);

	/* ... and through a whole message, folded as libetpan writes it. */
	d.from = strdup("Jürgen Müller <j@example.org>");
	d.to = strdup("bob@example.org");
	d.subject = strdup(subject);
	d.body = strdup("x\n");
	raw = build(&d, NULL, &len);
	assert_int_equal(mail_headers_parse(raw, len, &h, &e), 0);
	assert_string_equal(h.subject, subject);
	assert_string_equal(h.from_name, "Jürgen Müller");
	assert_string_equal(h.from_addr, "j@example.org");
	mail_headers_free(&h);
	free(raw);
	compose_draft_free(&d);
}

/* ---- RFC 2047 ------------------------------------------------------- */

static void
rfc2047_encoding_round_trips_accented_subjects(void **state)
{
	char	*s;

	(void)state;
	check_roundtrip_subject("Grüße aus Köln – Bericht für März");
	check_roundtrip_subject("Perché non è già così? Ça va, señor");
	check_roundtrip_subject("Привет, как дела? Это длинная тема письма, "
	    "которая должна быть разбита на несколько слов");
	check_roundtrip_subject("日本語の件名とemoji 🎉 mixed");
	check_roundtrip_subject("plain ASCII subject stays as it is");
	check_roundtrip_subject("looks =?encoded?= but is not");
	/* ASCII is left alone; only the span that needs it is encoded. */
	s = rfc2047_encode("Hello world", false);
	assert_string_equal(s, "Hello world");
	free(s);
	s = rfc2047_encode("Meeting about café tomorrow", false);
	assert_non_null(strstr(s, "Meeting about =?UTF-8?B?"));
	assert_non_null(strstr(s, "?= tomorrow"));
	free(s);
	/* A line break in the input can never reach the header. */
	s = rfc2047_encode("a\r\nBcc: evil@example.org", false);
	assert_null(strchr(s, '\n'));
	assert_null(strchr(s, '\r'));
	free(s);
}

static void
rfc2047_names_are_encoded_whole(void **state)
{
	char	*s, *d;

	(void)state;
	s = rfc2047_encode("Müller, Jürgen", true);
	assert_int_equal(strncmp(s, "=?UTF-8?B?", 10), 0);
	assert_null(strchr(s, ','));
	d = rfc2047_decode(s);
	assert_string_equal(d, "Müller, Jürgen");
	free(d);
	free(s);
}

/* ---- body encodings ------------------------------------------------- */

static void
text_encoding_is_chosen_by_content(void **state)
{
	const char *ascii = "Hello Bob,\nsee you tomorrow.\n";
	const char *italian = "Ciao, com'è andata? Perché non è già finita?\n"
	    "A domani, più tardi.\n";
	const char *russian = "Привет, как дела? Всё хорошо.\n";
	const char *longline = "a very long line that goes on and on and on "
	    "and on and on and on and on and on past the limit of 76\n";

	(void)state;
	assert_int_equal(compose_text_encoding(ascii, strlen(ascii)),
	    MAILMIME_MECHANISM_7BIT);
	/* 8-bit text goes as it is (8bit), never base64. */
	assert_int_equal(compose_text_encoding(italian, strlen(italian)),
	    MAILMIME_MECHANISM_8BIT);
	assert_int_equal(compose_text_encoding(russian, strlen(russian)),
	    MAILMIME_MECHANISM_8BIT);
	assert_int_equal(compose_text_encoding(longline, strlen(longline)),
	    MAILMIME_MECHANISM_QUOTED_PRINTABLE);
	assert_int_equal(compose_text_encoding("From me\n", 8),
	    MAILMIME_MECHANISM_QUOTED_PRINTABLE);
	/* CRLF line ends count as ASCII lines. */
	assert_int_equal(compose_text_encoding("Hi\r\nBye\r\n", 9),
	    MAILMIME_MECHANISM_7BIT);
	/* What SMTP cannot carry as 8bit: NUL, a bare CR. */
	assert_int_equal(compose_text_encoding("caff\xc3\xa8\0x\n", 9),
	    MAILMIME_MECHANISM_QUOTED_PRINTABLE);
	assert_int_equal(compose_text_encoding("caff\xc3\xa8\rx\n", 9),
	    MAILMIME_MECHANISM_QUOTED_PRINTABLE);
}

/* A line of 998 bytes is 8bit; one byte more forces quoted-printable. */
static void
text_encoding_long_lines_force_qp(void **state)
{
	char	buf[1200];

	(void)state;
	memset(buf, 'a', sizeof buf);
	memcpy(buf, "caff\xc3\xa8 ", 7);
	buf[998] = '\n';
	assert_int_equal(compose_text_encoding(buf, 999),
	    MAILMIME_MECHANISM_8BIT);
	buf[998] = 'a';
	buf[999] = '\n';
	assert_int_equal(compose_text_encoding(buf, 1000),
	    MAILMIME_MECHANISM_QUOTED_PRINTABLE);
	/* An ASCII one as well, and a short ASCII text stays 7bit. */
	memset(buf, 'a', 999);
	assert_int_equal(compose_text_encoding(buf, 1000),
	    MAILMIME_MECHANISM_QUOTED_PRINTABLE);
	assert_int_equal(compose_text_encoding("ok\n", 3),
	    MAILMIME_MECHANISM_7BIT);
}

/* Is raw all ASCII with lines of at most 78 bytes before CRLF? */
static void
assert_7bit_short(const char *raw, size_t len)
{
	size_t	k, l;

	for (k = 0; k < len; k++)
		assert_true((unsigned char)raw[k] < 0x80);
	for (k = 0; k < len; ) {
		l = strcspn(raw + k, "\n");
		assert_true(l <= 78);
		k += l + (raw[k + l] == '\n');
	}
}

/*
 * 8-bit text is built 8bit; compose_downgrade() (a server without
 * 8BITMIME) turns it quoted-printable, 7-bit, reading the same; an
 * attachment beside it is untouched.
 */
static void
built_8bit_body_downgrades_to_qp(void **state)
{
	struct compose_draft	 d = { 0 };
	struct mail_render_opts	 ro = { MAIL_RENDER_NO_HEADERS |
				    MAIL_RENDER_NO_ATTACHMENTS, 0 };
	struct mail_part	*parts;
	struct perr		 e;
	size_t			 len, dlen, np, i, blen;
	char			*raw, *down, *text, *b, *att;
	int			 pass;

	(void)state;
	d.from = strdup("a@example.org");
	d.to = strdup("b@example.org");
	for (pass = 0; pass < 2; pass++) {
		compose_draft_set(&d.body, "Ciao, com'è andata?\nПривет.\n"
		    "=uguale e spazio \n");
		if (pass == 1) {
			att = malloc(4);
			memcpy(att, "\x89PNG", 4);
			compose_draft_attach(&d, att, 4, "p.png", NULL, NULL);
		}
		raw = build(&d, NULL, &len);
		assert_non_null(strstr(raw, "Content-Transfer-Encoding: 8bit"));
		assert_non_null(strstr(raw, "Ciao, com'è andata?"));
		assert_int_equal(compose_downgrade(raw, len, &down, &dlen,
		    &e), 1);
		assert_7bit_short(down, dlen);
		assert_null(strstr(down, "Content-Transfer-Encoding: 8bit"));
		assert_non_null(strstr(down, "Content-Transfer-Encoding: "
		    "quoted-printable"));
		assert_int_equal(mail_render(down, dlen, &text, &ro, &e), 0);
		assert_non_null(strstr(text, "Ciao, com'è andata?\nПривет.\n"
		    "=uguale e spazio \n"));
		free(text);
		if (pass == 1) {
			assert_int_equal(mail_attachments(down, dlen, &parts,
			    &np, &e), 0);
			for (i = 0; i < np; i++)
				if (parts[i].role == MAIL_PART_ATTACHMENT) {
					assert_int_equal(mail_part_decode(down,
					    dlen, parts[i].id, &b, &blen, &e),
					    0);
					assert_int_equal(blen, 4);
					assert_memory_equal(b, "\x89PNG", 4);
					free(b);
				}
			mail_parts_free(parts, np);
		}
		/* Nothing 8-bit left: nothing to do. */
		assert_int_equal(compose_downgrade(down, dlen, &b, &blen, &e),
		    0);
		assert_null(b);
		free(down);
		free(raw);
	}
	compose_draft_free(&d);
}

static void
built_body_is_7bit_and_decodes_back(void **state)
{
	const char *bodies[] = {
		"Ciao, com'è andata?\nriga con spazio finale \n"
		"From here on\n.\nfine=uguale\n",
		"Привет, как дела? Всё хорошо.\nДо свидания.\n",
		"short ascii\n",
	};
	struct compose_draft	 d = { 0 };
	size_t			 i, k, len;
	char			*raw, *text;
	struct mail_render_opts	 ro = { MAIL_RENDER_NO_HEADERS |
				    MAIL_RENDER_NO_ATTACHMENTS, 0 };
	struct perr		 e;

	(void)state;
	d.from = strdup("a@example.org");
	d.to = strdup("b@example.org");
	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		compose_draft_set(&d.body, bodies[i]);
		raw = build(&d, NULL, &len);
		/* As a server without 8BITMIME gets it. */
		if (compose_downgrade(raw, len, &text, &k, &e) == 1) {
			free(raw);
			raw = text;
			len = k;
		}
		assert_7bit_short(raw, len);
		assert_int_equal(mail_render(raw, len, &text, &ro, &e), 0);
		assert_non_null(strstr(text, i == 2 ? "short ascii" :
		    i == 0 ? "riga con spazio finale \n" : "До свидания."));
		if (i == 0) {
			assert_non_null(strstr(text, "From here on\n.\n"));
			assert_non_null(strstr(text, "fine=uguale"));
			assert_null(strstr(text, "finale  "));
		}
		free(text);
		free(raw);
	}
	compose_draft_free(&d);
}

/* ---- attachments ---------------------------------------------------- */

static void
check_attachment(const char *name, const char *bytes, size_t n,
    const char *want_type)
{
	struct compose_draft	 d = { 0 };
	struct mail_part	*parts;
	struct perr		 e;
	size_t			 np, len, i, blen;
	char			*raw, *b;
	bool			 found = false;

	d.from = strdup("a@example.org");
	d.to = strdup("b@example.org");
	d.body = strdup("see attached\n");
	b = malloc(n + 1);
	memcpy(b, bytes, n);
	compose_draft_attach(&d, b, n, name, NULL, NULL);
	raw = build(&d, NULL, &len);
	for (i = 0; i < len; i++)
		assert_true((unsigned char)raw[i] < 0x80);
	assert_int_equal(mail_attachments(raw, len, &parts, &np, &e), 0);
	for (i = 0; i < np; i++) {
		if (parts[i].role != MAIL_PART_ATTACHMENT)
			continue;
		found = true;
		assert_string_equal(parts[i].filename, name);
		assert_string_equal(parts[i].type, want_type);
		assert_int_equal(mail_part_decode(raw, len, parts[i].id, &b,
		    &blen, &e), 0);
		assert_int_equal(blen, n);
		assert_memory_equal(b, bytes, n);
		free(b);
	}
	assert_true(found);
	mail_parts_free(parts, np);
	free(raw);
	compose_draft_free(&d);
}

static void
attachments_keep_bytes_and_rfc2231_names(void **state)
{
	static const char bin[] = "\x00\x01\xff\xfe\r\n\n.\r\nFrom x\x80";
	char	big[3000];
	size_t	i;

	(void)state;
	check_attachment("report.pdf", "%PDF-1.4 fake", 13, "application/pdf");
	check_attachment("résumé €.txt", "testo\n", 6, "text/plain");
	check_attachment("weird \"name\" ;x=y\\.bin", bin, sizeof bin - 1,
	    "application/octet-stream");
	check_attachment("un nome di file molto lungo con accenti àèìòù e "
	    "ancora più lungo per forzare le continuazioni RFC 2231.dat",
	    bin, sizeof bin - 1, "application/octet-stream");
	for (i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7);
	check_attachment("noext", big, sizeof big, "application/octet-stream");
	check_attachment("image", "\x89PNG\r\n\x1a\nrest", 12, "image/png");
}

static void
mime_type_uses_extension_and_content(void **state)
{
	(void)state;
	assert_string_equal(compose_mime_type("a.PDF", "x", 1),
	    "application/pdf");
	assert_string_equal(compose_mime_type("a.txt", "\x00\x01", 2),
	    "application/octet-stream");
	assert_string_equal(compose_mime_type("x", "GIF89a...", 9),
	    "image/gif");
	assert_string_equal(compose_mime_type("notes", "plain text", 10),
	    "text/plain");
}

/* ---- headers -------------------------------------------------------- */

static void
bcc_is_never_in_the_sent_headers(void **state)
{
	struct compose_draft		 d = { 0 };
	struct compose_build_opts	 o = build_opts;
	struct compose_envelope		 env;
	struct perr			 e;
	char				*raw, *hdr, *out;
	size_t				 len, outlen;

	(void)state;
	compose_draft_set(&d.from, "Alice <alice@example.org>");
	d.to = strdup("Bob <bob@example.org>");
	d.cc = strdup("carol@example.org, BOB@example.org");
	d.bcc = strdup("secret@example.org");
	d.body = strdup("hi\n");
	raw = build(&d, NULL, &len);
	hdr = header_of(raw);
	assert_null(strstr(hdr, "Bcc"));
	assert_null(strstr(hdr, "secret"));
	assert_non_null(strstr(hdr, "Message-ID: <0123456789abcdef@example.org>"));
	assert_non_null(strstr(hdr, "User-Agent: posta/test"));
	assert_non_null(strstr(hdr, "MIME-Version: 1.0"));
	free(hdr);
	free(raw);

	/* The outbox copy keeps Bcc; what is submitted does not. */
	o.keep_bcc = true;
	raw = build(&d, &o, &len);
	assert_non_null(strstr(raw, "Bcc: secret@example.org"));
	assert_int_equal(compose_envelope(raw, len, &env, &out, &outlen, &e), 0);
	assert_string_equal(env.from, "alice@example.org");
	assert_int_equal(env.nrcpt, 3);
	assert_string_equal(env.rcpt[0], "bob@example.org");
	assert_string_equal(env.rcpt[1], "carol@example.org");
	assert_string_equal(env.rcpt[2], "secret@example.org");
	assert_null(strstr(out, "Bcc"));
	assert_null(strstr(out, "secret"));
	assert_int_equal(outlen, strlen(out));
	compose_envelope_free(&env);
	free(out);
	free(raw);
	compose_draft_free(&d);
}

static void
addresses_are_validated_with_reasons(void **state)
{
	struct compose_addrs	a = { 0 };
	struct perr		e;

	(void)state;
	assert_int_equal(compose_parse_addresses("Ann <ann@x.org>, b@y.org, "
	    "\"Doe, John\" <john@z.org>, Jürgen <j@localhost>", &a, &e), 0);
	assert_int_equal(a.n, 4);
	assert_string_equal(a.v[0].name, "Ann");
	assert_string_equal(a.v[2].name, "Doe, John");
	assert_string_equal(a.v[2].addr, "john@z.org");
	assert_string_equal(a.v[3].name, "Jürgen");
	assert_null(a.v[1].name);
	compose_addrs_free(&a);

	assert_int_equal(compose_parse_addresses("bob", &a, &e), -1);
	assert_non_null(strstr(e.msg, "missing '@domain'"));
	compose_addrs_free(&a);
	assert_int_equal(compose_parse_addresses("bob@", &a, &e), -1);
	assert_non_null(strstr(e.msg, "domain"));
	compose_addrs_free(&a);
	assert_int_equal(compose_parse_addresses("bob smith@x.org", &a, &e), -1);
	assert_non_null(strstr(e.msg, "not an address"));
	compose_addrs_free(&a);
	assert_int_equal(compose_parse_addresses("<a@x.org\r\nRCPT TO:<b@y>>",
	    &a, &e), -1);
	compose_addrs_free(&a);
	assert_int_equal(compose_parse_addresses("jürgen@x.org", &a, &e), -1);
	assert_non_null(strstr(e.msg, "SMTPUTF8"));
	compose_addrs_free(&a);
	assert_int_equal(compose_parse_addresses("a..b@x.org", &a, &e), -1);
	compose_addrs_free(&a);
	assert_int_equal(compose_parse_addresses("a@-x.org", &a, &e), -1);
	compose_addrs_free(&a);
	assert_int_equal(compose_addr_check("a@x.org>", &e), -1);
	assert_int_equal(compose_addr_check("a\n@x.org", &e), -1);
	assert_int_equal(compose_addr_check("alice@localhost", &e), 0);

	/* compose_build names the field. */
	{
		struct compose_draft	 d = { 0 };
		char			*raw;
		size_t			 len;

		d.from = strdup("a@example.org");
		d.to = strdup("ok@example.org");
		d.cc = strdup("broken@@x");
		assert_int_equal(compose_build(&d, &build_opts, &raw, &len,
		    &e), -1);
		assert_int_equal(strncmp(e.msg, "Cc: ", 4), 0);
		compose_draft_set(&d.cc, NULL);
		compose_draft_set(&d.to, NULL);
		assert_int_equal(compose_build(&d, &build_opts, &raw, &len,
		    &e), -1);
		assert_non_null(strstr(e.msg, "no recipients"));
		compose_draft_free(&d);
	}
}

/* ---- replies and forwards ------------------------------------------ */

static const char original[] =
    "From: =?ISO-8859-1?Q?Zo=EB?= <zoe@example.com>\r\n"
    "To: Alice <alice@example.org>, Bob <bob@example.org>\r\n"
    "Cc: carol@example.org, ALICE@example.org\r\n"
    "Subject: Re: RE: =?ISO-8859-1?Q?Caf=E9?= plans\r\n"
    "Date: Mon, 2 Nov 2026 10:00:00 +0100\r\n"
    "Message-ID: <m3@example.com>\r\n"
    "In-Reply-To: <m2@example.com>\r\n"
    "References: <m1@example.com> <m2@example.com>\r\n"
    "Content-Type: text/plain; charset=ISO-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Ci vediamo al caff=E8.\r\n"
    "> earlier text\r\n";

static const struct compose_self alice = { "alice@example.org", "Alice",
    NULL, NULL };

static void
reply_goes_to_the_sender_without_yourself(void **state)
{
	struct compose_draft	d;
	struct perr		e;

	(void)state;
	assert_int_equal(compose_reply(original, sizeof original - 1, false,
	    &alice, &d, &e), 0);
	assert_string_equal(d.to, "Zoë <zoe@example.com>");
	assert_null(d.cc);
	assert_string_equal(d.subject, "Re: Café plans");
	assert_string_equal(d.in_reply_to, "m3@example.com");
	assert_string_equal(d.references,
	    "m1@example.com m2@example.com m3@example.com");
	assert_non_null(strstr(d.body, "On 2 Nov 2026 10:00:00 +0100, Zoë "
	    "wrote:\n> Ci vediamo al caffè.\n>> earlier text\n"));
	compose_draft_free(&d);
}

static void
reply_all_copies_everyone_but_yourself(void **state)
{
	struct compose_draft	d;
	struct perr		e;
	static const char	own[] =
	    "From: Alice <alice@example.org>\r\n"
	    "To: bob@example.org\r\nSubject: hi\r\n"
	    "Message-ID: <x1@example.org>\r\n\r\nbody\r\n";
	static const char	replyto[] =
	    "From: list-bounces@example.net\r\n"
	    "Reply-To: The List <list@example.net>\r\n"
	    "To: list@example.net\r\nCc: dave@example.net\r\n"
	    "Subject: Fwd: FW: news\r\n\r\nbody\r\n";

	(void)state;
	assert_int_equal(compose_reply(original, sizeof original - 1, true,
	    &alice, &d, &e), 0);
	assert_string_equal(d.to, "Zoë <zoe@example.com>");
	assert_string_equal(d.cc, "Bob <bob@example.org>, carol@example.org");
	compose_draft_free(&d);

	/* Replying to one's own message goes to its recipients. */
	assert_int_equal(compose_reply(own, sizeof own - 1, true,
	    &alice, &d, &e), 0);
	assert_string_equal(d.to, "bob@example.org");
	assert_null(d.cc);
	compose_draft_free(&d);

	/* Reply-To wins; nobody appears twice. */
	assert_int_equal(compose_reply(replyto, sizeof replyto - 1, true,
	    &alice, &d, &e), 0);
	assert_string_equal(d.to, "The List <list@example.net>");
	assert_string_equal(d.cc, "dave@example.net");
	assert_string_equal(d.subject, "Re: Fwd: FW: news");
	assert_null(d.in_reply_to);
	compose_draft_free(&d);
}

static void
reply_all_leaves_out_alternates_and_answers_from_them(void **state)
{
	static const struct compose_self me = { "alice@example.org",
	    "Alice", "Alice at Work <alice@work.example>, al@example.net",
	    "ALICE@old\\.example  a[0-9]+@(lists\\.)?example\\.com" };
	static const char	to_work[] =
	    "From: Zed <zed@example.com>\r\n"
	    "To: team@work.example, Alice@Work.Example\r\n"
	    "Cc: alice@old.example, a42@lists.example.com, "
	    "alice@example.org, notalice@old.example\r\n"
	    "Subject: plan\r\n\r\nbody\r\n";
	static const char	cc_alternate[] =
	    "From: zed@example.com\r\nTo: team@work.example\r\n"
	    "Cc: a7@example.com\r\nSubject: x\r\n\r\nbody\r\n";
	static const char	to_nobody[] =
	    "From: zed@example.com\r\nTo: list@example.net\r\n"
	    "Subject: x\r\n\r\nbody\r\n";
	struct compose_draft	d;
	struct perr		e;
	char			**v;
	size_t			n, i;

	(void)state;
	/* Every address of the user is left out; From is the one it came to
	 * (To before Cc), named as the identity names it. */
	assert_int_equal(compose_reply(to_work, sizeof to_work - 1, true,
	    &me, &d, &e), 0);
	assert_string_equal(d.to, "Zed <zed@example.com>");
	assert_string_equal(d.cc, "team@work.example, notalice@old.example");
	assert_string_equal(d.from, "Alice at Work <alice@work.example>");
	compose_draft_free(&d);
	/* An alternate (a regular expression) found in Cc: From with the
	 * account's name. */
	assert_int_equal(compose_reply(cc_alternate, sizeof cc_alternate - 1,
	    true, &me, &d, &e), 0);
	assert_string_equal(d.from, "Alice <a7@example.com>");
	assert_string_equal(d.cc, "team@work.example");
	compose_draft_free(&d);
	/* Not sent to any of them: From is left to the caller. */
	assert_int_equal(compose_reply(to_nobody, sizeof to_nobody - 1, true,
	    &me, &d, &e), 0);
	assert_null(d.from);
	compose_draft_free(&d);

	assert_true(compose_self_is(&me, "AL@example.net"));
	assert_false(compose_self_is(&me, "xal@example.net"));
	assert_false(compose_self_is(&me, "a1@example.com.evil"));
	v = compose_self_choices(&me, &n);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "Alice <alice@example.org>");
	assert_string_equal(v[1], "Alice at Work <alice@work.example>");
	assert_string_equal(v[2], "Alice <al@example.net>");
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
bounce_prepends_resent_headers_and_keeps_the_original(void **state)
{
	static const char	orig[] = "From: zed@example.com\r\n"
	    "To: alice@example.org\r\nBcc: hidden@example.com\r\n"
	    "Subject: x\r\n\r\nbody \r\n";
	struct compose_envelope	 env;
	struct perr		 e;
	char			*out, *sub;
	size_t			 len, slen;

	(void)state;
	assert_int_equal(compose_bounce(orig, sizeof orig - 1,
	    "Alice <alice@example.org>", "dora@example.net, Ed <ed@x.org>",
	    0, "id1@example.org", &out, &len, &e), 0);
	assert_string_equal(out, "Resent-Date: Thu, 1 Jan 1970 00:00:00 "
	    "+0000\r\nResent-From: Alice <alice@example.org>\r\n"
	    "Resent-To: dora@example.net, Ed <ed@x.org>\r\n"
	    "Resent-Message-ID: <id1@example.org>\r\n" "From: zed@example.com"
	    "\r\nTo: alice@example.org\r\nBcc: hidden@example.com\r\n"
	    "Subject: x\r\n\r\nbody \r\n");
	/* The envelope is the Resent-* block's; the original is kept whole. */
	assert_int_equal(compose_envelope(out, len, &env, &sub, &slen, &e), 0);
	assert_string_equal(env.from, "alice@example.org");
	assert_int_equal(env.nrcpt, 2);
	assert_string_equal(env.rcpt[0], "dora@example.net");
	assert_string_equal(env.rcpt[1], "ed@x.org");
	assert_int_equal(slen, len);
	compose_envelope_free(&env);
	free(sub);
	free(out);
	/*
	 * Bounced again: the earlier bounce's block (its recipients, its
	 * Resent-Bcc) belongs to the message, not to this envelope.
	 */
	assert_int_equal(compose_bounce(
	    "Resent-Date: Fri, 2 Jan 1970 00:00:00 +0000\r\n"
	    "Resent-To: old@example.com\r\nResent-Bcc: oldbcc@example.com\r\n"
	    "From: zed@example.com\r\nSubject: x\r\n\r\nbody\r\n", 148,
	    "alice@example.org", "dora@example.net", 0, "id2@example.org",
	    &out, &len, &e), 0);
	assert_int_equal(compose_envelope(out, len, &env, &sub, &slen, &e), 0);
	assert_int_equal(env.nrcpt, 1);
	assert_string_equal(env.rcpt[0], "dora@example.net");
	assert_non_null(strstr(sub, "Resent-Bcc: oldbcc@example.com"));
	compose_envelope_free(&env);
	free(sub);
	free(out);
	assert_int_equal(compose_bounce(orig, sizeof orig - 1,
	    "alice@example.org", "", 0, "id1@example.org", &out, &len, &e), -1);
	assert_string_equal(e.msg, "Resent-To: no address to bounce the "
	    "message to");
}

static void
subject_prefixes_do_not_stack(void **state)
{
	char	*s;

	(void)state;
	s = compose_subject_reply("Re: re: RE[3]: Aw: hello");
	assert_string_equal(s, "Re: hello");
	free(s);
	s = compose_subject_reply("hello");
	assert_string_equal(s, "Re: hello");
	free(s);
	s = compose_subject_forward("Fwd: FW: hello");
	assert_string_equal(s, "Fwd: hello");
	free(s);
	s = compose_subject_forward("Re: hello");
	assert_string_equal(s, "Fwd: Re: hello");
	free(s);
}

static void
references_chain_is_kept_in_the_built_reply(void **state)
{
	struct compose_draft	 d;
	struct mail_headers	 h;
	struct perr		 e;
	char			*raw;
	size_t			 len;

	(void)state;
	assert_int_equal(compose_reply(original, sizeof original - 1, false,
	    &alice, &d, &e), 0);
	compose_draft_set(&d.from, "Alice <alice@example.org>");
	raw = build(&d, NULL, &len);
	assert_int_equal(mail_headers_parse(raw, len, &h, &e), 0);
	assert_string_equal(h.in_reply_to, "m3@example.com");
	assert_string_equal(h.references,
	    "m1@example.com m2@example.com m3@example.com");
	assert_string_equal(h.subject, "Re: Café plans");
	mail_headers_free(&h);
	free(raw);
	compose_draft_free(&d);
}

static void
forward_inline_and_as_attachment(void **state)
{
	struct compose_draft	 d;
	struct mail_part	*parts;
	struct perr		 e;
	char			*raw, *b;
	size_t			 len, np, i, blen;
	bool			 found = false;

	(void)state;
	assert_int_equal(compose_forward(original, sizeof original - 1, false,
	    &d, &e), 0);
	assert_string_equal(d.subject, "Fwd: Re: RE: Café plans");
	assert_non_null(strstr(d.body, "---------- Forwarded message"));
	assert_non_null(strstr(d.body, "From: Zoë <zoe@example.com>"));
	assert_non_null(strstr(d.body, "Ci vediamo al caffè."));
	assert_int_equal(d.natt, 0);
	compose_draft_free(&d);

	assert_int_equal(compose_forward(original, sizeof original - 1, true,
	    &d, &e), 0);
	assert_int_equal(d.natt, 1);
	d.from = strdup("alice@example.org");
	d.to = strdup("dan@example.org");
	raw = build(&d, NULL, &len);
	assert_int_equal(mail_attachments(raw, len, &parts, &np, &e), 0);
	for (i = 0; i < np; i++) {
		if (!parts[i].is_message)
			continue;
		found = true;
		assert_string_equal(parts[i].type, "message/rfc822");
		assert_int_equal(mail_part_decode(raw, len, parts[i].id, &b,
		    &blen, &e), 0);
		assert_int_equal(blen, sizeof original - 1);
		assert_memory_equal(b, original, blen);
		free(b);
	}
	assert_true(found);
	mail_parts_free(parts, np);
	free(raw);
	compose_draft_free(&d);
}

/* ---- the draft file ------------------------------------------------- */

static void
draft_file_round_trips(void **state)
{
	struct compose_draft	 d = { 0 }, r = { 0 };
	struct perr		 e;
	char			*f, *f2;
	static const char	 bad[] = "To: a@b.c\nX-Evil: 1\n\nbody\n";
	static const char	 cont[] = "To: a@b.c,\n  d@e.f\nSubject: s\n\n"
	    "line 1\nline 2\n";

	(void)state;
	compose_draft_set(&d.from, "Alice <alice@example.org>");
	d.to = strdup("Zoë <zoe@example.com>");
	d.bcc = strdup("hidden@example.org");
	d.subject = strdup("Grüße");
	d.in_reply_to = strdup("m3@example.com");
	d.body = strdup("Hello\n\nTo: not a header\n");
	f = compose_draft_file(&d);
	assert_int_equal(strncmp(f, "From: Alice <alice@example.org>\nTo: Zoë "
	    "<zoe@example.com>\nCc: \nBcc: hidden@example.org\nSubject: Grüße\n"
	    "Reply-To: \n\nHello\n", 98), 0);
	r.in_reply_to = strdup("m3@example.com");
	assert_int_equal(compose_draft_file_parse(f, strlen(f), &r, &e), 0);
	assert_string_equal(r.from, d.from);
	assert_string_equal(r.to, d.to);
	assert_null(r.cc);
	assert_string_equal(r.bcc, d.bcc);
	assert_string_equal(r.subject, d.subject);
	assert_string_equal(r.body, d.body);
	assert_string_equal(r.in_reply_to, "m3@example.com");
	f2 = compose_draft_file(&r);
	assert_string_equal(f, f2);
	free(f);
	free(f2);

	assert_int_equal(compose_draft_file_parse(bad, sizeof bad - 1, &r, &e),
	    -1);
	assert_non_null(strstr(e.msg, "line 2"));
	assert_non_null(strstr(e.msg, "X-Evil"));
	assert_int_equal(compose_draft_file_parse(cont, sizeof cont - 1, &r,
	    &e), 0);
	assert_string_equal(r.to, "a@b.c, d@e.f");
	assert_string_equal(r.body, "line 1\nline 2\n");
	compose_draft_free(&d);
	compose_draft_free(&r);
}

static void
postponed_message_resumes(void **state)
{
	struct compose_draft		 d = { 0 }, r;
	struct compose_build_opts	 o = build_opts;
	struct perr			 e;
	char				*raw, *data;
	size_t				 len;

	(void)state;
	o.keep_bcc = o.draft = true;
	compose_draft_set(&d.from, "Alice <alice@example.org>");
	d.bcc = strdup("hidden@example.org");
	d.subject = strdup("half written è");
	d.body = strdup("not finished\n");
	data = strdup("abc");
	compose_draft_attach(&d, data, 3, "/tmp/x/notes.txt", NULL, NULL);
	raw = build(&d, &o, &len);
	assert_int_equal(compose_from_message(raw, len, &r, &e), 0);
	assert_string_equal(r.from, "Alice <alice@example.org>");
	assert_null(r.to);
	assert_string_equal(r.bcc, "hidden@example.org");
	assert_string_equal(r.subject, "half written è");
	assert_string_equal(r.body, "not finished\n");
	assert_int_equal(r.natt, 1);
	assert_string_equal(r.att[0].filename, "notes.txt");
	assert_memory_equal(r.att[0].data, "abc", 3);
	free(raw);
	compose_draft_free(&d);
	compose_draft_free(&r);
}

static void
message_id_and_signature(void **state)
{
	static const unsigned char rnd[] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
	struct compose_draft	d = { 0 };
	char			*id;

	(void)state;
	id = compose_message_id(rnd, sizeof rnd, "alice@mail.example.org");
	assert_string_equal(id, "deadbeef01020304@mail.example.org");
	free(id);
	id = compose_message_id(rnd, sizeof rnd, "nodomain");
	assert_string_equal(id, "deadbeef01020304@localhost");
	free(id);
	d.body = strdup("text");
	compose_draft_add_signature(&d, "Alice\n", 6);
	assert_string_equal(d.body, "text\n\n-- \nAlice\n");
	compose_draft_free(&d);
}

/* RFC 2369: URLs in brackets, comments, folding, "NO", hostile bytes. */
static void
list_headers_are_read(void **state)
{
	static const char raw[] =
	    "From posta Thu Jan  1 00:00:00 2026\r\n"
	    "From: ann@example.org\r\n"
	    "List-Id: Posta users <posta-users.lists.example>\r\n"
	    "List-Post: (posting is open) <http://example.org/post>,\r\n"
	    "  <mailto:posta-users@lists.example?subject=ignored>\r\n"
	    "List-Unsubscribe: <https://lists.example/u?id=1>, (or)\r\n"
	    "\t<mailto:posta-users-leave@lists.example\r\n"
	    "   ?subject=unsubscribe>\r\n"
	    "Subject: hi\r\n"
	    "\r\n"
	    "List-Post: <mailto:body@not.a.header>\r\n";
	static const char no[] = "List-Post: NO (posting not allowed)\r\n"
	    "List-Unsubscribe: <mailto:a@b\x1b[2J>\r\n\r\n";
	struct mail_mlist	l;

	(void)state;
	mail_mlist_parse(raw, sizeof raw - 1, &l);
	assert_string_equal(l.id, "Posta users <posta-users.lists.example>");
	assert_non_null(l.post);
	assert_string_equal(l.post,
	    "mailto:posta-users@lists.example?subject=ignored");
	assert_int_equal(l.nunsub, 2);
	assert_string_equal(l.unsub[0], "https://lists.example/u?id=1");
	assert_string_equal(l.unsub[1],
	    "mailto:posta-users-leave@lists.example?subject=unsubscribe");
	mail_mlist_free(&l);

	mail_mlist_parse(no, sizeof no - 1, &l);
	assert_null(l.post);
	assert_string_equal(l.id, "");
	assert_int_equal(l.nunsub, 1);
	assert_null(strchr(l.unsub[0], '\x1b'));
	mail_mlist_free(&l);

	mail_mlist_parse(NULL, 0, &l);
	assert_null(l.post);
	assert_int_equal(l.nunsub, 0);
	mail_mlist_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc2047_encoding_round_trips_accented_subjects),
		cmocka_unit_test(rfc2047_names_are_encoded_whole),
		cmocka_unit_test(text_encoding_is_chosen_by_content),
		cmocka_unit_test(text_encoding_long_lines_force_qp),
		cmocka_unit_test(built_8bit_body_downgrades_to_qp),
		cmocka_unit_test(built_body_is_7bit_and_decodes_back),
		cmocka_unit_test(attachments_keep_bytes_and_rfc2231_names),
		cmocka_unit_test(mime_type_uses_extension_and_content),
		cmocka_unit_test(bcc_is_never_in_the_sent_headers),
		cmocka_unit_test(addresses_are_validated_with_reasons),
		cmocka_unit_test(reply_goes_to_the_sender_without_yourself),
		cmocka_unit_test(reply_all_copies_everyone_but_yourself),
		cmocka_unit_test(
		    reply_all_leaves_out_alternates_and_answers_from_them),
		cmocka_unit_test(
		    bounce_prepends_resent_headers_and_keeps_the_original),
		cmocka_unit_test(subject_prefixes_do_not_stack),
		cmocka_unit_test(references_chain_is_kept_in_the_built_reply),
		cmocka_unit_test(forward_inline_and_as_attachment),
		cmocka_unit_test(draft_file_round_trips),
		cmocka_unit_test(postponed_message_resumes),
		cmocka_unit_test(message_id_and_signature),
		cmocka_unit_test(list_headers_are_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
