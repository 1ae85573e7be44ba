/* What the check prints: one status line that says each problem once, the
 * performance data for every registry metric, and the long output (-v). */
#include <inttypes.h>
#include <stdint.h>
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

/* Text from the logs made safe for plugin output: a '|' there would start
 * the perfdata, a line break a new line of output. Returns buf. */
static const char *safe(const char *s, char *buf, size_t cap)
{
	size_t n = 0;

	for (; s && *s && n + 1 < cap; s++)
		buf[n++] = *s == '|' || (unsigned char)*s < 0x20 ? '_' : *s;
	buf[n] = '\0';
	return buf;
}

static const char *user_label(const struct opts *o, const char *user, char *buf, size_t cap)
{
	uint64_t h = 1469598103934665603ULL;

	if (o->show_users)
		return safe(user, buf, cap);
	for (const char *p = user; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(buf, cap, "user-%08" PRIx64, h & 0xffffffffu);
	return buf;
}

/* One stuck client on one line, for -v and --list-stuck. */
static void stuck_line(const struct opts *o, const revmon_snapshot *s, const struct revmon_stuck_client *c)
{
	char ub[256], rv[32], first[32], last[32], app[256], plat[64], dev[128];

	fmt_when(c->revoked_ms, s->now_ms, rv, sizeof rv);
	fmt_when(c->first_ms, s->now_ms, first, sizeof first);
	fmt_when(c->last_ms, s->now_ms, last, sizeof last);
	printf("  %s: %s%s%s%s%s; revoked %s, refused %s%s%s, %" PRIu64 " presentation%s\n",
	       user_label(o, c->user, ub, sizeof ub), safe(c->app, app, sizeof app),
	       c->platform[0] ? " on " : "", safe(c->platform, plat, sizeof plat),
	       c->device[0] ? ", device " : "", safe(c->device, dev, sizeof dev), rv, first, c->last_ms != c->first_ms ? " to " : "",
	       c->last_ms != c->first_ms ? last : "", c->presentations, c->presentations == 1 ? "" : "s");
}

static void list_stuck(const struct opts *o, const revmon_snapshot *s, size_t max)
{
	int i = revmon_metric_find("stale_clients");
	size_t total = i >= 0 && s->values[i].known ? (size_t)s->values[i].value : s->n_stuck;
	size_t shown = 0;

	if (total < s->n_stuck)
		total = s->n_stuck;
	printf("Stuck clients (oldest revocation first): %zu\n", total);
	for (; shown < s->n_stuck && shown < max; shown++)
		stuck_line(o, s, &s->stuck[shown]);
	if (total > shown)
		printf("  and %zu more (--list-stuck lists them all)\n", total - shown);
}

/* What each per-family metric counts, in words for the family block. */
static const char *family_words(const char *metric)
{
	static const struct {
		const char *metric, *words;
	} words[] = {
		{"stale_clients", "stuck clients"},
		{"stale_presentations", "stale presentations"},
		{"stale_tokens_live", "stale tokens"},
		{"stale_tokens_live_cae", "stale CAE tokens"},
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(words[i].metric, metric) == 0)
			return words[i].words;
	return metric;
}

static void list_families(const revmon_snapshot *s)
{
	if (!s->n_families)
		return;
	printf("Client families with stale activity:\n");
	for (size_t i = 0; i < s->n_families; i++) {
		const struct revmon_family *f = &s->families[i];

		char lb[256];

		printf("  %s:", safe(f->label, lb, sizeof lb));
		for (size_t k = 0; k < revmon_family_metric_count(); k++) {
			const struct revmon_metric_desc *d = revmon_family_metric(k);
			const struct revmon_value *v = &f->values[k];

			if (!v->known)
				printf("%s %s unknown", k ? "," : "", family_words(d->name));
			else if (d->kind == REVMON_COUNTER)
				printf("%s %s %" PRIu64, k ? "," : "", family_words(d->name), v->counter);
			else
				printf("%s %s %.0f", k ? "," : "", family_words(d->name), v->value);
		}
		putchar('\n');
	}
}

/* The core's advice, indented, then where to find the users. */
static void what_to_do(const revmon_snapshot *s)
{
	int i = revmon_metric_find("stale_clients");
	const char *p = revmon_stuck_advice();

	if (i < 0 || !s->values[i].known || s->values[i].value <= 0)
		return;
	puts("What to do:");
	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		printf("  %.*s\n", n, p);
		p += n + (nl != NULL);
	}
	puts("  Who: the list above (names with --show-users), all of them with\n"
	     "  check_revocation --list-stuck --show-users, or revmon stuck over the same sources.");
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
	if (o->list_stuck)
		list_stuck(o, s, SIZE_MAX);
	if (o->verbose < 1)
		return;
	if (s->simulated)
		printf("Data come from the built-in tenant simulator, not from a real tenant.\n");
	if (!o->list_stuck)
		list_stuck(o, s, max);
	list_families(s);
	what_to_do(s);
	list_revocations(o, s, max);
	if (s->n_unclassified) {
		/* for the classification table: classify=CODE:CLASS */
		printf("Unclassified failure codes:");
		for (size_t i = 0; i < s->n_unclassified; i++)
			printf(" %d x%" PRIu64, (int)s->unclassified[i].code, s->unclassified[i].count);
		printf("\n");
	}
	if (o->verbose >= 2) {
		char t[1024];

		for (size_t i = 0; i < s->n_sources; i++)
			printf("Source %s: %s%s%s\n", s->sources[i].name, s->sources[i].up ? "up" : "DOWN",
			       s->sources[i].error ? ": " : "",
			       s->sources[i].error ? safe(s->sources[i].error, t, sizeof t) : "");
		for (size_t i = 0; i < lb->n; i++)
			printf("log: %s\n", safe(lb->lines[i], t, sizeof t));
	}
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
			snprintf(why, whylen, "source %s %s: %s", s->sources[i].name,
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
		snprintf(why, whylen, "timed out after %u s while polling the sources (input left to read%s%s%s%s)",
		         o->timeout, down ? "; source " : "", down ? down->name : "", down ? " down: " : "",
		         down ? down->error : "");
		*worst = -2;
	}
	return status;
}

static void perfdata(const struct opts *o, const revmon_snapshot *s)
{
	char pd[768], label[400];

	for (size_t i = 0; i < s->n_values; i++) {
		pd_format(pd, sizeof pd, revmon_metric(i), &s->values[i],
		          o->th[i].has_warn ? o->th[i].warn.text : NULL,
		          o->th[i].has_crit ? o->th[i].crit.text : NULL);
		printf(" %s", pd);
	}
	if (!o->family_perfdata)
		return;
	/* 'METRIC@LABEL'=VALUE;;;0, one per family row and family metric */
	for (size_t f = 0; f < s->n_families; f++)
		for (size_t k = 0; k < revmon_family_metric_count(); k++) {
			const struct revmon_metric_desc *d = revmon_family_metric(k);

			pd_family_label(label, sizeof label, d->name, s->families[f].label);
			pd_format_as(pd, sizeof pd, label, d, &s->families[f].values[k], NULL, NULL);
			printf(" %s", pd);
		}
}

static void status_line(const struct opts *o, const revmon_snapshot *s, int status, int worst, const char *why)
{
	static const char sim[] = "[simulated tenant] ";
	char line[1024];

	status_text(line, sizeof line, s, o->th, worst == -2 ? why : NULL,
	            STATUS_TEXT_MAX - (s->simulated ? sizeof sim - 1 : 0));
	printf(SERVICE " %s - %s%s |", state_names[status], s->simulated ? sim : "", line);
	perfdata(o, s);
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
