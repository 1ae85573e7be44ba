/* Differential: the fast scanner and record extractor against jansson on
 * the same bytes.
 *
 *  (a) rm_json_value_end accepts exactly when json_loadb does, apart from
 *      the known, accepted differences (tests/unit/test_json_diff.c):
 *      the scanner checks neither UTF-8 nor \u surrogate pairing, nor
 *      number ranges; jansson refuses "\u0000" in keys; the scanner stops
 *      at depth 64, jansson at 2048; jansson stops reading at a raw NUL
 *      byte, so it accepts a value followed by one and anything after.
 *  (b) for documents both accept, rm_doc_parse delivers the same records,
 *      skips, rejects, fields and @odata.nextLink as the reference walking
 *      jansson's DOM under the rules records.h documents
 *      (tests/common/jansson_ref.h, shared with the unit test).
 *
 * revmon reads timestamps, resultType and the 50173 text from the raw
 * string contents, the reference from jansson's encoding of them. So (b)
 * runs on the input when it holds no backslash, and otherwise on jansson's
 * own compact re-serialisation of it (which writes no escape a timestamp or
 * an integer could hold). Documents with duplicate keys are left out of
 * (b): which one wins is not defined by JSON, and jansson keeps only the
 * last. So are those where the reference is unsure: modified-property
 * values whose inner JSON (decoded from the string) holds an escape, a deep
 * nest or a number jansson refuses, the same raw/decoded or limit
 * differences one level down.
 */
#include <jansson.h>

#include "fuzz.h"
#include "jansson_ref.h"
#include "json_scan.h"

static void compare(const struct outcome *a, const struct outcome *b)
{
	char why[1024];

	if (outcome_diff(a, b, why, sizeof why)) {
		fprintf(stderr, "%s\n", why);
		abort();
	}
	FUZZ_CHECK(a->next_n == b->next_n && (!a->next_n || !memcmp(a->next, b->next, a->next_n)));
}

static int scanner_accepts(const char *b, size_t n, int *r)
{
	size_t p = rm_json_skip_ws(b, n, 0), e;
	enum rm_json_type t;

	*r = rm_json_value_end(b, n, p, &e, &t);
	return *r == RM_JSON_OK && rm_json_skip_ws(b, n, e) == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a newline after the input: a bare top-level number at the very end
	 * of a buffer is INCOMPLETE for the scanner by design */
	char *b = malloc(size + 1), *dump = NULL;
	const char *doc;
	size_t doc_len;
	json_error_t err;
	json_t *j, *strict;
	int mine, sr;

	if (!b)
		abort();
	if (size)
		memcpy(b, data, size);
	b[size] = '\n';
	mine = scanner_accepts(b, size + 1, &sr);
	j = json_loadb(b, size + 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (j && !mine) {
		/* only depth (jansson nests to 2048), or a raw NUL byte, which
		 * ends jansson's input ("7\0x" is "7" to it; found by fuzzing) */
		if (sr != RM_JSON_TOO_DEEP && !memchr(b, '\0', size)) {
			fprintf(stderr, "jansson accepts, rm_json_value_end says %d\n", sr);
			abort();
		}
	}
	if (!j && mine) {
		enum json_error_code c = json_error_code(&err);

		if (c != json_error_invalid_utf8 && c != json_error_numeric_overflow &&
		    c != json_error_null_byte_in_key && !strstr(err.text, "invalid Unicode")) {
			fprintf(stderr, "rm_json_value_end accepts, jansson rejects: %s (code %d)\n",
			        err.text, (int)c);
			abort();
		}
	}
	if (!j || !mine)
		goto out;
	strict = json_loadb(b, size + 1, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, NULL);
	if (!strict)
		goto out; /* duplicate keys */
	json_decref(strict);
	doc = b;
	doc_len = size + 1;
	if (memchr(b, '\\', size)) {
		/* compact, unescaped UTF-8, no depth beyond the input's own */
		dump = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!dump)
			abort();
		doc = dump;
		doc_len = strlen(dump);
		/* an escaped NUL cut the dump short: nothing to compare */
		if (json_is_object(j) && (doc_len == 0 || dump[doc_len - 1] != '}'))
			goto out;
	}
	{
		struct outcome a, r;

		memset(&a, 0, sizeof a);
		memset(&r, 0, sizeof r);
		mine_doc(doc, doc_len, &a);
		ref_doc(j, &r);
		if (!r.unsure)
			compare(&a, &r);
		outcome_free(&a);
		outcome_free(&r);
	}
out:
	json_decref(j);
	free(dump);
	free(b);
	return 0;
}
