/* Differential test: the scanner and the record extractor against jansson.
 *
 * For every fixture in tests/fixtures/records/ and for deterministic random
 * mutations of it (flipped, inserted and deleted bytes):
 *  (a) rm_json_value_end accepts exactly when json_loadb(JSON_DECODE_ANY)
 *      does, and
 *  (b) for accepted documents, rm_doc_parse delivers the same records,
 *      skips and rejects as a reference extractor that walks jansson's DOM
 *      under the rules records.h documents.
 *
 * Known, intended differences in (a), counted and reported, not failed:
 *  - rm_json_value_end does not check UTF-8 (for speed) nor pair \u
 *    surrogates; jansson rejects both. rm_json_unescape and the record
 *    extractor check the strings they use.
 *  - jansson refuses integers beyond int64 and reals beyond double;
 *    the scanner checks number syntax only.
 *  - jansson refuses "\u0000" inside keys even with JSON_ALLOW_NUL.
 *  - Depth: the scanner stops at RM_JSON_MAX_DEPTH (64), jansson at 2048;
 *    mutating these fixtures cannot reach either, so it is not handled here.
 * A newline is appended to every input: at the very end of a buffer a bare
 * top-level number is INCOMPLETE for the scanner by design.
 *
 * Also left out of (b) by construction: revmon parses timestamps (and an
 * export's resultType) from the raw string contents, this reference from the
 * decoded text; they differ only when such a value is written with escapes.
 * Escaped keys and compared strings are decoded by both.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "aadsts_text.h"
#include "json_scan.h"
#include "records.h"
#include "timeparse.h"

#ifndef MUTATIONS_PER_FILE
#define MUTATIONS_PER_FILE 400
#endif

/* ---- a flattened event, comparable across both extractors ---- */

enum { S_ID, S_CORR, S_USER, S_UPN, S_APP_ID, S_APP_NAME, S_DEVICE, S_ACTIVITY, S_SERVICE,
       S_INITIATOR, NSTR };

struct flat {
	int kind;
	int64_t time_ms, grant_ms, tvf_ms, valid_from_ms;
	int32_t code;
	int inter, cae, result_ok, disabled;
	char *s[NSTR];
	size_t n[NSTR];
};

struct outcome {
	struct flat *ev;
	size_t nev, cap;
	size_t records, skipped, rejected;
	int ret;
};

static void outcome_free(struct outcome *o)
{
	for (size_t i = 0; i < o->nev; i++)
		for (int k = 0; k < NSTR; k++)
			free(o->ev[i].s[k]);
	free(o->ev);
	memset(o, 0, sizeof *o);
}

static struct flat *outcome_add(struct outcome *o)
{
	if (o->nev == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 8;
		o->ev = realloc(o->ev, o->cap * sizeof *o->ev);
		assert_non_null(o->ev);
	}
	memset(&o->ev[o->nev], 0, sizeof o->ev[0]);
	return &o->ev[o->nev++];
}

static void set_str(struct flat *f, int k, const char *p, size_t n)
{
	f->s[k] = malloc(n + 1);
	assert_non_null(f->s[k]);
	if (n)
		memcpy(f->s[k], p, n);
	f->s[k][n] = '\0';
	f->n[k] = n;
}

/* ---- revmon's side ---- */

static void mine_str(struct flat *f, int k, struct rm_str raw)
{
	char *tmp = malloc(raw.n + 1);
	long n;

	assert_non_null(tmp);
	n = rm_json_unescape(raw, tmp, raw.n + 1);
	if (n < 0)
		fail_msg("delivered a string that does not decode: %.*s", (int)raw.n, raw.p);
	set_str(f, k, tmp, (size_t)n);
	free(tmp);
}

