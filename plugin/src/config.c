/* Configuration keys: one table says each key's type, default, range and
 * meaning; validation and the help texts are both read from it. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "timeparse.h"

enum key_type {
	K_DURATION, /* seconds, or with a unit s/m/h/d */
	K_UINT,
	K_SHARE,    /* a real number in [0, 1] */
	K_REAL,
	K_BYTES,    /* an integer with an optional unit K, M, G */
	K_TIME,     /* an RFC 3339 timestamp */
	K_SOURCE,   /* list */
	K_CLASSIFY, /* list: CODE:CLASS */
	K_ACTIVITY, /* list: CAUSE:NAME */
	K_ACTIVITY_IGNORE, /* list: NAME */
	K_SHAPE,
	K_IDENT,    /* a tenant or client id: [A-Za-z0-9._-] */
	K_URL,      /* https://host[:port][/path] */
	K_PATH,
	K_ENVNAME,  /* the name of an environment variable */
	K_BOOL,
	K_FLAVOUR,  /* probe_flavour: entra or oauth */
	K_USER,     /* a user principal name or object id: [A-Za-z0-9._@+-] */
	K_SCOPE,    /* OAuth scopes: printable ASCII and spaces */
};

struct key {
	const char *name;
	enum key_type type;
	const char *def;
	double min, max; /* for numbers; durations in seconds */
	const char *help;
};

