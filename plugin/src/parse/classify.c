#include "classify.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_scan.h"

/* entra-facts.md §5; sorted by code for bsearch. */
static const struct rm_code_override default_codes[] = {
	{50034, RM_CLASS_ACCOUNT},   /* UserAccountNotFound (deleted) */
	{50053, RM_CLASS_ACCOUNT},   /* IdsLocked */
	{50055, RM_CLASS_EXPIRY},    /* password expired */
	{50057, RM_CLASS_ACCOUNT},   /* UserDisabled */
	{50058, RM_CLASS_BENIGN},    /* no SSO session, expected with prompt=none */
	{50074, RM_CLASS_POLICY},    /* MFA required */
	{50076, RM_CLASS_POLICY},    /* MFA not passed */
	{50078, RM_CLASS_POLICY},    /* MFA claim expired */
	{50079, RM_CLASS_POLICY},    /* MFA enrollment required */
	{50089, RM_CLASS_EXPIRY},    /* flow token expired */
	{50097, RM_CLASS_BENIGN},    /* device authentication required: broker step */
	{50126, RM_CLASS_ACCOUNT},   /* invalid user name or password */
	{50132, RM_CLASS_REVOKED},   /* SsoArtifactInvalidOrExpired */
	{50133, RM_CLASS_REVOKED},   /* SsoArtifactRevoked */
	{50140, RM_CLASS_BENIGN},    /* KMSI interrupt */
	{50144, RM_CLASS_EXPIRY},    /* on-prem password expired */
	{50158, RM_CLASS_POLICY},    /* ExternalSecurityChallenge: an external MFA provider's step not satisfied */
	{50173, RM_CLASS_REVOKED},   /* grant revoked: the canonical stale-token signal */
	{50196, RM_CLASS_STORM},     /* LoopDetected */
	{53000, RM_CLASS_POLICY},    /* DeviceNotCompliant */
	{53001, RM_CLASS_POLICY},    /* DeviceNotDomainJoined */
	{53003, RM_CLASS_POLICY},    /* BlockedByConditionalAccess */
	{70008, RM_CLASS_EXPIRY},    /* ExpiredOrRevokedGrant (inactivity) */
	{70043, RM_CLASS_POLICY},    /* sign-in frequency */
	{70044, RM_CLASS_POLICY},    /* sign-in frequency session expiry */
	{90055, RM_CLASS_STORM},     /* TenantThrottlingError */
	{500133, RM_CLASS_EXPIRY},   /* assertion not within its valid time range */
	{530003, RM_CLASS_POLICY},   /* device must be managed */
	{700082, RM_CLASS_EXPIRY},   /* refresh token expired by inactivity */
	{700084, RM_CLASS_EXPIRY},   /* SPA refresh token lifetime */
};

/* entra-facts.md §2.2: documented activity names. "Update user" is handled
 * apart because it revokes only with certain modified properties. */
static const struct {
	const char *name;
	enum rm_cause cause;
} default_acts[] = {
	{"Update StsRefreshTokenValidFrom Timestamp", RM_CAUSE_ADMIN},
	{"Change user password", RM_CAUSE_PASSWORD},
	{"Reset password", RM_CAUSE_PASSWORD},
	{"Set force change user password", RM_CAUSE_PASSWORD},
	{"Change password (self-service)", RM_CAUSE_PASSWORD},
	{"Reset password (self-service)", RM_CAUSE_PASSWORD},
	{"Reset password (by admin)", RM_CAUSE_PASSWORD},
	{"User Password Reset", RM_CAUSE_PASSWORD},
	{"Disable account", RM_CAUSE_DISABLE},
	{"Delete user", RM_CAUSE_DISABLE},
	{"Hard Delete user", RM_CAUSE_DISABLE},
	{"User registered security info", RM_CAUSE_MFA},
	{"User deleted security info", RM_CAUSE_MFA},
	{"User changed default security info", RM_CAUSE_MFA},
	{"User updated security info", RM_CAUSE_MFA},
	{"Admin registered security info", RM_CAUSE_MFA},
	{"Admin updated security info", RM_CAUSE_MFA},
	{"Admin deleted security info", RM_CAUSE_MFA},
	{"Enable Strong Authentication", RM_CAUSE_MFA},
	{"Update per-user multifactor authentication state", RM_CAUSE_MFA},
	{"ConfirmAccountCompromised", RM_CAUSE_RISK},
	{"ConfirmCompromised", RM_CAUSE_RISK},
};

static const char *const class_names[RM_CLASS_COUNT] = {
	"other", "revoked", "expiry", "policy", "account", "benign", "storm",
};

