# 016_history_layout.pl: a history file written by a pg_capacity that knew
# fewer metrics (the release before a metric was appended) is kept across
# the upgrade; one written by a pg_capacity that knows more (a downgrade) is
# refused.
#
#  - the sampler collects raw samples and a closed minute bucket; with the
#    server stopped, the file is rewritten as the previous layout would
#    have written it (the last metric dropped from every raw sample and
#    every bucket, num_metrics one less, a new CRC-32C), and later with two
#    metrics fewer (both parities of a bucket's padded n[]);
#  - after each restart the old raw samples and minute buckets are there, at
#    their times with their values, the dropped metrics are NULL in every one
#    of them while new samples have them, and one LOG line says the file was
#    widened;
#  - a file with one metric more is ignored with a WARNING naming the newer
#    layout, the history starts empty, and the next write replaces the file
#    (what every refused file gets).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = pgc_new_node('layout');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
my $hfile = pgc_history_path($node);
my $nmetrics = pgc_q($node, 'SELECT count(*) FROM capacity.metrics()');
my @metrics = split /\n/,
  pgc_q($node, 'SELECT metric FROM capacity.metrics() WITH ORDINALITY ORDER BY ordinality');
is(scalar(@metrics), $nmetrics, 'the metrics in their order');
note "this build: $nmetrics metrics, the last one $metrics[-1]";

# ---------------------------------------------------------------------------
# The file, in Perl: header (CapFileHeader, version 2), raw samples, then
# per rollup level its closed buckets and its open one, then a CRC-32C.
# ---------------------------------------------------------------------------
my $hdr_size = 144;
my $epoch2000_us = 946684800 * 1_000_000;

my @crc_table = map {
	my $c = $_;
	for (1 .. 8) { $c = ($c & 1) ? (($c >> 1) ^ 0x82F63B78) : ($c >> 1); }
	$c;
} 0 .. 255;

sub crc32c
{
	my ($data) = @_;
	my $crc = 0xFFFFFFFF;
	$crc = $crc_table[ ($crc ^ $_) & 0xFF ] ^ ($crc >> 8) for unpack('C*', $data);
	return $crc ^ 0xFFFFFFFF;
}

sub sample_size { return 16 + 8 * $_[0]; }
sub bucket_size { my ($m) = @_; return 8 + 4 * ($m + $m % 2) + 16 * $m; }

sub read_file
{
	open my $fh, '<:raw', $hfile or die "$hfile: $!";
	local $/;
	my $buf = <$fh>;
	close $fh;
	my $body = substr($buf, 0, length($buf) - 4);
	die "bad CRC" unless unpack('V', substr($buf, -4)) == crc32c($body);
	my %f = (hdr => substr($body, 0, $hdr_size));
	my $m = $f{nm} = unpack('V', substr($body, 16, 4));
	my @count = unpack('l<4', substr($body, 24, 16));
	my @open = unpack('l<4', substr($body, 40, 16));
	$f{count} = \@count;
	$f{open} = \@open;
	my $p = $hdr_size;
	for (1 .. $count[0])
	{
		my ($ts, $nulls, @v) = unpack("q< Q< d<$m", substr($body, $p, sample_size($m)));
		push @{ $f{raw} }, { ts => $ts, nulls => $nulls, v => \@v };
		$p += sample_size($m);
	}
	my $npad = $m + $m % 2;
	for my $l (1 .. 3)
	{
		for (1 .. $count[$l] + $open[$l])
		{
			my ($start, @rest) =
			  unpack("q< l<$npad d<$m d<$m", substr($body, $p, bucket_size($m)));
			my @n = @rest[ 0 .. $m - 1 ];
			my @sum = @rest[ $npad .. $npad + $m - 1 ];
			my @max = @rest[ $npad + $m .. $npad + 2 * $m - 1 ];
			push @{ $f{bucket}[$l] }, { start => $start, n => \@n, sum => \@sum, max => \@max };
			$p += bucket_size($m);
		}
	}
	die "file size" unless $p == length($body);
	return \%f;
}

