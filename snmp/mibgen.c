/* mibgen — print REVMON-MIB from the core's metric registry.
 *
 *   mibgen [--parent MODULE::DESCRIPTOR] [--arc N] [--objects]
 *
 * The checked-in snmp/REVMON-MIB.txt is this program's output with the
 * defaults (a test compares them), so the MIB cannot drift from the registry.
 * --parent/--arc place the module elsewhere (an enterprise number once one
 * is registered); --objects lists "descriptor arcs-below-the-base syntax" for
 * the tests instead of the MIB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mib_layout.h"
#include "revmon.h"

#define LAST_UPDATED "202612011800Z"
#define FAMILY_REVISION "202612010000Z"
#define FIRST_REVISION "202511220000Z"

struct gen {
	FILE *f;
	const char *parent_module;
	const char *parent_name;
	unsigned long arc;
	const struct rm_object *scalars;
	size_t n_scalars;
	struct rm_object *cols;
	size_t n_cols;
	struct rm_object *fcols; /* revmonFamilyTable */
	size_t n_fcols;
	const struct rm_object *tcols; /* revmonThresholdTable */
	size_t n_tcols;
	const struct rm_notification *notes;
	size_t n_notes;
};

/* The TEXTUAL-CONVENTION of a Gauge32 shown with n decimals. */
static const char *tc_name(unsigned n, char *buf, size_t len)
{
	static const char *const names[] = {NULL, "RevmonTenths", "RevmonHundredths",
	                                    "RevmonThousandths"};

	if (n < sizeof names / sizeof names[0])
		return names[n];
	snprintf(buf, len, "RevmonDecimals%u", n);
	return buf;
}

/* The SYNTAX of o; buf holds it if needed. */
static const char *syntax_full(const struct rm_object *o, char *buf, size_t len)
{
	switch (o->syntax) {
	case RM_SYN_INDEX: return "Integer32 (1..2147483647)";
	case RM_SYN_NAME: return "DisplayString (SIZE (1..63))";
	case RM_SYN_TEXT: return "DisplayString (SIZE (0..255))";
	case RM_SYN_STATUS: return "INTEGER { up(1), down(2), starting(3), failed(4) }";
	case RM_SYN_TRUTHVALUE: return "TruthValue";
	case RM_SYN_GAUGE32: return o->decimals ? tc_name(o->decimals, buf, len) : "Gauge32";
	case RM_SYN_COUNTER64: return "Counter64";
	case RM_SYN_TIMETICKS: return "TimeTicks";
	case RM_SYN_DATEANDTIME: return "DateAndTime";
	}
	return "?";
}

/* The type named in the SEQUENCE: no sub-typing there. */
static const char *syntax_base(const struct rm_object *o, char *buf, size_t len)
{
	switch (o->syntax) {
	case RM_SYN_INDEX: return "Integer32";
	case RM_SYN_NAME:
	case RM_SYN_TEXT: return "DisplayString";
	case RM_SYN_STATUS: return "INTEGER";
	default: return syntax_full(o, buf, len);
	}
}

/* DESCRIPTION "text", wrapped at 72 columns. */
static void description(FILE *f, const char *indent, const char *text)
{
	size_t start = strlen(indent) + 5, col = start;
	const char *p = text;

	fprintf(f, "%sDESCRIPTION\n%s    \"", indent, indent);
	while (*p) {
		size_t w = strcspn(p, " ");

		if (col > start && col + 1 + w > 72) {
			fprintf(f, "\n%s     ", indent);
			col = start;
		} else if (col > start) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)w, p);
		col += w;
		p += w;
		p += strspn(p, " ");
	}
	fprintf(f, "\"\n");
}

/* A boolean's help reworded for TruthValue: "1 when X, else 0." becomes
 * "true when X, else false." */
static void truth_text(const char *help, char *buf, size_t len)
{
	size_t n = strlen(help);

	if (strncmp(help, "1 ", 2) == 0 && n > 11 && strcmp(help + n - 9, ", else 0.") == 0)
		snprintf(buf, len, "true %.*s, else false.", (int)(n - 11), help + 2);
	else
		snprintf(buf, len, "%s (true for 1, false for 0)", help);
}

