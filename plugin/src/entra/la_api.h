/* The Log Analytics query API (log-shapes.md §2): the queries revmon sends
 * and what the answers mean. Pure functions over buffers, so tests drive
 * them with fixtures. */
#ifndef RM_LA_API_H
#define RM_LA_API_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* A table revmon reads, with the diagnostic-setting category that fills it
 * and the columns it projects (only those the analyzer reads). */
struct rm_la_table {
	const char *table;    /* "SigninLogs" */
	const char *category; /* "SignInLogs" */
	const char *columns;  /* "TimeGenerated, Id, ..." */
};

#define RM_LA_AUDITS 0
#define RM_LA_SIGNINS 1
#define RM_LA_NONINTERACTIVE 2
#define RM_LA_TABLES 3
extern const struct rm_la_table rm_la_tables[RM_LA_TABLES];

/* Append the request body of one window: the records of table t that
 * became queryable (ingestion_time()) in (lo_ms, hi_ms], at most take of
 * them, with the wider TimeGenerated filter the API asks for (§1.4: a
 * TimeGenerated more than 2 days before receipt is replaced by the receipt
 * time) and the same bound as the timespan. 0, or -1 on no memory. */
int rm_la_query_body(struct rm_buf *out, const struct rm_la_table *t, int64_t lo_ms, int64_t hi_ms,
                     unsigned take);

/* 1 when a 200 answer says its rows are incomplete (a top-level "error",
 * PartialError: a limit or the time-out cut it), else 0. */
int rm_la_partial(const char *body, size_t len);

/* What an error answer means, in our words with the service's code, into
 * out (caller's, truncated to cap); returns out. *unusable = 1 when a
 * person must act (no role on the workspace, an unknown workspace, a table
 * the diagnostic setting does not fill, a bad audience), 0 when it may heal
 * (429, 5xx, 504: *smaller = 1 for the time-out, whose cure is a smaller
 * window). workspace names the workspace in the message. */
char *rm_la_error_describe(long status, const char *body, size_t len, const struct rm_la_table *t,
                           const char *workspace, char *out, size_t cap, int *unusable,
                           int *smaller);

#endif
