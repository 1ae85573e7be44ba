/* The check's command line: --extra-opts expanded first, then the options
 * themselves, then the monitor's configuration they describe. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "extra_opts.h"

static int push(char ***list, size_t *n, char *item)
{
	char **p = realloc(*list, (*n + 1) * sizeof *p);

	if (!p)
		return -1;
	*list = p;
	(*list)[(*n)++] = item;
	return 0;
}

/* Append the k strings of opts to the NULL-terminated *extra, which keeps
 * them alive for the run; opts' array is freed, its strings now belong to
 * *extra. Returns 0, or -1 (opts untouched) when memory runs out. */
static int keep_strings(char ***extra, char **opts, size_t k)
{
	size_t had = 0;
	char **keep;

	while (*extra && (*extra)[had])
		had++;
	keep = realloc(*extra, (had + k + 1) * sizeof *keep);
	if (!keep)
		return -1;
	memcpy(keep + had, opts, k * sizeof *keep);
	keep[had + k] = NULL;
	*extra = keep;
	free(opts);
	return 0;
}

/* Whether arg looks like an option ("-x", "--xyz"), as monitoring-plugins'
 * is_option2 decides whether "--extra-opts" takes the next argument. */
static int is_option(const char *arg)
{
	size_t dashes = strspn(arg, "-");

	return dashes == 1 || dashes == 2;
}

/* The ini section that --extra-opts at argv[i] names, or NULL when argv[i]
 * is another option. The forms are monitoring-plugins': "--extra-opts=SPEC",
 * "--extra-opts SPEC" (when the next argument is not an option, as Icinga 2
 * passes a value) and a bare "--extra-opts"; *used is how many arguments it
 * takes. */
static const char *extra_opts_spec(int argc, char **argv, int i, int *used)
{
	*used = 1;
	if (strncmp(argv[i], "--extra-opts=", 13) == 0)
		return argv[i] + 13;
	if (strcmp(argv[i], "--extra-opts") != 0)
		return NULL;
	if (i + 1 < argc && !is_option(argv[i + 1])) {
		*used = 2;
		return argv[i + 1];
	}
	return "";
}

char **expand_extra_opts(int *argc, char **argv, char ***extra)
{
	char **out = calloc((size_t)*argc + 1, sizeof *out);
	size_t n = 0, total = (size_t)*argc;

	*extra = NULL;
	if (!out)
		return NULL;
	out[n++] = argv[0];
	for (int i = 1, used = 1; i < *argc; i += used) {
		const char *spec = extra_opts_spec(*argc, argv, i, &used);
		char why[300];
		char **opts, **grown;
		size_t k = 0;

		if (!spec) {
			out[n++] = argv[i];
			continue;
		}
		opts = eo_load(spec, PROGNAME, why, sizeof why);
		if (!opts) {
			printf(SERVICE " UNKNOWN - --extra-opts: %s\n", why);
			free(out);
			eo_free(*extra);
			*extra = NULL;
			return NULL;
		}
		while (opts[k])
			k++;
		total += k;
		grown = realloc(out, (total + 1) * sizeof *out);
		if (!grown) {
			eo_free(opts);
			free(out);
			return NULL;
		}
		out = grown;
		/* extra options go right after argv[0], before the command line's */
		memmove(out + 1 + k, out + 1, (n - 1) * sizeof *out);
		memcpy(out + 1, opts, k * sizeof *out);
		n += k;
		if (keep_strings(extra, opts, k) < 0) {
			eo_free(opts);
			free(out);
			return NULL;
		}
	}
	out[n] = NULL;
	*argc = (int)n;
	return out;
}

static int parse_timeout(struct opts *o, const char *arg)
{
	char *end;
	unsigned long t;

	errno = 0;
	t = strtoul(arg, &end, 10);
	if (errno || *end || t < 1 || t > 3600 || arg[0] == '-')
		return unknown_usage("--timeout: '%s' is not a number of seconds (1-3600)", arg);
	o->timeout = (unsigned)t;
	return OK;
}

/* getopt_long's tables from options.def. */
static const struct option longopts[] = {
#define OPT(letter, is_short, name, arg, help) \
	{name, sizeof(arg) == 1 ? no_argument : required_argument, NULL, letter},
#include "options.def"
#undef OPT
	{NULL, 0, NULL, 0},
};

