# 005_accuracy.pl: the sampler's tps agrees with pgbench.
#
# pgbench -i -s 10, then two runs of 25 s (-c 4 -j 2): select-only (-S) and
# tpcb-like.  The sampler's average tps is the mean of the raw 'tps' samples
# whose sampled_at lies in [start + 3 s, end - 1 s] of the run (with a 1 s
# interval each raw sample is the rate over the second before it, so the
# window covers the steady part of the run only).  Asserted, each within 5%
# of pgbench's own "tps = X (without initial connection time)":
#   tps (both runs); write_tps (tpcb-like); read_tps (select-only);
#   read_tps <= 5% of tps (tpcb-like), write_tps <= 5% of tps (select-only).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $duration = $ENV{PGC_ACCURACY_SECONDS} // 25;

my $node = pgc_new_node('accuracy');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
ok(pgc_wait_samples($node, 2), 'the sampler samples');

my ($out, $err) = ('', '');
is(pgc_env_run($node, [ 'pgbench', '-i', '-s', '10', '-q', 'postgres' ], \$out, \$err),
	0, 'pgbench -i -s 10')
  or diag $err;

sub window_avg
{
	my ($metric, $w1, $w2) = @_;
	my @rows = pgc_raw($node, $metric,
		"sampled_at BETWEEN to_timestamp($w1) AND to_timestamp($w2)");
	my @v = grep { defined } map { $_->[2] } @rows;
	my $sum = 0;
	$sum += $_ for @v;
	return (@v ? $sum / @v : undef, scalar(@rows), \@rows);
}

sub pct
{
	my ($a, $b) = @_;
	return 100 * ($a - $b) / $b;
}

for my $run ([ 'select-only', ['-S'] ], [ 'tpcb-like', [] ])
{
	my ($name, $opts) = @$run;
	($out, $err) = ('', '');
	my $t_start = time;
	my $rc = pgc_env_run(
		$node,
		[ 'pgbench', '-T', $duration, '-c', '4', '-j', '2', @$opts, 'postgres' ],
		\$out, \$err);
	my $t_end = time;
	is($rc, 0, "$name: pgbench run") or diag $err;
	my ($pg_tps) = $out =~ /^tps = ([0-9.]+) \(without initial connection time\)/m;
	my ($n_xacts) = $out =~ /^number of transactions actually processed: (\d+)/m;
	ok(defined $pg_tps && $pg_tps > 0, "$name: pgbench reports tps") or diag $out;
	$pg_tps //= 1;

	my $w1 = $t_start + 3;
	my $w2 = $t_end - 1;
	# the samples of the window exist once one was taken after its end
	ok(pgc_wait_sample_after($node, $w2), "$name: sampled past the window");

	my ($tps, $n, $rows) = window_avg('tps', $w1, $w2);
	my ($read) = window_avg('read_tps', $w1, $w2);
	my ($write) = window_avg('write_tps', $w1, $w2);
	$_ //= -1 for ($tps, $read, $write);

	note sprintf('%s: pgbench start %.3f end %.3f (%.2f s), %s xacts, pgbench tps %.1f',
		$name, $t_start, $t_end, $t_end - $t_start, $n_xacts // '?', $pg_tps);
	note sprintf('%s: window [%.3f, %.3f], %d samples: %s', $name, $w1, $w2, $n,
		join(' ', map { sprintf '%.2f=%s', $_->[1] - $t_start, $_->[2] // 'NULL' } @$rows));
	note sprintf(
		'%s: sampler tps %.1f (%+.2f%%), read_tps %.1f (%+.2f%%), write_tps %.1f (%+.2f%%)',
		$name, $tps, pct($tps, $pg_tps), $read, pct($read, $pg_tps),
		$write, pct($write, $pg_tps));

	cmp_ok($n, '>=', 10, "$name: at least 10 samples in the window");
	cmp_ok(abs(pct($tps, $pg_tps)), '<', 5, "$name: tps within 5% of pgbench");
	if ($name eq 'select-only')
	{
		cmp_ok(abs(pct($read, $pg_tps)), '<', 5, "$name: read_tps within 5% of pgbench tps");
		cmp_ok(abs($write), '<=', 0.05 * $pg_tps, "$name: write_tps <= 5% of tps");
	}
	else
	{
		cmp_ok(abs(pct($write, $pg_tps)), '<', 5, "$name: write_tps within 5% of pgbench tps");
		cmp_ok(abs($read), '<=', 0.05 * $pg_tps, "$name: read_tps <= 5% of tps");
	}
}

$node->stop;
done_testing();
