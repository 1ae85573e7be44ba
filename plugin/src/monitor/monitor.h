/* monitor/: a monitor: settings, sources and one analyzer; poll, snapshot, the state file.
 * The folder's interface: other folders include this header only. */
#ifndef RM_MONITOR_IFACE_H
#define RM_MONITOR_IFACE_H

#include "state.h"

#endif
