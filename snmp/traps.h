/* traps.h — REVMON-MIB's notifications, sent through the AgentX master
 * (which forwards them to its trap sinks). When to send is notify.c's
 * business; this file reads the rows and builds the varbinds. Main thread
 * only (net-snmp). */
#ifndef RM_TRAPS_H
#define RM_TRAPS_H

#include <stddef.h>

#include "rows.h"

/* Look at every row's latest state and send the notifications its
 * transitions call for (base: revmonMIB's arcs). */
void rm_traps_check(const unsigned long *base, size_t base_len, struct rm_row **rows, size_t n);

#endif
