/* The jansson reference extractor and revmon's side, flattened alike; see
 * jansson_ref.h. */
#include "jansson_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aadsts_text.h"
#include "json_scan.h"
#include "records.h"
#include "timeparse.h"

static void *must(void *p)
{
	if (!p) {
		fprintf(stderr, "jansson_ref: out of memory\n");
		abort();
	}
	return p;
}

static void set_str(char **s, size_t *n, const char *p, size_t len)
{
	if (len > ((size_t)1 << 31))
		abort(); /* no test input holds a string that long: a broken slice */
	*s = must(malloc(len + 1));
	if (len)
		memcpy(*s, p, len);
	(*s)[len] = '\0';
	*n = len;
}

static struct flat *outcome_add(struct outcome *o)
{
	if (o->nev == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 8;
		o->ev = must(realloc(o->ev, o->cap * sizeof *o->ev));
	}
	memset(&o->ev[o->nev], 0, sizeof o->ev[0]);
	return &o->ev[o->nev++];
}

void outcome_free(struct outcome *o)
{
	for (size_t i = 0; i < o->nev; i++)
		for (int k = 0; k < NSTR; k++)
			free(o->ev[i].s[k]);
	free(o->ev);
	free(o->next);
	memset(o, 0, sizeof *o);
}

/* ---- revmon's side ---- */

static void mine_str(struct flat *f, int k, struct rm_str raw)
{
	char *tmp = must(malloc(raw.n + 1));
	long n = rm_json_unescape(raw, tmp, raw.n + 1);

	if (n < 0) {
		/* the extractor delivers valid strings only */
		fprintf(stderr, "revmon delivered a string that does not decode: %.*s\n", (int)raw.n,
		        raw.p);
		abort();
	}
	set_str(&f->s[k], &f->n[k], tmp, (size_t)n);
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

void mine_doc(const char *buf, size_t len, struct outcome *o)
{
	struct rm_sink sink = {.event = mine_event, .ctx = o};
	struct rm_doc_result res;

	o->ret = rm_doc_parse(buf, len, &sink, &res);
	o->records = res.records;
	o->skipped = res.ignored;
	o->rejected = res.rejected;
	if (res.next_link.n || res.next_link.p) {
		char *tmp = must(malloc(res.next_link.n + 1));
		/* the link is raw; one that does not decode is compared as absent */
		long n = rm_json_unescape(res.next_link, tmp, res.next_link.n + 1);

		if (n >= 0)
			set_str(&o->next, &o->next_n, tmp, (size_t)n);
		free(tmp);
	}
}

/* ---- the reference over jansson's DOM ---- */

static int jeq(json_t *s, const char *lit, int ci)
{
	size_t n = strlen(lit);

	return json_is_string(s) && json_string_length(s) == n &&
	       (ci ? strncasecmp(json_string_value(s), lit, n) : memcmp(json_string_value(s), lit, n)) == 0;
}

/* Fields of one object (a record, or an export's properties). */
struct rf {
	int err, seen_created, seen_audit, has_created, has_act_time, has_code, has_target;
	json_t *id, *corr, *user_id, *upn, *app_id, *app_name, *device_id, *failure, *activity,
		*service, *initiator_app, *result, *tgt_id, *tgt_upn;
	int64_t created_ms, act_time_ms, valid_from_ms;
	int32_t code;
	int inter, evtypes, cae, disabled;
};

struct rtop {
	struct rf g, props;
	int env_err, has_props, has_time;
	int64_t time_ms;
	json_t *category, *result_type, *result_desc, *operation;
};

/* jansson's default encoding of a string's contents: what the extractor
 * sees as raw text in a re-serialised document. */
static char *as_raw(json_t *s, size_t *n)
{
	char *dump = must(json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT));
	size_t len = strlen(dump);

	if (len < 2)
		abort(); /* a string encodes with its quotes */
	memmove(dump, dump + 1, len - 2);
	dump[len - 2] = '\0';
	*n = len - 2;
	return dump;
}

