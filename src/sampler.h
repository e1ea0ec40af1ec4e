/*-------------------------------------------------------------------------
 *
 * sampler.h
 *		The sampler worker (sampler.c) and the sample it takes (sources.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_SAMPLER_H
#define PG_CAPACITY_SAMPLER_H

#include "postgres.h"

#define CAP_WORKER_TYPE			"pg_capacity sampler"

/* The worker's entry point (sampler.c) */
extern PGDLLEXPORT void pg_capacity_worker_main(Datum main_arg);

/*
 * What one sample reads (sources.c): the per-source baselines that rates
 * are computed from, kept between samples in TopMemoryContext.
 */
typedef struct SamplerState SamplerState;

extern SamplerState *cap_sources_init(void);

/* Take one sample into the history store. */
extern void cap_take_sample(SamplerState *st);

/* Forget every baseline: the next sample has no rates (after a pause). */
extern void cap_forget_baselines(SamplerState *st);

/* Microseconds on the monotonic clock: for the cadence and for rates. */
extern int64 cap_mono_us(void);

#endif							/* PG_CAPACITY_SAMPLER_H */
