/* Performance data in the monitoring-plugins format:
 * 'label'=value[UOM];[warn];[crit];[min];[max] */
#ifndef CHECK_PERFDATA_H
#define CHECK_PERFDATA_H

#include <stddef.h>

#include "revmon.h"

/* The unit of measure for a registry metric: "s", "%", "c" (counters) or "". */
const char *pd_uom(const struct revmon_metric_desc *d);

/* Append one item for metric d with value v to out[0..cap) (NUL-terminated,
 * truncated safely). warn and crit are range texts or NULL. Returns the
 * length written. */
size_t pd_format(char *out, size_t cap, const struct revmon_metric_desc *d,
                 const struct revmon_value *v, const char *warn, const char *crit);

/* The same under another label (e.g. pd_family_label's). */
size_t pd_format_as(char *out, size_t cap, const char *label, const struct revmon_metric_desc *d,
                    const struct revmon_value *v, const char *warn, const char *crit);

/* The label of a per-family item, "METRIC@FAMILY" with every ' and = of
 * the family's label replaced by _ (pd_label then quotes it). Returns the
 * length written to out[0..cap). */
size_t pd_family_label(char *out, size_t cap, const char *metric, const char *family);

/* Write label quoted as perfdata wants: bare when it is [A-Za-z0-9_.-],
 * else in single quotes with ' doubled; '=' is not allowed and becomes '_'. */
size_t pd_label(char *out, size_t cap, const char *label);

#endif
