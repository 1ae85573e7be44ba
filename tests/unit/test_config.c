/* Configuration: every refusal names the key and the reason; the file format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "revmon.h"
#include "scratch.h"

static void refused(const char *key, const char *value, const char *expect)
{
	struct revmon_error err = {{0}};
	revmon_conf *c = revmon_conf_new("t", &err);

	assert_non_null(c);
	if (revmon_conf_set(c, key, value, &err) == 0)
		fail_msg("%s = %s was accepted", key, value);
	if (!strstr(err.msg, expect))
		fail_msg("%s = %s: message '%s' lacks '%s'", key, value, err.msg, expect);
	if (strncmp(err.msg, key, strlen(key)) != 0)
		fail_msg("message '%s' does not start with the key %s", err.msg, key);
	revmon_conf_free(c);
}

static void test_refusals(void **state)
{
	(void)state;
	refused("windwo", "300", "unknown configuration key");
	refused("window", "five", "not a duration");
	refused("window", "-5", "not a duration");
	refused("window", "5", "out of range");
	refused("window", "3d", "out of range");
	refused("window", "10x", "not a duration");
	refused("window", "2h30", "not a duration");
	refused("window", "m", "not a duration");
	refused("window", "1.5m", "not a duration");
	refused("lag_window", "", "not a duration");
	refused("source", "ftp://x", "not a source");
	refused("source", "file:", "not a source");
	refused("source", "probes", "not a source");
	refused("classify", "50173", "not CODE:CLASS");
	refused("classify", "abc:revoked", "not CODE:CLASS");
	refused("classify", "50173:fatal", "not a class");
	refused("activity", "Reset password", "not CAUSE:NAME");
	refused("activity", "boss:Reset password", "not a cause");
	refused("activity", "inferred:Reset password", "not a cause");
	refused("sim_users", "0", "out of range");
	refused("sim_users", "12.5", "not a non-negative integer");
	refused("sim_mass_share", "1.5", "out of range");
	refused("sim_mass_share", "nan", "not a number");
	refused("sim_start", "yesterday", "not an RFC 3339 timestamp");
	refused("sim_shape", "xml", "not a shape");
	refused("max_record_bytes", "12Q", "not a size");
}

static void accepted(const char *key, const char *value, const char *stored)
{
	struct revmon_error err = {{0}};
	revmon_conf *c = revmon_conf_new("t", &err);
	struct rm_settings s;

	assert_non_null(c);
	if (revmon_conf_set(c, key, value, &err) != 0)
		fail_msg("%s = %s: %s", key, value, err.msg);
	assert_int_equal(rm_settings_load(c, &s, &err), 0);
	if (strcmp(key, "probe_resource") == 0)
		assert_string_equal(s.probe_resource, stored);
	else if (strcmp(key, "probe_token_url") == 0)
		assert_string_equal(s.probe_token_url, stored);
	else
		assert_string_equal(s.probe_introspection_url, stored);
	rm_settings_free(&s);
	revmon_conf_free(c);
}

/* Endpoints may carry a query (RFC 6749 3.1, 3.2), never a fragment, and
 * stay https; a resource indicator is any absolute URI (RFC 8707). */
static void test_urls_follow_the_rfcs(void **state)
{
	(void)state;
	accepted("probe_token_url", "https://idp.example/token?tenant=a%20b&x=1",
	         "https://idp.example/token?tenant=a%20b&x=1");
	accepted("probe_introspection_url", "https://idp.example/introspect?realm=r",
	         "https://idp.example/introspect?realm=r");
	accepted("probe_token_url", "https://idp.example/token/", "https://idp.example/token/");
	accepted("probe_resource", "urn:example:api", "urn:example:api");
	accepted("probe_resource", "api://a0b1-c2", "api://a0b1-c2");
	accepted("probe_resource", "https://api.example/v1?tenant=a", "https://api.example/v1?tenant=a");
	refused("probe_token_url", "https://idp.example/token#frag", "fragment");
	refused("probe_token_url", "http://idp.example/token?x=1", "TLS is required");
	refused("probe_resource_url", "https://?x=1", "TLS is required");
	refused("probe_revocation_url", "https://idp.example/revoke?a=\"b\"", "quotes");
	refused("probe_resource", "https://api.example/#frag", "fragment");
	refused("probe_resource", "not a uri", "spaces");
	refused("probe_resource", "api.example", "absolute URI");
	refused("probe_resource", "1urn:x", "absolute URI");
	refused("probe_resource", "urn:", "absolute URI");
	/* bases are joined with paths: no query there */
	refused("graph_base", "https://graph.example?x=1", "query");
	refused("graph_authority", "http://login.example", "TLS is required");
}

