/* test_mail.c - src/mail: decoding, rendering and sanitising messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/mail.h"
#include "mail/problem.h"

/* ---- helpers -------------------------------------------------------- */

static void
check_2047(const char *in, const char *want)
{
	char	*s = rfc2047_decode(in);

	assert_string_equal(s, want);
	free(s);
}

static void
check_cs(const char *cs, const char *in, size_t n, const char *want)
{
	size_t	 len;
	char	*s = mail_charset_to_utf8(cs, in, n, &len);

	assert_string_equal(s, want);
	assert_int_equal(len, strlen(want));
	free(s);
}

static char *
render(const char *msg, unsigned flags)
{
	struct mail_render_opts	 o = { flags, 0 };
	struct perr		 e;
	char			*out = NULL;

	assert_int_equal(mail_render(msg, strlen(msg), &out, &o, &e), 0);
	assert_non_null(out);
	return out;
}

static char *
html(const char *in)
{
	int	 n = 0;
	size_t	 len;

	return html_to_text(in, strlen(in), &n, 1 << 20, &len);
}

static char *
flowed(const char *in, bool delsp)
{
	size_t	len;

	return flowed_unwrap(in, strlen(in), delsp, &len);
}

/* No byte < 0x20 but \n and \t, no DEL, no C1, no ESC, valid UTF-8. */
static void
assert_terminal_safe(const char *s)
{
	const unsigned char	*p;

	assert_true(mail_utf8_valid(s, strlen(s)));
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		assert_true(*p >= 0x20 || *p == '\n' || *p == '\t');
		assert_true(*p != 0x7F);
		/* C1 in UTF-8 is C2 80..C2 9F */
		if (*p == 0xC2)
			assert_false(p[1] >= 0x80 && p[1] <= 0x9F);
	}
}

/* ---- RFC 2047 ------------------------------------------------------- */