/* DESCRIPTION of a metric column: the registry's help, then how it reads. */
static void metric_text(const struct rm_object *o, int family, char *buf, size_t len)
{
	const struct revmon_metric_desc *d = o->desc;
	const char *known = family ? "" : " (revmonSourceUnknown lists it)";
	const char *what = family ? "per-family metric" : "metric";
	char help[1024], shown[160] = "";

	snprintf(help, sizeof help, "%s", d->help);
	if (o->syntax == RM_SYN_TRUTHVALUE)
		truth_text(d->help, help, sizeof help);
	if (o->decimals && o->units)
		snprintf(shown, sizeof shown, " Shown in %s with %u decimals.", o->units, o->decimals);
	else if (o->decimals)
		snprintf(shown, sizeof shown, " Shown with %u decimals.", o->decimals);
	if (d->kind == REVMON_COUNTER)
		snprintf(buf, len,
		         "%s Counted from zero when the row's monitor was opened (see "
		         "revmonSourceOpened). It is the revmon %s %s.",
		         help, what, d->name);
	else
		snprintf(buf, len, "%s%s No instance while the value is unknown%s. It is the revmon %s %s.",
		         help, shown, known, what, d->name);
}

static void object_type(struct gen *g, const struct rm_object *o, const char *access,
                        const char *parent, int family)
{
	FILE *f = g->f;
	char buf[2048], tc[32];
	const char *text = o->description;

	fprintf(f, "%s OBJECT-TYPE\n", o->name);
	fprintf(f, "    SYNTAX      %s\n", syntax_full(o, tc, sizeof tc));
	if (o->units)
		fprintf(f, "    UNITS       \"%s\"\n", o->units);
	fprintf(f, "    MAX-ACCESS  %s\n", access);
	fprintf(f, "    STATUS      current\n");
	if (o->desc) {
		metric_text(o, family, buf, sizeof buf);
		text = buf;
	}
	description(f, "    ", text);
	fprintf(f, "    ::= { %s %u }\n\n", parent, o->arc);
}

/* An OBJECT-GROUP of the accessible columns of cols: the own ones, the
 * metrics, or both; and the scalars with scalars set. */
static void group(struct gen *g, const char *name, const char *text, unsigned arc,
                  const struct rm_object *cols, size_t n_cols, int own, int metrics, int scalars)
{
	FILE *f = g->f;
	const char *sep = "";

	fprintf(f, "%s OBJECT-GROUP\n    OBJECTS     {", name);
	if (scalars)
		for (size_t i = 0; i < g->n_scalars; i++) {
			fprintf(f, "%s\n                  %s", sep, g->scalars[i].name);
			sep = ",";
		}
	for (size_t i = 0; i < n_cols; i++) {
		const struct rm_object *c = &cols[i];

		if (c->syntax == RM_SYN_INDEX)
			continue;
		if ((!c->desc && own) || (c->desc && metrics)) {
			fprintf(f, "%s\n                  %s", sep, c->name);
			sep = ",";
		}
	}
	fprintf(f, "\n                }\n    STATUS      current\n");
	description(f, "    ", text);
	fprintf(f, "    ::= { revmonGroups %u }\n\n", arc);
}

/* A table, its entry, the entry's SEQUENCE and its columns. */
struct table_text {
	const char *table, *entry, *type; /* descriptors and the SEQUENCE type */
	unsigned arc;                     /* under revmonObjects */
	const char *text, *entry_text, *index;
	int family;
	int augments; /* index names the entry it AUGMENTS */
};

static void table(struct gen *g, const struct table_text *t, const struct rm_object *cols,
                  size_t n)
{
	FILE *f = g->f;
	char tc[32];

	fprintf(f, "%s OBJECT-TYPE\n", t->table);
	fprintf(f, "    SYNTAX      SEQUENCE OF %s\n", t->type);
	fprintf(f, "    MAX-ACCESS  not-accessible\n    STATUS      current\n");
	description(f, "    ", t->text);
	fprintf(f, "    ::= { revmonObjects %u }\n\n", t->arc);
	fprintf(f, "%s OBJECT-TYPE\n", t->entry);
	fprintf(f, "    SYNTAX      %s\n", t->type);
	fprintf(f, "    MAX-ACCESS  not-accessible\n    STATUS      current\n");
	description(f, "    ", t->entry_text);
	fprintf(f, "    %-11s { %s }\n", t->augments ? "AUGMENTS" : "INDEX", t->index);
	fprintf(f, "    ::= { %s %d }\n\n", t->table, RM_ARC_ENTRY);
	fprintf(f, "%s ::= SEQUENCE {", t->type);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n    %-34s %s", i ? "," : "", cols[i].name,
		        syntax_base(&cols[i], tc, sizeof tc));
	fprintf(f, "\n}\n\n");
	for (size_t i = 0; i < n; i++)
		object_type(g, &cols[i], cols[i].syntax == RM_SYN_INDEX ? "not-accessible" : "read-only",
		            t->entry, t->family);
}

