/* revmon: the command-line face of librevmon.
 *
 *   revmon report   [--source SPEC]... [--config FILE] [--set KEY=VALUE]... [--json] [-v]
 *                   [--state-file PATH]
 *   revmon replay   PATH [options of report]
 *   revmon stuck    [options of report] [--json|--csv]
 *   revmon simulate [--shape SHAPE] [--out FILE|DIR] [--bytes N] [--set KEY=VALUE]...
 *   revmon metrics | keys | --help | --version
 *
 * Exit status: 0 done, 1 a source failed or the time ran out, 2 bad usage or
 * configuration. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "render.h"
#include "revmon.h"
#include "sim.h"
#include "monitor.h"
#include "source.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

struct opts {
	const char *config;
	const char *state_file; /* one monitor's state, kept between runs */
	char **sources;
	size_t n_sources;
	char **sets; /* KEY=VALUE */
	size_t n_sets;
	int json;
	int csv;
	int stuck; /* the stuck command: every stuck client instead of the metrics */
	int markdown; /* 1 Markdown tables, 2 roff (for the manual pages) */
	int families; /* metrics: the per-family ones */
	int stats;
	int verbose;
	int quiet;
	double timeout_s;
	const char *shape;
	char format_set[48]; /* --format as the file_format key */
	const char *out;
	uint64_t bytes;
};

static void usage(FILE *f)
{
	fputs("usage: revmon report   [--source SPEC]... [--config FILE] [--set KEY=VALUE]...\n"
	      "                       [--json] [--timeout SECONDS] [--format auto|json|csv]\n"
	      "                       [--stats] [--state-file PATH] [-v] [-q]\n"
	      "       revmon replay   PATH [report options]\n"
	      "       revmon stuck    [report options] [--json|--csv]\n"
	      "       revmon simulate [--shape SHAPE] [--out FILE|DIR]\n"
	      "                       [--bytes N] [--set KEY=VALUE]...\n"
	      "       revmon metrics [--families] [--markdown|--roff] | keys [--markdown|--roff] | --help | --version\n", f);
}

static void help(void)
{
	usage(stdout);
	fputs("\n"
	      "report    Poll every configured source until it has delivered what it has, then\n"
	      "          print every metric of every monitor (a table, or JSON with --json).\n"
	      "replay    Same as report --source file:PATH, showing progress on a terminal.\n"
	      "stuck     Every client stuck on a revoked grant now (for the helpdesk), users as\n"
	      "          the logs name them: a table, --json an array of objects (user, app,\n"
	      "          platform, device, revoked, first_refusal, last_refusal in RFC 3339 UTC,\n"
	      "          presentations) or --csv the same columns (RFC 4180, header row).\n"
	      "simulate  Write the built-in tenant simulator's logs as an export file (stdout\n"
	      "          by default), for replays, demos and benchmarks. sim_duration sets the\n"
	      "          simulated span; --bytes keeps going until at least N bytes are written.\n"
	      "          SHAPE: ndjson, graph, eventhub, pt1h, array, la (Log Analytics rows),\n"
	      "          la-query (the query API's answer), azcli, csv (the portal's export),\n"
	      "          entra-csv (the admin center's sign-in download: --out DIR gets its\n"
	      "          InteractiveSignIns_*.csv and NonInteractiveSignIns_*.csv).\n"
	      "metrics   List the metric registry: name, kind, unit, SNMP column, collectd type.\n"
	      "keys      List the configuration keys with their defaults.\n"
	      "\n"
	      "--config FILE reads key = value lines with [name] sections, one monitor per\n"
	      "section; --source and --set apply to every monitor and come after the file's\n"
	      "own keys. --format forces how files are read (file_format); by default\n"
	      "each file is recognised by itself: JSON in any of its shapes, or CSV.\n"
	      "--state-file PATH (one monitor) continues where the last run with it stopped:\n"
	      "the analyzer's state and the sources' cursors are read before polling and\n"
	      "written after (a stream's offsets are committed only once it is written).\n", stdout);
	printf("\nSources (--source SPEC, repeatable):\n%s", revmon_source_kinds_help());
}

