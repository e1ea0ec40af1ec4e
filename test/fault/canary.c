/*
 * canary.c: the positive control of test/fault/faults.sh's valgrind
 * scenario.  fault_canary() reads one int past the end of a malloc'd block,
 * which memcheck reports as "Invalid read of size 4" with a frame in
 * canary.c: if that report does not show up, valgrind is not watching the
 * backends (or the report parser is broken), and a clean result for
 * pg_capacity would mean nothing.  Built by faults.sh into its scratch
 * directory; never installed.
 */
#include "postgres.h"

#include <stdlib.h>

#include "fmgr.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(fault_canary);

Datum
fault_canary(PG_FUNCTION_ARGS)
{
	int		   *p = malloc(4 * sizeof(int));
	volatile int v;

	if (p == NULL)
		PG_RETURN_INT32(0);
	v = p[4];					/* deliberately out of bounds */
	free(p);
	PG_RETURN_INT32(v != 0);
}
