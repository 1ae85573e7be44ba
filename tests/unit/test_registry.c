/* The metric registry is consistent: what every adapter renders from. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "revmon.h"

/* Types from collectd's stock types.db that the registry may name, with the
 * kinds and units each suits. */
static int collectd_type_fits(const struct revmon_metric_desc *d)
{
	const char *t = d->collectd_type;

	if (d->kind == REVMON_COUNTER)
		return strcmp(t, "derive") == 0;
	switch (d->unit) {
	case REVMON_UNIT_SECONDS: return strcmp(t, "duration") == 0;
	case REVMON_UNIT_PERCENT: return strcmp(t, "percent") == 0;
	case REVMON_UNIT_COUNT: return strcmp(t, "count") == 0;
	default: return strcmp(t, "gauge") == 0;
	}
}

static void test_registry(void **state)
{
	size_t n = revmon_metric_count();
	unsigned seen_cols[256] = {0};

	(void)state;
	assert_true(n >= 40);
	assert_null(revmon_metric(n));
	for (size_t i = 0; i < n; i++) {
		const struct revmon_metric_desc *d = revmon_metric(i);

		assert_non_null(d);
		for (const char *p = d->name; *p; p++)
			if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
				fail_msg("metric name '%s' has '%c'", d->name, *p);
		assert_true(strlen(d->name) <= 32);
		assert_int_equal(revmon_metric_find(d->name), (int)i);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(revmon_metric(j)->name, d->name);
		assert_true(d->snmp_column >= 10 && d->snmp_column < 256);
		if (seen_cols[d->snmp_column]++)
			fail_msg("SNMP column %u used twice", d->snmp_column);
		assert_true(d->snmp_scale >= 1);
		if (d->kind == REVMON_COUNTER)
			assert_int_equal(d->snmp_scale, 1);
		assert_true(strlen(d->help) > 20);
		assert_true(strlen(d->snmp_units) > 0);
		if (!collectd_type_fits(d))
			fail_msg("%s: collectd type %s does not fit its kind and unit", d->name,
			         d->collectd_type);
	}
	/* The catalog's named metrics are all there. */
	static const char *const required[] = {
		"revocations", "revocation_lag_p50", "revocation_lag_p95", "revocation_lag_max",
		"revocations_pending", "stale_presentations", "stale_clients", "stale_age_max",
		"stale_tokens_live", "exposure_max", "signins", "signins_interactive",
		"signin_failures", "reauth_rate", "reauth_storm_ratio", "reauth_after_revocation",
		"loop_detected", "tenant_throttled", "cae_token_ratio", "probe_access_lag",
		"probe_refresh_lag", "probe_age", "events_ingested", "events_rejected", "source_up",
		"source_throttled", "source_errors", "ingest_delay",
	};
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (revmon_metric_find(required[i]) < 0)
			fail_msg("catalog metric %s missing", required[i]);
	assert_int_equal(revmon_metric_find("nope"), -1);
	assert_non_null(revmon_version());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
