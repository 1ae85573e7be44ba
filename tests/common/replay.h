/* Running a monitor over a source until it has delivered what it has, for
 * the tests that go through the public API. */
#ifndef REVMON_REPLAY_H
#define REVMON_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "revmon.h"

/* What the monitor logged, one message a line, bounded. */
struct replay_log {
	char text[16384];
};

/* Poll a fresh monitor on source spec (and key = value when key is not
 * NULL) until it is done, failing the test when it never is; log (may be
 * NULL) gets its messages, *failed (may be NULL) whether a poll failed.
 * The caller frees the snapshot with revmon_snapshot_free. */
revmon_snapshot *replay_run(const char *spec, const char *key, const char *value,
                            struct replay_log *log, int *failed);

/* A counter's exact value in s, by name. */
uint64_t replay_count(const revmon_snapshot *s, const char *name);

#endif
