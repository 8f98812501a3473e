/*
 * mkstore.c - fill a posta store without the network, for the terminal
 * tests and the start-up bench: the rows the sync engine would write
 * (decoded headers in the message table, the raw RFC 5322 bytes in body).
 *
 *   mkstore [-t] STORE ACCOUNT FOLDER COUNT [BODIES]
 *
 * adds COUNT messages to FOLDER (made when missing; INBOX is the Inbox),
 * the first BODIES of them (default 300) with a stored body, the others
 * headers only. With -t (the search bench) every message has a body and
 * its search text, as with offline = all: some 30 words drawn from a
 * vocabulary, most of them common, "fattura" in 1 message of 25, "ferie"
 * in 1 of 4, and "rif" followed by a number of its own (rif 1000003 + i),
 * so that a rare term has one match. BODIES is then ignored. Without -t
 * the stores are what they always were. The newest few are the ones the
 * tests look for:
 *
 *   0  Italian: RFC 2047 ISO-8859-1 subject and sender, ISO-8859-1 body
 *   1  hostile: ESC ] 52, ESC [ 2 J, C1, bidi override, zero-width and
 *      invalid UTF-8 in subject, sender and body; a 5000-column line
 *   2, 4, 6, 8   one thread ("Thread root topic") with thread_id set,
 *      interleaved with others so that flat and threaded views differ
 *   10, 13       a thread by headers only ("Weekly planning")
 *
 * With no arguments it tests itself and prints TAP (make check runs it).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mail/mail.h"
#include "store/store.h"

#define MK_BATCH	1000

static const char *const names[] = {
	"Giulia Bianchi", "Andrea Esposito", "John Smith", "Mary O'Brien",
	"Zoë Müller", "田中 太郎", "Build Bot", "Elena Verdi", "", "Dr. Who",
};
static const char *const addrs[] = {
	"giulia@example.org", "andrea@example.com", "john@example.com",
	"mary@example.org", "zoe@example.net", "tanaka@example.jp.test",
	"ci@build.example", "elena@example.org", "noreply@example.net",
	"doctor@tardis.example",
};
static const char *const subjects[] = {
	"Riunione di lunedì", "Quarterly report", "Lunch on Friday?",
	"Build #%d failed", "Foto delle vacanze 🏖", "Invoice %d",
	"Città: orari di apertura", "Your order has shipped",
};

struct mk {
	struct store	*st;
	bool		 text;		/* -t: every message with search text */
	int64_t		 folder_id;
	int64_t		 now;
	int64_t		 thread_root;	/* row id of the seeded thread's root */
	struct perr	 err;
};

static int
fail(struct mk *mk, const char *what)
{
	fprintf(stderr, "mkstore: %s: %s\n", what, mk->err.msg);
	return -1;
}

static char *
raw_message(const char *headers, const char *body)
{
	return xasprintf("%s\r\nMIME-Version: 1.0\r\n\r\n%s", headers, body);
}

/*
 * Insert m; give it raw as body when raw is not NULL, and text as its
 * search text in the same insert when text is not NULL (raw then too).
 */
static int
put(struct mk *mk, struct store_msg *m, const char *raw, size_t rawlen,
    const char *text, int64_t *id)
{
	int64_t	 rowid;
	char	*names;
	int	 rc;

	m->folder_id = mk->folder_id;
	m->size = raw != NULL ? (int64_t)rawlen : 2000 + (m->uid * 37) % 90000;
	if (text != NULL) {
		names = mail_attachment_names(raw, rawlen);
		rc = store_msg_insert_body(mk->st, m, raw, rawlen, text, names,
		    &rowid, &mk->err);
		free(names);
		if (rc != 0)
			return fail(mk, "insert");
		if (id != NULL)
			*id = rowid;
		return 0;
	}
	if (store_msg_insert(mk->st, m, &rowid, &mk->err) < 0)
		return fail(mk, "insert");
	if (raw != NULL && store_body_put(mk->st, rowid, raw, rawlen, NULL,
	    &mk->err) != 0)
		return fail(mk, "body");
	if (id != NULL)
		*id = rowid;
	return 0;
}

static const char *const words[] = {
	"the", "di", "and", "che", "to", "il", "of", "la", "a", "per",
	"is", "non", "in", "un", "for", "una", "we", "con", "please", "grazie",
	"meeting", "domani", "report", "progetto", "attached", "allegato",
	"schedule", "ufficio", "review", "cliente", "budget", "ordine",
	"server", "consegna", "release", "contratto", "deadline", "pagamento",
	"draft", "preventivo", "holiday", "documento", "travel", "viaggio",
	"invoice", "bilancio", "lunch", "pranzo", "weekend", "sabato",
	"backup", "magazzino", "printer", "stampante", "coffee", "caffè",
	"garden", "giardino", "bicycle", "bicicletta", "concert", "concerto",
	"mountain", "montagna", "library", "biblioteca", "museum", "museo",
};