static int push(char ***list, size_t *n, char *item)
{
	char **p = realloc(*list, (*n + 1) * sizeof *p);

	if (!p)
		return -1;
	*list = p;
	(*list)[(*n)++] = item;
	return 0;
}

static void log_stderr(void *ctx, enum revmon_log_level level, const char *msg)
{
	const struct opts *o = ctx;

	if (o->quiet && level > REVMON_LOG_ERR)
		return;
	if (level == REVMON_LOG_DEBUG && o->verbose < 2)
		return;
	fprintf(stderr, "revmon: %s\n", msg);
}

static int progress_shown;

static void progress_tty(void *ctx, uint64_t done, uint64_t total)
{
	static int64_t last;
	int64_t now = revmon_monotonic_ms();

	(void)ctx;
	if (now - last < 200)
		return;
	last = now;
	progress_shown = 1;
	if (total)
		fprintf(stderr, "\rreading %.1f of %.1f MB (%.0f%%)   ", (double)done / 1e6,
		        (double)total / 1e6, 100.0 * (double)done / (double)total);
	else
		fprintf(stderr, "\rreading %.1f MB   ", (double)done / 1e6);
}

/* Apply --source and --set to one configuration. */
static int apply_cli(revmon_conf *c, const struct opts *o)
{
	struct revmon_error err;
	int rc = -1;

	for (size_t i = 0; i < o->n_sources; i++)
		if (revmon_conf_set(c, "source", o->sources[i], &err) < 0) {
			fprintf(stderr, "revmon: %s\n", err.msg);
			goto out;
		}
	for (size_t i = 0; i < o->n_sets; i++) {
		int set = revmon_conf_set_arg(c, o->sets[i], &err);

		/* a malformed argument names the option; a refused key names itself */
		if (set < 0) {
			fprintf(stderr, "revmon: %s%s\n", set == -1 ? "--set " : "", err.msg);
			goto out;
		}
	}
	rc = 0;
out:
	return rc;
}

static int load_confs(const struct opts *o, revmon_conf ***out, size_t *n)
{
	struct revmon_error err;

	if (o->config) {
		if (revmon_conf_parse_file(o->config, "default", out, n, &err) < 0) {
			fprintf(stderr, "revmon: %s\n", err.msg);
			return -1;
		}
	} else {
		const char *name = o->n_sources == 1 && strcmp(o->sources[0], "sim") != 0 ? "file" : "sim";

		*out = calloc(1, sizeof **out);
		if (!*out || !((*out)[0] = revmon_conf_new(name, &err))) {
			fprintf(stderr, "revmon: out of memory\n");
			free(*out);
			return -1;
		}
		*n = 1;
	}
	for (size_t i = 0; i < *n; i++)
		if (apply_cli((*out)[i], o) < 0) {
			revmon_conf_list_free(*out, *n);
			*out = NULL;
			*n = 0;
			return -1;
		}
	return 0;
}

/* Poll one monitor until it is done or the shared deadline passes, then take
 * its snapshot. Returns the snapshot (the caller owns it) or NULL when memory
 * runs out; *failed and *timed_out accumulate over the monitors. */
static revmon_snapshot *report_one(const struct opts *o, revmon *m, const char *name, int64_t deadline,
                                   int *failed, int *timed_out)
{
	struct revmon_poll_result res;
	revmon_snapshot *snap;

	/* Slices of 1 s: --timeout holds within a second. */
	revmon_poll_until_done(m, deadline - revmon_monotonic_ms(), 1000, 0, &res);
	if (res.failed_polls)
		*failed = 1;
	if (res.end == REVMON_POLL_TIMED_OUT) {
		*timed_out = 1;
		fprintf(stderr, "revmon: [%s] timed out after %.0f s with input left to read\n", name, o->timeout_s);
	}
	snap = o->stuck ? revmon_snapshot_take_stuck(m, SIZE_MAX) : revmon_snapshot_take(m);
	if (o->stats) {
		size_t users, clients, bytes = rm_monitor_bytes(m, &users, &clients);

		fprintf(stderr, "revmon: [%s] state: %zu users, %zu clients tracked, %zu bytes"
		                " (%.0f bytes per tracked client)\n",
		        name, users, clients, bytes, clients ? (double)bytes / (double)clients : 0.0);
	}
	if (!snap)
		fprintf(stderr, "revmon: out of memory\n");
	return snap;
}

