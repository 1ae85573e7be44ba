/* The WWW-Authenticate / CAE claims-challenge parser and its base64
 * decoder, over any bytes. */
#include "claims_challenge.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	struct rm_claims_challenge c;
	unsigned char out[256];
	long n;
	int r;

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size); /* exact size: a read past n is caught */
	r = rm_claims_challenge_parse(s, size, &c);
	FUZZ_CHECK(r == 0 || r == 1);
	if (r == 1) {
		FUZZ_CHECK(c.bearer == 1);
		FUZZ_CHECK(memchr(c.error, '\0', sizeof c.error) != NULL);
		FUZZ_CHECK(memchr(c.claims, '\0', sizeof c.claims) != NULL);
		if (c.insufficient_claims)
			FUZZ_CHECK(strcmp(c.error, "insufficient_claims") == 0);
	}
	n = rm_base64_decode_any(s, size, out, sizeof out);
	FUZZ_CHECK(n >= -1 && n <= (long)sizeof out);
	free(s);
	return 0;
}
