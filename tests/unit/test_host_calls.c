/* The calls hosts share instead of writing them each: --set KEY=VALUE
 * (revmon_conf_set_arg) and "poll until done or out of time"
 * (revmon_poll_until_done) on the core's clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "fixtures.h"
#include "revmon.h"
#include "scratch.h"

static char dir[64];

static void set_arg_splits_at_the_first_equals(void **state)
{
	struct revmon_error err;
	revmon_conf *c = revmon_conf_new("args", &err);
	char longkey[200];

	(void)state;
	assert_non_null(c);
	assert_int_equal(revmon_conf_set_arg(c, "window=600", &err), 0);
	assert_int_equal(revmon_conf_set_arg(c, "source=file:/tmp/a=b", &err), 0);
	assert_int_equal(revmon_conf_set_arg(c, "window", &err), -1);
	assert_string_equal(err.msg, "window: expected KEY=VALUE");
	assert_int_equal(revmon_conf_set_arg(c, "=600", &err), -1);
	assert_string_equal(err.msg, "=600: expected KEY=VALUE");
	memset(longkey, 'k', sizeof longkey);
	snprintf(longkey + 150, sizeof longkey - 150, "=1");
	assert_int_equal(revmon_conf_set_arg(c, longkey, &err), -1);
	assert_int_equal(revmon_conf_set_arg(c, "windwo=5", &err), -2);
	assert_string_equal(err.msg, "windwo: unknown configuration key");
	assert_int_equal(revmon_conf_set_arg(c, "window=soon", &err), -2);
	assert_non_null(strstr(err.msg, "window"));
	revmon_conf_free(c);
}

static revmon *open_file(const char *path)
{
	struct revmon_error err;
	revmon_conf *c = revmon_conf_new("poll", &err);
	char spec[4200];
	revmon *m;

	assert_non_null(c);
	snprintf(spec, sizeof spec, "file:%s", path);
	assert_int_equal(revmon_conf_set(c, "source", spec, &err), 0);
	m = revmon_open(c, NULL, &err);
	if (!m)
		fail_msg("%s", err.msg);
	revmon_conf_free(c);
	return m;
}

static void a_file_is_read_to_its_end(void **state)
{
	char path[4200];
	struct revmon_poll_result res;
	revmon *m;

	(void)state;
	snprintf(path, sizeof path, "%s/nagios/ok.ndjson", fixtures_dir());
	m = open_file(path);
	assert_int_equal(revmon_poll_until_done(m, 30000, 1000, 0, &res), REVMON_POLL_DONE);
	assert_int_equal(res.end, REVMON_POLL_DONE);
	assert_true(res.polls >= 1);
	assert_int_equal(res.failed_polls, 0);
	assert_int_equal(res.last_failed, 0);
	assert_true(revmon_done(m));
	revmon_close(m);
}

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

/* A FIFO nobody writes to: the time runs out, within a slice of the
 * timeout, and the wait is not a busy loop. */
static void a_silent_source_times_out_on_time(void **state)
{
	char fifo[128];
	struct revmon_poll_result res;
	int64_t t0;
	double c0, wall, cpu;
	revmon *m;

	(void)state;
	snprintf(fifo, sizeof fifo, "%s/silent.fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	m = open_file(fifo);
	t0 = revmon_monotonic_ms();
	c0 = cpu_ms();
	assert_int_equal(revmon_poll_until_done(m, 600, 200, REVMON_POLL_STOP_ON_FAILURE, &res),
	                 REVMON_POLL_TIMED_OUT);
	wall = (double)(revmon_monotonic_ms() - t0);
	cpu = cpu_ms() - c0;
	assert_true(wall >= 590 && wall <= 600 + 200 + 100);
	assert_true(res.polls >= 1);
	assert_int_equal(res.failed_polls, 0);
	if (!getenv("REVMON_VALGRIND"))
		assert_true(cpu < wall / 2);
	/* no time at all: no poll */
	assert_int_equal(revmon_poll_until_done(m, 0, 200, 0, &res), REVMON_POLL_TIMED_OUT);
	assert_int_equal(res.polls, 0);
	revmon_close(m);
}

/* A directory that goes away: with REVMON_POLL_STOP_ON_FAILURE the first
 * failing poll ends the call; without, failures are only counted. */
static void a_failing_source_stops_only_when_asked(void **state)
{
	char sub[128], moved[140], file[160];
	struct revmon_poll_result res;
	FILE *f;
	revmon *m;

	(void)state;
	snprintf(sub, sizeof sub, "%s/logs", dir);
	snprintf(moved, sizeof moved, "%s.moved", sub);
	snprintf(file, sizeof file, "%s/a.json", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	m = open_file(sub);
	assert_int_equal(rename(sub, moved), 0);
	assert_int_equal(revmon_poll_until_done(m, 5000, 100, REVMON_POLL_STOP_ON_FAILURE, &res),
	                 REVMON_POLL_FAILED);
	assert_int_equal(res.polls, 1);
	assert_int_equal(res.failed_polls, 1);
	assert_int_equal(res.last_failed, 1);
	/* without the flag a failure ends nothing: the source, having nothing
	 * left it can read, is done, and the failures are counted */
	assert_int_not_equal(revmon_poll_until_done(m, 300, 100, 0, &res), REVMON_POLL_FAILED);
	assert_true(res.polls >= 1);
	assert_int_equal(res.failed_polls, res.polls);
	revmon_close(m);
}

static int setup(void **state)
{
	(void)state;
	return scratch_make(dir, sizeof dir, "host-calls");
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_arg_splits_at_the_first_equals),
		cmocka_unit_test(a_file_is_read_to_its_end),
		cmocka_unit_test(a_silent_source_times_out_on_time),
		cmocka_unit_test(a_failing_source_stops_only_when_asked),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
