/* HTTPS over libcurl: see http.h. */
#include "http.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "util/util.h"
#include "conf/conf.h"

#ifndef REVMON_VERSION_STRING
#define REVMON_VERSION_STRING "0"
#endif

/* Small bodies (token answers) fit without a realloc leaving copies behind. */
#define FIRST_RESERVE 16384

struct rm_http {
	CURLM *multi;
	size_t max_body;
	char *ca_file;
	struct rm_http_xfer *xfers; /* every slot, a list */
	int global; /* curl_global_init succeeded: pair it with a cleanup */
	int refuse_resends; /* rm_http_refuse_resends */
};

enum xstate { X_IDLE, X_RUNNING, X_READY };

struct rm_http_xfer {
	struct rm_http *h;
	struct rm_http_xfer *next;
	CURL *curl;              /* kept between requests: its settings are reset each time */
	enum xstate state;
	struct rm_http_response r;
	struct curl_slist *hdr;  /* holds the bearer: wiped when the transfer ends */
	struct rm_buf body;      /* the form: may hold secrets, wiped likewise */
	char *url;
	int too_big;
	int answering;           /* a status line came */
	int resend_refused;      /* libcurl wanted to send the request again */
	int64_t started_ms, timeout_ms, connect_ms; /* monotonic start, own time-outs */
	char endpoint[100];      /* rm_url_endpoint of the request, for messages */
	char ctype[64];          /* the POST body's type, "" for a form */
	char extra[128];         /* one more header line, "" for none */
	char errbuf[CURL_ERROR_SIZE];
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

void rm_url_endpoint(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://"), *host, *at, *end;
	size_t n, k;

	if (!cap)
		return;
	host = p ? p + 3 : url;
	end = host + strcspn(host, "/?#");
	/* user information before the host: never shown */
	at = memchr(host, '@', (size_t)(end - host));
	n = snprintf(out, cap, "%.*s%.*s", (int)(host - url), url, (int)(end - (at ? at + 1 : host)),
	             at ? at + 1 : host);
	if (n >= cap)
		n = cap - 1;
	k = strcspn(end, "?#");
	if (n + k < cap) {
		memcpy(out + n, end, k);
		out[n + k] = '\0';
	} else if (cap > n + 4) {
		memcpy(out + n, end, cap - n - 4);
		memcpy(out + cap - 4, "...", 4);
	}
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct rm_http_xfer *x = ctx;
	size_t n = size * nmemb;

	if (x->r.body.len + n > x->h->max_body) {
		x->too_big = 1;
		return 0; /* makes curl fail the transfer */
	}
	if (!x->r.body.cap && rm_buf_reserve(&x->r.body, FIRST_RESERVE) < 0)
		return 0;
	if (rm_buf_append(&x->r.body, p, n) < 0)
		return 0;
	return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct rm_http_xfer *x = ctx;
	size_t n = size * nmemb;
	static const char name[] = "retry-after:", wwwa[] = "www-authenticate:";

	/* A new status line (after a 100 Continue) starts a new header set. */
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		x->answering = 1;
		x->r.retry_after = -1;
		x->r.www_authenticate.len = 0;
	}
	if (n > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0)
		x->r.retry_after = rm_http_parse_retry_after(p + sizeof name - 1, n - (sizeof name - 1));
	if (n > sizeof wwwa - 1 && strncasecmp(p, wwwa, sizeof wwwa - 1) == 0 &&
	    x->r.www_authenticate.len + n < 65536) {
		const char *v = p + sizeof wwwa - 1;
		size_t k = n - (sizeof wwwa - 1);

		while (k && (v[k - 1] == '\r' || v[k - 1] == '\n'))
			k--;
		if (rm_buf_append(&x->r.www_authenticate, v, k) < 0 ||
		    rm_buf_append(&x->r.www_authenticate, "\n", 1) < 0)
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
	h->multi = curl_multi_init();
	if (!h->multi) {
		rm_errorf(err, "libcurl: no multi handle (out of memory)");
		goto fail;
	}
	return h;
fail:
	rm_http_free(h);
	return NULL;
}

/* Wipe what curl's header list holds (the bearer token) before freeing it. */
static void free_headers(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p; p = p->next)
		if (p->data)
			explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

/* The request's own copies, wiped: the transfer has ended. */
static void drop_request(struct rm_http_xfer *x)
{
	if (x->curl) {
		/* Do not leave pointers to our (soon freed) buffers in the handle. */
		curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, NULL);
	}
	free_headers(x->hdr);
	x->hdr = NULL;
	rm_buf_wipe(&x->body);
	free(x->url);
	x->url = NULL;
}

