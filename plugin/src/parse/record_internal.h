/* Shared by the record readers of this folder (record_walk.c, records.c,
 * csv_records.c): the fields gathered from one record, whatever its shape,
 * and the one member dispatcher every shape feeds. Not an interface. */
#ifndef RM_RECORD_INTERNAL_H
#define RM_RECORD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "json_scan.h"
#include "records.h"
#include "util/util.h"

#define BROKEN (-10) /* internal: structure broken, record end unknown */

struct ctx {
	int jerr;     /* first structural error (RM_JSON_*) */
	size_t jpos;  /* where it was found, in the iterators' buffer */
	size_t base;  /* that buffer's offset in the document */
	/* rm_doc_parse only: the top-level object may be a container */
	const struct rm_sink *sink;
	struct rm_doc_result *res;
	int container;
	/* JSON text found inside strings is decoded here; NULL: such text is
	 * a field error (the caller takes the general path) */
	struct rm_arena *arena;
	int text_depth; /* levels of JSON text decoded inside strings */
	/* a container member ("value", "records", "tables") of the document's
	 * top level, handed back to the document reader; NULL: skipped */
	int (*contain)(struct ctx *c, struct rm_json_iter *it, int key);
};

/* The fields of one object (a Graph record, an export's properties, a Log
 * Analytics row). */
struct gf {
	struct top *top; /* the enclosing record, at level 0 only */
	const char *err; /* first field error */
	unsigned has;
	struct rm_str id, corr, user_id, upn, app_id, app_name, device_id, os, failure;
	struct rm_str activity, service, initiator_app, result;
	int64_t created_ms, act_time_ms;
	int32_t code;
	int8_t inter, evtypes_inter, evtypes_other, cae;
	int8_t has_target, disabled;
	struct rm_str tgt_id, tgt_upn;
	int64_t valid_from_ms;
};

/* gf.has bits */
#define H_ID (1u << 0)
#define H_CORR (1u << 1)
#define H_CREATED (1u << 2)     /* createdDateTime parsed */
#define H_ACT_TIME (1u << 3)    /* activityDateTime parsed */
#define H_ACTIVITY (1u << 4)
#define H_CODE (1u << 5)
#define H_FAILURE (1u << 6)
#define K_SEEN_CREATED (1u << 7) /* the key is there, whatever its value */
#define K_SEEN_AUDIT (1u << 8)   /* activityDateTime or activityDisplayName */
#define K_SEEN_RISK (1u << 9)    /* riskEventType: an Identity Protection detection */

/* A record's top level: its fields, plus an export's envelope or a row's
 * table columns. */
struct top {
	struct gf g;
	const char *env_err; /* errors in envelope fields */
	struct gf props;
	int has_props;
	unsigned has;
	int64_t time_ms, received_ms;
	struct rm_str category, table, result_type, result_desc, operation, next_link;
};

#define T_TIME (1u << 0)
#define T_CATEGORY (1u << 1)
#define T_RESULT_TYPE (1u << 2)
#define T_RESULT_DESC (1u << 3)
#define T_OPERATION (1u << 4)
#define T_NEXT_LINK (1u << 5)
#define T_TABLE (1u << 6)
#define T_RECEIVED (1u << 7)

enum key {
	K_OTHER = 0,
	K_ID, K_CREATED, K_ACT_TIME, K_ACT_NAME, K_CORR, K_USER_ID, K_UPN, K_APP_ID, K_APP_NAME,
	K_DEVICE, K_STATUS, K_IS_INTER, K_EVTYPES, K_APD, K_SERVICE, K_INITIATED, K_RESULT,
	K_TARGETS, K_RISK,
	K_TOP, /* the keys below count only at a record's top level */
	K_TIME, K_CATEGORY, K_TABLE, K_RESULT_TYPE, K_RESULT_DESC, K_OPERATION, K_PROPERTIES,
	K_VALUE, K_RECORDS, K_TABLES, K_NEXTLINK, K_RECEIVED,
	/* not in the JSON map: the Entra admin center's flat CSV columns */
	K_DEVICE_ID, K_OS,
};

/* The field a member name fills (fields.def), or K_OTHER. */
enum key rm_rec_key(struct rm_str name);
/* 1 when the key's value is an object or array that may arrive as JSON text
 * inside a string (a Log Analytics dynamic column). */
int rm_rec_key_dynamic(enum key k);

/* Start a record's fields. */
void rm_rec_top_init(struct top *t);
/* Consume the value at it (a member named k, already looked up) into the
 * fields of g. 0, or -1 when the structure broke (c->jerr says how). */
int rm_rec_member(struct ctx *c, struct rm_json_iter *it, enum key k, struct gf *g);
/* Walk the members of the object o has entered into g. */
int rm_rec_walk_members(struct ctx *c, struct rm_json_iter *o, struct gf *g);
/* From gathered fields to an event: RM_REC_OK, RM_REC_SKIP (*why names the
 * kind of record ignored, a slice of the input or static text in *kind),
 * RM_REC_BAD (*why). inter_hint: 1/0 the source says interactive or not
 * (a CSV file's name), -1 unknown. */
int rm_rec_finish(const struct top *t, int inter_hint, struct rm_event *ev, const char **why,
                  struct rm_str *kind);

/* "50173", "-1": digits only (no sign but '-', no fraction, no leading
 * zero); 0, or -1. */
int rm_rec_int32(struct rm_str s, int32_t *out);

const char *rm_rec_json_reason(int jerr);
int rm_rec_broken(struct ctx *c, int jerr, size_t pos);

#endif
