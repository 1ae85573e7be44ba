/* The signInSessionsValidFromDateTime cache and its decisions; see
 * graph_sessions.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_sessions.h"
#include "http.h"
#include "parse/parse.h"
#include "util/util.h"

#define KEEP_MS (3600LL * 1000)

struct rm_session {
	uint64_t key;
	int64_t valid_from_ms;   /* 0: none */
	int64_t fetched_wall_ms;
};

static int keep_session(void *rec, void *ctx)
{
	const struct rm_session *s = rec;
	const struct rm_sessions *c = ctx;

	return s->fetched_wall_ms >= c->floor_wall_ms;
}

static uint64_t user_key(struct rm_str user)
{
	return rm_key_of(rm_hash(user.p, user.n, 0x5e55));
}

void rm_sessions_init(struct rm_sessions *c)
{
	memset(c, 0, sizeof *c);
	rm_table_init(&c->users, sizeof(struct rm_session), keep_session, c);
}

void rm_sessions_free(struct rm_sessions *c)
{
	rm_table_free(&c->users);
}

void rm_sessions_poll(struct rm_sessions *c, int64_t now_wall_ms)
{
	c->fetched = 0;
	c->floor_wall_ms = now_wall_ms - KEEP_MS;
	if (c->users.count)
		(void)rm_table_filter(&c->users); /* on no memory the table stays as it was */
}

/* The user's id as plain text in out (ids are compared decoded); 0 or -1. */
static int plain_id(struct rm_str raw, char *out, size_t cap)
{
	return rm_json_unescape(raw, out, cap) > 0 ? 0 : -1;
}

enum rm_sessions_verdict rm_sessions_decide(const struct rm_sessions *c, struct rm_str user,
                                            int64_t t, int64_t *valid_from_ms)
{
	char id[128];
	const struct rm_session *s;

	if (plain_id(user, id, sizeof id) < 0)
		return RM_SESSIONS_SKIP;
	s = rm_table_find(&c->users, user_key((struct rm_str){id, strlen(id)}));
	if (s && s->valid_from_ms && s->valid_from_ms <= t) {
		*valid_from_ms = s->valid_from_ms;
		return RM_SESSIONS_USE;
	}
	/* Asked after the refusal and nothing fits: a later revocation has
	 * replaced the one behind it. Asked before: there may be a new one. */
	if (s && s->fetched_wall_ms >= t)
		return RM_SESSIONS_SKIP;
	return RM_SESSIONS_FETCH;
}

/* Queue a plain-text id (see rm_sessions_want). */
static int want_plain(struct rm_sessions *c, const char *id, int64_t t)
{
	for (unsigned i = 0; i < c->n_want; i++) {
		if (strcmp(c->want[i].id, id) == 0) {
			if (t > c->want[i].t)
				c->want[i].t = t;
			return 0;
		}
	}
	if (c->n_want == RM_SESSIONS_WANTED)
		return -1;
	snprintf(c->want[c->n_want].id, sizeof c->want[0].id, "%s", id);
	c->want[c->n_want++].t = t;
	return 0;
}

int rm_sessions_want(struct rm_sessions *c, struct rm_str user, int64_t t)
{
	char id[sizeof c->want[0].id];

	if (plain_id(user, id, sizeof id) < 0)
		return -1;
	return want_plain(c, id, t);
}

int rm_sessions_save(const struct rm_sessions *c, struct rm_buf *out)
{
	int e = rm_put_u32(out, c->n_want);

	for (unsigned i = 0; i < c->n_want; i++) {
		e |= rm_put_str(out, c->want[i].id);
		e |= rm_put_i64(out, c->want[i].t);
	}
	return e ? -1 : 0;
}

void rm_sessions_load(struct rm_sessions *c, struct rm_rd *r)
{
	uint32_t n = rm_get_u32(r);

	if (n > RM_SESSIONS_WANTED) {
		r->bad = 1;
		return;
	}
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		char *id = rm_get_str(r);
		int64_t t = rm_get_i64(r);

		/* an id is never empty and fits the queue's room */
		if (!id || !*id || strlen(id) >= sizeof c->want[0].id)
			r->bad = 1;
		else
			(void)want_plain(c, id, t); /* full: the newer ones were kept */
		free(id);
	}
}

void rm_sessions_drop(struct rm_sessions *c, unsigned i)
{
	if (i < c->n_want)
		c->want[i] = c->want[--c->n_want];
}

void rm_sessions_store(struct rm_sessions *c, struct rm_str user, int64_t valid_from_ms,
                       int64_t fetched_wall_ms)
{
	int created;
	struct rm_session *s = rm_table_upsert(&c->users, user_key(user), &created);

	c->fetched++;
	if (!s)
		return;
	s->valid_from_ms = valid_from_ms;
	s->fetched_wall_ms = fetched_wall_ms;
}

int rm_sessions_url(struct rm_buf *out, const char *base, const char *id)
{
	if (rm_buf_printf(out, "%s/v1.0/users/", base) < 0 || rm_url_encode(out, id, strlen(id)) < 0 ||
	    rm_buf_puts(out, "?$select=id,signInSessionsValidFromDateTime") < 0)
		return -1;
	return 0;
}

int rm_sessions_parse(const char *body, size_t len, int64_t *valid_from_ms)
{
	struct rm_json_val v;
	size_t pos = rm_json_skip_ws(body, len, 0), end;
	enum rm_json_type type;

	/* the whole answer, not a truncated one that happens to hold the key */
	if (pos >= len || body[pos] != '{' ||
	    rm_json_value_end(body, len, pos, &end, &type) != RM_JSON_OK ||
	    rm_json_skip_ws(body, len, end) != len ||
	    rm_json_obj_get(body + pos, end - pos, "signInSessionsValidFromDateTime", &v) != 1)
		return -1;
	if (v.type == RM_JSON_NULL) {
		*valid_from_ms = 0;
		return 0;
	}
	if (v.type != RM_JSON_STRING || rm_time_parse(v.s.p, v.s.n, valid_from_ms) < 0 ||
	    *valid_from_ms <= 0)
		return -1;
	return 0;
}