static void wipe_response(struct rm_http_response *r)
{
	rm_buf_wipe(&r->body);
	rm_buf_free(&r->www_authenticate);
	memset(r, 0, sizeof *r);
	r->retry_after = -1;
}

void rm_http_cancel(struct rm_http_xfer *x)
{
	if (!x)
		return;
	if (x->state == X_RUNNING)
		curl_multi_remove_handle(x->h->multi, x->curl);
	drop_request(x);
	wipe_response(&x->r);
	x->state = X_IDLE;
}

void rm_http_free(struct rm_http *h)
{
	if (!h)
		return;
	while (h->xfers) {
		struct rm_http_xfer *x = h->xfers;

		h->xfers = x->next;
		rm_http_cancel(x);
		if (x->curl)
			curl_easy_cleanup(x->curl);
		free(x);
	}
	if (h->multi)
		curl_multi_cleanup(h->multi);
	free(h->ca_file);
	if (h->global)
		curl_global_cleanup();
	free(h);
}

void rm_http_refuse_resends(struct rm_http *h, int on)
{
	h->refuse_resends = on;
}

struct rm_http_xfer *rm_http_xfer_new(struct rm_http *h)
{
	struct rm_http_xfer *x = calloc(1, sizeof *x);

	if (!x)
		return NULL;
	x->curl = curl_easy_init();
	if (!x->curl) {
		free(x);
		return NULL;
	}
	x->h = h;
	x->r.retry_after = -1;
	x->next = h->xfers;
	h->xfers = x;
	return x;
}

void rm_http_response_free(struct rm_http_response *r)
{
	rm_buf_free(&r->body);
	rm_buf_free(&r->www_authenticate);
	memset(r, 0, sizeof *r);
	r->retry_after = -1;
}

#if LIBCURL_VERSION_NUM >= 0x075000
/* Called before each send of the request, so sends are counted. libcurl
 * sends it again by itself when a reused connection dies before answering;
 * a client with a request budget refuses that send (it would bypass the
 * budget and hide the failure): the transfer fails and the caller retries
 * within its budget. */
static int on_prereq(void *ctx, char *ip, char *local_ip, int port, int local_port)
{
	struct rm_http_xfer *x = ctx;

	(void)ip;
	(void)local_ip;
	(void)port;
	(void)local_port;
	if (x->r.sends && x->h->refuse_resends) {
		x->resend_refused = 1;
		return CURL_PREREQFUNC_ABORT;
	}
	x->r.sends++;
	return CURL_PREREQFUNC_OK;
}
#endif

/* Everything but the request's own parts: the same for every request. */
static void set_common(struct rm_http_xfer *x, int64_t timeout_ms, int64_t connect_ms)
{
	CURL *c = x->curl;

	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
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
	if (x->h->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, x->h->ca_file);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a token must not follow a redirect */
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "revmon/" REVMON_VERSION_STRING);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->h->max_body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
#if LIBCURL_VERSION_NUM >= 0x075000
	curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, on_prereq);
	curl_easy_setopt(c, CURLOPT_PREREQDATA, x);
#endif
}

/* The header list: Accept, the bearer, the form's type. 0 or -1. */
static int build_headers(struct rm_http_xfer *x, const char *bearer, int post)
{
	struct rm_buf auth = {0};
	struct curl_slist *t;
	int rc = -1;

	if (!(t = curl_slist_append(x->hdr, "Accept: application/json")))
		goto out;
	x->hdr = t;
	if (bearer) {
		if (rm_buf_reserve(&auth, strlen(bearer) + 32) < 0 ||
		    rm_buf_printf(&auth, "Authorization: Bearer %s", bearer) < 0 ||
		    !(t = curl_slist_append(x->hdr, auth.data)))
			goto out;
		x->hdr = t;
	}
	if (post) {
		char ct[96];

		snprintf(ct, sizeof ct, "Content-Type: %s",
		         x->ctype[0] ? x->ctype : "application/x-www-form-urlencoded");
		if (!(t = curl_slist_append(x->hdr, ct)))
			goto out;
		x->hdr = t;
	}
	if (x->extra[0]) {
		if (!(t = curl_slist_append(x->hdr, x->extra)))
			goto out;
		x->hdr = t;
	}
	rc = 0;
out:
	rm_buf_wipe(&auth);
	return rc;
}

