/* CSV exports to records (log-shapes.md §3.1, §3.2): the Log Analytics
 * portal's "Export to CSV" (column names as the table's, " [UTC]" on time
 * headers, the portal's display times, JSON text in dynamic cells) and the
 * Entra admin center's sign-in download (human labels such as "Date (UTC)",
 * "Request ID", "Sign-in error code"). Each row goes through the same field
 * handlers as a JSON record, its cells standing for the members. */
#ifndef RM_CSV_RECORDS_H
#define RM_CSV_RECORDS_H

#include <stddef.h>

#include "csv.h"
#include "records.h"

/* A file's header: what each column holds. */
struct rm_csv_reader;

/* Read the header row at buf[pos]. RM_CSV_OK with *out (the caller owns it:
 * rm_csv_reader_free) and *end past the row; RM_CSV_INCOMPLETE to wait for
 * more bytes; RM_CSV_BAD with *why (static text) when it is no header revmon
 * can read (*end past the offending line); RM_CSV_END at eof. */
int rm_csv_header(const char *buf, size_t len, size_t pos, int eof, struct rm_csv_reader **out,
                  size_t *end, const char **why);

/* How a file's name may qualify its rows (the admin center's download names
 * each file for its kind). */
struct rm_csv_hint {
	int interactive;    /* 1 or 0 by the file's name, -1 unknown */
	const char *ignore; /* not NULL: every row is of this kind, ignored */
};

/* Read the data row at buf[pos] and hand its record to sink (event, reject
 * with offset + the row's offset in buf, or ignore). Returns RM_CSV_OK (also
 * for a row rejected or ignored) or RM_CSV_BAD (a malformed row, rejected)
 * with *end past it, RM_CSV_INCOMPLETE to wait, RM_CSV_END at eof.
 * Record slices live in sink->arena (reset per row), which must be set. */
int rm_csv_record(const struct rm_csv_reader *r, const char *buf, size_t len, size_t pos, int eof,
                  const struct rm_csv_hint *hint, const struct rm_sink *sink, size_t *end);

void rm_csv_reader_free(struct rm_csv_reader *r);

#endif
