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

/* Set bit n of a BITS-style bitmap: bit 0 is the most significant bit of
 * octet 0. Bits beyond len * 8 are ignored. */
void rm_bit_set(unsigned char *map, size_t len, unsigned n);

/* Octets needed for a bitmap whose highest bit is n. */
size_t rm_bitmap_len(unsigned highest);

/* DateAndTime (SNMPv2-TC), UTC, 11 octets: year(2) month day hour minute
 * second deci-seconds '+' 0 0. Returns 11, or 0 when ms is out of range. */
size_t rm_date_and_time(int64_t ms, unsigned char out[11]);

/* Milliseconds to TimeTicks (hundredths of a second), clamped to 2^32-1. */
uint32_t rm_timeticks(int64_t ms);

/* Milliseconds to Gauge32 milliseconds, clamped to 0..2^32-1. */
uint32_t rm_gauge_ms(int64_t ms);

#endif
