/* Classification tables: AADSTS codes to failure classes and audit activity
 * names to revocation causes. Defaults from entra-facts.md §2.2 and §5, each
 * overridable per monitor. */
#ifndef RM_CLASSIFY_H
#define RM_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum rm_class {
	RM_CLASS_OTHER = 0, /* a code the table does not list */
	RM_CLASS_REVOKED,   /* a revoked or invalidated grant was presented */
	RM_CLASS_EXPIRY,    /* normal token lifecycle */
	RM_CLASS_POLICY,    /* re-authentication demanded by policy */
	RM_CLASS_ACCOUNT,   /* account state: disabled, deleted, locked */
	RM_CLASS_BENIGN,    /* interrupts: not failures */
	RM_CLASS_STORM,     /* loop and throttle signals */
	RM_CLASS_COUNT
};

enum rm_cause {
	RM_CAUSE_ADMIN = 0,
	RM_CAUSE_PASSWORD,
	RM_CAUSE_DISABLE,
	RM_CAUSE_MFA,
	RM_CAUSE_RISK,
	RM_CAUSE_INFERRED, /* only a 50173 text told us */
	RM_CAUSE_COUNT,
	RM_CAUSE_NONE = -1
};

const char *rm_class_name(enum rm_class c);
/* Parse a class name ("revoked", ...); -1 if unknown. */
int rm_class_parse(const char *s);
const char *rm_cause_name_of(enum rm_cause c);
/* Parse a cause name accepted in configuration ("admin_revoke", "password",
 * "disable", "mfa", "risk"); -1 if unknown. */
int rm_cause_parse(const char *s);

struct rm_code_override {
	int32_t code;
	enum rm_class cls;
};

struct rm_activity {
	char *name; /* owned */
	enum rm_cause cause; /* RM_CAUSE_NONE: ignore this activity */
};

/* A monitor's classifier: the defaults plus its overrides. */
struct rm_classifier {
	struct rm_code_override *codes; /* overrides, owned */
	size_t n_codes;
	struct rm_activity *acts;       /* defaults + configured, owned; later entries win */
	size_t n_acts;
};

/* 0, or -1 on no memory. */
int rm_classifier_init(struct rm_classifier *c);
void rm_classifier_free(struct rm_classifier *c);
int rm_classifier_set_code(struct rm_classifier *c, int32_t code, enum rm_class cls);
/* cause RM_CAUSE_NONE makes the activity ignored. */
int rm_classifier_set_activity(struct rm_classifier *c, const char *name, enum rm_cause cause);

enum rm_class rm_classify_code(const struct rm_classifier *c, int32_t code);
/* The revocation cause an audit event stands for, or RM_CAUSE_NONE. Failed
 * operations never revoke; "Update user" revokes only when it carries a new
 * StsRefreshTokensValidFrom or disables the account. */
enum rm_cause rm_classify_audit(const struct rm_classifier *c, const struct rm_event *ev);

#endif
