/* The analyzer's figures depend on the records seen, not on the order they
 * arrive in: Graph serves pages newest first, Event Hubs interleaves
 * partitions, a replay reads files in name order. The same simulated
 * records (a mass revocation, stuck clients, late audits) are fed in
 * delivery order, in event-time order, reversed and shuffled, and every
 * metric, and every family's values, must come out the same. */
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

#define MIN_MS 60000LL

struct line {
	const char *p;
	size_t n;
	int64_t t; /* event time, for the time-ordered feed */
};

static struct rm_settings settings;
static struct rm_buf all;   /* the simulated records, one per line */
static struct line *lines;
static size_t n_lines;
static int64_t now_ms;

static void load_settings(void)
{
	static const char *const kv[][2] = {
		{"sim_users", "1500"},          {"sim_seed", "11"},
		{"sim_mass_revocation", "2h"},  {"sim_mass_share", "0.3"},
		{"sim_revocation_rate", "0.3"}, {"sim_delivery_delay_max", "5m"},
		{"settle", "0"},
		/* records may come in any order within the horizon: here the
		 * whole run, reversed */
		{"dedupe_horizon", "6h"},
	};
	struct revmon_error err;
	revmon_conf *c = revmon_conf_new("order", &err);

	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		assert_int_equal(revmon_conf_set(c, kv[i][0], kv[i][1], &err), 0);
	assert_int_equal(rm_settings_load(c, &settings, &err), 0);
	revmon_conf_free(c);
}

static int64_t time_of(const char *p, size_t n)
{
	struct rm_event ev;
	const char *why;
	struct rm_str kind;

	assert_int_equal(rm_record_parse(p, n, NULL, &ev, &why, &kind), RM_REC_OK);
	return ev.time_ms;
}

