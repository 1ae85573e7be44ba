/* The tenant simulator: determinism, the documented JSON shapes, the
 * revocation stories it tells, delivery order and its ground truth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "sim.h"

#define MIN_MS 60000LL
#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)

static void small_params(struct rm_sim_params *p)
{
	rm_sim_params_default(p);
	p->users = 300;
	p->revocations_per_user_day = 0.5;
	p->stuck_share = 0.5;
}

/* Run s to until in steps, appending everything to out. */
static long run_steps(struct rm_sim *s, int64_t until, int64_t step, enum rm_shape shape,
                      struct rm_buf *out)
{
	long total = 0;

	while (rm_sim_clock(s) < until) {
		int64_t t = rm_sim_clock(s) + step;
		long n = rm_sim_run(s, t < until ? t : until, shape, out);

		assert_true(n >= 0);
		total += n;
	}
	return total;
}

/* Calls fn on every line of buf as a parsed JSON value. */
static size_t each_line(const struct rm_buf *buf, void (*fn)(json_t *, void *), void *ctx)
{
	size_t off = 0, lines = 0;

	while (off < buf->len) {
		const char *nl = memchr(buf->data + off, '\n', buf->len - off);
		size_t n;
		json_error_t err;
		json_t *v;

		assert_non_null(nl); /* every line ends with a newline */
		n = (size_t)(nl - (buf->data + off));
		v = json_loadb(buf->data + off, n, 0, &err);
		if (!v)
			fail_msg("line %zu: %s", lines + 1, err.text);
		fn(v, ctx);
		json_decref(v);
		off += n + 1;
		lines++;
	}
	return lines;
}

static int digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "2026-01-05T08:00:01.1234567Z" or "...+00:00" or "2026-01-05T08:00:01Z" to
 * ms; -1 if it is not that shape. */
