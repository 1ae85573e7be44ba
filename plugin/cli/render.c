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
	if (!verbose)
		return;
	fprintf(out, "\n  stuck clients (oldest revocation first): %zu\n", s->n_stuck);
	for (size_t i = 0; i < s->n_stuck; i++) {
		char r[32], l[32];

		fmt_time(s->stuck[i].revoked_ms, r, sizeof r);
		fmt_time(s->stuck[i].last_ms, l, sizeof l);
		fprintf(out, "    %s  app=%s device=%s revoked=%s last=%s presentations=%" PRIu64 "\n",
		        s->stuck[i].user, s->stuck[i].app,
		        s->stuck[i].device[0] ? s->stuck[i].device : "-", r, l,
		        s->stuck[i].presentations);
	}
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
		fputs(",\"device\":", out);
		json_str(out, s->stuck[i].device);
		fprintf(out, ",\"revoked_ms\":%" PRId64 ",\"last_ms\":%" PRId64 ",\"presentations\":%" PRIu64 "}",
		        s->stuck[i].revoked_ms, s->stuck[i].last_ms, s->stuck[i].presentations);
	}
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

void render_registry(FILE *out, int markdown)
{
	if (markdown == 2) {
		for (size_t i = 0; i < revmon_metric_count(); i++) {
			const struct revmon_metric_desc *d = revmon_metric(i);
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
			fprintf(out, "; SNMP column %u", d->snmp_column);
			if (d->snmp_scale > 1)
				fprintf(out, ", scaled by %u", d->snmp_scale);
			fputs("; collectd type ", out);
			roff_text(out, d->collectd_type);
			fputs(")\n", out);
		}
		return;
	}
	if (markdown) {
		fputs("| metric | kind | unit | definition | SNMP column (scale, units) | collectd type |\n"
		      "|---|---|---|---|---|---|\n", out);
		for (size_t i = 0; i < revmon_metric_count(); i++) {
			const struct revmon_metric_desc *d = revmon_metric(i);

			fprintf(out, "| `%s` | %s | %s | %s | %u (x%u, %s) | `%s` |\n", d->name,
			        kind_name(d->kind), *unit_label(d->unit) ? unit_label(d->unit) : "count",
			        d->help, d->snmp_column, d->snmp_scale, d->snmp_units, d->collectd_type);
		}
		return;
	}
	fprintf(out, "%-28s %-8s %-5s %-4s %-9s %s\n", "name", "kind", "unit", "snmp", "collectd",
	        "definition");
	for (size_t i = 0; i < revmon_metric_count(); i++) {
		const struct revmon_metric_desc *d = revmon_metric(i);

		fprintf(out, "%-28s %-8s %-5s %-4u %-9s %s\n", d->name, kind_name(d->kind),
		        unit_label(d->unit), d->snmp_column, d->collectd_type, d->help);
	}
}
