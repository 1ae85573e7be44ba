/* REVMON-MIB's layout from the registry; see mib_layout.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mib_layout.h"
#include "revmon.h"

static const struct rm_object scalars[] = {
	{"revmonAgentVersion", RM_SCALAR_VERSION, RM_SYN_TEXT, NULL,
	 "Version of revmon-agentx and of the revmon core library it runs.", -1, 0, NULL, 0},
	{"revmonAgentUptime", RM_SCALAR_UPTIME, RM_SYN_TIMETICKS, NULL,
	 "Time since revmon-agentx started, in hundredths of a second.", -1, 0, NULL, 0},
	{"revmonAgentDataAge", RM_SCALAR_DATA_AGE, RM_SYN_GAUGE32, "milliseconds",
	 "Age of the stalest data the agent serves: the largest revmonSourceDataAge "
	 "over all rows, counting a row that has not completed a poll from the start "
	 "of revmon-agentx. 0 when there are no rows.",
	 -1, 0, NULL, 0},
	{"revmonAgentSources", RM_SCALAR_SOURCES, RM_SYN_GAUGE32, "rows",
	 "Number of rows in revmonSourceTable: the configured monitors.", -1, 0, NULL, 0},
};

static const struct rm_object own_columns[] = {
	{"revmonSourceIndex", RM_COL_INDEX, RM_SYN_INDEX, NULL,
	 "Index of the row. Assigned in configuration-file order at start; a "
	 "reload keeps the index of every monitor name that stays and gives new "
	 "names indexes never used before by this process.",
	 -1, 0, NULL, 0},
	{"revmonSourceName", RM_COL_NAME, RM_SYN_NAME, NULL,
	 "Name of the monitor: its [section] in the configuration file.", -1, 0, NULL, 0},
	{"revmonSourceStatus", RM_COL_STATUS, RM_SYN_STATUS, NULL,
	 "up: every source of the monitor answered its last poll; down: at least "
	 "one source failed its last poll (see revmonSourceLastError; the values "
	 "are those ingested so far); starting: opened, no poll completed yet; "
	 "failed: the monitor could not be opened (see revmonSourceLastError), "
	 "retried every poll interval.",
	 -1, 0, NULL, 0},
	{"revmonSourceLastError", RM_COL_LAST_ERROR, RM_SYN_TEXT, NULL,
	 "The error of the first failing source, or why the monitor could not be "
	 "opened; empty when there is none.",
	 -1, 0, NULL, 0},
	{"revmonSourceUnknown", RM_COL_UNKNOWN, RM_SYN_TEXT, NULL,
	 "The columns of this row that have no value now, by their names without "
	 "the revmon prefix (revocationLagP95 for revmonRevocationLagP95), "
	 "separated by spaces in column order; empty when every column has one. A "
	 "gauge with nothing to describe (for example no revocation enforced in "
	 "the lag window) is unknown: it is listed here and its cell has no "
	 "instance, so it is never reported as 0. Counters are always known once a "
	 "poll has completed; before that this reads: no poll completed yet. A list "
	 "longer than 255 octets ends with ... after the last name that fits.",
	 -1, 0, NULL, 0},
	{"revmonSourceSimulated", RM_COL_SIMULATED, RM_SYN_TRUTHVALUE, NULL,
	 "true when any source of the monitor is the built-in simulator: the "
	 "values describe a simulated tenant.",
	 -1, 0, NULL, 0},
	{"revmonSourceDataAge", RM_COL_DATA_AGE, RM_SYN_GAUGE32, "milliseconds",
	 "Time since the row's last poll completed and its values were published. "
	 "No instance before the first poll.",
	 -1, 0, NULL, 0},
	{"revmonSourceValuesTime", RM_COL_VALUES_TIME, RM_SYN_DATEANDTIME, NULL,
	 "The instant (UTC) the values describe: the event time of the newest "
	 "record for replayed files and the simulator, the wall clock for live "
	 "sources. No instance before the first poll.",
	 -1, 0, NULL, 0},
	{"revmonSourceOpened", RM_COL_OPENED, RM_SYN_TIMETICKS, NULL,
	 "Value of revmonAgentUptime when this row's monitor was last opened. Its "
	 "counters started from zero then: a change of this value is a counter "
	 "discontinuity (a reload with a changed configuration re-opens the "
	 "monitor). No instance while the monitor is not open.",
	 -1, 0, NULL, 0},
};

static const struct rm_object family_own_columns[] = {
	{"revmonFamilyIndex", RM_FCOL_INDEX, RM_SYN_INDEX, NULL,
	 "Index of the family within its monitor's breakdown. 1 is the row other, "
	 "which sums the families beyond the monitor's families_max; families get "
	 "2, 3, ... in the order they first show stale activity. A row appears "
	 "once its family shows stale activity and keeps its index (and its "
	 "counters never go back) for as long as the monitor lives: until "
	 "revmonSourceOpened changes.",
	 -1, 0, NULL, 0},
	{"revmonFamilyLabel", RM_FCOL_LABEL, RM_SYN_TEXT, NULL,
	 "Label of the family: its app on its platform, for example Outlook for "
	 "iOS and Android on iOS; other for row 1.",
	 -1, 0, NULL, 0},
	{"revmonFamilyApp", RM_FCOL_APP, RM_SYN_TEXT, NULL,
	 "The family's app as the sign-in logs name it (appDisplayName, or appId "
	 "when they give no name); empty for other.",
	 -1, 0, NULL, 0},
	{"revmonFamilyPlatform", RM_FCOL_PLATFORM, RM_SYN_TEXT, NULL,
	 "The family's platform (iOS, Android, macOS, Windows, ...), however the "
	 "logs spell the operating system; empty when unknown, and for other.",
	 -1, 0, NULL, 0},
};

static const struct rm_object threshold_columns[] = {
	{"revmonThresholdSource", RM_TCOL_SOURCE, RM_SYN_TRUTHVALUE, NULL,
	 "true when the monitor sends revmonMonitorDown and revmonMonitorUp "
	 "(notify_source in the subagent's configuration; on unless set to no).",
	 -1, 0, NULL, 0},
	{"revmonThresholdStuckClients", RM_TCOL_STUCK, RM_SYN_GAUGE32, "clients",
	 "revmonStuckClientsHigh is sent when revmonStaleClients rises above this "
	 "number (notify_stuck_clients). No instance when it is not set: then "
	 "neither stuck-client notification is sent.",
	 -1, 0, NULL, 0},
	{"revmonThresholdStuckClear", RM_TCOL_STUCK_CLEAR, RM_SYN_GAUGE32, "clients",
	 "After revmonStuckClientsHigh, revmonStuckClientsNormal is sent when "
	 "revmonStaleClients is back to this number or below "
	 "(notify_stuck_clients_clear; by default the threshold itself). No "
	 "instance when no threshold is set.",
	 -1, 0, NULL, 0},
	{"revmonThresholdLagP95", RM_TCOL_LAG, RM_SYN_GAUGE32, "seconds",
	 "revmonLagP95High is sent when revmonRevocationLagP95 rises above this "
	 "duration (notify_lag_p95). No instance when it is not set: then neither "
	 "lag notification is sent.",
	 -1, 1000, NULL, 3},
	{"revmonThresholdLagP95Clear", RM_TCOL_LAG_CLEAR, RM_SYN_GAUGE32, "seconds",
	 "After revmonLagP95High, revmonLagP95Normal is sent when "
	 "revmonRevocationLagP95 is back to this duration or below "
	 "(notify_lag_p95_clear; by default the threshold itself). No instance "
	 "when no threshold is set.",
	 -1, 1000, NULL, 3},
};

#define SRC(col) {RM_ARC_TABLE, col, NULL}
#define METRIC(name) {RM_ARC_TABLE, 0, name}
#define THRESHOLD(col) {RM_ARC_THRESHOLD_TABLE, col, NULL}

/* Indexed by enum rm_notify_event. */
static const struct rm_notification notifications[] = {
	{"revmonMonitorDown", 1,
	 "A monitor went down: at least one of its sources failed its poll, or "
	 "the monitor could not be opened (revmonSourceStatus down or failed; "
	 "revmonSourceLastError says why). Sent once when the row leaves up or "
	 "starting, not again while it stays down or failed.",
	 {SRC(RM_COL_STATUS), SRC(RM_COL_LAST_ERROR)}},
	{"revmonMonitorUp", 2,
	 "A monitor that was down or failed is up again: every one of its "
	 "sources answered its last poll.",
	 {SRC(RM_COL_STATUS)}},
	{"revmonStuckClientsHigh", 3,
	 "The number of clients stuck on revoked grants rose above "
	 "revmonThresholdStuckClients. Sent once per crossing; "
	 "revmonStuckClientsNormal follows when it is back to "
	 "revmonThresholdStuckClear or below.",
	 {METRIC(RM_METRIC_STUCK), THRESHOLD(RM_TCOL_STUCK)}},
	{"revmonStuckClientsNormal", 4,
	 "After revmonStuckClientsHigh, the number of stuck clients is back to "
	 "revmonThresholdStuckClear or below.",
	 {METRIC(RM_METRIC_STUCK), THRESHOLD(RM_TCOL_STUCK_CLEAR)}},
	{"revmonLagP95High", 5,
	 "The 95th percentile of the revocation lag rose above "
	 "revmonThresholdLagP95. Sent once per crossing; revmonLagP95Normal "
	 "follows when it is back to revmonThresholdLagP95Clear or below (an "
	 "unknown lag, with no revocation enforced in the lag window, changes "
	 "nothing).",
	 {METRIC(RM_METRIC_LAG), THRESHOLD(RM_TCOL_LAG)}},
	{"revmonLagP95Normal", 6,
	 "After revmonLagP95High, the 95th percentile of the revocation lag is "
	 "back to revmonThresholdLagP95Clear or below.",
	 {METRIC(RM_METRIC_LAG), THRESHOLD(RM_TCOL_LAG_CLEAR)}},
};

