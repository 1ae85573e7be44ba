/* Walking one record's members into its fields (record_internal.h): the
 * field map's names (fields.def), the small maps of the nested objects, and
 * the values, whatever shape carries them.
 *
 * One pass per record: json_scan's iterator steps over an object's members
 * (json_scan holds the only copy of the JSON rules), the map turns the few
 * names revmon reads into a handler, and every other value is skipped by the
 * iterator (which still validates it). Nested objects are entered in place
 * rather than skipped first and re-read. A Log Analytics dynamic column may
 * hold its object as JSON text inside a string: that text is decoded into the
 * arena and walked by the same handlers.
 *
 * Two kinds of failure: a broken structure (the record's end cannot be
 * found; the walk stops) and a field of the wrong type or value (the walk
 * goes on to the record's end, so a container can move to the next element,
 * and the first such reason is reported). */
#include <string.h>

#include "aadsts_text.h"
#include "record_internal.h"

typedef int (*member_fn)(struct ctx *, struct rm_json_iter *, struct rm_str, void *);
typedef int (*elem_fn)(struct ctx *, struct rm_json_iter *, void *);

#define TEXT_DEPTH_MAX 3 /* a record in a string, its properties in a string, a column in those */

const char *rm_rec_json_reason(int jerr)
{
	switch (jerr) {
	case RM_JSON_INCOMPLETE: return "truncated JSON";
	case RM_JSON_TOO_DEEP: return "nesting too deep";
	default: return "malformed JSON";
	}
}

int rm_rec_broken(struct ctx *c, int jerr, size_t pos)
{
	if (!c->jerr) {
		c->jerr = jerr;
		c->jpos = pos;
	}
	return -1;
}

static void field_err(const char **slot, const char *why)
{
	if (!*slot)
		*slot = why;
}

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

/* ASCII case-insensitive comparison of a key with a name of that length. */
static int ci_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int key_is(struct rm_str k, const char *lit, size_t n)
{
	return k.n == n && ci_eq(k.p, lit, n);
}

#define KEY(k, lit) key_is((k), lit, sizeof(lit) - 1)

/* A name's signature: its length, first and last byte with the ASCII case
 * bit set (names equal but for case share it), so most rows are ruled out
 * by one integer compare, and most names revmon does not read by one bit
 * of sig_bloom, both worked out at compile time from fields.def. */
#define SIG(n) (((unsigned)(sizeof(n) - 1) << 16) | ((unsigned)((n)[0] | 0x20) << 8) | \
                (unsigned)((n)[sizeof(n) - 2] | 0x20))
/* 256 bits of bloom, in four words */
#define SIG_H(sig) ((((sig) * 2654435761u) >> 24) & 255u)
#define SIG_BIT(sig, w) (SIG_H(sig) >> 6 == (w) ? 1ull << (SIG_H(sig) & 63u) : 0ull)

static const struct {
	const char *name;
	unsigned sig;
	unsigned char len;
	unsigned char key;
} field_map[] = {
#define F(n, k) {n, SIG(n), sizeof(n) - 1, k},
#include "fields.def"
#undef F
};

static const uint64_t sig_bloom[4] = {
	0
#define F(n, k) | SIG_BIT(SIG(n), 0)
#include "fields.def"
#undef F
	, 0
#define F(n, k) | SIG_BIT(SIG(n), 1)
#include "fields.def"
#undef F
	, 0
#define F(n, k) | SIG_BIT(SIG(n), 2)
#include "fields.def"
#undef F
	, 0
#define F(n, k) | SIG_BIT(SIG(n), 3)
#include "fields.def"
#undef F
};

enum key rm_rec_key(struct rm_str name)
{
	unsigned sig;

	if (!name.n || name.n > 255)
		return K_OTHER;
	sig = (unsigned)name.n << 16 | (unsigned)((unsigned char)name.p[0] | 0x20) << 8 |
	      (unsigned)((unsigned char)name.p[name.n - 1] | 0x20);
	if (!(sig_bloom[SIG_H(sig) >> 6] & (1ull << (SIG_H(sig) & 63u))))
		return K_OTHER;
	for (size_t i = 0; i < sizeof field_map / sizeof field_map[0]; i++)
		if (field_map[i].sig == sig && ci_eq(name.p, field_map[i].name, name.n))
			return (enum key)field_map[i].key;
	return K_OTHER;
}

