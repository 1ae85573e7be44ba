/* notify.h — when revmon-agentx sends its notifications (REVMON-MIB's
 * revmonNotifications). Pure: no net-snmp, so the unit test drives every
 * transition.
 *
 * Edge-triggered, one notification per transition, never one per poll:
 *   revmonMonitorDown  the row goes down or failed (from up, starting or
 *                      the start); revmonMonitorUp when it is up again;
 *   revmonStuckClientsHigh  stale_clients rises above the threshold;
 *                      ...Normal when it is back to the clear level or below;
 *   revmonLagP95High   revocation_lag_p95 rises above its threshold;
 *                      ...Normal likewise. An unknown value changes nothing.
 * Values are compared as the MIB serves them (clients; milliseconds). */
#ifndef RM_NOTIFY_H
#define RM_NOTIFY_H

#include <stdint.h>

#define RM_NOTIFY_OFF (-1)

struct rm_notify_conf {
	int source;          /* send revmonMonitorDown / revmonMonitorUp */
	int64_t stuck;       /* clients; RM_NOTIFY_OFF: no stuck-client notifications */
	int64_t stuck_clear; /* <= stuck (the loader sets it to stuck by default) */
	int64_t lag_ms;      /* RM_NOTIFY_OFF: no lag notifications */
	int64_t lag_clear_ms;
};

struct rm_notify_state {
	int down;       /* revmonMonitorDown sent, revmonMonitorUp not yet */
	int stuck_high; /* revmonStuckClientsHigh sent, ...Normal not yet */
	int lag_high;
};

/* One observation of a row, as served. */
struct rm_notify_input {
	int status; /* enum rm_status */
	int stuck_known;
	uint32_t stuck;
	int lag_known;
	uint32_t lag_ms;
};

/* Advance st by one observation. Returns the notifications to send, as a
 * mask of 1u << enum rm_notify_event (send them in that order). */
unsigned rm_notify_step(const struct rm_notify_conf *c, struct rm_notify_state *st,
                        const struct rm_notify_input *in);

#endif
