/* Platform names: logs spell one platform many ways and append versions, and
 * a breakdown per platform must not split one into many rows. */
#include "platform.h"

#include <string.h>
#include <strings.h>

static const struct {
	const char *prefix; /* matched case-insensitively at the start */
	const char *name;
} known[] = {
	{"ios", "iOS"},          {"iphone", "iOS"},       {"ipad", "iOS"},
	{"android", "Android"},  {"macos", "macOS"},      {"mac os", "macOS"},
	{"macintosh", "macOS"},  {"os x", "macOS"},       {"windows", "Windows"},
	{"linux", "Linux"},      {"ubuntu", "Linux"},     {"chromeos", "ChromeOS"},
	{"chrome os", "ChromeOS"},
};

static void copy_out(char *out, size_t n, const char *p, size_t len)
{
	if (len >= n)
		len = n - 1;
	if (len)
		memcpy(out, p, len); /* p may be NULL when len is 0 */
	out[len] = '\0';
}

char *rm_platform_of(struct rm_str os, char *out, size_t n)
{
	const char *p = os.p;
	size_t len = os.n, w = 0;

	while (len && (*p == ' ' || *p == '\t'))
		p++, len--;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		size_t k = strlen(known[i].prefix);

		if (len >= k && strncasecmp(p, known[i].prefix, k) == 0) {
			copy_out(out, n, known[i].name, strlen(known[i].name));
			return out;
		}
	}
	/* an unknown platform: its first word, without a version */
	while (w < len && p[w] != ' ' && p[w] != '\t' && p[w] != '/' && p[w] != '\\' && p[w] != '"')
		w++;
	copy_out(out, n, p, w);
	return out;
}
