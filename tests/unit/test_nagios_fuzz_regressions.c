/* The Nagios pieces' fuzz findings (tests/fixtures/fuzz/nagios_range/ and
 * extra_opts/), replayed through tests/fuzz/fuzz_<target>.c compiled in
 * here under another name; see test_fuzz_regressions.c for the others. */
#include "fuzz_replay.h"

#define LLVMFuzzerTestOneInput fz_nagios_range
#include "../fuzz/fuzz_nagios_range.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_extra_opts
#include "../fuzz/fuzz_extra_opts.c"
#undef LLVMFuzzerTestOneInput

static const struct fuzz_target targets[] = {
	{"nagios_range", fz_nagios_range},
	{"extra_opts", fz_extra_opts},
};

static void every_fixture(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
		fuzz_replay(&targets[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
