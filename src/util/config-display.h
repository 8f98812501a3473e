/*
 * config-display.h - the display and behaviour keys of [general]
 * (config-display.c); private to the configuration's files.
 */
#ifndef POSTA_CONFIG_DISPLAY_H
#define POSTA_CONFIG_DISPLAY_H

#include <stddef.h>

struct config;

/* The defaults that are not zero (confirm_send). */
void	config_display_defaults(struct config *);
/* Free what the keys below made. */
void	config_display_free(struct config *);
/*
 * One [general] key: 1 taken, 0 not one of ours, -1 with why (len bytes)
 * saying what was expected and what came.
 */
int	config_display_key(struct config *, const char *key, const char *v,
	    char *why, size_t len);

#endif
