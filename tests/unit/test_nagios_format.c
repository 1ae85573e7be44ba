/* The check's pure pieces: ranges against the guidelines' table, perfdata
 * formatting (per-family items too), --extra-opts parsing, and the status
 * line's words over constructed snapshots. */
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
#include "status.h"

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

static void test_family_perfdata(void **state)
{
	char label[200], out[300];
	struct revmon_value two = {1, 2, 0}, five = {1, 5, 5};

	(void)state;
	pd_family_label(label, sizeof label, "stale_clients", "Outlook for iOS and Android on iOS");
	assert_string_equal(label, "stale_clients@Outlook for iOS and Android on iOS");
	pd_format_as(out, sizeof out, label, revmon_family_metric(0), &two, NULL, NULL);
	assert_string_equal(out, "'stale_clients@Outlook for iOS and Android on iOS'=2;;;0");
	/* ' and = become _; a counter carries its unit */
	pd_family_label(label, sizeof label, "stale_presentations", "Bob's=app on macOS");
	assert_string_equal(label, "stale_presentations@Bob_s_app on macOS");
	pd_format_as(out, sizeof out, label,
	             revmon_family_metric((size_t)revmon_family_metric_find("stale_presentations")), &five, NULL,
	             NULL);
	assert_string_equal(out, "'stale_presentations@Bob_s_app on macOS'=5c;;;0");
	/* a '|' would end the plugin output, a line break split it */
	pd_family_label(label, sizeof label, "stale_clients", "A|B\nC");
	assert_string_equal(label, "stale_clients@A_B_C");
	/* truncation is safe */
	assert_int_equal(pd_family_label(label, 10, "stale_clients", "x"), 9);
	assert_string_equal(label, "stale_cli");
}

/* ---- the status line over constructed snapshots ---- */

#define NMAX 128

struct fake {
	revmon_snapshot s;
	struct revmon_value values[NMAX];
	struct threshold th[NMAX];
	struct revmon_family fam[8];
	struct revmon_value fvalues[8][8];
	struct revmon_stuck_client stuck[2];
};

static const int64_t jan5_1140 = 1767613200000; /* 2026-01-05T11:40:00Z */

static void fake_init(struct fake *f, int64_t now)
{
	memset(f, 0, sizeof *f);
	assert_true(revmon_metric_count() <= NMAX && revmon_family_metric_count() <= 8);
	f->s.now_ms = now;
	f->s.n_values = revmon_metric_count();
	f->s.values = f->values;
	f->s.families = f->fam;
	f->s.stuck = f->stuck;
	/* the check's defaults */
	f->th[revmon_metric_find("revocation_lag_p95")].has_warn =
		nr_range_parse("300", &f->th[revmon_metric_find("revocation_lag_p95")].warn) == 0;
	f->th[revmon_metric_find("revocation_lag_p95")].has_crit =
		nr_range_parse("900", &f->th[revmon_metric_find("revocation_lag_p95")].crit) == 0;
	f->th[revmon_metric_find("stale_clients")].has_warn =
		nr_range_parse("0", &f->th[revmon_metric_find("stale_clients")].warn) == 0;
	f->th[revmon_metric_find("stale_clients")].has_crit =
		nr_range_parse("9", &f->th[revmon_metric_find("stale_clients")].crit) == 0;
}

static void fake_set(struct fake *f, const char *name, double v)
{
	int i = revmon_metric_find(name);

	assert_true(i >= 0);
	f->values[i] = (struct revmon_value){1, v, (uint64_t)v};
}

static void fake_family(struct fake *f, const char *label, double stuck)
{
	size_t n = f->s.n_families++;

	f->fam[n].index = (unsigned)n + 2;
	f->fam[n].label = (char *)label;
	f->fam[n].values = f->fvalues[n];
	f->fvalues[n][revmon_family_metric_find("stale_clients")] = (struct revmon_value){1, stuck, 0};
}

static void fake_oldest(struct fake *f, int64_t revoked_ms)
{
	f->stuck[0].revoked_ms = revoked_ms;
	f->s.n_stuck = 1;
}

