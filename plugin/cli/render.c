#include "render.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "timeparse.h"

static const char *const unit_labels[] = {
	[REVMON_UNIT_COUNT] = "",
	[REVMON_UNIT_SECONDS] = "s",
	[REVMON_UNIT_PERCENT] = "%",
	[REVMON_UNIT_PER_MINUTE] = "/min",
	[REVMON_UNIT_RATIO] = "x",
	[REVMON_UNIT_BOOLEAN] = "",
};

const char *unit_label(enum revmon_unit u)
{
	return (unsigned)u < sizeof unit_labels / sizeof unit_labels[0] ? unit_labels[u] : "";
}

static void fmt_time(int64_t ms, char *out, size_t cap)
{
	rm_time_format(ms, 0, out, cap);
}

/* "1h02m03s" for people, next to the exact seconds. */
static void fmt_duration(double s, char *out, size_t cap)
{
	long long t = llround(s);

	if (t >= 3600)
		snprintf(out, cap, "%lldh%02lldm%02llds", t / 3600, t / 60 % 60, t % 60);
	else if (t >= 60)
		snprintf(out, cap, "%lldm%02llds", t / 60, t % 60);
	else
		snprintf(out, cap, "%.1fs", s);
}

static void fmt_value(const struct revmon_metric_desc *d, const struct revmon_value *v,
                      char *out, size_t cap)
{
	char h[32];

	if (!v->known) {
		snprintf(out, cap, "unknown");
		return;
	}
	if (d->kind == REVMON_COUNTER) {
		snprintf(out, cap, "%" PRIu64, v->counter);
		return;
	}
	switch (d->unit) {
	case REVMON_UNIT_SECONDS:
		fmt_duration(v->value, h, sizeof h);
		snprintf(out, cap, "%.1f s (%s)", v->value, h);
		break;
	case REVMON_UNIT_PERCENT:
		snprintf(out, cap, "%.1f %%", v->value);
		break;
	case REVMON_UNIT_PER_MINUTE:
		snprintf(out, cap, "%.2f /min", v->value);
		break;
	case REVMON_UNIT_RATIO:
		snprintf(out, cap, "%.2f x", v->value);
		break;
	default:
		snprintf(out, cap, "%.0f", v->value);
	}
}

/* Total stuck clients: values[stale_clients], at least those listed. */
static size_t stuck_total(const revmon_snapshot *s)
{
	int i = revmon_metric_find("stale_clients");
	size_t total = i >= 0 && s->values[i].known ? (size_t)s->values[i].value : 0;

	return total > s->n_stuck ? total : s->n_stuck;
}

static void family_value(FILE *out, const struct revmon_metric_desc *d, const struct revmon_value *v)
{
	if (!v->known)
		fputs("null", out);
	else if (d->kind == REVMON_COUNTER)
		fprintf(out, "%" PRIu64, v->counter);
	else
		fprintf(out, "%.17g", v->value);
}

/* The per-family breakdown: a row per client family with stale activity. */
static void table_families(FILE *out, const revmon_snapshot *s)
{
	if (!s->n_families)
		return;
	fprintf(out, "\n  client families with stale activity (app on platform): %zu\n", s->n_families);
	for (size_t i = 0; i < s->n_families; i++) {
		const struct revmon_family *f = &s->families[i];

		fprintf(out, "    %-3u %s:", f->index, f->label);
		for (size_t k = 0; k < revmon_family_metric_count(); k++) {
			fprintf(out, " %s=", revmon_family_metric(k)->name);
			family_value(out, revmon_family_metric(k), &f->values[k]);
		}
		fputc('\n', out);
	}
}

