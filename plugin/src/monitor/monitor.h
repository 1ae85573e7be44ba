/* monitor/: a monitor: settings, sources and one analyzer; poll, snapshot, the state file.
 * The folder's interface: other folders include this header only. */
#ifndef RM_MONITOR_IFACE_H
#define RM_MONITOR_IFACE_H

#include <stddef.h>

#include "revmon.h"
#include "state.h"

/* Bytes of analyzer state a monitor holds, and the users and clients it
 * tracks (for memory reports; not part of the public API). */
size_t rm_monitor_bytes(const revmon *m, size_t *users, size_t *clients);

/* The next revmon_poll ends a one-shot run (revmon_poll_until_done's last
 * slice): a request still unanswered after a poll then shows its source
 * down, however patient a periodic host's polls are with a slow endpoint. */
void rm_monitor_last_poll(revmon *m, int last);

#endif