static const struct key keys[] = {
	{"source", K_SOURCE, "sim", 0, 0,
	 "Where events come from; repeat for several: sim (the built-in tenant simulator), file:PATH (a file, a directory of exports, or - for stdin), graph (live Microsoft Graph, the graph_* keys), probe (the active revocation drill, the probe_* keys)."},
	{"window", K_DURATION, "300", 10, 86400,
	 "W: the window that gauges describe (stale clients, re-auth rate, CAE ratio)."},
	{"settle", K_DURATION, "600", 0, 86400,
	 "Windowed gauges (stale clients, re-auth rate, CAE ratio) describe the window ending this long ago, so that late-delivered logs are in."},
	{"lag_window", K_DURATION, "3600", 60, 30 * 86400.0,
	 "Revocations enforced within this window make up the lag percentiles."},
	{"stuck_after", K_DURATION, "3600", 0, 30 * 86400.0,
	 "A client presenting a revoked grant this long after its revocation counts as stuck."},
	{"access_token_lifetime", K_DURATION, "5400", 60, 86400,
	 "Longest lifetime of a non-CAE access token (Entra: 60-90 min)."},
	{"cae_propagation_bound", K_DURATION, "900", 0, 86400,
	 "How long CAE may take to enforce a revocation (Entra: up to 15 min)."},
	{"reauth_window", K_DURATION, "1800", 60, 86400,
	 "Interactive sign-ins this soon after the user's revocation count as re-authentications caused by it."},
	{"baseline_halflife", K_DURATION, "21600", 600, 30 * 86400.0,
	 "Half-life of the EWMA baseline of the interactive sign-in rate."},
	{"baseline_warmup", K_DURATION, "1800", 60, 30 * 86400.0,
	 "Minutes of data the baseline needs before reauth_storm_ratio is known."},
	{"dedupe_horizon", K_DURATION, "7200", 60, 7 * 86400.0,
	 "Record ids are remembered this long (in event time) to drop duplicates."},
	{"revocation_merge", K_DURATION, "10", 0, 3600,
	 "Revocation audit rows of one user this close together (or sharing a correlation id) are one revocation."},
	{"max_record_bytes", K_BYTES, "4M", 1024, 1073741824.0,
	 "Largest single log record accepted; bigger ones are rejected."},
	{"max_document_bytes", K_BYTES, "256M", 1024, 17179869184.0,
	 "Largest JSON document (Graph page or Event Hubs body) read whole."},
	{"classify", K_CLASSIFY, "", 0, 0,
	 "Override the class of an AADSTS code: CODE:CLASS with CLASS one of revoked, expiry, policy, account, benign, storm, other. Repeatable."},
	{"activity", K_ACTIVITY, "", 0, 0,
	 "Map an audit activity name to a revocation cause: CAUSE:NAME with CAUSE one of admin_revoke, password, disable, mfa, risk. Repeatable."},
	{"activity_ignore", K_ACTIVITY_IGNORE, "", 0, 0,
	 "Do not treat this audit activity name as a revocation. Repeatable."},
	{"sim_seed", K_UINT, "1", 0, 18446744073709551615.0,
	 "Simulator: random seed; the same seed gives the same tenant and logs."},
	{"sim_users", K_UINT, "2000", 1, 10000000,
	 "Simulator: number of users in the simulated tenant."},
	{"sim_start", K_TIME, "2026-01-05T08:00:00Z", 0, 0,
	 "Simulator: the simulated clock at the start."},
	{"sim_duration", K_DURATION, "21600", 0, 30 * 86400.0,
	 "Simulator: simulated time covered by the first poll."},
	{"sim_step", K_DURATION, "60", 1, 86400,
	 "Simulator: simulated time added by each later poll."},
	{"sim_revocation_rate", K_REAL, "0.05", 0, 100,
	 "Simulator: background revocations per user per day."},
	{"sim_mass_revocation", K_DURATION, "10800", 0, 30 * 86400.0,
	 "Simulator: offset from sim_start of a mass revocation (0: none)."},
	{"sim_mass_share", K_SHARE, "0.3", 0, 1,
	 "Simulator: share of users revoked by the mass revocation."},
	{"sim_stuck_share", K_SHARE, "0.1", 0, 1,
	 "Simulator: share of revoked non-CAE mobile clients that never recover."},
	{"sim_cae_share", K_SHARE, "0.5", 0, 1,
	 "Simulator: share of client instances on CAE-capable apps."},
	{"sim_delivery_delay_max", K_DURATION, "1800", 0, 86400,
	 "Simulator: longest log delivery delay."},
	{"sim_shape", K_SHAPE, "ndjson", 0, 0,
	 "Simulator: export shape fed through the parsers: ndjson, graph, eventhub or pt1h."},
	{"graph_tenant", K_IDENT, "", 0, 0,
	 "Graph: the tenant id (a GUID) or a verified domain name."},
	{"graph_client_id", K_IDENT, "", 0, 0,
	 "Graph: the application (client) id of the app registration revmon signs in as."},
	{"graph_client_secret_file", K_PATH, "", 0, 0,
	 "Graph: a file holding the client secret (refused when group or others may read it)."},
	{"graph_client_secret_env", K_ENVNAME, "", 0, 0,
	 "Graph: the name of an environment variable holding the client secret."},
	{"graph_certificate_file", K_PATH, "", 0, 0,
	 "Graph: PEM certificate registered on the app, for certificate (client-assertion) authentication."},
	{"graph_private_key_file", K_PATH, "", 0, 0,
	 "Graph: PEM RSA private key of graph_certificate_file (refused when group or others may read it)."},
	{"graph_authority", K_URL, "https://login.microsoftonline.com", 0, 0,
	 "Graph: the token authority (national clouds: https://login.microsoftonline.us, https://login.chinacloudapi.cn)."},
	{"graph_base", K_URL, "https://graph.microsoft.com", 0, 0,
	 "Graph: the Microsoft Graph endpoint (national clouds: https://graph.microsoft.us, https://microsoftgraph.chinacloudapi.cn)."},
	{"graph_ca_file", K_PATH, "", 0, 0,
	 "Graph: PEM CA bundle to verify the servers with instead of the system's (TLS verification cannot be turned off)."},
	{"graph_overlap", K_DURATION, "900", 0, 86400,
	 "Graph: each poll re-reads this much before the last window read, for late-delivered logs (records deduplicated by id)."},
	{"graph_lookback", K_DURATION, "3600", 60, 30 * 86400.0,
	 "Graph: how far back the first poll (with no state) reads."},
	{"graph_request_timeout", K_DURATION, "60", 1, 600,
	 "Graph: longest single HTTP request (connection and transfer; also bounded by the poll's budget)."},
	{"graph_page_size", K_UINT, "1000", 1, 1000,
	 "Graph: $top of each list request (1000 is Graph's maximum)."},
	{"graph_rate", K_UINT, "5", 1, 5,
	 "Graph: audit-log requests per 10 s that revmon allows itself (Graph's limit: 5 per app per tenant)."},
	{"graph_noninteractive", K_BOOL, "yes", 0, 0,
	 "Graph: also read non-interactive sign-ins (beta, signInEventTypes filter): yes or no."},
	{"graph_select", K_BOOL, "yes", 0, 0,
	 "Graph: ask only for the fields revmon reads ($select) to cut the payload: yes or no."},
	{"graph_session_lookup", K_BOOL, "yes", 0, 0,
	 "Graph: for a refusal of a revoked grant whose failure text names no revocation time, read the user's signInSessionsValidFromDateTime (needs User.Read.All; turned off with a warning when refused), so the refusal still gives a lag: yes or no."},
	{"probe_flavour", K_FLAVOUR, "entra", 0, 0,
	 "Probe: entra (token request with the cp1 capability, Graph revokeSignInSessions with the graph_* app, Graph /me) or oauth (any OAuth 2.0 provider: RFC 7009 revocation, a protected resource and/or RFC 7662 introspection)."},
	{"probe_interval", K_DURATION, "3600", 10, 30 * 86400.0,
	 "Probe: a drill starts this long after the previous one started (drills never overlap)."},
	{"probe_max_wait", K_DURATION, "900", 1, 86400,
	 "Probe: a drill that has not seen both refusals this long after the revocation ends as failed."},
	{"probe_poll", K_DURATION, "1", 0.1, 60,
	 "Probe: period of the polls with the old tokens during a drill; it is the lags' resolution."},
	{"probe_request_timeout", K_DURATION, "10", 1, 120,
	 "Probe: longest single HTTP request of a drill (also bounded by the poll's budget)."},
	{"probe_client_id", K_IDENT, "", 0, 0,
	 "Probe: the client id the canary signs in with (Entra: a public client app registration)."},
	{"probe_client_secret_file", K_PATH, "", 0, 0,
	 "Probe: a file holding that client's secret, for confidential clients (refused when group or others may read it)."},
	{"probe_client_secret_env", K_ENVNAME, "", 0, 0,
	 "Probe: the name of an environment variable holding that client's secret."},
	{"probe_username", K_USER, "", 0, 0,
	 "Probe: the canary account (user principal name) for the resource-owner password grant (Entra: cloud-only, without MFA)."},
	{"probe_user_id", K_USER, "", 0, 0,
	 "Probe, entra: the canary's object id or UPN in Graph's /users/{id}/revokeSignInSessions (default: probe_username)."},
	{"probe_password_file", K_PATH, "", 0, 0,
	 "Probe: a file holding the canary's password (refused when group or others may read it)."},
	{"probe_password_env", K_ENVNAME, "", 0, 0,
	 "Probe: the name of an environment variable holding the canary's password."},
	{"probe_refresh_token_file", K_PATH, "", 0, 0,
	 "Probe: a file holding a refresh token of the canary, used instead of a password (refused when group or others may read it; never rewritten)."},
	{"probe_token_url", K_URL, "", 0, 0,
	 "Probe: the token endpoint (default for entra: graph_authority/graph_tenant/oauth2/v2.0/token)."},
	{"probe_scope", K_SCOPE, "", 0, 0,
	 "Probe: scopes of the canary's token request (default for entra: graph_base/.default openid offline_access; oauth: none sent)."},
	{"probe_resource", K_URL, "", 0, 0,
	 "Probe, oauth: an RFC 8707 resource indicator sent with the token requests."},
	{"probe_resource_url", K_URL, "", 0, 0,
	 "Probe: the protected resource polled with the old access token until it answers 401 (default for entra: graph_base/v1.0/me)."},
	{"probe_revocation_url", K_URL, "", 0, 0,
	 "Probe, oauth: the RFC 7009 revocation endpoint; the drill revokes the refresh token there."},
	{"probe_introspection_url", K_URL, "", 0, 0,
	 "Probe, oauth: an RFC 7662 introspection endpoint polled with the old access token until it says inactive."},
	{"probe_ca_file", K_PATH, "", 0, 0,
	 "Probe: PEM CA bundle to verify the servers with (default: graph_ca_file, else the system's)."},
	{"probe_cae", K_BOOL, "yes", 0, 0,
	 "Probe: expect the resource to refuse the old access token before it expires (CAE; entra: declare the cp1 capability). no: the non-CAE regime, where the drill reports the token's remaining lifetime."},
	{"probe_wait_expiry", K_BOOL, "no", 0, 0,
	 "Probe, with probe_cae = no: wait (up to probe_max_wait) for the refusal at expiry instead of reporting the remaining lifetime."},
};

