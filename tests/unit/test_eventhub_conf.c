/* The eventhub source's configuration: its keys (bootstrap lists, topics,
 * the librdkafka pass-through and what it refuses) and the librdkafka
 * properties built from them for SAS (PLAIN), Entra (OAUTHBEARER) and
 * plaintext to a loopback broker, without a broker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "eventhub.h"

/* Settings from key=value pairs; 0, or -1 with err. */
static int load(struct rm_settings *s, struct revmon_error *err, const char *const *kv)
{
	revmon_conf *c = revmon_conf_new("t", err);
	int rc = 0;

	for (size_t i = 0; kv[i] && rc == 0; i += 2)
		rc = revmon_conf_set(c, kv[i], kv[i + 1], err);
	if (rc == 0)
		rc = rm_settings_load(c, s, err);
	revmon_conf_free(c);
	return rc;
}

static void refused(const char *key, const char *value, const char *why)
{
	struct revmon_error err = {{0}};
	revmon_conf *c = revmon_conf_new("t", &err);

	if (revmon_conf_set(c, key, value, &err) == 0)
		fail_msg("%s = %s accepted", key, value);
	if (!strstr(err.msg, key) || !strstr(err.msg, why))
		fail_msg("%s = %s: '%s' lacks '%s'", key, value, err.msg, why);
	revmon_conf_free(c);
}

static void test_keys(void **state)
{
	struct revmon_error err = {{0}};
	struct rm_settings s;
	const char *const kv[] = {"source", "eventhub", "eventhub_bootstrap", "a.servicebus.windows.net:9093,[::1]:9092",
	                          "eventhub_rdkafka.session.timeout.ms", "45000",
	                          "eventhub_rdkafka.fetch.wait.max.ms", "200", NULL};

	(void)state;
	assert_int_equal(load(&s, &err, kv), 0);
	assert_string_equal(s.eventhub_group, "revmon");
	assert_string_equal(s.eventhub_topics, "insights-logs-signinlogs,insights-logs-noninteractiveusersigninlogs,"
	                                       "insights-logs-auditlogs");
	assert_int_equal(s.n_eventhub_rdkafka, 2);
	assert_string_equal(s.eventhub_rdkafka[0], "session.timeout.ms=45000");
	assert_string_equal(s.eventhub_rdkafka[1], "fetch.wait.max.ms=200");
	rm_settings_free(&s);
	refused("eventhub_bootstrap", "ns.servicebus.windows.net", "is not host:port");
	refused("eventhub_bootstrap", "ns:0", "is not host:port");
	refused("eventhub_bootstrap", "a:1,,b:2", "is not host:port");
	refused("eventhub_topics", "a,b c", "event hub names");
	refused("eventhub_topics", "", "event hub names");
	refused("eventhub_rdkafka.sasl.password", "x", "a secret");
	refused("eventhub_rdkafka.bootstrap.servers", "x:1", "eventhub_bootstrap");
	refused("eventhub_rdkafka.group.id", "x", "eventhub_group");
	refused("eventhub_rdkafka.enable.auto.commit", "true", "commits offsets itself");
	refused("eventhub_rdkafka.enable.auto.offset.store", "true", "stores offsets itself");
	refused("eventhub_rdkafka.enable.ssl.certificate.verification", "false", "cannot be turned off");
	refused("eventhub_rdkafka.ssl.endpoint.identification.algorithm", "none", "cannot be turned off");
	refused("eventhub_rdkafka.security.protocol", "gopher", "not sasl_ssl");
	refused("eventhub_rdkafka.Session.Timeout", "1", "not a librdkafka property name");
	refused("eventhub_rdkafka.debug", "a\tb", "printable");
	assert_true(rm_conf_key_known("eventhub_rdkafka.anything"));
	assert_false(rm_conf_key_known("eventhub_rdkafka."));
	assert_false(rm_conf_key_known("eventhub_rdkafkax"));
}

/* Properties from the settings kv; the caller frees *p. */
static int props_of(struct rm_eh_props *p, int have_secret, const char *const *kv, struct revmon_error *err)
{
	struct rm_settings s;
	int rc;

	if (load(&s, err, kv) < 0)
		return -1;
	rc = rm_eventhub_props(&s, have_secret, p, err);
	rm_settings_free(&s);
	return rc;
}

