/* What the check prints: one status line that says each problem once, the
 * performance data for every registry metric, and the long output (-v). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "perfdata.h"

static const char *const state_names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

void keep_log(void *ctx, enum revmon_log_level level, const char *msg)
{
	struct logbook *lb = ctx;

	if (level == REVMON_LOG_DEBUG && lb->verbose < 3)
		return;
	if (lb->n < 64)
		snprintf(lb->lines[lb->n++], sizeof lb->lines[0], "%s", msg);
}

static void fmt_duration(double s, char *out, size_t cap)
{
	long long t = (long long)(s + 0.5);

	if (t >= 86400)
		snprintf(out, cap, "%lldd%02lldh", t / 86400, t / 3600 % 24);
	else if (t >= 3600)
		snprintf(out, cap, "%lldh%02lldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(out, cap, "%lldm%02llds", t / 60, t % 60);
	else
		snprintf(out, cap, "%llds", t);
}

static void fmt_value(const struct revmon_metric_desc *d, const struct revmon_value *v, char *out, size_t cap)
{
	if (!v->known)
		snprintf(out, cap, "unknown");
	else if (d->kind == REVMON_COUNTER)
		snprintf(out, cap, "%" PRIu64, v->counter);
	else if (d->unit == REVMON_UNIT_SECONDS)
		fmt_duration(v->value, out, cap);
	else if (d->unit == REVMON_UNIT_PERCENT)
		snprintf(out, cap, "%.1f%%", v->value);
	else
		snprintf(out, cap, "%.4g", v->value);
}

static const char *user_label(const struct opts *o, const char *user, char *buf, size_t cap)
{
	uint64_t h = 1469598103934665603ULL;

	if (o->show_users)
		return user;
	for (const char *p = user; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(buf, cap, "user-%08" PRIx64, h & 0xffffffffu);
	return buf;
}

static double val(const revmon_snapshot *s, const char *name, int *known)
{
	int i = revmon_metric_find(name);

	*known = i >= 0 && s->values[i].known;
	return *known ? s->values[i].value : 0;
}

/* The facts that matter, in a few words. */
static void summary(const revmon_snapshot *s, char *out, size_t cap)
{
	char a[32], b[32];
	int k1, k2, k3;
	double lag = val(s, "revocation_lag_p95", &k1), stuck = val(s, "stale_clients", &k2);
	double live = val(s, "stale_tokens_live", &k3);
	size_t n = 0;
	int w;

	if (k1) {
		fmt_duration(lag, a, sizeof a);
		w = snprintf(out, cap, "revocation lag p95 %s", a);
	} else {
		w = snprintf(out, cap, "no revocation enforced in the lag window");
	}
	n = w > 0 ? (size_t)w : 0;
	if (n < cap && k2)
		n += (size_t)snprintf(out + n, cap - n, ", %.0f client%s stuck on revoked grants", stuck,
		                      stuck == 1 ? "" : "s");
	if (n < cap && k3 && live > 0) {
		int kx;
		double exp = val(s, "exposure_max", &kx);

		fmt_duration(exp, b, sizeof b);
		snprintf(out + n, cap - n, ", %.0f revoked token%s valid up to %s more", live,
		         live == 1 ? "" : "s", b);
	}
}

static void list_stuck(const struct opts *o, const revmon_snapshot *s, size_t max)
{
	char ub[32], t1[32];

	printf("Stuck clients (oldest revocation first): %zu\n", s->n_stuck);
	for (size_t i = 0; i < s->n_stuck && i < max; i++) {
		const struct revmon_stuck_client *c = &s->stuck[i];

		fmt_duration((double)(s->now_ms - c->revoked_ms) / 1000.0, t1, sizeof t1);
		printf("  %s on %s%s%s: revoked %s ago, %" PRIu64 " refused presentations\n",
		       user_label(o, c->user, ub, sizeof ub), c->app, c->device[0] ? " device " : "",
		       c->device, t1, c->presentations);
	}
}

static void list_revocations(const struct opts *o, const revmon_snapshot *s, size_t max)
{
	char ub[32], t1[32];

	printf("Latest revocations: %zu\n", s->n_revocations);
	for (size_t i = 0; i < s->n_revocations && i < max; i++) {
		const struct revmon_revocation *r = &s->revocations[i];

		fmt_duration((double)(s->now_ms - r->revoked_ms) / 1000.0, t1, sizeof t1);
		if (r->enforced_ms) {
			char lag[32];

			fmt_duration((double)(r->enforced_ms - r->revoked_ms) / 1000.0, lag, sizeof lag);
			printf("  %s %s ago (%s): enforced after %s (%s)\n", user_label(o, r->user, ub, sizeof ub),
			       t1, revmon_cause_name(r->cause), lag,
			       r->cae == 1 ? "CAE" : r->cae == 0 ? "non-CAE" : "regime unknown");
		} else {
			printf("  %s %s ago (%s): no refusal seen yet\n", user_label(o, r->user, ub, sizeof ub), t1,
			       revmon_cause_name(r->cause));
		}
	}
}

