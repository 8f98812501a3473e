/*
 * config.h - posta's configuration (INI through libinih).
 *
 * The key names are a contract shared with tests and other tools; see
 * doc/posta.conf.5 (and README) for the list. Every error names the file,
 * the line and the key, and says what was expected.
 */
#ifndef POSTA_CONFIG_H
#define POSTA_CONFIG_H

#include <stdbool.h>
#include "util.h"

enum proto	{ PROTO_IMAP, PROTO_POP3 };
enum tls_mode	{ TLSM_IMPLICIT, TLSM_STARTTLS, TLSM_NONE };
/* auth = password | xoauth2 | oauthbearer (the SASL mechanism of a login) */
enum auth_mech	{ AUTH_PASSWORD, AUTH_XOAUTH2, AUTH_OAUTHBEARER };

/* offline = all | headers | days:N */
enum offline_mode { OFFLINE_ALL, OFFLINE_HEADERS, OFFLINE_DAYS };
/* pop3_keep = no | yes | days:N */
enum keep_mode	{ KEEP_NO, KEEP_YES, KEEP_DAYS };

/* One server endpoint of an account, with everything needed to connect. */
struct endpoint {
	char		*host;
	int		 port;		/* already defaulted from protocol+tls */
	enum tls_mode	 tls;
	char		*user;
	char		*password;	/* from the file; may be NULL */
	char		*password_command;
	enum auth_mech	 auth;		/* the OAuth2 ones need TLS */
	char		*oauth2_token_command; /* prints an access token */
};

/*
 * posta oauth2 login and the access tokens it keeps fresh (src/oauth):
 * an account's OAuth2 client. oauth2_provider = google|microsoft fills the
 * URLs and the scope left unset; every URL is https:// (checked at load).
 */
struct oauth2_conf {
	char		*provider;	/* "google", "microsoft" or NULL */
	char		*client_id;	/* NULL: no built-in flow */
	char		*client_secret;	/* NULL: a public client */
	char		*scope;		/* space-separated */
	char		*token_url;
	char		*device_url;	/* RFC 8628 device authorization */
	char		*auth_url;	/* authorization code + PKCE */
	char		*refresh_token_command; /* NULL: a file of ours */
};

struct account {
	char		*name;
	const char	*file;		/* the config file it came from */
	int		 line;		/* line of its [account NAME] header */
	enum proto	 protocol;
	char		*email;
	char		*real_name;
	struct endpoint	 in;		/* IMAP or POP3 server */
	struct endpoint	 smtp;		/* smtp.host NULL: no sending configured */
	bool		 allow_plaintext;
	bool		 compress;	/* IMAP COMPRESS=DEFLATE when offered */
	char		*ca_file;
	char		*cert_fingerprint; /* "sha256:HEX", normalised to lower-case hex without colons after the prefix */
	enum offline_mode offline;
	int		 offline_days;
	enum keep_mode	 pop3_keep;
	int		 pop3_keep_days;
	bool		 pop3_delete_when_deleted_locally;
	char		*signature;	/* path of a signature file, or NULL */
	char		*identities;	/* From choices "Name <a@x>, b@x"; NULL */
	char		*alternates;	/* the user's other addresses or EREs,
					   space-separated (checked); NULL */
	/*
	 * check_interval: seconds between the TUI's checks of every synced
	 * folder (IMAP STATUS, POP3 a session); 0: none (the default is
	 * CONFIG_CHECK_INTERVAL).
	 */
	int		 check_interval;
	/*
	 * folders = ...: which server folders a sync pulls (INBOX always).
	 * FOLDERS_SUBSCRIBED: the subscribed and special-use ones (the
	 * default); FOLDERS_ALL: every one but a \All folder; patterns:
	 * names as shown, '*' any text, '%' any text within one level
	 * (src/sync decides, sync_folder_chosen()).
	 */
	unsigned	 folders;	/* FOLDERS_* bits */
	char		**folder_patterns;
	size_t		 nfolder_patterns;
	struct oauth2_conf oauth2;
};
#define FOLDERS_SUBSCRIBED	0x1
#define FOLDERS_ALL		0x2
#define CONFIG_CHECK_INTERVAL	300
#define CONFIG_CHECK_INTERVAL_MAX	86400

