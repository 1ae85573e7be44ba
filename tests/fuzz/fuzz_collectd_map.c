/* The collectd configuration mapping: an option (name and one typed value,
 * both from the input) turned into a core key and value, then handed to the
 * core's validation, as the plugin does for each line of a <Source> block. */
#include <ctype.h>

#include "config_map.h"
#include "fuzz.h"
#include "revmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char key[64], buf[64], *name, *str;
	const char *text;
	oconfig_value_t value;
	oconfig_item_t item;
	struct revmon_error err;
	revmon_conf *c;
	size_t split;
	double num = 0;

	if (size < 2)
		return 0;
	/* byte 0: the value's type; then NAME '\0' VALUE */
	split = 1;
	while (split < size && data[split] != 0)
		split++;
	name = strndup((const char *)data + 1, split - 1);
	str = strndup(split < size ? (const char *)data + split + 1 : "", split < size ? size - split - 1 : 0);
	if (!name || !str)
		abort();
	memset(&item, 0, sizeof item);
	item.key = name;
	item.values = &value;
	item.values_num = data[0] & 0x80 ? 2 : 1; /* a wrong count must be refused */
	switch (data[0] % 3) {
	case 0:
		value.type = OCONFIG_TYPE_STRING;
		value.value.string = str;
		break;
	case 1:
		memcpy(&num, str, strlen(str) < sizeof num ? strlen(str) : sizeof num);
		value.type = OCONFIG_TYPE_NUMBER;
		value.value.number = num;
		break;
	default:
		value.type = OCONFIG_TYPE_BOOLEAN;
		value.value.boolean = str[0] & 1;
	}
	if (item.values_num == 2) {
		FUZZ_CHECK(cm_option_text(&item, buf, sizeof buf) == NULL);
		goto out;
	}
	text = cm_option_text(&item, buf, sizeof buf);
	if (cm_core_key(name, key, sizeof key) == 0) {
		FUZZ_CHECK(strlen(key) < sizeof key);
		for (const char *p = key; *p; p++)
			FUZZ_CHECK(!isupper((unsigned char)*p));
		if (text) {
			c = revmon_conf_new("fuzz", &err);
			if (!c)
				abort();
			if (revmon_conf_set(c, key, text, &err) < 0)
				FUZZ_CHECK(err.msg[0] != '\0');
			revmon_conf_free(c);
		}
	}
out:
	free(name);
	free(str);
	return 0;
}
