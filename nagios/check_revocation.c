/* check_revocation: a Nagios/Icinga check over librevmon, following the
 * monitoring-plugins development guidelines: exit 0-3, one status line with
 * performance data for every registry metric, long output with -v, ranges
 * on any metric, a timeout that always ends in UNKNOWN, --extra-opts.
 *
 * Each run is a new process: what the monitor knows is kept in a state file
 * between runs, under a lock so that concurrent runs cannot corrupt it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "extra_opts.h"
#include "perfdata.h"
#include "range.h"
#include "revmon.h"

#define PROGNAME "check_revocation"
#define SERVICE "REVOCATION"
#define DEFAULT_TIMEOUT 30
#define DEFAULT_STATE_DIR "/var/tmp/revmon"

enum { OK = 0, WARNING = 1, CRITICAL = 2, UNKNOWN = 3 };
static const char *const state_names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

struct threshold {
	struct nr_range warn, crit;
	int has_warn, has_crit;
};

struct opts {
	struct threshold *th;      /* one per registry metric */
	int headline;              /* registry index of the -w/-c metric */
	unsigned timeout;
	int verbose;
	int show_users;
	int no_state;
	const char *config;
	const char *monitor;
	const char *state_file;
	char **sources;
	size_t n_sources;
	char **sets;
	size_t n_sets;
};

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

static void phase(const struct opts *o, const char *what, ...) __attribute__((format(printf, 2, 3)));
static void phase(const struct opts *o, const char *what, ...)
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

static void print_usage(void)
{
	printf("Usage: %s [-w RANGE|METRIC=RANGE]... [-c RANGE|METRIC=RANGE]... [-t SECONDS]\n"
	       "       [--source SPEC]... [--config FILE [--monitor NAME]] [--set KEY=VALUE]...\n"
	       "       [--state-file PATH | --no-state] [--extra-opts=[SECTION][@FILE]]\n"
	       "       [-v]... [--show-users] | -h | -V\n",
	       PROGNAME);
}

static void print_help(const struct opts *o)
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
	     " -v, --verbose           Long output: -v the worst stuck clients and latest\n"
	     "                         revocations, -vv more of them and the sources, -vvv all\n"
	     "                         and the library's log\n"
	     "     --show-users        Name users in the long output (pseudonyms otherwise)\n"
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
	puts("\nConfiguration keys (--set KEY=VALUE or --config FILE):");
	{
		const char *name, *help, *def;

		for (size_t i = 0; (name = revmon_conf_key(i, &help, &def)); i++)
			printf("  %-24s default %s\n      %s\n", name, *def ? def : "(none)", help);
	}
	puts("\nExamples:\n"
	     "  " PROGNAME "                                  # the simulated tenant\n"
	     "  " PROGNAME " --source file:/var/log/entra -w lag_p95=600 -c stale_clients=20");
}

static int unknown_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int unknown_usage(const char *fmt, ...)
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

/* ---- thresholds ---- */

/* The metric a user names: the exact registry name, or a unique one ending
 * in "_" + the given name (lag_p95 -> revocation_lag_p95). */
static int find_metric(const char *name, size_t n)
{
	int hit = -1;

	for (size_t i = 0; i < revmon_metric_count(); i++) {
		const char *m = revmon_metric(i)->name;
		size_t ml = strlen(m);

		if (ml == n && strncmp(m, name, n) == 0)
			return (int)i;
		if (ml > n && m[ml - n - 1] == '_' && strncmp(m + ml - n, name, n) == 0) {
			if (hit >= 0)
				return -2; /* ambiguous */
			hit = (int)i;
		}
	}
	return hit;
}

