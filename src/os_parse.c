/*-------------------------------------------------------------------------
 *
 * os_parse.c
 *		The half of the operating system metrics that does no I/O (see
 *		os_metrics.h): the parsers of the text of /proc, /sys/fs/cgroup and
 *		/proc/diskstats files, and os_compute(), the rates and gauges of two
 *		snapshots.
 *
 * Everything here is a pure function of its arguments: a file's text, or
 * two OsSnapshots.  os_metrics.c finds the files (the cgroup's directories
 * below a root prefix), reads them, calls these parsers and fills the
 * snapshot; the two halves meet only through os_metrics.h.  Kept apart so
 * that the arithmetic the unit tests check exactly (test/unit) is not mixed
 * with the file access and the cgroup lookup.
 *
 * The parsers are hand-written and stop at the line they need: they run
 * every sample in the background worker, with no allocation and no state
 * between calls.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <string.h>

#include "os_metrics.h"

static const char *skip_blanks(const char *p);
static const char *next_line(const char *p);
static bool parse_u64(const char *p, const char **end, uint64_t *value);
static double clamp_pct(double pct);

/* ----------------------------------------------------------------
 *		Small text helpers
 * ----------------------------------------------------------------
 */

static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Start of the next line, or the terminating NUL. */
static const char *
next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : p + strlen(p);
}

/*
 * Parse an unsigned decimal number after optional blanks.  strtoull would
 * accept a sign and silently saturate, neither of which we want.
 */