/* The TEXTUAL-CONVENTIONs of the decimals any Gauge32 uses, in order. */
static void textual_conventions(struct gen *g)
{
	static const char *const words[] = {"", "tenths", "hundredths", "thousandths"};
	const struct rm_object *sets[] = {g->cols, g->fcols, g->tcols};
	size_t ns[] = {g->n_cols, g->n_fcols, g->n_tcols};
	unsigned used = 0;
	char name[32], text[512], unit[32];

	for (size_t s = 0; s < 3; s++)
		for (size_t i = 0; i < ns[s]; i++)
			if (sets[s][i].syntax == RM_SYN_GAUGE32 && sets[s][i].decimals)
				used |= 1u << sets[s][i].decimals;
	for (unsigned n = 1; n <= 9; n++) {
		unsigned long one = 1;

		if (!(used & (1u << n)))
			continue;
		for (unsigned k = 0; k < n; k++)
			one *= 10;
		if (n < sizeof words / sizeof words[0])
			snprintf(unit, sizeof unit, "%s", words[n]);
		else
			snprintf(unit, sizeof unit, "units of 10^-%u", n);
		snprintf(text, sizeof text,
		         "A number with %u decimals, carried as a whole number of %s: %lu "
		         "is shown as 1.%0*u. The UNITS clause of each object using it names "
		         "the unit of the number shown.",
		         n, unit, one, (int)n, 0);
		fprintf(g->f, "%s ::= TEXTUAL-CONVENTION\n", tc_name(n, name, sizeof name));
		fprintf(g->f, "    DISPLAY-HINT \"d-%u\"\n    STATUS       current\n", n);
		description(g->f, "    ", text);
		fprintf(g->f, "    SYNTAX       Gauge32\n\n");
	}
}

static void print_header(struct gen *g)
{
	FILE *f = g->f;
	int smi_parent = strcmp(g->parent_module, "SNMPv2-SMI") == 0;

	fprintf(f, "REVMON-MIB DEFINITIONS ::= BEGIN\n\n");
	fprintf(f, "-- Generated by snmp/mibgen from the revmon metric registry: do not edit.\n\n");
	fprintf(f, "IMPORTS\n");
	fprintf(f, "    MODULE-IDENTITY, OBJECT-TYPE, NOTIFICATION-TYPE, Integer32,\n");
	fprintf(f, "    Gauge32, Counter64, TimeTicks%s%s\n", smi_parent ? ", " : "",
	        smi_parent ? g->parent_name : "");
	fprintf(f, "        FROM SNMPv2-SMI\n");
	fprintf(f, "    TEXTUAL-CONVENTION, DisplayString, TruthValue, DateAndTime\n"
	           "        FROM SNMPv2-TC\n");
	fprintf(f, "    MODULE-COMPLIANCE, OBJECT-GROUP, NOTIFICATION-GROUP\n"
	           "        FROM SNMPv2-CONF");
	if (!smi_parent)
		fprintf(f, "\n    %s\n        FROM %s", g->parent_name, g->parent_module);
	fprintf(f, ";\n\n");

	fprintf(f, "revmonMIB MODULE-IDENTITY\n");
	fprintf(f, "    LAST-UPDATED \"%s\"\n", LAST_UPDATED);
	fprintf(f, "    ORGANIZATION \"revmon project\"\n");
	fprintf(f, "    CONTACT-INFO \"The revmon project; see its README.\"\n");
	description(f, "    ",
	            "Token revocation monitoring (revocation lag, stale tokens, re-auth "
	            "storms) for Microsoft Entra ID and other OAuth 2.0 identity providers, "
	            "served by the revmon-agentx AgentX subagent. One row of "
	            "revmonSourceTable per configured monitor, and under it one row of "
	            "revmonFamilyTable per client family with stale activity. Counters are "
	            "Counter64; gauges are Gauge32, fractional ones carried as whole numbers "
	            "of milliseconds, hundredths or thousandths and shown with their "
	            "decimals (see RevmonThousandths and each UNITS clause). Notifications "
	            "tell when a monitor goes down or up and when stuck clients or the "
	            "revocation lag cross the thresholds of revmonThresholdTable. The "
	            "default position under netSnmpPlaypen is for experiments only, until "
	            "an enterprise number is registered.");
	fprintf(f, "    REVISION    \"%s\"\n", LAST_UPDATED);
	description(f, "    ", "Added the notifications, revmonThresholdTable and their "
	                       "groups; fractional gauges carry a DISPLAY-HINT, booleans "
	                       "are TruthValue; revmonSourceUnknown (column 5, formerly the "
	                       "revmonSourceKnown bitmap) names the columns without a value.");
	fprintf(f, "    REVISION    \"%s\"\n", FAMILY_REVISION);
	description(f, "    ", "Added revmonFamilyTable, the per-family breakdown, and "
	                       "revmonFamilyGroup.");
	fprintf(f, "    REVISION    \"%s\"\n", FIRST_REVISION);
	description(f, "    ", "First version.");
	fprintf(f, "    ::= { %s %lu }\n\n", g->parent_name, g->arc);

	fprintf(f, "revmonNotifications OBJECT IDENTIFIER ::= { revmonMIB %d }\n",
	        RM_ARC_NOTIFICATIONS);
	fprintf(f, "revmonObjects       OBJECT IDENTIFIER ::= { revmonMIB %d }\n", RM_ARC_OBJECTS);
	fprintf(f, "revmonAgent         OBJECT IDENTIFIER ::= { revmonObjects %d }\n", RM_ARC_AGENT);
	fprintf(f, "revmonConformance   OBJECT IDENTIFIER ::= { revmonMIB %d }\n", RM_ARC_CONFORMANCE);
	fprintf(f, "revmonGroups        OBJECT IDENTIFIER ::= { revmonConformance 1 }\n");
	fprintf(f, "revmonCompliances   OBJECT IDENTIFIER ::= { revmonConformance 2 }\n\n");
	textual_conventions(g);
}