static const char *const cause_names[RM_CAUSE_COUNT] = {
	"admin_revoke", "password", "disable", "mfa", "risk", "inferred",
};

const char *rm_class_name(enum rm_class c)
{
	return (unsigned)c < RM_CLASS_COUNT ? class_names[c] : "?";
}

int rm_class_parse(const char *s)
{
	for (int i = 0; i < RM_CLASS_COUNT; i++)
		if (strcmp(s, class_names[i]) == 0)
			return i;
	return -1;
}

const char *rm_cause_name_of(enum rm_cause c)
{
	return (unsigned)c < RM_CAUSE_COUNT ? cause_names[c] : "?";
}

int rm_cause_parse(const char *s)
{
	/* "inferred" is the analyzer's own; configuration cannot map to it. */
	for (int i = 0; i < RM_CAUSE_INFERRED; i++)
		if (strcmp(s, cause_names[i]) == 0)
			return i;
	return -1;
}

int rm_classifier_init(struct rm_classifier *c)
{
	size_t n = sizeof default_acts / sizeof default_acts[0];

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < n; i++)
		if (rm_classifier_set_activity(c, default_acts[i].name, default_acts[i].cause) < 0) {
			rm_classifier_free(c);
			return -1;
		}
	return 0;
}

void rm_classifier_free(struct rm_classifier *c)
{
	for (size_t i = 0; i < c->n_acts; i++)
		free(c->acts[i].name);
	free(c->acts);
	free(c->codes);
	memset(c, 0, sizeof *c);
}

int rm_classifier_set_code(struct rm_classifier *c, int32_t code, enum rm_class cls)
{
	struct rm_code_override *p;

	for (size_t i = 0; i < c->n_codes; i++)
		if (c->codes[i].code == code) {
			c->codes[i].cls = cls;
			return 0;
		}
	p = realloc(c->codes, (c->n_codes + 1) * sizeof *p);
	if (!p)
		return -1;
	c->codes = p;
	c->codes[c->n_codes++] = (struct rm_code_override){code, cls};
	return 0;
}

int rm_classifier_set_activity(struct rm_classifier *c, const char *name, enum rm_cause cause)
{
	struct rm_activity *p;
	char *copy;

	for (size_t i = 0; i < c->n_acts; i++)
		if (strcasecmp(c->acts[i].name, name) == 0) {
			c->acts[i].cause = cause;
			return 0;
		}
	copy = strdup(name);
	p = copy ? realloc(c->acts, (c->n_acts + 1) * sizeof *p) : NULL;
	if (!p) {
		free(copy);
		return -1;
	}
	c->acts = p;
	c->acts[c->n_acts++] = (struct rm_activity){copy, cause};
	return 0;
}

static int code_cmp(const void *k, const void *e)
{
	int32_t a = *(const int32_t *)k, b = ((const struct rm_code_override *)e)->code;
	return (a > b) - (a < b);
}

enum rm_class rm_classify_code(const struct rm_classifier *c, int32_t code)
{
	const struct rm_code_override *hit;

	for (size_t i = 0; i < c->n_codes; i++)
		if (c->codes[i].code == code)
			return c->codes[i].cls;
	hit = bsearch(&code, default_codes, sizeof default_codes / sizeof default_codes[0],
	              sizeof default_codes[0], code_cmp);
	return hit ? hit->cls : RM_CLASS_OTHER;
}

/* Activity names are compared case-insensitively, and the unified audit
 * log's trailing period ("... Timestamp.") is tolerated. */
static int activity_matches(struct rm_str act, const char *name)
{
	if (rm_json_str_eq_ci(act, name))
		return 1;
	if (act.n > 1 && act.p[act.n - 1] == '.') {
		struct rm_str trimmed = {act.p, act.n - 1};
		return rm_json_str_eq_ci(trimmed, name);
	}
	return 0;
}

enum rm_cause rm_classify_audit(const struct rm_classifier *c, const struct rm_event *ev)
{
	if (ev->kind != RM_EV_AUDIT || !ev->result_ok)
		return RM_CAUSE_NONE;
	/* Configured entries come after the defaults; the last match wins. */
	for (size_t i = c->n_acts; i-- > 0;)
		if (activity_matches(ev->activity, c->acts[i].name))
			return c->acts[i].cause;
	if (activity_matches(ev->activity, "Update user")) {
		if (ev->account_disabled)
			return RM_CAUSE_DISABLE;
		if (ev->valid_from_ms)
			return RM_CAUSE_ADMIN;
	}
	return RM_CAUSE_NONE;
}
