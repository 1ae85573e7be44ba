/* Timestamp parsing and formatting: pure functions. */
#ifndef RM_TIMEPARSE_H
#define RM_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Parse an ISO-8601 / RFC 3339 timestamp as Graph and Azure Monitor write it:
 * "2025-03-04T10:05:00Z", "2025-03-04T10:05:00.4592251Z" (any number of
 * fraction digits, truncated to ms), "2025-03-04T10:17:42.6955459+00:00"
 * (offsets +hh:mm / -hh:mm / +hhmm), and the token endpoint's
 * "2025-03-04 10:17:42Z" (space instead of T). A missing zone means UTC.
 * Years 1970..9999 only; fields range-checked (Feb 29 only in leap years).
 * Returns 0 and *ms (ms since the epoch, UTC), or -1. */
int rm_time_parse(const char *s, size_t n, int64_t *ms);

/* Format ms since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (or with ".mmm" when
 * with_ms) into out (at least 25 bytes). Returns out. */
char *rm_time_format(int64_t ms, int with_ms, char *out, size_t cap);

/* Days since 1970-01-01 for a civil date (proleptic Gregorian), and back. */
int64_t rm_days_from_civil(int64_t y, unsigned m, unsigned d);
void rm_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
