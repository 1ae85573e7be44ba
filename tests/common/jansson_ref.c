/* The jansson reference extractor and revmon's side, flattened alike; see
 * jansson_ref.h. */
#include "jansson_ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	mine_str(f, S_OS, ev->os);
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

/* ASCII case-insensitive equality of a (length-counted) string and a literal. */
static int ci_eqn(const char *p, size_t n, const char *lit)
{
	size_t ln = strlen(lit);

	if (n != ln)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)p[i], b = (unsigned char)lit[i];

		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a + ('a' - 'A'));
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b + ('a' - 'A'));
		if (a != b)
			return 0;
	}
	return 1;
}

/* s is a string equal to lit (ci: ASCII case-insensitively). */
static int jeq(json_t *s, const char *lit, int ci)
{
	size_t n = strlen(lit);

	if (!json_is_string(s))
		return 0;
	if (ci)
		return ci_eqn(json_string_value(s), json_string_length(s), lit);
	return json_string_length(s) == n && memcmp(json_string_value(s), lit, n) == 0;
}

/* The member names read, matched ASCII case-insensitively; the ones after
 * R_TOP only at a record's top level (an export's envelope, a row's table
 * columns). Written from the shapes, not from revmon's fields.def. */
enum rk {
	R_OTHER = 0,
	R_ID, R_CREATED, R_ACT_TIME, R_ACT_NAME, R_CORR, R_USER_ID, R_UPN, R_APP_ID, R_APP_NAME,
	R_DEVICE, R_STATUS, R_IS_INTER, R_EVTYPES, R_APD, R_SERVICE, R_INITIATED, R_RESULT,
	R_TARGETS, R_RISK,
	R_TOP,
	R_TIME, R_CATEGORY, R_TABLE, R_RESULT_TYPE, R_RESULT_DESC, R_OPERATION, R_PROPERTIES,
	R_VALUE, R_RECORDS, R_TABLES, R_NEXTLINK,
};

static const struct {
	const char *name;
	enum rk k;
} names[] = {
	{"id", R_ID},
	{"createdDateTime", R_CREATED},
	{"activityDateTime", R_ACT_TIME},
	{"activityDisplayName", R_ACT_NAME},
	{"correlationId", R_CORR},
	{"userId", R_USER_ID},
	{"userPrincipalName", R_UPN},
	{"appId", R_APP_ID},
	{"appDisplayName", R_APP_NAME},
	{"deviceDetail", R_DEVICE},
	{"status", R_STATUS},
	{"isInteractive", R_IS_INTER},
	{"signInEventTypes", R_EVTYPES},
	{"authenticationProcessingDetails", R_APD},
	{"loggedByService", R_SERVICE},
	{"initiatedBy", R_INITIATED},
	{"result", R_RESULT},
	{"targetResources", R_TARGETS},
	{"riskEventType", R_RISK},
	{"time", R_TIME},
	{"TimeGenerated", R_TIME},
	{"category", R_CATEGORY},
	{"Type", R_TABLE},
	{"resultType", R_RESULT_TYPE},
	{"resultDescription", R_RESULT_DESC},
	{"operationName", R_OPERATION},
	{"properties", R_PROPERTIES},
	{"value", R_VALUE},
	{"records", R_RECORDS},
	{"tables", R_TABLES},
	{"@odata.nextLink", R_NEXTLINK},
};

static enum rk key_of(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (ci_eqn(p, n, names[i].name))
			return names[i].k;
	return R_OTHER;
}

static enum rk key_str(const char *k)
{
	return key_of(k, strlen(k));
}

/* Tables and diagnostic categories known by name: kind (RM_EV_*, 0 ignored)
 * and whether a sign-in of it is interactive by default (-1: no default). */
