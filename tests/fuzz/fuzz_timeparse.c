/* Timestamps: rm_time_parse over any bytes, and a round trip through
 * rm_time_format for every value it accepts. */
#include "fuzz.h"
#include "timeparse.h"

/* 9999-12-31T23:59:59.999Z */
#define MAX_MS 253402300799999LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = calloc(1, size ? size : 1), out[32], out2[32];
	int64_t ms = -1, back = -1;

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size); /* exact size, no NUL: a read past n is caught */
	if (rm_time_parse(s, size, &ms) == 0) {
		/* years 1970..9999, as the instant */
		FUZZ_CHECK(ms >= 0 && ms <= MAX_MS);
		rm_time_format(ms, 1, out, sizeof out);
		FUZZ_CHECK(strlen(out) == 24);
		FUZZ_CHECK(rm_time_parse(out, strlen(out), &back) == 0 && back == ms);
		rm_time_format(ms, 0, out2, sizeof out2);
		FUZZ_CHECK(strlen(out2) == 20);
		FUZZ_CHECK(rm_time_parse(out2, strlen(out2), &back) == 0 && back == ms - ms % 1000);
		/* formatting then parsing is the identity on the text */
		FUZZ_CHECK(memcmp(out, out2, 19) == 0);
	}
	/* days <-> civil, over the range the parser can produce */
	if (size >= 8) {
		int64_t z = 0, y;
		unsigned m, d;

		memcpy(&z, data, sizeof z);
		z %= 2932897; /* 0000-03-01 .. 9999-12-31 in days from 1970 */
		rm_civil_from_days(z, &y, &m, &d);
		FUZZ_CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31);
		FUZZ_CHECK(rm_days_from_civil(y, m, d) == z);
	}
	free(s);
	return 0;
}