struct key_binding {
	char	*key;
	char	*action;
};

/*
 * [colors]: one key per screen element, named as in ui_elem_names[] (the
 * order of enum ui_elem). The config only parses; ui/tui/draw.c applies
 * the styles over its defaults and falls back for what a terminal lacks.
 */
enum ui_elem {
	UI_NORMAL, UI_SELECTED, UI_STATUS, UI_UNREAD, UI_FLAGGED,
	UI_QUOTE1, UI_QUOTE2, UI_QUOTE3, UI_HEADER, UI_SIDEBAR_ACCOUNT,
	UI_SIDEBAR_CURRENT, UI_SEARCH, UI_ERROR, UI_TREE,
	UI_NELEMS
};
extern const char *const ui_elem_names[UI_NELEMS];

#define UI_COLOR_DEFAULT	(-1)	/* the terminal's own colour */
#define UI_ATTR_BOLD		0x01
#define UI_ATTR_UNDERLINE	0x02
#define UI_ATTR_REVERSE		0x04
#define UI_ATTR_DIM		0x08
#define UI_ATTR_STANDOUT	0x10

struct ui_style {
	bool		 set;		/* given in [colors]: replaces the default */
	short		 fg, bg;	/* 0-255 or UI_COLOR_DEFAULT */
	unsigned	 attrs;		/* UI_ATTR_* bits */
};

/* [colors] enable: AUTO (unset) lets $NO_COLOR decide; the file wins. */
enum ui_colors_mode { UI_COLORS_AUTO, UI_COLORS_ON, UI_COLORS_OFF };

/* A [search NAME] section: a saved search (query in doc/SEARCH.md's
 * language, not parsed here). */
struct saved_search {
	char		*name;
	char		*query;
	int		 line;
};

/* sort = date | from | subject | size, "reverse-" before for the other
 * way (as the index's sort keys). */
enum config_sort { CONFIG_SORT_DATE, CONFIG_SORT_FROM, CONFIG_SORT_SUBJECT,
	CONFIG_SORT_SIZE };
/* delete_model = trash (d moves to Trash) | mark (d marks \Deleted, $
 * expunges after asking, mutt's way). */
enum config_delete { CONFIG_DELETE_TRASH, CONFIG_DELETE_MARK };

struct config {
	char		*path;		/* the file read */
	char		*store;		/* SQLite path, defaulted from XDG_DATA_HOME */
	char		*default_account;
	/*
	 * new_mail_command: run through /bin/sh -c, with POSTA_ACCOUNT,
	 * POSTA_FOLDER and POSTA_NEW_COUNT in its environment, when a pull
	 * stores new unread mail (NULL: none); bell_on_new_mail: beep then.
	 */
	char		*new_mail_command;
	bool		 bell_on_new_mail;
	/*
	 * print_command: run through /bin/sh -c with the rendered text of
	 * the messages on its standard input; url_command: run through
	 * /bin/sh -c as 'url_command "$1"' with the chosen link as $1, never
	 * parsed by the shell. NULL: not set.
	 */
	char		*print_command;
	char		*url_command;
	/* Display and behaviour (doc/posta.conf.5); NULL or 0: the default. */
	char		*index_format;	/* mutt's %-expandos (a subset) */
	char		*date_format;	/* strftime, in the locale's LC_TIME */
	enum config_sort sort;		/* the index's first order */
	bool		 sort_reverse;
	bool		 threads;	/* the index starts threaded */
	int		 sidebar_width;	/* columns; 0: a quarter of the screen */
	char		*editor;	/* NULL: $VISUAL, $EDITOR, vi */
	enum config_delete delete_model;
	bool		 keep_tags;	/* tags stay after an action on them */
	bool		 confirm_send;	/* posta compose asks before sending */
	bool		 prefer_html;	/* alternative_order puts text/html
					   before text/plain */
	char		**auto_view;	/* MIME types shown through mailcap's
					   copiousoutput entries */
	size_t		 nauto_view;
	struct account	*accounts;
	size_t		 naccounts;
	struct key_binding *keys;	/* [keys] section, in file order */
	size_t		 nkeys;
	enum ui_colors_mode colors_mode; /* [colors] enable */
	struct ui_style	 colors[UI_NELEMS]; /* [colors], by enum ui_elem */
	struct saved_search *searches;	/* [search NAME], in file order */
	size_t		 nsearches;
};

