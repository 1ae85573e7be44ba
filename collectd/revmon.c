/* revmon.c — the collectd plugin: one <Source "name"> block per monitor.
 *
 *     <Plugin revmon>
 *       <Source "contoso">
 *         Source "file:/var/log/entra/contoso"
 *         Interval 60
 *         ConfigFile "/etc/revmon/contoso.conf"
 *         Window 300              # any core key, CamelCase or snake_case
 *       </Source>
 *     </Plugin>
 *
 * The config callback turns each block into a revmon_conf (the core refuses
 * unknown keys and bad values with their name); init opens one monitor per
 * block and registers one complex read for it, which owns the block from
 * then on. A read polls within a budget below the block's interval and
 * dispatches every metric of the registry as plugin "revmon", plugin instance
 * the block's name, type the registry's collectd type, type instance the
 * metric's name; and every per-family metric of every family row the same
 * way, type instance "METRIC-LABEL" (names.h) with the label as meta data
 * revmon_family. A refused block is logged and skipped, and the daemon runs
 * the others; under `collectd -T` a read that fails says so in the exit
 * status. This file knows collectd and the public revmon API only. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>

#include "config_map.h"
#include "names.h"
#include "revmon.h"

#define PLUGIN "revmon"
/* Share of the interval a read may spend polling when ReadBudget is not
 * set: the rest is left for the snapshot and the dispatch. */
#define BUDGET_SHARE 0.8
#define KEY_MAX 256 /* eventhub_rdkafka.PROPERTY */
#define META_FAMILY "revmon_family"

struct block {
	char *name;           /* plugin instance */
	revmon_conf *conf;    /* the configuration, until init opens the monitor */
	revmon *mon;
	cdtime_t interval;    /* 0 until init: then the effective read interval */
	double budget_s;      /* ReadBudget; 0: BUDGET_SHARE of the interval */
	int budget_ms;
	int *ds_type;         /* per registry index: DS_TYPE_*, or -1 not dispatched */
	size_t n_types;
	int *fam_ds_type;     /* the same per family registry index */
	size_t n_fam_types;
	int said_simulated;
	struct block *next;   /* in the pending list only */
};

/* Blocks configured and not yet handed to collectd. Only the config, init
 * and shutdown callbacks touch it, and collectd runs those on one thread. */
static struct block *pending;
static int refused; /* blocks refused by the config callback */
/* The names of every refused block (config and init), for the one line that
 * makes `collectd -T` fail; "..." once full. */
static char refused_names[512];

static void note_refused(const char *name)
{
	size_t o = strlen(refused_names);
	size_t room = sizeof refused_names - o;
	int n = snprintf(refused_names + o, room, "%s[%s]", o ? ", " : "", name);

	if (n < 0 || (size_t)n >= room)
		snprintf(refused_names + sizeof refused_names - 4, 4, "...");
}

static void block_free(void *arg)
{
	struct block *b = arg;

	if (!b)
		return;
	revmon_close(b->mon);
	revmon_conf_free(b->conf);
	free(b->ds_type);
	free(b->fam_ds_type);
	free(b->name);
	free(b);
}

/* The core's log lines, attributed to the block. Called on the read thread
 * that polls this block; plugin_log is thread-safe. */
static void block_log(void *ctx, enum revmon_log_level level, const char *msg)
{
	const struct block *b = ctx;
	int severity = LOG_DEBUG;

	if (level <= REVMON_LOG_ERR)
		severity = LOG_ERR;
	else if (level == REVMON_LOG_WARNING)
		severity = LOG_WARNING;
	else if (level == REVMON_LOG_INFO)
		severity = LOG_INFO;
	plugin_log(severity, PLUGIN " plugin: [%s] %s", b->name, msg);
}

/* A positive number of seconds given as a number or a numeric string. */
static int option_seconds(const oconfig_item_t *item, double *out)
{
	char buf[64];
	const char *text = cm_option_text(item, buf, sizeof buf);
	char *end;
	double d;

	if (!text || !*text)
		return -1;
	errno = 0;
	d = strtod(text, &end);
	if (errno || *end || !isfinite(d) || d <= 0)
		return -1;
	*out = d;
	return 0;
}

/* The monitor of ConfigFile path: its section named like the block, or the
 * whole file when it has no sections (the core names that one after the
 * block). NULL after logging why. */