static void render_all(const struct opts *o, revmon_snapshot **snaps, size_t n)
{
	if (o->stuck) {
		render_stuck(stdout, snaps, n, o->json ? RENDER_JSON : o->csv ? RENDER_CSV : RENDER_TABLE);
		return;
	}
	if (o->json) {
		render_json(stdout, snaps, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc('\n', stdout);
		render_table(stdout, snaps[i], o->verbose);
	}
}

/* The lock beside the state file (PATH.lock), held until the process ends:
 * two runs on one state would each replace what the other wrote. */
static int state_lock(const char *path)
{
	char lock[4200];
	int fd;

	snprintf(lock, sizeof lock, "%s.lock", path);
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "revmon: --state-file: %s: %s\n", lock,
		        fd >= 0 ? "another run holds it" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0; /* the descriptor stays open: the lock is released at exit */
}

/* --state-file: one monitor's state, read before its polls. A state that
 * is not this configuration's is reported and replaced. -1 for bad usage. */
static int state_load(const struct opts *o, revmon *m, size_t n)
{
	struct revmon_error err;

	if (n != 1) {
		fprintf(stderr, "revmon: --state-file: keeps one monitor's state; the configuration has %zu\n", n);
		return -1;
	}
	if (state_lock(o->state_file) < 0)
		return -1;
	switch (revmon_state_load(m, o->state_file, &err)) {
	case -1:
		fprintf(stderr, "revmon: state not used (it will be replaced): %s\n", err.msg);
		break;
	case -2:
		fprintf(stderr, "revmon: %s\n", err.msg);
		return -1;
	default:
		break;
	}
	return 0;
}

static int state_save(const struct opts *o, revmon *m)
{
	struct revmon_error err;

	if (revmon_state_save(m, o->state_file, &err) == 0)
		return 0;
	fprintf(stderr, "revmon: state not saved: %s\n", err.msg);
	return -1;
}

static int cmd_report(const struct opts *o)
{
	revmon_conf **confs = NULL;
	size_t n = 0, opened = 0;
	revmon **mons = NULL;
	revmon_snapshot **snaps = NULL;
	struct revmon_hooks hooks = {.log = log_stderr, .ctx = (void *)o};
	int rc = EXIT_USAGE, failed = 0, timed_out = 0;
	int64_t deadline = revmon_monotonic_ms() + (int64_t)(o->timeout_s * 1000);
	/* Progress for long replays, on a terminal only. */
	int tty = isatty(STDERR_FILENO) && !o->quiet;

	if (tty)
		hooks.progress = progress_tty;
	if (load_confs(o, &confs, &n) < 0)
		goto out;
	mons = calloc(n, sizeof *mons);
	snaps = calloc(n, sizeof *snaps);
	if (!mons || !snaps)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct revmon_error err;

		mons[i] = revmon_open(confs[i], &hooks, &err);
		if (!mons[i]) {
			fprintf(stderr, "revmon: [%s] %s\n", revmon_conf_name(confs[i]), err.msg);
			goto out;
		}
		opened++;
	}
	rc = EXIT_FAILED;
	if (o->state_file && state_load(o, mons[0], n) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!(snaps[i] = report_one(o, mons[i], revmon_conf_name(confs[i]), deadline, &failed, &timed_out)))
			goto out;
	if (o->state_file && state_save(o, mons[0]) < 0)
		failed = 1;
	if (tty && progress_shown)
		fputs("\r\033[K", stderr);
	render_all(o, snaps, n);
	rc = failed || timed_out ? EXIT_FAILED : 0;
out:
	for (size_t i = 0; snaps && i < n; i++)
		revmon_snapshot_free(snaps[i]);
	for (size_t i = 0; mons && i < opened; i++)
		revmon_close(mons[i]);
	free(snaps);
	free(mons);
	revmon_conf_list_free(confs, n);
	return rc;
}

