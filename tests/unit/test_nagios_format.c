/* The check's pure pieces: ranges against the guidelines' table, perfdata
 * formatting, --extra-opts parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "extra_opts.h"
#include "perfdata.h"
#include "range.h"
#include "scratch.h"

static int alerts(const char *range, double v)
{
	struct nr_range r;

	if (nr_range_parse(range, &r) < 0)
		fail_msg("'%s' refused", range);
	return nr_range_alert(&r, v);
}

static void test_range_table(void **state)
{
	(void)state;
	/* 10: alert if x < 0 or x > 10 */
	assert_true(alerts("10", -0.1));
	assert_false(alerts("10", 0));
	assert_false(alerts("10", 10));
	assert_true(alerts("10", 10.01));
	/* 10: alert if x < 10 */
	assert_true(alerts("10:", 9.99));
	assert_false(alerts("10:", 10));
	assert_false(alerts("10:", 1e12));
	/* ~:10 alert if x > 10 */
	assert_false(alerts("~:10", -1e12));
	assert_false(alerts("~:10", 10));
	assert_true(alerts("~:10", 10.5));
	/* 10:20 alert outside */
	assert_true(alerts("10:20", 9));
	assert_false(alerts("10:20", 10));
	assert_false(alerts("10:20", 20));
	assert_true(alerts("10:20", 21));
	/* @10:20 alert inside, inclusive */
	assert_false(alerts("@10:20", 9));
	assert_true(alerts("@10:20", 10));
	assert_true(alerts("@10:20", 20));
	assert_false(alerts("@10:20", 20.5));
	/* odd but legal */
	assert_false(alerts("~:", 5)); /* both infinite: never */
	assert_true(alerts("@~:", 5));
	assert_true(alerts("-5:-1", 0));
	assert_false(alerts("-5:-1", -3));
	assert_true(alerts("0", 1));
	assert_false(alerts("0", 0));
	assert_true(alerts("1.5", 1.6));
}

static void test_range_refusals(void **state)
{
	struct nr_range r;
	static const char *const bad[] = {"", "@", "20:10", "abc", "10:x", "1e999", "~", "~:~",
	                                  "10::20", ":", "5:-5", "@@1", "nan",
	                                  "123456789012345678901234567890123456789012345678901234567890123456789"};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (nr_range_parse(bad[i], &r) == 0)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(nr_range_parse("10:10", &r), 0);
	assert_string_equal(r.text, "10:10");
}

static const struct revmon_metric_desc *metric(const char *name)
{
	return revmon_metric((size_t)revmon_metric_find(name));
}

static void test_perfdata(void **state)
{
	char out[256];
	struct revmon_value v = {1, 265.2, 0};
	struct revmon_value unknown = {0, 0, 0};
	struct revmon_value c = {1, 12345678901.0, 12345678901ULL};
	struct revmon_value pct = {1, 26.6666666, 0};

	(void)state;
	pd_format(out, sizeof out, metric("revocation_lag_p95"), &v, "300", "900");
	assert_string_equal(out, "revocation_lag_p95=265.2s;300;900;0");
	pd_format(out, sizeof out, metric("revocation_lag_p95"), &unknown, "300", "900");
	assert_string_equal(out, "revocation_lag_p95=U;300;900;0");
	pd_format(out, sizeof out, metric("signins"), &c, NULL, NULL);
	assert_string_equal(out, "signins=12345678901c;;;0");
	pd_format(out, sizeof out, metric("cae_token_ratio"), &pct, NULL, "@0:10");
	assert_string_equal(out, "cae_token_ratio=26.667%;;@0:10;0;100");
	v.value = 3;
	pd_format(out, sizeof out, metric("stale_clients"), &v, "0", "9");
	assert_string_equal(out, "stale_clients=3;0;9;0");
	v.value = 1;
	pd_format(out, sizeof out, metric("source_up"), &v, NULL, NULL);
	assert_string_equal(out, "source_up=1;;;0;1");
	/* labels */
	pd_label(out, sizeof out, "plain_label-1.x");
	assert_string_equal(out, "plain_label-1.x");
	pd_label(out, sizeof out, "with space");
	assert_string_equal(out, "'with space'");
	pd_label(out, sizeof out, "it's=");
	assert_string_equal(out, "'it''s_'");
	/* truncation is safe */
	assert_true(pd_format(out, 8, metric("revocation_lag_p95"), &v, "300", "900") <= 7);
	assert_int_equal(strlen(out), 7);
	/* every registry metric renders to a parseable item */
	for (size_t i = 0; i < revmon_metric_count(); i++) {
		const char *uom = pd_uom(revmon_metric(i));

		pd_format(out, sizeof out, revmon_metric(i), &v, NULL, NULL);
		assert_non_null(strchr(out, '='));
		assert_true(!strcmp(uom, "") || !strcmp(uom, "s") || !strcmp(uom, "%") || !strcmp(uom, "c"));
	}
}

