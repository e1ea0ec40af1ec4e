/*-------------------------------------------------------------------------
 *
 * settings.c
 *		Every pg_capacity.* setting (see settings.h).
 *
 * The sampler's settings (interval, retention, the node's resources) are
 * defined only when the module is preloaded: several size shared memory.
 * The capacity model's defaults are the playbook's figures: the Escalation Path (70/85/95 %),
 * the Scaling Decision Matrix thresholds and the Resource Utilization
 * Formulas' constants.  All are reloadable and need no preloading, so the
 * formulas can be used on any server.  Ranges are enforced when a value is
 * set; the "low-high" pairs are checked by a hook.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "libpq-fe.h"
#include "utils/guc.h"

#include "cluster_model.h"

#include "settings.h"

bool		cap_enabled = true;
int			cap_sample_interval = 10;
int			cap_persist_interval = 300;
int			cap_size_interval = 60;
int			cap_sample_timeout = 5000;
char	   *cap_database = NULL;
int			cap_raw_retention = 3600;
int			cap_minute_retention = 24 * 60;
int			cap_hour_retention = 90 * 24 * 60;
int			cap_day_retention = 1096 * 24 * 60;
int			cap_vcpus = 0;
int			cap_memory_mb = 0;
int			cap_disk_iops_limit = 0;
char	   *cap_os_root = NULL;

double		cap_warning_pct = 70;
double		cap_critical_pct = 85;
double		cap_emergency_pct = 95;

double		cap_read_tps_threshold = 10000;
double		cap_write_tps_threshold = 5000;
int			cap_replication_lag_threshold = 5000;
double		cap_connection_saturation_pct = 80;
double		cap_read_load_threshold_pct = 80;
double		cap_cpu_threshold_pct = 70;
double		cap_memory_threshold_pct = 85;
double		cap_iops_saturation_pct = 80;
double		cap_disk_usage_threshold_pct = 85;
double		cap_cache_hit_threshold = 0.95;
int			cap_checkpoint_interval_threshold = 300;
int			cap_sustained_window = 900;

int			cap_config_manager = CAP_CONFIG_AUTO;

double		cap_tps_per_replica = 5000;

char	   *cap_cluster_members_list = NULL;
char	   *cap_cluster_conninfo = NULL;
char	   *cap_patroni_url = NULL;
int			cap_cluster_timeout = 3000;

double		cap_bloat_target_error_pct = 1.0;
int			cap_bloat_max_sample_pages = 512;
int			cap_bloat_sample_min_size_kb = 100 * 1024;
double		cap_bloat_vacuum_dead_pct = 10;
double		cap_bloat_rewrite_pct = 30;
double		cap_bloat_reindex_pct = 30;
int			cap_bloat_min_reclaim_kb = 8 * 1024;

static double cap_tps_per_vcpu = 500;
static double cap_cpu_safety_factor = 1.5;
static double cap_memory_safety_factor = 1.3;
static int	cap_connection_memory_kb = 10 * 1024;
static char *cap_wal_iops_per_write = NULL;
static char *cap_read_iops_per_read = NULL;
static int	cap_backends_per_vcpu = 50;
static double cap_pooler_multiplier = 10;

static const struct config_enum_entry config_manager_options[] = {
	{"auto", CAP_CONFIG_AUTO, false},
	{"patroni", CAP_CONFIG_PATRONI, false},
	{"alter_system", CAP_CONFIG_ALTER_SYSTEM, false},
	{"none", CAP_CONFIG_ALTER_SYSTEM, true},
	{NULL, 0, false}
};

static bool
check_range(char **newval, void **extra pg_attribute_unused(), GucSource source pg_attribute_unused())
{
	double		low;
	double		high;

	if (*newval == NULL || !cap_parse_range(*newval, &low, &high))
	{
		GUC_check_errdetail("A range is written \"low-high\" with 0 < low <= high, such as \"5-10\".");
		return false;
	}
	return true;
}

static bool
check_cluster_members(char **newval, void **extra pg_attribute_unused(), GucSource source pg_attribute_unused())
{
	CapHostPort hp[CAP_MAX_MEMBERS];
	char		err[300];

	if (*newval != NULL && cap_parse_member_list(*newval, hp, CAP_MAX_MEMBERS, err, sizeof(err)) < 0)
	{
		GUC_check_errdetail("%s. The list is host:port pairs separated by commas, such as \"10.0.0.1:5432, 10.0.0.2:5432\" ([::1]:5432 for IPv6); empty: ask Patroni.", err);
		return false;
	}
	return true;
}

/*
 * Extra libpq keywords for every member connection: they must parse, and
 * may not carry a password (every user can read a setting with SHOW, and
 * Patroni serves its configuration over its REST API) nor the address,
 * which is the member's.
 */