static const char *line_of(struct fake *f, const char *lead)
{
	static char out[1024];

	status_text(out, sizeof out, &f->s, f->th, lead, STATUS_TEXT_MAX);
	return out;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_status_line(void **state)
{
	struct fake f;
	const char *t;

	(void)state;
	/* the documented example (README): the critical lag before the stuck clients'
	 * warning, the worst family first, the oldest revocation's time */
	fake_init(&f, jan5_1140);
	fake_set(&f, "revocation_lag_p95", 2288);
	fake_set(&f, "stale_clients", 7);
	fake_family(&f, "Microsoft Office on macOS", 2);
	fake_family(&f, "Outlook for iOS and Android on iOS", 5);
	fake_oldest(&f, jan5_1140 - 40 * 60000);
	t = line_of(&f, NULL);
	assert_string_equal(t, "revocation lag p95 38m08s > 15m00s; 7 clients stuck on revoked grants "
	                       "(Outlook for iOS and Android on iOS 5, Microsoft Office on macOS 2; "
	                       "oldest revoked 11:00Z)");
	assert_int_equal(count(t, "stuck"), 1);
	assert_int_equal(count(t, "lag"), 1);
	assert_null(strstr(t, "stale_clients"));
	assert_null(strstr(t, "range"));
	/* ten stuck: critical, with the bound; now before the lag's warning */
	fake_set(&f, "stale_clients", 10);
	fake_set(&f, "revocation_lag_p95", 400);
	f.fvalues[0][0].value = 5;
	t = line_of(&f, NULL);
	assert_string_equal(t, "10 clients stuck on revoked grants > 9 (Microsoft Office on macOS 5, "
	                       "Outlook for iOS and Android on iOS 5; oldest revoked 11:00Z); "
	                       "revocation lag p95 6m40s > 5m00s");
	/* a revocation of another day gets its date */
	fake_oldest(&f, jan5_1140 - 13 * 3600000);
	assert_non_null(strstr(line_of(&f, NULL), "oldest revoked 2026-01-04 22:40Z)"));
}

static void test_status_line_facts(void **state)
{
	struct fake f;

	(void)state;
	/* nothing breaches: the facts, the tokens still valid last */
	fake_init(&f, jan5_1140);
	fake_set(&f, "revocation_lag_p95", 60);
	fake_set(&f, "stale_clients", 0);
	fake_set(&f, "stale_tokens_live", 1);
	fake_set(&f, "exposure_max", 1640);
	assert_string_equal(line_of(&f, NULL), "revocation lag p95 1m00s; no client stuck on revoked grants; "
	                                       "1 revoked token valid up to 27m20s more");
	/* a source's trouble first; an unknown lag says so */
	f.values[revmon_metric_find("revocation_lag_p95")].known = 0;
	f.values[revmon_metric_find("stale_tokens_live")].value = 0;
	assert_string_equal(line_of(&f, "source file:/x down: gone"),
	                    "source file:/x down: gone; no revocation enforced in the lag window; "
	                    "no client stuck on revoked grants");
	/* any metric in words with the side of the range it broke */
	fake_set(&f, "signins", 4);
	nr_range_parse("~:2", &f.th[revmon_metric_find("signins")].crit);
	f.th[revmon_metric_find("signins")].has_crit = 1;
	nr_range_parse("@0:50", &f.th[revmon_metric_find("cae_token_ratio")].warn);
	f.th[revmon_metric_find("cae_token_ratio")].has_warn = 1;
	fake_set(&f, "cae_token_ratio", 26.66);
	nr_range_parse("1:", &f.th[revmon_metric_find("revocations")].warn);
	f.th[revmon_metric_find("revocations")].has_warn = 1;
	fake_set(&f, "revocations", 0);
	assert_string_equal(line_of(&f, NULL),
	                    "4 sign-ins > 2; 0 revocations seen < 1; CAE tokens 26.7% within 0.0%..50.0%; "
	                    "no revocation enforced in the lag window; no client stuck on revoked grants");
}

static void test_status_line_cut(void **state)
{
	static const char *const labels[] = {
		"Outlook for iOS and Android on iOS", "Outlook for iOS and Android on Android",
		"Microsoft Office on macOS", "Microsoft Teams on Windows", "Microsoft Edge on Android",
		"OneDrive SyncEngine on Windows",
	};
	struct fake f;
	const char *t;

	(void)state;
	fake_init(&f, jan5_1140);
	fake_set(&f, "revocation_lag_p95", 2288);
	fake_set(&f, "stale_clients", 21);
	fake_set(&f, "stale_tokens_live", 3);
	fake_set(&f, "exposure_max", 1640);
	for (size_t i = 0; i < 6; i++)
		fake_family(&f, labels[i], (double)i + 1);
	fake_oldest(&f, jan5_1140 - 40 * 60000);
	t = line_of(&f, NULL);
	assert_true(strlen(t) <= STATUS_TEXT_MAX);
	/* the worst family first, the tokens left out, the rest counted */
	assert_non_null(strstr(t, "21 clients stuck on revoked grants > 9 (OneDrive SyncEngine on Windows 6, "));
	assert_non_null(strstr(t, "\xe2\x80\xa6, "));
	assert_non_null(strstr(t, " more families; oldest revoked 11:00Z)"));
	assert_null(strstr(t, "token"));
	/* however long a label, the worst family shows */
	f.fam[5].label = "An application whose display name goes on and on and on and on and on and on and on "
	                 "and on and on and on on macOS";
	t = line_of(&f, NULL);
	assert_non_null(strstr(t, "(An application whose"));
	assert_non_null(strstr(t, "\xe2\x80\xa6, 5 more families; oldest"));
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
		cmocka_unit_test(test_family_perfdata),
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_status_line_facts),
		cmocka_unit_test(test_status_line_cut),
		cmocka_unit_test(test_extra_opts),
		cmocka_unit_test(test_extra_opts_untrusted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
