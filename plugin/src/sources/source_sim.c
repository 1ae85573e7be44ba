/* Source "sim": the built-in tenant simulator, fed through the same parsers
 * as exported files. The first poll covers sim_duration of simulated time;
 * each later poll adds sim_step. */
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "source.h"
#include "util/util.h"

/* Simulate in slices so the budget is honoured and the text buffer stays
 * small: ten minutes of a 20,000-user tenant, shorter for bigger ones. */
#define SLICE_MS (10LL * 60 * 1000)
#define SLICE_USERS 20000

struct sim_src {
	struct rm_sim *sim;
	int64_t target_ms;  /* simulated time this round should reach */
	int64_t step_ms;
	int64_t slice_ms;
	enum rm_shape shape;
	struct rm_buf buf;
	uint64_t base;
	int reached;
	/* the admin center's download is two files: the non-interactive one */
	struct rm_buf buf_non;
	struct rm_stream stream_non;
	uint64_t base_non;
};

/* One slice of simulated time through the parsers (or, ingest NULL, only
 * the simulator: a restored cursor). */
static int sim_slice(struct rm_source *src, struct sim_src *s, int64_t until, struct rm_ingest *in)
{
	int split = s->shape == RM_SHAPE_ENTRA_CSV;

	if (!in)
		s->buf.len = s->buf_non.len = 0;
	if (rm_sim_run_split(s->sim, until, s->shape, &s->buf, split ? &s->buf_non : NULL) < 0)
		return -1;
	if (!in) {
		s->buf.len = s->buf_non.len = 0;
		return 0;
	}
	rm_ingest_stream(in, &s->buf, 0, &src->stream, &s->base);
	if (split)
		rm_ingest_stream(in, &s->buf_non, 0, &s->stream_non, &s->base_non);
	return 0;
}

static int sim_poll(struct rm_source *src, struct rm_ingest *in, int64_t deadline,
                    struct revmon_error *err)
{
	struct sim_src *s = src->impl;

	if (s->reached) {
		s->target_ms += s->step_ms;
		s->reached = 0;
	}
	while (rm_sim_clock(s->sim) < s->target_ms) {
		int64_t until = rm_sim_clock(s->sim) + s->slice_ms;

		if (until > s->target_ms)
			until = s->target_ms;
		if (sim_slice(src, s, until, in) < 0) {
			rm_errorf(err, "%s: out of memory", src->name);
			return -1;
		}
		if (rm_monotonic_ms() >= deadline)
			break;
	}
	s->reached = rm_sim_clock(s->sim) >= s->target_ms;
	return 0;
}

static int64_t sim_now(const struct rm_source *src)
{
	const struct sim_src *s = src->impl;
	return rm_sim_clock(s->sim);
}

static int sim_done(const struct rm_source *src)
{
	const struct sim_src *s = src->impl;
	return s->reached;
}

static void sim_free(struct rm_source *src)
{
	struct sim_src *s = src->impl;

	if (s) {
		rm_sim_free(s->sim);
		rm_buf_free(&s->buf);
		rm_buf_free(&s->buf_non);
		rm_stream_free(&s->stream_non);
	}
	rm_source_release(src);
}

/* The simulator is deterministic: its cursor is its clock, and restoring
 * it means replaying the simulation silently up to there. */
static int sim_save(const struct rm_source *src, struct rm_buf *out)
{
	const struct sim_src *s = src->impl;
	int e = 0;

	e |= rm_put_i64(out, rm_sim_clock(s->sim));
	e |= rm_put_i64(out, s->target_ms);
	e |= rm_put_u32(out, (uint32_t)s->reached);
	return e ? -1 : 0;
}

static int sim_load(struct rm_source *src, const void *buf, size_t len, struct revmon_error *err)
{
	struct sim_src *s = src->impl;
	struct rm_rd r = {buf, len, 0, 0};
	int64_t clock = rm_get_i64(&r), target = rm_get_i64(&r);
	uint32_t reached = rm_get_u32(&r);

	if (r.bad || r.pos != r.n || clock < rm_sim_clock(s->sim) || target < clock || reached > 1) {
		rm_errorf(err, "corrupt (cursor of %s)", src->name);
		return -1;
	}
	while (rm_sim_clock(s->sim) < clock) {
		int64_t until = rm_sim_clock(s->sim) + s->slice_ms;

		if (sim_slice(src, s, until < clock ? until : clock, NULL) < 0) {
			rm_errorf(err, "%s: out of memory", src->name);
			return -1;
		}
	}
	s->buf.len = 0;
	rm_sim_reopen(s->sim); /* the replay's headers were not read */
	s->target_ms = target;
	s->reached = (int)reached;
	return 0;
}

static const struct rm_source_ops sim_ops = {
	.poll = sim_poll,
	.now = sim_now,
	.done = sim_done,
	.save = sim_save,
	.load = sim_load,
	.free = sim_free,
};

void rm_sim_params_from_settings(const struct rm_settings *s, struct rm_sim_params *p)
{
	rm_sim_params_default(p);
	p->seed = s->sim_seed;
	p->users = s->sim_users;
	p->start_ms = s->sim_start_ms;
	p->revocations_per_user_day = s->sim_revocation_rate;
	p->mass_revocation_at_ms = s->sim_mass_revocation_ms ? s->sim_start_ms + s->sim_mass_revocation_ms : 0;
	p->mass_revocation_share = s->sim_mass_share;
	p->stuck_share = s->sim_stuck_share;
	p->cae_app_share = s->sim_cae_share;
	p->access_token_lifetime_ms = s->access_token_lifetime_ms;
	p->cae_propagation_max_ms = s->cae_propagation_bound_ms;
	p->delivery_delay_max_ms = s->sim_delivery_delay_max_ms;
}

struct rm_source *rm_source_sim_new(const char *spec, const struct rm_settings *st,
                                    struct revmon_error *err)
{
	struct rm_source *src = rm_source_alloc(spec, &sim_ops, sizeof(struct sim_src), err);
	struct sim_src *s;
	struct rm_sim_params p;

	if (!src)
		return NULL;
	s = src->impl;
	src->simulated = 1;
	rm_sim_params_from_settings(st, &p);
	s->sim = rm_sim_new(&p);
	if (!s->sim) {
		rm_errorf(err, "source: %s: the simulator refused its parameters (sim_* keys)", spec);
		sim_free(src);
		return NULL;
	}
	s->target_ms = st->sim_start_ms + st->sim_duration_ms;
	s->step_ms = st->sim_step_ms;
	s->slice_ms = st->sim_users > SLICE_USERS ? SLICE_MS * SLICE_USERS / st->sim_users : SLICE_MS;
	if (s->slice_ms < 1000)
		s->slice_ms = 1000;
	s->shape = (enum rm_shape)st->sim_shape;
	if (s->shape == RM_SHAPE_ENTRA_CSV) {
		src->stream.name_kind = RM_NAME_INTERACTIVE;
		s->stream_non.name_kind = RM_NAME_NONINTERACTIVE;
	}
	return src;
}
