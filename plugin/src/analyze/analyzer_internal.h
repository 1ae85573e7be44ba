/* The analyzer's state, shared by analyzer.c (the logic) and
 * analyzer_state.c (saving and restoring it). Nothing else includes this. */
#ifndef RM_ANALYZER_INTERNAL_H
#define RM_ANALYZER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "metrics/metrics.h"
#include "util/util.h"

#define BUCKET_MS 10000
#define CAE_TOKEN_LIFETIME_MS (28LL * 3600 * 1000) /* longest CAE token (entra-facts §6) */
#define USER_MEMORY_MS (7LL * 86400 * 1000)        /* stuck clients refer back this far */
#define RECENT_MAX 100
#define STUCK_MAX 100
#define GAP_RESET_MINUTES 100000                   /* a gap this long restarts the baseline */

struct user {
	uint64_t key;
	int64_t revoked_ms;   /* latest revocation R, 0 when none is known */
	int64_t enforced_ms;  /* first refusal at or after R, 0 while pending */
	int64_t unmatched_ms; /* earliest refusal no known revocation explains yet */
	int64_t last_ms;      /* latest event touching this user */
	uint64_t corr;        /* correlation id of the latest revocation's rows */
	char *upn;            /* owned */
	uint32_t enf_pos;     /* index + 1 into enforcements, 0 when none */
	int8_t cause;
	int8_t enforced_cae;
	int8_t unmatched_cae;
};

struct client {
	uint64_t key;
	uint64_t user;
	int64_t issued_ms; /* latest successful sign-in: the token it holds */
	int8_t cae;
	int8_t dead;       /* refused since: that token is no longer used */
};

struct stale {
	uint64_t key;
	uint64_t user;
	int64_t revoked_ms;    /* revocation its latest presentation ran into */
	int64_t last_ms;       /* latest refused presentation */
	int64_t last_stuck_ms; /* latest one more than stuck_after past its revocation */
	uint64_t presentations;
	char *upn, *app, *device; /* owned */
};

/* Recent successful interactive sign-ins of a user, so that re-authentications
 * are counted even when the revocation's audit event arrives after them. */
#define INTER_KEEP 4
struct inter {
	uint64_t key;
	int64_t t[INTER_KEEP]; /* newest first; 0 = empty */
	uint8_t counted;       /* bit i: t[i] already counted as a re-auth */
};

struct seen {
	uint64_t key;
	int64_t time_ms;
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

	struct rm_table users, clients, stale, seen, inter;

	struct enforcement *enf;
	size_t n_enf, cap_enf, enf_compact_at;
	struct pending *pend;
	size_t n_pend, cap_pend, pend_compact_at;
	struct recent recent[RECENT_MAX];
	size_t n_recent, recent_head;

	struct bucket *ring;
	size_t n_ring;
	int64_t head_b;   /* bucket index of the newest bucket, -1 before any */
	int64_t first_b;  /* first bucket that saw data */
	int64_t fold_minute;    /* minute being accumulated from leaving buckets */
	uint64_t fold_count;
	double ewma;            /* baseline: interactive sign-ins per minute */
	uint64_t ewma_minutes;  /* minutes folded into it */
	double alpha;

	uint64_t m[RM_M_COUNT]; /* counters */

	/* AADSTS codes the classification table does not list, with their
	 * counts, so that the table can grow from real data */
	struct code_count {
		int32_t code;
		uint64_t n;
	} other[RM_OTHER_CODES];
	size_t n_other;
};

#endif
