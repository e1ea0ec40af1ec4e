# 013_clock.pl: the sampler through wall-clock steps (NTP, a resumed VM).
#
# The server runs with an LD_PRELOAD shim (test/clock/clock_shim.c) that
# shifts the wall clock by an offset read from a file and leaves the
# monotonic clock alone, as a real step does.  (libfaketime was tried
# first: the sampler, a background worker, did not see its offset.)  The clock is stepped back 90 s, forward an
# hour, then back two hours:
#  - samples keep coming at the configured interval through every step, and
#    the history file keeps being written;
#  - the history stays in time order (raw stamps strictly increasing, one
#    bucket per minute); a step back within CAP_CLOCK_LEAD_MAX (an hour) is
#    absorbed by stamping on the monotonic clock, a larger one drops the
#    entries stamped after the clock (logged);
#  - rates stay true (no negative or huge TPS from a wall-clock interval).
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

# the shim that shifts the wall clock (test/clock/clock_shim.c), built here
my $shim = PostgreSQL::Test::Utils::tempdir() . '/clock_shim.so';
my ($cc_out, $cc_err) = ('', '');
IPC::Run::run([ 'cc', '-shared', '-fPIC', '-O2', '-o', $shim,
		"$FindBin::RealBin/../clock/clock_shim.c", '-ldl' ], '>', \$cc_out, '2>', \$cc_err)
  or BAIL_OUT("could not build the clock shim: $cc_err");

my $node = pgc_new_node('clock', extra_conf => "pg_capacity.persist_interval = 1s\n");
my $offset_file = $node->basedir . '/clock_offset';

sub set_offset
{
	my ($off) = @_;
	open my $fh, '>', "$offset_file.tmp" or die $!;
	print $fh "$off\n";
	close $fh;
	rename "$offset_file.tmp", $offset_file or die $!;
	return;
}

set_offset('0');
{
	local $ENV{LD_PRELOAD} = $shim;
	local $ENV{PGC_CLOCK_OFFSET_FILE} = $offset_file;
	$node->start;
}
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
ok(pgc_wait_samples($node, 3), 'the sampler samples under the clock shim');

my $hfile = pgc_history_path($node);

sub in_order
{
	return pgc_q(
		$node, q{
		SELECT coalesce(bool_and(d > interval '0'), true)
		FROM (SELECT sampled_at - lag(sampled_at) OVER (ORDER BY ord) AS d
		      FROM capacity.history('tps', '1 day', 'raw')
		           WITH ORDINALITY AS h(sampled_at, value, max_value, ord)) x
		WHERE d IS NOT NULL})
	  . '|'
	  . pgc_q(
		$node, q{
		SELECT count(*) = count(DISTINCT sampled_at)
		FROM capacity.history('tps', '1 day', 'minute')});
}

# Step the clock, then watch 6 s of real time.
sub step
{
	my ($label, $offset) = @_;
	my $mtime0 = (stat $hfile)[9] // 0;
	my $off = -s $node->logfile;
	set_offset($offset);
	sleep 0.2;    # the shim re-reads the offset every 50 ms
	note "$label: clock offset now $offset s; database now() = " . pgc_q($node, 'SELECT now()');
	# samples taken: distinct last_sample_at values seen over 6 s
	my %seen;
	my $t_end = time + 6;
	while (time < $t_end)
	{
		$seen{ pgc_status($node)->{last_sample_at} // '' } = 1;
		sleep 0.25;
	}
	my $n = scalar(keys %seen) - 1;
	my $mtime1 = (stat $hfile)[9] // 0;
	note "$label: $n samples in 6 s; file mtime advanced " . ($mtime1 - $mtime0) . " s";
	cmp_ok($n, '>=', 4, "$label: samples keep coming (at least 4 in 6 s at 1 s)");
	cmp_ok($mtime1, '>', $mtime0, "$label: the history file keeps being written");
	is(in_order(), 't|t', "$label: raw stamps strictly increasing, one bucket per minute");
	my ($tps_min, $tps_max) = split /\|/, pgc_q(
		$node, q{
		SELECT min(value), max(value) FROM capacity.history('tps', '1 day', 'raw')
		WHERE value IS NOT NULL});
	note "$label: tps over the history: min $tps_min, max $tps_max";
	ok($tps_min >= 0 && $tps_max < 10000, "$label: TPS stays sane (0 <= tps < 10000)");
	my $log = slurp_file($node->logfile, $off);
	unlike($log, qr/terminated by signal|PANIC/, "$label: no crash");
	return $log;
}

step('back 90 s', '-90');
my $ahead = pgc_q($node,
	"SELECT extract(epoch FROM max(sampled_at) - now()) FROM capacity.history('tps', '1 day', 'raw')");
note "after the step back: newest stamp is $ahead s ahead of the (stepped) clock";
cmp_ok($ahead, '<=', 91, 'stamps follow the monotonic clock: at most the step ahead');

step('forward 1 h', '3600');
my $log = step('back 2 h', '-7200');
like($log, qr/the clock is more than 3600 s behind the history; dropped the \d+ history entries/,
	'a step back past an hour drops the entries stamped after the clock, logged');
is( pgc_q(
		$node,
		"SELECT count(*) FROM capacity.history('tps', '1 day', 'raw') WHERE sampled_at > now() + interval '1 minute'"
	),
	0,
	'nothing stamped after the clock once the history was cut');
step('back to the true time', '0');

$node->stop;
done_testing();
