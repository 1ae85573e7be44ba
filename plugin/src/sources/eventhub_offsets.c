/* The eventhub source's offsets: what was delivered per partition, where
 * the consumer stands against each head (the backlog, and the event time
 * read through), the commits' results, and the cursor kept in the state
 * file. */
#include <stdlib.h>
#include <string.h>

#include "eventhub_internal.h"
#include "util/util.h"

/* Version 1 had no newest_ms. */
#define STATE_VERSION 2
#define OFFSETS_WAIT_MS 1000 /* the longest one request for offsets waits */
#define NUDGE_WAIT_MS 100     /* the longest rm_eh_nudge waits */

struct eh_part *rm_eh_part_of(struct eh_src *g, const char *topic, int32_t partition)
{
	struct eh_part *p;

	for (size_t i = 0; i < g->n_parts; i++)
		if (g->parts[i].partition == partition && strcmp(g->parts[i].topic, topic) == 0)
			return &g->parts[i];
	p = realloc(g->parts, (g->n_parts + 1) * sizeof *p);
	if (!p)
		return NULL;
	g->parts = p;
	p = &g->parts[g->n_parts];
	*p = (struct eh_part){strdup(topic), partition, 0, 0};
	if (!p->topic)
		return NULL;
	g->n_parts++;
	return p;
}

/* How long one request for offsets may wait: half of what is left of the
 * budget (so that the callbacks are still served in this poll), at most
 * OFFSETS_WAIT_MS. */
static int offsets_wait(int64_t deadline)
{
	int64_t left = (deadline - rm_monotonic_ms()) / 2;

	return (int)(left < OFFSETS_WAIT_MS ? left : OFFSETS_WAIT_MS);
}

/* The partition's head hi is below what was delivered from it: the hub
 * was deleted and made again, and its offsets start over. What was
 * delivered is forgotten so that its new messages are read (their record
 * ids still drop what the state already holds). 1 then, else 0. */
int rm_eh_restarted(struct eh_src *g, struct eh_part *p, int64_t hi)
{
	if (hi < 0 || hi >= p->next)
		return 0;
	if (g->in)
		rm_ingest_log(g->in, REVMON_LOG_WARNING, "%s: %s [%d]: the head (offset %lld) is before "
		              "what was delivered (%lld): the event hub was made again; read from its start",
		              g->src->name, p->topic, (int)p->partition, (long long)hi, (long long)p->next);
	p->next = 0;
	return 1;
}

/* Where the consumer stands in each assigned partition of a (filled in):
 * its position, else (nothing consumed there yet) the group's committed
 * offset, asked once per poll within its budget, else the oldest retained;
 * never before what the saved state already holds. 0, or -1 when not
 * known yet. */
