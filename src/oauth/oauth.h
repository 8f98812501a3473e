/*
 * oauth.h - the face of src/oauth: posta's own OAuth 2.0 client, so that
 * no glue script is needed for providers that refuse passwords.
 *
 *   grant.c   the token endpoint's replies (RFC 6749 5.1, 5.2) and the
 *             device authorization reply (RFC 8628 3.2) read with json-c,
 *             PKCE (RFC 7636, S256), the device authorization grant
 *             (RFC 8628) and the authorization-code grant on a loopback
 *             redirect (RFC 8252)
 *   tokens.c  where tokens live: a file of mode 0600 under
 *             $XDG_DATA_HOME/posta/oauth2/ (the refresh token, unless
 *             oauth2_refresh_token_command keeps it, and the current access
 *             token with its expiry), and the access token for a login,
 *             refreshed when it has expired; oauth_login(), which runs a
 *             grant and keeps its tokens (the top floor: grant.c never
 *             calls tokens.c)
 *
 * Below src/net (its logins ask oauth_access_token()), above src/util.
 * Every endpoint is https:// (config.c refuses others at load, http.c
 * again at use); the one exception is the loopback redirect, which never
 * leaves the machine. Replies are bounded (OAUTH_REPLY_MAX), and JSON that
 * is not what RFC 6749 says is a clear error. Tokens, codes and secrets
 * are never logged, never put in an error, never written to the store;
 * they are wiped with secret_free().
 */
#ifndef POSTA_OAUTH_H
#define POSTA_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "util/config.h"

#define OAUTH_REPLY_MAX		(64 * 1024)	/* bytes of one reply */
#define OAUTH_TOKEN_MAX		(16 * 1024)	/* bytes of one token */
#define OAUTH_HTTP_TIMEOUT	30		/* seconds per request */
#define OAUTH_BROWSER_WAIT	600		/* seconds for the redirect */
#define OAUTH_EXPIRY_MARGIN	30		/* seconds: refresh this early */

/* What the token endpoint gave (every string malloc'd; oauth_tokens_free). */
struct oauth_tokens {
	char	*access;
	char	*refresh;	/* NULL: none given */
	int64_t	 expires_at;	/* seconds since the epoch */
};
void	oauth_tokens_free(struct oauth_tokens *);

/* The error codes of RFC 6749 5.2 and RFC 8628 3.5 that change what we do. */
enum oauth_grant_err {
	OAUTH_GRANT_NONE,
	OAUTH_GRANT_PENDING,		/* authorization_pending */
	OAUTH_GRANT_SLOW_DOWN,		/* slow_down */
	OAUTH_GRANT_EXPIRED,		/* expired_token */
	OAUTH_GRANT_DENIED,		/* access_denied */
	OAUTH_GRANT_INVALID,		/* invalid_grant: refresh token dead */
	OAUTH_GRANT_OTHER,		/* any other error code */
};

/* ---- grant.c ------------------------------------------------------------- */

/*
 * Read a token endpoint reply of HTTP status status received at now.
 * Returns 0 with t filled (the caller frees it), or -1 with err set and
 * *ge saying which OAuth error it was (OAUTH_GRANT_NONE when the reply was
 * not an OAuth error at all: bad JSON, a missing access_token, a token
 * with a space in it). The message names the error code and the
 * provider's description (server text: sanitise), never a token.
 */
int	oauth_parse_token(const char *body, size_t len, long status,
	    int64_t now, struct oauth_tokens *t, enum oauth_grant_err *ge,
	    struct perr *err);

/* The device authorization reply (RFC 8628 3.2). */
struct oauth_device {
	char	*device_code;		/* secret_free */
	char	*user_code;
	char	*verification_uri;
	char	*verification_uri_complete; /* NULL: none */
	int	 interval;		/* seconds, 5 when not given */
	int	 expires_in;		/* seconds */
};
int	oauth_parse_device(const char *body, size_t len, long status,
	    struct oauth_device *d, struct perr *err);
void	oauth_device_free(struct oauth_device *);

/* PKCE (RFC 7636): a fresh verifier (43 characters) and its S256 challenge. */
void	oauth_pkce_verifier(char out[44]);
void	oauth_pkce_challenge(const char *verifier, char out[44]);

/*
 * Trade a refresh token for new tokens (RFC 6749 6). As oauth_parse_token:
 * *ge is OAUTH_GRANT_INVALID when the provider refused the refresh token.
 */
int	oauth_refresh(const struct account *acct, const char *refresh,
	    struct oauth_tokens *t, enum oauth_grant_err *ge,
	    struct perr *err);

/* Request with the account's trust anchors: the form is sent, never shown. */
int	oauth_post(const struct account *acct, const char *url,
	    const char *what, const char *form, struct http_reply *rep,
	    struct perr *err);

/* Tells the user what to do, one whole sentence a call. */
typedef void (*oauth_note_cb)(void *arg, const char *sentence);

/*
 * The two grants oauth_login() runs, tokens into t (not kept; the caller
 * frees them). 0, or -1 with err set (not naming the account).
 */
int	oauth_grant_device(const struct account *acct, oauth_note_cb note,
	    void *arg, struct oauth_tokens *t, struct perr *err);
int	oauth_grant_browser(const struct account *acct, oauth_note_cb note,
	    void *arg, struct oauth_tokens *t, struct perr *err);

/* ---- tokens.c ------------------------------------------------------------ */

/*
 * The file that keeps acct's tokens: $XDG_DATA_HOME/posta/oauth2/NAME.json
 * (~/.local/share/... without XDG_DATA_HOME), NAME the account's name with
 * every byte but [A-Za-z0-9_-] as %XX. malloc'd: free().
 */
char	*oauth_token_path(const struct account *acct);

/*
 * Keep what a login gave: the refresh token in the file (mode 0600) or
 * handed to oauth2_refresh_token_command on its standard input, the access
 * token in the file. Returns 0 or -1 with err set.
 */
int	oauth_tokens_save(const struct account *acct,
	    const struct oauth_tokens *t, struct perr *err);

/*
 * An access token for a login to e (auth xoauth2 or oauthbearer, no
 * oauth2_token_command): the kept one while it has more than
 * OAUTH_EXPIRY_MARGIN seconds to live and fresh is false, else a new one
 * from the refresh token (kept again). Runs on the thread that logs in:
 * the account worker's, never the UI's. Returns a string to release with
 * secret_free(), or NULL with err set (PERR_AUTH: no refresh token yet,
 * or the provider refused it; the message says to run posta oauth2 login).
 */
char	*oauth_access_token(const struct account *acct, bool fresh,
	    struct perr *err);

enum oauth_flow { OAUTH_FLOW_AUTO, OAUTH_FLOW_DEVICE, OAUTH_FLOW_BROWSER };

/*
 * Log acct in: the device grant (the code and the address through note,
 * then polling every interval seconds, 5 more after each slow_down) or
 * the authorization code with PKCE on a loopback redirect (the address to
 * open through note, then one redirect awaited on 127.0.0.1). AUTO: the
 * device grant when oauth2_device_url is set, else the browser. On success
 * the tokens are kept and 0 is returned; else -1 with err set:
 * PERR_AUTH for a refusal or an expired code, PERR_CONFIG for a missing
 * setting or an address that is not https://, PERR_PROTOCOL for a reply
 * that is not OAuth's, too big or not JSON.
 */
int	oauth_login(const struct account *acct, enum oauth_flow flow,
	    oauth_note_cb note, void *arg, struct perr *err);

#endif
