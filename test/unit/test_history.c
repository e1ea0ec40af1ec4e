/*-------------------------------------------------------------------------
 *
 * test_history.c
 *		Exact tests of the history rings and rollups (src/history.c),
 *		built without the server: every expected figure is closed-form.
 *
 * Prints one line per failed check and, last, "N passed, N failed"
 * counting individual checks; exits 1 when any failed.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "unit_test.h"
#include "rates.h"


#define SEC(n) ((CapTime) (n) * CAP_USECS_PER_SEC)

static CapHistory *
new_history(int32_t raw, int32_t minute, int32_t hour, int32_t day)
{
	int32_t		cap[CAP_NUM_LEVELS] = {raw, minute, hour, day};
	CapHistory *h = malloc(cap_history_size(cap));

	cap_history_init(h, cap);
	return h;
}

/* sample at ts: metric 0 = v, metric 1 = v when even (else NULL), metric 2 = 7 */
static void
add(CapHistory *h, CapTime ts, double v, int i)
{
	CapSample	s;

	memset(&s, 0, sizeof(s));
	s.ts = ts;
	s.nulls = ~UINT64_C(0);
	s.v[0] = v;
	s.nulls &= ~UINT64_C(1);
	if (i % 2 == 0)
	{
		s.v[1] = v;
		s.nulls &= ~(UINT64_C(1) << 1);
	}
	s.v[2] = 7.0;
	s.nulls &= ~(UINT64_C(1) << 2);
	cap_history_add(h, &s);
}

static void
test_bucket_start(void)
{
	CHECK(cap_bucket_start(SEC(61), CAP_MINUTE) == SEC(60));
	CHECK(cap_bucket_start(SEC(60), CAP_MINUTE) == SEC(60));
	CHECK(cap_bucket_start(SEC(59), CAP_MINUTE) == 0);
	/* before 2000: floor, not truncation toward zero */
	CHECK(cap_bucket_start(SEC(-1), CAP_MINUTE) == SEC(-60));
	CHECK(cap_bucket_start(SEC(-60), CAP_MINUTE) == SEC(-60));
	CHECK(cap_bucket_start(SEC(3600 * 5 + 1799), CAP_HOUR) == SEC(3600 * 5));
	CHECK(cap_bucket_start(SEC(86400 * 3 + 86399), CAP_DAY) == SEC(86400 * 3));
	CHECK(cap_bucket_start(SEC(123), CAP_RAW) == SEC(123));
}

/* 180 one-second samples from a minute boundary: value i at second i */
static void
test_rollups(void)
{
	CapHistory *h = new_history(3600, 1440, 2160, 1096);
	CapTime		t0 = SEC(86400 * 100);	/* a day boundary */
	int			i;
	int			k;

	for (i = 0; i < 180; i++)
		add(h, t0 + SEC(i), (double) i, i);

	CHECK(cap_history_count(h, CAP_RAW) == 180);
	CHECK(cap_history_raw(h, 0)->ts == t0);
	CHECK(cap_history_raw(h, 179)->ts == t0 + SEC(179));
	CHECK(cap_history_raw(h, 180) == NULL);
	CHECK(cap_sample_isnull(cap_history_raw(h, 1), 1));
	CHECK(!cap_sample_isnull(cap_history_raw(h, 2), 1));

	/* two closed minutes and the open third one */
	CHECK(cap_history_count(h, CAP_MINUTE) == 3);
	CHECK(h->ring[CAP_MINUTE].count == 2);
	for (k = 0; k < 3; k++)
	{
		const CapBucket *b = cap_history_bucket(h, CAP_MINUTE, k);
		double		lo = 60.0 * k;

		CHECK(b != NULL);
		if (b == NULL)
			continue;
		CHECK(b->start == t0 + SEC(60 * k));
		CHECK(b->n[0] == 60);
		/* mean of lo..lo+59 is lo + 29.5; max lo + 59 */
		CHECK_NEAR(b->sum[0] / b->n[0], lo + 29.5, 1e-9);
		CHECK_NEAR(b->max[0], lo + 59, 0);
		/* metric 1 only at even seconds: lo, lo+2, ..., lo+58 */
		CHECK(b->n[1] == 30);
		CHECK_NEAR(b->sum[1] / b->n[1], lo + 29.0, 1e-9);
		CHECK_NEAR(b->max[1], lo + 58, 0);
		CHECK_NEAR(b->sum[2] / b->n[2], 7.0, 0);
		/* metric 3 was never set */
		CHECK(b->n[3] == 0);
	}
	CHECK(cap_history_bucket(h, CAP_MINUTE, 3) == NULL);

	/* the hour and the day are open, and hold every sample themselves */
	CHECK(cap_history_count(h, CAP_HOUR) == 1);
	CHECK(cap_history_count(h, CAP_DAY) == 1);
	CHECK(cap_history_bucket(h, CAP_HOUR, 0)->n[0] == 180);
	CHECK_NEAR(cap_history_bucket(h, CAP_HOUR, 0)->sum[0] / 180, 89.5, 1e-9);
	CHECK_NEAR(cap_history_bucket(h, CAP_DAY, 0)->max[0], 179, 0);

	/* the next hour closes the hour bucket */
	add(h, t0 + SEC(3600), 1000.0, 0);
	CHECK(cap_history_count(h, CAP_HOUR) == 2);
	CHECK(cap_history_bucket(h, CAP_HOUR, 0)->n[0] == 180);
	CHECK(cap_history_bucket(h, CAP_HOUR, 1)->n[0] == 1);
	CHECK(cap_history_bucket(h, CAP_HOUR, 1)->start == t0 + SEC(3600));
	CHECK(cap_history_count(h, CAP_DAY) == 1);
	CHECK(cap_history_bucket(h, CAP_DAY, 0)->n[0] == 181);
	CHECK_NEAR(cap_history_bucket(h, CAP_DAY, 0)->max[0], 1000.0, 0);

	cap_history_reset(h);
	for (k = 0; k < CAP_NUM_LEVELS; k++)
		CHECK(cap_history_count(h, k) == 0);
	free(h);
}

