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

/* Feed a stream of concatenated or newline-separated documents: consumes
 * every complete document at the start of b and removes it from b. At end of
 * input (eof), trailing bytes are rejected as a truncated document. Oversized
 * or malformed documents are rejected and skipped to the next line. *base is
 * the input offset of b's first byte (for messages), advanced as b is consumed. */
void rm_ingest_stream(struct rm_ingest *in, struct rm_buf *b, int eof, int *skipping,
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
