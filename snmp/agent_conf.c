/* The subagent's configuration file; see agent_conf.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_conf.h"
#include "mib_layout.h"

#define DEFAULT_INTERVAL_MS 60000
#define DEFAULT_BUDGET_MS 2000

#define UNSET (-2) /* a notify_* key not given (RM_NOTIFY_OFF: given as off) */

/* The notify_* keys as given, in file units (clients; milliseconds). */
enum notify_key { NK_SOURCE, NK_STUCK, NK_STUCK_CLEAR, NK_LAG, NK_LAG_CLEAR, NK_COUNT };

static const char *const notify_keys[NK_COUNT] = {
	"notify_source", "notify_stuck_clients", "notify_stuck_clients_clear", "notify_lag_p95",
	"notify_lag_p95_clear"};

/* Per-section poll and notification settings, matched to the core's
 * configurations by name. */
struct section_poll {
	char name[128];
	int interval_ms; /* 0: the default */
	int budget_ms;
	int64_t notify[NK_COUNT]; /* UNSET: the default */
};

struct loader {
	struct rm_agent_conf *c;
	int def_interval_ms;
	int def_budget_ms;
	int64_t def_notify[NK_COUNT];
	struct section_poll *sect;
	size_t n_sect;
};

/* The core's duration syntax, so every revmon file reads alike. */
long long rm_parse_duration_ms(const char *s)
{
	int64_t ms;

	if (revmon_parse_duration(s, &ms) < 0 || ms > 1000000000000LL)
		return -1;
	return (long long)ms;
}