/* A ring keeps the newest "capacity" entries, oldest first. */
static void
test_wrap(void)
{
	CapHistory *h = new_history(10, 2, 2, 2);
	int			i;

	for (i = 0; i < 25; i++)
		add(h, SEC(i), (double) i, i);
	CHECK(cap_history_count(h, CAP_RAW) == 10);
	for (i = 0; i < 10; i++)
		CHECK_NEAR(cap_history_raw(h, i)->v[0], 15 + i, 0);

	/* 5 minutes, one sample each: 2 closed kept (minutes 2 and 3) + open 4 */
	cap_history_reset(h);
	for (i = 0; i < 5; i++)
		add(h, SEC(60 * i), (double) i, i);
	CHECK(cap_history_count(h, CAP_MINUTE) == 3);
	CHECK(cap_history_bucket(h, CAP_MINUTE, 0)->start == SEC(120));
	CHECK(cap_history_bucket(h, CAP_MINUTE, 1)->start == SEC(180));
	CHECK(cap_history_bucket(h, CAP_MINUTE, 2)->start == SEC(240));
	free(h);
}

/*
 * The clock going back: the sample is stamped just after the newest one, so
 * the rings stay in time order and the minute is not split in two.
 */
static void
test_clock_back(void)
{
	CapHistory *h = new_history(100, 10, 10, 10);
	CapSample	s;
	CapTime		floor;

	CHECK(!cap_history_floor(h, CAP_RAW, &floor));
	add(h, SEC(130), 1.0, 0);
	CHECK(cap_history_floor(h, CAP_RAW, &floor) && floor == SEC(130) + 1);
	add(h, SEC(70), 2.0, 0);
	CHECK(cap_history_raw(h, 1)->ts == SEC(130) + 1);
	CHECK(cap_history_count(h, CAP_MINUTE) == 1);
	CHECK(cap_history_bucket(h, CAP_MINUTE, 0)->start == SEC(120));
	CHECK(cap_history_bucket(h, CAP_MINUTE, 0)->n[0] == 2);
	/* a later sample goes on as usual, and the return value says the stamp */
	memset(&s, 0, sizeof(s));
	s.ts = SEC(200);
	s.nulls = ~UINT64_C(0);
	CHECK(cap_history_add(h, &s) == SEC(200));
	s.ts = SEC(10);
	CHECK(cap_history_add(h, &s) == SEC(200) + 1);
	CHECK(cap_history_count(h, CAP_MINUTE) == 2);
	/* a minute-level import floor is the open minute bucket's start */
	CHECK(cap_history_floor(h, CAP_MINUTE, &floor) && floor == SEC(180));
	free(h);
}