static void long_output(const struct opts *o, const revmon_snapshot *s, const struct logbook *lb,
                        const char *state_note)
{
	size_t max = o->verbose >= 3 ? 100 : o->verbose == 2 ? 20 : 5;

	if (state_note)
		printf("%s\n", state_note);
	if (o->verbose < 1)
		return;
	if (s->simulated)
		printf("Data come from the built-in tenant simulator, not from a real tenant.\n");
	list_stuck(o, s, max);
	list_revocations(o, s, max);
	if (s->n_unclassified) {
		/* for the classification table: classify=CODE:CLASS */
		printf("Unclassified failure codes:");
		for (size_t i = 0; i < s->n_unclassified; i++)
			printf(" %d x%" PRIu64, (int)s->unclassified[i].code, s->unclassified[i].count);
		printf("\n");
	}
	if (o->verbose >= 2) {
		for (size_t i = 0; i < s->n_sources; i++)
			printf("Source %s: %s%s%s\n", s->sources[i].name, s->sources[i].up ? "up" : "DOWN",
			       s->sources[i].error ? ": " : "", s->sources[i].error ? s->sources[i].error : "");
	}
	if (o->verbose >= 2)
		for (size_t i = 0; i < lb->n; i++)
			printf("log: %s\n", lb->lines[i]);
}

/* The state s is in: thresholds first, then the sources, then the time.
 * *worst is the metric to name, or -2 when why names the problem. */
static int judge(const struct opts *o, const revmon_snapshot *s, int timed_out, int *worst, char *why,
                 size_t whylen)
{
	int status = evaluate(o, s, worst);

	/* A source that cannot answer until someone acts (permissions,
	 * credentials, licence) says nothing about revocations: UNKNOWN with
	 * the reason. One that is down is CRITICAL. */
	for (size_t i = 0; i < s->n_sources; i++)
		if (!s->sources[i].up) {
			status = s->sources[i].unusable ? UNKNOWN : CRITICAL;
			snprintf(why, whylen, "source %s %s: %s, ", s->sources[i].name,
			         s->sources[i].unusable ? "cannot answer" : "down",
			         s->sources[i].error ? s->sources[i].error : "no answer");
			*worst = -2;
			if (status == UNKNOWN)
				break;
		}
	if (timed_out) {
		/* The sources had more to give than the time allows; one that
		 * stopped answering says which endpoint and for how long. */
		const struct revmon_source_status *down = NULL;

		for (size_t i = 0; i < s->n_sources && !down; i++)
			if (!s->sources[i].up && s->sources[i].error)
				down = &s->sources[i];
		status = UNKNOWN;
		snprintf(why, whylen, "timed out after %u s while polling the sources (input left to read%s%s%s%s), ",
		         o->timeout, down ? "; source " : "", down ? down->name : "", down ? " down: " : "",
		         down ? down->error : "");
		*worst = -2;
	}
	return status;
}

static void status_line(const struct opts *o, const revmon_snapshot *s, int status, int worst, const char *why)
{
	char line[1024];

	summary(s, line, sizeof line);
	printf(SERVICE " %s - %s%s", state_names[status], s->simulated ? "[simulated tenant] " : "",
	       worst == -2 ? why : "");
	if (worst >= 0) {
		const struct revmon_metric_desc *d = revmon_metric((size_t)worst);
		char v[32];

		fmt_value(d, &s->values[worst], v, sizeof v);
		printf("%s %s (%s range %s), ", d->name, v, status == CRITICAL ? "critical" : "warning",
		       status == CRITICAL ? o->th[worst].crit.text : o->th[worst].warn.text);
	}
	printf("%s |", line);
	for (size_t i = 0; i < s->n_values; i++) {
		char pd[256];

		pd_format(pd, sizeof pd, revmon_metric(i), &s->values[i],
		          o->th[i].has_warn ? o->th[i].warn.text : NULL,
		          o->th[i].has_crit ? o->th[i].crit.text : NULL);
		printf(" %s", pd);
	}
	putchar('\n');
}

int report(const struct opts *o, const revmon_snapshot *s, int timed_out, const struct logbook *lb,
           const char *state_note)
{
	char why[600];
	int worst, status = judge(o, s, timed_out, &worst, why, sizeof why);

	status_line(o, s, status, worst, why);
	long_output(o, s, lb, state_note);
	return status;
}
