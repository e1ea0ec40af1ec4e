/*-------------------------------------------------------------------------
 *
 * clock_shim.c
 *		An LD_PRELOAD shim for the clock-step tests (test/t/013_clock.pl):
 *		shifts the wall clock of every process it is loaded into by a
 *		number of seconds read from a file, and leaves the monotonic clocks
 *		alone, as an NTP step or a resumed VM does.
 *
 * The file named by PGC_CLOCK_OFFSET_FILE holds a signed number of
 * seconds; it is re-read at most every 50 ms (by the real monotonic
 * clock), so a test steps the clock of a running server by rewriting it.
 * gettimeofday(), clock_gettime(CLOCK_REALTIME*) and time() are shifted.
 * Built by the test itself: cc -shared -fPIC -o clock_shim.so clock_shim.c -ldl
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

typedef int (*clock_gettime_fn) (clockid_t, struct timespec *);

static clock_gettime_fn real_clock_gettime;
static long long offset_sec;
static long long next_read_ns;

static void
refresh_offset(void)
{
	struct timespec now;
	const char *path;
	FILE	   *f;
	long long	v;

	if (real_clock_gettime == NULL)
		real_clock_gettime = (clock_gettime_fn) dlsym(RTLD_NEXT, "clock_gettime");
	real_clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec * 1000000000LL + now.tv_nsec < next_read_ns)
		return;
	next_read_ns = now.tv_sec * 1000000000LL + now.tv_nsec + 50000000LL;
	path = getenv("PGC_CLOCK_OFFSET_FILE");
	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return;
	if (fscanf(f, "%lld", &v) == 1)
		offset_sec = v;
	fclose(f);
}

int
clock_gettime(clockid_t clk, struct timespec *tp)
{
	int			rc;

	refresh_offset();
	rc = real_clock_gettime(clk, tp);
	if (rc == 0 && (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE))
		tp->tv_sec += offset_sec;
	return rc;
}

int
gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;

	(void) tz;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

time_t
time(time_t *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