static void table_stuck(FILE *out, const revmon_snapshot *s)
{
	size_t total = stuck_total(s);

	fprintf(out, "\n  stuck clients (oldest revocation first): %zu\n", total);
	for (size_t i = 0; i < s->n_stuck; i++) {
		const struct revmon_stuck_client *c = &s->stuck[i];
		char r[32], f[32], l[32];

		fmt_time(c->revoked_ms, r, sizeof r);
		fmt_time(c->first_ms, f, sizeof f);
		fmt_time(c->last_ms, l, sizeof l);
		fprintf(out, "    %s  app=%s platform=%s device=%s revoked=%s first=%s last=%s presentations=%" PRIu64 "\n",
		        c->user, c->app, c->platform[0] ? c->platform : "-", c->device[0] ? c->device : "-", r, f, l,
		        c->presentations);
	}
	if (total > s->n_stuck)
		fprintf(out, "    and %zu more (revmon stuck lists them all)\n", total - s->n_stuck);
}

void render_table(FILE *out, const revmon_snapshot *s, int verbose)
{
	char now[32], val[64];

	fmt_time(s->now_ms, now, sizeof now);
	fprintf(out, "monitor %s at %s%s\n", s->monitor, now,
	        s->simulated ? "  [SIMULATED DATA: built-in tenant simulator, not a real tenant]" : "");
	for (size_t i = 0; i < s->n_sources; i++)
		fprintf(out, "  source %-24s %s%s%s\n", s->sources[i].name,
		        s->sources[i].up ? "up" : "DOWN", s->sources[i].error ? ": " : "",
		        s->sources[i].error ? s->sources[i].error : "");
	if (s->settle_ms) {
		char t[32], h[32];

		fmt_time(s->now_ms - s->settle_ms, t, sizeof t);
		fmt_duration((double)s->settle_ms / 1000.0, h, sizeof h);
		fprintf(out, "  windowed gauges: the window ending %s (settle %s: records may still arrive late)\n",
		        t, h);
	} else {
		fprintf(out, "  windowed gauges: the window ending %s (a complete replay: no settle delay)\n", now);
	}
	fprintf(out, "\n  %-28s %-24s %s\n", "metric", "value", "kind");
	for (size_t i = 0; i < s->n_values; i++) {
		const struct revmon_metric_desc *d = revmon_metric(i);

		fmt_value(d, &s->values[i], val, sizeof val);
		fprintf(out, "  %-28s %-24s %s\n", d->name, val,
		        d->kind == REVMON_COUNTER ? "counter" : "gauge");
	}
	table_families(out, s);
	if (!verbose)
		return;
	table_stuck(out, s);
	fprintf(out, "\n  recent revocations (newest first): %zu\n", s->n_revocations);
	for (size_t i = 0; i < s->n_revocations; i++) {
		const struct revmon_revocation *r = &s->revocations[i];
		char t[32], lag[96];

		fmt_time(r->revoked_ms, t, sizeof t);
		if (r->enforced_ms) {
			char h[32];

			fmt_duration((double)(r->enforced_ms - r->revoked_ms) / 1000.0, h, sizeof h);
			snprintf(lag, sizeof lag, "enforced after %s (%s)", h,
			         r->cae == 1 ? "CAE" : r->cae == 0 ? "non-CAE" : "?");
		} else {
			snprintf(lag, sizeof lag, "no refusal seen yet");
		}
		fprintf(out, "    %s  %-12s %s  %s\n", t, revmon_cause_name(r->cause), r->user, lag);
	}
	if (s->n_unclassified) {
		/* codes the classification table lacks: for classify=CODE:CLASS */
		fputs("\n  unclassified failure codes (most frequent first):", out);
		for (size_t i = 0; i < s->n_unclassified; i++)
			fprintf(out, " %d x%" PRIu64, (int)s->unclassified[i].code, s->unclassified[i].count);
		fputc('\n', out);
	}
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static const char *kind_name(enum revmon_kind k)
{
	return k == REVMON_COUNTER ? "counter" : "gauge";
}

static void json_families(FILE *out, const revmon_snapshot *s)
{
	for (size_t i = 0; i < s->n_families; i++) {
		const struct revmon_family *f = &s->families[i];

		fprintf(out, "%s{\"index\":%u,\"label\":", i ? "," : "", f->index);
		json_str(out, f->label);
		fputs(",\"app\":", out);
		json_str(out, f->app);
		fputs(",\"platform\":", out);
		json_str(out, f->platform);
		fputs(",\"metrics\":{", out);
		for (size_t k = 0; k < revmon_family_metric_count(); k++) {
			fprintf(out, "%s\"%s\":", k ? "," : "", revmon_family_metric(k)->name);
			family_value(out, revmon_family_metric(k), &f->values[k]);
		}
		fputs("}}", out);
	}
}

static void json_monitor(FILE *out, const revmon_snapshot *s)
{
	char now[32];

	fmt_time(s->now_ms, now, sizeof now);
	fputs("{\"monitor\":", out);
	json_str(out, s->monitor);
	fprintf(out, ",\"simulated\":%s,\"now\":\"%s\",\"now_ms\":%" PRId64 ",\"settle_ms\":%" PRId64
	             ",\"sources\":[",
	        s->simulated ? "true" : "false", now, s->now_ms, s->settle_ms);
	for (size_t i = 0; i < s->n_sources; i++) {
		fprintf(out, "%s{\"name\":", i ? "," : "");
		json_str(out, s->sources[i].name);
		fprintf(out, ",\"up\":%s,\"simulated\":%s,\"error\":", s->sources[i].up ? "true" : "false",
		        s->sources[i].simulated ? "true" : "false");
		if (s->sources[i].error)
			json_str(out, s->sources[i].error);
		else
			fputs("null", out);
		fputc('}', out);
	}
	fputs("],\"metrics\":{", out);
	for (size_t i = 0; i < s->n_values; i++) {
		const struct revmon_metric_desc *d = revmon_metric(i);
		const struct revmon_value *v = &s->values[i];

		fprintf(out, "%s\"%s\":{\"value\":", i ? "," : "", d->name);
		if (!v->known)
			fputs("null", out);
		else if (d->kind == REVMON_COUNTER)
			fprintf(out, "%" PRIu64, v->counter);
		else
			fprintf(out, "%.17g", v->value);
		fprintf(out, ",\"kind\":\"%s\",\"unit\":\"%s\"}", kind_name(d->kind), unit_label(d->unit));
	}
	fputs("},\"stuck_clients\":[", out);
	for (size_t i = 0; i < s->n_stuck; i++) {
		fprintf(out, "%s{\"user\":", i ? "," : "");
		json_str(out, s->stuck[i].user);
		fputs(",\"app\":", out);
		json_str(out, s->stuck[i].app);
		fputs(",\"platform\":", out);
		json_str(out, s->stuck[i].platform);
		fputs(",\"device\":", out);
		json_str(out, s->stuck[i].device);
		fprintf(out, ",\"family\":%u,\"revoked_ms\":%" PRId64 ",\"first_ms\":%" PRId64 ",\"last_ms\":%" PRId64
		             ",\"presentations\":%" PRIu64 "}",
		        s->stuck[i].family, s->stuck[i].revoked_ms, s->stuck[i].first_ms, s->stuck[i].last_ms,
		        s->stuck[i].presentations);
	}
	fprintf(out, "],\"stuck_total\":%zu,\"families\":[", stuck_total(s));
	json_families(out, s);
	fputs("],\"revocations\":[", out);
	for (size_t i = 0; i < s->n_revocations; i++) {
		const struct revmon_revocation *r = &s->revocations[i];

		fprintf(out, "%s{\"user\":", i ? "," : "");
		json_str(out, r->user);
		fprintf(out, ",\"cause\":\"%s\",\"revoked_ms\":%" PRId64 ",\"enforced_ms\":%" PRId64
		             ",\"cae\":%d}",
		        revmon_cause_name(r->cause), r->revoked_ms, r->enforced_ms, r->cae);
	}
	fputs("],\"unclassified_codes\":[", out);
	for (size_t i = 0; i < s->n_unclassified; i++)
		fprintf(out, "%s{\"code\":%d,\"count\":%" PRIu64 "}", i ? "," : "",
		        (int)s->unclassified[i].code, s->unclassified[i].count);
	fputs("]}", out);
}

void render_json(FILE *out, revmon_snapshot *const *snaps, size_t n)
{
	fprintf(out, "{\"version\":\"%s\",\"monitors\":[", revmon_version());
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', out);
		json_monitor(out, snaps[i]);
	}
	fputs("]}\n", out);
}

