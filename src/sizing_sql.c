/*-------------------------------------------------------------------------
 *
 * sizing_sql.c
 *		Configuration sizing: sizing_recommendations() (the playbook's
 *		Memory Scaling formulas, the CPU scaling step, max_wal_size from the
 *		measured WAL rate, and how to apply each: patronictl on a Patroni
 *		node, ALTER SYSTEM elsewhere) and required_resources() (Capacity
 *		Planning's Resource Utilization Formulas for a target load).
 *
 * The formulas are model.c's; this file gathers their inputs (what-if
 * arguments, else this node's sampled RAM and vCPUs) and words the rows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <sys/stat.h>

#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "postmaster/autovacuum.h"
#include "postmaster/bgwriter.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "capacity.h"
#include "compat.h"
#include "model.h"
#include "settings.h"
#include "sql_common.h"

PG_FUNCTION_INFO_V1(pg_capacity_sizing_recommendations);
PG_FUNCTION_INFO_V1(pg_capacity_required_resources);

/* ---------------------------------------------------------------------
 * Sizing recommendations: the Memory Scaling formulas and CPU scaling step.
 * ---------------------------------------------------------------------
 */

static bool
patroni_managed(void)
{
	struct stat st;

	if (cap_config_manager == CAP_CONFIG_PATRONI)
		return true;
	if (cap_config_manager == CAP_CONFIG_ALTER_SYSTEM)
		return false;
	return stat("patroni.dynamic.json", &st) == 0;
}

/*
 * Whether a setting already has the recommended value: both read in the
 * setting's own unit (an integer setting's "6026MB" and its raw 771328
 * buffers compare equal).  Only integer settings are recommended.
 */
static bool
setting_matches(const char *param, const char *recommended)
{
	const char *raw = GetConfigOption(param, true, false);
	int			flags = GetConfigOptionFlags(param, true);
	int			want;
	char	   *end;
	long		have;

	if (raw == NULL || recommended == NULL ||
		!parse_int(recommended, &want, flags, NULL))
		return false;
	errno = 0;
	have = strtol(raw, &end, 10);
	return errno == 0 && *end == '\0' && end != raw && have == want;
}

/* cluster_name as one shell word: single-quoted unless plainly safe */
static char *
shell_word(const char *s)
{
	StringInfoData buf;
	const char *p;

	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == strlen(s))
		return pstrdup(s);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '\'');
	for (p = s; *p; p++)
	{
		if (*p == '\'')
			appendStringInfoString(&buf, "'\\''");
		else
			appendStringInfoChar(&buf, *p);
	}
	appendStringInfoChar(&buf, '\'');
	return buf.data;
}

/*
 * How to apply a setting: patronictl on a Patroni node (the cluster's
 * dynamic configuration, so every member gets it; cluster_name, which
 * Patroni sets to its scope, names the cluster), ALTER SYSTEM elsewhere.
 */
static char *
apply_text(const char *param, const char *value, bool restart, bool patroni)
{
	if (patroni)
	{
		const char *scope = (cluster_name != NULL && cluster_name[0] != '\0') ?
			shell_word(cluster_name) : "<cluster>";

		/* "--" ends the options: a cluster_name such as "-h" stays a name */
		return psprintf("patronictl edit-config --pg %s=%s --force -- %s\n%s",
						param, value, scope,
						restart ?
						psprintf("patronictl restart --pending --force -- %s  # restart needed: each member where pending, primary included", scope) :
						"# Patroni reloads every member; no restart");
	}
	return psprintf("ALTER SYSTEM SET %s = '%s';\n%s", param, value,
					restart ? "-- then restart PostgreSQL" : "SELECT pg_reload_conf();");
}

