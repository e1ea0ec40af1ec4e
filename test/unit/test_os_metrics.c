/*-------------------------------------------------------------------------
 *
 * test_os_metrics.c
 *		Unit tests of os_metrics.c, pg_capacity's /proc and cgroup parsers
 *		and formulas, built without the server (test/unit/test_history.c
 *		covers history.c).
 *
 * Run by "make unittest".  Expectations are closed-form: every figure is
 * worked out by hand from the fixture text, never read back from the code
 * under test.  Fixture trees are written into a mkdtemp() directory at run
 * time and removed at the end.
 *
 * To add tests: write a static void test_xxx(void) using CHECK() and
 * CHECK_NEAR(), and add it to the tests[] table at the bottom.
 *
 * The final line is "N passed, N failed", counting individual checks
 * (every CHECK and CHECK_NEAR executed); the exit status is 1 if any
 * failed.  "test_os_metrics --bench N" times N calls of os_read_snapshot()
 * on this machine (200 by default).
 *
 *-------------------------------------------------------------------------
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE				/* sched_getaffinity, nftw */
#endif

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "os_metrics.h"
#include "unit_test.h"


/* ----------------------------------------------------------------
 *		Assertions
 * ----------------------------------------------------------------
 */

#define EPS 1e-9


/* ----------------------------------------------------------------
 *		Fixture helpers
 * ----------------------------------------------------------------
 */

static char fixture_base[64];	/* the mkdtemp() directory, removed at exit */

static void mkdirs(const char *path);
static void put(const char *root, const char *rel, const char *text);
static void make_root(const char *name, char *root, size_t rootlen);
static int	rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw);
static void remove_fixtures(void);
static double test_online_cpus(void);
static void diskstats_for(const char *datadir, char *out, size_t outlen);

/* mkdir -p */
static void
mkdirs(const char *path)
{
	char		tmp[1024];
	char	   *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++)
	{
		if (*p == '/')
		{
			*p = '\0';
			(void) mkdir(tmp, 0755);
			*p = '/';
		}
	}
	(void) mkdir(tmp, 0755);
}

/* Write root/rel with text, creating the directories on the way. */
static void
put(const char *root, const char *rel, const char *text)
{
	char		path[1024];
	char	   *slash;
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdirs(path);
	*slash = '/';
	f = fopen(path, "w");
	if (f == NULL)
	{
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		checks_failed++;
		return;
	}
	fputs(text, f);
	fclose(f);
}

static void
make_root(const char *name, char *root, size_t rootlen)
{
	snprintf(root, rootlen, "%s/%s", fixture_base, name);
	mkdirs(root);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return remove(path);
}

