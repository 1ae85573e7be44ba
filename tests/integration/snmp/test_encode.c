/* Unit test of the subagent's value encodings, including Counter64 values
 * above 2^32 through net-snmp's own BER encoder and decoder (a tenant would
 * need billions of sign-ins to reach them end to end). */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "mib_layout.h"
#include "notify.h"
#include "revmon.h"

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                               \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                                \
		}                                                                              \
	} while (0)

/* Encode v as a Counter64 varbind value with net-snmp and decode it again. */
static uint64_t ber_roundtrip(uint64_t v)
{
	struct counter64 in, out = {0, 0};
	uint32_t hi, lo;
	u_char buf[64], type = 0;
	size_t len = sizeof buf, plen;
	u_char *end;

	rm_split64(v, &hi, &lo);
	in.high = hi;
	in.low = lo;
	end = asn_build_unsigned_int64(buf, &len, ASN_COUNTER64, &in, sizeof in);
	if (!end)
		return 0;
	plen = (size_t)(end - buf);
	if (!asn_parse_unsigned_int64(buf, &plen, &type, &out, sizeof out) || type != ASN_COUNTER64)
		return 0;
	return ((uint64_t)out.high << 32) | out.low;
}

static void test_counter64(void)
{
	static const uint64_t values[] = {0,           1,           4294967295ULL,
	                                  4294967296ULL, 4294967297ULL, 5000000007ULL,
	                                  (1ULL << 53) + 1, UINT64_MAX};
	uint32_t hi, lo;

	rm_split64(5000000007ULL, &hi, &lo);
	CHECK(hi == 1 && lo == 705032711u);
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
		CHECK(ber_roundtrip(values[i]) == values[i]);

	/* And through a varbind, as the handler sets it. */
	netsnmp_variable_list vb;
	struct counter64 c;

	memset(&vb, 0, sizeof vb);
	rm_split64(4294967297ULL, &hi, &lo);
	c.high = hi;
	c.low = lo;
	CHECK(snmp_set_var_typed_value(&vb, ASN_COUNTER64, &c, sizeof c) == 0);
	CHECK(vb.type == ASN_COUNTER64 && vb.val.counter64->high == 1 && vb.val.counter64->low == 1);
	snmp_free_var_internals(&vb);
}

static void test_gauge(void)
{
	CHECK(rm_gauge32(445.564, 1000) == 445564);
	CHECK(rm_gauge32(2534.8009999999999, 1000) == 2534801);
	CHECK(rm_gauge32(0.0005, 1000) == 1);   /* half away from zero */
	CHECK(rm_gauge32(1.8, 100) == 180);
	CHECK(rm_gauge32(8.333333333333334, 100) == 833);
	CHECK(rm_gauge32(-3, 1000) == 0);       /* Gauge32 has no negatives */
	CHECK(rm_gauge32(NAN, 1000) == 0);
	CHECK(rm_gauge32(1e12, 1000) == UINT32_MAX); /* sticks at the top */
	CHECK(rm_gauge32(4294967.295, 1000) == UINT32_MAX);
	CHECK(rm_gauge32(4294967.294, 1000) == 4294967294u);
}

static void test_name_list(void)
{
	static const char *const names[] = {"revocationLagP50", "probeAge", "x"};
	char out[32], tiny[8];

	CHECK(rm_name_list(out, sizeof out, names, 0) == 0 && out[0] == '\0');
	CHECK(rm_name_list(out, sizeof out, names, 3) == 27);
	CHECK(strcmp(out, "revocationLagP50 probeAge x") == 0);
	/* 27 octets need a cap of 28 (the NUL); one less cuts after a whole name */
	CHECK(rm_name_list(out, 28, names, 3) == 27 && strcmp(out, "revocationLagP50 probeAge x") == 0);
	CHECK(rm_name_list(out, 27, names, 3) == 20 && strcmp(out, "revocationLagP50 ...") == 0);
	CHECK(rm_name_list(tiny, sizeof tiny, names, 3) == 3 && strcmp(tiny, "...") == 0);
}

/* Every transition of the notification state machine: one notification per
 * crossing, none while a state persists, unknown values change nothing. */