static void
rfc2047_decodes_q_latin1_and_b_utf8(void **state)
{
	check_2047("=?ISO-8859-1?Q?Andr=E9?=", "Andr\xc3\xa9");
	check_2047("=?UTF-8?B?4oKs?=", "\xe2\x82\xac");
	check_2047("=?utf-8?q?a_b?=", "a b");
	check_2047("=?koi8-r?B?8NLJ18XU?=",
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
}

static void
rfc2047_joins_adjacent_words(void **state)
{
	/* White space between encoded words goes, around text it stays. */
	check_2047("=?ISO-8859-1?Q?Caf=E9?= =?UTF-8?B?4oKs?= und mehr",
	    "Caf\xc3\xa9\xe2\x82\xac und mehr");
	check_2047("Re: =?UTF-8?Q?a?= b", "Re: a b");
	/* A character split across two words comes out whole. */
	check_2047("=?UTF-8?Q?=E2=82?=\r\n =?UTF-8?Q?=AC?=", "\xe2\x82\xac");
	check_2047("=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=", "\xe2\x82\xac");
}

static void
rfc2047_leaves_broken_words_alone(void **state)
{
	check_2047("=?UTF-8?X?zz?= and =?UTF-8?Q?unterminated",
	    "=?UTF-8?X?zz?= and =?UTF-8?Q?unterminated");
	check_2047("a =?UTF-8?Q?has space?= b", "a =?UTF-8?Q?has space?= b");
	check_2047("=?", "=?");
	/* An unknown charset is read as Windows-1252, not dropped. */
	check_2047("=?x-nonsense?Q?caf=E9?=", "caf\xc3\xa9");
}

static void
rfc2047_reads_raw_8bit_and_unfolds(void **state)
{
	check_2047("Caf\xc3\xa9 ok", "Caf\xc3\xa9 ok");	/* valid UTF-8 */
	check_2047("Caf\xe9 \x93quoted\x94",		/* Windows-1252 */
	    "Caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d");
	check_2047("Hello\r\n world\r\n\tagain", "Hello world again");
	check_2047("  padded  ", "padded");
	check_2047(NULL, "");
}

static void
rfc2047_strips_controls(void **state)
{
	/* ESC encoded or raw, and a bidi override, never come out. */
	check_2047("=?UTF-8?Q?a=1B[31mb?= c\x1b]0;t\x07",
	    "a[31mb c]0;t");
	check_2047("=?UTF-8?B?4oCu?=evil", "evil");
}

/* ---- RFC 2231 ------------------------------------------------------- */

static void
rfc2231_decodes_charset_and_continuations(void **state)
{
	const struct mail_param one[] = {
		{ "size", "100" },
		{ "filename*", "UTF-8''%E2%82%AC%20rate.txt" },
	};
	const struct mail_param cont[] = {
		{ "filename*1*", "%AC" },
		{ "filename*0*", "utf-8'en'%E2%82" },
		{ "filename*2", ".txt" },
	};
	const struct mail_param latin[] = {
		{ "name*", "ISO-8859-1''%61%74%2E%E4%F6%FC" },
	};
	const struct mail_param plain[] = {
		{ "NAME", "=?ISO-8859-1?Q?f=FC.txt?=" },
	};
	char	*s;

	s = rfc2231_param(one, 2, "filename");
	assert_string_equal(s, "\xe2\x82\xac rate.txt");
	free(s);
	s = rfc2231_param(cont, 3, "filename");
	assert_string_equal(s, "\xe2\x82\xac.txt");
	free(s);
	s = rfc2231_param(latin, 1, "name");
	assert_string_equal(s, "at.\xc3\xa4\xc3\xb6\xc3\xbc");
	free(s);
	s = rfc2231_param(plain, 1, "name");
	assert_string_equal(s, "f\xc3\xbc.txt");
	free(s);
	assert_null(rfc2231_param(plain, 1, "filename"));
}

/* ---- charsets ------------------------------------------------------- */

static void
charset_converts_koi8r_and_latin1(void **state)
{
	check_cs("KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4", 6,
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
	check_cs("iso-8859-1", "caf\xe9", 4, "caf\xc3\xa9");
	/* ISO-8859-1 is read as Windows-1252: 0x80 is the euro sign. */
	check_cs("\"ISO-8859-1\"", "\x80", 1, "\xe2\x82\xac");
	check_cs("windows-1251", "\xcf\xf0\xe8", 3,
	    "\xd0\x9f\xd1\x80\xd0\xb8");
}

static void
charset_replaces_invalid_bytes(void **state)
{
	check_cs("utf-8", "a\xff" "b\xe2\x82", 5,
	    "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd");
	/* An overlong NUL and a surrogate are invalid too. */
	check_cs("UTF8", "\xc0\x80\xed\xa0\x80", 5,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* iconv path: Shift_JIS lead byte without its trail byte. */
	check_cs("shift_jis", "\x82\xa0x\x82", 4,
	    "\xe3\x81\x82x\xef\xbf\xbd");
	assert_true(mail_utf8_valid("\xe2\x82\xac", 3));
	assert_false(mail_utf8_valid("\xe2\x82", 2));
}

static void
charset_unknown_falls_back(void **state)
{
	check_cs("x-nonsense", "caf\xc3\xa9", 5, "caf\xc3\xa9");
	check_cs("x-nonsense", "caf\xe9", 4, "caf\xc3\xa9");
	check_cs(NULL, "caf\xe9", 4, "caf\xc3\xa9");
	check_cs("us-ascii", "caf\xc3\xa9", 5, "caf\xc3\xa9");
	/* Names that are not names never reach iconv_open(). */
	check_cs("../../etc/x//TRANSLIT", "a\xe9", 2, "a\xc3\xa9");
}

/* ---- HTML ----------------------------------------------------------- */

static void
html_decodes_entities(void **state)
{
	char	*s = html("a &amp; b &lt;c&gt; &eacute;&#233;&#xe9; "
	    "&#x20AC;&euro; x&nbsp;y &bogus; &amp &#0; &#150;");

	assert_string_equal(s, "a & b <c> \xc3\xa9\xc3\xa9\xc3\xa9 "
	    "\xe2\x82\xac\xe2\x82\xac x y &bogus; & \xef\xbf\xbd "
	    "\xe2\x80\x93\n");
	free(s);
}

static void
html_numbers_links_and_lists_them(void **state)
{
	char	*s = html("<p>See <a href=\"https://x.org/a?b=1&amp;c=2\">"
	    "here</a> and <A HREF=mailto:a@b.c>me</a>, not <a href=\"#top\">"
	    "this</a>.</p>");

	assert_string_equal(s, "See here[1] and me[2], not this.\n\n"
	    "Links:\n[1] https://x.org/a?b=1&c=2\n[2] mailto:a@b.c\n");
	free(s);
}

static void
html_drops_script_style_and_comments(void **state)
{
	char	*s = html("<html><head><title>T</title><style>p{color:red}"
	    "</style></head><body><script type=\"text/javascript\">"
	    "alert('<b>x</b>')</script><!-- hidden <p> -->Hi<SCRIPT>y"
	    "</SCRIPT> there</body></html>");

	assert_string_equal(s, "Hi there\n");
	free(s);
}

static void
html_breaks_blocks_and_bullets_lists(void **state)
{
	char	*s = html("<h1>Title</h1>\n<p>one\n  two</p><div>three<br>"
	    "four</div><ul><li>a</li><li>b</li></ul><ol><li>x<li>y</ol>"
	    "<blockquote>q</blockquote><pre>  a\n   b</pre>"
	    "<img src=x alt=\"logo\">");

	assert_string_equal(s, "Title\n\none two\n\nthree\nfour\n\n* a\n* b"
	    "\n\n1. x\n2. y\n\n> q\n\n  a\n   b\n\n[logo]\n");
	free(s);
}

static void
html_meta_charset_is_found(void **state)
{
	const char	*h = "<html><head><META http-equiv=\"Content-Type\" "
	    "content=\"text/html; charset=windows-1251\"></head>";
	char		*cs = html_meta_charset(h, strlen(h));

	assert_string_equal(cs, "windows-1251");
	free(cs);
	cs = html_meta_charset("<meta charset='utf-8'>", 22);
	assert_string_equal(cs, "utf-8");
	free(cs);
	assert_null(html_meta_charset("<p>no</p>", 9));
}

/* ---- format=flowed -------------------------------------------------- */

static void
flowed_joins_soft_breaks(void **state)
{
	char	*s;

	s = flowed("Hello \nworld.\nNext\n", false);
	assert_string_equal(s, "Hello world.\nNext\n");
	free(s);
	s = flowed("Hel \nlo\n", true);			/* DelSp=yes */
	assert_string_equal(s, "Hello\n");
	free(s);
	s = flowed("> quoted \n> more\n>> deeper\nplain\n", false);
	assert_string_equal(s, "> quoted more\n> > deeper\nplain\n");
	free(s);
	s = flowed(" From stuffed\n-- \nsig\n", false);
	assert_string_equal(s, "From stuffed\n-- \nsig\n");
	free(s);
}

/* ---- whole messages ------------------------------------------------- */

static const char alternative_msg[] =
    "From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.org>\r\n"
    "To: \"Doe, John\" <john@example.org>, b@example.org\r\n"
    "Cc: Friends: c@example.org;, undisclosed-recipients:;\r\n"
    "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
    "Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\r\n"
    "Message-ID: <m1@example.org>\r\n"
    "In-Reply-To: <p1@example.org> (comment)\r\n"
    "References: <r1@example.org>\r\n <r2@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"ALT\"\r\n"
    "\r\n"
    "--ALT\r\n"
    "Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Plain caf=C3=A9 \r\n"
    "text.\r\n"
    "--ALT\r\n"
    "Content-Type: text/html; charset=iso-8859-1\r\n"
    "\r\n"
    "<p>HTML caf\xe9 <a href=\"http://x/\">link</a></p>\r\n"
    "--ALT--\r\n";

static void
render_prefers_plain_alternative(void **state)
{
	char	*s = render(alternative_msg, 0);

	assert_string_equal(s,
	    "From: J\xc3\xbcrgen <j@example.org>\n"
	    "To: \"Doe, John\" <john@example.org>, b@example.org\n"
	    "Cc: Friends: c@example.org;, undisclosed-recipients:;\n"
	    "Date: 1 Jul 2003 10:52:37 +0200\n"
	    "Subject: Gr\xc3\xbc\xc3\x9f" "e\n"
	    "\n"
	    "Plain caf\xc3\xa9 text.\n");
	free(s);
	s = render(alternative_msg, MAIL_RENDER_PREFER_HTML |
	    MAIL_RENDER_NO_HEADERS);
	assert_string_equal(s, "HTML caf\xc3\xa9 link[1]\n\nLinks:\n"
	    "[1] http://x/\n");
	free(s);
}

static void
headers_parse_store_fields(void **state)
{
	struct mail_headers	h;
	struct perr		e;

	assert_int_equal(mail_headers_parse(alternative_msg,
	    strlen(alternative_msg), &h, &e), 0);
	assert_string_equal(h.message_id, "m1@example.org");
	assert_string_equal(h.in_reply_to, "p1@example.org");
	assert_string_equal(h.references, "r1@example.org r2@example.org");
	assert_int_equal(h.date, 1057049557);
	assert_string_equal(h.from_name, "J\xc3\xbcrgen");
	assert_string_equal(h.from_addr, "j@example.org");
	assert_string_equal(h.to,
	    "\"Doe, John\" <john@example.org>, b@example.org");
	assert_string_equal(h.subject, "Gr\xc3\xbc\xc3\x9f" "e");
	assert_false(h.has_attachments);
	mail_headers_free(&h);
}

static void
headers_tolerate_broken_fields(void **state)
{
	const char	*m = "From x@y Tue Jul  1 10:52:37 2003\n"
	    "From: Broken <<a@b\n"
	    "Date: 1 Jul 03 10:52 EST\n"
	    "References: <a@b> garbage <c@d> <unterminated\n"
	    "Subject: Gr\xfc\xdf" "e\n\nbody\n";
	struct mail_headers	h;
	struct perr		e;

	assert_int_equal(mail_headers_parse(m, strlen(m), &h, &e), 0);
	assert_int_equal(h.date, 1057074720);
	assert_string_equal(h.references, "a@b c@d");
	assert_string_equal(h.subject, "Gr\xc3\xbc\xc3\x9f" "e");
	assert_string_equal(h.message_id, "");
	mail_headers_free(&h);

	m = "Date: the day after tomorrow\nSubject: x\n\n";
	assert_int_equal(mail_headers_parse(m, strlen(m), &h, &e), 0);
	assert_int_equal(h.date, 0);
	mail_headers_free(&h);
}

static void
date_parse_reads_common_forms(void **state)
{
	assert_int_equal(mail_date_parse("Tue, 1 Jul 2003 10:52:37 +0200"),
	    1057049557);
	assert_int_equal(mail_date_parse("Tue, 01 Jul 2003 08:52:37 GMT"),
	    1057049557);
	assert_int_equal(mail_date_parse("Tue Jul  1 08:52:37 2003"),
	    1057049557);
	assert_int_equal(mail_date_parse("2003-07-01T10:52:37+02:00"),
	    1057049557);
	assert_int_equal(mail_date_parse("1 Jul 03 10:52 EST"), 1057074720);
	assert_int_equal(mail_date_parse("31 Feb 2003 10:00:00"), 0);
	assert_int_equal(mail_date_parse("nonsense"), 0);
	assert_int_equal(mail_date_parse(NULL), 0);
}

static const char attach_msg[] =
    "From: a@example.org\n"
    "Subject: files\n"
    "Content-Type: multipart/mixed; boundary=XX\n"
    "\n"
    "--XX\n"
    "Content-Type: text/plain\n"
    "\n"
    "See attached.\n"
    "--XX\n"
    "Content-Type: application/pdf; name*0*=UTF-8''%E2%82%AC;\n"
    " name*1=\" rate.pdf\"\n"
    "Content-Disposition: attachment\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "aGVsbG8=\n"
    "--XX\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: inner@example.org\n"
    "Subject: =?UTF-8?Q?inner_=E2=82=AC?=\n"
    "\n"
    "Inner body.\n"
    "--XX\n"
    "Content-Type: image/png\n"
    "Content-Disposition: inline; filename=\"=?UTF-8?Q?p=C3=BC.png?=\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "iVBORw0KGgo=\n"
    "--XX--\n";

static void
attachments_are_listed_and_decoded(void **state)
{
	struct mail_part	*p;
	struct perr		 e;
	char			*bytes;
	size_t			 n, len = strlen(attach_msg);

	assert_int_equal(mail_attachments(attach_msg, len, &p, &n, &e), 0);
	assert_int_equal(n, 5);
	assert_string_equal(p[0].id, "1");
	assert_int_equal(p[0].role, MAIL_PART_BODY);
	assert_string_equal(p[1].id, "2");
	assert_string_equal(p[1].type, "application/pdf");
	assert_string_equal(p[1].filename, "\xe2\x82\xac rate.pdf");
	assert_int_equal(p[1].size, 5);
	assert_int_equal(p[1].role, MAIL_PART_ATTACHMENT);
	assert_string_equal(p[2].id, "3");
	assert_true(p[2].is_message);
	assert_string_equal(p[3].id, "3.1");
	assert_int_equal(p[3].depth, 1);
	assert_string_equal(p[4].filename, "p\xc3\xbc.png");
	assert_int_equal(p[4].size, 8);
	mail_parts_free(p, n);

	assert_int_equal(mail_part_decode(attach_msg, len, "2", &bytes, &n,
	    &e), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(bytes, "hello", 5);
	free(bytes);
	assert_int_equal(mail_part_decode(attach_msg, len, "9", &bytes, &n,
	    &e), -1);
	assert_int_equal(e.code, PERR_NOTFOUND);
}

/*
 * The search index's file names: mail_index() gives them from its own
 * parse, mail_attachment_names() from one of its own, and both equal the
 * names mail_attachments() lists, in its order, joined by a space.
 */
static void
attachment_names_come_from_the_one_parse(void **state)
{
	const char		*plain = "Subject: x\n\nno file here\n";
	struct mail_headers	 h;
	struct perr		 e;
	char			*text, *problem, *names, *alone;
	size_t			 len = strlen(attach_msg);

	(void)state;
	assert_int_equal(mail_index(attach_msg, len, 0, &h, &text, &problem,
	    &names, &e), 0);
	assert_non_null(names);
	assert_string_equal(names, "\xe2\x82\xac rate.pdf p\xc3\xbc.png");
	alone = mail_attachment_names(attach_msg, len);
	assert_non_null(alone);
	assert_string_equal(alone, names);
	mail_headers_free(&h);
	free(text);
	free(problem);
	free(names);
	free(alone);

	assert_int_equal(mail_index(plain, strlen(plain), 0, &h, &text,
	    &problem, &names, &e), 0);
	assert_null(names);
	assert_null(mail_attachment_names(plain, strlen(plain)));
	assert_null(mail_attachment_names(NULL, 0));
	mail_headers_free(&h);
	free(text);
	free(problem);
}

static void
render_shows_nested_message_and_lists_attachments(void **state)
{
	struct mail_headers	 h;
	struct perr		 e;
	char			*s = render(attach_msg, MAIL_RENDER_NO_HEADERS);

	assert_string_equal(s,
	    "See attached.\n"
	    "\n---------- message (part 3) ----------\n"
	    "From: inner@example.org\n"
	    "Subject: inner \xe2\x82\xac\n"
	    "\n"
	    "Inner body.\n"
	    "\nAttachments:\n"
	    "  [2] application/pdf \"\xe2\x82\xac rate.pdf\" (5 B)\n"
	    "  [3] message/rfc822 (73 B)\n"
	    "  [4] image/png \"p\xc3\xbc.png\" (8 B)\n");
	free(s);
	assert_int_equal(mail_headers_parse(attach_msg, strlen(attach_msg),
	    &h, &e), 0);
	assert_true(h.has_attachments);
	mail_headers_free(&h);
}

static void
render_strips_escapes_and_bidi_from_subject(void **state)
{
	const char	*m = "From: \x1b[2Jevil\xe2\x80\xae@example.org\n"
	    "Subject: =?UTF-8?Q?Pay_=1B]0;pwned=07now_=E2=80=AEtxt.exe?="
	    " \x1b[31mred\x9b" "1m\n"
	    "Content-Type: text/plain; charset=utf-8\n\n"
	    "body \x1b[5m blink \xc2\x9b" "31m \xe2\x81\xa6iso\r\n";
	char		*s = render(m, 0);

	assert_terminal_safe(s);
	assert_null(strstr(s, "\x1b"));
	assert_null(strstr(s, "\xe2\x80\xae"));	/* U+202E */
	assert_null(strstr(s, "\xe2\x81\xa6"));	/* U+2066 */
	assert_non_null(strstr(s, "Subject: Pay ]0;pwnednow txt.exe [31mred"));
	free(s);
}

static void
render_converts_charsets_in_body(void **state)
{
	const char	*m = "Subject: k\n"
	    "Content-Type: text/plain; charset=koi8-r\n"
	    "Content-Transfer-Encoding: 8bit\n\n"
	    "\xf0\xd2\xc9\xd7\xc5\xd4\n";
	char		*s = render(m, MAIL_RENDER_NO_HEADERS);

	assert_string_equal(s,
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\n");
	free(s);
	m = "Content-Type: text/plain; charset=utf-8\n\nbad \xff byte\n";
	s = render(m, MAIL_RENDER_NO_HEADERS);
	assert_string_equal(s, "bad \xef\xbf\xbd byte\n");
	free(s);
}

static void
render_survives_deep_nesting_and_caps_output(void **state)
{
	struct mail_render_opts	 o = { 0, 4096 };
	struct perr		 e;
	char			*m, *out;
	size_t			 cap = 4 << 20, len = 0;
	int			 i, depth = 20000;

	m = malloc(cap);
	assert_non_null(m);
	len += (size_t)snprintf(m + len, cap - len, "Subject: deep\n");
	for (i = 0; i < depth; i++)
		len += (size_t)snprintf(m + len, cap - len, "Content-Type: "
		    "multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	len += (size_t)snprintf(m + len, cap - len, "\nbottom\n");
	assert_int_equal(mail_render(m, len, &out, NULL, &e), 0);
	assert_terminal_safe(out);
	free(out);

	/* A long body is cut at max_bytes. */
	len = 0;
	len += (size_t)snprintf(m + len, cap - len, "Subject: long\n\n");
	for (i = 0; i < 10000; i++)
		len += (size_t)snprintf(m + len, cap - len, "line %d\n", i);
	assert_int_equal(mail_render(m, len, &out, &o, &e), 0);
	assert_true(strlen(out) < 4096 + 200);
	assert_non_null(strstr(out, "[... message truncated ...]"));
	free(out);
	free(m);
}

/* ---- hostile nesting (mime_guard) ----------------------------------- */

/* Render and parse the headers of m; neither may crash or leak a control
 * byte. Frees m. */
static void
survives(char *m, size_t len)
{
	struct mail_headers	 h;
	struct perr		 e;
	char			*out = NULL;

	assert_int_equal(mail_render(m, len, &out, NULL, &e), 0);
	assert_terminal_safe(out);
	free(out);
	assert_int_equal(mail_headers_parse(m, len, &h, &e), 0);
	mail_headers_free(&h);
	free(m);
}

/* s repeated n times after head, then tail: malloc'd, *len its length. */
static char *
repeat(const char *head, const char *s, size_t n, const char *tail,
    size_t *len)
{
	struct mbuf	b = { 0 };
	size_t		i, k = strlen(s);

	mbuf_adds(&b, head);
	for (i = 0; i < n; i++)
		mbuf_add(&b, s, k);
	mbuf_adds(&b, tail);
	return mbuf_finish(&b, len);
}

static void
guard_counts_comments_as_libetpan_does(void **state)
{
	char	*m, buf[64];
	size_t	 len;
	bool	 cut = false;

	/* "\)" does not close a comment: libetpan nests on every "(". */
	m = repeat("Date: ", "(\\)", 1000000, "\r\nSubject: x\r\n\r\nhi\r\n",
	    &len);
	survives(m, len);
	/* "\<LF>" is a quoted pair: the comment goes on past the line. */
	m = repeat("Date: ", "(\\\n", 1000000, "\r\nSubject: x\r\n\r\nhi\r\n",
	    &len);
	survives(m, len);
	/* RFC 2047 words in Content-Type are decoded before it is parsed. */
	m = repeat("Content-Type: =?us-ascii?Q?", "=28", 1000000, "?=\r\n"
	    "\r\nhi\r\n", &len);
	survives(m, len);

	strcpy(buf, "(\\)(\\)(a)\\)(");
	assert_int_equal(mime_guard_parens(buf, strlen(buf), 10, NULL), 3);
	assert_int_equal(mime_guard_parens(buf, strlen(buf), 2, &cut), 2);
	assert_true(cut);
	assert_string_equal(buf, "(\\)(\\) a)\\)(");
	/* Folding white space keeps a comment open, a line break ends it. */
	strcpy(buf, "((\r\n ((\n(");
	assert_int_equal(mime_guard_parens(buf, strlen(buf), 10, NULL), 4);
}

/* CPU seconds mail_headers_parse() takes on m (freed). */
static double
parse_cpu(char *m, size_t len)
{
	struct mail_headers	 h;
	struct perr		 e;
	clock_t			 t = clock();

	assert_int_equal(mail_headers_parse(m, len, &h, &e), 0);
	t = clock() - t;
	mail_headers_free(&h);
	free(m);
	return (double)t / CLOCKS_PER_SEC;
}

/* depth multiparts around pad bytes of text, malloc'd. */
static char *
nested(int depth, size_t pad, size_t *len)
{
	struct mbuf	b = { 0 };
	size_t		i;
	int		d;

	mbuf_adds(&b, "Subject: nested\r\n");
	for (d = 0; d < depth; d++)
		mbuf_printf(&b, "Content-Type: multipart/mixed; boundary=b%d"
		    "\r\n\r\n--b%d\r\n", d, d);
	mbuf_adds(&b, "Content-Type: text/plain\r\n\r\n");
	for (i = 0; i < pad / 64; i++)
		mbuf_adds(&b, "the quick brown fox jumps over the lazy dog "
		    "0123456789 abcdef\r\n");
	for (d = depth - 1; d >= 0; d--)
		mbuf_printf(&b, "\r\n--b%d--\r\n", d);
	return mbuf_finish(&b, len);
}

/* n levels of lvl after a Subject, each "#" in lvl replaced by the level's
 * number: malloc'd, *len its length. flat: the n copies side by side as
 * the parts of one multipart instead, the same containers without the
 * nesting (what the nested form may cost, give or take a constant). */
static char *
levels_as(const char *lvl, int n, bool flat, size_t *len)
{
	struct mbuf	 b = { 0 };
	const char	*p;
	int		 i;

	mbuf_adds(&b, "Subject: deep\r\n");
	if (flat)
		mbuf_adds(&b, "Content-Type: multipart/mixed; boundary=zz\r\n"
		    "\r\n");
	for (i = 0; i < n; i++) {
		if (flat)
			mbuf_adds(&b, "--zz\r\n");
		for (p = lvl; *p != '\0'; p++)
			if (*p == '#')
				mbuf_printf(&b, "%d", i);
			else
				mbuf_addc(&b, *p);
	}
	mbuf_adds(&b, flat ? "--zz--\r\n" : "\r\nbottom\r\n");
	return mbuf_finish(&b, len);
}

static char *
levels(const char *lvl, int n, size_t *len)
{
	return levels_as(lvl, n, false, len);
}

/* CPU seconds survives() takes on m. */
static double
survives_cpu(char *m, size_t len)
{
	clock_t	t = clock();

	survives(m, len);
	return (double)(clock() - t) / CLOCKS_PER_SEC;
}

static void
guard_sees_every_container_spelling(void **state)
{
	static const char *const level[] = {
		"Content-Type: multipart/mixed; boundary=b#\r\n\r\n--b#\r\n",
		"Content-Type: multipart /mixed; boundary=b#\r\n\r\n--b#\r\n",
		"Content-Type: multipart/ mixed; boundary=b#\r\n\r\n--b#\r\n",
		"Content-Type: multipart; boundary=b#\r\n\r\n--b#\r\n",
		"content-type:MULTIPART(x)/y;boundary=\"b#\"\n\n--b#\n",
		"Content-Type: =?us-ascii?Q?multipart?=/mixed; boundary=b#\r\n"
		    "\r\n--b#\r\n",
		"Content-Type: message/rfc822\r\n\r\n",
		"Content-Type: message /rfc822\r\n\r\n",
		"Content-Type: message/ rfc822\r\n\r\n",
		"Content-Type (x): message/RFC822\r\n\r\n",
		"Content-Type: multipart/digest; boundary=b#\r\n\r\n--b#\r\n\r\n",
	};
	size_t	 i, len;
	double	 flat, t;
	char	*m;

	/* 30,000 levels: past libetpan's stack, and minutes of rescans
	 * (41 s for "multipart /mixed"); bounded by the same containers
	 * side by side, measured in the same process. */
	for (i = 0; i < sizeof level / sizeof level[0]; i++) {
		m = levels_as(level[i], 30000, true, &len);
		flat = survives_cpu(m, len);
		m = levels(level[i], 30000, &len);
		t = survives_cpu(m, len);
		print_message("# level %zu: %.3fs (side by side %.3fs)\n", i,
		    t, flat);
		assert_true(t < 10 * flat + 0.1);
	}
}

static void
guard_keeps_work_linear(void **state)
{
	double	 flat, deep;
	size_t	 len;
	char	*m;

	/*
	 * 512 real levels around 4 MB cost libetpan 512 scans of the
	 * text (seconds); linear, they cost a small multiple of one flat
	 * parse of the same bytes. The bound is a ratio of CPU times taken
	 * in the same process, so a loaded machine or a sanitizer build
	 * moves both sides.
	 */
	m = nested(1, 4 << 20, &len);
	flat = parse_cpu(m, len);
	m = nested(512, 4 << 20, &len);
	deep = parse_cpu(m, len);
	print_message("# flat %.3fs, 512 levels %.3fs\n", flat, deep);
	assert_true(deep < 40 * flat + 0.05);
	/* 8,000 levels in 500 KB: against the same 4 MB baseline. */
	m = nested(8000, 500 << 10, &len);
	deep = parse_cpu(m, len);
	print_message("# 8000 levels %.3fs\n", deep);
	assert_true(deep < 10 * flat + 0.05);
}

static void
guard_leaves_ordinary_mail_alone(void **state)
{
	const char	*msg = "From: Ann (the (real) one) <a@x.org>\r\n"
	    "Subject: about Content-Type: multipart/mixed\r\n"
	    "Content-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n"
	    "--=_b\r\nContent-Type: text/plain\r\n\r\n"
	    "Set Content-Type: message/rfc822 (see RFC 2046 \\(5.2\\)).\r\n"
	    "--=_b\r\nContent-Type: message/rfc822\r\n\r\n"
	    "Subject: inner\r\n\r\ninner text\r\n--=_b--\r\n";
	char		*copy = xstrdup(msg);
	struct mime_msg	 m;

	assert_false(mime_guard(copy, strlen(copy)));
	assert_string_equal(copy, msg);
	free(copy);
	mime_open(msg, strlen(msg), false, &m);
	assert_false(m.guarded);
	assert_int_equal(m.nparts, 5);
	mime_close(&m);
}

/* "&#10;" n times: a static buffer, overwritten by the next call. */
static const char *
repeat_nl(size_t n)
{
	static char	*buf;
	size_t		 len;

	free(buf);
	buf = repeat("", "&#10;", n, "", &len);
	return buf;
}

static void
html_br_after_many_newlines_is_linear(void **state)
{
	char	*in, *out;
	size_t	 len, n = 200000;
	int	 links = 0;
	double	 flat, t;

	/* &#10; N times then <br> N times: each <br> used to walk back
	 * over all N newlines (N^2, about 30 s for 1.8 MB). */
	in = repeat("", "<b>x</b>", n * 2, "", &len);
	t = clock();
	out = html_to_text(in, len, &links, 1 << 30, &len);
	flat = (clock() - t) / CLOCKS_PER_SEC;
	free(out);
	free(in);
	in = repeat(repeat_nl(n), "<br>", n, "", &len);
	t = clock();
	out = html_to_text(in, len, &links, 1 << 30, &len);
	t = (clock() - t) / CLOCKS_PER_SEC;
	print_message("# flat %.3fs, newlines then <br> %.3fs\n", flat, t);
	assert_true(t < 20 * flat + 0.05);
	free(out);
	free(in);
}

static void
date_zone_of_int_min_is_no_zone(void **state)
{
	const char	*m = "From: a@x.org\r\nDate: Mon, 1 Jan 2024 10:00:00 "
	    "+2147483648\r\nSubject: z\r\n\r\nhi\r\n";
	struct mail_headers	 h;
	struct perr		 e;
	char			*s;

	/* The sanitizer build aborted on -INT_MIN; the plain one showed
	 * "--2147483648". */
	s = render(m, 0);
	assert_non_null(strstr(s, "Date: 1 Jan 2024 10:00:00\n"));
	free(s);
	assert_int_equal(mail_headers_parse(m, strlen(m), &h, &e), 0);
	assert_true(h.date == 0 || h.date == 1704103200);
	mail_headers_free(&h);
	m = "Date: Mon, 1 Jan 2024 10:00:00 -2147483648\r\n\r\n";
	assert_int_equal(mail_headers_parse(m, strlen(m), &h, &e), 0);
	mail_headers_free(&h);
	s = render(m, 0);
	assert_non_null(strstr(s, "Date: 1 Jan 2024 10:00:00\n"));
	free(s);
}

/* ---- modified UTF-7 ------------------------------------------------- */

static void
check_mutf7(const char *utf8, const char *m7)
{
	char	*a = mutf7_encode(utf8), *b = mutf7_decode(m7);

	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, m7);
	assert_string_equal(b, utf8);
	free(a);
	free(b);
}

static void
mutf7_round_trips_rfc3501_vectors(void **state)
{
	check_mutf7("\xe5\x8f\xb0\xe5\x8c\x97", "&U,BTFw-");	/* 台北 */
	check_mutf7("A&B", "A&-B");
	check_mutf7("INBOX", "INBOX");
	check_mutf7("Entw\xc3\xbcrfe/Gr\xc3\xbc\xc3\x9f" "e",
	    "Entw&APw-rfe/Gr&APwA3w-e");
	check_mutf7("\xf0\x9f\x98\x80", "&2D3eAA-");		/* U+1F600 */
	check_mutf7("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	    "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
}

static void
mutf7_rejects_invalid_input(void **state)
{
	assert_null(mutf7_decode("&U,BTFw"));	/* unterminated */
	assert_null(mutf7_decode("&AGE-"));	/* shifted ASCII "a" */
	assert_null(mutf7_decode("&2D0-"));	/* lone high surrogate */
	assert_null(mutf7_decode("&3gA-"));	/* lone low surrogate */
	assert_null(mutf7_decode("&U,BTFx-"));	/* non-zero pad bits */
	assert_null(mutf7_decode("caf\xc3\xa9"));	/* raw 8-bit */
	assert_null(mutf7_decode("&-&"));
	/* Null shift: one character per shift, twice, instead of one shift
	 * ("&AOkA6Q-"); two names would decode to the same one. */
	assert_null(mutf7_decode("&AOk-&AOk-"));
	assert_null(mutf7_decode("a&AOk-&AOk-b"));
	check_mutf7("\xc3\xa9\xc3\xa9", "&AOkA6Q-");
	check_mutf7("\xc3\xa9&\xc3\xa9", "&AOk-&-&AOk-");
	assert_null(mutf7_encode("bad \xff utf8"));
	assert_null(mutf7_decode(NULL));
}

static void
index_parses_once_and_marks_complex_messages(void **state)
{
	const char		*ok = "From: Ann <a@x.org>\r\nSubject: hi\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
	    "Content-Type: text/plain\r\n\r\nbody text\r\n--b\r\n"
	    "Content-Type: application/pdf\r\n\r\n%PDF\r\n--b--\r\n";
	struct mail_headers	 h;
	struct perr		 e;
	char			*text, *problem, *names, *m, *out, want[256];
	size_t			 len;

	assert_int_equal(mail_index(ok, strlen(ok), 0, &h, &text, &problem,
	    &names, &e), 0);
	assert_string_equal(h.subject, "hi");
	assert_string_equal(h.from_addr, "a@x.org");
	assert_true(h.has_attachments);
	assert_string_equal(text, "body text\n");
	assert_null(problem);
	assert_null(names);		/* the PDF has no name */
	mail_headers_free(&h);
	free(text);

	/* Past the guard's limits: stored with a problem, shown with it. */
	m = levels("Content-Type: message /rfc822\r\n\r\n", 600, &len);
	assert_int_equal(mail_index(m, len, 0, &h, &text, &problem, NULL,
	    &e), 0);
	assert_string_equal(h.subject, "deep");
	assert_non_null(problem);
	assert_string_equal(problem, MAIL_PROBLEM_COMPLEX);
	mail_headers_free(&h);
	free(text);
	free(problem);
	assert_int_equal(mail_render(m, len, &out, NULL, &e), 0);
	/* N_() around the words: no literal concatenation. */
	snprintf(want, sizeof want, "[%s]", MAIL_PROBLEM_COMPLEX);
	assert_non_null(strstr(out, want));
	free(out);
	free(m);
}

/* ---- addresses and part types --------------------------------------- */

static void
addr_format_quotes_every_special(void **state)
{
	static const char *const names[] = { "Mary Smith: Personal Account",
	    "a\\b", "Ann (work)", "J. Smith", "Doe, Jane", "x;y", "<a>", "a@b",
	    "say \"hi\"", "[list]" };
	struct compose_addrs	 a = { 0 };
	struct perr		 e;
	char			*s;
	size_t			 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		s = addr_format(names[i], "m@x.org");
		assert_true(s[0] == '"');
		/* It parses back as one address with the same name. */
		assert_int_equal(compose_parse_addresses(s, &a, &e), 0);
		assert_int_equal(a.n, 1);
		assert_string_equal(a.v[0].name, names[i]);
		assert_string_equal(a.v[0].addr, "m@x.org");
		compose_addrs_free(&a);
		memset(&a, 0, sizeof a);
		free(s);
	}
	s = addr_format("Plain Name", "p@x.org");
	assert_string_equal(s, "Plain Name <p@x.org>");
	free(s);
}

static void
part_type_holds_no_control_byte(void **state)
{
	const char	*m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: application/x\x1b\x07Y\x7f\r\n\r\nzz\r\n"
	    "--b--\r\n";
	struct mail_part	*p;
	struct perr		 e;
	size_t			 n;

	assert_int_equal(mail_attachments(m, strlen(m), &p, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].type, "application/xy");
	mail_parts_free(p, n);
}

/* ---- threading ------------------------------------------------------ */

static void
subject_base_strips_prefixes_and_tags(void **state)
{
	char	*s;

	s = mail_thread_subject_base("Re: [list] Fwd: RE[2]: AW:  Hello  "
	    "world (fwd)");
	assert_string_equal(s, "Hello world");
	free(s);
	s = mail_thread_subject_base("R: I: Fw: Re^3: SV:x");
	assert_string_equal(s, "x");
	free(s);
	s = mail_thread_subject_base("[only a tag]");
	assert_string_equal(s, "[only a tag]");
	free(s);
	s = mail_thread_subject_base("Reunion: plans");
	assert_string_equal(s, "Reunion: plans");
	free(s);
	s = mail_thread_subject_base(NULL);
	assert_string_equal(s, "");
	free(s);
}

/*
 * The stored problem sentences come back whole from problem_words() (in
 * the C locale: the translation itself is tests/integration/i18n.sh),
 * the server's words of a refusal kept as they are; a sentence it does
 * not know, or one cut short, comes back as it is.
 */
static void
problem_words_reads_back_every_stored_sentence(void **state)
{
	static const char *const stored[] = {
		PROBLEM_RAW, PROBLEM_LOST, PROBLEM_BODY, MAIL_PROBLEM_COMPLEX,
		"the server would not send this message: NO [X] 100%s; a sync "
		"of this folder alone (posta sync --folder) tries again; a sync "
		"of this folder alone (posta sync --folder) tries again",
		"the server would not send this message: ; only its headers "
		"are stored, and a sync of this folder alone (posta sync "
		"--folder) tries again",
		"the server announced this message as 1000 bytes but sent 70.5 "
		"MB, more than the 64 MB posta downloads; its body was not kept",
		"this message is 70 MB, larger than the 64 MB posta downloads; "
		"its body was not downloaded",
		"this message is 64", "the server would not send this message: ",
		"the server announced this message as 1000 bytes but sent 70.5 "
		"MB, more than the 64 MB posta downloads; its body was not kept!",
		"", "anything else %s %n",
	};
	static const int64_t sizes[] = { 64L << 20, (64L << 20) + 200000,
	    70L << 20, 3L << 30 };
	char	*w, *t;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof stored / sizeof stored[0]; i++) {
		w = problem_words(stored[i]);
		assert_string_equal(w, stored[i]);
		free(w);
	}
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		t = problem_too_big(sizes[i]);
		assert_non_null(strstr(t, "MB, larger than the 64 MB posta "
		    "downloads"));
		w = problem_words(t);
		assert_string_equal(w, t);
		free(w);
		free(t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc2047_decodes_q_latin1_and_b_utf8),
		cmocka_unit_test(rfc2047_joins_adjacent_words),
		cmocka_unit_test(rfc2047_leaves_broken_words_alone),
		cmocka_unit_test(rfc2047_reads_raw_8bit_and_unfolds),
		cmocka_unit_test(rfc2047_strips_controls),
		cmocka_unit_test(rfc2231_decodes_charset_and_continuations),
		cmocka_unit_test(charset_converts_koi8r_and_latin1),
		cmocka_unit_test(charset_replaces_invalid_bytes),
		cmocka_unit_test(charset_unknown_falls_back),
		cmocka_unit_test(html_decodes_entities),
		cmocka_unit_test(html_numbers_links_and_lists_them),
		cmocka_unit_test(html_drops_script_style_and_comments),
		cmocka_unit_test(html_breaks_blocks_and_bullets_lists),
		cmocka_unit_test(html_meta_charset_is_found),
		cmocka_unit_test(flowed_joins_soft_breaks),
		cmocka_unit_test(render_prefers_plain_alternative),
		cmocka_unit_test(headers_parse_store_fields),
		cmocka_unit_test(headers_tolerate_broken_fields),
		cmocka_unit_test(date_parse_reads_common_forms),
		cmocka_unit_test(attachments_are_listed_and_decoded),
		cmocka_unit_test(attachment_names_come_from_the_one_parse),
		cmocka_unit_test(render_shows_nested_message_and_lists_attachments),
		cmocka_unit_test(render_strips_escapes_and_bidi_from_subject),
		cmocka_unit_test(render_converts_charsets_in_body),
		cmocka_unit_test(render_survives_deep_nesting_and_caps_output),
		cmocka_unit_test(guard_counts_comments_as_libetpan_does),
		cmocka_unit_test(guard_sees_every_container_spelling),
		cmocka_unit_test(guard_keeps_work_linear),
		cmocka_unit_test(guard_leaves_ordinary_mail_alone),
		cmocka_unit_test(html_br_after_many_newlines_is_linear),
		cmocka_unit_test(date_zone_of_int_min_is_no_zone),
		cmocka_unit_test(mutf7_round_trips_rfc3501_vectors),
		cmocka_unit_test(mutf7_rejects_invalid_input),
		cmocka_unit_test(index_parses_once_and_marks_complex_messages),
		cmocka_unit_test(addr_format_quotes_every_special),
		cmocka_unit_test(part_type_holds_no_control_byte),
		cmocka_unit_test(subject_base_strips_prefixes_and_tags),
		cmocka_unit_test(problem_words_reads_back_every_stored_sentence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
