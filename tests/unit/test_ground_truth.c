/* The analyzer against the simulator's ground truth.
 *
 * The simulator knows what really happened (every revocation's true first
 * refusal, every stuck client, every revoked-but-valid token); the analyzer
 * only sees the logs, delivered late and out of order, through the same
 * parsers as exported files. At checkpoints around a mass revocation the two
 * must agree within the tolerances stated below, each with its reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer.h"
#include "config.h"
#include "registry.h"
#include "sim.h"
#include "source.h"
#include "testutil.h"

#define MIN_MS 60000LL
/* The analyzer's StuckForget default (a day): r->s.stuck_forget_ms once
 * that key is in the settings. */

struct run {
	struct rm_settings s;
	struct rm_sim *sim;
	struct rm_analyzer *an;
	struct rm_ingest in;
	struct rm_buf buf;
	uint64_t base;
	struct rm_stream stream;
	/* the admin center's download: its non-interactive file, read apart */
	struct rm_buf buf_non;
	uint64_t base_non;
	struct rm_stream stream_non;
};

static void run_open(struct run *r, int shape)
{
	static const char *const kv[][2] = {
		{"sim_users", "3000"},          {"sim_seed", "7"},
		{"sim_mass_revocation", "3h"},  {"sim_mass_share", "0.3"},
		{"sim_revocation_rate", "0.2"}, {"sim_delivery_delay_max", "2m"},
		{"window", "15m"},              {"settle", "0"},
	};
	struct revmon_error err;
	struct rm_sim_params p;
	revmon_conf *c = revmon_conf_new("truth", &err);

	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		assert_int_equal(revmon_conf_set(c, kv[i][0], kv[i][1], &err), 0);
	assert_int_equal(rm_settings_load(c, &r->s, &err), 0);
	revmon_conf_free(c);
	r->s.sim_shape = shape;
	rm_sim_params_from_settings(&r->s, &p);
	r->sim = rm_sim_new(&p);
	r->an = rm_analyzer_new(&r->s);
	assert_non_null(r->sim);
	assert_non_null(r->an);
	r->in.an = r->an;
	r->in.s = &r->s;
	r->in.origin = "truth";
	r->in.future_limit_ms = INT64_MAX;
	if (shape == RM_SHAPE_ENTRA_CSV) {
		/* what the files' names say: InteractiveSignIns_*.csv, NonInteractive... */
		r->stream.name_kind = RM_NAME_INTERACTIVE;
		r->stream_non.name_kind = RM_NAME_NONINTERACTIVE;
	}
}

static void run_to(struct run *r, int64_t until)
{
	int split = r->s.sim_shape == RM_SHAPE_ENTRA_CSV;

	while (rm_sim_clock(r->sim) < until) {
		int64_t step = rm_sim_clock(r->sim) + 10 * MIN_MS;

		assert_true(rm_sim_run_split(r->sim, step < until ? step : until,
		                             (enum rm_shape)r->s.sim_shape, &r->buf,
		                             split ? &r->buf_non : NULL) >= 0);
		rm_ingest_stream(&r->in, &r->buf, 0, &r->stream, &r->base);
		if (split)
			rm_ingest_stream(&r->in, &r->buf_non, 0, &r->stream_non, &r->base_non);
	}
	assert_int_equal(r->in.rejected, 0);
}

static void run_close(struct run *r)
{
	rm_analyzer_free(r->an);
	rm_sim_free(r->sim);
	rm_buf_free(&r->buf);
	rm_stream_free(&r->stream);
	rm_buf_free(&r->buf_non);
	rm_stream_free(&r->stream_non);
	rm_settings_free(&r->s);
}

struct compare {
	revmon_snapshot snap;
	struct revmon_value values[RM_M_COUNT];
	struct rm_sim_truth truth;
};

static void take(struct run *r, struct compare *c)
{
	int64_t now = rm_sim_clock(r->sim);

	memset(c, 0, sizeof *c);
	c->snap.n_values = RM_M_COUNT;
	c->snap.values = c->values;
	assert_int_equal(rm_analyzer_fill(r->an, now, &c->snap), 0);
	rm_sim_truth(r->sim, r->s.lag_window_ms, r->s.stuck_after_ms, r->s.stuck_forget_ms, &c->truth);
}

