# 012_worker_faults.pl: faults a production server meets cost the sampler
# one sample or one write of the history file, never the server.
#
#  - out of memory while writing the history file (the worker's address
#    space capped with prlimit just above its size): samples keep coming,
#    the log stays small, no LWLock is left held (reset_history() answers
#    under a statement_timeout), and writing works again once memory does;
#  - SIGSTOP / SIGCONT of the worker: the server serves meanwhile, the
#    sampler resumes and its history stays in time order;
#  - reset_history() while a write of the file is under way (the worker's
#    rename delayed with strace's fault injection): the old history does not
#    come back;
#  - DROP DATABASE while the worker walks the data directory slowly (its stat
#    calls delayed by strace): the walk absorbs the barrier DROP DATABASE
#    waits for;
#  - pg_cancel_backend() on a large import_history(): honoured within a
#    second, nothing imported;
#  - hostile history files with a valid checksum: entries out of time order,
#    a NaN value, entries two days in the future, a file far larger than the
#    rings (memory stays bounded), and a file copied from
#    another data directory of the same cluster (same system identifier).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep sleep);

my $node = pgc_new_node('faults', extra_conf => "pg_capacity.persist_interval = 1s\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
ok(pgc_wait_samples($node, 2), 'the sampler samples');
my $hfile = pgc_history_path($node);
my $nmetrics = pgc_q($node, 'SELECT count(*) FROM capacity.metrics()');

sub worker_pid { return pgc_status($node)->{worker_pid}; }

sub log_since
{
	my ($off) = @_;
	return slurp_file($node->logfile, $off);
}

sub set_enabled
{
	my ($on) = @_;
	$node->safe_psql('postgres',
		"ALTER SYSTEM SET pg_capacity.enabled = $on; SELECT pg_reload_conf()");
	sleep 1.5;    # one sample may be in flight when the reload arrives
	return;
}

# a history with 3,500 raw samples (about 1 MB to write), imported with the
# sampler paused
sub big_history
{
	set_enabled('off');
	$node->safe_psql(
		'postgres', q{
		SELECT capacity.reset_history();
		SELECT capacity.import_history('tps',
			array_agg(now() - make_interval(secs => g) ORDER BY g DESC),
			array_agg(g::float8 ORDER BY g DESC))
		FROM generate_series(1, 3500) g});
	set_enabled('on');
	return;
}

# raw sample count and the raw stamps in time order?
sub raw_in_order
{
	return pgc_q(
		$node, q{
		SELECT coalesce(bool_and(d > interval '0'), true)
		FROM (SELECT sampled_at - lag(sampled_at) OVER (ORDER BY ord) AS d
		      FROM capacity.history('tps', '1 day', 'raw') WITH ORDINALITY AS h(sampled_at, value, max_value, ord)) x
		WHERE d IS NOT NULL});
}

# ---------------------------------------------------------------------------
# Out of memory while writing the history file: the worker's address space
# is capped while its history is small, then 3,500 points are imported, so
# that the next write needs about 1 MB more than the worker ever had.
# ---------------------------------------------------------------------------
set_enabled('off');
$node->safe_psql('postgres', 'SELECT capacity.reset_history()');
set_enabled('on');
ok(pgc_wait_persist_after_now($node), 'a small history is written');

my $pid = worker_pid();
my ($vmsize) = (slurp_file("/proc/$pid/status") =~ /^VmSize:\s+(\d+) kB/m);
my $cap = ($vmsize + 256) * 1024;
my $off = -s $node->logfile;
my ($out, $err) = ('', '');
ok(IPC::Run::run([ 'prlimit', '--pid', $pid, "--as=$cap:unlimited" ], '>', \$out, '2>', \$err),
	"worker $pid: address space capped at VmSize + 256 kB ($cap bytes)")
  or diag $err;
big_history();
my $n0 = pgc_status($node)->{raw_samples};
my $t_cap = time;
sleep 10;
my $n1 = pgc_status($node)->{raw_samples};
note "under the cap: raw samples $n0 -> $n1 in 10 s";
cmp_ok($n1 - $n0, '>=', 5, 'samples keep coming while writes fail');
my $st = pgc_status($node);
cmp_ok($st->{last_persist_epoch} // 0, '<', $t_cap, 'no write of the big history succeeded under the cap');
cmp_ok(-s $hfile, '<', 100_000, 'the file on disk is still the small history');

# no LWLock left held: reset_history() answers within a statement_timeout
my ($rc, $o, $e, $timed_out);
my $t_reset = time;
$rc = $node->psql(
	'postgres', "SET statement_timeout = '5s'; SELECT capacity.reset_history()",
	stdout => \$o, stderr => \$e, timeout => 30, timed_out => \$timed_out);
note sprintf("reset_history() under the cap: rc %d in %.2f s", $rc, time - $t_reset);
ok(!$timed_out && $rc == 0, 'reset_history() answers under the cap') or diag $e;

my $log = log_since($off);
my @lines = split /\n/, $log;
my @ours = grep { /pg_capacity|out of memory|could not allocate/ } @lines;
note "log under the cap: " . length($log) . " bytes, " . scalar(@lines) . " lines, "
  . scalar(@ours) . " about the sampler";
note "  $_" for @ours[ 0 .. ($#ours < 9 ? $#ours : 9) ];
unlike($log, qr/too many LWLocks taken/, 'no "too many LWLocks taken"');
cmp_ok(length($log), '<', 64 * 1024, 'the log grew by less than 64 kB in 15 s');
cmp_ok(scalar(@ours), '<=', 20, 'at most 20 log lines about the sampler');
ok((grep { /writing the history file|could not allocate|out of memory/ } @ours),
	'the failure is logged');

# the small history after the reset fits: writing works again, still capped
ok( $node->poll_query_until(
		'postgres',
		"SELECT last_persist_at > to_timestamp($t_reset) FROM capacity.sampler_status()"),
	'after the reset, the (small) history is written again under the cap');
IPC::Run::run([ 'prlimit', '--pid', $pid, '--as=unlimited:unlimited' ], '>', \$out, '2>', \$err)
  or diag $err;
is(worker_pid(), $pid, 'the same worker ran throughout (no restart)');
unlike(log_since($off), qr/terminated by signal|PANIC/, 'no crash');

# ---------------------------------------------------------------------------
# SIGSTOP / SIGCONT.
# ---------------------------------------------------------------------------
$pid = worker_pid();
kill 'STOP', $pid;
my $t_stop = time;
sleep 4;
is(pgc_q($node, 'SELECT 1'), '1', 'the server serves while the sampler is stopped');
kill 'CONT', $pid;
ok(pgc_wait_sample_after($node, time), 'after SIGCONT the sampler samples again');
is(raw_in_order(), 't', 'raw stamps strictly increasing across the stop');
is(worker_pid(), $pid, 'the same worker');

# ---------------------------------------------------------------------------
# reset_history() while a write is under way: the worker's renames are
# delayed 3 s by strace; the reset comes while one is pending.
# ---------------------------------------------------------------------------
SKIP:
{
	my ($sout, $serr) = ('', '');
	my $strace_ok = IPC::Run::run([ 'strace', '-o', '/dev/null', 'true' ], '>', \$sout, '2>', \$serr);
	skip "strace does not run here: $serr", 4 unless $strace_ok;

	set_enabled('off');
	big_history();    # also re-enables
	ok(pgc_wait_persist_after_now($node), 'the big history is written');
	cmp_ok(-s $hfile, '>', 800_000, 'the file is over 800 kB');
	$pid = worker_pid();
	my $strace = IPC::Run::start(
		[
			'strace', '-qq', '-p', $pid, '-o', '/dev/null',
			'-e', 'trace=rename,renameat,renameat2',
			'-e', 'inject=rename,renameat,renameat2:delay_enter=3000000'
		],
		'>', \$sout, '2>', \$serr);

	# wait until the worker sits in a delayed rename: in tracing stop ('t')
	# for 200 ms on end (other syscall stops last microseconds)
	my $in_rename = 0;
	my $deadline = time + 20;
	my $stopped_for = 0;
	while (time < $deadline)
	{
		my $stat = slurp_file("/proc/$pid/stat");
		$stopped_for = ((split / /, ($stat =~ s/^.*\) //r))[0] eq 't') ? $stopped_for + 1 : 0;
		if ($stopped_for >= 20)
		{
			$in_rename = 1;
			last;
		}
		usleep(10_000);
	}
	ok($in_rename, 'the worker is in a delayed rename of the history file');
	my $t0 = time;
	$node->safe_psql('postgres', 'SELECT capacity.reset_history()');
	my $reset_secs = time - $t0;
	note sprintf("reset_history() returned after %.2f s", $reset_secs);
	# wait for the delayed rename to finish, then look at the file at once
	$deadline = time + 10;
	while (time < $deadline)
	{
		my $stat = slurp_file("/proc/$pid/stat");
		last if (split / /, ($stat =~ s/^.*\) //r))[0] ne 't';
		usleep(5_000);
	}
	my $raw_in_file = -1;
	if (open my $fh, '<:raw', $hfile)
	{
		my $hdr;
		read $fh, $hdr, 40;
		$raw_in_file = unpack('l<', substr($hdr, 24, 4));
		close $fh;
	}
	$strace->kill_kill;
	note "raw samples in the file just after the delayed rename: "
	  . ($raw_in_file < 0 ? 'no file' : $raw_in_file);
	cmp_ok($raw_in_file, '<=', 5, 'the history from before the reset does not come back');
	cmp_ok($reset_secs, '>=', 1, 'reset_history() waited for the write under way');
	my $n = pgc_status($node)->{raw_samples};
	ok(pgc_wait_samples($node, $n + 2), 'the sampler goes on after strace detaches');
}

# ---------------------------------------------------------------------------
# DROP DATABASE during a slow directory walk (the worker's stat calls delayed
# 20 ms each by strace, the walk allowed a minute): DROP DATABASE waits for
# a barrier every process absorbs, so the walk must absorb it as it goes.
# ---------------------------------------------------------------------------
SKIP:
{
	my ($sout, $serr) = ('', '');
	skip 'strace does not run here', 3
	  unless IPC::Run::run([ 'strace', '-o', '/dev/null', 'true' ], '>', \$sout, '2>', \$serr);
	$node->safe_psql('postgres', 'CREATE DATABASE walk_victim');
	$node->safe_psql('postgres',
		"ALTER SYSTEM SET pg_capacity.sample_timeout = '60s'; SELECT pg_reload_conf()");
	$pid = worker_pid();
	my $strace = IPC::Run::start(
		[ 'strace', '-qq', '-p', $pid, '-o', '/dev/null', '-e', 'trace=newfstatat',
		  '-e', 'inject=newfstatat:delay_enter=20000' ],
		'>', \$sout, '2>', \$serr);
	# the walk has started when the worker sits in a delayed stat for a while
	my $walking = 0;
	my $deadline = time + 20;
	while (time < $deadline && !$walking)
	{
		my $stops = 0;
		for (1 .. 10)
		{
			$stops++ if (split / /, (slurp_file("/proc/$pid/stat") =~ s/^.*\) //r))[0] eq 't';
			usleep(10_000);
		}
		$walking = ($stops >= 5);
	}
	ok($walking, 'the worker is walking the data directory, slowly');
	my $t0 = time;
	my ($o2, $e2, $to2) = ('', '', 0);
	my $rc2 = $node->psql('postgres', 'DROP DATABASE walk_victim',
		stdout => \$o2, stderr => \$e2, timeout => 60, timed_out => \$to2);
	my $drop_secs = time - $t0;
	$strace->kill_kill;
	note sprintf("DROP DATABASE during the walk: %.2f s", $drop_secs);
	ok($rc2 == 0 && !$to2, 'DROP DATABASE succeeds') or diag $e2;
	cmp_ok($drop_secs, '<', 2, 'DROP DATABASE does not wait for the walk to end');
	$node->safe_psql('postgres',
		"ALTER SYSTEM RESET pg_capacity.sample_timeout; SELECT pg_reload_conf()");
}

# ---------------------------------------------------------------------------
# pg_cancel_backend() on a large import_history(): honoured within a second,
# and nothing is imported; the same import, not cancelled, imports all.
# ---------------------------------------------------------------------------
set_enabled('off');
$node->safe_psql('postgres', 'SELECT capacity.reset_history()');
my $big_import = q{
	CREATE TEMP TABLE pts AS
		SELECT array_agg(now() - make_interval(secs => g / 1000.0) ORDER BY g DESC) AS ts,
		       array_agg(g::float8 ORDER BY g DESC) AS v
		FROM generate_series(1, 2000000) g;
	SELECT pg_backend_pid();
	SELECT clock_timestamp();
	SELECT capacity.import_history('tps', ts, v) FROM pts;
};
my ($istdout, $istderr) = ('', '');
my $h = IPC::Run::start(
	[ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-c', 'SET client_min_messages = warning', '-f', '-' ],
	'<', \$big_import, '>', \$istdout, '2>', \$istderr);
# wait until the import call itself runs, then cancel it
my $ipid;
my $deadline = time + 60;
while (time < $deadline)
{
	IPC::Run::pump_nb($h);
	($ipid) = ($istdout =~ /^(\d+)$/m);
	last if $ipid && $istdout =~ /^\d{4}-\d\d-\d\d /m;
	usleep(20_000);
}
ok($ipid, "the import runs in backend $ipid");
ok( $node->poll_query_until(
		'postgres', "SELECT count(*) = 1 FROM pg_stat_activity WHERE pid = $ipid AND query LIKE '%import_history%' AND state = 'active'"),
	'the import_history() call is under way');
usleep(100_000);
my $t_cancel = time;
$node->safe_psql('postgres', "SELECT pg_cancel_backend($ipid)");
$h->finish;
my $cancel_secs = time - $t_cancel;
note sprintf("import of 2,000,000 points: returned %.3f s after pg_cancel_backend(): %s",
	$cancel_secs, $istderr =~ s/\n/ /gr);
like($istderr, qr/canceling statement due to user request/, 'the import was cancelled');
cmp_ok($cancel_secs, '<', 1, 'within a second of the cancel');
is(pgc_q($node, "SELECT count(value) FROM capacity.history('tps', '1 hour', 'raw')"),
	'0', 'nothing was imported');
my $t_full = time;
my $imported = pgc_q($node, q{
	SELECT capacity.import_history('tps',
		array_agg(now() - make_interval(secs => g / 1000.0) ORDER BY g DESC),
		array_agg(g::float8 ORDER BY g DESC))
	FROM generate_series(1, 2000000) g});
note sprintf("the same import, not cancelled: %d points in %.2f s", $imported, time - $t_full);
is($imported, '2000000', 'not cancelled, the import takes every point');
cmp_ok(pgc_q($node, "SELECT count(value) FROM capacity.history('tps', '1 hour', 'raw')"),
	'>', 3000, 'and the raw ring holds its newest points');
$node->safe_psql('postgres', 'SELECT capacity.reset_history()');
set_enabled('on');

# ---------------------------------------------------------------------------
# Hostile history files with a valid CRC-32C.
# ---------------------------------------------------------------------------
my @crc_table = map {
	my $c = $_;
	for (1 .. 8) { $c = ($c & 1) ? (($c >> 1) ^ 0x82F63B78) : ($c >> 1); }
	$c;
} 0 .. 255;

sub crc32c
{
	my ($data) = @_;
	my $crc = 0xFFFFFFFF;
	for (my $pos = 0; $pos < length($data); $pos += 65536)
	{
		$crc = $crc_table[ ($crc ^ $_) & 0xFF ] ^ ($crc >> 8)
		  for unpack('C*', substr($data, $pos, 65536));
	}
	return $crc ^ 0xFFFFFFFF;
}

my $hdr_size = 144;                          # CapFileHeader, version 2
my $sample_size = 16 + 8 * $nmetrics;        # CapSample
my $bucket_size = 8 + 4 * ($nmetrics + $nmetrics % 2) + 16 * $nmetrics;    # CapBucket

# rewrite the file (server stopped): $edit->(\$body, \@count, \@open) then a new CRC
sub rewrite_file
{
	my ($edit) = @_;
	open my $fh, '<:raw', $hfile or die "$hfile: $!";
	local $/;
	my $buf = <$fh>;
	close $fh;
	my $body = substr($buf, 0, length($buf) - 4);
	is(unpack('V', substr($buf, -4)), crc32c($body), 'this test computes the file\'s CRC-32C');
	my @count = unpack('l<4', substr($body, 24, 16));
	my @open = unpack('l<4', substr($body, 40, 16));
	$edit->(\$body, \@count, \@open);
	open $fh, '>:raw', $hfile or die "$hfile: $!";
	print $fh $body . pack('V', crc32c($body));
	close $fh;
	return;
}

sub hostile_case
{
	my ($name, $edit, $expect_re, $starts_empty) = @_;
	$node->stop;
	rewrite_file($edit);
	my $off = -s $node->logfile;
	my $t0 = time;
	$node->start;
	ok(pgc_wait_sample_after($node, $t0), "$name: the server runs and samples");
	my $log = log_since($off);
	like($log, $expect_re, "$name: the log says what was wrong");
	my $old = pgc_q($node,
		"SELECT count(*) FROM capacity.history('tps', '1 day', 'raw') WHERE sampled_at < to_timestamp($t0)");
	if ($starts_empty)
	{
		is($old, 0, "$name: the history starts empty");
	}
	is(pgc_q($node, "SELECT count(*) FROM capacity.history('tps', '10 days', 'raw') WHERE sampled_at > now() + interval '1 minute'"),
		0, "$name: nothing stamped in the future");
	is(raw_in_order(), 't', "$name: raw stamps in time order");
	is( pgc_q(
			$node, q{
			SELECT count(*) = count(DISTINCT sampled_at)
			FROM capacity.history('tps', '10 days', 'minute')}),
		't', "$name: one minute bucket per minute");
	unlike($log, qr/terminated by signal|PANIC/, "$name: no crash");
	return;
}

set_enabled('on');
ok(pgc_wait_samples($node, 5), 'some samples before the hostile files');

hostile_case(
	'out of order',
	sub {
		my ($b, $count) = @_;
		die "need 2 raw samples" if $count->[0] < 2;
		my $p0 = $hdr_size;
		my $p1 = $hdr_size + $sample_size;
		my $t0 = substr($$b, $p0, 8);
		substr($$b, $p0, 8) = substr($$b, $p1, 8);
		substr($$b, $p1, 8) = $t0;
	},
	qr/ignoring pg_capacity history file .*raw entries are corrupt/,
	1);

hostile_case(
	'NaN value',
	sub {
		my ($b, $count) = @_;
		my $p = $hdr_size;
		# metric 0 not NULL, value NaN
		my $nulls = unpack('Q<', substr($$b, $p + 8, 8));
		substr($$b, $p + 8, 8) = pack('Q<', $nulls & ~1);
		substr($$b, $p + 16, 8) = pack('d<', 9**9**9 / 9**9**9);
	},
	qr/ignoring pg_capacity history file .*raw entries are corrupt/,
	1);

# two days ahead: every raw stamp and bucket start (alignment kept)
hostile_case(
	'two days in the future',
	sub {
		my ($b, $count, $open) = @_;
		my $shift = 2 * 86400 * 1_000_000;
		my $p = $hdr_size;
		for (1 .. $count->[0])
		{
			substr($$b, $p, 8) = pack('q<', unpack('q<', substr($$b, $p, 8)) + $shift);
			$p += $sample_size;
		}
		for my $l (1 .. 3)
		{
			for (1 .. $count->[$l] + $open->[$l])
			{
				substr($$b, $p, 8) = pack('q<', unpack('q<', substr($$b, $p, 8)) + $shift);
				$p += $bucket_size;
			}
		}
	},
	qr/history file reaches more than 3600 s past the current time; dropped its \d+ entries/,
	1);

# a valid file far larger than the rings (60,000 raw samples, about 14 MB,
# where the ring keeps 3,600): the worker keeps the newest and its memory
# does not grow with the file
sub worker_hwm_kb
{
	my ($p) = @_;
	my ($kb) = (slurp_file("/proc/$p/status") =~ /^VmHWM:\s+(\d+) kB/m);
	return $kb;
}
my $hwm_small = worker_hwm_kb(worker_pid());
$node->stop;
{
	open my $fh, '<:raw', $hfile or die "$hfile: $!";
	read $fh, my $hdr, $hdr_size;
	close $fh;
	my $n = 60_000;
	substr($hdr, 24, 32) = pack('l<4 l<4', $n, 0, 0, 0, 0, 0, 0, 0);
	my $now_us = int((time - 946684800 - 5) * 1_000_000);    # since 2000-01-01, 5 s ago
	my $body = $hdr;
	my $rest = "\0" x (8 * ($nmetrics - 1));
	for my $i (0 .. $n - 1)
	{
		$body .= pack('q< Q< d<', $now_us - ($n - $i) * 1000, ~1 & 0xFFFFFFFFFFFFFFFF, 1.0) . $rest;
	}
	open $fh, '>:raw', $hfile or die "$hfile: $!";
	print $fh $body . pack('V', crc32c($body));
	close $fh;
	note "big file: " . (-s $hfile) . " bytes";
}
$off = -s $node->logfile;
$node->start;
ok(pgc_wait_samples($node, 3600), 'big file: loaded, the ring full');
like(log_since($off), qr/loaded history file .*\(3600 raw samples/, 'big file: the newest 3,600 samples kept');
my $hwm_big = worker_hwm_kb(worker_pid());
note "worker VmHWM: $hwm_small kB after loading a small file, $hwm_big kB after the 14 MB one";
cmp_ok($hwm_big - $hwm_small, '<', 6 * 1024, 'big file: the worker\'s memory peak grows by less than 6 MB');

# a copy of the data directory (rsync, a VM snapshot): same system
# identifier, another node
$node->stop;
$node->backup_fs_cold('copy');
my $copy = PostgreSQL::Test::Cluster->new('copy');
$copy->init_from_backup($node, 'copy');
ok(-s $copy->data_dir . '/pg_stat_tmp/pg_capacity.history', 'the copy has the history file');
$copy->start;
$copy->wait_for_log(qr/ignoring pg_capacity history file/);
like(slurp_file($copy->logfile), qr/written by another node .*a copied history is not this node's/,
	'copy: its history file is recognised as another node\'s and ignored');
$copy->stop;
$off = -s $node->logfile;
$node->start;
ok(pgc_wait_samples($node, 1), 'the original node samples');
unlike(log_since($off), qr/ignoring pg_capacity history file/, 'the original node keeps its own file');

$node->stop;
done_testing();
