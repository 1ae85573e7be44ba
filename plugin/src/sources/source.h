/* Sources: where events come from. Each source turns its input into JSON
 * documents and hands them to the shared ingest path (ingest.h), so every
 * source runs the same parsers; no source writes into the analyzer. */
#ifndef RM_SOURCE_H
#define RM_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/analyze.h"
#include "util/util.h"
#include "conf/conf.h"
#include "ingest/ingest.h"
#include "revmon.h"

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
	 * or -1 with err set when the source failed (what it ingested stays),
	 * or 1 with err set when it is down for now without a failure of this
	 * poll: its requests have gone unanswered, or kept failing and being
	 * retried, for longer than a poll, and run on. */
	int (*poll)(struct rm_source *src, struct rm_ingest *in, int64_t deadline_ms,
	            struct revmon_error *err);
	/* The source's notion of "now" in event time; 0 when it has none. */
	int64_t (*now)(const struct rm_source *src);
	/* 1 when it has delivered all it has for now. */
	int (*done)(const struct rm_source *src);
	/* 1 when nothing it delivered can still be joined by late records: a
	 * replay read to its end whose files did not grow. NULL: a live source
	 * (the windowed gauges then wait the settle delay). */
	int (*complete)(const struct rm_source *src);
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
	/* The oldest event time the source may deliver again (a live source
	 * re-reading windows), so the analyzer keeps those ids; 0: none. NULL
	 * for sources that never re-read. */
	int64_t (*reread_floor)(const struct rm_source *src);
	/* The 95th percentile of the time from an event to its arrival where
	 * the source reads it (Log Analytics: _TimeReceived minus the event
	 * time) over the last round, in ms; -1 when not known yet. NULL for
	 * sources that cannot see it. */
	int64_t (*latency)(const struct rm_source *src);
	/* The state file holding what the source delivered so far (its save
	 * and the analyzer's) was written: a stream commits its offsets now,
	 * never before, so a restart neither loses nor counts twice. NULL for
	 * sources with nothing to acknowledge. */
	void (*after_save)(struct rm_source *src);
	/* Messages the source has yet to read (a stream's lag behind its
	 * head); -1 when not known. NULL for sources that cannot see it. */
	int64_t (*backlog)(const struct rm_source *src);
	/* The event time before which the source has delivered everything it
	 * will (a stream: the oldest place among its partitions that are
	 * behind their head; the wall clock when all are at it), so the
	 * analyzer waits for a late audit event no longer than that shows; 0
	 * when not known. NULL for sources that read in time order. */
	int64_t (*read_through)(const struct rm_source *src);
};

struct rm_source {
	const struct rm_source_ops *ops;
	char *name;       /* as configured: "sim", "file:PATH" */
	int simulated;
	int up;
	int unusable;     /* set by poll with its failure: cannot answer until someone acts */
	char *error;      /* last error, owned */
	struct rm_stream stream; /* rm_ingest_stream state of a single-input source */
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
struct rm_source *rm_source_loganalytics_new(const char *spec, const struct rm_settings *s,
                                             struct revmon_error *err);
struct rm_source *rm_source_eventhub_new(const char *spec, const struct rm_settings *s,
                                         struct revmon_error *err);
struct rm_source *rm_source_probe_new(const char *spec, const struct rm_settings *s,
                                      struct revmon_error *err);

struct rm_sim_params;
/* The simulator's parameters as the sim_* keys (and token lifetimes) set them. */
void rm_sim_params_from_settings(const struct rm_settings *s, struct rm_sim_params *p);


#endif
