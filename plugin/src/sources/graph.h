/* Pure helpers of the graph source (source_graph.c), for tests. */
#ifndef RM_GRAPH_H
#define RM_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* The first URL of a time window of a Graph list:
 *   {base}/{version}/{path}?$filter=[{type filter} and ]{field} ge LO and {field} le HI
 *   [&$select=SELECT]&$top=TOP
 * Times are whole seconds, UTC, unquoted ISO 8601 (entra-facts §1.1); the
 * query values are percent-encoded. event_type (e.g. "nonInteractiveUser")
 * adds signInEventTypes/any(t: t eq '...'); select may be NULL. Appends to
 * out; 0, or -1 on no memory. */
int rm_graph_window_url(struct rm_buf *out, const char *base, const char *version,
                        const char *path, const char *time_field, const char *event_type,
                        const char *select, unsigned top, int64_t lo_ms, int64_t hi_ms);

/* 1 when url may be requested with our token: https, on the same scheme,
 * host and port as base (a next link elsewhere would receive the token). */
int rm_graph_same_origin(const char *base, const char *url);

#endif
