/*
 * http.c - one bounded HTTPS request through libcurl, shared by posta
 * setup's autoconfig document and the OAuth2 endpoints (src/oauth).
 *
 * Hostile input: only https:// is spoken (redirects too, at most 3), the
 * certificate is verified (system store plus an extra CA file), the body
 * is cut at the caller's bound and then refused, the whole exchange is
 * bounded in time. What was sent (a form may carry a secret) is never put
 * in an error.
 */
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
	char			 ebuf[CURL_ERROR_SIZE] = "";

	memset(out, 0, sizeof *out);
	if (!http_url_is_https(rq->url))
		return perr_set(err, PERR_CONFIG, _("%s: refused: the %s is read "
		    "only over https://, since anyone on the way could read or "
		    "change a plain one"), rq->url, rq->what);
	if ((c = curl_easy_init()) == NULL)
		return perr_set(err, PERR_NOMEM, _("cannot start libcurl"));
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	/* A POST is not replayed elsewhere: its form may hold a secret. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, rq->form == NULL ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (rq->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, rq->ca_file);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)rq->timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)rq->timeout);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)rq->max);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "posta");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	if (rq->connect_to != NULL) {
		entry = xasprintf("::%s", rq->connect_to);
		to = curl_slist_append(NULL, entry);
		free(entry);
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, to);
	}
	if (rq->form != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->form);
		hdr = curl_slist_append(hdr, "Accept: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	}
	r = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	curl_slist_free_all(to);
	if (body.too_big || r == CURLE_FILESIZE_EXCEEDED) {
		free(body.buf);
		return perr_set(err, PERR_PROTOCOL, _("%s: refused: the %s is "
		    "larger than %zu bytes"), rq->url, rq->what, rq->max);
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
		return perr_set(err, PERR_CONNECT, _("%s: cannot fetch the %s: "
		    "%s"), rq->url, rq->what, *ebuf != '\0' ? ebuf :
		    curl_easy_strerror(r));
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