static void write_failed(const struct opts *o)
{
	fprintf(stderr, "revmon: %s: write failed: %s\n", o->out ? o->out : "stdout", strerror(errno));
}

/* Run the simulator into out, ten simulated minutes at a time, until end
 * (or, with --bytes, until that much is written). Returns 0, or -1 after
 * saying why. */
static int sim_write(const struct opts *o, struct rm_sim *sim, enum rm_shape shape, int64_t end,
                     FILE *out, FILE *out_non, uint64_t *written, uint64_t *records)
{
	struct rm_buf buf = {0}, non = {0};
	int rc = -1;

	for (;;) {
		int64_t until = rm_sim_clock(sim) + 10 * 60 * 1000;
		long got;

		if (!o->bytes && until > end)
			until = end;
		if (o->bytes && *written >= o->bytes)
			break;
		if (!o->bytes && rm_sim_clock(sim) >= end)
			break;
		got = rm_sim_run_split(sim, until, shape, &buf, out_non ? &non : NULL);
		if (got < 0) {
			fprintf(stderr, "revmon: out of memory\n");
			goto out;
		}
		*records += (uint64_t)got;
		if ((buf.len && fwrite(buf.data, 1, buf.len, out) != buf.len) ||
		    (non.len && fwrite(non.data, 1, non.len, out_non) != non.len)) {
			write_failed(o);
			goto out;
		}
		*written += buf.len + non.len;
		buf.len = non.len = 0;
	}
	if (fflush(out) != 0 || (out_non && fflush(out_non) != 0)) {
		write_failed(o);
		goto out;
	}
	rc = 0;
out:
	rm_buf_free(&buf);
	rm_buf_free(&non);
	return rc;
}

/* The admin center's download, as two files in directory dir (made if
 * missing) named like the real ones: InteractiveSignIns_<from>_<to>.csv and
 * NonInteractiveSignIns_<from>_<to>.csv, dates of the simulated span. */
