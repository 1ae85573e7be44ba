/* The analyzer on hand-made event sequences, against hand-computed values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#include "analyzer.h"
#include "config.h"
#include "registry.h"

#define T0 1767600000000LL /* 2026-01-05T08:00:00Z */
#define S(x) ((int64_t)(x) * 1000)

static struct rm_settings settings;
static struct rm_analyzer *an;
static unsigned next_id;

static void start(const char *first_key, ...)
{
	struct revmon_error err;
	revmon_conf *c = revmon_conf_new("t", &err);
	va_list ap;

	assert_non_null(c);
	/* windows end at now in these hand computations */
	assert_int_equal(revmon_conf_set(c, "settle", "0", &err), 0);
	va_start(ap, first_key);
	for (const char *k = first_key; k; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);
		if (revmon_conf_set(c, k, v, &err) < 0)
			fail_msg("%s", err.msg);
	}
	va_end(ap);
	assert_int_equal(rm_settings_load(c, &settings, &err), 0);
	revmon_conf_free(c);
	an = rm_analyzer_new(&settings);
	assert_non_null(an);
	next_id = 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_analyzer_free(an);
	an = NULL;
	rm_settings_free(&settings);
	return 0;
}

static struct rm_str str(const char *s)
{
	return (struct rm_str){s, s ? strlen(s) : 0};
}

/* Each event gets a fresh id unless one is given; ids are kept alive in a
 * static pool because events borrow their strings. */
static const char *fresh_id(void)
{
	static char pool[4096][16];
	char *p = pool[next_id++ % 4096];

	snprintf(p, 16, "id-%u", next_id);
	return p;
}

static void signin_id(const char *id, int64_t t, const char *user, const char *app, int code,
                      int interactive, int cae, int64_t valid_from)
{
	struct rm_event ev = {0};

	ev.kind = RM_EV_SIGNIN;
	ev.id = str(id);
	ev.time_ms = t;
	ev.user_id = str(user);
	ev.upn = str(user);
	ev.app_id = str(app);
	ev.app_name = str(app);
	ev.device_id = str("");
	ev.error_code = code;
	ev.interactive = (int8_t)interactive;
	ev.cae = (int8_t)cae;
	ev.tokens_valid_from_ms = valid_from;
	assert_int_equal(rm_analyzer_feed(an, &ev), 0);
}

static void signin(int64_t t, const char *user, const char *app, int code, int interactive, int cae,
                   int64_t valid_from)
{
	signin_id(fresh_id(), t, user, app, code, interactive, cae, valid_from);
}

static void audit(int64_t t, const char *user, const char *activity, const char *corr,
                  int64_t valid_from)
{
	struct rm_event ev = {0};

	ev.kind = RM_EV_AUDIT;
	ev.id = str(fresh_id());
	ev.time_ms = t;
	ev.user_id = str(user);
	ev.upn = str(user);
	ev.activity = str(activity);
	ev.correlation_id = str(corr);
	ev.result_ok = 1;
	ev.valid_from_ms = valid_from;
	assert_int_equal(rm_analyzer_feed(an, &ev), 0);
}

static revmon_snapshot *snap(int64_t now)
{
	revmon_snapshot *s = calloc(1, sizeof *s);

	assert_non_null(s);
	s->n_values = RM_M_COUNT;
	s->values = calloc(RM_M_COUNT, sizeof *s->values);
	assert_non_null(s->values);
	assert_int_equal(rm_analyzer_fill(an, now, s), 0);
	return s;
}

static double g(const revmon_snapshot *s, int id)
{
	if (!s->values[id].known)
		fail_msg("%s is unknown", revmon_metric((size_t)id)->name);
	return s->values[id].value;
}

static uint64_t n(const revmon_snapshot *s, int id)
{
	return s->values[id].counter;
}

#define REVOKE "Update StsRefreshTokenValidFrom Timestamp"