static int copy_value(char *dst, size_t len, const char *v)
{
	if (!*v || strlen(v) >= len)
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static struct section_poll *section(struct loader *l, const char *name)
{
	struct section_poll *p;

	for (size_t i = 0; i < l->n_sect; i++)
		if (strcmp(l->sect[i].name, name) == 0)
			return &l->sect[i];
	p = realloc(l->sect, (l->n_sect + 1) * sizeof *p);
	if (!p)
		return NULL;
	l->sect = p;
	p = &l->sect[l->n_sect++];
	memset(p, 0, sizeof *p);
	for (int k = 0; k < NK_COUNT; k++)
		p->notify[k] = UNSET;
	snprintf(p->name, sizeof p->name, "%s", name);
	return p;
}

/* Set one of our global keys (value already checked as allowed here). */
static const char *set_global(struct rm_agent_settings *s, const char *key, const char *val)
{
	unsigned long arcs[RM_MAX_ARCS];
	long long ms;

	if (strcmp(key, "agentx_socket") == 0)
		return copy_value(s->socket, sizeof s->socket, val) < 0 ? "empty or too long" : NULL;
	if (strcmp(key, "agentx_ping") == 0) {
		ms = rm_parse_duration_ms(val);
		if (ms < 1000 || ms > 3600000 || ms % 1000)
			return "not a whole number of seconds from 1s to 1h";
		s->ping_s = (int)(ms / 1000);
		return NULL;
	}
	if (strcmp(key, "base_oid") == 0)
		return rm_parse_oid(val, arcs, RM_MAX_ARCS - 8) < 2 ||
		               copy_value(s->base_oid, sizeof s->base_oid, val) < 0
		           ? "not a numeric OID (like 1.3.6.1.4.1.8072.9999.9999.1)"
		           : NULL;
	if (strcmp(key, "log") == 0) {
		if (strcmp(val, "stderr") != 0 && strcmp(val, "syslog") != 0)
			return "neither stderr nor syslog";
		s->log_syslog = strcmp(val, "syslog") == 0;
		return NULL;
	}
	/* persistent_dir */
	if (val[0] != '/' || copy_value(s->persistent_dir, sizeof s->persistent_dir, val) < 0)
		return "not an absolute path";
	return NULL;
}

/* poll_interval or poll_budget, for sect (NULL: the default). */
static const char *set_poll(struct loader *l, const char *sect, const char *key, const char *val)
{
	int interval = strcmp(key, "poll_interval") == 0;
	long long ms = rm_parse_duration_ms(val);
	struct section_poll *p;

	if (ms < 10 || ms > 86400000LL)
		return "not a duration from 10ms to 1d (a number of seconds, or with ms, s, m, h, d)";
	if (!sect) {
		*(interval ? &l->def_interval_ms : &l->def_budget_ms) = (int)ms;
		return NULL;
	}
	p = section(l, sect);
	if (!p)
		return "out of memory";
	*(interval ? &p->interval_ms : &p->budget_ms) = (int)ms;
	return NULL;
}

/* A notify_* value: yes/no for notify_source; off, or a whole number of
 * clients, or a duration, for the thresholds. */
static const char *parse_notify(enum notify_key k, const char *val, int64_t *out)
{
	char *end;
	long long n;

	if (k == NK_SOURCE) {
		if (!strcmp(val, "yes") || !strcmp(val, "on") || !strcmp(val, "true"))
			*out = 1;
		else if (!strcmp(val, "no") || !strcmp(val, "off") || !strcmp(val, "false"))
			*out = 0;
		else
			return "neither yes nor no";
		return NULL;
	}
	if (!strcmp(val, "off")) {
		*out = RM_NOTIFY_OFF;
		return NULL;
	}
	if (k == NK_STUCK || k == NK_STUCK_CLEAR) {
		n = strtoll(val, &end, 10);
		if (end == val || *end || val[0] == '-' || val[0] == '+' || n > 4294967294LL)
			return "not off or a whole number of clients from 0 to 4294967294";
		*out = n;
		return NULL;
	}
	n = rm_parse_duration_ms(val);
	if (n < 0 || n > 4294967294LL)
		return "not off or a duration up to 49d (a number of seconds, or with ms, s, m, h, d)";
	*out = n;
	return NULL;
}

static const char *set_notify(struct loader *l, const char *sect, enum notify_key k,
                              const char *val)
{
	struct section_poll *p;
	int64_t v;
	const char *bad = parse_notify(k, val, &v);

	if (bad)
		return bad;
	if (!sect) {
		l->def_notify[k] = v;
		return NULL;
	}
	p = section(l, sect);
	if (!p)
		return "out of memory";
	p->notify[k] = v;
	return NULL;
}

/* The core reader's hook for keys that are not the core's: 1 ours and set,
 * 0 not ours, -1 refused (why set). */
static int own_key(void *arg, const char *sect, const char *key, const char *val,
                   struct revmon_error *why)
{
	static const char *const global_only[] = {"agentx_socket", "agentx_ping", "base_oid", "log",
	                                          "persistent_dir"};
	struct loader *l = arg;
	const char *bad;
	size_t i, n = sizeof global_only / sizeof global_only[0];

	for (i = 0; i < NK_COUNT && strcmp(key, notify_keys[i]) != 0; i++)
		;
	if (i < NK_COUNT) {
		bad = set_notify(l, sect, (enum notify_key)i, val);
	} else if (strcmp(key, "poll_interval") == 0 || strcmp(key, "poll_budget") == 0) {
		bad = set_poll(l, sect, key, val);
	} else {
		for (i = 0; i < n && strcmp(key, global_only[i]) != 0; i++)
			;
		if (i == n)
			return 0;
		bad = sect ? "only allowed before the first [section]" : set_global(&l->c->s, key, val);
	}
	if (!bad)
		return 1;
	snprintf(why->msg, sizeof why->msg, "%s", bad);
	return -1;
}

/* A row's notification settings: its section's, else the defaults; the
 * clear levels default to their thresholds and may not exceed them. */
static int resolve_notify(const struct loader *l, const struct section_poll *p, const char *path,
                          const char *name, struct rm_notify_conf *n, char *err, size_t errlen)
{
	int64_t v[NK_COUNT];
	static const int pairs[2][2] = {{NK_STUCK, NK_STUCK_CLEAR}, {NK_LAG, NK_LAG_CLEAR}};

	for (int k = 0; k < NK_COUNT; k++)
		v[k] = p && p->notify[k] != UNSET ? p->notify[k] : l->def_notify[k];
	for (int i = 0; i < 2; i++) {
		int hi = pairs[i][0], lo = pairs[i][1];

		if (v[hi] == UNSET)
			v[hi] = RM_NOTIFY_OFF;
		if (v[hi] == RM_NOTIFY_OFF && v[lo] != UNSET && v[lo] != RM_NOTIFY_OFF) {
			snprintf(err, errlen, "%s: [%s]: %s: set while %s is off", path, name,
			         notify_keys[lo], notify_keys[hi]);
			return -1;
		}
		if (v[lo] == UNSET || v[lo] == RM_NOTIFY_OFF || v[hi] == RM_NOTIFY_OFF)
			v[lo] = v[hi];
		if (v[lo] > v[hi]) {
			snprintf(err, errlen, "%s: [%s]: %s: above %s (a clear level must not exceed "
			         "its threshold)", path, name, notify_keys[lo], notify_keys[hi]);
			return -1;
		}
	}
	n->source = v[NK_SOURCE] != 0; /* UNSET: on */
	n->stuck = v[NK_STUCK];
	n->stuck_clear = v[NK_STUCK_CLEAR];
	n->lag_ms = v[NK_LAG];
	n->lag_clear_ms = v[NK_LAG_CLEAR];
	return 0;
}

int rm_agent_conf_load(const char *path, struct rm_agent_conf *out, char *err, size_t errlen)
{
	struct loader l = {.c = out, .def_interval_ms = DEFAULT_INTERVAL_MS,
	                   .def_budget_ms = DEFAULT_BUDGET_MS};
	struct revmon_error rerr = {{0}};
	revmon_conf **list = NULL;
	size_t n = 0;
	int rc = -1;

	memset(out, 0, sizeof *out);
	for (int k = 0; k < NK_COUNT; k++)
		l.def_notify[k] = UNSET;
	out->s.ping_s = 5;
	snprintf(out->s.base_oid, sizeof out->s.base_oid, "%s", RM_DEFAULT_BASE_OID);
	/* The core's reader, with our keys taken out through its hook. */
	if (revmon_conf_parse_file_host(path, "default", own_key, &l, &list, &n, &rerr) < 0) {
		snprintf(err, errlen, "%s", rerr.msg);
		goto out;
	}
	out->rows = calloc(n ? n : 1, sizeof *out->rows);
	if (!out->rows) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct rm_row_conf *r = &out->rows[i];
		const char *name = revmon_conf_name(list[i]);
		const struct section_poll *p = NULL;

		for (size_t j = 0; j < l.n_sect; j++)
			if (strcmp(l.sect[j].name, name) == 0)
				p = &l.sect[j];
		r->interval_ms = p && p->interval_ms ? p->interval_ms : l.def_interval_ms;
		r->budget_ms = p && p->budget_ms ? p->budget_ms : l.def_budget_ms;
		if (resolve_notify(&l, p, path, name, &r->notify, err, errlen) < 0)
			goto out;
		r->conf = list[i];
		list[i] = NULL;
	}
	out->n_rows = n;
	rc = 0;
out:
	if (list)
		revmon_conf_list_free(list, n);
	if (rc < 0) {
		for (size_t i = 0; out->rows && i < n; i++)
			revmon_conf_free(out->rows[i].conf);
		free(out->rows);
		out->rows = NULL;
		out->n_rows = 0;
	}
	free(l.sect);
	return rc;
}

void rm_agent_conf_free(struct rm_agent_conf *c)
{
	for (size_t i = 0; i < c->n_rows; i++)
		revmon_conf_free(c->rows[i].conf);
	free(c->rows);
	c->rows = NULL;
	c->n_rows = 0;
}
