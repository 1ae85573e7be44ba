/* Shared bits of the libFuzzer targets. */
#ifndef REVMON_FUZZ_H
#define REVMON_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant that does not hold is a finding: abort so libFuzzer keeps
 * the input. (The regression tests define their own before including the
 * targets.) */
#ifndef FUZZ_CHECK
#define FUZZ_CHECK(cond)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
			        #cond);                                               \
			abort();                                                      \
		}                                                                     \
	} while (0)
#endif

/* A NUL-terminated copy of data, allocated to the byte so that ASan sees
 * any read past the terminator. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Within [base, base + n]: a slice a parser returned points into its input. */
static inline int fuzz_within(const void *p, size_t len, const void *base, size_t n)
{
	const char *x = p, *b = base;

	return len == 0 || (x >= b && x <= b + n && len <= (size_t)(b + n - x));
}

#endif
