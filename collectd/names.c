/* Per-family collectd identifiers; see names.h. */
#include <stdio.h>
#include <string.h>

#include "names.h"

static int kept(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_';
}

/* "METRIC-" and the sanitised label into out, at most limit characters
 * (limit < size); 1 when the label did not fit whole. */
static int put(const char *metric, const char *label, char *out, size_t size, size_t limit)
{
	size_t o = (size_t)snprintf(out, size, "%s-", metric);
	const char *p = label;

	if (o > limit)
		o = limit;
	for (; *p && o < limit; p++)
		out[o++] = kept(*p) ? *p : '_';
	out[o] = '\0';
	return *p != '\0';
}

void cn_family_instance_indexed(const char *metric, const char *label, unsigned index,
                                char *out, size_t size)
{
	char suffix[16];
	size_t n = (size_t)snprintf(suffix, sizeof suffix, "-%u", index);

	put(metric, label, out, size, size - 1 - n);
	memcpy(out + strlen(out), suffix, n + 1);
}

int cn_family_instance(const char *metric, const char *label, unsigned index, char *out,
                       size_t size)
{
	if (!put(metric, label, out, size, size - 1))
		return 0;
	cn_family_instance_indexed(metric, label, index, out, size);
	return 1;
}

int cn_label_clash(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if ((kept(*a) ? *a : '_') != (kept(*b) ? *b : '_'))
			return 0;
	return *a == *b;
}