static int64_t parse_time(const char *s)
{
	int y, mo, d, h, mi, sec, ms = 0;
	int64_t days;
	unsigned yy, era, yoe, doy, doe, mp;

	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return -1;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 59)
		return -1;
	if (s[19] == '.' && (ms = digits(s + 20, 3)) < 0)
		return -1;
	yy = (unsigned)(y - (mo <= 2));
	era = yy / 400;
	yoe = yy - era * 400;
	mp = (unsigned)(mo > 2 ? mo - 3 : mo + 9);
	doy = (153 * mp + 2) / 5 + (unsigned)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = (int64_t)era * 146097 + (int64_t)doe - 719468;
	return ((days * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL + ms;
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("field %s is not a string", key);
	return json_string_value(v);
}

static const char *const audit_names[] = {
	"Update user", "Update StsRefreshTokenValidFrom Timestamp", "Reset password (by admin)",
	"Change user password", "Disable account", "Delete user", "Enable account",
	"User registered security info", "Admin registered security info", "ConfirmAccountCompromised",
};

/* ---- what a record must look like ---- */

struct seen {
	size_t signins, audits, interactive, cae_true, code_50173, code_90055, code_50196;
	size_t graph_pages, bodies;
	int monitor;        /* records are Azure Monitor exports */
	int64_t last_time;  /* for order checks */
	size_t inversions;
	int64_t mass_at;    /* interactive counts around it */
	size_t before, after;
	/* audits, for the two-row revoke */
	char sts_corr[64][40];
	int64_t sts_time[64];
	size_t nsts;
	char user_corr[64][40];
	int64_t user_time[64];
	size_t nuser;
	size_t sts_new_matches;
};

static void check_time_field(const char *t, int monitor)
{
	size_t n = strlen(t);

	/* 2026-01-05T08:00:01.1234567Z / +00:00 */
	assert_int_equal(t[19], '.');
	if (monitor) {
		assert_int_equal(n, 33);
		assert_string_equal(t + 27, "+00:00");
	} else {
		assert_int_equal(n, 28);
		assert_int_equal(t[27], 'Z');
	}
	assert_true(parse_time(t) > 0);
}

static void check_50173(const char *reason, int64_t created)
{
	const char *g = strstr(reason, "The grant was issued on '");
	const char *v = strstr(reason, "the TokensValidFrom date (before which tokens are not valid) for this user is '");
	int64_t grant, valid;

	assert_non_null(g);
	assert_non_null(v);
	assert_true(strncmp(reason, "The provided grant has expired due to it being revoked", 54) == 0);
	grant = parse_time(g + strlen("The grant was issued on '"));
	valid = parse_time(v + strlen("the TokensValidFrom date (before which tokens are not valid) for this user is '"));
	assert_true(grant > 0 && valid > 0);
	assert_true(grant < valid);
	assert_true(valid <= created);
}

static void check_signin(json_t *o, struct seen *sn)
{
	json_t *st = json_object_get(o, "status"), *apd, *dev, *loc, *ev;
	int64_t t = parse_time(str(o, "createdDateTime"));
	size_t i;
	int cae = -1;
	json_int_t code;

	check_time_field(str(o, "createdDateTime"), sn->monitor);
	assert_int_equal(strlen(str(o, "id")), 36);
	assert_int_equal(strlen(str(o, "userId")), 36);
	assert_int_equal(strlen(str(o, "correlationId")), 36);
	assert_non_null(strstr(str(o, "userPrincipalName"), "@contoso.example"));
	str(o, "userDisplayName");
	str(o, "appId");
	str(o, "appDisplayName");
	str(o, "clientAppUsed");
	str(o, "ipAddress");
	str(o, "originalRequestId");
	str(o, "incomingTokenType");
	str(o, "resourceDisplayName");
	str(o, "resourceId");
	str(o, "resourceTenantId");
	str(o, "homeTenantId");
	str(o, "tokenIssuerType");
	str(o, "authenticationRequirement");
	str(o, "conditionalAccessStatus");
	str(o, "uniqueTokenIdentifier");
	str(o, "sessionId");
	str(o, "riskDetail");
	assert_true(json_is_array(json_object_get(o, "appliedConditionalAccessPolicies")));
	assert_true(json_array_size(json_object_get(o, "appliedConditionalAccessPolicies")) >= 2);
	assert_true(json_is_array(json_object_get(o, "authenticationDetails")));
	assert_true(json_is_array(json_object_get(o, "sessionLifetimePolicies")));
	assert_true(json_is_boolean(json_object_get(o, "isInteractive")));
	ev = json_object_get(o, "signInEventTypes");
	assert_true(json_is_array(ev) && json_array_size(ev) == 1);
	assert_string_equal(json_string_value(json_array_get(ev, 0)),
	                    json_is_true(json_object_get(o, "isInteractive")) ? "interactiveUser"
	                                                                      : "nonInteractiveUser");
	assert_string_equal(str(o, "userType"), sn->monitor ? "Member" : "member");

	assert_true(json_is_object(st));
	assert_true(json_is_integer(json_object_get(st, "errorCode")));
	code = json_integer_value(json_object_get(st, "errorCode"));
	str(st, "failureReason");
	dev = json_object_get(o, "deviceDetail");
	assert_true(json_is_object(dev));
	str(dev, "deviceId");
	str(dev, "operatingSystem");
	assert_true(json_is_boolean(json_object_get(dev, "isCompliant")));
	assert_true(json_is_boolean(json_object_get(dev, "isManaged")));
	loc = json_object_get(o, "location");
	assert_true(json_is_object(loc));
	str(loc, "countryOrRegion");
	assert_true(json_is_number(json_object_get(json_object_get(loc, "geoCoordinates"), "latitude")));

	apd = json_object_get(o, "authenticationProcessingDetails");
	assert_true(json_is_array(apd));
	for (i = 0; i < json_array_size(apd); i++) {
		json_t *kv = json_array_get(apd, i);

		if (strcmp(str(kv, "key"), "Is CAE Token") == 0) {
			const char *v = str(kv, "value");

			assert_true(strcmp(v, "True") == 0 || strcmp(v, "False") == 0);
			cae = v[0] == 'T';
		}
	}
	assert_true(cae >= 0);

	sn->signins++;
	sn->cae_true += (size_t)cae;
	if (json_is_true(json_object_get(o, "isInteractive"))) {
		sn->interactive++;
		if (sn->mass_at && t >= sn->mass_at - 30 * MIN_MS && t < sn->mass_at)
			sn->before++;
		if (sn->mass_at && t >= sn->mass_at && t < sn->mass_at + 30 * MIN_MS)
			sn->after++;
	}
	if (code == 50173) {
		sn->code_50173++;
		check_50173(str(st, "failureReason"), t);
	}
	sn->code_90055 += code == 90055;
	sn->code_50196 += code == 50196;
	if (t < sn->last_time)
		sn->inversions++;
	sn->last_time = t;
}

static void check_audit(json_t *o, struct seen *sn)
{
	const char *name = str(o, "activityDisplayName");
	const char *corr = str(o, "correlationId");
	int64_t t = parse_time(str(o, "activityDateTime"));
	json_t *targets = json_object_get(o, "targetResources"), *target, *mods;
	size_t i, known = 0;

	check_time_field(str(o, "activityDateTime"), sn->monitor);
	for (i = 0; i < sizeof(audit_names) / sizeof(audit_names[0]); i++)
		known += strcmp(name, audit_names[i]) == 0;
	assert_int_equal(known, 1);
	str(o, "id");
	str(o, "loggedByService");
	str(o, "category");
	assert_string_equal(str(o, "result"), "success");
	assert_true(json_is_object(json_object_get(o, "initiatedBy")));
	assert_true(json_is_array(targets) && json_array_size(targets) == 1);
	target = json_array_get(targets, 0);
	assert_string_equal(str(target, "type"), "User");
	assert_int_equal(strlen(str(target, "id")), 36);
	mods = json_object_get(target, "modifiedProperties");
	assert_true(json_is_array(mods));

	if (strcmp(name, "Update StsRefreshTokenValidFrom Timestamp") == 0) {
		json_t *m = json_array_get(mods, 0), *arr;
		json_error_t err;

		assert_string_equal(str(o, "loggedByService"), "Core Directory");
		assert_string_equal(str(o, "category"), "UserManagement");
		assert_string_equal(str(m, "displayName"), "StsRefreshTokensValidFrom");
		/* the values are JSON-encoded arrays of one timestamp */
		arr = json_loads(str(m, "newValue"), 0, &err);
		assert_non_null(arr);
		assert_true(json_is_string(json_array_get(arr, 0)));
		if (parse_time(json_string_value(json_array_get(arr, 0))) == t)
			sn->sts_new_matches++;
		json_decref(arr);
		arr = json_loads(str(m, "oldValue"), 0, &err);
		assert_non_null(arr);
		json_decref(arr);
		if (sn->nsts < 64) {
			snprintf(sn->sts_corr[sn->nsts], sizeof(sn->sts_corr[0]), "%s", corr);
			sn->sts_time[sn->nsts++] = t;
		}
	} else if (strcmp(name, "Update user") == 0 && sn->nuser < 64) {
		snprintf(sn->user_corr[sn->nuser], sizeof(sn->user_corr[0]), "%s", corr);
		sn->user_time[sn->nuser++] = t;
	} else if (strcmp(name, "Reset password (by admin)") == 0) {
		assert_string_equal(str(o, "loggedByService"), "Self-service Password Management");
	} else if (strcmp(name, "User registered security info") == 0 ||
	           strcmp(name, "Admin registered security info") == 0) {
		assert_string_equal(str(o, "loggedByService"), "Authentication Methods");
	} else if (strcmp(name, "ConfirmAccountCompromised") == 0) {
		assert_string_equal(str(o, "loggedByService"), "Identity Protection");
	}
	sn->audits++;
}

static void check_graph_object(json_t *o, struct seen *sn)
{
	assert_true(json_is_object(o));
	if (json_object_get(o, "activityDisplayName"))
		check_audit(o, sn);
	else
		check_signin(o, sn);
}

static void check_monitor_record(json_t *o, struct seen *sn)
{
	const char *cat = str(o, "category");
	json_t *props = json_object_get(o, "properties");

	assert_true(json_is_object(props));
	check_time_field(str(o, "time"), 0);
	assert_non_null(strstr(str(o, "resourceId"), "/providers/Microsoft.aadiam"));
	str(o, "correlationId");
	str(o, "tenantId");
	if (strcmp(cat, "AuditLogs") == 0) {
		assert_string_equal(str(o, "operationName"), str(props, "activityDisplayName"));
		check_audit(props, sn);
		return;
	}
	assert_true(strcmp(cat, "SignInLogs") == 0 || strcmp(cat, "NonInteractiveUserSignInLogs") == 0);
	assert_string_equal(str(o, "operationName"), "Sign-in activity");
	/* resultType is the code as a string */
	assert_int_equal(strtol(str(o, "resultType"), NULL, 10),
	                 json_integer_value(json_object_get(json_object_get(props, "status"), "errorCode")));
	assert_int_equal(json_integer_value(json_object_get(o, "Level")), 4);
	assert_int_equal(strlen(str(o, "location")), 2);
	str(o, "callerIpAddress");
	assert_int_equal(strcmp(cat, "SignInLogs") == 0, json_is_true(json_object_get(props, "isInteractive")));
	check_signin(props, sn);
}

static void check_ndjson(json_t *v, void *ctx)
{
	check_graph_object(v, ctx);
}

static void check_page(json_t *v, void *ctx)
{
	struct seen *sn = ctx;
	const char *c = str(v, "@odata.context");
	json_t *arr = json_object_get(v, "value");
	int audits = strstr(c, "directoryAudits") != NULL;
	size_t i;

	assert_true(json_is_array(arr));
	assert_true(json_array_size(arr) >= 1 && json_array_size(arr) <= 1000);
	assert_true(audits || strstr(c, "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns"));
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);

		assert_int_equal(json_object_get(o, "activityDisplayName") != NULL, audits);
		check_graph_object(o, sn);
	}
	sn->graph_pages++;
}