/* parse_file on path: NULL when accepted, else the message. */
static const char *parse_msg(const char *path, struct revmon_error *err)
{
	revmon_conf **list = NULL;
	size_t n = 0;
	int rc = revmon_conf_parse_file(path, "d", &list, &n, err);

	revmon_conf_list_free(list, n);
	return rc == 0 ? NULL : err->msg;
}

static void parse_refused(const char *path, const char *expect)
{
	struct revmon_error err = {{0}};
	const char *msg = parse_msg(path, &err);

	if (!msg)
		fail_msg("%s was accepted (expected: %s)", path, expect);
	if (strncmp(msg, path, strlen(path)) != 0 || !strstr(msg, expect))
		fail_msg("'%s' does not name %s with '%s'", msg, path, expect);
	/* the check --extra-opts uses says the same */
	assert_int_equal(revmon_conf_check_file(path, &err), -1);
}

static void parse_accepted(const char *path)
{
	struct revmon_error err = {{0}};
	const char *msg = parse_msg(path, &err);

	if (msg)
		fail_msg("%s refused: %s", path, msg);
	assert_int_equal(revmon_conf_check_file(path, &err), 0);
}

/* A configuration that someone else could change is refused, as ssh
 * refuses its own: it could send the secrets to any endpoint. */
static void test_untrusted_files(void **state)
{
	char dir[64], sub[96], path[128], lnk[128];
	FILE *f;

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof dir, "conftrust"), 0);
	snprintf(sub, sizeof sub, "%s/etc", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(path, sizeof path, "%s/revmon.conf", sub);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("probe_token_url = https://idp.example/token\n", f);
	fclose(f);
	chmod(path, 0644);
	parse_accepted(path);
	chmod(path, 0666);
	parse_refused(path, "writable by group and others");
	chmod(path, 0646);
	parse_refused(path, "writable by others");
	chmod(path, 0660);
	parse_refused(path, "writable by group");
	chmod(path, 0600);
	parse_accepted(path);
	/* a link to it is the file, and trusted when its owner is */
	snprintf(lnk, sizeof lnk, "%s/link.conf", dir);
	assert_int_equal(symlink(path, lnk), 0);
	parse_accepted(lnk);
	/* a directory above it that others may write to */
	chmod(sub, 0777);
	parse_refused(path, "its directory");
	parse_refused(lnk, "writable by group and others");
	chmod(sub, 01777); /* like /tmp: others cannot replace our names */
	parse_accepted(path);
	chmod(sub, 0755);
	if (geteuid() == 0) {
		/* owners other than root and the running user (CI runs as root) */
		assert_int_equal(chown(path, 65534, 65534), 0);
		parse_refused(path, "owned by uid 65534");
		assert_int_equal(chown(path, 0, 0), 0);
		assert_int_equal(lchown(lnk, 65534, 65534), 0);
		parse_refused(lnk, "owned by uid 65534");
		assert_int_equal(chown(sub, 65534, 65534), 0);
		parse_refused(path, "its directory");
		assert_int_equal(chown(sub, 0, 0), 0);
		parse_accepted(path);
	}
	assert_int_equal(scratch_remove(dir), 0);
}

