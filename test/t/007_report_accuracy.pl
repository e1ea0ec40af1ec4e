# 007_report_accuracy.pl: capacity_report()'s tps row agrees with pgbench.
#
# pgbench -i -s 10, then pgbench -c 4 -j 2 -T 30 -P 1 (tpcb-like) in the
# background.  25 s into the run, while pgbench still runs, we call
# capacity_report('20 seconds'): its window [T - 20 s, T] lies inside the run,
# so every sample in it is a steady-state one.  Asserted:
#
#   - "current" of the tps row is the mean of the raw tps samples in the
#     window (capacity.history over the same window, exactly);
#   - it is within 5% of pgbench's own per-second progress (-P 1) averaged
#     over the same 20 s (the apples-to-apples figure);
#   - it is within 5% of pgbench's final "tps = X (without initial connection
#     time)" of the whole run, when pgbench's own throughput was steady (see
#     below).
#
# Why a window inside the run and not one matching the run: the report's
# "current" is a plain mean of 1 s samples, so a window that starts before
# the run or ends after it averages in idle seconds (one idle second in 25 is
# -4%), and one that starts exactly at the run's start depends on how the
# samples line up with it.  Inside the run each sample is the rate of the
# second before it, which is pgbench's progress figure of the nearest second
# (matched one to one; they differ by the sub-second offset between the two
# clocks' ticks and by when backends flush their statistics).  The run figure
# differs from the window's by however much pgbench's own throughput in the
# other 10 s differed: measured up to 12% with another benchmark running on
# the 2 cores, hence the condition below.
#
# Also: sizing_recommendations()'s apply text follows patroni.dynamic.json in
# the data directory (config_manager = auto).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $duration = $ENV{PGC_REPORT_SECONDS} // 30;
my $at = $duration - 5;    # when to call capacity_report, seconds into the run
my $window = $at - 5;      # its window: [at - window, at] = [5 s, 25 s]

my $node = pgc_new_node('report_accuracy');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
ok(pgc_wait_samples($node, 2), 'the sampler samples');

# ---- apply: Patroni when patroni.dynamic.json is in the data directory ----
my $apply_q = q{SELECT apply FROM capacity.sizing_recommendations(68719476736, 16, 96)
                WHERE parameter = 'shared_buffers'};
is(pgc_q($node, 'SHOW pg_capacity.config_manager'), 'auto', 'config_manager is auto');
like(pgc_q($node, $apply_q), qr/^ALTER SYSTEM SET shared_buffers = '16GB';\n-- then restart PostgreSQL$/,
	'no patroni.dynamic.json: ALTER SYSTEM');
my $dyn = $node->data_dir . '/patroni.dynamic.json';
open(my $fh, '>', $dyn) or die "$dyn: $!";
print $fh qq({"postgresql": {"parameters": {}}}\n);
close $fh;
# the scope is cluster_name (Patroni sets it; PostgreSQL::Test::Cluster sets the node's name)
like(pgc_q($node, $apply_q),
	qr/^patronictl edit-config --pg shared_buffers=16GB --force -- report_accuracy\npatronictl restart --pending --force -- report_accuracy  # restart needed/,
	'patroni.dynamic.json: patronictl edit-config, and a restart');

# A cluster_name that looks like an option ('-h') or needs quoting stays the
# cluster's name: the command lines, split as a shell splits them, end the
# options with "--" before it.
sub shell_words
{
	my ($line) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ 'bash', '-c', 'eval "set -- $1"; printf "%s\n" "$@"', 'split', $line ],
		'>', \$out, '2>', \$err)
	  or die "bash: $err";
	return [ split /\n/, $out ];
}
# PostgreSQL::Test::Cluster starts nodes with --cluster-name=<node name>:
# start this one by hand with each name under test (pg_ctl -o goes through
# a shell, hence the quoting)
$node->stop;
foreach my $name ('-h', '--help', q{-x 'db'$(id)})
{
	PostgreSQL::Test::Utils::system_or_bail('pg_ctl', '-w', '-D', $node->data_dir,
		'-l', $node->logfile, '-o', "--cluster-name='" . ($name =~ s/'/'\\''/gr) . "'", 'start');
	is(pgc_q($node, 'SHOW cluster_name'), $name, "cluster_name is '$name'");
	my @lines = split /\n/, pgc_q($node, $apply_q);
	(my $edit = $lines[0]) =~ s/\s*#.*$//;
	(my $restart = $lines[1]) =~ s/\s+#.*$//;
	is_deeply(shell_words($edit),
		[ 'patronictl', 'edit-config', '--pg', 'shared_buffers=16GB', '--force', '--', $name ],
		"cluster_name '$name': edit-config ends its options before the name");
	is_deeply(shell_words($restart),
		[ 'patronictl', 'restart', '--pending', '--force', '--', $name ],
		"cluster_name '$name': restart ends its options before the name");
	PostgreSQL::Test::Utils::system_or_bail('pg_ctl', '-w', '-D', $node->data_dir,
		'-m', 'fast', 'stop');
}
$node->start;
unlink $dyn or die "$dyn: $!";
like(pgc_q($node, $apply_q), qr/^ALTER SYSTEM/, 'patroni.dynamic.json removed: ALTER SYSTEM again');

# ---- pgbench ----
my ($out, $err) = ('', '');
is(pgc_env_run($node, [ 'pgbench', '-i', '-s', '10', '-q', 'postgres' ], \$out, \$err),
	0, 'pgbench -i -s 10')
  or diag $err;

($out, $err) = ('', '');
my $h;
my $t_start;
{
	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	local $ENV{PGDATABASE} = 'postgres';
	$t_start = time;
	$h = IPC::Run::start(
		[ 'pgbench', '-T', $duration, '-c', '4', '-j', '2', '-P', '1', 'postgres' ],
		'<', \undef, '>', \$out, '2>', \$err);
}

