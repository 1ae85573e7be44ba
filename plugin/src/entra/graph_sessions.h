/* Users' signInSessionsValidFromDateTime (entra-facts §3): the moment a
 * user's refresh tokens and sessions were last revoked. The graph source
 * looks it up for a refusal of a revoked grant whose failure text names no
 * revocation time, so that refusal still gives a lag and an age even when
 * the revocation's audit event is never read. This file holds the cache,
 * the decision and the pure parts (URL, answer); the request is the
 * source's. */
#ifndef RM_GRAPH_SESSIONS_H
#define RM_GRAPH_SESSIONS_H

#include <stdint.h>

#include "util/util.h"
#include "parse/parse.h"

/* Lookups a poll may make at most: each is a request within its budget. */
#define RM_SESSIONS_PER_POLL 20
/* Users waiting for a lookup; more refusals wait for a later poll's room. */
#define RM_SESSIONS_WANTED 256

/* A user whose refusal (the latest at t) waits for the lookup. */
struct rm_session_want {
	char id[128];           /* the user id, decoded */
	int64_t t;
};

struct rm_sessions {
	struct rm_table users;  /* struct rm_session by user id */
	int64_t floor_wall_ms;  /* answers fetched before this are forgotten */
	unsigned fetched;       /* lookups made in the current poll */
	struct rm_session_want want[RM_SESSIONS_WANTED];
	unsigned n_want;
};

enum rm_sessions_verdict {
	RM_SESSIONS_USE,   /* *valid_from_ms is the revocation behind the refusal */
	RM_SESSIONS_FETCH, /* ask Graph (then store the answer and decide again) */
	RM_SESSIONS_SKIP,  /* nothing known that can explain this refusal */
};

void rm_sessions_init(struct rm_sessions *c);
void rm_sessions_free(struct rm_sessions *c);

/* A new poll at wall time now: forget answers older than an hour and
 * restart the per-poll lookup count. */
void rm_sessions_poll(struct rm_sessions *c, int64_t now_wall_ms);

/* What to do for a refusal at t (event time) of user (raw JSON string
 * contents or plain text). USE only when the known revocation is not after
 * t; FETCH when nothing was fetched since t; SKIP otherwise. */
enum rm_sessions_verdict rm_sessions_decide(const struct rm_sessions *c, struct rm_str user,
                                            int64_t t, int64_t *valid_from_ms);

/* Queue user (raw JSON string contents) for a lookup that explains its
 * refusal at t (the latest one is kept). 0, or -1 when the queue is full
 * or the id is not one (the refusal then stays without a revocation time). */
int rm_sessions_want(struct rm_sessions *c, struct rm_str user, int64_t t);

/* Drop queue entry i (the last one takes its place). */
void rm_sessions_drop(struct rm_sessions *c, unsigned i);

/* Remember Graph's answer for user (plain text), fetched at wall time fetched_wall_ms
 * (valid_from_ms 0: never revoked, or the user is gone). Counts the
 * lookup. Out of memory: nothing is remembered. */
void rm_sessions_store(struct rm_sessions *c, struct rm_str user, int64_t valid_from_ms,
                       int64_t fetched_wall_ms);

/* Append the queue of wanted users to out (state file). 0, or -1 on no
 * memory. */
int rm_sessions_save(const struct rm_sessions *c, struct rm_buf *out);
/* Restore a queue written by rm_sessions_save (appended to c's, merged by
 * user); sets r->bad on a malformed one. */
void rm_sessions_load(struct rm_sessions *c, struct rm_rd *r);

/* base/v1.0/users/{id}?$select=id,signInSessionsValidFromDateTime into out
 * (appended; the plain-text id URL-encoded). 0, or -1 on no memory. */
int rm_sessions_url(struct rm_buf *out, const char *base, const char *id);

/* The answer to that request: 0 with *valid_from_ms (0 when null), or -1
 * when it is not a user object with that property. Pure. */
int rm_sessions_parse(const char *body, size_t len, int64_t *valid_from_ms);

#endif
