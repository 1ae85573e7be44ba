/* Log record extraction: pure functions over buffers.
 *
 * Shapes understood, each recognised by itself (../shared/reference/
 * entra-facts.md §1, §2, §8, §11; log-shapes.md §1-§3):
 *  - a Graph signIn object (v1.0 or beta) and a Graph directoryAudit object,
 *    also with PowerShell's PascalCase names (names match case-insensitively);
 *  - an Azure Monitor diagnostic record ({"time":..,"category":..,
 *    "properties":{...}}), its properties also as JSON text in a string;
 *  - a Log Analytics / Sentinel row (SigninLogs,
 *    AADNonInteractiveUserSignInLogs, AuditLogs: PascalCase columns, dynamic
 *    columns as objects or as JSON text, az CLI's stringified values);
 *  - containers: a Graph list page {"value":[...], "@odata.nextLink":..}, an
 *    Event Hubs body {"records":[...]}, a top-level array of records, and the
 *    Log Analytics query API answer {"tables":[{"columns":..,"rows":..}]};
 *  - any record wrapped whole in a JSON string by a forwarder.
 * Records of kinds revmon reads past (service principal and managed identity
 * sign-ins, risk events, provisioning, Graph activity, other tables) are
 * ignored, and say which kind they are. CSV is read by csv_records.h. */
#ifndef RM_RECORDS_H
#define RM_RECORDS_H

#include <stddef.h>

#include "event.h"
#include "util/util.h"

#define RM_REC_OK 0
#define RM_REC_SKIP 1   /* well-formed, of a kind revmon does not use: counted as ignored */
#define RM_REC_BAD (-1) /* malformed: *why names the reason (a static string) */

/* Extract one record (an object, buf[0] == '{') into *ev. Slices in *ev point
 * into buf, or into arena when a field came as JSON text inside a string
 * (valid until the arena's next reset, which this call begins with; with a
 * NULL arena such a field makes the record RM_REC_BAD). Sign-ins: kind,
 * time, id, correlation, user, app, device, error code (status.errorCode,
 * else the export's resultType string), interactive (isInteractive, else
 * signInEventTypes, else the table or category), CAE flag ("Is CAE Token" in
 * authenticationProcessingDetails), and for 50173 the two times in the
 * failure text. Audits: kind, time, id, correlation, activity, service,
 * initiator app, result, the first User target's id/UPN, and the
 * StsRefreshTokensValidFrom / AccountEnabled modified properties. Required: a
 * parseable time and an id. RM_REC_SKIP sets *kind to the kind's name (a
 * slice of buf, or static text). */
int rm_record_parse(const char *buf, size_t len, struct rm_arena *arena, struct rm_event *ev,
                    const char **why, struct rm_str *kind);

/* Receiver of the records found in a document. */
struct rm_sink {
	void (*event)(void *ctx, const struct rm_event *ev);
	/* A malformed record: reason is static text, offset is relative to the
	 * document's buffer. */
	void (*reject)(void *ctx, const char *reason, size_t offset);
	/* A record of a kind revmon does not use; kind is raw (a slice of the
	 * document or static text). May be NULL. */
	void (*ignore)(void *ctx, struct rm_str kind, size_t offset);
	void *ctx;
	size_t max_record;       /* a record longer than this is rejected; 0: no limit */
	struct rm_arena *arena;  /* for JSON text in strings; NULL: one of the call's own */
};

struct rm_doc_result {
	size_t records;    /* records handed to sink->event */
	size_t ignored;    /* well-formed records of kinds revmon does not use */
	size_t rejected;   /* malformed records (each also reported to sink->reject) */
	struct rm_str next_link; /* @odata.nextLink of a Graph page, raw; empty if none */
};

/* Process one complete top-level JSON value buf[0..len): a container, an
 * array of records, a single record, or a record in a string. Every record
 * goes to the sink; a malformed element is rejected and the scan goes on
 * with the next element when the structure allows it. Returns 0, or
 * RM_REC_BAD when the document itself is not one of the shapes (after
 * rejecting it through the sink). */
int rm_doc_parse(const char *buf, size_t len, const struct rm_sink *sink, struct rm_doc_result *res);

#endif