static void mine_event(void *ctx, const struct rm_event *ev)
{
	struct flat *f = outcome_add(ctx);

	f->kind = ev->kind;
	f->time_ms = ev->time_ms;
	f->grant_ms = ev->grant_ms;
	f->tvf_ms = ev->tokens_valid_from_ms;
	f->valid_from_ms = ev->valid_from_ms;
	f->code = ev->error_code;
	f->inter = ev->interactive;
	f->cae = ev->cae;
	f->result_ok = ev->result_ok;
	f->disabled = ev->account_disabled;
	mine_str(f, S_ID, ev->id);
	mine_str(f, S_CORR, ev->correlation_id);
	mine_str(f, S_USER, ev->user_id);
	mine_str(f, S_UPN, ev->upn);
	mine_str(f, S_APP_ID, ev->app_id);
	mine_str(f, S_APP_NAME, ev->app_name);
	mine_str(f, S_DEVICE, ev->device_id);
	mine_str(f, S_ACTIVITY, ev->activity);
	mine_str(f, S_SERVICE, ev->service);
	mine_str(f, S_INITIATOR, ev->initiator_app);
}

static void mine_reject(void *ctx, const char *why, size_t off)
{
	(void)ctx;
	(void)why;
	(void)off;
}

static void mine_doc(const char *buf, size_t len, struct outcome *o)
{
	struct rm_sink sink = {mine_event, mine_reject, o};
	struct rm_doc_result res;

	o->ret = rm_doc_parse(buf, len, &sink, &res);
	o->records = res.records;
	o->skipped = res.skipped;
	o->rejected = res.rejected;
}

/* ---- the reference: the same rules over jansson's DOM ---- */

static int jeq(json_t *s, const char *lit)
{
	return json_is_string(s) && json_string_length(s) == strlen(lit) &&
	       memcmp(json_string_value(s), lit, strlen(lit)) == 0;
}

static int jeq_ci(json_t *s, const char *lit)
{
	return json_is_string(s) && json_string_length(s) == strlen(lit) &&
	       strncasecmp(json_string_value(s), lit, strlen(lit)) == 0;
}

struct rgf {
	int err;
	json_t *id, *corr, *user_id, *upn, *app_id, *app_name, *device_id, *failure, *activity,
		*service, *initiator_app, *result, *tgt_id, *tgt_upn;
	int seen_created, seen_audit, has_created, has_act_time, has_code, has_target;
	int64_t created_ms, act_time_ms, valid_from_ms;
	int32_t code;
	int inter, evtypes, cae, disabled;
};

struct rtop {
	struct rgf g, props;
	int env_err, has_props, has_time;
	int64_t time_ms;
	json_t *category, *result_type, *result_desc, *operation;
};

/* Optional string: absent or null is fine, any other type an error. */
static void opt_str(json_t *v, json_t **out, int *err)
{
	if (json_is_string(v))
		*out = v;
	else if (!json_is_null(v))
		*err = 1;
}

