/* The event model: what a parser extracts from one log record.
 *
 * Every string is a borrowed slice of the parser's input buffer (raw JSON
 * string contents, escapes left intact); it is valid only while that buffer
 * lives and must be copied by whoever keeps it. */
#ifndef RM_EVENT_H
#define RM_EVENT_H

#include <stddef.h>
#include <stdint.h>

struct rm_str {
	const char *p;
	size_t n;
};

enum rm_event_kind {
	RM_EV_SIGNIN = 1, /* Graph signIn / SignInLogs-family record */
	RM_EV_AUDIT = 2,  /* Graph directoryAudit / AuditLogs record */
};

struct rm_event {
	enum rm_event_kind kind;
	int64_t time_ms;            /* createdDateTime / activityDateTime, ms since the epoch, UTC */
	struct rm_str id;           /* record id, for deduplication */
	struct rm_str correlation_id;
	struct rm_str user_id;      /* signIn.userId; audit: the target user's id */
	struct rm_str upn;          /* userPrincipalName of that user */
	int64_t received_ms;        /* Log Analytics _TimeReceived when projected, else 0 */

	/* sign-ins */
	struct rm_str app_id;
	struct rm_str app_name;     /* appDisplayName, for people reading verbose output */
	struct rm_str device_id;    /* deviceDetail.deviceId, often empty */
	struct rm_str os;           /* deviceDetail.operatingSystem, e.g. "Ios 18.2.1", often empty */
	int32_t error_code;         /* status.errorCode (or resultType); 0 = success */
	int8_t interactive;         /* 1 interactive, 0 non-interactive */
	int8_t cae;                 /* "Is CAE Token": 1 True, 0 False, -1 absent */
	int64_t grant_ms;           /* from a 50173 failureReason: grant issue time, 0 if absent */
	int64_t tokens_valid_from_ms; /* from a 50173 failureReason: TokensValidFrom, 0 if absent */

	/* directory audits */
	struct rm_str activity;     /* activityDisplayName */
	struct rm_str service;      /* loggedByService */
	struct rm_str initiator_app;/* initiatedBy.app.displayName, e.g. sync services */
	int8_t result_ok;           /* result == "success" (1), anything else 0 */
	int64_t valid_from_ms;      /* StsRefreshTokensValidFrom newValue, 0 if absent */
	int8_t account_disabled;    /* modifiedProperties AccountEnabled newValue false */
};

#endif