static revmon_conf *conf_from_file(const char *block, const char *path)
{
	revmon_conf **list = NULL;
	revmon_conf *c = NULL;
	struct revmon_error err = {{0}};
	size_t n = 0;

	if (revmon_conf_parse_file(path, block, &list, &n, &err) < 0) {
		ERROR(PLUGIN " plugin: [%s] ConfigFile: %s; block skipped", block, err.msg);
		goto out;
	}
	for (size_t i = 0; i < n && !c; i++) {
		if (strcmp(revmon_conf_name(list[i]), block) == 0) {
			c = list[i];
			list[i] = NULL;
		}
	}
	if (!c)
		ERROR(PLUGIN " plugin: [%s] ConfigFile: %s has %zu section%s and none is [%s];"
		      " block skipped", block, path, n, n == 1 ? "" : "s", block);
out:
	revmon_conf_list_free(list, n);
	return c;
}

static int name_taken(const char *name)
{
	for (const struct block *b = pending; b; b = b->next)
		if (strcmp(b->name, name) == 0)
			return 1;
	return 0;
}

/* Options of the block, in order, on top of its ConfigFile. Returns -1 after
 * logging the first refusal. */
static int block_options(struct block *b, const oconfig_item_t *ci)
{
	int rc = -1;

	for (int i = 0; i < ci->children_num; i++) {
		const oconfig_item_t *item = &ci->children[i];
		struct revmon_error err = {{0}};
		char key[KEY_MAX], buf[64];
		const char *text;
		double s;

		if (item->children_num > 0 || cm_core_key(item->key, key, sizeof key) < 0) {
			ERROR(PLUGIN " plugin: [%s] %s: not an option of a <Source> block;"
			      " block skipped", b->name, item->key);
			goto out;
		}
		if (strcmp(key, "config_file") == 0)
			continue; /* read first, by block_new */
		if (strcmp(key, "interval") == 0 || strcmp(key, "read_budget") == 0) {
			if (option_seconds(item, &s) < 0) {
				ERROR(PLUGIN " plugin: [%s] %s: takes one positive number of seconds;"
				      " block skipped", b->name, item->key);
				goto out;
			}
			if (key[0] == 'i')
				b->interval = DOUBLE_TO_CDTIME_T(s);
			else
				b->budget_s = s;
			continue;
		}
		if (item->values_num == 2 && item->values[0].type == OCONFIG_TYPE_STRING) {
			/* A key of the core's prefix keys (eventhub_rdkafka.PROPERTY):
			 * collectd's keys hold no dot, so EventhubRdkafka "PROPERTY" VALUE. */
			oconfig_item_t one = *item;
			size_t k = strlen(key);

			snprintf(key + k, sizeof key - k, ".%s", item->values[0].value.string);
			one.values = &item->values[1];
			one.values_num = 1;
			text = cm_option_text(&one, buf, sizeof buf);
		} else {
			text = cm_option_text(item, buf, sizeof buf);
		}
		if (!text) {
			ERROR(PLUGIN " plugin: [%s] %s: takes exactly one value (repeat the"
			      " option for lists); block skipped", b->name, item->key);
			goto out;
		}
		if (revmon_conf_set(b->conf, key, text, &err) < 0) {
			/* The core names its key; add the user's spelling when it differs. */
			if (strcmp(item->key, key) == 0)
				ERROR(PLUGIN " plugin: [%s] %s; block skipped", b->name, err.msg);
			else
				ERROR(PLUGIN " plugin: [%s] %s: %s; block skipped", b->name,
				      item->key, err.msg);
			goto out;
		}
	}
	rc = 0;
out:
	return rc;
}

/* One <Source "name"> block -> a pending block, or NULL after logging why. */
static struct block *block_new(const oconfig_item_t *ci)
{
	struct block *b = NULL;
	const char *file = NULL;
	struct revmon_error err = {{0}};
	const char *name;
	int ok = 0;

