/* The configuration vocabulary: the key table, validation, and the settings a
 * monitor is opened with. */
#ifndef RM_CONFIG_H
#define RM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "revmon.h"

struct rm_pair {
	char *key;
	char *value;
};

struct revmon_conf {
	char name[64];
	struct rm_pair *pairs; /* in the order set; later values win, lists accumulate */
	size_t n;
};

enum rm_shape_default { RM_SIM_SHAPE_DEFAULT = 0 };

/* Everything a monitor needs, resolved from a configuration with defaults. */
struct rm_settings {
	char name[64];
	char **sources; /* "sim", "file:PATH"; owned */
	size_t n_sources;

	int64_t window_ms;
	int64_t settle_ms;
	int64_t lag_window_ms;
	int64_t stuck_after_ms;
	int64_t access_token_lifetime_ms;
	int64_t cae_propagation_bound_ms;
	int64_t reauth_window_ms;
	int64_t baseline_halflife_ms;
	int64_t baseline_warmup_ms;
	int64_t dedupe_horizon_ms;
	int64_t revocation_merge_ms;
	size_t max_record_bytes;
	size_t max_document_bytes;
	struct rm_classifier classifier;

	/* simulator */
	uint64_t sim_seed;
	uint32_t sim_users;
	int64_t sim_start_ms;
	int64_t sim_duration_ms;
	int64_t sim_step_ms;
	double sim_revocation_rate;
	int64_t sim_mass_revocation_ms; /* offset from sim_start, 0 = none */
	double sim_mass_share;
	double sim_stuck_share;
	double sim_cae_share;
	int64_t sim_delivery_delay_max_ms;
	int sim_shape; /* enum rm_shape */

	/* live Microsoft Graph source; strings owned, NULL when not set */
	char *graph_tenant;
	char *graph_client_id;
	char *graph_client_secret_file;
	char *graph_client_secret_env;  /* the name of the variable, never its value */
	char *graph_certificate_file;
	char *graph_private_key_file;
	char *graph_authority;          /* https://host[/path], no trailing slash */
	char *graph_base;
	char *graph_ca_file;
	int64_t graph_overlap_ms;
	int64_t graph_lookback_ms;
	int64_t graph_request_timeout_ms;
	uint32_t graph_page_size;
	uint32_t graph_rate;            /* audit-log requests per 10 s */
	int graph_noninteractive;
	int graph_select;              /* $select the fields records.c reads */
	int graph_session_lookup;      /* users' signInSessionsValidFromDateTime for bare refusals */

	/* the revocation drill ("probe" source); strings owned, NULL when not set */
	int probe_flavour;              /* RM_PROBE_ENTRA or RM_PROBE_OAUTH */
	int64_t probe_interval_ms;
	int64_t probe_max_wait_ms;
	int64_t probe_poll_ms;
	int64_t probe_request_timeout_ms;
	char *probe_client_id;
	char *probe_client_secret_file;
	char *probe_client_secret_env;  /* the name of the variable, never its value */
	char *probe_username;
	char *probe_user_id;
	char *probe_password_file;
	char *probe_password_env;       /* the name of the variable, never its value */
	char *probe_refresh_token_file;
	char *probe_token_url;
	char *probe_scope;
	char *probe_resource;
	char *probe_resource_url;
	char *probe_revocation_url;
	char *probe_introspection_url;
	char *probe_ca_file;
	int probe_cae;                  /* expect enforcement before expiry (Entra: declare cp1) */
	int probe_wait_expiry;          /* non-CAE: wait for the refusal at expiry */
};

enum { RM_PROBE_ENTRA = 0, RM_PROBE_OAUTH = 1 };

/* Resolve c into s (defaults first, then every pair in order). Returns 0, or
 * -1 with err naming the key. The caller owns s and frees it with
 * rm_settings_free. */
int rm_settings_load(const struct revmon_conf *c, struct rm_settings *s, struct revmon_error *err);
void rm_settings_free(struct rm_settings *s);

/* Parse a duration: seconds ("90"), or integers each with a unit ms, s, m,
 * h or d ("15m", "2h30m", "500ms"). Returns 0 and *ms, or -1. */
int rm_parse_duration(const char *v, int64_t *ms);

/* Fill err like printf, truncating. */
void rm_errorf(struct revmon_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
