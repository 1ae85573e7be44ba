/* The status line in words: each problem once, the breaches first (critical
 * before warning), then the facts that matter; no metric names, no raw
 * ranges. */
#include "status.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int th_state(const struct threshold *t, const struct revmon_value *v)
{
	if (!v->known)
		return OK; /* nothing to judge */
	if (t->has_crit && nr_range_alert(&t->crit, v->value))
		return CRITICAL;
	if (t->has_warn && nr_range_alert(&t->warn, v->value))
		return WARNING;
	return OK;
}

void fmt_duration(double s, char *out, size_t cap)
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

static void utc(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));

	if (!gmtime_r(&t, tm))
		memset(tm, 0, sizeof *tm);
}

void fmt_when(int64_t ms, int64_t now_ms, char *out, size_t cap)
{
	struct tm a, b;

	utc(ms, &a);
	utc(now_ms, &b);
	if (!strftime(out, cap, a.tm_year == b.tm_year && a.tm_yday == b.tm_yday ? "%H:%MZ" : "%Y-%m-%d %H:%MZ", &a)
	    && cap)
		out[0] = '\0';
}

void fmt_rfc3339(int64_t ms, char *out, size_t cap)
{
	struct tm a;

	utc(ms, &a);
	if (!strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &a) && cap)
		out[0] = '\0';
}

/* ---- a metric in words ---- */

/* '#' stands for the value; many (or one, when NULL) when it is not 1. */
static const struct phrase {
	const char *metric, *one, *many;
} phrases[] = {
	{"revocations", "# revocation seen", "# revocations seen"},
	{"revocations_admin", "# session revocation by an admin", "# session revocations by admins"},
	{"revocations_password", "# revocation by a password change", "# revocations by password changes"},
	{"revocations_disable", "# revocation by an account disable", "# revocations by account disables"},
	{"revocations_mfa", "# revocation by a security-info change", "# revocations by security-info changes"},
	{"revocations_risk", "# revocation for user risk", "# revocations for user risk"},
	{"revocations_inferred", "# revocation known from refusals only", "# revocations known from refusals only"},
	{"revocation_lag_p50", "revocation lag median #", NULL},
	{"revocation_lag_p95", "revocation lag p95 #", NULL},
	{"revocation_lag_max", "longest revocation lag #", NULL},
	{"revocation_lag_cae_p95", "CAE revocation lag p95 #", NULL},
	{"revocation_lag_noncae_p95", "non-CAE revocation lag p95 #", NULL},
	{"revocations_pending", "# revocation not enforced yet", "# revocations not enforced yet"},
	{"stale_presentations", "# refused presentation of a revoked grant", "# refused presentations of revoked grants"},
	{"stale_age_max", "oldest stuck client revoked # ago", NULL},
	{"stale_tokens_live", "# revoked token still valid", "# revoked tokens still valid"},
	{"stale_tokens_live_cae", "# revoked CAE token still valid", "# revoked CAE tokens still valid"},
	{"exposure_max", "revoked tokens valid # more", NULL},
	{"signins", "# sign-in", "# sign-ins"},
	{"signins_interactive", "# interactive sign-in", "# interactive sign-ins"},
	{"signin_failures", "# failed sign-in", "# failed sign-ins"},
	{"signin_failures_revoked", "# sign-in refused for a revoked grant", "# sign-ins refused for revoked grants"},
	{"signin_failures_expiry", "# sign-in failed on token expiry", "# sign-ins failed on token expiry"},
	{"signin_failures_policy", "# sign-in failed on policy", "# sign-ins failed on policy"},
	{"signin_failures_account", "# sign-in failed on account state", "# sign-ins failed on account state"},
	{"signin_failures_storm", "# sign-in looping or throttled", "# sign-ins looping or throttled"},
	{"signin_failures_other", "# sign-in failure of an unlisted code", "# sign-in failures of unlisted codes"},
	{"reauth_rate", "re-authentications #", NULL},
	{"reauth_storm_ratio", "re-authentications at # the baseline", NULL},
	{"reauth_after_revocation", "# re-authentication after a revocation", "# re-authentications after revocations"},
	{"loop_detected", "# client loop detected", "# client loops detected"},
	{"tenant_throttled", "# sign-in throttled for the tenant", "# sign-ins throttled for the tenant"},
	{"cae_token_ratio", "CAE tokens #", NULL},
	{"probe_access_lag", "drill access-token lag #", NULL},
	{"probe_refresh_lag", "drill refresh-token lag #", NULL},
	{"probe_age", "last drill # ago", NULL},
	{"probe_failures", "# failed drill", "# failed drills"},
	{"events_ingested", "# record ingested", "# records ingested"},
	{"events_rejected", "# malformed record", "# malformed records"},
	{"events_duplicate", "# duplicate record", "# duplicate records"},
	{"events_ignored", "# record read past", "# records read past"},
	{"source_up", "all sources answering: #", NULL},
	{"source_throttled", "# throttling answer from sources", "# throttling answers from sources"},
	{"source_errors", "# source error", "# source errors"},
	{"ingest_delay", "newest record # old", NULL},
};

