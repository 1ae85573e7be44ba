/* analyze/: the analyzer: events to metrics (revocation lag, stale tokens, re-auth storms, CAE coverage) and its state.
 * The folder's interface: other folders include this header only. */
#ifndef RM_ANALYZE_IFACE_H
#define RM_ANALYZE_IFACE_H

#include "analyzer.h"

#endif
