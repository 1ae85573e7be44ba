/* Replaying the fuzz targets' findings (tests/fixtures/fuzz/<target>/) as
 * cmocka tests: the targets' sources are compiled into the test under other
 * names, and this header, included before them, makes a failed FUZZ_CHECK
 * fail the test with the target's words instead of aborting. */
#ifndef REVMON_FUZZ_REPLAY_H
#define REVMON_FUZZ_REPLAY_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond))                                                               \
			fail_msg("%s:%d: invariant failed: %s", __FILE__, __LINE__, #cond); \
	} while (0)
#include "../fuzz/fuzz.h"

/* A target: its directory's name and its LLVMFuzzerTestOneInput. */
struct fuzz_target {
	const char *name;
	int (*one)(const uint8_t *, size_t);
};

/* Hands every file of the fixtures' fuzz/<t->name>/ (dot files aside) to
 * t->one, read to its exact size; returns how many. No directory: nothing
 * found yet, 0. */
size_t fuzz_replay(const struct fuzz_target *t);

#endif
