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
	 "Version of revmon-agentx and of the revmon core library it runs.", -1, 0},
	{"revmonAgentUptime", RM_SCALAR_UPTIME, RM_SYN_TIMETICKS, NULL,
	 "Time since revmon-agentx started, in hundredths of a second.", -1, 0},
	{"revmonAgentDataAge", RM_SCALAR_DATA_AGE, RM_SYN_GAUGE32, "milliseconds",
	 "Age of the stalest data the agent serves: the largest revmonSourceDataAge "
	 "over all rows, counting a row that has not completed a poll from the start "
	 "of revmon-agentx. 0 when there are no rows.",
	 -1, 0},
	{"revmonAgentSources", RM_SCALAR_SOURCES, RM_SYN_GAUGE32, "rows",
	 "Number of rows in revmonSourceTable: the configured monitors.", -1, 0},
};

static const struct rm_object own_columns[] = {
	{"revmonSourceIndex", RM_COL_INDEX, RM_SYN_INDEX, NULL,
	 "Index of the row. Assigned in configuration-file order at start; a "
	 "reload keeps the index of every monitor name that stays and gives new "
	 "names indexes never used before by this process.",
	 -1, 0},
	{"revmonSourceName", RM_COL_NAME, RM_SYN_NAME, NULL,
	 "Name of the monitor: its [section] in the configuration file.", -1, 0},
	{"revmonSourceStatus", RM_COL_STATUS, RM_SYN_STATUS, NULL,
	 "up: every source of the monitor answered its last poll; down: at least "
	 "one source failed its last poll (see revmonSourceLastError; the values "
	 "are those ingested so far); starting: opened, no poll completed yet; "
	 "failed: the monitor could not be opened (see revmonSourceLastError), "
	 "retried every poll interval.",
	 -1, 0},
	{"revmonSourceLastError", RM_COL_LAST_ERROR, RM_SYN_TEXT, NULL,
	 "The error of the first failing source, or why the monitor could not be "
	 "opened; empty when there is none.",
	 -1, 0},
	{"revmonSourceKnown", RM_COL_KNOWN, RM_SYN_BITMAP, NULL,
	 "Which columns of this row have an instance. Bit n, counting from the "
	 "most significant bit of the first octet as bit 0 (as for BITS), is 1 "
	 "when column n of this row holds a value. A gauge with nothing to "
	 "describe (for example no revocation enforced in the lag window) is "
	 "unknown: its bit is 0 and the cell has no instance, so it is never "
	 "reported as 0. Counters are always known once a poll has completed.",
	 -1, 0},
	{"revmonSourceSimulated", RM_COL_SIMULATED, RM_SYN_TRUTHVALUE, NULL,
	 "true when any source of the monitor is the built-in simulator: the "
	 "values describe a simulated tenant.",
	 -1, 0},
	{"revmonSourceDataAge", RM_COL_DATA_AGE, RM_SYN_GAUGE32, "milliseconds",
	 "Time since the row's last poll completed and its values were published. "
	 "No instance before the first poll.",
	 -1, 0},
	{"revmonSourceValuesTime", RM_COL_VALUES_TIME, RM_SYN_DATEANDTIME, NULL,
	 "The instant (UTC) the values describe: the event time of the newest "
	 "record for replayed files and the simulator, the wall clock for live "
	 "sources. No instance before the first poll.",
	 -1, 0},
	{"revmonSourceOpened", RM_COL_OPENED, RM_SYN_TIMETICKS, NULL,
	 "Value of revmonAgentUptime when this row's monitor was last opened. Its "
	 "counters started from zero then: a change of this value is a counter "
	 "discontinuity (a reload with a changed configuration re-opens the "
	 "monitor). No instance while the monitor is not open.",
	 -1, 0},
};

const struct rm_object *rm_scalars(size_t *n)
{
	*n = sizeof scalars / sizeof scalars[0];
	return scalars;
}

void rm_metric_descriptor(const char *metric, char *buf, size_t len)
{
	size_t o = 0;
	int upper = 1;

	o = (size_t)snprintf(buf, len, "revmon");
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

static int by_arc(const void *a, const void *b)
{
	const struct rm_object *x = a, *y = b;

	return (x->arc > y->arc) - (x->arc < y->arc);
}

struct rm_object *rm_columns(size_t *n, char *err, size_t errlen)
{
	size_t own = sizeof own_columns / sizeof own_columns[0];
	size_t nm = revmon_metric_count();
	struct rm_object *cols = calloc(own + nm, sizeof *cols);
	int ok = 0;

	if (!cols) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(cols, own_columns, sizeof own_columns);
	for (size_t i = 0; i < nm; i++) {
		const struct revmon_metric_desc *d = revmon_metric(i);
		struct rm_object *c = &cols[own + i];

		if (d->snmp_column < RM_COL_FIRST_METRIC) {
			snprintf(err, errlen, "metric %s: snmp_column %u is reserved (1-9)", d->name,
			         d->snmp_column);
			goto out;
		}
		if (d->kind == REVMON_GAUGE && d->snmp_scale == 0) {
			snprintf(err, errlen, "metric %s: snmp_scale is 0", d->name);
			goto out;
		}
		rm_metric_descriptor(d->name, c->name, sizeof c->name);
		c->arc = d->snmp_column;
		c->syntax = d->kind == REVMON_COUNTER ? RM_SYN_COUNTER64 : RM_SYN_GAUGE32;
		c->units = d->snmp_units;
		c->description = d->help;
		c->metric = (int)i;
		c->scale = d->snmp_scale;
	}
	qsort(cols, own + nm, sizeof *cols, by_arc);
	for (size_t i = 0; i < own + nm; i++) {
		if (strlen(cols[i].name) > RM_DESCRIPTOR_MAX) {
			snprintf(err, errlen, "descriptor %s is longer than %d characters",
			         cols[i].name, RM_DESCRIPTOR_MAX);
			goto out;
		}
		if (i > 0 && cols[i].arc == cols[i - 1].arc) {
			snprintf(err, errlen, "column %u used twice (%s, %s)", cols[i].arc,
			         cols[i - 1].name, cols[i].name);
			goto out;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(cols[i].name, cols[j].name) == 0) {
				snprintf(err, errlen, "descriptor %s used twice", cols[i].name);
				goto out;
			}
	}
	*n = own + nm;
	ok = 1;
out:
	if (!ok) {
		free(cols);
		cols = NULL;
	}
	return cols;
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