static int open_entra_csv(const char *dir, int64_t from_ms, int64_t to_ms, FILE **in, FILE **non)
{
	static const char *const kind[2] = {"InteractiveSignIns", "NonInteractiveSignIns"};
	char from[32], to[32], path[4096];
	FILE **f[2] = {in, non};

	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "revmon: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	rm_time_format(from_ms, 0, from, sizeof from);
	rm_time_format(to_ms, 0, to, sizeof to);
	from[10] = to[10] = '\0'; /* the dates */
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s_%s_%s.csv", dir, kind[i], from, to);
		if (!(*f[i] = fopen(path, "wb"))) {
			fprintf(stderr, "revmon: %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Where simulate writes: stdout, --out FILE, or for entra-csv two files in
 * --out DIR. */
static int open_sim_out(const struct opts *o, int shape, const struct rm_settings *st, FILE **out,
                        FILE **non)
{
	if (shape == RM_SHAPE_ENTRA_CSV) {
		if (!o->out || !strcmp(o->out, "-")) {
			fprintf(stderr, "revmon: --shape entra-csv writes two files (InteractiveSignIns_*.csv, "
			                "NonInteractiveSignIns_*.csv): name their directory with --out DIR\n");
			return -1;
		}
		return open_entra_csv(o->out, st->sim_start_ms, st->sim_start_ms + st->sim_duration_ms, out,
		                      non);
	}
	if (o->out && strcmp(o->out, "-") != 0 && !(*out = fopen(o->out, "wb"))) {
		fprintf(stderr, "revmon: %s: %s\n", o->out, strerror(errno));
		return -1;
	}
	return 0;
}

static int cmd_simulate(const struct opts *o)
{
	revmon_conf **confs = NULL;
	size_t n = 0;
	struct rm_settings st;
	struct rm_sim_params p;
	struct rm_sim *sim = NULL;
	struct revmon_error err;
	FILE *out = stdout, *non = NULL;
	int shape = rm_conf_shape(o->shape), rc = EXIT_USAGE, have_settings = 0;
	uint64_t written = 0, records = 0;

	if (shape < 0) {
		char names[160];

		rm_conf_shapes_phrase(names, sizeof names);
		fprintf(stderr, "revmon: --shape: '%s' is not a shape (%s)\n", o->shape, names);
		return EXIT_USAGE;
	}
	if (load_confs(o, &confs, &n) < 0)
		goto out;
	if (rm_settings_load(confs[0], &st, &err) < 0) {
		fprintf(stderr, "revmon: %s\n", err.msg);
		goto out;
	}
	have_settings = 1;
	rm_sim_params_from_settings(&st, &p);
	sim = rm_sim_new(&p);
	if (!sim) {
		fprintf(stderr, "revmon: the simulator refused its parameters (sim_* keys)\n");
		goto out;
	}
	if (open_sim_out(o, shape, &st, &out, &non) < 0)
		goto out;
	rc = EXIT_FAILED;
	if (sim_write(o, sim, (enum rm_shape)shape, st.sim_start_ms + st.sim_duration_ms, out, non,
	              &written, &records) < 0)
		goto out;
	if (!o->quiet)
		fprintf(stderr, "revmon: simulated %.1f h of a %u-user tenant: %" PRIu64 " records, %.1f MB (%s shape)\n",
		        (double)(rm_sim_clock(sim) - st.sim_start_ms) / 3600000.0, p.users, records,
		        (double)written / 1e6, o->shape);
	rc = 0;
out:
	if (out && out != stdout && fclose(out) != 0 && rc == 0) {
		fprintf(stderr, "revmon: %s: %s\n", o->out, strerror(errno));
		rc = EXIT_FAILED;
	}
	if (non && fclose(non) != 0 && rc == 0) {
		fprintf(stderr, "revmon: %s: %s\n", o->out, strerror(errno));
		rc = EXIT_FAILED;
	}
	rm_sim_free(sim);
	if (have_settings)
		rm_settings_free(&st);
	revmon_conf_list_free(confs, n);
	return rc;
}

static void cmd_keys(const struct opts *o)
{
	const char *name, *h, *d;

	if (o->markdown == 1)
		puts("| key | default | meaning |\n|---|---|---|");
	for (size_t i = 0; (name = revmon_conf_key(i, &h, &d)); i++) {
		if (o->markdown == 2)
			render_roff_item(stdout, name, *d ? d : NULL, h);
		else if (o->markdown)
			printf("| `%s` | %s%s%s | %s |\n", name, *d ? "`" : "", *d ? d : "(none)", *d ? "`" : "", h);
		else
			printf("%-24s default %-22s %s\n", name, *d ? d : "(none)", h);
	}
}

/* Read the options after the command into *o. Returns -1 to go on, or the
 * exit status when the options end the run (--help, --version, a bad one). */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"source", required_argument, NULL, 's'},
		{"config", required_argument, NULL, 'c'},
		{"set", required_argument, NULL, 'S'},
		{"json", no_argument, NULL, 'j'},
		{"csv", no_argument, NULL, 'K'},
		{"markdown", no_argument, NULL, 'M'},
		{"roff", no_argument, NULL, 'R'},
		{"families", no_argument, NULL, 'L'},
		{"stats", no_argument, NULL, 'X'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"timeout", required_argument, NULL, 't'},
		{"shape", required_argument, NULL, 'f'},
		{"format", required_argument, NULL, 'F'},
		{"out", required_argument, NULL, 'o'},
		{"bytes", required_argument, NULL, 'b'},
		{"state-file", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c, rc = -1;

	optind = 2;
	while (rc < 0 && (c = getopt_long(argc, argv, "s:c:S:jvqt:f:o:b:hV", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 's':
			if (push(&o->sources, &o->n_sources, optarg) < 0)
				rc = EXIT_USAGE;
			break;
		case 'c': o->config = optarg; break;
		case 'S':
			if (push(&o->sets, &o->n_sets, optarg) < 0)
				rc = EXIT_USAGE;
			break;
		case 'j': o->json = 1; break;
		case 'K': o->csv = 1; break;
		case 'M': o->markdown = 1; break;
		case 'R': o->markdown = 2; break;
		case 'L': o->families = 1; break;
		case 'X': o->stats = 1; break;
		case 'v': o->verbose++; break;
		case 'q': o->quiet = 1; break;
		case 't':
			errno = 0;
			o->timeout_s = strtod(optarg, &end);
			if (errno || *end || !(o->timeout_s > 0)) {
				fprintf(stderr, "revmon: --timeout: '%s' is not a positive number of seconds\n", optarg);
				rc = EXIT_USAGE;
			}
			break;
		case 'f': o->shape = optarg; break;
		case 'F':
			/* the file source's file_format, checked with the other keys */
			if (strlen(optarg) > 16) {
				fprintf(stderr, "revmon: --format: '%s' is not a format (auto, json or csv)\n", optarg);
				rc = EXIT_USAGE;
				break;
			}
			snprintf(o->format_set, sizeof o->format_set, "file_format=%s", optarg);
			if (push(&o->sets, &o->n_sets, o->format_set) < 0)
				rc = EXIT_USAGE;
			break;
		case 'o': o->out = optarg; break;
		case 'T': o->state_file = optarg; break;
		case 'b':
			errno = 0;
			o->bytes = strtoull(optarg, &end, 10);
			if (errno || *end || optarg[0] == '-') {
				fprintf(stderr, "revmon: --bytes: '%s' is not a byte count\n", optarg);
				rc = EXIT_USAGE;
			}
			break;
		case 'h': help(); rc = 0; break;
		case 'V': printf("revmon %s\n", revmon_version()); rc = 0; break;
		default: usage(stderr); rc = EXIT_USAGE; break;
		}
	}
	return rc;
}

/* replay PATH is report --source file:PATH; *src (the caller frees it)
 * keeps the spec alive. */
static int cmd_replay(int argc, char **argv, struct opts *o, char **src)
{
	size_t n;
	int rc = EXIT_USAGE;

	if (optind != argc - 1) {
		fprintf(stderr, "revmon: replay needs exactly one PATH\n");
		goto out;
	}
	n = strlen(argv[optind]) + 6;
	*src = malloc(n);
	if (!*src)
		goto out;
	snprintf(*src, n, "file:%s", argv[optind]);
	if (push(&o->sources, &o->n_sources, *src) < 0)
		goto out;
	rc = cmd_report(o);
out:
	return rc;
}

/* The commands that take no argument besides their options. */
static int run_command(const char *cmd, const struct opts *o)
{
	int rc = 0;

	if (!strcmp(cmd, "report") || !strcmp(cmd, "stuck"))
		rc = cmd_report(o);
	else if (!strcmp(cmd, "simulate"))
		rc = cmd_simulate(o);
	else if (!strcmp(cmd, "metrics"))
		render_registry(stdout, o->markdown, o->families);
	else if (!strcmp(cmd, "keys"))
		cmd_keys(o);
	else {
		fprintf(stderr, "revmon: '%s' is not a command\n", cmd);
		usage(stderr);
		rc = EXIT_USAGE;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = {.timeout_s = 3600, .shape = "ndjson"};
	const char *cmd;
	char *replay_src = NULL;
	int rc = EXIT_USAGE;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		help();
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		printf("revmon %s\n", revmon_version());
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-') {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if ((rc = parse_opts(argc, argv, &o)) >= 0)
		goto out;
	rc = EXIT_USAGE;
	o.stuck = !strcmp(cmd, "stuck");
	if (o.csv && (!o.stuck || o.json)) {
		fprintf(stderr, "revmon: --csv is for revmon stuck, without --json\n");
		goto out;
	}
	if (!strcmp(cmd, "replay")) {
		rc = cmd_replay(argc, argv, &o, &replay_src);
		goto out;
	}
	if (optind != argc) {
		fprintf(stderr, "revmon: unexpected argument '%s'\n", argv[optind]);
		goto out;
	}
	rc = run_command(cmd, &o);
out:
	free(o.sources);
	free(o.sets);
	free(replay_src);
	return rc;
}
