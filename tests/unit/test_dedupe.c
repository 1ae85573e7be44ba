/* Record ids at scale, and the analyzer's state read back into tables
 * sized from the saved counts.
 *
 * Ten million records, out of order within half an hour, a quarter of them
 * delivered again within the horizon: every record is counted once, none
 * is taken for another (the count of ingested records is exact), and the
 * ids kept stay bounded by the horizon, not by the run. */
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

#define T0 1767600000000LL /* 2026-01-05T08:00:00Z */
#define RECORDS 10000000u
#define STEP_MS 10         /* 10M records over 28 simulated hours */
#define BLOCK 180000u      /* records reversed within 30 minutes */

static struct rm_settings settings;

static void load_settings(const char *const kv[][2], size_t n)
{
	struct revmon_error err;
	revmon_conf *c = revmon_conf_new("dedupe", &err);

	assert_non_null(c);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(revmon_conf_set(c, kv[i][0], kv[i][1], &err), 0);
	assert_int_equal(rm_settings_load(c, &settings, &err), 0);
	revmon_conf_free(c);
}

static revmon_snapshot *snapshot_of(struct rm_analyzer *an, int64_t now)
{
	revmon_snapshot *s = calloc(1, sizeof *s);

	assert_non_null(s);
	s->n_values = RM_M_COUNT;
	s->values = calloc(RM_M_COUNT, sizeof *s->values);
	assert_non_null(s->values);
	assert_int_equal(rm_analyzer_fill_settled(an, now, 0, SIZE_MAX, s), 0);
	return s;
}

/* Record i: its id (8 bytes, kept in *buf) and event time. */
static struct rm_event record(uint32_t i, uint64_t *buf)
{
	struct rm_event ev = {0};

	*buf = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
	ev.kind = RM_EV_SIGNIN;
	ev.id = (struct rm_str){(const char *)buf, sizeof *buf};
	ev.time_ms = T0 + (int64_t)i * STEP_MS;
	ev.error_code = 0;
	ev.cae = -1;
	return ev;
}

static void test_ten_million_records(void **state)
{
	static const char *const kv[][2] = {{"settle", "0"}, {"dedupe_horizon", "2h"}};
	struct rm_analyzer *an;
	revmon_snapshot *s;
	uint64_t again = 0, id;
	int64_t horizon_records;

	(void)state;
	if (getenv("REVMON_VALGRIND"))
		skip(); /* ten million records are for the native and sanitizer runs */
	load_settings(kv, sizeof kv / sizeof kv[0]);
	horizon_records = settings.dedupe_horizon_ms / STEP_MS;
	an = rm_analyzer_new(&settings);
	assert_non_null(an);
	for (uint32_t b = 0; b < RECORDS; b += BLOCK) {
		uint32_t end = b + BLOCK < RECORDS ? b + BLOCK : RECORDS;

		for (uint32_t i = end; i-- > b;) {
			struct rm_event ev = record(i, &id);

			assert_int_equal(rm_analyzer_feed(an, &ev), 0);
			if (i % 4 == 0) {
				/* a record fed before (of an earlier block, up to the
				 * horizon behind the newest seen; or this one) */
				uint64_t back = (uint64_t)i * 2654435761u % (uint64_t)(horizon_records - BLOCK);
				uint32_t j = b >= 1 + back ? (uint32_t)(b - 1 - back) : i;

				ev = record(j, &id);
				assert_int_equal(rm_analyzer_feed(an, &ev), 0);
				again++;
			}
		}
	}
	s = snapshot_of(an, T0 + (int64_t)RECORDS * STEP_MS);
	assert_int_equal(s->values[RM_M_EVENTS_INGESTED].counter, RECORDS);
	assert_int_equal(s->values[RM_M_EVENTS_DUPLICATE].counter, again);
	/* the ids of about a horizon and a generation, not of the run */
	if (rm_analyzer_bytes(an) > (size_t)(horizon_records + BLOCK) * 8 * 3)
		fail_msg("%zu bytes held for ids", rm_analyzer_bytes(an));
	revmon_snapshot_free(s);
	rm_analyzer_free(an);
	rm_settings_free(&settings);
}

