# 002_standby.pl: a primary and a streaming standby both sample.
#
#  - the standby (made by pg_basebackup) starts with an empty history of its
#    own although the primary had a history file when the backup was taken;
#  - the standby reports role 'standby', its replay lag, write_tps = 0 under a
#    write load on the primary;
#  - the primary counts one standby and reports the standby's lag;
#  - promotion flips the role to 'primary' and keeps the history.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $primary = pgc_new_node('primary', allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres',
	'CREATE EXTENSION pg_capacity; CREATE TABLE t (i int)');

ok(pgc_wait_samples($primary, 3), 'primary samples');
is(pgc_status($primary)->{role}, 'primary', 'primary: role primary');

# The primary's history file exists when the backup is taken.
ok(defined pgc_wait_persist_after_now($primary), 'primary persisted its history');
ok(-s pgc_history_path($primary), 'primary has a history file');
$primary->backup('b');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
ok(!-e pgc_history_path($standby), 'pg_basebackup did not copy the history file');

my $t_standby = time;
$standby->start;
ok( $standby->poll_query_until(
		'postgres',
		"SELECT role = 'standby' AND raw_samples >= 2 FROM capacity.sampler_status()"),
	'standby samples with role standby');

my $standby_oldest = pgc_q($standby,
	"SELECT extract(epoch FROM min(sampled_at)) FROM capacity.history('tps', '1 hour', 'raw')");
my $primary_oldest = pgc_q($primary,
	"SELECT extract(epoch FROM min(sampled_at)) FROM capacity.history('tps', '1 hour', 'raw')");
note "standby started at $t_standby; oldest sample: standby $standby_oldest, primary $primary_oldest";
cmp_ok($primary_oldest, '<', $t_standby, 'primary has samples older than the standby');
cmp_ok($standby_oldest, '>=', $t_standby,
	'standby history starts empty: no sample older than its start');

# The primary counts one standby and reports its lag.
ok( $primary->poll_query_until(
		'postgres',
		"SELECT value = 1 FROM capacity.latest() WHERE metric = 'standbys'"),
	'primary: latest() standbys = 1');
ok( $primary->poll_query_until(
		'postgres',
		"SELECT value IS NOT NULL FROM capacity.latest() WHERE metric = 'replication_lag_bytes'"
	),
	'primary: replication_lag_bytes is not null');
cmp_ok(pgc_latest($primary)->{replication_lag_bytes} // -1,
	'>=', 0, 'primary: replication_lag_bytes >= 0');

# A write load on the primary.
$primary->command_ok([ 'pgbench', '-i', '-s', '1', '-q', 'postgres' ], 'pgbench -i');
$primary->wait_for_catchup($standby);
my $t_load = time;
my ($out, $err) = ('', '');
is(pgc_env_run($primary, [ 'pgbench', '-T', '5', '-c', '2', '-j', '2', 'postgres' ], \$out, \$err),
	0, 'pgbench write load on the primary');
my $t_load_end = time;
note $out =~ /^(tps = .*)$/m ? "primary load: $1" : "pgbench: $out $err";
$primary->wait_for_catchup($standby);
ok(pgc_wait_sample_after($standby, $t_load_end), 'standby sampled after the load');
ok(pgc_wait_sample_after($primary, $t_load_end), 'primary sampled after the load');

my $w1 = $t_load + 1.5;
my $w2 = $t_load_end + 1;
my ($n_std, $n_std_nonzero, $max_std) = split /\|/, pgc_q(
	$standby, qq{
	SELECT count(*), count(*) FILTER (WHERE value IS DISTINCT FROM 0), max(value)
	FROM capacity.history('write_tps', '1 hour', 'raw')
	WHERE sampled_at BETWEEN to_timestamp($w1) AND to_timestamp($w2)});
my $max_pri = pgc_q(
	$primary, qq{
	SELECT max(value) FROM capacity.history('write_tps', '1 hour', 'raw')
	WHERE sampled_at BETWEEN to_timestamp($w1) AND to_timestamp($w2)});
note "during the load: primary max write_tps $max_pri; standby $n_std samples, "
  . "max write_tps " . ($max_std // 'NULL');
cmp_ok($max_pri || 0, '>', 0, 'primary: write_tps > 0 during the load');
cmp_ok($n_std, '>=', 3, 'standby: samples taken during the load');
is($n_std_nonzero, 0, 'standby: write_tps = 0 in every sample during the load');
my $lat = pgc_latest($standby);
is($lat->{write_tps}, 0, 'standby: latest() write_tps = 0');

ok( $standby->poll_query_until(
		'postgres',
		"SELECT value IS NOT NULL FROM capacity.latest() WHERE metric = 'replication_lag_sec'"
	),
	'standby: replication_lag_sec is not null');
$lat = pgc_latest($standby);
note "standby latest(): replication_lag_sec "
  . ($lat->{replication_lag_sec} // 'NULL')
  . ", replication_lag_bytes "
  . ($lat->{replication_lag_bytes} // 'NULL')
  . ", standbys " . ($lat->{standbys} // 'NULL');
cmp_ok($lat->{replication_lag_sec} // -1, '>=', 0, 'standby: replication_lag_sec >= 0');
ok(defined $lat->{replication_lag_bytes}, 'standby: replication_lag_bytes is not null');
cmp_ok($lat->{replication_lag_bytes} // -1, '>=', 0, 'standby: replication_lag_bytes >= 0');
is(pgc_status($standby)->{role}, 'standby', 'standby: role still standby');

# Promotion.
my ($t_pre, $n_pre, $oldest_pre) = split /\|/, pgc_q(
	$standby, q{
	SELECT clock_timestamp(), count(*), min(sampled_at)
	FROM capacity.history('tps', '1 hour', 'raw')});
$standby->promote;
ok( $standby->poll_query_until(
		'postgres', "SELECT role = 'primary' FROM capacity.sampler_status()"),
	'promoted standby: role flips to primary');
my ($n_post, $oldest_post) = split /\|/, pgc_q(
	$standby, qq{
	SELECT count(*), min(sampled_at) FROM capacity.history('tps', '1 hour', 'raw')
	WHERE sampled_at <= '$t_pre'});
is($n_post, $n_pre, 'promoted standby: history from before promotion is kept');
is($oldest_post, $oldest_pre, 'promoted standby: same oldest sample');
ok(defined pgc_status($standby)->{worker_pid}, 'promoted standby: worker still running');

# Now writes on the promoted node count as write transactions.
my $t_promoted = pgc_q($standby, 'SELECT clock_timestamp()');
ok( $standby->poll_query_until(
		'postgres', qq{
		WITH i AS (INSERT INTO t VALUES (1) RETURNING 1)
		SELECT coalesce(max(value), 0) > 0
		FROM capacity.history('write_tps', '1 hour', 'raw')
		WHERE sampled_at > '$t_promoted'}),
	'promoted standby: write_tps > 0 under writes');

$standby->stop;
$primary->stop;
done_testing();