	if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING) {
		ERROR(PLUGIN " plugin: <%s> takes one quoted name, e.g. <Source \"contoso\">;"
		      " block skipped", ci->key);
		goto fail;
	}
	name = ci->values[0].value.string;
	if (name_taken(name)) {
		ERROR(PLUGIN " plugin: [%s] a block of this name is already configured;"
		      " block skipped", name);
		goto fail;
	}
	for (int i = 0; i < ci->children_num; i++) {
		char key[KEY_MAX];
		const oconfig_item_t *item = &ci->children[i];

		if (cm_core_key(item->key, key, sizeof key) < 0 || strcmp(key, "config_file"))
			continue;
		if (file || item->values_num != 1 || item->values[0].type != OCONFIG_TYPE_STRING) {
			ERROR(PLUGIN " plugin: [%s] %s: takes one quoted path, once; block skipped",
			      name, item->key);
			goto fail;
		}
		file = item->values[0].value.string;
	}
	b = calloc(1, sizeof *b);
	if (!b || !(b->name = strdup(name))) {
		ERROR(PLUGIN " plugin: [%s] out of memory; block skipped", name);
		goto fail;
	}
	b->conf = file ? conf_from_file(name, file) : revmon_conf_new(name, &err);
	if (!b->conf) {
		if (!file)
			ERROR(PLUGIN " plugin: [%s] %s; block skipped", name, err.msg);
		goto fail;
	}
	if (block_options(b, ci) < 0)
		goto fail;
	ok = 1;
fail:
	if (!ok) {
		block_free(b);
		b = NULL;
	}
	return b;
}

static int revmon_config(oconfig_item_t *ci)
{
	/* A refused block is logged and skipped; the others still run, so the
	 * daemon is never stopped by this plugin's configuration. */
	for (int i = 0; i < ci->children_num; i++) {
		const oconfig_item_t *item = &ci->children[i];
		struct block *b, **tail = &pending;

		if (strcasecmp(item->key, "Source") != 0) {
			ERROR(PLUGIN " plugin: %s: unknown option; the plugin takes"
			      " <Source \"name\"> blocks", item->key);
			continue;
		}
		b = block_new(item);
		if (!b) {
			refused++;
			note_refused(item->values_num == 1 && item->values[0].type == OCONFIG_TYPE_STRING
			                     ? item->values[0].value.string
			                     : item->key);
			continue;
		}
		/* Keep the configured order: logs and reads follow the file. */
		while (*tail)
			tail = &(*tail)->next;
		*tail = b;
	}
	return 0;
}

/* Which value_t member each metric of a registry (count, describe) takes,
 * from the loaded types.db: the registry names the type, the daemon knows
 * its data source. *out: a new array, -1 for a metric not dispatched. */
static int registry_types(const struct block *b, size_t (*count)(void),
                          const struct revmon_metric_desc *(*describe)(size_t), int **out,
                          size_t *n_out)
{
	size_t n = count();
	int *t = calloc(n ? n : 1, sizeof *t);

	if (!t)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct revmon_metric_desc *d = describe(i);
		const data_set_t *ds = plugin_get_ds(d->collectd_type);

		t[i] = -1;
		if (!ds || ds->ds_num != 1) {
			ERROR(PLUGIN " plugin: [%s] type \"%s\" of metric %s is not a one-value"
			      " type in the loaded TypesDB; the metric is not dispatched",
			      b->name, d->collectd_type, d->name);
			continue;
		}
		t[i] = ds->ds[0].type;
	}
	*out = t;
	*n_out = n;
	return 0;
}

static int block_types(struct block *b)
{
	if (registry_types(b, revmon_metric_count, revmon_metric, &b->ds_type, &b->n_types) < 0)
		return -1;
	return registry_types(b, revmon_family_metric_count, revmon_family_metric,
	                      &b->fam_ds_type, &b->n_fam_types);
}

/* x as the value_t member ds_type takes; -1: nothing to dispatch. */
static int to_value(int ds_type, const struct revmon_metric_desc *d, const struct revmon_value *x,
                    value_t *v)
{
	int counter = d->kind == REVMON_COUNTER;
	/* Counters are exact in .counter; derive_t is signed. */
	uint64_t c = x->counter > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : x->counter;

	switch (ds_type) {
	case DS_TYPE_GAUGE:
		v->gauge = !x->known ? NAN : counter ? (gauge_t)x->counter : x->value;
		return 0;
	case DS_TYPE_DERIVE:
		if (!x->known)
			return -1;
		v->derive = counter ? (derive_t)c : (derive_t)llround(x->value);
		return 0;
	case DS_TYPE_COUNTER:
	case DS_TYPE_ABSOLUTE:
		if (!x->known)
			return -1;
		v->counter = counter ? (counter_t)x->counter : (counter_t)llround(x->value);
		return 0;
	default:
		return -1; /* refused at init */
	}
}

