/* Rendering snapshots for people (a table) and machines (JSON). */
#ifndef REVMON_CLI_RENDER_H
#define REVMON_CLI_RENDER_H

#include <stdio.h>

#include "revmon.h"

/* Print one monitor's snapshot as a readable table, with the per-family
 * breakdown. verbose adds the revocations and stuck clients behind the
 * numbers ("and N more" past those listed). */
void render_table(FILE *out, const revmon_snapshot *s, int verbose);

/* Print the snapshots as one JSON document:
 * {"version":..,"monitors":[{"monitor":..,"simulated":..,"now":..,
 *   "sources":[..],"metrics":{"name":{"value":v|null,"kind":..,"unit":..}},
 *   "stuck_clients":[..],"stuck_total":N,"families":[{"index":..,"label":..,"app":..,
 *   "platform":..,"metrics":{"name":v}}],"revocations":[..]}]} */
void render_json(FILE *out, revmon_snapshot *const *snaps, size_t n);

enum render_format { RENDER_TABLE, RENDER_JSON, RENDER_CSV };

/* Every stuck client the snapshots list (take them with
 * revmon_snapshot_take_stuck(m, SIZE_MAX) for all), users as the logs have
 * them: a table per monitor; a JSON array of objects with the keys user,
 * app, platform, device, revoked, first_refusal, last_refusal (RFC 3339,
 * UTC) and presentations (a number); or CSV (RFC 4180, CRLF) with those
 * columns and a header row. */
void render_stuck(FILE *out, revmon_snapshot *const *snaps, size_t n, enum render_format format);

/* The registry as a table (revmon metrics); markdown 1: a Markdown table,
 * 2: roff .TP items for the manual pages. */
void render_registry(FILE *out, int markdown, int families);

/* One roff .TP item: name, optional default, text. */
void render_roff_item(FILE *out, const char *name, const char *def, const char *text);

/* Unit suffix used in tables and JSON ("s", "%", "/min", "", ...). */
const char *unit_label(enum revmon_unit u);

#endif
