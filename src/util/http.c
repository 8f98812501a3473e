/*
 * http.c - one bounded HTTPS request through libcurl, shared by posta
 * setup's autoconfig document and the OAuth2 endpoints (src/oauth).
 *
 * Hostile input: only https:// is spoken (redirects too, at most 3), the
 * certificate is verified (system store plus an extra CA file), the body
 * is cut at the caller's bound and then refused, the whole exchange is
 * bounded in time. What was sent (a form may carry a secret) is never put
 * in an error.
 *
 * libcurl is loaded here, when a request is made, not linked: only setup
 * and OAuth2 speak HTTPS, and loading libcurl with the twenty libraries
 * it needs was a fifth of the start-up time of every posta command (a
 * search, the TUI). RTLD_NODELETE keeps it loaded once loaded, so each
 * request's dlopen() is only a reference count and nothing is unloaded
 * under libcurl's or GnuTLS's exit handlers.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "util/util.h"
#include "util/i18n.h"

struct http_body {
	char	*buf;
	size_t	 len;
	size_t	 max;
	bool	 too_big;
};

static size_t
http_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_body	*b = arg;
	size_t			 n = size * nmemb;

	if (b->len + n > b->max) {
		b->too_big = true;
		return 0;	/* stops the transfer */
	}
	b->buf = xrealloc(b->buf, b->len + n + 1);
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

/* The part of libcurl's API posta uses, found in the loaded library. */
struct curl_api {
	void			 *dl;
	CURL			*(*easy_init)(void);
	CURLcode		 (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode		 (*easy_perform)(CURL *);
	CURLcode		 (*easy_getinfo)(CURL *, CURLINFO, ...);
	void			 (*easy_cleanup)(CURL *);
	const char		*(*easy_strerror)(CURLcode);
	struct curl_slist	*(*slist_append)(struct curl_slist *,
				    const char *);
	void			 (*slist_free_all)(struct curl_slist *);
};

static bool
curl_sym(struct curl_api *api, void *fp, const char *name)
{
	void	*p = dlsym(api->dl, name);

	/* POSIX: a function pointer is stored through its object form. */
	memcpy(fp, &p, sizeof p);
	return p != NULL;
}

static int
curl_load(struct curl_api *api, struct perr *err)
{
	const char	*why;

	memset(api, 0, sizeof *api);
	api->dl = dlopen(POSTA_CURL_SONAME, RTLD_NOW | RTLD_LOCAL |
	    RTLD_NODELETE);
	if (api->dl == NULL) {
		why = dlerror();
		return perr_set(err, PERR_CONFIG, _("cannot load %s, which "
		    "posta needs for HTTPS requests: %s"), POSTA_CURL_SONAME,
		    why != NULL ? why : "not found");
	}
	if (!curl_sym(api, &api->easy_init, "curl_easy_init") ||
	    !curl_sym(api, &api->easy_setopt, "curl_easy_setopt") ||
	    !curl_sym(api, &api->easy_perform, "curl_easy_perform") ||
	    !curl_sym(api, &api->easy_getinfo, "curl_easy_getinfo") ||
	    !curl_sym(api, &api->easy_cleanup, "curl_easy_cleanup") ||
	    !curl_sym(api, &api->easy_strerror, "curl_easy_strerror") ||
	    !curl_sym(api, &api->slist_append, "curl_slist_append") ||
	    !curl_sym(api, &api->slist_free_all, "curl_slist_free_all")) {
		(void)dlclose(api->dl);
		return perr_set(err, PERR_CONFIG, _("%s lacks a function posta "
		    "needs for HTTPS requests"), POSTA_CURL_SONAME);
	}
	return 0;
}

bool
http_url_is_https(const char *url)
{
	return url != NULL && strncasecmp(url, "https://", 8) == 0 &&
	    url[8] != '\0' && url[8] != '/';
}

int
http_fetch(const struct http_request *rq, struct http_reply *out,
    struct perr *err)
{
	struct http_body	 body = { NULL, 0, rq->max, false };
	struct curl_slist	*hdr = NULL, *to = NULL;
	char			*entry;
	CURL			*c;
	CURLcode		 r;
	struct curl_api		 api;
	const char		*why;
	int			 bad = 0;	/* any option refused */
	char			 ebuf[CURL_ERROR_SIZE] = "";

