/* fuzz_rfc2047.c - RFC 2047 words and RFC 2231 parameters: decoded text is
 * one safe line; encoded text is ASCII and decodes back. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_param	 pv[8];
	char			*s, *in, *enc, *dec, *p, *q;
	size_t			 n = 0, i;

	s = rfc2047_decode_n((const char *)data, size);
	FUZZ_CHECK(fuzz_safe(s, 0));
	free(s);

	/* Parameters: "name\0value\0name\0value..." */
	in = fuzz_str(data, size);
	for (p = in; n < 8 && p < in + size; n++) {
		pv[n].name = p;
		p += strlen(p) + 1;
		pv[n].value = p < in + size ? p : "";
		p += p < in + size ? strlen(p) + 1 : 0;
	}
	for (i = 0; i < n; i++) {
		s = rfc2231_param(pv, n, pv[i].name);
		FUZZ_CHECK(s == NULL || fuzz_safe(s, 0));
		free(s);
	}

	/* Encoding: ASCII out, and the same text back. */
	if (mail_utf8_valid(in, strlen(in))) {
		s = sanitize_text(in, strlen(in), false);
		enc = rfc2047_encode(s, (size & 1) != 0);
		for (q = enc; *q != '\0'; q++)
			FUZZ_CHECK((unsigned char)*q < 0x80 && *q >= 0x20);
		dec = rfc2047_decode(enc);
		FUZZ_CHECK(fuzz_safe(dec, 0));
		free(dec);
		free(enc);
		free(s);
	}
	free(in);
	return 0;
}