static void short_options(char *out, size_t cap)
{
	static const struct {
		char letter, is_short, has_arg;
	} rows[] = {
#define OPT(letter, is_short, name, arg, help) {letter, is_short, sizeof(arg) > 1},
#include "options.def"
#undef OPT
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof rows / sizeof rows[0] && n + 3 < cap; i++) {
		if (!rows[i].is_short)
			continue;
		out[n++] = rows[i].letter;
		if (rows[i].has_arg)
			out[n++] = ':';
	}
	out[n] = '\0';
}

int parse_args(struct opts *o, int argc, char **argv)
{
	char shortopts[64];
	int c, rc = OK;

	short_options(shortopts, sizeof shortopts);
	opterr = 0;
	optind = 1;
	while (rc == OK && (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help(o);
			rc = -UNKNOWN; /* guidelines: help exits UNKNOWN */
			break;
		case 'V':
			printf("%s %s (librevmon)\n", PROGNAME, revmon_version());
			rc = -UNKNOWN;
			break;
		case 'w':
		case 'c': rc = set_threshold(o, optarg, c == 'c'); break;
		case 't': rc = parse_timeout(o, optarg); break;
		case 'v': o->verbose++; break;
		case 'U': o->show_users = 1; break;
		case 'F': o->family_perfdata = 1; break;
		case 'L': o->list_stuck = 1; break;
		case 's':
			if (push(&o->sources, &o->n_sources, optarg) < 0)
				rc = unknown_usage("out of memory");
			break;
		case 'C': o->config = optarg; break;
		case 'm': o->monitor = optarg; break;
		case 'S':
			if (push(&o->sets, &o->n_sets, optarg) < 0)
				rc = unknown_usage("out of memory");
			break;
		case 'f': o->state_file = optarg; break;
		case 'n': o->no_state = 1; break;
		default:
			if (optopt && optopt != '?')
				rc = unknown_usage("option -%c needs a value or is not known", optopt);
			else
				rc = unknown_usage("unknown option '%s'", argv[optind - 1]);
			break;
		}
	}
	if (rc == OK && optind < argc)
		rc = unknown_usage("unexpected argument '%s' (this check takes options only)", argv[optind]);
	return rc;
}

/* The one configuration --config (and --monitor) names. Returns it (the
 * caller owns it) or NULL with why. */
static revmon_conf *conf_from_file(const struct opts *o, char *why, size_t whylen)
{
	struct revmon_error err;
	revmon_conf *c = NULL, **list = NULL;
	size_t n = 0, pick = 0;

	if (revmon_conf_parse_file(o->config, "revocation", &list, &n, &err) < 0) {
		snprintf(why, whylen, "%s", err.msg);
		goto out;
	}
	if (o->monitor) {
		for (pick = 0; pick < n && strcmp(revmon_conf_name(list[pick]), o->monitor) != 0; pick++)
			;
		if (pick == n) {
			snprintf(why, whylen, "--monitor: %s has no section [%s]", o->config, o->monitor);
			goto out;
		}
	} else if (n > 1) {
		snprintf(why, whylen, "%s describes %zu monitors: choose one with --monitor", o->config, n);
		goto out;
	}
	c = list[pick];
	list[pick] = NULL;
out:
	revmon_conf_list_free(list, n);
	return c;
}

revmon_conf *build_conf(const struct opts *o, char *why, size_t whylen)
{
	struct revmon_error err;
	revmon_conf *c = NULL;

	if (o->config) {
		if (!(c = conf_from_file(o, why, whylen)))
			return NULL;
	} else if (!(c = revmon_conf_new("revocation", &err))) {
		snprintf(why, whylen, "%s", err.msg);
		return NULL;
	}
	for (size_t i = 0; i < o->n_sources; i++)
		if (revmon_conf_set(c, "source", o->sources[i], &err) < 0)
			goto bad;
	for (size_t i = 0; i < o->n_sets; i++) {
		int set = revmon_conf_set_arg(c, o->sets[i], &err);

		/* a malformed argument names the option; a refused key names itself */
		if (set == -1) {
			snprintf(why, whylen, "--set %s", err.msg);
			goto fail;
		}
		if (set < 0)
			goto bad;
	}
	return c;
bad:
	snprintf(why, whylen, "%s", err.msg);
fail:
	revmon_conf_free(c);
	return NULL;
}
