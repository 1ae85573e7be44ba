/* The 50173 failure text parser, over raw JSON string contents. */
#include "aadsts_text.h"
#include "fuzz.h"

#define MAX_MS 253402300799999LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	int64_t g = -1, v = -1;
	int r;

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size); /* exact size: the text is not NUL-terminated */
	r = rm_aadsts_50173_times((struct rm_str){s, size}, &g, &v);
	FUZZ_CHECK(r == 0 || r == 1 || r == -1);
	if (r == -1)
		FUZZ_CHECK(g == 0 && v == 0);
	if (r == 1)
		FUZZ_CHECK(g == 0 && v >= 0 && v <= MAX_MS);
	if (r == 0)
		FUZZ_CHECK(g >= 0 && g <= MAX_MS && v >= 0 && v <= MAX_MS);
	free(s);
	return 0;
}
