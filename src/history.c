/*-------------------------------------------------------------------------
 *
 * history.c
 *		Ring buffers of raw samples and of minute, hour and day rollups
 *		(see history.h).  Pure code: no server calls, no allocation.
 *
 * Every raw sample is folded directly into the open bucket of each rollup
 * level, so a level never depends on another level's rounding: the mean of
 * an hour is the mean of its samples, and its maximum the largest sample.
 * A bucket is closed, and moved into its ring, when a sample arrives that
 * belongs to another bucket of that level.
 *
 * Every ring is kept in time order, which the readers and the binary
 * searches here rely on: a sample stamped before the newest entry (the wall
 * clock stepped back) is stamped at that entry instead (see
 * cap_history_floor); cap_history_truncate_after() drops entries stamped
 * after a time (a clock that was ahead, a file from the future).
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "history.h"

const char *const cap_level_names[CAP_NUM_LEVELS] = {"raw", "minute", "hour", "day"};

const CapTime cap_level_width[CAP_NUM_LEVELS] = {
	0,
	60 * CAP_USECS_PER_SEC,
	3600 * CAP_USECS_PER_SEC,
	86400 * CAP_USECS_PER_SEC
};

static size_t
entry_size(CapLevel level)
{
	return level == CAP_RAW ? sizeof(CapSample) : sizeof(CapBucket);
}

static size_t
align8(size_t n)
{
	return (n + 7) & ~(size_t) 7;
}

size_t
cap_history_size(const int32_t capacity[CAP_NUM_LEVELS])
{
	size_t		size = align8(sizeof(CapHistory));
	int			l;

	for (l = 0; l < CAP_NUM_LEVELS; l++)
		size += align8(entry_size(l) * (size_t) capacity[l]);
	return size;
}

void
cap_history_init(CapHistory *h, const int32_t capacity[CAP_NUM_LEVELS])
{
	size_t		off = align8(sizeof(CapHistory));
	int			l;

	memset(h, 0, sizeof(CapHistory));
	for (l = 0; l < CAP_NUM_LEVELS; l++)
	{
		h->ring[l].capacity = capacity[l];
		h->offset[l] = off;
		off += align8(entry_size(l) * (size_t) capacity[l]);
	}
	cap_history_reset(h);
}

void
cap_history_reset(CapHistory *h)
{
	int			l;

	for (l = 0; l < CAP_NUM_LEVELS; l++)
	{
		h->ring[l].count = 0;
		h->ring[l].next = 0;
		h->open_valid[l] = false;
		/* zeroed entries keep padding deterministic in the history file */
		memset((char *) h + h->offset[l], 0,
			   entry_size(l) * (size_t) h->ring[l].capacity);
		memset(&h->open[l], 0, sizeof(CapBucket));
	}
}

static void *
slot(const CapHistory *h, CapLevel level, int32_t physical)
{
	return (char *) h + h->offset[level] + entry_size(level) * (size_t) physical;
}

/* Physical slot of the i-th oldest entry of a ring. */
static int32_t
physical_index(const CapRing *r, int32_t i)
{
	int32_t		first = r->next - r->count;

	if (first < 0)
		first += r->capacity;
	return (first + i) % r->capacity;
}

static void
ring_push(CapHistory *h, CapLevel level, const void *entry)
{
	CapRing    *r = &h->ring[level];

	if (r->capacity <= 0)
		return;
	memcpy(slot(h, level, r->next), entry, entry_size(level));
	r->next = (r->next + 1) % r->capacity;
	if (r->count < r->capacity)
		r->count++;
}

CapTime
cap_bucket_start(CapTime ts, CapLevel level)
{
	CapTime		width = cap_level_width[level];
	CapTime		q;

	if (width <= 0)
		return ts;
	q = ts / width;
	if (ts % width != 0 && ts < 0)
		q--;					/* floor, not truncation, before 2000 */
	return q * width;
}

void
cap_bucket_add(CapBucket *b, const CapSample *s)
{
	int			m;

	for (m = 0; m < CAP_NUM_METRICS; m++)
	{
		double		v;

		if (cap_sample_isnull(s, m))
			continue;
		v = s->v[m];
		if (b->n[m] == 0 || v > b->max[m])
			b->max[m] = v;
		b->sum[m] += v;
		b->n[m]++;
	}
}