static const struct {
	const char *name;
	int kind, inter;
} kinds[] = {
	{"SignInLogs", RM_EV_SIGNIN, 1},
	{"NonInteractiveUserSignInLogs", RM_EV_SIGNIN, 0},
	{"AADNonInteractiveUserSignInLogs", RM_EV_SIGNIN, 0},
	{"AuditLogs", RM_EV_AUDIT, -1},
	{"ServicePrincipalSignInLogs", 0, -1},
	{"AADServicePrincipalSignInLogs", 0, -1},
	{"ManagedIdentitySignInLogs", 0, -1},
	{"AADManagedIdentitySignInLogs", 0, -1},
	{"MicrosoftServicePrincipalSignInLogs", 0, -1},
	{"ADFSSignInLogs", 0, -1},
	{"ProvisioningLogs", 0, -1},
	{"AADProvisioningLogs", 0, -1},
	{"RiskyUsers", 0, -1},
	{"AADRiskyUsers", 0, -1},
	{"UserRiskEvents", 0, -1},
	{"AADUserRiskEvents", 0, -1},
	{"RiskyServicePrincipals", 0, -1},
	{"AADRiskyServicePrincipals", 0, -1},
	{"ServicePrincipalRiskEvents", 0, -1},
	{"AADServicePrincipalRiskEvents", 0, -1},
	{"MicrosoftGraphActivityLogs", 0, -1},
	{"NetworkAccessTrafficLogs", 0, -1},
	{"EnrichedOffice365AuditLogs", 0, -1},
	{"B2CRequestLogs", 0, -1},
};

#define N_REF_KINDS (sizeof kinds / sizeof kinds[0])

static size_t kind_of(json_t *name)
{
	for (size_t i = 0; i < N_REF_KINDS; i++)
		if (jeq(name, kinds[i].name, 1))
			return i;
	return N_REF_KINDS;
}

#define REF_TEXT_MAX 3 /* levels of JSON text in strings decoded */
#define REF_COLS_MAX 1024 /* query API columns mapped */

/* DOMs decoded from JSON text, alive until the record is flattened. */
struct keep {
	json_t **v;
	size_t n, cap;
};

static void keep_add(struct keep *k, json_t *d)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 8;
		k->v = must(realloc(k->v, k->cap * sizeof *k->v));
	}
	k->v[k->n++] = d;
}

static void keep_free(struct keep *k)
{
	for (size_t i = 0; i < k->n; i++)
		json_decref(k->v[i]);
	free(k->v);
	memset(k, 0, sizeof *k);
}

/* Where values are read: the JSON-text level, and whether the strings
 * there are written as jansson would write them (see as_raw). */
struct rc {
	int depth;
	int exact;
	int *unsure;
	struct keep *keep;
};

/* Fields of one object (a record, an export's properties, a row). */
#define F_ID (1u << 0)
#define F_CORR (1u << 1)
#define F_CREATED (1u << 2)
#define F_ACT_TIME (1u << 3)
#define F_ACTIVITY (1u << 4)
#define F_CODE (1u << 5)
#define F_FAILURE (1u << 6)
#define F_SEEN_CREATED (1u << 7)
#define F_SEEN_AUDIT (1u << 8)
#define F_SEEN_RISK (1u << 9)

struct rtop;

struct rf {
	struct rtop *top; /* the record's top level only */
	int err;
	int partial; /* broken JSON text was read partly here: content unknown */
	unsigned has;
	json_t *id, *corr, *user_id, *upn, *app_id, *app_name, *device_id, *os, *failure, *activity,
		*service, *initiator_app, *result, *tgt_id, *tgt_upn;
	int failure_exact;
	int64_t created_ms, act_time_ms, valid_from_ms;
	int32_t code;
	int inter, evtypes_inter, evtypes_other, cae, has_target, disabled;
};

#define T_TIME (1u << 0)
#define T_CATEGORY (1u << 1)
#define T_TABLE (1u << 2)
#define T_RESULT_TYPE (1u << 3)
#define T_RESULT_DESC (1u << 4)
#define T_OPERATION (1u << 5)

struct rtop {
	struct rf g, props;
	int env_err, has_props;
	unsigned has;
	int64_t time_ms;
	json_t *category, *table, *result_type, *result_desc, *operation;
	int rt_exact, rd_exact;
};

static void rtop_init(struct rtop *t)
{
	memset(t, 0, sizeof *t);
	t->g.top = t;
	t->g.inter = t->props.inter = -1;
	t->g.evtypes_inter = t->props.evtypes_inter = -1;
	t->g.cae = t->props.cae = -1;
}

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

/* The raw text of a string revmon parses raw; where that text is not
 * known to be jansson's encoding (JSON text with other escapes), unsure. */
