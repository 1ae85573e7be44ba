/* A scratch directory under /tmp for a group of tests, for their cmocka
 * group setup and teardown. */
#ifndef REVMON_SCRATCH_H
#define REVMON_SCRATCH_H

#include <stddef.h>

/* Make /tmp/revmon-<name>-XXXXXX and write its path into dir (size bytes).
 * 0, or -1 when it cannot be made. */
int scratch_make(char *dir, size_t size, const char *name);

/* Remove dir and all it holds: 0, or -1. */
int scratch_remove(const char *dir);

#endif
