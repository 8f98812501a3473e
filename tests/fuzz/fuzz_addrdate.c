/* fuzz_addrdate.c - addresses and dates: a formatted address parses back
 * as one address with its name; a date is never negative. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct compose_addrs	 a = { 0 };
	struct perr		 e;
	char			*in = fuzz_str(data, size), *name, *s;
	size_t			 n;

	FUZZ_CHECK(mail_date_parse(in) >= 0);
	/* A display name as the store keeps it: one safe line, trimmed. */
	name = sanitize_text(in, strlen(in), false);
	n = strlen(name);
	/* (A name equal to the address is left out by design.) */
	if (n > 0 && name[0] != ' ' && name[n - 1] != ' ' &&
	    strcmp(name, "m@example.org") != 0 &&
	    strstr(name, "  ") == NULL && strstr(name, "=?") == NULL &&
	    strchr(name, '\t') == NULL) {
		s = addr_format(name, "m@example.org");
		FUZZ_CHECK(compose_parse_addresses(s, &a, &e) == 0);
		FUZZ_CHECK(a.n == 1);
		FUZZ_CHECK(strcmp(a.v[0].addr, "m@example.org") == 0);
		FUZZ_CHECK(a.v[0].name != NULL &&
		    strcmp(a.v[0].name, name) == 0);
		compose_addrs_free(&a);
		free(s);
	}
	free(name);
	free(in);
	return 0;
}