static bool
parse_u64(const char *p, const char **end, uint64_t *value)
{
	uint64_t	v = 0;

	p = skip_blanks(p);
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
	{
		unsigned int d = (unsigned int) (*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;		/* overflow */
		v = v * 10 + d;
		p++;
	}
	if (end)
		*end = p;
	*value = v;
	return true;
}

/* A file holding one number, like cpuacct.usage or memory.current. */
bool
os_parse_flat_u64(const char *text, uint64_t *value)
{
	const char *end;

	if (!parse_u64(text, &end, value))
		return false;
	end = skip_blanks(end);
	return *end == '\n' || *end == '\0';
}

/*
 * The next number of a list of one per line (cgroup.procs): false at the
 * end or on a line that is not a number; *next is the line after it.
 */
bool
os_parse_flat_u64_prefix(const char *text, const char **next, uint64_t *value)
{
	const char *end;

	if (!parse_u64(text, &end, value))
		return false;
	end = skip_blanks(end);
	if (*end != '\n' && *end != '\0')
		return false;
	*next = next_line(end);
	return true;
}

static double
clamp_pct(double pct)
{
	if (pct < 0.0)
		return 0.0;
	if (pct > 100.0)
		return 100.0;
	return pct;
}


/* ----------------------------------------------------------------
 *		Pure parsers (exported for the unit tests and os_metrics.c)
 * ----------------------------------------------------------------
 */

/* cgroup v2 cpu.max: "quota period", or "max period" for no limit. */
bool
os_parse_cgroup2_cpu_max(const char *text, double *vcpus)
{
	uint64_t	quota;
	uint64_t	period;
	const char *p;

	if (!parse_u64(text, &p, &quota))
		return false;			/* "max", or garbage */
	if (!parse_u64(p, &p, &period) || quota == 0 || period == 0)
		return false;
	*vcpus = (double) quota / (double) period;
	return true;
}

/* cgroup v1 cpu.cfs_quota_us and cpu.cfs_period_us; quota -1 = no limit. */
bool
os_parse_cgroup1_quota(const char *quota_text, const char *period_text,
					   double *vcpus)
{
	uint64_t	quota;
	uint64_t	period;

	/* "-1" fails here: parse_u64 takes no sign */
	if (!os_parse_flat_u64(quota_text, &quota) ||
		!os_parse_flat_u64(period_text, &period) ||
		quota == 0 || period == 0)
		return false;
	*vcpus = (double) quota / (double) period;
	return true;
}

/*
 * "key value" lines, as in cpu.stat, memory.stat, memory.events,
 * memory.oom_control and /proc/vmstat.  The key must be a whole word at the
 * start of a line: "oom_kill" must not match "oom_kill_disable".
 */
bool
os_parse_keyed_u64(const char *text, const char *key, uint64_t *value)
{
	size_t		keylen = strlen(key);
	const char *p = text;

	if (keylen == 0)
		return false;
	while (*p)
	{
		if (strncmp(p, key, keylen) == 0 &&
			(p[keylen] == ' ' || p[keylen] == '\t'))
			return parse_u64(p + keylen, NULL, value);
		p = next_line(p);
	}
	return false;
}

/* /proc/meminfo "MemTotal:       24684084 kB"; key with or without ':'. */
bool
os_parse_meminfo_kb(const char *text, const char *key, uint64_t *kb)
{
	size_t		keylen = strlen(key);
	bool		has_colon = keylen > 0 && key[keylen - 1] == ':';
	const char *p = text;

	if (keylen == 0)
		return false;
	while (*p)
	{
		if (strncmp(p, key, keylen) == 0 &&
			(has_colon || p[keylen] == ':'))
			return parse_u64(p + keylen + (has_colon ? 0 : 1), NULL, kb);
		p = next_line(p);
	}
	return false;
}

/*
 * The first "cpu " line of /proc/stat: user nice system idle iowait irq
 * softirq steal guest guest_nice, in clock ticks.  Guest time is already
 * part of user time, so it is not added again.  Kernels before 2.6.11 lack
 * the later columns; they count as zero.
 */
bool
os_parse_proc_stat_cpu(const char *text, uint64_t *busy_ticks,
					   uint64_t *total_ticks)
{
	const char *p = text;
	uint64_t	f[8];
	int			n;

	while (*p && strncmp(p, "cpu ", 4) != 0)
		p = next_line(p);
	if (!*p)
		return false;
	p += 4;
	for (n = 0; n < 8; n++)
	{
		if (!parse_u64(p, &p, &f[n]))
			break;
	}
	if (n < 4)
		return false;
	for (; n < 8; n++)
		f[n] = 0;
	/* user + nice + system + irq + softirq + steal */
	*busy_ticks = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
	/* + idle + iowait */
	*total_ticks = *busy_ticks + f[3] + f[4];
	return true;
}

/*
 * /proc/<pid>/stat: "pid (comm) state ppid ... utime stime cutime cstime ...".
 * comm may hold blanks and parentheses, so the fields start after the last
 * ')'.  Counting from state as field 3 (proc(5)): ppid is 4, utime 14,
 * stime 15, cutime 16, cstime 17, in clock ticks.  cutime and cstime are
 * the times of the children this process has waited for.
 */
bool
os_parse_pid_stat(const char *text, int64_t *ppid, uint64_t *self_ticks,
				  uint64_t *children_ticks)
{
	const char *p = strrchr(text, ')');
	uint64_t	f[18] = {0};
	int			field;

	if (p == NULL)
		return false;
	p = skip_blanks(p + 1);
	/* field 3, the state: one character */
	if (*p == '\0' || *p == '\n')
		return false;
	p++;
	for (field = 4; field <= 17; field++)
	{
		p = skip_blanks(p);
		if (field == 4 || field >= 14)
		{
			if (!parse_u64(p, &p, &f[field]))
				return false;
		}
		else
		{
			/* pgrp ... cmajflt: skipped (tty_nr and tpgid may be -1) */
			if (*p == '\0' || *p == '\n')
				return false;
			while (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\0')
				p++;
		}
	}
	*ppid = (int64_t) f[4];
	*self_ticks = f[14] + f[15];
	*children_ticks = f[16] + f[17];
	return true;
}

/* The number of "cpuN" lines: the online CPUs that /proc/stat's sum covers. */
int
os_count_proc_stat_cpus(const char *text)
{
	const char *p = text;
	int			n = 0;

	while (*p)
	{
		if (p[0] == 'c' && p[1] == 'p' && p[2] == 'u' &&
			p[3] >= '0' && p[3] <= '9')
			n++;
		else if (n > 0)
			break;				/* the cpuN lines are contiguous */
		p = next_line(p);
	}
	return n;
}

/*
 * The /proc/diskstats line of device major:minor.  Fields after the name:
 * reads completed, reads merged, sectors read, ms reading, writes completed,
 * writes merged, sectors written, ms writing, I/Os in progress, ms doing
 * I/O (io_ticks), weighted ms; kernels 4.18+ add 4 discard fields and 5.5+
 * 2 flush fields, which we do not need.  Lines with fewer than the 11
 * classic fields (partitions on 2.6 kernels) have no io_ticks: no match.
 */
bool
os_parse_diskstats(const char *text, unsigned int major, unsigned int minor,
				   char *name, size_t namelen, uint64_t *reads,
				   uint64_t *writes, uint64_t *io_ticks)
{
	const char *p = text;

	while (*p)
	{
		const char *q;
		uint64_t	maj;
		uint64_t	min;

		if (parse_u64(p, &q, &maj) && maj == major &&
			parse_u64(q, &q, &min) && min == minor)
		{
			const char *nstart;
			size_t		nlen;
			uint64_t	f[10];
			int			i;

			q = skip_blanks(q);
			nstart = q;
			while (*q && *q != ' ' && *q != '\t' && *q != '\n')
				q++;
			nlen = (size_t) (q - nstart);
			if (nlen == 0 || nlen >= namelen)
				return false;
			for (i = 0; i < 10; i++)
			{
				if (!parse_u64(q, &q, &f[i]))
					return false;
			}
			memcpy(name, nstart, nlen);
			name[nlen] = '\0';
			*reads = f[0];
			*writes = f[4];
			*io_ticks = f[9];
			return true;
		}
		p = next_line(p);
	}
	return false;
}

/*
 * The cgroup path of this process for a v1 controller ("memory", "cpu",
 * "cpuacct"), or for cgroup v2 when controller is "": the "0::" line.  Lines
 * are "hierarchy-id:controller,controller:path"; the path may itself hold
 * colons, so it is everything after the second one.
 */
bool
os_parse_cgroup_path(const char *proc_self_cgroup, const char *controller,
					 char *path, size_t pathlen)
{
	size_t		ctllen = strlen(controller);
	const char *p = proc_self_cgroup;

	while (*p)
	{
		const char *eol = strchr(p, '\n');
		const char *c1 = strchr(p, ':');
		const char *c2;
		const char *list;
		bool		match = false;

		if (!eol)
			eol = p + strlen(p);
		if (c1 && c1 < eol && (c2 = strchr(c1 + 1, ':')) != NULL && c2 < eol)
		{
			list = c1 + 1;
			if (ctllen == 0)
				match = (c1 - p == 1 && p[0] == '0' && c2 == list);
			else
			{
				/* look for controller as a whole item of the list */
				const char *item = list;

				while (item < c2)
				{
					const char *comma = memchr(item, ',', (size_t) (c2 - item));
					const char *iend = comma ? comma : c2;

					if ((size_t) (iend - item) == ctllen &&
						strncmp(item, controller, ctllen) == 0)
					{
						match = true;
						break;
					}
					item = iend + 1;
				}
			}
			if (match)
			{
				size_t		len = (size_t) (eol - (c2 + 1));

				if (len == 0 || len >= pathlen)
					return false;
				memcpy(path, c2 + 1, len);
				path[len] = '\0';
				return true;
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	return false;
}

/* ----------------------------------------------------------------
 *		Rates and gauges from two snapshots
 * ----------------------------------------------------------------
 */

void
os_compute(const OsSnapshot *prev, const OsSnapshot *cur,
		   double elapsed_sec, double vcpus_override,
		   double memory_override, OsMetrics *out)
{
	bool		rates = prev != NULL && elapsed_sec > 0.0;
	double		vcpus;

	memset(out, 0, sizeof(*out));

	/* vcpus: the override, else the detected value */
	vcpus = vcpus_override > 0.0 ? vcpus_override : cur->vcpus;
	out->has_vcpus = vcpus_override > 0.0 || cur->has_vcpus;
	out->vcpus = out->has_vcpus ? vcpus : 0.0;

	/*
	 * cpu_pct, as a share of vcpus.  Both snapshots must have measured the
	 * same thing: a source that changed between them (a quota added) gives
	 * no figure for this interval, as does a counter that went backwards.
	 */
	if (rates && out->has_vcpus && vcpus > 0.0 &&
		prev->has_cpu && cur->has_cpu &&
		prev->cpu_from_cgroup == cur->cpu_from_cgroup &&
		cur->cpu_busy_usec >= prev->cpu_busy_usec)
	{
		double		dbusy = (double) (cur->cpu_busy_usec - prev->cpu_busy_usec);

		if (cur->cpu_from_cgroup)
		{
			out->cpu_pct = clamp_pct(dbusy / (elapsed_sec * 1e6 * vcpus) * 100.0);
			out->has_cpu_pct = true;
		}
		else if (cur->cpu_total_usec > prev->cpu_total_usec &&
				 cur->cpu_total_usec - prev->cpu_total_usec >=
				 cur->cpu_busy_usec - prev->cpu_busy_usec)
		{
			/*
			 * /proc/stat's share is of all online CPUs; busy CPUs are that
			 * share times their number, and what we report is busy CPUs
			 * per vcpu.
			 */
			double		dtotal = (double) (cur->cpu_total_usec - prev->cpu_total_usec);
			double		online = cur->online_cpus > 0.0 ? cur->online_cpus : vcpus;

			out->cpu_pct = clamp_pct(dbusy / dtotal * 100.0 * (online / vcpus));
			out->has_cpu_pct = true;
		}
	}

	/* memory gauges */
	if (cur->has_memory)
	{
		double		total = memory_override > 0.0 ? memory_override :
			(double) cur->memory_total;

		if (total > 0.0)
		{
			out->memory_total_bytes = total;
			out->memory_used_pct = clamp_pct((double) cur->memory_used / total * 100.0);
			out->has_memory = true;
		}
	}

	/* swap pages in and out per second */
	if (rates && prev->has_swap && cur->has_swap &&
		cur->swap_pages >= prev->swap_pages)
	{
		out->swap_io_per_sec = (double) (cur->swap_pages - prev->swap_pages) / elapsed_sec;
		out->has_swap = true;
	}

	/* OOM kills during the interval: a count, not a rate */
	if (rates && prev->has_oom && cur->has_oom &&
		prev->oom_from_cgroup == cur->oom_from_cgroup &&
		cur->oom_kills >= prev->oom_kills)
	{
		out->oom_kills = (double) (cur->oom_kills - prev->oom_kills);
		out->has_oom = true;
	}

	/* filesystem gauges */
	if (cur->has_fs)
	{
		out->disk_total_bytes = (double) cur->fs_total;
		out->disk_free_bytes = (double) cur->fs_free;
		out->has_fs = true;
	}

	/* block device rates; %util as iostat computes it, from io_ticks */
	if (rates && prev->has_disk && cur->has_disk &&
		strcmp(prev->disk_name, cur->disk_name) == 0 &&
		cur->disk_reads >= prev->disk_reads &&
		cur->disk_writes >= prev->disk_writes &&
		cur->disk_io_ticks >= prev->disk_io_ticks)
	{
		out->disk_read_iops = (double) (cur->disk_reads - prev->disk_reads) / elapsed_sec;
		out->disk_write_iops = (double) (cur->disk_writes - prev->disk_writes) / elapsed_sec;
		out->disk_util_pct = clamp_pct((double) (cur->disk_io_ticks - prev->disk_io_ticks) /
									   (elapsed_sec * 1000.0) * 100.0);
		out->has_disk = true;
	}
}
