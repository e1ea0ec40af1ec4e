# 004_os_sources.pl: failing sources never stop the sampler.
#
#  - pg_capacity.os_root pointed at an empty directory: the OS metrics are
#    NULL, the PostgreSQL metrics are not, and every failing source is logged
#    once, not once per sample; sizing_recommendations() says RAM is not
#    measured yet instead of "exceeds RAM by n/a";
#  - pg_capacity.database naming a database that does not exist: ignored,
#    since the sampler connects to no database; it samples, nothing fails.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $empty = PostgreSQL::Test::Utils::tempdir();
my $node = pgc_new_node('os', extra_conf => "pg_capacity.os_root = '$empty'\n");
my $off = 0;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
is(pgc_q($node, 'SHOW pg_capacity.os_root'), $empty, 'os_root is the empty directory');

# Rates need a baseline: look at the fourth sample or later.
ok(pgc_wait_samples($node, 4), 'the sampler samples with an empty os_root');
my $lat = pgc_latest($node);
note 'latest() with empty os_root: '
  . join(', ', map { "$_=" . ($lat->{$_} // 'NULL') } sort keys %$lat);

for my $m (qw(cpu_pct memory_total_bytes memory_used_pct swap_io_per_sec oom_kills
	disk_read_iops disk_write_iops disk_util_pct))
{
	ok(exists $lat->{$m} && !defined $lat->{$m}, "empty os_root: $m is NULL");
}
# vcpus falls back to the CPUs the server may run on (sysconf), as README says
for my $m (qw(connections max_connections tps wal_bytes_per_sec disk_total_bytes vcpus))
{
	ok(defined $lat->{$m}, "empty os_root: $m is not NULL");
}
cmp_ok($lat->{max_connections} // 0, '>', 0, 'max_connections > 0');

# No memory measured: sizing_recommendations() says so rather than
# comparing against "n/a", and recommends no memory setting.
my ($rec, $apply) = split /\|/, pgc_q($node, q{
	SELECT coalesce(recommended_setting, '<null>'), apply FROM capacity.sizing_recommendations()
	WHERE parameter = 'worst_case_memory'}), -1;
is($rec, '<null>', 'no memory sample: worst_case_memory recommends nothing');
like($apply, qr/^RAM not measured yet/, 'no memory sample: worst_case_memory says RAM is not measured yet');
unlike(pgc_q($node, q{SELECT string_agg(coalesce(recommended_setting, '') || coalesce(apply, ''), ' ')
                      FROM capacity.sizing_recommendations()}),
	qr{n/a}, 'no memory sample: no "n/a" in any recommendation');

# Every failing source logged once.
sub could_not_read
{
	my $log = slurp_file($node->logfile, $off);
	my %count;
	$count{$1}++ while $log =~ /pg_capacity: could not read (.+?): /g;
	return \%count;
}
my $c1 = could_not_read();
note "could not read lines: " . join(', ', map { "$_ x$c1->{$_}" } sort keys %$c1);
cmp_ok(scalar(keys %$c1), '>=', 1, "'pg_capacity: could not read' is logged");
my @dup = grep { $c1->{$_} != 1 } keys %$c1;
is("@dup", '', 'each failing source is logged exactly once');

# A few more samples later still once each.
my $n = pgc_status($node)->{raw_samples};
ok(pgc_wait_samples($node, $n + 3), 'three more samples');
my $c2 = could_not_read();
is_deeply($c2, $c1, 'no more could-not-read lines after more samples');
ok(defined pgc_status($node)->{worker_pid}, 'the worker is still running');
unlike(slurp_file($node->logfile, $off), qr/terminated by signal|exited with exit code/,
	'the worker never exited');

# ---------------------------------------------------------------------------
# pg_capacity.database = a database that does not exist: the setting is
# ignored (the sampler connects to no database), so nothing fails at all.
# ---------------------------------------------------------------------------
$node->stop;
$node->append_conf('postgresql.conf',
	"pg_capacity.os_root = ''\npg_capacity.database = 'nosuchdb'\n");
$off = -s $node->logfile;
my $t0 = time;
$node->start;
ok(pgc_wait_sample_after($node, $t0), 'database = nosuchdb: the sampler samples');
my $n0 = pgc_status($node)->{raw_samples};
ok(pgc_wait_samples($node, $n0 + 3), 'database = nosuchdb: and goes on sampling');
is(pgc_q($node, q{SELECT count(*) FROM pg_stat_activity
                  WHERE backend_type = 'pg_capacity sampler' AND datname IS NULL}),
	'1', 'the sampler is connected to no database');
my $log = slurp_file($node->logfile, $off);
unlike($log, qr/nosuchdb/, 'nothing in the log names nosuchdb');
unlike($log, qr/background worker "pg_capacity sampler" \(PID \d+\) exited/,
	'the worker never exited');
unlike($log, qr/terminated by signal|PANIC/, 'no crash');

$node->stop;
done_testing();
