# 003_crash.pl: worker hygiene.
#
#  - the worker holds no database: DROP DATABASE, ALTER DATABASE RENAME and
#    CREATE DATABASE TEMPLATE of the database it used to connect to
#    (postgres) succeed at once, without FORCE, while sampling goes on;
#  - DROP DATABASE of other databases does not hang (repeated);
#  - pg_capacity.enabled = off pauses sampling (worker stays), on resumes;
#  - a reloaded sample_interval takes effect;
#  - the worker killed with SIGKILL: the postmaster reinitializes, a new worker
#    samples again, with the history back to the last persist.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $node = pgc_new_node('crash', extra_conf => "restart_after_crash = on\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
ok(pgc_wait_samples($node, 2), 'the sampler takes samples');

# ---------------------------------------------------------------------------
# DROP DATABASE with the worker connected.
# ---------------------------------------------------------------------------
ok( $node->poll_query_until(
		'postgres', q{
		SELECT count(*) = 1 AND bool_and(a.datname IS NULL AND a.pid = s.worker_pid)
		FROM pg_stat_activity a, capacity.sampler_status() s
		WHERE a.backend_type = 'pg_capacity sampler'}),
	'worker connected to no database, visible in pg_stat_activity');

# DDL on a database, run from template1, timed: it must neither wait for the
# sampler nor fail ("being accessed by other users" after 5 s, the way it
# did while the sampler was connected to pg_capacity.database = postgres).
sub timed_ddl
{
	my ($label, $sql, $db) = @_;
	my ($out, $err, $timed_out) = ('', '', 0);
	my $t0 = time;
	my $rc = $node->psql(
		$db // 'template1', $sql,
		stdout    => \$out,
		stderr    => \$err,
		timeout   => 60,
		timed_out => \$timed_out);
	my $secs = time - $t0;
	ok(!$timed_out, "$label: $sql does not hang (60 s limit)");
	is($rc, 0, "$label: $sql succeeds") or diag $err;
	note sprintf("%s: %s took %.2f s", $label, $sql, $secs);
	return $secs;
}

# the database the sampler used to hold: renamed, copied, dropped without FORCE
my $t_ddl = time;
my @secs;
push @secs, timed_ddl('postgres', 'ALTER DATABASE postgres RENAME TO postgres_renamed');
push @secs, timed_ddl('postgres', 'ALTER DATABASE postgres_renamed RENAME TO postgres');
push @secs, timed_ddl('postgres', 'CREATE DATABASE postgres_copy TEMPLATE postgres');
push @secs, timed_ddl('postgres', 'DROP DATABASE postgres_copy');
push @secs, timed_ddl('postgres', 'DROP DATABASE postgres');
push @secs, timed_ddl('postgres', 'CREATE DATABASE postgres');
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
my $worst = (sort { $b <=> $a } @secs)[0];
note sprintf("DDL on the database named by pg_capacity.database: worst %.2f s", $worst);
cmp_ok($worst, '<', 2, 'DDL on that database takes less than 2 s each');
ok(pgc_wait_sample_after($node, $t_ddl), 'still sampling after DROP DATABASE postgres');

for my $i (1 .. 3)
{
	for my $sql ('CREATE DATABASE d1', 'DROP DATABASE d1')
	{
		timed_ddl("round $i", $sql, 'postgres');
	}
}
my $t_after_drop = time;
ok(pgc_wait_sample_after($node, $t_after_drop), 'still sampling after the DROP DATABASEs');

# ---------------------------------------------------------------------------
# pg_capacity.enabled = off pauses sampling, on resumes.
# ---------------------------------------------------------------------------
$node->safe_psql('postgres',
	'ALTER SYSTEM SET pg_capacity.enabled = off; SELECT pg_reload_conf()');
# Watch last_sample_at for 6 s (6 sample intervals): one sample may have been
# in flight when the reload arrived, no more.
my %seen;
my $deadline = time + 6;
my $last;
while (time < $deadline)
{
	$last = pgc_status($node)->{last_sample_at};
	$seen{$last} = 1;
	usleep(250_000);
}
my $changes = scalar(keys %seen) - 1;
note "enabled = off: last_sample_at changed $changes time(s) in 6 s";
cmp_ok($changes, '<=', 1, 'enabled = off: last_sample_at stops advancing');
ok(defined pgc_status($node)->{worker_pid}, 'enabled = off: the worker keeps running');