/* Free what the fill allocated (the values are c's own). */
static void release(struct compare *c)
{
	revmon_snapshot *s = malloc(sizeof *s);

	assert_non_null(s);
	*s = c->snap;
	s->values = NULL;
	revmon_snapshot_free(s);
	memset(&c->snap, 0, sizeof c->snap);
}

static double v(const struct compare *c, int id)
{
	if (!c->values[id].known)
		fail_msg("%s is unknown", revmon_metric((size_t)id)->name);
	return c->values[id].value;
}

/* A gauge that is unknown when there is nothing to describe: 0 then, as
 * the truth has it. */
static double v0(const struct compare *c, int id)
{
	return c->values[id].known ? c->values[id].value : 0;
}

/* |got - want| <= rel * want + abs */
static void within(const char *what, double got, double want, double rel, double abs_)
{
	double tol = rel * want + abs_;

	print_message("  %-24s analyzer %10.1f  truth %10.1f  (tolerance %.1f)\n", what, got, want, tol);
	if (got < want - tol || got > want + tol)
		fail_msg("%s: analyzer %.2f vs truth %.2f beyond %.2f", what, got, want, tol);
}

/* want - under <= got <= want + over */
static void between(const char *what, double got, double want, double under, double over)
{
	print_message("  %-24s analyzer %10.1f  truth %10.1f  (-%.1f/+%.1f)\n", what, got, want, under,
	              over);
	if (got < want - under || got > want + over)
		fail_msg("%s: analyzer %.2f vs truth %.2f beyond -%.2f/+%.2f", what, got, want, under, over);
}

/* Each family the truth knows with stale activity, against the analyzer's
 * row for the same app on the same platform: the breakdown is right, not
 * only the totals. */
static void check_families(const struct compare *c)
{
	const struct rm_sim_truth *t = &c->truth;
	char what[128];

	for (size_t i = 0; i < t->n_families; i++) {
		const struct rm_sim_family_truth *ft = &t->families[i];
		const struct revmon_family *f = NULL;

		if (!ft->presentations && !ft->stuck)
			continue;
		for (size_t k = 0; k < c->snap.n_families && !f; k++)
			if (!strcmp(c->snap.families[k].app, ft->app) &&
			    !strcmp(c->snap.families[k].platform, ft->platform))
				f = &c->snap.families[k];
		if (!f)
			fail_msg("no row for %s on %s", ft->app, ft->platform);
		snprintf(what, sizeof what, "%.40s/%s stuck", ft->app, ft->platform);
		within(what, f->values[RM_F_STALE_CLIENTS].value, (double)ft->stuck, 0.10, 2);
		snprintf(what, sizeof what, "%.40s/%s refused", ft->app, ft->platform);
		within(what, f->values[RM_F_STALE_PRESENTATIONS].value, (double)ft->presentations, 0.05, 10);
	}
}

