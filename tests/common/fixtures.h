/* Fixture files for the unit tests (cmocka): where they are, and reading
 * one whole. A file that cannot be read fails the calling test. */
#ifndef REVMON_FIXTURES_H
#define REVMON_FIXTURES_H

#include <stddef.h>

/* $REVMON_FIXTURES (ctest sets it), else tests/fixtures. */
const char *fixtures_dir(void);

/* The whole of path in a buffer of exactly its size (1 byte when empty, and
 * no terminator), as libFuzzer hands inputs over: ASan then sees any read
 * past the end. The caller frees it. */
char *fixture_read(const char *path, size_t *len);

#endif