/* Five simulated hours as NDJSON, split into lines. */
static int setup(void **state)
{
	struct rm_sim_params p;
	struct rm_sim *sim;
	size_t cap = 0;

	(void)state;
	load_settings();
	rm_sim_params_from_settings(&settings, &p);
	sim = rm_sim_new(&p);
	assert_non_null(sim);
	assert_true(rm_sim_run(sim, settings.sim_start_ms + 5 * 60 * MIN_MS, RM_SHAPE_NDJSON, &all) > 0);
	now_ms = rm_sim_clock(sim);
	rm_sim_free(sim);
	for (size_t i = 0; i < all.len;) {
		const char *p0 = all.data + i, *nl = memchr(p0, '\n', all.len - i);
		size_t n = nl ? (size_t)(nl - p0) : all.len - i;

		if (n_lines == cap) {
			cap = cap ? cap * 2 : 4096;
			lines = realloc(lines, cap * sizeof *lines);
			assert_non_null(lines);
		}
		lines[n_lines] = (struct line){p0, n, time_of(p0, n)};
		n_lines++;
		i += n + 1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(lines);
	rm_buf_free(&all);
	rm_settings_free(&settings);
	return 0;
}

/* A restart: the analyzer saved and loaded into a fresh one. */
static struct rm_analyzer *restarted(struct rm_analyzer *an)
{
	struct rm_buf b = {0};
	struct rm_analyzer *fresh = rm_analyzer_new(&settings);
	const char *why = NULL;

	assert_non_null(fresh);
	assert_int_equal(rm_analyzer_save(an, &b), 0);
	assert_int_equal(rm_analyzer_load(fresh, b.data, b.len, &why), 0);
	rm_buf_free(&b);
	rm_analyzer_free(an);
	return fresh;
}

/* Feed the records in order, restarting before the restart_at-th (SIZE_MAX:
 * never); until the last, the stream shows its records delivered through
 * read_through only (INT64_MAX: no stream). */
static revmon_snapshot *feed_through(const size_t *order, int64_t read_through, size_t restart_at)
{
	struct rm_analyzer *an = rm_analyzer_new(&settings);
	revmon_snapshot *s = calloc(1, sizeof *s);

	assert_non_null(an);
	assert_non_null(s);
	rm_analyzer_read_through(an, read_through);
	for (size_t i = 0; i < n_lines; i++) {
		const struct line *l = &lines[order[i]];
		struct rm_event ev;
		const char *why;
		struct rm_str kind;

		if (i == restart_at) {
			/* as a monitor does: a snapshot, a save, then the restart */
			revmon_snapshot *mid = calloc(1, sizeof *mid);

			assert_non_null(mid);
			mid->n_values = RM_M_COUNT;
			mid->values = calloc(RM_M_COUNT, sizeof *mid->values);
			assert_non_null(mid->values);
			assert_int_equal(rm_analyzer_fill_settled(an, lines[order[i - 1]].t, 0, 0, mid), 0);
			revmon_snapshot_free(mid);
			an = restarted(an);
			rm_analyzer_read_through(an, read_through);
		}

		assert_int_equal(rm_record_parse(l->p, l->n, NULL, &ev, &why, &kind), RM_REC_OK);
		assert_int_equal(rm_analyzer_feed(an, &ev), 0);
	}
	rm_analyzer_read_through(an, INT64_MAX);
	s->n_values = RM_M_COUNT;
	s->values = calloc(RM_M_COUNT, sizeof *s->values);
	assert_non_null(s->values);
	assert_int_equal(rm_analyzer_fill_settled(an, now_ms, 0, SIZE_MAX, s), 0);
	rm_analyzer_free(an);
	return s;
}

static revmon_snapshot *feed_in(const size_t *order)
{
	return feed_through(order, INT64_MAX, SIZE_MAX);
}

static const struct revmon_family *family(const revmon_snapshot *s, const char *label)
{
	for (size_t i = 0; i < s->n_families; i++)
		if (strcmp(s->families[i].label, label) == 0)
			return &s->families[i];
	return NULL;
}

/* Every metric and every family's values alike; all differences are
 * printed before failing, so that one run shows the whole picture. */
static void same(const revmon_snapshot *a, const revmon_snapshot *b, const char *how)
{
	int bad = 0;

	for (size_t i = 0; i < RM_M_COUNT; i++) {
		const struct revmon_value *x = &a->values[i], *y = &b->values[i];

		if (x->known != y->known || x->value != y->value) {
			print_message("%s: %s is %s%.3f in delivery order, %s%.3f %s\n", how,
			              revmon_metric(i)->name, x->known ? "" : "unknown ", x->value,
			              y->known ? "" : "unknown ", y->value, how);
			bad = 1;
		}
	}
	if (a->n_families != b->n_families) {
		print_message("%s: %zu families, then %zu\n", how, a->n_families, b->n_families);
		bad = 1;
	}
	for (size_t i = 0; i < a->n_families; i++) {
		const struct revmon_family *f = &a->families[i], *g = family(b, f->label);

		for (size_t k = 0; g && k < revmon_family_metric_count(); k++)
			if (f->values[k].value != g->values[k].value) {
				print_message("%s: %s of %s is %.0f, then %.0f\n", how,
				              revmon_family_metric(k)->name, f->label, f->values[k].value,
				              g->values[k].value);
				bad = 1;
			}
		if (!g) {
			print_message("%s: family %s missing\n", how, f->label);
			bad = 1;
		}
	}
	if (a->n_stuck != b->n_stuck) {
		print_message("%s: %zu stuck clients listed, then %zu\n", how, a->n_stuck, b->n_stuck);
		bad = 1;
	}
	if (bad)
		fail_msg("%s: the figures depend on the order", how);
}

static int by_time(const void *x, const void *y)
{
	const struct line *a = &lines[*(const size_t *)x], *b = &lines[*(const size_t *)y];

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return (*(const size_t *)x > *(const size_t *)y) - (*(const size_t *)x < *(const size_t *)y);
}

static void test_any_order_same_figures(void **state)
{
	size_t *order = malloc(n_lines * sizeof *order);
	revmon_snapshot *ref, *s;
	uint64_t rng = 0x9e3779b97f4a7c15ULL;

	(void)state;
	assert_non_null(order);
	for (size_t i = 0; i < n_lines; i++)
		order[i] = i;
	ref = feed_in(order);
	/* the run is meaningful: all of these are there to be got wrong */
	assert_true(ref->values[RM_M_STALE_CLIENTS].value > 5);
	assert_true(ref->values[RM_M_STALE_TOKENS_LIVE].value > 10);
	assert_true(ref->values[RM_M_REVOCATIONS_INFERRED].counter > 0 ||
	            ref->values[RM_M_REVOCATIONS].counter > 100);
	assert_true(ref->n_families > 2);

	qsort(order, n_lines, sizeof *order, by_time);
	s = feed_in(order);
	same(ref, s, "in event-time order");
	revmon_snapshot_free(s);

	for (size_t i = 0; i < n_lines; i++)
		order[i] = n_lines - 1 - i;
	s = feed_in(order);
	same(ref, s, "reversed");
	revmon_snapshot_free(s);

	for (int round = 0; round < 2; round++) {
		for (size_t i = n_lines - 1; i > 0; i--) {
			size_t j, t;

			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			j = (size_t)(rng % (i + 1));
			t = order[i], order[i] = order[j], order[j] = t;
		}
		s = feed_in(order);
		same(ref, s, "shuffled");
		revmon_snapshot_free(s);
	}
	revmon_snapshot_free(ref);
	free(order);
}

static int is_audit(const struct line *l)
{
	struct rm_event ev;
	const char *why;
	struct rm_str kind;

	assert_int_equal(rm_record_parse(l->p, l->n, NULL, &ev, &why, &kind), RM_REC_OK);
	return ev.kind == RM_EV_AUDIT;
}

/* One hub per category, the audit hub read last (a partition hours behind
 * the others), restarted in between: a refusal of hours before its audit event arrives
 * is not counted as inferred meanwhile, and sign-ins wait for the
 * revocation they follow, as the stream's read-through time tells. A horizon of an
 * hour here, not the whole run: this is what it cannot cover. */
static void test_audits_hours_behind(void **state)
{
	size_t *order = malloc(n_lines * sizeof *order), n = 0, n_signins;
	revmon_snapshot *ref, *s, *blind;
	int64_t horizon = settings.dedupe_horizon_ms;

	(void)state;
	assert_non_null(order);
	for (size_t i = 0; i < n_lines; i++)
		order[i] = i;
	qsort(order, n_lines, sizeof *order, by_time);
	ref = feed_in(order);
	for (size_t i = 0; i < n_lines; i++)
		if (!is_audit(&lines[i]))
			order[n++] = i;
	n_signins = n;
	for (size_t i = 0; i < n_lines; i++)
		if (is_audit(&lines[i]))
			order[n++] = i;
	qsort(order, n_signins, sizeof *order, by_time);
	qsort(order + n_signins, n - n_signins, sizeof *order, by_time);
	settings.dedupe_horizon_ms = 3600000;
	/* the audits' partition not read yet: nothing is known delivered */
	s = feed_through(order, 0, n_signins);
	blind = feed_through(order, INT64_MAX, n_signins);
	settings.dedupe_horizon_ms = horizon;
	/* meaningful: without the read-through time the figures differ */
	assert_true(blind->values[RM_M_REVOCATIONS_INFERRED].counter >
	            ref->values[RM_M_REVOCATIONS_INFERRED].counter);
	same(ref, s, "audits hours behind the sign-ins");
	revmon_snapshot_free(blind);
	revmon_snapshot_free(s);
	revmon_snapshot_free(ref);
	free(order);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_any_order_same_figures),
		cmocka_unit_test(test_audits_hours_behind),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
