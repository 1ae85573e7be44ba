/* Private to the simulator (sim.c runs the model, sim_emit.c writes the
 * records): its state, its randomness and the catalogs both halves read. */
#ifndef RM_SIM_INTERNAL_H
#define RM_SIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "sim.h"

/* splitmix64's finaliser: identifiers are hashes of (seed, what, index), so
 * they never depend on the order the model consumes its random stream in. */
static inline uint64_t rm_sim_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rm_sim_hash(uint64_t a, uint64_t b, uint64_t c)
{
	return rm_sim_mix(a ^ rm_sim_mix(b ^ rm_sim_mix(c)));
}

/* xoshiro256**: the model's one random stream. */
struct rm_sim_rng {
	uint64_t s[4];
};

static inline void rm_sim_rng_seed(struct rm_sim_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = rm_sim_mix(seed + (uint64_t)i * 0x632be59bd9b4e019ULL);
}

static inline uint64_t rm_sim_rng_next(struct rm_sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t x = s[1] * 5, res = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return res;
}

/* Uniform in [0, 1). */
static inline double rm_sim_rng_unit(struct rm_sim_rng *r)
{
	return (double)(rm_sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi] (hi >= lo). */
static inline int64_t rm_sim_rng_range(struct rm_sim_rng *r, int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1;

	if (span == 0) /* the whole int64 range */
		return (int64_t)rm_sim_rng_next(r);
	return lo + (int64_t)(rm_sim_rng_next(r) % span);
}

/* Client applications. */
enum rm_sim_app_kind {
	RM_APP_MOBILE = 0,
	RM_APP_DESKTOP,
	RM_APP_BROWSER,
	RM_APP_LEGACY,
};

/* The platform a client runs on; rm_sim_os_spellings gives the ways
 * deviceDetail.operatingSystem writes it. */
enum rm_sim_os {
	RM_OS_IOS = 0,
	RM_OS_ANDROID,
	RM_OS_MACOS,
	RM_OS_WINDOWS,
};

#define RM_SIM_OS_SPELLINGS 3
extern const char *const rm_sim_os_spellings[4][RM_SIM_OS_SPELLINGS];

/* A client family: an app on one platform. */
struct rm_sim_app {
	const char *id;
	const char *name;
	const char *client_app_used;
	const char *resource_name;
	const char *resource_id;
	uint8_t kind;        /* enum rm_sim_app_kind */
	uint8_t os;          /* enum rm_sim_os */
	uint8_t cae_capable; /* may get CAE tokens */
	uint8_t weight;      /* relative share of client instances */
	uint8_t mfa;         /* every interactive sign-in asks for MFA (admin portals) */
	uint8_t stuck_prone; /* non-CAE clients may never recover (entra-facts §10) */
	uint8_t broker;      /* refreshes go through the mobile broker's device-auth step */
	const char *user_agent;
	const char *browser; /* deviceDetail.browser */
};

#define RM_SIM_APPS_MAX 32
extern const struct rm_sim_app rm_sim_apps[];
extern const unsigned rm_sim_napps;

/* Client c's deviceDetail.operatingSystem: one spelling, the same in every
 * record of the client. */
const char *rm_sim_os_of(const struct rm_sim *s, uint32_t c);

/* Audit activities the model writes. */
enum rm_sim_activity {
	RM_ACT_UPDATE_USER_STS = 0, /* "Update user" half of a portal revoke */
	RM_ACT_UPDATE_STS,          /* "Update StsRefreshTokenValidFrom Timestamp" */
	RM_ACT_RESET_PW_ADMIN,      /* "Reset password (by admin)" */
	RM_ACT_CHANGE_PW,           /* "Change user password" */
	RM_ACT_DISABLE,             /* "Disable account" */
	RM_ACT_DELETE,              /* "Delete user" */
	RM_ACT_ENABLE,              /* "Enable account" (not a revocation) */
	RM_ACT_USER_REG_SEC,        /* "User registered security info" */
	RM_ACT_ADMIN_REG_SEC,       /* "Admin registered security info" */
	RM_ACT_CONFIRM_COMPROMISED, /* "ConfirmAccountCompromised" */
};

enum rm_sim_rec_kind {
	RM_REC_SIGNIN = 0,
	RM_REC_AUDIT,
};

/* A record waiting for its delivery time. Everything the emitter needs that
 * can change later is copied here; the rest is derived from the user's and
 * client's index. */
struct rm_sim_rec {
	int64_t t;        /* event time, ms */
	int64_t deliver;  /* delivery time, ms */
	uint64_t seq;     /* creation order: tie-break and identifier seed */
	uint64_t corr;    /* correlation seed: the records of one flow share it */
	int64_t a;        /* sign-in: grant time; audit: old StsRefreshTokensValidFrom */
	int64_t b;        /* sign-in: TokensValidFrom; audit: the new one */
	uint32_t who;     /* sign-in: client index; audit: target user index */
	int32_t code;     /* sign-in: AADSTS code; audit: enum rm_sim_activity */
	uint8_t kind;     /* enum rm_sim_rec_kind */
	uint8_t interactive;
	uint8_t cae;
	uint8_t mfa;      /* interactive: an MFA step was done */
};

/* Client flags. */
#define RM_CL_CAE 0x01        /* gets CAE tokens */
#define RM_CL_LIVE 0x02       /* holds an access token it believes valid */
#define RM_CL_MFA 0x08        /* the pending interactive flow was prompted for MFA */

enum rm_sim_state {
	RM_ST_ACTIVE = 0, /* refreshes when its token expires (CAE: or when refused) */
	RM_ST_REAUTH,     /* an interactive sign-in is due */
	RM_ST_STUCK,      /* never recovers: retries its revoked grant forever */
	RM_ST_ACCOUNT,    /* account disabled or deleted: a few retries */
	RM_ST_DORMANT,    /* no activity until the account comes back */
};

/* A client's latest refused presentation of a revoked grant under one
 * revocation (the one it ran into). */
struct rm_sim_stale {
	int64_t t, rev;
};

/* Revocations remembered per client, newest first. An older one is kept
 * only while its refusal is older than the newer ones' (t - rev larger):
 * then no stuck_after makes it the latest stuck refusal but it. */
#define RM_SIM_STALE_KEPT 3

struct rm_sim_client {
	int64_t tok_issue; /* current access token */
	int64_t tok_exp;
	int64_t pre_issue; /* the token it held at its user's latest revocation, 0 none */
	int64_t pre_exp;
	int64_t grant;     /* refresh token's authentication time */
	int64_t next;      /* scheduled action, 0 = none */
	struct rm_sim_stale stale[RM_SIM_STALE_KEPT]; /* since its last successful sign-in */
	uint32_t user;
	uint8_t app;
	uint8_t flags;
	uint8_t state;     /* enum rm_sim_state */
	uint8_t retries;   /* per-state counter (interrupts, bursts, retries) */
	uint8_t nstale;
};

/* User flags. */
#define RM_US_DISABLED 0x01
#define RM_US_DELETED 0x02

struct rm_sim_user {
	int64_t rev_ms;       /* StsRefreshTokensValidFrom: latest revocation */
	uint32_t first_client;
	uint32_t rev_idx;     /* index into revs of the latest revocation, UINT32_MAX none */
	uint8_t nclients;
	uint8_t flags;
	uint8_t cause;        /* enum rm_cause of the latest revocation */
};

struct rm_sim_rev {
	int64_t at;
	int64_t first_refusal; /* 0 until a client is refused */
	uint32_t user;
	uint8_t cause;
};

struct rm_sim_hent {
	int64_t t;
	uint32_t id;
	uint32_t pad;
};

struct rm_sim {
	struct rm_sim_params p;
	struct rm_sim_rng rng;
	int64_t now;
	uint64_t tenant_seed;
	char tenant[37];
	char admin_id[37];
	char ca_ids[4][37];     /* the tenant's conditional access policies */

	struct rm_sim_user *users;
	struct rm_sim_client *clients;
	uint32_t nclients;

	uint32_t *cq;             /* clients' next actions: heap keyed by (next, index) */
	uint32_t *cq_pos;         /* each client's place in cq, UINT32_MAX none */
	size_t cq_len;
	struct rm_sim_hent *heap; /* tenant-wide events, keyed by (t, id) */
	size_t heap_len, heap_cap;

	struct rm_sim_rec *recs;  /* undelivered records, heap keyed by (deliver, seq) */
	size_t rec_len, rec_cap;
	uint64_t seq;

	struct rm_sim_rev *revs;
	size_t nrevs, revs_cap;

	uint32_t mass_cursor;
	int64_t storm_until;      /* end of the re-auth storm after a mass revocation */

	uint64_t revocations, by_cause[5];
	uint64_t signins, signins_interactive;
	uint64_t presented[RM_SIM_APPS_MAX]; /* refused presentations of revoked grants, per app */
	int oom;

	/* Graph pages being filled (RM_SHAPE_GRAPH), query answers' rows */
	struct rm_buf page_signin, page_audit;
	struct rm_buf scratch, la_row, cell; /* the Log Analytics shapes' working room */
	int csv_header; /* written: a CSV export has one header */
	int entra_header[2]; /* the admin center's files' headers written: one file, interactive apart */
};

/* Append r as a Graph object (beta signIn / v1.0 directoryAudit), or as an
 * Azure Monitor diagnostic record wrapping it. No trailing newline.
 * Return 0, or -1 when memory runs out. */
int rm_sim_emit_graph(const struct rm_sim *s, const struct rm_sim_rec *r, struct rm_buf *out);
int rm_sim_emit_monitor(const struct rm_sim *s, const struct rm_sim_rec *r, struct rm_buf *out);

/* The Log Analytics shapes (sim_shapes.c); each appends, 0 or -1 on no
 * memory. A row of r's table (scratch: working room for its Graph object): */
int rm_sim_emit_la(const struct rm_sim *s, const struct rm_sim_rec *r, struct rm_buf *scratch,
                   struct rm_buf *out);
/* From such a row: the query API's columns and one row of cells, az CLI's
 * stringified object, the portal CSV's header and one row. */
int rm_sim_la_columns(int audits, struct rm_buf *out);
int rm_sim_la_row(const char *row, size_t n, int audits, struct rm_buf *out);
int rm_sim_la_azcli(const char *row, size_t n, struct rm_buf *out);
int rm_sim_csv_header(struct rm_buf *out);
int rm_sim_csv_row(const char *row, size_t n, struct rm_buf *scratch, struct rm_buf *out);

/* The Entra admin center's sign-in download (sim_emit.c): its header row,
 * and r (a sign-in) as one row. 0, or -1 when memory runs out. */
int rm_sim_entra_csv_header(struct rm_buf *out);
int rm_sim_emit_entra_csv(const struct rm_sim *s, const struct rm_sim_rec *r, struct rm_buf *out);

/* Format a GUID from a 64-bit seed into out (37 bytes). */
void rm_sim_guid(uint64_t seed, char *out);

#endif