#define N_KEYS (sizeof keys / sizeof keys[0])

static const char *const shape_names[] = {"ndjson", "graph", "eventhub", "pt1h"};

void rm_errorf(struct revmon_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

int revmon_parse_duration(const char *text, int64_t *ms)
{
	return text ? rm_parse_duration(text, ms) : -1;
}

const char *revmon_conf_key(size_t i, const char **help, const char **def)
{
	if (i >= N_KEYS)
		return NULL;
	if (help)
		*help = keys[i].help;
	if (def)
		*def = keys[i].def;
	return keys[i].name;
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int rm_parse_duration(const char *v, int64_t *ms)
{
	int64_t total = 0;
	int parts = 0;

	/* "90", "15m", or units in a row: "2h30m", "1d12h". */
	while (*v) {
		char *end;
		long long n;
		int64_t mult;

		if (!isdigit((unsigned char)*v))
			return -1;
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || n < 0)
			return -1;
		switch (*end) {
		case '\0':
			if (parts)
				return -1; /* "2h30": a bare number only alone */
			mult = 1000;
			break;
		case 's': mult = 1000; end++; break;
		case 'm':
			if (end[1] == 's') { /* ms */
				mult = 1;
				end += 2;
				break;
			}
			mult = 60000;
			end++;
			break;
		case 'h': mult = 3600000; end++; break;
		case 'd': mult = 86400000; end++; break;
		default: return -1;
		}
		if (n > (INT64_MAX - total) / mult)
			return -1;
		total += (int64_t)n * mult;
		parts++;
		v = end;
	}
	if (!parts)
		return -1;
	*ms = total;
	return 0;
}

static int parse_bytes(const char *v, double *out)
{
	char *end;
	unsigned long long n;
	double mult = 1;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return -1;
	n = strtoull(v, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		switch (*end) {
		case 'K': case 'k': mult = 1024; break;
		case 'M': mult = 1024.0 * 1024; break;
		case 'G': mult = 1024.0 * 1024 * 1024; break;
		default: return -1;
		}
		if (end[1])
			return -1;
	}
	*out = (double)n * mult;
	return 0;
}

static int parse_uint(const char *v, double *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return -1;
	n = strtoull(v, &end, 10);
	if (errno || *end)
		return -1;
	*out = (double)n;
	return 0;
}

static int parse_real(const char *v, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(*out))
		return -1;
	return 0;
}

