/* Minimal unit-test support: CHECK records a failure and goes on; the runner prints the
 * closing line "N passed, N failed" that CI reads, and exits non-zero on failure. */
#pragma once
#include <stdio.h>
#include <string.h>

static int unit_failed_checks;
static int unit_passed, unit_failed;

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			unit_failed_checks++;                                             \
		}                                                                         \
	} while (0)

#define CHECK_STR(a, b)                                                                   \
	do {                                                                              \
		const char *_a = (a), *_b = (b);                                          \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                                  \
			fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,  \
				_a ? _a : "(null)", _b ? _b : "(null)");                  \
			unit_failed_checks++;                                             \
		}                                                                         \
	} while (0)

#define RUN_TEST(fn)                                                                      \
	do {                                                                              \
		int _before = unit_failed_checks;                                         \
		fn();                                                                     \
		if (unit_failed_checks == _before) {                                      \
			unit_passed++;                                                    \
		} else {                                                                  \
			unit_failed++;                                                    \
			fprintf(stderr, "FAIL %s\n", #fn);                                \
		}                                                                         \
	} while (0)

#define UNIT_DONE()                                                                       \
	do {                                                                              \
		printf("%d passed, %d failed\n", unit_passed, unit_failed);               \
		return unit_failed ? 1 : 0;                                               \
	} while (0)
