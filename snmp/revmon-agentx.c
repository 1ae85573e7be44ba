/* revmon-agentx — the revmon metrics as an AgentX subagent of net-snmp.
 *
 *   revmon-agentx [-c FILE] [-t] [-V] [-h]
 *
 * One row of REVMON-MIB's revmonSourceTable per [section] of the
 * configuration file (see agent_conf.h and snmp/README.md). Each row is
 * polled by its own worker thread; net-snmp runs on this thread only.
 * SIGHUP reloads the file (unchanged sections keep their monitor and
 * counters), SIGTERM/SIGINT end with status 0. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_conf.h"
#include "log.h"
#include "mib_layout.h"
#include "mibview.h"
#include "rows.h"
#include "traps.h"

#define APP "revmon-agentx"
#define DEFAULT_CONFIG "/etc/revmon/revmon-agentx.conf"

/* Set by the signal handlers, read by the main loop. */
static volatile sig_atomic_t got_term;
static volatile sig_atomic_t got_hup;
static int wake_pipe[2] = {-1, -1};

struct agent {
	const char *path;
	struct rm_agent_settings s;
	struct rm_shared shared;
	struct rm_view *view;
	struct rm_row **rows; /* sorted by index */
	size_t n_rows;
	unsigned next_index;
	char tmp_persist[512]; /* our private persistent dir, removed at exit */
};

static void on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
	/* Wake select() even when the signal lands just before it. */
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], "x", 1) < 0) {
		/* full pipe: a wake-up is already pending */
	}
	errno = saved;
}

static void drain(int fd, void *data)
{
	char buf[64];

	(void)data;
	while (read(fd, buf, sizeof buf) > 0)
		;
}

