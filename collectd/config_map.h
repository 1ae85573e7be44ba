/* How collectd's configuration syntax maps onto the core's keys: pure
 * functions over oconfig items (no daemon calls), so tests and the fuzz
 * target reach them without collectd running. */
#ifndef REVMON_COLLECTD_CONFIG_MAP_H
#define REVMON_COLLECTD_CONFIG_MAP_H

#include <stddef.h>

#include "liboconfig/oconfig.h"

/* CamelCase option name -> the core's snake_case key ("StuckAfter" ->
 * "stuck_after", "CAEPropagationBound" -> "cae_propagation_bound"); 0, or -1
 * when it does not fit or is empty. */
int cm_core_key(const char *key, char *out, size_t size);

/* The single value of an option as the core's text: strings as they are,
 * numbers without a trailing ".000000", booleans as true/false. The result
 * is borrowed from item or buf. NULL when the option has not one value. */
const char *cm_option_text(const oconfig_item_t *item, char *buf, size_t size);

#endif
