/* check_revocation's pieces, one file per job:
 *
 *   check_revocation.c  the timeout, the run, main
 *   options.def         the options: the command line's, the help's and the manual's table
 *   help.c              usage and help, from options.def and the core's tables
 *   options.c           the command line, --extra-opts, the monitor's configuration
 *   thresholds.c        -w/-c ranges per metric and judging a snapshot by them
 *   status.c            the status line's words (pure, for the unit tests)
 *   output.c            the status line, perfdata and the long output
 *   state_file.c        where the state file lives, its lock, load and save
 *
 * Everything here is the check's own; the core is reached through revmon.h. */
#ifndef CHECK_H
#define CHECK_H

#include <stddef.h>

#include "range.h"
#include "revmon.h"
#include "status.h"

#define PROGNAME "check_revocation"
#define SERVICE "REVOCATION"
#define DEFAULT_TIMEOUT 30
#define DEFAULT_STATE_DIR "/var/tmp/revmon"

struct opts {
	struct threshold *th;      /* one per registry metric */
	int headline;              /* registry index of the -w/-c metric */
	unsigned timeout;
	int verbose;
	int show_users;
	int family_perfdata;       /* --family-perfdata: an item per family and family metric */
	int list_stuck;            /* --list-stuck: every stuck client, one a line */
	int no_state;
	const char *config;
	const char *monitor;
	const char *state_file;
	char **sources;
	size_t n_sources;
	char **sets;
	size_t n_sets;
};

/* ---- help.c ---- */

void print_usage(void);
void print_help(const struct opts *o);
/* Print "REVOCATION UNKNOWN - <why>" and the usage; returns UNKNOWN. */
int unknown_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- check_revocation.c ---- */

/* Name what the check is doing, for the timeout's UNKNOWN line. */
void phase(const struct opts *o, const char *what, ...) __attribute__((format(printf, 2, 3)));

/* ---- options.c ---- */

/* Expand --extra-opts in place: its options come first, so that the command
 * line can override them. Returns a new argv (the caller frees the array
 * and *extra with eo_free) or NULL after printing an UNKNOWN line. */
char **expand_extra_opts(int *argc, char **argv, char ***extra);
/* Fill o from argv. OK to go on; UNKNOWN after printing why; -UNKNOWN when
 * the run ends here successfully (--help, --version). o borrows argv's
 * strings. */
int parse_args(struct opts *o, int argc, char **argv);
/* The monitor's configuration from --config/--monitor, --source and --set.
 * Returns a new configuration (the caller frees it) or NULL with why. */
revmon_conf *build_conf(const struct opts *o, char *why, size_t whylen);

/* ---- thresholds.c ---- */

/* "RANGE" for the headline metric or "METRIC=RANGE". OK or UNKNOWN (said). */
int set_threshold(struct opts *o, const char *arg, int critical);
/* The defaults for one metric, by name; ignored when the registry lacks it. */
void set_default(struct opts *o, const char *metric, const char *warn, const char *crit);
/* The worst state any known value is in, and its metric (-1 when OK). */
int evaluate(const struct opts *o, const revmon_snapshot *s, int *worst_metric);

/* ---- output.c ---- */

/* The library's log, kept for the long output. */
struct logbook {
	char lines[64][240];
	size_t n;
	int verbose;
};

/* A revmon_hooks log callback over a struct logbook. */
void keep_log(void *ctx, enum revmon_log_level level, const char *msg);
/* Judge s (thresholds, sources, whether the polls timed out), print the
 * status line with perfdata and the long output; returns the exit state.
 * state_note (or NULL) opens the long output. */
int report(const struct opts *o, const revmon_snapshot *s, int timed_out, const struct logbook *lb,
           const char *state_note);

/* ---- state_file.c ---- */

struct check_state {
	char path[4200];
	int lockfd;             /* -1: no state kept */
	char note[700];
	const char *note_shown; /* note, when the long output must say it */
};

/* Find the state file for c, take its lock and load it into m; with
 * --no-state keep nothing (st->lockfd stays -1). Returns 0, or -1 after
 * printing an UNKNOWN line. */
int state_open(const struct opts *o, const revmon_conf *c, revmon *m, struct check_state *st);
/* Save m's state when state_open kept one. Returns 0, or -1 after printing
 * an UNKNOWN line. */
int state_save(const struct opts *o, revmon *m, const struct check_state *st);
/* Release the lock. */
void state_close(struct check_state *st);

#endif