static int signals_init(void)
{
	struct sigaction sa;

	if (pipe(wake_pipe) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(wake_pipe[i], F_SETFL, fcntl(wake_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: select() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A vanished master must not kill us through a socket write. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int by_index(const void *a, const void *b)
{
	const struct rm_row *x = *(struct rm_row *const *)a, *y = *(struct rm_row *const *)b;

	return (x->index > y->index) - (x->index < y->index);
}

/* Start the rows of c (takes its confs), appending to *rows. */
static void start_rows(struct agent *a, struct rm_agent_conf *c)
{
	for (size_t i = 0; i < c->n_rows; i++) {
		struct rm_row *r;

		if (!c->rows[i].conf)
			continue;
		r = rm_row_start(a->next_index, &c->rows[i], &a->shared);
		if (r) {
			a->rows[a->n_rows++] = r;
			a->next_index++;
		}
	}
}

static void reload(struct agent *a)
{
	struct rm_agent_conf c;
	struct rm_row **old = a->rows, **keep = NULL;
	size_t n_old = a->n_rows, kept = 0, reopened = 0, added = 0, closed = 0;
	char err[1024];

	if (rm_agent_conf_load(a->path, &c, err, sizeof err) < 0) {
		rm_log(LOG_ERR, "reload refused, keeping the running configuration: %s", err);
		return;
	}
	if (strcmp(c.s.socket, a->s.socket) != 0 || strcmp(c.s.base_oid, a->s.base_oid) != 0 ||
	    strcmp(c.s.persistent_dir, a->s.persistent_dir) != 0 || c.s.ping_s != a->s.ping_s ||
	    c.s.log_syslog != a->s.log_syslog)
		rm_log(LOG_WARNING, "reload: agentx_socket, agentx_ping, base_oid, log and "
		                    "persistent_dir take effect at the next start only");
	keep = calloc(c.n_rows + 1, sizeof *keep);
	a->rows = calloc(c.n_rows + 1, sizeof *a->rows);
	if (!keep || !a->rows) {
		rm_log(LOG_ERR, "reload: out of memory");
		free(a->rows);
		a->rows = old;
		goto out;
	}
	a->n_rows = 0;
	/* Unchanged sections keep their row, monitor and counters. */
	for (size_t i = 0; i < c.n_rows; i++)
		for (size_t j = 0; j < n_old; j++) {
			if (!old[j] || strcmp(old[j]->name, revmon_conf_name(c.rows[i].conf)) != 0)
				continue;
			if (revmon_conf_equal(old[j]->conf, c.rows[i].conf)) {
				rm_row_set_timing(old[j], c.rows[i].interval_ms, c.rows[i].budget_ms);
				old[j]->notify = c.rows[i].notify; /* its state stays */
				a->rows[a->n_rows++] = old[j];
				revmon_conf_free(c.rows[i].conf);
				c.rows[i].conf = NULL;
				kept++;
			} else {
				keep[i] = old[j]; /* changed: its index is reused below */
			}
			old[j] = NULL;
			break;
		}
	/* Close what changed or went before opening anything: two monitors
	 * must not read the same source at once. The view lets go first. */
	rm_view_set_rows(a->view, a->rows, a->n_rows);
	for (size_t j = 0; j < n_old; j++)
		if (old[j]) {
			rm_log(LOG_INFO, "[%s] removed (row %u)", old[j]->name, old[j]->index);
			rm_row_stop(old[j]);
			closed++;
		}
	for (size_t i = 0; i < c.n_rows; i++) {
		struct rm_row *r;
		unsigned index;

		if (!keep[i])
			continue;
		index = keep[i]->index;
		rm_log(LOG_INFO, "[%s] configuration changed: re-opening (counters restart)",
		       keep[i]->name);
		rm_row_stop(keep[i]);
		r = rm_row_start(index, &c.rows[i], &a->shared);
		if (r)
			a->rows[a->n_rows++] = r;
		reopened++;
	}
	added = a->n_rows;
	start_rows(a, &c);
	added = a->n_rows - added;
	qsort(a->rows, a->n_rows, sizeof *a->rows, by_index);
	rm_view_set_rows(a->view, a->rows, a->n_rows);
	rm_log(LOG_INFO, "reloaded %s: %zu kept, %zu re-opened, %zu new, %zu removed", a->path, kept,
	       reopened, added, closed);
	free(old);
out:
	free(keep);
	rm_agent_conf_free(&c);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void netsnmp_setup(struct agent *a)
{
	const char *persist = a->s.persistent_dir[0] ? a->s.persistent_dir : a->tmp_persist;

	if (a->s.log_syslog)
		snmp_enable_syslog_ident(APP, LOG_DAEMON);
	else
		snmp_enable_stderrlog();
	setenv("MIBS", "", 1); /* numeric OIDs only: parse no MIB files */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	/* Without it net-snmp still creates /var/lib/snmp/cert_indexes. */
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, persist);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	/* One "cannot connect" line per ping while the master is away is noise. */
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_NO_CONNECTION_WARNINGS, 1);
	if (a->s.socket[0])
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, a->s.socket);
	init_agent(APP);
	/* After init_agent(), which resets it to 15 s. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
	                   a->s.ping_s);
}

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: %s [-c FILE] [-t] [-V] [-h]\n"
	           "  -c, --config=FILE  configuration file (default %s)\n"
	           "  -t, --check        check the configuration and exit\n"
	           "  -V, --version      print the version and exit\n"
	           "  -h, --help         print this help and exit\n"
	           "An AgentX subagent serving REVMON-MIB to the local snmpd (see revmon-agentx(8)).\n",
	        APP, DEFAULT_CONFIG);
	return rc;
}

/* The options into *path and *check: -1 to go on, or the exit status when
 * they end the run (--help, --version, a bad one). */
static int parse_args(int argc, char **argv, const char **path, int *check)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, 't'},
		{"version", no_argument, NULL, 'V'},      {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:tVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': *path = optarg; break;
		case 't': *check = 1; break;
		case 'V': printf("%s %s\n", APP, revmon_version()); return 0;
		case 'h': return usage(stdout, 0);
		default: return usage(stderr, 2);
		}
	}
	return optind != argc ? usage(stderr, 2) : -1;
}