static int raw_time(json_t *s, int64_t *ms)
{
	size_t n;
	char *raw = as_raw(s, &n);
	int r = rm_time_parse(raw, n, ms);

	free(raw);
	return r;
}

static void opt_str(json_t *v, json_t **out, int *err)
{
	if (json_is_string(v))
		*out = v;
	else if (!json_is_null(v))
		*err = 1;
}

static void opt_time(json_t *v, int64_t *ms, int *has, int *err)
{
	if (json_is_string(v) && raw_time(v, ms) == 0)
		*has = 1;
	else
		*err = 1;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Deepest nesting in JSON text outside strings. */
static int text_depth(const char *p, size_t n)
{
	int d = 0, max = 0, in_str = 0;

	for (size_t i = 0; i < n; i++) {
		if (in_str) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				in_str = 0;
		} else if (p[i] == '"') {
			in_str = 1;
		} else if (p[i] == '{' || p[i] == '[') {
			if (++d > max)
				max = d;
		} else if (p[i] == '}' || p[i] == ']') {
			d--;
		}
	}
	return max;
}

struct rtarget {
	json_t *id, *upn, *type;
	int64_t valid_from_ms;
	int disabled;
};

/* A modified property: its newValue is JSON text inside a JSON string. */
static void ref_modprop(json_t *name, json_t *nv, struct rtarget *t, int *err, int *unsure)
{
	const char *txt;
	size_t n, s = 0, e;
	json_t *d = NULL, *first;
	json_error_t jerr;
	int sts, acc;
	int64_t ms;

	if (!json_is_string(name) || !json_is_string(nv))
		return;
	sts = jeq(name, "StsRefreshTokensValidFrom", 1);
	acc = jeq(name, "AccountEnabled", 1);
	if (!sts && !acc)
		return;
	txt = json_string_value(nv);
	n = json_string_length(nv);
	e = n;
	while (s < e && is_ws(txt[s]))
		s++;
	while (e > s && is_ws(txt[e - 1]))
		e--;
	if (n < 512) {
		if (memchr(txt + s, '\\', e - s) || text_depth(txt + s, e - s) > RM_JSON_MAX_DEPTH) {
			*unsure = 1;
			return;
		}
		d = json_loadb(txt + s, e - s, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		if (!d) {
			enum json_error_code c = json_error_code(&jerr);

			if (c == json_error_numeric_overflow || c == json_error_invalid_utf8 ||
			    c == json_error_null_byte_in_key) {
				*unsure = 1;
				return;
			}
		}
	}
	first = json_is_array(d) ? json_array_get(d, 0) : d;
	if (sts) {
		if (n >= 512)
			*err = 1;
		else if (!d && rm_time_parse(txt + s, e - s, &ms) == 0)
			t->valid_from_ms = ms;
		else if (json_is_array(d) && json_array_size(d) == 0)
			;
		else if (json_is_string(first) && rm_time_parse(json_string_value(first),
		                                                json_string_length(first), &ms) == 0)
			t->valid_from_ms = ms;
		else
			*err = 1;
	} else if (json_is_false(first)) {
		t->disabled = 1;
	}
	json_decref(d);
}

static void ref_target(json_t *el, struct rf *g, int *unsure)
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
			if (!json_is_array(v)) {
				if (!json_is_null(v))
					g->err = 1;
				continue;
			}
			json_array_foreach(v, i, mp) {
				json_t *name = NULL, *nv = NULL, *x;

				if (!json_is_object(mp))
					continue;
				if ((x = json_object_get(mp, "displayName")))
					opt_str(x, &name, &g->err);
				if ((x = json_object_get(mp, "newValue")))
					opt_str(x, &nv, &g->err);
				ref_modprop(name, nv, &t, &g->err, unsure);
			}
		}
	}
	if (!g->has_target && jeq(t.type, "User", 1)) {
		g->has_target = 1;
		g->tgt_id = t.id;
		g->tgt_upn = t.upn;
		g->valid_from_ms = t.valid_from_ms;
		g->disabled = t.disabled;
	}
}

