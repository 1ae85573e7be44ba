/* The configuration vocabulary: the key table (keys.def), validation, and the
 * settings a monitor is opened with. */
#ifndef RM_CONFIG_H
#define RM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "parse/parse.h"
#include "util/util.h"
#include "revmon.h"

struct rm_pair {
	char *key;
	char *value;
};

struct revmon_conf {
	char name[64];
	struct rm_pair *pairs; /* in the order set; later values win, lists accumulate */
	size_t n;
};

/* The struct rm_settings field each key type of keys.def declares. The
 * classifier keys share one field, declared apart; texts are owned, NULL
 * when not set. */
#define RM_KEY_FIELD_DURATION(f) int64_t f;
#define RM_KEY_FIELD_TIME(f) int64_t f;
#define RM_KEY_FIELD_U32(f) uint32_t f;
#define RM_KEY_FIELD_U64(f) uint64_t f;
#define RM_KEY_FIELD_BYTES(f) size_t f;
#define RM_KEY_FIELD_SHARE(f) double f;
#define RM_KEY_FIELD_REAL(f) double f;
#define RM_KEY_FIELD_BOOL(f) int f;
#define RM_KEY_FIELD_IDENT(f) char *f;
#define RM_KEY_FIELD_URL(f) char *f; /* https://host[/path], no trailing slash */
#define RM_KEY_FIELD_ENDPOINT(f) char *f; /* https://host[/path][?query], as given */
#define RM_KEY_FIELD_URI(f) char *f; /* an absolute URI, as given */
#define RM_KEY_FIELD_PATH(f) char *f;
#define RM_KEY_FIELD_ENVNAME(f) char *f; /* the name of the variable, never its value */
#define RM_KEY_FIELD_USER(f) char *f;
#define RM_KEY_FIELD_SCOPE(f) char *f;
#define RM_KEY_FIELD_SOURCE(f) char **f; size_t n_##f; /* specs, owned */
#define RM_KEY_FIELD_CLASSIFY(f)
#define RM_KEY_FIELD_ACTIVITY(f)
#define RM_KEY_FIELD_ACTIVITY_IGNORE(f)
#define RM_KEY_FIELD_SHAPE(f) int f; /* enum rm_shape */
#define RM_KEY_FIELD_FORMAT(f) int f; /* enum rm_format */
#define RM_KEY_FIELD_FLAVOUR(f) int f; /* RM_PROBE_ENTRA or RM_PROBE_OAUTH */
#define RM_KEY_FIELD_HOSTPORTS(f) char *f; /* host:port[,host:port...] */
#define RM_KEY_FIELD_TOPICS(f) char *f;    /* topic[,topic...] */
#define RM_KEY_FIELD_RDKAFKA(f) char **f; size_t n_##f; /* "property=value", owned, in order */

/* Everything a monitor needs, resolved from a configuration with defaults:
 * one field per key of keys.def (sim_mass_revocation_ms is an offset from
 * sim_start, 0 = none; graph_rate is audit-log requests per 10 s). */
struct rm_settings {
	char name[64];
	struct rm_classifier classifier; /* classify, activity, activity_ignore */
#define X(name, type, field, def, min, max, help) RM_KEY_FIELD_##type(field)
#include "keys.def"
#undef X
};

enum { RM_PROBE_ENTRA = 0, RM_PROBE_OAUTH = 1 };

/* Resolve c into s (defaults first, then every pair in order). Returns 0, or
 * -1 with err naming the key. The caller owns s and frees it with
 * rm_settings_free. */
int rm_settings_load(const struct revmon_conf *c, struct rm_settings *s, struct revmon_error *err);
void rm_settings_free(struct rm_settings *s);

/* 1 when name is one of the core's keys (keys.def), else 0. */
int rm_conf_key_known(const char *name);
/* The enum rm_shape of a shape's name (sim_shape, revmon simulate
 * --shape), or -1; the names, comma-separated, into buf. */
int rm_conf_shape(const char *name);
void rm_conf_shapes_phrase(char *buf, size_t cap);

/* A valid pair as its meaning, for identifying a configuration by what it
 * says rather than how it is spelled: appends to slot what it sets (a later
 * pair of the same slot replaces it), to val its value in one spelling
 * (numbers in base units, booleans 0 or 1), and to def the key's default
 * in that spelling (empty when none). The caller owns the buffers. Returns 0,
 * 1 for a list key whose pairs add up (source), -1 when the pair is not
 * valid or memory runs out. */
int rm_conf_normal(const char *key, const char *value, struct rm_buf *slot, struct rm_buf *val,
                   struct rm_buf *def);

/* The meaning of c in one text (its name, then "slot=value" lines, sorted,
 * without the defaults): two configurations that say the same are the same
 * text. Appends to out (the caller's). 0, or -1 on no memory. */
int rm_conf_canonical(const struct revmon_conf *c, struct rm_buf *out);

/* 0 when the configuration file path, open as fd, and each directory above
 * it can be changed only by root or the running user (directories with the
 * sticky bit excepted); else -1 with err naming the file and the reason. */
int rm_conf_file_trusted(const char *path, int fd, struct revmon_error *err);

/* Parse a duration: seconds ("90"), or integers each with a unit ms, s, m,
 * h or d ("15m", "2h30m", "500ms"). Returns 0 and *ms, or -1. */
int rm_parse_duration(const char *v, int64_t *ms);

/* Fill err like printf, truncating. */
void rm_errorf(struct revmon_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
