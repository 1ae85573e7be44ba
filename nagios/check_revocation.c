/* check_revocation: a Nagios/Icinga check over librevmon, following the
 * monitoring-plugins development guidelines: exit 0-3, one status line with
 * performance data for every registry metric, long output with -v, ranges
 * on any metric, a timeout that always ends in UNKNOWN, --extra-opts.
 *
 * Each run is a new process: what the monitor knows is kept in a state file
 * between runs, under a lock so that concurrent runs cannot corrupt it.
 * This file holds the timeout and the run; check.h says where the other
 * jobs live. */
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
