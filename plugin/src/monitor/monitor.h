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

#endif
