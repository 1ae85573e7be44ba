/* A small HTTPS client over libcurl's multi interface for the live
 * sources: requests run on in the background of the callers' polls, each
 * bounded by its own time-out and size cap, never by a poll's budget;
 * connections are kept alive between requests, TLS verification is always
 * on.
 *
 * libcurl's global initialisation: rm_http_new calls curl_global_init,
 * which is thread-safe from libcurl 7.84 on (Debian 12 ships 7.88;
 * rm_http_new refuses an older libcurl that says it is not), so hosts that
 * open monitors from several threads need do nothing. */
#ifndef RM_HTTP_H
#define RM_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "revmon.h"

/* A client: a libcurl multi handle whose transfers share one connection
 * cache (kept alive between requests), TLS verification always on, every
 * body bounded in size. */
struct rm_http;
/* One transfer slot of a client: a request in flight, or its answer
 * waiting to be taken, or idle. Its time-out is its own: a transfer runs
 * on across calls (and across a host's polls) until it is answered or its
 * own time-out ends it, whatever the callers' budgets. */
struct rm_http_xfer;

/* A response. body and the header values are owned by the response and
 * freed with rm_http_response_free. */
struct rm_http_response {
	long status;          /* HTTP status; 0 when no answer came */
	double retry_after;   /* Retry-After in seconds (fractional allowed); -1 when absent */
	struct rm_buf body;
	int transport_error;  /* 1: no complete answer (connection, TLS, timeout, size cap) */
	int permanent;        /* 1: retrying cannot help (the server's certificate failed
	                         verification, the CA file is unusable) */
	char error[320];      /* what went wrong, for transport errors: the endpoint
	                         (rm_url_endpoint), the time waited, the cause; never
	                         holds secrets */
	struct rm_buf www_authenticate; /* the WWW-Authenticate values, one per line ('\n') */
	unsigned sends;       /* times the request went on the wire (0: never sent) */
};

/* A new client. ca_file may be NULL (the system's CA store). max_body caps
 * every response body. Returns NULL with err. The caller owns the result
 * and frees it with rm_http_free, which also cancels and frees its
 * transfers. */
struct rm_http *rm_http_new(const char *ca_file, size_t max_body, struct revmon_error *err);
void rm_http_free(struct rm_http *h);

/* on: every send of h's requests goes through its caller (a client with a
 * request budget): when a kept-alive connection dies under a request,
 * libcurl's own re-send is refused and the transfer fails ("connection
 * dropped"), for the caller to retry within its budget. Off by default. */
void rm_http_refuse_resends(struct rm_http *h, int on);

/* A new idle transfer slot of h. h owns it (rm_http_free frees it); NULL
 * when memory runs out. */
struct rm_http_xfer *rm_http_xfer_new(struct rm_http *h);

/* The requests of x from now on send their POST body as content_type
 * (NULL: a form) and one more header line extra ("Name: value", NULL: none;
 * no line breaks). Copied. 0, or -1 when either is too long or malformed. */
int rm_http_xfer_headers(struct rm_http_xfer *x, const char *content_type, const char *extra);

/* Start a request on x, which must be idle. method "GET" or "POST"; body
 * (POST only) is sent as application/x-www-form-urlencoded; bearer, when
 * not NULL, is sent as "Authorization: Bearer ...". url, body and bearer
 * are copied (the copies are wiped when the transfer ends: they may hold
 * secrets), so the caller may wipe its own at once. timeout_ms bounds the
 * whole transfer from now, connect_ms its connection. Every send is
 * counted (the answer's sends), libcurl's own re-send on a kept-alive
 * connection that died under the request included, or refused (see
 * rm_http_refuse_resends). Returns 0; -1 when it could not start (no
 * memory; the answer, taken, says so). In both cases x is busy until its
 * answer is taken. */
int rm_http_start(struct rm_http_xfer *x, const char *method, const char *url, const char *body,
                  size_t body_len, const char *bearer, int64_t timeout_ms, int64_t connect_ms);

/* Advance every transfer of h, waiting for the network, until at least one
 * of them ends, none is running, or the monotonic clock reaches
 * deadline_ms (a deadline already past advances once without waiting).
 * Returns how many transfers ended in this call. */
int rm_http_run(struct rm_http *h, int64_t deadline_ms);

/* rm_http_run until x has ended or the deadline passes. 1: x's answer is
 * ready (rm_http_take it), 0: x is still in flight (and keeps running in
 * later calls). An idle x returns 0 at once. */
int rm_http_wait(struct rm_http_xfer *x, int64_t deadline_ms);

/* 1 while x runs or holds an answer not yet taken; 0 when idle. */
int rm_http_busy(const struct rm_http_xfer *x);
/* 1 when x holds an answer to take. */
int rm_http_ready(const struct rm_http_xfer *x);

/* Move x's answer into *r (the caller frees it with rm_http_response_free,
 * or wipes its body when it may hold a secret); x is idle again. Returns 0
 * when an HTTP answer came, -1 on a transport error (r->error says which)
 * or when x held no answer. */
int rm_http_take(struct rm_http_xfer *x, struct rm_http_response *r);

/* 1 when a transfer of h has been running since before since_ms (monotonic)
 * and still is, and, when patient, for longer than half its own time-out
 * (a slow server still answers): out then names the oldest one's endpoint
 * and how long it has waited (a stalled server: the transfer runs on to its
 * own time-out). */
int rm_http_overdue(const struct rm_http *h, int64_t since_ms, int patient, char *out, size_t cap);

/* Abandon whatever x runs or holds (wiped); x is idle again. */
void rm_http_cancel(struct rm_http_xfer *x);

void rm_http_response_free(struct rm_http_response *r);

/* Parse a Retry-After value: delay-seconds, possibly fractional ("2.128",
 * as Graph sends). Returns the seconds (0 .. 86400), or -1 when the value is
 * not a number (an HTTP-date is treated as absent). Pure. */
double rm_http_parse_retry_after(const char *v, size_t n);

/* What a message may say of url: scheme://host[:port]/path, without the
 * user information, the query (it may hold secrets) and the fragment, cut
 * to fit cap (with "..."). Pure. */
void rm_url_endpoint(const char *url, char *out, size_t cap);

/* Percent-encode s (RFC 3986 unreserved characters kept) onto out. 0, or -1
 * when memory runs out. Pure. */
int rm_url_encode(struct rm_buf *out, const char *s, size_t n);

/* Wipe and free a buffer that held a secret. */
void rm_buf_wipe(struct rm_buf *b);

#endif
