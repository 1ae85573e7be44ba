/* The core's one monotonic clock, for budgets and time-outs, and the one
 * way it waits. */
#ifndef RM_CLOCK_H
#define RM_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds (CLOCK_MONOTONIC). */
int64_t rm_monotonic_ms(void);

/* Sleep ms milliseconds (nothing when ms <= 0), resumed after signals. */
void rm_sleep_ms(int64_t ms);

#endif