static const struct table_text source_table = {
	"revmonSourceTable", "revmonSourceEntry", "RevmonSourceEntry", RM_ARC_TABLE,
	"One row per configured monitor (a [section] of the subagent's "
	"configuration file), with its status and one column per metric of "
	"the revmon registry.",
	"The status and metrics of one monitor.", "revmonSourceIndex", 0, 0};

static const struct table_text family_table = {
	"revmonFamilyTable", "revmonFamilyEntry", "RevmonFamilyEntry", RM_ARC_FAMILY_TABLE,
	"The per-family breakdown of each monitor: one row per client family (an "
	"app on a platform) that has shown stale activity (a stale token, a stuck "
	"client, a refused presentation of a revoked grant), under its monitor's "
	"row of revmonSourceTable. Rows are never taken back or renumbered while "
	"the monitor lives, so their counters never go back.",
	"The per-family metrics of one client family of one monitor.",
	"revmonSourceIndex, revmonFamilyIndex", 1, 0};

static const struct table_text threshold_table = {
	"revmonThresholdTable", "revmonThresholdEntry", "RevmonThresholdEntry",
	RM_ARC_THRESHOLD_TABLE,
	"The notification settings of each monitor, from the subagent's "
	"configuration file: one row per row of revmonSourceTable.",
	"Which notifications one monitor sends, and at which thresholds.", "revmonSourceEntry",
	0, 1};

/* The descriptor of a notification object (the column of its table). */
static const char *notify_object_name(const struct gen *g, const struct rm_notify_object *o)
{
	const struct rm_object *cols = o->table == RM_ARC_TABLE ? g->cols : g->tcols;
	size_t n = o->table == RM_ARC_TABLE ? g->n_cols : g->n_tcols;
	unsigned col = rm_notify_object_column(o);

	for (size_t i = 0; col && i < n; i++)
		if (cols[i].arc == col)
			return cols[i].name;
	return NULL;
}

/* The NOTIFICATION-TYPEs and their NOTIFICATION-GROUP. */
static int notifications(struct gen *g)
{
	FILE *f = g->f;

	for (size_t i = 0; i < g->n_notes; i++) {
		const struct rm_notification *nt = &g->notes[i];
		char err[256];
		struct rm_object self = {.name = ""};

		snprintf(self.name, sizeof self.name, "%s", nt->name);
		if (rm_columns_disjoint(&self, 1, g->cols, g->n_cols, err, sizeof err) < 0 ||
		    rm_columns_disjoint(&self, 1, g->fcols, g->n_fcols, err, sizeof err) < 0) {
			fprintf(stderr, "mibgen: notification %s\n", err);
			return -1;
		}
		fprintf(f, "%s NOTIFICATION-TYPE\n    OBJECTS     { revmonSourceName", nt->name);
		for (const struct rm_notify_object *o = nt->objects; o->table; o++) {
			const char *name = notify_object_name(g, o);

			if (!name) {
				fprintf(stderr, "mibgen: %s: no column for %s\n", nt->name,
				        o->metric ? o->metric : "an object");
				return -1;
			}
			fprintf(f, ",\n                  %s", name);
		}
		fprintf(f, " }\n    STATUS      current\n");
		description(f, "    ", nt->description);
		fprintf(f, "    ::= { revmonNotifications %u }\n\n", nt->arc);
	}
	return 0;
}

