/* The Nagios pieces' fuzz findings (tests/fixtures/fuzz/nagios_range/ and
 * extra_opts/), replayed through tests/fuzz/fuzz_<target>.c compiled in
 * here under another name; see test_fuzz_regressions.c for the others. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond))                                                               \
			fail_msg("%s:%d: invariant failed: %s", __FILE__, __LINE__, #cond); \
	} while (0)
#include "../fuzz/fuzz.h"

#define LLVMFuzzerTestOneInput fz_nagios_range
#include "../fuzz/fuzz_nagios_range.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_extra_opts
#include "../fuzz/fuzz_extra_opts.c"
#undef LLVMFuzzerTestOneInput

struct target {
	const char *name;
	int (*one)(const uint8_t *, size_t);
};

static const struct target targets[] = {
	{"nagios_range", fz_nagios_range},
	{"extra_opts", fz_extra_opts},
};

static void replay(const char *root, const struct target *t)
{
	char dir[2048], path[4096];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/fuzz/%s", root, t->name);
	d = opendir(dir);
	if (!d)
		return; /* nothing found yet */
	while ((de = readdir(d))) {
		uint8_t *buf;
		FILE *f;
		long n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			fail_msg("cannot open %s", path);
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc(n ? (size_t)n : 1); /* exact size, as libFuzzer does */
		assert_non_null(buf);
		assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		print_message("%s/%s\n", t->name, de->d_name);
		t->one(buf, (size_t)n);
		free(buf);
	}
	closedir(d);
}

static void every_fixture(void **state)
{
	const char *root = getenv("REVMON_FIXTURES");

	(void)state;
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
		replay(root ? root : "tests/fixtures", &targets[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
