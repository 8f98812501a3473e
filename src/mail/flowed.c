/*
 * flowed.c - format=flowed (RFC 3676) back into paragraphs.
 *
 * A flowed line ends in a space: it continues on the next line of the same
 * quote depth. Lines starting with a space, ">" or "From " were
 * space-stuffed by the sender, and the signature separator "-- " is never
 * flowed. The paragraphs come out as single long lines for the pager to
 * wrap at the reader's width, each with its quote depth written "> > ".
 */
#include <string.h>

#include "mail/mail.h"

char *
flowed_unwrap(const char *s, size_t len, bool delsp, size_t *outlen)
{
	struct mbuf	 b = { 0 };
	const char	*line, *end, *nl;
	size_t		 n, q, depth = 0, i;
	bool		 open = false;	/* inside a paragraph of depth */

	for (line = s; line < s + len; line = end + (nl != NULL)) {
		nl = memchr(line, '\n', (size_t)(s + len - line));
		end = nl != NULL ? nl : s + len;
		n = (size_t)(end - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		for (q = 0; q < n && line[q] == '>'; q++)
			;
		if (open && q != depth) {
			/* A flowed line followed by another depth: RFC 3676
			 * 4.5 says treat it as fixed. */
			mbuf_addc(&b, '\n');
			open = false;
		}
		line += q;
		n -= q;
		if (n > 0 && line[0] == ' ')	/* space-stuffing */
			line++, n--;
		if (!open) {
			for (i = 0; i < q; i++)
				mbuf_adds(&b, "> ");
			depth = q;
		}
		if (n == 3 && memcmp(line, "-- ", 3) == 0) {
			/* The signature separator keeps its space. */
			if (open)
				mbuf_addc(&b, '\n');
			if (open)
				for (i = 0; i < q; i++)
					mbuf_adds(&b, "> ");
			mbuf_add(&b, line, 3);
			mbuf_addc(&b, '\n');
			open = false;
			continue;
		}
		if (n > 0 && line[n - 1] == ' ') {
			mbuf_add(&b, line, delsp ? n - 1 : n);
			open = true;
			continue;
		}
		mbuf_add(&b, line, n);
		if (nl != NULL || open)
			mbuf_addc(&b, '\n');
		open = false;
	}
	if (open)
		mbuf_addc(&b, '\n');
	return mbuf_finish(&b, outlen);
}
