/* The jansson reference extractor, for the differential tests of revmon's
 * record extractor (tests/unit/test_json_diff.c, tests/fuzz/fuzz_json_diff.c):
 * ref_doc applies the rules records.h documents to a document jansson has
 * parsed, mine_doc runs rm_doc_parse, and both flatten what they find into
 * a struct outcome that outcome_diff compares.
 *
 * The reference mirrors the rules of records.h over jansson's DOM, written
 * from them rather than from revmon's tables: member names matched ASCII
 * case-insensitively (and walked in document order, so of two names that
 * differ only in case the later plain value wins, the first properties and
 * the first User target), dynamic values as objects, arrays or their JSON
 * text in a string (decoded with jansson, up to three levels), containers
 * ("value", "records", a top-level array, the query API's "tables"), records
 * wrapped in strings, and the kinds by table, category, then content.
 *
 * It reads timestamps, resultType, status.errorCode strings and the 50173
 * text from jansson's compact encoding of the string: what revmon reads raw
 * when the document is jansson's own re-serialisation. Other strings are
 * compared decoded. It sets unsure, and the outcome is not to be compared,
 * where it does not model revmon:
 *  - JSON text in a string (a dynamic value, a wrapped record, a modified
 *    property's newValue) that jansson refuses where revmon's scanner would
 *    not (an unpaired surrogate, a number beyond int64, NUL in a key, a key
 *    repeated exactly), that holds a NUL byte, or that nests deeper than
 *    RM_JSON_MAX_DEPTH;
 *  - broken JSON text in properties or signInEventTypes when the record's
 *    kind then rests on its content (revmon has read part of it);
 *  - one of the raw-read strings above inside JSON text that is not written
 *    as jansson would write it (an escape jansson would not use);
 *  - a modified property's inner JSON holding an escape (the same raw and
 *    decoded difference one level down).
 * Keys repeated exactly in the document itself are the caller's to leave
 * out (jansson keeps only the last).
 *
 * Ownership: an outcome owns its events' strings and its next link; start
 * from a zeroed one and release it with outcome_free. ref_doc only reads
 * root: the caller keeps its reference. Running out of memory, or revmon
 * delivering a string that does not decode, aborts with a message. */
#ifndef REVMON_JANSSON_REF_H
#define REVMON_JANSSON_REF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The strings of a flattened event, in struct flat's s[] and n[]. */
enum { S_ID, S_CORR, S_USER, S_UPN, S_APP_ID, S_APP_NAME, S_DEVICE, S_ACTIVITY, S_SERVICE,
       S_INITIATOR, S_OS, NSTR };

/* An event with decoded, NUL-terminated strings, comparable across both sides. */
struct flat {
	int kind;
	int64_t time_ms, grant_ms, tvf_ms, valid_from_ms;
	int32_t code;
	int inter, cae, result_ok, disabled;
	char *s[NSTR];
	size_t n[NSTR];
};

struct outcome {
	struct flat *ev; /* nev events in document order (cap allocated) */
	size_t nev, cap;
	size_t records, skipped, rejected;
	int ret;
	int unsure; /* the reference met a documented difference: do not compare */
	char *next; /* @odata.nextLink, decoded; NULL when absent (or, on
	             * revmon's side, when it does not decode) */
	size_t next_n;
};

/* rm_doc_parse over buf, into o. */
void mine_doc(const char *buf, size_t len, struct outcome *o);

/* The reference over jansson's DOM of the same document, into out. */
void ref_doc(json_t *root, struct outcome *out);

/* 0 when a and b (revmon's and the reference's) hold the same return,
 * counts and events; otherwise 1, with the first difference described in
 * why (at most n bytes). The next links are left to the caller. */
int outcome_diff(const struct outcome *a, const struct outcome *b, char *why, size_t n);

/* Free what o holds and zero it. */
void outcome_free(struct outcome *o);

#endif