$node->safe_psql('postgres',
	'ALTER SYSTEM RESET pg_capacity.enabled; SELECT pg_reload_conf()');
ok( $node->poll_query_until(
		'postgres',
		"SELECT last_sample_at > '$last' FROM capacity.sampler_status()"),
	'enabled = on again: sampling resumes');

# ---------------------------------------------------------------------------
# sample_interval changed by reload.
# ---------------------------------------------------------------------------
$node->safe_psql('postgres',
	"ALTER SYSTEM SET pg_capacity.sample_interval = '2s'; SELECT pg_reload_conf()");
my $t_reload = pgc_q($node, 'SELECT extract(epoch FROM clock_timestamp())');
my $from = $t_reload + 1;
ok( $node->poll_query_until(
		'postgres',
		"SELECT count(*) >= 5 FROM capacity.history('tps', '1 hour', 'raw') "
		  . "WHERE sampled_at > to_timestamp($from)"),
	'five samples after sample_interval = 2s');
my @rows = pgc_raw($node, 'tps', "sampled_at > to_timestamp($from)");
my @gaps = map { $rows[$_][1] - $rows[ $_ - 1 ][1] } 1 .. $#rows;
# The worker keeps a steady cadence, so the mean spacing is the interval even
# if one wake-up came late (which would shorten the gap after it).
my $mean_gap = ($rows[-1][1] - $rows[0][1]) / $#rows;
note 'sample spacing after sample_interval = 2s: '
  . join(', ', map { sprintf '%.3f', $_ } @gaps)
  . sprintf(' (mean %.3f s)', $mean_gap);
cmp_ok($mean_gap, '>=', 1.5, 'sample_interval = 2s: samples are 2 s apart (mean spacing >= 1.5 s)');
$node->safe_psql('postgres',
	'ALTER SYSTEM RESET pg_capacity.sample_interval; SELECT pg_reload_conf()');

# ---------------------------------------------------------------------------
# SIGKILL of the worker.
# ---------------------------------------------------------------------------
my $s = pgc_wait_persist_after_now($node);
ok(defined $s, 'a persist happened after a known sample');
my $st = pgc_status($node);
my $old_pid = $st->{worker_pid};
my ($n_le_s, $oldest) = split /\|/, pgc_q(
	$node, qq{
	SELECT count(*), min(sampled_at) FROM capacity.history('tps', '1 hour', 'raw')
	WHERE sampled_at <= '$s'});
is( pgc_q($node,
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_capacity sampler'"),
	$old_pid,
	'worker_pid matches pg_stat_activity');
note "killing worker $old_pid; last persist $st->{last_persist_at}; "
  . "$n_le_s samples up to $s";

my $off = -s $node->logfile;
my $t_kill = time;
ok(kill('KILL', $old_pid), 'SIGKILL sent to the worker');
ok( $node->poll_query_until(
		'postgres', qq{
		SELECT worker_pid IS NOT NULL AND worker_pid <> $old_pid
		       AND last_sample_at > to_timestamp($t_kill)
		FROM capacity.sampler_status()}),
	'a new worker is sampling after the crash');
my $st2 = pgc_status($node);
ok( $node->poll_query_until(
		'postgres',
		"SELECT last_sample_at > '$st2->{last_sample_at}' FROM capacity.sampler_status()"),
	'new worker: last_sample_at advances');
note "new worker pid $st2->{worker_pid}";

my ($n_le_s_after, $oldest_after, $has_s) = split /\|/, pgc_q(
	$node, qq{
	SELECT count(*) FILTER (WHERE sampled_at <= '$s'), min(sampled_at),
	       bool_or(sampled_at = '$s')
	FROM capacity.history('tps', '1 hour', 'raw')});
is($has_s, 't', 'after crash: the persisted sample is in the history');
is($n_le_s_after, $n_le_s, 'after crash: history back to the last persist');
is($oldest_after, $oldest, 'after crash: same oldest sample');

my $log = slurp_file($node->logfile, $off);
like($log, qr/background worker "pg_capacity sampler" \(PID $old_pid\) was terminated by signal 9/,
	'log: the worker was terminated by signal 9');
like($log, qr/all server processes terminated; reinitializing/,
	'log: the postmaster reinitialized');
unlike($log, qr/ignoring pg_capacity history file/, 'log: the history file was valid');

$node->stop;
done_testing();
