#include "extra_opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "revmon.h"

/* Where monitoring-plugins look when no file is named. */
static const char *const default_dirs[] = {
	"/etc/nagios", "/usr/local/nagios/etc", "/usr/local/etc/nagios", "/etc/opt/nagios",
	"/etc", "/usr/local/etc", "/etc/opt", NULL,
};
static const char *const default_names[] = {
	"plugins.ini", "nagios-plugins.ini", "monitoring-plugins.ini", NULL,
};

void eo_free(char **opts)
{
	if (!opts)
		return;
	for (char **p = opts; *p; p++)
		free(*p);
	free(opts);
}

static int push(char ***v, size_t *n, char *s)
{
	char **p;

	if (!s)
		return -1;
	p = realloc(*v, (*n + 2) * sizeof *p);
	if (!p) {
		free(s);
		return -1;
	}
	*v = p;
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
	return 0;
}

static char *dup_trim(const char *s, const char *e)
{
	char *d;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	d = malloc((size_t)(e - s) + 1);
	if (d) {
		memcpy(d, s, (size_t)(e - s));
		d[e - s] = '\0';
	}
	return d;
}

/* One key=value line of the chosen section, appended to *v as options:
 * "-k" "value" for a one-letter key, else "--key=value" ("key=" is a flag:
 * --key alone). Returns 0, -1 with why, or -2 when memory runs out. */
static int push_option(char ***v, size_t *n, const char *t, unsigned line, char *why, size_t whylen)
{
	const char *eq = strchr(t, '=');
	char *key = NULL, *val = NULL, *opt;
	int rc = -1;

	if (!eq) {
		snprintf(why, whylen, "line %u: expected key=value", line);
		goto out;
	}
	key = dup_trim(t, eq);
	val = dup_trim(eq + 1, t + strlen(t));
	if (!key || !val) {
		rc = -2;
		goto out;
	}
	if (!*key) {
		snprintf(why, whylen, "line %u: missing key", line);
		goto out;
	}
	if (*key == '-') {
		snprintf(why, whylen, "line %u: a key names an option without its dashes", line);
		goto out;
	}
	if (strlen(key) == 1) {
		opt = malloc(3);
		if (opt)
			snprintf(opt, 3, "-%s", key);
		rc = push(v, n, opt);
		if (rc == 0 && *val) {
			rc = push(v, n, val);
			val = NULL; /* pushed, or freed by push */
		}
	} else {
		size_t l = strlen(key) + strlen(val) + 4;

		opt = malloc(l);
		if (opt)
			snprintf(opt, l, *val ? "--%s=%s" : "--%s", key, val);
		rc = push(v, n, opt);
	}
	if (rc < 0)
		rc = -2;
out:
	free(key);
	free(val);
	return rc;
}

/* A "[name]" line (t is modified): sets *in when it opens section.
 * Returns 0, or -1 with why. */
static int section_line(char *t, const char *section, int *in, unsigned line, char *why, size_t whylen)
{
	char *close = strchr(t, ']');

	if (!close) {
		snprintf(why, whylen, "line %u: section header without ']'", line);
		return -1;
	}
	*close = '\0';
	*in = strcmp(t + 1, section) == 0;
	return 0;
}

char **eo_parse(const char *buf, size_t len, const char *section, char *why, size_t whylen)
{
	const char *s = buf, *end = buf + len;
	char **v = NULL;
	size_t n = 0;
	int in = 0, found = 0;
	unsigned line = 0;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *e = nl ? nl : end;
		char *t = dup_trim(s, e);
		int rc = 0;

		line++;
		s = nl ? nl + 1 : end;
		if (!t)
			goto oom;
		if (!*t || *t == '#' || *t == ';')
			; /* blank or a comment */
		else if (*t == '[')
			rc = section_line(t, section, &in, line, why, whylen);
		else if (in)
			rc = push_option(&v, &n, t, line, why, whylen);
		found |= in;
		free(t);
		if (rc == -2)
			goto oom;
		if (rc < 0)
			goto fail;
	}
	if (!found) {
		snprintf(why, whylen, "no section [%s]", section);
		goto fail;
	}
	if (!v) {
		/* an empty section: an empty list */
		v = calloc(1, sizeof *v);
		if (!v)
			goto oom;
	}
	return v;
oom:
	snprintf(why, whylen, "out of memory");
fail:
	eo_free(v);
	return NULL;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		char *nb;
		size_t got;

		if (cap - *len < 4096) {
			if (cap > (1u << 20))
				break;
			nb = realloc(buf, cap + 8192);
			if (!nb)
				break;
			buf = nb;
			cap += 8192;
		}
		got = fread(buf + *len, 1, cap - *len, f);
		*len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	return buf;
}

static char *find_default(void)
{
	const char *env = getenv("NAGIOS_CONFIG_PATH");
	char path[4096];

	if (env) {
		char *copy = strdup(env), *save = NULL;

		for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save))
			for (int i = 0; default_names[i]; i++) {
				snprintf(path, sizeof path, "%s/%s", d, default_names[i]);
				if (access(path, R_OK) == 0) {
					free(copy);
					return strdup(path);
				}
			}
		free(copy);
	}
	for (int d = 0; default_dirs[d]; d++)
		for (int i = 0; default_names[i]; i++) {
			snprintf(path, sizeof path, "%s/%s", default_dirs[d], default_names[i]);
			if (access(path, R_OK) == 0)
				return strdup(path);
		}
	return NULL;
}

char **eo_load(const char *spec, const char *plugin, char *why, size_t whylen)
{
	const char *at = strchr(spec, '@');
	char *section = at ? dup_trim(spec, at) : strdup(spec), *file = NULL, *buf = NULL;
	char **opts = NULL;
	struct revmon_error err = {{0}};
	size_t len;

	why[0] = '\0';
	if (!section)
		goto out;
	if (!*section) {
		free(section);
		section = strdup(plugin);
		if (!section)
			goto out;
	}
	file = at ? strdup(at + 1) : find_default();
	if (!file) {
		snprintf(why, whylen, at ? "out of memory" : "no plugins.ini found (NAGIOS_CONFIG_PATH or the standard places)");
		goto out;
	}
	/* Its options can name endpoints and secret files: trusted as
	 * revmon's own configuration files are, or refused. */
	if (access(file, F_OK) == 0 && revmon_conf_check_file(file, &err) < 0) {
		snprintf(why, whylen, "%s", err.msg);
		goto out;
	}
	buf = slurp(file, &len);
	if (!buf) {
		snprintf(why, whylen, "%s: can't read config file: %s", file, strerror(errno));
		goto out;
	}
	opts = eo_parse(buf, len, section, why, whylen);
	if (!opts) {
		char inner[200];

		snprintf(inner, sizeof inner, "%s", why);
		snprintf(why, whylen, "%s: %s", file, inner);
	}
out:
	free(section);
	free(file);
	free(buf);
	return opts;
}
