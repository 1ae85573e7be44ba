/* revmon.h — the whole public API of librevmon.
 *
 * librevmon watches token revocation in Microsoft Entra ID (and other OAuth 2.0
 * identity providers): how long a revocation takes to be enforced, how many
 * revoked or orphaned tokens are still in play, and whether a
 * re-authentication storm is under way.
 *
 * Shape of use (a whole program: tests/integration/package builds it from
 * this comment, against the shared and the static library, through
 * pkg-config --cflags --libs revmon and pkg-config --static):
 *
 * example:begin
 *     #include <stdio.h>
 *     #include <revmon.h>
 *
 *     int main(void)
 *     {
 *         struct revmon_error err;
 *         struct revmon_hooks hooks = {0};          // logs dropped, system clock
 *         revmon_conf *c = revmon_conf_new("contoso", &err);
 *
 *         if (!c || revmon_conf_set(c, "source", "sim", &err) < 0)
 *             return fprintf(stderr, "%s\n", err.msg), 2;
 *         revmon *m = revmon_open(c, &hooks, &err); // c may be freed now
 *         revmon_conf_free(c);
 *         if (!m)
 *             return fprintf(stderr, "%s\n", err.msg), 2;
 *         while (!revmon_done(m))
 *             revmon_poll(m, 5000);                 // as often as you like
 *         revmon_snapshot *s = revmon_snapshot_take(m); // plain data, yours
 *         for (size_t i = 0; s && i < s->n_values; i++)
 *             if (s->values[i].known)
 *                 printf("%s %g\n", revmon_metric(i)->name, s->values[i].value);
 *         revmon_snapshot_free(s);
 *         revmon_close(m);
 *         return 0;
 *     }
 * example:end
 *
 * Threads: the library starts none and has no global mutable state. One
 * monitor must be used by one thread at a time; different monitors may be
 * used from different threads at once. The registry is immutable.
 *
 * Ownership: every function says what the caller owns. "Borrowed" results stay
 * valid as long as the object they came from.
 */
#ifndef REVMON_H
#define REVMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported from the shared library only: the adapters link the core
 * statically and must not re-export it. */
#if defined(REVMON_BUILDING_SHARED) && defined(__GNUC__)
#define REVMON_API __attribute__((visibility("default")))
#else
#define REVMON_API
#endif

/* Version of the library, e.g. "0.1.0". Static string. */
REVMON_API const char *revmon_version(void);

/* ---------------------------------------------------------------------------
 * Errors: functions that can fail take a struct revmon_error and fill msg with
 * one line naming what failed and why (a configuration key, a path, a source).
 * Secrets never appear in it. */
struct revmon_error {
	char msg[512];
};

/* ---------------------------------------------------------------------------
 * The metric registry: one static table describing every metric once. Every
 * adapter renders from it, so metric names, units, SNMP columns and collectd
 * types cannot drift apart. */

enum revmon_kind {
	REVMON_GAUGE = 0,   /* describes the window ending now; may be unknown */
	REVMON_COUNTER = 1, /* cumulative since the monitor started; always known */
};

enum revmon_unit {
	REVMON_UNIT_COUNT = 0,   /* a number of things */
	REVMON_UNIT_SECONDS,     /* a duration */
	REVMON_UNIT_PERCENT,     /* 0..100 */
	REVMON_UNIT_PER_MINUTE,  /* a rate */
	REVMON_UNIT_RATIO,       /* a dimensionless ratio, 1.0 = baseline */
	REVMON_UNIT_BOOLEAN,     /* 0 or 1 */
};

struct revmon_metric_desc {
	const char *name;          /* "revocation_lag_p95": [a-z0-9_], unique */
	enum revmon_kind kind;
	enum revmon_unit unit;
	const char *help;          /* one sentence, the exact definition */
	unsigned snmp_column;      /* column of revmonSourceTable; stable forever */
	unsigned snmp_scale;       /* gauges: SNMP integer = round(value * scale) */
	const char *snmp_units;    /* UNITS clause of the MIB object */
	const char *collectd_type; /* a type from collectd's stock types.db */
};