static void check_body(json_t *v, void *ctx)
{
	struct seen *sn = ctx;
	json_t *arr = json_object_get(v, "records");
	size_t i;

	assert_true(json_is_array(arr));
	assert_true(json_array_size(arr) >= 1 && json_array_size(arr) <= 200);
	for (i = 0; i < json_array_size(arr); i++)
		check_monitor_record(json_array_get(arr, i), sn);
	sn->bodies++;
}

static void check_pt1h(json_t *v, void *ctx)
{
	check_monitor_record(v, ctx);
}

static size_t check_shape(const struct rm_buf *b, enum rm_shape shape, struct seen *sn)
{
	switch (shape) {
	case RM_SHAPE_GRAPH:
		return each_line(b, check_page, sn);
	case RM_SHAPE_EVENTHUB:
		sn->monitor = 1;
		return each_line(b, check_body, sn);
	case RM_SHAPE_PT1H:
		sn->monitor = 1;
		return each_line(b, check_pt1h, sn);
	default:
		return each_line(b, check_ndjson, sn);
	}
}

/* ---- tests ---- */

static void rejects_bad_params(void **state)
{
	struct rm_sim_params p;
	struct rm_sim *s;

	(void)state;
	assert_null(rm_sim_new(NULL));
	rm_sim_params_default(&p);
	s = rm_sim_new(&p);
	assert_non_null(s);
	rm_sim_free(s);

#define REJECT(field, value)                \
	do {                                    \
		rm_sim_params_default(&p);          \
		p.field = value;                    \
		assert_null(rm_sim_new(&p));        \
	} while (0)
	REJECT(users, 0);
	REJECT(cae_app_share, -0.1);
	REJECT(cae_app_share, 1.5);
	REJECT(cae_app_share, NAN);
	REJECT(stuck_share, 1.01);
	REJECT(stuck_share, -1);
	REJECT(mass_revocation_share, 2);
	REJECT(mass_revocation_share, NAN);
	REJECT(revocations_per_user_day, -1);
	REJECT(access_token_lifetime_ms, 0);
	REJECT(cae_propagation_max_ms, -1);
	REJECT(delivery_delay_max_ms, -5);
	REJECT(mass_revocation_at_ms, 1000);
#undef REJECT
	rm_sim_free(NULL);
}

