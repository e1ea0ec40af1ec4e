/*-------------------------------------------------------------------------
 *
 * os_metrics.c
 *		Reading what the operating system says about the node: CPU limit
 *		and busy time, memory, swap traffic, OOM kills, the data directory's
 *		filesystem and block device (see os_metrics.h).  This is the half
 *		that does I/O: it finds the files, reads them and fills an
 *		OsSnapshot; what their text means, and the metrics of two
 *		snapshots, are in os_parse.c.
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
 * stop at the line they need (os_parse.c), no allocation and no state
 * between calls.
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
		int			save_errno = errno;

		format_message(err, errlen, "open %s: %s", path, strerror(save_errno));
		errno = save_errno;		/* callers tell a vanished process by ENOENT */
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
	if (!os_parse_flat_u64(buf, value))
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
 *		PostgreSQL's own CPU time
 *
 * The node's busy time (read_cpu) counts every process the node runs:
 * pgbench on the same host, a backup, the monitoring agent.  What a
 * transaction costs is PostgreSQL's time alone.  Where our cgroup holds
 * nothing but PostgreSQL (systemd's postgresql@.service, a container, a
 * Kubernetes pod), its usage counter is exactly that, at the cost of one
 * read.  Elsewhere it is the sum over PostgreSQL's processes: the
 * postmaster's own time and the time of the children it has waited for
 * (cutime, cstime: every process that has exited), plus the time of every
 * process still running, one /proc/<pid>/stat each.
 * ----------------------------------------------------------------
 */

static int
cmp_pid(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a;
	int64_t		y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

static bool
pid_listed(int64_t pid, const int64_t *pids, int npids)
{
	return bsearch(&pid, pids, (size_t) npids, sizeof(int64_t), cmp_pid) != NULL;
}

/* /proc/<pid>/stat of one process; false (err set) when it is gone or unreadable. */
static bool
read_pid_stat(const char *root, int64_t pid, int64_t *ppid, uint64_t *self,
			  uint64_t *children, char *err, size_t errlen)
{
	char		path[OS_PATH_SIZE + 32];
	char		buf[1024];

	snprintf(path, sizeof(path), "%s/proc/%lld/stat", root, (long long) pid);
	if (read_text(path, buf, sizeof(buf), err, errlen) < 0)
		return false;
	if (!os_parse_pid_stat(buf, ppid, self, children))
	{
		format_message(err, errlen, "unexpected content in %s", path);
		return false;
	}
	return true;
}

/* Our cgroup's directory for CPU accounting: v1 cpuacct, else the v2 one. */
static OsCgroupMode
accounting_dir(const char *root, OsCgroup *cg, char *cgbuf, size_t cgbuflen,
			   const char **dir)
{
	char		path[OS_PATH_SIZE];
	char		err[8];

	memset(cg, 0, sizeof(*cg));
	cg->root = root;
	snprintf(path, sizeof(path), "%s/proc/self/cgroup", root);
	if (read_text(path, cgbuf, cgbuflen, err, sizeof(err)) >= 0)
		cg->text = cgbuf;
	return cgroup_dir(cg, OS_CTL_CPUACCT, dir);
}

int
os_cgroup_is_postgres_only(const char *root, int64_t postmaster,
						   int64_t *pids, int npids, int64_t *foreign,
						   char *err, size_t errlen)
{
	char		buf[OS_READ_BUFSIZE];
	char		cgbuf[OS_CGROUP_BUFSIZE];
	char		path[OS_PATH_SIZE + 64];
	OsCgroup	cg;
	const char *dir;
	const char *p;
	ssize_t		len;
	int			seen = 0;

	if (root == NULL)
		root = "";
	*foreign = 0;
	if (accounting_dir(root, &cg, cgbuf, sizeof(cgbuf), &dir) == OS_CGROUP_NONE)
	{
		format_message(err, errlen, "no cgroup accounts for this process's CPU");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if ((len = read_text(path, buf, sizeof(buf), err, errlen)) < 0)
		return -1;
	if ((size_t) len >= sizeof(buf) - 1)
	{
		format_message(err, errlen, "%s lists more processes than are checked", path);
		return -1;
	}
	qsort(pids, (size_t) npids, sizeof(int64_t), cmp_pid);
	for (p = buf; *p;)
	{
		uint64_t	v;
		int64_t		pid;
		int64_t		ppid;
		uint64_t	self,
					children;
		char		perr[8];

		if (!os_parse_flat_u64_prefix(p, &p, &v))
			break;
		pid = (int64_t) v;
		seen++;
		if (pid == postmaster || pid_listed(pid, pids, npids))
			continue;
		/* the logger, an archive_command, a backend just forked or exiting */
		if (read_pid_stat(root, pid, &ppid, &self, &children, perr, sizeof(perr)))
		{
			if (ppid == postmaster || pid_listed(ppid, pids, npids))
				continue;
		}
		else if (errno == ENOENT || errno == ESRCH)
			continue;			/* gone since the list was read */
		*foreign = pid;
		return 0;
	}
	if (seen == 0)
	{
		format_message(err, errlen, "no process in %s", path);
		return -1;
	}
	return 1;
}

bool
os_read_cgroup_cpu(const char *root, uint64_t *usec, char *err, size_t errlen)
{
	char		buf[OS_READ_BUFSIZE];
	char		cgbuf[OS_CGROUP_BUFSIZE];
	OsCgroup	cg;
	const char *dir;
	OsCgroupMode mode;
	uint64_t	ns;

	if (root == NULL)
		root = "";
	mode = accounting_dir(root, &cg, cgbuf, sizeof(cgbuf), &dir);
	if (mode == OS_CGROUP_V2)
		return read_cgroup_key(dir, "cpu.stat", "usage_usec", buf, usec, err, errlen);
	if (mode == OS_CGROUP_V1)
	{
		if (!read_cgroup_u64(dir, "cpuacct.usage", buf, &ns, err, errlen))
			return false;
		*usec = ns / 1000;
		return true;
	}
	format_message(err, errlen, "no cgroup accounts for this process's CPU");
	return false;
}

bool
os_read_process_cpu(const char *root, int64_t postmaster, const int64_t *pids,
					int npids, uint64_t *usec, char *err, size_t errlen)
{
	int64_t		ppid;
	uint64_t	self,
				children;
	uint64_t	ticks;
	long		clk = sysconf(_SC_CLK_TCK);
	int			i;

	if (root == NULL)
		root = "";
	if (clk <= 0)
	{
		format_message(err, errlen, "sysconf(_SC_CLK_TCK) failed");
		return false;
	}

	/*
	 * The postmaster first: a child that exits after this read is counted
	 * below while it runs and in cutime from the next read on, so no time is
	 * counted twice.
	 */
	if (!read_pid_stat(root, postmaster, &ppid, &self, &children, err, errlen))
		return false;
	ticks = self + children;
	for (i = 0; i < npids; i++)
	{
		char		perr[8];
		uint64_t	cself,
					cchildren;

		if (pids[i] == postmaster)
			continue;
		/* one that exited since the list was made is in cutime next time */
		if (read_pid_stat(root, pids[i], &ppid, &cself, &cchildren, perr, sizeof(perr)))
			ticks += cself + cchildren;
	}
	*usec = ticks * (uint64_t) (1000000 / clk);
	return true;
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