/* Number of metrics; indexes 0..n-1 are stable within a build. */
REVMON_API size_t revmon_metric_count(void);
/* Describe metric i (borrowed, static), or NULL when i is out of range. */
REVMON_API const struct revmon_metric_desc *revmon_metric(size_t i);
/* Index of the metric with this name, or -1. */
REVMON_API int revmon_metric_find(const char *name);

/* The per-family metrics (revmon_snapshot.families[].values), described
 * like the others; snmp_column is the column in the per-family table. Same
 * ownership and ranges as revmon_metric. */
REVMON_API size_t revmon_family_metric_count(void);
REVMON_API const struct revmon_metric_desc *revmon_family_metric(size_t i);
REVMON_API int revmon_family_metric_find(const char *name);

/* ---------------------------------------------------------------------------
 * Configuration: one vocabulary of `key = value` pairs, validated here so that
 * every adapter refuses a bad key or value with the same words. */

typedef struct revmon_conf revmon_conf;

/* A new, empty configuration for a monitor called name (used in logs, the
 * SNMP table and collectd's plugin instance: [A-Za-z0-9_.-], 1..63 chars).
 * Returns NULL on a bad name or no memory; the caller owns the result. */
REVMON_API revmon_conf *revmon_conf_new(const char *name, struct revmon_error *err);
REVMON_API void revmon_conf_free(revmon_conf *c);
/* Borrowed name of the configuration. */
REVMON_API const char *revmon_conf_name(const revmon_conf *c);

/* Set key to value. An unknown key, or a value that does not parse or is out
 * of range, is refused (returns -1, err names the key and the reason) and the
 * configuration is unchanged. Keys that take a list ("source") accumulate.
 * The strings are copied. */
REVMON_API int revmon_conf_set(revmon_conf *c, const char *key, const char *value,
                               struct revmon_error *err);

/* Set one "KEY=VALUE" argument (a host's --set option): split at the first
 * '=' and passed to revmon_conf_set. Returns 0; -1 when the argument is not
 * KEY=VALUE (err: "ARG: expected KEY=VALUE"); -2 when revmon_conf_set refused
 * the key or the value (err as it says). The strings are copied; the
 * configuration is unchanged on error. */
REVMON_API int revmon_conf_set_arg(revmon_conf *c, const char *key_eq_value, struct revmon_error *err);

/* 1 when a and b have the same name and the same pairs in the same order
 * (a host reloading its configuration keeps the monitors that did not
 * change, and their counters). */
REVMON_API int revmon_conf_equal(const revmon_conf *a, const revmon_conf *b);

/* A 64-bit fingerprint of what the configuration means (its name and the
 * value each key ends up with: the order and spelling of the pairs do not
 * matter), e.g. to name a per-configuration state file. */
REVMON_API uint64_t revmon_conf_fingerprint(const revmon_conf *c);

/* Parse a configuration file:
 *
 *     # comment            ; comment
 *     key = value          (values may be "double quoted" with \" \\ escapes)
 *     [name]               starts the monitor called name
 *
 * Keys before the first [name] are defaults for every monitor; with no
 * section at all the file describes one monitor called default_name.
 * On success returns 0 and *out (an array of *n configurations; the caller
 * owns the array and each element: free with revmon_conf_list_free). On error
 * returns -1 and err says "path:line: key: reason", or names the file and why
 * it is not trusted (revmon_conf_check_file). */
REVMON_API int revmon_conf_parse_file(const char *path, const char *default_name,
                                      revmon_conf ***out, size_t *n, struct revmon_error *err);
/* 0 when the file at path may be trusted as a configuration, as ssh trusts
 * its own: the file, and each directory above it (but for those with the
 * sticky bit, like /tmp), owned by root or the running user and writable by
 * neither group nor others. Else -1 and err names the file and the reason.
 * revmon_conf_parse_file applies it; a host reading files of its own that
 * can name endpoints or secrets (e.g. --extra-opts) calls it. */
