/*
 * app_shell.c - mail leaving posta for the user's own files and programs:
 * messages appended to an mbox file (see app.h).
 */
#include <stdlib.h>

#include "app.h"
#include "backup/backup.h"

int
app_save_mbox(struct store *st, const int64_t *ids, size_t n,
    const char *path, size_t *saved, size_t *no_body, struct perr *err)
{
	struct backup_stats	bs;
	int			rc;

	rc = backup_mbox_append(st, ids, n, path, &bs, err);
	*saved = rc == 0 ? (size_t)bs.messages : 0;
	*no_body = (size_t)bs.no_body;
	return rc;
}