static int parse_bool(const char *v)
{
	static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0)
			return 1;
		if (strcmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Values that end up in URLs, paths and variable names: refuse what could
 * change a request's meaning (spaces, quotes, control characters). */
static int check_text(const struct key *k, const char *v, struct revmon_error *err)
{
	size_t n = strlen(v);

	switch (k->type) {
	case K_IDENT:
		if (n == 0 || n > 255 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n) {
			rm_errorf(err, "%s: '%s' is not an id or a domain name (letters, digits, '.', '_', '-')", k->name, v);
			return -1;
		}
		return 0;
	case K_URL: {
		const char *host = v + 8;

		if (strncmp(v, "https://", 8) != 0 || !*host || *host == '/' || n > 512) {
			rm_errorf(err, "%s: '%s' is not an https:// URL (TLS is required)", k->name, v);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)v[i] <= ' ' || strchr("\"<>\\^`{|}?#%", v[i])) {
				rm_errorf(err, "%s: '%s' is not a plain https:// URL (no query, fragment, spaces or quotes)", k->name, v);
				return -1;
			}
		return 0;
	}
	case K_PATH:
		if (n == 0 || n > 4096) {
			rm_errorf(err, "%s: empty or overlong path", k->name);
			return -1;
		}
		return 0;
	case K_ENVNAME:
		if (n == 0 || n > 255 || isdigit((unsigned char)v[0]) ||
		    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != n) {
			rm_errorf(err, "%s: '%s' is not an environment variable name", k->name, v);
			return -1;
		}
		return 0;
	case K_BOOL:
		if (parse_bool(v) < 0) {
			rm_errorf(err, "%s: '%s' is not yes or no", k->name, v);
			return -1;
		}
		return 0;
	case K_FLAVOUR:
		if (strcmp(v, "entra") != 0 && strcmp(v, "oauth") != 0) {
			rm_errorf(err, "%s: '%s' is not a flavour (entra or oauth)", k->name, v);
			return -1;
		}
		return 0;
	case K_USER:
		if (n == 0 || n > 255 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@+-") != n) {
			rm_errorf(err, "%s: '%s' is not a user principal name or id", k->name, v);
			return -1;
		}
		return 0;
	case K_SCOPE:
		if (n == 0 || n > 1024) {
			rm_errorf(err, "%s: empty or overlong scope list", k->name);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)v[i] < ' ' || (unsigned char)v[i] > '~' || v[i] == '"' || v[i] == '\\') {
				rm_errorf(err, "%s: scopes are printable ASCII separated by spaces", k->name);
				return -1;
			}
		return 0;
	default:
		return 0;
	}
}

