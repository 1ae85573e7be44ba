/* The simulator's Log Analytics shapes, made from its Graph objects the way
 * the workspace makes its rows from the diagnostic records
 * (../shared/reference/log-shapes.md §1-§3): PascalCase columns, the
 * table's own columns (TimeGenerated, Type, Category, ResultType, ...), and
 * dynamic columns as objects or as JSON text where the table stores them as
 * strings. From those rows: the query API's answer, az CLI's stringified
 * array and the portal's CSV export. */
#include <stdio.h>
#include <string.h>

#include "parse/parse.h"
#include "sim_internal.h"

/* ---- writing ---- */

static int put(struct rm_buf *b, const char *s, size_t n)
{
	return rm_buf_append(b, s, n);
}

static int puts_(struct rm_buf *b, const char *s)
{
	return rm_buf_puts(b, s);
}

/* A JSON value as the contents of a JSON string (its text, escaped). */
static int put_as_text(struct rm_buf *b, struct rm_json_val v)
{
	const char *p = v.type == RM_JSON_STRING ? v.s.p - 1 : v.s.p;
	size_t n = v.type == RM_JSON_STRING ? v.s.n + 2 : v.s.n;

	return rm_buf_json_escape(b, p, n);
}

/* The value v as JSON, raw. */
static int put_raw(struct rm_buf *b, struct rm_json_val v)
{
	if (v.type == RM_JSON_STRING)
		return put(b, v.s.p - 1, v.s.n + 2);
	return put(b, v.s.p, v.s.n);
}

static int put_iso(struct rm_buf *b, int64_t ms)
{
	char t[32];

	rm_time_format(ms, 1, t, sizeof t);
	return puts_(b, t);
}

/* ---- Graph object to Log Analytics row ---- */

/* The column a Graph member becomes: its name with a capital, or the
 * table's own name where Log Analytics renames it. */
static void column_name(struct rm_str key, char *out, size_t cap)
{
	static const char *const renamed[][2] = {
		{"ipAddress", "IPAddress"},
		{"location", "LocationDetails"},
		{"appliedConditionalAccessPolicies", "ConditionalAccessPolicies"},
		{"operationType", "AADOperationType"},
	};
	size_t n = key.n < cap - 1 ? key.n : cap - 1;

	for (size_t i = 0; i < sizeof renamed / sizeof renamed[0]; i++)
		if (rm_json_str_eq(key, renamed[i][0])) {
			snprintf(out, cap, "%s", renamed[i][1]);
			return;
		}
	memcpy(out, key.p, n);
	out[n] = '\0';
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
}

/* Columns a table stores as text although they hold JSON. */
static int stored_as_text(const char *col, int noninteractive)
{
	if (!strcmp(col, "AuthenticationProcessingDetails") || !strcmp(col, "TargetResources"))
		return 1; /* a string in both sign-in tables; audits: both forms seen */
	return noninteractive && (!strcmp(col, "Status") || !strcmp(col, "DeviceDetail") ||
	                          !strcmp(col, "LocationDetails") || !strcmp(col, "SignInEventTypes") ||
	                          !strcmp(col, "ConditionalAccessPolicies"));
}

/* The table's own columns ahead of the record's. */
static int row_head(struct rm_buf *b, const struct rm_sim *s, const struct rm_sim_rec *r,
                    const char *table, const char *category)
{
	int e = 0;

	e |= puts_(b, "{\"TenantId\":\"");
	e |= put(b, s->tenant, 36);
	e |= puts_(b, "\",\"SourceSystem\":\"Azure AD\",\"TimeGenerated\":\"");
	/* when the workspace received it: the delivery time */
	e |= put_iso(b, r->deliver);
	e |= puts_(b, "\",\"Type\":\"");
	e |= puts_(b, table);
	if (category) {
		e |= puts_(b, "\",\"Category\":\"");
		e |= puts_(b, category);
	}
	e |= puts_(b, "\"");
	return e;
}

/* Sign-ins: ResultType and ResultDescription from the status object. */
static int signin_extra(struct rm_buf *b, const char *g, size_t n)
{
	struct rm_json_val st, code, why;
	int e = 0;

	if (rm_json_obj_get(g, n, "status", &st) <= 0 || st.type != RM_JSON_OBJECT)
		return 0;
	e |= puts_(b, ",\"OperationName\":\"Sign-in activity\"");
	if (rm_json_obj_get(st.s.p, st.s.n, "errorCode", &code) > 0) {
		e |= puts_(b, ",\"ResultType\":\"");
		e |= put(b, code.s.p, code.s.n);
		e |= puts_(b, "\"");
	}
	if (rm_json_obj_get(st.s.p, st.s.n, "failureReason", &why) > 0 && why.type == RM_JSON_STRING) {
		e |= puts_(b, ",\"ResultDescription\":");
		e |= put_raw(b, why);
	}
	return e;
}