const struct rm_notification *rm_notifications(size_t *n)
{
	*n = sizeof notifications / sizeof notifications[0];
	return notifications;
}

unsigned rm_notify_object_column(const struct rm_notify_object *o)
{
	int i;

	if (!o->metric)
		return o->column;
	i = revmon_metric_find(o->metric);
	return i < 0 ? 0 : revmon_metric((size_t)i)->snmp_column;
}

const struct rm_object *rm_threshold_columns(size_t *n)
{
	*n = sizeof threshold_columns / sizeof threshold_columns[0];
	return threshold_columns;
}

void rm_short_name(const char *descriptor, char *buf, size_t len)
{
	const char *p = strncmp(descriptor, "revmon", 6) == 0 ? descriptor + 6 : descriptor;

	snprintf(buf, len, "%s", p);
	if (len && buf[0])
		buf[0] = (char)tolower((unsigned char)buf[0]);
}

unsigned rm_decimals(unsigned scale)
{
	unsigned n = 0;

	while (scale > 1 && scale % 10 == 0) {
		scale /= 10;
		n++;
	}
	return scale == 1 && n <= 9 ? n : 0;
}

const char *rm_display_units(const struct revmon_metric_desc *d, unsigned decimals)
{
	static const char *const words[] = {"", "tenths of ", "hundredths of ", "thousandths of "};
	const char *u = d->snmp_units;

	if (!decimals)
		return u;
	switch (d->unit) {
	case REVMON_UNIT_SECONDS: return "seconds";
	case REVMON_UNIT_PERCENT: return "percent";
	case REVMON_UNIT_RATIO: return NULL; /* a plain number: 1.000 is the baseline */
	default: break;
	}
	/* "hundredths of sign-ins per minute" shown with two decimals */
	if (u && decimals < sizeof words / sizeof words[0] &&
	    strncmp(u, words[decimals], strlen(words[decimals])) == 0)
		return u + strlen(words[decimals]);
	return NULL;
}