# capacity_report while pgbench runs.  Its window ends at the server's clock
# when it runs, which lies between $t_before and $t_after (read just before
# and after it in the same session).
sleep($t_start + $at - time) if $t_start + $at > time;
my @out = split /\n/, $node->safe_psql(
	'postgres', qq{
	SELECT extract(epoch FROM clock_timestamp());
	SELECT current, peak, capacity, level, char_length(trend), detail
	FROM capacity.capacity_report('$window seconds') WHERE resource = 'tps';
	SELECT extract(epoch FROM clock_timestamp());});
my ($t_before, $report, $t_after) = @out;
my ($current, $peak, $capacity, $level, $cells, $detail) = split /\|/, $report;
my @near = pgc_raw($node, 'tps',
	"sampled_at >= to_timestamp($t_before) - interval '@{[ $window + 2 ]} seconds' "
	  . "AND sampled_at <= to_timestamp($t_after)");
$h->finish;
my $rc = $?;
is($rc, 0, 'pgbench run') or diag $err;
my ($pg_tps) = $out =~ /^tps = ([0-9.]+) \(without initial connection time\)/m;
ok(defined $pg_tps && $pg_tps > 0, 'pgbench reports tps') or diag $out;
$pg_tps ||= 1;

my @prog;
push @prog, [ $1, $2 ] while $err =~ /^progress: ([0-9.]+) s, ([0-9.]+) tps/mg;
my $w_from = $t_before - $window - $t_start;
my $w_to = $t_before - $t_start;

# The samples in the report's window: surely those in [t_after - window,
# t_before]; a sample in [t_before - window, t_after - window) or in
# (t_before, t_after] may or may not be (a few ms; try both).
my @sure = grep { $_->[1] >= $t_after - $window && $_->[1] <= $t_before } @near;
my @maybe = grep {
	($_->[1] >= $t_before - $window && $_->[1] < $t_after - $window)
	  || ($_->[1] > $t_before && $_->[1] <= $t_after)
} @near;
my @rows = @sure;
for my $mask (0 .. 2**@maybe - 1)
{
	my @set = sort { $a->[1] <=> $b->[1] }
	  (@sure, map { $maybe[$_] } grep { $mask & (1 << $_) } 0 .. $#maybe);
	my $m = mean(grep { defined } map { $_->[2] } @set);
	if (defined $m && abs($current - $m) <= 1e-6 * abs($m))
	{
		@rows = @set;
		last;
	}
}
my $hist_mean = mean(grep { defined } map { $_->[2] } @rows) // -1;

# pgbench -P 1: "progress: X s, Y tps" is the throughput of (X - 1, X] after
# pgbench's start; a sample at time t is the rate over (t - 1 s, t]: each
# sample of the window is matched with the progress second X nearest to it
my %prog = map { ($_->[0] + 0) => $_->[1] } @prog;
my @prog_win = grep { defined } map { $prog{ int($_->[1] - $t_start + 0.5) } } @rows;
my $prog_mean = mean(@prog_win) // -1;
my $t_report = $t_before;
my $t_report_end = $t_after;

note sprintf('pgbench started at %.3f, report at +%.2f s (bracket %.3f s); window [+%.2f, +%.2f]',
	$t_start, $t_report - $t_start, $t_report_end - $t_report, $w_from, $w_to);
note "pgbench -P 1: " . join(' ', map { "$_->[0]s=$_->[1]" } @prog);
note "sampler tps in the window: "
  . join(' ', map { sprintf '%+.2fs=%.0f', $_->[1] - $t_start, $_->[2] // -1 } @rows);
note "report tps row: current $current, peak $peak, capacity $capacity, level $level, "
  . "$cells trend cells; detail: $detail";
note sprintf('REPORT current %.1f tps; mean of the %d raw samples %.1f; '
	  . 'pgbench -P 1 mean over the same window (%d s) %.1f (%+.2f%%); '
	  . 'pgbench final tps %.1f (%+.2f%%)',
	$current, scalar(@rows), $hist_mean, scalar(@prog_win), $prog_mean,
	pct($current, $prog_mean), $pg_tps, pct($current, $pg_tps));

cmp_ok(scalar(@rows), '>=', $window - 2, 'the window holds a sample a second');
cmp_ok(abs($current - $hist_mean), '<=', 1e-6 * $hist_mean,
	'current is the mean of the samples in the window');
cmp_ok(scalar(@prog_win), '>=', scalar(@rows) - 1, 'pgbench reported progress over the window');
cmp_ok(abs(pct($current, $prog_mean)), '<', 5,
	'tps within 5% of pgbench -P 1 over the same window');
# pgbench's final tps covers the whole run, the report 20 s of it: they can
# only agree when pgbench's own throughput was as steady (on a quiet machine
# it is; with other load on the 2 cores it swings by 2-3x from second to
# second).  So: asserted when pgbench's own window figure is within 3% of its
# run figure, else skipped with the figures above.
SKIP:
{
	skip sprintf("pgbench's throughput was not steady: its own window mean is %+.2f%% off its run tps",
		pct($prog_mean, $pg_tps)), 1
	  if abs(pct($prog_mean, $pg_tps)) >= 3;
	cmp_ok(abs(pct($current, $pg_tps)), '<', 5, "tps within 5% of pgbench's tps of the run");
}
cmp_ok($peak, '>=', $current, 'peak >= current');
is($cells, (@rows < 24 ? scalar(@rows) : 24), 'one trend cell per sample (up to 24)');

$node->stop;
done_testing();