static int audit_extra(struct rm_buf *b, const char *g, size_t n)
{
	struct rm_json_val act;

	if (rm_json_obj_get(g, n, "activityDisplayName", &act) <= 0)
		return 0;
	return puts_(b, ",\"OperationName\":") | put_raw(b, act);
}

/* Append r as a Log Analytics row of its table (the workspace's data
 * export shape, one object). scratch holds the Graph object. */
int rm_sim_emit_la(const struct rm_sim *s, const struct rm_sim_rec *r, struct rm_buf *scratch,
                   struct rm_buf *out)
{
	int audit = r->kind == RM_REC_AUDIT, non = !audit && !r->interactive, e = 0;
	struct rm_json_iter it;
	struct rm_str key;
	struct rm_json_val v;
	char col[64];

	scratch->len = 0;
	if (rm_sim_emit_graph(s, r, scratch) < 0)
		return -1;
	e |= row_head(out, s, r,
	              audit ? "AuditLogs" : non ? "AADNonInteractiveUserSignInLogs" : "SigninLogs",
	              audit ? NULL : non ? "NonInteractiveUserSignInLogs" : "SignInLogs");
	e |= audit ? audit_extra(out, scratch->data, scratch->len)
	           : signin_extra(out, scratch->data, scratch->len);
	rm_json_obj_begin(&it, scratch->data, scratch->len);
	while (rm_json_obj_next(&it, &key, &v) > 0) {
		column_name(key, col, sizeof col);
		if (!audit && !non && !strcmp(col, "SignInEventTypes"))
			continue; /* not a column of SigninLogs */
		e |= puts_(out, ",\"") | puts_(out, col) | puts_(out, "\":");
		if ((v.type == RM_JSON_OBJECT || v.type == RM_JSON_ARRAY) && stored_as_text(col, non))
			e |= puts_(out, "\"") | put_as_text(out, v) | puts_(out, "\"");
		else
			e |= put_raw(out, v);
	}
	e |= puts_(out, "}");
	return e ? -1 : 0;
}

/* ---- the query API's columns, and rows from them ---- */

static const char *const signin_cols[] = {
	"TimeGenerated", "Id", "CreatedDateTime", "CorrelationId", "UserId", "UserPrincipalName",
	"AppId", "AppDisplayName", "IsInteractive", "ResultType", "ResultDescription", "Status",
	"DeviceDetail", "AuthenticationProcessingDetails", "Category", "Type",
};
static const char *const audit_cols[] = {
	"TimeGenerated", "Id", "ActivityDateTime", "ActivityDisplayName", "OperationName", "Category",
	"CorrelationId", "Result", "LoggedByService", "InitiatedBy", "TargetResources", "Type",
};

#define N_SIGNIN_COLS (sizeof signin_cols / sizeof signin_cols[0])
#define N_AUDIT_COLS (sizeof audit_cols / sizeof audit_cols[0])

static int is_time_col(const char *c)
{
	return !strcmp(c, "TimeGenerated") || !strcmp(c, "CreatedDateTime") ||
	       !strcmp(c, "ActivityDateTime");
}

/* The columns part of an answer: [{"name":..,"type":..},...]. */
int rm_sim_la_columns(int audits, struct rm_buf *out)
{
	const char *const *cols = audits ? audit_cols : signin_cols;
	size_t n = audits ? N_AUDIT_COLS : N_SIGNIN_COLS;
	int e = puts_(out, "[");

	for (size_t i = 0; i < n; i++) {
		const char *type = is_time_col(cols[i]) ? "datetime"
		                   : !strcmp(cols[i], "IsInteractive") ? "bool"
		                   : !strcmp(cols[i], "Status") || !strcmp(cols[i], "DeviceDetail") ||
		                           !strcmp(cols[i], "InitiatedBy") || !strcmp(cols[i], "TargetResources")
		                       ? "dynamic"
		                       : "string";

		e |= puts_(out, i ? ",{\"name\":\"" : "{\"name\":\"") | puts_(out, cols[i]);
		e |= puts_(out, "\",\"type\":\"") | puts_(out, type) | puts_(out, "\"}");
	}
	return e | puts_(out, "]");
}

/* One row of an answer, [cell,...], from a Log Analytics row: dynamic
 * cells as JSON text, as the API serialises them. */
int rm_sim_la_row(const char *row, size_t n, int audits, struct rm_buf *out)
{
	const char *const *cols = audits ? audit_cols : signin_cols;
	size_t nc = audits ? N_AUDIT_COLS : N_SIGNIN_COLS;
	struct rm_json_val v;
	int e = puts_(out, "[");

	for (size_t i = 0; i < nc; i++) {
		if (i)
			e |= puts_(out, ",");
		if (rm_json_obj_get(row, n, cols[i], &v) <= 0)
			e |= puts_(out, "null");
		else if (v.type == RM_JSON_OBJECT || v.type == RM_JSON_ARRAY)
			e |= puts_(out, "\"") | put_as_text(out, v) | puts_(out, "\"");
		else
			e |= put_raw(out, v);
	}
	return e | puts_(out, "]");
}

