#include "records.h"

#include <string.h>

#include "aadsts_text.h"
#include "json_scan.h"
#include "util/util.h"

/*
 * One pass per record: json_scan's iterator steps over an object's members
 * (json_scan holds the only copy of the JSON rules), a key table maps the few
 * names revmon reads to a handler, and every other value is skipped by the
 * iterator (which still validates it). Nested objects we need (status,
 * deviceDetail, properties, ...) are entered in place rather than skipped
 * first and re-read.
 *
 * Two kinds of failure: a broken structure (the record's end cannot be
 * found; the walk stops) and a field of the wrong type or value (the walk
 * goes on to the record's end, so a container can move to the next element,
 * and the first such reason is reported).
 */

#define BROKEN (-10) /* internal: structure broken, record end unknown */

struct ctx {
	int jerr;     /* first structural error (RM_JSON_*) */
	size_t jpos;  /* where it was found, in the iterators' buffer */
	size_t base;  /* that buffer's offset in the document */
	/* rm_doc_parse only: the top-level object may be a container */
	const struct rm_sink *sink;
	struct rm_doc_result *res;
	int container;
};

/* Graph-shaped fields of one object (a Graph record, or an export's
 * properties). */
struct gf {
	struct top *top; /* the enclosing record, at level 0 only */
	const char *err; /* first field error */
	unsigned has;
	struct rm_str id, corr, user_id, upn, app_id, app_name, device_id, failure;
	struct rm_str activity, service, initiator_app, result;
	int64_t created_ms, act_time_ms;
	int32_t code;
	int8_t inter, evtypes_inter, cae;
	int8_t has_target, disabled;
	struct rm_str tgt_id, tgt_upn;
	int64_t valid_from_ms;
};

/* gf.has bits */
#define H_ID (1u << 0)
#define H_CORR (1u << 1)
#define H_CREATED (1u << 2)     /* createdDateTime parsed */
#define H_ACT_TIME (1u << 3)    /* activityDateTime parsed */
#define H_ACTIVITY (1u << 4)
#define H_CODE (1u << 5)
#define H_FAILURE (1u << 6)
#define K_SEEN_CREATED (1u << 7) /* the key is there, whatever its value */
#define K_SEEN_AUDIT (1u << 8)   /* activityDateTime or activityDisplayName */

/* The top level of a record: Graph fields, plus an export's envelope. */
struct top {
	struct gf g;
	const char *env_err; /* errors in envelope fields count for exports only */
	struct gf props;
	int has_props;
	unsigned has;
	int64_t time_ms;
	struct rm_str category, result_type, result_desc, operation, next_link;
};

#define T_TIME (1u << 0)
#define T_CATEGORY (1u << 1)
#define T_RESULT_TYPE (1u << 2)
#define T_RESULT_DESC (1u << 3)
#define T_OPERATION (1u << 4)
#define T_NEXT_LINK (1u << 5)

static const char *json_reason(int jerr)
{
	switch (jerr) {
	case RM_JSON_INCOMPLETE: return "truncated JSON";
	case RM_JSON_TOO_DEEP: return "nesting too deep";
	default: return "malformed JSON";
	}
}

static int broken(struct ctx *c, int jerr, size_t pos)
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

/* ---- walking: json_scan's iterator, descending in place ---- */

static char at(const struct rm_json_iter *it)
{
	return it->buf[it->pos];
}

/* Consume the value at the iterator into *v. */
static int walk_value(struct ctx *c, struct rm_json_iter *it, struct rm_json_val *v)
{
	int r = rm_json_iter_value(it, v);

	return r < 0 ? broken(c, r, it->pos) : 0;
}

static int skip(struct ctx *c, struct rm_json_iter *it)
{
	struct rm_json_val v;

	return walk_value(c, it, &v);
}

/* Call fn on each member of the object o is in (fn consumes the value). An
 * escaped key is decoded, so "i\u0064" is "id"; one that does not decode
 * into kbuf stays raw and matches no name we read. */
static int walk_members(struct ctx *c, struct rm_json_iter *o,
                        int (*fn)(struct ctx *, struct rm_json_iter *, struct rm_str, void *),
                        void *arg)
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
	return r < 0 ? broken(c, r, o->pos) : 0;
}

