# 017_tps_capacity.pl: the TPS capacity measured from light load predicts
# the throughput at which the node's CPU saturates.
#
# PostgreSQL runs in a cgroup v1 cpu,cpuacct group limited to one CPU
# (cpu.cfs_quota_us = cpu.cfs_period_us), with synchronous_commit = off so
# that what saturates is the CPU (the figure predicted), not the latency of
# a shared disk's fsync; pgbench runs outside it.  The test
# command (test/scripts/run-tests.sh, as root) makes the group, gives the
# postgres user its cgroup.procs and names it in PGCAP_TEST_CGROUP; without
# it the test skips, saying why.  After start, the postmaster and its
# children are moved in; the sampler then reads PostgreSQL's CPU from the
# group (its log says so).
#
# For tpcb-like and, in long mode (LONG_TESTS=1), select-only (-S), each
# from an empty history:
#   1. a 4 s unthrottled run gives a rough saturation s0 (then the history
#      is emptied: the prediction must come from light load alone);
#   2. a 6 s probe at 15 % of s0 says what a rate costs; then four
#      throttled pgbench processes started together, each a quarter of the
#      rate that would take 50 % CPU, for 40, 30, 20 and 10 s: the load steps
#      down from about 50 to 12 % CPU (a mean of 25 to 45 %), and the
#      backends warm up once, as a pooler's would, not at every step;
#   3. tps_capacity() must have basis 'measured'; its saturation_tps is the
#      prediction, and the report's tps row must not be critical or
#      emergency while the CPU row is below warning;
#   4. an 8 s unthrottled run: pgbench's own tps is the measured saturation.
# Asserted: prediction / measured at most 1.2 (the unsafe side), and at
# least 0.5 for tpcb-like, 0.25 for select-only (a fresh-clone CI run gave
# 0.26: the top step's new backends burned 80 % CPU decaying to 45 % while
# they warmed their caches, which steepened the line).  The CPU a transaction costs
# falls as load grows, and most of the fall is beyond 50 % CPU where light
# load cannot see it: measured on this project's machines (2 shared vCPUs),
# a select-only transaction costs 2 to 4 times the CPU at 25 % CPU that it
# costs at saturation, user time as much as system time; the line fitted at
# light load is straight (a power law fitted instead has an exponent of 0.86
# to 0.98), and its prediction lands at 0.26 to 0.69 of the real saturation
# for select-only, 0.57 to 0.78 for tpcb-like (docs/measurements.md).  The
# ratios are printed, and by the test command too.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $cg = $ENV{PGCAP_TEST_CGROUP} // '';
my @dirs = map { "/sys/fs/cgroup/$_/$cg" } qw(cpu cpuacct);
if ($cg eq '')
{
	plan skip_all =>
	  'PGCAP_TEST_CGROUP is not set: run through test/scripts/run-tests.sh as root on a machine with writable cgroup v1 cpu and cpuacct hierarchies';
}
foreach my $d (@dirs)
{
	plan skip_all => "$d/cgroup.procs is not writable by this user"
	  unless -w "$d/cgroup.procs";
}
my $quota = slurp_file("$dirs[0]/cpu.cfs_quota_us");
my $period = slurp_file("$dirs[0]/cpu.cfs_period_us");
chomp($quota, $period);
plan skip_all => "the cgroup's quota ($quota) is not one CPU ($period)"
  unless $quota == $period;

my $node = pgc_new_node('tps_capacity',
	extra_conf => "max_connections = 40\nlc_messages = 'C'\nsynchronous_commit = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');

# the postmaster and every child of it into the group
my $pm = (split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0];
my @pids = ($pm);
opendir(my $proc, '/proc') or die "opendir /proc: $!";
foreach my $p (grep { /^\d+$/ } readdir $proc)
{
	my $stat = eval { slurp_file("/proc/$p/stat") } or next;
	my $ppid = (split ' ', (split /\)/, $stat)[-1])[1];
	push @pids, $p if $ppid == $pm;
}
closedir $proc;
my $log_offset = -s $node->logfile;
foreach my $d (@dirs)
{
	foreach my $p (@pids)
	{
		open(my $fh, '>', "$d/cgroup.procs") or die "open $d/cgroup.procs: $!";
		print $fh "$p\n";
		# a child that exited meanwhile cannot be moved (ESRCH)
		close($fh) or $!{ESRCH} or die "moving $p into $d: $!";
	}
}
ok($node->wait_for_log(qr/CPU time is read from its cgroup/, $log_offset),
	'the sampler reads PostgreSQL\'s CPU from the cgroup');
ok( $node->poll_query_until('postgres',
		q{SELECT value = 1 FROM capacity.latest() WHERE metric = 'vcpus'}),
	'vcpus is the cgroup\'s quota: 1');

my ($out, $err) = ('', '');
is(pgc_env_run($node, [ 'pgbench', '-i', '-s', '10', '-q', 'postgres' ], \$out, \$err),
	0, 'pgbench -i -s 10')
  or diag $err;

# pgbench's own tps of a run
sub bench
{
	my ($label, @args) = @_;
	my ($o, $e) = ('', '');
	my $rc = pgc_env_run($node,
		[ 'pgbench', '-n', '-c', '4', '-j', '2', @args, 'postgres' ], \$o, \$e);
	is($rc, 0, "pgbench $label") or diag $e;
	$o =~ /tps = ([\d.]+) \(without initial connection time\)/
	  or die "no tps in pgbench's output: $o";
	return $1;
}

