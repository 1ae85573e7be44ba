/* Error bodies of Graph and of the token endpoint: see graph_errors.h. */
#include "graph_errors.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

int rm_graph_error_parse(const char *body, size_t len, struct rm_graph_error *e)
{
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *err, *code;
	int rc = -1;

	memset(e, 0, sizeof *e);
	if (!root)
		return -1;
	err = json_object_get(root, "error");
	code = json_object_get(err, "code");
	if (!json_is_object(err) || !json_is_string(code))
		goto out;
	copy_str(e->code, sizeof e->code, json_string_value(code));
	copy_str(e->message, sizeof e->message, json_string_value(json_object_get(err, "message")));
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int rm_oauth_error_parse(const char *body, size_t len, struct rm_oauth_error *e)
{
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *err, *codes, *v;
	size_t i;
	int rc = -1;

	memset(e, 0, sizeof *e);
	if (!root)
		return -1;
	err = json_object_get(root, "error");
	if (!json_is_string(err))
		goto out;
	copy_str(e->error, sizeof e->error, json_string_value(err));
	codes = json_object_get(root, "error_codes");
	json_array_foreach(codes, i, v) {
		if (e->n_codes < RM_OAUTH_MAX_CODES && json_is_integer(v) &&
		    json_integer_value(v) >= 0 && json_integer_value(v) <= INT32_MAX)
			e->codes[e->n_codes++] = (int32_t)json_integer_value(v);
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int rm_oauth_error_has(const struct rm_oauth_error *e, int32_t code)
{
	for (size_t i = 0; i < e->n_codes; i++)
		if (e->codes[i] == code)
			return 1;
	return 0;
}

/* Codes about our own credentials and registration (entra-facts §5 last
 * row, and the usual registration mistakes). */
static const struct {
	int32_t code;
	const char *why;
} own_codes[] = {
	{7000222, "the client secret has expired: create a new one for the app registration"},
	{7000215, "the client secret is wrong (use the secret's value, not its id)"},
	{700027, "the client assertion's signature is not valid: is the certificate registered on the app?"},
	{700024, "the client assertion is outside its valid time range: check the clock"},
	{700016, "no application with this client id in the tenant"},
	{90002, "the tenant was not found"},
	{900023, "the tenant id is not valid"},
	{50049, "the authority is not valid"},
	{70011, "the scope is not valid for this graph_base"},
	{7000112, "the application is disabled"},
	{700025, "the client is public: it cannot use a secret or an assertion"},
};

const char *rm_oauth_error_explain(const struct rm_oauth_error *e, long status, int *unusable)
{
	*unusable = 0;
	for (size_t i = 0; i < sizeof own_codes / sizeof own_codes[0]; i++)
		if (rm_oauth_error_has(e, own_codes[i].code)) {
			*unusable = 1;
			return own_codes[i].why;
		}
	if (!strcmp(e->error, "invalid_client") || !strcmp(e->error, "unauthorized_client")) {
		*unusable = 1;
		return "the client credentials were refused";
	}
	if (!strcmp(e->error, "invalid_request") || !strcmp(e->error, "invalid_scope") ||
	    !strcmp(e->error, "invalid_resource") || !strcmp(e->error, "unsupported_grant_type")) {
		*unusable = 1;
		return "the token request was refused (check the tenant, client id and authority)";
	}
	if (!strcmp(e->error, "temporarily_unavailable") || status >= 500 || status == 429)
		return "the token endpoint is unavailable for now";
	if (status == 400 || status == 401 || status == 403) {
		*unusable = 1;
		return "the token request was refused";
	}
	return "the token request failed";
}

const char *rm_graph_error_explain(const struct rm_graph_error *e, long status, int *unusable)
{
	*unusable = 0;
	if (!strcmp(e->code, "Authentication_RequestFromNonPremiumTenantOrB2CTenant")) {
		*unusable = 1;
		return "tenant lacks Entra ID P1/P2 (sign-in logs need a premium licence)";
	}
	if (!strcmp(e->code, "Authorization_RequestDenied") ||
	    !strcmp(e->code, "Authentication_RequestFromUnsupportedUserRole") ||
	    !strcmp(e->code, "Authentication_MSGraphPermissionMissing")) {
		*unusable = 1;
		return "permission denied: grant the app AuditLog.Read.All (and Directory.Read.All) with admin consent";
	}
	if (status == 403) {
		*unusable = 1;
		return "forbidden: check the app's Graph permissions and admin consent";
	}
	if (status == 401)
		return "the access token was refused";
	if (status == 429)
		return "throttled by Graph";
	if (status >= 500)
		return "Graph is unavailable for now";
	if (status == 400) {
		*unusable = 1;
		return "Graph refused the request as malformed";
	}
	return "Graph answered with an error";
}

char *rm_graph_error_describe(long status, const char *body, size_t len, char *out, size_t cap,
                              int *unusable)
{
	struct rm_graph_error ge;

	if (rm_graph_error_parse(body ? body : "", body ? len : 0, &ge) < 0)
		memset(&ge, 0, sizeof ge);
	snprintf(out, cap, "%s%s%s%s", rm_graph_error_explain(&ge, status, unusable),
	         ge.code[0] ? " (" : "", ge.code, ge.code[0] ? ")" : "");
	return out;
}