/* Two snapshots agree on every metric. */
static void same_metrics(const revmon_snapshot *x, const revmon_snapshot *y)
{
	for (size_t i = 0; i < RM_M_COUNT; i++)
		if (x->values[i].known != y->values[i].known ||
		    x->values[i].counter != y->values[i].counter ||
		    (x->values[i].known && x->values[i].value != y->values[i].value))
			fail_msg("%s: %g vs %g", revmon_metric(i)->name, x->values[i].value,
			         y->values[i].value);
	assert_int_equal(x->n_stuck, y->n_stuck);
	assert_int_equal(x->n_families, y->n_families);
}

static void feed_all(struct rm_analyzer *an, const struct rm_buf *all)
{
	for (size_t i = 0; i < all->len;) {
		const char *p = all->data + i, *nl = memchr(p, '\n', all->len - i);
		size_t n = nl ? (size_t)(nl - p) : all->len - i;
		struct rm_event ev;
		const char *why;
		struct rm_str kind;

		assert_int_equal(rm_record_parse(p, n, NULL, &ev, &why, &kind), RM_REC_OK);
		assert_int_equal(rm_analyzer_feed(an, &ev), 0);
		i += n + 1;
	}
}

/* A saved state read back is the same state: saved again it is the same
 * bytes, its tables hold no more than the original's (sized from the
 * counts, no room to grow into, no index until a lookup), its figures are
 * the same, and every record fed again is known. */
static void test_round_trip_presized(void **state)
{
	static const char *const kv[][2] = {
		{"sim_users", "1500"}, {"sim_seed", "5"}, {"sim_mass_revocation", "1h"},
		{"sim_revocation_rate", "0.3"}, {"settle", "0"}, {"dedupe_horizon", "6h"},
	};
	struct rm_sim_params p;
	struct rm_sim *sim;
	struct rm_buf all = {0}, one = {0}, two = {0};
	struct rm_analyzer *a, *b;
	revmon_snapshot *x, *y;
	const char *why = NULL;
	int64_t now;

	(void)state;
	load_settings(kv, sizeof kv / sizeof kv[0]);
	rm_sim_params_from_settings(&settings, &p);
	sim = rm_sim_new(&p);
	assert_non_null(sim);
	assert_true(rm_sim_run(sim, settings.sim_start_ms + 3 * 3600000LL, RM_SHAPE_NDJSON, &all) > 0);
	now = rm_sim_clock(sim);
	rm_sim_free(sim);
	a = rm_analyzer_new(&settings);
	b = rm_analyzer_new(&settings);
	assert_non_null(a);
	assert_non_null(b);
	feed_all(a, &all);
	assert_true(rm_analyzer_clients(a) > 1000);
	assert_int_equal(rm_analyzer_save(a, &one), 0);
	if (rm_analyzer_load(b, one.data, one.len, &why) < 0)
		fail_msg("%s", why);
	assert_int_equal(rm_analyzer_clients(b), rm_analyzer_clients(a));
	assert_true(rm_analyzer_bytes(b) <= rm_analyzer_bytes(a));
	assert_int_equal(rm_analyzer_save(b, &two), 0);
	assert_int_equal(two.len, one.len);
	assert_memory_equal(two.data, one.data, one.len);
	x = snapshot_of(a, now);
	y = snapshot_of(b, now);
	same_metrics(x, y);
	revmon_snapshot_free(y);
	/* the restored ids are found: everything again (all of it within the
	 * horizon) is a duplicate */
	feed_all(b, &all);
	y = snapshot_of(b, now);
	assert_int_equal(y->values[RM_M_EVENTS_INGESTED].counter, x->values[RM_M_EVENTS_INGESTED].counter);
	assert_int_equal(y->values[RM_M_EVENTS_DUPLICATE].counter,
	                 x->values[RM_M_EVENTS_DUPLICATE].counter + x->values[RM_M_EVENTS_INGESTED].counter);
	revmon_snapshot_free(x);
	revmon_snapshot_free(y);
	rm_analyzer_free(a);
	rm_analyzer_free(b);
	rm_buf_free(&all);
	rm_buf_free(&one);
	rm_buf_free(&two);
	rm_settings_free(&settings);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ten_million_records),
		cmocka_unit_test(test_round_trip_presized),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