static void test_notify(void)
{
	struct rm_notify_conf c = {1, 2, 1, 600000, 600000};
	struct rm_notify_state st = {0, 0, 0};
	struct rm_notify_input in = {RM_STATUS_STARTING, 0, 0, 0, 0};
	unsigned down = 1u << RM_NOTIFY_SOURCE_DOWN, up = 1u << RM_NOTIFY_SOURCE_UP;
	unsigned high = 1u << RM_NOTIFY_STUCK_HIGH, normal = 1u << RM_NOTIFY_STUCK_NORMAL;
	unsigned lag_high = 1u << RM_NOTIFY_LAG_HIGH, lag_normal = 1u << RM_NOTIFY_LAG_NORMAL;

	CHECK(rm_notify_step(&c, &st, &in) == 0);        /* starting: nothing */
	in.status = RM_STATUS_UP;
	CHECK(rm_notify_step(&c, &st, &in) == 0);        /* up from the start: nothing */
	in.status = RM_STATUS_FAILED;
	CHECK(rm_notify_step(&c, &st, &in) == down);
	in.status = RM_STATUS_DOWN;
	CHECK(rm_notify_step(&c, &st, &in) == 0);        /* failed -> down: still down */
	in.status = RM_STATUS_STARTING;
	CHECK(rm_notify_step(&c, &st, &in) == 0);        /* re-opening: not up yet */
	in.status = RM_STATUS_UP;
	CHECK(rm_notify_step(&c, &st, &in) == up);
	CHECK(rm_notify_step(&c, &st, &in) == 0);
	in.stuck_known = 1;
	in.stuck = 2;
	CHECK(rm_notify_step(&c, &st, &in) == 0);        /* at the threshold: not above */
	in.stuck = 3;
	CHECK(rm_notify_step(&c, &st, &in) == high);
	in.stuck = 2;
	CHECK(rm_notify_step(&c, &st, &in) == 0);        /* above the clear level: still high */
	in.stuck_known = 0;
	CHECK(rm_notify_step(&c, &st, &in) == 0);        /* unknown: nothing */
	in.stuck_known = 1;
	in.stuck = 1;
	CHECK(rm_notify_step(&c, &st, &in) == normal);
	CHECK(rm_notify_step(&c, &st, &in) == 0);
	in.lag_known = 1;
	in.lag_ms = 600001;
	in.status = RM_STATUS_DOWN;
	CHECK(rm_notify_step(&c, &st, &in) == (down | lag_high));
	in.lag_ms = 600000;
	CHECK(rm_notify_step(&c, &st, &in) == lag_normal);
	/* Switched off: no notification, nothing pending. */
	c.source = 0;
	c.stuck = c.stuck_clear = RM_NOTIFY_OFF;
	in.status = RM_STATUS_UP;
	in.stuck = 50;
	CHECK(rm_notify_step(&c, &st, &in) == 0 && st.stuck_high == 0 && st.down == 0);
}

static void test_time(void)
{
	unsigned char dt[11];
	static const unsigned char want[11] = {0x07, 0xea, 1, 5, 11, 58, 0, 8, '+', 0, 0};

	/* 2026-01-05T11:58:00.803Z */
	CHECK(rm_date_and_time(1767614280803LL, dt) == 11);
	CHECK(memcmp(dt, want, sizeof want) == 0);
	CHECK(rm_timeticks(1234) == 123);
	CHECK(rm_timeticks(-5) == 0);
	CHECK(rm_gauge_ms(5000000000LL) == UINT32_MAX);
}

static void test_layout(void)
{
	char err[256], name[64];
	size_t n = 0, nf = 0;
	struct rm_object *cols = rm_columns(&n, err, sizeof err), *fcols;
	unsigned long arcs[RM_MAX_ARCS];

	CHECK(cols != NULL);
	CHECK(n == revmon_metric_count() + 9);
	CHECK(rm_decimals(1000) == 3 && rm_decimals(100) == 2 && rm_decimals(1) == 0 && rm_decimals(250) == 0);
	for (size_t i = 0; cols && i < n; i++) {
		CHECK(cols[i].arc == i + 1 || cols[i].arc >= RM_COL_FIRST_METRIC);
		if (i > 0)
			CHECK(cols[i].arc > cols[i - 1].arc);
	}
	fcols = rm_family_columns(&nf, err, sizeof err);
	CHECK(fcols != NULL);
	CHECK(nf == revmon_family_metric_count() + 4);
	for (size_t i = 0; fcols && i < nf; i++) {
		CHECK(fcols[i].arc == i + 1 || fcols[i].arc >= RM_FCOL_FIRST_METRIC);
		CHECK((fcols[i].desc != NULL) == (fcols[i].arc >= RM_FCOL_FIRST_METRIC));
		CHECK(strlen(fcols[i].name) <= RM_DESCRIPTOR_MAX);
		if (i > 0)
			CHECK(fcols[i].arc > fcols[i - 1].arc);
	}
	/* Descriptors name objects of the whole module: none in both tables. */
	CHECK(cols && fcols && rm_columns_disjoint(cols, n, fcols, nf, err, sizeof err) == 0);
	CHECK(cols && rm_columns_disjoint(cols, n, cols, 1, err, sizeof err) == -1);
	free(cols);
	free(fcols);
	rm_family_metric_descriptor("stale_tokens_live_cae", name, sizeof name);
	CHECK(strcmp(name, "revmonFamilyStaleTokensLiveCae") == 0);
	rm_metric_descriptor("revocation_lag_noncae_p95", name, sizeof name);
	CHECK(strcmp(name, "revmonRevocationLagNoncaeP95") == 0);
	CHECK(rm_parse_oid(RM_DEFAULT_BASE_OID, arcs, RM_MAX_ARCS) == 10 && arcs[9] == 1);
	CHECK(rm_parse_oid(".1.3.6", arcs, RM_MAX_ARCS) == 3);
	CHECK(rm_parse_oid("1.3.", arcs, RM_MAX_ARCS) == -1);
	CHECK(rm_parse_oid("1.x", arcs, RM_MAX_ARCS) == -1);
	CHECK(rm_parse_oid("", arcs, RM_MAX_ARCS) == -1);
}

int main(void)
{
	test_counter64();
	test_gauge();
	test_name_list();
	test_notify();
	test_time();
	test_layout();
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	else
		printf("encode: ok\n");
	return failures ? 1 : 0;
}
