/* The subagent's configuration file; see agent_conf.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_conf.h"
#include "mib_layout.h"

#define DEFAULT_INTERVAL_MS 60000
#define DEFAULT_BUDGET_MS 2000

/* Per-section poll settings, matched to the core's configurations by name. */
struct section_poll {
	char name[128];
	int interval_ms; /* 0: the default */
	int budget_ms;
};

struct loader {
	struct rm_agent_conf *c;
	int def_interval_ms;
	int def_budget_ms;
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

	if (strcmp(key, "poll_interval") == 0 || strcmp(key, "poll_budget") == 0) {
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

int rm_agent_conf_load(const char *path, struct rm_agent_conf *out, char *err, size_t errlen)
{
	struct loader l = {.c = out, .def_interval_ms = DEFAULT_INTERVAL_MS,
	                   .def_budget_ms = DEFAULT_BUDGET_MS};
	struct revmon_error rerr = {{0}};
	revmon_conf **list = NULL;
	size_t n = 0;
	int rc = -1;

	memset(out, 0, sizeof *out);
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

		r->interval_ms = l.def_interval_ms;
		r->budget_ms = l.def_budget_ms;
		for (size_t j = 0; j < l.n_sect; j++)
			if (strcmp(l.sect[j].name, name) == 0) {
				if (l.sect[j].interval_ms)
					r->interval_ms = l.sect[j].interval_ms;
				if (l.sect[j].budget_ms)
					r->budget_ms = l.sect[j].budget_ms;
			}
		r->conf = list[i];
		list[i] = NULL;
	}
	out->n_rows = n;
	rc = 0;
out:
	if (list)
		revmon_conf_list_free(list, n);
	if (rc < 0) {
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
