/* fuzz_config.c - the configuration parser on any file: it loads or fails
 * with a message, never crashes; the message is safe to print once
 * sanitised (what cli_error() does). */
#include <unistd.h>

#include "fuzz.h"
#include "util/config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 path[] = "/tmp/posta-fuzz-config-XXXXXX", *s;
	struct config	*c;
	struct perr	 e;
	int		 fd;

	if ((fd = mkstemp(path)) < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	(void)close(fd);
	c = config_load(path, &e);
	(void)unlink(path);
	if (c != NULL) {
		config_free(c);
		return 0;
	}
	s = sanitize_text(e.msg, strlen(e.msg), false);
	FUZZ_CHECK(fuzz_safe(s, 0));
	free(s);
	return 0;
}
