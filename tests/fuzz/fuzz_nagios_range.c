/* Nagios threshold ranges: nr_range_parse, and nr_range_alert on what it
 * accepts. */
#include <math.h>

#include "fuzz.h"
#include "range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct nr_range r;

	if (nr_range_parse(s, &r) == 0) {
		FUZZ_CHECK(strlen(s) < sizeof r.text && strcmp(r.text, s) == 0);
		FUZZ_CHECK(r.start_inf || isfinite(r.start));
		FUZZ_CHECK(r.end_inf || isfinite(r.end));
		FUZZ_CHECK(r.start_inf || r.end_inf || r.start <= r.end);
		/* the ends are inside the range, values beyond them outside */
		if (!r.start_inf) {
			FUZZ_CHECK(nr_range_alert(&r, r.start) == r.inside);
			if (r.start > -1e300)
				FUZZ_CHECK(nr_range_alert(&r, r.start - fabs(r.start) - 1) != r.inside);
		}
		if (!r.end_inf) {
			FUZZ_CHECK(nr_range_alert(&r, r.end) == r.inside);
			if (r.end < 1e300)
				FUZZ_CHECK(nr_range_alert(&r, r.end + fabs(r.end) + 1) != r.inside);
		}
	}
	free(s);
	return 0;
}
