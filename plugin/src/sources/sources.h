/* sources/: where events come from: sim, file, graph, probe, each feeding the ingest path.
 * The folder's interface: other folders include this header only. */
#ifndef RM_SOURCES_IFACE_H
#define RM_SOURCES_IFACE_H

#include "source.h"

#endif
