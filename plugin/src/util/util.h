/* util/: utilities every layer uses: growable buffers, the open-addressing table, a scratch arena whose bytes never move, the one monotonic clock, ISO 8601 and US-locale time parsing, the state file's binary encoding.
 * The folder's interface: other folders include this header only. */
#ifndef RM_UTIL_IFACE_H
#define RM_UTIL_IFACE_H

#include "arena.h"
#include "buf.h"
#include "table.h"
#include "clock.h"
#include "timeparse.h"
#include "wire.h"

#endif
