/* The CAE claims challenge (entra-facts §6): a 401 whose WWW-Authenticate
 * carries a Bearer challenge with error="insufficient_claims" and a base64
 * claims parameter. Parameters come in any order, a header may hold several
 * challenges and a response several headers. Pure functions: no I/O, no
 * allocation. */
#ifndef RM_CLAIMS_CHALLENGE_H
#define RM_CLAIMS_CHALLENGE_H

#include <stddef.h>
#include <stdint.h>

struct rm_claims_challenge {
	int bearer;               /* a Bearer challenge was found */
	int insufficient_claims;  /* its error is insufficient_claims (a CAE challenge) */
	char error[64];           /* its error parameter, "" when absent */
	char claims[1024];        /* the decoded claims JSON, "" when absent or undecodable */
	int64_t nbf;              /* access_token.nbf.value of the claims (seconds), 0 when absent */
};

/* Parse the WWW-Authenticate values in v[0..n), one header value per line
 * ('\n'-separated). The first Bearer challenge with error=insufficient_claims
 * wins, else the first Bearer challenge. Returns 1 when a Bearer challenge
 * was found (*c filled), 0 when none was. */
int rm_claims_challenge_parse(const char *v, size_t n, struct rm_claims_challenge *c);

/* Decode base64, standard or URL-safe, padded or not, into out[0..cap).
 * Returns the decoded length, or -1 when s is not base64 or out is too
 * small. */
long rm_base64_decode_any(const char *s, size_t n, unsigned char *out, size_t cap);

#endif
