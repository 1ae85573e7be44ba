/* Error bodies of Microsoft Graph ({"error":{"code":..,"message":..}}) and
 * of the Entra token endpoint ({"error":..,"error_codes":[..]}): pure
 * parsers, so tests drive them with fixtures. Behaviour follows the codes,
 * never the description text (entra-facts §4). */
#ifndef RM_GRAPH_ERRORS_H
#define RM_GRAPH_ERRORS_H

#include <stddef.h>
#include <stdint.h>

struct rm_graph_error {
	char code[96];     /* error.code, "" when absent */
	char message[200]; /* error.message, truncated, "" when absent */
};

/* Parse a Graph error body. Returns 0 when it is one (code set), -1 when
 * the body is not a Graph error object. */
int rm_graph_error_parse(const char *body, size_t len, struct rm_graph_error *e);

#define RM_OAUTH_MAX_CODES 8

struct rm_oauth_error {
	char error[64];    /* "invalid_client", ..., "" when absent */
	int32_t codes[RM_OAUTH_MAX_CODES]; /* error_codes (AADSTS numbers) */
	size_t n_codes;
};

/* Parse a token-endpoint error body. Returns 0 when it carries "error",
 * -1 otherwise. */
int rm_oauth_error_parse(const char *body, size_t len, struct rm_oauth_error *e);

/* 1 when e carries code. */
int rm_oauth_error_has(const struct rm_oauth_error *e, int32_t code);

/* What a token-endpoint error means for us, in our own words (static
 * text), and whether a person must act (*unusable = 1: credentials, the
 * app registration or the tenant id) rather than wait. */
const char *rm_oauth_error_explain(const struct rm_oauth_error *e, long status, int *unusable);

/* Same for a Graph error answer on a data request. */
const char *rm_graph_error_explain(const struct rm_graph_error *e, long status, int *unusable);

/* A Graph error answer (status and body, which may be NULL or not an error
 * object) in our words with its code, "explanation (Code)", into out
 * (caller's, truncated to cap); *unusable as rm_graph_error_explain.
 * Returns out. */
char *rm_graph_error_describe(long status, const char *body, size_t len, char *out, size_t cap,
                              int *unusable);

#endif
