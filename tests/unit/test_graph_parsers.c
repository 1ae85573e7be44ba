/* The graph source's pure parts: token responses, token-endpoint and Graph
 * error bodies, Retry-After, window URLs with their filters, the origin
 * check for next links, back-off, and the client-assertion JWT (verified
 * with OpenSSL). No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "entra_app.h"
#include "graph.h"
#include "graph_errors.h"
#include "http.h"
#include "oauth.h"

static void test_token_response(void **st)
{
	char *tok = NULL;
	int64_t exp = 0;
	const char ok[] = "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,"
	                  "\"access_token\":\"eyJ0eXAi.abc_-.sig\"}";
	const char str_exp[] = " {\"access_token\":\"t\\/1\",\"expires_in\":\"120\"}";

	(void)st;
	assert_int_equal(rm_oauth_parse_token(ok, strlen(ok), &tok, &exp), 0);
	assert_string_equal(tok, "eyJ0eXAi.abc_-.sig");
	assert_int_equal(exp, 3599);
	rm_oauth_token_free(tok);
	assert_int_equal(rm_oauth_parse_token(str_exp, strlen(str_exp), &tok, &exp), 0);
	assert_string_equal(tok, "t/1");
	assert_int_equal(exp, 120);
	rm_oauth_token_free(tok);
	/* no token, an empty one, not JSON, a truncated body */
	assert_int_equal(rm_oauth_parse_token("{\"expires_in\":1}", 16, &tok, &exp), -1);
	assert_int_equal(rm_oauth_parse_token("{\"access_token\":\"\"}", 19, &tok, &exp), -1);
	assert_int_equal(rm_oauth_parse_token("<html>", 6, &tok, &exp), -1);
	assert_int_equal(rm_oauth_parse_token(ok, 40, &tok, &exp), -1);
	assert_null(tok);
}

static void test_oauth_errors(void **st)
{
	struct rm_oauth_error e;
	int unusable;
	const char expired[] =
		"{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret "
		"provided.\",\"error_codes\":[7000222],\"timestamp\":\"2016-01-09 02:02:12Z\"}";
	const char scope[] = "{\"error\":\"invalid_scope\",\"error_codes\":[70011]}";
	const char busy[] = "{\"error\":\"temporarily_unavailable\",\"error_codes\":[]}";

	(void)st;
	assert_int_equal(rm_oauth_error_parse(expired, strlen(expired), &e), 0);
	assert_string_equal(e.error, "invalid_client");
	assert_int_equal(e.n_codes, 1);
	assert_true(rm_oauth_error_has(&e, 7000222));
	/* the code decides, not the (contradicting) description text */
	assert_non_null(strstr(rm_oauth_error_explain(&e, 401, &unusable), "expired"));
	assert_int_equal(unusable, 1);
	assert_int_equal(rm_oauth_error_parse(scope, strlen(scope), &e), 0);
	rm_oauth_error_explain(&e, 400, &unusable);
	assert_int_equal(unusable, 1);
	assert_int_equal(rm_oauth_error_parse(busy, strlen(busy), &e), 0);
	rm_oauth_error_explain(&e, 503, &unusable);
	assert_int_equal(unusable, 0);
	assert_int_equal(rm_oauth_error_parse("{}", 2, &e), -1);
	assert_int_equal(rm_oauth_error_parse("nope", 4, &e), -1);
}

static void test_graph_errors(void **st)
{
	struct rm_graph_error e;
	int unusable;
	const char premium[] =
		"{\"error\":{\"code\":\"Authentication_RequestFromNonPremiumTenantOrB2CTenant\","
		"\"message\":\"Neither tenant is B2C or tenant doesn't have premium license\","
		"\"innerError\":{\"date\":\"2020-08-18T12:51:51\"}}}";
	const char throttled[] =
		"{\"error\":{\"code\":\"TooManyRequests\",\"innerError\":{\"code\":\"429\"},"
		"\"message\":\"Please retry again later.\"}}";
	const char denied[] = "{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"x\"}}";

	(void)st;
	assert_int_equal(rm_graph_error_parse(premium, strlen(premium), &e), 0);
	assert_string_equal(e.code, "Authentication_RequestFromNonPremiumTenantOrB2CTenant");
	assert_string_equal(rm_graph_error_explain(&e, 403, &unusable),
	                    "tenant lacks Entra ID P1/P2 (sign-in logs need a premium licence)");
	assert_int_equal(unusable, 1);
	assert_int_equal(rm_graph_error_parse(throttled, strlen(throttled), &e), 0);
	assert_string_equal(e.code, "TooManyRequests");
	rm_graph_error_explain(&e, 429, &unusable);
	assert_int_equal(unusable, 0);
	assert_int_equal(rm_graph_error_parse(denied, strlen(denied), &e), 0);
	assert_non_null(strstr(rm_graph_error_explain(&e, 403, &unusable), "AuditLog.Read.All"));
	assert_int_equal(unusable, 1);
	assert_int_equal(rm_graph_error_parse("{\"error\":\"x\"}", 13, &e), -1);
	assert_int_equal(rm_graph_error_parse("{\"error\":{\"code\":", 17, &e), -1);
}

