/* -w/-c: a range per metric, and the state a snapshot is in by them. */
#include <string.h>

#include "check.h"

/* The metric a user names: the exact registry name, or a unique one ending
 * in "_" + the given name (lag_p95 -> revocation_lag_p95). */
static int find_metric(const char *name, size_t n)
{
	int hit = -1;

	for (size_t i = 0; i < revmon_metric_count(); i++) {
		const char *m = revmon_metric(i)->name;
		size_t ml = strlen(m);

		if (ml == n && strncmp(m, name, n) == 0)
			return (int)i;
		if (ml > n && m[ml - n - 1] == '_' && strncmp(m + ml - n, name, n) == 0) {
			if (hit >= 0)
				return -2; /* ambiguous */
			hit = (int)i;
		}
	}
	return hit;
}

int set_threshold(struct opts *o, const char *arg, int critical)
{
	const char *eq = strchr(arg, '=');
	int idx = o->headline;
	struct nr_range r;

	if (eq) {
		idx = find_metric(arg, (size_t)(eq - arg));
		if (idx == -2)
			return unknown_usage("%s: metric name '%.*s' is ambiguous", critical ? "--critical" : "--warning",
			                     (int)(eq - arg), arg);
		if (idx < 0)
			return unknown_usage("%s: no metric named '%.*s' (see --help)",
			                     critical ? "--critical" : "--warning", (int)(eq - arg), arg);
		arg = eq + 1;
	}
	if (nr_range_parse(arg, &r) < 0)
		return unknown_usage("%s: '%s' is not a range (N, N:, ~:N, N:M or @N:M)",
		                     critical ? "--critical" : "--warning", arg);
	if (critical) {
		o->th[idx].crit = r;
		o->th[idx].has_crit = 1;
	} else {
		o->th[idx].warn = r;
		o->th[idx].has_warn = 1;
	}
	return OK;
}

void set_default(struct opts *o, const char *metric, const char *warn, const char *crit)
{
	int i = revmon_metric_find(metric);

	if (i < 0)
		return;
	o->th[i].has_warn = nr_range_parse(warn, &o->th[i].warn) == 0;
	o->th[i].has_crit = nr_range_parse(crit, &o->th[i].crit) == 0;
}

int evaluate(const struct opts *o, const revmon_snapshot *s, int *worst_metric)
{
	int status = OK;

	*worst_metric = -1;
	for (size_t i = 0; i < s->n_values; i++) {
		int st = th_state(&o->th[i], &s->values[i]);

		if (st > status) {
			status = st;
			*worst_metric = (int)i;
		}
	}
	return status;
}