static char *raw_of(const struct rc *c, int exact, json_t *s, size_t *n)
{
	if (!exact)
		*c->unsure = 1;
	return as_raw(s, n);
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

/* 1 when JSON text p[0..n), parsed into d, holds its strings as jansson
 * writes them: no escape at all, or byte for byte jansson's compact dump
 * once the whitespace between tokens is dropped. */
static int text_exact(const char *p, size_t n, json_t *d)
{
	char *dump;
	size_t j = 0;
	int in_str = 0, ok = 1;

	if (!memchr(p, '\\', n))
		return 1;
	dump = must(json_dumps(d, JSON_ENCODE_ANY | JSON_COMPACT));
	for (size_t i = 0; i < n && ok; i++) {
		if (!in_str && is_ws(p[i]))
			continue;
		if (dump[j] != p[i]) {
			ok = 0;
			break;
		}
		j++;
		if (in_str && p[i] == '\\') {
			if (i + 1 >= n || dump[j] != p[i + 1])
				ok = 0;
			i++;
			j++;
		} else if (p[i] == '"') {
			in_str = !in_str;
		}
	}
	ok = ok && dump[j] == '\0';
	free(dump);
	return ok;
}

/* "", "null" and "None" (az CLI) stand for an absent dynamic value. */
static int absent_text(json_t *s)
{
	return json_is_string(s) &&
	       (json_string_length(s) == 0 || jeq(s, "null", 0) || jeq(s, "None", 0));
}

/* JSON text in a string standing for an object (open '{') or an array
 * ('['): 0 absent, 1 decoded into *d (with *sub the context to read it in),
 * -1 a field error (*partial set when revmon may have read part of it). */
static int json_text(const struct rc *c, json_t *s, char open, int *partial, json_t **d,
                     struct rc *sub)
{
	const char *p = json_string_value(s);
	size_t n = json_string_length(s), a = 0, e = n;
	json_error_t jerr;

	if (absent_text(s))
		return 0;
	if (c->depth >= REF_TEXT_MAX)
		return -1;
	while (a < e && is_ws(p[a]))
		a++;
	while (e > a && is_ws(p[e - 1]))
		e--;
	if (a == e || p[a] != open)
		return -1;
	if (memchr(p, '\0', n) || text_depth(p + a, e - a) > RM_JSON_MAX_DEPTH) {
		/* a NUL ends jansson's input; revmon's scanner has a depth limit */
		*c->unsure = 1;
		return -1;
	}
	*d = json_loadb(p + a, e - a, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	if (!*d) {
		enum json_error_code code = json_error_code(&jerr);

		/* where jansson is stricter than revmon's scanner (see
		 * test_json_diff.c), or a duplicate key: not modelled */
		if (code == json_error_invalid_utf8 || code == json_error_numeric_overflow ||
		    code == json_error_null_byte_in_key || code == json_error_duplicate_key ||
		    strstr(jerr.text, "invalid Unicode"))
			*c->unsure = 1;
		if (partial)
			*partial = 1;
		return -1;
	}
	keep_add(c->keep, *d);
	*sub = *c;
	sub->depth = c->depth + 1;
	sub->exact = text_exact(p + a, e - a, *d);
	return 1;
}

typedef void (*read_fn)(const struct rc *c, json_t *v, void *arg);

/* A dynamic value: the object (want '{') or array ('['), its JSON text,
 * null; anything else an error in *err. */
static void dyn(const struct rc *c, json_t *v, char want, int *err, int *partial, read_fn fn,
                void *arg)
{
	struct rc sub;
	json_t *d;
	int r;

	if (want == '{' ? json_is_object(v) : json_is_array(v)) {
		fn(c, v, arg);
	} else if (json_is_string(v)) {
		r = json_text(c, v, want, partial, &d, &sub);
		if (r < 0)
			*err = 1;
		else if (r > 0)
			fn(&sub, d, arg);
	} else if (!json_is_null(v)) {
		*err = 1;
	}
}

/* An optional string: null leaves *out alone, other types are errors. */
static void get_str(json_t *v, json_t **out, unsigned *has, unsigned bit, int *err)
{
	if (json_is_string(v)) {
		*out = v;
		if (has)
			*has |= bit;
	} else if (!json_is_null(v)) {
		*err = 1;
	}
}

/* A timestamp: anything but a string rm_time_parse_any reads is an error. */
static void get_time(const struct rc *c, json_t *v, int64_t *ms, unsigned *has, unsigned bit,
                     int *err)
{
	int64_t x;
	size_t n;
	char *raw;

	/* null, "", "null" and "None" stand for no time, as in revmon */
	if (json_is_null(v) || absent_text(v))
		return;
	if (!json_is_string(v)) {
		*err = 1;
		return;
	}
	raw = raw_of(c, c->exact, v, &n);
	if (rm_time_parse_any(raw, n, &x) == 0) {
		*ms = x;
		*has |= bit;
	} else {
		*err = 1;
	}
	free(raw);
}

/* "50173", "-1": digits with an optional '-', no leading zero, in int32. */
static int ref_int32(const char *p, size_t n, int32_t *out)
{
	size_t i = n && p[0] == '-';
	int64_t x = 0;

	if (i >= n || (p[i] == '0' && n > i + 1) || n - i > 10)
		return -1;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		x = x * 10 + (p[i] - '0');
	}
	x = p[0] == '-' ? -x : x;
	if (x < INT32_MIN || x > INT32_MAX)
		return -1;
	*out = (int32_t)x;
	return 0;
}

/* An integer as a JSON number or a string of digits; 1 set, -1 not one. */
static int int_value(const struct rc *c, int exact, json_t *v, int32_t *out)
{
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		if (x < INT32_MIN || x > INT32_MAX)
			return -1;
		*out = (int32_t)x;
		return 1;
	}
	if (json_is_string(v)) {
		size_t n;
		char *raw = raw_of(c, exact, v, &n);
		int r = ref_int32(raw, n, out);

		free(raw);
		return r == 0 ? 1 : -1;
	}
	return -1; /* reals, and the rest */
}