static void test_retry_after(void **st)
{
	(void)st;
	assert_true(rm_http_parse_retry_after(" 2.128\r\n", 8) == 2.128);
	assert_true(rm_http_parse_retry_after("5", 1) == 5.0);
	assert_true(rm_http_parse_retry_after("0", 1) == 0.0);
	assert_true(rm_http_parse_retry_after("999999", 6) == 86400.0);
	assert_true(rm_http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 29) < 0);
	assert_true(rm_http_parse_retry_after("-1", 2) < 0);
	assert_true(rm_http_parse_retry_after("", 0) < 0);
	assert_true(rm_http_parse_retry_after("1e3", 3) < 0);
	assert_true(rm_http_parse_retry_after("nan", 3) < 0);
}

static void test_window_url(void **st)
{
	struct rm_buf b = {0};
	/* 2024-01-13T14:13:32.5Z and 2024-01-14T17:43:26Z */
	int64_t lo = 1705155212500, hi = 1705254206000;

	(void)st;
	assert_int_equal(rm_graph_window_url(&b, "https://graph.microsoft.com", "beta", "auditLogs/signIns",
	                                     "createdDateTime", NULL, NULL, 1000, lo, hi), 0);
	assert_string_equal(b.data,
		"https://graph.microsoft.com/beta/auditLogs/signIns?$filter=createdDateTime%20ge%20"
		"2024-01-13T14%3A13%3A32Z%20and%20createdDateTime%20le%202024-01-14T17%3A43%3A26Z&$top=1000");
	b.len = 0;
	assert_int_equal(rm_graph_window_url(&b, "https://graph.microsoft.us", "beta", "auditLogs/signIns",
	                                     "createdDateTime", "nonInteractiveUser", "id,status", 50, lo,
	                                     hi), 0);
	assert_string_equal(b.data,
		"https://graph.microsoft.us/beta/auditLogs/signIns?$filter=signInEventTypes%2Fany%28t%3A%20t"
		"%20eq%20%27nonInteractiveUser%27%29%20and%20createdDateTime%20ge%202024-01-13T14%3A13%3A32Z"
		"%20and%20createdDateTime%20le%202024-01-14T17%3A43%3A26Z&$select=id%2Cstatus&$top=50");
	b.len = 0;
	assert_int_equal(rm_graph_window_url(&b, "https://g", "v1.0", "auditLogs/directoryAudits",
	                                     "activityDateTime", NULL, NULL, 1000, lo, hi), 0);
	assert_non_null(strstr(b.data, "/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20ge%20"));
	rm_buf_free(&b);
}

static void test_same_origin(void **st)
{
	(void)st;
	assert_true(rm_graph_same_origin("https://graph.microsoft.com",
	                                  "https://graph.microsoft.com/beta/auditLogs/signIns?$skiptoken=x"));
	assert_true(rm_graph_same_origin("https://127.0.0.1:8443", "https://127.0.0.1:8443/v1.0/x"));
	assert_false(rm_graph_same_origin("https://127.0.0.1:8443", "https://127.0.0.1:9443/v1.0/x"));
	assert_false(rm_graph_same_origin("https://graph.microsoft.com",
	                                  "https://graph.microsoft.com.evil.example/beta"));
	assert_false(rm_graph_same_origin("https://graph.microsoft.com", "http://graph.microsoft.com/beta"));
	assert_false(rm_graph_same_origin("https://graph.microsoft.com", "/beta/x"));
}