static void notification_group(struct gen *g)
{
	FILE *f = g->f;

	fprintf(f, "revmonNotificationGroup NOTIFICATION-GROUP\n    NOTIFICATIONS {");
	for (size_t i = 0; i < g->n_notes; i++)
		fprintf(f, "%s\n                  %s", i ? "," : "", g->notes[i].name);
	fprintf(f, "\n                }\n    STATUS      current\n");
	description(f, "    ", "The notifications of revmon-agentx: monitors going down and "
	                       "up, stuck clients and revocation lag crossing their thresholds.");
	fprintf(f, "    ::= { revmonGroups 6 }\n\n");
}

static int print_mib(struct gen *g)
{
	FILE *f = g->f;

	for (size_t i = 0; i < g->n_cols + g->n_fcols; i++) {
		const struct rm_object *c = i < g->n_cols ? &g->cols[i] : &g->fcols[i - g->n_cols];

		if (c->desc && strchr(c->description, '"')) {
			fprintf(stderr, "mibgen: help of %s contains a double quote\n", c->name);
			return -1;
		}
	}
	print_header(g);
	if (notifications(g) < 0)
		return -1;
	for (size_t i = 0; i < g->n_scalars; i++)
		object_type(g, &g->scalars[i], "read-only", "revmonAgent", 0);
	table(g, &source_table, g->cols, g->n_cols);
	table(g, &family_table, g->fcols, g->n_fcols);
	table(g, &threshold_table, g->tcols, g->n_tcols);

	group(g, "revmonAgentGroup", "The scalars describing the subagent itself.", 1, NULL, 0, 0,
	      0, 1);
	group(g, "revmonSourceGroup", "The identity and status columns of revmonSourceTable.", 2,
	      g->cols, g->n_cols, 1, 0, 0);
	group(g, "revmonMetricGroup", "The metric columns of revmonSourceTable.", 3, g->cols,
	      g->n_cols, 0, 1, 0);
	group(g, "revmonFamilyGroup", "The columns of revmonFamilyTable: each family's identity "
	      "and its metrics.", 4, g->fcols, g->n_fcols, 1, 1, 0);
	group(g, "revmonThresholdGroup", "The columns of revmonThresholdTable: each monitor's "
	      "notification settings.", 5, g->tcols, g->n_tcols, 1, 0, 0);
	notification_group(g);

	fprintf(f, "revmonCompliance MODULE-COMPLIANCE\n    STATUS      current\n");
	description(f, "    ", "The requirements for an agent implementing REVMON-MIB.");
	fprintf(f, "    MODULE      -- this module\n");
	fprintf(f, "        MANDATORY-GROUPS { revmonAgentGroup, revmonSourceGroup,\n");
	fprintf(f, "                           revmonMetricGroup, revmonFamilyGroup,\n");
	fprintf(f, "                           revmonThresholdGroup, revmonNotificationGroup }\n");
	fprintf(f, "    ::= { revmonCompliances 1 }\n\nEND\n");
	return ferror(f) ? -1 : 0;
}

static void print_columns(struct gen *g, unsigned table, const struct rm_object *cols,
                          size_t n)
{
	char tc[32];

	for (size_t i = 0; i < n; i++)
		fprintf(g->f, "%s %d.%u.%d.%u column %s\n", cols[i].name, RM_ARC_OBJECTS, table,
		        RM_ARC_ENTRY, cols[i].arc, syntax_base(&cols[i], tc, sizeof tc));
}

