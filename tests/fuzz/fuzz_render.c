/* fuzz_render.c - the whole render path from raw bytes: mail_render(),
 * mail_index(), mail_attachments(). Nothing that leaves may hold a control
 * byte; nothing may crash, however the message nests. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_render_opts	 o = { 0, 256 << 10 };
	struct mail_headers	 h;
	struct mail_part	*p;
	struct perr		 e;
	char			*out, *text, *problem, *names, *again;
	size_t			 i, n;

	if (size > 0)
		o.flags = data[0] & MAIL_RENDER_PREFER_HTML;
	FUZZ_CHECK(mail_render((const char *)data, size, &out, &o, &e) == 0);
	FUZZ_CHECK(fuzz_safe(out, 1));
	free(out);
	FUZZ_CHECK(mail_index((const char *)data, size, 64 << 10, &h, &text,
	    &problem, &names, &e) == 0);
	FUZZ_CHECK(fuzz_safe(text, 1));
	FUZZ_CHECK(problem == NULL || fuzz_safe(problem, 0));
	/* The names of the one parse are those of a parse of their own. */
	again = mail_attachment_names((const char *)data, size);
	FUZZ_CHECK((names == NULL) == (again == NULL));
	FUZZ_CHECK(names == NULL || strcmp(names, again) == 0);
	free(again);
	free(names);
	mail_headers_free(&h);
	free(text);
	free(problem);
	FUZZ_CHECK(mail_attachments((const char *)data, size, &p, &n,
	    &e) == 0);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(fuzz_safe(p[i].type, 0));
		FUZZ_CHECK(fuzz_safe(p[i].filename, 0));
	}
	mail_parts_free(p, n);
	return 0;
}