int rm_rec_key_dynamic(enum key k)
{
	return k == K_DEVICE || k == K_STATUS || k == K_EVTYPES || k == K_APD || k == K_INITIATED ||
	       k == K_TARGETS || k == K_PROPERTIES;
}

/* ---- walking: json_scan's iterator, descending in place ---- */

static char at(const struct rm_json_iter *it)
{
	return it->buf[it->pos];
}

/* Consume the value at the iterator into *v. */
static int walk_value(struct ctx *c, struct rm_json_iter *it, struct rm_json_val *v)
{
	int r = rm_json_iter_value(it, v);

	return r < 0 ? rm_rec_broken(c, r, it->pos) : 0;
}

static int skip(struct ctx *c, struct rm_json_iter *it)
{
	struct rm_json_val v;

	return walk_value(c, it, &v);
}

/* Call fn on each member of the object o is in (fn consumes the value). An
 * escaped key is decoded, so "i\u0064" is "id"; one that does not decode
 * into kbuf stays raw and matches no name we read. */
static int walk_members(struct ctx *c, struct rm_json_iter *o, member_fn fn, void *arg)
{
	struct rm_str key;
	char kbuf[64];
	long dn;
	int r;

	while ((r = rm_json_obj_key(o, &key)) > 0) {
		if (o->key_esc && (dn = rm_json_unescape(key, kbuf, sizeof kbuf)) >= 0) {
			key.p = kbuf;
			key.n = (size_t)dn;
		}
		if (fn(c, o, key, arg) < 0)
			return -1;
	}
	return r < 0 ? rm_rec_broken(c, r, o->pos) : 0;
}

/* Walk the object at the iterator, calling fn on each member. */
static int walk_obj(struct ctx *c, struct rm_json_iter *it, member_fn fn, void *arg)
{
	struct rm_json_iter o;

	rm_json_obj_enter(it, &o);
	if (walk_members(c, &o, fn, arg) < 0)
		return -1;
	return rm_json_iter_leave(it, &o) < 0 ? rm_rec_broken(c, RM_JSON_BAD, it->pos) : 0;
}

static int walk_elems(struct ctx *c, struct rm_json_iter *a, elem_fn fn, void *arg)
{
	int r;

	while ((r = rm_json_arr_elem(a)) > 0)
		if (fn(c, a, arg) < 0)
			return -1;
	return r < 0 ? rm_rec_broken(c, r, a->pos) : 0;
}