static void test_lag_percentiles_and_pending(void **state)
{
	revmon_snapshot *s;

	(void)state;
	start(NULL);
	audit(T0, "u1", REVOKE, "c1", T0);
	audit(T0 + S(100), "u2", REVOKE, "c2", T0 + S(100));
	audit(T0 + S(200), "u3", REVOKE, "c3", T0 + S(200));
	signin(T0 + S(600), "u1", "outlook", 50173, 0, 0, T0);        /* lag 600, non-CAE */
	signin(T0 + S(220), "u2", "teams", 50173, 0, 1, T0 + S(100)); /* lag 120, CAE */
	signin(T0 + S(900), "u1", "outlook", 50173, 0, 0, T0);        /* not the first */
	s = snap(T0 + S(1000));
	assert_int_equal(n(s, RM_M_REVOCATIONS), 3);
	assert_int_equal(n(s, RM_M_REVOCATIONS_ADMIN), 3);
	assert_int_equal(n(s, RM_M_REVOCATIONS_INFERRED), 0);
	assert_near(g(s, RM_M_LAG_P50), 120.0, 1e-9);
	assert_near(g(s, RM_M_LAG_P95), 600.0, 1e-9);
	assert_near(g(s, RM_M_LAG_MAX), 600.0, 1e-9);
	assert_near(g(s, RM_M_LAG_CAE_P95), 120.0, 1e-9);
	assert_near(g(s, RM_M_LAG_NONCAE_P95), 600.0, 1e-9);
	assert_near(g(s, RM_M_PENDING), 1.0, 1e-9); /* u3 */
	assert_int_equal(n(s, RM_M_STALE_PRESENTATIONS), 3);
	assert_int_equal(s->n_revocations, 3);
	assert_string_equal(s->revocations[0].user, "u3");
	assert_int_equal(s->revocations[0].enforced_ms, 0);
	assert_int_equal(s->revocations[2].enforced_ms, T0 + S(600));
	revmon_snapshot_free(s);

	/* As enforcements leave the lag window the gauges follow, and with
	 * nothing left to describe they are unknown. */
	s = snap(T0 + S(3821)); /* u2's (at 220 s) has left, u1's (600 s) not */
	assert_near(g(s, RM_M_LAG_P50), 600.0, 1e-9);
	assert_false(s->values[RM_M_LAG_CAE_P95].known);
	revmon_snapshot_free(s);
	s = snap(T0 + S(4201));
	assert_false(s->values[RM_M_LAG_MAX].known);
	assert_near(g(s, RM_M_PENDING), 1.0, 1e-9); /* u3: within the token lifetime */
	revmon_snapshot_free(s);
	s = snap(T0 + S(5601));
	assert_near(g(s, RM_M_PENDING), 0.0, 1e-9);
	revmon_snapshot_free(s);
}

static void test_two_rows_one_revocation(void **state)
{
	revmon_snapshot *s;

	(void)state;
	start(NULL);
	audit(T0, "u1", "Update user", "corr-1", T0);
	audit(T0 + 1, "u1", REVOKE, "corr-1", T0);
	/* a password reset by sync: three rows within a second, two revoke */
	audit(T0 + S(5000), "u2", "Change user password", "corr-2", 0);
	audit(T0 + S(5000) + 400, "u2", REVOKE, "corr-3", T0 + S(5000));
	s = snap(T0 + S(5001));
	assert_int_equal(n(s, RM_M_REVOCATIONS), 2);
	assert_int_equal(n(s, RM_M_REVOCATIONS_ADMIN), 1);
	assert_int_equal(n(s, RM_M_REVOCATIONS_PASSWORD), 1);
	revmon_snapshot_free(s);
}

static void test_inferred_from_failure_text(void **state)
{
	revmon_snapshot *s;

	(void)state;
	start(NULL);
	/* Only the 50173 text says when the tokens were revoked. */
	signin(T0 + S(750), "u9", "outlook", 50173, 0, 0, T0 + S(30));
	s = snap(T0 + S(800));
	assert_int_equal(n(s, RM_M_REVOCATIONS), 0);
	assert_int_equal(n(s, RM_M_REVOCATIONS_INFERRED), 1);
	assert_near(g(s, RM_M_LAG_MAX), 720.0, 1e-9);
	assert_string_equal(revmon_cause_name(s->revocations[0].cause), "inferred");
	revmon_snapshot_free(s);
	/* Its audit event arrives late: counted once, by its real cause. */
	audit(T0 + S(30), "u9", REVOKE, "cx", T0 + S(30));
	s = snap(T0 + S(800));
	assert_int_equal(n(s, RM_M_REVOCATIONS), 1);
	assert_int_equal(n(s, RM_M_REVOCATIONS_ADMIN), 1);
	assert_int_equal(n(s, RM_M_REVOCATIONS_INFERRED), 1);
	assert_near(g(s, RM_M_LAG_MAX), 720.0, 1e-9);
	revmon_snapshot_free(s);
}

