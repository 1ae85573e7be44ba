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

#define LAST_UPDATED "202612010000Z"
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
};

static const char *syntax_full(enum rm_syntax s)
{
	switch (s) {
	case RM_SYN_INDEX: return "Integer32 (1..2147483647)";
	case RM_SYN_NAME: return "DisplayString (SIZE (1..63))";
	case RM_SYN_TEXT: return "DisplayString (SIZE (0..255))";
	case RM_SYN_STATUS: return "INTEGER { up(1), down(2), starting(3), failed(4) }";
	case RM_SYN_BITMAP: return "OCTET STRING (SIZE (0..32))";
	case RM_SYN_TRUTHVALUE: return "TruthValue";
	case RM_SYN_GAUGE32: return "Gauge32";
	case RM_SYN_COUNTER64: return "Counter64";
	case RM_SYN_TIMETICKS: return "TimeTicks";
	case RM_SYN_DATEANDTIME: return "DateAndTime";
	}
	return "?";
}

/* The type named in the SEQUENCE: no sub-typing there. */
static const char *syntax_base(enum rm_syntax s)
{
	switch (s) {
	case RM_SYN_INDEX: return "Integer32";
	case RM_SYN_NAME:
	case RM_SYN_TEXT: return "DisplayString";
	case RM_SYN_STATUS: return "INTEGER";
	case RM_SYN_BITMAP: return "OCTET STRING";
	default: return syntax_full(s);
	}
}