/* Text for roff: backslashes doubled, a leading dot or quote defused. */
static void roff_text(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

void render_roff_item(FILE *out, const char *name, const char *def, const char *text)
{
	fputs(def ? ".TP\n.BR " : ".TP\n.B ", out);
	roff_text(out, name);
	if (def) {
		fputs(" \" (default ", out);
		roff_text(out, def);
		fputs(")\"", out);
	}
	fputc('\n', out);
	roff_text(out, text);
	fputc('\n', out);
}

/* The registry's table (families: the per-family one, whose SNMP columns
 * are revmonFamilyTable's) as text, Markdown (1) or roff (2). */
void render_registry(FILE *out, int markdown, int families)
{
	size_t n = families ? revmon_family_metric_count() : revmon_metric_count();
	const struct revmon_metric_desc *(*get)(size_t) = families ? revmon_family_metric : revmon_metric;

	if (markdown == 2) {
		for (size_t i = 0; i < n; i++) {
			const struct revmon_metric_desc *d = get(i);
			char head[160];

			snprintf(head, sizeof head, "%s, %s%s%s", kind_name(d->kind),
			         *unit_label(d->unit) ? "unit " : "a count",
			         *unit_label(d->unit) ? unit_label(d->unit) : "",
			         d->kind == REVMON_COUNTER ? "" : ", unknown when there is nothing to describe");
			fputs(".TP\n.B ", out);
			roff_text(out, d->name);
			fputs("\n", out);
			roff_text(out, d->help);
			fputs(" (", out);
			roff_text(out, head);
			fprintf(out, "; SNMP column %u%s", d->snmp_column, families ? " of the family table" : "");
			if (d->snmp_scale > 1)
				fprintf(out, ", scaled by %u", d->snmp_scale);
			fputs("; collectd type ", out);
			roff_text(out, d->collectd_type);
			fputs(")\n", out);
		}
		return;
	}
	if (markdown) {
		fprintf(out, "| %s | kind | unit | definition | SNMP column (scale, units) | collectd type |\n"
		        "|---|---|---|---|---|---|\n", families ? "per-family metric" : "metric");
		for (size_t i = 0; i < n; i++) {
			const struct revmon_metric_desc *d = get(i);

			fprintf(out, "| `%s` | %s | %s | %s | %u (x%u, %s) | `%s` |\n", d->name,
			        kind_name(d->kind), *unit_label(d->unit) ? unit_label(d->unit) : "count",
			        d->help, d->snmp_column, d->snmp_scale, d->snmp_units, d->collectd_type);
		}
		return;
	}
	fprintf(out, "%-28s %-8s %-5s %-4s %-9s %s\n", "name", "kind", "unit", "snmp", "collectd",
	        "definition");
	for (size_t i = 0; i < n; i++) {
		const struct revmon_metric_desc *d = get(i);

		fprintf(out, "%-28s %-8s %-5s %-4u %-9s %s\n", d->name, kind_name(d->kind),
		        unit_label(d->unit), d->snmp_column, d->collectd_type, d->help);
	}
}

/* ---- revmon stuck: every stuck client, for the helpdesk ---- */

static const char *const stuck_columns[] = {"user", "app", "platform", "device", "revoked", "first_refusal",
                                            "last_refusal", "presentations"};
#define N_COLUMNS (sizeof stuck_columns / sizeof stuck_columns[0])

/* The columns of one client as text (times in RFC 3339, UTC). */
struct stuck_row {
	const char *cell[N_COLUMNS];
	char revoked[32], first[32], last[32], count[24];
};

static void stuck_row(const struct revmon_stuck_client *c, struct stuck_row *r)
{
	fmt_time(c->revoked_ms, r->revoked, sizeof r->revoked);
	fmt_time(c->first_ms, r->first, sizeof r->first);
	fmt_time(c->last_ms, r->last, sizeof r->last);
	snprintf(r->count, sizeof r->count, "%" PRIu64, c->presentations);
	r->cell[0] = c->user;
	r->cell[1] = c->app;
	r->cell[2] = c->platform;
	r->cell[3] = c->device;
	r->cell[4] = r->revoked;
	r->cell[5] = r->first;
	r->cell[6] = r->last;
	r->cell[7] = r->count;
}

/* RFC 4180: a field with a comma, a quote or a line break goes in quotes,
 * its quotes doubled. */
static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void stuck_json(FILE *out, revmon_snapshot *const *snaps, size_t n)
{
	int any = 0;

	fputc('[', out);
	for (size_t m = 0; m < n; m++)
		for (size_t i = 0; i < snaps[m]->n_stuck; i++) {
			struct stuck_row r;

			stuck_row(&snaps[m]->stuck[i], &r);
			fputs(any++ ? ",\n  {" : "\n  {", out);
			for (size_t k = 0; k + 1 < N_COLUMNS; k++) {
				fprintf(out, "%s\"%s\":", k ? "," : "", stuck_columns[k]);
				json_str(out, r.cell[k]);
			}
			fprintf(out, ",\"presentations\":%s}", r.count);
		}
	fputs(any ? "\n]\n" : "]\n", out);
}

static void stuck_csv(FILE *out, revmon_snapshot *const *snaps, size_t n)
{
	for (size_t k = 0; k < N_COLUMNS; k++)
		fprintf(out, "%s%s", k ? "," : "", stuck_columns[k]);
	fputs("\r\n", out);
	for (size_t m = 0; m < n; m++)
		for (size_t i = 0; i < snaps[m]->n_stuck; i++) {
			struct stuck_row r;

			stuck_row(&snaps[m]->stuck[i], &r);
			for (size_t k = 0; k < N_COLUMNS; k++) {
				if (k)
					fputc(',', out);
				csv_field(out, r.cell[k]);
			}
			fputs("\r\n", out);
		}
}

static void stuck_table(FILE *out, const revmon_snapshot *s)
{
	size_t width[N_COLUMNS];
	char now[32];

	fmt_time(s->now_ms, now, sizeof now);
	fprintf(out, "monitor %s at %s: %zu client%s stuck on revoked grants%s\n", s->monitor, now, s->n_stuck,
	        s->n_stuck == 1 ? "" : "s",
	        s->simulated ? "  [SIMULATED DATA: built-in tenant simulator, not a real tenant]" : "");
	if (!s->n_stuck)
		return;
	for (size_t k = 0; k < N_COLUMNS; k++)
		width[k] = strlen(stuck_columns[k]);
	for (size_t i = 0; i < s->n_stuck; i++) {
		struct stuck_row r;

		stuck_row(&s->stuck[i], &r);
		for (size_t k = 0; k < N_COLUMNS; k++)
			if (strlen(*r.cell[k] ? r.cell[k] : "-") > width[k])
				width[k] = strlen(*r.cell[k] ? r.cell[k] : "-");
	}
	for (size_t k = 0; k < N_COLUMNS; k++)
		fprintf(out, "%-*s%s", k + 1 < N_COLUMNS ? (int)width[k] : 0, stuck_columns[k],
		        k + 1 < N_COLUMNS ? "  " : "\n");
	for (size_t i = 0; i < s->n_stuck; i++) {
		struct stuck_row r;

		stuck_row(&s->stuck[i], &r);
		for (size_t k = 0; k < N_COLUMNS; k++)
			fprintf(out, "%-*s%s", k + 1 < N_COLUMNS ? (int)width[k] : 0, *r.cell[k] ? r.cell[k] : "-",
			        k + 1 < N_COLUMNS ? "  " : "\n");
	}
}

void render_stuck(FILE *out, revmon_snapshot *const *snaps, size_t n, enum render_format format)
{
	if (format == RENDER_JSON) {
		stuck_json(out, snaps, n);
		return;
	}
	if (format == RENDER_CSV) {
		stuck_csv(out, snaps, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc('\n', out);
		stuck_table(out, snaps[i]);
	}
}
