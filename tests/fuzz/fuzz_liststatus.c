/*
 * fuzz_liststatus.c - any bytes as a server's reply, through the two
 * readers of untagged STATUS lines: the LIST-STATUS scanner
 * (src/net/liststatus.c) over a few mailboxes, and the stream lexer that
 * bounds every reply and counts its STATUS lines for NOTIFY
 * (src/net/limit.c). Nothing crashes or reads past the input; the scanner
 * gives a status only to a mailbox the input names, and the same one
 * twice over; the lexer gives the same verdict and count fed whole or a
 * byte at a time, and never counts more STATUS lines than lines.
 */
#include "fuzz.h"
#include "net/limit.h"
#include "net/liststatus.h"

/* Mailboxes the scanner may match: atoms, quoted, INBOX, a long one. */
static const char *const names[] = {
	"INBOX", "Sent", "A/B", "with space", "q\"uote", "b\\slash",
	"&AOk-t&AOk-", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
};
#define NNAMES	(sizeof names / sizeof names[0])

static void
scan(const char *text, size_t len, struct imap_mailbox *v)
{
	struct imap_mailboxes	mbs;
	size_t			i;

	memset(&mbs, 0, sizeof mbs);
	memset(v, 0, NNAMES * sizeof *v);
	for (i = 0; i < NNAMES; i++)
		v[i].name = (char *)(uintptr_t)names[i];
	mbs.v = v;
	mbs.n = NNAMES;
	list_status_scan(&mbs, text, len);
}

/* Count text whole (into *n), then byte by byte; the verdicts agree. */
static void
lex(const char *text, size_t len)
{
	struct net_limits	 l;
	struct net_lexer	*a, *b;
	struct perr		 ea, eb;
	size_t			 i, lines = 1;
	int			 ra, rb = 0;

	net_limits_for(NET_CTX_IMAP, &l);
	a = net_lexer_new(&l, 0);
	b = net_lexer_new(&l, 0);
	memset(&ea, 0, sizeof ea);
	memset(&eb, 0, sizeof eb);
	ra = net_lexer_feed(a, text, len, &ea);
	for (i = 0; i < len && rb == 0; i++)
		rb = net_lexer_feed(b, text + i, 1, &eb);
	FUZZ_CHECK(ra == rb);
	FUZZ_CHECK(ra == 0 || (ea.code != PERR_OK && ea.msg[0] != '\0'));
	if (ra == 0) {
		FUZZ_CHECK(net_lexer_statuses(a) == net_lexer_statuses(b));
		for (i = 0; i < len; i++)
			lines += text[i] == '\n';
		FUZZ_CHECK(net_lexer_statuses(a) <= lines);
	}
	net_lexer_free(a);
	net_lexer_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_mailbox	 v1[NNAMES], v2[NNAMES];
	const char		*text = (const char *)data;
	size_t			 i;

	scan(text, size, v1);
	scan(text, size, v2);
	for (i = 0; i < NNAMES; i++) {
		FUZZ_CHECK(v1[i].has_status == v2[i].has_status);
		FUZZ_CHECK(memcmp(&v1[i].st, &v2[i].st, sizeof v1[i].st) == 0);
		/* A name needs at least its own bytes in the reply. */
		FUZZ_CHECK(!v1[i].has_status || size >= 9 + strlen(names[i]));
		if (!v1[i].has_status)
			FUZZ_CHECK(v1[i].st.messages == 0 &&
			    v1[i].st.highestmodseq == 0);
	}
	lex(text, size);
	return 0;
}