/* Dropping what lies after a time reopens the newest bucket left. */
static void
test_truncate_after(void)
{
	CapHistory *h = new_history(5, 10, 10, 10);
	int			i;

	for (i = 0; i < 8; i++)
		add(h, SEC(50 + 20 * i), (double) i, 0);	/* 50 .. 190 s: raw ring keeps 5 */
	CHECK(cap_history_count(h, CAP_RAW) == 5);
	CHECK(cap_history_count(h, CAP_MINUTE) == 4);	/* 0, 60, 120, 180 */
	/* drop what is after 100 s: raw 110..190 (all five kept), minutes 120, 180 */
	CHECK(cap_history_truncate_after(h, SEC(100)) == 5 + 2);
	CHECK(cap_history_count(h, CAP_RAW) == 0);
	CHECK(cap_history_count(h, CAP_MINUTE) == 2);
	CHECK(h->open_valid[CAP_MINUTE]);
	CHECK(cap_history_bucket(h, CAP_MINUTE, 1)->start == SEC(60));
	CHECK(cap_history_bucket(h, CAP_MINUTE, 1)->n[0] == 3);	/* 70, 90, 110 */
	/* the hour bucket starts at 0: kept, still open */
	CHECK(cap_history_count(h, CAP_HOUR) == 1 && h->open_valid[CAP_HOUR]);
	/* the next sample in the reopened minute joins it, not a duplicate */
	add(h, SEC(101), 1.0, 0);
	CHECK(cap_history_count(h, CAP_MINUTE) == 2);
	CHECK(cap_history_bucket(h, CAP_MINUTE, 1)->n[0] == 4);
	/* nothing after: nothing dropped */
	CHECK(cap_history_truncate_after(h, SEC(1000)) == 0);
	free(h);
}

/* Fill finds entries by binary search over a ring that has wrapped. */
static void
test_fill_wrapped(void)
{
	CapHistory *h = new_history(7, 10, 10, 10);
	int			i;

	for (i = 0; i < 20; i++)
		add(h, SEC(1000 + i), 1.0, 1);
	for (i = 13; i < 20; i++)
		CHECK(cap_history_fill(h, CAP_RAW, SEC(1000 + i), 3, (double) i) == 1);
	CHECK(cap_history_fill(h, CAP_RAW, SEC(1000 + 12), 3, 1.0) == 0);
	for (i = 0; i < 7; i++)
		CHECK_NEAR(cap_history_raw(h, i)->v[3], 13.0 + i, 0);
	free(h);
}

/* Loading pushes entries as they are and restores the open buckets. */
static void
test_load_path(void)
{
	CapHistory *a = new_history(50, 10, 10, 10);
	CapHistory *b = new_history(5, 1, 10, 10);
	int			i;
	int			l;

	for (i = 0; i < 200; i++)
		add(a, SEC(i), (double) i, i);
	for (i = 0; i < cap_history_count(a, CAP_RAW); i++)
		cap_history_push_raw(b, cap_history_raw(a, i));
	for (l = CAP_MINUTE; l < CAP_NUM_LEVELS; l++)
	{
		for (i = 0; i < a->ring[l].count; i++)
			cap_history_push_bucket(b, l, cap_history_bucket(a, l, i));
		cap_history_set_open(b, l, a->open_valid[l] ? &a->open[l] : NULL);
	}
	/* smaller rings keep the newest entries */
	CHECK(cap_history_count(b, CAP_RAW) == 5);
	CHECK_NEAR(cap_history_raw(b, 0)->v[0], 195, 0);
	CHECK(cap_history_count(b, CAP_MINUTE) == 2);
	CHECK(cap_history_bucket(b, CAP_MINUTE, 0)->start == SEC(120));
	CHECK(cap_history_bucket(b, CAP_MINUTE, 1)->start == SEC(180));
	CHECK(cap_history_bucket(b, CAP_MINUTE, 1)->n[0] == 20);
	CHECK(cap_history_bucket(b, CAP_HOUR, 0)->n[0] == 200);

	/* the layout fits in the size it announces */
	{
		int32_t		cap[CAP_NUM_LEVELS] = {5, 1, 10, 10};
		size_t		end = b->offset[CAP_DAY] + 10 * sizeof(CapBucket);

		CHECK(end <= cap_history_size(cap));
		CHECK(b->offset[CAP_RAW] >= sizeof(CapHistory));
	}
	free(a);
	free(b);
}

/* The default sizes: the figure README gives. */
static void
test_default_size(void)
{
	int32_t		cap[CAP_NUM_LEVELS] = {3600, 1440, 2160, 1096};
	size_t		size = cap_history_size(cap);

	printf("history with default retention: %zu bytes\n", size);
	CHECK(size < 8 * 1024 * 1024);
	CHECK(sizeof(CapBucket) == 8 + 4 * (CAP_NUM_METRICS + CAP_NUM_METRICS % 2) +
		  16 * CAP_NUM_METRICS);
}