/* The owned string a text key sets, or NULL when the key is not one. */
static char **text_field(struct rm_settings *s, const char *n)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{"graph_tenant", offsetof(struct rm_settings, graph_tenant)},
		{"graph_client_id", offsetof(struct rm_settings, graph_client_id)},
		{"graph_client_secret_file", offsetof(struct rm_settings, graph_client_secret_file)},
		{"graph_client_secret_env", offsetof(struct rm_settings, graph_client_secret_env)},
		{"graph_certificate_file", offsetof(struct rm_settings, graph_certificate_file)},
		{"graph_private_key_file", offsetof(struct rm_settings, graph_private_key_file)},
		{"graph_authority", offsetof(struct rm_settings, graph_authority)},
		{"graph_base", offsetof(struct rm_settings, graph_base)},
		{"graph_ca_file", offsetof(struct rm_settings, graph_ca_file)},
		{"probe_client_id", offsetof(struct rm_settings, probe_client_id)},
		{"probe_client_secret_file", offsetof(struct rm_settings, probe_client_secret_file)},
		{"probe_client_secret_env", offsetof(struct rm_settings, probe_client_secret_env)},
		{"probe_username", offsetof(struct rm_settings, probe_username)},
		{"probe_user_id", offsetof(struct rm_settings, probe_user_id)},
		{"probe_password_file", offsetof(struct rm_settings, probe_password_file)},
		{"probe_password_env", offsetof(struct rm_settings, probe_password_env)},
		{"probe_refresh_token_file", offsetof(struct rm_settings, probe_refresh_token_file)},
		{"probe_token_url", offsetof(struct rm_settings, probe_token_url)},
		{"probe_scope", offsetof(struct rm_settings, probe_scope)},
		{"probe_resource", offsetof(struct rm_settings, probe_resource)},
		{"probe_resource_url", offsetof(struct rm_settings, probe_resource_url)},
		{"probe_revocation_url", offsetof(struct rm_settings, probe_revocation_url)},
		{"probe_introspection_url", offsetof(struct rm_settings, probe_introspection_url)},
		{"probe_ca_file", offsetof(struct rm_settings, probe_ca_file)},
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strcmp(fields[i].name, n) == 0)
			return (char **)((char *)s + fields[i].off);
	return NULL;
}

