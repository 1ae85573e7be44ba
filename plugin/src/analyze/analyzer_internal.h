/* The analyzer's state, shared by analyzer.c (revocations, lags, rates),
 * stale.c (tokens and stuck clients), families.c (the per-family breakdown)
 * and analyzer_state.c (saving and restoring it). Nothing else includes this. */
#ifndef RM_ANALYZER_INTERNAL_H
#define RM_ANALYZER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "util/util.h"
#include "revmon.h"
#include "dedupe.h"

#define BUCKET_MS 10000
#define CAE_TOKEN_LIFETIME_MS (28LL * 3600 * 1000) /* longest CAE token (entra-facts §6) */
#define USER_MEMORY_MS (7LL * 86400 * 1000)        /* stuck clients refer back this far */
#define RECENT_MAX 100

/* A user with a revocation or a refusal: its latest two revocations, when
 * each was enforced (enforce.c), and its recent refusals. */
struct user {
	uint64_t key;
	int64_t revoked_ms;      /* latest revocation R, 0 when none is known */
	int64_t enforced_ms;     /* first refusal at or after R, 0 while pending */
	int64_t old_ms;          /* the revocation before R (or one reported late), 0: none */
	int64_t old_enforced_ms; /* first refusal in [old_ms, R), 0 when none */
	int64_t last_ms;         /* latest event touching this user */
	uint64_t corr;           /* correlation id of the latest revocation's rows */
	uint64_t old_corr;
	char *upn;               /* owned */
	int64_t *ref;            /* refusals within dedupe_horizon, (time << 1) | cae, ascending; owned */
	uint32_t n_ref, cap_ref;
	uint32_t enf_pos;        /* index + 1 into enforcements, 0 when none */
	uint32_t old_enf_pos;
	int8_t cause;
	int8_t old_cause;
	int8_t enforced_cae;
	int8_t old_enforced_cae;
};

/* The newest tokens a client was issued (successful sign-ins): a revocation
 * learned late must still find the token the client held when it happened,
 * and that token stays valid until it expires whatever the client does next. */
#define TOKENS_KEEP 3
struct client {
	uint64_t key;
	uint64_t user;
	int64_t t0;                  /* newest issue time; 0 = none */
	uint32_t d[TOKENS_KEEP - 1]; /* the older ones, as rm_delta_put says */
	uint16_t fam;                /* family id (families.c), 0 = none */
	uint8_t cae;                 /* bit i: token i is a CAE token */
};

/* Times older than a record's newest one are kept as 32-bit distances
 * from it (0: none): a token or sign-in more than 49 days older than the
 * newest is long expired and forgotten, as it can change no metric. */
#define RM_DELTA_MAX ((uint64_t)UINT32_MAX - 1)
static inline int64_t rm_delta_get(int64_t t0, uint32_t d)
{
	return d ? (int64_t)((uint64_t)t0 - (d - 1)) : 0;
}
/* The distance of t (t <= t0) from t0, 0 when t is none or too old. */
static inline uint32_t rm_delta_put(int64_t t0, int64_t t)
{
	uint64_t gap = (uint64_t)t0 - (uint64_t)t;

	return !t || t > t0 || gap > RM_DELTA_MAX ? 0 : (uint32_t)(gap + 1);
}
/* A client's issue times, newest first (0 = none), and back. */
void rm_client_times(const struct client *c, int64_t t[TOKENS_KEEP]);
void rm_client_set_times(struct client *c, const int64_t t[TOKENS_KEEP]);

/* A client that presented a revoked grant: stuck from its first such
 * presentation more than stuck_after past the revocation until it signs in
 * successfully again or has been silent for stuck_forget. */
struct stale {
	uint64_t key;
	uint64_t user;
	int64_t revoked_ms;    /* revocation its latest presentation ran into */
	int64_t first_ms;      /* earliest refused presentation */
	int64_t last_ms;       /* latest refused presentation */
	int64_t last_stuck_ms; /* latest one more than stuck_after past its revocation */
	int64_t ok_ms;         /* latest successful sign-in, 0 when none seen */
	uint64_t presentations;
	uint32_t fam;
	char *upn, *app, *device; /* owned */
};

/* A client family: an app on a platform. Ids are 1.. in order of first
 * sight; rows (the per-family breakdown) 1..families_max in order of first
 * stale activity, the rest summed in the other row. */
#define FAMILIES_CAP 4096
#define ROW_OTHER UINT32_MAX
struct family {
	uint64_t key;                 /* its key in fam_index */
	char *app, *platform, *label; /* owned */
	uint32_t row;                 /* 0 until its first stale activity */
	uint64_t presentations;
	uint64_t stuck, tokens, tokens_cae; /* as of the latest snapshot */
};

struct fam_slot {
	uint64_t key; /* hash of app and platform */
	uint32_t id;
};