static void test_accepts_and_defaults(void **state)
{
	struct revmon_error err;
	revmon_conf *c = revmon_conf_new("tenant-1.prod_x", &err);
	struct rm_settings s;

	(void)state;
	assert_non_null(c);
	assert_int_equal(revmon_conf_set(c, "window", "9m59s1000ms", &err), 0);
	assert_int_equal(revmon_conf_set(c, "stuck_after", "1h59m60s", &err), 0);
	assert_int_equal(revmon_conf_set(c, "max_record_bytes", "2M", &err), 0);
	assert_int_equal(revmon_conf_set(c, "source", "sim", &err), 0);
	assert_int_equal(revmon_conf_set(c, "source", "file:/tmp", &err), 0);
	assert_int_equal(revmon_conf_set(c, "classify", "50097:policy", &err), 0);
	assert_int_equal(rm_settings_load(c, &s, &err), 0);
	assert_int_equal(s.window_ms, 600000);
	assert_int_equal(s.stuck_after_ms, 7200000);
	assert_int_equal(s.lag_window_ms, 3600000);           /* default */
	assert_int_equal(s.access_token_lifetime_ms, 5400000); /* default */
	assert_int_equal(s.max_record_bytes, 2u << 20);
	assert_int_equal(s.n_sources, 2);
	assert_string_equal(s.sources[1], "file:/tmp");
	assert_int_equal(rm_classify_code(&s.classifier, 50097), RM_CLASS_POLICY);
	assert_int_equal(rm_classify_code(&s.classifier, 50173), RM_CLASS_REVOKED);
	rm_settings_free(&s);
	revmon_conf_free(c);

	/* No source at all means the simulator. */
	c = revmon_conf_new("x", &err);
	assert_int_equal(rm_settings_load(c, &s, &err), 0);
	assert_int_equal(s.n_sources, 1);
	assert_string_equal(s.sources[0], "sim");
	rm_settings_free(&s);
	revmon_conf_free(c);

	assert_null(revmon_conf_new("bad name", &err));
	assert_non_null(strstr(err.msg, "not a valid monitor name"));
	assert_null(revmon_conf_new("", &err));
}

static void test_open_refusals(void **state)
{
	struct revmon_error err;
	revmon_conf *c = revmon_conf_new("x", &err);

	(void)state;
	/* Each value is fine alone; together they are not. */
	assert_int_equal(revmon_conf_set(c, "window", "2h", &err), 0);
	assert_int_equal(revmon_conf_set(c, "lag_window", "1h", &err), 0);
	assert_null(revmon_open(c, NULL, &err));
	assert_non_null(strstr(err.msg, "window: 7200 s is longer than lag_window"));
	revmon_conf_free(c);

	/* A path that does not exist (yet) opens, and the source is down. */
	c = revmon_conf_new("x", &err);
	assert_int_equal(revmon_conf_set(c, "source", "file:/nonexistent/revmon-x", &err), 0);
	{
		revmon *m = revmon_open(c, NULL, &err);
		revmon_snapshot *s;

		assert_non_null(m);
		assert_int_equal(revmon_poll(m, 1000), 1);
		s = revmon_snapshot_take(m);
		assert_false(s->sources[0].up);
		assert_false(s->sources[0].unusable);
		assert_non_null(strstr(s->sources[0].error, "/nonexistent/revmon-x: No such file"));
		revmon_snapshot_free(s);
		revmon_close(m);
	}
	revmon_conf_free(c);

	c = revmon_conf_new("x", &err);
	assert_int_equal(revmon_conf_set(c, "source", "sim", &err), 0);
	assert_int_equal(revmon_conf_set(c, "source", "sim", &err), 0);
	assert_null(revmon_open(c, NULL, &err));
	assert_non_null(strstr(err.msg, "configured twice"));
	revmon_conf_free(c);
}

static void parse_fails(const char *text, const char *expect)
{
	revmon_conf **list = NULL;
	size_t n = 0;
	struct revmon_error err = {{0}};

	if (revmon_conf_parse_buffer(text, strlen(text), "test.conf", "d", &list, &n, &err) == 0)
		fail_msg("accepted: %s", text);
	if (!strstr(err.msg, expect))
		fail_msg("message '%s' lacks '%s'", err.msg, expect);
	assert_null(list);
}