/* "RANGE" for the headline or "METRIC=RANGE". */
static int set_threshold(struct opts *o, const char *arg, int critical)
{
	const char *eq = strchr(arg, '=');
	int idx = o->headline;
	struct nr_range r;

	if (eq) {
		idx = find_metric(arg, (size_t)(eq - arg));
		if (idx == -2)
			return unknown_usage("%s: metric name '%.*s' is ambiguous", critical ? "--critical" : "--warning",
			                     (int)(eq - arg), arg);
		if (idx < 0)
			return unknown_usage("%s: no metric named '%.*s' (see --help)",
			                     critical ? "--critical" : "--warning", (int)(eq - arg), arg);
		arg = eq + 1;
	}
	if (nr_range_parse(arg, &r) < 0)
		return unknown_usage("%s: '%s' is not a range (N, N:, ~:N, N:M or @N:M)",
		                     critical ? "--critical" : "--warning", arg);
	if (critical) {
		o->th[idx].crit = r;
		o->th[idx].has_crit = 1;
	} else {
		o->th[idx].warn = r;
		o->th[idx].has_warn = 1;
	}
	return OK;
}

static void set_default(struct opts *o, const char *metric, const char *warn, const char *crit)
{
	int i = revmon_metric_find(metric);

	if (i < 0)
		return;
	o->th[i].has_warn = nr_range_parse(warn, &o->th[i].warn) == 0;
	o->th[i].has_crit = nr_range_parse(crit, &o->th[i].crit) == 0;
}

/* ---- options ---- */

static int push(char ***list, size_t *n, char *item)
{
	char **p = realloc(*list, (*n + 1) * sizeof *p);

	if (!p)
		return -1;
	*list = p;
	(*list)[(*n)++] = item;
	return 0;
}

/* Expand --extra-opts in place: its options come first, so that the command
 * line can override them. Returns a new argv (the caller frees the array
 * and *extra) or NULL after printing an UNKNOWN line. */
