/*
 * test_oauth.c - the pieces of src/oauth that need no server: the token
 * endpoint's and the device endpoint's JSON (good, OAuth errors, bad
 * JSON, nesting, tokens that could break a line), PKCE against RFC 7636's
 * own example, the token file's name, and the https:// rule of http.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/oauth.h"

static int
parse(const char *body, long status, struct oauth_tokens *t,
    enum oauth_grant_err *ge, struct perr *err)
{
	perr_clear(err);
	return oauth_parse_token(body, strlen(body), status, 1000, t, ge, err);
}

static void
test_token_ok(void **state)
{
	struct oauth_tokens	 t;
	enum oauth_grant_err	 ge;
	struct perr		 err;

	assert_int_equal(parse("{\"access_token\":\"ya29.a-b_c~d/e+f=\","
	    "\"token_type\":\"bearer\",\"expires_in\":3599,"
	    "\"refresh_token\":\"1//r\",\"scope\":\"x\"}", 200, &t, &ge, &err),
	    0);
	assert_string_equal(t.access, "ya29.a-b_c~d/e+f=");
	assert_string_equal(t.refresh, "1//r");
	assert_int_equal(t.expires_at, 1000 + 3599);
	oauth_tokens_free(&t);
	/* expires_in as a string (seen in the wild); no refresh token. */
	assert_int_equal(parse(" {\"access_token\":\"a\",\"token_type\":"
	    "\"Bearer\",\"expires_in\":\"60\"}\n", 200, &t, &ge, &err), 0);
	assert_null(t.refresh);
	assert_int_equal(t.expires_at, 1060);
	oauth_tokens_free(&t);
	/* No expires_in: an hour. */
	assert_int_equal(parse("{\"access_token\":\"a\"}", 200, &t, &ge,
	    &err), 0);
	assert_int_equal(t.expires_at, 1000 + 3600);
	oauth_tokens_free(&t);
}

static void
test_token_errors(void **state)
{
	static const struct {
		const char		*body;
		enum oauth_grant_err	 ge;
	} e[] = {
		{ "{\"error\":\"authorization_pending\"}", OAUTH_GRANT_PENDING },
		{ "{\"error\":\"slow_down\"}", OAUTH_GRANT_SLOW_DOWN },
		{ "{\"error\":\"expired_token\"}", OAUTH_GRANT_EXPIRED },
		{ "{\"error\":\"access_denied\"}", OAUTH_GRANT_DENIED },
		{ "{\"error\":\"invalid_grant\",\"error_description\":\"gone\"}",
		  OAUTH_GRANT_INVALID },
		{ "{\"error\":\"invalid_client\"}", OAUTH_GRANT_OTHER },
	};
	struct oauth_tokens	 t;
	enum oauth_grant_err	 ge;
	struct perr		 err;
	size_t			 i;

	for (i = 0; i < sizeof e / sizeof e[0]; i++) {
		assert_int_equal(parse(e[i].body, 400, &t, &ge, &err), -1);
		assert_int_equal(ge, e[i].ge);
		assert_int_equal(err.code, PERR_AUTH);
		assert_non_null(strstr(err.msg, "answered with the error"));
		assert_null(t.access);
	}
	assert_non_null(strstr(err.msg, "invalid_client"));
	assert_int_equal(parse(e[4].body, 400, &t, &ge, &err), -1);
	assert_non_null(strstr(err.msg, "invalid_grant: gone"));
}

static void
test_token_bad(void **state)
{
	static const char *const bad[] = {
		"",					/* empty */
		"access_token=a&token_type=bearer",	/* a form, not JSON */
		"{\"access_token\":\"a\"",		/* cut */
		"{\"access_token\":\"a\"} trailing",	/* garbage after */
		"[\"access_token\",\"a\"]",		/* not an object */
		"{\"access_token\":42}",		/* not a string */
		"{\"token_type\":\"bearer\"}",		/* no token */
		"{\"access_token\":\"a b\"}",		/* a space */
		"{\"access_token\":\"a\\r\\nX\"}",	/* a line break */
		"{\"access_token\":\"a\",\"token_type\":\"mac\"}",
		"{\"access_token\":\"a\",\"expires_in\":-5}",
		"{\"access_token\":\"a\",\"expires_in\":\"soon\"}",
		"{\"access_token\":\"a\",\"refresh_token\":\"r\\u0000x\"}",
	};
	struct oauth_tokens	 t;
	enum oauth_grant_err	 ge;
	struct perr		 err;
	char			*deep;
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse(bad[i], 200, &t, &ge, &err), -1);
		assert_int_equal(ge, OAUTH_GRANT_NONE);
		assert_int_equal(err.code, PERR_PROTOCOL);
		/* Never the token in the message. */
		assert_null(strstr(err.msg, "\"a"));
	}
	/* A good token under a status that is not 200. */
	assert_int_equal(parse("{\"access_token\":\"a\"}", 302, &t, &ge,
	    &err), -1);
	/* HTML from a proxy: the status, not a parser's complaint alone. */
	assert_int_equal(parse("<html>", 502, &t, &ge, &err), -1);
	assert_non_null(strstr(err.msg, "HTTP status 502"));
	/* Nesting past the bound is refused, not recursed into. */
	deep = xmalloc(20001);
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	deep[20000] = '\0';
	assert_int_equal(parse(deep, 200, &t, &ge, &err), -1);
	free(deep);
}