/* A deterministic generator of its own: the same text for the same i. */
static uint32_t
mk_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (uint32_t)(*x >> 16);
}

/*
 * Message i's text for -t: words skewed to the start of the vocabulary
 * (u squared), and the terms the search bench asks for.
 */
static char *
search_text(long i)
{
	struct mbuf	 b = { 0 };
	uint64_t	 x = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)i * 2654435761U);
	size_t		 nw = sizeof words / sizeof words[0];
	double		 u;
	int		 n, k;

	if (x == 0)
		x = 1;
	n = 20 + (int)(mk_rand(&x) % 20);
	for (k = 0; k < n; k++) {
		u = (double)mk_rand(&x) / 65536.0 / 65536.0;
		mbuf_adds(&b, words[(size_t)(u * u * (double)nw) % nw]);
		mbuf_adds(&b, k % 12 == 11 ? ". " : " ");
	}
	if (i % 25 == 3)
		mbuf_adds(&b, " La fattura è in allegato.");
	if (i % 4 == 1)
		mbuf_adds(&b, " Sono in ferie fino a lunedì.");
	mbuf_printf(&b, " Rif %ld.\r\n", 1000003 + i);
	return mbuf_finish(&b, NULL);
}

static int
italian(struct mk *mk, struct store_msg *m)
{
	/* ISO-8859-1 bytes: e9 = é, e8 = è, f9 = ù, f2 = ò. */
	static const char body[] =
	    "Caro Niccol\xf2,\r\n\r\nil caff\xe8 \xe8 pronto. Perch\xe9 non "
	    "vieni in citt\xe0? Ci vediamo gioved\xec.\r\n\r\n"
	    "> Il caff\xe8 \xe8 pi\xf9 buono al bar.\r\n"
	    ">> Sicuro?\r\n\r\nLucia\r\n";
	char	*raw, *hdr;
	int	 rc;

	m->subject = "Perché il caffè è più buono";
	m->from_name = "Lucia Ferrè";
	m->from_addr = "lucia.ferre@example.net";
	m->message_id = "it.1@mkstore.posta.test";
	hdr = xasprintf("Received: from mx.example.net (mx.example.net "
	    "[192.0.2.1])\r\n\tby lab.posta.test with ESMTPS; Mon, 20 Nov 2023 "
	    "10:00:01 +0100\r\n"
	    "From: =?ISO-8859-1?Q?Lucia_Ferr=E8?= "
	    "<lucia.ferre@example.net>\r\nTo: Alice Lab <alice@lab.posta.test>"
	    "\r\nSubject: =?ISO-8859-1?Q?Perch=E9_il_caff=E8_=E8_pi=F9_buono?="
	    "\r\nDate: Mon, 20 Nov 2023 10:00:00 +0100\r\nMessage-ID: "
	    "<it.1@mkstore.posta.test>\r\nContent-Type: text/plain; "
	    "charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit");
	raw = raw_message(hdr, body);
	rc = put(mk, m, raw, strlen(raw), NULL, NULL);
	free(raw);
	free(hdr);
	return rc;
}

static int
hostile(struct mk *mk, struct store_msg *m)
{
	char	*raw, *hdr, *body, *longline;
	int	 rc;

	/* What a sync would store: decoded, not sanitised (that is ours). */
	m->subject = "Hostile \x1b]52;c;SGFja2Vk\x07 paste and \x1b[2J clear "
	    "\xe2\x80\xae" "evil\xe2\x80\xac zero\xe2\x80\x8bwidth \xc2\x9b" "31m"
	    " bad \xff\xfe utf8";
	m->from_name = "Evil \x1b[31mRed\x1b[0m";
	m->from_addr = "evil@attacker.example";
	m->message_id = "hostile.1@mkstore.posta.test";
	longline = xmalloc(5001);
	memset(longline, 'x', 5000);
	longline[5000] = '\0';
	body = xasprintf("Body with \x1b]52;c;SGFja2Vk\x07 OSC 52 and "
	    "\x1b[2J erase.\r\nBell \x07 backspace \x08 del \x7f.\r\n"
	    "RTL \xe2\x80\xae" "desrever\xe2\x80\xac ok.\r\n"
	    "Invalid \xc3\x28 \xff bytes.\r\nLong: %s\r\nEND-OF-HOSTILE\r\n",
	    longline);
	hdr = xasprintf("From: Evil <evil@attacker.example>\r\nTo: "
	    "alice@lab.posta.test\r\nSubject: Hostile \x1b]52;c;SGFja2Vk\x07 "
	    "\x1b[2J\r\nDate: Mon, 20 Nov 2023 09:00:00 +0000\r\n"
	    "Message-ID: <hostile.1@mkstore.posta.test>\r\n"
	    "Content-Type: text/plain; charset=utf-8");
	raw = raw_message(hdr, body);
	rc = put(mk, m, raw, strlen(raw), NULL, NULL);
	free(raw);
	free(hdr);
	free(body);
	free(longline);
	return rc;
}