int main(int argc, char **argv)
{
	struct agent a = {.path = DEFAULT_CONFIG, .next_index = 1};
	struct rm_agent_conf c = {0};
	unsigned long arcs[RM_MAX_ARCS];
	char err[1024], version[128];
	int opt, check = 0, rc = 1, n_arcs, snmp_up = 0;
	unsigned gen, seen_gen = (unsigned)-1;

	if ((opt = parse_args(argc, argv, &a.path, &check)) >= 0)
		return opt;
	if (rm_agent_conf_load(a.path, &c, err, sizeof err) < 0) {
		fprintf(stderr, "%s: %s\n", APP, err);
		return 2;
	}
	a.s = c.s;
	n_arcs = rm_parse_oid(a.s.base_oid, arcs, RM_MAX_ARCS);
	if (check) {
		printf("%s: %s: ok, %zu monitor(s), base OID %s\n", APP, a.path, c.n_rows, a.s.base_oid);
		rc = 0;
		goto out;
	}
	rm_log_init(a.s.log_syslog);
	a.shared.start_ms = revmon_monotonic_ms();
	atomic_init(&a.shared.generation, 0);
	a.shared.wake_fd = -1;
	if (!a.s.persistent_dir[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(a.tmp_persist, sizeof a.tmp_persist, "%s/revmon-agentx.XXXXXX",
		         tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(a.tmp_persist)) {
			rm_log(LOG_ERR, "%s: %s", a.tmp_persist, strerror(errno));
			a.tmp_persist[0] = '\0';
			goto out;
		}
	}
	if (signals_init() < 0) {
		rm_log(LOG_ERR, "pipe: %s", strerror(errno));
		goto out;
	}
	snprintf(version, sizeof version, "revmon-agentx %s (net-snmp %s)", revmon_version(),
	         netsnmp_get_version());
	a.view = rm_view_new(arcs, (size_t)n_arcs, &a.shared, version, err, sizeof err);
	if (!a.view) {
		rm_log(LOG_ERR, "%s", err);
		goto out;
	}
	netsnmp_setup(&a);
	snmp_up = 1;
	if (rm_view_register(a.view) < 0) {
		rm_log(LOG_ERR, "cannot register %s", a.s.base_oid);
		goto out;
	}
	register_readfd(wake_pipe[0], drain, NULL);
	a.shared.wake_fd = wake_pipe[1]; /* a publish wakes the loop: notifications go out */
	init_snmp(APP); /* connects to the master (or keeps retrying) */
	a.rows = calloc(c.n_rows + 1, sizeof *a.rows);
	if (!a.rows) {
		rm_log(LOG_ERR, "out of memory");
		goto out;
	}
	start_rows(&a, &c);
	rm_view_set_rows(a.view, a.rows, a.n_rows);
	rm_log(LOG_INFO, "serving %zu monitor(s) under %s, AgentX master %s, ping %d s", a.n_rows,
	       a.s.base_oid, a.s.socket[0] ? a.s.socket : "(net-snmp default)", a.s.ping_s);
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			reload(&a);
		}
		agent_check_and_process(1);
		if ((gen = atomic_load(&a.shared.generation)) != seen_gen) {
			seen_gen = gen;
			rm_traps_check(arcs, (size_t)n_arcs, a.rows, a.n_rows);
		}
	}
	rm_log(LOG_INFO, "terminating");
	rc = 0;
out:
	if (a.view)
		rm_view_set_rows(a.view, NULL, 0);
	for (size_t i = 0; i < a.n_rows; i++)
		rm_row_stop(a.rows[i]);
	free(a.rows);
	rm_view_free(a.view);
	if (snmp_up)
		snmp_shutdown(APP);
	if (wake_pipe[0] >= 0) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
	}
	if (a.tmp_persist[0])
		nftw(a.tmp_persist, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	rm_agent_conf_free(&c);
	return rc;
}
