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

/* The simulated wall clock. */
int64_t rm_sim_clock(const struct rm_sim *s);

/* Ground truth at the simulated clock, with the analyzer's window
 * definitions. Lags: revocations whose first refusal happened in
 * (now - lag_window, now]; percentiles by nearest rank. */
struct rm_sim_truth {
	uint64_t revocations;           /* revocation events so far (all causes, mass included) */
	uint64_t revocations_by_cause[5]; /* enum rm_cause order */
	size_t lags;                    /* enforced revocations in the lag window */
	double lag_p50_s, lag_p95_s, lag_max_s;
	uint64_t stuck_clients;         /* clients that presented a revoked grant in (now - window, now]
	                                   although their revocation is older than stuck_after */
	uint64_t stale_tokens_live;     /* non-CAE access tokens issued before their user's latest
	                                   revocation and still unexpired at now */
	uint64_t stale_tokens_live_cae; /* CAE ones not yet refused (revocation + propagation > now) */
	double exposure_max_s;          /* time until the last of those expires; 0 if none */
	uint64_t signins, signins_interactive;
};
void rm_sim_truth(const struct rm_sim *s, int64_t window_ms, int64_t lag_window_ms,
                  int64_t stuck_after_ms, struct rm_sim_truth *t);

#endif