/* An optional object member: absent and null are fine, other types not. */
static json_t *opt_obj(json_t *v, int *err)
{
	if (json_is_object(v))
		return v;
	if (!json_is_null(v))
		*err = 1;
	return NULL;
}

static void ref_collect(json_t *obj, struct rf *g, struct rtop *t, int *unsure)
{
	const char *k;
	json_t *v, *el, *x, *o;
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
			if ((o = opt_obj(v, &g->err)) && (x = json_object_get(o, "deviceId")))
				opt_str(x, &g->device_id, &g->err);
		} else if (!strcmp(k, "status")) {
			if (!(o = opt_obj(v, &g->err)))
				continue;
			x = json_object_get(o, "errorCode");
			if (json_is_integer(x) && json_integer_value(x) >= INT32_MIN &&
			    json_integer_value(x) <= INT32_MAX) {
				g->code = (int32_t)json_integer_value(x);
				g->has_code = 1;
			} else if (x && !json_is_null(x)) {
				g->err = 1;
			}
			if ((x = json_object_get(o, "failureReason")))
				opt_str(x, &g->failure, &g->err);
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
					if (jeq(el, "interactiveUser", 0))
						g->evtypes = 1;
			} else if (!json_is_null(v)) {
				g->err = 1;
			}
		} else if (!strcmp(k, "authenticationProcessingDetails")) {
			if (!json_is_array(v)) {
				if (!json_is_null(v))
					g->err = 1;
				continue;
			}
			json_array_foreach(v, i, el) {
				json_t *kk = json_object_get(el, "key"), *vv = json_object_get(el, "value");

				if (g->cae < 0 && json_is_object(el) && jeq(kk, "Is CAE Token", 0) &&
				    json_is_string(vv)) {
					if (jeq(vv, "true", 1))
						g->cae = 1;
					else if (jeq(vv, "false", 1))
						g->cae = 0;
				}
			}
		} else if (!strcmp(k, "initiatedBy")) {
			if ((o = opt_obj(v, &g->err)) && (x = json_object_get(o, "app")) &&
			    (o = opt_obj(x, &g->err)) && (x = json_object_get(o, "displayName")))
				opt_str(x, &g->initiator_app, &g->err);
		} else if (!strcmp(k, "targetResources")) {
			if (json_is_array(v))
				json_array_foreach(v, i, el)
					ref_target(el, g, unsure);
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
			ref_collect(v, &t->props, NULL, unsure);
		}
	}
}

static void rf_init(struct rf *g)
{
	memset(g, 0, sizeof *g);
	g->inter = g->evtypes = g->cae = -1;
}

/* "50173": digits with an optional '-', no leading zero, in int32. */
static int ref_int32(json_t *js, int32_t *out)
{
	size_t n;
	char *p = as_raw(js, &n);
	size_t i = n && p[0] == '-';
	int64_t x = 0;
	int r = -1;

	if (i < n && !(p[i] == '0' && n > i + 1) && n - i <= 10) {
		for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			x = x * 10 + (p[i] - '0');
		if (i == n) {
			x = p[0] == '-' ? -x : x;
			if (x >= INT32_MIN && x <= INT32_MAX) {
				*out = (int32_t)x;
				r = 0;
			}
		}
	}
	free(p);
	return r;
}

static void jstr(struct flat *f, int k, json_t *s)
{
	if (s)
		set_str(&f->s[k], &f->n[k], json_string_value(s), json_string_length(s));
	else
		set_str(&f->s[k], &f->n[k], "", 0);
}

