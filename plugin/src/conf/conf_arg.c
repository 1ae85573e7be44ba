/* One `KEY=VALUE` argument (a host's --set option) onto a configuration:
 * the check and the CLI share this instead of each splitting it. */
#include <stdio.h>
#include <string.h>

#include "revmon.h"

/* Longer keys are no key of ours; refused as malformed, as the hosts did. */
#define KEY_MAX 128

int revmon_conf_set_arg(revmon_conf *c, const char *key_eq_value, struct revmon_error *err)
{
	const char *eq = strchr(key_eq_value, '=');
	size_t kl = eq ? (size_t)(eq - key_eq_value) : 0;
	char key[KEY_MAX];
	int rc = -1;

	if (!eq || kl == 0 || kl >= sizeof key) {
		snprintf(err->msg, sizeof err->msg, "%s: expected KEY=VALUE", key_eq_value);
		goto out;
	}
	memcpy(key, key_eq_value, kl);
	key[kl] = '\0';
	/* -2: the split worked, the key or its value was refused */
	rc = revmon_conf_set(c, key, eq + 1, err) < 0 ? -2 : 0;
out:
	return rc;
}
