/* The check's words: the status line that says each problem once, in words,
 * and the formatting the long output shares with it. Pure functions over a
 * snapshot and the thresholds, so that the unit tests can read them. */
#ifndef CHECK_STATUS_H
#define CHECK_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "range.h"
#include "revmon.h"

enum { OK = 0, WARNING = 1, CRITICAL = 2, UNKNOWN = 3 };

/* The -w/-c ranges of one metric. */
struct threshold {
	struct nr_range warn, crit;
	int has_warn, has_crit;
};

/* What the status line aims to stay within (bytes after "REVOCATION
 * STATE - ", before the perfdata): the family list is cut to fit. */
#define STATUS_TEXT_MAX 178

/* OK, WARNING or CRITICAL for value v under t (critical checked first; an
 * unknown value never alerts). */
int th_state(const struct threshold *t, const struct revmon_value *v);

/* "45s", "38m08s", "1h35m", "2d03h". */
void fmt_duration(double s, char *out, size_t cap);

/* A time in UTC for people: "11:00Z" on the UTC day of now_ms, else
 * "2026-03-03 11:00Z". */
void fmt_when(int64_t ms, int64_t now_ms, char *out, size_t cap);

/* The same with seconds and always the date, RFC 3339: "2026-03-04T11:00:00Z". */
void fmt_rfc3339(int64_t ms, char *out, size_t cap);

/* The words of the status line into out[0..cap): lead first when not NULL
 * (e.g. a source's trouble), then every metric that breaches its range,
 * critical ones before warnings, each in words with its bound ("revocation
 * lag p95 38m08s > 15m00s"), then the key facts not said yet: the lag, the
 * stuck clients by family with the oldest revocation, the revoked tokens
 * still valid. Items are separated by "; ". To keep the text within max
 * bytes when it can, the revoked tokens are left out (unless a breach),
 * then the family list is cut ("…, N more families"), the worst family
 * always shown. th is indexed like the registry. Returns the length written. */
size_t status_text(char *out, size_t cap, const revmon_snapshot *s, const struct threshold *th,
                   const char *lead, size_t max);

#endif
