/* conf/: the configuration vocabulary: the key table (keys.def), the source kinds (sources.def), validation and the key = value file reader.
 * The folder's interface: other folders include this header only. */
#ifndef RM_CONF_IFACE_H
#define RM_CONF_IFACE_H

#include "config.h"
#include "source_kinds.h"

#endif