static void vl_init(const struct block *b, value_list_t *vl, value_t *v)
{
	vl->values = v;
	vl->values_len = 1;
	vl->time = cdtime(); /* the simulator's clock is not the host's */
	vl->interval = b->interval;
	sstrncpy(vl->plugin, PLUGIN, sizeof vl->plugin);
	sstrncpy(vl->plugin_instance, b->name, sizeof vl->plugin_instance);
}

/* Every per-family metric of family i of s. A label that another family of
 * a lower index already gives (they differ only in replaced characters)
 * gets "-INDEX", like a cut one: names never change once given. */
static void dispatch_family(const struct block *b, const revmon_snapshot *s, size_t i)
{
	const struct revmon_family *f = &s->families[i];
	value_list_t vl = VALUE_LIST_INIT;
	value_t v;
	int clash = 0;

	for (size_t j = 0; j < i && !clash; j++)
		clash = cn_label_clash(s->families[j].label, f->label);
	vl_init(b, &vl, &v);
	/* plugin_dispatch_values copies the meta data; ours is freed below. */
	vl.meta = meta_data_create();
	if (vl.meta && meta_data_add_string(vl.meta, META_FAMILY, f->label) != 0) {
		meta_data_destroy(vl.meta);
		vl.meta = NULL;
	}
	for (size_t k = 0; k < b->n_fam_types; k++) {
		const struct revmon_metric_desc *d = revmon_family_metric(k);

		if (to_value(b->fam_ds_type[k], d, &f->values[k], &v) < 0)
			continue;
		if (clash)
			cn_family_instance_indexed(d->name, f->label, f->index, vl.type_instance,
			                           sizeof vl.type_instance);
		else
			cn_family_instance(d->name, f->label, f->index, vl.type_instance,
			                   sizeof vl.type_instance);
		sstrncpy(vl.type, d->collectd_type, sizeof vl.type);
		plugin_dispatch_values(&vl);
	}
	meta_data_destroy(vl.meta);
}

static void dispatch(const struct block *b, const revmon_snapshot *s)
{
	value_list_t vl = VALUE_LIST_INIT;
	value_t v;

	vl_init(b, &vl, &v);
	for (size_t i = 0; i < s->n_values && i < b->n_types; i++) {
		const struct revmon_metric_desc *d = revmon_metric(i);

		if (to_value(b->ds_type[i], d, &s->values[i], &v) < 0)
			continue;
		sstrncpy(vl.type, d->collectd_type, sizeof vl.type);
		sstrncpy(vl.type_instance, d->name, sizeof vl.type_instance);
		plugin_dispatch_values(&vl);
	}
	for (size_t i = 0; i < s->n_families; i++)
		dispatch_family(b, s, i);
}

/* collectd never runs one registered read twice at once (the read thread
 * takes it off the heap for the call), so the block needs no lock. */
static int block_read(user_data_t *ud)
{
	struct block *b = ud->data;
	revmon_snapshot *s;
	int rc = -1;

	/* Failing sources are logged by the core once per change of state and
	 * reported as source_up 0; the read itself goes on, so that collectd
	 * does not back off from a block that is saying something is down. */
	revmon_poll(b->mon, b->budget_ms);
	s = revmon_snapshot_take(b->mon);
	if (!s) {
		ERROR(PLUGIN " plugin: [%s] out of memory taking a snapshot", b->name);
		goto out;
	}
	if (s->simulated && !b->said_simulated) {
		NOTICE(PLUGIN " plugin: [%s] SIMULATED DATA: a source is the built-in tenant"
		       " simulator, not a real tenant", b->name);
		b->said_simulated = 1;
	}
	dispatch(b, s);
	rc = 0;
out:
	revmon_snapshot_free(s);
	return rc;
}

