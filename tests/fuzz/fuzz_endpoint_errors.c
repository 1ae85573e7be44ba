/* The bodies an identity provider, Graph and the Log Analytics query API
 * answer with: token responses, token-endpoint errors, Graph errors, a
 * user's signInSessionsValidFromDateTime, query API errors and partial
 * answers, over any bytes. */
#include "fuzz.h"
#include "graph_errors.h"
#include "graph_sessions.h"
#include "la_api.h"
#include "oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1), *token = NULL;
	struct rm_graph_error ge;
	struct rm_oauth_error oe;
	int64_t expires = -1, valid_from = -1;
	int unusable = -1;

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	if (rm_graph_error_parse(s, size, &ge) == 0) {
		FUZZ_CHECK(memchr(ge.code, '\0', sizeof ge.code) != NULL);
		FUZZ_CHECK(memchr(ge.message, '\0', sizeof ge.message) != NULL);
		FUZZ_CHECK(rm_graph_error_explain(&ge, 403, &unusable) != NULL);
		FUZZ_CHECK(unusable == 0 || unusable == 1);
	}
	if (rm_oauth_error_parse(s, size, &oe) == 0) {
		FUZZ_CHECK(oe.n_codes <= RM_OAUTH_MAX_CODES);
		FUZZ_CHECK(memchr(oe.error, '\0', sizeof oe.error) != NULL);
		unusable = -1;
		FUZZ_CHECK(rm_oauth_error_explain(&oe, 400, &unusable) != NULL);
		FUZZ_CHECK(unusable == 0 || unusable == 1);
	}
	for (int t = 0; t < RM_LA_TABLES; t++) {
		char out[200];
		int smaller = -1;

		unusable = -1;
		FUZZ_CHECK(rm_la_error_describe(400 + t * 52, s, size, &rm_la_tables[t], "ws", out,
		                                sizeof out, &unusable, &smaller) == out);
		FUZZ_CHECK(memchr(out, '\0', sizeof out) != NULL);
		FUZZ_CHECK((unusable == 0 || unusable == 1) && (smaller == 0 || smaller == 1));
	}
	FUZZ_CHECK(rm_la_partial(s, size) == 0 || rm_la_partial(s, size) == 1);
	if (rm_sessions_parse(s, size, &valid_from) == 0)
		FUZZ_CHECK(valid_from >= 0);
	if (rm_oauth_parse_token(s, size, &token, &expires) == 0) {
		FUZZ_CHECK(token != NULL && *token != '\0');
		rm_oauth_token_free(token);
	}
	free(s);
	return 0;
}
