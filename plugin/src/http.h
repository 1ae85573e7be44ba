/* A small HTTPS client over libcurl for the live sources: one easy handle
 * per source, kept alive between requests (connection reuse), TLS
 * verification always on, every request bounded in time and size.
 *
 * libcurl's global initialisation: rm_http_new calls curl_global_init,
 * which is thread-safe from libcurl 7.84 on (Debian 12 ships 7.88;
 * rm_http_new refuses an older libcurl that says it is not), so hosts that
 * open monitors from several threads need do nothing. */
#ifndef RM_HTTP_H
#define RM_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "revmon.h"

struct rm_http;

/* A response. body and the header values are owned by the response and
 * freed with rm_http_response_free. */
struct rm_http_response {
	long status;          /* HTTP status; 0 when no answer came */
	double retry_after;   /* Retry-After in seconds (fractional allowed); -1 when absent */
	struct rm_buf body;
	int transport_error;  /* 1: no complete answer (connection, TLS, timeout, size cap) */
	int permanent;        /* 1: retrying cannot help (the server's certificate failed
	                         verification, the CA file is unusable) */
	char error[256];      /* what went wrong, for transport errors; never holds secrets */
	struct rm_buf www_authenticate; /* the WWW-Authenticate values, one per line ('\n') */
};

/* A new client. ca_file may be NULL (the system's CA store). max_body caps
 * every response body. Returns NULL with err. The caller owns the result
 * and frees it with rm_http_free. */
struct rm_http *rm_http_new(const char *ca_file, size_t max_body, struct revmon_error *err);
void rm_http_free(struct rm_http *h);

/* One request. method "GET" or "POST"; body (POST only) is sent as
 * application/x-www-form-urlencoded; bearer, when not NULL, is sent as
 * "Authorization: Bearer ..." (and wiped from curl's header list after).
 * timeout_ms bounds the whole request, connect_ms the connection. Fills *r
 * (which the caller frees with rm_http_response_free) and returns 0 when
 * an HTTP answer came, -1 on a transport error (r->error says which). */
int rm_http_request(struct rm_http *h, const char *method, const char *url, const char *body,
                    size_t body_len, const char *bearer, int64_t timeout_ms, int64_t connect_ms,
                    struct rm_http_response *r);
void rm_http_response_free(struct rm_http_response *r);

/* Parse a Retry-After value: delay-seconds, possibly fractional ("2.128",
 * as Graph sends). Returns the seconds (0 .. 86400), or -1 when the value is
 * not a number (an HTTP-date is treated as absent). Pure. */
double rm_http_parse_retry_after(const char *v, size_t n);

/* Percent-encode s (RFC 3986 unreserved characters kept) onto out. 0, or -1
 * when memory runs out. Pure. */
int rm_url_encode(struct rm_buf *out, const char *s, size_t n);

/* Wipe and free a buffer that held a secret. */
void rm_buf_wipe(struct rm_buf *b);

#endif