static void check(const struct compare *c, const char *label)
{
	const struct rm_sim_truth *t = &c->truth;

	print_message("%s\n", label);
	/* Audits still in delivery (up to 2 min late) are not seen yet. */
	within("revocations", v(c, RM_M_REVOCATIONS), (double)t->revocations, 0.02, 5);
	within("signins", v(c, RM_M_SIGNINS), (double)t->signins, 0.05, 50);
	/* Lags: refusals still in delivery shift the window's set a little. */
	if (t->lags) {
		within("revocation_lag_p50", v(c, RM_M_LAG_P50), t->lag_p50_s, 0.05, 30);
		within("revocation_lag_p95", v(c, RM_M_LAG_P95), t->lag_p95_s, 0.05, 60);
	}
	/* Stuck clients are seen by their logged retries: one whose first
	 * retry past stuck_after is still in delivery is not stuck yet. */
	within("stale_clients", v(c, RM_M_STALE_CLIENTS), (double)t->stuck_clients, 0.10, 2);
	/* the oldest stuck client is stuck for long: its age is that of its
	 * revocation, whatever is in delivery */
	within("stale_age_max", v0(c, RM_M_STALE_AGE_MAX), t->stale_age_max_s, 0.02, 120);
	/* A log does not say each token's lifetime (the simulator draws 60-90
	 * min): the analyzer counts each until the longest, 90 min, so it
	 * agrees with the truth counted so, and is at least the real count
	 * (less what is still in delivery). */
	within("stale_tokens_live", v(c, RM_M_STALE_TOKENS_LIVE), (double)t->stale_tokens_possible, 0.05, 5);
	between("stale_tokens_live", v(c, RM_M_STALE_TOKENS_LIVE), (double)t->stale_tokens_live,
	        5 + 0.05 * (double)t->stale_tokens_live, 1e9);
	within("stale_tokens_live_cae", v(c, RM_M_STALE_TOKENS_LIVE_CAE),
	       (double)t->stale_tokens_live_cae, 0.15, 5);
	/* The last one to expire, likewise: never more than counted with 90
	 * min; less when the revocation that makes the newest tokens stale is
	 * still in delivery (a token issued minutes before it), and up to 30
	 * min over the real one. */
	between("exposure_max", v0(c, RM_M_EXPOSURE_MAX), t->exposure_possible_s,
	        120 + 0.15 * t->exposure_possible_s, 120);
	between("exposure_max", v0(c, RM_M_EXPOSURE_MAX), t->exposure_max_s,
	        120 + 0.15 * t->exposure_max_s, 1800 + 120);
	check_families(c);
}

static void truth_run(int shape)
{
	struct run r;
	struct compare c;
	int64_t start, mass;

	run_open(&r, shape);
	start = r.s.sim_start_ms;
	mass = start + r.s.sim_mass_revocation_ms;

	run_to(&r, mass - 10 * MIN_MS);
	take(&r, &c);
	check(&c, "before the mass revocation");
	release(&c);

	run_to(&r, mass + 20 * MIN_MS);
	take(&r, &c);
	check(&c, "20 minutes after");
	assert_true(c.truth.stale_tokens_live > 100); /* the checkpoint is meaningful */
	assert_true(c.truth.lags > 100);
	assert_true(v(&c, RM_M_REAUTH_STORM_RATIO) > 2.0);
	release(&c);

	run_to(&r, mass + 2 * 60 * MIN_MS);
	take(&r, &c);
	check(&c, "two hours after");
	assert_true(c.truth.lags > 10);
	release(&c);

	run_to(&r, mass + 4 * 60 * MIN_MS);
	take(&r, &c);
	check(&c, "four hours after");
	assert_true(c.truth.stuck_clients > 5);
	release(&c);
	run_close(&r);
}

static void test_truth_ndjson(void **state)
{
	(void)state;
	truth_run(RM_SHAPE_NDJSON);
}

/* Azure Monitor records: another parser path, the same truth. */
static void test_truth_pt1h(void **state)
{
	(void)state;
	truth_run(RM_SHAPE_PT1H);
}

/* Every metric of a run in shape, at the checkpoints truth_run uses, equal
 * to the run in ref's: the shape changes the bytes, never the numbers. The
 * reference has the records in the same order: record by record (NDJSON),
 * or a run's sign-ins ahead of its audits (Graph pages). */
static void same_as(int shape, const char *name, int ref)
{
	static const int64_t at_min[] = {-10, 20, 120, 240};
	struct run a, b;
	struct compare ca, cb;
	int64_t mass;

	run_open(&a, ref);
	run_open(&b, shape);
	mass = a.s.sim_start_ms + a.s.sim_mass_revocation_ms;
	for (size_t k = 0; k < sizeof at_min / sizeof at_min[0]; k++) {
		run_to(&a, mass + at_min[k] * MIN_MS);
		run_to(&b, mass + at_min[k] * MIN_MS);
		take(&a, &ca);
		take(&b, &cb);
		assert_true(ca.values[RM_M_EVENTS_INGESTED].value > 1000);
		for (size_t i = 0; i < RM_M_COUNT; i++)
			if (ca.values[i].known != cb.values[i].known || ca.values[i].value != cb.values[i].value)
				fail_msg("%s at mass %+lld min: %s %s%g, reference %s%g", name,
				         (long long)at_min[k], revmon_metric(i)->name,
				         cb.values[i].known ? "" : "unknown ", cb.values[i].value,
				         ca.values[i].known ? "" : "unknown ", ca.values[i].value);
		assert_int_equal(cb.snap.n_stuck, ca.snap.n_stuck);
		assert_int_equal(cb.snap.n_revocations, ca.snap.n_revocations);
		release(&ca);
		release(&cb);
	}
	run_close(&a);
	run_close(&b);
}