static void test_backoff(void **st)
{
	(void)st;
	assert_int_equal(rm_backoff_ms(0, 1000, 60000, 0.0), 500);
	assert_int_equal(rm_backoff_ms(0, 1000, 60000, 0.999999), 999);
	assert_int_equal(rm_backoff_ms(3, 1000, 60000, 0.0), 4000);
	assert_int_equal(rm_backoff_ms(40, 1000, 60000, 0.0), 30000);
	assert_true(rm_backoff_ms(40, 5000, 60000, 0.5) <= 60000);
}

static EVP_PKEY *make_key(void)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);

	assert_non_null(k);
	return k;
}

static X509 *make_cert(EVP_PKEY *k)
{
	X509 *c = X509_new();

	assert_non_null(c);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 7);
	X509_gmtime_adj(X509_getm_notBefore(c), 0);
	X509_gmtime_adj(X509_getm_notAfter(c), 3600);
	X509_set_pubkey(c, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"revmon test", -1, -1, 0);
	X509_set_issuer_name(c, X509_get_subject_name(c));
	assert_true(X509_sign(c, k, EVP_sha256()) > 0);
	return c;
}

/* Decode a base64url part (no padding) into out; returns its length. */
static size_t unb64url(const char *s, size_t n, unsigned char *out, size_t cap)
{
	char tmp[4096];
	size_t m = 0;
	int len;

	assert_true(n + 4 < sizeof tmp);
	for (size_t i = 0; i < n; i++)
		tmp[m++] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	while (m % 4)
		tmp[m++] = '=';
	tmp[m] = '\0';
	assert_true(m / 4 * 3 <= cap);
	len = EVP_DecodeBlock(out, (const unsigned char *)tmp, (int)m);
	assert_true(len >= 0);
	return (size_t)len - (n % 4 == 2 ? 2 : n % 4 == 3 ? 1 : 0);
}

static void test_assertion(void **st)
{
	EVP_PKEY *k = make_key();
	X509 *c = make_cert(k);
	struct rm_buf jwt = {0};
	struct revmon_error err;
	char x5t[64];
	unsigned char md[SHA_DIGEST_LENGTH], der_sha[SHA_DIGEST_LENGTH], part[2048], sig[1024];
	unsigned char *der = NULL;
	int der_len;
	const char *dot1, *dot2;
	size_t n, sn;
	json_t *hdr, *claims;
	EVP_MD_CTX *md_ctx;
	const char *aud = "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token";

	(void)st;
	assert_int_equal(rm_x5t_of_cert(c, x5t, sizeof x5t), 0);
	/* x5t is base64url(SHA-1(DER)) */
	der_len = i2d_X509(c, &der);
	assert_true(der_len > 0);
	SHA1(der, (size_t)der_len, der_sha);
	OPENSSL_free(der);
	n = unb64url(x5t, strlen(x5t), md, sizeof md + 4);
	assert_int_equal(n, SHA_DIGEST_LENGTH);
	assert_memory_equal(md, der_sha, SHA_DIGEST_LENGTH);

	assert_int_equal(rm_jwt_assertion_build(k, x5t, "app-\"1", aud, 1700000000, "jti-1", &jwt, &err), 0);
	dot1 = strchr(jwt.data, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	assert_non_null(dot2);
	assert_null(strchr(jwt.data, '=')); /* no padding */

	n = unb64url(jwt.data, (size_t)(dot1 - jwt.data), part, sizeof part);
	hdr = json_loadb((const char *)part, n, 0, NULL);
	assert_non_null(hdr);
	assert_string_equal(json_string_value(json_object_get(hdr, "alg")), "RS256");
	assert_string_equal(json_string_value(json_object_get(hdr, "typ")), "JWT");
	assert_string_equal(json_string_value(json_object_get(hdr, "x5t")), x5t);
	json_decref(hdr);

	n = unb64url(dot1 + 1, (size_t)(dot2 - dot1 - 1), part, sizeof part);
	claims = json_loadb((const char *)part, n, 0, NULL);
	assert_non_null(claims);
	assert_string_equal(json_string_value(json_object_get(claims, "aud")), aud);
	assert_string_equal(json_string_value(json_object_get(claims, "iss")), "app-\"1");
	assert_string_equal(json_string_value(json_object_get(claims, "sub")), "app-\"1");
	assert_string_equal(json_string_value(json_object_get(claims, "jti")), "jti-1");
	assert_int_equal(json_integer_value(json_object_get(claims, "nbf")), 1700000000);
	assert_int_equal(json_integer_value(json_object_get(claims, "iat")), 1700000000);
	assert_int_equal(json_integer_value(json_object_get(claims, "exp")), 1700000600);
	json_decref(claims);

	/* The signature verifies with the certificate's public key (RS256). */
	sn = unb64url(dot2 + 1, strlen(dot2 + 1), sig, sizeof sig);
	md_ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md_ctx, NULL, EVP_sha256(), NULL, X509_get0_pubkey(c)), 1);
	assert_int_equal(EVP_DigestVerify(md_ctx, sig, sn, (const unsigned char *)jwt.data,
	                                  (size_t)(dot2 - jwt.data)), 1);
	/* and not for other bytes */
	assert_int_equal(EVP_DigestVerifyInit(md_ctx, NULL, EVP_sha256(), NULL, X509_get0_pubkey(c)), 1);
	assert_int_not_equal(EVP_DigestVerify(md_ctx, sig, sn, (const unsigned char *)jwt.data,
	                                      (size_t)(dot2 - jwt.data) - 1), 1);
	EVP_MD_CTX_free(md_ctx);
	rm_buf_free(&jwt);
	X509_free(c);
	EVP_PKEY_free(k);
}

