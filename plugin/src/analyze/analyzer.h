/* The analyzer: turns events into the metric catalog.
 *
 * Time is event time: the caller says what "now" is when it asks for values.
 * Memory is bounded by the active users and clients: state that can no longer
 * affect a metric is dropped as the watermark moves on. */
#ifndef RM_ANALYZER_H
#define RM_ANALYZER_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "conf/conf.h"
#include "parse/parse.h"
#include "revmon.h"

struct rm_analyzer;

/* Create an analyzer for settings s; s (and its classifier) must outlive it.
 * Returns NULL when memory runs out; the caller frees with rm_analyzer_free. */
struct rm_analyzer *rm_analyzer_new(const struct rm_settings *s);
void rm_analyzer_free(struct rm_analyzer *a);

/* Ingest one event (deduplicated by record id). Returns 0, or -1 when memory
 * runs out (the event is then counted as rejected). */
int rm_analyzer_feed(struct rm_analyzer *a, const struct rm_event *ev);
/* The same for a source that reads overlapping windows again on purpose
 * (late logs): a record it delivered before is dropped without being
 * counted as a duplicate. */
int rm_analyzer_feed_again(struct rm_analyzer *a, const struct rm_event *ev);
/* Keep the ids of events at or after floor_ms even past dedupe_horizon: a
 * live source may deliver them again (0: no such floor). */
void rm_analyzer_keep_ids_from(struct rm_analyzer *a, int64_t floor_ms);
/* Every record of an event time before t has been delivered (INT64_MAX, the
 * default: records come roughly in time order). Interactive sign-ins are
 * then kept for a revocation that may still arrive, and a revocation known
 * only from a failure text counts as inferred, by this time instead of
 * the newest event's or the wall clock. */
void rm_analyzer_read_through(struct rm_analyzer *a, int64_t t);
/* A revocation of user_id (plain text) at valid_from_ms learned outside
 * the logs (the user's signInSessionsValidFromDateTime): counted as
 * inferred unless it is one already known, and matched with the user's
 * refusals in either order, as an audit event is. Returns 0, or -1 when
 * memory runs out. */
int rm_analyzer_revoked(struct rm_analyzer *a, struct rm_str user_id, int64_t valid_from_ms);
/* Count one malformed record. */
void rm_analyzer_reject(struct rm_analyzer *a);
/* A well-formed record of a kind revmon does not use (events_ignored). */
void rm_analyzer_ignore(struct rm_analyzer *a);

/* Newest event time ingested (0 before any). */
int64_t rm_analyzer_watermark(const struct rm_analyzer *a);

/* Fill snap->values (every analyzer metric; source metrics are left alone),
 * snap->stuck (up to 100), snap->families and snap->revocations as of now.
 * The snapshot owns what is allocated here. Returns 0, or -1 when memory
 * runs out. */
int rm_analyzer_fill(struct rm_analyzer *a, int64_t now, struct revmon_snapshot *snap);
/* Same, the windowed gauges describing the window ending settle_ms before
 * now (the settings' settle where records may still arrive late, 0 for a
 * complete replay; inferred revocations wait as long for their audit event),
 * listing up to stuck_max stuck clients. */
int rm_analyzer_fill_settled(struct rm_analyzer *a, int64_t now, int64_t settle_ms,
                             size_t stuck_max, struct revmon_snapshot *snap);

/* Append the analyzer's state to b (for the state file). 0, or -1 when
 * memory runs out. */
int rm_analyzer_save(const struct rm_analyzer *a, struct rm_buf *b);
/* Where a state streams to: bytes are appended to b (the caller's, which
 * it frees) and, whenever b holds a megabyte or more, flush (if not NULL)
 * takes them: it consumes all of b (sets b->len = 0) and returns 0, or -1
 * to stop. So a state of any size is written through one small buffer. */
struct rm_state_sink {
	struct rm_buf b; /* first: the savers find the sink from it */
	int (*flush)(void *ctx, struct rm_buf *b);
	void *ctx;
};
/* rm_analyzer_save through a sink. 0, or -1 when memory ran out or flush
 * failed; the last bytes are left in s->b for the caller. */
int rm_analyzer_save_to(const struct rm_analyzer *a, struct rm_state_sink *s);
/* Restore state written by rm_analyzer_save into a fresh analyzer made with
 * the same settings. Returns 0, or -1 with *why (static text); after a
 * failure the analyzer must be freed, not used. */
int rm_analyzer_load(struct rm_analyzer *a, const void *buf, size_t len, const char **why);
/* Told every few megabytes how many bytes of the state were read, so that
 * a caller reading a mapped file can let go of what is behind. */
struct rm_load_progress {
	void (*fn)(void *ctx, size_t done);
	void *ctx;
};
/* The same, reading a state that may be followed by other bytes: *used
 * says where it ended. Tables are sized from the saved counts before they
 * are filled, and no index is built until a lookup needs one. p may be
 * NULL. */
int rm_analyzer_load_from(struct rm_analyzer *a, const void *buf, size_t len, size_t *used,
                          const struct rm_load_progress *p, const char **why);

/* Bytes of state held (tables and lists), for memory reports. */
size_t rm_analyzer_bytes(const struct rm_analyzer *a);
/* Number of users and clients currently tracked. */
size_t rm_analyzer_users(const struct rm_analyzer *a);
size_t rm_analyzer_clients(const struct rm_analyzer *a);

#endif
