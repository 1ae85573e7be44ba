/* Every input the fuzz targets found a problem with, replayed through the
 * same entry points and invariants: each tests/fixtures/fuzz/<target>/
 * file goes to tests/fuzz/fuzz_<target>.c's LLVMFuzzerTestOneInput, which
 * is compiled in here under another name. The Nagios targets' inputs are
 * replayed by test_nagios_fuzz_regressions.c; fuzz_agent_conf's (which
 * needs the subagent's sources) only by tests/fuzz/run.sh, which seeds
 * every target with its fixtures. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

/* first: a failed invariant fails the test with the target's words */
#include "fuzz_replay.h"

#include "fixtures.h"

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
#define LLVMFuzzerTestOneInput fz_csv
#include "../fuzz/fuzz_csv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_stream
#include "../fuzz/fuzz_stream.c"
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

static const struct fuzz_target targets[] = {
	{"json_scan", fz_json_scan}, {"records", fz_records},     {"json_diff", fz_json_diff},
	{"aadsts_text", fz_aadsts_text}, {"timeparse", fz_timeparse}, {"csv", fz_csv}, {"stream", fz_stream}, {"conf", fz_conf},
	{"state", fz_state},         {"claims", fz_claims},       {"endpoint_errors", fz_endpoint_errors},
};
/* replayed elsewhere (see the top) */
static const char *const elsewhere[] = {"nagios_range", "extra_opts", "agent_conf"};

static void every_fixture(void **state)
{
	char dir[2048];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	(void)state;
	fz_state_init(NULL, NULL);
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
		n += fuzz_replay(&targets[i]);
	/* a directory nobody replays is a regression test forgotten */
	snprintf(dir, sizeof dir, "%s/fuzz", fixtures_dir());
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