static bool
check_cluster_conninfo(char **newval, void **extra pg_attribute_unused(), GucSource source pg_attribute_unused())
{
	PQconninfoOption *opts;
	PQconninfoOption *o;
	char	   *err = NULL;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	opts = PQconninfoParse(*newval, &err);
	if (opts == NULL)
	{
		GUC_check_errdetail("It is not a libpq connection string: %s", err ? err : "out of memory");
		if (err)
			PQfreemem(err);
		return false;
	}
	for (o = opts; o->keyword != NULL; o++)
	{
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "password") == 0)
		{
			GUC_check_errdetail("A password may not be written in a setting: use a password file (passfile=...), certificates or trust.");
			PQconninfoFree(opts);
			return false;
		}
		if (strcmp(o->keyword, "host") == 0 || strcmp(o->keyword, "hostaddr") == 0 ||
			strcmp(o->keyword, "port") == 0)
		{
			GUC_check_errdetail("\"%s\" is set per member from pg_capacity.cluster_members or Patroni; this setting holds the other keywords (user, dbname, sslmode, passfile, ...).",
								o->keyword);
			PQconninfoFree(opts);
			return false;
		}
		if (strcmp(o->keyword, "dbname") == 0 &&
			(strchr(o->val, '=') != NULL || strstr(o->val, "://") != NULL))
		{
			GUC_check_errdetail("dbname must be a database name here, not a connection string.");
			PQconninfoFree(opts);
			return false;
		}
	}
	PQconninfoFree(opts);
	return true;
}

static bool
check_patroni_url(char **newval, void **extra pg_attribute_unused(), GucSource source pg_attribute_unused())
{
	char		host[CAP_HOST_LEN];
	char		path[CAP_URL_PATH_LEN];
	char		err[300];
	int			port;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (!cap_parse_http_url(*newval, host, &port, path, err, sizeof(err)))
	{
		GUC_check_errdetail("%s. Write Patroni's REST API as http://host:port, such as \"http://127.0.0.1:8008\"; empty: that default when Patroni manages this node.", err);
		return false;
	}
	return true;
}

static void
range_of(const char *text, double deflow, double defhigh, double *low, double *high)
{
	if (text == NULL || !cap_parse_range(text, low, high))
	{
		*low = deflow;
		*high = defhigh;
	}
}

void
cap_model_constants(CapModelConstants *k)
{
	k->tps_per_vcpu = cap_tps_per_vcpu;
	k->cpu_safety_factor = cap_cpu_safety_factor;
	k->memory_safety_factor = cap_memory_safety_factor;
	k->connection_memory = (double) cap_connection_memory_kb * 1024.0;
	range_of(cap_wal_iops_per_write, 5, 10,
			 &k->wal_iops_per_write_low, &k->wal_iops_per_write_high);
	range_of(cap_read_iops_per_read, 2, 5,
			 &k->read_iops_per_read_low, &k->read_iops_per_read_high);
	k->backends_per_vcpu = cap_backends_per_vcpu;
	k->pooler_multiplier = cap_pooler_multiplier;
	k->measured_fixed_vcpus = NAN;	/* the caller sets a measured cost */
	k->measured_vcpus_per_tps = NAN;
}

void
cap_thresholds(CapThresholds *t)
{
	t->read_tps = cap_read_tps_threshold;
	t->read_load_pct = cap_read_load_threshold_pct;
	t->write_tps = cap_write_tps_threshold;
	t->replication_lag_sec = cap_replication_lag_threshold / 1000.0;
	t->connection_saturation_pct = cap_connection_saturation_pct;
	t->cpu_pct = cap_cpu_threshold_pct;
	t->memory_pct = cap_memory_threshold_pct;
	t->iops_saturation_pct = cap_iops_saturation_pct;
	t->disk_usage_pct = cap_disk_usage_threshold_pct;
	t->cache_hit_ratio = cap_cache_hit_threshold;
	t->checkpoint_interval_sec = (double) cap_checkpoint_interval_threshold;
}

