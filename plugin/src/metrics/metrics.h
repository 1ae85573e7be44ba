/* metrics/: the metric registry (metrics.def): names, kinds, units and their SNMP and collectd mappings.
 * The folder's interface: other folders include this header only. */
#ifndef RM_METRICS_IFACE_H
#define RM_METRICS_IFACE_H

#include "registry.h"

#endif
