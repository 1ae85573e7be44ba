/* Sources: where events come from. Each source turns its input into JSON
 * documents and hands them to the shared ingest path, so every source runs
 * the same parsers. */
#ifndef RM_SOURCE_H
#define RM_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
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

/* Log through the ingest's hook, printf-style. */
void rm_ingest_log(struct rm_ingest *in, enum revmon_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct rm_source;

/* What the revocation drill publishes for the snapshot. */
struct rm_probe_results {
	int have_access;        /* access_lag_ms is known (the last drill measured it) */
	int64_t access_lag_ms;
	int have_refresh;
	int64_t refresh_lag_ms;
	int64_t last_done_ms;   /* wall clock when the last drill completed, 0: never */
	uint64_t failures;      /* drills that ended without a measurement */
};

struct rm_source_ops {
	/* Ingest what is available until deadline_ms (monotonic ms). Returns 0,
	 * or -1 with err set when the source failed (what it ingested stays). */
	int (*poll)(struct rm_source *src, struct rm_ingest *in, int64_t deadline_ms,
	            struct revmon_error *err);
	/* The source's notion of "now" in event time; 0 when it has none. */
	int64_t (*now)(const struct rm_source *src);
	/* 1 when it has delivered all it has for now. */
	int (*done)(const struct rm_source *src);
	/* Bytes read so far and in all (0 when unknown); NULL when meaningless. */
	uint64_t (*progress)(const struct rm_source *src, uint64_t *total);
	/* Append the source's cursor to out, for the state file; NULL: nothing
	 * to keep. */
	int (*save)(const struct rm_source *src, struct rm_buf *out);
	/* Restore a cursor written by save (a fresh source); -1 with err. */
	int (*load)(struct rm_source *src, const void *buf, size_t len, struct revmon_error *err);
	void (*free)(struct rm_source *src);
	/* The drill's latest results (the probe source); NULL for the others. */
	void (*probe_results)(const struct rm_source *src, struct rm_probe_results *out);
};

struct rm_source {
	const struct rm_source_ops *ops;
	char *name;       /* as configured: "sim", "file:PATH" */
	int simulated;
	int up;
	int unusable;     /* set by poll with its failure: cannot answer until someone acts */
	char *error;      /* last error, owned */
	int skipping;     /* stream state for rm_ingest_stream */
	/* Counted by the source itself (the monitor sums them into
	 * source_throttled and source_errors): 429 answers, and failed requests
	 * even when a retry then succeeded. A source that counts its errors
	 * sets counts_errors, and the monitor then does not add one more for
	 * the failed poll. */
	uint64_t throttled, errors;
	int counts_errors;
	void *impl;
};

/* A new source named spec with a zeroed implementation of impl_size bytes,
 * up; NULL with err when memory runs out. The constructors below start
 * with it; the caller frees through ops->free. */
struct rm_source *rm_source_alloc(const char *spec, const struct rm_source_ops *ops,
                                  size_t impl_size, struct revmon_error *err);
/* Free what rm_source_alloc allocated (the name, the implementation's
 * block, the source itself) and the source's last error. Every ops->free
 * ends with it, once it has freed what its implementation owns. */
void rm_source_release(struct rm_source *src);

/* Constructors: return a new source (the monitor owns it) or NULL with err. */
struct rm_source *rm_source_file_new(const char *spec, const struct rm_settings *s,
                                     struct revmon_error *err);
struct rm_source *rm_source_sim_new(const char *spec, const struct rm_settings *s,
                                    struct revmon_error *err);
struct rm_source *rm_source_graph_new(const char *spec, const struct rm_settings *s,
                                      struct revmon_error *err);
struct rm_source *rm_source_probe_new(const char *spec, const struct rm_settings *s,
                                      struct revmon_error *err);

struct rm_sim_params;
/* The simulator's parameters as the sim_* keys (and token lifetimes) set them. */
void rm_sim_params_from_settings(const struct rm_settings *s, struct rm_sim_params *p);

/* Bytes of analyzer state a monitor holds, and the users and clients it
 * tracks (for memory reports; not part of the public API). */
size_t rm_monitor_bytes(const revmon *m, size_t *users, size_t *clients);

#endif
