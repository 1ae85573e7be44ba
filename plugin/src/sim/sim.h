/* The tenant simulator: a deterministic, seeded model of an Entra tenant that
 * writes its sign-in and audit logs as JSON text in the documented shapes and
 * remembers the ground truth.
 *
 * No globals: one rm_sim per caller; its randomness comes from its seed alone,
 * so the same parameters always produce the same bytes. */
#ifndef RM_SIM_H
#define RM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

enum rm_shape {
	RM_SHAPE_NDJSON = 0, /* one Graph object (beta signIn / v1.0 directoryAudit) per line */
	RM_SHAPE_GRAPH,      /* Graph list pages {"@odata.context":..,"value":[..]} one per line,
	                        sign-in and audit pages apart, up to 1000 objects each */
	RM_SHAPE_EVENTHUB,   /* Event Hubs bodies {"records":[..]}, mixed categories, one per line */
	RM_SHAPE_PT1H,       /* storage PT1H.json: one Azure Monitor record per line */
	RM_SHAPE_ARRAY,      /* a top-level JSON array of Graph objects per run (a JSON download) */
	RM_SHAPE_LA,         /* Log Analytics rows (SigninLogs, AADNonInteractive..., AuditLogs), one per line */
	RM_SHAPE_LA_QUERY,   /* the query API's answer {"tables":[..]}, one per table and run, a line each */
	RM_SHAPE_AZCLI,      /* az monitor log-analytics query -o json: an array of stringified rows per run */
	RM_SHAPE_CSV,        /* the Log Analytics portal's Export to CSV: one header, a row per record */
	RM_SHAPE_ENTRA_CSV,  /* the Entra admin center's sign-in download: CSV with human labels,
	                        sign-ins only (no audits, no CAE flag, no interactive column:
	                        the download names its files for that, see rm_sim_run_split) */
};

struct rm_sim_params {
	uint64_t seed;
	uint32_t users;                 /* tenant size */
	int64_t start_ms;               /* simulated clock at creation */
	double revocations_per_user_day;/* background revocations (all causes) */
	int64_t mass_revocation_at_ms;  /* absolute time of a mass revocation, 0 = none */
	double mass_revocation_share;   /* share of users revoked then, 0..1 */
	double stuck_share;             /* share of revoked non-CAE mobile clients that never recover */
	double cae_app_share;           /* share of client instances on CAE-capable apps */
	int64_t access_token_lifetime_ms;   /* upper bound of non-CAE token lifetime (60..this) */
	int64_t cae_propagation_max_ms;     /* CAE enforcement delay drawn in 0..this */
	int64_t delivery_delay_max_ms;      /* log delivery delay drawn in ~0..this (long tail) */
};

/* Fill p with the defaults (seed 1, 2000 users, start 2026-01-05T08:00:00Z, ...). */
void rm_sim_params_default(struct rm_sim_params *p);

struct rm_sim;

/* Create a simulator. Returns NULL on bad parameters or no memory; the caller
 * owns the result and frees it with rm_sim_free. */
struct rm_sim *rm_sim_new(const struct rm_sim_params *p);
void rm_sim_free(struct rm_sim *s);

/* Advance the simulated clock to until_ms (no-op if not later) and append to
 * out, in the given shape, every record whose delivery time is <= until_ms,
 * in delivery order. Returns the number of records appended, or -1 when
 * memory runs out. */
long rm_sim_run(struct rm_sim *s, int64_t until_ms, enum rm_shape shape, struct rm_buf *out);

/* As rm_sim_run, except that in RM_SHAPE_ENTRA_CSV the non-interactive
 * sign-ins go to noninteractive (the download's NonInteractiveSignIns_*.csv)
 * and the interactive ones to out (InteractiveSignIns_*.csv), each opened by
 * its header row. rm_sim_run writes both kinds into out under one header: a
 * reader then takes them all for the kind the file's name says. */
long rm_sim_run_split(struct rm_sim *s, int64_t until_ms, enum rm_shape shape, struct rm_buf *out,
                      struct rm_buf *noninteractive);

/* The next run writes to new files (a restored cursor's reader, say): the
 * CSV shapes begin with their header rows again. */
void rm_sim_reopen(struct rm_sim *s);

/* The simulated wall clock. */
int64_t rm_sim_clock(const struct rm_sim *s);

/* A client family's share of the ground truth: an app (its display name) on
 * a platform (rm_platform_of's name for its deviceDetail.operatingSystem). */
struct rm_sim_family_truth {
	char app[64];
	char platform[32];
	uint64_t stuck;         /* its clients stuck now (stuck_clients) */
	uint64_t presentations; /* its refused presentations of revoked grants so far */
	uint64_t tokens;        /* its share of stale_tokens_live */
	uint64_t tokens_cae;    /* its share of stale_tokens_live_cae */
};

#define RM_SIM_FAMILIES_MAX 16

/* Ground truth at the simulated clock, with the analyzer's definitions.
 * Lags: revocations whose first refusal happened in (now - lag_window, now];
 * percentiles by nearest rank. */
struct rm_sim_truth {
	uint64_t revocations;           /* revocation events so far (all causes, mass included) */
	uint64_t revocations_by_cause[5]; /* enum rm_cause order */
	size_t lags;                    /* enforced revocations in the lag window */
	double lag_p50_s, lag_p95_s, lag_max_s;
	uint64_t stuck_clients;         /* clients stuck now: a client becomes stuck at a refused
	                                   presentation of a revoked grant made more than
	                                   stuck_after after the revocation it ran into, and stays
	                                   so until it signs in successfully or stuck_forget
	                                   passes without another such refusal */
	double stale_age_max_s;         /* largest now - (the revocation a stuck client's latest
	                                   stuck refusal ran into) over those clients; 0 if none */
	uint64_t stale_presentations;   /* refused presentations of revoked grants so far */
	uint64_t stale_tokens_live;     /* non-CAE access tokens, each client's newest issued before
	                                   its user's latest revocation, unexpired at now (whether
	                                   or not a refresh was refused or succeeded since) */
	uint64_t stale_tokens_live_cae; /* CAE ones, while now < revocation + cae_propagation_max */
	double exposure_max_s;          /* time until the last non-CAE one expires; 0 if none */
	uint64_t stale_tokens_possible; /* the same counted as a log reader must: until issue +
	                                   the longest lifetime (access_token_lifetime_ms), since
	                                   a log does not say each token's own */
	double exposure_possible_s;     /* likewise */
	uint64_t signins, signins_interactive;
	size_t n_families;              /* every family of the catalog, in its (stable) order */
	struct rm_sim_family_truth families[RM_SIM_FAMILIES_MAX];
};
void rm_sim_truth(const struct rm_sim *s, int64_t lag_window_ms, int64_t stuck_after_ms,
                  int64_t stuck_forget_ms, struct rm_sim_truth *t);

#endif
