/* HTTPS over libcurl: see http.h. */
#include "http.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "config.h"

#ifndef REVMON_VERSION_STRING
#define REVMON_VERSION_STRING "0"
#endif

/* Small bodies (token answers) fit without a realloc leaving copies behind. */
#define FIRST_RESERVE 16384

struct rm_http {
	CURL *curl;
	size_t max_body;
	char *ca_file;
	char errbuf[CURL_ERROR_SIZE];
	int global; /* curl_global_init succeeded: pair it with a cleanup */
};

struct xfer {
	struct rm_http_response *r;
	size_t max_body;
	int too_big;
};

void rm_buf_wipe(struct rm_buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->cap);
	rm_buf_free(b);
}

double rm_http_parse_retry_after(const char *v, size_t n)
{
	char tmp[32], *end;
	double d;
	size_t i = 0;

	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
		n--;
	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	if (n - i == 0 || n - i >= sizeof tmp || !isdigit((unsigned char)v[i]))
		return -1;
	memcpy(tmp, v + i, n - i);
	tmp[n - i] = '\0';
	for (size_t k = 0; tmp[k]; k++)
		if (!isdigit((unsigned char)tmp[k]) && tmp[k] != '.')
			return -1;
	d = strtod(tmp, &end);
	if (*end || !isfinite(d) || d < 0)
		return -1;
	return d > 86400 ? 86400 : d;
}

int rm_url_encode(struct rm_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	if (rm_buf_reserve(out, n * 3) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			out->data[out->len++] = (char)c;
		} else {
			out->data[out->len++] = '%';
			out->data[out->len++] = hex[c >> 4];
			out->data[out->len++] = hex[c & 15];
		}
	}
	out->data[out->len] = '\0';
	return 0;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct xfer *x = ctx;
	size_t n = size * nmemb;

	if (x->r->body.len + n > x->max_body) {
		x->too_big = 1;
		return 0; /* makes curl fail the transfer */
	}
	if (!x->r->body.cap && rm_buf_reserve(&x->r->body, FIRST_RESERVE) < 0)
		return 0;
	if (rm_buf_append(&x->r->body, p, n) < 0)
		return 0;
	return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct xfer *x = ctx;
	size_t n = size * nmemb;
	static const char name[] = "retry-after:", wwwa[] = "www-authenticate:";

	/* A new status line (after a 100 Continue) starts a new header set. */
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		x->r->retry_after = -1;
		x->r->www_authenticate.len = 0;
	}
	if (n > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0)
		x->r->retry_after = rm_http_parse_retry_after(p + sizeof name - 1, n - (sizeof name - 1));
	if (n > sizeof wwwa - 1 && strncasecmp(p, wwwa, sizeof wwwa - 1) == 0 &&
	    x->r->www_authenticate.len + n < 65536) {
		const char *v = p + sizeof wwwa - 1;
		size_t k = n - (sizeof wwwa - 1);

		while (k && (v[k - 1] == '\r' || v[k - 1] == '\n'))
			k--;
		if (rm_buf_append(&x->r->www_authenticate, v, k) < 0 ||
		    rm_buf_append(&x->r->www_authenticate, "\n", 1) < 0)
			return 0;
	}
	return n;
}

struct rm_http *rm_http_new(const char *ca_file, size_t max_body, struct revmon_error *err)
{
	struct rm_http *h = calloc(1, sizeof *h);
	const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);

	if (!h) {
		rm_errorf(err, "out of memory");
		return NULL;
	}
#ifdef CURL_VERSION_THREADSAFE
	if (!(vi->features & CURL_VERSION_THREADSAFE)) {
		rm_errorf(err, "libcurl %s cannot be initialised thread-safely (7.84 or later is needed)",
		          vi->version);
		goto fail;
	}
#else
	(void)vi;
#endif
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		rm_errorf(err, "libcurl could not be initialised");
		goto fail;
	}
	h->global = 1;
	h->max_body = max_body;
	if (ca_file && !(h->ca_file = strdup(ca_file))) {
		rm_errorf(err, "out of memory");
		goto fail;
	}
	h->curl = curl_easy_init();
	if (!h->curl) {
		rm_errorf(err, "libcurl: no handle (out of memory)");
		goto fail;
	}
	return h;
fail:
	rm_http_free(h);
	return NULL;
}

void rm_http_free(struct rm_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->ca_file);
	if (h->global)
		curl_global_cleanup();
	free(h);
}

void rm_http_response_free(struct rm_http_response *r)
{
	rm_buf_free(&r->body);
	rm_buf_free(&r->www_authenticate);
	memset(r, 0, sizeof *r);
	r->retry_after = -1;
}

/* Wipe what curl's header list holds (the bearer token) before freeing it. */
static void free_headers(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p; p = p->next)
		if (p->data)
			explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

int rm_http_request(struct rm_http *h, const char *method, const char *url, const char *body,
                    size_t body_len, const char *bearer, int64_t timeout_ms, int64_t connect_ms,
                    struct rm_http_response *r)
{
	struct xfer x = {r, h->max_body, 0};
	struct curl_slist *hdr = NULL, *t;
	struct rm_buf auth = {0};
	CURL *c = h->curl;
	CURLcode rc;
	int ret = -1;

	memset(r, 0, sizeof *r);
	r->retry_after = -1;
	if (timeout_ms < 1)
		timeout_ms = 1;
	if (connect_ms < 1 || connect_ms > timeout_ms)
		connect_ms = timeout_ms;
	/* A reset keeps the connection cache: the next request reuses it. */
	curl_easy_reset(c);
	h->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	/* Verification is always on: there is no key to turn it off. */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a token must not follow a redirect */
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "revmon/" REVMON_VERSION_STRING);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	if (!(t = curl_slist_append(hdr, "Accept: application/json")))
		goto oom;
	hdr = t;
	if (bearer) {
		if (rm_buf_reserve(&auth, strlen(bearer) + 32) < 0 ||
		    rm_buf_printf(&auth, "Authorization: Bearer %s", bearer) < 0)
			goto oom;
		t = curl_slist_append(hdr, auth.data);
		if (!t)
			goto oom;
		hdr = t;
	}
	if (strcmp(method, "POST") == 0) {
		if (!(t = curl_slist_append(hdr, "Content-Type: application/x-www-form-urlencoded")))
			goto oom;
		hdr = t;
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	rc = curl_easy_perform(c);
	/* Do not leave pointers to our (soon freed) buffers in the handle. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	if (rc != CURLE_OK) {
		r->transport_error = 1;
		r->permanent = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
		               rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_UNSUPPORTED_PROTOCOL;
		if (x.too_big || rc == CURLE_FILESIZE_EXCEEDED)
			snprintf(r->error, sizeof r->error, "response larger than %zu bytes", h->max_body);
		else
			snprintf(r->error, sizeof r->error, "%.80s%s%.160s", curl_easy_strerror(rc),
			         h->errbuf[0] ? ": " : "", h->errbuf);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	ret = 0;
	goto out;
oom:
	r->transport_error = 1;
	snprintf(r->error, sizeof r->error, "out of memory");
out:
	free_headers(hdr);
	rm_buf_wipe(&auth);
	return ret;
}