static void deterministic(void **state)
{
	enum rm_shape shapes[] = { RM_SHAPE_NDJSON, RM_SHAPE_GRAPH, RM_SHAPE_EVENTHUB, RM_SHAPE_PT1H };
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		struct rm_sim_params p;
		struct rm_buf a = { 0 }, b = { 0 }, c = { 0 };
		struct rm_sim *sa, *sb, *sc;

		small_params(&p);
		p.mass_revocation_at_ms = p.start_ms + HOUR_MS;
		p.mass_revocation_share = 0.3;
		sa = rm_sim_new(&p);
		sb = rm_sim_new(&p);
		p.seed = 2;
		sc = rm_sim_new(&p);
		assert_true(sa && sb && sc);
		run_steps(sa, p.start_ms + 2 * HOUR_MS, 5 * MIN_MS, shapes[i], &a);
		run_steps(sb, p.start_ms + 2 * HOUR_MS, 5 * MIN_MS, shapes[i], &b);
		run_steps(sc, p.start_ms + 2 * HOUR_MS, 5 * MIN_MS, shapes[i], &c);
		assert_true(a.len > 100000);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		assert_true(a.len != c.len || memcmp(a.data, c.data, a.len) != 0);
		rm_sim_free(sa);
		rm_sim_free(sb);
		rm_sim_free(sc);
		rm_buf_free(&a);
		rm_buf_free(&b);
		rm_buf_free(&c);
	}
}

