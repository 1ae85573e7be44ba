/* The static metric table, built from metrics.def. */
#include <string.h>

#include "registry.h"
#include "revmon.h"

static const struct revmon_metric_desc registry[RM_M_COUNT] = {
#define X(id, nm, k, u, col, scale, units, ctype, hlp)                                          \
	[RM_M_##id] = {.name = nm, .kind = REVMON_##k, .unit = REVMON_UNIT_##u, .help = hlp,     \
	               .snmp_column = col, .snmp_scale = scale, .snmp_units = units,             \
	               .collectd_type = ctype},
#include "metrics.def"
#undef X
};

static const struct revmon_metric_desc family_registry[RM_F_COUNT] = {
#define X(id, nm, k, u, col, scale, units, ctype, hlp)                                          \
	[RM_F_##id] = {.name = nm, .kind = REVMON_##k, .unit = REVMON_UNIT_##u, .help = hlp,     \
	               .snmp_column = col, .snmp_scale = scale, .snmp_units = units,             \
	               .collectd_type = ctype},
#include "families.def"
#undef X
};

size_t revmon_metric_count(void)
{
	return RM_M_COUNT;
}

const struct revmon_metric_desc *revmon_metric(size_t i)
{
	return i < RM_M_COUNT ? &registry[i] : NULL;
}

int revmon_metric_find(const char *name)
{
	for (size_t i = 0; i < RM_M_COUNT; i++)
		if (strcmp(registry[i].name, name) == 0)
			return (int)i;
	return -1;
}

size_t revmon_family_metric_count(void)
{
	return RM_F_COUNT;
}

const struct revmon_metric_desc *revmon_family_metric(size_t i)
{
	return i < RM_F_COUNT ? &family_registry[i] : NULL;
}

int revmon_family_metric_find(const char *name)
{
	for (size_t i = 0; i < RM_F_COUNT; i++)
		if (strcmp(family_registry[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *revmon_version(void)
{
	return REVMON_VERSION_STRING;
}