static char **expand_extra_opts(int *argc, char **argv, char ***extra)
{
	char **out = calloc((size_t)*argc + 1, sizeof *out);
	size_t n = 0, total = (size_t)*argc;

	*extra = NULL;
	if (!out)
		return NULL;
	out[n++] = argv[0];
	for (int i = 1; i < *argc; i++) {
		const char *spec = NULL;
		char why[300];
		char **opts, **grown;
		size_t k = 0;

		if (strcmp(argv[i], "--extra-opts") == 0)
			spec = "";
		else if (strncmp(argv[i], "--extra-opts=", 13) == 0)
			spec = argv[i] + 13;
		if (!spec) {
			out[n++] = argv[i];
			continue;
		}
		opts = eo_load(spec, PROGNAME, why, sizeof why);
		if (!opts) {
			printf(SERVICE " UNKNOWN - --extra-opts: %s\n", why);
			free(out);
			eo_free(*extra);
			*extra = NULL;
			return NULL;
		}
		while (opts[k])
			k++;
		total += k;
		grown = realloc(out, (total + 1) * sizeof *out);
		if (!grown) {
			eo_free(opts);
			free(out);
			return NULL;
		}
		out = grown;
		/* extra options go right after argv[0], before the command line's */
		memmove(out + 1 + k, out + 1, (n - 1) * sizeof *out);
		memcpy(out + 1, opts, k * sizeof *out);
		n += k;
		/* keep the strings alive: collect them */
		{
			size_t had = 0;
			char **keep;

			while (*extra && (*extra)[had])
				had++;
			keep = realloc(*extra, (had + k + 1) * sizeof *keep);
			if (!keep) {
				eo_free(opts);
				free(out);
				return NULL;
			}
			memcpy(keep + had, opts, k * sizeof *keep);
			keep[had + k] = NULL;
			*extra = keep;
			free(opts); /* the strings now belong to *extra */
		}
	}
	out[n] = NULL;
	*argc = (int)n;
	return out;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"warning", required_argument, NULL, 'w'},
		{"critical", required_argument, NULL, 'c'},
		{"timeout", required_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"show-users", no_argument, NULL, 'U'},
		{"source", required_argument, NULL, 's'},
		{"config", required_argument, NULL, 'C'},
		{"monitor", required_argument, NULL, 'm'},
		{"set", required_argument, NULL, 'S'},
		{"state-file", required_argument, NULL, 'f'},
		{"no-state", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hVw:c:t:v", longopts, NULL)) != -1) {
		char *end;
		unsigned long t;

		switch (c) {
		case 'h':
			print_help(o);
			return -UNKNOWN; /* guidelines: help exits UNKNOWN */
		case 'V':
			printf("%s %s (librevmon)\n", PROGNAME, revmon_version());
			return -UNKNOWN;
		case 'w':
		case 'c':
			if ((rc = set_threshold(o, optarg, c == 'c')) != OK)
				return rc;
			break;
		case 't':
			errno = 0;
			t = strtoul(optarg, &end, 10);
			if (errno || *end || t < 1 || t > 3600 || optarg[0] == '-')
				return unknown_usage("--timeout: '%s' is not a number of seconds (1-3600)", optarg);
			o->timeout = (unsigned)t;
			break;
		case 'v': o->verbose++; break;
		case 'U': o->show_users = 1; break;
		case 's':
			if (push(&o->sources, &o->n_sources, optarg) < 0)
				return unknown_usage("out of memory");
			break;
		case 'C': o->config = optarg; break;
		case 'm': o->monitor = optarg; break;
		case 'S':
			if (push(&o->sets, &o->n_sets, optarg) < 0)
				return unknown_usage("out of memory");
			break;
		case 'f': o->state_file = optarg; break;
		case 'n': o->no_state = 1; break;
		default:
			if (optopt && optopt != '?')
				return unknown_usage("option -%c needs a value or is not known", optopt);
			return unknown_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return unknown_usage("unexpected argument '%s' (this check takes options only)", argv[optind]);
	return OK;
}

/* ---- the monitor's configuration ---- */

static revmon_conf *build_conf(const struct opts *o, char *why, size_t whylen)
{
	struct revmon_error err;
	revmon_conf *c = NULL, **list = NULL;
	size_t n = 0, pick = 0;

	if (o->config) {
		if (revmon_conf_parse_file(o->config, "revocation", &list, &n, &err) < 0) {
			snprintf(why, whylen, "%s", err.msg);
			return NULL;
		}
		if (o->monitor) {
			for (pick = 0; pick < n && strcmp(revmon_conf_name(list[pick]), o->monitor) != 0; pick++)
				;
			if (pick == n) {
				snprintf(why, whylen, "--monitor: %s has no section [%s]", o->config, o->monitor);
				goto fail;
			}
		} else if (n > 1) {
			snprintf(why, whylen, "%s describes %zu monitors: choose one with --monitor", o->config, n);
			goto fail;
		}
		c = list[pick];
		list[pick] = NULL;
		revmon_conf_list_free(list, n);
		list = NULL;
	} else if (!(c = revmon_conf_new("revocation", &err))) {
		snprintf(why, whylen, "%s", err.msg);
		return NULL;
	}
	for (size_t i = 0; i < o->n_sources; i++)
		if (revmon_conf_set(c, "source", o->sources[i], &err) < 0)
			goto bad;
	for (size_t i = 0; i < o->n_sets; i++) {
		char key[128], *eq = strchr(o->sets[i], '=');
		size_t kl = eq ? (size_t)(eq - o->sets[i]) : 0;

		if (!eq || kl == 0 || kl >= sizeof key) {
			snprintf(why, whylen, "--set %s: expected KEY=VALUE", o->sets[i]);
			goto fail;
		}
		memcpy(key, o->sets[i], kl);
		key[kl] = '\0';
		if (revmon_conf_set(c, key, eq + 1, &err) < 0)
			goto bad;
	}
	return c;
bad:
	snprintf(why, whylen, "%s", err.msg);
fail:
	revmon_conf_list_free(list, n);
	revmon_conf_free(c);
	return NULL;
}

/* ---- the library's log: kept for the long output ---- */

struct logbook {
	char lines[64][240];
	size_t n;
	int verbose;
};

static void keep_log(void *ctx, enum revmon_log_level level, const char *msg)
{
	struct logbook *lb = ctx;

	if (level == REVMON_LOG_DEBUG && lb->verbose < 3)
		return;
	if (lb->n < 64)
		snprintf(lb->lines[lb->n++], sizeof lb->lines[0], "%s", msg);
}

/* ---- output ---- */

static void fmt_duration(double s, char *out, size_t cap)
{
	long long t = (long long)(s + 0.5);

	if (t >= 86400)
		snprintf(out, cap, "%lldd%02lldh", t / 86400, t / 3600 % 24);
	else if (t >= 3600)
		snprintf(out, cap, "%lldh%02lldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(out, cap, "%lldm%02llds", t / 60, t % 60);
	else
		snprintf(out, cap, "%llds", t);
}

static void fmt_value(const struct revmon_metric_desc *d, const struct revmon_value *v, char *out, size_t cap)
{
	if (!v->known)
		snprintf(out, cap, "unknown");
	else if (d->kind == REVMON_COUNTER)
		snprintf(out, cap, "%" PRIu64, v->counter);
	else if (d->unit == REVMON_UNIT_SECONDS)
		fmt_duration(v->value, out, cap);
	else if (d->unit == REVMON_UNIT_PERCENT)
		snprintf(out, cap, "%.1f%%", v->value);
	else
		snprintf(out, cap, "%.4g", v->value);
}

static const char *user_label(const struct opts *o, const char *user, char *buf, size_t cap)
{
	uint64_t h = 1469598103934665603ULL;

	if (o->show_users)
		return user;
	for (const char *p = user; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(buf, cap, "user-%08" PRIx64, h & 0xffffffffu);
	return buf;
}

static double val(const revmon_snapshot *s, const char *name, int *known)
{
	int i = revmon_metric_find(name);

	*known = i >= 0 && s->values[i].known;
	return *known ? s->values[i].value : 0;
}

/* The facts that matter, in a few words. */
static void summary(const revmon_snapshot *s, char *out, size_t cap)
{
	char a[32], b[32];
	int k1, k2, k3;
	double lag = val(s, "revocation_lag_p95", &k1), stuck = val(s, "stale_clients", &k2);
	double live = val(s, "stale_tokens_live", &k3);
	size_t n = 0;
	int w;

	if (k1) {
		fmt_duration(lag, a, sizeof a);
		w = snprintf(out, cap, "revocation lag p95 %s", a);
	} else {
		w = snprintf(out, cap, "no revocation enforced in the lag window");
	}
	n = w > 0 ? (size_t)w : 0;
	if (n < cap && k2)
		n += (size_t)snprintf(out + n, cap - n, ", %.0f client%s stuck on revoked grants", stuck,
		                      stuck == 1 ? "" : "s");
	if (n < cap && k3 && live > 0) {
		int kx;
		double exp = val(s, "exposure_max", &kx);

		fmt_duration(exp, b, sizeof b);
		snprintf(out + n, cap - n, ", %.0f revoked token%s valid up to %s more", live,
		         live == 1 ? "" : "s", b);
	}
}

static void long_output(const struct opts *o, const revmon_snapshot *s, const struct logbook *lb,
                        const char *state_note)
{
	size_t max = o->verbose >= 3 ? 100 : o->verbose == 2 ? 20 : 5;
	char ub[32], t1[32];

	if (state_note)
		printf("%s\n", state_note);
	if (o->verbose < 1)
		return;
	if (s->simulated)
		printf("Data come from the built-in tenant simulator, not from a real tenant.\n");
	printf("Stuck clients (oldest revocation first): %zu\n", s->n_stuck);
	for (size_t i = 0; i < s->n_stuck && i < max; i++) {
		const struct revmon_stuck_client *c = &s->stuck[i];

		fmt_duration((double)(s->now_ms - c->revoked_ms) / 1000.0, t1, sizeof t1);
		printf("  %s on %s%s%s: revoked %s ago, %" PRIu64 " refused presentations\n",
		       user_label(o, c->user, ub, sizeof ub), c->app, c->device[0] ? " device " : "",
		       c->device, t1, c->presentations);
	}
	printf("Latest revocations: %zu\n", s->n_revocations);
	for (size_t i = 0; i < s->n_revocations && i < max; i++) {
		const struct revmon_revocation *r = &s->revocations[i];

		fmt_duration((double)(s->now_ms - r->revoked_ms) / 1000.0, t1, sizeof t1);
		if (r->enforced_ms) {
			char lag[32];

			fmt_duration((double)(r->enforced_ms - r->revoked_ms) / 1000.0, lag, sizeof lag);
			printf("  %s %s ago (%s): enforced after %s (%s)\n", user_label(o, r->user, ub, sizeof ub),
			       t1, revmon_cause_name(r->cause), lag,
			       r->cae == 1 ? "CAE" : r->cae == 0 ? "non-CAE" : "regime unknown");
		} else {
			printf("  %s %s ago (%s): no refusal seen yet\n", user_label(o, r->user, ub, sizeof ub), t1,
			       revmon_cause_name(r->cause));
		}
	}
	if (o->verbose >= 2) {
		for (size_t i = 0; i < s->n_sources; i++)
			printf("Source %s: %s%s%s\n", s->sources[i].name, s->sources[i].up ? "up" : "DOWN",
			       s->sources[i].error ? ": " : "", s->sources[i].error ? s->sources[i].error : "");
	}
	if (o->verbose >= 2)
		for (size_t i = 0; i < lb->n; i++)
			printf("log: %s\n", lb->lines[i]);
}

/* ---- the run ---- */

static int default_state_path(const revmon_conf *c, char *out, size_t cap)
{
	const char *dir = getenv("REVMON_STATE_DIR");
	char own[64];

	if (!dir || !*dir) {
		/* one directory per user: root's runs and nagios's never share */
		snprintf(own, sizeof own, DEFAULT_STATE_DIR "-%u", (unsigned)getuid());
		dir = own;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	/* /var/tmp is shared: refuse a directory someone else prepared. */
	{
		struct stat st;

		if (lstat(dir, &st) < 0)
			return -1;
		if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 022)) {
			errno = EPERM;
			snprintf(out, cap, "%s", dir);
			return -2;
		}
	}
	snprintf(out, cap, "%s/%s-%016" PRIx64 ".state", dir, revmon_conf_name(c), revmon_conf_fingerprint(c));
	return 0;
}

/* Hold an exclusive lock on PATH.lock; a second check on the same state
 * waits its turn (bounded by the timeout's alarm). */
static int lock_state(const char *path)
{
	char lock[4300];
	int fd;

	snprintf(lock, sizeof lock, "%s.lock", path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int evaluate(const struct opts *o, const revmon_snapshot *s, int *worst_metric)
{
	int status = OK;

	*worst_metric = -1;
	for (size_t i = 0; i < s->n_values; i++) {
		const struct threshold *t = &o->th[i];
		int st = OK;

		if (!s->values[i].known)
			continue; /* nothing to judge */
		if (t->has_crit && nr_range_alert(&t->crit, s->values[i].value))
			st = CRITICAL;
		else if (t->has_warn && nr_range_alert(&t->warn, s->values[i].value))
			st = WARNING;
		if (st > status) {
			status = st;
			*worst_metric = (int)i;
		}
	}
	return status;
}

static int run(struct opts *o)
{
	char why[600], state_path[4200], note[700], line[1024];
	struct logbook lb = {.verbose = o->verbose};
	struct revmon_hooks hooks = {.log = keep_log, .ctx = &lb};
	struct revmon_error err;
	revmon_conf *c;
	revmon *m = NULL;
	revmon_snapshot *s = NULL;
	const char *state_note = NULL;
	int status = UNKNOWN, lockfd = -1, worst, down = 0;
	int64_t start = 0;
	struct timespec ts;

	phase(o, "reading the configuration");
	c = build_conf(o, why, sizeof why);
	if (!c)
		return unknown_usage("%s", why);
	m = revmon_open(c, &hooks, &err);
	if (!m) {
		revmon_conf_free(c);
		return unknown_usage("%s", err.msg);
	}
	if (!o->no_state) {
		if (o->state_file) {
			snprintf(state_path, sizeof state_path, "%s", o->state_file);
		} else {
			int rc = default_state_path(c, state_path, sizeof state_path);

			if (rc == -2) {
				printf(SERVICE " UNKNOWN - state directory %s is not a private directory of this user"
				       " (use --state-file or --no-state)\n", state_path);
				goto out;
			}
			if (rc < 0) {
				printf(SERVICE " UNKNOWN - cannot create the state directory: %s (use --state-file or --no-state)\n",
				       strerror(errno));
				goto out;
			}
		}
		phase(o, "waiting for the lock on %s (another check is using it)", state_path);
		lockfd = lock_state(state_path);
		if (lockfd < 0) {
			printf(SERVICE " UNKNOWN - %s.lock: %s\n", state_path, strerror(errno));
			goto out;
		}
		phase(o, "reading the state file %s", state_path);
		switch (revmon_state_load(m, state_path, &err)) {
		case -1:
			snprintf(note, sizeof note, "State file refused and replaced: %s", err.msg);
			state_note = note;
			break;
		case -2:
			printf(SERVICE " UNKNOWN - %s\n", err.msg);
			goto out;
		default:
			break;
		}
	}
	/* Poll until every source has delivered what it has, leaving time to
	 * report and save within the timeout. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	start = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	for (;;) {
		int64_t now, left;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		left = (int64_t)o->timeout * 800 - (now - start) - 500;
		if (left <= 0)
			break;
		phase(o, "polling the sources");
		down = revmon_poll(m, left > 5000 ? 5000 : (int)left);
		if (revmon_done(m) || down)
			break;
	}
	phase(o, "taking the snapshot");
	s = revmon_snapshot_take(m);
	if (!s) {
		printf(SERVICE " UNKNOWN - out of memory\n");
		goto out;
	}
	if (lockfd >= 0) {
		phase(o, "writing the state file %s", state_path);
		if (revmon_state_save(m, state_path, &err) < 0) {
			printf(SERVICE " UNKNOWN - cannot save state: %s\n", err.msg);
			goto out;
		}
	}
	alarm(0);

	status = evaluate(o, s, &worst);
	summary(s, line, sizeof line);
	/* A source that cannot answer until someone acts (permissions,
	 * credentials, licence) says nothing about revocations: UNKNOWN with
	 * the reason. One that is down is CRITICAL. */
	for (size_t i = 0; i < s->n_sources; i++)
		if (!s->sources[i].up) {
			status = s->sources[i].unusable ? UNKNOWN : CRITICAL;
			snprintf(why, sizeof why, "source %s %s: %s, ", s->sources[i].name,
			         s->sources[i].unusable ? "cannot answer" : "down",
			         s->sources[i].error ? s->sources[i].error : "no answer");
			worst = -2;
			if (status == UNKNOWN)
				break;
		}
	if (!down && !revmon_done(m)) {
		/* The sources had more to give than the time allows. */
		status = UNKNOWN;
		snprintf(why, sizeof why, "timed out after %u s while polling the sources (input left to read), ",
		         o->timeout);
		worst = -2;
	}
	printf(SERVICE " %s - %s%s", state_names[status], s->simulated ? "[simulated tenant] " : "",
	       worst == -2 ? why : "");
	if (worst >= 0) {
		const struct revmon_metric_desc *d = revmon_metric((size_t)worst);
		char v[32];

		fmt_value(d, &s->values[worst], v, sizeof v);
		printf("%s %s (%s range %s), ", d->name, v, status == CRITICAL ? "critical" : "warning",
		       status == CRITICAL ? o->th[worst].crit.text : o->th[worst].warn.text);
	}
	printf("%s |", line);
	for (size_t i = 0; i < s->n_values; i++) {
		char pd[256];

		pd_format(pd, sizeof pd, revmon_metric(i), &s->values[i],
		          o->th[i].has_warn ? o->th[i].warn.text : NULL,
		          o->th[i].has_crit ? o->th[i].crit.text : NULL);
		printf(" %s", pd);
	}
	putchar('\n');
	long_output(o, s, &lb, state_note);
out:
	revmon_snapshot_free(s);
	revmon_close(m);
	revmon_conf_free(c);
	if (lockfd >= 0)
		close(lockfd);
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
