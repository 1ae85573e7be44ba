#include "config_map.h"

#include <ctype.h>
#include <stdio.h>

int cm_core_key(const char *key, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; key[i]; i++) {
		unsigned char c = (unsigned char)key[i];
		unsigned char prev = i ? (unsigned char)key[i - 1] : 0;
		unsigned char next = (unsigned char)key[i + 1];
		/* A word starts at an upper-case letter after a lower-case one or
		 * a digit, or at the last capital of an acronym ("CAEPropagation"). */
		int word = i > 0 && isupper(c) &&
		           (islower(prev) || isdigit(prev) || (isupper(prev) && islower(next)));

		if (o + (size_t)word + 1 >= size)
			return -1;
		if (word)
			out[o++] = '_';
		out[o++] = (char)tolower(c);
	}
	if (size)
		out[o] = '\0';
	return o ? 0 : -1;
}

const char *cm_option_text(const oconfig_item_t *item, char *buf, size_t size)
{
	const oconfig_value_t *v;

	if (item->values_num != 1)
		return NULL;
	v = &item->values[0];
	switch (v->type) {
	case OCONFIG_TYPE_STRING:
		return v->value.string;
	case OCONFIG_TYPE_NUMBER:
		/* 15 digits give back the decimal the user wrote (0.05, 300). */
		snprintf(buf, size, "%.15g", v->value.number);
		return buf;
	case OCONFIG_TYPE_BOOLEAN:
		return v->value.boolean ? "true" : "false";
	default:
		return NULL;
	}
}