CapTime
cap_history_add(CapHistory *h, const CapSample *s)
{
	return cap_history_add_from(h, s, CAP_RAW);
}

/* Newest time held at a level: the last raw stamp, or the newest bucket's start. */
static bool
level_newest(const CapHistory *h, CapLevel level, CapTime *newest)
{
	const CapRing *r = &h->ring[level];

	if (level == CAP_RAW)
	{
		if (r->count == 0)
			return false;
		*newest = ((const CapSample *) slot(h, CAP_RAW, physical_index(r, r->count - 1)))->ts;
		return true;
	}
	if (h->open_valid[level])
	{
		*newest = h->open[level].start;
		return true;
	}
	if (r->count == 0)
		return false;
	*newest = ((const CapBucket *) slot(h, level, physical_index(r, r->count - 1)))->start;
	return true;
}

bool
cap_history_floor(const CapHistory *h, CapLevel first, CapTime *floor)
{
	bool		any = false;
	int			l;

	for (l = first; l < CAP_NUM_LEVELS; l++)
	{
		CapTime		t;

		if (!level_newest(h, l, &t))
			continue;
		if (l == CAP_RAW)
			t += 1;				/* raw stamps are strictly increasing */
		if (!any || t > *floor)
			*floor = t;
		any = true;
	}
	return any;
}

CapTime
cap_history_add_from(CapHistory *h, const CapSample *sample, CapLevel first)
{
	CapSample	copy = *sample;
	const CapSample *s = &copy;
	CapTime		floor;
	int			l;

	/* keep every level in time order: never stamp before what it holds */
	if (cap_history_floor(h, first, &floor) && copy.ts < floor)
		copy.ts = floor;

	if (first == CAP_RAW)
		ring_push(h, CAP_RAW, s);

	for (l = (first == CAP_RAW ? CAP_MINUTE : first); l < CAP_NUM_LEVELS; l++)
	{
		CapTime		start = cap_bucket_start(s->ts, l);
		CapBucket  *open = &h->open[l];

		/* a sample of a later bucket closes the open one */
		if (h->open_valid[l] && open->start != start)
		{
			ring_push(h, l, open);
			h->open_valid[l] = false;
		}
		if (!h->open_valid[l])
		{
			memset(open, 0, sizeof(CapBucket));
			open->start = start;
			h->open_valid[l] = true;
		}
		cap_bucket_add(open, s);
	}
	return copy.ts;
}

/* Remove the newest entry of a ring, zeroing its slot. */
static void
ring_pop(CapHistory *h, CapLevel level)
{
	CapRing    *r = &h->ring[level];

	if (r->count == 0)
		return;
	r->next = (r->next == 0 ? r->capacity : r->next) - 1;
	r->count--;
	memset(slot(h, level, r->next), 0, entry_size(level));
}

int32_t
cap_history_truncate_after(CapHistory *h, CapTime t)
{
	int32_t		dropped = 0;
	int			l;

	for (l = 0; l < CAP_NUM_LEVELS; l++)
	{
		CapRing    *r = &h->ring[l];
		bool		cut = false;
		CapTime		newest;

		if (l != CAP_RAW && h->open_valid[l] && h->open[l].start > t)
		{
			h->open_valid[l] = false;
			memset(&h->open[l], 0, sizeof(CapBucket));
			dropped++;
			cut = true;
		}
		while (r->count > 0)
		{
			newest = (l == CAP_RAW) ?
				((const CapSample *) slot(h, l, physical_index(r, r->count - 1)))->ts :
				((const CapBucket *) slot(h, l, physical_index(r, r->count - 1)))->start;
			if (newest <= t)
				break;
			ring_pop(h, l);
			dropped++;
			cut = true;
		}
		/* the newest bucket left is the one still filling: reopen it */
		if (cut && l != CAP_RAW && !h->open_valid[l] && r->count > 0)
		{
			h->open[l] = *(const CapBucket *) slot(h, l, physical_index(r, r->count - 1));
			ring_pop(h, l);
			h->open_valid[l] = true;
		}
	}
	return dropped;
}

