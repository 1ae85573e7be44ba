/* The Log Analytics query API: see la_api.h. */
#include "la_api.h"

#include <stdio.h>
#include <string.h>

#include "parse/parse.h"

#define SIGNIN_COLUMNS                                                                         \
	"TimeGenerated, Type, Id, CreatedDateTime, UserId, UserPrincipalName, AppId, "            \
	"AppDisplayName, DeviceDetail, Status, ResultType, ResultDescription, IsInteractive, "    \
	"AuthenticationProcessingDetails, CorrelationId, _TimeReceived"

/* Audits first: a revocation is then known before the refusals after it. */
const struct rm_la_table rm_la_tables[RM_LA_TABLES] = {
	[RM_LA_AUDITS] = {"AuditLogs", "AuditLogs",
	                  "TimeGenerated, Type, Id, ActivityDateTime, ActivityDisplayName, "
	                  "OperationName, Category, CorrelationId, LoggedByService, InitiatedBy, "
	                  "Result, TargetResources, _TimeReceived"},
	[RM_LA_SIGNINS] = {"SigninLogs", "SignInLogs", SIGNIN_COLUMNS},
	[RM_LA_NONINTERACTIVE] = {"AADNonInteractiveUserSignInLogs", "NonInteractiveUserSignInLogs",
	                          SIGNIN_COLUMNS},
};

#define DAY_MS (86400LL * 1000)

static char *kql_time(int64_t ms, char *out, size_t cap)
{
	return rm_time_format(ms, 1, out, cap);
}

int rm_la_query_body(struct rm_buf *out, const struct rm_la_table *t, int64_t lo_ms, int64_t hi_ms,
                     unsigned take)
{
	struct rm_buf q = {0};
	char tg[40], lo[40], hi[40], end[40];
	int e = 0;

	kql_time(lo_ms - 2 * DAY_MS - 3600000, tg, sizeof tg);
	kql_time(lo_ms, lo, sizeof lo);
	kql_time(hi_ms, hi, sizeof hi);
	kql_time(hi_ms + DAY_MS, end, sizeof end); /* TimeGenerated may run a day ahead */
	e |= rm_buf_printf(&q,
	                   "%s\n| where TimeGenerated > datetime(%s) and ingestion_time() > datetime(%s)"
	                   " and ingestion_time() <= datetime(%s)\n| project %s\n| take %u",
	                   t->table, tg, lo, hi, t->columns, take);
	e |= rm_buf_puts(out, "{\"query\":\"");
	if (!e)
		e |= rm_buf_json_escape(out, q.data, q.len);
	e |= rm_buf_printf(out, "\",\"timespan\":\"%s/%s\"}", tg, end);
	rm_buf_free(&q);
	return e ? -1 : 0;
}

int rm_la_partial(const char *body, size_t len)
{
	struct rm_json_val v;
	size_t start = rm_json_skip_ws(body, len, 0);

	if (start >= len || body[start] != '{')
		return 0;
	return rm_json_obj_get(body + start, len - start, "error", &v) == 1 && v.type == RM_JSON_OBJECT;
}

/* error.code, and the deepest innererror's code and message (where the
 * service says what it could not resolve). */
struct la_err {
	char code[64], inner[64], message[240];
};

static void copy_str(struct rm_json_val v, char *out, size_t cap)
{
	out[0] = '\0';
	if (v.type == RM_JSON_STRING && rm_json_unescape(v.s, out, cap) < 0)
		snprintf(out, cap, "%.*s", (int)(v.s.n < cap ? v.s.n : cap - 1), v.s.p);
}

static void parse_err(const char *body, size_t len, struct la_err *e)
{
	struct rm_json_val err, v, in;
	size_t start = body ? rm_json_skip_ws(body, len, 0) : len;

	memset(e, 0, sizeof *e);
	if (start >= len || body[start] != '{' ||
	    rm_json_obj_get(body + start, len - start, "error", &err) != 1 || err.type != RM_JSON_OBJECT)
		return;
	if (rm_json_obj_get(err.s.p, err.s.n, "code", &v) == 1)
		copy_str(v, e->code, sizeof e->code);
	if (rm_json_obj_get(err.s.p, err.s.n, "message", &v) == 1)
		copy_str(v, e->message, sizeof e->message);
	for (int depth = 0; depth < 4; depth++) {
		if (rm_json_obj_get(err.s.p, err.s.n, "innererror", &in) != 1 || in.type != RM_JSON_OBJECT)
			break;
		if (rm_json_obj_get(in.s.p, in.s.n, "code", &v) == 1)
			copy_str(v, e->inner, sizeof e->inner);
		if (rm_json_obj_get(in.s.p, in.s.n, "message", &v) == 1)
			copy_str(v, e->message, sizeof e->message);
		err = in;
	}
}

static const char *code_of(const struct la_err *e)
{
	return e->inner[0] ? e->inner : e->code;
}

char *rm_la_error_describe(long status, const char *body, size_t len, const struct rm_la_table *t,
                           const char *workspace, char *out, size_t cap, int *unusable,
                           int *smaller)
{
	struct la_err e;

	parse_err(body, len, &e);
	*unusable = 0;
	*smaller = 0;
	if (status == 400 && strstr(e.message, "resolve") && strstr(e.message, t->table)) {
		*unusable = 1;
		snprintf(out, cap, "table %s is not in workspace %s (%s): its diagnostic setting does not "
		         "send the %s category (add it%s)", t->table, workspace, code_of(&e), t->category,
		         strcmp(t->table, "AADNonInteractiveUserSignInLogs") == 0
		             ? ", or set la_noninteractive = no" : "");
	} else if (status == 403 && strstr(e.code, "Audience")) {
		*unusable = 1;
		snprintf(out, cap, "the token's audience is not the Log Analytics API's: check la_scope "
		         "(%s)", e.code);
	} else if (status == 403) {
		*unusable = 1;
		snprintf(out, cap, "no read access to workspace %s (%s): give the app the Log Analytics "
		         "Reader role (or Microsoft.OperationalInsights/workspaces/query/*/read) on it; a "
		         "new assignment takes up to 60 min", workspace, e.code[0] ? e.code : "HTTP 403");
	} else if (status == 404) {
		*unusable = 1;
		snprintf(out, cap, "workspace %s not found (%s): la_workspace is the Workspace ID (a "
		         "GUID), not the workspace's name", workspace, e.code[0] ? e.code : "HTTP 404");
	} else if (status == 504 || (status >= 500 && strstr(e.message, "timeout"))) {
		*smaller = 1;
		snprintf(out, cap, "the query ran past its time-out (HTTP %ld): reading smaller windows",
		         status);
	} else if (status == 429 || status >= 500) {
		snprintf(out, cap, "HTTP %ld%s%s%s", status, e.code[0] ? " (" : "", e.code,
		         e.code[0] ? ")" : "");
	} else {
		*unusable = status >= 400 && status < 500;
		snprintf(out, cap, "HTTP %ld: %s (%s)", status, e.message[0] ? e.message : "refused",
		         e.code[0] ? code_of(&e) : "no error code");
	}
	return out;
}
