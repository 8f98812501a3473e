/*
 * config-int.h - what the files of the configuration reader share
 * (config.c, config-account.c, config-ui.c, config-display.c,
 * config-value.c); no one else includes it.
 *
 * Floors, top first (each calls only those below it): config.c (the file,
 * [general], the defaults), then the sections config-account.c,
 * config-display.c and config-ui.c, then config-value.c at the bottom.
 *
 * One parse_state lives for one config_load(); conf_fail() records the
 * first error as "FILE:LINE: key 'KEY': WHAT" and every later call is a
 * no-op, so a handler returns whatever conf_fail() returns.
 */
#ifndef POSTA_CONFIG_INT_H
#define POSTA_CONFIG_INT_H

#include <stdio.h>

#include "util/config.h"

enum section_kind { SEC_NONE, SEC_GENERAL, SEC_ACCOUNT, SEC_KEYS, SEC_COLORS,
	SEC_SEARCH };

/* Which endpoint fields an account key writes; marks what was given. */
struct account_set {
	bool	port, tls, user, smtp_port, smtp_tls, smtp_user,
		smtp_password, smtp_password_command, protocol, smtp_auth;
	int	password_line;		/* for the permission error */
	int	smtp_password_line;
	int	tls_line, smtp_tls_line, host_line;
	int	auth_line, smtp_auth_line;
};

struct parse_state {
	struct config		*cfg;
	FILE			*fp;
	const char		*path;
	int			 line;		/* line being handed to inih */
	int			 section_line;	/* line of the last [header] */
	bool			 new_header;	/* a [header] since the last key */
	char			*section;	/* last section seen by handler */
	enum section_kind	 kind;
	struct account		*acct;		/* current [account NAME] */
	struct account_set	*set;		/* parallel to cfg->accounts */
	size_t			 nset;
	int			 default_line;
	bool			 long_line;
	bool			 failed;
	struct perr		*err;
};

/* config-value.c: errors and the value parsers every section uses. */
int	 conf_fail(struct parse_state *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));
bool	 conf_bool(const char *, bool *);
bool	 conf_int(const char *, long, long, int *);
char	*conf_path(const char *, const char *);
void	 conf_set_str(char **, const char *);

/* config-account.c: [account NAME]. */
struct account *conf_account_new(struct parse_state *, const char *);
int	 conf_account_key(struct parse_state *, const char *, const char *);
int	 conf_finish_account(struct parse_state *, struct account *,
	    struct account_set *, bool);
void	 conf_folder_patterns_free(struct account *);

/* config-display.c: the display and behaviour keys of [general]. 1
 * taken, 0 refused (conf_fail said why), -1 not one of them. */
int	 conf_display_key(struct parse_state *, const char *, const char *);
/* The defaults that are not zero (confirm_send); what the keys made. */
void	 conf_display_defaults(struct config *);
void	 conf_display_free(struct config *);

/* config-ui.c: [keys], [search NAME], [colors]. */
int	 conf_keys_key(struct parse_state *, const char *, const char *);
int	 conf_search_section(struct parse_state *, const char *);
int	 conf_search_key(struct parse_state *, const char *, const char *);
int	 conf_colors_key(struct parse_state *, const char *, const char *);

#endif