/* Validate one value against its key; on failure say why in err. */
static int check_value(const struct key *k, const char *v, struct revmon_error *err)
{
	double d = 0;
	int64_t ms;
	const char *colon;

	switch (k->type) {
	case K_DURATION:
		if (rm_parse_duration(v, &ms) < 0)
			goto bad_duration;
		d = (double)ms / 1000.0;
		break;
	case K_UINT:
		if (parse_uint(v, &d) < 0) {
			rm_errorf(err, "%s: '%s' is not a non-negative integer", k->name, v);
			return -1;
		}
		break;
	case K_SHARE:
	case K_REAL:
		if (parse_real(v, &d) < 0) {
			rm_errorf(err, "%s: '%s' is not a number", k->name, v);
			return -1;
		}
		break;
	case K_BYTES:
		if (parse_bytes(v, &d) < 0) {
			rm_errorf(err, "%s: '%s' is not a size (an integer with an optional K, M or G)", k->name, v);
			return -1;
		}
		break;
	case K_TIME:
		if (rm_time_parse(v, strlen(v), &ms) < 0) {
			rm_errorf(err, "%s: '%s' is not an RFC 3339 timestamp", k->name, v);
			return -1;
		}
		return 0;
	case K_SOURCE:
		if (strcmp(v, "sim") == 0)
			return 0;
		if (strncmp(v, "file:", 5) == 0 && v[5])
			return 0;
		if (strcmp(v, "graph") == 0)
			return 0;
		if (strcmp(v, "probe") == 0)
			return 0;
		rm_errorf(err, "source: '%s' is not a source (expected sim, file:PATH, graph or probe)", v);
		return -1;
	case K_IDENT:
	case K_URL:
	case K_PATH:
	case K_ENVNAME:
	case K_BOOL:
	case K_FLAVOUR:
	case K_USER:
	case K_SCOPE:
		return check_text(k, v, err);
	case K_CLASSIFY: {
		char *end;
		long code;

		errno = 0;
		code = strtol(v, &end, 10);
		if (errno || end == v || *end != ':' || code < 0 || code > INT32_MAX) {
			rm_errorf(err, "classify: '%s' is not CODE:CLASS", v);
			return -1;
		}
		if (rm_class_parse(end + 1) < 0) {
			rm_errorf(err, "classify: '%s' is not a class (revoked, expiry, policy, account, benign, storm, other)", end + 1);
			return -1;
		}
		return 0;
	}
	case K_ACTIVITY: {
		char cause[32];
		size_t n;

		colon = strchr(v, ':');
		n = colon ? (size_t)(colon - v) : 0;
		if (!colon || !colon[1] || n >= sizeof cause) {
			rm_errorf(err, "activity: '%s' is not CAUSE:NAME", v);
			return -1;
		}
		memcpy(cause, v, n);
		cause[n] = '\0';
		if (rm_cause_parse(cause) < 0) {
			rm_errorf(err, "activity: '%s' is not a cause (admin_revoke, password, disable, mfa, risk)", cause);
			return -1;
		}
		return 0;
	}
	case K_ACTIVITY_IGNORE:
		if (!*v) {
			rm_errorf(err, "activity_ignore: empty activity name");
			return -1;
		}
		return 0;
	case K_SHAPE:
		for (size_t i = 0; i < sizeof shape_names / sizeof shape_names[0]; i++)
			if (strcmp(v, shape_names[i]) == 0)
				return 0;
		rm_errorf(err, "%s: '%s' is not a shape (ndjson, graph, eventhub, pt1h)", k->name, v);
		return -1;
	}
	if (d < k->min || d > k->max) {
		rm_errorf(err, "%s: %s is out of range (%g to %g%s)", k->name, v, k->min, k->max,
		          k->type == K_DURATION ? " seconds" : "");
		return -1;
	}
	return 0;
bad_duration:
	rm_errorf(err, "%s: '%s' is not a duration (seconds, or numbers with s, m, h or d: 90, 15m, 2h30m)", k->name, v);
	return -1;
}

static int valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return 0;
	return 1;
}

revmon_conf *revmon_conf_new(const char *name, struct revmon_error *err)
{
	revmon_conf *c;

	if (!name || !valid_name(name)) {
		rm_errorf(err, "name: '%s' is not a valid monitor name (1-63 of A-Z a-z 0-9 _ . -)",
		          name ? name : "(null)");
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		rm_errorf(err, "out of memory");
		return NULL;
	}
	memcpy(c->name, name, strlen(name) + 1);
	return c;
}

void revmon_conf_free(revmon_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->pairs[i].key);
		free(c->pairs[i].value);
	}
	free(c->pairs);
	free(c);
}

const char *revmon_conf_name(const revmon_conf *c)
{
	return c->name;
}

int revmon_conf_equal(const revmon_conf *a, const revmon_conf *b)
{
	if (strcmp(a->name, b->name) != 0 || a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->pairs[i].key, b->pairs[i].key) != 0 ||
		    strcmp(a->pairs[i].value, b->pairs[i].value) != 0)
			return 0;
	return 1;
}

int revmon_conf_set(revmon_conf *c, const char *key, const char *value, struct revmon_error *err)
{
	const struct key *k = find_key(key);
	struct rm_pair *p;
	char *kc = NULL, *vc = NULL;

	if (!k) {
		rm_errorf(err, "%s: unknown configuration key", key);
		return -1;
	}
	if (check_value(k, value, err) < 0)
		return -1;
	kc = strdup(key);
	vc = strdup(value);
	p = (kc && vc) ? realloc(c->pairs, (c->n + 1) * sizeof *p) : NULL;
	if (!p) {
		free(kc);
		free(vc);
		rm_errorf(err, "%s: out of memory", key);
		return -1;
	}
	c->pairs = p;
	c->pairs[c->n++] = (struct rm_pair){kc, vc};
	return 0;
}