static void test_revoked_from_the_user_property(void **state)
{
	revmon_snapshot *s;

	(void)state;
	start(NULL);
	/* A bare refusal first (no text date, no audit), then the user's
	 * signInSessionsValidFromDateTime: the refusal gets its lag. */
	signin(T0 + S(750), "u7", "outlook", 50173, 0, 0, 0);
	s = snap(T0 + S(800));
	assert_false(s->values[RM_M_LAG_MAX].known);
	revmon_snapshot_free(s);
	assert_int_equal(rm_analyzer_revoked(an, str("u7"), T0 + S(30)), 0);
	s = snap(T0 + S(800));
	assert_int_equal(n(s, RM_M_REVOCATIONS), 0);
	assert_int_equal(n(s, RM_M_REVOCATIONS_INFERRED), 1);
	assert_near(g(s, RM_M_LAG_MAX), 720.0, 1e-9);
	revmon_snapshot_free(s);
	/* Told again, or told an older one: nothing new. Its audit event
	 * arriving late counts it once, by its real cause. */
	assert_int_equal(rm_analyzer_revoked(an, str("u7"), T0 + S(30)), 0);
	assert_int_equal(rm_analyzer_revoked(an, str("u7"), T0 - S(3600)), 0);
	audit(T0 + S(30), "u7", REVOKE, "cy", T0 + S(30));
	s = snap(T0 + S(800));
	assert_int_equal(n(s, RM_M_REVOCATIONS), 1);
	assert_int_equal(n(s, RM_M_REVOCATIONS_INFERRED), 1);
	assert_near(g(s, RM_M_LAG_MAX), 720.0, 1e-9);
	revmon_snapshot_free(s);
	/* A revocation already known from its audit is not counted again. */
	audit(T0 + S(900), "u8", REVOKE, "cz", T0 + S(900));
	assert_int_equal(rm_analyzer_revoked(an, str("u8"), T0 + S(900)), 0);
	s = snap(T0 + S(1000));
	assert_int_equal(n(s, RM_M_REVOCATIONS_INFERRED), 1);
	revmon_snapshot_free(s);
}

static void test_out_of_order_and_late_audit(void **state)
{
	revmon_snapshot *s;

	(void)state;
	start(NULL);
	audit(T0, "u1", REVOKE, "c1", T0);
	signin(T0 + S(900), "u1", "a", 50173, 0, 0, T0);
	signin(T0 + S(300), "u1", "b", 50173, 0, 1, T0); /* delivered late, happened first */
	/* u2 is refused (disabled) before its audit event arrives. */
	signin(T0 + S(50), "u2", "a", 50057, 0, 0, 0);
	audit(T0 + S(10), "u2", "Disable account", "c2", 0);
	s = snap(T0 + S(1000));
	assert_int_equal(n(s, RM_M_REVOCATIONS_DISABLE), 1);
	assert_near(g(s, RM_M_LAG_P50), 40.0, 1e-9);
	assert_near(g(s, RM_M_LAG_MAX), 300.0, 1e-9);
	assert_near(g(s, RM_M_LAG_CAE_P95), 300.0, 1e-9);
	assert_near(g(s, RM_M_LAG_NONCAE_P95), 40.0, 1e-9);
	assert_int_equal(n(s, RM_M_FAIL_ACCOUNT), 1);
	assert_int_equal(n(s, RM_M_STALE_PRESENTATIONS), 2); /* 50057 is not a revoked grant */
	revmon_snapshot_free(s);
}