/* Walk the object at the iterator, calling fn on each member. */
static int walk_obj(struct ctx *c, struct rm_json_iter *it,
                    int (*fn)(struct ctx *, struct rm_json_iter *, struct rm_str, void *), void *arg)
{
	struct rm_json_iter o;

	rm_json_obj_enter(it, &o);
	if (walk_members(c, &o, fn, arg) < 0)
		return -1;
	return rm_json_iter_leave(it, &o) < 0 ? broken(c, RM_JSON_BAD, it->pos) : 0;
}

/* Walk the array at the iterator, calling fn on each element (fn consumes it). */
static int walk_arr(struct ctx *c, struct rm_json_iter *it,
                    int (*fn)(struct ctx *, struct rm_json_iter *, void *), void *arg)
{
	struct rm_json_iter a;
	int r;

	rm_json_arr_enter(it, &a);
	while ((r = rm_json_arr_elem(&a)) > 0)
		if (fn(c, &a, arg) < 0)
			return -1;
	if (r < 0)
		return broken(c, r, a.pos);
	return rm_json_iter_leave(it, &a) < 0 ? broken(c, RM_JSON_BAD, it->pos) : 0;
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

/* A required-format timestamp: anything but a parseable string is an error. */
static int get_time(struct ctx *c, struct rm_json_iter *it, const char **err, int64_t *ms, unsigned *has,
                    unsigned bit, const char *why)
{
	struct rm_json_val v;

	if (walk_value(c, it, &v) < 0)
		return -1;
	if (v.type == RM_JSON_STRING && rm_time_parse(v.s.p, v.s.n, ms) == 0)
		*has |= bit;
	else
		field_err(err, why);
	return 0;
}

/* An optional object or array: descend, or accept null, or complain. */
static int get_obj(struct ctx *c, struct rm_json_iter *it, const char **err, const char *why,
                   int (*fn)(struct ctx *, struct rm_json_iter *, struct rm_str, void *), void *arg)
{
	struct rm_json_val v;

	if (at(it) == '{')
		return walk_obj(c, it, fn, arg);
	if (walk_value(c, it, &v) < 0)
		return -1;
	if (v.type != RM_JSON_NULL)
		field_err(err, why);
	return 0;
}

static int get_arr(struct ctx *c, struct rm_json_iter *it, const char **err, const char *why,
                   int (*fn)(struct ctx *, struct rm_json_iter *, void *), void *arg)
{
	struct rm_json_val v;

	if (at(it) == '[')
		return walk_arr(c, it, fn, arg);
	if (walk_value(c, it, &v) < 0)
		return -1;
	if (v.type != RM_JSON_NULL)
		field_err(err, why);
	return 0;
}

static int key_is(struct rm_str k, const char *lit, size_t n)
{
	return k.n == n && memcmp(k.p, lit, n) == 0;
}

#define KEY(k, lit) key_is((k), lit, sizeof(lit) - 1)

/* ---- nested objects ---- */

static int device_member(struct ctx *c, struct rm_json_iter *it, struct rm_str key, void *arg)
{
	struct gf *g = arg;

	if (KEY(key, "deviceId"))
		return get_str(c, it, &g->err, &g->device_id, NULL, 0, "deviceDetail.deviceId: not a valid string");
	return skip(c, it);
}

static int status_member(struct ctx *c, struct rm_json_iter *it, struct rm_str key, void *arg)
{
	struct gf *g = arg;
	struct rm_json_val v;
	int64_t code;

	if (KEY(key, "errorCode")) {
		if (walk_value(c, it, &v) < 0)
			return -1;
		if (v.type == RM_JSON_NUMBER && rm_json_int64(v, &code) == 0 && code >= INT32_MIN &&
		    code <= INT32_MAX) {
			g->code = (int32_t)code;
			g->has |= H_CODE;
		} else if (v.type != RM_JSON_NULL) {
			field_err(&g->err, "status.errorCode: not an integer");
		}
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
	if (v.type == RM_JSON_STRING && rm_json_str_eq(v.s, "interactiveUser"))
		g->evtypes_inter = 1;
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

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
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

enum key {
	K_OTHER = 0,
	K_ID, K_CREATED, K_ACT_TIME, K_ACT_NAME, K_CORR, K_USER_ID, K_UPN, K_APP_ID, K_APP_NAME,
	K_DEVICE, K_STATUS, K_IS_INTER, K_EVTYPES, K_APD, K_SERVICE, K_INITIATED, K_RESULT,
	K_TARGETS,
	K_TOP, /* the keys below count only at a record's top level */
	K_TIME, K_CATEGORY, K_RESULT_TYPE, K_RESULT_DESC, K_OPERATION, K_PROPERTIES,
	K_VALUE, K_RECORDS, K_NEXTLINK,
};

/* Switch on the length first: one or two memcmp per key. */
static enum key key_lookup(struct rm_str k)
{
	switch (k.n) {
	case 2: if (KEY(k, "id")) return K_ID; break;
	case 4: if (KEY(k, "time")) return K_TIME; break;
	case 5:
		if (KEY(k, "appId")) return K_APP_ID;
		if (KEY(k, "value")) return K_VALUE;
		break;
	case 6:
		if (KEY(k, "userId")) return K_USER_ID;
		if (KEY(k, "status")) return K_STATUS;
		if (KEY(k, "result")) return K_RESULT;
		break;
	case 7: if (KEY(k, "records")) return K_RECORDS; break;
	case 8: if (KEY(k, "category")) return K_CATEGORY; break;
	case 10:
		if (KEY(k, "properties")) return K_PROPERTIES;
		if (KEY(k, "resultType")) return K_RESULT_TYPE;
		break;
	case 11: if (KEY(k, "initiatedBy")) return K_INITIATED; break;
	case 12: if (KEY(k, "deviceDetail")) return K_DEVICE; break;
	case 13:
		if (KEY(k, "correlationId")) return K_CORR;
		if (KEY(k, "isInteractive")) return K_IS_INTER;
		if (KEY(k, "operationName")) return K_OPERATION;
		break;
	case 14: if (KEY(k, "appDisplayName")) return K_APP_NAME; break;
	case 15:
		if (KEY(k, "createdDateTime")) return K_CREATED;
		if (KEY(k, "loggedByService")) return K_SERVICE;
		if (KEY(k, "targetResources")) return K_TARGETS;
		if (KEY(k, "@odata.nextLink")) return K_NEXTLINK;
		break;
	case 16:
		if (KEY(k, "activityDateTime")) return K_ACT_TIME;
		if (KEY(k, "signInEventTypes")) return K_EVTYPES;
		break;
	case 17:
		if (KEY(k, "userPrincipalName")) return K_UPN;
		if (KEY(k, "resultDescription")) return K_RESULT_DESC;
		break;
	case 19: if (KEY(k, "activityDisplayName")) return K_ACT_NAME; break;
	case 31: if (KEY(k, "authenticationProcessingDetails")) return K_APD; break;
	}
	return K_OTHER;
}

static int doc_elements(struct ctx *c, struct rm_json_iter *it);

static int graph_member(struct ctx *c, struct rm_json_iter *it, struct rm_str key, void *arg);

/* A member of an export's envelope (the record's top level only). */
static int envelope_member(struct ctx *c, struct rm_json_iter *it, enum key id, struct top *t)
{
	struct rm_json_val v;

	switch (id) {
	case K_TIME:
		return get_time(c, it, &t->env_err, &t->time_ms, &t->has, T_TIME,
		                "time: not a timestamp");
	case K_CATEGORY:
		return get_str(c, it, &t->env_err, &t->category, &t->has, T_CATEGORY,
		               "category: not a valid string");
	case K_RESULT_TYPE:
		return get_str(c, it, &t->env_err, &t->result_type, &t->has, T_RESULT_TYPE,
		               "resultType: not a valid string");
	case K_RESULT_DESC:
		return get_str(c, it, &t->env_err, &t->result_desc, &t->has, T_RESULT_DESC,
		               "resultDescription: not a valid string");
	case K_OPERATION:
		return get_str(c, it, &t->env_err, &t->operation, &t->has, T_OPERATION,
		               "operationName: not a valid string");
	case K_PROPERTIES:
		if (at(it) != '{' || t->has_props)
			return skip(c, it);
		t->has_props = 1;
		return walk_obj(c, it, graph_member, &t->props);
	case K_VALUE:
	case K_RECORDS:
		if (c->sink && at(it) == '[')
			return doc_elements(c, it);
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

/* A member of a Graph-shaped object: a Graph record, or an export's
 * properties, or (with the envelope's names) an export record. */
static int graph_member(struct ctx *c, struct rm_json_iter *it, struct rm_str key, void *arg)
{
	struct gf *g = arg;
	enum key id = key_lookup(key);
	struct rm_json_val v;

	if (id > K_TOP)
		return g->top ? envelope_member(c, it, id, g->top) : skip(c, it);
	switch (id) {
	case K_ID:
		return get_str(c, it, &g->err, &g->id, &g->has, H_ID, "id: not a valid string");
	case K_CREATED:
		g->has |= K_SEEN_CREATED;
		return get_time(c, it, &g->err, &g->created_ms, &g->has, H_CREATED,
		                "createdDateTime: not a timestamp");
	case K_ACT_TIME:
		g->has |= K_SEEN_AUDIT;
		return get_time(c, it, &g->err, &g->act_time_ms, &g->has, H_ACT_TIME,
		                "activityDateTime: not a timestamp");
	case K_ACT_NAME:
		g->has |= K_SEEN_AUDIT;
		return get_str(c, it, &g->err, &g->activity, &g->has, H_ACTIVITY,
		               "activityDisplayName: not a valid string");
	case K_CORR:
		return get_str(c, it, &g->err, &g->corr, &g->has, H_CORR,
		               "correlationId: not a valid string");
	case K_USER_ID:
		return get_str(c, it, &g->err, &g->user_id, NULL, 0, "userId: not a valid string");
	case K_UPN:
		return get_str(c, it, &g->err, &g->upn, NULL, 0, "userPrincipalName: not a valid string");
	case K_APP_ID:
		return get_str(c, it, &g->err, &g->app_id, NULL, 0, "appId: not a valid string");
	case K_APP_NAME:
		return get_str(c, it, &g->err, &g->app_name, NULL, 0,
		               "appDisplayName: not a valid string");
	case K_SERVICE:
		return get_str(c, it, &g->err, &g->service, NULL, 0,
		               "loggedByService: not a valid string");
	case K_RESULT:
		return get_str(c, it, &g->err, &g->result, NULL, 0, "result: not a valid string");
	case K_DEVICE:
		return get_obj(c, it, &g->err, "deviceDetail: not an object", device_member, g);
	case K_STATUS:
		return get_obj(c, it, &g->err, "status: not an object", status_member, g);
	case K_INITIATED:
		return get_obj(c, it, &g->err, "initiatedBy: not an object", initiated_member, g);
	case K_IS_INTER:
		if (walk_value(c, it, &v) < 0)
			return -1;
		if (v.type == RM_JSON_TRUE || v.type == RM_JSON_FALSE)
			g->inter = v.type == RM_JSON_TRUE;
		else if (v.type != RM_JSON_NULL)
			field_err(&g->err, "isInteractive: not a boolean");
		return 0;
	case K_EVTYPES:
		if (at(it) == '[' && g->evtypes_inter < 0)
			g->evtypes_inter = 0;
		return get_arr(c, it, &g->err, "signInEventTypes: not an array", evtype_elem, g);
	case K_APD:
		return get_arr(c, it, &g->err, "authenticationProcessingDetails: not an array",
		               apd_elem, g);
	case K_TARGETS:
		return get_arr(c, it, &g->err, "targetResources: not an array", target_elem, g);
	default:
		return skip(c, it);
	}
}

/* ---- from fields to an event ---- */

static int parse_int32(struct rm_str s, int32_t *out)
{
	struct rm_json_val v = {RM_JSON_NUMBER, s};
	int64_t x;
	size_t i = s.n > 0 && s.p[0] == '-';

	/* "50173": digits only (rm_json_int64 also refuses fractions) */
	if (i >= s.n || (s.p[i] == '0' && s.n > i + 1) || rm_json_int64(v, &x) < 0 ||
	    x < INT32_MIN || x > INT32_MAX)
		return -1;
	*out = (int32_t)x;
	return 0;
}

static const char *const signin_cats[] = {
	"SignInLogs", "NonInteractiveUserSignInLogs", "ServicePrincipalSignInLogs",
	"ManagedIdentitySignInLogs",
};

static void gf_init(struct gf *g, struct top *t)
{
	memset(g, 0, sizeof *g);
	g->top = t;
	g->inter = -1;
	g->evtypes_inter = -1;
	g->cae = -1;
}

static int finish_signin(const struct top *t, const struct gf *s, int export, int inter_default,
                         struct rm_event *ev, const char **why)
{
	struct rm_str text = {NULL, 0};

	ev->kind = RM_EV_SIGNIN;
	if (s->has & H_CREATED)
		ev->time_ms = s->created_ms;
	else if (export && (t->has & T_TIME))
		ev->time_ms = t->time_ms;
	else
		return *why = "createdDateTime: missing", RM_REC_BAD;

	if (s->has & H_CODE) {
		ev->error_code = s->code;
	} else if (export && (t->has & T_RESULT_TYPE)) {
		if (parse_int32(t->result_type, &ev->error_code) < 0)
			return *why = "resultType: not an integer", RM_REC_BAD;
	} else {
		return *why = "sign-in without status", RM_REC_BAD;
	}
	if (s->has & H_FAILURE)
		text = s->failure;
	else if (export && (t->has & T_RESULT_DESC))
		text = t->result_desc;
	if (ev->error_code == 50173 && text.n)
		rm_aadsts_50173_times(text, &ev->grant_ms, &ev->tokens_valid_from_ms);

	if (s->inter >= 0)
		ev->interactive = s->inter;
	else if (s->evtypes_inter >= 0)
		ev->interactive = s->evtypes_inter;
	else
		ev->interactive = (int8_t)inter_default;
	ev->cae = s->cae;
	ev->user_id = s->user_id;
	ev->upn = s->upn;
	ev->app_id = s->app_id;
	ev->app_name = s->app_name;
	ev->device_id = s->device_id;
	return RM_REC_OK;
}

static int finish_audit(const struct top *t, const struct gf *s, int export, struct rm_event *ev,
                        const char **why)
{
	ev->kind = RM_EV_AUDIT;
	if (s->has & H_ACT_TIME)
		ev->time_ms = s->act_time_ms;
	else if (export && (t->has & T_TIME))
		ev->time_ms = t->time_ms;
	else
		return *why = "activityDateTime: missing", RM_REC_BAD;
	if (s->has & H_ACTIVITY)
		ev->activity = s->activity;
	else if (export && (t->has & T_OPERATION))
		ev->activity = t->operation;
	ev->service = s->service;
	ev->initiator_app = s->initiator_app;
	ev->result_ok = rm_json_str_eq_ci(s->result, "success");
	ev->user_id = s->tgt_id;
	ev->upn = s->tgt_upn;
	ev->valid_from_ms = s->valid_from_ms;
	ev->account_disabled = s->disabled;
	return RM_REC_OK;
}

static int finish(const struct top *t, struct rm_event *ev, const char **why)
{
	int export = (t->has & T_CATEGORY) && t->has_props;
	int kind = 0, inter_default = 1;
	const struct gf *s = &t->g;
	size_t i;

	memset(ev, 0, sizeof *ev);
	ev->cae = -1;
	if (export) {
		for (i = 0; i < sizeof signin_cats / sizeof signin_cats[0]; i++) {
			if (rm_json_str_eq_ci(t->category, signin_cats[i])) {
				kind = RM_EV_SIGNIN;
				inter_default = i == 0; /* only SignInLogs is interactive */
			}
		}
		if (rm_json_str_eq_ci(t->category, "AuditLogs"))
			kind = RM_EV_AUDIT;
		if (!kind)
			return RM_REC_SKIP;
		s = &t->props;
		if (t->g.err || t->env_err || s->err)
			return *why = t->env_err ? t->env_err : t->g.err ? t->g.err : s->err, RM_REC_BAD;
	} else {
		if (t->g.err)
			return *why = t->g.err, RM_REC_BAD;
		if (s->has & K_SEEN_CREATED)
			kind = RM_EV_SIGNIN;
		else if (s->has & K_SEEN_AUDIT)
			kind = RM_EV_AUDIT;
		else
			return *why = "record: neither a sign-in nor an audit", RM_REC_BAD;
	}

	if (!(s->has & H_ID))
		return *why = "id: missing", RM_REC_BAD;
	if (s->id.n == 0)
		return *why = "id: empty", RM_REC_BAD;
	ev->id = s->id;
	if (s->has & H_CORR)
		ev->correlation_id = s->corr;
	else if (export && (t->g.has & H_CORR))
		ev->correlation_id = t->g.corr;
	if (kind == RM_EV_SIGNIN)
		return finish_signin(t, s, export, inter_default, ev, why);
	return finish_audit(t, s, export, ev, why);
}

/* Walk the record o has begun or entered and fill *ev; o ends past it. */
static int parse_obj(struct ctx *c, struct rm_json_iter *o, struct rm_event *ev, const char **why,
                     struct top *t)
{
	memset(t, 0, sizeof *t);
	gf_init(&t->g, t);
	gf_init(&t->props, NULL);
	if (walk_members(c, o, graph_member, &t->g) < 0) {
		*why = json_reason(c->jerr);
		return BROKEN;
	}
	if (c->container)
		return RM_REC_OK;
	return finish(t, ev, why);
}

static void reject(struct ctx *c, const char *why, size_t off)
{
	c->res->rejected++;
	if (c->sink && c->sink->reject)
		c->sink->reject(c->sink->ctx, why, off);
}

static void deliver(struct ctx *c, int rc, const struct rm_event *ev, const char *why, size_t off)
{
	if (rc == RM_REC_OK) {
		c->res->records++;
		if (c->sink && c->sink->event)
			c->sink->event(c->sink->ctx, ev);
	} else if (rc == RM_REC_SKIP) {
		c->res->skipped++;
	} else {
		reject(c, why, off);
	}
}

/* The elements of a container's "value" / "records" array, each a record. */
static int doc_elements(struct ctx *c, struct rm_json_iter *it)
{
	struct rm_json_iter a, o;
	struct top t;
	struct rm_event ev;
	int r, rc;

	c->container = 1;
	rm_json_arr_enter(it, &a);
	while ((r = rm_json_arr_elem(&a)) > 0) {
		struct ctx ec = {0, 0, c->base, NULL, NULL, 0};
		const char *why = NULL;
		size_t start = a.pos;

		if (at(&a) != '{') {
			if (skip(c, &a) < 0)
				return -1;
			reject(c, "element: not an object", c->base + start);
			continue;
		}
		rm_json_obj_enter(&a, &o);
		rc = parse_obj(&ec, &o, &ev, &why, &t);
		if (rc == BROKEN)
			return broken(c, ec.jerr, ec.jpos);
		rm_json_iter_leave(&a, &o);
		deliver(c, rc, &ev, why, c->base + start);
	}
	if (r < 0)
		return broken(c, r, a.pos);
	return rm_json_iter_leave(it, &a) < 0 ? broken(c, RM_JSON_BAD, it->pos) : 0;
}

int rm_record_parse(const char *buf, size_t len, struct rm_event *ev, const char **why)
{
	struct ctx c = {0, 0, 0, NULL, NULL, 0};
	struct rm_json_iter o;
	struct top t;
	int rc;

	*why = NULL;
	if (len == 0 || buf[0] != '{') {
		*why = len ? "record: not an object" : "record: empty";
		return RM_REC_BAD;
	}
	rm_json_obj_begin(&o, buf, len);
	rc = parse_obj(&c, &o, ev, why, &t);
	if (rc == BROKEN)
		return RM_REC_BAD;
	if (rm_json_skip_ws(buf, len, o.pos) != len) {
		*why = "trailing data after record";
		return RM_REC_BAD;
	}
	return rc;
}

int rm_doc_parse(const char *buf, size_t len, const struct rm_sink *sink, struct rm_doc_result *res)
{
	struct ctx c = {0, 0, 0, sink, res, 0};
	struct rm_json_iter o;
	struct top t;
	struct rm_event ev;
	const char *why = NULL;
	size_t p, end;
	int rc;

	memset(res, 0, sizeof *res);
	p = rm_json_skip_ws(buf, len, 0);
	if (p >= len) {
		why = "empty document";
		goto bad;
	}
	if (buf[p] != '{') {
		why = "document: not an object";
		goto bad;
	}
	/* positions in the walk are relative to the document's first byte */
	c.base = p;
	rm_json_obj_begin(&o, buf + p, len - p);
	rc = parse_obj(&c, &o, &ev, &why, &t);
	if (t.has & T_NEXT_LINK)
		res->next_link = t.next_link;
	if (rc == BROKEN) {
		p += c.jpos;
		goto bad;
	}
	end = rm_json_skip_ws(buf, len, p + o.pos);
	if (end != len) {
		why = "trailing data after document";
		p = end;
		goto bad;
	}
	if (c.container)
		return 0;
	deliver(&c, rc, &ev, why, p);
	return rc == RM_REC_BAD ? RM_REC_BAD : 0;
bad:
	reject(&c, why, p);
	return RM_REC_BAD;
}
