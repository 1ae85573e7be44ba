/* Small helpers shared by the unit tests (cmocka 1.1.5 has no float asserts). */
#ifndef REVMON_TESTUTIL_H
#define REVMON_TESTUTIL_H

#include <math.h>

#define assert_near(actual, expected, eps)                                                  \
	do {                                                                                \
		double a_ = (actual), e_ = (expected);                                      \
		if (!(fabs(a_ - e_) <= (eps)))                                              \
			fail_msg("%s = %.9g, expected %.9g (within %g)", #actual, a_, e_,  \
			         (double)(eps));                                            \
	} while (0)

#endif
