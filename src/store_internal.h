/*-------------------------------------------------------------------------
 *
 * store_internal.h
 *		The shared-memory struct of the history store.  Included by store.c
 *		and store_file.c only: everything else goes through store.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_STORE_INTERNAL_H
#define PG_CAPACITY_STORE_INTERNAL_H

#include "storage/lwlock.h"

#include "store.h"

/* State in shared memory; hist must be last (its arrays follow it). */
typedef struct CapShared
{
	LWLock	   *lock;			/* protects everything below */
	int			worker_pid;		/* 0 when no sampler runs */
	bool		is_standby;		/* role at the last sample */
	bool		loaded;			/* history file read into this memory */
	int			connect_failures;	/* consecutive failed starts of the worker */
	uint64		reset_generation;	/* bumped by reset_history() */
	TimestampTz last_sample_at;
	TimestampTz last_persist_at;
	uint64		changes;		/* bumped by every change of hist */
	Size		total_size;		/* bytes of this struct with hist */
	CapHistory	hist;
} CapShared;

extern CapShared *cap_shared;

/*
 * Drop the entries stamped more than CAP_CLOCK_LEAD_MAX after now; the lock
 * held exclusively.  Returns how many were dropped.
 */
extern int32 cap_store_clamp_to_clock(TimestampTz now);

#endif							/* PG_CAPACITY_STORE_INTERNAL_H */