static void test_stuck_clients(void **state)
{
	revmon_snapshot *s;

	(void)state;
	start("window", "300", "stuck_after", "3600", NULL);
	audit(T0, "u1", REVOKE, "c1", T0);
	audit(T0, "u2", REVOKE, "c2", T0);
	signin(T0 + S(4000), "u1", "outlook", 50173, 0, 0, T0);
	signin(T0 + S(7000), "u1", "outlook", 50173, 0, 0, T0);
	signin(T0 + S(6950), "u2", "outlook", 50173, 0, 0, 0); /* no text: uses the audit's R */
	signin(T0 + S(100), "u1", "teams", 50173, 0, 0, T0);   /* prompt, not stuck */
	s = snap(T0 + S(7100));
	assert_near(g(s, RM_M_STALE_CLIENTS), 2.0, 1e-9);
	assert_near(g(s, RM_M_STALE_AGE_MAX), 7100.0, 1e-9);
	assert_int_equal(n(s, RM_M_STALE_PRESENTATIONS), 4);
	assert_int_equal(s->n_stuck, 2);
	assert_string_equal(s->stuck[0].app, "outlook");
	assert_int_equal(s->stuck[0].revoked_ms, T0);
	revmon_snapshot_free(s);
	/* Quiet minutes between retries change nothing: still stuck. */
	s = snap(T0 + S(7301));
	assert_near(g(s, RM_M_STALE_CLIENTS), 2.0, 1e-9);
	assert_near(g(s, RM_M_STALE_AGE_MAX), 7301.0, 1e-9);
	revmon_snapshot_free(s);
	/* u2 signs in again: no longer stuck; u1 is, until silent a day. */
	signin(T0 + S(7400), "u2", "outlook", 0, 1, 0, 0);
	s = snap(T0 + S(7500));
	assert_near(g(s, RM_M_STALE_CLIENTS), 1.0, 1e-9);
	assert_int_equal(s->n_stuck, 1);
	assert_string_equal(s->stuck[0].user, "u1");
	assert_true(s->stuck[0].first_ms == T0 + S(4000));
	assert_true(s->stuck[0].last_ms == T0 + S(7000));
	assert_int_equal(s->stuck[0].presentations, 2);
	revmon_snapshot_free(s);
	s = snap(T0 + S(7000 + 86400 - 1));
	assert_near(g(s, RM_M_STALE_CLIENTS), 1.0, 1e-9);
	revmon_snapshot_free(s);
	s = snap(T0 + S(7000 + 86400));
	assert_near(g(s, RM_M_STALE_CLIENTS), 0.0, 1e-9);
	assert_near(g(s, RM_M_STALE_AGE_MAX), 0.0, 1e-9);
	revmon_snapshot_free(s);
}

/* A client retrying every 17 minutes stays counted between its retries:
 * the gauge does not flap with the retry cadence. */
static void test_stuck_gauge_stable(void **state)
{
	revmon_snapshot *s;

	(void)state;
	start("stuck_after", "3600", NULL);
	audit(T0, "u1", REVOKE, "c1", T0);
	signin(T0 - S(600), "u1", "outlook", 0, 0, 0, 0);
	for (int64_t t = T0 + S(300); t < T0 + S(6 * 3600); t += S(17 * 60)) {
		signin(t, "u1", "outlook", 50173, 0, 0, T0);
		for (int64_t k = 0; k < 17 * 60; k += 300) {
			s = snap(t + S(k));
			assert_near(g(s, RM_M_STALE_CLIENTS), t - T0 > S(3600) ? 1.0 : 0.0, 1e-9);
			revmon_snapshot_free(s);
		}
	}
}

static void test_stale_tokens_live(void **state)
{
	revmon_snapshot *s;

	(void)state;
	start(NULL); /* access_token_lifetime 5400, cae_propagation_bound 900 */
	signin(T0 - S(1000), "u1", "legacy", 0, 0, 0, 0);
	signin(T0 - S(500), "u1", "teams", 0, 0, 1, 0);
	signin(T0 - S(200), "u1", "other", 0, 0, 0, 0);
	signin(T0 + S(100), "u1", "fresh", 0, 1, 0, 0);  /* issued after: not stale */
	signin(T0 - S(9000), "u1", "old", 0, 0, 0, 0);   /* already expired */
	audit(T0, "u1", REVOKE, "c1", T0);
	s = snap(T0 + S(300));
	assert_near(g(s, RM_M_STALE_TOKENS_LIVE), 2.0, 1e-9);
	assert_near(g(s, RM_M_STALE_TOKENS_LIVE_CAE), 1.0, 1e-9);
	assert_near(g(s, RM_M_EXPOSURE_MAX), 5400.0 - 200 - 300, 1e-9);
	revmon_snapshot_free(s);
	/* "other" is refused and signs in again: the token it held at the
	 * revocation stays valid until it expires all the same. CAE bound
	 * passes. */
	signin(T0 + S(950), "u1", "other", 50173, 0, 0, T0);
	signin(T0 + S(960), "u1", "other", 0, 1, 0, 0);
	s = snap(T0 + S(1000));
	assert_near(g(s, RM_M_STALE_TOKENS_LIVE), 2.0, 1e-9);
	assert_near(g(s, RM_M_STALE_TOKENS_LIVE_CAE), 0.0, 1e-9);
	assert_near(g(s, RM_M_EXPOSURE_MAX), 5400.0 - 200 - 1000, 1e-9);
	revmon_snapshot_free(s);
	s = snap(T0 + S(4401));
	assert_near(g(s, RM_M_STALE_TOKENS_LIVE), 1.0, 1e-9);
	assert_near(g(s, RM_M_EXPOSURE_MAX), 5400.0 - 200 - 4401, 1e-9);
	revmon_snapshot_free(s);
	s = snap(T0 + S(5201));
	assert_near(g(s, RM_M_STALE_TOKENS_LIVE), 0.0, 1e-9);
	assert_near(g(s, RM_M_EXPOSURE_MAX), 0.0, 1e-9);
	revmon_snapshot_free(s);
}

