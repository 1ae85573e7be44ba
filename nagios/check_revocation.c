/* check_revocation: a Nagios/Icinga check over librevmon, following the
 * monitoring-plugins development guidelines: exit 0-3, one status line with
 * performance data for every registry metric, long output with -v, ranges
 * on any metric, a timeout that always ends in UNKNOWN, --extra-opts.
 *
 * Each run is a new process: what the monitor knows is kept in a state file
 * between runs, under a lock so that concurrent runs cannot corrupt it.
 * This file holds the help, the timeout and the run; check.h says where
 * the other jobs live. */
#include <signal.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "extra_opts.h"
#include "perfdata.h"

/* ---- the timeout: whatever is slow, the check ends in UNKNOWN ---- */

/* Prepared before each phase so that the signal handler only writes. */
static char timeout_msg[512];
static size_t timeout_len;

static void on_alarm(int sig)
{
	ssize_t w;

	(void)sig;
	w = write(STDOUT_FILENO, timeout_msg, timeout_len);
	(void)w;
	_exit(UNKNOWN);
}

void phase(const struct opts *o, const char *what, ...)
{
	char doing[300];
	va_list ap;
	int n;

	va_start(ap, what);
	vsnprintf(doing, sizeof doing, what, ap);
	va_end(ap);
	n = snprintf(timeout_msg, sizeof timeout_msg,
	             SERVICE " UNKNOWN - timed out after %u s while %s\n", o->timeout, doing);
	timeout_len = n < 0 ? 0 : (size_t)n < sizeof timeout_msg ? (size_t)n : sizeof timeout_msg - 1;
}

/* ---- usage and help ---- */

void print_usage(void)
{
	printf("Usage: %s [-w RANGE|METRIC=RANGE]... [-c RANGE|METRIC=RANGE]... [-t SECONDS]\n"
	       "       [--source SPEC]... [--config FILE [--monitor NAME]] [--set KEY=VALUE]...\n"
	       "       [--state-file PATH | --no-state] [--extra-opts=[SECTION][@FILE]]\n"
	       "       [-v]... [--show-users] [--list-stuck] [--family-perfdata] | -h | -V\n",
	       PROGNAME);
}