/* Recent successful interactive sign-ins of a user, so that re-authentications
 * are counted even when the revocation's audit event arrives after them. */
#define INTER_KEEP 16 /* enough for every re-auth of a user within the horizon */
struct inter {
	uint64_t key;
	int64_t t0;                 /* newest; 0 = empty */
	uint32_t d[INTER_KEEP - 1]; /* the older ones (rm_delta_put) */
	uint16_t counted;           /* bit i: time i already counted as a re-auth */
};

struct enforcement {
	int64_t at_ms;
	int64_t lag_ms;
	uint64_t user;
	int64_t revoked_ms;
	int cae;
};

struct pending {
	uint64_t user;
	int64_t revoked_ms;
};
/* (revocations learned from a failure text wait in a list of pending ones
 * too: they count as inferred once no audit event arrived within settle) */

struct recent {
	uint64_t user;
	int64_t revoked_ms;
	int cause;
};

struct bucket {
	uint32_t reauth;      /* successful interactive sign-ins */
	uint32_t cae_true;    /* successful sign-ins with "Is CAE Token" True */
	uint32_t cae_flagged; /* successful sign-ins carrying the flag */
};

#define RM_OTHER_CODES 64 /* distinct unclassified codes remembered */

struct rm_analyzer {
	const struct rm_settings *s;
	int64_t wm; /* newest event time */
	int64_t keep_ids_from; /* ids of events from here on are kept (0: none) */
	int64_t read_through;  /* rm_analyzer_read_through */

	struct rm_table users, clients, stale, inter;
	struct rm_dedupe seen; /* record ids */

	struct enforcement *enf;
	size_t n_enf, cap_enf, enf_compact_at;
	struct pending *pend;
	size_t n_pend, cap_pend, pend_compact_at;
	struct pending *infer;
	size_t n_infer, cap_infer;

	struct family *fam; /* by id - 1 */
	size_t n_fam, cap_fam;
	struct rm_table fam_index;
	struct family fam_none; /* clients that named no app: summed in other */
	uint32_t n_rows;    /* rows given so far */
	struct recent recent[RECENT_MAX];
	size_t n_recent, recent_head;

	struct bucket *ring;
	size_t n_ring;
	int64_t head_b;   /* bucket index of the newest bucket, -1 before any */
	uint32_t *min_ring; /* interactive successes per minute, for the baseline */
	size_t n_min;
	int64_t head_min;   /* newest minute seen, -1 before any */
	int64_t first_min;  /* oldest minute seen */
	double alpha;       /* the EWMA's weight per minute */

	uint64_t m[RM_M_COUNT]; /* counters */

	/* AADSTS codes the classification table does not list, with their
	 * counts, so that the table can grow from real data */
	struct code_count {
		int32_t code;
		uint64_t n;
	} other[RM_OTHER_CODES];
	size_t n_other;
};

/* enforce.c */
int rm_enf_add_refusal(struct rm_analyzer *a, struct user *u, int64_t t, int cae);
/* Recompute when u's revocations were enforced, after a refusal or a
 * revocation was added. 0, or -1 when memory runs out. */
int rm_enf_reconcile(struct rm_analyzer *a, struct user *u);
void rm_enf_compact(struct rm_analyzer *a, int64_t now);

/* families.c */
uint32_t rm_fam_of(struct rm_analyzer *a, const struct rm_event *ev);
void rm_fam_active(struct rm_analyzer *a, uint32_t id);
struct family *rm_fam_get(struct rm_analyzer *a, uint32_t id);
void rm_fam_free(struct rm_analyzer *a);
/* Append a family read back from a state file (ids follow the order);
 * takes app (owned). 0, or -1 when refused or out of memory. */
int rm_fam_restore(struct rm_analyzer *a, uint64_t key, char *app, const char *platform,
                   uint32_t row, uint64_t presentations);
int rm_fam_fill(struct rm_analyzer *a, struct revmon_snapshot *snap);

/* stale.c: tokens, stuck clients */
int rm_stale_signin_ok(struct rm_analyzer *a, const struct rm_event *ev, uint64_t ukey,
                       uint64_t ckey);
int rm_stale_refused(struct rm_analyzer *a, const struct rm_event *ev, uint64_t ukey,
                     uint64_t ckey, int64_t r);
int rm_stale_keep_client(void *rec, void *ctx);
int rm_stale_keep(void *rec, void *ctx);
int rm_stale_fill(struct rm_analyzer *a, int64_t now, size_t stuck_max,
                  struct revmon_snapshot *snap);
void rm_tokens_fill(struct rm_analyzer *a, int64_t now, struct revmon_snapshot *snap);
char *rm_dup_str(struct rm_str s);
char *rm_dup_or_empty(const char *s);

#endif
