/*-------------------------------------------------------------------------
 *
 * settings.h
 *		Every pg_capacity.* setting: the sampler's (defined when the module
 *		is preloaded) and the capacity model's (escalation levels, decision
 *		thresholds and model constants; always defined, all reloadable).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_SETTINGS_H
#define PG_CAPACITY_SETTINGS_H

#include "model.h"

/* The sampler and its history (preloaded only) */
extern bool cap_enabled;
extern int	cap_sample_interval;	/* s */
extern int	cap_persist_interval;	/* s */
extern int	cap_size_interval;		/* s */
extern int	cap_sample_timeout;		/* ms */
extern char *cap_database;	/* ignored: the sampler connects to no database */
extern int	cap_raw_retention;		/* s */
extern int	cap_minute_retention;	/* min */
extern int	cap_hour_retention;		/* min */
extern int	cap_day_retention;		/* min */
extern int	cap_vcpus;
extern int	cap_memory_mb;
extern int	cap_disk_iops_limit;
extern char *cap_os_root;

/* Escalation Path */
extern double cap_warning_pct;
extern double cap_critical_pct;
extern double cap_emergency_pct;

/* Scaling Decision Matrix thresholds */
extern double cap_read_tps_threshold;
extern double cap_write_tps_threshold;
extern int	cap_replication_lag_threshold;	/* ms */
extern double cap_connection_saturation_pct;
extern double cap_read_load_threshold_pct;
extern double cap_cpu_threshold_pct;
extern double cap_memory_threshold_pct;
extern double cap_iops_saturation_pct;
extern double cap_disk_usage_threshold_pct;
extern double cap_cache_hit_threshold;
extern int	cap_checkpoint_interval_threshold;	/* s */
extern int	cap_sustained_window;	/* s */

/* Bloat estimates (bloat_estimate()): per session */
extern double cap_bloat_target_error_pct;
extern int	cap_bloat_max_sample_pages;
extern int	cap_bloat_sample_min_size_kb;
extern double cap_bloat_vacuum_dead_pct;
extern double cap_bloat_rewrite_pct;
extern double cap_bloat_reindex_pct;
extern int	cap_bloat_min_reclaim_kb;

/* Capacity plan: TPS one read replica takes (the playbook's 5000) */
extern double cap_tps_per_replica;

/* The cluster view (cluster.c): who the members are, how to reach them */
extern char *cap_cluster_members_list;	/* "host:port, ..." or empty */
extern char *cap_cluster_conninfo;	/* libpq keywords for every member */
extern char *cap_patroni_url;	/* empty: the default when Patroni runs */
extern int	cap_cluster_timeout;	/* ms, for a whole call */

/* How sizing_recommendations() says to apply a setting */
typedef enum CapConfigManager
{
	CAP_CONFIG_AUTO,			/* Patroni if patroni.dynamic.json is in the data directory */
	CAP_CONFIG_PATRONI,
	CAP_CONFIG_ALTER_SYSTEM
} CapConfigManager;
extern int	cap_config_manager;

/* The model constants, as the pure model takes them */
extern void cap_model_constants(CapModelConstants *k);

/* The decision matrix's thresholds, as the pure model takes them */
extern void cap_thresholds(CapThresholds *t);

/* Define the sampler's settings; called from _PG_init when preloaded. */
extern void cap_define_sampler_settings(void);

/* Define the model's settings; called from _PG_init, preloaded or not. */
extern void cap_define_model_settings(void);

/* ERROR (22023) unless warning_pct < critical_pct < emergency_pct. */
extern void cap_check_escalation_order(void);

#endif							/* PG_CAPACITY_SETTINGS_H */
