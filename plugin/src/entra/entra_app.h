/* The Entra app registration revmon signs in as (OAuth 2.0 client
 * credentials, entra-facts §4), the one client every source that talks to
 * Entra uses (graph, the probe's revoking app, and the sources to come):
 * the graph_* identity keys checked under one rule (a client secret from
 * a file or the environment, or a certificate with its key, never both),
 * the token URL and scope built in one place, token requests that run on
 * across polls within their own time-out, secrets wiped.
 *
 * Also the one Retry-After / back-off policy of the live sources. */
#ifndef RM_ENTRA_APP_H
#define RM_ENTRA_APP_H

#include <stdint.h>

#include "util/util.h"
#include "conf/conf.h"
#include "http.h"
#include "oauth.h"
#include "revmon.h"

struct rm_entra_app;

/* Append the v2 token endpoint of a tenant: {authority}/{tenant}/oauth2/v2.0/token.
 * 0, or -1 on no memory. */
int rm_entra_token_url(struct rm_buf *out, const char *authority, const char *tenant);

/* Append the scope of the app's token requests: graph_scope when set,
 * else {graph_base}/.default. 0, or -1 on no memory. */
int rm_entra_app_scope(struct rm_buf *out, const struct rm_settings *s);

/* The app of the graph_* keys of s, asking for tokens through h (which
 * must outlive it) with requests bounded by timeout_ms. Returns a new app
 * (the caller frees it with rm_entra_app_free), or NULL with err naming
 * the missing or conflicting key (the caller adds its own prefix). */
struct rm_entra_app *rm_entra_app_new(const struct rm_settings *s, struct rm_http *h,
                                      int64_t timeout_ms, struct revmon_error *err);
/* The same app asking for tokens of another API: scope (copied) instead of
 * rm_entra_app_scope's, e.g. the Log Analytics API's. */
struct rm_entra_app *rm_entra_app_new_scoped(const struct rm_settings *s, struct rm_http *h,
                                             int64_t timeout_ms, const char *scope,
                                             struct revmon_error *err);
void rm_entra_app_free(struct rm_entra_app *a);

/* A valid access token for the app (borrowed: valid until the next call
 * on a), waiting for the token endpoint until deadline_ms (monotonic);
 * wall_ms is the wall clock. 0 with *token; 1 while the request is in
 * flight (it runs on: call again in a later poll); -1 with *f. */
int rm_entra_app_token(struct rm_entra_app *a, int64_t wall_ms, int64_t deadline_ms,
                       const char **token, struct rm_oauth_fail *f);
/* Forget the cached token (a server refused it). */
void rm_entra_app_invalidate(struct rm_entra_app *a);
/* When the token rm_entra_app_token last gave expires (wall clock, ms);
 * 0 without one. */
int64_t rm_entra_app_token_expires(const struct rm_entra_app *a);

/* --- the back-off policy (pure) --- */

/* Back-off before retry number attempt (0, 1, ...): base_ms doubling, at
 * most cap_ms, scaled by a jitter factor in [0.5, 1] from u in [0, 1]
 * (u = 1: no jitter). */
int64_t rm_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms, double u);

/* The pause a server asked for: its Retry-After (seconds, fractional; < 0
 * when not said), else rm_backoff_ms. Milliseconds, at most a day. */
int64_t rm_retry_delay_ms(double retry_after_s, unsigned attempt, int64_t base_ms,
                          int64_t cap_ms, double u);

#endif
