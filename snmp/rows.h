/* rows.h — one row of revmonSourceTable: a monitor and the worker thread
 * that polls it.
 *
 * The worker owns the monitor (open, poll, snapshot, close: one monitor per
 * thread, as the core requires) and publishes each snapshot under the row's
 * mutex; the main thread (net-snmp) only reads what was published, so SNMP
 * requests never wait for a poll. */
#ifndef RM_ROWS_H
#define RM_ROWS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "agent_conf.h"
#include "revmon.h"

struct rm_shared {
	atomic_uint generation; /* bumped at every publish: the view is stale */
	int64_t start_ms;       /* monotonic start of the process */
	int wake_fd;            /* written after a publish: wakes the main loop; -1 none */
};

struct rm_row {
	unsigned index;
	revmon_conf *conf; /* owned; never changed while the worker runs */
	const char *name;  /* borrowed from conf */
	struct rm_shared *shared;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Under mu: */
	int stop;
	int interval_ms;
	int budget_ms;
	revmon_snapshot *snap; /* latest published; NULL before the first poll */
	int status;            /* enum rm_status */
	char error[512];    /* served truncated to 255 octets (the column's SIZE) */
	int64_t polled_ms;     /* monotonic time snap was published */
	int64_t opened_ms;     /* monotonic time the monitor opened; -1: not open */
	/* Main thread only: */
	struct rm_notify_conf notify;
	struct rm_notify_state notified;
};

/* Start a row polling rc's configuration; takes ownership of rc->conf (set
 * to NULL) whatever happens. Returns NULL when the thread cannot start. */
struct rm_row *rm_row_start(unsigned index, struct rm_row_conf *rc, struct rm_shared *shared);

/* Change the poll timing of a running row (reload of an unchanged section). */
void rm_row_set_timing(struct rm_row *r, int interval_ms, int budget_ms);

/* Stop the worker (waits for a poll under way: at most its budget), close
 * the monitor and free the row. */
void rm_row_stop(struct rm_row *r);

#endif
