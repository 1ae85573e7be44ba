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

/* rm_time_parse kept strict (configuration values, Graph, the token
 * endpoint): this one adds, for record times in exports, the US-locale forms
 * that Azure and its portals write, all as UTC:
 *   "11/14/2025 1:48:53 AM"       diagnostic `time` (M/D/YYYY h:mm:ss AM|PM)
 *   "2/25/2025, 9:19:25.391 AM"   Log Analytics portal CSV export (comma after
 *                                 the date; a fraction of any length)
 *   "06/22/2022 10:24:59"         24-hour, no AM/PM
 * Month and day take 1 or 2 digits, the hour 1 or 2 (1..12 with AM/PM, any
 * case, 12 AM = 00h; 0..23 without), minutes and seconds 2, the year 4; the
 * comma, the fraction and AM/PM are each optional; one space separates, and
 * nothing may follow. The month comes FIRST: day-first text (fr-FR
 * "05/01/2024") cannot be told from it and is read month-first; where it
 * cannot be month-first ("13/1/2025 ...") it is refused, never swapped.
 * Returns 0 and *ms, or -1 (*ms untouched). */
int rm_time_parse_any(const char *s, size_t n, int64_t *ms);

/* Format ms since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (or with ".mmm" when
 * with_ms) into out (at least 25 bytes). Returns out. */
char *rm_time_format(int64_t ms, int with_ms, char *out, size_t cap);

/* Days since 1970-01-01 for a civil date (proleptic Gregorian), and back. */
int64_t rm_days_from_civil(int64_t y, unsigned m, unsigned d);
void rm_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