/* The model does not depend on how the clock is driven: one call or many
 * give the same NDJSON bytes. */
static void step_independent(void **state)
{
	struct rm_sim_params p;
	struct rm_buf a = { 0 }, b = { 0 };
	struct rm_sim *sa, *sb;

	(void)state;
	small_params(&p);
	sa = rm_sim_new(&p);
	sb = rm_sim_new(&p);
	assert_true(sa && sb);
	run_steps(sa, p.start_ms + 3 * HOUR_MS, 3 * HOUR_MS, RM_SHAPE_NDJSON, &a);
	run_steps(sb, p.start_ms + 3 * HOUR_MS, 61 * 1000, RM_SHAPE_NDJSON, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	rm_sim_free(sa);
	rm_sim_free(sb);
	rm_buf_free(&a);
	rm_buf_free(&b);
}

static void shapes_are_valid_json(void **state)
{
	enum rm_shape shapes[] = { RM_SHAPE_NDJSON, RM_SHAPE_GRAPH, RM_SHAPE_EVENTHUB, RM_SHAPE_PT1H };
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		struct rm_sim_params p;
		struct rm_buf b = { 0 };
		struct rm_sim *s;
		struct seen *sn = calloc(1, sizeof(*sn));
		long n;
		size_t lines;

		small_params(&p);
		p.mass_revocation_at_ms = p.start_ms + 2 * HOUR_MS;
		p.mass_revocation_share = 0.5;
		s = rm_sim_new(&p);
		assert_non_null(s);
		/* one big run: Graph pages fill up to 1000, bodies to 200 */
		n = rm_sim_run(s, p.start_ms + 4 * HOUR_MS, shapes[i], &b);
		assert_true(n > 1000);
		lines = check_shape(&b, shapes[i], sn);
		assert_int_equal(sn->signins + sn->audits, (size_t)n);
		assert_true(sn->audits > 10);
		assert_true(sn->code_50173 > 10);
		assert_true(sn->cae_true > 0 && sn->cae_true < sn->signins);
		if (shapes[i] == RM_SHAPE_GRAPH) {
			assert_int_equal(lines, sn->graph_pages);
			assert_true(lines >= 2 && lines < (size_t)n / 100);
		} else if (shapes[i] == RM_SHAPE_EVENTHUB) {
			assert_int_equal(lines, (size_t)(n + 199) / 200);
		} else {
			assert_int_equal(lines, (size_t)n);
		}
		rm_sim_free(s);
		rm_buf_free(&b);
		free(sn);
	}
}

