/* The state file: a monitor restored from it continues exactly where the
 * saved one stopped; a corrupt or foreign file is refused and replaced. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "revmon.h"
#include "scratch.h"

static char dir[64];

static revmon *open_with(const char *source, const char *window)
{
	struct revmon_error err;
	revmon_conf *c = revmon_conf_new("st", &err);
	revmon *m;

	assert_non_null(c);
	assert_int_equal(revmon_conf_set(c, "source", source, &err), 0);
	assert_int_equal(revmon_conf_set(c, "sim_users", "400", &err), 0);
	assert_int_equal(revmon_conf_set(c, "sim_duration", "2h", &err), 0);
	assert_int_equal(revmon_conf_set(c, "sim_step", "30m", &err), 0);
	assert_int_equal(revmon_conf_set(c, "sim_mass_revocation", "90m", &err), 0);
	assert_int_equal(revmon_conf_set(c, "window", window, &err), 0);
	m = revmon_open(c, NULL, &err);
	if (!m)
		fail_msg("%s", err.msg);
	revmon_conf_free(c);
	return m;
}

static void poll_round(revmon *m)
{
	int guard = 0;

	do
		assert_int_equal(revmon_poll(m, 10000), 0);
	while (!revmon_done(m) && ++guard < 100);
}

static void same_values(revmon *a, revmon *b)
{
	revmon_snapshot *x = revmon_snapshot_take(a), *y = revmon_snapshot_take(b);

	assert_non_null(x);
	assert_non_null(y);
	assert_int_equal(x->now_ms, y->now_ms);
	for (size_t i = 0; i < x->n_values; i++) {
		const char *name = revmon_metric(i)->name;

		if (x->values[i].known != y->values[i].known || x->values[i].counter != y->values[i].counter ||
		    (x->values[i].known && x->values[i].value != y->values[i].value))
			fail_msg("%s: %d/%g vs %d/%g", name, x->values[i].known, x->values[i].value,
			         y->values[i].known, y->values[i].value);
	}
	assert_int_equal(x->n_revocations, y->n_revocations);
	assert_int_equal(x->n_stuck, y->n_stuck);
	for (size_t i = 0; i < x->n_stuck; i++) {
		assert_string_equal(x->stuck[i].user, y->stuck[i].user);
		assert_true(x->stuck[i].first_ms == y->stuck[i].first_ms);
		assert_int_equal(x->stuck[i].family, y->stuck[i].family);
	}
	/* the families keep their rows (indexes) and values across a restart */
	assert_int_equal(x->n_families, y->n_families);
	for (size_t i = 0; i < x->n_families; i++) {
		assert_int_equal(x->families[i].index, y->families[i].index);
		assert_string_equal(x->families[i].label, y->families[i].label);
		for (size_t k = 0; k < revmon_family_metric_count(); k++)
			if (x->families[i].values[k].value != y->families[i].values[k].value)
				fail_msg("%s of %s: %g vs %g", revmon_family_metric(k)->name,
				         x->families[i].label, x->families[i].values[k].value,
				         y->families[i].values[k].value);
	}
	revmon_snapshot_free(x);
	revmon_snapshot_free(y);
}

static void test_sim_resumes_exactly(void **state)
{
	char path[128];
	struct revmon_error err;
	revmon *a, *b, *one;
	revmon_snapshot *s;

	(void)state;
	snprintf(path, sizeof path, "%s/sim.state", dir);
	a = open_with("sim", "300");
	assert_int_equal(revmon_state_load(a, path, &err), 1); /* no file yet */
	poll_round(a);
	assert_int_equal(revmon_state_save(a, path, &err), 0);
	revmon_close(a);

	b = open_with("sim", "300");
	assert_int_equal(revmon_state_load(b, path, &err), 0);
	poll_round(b); /* the next step: 2h30m */
	one = open_with("sim", "300");
	poll_round(one);
	poll_round(one);
	same_values(b, one);
	s = revmon_snapshot_take(b);
	assert_true(s->values[revmon_metric_find("revocations")].counter > 100);
	assert_true(s->n_families > 1); /* the comparison above covered some */
	revmon_snapshot_free(s);
	revmon_close(b);
	revmon_close(one);
}