/* The seeded thread, by References and thread_id (ids 2, 4, 6, 8). */
static int
thread_member(struct mk *mk, struct store_msg *m, int i, int *n)
{
	static const char *const who[] = { "Paolo Bianchi", "Giulia Bianchi",
	    "Andrea Esposito", "Elena Verdi" };
	char	*mid, *irt = NULL, *refs = NULL, *raw, *hdr;
	int64_t	 id;
	int	 k = 3 - (i - 2) / 2;	/* 8 is the root: k = 0 */
	int	 rc;

	mid = xasprintf("thread.%d@mkstore.posta.test", k);
	if (k > 0) {
		irt = xasprintf("thread.%d@mkstore.posta.test", k - 1);
		refs = k == 1 ? xstrdup(irt) : k == 2 ?
		    xstrdup("thread.0@mkstore.posta.test "
		    "thread.1@mkstore.posta.test") :
		    xstrdup("thread.0@mkstore.posta.test "
		    "thread.1@mkstore.posta.test thread.2@mkstore.posta.test");
	}
	m->message_id = mid;
	m->in_reply_to = irt;
	m->refs = refs;
	m->subject = k == 0 ? "Thread root topic" : "Re: Thread root topic";
	m->from_name = (char *)who[k];
	m->from_addr = "thread@example.org";
	hdr = xasprintf("From: %s <thread@example.org>\r\nSubject: %s\r\n"
	    "Message-ID: <%s>%s%s%s", who[k], m->subject, mid,
	    irt ? "\r\nIn-Reply-To: <" : "", irt ? irt : "", irt ? ">" : "");
	raw = raw_message(hdr, k == 0 ? "The root of the thread.\r\n" :
	    "> earlier words\r\nA reply.\r\n");
	rc = put(mk, m, raw, strlen(raw), NULL, &id);
	free(raw);
	free(hdr);
	/* Oldest first is not how we insert: root last, then fix ids. */
	if (rc == 0) {
		if (k == 0)
			mk->thread_root = id;
		n[k] = (int)id;
	}
	free(mid);
	free(irt);
	free(refs);
	return rc;
}

static int
fill(struct mk *mk, const char *account, const char *folder, long count,
    long bodies)
{
	struct store_folder	 f = { 0 };
	struct store_msg	 m;
	int64_t			 account_id, date;
	long			 i;
	int			 tids[4] = { 0 }, k;
	char			*subj, *raw, *hdr, *body, *text;

	if (store_account_ensure(mk->st, account, STORE_IMAP, &account_id,
	    &mk->err) != 0)
		return fail(mk, "account");
	f.account_id = account_id;
	f.name = (char *)folder;
	f.remote_name = (char *)folder;
	f.delimiter = '/';
	f.subscribed = true;
	/* The usual names get their special use, as a server gives them. */
	f.special_use = strcmp(folder, "INBOX") == 0 ? STORE_SPECIAL_INBOX :
	    strcmp(folder, "Trash") == 0 ? STORE_SPECIAL_TRASH :
	    strcmp(folder, "Archive") == 0 ? STORE_SPECIAL_ARCHIVE :
	    strcmp(folder, "Drafts") == 0 ? STORE_SPECIAL_DRAFTS :
	    strcmp(folder, "Sent") == 0 ? STORE_SPECIAL_SENT :
	    STORE_SPECIAL_NONE;
	if (store_folder_upsert(mk->st, &f, &mk->folder_id, &mk->err) != 0)
		return fail(mk, "folder");

	for (i = 0; i < count; i++) {
		if (i % MK_BATCH == 0 && store_begin(mk->st, &mk->err) != 0)
			return fail(mk, "begin");
		memset(&m, 0, sizeof m);
		m.uid = (uint32_t)(count - i);
		/* Newest first: the special ones a minute apart, then every
		 * 5 share a date, to exercise the keyset. */
		date = i < 20 ? mk->now - 600 - i * 60 :
		    mk->now - 3600 - (i / 5) * 3000;
		m.date = m.internal_date = date;
		m.flags = (i % 3 == 0 ? 0 : STORE_SEEN) |
		    (i % 11 == 0 ? STORE_FLAGGED : 0) |
		    (i % 7 == 0 ? STORE_ANSWERED : 0);
		m.has_attachments = i % 9 == 4;
		subj = NULL;
		if (i == 0 && italian(mk, &m) != 0)
			return -1;
		else if (i == 1 && hostile(mk, &m) != 0)
			return -1;
		else if (i >= 2 && i <= 8 && i % 2 == 0) {
			if (thread_member(mk, &m, (int)i, tids) != 0)
				return -1;
		} else if (i > 1) {
			k = (int)(i % (long)(sizeof names / sizeof names[0]));
			m.from_name = (char *)names[k];
			m.from_addr = (char *)addrs[k];
			m.to_list = "Alice Lab <alice@lab.posta.test>";
			if (i == 10 || i == 13) {
				subj = xstrdup(i == 13 ? "Weekly planning" :
				    "Re: Weekly planning");
				m.message_id = i == 13 ? "plan.0@mkstore" :
				    "plan.1@mkstore";
				m.in_reply_to = i == 10 ? "plan.0@mkstore" : NULL;
				m.refs = m.in_reply_to;
			} else
				subj = xasprintf(subjects[i % (long)(sizeof
				    subjects / sizeof subjects[0])], (int)i);
			m.subject = subj;
			hdr = xasprintf("From: %s <%s>\r\nSubject: %s\r\n"
			    "Content-Type: text/plain; charset=utf-8",
			    names[k], addrs[k], subj);
			text = mk->text ? search_text(i) : NULL;
			body = text != NULL ? xstrdup(text) : xasprintf(
			    "Message number %ld.\r\n\r\n> a quoted "
			    "line\r\n>> quoted twice\r\n\r\nBye.\r\n", i);
			raw = raw_message(hdr, body);
			if (put(mk, &m, i < bodies || text != NULL ? raw : NULL,
			    strlen(raw), text, NULL) != 0)
				return -1;
			free(text);
			free(raw);
			free(body);
			free(hdr);
		}
		free(subj);
		if ((i % MK_BATCH == MK_BATCH - 1 || i == count - 1) &&
		    store_commit(mk->st, &mk->err) != 0)
			return fail(mk, "commit");
	}
	/* The sync engine's thread ids: one per thread, the root's row. */
	for (k = 0; k < 4 && count > 8; k++)
		if (store_msg_set_thread(mk->st, tids[k], mk->thread_root,
		    &mk->err) != 0)
			return fail(mk, "thread");
	return 0;
}

