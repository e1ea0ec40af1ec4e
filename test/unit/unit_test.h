/*-------------------------------------------------------------------------
 *
 * unit_test.h
 *		The assertions shared by the pure-C unit tests in test/unit:
 *		each check counts as passed or failed, a failure prints where and
 *		what, and unit_test_summary() prints the closing "N passed, N
 *		failed" line and gives the exit status.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_UNIT_TEST_H
#define PG_CAPACITY_UNIT_TEST_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int	checks_passed;
static int	checks_failed;
static const char *current_test = "";	/* set by a test runner, if any */

#define CHECK(cond) \
	do { \
		if (cond) \
			checks_passed++; \
		else \
		{ \
			checks_failed++; \
			printf("FAIL %s:%d: %s: CHECK(%s)\n", \
				   __FILE__, __LINE__, current_test, #cond); \
		} \
	} while (0)

#define CHECK_NEAR(a, b, eps) \
	do { \
		double		a_ = (double) (a); \
		double		b_ = (double) (b); \
		if (fabs(a_ - b_) <= (eps)) \
			checks_passed++; \
		else \
		{ \
			checks_failed++; \
			printf("FAIL %s:%d: %s: %s = %.17g, expected %.17g (eps %s)\n", \
				   __FILE__, __LINE__, current_test, #a, a_, b_, #eps); \
		} \
	} while (0)

/* uint64 equality, with both values printed on failure */
#define CHECK_U64(a, b) \
	do { \
		uint64_t	a_ = (uint64_t) (a); \
		uint64_t	b_ = (uint64_t) (b); \
		if (a_ == b_) \
			checks_passed++; \
		else \
		{ \
			checks_failed++; \
			printf("FAIL %s:%d: %s: %s = %llu, expected %llu\n", \
				   __FILE__, __LINE__, current_test, #a, \
				   (unsigned long long) a_, (unsigned long long) b_); \
		} \
	} while (0)

#define CHECK_STR(a, b) \
	do { \
		const char *a_ = (a); \
		const char *b_ = (b); \
		if (strcmp(a_, b_) == 0) \
			checks_passed++; \
		else \
		{ \
			checks_failed++; \
			printf("FAIL %s:%d: %s: %s = \"%s\", expected \"%s\"\n", \
				   __FILE__, __LINE__, current_test, #a, a_, b_); \
		} \
	} while (0)

/* The closing line the CI reads; the exit status of the test program. */
static inline int
unit_test_summary(void)
{
	printf("%d passed, %d failed\n", checks_passed, checks_failed);
	return checks_failed == 0 ? 0 : 1;
}

#endif							/* PG_CAPACITY_UNIT_TEST_H */
