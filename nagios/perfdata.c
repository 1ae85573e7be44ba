#include "perfdata.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *pd_uom(const struct revmon_metric_desc *d)
{
	if (d->kind == REVMON_COUNTER)
		return "c";
	switch (d->unit) {
	case REVMON_UNIT_SECONDS: return "s";
	case REVMON_UNIT_PERCENT: return "%";
	default: return "";
	}
}

size_t pd_label(char *out, size_t cap, const char *label)
{
	size_t n = 0;
	int bare = *label != '\0';

	for (const char *p = label; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			bare = 0;
	if (cap == 0)
		return 0;
#define PUT(c) do { if (n + 1 < cap) out[n++] = (c); } while (0)
	if (!bare)
		PUT('\'');
	for (const char *p = label; *p; p++) {
		if (*p == '\'') {
			PUT('\'');
			PUT('\'');
		} else {
			PUT(*p == '=' ? '_' : *p);
		}
	}
	if (!bare)
		PUT('\'');
#undef PUT
	out[n] = '\0';
	return n;
}

/* Shortest decimal that reads back the same to 3 decimals: 12, 12.5, 0.125. */
static void fmt_num(char *out, size_t cap, double v)
{
	char *dot;
	size_t n;

	snprintf(out, cap, "%.3f", v);
	dot = strchr(out, '.');
	if (!dot)
		return;
	n = strlen(out);
	while (n > 0 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
	if (strcmp(out, "-0") == 0)
		snprintf(out, cap, "0");
}

size_t pd_format(char *out, size_t cap, const struct revmon_metric_desc *d,
                 const struct revmon_value *v, const char *warn, const char *crit)
{
	return pd_format_as(out, cap, d->name, d, v, warn, crit);
}

size_t pd_family_label(char *out, size_t cap, const char *metric, const char *family)
{
	int w = snprintf(out, cap, "%s@", metric);
	size_t n;

	if (w < 0 || cap == 0)
		return 0;
	n = (size_t)w < cap ? (size_t)w : cap - 1;
	for (const char *p = family; *p && n + 1 < cap; p++)
		out[n++] = *p == '\'' || *p == '=' || *p == '|' || (unsigned char)*p < 0x20 ? '_' : *p;
	out[n] = '\0';
	return n;
}

size_t pd_format_as(char *out, size_t cap, const char *name, const struct revmon_metric_desc *d,
                    const struct revmon_value *v, const char *warn, const char *crit)
{
	char label[320], value[48], max[8] = "";
	size_t n;
	int w;

	pd_label(label, sizeof label, name);
	if (!v->known)
		snprintf(value, sizeof value, "U");
	else if (d->kind == REVMON_COUNTER)
		snprintf(value, sizeof value, "%" PRIu64, v->counter);
	else
		fmt_num(value, sizeof value, v->value);
	if (d->unit == REVMON_UNIT_PERCENT)
		snprintf(max, sizeof max, "100");
	else if (d->unit == REVMON_UNIT_BOOLEAN)
		snprintf(max, sizeof max, "1");
	w = snprintf(out, cap, "%s=%s%s;%s;%s;0;%s", label, value, v->known ? pd_uom(d) : "",
	             warn ? warn : "", crit ? crit : "", max);
	if (w < 0)
		return 0;
	n = (size_t)w < cap ? (size_t)w : (cap ? cap - 1 : 0);
	/* drop trailing empty fields: 'x'=1;;;0; -> 'x'=1;;;0 */
	while (n > 0 && out[n - 1] == ';')
		out[--n] = '\0';
	return n;
}