static void test_reauth(void **state)
{
	revmon_snapshot *s;

	(void)state;
	start(NULL);
	audit(T0, "u1", REVOKE, "c1", T0);
	signin(T0 + S(60), "u1", "a", 0, 1, -1, 0);
	signin(T0 + S(70), "u1", "a", 50074, 1, -1, 0); /* failed: not a re-auth */
	signin(T0 + S(80), "u2", "a", 0, 1, -1, 0);     /* never revoked */
	s = snap(T0 + S(100));
	assert_int_equal(n(s, RM_M_REAUTH_AFTER_REVOCATION), 1);
	assert_int_equal(n(s, RM_M_FAIL_POLICY), 1);
	/* successes at 60 and 80 lie in the window [now-300, now): 2 per 5 min */
	assert_near(g(s, RM_M_REAUTH_RATE), 0.4, 1e-9);
	assert_false(s->values[RM_M_REAUTH_STORM_RATIO].known); /* no baseline yet */
	revmon_snapshot_free(s);
	signin(T0 + S(4000), "u1", "a", 0, 1, -1, 0); /* outside reauth_window */
	s = snap(T0 + S(4001));
	assert_int_equal(n(s, RM_M_REAUTH_AFTER_REVOCATION), 1);
	assert_int_equal(n(s, RM_M_SIGNINS_INTERACTIVE), 4);
	revmon_snapshot_free(s);
	/* Audit events arrive late: u3's re-auth is seen before its revocation,
	 * and counts once its revocation arrives (once, despite two rows). */
	signin(T0 + S(4100), "u3", "a", 0, 1, -1, 0);
	signin(T0 + S(4020), "u3", "a", 0, 1, -1, 0); /* before the revocation */
	audit(T0 + S(4050), "u3", REVOKE, "c3", T0 + S(4050));
	audit(T0 + S(4050) + 1, "u3", "Update user", "c3", T0 + S(4050));
	signin(T0 + S(4200), "u3", "a", 0, 1, -1, 0);
	s = snap(T0 + S(4201));
	assert_int_equal(n(s, RM_M_REAUTH_AFTER_REVOCATION), 3);
	revmon_snapshot_free(s);
}

static void test_storm_ratio(void **state)
{
	revmon_snapshot *s;
	char user[32];

	(void)state;
	start("baseline_warmup", "1800", NULL);
	/* one interactive sign-in a minute for two hours: baseline 1/min */
	for (int m = 0; m < 120; m++) {
		snprintf(user, sizeof user, "b%d", m);
		signin(T0 + S(m * 60 + 5), user, "a", 0, 1, -1, 0);
	}
	s = snap(T0 + S(120 * 60));
	assert_near(g(s, RM_M_REAUTH_RATE), 1.0, 1e-9);
	assert_near(g(s, RM_M_REAUTH_STORM_RATIO), 1.0, 1e-6);
	revmon_snapshot_free(s);
	/* then 49 more in one minute: with four of the steady ones, 53 in the
	 * window [6960 s, 7260 s): 10.6/min against a baseline of 1/min */
	for (int i = 0; i < 49; i++) {
		snprintf(user, sizeof user, "s%d", i);
		signin(T0 + S(120 * 60 + 10 + i), user, "a", 0, 1, -1, 0);
	}
	s = snap(T0 + S(121 * 60));
	assert_near(g(s, RM_M_REAUTH_RATE), 53.0 / 5.0, 1e-9);
	assert_near(g(s, RM_M_REAUTH_STORM_RATIO), 10.6, 1e-6);
	revmon_snapshot_free(s);
}

