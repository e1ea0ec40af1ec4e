# test/perl/PgCapacity/Util.pm: helpers of the pg_capacity TAP tests

=pod

=head1 NAME

PgCapacity::Util - helpers shared by the TAP tests of pg_capacity (test/t/*.pl)

=head1 SYNOPSIS

  use FindBin;
  use lib "$FindBin::RealBin/../perl";
  use PgCapacity::Util;

  my $node = pgc_new_node('main');
  $node->start;
  $node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
  pgc_wait_samples($node, 3);

Every wait here is a bounded poll: it gives up after
$PostgreSQL::Test::Utils::timeout_default seconds (or the deadline it is given)
and the test then fails; nothing sleeps for a fixed time assuming the server
will be done by then.

=cut

package PgCapacity::Util;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

our @EXPORT = qw(
	pct
	mean
  pgc_new_node
  pgc_conf
  pgc_q
  pgc_status
  pgc_wait_samples
  pgc_wait_sample_after
  pgc_wait_persist_after_now
  pgc_poll
  pgc_history_path
  pgc_raw
  pgc_latest
  pgc_env_run
);

# The configuration every test node starts from: the library preloaded and
# short intervals so that tests see samples and persists within seconds.
sub pgc_conf
{
	return "shared_preload_libraries = 'pg_capacity'\n"
	  . "pg_capacity.sample_interval = 1s\n"
	  . "pg_capacity.persist_interval = 2s\n"
	  . "pg_capacity.size_interval = 1s\n";
}

=pod

=item pgc_new_node($name, allows_streaming => 0|1, extra_conf => '...')

A new initdb'd (not started) node with pg_capacity preloaded.

=cut

sub pgc_new_node
{
	my ($name, %p) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(allows_streaming => $p{allows_streaming} // 0);
	$node->append_conf('postgresql.conf', pgc_conf() . ($p{extra_conf} // ''));
	return $node;
}

# One value (or one '|'-separated row) from a query in database postgres.
sub pgc_q
{
	my ($node, $sql) = @_;
	my $out = $node->safe_psql('postgres', $sql);
	chomp $out;
	return $out;
}

=pod

=item pgc_status($node)

capacity.sampler_status() as a hash ref; timestamps as text (exact, to paste
back into SQL) and as epoch seconds (*_epoch, for arithmetic in Perl). NULL
becomes undef.

=cut

sub pgc_status
{
	my ($node) = @_;
	my @cols = qw(worker_pid role last_sample_at raw_samples minute_samples
	  hour_samples day_samples shared_memory_bytes last_persist_at history_file
	  last_sample_epoch last_persist_epoch);
	my $row = $node->safe_psql(
		'postgres', q{
		SELECT coalesce(worker_pid::text, '<null>'), role,
		       coalesce(last_sample_at::text, '<null>'),
		       raw_samples, minute_samples, hour_samples, day_samples,
		       shared_memory_bytes,
		       coalesce(last_persist_at::text, '<null>'),
		       coalesce(history_file, '<null>'),
		       coalesce(extract(epoch FROM last_sample_at)::text, '<null>'),
		       coalesce(extract(epoch FROM last_persist_at)::text, '<null>')
		FROM capacity.sampler_status()});
	chomp $row;
	my @v = split /\|/, $row, -1;
	die "unexpected sampler_status() output: $row" unless @v == @cols;
	my %h;
	@h{@cols} = map { $_ eq '<null>' ? undef : $_ } @v;
	return \%h;
}

=pod

=item pgc_poll($deadline_seconds, $code)

Calls $code every 0.2 s until it returns true (1) or the deadline passes (0).
Exceptions from $code (server restarting) count as "not yet".

=cut

sub pgc_poll
{
	my ($secs, $code) = @_;
	my $deadline = time + $secs;
	while (1)
	{
		my $r = eval { $code->() };
		return 1 if $r;
		return 0 if time > $deadline;
		usleep(200_000);
	}
}

# Wait until the sampler has at least $n raw samples.
sub pgc_wait_samples
{
	my ($node, $n) = @_;
	return $node->poll_query_until('postgres',
		"SELECT raw_samples >= $n FROM capacity.sampler_status()");
}

# Wait until a worker has taken a sample strictly after epoch $t (Perl time()).
sub pgc_wait_sample_after
{
	my ($node, $t) = @_;
	return $node->poll_query_until('postgres',
		    "SELECT worker_pid IS NOT NULL AND last_sample_at > to_timestamp($t) "
		  . "FROM capacity.sampler_status()");
}

=pod

=item pgc_wait_persist_after_now($node)

Reads the newest sample S (last_sample_at) and the server clock Q, then waits
until a persist happened after Q, so S is in the history file. Returns S (text)
or undef on time-out.

=cut

sub pgc_wait_persist_after_now
{
	my ($node) = @_;
	my ($s, $q) = split /\|/,
	  pgc_q($node,
		"SELECT last_sample_at, clock_timestamp() FROM capacity.sampler_status()");
	my $ok = $node->poll_query_until('postgres',
		"SELECT last_persist_at > '$q' FROM capacity.sampler_status()");
	return $ok ? $s : undef;
}

# Path of the history file of a node, as the contract fixes it.
sub pgc_history_path
{
	my ($node) = @_;
	return $node->data_dir . '/pg_stat_tmp/pg_capacity.history';
}

# Raw history rows of a metric: list of [sampled_at text, epoch, value-or-undef].
sub pgc_raw
{
	my ($node, $metric, $where) = @_;
	$where = $where ? "WHERE $where" : '';
	my $out = $node->safe_psql(
		'postgres', qq{
		SELECT sampled_at, extract(epoch FROM sampled_at),
		       coalesce(value::text, '<null>')
		FROM capacity.history('$metric', '1 hour', 'raw') $where
		ORDER BY sampled_at});
	my @rows;
	for my $line (split /\n/, $out)
	{
		my @v = split /\|/, $line, -1;
		$v[2] = undef if $v[2] eq '<null>';
		push @rows, \@v;
	}
	return @rows;
}

# capacity.latest() as a hash metric => value (undef for NULL).
sub pgc_latest
{
	my ($node) = @_;
	my $out = pgc_q($node,
		"SELECT metric, coalesce(value::text, '<null>') FROM capacity.latest()");
	my %h;
	for my $line (split /\n/, $out)
	{
		my ($m, $v) = split /\|/, $line, -1;
		$h{$m} = $v eq '<null>' ? undef : $v;
	}
	return \%h;
}

=pod

=item pgc_env_run($node, \@cmd, \$stdout, \$stderr)

Runs a client program (pgbench) against $node, returns its exit status.

=cut

sub pgc_env_run
{
	my ($node, $cmd, $stdout, $stderr) = @_;
	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	local $ENV{PGDATABASE} = 'postgres';
	IPC::Run::run($cmd, '<', \undef, '>', $stdout, '2>', $stderr);
	return $?;
}

# Signed difference of a from b, in percent of b (0 when b is 0).
sub pct
{
	my ($a, $b) = @_;
	return $b ? 100 * ($a - $b) / $b : 0;
}

# Arithmetic mean of a list (undef when empty).
sub mean
{
	my $sum = 0;
	$sum += $_ for @_;
	return @_ ? $sum / @_ : undef;
}

1;