static void revocation_audits(void **state)
{
	struct rm_sim_params p;
	struct rm_buf b = { 0 };
	struct rm_sim *s;
	struct seen *sn = calloc(1, sizeof(*sn));
	size_t i, j, paired = 0;

	(void)state;
	small_params(&p);
	p.revocations_per_user_day = 2;
	s = rm_sim_new(&p);
	run_steps(s, p.start_ms + 3 * HOUR_MS, 10 * MIN_MS, RM_SHAPE_NDJSON, &b);
	check_shape(&b, RM_SHAPE_NDJSON, sn);
	assert_true(sn->nsts > 3);
	/* the revoke activity's newValue is its own time, to the second */
	assert_int_equal(sn->sts_new_matches, sn->nsts);
	for (i = 0; i < sn->nsts; i++)
		for (j = 0; j < sn->nuser; j++)
			if (strcmp(sn->sts_corr[i], sn->user_corr[j]) == 0 &&
			    sn->user_time[j] - sn->sts_time[i] == 1)
				paired++;
	/* delivery may hold the last few back */
	assert_true(paired + 2 >= sn->nsts && paired > 0);
	rm_sim_free(s);
	rm_buf_free(&b);
	free(sn);
}

static void mass_revocation_storm(void **state)
{
	struct rm_sim_params p;
	struct rm_buf b = { 0 };
	struct rm_sim *s;
	struct seen *sn = calloc(1, sizeof(*sn));
	struct rm_sim_truth t;

	(void)state;
	small_params(&p);
	p.users = 1000;
	p.revocations_per_user_day = 0.02;
	p.mass_revocation_at_ms = p.start_ms + 2 * HOUR_MS;
	p.mass_revocation_share = 0.6;
	sn->mass_at = p.mass_revocation_at_ms;
	s = rm_sim_new(&p);
	run_steps(s, p.start_ms + 4 * HOUR_MS, 15 * MIN_MS, RM_SHAPE_NDJSON, &b);
	check_shape(&b, RM_SHAPE_NDJSON, sn);
	rm_sim_truth(s, HOUR_MS, HOUR_MS, DAY_MS, &t);
	assert_true(t.revocations_by_cause[0] >= 500);
	assert_true(sn->after > 3 * sn->before);
	assert_true(sn->code_90055 > 0);
	assert_true(sn->code_50196 > 0);
	rm_sim_free(s);
	rm_buf_free(&b);
	free(sn);
}

static void delivery_order(void **state)
{
	struct rm_sim_params p;
	struct rm_buf b = { 0 };
	struct rm_sim *s;
	struct seen *sn = calloc(1, sizeof(*sn));

	(void)state;
	small_params(&p);
	s = rm_sim_new(&p);
	run_steps(s, p.start_ms + 2 * HOUR_MS, 10 * MIN_MS, RM_SHAPE_NDJSON, &b);
	check_shape(&b, RM_SHAPE_NDJSON, sn);
	assert_true(sn->inversions > 10); /* late records are late */
	rm_sim_free(s);
	rm_buf_free(&b);

	memset(sn, 0, sizeof(*sn));
	b.len = 0;
	p.delivery_delay_max_ms = 0;
	s = rm_sim_new(&p);
	run_steps(s, p.start_ms + 2 * HOUR_MS, 7 * MIN_MS, RM_SHAPE_NDJSON, &b);
	check_shape(&b, RM_SHAPE_NDJSON, sn);
	assert_true(sn->signins > 500);
	assert_int_equal(sn->inversions, 0);
	rm_sim_free(s);
	rm_buf_free(&b);
	free(sn);
}

