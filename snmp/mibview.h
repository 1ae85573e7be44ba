/* mibview.h — REVMON-MIB served from the rows' published snapshots.
 *
 * The whole subtree under the base OID is one net-snmp registration whose
 * handler answers GET and GETNEXT (GETBULK arrives as GETNEXTs) from a
 * sorted array of cells, rebuilt on the main thread when a row has published
 * something new. Read-only: net-snmp refuses SETs for us. Main thread only. */
#ifndef RM_MIBVIEW_H
#define RM_MIBVIEW_H

#include <stddef.h>

#include "rows.h"

struct rm_view;

/* A view for the base OID (arcs), or NULL with err set. */
struct rm_view *rm_view_new(const unsigned long *base, size_t base_len, struct rm_shared *shared,
                            const char *version, char *err, size_t errlen);
/* Register with net-snmp (after init_agent). Returns 0 or -1. */
int rm_view_register(struct rm_view *v);
/* The rows to serve, sorted by index (borrowed; call again when they change). */
void rm_view_set_rows(struct rm_view *v, struct rm_row **rows, size_t n);
/* Unregister and free. */
void rm_view_free(struct rm_view *v);

#endif
