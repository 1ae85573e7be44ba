/* The check's usage and help, laid out as monitoring-plugins' own plugins
 * print theirs (version and copyright, what it does, Usage, Options,
 * thresholds, examples, where to read more), every line within 80 columns.
 * The options come from options.def, the source kinds and the metrics from
 * the core's tables, so the help cannot drift from what the check accepts. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "perfdata.h"

#define WIDTH 80

static const struct {
	char letter, is_short;
	const char *name, *arg, *help;
} options[] = {
#define OPT(letter, is_short, name, arg, help) {letter, is_short, name, arg, help},
#include "options.def"
#undef OPT
};

/* Print text (one paragraph, no newline) word-wrapped to WIDTH columns,
 * every line indented by indent spaces; a word longer than a line stays
 * whole. */
static void wrap(const char *text, int indent)
{
	int col = 0, fresh = 1;

	text += strspn(text, " ");
	while (*text) {
		size_t word = strcspn(text, " "), gap = strspn(text + word, " ");

		if (!fresh && col + 1 + (int)word > WIDTH) {
			putchar('\n');
			fresh = 1;
		}
		if (fresh)
			col = printf("%*s", indent, "");
		else
			col += printf(" ");
		col += printf("%.*s", (int)word, text);
		fresh = 0;
		text += word + gap;
	}
	putchar('\n');
}

/* The core's list of source kinds ("  kind" lines, each followed by its
 * help indented further) laid out as the options are: the kind at column 1,
 * its help wrapped at column 4. */
static void print_sources(void)
{
	const char *text = revmon_source_kinds_help();
	char line[1024];

	printf("\nSources (--source=SPEC):\n");
	while (*text) {
		size_t len = strcspn(text, "\n"), lead;

		snprintf(line, sizeof line, "%.*s", (int)len, text);
		lead = strspn(line, " ");
		wrap(line + lead, lead > 2 ? 4 : 1);
		text += len + (text[len] == '\n');
	}
}

/* One metric's line: name, unit and any default thresholds, without
 * trailing blanks. */
static void print_metric(const struct revmon_metric_desc *d, const struct threshold *t)
{
	char line[WIDTH + 40];
	int n = snprintf(line, sizeof line, " %-27s %-2s", d->name, pd_uom(d));

	if (n > 0 && t && (t->has_warn || t->has_crit))
		snprintf(line + n, sizeof line - (size_t)n, " warn %s crit %s",
		         t->has_warn ? t->warn.text : "-", t->has_crit ? t->crit.text : "-");
	for (n = (int)strlen(line); n > 0 && line[n - 1] == ' '; n--)
		line[n - 1] = '\0';
	puts(line);
}

void print_usage(void)
{
	printf("Usage:\n"
	       " %s [-w [METRIC=]RANGE]... [-c [METRIC=]RANGE]... [-t SECONDS]\n"
	       "   [--source SPEC]... [--config FILE [--monitor NAME]] [--set KEY=VALUE]...\n"
	       "   [--state-file PATH | --no-state] [--extra-opts [SECTION][@FILE]]\n"
	       "   [-v]... [--show-users] [--list-stuck] [--family-perfdata]\n"
	       " %s -h | -V\n",
	       PROGNAME, PROGNAME);
}

static void print_options(void)
{
	puts("Options:");
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
		const char *eq = *options[i].arg ? "=" : "";

		if (options[i].is_short)
			printf(" -%c, --%s%s%s\n", options[i].letter, options[i].name, eq, options[i].arg);
		else
			printf(" --%s%s%s\n", options[i].name, eq, options[i].arg);
		wrap(options[i].help, 4);
	}
}

static void print_thresholds(void)
{
	puts("\nThresholds:");
	wrap("RANGE is the monitoring-plugins range syntax, [@]START:END; START is 0"
	     " when left out, ~ is minus infinity, END left out is infinity. A value"
	     " alerts when it lies outside START..END (ends included), or inside"
	     " it with @:", 1);
	puts("   10      alert when < 0 or > 10\n"
	     "   10:     alert when < 10\n"
	     "   ~:10    alert when > 10\n"
	     "   10:20   alert when < 10 or > 20\n"
	     "   @10:20  alert when >= 10 and <= 20");
	wrap("See https://www.monitoring-plugins.org/doc/guidelines.html#THRESHOLDFORMAT"
	     " for the format and examples. An unknown value never alerts; a source"
	     " that is down is CRITICAL.", 1);
}

static void print_metrics(const struct opts *o)
{
	puts("\nMetrics (METRIC=RANGE and the performance data labels), with their unit\n"
	     "and default thresholds; check_revocation(1) says what each one means:");
	for (size_t i = 0; i < revmon_metric_count(); i++)
		print_metric(revmon_metric(i), &o->th[i]);
	puts("\nPer-family metrics (--family-perfdata, as METRIC@FAMILY):");
	for (size_t i = 0; i < revmon_family_metric_count(); i++)
		print_metric(revmon_family_metric(i), NULL);
}

void print_help(const struct opts *o)
{
	printf("%s %s (librevmon)\n", PROGNAME, revmon_version());
	puts("Copyright (c) 2026 the revmon developers\n");
	wrap("This plugin checks how long token revocation takes in Microsoft Entra ID"
	     " (and other OAuth 2.0 identity providers), how many revoked or orphaned"
	     " tokens are still in play and which clients are stuck on revoked grants,"
	     " from the sign-in and audit logs, Microsoft Graph, Log Analytics or an"
	     " active revocation drill; with no source it checks the built-in"
	     " simulated tenant and says so.", 0);
	putchar('\n');
	print_usage();
	putchar('\n');
	print_options();
	print_sources();
	print_thresholds();
	print_metrics(o);
	puts("\nExamples:\n"
	     " " PROGNAME "\n"
	     "    The simulated tenant: every metric, the status line and what to do.\n"
	     " " PROGNAME " --source file:/var/log/entra -w lag_p95=600 \\\n"
	     "   -c stale_clients=20\n"
	     "    Exported logs; WARNING when the revocation lag p95 exceeds 10 minutes,\n"
	     "    CRITICAL from 21 stuck clients.\n"
	     " " PROGNAME " --config /etc/revmon/revmon.conf --monitor contoso \\\n"
	     "   --state-file /var/lib/icinga2/revmon/contoso.state -v\n"
	     "    One monitor of a configuration file, with its own state file and the\n"
	     "    long output.\n"
	     " " PROGNAME " --source file:/var/log/entra --list-stuck --show-users\n"
	     "    Every stuck client by name, for the helpdesk.");
	putchar('\n');
	wrap("Read check_revocation(1), revmon.conf(5) and"
	     " /usr/share/doc/revmon/README.md if you have questions regarding use"
	     " of this software: they describe every option, metric and"
	     " configuration key (revmon keys lists the keys), and the README says"
	     " how the check runs under Nagios and Icinga 2.", 0);
}

int unknown_usage(const char *fmt, ...)
{
	va_list ap;

	printf(SERVICE " UNKNOWN - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	print_usage();
	return UNKNOWN;
}