static void truth_non_cae(void **state)
{
	struct rm_sim_params p;
	struct rm_buf b = { 0 };
	struct rm_sim *s;
	struct rm_sim_truth t;
	int h;

	(void)state;
	small_params(&p);
	p.cae_app_share = 0;
	p.revocations_per_user_day = 2;
	s = rm_sim_new(&p);
	for (h = 1; h <= 6; h++) {
		run_steps(s, p.start_ms + h * HOUR_MS, HOUR_MS, RM_SHAPE_NDJSON, &b);
		b.len = 0;
		rm_sim_truth(s, HOUR_MS, HOUR_MS, DAY_MS, &t);
		assert_true(t.lags > 0);
		assert_true(t.lag_p50_s >= 0 && t.lag_p50_s <= t.lag_p95_s && t.lag_p95_s <= t.lag_max_s);
		assert_true(t.lag_max_s <= p.access_token_lifetime_ms / 1000.0);
		assert_int_equal(t.stale_tokens_live_cae, 0);
		assert_true(t.exposure_max_s <= p.access_token_lifetime_ms / 1000.0);
		assert_true(t.exposure_max_s > 0 || t.stale_tokens_live == 0);
	}
	assert_true(t.revocations > 50);
	assert_int_equal(t.revocations, t.revocations_by_cause[0] + t.revocations_by_cause[1] +
	                                t.revocations_by_cause[2] + t.revocations_by_cause[3] +
	                                t.revocations_by_cause[4]);
	/* half the revoked Outlook mobile clients never recover */
	assert_true(t.stuck_clients > 0);
	assert_true(t.signins > t.signins_interactive && t.signins_interactive > 0);
	rm_sim_free(s);
	rm_buf_free(&b);
}

static void truth_cae_only(void **state)
{
	struct rm_sim_params p;
	struct rm_buf b = { 0 };
	struct rm_sim *s;
	struct rm_sim_truth t;
	int64_t at;

	(void)state;
	small_params(&p);
	p.cae_app_share = 1;
	p.revocations_per_user_day = 3;
	s = rm_sim_new(&p);
	for (at = p.start_ms + 30 * MIN_MS; at <= p.start_ms + 5 * HOUR_MS; at += 30 * MIN_MS) {
		run_steps(s, at, 30 * MIN_MS, RM_SHAPE_NDJSON, &b);
		b.len = 0;
		rm_sim_truth(s, HOUR_MS, HOUR_MS, DAY_MS, &t);
		assert_true(t.lags > 0);
		assert_true(t.lag_max_s <= p.cae_propagation_max_ms / 1000.0);
		assert_int_equal(t.stale_tokens_live, 0);
		assert_true(t.exposure_max_s == 0);
		assert_int_equal(t.stuck_clients, 0); /* CAE clients are never stuck */
	}
	rm_sim_free(s);
	rm_buf_free(&b);
}

static const struct rm_sim_family_truth *family(const struct rm_sim_truth *t, const char *app,
                                                const char *platform)
{
	for (size_t i = 0; i < t->n_families; i++)
		if (!strcmp(t->families[i].app, app) && !strcmp(t->families[i].platform, platform))
			return &t->families[i];
	fail_msg("no family %s on %s", app, platform);
	return NULL;
}

/* The demo's tenant (the settings' defaults: six hours, a mass revocation
 * of 30% at three): the families add up to the global figures, and both
 * Outlook for iOS and Android and Outlook for Mac (Microsoft Office on
 * macOS) have stuck clients. */
