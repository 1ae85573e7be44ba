/* The CAE claims challenge parser (entra-facts §6): parameters in any order,
 * several challenges per header and several headers, standard and URL-safe
 * base64 with or without padding, and junk that must not be misread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "claims_challenge.h"

/* {"access_token":{"nbf":{"essential":true, "value":"1604106651"}}} */
#define DOC_CLAIMS "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0="

static int parse(const char *v, struct rm_claims_challenge *c)
{
	return rm_claims_challenge_parse(v, strlen(v), c);
}

static void test_documented(void **state)
{
	struct rm_claims_challenge c;

	(void)state;
	assert_int_equal(parse("Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/"
	                       "common/oauth2/authorize\", error=\"insufficient_claims\", claims=\""
	                       DOC_CLAIMS "\"", &c), 1);
	assert_true(c.bearer);
	assert_true(c.insufficient_claims);
	assert_string_equal(c.error, "insufficient_claims");
	assert_string_equal(c.claims,
	                    "{\"access_token\":{\"nbf\":{\"essential\":true, \"value\":\"1604106651\"}}}");
	assert_int_equal(c.nbf, 1604106651);
}

static void test_any_order_and_case(void **state)
{
	struct rm_claims_challenge c;

	(void)state;
	assert_int_equal(parse("bearer claims=\"" DOC_CLAIMS "\",error=\"insufficient_claims\" , "
	                       "realm=\"\"", &c), 1);
	assert_true(c.insufficient_claims);
	assert_int_equal(c.nbf, 1604106651);
	/* unquoted token values */
	assert_int_equal(parse("Bearer error=insufficient_claims, claims=" DOC_CLAIMS, &c), 1);
	assert_true(c.insufficient_claims);
	assert_int_equal(c.nbf, 1604106651);
}

static void test_several_challenges_and_headers(void **state)
{
	struct rm_claims_challenge c;

	(void)state;
	/* another scheme first, in one header */
	assert_int_equal(parse("Basic realm=\"x\", Bearer realm=\"\", error=\"insufficient_claims\", "
	                       "claims=\"" DOC_CLAIMS "\"", &c), 1);
	assert_true(c.insufficient_claims);
	/* several headers: the CAE one wins over a plain invalid_token */
	assert_int_equal(parse("Bearer error=\"invalid_token\"\nNegotiate\nBearer claims=\"" DOC_CLAIMS
	                       "\", error=\"insufficient_claims\"", &c), 1);
	assert_true(c.insufficient_claims);
	assert_int_equal(c.nbf, 1604106651);
	/* a token68 after a scheme is not a parameter */
	assert_int_equal(parse("Basic YWxhZGRpbjpvcGVuc2VzYW1l, Bearer error=\"invalid_token\"", &c), 1);
	assert_false(c.insufficient_claims);
	assert_string_equal(c.error, "invalid_token");
}

static void test_not_cae(void **state)
{
	struct rm_claims_challenge c;

	(void)state;
	assert_int_equal(parse("Basic realm=\"x\"", &c), 0);
	assert_int_equal(parse("", &c), 0);
	assert_int_equal(parse("Bearer", &c), 1);
	assert_false(c.insufficient_claims);
	/* the error of another scheme is not ours */
	assert_int_equal(parse("Basic error=\"insufficient_claims\"", &c), 0);
	/* bad base64: the challenge is still recognised, the claims are not */
	assert_int_equal(parse("Bearer error=\"insufficient_claims\", claims=\"!!!\"", &c), 1);
	assert_true(c.insufficient_claims);
	assert_string_equal(c.claims, "");
	assert_int_equal(c.nbf, 0);
	/* unterminated quote: no crash, nothing misread */
	assert_int_equal(parse("Bearer error=\"insufficient_cl", &c), 1);
	assert_false(c.insufficient_claims);
}

static void test_base64(void **state)
{
	unsigned char out[64];

	(void)state;
	assert_int_equal(rm_base64_decode_any("aGk=", 4, out, sizeof out), 2);
	assert_memory_equal(out, "hi", 2);
	assert_int_equal(rm_base64_decode_any("aGk", 3, out, sizeof out), 2);
	/* URL-safe and standard alphabets */
	assert_int_equal(rm_base64_decode_any("-_8", 3, out, sizeof out), 2);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(rm_base64_decode_any("+/8=", 4, out, sizeof out), 2);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(rm_base64_decode_any("a", 1, out, sizeof out), -1);
	assert_int_equal(rm_base64_decode_any("a$bc", 4, out, sizeof out), -1);
	assert_int_equal(rm_base64_decode_any("aGVsbG8=", 8, out, 2), -1);
	assert_int_equal(rm_base64_decode_any("", 0, out, sizeof out), 0);
}

static void test_acrs_variant(void **state)
{
	struct rm_claims_challenge c;

	(void)state;
	/* {"access_token":{"acrs":{"essential":true,"value":"cp1"}}} URL-safe, unpadded */
	assert_int_equal(parse("Bearer error=\"insufficient_claims\", claims=\"eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ\"", &c), 1);
	assert_true(c.insufficient_claims);
	assert_string_equal(c.claims, "{\"access_token\":{\"acrs\":{\"essential\":true,\"value\":\"cp1\"}}}");
	assert_int_equal(c.nbf, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documented),
		cmocka_unit_test(test_any_order_and_case),
		cmocka_unit_test(test_several_challenges_and_headers),
		cmocka_unit_test(test_not_cae),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_acrs_variant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