static void test_file_format(void **state)
{
	const char *text =
		"# defaults for every monitor\n"
		"window = 600   # ten minutes\n"
		"; another comment style\n"
		"\n"
		"[contoso]\n"
		"source = sim\n"
		"activity = \"risk:Odd # name; with \\\"quotes\\\"\"\n"
		"[fabrikam]\r\n"
		"  source   =   file:/tmp\r\n"
		"window = 900\n";
	revmon_conf **list;
	size_t n;
	struct revmon_error err;
	struct rm_settings s;

	(void)state;
	assert_int_equal(revmon_conf_parse_buffer(text, strlen(text), "t.conf", "d", &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(revmon_conf_name(list[0]), "contoso");
	assert_string_equal(revmon_conf_name(list[1]), "fabrikam");
	assert_int_equal(rm_settings_load(list[0], &s, &err), 0);
	assert_int_equal(s.window_ms, 600000);
	assert_int_equal(s.classifier.acts[s.classifier.n_acts - 1].cause, RM_CAUSE_RISK);
	assert_string_equal(s.classifier.acts[s.classifier.n_acts - 1].name, "Odd # name; with \"quotes\"");
	rm_settings_free(&s);
	assert_int_equal(rm_settings_load(list[1], &s, &err), 0);
	assert_int_equal(s.window_ms, 900000); /* the section's own value wins */
	assert_string_equal(s.sources[0], "file:/tmp");
	rm_settings_free(&s);

	/* Equality, for hosts that reload their configuration. */
	{
		revmon_conf **again;
		size_t m;

		assert_int_equal(revmon_conf_parse_buffer(text, strlen(text), "t.conf", "d", &again, &m, &err), 0);
		assert_true(revmon_conf_equal(list[0], again[0]));
		assert_false(revmon_conf_equal(list[0], again[1]));
		assert_int_equal(revmon_conf_set(again[1], "window", "901", &err), 0);
		assert_false(revmon_conf_equal(list[1], again[1]));
		revmon_conf_list_free(again, m);
	}
	revmon_conf_list_free(list, n);

	/* No sections: one monitor named by the caller. */
	assert_int_equal(revmon_conf_parse_buffer("window=60\n", 10, "t", "solo", &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(revmon_conf_name(list[0]), "solo");
	revmon_conf_list_free(list, n);

	parse_fails("window\n", "test.conf:1: expected key = value");
	parse_fails("\n\nwindow = 1\n", "test.conf:3: window: 1 is out of range");
	parse_fails("= 5\n", "test.conf:1: missing key");
	parse_fails("[a\n", "test.conf:1: section header without ']'");
	parse_fails("[a] x\n", "text after the section header");
	parse_fails("[a]\n[a]\n", "test.conf:2: [a]: section defined twice");
	parse_fails("[bad name]\n", "not a valid monitor name");
	parse_fails("activity = \"risk:x\n", "test.conf:1: activity: unterminated quoted value");
	parse_fails("activity = \"risk:x\" y\n", "text after the closing quote");
	parse_fails("activity = \"risk:\\x\"\n", "bad escape");
	parse_fails("[a]\nbogus = 1\n", "test.conf:2: bogus: unknown configuration key");
}

static void test_file_errors(void **state)
{
	revmon_conf **list;
	size_t n;
	struct revmon_error err;
	char path[] = "/tmp/revmon-conf-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a\0b", 3), 3);
	close(fd);
	assert_int_equal(revmon_conf_parse_file(path, "d", &list, &n, &err), -1);
	assert_non_null(strstr(err.msg, "NUL byte"));
	unlink(path);
	assert_int_equal(revmon_conf_parse_file("/nonexistent/x.conf", "d", &list, &n, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/x.conf: No such file"));
}

static void test_key_listing(void **state)
{
	const char *name, *help, *def;
	size_t i;

	(void)state;
	for (i = 0; (name = revmon_conf_key(i, &help, &def)); i++) {
		struct revmon_error err;
		revmon_conf *c = revmon_conf_new("x", &err);

		assert_true(strlen(help) > 10);
		/* every documented default is itself a valid value */
		if (*def && revmon_conf_set(c, name, def, &err) < 0)
			fail_msg("default of %s refused: %s", name, err.msg);
		revmon_conf_free(c);
	}
	assert_true(i > 20);
}

static void test_graph_scope(void **state)
{
	struct revmon_error err;
	revmon_conf *c = revmon_conf_new("t", &err);
	struct rm_settings s;
	const char *name, *help, *def;
	int listed = 0;

	(void)state;
	assert_int_equal(rm_settings_load(c, &s, &err), 0);
	assert_null(s.graph_scope); /* no default: the client builds graph_base/.default */
	rm_settings_free(&s);
	assert_int_equal(revmon_conf_set(c, "graph_scope", "https://graph.microsoft.us/.default", &err), 0);
	assert_int_equal(rm_settings_load(c, &s, &err), 0);
	assert_string_equal(s.graph_scope, "https://graph.microsoft.us/.default");
	rm_settings_free(&s);
	refused("graph_scope", "", "empty or overlong scope list");
	refused("graph_scope", "a\"b", "scopes are printable ASCII");
	for (size_t i = 0; (name = revmon_conf_key(i, &help, &def)); i++)
		if (strcmp(name, "graph_scope") == 0)
			listed = !*def && strstr(help, "client-credentials") != NULL;
	assert_true(listed);
	revmon_conf_free(c);
}

static void test_source_kinds(void **state)
{
	const char *h = revmon_source_kinds_help(), *help = NULL;
	static const char *const kinds[][2] = {{"  sim\n", " sim:"}, {"  file:PATH\n", " file:PATH:"},
	                                       {"  graph\n", " graph:"}, {"  probe\n", " probe:"}};
	struct revmon_error err = {{0}};
	revmon_conf *c = revmon_conf_new("t", &err);

	(void)state;
	/* one list, in every help text: the key's, the adapters' */
	assert_string_equal(revmon_conf_key(0, &help, NULL), "source");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (!strstr(h, kinds[i][0]))
			fail_msg("kinds help '%s' lacks '%s'", h, kinds[i][0]);
		if (!strstr(help, kinds[i][1]))
			fail_msg("source help '%s' lacks '%s'", help, kinds[i][1]);
	}
	assert_int_equal(revmon_conf_set(c, "source", "graph", &err), 0);
	assert_int_equal(revmon_conf_set(c, "source", "probe", &err), 0);
	assert_int_equal(revmon_conf_set(c, "source", "file:-", &err), 0);
	assert_int_equal(revmon_conf_set(c, "source", "sim", &err), 0);
	assert_int_equal(revmon_conf_set(c, "source", "graph:x", &err), -1);
	assert_string_equal(err.msg, "source: 'graph:x' is not a source (expected sim, file:PATH, graph, loganalytics, eventhub or probe)");
	revmon_conf_free(c);
}

/* A host taking poll_interval anywhere and agentx_socket before the first
 * section, as the subagent does. */
struct host_seen {
	char log[256];
};

static int host_key(void *arg, const char *section, const char *key, const char *value,
                    struct revmon_error *why)
{
	struct host_seen *h = arg;
	size_t n = strlen(h->log);

	if (strcmp(key, "poll_interval") != 0 && strcmp(key, "agentx_socket") != 0)
		return 0;
	if (strcmp(key, "agentx_socket") == 0 && section) {
		snprintf(why->msg, sizeof why->msg, "only allowed before the first [section]");
		return -1;
	}
	snprintf(h->log + n, sizeof h->log - n, "%s:%s=%s;", section ? section : "-", key, value);
	return 1;
}

static void test_host_keys(void **state)
{
	const char *text = "agentx_socket = \"/run/x # y\"\npoll_interval = 5s ; c\n"
	                   "[a]\nwindow = 600\npoll_interval=1s\n";
	struct host_seen h = {""};
	struct revmon_error err = {{0}};
	revmon_conf **list = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(revmon_conf_parse_buffer_host(text, strlen(text), "h.conf", "d", host_key, &h,
	                                               &list, &n, &err), 0);
	assert_string_equal(h.log, "-:agentx_socket=/run/x # y;-:poll_interval=5s;a:poll_interval=1s;");
	assert_int_equal(n, 1);
	/* the host's keys are not the monitor's */
	{
		revmon_conf *c = revmon_conf_new("a", &err);

		assert_int_equal(revmon_conf_set(c, "window", "600", &err), 0);
		assert_true(revmon_conf_equal(list[0], c));
		revmon_conf_free(c);
	}
	revmon_conf_list_free(list, n);

	text = "[a]\nwindow = 600\nagentx_socket = /x\n";
	h.log[0] = '\0';
	assert_int_equal(revmon_conf_parse_buffer_host(text, strlen(text), "h.conf", "d", host_key, &h,
	                                               &list, &n, &err), -1);
	assert_string_equal(err.msg, "h.conf:3: agentx_socket: only allowed before the first [section]");
	assert_null(list);
	/* keys neither the core's nor the host's stay unknown; core keys never reach the host */
	text = "window = 600\nbogus = 1\n";
	assert_int_equal(revmon_conf_parse_buffer_host(text, strlen(text), "h.conf", "d", host_key, &h,
	                                               &list, &n, &err), -1);
	assert_string_equal(err.msg, "h.conf:2: bogus: unknown configuration key");
	assert_string_equal(h.log, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_urls_follow_the_rfcs),
		cmocka_unit_test(test_untrusted_files),
		cmocka_unit_test(test_accepts_and_defaults),
		cmocka_unit_test(test_open_refusals),
		cmocka_unit_test(test_file_format),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_key_listing),
		cmocka_unit_test(test_graph_scope),
		cmocka_unit_test(test_source_kinds),
		cmocka_unit_test(test_host_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
