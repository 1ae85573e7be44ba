/* Rendering snapshots for people (a table) and machines (JSON). */
#ifndef REVMON_CLI_RENDER_H
#define REVMON_CLI_RENDER_H

#include <stdio.h>

#include "revmon.h"

/* Print one monitor's snapshot as a readable table. verbose adds the
 * revocations and stuck clients behind the numbers. */
void render_table(FILE *out, const revmon_snapshot *s, int verbose);

/* Print the snapshots as one JSON document:
 * {"version":..,"monitors":[{"monitor":..,"simulated":..,"now":..,
 *   "sources":[..],"metrics":{"name":{"value":v|null,"kind":..,"unit":..}},
 *   "stuck_clients":[..],"revocations":[..]}]} */
void render_json(FILE *out, revmon_snapshot *const *snaps, size_t n);

/* The registry as a table (revmon metrics); markdown 1: a Markdown table,
 * 2: roff .TP items for the manual pages. */
void render_registry(FILE *out, int markdown);

/* One roff .TP item: name, optional default, text. */
void render_roff_item(FILE *out, const char *name, const char *def, const char *text);

/* Unit suffix used in tables and JSON ("s", "%", "/min", "", ...). */
const char *unit_label(enum revmon_unit u);

#endif
