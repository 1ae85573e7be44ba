/* Poll until every source is done or the time is spent: the loop that the
 * check and the CLI each used to write. The timing lives here, on the core's
 * one monotonic clock, so hosts need no clock of their own for it. */
#include "monitor.h"
#include "revmon.h"
#include "util/util.h"

int64_t revmon_monotonic_ms(void)
{
	return rm_monotonic_ms();
}

enum revmon_poll_end revmon_poll_until_done(revmon *m, int64_t timeout_ms, int slice_ms, unsigned flags,
                                            struct revmon_poll_result *res)
{
	struct revmon_poll_result r = {0};
	int64_t deadline = rm_monotonic_ms() + timeout_ms;

	if (slice_ms < 1)
		slice_ms = 1;
	r.end = REVMON_POLL_TIMED_OUT;
	/* No sleep here: revmon_poll waits inside its budget when a source has
	 * nothing yet, so an early return is work done, not a reason to spin
	 * idle. Each poll is clamped to what is left, so the loop ends within
	 * one slice of the deadline. */
	for (;;) {
		int64_t left = deadline - rm_monotonic_ms();
		int failed;

		if (left <= 0)
			break;
		rm_monitor_last_poll(m, left <= slice_ms);
		failed = revmon_poll(m, left > slice_ms ? slice_ms : (int)left);
		r.polls++;
		r.last_failed = failed;
		if (failed)
			r.failed_polls++;
		/* a failure the host asked to hear about outranks being done */
		if (failed && (flags & REVMON_POLL_STOP_ON_FAILURE)) {
			r.end = REVMON_POLL_FAILED;
			break;
		}
		if (revmon_done(m)) {
			r.end = REVMON_POLL_DONE;
			break;
		}
	}
	rm_monitor_last_poll(m, 0);
	if (res)
		*res = r;
	return r.end;
}