REVMON_API int revmon_conf_check_file(const char *path, struct revmon_error *err);
/* Same, over a buffer; origin names it in messages. */
REVMON_API int revmon_conf_parse_buffer(const char *buf, size_t len, const char *origin,
                                        const char *default_name, revmon_conf ***out,
                                        size_t *n, struct revmon_error *err);
REVMON_API void revmon_conf_list_free(revmon_conf **list, size_t n);

/* Parse a duration the way configuration values are read: seconds ("90"),
 * or integers each followed by ms, s, m, h or d ("15m", "2h30m", "500ms").
 * Returns 0 and *ms, or -1. For hosts with duration options of their own. */
REVMON_API int revmon_parse_duration(const char *text, int64_t *ms);

/* Describe configuration key i (0..): returns its name and sets *help and
 * *def (static strings) or returns NULL past the end. For help texts and
 * manual pages. */
REVMON_API const char *revmon_conf_key(size_t i, const char **help, const char **def);

/* The kinds of source a `source` key (or a host's --source) may name, for
 * help texts: one kind a line ("  file:PATH"), each followed by a line of
 * help indented by six spaces. A static string: the caller does not free it. */
REVMON_API const char *revmon_source_kinds_help(void);

/* A host's own keys in a configuration file (the subagent's agentx_socket,
 * poll_interval...), read by the core's reader so that every revmon file
 * reads alike. The reader offers the host each key that is not one of the
 * core's, in file order, with the section it is in (NULL before the first
 * [section]) and its value unquoted; all three are borrowed for the call.
 * Return 1 when the key is the host's (the core then leaves it out of the
 * configurations), 0 when it is not (the core refuses it as an unknown key),
 * or -1 to refuse it with the reason in why->msg: the reader then fails with
 * "origin:line: key: reason". */
typedef int (*revmon_conf_host_key)(void *arg, const char *section, const char *key,
                                    const char *value, struct revmon_error *why);

/* revmon_conf_parse_buffer and revmon_conf_parse_file, offering the host
 * its keys through host_key (with arg); same results and ownership. */
REVMON_API int revmon_conf_parse_buffer_host(const char *buf, size_t len, const char *origin,
                                             const char *default_name,
                                             revmon_conf_host_key host_key, void *arg,
                                             revmon_conf ***out, size_t *n,
                                             struct revmon_error *err);
REVMON_API int revmon_conf_parse_file_host(const char *path, const char *default_name,
                                           revmon_conf_host_key host_key, void *arg,
                                           revmon_conf ***out, size_t *n,
                                           struct revmon_error *err);

/* ---------------------------------------------------------------------------
 * Hooks: the host routes logs and, for tests, the clock. */

enum revmon_log_level {
	REVMON_LOG_ERR = 3, /* same numbers as syslog */
	REVMON_LOG_WARNING = 4,
	REVMON_LOG_INFO = 6,
	REVMON_LOG_DEBUG = 7,
};