static int
self_test(void)
{
	char		 dir[] = "/tmp/posta-mkstore-XXXXXX", *path;
	struct mk	 mk = { 0 };
	int64_t		 total = 0, unread = 0;
	int		 ok;

	printf("1..1\n");
	if (mkdtemp(dir) == NULL) {
		printf("not ok 1 - mkstore fills a store (mkdtemp)\n");
		return 1;
	}
	path = xasprintf("%s/posta.db", dir);
	mk.now = (int64_t)time(NULL);
	mk.st = store_open(path, STORE_RDWR | STORE_SYNC_NORMAL, &mk.err);
	ok = mk.st != NULL && fill(&mk, "alice", "INBOX", 300, 50) == 0 &&
	    store_folder_counts(mk.st, mk.folder_id, &total, &unread,
	    &mk.err) == 0 && total == 300 && unread > 0;
	store_close(mk.st);
	printf("%sok 1 - mkstore fills a store with 300 messages (%lld "
	    "stored, %lld unread)\n", ok ? "" : "not ", (long long)total,
	    (long long)unread);
	(void)unlink(path);
	free(path);
	path = xasprintf("%s/posta.db-wal", dir);
	(void)unlink(path);
	free(path);
	path = xasprintf("%s/posta.db-shm", dir);
	(void)unlink(path);
	free(path);
	(void)rmdir(dir);
	return ok ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct mk	 mk = { 0 };
	char		*end;
	long		 count, bodies = 300;
	int		 rc;

	if (argc == 1)
		return self_test();
	if (strcmp(argv[1], "-t") == 0) {
		mk.text = true;
		argc--;
		argv++;
	}
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: mkstore [-t] STORE ACCOUNT FOLDER COUNT "
		    "[BODIES]\n");
		return 2;
	}
	count = strtol(argv[4], &end, 10);
	if (*end != '\0' || count < 0) {
		fprintf(stderr, "mkstore: COUNT: expected a number\n");
		return 2;
	}
	if (argc == 6)
		bodies = strtol(argv[5], &end, 10);
	/* Dates are relative to now, so "today" shows as a time. */
	mk.now = (int64_t)time(NULL);
	if ((mk.st = store_open(argv[1], STORE_RDWR | STORE_SYNC_NORMAL,
	    &mk.err)) == NULL)
		return fail(&mk, "open") != 0 ? 1 : 0;
	rc = fill(&mk, argv[2], argv[3], count, bodies);
	store_close(mk.st);
	return rc == 0 ? 0 : 1;
}