static void test_cae_ratio_classes_and_dedupe(void **state)
{
	revmon_snapshot *s;

	(void)state;
	start("classify", "50097:policy", NULL);
	signin(T0, "u1", "a", 0, 0, 1, 0);
	signin(T0 + 1, "u1", "a", 0, 0, 1, 0);
	signin(T0 + 2, "u1", "a", 0, 0, 1, 0);
	signin(T0 + 3, "u1", "a", 0, 0, 0, 0);
	signin(T0 + 4, "u1", "a", 0, 0, -1, 0);
	signin(T0 + 5, "u1", "a", 50140, 1, -1, 0); /* interrupt: not a failure */
	signin(T0 + 6, "u1", "a", 50196, 0, -1, 0);
	signin(T0 + 7, "u1", "a", 90055, 0, -1, 0);
	signin(T0 + 8, "u1", "a", 12345, 0, -1, 0);
	signin(T0 + 9, "u1", "a", 50097, 0, -1, 0); /* overridden: policy */
	signin_id("same", T0 + 10, "u1", "a", 0, 0, -1, 0);
	signin_id("same", T0 + 10, "u1", "a", 0, 0, -1, 0);
	s = snap(T0 + S(1));
	assert_near(g(s, RM_M_CAE_TOKEN_RATIO), 75.0, 1e-9);
	assert_int_equal(n(s, RM_M_SIGNINS), 11);
	assert_int_equal(n(s, RM_M_EVENTS_INGESTED), 11);
	assert_int_equal(n(s, RM_M_EVENTS_DUPLICATE), 1);
	assert_int_equal(n(s, RM_M_SIGNIN_FAILURES), 4);
	assert_int_equal(n(s, RM_M_LOOP_DETECTED), 1);
	assert_int_equal(n(s, RM_M_TENANT_THROTTLED), 1);
	assert_int_equal(n(s, RM_M_FAIL_STORM), 2);
	assert_int_equal(n(s, RM_M_FAIL_OTHER), 1);
	assert_int_equal(n(s, RM_M_FAIL_POLICY), 1);
	assert_near(g(s, RM_M_INGEST_DELAY), 1.0 - 0.010, 1e-9);
	revmon_snapshot_free(s);
}

static void test_activity_configuration(void **state)
{
	revmon_snapshot *s;

	(void)state;
	start("activity", "risk:Custom Lockout", "activity_ignore", "Change user password", NULL);
	audit(T0, "u1", "custom lockout", "c1", 0);             /* case-insensitive */
	audit(T0 + S(100), "u2", "Change user password", "c2", 0); /* ignored */
	audit(T0 + S(200), "u3", REVOKE ".", "c3", T0 + S(200)); /* trailing period */
	s = snap(T0 + S(300));
	assert_int_equal(n(s, RM_M_REVOCATIONS), 2);
	assert_int_equal(n(s, RM_M_REVOCATIONS_RISK), 1);
	assert_int_equal(n(s, RM_M_REVOCATIONS_ADMIN), 1);
	revmon_snapshot_free(s);
}

/* A record re-read by a live source (feed_again) is dropped without being
 * counted as a duplicate; one that is older than dedupe_horizon is still
 * recognised while a source says it may come again (keep_ids_from), and
 * only then. Returns how many records the second delivery of "old" added. */
static uint64_t reread_after_3h(int keep)
{
	struct rm_event ev = {0};
	revmon_snapshot *s;
	uint64_t before, after;

	start(NULL);
	if (keep)
		rm_analyzer_keep_ids_from(an, T0);
	signin_id("old", T0, "u1", "a", 0, 0, 1, 0);
	/* three hours later, enough records that the id table grows and
	 * forgets what is older than the horizon (2 h) */
	for (int i = 0; i < 70000; i++)
		signin(T0 + S(3 * 3600) + i, "u1", "a", 0, 0, 1, 0);
	s = snap(T0 + S(4 * 3600));
	before = n(s, RM_M_EVENTS_INGESTED);
	revmon_snapshot_free(s);
	ev.kind = RM_EV_SIGNIN;
	ev.id = str("old");
	ev.time_ms = T0;
	ev.user_id = ev.upn = ev.app_id = ev.app_name = str("u1");
	ev.device_id = str("");
	ev.cae = 1;
	assert_int_equal(rm_analyzer_feed_again(an, &ev), 0);
	s = snap(T0 + S(4 * 3600));
	after = n(s, RM_M_EVENTS_INGESTED);
	assert_int_equal(n(s, RM_M_EVENTS_DUPLICATE), 0);
	revmon_snapshot_free(s);
	teardown(NULL);
	return after - before;
}

