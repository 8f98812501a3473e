/*
 * servers.c - the list of candidate servers (struct setup_servers) that
 * every step of the discovery adds to. The bottom floor of src/setup:
 * provider.c, srv.c, autoconfig.c and discover.c call it, it calls none
 * of them.
 */
#include <stdlib.h>
#include <strings.h>

#include "setup/setup.h"

void
setup_servers_add(struct setup_servers *l, const struct setup_server *s)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].svc == s->svc && l->v[i].port == s->port &&
		    strcasecmp(l->v[i].host, s->host) == 0)
			return;
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = *s;
}

void
setup_servers_free(struct setup_servers *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