/* A number in the metric's unit, for values and range bounds alike. */
static void fmt_number(const struct revmon_metric_desc *d, double x, char *out, size_t cap)
{
	switch (d->unit) {
	case REVMON_UNIT_SECONDS: fmt_duration(x, out, cap); break;
	case REVMON_UNIT_PERCENT: snprintf(out, cap, "%.1f%%", x); break;
	case REVMON_UNIT_PER_MINUTE: snprintf(out, cap, "%.2f/min", x); break;
	case REVMON_UNIT_RATIO: snprintf(out, cap, "%.2fx", x); break;
	case REVMON_UNIT_BOOLEAN: snprintf(out, cap, "%s", x >= 0.5 ? "yes" : "no"); break;
	default: snprintf(out, cap, x == floor(x) && fabs(x) < 1e15 ? "%.0f" : "%.1f", x); break;
	}
}

static void fmt_metric_value(const struct revmon_metric_desc *d, const struct revmon_value *v, char *out,
                             size_t cap)
{
	if (d->kind == REVMON_COUNTER)
		snprintf(out, cap, "%" PRIu64, v->counter);
	else
		fmt_number(d, v->value, out, cap);
}

/* The side of the range v broke, in words ("> 15m00s", "< 1", "within
 * 1..5"); "" when the words would add nothing (a range of 0: any value
 * but 0 alerts). */
static void bound_words(const struct nr_range *r, const struct revmon_metric_desc *d, double v, char *out,
                        size_t cap)
{
	char a[40], b[40];

	fmt_number(d, r->start, a, sizeof a);
	fmt_number(d, r->end, b, sizeof b);
	out[0] = '\0';
	if (r->inside) {
		if (r->start_inf && !r->end_inf)
			snprintf(out, cap, "<= %s", b);
		else if (!r->start_inf && r->end_inf)
			snprintf(out, cap, ">= %s", a);
		else if (!r->start_inf)
			snprintf(out, cap, "within %s..%s", a, b);
	} else if (!r->end_inf && v > r->end) {
		if (r->end != 0 || r->start_inf || r->start != 0)
			snprintf(out, cap, "> %s", b);
	} else if (!r->start_inf && v < r->start) {
		snprintf(out, cap, "< %s", a);
	}
}

/* ---- building the line ---- */

struct sb {
	char *p;
	size_t cap, n;
	unsigned items;
};

static void sb_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (b->n + 1 >= b->cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	if (w > 0)
		b->n = b->n + (size_t)w < b->cap ? b->n + (size_t)w : b->cap - 1;
}

static void sb_item(struct sb *b)
{
	if (b->items++)
		sb_add(b, "; ");
}

/* The phrase of metric i with value text val substituted for '#'. */
static void say_phrase(struct sb *b, size_t i, const char *val, int plural)
{
	const char *name = revmon_metric(i)->name, *text = NULL;

	for (size_t k = 0; k < sizeof phrases / sizeof phrases[0] && !text; k++)
		if (strcmp(phrases[k].metric, name) == 0)
			text = plural && phrases[k].many ? phrases[k].many : phrases[k].one;
	if (!text) {
		/* a metric newer than this table: its name, in words */
		for (const char *p = name; *p; p++)
			sb_add(b, "%c", *p == '_' ? ' ' : *p);
		sb_add(b, " %s", val);
		return;
	}
	for (const char *p = text; *p; p++) {
		if (*p == '#')
			sb_add(b, "%s", val);
		else
			sb_add(b, "%c", *p);
	}
}

static double family_stuck(const struct revmon_family *f, int fi)
{
	return fi >= 0 && f->values[fi].known ? f->values[fi].value : 0;
}

/* 1 when family a comes before b: more stuck clients, then the lower index. */
static int fam_before(const struct revmon_family *a, const struct revmon_family *b, int fi)
{
	double x = family_stuck(a, fi), y = family_stuck(b, fi);

	return x > y || (x == y && a->index < b->index);
}

/* The family that comes next after prev (NULL: the first) among those with
 * stuck clients, or NULL. */
static const struct revmon_family *next_family(const revmon_snapshot *s, const struct revmon_family *prev, int fi)
{
	const struct revmon_family *best = NULL;

	for (size_t i = 0; i < s->n_families; i++) {
		const struct revmon_family *f = &s->families[i];

		if (family_stuck(f, fi) <= 0 || (prev && !fam_before(prev, f, fi)))
			continue;
		if (!best || fam_before(f, best, fi))
			best = f;
	}
	return best;
}

static size_t stuck_families(const revmon_snapshot *s)
{
	int fi = revmon_family_metric_find("stale_clients");
	size_t n = 0;

	for (size_t i = 0; i < s->n_families; i++)
		n += family_stuck(&s->families[i], fi) > 0;
	return n;
}

/* "7 clients stuck on revoked grants > 9 (A 5, B 2; oldest revoked 11:00Z)",
 * naming at most k families, worst first. */