int rm_http_xfer_headers(struct rm_http_xfer *x, const char *content_type, const char *extra)
{
	size_t c = content_type ? strlen(content_type) : 0, e = extra ? strlen(extra) : 0;

	if (c >= sizeof x->ctype || e >= sizeof x->extra || (extra && strpbrk(extra, "\r\n")))
		return -1;
	memcpy(x->ctype, content_type ? content_type : "", c + 1);
	memcpy(x->extra, extra ? extra : "", e + 1);
	return 0;
}

/* An answer that never started: x holds it, ready. */
static int fail_start(struct rm_http_xfer *x, const char *why)
{
	drop_request(x);
	x->r.transport_error = 1;
	snprintf(x->r.error, sizeof x->r.error, "%s", why);
	x->state = X_READY;
	return -1;
}

int rm_http_start(struct rm_http_xfer *x, const char *method, const char *url, const char *body,
                  size_t body_len, const char *bearer, int64_t timeout_ms, int64_t connect_ms)
{
	int post = strcmp(method, "POST") == 0;
	CURL *c = x->curl;

	if (x->state != X_IDLE)
		rm_http_cancel(x);
	wipe_response(&x->r);
	x->too_big = x->answering = x->resend_refused = 0;
	x->errbuf[0] = '\0';
	if (timeout_ms < 1)
		timeout_ms = 1;
	if (connect_ms < 1 || connect_ms > timeout_ms)
		connect_ms = timeout_ms;
	x->started_ms = rm_monotonic_ms();
	x->timeout_ms = timeout_ms;
	x->connect_ms = connect_ms;
	rm_url_endpoint(url, x->endpoint, sizeof x->endpoint);
	/* A reset keeps the connection cache (the multi's): the next request
	 * reuses a kept-alive connection. */
	curl_easy_reset(c);
	if (!(x->url = strdup(url)) || build_headers(x, bearer, post) < 0)
		return fail_start(x, "out of memory");
	set_common(x, timeout_ms, connect_ms);
	curl_easy_setopt(c, CURLOPT_URL, x->url);
	if (post) {
		/* Room for the whole body at once: no realloc leaves a secret behind. */
		if (rm_buf_reserve(&x->body, body_len + 1) < 0 ||
		    rm_buf_append(&x->body, body ? body : "", body_len) < 0)
			return fail_start(x, "out of memory");
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->body.data);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hdr);
	if (curl_multi_add_handle(x->h->multi, c) != CURLM_OK)
		return fail_start(x, "libcurl: the transfer could not start (out of memory)");
	x->state = X_RUNNING;
	return 0;
}

/* Why a transfer failed, in our words where curl's would mislead (its
 * time-outs count from the phase it was in, not from our start). */
static void describe_failure(struct rm_http_xfer *x, CURLcode rc)
{
	struct rm_http_response *r = &x->r;
	double waited = (double)(rm_monotonic_ms() - x->started_ms) / 1000.0;
	const char *phase = !r->sends ? "TCP or TLS did not complete; connect"
	                    : !x->answering ? "request sent, nothing came back;"
	                                    : "the answer stopped coming;";
	int64_t limit = !r->sends ? x->connect_ms : x->timeout_ms;

	if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(r->error, sizeof r->error, "%s: response larger than %zu bytes", x->endpoint,
		         x->h->max_body);
	else if (x->resend_refused)
		snprintf(r->error, sizeof r->error,
		         "%s: connection dropped without an answer after %.1f s (the request was sent)",
		         x->endpoint, waited);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(r->error, sizeof r->error, "%s: no answer after %.1f s (%s time-out %.0f s)",
		         x->endpoint, waited, phase, (double)limit / 1000.0);
	else
		snprintf(r->error, sizeof r->error, "%s: %.60s%s%.120s (after %.1f s)", x->endpoint,
		         curl_easy_strerror(rc), x->errbuf[0] ? ": " : "", x->errbuf, waited);
}