# write $f with $m metrics: fewer drops the last ones, more adds NULL ones
sub write_file
{
	my ($f, $m) = @_;
	my $hdr = $f->{hdr};
	substr($hdr, 16, 4) = pack('V', $m);
	my $body = $hdr;
	my $val = sub { my ($a, $i) = @_; return $i < @$a ? $a->[$i] : 0; };
	for my $s (@{ $f->{raw} })
	{
		my $nulls = $s->{nulls};
		$nulls |= (1 << $_) for (scalar(@{ $s->{v} }) .. $m - 1);
		$body .= pack("q< Q< d<$m", $s->{ts}, $nulls, map { $val->($s->{v}, $_) } 0 .. $m - 1);
	}
	for my $l (1 .. 3)
	{
		for my $b (@{ $f->{bucket}[$l] // [] })
		{
			$body .= pack('q<', $b->{start})
			  . pack('l<*', map { $val->($b->{n}, $_) } 0 .. $m + $m % 2 - 1)
			  . pack('d<*', map { $val->($b->{sum}, $_) } 0 .. $m - 1)
			  . pack('d<*', map { $val->($b->{max}, $_) } 0 .. $m - 1);
		}
	}
	open my $fh, '>:raw', $hfile or die "$hfile: $!";
	print $fh $body . pack('V', crc32c($body));
	close $fh;
	return;
}

sub us_to_sql { return "'epoch'::timestamptz + interval '1 microsecond' * ($_[0] + $epoch2000_us)"; }

# rows of capacity.history(): [start in microseconds since 2000, value, max] (undef for NULL)
sub history_rows
{
	my ($metric, $level, $until_us) = @_;
	my $out = pgc_q(
		$node, qq{
		SELECT (extract(epoch FROM sampled_at) * 1000000)::bigint - $epoch2000_us,
		       coalesce(value::text, '<null>'), coalesce(max_value::text, '<null>')
		FROM capacity.history('$metric', '1 hour', '$level')
		WHERE sampled_at <= } . us_to_sql($until_us) . q{
		ORDER BY sampled_at});
	return map {
		[ map { $_ eq '<null>' ? undef : $_ } split /\|/, $_, -1 ]
	} grep { $_ ne '' } split /\n/, $out;
}

sub same_value
{
	my ($a, $b) = @_;
	return !defined $a && !defined $b
	  || defined $a && defined $b && abs($a - $b) <= 1e-9 * (1 + abs($b));
}

# ---------------------------------------------------------------------------
# Some history: raw samples, one closed minute bucket at least, with temp
# files written so that the last metric (temp_bytes_per_sec today) is not
# all zero.
# ---------------------------------------------------------------------------
$node->safe_psql('postgres',
	"SET work_mem = '64kB'; SELECT count(*) FROM (SELECT g FROM generate_series(1, 100000) g ORDER BY g DESC) s");
ok( $node->poll_query_until(
		'postgres', 'SELECT minute_samples >= 2 AND raw_samples >= 3 FROM capacity.sampler_status()'),
	'raw samples and a closed minute bucket');

# ---------------------------------------------------------------------------
# The file as a release with $fewer metrics fewer would have written it
# (the last ones dropped from every entry), read back after a restart.
# ---------------------------------------------------------------------------
sub older_layout
{
	my ($fewer) = @_;
	my $m = $nmetrics - $fewer;
	my $name = "$m metrics";
	my $kept = $metrics[ $m - 1 ];    # the last metric the file keeps

	$node->stop;
	my $f = read_file();
	my @raw = @{ $f->{raw} };
	my @minutes = @{ $f->{bucket}[1] // [] }[ 0 .. $f->{count}[1] - 1 ];
	is($f->{nm}, $nmetrics, "$name: the file has this build's $nmetrics metrics");
	cmp_ok(scalar(@raw), '>=', 3, "$name: the file has raw samples");
	cmp_ok(scalar(@minutes), '>=', 1, "$name: the file has a closed minute bucket");
	my $dropped_set = grep {
		my $s = $_;
		grep { !($s->{nulls} & (1 << $_)) } $m .. $nmetrics - 1
	} @raw;
	cmp_ok($dropped_set, '>', 0, "$name: the metrics to drop have values in the file");
	my $newest_old = @raw ? $raw[-1]{ts} : 0;
	my $newest_minute = @minutes ? $minutes[-1]{start} : 0;

	write_file($f, $m);
	is(read_file()->{nm}, $m, "$name: rewritten with $m metrics");
	my $off = -s $node->logfile;
	my $t0 = time;
	$node->start;
	ok(pgc_wait_sample_after($node, $t0), "$name: the server runs and samples");
	my $log = slurp_file($node->logfile, $off);
	unlike($log, qr/ignoring pg_capacity history file/, "$name: the file is not ignored");
	like($log,
		qr/LOG:\s+pg_capacity: history file "[^"]*" was written with $m metrics, this pg_capacity has $nmetrics: the new ones start empty/,
		"$name: a LOG line says the file was widened");
	is(scalar(() = $log =~ /was written with \d+ metrics/g), 1, "$name: one such line");

	my @rows = history_rows('tps', 'raw', $newest_old);
	is(scalar(@rows), scalar(@raw), "$name: every old raw sample is kept");
	is_deeply([ map { $_->[0] } @rows ], [ map { $_->{ts} } @raw ], "$name: at their times");
	for my $i (0, $m - 1)
	{
		@rows = history_rows($metrics[$i], 'raw', $newest_old);
		my $same = grep {
			my $s = $raw[$_];
			same_value($rows[$_][1], ($s->{nulls} & (1 << $i)) ? undef : $s->{v}[$i])
		} 0 .. $#raw;
		is($same, scalar(@raw), "$name: old raw samples keep their values of $metrics[$i]");
	}
	for my $i ($m .. $nmetrics - 1)
	{
		@rows = history_rows($metrics[$i], 'raw', $newest_old);
		is(scalar(grep { defined $_->[1] } @rows), 0,
			"$name: $metrics[$i] is NULL in the old raw samples");
	}

	my @mrows = history_rows('tps', 'minute', $newest_minute);
	is_deeply([ map { $_->[0] } @mrows ], [ map { $_->{start} } @minutes ],
		"$name: the closed minute buckets are kept");
	for my $i (0, $m - 1)
	{
		@mrows = history_rows($metrics[$i], 'minute', $newest_minute);
		my $same = grep {
			my $b = $minutes[$_];
			my $n = $b->{n}[$i];
			same_value($mrows[$_][1], $n ? $b->{sum}[$i] / $n : undef)
			  && same_value($mrows[$_][2], $n ? $b->{max}[$i] : undef)
		} 0 .. $#minutes;
		is($same, scalar(@minutes), "$name: old minute buckets keep their means and peaks of $metrics[$i]");
	}
	for my $i ($m .. $nmetrics - 1)
	{
		@mrows = history_rows($metrics[$i], 'minute', $newest_minute);
		is(scalar(grep { defined $_->[1] || defined $_->[2] } @mrows), 0,
			"$name: $metrics[$i] is NULL in the old minute buckets");
	}

	ok( $node->poll_query_until(
			'postgres',
			"SELECT count(value) > 0 FROM capacity.history('$metrics[-1]', '1 hour', 'raw') WHERE sampled_at > "
			  . us_to_sql($newest_old)),
		"$name: new samples have $metrics[-1]");
	return;
}

# one metric fewer (the release before), then two (odd and even lengths of
# a bucket's n[] both read, whatever CAP_NUM_METRICS is)
older_layout(1);
older_layout(2);

# ---------------------------------------------------------------------------
# A file from a pg_capacity that knows one metric more (a downgrade).
# ---------------------------------------------------------------------------
$node->stop;
write_file(read_file(), $nmetrics + 1);
my $off = -s $node->logfile;
my $t0 = time;
$node->start;
ok(pgc_wait_sample_after($node, $t0), 'newer layout: the server runs and samples');
my $log = slurp_file($node->logfile, $off);
like($log,
	qr/WARNING:\s+ignoring pg_capacity history file "[^"]*": it was written by a newer pg_capacity with ${\($nmetrics + 1)} metrics \(this build knows $nmetrics\)/,
	'newer layout: ignored, the WARNING names the newer layout');
is(pgc_q($node, "SELECT count(*) FROM capacity.history('tps', '1 hour', 'raw') WHERE sampled_at < to_timestamp($t0)"),
	'0', 'newer layout: the history starts empty');
ok(pgc_wait_persist_after_now($node), 'newer layout: the next write happens');
$node->stop;
is(read_file()->{nm}, $nmetrics, 'newer layout: the next write replaced the file, as any refused file');

done_testing();
