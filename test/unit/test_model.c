/*-------------------------------------------------------------------------
 *
 * test_model.c
 *		Exact tests of the capacity model (src/model.c), built without the
 *		server: every expected figure is closed-form or the playbook's own
 *		example, worked out here rather than read back from the code.
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

#include "matrix.h"
#include "model.h"
#include "unit_test.h"


#define KB	1024.0
#define MB	(1024.0 * 1024.0)
#define GB	(1024.0 * 1024.0 * 1024.0)
#define TB	(GB * 1024.0)

/* the eight blocks, lowest first */
#define B1	"\xe2\x96\x81"
#define B2	"\xe2\x96\x82"
#define B3	"\xe2\x96\x83"
#define B4	"\xe2\x96\x84"
#define B5	"\xe2\x96\x85"
#define B6	"\xe2\x96\x86"
#define B7	"\xe2\x96\x87"
#define B8	"\xe2\x96\x88"

static void
test_levels(void)
{
	CHECK_STR(cap_level_kind_names[CAP_LEVEL_UNKNOWN], "unknown");
	CHECK_STR(cap_level_kind_names[CAP_LEVEL_OK], "ok");
	CHECK_STR(cap_level_kind_names[CAP_LEVEL_WARNING], "warning");
	CHECK_STR(cap_level_kind_names[CAP_LEVEL_CRITICAL], "critical");
	CHECK_STR(cap_level_kind_names[CAP_LEVEL_EMERGENCY], "emergency");

	/* the Escalation Path: 70 / 85 / 95 */
	CHECK(cap_level_for_utilization(0, 70, 85, 95) == CAP_LEVEL_OK);
	CHECK(cap_level_for_utilization(69.9, 70, 85, 95) == CAP_LEVEL_OK);
	CHECK(cap_level_for_utilization(70, 70, 85, 95) == CAP_LEVEL_WARNING);
	CHECK(cap_level_for_utilization(84.99, 70, 85, 95) == CAP_LEVEL_WARNING);
	CHECK(cap_level_for_utilization(85, 70, 85, 95) == CAP_LEVEL_CRITICAL);
	CHECK(cap_level_for_utilization(95, 70, 85, 95) == CAP_LEVEL_EMERGENCY);
	CHECK(cap_level_for_utilization(120, 70, 85, 95) == CAP_LEVEL_EMERGENCY);
	CHECK(cap_level_for_utilization(NAN, 70, 85, 95) == CAP_LEVEL_UNKNOWN);
	CHECK(cap_level_for_utilization(50, NAN, 85, 95) == CAP_LEVEL_UNKNOWN);

	/* worse: unknown loses to every known level */
	CHECK(cap_level_worse(CAP_LEVEL_UNKNOWN, CAP_LEVEL_OK) == CAP_LEVEL_OK);
	CHECK(cap_level_worse(CAP_LEVEL_OK, CAP_LEVEL_UNKNOWN) == CAP_LEVEL_OK);
	CHECK(cap_level_worse(CAP_LEVEL_UNKNOWN, CAP_LEVEL_UNKNOWN) == CAP_LEVEL_UNKNOWN);
	CHECK(cap_level_worse(CAP_LEVEL_OK, CAP_LEVEL_WARNING) == CAP_LEVEL_WARNING);
	CHECK(cap_level_worse(CAP_LEVEL_CRITICAL, CAP_LEVEL_WARNING) == CAP_LEVEL_CRITICAL);
	CHECK(cap_level_worse(CAP_LEVEL_EMERGENCY, CAP_LEVEL_CRITICAL) == CAP_LEVEL_EMERGENCY);
	CHECK(cap_level_worse(CAP_LEVEL_UNKNOWN, CAP_LEVEL_EMERGENCY) == CAP_LEVEL_EMERGENCY);
}

static void
test_threshold_levels(void)
{
	/* replication lag above 5 s */
	CHECK(cap_level_for_threshold(6, 8, 5, true) == CAP_LEVEL_CRITICAL);
	CHECK(cap_level_for_threshold(2, 7, 5, true) == CAP_LEVEL_WARNING);
	CHECK(cap_level_for_threshold(2, 4, 5, true) == CAP_LEVEL_OK);
	CHECK(cap_level_for_threshold(5, 5, 5, true) == CAP_LEVEL_OK);
	CHECK(cap_level_for_threshold(2, NAN, 5, true) == CAP_LEVEL_OK);
	CHECK(cap_level_for_threshold(NAN, 7, 5, true) == CAP_LEVEL_UNKNOWN);
	CHECK(cap_level_for_threshold(2, 7, NAN, true) == CAP_LEVEL_UNKNOWN);

	/* cache hit ratio below 0.95 */
	CHECK(cap_level_for_threshold(0.90, 0.85, 0.95, false) == CAP_LEVEL_CRITICAL);
	CHECK(cap_level_for_threshold(0.97, 0.90, 0.95, false) == CAP_LEVEL_WARNING);
	CHECK(cap_level_for_threshold(0.99, 0.96, 0.95, false) == CAP_LEVEL_OK);
	CHECK(cap_level_for_threshold(NAN, 0.5, 0.95, false) == CAP_LEVEL_UNKNOWN);

	/* checkpoints closer than 300 s */
	CHECK(cap_level_for_threshold(120, 60, 300, false) == CAP_LEVEL_CRITICAL);
	CHECK(cap_level_for_threshold(600, 200, 300, false) == CAP_LEVEL_WARNING);
}

