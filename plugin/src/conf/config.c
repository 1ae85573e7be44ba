/* Configuration keys: one table (keys.def) says each key's type, field,
 * default, range and meaning; the settings struct, defaults, validation,
 * apply, freeing and the help texts are all read from it. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_eventhub.h"
#include "source_kinds.h"
#include "util/util.h"

enum key_type {
	K_DURATION, /* seconds, or with a unit s/m/h/d */
	K_TIME,     /* an RFC 3339 timestamp */
	K_U32,
	K_U64,
	K_BYTES,    /* an integer with an optional unit K, M, G */
	K_SHARE,    /* a real number in [0, 1] */
	K_REAL,
	K_BOOL,
	K_IDENT,    /* a tenant or client id: [A-Za-z0-9._-] */
	K_URL,      /* https://host[:port][/path]: a base that paths are joined to */
	K_ENDPOINT, /* https://host[:port][/path][?query]: used as it is (RFC 6749 3.1) */
	K_URI,      /* any absolute URI without a fragment: an identifier (RFC 8707) */
	K_PATH,
	K_ENVNAME,  /* the name of an environment variable */
	K_USER,     /* a user principal name or object id: [A-Za-z0-9._@+-] */
	K_SCOPE,    /* OAuth scopes: printable ASCII and spaces */
	K_SOURCE,   /* list, into sources / n_sources */
	K_CLASSIFY, /* list: CODE:CLASS, into classifier */
	K_ACTIVITY, /* list: CAUSE:NAME, into classifier */
	K_ACTIVITY_IGNORE, /* list: NAME, into classifier */
	K_SHAPE,
	K_FORMAT,   /* file_format: auto, json or csv */
	K_FLAVOUR,  /* probe_flavour: entra or oauth */
	K_HOSTPORTS, /* host:port[,host:port...] */
	K_TOPICS,   /* topic[,topic...] */
	K_RDKAFKA,  /* a prefix key: eventhub_rdkafka.PROPERTY, list into its field */
};

struct key {
	const char *name;
	enum key_type type;
	const char *def;
	double min, max; /* for numbers; durations in seconds */
	const char *help;
	size_t off;      /* of its field in struct rm_settings */
};

static const struct key keys[] = {
#define X(nm, type, field, def, mn, mx, hlp)                                                   \
	{nm, K_##type, def, mn, mx, hlp, offsetof(struct rm_settings, field)},
#include "keys.def"
#undef X
};

#define N_KEYS (sizeof keys / sizeof keys[0])

/* in the order of enum rm_shape (sim.h) */
static const char *const shape_names[] = {"ndjson", "graph", "eventhub", "pt1h", "array", "la",
                                          "la-query", "azcli", "csv", "entra-csv"};
/* in the order of enum rm_format (ingest.h) */
static const char *const format_names[] = {"auto", "json", "csv"};

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
	size_t np = strlen(rm_rdkafka_prefix);

	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	/* the pass-through keys: the prefix and any property after it */
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].type == K_RDKAFKA && strncmp(name, rm_rdkafka_prefix, np) == 0 && name[np])
			return &keys[i];
	return NULL;
}