/*
 * Writes and reads: transaction ids are live, counted transactions lag by
 * up to a second; ids are carried until their transactions are counted.
 */
static void
test_split_writes(void)
{
	double		carry = 0;
	double		w;
	double		sumw = 0;
	double		sumx = 0;
	int			i;

	/* steady: every transaction writes */
	w = cap_split_writes(100, 100, &carry);
	CHECK_NEAR(w, 100, 0);
	CHECK_NEAR(carry, 0, 0);

	/* ids lead: half counted now, the rest next interval */
	w = cap_split_writes(50, 100, &carry);
	CHECK_NEAR(w, 50, 0);
	CHECK_NEAR(carry, 50, 0);
	w = cap_split_writes(150, 100, &carry);
	CHECK_NEAR(w, 150, 0);
	CHECK_NEAR(carry, 0, 0);

	/* read-only: no ids, no writes */
	w = cap_split_writes(80, 0, &carry);
	CHECK_NEAR(w, 0, 0);

	/* two ids per transaction (subtransactions): the carry stays bounded */
	carry = 0;
	for (i = 0; i < 10; i++)
		w = cap_split_writes(100, 200, &carry);
	CHECK_NEAR(w, 100, 0);
	CHECK_NEAR(carry, 200, 0);

	/*
	 * A write-only load whose rate changes every second, seen by the
	 * statistics 0.9 s late: the writes add up to the ids less the carry,
	 * and after the first interval no reads are invented.
	 */
	carry = 0;
	{
		double		rate[12] = {1000, 1400, 800, 1200, 900, 1500, 700, 1100, 1300, 600, 1000, 1000};
		double		prev_rate = 0;
		bool		reads_invented = false;

		for (i = 0; i < 12; i++)
		{
			double		xids = rate[i];
			double		xacts = 0.1 * rate[i] + 0.9 * prev_rate;	/* 0.9 s late */

			w = cap_split_writes(xacts, xids, &carry);
			if (i > 0 && xacts - w > 1e-9)
				reads_invented = true;
			sumw += w;
			sumx += xids;
			prev_rate = rate[i];
		}
		CHECK(!reads_invented);
		CHECK_NEAR(sumw + carry, sumx, 1e-9);
		CHECK(carry <= rate[11]);
	}
}

/* Importing fills a metric in at times the history already has. */
static void
test_fill(void)
{
	CapHistory *h = new_history(100, 10, 10, 10);
	int			i;

	for (i = 0; i < 3; i++)
		add(h, SEC(60 + i), 1.0, 1);	/* metric 1 NULL (odd i), metric 3 never set */
	/* raw: the sample at 61 s gets metric 3 = 5, and the minute and hour too */
	CHECK(cap_history_fill(h, CAP_RAW, SEC(61), 3, 5.0) == 1);
	CHECK_NEAR(cap_history_raw(h, 1)->v[3], 5.0, 0);
	CHECK(!cap_sample_isnull(cap_history_raw(h, 1), 3));
	CHECK(cap_history_bucket(h, CAP_MINUTE, 0)->n[3] == 1);
	CHECK_NEAR(cap_history_bucket(h, CAP_HOUR, 0)->max[3], 5.0, 0);
	/* twice at the same time: refused; a time with no sample: not found */
	CHECK(cap_history_fill(h, CAP_RAW, SEC(61), 3, 6.0) == -1);
	CHECK(cap_history_fill(h, CAP_RAW, SEC(99), 3, 6.0) == 0);
	/* a minute bucket takes one more value, and so does its hour */
	CHECK(cap_history_fill(h, CAP_MINUTE, SEC(100), 3, 9.0) == 1);
	CHECK(cap_history_bucket(h, CAP_MINUTE, 0)->n[3] == 2);
	CHECK_NEAR(cap_history_bucket(h, CAP_MINUTE, 0)->sum[3], 14.0, 0);
	CHECK(cap_history_bucket(h, CAP_HOUR, 0)->n[3] == 2);
	CHECK(cap_history_fill(h, CAP_MINUTE, SEC(200), 3, 9.0) == 0);
	free(h);
}

int
main(void)
{
	test_bucket_start();
	test_rollups();
	test_wrap();
	test_clock_back();
	test_load_path();
	test_default_size();
	test_split_writes();
	test_fill();
	test_truncate_after();
	test_fill_wrapped();
	return unit_test_summary();
}