void
cap_check_escalation_order(void)
{
	if (!(cap_warning_pct < cap_critical_pct && cap_critical_pct < cap_emergency_pct))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pg_capacity escalation levels are out of order"),
				 errdetail("pg_capacity.warning_pct (%g), critical_pct (%g) and emergency_pct (%g) must be ascending.",
						   cap_warning_pct, cap_critical_pct, cap_emergency_pct)));
}

static void
define_pct(const char *name, const char *desc, double *var, double boot)
{
	DefineCustomRealVariable(name, desc, NULL, var, boot, 0.0, 100.0,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
}

static void
define_pct_userset(const char *name, const char *desc, double *var, double boot)
{
	DefineCustomRealVariable(name, desc, NULL, var, boot, 0.0, 100.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);
}

void
cap_define_model_settings(void)
{
	/* Escalation Path */
	define_pct("pg_capacity.warning_pct",
			   "Utilization (%) at which a resource is at warning level: schedule a scaling review.",
			   &cap_warning_pct, 70);
	define_pct("pg_capacity.critical_pct",
			   "Utilization (%) at which a resource is critical: execute the scaling plan.",
			   &cap_critical_pct, 85);
	define_pct("pg_capacity.emergency_pct",
			   "Utilization (%) at which a resource is an emergency: immediate action.",
			   &cap_emergency_pct, 95);

	/* Scaling Decision Matrix */
	DefineCustomRealVariable("pg_capacity.read_tps_threshold",
							 "Sustained read transactions per second above which a read replica is recommended.",
							 NULL, &cap_read_tps_threshold, 10000, 1, 1e9,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("pg_capacity.write_tps_threshold",
							 "Sustained write transactions per second above which sharding is to be considered.",
							 NULL, &cap_write_tps_threshold, 5000, 1, 1e9,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_capacity.replication_lag_threshold",
							"Sustained replication lag above which another replica is recommended.",
							NULL, &cap_replication_lag_threshold, 5000, 1, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	define_pct("pg_capacity.read_load_threshold_pct",
			   "Sustained read TPS, as a share of the node's TPS capacity, above which a read replica is recommended.",
			   &cap_read_load_threshold_pct, 80);
	define_pct("pg_capacity.connection_saturation_pct",
			   "Connections, as a share of max_connections, above which PgBouncer is recommended.",
			   &cap_connection_saturation_pct, 80);
	define_pct("pg_capacity.cpu_threshold_pct",
			   "Sustained CPU utilization above which more vCPUs are recommended.",
			   &cap_cpu_threshold_pct, 70);
	define_pct("pg_capacity.memory_threshold_pct",
			   "Memory utilization above which more RAM is recommended.",
			   &cap_memory_threshold_pct, 85);
	define_pct("pg_capacity.iops_saturation_pct",
			   "Disk IOPS saturation above which a faster storage tier is recommended.",
			   &cap_iops_saturation_pct, 80);
	define_pct("pg_capacity.disk_usage_threshold_pct",
			   "Disk usage above which expanding the volume is recommended.",
			   &cap_disk_usage_threshold_pct, 85);
	DefineCustomRealVariable("pg_capacity.cache_hit_threshold",
							 "Cache hit ratio below which a larger shared_buffers is recommended.",
							 NULL, &cap_cache_hit_threshold, 0.95, 0.0, 1.0,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_capacity.checkpoint_interval_threshold",
							"Checkpoint interval below which a larger max_wal_size is recommended.",
							NULL, &cap_checkpoint_interval_threshold, 300, 1, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_capacity.sustained_window",
							"Window over which \"sustained\" is judged: more than half of its samples past the threshold.",
							NULL, &cap_sustained_window, 900, 1, 7 * 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);

	/* Resource Utilization Formulas */
	DefineCustomRealVariable("pg_capacity.tps_per_vcpu",
							 "Transactions per second one vCPU sustains (OLTP).",
							 NULL, &cap_tps_per_vcpu, 500, 1, 1e7,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("pg_capacity.cpu_safety_factor",
							 "Headroom factor applied to required vCPUs.",
							 NULL, &cap_cpu_safety_factor, 1.5, 1, 10,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("pg_capacity.memory_safety_factor",
							 "Headroom factor applied to required RAM (below 4: shared buffers take a quarter of it).",
							 NULL, &cap_memory_safety_factor, 1.3, 1, 3.9,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_capacity.connection_memory",
							"Memory one connection costs.",
							NULL, &cap_connection_memory_kb, 10 * 1024, 64, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_capacity.wal_iops_per_write",
							   "IOPS one write transaction costs, as a low-high range.",
							   NULL, &cap_wal_iops_per_write, "5-10",
							   PGC_SIGHUP, 0, check_range, NULL, NULL);
	DefineCustomStringVariable("pg_capacity.read_iops_per_read",
							   "IOPS one read transaction costs with good caching, as a low-high range.",
							   NULL, &cap_read_iops_per_read, "2-5",
							   PGC_SIGHUP, 0, check_range, NULL, NULL);
	DefineCustomIntVariable("pg_capacity.backends_per_vcpu",
							"Backend connections one vCPU serves.",
							NULL, &cap_backends_per_vcpu, 50, 1, 100000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("pg_capacity.pooler_multiplier",
							 "Client connections per backend connection through PgBouncer.",
							 NULL, &cap_pooler_multiplier, 10, 1, 10000,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);

	/* Capacity Planning: the playbook's replica rule */
	DefineCustomRealVariable("pg_capacity.tps_per_replica",
							 "TPS one read replica takes in the capacity plan's rule: int((forecast - capacity) / this) + 1 replicas.",
							 NULL, &cap_tps_per_replica, 5000, 1, 1e9,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);

	/* Bloat estimates: they change only the caller's own estimates */
	DefineCustomRealVariable("pg_capacity.bloat_target_error_pct",
							 "Sampling stops once both bloat estimates are known within this many percentage points (95% interval).",
							 NULL, &cap_bloat_target_error_pct, 1.0, 0.1, 50,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_capacity.bloat_max_sample_pages",
							"Most pages bloat_estimate() samples from one relation.",
							NULL, &cap_bloat_max_sample_pages, 512, 16, INT_MAX / 4,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_capacity.bloat_sample_min_size",
							"Relations at least this large are sampled by bloat_estimate(mode => 'auto'); smaller ones are estimated from statistics.",
							NULL, &cap_bloat_sample_min_size_kb, 100 * 1024, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	define_pct_userset("pg_capacity.bloat_vacuum_dead_pct",
					   "Dead tuples, as a share of a table, from which VACUUM is recommended (the playbook's autovacuum_vacuum_scale_factor = 0.1).",
					   &cap_bloat_vacuum_dead_pct, 10);
	define_pct_userset("pg_capacity.bloat_rewrite_pct",
					   "Reclaimable share of a table from which VACUUM FULL or pg_repack is recommended.",
					   &cap_bloat_rewrite_pct, 30);
	define_pct_userset("pg_capacity.bloat_reindex_pct",
					   "Reclaimable share of a btree index from which REINDEX CONCURRENTLY is recommended.",
					   &cap_bloat_reindex_pct, 30);
	DefineCustomIntVariable("pg_capacity.bloat_min_reclaim",
							"Smallest reclaimable size worth a rewrite or a rebuild.",
							NULL, &cap_bloat_min_reclaim_kb, 8 * 1024, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);

	/* The cluster view: superusers choose where to connect and as whom */
	DefineCustomStringVariable("pg_capacity.cluster_members",
							   "The cluster's members as host:port, comma-separated; empty: ask Patroni's REST API.",
							   NULL, &cap_cluster_members_list, "",
							   PGC_SUSET, 0, check_cluster_members, NULL, NULL);
	DefineCustomStringVariable("pg_capacity.cluster_conninfo",
							   "libpq keywords for every member connection (user, dbname, sslmode, passfile, ...); never a password.",
							   NULL, &cap_cluster_conninfo, "",
							   PGC_SUSET, 0, check_cluster_conninfo, NULL, NULL);
	DefineCustomStringVariable("pg_capacity.patroni_url",
							   "This node's Patroni REST API (http://host:port), read for the members when pg_capacity.cluster_members is empty.",
							   "Empty: http://127.0.0.1:8008 when Patroni manages this node (patroni.dynamic.json in the data directory).",
							   &cap_patroni_url, "",
							   PGC_SUSET, 0, check_patroni_url, NULL, NULL);
	DefineCustomIntVariable("pg_capacity.cluster_timeout",
							"Time a cluster function may spend on the members in all: discovery, connections and queries, in parallel.",
							NULL, &cap_cluster_timeout, 3000, 100, 600000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);

	DefineCustomEnumVariable("pg_capacity.config_manager",
							 "How sizing_recommendations() says to apply a setting: patroni, alter_system, or auto.",
							 "auto uses Patroni when patroni.dynamic.json is in the data directory.",
							 &cap_config_manager, CAP_CONFIG_AUTO, config_manager_options,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
}

void
cap_define_sampler_settings(void)
{
	DefineCustomBoolVariable("pg_capacity.enabled",
							 "Whether the sampler takes samples.",
							 "Off pauses sampling without unloading; history is kept.",
							 &cap_enabled, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.sample_interval",
							"Time between two samples.",
							NULL,
							&cap_sample_interval, 10, 1, 3600,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.persist_interval",
							"Time between two writes of the history file.",
							"The file is also written at shutdown.",
							&cap_persist_interval, 300, 1, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.size_interval",
							"Time between two measurements of database and WAL directory sizes.",
							"These walk directories, so they run less often than other sources.",
							&cap_size_interval, 60, 1, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.sample_timeout",
							"Longest time one sample may take before it is cancelled.",
							"Also the lock timeout of the sampler's catalog reads.",
							&cap_sample_timeout, 5000, 100, 600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);

	/* kept so that configurations that set it still load */
	DefineCustomStringVariable("pg_capacity.database",
							   "Ignored: the sampler connects to no database.",
							   "The sampler reads only shared state, so it holds no database; the setting is kept so that configurations that set it still load.",
							   &cap_database, "",
							   PGC_POSTMASTER, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.raw_retention",
							"How long raw samples are kept.",
							"Memory is reserved for one sample per second over this time.",
							&cap_raw_retention, 3600, 60, 86400,
							PGC_POSTMASTER, GUC_UNIT_S, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.minute_retention",
							"How long per-minute rollups are kept.",
							NULL,
							&cap_minute_retention, 24 * 60, 60, 30 * 24 * 60,
							PGC_POSTMASTER, GUC_UNIT_MIN, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.hour_retention",
							"How long per-hour rollups are kept.",
							NULL,
							&cap_hour_retention, 90 * 24 * 60, 24 * 60, 3660 * 24 * 60,
							PGC_POSTMASTER, GUC_UNIT_MIN, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.day_retention",
							"How long per-day rollups are kept.",
							NULL,
							&cap_day_retention, 1096 * 24 * 60, 7 * 24 * 60, 1000000 * 24,
							PGC_POSTMASTER, GUC_UNIT_MIN, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.vcpus",
							"CPUs available to this node; 0 detects them.",
							"Detection reads the cgroup CPU quota, else counts online CPUs.",
							&cap_vcpus, 0, 0, 4096,
							PGC_SIGHUP, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.memory",
							"Memory available to this node; 0 detects it.",
							"Detection reads the cgroup memory limit, else MemTotal.",
							&cap_memory_mb, 0, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MB, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_capacity.disk_iops_limit",
							"IOPS the data volume is provisioned for; 0 means unknown.",
							NULL,
							&cap_disk_iops_limit, 0, 0, INT_MAX,
							PGC_SIGHUP, 0, NULL, NULL, NULL);

	DefineCustomStringVariable("pg_capacity.os_root",
							   "Directory under which /proc and /sys are read.",
							   "Empty reads the real ones; for a host /proc mounted elsewhere, or for tests.",
							   &cap_os_root, "",
							   PGC_POSTMASTER, GUC_NOT_IN_SAMPLE | GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);
}
