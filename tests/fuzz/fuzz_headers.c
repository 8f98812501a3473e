/* fuzz_headers.c - what the store keeps of a header: every field single
 * line and terminal-safe, the date never negative. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_headers	 h;
	struct perr		 e;

	FUZZ_CHECK(mail_headers_parse((const char *)data, size, &h, &e) == 0);
	FUZZ_CHECK(fuzz_safe(h.message_id, 0) && fuzz_safe(h.in_reply_to, 0));
	FUZZ_CHECK(fuzz_safe(h.references, 0) && fuzz_safe(h.from_name, 0));
	FUZZ_CHECK(fuzz_safe(h.from_addr, 0) && fuzz_safe(h.to, 0));
	FUZZ_CHECK(fuzz_safe(h.cc, 0) && fuzz_safe(h.subject, 0));
	FUZZ_CHECK(h.date >= 0);
	mail_headers_free(&h);
	return 0;
}
