# 005_accuracy.pl: the sampler's tps agrees with pgbench.
#
# pgbench -i -s 10, then two runs of 25 s (-c 4 -j 2 -P 1): select-only (-S)
# and tpcb-like.  Asserted, each within 5% of pgbench's own
# "tps = X (without initial connection time)":
#   tps (both runs); write_tps (tpcb-like); read_tps (select-only);
#   read_tps <= 5% of tps (tpcb-like), write_tps <= 5% of tps (select-only).
#
# The sampler's average over the run is time-weighted: the sum of
# value * (time since the previous sample) over the samples from the last one
# before pgbench started to the first one 1.5 s after it ended (its backends
# flush their last statistics when they exit), divided by pgbench's own
# duration (transactions / tps).  That is the sampler's count of the run's
# transactions over the run's length, so it does not depend on how the 1 s
# samples line up with the run.
#
# Why not the mean of the samples in [start + 3 s, end - 1 s]: backends flush
# their statistics at most once a second, so the sampler's per-second series
# is pgbench's own per-second series (pgbench -P 1) delayed by 0..1 s, and the
# mean of a sub-window differs from the whole-run figure by however much the
# throughput of the excluded seconds differed (measured here, on a shared
# 2-core machine: up to 4.7%, from pgbench's own throughput swings).  That
# window mean is still printed, with pgbench's progress mean over the same
# window, for comparison.
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

# Raw samples of a metric around the run: [sampled_at text, epoch, value].
sub samples
{
	my ($metric, $t1, $t2) = @_;
	return pgc_raw($node, $metric,
		"sampled_at BETWEEN to_timestamp($t1) AND to_timestamp($t2)");
}

# Sum of value * (time since the previous sample) over the samples after the
# last one at or before $t1 up to the first one at or after $t2.
sub integral
{
	my ($rows, $t1, $t2) = @_;
	my ($i0) = grep { $rows->[$_][1] <= $t1 } reverse 0 .. $#$rows;
	my ($i1) = grep { $rows->[$_][1] >= $t2 } 0 .. $#$rows;
	return undef unless defined $i0 && defined $i1;
	my $sum = 0;
	$sum += ($rows->[$_][2] // 0) * ($rows->[$_][1] - $rows->[ $_ - 1 ][1])
	  for $i0 + 1 .. $i1;
	return $sum;
}

for my $run ([ 'select-only', ['-S'] ], [ 'tpcb-like', [] ])
{
	my ($name, $opts) = @$run;
	($out, $err) = ('', '');
	my $t_start = time;
	my $rc = pgc_env_run(
		$node,
		[ 'pgbench', '-T', $duration, '-c', '4', '-j', '2', '-P', '1', @$opts, 'postgres' ],
		\$out, \$err);
	my $t_end = time;
	is($rc, 0, "$name: pgbench run") or diag $err;
	my ($pg_tps) = $out =~ /^tps = ([0-9.]+) \(without initial connection time\)/m;
	my ($n_xacts) = $out =~ /^number of transactions actually processed: (\d+)/m;
	ok(defined $pg_tps && $pg_tps > 0 && $n_xacts, "$name: pgbench reports tps")
	  or diag $out;
	$pg_tps ||= 1;
	$n_xacts ||= 1;
	my $pg_secs = $n_xacts / $pg_tps;
	my @prog;
	push @prog, [ $1, $2 ] while $err =~ /^progress: ([0-9.]+) s, ([0-9.]+) tps/mg;

	my $t_after = $t_end + 1.5;
	ok(pgc_wait_sample_after($node, $t_after), "$name: sampled 1.5 s past the run");

	my %avg;
	my %win;
	my $w1 = $t_start + 3;
	my $w2 = $t_end - 1;
	my @tps_rows;
	for my $m (qw(tps read_tps write_tps))
	{
		my @rows = samples($m, $t_start - 5, $t_after + 5);
		@tps_rows = @rows if $m eq 'tps';
		my $integral = integral(\@rows, $t_start, $t_after);
		$avg{$m} = defined $integral ? $integral / $pg_secs : -1;
		$win{$m} = mean(grep { defined } map { $_->[2] }
			  grep { $_->[1] >= $w1 && $_->[1] <= $w2 } @rows) // -1;
	}
	my $n_win = grep { $_->[1] >= $w1 && $_->[1] <= $w2 } @tps_rows;
	my $prog_win = mean(map { $_->[1] }
		  grep { $t_start + $_->[0] >= $w1 && $t_start + $_->[0] <= $w2 } @prog) // -1;

	note sprintf('%s: pgbench %.3f .. %.3f (%.2f s wall), %d xacts, tps %.1f',
		$name, $t_start, $t_end, $t_end - $t_start, $n_xacts, $pg_tps);
	note "$name: pgbench -P 1: " . join(' ', map { "$_->[0]s=$_->[1]" } @prog);
	note "$name: sampler tps: "
	  . join(' ',
		map { sprintf '%.2fs=%.0f', $_->[1] - $t_start, $_->[2] // -1 }
		grep { $_->[1] > $t_start - 1 } @tps_rows);
	note sprintf(
		'%s: RUN AVERAGE tps %.1f (%+.2f%%), write_tps %.1f (%+.2f%%), read_tps %.1f (%.2f%% of tps)',
		$name, $avg{tps}, pct($avg{tps}, $pg_tps), $avg{write_tps},
		pct($avg{write_tps}, $pg_tps), $avg{read_tps}, 100 * $avg{read_tps} / $pg_tps);
	note sprintf(
		'%s: window [+3 s, end-1 s] mean of %d samples: tps %.1f (%+.2f%%), write_tps %.1f (%+.2f%%), '
		  . 'read_tps %.1f (%.2f%% of tps); pgbench -P 1 mean over the window %.1f (%+.2f%%)',
		$name, $n_win, $win{tps}, pct($win{tps}, $pg_tps), $win{write_tps},
		pct($win{write_tps}, $pg_tps), $win{read_tps}, 100 * $win{read_tps} / $pg_tps,
		$prog_win, pct($prog_win, $pg_tps));

	cmp_ok($n_win, '>=', 10, "$name: the sampler sampled during the run");
	cmp_ok(abs(pct($avg{tps}, $pg_tps)), '<', 5, "$name: tps within 5% of pgbench");
	if ($name eq 'select-only')
	{
		cmp_ok(abs(pct($avg{read_tps}, $pg_tps)),
			'<', 5, "$name: read_tps within 5% of pgbench tps");
		cmp_ok(abs($avg{write_tps}), '<=', 0.05 * $pg_tps, "$name: write_tps <= 5% of tps");
	}
	else
	{
		cmp_ok(abs(pct($avg{write_tps}, $pg_tps)),
			'<', 5, "$name: write_tps within 5% of pgbench tps");
		cmp_ok(abs($avg{read_tps}), '<=', 0.05 * $pg_tps, "$name: read_tps <= 5% of tps");
	}
}

$node->stop;
done_testing();