# select-only in long mode only (LONG_TESTS=1): a minute of the test
# command's 15, for the workload whose lower bound is already loose
my @mixes = ([ 'tpcb-like', [] ]);
push @mixes, [ 'select-only', ['-S'] ] if $ENV{LONG_TESTS};
note 'select-only: long mode only (LONG_TESTS=1)' unless $ENV{LONG_TESTS};
foreach my $mix (@mixes)
{
	my ($name, $opt) = @$mix;

	my $s0 = bench("$name, rough saturation", @$opt, '-T', '4');
	$node->safe_psql('postgres', 'SELECT capacity.reset_history()');
	pgc_wait_samples($node, 2);

	# light load: a probe at 15 % of s0 says what a rate costs (the median
	# of its last samples, its backends warm)
	my $r1 = int($s0 * 0.15) || 1;
	my $t1 = pgc_q($node, 'SELECT now()');
	bench("$name at $r1 tx/s (probe)", @$opt, '-R', $r1, '-T', '6');
	my $c1 = pgc_q($node,
		qq{SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY value)
		   FROM capacity.history('postgres_cpu_pct', '1 hour', 'raw')
		   WHERE sampled_at > '$t1'::timestamptz + interval '3 s'});
	$c1 = 1 unless $c1 > 1;

	# then four pgbench processes started together, each a quarter of the
	# rate the probe says would take 50 % CPU, for 40, 30, 20 and 10 s: the
	# load steps down from about 50 to 12 % CPU, and the backends warm up
	# once, at the start, as a pooler's would
	my $rate = int($r1 * 50 / $c1);
	$rate = int($s0 * 0.7) if $rate > $s0 * 0.7;
	my $quarter = int($rate / 4) || 1;
	my @runs;
	foreach my $secs (40, 30, 20, 10)
	{
		my ($o, $e) = ('', '');
		local $ENV{PGHOST} = $node->host;
		local $ENV{PGPORT} = $node->port;
		push @runs, [ IPC::Run::start(
			[ 'pgbench', '-n', '-c', '2', '-j', '1', @$opt, '-R', $quarter, '-T', $secs, 'postgres' ],
			'<', \undef, '>', \$o, '2>', \$e), \$e, $secs ];
	}
	foreach my $r (@runs)
	{
		my ($h, $e, $secs) = @$r;
		ok($h->finish, "pgbench $name at $quarter tx/s for $secs s") or diag $$e;
	}
	# the fitted series, for a look afterwards
	PostgreSQL::Test::Utils::append_to_file(
		"$PostgreSQL::Test::Utils::log_path/017_$name.csv",
		$node->safe_psql('postgres',
			q{SELECT t.sampled_at, t.value, c.value
			  FROM capacity.history('tps', '1 hour', 'raw') t
			  JOIN capacity.history('postgres_cpu_pct', '1 hour', 'raw') c USING (sampled_at)
			  ORDER BY 1}) . "\n");
	my $light_cpu = pgc_q($node,
		q{SELECT round(avg(value)::numeric, 1) FROM capacity.history('postgres_cpu_pct', '1 hour', 'raw')});
	my ($basis, $sat, $cap, $cost, $fixed, $n, $range, $r2) = split /\|/, pgc_q($node,
		q{SELECT basis, round(saturation_tps), round(capacity_tps), round(cpu_pct_per_1000_tps::numeric, 2),
		         round(fixed_cpu_pct::numeric, 1), samples, load_range, round(r_squared::numeric, 3)
		  FROM capacity.tps_capacity()});
	my $report = pgc_q($node,
		q{SELECT string_agg(resource || '=' || level || ':' || round(utilization_pct::numeric, 1), ' ' ORDER BY resource)
		  FROM capacity.capacity_report('1 minute') WHERE resource IN ('tps', 'cpu')});
	my %level = map { (split /[=:]/)[ 0, 1 ] } split ' ', $report;
	is($basis, 'measured', "$name: the capacity is measured") or diag pgc_q($node,
		'SELECT detail FROM capacity.tps_capacity()');

	my $t2 = pgc_q($node, 'SELECT now()');
	my $truth = bench("$name, saturated", @$opt, '-T', '8');
	my $sat_cpu = pgc_q($node,
		qq{SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY value)::numeric, 1)
		   FROM capacity.history('postgres_cpu_pct', '1 hour', 'raw')
		   WHERE sampled_at > '$t2'::timestamptz + interval '2 s'});
	my $ratio = $truth > 0 ? $sat / $truth : 0;
	diag sprintf(
		"%s: light load %s%% CPU (mean postgres_cpu_pct), fit %s%% per 1000 tx/s + %s%% fixed, "
		  . "r2 %s over %s samples %s; predicted saturation %s tx/s, capacity %s; "
		  . "measured saturation %.0f tx/s at %s%% CPU: ratio %.2f; report: %s",
		$name, $light_cpu, $cost, $fixed, $r2, $n, $range, $sat, $cap, $truth,
		$sat_cpu, $ratio, $report);
	# the safe side always; below, how far low a line from light load may
	# fall (see the header)
	my $low = $name eq 'tpcb-like' ? 0.5 : 0.25;
	ok($ratio <= 1.2,
		sprintf('%s: predicted saturation at most 1.2 times the measured (%.2f)', $name, $ratio));
	ok($ratio >= $low,
		sprintf('%s: predicted saturation at least %.1f times the measured (%.2f)', $name, $low, $ratio));
	ok(!($basis eq 'measured' && $level{cpu} eq 'ok' && ($level{tps} eq 'critical' || $level{tps} eq 'emergency')),
		"$name: a measured tps is not critical or emergency while the CPU is ok ($report)");
}

$node->stop;
done_testing();