/* A table's columns: its own, then one per metric of a registry. */
struct table_spec {
	const char *table;
	const struct rm_object *own;
	size_t n_own;
	size_t (*count)(void);
	const struct revmon_metric_desc *(*metric)(size_t);
	unsigned first_metric;
	void (*descriptor)(const char *, char *, size_t);
};

const struct rm_object *rm_scalars(size_t *n)
{
	*n = sizeof scalars / sizeof scalars[0];
	return scalars;
}

static void descriptor(const char *prefix, const char *metric, char *buf, size_t len)
{
	size_t o = 0;
	int upper = 1;

	o = (size_t)snprintf(buf, len, "%s", prefix);
	for (const char *p = metric; *p && o + 1 < len; p++) {
		if (*p == '_') {
			upper = 1;
			continue;
		}
		buf[o++] = upper ? (char)toupper((unsigned char)*p) : *p;
		upper = 0;
	}
	buf[o < len ? o : len - 1] = '\0';
}

void rm_metric_descriptor(const char *metric, char *buf, size_t len)
{
	descriptor("revmon", metric, buf, len);
}

void rm_family_metric_descriptor(const char *metric, char *buf, size_t len)
{
	descriptor("revmonFamily", metric, buf, len);
}

static int by_arc(const void *a, const void *b)
{
	const struct rm_object *x = a, *y = b;

	return (x->arc > y->arc) - (x->arc < y->arc);
}