static void opt_time(json_t *v, int64_t *ms, int *has, int *err)
{
	if (json_is_string(v) && rm_time_parse(json_string_value(v), json_string_length(v), ms) == 0)
		*has = 1;
	else
		*err = 1;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

struct rtarget {
	json_t *id, *upn, *type;
	int64_t valid_from_ms;
	int disabled;
};

static void ref_modprop(json_t *name, json_t *nv, struct rtarget *t, int *err)
{
	const char *txt;
	size_t n, s = 0, e;
	json_t *d, *first;
	int64_t ms;

	if (!json_is_string(name) || !json_is_string(nv))
		return;
	txt = json_string_value(nv);
	n = json_string_length(nv);
	e = n;
	while (s < e && is_ws(txt[s]))
		s++;
	while (e > s && is_ws(txt[e - 1]))
		e--;
	d = n < 512 ? json_loadb(txt + s, e - s, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL) : NULL;
	first = json_is_array(d) ? json_array_get(d, 0) : d;
	if (jeq_ci(name, "StsRefreshTokensValidFrom")) {
		if (n >= 512)
			*err = 1;
		else if (!d && rm_time_parse(txt + s, e - s, &ms) == 0)
			t->valid_from_ms = ms;
		else if (json_is_array(d) && json_array_size(d) == 0)
			;
		else if (json_is_string(first) &&
		         rm_time_parse(json_string_value(first), json_string_length(first), &ms) == 0)
			t->valid_from_ms = ms;
		else
			*err = 1;
	} else if (jeq_ci(name, "AccountEnabled")) {
		if (json_is_false(first))
			t->disabled = 1;
	}
	json_decref(d);
}

static void ref_target(json_t *el, struct rgf *g)
{
	struct rtarget t;
	const char *k;
	json_t *v, *mp;
	size_t i;

	if (!json_is_object(el))
		return;
	memset(&t, 0, sizeof t);
	json_object_foreach(el, k, v) {
		if (!strcmp(k, "id")) {
			opt_str(v, &t.id, &g->err);
		} else if (!strcmp(k, "userPrincipalName")) {
			opt_str(v, &t.upn, &g->err);
		} else if (!strcmp(k, "type")) {
			opt_str(v, &t.type, &g->err);
		} else if (!strcmp(k, "modifiedProperties")) {
			if (json_is_array(v)) {
				json_array_foreach(v, i, mp) {
					json_t *name = NULL, *nv = NULL;

					if (!json_is_object(mp))
						continue;
					opt_str(json_object_get(mp, "displayName") ? json_object_get(mp, "displayName")
					                                           : json_null(),
					        &name, &g->err);
					opt_str(json_object_get(mp, "newValue") ? json_object_get(mp, "newValue")
					                                        : json_null(),
					        &nv, &g->err);
					ref_modprop(name, nv, &t, &g->err);
				}
			} else if (!json_is_null(v)) {
				g->err = 1;
			}
		}
	}
	if (!g->has_target && jeq_ci(t.type, "User")) {
		g->has_target = 1;
		g->tgt_id = t.id;
		g->tgt_upn = t.upn;
		g->valid_from_ms = t.valid_from_ms;
		g->disabled = t.disabled;
	}
}

static void ref_collect(json_t *obj, struct rgf *g, struct rtop *t)
{
	const char *k;
	json_t *v, *el, *x;
	size_t i;

	json_object_foreach(obj, k, v) {
		if (!strcmp(k, "id")) {
			opt_str(v, &g->id, &g->err);
		} else if (!strcmp(k, "createdDateTime")) {
			g->seen_created = 1;
			opt_time(v, &g->created_ms, &g->has_created, &g->err);
		} else if (!strcmp(k, "activityDateTime")) {
			g->seen_audit = 1;
			opt_time(v, &g->act_time_ms, &g->has_act_time, &g->err);
		} else if (!strcmp(k, "activityDisplayName")) {
			g->seen_audit = 1;
			opt_str(v, &g->activity, &g->err);
		} else if (!strcmp(k, "correlationId")) {
			opt_str(v, &g->corr, &g->err);
		} else if (!strcmp(k, "userId")) {
			opt_str(v, &g->user_id, &g->err);
		} else if (!strcmp(k, "userPrincipalName")) {
			opt_str(v, &g->upn, &g->err);
		} else if (!strcmp(k, "appId")) {
			opt_str(v, &g->app_id, &g->err);
		} else if (!strcmp(k, "appDisplayName")) {
			opt_str(v, &g->app_name, &g->err);
		} else if (!strcmp(k, "loggedByService")) {
			opt_str(v, &g->service, &g->err);
		} else if (!strcmp(k, "result")) {
			opt_str(v, &g->result, &g->err);
		} else if (!strcmp(k, "deviceDetail")) {
			if (json_is_object(v)) {
				if ((x = json_object_get(v, "deviceId")))
					opt_str(x, &g->device_id, &g->err);
			} else if (!json_is_null(v)) {
				g->err = 1;
			}
		} else if (!strcmp(k, "status")) {
			if (json_is_object(v)) {
				x = json_object_get(v, "errorCode");
				if (json_is_integer(x) && json_integer_value(x) >= INT32_MIN &&
				    json_integer_value(x) <= INT32_MAX) {
					g->code = (int32_t)json_integer_value(x);
					g->has_code = 1;
				} else if (x && !json_is_null(x)) {
					g->err = 1;
				}
				if ((x = json_object_get(v, "failureReason")))
					opt_str(x, &g->failure, &g->err);
			} else if (!json_is_null(v)) {
				g->err = 1;
			}
		} else if (!strcmp(k, "isInteractive")) {
			if (json_is_boolean(v))
				g->inter = json_is_true(v);
			else if (!json_is_null(v))
				g->err = 1;
		} else if (!strcmp(k, "signInEventTypes")) {
			if (json_is_array(v)) {
				if (g->evtypes < 0)
					g->evtypes = 0;
				json_array_foreach(v, i, el)
					if (jeq(el, "interactiveUser"))
						g->evtypes = 1;
			} else if (!json_is_null(v)) {
				g->err = 1;
			}
		} else if (!strcmp(k, "authenticationProcessingDetails")) {
			if (json_is_array(v)) {
				json_array_foreach(v, i, el) {
					json_t *kk = json_object_get(el, "key"), *vv = json_object_get(el, "value");

					if (g->cae < 0 && json_is_object(el) && jeq(kk, "Is CAE Token") &&
					    json_is_string(vv)) {
						if (jeq_ci(vv, "true"))
							g->cae = 1;
						else if (jeq_ci(vv, "false"))
							g->cae = 0;
					}
				}
			} else if (!json_is_null(v)) {
				g->err = 1;
			}
		} else if (!strcmp(k, "initiatedBy")) {
			if (json_is_object(v)) {
				x = json_object_get(v, "app");
				if (json_is_object(x)) {
					json_t *dn = json_object_get(x, "displayName");

					if (dn)
						opt_str(dn, &g->initiator_app, &g->err);
				} else if (x && !json_is_null(x)) {
					g->err = 1;
				}
			} else if (!json_is_null(v)) {
				g->err = 1;
			}
		} else if (!strcmp(k, "targetResources")) {
			if (json_is_array(v))
				json_array_foreach(v, i, el)
					ref_target(el, g);
			else if (!json_is_null(v))
				g->err = 1;
		} else if (t && !strcmp(k, "time")) {
			opt_time(v, &t->time_ms, &t->has_time, &t->env_err);
		} else if (t && !strcmp(k, "category")) {
			opt_str(v, &t->category, &t->env_err);
		} else if (t && !strcmp(k, "resultType")) {
			opt_str(v, &t->result_type, &t->env_err);
		} else if (t && !strcmp(k, "resultDescription")) {
			opt_str(v, &t->result_desc, &t->env_err);
		} else if (t && !strcmp(k, "operationName")) {
			opt_str(v, &t->operation, &t->env_err);
		} else if (t && !strcmp(k, "properties") && json_is_object(v) && !t->has_props) {
			t->has_props = 1;
			ref_collect(v, &t->props, NULL);
		}
	}
}

static void rgf_init(struct rgf *g)
{
	memset(g, 0, sizeof *g);
	g->inter = g->evtypes = g->cae = -1;
}

/* "50173" -> int32: digits, optional '-', no leading zeros. */
static int ref_int32(json_t *s, int32_t *out)
{
	const char *p = json_string_value(s);
	size_t n = json_string_length(s), i = 0;
	int64_t x = 0;

	if (n && p[0] == '-')
		i = 1;
	if (i >= n || (p[i] == '0' && n > i + 1) || n - i > 10)
		return -1;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		x = x * 10 + (p[i] - '0');
	}
	if (p[0] == '-')
		x = -x;
	if (x < INT32_MIN || x > INT32_MAX)
		return -1;
	*out = (int32_t)x;
	return 0;
}