/*
 * Which file to read: explicit (from -c) if not NULL, else $POSTA_CONFIG,
 * else $XDG_CONFIG_HOME/posta/config (~/.config/posta/config).
 * Returns a malloc'd path; the caller frees it.
 */
char	*config_default_path(const char *explicit_path);

/*
 * Read and check a configuration file. On success returns a config that
 * config_free() releases; on failure NULL with err set to a message of the
 * form "FILE:LINE: key 'K': expected ..., got '...'".
 * A missing file is PERR_NOTFOUND so that the caller can explain where a
 * config goes.
 */
struct config	*config_load(const char *path, struct perr *err);
void		 config_free(struct config *);

/* The editor: the file's editor, else $VISUAL, else $EDITOR, else "vi"
 * (borrowed). */
const char *config_editor(const struct config *);

/* The account called name, or the default one when name is NULL. */
const struct account *config_account(const struct config *, const char *name,
		    struct perr *err);

/*
 * The password for an endpoint: the file's value, else the output of
 * password_command (first line, run through /bin/sh -c). Returns a malloc'd
 * string to be released with secret_free(), or NULL with err set; a failing
 * command is reported with its exit status, never with its output.
 * NULL with err->code == PERR_OK means no password is configured.
 */
char	*config_password(const struct account *, const struct endpoint *,
	    struct perr *err);

/*
 * An OAuth2 access token for an endpoint whose auth is xoauth2 or
 * oauthbearer: the first line of oauth2_token_command, run as
 * password_command is. Same contract as config_password(): secret_free()
 * it; NULL with err->code == PERR_OK when no command is configured.
 */
char	*config_oauth2_token(const struct account *, const struct endpoint *,
	    struct perr *err);

/*
 * Does e get its access tokens from posta oauth2 login's refresh token
 * (auth is xoauth2 or oauthbearer, no oauth2_token_command, and the
 * account has an oauth2_client_id)?
 */
bool	config_oauth2_builtin(const struct account *, const struct endpoint *e);

/* A deep copy of an account's OAuth2 client (the account worker's own),
 * released with config_oauth2_conf_free(). */
void	config_oauth2_conf_copy(struct oauth2_conf *d,
	    const struct oauth2_conf *s);
void	config_oauth2_conf_free(struct oauth2_conf *);

/* "password", "XOAUTH2", "OAUTHBEARER": the mechanism's name. */
const char *config_auth_name(enum auth_mech);

/* ---- confwrite.c: adding an account (posta setup) ----------------------- */

struct config_kv {
	const char	*key;
	const char	*value;		/* NULL: the line is left out */
};

/*
 * Append "[section]" and its "key = value" lines to the file at path
 * (through a symbolic link to the file it names), leaving every byte
 * already there as it was. A missing file (and its directories, 0700) is
 * made with mode 0600; an existing file keeps its mode. The result must
 * load with config_load() (so a section already there, or a password in a
 * file others can read, is refused) before it replaces the old file in
 * one rename(); on any failure nothing changes. A value inih could not
 * read back exactly (line breaks, spaces at either end, an inline
 * comment) is refused. Returns 0, or -1 with err set.
 */
int	config_append_section(const char *path, const char *section,
	    const struct config_kv *kv, size_t n, struct perr *err);

#endif