static void read_device(const struct rc *c, json_t *o, void *arg)
{
	struct rf *g = arg;
	const char *k;
	json_t *v;

	(void)c;
	json_object_foreach(o, k, v)
		if (ci_eqn(k, strlen(k), "deviceId"))
			get_str(v, &g->device_id, NULL, 0, &g->err);
		else if (ci_eqn(k, strlen(k), "operatingSystem"))
			get_str(v, &g->os, NULL, 0, &g->err);
}

static void read_status(const struct rc *c, json_t *o, void *arg)
{
	struct rf *g = arg;
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		if (ci_eqn(k, strlen(k), "errorCode")) {
			if (json_is_null(v) || absent_text(v))
				continue;
			if (int_value(c, c->exact, v, &g->code) > 0)
				g->has |= F_CODE;
			else
				g->err = 1;
		} else if (ci_eqn(k, strlen(k), "failureReason")) {
			get_str(v, &g->failure, &g->has, F_FAILURE, &g->err);
			if (json_is_string(v))
				g->failure_exact = c->exact;
		}
	}
}

static void read_evtypes(const struct rc *c, json_t *a, void *arg)
{
	struct rf *g = arg;
	json_t *el;
	size_t i;

	(void)c;
	json_array_foreach(a, i, el) {
		if (jeq(el, "interactiveUser", 1))
			g->evtypes_inter = 1;
		else if (jeq(el, "servicePrincipal", 1) || jeq(el, "managedIdentity", 1))
			g->evtypes_other = 1;
	}
}

static void read_apd(const struct rc *c, json_t *a, void *arg)
{
	struct rf *g = arg;
	const char *k;
	json_t *el, *v;
	size_t i;

	(void)c;
	json_array_foreach(a, i, el) {
		json_t *kk = NULL, *vv = NULL;

		if (!json_is_object(el))
			continue;
		json_object_foreach(el, k, v) {
			if (ci_eqn(k, strlen(k), "key"))
				kk = v;
			else if (ci_eqn(k, strlen(k), "value"))
				vv = v;
		}
		/* the first "Is CAE Token" with a True/False value decides */
		if (g->cae < 0 && jeq(kk, "Is CAE Token", 0) && json_is_string(vv)) {
			if (jeq(vv, "true", 1))
				g->cae = 1;
			else if (jeq(vv, "false", 1))
				g->cae = 0;
		}
	}
}

static void read_app(const struct rc *c, json_t *o, void *arg)
{
	struct rf *g = arg;
	const char *k;
	json_t *v;

	(void)c;
	json_object_foreach(o, k, v)
		if (ci_eqn(k, strlen(k), "displayName"))
			get_str(v, &g->initiator_app, NULL, 0, &g->err);
}