static void
test_device(void **state)
{
	struct oauth_device	 d;
	struct perr		 err;
	const char		*ok = "{\"device_code\":\"GmRh\",\"user_code\":"
				    "\"WDJB-MJHT\",\"verification_uri\":"
				    "\"https://example.com/device\","
				    "\"expires_in\":1800}";

	perr_clear(&err);
	assert_int_equal(oauth_parse_device(ok, strlen(ok), 200, &d, &err), 0);
	assert_string_equal(d.user_code, "WDJB-MJHT");
	assert_int_equal(d.interval, 5);	/* RFC 8628 3.2's default */
	assert_int_equal(d.expires_in, 1800);
	assert_null(d.verification_uri_complete);
	oauth_device_free(&d);
	ok = "{\"device_code\":\"G\",\"user_code\":\"U\",\"verification_url\":"
	    "\"https://microsoft.com/devicelogin\",\"interval\":\"0\","
	    "\"expires_in\":900}";
	assert_int_equal(oauth_parse_device(ok, strlen(ok), 200, &d, &err), 0);
	assert_string_equal(d.verification_uri,
	    "https://microsoft.com/devicelogin");
	assert_int_equal(d.interval, 1);	/* never a busy loop */
	oauth_device_free(&d);
	ok = "{\"user_code\":\"U\",\"verification_uri\":\"https://x\"}";
	assert_int_equal(oauth_parse_device(ok, strlen(ok), 200, &d, &err),
	    -1);
	assert_int_equal(err.code, PERR_PROTOCOL);
	ok = "{\"error\":\"invalid_client\"}";
	assert_int_equal(oauth_parse_device(ok, strlen(ok), 401, &d, &err),
	    -1);
	assert_int_equal(err.code, PERR_AUTH);
	assert_int_equal(oauth_parse_device("{x", 2, 200, &d, &err), -1);
	assert_non_null(strstr(err.msg, "not a JSON object"));
}

static void
test_pkce(void **state)
{
	char	v[44], v2[44], c[44];
	size_t	i;

	/* RFC 7636 appendix B. */
	oauth_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", c);
	assert_string_equal(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	oauth_pkce_verifier(v);
	oauth_pkce_verifier(v2);
	assert_int_equal(strlen(v), 43);	/* 43 to 128 characters */
	assert_string_not_equal(v, v2);
	for (i = 0; v[i] != '\0'; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
		    "nopqrstuvwxyz0123456789-_", v[i]));
}

static void
test_path_and_https(void **state)
{
	struct account		 a;
	struct http_request	 rq = { "http://127.0.0.1:1/token", "x=secret",
				    NULL, 100, 5, NULL };
	struct http_reply	 rep;
	struct perr		 err;
	char			*p, *e;

	memset(&a, 0, sizeof a);
	a.name = "work/../mail box";
	setenv("XDG_DATA_HOME", "/xdg", 1);
	p = oauth_token_path(&a);
	assert_string_equal(p, "/xdg/posta/oauth2/work%2F%2E%2E%2Fmail%20box"
	    ".json");
	free(p);
	e = http_form_escape("a b&c=d/é~");
	assert_string_equal(e, "a%20b%26c%3Dd%2F%C3%A9~");
	free(e);
	assert_true(http_url_is_https("https://x/"));
	assert_true(http_url_is_https("HTTPS://x"));
	assert_false(http_url_is_https("https:///x"));
	assert_false(http_url_is_https("http://x/"));
	perr_clear(&err);
	assert_int_equal(http_fetch(&rq, &rep, &err), -1);
	assert_int_equal(err.code, PERR_CONFIG);
	assert_non_null(strstr(err.msg, "only over https://"));
	assert_null(strstr(err.msg, "secret"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_ok),
		cmocka_unit_test(test_token_errors),
		cmocka_unit_test(test_token_bad),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_pkce),
		cmocka_unit_test(test_path_and_https),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