static void
sizing_row(ReturnSetInfo *rsinfo, const char *param, const char *recommended,
		   const char *formula, bool restart, bool patroni)
{
	Datum		values[6];
	bool		nulls[6] = {0};
	char	   *current = GetConfigOptionByName(param, NULL, true);

	values[0] = CStringGetTextDatum(param);
	if (current)
		values[1] = CStringGetTextDatum(current);
	else
		nulls[1] = true;
	if (recommended)
		values[2] = CStringGetTextDatum(recommended);
	else
		nulls[2] = true;
	values[3] = CStringGetTextDatum(formula);
	values[4] = BoolGetDatum(restart);
	/* nothing to apply when the setting already has the recommended value */
	if (recommended && !setting_matches(param, recommended))
		values[5] = CStringGetTextDatum(apply_text(param, recommended, restart, patroni));
	else
		nulls[5] = true;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static char *
bytes_setting(double bytes, bool round_mb, double min_bytes)
{
	char		buf[64];

	if (isnan(bytes) || bytes < 0)
		return NULL;
	/* never below what PostgreSQL accepts for the setting */
	if (bytes < min_bytes)
	{
		bytes = min_bytes;
		round_mb = false;
	}
	cap_format_bytes(bytes, round_mb, buf, sizeof(buf));
	return pstrdup(buf);
}

/* A max_connections argument: this server's when NULL, else positive. */
static int
max_connections_arg(FunctionCallInfo fcinfo, int argno)
{
	int			maxconn;

	if (PG_ARGISNULL(argno))
		return MaxConnections;
	maxconn = PG_GETARG_INT32(argno);
	if (maxconn <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_connections must be positive")));
	return maxconn;
}

Datum
pg_capacity_sizing_recommendations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	double		ram;
	int			vcpus;
	int			maxconn;
	CapSizing	z;
	bool		patroni;
	double		wal_rate = NAN;
	char	   *formula;

	/* what-if arguments; otherwise this node's detected values */
	if (!PG_ARGISNULL(0))
	{
		ram = (double) PG_GETARG_INT64(0);
		if (ram <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("memory_bytes must be positive")));
	}
	else
	{
		cap_require_sampler();
		ram = cap_memory_mb > 0 ? cap_memory_mb * 1024.0 * 1024.0 :
			cap_latest_value(CM_MEMORY_TOTAL_BYTES);
	}
	if (!PG_ARGISNULL(1))
	{
		vcpus = PG_GETARG_INT32(1);
		if (vcpus <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("vcpus must be positive")));
	}
	else
	{
		double		v;

		cap_require_sampler();
		v = cap_vcpus > 0 ? cap_vcpus : cap_latest_value(CM_VCPUS);
		vcpus = isnan(v) ? 0 : (int) floor(v);
	}
	maxconn = max_connections_arg(fcinfo, 2);

	patroni = patroni_managed();
	cap_sizing(ram, vcpus, maxconn, &z);
	cap_init_materialized_srf(fcinfo);

	sizing_row(rsinfo, "shared_buffers", bytes_setting(z.shared_buffers, true, 128 * 1024.0),
			   psprintf("RAM x 0.25 = %s x 0.25", cap_fmt_bytes(ram)), true, patroni);
	sizing_row(rsinfo, "effective_cache_size", bytes_setting(z.effective_cache_size, true, 8 * 1024.0),
			   psprintf("RAM x 0.75 = %s x 0.75", cap_fmt_bytes(ram)), false, patroni);
	sizing_row(rsinfo, "work_mem", bytes_setting(z.work_mem, true, 64 * 1024.0),
			   psprintf("(RAM - shared_buffers) / max_connections / 2 = (%s - %s) / %d / 2",
						cap_fmt_bytes(ram), cap_fmt_bytes(z.shared_buffers), maxconn), false, patroni);
	sizing_row(rsinfo, "maintenance_work_mem", bytes_setting(z.maintenance_work_mem, true, 1024 * 1024.0),
			   psprintf("RAM x 0.05, at most 8GB = min(%s x 0.05, 8GB)", cap_fmt_bytes(ram)),
			   false, patroni);
	if (vcpus > 0)
	{
		sizing_row(rsinfo, "max_worker_processes", psprintf("%d", z.max_worker_processes),
				   psprintf("vCPUs, at least %d = max(%d, %d)", CAP_MIN_WORKER_PROCESSES,
							vcpus, CAP_MIN_WORKER_PROCESSES), true, patroni);
		sizing_row(rsinfo, "max_parallel_workers", psprintf("%d", z.max_parallel_workers),
				   psprintf("vCPUs = %d", vcpus), false, patroni);
		sizing_row(rsinfo, "max_parallel_workers_per_gather",
				   psprintf("%d", z.max_parallel_workers_per_gather),
				   psprintf("vCPUs / 2 = %d / 2", vcpus), false, patroni);
	}

	/*
	 * max_wal_size from the busiest minute of the last day: raw peaks are
	 * single seconds, and a checkpoint interval is minutes long.
	 */
	if (cap_store_exists())
	{
		CapWindow	w;
		int			i;

		cap_store_read_window(86400, CAP_MINUTE, CAP_WINDOW_COARSER_IF_EMPTY,
							  CAP_METRIC_BIT(CM_WAL_BYTES_PER_SEC), &w);
		for (i = 0; i < w.n; i++)
		{
			double		v = w.avg[CM_WAL_BYTES_PER_SEC][i];

			if (!isnan(v) && (isnan(wal_rate) || v > wal_rate))
				wal_rate = v;
		}
	}
	if (isnan(wal_rate))
		formula = pstrdup("WAL rate x checkpoint_interval_threshold x (1 + checkpoint_completion_target), at least 1GB: no WAL rate measured yet");
	else
		formula = psprintf("WAL rate x checkpoint_interval_threshold x (1 + checkpoint_completion_target) = %s/s x %d s x %.2f, at least 1GB",
						   cap_fmt_bytes(wal_rate), cap_checkpoint_interval_threshold,
						   1.0 + CheckPointCompletionTarget);
	sizing_row(rsinfo, "max_wal_size",
			   isnan(wal_rate) ? NULL :
			   bytes_setting(cap_max_wal_size(wal_rate, cap_checkpoint_interval_threshold,
											  CheckPointCompletionTarget,
											  1024.0 * 1024 * 1024), true, 2 * 1024 * 1024.0),
			   formula, false, patroni);

	/* the worst case the recommended settings allow, against RAM */
	{
		Datum		values[6];
		bool		nulls[6] = {0};
		double		now_worst = cap_worst_case_memory((double) NBuffers * BLCKSZ, MaxConnections,
													  (double) work_mem * 1024.0,
													  autovacuum_max_workers,
													  (double) maintenance_work_mem * 1024.0);
		double		rec_worst = cap_worst_case_memory(z.shared_buffers, maxconn, z.work_mem,
													  autovacuum_max_workers,
													  z.maintenance_work_mem);

		values[0] = CStringGetTextDatum("worst_case_memory");
		values[1] = CStringGetTextDatum(cap_fmt_bytes(now_worst));
		values[4] = BoolGetDatum(false);
		if (isnan(ram))
		{
			/* no memory sample yet: nothing to recommend or compare */
			nulls[2] = true;
			values[3] = CStringGetTextDatum("shared_buffers + max_connections x work_mem + autovacuum_max_workers x maintenance_work_mem, against RAM: not measured yet");
			values[5] = CStringGetTextDatum("RAM not measured yet: wait for the sampler's first memory sample, or set pg_capacity.memory");
		}
		else
		{
			values[2] = CStringGetTextDatum(cap_fmt_bytes(rec_worst));
			values[3] = CStringGetTextDatum(psprintf("shared_buffers + max_connections x work_mem + autovacuum_max_workers x maintenance_work_mem, against RAM %s",
													 cap_fmt_bytes(ram)));
			values[5] = CStringGetTextDatum(rec_worst <= ram ?
											psprintf("fits: %.0f%% of RAM", rec_worst / ram * 100.0) :
											psprintf("exceeds RAM by %s: lower work_mem or max_connections",
													 cap_fmt_bytes(rec_worst - ram)));
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Required resources for a target load (Capacity Planning §2).
 * ---------------------------------------------------------------------
 */
Datum
pg_capacity_required_resources(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	double		target;
	double		read_ratio;
	double		active;
	int			maxconn;
	CapModelConstants k;
	CapRequired r;
	CapTpsCapacity tc = {0};

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
	{
		cap_init_materialized_srf(fcinfo);
		return (Datum) 0;		/* NULL in, nothing out */
	}
	target = PG_GETARG_FLOAT8(0);
	read_ratio = PG_GETARG_FLOAT8(1);
	if (isnan(target) || isinf(target) || target < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target_tps must be a finite number >= 0, not %g", target)));
	if (isnan(read_ratio) || read_ratio < 0 || read_ratio > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("read_ratio must be between 0 and 1, not %g", read_ratio)));

	if (!PG_ARGISNULL(2))
	{
		active = (double) PG_GETARG_INT64(2);
		if (active < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("active_data_bytes must be >= 0")));
	}
	else
	{
		cap_require_sampler();
		active = cap_latest_value(CM_DATABASE_SIZE_BYTES);
	}
	maxconn = max_connections_arg(fcinfo, 3);

	cap_model_constants(&k);
	/* the node's own cost per transaction where it is measured */
	if (cap_store_exists())
	{
		cap_read_tps_capacity(CAP_TPS_FIT_WINDOW, NAN, &tc);
		if (tc.measured)
		{
			k.measured_fixed_vcpus = tc.fit.fixed;
			k.measured_vcpus_per_tps = tc.fit.per_tps;
		}
	}
	cap_required_resources(target, read_ratio, active, maxconn, &k, &r);
	cap_init_materialized_srf(fcinfo);

#define REQ_ROW(res, val, unit, formula) \
	do { \
		Datum		v_[4]; \
		bool		n_[4] = {0}; \
		v_[0] = CStringGetTextDatum(res); \
		v_[1] = cap_float_or_null((val), &n_[1]); \
		v_[2] = CStringGetTextDatum(unit); \
		v_[3] = CStringGetTextDatum(formula); \
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v_, n_); \
	} while (0)

	if (tc.measured)
		REQ_ROW("vcpus", r.vcpus, "vCPUs",
				psprintf("measured: (fixed vCPUs + target TPS x vCPUs per tx/s) x cpu_safety_factor = (%s + %g x %s) x %g, this node's own cost (capacity.tps_capacity())",
						 cap_fmt_num(fmax(tc.fit.fixed, 0.0)), target,
						 psprintf("%.6g", tc.fit.per_tps), k.cpu_safety_factor));
	else
		REQ_ROW("vcpus", r.vcpus, "vCPUs",
				psprintf("playbook: target TPS / tps_per_vcpu x cpu_safety_factor = %g / %g x %g",
						 target, k.tps_per_vcpu, k.cpu_safety_factor));
	REQ_ROW("ram", r.ram_solvable ? r.ram_bytes : NAN, "bytes",
			psprintf("RAM = S x (working set + 0.25 RAM + max_connections x connection_memory), solved: S x (%s + %d x %s) / (1 - 0.25 S), S = %g; working set = active data %s x 0.5",
					 cap_fmt_bytes(r.working_set_bytes), maxconn, cap_fmt_bytes(k.connection_memory),
					 k.memory_safety_factor, cap_fmt_bytes(active)));
	REQ_ROW("iops_low", r.iops_low, "IO/s",
			psprintf("write TPS x %g + read TPS x %g = %g x %g + %g x %g",
					 k.wal_iops_per_write_low, k.read_iops_per_read_low,
					 target * (1 - read_ratio), k.wal_iops_per_write_low,
					 target * read_ratio, k.read_iops_per_read_low));
	REQ_ROW("iops_high", r.iops_high, "IO/s",
			psprintf("write TPS x %g + read TPS x %g = %g x %g + %g x %g",
					 k.wal_iops_per_write_high, k.read_iops_per_read_high,
					 target * (1 - read_ratio), k.wal_iops_per_write_high,
					 target * read_ratio, k.read_iops_per_read_high));
	REQ_ROW("backend_connections", r.backend_connections, "connections",
			psprintf("vCPUs x backends_per_vcpu = ceil(%g) x %g", r.vcpus, k.backends_per_vcpu));
	REQ_ROW("client_connections", r.client_connections, "connections",
			psprintf("backend connections x pooler_multiplier (PgBouncer) = %g x %g",
					 r.backend_connections, k.pooler_multiplier));
	return (Datum) 0;
}