static void test_file_resumes_exactly(void **state)
{
	char path[128], exp[128], cmd[512];
	struct revmon_error err;
	revmon *a, *b, *one;
	const char *bin = getenv("REVMON_BIN");
	char spec[160];

	(void)state;
	assert_non_null(bin);
	snprintf(exp, sizeof exp, "%s/export.json", dir);
	snprintf(path, sizeof path, "%s/file.state", dir);
	snprintf(cmd, sizeof cmd,
	         "'%s' simulate -q --shape pt1h --set sim_users=300 --set sim_duration=3h --out '%s.all' && "
	         "head -n 2000 '%s.all' > '%s'", bin, exp, exp, exp);
	assert_int_equal(system(cmd), 0);
	snprintf(spec, sizeof spec, "file:%s", exp);

	a = open_with(spec, "300");
	poll_round(a);
	assert_int_equal(revmon_state_save(a, path, &err), 0);
	revmon_close(a);
	/* the export grows */
	snprintf(cmd, sizeof cmd, "tail -n +2001 '%s.all' >> '%s'", exp, exp);
	assert_int_equal(system(cmd), 0);

	b = open_with(spec, "300");
	assert_int_equal(revmon_state_load(b, path, &err), 0);
	poll_round(b);
	one = open_with(spec, "300");
	poll_round(one);
	same_values(b, one);
	revmon_close(b);
	revmon_close(one);
}

/* A run that finds nothing new leaves the state file alone (same inode,
 * size and modification time: not rewritten); one with new records
 * replaces it, and the replacement loads. */