static int ref_record(json_t *o, struct flat *f, int *unsure)
{
	static const char *const cats[] = {"SignInLogs", "NonInteractiveUserSignInLogs",
	                                   "ServicePrincipalSignInLogs", "ManagedIdentitySignInLogs"};
	struct rtop t;
	struct rf *s = &t.g;
	int export, kind = 0, inter_default = 1;
	json_t *text;

	memset(&t, 0, sizeof t);
	rf_init(&t.g);
	rf_init(&t.props);
	ref_collect(o, &t.g, &t, unsure);
	export = t.category && t.has_props;
	if (export) {
		for (size_t i = 0; i < 4; i++)
			if (jeq(t.category, cats[i], 1)) {
				kind = RM_EV_SIGNIN;
				inter_default = i == 0;
			}
		if (jeq(t.category, "AuditLogs", 1))
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
	f->kind = kind;
	f->cae = -1;
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
			size_t n;
			char *raw = as_raw(text, &n);

			rm_aadsts_50173_times((struct rm_str){raw, n}, &f->grant_ms, &f->tvf_ms);
			free(raw);
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
		f->result_ok = jeq(s->result, "success", 1);
		jstr(f, S_USER, s->tgt_id);
		jstr(f, S_UPN, s->tgt_upn);
		f->valid_from_ms = s->valid_from_ms;
		f->disabled = s->disabled;
		jstr(f, S_APP_ID, NULL);
		jstr(f, S_APP_NAME, NULL);
		jstr(f, S_DEVICE, NULL);
	}
	jstr(f, S_ID, s->id);
	jstr(f, S_CORR, s->corr ? s->corr : export ? t.g.corr : NULL);
	return RM_REC_OK;
}

static void ref_one(json_t *o, struct outcome *out)
{
	struct flat f;
	int r;

	memset(&f, 0, sizeof f);
	r = ref_record(o, &f, &out->unsure);
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

void ref_doc(json_t *root, struct outcome *out)
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
	v = json_object_get(root, "@odata.nextLink");
	if (json_is_string(v))
		set_str(&out->next, &out->next_n, json_string_value(v), json_string_length(v));
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

/* The first event where a and b differ, described in why; 0 when none does. */
static int events_diff(const struct outcome *a, const struct outcome *b, char *why, size_t n)
{
	for (size_t i = 0; i < a->nev; i++) {
		const struct flat *x = &a->ev[i], *y = &b->ev[i];

		if (x->kind != y->kind || x->time_ms != y->time_ms || x->code != y->code ||
		    x->inter != y->inter || x->cae != y->cae || x->result_ok != y->result_ok ||
		    x->disabled != y->disabled || x->grant_ms != y->grant_ms ||
		    x->tvf_ms != y->tvf_ms || x->valid_from_ms != y->valid_from_ms) {
			snprintf(why, n, "event %zu: kind %d/%d time %lld/%lld code %d/%d inter %d/%d "
			         "cae %d/%d ok %d/%d disabled %d/%d grant %lld/%lld tvf %lld/%lld "
			         "valid_from %lld/%lld", i, x->kind, y->kind, (long long)x->time_ms,
			         (long long)y->time_ms, x->code, y->code, x->inter, y->inter, x->cae,
			         y->cae, x->result_ok, y->result_ok, x->disabled, y->disabled,
			         (long long)x->grant_ms, (long long)y->grant_ms, (long long)x->tvf_ms,
			         (long long)y->tvf_ms, (long long)x->valid_from_ms,
			         (long long)y->valid_from_ms);
			return 1;
		}
		for (int k = 0; k < NSTR; k++)
			if (x->n[k] != y->n[k] || memcmp(x->s[k], y->s[k], x->n[k]) != 0) {
				snprintf(why, n, "event %zu %s: '%s' vs '%s'", i, str_names[k], x->s[k],
				         y->s[k]);
				return 1;
			}
	}
	return 0;
}

int outcome_diff(const struct outcome *a, const struct outcome *b, char *why, size_t n)
{
	if (a->ret != b->ret || a->records != b->records || a->skipped != b->skipped ||
	    a->rejected != b->rejected) {
		snprintf(why, n, "revmon ret %d %zu/%zu/%zu, reference ret %d %zu/%zu/%zu "
		         "(records/skipped/rejected)", a->ret, a->records, a->skipped, a->rejected,
		         b->ret, b->records, b->skipped, b->rejected);
		return 1;
	}
	if (a->nev != b->nev) {
		snprintf(why, n, "revmon delivered %zu events, the reference %zu", a->nev, b->nev);
		return 1;
	}
	return events_diff(a, b, why, n);
}
