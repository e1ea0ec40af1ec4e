/*-------------------------------------------------------------------------
 *
 * prng.h
 *		splitmix64: the deterministic pseudo-random numbers of the bloat
 *		sampler and of Theil-Sen's pair subsampling.  Seeded by the caller,
 *		so the same input gives the same answer.  Pure, header-only.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_PRNG_H
#define PG_CAPACITY_PRNG_H

#include <stdint.h>

static inline uint64_t
cap_random_next(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* uniform in [0, bound); the modulo bias is below 2^-40 for bounds under 2^24 */
static inline uint64_t
cap_random_below(uint64_t *state, uint64_t bound)
{
	if (bound <= 1)
		return 0;
	return cap_random_next(state) % bound;
}

/* uniform in [0, 1), 53 random bits */
static inline double
cap_random_unit(uint64_t *state)
{
	return (double) (cap_random_next(state) >> 11) / (double) (UINT64_C(1) << 53);
}

#endif							/* PG_CAPACITY_PRNG_H */
