/* The eventhub source's librdkafka properties, as a pure function of the
 * settings (log-shapes.md §4.2, §4.4). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eventhub.h"

/* revmon's defaults for Event Hubs; eventhub_rdkafka.* may change them. */
static const char *const defaults[][2] = {
	{"client.id", "revmon"},
	{"security.protocol", "sasl_ssl"},
	{"socket.keepalive.enable", "true"},     /* Azure closes idle TCP after 240 s */
	{"metadata.max.age.ms", "180000"},       /* below those 240 s */
	{"connections.max.idle.ms", "180000"},   /* set only for '*azure*' hosts otherwise */
	{"session.timeout.ms", "30000"},         /* Event Hubs: 6000 to 300000 */
	{"heartbeat.interval.ms", "3000"},
	{"max.poll.interval.ms", "300000"},
	{"socket.timeout.ms", "60000"},
	{"auto.offset.reset", "earliest"},       /* a new group reads what the hub retains */
	/* Prefetch, bounded: at most 32 MB queued (librdkafka: 64 MB) and
	 * 8 MB a fetch answer (50 MB), eight bodies at Event Hubs' 1 MB
	 * limit. The allocator often reuses answers that size (60% fewer
	 * page faults); 50 MB ones were mapped and unmapped each time. The
	 * source wakes the fetcher as it takes the queue (consume). */
	{"queued.max.messages.kbytes", "32768"},
	{"fetch.max.bytes", "8388608"},
	{"partition.assignment.strategy", "range,roundrobin"},
};

/* What revmon decides and the configuration cannot (conf/ refuses them):
 * offsets are stored per message once ingested and committed after the
 * state is saved. */
static const char *const fixed[][2] = {
	{"enable.auto.commit", "false"},
	{"enable.auto.offset.store", "false"},
	{"enable.partition.eof", "false"},
};

static int push(struct rm_eh_props *p, const char *name, size_t nlen, const char *value,
                const char *key)
{
	struct rm_eh_prop *q = realloc(p->p, (p->n + 1) * sizeof *q);
	struct rm_eh_prop e = {strndup(name, nlen), strdup(value), key ? strdup(key) : NULL};

	if (q)
		p->p = q;
	if (!q || !e.name || !e.value || (key && !e.key)) {
		free(e.name);
		free(e.value);
		free(e.key);
		return -1;
	}
	p->p[p->n++] = e;
	return 0;
}

void rm_eventhub_props_free(struct rm_eh_props *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->p[i].name);
		free(p->p[i].value);
		free(p->p[i].key);
	}
	free(p->p);
	memset(p, 0, sizeof *p);
}

const char *rm_eventhub_prop(const struct rm_eh_props *p, const char *name)
{
	for (size_t i = p->n; i-- > 0;)
		if (strcmp(p->p[i].name, name) == 0)
			return p->p[i].value;
	return NULL;
}

static int loopback_host(const char *h, size_t n)
{
	if ((n == 9 && strncasecmp(h, "localhost", 9) == 0) || (n == 5 && memcmp(h, "[::1]", 5) == 0))
		return 1;
	if (n < 7 || n > 15 || strncmp(h, "127.", 4) != 0)
		return 0;
	for (size_t i = 4; i < n; i++)
		if (!strchr("0123456789.", h[i]))
			return 0;
	return 1;
}

int rm_eventhub_all_loopback(const char *bootstrap)
{
	const char *p = bootstrap;

	for (;;) {
		const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p), *colon = end;

		while (colon > p && *colon != ':')
			colon--;
		if (colon == p || !loopback_host(p, (size_t)(colon - p)))
			return 0;
		if (!comma)
			return 1;
		p = comma + 1;
	}
}

int rm_eventhub_scope(struct rm_buf *out, const struct rm_settings *s)
{
	const char *b = s->eventhub_bootstrap ? s->eventhub_bootstrap : "";
	size_t n = strcspn(b, ",");

	if (s->eventhub_scope)
		return rm_buf_puts(out, s->eventhub_scope);
	while (n > 0 && b[n - 1] != ':')
		n--;
	return rm_buf_printf(out, "https://%.*s/.default", (int)(n ? n - 1 : 0), b);
}

/* The eventhub_rdkafka.* pairs, after revmon's defaults. */
static int overrides(const struct rm_settings *s, struct rm_eh_props *out)
{
	for (size_t i = 0; i < s->n_eventhub_rdkafka; i++) {
		const char *pv = s->eventhub_rdkafka[i], *eq = strchr(pv, '=');
		struct rm_buf key = {0};
		int rc;

		if (rm_buf_printf(&key, "eventhub_rdkafka.%.*s", (int)(eq - pv), pv) < 0)
			return -1;
		rc = push(out, pv, (size_t)(eq - pv), eq + 1, key.data);
		rm_buf_free(&key);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* TLS, and how the consumer signs in. */
static int auth(const struct rm_settings *s, int have_secret, struct rm_eh_props *out,
                struct revmon_error *err)
{
	const char *proto = rm_eventhub_prop(out, "security.protocol");
	int plain_text = strncasecmp(proto, "plaintext", 9) == 0 ||
	                 strncasecmp(proto, "sasl_plaintext", 14) == 0;
	int sasl = strncasecmp(proto, "sasl_", 5) == 0;

	if (plain_text && !rm_eventhub_all_loopback(s->eventhub_bootstrap)) {
		rm_errorf(err, "eventhub_rdkafka.security.protocol: %s only when every eventhub_bootstrap "
		          "address is a loopback address (TLS is required otherwise)", proto);
		return -1;
	}
	out->auth = RM_EH_AUTH_NONE;
	if (!sasl)
		return 0;
	if (have_secret) {
		out->auth = RM_EH_AUTH_PLAIN;
		if (push(out, "sasl.mechanisms", 15, "PLAIN", NULL) < 0 ||
		    push(out, "sasl.username", 13, "$ConnectionString", NULL) < 0)
			goto oom;
		return 0;
	}
	if (s->graph_tenant && s->graph_client_id) {
		out->auth = RM_EH_AUTH_OAUTHBEARER;
		if (push(out, "sasl.mechanisms", 15, "OAUTHBEARER", NULL) < 0)
			goto oom;
		return 0;
	}
	rm_errorf(err, "no credentials: set eventhub_connection_string_file or "
	          "eventhub_connection_string_env (a SAS connection string with Listen rights), or "
	          "the graph_* identity keys (an app with the Azure Event Hubs Data Receiver role)");
	return -1;
oom:
	rm_errorf(err, "out of memory");
	return -1;
}

int rm_eventhub_props(const struct rm_settings *s, int have_secret, struct rm_eh_props *out,
                      struct revmon_error *err)
{
	int e = 0;

	memset(out, 0, sizeof *out);
	if (!s->eventhub_bootstrap) {
		rm_errorf(err, "eventhub_bootstrap is not set (NAMESPACE.servicebus.windows.net:9093)");
		return -1;
	}
	e |= push(out, "bootstrap.servers", 17, s->eventhub_bootstrap, "eventhub_bootstrap");
	e |= push(out, "group.id", 8, s->eventhub_group, "eventhub_group");
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
		e |= push(out, defaults[i][0], strlen(defaults[i][0]), defaults[i][1], NULL);
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		e |= push(out, fixed[i][0], strlen(fixed[i][0]), fixed[i][1], NULL);
	if (e || overrides(s, out) < 0) {
		rm_errorf(err, "out of memory");
		goto fail;
	}
	if (auth(s, have_secret, out, err) < 0)
		goto fail;
	return 0;
fail:
	rm_eventhub_props_free(out);
	return -1;
}