/* A transfer has ended with rc: record its answer. */
static void finish(struct rm_http_xfer *x, CURLcode rc)
{
	struct rm_http_response *r = &x->r;

	curl_multi_remove_handle(x->h->multi, x->curl);
	x->state = X_READY;
#if LIBCURL_VERSION_NUM < 0x075000
	/* No count of the sends: libcurl may have re-sent a failed request once. */
	r->sends = rc == CURLE_OK ? 1 : 2;
#endif
	if (rc != CURLE_OK) {
		r->transport_error = 1;
		r->status = 0;
		r->permanent = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
		               rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_UNSUPPORTED_PROTOCOL;
		describe_failure(x, rc);
	} else {
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &r->status);
	}
	drop_request(x);
}

/* Collect the transfers curl says have ended. Returns how many. */
static int reap(struct rm_http *h)
{
	CURLMsg *msg;
	int left, n = 0;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct rm_http_xfer *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x && x->state == X_RUNNING) {
			finish(x, msg->data.result);
			n++;
		}
	}
	return n;
}

int rm_http_run(struct rm_http *h, int64_t deadline_ms)
{
	int running = 0, ended = 0;

	for (;;) {
		int64_t left;
		long hint = -1;

		if (curl_multi_perform(h->multi, &running) != CURLM_OK)
			running = 0;
		ended += reap(h);
		left = deadline_ms - rm_monotonic_ms();
		if (ended || !running || left <= 0)
			return ended;
		/* Wake up when curl has a timer due (its own time-outs, a
		 * connection's progress), at the latest at the deadline. */
		curl_multi_timeout(h->multi, &hint);
		if (hint >= 0 && hint < left)
			left = hint ? hint : 1;
		curl_multi_poll(h->multi, NULL, 0, (int)(left > 1000 ? 1000 : left), NULL);
	}
}

int rm_http_wait(struct rm_http_xfer *x, int64_t deadline_ms)
{
	for (;;) {
		if (x->state == X_READY)
			return 1;
		if (x->state == X_IDLE)
			return 0;
		rm_http_run(x->h, deadline_ms);
		if (x->state != X_READY && rm_monotonic_ms() >= deadline_ms)
			return 0;
	}
}

int rm_http_overdue(const struct rm_http *h, int64_t since_ms, int patient, char *out, size_t cap)
{
	const struct rm_http_xfer *old = NULL;
	int64_t now = rm_monotonic_ms();

	for (const struct rm_http_xfer *x = h->xfers; x; x = x->next)
		if (x->state == X_RUNNING && x->started_ms < since_ms &&
		    (!patient || now - x->started_ms > x->timeout_ms / 2) &&
		    (!old || x->started_ms < old->started_ms))
			old = x;
	if (!old)
		return 0;
	snprintf(out, cap, "%s: no answer after %.1f s (%s; time-out %.0f s)", old->endpoint,
	         (double)(rm_monotonic_ms() - old->started_ms) / 1000.0,
	         !old->r.sends ? "connecting" : old->answering ? "the answer is still coming"
	                                                     : "request sent, waiting for the answer",
	         (double)old->timeout_ms / 1000.0);
	return 1;
}

int rm_http_busy(const struct rm_http_xfer *x)
{
	return x->state != X_IDLE;
}

int rm_http_ready(const struct rm_http_xfer *x)
{
	return x->state == X_READY;
}

int rm_http_take(struct rm_http_xfer *x, struct rm_http_response *r)
{
	memset(r, 0, sizeof *r);
	r->retry_after = -1;
	if (x->state != X_READY) {
		r->transport_error = 1;
		snprintf(r->error, sizeof r->error, "no answer");
		return -1;
	}
	*r = x->r;
	memset(&x->r, 0, sizeof x->r);
	x->r.retry_after = -1;
	x->state = X_IDLE;
	return r->transport_error ? -1 : 0;
}
