/* Checks of the eventhub source's list and pass-through keys. */
#include "conf_eventhub.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

const char rm_rdkafka_prefix[] = "eventhub_rdkafka.";

static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* One host:port of length n at p. */
static int hostport_ok(const char *p, size_t n)
{
	const char *colon;
	size_t hl;
	long port = 0;

	if (n > 0 && p[0] == '[') {
		const char *close = memchr(p, ']', n);

		if (!close || close == p + 1 || close + 1 >= p + n || close[1] != ':')
			return 0;
		for (const char *q = p + 1; q < close; q++)
			if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
				return 0;
		colon = close + 1;
	} else {
		colon = NULL;
		for (size_t i = 0; i < n; i++)
			if (p[i] == ':')
				colon = p + i;
		if (!colon || colon == p)
			return 0;
		hl = (size_t)(colon - p);
		for (size_t i = 0; i < hl; i++)
			if (!strchr(alnum, p[i]) && p[i] != '.' && p[i] != '-')
				return 0;
	}
	if (colon + 1 >= p + n || (size_t)(p + n - colon - 1) > 5)
		return 0;
	for (const char *q = colon + 1; q < p + n; q++) {
		if (!isdigit((unsigned char)*q))
			return 0;
		port = port * 10 + (*q - '0');
	}
	return port >= 1 && port <= 65535;
}

int rm_conf_check_hostports(const char *key, const char *v, struct revmon_error *err)
{
	const char *p = v;

	if (!*v || strlen(v) > 2048)
		goto bad;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (!hostport_ok(p, n))
			goto bad;
		if (!comma)
			return 0;
		p = comma + 1;
	}
bad:
	rm_errorf(err, "%s: '%s' is not host:port[,host:port...] (e.g. NAMESPACE.servicebus.windows.net:9093)",
	          key, v);
	return -1;
}

int rm_conf_check_topics(const char *key, const char *v, struct revmon_error *err)
{
	const char *p = v;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p), ok = 0;

		while (ok < n && (strchr(alnum, p[ok]) || p[ok] == '.' || p[ok] == '_' || p[ok] == '-'))
			ok++;
		if (n == 0 || n > 249 || ok != n) {
			rm_errorf(err, "%s: '%s' is not a list of event hub names (comma-separated, each 1-249 "
			          "of letters, digits, '.', '_', '-')", key, v);
			return -1;
		}
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* Properties revmon sets itself, and why a configuration may not. */
static const struct {
	const char *name;
	const char *why;
} owned[] = {
	{"bootstrap.servers", "set eventhub_bootstrap instead"},
	{"metadata.broker.list", "set eventhub_bootstrap instead"},
	{"group.id", "set eventhub_group instead"},
	{"sasl.username", "revmon sets it ($ConnectionString for a connection string)"},
	{"sasl.password", "a secret: it comes from eventhub_connection_string_file or _env, never the configuration"},
	{"sasl.oauthbearer.client.secret", "a secret: revmon signs in with the graph_* identity keys"},
	{"sasl.oauthbearer.config", "revmon supplies OAUTHBEARER tokens from the graph_* identity"},
	{"ssl.key.password", "a secret: not in the configuration"},
	{"ssl.keystore.password", "a secret: not in the configuration"},
	{"ssl.key.pem", "a secret: not in the configuration"},
	{"sasl.kerberos.keytab", "not used with Event Hubs"},
	{"enable.auto.commit", "revmon commits offsets itself, once the state holding them is saved"},
	{"enable.auto.offset.store", "revmon stores offsets itself, once their records are ingested"},
	{"auto.commit.interval.ms", "revmon commits offsets itself, once the state holding them is saved"},
	{"enable.ssl.certificate.verification", "TLS verification cannot be turned off"},
	{"ssl.endpoint.identification.algorithm", "TLS verification cannot be turned off"},
	{"log.queue", "revmon routes librdkafka's logs itself"},
	{"plugin.library.paths", "revmon loads no librdkafka plugins"},
};

int rm_conf_check_rdkafka(const char *key, const char *v, struct revmon_error *err)
{
	const char *prop = key + strlen(rm_rdkafka_prefix);
	size_t n = strlen(prop);

	if (n == 0 || n > 128 || strspn(prop, "abcdefghijklmnopqrstuvwxyz0123456789._") != n) {
		rm_errorf(err, "%s: '%s' is not a librdkafka property name (lower-case letters, digits, "
		          "'.', '_')", key, prop);
		return -1;
	}
	for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
		if (strcmp(prop, owned[i].name) == 0) {
			rm_errorf(err, "%s: refused: %s", key, owned[i].why);
			return -1;
		}
	if (!*v || strlen(v) > 1024)
		goto bad;
	for (const char *q = v; *q; q++)
		if ((unsigned char)*q < ' ' || (unsigned char)*q > '~')
			goto bad;
	if (strcmp(prop, "security.protocol") == 0 && strcasecmp(v, "sasl_ssl") != 0 &&
	    strcasecmp(v, "ssl") != 0 && strcasecmp(v, "plaintext") != 0 &&
	    strcasecmp(v, "sasl_plaintext") != 0) {
		rm_errorf(err, "%s: '%s' is not sasl_ssl, ssl, plaintext or sasl_plaintext", key, v);
		return -1;
	}
	return 0;
bad:
	rm_errorf(err, "%s: empty, overlong or not printable ASCII", key);
	return -1;
}