static void
remove_fixtures(void)
{
	if (fixture_base[0])
		nftw(fixture_base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* What os_metrics.c should find: the affinity mask, else online CPUs. */
static double
test_online_cpus(void)
{
	cpu_set_t	set;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return (double) sysconf(_SC_NPROCESSORS_ONLN);
}

/*
 * A /proc/diskstats whose line for datadir's device (whatever it is on the
 * machine running the tests) says: fixdisk, 111 reads, 333 writes, 555 ms
 * of I/O.  Other devices around it, old and new formats.
 */
static void
diskstats_for(const char *datadir, char *out, size_t outlen)
{
	struct stat st;

	if (stat(datadir, &st) != 0)
		memset(&st, 0, sizeof(st));
	snprintf(out, outlen,
			 "   7       0 loop0 12 0 34 1 0 0 0 0 0 4 1 0 0 0 0 0 0\n"
			 "   3       0 hda 900 1 1800 10 800 2 1600 20 0 30 40\n"
			 "%4u %7u fixdisk 111 7 2222 88 333 9 4444 99 0 555 187 0 0 0 0 0 0\n"
			 " 253       9 dm-9 1 2 3 4 5 6 7 8 0 9 10 0 0 0 0 0 0\n",
			 major(st.st_dev), minor(st.st_dev));
}


/* ----------------------------------------------------------------
 *		Realistic source texts
 * ----------------------------------------------------------------
 */

/* /proc/stat of a 2-CPU 6.x kernel (intr line shortened) */
static const char proc_stat_2cpu[] =
"cpu  1713 0 2243 852104 1462 0 25 63 0 0\n"
"cpu0 471 0 1104 426978 67 0 7 31 0 0\n"
"cpu1 1241 0 1138 425125 1395 0 18 32 0 0\n"
"intr 215332 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 15 0 0\n"
"ctxt 397933\n"
"btime 1795809090\n"
"processes 5666\n"
"procs_running 2\n"
"procs_blocked 0\n"
"softirq 218438 0 46787 4 1192 57012 0 2 76583 0 36858\n";

/* /proc/stat of a 4-CPU machine, for the fixture trees */
static const char proc_stat_4cpu[] =
"cpu  10000 500 3000 80000 2000 100 200 300 0 0\n"
"cpu0 2500 125 750 20000 500 25 50 75 0 0\n"
"cpu1 2500 125 750 20000 500 25 50 75 0 0\n"
"cpu2 2500 125 750 20000 500 25 50 75 0 0\n"
"cpu3 2500 125 750 20000 500 25 50 75 0 0\n"
"intr 1 2 3\n"
"ctxt 4\n";

static const char meminfo_16g[] =
"MemTotal:       16777216 kB\n"
"MemFree:        10000000 kB\n"
"MemAvailable:   12582912 kB\n"
"Buffers:            2680 kB\n"
"Cached:           277676 kB\n"
"SwapCached:            0 kB\n"
"Active:            56052 kB\n"
"Inactive:         222668 kB\n"
"Active(anon):       1528 kB\n"
"Inactive(anon):     5708 kB\n"
"Active(file):      54524 kB\n"
"Inactive(file):   216960 kB\n"
"SwapTotal:             0 kB\n"
"SwapFree:              0 kB\n"
"HugePages_Total:       0\n"
"Hugepagesize:       2048 kB\n"
"DirectMap1G:    25165824 kB\n";

/* an excerpt of /proc/vmstat, in kernel order */
static const char vmstat_text[] =
"nr_free_pages 967469\n"
"nr_free_pages_blocks 953856\n"
"nr_zone_inactive_anon 1399\n"
"nr_inactive_file 54240\n"
"workingset_refault_file 125892\n"
"pgpgin 1580521\n"
"pgpgout 297408\n"
"pswpin 10\n"
"pswpout 20\n"
"pgalloc_dma 0\n"
"pgfault 1356075\n"
"pgmajfault 1234\n"
"oom_kill 7\n"
"compact_stall 0\n";

/* cgroup v2 files of a container */
static const char v2_cpu_stat[] =
"usage_usec 987654321\n"
"user_usec 600000000\n"
"system_usec 387654321\n"
"core_sched.force_idle_usec 0\n"
"nr_periods 5000\n"
"nr_throttled 12\n"
"throttled_usec 345678\n"
"nr_bursts 0\n"
"burst_usec 0\n";

static const char v2_memory_stat[] =
"anon 524288000\n"
"file 536870912\n"
"kernel 12345678\n"
"kernel_stack 1048576\n"
"shmem 0\n"
"file_mapped 1000000\n"
"file_dirty 4096\n"
"inactive_anon 100000\n"
"active_anon 524188000\n"
"inactive_file 268435456\n"
"active_file 268435456\n"
"unevictable 0\n"
"slab_reclaimable 2000000\n"
"workingset_refault_file 0\n"
"pgfault 123456\n";

static const char v2_memory_events[] =
"low 0\n"
"high 0\n"
"max 17\n"
"oom 3\n"
"oom_kill 2\n"
"oom_group_kill 0\n";

/* cgroup v1 memory.stat: the total_ keys are hierarchical */
static const char v1_memory_stat[] =
"cache 3395584\n"
"rss 1695744\n"
"inactive_anon 1519616\n"
"active_anon 8192\n"
"inactive_file 1114112\n"
"active_file 2281472\n"
"unevictable 0\n"
"hierarchical_memory_limit 1073741824\n"
"total_cache 3395584\n"
"total_rss 1695744\n"
"total_inactive_anon 1519616\n"
"total_active_anon 8192\n"
"total_inactive_file 134217728\n"
"total_active_file 2281472\n"
"total_unevictable 0\n";

/* /proc/self/cgroup in a docker container on cgroup v1, hybrid host */
static const char v1_self_cgroup[] =
"12:pids:/docker/0123abcd\n"
"11:cpuset:/docker/0123abcd\n"
"10:memory:/docker/0123abcd\n"
"9:blkio:/docker/0123abcd\n"
"4:cpu,cpuacct:/docker/0123abcd\n"
"1:name=systemd:/docker/0123abcd\n"
"0::/\n";


/* ----------------------------------------------------------------
 *		Parser tests
 * ----------------------------------------------------------------
 */

static void
test_parse_cgroup2_cpu_max(void)
{
	double		v = -1.0;

	CHECK(os_parse_cgroup2_cpu_max("200000 100000\n", &v));
	CHECK_NEAR(v, 2.0, EPS);
	CHECK(os_parse_cgroup2_cpu_max("150000 100000\n", &v));
	CHECK_NEAR(v, 1.5, EPS);
	CHECK(os_parse_cgroup2_cpu_max("50000 100000", &v));
	CHECK_NEAR(v, 0.5, EPS);
	v = -1.0;
	CHECK(!os_parse_cgroup2_cpu_max("max 100000\n", &v));
	CHECK(!os_parse_cgroup2_cpu_max("max\n", &v));
	CHECK(!os_parse_cgroup2_cpu_max("100000 0\n", &v));
	CHECK(!os_parse_cgroup2_cpu_max("100000\n", &v));
	CHECK(!os_parse_cgroup2_cpu_max("", &v));
	CHECK(!os_parse_cgroup2_cpu_max("-100000 100000\n", &v));
	CHECK_NEAR(v, -1.0, EPS);	/* untouched on failure */
}

static void
test_parse_cgroup1_quota(void)
{
	double		v = -1.0;

	CHECK(os_parse_cgroup1_quota("200000\n", "100000\n", &v));
	CHECK_NEAR(v, 2.0, EPS);
	CHECK(os_parse_cgroup1_quota("50000\n", "100000\n", &v));
	CHECK_NEAR(v, 0.5, EPS);
	CHECK(os_parse_cgroup1_quota("250000\n", "100000\n", &v));
	CHECK_NEAR(v, 2.5, EPS);
	v = -1.0;
	CHECK(!os_parse_cgroup1_quota("-1\n", "100000\n", &v));
	CHECK(!os_parse_cgroup1_quota("200000\n", "0\n", &v));
	CHECK(!os_parse_cgroup1_quota("max\n", "100000\n", &v));
	CHECK(!os_parse_cgroup1_quota("", "", &v));
	CHECK_NEAR(v, -1.0, EPS);
}

static void
test_parse_keyed(void)
{
	uint64_t	v = 0;

	/* /proc/vmstat */
	CHECK(os_parse_keyed_u64(vmstat_text, "pswpin", &v));
	CHECK_U64(v, 10);
	CHECK(os_parse_keyed_u64(vmstat_text, "pswpout", &v));
	CHECK_U64(v, 20);
	CHECK(os_parse_keyed_u64(vmstat_text, "oom_kill", &v));
	CHECK_U64(v, 7);
	CHECK(os_parse_keyed_u64(vmstat_text, "nr_free_pages", &v));
	CHECK_U64(v, 967469);		/* not nr_free_pages_blocks */
	CHECK(os_parse_keyed_u64(vmstat_text, "compact_stall", &v));
	CHECK_U64(v, 0);			/* last line */
	CHECK(!os_parse_keyed_u64(vmstat_text, "pswp", &v));	/* a prefix only */
	CHECK(!os_parse_keyed_u64(vmstat_text, "free_pages", &v));	/* not at line start */
	CHECK(!os_parse_keyed_u64(vmstat_text, "", &v));

	/* cgroup v2 cpu.stat, memory.stat, memory.events */
	CHECK(os_parse_keyed_u64(v2_cpu_stat, "usage_usec", &v));
	CHECK_U64(v, 987654321);
	CHECK(os_parse_keyed_u64(v2_memory_stat, "inactive_file", &v));
	CHECK_U64(v, 268435456);
	CHECK(os_parse_keyed_u64(v2_memory_events, "oom_kill", &v));
	CHECK_U64(v, 2);			/* not oom 3, not oom_group_kill */

	/* cgroup v1: inactive_file is not total_inactive_file */
	CHECK(os_parse_keyed_u64(v1_memory_stat, "inactive_file", &v));
	CHECK_U64(v, 1114112);
	CHECK(os_parse_keyed_u64(v1_memory_stat, "total_inactive_file", &v));
	CHECK_U64(v, 134217728);

	/* v1 memory.oom_control: oom_kill is not oom_kill_disable */
	CHECK(os_parse_keyed_u64("oom_kill_disable 1\nunder_oom 0\noom_kill 5\n",
							 "oom_kill", &v));
	CHECK_U64(v, 5);
	CHECK(!os_parse_keyed_u64("oom_kill_disable 1\nunder_oom 0\n", "oom_kill", &v));

	/* a key without a number */
	CHECK(!os_parse_keyed_u64("usage_usec x\n", "usage_usec", &v));
	/* the largest value */
	CHECK(os_parse_keyed_u64("big 18446744073709551615\n", "big", &v));
	CHECK_U64(v, UINT64_MAX);
	CHECK(!os_parse_keyed_u64("big 18446744073709551616\n", "big", &v));
}

static void
test_parse_meminfo(void)
{
	uint64_t	kb = 0;

	CHECK(os_parse_meminfo_kb(meminfo_16g, "MemTotal", &kb));
	CHECK_U64(kb, 16777216);
	CHECK(os_parse_meminfo_kb(meminfo_16g, "MemTotal:", &kb));
	CHECK_U64(kb, 16777216);
	CHECK(os_parse_meminfo_kb(meminfo_16g, "MemAvailable", &kb));
	CHECK_U64(kb, 12582912);
	CHECK(os_parse_meminfo_kb(meminfo_16g, "Inactive(file)", &kb));
	CHECK_U64(kb, 216960);
	CHECK(os_parse_meminfo_kb(meminfo_16g, "Inactive", &kb));
	CHECK_U64(kb, 222668);		/* not Inactive(anon) */
	CHECK(os_parse_meminfo_kb(meminfo_16g, "HugePages_Total", &kb));
	CHECK_U64(kb, 0);			/* no unit */
	CHECK(!os_parse_meminfo_kb(meminfo_16g, "Mem", &kb));
	CHECK(!os_parse_meminfo_kb(meminfo_16g, "MemShared", &kb));
	CHECK(!os_parse_meminfo_kb("", "MemTotal", &kb));
}

static void
test_parse_proc_stat(void)
{
	uint64_t	busy = 0,
				total = 0;

	/* busy = 1713 + 0 + 2243 + 0 + 25 + 63; total += 852104 + 1462 */
	CHECK(os_parse_proc_stat_cpu(proc_stat_2cpu, &busy, &total));
	CHECK_U64(busy, 4044);
	CHECK_U64(total, 857610);
	CHECK(os_count_proc_stat_cpus(proc_stat_2cpu) == 2);
	CHECK(os_count_proc_stat_cpus(proc_stat_4cpu) == 4);

	/* busy = 10000 + 500 + 3000 + 100 + 200 + 300; total += 80000 + 2000 */
	CHECK(os_parse_proc_stat_cpu(proc_stat_4cpu, &busy, &total));
	CHECK_U64(busy, 14100);
	CHECK_U64(total, 96100);

	/* 2.6.0-era line: user nice system idle iowait irq softirq */
	CHECK(os_parse_proc_stat_cpu("cpu  100 2 30 400 5 6 7\ncpu0 100 2 30 400 5 6 7\n",
								 &busy, &total));
	CHECK_U64(busy, 145);
	CHECK_U64(total, 550);
	/* 2.4-era: user nice system idle */
	CHECK(os_parse_proc_stat_cpu("cpu  1 2 3 4\n", &busy, &total));
	CHECK_U64(busy, 6);
	CHECK_U64(total, 10);

	CHECK(!os_parse_proc_stat_cpu("cpu0 1 2 3 4\nintr 1\n", &busy, &total));
	CHECK(!os_parse_proc_stat_cpu("cpu  1 2 3\n", &busy, &total));
	CHECK(!os_parse_proc_stat_cpu("", &busy, &total));
	CHECK(os_count_proc_stat_cpus("") == 0);
}

static void
test_parse_diskstats(void)
{
	/*
	 * A 5.5+ kernel (20 fields: 4 discard and 2 flush columns), an old
	 * 14-field line, an 18-field line, a 2.6 partition line with only 4
	 * counters, and partitions whose numbers share prefixes.
	 */
	static const char text[] =
		"   7       0 loop0 12 0 34 1 0 0 0 0 0 4 1 0 0 0 0 0 0\n"
		"   8       0 sda 29821 6993 2202530 28480 5240 5753 561000 6448 0 17408 35362 5715 42 235560 419 321 14\n"
		"   8       1 sda1 29000 6900 2200000 28000 5200 5700 560000 6400 0 17000 35000 5700 40 235000 0 0\n"
		"   8      16 sdb 1 2 3 4 5 6 7 8 9 10 11 0 0 0 0 0 0\n"
		"   8      17 sdb1 100 0 200 0 300 0 400 0 1 500 600 0 0 0 0 0 0\n"
		"   3       0 hda 900 1 1800 10 800 2 1600 20 0 30 40\n"
		"   3       1 hda1 90 180 80 160\n"
		" 259       0 nvme0n1 446 0 27842 93 1024 512 20480 300 0 250 393 0 0 0 0 7 1\n"
		" 253       0 dm-0 41 0 2178 12 70 0 560 44 0 56 56 0 0 0 0 0 0\n";
	char		name[64];
	uint64_t	r = 0,
				w = 0,
				t = 0;

	CHECK(os_parse_diskstats(text, 8, 0, name, sizeof(name), &r, &w, &t));
	CHECK(strcmp(name, "sda") == 0);
	CHECK_U64(r, 29821);
	CHECK_U64(w, 5240);
	CHECK_U64(t, 17408);

	CHECK(os_parse_diskstats(text, 8, 1, name, sizeof(name), &r, &w, &t));
	CHECK(strcmp(name, "sda1") == 0);
	CHECK_U64(r, 29000);
	CHECK_U64(w, 5200);
	CHECK_U64(t, 17000);

	CHECK(os_parse_diskstats(text, 8, 17, name, sizeof(name), &r, &w, &t));
	CHECK(strcmp(name, "sdb1") == 0);
	CHECK_U64(r, 100);
	CHECK_U64(w, 300);
	CHECK_U64(t, 500);

	CHECK(os_parse_diskstats(text, 3, 0, name, sizeof(name), &r, &w, &t));
	CHECK(strcmp(name, "hda") == 0);
	CHECK_U64(r, 900);
	CHECK_U64(w, 800);
	CHECK_U64(t, 30);

	CHECK(os_parse_diskstats(text, 259, 0, name, sizeof(name), &r, &w, &t));
	CHECK(strcmp(name, "nvme0n1") == 0);
	CHECK_U64(r, 446);
	CHECK_U64(w, 1024);
	CHECK_U64(t, 250);

	CHECK(os_parse_diskstats(text, 253, 0, name, sizeof(name), &r, &w, &t));
	CHECK(strcmp(name, "dm-0") == 0);
	CHECK_U64(t, 56);

	/* an old partition line has no io_ticks; unknown devices */
	CHECK(!os_parse_diskstats(text, 3, 1, name, sizeof(name), &r, &w, &t));
	CHECK(!os_parse_diskstats(text, 8, 2, name, sizeof(name), &r, &w, &t));
	CHECK(!os_parse_diskstats(text, 0, 52, name, sizeof(name), &r, &w, &t));
	CHECK(!os_parse_diskstats(text, 25, 0, name, sizeof(name), &r, &w, &t));
	/* a name that does not fit */
	CHECK(!os_parse_diskstats(text, 259, 0, name, 4, &r, &w, &t));
	CHECK(!os_parse_diskstats("", 8, 0, name, sizeof(name), &r, &w, &t));
}

/* /proc/<pid>/stat: comm with blanks and parentheses, tty_nr and tpgid -1 */
static void
test_parse_pid_stat(void)
{
	int64_t		ppid;
	uint64_t	self,
				children;
	const char *line =
		"4242 (postgres: a) b (c)) S 4200 4200 4200 0 -1 4194560 1200 30 0 0 "
		"250 125 7 3 20 0 1 0 98765 225000000 4000 18446744073709551615 1 1 0 0 0 0 "
		"4194304 19935232 1266 0 0 0 17 1 0 0 0 0 0\n";

	CHECK(os_parse_pid_stat(line, &ppid, &self, &children));
	CHECK(ppid == 4200);
	CHECK(self == 375);			/* utime 250 + stime 125 */
	CHECK(children == 10);		/* cutime 7 + cstime 3 */

	/* the postmaster's parent may be 0 (outside our pid namespace) */
	CHECK(os_parse_pid_stat("1 (postgres) S 0 1 1 0 -1 0 0 0 0 0 5 6 70 80 20 0\n",
							&ppid, &self, &children));
	CHECK(ppid == 0 && self == 11 && children == 150);

	/* truncated after stime, no ')' at all, no state, a negative utime */
	CHECK(!os_parse_pid_stat("7 (x) S 1 7 7 0 -1 0 0 0 0 0 5 6\n", &ppid, &self, &children));
	CHECK(!os_parse_pid_stat("7 x S 1 7 7 0 -1 0 0 0 0 0 5 6 7 8\n", &ppid, &self, &children));
	CHECK(!os_parse_pid_stat("7 (x)", &ppid, &self, &children));
	CHECK(!os_parse_pid_stat("7 (x) S 1 7 7 0 -1 0 0 0 0 0 -5 6 7 8\n", &ppid, &self, &children));
	CHECK(!os_parse_pid_stat("", &ppid, &self, &children));
}

/* cgroup.procs: one number a line */
static void
test_parse_u64_list(void)
{
	const char *text = "12\n345\n6\n";
	const char *p = text;
	uint64_t	v;
	uint64_t	sum = 0;
	int			n = 0;

	while (os_parse_flat_u64_prefix(p, &p, &v))
	{
		sum += v;
		n++;
	}
	CHECK(n == 3 && sum == 363);
	CHECK(*p == '\0');
	p = "12\nx\n";
	CHECK(os_parse_flat_u64_prefix(p, &p, &v) && v == 12);
	CHECK(!os_parse_flat_u64_prefix(p, &p, &v));
	CHECK(!os_parse_flat_u64_prefix("", &p, &v));
}

static void
test_parse_cgroup_path(void)
{
	char		path[256];

	CHECK(os_parse_cgroup_path(v1_self_cgroup, "memory", path, sizeof(path)));
	CHECK(strcmp(path, "/docker/0123abcd") == 0);
	CHECK(os_parse_cgroup_path(v1_self_cgroup, "cpu", path, sizeof(path)));
	CHECK(strcmp(path, "/docker/0123abcd") == 0);
	CHECK(os_parse_cgroup_path(v1_self_cgroup, "cpuacct", path, sizeof(path)));
	CHECK(strcmp(path, "/docker/0123abcd") == 0);
	/* hybrid: a "0::" line besides the v1 ones */
	CHECK(os_parse_cgroup_path(v1_self_cgroup, "", path, sizeof(path)));
	CHECK(strcmp(path, "/") == 0);
	/* "cpu" is not "cpuset", "systemd" is not "name=systemd" */
	CHECK(!os_parse_cgroup_path("11:cpuset:/a\n", "cpu", path, sizeof(path)));
	CHECK(!os_parse_cgroup_path(v1_self_cgroup, "systemd", path, sizeof(path)));
	CHECK(os_parse_cgroup_path(v1_self_cgroup, "name=systemd", path, sizeof(path)));

	/* cgroup v2 only; a path with a colon in it; no trailing newline */
	CHECK(os_parse_cgroup_path("0::/system.slice/postgresql@15-main.service\n", "",
							   path, sizeof(path)));
	CHECK(strcmp(path, "/system.slice/postgresql@15-main.service") == 0);
	CHECK(!os_parse_cgroup_path("0::/system.slice\n", "memory", path, sizeof(path)));
	CHECK(os_parse_cgroup_path("0::/a:b", "", path, sizeof(path)));
	CHECK(strcmp(path, "/a:b") == 0);
	CHECK(os_parse_cgroup_path("3:cpuacct,cpu:/x\n", "cpu", path, sizeof(path)));
	CHECK(strcmp(path, "/x") == 0);

	/* v1 only: no "0::" line; too small a buffer; garbage */
	CHECK(!os_parse_cgroup_path("4:memory:/x\n", "", path, sizeof(path)));
	CHECK(!os_parse_cgroup_path("0::/system.slice\n", "", path, 8));
	CHECK(!os_parse_cgroup_path("garbage\n", "", path, sizeof(path)));
	CHECK(!os_parse_cgroup_path("", "memory", path, sizeof(path)));
}


/* ----------------------------------------------------------------
 *		Formula tests
 * ----------------------------------------------------------------
 */

/* Two snapshots that carry every counter; tests then vary one thing. */
static void
make_pair(OsSnapshot *prev, OsSnapshot *cur)
{
	memset(prev, 0, sizeof(*prev));
	prev->has_vcpus = true;
	prev->vcpus = 2.0;
	prev->has_cpu = true;
	prev->cpu_from_cgroup = true;
	prev->cpu_busy_usec = 10000000;
	prev->has_memory = true;
	prev->memory_total = UINT64_C(8589934592);	/* 8 GiB */
	prev->memory_used = UINT64_C(1073741824);
	prev->has_swap = true;
	prev->swap_pages = 1000;
	prev->has_oom = true;
	prev->oom_kills = 3;
	prev->has_fs = true;
	prev->fs_total = UINT64_C(100000000000);
	prev->fs_free = UINT64_C(40000000000);
	prev->has_disk = true;
	strcpy(prev->disk_name, "vda");
	prev->disk_reads = 5000;
	prev->disk_writes = 7000;
	prev->disk_io_ticks = 100000;

	*cur = *prev;
	cur->cpu_busy_usec = 11500000;	/* +1.5 s of CPU */
	cur->memory_used = UINT64_C(2147483648);	/* 2 GiB */
	cur->swap_pages = 1300;
	cur->oom_kills = 5;
	cur->disk_reads = 5500;
	cur->disk_writes = 7250;
	cur->disk_io_ticks = 100250;
}

static void
test_compute_basic(void)
{
	OsSnapshot	prev,
				cur;
	OsMetrics	m;

	make_pair(&prev, &cur);

	/* 1 s: 1.5 CPU-seconds on 2 vcpus = 75 % */
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK(m.has_vcpus);
	CHECK_NEAR(m.vcpus, 2.0, EPS);
	CHECK(m.has_cpu_pct);
	CHECK_NEAR(m.cpu_pct, 75.0, EPS);
	CHECK(m.has_memory);
	CHECK_NEAR(m.memory_total_bytes, 8589934592.0, EPS);
	CHECK_NEAR(m.memory_used_pct, 25.0, EPS);	/* 2 GiB of 8 */
	CHECK(m.has_swap);
	CHECK_NEAR(m.swap_io_per_sec, 300.0, EPS);
	CHECK(m.has_oom);
	CHECK_NEAR(m.oom_kills, 2.0, EPS);
	CHECK(m.has_fs);
	CHECK_NEAR(m.disk_total_bytes, 1e11, EPS);
	CHECK_NEAR(m.disk_free_bytes, 4e10, EPS);
	CHECK(m.has_disk);
	CHECK_NEAR(m.disk_read_iops, 500.0, EPS);
	CHECK_NEAR(m.disk_write_iops, 250.0, EPS);
	CHECK_NEAR(m.disk_util_pct, 25.0, EPS);	/* 250 ms busy in 1000 */

	/* 0.5 s: rates double; io_ticks 250 ms in 500 = 50 %; cpu 150 % -> 100 */
	os_compute(&prev, &cur, 0.5, 0, 0, &m);
	CHECK_NEAR(m.cpu_pct, 100.0, EPS);
	CHECK_NEAR(m.swap_io_per_sec, 600.0, EPS);
	CHECK_NEAR(m.oom_kills, 2.0, EPS);	/* a count, not a rate */
	CHECK_NEAR(m.disk_read_iops, 1000.0, EPS);
	CHECK_NEAR(m.disk_write_iops, 500.0, EPS);
	CHECK_NEAR(m.disk_util_pct, 50.0, EPS);

	/* 2 s: 1.5 CPU-s in 4 CPU-s = 37.5 %; 250 ms in 2000 = 12.5 % */
	os_compute(&prev, &cur, 2.0, 0, 0, &m);
	CHECK_NEAR(m.cpu_pct, 37.5, EPS);
	CHECK_NEAR(m.swap_io_per_sec, 150.0, EPS);
	CHECK_NEAR(m.disk_util_pct, 12.5, EPS);

	/* io_ticks beyond the elapsed time (rounding in the kernel): 100 % */
	cur.disk_io_ticks = prev.disk_io_ticks + 1200;
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK_NEAR(m.disk_util_pct, 100.0, EPS);
}

static void
test_compute_overrides(void)
{
	OsSnapshot	prev,
				cur;
	OsMetrics	m;

	make_pair(&prev, &cur);

	/* pg_capacity.vcpus = 4: 1.5 of 4 = 37.5 % */
	os_compute(&prev, &cur, 1.0, 4.0, 0, &m);
	CHECK_NEAR(m.vcpus, 4.0, EPS);
	CHECK_NEAR(m.cpu_pct, 37.5, EPS);

	/* pg_capacity.memory = 4 GiB: 2 GiB used = 50 % */
	os_compute(&prev, &cur, 1.0, 0, 4294967296.0, &m);
	CHECK_NEAR(m.memory_total_bytes, 4294967296.0, EPS);
	CHECK_NEAR(m.memory_used_pct, 50.0, EPS);

	/* an override below what is used: clamped */
	os_compute(&prev, &cur, 1.0, 0, 1073741824.0, &m);
	CHECK_NEAR(m.memory_used_pct, 100.0, EPS);

	/* override vcpus when detection failed */
	cur.has_vcpus = false;
	cur.vcpus = 0;
	os_compute(&prev, &cur, 1.0, 3.0, 0, &m);
	CHECK(m.has_vcpus);
	CHECK_NEAR(m.vcpus, 3.0, EPS);
	CHECK_NEAR(m.cpu_pct, 50.0, EPS);
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK(!m.has_vcpus);
	CHECK(!m.has_cpu_pct);
}

static void
test_compute_proc_stat(void)
{
	OsSnapshot	prev,
				cur;
	OsMetrics	m;

	make_pair(&prev, &cur);
	prev.cpu_from_cgroup = cur.cpu_from_cgroup = false;
	prev.online_cpus = cur.online_cpus = 4.0;
	prev.vcpus = cur.vcpus = 4.0;
	prev.cpu_busy_usec = 1000000;
	prev.cpu_total_usec = 4000000;
	cur.cpu_busy_usec = 2000000;
	cur.cpu_total_usec = 6000000;	/* half the time busy */

	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK(m.has_cpu_pct);
	CHECK_NEAR(m.cpu_pct, 50.0, EPS);

	/* the ratio does not depend on the caller's clock */
	os_compute(&prev, &cur, 0.25, 0, 0, &m);
	CHECK_NEAR(m.cpu_pct, 50.0, EPS);

	/* 2 busy CPUs of 4 relative to an override of 8: 25 % */
	os_compute(&prev, &cur, 1.0, 8.0, 0, &m);
	CHECK_NEAR(m.cpu_pct, 25.0, EPS);

	/* relative to 3 vcpus: 2 / 3 */
	os_compute(&prev, &cur, 1.0, 3.0, 0, &m);
	CHECK_NEAR(m.cpu_pct, 200.0 / 3.0, 1e-9);

	/* pinned to 1 CPU of 4: 2 busy CPUs exceed it, clamped */
	cur.vcpus = 1.0;
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK_NEAR(m.cpu_pct, 100.0, EPS);

	/* no time passed in /proc/stat */
	cur.vcpus = 4.0;
	cur.cpu_total_usec = prev.cpu_total_usec;
	cur.cpu_busy_usec = prev.cpu_busy_usec;
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK(!m.has_cpu_pct);

	/* idle */
	cur.cpu_total_usec = prev.cpu_total_usec + 4000000;
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK(m.has_cpu_pct);
	CHECK_NEAR(m.cpu_pct, 0.0, EPS);
}

static void
test_compute_invalid(void)
{
	OsSnapshot	prev,
				cur,
				save;
	OsMetrics	m;

	make_pair(&prev, &cur);

	/* no baseline: gauges only */
	os_compute(NULL, &cur, 1.0, 0, 0, &m);
	CHECK(m.has_vcpus && m.has_memory && m.has_fs);
	CHECK(!m.has_cpu_pct && !m.has_swap && !m.has_oom && !m.has_disk);
	CHECK_NEAR(m.memory_used_pct, 25.0, EPS);

	/* no time passed, or a clock that went backwards */
	os_compute(&prev, &cur, 0.0, 0, 0, &m);
	CHECK(m.has_vcpus && m.has_memory && m.has_fs);
	CHECK(!m.has_cpu_pct && !m.has_swap && !m.has_oom && !m.has_disk);
	os_compute(&prev, &cur, -1.0, 0, 0, &m);
	CHECK(!m.has_cpu_pct && !m.has_swap && !m.has_oom && !m.has_disk);

	/* each counter going backwards kills only its own metric */
	save = cur;
	cur.cpu_busy_usec = prev.cpu_busy_usec - 1;
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK(!m.has_cpu_pct && m.has_swap && m.has_oom && m.has_disk);

	cur = save;
	cur.swap_pages = 0;
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK(m.has_cpu_pct && !m.has_swap && m.has_oom && m.has_disk);

	cur = save;
	cur.oom_kills = 0;
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK(m.has_cpu_pct && m.has_swap && !m.has_oom && m.has_disk);

	cur = save;
	cur.disk_reads = 1;
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK(m.has_cpu_pct && m.has_swap && m.has_oom && !m.has_disk);
	cur = save;
	cur.disk_writes = 1;
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK(!m.has_disk);
	cur = save;
	cur.disk_io_ticks = 1;		/* e.g. io_ticks wrapped at 2^32 ms */
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK(!m.has_disk);

	/* the source changed between the snapshots */
	cur = save;
	strcpy(cur.disk_name, "vdb");
	cur.cpu_from_cgroup = false;
	cur.cpu_total_usec = 99999999;
	cur.oom_from_cgroup = true;
	os_compute(&prev, &cur, 1.0, 0, 0, &m);
	CHECK(!m.has_cpu_pct && !m.has_oom && !m.has_disk && m.has_swap);

	/* a source failing in either snapshot */
	cur = save;
	prev.has_cpu = false;
	cur.has_swap = false;
	cur.has_memory = false;
	cur.has_fs = false;
	os_compute(&prev, &cur, 1.0, 0, 4294967296.0, &m);
	CHECK(!m.has_cpu_pct && !m.has_swap && !m.has_memory && !m.has_fs);
	CHECK(m.has_oom && m.has_disk);
}


/* ----------------------------------------------------------------
 *		Reading fixture trees
 * ----------------------------------------------------------------
 */

/* Failed sources all have a message, the others none. */
static void
check_messages(const OsSnapshot *s)
{
	int			i;

	for (i = 0; i < OS_NUM_SOURCES; i++)
	{
		if (s->failed & (1u << i))
			CHECK(s->message[i][0] != '\0');
		else
			CHECK(s->message[i][0] == '\0');
	}
}

static void
test_read_cgroup_v2(void)
{
	char		root[256];
	char		disk[1024];
	double		online = test_online_cpus();
	OsSnapshot	s;

	/* a Kubernetes pod: 1.5 CPUs, 2 GiB, files below the cgroup path */
	make_root("v2", root, sizeof(root));
	diskstats_for(root, disk, sizeof(disk));
	put(root, "proc/self/cgroup", "0::/kubepods.slice/pod1/ctr\n");
	put(root, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	put(root, "sys/fs/cgroup/kubepods.slice/pod1/ctr/cpu.max", "150000 100000\n");
	put(root, "sys/fs/cgroup/kubepods.slice/pod1/ctr/cpu.stat", v2_cpu_stat);
	put(root, "sys/fs/cgroup/kubepods.slice/pod1/ctr/memory.max", "2147483648\n");
	put(root, "sys/fs/cgroup/kubepods.slice/pod1/ctr/memory.current", "1073741824\n");
	put(root, "sys/fs/cgroup/kubepods.slice/pod1/ctr/memory.stat", v2_memory_stat);
	put(root, "sys/fs/cgroup/kubepods.slice/pod1/ctr/memory.events", v2_memory_events);
	/* decoys at the mount root, which must not be read */
	put(root, "sys/fs/cgroup/cpu.stat", "usage_usec 1\n");
	put(root, "sys/fs/cgroup/memory.current", "1\n");
	put(root, "proc/stat", proc_stat_4cpu);
	put(root, "proc/meminfo", meminfo_16g);
	put(root, "proc/vmstat", vmstat_text);
	put(root, "proc/diskstats", disk);

	os_read_snapshot(root, root, &s);
	CHECK(s.failed == 0);
	check_messages(&s);
	CHECK(s.has_vcpus);
	CHECK_NEAR(s.vcpus, online < 1.5 ? online : 1.5, EPS);
	CHECK(s.has_cpu && s.cpu_from_cgroup);
	CHECK_U64(s.cpu_busy_usec, 987654321);
	CHECK(s.has_memory && s.memory_from_cgroup);
	CHECK_U64(s.memory_total, UINT64_C(2147483648));
	CHECK_U64(s.memory_used, UINT64_C(1073741824) - UINT64_C(268435456));
	CHECK(s.has_swap);
	CHECK_U64(s.swap_pages, 30);
	CHECK(s.has_oom && s.oom_from_cgroup);
	CHECK_U64(s.oom_kills, 2);
	CHECK(s.has_fs && s.fs_total > 0 && s.fs_free <= s.fs_total);
	CHECK(s.has_disk);
	CHECK(strcmp(s.disk_name, "fixdisk") == 0);
	CHECK_U64(s.disk_reads, 111);
	CHECK_U64(s.disk_writes, 333);
	CHECK_U64(s.disk_io_ticks, 555);

	/*
	 * The same container with a cgroup namespace ("0::/"), or seeing a host
	 * path that does not exist in its mount: its files are at the root.
	 */
	make_root("v2ns", root, sizeof(root));
	put(root, "proc/self/cgroup", "0::/\n");
	put(root, "sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
	put(root, "sys/fs/cgroup/cpu.max", "50000 100000\n");
	put(root, "sys/fs/cgroup/cpu.stat", v2_cpu_stat);
	put(root, "sys/fs/cgroup/memory.max", "536870912\n");
	put(root, "sys/fs/cgroup/memory.current", "134217728\n");
	put(root, "sys/fs/cgroup/memory.stat", "anon 1\ninactive_file 33554432\n");
	put(root, "sys/fs/cgroup/memory.events", v2_memory_events);
	put(root, "proc/meminfo", meminfo_16g);
	put(root, "proc/vmstat", vmstat_text);
	os_read_snapshot(root, "/nonexistent/pg_capacity", &s);
	CHECK(s.failed == (OS_SRC_FILESYSTEM | OS_SRC_DISKSTATS));
	CHECK_NEAR(s.vcpus, 0.5, EPS);
	CHECK(s.cpu_from_cgroup);
	CHECK_U64(s.cpu_busy_usec, 987654321);
	CHECK_U64(s.memory_total, 536870912);
	CHECK_U64(s.memory_used, 134217728 - 33554432);
	CHECK(s.oom_from_cgroup);

	put(root, "proc/self/cgroup", "0::/kubepods/burstable/pod9/abc\n");
	os_read_snapshot(root, "/nonexistent/pg_capacity", &s);
	CHECK_NEAR(s.vcpus, 0.5, EPS);
	CHECK_U64(s.memory_total, 536870912);

	/*
	 * No limits ("max"), and a memory limit above the machine's memory:
	 * the machine's figures, from /proc.  A service on a plain host looks
	 * like this.
	 */
	put(root, "proc/self/cgroup", "0::/\n");
	put(root, "sys/fs/cgroup/cpu.max", "max 100000\n");
	put(root, "sys/fs/cgroup/memory.max", "max\n");
	put(root, "proc/stat", proc_stat_4cpu);
	os_read_snapshot(root, "/nonexistent/pg_capacity", &s);
	CHECK(s.failed == (OS_SRC_FILESYSTEM | OS_SRC_DISKSTATS));
	CHECK_NEAR(s.vcpus, online, EPS);
	CHECK(s.has_cpu && !s.cpu_from_cgroup);
	/* 14100 and 96100 ticks (see test_parse_proc_stat) */
	CHECK_U64(s.cpu_busy_usec, UINT64_C(14100) * 1000000 / (uint64_t) sysconf(_SC_CLK_TCK));
	CHECK_U64(s.cpu_total_usec, UINT64_C(96100) * 1000000 / (uint64_t) sysconf(_SC_CLK_TCK));
	CHECK_NEAR(s.online_cpus, 4.0, EPS);
	CHECK(s.has_memory && !s.memory_from_cgroup);
	CHECK_U64(s.memory_total, UINT64_C(16777216) * 1024);
	CHECK_U64(s.memory_used, (UINT64_C(16777216) - UINT64_C(12582912)) * 1024);
	CHECK(s.has_oom && !s.oom_from_cgroup);
	CHECK_U64(s.oom_kills, 7);

	put(root, "sys/fs/cgroup/memory.max", "68719476736\n");	/* 64 GiB */
	os_read_snapshot(root, "/nonexistent/pg_capacity", &s);
	CHECK(!s.memory_from_cgroup);
	CHECK_U64(s.memory_total, UINT64_C(16777216) * 1024);

	/* a quota above the CPUs we can use is capped by them */
	put(root, "sys/fs/cgroup/cpu.max", "6400000 100000\n");
	os_read_snapshot(root, "/nonexistent/pg_capacity", &s);
	CHECK_NEAR(s.vcpus, online < 64 ? online : 64, EPS);
	CHECK(s.cpu_from_cgroup);

	/* a quota but no usage counter: /proc/stat, scaled in os_compute */
	put(root, "sys/fs/cgroup/cpu.max", "50000 100000\n");
	snprintf(disk, sizeof(disk), "%s/sys/fs/cgroup/cpu.stat", root);
	CHECK(unlink(disk) == 0);
	os_read_snapshot(root, "/nonexistent/pg_capacity", &s);
	CHECK_NEAR(s.vcpus, 0.5, EPS);
	CHECK(s.has_cpu && !s.cpu_from_cgroup);
	CHECK_NEAR(s.online_cpus, 4.0, EPS);

	/* a "0::" line but no unified hierarchy mounted: the machine's figures */
	put(root, "sys/fs/cgroup/memory.max", "536870912\n");
	snprintf(disk, sizeof(disk), "%s/sys/fs/cgroup/cgroup.controllers", root);
	CHECK(unlink(disk) == 0);
	os_read_snapshot(root, "/nonexistent/pg_capacity", &s);
	CHECK_NEAR(s.vcpus, online, EPS);
	CHECK(!s.memory_from_cgroup && !s.oom_from_cgroup);
	CHECK_U64(s.memory_total, UINT64_C(16777216) * 1024);
}

static void
test_read_cgroup_v1(void)
{
	char		root[256];
	char		path[512];
	char		disk[1024];
	double		online = test_online_cpus();
	OsSnapshot	s;

	/*
	 * Docker on cgroup v1 (hybrid: unified tree at sys/fs/cgroup/unified).
	 * cpu and cpuacct share a "cpu,cpuacct" mount with no symlinks, and
	 * hold our cgroup's directory; memory shows our cgroup at its root.
	 */
	make_root("v1", root, sizeof(root));
	diskstats_for(root, disk, sizeof(disk));
	put(root, "proc/self/cgroup", v1_self_cgroup);
	put(root, "sys/fs/cgroup/unified/cgroup.controllers", "\n");
	put(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
	put(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
	put(root, "sys/fs/cgroup/cpu,cpuacct/cpuacct.usage", "1\n");
	put(root, "sys/fs/cgroup/cpu,cpuacct/docker/0123abcd/cpu.cfs_quota_us", "50000\n");
	put(root, "sys/fs/cgroup/cpu,cpuacct/docker/0123abcd/cpu.cfs_period_us", "100000\n");
	put(root, "sys/fs/cgroup/cpu,cpuacct/docker/0123abcd/cpuacct.usage", "123456789000\n");
	put(root, "sys/fs/cgroup/memory/memory.limit_in_bytes", "1073741824\n");
	put(root, "sys/fs/cgroup/memory/memory.usage_in_bytes", "536870912\n");
	put(root, "sys/fs/cgroup/memory/memory.stat", v1_memory_stat);
	put(root, "sys/fs/cgroup/memory/memory.oom_control",
		"oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
	put(root, "proc/stat", proc_stat_2cpu);
	put(root, "proc/meminfo", meminfo_16g);
	put(root, "proc/vmstat", vmstat_text);
	put(root, "proc/diskstats", disk);

	os_read_snapshot(root, root, &s);
	CHECK(s.failed == 0);
	check_messages(&s);
	CHECK_NEAR(s.vcpus, online < 0.5 ? online : 0.5, EPS);
	CHECK(s.has_cpu && s.cpu_from_cgroup);
	CHECK_U64(s.cpu_busy_usec, 123456789);	/* ns -> us */
	CHECK(s.has_memory && s.memory_from_cgroup);
	CHECK_U64(s.memory_total, 1073741824);
	CHECK_U64(s.memory_used, 536870912 - 134217728);	/* total_inactive_file */
	CHECK(s.has_oom && s.oom_from_cgroup);
	CHECK_U64(s.oom_kills, 4);
	CHECK_U64(s.swap_pages, 30);
	CHECK(s.has_disk && strcmp(s.disk_name, "fixdisk") == 0);

	/* with the usual symlinks, and "cpuacct,cpu" naming: the same */
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/cpu,cpuacct", root);
	{
		char		newpath[512];

		snprintf(newpath, sizeof(newpath), "%s/sys/fs/cgroup/cpuacct,cpu", root);
		CHECK(rename(path, newpath) == 0);
	}
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/cpu", root);
	CHECK(symlink("cpuacct,cpu", path) == 0);
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup/cpuacct", root);
	CHECK(symlink("cpuacct,cpu", path) == 0);
	os_read_snapshot(root, root, &s);
	CHECK(s.failed == 0);
	CHECK_NEAR(s.vcpus, online < 0.5 ? online : 0.5, EPS);
	CHECK_U64(s.cpu_busy_usec, 123456789);

	/*
	 * No limits: quota -1 and the "unlimited" memory limit, as on this very
	 * machine.  The machine's figures, OOM kills from /proc/vmstat.
	 */
	put(root, "sys/fs/cgroup/cpuacct,cpu/docker/0123abcd/cpu.cfs_quota_us", "-1\n");
	put(root, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
	os_read_snapshot(root, root, &s);
	CHECK(s.failed == 0);
	CHECK_NEAR(s.vcpus, online, EPS);
	CHECK(s.has_cpu && !s.cpu_from_cgroup);
	CHECK_U64(s.cpu_busy_usec, UINT64_C(4044) * 1000000 / (uint64_t) sysconf(_SC_CLK_TCK));
	CHECK_U64(s.cpu_total_usec, UINT64_C(857610) * 1000000 / (uint64_t) sysconf(_SC_CLK_TCK));
	CHECK_NEAR(s.online_cpus, 2.0, EPS);
	CHECK(!s.memory_from_cgroup);
	CHECK_U64(s.memory_total, UINT64_C(16777216) * 1024);
	CHECK(!s.oom_from_cgroup);
	CHECK_U64(s.oom_kills, 7);

	/* a kernel before 4.13: no oom_kill anywhere */
	put(root, "proc/vmstat", "pswpin 1\npswpout 2\n");
	os_read_snapshot(root, root, &s);
	CHECK(s.failed == OS_SRC_OOM);
	check_messages(&s);
	CHECK(!s.has_oom && s.has_swap);
	CHECK_U64(s.swap_pages, 3);
}

/*
 * PostgreSQL's own CPU: is the cgroup PostgreSQL's alone, its usage, and the
 * sum over the processes (fixture: postmaster 100, server processes 101 and
 * 102, the logger 103 (a child of 100 without a PGPROC), a foreign 900).
 */
static void
test_read_postgres_cpu(void)
{
	char		root[256];
	char		err[160];
	int64_t		pids[2] = {102, 101};
	int64_t		foreign;
	uint64_t	usec;
	long		clk = sysconf(_SC_CLK_TCK);
	const char *dir = "sys/fs/cgroup/cpu,cpuacct/docker/0123abcd";
	char		path[512];

	make_root("pgcpu", root, sizeof(root));
	put(root, "proc/self/cgroup", v1_self_cgroup);
	snprintf(path, sizeof(path), "%s/cpuacct.usage", dir);
	put(root, path, "7000000000\n");
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	put(root, path, "100\n101\n102\n103\n");
	put(root, "proc/100/stat", "100 (postgres) S 1 100 100 0 -1 0 0 0 0 0 50 50 300 100 20 0\n");
	put(root, "proc/101/stat", "101 (postgres: checkpointer ) S 100 100 100 0 -1 0 0 0 0 0 20 5 0 0 20 0\n");
	put(root, "proc/102/stat", "102 (postgres: postgres db [local] idle) S 100 100 100 0 -1 0 0 0 0 0 400 100 0 0 20 0\n");
	put(root, "proc/103/stat", "103 (postgres: logger ) S 100 100 100 0 -1 0 0 0 0 0 1 1 0 0 20 0\n");
	put(root, "proc/900/stat", "900 (patroni) S 1 900 900 0 -1 0 0 0 0 0 9 9 0 0 20 0\n");

	/* only PostgreSQL: the logger counts as the postmaster's child */
	CHECK(os_cgroup_is_postgres_only(root, 100, pids, 2, &foreign, err, sizeof(err)) == 1);
	CHECK(pids[0] == 101);		/* sorted in place */
	/* a foreign process */
	put(root, path, "900\n100\n101\n102\n");
	CHECK(os_cgroup_is_postgres_only(root, 100, pids, 2, &foreign, err, sizeof(err)) == 0);
	CHECK(foreign == 900);
	/* a pid gone since the list was read is no foreigner */
	put(root, path, "100\n101\n555\n");
	CHECK(os_cgroup_is_postgres_only(root, 100, pids, 2, &foreign, err, sizeof(err)) == 1);

	/* the cgroup's usage, quota or not: ns -> us */
	CHECK(os_read_cgroup_cpu(root, &usec, err, sizeof(err)));
	CHECK_U64(usec, 7000000);

	/*
	 * The processes: the postmaster's 50 + 50 + reaped 300 + 100, the
	 * checkpointer's 25, the backend's 500; a listed pid without a stat
	 * file (exited) adds nothing.
	 */
	{
		int64_t		procs[3] = {101, 102, 777};

		CHECK(os_read_process_cpu(root, 100, procs, 3, &usec, err, sizeof(err)));
		CHECK_U64(usec, (uint64_t) (500 + 25 + 500) * (uint64_t) (1000000 / clk));
	}
	/* no postmaster: an error, no figure */
	CHECK(!os_read_process_cpu(root, 4242, pids, 2, &usec, err, sizeof(err)));
	CHECK(strstr(err, "4242") != NULL);

	/* no cgroup at all */
	make_root("pgcpu_none", root, sizeof(root));
	CHECK(os_cgroup_is_postgres_only(root, 100, pids, 2, &foreign, err, sizeof(err)) == -1);
	CHECK(!os_read_cgroup_cpu(root, &usec, err, sizeof(err)));
}

static void
test_read_empty_root(void)
{
	char		root[256];
	OsSnapshot	s;
	int			i;

	/* nothing at all: every source fails, with a message, except vcpus */
	make_root("empty", root, sizeof(root));
	memset(&s, 0x7f, sizeof(s));	/* garbage in: must be reset */
	os_read_snapshot(root, "/nonexistent/pg_capacity", &s);
	CHECK(s.failed == (OS_SRC_CPU_USAGE | OS_SRC_MEMORY | OS_SRC_VMSTAT |
					   OS_SRC_OOM | OS_SRC_FILESYSTEM | OS_SRC_DISKSTATS));
	check_messages(&s);
	CHECK(s.has_vcpus && s.vcpus >= 1.0);	/* from the affinity mask */
	CHECK(!s.has_cpu && !s.has_memory && !s.has_swap && !s.has_oom &&
		  !s.has_fs && !s.has_disk);
	CHECK(strstr(s.message[1], "/proc/stat: No such file or directory") != NULL);
	CHECK(strstr(s.message[2], "/proc/meminfo: No such file or directory") != NULL);
	CHECK(strstr(s.message[3], "open ") == s.message[3]);
	CHECK(strstr(s.message[3], "/proc/vmstat: No such file or directory") != NULL);
	CHECK(strstr(s.message[5], "/nonexistent/pg_capacity") != NULL);
	for (i = 0; i < OS_NUM_SOURCES; i++)
	{
		if (s.message[i][0])
			printf("  empty root, source %d: %s\n", i, s.message[i]);
	}

	/* a data directory on a device with no diskstats line (major 0) */
	put(root, "proc/diskstats", "   8       0 sda 1 2 3 4 5 6 7 8 0 9 10\n");
	os_read_snapshot(root, "/proc", &s);
	CHECK(s.has_fs);
	CHECK(!s.has_disk && (s.failed & OS_SRC_DISKSTATS));
	CHECK(strstr(s.message[6], "device 0:") != NULL);
	printf("  /proc as data directory: %s\n", s.message[6]);

	/* NULL root and data directory */
	os_read_snapshot(NULL, NULL, &s);
	CHECK(s.failed & OS_SRC_FILESYSTEM);
	CHECK(s.has_vcpus);
}

/* The real machine: not asserted beyond sanity, printed for the eye. */
static void
test_read_real(void)
{
	OsSnapshot	a,
				b;
	OsMetrics	m;
	struct timespec t0,
				t1;
	int			i;

	os_read_snapshot("", "/", &a);
	CHECK(a.has_vcpus && a.vcpus > 0.0);
	printf("  real: failed=0x%x vcpus=%g cpu(from_cgroup=%d busy=%llu total=%llu online=%g) "
		   "mem(from_cgroup=%d total=%llu used=%llu) swap=%llu oom(from_cgroup=%d %llu) "
		   "fs(%llu/%llu) disk(%s r=%llu w=%llu t=%llu)\n",
		   a.failed, a.vcpus, a.cpu_from_cgroup,
		   (unsigned long long) a.cpu_busy_usec, (unsigned long long) a.cpu_total_usec,
		   a.online_cpus, a.memory_from_cgroup,
		   (unsigned long long) a.memory_total, (unsigned long long) a.memory_used,
		   (unsigned long long) a.swap_pages, a.oom_from_cgroup,
		   (unsigned long long) a.oom_kills,
		   (unsigned long long) a.fs_free, (unsigned long long) a.fs_total,
		   a.disk_name, (unsigned long long) a.disk_reads,
		   (unsigned long long) a.disk_writes, (unsigned long long) a.disk_io_ticks);
	for (i = 0; i < OS_NUM_SOURCES; i++)
	{
		if (a.failed & (1u << i))
			printf("  real: source %d failed: %s\n", i, a.message[i]);
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	usleep(200000);
	os_read_snapshot("", "/", &b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	os_compute(&a, &b, (double) (t1.tv_sec - t0.tv_sec) +
			   (double) (t1.tv_nsec - t0.tv_nsec) / 1e9, 0, 0, &m);
	CHECK(m.has_vcpus && m.vcpus > 0.0);
	CHECK(!m.has_cpu_pct || (m.cpu_pct >= 0.0 && m.cpu_pct <= 100.0));
	printf("  real: vcpus=%g cpu_pct=%s%.2f mem_total=%.0f mem_used_pct=%.2f "
		   "swap/s=%.1f oom=%.0f disk_total=%.0f disk_free=%.0f "
		   "r/s=%.1f w/s=%.1f util=%.2f%%\n",
		   m.vcpus, m.has_cpu_pct ? "" : "(null)", m.cpu_pct,
		   m.memory_total_bytes, m.memory_used_pct, m.swap_io_per_sec,
		   m.oom_kills, m.disk_total_bytes, m.disk_free_bytes,
		   m.disk_read_iops, m.disk_write_iops, m.disk_util_pct);
}

static int	bench_calls = 200;

static void
bench_read_real(void)
{
	OsSnapshot	s;
	struct timespec t0,
				t1,
				c0,
				c1;
	double		wall,
				cpu;
	int			i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (i = 0; i < bench_calls; i++)
		os_read_snapshot("", "/", &s);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wall = ((double) (t1.tv_sec - t0.tv_sec) * 1e9 + (double) (t1.tv_nsec - t0.tv_nsec)) / 1e3;
	cpu = ((double) (c1.tv_sec - c0.tv_sec) * 1e9 + (double) (c1.tv_nsec - c0.tv_nsec)) / 1e3;
	CHECK(s.has_vcpus);
	printf("  os_read_snapshot: %d calls, %.1f us wall, %.1f us CPU per call\n",
		   bench_calls, wall / bench_calls, cpu / bench_calls);
}


/* ----------------------------------------------------------------
 *		Driver
 * ----------------------------------------------------------------
 */

typedef struct UnitTest
{
	const char *name;
	void		(*fn) (void);
} UnitTest;

static const UnitTest tests[] = {
	{"parse_cgroup2_cpu_max", test_parse_cgroup2_cpu_max},
	{"parse_cgroup1_quota", test_parse_cgroup1_quota},
	{"parse_keyed", test_parse_keyed},
	{"parse_meminfo", test_parse_meminfo},
	{"parse_proc_stat", test_parse_proc_stat},
	{"parse_diskstats", test_parse_diskstats},
	{"parse_cgroup_path", test_parse_cgroup_path},
	{"parse_pid_stat", test_parse_pid_stat},
	{"parse_u64_list", test_parse_u64_list},
	{"compute_basic", test_compute_basic},
	{"compute_overrides", test_compute_overrides},
	{"compute_proc_stat", test_compute_proc_stat},
	{"compute_invalid", test_compute_invalid},
	{"read_cgroup_v2", test_read_cgroup_v2},
	{"read_cgroup_v1", test_read_cgroup_v1},
	{"read_empty_root", test_read_empty_root},
	{"read_postgres_cpu", test_read_postgres_cpu},
	{"read_real", test_read_real},
	{"bench_read_real", bench_read_real},
	{NULL, NULL}
};

int
main(int argc, char **argv)
{
	const char *tmpdir = getenv("TMPDIR");
	int			i;

	if (argc == 3 && strcmp(argv[1], "--bench") == 0)
		bench_calls = atoi(argv[2]) > 0 ? atoi(argv[2]) : 1;

	snprintf(fixture_base, sizeof(fixture_base), "%s/pg_capacity_unit.XXXXXX",
			 tmpdir && tmpdir[0] && strlen(tmpdir) < 32 ? tmpdir : "/tmp");
	if (mkdtemp(fixture_base) == NULL)
	{
		fprintf(stderr, "mkdtemp %s: %s\n", fixture_base, strerror(errno));
		return 1;
	}

	for (i = 0; tests[i].name; i++)
	{
		int			failed_before = checks_failed;

		current_test = tests[i].name;
		tests[i].fn();
		printf("%s %s\n", checks_failed == failed_before ? "ok  " : "FAIL",
			   tests[i].name);
	}
	remove_fixtures();

	/* counts are of individual checks */
	return unit_test_summary();
}