int rm_conf_key_known(const char *name)
{
	return find_key(name) != NULL;
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

/* A character no URL value may hold: it could change a request's meaning
 * or the text around it (RFC 3986 excludes them all). */
static int url_unsafe(unsigned char c)
{
	return c <= ' ' || c >= 0x7f || strchr("\"<>\\^`{|}#", c);
}

/* URLs: a base (K_URL) takes paths joined to it, so no query; an endpoint
 * (K_ENDPOINT) may carry a query (RFC 6749 3.1, 3.2), never a fragment;
 * both are https, as they receive secrets or tokens and TLS is always
 * verified. A resource indicator (K_URI) is only a name sent to the token
 * endpoint: any absolute URI without a fragment (RFC 8707 2). */
static int check_url(const struct key *k, const char *v, struct revmon_error *err)
{
	size_t n = strlen(v), scheme = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-.");
	const char *host = v + 8;

	for (size_t i = 0; i < n; i++)
		if (url_unsafe((unsigned char)v[i]) || (k->type == K_URL && strchr("?%", v[i]))) {
			rm_errorf(err, "%s: '%s' is not a plain %s (no %sfragment, spaces or quotes)", k->name, v,
			          k->type == K_URI ? "absolute URI" : "https:// URL",
			          k->type == K_URL ? "query, " : "");
			return -1;
		}
	if (n > 512) {
		rm_errorf(err, "%s: longer than 512 characters", k->name);
		return -1;
	}
	if (k->type == K_URI) {
		if (scheme == 0 || v[scheme] != ':' || !((v[0] | 0x20) >= 'a' && (v[0] | 0x20) <= 'z') || !v[scheme + 1]) {
			rm_errorf(err, "%s: '%s' is not an absolute URI (scheme:rest, RFC 3986)", k->name, v);
			return -1;
		}
		return 0;
	}
	if (strncmp(v, "https://", 8) != 0 || !*host || strchr("/?", *host)) {
		rm_errorf(err, "%s: '%s' is not an https:// URL (TLS is required)", k->name, v);
		return -1;
	}
	return 0;
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
	case K_URL:
	case K_ENDPOINT:
	case K_URI:
		return check_url(k, v, err);
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


/* Numbers: parse v into *d (durations in seconds) for the range check. */
static int check_number(const struct key *k, const char *v, double *d, struct revmon_error *err)
{
	int64_t ms;

	switch (k->type) {
	case K_DURATION:
		if (rm_parse_duration(v, &ms) < 0) {
			rm_errorf(err, "%s: '%s' is not a duration (seconds, or numbers with s, m, h or d: 90, 15m, 2h30m)", k->name, v);
			return -1;
		}
		*d = (double)ms / 1000.0;
		return 0;
	case K_U32:
	case K_U64:
		if (parse_uint(v, d) < 0) {
			rm_errorf(err, "%s: '%s' is not a non-negative integer", k->name, v);
			return -1;
		}
		return 0;
	case K_BYTES:
		if (parse_bytes(v, d) < 0) {
			rm_errorf(err, "%s: '%s' is not a size (an integer with an optional K, M or G)", k->name, v);
			return -1;
		}
		return 0;
	default: /* K_SHARE, K_REAL */
		if (parse_real(v, d) < 0) {
			rm_errorf(err, "%s: '%s' is not a number", k->name, v);
			return -1;
		}
		return 0;
	}
}

static int check_classify(const char *v, struct revmon_error *err)
{
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

static int check_activity(const char *v, struct revmon_error *err)
{
	const char *colon = strchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : 0;
	char cause[32];

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

static int name_index(const char *v, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return (int)i;
	return -1;
}

#define NAME_INDEX(v, names) name_index((v), (names), sizeof(names) / sizeof((names)[0]))

static int shape_index(const char *v)
{
	return NAME_INDEX(v, shape_names);
}

int rm_conf_shape(const char *name)
{
	return shape_index(name);
}

void rm_conf_shapes_phrase(char *buf, size_t cap)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof shape_names / sizeof shape_names[0] && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", shape_names[i]);
}

/* The keys that are neither numbers nor texts. */
static int check_special(const struct key *k, const char *v, struct revmon_error *err)
{
	int64_t ms;
	char kinds[256];

	switch (k->type) {
	case K_TIME:
		if (rm_time_parse(v, strlen(v), &ms) < 0) {
			rm_errorf(err, "%s: '%s' is not an RFC 3339 timestamp", k->name, v);
			return -1;
		}
		return 0;
	case K_SOURCE:
		if (rm_source_kind(v) >= 0)
			return 0;
		rm_source_kinds_phrase(kinds, sizeof kinds);
		rm_errorf(err, "source: '%s' is not a source (expected %s)", v, kinds);
		return -1;
	case K_CLASSIFY:
		return check_classify(v, err);
	case K_ACTIVITY:
		return check_activity(v, err);
	case K_ACTIVITY_IGNORE:
		if (!*v) {
			rm_errorf(err, "activity_ignore: empty activity name");
			return -1;
		}
		return 0;
	case K_SHAPE:
		if (shape_index(v) >= 0)
			return 0;
		rm_conf_shapes_phrase(kinds, sizeof kinds);
		rm_errorf(err, "%s: '%s' is not a shape (%s)", k->name, v, kinds);
		return -1;
	case K_FORMAT:
		if (NAME_INDEX(v, format_names) >= 0)
			return 0;
		rm_errorf(err, "%s: '%s' is not a format (auto, json or csv)", k->name, v);
		return -1;
	case K_HOSTPORTS:
		return rm_conf_check_hostports(k->name, v, err);
	case K_TOPICS:
		return rm_conf_check_topics(k->name, v, err);
	default:
		return check_text(k, v, err);
	}
}

/* Validate one value against its key; on failure say why in err. */
static int check_value(const struct key *k, const char *v, struct revmon_error *err)
{
	double d = 0;

	switch (k->type) {
	case K_DURATION:
	case K_U32:
	case K_U64:
	case K_BYTES:
	case K_SHARE:
	case K_REAL:
		break;
	default:
		return check_special(k, v, err);
	}
	if (check_number(k, v, &d, err) < 0)
		return -1;
	if (d < k->min || d > k->max) {
		rm_errorf(err, "%s: %s is out of range (%g to %g%s)", k->name, v, k->min, k->max,
		          k->type == K_DURATION ? " seconds" : "");
		return -1;
	}
	return 0;
}

/* Validate a pair: key is as written (a pass-through key names its
 * property), k its row. */
static int check_pair(const struct key *k, const char *key, const char *v, struct revmon_error *err)
{
	if (k->type == K_RDKAFKA)
		return rm_conf_check_rdkafka(key, v, err);
	return check_value(k, v, err);
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
	if (check_pair(k, key, value, err) < 0)
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

static int is_text(enum key_type t)
{
	return t == K_IDENT || t == K_URL || t == K_ENDPOINT || t == K_URI || t == K_PATH ||
	       t == K_ENVNAME || t == K_USER || t == K_SCOPE || t == K_HOSTPORTS || t == K_TOPICS;
}

/* Replace the owned string at f with a copy of v. */
static int set_text(char **f, const struct key *k, const char *v)
{
	char *copy = strdup(v);
	size_t len;

	if (!copy)
		return -1;
	/* URLs are joined with paths: one canonical form, no trailing '/'. */
	len = strlen(copy);
	while (k->type == K_URL && len > 9 && copy[len - 1] == '/')
		copy[--len] = '\0';
	free(*f);
	*f = copy;
	return 0;
}

static int add_source(struct rm_settings *s, const char *v)
{
	char **p, *copy = strdup(v);

	p = copy ? realloc(s->sources, (s->n_sources + 1) * sizeof *p) : NULL;
	if (!p) {
		free(copy);
		return -1;
	}
	s->sources = p;
	s->sources[s->n_sources++] = copy;
	return 0;
}

/* A pass-through pair, "property=value", appended to its list. */
static int add_rdkafka(struct rm_settings *s, const char *key, const char *v)
{
	const char *prop = key + strlen(rm_rdkafka_prefix);
	struct rm_buf b = {0};
	char **p;

	if (rm_buf_printf(&b, "%s=%s", prop, v) < 0)
		return -1;
	p = realloc(s->eventhub_rdkafka, (s->n_eventhub_rdkafka + 1) * sizeof *p);
	if (!p) {
		rm_buf_free(&b);
		return -1;
	}
	s->eventhub_rdkafka = p;
	s->eventhub_rdkafka[s->n_eventhub_rdkafka++] = b.data;
	return 0;
}

/* The classifier's keys, already validated. */
static int set_classifier(struct rm_classifier *c, const struct key *k, const char *v)
{
	const char *colon = strchr(v, ':');
	char cause[32];

	if (k->type == K_CLASSIFY)
		return rm_classifier_set_code(c, (int32_t)strtol(v, NULL, 10),
		                              (enum rm_class)rm_class_parse(colon + 1));
	if (k->type == K_ACTIVITY_IGNORE)
		return rm_classifier_set_activity(c, v, RM_CAUSE_NONE);
	memcpy(cause, v, (size_t)(colon - v));
	cause[colon - v] = '\0';
	return rm_classifier_set_activity(c, colon + 1, (enum rm_cause)rm_cause_parse(cause));
}

/* Apply one already-validated pair to s: into the key's field. */
static int apply(struct rm_settings *s, const struct key *k, const char *v, struct revmon_error *err)
{
	void *f = (char *)s + k->off;
	double d = 0;
	int rc = 0;

	switch (k->type) {
	case K_DURATION: rm_parse_duration(v, f); break;
	case K_TIME: rm_time_parse(v, strlen(v), f); break;
	case K_U32: parse_uint(v, &d); *(uint32_t *)f = (uint32_t)d; break;
	case K_U64: *(uint64_t *)f = strtoull(v, NULL, 10); break;
	case K_BYTES: parse_bytes(v, &d); *(size_t *)f = (size_t)d; break;
	case K_SHARE: case K_REAL: parse_real(v, f); break;
	case K_BOOL: *(int *)f = parse_bool(v); break;
	case K_SHAPE: *(int *)f = shape_index(v); break;
	case K_FORMAT: *(int *)f = NAME_INDEX(v, format_names); break;
	case K_FLAVOUR: *(int *)f = strcmp(v, "oauth") == 0 ? RM_PROBE_OAUTH : RM_PROBE_ENTRA; break;
	case K_SOURCE: rc = add_source(s, v); break;
	case K_CLASSIFY: case K_ACTIVITY: case K_ACTIVITY_IGNORE:
		rc = set_classifier(&s->classifier, k, v);
		break;
	default: rc = set_text(f, k, v); break;
	}
	if (rc < 0)
		rm_errorf(err, "%s: out of memory", k->name);
	return rc;
}

int rm_settings_load(const struct revmon_conf *c, struct rm_settings *s, struct revmon_error *err)
{
	const struct key *source = find_key("source");
	int have_source = 0;

	memset(s, 0, sizeof *s);
	memcpy(s->name, c->name, sizeof s->name);
	if (rm_classifier_init(&s->classifier) < 0) {
		rm_errorf(err, "out of memory");
		return -1;
	}
	/* Defaults come from the same table the help text shows; the source
	 * list's only when no source is set. */
	for (size_t i = 0; i < N_KEYS; i++) {
		if (!*keys[i].def || keys[i].type == K_SOURCE)
			continue;
		if (apply(s, &keys[i], keys[i].def, err) < 0)
			goto fail;
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct key *k = find_key(c->pairs[i].key);

		if (!k || check_pair(k, c->pairs[i].key, c->pairs[i].value, err) < 0)
			goto fail;
		if (k->type == K_SOURCE)
			have_source = 1;
		if (k->type == K_RDKAFKA) {
			if (add_rdkafka(s, c->pairs[i].key, c->pairs[i].value) < 0) {
				rm_errorf(err, "%s: out of memory", c->pairs[i].key);
				goto fail;
			}
		} else if (apply(s, k, c->pairs[i].value, err) < 0)
			goto fail;
	}
	if (!have_source && apply(s, source, source->def, err) < 0)
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
	for (size_t i = 0; i < s->n_eventhub_rdkafka; i++)
		free(s->eventhub_rdkafka[i]);
	free(s->eventhub_rdkafka);
	rm_classifier_free(&s->classifier);
	for (size_t i = 0; i < N_KEYS; i++)
		if (is_text(keys[i].type))
			free(*(char **)((char *)s + keys[i].off));
	memset(s, 0, sizeof *s);
}

/* The value of a valid pair of a classifier key, in one spelling, and the
 * slot it fills: a later pair for the same code or activity replaces it. */
static int normal_classifier(const struct key *k, const char *v, struct rm_buf *slot,
                             struct rm_buf *val)
{
	const char *colon = strchr(v, ':');
	char cause[32];

	if (k->type == K_CLASSIFY)
		return rm_buf_printf(slot, "classify:%ld", strtol(v, NULL, 10)) |
		       rm_buf_printf(val, "%d", rm_class_parse(colon + 1));
	/* activity and activity_ignore write the same map */
	if (k->type == K_ACTIVITY_IGNORE)
		return rm_buf_printf(slot, "activity:%s", v) | rm_buf_puts(val, "ignore");
	memcpy(cause, v, (size_t)(colon - v));
	cause[colon - v] = '\0';
	return rm_buf_printf(slot, "activity:%s", colon + 1) |
	       rm_buf_printf(val, "%d", rm_cause_parse(cause));
}

/* v (valid for k) in one spelling: numbers in base units, booleans 0 or 1,
 * URLs as set_text keeps them. */
static int normal_value(const struct key *k, const char *v, struct rm_buf *val)
{
	double d = 0;
	int64_t ms = 0;
	size_t len = strlen(v);

	switch (k->type) {
	case K_DURATION: rm_parse_duration(v, &ms); return rm_buf_printf(val, "%lld", (long long)ms);
	case K_TIME: rm_time_parse(v, len, &ms); return rm_buf_printf(val, "%lld", (long long)ms);
	case K_U32: case K_U64: return rm_buf_printf(val, "%llu", strtoull(v, NULL, 10));
	case K_BYTES: parse_bytes(v, &d); return rm_buf_printf(val, "%zu", (size_t)d);
	case K_SHARE: case K_REAL: parse_real(v, &d); return rm_buf_printf(val, "%.17g", d);
	case K_BOOL: return rm_buf_printf(val, "%d", parse_bool(v));
	case K_URL:
		while (len > 9 && v[len - 1] == '/')
			len--;
		return rm_buf_append(val, v, len);
	default: return rm_buf_puts(val, v);
	}
}

int rm_conf_normal(const char *key, const char *value, struct rm_buf *slot, struct rm_buf *val,
                   struct rm_buf *def)
{
	const struct key *k = find_key(key);

	if (!k || check_pair(k, key, value, NULL) < 0)
		return -1;
	if (k->type == K_RDKAFKA) /* each property its own slot */
		return rm_buf_puts(slot, key) < 0 || rm_buf_puts(val, value) < 0 ? -1 : 0;
	if (k->type == K_CLASSIFY || k->type == K_ACTIVITY || k->type == K_ACTIVITY_IGNORE)
		return normal_classifier(k, value, slot, val) ? -1 : 0;
	if (rm_buf_puts(slot, k->name) < 0 || normal_value(k, value, val) < 0)
		return -1;
	if (*k->def && normal_value(k, k->def, def) < 0)
		return -1;
	return k->type == K_SOURCE ? 1 : 0;
}
