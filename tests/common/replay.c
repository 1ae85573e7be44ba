#include "replay.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>

static void capture(void *ctx, enum revmon_log_level level, const char *msg)
{
	struct replay_log *log = ctx;
	size_t n = strlen(log->text), m = strlen(msg);

	(void)level;
	if (n + m + 2 < sizeof log->text) {
		memcpy(log->text + n, msg, m);
		log->text[n + m] = '\n';
		log->text[n + m + 1] = '\0';
	}
}

revmon_snapshot *replay_run(const char *spec, const char *key, const char *value,
                            struct replay_log *log, int *failed)
{
	struct revmon_error err;
	struct revmon_hooks hooks = {.log = log ? capture : NULL, .ctx = log};
	revmon_conf *c = revmon_conf_new("t", &err);
	revmon *m;
	revmon_snapshot *s;
	int guard = 0, bad = 0;

	if (log)
		log->text[0] = '\0';
	assert_non_null(c);
	assert_int_equal(revmon_conf_set(c, "source", spec, &err), 0);
	if (key)
		assert_int_equal(revmon_conf_set(c, key, value, &err), 0);
	m = revmon_open(c, &hooks, &err);
	if (!m)
		fail_msg("%s", err.msg);
	revmon_conf_free(c);
	do
		bad |= revmon_poll(m, 5000) != 0;
	while (!revmon_done(m) && ++guard < 1000);
	assert_true(revmon_done(m));
	if (failed)
		*failed = bad;
	s = revmon_snapshot_take(m);
	assert_non_null(s);
	revmon_close(m);
	return s;
}

uint64_t replay_count(const revmon_snapshot *s, const char *name)
{
	int i = revmon_metric_find(name);

	assert_true(i >= 0);
	return s->values[i].counter;
}
