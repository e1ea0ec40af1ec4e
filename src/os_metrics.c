/*-------------------------------------------------------------------------
 *
 * os_metrics.c
 *		Reading what the operating system says about the node: CPU limit
 *		and busy time, memory, swap traffic, OOM kills, the data directory's
 *		filesystem and block device (see os_metrics.h).
 *
 * Sources are /proc, /sys/fs/cgroup (v2, else v1), statvfs() and stat(),
 * all below a root prefix so that the unit tests can use a fixture tree.
 *
 * Scope rule: a resource is measured in the cgroup when the cgroup limits
 * it, and on the whole machine otherwise.  With a CPU quota, vcpus is the
 * quota and busy time is the cgroup's usage counter; without one, vcpus is
 * the number of CPUs we may run on and busy time comes from /proc/stat.
 * With a memory limit below the machine's memory, total, used and OOM kills
 * are the cgroup's; without one they are the machine's.  Numerator and
 * denominator thus always describe the same thing: a container without a
 * limit competes with everything else on the host, so the host's load is
 * what tells whether it is running out.
 *
 * This runs every sample in the background worker, so it is meant to be
 * cheap: one read of /proc/self/cgroup per snapshot, small files read with
 * a single open/read/close into a stack buffer, hand-written parsers that
 * stop at the line they need, no allocation and no state between calls.
 *
 *-------------------------------------------------------------------------
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE				/* sched_getaffinity, CPU_COUNT */
#endif

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "os_metrics.h"

/* Big enough for /proc/vmstat, /proc/diskstats and /proc/stat's CPU lines */
#define OS_READ_BUFSIZE		65536
#define OS_CGROUP_BUFSIZE	8192
#define OS_PATH_SIZE		1024

/*
 * cgroup v1 reports "no limit" as the largest page-aligned long; anything
 * this large is not a real limit even when /proc/meminfo cannot be read.
 */
#define OS_V1_UNLIMITED		(UINT64_C(1) << 62)

typedef enum OsCgroupMode
{
	OS_CGROUP_NONE,
	OS_CGROUP_V1,
	OS_CGROUP_V2
} OsCgroupMode;

typedef enum OsController
{
	OS_CTL_CPU,
	OS_CTL_CPUACCT,
	OS_CTL_MEMORY,
	OS_NUM_CONTROLLERS
} OsController;

static const char *const os_controller_names[OS_NUM_CONTROLLERS] = {
	"cpu", "cpuacct", "memory"
};

/*
 * Where this process's cgroup files are, per controller.  A snapshot reads
 * /proc/self/cgroup once and resolves a controller's directory only when
 * it first needs it: without a CPU quota cpuacct is never looked up.
 */
typedef struct OsCgroup
{
	const char *root;
	const char *text;			/* /proc/self/cgroup, NULL if unreadable */
	bool		v2_resolved;
	bool		v2;				/* the unified hierarchy is ours */
	char		v2_dir[OS_PATH_SIZE];
	bool		resolved[OS_NUM_CONTROLLERS];
	OsCgroupMode mode[OS_NUM_CONTROLLERS];
	char		dir[OS_NUM_CONTROLLERS][OS_PATH_SIZE];
} OsCgroup;

/* No c.h here (no server headers), so no pg_attribute_printf either. */
#if defined(__GNUC__)
#define os_attribute_printf(f, a) __attribute__((format(printf, f, a)))
#else
#define os_attribute_printf(f, a)
#endif

static void set_failed(OsSnapshot *snap, uint32_t source, const char *fmt,...)
			os_attribute_printf(3, 4);
static void format_message(char *buf, size_t buflen, const char *fmt,...)
			os_attribute_printf(3, 4);
static int	source_index(uint32_t source);
static const char *skip_blanks(const char *p);
static const char *next_line(const char *p);
static bool parse_u64(const char *p, const char **end, uint64_t *value);
static bool parse_flat_u64(const char *text, uint64_t *value);
static ssize_t read_text(const char *path, char *buf, size_t bufsize,
						 char *err, size_t errlen);
static bool read_cgroup_u64(const char *dir, const char *file, char *buf,
							uint64_t *value, char *err, size_t errlen);
static bool read_cgroup_key(const char *dir, const char *file, const char *key,
							char *buf, uint64_t *value, char *err, size_t errlen);