static void test_extra_opts(void **state)
{
	const char *ini = "# comment\n"
	                  "[other]\nwarning=1\n"
	                  "[check_revocation]\n"
	                  "  warning = lag_p95=600  \n"
	                  "; another\n"
	                  "t=20\n"
	                  "no-state=\n"
	                  "source=file:/var/log/x\n";
	char why[200];
	char **o;

	(void)state;
	o = eo_parse(ini, strlen(ini), "check_revocation", why, sizeof why);
	assert_non_null(o);
	assert_string_equal(o[0], "--warning=lag_p95=600");
	assert_string_equal(o[1], "-t");
	assert_string_equal(o[2], "20");
	assert_string_equal(o[3], "--no-state");
	assert_string_equal(o[4], "--source=file:/var/log/x");
	assert_null(o[5]);
	eo_free(o);
	o = eo_parse(ini, strlen(ini), "other", why, sizeof why);
	assert_string_equal(o[0], "--warning=1");
	eo_free(o);
	assert_null(eo_parse(ini, strlen(ini), "absent", why, sizeof why));
	assert_string_equal(why, "no section [absent]");
	assert_null(eo_parse("[s]\njunk line\n", 16, "s", why, sizeof why));
	assert_string_equal(why, "line 2: expected key=value");
	assert_null(eo_parse("[s]\n-=foo\n", 10, "s", why, sizeof why));
	assert_string_equal(why, "line 2: a key names an option without its dashes");
	o = eo_parse("[s]\n", 4, "s", why, sizeof why);
	assert_non_null(o);
	assert_null(o[0]);
	eo_free(o);
	assert_null(eo_load("s@/nonexistent/x.ini", "check_revocation", why, sizeof why));
	assert_non_null(strstr(why, "can't read config file"));
}

/* An ini file others may change could point the check's --set options at
 * any endpoint: refused, as revmon's own configuration files are. */
static void test_extra_opts_untrusted(void **state)
{
	char dir[64], path[96], spec[128], why[400];
	char **o;
	FILE *f;

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof dir, "eotrust"), 0);
	snprintf(path, sizeof path, "%s/plugins.ini", dir);
	snprintf(spec, sizeof spec, "check_revocation@%s", path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[check_revocation]\nset=probe_token_url=https://evil.example/token\n", f);
	fclose(f);
	chmod(path, 0644);
	o = eo_load(spec, "check_revocation", why, sizeof why);
	assert_non_null(o);
	eo_free(o);
	chmod(path, 0666);
	assert_null(eo_load(spec, "check_revocation", why, sizeof why));
	if (!strstr(why, path) || !strstr(why, "writable by group and others"))
		fail_msg("%s", why);
	assert_int_equal(scratch_remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_table),
		cmocka_unit_test(test_range_refusals),
		cmocka_unit_test(test_perfdata),
		cmocka_unit_test(test_extra_opts),
		cmocka_unit_test(test_extra_opts_untrusted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
