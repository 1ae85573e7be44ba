/* What the eventhub source's files share (source_eventhub.c: polling and
 * opening; eventhub_callbacks.c: librdkafka's callbacks and tokens;
 * eventhub_offsets.c: delivered offsets, positions and the saved cursor).
 * Private to those three. */
#ifndef RM_EVENTHUB_INTERNAL_H
#define RM_EVENTHUB_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "entra/entra.h"
#include "live.h"
#include "source.h"

struct eh_part {
	char *topic;
	int32_t partition;
	int64_t next;      /* offsets below it were delivered; their effect is in the saved state */
	int64_t newest_ms; /* newest event time of the bodies delivered from it (0: none yet) */
};

/* One metadata request in the background (eventhub_metadata.c). */
struct eh_meta {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	rd_kafka_t *rk;
	int orphaned;             /* its source closed first: the thread closes rk (under mu) */
	rd_kafka_queue_t *q;      /* then also this queue of rk's */
	int running;              /* a thread started and not yet joined */
	int done;                 /* its answer is in (under mu) */
	rd_kafka_resp_err_t err;
	const struct rd_kafka_metadata *md;
	int64_t started_ms;       /* monotonic */
};

struct eh_src {
	rd_kafka_t *rk;
	rd_kafka_queue_t *commit_q;   /* results of the commits after_save sends */
	struct rm_source *src;
	struct rm_ingest *in;         /* during a poll, for the callbacks */
	struct rm_http *http;         /* OAUTHBEARER: the Entra client */
	struct rm_entra_app *app;
	char *principal;
	int need_token;
	int token_failed;             /* the app has no token: err_text says why */
	int64_t token_given_ms;       /* when librdkafka was given its token (wall clock) */
	int64_t token_told_ms;        /* the expiry it was told, when that is the token's own; else 0 */
	struct eh_part *parts;
	size_t n_parts;
	unsigned commits_pending;
	int fatal;                    /* a person must act: err_text says what */
	int topics_seen;              /* every hub of eventhub_topics exists */
	int subscribed;               /* to them: after they were first seen */
	int topic_missing;            /* one does not (yet): looked for again at each poll */
	int unconfirmed;              /* the metadata that would tell did not answer in time */
	int asked_committed;          /* this poll asked for the group's offsets */
	int settled;                  /* the group has given this member its share (maybe none) */
	char *topics;                 /* eventhub_topics, owned */
	int brokers_down;
	struct eh_meta *meta;
	int64_t trouble_since;        /* monotonic: since when brokers_down, unconfirmed or token_failed */
	char err_text[480];
	int64_t now_ms, backlog;
	int64_t read_through;         /* measured with the backlog: see rm_eh_backlog */
	int64_t complete_ms;          /* read_through of the last poll that went well */
	int caught_up;
	int64_t queue_bytes;          /* queued.max.messages.kbytes, in bytes: see consume */
	int64_t taken_run;            /* bytes taken since the queue was last found empty */
	int64_t taken_since;          /* bytes taken since the fetcher was last woken */
	struct rm_live live;
};

/* --- eventhub_offsets.c --- */

/* The delivered offset of a partition, made when first asked for (owned
 * by g); NULL when memory runs out. */
struct eh_part *rm_eh_part_of(struct eh_src *g, const char *topic, int32_t partition);
/* The partition's head hi is before p->next: its offsets started over
 * (the hub was made again); p->next is reset and 1 returned, else 0. */
int rm_eh_restarted(struct eh_src *g, struct eh_part *p, int64_t hi);
/* Messages behind the head over the assigned partitions; -1 when a
 * partition's place or head is not known yet, or the group has not yet
 * given this member its share. Also sets g->read_through: the event time
 * up to which every assigned partition has been read (the wall clock when
 * all are at their head; the oldest newest_ms of those behind; 0 when
 * not known). */
int64_t rm_eh_backlog(struct eh_src *g, int64_t deadline);
/* Wake the fetcher of every assigned partition's leader: librdkafka
 * 2.0.2 stops fetching while its queue holds queued.max.messages.kbytes
 * and looks again only at its next broker event or its one-second tick,
 * so a queue emptied sooner would wait out the rest of that second. A
 * request for the partitions' heads (ListOffsets to each leader, within
 * the budget) is such an event. */
void rm_eh_nudge(struct eh_src *g, int64_t deadline);
/* Reap the results of earlier commits, waiting up to wait_ms for each. */
void rm_eh_reap_commits(struct eh_src *g, int wait_ms);
/* The cursor in the state file: per partition the next offset to deliver
 * and the newest event time delivered; never a secret. */
int rm_eh_save(const struct rm_source *src, struct rm_buf *out);
int rm_eh_load(struct rm_source *src, const void *buf, size_t len, struct revmon_error *err);

/* --- eventhub_metadata.c --- */

/* A request slot for rk (the caller frees it with rm_eh_meta_free); NULL
 * when memory runs out. */
struct eh_meta *rm_eh_meta_new(rd_kafka_t *rk);
/* Ask for the metadata of every hub unless a request is running: 0, or -1
 * when no thread can be made. */
int rm_eh_meta_ask(struct eh_meta *m);
/* Wait until until_ms (monotonic) at most for the running request: 1 with
 * *md (the caller's, for rd_kafka_metadata_destroy; NULL on failure) and
 * *err; 0 while it runs on, or when none was asked. */
int rm_eh_meta_take(struct eh_meta *m, int64_t until_ms, const struct rd_kafka_metadata **md,
                    rd_kafka_resp_err_t *err);
/* Free m, waiting until until_ms at most for a request still running: 1
 * (the caller closes and destroys the handle and q), or 0 when it runs on:
 * its thread then closes the consumer, destroys q and the handle and frees
 * m when the request ends, and the caller must touch none of them. */
int rm_eh_meta_free(struct eh_meta *m, int64_t until_ms, rd_kafka_queue_t *q);

/* --- eventhub_callbacks.c --- */

/* Register the log, error and rebalance callbacks on conf (opaque: g). */
void rm_eh_set_callbacks(rd_kafka_conf_t *conf, struct eh_src *g);
/* OAUTHBEARER: the graph_* app asking for tokens of the namespace, and the
 * token refresh callback on conf. 0, or -1 with err. */
int rm_eh_open_app(struct eh_src *g, const struct rm_settings *s, rd_kafka_conf_t *conf,
                   struct revmon_error *err);
/* Hand librdkafka a token for the SASL handshake once the app has one. */
void rm_eh_serve_token(struct eh_src *g, int64_t deadline);

#endif