static void test_rereads(void **state)
{
	revmon_snapshot *s;

	(void)state;
	start(NULL);
	signin_id("r1", T0, "u1", "a", 0, 0, 1, 0);
	{
		struct rm_event ev = {0};

		ev.kind = RM_EV_SIGNIN;
		ev.id = str("r1");
		ev.time_ms = T0;
		ev.user_id = ev.upn = ev.app_id = ev.app_name = str("u1");
		ev.device_id = str("");
		assert_int_equal(rm_analyzer_feed_again(an, &ev), 0);
		assert_int_equal(rm_analyzer_feed(an, &ev), 0);
	}
	s = snap(T0 + S(60));
	assert_int_equal(n(s, RM_M_EVENTS_INGESTED), 1);
	assert_int_equal(n(s, RM_M_EVENTS_DUPLICATE), 1); /* only the plain feed counts */
	revmon_snapshot_free(s);
	teardown(NULL);
	assert_int_equal(reread_after_3h(1), 0); /* kept: dropped */
	assert_int_equal(reread_after_3h(0), 1); /* forgotten: the control */
}

/* State is bounded by active clients, not by events: a long stream of
 * sign-ins from rotating users leaves only the recent ones tracked. */
static void test_memory_bounded(void **state)
{
	char user[32];
	size_t peak = 0;

	(void)state;
	start(NULL);
	for (int i = 0; i < 200000; i++) {
		int64_t t = T0 + (int64_t)i * 180; /* 10 hours in all */

		snprintf(user, sizeof user, "u%d", i % 50000);
		signin(t, user, "app", 0, 0, 0, 0);
		if (rm_analyzer_clients(an) > peak)
			peak = rm_analyzer_clients(an);
	}
	/* 90 minutes of events hold 30000 distinct clients; the table may lag
	 * behind by one growth step at most. */
	assert_true(peak <= 2 * 30000 + 64);
	assert_true(rm_analyzer_bytes(an) < 16u << 20);
}

/* The recent revocations are the newest by revocation time, newest first,
 * however their records arrive (a mass revocation's audits come in any
 * order, and late ones older than the list are not let in). */
static void test_recent_in_time_order(void **state)
{
	static const int order[] = {5, 1, 9, 3, 7, 0, 8, 2, 6, 4};
	char user[16], users[130][8];
	revmon_snapshot *s;

	(void)state;
	start(NULL);
	/* newest decades first, each decade shuffled */
	for (int k = 0; k < 130; k++) {
		int i = (12 - k / 10) * 10 + order[k % 10];

		snprintf(users[k], sizeof users[k], "u%03d", i);
		audit(T0 + S(i), users[k], REVOKE, "c", T0 + S(i));
	}
	s = snap(T0 + S(200));
	assert_int_equal(s->n_revocations, 100);
	for (size_t k = 0; k < s->n_revocations; k++) {
		snprintf(user, sizeof user, "u%03zu", 129 - k);
		assert_string_equal(s->revocations[k].user, user);
		assert_true(s->revocations[k].revoked_ms == T0 + S(129 - (int64_t)k));
	}
	revmon_snapshot_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_lag_percentiles_and_pending, teardown),
		cmocka_unit_test_teardown(test_two_rows_one_revocation, teardown),
		cmocka_unit_test_teardown(test_inferred_from_failure_text, teardown),
		cmocka_unit_test_teardown(test_out_of_order_and_late_audit, teardown),
		cmocka_unit_test_teardown(test_stuck_clients, teardown),
		cmocka_unit_test_teardown(test_stuck_gauge_stable, teardown),
		cmocka_unit_test_teardown(test_stale_tokens_live, teardown),
		cmocka_unit_test_teardown(test_reauth, teardown),
		cmocka_unit_test_teardown(test_storm_ratio, teardown),
		cmocka_unit_test_teardown(test_cae_ratio_classes_and_dedupe, teardown),
		cmocka_unit_test_teardown(test_activity_configuration, teardown),
		cmocka_unit_test_teardown(test_memory_bounded, teardown),
		cmocka_unit_test_teardown(test_rereads, teardown),
		cmocka_unit_test_teardown(test_revoked_from_the_user_property, teardown),
		cmocka_unit_test_teardown(test_recent_in_time_order, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