static void jstr(struct flat *f, int k, json_t *s)
{
	if (s)
		set_str(f, k, json_string_value(s), json_string_length(s));
	else
		set_str(f, k, "", 0);
}

static int ref_record(json_t *o, struct flat *f)
{
	static const char *const cats[] = {"SignInLogs", "NonInteractiveUserSignInLogs",
	                                   "ServicePrincipalSignInLogs", "ManagedIdentitySignInLogs"};
	struct rtop t;
	struct rgf *s = &t.g;
	int export, kind = 0, inter_default = 1;
	json_t *text = NULL;
	size_t i;

	memset(&t, 0, sizeof t);
	rgf_init(&t.g);
	rgf_init(&t.props);
	ref_collect(o, &t.g, &t);
	export = t.category && t.has_props;
	if (export) {
		for (i = 0; i < 4; i++)
			if (jeq_ci(t.category, cats[i])) {
				kind = RM_EV_SIGNIN;
				inter_default = i == 0;
			}
		if (jeq_ci(t.category, "AuditLogs"))
			kind = RM_EV_AUDIT;
		if (!kind)
			return RM_REC_SKIP;
		s = &t.props;
		if (t.g.err || t.env_err || s->err)
			return RM_REC_BAD;
	} else {
		if (t.g.err)
			return RM_REC_BAD;
		if (s->seen_created)
			kind = RM_EV_SIGNIN;
		else if (s->seen_audit)
			kind = RM_EV_AUDIT;
		else
			return RM_REC_BAD;
	}
	if (!s->id || json_string_length(s->id) == 0)
		return RM_REC_BAD;
	memset(f, 0, sizeof *f);
	f->kind = kind;
	f->cae = -1;
	jstr(f, S_ID, s->id);
	jstr(f, S_CORR, s->corr ? s->corr : export ? t.g.corr : NULL);
	if (kind == RM_EV_SIGNIN) {
		if (s->has_created)
			f->time_ms = s->created_ms;
		else if (export && t.has_time)
			f->time_ms = t.time_ms;
		else
			return RM_REC_BAD;
		if (s->has_code)
			f->code = s->code;
		else if (!export || !t.result_type || ref_int32(t.result_type, &f->code) < 0)
			return RM_REC_BAD;
		text = s->failure ? s->failure : export ? t.result_desc : NULL;
		if (f->code == 50173 && text && json_string_length(text)) {
			struct rm_str raw = {json_string_value(text), json_string_length(text)};

			rm_aadsts_50173_times(raw, &f->grant_ms, &f->tvf_ms);
		}
		f->inter = s->inter >= 0 ? s->inter : s->evtypes >= 0 ? s->evtypes : inter_default;
		f->cae = s->cae;
		jstr(f, S_USER, s->user_id);
		jstr(f, S_UPN, s->upn);
		jstr(f, S_APP_ID, s->app_id);
		jstr(f, S_APP_NAME, s->app_name);
		jstr(f, S_DEVICE, s->device_id);
		jstr(f, S_ACTIVITY, NULL);
		jstr(f, S_SERVICE, NULL);
		jstr(f, S_INITIATOR, NULL);
	} else {
		if (s->has_act_time)
			f->time_ms = s->act_time_ms;
		else if (export && t.has_time)
			f->time_ms = t.time_ms;
		else
			return RM_REC_BAD;
		jstr(f, S_ACTIVITY, s->activity ? s->activity : export ? t.operation : NULL);
		jstr(f, S_SERVICE, s->service);
		jstr(f, S_INITIATOR, s->initiator_app);
		f->result_ok = jeq_ci(s->result, "success");
		jstr(f, S_USER, s->tgt_id);
		jstr(f, S_UPN, s->tgt_upn);
		f->valid_from_ms = s->valid_from_ms;
		f->disabled = s->disabled;
		jstr(f, S_APP_ID, NULL);
		jstr(f, S_APP_NAME, NULL);
		jstr(f, S_DEVICE, NULL);
	}
	return RM_REC_OK;
}