static int positions(struct eh_src *g, rd_kafka_topic_partition_list_t *a, int64_t deadline)
{
	rd_kafka_topic_partition_list_t *c = NULL;
	int rc = 0;

	if (rd_kafka_position(g->rk, a) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return -1;
	for (int i = 0; i < a->cnt && !c; i++)
		if (a->elems[i].offset < 0) {
			int wait = offsets_wait(deadline);

			c = rd_kafka_topic_partition_list_copy(a);
			if (g->asked_committed || wait <= 0 ||
			    rd_kafka_committed(g->rk, c, wait) != RD_KAFKA_RESP_ERR_NO_ERROR)
				rc = -1;
			g->asked_committed = 1;
		}
	for (int i = 0; rc == 0 && i < a->cnt; i++) {
		rd_kafka_topic_partition_t *t = &a->elems[i];
		int64_t lo = -1, hi = -1;
		struct eh_part *p = rm_eh_part_of(g, t->topic, t->partition);

		(void)rd_kafka_get_watermark_offsets(g->rk, t->topic, t->partition, &lo, &hi);
		if (t->offset < 0 && c)
			t->offset = c->elems[i].offset;
		if (t->offset < 0)
			t->offset = lo;
		if (p && p->next > t->offset && !rm_eh_restarted(g, p, hi))
			t->offset = p->next;
		if (t->offset < 0 || hi < 0)
			rc = -1;
		t->metadata_size = 0;
		t->err = (rd_kafka_resp_err_t)0;
		t->opaque = NULL;
		if (rc == 0)
			t->offset = hi > t->offset ? hi - t->offset : 0; /* behind the head */
	}
	if (c)
		rd_kafka_topic_partition_list_destroy(c);
	return rc;
}

/* The event time every partition of a (behind the head, per
 * positions) has been read through: the wall clock for one at its head,
 * else the newest event its delivered bodies held; the oldest of these. */
static int64_t read_through(struct eh_src *g, const rd_kafka_topic_partition_list_t *a)
{
	int64_t wall = rm_live_wall(&g->live), through = wall;

	for (int i = 0; i < a->cnt; i++) {
		const rd_kafka_topic_partition_t *t = &a->elems[i];
		struct eh_part *p = t->offset ? rm_eh_part_of(g, t->topic, t->partition) : NULL;
		int64_t at = t->offset == 0 ? wall : p ? p->newest_ms : 0;

		if (at < through)
			through = at;
	}
	return through;
}

int64_t rm_eh_backlog(struct eh_src *g, int64_t deadline)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	int64_t sum = 0;

	g->read_through = 0;
	if (rd_kafka_assignment(g->rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a)
		return -1;
	if (a->cnt == 0)
		sum = g->settled ? 0 : -1; /* given none: nothing to read */
	else if (positions(g, a, deadline) < 0)
		sum = -1;
	for (int i = 0; sum >= 0 && i < a->cnt; i++)
		sum += a->elems[i].offset;
	if (sum >= 0)
		g->read_through = read_through(g, a);
	rd_kafka_topic_partition_list_destroy(a);
	return sum;
}

void rm_eh_nudge(struct eh_src *g, int64_t deadline)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	int wait = offsets_wait(deadline);

	if (wait > NUDGE_WAIT_MS)
		wait = NUDGE_WAIT_MS; /* the request sent is what matters, not its answer */
	if (wait <= 0 || rd_kafka_assignment(g->rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a)
		return;
	for (int i = 0; i < a->cnt; i++)
		a->elems[i].offset = RD_KAFKA_OFFSET_END; /* as a time: the newest */
	if (a->cnt > 0)
		(void)rd_kafka_offsets_for_times(g->rk, a, wait);
	rd_kafka_topic_partition_list_destroy(a);
}

/* Results of earlier commits: failures are counted and logged, never
 * fatal (the next save commits again). */
void rm_eh_reap_commits(struct eh_src *g, int wait_ms)
{
	rd_kafka_event_t *ev;

	while (g->commits_pending && (ev = rd_kafka_queue_poll(g->commit_q, wait_ms))) {
		rd_kafka_resp_err_t e = rd_kafka_event_error(ev);

		if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT) {
			g->commits_pending--;
			if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
				g->src->errors++;
				if (g->in)
					rm_ingest_log(g->in, REVMON_LOG_WARNING, "%s: offset commit failed: %s "
					              "(committed again after the next save)", g->src->name,
					              rd_kafka_err2str(e));
			}
		}
		rd_kafka_event_destroy(ev);
	}
}

int rm_eh_save(const struct rm_source *src, struct rm_buf *out)
{
	const struct eh_src *g = src->impl;
	int e = 0;

	e |= rm_put_u32(out, STATE_VERSION);
	e |= rm_put_u32(out, (uint32_t)g->n_parts);
	for (size_t i = 0; i < g->n_parts; i++) {
		e |= rm_put_str(out, g->parts[i].topic);
		e |= rm_put_u32(out, (uint32_t)g->parts[i].partition);
		e |= rm_put_i64(out, g->parts[i].next);
		e |= rm_put_i64(out, g->parts[i].newest_ms);
	}
	e |= rm_put_u64(out, src->errors);
	return e ? -1 : 0;
}

int rm_eh_load(struct rm_source *src, const void *buf, size_t len, struct revmon_error *err)
{
	struct eh_src *g = src->impl;
	struct rm_rd r = {buf, len, 0, 0};
	uint32_t version = rm_get_u32(&r), n;

	if (version != 1 && version != STATE_VERSION)
		goto bad;
	n = rm_get_u32(&r);
	for (uint32_t i = 0; i < n && !r.bad; i++) {
		char *topic = rm_get_str(&r);
		int32_t partition = (int32_t)rm_get_u32(&r);
		int64_t next = rm_get_i64(&r);
		int64_t newest = version > 1 ? rm_get_i64(&r) : 0;
		struct eh_part *p = topic && !r.bad && next >= 0 ? rm_eh_part_of(g, topic, partition) : NULL;

		free(topic);
		if (!p)
			goto bad;
		p->next = next;
		p->newest_ms = newest;
	}
	src->errors = rm_get_u64(&r);
	if (r.bad || r.pos != r.n)
		goto bad;
	return 0;
bad:
	rm_errorf(err, "corrupt (cursor of %s)", src->name);
	return -1;
}
