/* fuzz_mutf7.c - modified UTF-7: whatever decodes encodes back to the same
 * bytes (one spelling per name), and whatever encodes decodes back. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*in = fuzz_str(data, size), *u, *m;

	if ((u = mutf7_decode(in)) != NULL) {
		FUZZ_CHECK(mail_utf8_valid(u, strlen(u)));
		m = mutf7_encode(u);
		FUZZ_CHECK(m != NULL && strcmp(m, in) == 0);
		free(m);
		free(u);
	}
	if ((m = mutf7_encode(in)) != NULL) {
		for (u = m; *u != '\0'; u++)
			FUZZ_CHECK(*u >= 0x20 && *u <= 0x7E);
		u = mutf7_decode(m);
		FUZZ_CHECK(u != NULL && strcmp(u, in) == 0);
		free(u);
		free(m);
	}
	free(in);
	return 0;
}