static void ref_one(json_t *o, struct outcome *out)
{
	struct flat f;
	int r;

	memset(&f, 0, sizeof f);
	r = ref_record(o, &f);
	if (r == RM_REC_OK) {
		*outcome_add(out) = f;
		out->records++;
		return;
	}
	for (int k = 0; k < NSTR; k++)
		free(f.s[k]);
	if (r == RM_REC_SKIP)
		out->skipped++;
	else
		out->rejected++;
}

static void ref_doc(json_t *root, struct outcome *out)
{
	const char *k;
	json_t *v, *el;
	size_t i;
	int container = 0;

	out->ret = 0;
	if (!json_is_object(root)) {
		out->rejected = 1;
		out->ret = RM_REC_BAD;
		return;
	}
	json_object_foreach(root, k, v) {
		if ((strcmp(k, "value") && strcmp(k, "records")) || !json_is_array(v))
			continue;
		container = 1;
		json_array_foreach(v, i, el) {
			if (json_is_object(el))
				ref_one(el, out);
			else
				out->rejected++;
		}
	}
	if (!container) {
		ref_one(root, out);
		if (out->rejected)
			out->ret = RM_REC_BAD;
	}
}

/* ---- comparing ---- */

static const char *const str_names[NSTR] = {"id", "correlation_id", "user_id", "upn", "app_id",
                                            "app_name", "device_id", "activity", "service",
                                            "initiator_app"};

