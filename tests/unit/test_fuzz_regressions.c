/* Every input the fuzz targets found a problem with, replayed through the
 * same entry points and invariants: each tests/fixtures/fuzz/<target>/
 * file goes to tests/fuzz/fuzz_<target>.c's LLVMFuzzerTestOneInput, which
 * is compiled in here under another name. The Nagios targets' inputs are
 * replayed by test_nagios_fuzz_regressions.c; fuzz_agent_conf's (which
 * needs the subagent's sources) only by tests/fuzz/run.sh, which seeds
 * every target with its fixtures. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* A failed invariant fails the test with the target's words. */
#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond))                                                               \
			fail_msg("%s:%d: invariant failed: %s", __FILE__, __LINE__, #cond); \
	} while (0)
#include "../fuzz/fuzz.h"

#define LLVMFuzzerTestOneInput fz_json_scan
#include "../fuzz/fuzz_json_scan.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_records
#include "../fuzz/fuzz_records.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_json_diff
#include "../fuzz/fuzz_json_diff.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_aadsts_text
#include "../fuzz/fuzz_aadsts_text.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_timeparse
#include "../fuzz/fuzz_timeparse.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_conf
#include "../fuzz/fuzz_conf.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_state
#define LLVMFuzzerInitialize fz_state_init
#include "../fuzz/fuzz_state.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize
#define LLVMFuzzerTestOneInput fz_claims
#include "../fuzz/fuzz_claims.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_endpoint_errors
#include "../fuzz/fuzz_endpoint_errors.c"
#undef LLVMFuzzerTestOneInput

struct target {
	const char *name;
	int (*one)(const uint8_t *, size_t);
};

static const struct target targets[] = {
	{"json_scan", fz_json_scan}, {"records", fz_records},     {"json_diff", fz_json_diff},
	{"aadsts_text", fz_aadsts_text}, {"timeparse", fz_timeparse}, {"conf", fz_conf},
	{"state", fz_state},         {"claims", fz_claims},       {"endpoint_errors", fz_endpoint_errors},
};
/* replayed elsewhere (see the top) */
static const char *const elsewhere[] = {"nagios_range", "extra_opts", "agent_conf"};

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	/* exact size, as libFuzzer hands inputs over */
	buf = malloc(n ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static size_t replay(const char *root, const struct target *t)
{
	char dir[2048], path[4096];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/fuzz/%s", root, t->name);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		uint8_t *buf;
		size_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		buf = slurp(path, &len);
		print_message("%s/%s\n", t->name, de->d_name);
		t->one(buf, len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

static void every_fixture(void **state)
{
	const char *root = getenv("REVMON_FIXTURES");
	char dir[2048];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	(void)state;
	if (!root)
		root = "tests/fixtures";
	fz_state_init(NULL, NULL);
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
		n += replay(root, &targets[i]);
	/* a directory nobody replays is a regression test forgotten */
	snprintf(dir, sizeof dir, "%s/fuzz", root);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		int known = de->d_name[0] == '.';

		for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
			known |= strcmp(de->d_name, targets[i].name) == 0;
		for (size_t i = 0; i < sizeof elsewhere / sizeof elsewhere[0]; i++)
			known |= strcmp(de->d_name, elsewhere[i]) == 0;
		if (!known)
			fail_msg("tests/fixtures/fuzz/%s: no fuzz target of that name", de->d_name);
	}
	closedir(d);
	assert_true(n > 0);
	print_message("%zu inputs replayed\n", n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