/* Sorted columns: no descriptor too long or used twice, no column twice. */
static int check_columns(const struct rm_object *cols, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (strlen(cols[i].name) > RM_DESCRIPTOR_MAX) {
			snprintf(err, errlen, "descriptor %s is longer than %d characters",
			         cols[i].name, RM_DESCRIPTOR_MAX);
			return -1;
		}
		if (i > 0 && cols[i].arc == cols[i - 1].arc) {
			snprintf(err, errlen, "column %u used twice (%s, %s)", cols[i].arc,
			         cols[i - 1].name, cols[i].name);
			return -1;
		}
	}
	return rm_columns_disjoint(cols, n, NULL, 0, err, errlen);
}

static struct rm_object *build_columns(const struct table_spec *t, size_t *n, char *err,
                                       size_t errlen)
{
	size_t nm = t->count();
	struct rm_object *cols = calloc(t->n_own + nm, sizeof *cols);
	int ok = 0;

	if (!cols) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(cols, t->own, t->n_own * sizeof *cols);
	for (size_t i = 0; i < nm; i++) {
		const struct revmon_metric_desc *d = t->metric(i);
		struct rm_object *c = &cols[t->n_own + i];

		if (d->snmp_column < t->first_metric) {
			snprintf(err, errlen, "metric %s: snmp_column %u is reserved in %s (1-%u)",
			         d->name, d->snmp_column, t->table, t->first_metric - 1);
			goto out;
		}
		if (d->kind == REVMON_GAUGE && d->snmp_scale == 0) {
			snprintf(err, errlen, "metric %s: snmp_scale is 0", d->name);
			goto out;
		}
		t->descriptor(d->name, c->name, sizeof c->name);
		c->arc = d->snmp_column;
		c->syntax = d->kind == REVMON_COUNTER ? RM_SYN_COUNTER64 : RM_SYN_GAUGE32;
		c->units = d->snmp_units;
		if (d->kind == REVMON_GAUGE && d->unit == REVMON_UNIT_BOOLEAN) {
			c->syntax = RM_SYN_TRUTHVALUE;
			c->units = NULL;
		} else if (d->kind == REVMON_GAUGE) {
			c->decimals = rm_decimals(d->snmp_scale);
			c->units = rm_display_units(d, c->decimals);
		}
		c->description = d->help;
		c->metric = (int)i;
		c->scale = d->snmp_scale;
		c->desc = d;
	}
	qsort(cols, t->n_own + nm, sizeof *cols, by_arc);
	if (check_columns(cols, t->n_own + nm, err, errlen) < 0)
		goto out;
	*n = t->n_own + nm;
	ok = 1;
out:
	if (!ok) {
		free(cols);
		cols = NULL;
	}
	return cols;
}

struct rm_object *rm_columns(size_t *n, char *err, size_t errlen)
{
	static const struct table_spec source = {
		"revmonSourceTable", own_columns, sizeof own_columns / sizeof own_columns[0],
		revmon_metric_count, revmon_metric, RM_COL_FIRST_METRIC, rm_metric_descriptor};

	return build_columns(&source, n, err, errlen);
}

struct rm_object *rm_family_columns(size_t *n, char *err, size_t errlen)
{
	static const struct table_spec family = {
		"revmonFamilyTable", family_own_columns,
		sizeof family_own_columns / sizeof family_own_columns[0], revmon_family_metric_count,
		revmon_family_metric, RM_FCOL_FIRST_METRIC, rm_family_metric_descriptor};

	return build_columns(&family, n, err, errlen);
}

/* With b == NULL: no descriptor twice within a. */
int rm_columns_disjoint(const struct rm_object *a, size_t na, const struct rm_object *b,
                        size_t nb, char *err, size_t errlen)
{
	for (size_t i = 0; i < na; i++) {
		size_t n = b ? nb : i;
		const struct rm_object *other = b ? b : a;

		for (size_t j = 0; j < n; j++)
			if (strcmp(a[i].name, other[j].name) == 0) {
				snprintf(err, errlen, "descriptor %s used twice", a[i].name);
				return -1;
			}
	}
	return 0;
}

int rm_parse_oid(const char *s, unsigned long *arcs, size_t max)
{
	size_t n = 0;
	const char *p = s;

	if (*p == '.')
		p++;
	while (*p) {
		char *end;
		unsigned long v;

		if (!isdigit((unsigned char)*p) || n == max)
			return -1;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || v > 0xffffffffUL)
			return -1;
		arcs[n++] = v;
		p = end;
		if (*p == '.') {
			p++;
			if (!*p)
				return -1;
		} else if (*p) {
			return -1;
		}
	}
	return n > 1 ? (int)n : -1;
}