static double online_cpus(void);
static void own_cgroup_dir(char *dir, size_t mountlen, const char *cgpath);
static bool find_v1_dir(const char *root, OsController ctl,
						const char *cgpath, char *dir);
static OsCgroupMode cgroup_dir(OsCgroup *cg, OsController ctl,
							   const char **dir);
static void read_cpu(const char *root, OsCgroup *cg, char *buf,
					 OsSnapshot *snap);
static void read_memory(const char *root, OsCgroup *cg, char *buf,
						OsSnapshot *snap);
static void read_vmstat(const char *root, char *buf, OsSnapshot *snap);
static void read_disk(const char *root, const char *datadir, char *buf,
					  OsSnapshot *snap);
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
static bool
parse_flat_u64(const char *text, uint64_t *value)
{
	const char *end;

	if (!parse_u64(text, &end, value))
		return false;
	end = skip_blanks(end);
	return *end == '\n' || *end == '\0';
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
 *		Pure parsers (exported for the unit tests)
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
	if (!parse_flat_u64(quota_text, &quota) ||
		!parse_flat_u64(period_text, &period) ||
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
 *		File access
 * ----------------------------------------------------------------
 */

static int
source_index(uint32_t source)
{
	int			i;

	for (i = 0; i < OS_NUM_SOURCES; i++)
	{
		if (source == ((uint32_t) 1 << i))
			return i;
	}
	return 0;
}

/*
 * A message into a fixed buffer, cut short if it must be: a long path
 * still says enough, and the messages end up in 160-byte slots anyway.
 */
static void
format_message(char *buf, size_t buflen, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, buflen, fmt, ap);
	va_end(ap);
}

/* Mark a source failed; the first message for a source wins. */
static void
set_failed(OsSnapshot *snap, uint32_t source, const char *fmt,...)
{
	va_list		ap;

	if (snap->failed & source)
		return;
	snap->failed |= source;
	va_start(ap, fmt);
	vsnprintf(snap->message[source_index(source)],
			  sizeof(snap->message[0]), fmt, ap);
	va_end(ap);
}

/*
 * Read a whole small file into buf, NUL-terminated.  /proc files are
 * generated on read and never block; O_NONBLOCK keeps a FIFO planted in a
 * fixture tree from hanging us.  Returns the length, or -1 with a message
 * like "open /proc/vmstat: No such file or directory" in err.
 */
static ssize_t
read_text(const char *path, char *buf, size_t bufsize, char *err, size_t errlen)
{
	int			fd;
	size_t		len = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
	{
		format_message(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	while (len < bufsize - 1)
	{
		ssize_t		n = read(fd, buf + len, bufsize - 1 - len);

		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			format_message(err, errlen, "read %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t) n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t) len;
}

/* A one-number cgroup file: memory.current, cpuacct.usage, ... */
static bool
read_cgroup_u64(const char *dir, const char *file, char *buf, uint64_t *value,
				char *err, size_t errlen)
{
	char		path[OS_PATH_SIZE + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_text(path, buf, OS_READ_BUFSIZE, err, errlen) < 0)
		return false;
	if (!parse_flat_u64(buf, value))
	{
		format_message(err, errlen, "unexpected content in %s", path);
		return false;
	}
	return true;
}

/* A "key value" cgroup file: cpu.stat, memory.stat, memory.events, ... */
static bool
read_cgroup_key(const char *dir, const char *file, const char *key, char *buf,
				uint64_t *value, char *err, size_t errlen)
{
	char		path[OS_PATH_SIZE + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_text(path, buf, OS_READ_BUFSIZE, err, errlen) < 0)
		return false;
	if (!os_parse_keyed_u64(buf, key, value))
	{
		format_message(err, errlen, "no \"%s\" in %s", key, path);
		return false;
	}
	return true;
}

/*
 * CPUs this process may run on: its affinity mask (taskset, cpuset), else
 * the online CPUs.  A mask wider than cpu_set_t fails with EINVAL; then the
 * online count is the best we have.
 */
static double
online_cpus(void)
{
	cpu_set_t	set;
	long		n;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
	{
		int			count = CPU_COUNT(&set);

		if (count > 0)
			return (double) count;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (double) n : 0.0;
}


/* ----------------------------------------------------------------
 *		cgroup location
 * ----------------------------------------------------------------
 */

/*
 * dir holds a controller's mount point (mountlen bytes): append our cgroup's
 * path if that directory exists.  Inside a container with a cgroup
 * namespace the path is "/"; without one it names the host's cgroup, which
 * the container sees at the mount root.  A path climbing out with ".." (a
 * process outside the namespace root) is treated the same way rather than
 * followed.
 */
static void
own_cgroup_dir(char *dir, size_t mountlen, const char *cgpath)
{
	struct stat st;

	if (strcmp(cgpath, "/") == 0 || strstr(cgpath, "/..") != NULL ||
		mountlen + strlen(cgpath) >= OS_PATH_SIZE)
		return;
	strcpy(dir + mountlen, cgpath);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		dir[mountlen] = '\0';
}

/*
 * The directory of our cgroup in the v1 hierarchy of a controller.  It is
 * mounted at <root>/sys/fs/cgroup/<controller>, or at a combined
 * "cpu,cpuacct" directory where distributions do not add the usual
 * symlinks.
 */
static bool
find_v1_dir(const char *root, OsController ctl, const char *cgpath, char *dir)
{
	static const char *const cpu_dirs[] = {"cpu", "cpu,cpuacct", "cpuacct,cpu", NULL};
	static const char *const cpuacct_dirs[] = {"cpuacct", "cpu,cpuacct", "cpuacct,cpu", NULL};
	static const char *const memory_dirs[] = {"memory", NULL};
	const char *const *cands;
	struct stat st;
	int			i;

	cands = ctl == OS_CTL_CPU ? cpu_dirs :
		ctl == OS_CTL_CPUACCT ? cpuacct_dirs : memory_dirs;
	for (i = 0; cands[i]; i++)
	{
		int			len;

		len = snprintf(dir, OS_PATH_SIZE, "%s/sys/fs/cgroup/%s", root, cands[i]);
		if (len < 0 || len >= OS_PATH_SIZE)
			return false;
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		{
			own_cgroup_dir(dir, (size_t) len, cgpath);
			return true;
		}
	}
	return false;
}

/*
 * The directory of a controller's files, and whether it is v1 or v2.  A
 * "<n>:<controllers>:<path>" line naming the controller puts it on v1
 * (hybrid systems have a "0::" line too, for a unified tree without those
 * controllers).  Otherwise it is v2 when there is a "0::" line and the
 * unified hierarchy is mounted at /sys/fs/cgroup: it has cgroup.controllers.
 * Deciding per controller also copes with a v1 host that has some
 * controllers on v2, and costs a pure v1 system no access() call.
 */
static OsCgroupMode
cgroup_dir(OsCgroup *cg, OsController ctl, const char **dir)
{
	char		cgpath[OS_PATH_SIZE];

	if (!cg->resolved[ctl])
	{
		cg->resolved[ctl] = true;
		cg->mode[ctl] = OS_CGROUP_NONE;
		if (cg->text == NULL)
			;					/* no cgroups: the machine's figures */
		else if (os_parse_cgroup_path(cg->text, os_controller_names[ctl],
									  cgpath, sizeof(cgpath)))
		{
			if (find_v1_dir(cg->root, ctl, cgpath, cg->dir[ctl]))
				cg->mode[ctl] = OS_CGROUP_V1;
		}
		else
		{
			if (!cg->v2_resolved)
			{
				int			len;

				cg->v2_resolved = true;
				len = snprintf(cg->v2_dir, OS_PATH_SIZE,
							   "%s/sys/fs/cgroup/cgroup.controllers", cg->root);
				if (len > 0 && len < OS_PATH_SIZE &&
					os_parse_cgroup_path(cg->text, "", cgpath, sizeof(cgpath)) &&
					access(cg->v2_dir, F_OK) == 0)
				{
					len -= (int) strlen("/cgroup.controllers");
					cg->v2_dir[len] = '\0';
					own_cgroup_dir(cg->v2_dir, (size_t) len, cgpath);
					cg->v2 = true;
				}
			}
			if (cg->v2)
			{
				strcpy(cg->dir[ctl], cg->v2_dir);
				cg->mode[ctl] = OS_CGROUP_V2;
			}
		}
	}
	*dir = cg->dir[ctl];
	return cg->mode[ctl];
}


/* ----------------------------------------------------------------
 *		Sources
 * ----------------------------------------------------------------
 */

/*
 * vcpus and busy time.  A quota gives vcpus (capped by the CPUs we may run
 * on: a quota of 8 on 4 CPUs still buys only 4) and makes the cgroup's
 * usage counter the busy time.  Without a quota, or when the cgroup's
 * counter cannot be read, /proc/stat gives the machine's busy and total
 * time, and os_compute scales the busy share by online CPUs / vcpus.
 */
static void
read_cpu(const char *root, OsCgroup *cg, char *buf, OsSnapshot *snap)
{
	char		err[160];
	char		path[OS_PATH_SIZE + 64];
	double		online = online_cpus();
	double		quota = 0.0;
	bool		has_quota = false;
	const char *dir;
	OsCgroupMode mode;
	uint64_t	busy;
	uint64_t	total;
	long		clk;

	/* the limit */
	mode = cgroup_dir(cg, OS_CTL_CPU, &dir);
	if (mode == OS_CGROUP_V2)
	{
		snprintf(path, sizeof(path), "%s/cpu.max", dir);
		if (read_text(path, buf, OS_READ_BUFSIZE, err, sizeof(err)) >= 0)
			has_quota = os_parse_cgroup2_cpu_max(buf, &quota);
	}
	else if (mode == OS_CGROUP_V1)
	{
		char		qbuf[64];

		/* the period matters only if there is a quota ("-1": none) */
		snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
		if (read_text(path, qbuf, sizeof(qbuf), err, sizeof(err)) >= 0 &&
			qbuf[0] != '-')
		{
			snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
			if (read_text(path, buf, OS_READ_BUFSIZE, err, sizeof(err)) >= 0)
				has_quota = os_parse_cgroup1_quota(qbuf, buf, &quota);
		}
	}

	if (has_quota && online > 0.0 && quota > online)
		quota = online;
	if (has_quota)
		snap->vcpus = quota;
	else
		snap->vcpus = online;
	snap->has_vcpus = snap->vcpus > 0.0;
	if (!snap->has_vcpus)
		set_failed(snap, OS_SRC_CPU_LIMIT, "could not count the online CPUs");

	/*
	 * Busy time of the cgroup, when it is the cgroup that is limited: v2
	 * cpu.stat (always there, even without the cpu controller), v1
	 * cpuacct.usage in nanoseconds.
	 */
	mode = has_quota ? cgroup_dir(cg, OS_CTL_CPUACCT, &dir) : OS_CGROUP_NONE;
	if (mode == OS_CGROUP_V2)
	{
		if (read_cgroup_key(dir, "cpu.stat", "usage_usec", buf,
							&snap->cpu_busy_usec, err, sizeof(err)))
		{
			snap->has_cpu = snap->cpu_from_cgroup = true;
			return;
		}
	}
	else if (mode == OS_CGROUP_V1)
	{
		uint64_t	ns;

		if (read_cgroup_u64(dir, "cpuacct.usage", buf, &ns, err, sizeof(err)))
		{
			snap->cpu_busy_usec = ns / 1000;
			snap->has_cpu = snap->cpu_from_cgroup = true;
			return;
		}
	}

	/* else the machine's, from /proc/stat */
	snprintf(path, sizeof(path), "%s/proc/stat", root);
	if (read_text(path, buf, OS_READ_BUFSIZE, err, sizeof(err)) < 0)
	{
		set_failed(snap, OS_SRC_CPU_USAGE, "%s", err);
		return;
	}
	if (!os_parse_proc_stat_cpu(buf, &busy, &total))
	{
		set_failed(snap, OS_SRC_CPU_USAGE, "no \"cpu\" line in %s", path);
		return;
	}
	clk = sysconf(_SC_CLK_TCK);
	if (clk <= 0)
	{
		set_failed(snap, OS_SRC_CPU_USAGE, "sysconf(_SC_CLK_TCK) failed");
		return;
	}
	if (1000000 % clk == 0)
	{
		snap->cpu_busy_usec = busy * (uint64_t) (1000000 / clk);
		snap->cpu_total_usec = total * (uint64_t) (1000000 / clk);
	}
	else
	{
		snap->cpu_busy_usec = busy / (uint64_t) clk * 1000000 +
			busy % (uint64_t) clk * 1000000 / (uint64_t) clk;
		snap->cpu_total_usec = total / (uint64_t) clk * 1000000 +
			total % (uint64_t) clk * 1000000 / (uint64_t) clk;
	}
	snap->online_cpus = (double) os_count_proc_stat_cpus(buf);
	if (snap->online_cpus <= 0.0)
		snap->online_cpus = online;
	snap->has_cpu = true;
}

/*
 * Memory total and used, and OOM kills, which follow the same scope.  In a
 * cgroup, used is its charge less inactive file cache, which the kernel
 * reclaims before it would OOM (what docker stats and kubectl top show);
 * on the machine it is MemTotal - MemAvailable.
 */
static void
read_memory(const char *root, OsCgroup *cg, char *buf, OsSnapshot *snap)
{
	char		err[160];
	char		path[OS_PATH_SIZE + 64];
	char		meminfo_err[160];
	uint64_t	memtotal_kb = 0;
	uint64_t	avail_kb = 0;
	bool		has_memtotal = false;
	bool		has_avail = false;
	uint64_t	limit = 0;
	bool		has_limit = false;
	const char *dir;
	OsCgroupMode mode = cgroup_dir(cg, OS_CTL_MEMORY, &dir);
	bool		v2 = mode == OS_CGROUP_V2;

	snprintf(path, sizeof(path), "%s/proc/meminfo", root);
	if (read_text(path, buf, OS_READ_BUFSIZE, meminfo_err, sizeof(meminfo_err)) >= 0)
	{
		has_memtotal = os_parse_meminfo_kb(buf, "MemTotal", &memtotal_kb) &&
			memtotal_kb > 0;
		has_avail = os_parse_meminfo_kb(buf, "MemAvailable", &avail_kb);
		if (!has_avail)
		{
			/* kernels before 3.14: the classic estimate */
			uint64_t	free_kb,
						buffers_kb,
						cached_kb;

			if (os_parse_meminfo_kb(buf, "MemFree", &free_kb) &&
				os_parse_meminfo_kb(buf, "Buffers", &buffers_kb) &&
				os_parse_meminfo_kb(buf, "Cached", &cached_kb))
			{
				avail_kb = free_kb + buffers_kb + cached_kb;
				has_avail = true;
			}
		}
		if (!has_memtotal)
			format_message(meminfo_err, sizeof(meminfo_err), "no MemTotal in %s", path);
	}

	/* the cgroup's limit, if any ("max" in v2, a huge number in v1) */
	if (mode != OS_CGROUP_NONE)
	{
		has_limit = read_cgroup_u64(dir,
									v2 ? "memory.max" : "memory.limit_in_bytes",
									buf, &limit, err, sizeof(err)) &&
			limit > 0 && (v2 || limit < OS_V1_UNLIMITED);
		if (has_limit && has_memtotal && limit >= memtotal_kb * 1024)
			has_limit = false;
	}

	if (has_limit)
	{
		uint64_t	usage;
		uint64_t	inactive = 0;

		if (!read_cgroup_u64(dir,
							 v2 ? "memory.current" : "memory.usage_in_bytes",
							 buf, &usage, err, sizeof(err)))
		{
			set_failed(snap, OS_SRC_MEMORY, "%s", err);
		}
		else
		{
			/* without memory.stat, count the cache as used */
			if (!read_cgroup_key(dir, "memory.stat",
								 v2 ? "inactive_file" : "total_inactive_file",
								 buf, &inactive, err, sizeof(err)))
				inactive = 0;
			snap->memory_total = limit;
			snap->memory_used = usage > inactive ? usage - inactive : 0;
			snap->has_memory = snap->memory_from_cgroup = true;
		}

		if (read_cgroup_key(dir,
							v2 ? "memory.events" : "memory.oom_control",
							"oom_kill", buf, &snap->oom_kills, err, sizeof(err)))
			snap->has_oom = snap->oom_from_cgroup = true;
		/* else leave it to /proc/vmstat, which counts every OOM kill */
		return;
	}

	if (!has_memtotal)
	{
		set_failed(snap, OS_SRC_MEMORY, "%s", meminfo_err);
		return;
	}
	if (!has_avail)
	{
		set_failed(snap, OS_SRC_MEMORY, "no MemAvailable in %s", path);
		return;
	}
	snap->memory_total = memtotal_kb * 1024;
	snap->memory_used = memtotal_kb > avail_kb ? (memtotal_kb - avail_kb) * 1024 : 0;
	snap->has_memory = true;
}

/* Swap traffic, and OOM kills when the memory cgroup did not give them. */
static void
read_vmstat(const char *root, char *buf, OsSnapshot *snap)
{
	char		err[160];
	char		path[OS_PATH_SIZE + 64];
	uint64_t	in,
				out;

	snprintf(path, sizeof(path), "%s/proc/vmstat", root);
	if (read_text(path, buf, OS_READ_BUFSIZE, err, sizeof(err)) < 0)
	{
		set_failed(snap, OS_SRC_VMSTAT, "%s", err);
		if (!snap->has_oom)
			set_failed(snap, OS_SRC_OOM, "%s", err);
		return;
	}
	if (os_parse_keyed_u64(buf, "pswpin", &in) &&
		os_parse_keyed_u64(buf, "pswpout", &out))
	{
		snap->swap_pages = in + out;
		snap->has_swap = true;
	}
	else
		set_failed(snap, OS_SRC_VMSTAT, "no pswpin/pswpout in %s", path);

	if (!snap->has_oom)
	{
		/* oom_kill appeared in kernel 4.13 */
		if (os_parse_keyed_u64(buf, "oom_kill", &snap->oom_kills))
			snap->has_oom = true;
		else
			set_failed(snap, OS_SRC_OOM, "no oom_kill in %s", path);
	}
}

/*
 * The filesystem and the block device of the data directory.  The device
 * is found by number: st_dev's major:minor against /proc/diskstats.  A
 * partition has its own line there, with its own counters.  Filesystems on
 * no block device (overlay, tmpfs, btrfs subvolumes: major 0) have none.
 */
static void
read_disk(const char *root, const char *datadir, char *buf, OsSnapshot *snap)
{
	char		err[160];
	char		path[OS_PATH_SIZE + 64];
	struct statvfs vfs;
	struct stat st;
	unsigned int maj,
				min;

	if (datadir == NULL || datadir[0] == '\0')
	{
		set_failed(snap, OS_SRC_FILESYSTEM, "no data directory given");
		set_failed(snap, OS_SRC_DISKSTATS, "no data directory given");
		return;
	}

	if (statvfs(datadir, &vfs) == 0)
	{
		snap->fs_total = (uint64_t) vfs.f_blocks * (uint64_t) vfs.f_frsize;
		snap->fs_free = (uint64_t) vfs.f_bavail * (uint64_t) vfs.f_frsize;
		snap->has_fs = true;
	}
	else
		set_failed(snap, OS_SRC_FILESYSTEM, "statvfs %s: %s",
				   datadir, strerror(errno));

	if (stat(datadir, &st) != 0)
	{
		set_failed(snap, OS_SRC_DISKSTATS, "stat %s: %s",
				   datadir, strerror(errno));
		return;
	}
	maj = major(st.st_dev);
	min = minor(st.st_dev);

	snprintf(path, sizeof(path), "%s/proc/diskstats", root);
	if (read_text(path, buf, OS_READ_BUFSIZE, err, sizeof(err)) < 0)
	{
		set_failed(snap, OS_SRC_DISKSTATS, "%s", err);
		return;
	}
	if (!os_parse_diskstats(buf, maj, min, snap->disk_name,
							sizeof(snap->disk_name), &snap->disk_reads,
							&snap->disk_writes, &snap->disk_io_ticks))
	{
		set_failed(snap, OS_SRC_DISKSTATS,
				   "no line for device %u:%u of %s in %s",
				   maj, min, datadir, path);
		return;
	}
	snap->has_disk = true;
}


/* ----------------------------------------------------------------
 *		Entry points
 * ----------------------------------------------------------------
 */

void
os_read_snapshot(const char *root, const char *datadir, OsSnapshot *snap)
{
	/* 64 kB for file contents and /proc/self/cgroup kept for the snapshot */
	char		buf[OS_READ_BUFSIZE];
	char		cgbuf[OS_CGROUP_BUFSIZE];
	char		path[OS_PATH_SIZE];
	char		err[8];
	OsCgroup	cg;

	if (root == NULL)
		root = "";
	memset(snap, 0, sizeof(*snap));

	/* one read of /proc/self/cgroup serves every controller */
	memset(&cg, 0, sizeof(cg));
	cg.root = root;
	snprintf(path, sizeof(path), "%s/proc/self/cgroup", root);
	if (read_text(path, cgbuf, sizeof(cgbuf), err, sizeof(err)) >= 0)
		cg.text = cgbuf;

	read_cpu(root, &cg, buf, snap);
	read_memory(root, &cg, buf, snap);
	read_vmstat(root, buf, snap);
	read_disk(root, datadir, buf, snap);
}

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
