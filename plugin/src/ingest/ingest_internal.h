/* Shared by ingest.c and ingest_csv.c; not an interface. */
#ifndef RM_INGEST_INTERNAL_H
#define RM_INGEST_INTERNAL_H

#include "ingest.h"
#include "parse/parse.h"

/* Count and log a malformed record at in->doc_offset (reason static). */
void rm_ingest_reject(struct rm_ingest *in, const char *reason);
/* What an input is from its first bytes p[0..n) (after whitespace and a
 * byte-order mark); AUTO while too few bytes tell (!eof). */
enum rm_format rm_ingest_sniff(const char *p, size_t n, int eof);
/* A sink that hands records to the analyzer through in. */
void rm_ingest_sink(struct rm_ingest *in, struct rm_sink *sink);
/* The CSV reader over b from pos (format CSV): reads the header first, then
 * the rows; returns how far b was consumed. */
size_t rm_ingest_csv(struct rm_ingest *in, struct rm_buf *b, size_t pos, int eof,
                     struct rm_stream *st, uint64_t base);

#endif