/* ---- az CLI: every value through Python's str() ---- */

int rm_sim_la_azcli(const char *row, size_t n, struct rm_buf *out)
{
	struct rm_json_iter it;
	struct rm_str key;
	struct rm_json_val v;
	int e = puts_(out, "{\"TableName\":\"PrimaryResult\"");

	rm_json_obj_begin(&it, row, n);
	while (rm_json_obj_next(&it, &key, &v) > 0) {
		e |= puts_(out, ",\"") | put(out, key.p, key.n) | puts_(out, "\":");
		switch (v.type) {
		case RM_JSON_STRING: e |= put_raw(out, v); break;
		case RM_JSON_TRUE: e |= puts_(out, "\"True\""); break;
		case RM_JSON_FALSE: e |= puts_(out, "\"False\""); break;
		case RM_JSON_NULL: e |= puts_(out, "\"None\""); break;
		case RM_JSON_NUMBER: e |= puts_(out, "\"") | put(out, v.s.p, v.s.n) | puts_(out, "\""); break;
		default: e |= puts_(out, "\"") | put_as_text(out, v) | puts_(out, "\""); break;
		}
	}
	return e | puts_(out, "}");
}

/* ---- the portal's CSV export: the union of both tables' columns ---- */

static const char *const csv_cols[] = {
	"TimeGenerated", "Id", "CreatedDateTime", "ActivityDateTime", "ActivityDisplayName",
	"OperationName", "CorrelationId", "UserId", "UserPrincipalName", "AppId", "AppDisplayName",
	"IsInteractive", "ResultType", "ResultDescription", "Status", "DeviceDetail",
	"AuthenticationProcessingDetails", "Result", "LoggedByService", "InitiatedBy",
	"TargetResources", "Category", "Type",
};

#define N_CSV_COLS (sizeof csv_cols / sizeof csv_cols[0])

int rm_sim_csv_header(struct rm_buf *out)
{
	int e = 0;

	for (size_t i = 0; i < N_CSV_COLS; i++) {
		e |= puts_(out, i ? "," : "");
		if (is_time_col(csv_cols[i]))
			e |= puts_(out, "\"") | puts_(out, csv_cols[i]) | puts_(out, " [UTC]\"");
		else
			e |= puts_(out, csv_cols[i]);
	}
	return e | puts_(out, "\r\n");
}

/* "2/25/2025, 9:19:25.391 AM": how the portal shows a datetime. */
static int put_portal_time(struct rm_buf *b, int64_t ms)
{
	int64_t y, days = ms / 86400000, in_day = ms % 86400000;
	unsigned m, d, h = (unsigned)(in_day / 3600000);
	char t[48];

	rm_civil_from_days(days, &y, &m, &d);
	snprintf(t, sizeof t, "\"%u/%u/%lld, %u:%02u:%02u.%03u %s\"", m, d, (long long)y,
	         h % 12 ? h % 12 : 12, (unsigned)(in_day / 60000 % 60), (unsigned)(in_day / 1000 % 60),
	         (unsigned)(in_day % 1000), h < 12 ? "AM" : "PM");
	return puts_(b, t);
}

/* A CSV cell of text: quoted when it must be, quotes doubled. */
static int put_cell(struct rm_buf *b, const char *p, size_t n)
{
	int e = 0;

	if (!memchr(p, ',', n) && !memchr(p, '"', n) && !memchr(p, '\n', n) && !memchr(p, '\r', n))
		return put(b, p, n);
	e |= puts_(b, "\"");
	for (size_t i = 0; i < n; i++)
		e |= p[i] == '"' ? puts_(b, "\"\"") : put(b, p + i, 1);
	return e | puts_(b, "\"");
}

int rm_sim_csv_row(const char *row, size_t n, struct rm_buf *scratch, struct rm_buf *out)
{
	struct rm_json_val v;
	int64_t ms;
	int e = 0;

	for (size_t i = 0; i < N_CSV_COLS; i++) {
		e |= puts_(out, i ? "," : "");
		if (rm_json_obj_get(row, n, csv_cols[i], &v) <= 0 || v.type == RM_JSON_NULL)
			continue;
		scratch->len = 0;
		if (v.type == RM_JSON_STRING) {
			long dn;

			if (rm_buf_reserve(scratch, v.s.n + 1) < 0 ||
			    (dn = rm_json_unescape(v.s, scratch->data, v.s.n + 1)) < 0)
				return -1;
			if (is_time_col(csv_cols[i]) && rm_time_parse(scratch->data, (size_t)dn, &ms) == 0)
				e |= put_portal_time(out, ms);
			else
				e |= put_cell(out, scratch->data, (size_t)dn);
		} else {
			e |= put_cell(out, v.s.p, v.s.n); /* JSON text of dynamic cells, numbers, bools */
		}
	}
	return e | puts_(out, "\r\n");
}