struct revmon_hooks {
	/* Called with one line, no newline. msg is borrowed for the call. NULL:
	 * logs are dropped. */
	void (*log)(void *ctx, enum revmon_log_level level, const char *msg);
	/* Wall clock in ms since the epoch, for live sources. NULL: the system's
	 * real-time clock. Replayed files and the simulator run on event time. */
	int64_t (*clock_ms)(void *ctx);
	/* Called now and then during long polls with bytes done and bytes total
	 * (0 when unknown), for progress displays. NULL: none. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *ctx;
};

/* ---------------------------------------------------------------------------
 * Monitors */

typedef struct revmon revmon;

/* Open a monitor. Validates the whole configuration (missing or conflicting
 * keys are refused with their name) and opens its sources; a source that
 * cannot be opened is an error here, not later. hooks may be NULL; it is
 * copied. The caller owns the result and closes it with revmon_close; c may
 * be freed once this returns. */
REVMON_API revmon *revmon_open(const revmon_conf *c, const struct revmon_hooks *hooks,
                               struct revmon_error *err);
REVMON_API void revmon_close(revmon *m);

/* Pull whatever is new from every source into the analyzer, spending at most
 * about budget_ms (a source that has more to give continues at the next poll;
 * nothing ingested is lost). A failing source is marked down and logged while
 * the others go on. Returns the number of sources that failed this poll (0 =
 * all answered). */
REVMON_API int revmon_poll(revmon *m, int budget_ms);

/* 1 when every source has delivered all it has (a replayed file read to its
 * end); live sources and the simulator are never done. */
REVMON_API int revmon_done(const revmon *m);

/* How revmon_poll_until_done ended. */
enum revmon_poll_end {
	REVMON_POLL_DONE = 0,      /* every source delivered all it has */
	REVMON_POLL_TIMED_OUT = 1, /* the time ran out with input left to read */
	REVMON_POLL_FAILED = 2,    /* with REVMON_POLL_STOP_ON_FAILURE: a poll had failing
	                              sources (whether or not they are done) */
};

/* Flags of revmon_poll_until_done. */
#define REVMON_POLL_STOP_ON_FAILURE 1u /* end after the first poll with a failing source */

struct revmon_poll_result {
	enum revmon_poll_end end;
	unsigned polls;        /* revmon_poll calls made */
	unsigned failed_polls; /* of those, the ones in which a source failed */
	int last_failed;       /* sources that failed the last poll (0 when none ran) */
};

/* Call revmon_poll in slices of at most slice_ms until revmon_done, or until
 * timeout_ms (on the monotonic clock) is spent, or, with
 * REVMON_POLL_STOP_ON_FAILURE, until a poll has a failing source. Work in
 * flight (a live source's request) carries on from slice to slice; the call
 * returns within about one slice of the timeout and never sleeps on its own.
 * Fills *res when res is not NULL (the caller's memory) and returns its end. */
REVMON_API enum revmon_poll_end revmon_poll_until_done(revmon *m, int64_t timeout_ms, int slice_ms,
                                                       unsigned flags, struct revmon_poll_result *res);

/* Milliseconds on the monotonic clock the core itself times polls with
 * (an arbitrary origin; for deadlines and rate limits in hosts). */
REVMON_API int64_t revmon_monotonic_ms(void);

/* ---------------------------------------------------------------------------
 * State: a host that runs once per measurement (a Nagios check) keeps what
 * the monitor knows in a state file between runs: the analyzer's state and
 * each source's cursor. The file holds no secret in clear: a drill carried
 * on from one run to the next keeps its canary's old tokens sealed
 * (AES-256-GCM under a key derived from the source's own secrets, which the
 * file does not hold) until the drill ends. It is written with mode 0600.
 * The caller serialises concurrent users of one path (e.g. flock). */

/* Write the state to path atomically (temporary file, fsync, rename),
 * first removing temporary files that writers killed mid-write left beside
 * it (which is why the caller must hold the lock). When path is still the
 * file this monitor loaded or last saved and the state has not changed, the
 * file is left as it is (not rewritten). Returns 0 once the state is on
 * disk at path, or -1 with err (the previous file, if any, is left
 * intact). */
REVMON_API int revmon_state_save(revmon *m, const char *path, struct revmon_error *err);

/* Restore state written by revmon_state_save for the same configuration,
 * into a monitor that has not been polled yet. Returns 0 when restored, 1
 * when there is no such file (a fresh start), -1 when the file was refused
 * (not a state file, another version or configuration, corrupt: err says
 * which; the monitor is left fresh and usable, and the next save replaces
 * the file), -2 when the monitor could not even be reset (close it). */
REVMON_API int revmon_state_load(revmon *m, const char *path, struct revmon_error *err);

/* ---------------------------------------------------------------------------
 * Snapshots: the metric values at "now", as plain data. */

struct revmon_value {
	int known;        /* 0: nothing to describe (rendered as U / NaN / a status column) */
	double value;     /* gauges, in the registry's unit; counters too (exact below 2^53) */
	uint64_t counter; /* counters: the exact count */
};

struct revmon_source_status {
	char *name;       /* "sim", "file:/path", ... */
	int up;           /* 1 when it answered its last poll */
	int unusable;     /* when down: 1 if it cannot answer until someone acts
	                     (permission or credentials refused, licence missing),
	                     0 if it failed in a way that may heal by itself */
	int simulated;    /* 1 for the built-in simulator */
	char *error;      /* last error, NULL when none */
};

struct revmon_stuck_client {
	char *user;       /* userPrincipalName, or userId when the UPN is unknown */
	char *app;        /* appDisplayName, or appId */
	char *platform;   /* "iOS", "Android", "macOS", "Windows", ...; "" when unknown */
	char *device;     /* deviceId, "" when the log had none */
	unsigned family;  /* index of its row in families (revmon_family.index) */
	int64_t revoked_ms;     /* the revocation the client has not caught up with */
	int64_t first_ms;       /* its first refused presentation seen */
	int64_t last_ms;        /* its latest refused presentation */
	uint64_t presentations; /* refused presentations seen from it */
};

/* One row of the per-family breakdown: a client family is an app on a
 * platform. Indexes are stable for as long as the monitor (and its state
 * file) lives: 1 is the row "other", which sums the families beyond
 * families_max; families get 2, 3, ... in the order they first show stale
 * activity, so rows never change places and their counters never go back. */
struct revmon_family {
	unsigned index;
	char *label;      /* "Outlook for iOS and Android on iOS", "other" */
	char *app;        /* appDisplayName or appId; "" for other */
	char *platform;   /* as in revmon_stuck_client; "" for other */
	struct revmon_value *values; /* indexed like revmon_family_metric */
};

struct revmon_revocation {
	char *user;
	int cause;            /* index into revmon_cause_name */
	int64_t revoked_ms;
	int64_t enforced_ms;  /* first refusal seen, 0 when still pending */
	int cae;              /* regime of that refusal: 1 CAE, 0 non-CAE, -1 unknown */
};

/* A failure code the classification table does not list (classify=CODE:CLASS
 * adds one), and how often it was seen. */
struct revmon_code_count {
	int32_t code;
	uint64_t count;
};

typedef struct revmon_snapshot {
	char *monitor;          /* the monitor's name */
	int simulated;          /* 1 when any source is the simulator: say so to people */
	int64_t now_ms;         /* the instant the values describe */
	size_t n_values;        /* == revmon_metric_count() */
	struct revmon_value *values; /* indexed like the registry */
	size_t n_sources;
	struct revmon_source_status *sources;
	size_t n_stuck;         /* clients stuck now, oldest revocation first, at most the
	                           limit asked for (values[stale_clients] is the total) */
	struct revmon_stuck_client *stuck;
	size_t n_families;      /* rows with any stale activity, by index */
	struct revmon_family *families;
	size_t n_revocations;   /* most recent first, at most 100 */
	struct revmon_revocation *revocations;
	int64_t settle_ms;      /* the windowed gauges describe the window ending this long
	                           before now_ms: the settle delay where records may still
	                           arrive late, 0 when every source is a complete replay */
	size_t n_unclassified;  /* most frequent first, at most 10 */
	struct revmon_code_count *unclassified;
} revmon_snapshot;

/* Take a snapshot. Returns NULL only when memory runs out. The caller owns the
 * result and everything it points to; free with revmon_snapshot_free. */
REVMON_API revmon_snapshot *revmon_snapshot_take(revmon *m);
/* The same, listing up to stuck_max stuck clients (revmon_snapshot_take
 * lists 100; SIZE_MAX lists all, for a helpdesk list). */
REVMON_API revmon_snapshot *revmon_snapshot_take_stuck(revmon *m, size_t stuck_max);
REVMON_API void revmon_snapshot_free(revmon_snapshot *s);

/* What an operator does about clients stuck on revoked grants, from the
 * identity provider's documented behaviour: plain text, lines of at most 80
 * columns ending in '\n'; static. */
REVMON_API const char *revmon_stuck_advice(void);

/* Name of a revocation cause ("admin_revoke", "password", "disable", "mfa",
 * "risk", "inferred"); static. */
REVMON_API const char *revmon_cause_name(int cause);

#ifdef __cplusplus
}
#endif

#endif
