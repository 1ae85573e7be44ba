/* OAuth 2.0 client credentials against the Entra v2 token endpoint
 * (entra-facts §4): with a client secret, or with an RS256 client-assertion
 * JWT signed by the app's certificate key. Tokens are cached and renewed
 * before they expire; secrets, assertions and tokens are wiped when freed
 * and never put in messages.
 *
 * The parsing and building functions are pure, so tests call them without
 * a network. */
#ifndef RM_OAUTH_H
#define RM_OAUTH_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util/util.h"
#include "http.h"
#include "revmon.h"

struct rm_oauth;

/* A client with a secret (copied; the caller wipes its own copy). The
 * caller owns the result; free with rm_oauth_free. NULL with err. */
struct rm_oauth *rm_oauth_new_secret(const char *token_url, const char *client_id,
                                     const char *scope, const char *secret, size_t secret_len,
                                     struct revmon_error *err);
/* A client with a certificate: key_file must not be readable by group or
 * others (the error names the file and its mode), and its key must match
 * cert_file. NULL with err. */
struct rm_oauth *rm_oauth_new_cert(const char *token_url, const char *client_id,
                                   const char *scope, const char *cert_file,
                                   const char *key_file, struct revmon_error *err);
void rm_oauth_free(struct rm_oauth *o);

/* Why a token could not be had. */
struct rm_oauth_fail {
	int unusable;        /* a person must act (credentials, registration) */
	int throttled;       /* 429 */
	double retry_after;  /* seconds, -1 when not said */
	long status;         /* HTTP status, 0 without an answer */
	char msg[300];       /* our own words and the AADSTS codes; no secrets */
};

/* A valid access token (borrowed: valid until the next call on o), from
 * the cache when it has more than its renewal margin left, else from the
 * token endpoint: one request on o's own transfer slot of h, bounded by
 * timeout_ms (its own time-out), waited for until deadline_ms (monotonic).
 * now_ms is the wall clock. Returns 0 with *token; 1 while the request is
 * still in flight at the deadline (not a failure: call again, it runs on);
 * -1 with *f. o must always be used with the same h, freed after o. */
int rm_oauth_token(struct rm_oauth *o, struct rm_http *h, int64_t now_ms, int64_t deadline_ms,
                   int64_t timeout_ms, const char **token, struct rm_oauth_fail *f);
/* Forget the cached token (Graph refused it). */
void rm_oauth_invalidate(struct rm_oauth *o);
/* When the token rm_oauth_token last gave expires (wall clock, ms), as its
 * endpoint said (expires_in); 0 without one. */
int64_t rm_oauth_token_expires(const struct rm_oauth *o);

/* --- pure functions --- */

/* Parse a token response: *token is a new string (wipe and free it with
 * rm_oauth_token_free), *expires_in in seconds. 0, or -1 when the body
 * holds no access token. */
int rm_oauth_parse_token(const char *body, size_t len, char **token, int64_t *expires_in);
void rm_oauth_token_free(char *token);

/* Base64url without padding, appended to out. 0, or -1 on no memory. */
int rm_base64url(const unsigned char *p, size_t n, struct rm_buf *out);

/* x5t of a certificate: base64url of the SHA-1 of its DER. out >= 32 bytes.
 * 0, or -1. */
int rm_x5t_of_cert(X509 *cert, char *out, size_t cap);

/* Build the client-assertion JWT (header alg RS256, typ JWT, x5t; claims
 * aud, exp = now + 600 s, iss = sub = client_id, jti, nbf = iat = now) into
 * out, signed with key (RSA). 0, or -1 with err. */
int rm_jwt_assertion_build(EVP_PKEY *key, const char *x5t, const char *client_id,
                           const char *aud, int64_t now_s, const char *jti, struct rm_buf *out,
                           struct revmon_error *err);

/* Read a file holding a secret (a client secret, a private key), refusing
 * one that group or others may read or write, as ssh does. what names the
 * configuration key for messages. Trailing whitespace is kept (callers
 * trim). 0, or -1 with err. The caller wipes out with rm_buf_wipe. */
int rm_secret_file_read(const char *what, const char *path, struct rm_buf *out,
                        struct revmon_error *err);

/* A secret from its file (file, named file_key in messages; read as above)
 * or else from the environment variable env (named env_key), trailing
 * whitespace off; an empty one is refused. 0, or -1 with err naming the
 * key. The caller wipes out with rm_buf_wipe. */
int rm_secret_read(const char *file_key, const char *file, const char *env_key, const char *env,
                   struct rm_buf *out, struct revmon_error *err);

#endif