static void compare(const struct outcome *a, const struct outcome *b, const char *what)
{
	if (a->ret != b->ret || a->records != b->records || a->skipped != b->skipped ||
	    a->rejected != b->rejected)
		fail_msg("%s: revmon ret %d %zu/%zu/%zu, reference ret %d %zu/%zu/%zu (records/skipped/rejected)",
		         what, a->ret, a->records, a->skipped, a->rejected, b->ret, b->records, b->skipped,
		         b->rejected);
	assert_int_equal(a->nev, b->nev);
	for (size_t i = 0; i < a->nev; i++) {
		const struct flat *x = &a->ev[i], *y = &b->ev[i];

		if (x->kind != y->kind || x->time_ms != y->time_ms || x->code != y->code ||
		    x->inter != y->inter || x->cae != y->cae || x->result_ok != y->result_ok ||
		    x->disabled != y->disabled || x->grant_ms != y->grant_ms || x->tvf_ms != y->tvf_ms ||
		    x->valid_from_ms != y->valid_from_ms)
			fail_msg("%s: event %zu scalar fields differ (kind %d/%d time %lld/%lld code %d/%d "
			         "inter %d/%d cae %d/%d)",
			         what, i, x->kind, y->kind, (long long)x->time_ms, (long long)y->time_ms, x->code,
			         y->code, x->inter, y->inter, x->cae, y->cae);
		for (int k = 0; k < NSTR; k++)
			if (x->n[k] != y->n[k] || memcmp(x->s[k], y->s[k], x->n[k]) != 0)
				fail_msg("%s: event %zu %s '%s' vs '%s'", what, i, str_names[k], x->s[k], y->s[k]);
	}
}

struct stats {
	size_t inputs, both_accept, both_reject, known_diff, compared_records;
};

static int scanner_accepts(const char *b, size_t n)
{
	size_t p = rm_json_skip_ws(b, n, 0), e;
	enum rm_json_type t;

	return rm_json_value_end(b, n, p, &e, &t) == RM_JSON_OK && rm_json_skip_ws(b, n, e) == n;
}

