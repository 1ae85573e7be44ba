/* Log record extraction: pure functions over buffers.
 *
 * Shapes understood (see ../shared/reference/entra-facts.md §1, §2, §8, §11):
 *  - a Graph signIn object (v1.0 or beta) and a Graph directoryAudit object;
 *  - an Azure Monitor diagnostic record ({"time":..,"category":..,
 *    "properties":{...}}) of category SignInLogs, NonInteractiveUserSignInLogs,
 *    ServicePrincipalSignInLogs, ManagedIdentitySignInLogs or AuditLogs;
 *  - containers: a Graph list page {"value":[...], "@odata.nextLink":..} and an
 *    Event Hubs body {"records":[...]} (categories may be mixed).
 */
#ifndef RM_RECORDS_H
#define RM_RECORDS_H

#include <stddef.h>

#include "event.h"

#define RM_REC_OK 0
#define RM_REC_SKIP 1   /* well-formed, but nothing revmon consumes (e.g. ProvisioningLogs) */
#define RM_REC_BAD (-1) /* malformed: *why names the reason (a static string) */

/* Extract one record (an object, buf[0] == '{') into *ev. Slices in *ev point
 * into buf. Sign-ins: kind, time, id, correlation, user, app, device,
 * error code (status.errorCode, else the export's resultType string), interactive
 * (isInteractive, else signInEventTypes, else the export category), CAE flag
 * ("Is CAE Token" in authenticationProcessingDetails), and for 50173 the two
 * times in the failure text. Audits: kind, time, id, correlation, activity,
 * service, initiator app, result, the first User target's id/UPN, and the
 * StsRefreshTokensValidFrom / AccountEnabled modified properties (their
 * JSON-encoded string values decoded). Required: a parseable time and an id. */
int rm_record_parse(const char *buf, size_t len, struct rm_event *ev, const char **why);

/* Receiver of the records found in a document. */
struct rm_sink {
	void (*event)(void *ctx, const struct rm_event *ev);
	/* A malformed record: reason is static text, offset is relative to the
	 * document's buffer. */
	void (*reject)(void *ctx, const char *reason, size_t offset);
	void *ctx;
};

struct rm_doc_result {
	size_t records;    /* records handed to sink->event */
	size_t skipped;    /* well-formed records of other categories */
	size_t rejected;   /* malformed records (each also reported to sink->reject) */
	struct rm_str next_link; /* @odata.nextLink of a Graph page, raw; empty if none */
};

/* Process one complete top-level JSON value buf[0..len): a container (Graph
 * page or Event Hubs body) or a single record. Every record goes to the sink;
 * a malformed element is rejected and the scan goes on with the next element
 * when the structure allows it. Returns 0, or RM_REC_BAD when the document
 * itself is not one of the shapes (after rejecting it through the sink). */
int rm_doc_parse(const char *buf, size_t len, const struct rm_sink *sink, struct rm_doc_result *res);

#endif