/* Walk the array at the iterator, calling fn on each element (fn consumes it). */
static int walk_arr(struct ctx *c, struct rm_json_iter *it, elem_fn fn, void *arg)
{
	struct rm_json_iter a;

	rm_json_arr_enter(it, &a);
	if (walk_elems(c, &a, fn, arg) < 0)
		return -1;
	return rm_json_iter_leave(it, &a) < 0 ? rm_rec_broken(c, RM_JSON_BAD, it->pos) : 0;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* An empty dynamic cell: "", "null", Python's "None" (az CLI). */
static int absent_text(struct rm_str s)
{
	return s.n == 0 || rm_json_str_eq(s, "null") || rm_json_str_eq(s, "None");
}

/* JSON text inside a string: decode it into the arena and walk it with the
 * handlers of the value it stands for (open is '{' or '['). Broken text is
 * a field error of the record, whose own structure is intact. */
static int walk_text(struct ctx *c, struct rm_str raw, const char **err, const char *why,
                     char open, member_fn ofn, elem_fn afn, void *arg)
{
	struct ctx sub;
	struct rm_json_iter it;
	char *p;
	long dn;
	size_t s, e;
	int r;

	if (absent_text(raw))
		return 0;
	if (!c->arena || c->text_depth >= TEXT_DEPTH_MAX) {
		field_err(err, c->arena ? "JSON text nested too deeply" : why);
		return 0;
	}
	p = rm_arena_alloc(c->arena, raw.n + 1);
	if (!p || (dn = rm_json_unescape(raw, p, raw.n + 1)) < 0) {
		field_err(err, p ? why : "out of memory decoding JSON text");
		return 0;
	}
	s = rm_json_skip_ws(p, (size_t)dn, 0);
	for (e = (size_t)dn; e > s && is_ws(p[e - 1]); e--)
		;
	if (s == e || p[s] != open) {
		field_err(err, why);
		return 0;
	}
	sub = *c;
	sub.jerr = 0;
	sub.sink = NULL;
	sub.container = 0;
	sub.text_depth++;
	if (open == '{') {
		rm_json_obj_begin(&it, p + s, e - s);
		r = walk_members(&sub, &it, ofn, arg);
	} else {
		rm_json_arr_begin(&it, p + s, e - s);
		r = walk_elems(&sub, &it, afn, arg);
	}
	if (r < 0 || rm_json_skip_ws(p + s, e - s, it.pos) != e - s)
		field_err(err, why);
	return 0;
}

/* ---- values ---- */

/* An optional string: absent or null leaves *out alone; anything else but a
 * valid string is a field error. Sets bit in *has when present. */
static int get_str(struct ctx *c, struct rm_json_iter *it, const char **err, struct rm_str *out,
                   unsigned *has, unsigned bit, const char *why)
{
	struct rm_json_val v;

	if (walk_value(c, it, &v) < 0)
		return -1;
	if (v.type == RM_JSON_STRING && rm_json_str_valid(v.s)) {
		*out = v.s;
		if (has)
			*has |= bit;
	} else if (v.type != RM_JSON_NULL) {
		field_err(err, why);
	}
	return 0;
}

/* A timestamp: absent when null (or an empty cell: "", "None"); anything
 * but a parseable string is an error. */
static int get_time(struct ctx *c, struct rm_json_iter *it, const char **err, int64_t *ms, unsigned *has,
                    unsigned bit, const char *why)
{
	struct rm_json_val v;

	if (walk_value(c, it, &v) < 0)
		return -1;
	if (v.type == RM_JSON_NULL || (v.type == RM_JSON_STRING && absent_text(v.s)))
		return 0;
	if (v.type == RM_JSON_STRING && rm_time_parse_any(v.s.p, v.s.n, ms) == 0)
		*has |= bit;
	else
		field_err(err, why);
	return 0;
}

/* An optional object (open '{') or array ('['): descend, decode JSON text
 * of one, accept null, or complain. */
static int get_dyn(struct ctx *c, struct rm_json_iter *it, const char **err, const char *why,
                   char open, member_fn ofn, elem_fn afn, void *arg)
{
	struct rm_json_val v;

	if (at(it) == open)
		return open == '{' ? walk_obj(c, it, ofn, arg) : walk_arr(c, it, afn, arg);
	if (walk_value(c, it, &v) < 0)
		return -1;
	if (v.type == RM_JSON_STRING)
		return walk_text(c, v.s, err, why, open, ofn, afn, arg);
	if (v.type != RM_JSON_NULL)
		field_err(err, why);
	return 0;
}

static int get_obj(struct ctx *c, struct rm_json_iter *it, const char **err, const char *why,
                   member_fn fn, void *arg)
{
	return get_dyn(c, it, err, why, '{', fn, NULL, arg);
}

static int get_arr(struct ctx *c, struct rm_json_iter *it, const char **err, const char *why,
                   elem_fn fn, void *arg)
{
	return get_dyn(c, it, err, why, '[', NULL, fn, arg);
}

int rm_rec_int32(struct rm_str s, int32_t *out)
{
	struct rm_json_val v = {RM_JSON_NUMBER, s};
	int64_t x;
	size_t i = s.n > 0 && s.p[0] == '-';

	if (i >= s.n || (s.p[i] == '0' && s.n > i + 1) || rm_json_int64(v, &x) < 0 ||
	    x < INT32_MIN || x > INT32_MAX)
		return -1;
	*out = (int32_t)x;
	return 0;
}

/* An integer code, as a number (Graph) or a string of digits (exports,
 * az CLI); absent when null. 1 set, 0 absent, -1 bad. */
static int code_value(struct rm_json_val v, int32_t *out)
{
	int64_t code;

	if (v.type == RM_JSON_NULL || (v.type == RM_JSON_STRING && absent_text(v.s)))
		return 0;
	if (v.type == RM_JSON_NUMBER && rm_json_int64(v, &code) == 0 && code >= INT32_MIN &&
	    code <= INT32_MAX) {
		*out = (int32_t)code;
		return 1;
	}
	if (v.type == RM_JSON_STRING && rm_rec_int32(v.s, out) == 0)
		return 1;
	return -1;
}

/* A boolean, or its text ("True" from az CLI and CSV): 1, 0, -1 absent,
 * -2 bad. */
static int bool_value(struct rm_json_val v)
{
	if (v.type == RM_JSON_TRUE || v.type == RM_JSON_FALSE)
		return v.type == RM_JSON_TRUE;
	if (v.type == RM_JSON_NULL || (v.type == RM_JSON_STRING && absent_text(v.s)))
		return -1;
	if (v.type == RM_JSON_STRING && rm_json_str_eq_ci(v.s, "true"))
		return 1;
	if (v.type == RM_JSON_STRING && rm_json_str_eq_ci(v.s, "false"))
		return 0;
	return -2;
}

/* ---- nested objects ---- */

static int device_member(struct ctx *c, struct rm_json_iter *it, struct rm_str key, void *arg)
{
	struct gf *g = arg;

	if (KEY(key, "deviceId"))
		return get_str(c, it, &g->err, &g->device_id, NULL, 0, "deviceDetail.deviceId: not a valid string");
	if (KEY(key, "operatingSystem"))
		return get_str(c, it, &g->err, &g->os, NULL, 0,
		               "deviceDetail.operatingSystem: not a valid string");
	return skip(c, it);
}

static int status_member(struct ctx *c, struct rm_json_iter *it, struct rm_str key, void *arg)
{
	struct gf *g = arg;
	struct rm_json_val v;
	int r;

	if (KEY(key, "errorCode")) {
		if (walk_value(c, it, &v) < 0)
			return -1;
		r = code_value(v, &g->code);
		if (r > 0)
			g->has |= H_CODE;
		else if (r < 0)
			field_err(&g->err, "status.errorCode: not an integer");
		return 0;
	}
	if (KEY(key, "failureReason"))
		return get_str(c, it, &g->err, &g->failure, &g->has, H_FAILURE,
		               "status.failureReason: not a valid string");
	return skip(c, it);
}

static int evtype_elem(struct ctx *c, struct rm_json_iter *it, void *arg)
{
	struct gf *g = arg;
	struct rm_json_val v;

	if (walk_value(c, it, &v) < 0)
		return -1;
	if (v.type != RM_JSON_STRING)
		return 0;
	if (rm_json_str_eq_ci(v.s, "interactiveUser"))
		g->evtypes_inter = 1;
	else if (rm_json_str_eq_ci(v.s, "servicePrincipal") || rm_json_str_eq_ci(v.s, "managedIdentity"))
		g->evtypes_other = 1;
	return 0;
}

struct kv {
	struct rm_json_val k, v;
};

static int kv_member(struct ctx *c, struct rm_json_iter *it, struct rm_str key, void *arg)
{
	struct kv *kv = arg;

	if (KEY(key, "key"))
		return walk_value(c, it, &kv->k);
	if (KEY(key, "value"))
		return walk_value(c, it, &kv->v);
	return skip(c, it);
}

static int apd_elem(struct ctx *c, struct rm_json_iter *it, void *arg)
{
	struct gf *g = arg;
	struct kv kv = {{RM_JSON_INVALID, {NULL, 0}}, {RM_JSON_INVALID, {NULL, 0}}};

	if (at(it) != '{')
		return skip(c, it);
	if (walk_obj(c, it, kv_member, &kv) < 0)
		return -1;
	/* the first "Is CAE Token" with a True/False value decides */
	if (g->cae < 0 && kv.k.type == RM_JSON_STRING && kv.v.type == RM_JSON_STRING &&
	    rm_json_str_eq(kv.k.s, "Is CAE Token")) {
		if (rm_json_str_eq_ci(kv.v.s, "true"))
			g->cae = 1;
		else if (rm_json_str_eq_ci(kv.v.s, "false"))
			g->cae = 0;
	}
	return 0;
}

static int app_member(struct ctx *c, struct rm_json_iter *it, struct rm_str key, void *arg)
{
	struct gf *g = arg;

	if (KEY(key, "displayName"))
		return get_str(c, it, &g->err, &g->initiator_app, NULL, 0,
		               "initiatedBy.app.displayName: not a valid string");
	return skip(c, it);
}

static int initiated_member(struct ctx *c, struct rm_json_iter *it, struct rm_str key, void *arg)
{
	struct gf *g = arg;

	if (KEY(key, "app"))
		return get_obj(c, it, &g->err, "initiatedBy.app: not an object", app_member, g);
	return skip(c, it);
}

/* One targetResources element, gathered before we know whether it is the User. */
struct target {
	struct gf *g;
	struct rm_str id, upn, type;
	unsigned has;
	int64_t valid_from_ms;
	int8_t disabled;
};

#define TG_TYPE 1u

struct modprop {
	struct gf *g;
	struct rm_str name, new_value;
	unsigned has;
};

#define MP_NAME 1u
#define MP_NEW 2u

static int modprop_member(struct ctx *c, struct rm_json_iter *it, struct rm_str key, void *arg)
{
	struct modprop *mp = arg;

	if (KEY(key, "displayName"))
		return get_str(c, it, &mp->g->err, &mp->name, &mp->has, MP_NAME,
		               "modifiedProperties.displayName: not a valid string");
	if (KEY(key, "newValue"))
		return get_str(c, it, &mp->g->err, &mp->new_value, &mp->has, MP_NEW,
		               "modifiedProperties.newValue: not a valid string");
	return skip(c, it);
}

/* A modified property's value is JSON text inside a JSON string, usually a
 * one-element array: "[\"2025-03-04T10:05:00Z\"]". Decode it into dec and
 * return 0 with *first its first element (the value itself when it is not an
 * array; RM_JSON_INVALID for "[]"), -1 when the text is not JSON (*text is
 * the trimmed text then), -2 when it does not fit. */
static int mp_value(struct rm_str raw, char *dec, size_t cap, struct rm_str *text,
                    struct rm_json_val *first)
{
	long n = rm_json_unescape(raw, dec, cap);
	struct rm_json_iter it;
	enum rm_json_type t;
	size_t s, e, end;

	if (n < 0)
		return -2;
	s = rm_json_skip_ws(dec, (size_t)n, 0);
	e = (size_t)n;
	while (e > s && is_ws(dec[e - 1]))
		e--;
	text->p = dec + s;
	text->n = e - s;
	if (s == e || rm_json_value_end(dec, e, s, &end, &t) != RM_JSON_OK || end != e)
		return -1;
	if (t != RM_JSON_ARRAY) {
		first->type = t;
		first->s = t == RM_JSON_STRING ? (struct rm_str){dec + s + 1, e - s - 2} : *text;
		return 0;
	}
	rm_json_arr_begin(&it, dec + s, e - s);
	if (rm_json_arr_next(&it, first) <= 0)
		first->type = RM_JSON_INVALID;
	return 0;
}

static void modprop_apply(struct target *t, const struct modprop *mp)
{
	static const char bad_ts[] = "StsRefreshTokensValidFrom: not a timestamp";
	char dec[512];
	struct rm_str text;
	struct rm_json_val first;
	int64_t ms;
	int r;

	if ((mp->has & (MP_NAME | MP_NEW)) != (MP_NAME | MP_NEW))
		return;
	if (rm_json_str_eq_ci(mp->name, "StsRefreshTokensValidFrom")) {
		r = mp_value(mp->new_value, dec, sizeof dec, &text, &first);
		if (r == -1) {
			/* tolerate a bare timestamp */
			if (rm_time_parse(text.p, text.n, &ms) == 0)
				t->valid_from_ms = ms;
			else
				field_err(&t->g->err, bad_ts);
		} else if (r == 0 && first.type == RM_JSON_STRING &&
		           rm_time_parse(first.s.p, first.s.n, &ms) == 0) {
			t->valid_from_ms = ms;
		} else if (!(r == 0 && first.type == RM_JSON_INVALID)) {
			field_err(&t->g->err, bad_ts);
		}
	} else if (rm_json_str_eq_ci(mp->name, "AccountEnabled")) {
		if (mp_value(mp->new_value, dec, sizeof dec, &text, &first) == 0 &&
		    first.type == RM_JSON_FALSE)
			t->disabled = 1;
	}
}

static int modprop_elem(struct ctx *c, struct rm_json_iter *it, void *arg)
{
	struct target *t = arg;
	struct modprop mp;

	if (at(it) != '{')
		return skip(c, it);
	memset(&mp, 0, sizeof mp);
	mp.g = t->g;
	if (walk_obj(c, it, modprop_member, &mp) < 0)
		return -1;
	modprop_apply(t, &mp);
	return 0;
}

static int target_member(struct ctx *c, struct rm_json_iter *it, struct rm_str key, void *arg)
{
	struct target *t = arg;
	const char **err = &t->g->err;

	if (KEY(key, "id"))
		return get_str(c, it, err, &t->id, NULL, 0, "targetResources.id: not a valid string");
	if (KEY(key, "userPrincipalName"))
		return get_str(c, it, err, &t->upn, NULL, 0,
		               "targetResources.userPrincipalName: not a valid string");
	if (KEY(key, "type"))
		return get_str(c, it, err, &t->type, &t->has, TG_TYPE,
		               "targetResources.type: not a valid string");
	if (KEY(key, "modifiedProperties"))
		return get_arr(c, it, err, "modifiedProperties: not an array", modprop_elem, t);
	return skip(c, it);
}

static int target_elem(struct ctx *c, struct rm_json_iter *it, void *arg)
{
	struct gf *g = arg;
	struct target t;

	if (at(it) != '{')
		return skip(c, it);
	memset(&t, 0, sizeof t);
	t.g = g;
	if (walk_obj(c, it, target_member, &t) < 0)
		return -1;
	/* the first User target is the subject of the audit */
	if (!g->has_target && (t.has & TG_TYPE) && rm_json_str_eq_ci(t.type, "User")) {
		g->has_target = 1;
		g->tgt_id = t.id;
		g->tgt_upn = t.upn;
		g->valid_from_ms = t.valid_from_ms;
		g->disabled = t.disabled;
	}
	return 0;
}

/* ---- the record's members ---- */

static int member(struct ctx *c, struct rm_json_iter *it, struct rm_str key, void *arg)
{
	return rm_rec_member(c, it, rm_rec_key(key), arg);
}

int rm_rec_walk_members(struct ctx *c, struct rm_json_iter *o, struct gf *g)
{
	return walk_members(c, o, member, g);
}

/* A member of an export's envelope or a row's table columns (the record's
 * top level only). */
static int envelope_member(struct ctx *c, struct rm_json_iter *it, enum key id, struct top *t)
{
	struct rm_json_val v;

	switch (id) {
	case K_TIME:
		return get_time(c, it, &t->env_err, &t->time_ms, &t->has, T_TIME,
		                "time: not a timestamp");
	case K_RECEIVED:
		return get_time(c, it, &t->env_err, &t->received_ms, &t->has, T_RECEIVED,
		                "_TimeReceived: not a timestamp");
	case K_CATEGORY:
		return get_str(c, it, &t->env_err, &t->category, &t->has, T_CATEGORY,
		               "category: not a valid string");
	case K_TABLE:
		return get_str(c, it, &t->env_err, &t->table, &t->has, T_TABLE, "Type: not a valid string");
	case K_RESULT_TYPE:
		if (walk_value(c, it, &v) < 0)
			return -1;
		/* a string in exports and tables, a number from some forwarders */
		if ((v.type == RM_JSON_STRING || v.type == RM_JSON_NUMBER) && !absent_text(v.s)) {
			t->result_type = v.s;
			t->has |= T_RESULT_TYPE;
		} else if (v.type != RM_JSON_NULL && v.type != RM_JSON_STRING) {
			field_err(&t->env_err, "resultType: not a valid string");
		}
		return 0;
	case K_RESULT_DESC:
		return get_str(c, it, &t->env_err, &t->result_desc, &t->has, T_RESULT_DESC,
		               "resultDescription: not a valid string");
	case K_OPERATION:
		return get_str(c, it, &t->env_err, &t->operation, &t->has, T_OPERATION,
		               "operationName: not a valid string");
	case K_PROPERTIES:
		if (t->has_props || (at(it) != '{' && at(it) != '"'))
			return skip(c, it);
		t->has_props = 1;
		return get_obj(c, it, &t->env_err, "properties: not an object or its JSON text", member,
		               &t->props);
	case K_VALUE:
	case K_RECORDS:
	case K_TABLES:
		if (c->contain && at(it) == '[')
			return c->contain(c, it, id);
		return skip(c, it);
	case K_NEXTLINK:
		if (walk_value(c, it, &v) < 0)
			return -1;
		if (v.type == RM_JSON_STRING) {
			t->next_link = v.s;
			t->has |= T_NEXT_LINK;
		}
		return 0;
	default:
		return skip(c, it);
	}
}

static int signin_member(struct ctx *c, struct rm_json_iter *it, enum key id, struct gf *g)
{
	struct rm_json_val v;
	int b;

	switch (id) {
	case K_APP_ID:
		return get_str(c, it, &g->err, &g->app_id, NULL, 0, "appId: not a valid string");
	case K_APP_NAME:
		return get_str(c, it, &g->err, &g->app_name, NULL, 0,
		               "appDisplayName: not a valid string");
	case K_DEVICE:
		return get_obj(c, it, &g->err, "deviceDetail: not an object", device_member, g);
	case K_DEVICE_ID:
		return get_str(c, it, &g->err, &g->device_id, NULL, 0, "deviceId: not a valid string");
	case K_OS:
		return get_str(c, it, &g->err, &g->os, NULL, 0, "operatingSystem: not a valid string");
	case K_STATUS:
		return get_obj(c, it, &g->err, "status: not an object", status_member, g);
	case K_IS_INTER:
		if (walk_value(c, it, &v) < 0)
			return -1;
		b = bool_value(v);
		if (b >= 0)
			g->inter = (int8_t)b;
		else if (b == -2)
			field_err(&g->err, "isInteractive: not a boolean");
		return 0;
	case K_EVTYPES:
		if (g->evtypes_inter < 0)
			g->evtypes_inter = 0;
		return get_arr(c, it, &g->err, "signInEventTypes: not an array", evtype_elem, g);
	case K_APD:
		return get_arr(c, it, &g->err, "authenticationProcessingDetails: not an array",
		               apd_elem, g);
	default:
		return skip(c, it);
	}
}

static int audit_member(struct ctx *c, struct rm_json_iter *it, enum key id, struct gf *g)
{
	switch (id) {
	case K_ACT_TIME:
		g->has |= K_SEEN_AUDIT;
		return get_time(c, it, &g->err, &g->act_time_ms, &g->has, H_ACT_TIME,
		                "activityDateTime: not a timestamp");
	case K_ACT_NAME:
		g->has |= K_SEEN_AUDIT;
		return get_str(c, it, &g->err, &g->activity, &g->has, H_ACTIVITY,
		               "activityDisplayName: not a valid string");
	case K_SERVICE:
		return get_str(c, it, &g->err, &g->service, NULL, 0,
		               "loggedByService: not a valid string");
	case K_RESULT:
		return get_str(c, it, &g->err, &g->result, NULL, 0, "result: not a valid string");
	case K_INITIATED:
		return get_obj(c, it, &g->err, "initiatedBy: not an object", initiated_member, g);
	case K_TARGETS:
		return get_arr(c, it, &g->err, "targetResources: not an array", target_elem, g);
	default:
		return signin_member(c, it, id, g);
	}
}

int rm_rec_member(struct ctx *c, struct rm_json_iter *it, enum key id, struct gf *g)
{
	if (id > K_TOP && id != K_DEVICE_ID && id != K_OS)
		return g->top ? envelope_member(c, it, id, g->top) : skip(c, it);
	switch (id) {
	case K_ID:
		return get_str(c, it, &g->err, &g->id, &g->has, H_ID, "id: not a valid string");
	case K_CREATED:
		g->has |= K_SEEN_CREATED;
		return get_time(c, it, &g->err, &g->created_ms, &g->has, H_CREATED,
		                "createdDateTime: not a timestamp");
	case K_CORR:
		return get_str(c, it, &g->err, &g->corr, &g->has, H_CORR,
		               "correlationId: not a valid string");
	case K_USER_ID:
		return get_str(c, it, &g->err, &g->user_id, NULL, 0, "userId: not a valid string");
	case K_UPN:
		return get_str(c, it, &g->err, &g->upn, NULL, 0, "userPrincipalName: not a valid string");
	case K_RISK:
		g->has |= K_SEEN_RISK;
		return skip(c, it);
	default:
		return audit_member(c, it, id, g);
	}
}
