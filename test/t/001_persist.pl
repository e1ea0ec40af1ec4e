# 001_persist.pl: the history file of pg_capacity.
#
#  - a clean restart keeps every sample, including those taken after the last
#    periodic persist (written at shutdown);
#  - an immediate stop keeps the history up to the last persist;
#  - a corrupt, truncated, foreign (other system identifier) or empty file is
#    ignored with a WARNING, the server runs and samples into an empty history;
#  - after that, a good file is loaded again without a warning.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $warn_re = qr/WARNING:\s+ignoring pg_capacity history file "([^"]*)": ([^\n]*)/;

my $node = pgc_new_node('persist');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
my $hfile = pgc_history_path($node);

ok(pgc_wait_samples($node, 3), 'the sampler takes samples');
my $st = pgc_status($node);
note "history_file reported by sampler_status(): "
  . ($st->{history_file} // 'NULL');
like($st->{history_file} // '', qr{pg_stat_tmp/pg_capacity\.history$},
	'sampler_status().history_file is pg_stat_tmp/pg_capacity.history');

# ---------------------------------------------------------------------------
# Clean restart.  Periodic persists are switched off (1h) first, so samples
# newer than the last persist can only survive through the shutdown write.
# ---------------------------------------------------------------------------
$node->safe_psql('postgres',
	"ALTER SYSTEM SET pg_capacity.persist_interval = '1h'; SELECT pg_reload_conf()");
ok( $node->poll_query_until(
		'postgres', q{
		SELECT count(*) >= 3
		FROM capacity.history('tps', '1 hour', 'raw') h, capacity.sampler_status() s
		WHERE h.sampled_at > coalesce(s.last_persist_at, '-infinity')}),
	'three samples newer than the last periodic persist');
# back to 2s at the next start (no reload: this server keeps 1h until it stops)
$node->safe_psql('postgres', 'ALTER SYSTEM RESET pg_capacity.persist_interval');

my ($n_before, $oldest, $newest, $persist_before) = split /\|/, pgc_q(
	$node, q{
	SELECT count(*), min(sampled_at), max(sampled_at),
	       (SELECT coalesce(last_persist_at::text, '-infinity') FROM capacity.sampler_status())
	FROM capacity.history('tps', '1 hour', 'raw')});
my $n_unpersisted = pgc_q($node,
	"SELECT count(*) FROM capacity.history('tps', '1 hour', 'raw') "
	  . "WHERE sampled_at > '$persist_before'");
note "before clean restart: $n_before raw samples, oldest $oldest, newest $newest, "
  . "last persist $persist_before, $n_unpersisted samples after it";

my $t_restart = time;
$node->restart;
ok(pgc_wait_sample_after($node, $t_restart), 'sampling after clean restart');

my ($n_after, $oldest_after) = split /\|/, pgc_q(
	$node, qq{
	SELECT count(*), min(sampled_at)
	FROM capacity.history('tps', '1 hour', 'raw')
	WHERE sampled_at <= '$newest'});
is($n_after, $n_before, 'clean restart: every raw sample from before is kept');
is($oldest_after, $oldest, 'clean restart: the oldest sample is the same');
is( pgc_q(
		$node,
		"SELECT count(*) FROM capacity.history('tps', '1 hour', 'raw') "
		  . "WHERE sampled_at > '$persist_before' AND sampled_at <= '$newest'"),
	$n_unpersisted,
	'clean restart: samples after the last periodic persist were written at shutdown');
cmp_ok(
	pgc_q(
		$node,
		"SELECT count(*) FROM capacity.history('tps', '1 hour', 'raw') "
		  . "WHERE sampled_at < to_timestamp($t_restart)"),
	'>=', 3,
	'history(tps, 1 hour, raw) has rows older than the restart');
ok( $node->poll_query_until(
		'postgres',
		"SELECT last_persist_at > to_timestamp($t_restart) FROM capacity.sampler_status()"
	),
	'last_persist_at is set after restart (persist_interval 2s again)');
ok(!$node->log_contains('ignoring pg_capacity history file'),
	'no warning about the history file so far');

# ---------------------------------------------------------------------------
# Immediate stop: history up to the last persist survives.
# ---------------------------------------------------------------------------
my $s = pgc_wait_persist_after_now($node);
ok(defined $s, 'a persist happened after a known sample');
my ($n_le_s, $oldest_b) = split /\|/, pgc_q(
	$node, qq{
	SELECT count(*), min(sampled_at) FROM capacity.history('tps', '1 hour', 'raw')
	WHERE sampled_at <= '$s'});
note "before immediate stop: $n_le_s samples up to the persisted sample $s";
my $log_off = -s $node->logfile;
$node->stop('immediate');
my $t_stop = time;
$node->start;
ok(pgc_wait_sample_after($node, $t_stop), 'sampling after immediate stop');

my ($n_le_s_after, $oldest_b_after, $has_s, $newest_old) = split /\|/, pgc_q(
	$node, qq{
	SELECT count(*) FILTER (WHERE sampled_at <= '$s'),
	       min(sampled_at),
	       bool_or(sampled_at = '$s'),
	       max(sampled_at) FILTER (WHERE sampled_at < to_timestamp($t_stop))
	FROM capacity.history('tps', '1 hour', 'raw')});
ok($has_s eq 't', 'immediate stop: the persisted sample is in the history');
is($n_le_s_after, $n_le_s,
	'immediate stop: every sample up to the persisted one is kept');
is($oldest_b_after, $oldest_b, 'immediate stop: the oldest sample is the same');
cmp_ok(
	pgc_q(
		$node,
		"SELECT count(*) FROM capacity.history('tps', '1 hour', 'raw') "
		  . "WHERE sampled_at > to_timestamp($t_stop) "
		  . "AND sampled_at < (SELECT pg_postmaster_start_time())"),
	'==', 0,
	'immediate stop: nothing from before the restart is newer than the stop');
ok(!$node->log_contains('ignoring pg_capacity history file', $log_off),
	'immediate stop: the file left by the last persist is valid (atomic write)');

# ---------------------------------------------------------------------------
# Bad files.
# ---------------------------------------------------------------------------

# A file from another cluster: a second, separately initdb'd node.
my $other = pgc_new_node('other');
$other->start;
$other->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
ok(pgc_wait_samples($other, 2), 'second cluster samples');
$other->stop;
my $other_file = pgc_history_path($other);
ok(-s $other_file, 'second cluster wrote its history file');
sub sysid
{
	my ($n) = @_;
	my $out = `pg_controldata -D '@{[ $n->data_dir ]}'`;
	return $out =~ /^Database system identifier:\s+(\d+)/m ? $1 : undef;
}
isnt(sysid($other), sysid($node), 'the second cluster has another system identifier');

sub bad_file_case
{
	my ($name, $mutate, $reason_re) = @_;

	$node->stop;    # fast: writes a good file
	ok(-s $hfile, "$name: a file exists after clean stop");
	$mutate->($hfile);
	my $off = -s $node->logfile;
	my $t0 = time;
	$node->start;
	$node->wait_for_log($warn_re, $off);
	my $log = slurp_file($node->logfile, $off);
	my @w = ($log =~ /$warn_re/g);
	is(scalar(@w) / 2, 1, "$name: exactly one WARNING ignoring the history file");
	my ($path, $reason) = ($w[0], $w[1]);
	note "$name: WARNING path \"$path\", reason: $reason";
	like($path, qr{pg_stat_tmp/pg_capacity\.history$}, "$name: the WARNING names the file");
	like($reason, $reason_re, "$name: the reason says what is wrong") if $reason_re;

	ok(pgc_wait_sample_after($node, $t0), "$name: the server runs and samples");
	is( pgc_q(
			$node,
			"SELECT count(*) FROM capacity.history('tps', '1 hour', 'raw') "
			  . "WHERE sampled_at < to_timestamp($t0)"),
		0,
		"$name: history starts empty");
	my $n = pgc_status($node)->{raw_samples};
	ok(pgc_wait_samples($node, $n + 2), "$name: history grows");
	unlike($log, qr/PANIC|terminated by signal|server process .* was terminated/,
		"$name: no crash");
	return;
}

bad_file_case(
	'corrupt',
	sub {
		my ($f) = @_;
		open my $fh, '+<:raw', $f or die "open $f: $!";
		my $size = -s $f;
		my $pos = int($size / 2);
		seek $fh, $pos, 0;
		read $fh, my $buf, 16;
		$buf = join '', map { chr(ord($_) ^ 0xA5) } split //, $buf;
		seek $fh, $pos, 0;
		print $fh $buf;
		close $fh;
		note "corrupt: flipped " . length($buf) . " bytes at offset $pos of $size";
	},
	undef);

bad_file_case(
	'truncated',
	sub {
		my ($f) = @_;
		my $size = -s $f;
		truncate $f, int($size / 2) or die "truncate $f: $!";
		note "truncated: $size -> " . (-s $f) . " bytes";
	},
	undef);

bad_file_case(
	'other cluster',
	sub {
		my ($f) = @_;
		open my $in, '<:raw', $other_file or die "open $other_file: $!";
		local $/;
		my $data = <$in>;
		close $in;
		open my $out, '>:raw', $f or die "open $f: $!";
		print $out $data;
		close $out;
	},
	qr/system identifier/i);

bad_file_case(
	'empty',
	sub {
		my ($f) = @_;
		truncate $f, 0 or die "truncate $f: $!";
	},
	undef);

# A good file is loaded again after all that.
my $s2 = pgc_wait_persist_after_now($node);
my $n_le_s2 = pgc_q($node,
	"SELECT count(*) FROM capacity.history('tps', '1 hour', 'raw') WHERE sampled_at <= '$s2'");
my $off = -s $node->logfile;
my $t1 = time;
$node->restart;
ok(pgc_wait_sample_after($node, $t1), 'sampling after the last restart');
ok(!$node->log_contains('ignoring pg_capacity history file', $off),
	'a good file is loaded again without a warning');
is( pgc_q(
		$node,
		"SELECT count(*) FROM capacity.history('tps', '1 hour', 'raw') WHERE sampled_at <= '$s2'"
	),
	$n_le_s2,
	'and its samples are back');

$node->stop;
done_testing();
