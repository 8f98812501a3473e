/* fuzz_html.c - HTML to text: bounded output, valid once sanitised, and
 * linear time (a quadratic case shows as a libFuzzer timeout). */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*t, *s;
	size_t	 n;
	int	 links = 0;

	t = html_to_text((const char *)data, size, &links, 64 << 10, &n);
	/* Not yet sanitised: NUL bytes pass through, n counts them. */
	FUZZ_CHECK(t != NULL && n >= strlen(t));
	FUZZ_CHECK(n <= (64 << 10) + (64 << 10));
	FUZZ_CHECK(links >= 0 && links <= MAIL_MAX_LINKS);
	s = sanitize_text(t, n, true);
	FUZZ_CHECK(fuzz_safe(s, 1));
	free(s);
	free(t);
	return 0;
}