static void say_stuck(struct sb *b, const revmon_snapshot *s, double n, const char *bound, size_t k)
{
	int fi = revmon_family_metric_find("stale_clients");
	size_t nf = stuck_families(s), shown = 0;
	const struct revmon_family *f = NULL;

	sb_add(b, "%.0f client%s stuck on revoked grants", n, n == 1 ? "" : "s");
	if (*bound)
		sb_add(b, " %s", bound);
	if (!nf && !s->n_stuck)
		return;
	sb_add(b, " (");
	while (shown < k && (f = next_family(s, f, fi))) {
		sb_add(b, "%s", shown++ ? ", " : "");
		/* a label from the logs must not end the line or start perfdata */
		for (const char *p = f->label; *p; p++)
			sb_add(b, "%c", *p == '|' || (unsigned char)*p < 0x20 ? '_' : *p);
		sb_add(b, " %.0f", family_stuck(f, fi));
	}
	if (shown < nf)
		sb_add(b, ", \xe2\x80\xa6, %zu more famil%s", nf - shown, nf - shown == 1 ? "y" : "ies");
	if (s->n_stuck) {
		char t[32];

		fmt_when(s->stuck[0].revoked_ms, s->now_ms, t, sizeof t);
		sb_add(b, "%soldest revoked %s", nf ? "; " : "", t);
	}
	sb_add(b, ")");
}

/* A breach of metric i, in words with the bound it broke. */
static void say_breach(struct sb *b, const revmon_snapshot *s, const struct threshold *th, size_t i, int state,
                       size_t k)
{
	const struct revmon_metric_desc *d = revmon_metric(i);
	const struct revmon_value *v = &s->values[i];
	char bound[100], val[48];

	bound_words(state == CRITICAL ? &th[i].crit : &th[i].warn, d, v->value, bound, sizeof bound);
	sb_item(b);
	if (strcmp(d->name, "stale_clients") == 0) {
		say_stuck(b, s, v->value, bound, k);
		return;
	}
	fmt_metric_value(d, v, val, sizeof val);
	say_phrase(b, i, val, v->value != 1);
	if (*bound)
		sb_add(b, " %s", bound);
}

static const struct revmon_value *value_of(const revmon_snapshot *s, const char *name, int *idx)
{
	*idx = revmon_metric_find(name);
	return *idx >= 0 && (size_t)*idx < s->n_values ? &s->values[*idx] : NULL;
}

/* The facts the breaches did not say: the lag, the stuck clients, the
 * revoked tokens still valid. */
static void say_facts(struct sb *b, const revmon_snapshot *s, const unsigned char *said, size_t k, int tokens)
{
	int il, ic, it, ie;
	const struct revmon_value *lag = value_of(s, "revocation_lag_p95", &il);
	const struct revmon_value *stuck = value_of(s, "stale_clients", &ic);
	const struct revmon_value *live = value_of(s, "stale_tokens_live", &it);
	const struct revmon_value *exp = value_of(s, "exposure_max", &ie);
	char t[32];

	if (lag && !said[il]) {
		sb_item(b);
		if (lag->known) {
			fmt_duration(lag->value, t, sizeof t);
			sb_add(b, "revocation lag p95 %s", t);
		} else {
			sb_add(b, "no revocation enforced in the lag window");
		}
	}
	if (stuck && stuck->known && !said[ic]) {
		sb_item(b);
		if (stuck->value > 0)
			say_stuck(b, s, stuck->value, "", k);
		else
			sb_add(b, "no client stuck on revoked grants");
	}
	if (tokens && live && live->known && live->value > 0 && !said[it] && !(exp && said[ie])) {
		sb_item(b);
		sb_add(b, "%.0f revoked token%s valid", live->value, live->value == 1 ? "" : "s");
		if (exp && exp->known) {
			fmt_duration(exp->value, t, sizeof t);
			sb_add(b, " up to %s more", t);
		}
	}
}

static size_t build(char *out, size_t cap, const revmon_snapshot *s, const struct threshold *th,
                    const char *lead, size_t k, int tokens)
{
	struct sb b = {out, cap, 0, 0};
	unsigned char said[256] = {0};

	if (!cap)
		return 0;
	out[0] = '\0';
	if (lead && *lead) {
		sb_item(&b);
		sb_add(&b, "%s", lead);
	}
	for (int state = CRITICAL; state >= WARNING; state--)
		for (size_t i = 0; i < s->n_values && i < sizeof said; i++)
			if (th_state(&th[i], &s->values[i]) == state) {
				say_breach(&b, s, th, i, state, k);
				said[i] = 1;
			}
	say_facts(&b, s, said, k, tokens);
	return b.n;
}

size_t status_text(char *out, size_t cap, const revmon_snapshot *s, const struct threshold *th,
                   const char *lead, size_t max)
{
	size_t k = stuck_families(s), n;
	int tokens = 1;

	/* To fit, leave out the revoked tokens still valid (they expire by
	 * themselves), then name fewer families; the worst one always shows. */
	while ((n = build(out, cap, s, th, lead, k, tokens)) > max) {
		if (tokens)
			tokens = 0;
		else if (k > 1)
			k--;
		else
			break;
	}
	return n;
}
