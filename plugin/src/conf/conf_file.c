/* The configuration file format: `key = value` lines, `#` or `;` comments,
 * "double quoted" values, and [name] sections, one per monitor; a host may
 * take keys of its own out of the same file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct line_pair {
	char *key;
	char *value;
	unsigned line;
	long section; /* -1: before the first section (defaults) */
};

struct parsed {
	struct line_pair *pairs;
	size_t n;
	char **sections;
	unsigned *section_lines;
	size_t n_sections;
};

static void parsed_free(struct parsed *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->pairs[i].key);
		free(p->pairs[i].value);
	}
	for (size_t i = 0; i < p->n_sections; i++)
		free(p->sections[i]);
	free(p->pairs);
	free(p->sections);
	free(p->section_lines);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static char *dup_range(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Parse the value part of a line (after '='): quoted with escapes, or bare up
 * to a comment. Returns a new string, or NULL with *why set. */
static char *parse_value(const char *s, const char *end, const char **why)
{
	while (s < end && is_space(*s))
		s++;
	if (s < end && *s == '"') {
		char *out = malloc((size_t)(end - s) + 1), *o = out;

		if (!out) {
			*why = "out of memory";
			return NULL;
		}
		for (s++; s < end && *s != '"'; s++) {
			if (*s == '\\') {
				if (s + 1 >= end || (s[1] != '"' && s[1] != '\\')) {
					free(out);
					*why = "bad escape in quoted value (only \\\" and \\\\)";
					return NULL;
				}
				s++;
			}
			*o++ = *s;
		}
		if (s >= end) {
			free(out);
			*why = "unterminated quoted value";
			return NULL;
		}
		for (s++; s < end && is_space(*s); s++)
			;
		if (s < end && *s != '#' && *s != ';') {
			free(out);
			*why = "text after the closing quote";
			return NULL;
		}
		*o = '\0';
		return out;
	}
	/* bare: a comment starts at # or ; preceded by whitespace */
	const char *v = s, *e = s;
	for (const char *q = s; q < end; q++) {
		if ((*q == '#' || *q == ';') && (q == v || is_space(q[-1])))
			break;
		if (!is_space(*q))
			e = q + 1;
	}
	return dup_range(v, (size_t)(e - v));
}

/* The host's keys hook, when it has one. */
struct host {
	revmon_conf_host_key fn;
	void *arg;
};

/* A [section] header line from s (at '[') to end. */
static int add_section(struct parsed *p, const char *s, const char *end, unsigned lineno,
                       const char *origin, struct revmon_error *err)
{
	const char *close = memchr(s, ']', (size_t)(end - s));
	char **ns;
	unsigned *nl2;

	if (!close) {
		rm_errorf(err, "%s:%u: section header without ']'", origin, lineno);
		return -1;
	}
	for (const char *q = close + 1; q < end; q++)
		if (!is_space(*q)) {
			rm_errorf(err, "%s:%u: text after the section header", origin, lineno);
			return -1;
		}
	ns = realloc(p->sections, (p->n_sections + 1) * sizeof *ns);
	if (ns)
		p->sections = ns;
	nl2 = ns ? realloc(p->section_lines, (p->n_sections + 1) * sizeof *nl2) : NULL;
	if (nl2)
		p->section_lines = nl2;
	if (!ns || !nl2 || !(p->sections[p->n_sections] = dup_range(s + 1, (size_t)(close - s - 1)))) {
		rm_errorf(err, "%s:%u: out of memory", origin, lineno);
		return -1;
	}
	p->section_lines[p->n_sections++] = lineno;
	return 0;
}

/* Offer lp to the host when its key is not the core's: 1 taken, 0 not,
 * -1 refused (err set). */
static int offer(const struct host *h, const struct parsed *p, const struct line_pair *lp,
                 const char *origin, struct revmon_error *err)
{
	struct revmon_error why = {{0}};
	int r;

	if (!h->fn || rm_conf_key_known(lp->key))
		return 0;
	r = h->fn(h->arg, p->n_sections ? p->sections[p->n_sections - 1] : NULL, lp->key, lp->value, &why);
	if (r < 0)
		rm_errorf(err, "%s:%u: %s: %s", origin, lp->line, lp->key, why.msg[0] ? why.msg : "refused");
	return r < 0 ? -1 : r > 0;
}

/* A key = value line: k..ke the key, eq the '=', end the line's end. */
static int add_pair(struct parsed *p, const struct host *h, const char *k, const char *ke,
                    const char *eq, const char *end, unsigned lineno, const char *origin,
                    struct revmon_error *err)
{
	struct line_pair *np = realloc(p->pairs, (p->n + 1) * sizeof *np);
	struct line_pair lp = {.line = lineno, .section = (long)p->n_sections - 1};
	const char *why = NULL;
	int r = -1;

	if (!np) {
		rm_errorf(err, "%s:%u: out of memory", origin, lineno);
		return -1;
	}
	p->pairs = np;
	lp.key = dup_range(k, (size_t)(ke - k));
	lp.value = lp.key ? parse_value(eq + 1, end, &why) : NULL;
	if (!lp.value) {
		rm_errorf(err, "%s:%u: %.*s: %s", origin, lineno, (int)(ke - k), k,
		          why ? why : "out of memory");
		goto out;
	}
	r = offer(h, p, &lp, origin, err);
	if (r == 0) {
		p->pairs[p->n++] = lp;
		return 0;
	}
out:
	free(lp.key);
	free(lp.value);
	return r < 0 ? -1 : 0;
}

static int lex(const char *buf, size_t len, const char *origin, const struct host *h,
               struct parsed *p, struct revmon_error *err)
{
	unsigned lineno = 0;
	const char *s = buf, *bufend = buf + len;

	if (memchr(buf, '\0', len)) {
		rm_errorf(err, "%s: contains a NUL byte: not a configuration file", origin);
		return -1;
	}
	while (s < bufend) {
		const char *nl = memchr(s, '\n', (size_t)(bufend - s));
		const char *end = nl ? nl : bufend, *eq, *k, *ke;

		lineno++;
		while (s < end && is_space(*s))
			s++;
		if (s == end || *s == '#' || *s == ';')
			goto next;
		if (*s == '[') {
			if (add_section(p, s, end, lineno, origin, err) < 0)
				return -1;
			goto next;
		}
		eq = memchr(s, '=', (size_t)(end - s));
		if (!eq) {
			rm_errorf(err, "%s:%u: expected key = value", origin, lineno);
			return -1;
		}
		k = s;
		ke = eq;
		while (ke > k && is_space(ke[-1]))
			ke--;
		if (ke == k) {
			rm_errorf(err, "%s:%u: missing key before '='", origin, lineno);
			return -1;
		}
		if (add_pair(p, h, k, ke, eq, end, lineno, origin, err) < 0)
			return -1;
next:
		s = nl ? nl + 1 : bufend;
	}
	return 0;
}

void revmon_conf_list_free(revmon_conf **list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		revmon_conf_free(list[i]);
	free(list);
}

/* Set every pair of section sec (and the defaults first) on c. */
static int fill(revmon_conf *c, const struct parsed *p, long sec, const char *origin,
                struct revmon_error *err)
{
	for (int pass = 0; pass < 2; pass++) {
		long want = pass == 0 ? -1 : sec;

		if (pass == 1 && sec < 0)
			break;
		for (size_t i = 0; i < p->n; i++) {
			struct revmon_error e;

			if (p->pairs[i].section != want)
				continue;
			if (revmon_conf_set(c, p->pairs[i].key, p->pairs[i].value, &e) < 0) {
				rm_errorf(err, "%s:%u: %s", origin, p->pairs[i].line, e.msg);
				return -1;
			}
		}
	}
	return 0;
}

int revmon_conf_parse_buffer_host(const char *buf, size_t len, const char *origin,
                                  const char *default_name, revmon_conf_host_key host_key,
                                  void *arg, revmon_conf ***out, size_t *n,
                                  struct revmon_error *err)
{
	struct host h = {host_key, arg};
	struct parsed p = {0};
	revmon_conf **list = NULL;
	size_t count = 0, want;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (lex(buf, len, origin, &h, &p, err) < 0)
		goto out;
	want = p.n_sections ? p.n_sections : 1;
	list = calloc(want, sizeof *list);
	if (!list) {
		rm_errorf(err, "%s: out of memory", origin);
		goto out;
	}
	for (size_t i = 0; i < want; i++) {
		const char *name = p.n_sections ? p.sections[i] : default_name;
		struct revmon_error e;

		for (size_t j = 0; j < i; j++)
			if (strcmp(p.sections[j], name) == 0) {
				rm_errorf(err, "%s:%u: [%s]: section defined twice", origin,
				          p.section_lines[i], name);
				goto out;
			}
		list[i] = revmon_conf_new(name, &e);
		if (!list[i]) {
			rm_errorf(err, "%s:%u: %s", origin, p.n_sections ? p.section_lines[i] : 0, e.msg);
			goto out;
		}
		count++;
		if (fill(list[i], &p, p.n_sections ? (long)i : -1, origin, err) < 0)
			goto out;
	}
	*out = list;
	*n = count;
	list = NULL;
	rc = 0;
out:
	revmon_conf_list_free(list, count);
	parsed_free(&p);
	return rc;
}

int revmon_conf_parse_buffer(const char *buf, size_t len, const char *origin,
                             const char *default_name, revmon_conf ***out, size_t *n,
                             struct revmon_error *err)
{
	return revmon_conf_parse_buffer_host(buf, len, origin, default_name, NULL, NULL, out, n, err);
}

int revmon_conf_parse_file_host(const char *path, const char *default_name,
                                revmon_conf_host_key host_key, void *arg, revmon_conf ***out,
                                size_t *n, struct revmon_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (!f) {
		rm_errorf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (rm_conf_file_trusted(path, fileno(f), err) < 0)
		goto out;
	for (;;) {
		size_t got;

		if (cap - len < 4096) {
			char *nb;

			if (cap > (1u << 20)) {
				rm_errorf(err, "%s: larger than 1 MiB: not a configuration file", path);
				goto out;
			}
			nb = realloc(buf, cap + 8192);
			if (!nb) {
				rm_errorf(err, "%s: out of memory", path);
				goto out;
			}
			buf = nb;
			cap += 8192;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rm_errorf(err, "%s: read error", path);
		goto out;
	}
	rc = revmon_conf_parse_buffer_host(buf ? buf : "", len, path, default_name, host_key, arg, out,
	                                   n, err);
out:
	free(buf);
	fclose(f);
	return rc;
}

int revmon_conf_parse_file(const char *path, const char *default_name, revmon_conf ***out,
                           size_t *n, struct revmon_error *err)
{
	return revmon_conf_parse_file_host(path, default_name, NULL, NULL, out, n, err);
}
