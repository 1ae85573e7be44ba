/* Metric identifiers, generated from metrics.def. */
#ifndef RM_REGISTRY_H
#define RM_REGISTRY_H

enum rm_metric {
#define X(id, name, kind, unit, col, scale, units, ctype, help) RM_M_##id,
#include "metrics.def"
#undef X
	RM_M_COUNT
};

/* Per-family metric identifiers, generated from families.def. */
enum rm_family_metric {
#define X(id, name, kind, unit, col, scale, units, ctype, help) RM_F_##id,
#include "families.def"
#undef X
	RM_F_COUNT
};

#endif