static void test_shapes_graph_eventhub_pt1h(void **state)
{
	(void)state;
	same_as(RM_SHAPE_EVENTHUB, "eventhub", RM_SHAPE_NDJSON);
	same_as(RM_SHAPE_PT1H, "pt1h", RM_SHAPE_NDJSON);
	same_as(RM_SHAPE_ARRAY, "array", RM_SHAPE_NDJSON);
}

/* The Log Analytics shapes: rows, the query API, az CLI, the portal's CSV. */
static void test_shapes_log_analytics(void **state)
{
	(void)state;
	same_as(RM_SHAPE_LA, "la", RM_SHAPE_NDJSON);
	same_as(RM_SHAPE_LA_QUERY, "la-query", RM_SHAPE_GRAPH);
	same_as(RM_SHAPE_AZCLI, "azcli", RM_SHAPE_NDJSON);
	same_as(RM_SHAPE_CSV, "csv", RM_SHAPE_NDJSON);
}

/* The admin center's download carries sign-ins only, without the CAE flag:
 * its sign-in counters equal the Graph shape's of the same run, and
 * cae_token_ratio stays unknown. */
static void test_shapes_entra_csv(void **state)
{
	static const int ids[] = {
		RM_M_SIGNINS, RM_M_SIGNINS_INTERACTIVE, RM_M_SIGNIN_FAILURES, RM_M_FAIL_REVOKED,
		RM_M_FAIL_EXPIRY, RM_M_FAIL_POLICY, RM_M_FAIL_ACCOUNT, RM_M_FAIL_STORM, RM_M_FAIL_OTHER,
		RM_M_STALE_PRESENTATIONS, RM_M_LOOP_DETECTED, RM_M_TENANT_THROTTLED,
	};
	static const int64_t at_min[] = {-10, 20, 120, 240};
	struct run a, b;
	struct compare ca, cb;
	int64_t mass;

	(void)state;
	run_open(&a, RM_SHAPE_GRAPH);
	run_open(&b, RM_SHAPE_ENTRA_CSV);
	mass = a.s.sim_start_ms + a.s.sim_mass_revocation_ms;
	for (size_t k = 0; k < sizeof at_min / sizeof at_min[0]; k++) {
		run_to(&a, mass + at_min[k] * MIN_MS);
		run_to(&b, mass + at_min[k] * MIN_MS);
		take(&a, &ca);
		take(&b, &cb);
		assert_true(v(&cb, RM_M_SIGNINS) > 1000);
		assert_true(v(&cb, RM_M_SIGNINS_INTERACTIVE) > 100);
		for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
			if (v(&ca, ids[i]) != v(&cb, ids[i]))
				fail_msg("entra-csv at mass %+lld min: %s %g, graph %g", (long long)at_min[k],
				         revmon_metric((size_t)ids[i])->name, v(&cb, ids[i]), v(&ca, ids[i]));
		assert_false(cb.values[RM_M_CAE_TOKEN_RATIO].known);
		assert_true(ca.values[RM_M_CAE_TOKEN_RATIO].known);
		release(&ca);
		release(&cb);
	}
	assert_true(v(&cb, RM_M_STALE_PRESENTATIONS) > 100);
	run_close(&a);
	run_close(&b);
}

/* One of them against the truth itself as well. */
static void test_truth_csv(void **state)
{
	(void)state;
	truth_run(RM_SHAPE_CSV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truth_ndjson),
		cmocka_unit_test(test_truth_pt1h),
		cmocka_unit_test(test_truth_csv),
		cmocka_unit_test(test_shapes_graph_eventhub_pt1h),
		cmocka_unit_test(test_shapes_log_analytics),
		cmocka_unit_test(test_shapes_entra_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
