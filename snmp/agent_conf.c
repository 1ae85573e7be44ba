/* The subagent's configuration file; see agent_conf.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
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
	const char *path;
	struct rm_agent_conf *c;
	int def_interval_ms;
	int def_budget_ms;
	struct section_poll *sect;
	size_t n_sect;
	char *err;
	size_t errlen;
};

/* The core's duration syntax, so every revmon file reads alike. */
long long rm_parse_duration_ms(const char *s)
{
	int64_t ms;

	if (revmon_parse_duration(s, &ms) < 0 || ms > 1000000000000LL)
		return -1;
	return (long long)ms;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Cut a trailing comment as the core does: # or ; at the start of the value
 * or after a space, outside quotes. */
static void strip_comment(char *v)
{
	char *q = v;

	if (*q == '"') {
		for (q++; *q && *q != '"'; q++)
			if (*q == '\\' && q[1])
				q++;
		if (*q)
			q++;
	}
	for (; *q; q++)
		if ((*q == '#' || *q == ';') && (q == v || isspace((unsigned char)q[-1]))) {
			*q = '\0';
			break;
		}
	q = v + strlen(v);
	while (q > v && isspace((unsigned char)q[-1]))
		*--q = '\0';
}

/* Unquote a "double quoted" value in place (\" and \\ escapes). */
static int unquote(char *v)
{
	char *r = v + 1, *w = v;

	if (*v != '"')
		return 0;
	while (*r && *r != '"') {
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r++;
	}
	if (*r != '"' || *trim(r + 1))
		return -1;
	*w = '\0';
	return 0;
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

/* One of our keys: 1 handled, 0 not ours, -1 refused (err set). */
static int own_key(struct loader *l, int line, const char *sect, const char *key, char *val)
{
	struct rm_agent_settings *s = &l->c->s;
	static const char *const global_only[] = {"agentx_socket", "agentx_ping", "base_oid", "log",
	                                          "persistent_dir"};
	const char *why = NULL;
	long long ms;

	if (strcmp(key, "poll_interval") != 0 && strcmp(key, "poll_budget") != 0) {
		size_t i, n = sizeof global_only / sizeof global_only[0];

		for (i = 0; i < n && strcmp(key, global_only[i]) != 0; i++)
			;
		if (i == n)
			return 0;
		if (sect) {
			why = "only allowed before the first [section]";
			goto refuse;
		}
	}
	strip_comment(val);
	if (unquote(val) < 0) {
		why = "unterminated quoted value";
		goto refuse;
	}
	if (strcmp(key, "agentx_socket") == 0) {
		if (copy_value(s->socket, sizeof s->socket, val) < 0)
			why = "empty or too long";
	} else if (strcmp(key, "agentx_ping") == 0) {
		ms = rm_parse_duration_ms(val);
		if (ms < 1000 || ms > 3600000 || ms % 1000)
			why = "not a whole number of seconds from 1s to 1h";
		else
			s->ping_s = (int)(ms / 1000);
	} else if (strcmp(key, "base_oid") == 0) {
		unsigned long arcs[RM_MAX_ARCS];

		if (rm_parse_oid(val, arcs, RM_MAX_ARCS - 8) < 2 ||
		    copy_value(s->base_oid, sizeof s->base_oid, val) < 0)
			why = "not a numeric OID (like 1.3.6.1.4.1.8072.9999.9999.1)";
	} else if (strcmp(key, "log") == 0) {
		if (strcmp(val, "stderr") == 0)
			s->log_syslog = 0;
		else if (strcmp(val, "syslog") == 0)
			s->log_syslog = 1;
		else
			why = "neither stderr nor syslog";
	} else if (strcmp(key, "persistent_dir") == 0) {
		if (val[0] != '/' || copy_value(s->persistent_dir, sizeof s->persistent_dir, val) < 0)
			why = "not an absolute path";
	} else {
		int interval = strcmp(key, "poll_interval") == 0;
		struct section_poll *p;

		ms = rm_parse_duration_ms(val);
		if (ms < 10 || ms > 86400000LL) {
			why = "not a duration from 10ms to 1d (a number of seconds, or with ms, s, m, h, d)";
			goto refuse;
		}
		if (!sect) {
			*(interval ? &l->def_interval_ms : &l->def_budget_ms) = (int)ms;
		} else if (!(p = section(l, sect))) {
			why = "out of memory";
		} else {
			*(interval ? &p->interval_ms : &p->budget_ms) = (int)ms;
		}
	}
	if (!why)
		return 1;
refuse:
	snprintf(l->err, l->errlen, "%s:%d: %s: %s", l->path, line, key, why);
	return -1;
}

/* Take our keys out of buf (blanking their lines). */
static int strip(struct loader *l, char *buf)
{
	char sect[128] = "";
	int have_sect = 0, line = 0;
	char *p = buf;

	while (*p) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char tmp[4096], *t, *eq;
		int r;

		line++;
		if (len < sizeof tmp) {
			memcpy(tmp, p, len);
			tmp[len] = '\0';
			t = trim(tmp);
			if (*t == '[') {
				char *close = strchr(t, ']');

				if (close) {
					*close = '\0';
					snprintf(sect, sizeof sect, "%s", trim(t + 1));
					have_sect = 1;
				}
			} else if (*t && *t != '#' && *t != ';' && (eq = strchr(t, '='))) {
				*eq = '\0';
				r = own_key(l, line, have_sect ? sect : NULL, trim(t), trim(eq + 1));
				if (r < 0)
					return -1;
				if (r > 0)
					memset(p, ' ', len);
			}
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return 0;
}

static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *b = realloc(buf, cap ? cap * 2 : 8192);

			if (!b) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			buf = b;
			cap = cap ? cap * 2 : 8192;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

int rm_agent_conf_load(const char *path, struct rm_agent_conf *out, char *err, size_t errlen)
{
	struct loader l = {.path = path, .c = out, .def_interval_ms = DEFAULT_INTERVAL_MS,
	                   .def_budget_ms = DEFAULT_BUDGET_MS, .err = err, .errlen = errlen};
	struct revmon_error rerr = {{0}};
	revmon_conf **list = NULL;
	size_t n = 0, len = 0;
	char *buf = NULL;
	int rc = -1;

	memset(out, 0, sizeof *out);
	out->s.ping_s = 5;
	snprintf(out->s.base_oid, sizeof out->s.base_oid, "%s", RM_DEFAULT_BASE_OID);
	buf = slurp(path, &len, err, errlen);
	if (!buf || strip(&l, buf) < 0)
		goto out;
	if (revmon_conf_parse_buffer(buf, len, path, "default", &list, &n, &rerr) < 0) {
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
	free(buf);
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