/* Apply one already-validated pair to s. */
static int apply(struct rm_settings *s, const struct key *k, const char *v, struct revmon_error *err)
{
	int64_t ms = 0;
	double d = 0;
	const char *n = k->name;

	switch (k->type) {
	case K_DURATION: rm_parse_duration(v, &ms); break;
	case K_UINT: parse_uint(v, &d); break;
	case K_SHARE: case K_REAL: parse_real(v, &d); break;
	case K_BYTES: parse_bytes(v, &d); break;
	case K_TIME: rm_time_parse(v, strlen(v), &ms); break;
	case K_SOURCE: {
		char **p, *copy = strdup(v);

		p = copy ? realloc(s->sources, (s->n_sources + 1) * sizeof *p) : NULL;
		if (!p) {
			free(copy);
			goto oom;
		}
		s->sources = p;
		s->sources[s->n_sources++] = copy;
		return 0;
	}
	case K_CLASSIFY: {
		char *colon = strchr(v, ':');

		if (rm_classifier_set_code(&s->classifier, (int32_t)strtol(v, NULL, 10),
		                           (enum rm_class)rm_class_parse(colon + 1)) < 0)
			goto oom;
		return 0;
	}
	case K_ACTIVITY: {
		const char *colon = strchr(v, ':');
		char cause[32];

		memcpy(cause, v, (size_t)(colon - v));
		cause[colon - v] = '\0';
		if (rm_classifier_set_activity(&s->classifier, colon + 1,
		                               (enum rm_cause)rm_cause_parse(cause)) < 0)
			goto oom;
		return 0;
	}
	case K_ACTIVITY_IGNORE:
		if (rm_classifier_set_activity(&s->classifier, v, RM_CAUSE_NONE) < 0)
			goto oom;
		return 0;
	case K_SHAPE:
		for (size_t i = 0; i < sizeof shape_names / sizeof shape_names[0]; i++)
			if (strcmp(v, shape_names[i]) == 0)
				s->sim_shape = (int)i;
		return 0;
	case K_BOOL:
		if (!strcmp(n, "graph_noninteractive"))
			s->graph_noninteractive = parse_bool(v);
		else if (!strcmp(n, "graph_select"))
			s->graph_select = parse_bool(v);
		else if (!strcmp(n, "graph_session_lookup"))
			s->graph_session_lookup = parse_bool(v);
		else if (!strcmp(n, "probe_cae"))
			s->probe_cae = parse_bool(v);
		else if (!strcmp(n, "probe_wait_expiry"))
			s->probe_wait_expiry = parse_bool(v);
		return 0;
	case K_FLAVOUR:
		s->probe_flavour = strcmp(v, "oauth") == 0 ? RM_PROBE_OAUTH : RM_PROBE_ENTRA;
		return 0;
	case K_IDENT:
	case K_URL:
	case K_PATH:
	case K_ENVNAME:
	case K_USER:
	case K_SCOPE: {
		char **f = text_field(s, n), *copy = strdup(v);
		size_t len;

		if (!copy)
			goto oom;
		if (!f) {
			free(copy);
			rm_errorf(err, "%s: key has no setting (internal error)", n);
			return -1;
		}
		/* URLs are joined with paths: one canonical form, no trailing '/'. */
		len = strlen(copy);
		while (k->type == K_URL && len > 9 && copy[len - 1] == '/')
			copy[--len] = '\0';
		free(*f);
		*f = copy;
		return 0;
	}
	}

	if (!strcmp(n, "window")) s->window_ms = ms;
	else if (!strcmp(n, "settle")) s->settle_ms = ms;
	else if (!strcmp(n, "lag_window")) s->lag_window_ms = ms;
	else if (!strcmp(n, "stuck_after")) s->stuck_after_ms = ms;
	else if (!strcmp(n, "access_token_lifetime")) s->access_token_lifetime_ms = ms;
	else if (!strcmp(n, "cae_propagation_bound")) s->cae_propagation_bound_ms = ms;
	else if (!strcmp(n, "reauth_window")) s->reauth_window_ms = ms;
	else if (!strcmp(n, "baseline_halflife")) s->baseline_halflife_ms = ms;
	else if (!strcmp(n, "baseline_warmup")) s->baseline_warmup_ms = ms;
	else if (!strcmp(n, "dedupe_horizon")) s->dedupe_horizon_ms = ms;
	else if (!strcmp(n, "revocation_merge")) s->revocation_merge_ms = ms;
	else if (!strcmp(n, "max_record_bytes")) s->max_record_bytes = (size_t)d;
	else if (!strcmp(n, "max_document_bytes")) s->max_document_bytes = (size_t)d;
	else if (!strcmp(n, "sim_seed")) s->sim_seed = strtoull(v, NULL, 10);
	else if (!strcmp(n, "sim_users")) s->sim_users = (uint32_t)d;
	else if (!strcmp(n, "sim_start")) s->sim_start_ms = ms;
	else if (!strcmp(n, "sim_duration")) s->sim_duration_ms = ms;
	else if (!strcmp(n, "sim_step")) s->sim_step_ms = ms;
	else if (!strcmp(n, "sim_revocation_rate")) s->sim_revocation_rate = d;
	else if (!strcmp(n, "sim_mass_revocation")) s->sim_mass_revocation_ms = ms;
	else if (!strcmp(n, "sim_mass_share")) s->sim_mass_share = d;
	else if (!strcmp(n, "sim_stuck_share")) s->sim_stuck_share = d;
	else if (!strcmp(n, "sim_cae_share")) s->sim_cae_share = d;
	else if (!strcmp(n, "sim_delivery_delay_max")) s->sim_delivery_delay_max_ms = ms;
	else if (!strcmp(n, "graph_overlap")) s->graph_overlap_ms = ms;
	else if (!strcmp(n, "graph_lookback")) s->graph_lookback_ms = ms;
	else if (!strcmp(n, "graph_request_timeout")) s->graph_request_timeout_ms = ms;
	else if (!strcmp(n, "graph_page_size")) s->graph_page_size = (uint32_t)d;
	else if (!strcmp(n, "graph_rate")) s->graph_rate = (uint32_t)d;
	else if (!strcmp(n, "probe_interval")) s->probe_interval_ms = ms;
	else if (!strcmp(n, "probe_max_wait")) s->probe_max_wait_ms = ms;
	else if (!strcmp(n, "probe_poll")) s->probe_poll_ms = ms;
	else if (!strcmp(n, "probe_request_timeout")) s->probe_request_timeout_ms = ms;
	else {
		rm_errorf(err, "%s: key has no setting (internal error)", n);
		return -1;
	}
	return 0;
oom:
	rm_errorf(err, "%s: out of memory", n);
	return -1;
}

