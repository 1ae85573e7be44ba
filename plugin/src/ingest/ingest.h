/* The ingest path every source feeds: documents -> records -> checks ->
 * analyzer. A source hands it what it read; malformed records are counted
 * and logged with their place and skipped, never fatal. */
#ifndef RM_INGEST_H
#define RM_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/analyze.h"
#include "util/util.h"
#include "conf/conf.h"
#include "revmon.h"

/* What an input is, found from its first bytes or forced (file_format). */
enum rm_format {
	RM_FORMAT_AUTO = 0, /* not known yet */
	RM_FORMAT_JSON,     /* every JSON shape: records, containers, arrays, one per line or not */
	RM_FORMAT_CSV,      /* a header row, then one record per row */
	RM_FORMAT_NONE,     /* neither: refused once, read past */
};

/* What a file's name says (the Entra admin center's sign-in download names
 * each CSV for its kind: InteractiveSignIns_*.csv, ...). */
enum rm_name_kind {
	RM_NAME_UNKNOWN = 0,
	RM_NAME_INTERACTIVE,
	RM_NAME_NONINTERACTIVE,
	RM_NAME_APPLICATION,  /* service principal sign-ins: ignored */
	RM_NAME_MSI,          /* managed identity sign-ins: ignored */
	RM_NAME_AUTHDETAILS,  /* the AuthDetails companions: ignored */
};

#define RM_STREAM_KINDS 16 /* ignored kinds remembered per input, to log each once */

struct rm_csv_reader;
struct rm_ingest;

/* The reading state of one input (a followed file, stdin, the simulator's
 * stream), kept across polls. Zero-initialised is a fresh input (with
 * format set to force one); the owner frees it with rm_stream_free. */
struct rm_stream {
	enum rm_format format;
	int skipping;      /* inside a malformed line: read past its end */
	int in_array;      /* inside a top-level array: 1 before an element, 2 after one */
	enum rm_name_kind name_kind; /* what the input's name says it holds */
	struct rm_csv_reader *csv; /* the header's columns, owned */
	struct rm_arena arena;     /* JSON text decoded from strings, per record */
	char *kinds[RM_STREAM_KINDS]; /* ignored kinds already logged, owned */
	size_t n_kinds;
};

/* Free what s owns and make it a fresh input again (its forced format kept). */
void rm_stream_reset(struct rm_stream *s);
void rm_stream_free(struct rm_stream *s);
/* What a file's base name says it holds. */
enum rm_name_kind rm_ingest_name_kind(const char *base);
/* Prepare st to go on reading an input part-way (a cursor from the state
 * file) from its first bytes head[0..n): its format, whether it is inside a
 * top-level array, its CSV header. */
void rm_ingest_resume(struct rm_ingest *in, struct rm_stream *st, const char *head, size_t n);

/* The ingest path a source feeds: parser -> checks -> analyzer. */
struct rm_ingest {
	struct rm_analyzer *an;
	const struct rm_settings *s;
	int64_t future_limit_ms; /* events later than this are rejected as absurd */
	const char *origin;      /* source name, for messages */
	uint64_t doc_offset;     /* byte offset of the current document in its input */
	const char *doc_name;    /* file being read, for messages; NULL for none */
	unsigned logged;         /* reject messages logged this poll */
	uint64_t rejected;       /* rejects this poll */
	void (*log)(void *ctx, enum revmon_log_level, const char *msg);
	void *log_ctx;
	int64_t wall_ms;         /* the monitor's wall clock when this poll began */
	int64_t newest_ms;       /* newest event time parsed; a source resets it to watch a document */
	int last;                /* the poll that ends a one-shot run (revmon_poll_until_done) */
	/* Optional: sees each parsed record before the analyzer and may
	 * complete it (the graph source adds a revocation time the failure
	 * text lacks); returning 0 drops it silently (a live source re-reading
	 * an overlapping window drops what it has already delivered). NULL:
	 * every record goes on as parsed. */
	int (*accept)(void *ctx, struct rm_event *ev);
	void *accept_ctx;
	/* The source reads overlapping windows again on purpose (late logs):
	 * what it delivered before is dropped without counting as a duplicate. */
	int rereads;
	/* The input being read by rm_ingest_stream (NULL for documents handed
	 * whole): ignored kinds are logged once per input. */
	struct rm_stream *stream;
	unsigned ignored_logged; /* without a stream: ignored-kind lines this poll */
};

struct rm_doc_result;

/* Feed one complete top-level JSON value (a record, a Graph page, an Event
 * Hubs body). */
void rm_ingest_document(struct rm_ingest *in, const char *buf, size_t len);
/* Same, and say what the document held (*res; its next_link is a slice of
 * buf, raw). Returns 0, or -1 when the document was not one of the shapes
 * (it was then rejected). */
int rm_ingest_document_result(struct rm_ingest *in, const char *buf, size_t len,
                              struct rm_doc_result *res);

/* Feed an input read in chunks: concatenated or newline-separated JSON
 * documents, top-level arrays read element by element, or CSV (st's format,
 * found from the first bytes unless forced). Consumes every complete record
 * or document at the start of b and removes it from b; what is incomplete
 * stays for the next call. At end of input (eof), trailing bytes are
 * rejected as truncated. Oversized or malformed lines are rejected once and
 * read past to their end, even across calls. *base is the input offset of
 * b's first byte (for messages), advanced as b is consumed. */
void rm_ingest_stream(struct rm_ingest *in, struct rm_buf *b, int eof, struct rm_stream *st,
                      uint64_t *base);

/* A revocation of user (plain text) at valid_from_ms that a source learned
 * outside the logs (Graph's signInSessionsValidFromDateTime), handed on to
 * the analyzer like the records: sources never write into the analyzer.
 * 0, or -1 when memory runs out (logged). */
int rm_ingest_revocation(struct rm_ingest *in, struct rm_str user, int64_t valid_from_ms);

/* Log through the ingest's hook, printf-style. */
void rm_ingest_log(struct rm_ingest *in, enum revmon_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