static const char *unit_words(enum revmon_unit u)
{
	switch (u) {
	case REVMON_UNIT_COUNT: return "a count";
	case REVMON_UNIT_SECONDS: return "seconds";
	case REVMON_UNIT_PERCENT: return "percent";
	case REVMON_UNIT_PER_MINUTE: return "a rate per minute";
	case REVMON_UNIT_RATIO: return "a ratio (1.0 = baseline)";
	case REVMON_UNIT_BOOLEAN: return "0 or 1";
	}
	return "?";
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

/* DESCRIPTION of a metric column: the registry's help and how it is served. */
static void metric_text(const struct rm_object *o, int family, char *buf, size_t len)
{
	const struct revmon_metric_desc *d = o->desc;
	const char *known = family ? "" : " (see revmonSourceKnown)";
	const char *what = family ? "Per-family metric" : "Metric";

	if (d->kind == REVMON_COUNTER)
		snprintf(buf, len,
		         "%s Cumulative since the row's monitor was opened (see "
		         "revmonSourceOpened). %s %s of the revmon registry.",
		         d->help, what, d->name);
	else
		snprintf(buf, len,
		         "%s Reported as round(value x %u) where the value is in %s. "
		         "No instance while the gauge is unknown%s. %s %s of the revmon registry.",
		         d->help, d->snmp_scale, unit_words(d->unit), known, what, d->name);
}

static void object_type(struct gen *g, const struct rm_object *o, const char *access,
                        const char *parent, int family)
{
	FILE *f = g->f;
	char buf[2048];
	const char *text = o->description;

	fprintf(f, "%s OBJECT-TYPE\n", o->name);
	fprintf(f, "    SYNTAX      %s\n", syntax_full(o->syntax));
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
};

static void table(struct gen *g, const struct table_text *t, const struct rm_object *cols,
                  size_t n)
{
	FILE *f = g->f;

	fprintf(f, "%s OBJECT-TYPE\n", t->table);
	fprintf(f, "    SYNTAX      SEQUENCE OF %s\n", t->type);
	fprintf(f, "    MAX-ACCESS  not-accessible\n    STATUS      current\n");
	description(f, "    ", t->text);
	fprintf(f, "    ::= { revmonObjects %u }\n\n", t->arc);
	fprintf(f, "%s OBJECT-TYPE\n", t->entry);
	fprintf(f, "    SYNTAX      %s\n", t->type);
	fprintf(f, "    MAX-ACCESS  not-accessible\n    STATUS      current\n");
	description(f, "    ", t->entry_text);
	fprintf(f, "    INDEX       { %s }\n", t->index);
	fprintf(f, "    ::= { %s %d }\n\n", t->table, RM_ARC_ENTRY);
	fprintf(f, "%s ::= SEQUENCE {", t->type);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n    %-34s %s", i ? "," : "", cols[i].name, syntax_base(cols[i].syntax));
	fprintf(f, "\n}\n\n");
	for (size_t i = 0; i < n; i++)
		object_type(g, &cols[i], cols[i].syntax == RM_SYN_INDEX ? "not-accessible" : "read-only",
		            t->entry, t->family);
}

static void print_header(struct gen *g)
{
	FILE *f = g->f;
	int smi_parent = strcmp(g->parent_module, "SNMPv2-SMI") == 0;

	fprintf(f, "REVMON-MIB DEFINITIONS ::= BEGIN\n\n");
	fprintf(f, "-- Generated by snmp/mibgen from the revmon metric registry: do not edit.\n\n");
	fprintf(f, "IMPORTS\n");
	fprintf(f, "    MODULE-IDENTITY, OBJECT-TYPE, Integer32, Gauge32, Counter64,\n");
	fprintf(f, "    TimeTicks%s%s\n", smi_parent ? ", " : "", smi_parent ? g->parent_name : "");
	fprintf(f, "        FROM SNMPv2-SMI\n");
	fprintf(f, "    DisplayString, TruthValue, DateAndTime\n        FROM SNMPv2-TC\n");
	fprintf(f, "    MODULE-COMPLIANCE, OBJECT-GROUP\n        FROM SNMPv2-CONF");
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
	            "Counter64, gauges Gauge32 scaled to integers (durations in milliseconds, "
	            "percentages in hundredths, ratios in thousandths, rates in hundredths "
	            "per minute; see each UNITS clause). The default position under "
	            "netSnmpPlaypen is for experiments only, until an enterprise number "
	            "is registered.");
	fprintf(f, "    REVISION    \"%s\"\n", LAST_UPDATED);
	description(f, "    ", "Added revmonFamilyTable, the per-family breakdown, and "
	                       "revmonFamilyGroup.");
	fprintf(f, "    REVISION    \"%s\"\n", FIRST_REVISION);
	description(f, "    ", "First version.");
	fprintf(f, "    ::= { %s %lu }\n\n", g->parent_name, g->arc);

	fprintf(f, "revmonObjects     OBJECT IDENTIFIER ::= { revmonMIB %d }\n", RM_ARC_OBJECTS);
	fprintf(f, "revmonAgent       OBJECT IDENTIFIER ::= { revmonObjects %d }\n", RM_ARC_AGENT);
	fprintf(f, "revmonConformance OBJECT IDENTIFIER ::= { revmonMIB %d }\n", RM_ARC_CONFORMANCE);
	fprintf(f, "revmonGroups      OBJECT IDENTIFIER ::= { revmonConformance 1 }\n");
	fprintf(f, "revmonCompliances OBJECT IDENTIFIER ::= { revmonConformance 2 }\n\n");
}

static const struct table_text source_table = {
	"revmonSourceTable", "revmonSourceEntry", "RevmonSourceEntry", RM_ARC_TABLE,
	"One row per configured monitor (a [section] of the subagent's "
	"configuration file), with its status and one column per metric of "
	"the revmon registry.",
	"The status and metrics of one monitor.", "revmonSourceIndex", 0};