static void test_unchanged_state_is_not_rewritten(void **state)
{
	char path[128], exp[128], cmd[512], spec[160];
	struct revmon_error err = {{0}};
	const char *bin = getenv("REVMON_BIN");
	struct stat st0, st1;
	revmon *a, *b;

	(void)state;
	assert_non_null(bin);
	snprintf(exp, sizeof exp, "%s/quiet.json", dir);
	snprintf(path, sizeof path, "%s/quiet.state", dir);
	snprintf(cmd, sizeof cmd,
	         "'%s' simulate -q --shape ndjson --set sim_users=300 --set sim_duration=2h --out '%s.all' && "
	         "head -n 200 '%s.all' > '%s'", bin, exp, exp, exp);
	assert_int_equal(system(cmd), 0);
	snprintf(spec, sizeof spec, "file:%s", exp);
	a = open_with(spec, "300");
	poll_round(a);
	assert_int_equal(revmon_state_save(a, path, &err), 0);
	revmon_close(a);
	assert_int_equal(stat(path, &st0), 0);
	/* nothing new, twice: a run loads, polls, takes its snapshot, saves */
	for (int run = 0; run < 2; run++) {
		revmon_snapshot *s;

		b = open_with(spec, "300");
		if (revmon_state_load(b, path, &err) != 0)
			fail_msg("%s", err.msg);
		poll_round(b);
		s = revmon_snapshot_take(b);
		assert_non_null(s);
		revmon_snapshot_free(s);
		assert_int_equal(revmon_state_save(b, path, &err), 0);
		revmon_close(b);
		assert_int_equal(stat(path, &st1), 0);
		assert_true(st1.st_ino == st0.st_ino);
		assert_true(st1.st_size == st0.st_size);
		assert_true(st1.st_mtim.tv_sec == st0.st_mtim.tv_sec &&
		            st1.st_mtim.tv_nsec == st0.st_mtim.tv_nsec);
	}
	/* new records: the file is replaced */
	snprintf(cmd, sizeof cmd, "tail -n +201 '%s.all' >> '%s'", exp, exp);
	assert_int_equal(system(cmd), 0);
	b = open_with(spec, "300");
	assert_int_equal(revmon_state_load(b, path, &err), 0);
	poll_round(b);
	assert_int_equal(revmon_state_save(b, path, &err), 0);
	revmon_close(b);
	assert_int_equal(stat(path, &st1), 0);
	assert_true(st1.st_ino != st0.st_ino);
	b = open_with(spec, "300");
	assert_int_equal(revmon_state_load(b, path, &err), 0);
	revmon_close(b);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static size_t read_bytes(const char *path, char *p, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(p, 1, cap, f);
	fclose(f);
	return n;
}

static void refused(const char *path, const char *window, const char *expect)
{
	struct revmon_error err = {{0}};
	revmon *m = open_with("sim", window);
	revmon_snapshot *s;

	assert_int_equal(revmon_state_load(m, path, &err), -1);
	if (!strstr(err.msg, expect))
		fail_msg("'%s' lacks '%s'", err.msg, expect);
	/* the monitor starts afresh and works */
	poll_round(m);
	s = revmon_snapshot_take(m);
	assert_true(s->values[revmon_metric_find("signins")].counter > 0);
	revmon_snapshot_free(s);
	/* and its next save replaces the bad file */
	assert_int_equal(revmon_state_save(m, path, &err), 0);
	revmon_close(m);
	m = open_with("sim", window);
	assert_int_equal(revmon_state_load(m, path, &err), 0);
	revmon_close(m);
}

static void test_corrupt_and_foreign_files(void **state)
{
	char path[128], *buf = malloc(8u << 20);
	struct revmon_error err;
	revmon *m;
	size_t n;

	(void)state;
	assert_non_null(buf);
	snprintf(path, sizeof path, "%s/c.state", dir);
	m = open_with("sim", "300");
	poll_round(m);
	assert_int_equal(revmon_state_save(m, path, &err), 0);
	revmon_close(m);
	n = read_bytes(path, buf, 8u << 20);
	assert_true(n > 1000);

	buf[n / 2] ^= 0x40;
	write_bytes(path, buf, n);
	refused(path, "300", "checksum mismatch");

	n = read_bytes(path, buf, 8u << 20);
	write_bytes(path, buf, n - 100);
	refused(path, "300", "truncated");

	refused(path, "600", "another configuration");

	write_bytes(path, "window = 300\n", 13);
	refused(path, "300", "not a revmon state file");

	write_bytes(path, "", 0);
	refused(path, "300", "not a revmon state file");
	free(buf);
}

static void test_atomic_write_leaves_nothing_behind(void **state)
{
	char path[160];
	struct revmon_error err;
	revmon *m = open_with("sim", "300");
	DIR *d;
	struct dirent *de;
	int temps = 0;

	(void)state;
	poll_round(m);
	snprintf(path, sizeof path, "%s/no/such/dir/x.state", dir);
	assert_int_equal(revmon_state_save(m, path, &err), -1);
	assert_non_null(strstr(err.msg, "temporary file"));
	snprintf(path, sizeof path, "%s/a.state", dir);
	for (int i = 0; i < 3; i++)
		assert_int_equal(revmon_state_save(m, path, &err), 0);
	revmon_close(m);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		temps += strstr(de->d_name, ".tmp.") != NULL;
	closedir(d);
	assert_int_equal(temps, 0);
	assert_int_equal(access(path, R_OK), 0);
}

static uint64_t counter_of(revmon *m, const char *name)
{
	revmon_snapshot *x = revmon_snapshot_take(m);
	uint64_t v;

	assert_non_null(x);
	v = x->values[revmon_metric_find(name)].counter;
	revmon_snapshot_free(x);
	return v;
}

/* Poll m with stdin read from path, then give stdin back. */
static void poll_with_stdin(revmon *m, const char *path)
{
	int saved = dup(STDIN_FILENO), fd = open(path, O_RDONLY);

	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	poll_round(m);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
}

/* A state written by a run reading stdin: the next run loads it (a stream
 * has no cursor to resume) and keeps the analyzer's counts. */
static void test_stdin_state_loads(void **state)
{
	char exp[128], path[128], cmd[512];
	struct revmon_error err = {{0}};
	const char *bin = getenv("REVMON_BIN");
	revmon *a, *b;
	uint64_t before;

	(void)state;
	assert_non_null(bin);
	snprintf(exp, sizeof exp, "%s/stdin.json", dir);
	snprintf(path, sizeof path, "%s/stdin.state", dir);
	snprintf(cmd, sizeof cmd, "'%s' simulate -q --set sim_users=100 --set sim_duration=1h --out '%s'", bin, exp);
	assert_int_equal(system(cmd), 0);
	a = open_with("file:-", "300");
	poll_with_stdin(a, exp);
	before = counter_of(a, "signins");
	assert_true(before > 0);
	assert_int_equal(revmon_state_save(a, path, &err), 0);
	revmon_close(a);

	b = open_with("file:-", "300");
	if (revmon_state_load(b, path, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(counter_of(b, "signins"), before);
	revmon_close(b);
}

/* A configuration of the KEY=VALUE pairs in args (NULL-terminated). */
static revmon_conf *conf_of(const char *const *args)
{
	struct revmon_error err;
	revmon_conf *c = revmon_conf_new("st", &err);

	assert_non_null(c);
	for (size_t i = 0; args[i]; i++)
		if (revmon_conf_set_arg(c, args[i], &err) != 0)
			fail_msg("%s: %s", args[i], err.msg);
	return c;
}

/* How a source reaches its endpoint is not what the state means: another
 * secret file, CA, time-out or librdkafka tuning keeps it; another group,
 * hub or tenant does not. */
static void how_not_what(void)
{
	static const char *const base[] = {"source=eventhub", "eventhub_bootstrap=127.0.0.1:9092",
	                                   "eventhub_group=g", "graph_tenant=contoso.example", NULL};
	static const char *const how[] = {"source=eventhub", "eventhub_bootstrap=127.0.0.1:9092",
	                                  "eventhub_group=g", "graph_tenant=contoso.example",
	                                  "eventhub_rdkafka.debug=cgrp",
	                                  "eventhub_rdkafka.session.timeout.ms=6000",
	                                  "eventhub_connection_string_file=/etc/revmon/eh.secret",
	                                  "graph_client_secret_file=/etc/revmon/new.secret",
	                                  "graph_request_timeout=20", "graph_ca_file=/etc/ssl/ca.pem", NULL};
	static const char *const what[][5] = {
		{"source=eventhub", "eventhub_bootstrap=127.0.0.1:9092", "eventhub_group=h",
		 "graph_tenant=contoso.example", NULL},
		{"source=eventhub", "eventhub_bootstrap=127.0.0.1:9092", "eventhub_group=g",
		 "graph_tenant=contoso.example", "eventhub_topics=shared"},
		{"source=eventhub", "eventhub_bootstrap=127.0.0.1:9093", "eventhub_group=g",
		 "graph_tenant=contoso.example", NULL},
	};
	revmon_conf *cb = conf_of(base), *ch = conf_of(how);

	assert_true(revmon_conf_fingerprint(cb) == revmon_conf_fingerprint(ch));
	for (size_t i = 0; i < sizeof what / sizeof what[0]; i++) {
		const char *w[6] = {0};
		revmon_conf *cw;

		memcpy(w, what[i], sizeof what[i]);
		cw = conf_of(w);
		assert_true(revmon_conf_fingerprint(cb) != revmon_conf_fingerprint(cw));
		revmon_conf_free(cw);
	}
	revmon_conf_free(cb);
	revmon_conf_free(ch);
}

/* The state belongs to what a configuration means: the order of its
 * options, their spelling and defaults set explicitly do not matter. */
static void test_fingerprint_is_the_meaning(void **state)
{
	static const char *const a[] = {"source=sim", "source=file:/nonexistent/x.json", "sim_users=400",
	                                "window=600", "window=300", "max_record_bytes=1M",
	                                "classify=50173:other", "activity=password:Reset password", NULL};
	static const char *const b[] = {"activity=password:Reset password", "max_record_bytes=1048576",
	                                "window=5m", "source=file:/nonexistent/x.json", "sim_users=0400",
	                                "graph_select=yes", "classify=050173:other", "source=sim",
	                                "settle=10m", NULL};
	static const char *const other[] = {"source=sim", "source=file:/nonexistent/x.json",
	                                    "sim_users=400", "window=300", "max_record_bytes=1M",
	                                    "classify=50173:revoked", "activity=password:Reset password", NULL};
	revmon_conf *ca = conf_of(a), *cb = conf_of(b), *co = conf_of(other);
	struct revmon_error err = {{0}};
	char path[128];
	revmon *m;

	(void)state;
	snprintf(path, sizeof path, "%s/meaning.state", dir);
	assert_true(revmon_conf_fingerprint(ca) == revmon_conf_fingerprint(cb));
	assert_true(revmon_conf_fingerprint(ca) != revmon_conf_fingerprint(co));
	how_not_what();
	m = revmon_open(ca, NULL, &err);
	assert_non_null(m);
	assert_true(revmon_poll(m, 5000) != 0); /* the file source is down */
	assert_int_equal(revmon_state_save(m, path, &err), 0);
	revmon_close(m);
	/* the sources in another order still find their cursors */
	m = revmon_open(cb, NULL, &err);
	assert_non_null(m);
	if (revmon_state_load(m, path, &err) != 0)
		fail_msg("%s", err.msg);
	revmon_close(m);
	m = revmon_open(co, NULL, &err);
	assert_non_null(m);
	assert_int_equal(revmon_state_load(m, path, &err), -1);
	assert_non_null(strstr(err.msg, "another configuration"));
	revmon_close(m);
	revmon_conf_free(ca);
	revmon_conf_free(cb);
	revmon_conf_free(co);
}

/* A state file that is a symbolic link, or someone else's, is refused on
 * reading and not replaced on writing; the link's target is never touched. */
static void test_planted_links_and_foreign_owners(void **state)
{
	char path[128], target[128], victim[128];
	struct revmon_error err = {{0}};
	revmon *m = open_with("sim", "300");
	struct stat st;

	(void)state;
	poll_round(m);
	snprintf(path, sizeof path, "%s/planted.state", dir);
	snprintf(target, sizeof target, "%s/real.state", dir);
	snprintf(victim, sizeof victim, "%s/not-yet-there", dir);
	assert_int_equal(revmon_state_save(m, target, &err), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(revmon_state_load(m, path, &err), -1);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_int_equal(revmon_state_save(m, path, &err), -1);
	assert_non_null(strstr(err.msg, "symbolic link"));
	/* a dangling link: its target is not created */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(revmon_state_save(m, path, &err), -1);
	assert_int_equal(lstat(victim, &st), -1);
	assert_int_equal(unlink(path), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(target, 65534, 65534), 0);
		assert_int_equal(revmon_state_load(m, target, &err), -1);
		assert_non_null(strstr(err.msg, "owned by uid 65534"));
		assert_int_equal(revmon_state_save(m, target, &err), -1);
		assert_non_null(strstr(err.msg, "owned by uid 65534"));
		assert_int_equal(chown(target, 0, 0), 0);
	}
	revmon_close(m);
	m = open_with("sim", "300");
	assert_int_equal(revmon_state_load(m, target, &err), 0);
	revmon_close(m);
}

static int setup(void **state)
{
	(void)state;
	return scratch_make(dir, sizeof dir, "state");
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_resumes_exactly),
		cmocka_unit_test(test_file_resumes_exactly),
		cmocka_unit_test(test_unchanged_state_is_not_rewritten),
		cmocka_unit_test(test_corrupt_and_foreign_files),
		cmocka_unit_test(test_atomic_write_leaves_nothing_behind),
		cmocka_unit_test(test_stdin_state_loads),
		cmocka_unit_test(test_fingerprint_is_the_meaning),
		cmocka_unit_test(test_planted_links_and_foreign_owners),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