int32_t
cap_history_count(const CapHistory *h, CapLevel level)
{
	return h->ring[level].count + (level != CAP_RAW && h->open_valid[level] ? 1 : 0);
}

const CapSample *
cap_history_raw(const CapHistory *h, int32_t i)
{
	const CapRing *r = &h->ring[CAP_RAW];

	if (i < 0 || i >= r->count)
		return NULL;
	return (const CapSample *) slot(h, CAP_RAW, physical_index(r, i));
}

const CapBucket *
cap_history_bucket(const CapHistory *h, CapLevel level, int32_t i)
{
	const CapRing *r = &h->ring[level];

	if (level == CAP_RAW || i < 0)
		return NULL;
	if (i < r->count)
		return (const CapBucket *) slot(h, level, physical_index(r, i));
	if (i == r->count && h->open_valid[level])
		return &h->open[level];
	return NULL;
}

/*
 * Logical index of the entry stamped (raw) or starting (rollup) at t, by
 * binary search over a ring kept in time order; -1 if none.
 */
static int32_t
ring_search(const CapHistory *h, CapLevel level, CapTime t)
{
	const CapRing *r = &h->ring[level];
	int32_t		lo = 0;
	int32_t		hi = r->count - 1;

	while (lo <= hi)
	{
		int32_t		mid = lo + (hi - lo) / 2;
		const void *e = slot(h, level, physical_index(r, mid));
		CapTime		et = (level == CAP_RAW) ? ((const CapSample *) e)->ts :
			((const CapBucket *) e)->start;

		if (et == t)
			return mid;
		if (et < t)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* The bucket of a level that starts at start; NULL if none. */
static CapBucket *
find_bucket(CapHistory *h, CapLevel level, CapTime start)
{
	int32_t		i;

	if (h->open_valid[level] && h->open[level].start == start)
		return &h->open[level];
	i = ring_search(h, level, start);
	return i < 0 ? NULL : (CapBucket *) slot(h, level, physical_index(&h->ring[level], i));
}

static void
bucket_put(CapBucket *b, int metric, double v)
{
	if (b->n[metric] == 0 || v > b->max[metric])
		b->max[metric] = v;
	b->sum[metric] += v;
	b->n[metric]++;
}

int
cap_history_fill(CapHistory *h, CapLevel first, CapTime ts, int metric, double v)
{
	int			l;

	if (first == CAP_RAW)
	{
		int32_t		i = ring_search(h, CAP_RAW, ts);
		CapSample  *found;

		if (i < 0)
			return 0;
		found = (CapSample *) slot(h, CAP_RAW, physical_index(&h->ring[CAP_RAW], i));
		if (!cap_sample_isnull(found, metric))
			return -1;
		found->v[metric] = v;
		found->nulls &= ~(UINT64_C(1) << metric);
	}
	else
	{
		CapBucket  *b = find_bucket(h, first, cap_bucket_start(ts, first));

		if (b == NULL)
			return 0;
		bucket_put(b, metric, v);
	}

	/* the coarser rollups holding ts (gone from their rings: nothing to do) */
	for (l = (first == CAP_RAW ? CAP_MINUTE : first + 1); l < CAP_NUM_LEVELS; l++)
	{
		CapBucket  *b = find_bucket(h, l, cap_bucket_start(ts, l));

		if (b != NULL)
			bucket_put(b, metric, v);
	}
	return 1;
}

void
cap_history_push_raw(CapHistory *h, const CapSample *s)
{
	ring_push(h, CAP_RAW, s);
}

void
cap_history_push_bucket(CapHistory *h, CapLevel level, const CapBucket *b)
{
	if (level != CAP_RAW)
		ring_push(h, level, b);
}

void
cap_history_set_open(CapHistory *h, CapLevel level, const CapBucket *b)
{
	if (level == CAP_RAW)
		return;
	if (b == NULL)
	{
		h->open_valid[level] = false;
		memset(&h->open[level], 0, sizeof(CapBucket));
		return;
	}
	h->open[level] = *b;
	h->open_valid[level] = true;
}