	memset(out, 0, sizeof *out);
	if (!http_url_is_https(rq->url))
		return perr_set(err, PERR_CONFIG, _("%s: refused: this address is "
		    "read only over https://, since anyone on the way could read "
		    "or change a plain one"), rq->url);
	if (curl_load(&api, err) != 0)
		return -1;
	if ((c = api.easy_init()) == NULL) {
		(void)dlclose(api.dl);
		return perr_set(err, PERR_NOMEM, _("cannot start libcurl"));
	}
	bad |= (int)api.easy_setopt(c, CURLOPT_URL, rq->url);
	bad |= (int)api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	bad |= (int)api.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	/* A POST is not replayed elsewhere: its form may hold a secret. */
	bad |= (int)api.easy_setopt(c, CURLOPT_FOLLOWLOCATION, rq->form == NULL ? 1L : 0L);
	bad |= (int)api.easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	bad |= (int)api.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	bad |= (int)api.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	bad |= (int)api.easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (rq->ca_file != NULL)
		bad |= (int)api.easy_setopt(c, CURLOPT_CAINFO, rq->ca_file);
	bad |= (int)api.easy_setopt(c, CURLOPT_TIMEOUT, (long)rq->timeout);
	bad |= (int)api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)rq->timeout);
	bad |= (int)api.easy_setopt(c, CURLOPT_MAXFILESIZE, (long)rq->max);
	bad |= (int)api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	bad |= (int)api.easy_setopt(c, CURLOPT_USERAGENT, "posta");
	bad |= (int)api.easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
	bad |= (int)api.easy_setopt(c, CURLOPT_WRITEDATA, &body);
	bad |= (int)api.easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	if (rq->connect_to != NULL) {
		entry = xasprintf("::%s", rq->connect_to);
		to = api.slist_append(NULL, entry);
		free(entry);
		bad |= (int)api.easy_setopt(c, CURLOPT_CONNECT_TO, to);
	}
	if (rq->form != NULL) {
		bad |= (int)api.easy_setopt(c, CURLOPT_POSTFIELDS, rq->form);
		hdr = api.slist_append(hdr, "Accept: application/json");
		bad |= (int)api.easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	}
	/* An option refused could be a check not made: no request then. */
	r = bad != 0 ? CURLE_BAD_FUNCTION_ARGUMENT : api.easy_perform(c);
	if (r == CURLE_OK && api.easy_getinfo(c, CURLINFO_RESPONSE_CODE,
	    &out->status) != CURLE_OK)
		out->status = 0;
	why = *ebuf != '\0' ? ebuf : api.easy_strerror(r);
	api.easy_cleanup(c);
	api.slist_free_all(hdr);
	api.slist_free_all(to);
	/* The library stays mapped (RTLD_NODELETE): why stays readable. */
	(void)dlclose(api.dl);
	if (body.too_big || r == CURLE_FILESIZE_EXCEEDED) {
		free(body.buf);
		return perr_set(err, PERR_PROTOCOL, _("%s: refused: the answer is "
		    "larger than %zu bytes"), rq->url, rq->max);
	}
	if (r != CURLE_OK) {
		free(body.buf);
		if (r == CURLE_UNSUPPORTED_PROTOCOL)
			return perr_set(err, PERR_CONFIG, _("%s: refused: the "
			    "server redirected to an address that is not "
			    "https://"), rq->url);
		if (r == CURLE_PEER_FAILED_VERIFICATION ||
		    r == CURLE_SSL_CACERT_BADFILE)
			return perr_set(err, PERR_CERT, _("%s: the certificate of "
			    "the server is not trusted: %s"), rq->url, ebuf);
		return perr_set(err, PERR_CONNECT, _("%s: cannot fetch this "
		    "address: %s"), rq->url, why);
	}
	out->body = body.buf != NULL ? body.buf : xstrdup("");
	out->len = body.len;
	return 0;
}

char *
http_form_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*out = xmalloc(3 * strlen(s) + 1), *o = out;
	unsigned char		 c;

	/* RFC 3986 unreserved characters pass; everything else is %XX. */
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}
