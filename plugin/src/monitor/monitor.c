/* A monitor: settings, sources, one analyzer; poll and snapshot. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/analyze.h"
#include "conf/conf.h"
#include "metrics/metrics.h"
#include "monitor.h"
#include "parse/parse.h"
#include "sources/sources.h"
#include "state.h"

#define DAY_MS (86400LL * 1000)

struct revmon {
	struct rm_settings s;
	struct revmon_hooks hooks;
	struct rm_analyzer *an;
	struct rm_source **src;
	size_t n_src;
	uint64_t errors;        /* failed polls of sources that count none themselves */
	uint64_t fingerprint; /* of the configuration, for the state file */
	struct rm_state_file state; /* the state file last read or written */
	int last_poll;          /* rm_monitor_last_poll */
};

static void logf_(struct revmon *m, enum revmon_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void logf_(struct revmon *m, enum revmon_log_level level, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (!m->hooks.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	m->hooks.log(m->hooks.ctx, level, msg);
}

static int64_t wall_ms(const struct revmon *m)
{
	struct timespec ts;

	if (m->hooks.clock_ms)
		return m->hooks.clock_ms(m->hooks.ctx);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_sources(revmon *m)
{
	for (size_t i = 0; i < m->n_src; i++)
		m->src[i]->ops->free(m->src[i]);
	free(m->src);
	m->src = NULL;
	m->n_src = 0;
}

static int open_sources(revmon *m, struct revmon_error *err)
{
	/* The constructors in sources.def's order, as rm_source_kind counts. */
	static struct rm_source *(*const open_kind[])(const char *, const struct rm_settings *,
	                                               struct revmon_error *) = {
#define X(kind, arg, ctor, help) ctor,
#include "conf/sources.def"
#undef X
	};
	int kind;

	m->src = calloc(m->s.n_sources ? m->s.n_sources : 1, sizeof *m->src);
	if (!m->src) {
		rm_errorf(err, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < m->s.n_sources; i++) {
		const char *spec = m->s.sources[i];

		for (size_t j = 0; j < i; j++)
			if (strcmp(m->s.sources[j], spec) == 0) {
				rm_errorf(err, "source: '%s' is configured twice", spec);
				return -1;
			}
		kind = rm_source_kind(spec);
		if (kind < 0) { /* refused by the configuration already */
			rm_errorf(err, "source: '%s' is not a source", spec);
			return -1;
		}
		m->src[i] = open_kind[kind](spec, &m->s, err);
		if (!m->src[i])
			return -1;
		m->n_src++;
	}
	return 0;
}

void revmon_close(revmon *m)
{
	if (!m)
		return;
	close_sources(m);
	rm_analyzer_free(m->an);
	rm_settings_free(&m->s);
	free(m);
}

revmon *revmon_open(const revmon_conf *c, const struct revmon_hooks *hooks,
                    struct revmon_error *err)
{
	revmon *m = calloc(1, sizeof *m);

	if (!m) {
		rm_errorf(err, "out of memory");
		return NULL;
	}
	if (hooks)
		m->hooks = *hooks;
	if (rm_settings_load(c, &m->s, err) < 0) {
		free(m);
		return NULL;
	}
	m->fingerprint = rm_state_fingerprint(c);
	m->an = rm_analyzer_new(&m->s);
	if (!m->an) {
		rm_errorf(err, "out of memory");
		goto fail;
	}
	if (open_sources(m, err) < 0)
		goto fail;
	return m;
fail:
	revmon_close(m);
	return NULL;
}

int revmon_state_save(revmon *m, const char *path, struct revmon_error *err)
{
	int rc = rm_state_save(path, m->an, m->src, m->n_src, m->fingerprint, &m->state, err);

	/* What the state now holds may be acknowledged upstream (offsets). */
	for (size_t i = 0; rc == 0 && i < m->n_src; i++)
		if (m->src[i]->ops->after_save)
			m->src[i]->ops->after_save(m->src[i]);
	return rc;
}

int revmon_state_load(revmon *m, const char *path, struct revmon_error *err)
{
	int rc = rm_state_load(path, (size_t)1 << 31, m->fingerprint, m->an, m->src, m->n_src,
	                       &m->state, err);

	if (rc == RM_STATE_REFUSED) {
		/* Start afresh: what the failed decode touched is discarded. */
		struct revmon_error e2, why = *err;

		rm_analyzer_free(m->an);
		close_sources(m);
		m->an = rm_analyzer_new(&m->s);
		if (!m->an || open_sources(m, &e2) < 0) {
			rm_errorf(err, "%s; and the monitor could not be reset", why.msg);
			return -2;
		}
		rc = -1;
	}
	return rc;
}

/* The instant metrics describe: the simulator's clock or the newest event for
 * replays; the wall clock when nothing else says. */
static int64_t now_of(const struct revmon *m)
{
	int64_t now = rm_analyzer_watermark(m->an);

	for (size_t i = 0; i < m->n_src; i++) {
		int64_t t = m->src[i]->ops->now(m->src[i]);
		if (t > now)
			now = t;
	}
	return now ? now : wall_ms(m);
}

static void report_progress(struct revmon *m)
{
	uint64_t done = 0, total = 0;
	int any = 0;

	if (!m->hooks.progress)
		return;
	for (size_t i = 0; i < m->n_src; i++) {
		uint64_t t = 0;

		if (m->src[i]->ops->progress) {
			done += m->src[i]->ops->progress(m->src[i], &t);
			total += t;
			any = 1;
		}
	}
	if (any)
		m->hooks.progress(m->hooks.ctx, done, total);
}

void rm_monitor_last_poll(revmon *m, int last)
{
	m->last_poll = last;
}

/* What every stream has delivered all of, for the analyzer (the oldest
 * such time; no bound without streams). */
static void note_read_through(revmon *m)
{
	int64_t t = INT64_MAX;

	for (size_t i = 0; i < m->n_src; i++) {
		int64_t r = m->src[i]->ops->read_through ? m->src[i]->ops->read_through(m->src[i]) : INT64_MAX;

		if (r < t)
			t = r;
	}
	rm_analyzer_read_through(m->an, t);
}

/* The analyzer keeps the ids that any source may deliver again. */
static void keep_reread_ids(revmon *m)
{
	int64_t floor = 0;

	for (size_t i = 0; i < m->n_src; i++) {
		int64_t f = m->src[i]->ops->reread_floor ? m->src[i]->ops->reread_floor(m->src[i]) : 0;

		if (f && (!floor || f < floor))
			floor = f;
	}
	rm_analyzer_keep_ids_from(m->an, floor);
}

int revmon_poll(revmon *m, int budget_ms)
{
	int64_t start = rm_monotonic_ms(), deadline;
	int failed = 0;

	if (budget_ms < 1)
		budget_ms = 1;
	deadline = start + budget_ms;
	keep_reread_ids(m);
	note_read_through(m);
	for (size_t i = 0; i < m->n_src; i++) {
		struct rm_source *src = m->src[i];
		struct revmon_error err = {{0}};
		struct rm_ingest in = {
			.an = m->an, .s = &m->s, .origin = src->name,
			.log = m->hooks.log, .log_ctx = m->hooks.ctx, .wall_ms = wall_ms(m),
			.last = m->last_poll,
		};
		int64_t clock = wall_ms(m), snow = src->ops->now(src);
		/* Share what is left of the budget among the sources still to go. */
		int64_t left = deadline - rm_monotonic_ms();
		int64_t slice = left > 0 ? left / (int64_t)(m->n_src - i) : 0;
		int was_up = src->up, rc;

		src->unusable = 0;

		in.future_limit_ms = (snow > clock ? snow : clock) + DAY_MS;
		rc = src->ops->poll(src, &in, rm_monotonic_ms() + (slice > 0 ? slice : 1), &err);
		if (in.logged > 5)
			logf_(m, REVMON_LOG_WARNING, "%s: %llu malformed records skipped in this poll",
			      src->name, (unsigned long long)in.rejected);
		src->up = rc == 0;
		if (rc < 0) {
			failed++;
			if (!src->counts_errors)
				m->errors++;
		}
		if (rc != 0) {
			/* down (failed, or not answering for longer than a poll) */
			free(src->error);
			src->error = strdup(err.msg[0] ? err.msg : "failed");
			/* Say it once per change of state, not once per poll. */
			if (was_up)
				logf_(m, REVMON_LOG_ERR, "%s: source down: %s", src->name,
				      src->error ? src->error : "failed");
		} else if (!was_up) {
			logf_(m, REVMON_LOG_INFO, "%s: source up again", src->name);
			free(src->error);
			src->error = NULL;
		}
		report_progress(m);
	}
	return failed;
}

int revmon_done(const revmon *m)
{
	for (size_t i = 0; i < m->n_src; i++)
		if (!m->src[i]->ops->done(m->src[i]))
			return 0;
	return 1;
}

void revmon_snapshot_free(revmon_snapshot *s)
{
	if (!s)
		return;
	free(s->monitor);
	free(s->values);
	for (size_t i = 0; i < s->n_sources; i++) {
		free(s->sources[i].name);
		free(s->sources[i].error);
	}
	free(s->sources);
	for (size_t i = 0; i < s->n_stuck; i++) {
		free(s->stuck[i].user);
		free(s->stuck[i].app);
		free(s->stuck[i].platform);
		free(s->stuck[i].device);
	}
	free(s->stuck);
	for (size_t i = 0; i < s->n_families; i++) {
		free(s->families[i].label);
		free(s->families[i].app);
		free(s->families[i].platform);
		free(s->families[i].values);
	}
	free(s->families);
	for (size_t i = 0; i < s->n_revocations; i++)
		free(s->revocations[i].user);
	free(s->revocations);
	free(s->unclassified);
	free(s);
}

/* The drill's metrics, from the probe source (unknown without one). */
static void fill_probe(const revmon *m, revmon_snapshot *s)
{
	uint64_t failures = 0;

	s->values[RM_M_PROBE_ACCESS_LAG] = (struct revmon_value){0, 0, 0};
	s->values[RM_M_PROBE_REFRESH_LAG] = (struct revmon_value){0, 0, 0};
	s->values[RM_M_PROBE_AGE] = (struct revmon_value){0, 0, 0};
	for (size_t i = 0; i < m->n_src; i++) {
		struct rm_probe_results r;

		if (!m->src[i]->ops->probe_results)
			continue;
		memset(&r, 0, sizeof r);
		m->src[i]->ops->probe_results(m->src[i], &r);
		failures += r.failures;
		if (r.have_access)
			s->values[RM_M_PROBE_ACCESS_LAG] = (struct revmon_value){1, (double)r.access_lag_ms / 1000.0, 0};
		if (r.have_refresh)
			s->values[RM_M_PROBE_REFRESH_LAG] = (struct revmon_value){1, (double)r.refresh_lag_ms / 1000.0, 0};
		if (r.last_done_ms) {
			int64_t age = wall_ms(m) - r.last_done_ms;

			s->values[RM_M_PROBE_AGE] = (struct revmon_value){1, (double)(age > 0 ? age : 0) / 1000.0, 0};
		}
	}
	s->values[RM_M_PROBE_FAILURES] = (struct revmon_value){1, (double)failures, failures};
}

/* The sources' own latency, the largest known. */
static void fill_latency(const revmon *m, revmon_snapshot *s)
{
	int64_t worst = -1;

	for (size_t i = 0; i < m->n_src; i++) {
		int64_t l;

		if (m->src[i]->ops->latency && (l = m->src[i]->ops->latency(m->src[i])) > worst)
			worst = l;
	}
	s->values[RM_M_SOURCE_LATENCY] = (struct revmon_value){worst >= 0, worst >= 0 ? (double)worst / 1000.0 : 0, 0};
}

/* What the streaming sources have yet to read, summed; unknown without one. */
static void fill_backlog(const revmon *m, revmon_snapshot *s)
{
	int64_t sum = 0;
	int known = 0;

	for (size_t i = 0; i < m->n_src; i++) {
		int64_t b;

		if (!m->src[i]->ops->backlog)
			continue;
		if ((b = m->src[i]->ops->backlog(m->src[i])) < 0) {
			known = 0;
			break;
		}
		sum += b;
		known = 1;
	}
	s->values[RM_M_SOURCE_BACKLOG] = (struct revmon_value){known, known ? (double)sum : 0, 0};
}

/* Every source a replay read to its end that did not grow: no record can
 * still arrive late, so no settle delay is waited. */
static int all_complete(const revmon *m)
{
	for (size_t i = 0; i < m->n_src; i++) {
		const struct rm_source *src = m->src[i];

		if (!src->ops->complete || !src->ops->done(src) || !src->ops->complete(src))
			return 0;
	}
	return m->n_src > 0;
}

revmon_snapshot *revmon_snapshot_take(revmon *m)
{
	return revmon_snapshot_take_stuck(m, 100);
}

revmon_snapshot *revmon_snapshot_take_stuck(revmon *m, size_t stuck_max)
{
	revmon_snapshot *s = calloc(1, sizeof *s);
	int up = 1;
	/* 429s are counted by the sources that talk HTTP (source->throttled). */
	uint64_t throttled = 0, errors = m->errors;

	if (!s)
		return NULL;
	s->now_ms = now_of(m);
	s->monitor = strdup(m->s.name);
	s->n_values = RM_M_COUNT;
	s->values = calloc(RM_M_COUNT, sizeof *s->values);
	s->sources = calloc(m->n_src ? m->n_src : 1, sizeof *s->sources);
	if (!s->monitor || !s->values || !s->sources)
		goto fail;
	for (size_t i = 0; i < m->n_src; i++) {
		struct revmon_source_status *d = &s->sources[i];
		const struct rm_source *src = m->src[i];

		d->up = src->up;
		d->unusable = !src->up && src->unusable;
		d->simulated = src->simulated;
		s->simulated |= src->simulated;
		up &= src->up;
		throttled += src->throttled;
		errors += src->errors;
		d->name = strdup(src->name);
		d->error = src->error ? strdup(src->error) : NULL;
		s->n_sources = i + 1;
		if (!d->name || (src->error && !d->error))
			goto fail;
	}
	note_read_through(m);
	if (rm_analyzer_fill_settled(m->an, s->now_ms, all_complete(m) ? 0 : m->s.settle_ms,
	                             stuck_max, s) < 0)
		goto fail;
	s->values[RM_M_SOURCE_UP] = (struct revmon_value){1, up ? 1.0 : 0.0, 0};
	s->values[RM_M_SOURCE_THROTTLED] = (struct revmon_value){1, (double)throttled, throttled};
	s->values[RM_M_SOURCE_ERRORS] = (struct revmon_value){1, (double)errors, errors};
	fill_probe(m, s);
	fill_latency(m, s);
	fill_backlog(m, s);
	return s;
fail:
	revmon_snapshot_free(s);
	return NULL;
}

const char *revmon_cause_name(int cause)
{
	return rm_cause_name_of((enum rm_cause)cause);
}

/* Only what entra-facts.md supports: a revoked refresh token stays refused
 * (AADSTS50173 "a fresh auth token is needed"); Microsoft's answer to
 * Outlook mobile and macOS clients stuck on stale tokens was a full client
 * reset; access tokens live until they expire, CAE ones are refused within
 * the up-to-15-minute propagation. */
const char *revmon_stuck_advice(void)
{
	return "A stuck client's refresh token is already revoked: Entra refuses it every time\n"
	       "(AADSTS50173: a fresh auth token is needed), so retrying cannot help. The user\n"
	       "must sign in again on that client; if the app does not ask, reset it: sign out,\n"
	       "or remove and re-add the account (Outlook for iOS and Android: reset the account).\n"
	       "Access tokens issued before a revocation stay valid until they expire (60-90\n"
	       "minutes by default); CAE-capable resources refuse them within about 15 minutes.\n";
}

size_t rm_monitor_bytes(const revmon *m, size_t *users, size_t *clients)
{
	*users = rm_analyzer_users(m->an);
	*clients = rm_analyzer_clients(m->an);
	return rm_analyzer_bytes(m->an);
}