static void family_truth(void **state)
{
	struct rm_sim_params p;
	struct rm_buf b = { 0 };
	struct rm_sim *s;
	struct rm_sim_truth t;
	uint64_t stuck = 0, pres = 0, tok = 0, cae = 0;
	int64_t at;

	(void)state;
	rm_sim_params_default(&p);
	p.stuck_share = 0.1;
	p.cae_app_share = 0.5;
	p.mass_revocation_at_ms = p.start_ms + 3 * HOUR_MS;
	p.mass_revocation_share = 0.3;
	s = rm_sim_new(&p);
	for (at = p.start_ms + HOUR_MS; at <= p.start_ms + 6 * HOUR_MS; at += HOUR_MS) {
		run_steps(s, at, 10 * MIN_MS, RM_SHAPE_NDJSON, &b);
		b.len = 0;
		rm_sim_truth(s, HOUR_MS, HOUR_MS, DAY_MS, &t);
		stuck = pres = tok = cae = 0;
		assert_true(t.n_families >= 10 && t.n_families <= RM_SIM_FAMILIES_MAX);
		for (size_t i = 0; i < t.n_families; i++) {
			stuck += t.families[i].stuck;
			pres += t.families[i].presentations;
			tok += t.families[i].tokens;
			cae += t.families[i].tokens_cae;
			for (size_t j = 0; j < i; j++)
				assert_false(!strcmp(t.families[i].app, t.families[j].app) &&
				             !strcmp(t.families[i].platform, t.families[j].platform));
		}
		assert_int_equal(stuck, t.stuck_clients);
		assert_int_equal(pres, t.stale_presentations);
		assert_int_equal(tok, t.stale_tokens_live);
		assert_int_equal(cae, t.stale_tokens_live_cae);
		assert_true((t.stuck_clients > 0) == (t.stale_age_max_s > 0));
	}
	print_message("  %-30s %-8s %6s %6s %6s %6s\n", "family", "platform", "stuck", "pres", "tokens",
	              "cae");
	for (size_t i = 0; i < t.n_families; i++)
		print_message("  %-30s %-8s %6llu %6llu %6llu %6llu\n", t.families[i].app,
		              t.families[i].platform, (unsigned long long)t.families[i].stuck,
		              (unsigned long long)t.families[i].presentations,
		              (unsigned long long)t.families[i].tokens,
		              (unsigned long long)t.families[i].tokens_cae);
	assert_true(family(&t, "Outlook for iOS and Android", "iOS")->stuck +
	            family(&t, "Outlook for iOS and Android", "Android")->stuck > 0);
	assert_true(family(&t, "Microsoft Office", "macOS")->stuck > 0);
	assert_int_equal(family(&t, "Microsoft Teams", "Windows")->stuck, 0); /* never stuck_prone */
	/* stuck past stuck_after, revoked within the run */
	assert_true(t.stale_age_max_s > HOUR_MS / 1000 && t.stale_age_max_s <= 6 * HOUR_MS / 1000);
	rm_sim_free(s);
	rm_buf_free(&b);
}

static void record_size(void **state)
{
	struct rm_sim_params p;
	struct rm_buf b = { 0 };
	struct rm_sim *s;
	struct seen *sn = calloc(1, sizeof(*sn));
	double per;

	(void)state;
	small_params(&p);
	p.revocations_per_user_day = 0; /* sign-ins only */
	s = rm_sim_new(&p);
	run_steps(s, p.start_ms + 2 * HOUR_MS, HOUR_MS, RM_SHAPE_NDJSON, &b);
	check_shape(&b, RM_SHAPE_NDJSON, sn);
	assert_int_equal(sn->audits, 0);
	per = (double)b.len / (double)sn->signins;
	assert_true(per > 3000 && per < 4300);
	/* a clock that does not move appends nothing */
	b.len = 0;
	assert_int_equal(rm_sim_run(s, p.start_ms + HOUR_MS, RM_SHAPE_NDJSON, &b), 0);
	assert_int_equal(b.len, 0);
	assert_true(rm_sim_clock(s) == p.start_ms + 2 * HOUR_MS);
	rm_sim_free(s);
	rm_buf_free(&b);
	free(sn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rejects_bad_params),
		cmocka_unit_test(deterministic),
		cmocka_unit_test(step_independent),
		cmocka_unit_test(shapes_are_valid_json),
		cmocka_unit_test(revocation_audits),
		cmocka_unit_test(mass_revocation_storm),
		cmocka_unit_test(delivery_order),
		cmocka_unit_test(truth_non_cae),
		cmocka_unit_test(truth_cae_only),
		cmocka_unit_test(record_size),
		cmocka_unit_test(family_truth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
