/* Notification transitions; see notify.h. */
#include "mib_layout.h"
#include "notify.h"

/* One threshold: raise above hi, clear at lo or below. */
static unsigned crossing(int64_t hi, int64_t lo, int known, uint32_t v, int *high,
                         enum rm_notify_event up, enum rm_notify_event down)
{
	if (hi == RM_NOTIFY_OFF) {
		*high = 0; /* switched off: nothing is pending any more */
		return 0;
	}
	if (!known)
		return 0;
	if (!*high && (int64_t)v > hi) {
		*high = 1;
		return 1u << up;
	}
	if (*high && (int64_t)v <= lo) {
		*high = 0;
		return 1u << down;
	}
	return 0;
}

unsigned rm_notify_step(const struct rm_notify_conf *c, struct rm_notify_state *st,
                        const struct rm_notify_input *in)
{
	unsigned out = 0;
	int down = in->status == RM_STATUS_DOWN || in->status == RM_STATUS_FAILED;

	if (down && !st->down) {
		st->down = 1;
		out |= c->source ? 1u << RM_NOTIFY_SOURCE_DOWN : 0;
	} else if (in->status == RM_STATUS_UP && st->down) {
		st->down = 0;
		out |= c->source ? 1u << RM_NOTIFY_SOURCE_UP : 0;
	}
	out |= crossing(c->stuck, c->stuck_clear, in->stuck_known, in->stuck, &st->stuck_high,
	                RM_NOTIFY_STUCK_HIGH, RM_NOTIFY_STUCK_NORMAL);
	out |= crossing(c->lag_ms, c->lag_clear_ms, in->lag_known, in->lag_ms, &st->lag_high,
	                RM_NOTIFY_LAG_HIGH, RM_NOTIFY_LAG_NORMAL);
	return out;
}