static void read_initiated(const struct rc *c, json_t *o, void *arg)
{
	struct rf *g = arg;
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
		if (ci_eqn(k, strlen(k), "app"))
			dyn(c, v, '{', &g->err, NULL, read_app, g);
}

struct rtarget {
	struct rf *g;
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
		if (memchr(txt, '\0', n) || memchr(txt + s, '\\', e - s) ||
		    text_depth(txt + s, e - s) > RM_JSON_MAX_DEPTH) {
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

static void read_modprops(const struct rc *c, json_t *a, void *arg)
{
	struct rtarget *t = arg;
	const char *k;
	json_t *mp, *v;
	size_t i;

	json_array_foreach(a, i, mp) {
		json_t *name = NULL, *nv = NULL;

		if (!json_is_object(mp))
			continue;
		json_object_foreach(mp, k, v) {
			if (ci_eqn(k, strlen(k), "displayName"))
				get_str(v, &name, NULL, 0, &t->g->err);
			else if (ci_eqn(k, strlen(k), "newValue"))
				get_str(v, &nv, NULL, 0, &t->g->err);
		}
		if (name && nv)
			ref_modprop(name, nv, t, &t->g->err, c->unsure);
	}
}

static void read_targets(const struct rc *c, json_t *a, void *arg)
{
	struct rf *g = arg;
	struct rtarget t;
	const char *k;
	json_t *el, *v;
	size_t i;

	json_array_foreach(a, i, el) {
		if (!json_is_object(el))
			continue;
		memset(&t, 0, sizeof t);
		t.g = g;
		json_object_foreach(el, k, v) {
			size_t kn = strlen(k);

			if (ci_eqn(k, kn, "id"))
				get_str(v, &t.id, NULL, 0, &g->err);
			else if (ci_eqn(k, kn, "userPrincipalName"))
				get_str(v, &t.upn, NULL, 0, &g->err);
			else if (ci_eqn(k, kn, "type"))
				get_str(v, &t.type, NULL, 0, &g->err);
			else if (ci_eqn(k, kn, "modifiedProperties"))
				dyn(c, v, '[', &g->err, NULL, read_modprops, &t);
		}
		/* the first User target is the audit's subject */
		if (!g->has_target && jeq(t.type, "User", 1)) {
			g->has_target = 1;
			g->tgt_id = t.id;
			g->tgt_upn = t.upn;
			g->valid_from_ms = t.valid_from_ms;
			g->disabled = t.disabled;
		}
	}
}

static void read_member(const struct rc *c, enum rk k, json_t *v, struct rf *g);

static void read_object(const struct rc *c, json_t *o, void *arg)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
		read_member(c, key_str(k), v, arg);
}

/* A member of a record's top level only: an export's envelope, a row's
 * table columns. Containers count at the document's top only (ref_doc). */
static void read_envelope(const struct rc *c, enum rk k, json_t *v, struct rtop *t)
{
	switch (k) {
	case R_TIME:
		get_time(c, v, &t->time_ms, &t->has, T_TIME, &t->env_err);
		break;
	case R_CATEGORY:
		get_str(v, &t->category, &t->has, T_CATEGORY, &t->env_err);
		break;
	case R_TABLE:
		get_str(v, &t->table, &t->has, T_TABLE, &t->env_err);
		break;
	case R_RESULT_TYPE:
		/* a string, or a number from some forwarders */
		if (json_is_number(v) || (json_is_string(v) && !absent_text(v))) {
			t->result_type = v;
			t->rt_exact = c->exact;
			t->has |= T_RESULT_TYPE;
		} else if (!json_is_null(v) && !json_is_string(v)) {
			t->env_err = 1;
		}
		break;
	case R_RESULT_DESC:
		get_str(v, &t->result_desc, &t->has, T_RESULT_DESC, &t->env_err);
		if (json_is_string(v))
			t->rd_exact = c->exact;
		break;
	case R_OPERATION:
		get_str(v, &t->operation, &t->has, T_OPERATION, &t->env_err);
		break;
	case R_PROPERTIES:
		/* the first object (or its JSON text) is the properties */
		if (t->has_props || !(json_is_object(v) || json_is_string(v)))
			break;
		t->has_props = 1;
		dyn(c, v, '{', &t->env_err, &t->props.partial, read_object, &t->props);
		break;
	default:
		break;
	}
}

static void read_member(const struct rc *c, enum rk k, json_t *v, struct rf *g)
{
	if (k > R_TOP) {
		if (g->top)
			read_envelope(c, k, v, g->top);
		return;
	}
	switch (k) {
	case R_ID:
		get_str(v, &g->id, &g->has, F_ID, &g->err);
		break;
	case R_CREATED:
		g->has |= F_SEEN_CREATED;
		get_time(c, v, &g->created_ms, &g->has, F_CREATED, &g->err);
		break;
	case R_ACT_TIME:
		g->has |= F_SEEN_AUDIT;
		get_time(c, v, &g->act_time_ms, &g->has, F_ACT_TIME, &g->err);
		break;
	case R_ACT_NAME:
		g->has |= F_SEEN_AUDIT;
		get_str(v, &g->activity, &g->has, F_ACTIVITY, &g->err);
		break;
	case R_CORR:
		get_str(v, &g->corr, &g->has, F_CORR, &g->err);
		break;
	case R_USER_ID:
		get_str(v, &g->user_id, NULL, 0, &g->err);
		break;
	case R_UPN:
		get_str(v, &g->upn, NULL, 0, &g->err);
		break;
	case R_APP_ID:
		get_str(v, &g->app_id, NULL, 0, &g->err);
		break;
	case R_APP_NAME:
		get_str(v, &g->app_name, NULL, 0, &g->err);
		break;
	case R_SERVICE:
		get_str(v, &g->service, NULL, 0, &g->err);
		break;
	case R_RESULT:
		get_str(v, &g->result, NULL, 0, &g->err);
		break;
	case R_RISK:
		g->has |= F_SEEN_RISK;
		break;
	case R_DEVICE:
		dyn(c, v, '{', &g->err, NULL, read_device, g);
		break;
	case R_STATUS:
		dyn(c, v, '{', &g->err, NULL, read_status, g);
		break;
	case R_IS_INTER:
		if (json_is_boolean(v))
			g->inter = json_is_true(v);
		else if (jeq(v, "true", 1))
			g->inter = 1;
		else if (jeq(v, "false", 1))
			g->inter = 0;
		else if (!json_is_null(v) && !absent_text(v))
			g->err = 1;
		break;
	case R_EVTYPES:
		if (g->evtypes_inter < 0)
			g->evtypes_inter = 0;
		dyn(c, v, '[', &g->err, &g->partial, read_evtypes, g);
		break;
	case R_APD:
		dyn(c, v, '[', &g->err, NULL, read_apd, g);
		break;
	case R_INITIATED:
		dyn(c, v, '{', &g->err, NULL, read_initiated, g);
		break;
	case R_TARGETS:
		dyn(c, v, '[', &g->err, NULL, read_targets, g);
		break;
	default:
		break;
	}
}

static void jstr(struct flat *f, int k, json_t *s)
{
	if (s)
		set_str(&f->s[k], &f->n[k], json_string_value(s), json_string_length(s));
	else
		set_str(&f->s[k], &f->n[k], "", 0);
}

/* The kind: the table, else the category, else the fields. RM_EV_*, 0 to
 * ignore, -1 neither. */
static int ref_kind(const struct rc *c, const struct rtop *t, const struct rf *s, int *inter)
{
	size_t k = N_REF_KINDS;

	if ((t->has & T_TABLE) && json_string_length(t->table)) {
		k = kind_of(t->table);
		if (k == N_REF_KINDS)
			return 0;
	} else if ((t->has & T_CATEGORY) && json_string_length(t->category)) {
		k = kind_of(t->category);
		if (k == N_REF_KINDS && t->has_props)
			return 0;
	}
	if (k < N_REF_KINDS) {
		*inter = kinds[k].inter;
		return kinds[k].kind;
	}
	if (s->partial)
		*c->unsure = 1; /* what revmon read of broken JSON text decides */
	if (s->has & F_SEEN_RISK)
		return 0;
	if (s->has & F_SEEN_CREATED)
		return s->evtypes_other && s->evtypes_inter <= 0 && s->inter != 1 ? 0 : RM_EV_SIGNIN;
	if (s->has & F_SEEN_AUDIT)
		return RM_EV_AUDIT;
	return -1;
}

static int ref_finish(const struct rc *c, const struct rtop *t, struct flat *f)
{
	const struct rf *s = t->has_props ? &t->props : &t->g;
	int inter = -1, kind = ref_kind(c, t, s, &inter);
	json_t *text;

	if (kind == 0)
		return RM_REC_SKIP;
	if (kind < 0 || t->env_err || t->g.err || (t->has_props && s->err))
		return RM_REC_BAD;
	if (!(s->has & F_ID) || json_string_length(s->id) == 0)
		return RM_REC_BAD;
	f->kind = kind;
	f->cae = -1;
	if (kind == RM_EV_SIGNIN) {
		if (s->has & F_CREATED)
			f->time_ms = s->created_ms;
		else if (t->has & T_TIME)
			f->time_ms = t->time_ms;
		else
			return RM_REC_BAD;
		if (s->has & F_CODE)
			f->code = s->code;
		else if (!(t->has & T_RESULT_TYPE) || int_value(c, t->rt_exact, t->result_type, &f->code) < 0)
			return RM_REC_BAD;
		text = (s->has & F_FAILURE) ? s->failure : (t->has & T_RESULT_DESC) ? t->result_desc : NULL;
		if (f->code == 50173 && text && json_string_length(text)) {
			size_t n;
			char *raw = raw_of(c, (s->has & F_FAILURE) ? s->failure_exact : t->rd_exact, text, &n);

			rm_aadsts_50173_times((struct rm_str){raw, n}, &f->grant_ms, &f->tvf_ms);
			free(raw);
		}
		f->inter = s->inter >= 0 ? s->inter : s->evtypes_inter >= 0 ? s->evtypes_inter
		           : inter >= 0 ? inter : 1;
		f->cae = s->cae;
		jstr(f, S_USER, s->user_id);
		jstr(f, S_UPN, s->upn);
		jstr(f, S_APP_ID, s->app_id);
		jstr(f, S_APP_NAME, s->app_name);
		jstr(f, S_DEVICE, s->device_id);
		jstr(f, S_OS, s->os);
		jstr(f, S_ACTIVITY, NULL);
		jstr(f, S_SERVICE, NULL);
		jstr(f, S_INITIATOR, NULL);
	} else {
		if (s->has & F_ACT_TIME)
			f->time_ms = s->act_time_ms;
		else if (t->has & T_TIME)
			f->time_ms = t->time_ms;
		else
			return RM_REC_BAD;
		jstr(f, S_ACTIVITY, (s->has & F_ACTIVITY) ? s->activity
		                    : (t->has & T_OPERATION) ? t->operation : NULL);
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
		jstr(f, S_OS, NULL);
	}
	jstr(f, S_ID, s->id);
	jstr(f, S_CORR, (s->has & F_CORR) ? s->corr : (t->g.has & F_CORR) ? t->g.corr : NULL);
	return RM_REC_OK;
}

static int deliver(struct outcome *out, int r, struct flat *f)
{
	if (r == RM_REC_OK) {
		*outcome_add(out) = *f;
		out->records++;
		return r;
	}
	for (int k = 0; k < NSTR; k++)
		free(f->s[k]);
	if (r == RM_REC_SKIP)
		out->skipped++;
	else
		out->rejected++;
	return r;
}

/* One record: an object read at JSON-text level depth (exact as in struct
 * rc), or a row's cells with their columns' keys. */
static int ref_record(struct outcome *out, json_t *o, const enum rk *cols, size_t ncols, int depth,
                      int exact)
{
	struct keep keep = {0};
	struct rc c = {depth, exact, &out->unsure, &keep};
	struct rtop t;
	struct flat f;
	int r;

	rtop_init(&t);
	memset(&f, 0, sizeof f);
	if (json_is_object(o)) {
		read_object(&c, o, &t.g);
	} else {
		json_t *cell;
		size_t i;

		json_array_foreach(o, i, cell)
			read_member(&c, i < ncols ? cols[i] : R_OTHER, cell, &t.g);
	}
	r = deliver(out, ref_finish(&c, &t, &f), &f);
	keep_free(&keep);
	return r;
}

/* A record wrapped in a JSON string by a forwarder. */
static int ref_wrapped(struct outcome *out, json_t *s)
{
	const char *p = json_string_value(s);
	size_t n = json_string_length(s), a = 0;
	json_error_t jerr;
	json_t *d;
	int r;

	while (a < n && is_ws(p[a]))
		a++;
	if (a >= n || p[a] != '{') {
		out->rejected++;
		return RM_REC_BAD;
	}
	if (memchr(p, '\0', n) || text_depth(p + a, n - a) > RM_JSON_MAX_DEPTH) {
		out->unsure = 1;
		out->rejected++;
		return RM_REC_BAD;
	}
	d = json_loadb(p + a, n - a, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	if (!d) {
		enum json_error_code code = json_error_code(&jerr);

		if (code == json_error_invalid_utf8 || code == json_error_numeric_overflow ||
		    code == json_error_null_byte_in_key || code == json_error_duplicate_key ||
		    strstr(jerr.text, "invalid Unicode"))
			out->unsure = 1;
		out->rejected++;
		return RM_REC_BAD;
	}
	r = ref_record(out, d, NULL, 0, 1, text_exact(p + a, n - a, d));
	json_decref(d);
	return r;
}

/* A container's elements: records, or records in strings. */
static void ref_elements(struct outcome *out, json_t *a)
{
	json_t *el;
	size_t i;

	json_array_foreach(a, i, el) {
		if (json_is_object(el))
			ref_record(out, el, NULL, 0, 0, 1);
		else if (json_is_string(el))
			ref_wrapped(out, el);
		else
			out->rejected++;
	}
}

struct rtable {
	enum rk col[REF_COLS_MAX];
	size_t n;
	int have_cols;
};

static void ref_rows(struct outcome *out, const struct rtable *tb, json_t *rows)
{
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row) {
		if (json_is_array(row))
			ref_record(out, row, tb->col, tb->n, 0, 1);
		else
			out->rejected++;
	}
}

/* The Log Analytics query API's answer: tables of columns and rows. */
static void ref_tables(struct outcome *out, json_t *tables)
{
	struct rtable *tb = must(malloc(sizeof *tb));
	const char *k;
	json_t *tab, *v, *col, *later;
	size_t i, j;

	json_array_foreach(tables, i, tab) {
		if (!json_is_object(tab))
			continue;
		tb->n = 0;
		tb->have_cols = 0;
		later = NULL;
		json_object_foreach(tab, k, v) {
			if (ci_eqn(k, strlen(k), "columns") && json_is_array(v)) {
				json_array_foreach(v, j, col) {
					json_t *name = NULL;
					enum rk key = R_OTHER;

					if (json_is_object(col)) {
						name = json_object_get(col, "name");
						if (!name)
							name = json_object_get(col, "ColumnName");
					}
					if (json_is_string(name))
						key = key_of(json_string_value(name), json_string_length(name));
					if (tb->n < REF_COLS_MAX)
						tb->col[tb->n++] = key;
				}
				tb->have_cols = 1;
			} else if (ci_eqn(k, strlen(k), "rows") && json_is_array(v)) {
				if (tb->have_cols)
					ref_rows(out, tb, v);
				else
					later = v; /* before the columns: read after them */
			}
		}
		if (later)
			ref_rows(out, tb, later);
	}
	free(tb);
}

void ref_doc(json_t *root, struct outcome *out)
{
	const char *k;
	json_t *v;
	int container = 0;

	out->ret = 0;
	if (json_is_array(root)) {
		ref_elements(out, root);
		return;
	}
	if (json_is_string(root)) {
		if (ref_wrapped(out, root) == RM_REC_BAD)
			out->ret = RM_REC_BAD;
		return;
	}
	if (!json_is_object(root)) {
		out->rejected = 1;
		out->ret = RM_REC_BAD;
		return;
	}
	json_object_foreach(root, k, v) {
		enum rk key = key_str(k);

		if (key == R_NEXTLINK && json_is_string(v)) {
			free(out->next);
			set_str(&out->next, &out->next_n, json_string_value(v), json_string_length(v));
		} else if ((key == R_VALUE || key == R_RECORDS || key == R_TABLES) && json_is_array(v)) {
			container = 1;
			if (key == R_TABLES)
				ref_tables(out, v);
			else
				ref_elements(out, v);
		}
	}
	if (!container && ref_record(out, root, NULL, 0, 0, 1) == RM_REC_BAD)
		out->ret = RM_REC_BAD;
}

/* ---- comparing ---- */

static const char *const str_names[NSTR] = {"id", "correlation_id", "user_id", "upn", "app_id",
                                            "app_name", "device_id", "activity", "service",
                                            "initiator_app", "os"};

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