static void
test_sparkline(void)
{
	double		ramp[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	double		flat[5] = {3, 3, 3, 3, 3};
	double		holes[3] = {0, NAN, 7};
	double		pairs[6] = {0, 2, 4, 4, 10, 6};
	double		uneven[7] = {0, 0, 8, 8, 1, 1, 100};
	double		split[5] = {1, 3, 5, 7, 9};
	double		gap[4] = {1, NAN, NAN, 5};
	double		nans[2] = {NAN, NAN};
	double		lead[3] = {NAN, 0, 7};
	char		out[64];

	cap_sparkline(ramp, 8, 8, out, sizeof(out));
	CHECK_STR(out, "▁▂▃▄▅▆▇█");
	CHECK_STR(out, B1 B2 B3 B4 B5 B6 B7 B8);
	CHECK(strlen(out) == 3 * 8);

	cap_sparkline(flat, 5, 5, out, sizeof(out));
	CHECK_STR(out, B1 B1 B1 B1 B1);

	cap_sparkline(holes, 3, 3, out, sizeof(out));
	CHECK_STR(out, B1 " " B8);

	cap_sparkline(nans, 2, 2, out, sizeof(out));
	CHECK_STR(out, "  ");

	/* averaged into 3 cells: means 1, 4, 8; (4 - 1) / 7 * 8 = 3.43 -> band 3 */
	cap_sparkline(pairs, 6, 3, out, sizeof(out));
	CHECK_STR(out, B1 B4 B8);

	/*
	 * 7 values into 3 cells: [0, 2), [2, 4), [4, 7) -> means 0, 8, 34;
	 * 8 / 34 * 8 = 1.88 -> band 1.
	 */
	cap_sparkline(uneven, 7, 3, out, sizeof(out));
	CHECK_STR(out, B1 B2 B8);

	/* 5 into 2: [0, 2), [2, 5) -> means 2 and 7 */
	cap_sparkline(split, 5, 2, out, sizeof(out));
	CHECK_STR(out, B1 B8);

	/* 4 into 2: the NaN is skipped in both cells' means: 1 and 5 */
	cap_sparkline(gap, 4, 2, out, sizeof(out));
	CHECK_STR(out, B1 B8);

	/* everything into one cell: constant, lowest block */
	cap_sparkline(ramp, 8, 1, out, sizeof(out));
	CHECK_STR(out, B1);

	/* width larger than n: n cells, not stretched */
	cap_sparkline(ramp, 8, 20, out, sizeof(out));
	CHECK_STR(out, B1 B2 B3 B4 B5 B6 B7 B8);

	/* n == 0, width 0 */
	strcpy(out, "x");
	cap_sparkline(ramp, 0, 8, out, sizeof(out));
	CHECK_STR(out, "");
	strcpy(out, "x");
	cap_sparkline(ramp, 8, 0, out, sizeof(out));
	CHECK_STR(out, "");

	/* truncation at a character boundary: 8 bytes hold two blocks + NUL */
	memset(out, 'x', sizeof(out));
	cap_sparkline(ramp, 8, 8, out, 8);
	CHECK_STR(out, B1 B2);
	CHECK(out[7] == 'x');
	cap_sparkline(ramp, 8, 8, out, 3 * 8);	/* one byte short of all */
	CHECK_STR(out, B1 B2 B3 B4 B5 B6 B7);
	cap_sparkline(ramp, 8, 8, out, 3 * 8 + 1);
	CHECK_STR(out, B1 B2 B3 B4 B5 B6 B7 B8);
	/* a space fits where a block does not, but drawing stops at the block */
	cap_sparkline(lead, 3, 3, out, 5);
	CHECK_STR(out, " " B1);
	cap_sparkline(ramp, 8, 8, out, 1);
	CHECK_STR(out, "");
}

static void
test_sustained(void)
{
	double		six[10] = {6, 7, 8, 9, 10, 6, 1, 2, 3, 4};
	double		five[10] = {6, 7, 8, 9, 10, 1, 2, 3, 4, 0};
	double		spike[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 100};
	double		holes[6] = {9, NAN, 9, NAN, 1, NAN};
	double		low[4] = {0.90, 0.93, 0.99, 0.94};
	double		atthr[4] = {5, 5, 5, 5};
	double		share = -1;

	CHECK(cap_sustained(six, 10, 5, true, 3, &share));
	CHECK_NEAR(share, 0.6, 1e-15);

	/* exactly half is not more than half */
	CHECK(!cap_sustained(five, 10, 5, true, 3, &share));
	CHECK_NEAR(share, 0.5, 0);

	/* one spike: its mean is 10.9, yet it is not sustained */
	CHECK(!cap_sustained(spike, 10, 5, true, 3, &share));
	CHECK_NEAR(share, 0.1, 1e-15);

	/* NaN not counted: 2 of 3 past */
	CHECK(cap_sustained(holes, 6, 5, true, 3, &share));
	CHECK_NEAR(share, 2.0 / 3.0, 1e-15);
	/* ... and too few counted for min_samples 4 */
	CHECK(!cap_sustained(holes, 6, 5, true, 4, &share));
	CHECK_NEAR(share, 2.0 / 3.0, 1e-15);

	/* lower is worse: cache hit ratio below 0.95, 3 of 4 */
	CHECK(cap_sustained(low, 4, 0.95, false, 1, &share));
	CHECK_NEAR(share, 0.75, 0);

	/* equal to the threshold is not past it */
	CHECK(!cap_sustained(atthr, 4, 5, true, 1, &share));
	CHECK_NEAR(share, 0, 0);

	/* nothing counted */
	CHECK(!cap_sustained(holes + 1, 1, 5, true, 0, &share));
	CHECK_NEAR(share, 0, 0);
	CHECK(!cap_sustained(six, 0, 5, true, 0, &share));

	/* share may be NULL */
	CHECK(cap_sustained(six, 10, 5, true, 3, NULL));
}

static void
test_sizing(void)
{
	CapSizing	s;
	char		buf[32];

	/* the playbook's Memory Scaling example: 64 GB, 96 connections, 16 vCPU */
	cap_sizing(64 * GB, 16, 96, &s);
	CHECK(s.shared_buffers == 16 * GB);
	CHECK(s.effective_cache_size == 48 * GB);
	CHECK(s.work_mem == 256 * MB);	/* (64 - 16) GB / 96 / 2 */
	CHECK_NEAR(s.maintenance_work_mem, 64 * GB / 20, 1e-6);
	CHECK(s.max_worker_processes == 16);
	CHECK(s.max_parallel_workers == 16);
	CHECK(s.max_parallel_workers_per_gather == 8);

	cap_format_bytes(s.shared_buffers, false, buf, sizeof(buf));
	CHECK_STR(buf, "16GB");
	cap_format_bytes(s.effective_cache_size, false, buf, sizeof(buf));
	CHECK_STR(buf, "48GB");
	cap_format_bytes(s.work_mem, false, buf, sizeof(buf));
	CHECK_STR(buf, "256MB");
	/* 3.2 GB = 3276.8 MB, rounded down to a whole MB */
	cap_format_bytes(s.maintenance_work_mem, true, buf, sizeof(buf));
	CHECK_STR(buf, "3276MB");

	/* the playbook's "was" column: 32 GB gives 8GB, 24GB, and 128MB at 96 */
	cap_sizing(32 * GB, 8, 96, &s);
	CHECK(s.shared_buffers == 8 * GB);
	CHECK(s.effective_cache_size == 24 * GB);
	CHECK(s.work_mem == 128 * MB);
	CHECK(s.max_parallel_workers_per_gather == 4);

	/* maintenance_work_mem capped at 8GB: 5% of 256 GB is 12.8 GB */
	cap_sizing(256 * GB, 64, 500, &s);
	CHECK(s.maintenance_work_mem == 8 * GB);
	/* exactly at the cap: 160 GB * 0.05 = 8 GB */
	cap_sizing(160 * GB, 64, 500, &s);
	CHECK_NEAR(s.maintenance_work_mem, 8 * GB, 1e-3);

	/* one vCPU: per_gather at least 1, worker slots never below 8 */
	cap_sizing(4 * GB, 1, 100, &s);
	CHECK(s.max_worker_processes == 8);
	CHECK(s.max_parallel_workers == 1);
	CHECK(s.max_parallel_workers_per_gather == 1);
	cap_sizing(4 * GB, 3, 100, &s);
	CHECK(s.max_parallel_workers_per_gather == 1);

	/* no connections: work_mem NaN, the rest still computed */
	cap_sizing(64 * GB, 16, 0, &s);
	CHECK(isnan(s.work_mem));
	CHECK(s.shared_buffers == 16 * GB);
	cap_sizing(64 * GB, 16, -5, &s);
	CHECK(isnan(s.work_mem));

	/* bad RAM, bad vcpus */
	cap_sizing(NAN, 0, 96, &s);
	CHECK(isnan(s.shared_buffers));
	CHECK(isnan(s.effective_cache_size));
	CHECK(isnan(s.work_mem));
	CHECK(isnan(s.maintenance_work_mem));
	CHECK(s.max_worker_processes == 0);
	CHECK(s.max_parallel_workers_per_gather == 0);
	cap_sizing(-1, 4, 96, &s);
	CHECK(isnan(s.shared_buffers));
	CHECK(s.max_worker_processes == 8);
	CHECK(s.max_parallel_workers == 4);
	cap_sizing(64 * GB, 9, 96, &s);
	CHECK(s.max_worker_processes == 9);
}

static void
test_format_bytes(void)
{
	char		buf[32];
	char		tiny[4];

	cap_format_bytes(16 * GB, false, buf, sizeof(buf));
	CHECK_STR(buf, "16GB");
	cap_format_bytes(256 * MB, false, buf, sizeof(buf));
	CHECK_STR(buf, "256MB");
	cap_format_bytes(3.2 * GB, true, buf, sizeof(buf));
	CHECK_STR(buf, "3276MB");
	/* without round_mb, 3.2 GB is 3355443.2 kB -> 3355443kB */
	cap_format_bytes(3.2 * GB, false, buf, sizeof(buf));
	CHECK_STR(buf, "3355443kB");
	cap_format_bytes(1536 * KB, false, buf, sizeof(buf));
	CHECK_STR(buf, "1536kB");
	cap_format_bytes(1.5 * GB, false, buf, sizeof(buf));
	CHECK_STR(buf, "1536MB");
	cap_format_bytes(TB, false, buf, sizeof(buf));
	CHECK_STR(buf, "1TB");
	cap_format_bytes(2048 * TB, false, buf, sizeof(buf));
	CHECK_STR(buf, "2048TB");
	cap_format_bytes(0, false, buf, sizeof(buf));
	CHECK_STR(buf, "0");
	cap_format_bytes(0, true, buf, sizeof(buf));
	CHECK_STR(buf, "0");
	/* fractional kB rounds down */
	cap_format_bytes(1536.7 * KB, false, buf, sizeof(buf));
	CHECK_STR(buf, "1536kB");
	cap_format_bytes(1023, false, buf, sizeof(buf));
	CHECK_STR(buf, "0");
	cap_format_bytes(KB, false, buf, sizeof(buf));
	CHECK_STR(buf, "1kB");
	/* round_mb: 1.5 MB -> 1MB; 1 GB stays 1GB */
	cap_format_bytes(1.5 * MB, true, buf, sizeof(buf));
	CHECK_STR(buf, "1MB");
	cap_format_bytes(GB, true, buf, sizeof(buf));
	CHECK_STR(buf, "1GB");
	/* floating-point noise below a byte does not lose a unit */
	cap_format_bytes(16 * GB - 1e-6, false, buf, sizeof(buf));
	CHECK_STR(buf, "16GB");
	/* invalid */
	cap_format_bytes(NAN, false, buf, sizeof(buf));
	CHECK_STR(buf, "NaN");
	cap_format_bytes(-1, false, buf, sizeof(buf));
	CHECK_STR(buf, "NaN");
	/* small buffer: truncated, NUL-terminated */
	cap_format_bytes(256 * MB, false, tiny, sizeof(tiny));
	CHECK_STR(tiny, "256");
}

static void
test_max_wal_size(void)
{
	/* 1 MB/s, 300 s apart, target 0.9: 1 MB * 300 * 1.9 = 570 MB */
	CHECK(cap_max_wal_size(MB, 300, 0.9, 0) == 570 * MB);
	/* rounded up to a whole MB: 570 MB + 1 byte -> 571 MB */
	CHECK(cap_max_wal_size((570 * MB + 1) / 300 / 1.9, 300, 0.9, 0) == 571 * MB);
	/* 0.5 MB/s, 300 s, 0.5: 225 MB */
	CHECK(cap_max_wal_size(0.5 * MB, 300, 0.5, 0) == 225 * MB);
	/* never below the floor */
	CHECK(cap_max_wal_size(MB, 300, 0.9, GB) == GB);
	CHECK(cap_max_wal_size(0, 300, 0.9, GB) == GB);
	/* 10 MB/s, 300 s, 0.9: 5700 MB, above the 1 GB floor */
	CHECK(cap_max_wal_size(10 * MB, 300, 0.9, GB) == 5700 * MB);
	CHECK(isnan(cap_max_wal_size(NAN, 300, 0.9, GB)));
	CHECK(isnan(cap_max_wal_size(-MB, 300, 0.9, GB)));
	CHECK(isnan(cap_max_wal_size(MB, -1, 0.9, GB)));
	CHECK(isnan(cap_max_wal_size(MB, 300, NAN, GB)));
	CHECK(isnan(cap_max_wal_size(MB, 300, 0.9, -1)));
}

static void
test_worst_case_memory(void)
{
	/* 16 GB + 96 * 256 MB + 3 * 3.2 GB = 16 + 24 + 9.6 GB */
	CHECK_NEAR(cap_worst_case_memory(16 * GB, 96, 256 * MB, 3, 3.2 * GB),
			   49.6 * GB, 1e-3);
	CHECK(cap_worst_case_memory(16 * GB, 0, 256 * MB, 0, 3.2 * GB) == 16 * GB);
	CHECK(isnan(cap_worst_case_memory(NAN, 96, 256 * MB, 3, GB)));
	CHECK(isnan(cap_worst_case_memory(16 * GB, -1, 256 * MB, 3, GB)));
	CHECK(isnan(cap_worst_case_memory(16 * GB, 96, 256 * MB, -1, GB)));
	CHECK(isnan(cap_worst_case_memory(16 * GB, 96, NAN, 3, GB)));
}

static void
test_required_resources(void)
{
	CapModelConstants k;
	CapRequired r;
	double		w;
	double		cm;
	double		expect;

	cap_default_constants(&k);
	CHECK(k.tps_per_vcpu == 500);
	CHECK(k.cpu_safety_factor == 1.5);
	CHECK(k.memory_safety_factor == 1.3);
	CHECK(k.connection_memory == 10 * MB);
	CHECK(k.wal_iops_per_write_low == 5 && k.wal_iops_per_write_high == 10);
	CHECK(k.read_iops_per_read_low == 2 && k.read_iops_per_read_high == 5);
	CHECK(k.backends_per_vcpu == 50);
	CHECK(k.pooler_multiplier == 10);

	/* the check: 15,000 TPS -> 45 vCPUs */
	cap_required_resources(15000, 0.7, 100 * GB, 500, &k, &r);
	CHECK(r.vcpus == 45);

	/* RAM, solved independently: W = 50 GiB, C m = 5000 MiB */
	w = 100 * GB * 0.5;
	cm = 500 * 10 * MB;
	expect = 1.3 * (w + cm) / (1 - 0.25 * 1.3);
	CHECK(r.ram_solvable);
	CHECK(r.working_set_bytes == 50 * GB);
	CHECK_NEAR(r.ram_bytes, expect, expect * 1e-12);
	/* and it satisfies the original equation R = S (W + 0.25 R + C m) */
	CHECK_NEAR(r.ram_bytes / (1.3 * (w + 0.25 * r.ram_bytes + cm)), 1.0, 1e-6);
	/* about 106 GB */
	CHECK(r.ram_bytes > 105 * GB && r.ram_bytes < 107 * GB);

	/* IOPS: 4,500 writes and 10,500 reads */
	CHECK_NEAR(r.iops_low, 4500.0 * 5 + 10500.0 * 2, 1e-6);	/* 43,500 */
	CHECK_NEAR(r.iops_high, 4500.0 * 10 + 10500.0 * 5, 1e-6);	/* 97,500 */
	CHECK_NEAR(r.iops_low, 43500, 1e-6);
	CHECK_NEAR(r.iops_high, 97500, 1e-6);

	/* connections: 45 * 50 backends, 10x through PgBouncer */
	CHECK(r.backend_connections == 2250);
	CHECK(r.client_connections == 22500);

	/* k == NULL is the defaults */
	cap_required_resources(15000, 0.7, 100 * GB, 500, NULL, &r);
	CHECK(r.vcpus == 45);
	CHECK(r.backend_connections == 2250);

	/* fractional vCPUs round up for connections: 1,000 TPS -> 3 vCPUs; 1,100 -> 3.3 -> 4 */
	cap_required_resources(1000, 1, 0, 0, &k, &r);
	CHECK(r.vcpus == 3);
	CHECK(r.backend_connections == 150);
	CHECK(r.ram_bytes == 0);
	CHECK_NEAR(r.iops_low, 2000, 0);	/* all reads */
	CHECK_NEAR(r.iops_high, 5000, 0);
	cap_required_resources(1100, 0, 0, 0, &k, &r);
	CHECK_NEAR(r.vcpus, 3.3, 1e-12);
	CHECK(r.backend_connections == 200);
	CHECK_NEAR(r.iops_low, 5500, 0);	/* all writes */
	CHECK_NEAR(r.iops_high, 11000, 0);

	/*
	 * a measured cost (tps_model.h) replaces tps_per_vcpu: 0.1 vCPU fixed +
	 * 0.0009 vCPU per tx/s, 3,000 TPS: (0.1 + 2.7) x 1.5 = 4.2 vCPUs, 5 x 50
	 * backends; a negative fixed part counts as none
	 */
	k.measured_fixed_vcpus = 0.1;
	k.measured_vcpus_per_tps = 0.0009;
	cap_required_resources(3000, 0.7, 100 * GB, 500, &k, &r);
	CHECK_NEAR(r.vcpus, 4.2, 1e-12);
	CHECK(r.backend_connections == 250);
	k.measured_fixed_vcpus = -0.05;
	cap_required_resources(3000, 0.7, 100 * GB, 500, &k, &r);
	CHECK_NEAR(r.vcpus, 4.05, 1e-12);
	/* a cost that is not positive is no measured cost */
	k.measured_vcpus_per_tps = 0;
	cap_required_resources(15000, 0.7, 100 * GB, 500, &k, &r);
	CHECK(r.vcpus == 45);
	k.measured_fixed_vcpus = NAN;
	k.measured_vcpus_per_tps = NAN;

	/* S = 4: 0.25 S = 1, no finite RAM */
	k.memory_safety_factor = 4;
	cap_required_resources(15000, 0.7, 100 * GB, 500, &k, &r);
	CHECK(!r.ram_solvable);
	CHECK(isnan(r.ram_bytes));
	CHECK(r.vcpus == 45);
	k.memory_safety_factor = 1.3;

	/* bad inputs: NaN in what depends on them, the rest computed */
	cap_required_resources(NAN, 0.7, 100 * GB, 500, &k, &r);
	CHECK(isnan(r.vcpus));
	CHECK(isnan(r.iops_low) && isnan(r.iops_high));
	CHECK(isnan(r.backend_connections) && isnan(r.client_connections));
	CHECK_NEAR(r.ram_bytes, expect, expect * 1e-12);
	cap_required_resources(-1, 0.7, 100 * GB, 500, &k, &r);
	CHECK(isnan(r.vcpus));
	cap_required_resources(15000, 1.5, 100 * GB, 500, &k, &r);
	CHECK(isnan(r.iops_low) && isnan(r.iops_high));
	CHECK(r.vcpus == 45);
	cap_required_resources(15000, -0.1, 100 * GB, 500, &k, &r);
	CHECK(isnan(r.iops_low));
	cap_required_resources(15000, NAN, 100 * GB, 500, &k, &r);
	CHECK(isnan(r.iops_high));
	cap_required_resources(15000, 0.7, -1, 500, &k, &r);
	CHECK(isnan(r.working_set_bytes));
	CHECK(isnan(r.ram_bytes));
	cap_required_resources(15000, 0.7, NAN, 500, &k, &r);
	CHECK(isnan(r.ram_bytes));
	cap_required_resources(15000, 0.7, 100 * GB, -1, &k, &r);
	CHECK(isnan(r.ram_bytes));
	k.tps_per_vcpu = 0;
	cap_required_resources(15000, 0.7, 100 * GB, 500, &k, &r);
	CHECK(isnan(r.vcpus));
	CHECK(isnan(r.backend_connections));
}

static void
test_tps_capacity(void)
{
	CapModelConstants k;

	cap_default_constants(&k);
	/* the playbook's nodes: 8 vCPU -> 8 * 500 / 1.5 */
	CHECK_NEAR(cap_tps_capacity(8, &k), 8.0 * 500 / 1.5, 1e-9);
	CHECK_NEAR(cap_tps_capacity(8, &k), 2666.6666666666667, 1e-9);
	/* three of them */
	CHECK_NEAR(3 * cap_tps_capacity(8, &k), 8000, 1e-9);
	CHECK(cap_tps_capacity(45, NULL) == 15000);
	CHECK(cap_tps_capacity(0, &k) == 0);
	CHECK(isnan(cap_tps_capacity(NAN, &k)));
	CHECK(isnan(cap_tps_capacity(-8, &k)));
	k.cpu_safety_factor = 0;
	CHECK(isnan(cap_tps_capacity(8, &k)));
}

static void
test_parse_range(void)
{
	double		lo = -1;
	double		hi = -1;

	CHECK(cap_parse_range("5-10", &lo, &hi));
	CHECK(lo == 5 && hi == 10);
	CHECK(cap_parse_range("5,10", &lo, &hi));
	CHECK(lo == 5 && hi == 10);
	CHECK(cap_parse_range(" 5 - 10 ", &lo, &hi));
	CHECK(lo == 5 && hi == 10);
	CHECK(cap_parse_range("7", &lo, &hi));
	CHECK(lo == 7 && hi == 7);
	CHECK(cap_parse_range("2.5-5", &lo, &hi));
	CHECK(lo == 2.5 && hi == 5);
	CHECK(cap_parse_range("0.1,0.3", &lo, &hi));
	CHECK(lo == 0.1 && hi == 0.3);
	CHECK(cap_parse_range("3-3", &lo, &hi));
	CHECK(lo == 3 && hi == 3);

	/* failures leave the outputs alone */
	lo = hi = -1;
	CHECK(!cap_parse_range("10-5", &lo, &hi));
	CHECK(!cap_parse_range("-1-3", &lo, &hi));
	CHECK(!cap_parse_range("abc", &lo, &hi));
	CHECK(!cap_parse_range("", &lo, &hi));
	CHECK(!cap_parse_range("   ", &lo, &hi));
	CHECK(!cap_parse_range("5-", &lo, &hi));
	CHECK(!cap_parse_range("5,", &lo, &hi));
	CHECK(!cap_parse_range("-5", &lo, &hi));
	CHECK(!cap_parse_range("0-0", &lo, &hi));
	CHECK(!cap_parse_range("0", &lo, &hi));
	CHECK(!cap_parse_range("0-5", &lo, &hi));
	CHECK(!cap_parse_range("5-10x", &lo, &hi));
	CHECK(!cap_parse_range("5-10-15", &lo, &hi));
	CHECK(!cap_parse_range("5 10", &lo, &hi));
	CHECK(!cap_parse_range("1e3", &lo, &hi));
	CHECK(!cap_parse_range("nan", &lo, &hi));
	CHECK(!cap_parse_range("inf", &lo, &hi));
	CHECK(!cap_parse_range(".", &lo, &hi));
	CHECK(!cap_parse_range(NULL, &lo, &hi));
	CHECK(lo == -1 && hi == -1);
}

/* ---- series helpers and number format shared by the report and the matrix ---- */
static void
test_series_helpers(void)
{
	double		work[8];
	double		mean,
				worst,
				last;
	char		buf[64];
	const double v[] = {3, NAN, 1, 2};
	const double mx[] = {5, NAN, NAN, 2};

	current_test = "series_helpers";
	CHECK_NEAR(cap_median(v, 4, work), 2, 0);
	CHECK_NEAR(cap_median(v, 3, work), 2, 0);	/* 3, 1: their mean */
	CHECK(isnan(cap_median(v + 1, 1, work)));
	CHECK(cap_series_stats(v, mx, 4, true, &mean, &worst, &last) == 3);
	CHECK_NEAR(mean, 2, 1e-12);
	CHECK_NEAR(worst, 5, 0);	/* the largest peak */
	CHECK_NEAR(last, 2, 0);
	CHECK(cap_series_stats(v, mx, 4, false, &mean, &worst, &last) == 3);
	CHECK_NEAR(worst, 1, 0);	/* lower is worse: the lowest mean */
	CHECK(cap_series_stats(v + 1, NULL, 1, true, &mean, &worst, &last) == 0);
	CHECK(isnan(mean) && isnan(worst) && isnan(last));

	cap_format_number(NAN, buf, sizeof(buf));
	CHECK(strcmp(buf, "n/a") == 0);
	cap_format_number(12345.6, buf, sizeof(buf));
	CHECK(strcmp(buf, "12346") == 0);
	cap_format_number(-150, buf, sizeof(buf));
	CHECK(strcmp(buf, "-150") == 0);
	cap_format_number(99.95, buf, sizeof(buf));
	CHECK(strcmp(buf, "100.0") == 0);	/* one decimal below 100, as printf rounds */
	cap_format_number(1.25, buf, sizeof(buf));
	CHECK(strcmp(buf, "1.2") == 0);
	cap_format_number(0.93666, buf, sizeof(buf));
	CHECK(strcmp(buf, "0.937") == 0);
}

/* ---- the Scaling Decision Matrix ---- */

static void
matrix_none(CapMatrixSeries in[CAP_NUM_MATRIX_INPUTS], CapLevelKind levels[CAP_NUM_RESOURCES])
{
	int			i;

	memset(in, 0, sizeof(CapMatrixSeries) * CAP_NUM_MATRIX_INPUTS);
	for (i = 0; i < CAP_NUM_RESOURCES; i++)
		levels[i] = CAP_LEVEL_OK;
}

static void
matrix_set(CapMatrixSeries *in, const double *v, int n, double threshold)
{
	in->present = true;
	in->avg = v;
	in->max = NULL;
	in->n = n;
	in->threshold = threshold;
	in->note = NULL;
}

static void
test_matrix_table(void)
{
	bool		used[CAP_NUM_MATRIX_INPUTS] = {false};
	int			i;

	current_test = "matrix_table";
	/* the playbook's 11 threshold rows, plus OOM kills and swapping */
	CHECK(cap_decision_matrix_length == 13);
	for (i = 0; i < cap_decision_matrix_length; i++)
	{
		const CapRule *r = &cap_decision_matrix[i];

		CHECK(r->input >= 0 && r->input < CAP_NUM_MATRIX_INPUTS);
		used[r->input] = true;
		CHECK(strcmp(r->priority, "critical") == 0 || strcmp(r->priority, "high") == 0 ||
			  strcmp(r->priority, "medium") == 0);
		CHECK(strcmp(r->direction, "horizontal") == 0 || strcmp(r->direction, "vertical") == 0 ||
			  strcmp(r->direction, "tuning") == 0);
		CHECK(r->raise_with == CAP_RES_NONE ||
			  (r->raise_with >= 0 && r->raise_with < CAP_NUM_RESOURCES));
		CHECK(r->tradeoff != NULL && r->action[0] != '\0' && r->resource[0] != '\0');
		/* only the read load rule names its capacity */
		CHECK((strstr(r->what, "%s") != NULL) == (r->input == CAP_IN_READ_LOAD_PCT));
		CHECK((r->kind == CAP_RULE_EVENTS) == (r->input == CAP_IN_OOM_KILLS));
	}
	for (i = 0; i < CAP_NUM_MATRIX_INPUTS; i++)
		CHECK(used[i]);
	/* the playbook's actions, in the order scaling_recommendations() lists them */
	{
		static const char *const actions[] = {
			"high horizontal read_tps Add a read replica",
			"high horizontal read_tps Add a read replica",
			"medium horizontal write_tps Consider sharding",
			"high horizontal replication_lag Add a replica",
			"high horizontal connections Add PgBouncer (connection pooling)",
			"high vertical cpu Add vCPUs",
			"critical vertical memory Add RAM",
			"high vertical iops Upgrade the storage tier (more IOPS)",
			"high vertical storage Expand the volume (or add a tablespace)",
			"medium tuning cache_hit_ratio Increase shared_buffers (see sizing_recommendations())",
			"medium tuning checkpoint_interval Increase max_wal_size (see sizing_recommendations())",
			"critical vertical memory Add RAM (the OOM killer is ending processes)",
			"high vertical memory Add RAM (the node is swapping)",
		};

		for (i = 0; i < cap_decision_matrix_length && i < 13; i++)
		{
			const CapRule *r = &cap_decision_matrix[i];
			char		row[256];

			snprintf(row, sizeof(row), "%s %s %s %s", r->priority, r->direction,
					 r->resource, r->action);
			CHECK(strcmp(row, actions[i]) == 0);
		}
	}
	/* the inverse metrics are the lower-is-worse rows */
	for (i = 0; i < cap_decision_matrix_length; i++)
		CHECK(cap_decision_matrix[i].higher_is_worse ==
			  !(cap_decision_matrix[i].input == CAP_IN_CACHE_HIT_RATIO ||
				cap_decision_matrix[i].input == CAP_IN_CHECKPOINT_INTERVAL_SEC));
	{
		CapThresholds t = {10000, 80, 5000, 5, 80, 70, 85, 80, 85, 0.95, 300};

		CHECK(cap_matrix_threshold(&t, CAP_IN_READ_TPS) == 10000);
		CHECK(cap_matrix_threshold(&t, CAP_IN_WRITE_TPS) == 5000);
		CHECK(cap_matrix_threshold(&t, CAP_IN_REPLICATION_LAG_SEC) == 5);
		CHECK(cap_matrix_threshold(&t, CAP_IN_CPU_PCT) == 70);
		CHECK(cap_matrix_threshold(&t, CAP_IN_CACHE_HIT_RATIO) == 0.95);
		CHECK(cap_matrix_threshold(&t, CAP_IN_CHECKPOINT_INTERVAL_SEC) == 300);
		CHECK(cap_matrix_threshold(&t, CAP_IN_SWAP_IO_PER_SEC) == 0);
	}
}

static void
test_matrix_rules(void)
{
	CapMatrixSeries in[CAP_NUM_MATRIX_INPUTS];
	CapLevelKind levels[CAP_NUM_RESOURCES];
	CapRecommendation out[16];
	double		work[16];
	int			n;

	current_test = "matrix_rules";

	/* nothing present: nothing fires */
	matrix_none(in, levels);
	CHECK(cap_decision_matrix_evaluate(in, levels, 3, work, out) == 0);

	/* read TPS > 10000 in 3 of 4 samples: add a read replica */
	{
		const double v[] = {12000, 11000, 9000, 13000};

		matrix_set(&in[CAP_IN_READ_TPS], v, 4, 10000);
		n = cap_decision_matrix_evaluate(in, levels, 3, work, out);
		CHECK(n == 1);
		CHECK(strcmp(out[0].rule->action, "Add a read replica") == 0);
		CHECK(strcmp(out[0].priority, "high") == 0);
		CHECK(out[0].observed == 11500 && out[0].threshold == 10000);
		CHECK(strcmp(out[0].rationale,
					 "read TPS was above 10000 in 75% of the 4 samples judged (median 11500, mean 11250, peak 13000); the playbook's rule: read TPS > 10000 sustained -> Add a read replica.") == 0);
		/* never raised, whatever the report says */
		levels[CAP_RES_READ_TPS] = levels[CAP_RES_TPS] = CAP_LEVEL_EMERGENCY;
		n = cap_decision_matrix_evaluate(in, levels, 3, work, out);
		CHECK(n == 1 && strcmp(out[0].priority, "high") == 0);
	}

	/* exactly half past the threshold is not sustained; nor are too few samples */
	{
		const double half[] = {12000, 9000, 12000, 9000};
		const double few[] = {NAN, 12000, 12000, NAN};

		matrix_none(in, levels);
		matrix_set(&in[CAP_IN_READ_TPS], half, 4, 10000);
		CHECK(cap_decision_matrix_evaluate(in, levels, 3, work, out) == 0);
		matrix_set(&in[CAP_IN_READ_TPS], few, 4, 10000);
		CHECK(cap_decision_matrix_evaluate(in, levels, 3, work, out) == 0);
		CHECK(cap_decision_matrix_evaluate(in, levels, 2, work, out) == 1);
	}

	/* lower is worse: cache hit ratio below 0.95 in 2 of 3 samples */
	{
		const double v[] = {0.90, 0.92, 0.99};

		matrix_none(in, levels);
		matrix_set(&in[CAP_IN_CACHE_HIT_RATIO], v, 3, 0.95);
		n = cap_decision_matrix_evaluate(in, levels, 3, work, out);
		CHECK(n == 1);
		CHECK(strcmp(out[0].rule->direction, "tuning") == 0);
		CHECK(strcmp(out[0].rationale,
					 "cache hit ratio was below 0.95 in 67% of the 3 samples judged (median 0.92, mean 0.937, lowest 0.9); the playbook's rule: cache hit ratio < 0.95 sustained -> Increase shared_buffers (see sizing_recommendations()).") == 0);
	}

	/* CPU > 70 %: raised to critical when the report's CPU is at emergency */
	{
		const double v[] = {96, 97, 98};
		const double peaks[] = {99, 99.5, 100};

		matrix_none(in, levels);
		matrix_set(&in[CAP_IN_CPU_PCT], v, 3, 70);
		in[CAP_IN_CPU_PCT].max = peaks;
		n = cap_decision_matrix_evaluate(in, levels, 3, work, out);
		CHECK(n == 1 && strcmp(out[0].priority, "high") == 0);
		CHECK(strstr(out[0].rationale, "(median 97.0%, mean 97.0%, peak 100%)") != NULL);
		levels[CAP_RES_CPU] = CAP_LEVEL_EMERGENCY;
		n = cap_decision_matrix_evaluate(in, levels, 3, work, out);
		CHECK(n == 1 && strcmp(out[0].priority, "critical") == 0);
		levels[CAP_RES_CPU] = CAP_LEVEL_CRITICAL;
		n = cap_decision_matrix_evaluate(in, levels, 3, work, out);
		CHECK(n == 1 && strcmp(out[0].priority, "high") == 0);
	}

	/* read load names the capacity it is a share of */
	{
		const double v[] = {90, 95, 85};

		matrix_none(in, levels);
		matrix_set(&in[CAP_IN_READ_LOAD_PCT], v, 3, 80);
		in[CAP_IN_READ_LOAD_PCT].note = "667";
		n = cap_decision_matrix_evaluate(in, levels, 3, work, out);
		CHECK(n == 1);
		CHECK(strcmp(out[0].rationale,
					 "read load (read TPS as a share of the 667 tx/s TPS capacity) was above 80.0% in 100% of the 3 samples judged (median 90.0%, mean 90.0%, peak 95.0%); the playbook's rule: read load (read TPS as a share of the 667 tx/s TPS capacity) > 80.0% sustained -> Add a read replica.") == 0);
		in[CAP_IN_READ_LOAD_PCT].present = false;	/* no TPS capacity known */
		CHECK(cap_decision_matrix_evaluate(in, levels, 3, work, out) == 0);
	}

	/* OOM kills: any event fires, with their count */
	{
		const double kills[] = {0, 1, NAN, 2};
		const double one[] = {0, 1};
		const double none[] = {0, 0, NAN};

		matrix_none(in, levels);
		matrix_set(&in[CAP_IN_OOM_KILLS], kills, 4, 0);
		n = cap_decision_matrix_evaluate(in, levels, 3, work, out);
		CHECK(n == 1 && out[0].observed == 3 && strcmp(out[0].priority, "critical") == 0);
		CHECK(strcmp(out[0].rationale,
					 "3 processes were killed by the OOM killer in the window; the playbook's rule: OOM killer events -> add RAM.") == 0);
		matrix_set(&in[CAP_IN_OOM_KILLS], one, 2, 0);
		n = cap_decision_matrix_evaluate(in, levels, 3, work, out);
		CHECK(n == 1 && strncmp(out[0].rationale, "1 process was killed", 20) == 0);
		matrix_set(&in[CAP_IN_OOM_KILLS], none, 3, 0);
		CHECK(cap_decision_matrix_evaluate(in, levels, 3, work, out) == 0);
	}

	/* everything past its threshold: every rule fires, in the table's order */
	{
		static const double hi[] = {1e9, 1e9, 1e9};
		static const double lo[] = {0, 0, 0};
		int			i;

		matrix_none(in, levels);
		for (i = 0; i < CAP_NUM_MATRIX_INPUTS; i++)
			matrix_set(&in[i], (i == CAP_IN_CACHE_HIT_RATIO ||
								i == CAP_IN_CHECKPOINT_INTERVAL_SEC) ? lo : hi, 3, 1);
		n = cap_decision_matrix_evaluate(in, levels, 3, work, out);
		CHECK(n == cap_decision_matrix_length);
		for (i = 0; i < n; i++)
			CHECK(out[i].rule == &cap_decision_matrix[i]);
	}
}

int
main(void)
{
	test_levels();
	test_threshold_levels();
	test_sparkline();
	test_sustained();
	test_sizing();
	test_format_bytes();
	test_max_wal_size();
	test_worst_case_memory();
	test_required_resources();
	test_tps_capacity();
	test_parse_range();
	test_series_helpers();
	test_matrix_table();
	test_matrix_rules();
	return unit_test_summary();
}
