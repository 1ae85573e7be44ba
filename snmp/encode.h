/* encode.h — turning the core's values into SNMP integers. Pure functions,
 * no net-snmp, so the unit test can reach every edge (values above 2^32,
 * rounding, clamping) without a daemon. */
#ifndef RM_ENCODE_H
#define RM_ENCODE_H

#include <stddef.h>
#include <stdint.h>

/* round(value * scale) clamped to 0..2^32-1 (Gauge32 cannot go below 0 or
 * wrap); NaN gives 0. Rounding is half away from zero, like C's round(). */
uint32_t rm_gauge32(double value, unsigned scale);

/* A Counter64 as its two 32-bit halves (net-snmp's struct counter64). */
void rm_split64(uint64_t v, uint32_t *high, uint32_t *low);

/* names[0..n-1] joined by single spaces into out (cap > 4 octets, NUL
 * included). When they do not fit, the list stops after the last whole name
 * that does, followed by " ...". Returns the length written. */
size_t rm_name_list(char *out, size_t cap, const char *const *names, size_t n);

/* DateAndTime (SNMPv2-TC), UTC, 11 octets: year(2) month day hour minute
 * second deci-seconds '+' 0 0. Returns 11, or 0 when ms is out of range. */
size_t rm_date_and_time(int64_t ms, unsigned char out[11]);

/* Milliseconds to TimeTicks (hundredths of a second), clamped to 2^32-1. */
uint32_t rm_timeticks(int64_t ms);

/* Milliseconds to Gauge32 milliseconds, clamped to 0..2^32-1. */
uint32_t rm_gauge_ms(int64_t ms);

#endif