/* Open the block's monitor and register its read, which then owns b. */
static int block_start(struct block *b)
{
	struct revmon_hooks hooks = {.log = block_log, .ctx = b};
	struct revmon_error err = {{0}};
	user_data_t ud = {.data = b, .free_func = block_free};
	char rname[DATA_MAX_NAME_LEN + sizeof PLUGIN];
	double interval_s, budget_s;
	int rc = -1;

	if (!b->interval)
		b->interval = plugin_get_interval();
	interval_s = CDTIME_T_TO_DOUBLE(b->interval);
	budget_s = b->budget_s > 0 ? b->budget_s : BUDGET_SHARE * interval_s;
	if (budget_s >= interval_s) {
		ERROR(PLUGIN " plugin: [%s] ReadBudget (%g s) must be below the block's"
		      " interval (%g s); block skipped", b->name, budget_s, interval_s);
		goto out;
	}
	b->budget_ms = budget_s * 1000 >= INT_MAX ? INT_MAX : (int)(budget_s * 1000);
	if (b->budget_ms < 1)
		b->budget_ms = 1;
	if (block_types(b) < 0) {
		ERROR(PLUGIN " plugin: [%s] out of memory; block skipped", b->name);
		goto out;
	}
	b->mon = revmon_open(b->conf, &hooks, &err);
	if (!b->mon) {
		ERROR(PLUGIN " plugin: [%s] %s; block skipped", b->name, err.msg);
		goto out;
	}
	revmon_conf_free(b->conf);
	b->conf = NULL;
	snprintf(rname, sizeof rname, PLUGIN "/%s", b->name);
	INFO(PLUGIN " plugin: [%s] reading every %g s, at most %d ms per read", b->name,
	     interval_s, b->budget_ms);
	rc = plugin_register_complex_read(PLUGIN, rname, block_read, b->interval, &ud);
	if (rc != 0)
		ERROR(PLUGIN " plugin: [%s] registering the read failed (%d); block skipped",
		      b->name, rc);
out:
	/* collectd frees ud only when the registration succeeded. */
	if (rc != 0) {
		note_refused(b->name);
		block_free(b);
	}
	return rc;
}

/* collectd -T (initialise, read every plugin once, exit) marks itself with
 * ReadThreads -1 (read_cmdline in src/daemon/collectd.c): the one setting
 * under which the daemon starts no read threads and never reads by itself. */
static int reading_once(void)
{
	const char *threads = global_option_get("ReadThreads");

	return threads && strcmp(threads, "-1") == 0;
}

/* Under -T only: a read that fails, so that the daemon's exit status says a
 * block was refused (a refusal is otherwise only logged: the daemon keeps
 * running the good blocks). */
static int refused_read(user_data_t *ud)
{
	(void)ud;
	ERROR(PLUGIN " plugin: refused <Source> block%s %s (see the errors above);"
	      " the daemon would run without %s", strchr(refused_names, ',') ? "s" : "",
	      refused_names, strchr(refused_names, ',') ? "them" : "it");
	return -1;
}

static int revmon_init(void)
{
	int configured = 0, started = 0;

	while (pending) {
		struct block *b = pending;

		pending = b->next;
		b->next = NULL;
		configured++;
		if (block_start(b) == 0)
			started++;
	}
	if (!configured && !refused) {
		WARNING(PLUGIN " plugin: no <Source \"name\"> block configured; nothing to read");
		return 0;
	}
	if (!started) {
		ERROR(PLUGIN " plugin: none of the %d <Source> blocks could start",
		      configured + refused);
		return -1;
	}
	if (started < configured + refused && reading_once()) {
		user_data_t ud = {.data = NULL};

		/* If even that cannot be registered, a failed init fails -T too. */
		if (plugin_register_complex_read(PLUGIN, PLUGIN "/refused", refused_read, 0, &ud))
			return -1;
	}
	return 0;
}

/* Blocks still pending here were configured but never started (init did not
 * run); started ones are freed by collectd through their user_data. */
static int revmon_shutdown(void)
{
	while (pending) {
		struct block *b = pending;

		pending = b->next;
		block_free(b);
	}
	return 0;
}

__attribute__((visibility("default"))) void module_register(void)
{
	plugin_register_complex_config(PLUGIN, revmon_config);
	plugin_register_init(PLUGIN, revmon_init);
	plugin_register_shutdown(PLUGIN, revmon_shutdown);
}