void print_help(const struct opts *o)
{
	printf("%s %s (librevmon)\n\n", PROGNAME, revmon_version());
	puts("Checks how long token revocation takes and how many revoked or orphaned tokens\n"
	     "are still in play, from Microsoft Entra ID sign-in and audit logs (or the built-in\n"
	     "tenant simulator, the default when no source is given).\n");
	print_usage();
	puts("\nOptions:\n"
	     " -h, --help              Print this help\n"
	     " -V, --version           Print the version\n"
	     " -w, --warning=RANGE     Warning range for the headline metric (revocation_lag_p95)\n"
	     " -w, --warning=METRIC=RANGE\n"
	     "                         Warning range for any metric below (repeatable); METRIC may\n"
	     "                         drop a prefix when the rest is unique, e.g. lag_p95\n"
	     " -c, --critical=RANGE, --critical=METRIC=RANGE\n"
	     "                         Critical ranges, the same way (checked before warnings)\n"
	     " -t, --timeout=SECONDS   End with UNKNOWN after this long (default 30)\n"
	     " -v, --verbose           Long output: -v the oldest stuck clients (5), the client\n"
	     "                         families with stale activity, what to do, the latest\n"
	     "                         revocations; -vv more of them (20) and the sources and\n"
	     "                         the library's log; -vvv up to 100 and its debug log\n"
	     "     --list-stuck        List every stuck client, one a line, after the status line\n"
	     "                         (for the helpdesk); the exit status is the check's\n"
	     "     --show-users        Name users in the long output (pseudonyms otherwise)\n"
	     "     --family-perfdata   Add perfdata per client family (app on platform):\n"
	     "                         'METRIC@LABEL'=VALUE;;;0 for each family row and each\n"
	     "                         family metric below (counters with unit c), LABEL the\n"
	     "                         family's label with ', =, | replaced by _\n"
	     "     --source=SPEC       A source, of a kind listed below. Repeatable\n"
	     "     --config=FILE       A revmon configuration file (key = value, [name] sections)\n"
	     "     --monitor=NAME      The section of FILE to check when it has several\n"
	     "     --set=KEY=VALUE     Any revmon configuration key (see below). Secrets never go\n"
	     "                         here: they are read from files or the environment\n"
	     "     --state-file=PATH   Where to keep what this check knows between runs (default\n"
	     "                         $REVMON_STATE_DIR or " DEFAULT_STATE_DIR "-UID, one file\n"
	     "                         per configuration)\n"
	     "     --no-state          Start from nothing and keep nothing\n"
	     "     --extra-opts=[SECTION][@FILE]\n"
	     "                         Read options from an ini file section (default section\n"
	     "                         " PROGNAME ")\n"
	     "\n"
	     "Ranges follow the monitoring-plugins guidelines: N alerts outside 0..N, N: below N,\n"
	     "~:N above N, N:M outside N..M, @N:M inside N..M. Unknown values never alert.\n"
	     "A source that is down is CRITICAL.\n");
	printf("Sources (--source=SPEC):\n%s\n", revmon_source_kinds_help());
	puts("Metrics (performance data labels) and default thresholds:");
	for (size_t i = 0; i < revmon_metric_count(); i++) {
		const struct revmon_metric_desc *d = revmon_metric(i);
		const struct threshold *t = &o->th[i];

		printf("  %-27s %-2s", d->name, pd_uom(d));
		if (t->has_warn || t->has_crit)
			printf(" warn %s crit %s", t->has_warn ? t->warn.text : "-",
			       t->has_crit ? t->crit.text : "-");
		printf("\n      %s\n", d->help);
	}
	puts("\nPer-family metrics (--family-perfdata, as METRIC@FAMILY):");
	for (size_t i = 0; i < revmon_family_metric_count(); i++) {
		const struct revmon_metric_desc *d = revmon_family_metric(i);

		printf("  %-27s %-2s\n      %s\n", d->name, pd_uom(d), d->help);
	}
	puts("\nConfiguration keys (--set KEY=VALUE or --config FILE):");
	{
		const char *name, *help, *def;

		for (size_t i = 0; (name = revmon_conf_key(i, &help, &def)); i++)
			printf("  %-24s default %s\n      %s\n", name, *def ? def : "(none)", help);
	}
	puts("\nExamples:\n"
	     "  " PROGNAME "                                  # the simulated tenant\n"
	     "  " PROGNAME " --source file:/var/log/entra -w lag_p95=600 -c stale_clients=20\n"
	     "  " PROGNAME " --source file:/var/log/entra --list-stuck --show-users   # for the helpdesk");
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

/* ---- the run ---- */

static int run(struct opts *o)
{
	char why[600];
	struct logbook lb = {.verbose = o->verbose};
	struct revmon_hooks hooks = {.log = keep_log, .ctx = &lb};
	struct check_state st = {.lockfd = -1};
	struct revmon_poll_result polled;
	struct revmon_error err;
	revmon_conf *c;
	revmon *m = NULL;
	revmon_snapshot *s = NULL;
	int status = UNKNOWN;

	phase(o, "reading the configuration");
	c = build_conf(o, why, sizeof why);
	if (!c)
		return unknown_usage("%s", why);
	m = revmon_open(c, &hooks, &err);
	if (!m) {
		revmon_conf_free(c);
		return unknown_usage("%s", err.msg);
	}
	if (state_open(o, c, m, &st) < 0)
		goto out;
	/* Poll until every source has delivered what it has, leaving time to
	 * report and save within the timeout (80% of it, less half a second);
	 * a poll with a failing source ends it: the check reports that. */
	phase(o, "polling the sources");
	revmon_poll_until_done(m, (int64_t)o->timeout * 800 - 500, 5000, REVMON_POLL_STOP_ON_FAILURE, &polled);
	phase(o, "taking the snapshot");
	s = o->list_stuck ? revmon_snapshot_take_stuck(m, SIZE_MAX) : revmon_snapshot_take(m);
	if (!s) {
		printf(SERVICE " UNKNOWN - out of memory\n");
		goto out;
	}
	if (state_save(o, m, &st) < 0)
		goto out;
	alarm(0);
	status = report(o, s, polled.end == REVMON_POLL_TIMED_OUT, &lb, st.note_shown);
out:
	revmon_snapshot_free(s);
	revmon_close(m);
	revmon_conf_free(c);
	state_close(&st);
	return status;
}

int main(int argc, char **argv)
{
	struct opts o = {.timeout = DEFAULT_TIMEOUT};
	char **args = NULL, **extra = NULL;
	int rc;

	/* Nagios reads stdout only; keep it line-buffered and complete. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	o.th = calloc(revmon_metric_count(), sizeof *o.th);
	if (!o.th) {
		printf(SERVICE " UNKNOWN - out of memory\n");
		return UNKNOWN;
	}
	o.headline = revmon_metric_find("revocation_lag_p95");
	/* entra-facts: more than 5 minutes is a problem, CAE's bound is 15 */
	set_default(&o, "revocation_lag_p95", "300", "900");
	/* warning from one stuck client, critical from ten */
	set_default(&o, "stale_clients", "0", "9");

	args = expand_extra_opts(&argc, argv, &extra);
	if (!args) {
		rc = UNKNOWN;
		goto out;
	}
	rc = parse_args(&o, argc, args);
	if (rc < 0) {
		rc = -rc;
		goto out;
	}
	if (rc != OK)
		goto out;
	signal(SIGALRM, on_alarm);
	phase(&o, "starting");
	alarm(o.timeout);
	rc = run(&o);
out:
	free(args);
	eo_free(extra);
	free(o.sources);
	free(o.sets);
	free(o.th);
	return rc;
}
