/*-------------------------------------------------------------------------
 *
 * rates.h
 *		Pure formulas that turn two readings of cumulative counters into
 *		the sampler's per-interval figures.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_RATES_H
#define PG_CAPACITY_RATES_H

/*
 * Split the transactions counted in an interval into writes and reads.
 *
 * xacts: transactions the statistics counted in the interval (they reach
 * the statistics up to a second after they commit); xids: transaction ids
 * assigned in the interval (the counter is live, so it leads).  carry
 * holds, across calls, ids whose transactions have not been counted yet;
 * it is capped at one interval's worth of ids so that ids that never get a
 * transaction of their own (subtransactions) cannot pile up.
 *
 * Returns the writes of the interval, 0 <= writes <= xacts; the reads are
 * xacts - writes.  Over many intervals the writes add up to the ids
 * assigned, less at most one interval's worth still carried.
 */
static inline double
cap_split_writes(double xacts, double xids, double *carry)
{
	double		avail = xids + *carry;
	double		writes = avail < xacts ? avail : xacts;
	double		left = avail - writes;

	if (writes < 0)
		writes = 0;
	*carry = left < xids ? left : xids;
	if (*carry < 0)
		*carry = 0;
	return writes;
}

#endif							/* PG_CAPACITY_RATES_H */
