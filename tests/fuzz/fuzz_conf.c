/* The configuration: revmon_conf_parse_buffer over the whole input, the
 * settings each parsed monitor resolves to, the same with a host taking
 * keys of its own (revmon_conf_parse_buffer_host), and revmon_conf_set over
 * key/value pairs split from the input's lines ("key=value" or
 * "key<TAB>value"). */
#include "config.h"
#include "fuzz.h"
#include "revmon.h"

static void check_err(const struct revmon_error *err)
{
	FUZZ_CHECK(memchr(err->msg, '\0', sizeof err->msg) != NULL);
	FUZZ_CHECK(err->msg[0] != '\0');
}

static void check_conf(revmon_conf *c)
{
	struct revmon_error err = {{0}};
	struct rm_settings s;
	const char *name = revmon_conf_name(c);

	FUZZ_CHECK(name && strlen(name) >= 1 && strlen(name) <= 63);
	FUZZ_CHECK(revmon_conf_equal(c, c));
	FUZZ_CHECK(revmon_conf_fingerprint(c) == revmon_conf_fingerprint(c));
	memset(&s, 0, sizeof s);
	if (rm_settings_load(c, &s, &err) == 0)
		rm_settings_free(&s);
	else
		check_err(&err);
}

static int host_tag;

/* A host's keys: host_* are its own, refused when the value is empty. */
static int host_key(void *arg, const char *section, const char *key, const char *value,
                    struct revmon_error *why)
{
	(void)section;
	FUZZ_CHECK(arg == &host_tag && key[0] && !rm_conf_key_known(key));
	if (strncmp(key, "host_", 5) != 0)
		return 0;
	if (!*value) {
		snprintf(why->msg, sizeof why->msg, "empty");
		return -1;
	}
	return 1;
}

static void with_host(const char *buf, size_t len)
{
	struct revmon_error err = {{0}};
	revmon_conf **list = NULL;
	size_t n = 0;

	if (revmon_conf_parse_buffer_host(buf, len, "fuzz", "default", host_key, &host_tag,
	                                  &list, &n, &err) == 0) {
		FUZZ_CHECK(list != NULL && n >= 1);
		for (size_t i = 0; i < n; i++)
			check_conf(list[i]);
		revmon_conf_list_free(list, n);
	} else {
		check_err(&err);
		FUZZ_CHECK(list == NULL);
	}
}

static void pairs(const char *buf, size_t len)
{
	struct revmon_error err = {{0}};
	revmon_conf *c = revmon_conf_new("fuzz", &err);
	size_t p = 0;

	if (!c)
		abort();
	while (p < len) {
		const char *line = buf + p, *nl = memchr(line, '\n', len - p);
		size_t n = nl ? (size_t)(nl - line) : len - p, k;
		char *key, *value;

		p += n + (nl != NULL);
		for (k = 0; k < n && line[k] != '=' && line[k] != '\t'; k++)
			;
		if (k == n)
			continue;
		key = fuzz_cstr((const uint8_t *)line, k);
		value = fuzz_cstr((const uint8_t *)line + k + 1, n - k - 1);
		memset(&err, 0, sizeof err);
		if (revmon_conf_set(c, key, value, &err) < 0)
			check_err(&err);
		free(key);
		free(value);
	}
	check_conf(c);
	revmon_conf_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct revmon_error err = {{0}};
	revmon_conf **list = NULL;
	size_t n = 0;
	/* exact-size copy: the parser takes a length, not a string */
	char *buf = malloc(size ? size : 1);

	if (!buf)
		abort();
	if (size)
		memcpy(buf, data, size);
	if (revmon_conf_parse_buffer(buf, size, "fuzz", "default", &list, &n, &err) == 0) {
		FUZZ_CHECK(list != NULL && n >= 1);
		for (size_t i = 0; i < n; i++)
			check_conf(list[i]);
		revmon_conf_list_free(list, n);
	} else {
		check_err(&err);
	}
	with_host(buf, size);
	pairs(buf, size);
	free(buf);
	return 0;
}