static const struct table_text family_table = {
	"revmonFamilyTable", "revmonFamilyEntry", "RevmonFamilyEntry", RM_ARC_FAMILY_TABLE,
	"The per-family breakdown of each monitor: one row per client family (an "
	"app on a platform) that has shown stale activity (a stale token, a stuck "
	"client, a refused presentation of a revoked grant), under its monitor's "
	"row of revmonSourceTable. Rows are never taken back or renumbered while "
	"the monitor lives, so their counters never go back.",
	"The per-family metrics of one client family of one monitor.",
	"revmonSourceIndex, revmonFamilyIndex", 1};

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
	for (size_t i = 0; i < g->n_scalars; i++)
		object_type(g, &g->scalars[i], "read-only", "revmonAgent", 0);
	table(g, &source_table, g->cols, g->n_cols);
	table(g, &family_table, g->fcols, g->n_fcols);

	group(g, "revmonAgentGroup", "The scalars describing the subagent itself.", 1, NULL, 0, 0,
	      0, 1);
	group(g, "revmonSourceGroup", "The identity and status columns of revmonSourceTable.", 2,
	      g->cols, g->n_cols, 1, 0, 0);
	group(g, "revmonMetricGroup", "The metric columns of revmonSourceTable.", 3, g->cols,
	      g->n_cols, 0, 1, 0);
	group(g, "revmonFamilyGroup", "The columns of revmonFamilyTable: each family's identity "
	      "and its metrics.", 4, g->fcols, g->n_fcols, 1, 1, 0);

	fprintf(f, "revmonCompliance MODULE-COMPLIANCE\n    STATUS      current\n");
	description(f, "    ", "The requirements for an agent implementing REVMON-MIB.");
	fprintf(f, "    MODULE      -- this module\n");
	fprintf(f, "        MANDATORY-GROUPS { revmonAgentGroup, revmonSourceGroup,\n");
	fprintf(f, "                           revmonMetricGroup, revmonFamilyGroup }\n");
	fprintf(f, "    ::= { revmonCompliances 1 }\n\nEND\n");
	return ferror(f) ? -1 : 0;
}

static void print_columns(struct gen *g, unsigned table, const struct rm_object *cols,
                          size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(g->f, "%s %d.%u.%d.%u column %s\n", cols[i].name, RM_ARC_OBJECTS, table,
		        RM_ARC_ENTRY, cols[i].arc, syntax_base(cols[i].syntax));
}

static void print_objects(struct gen *g)
{
	fprintf(g->f, "revmonMIB . mib\n");
	for (size_t i = 0; i < g->n_scalars; i++)
		fprintf(g->f, "%s %d.%d.%u scalar %s\n", g->scalars[i].name, RM_ARC_OBJECTS,
		        RM_ARC_AGENT, g->scalars[i].arc, syntax_base(g->scalars[i].syntax));
	fprintf(g->f, "revmonSourceTable %d.%d table\n", RM_ARC_OBJECTS, RM_ARC_TABLE);
	fprintf(g->f, "revmonSourceEntry %d.%d.%d entry\n", RM_ARC_OBJECTS, RM_ARC_TABLE,
	        RM_ARC_ENTRY);
	print_columns(g, RM_ARC_TABLE, g->cols, g->n_cols);
	fprintf(g->f, "revmonFamilyTable %d.%d table\n", RM_ARC_OBJECTS, RM_ARC_FAMILY_TABLE);
	fprintf(g->f, "revmonFamilyEntry %d.%d.%d entry\n", RM_ARC_OBJECTS, RM_ARC_FAMILY_TABLE,
	        RM_ARC_ENTRY);
	print_columns(g, RM_ARC_FAMILY_TABLE, g->fcols, g->n_fcols);
	fprintf(g->f, "revmonAgentGroup %d.1.1 group\n", RM_ARC_CONFORMANCE);
	fprintf(g->f, "revmonSourceGroup %d.1.2 group\n", RM_ARC_CONFORMANCE);
	fprintf(g->f, "revmonMetricGroup %d.1.3 group\n", RM_ARC_CONFORMANCE);
	fprintf(g->f, "revmonFamilyGroup %d.1.4 group\n", RM_ARC_CONFORMANCE);
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