static void print_objects(struct gen *g)
{
	char tc[32];

	fprintf(g->f, "revmonMIB . mib\n");
	fprintf(g->f, "revmonNotifications %d notifications\n", RM_ARC_NOTIFICATIONS);
	for (size_t i = 0; i < g->n_notes; i++)
		fprintf(g->f, "%s %d.%u notification\n", g->notes[i].name, RM_ARC_NOTIFICATIONS,
		        g->notes[i].arc);
	for (size_t i = 0; i < g->n_scalars; i++)
		fprintf(g->f, "%s %d.%d.%u scalar %s\n", g->scalars[i].name, RM_ARC_OBJECTS,
		        RM_ARC_AGENT, g->scalars[i].arc, syntax_base(&g->scalars[i], tc, sizeof tc));
	fprintf(g->f, "revmonSourceTable %d.%d table\n", RM_ARC_OBJECTS, RM_ARC_TABLE);
	fprintf(g->f, "revmonSourceEntry %d.%d.%d entry\n", RM_ARC_OBJECTS, RM_ARC_TABLE,
	        RM_ARC_ENTRY);
	print_columns(g, RM_ARC_TABLE, g->cols, g->n_cols);
	fprintf(g->f, "revmonFamilyTable %d.%d table\n", RM_ARC_OBJECTS, RM_ARC_FAMILY_TABLE);
	fprintf(g->f, "revmonFamilyEntry %d.%d.%d entry\n", RM_ARC_OBJECTS, RM_ARC_FAMILY_TABLE,
	        RM_ARC_ENTRY);
	print_columns(g, RM_ARC_FAMILY_TABLE, g->fcols, g->n_fcols);
	fprintf(g->f, "revmonThresholdTable %d.%d table\n", RM_ARC_OBJECTS, RM_ARC_THRESHOLD_TABLE);
	fprintf(g->f, "revmonThresholdEntry %d.%d.%d entry\n", RM_ARC_OBJECTS,
	        RM_ARC_THRESHOLD_TABLE, RM_ARC_ENTRY);
	print_columns(g, RM_ARC_THRESHOLD_TABLE, g->tcols, g->n_tcols);
	fprintf(g->f, "revmonAgentGroup %d.1.1 group\n", RM_ARC_CONFORMANCE);
	fprintf(g->f, "revmonSourceGroup %d.1.2 group\n", RM_ARC_CONFORMANCE);
	fprintf(g->f, "revmonMetricGroup %d.1.3 group\n", RM_ARC_CONFORMANCE);
	fprintf(g->f, "revmonFamilyGroup %d.1.4 group\n", RM_ARC_CONFORMANCE);
	fprintf(g->f, "revmonThresholdGroup %d.1.5 group\n", RM_ARC_CONFORMANCE);
	fprintf(g->f, "revmonNotificationGroup %d.1.6 group\n", RM_ARC_CONFORMANCE);
	fprintf(g->f, "revmonCompliance %d.2.1 compliance\n", RM_ARC_CONFORMANCE);
}

static int usage(void)
{
	fprintf(stderr, "usage: mibgen [--parent MODULE::DESCRIPTOR] [--arc N] [--objects]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct gen g = {.f = stdout, .parent_module = "NET-SNMP-MIB",
	                .parent_name = "netSnmpPlaypen", .arc = 1};
	char parent[128], err[256];
	int objects = 0, rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--objects") == 0) {
			objects = 1;
		} else if (strcmp(argv[i], "--parent") == 0 && i + 1 < argc) {
			char *sep;

			snprintf(parent, sizeof parent, "%s", argv[++i]);
			sep = strstr(parent, "::");
			if (!sep || sep == parent || !sep[2])
				return usage();
			*sep = '\0';
			g.parent_module = parent;
			g.parent_name = sep + 2;
		} else if (strcmp(argv[i], "--arc") == 0 && i + 1 < argc) {
			char *end;

			g.arc = strtoul(argv[++i], &end, 10);
			if (*end || end == argv[i])
				return usage();
		} else {
			return usage();
		}
	}
	g.scalars = rm_scalars(&g.n_scalars);
	g.tcols = rm_threshold_columns(&g.n_tcols);
	g.notes = rm_notifications(&g.n_notes);
	g.cols = rm_columns(&g.n_cols, err, sizeof err);
	if (g.cols)
		g.fcols = rm_family_columns(&g.n_fcols, err, sizeof err);
	if (!g.cols || !g.fcols ||
	    rm_columns_disjoint(g.cols, g.n_cols, g.fcols, g.n_fcols, err, sizeof err) < 0) {
		fprintf(stderr, "mibgen: %s\n", err);
		goto out;
	}
	if (objects)
		print_objects(&g);
	else if (print_mib(&g) < 0)
		goto out;
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	free(g.cols);
	free(g.fcols);
	return rc;
}