static void test_secret_file_mode(void **st)
{
	char path[] = "/tmp/revmon-secret-XXXXXX";
	int fd = mkstemp(path);
	struct rm_buf b = {0};
	struct revmon_error err;

	(void)st;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s3cret\n", 7), 7);
	close(fd);
	chmod(path, 0600);
	assert_int_equal(rm_secret_file_read("graph_client_secret_file", path, &b, &err), 0);
	assert_int_equal(b.len, 7);
	rm_buf_wipe(&b);
	chmod(path, 0644);
	assert_int_equal(rm_secret_file_read("graph_client_secret_file", path, &b, &err), -1);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "0644"));
	assert_null(strstr(err.msg, "s3cret"));
	chmod(path, 0602);
	assert_int_equal(rm_secret_file_read("graph_client_secret_file", path, &b, &err), -1);
	rm_buf_wipe(&b);
	unlink(path);
	assert_int_equal(rm_secret_file_read("graph_client_secret_file", path, &b, &err), -1);
}

static void test_url_encode(void **st)
{
	struct rm_buf b = {0};

	(void)st;
	assert_int_equal(rm_url_encode(&b, "a b+c/=&~._-", 12), 0);
	assert_string_equal(b.data, "a%20b%2Bc%2F%3D%26~._-");
	rm_buf_free(&b);
}

/* What messages may say of a URL: no user information, no query. */
static void test_url_endpoint(void **st)
{
	char out[100], tiny[24];
	char long_url[300];

	(void)st;
	rm_url_endpoint("https://127.0.0.1:8443/t/oauth2/v2.0/token?client_secret=x#f", out, sizeof out);
	assert_string_equal(out, "https://127.0.0.1:8443/t/oauth2/v2.0/token");
	rm_url_endpoint("https://user:pw@graph.example/v1.0/users/u1?$select=id", out, sizeof out);
	assert_string_equal(out, "https://graph.example/v1.0/users/u1");
	rm_url_endpoint("https://graph.example?x=1", out, sizeof out);
	assert_string_equal(out, "https://graph.example");
	memset(long_url, 'a', sizeof long_url - 1);
	long_url[sizeof long_url - 1] = '\0';
	memcpy(long_url, "https://h/", 10);
	rm_url_endpoint(long_url, out, sizeof out);
	assert_int_equal(strlen(out), sizeof out - 1);
	assert_string_equal(out + sizeof out - 4, "...");
	rm_url_endpoint("https://a-rather-long-host.example/p", tiny, sizeof tiny);
	assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_response),
		cmocka_unit_test(test_oauth_errors),
		cmocka_unit_test(test_graph_errors),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_window_url),
		cmocka_unit_test(test_same_origin),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_assertion),
		cmocka_unit_test(test_secret_file_mode),
		cmocka_unit_test(test_url_encode),
		cmocka_unit_test(test_url_endpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
