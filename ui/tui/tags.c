/*
 * tags.c - the tagged messages of the open folder: a small set of row ids
 * (act.c changes it, draw.c marks the rows).
 */
#include <stdlib.h>

#include "tui/tui-int.h"

bool
tags_has(const struct tags *tg, int64_t id)
{
	size_t	i;

	for (i = 0; i < tg->n; i++)
		if (tg->id[i] == id)
			return true;
	return false;
}

void
tags_add(struct tags *tg, int64_t id)
{
	if (tags_has(tg, id))
		return;
	if (tg->n == tg->cap) {
		tg->cap = tg->cap ? tg->cap * 2 : 16;
		tg->id = xreallocarray(tg->id, tg->cap, sizeof *tg->id);
	}
	tg->id[tg->n++] = id;
}

void
tags_del(struct tags *tg, int64_t id)
{
	size_t	i;

	for (i = 0; i < tg->n; i++)
		if (tg->id[i] == id) {
			tg->id[i] = tg->id[--tg->n];
			return;
		}
}

void
tags_clear(struct tags *tg)
{
	tg->n = 0;
}