static void check(const char *in, size_t len, const char *what, struct stats *st)
{
	char *b = malloc(len + 1);
	json_error_t err;
	json_t *j;
	int mine;

	assert_non_null(b);
	memcpy(b, in, len);
	b[len] = '\n';
	st->inputs++;
	mine = scanner_accepts(b, len + 1);
	j = json_loadb(b, len + 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (j && !mine)
		fail_msg("%s: jansson accepts, rm_json_value_end rejects", what);
	if (!j && mine) {
		enum json_error_code c = json_error_code(&err);

		if (c != json_error_invalid_utf8 && c != json_error_numeric_overflow &&
		    c != json_error_null_byte_in_key && !strstr(err.text, "invalid Unicode"))
			fail_msg("%s: rm_json_value_end accepts, jansson rejects: %s (code %d)", what, err.text,
			         (int)c);
		st->known_diff++;
	}
	if (!j && !mine)
		st->both_reject++;
	if (j) {
		struct outcome a, r;

		st->both_accept++;
		memset(&a, 0, sizeof a);
		memset(&r, 0, sizeof r);
		mine_doc(b, len + 1, &a);
		ref_doc(j, &r);
		compare(&a, &r, what);
		st->compared_records += a.records;
		outcome_free(&a);
		outcome_free(&r);
		json_decref(j);
	}
	free(b);
}

/* xorshift64*: the same mutations on every run */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static char rnd_byte(void)
{
	static const char pick[] = "{}[]:,\"\\ 0123456789-+.eEtfnulrsa'/\t\n";
	uint64_t r = rnd() % 10;

	if (r < 7)
		return pick[rnd() % (sizeof pick - 1)];
	if (r < 8)
		return (char)(0x80 + rnd() % 0x80); /* stray UTF-8 bytes */
	return (char)(rnd() % 256);
}

/* 1..3 random edits of src into dst (room for len + 3). */
static size_t mutate(const char *src, size_t len, char *dst)
{
	size_t n = len, edits = 1 + rnd() % 3;

	memcpy(dst, src, len);
	for (size_t e = 0; e < edits; e++) {
		size_t at = n ? rnd() % n : 0;

		switch (rnd() % 3) {
		case 0:
			if (n)
				dst[at] = rnd_byte();
			break;
		case 1:
			memmove(dst + at + 1, dst + at, n - at);
			dst[at] = rnd_byte();
			n++;
			break;
		default:
			if (n) {
				memmove(dst + at, dst + at + 1, n - at - 1);
				n--;
			}
		}
	}
	return n;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void fixtures_and_mutations(void **state)
{
	const char *root = getenv("REVMON_FIXTURES");
	char dir[1024], path[2048], what[2200];
	struct stats st = {0};
	struct dirent *de;
	size_t files = 0;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof dir, "%s/records", root ? root : "tests/fixtures");
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name), len;
		char *buf, *mut;

		if (nl < 6 || strcmp(de->d_name + nl - 5, ".json"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		buf = read_file(path, &len);
		files++;
		/* the fixture itself must be accepted, and agree */
		snprintf(what, sizeof what, "%s", de->d_name);
		assert_true(scanner_accepts(buf, len));
		check(buf, len, what, &st);
		mut = malloc(len + 4);
		assert_non_null(mut);
		for (int i = 0; i < MUTATIONS_PER_FILE; i++) {
			size_t n = mutate(buf, len, mut);

			snprintf(what, sizeof what, "%s mutation %d", de->d_name, i);
			check(mut, n, what, &st);
		}
		free(mut);
		free(buf);
	}
	closedir(d);
	assert_true(files >= 6);
	print_message("%zu files, %zu inputs: %zu accepted by both (%zu records compared), "
	              "%zu rejected by both, %zu known differences\n",
	              files, st.inputs, st.both_accept, st.compared_records, st.both_reject, st.known_diff);
}

static void edge_cases(void **state)
{
	static const char *const cases[] = {
		"{}", "[]", "0", "-0.0e-0", "\"\"", "null", "[[[[]]]]", "{\"a\":{\"b\":{\"c\":[1,{}]}}}",
		"\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\ud83d\\ude00\"", "\"\xc3\x28\"", "\"\xed\xa0\x80\"",
		"123456789012345678901234567890", "1e999", "{\"a\\u0000b\":1}", "\"a\\u0000b\"", "[1,]",
		"{\"a\":1,}", "\"\x7f\"", " [ 1 , 2 ] ", "{\"value\":[1,{\"id\":\"x\"}],\"records\":[]}",
		"{\"records\":[{\"category\":\"AuditLogs\",\"properties\":{\"id\":\"a\",\"activityDateTime\":"
		"\"2025-03-04T10:05:00Z\"}}]}",
		/* escaped keys are decoded before they are matched */
		"{\"i\\u0064\":\"x\",\"createdDateTime\":\"2025-03-04T10:05:00Z\",\"st\\u0061tus\":"
		"{\"errorCode\":0}}",
	};
	struct stats st = {0};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check(cases[i], strlen(cases[i]), cases[i], &st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(edge_cases),
		cmocka_unit_test(fixtures_and_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