static void test_plain(void **state)
{
	struct revmon_error err = {{0}};
	struct rm_eh_props p;
	const char *const kv[] = {"eventhub_bootstrap", "contoso.servicebus.windows.net:9093",
	                          "eventhub_connection_string_env", "CS", "eventhub_group", "revmon-contoso",
	                          "eventhub_rdkafka.session.timeout.ms", "45000", NULL};

	(void)state;
	assert_int_equal(props_of(&p, 1, kv, &err), 0);
	assert_int_equal(p.auth, RM_EH_AUTH_PLAIN);
	assert_string_equal(rm_eventhub_prop(&p, "bootstrap.servers"), "contoso.servicebus.windows.net:9093");
	assert_string_equal(rm_eventhub_prop(&p, "group.id"), "revmon-contoso");
	assert_string_equal(rm_eventhub_prop(&p, "security.protocol"), "sasl_ssl");
	assert_string_equal(rm_eventhub_prop(&p, "sasl.mechanisms"), "PLAIN");
	assert_string_equal(rm_eventhub_prop(&p, "sasl.username"), "$ConnectionString");
	assert_null(rm_eventhub_prop(&p, "sasl.password")); /* set apart, never listed */
	/* Event Hubs' needs (log-shapes.md §4.4) */
	assert_string_equal(rm_eventhub_prop(&p, "socket.keepalive.enable"), "true");
	assert_string_equal(rm_eventhub_prop(&p, "metadata.max.age.ms"), "180000");
	assert_string_equal(rm_eventhub_prop(&p, "connections.max.idle.ms"), "180000");
	assert_string_equal(rm_eventhub_prop(&p, "heartbeat.interval.ms"), "3000");
	assert_string_equal(rm_eventhub_prop(&p, "max.poll.interval.ms"), "300000");
	assert_string_equal(rm_eventhub_prop(&p, "auto.offset.reset"), "earliest");
	assert_string_equal(rm_eventhub_prop(&p, "enable.auto.commit"), "false");
	assert_string_equal(rm_eventhub_prop(&p, "enable.auto.offset.store"), "false");
	/* bounded prefetch */
	assert_string_equal(rm_eventhub_prop(&p, "queued.max.messages.kbytes"), "32768");
	assert_string_equal(rm_eventhub_prop(&p, "fetch.max.bytes"), "8388608");
	/* the override wins, and names its key */
	assert_string_equal(rm_eventhub_prop(&p, "session.timeout.ms"), "45000");
	for (size_t i = 0; i < p.n; i++)
		if (!strcmp(p.p[i].name, "session.timeout.ms") && !strcmp(p.p[i].value, "45000"))
			assert_string_equal(p.p[i].key, "eventhub_rdkafka.session.timeout.ms");
	rm_eventhub_props_free(&p);
}

static void test_oauthbearer(void **state)
{
	struct revmon_error err = {{0}};
	struct rm_eh_props p;
	struct rm_settings s;
	struct rm_buf scope = {0};
	const char *const kv[] = {"eventhub_bootstrap", "contoso.servicebus.windows.net:9093,x:1",
	                          "graph_tenant", "contoso.onmicrosoft.com",
	                          "graph_client_id", "00000000-0000-0000-0000-000000000001", NULL};

	(void)state;
	assert_int_equal(props_of(&p, 0, kv, &err), 0);
	assert_int_equal(p.auth, RM_EH_AUTH_OAUTHBEARER);
	assert_string_equal(rm_eventhub_prop(&p, "sasl.mechanisms"), "OAUTHBEARER");
	assert_null(rm_eventhub_prop(&p, "sasl.username"));
	assert_string_equal(rm_eventhub_prop(&p, "security.protocol"), "sasl_ssl");
	rm_eventhub_props_free(&p);
	assert_int_equal(load(&s, &err, kv), 0);
	assert_int_equal(rm_eventhub_scope(&scope, &s), 0);
	assert_string_equal(scope.data, "https://contoso.servicebus.windows.net/.default");
	rm_settings_free(&s);
	rm_buf_free(&scope);
}

static void test_plaintext_and_refusals(void **state)
{
	struct revmon_error err = {{0}};
	struct rm_eh_props p;
	const char *const loop[] = {"eventhub_bootstrap", "127.0.0.1:9092,localhost:9093,[::1]:1",
	                            "eventhub_rdkafka.security.protocol", "plaintext", NULL};
	const char *const remote[] = {"eventhub_bootstrap", "127.0.0.1:9092,contoso.servicebus.windows.net:9093",
	                              "eventhub_rdkafka.security.protocol", "sasl_plaintext", NULL};
	const char *const none[] = {"eventhub_bootstrap", "contoso.servicebus.windows.net:9093", NULL};

	(void)state;
	assert_int_equal(props_of(&p, 0, loop, &err), 0);
	assert_int_equal(p.auth, RM_EH_AUTH_NONE);
	assert_string_equal(rm_eventhub_prop(&p, "security.protocol"), "plaintext");
	assert_null(rm_eventhub_prop(&p, "sasl.mechanisms"));
	rm_eventhub_props_free(&p);
	assert_int_equal(props_of(&p, 1, remote, &err), -1);
	assert_non_null(strstr(err.msg, "eventhub_rdkafka.security.protocol: sasl_plaintext only when every "
	                                "eventhub_bootstrap address is a loopback address"));
	assert_int_equal(props_of(&p, 0, none, &err), -1);
	assert_non_null(strstr(err.msg, "no credentials"));
	assert_true(rm_eventhub_all_loopback("127.1.2.3:1"));
	assert_false(rm_eventhub_all_loopback("127.0.0.1.example.com:1"));
	assert_false(rm_eventhub_all_loopback("localhost:1,10.0.0.1:2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_oauthbearer),
		cmocka_unit_test(test_plaintext_and_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