int rm_settings_load(const struct revmon_conf *c, struct rm_settings *s, struct revmon_error *err)
{
	int have_source = 0;

	memset(s, 0, sizeof *s);
	memcpy(s->name, c->name, sizeof s->name);
	if (rm_classifier_init(&s->classifier) < 0) {
		rm_errorf(err, "out of memory");
		return -1;
	}
	/* Defaults come from the same table the help text shows. */
	for (size_t i = 0; i < N_KEYS; i++) {
		if (!*keys[i].def || keys[i].type == K_SOURCE)
			continue;
		if (apply(s, &keys[i], keys[i].def, err) < 0)
			goto fail;
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct key *k = find_key(c->pairs[i].key);

		if (!k || check_value(k, c->pairs[i].value, err) < 0)
			goto fail;
		if (k->type == K_SOURCE)
			have_source = 1;
		if (apply(s, k, c->pairs[i].value, err) < 0)
			goto fail;
	}
	if (!have_source && apply(s, find_key("source"), "sim", err) < 0)
		goto fail;
	if (s->window_ms > s->lag_window_ms) {
		rm_errorf(err, "window: %lld s is longer than lag_window (%lld s)",
		          (long long)(s->window_ms / 1000), (long long)(s->lag_window_ms / 1000));
		goto fail;
	}
	return 0;
fail:
	rm_settings_free(s);
	return -1;
}

void rm_settings_free(struct rm_settings *s)
{
	for (size_t i = 0; i < s->n_sources; i++)
		free(s->sources[i]);
	free(s->sources);
	rm_classifier_free(&s->classifier);
	free(s->graph_tenant);
	free(s->graph_client_id);
	free(s->graph_client_secret_file);
	free(s->graph_client_secret_env);
	free(s->graph_certificate_file);
	free(s->graph_private_key_file);
	free(s->graph_authority);
	free(s->graph_base);
	free(s->graph_ca_file);
	{
		char **p[] = {&s->probe_client_id, &s->probe_client_secret_file, &s->probe_client_secret_env,
		              &s->probe_username, &s->probe_user_id, &s->probe_password_file,
		              &s->probe_password_env, &s->probe_refresh_token_file, &s->probe_token_url,
		              &s->probe_scope, &s->probe_resource, &s->probe_resource_url,
		              &s->probe_revocation_url, &s->probe_introspection_url, &s->probe_ca_file};

		for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
			free(*p[i]);
	}
	memset(s, 0, sizeof *s);
}
