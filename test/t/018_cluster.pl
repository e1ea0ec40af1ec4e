# 018_cluster.pl: the cluster view over two real servers, a primary and a
# streaming standby on 127.0.0.1 named in pg_capacity.cluster_members.
#
#  - cluster_members() from either side: both members, their roles, source
#    'setting', no error;
#  - under write load on the primary (pgbench tpcb-like, rate-limited) and
#    read load on the standby (select-only), cluster_report()'s cluster rows:
#    read_tps is the sum of every member's own read_tps row (exactly) and
#    agrees with pgbench's counts within 10 %, write_tps is the primary's and
#    agrees with pgbench's within 10 %; failover_headroom has a utilization
#    and a level; with read_tps_threshold at 100, cluster_recommendations()
#    gives the read rule once, for the cluster's sum, and no member's own;
#  - an index scanned only on the standby: unused_indexes() on the primary
#    lists it, cluster_unused_indexes() does not; an index scanned nowhere is
#    listed by both, with both members' scans;
#  - a stopped member: a row with reachable = false and the error, returned
#    within the timeout;
#  - a member that accepts TCP and never answers (a listener here): the call
#    costs the timeout and no more; pg_cancel_backend() of the calling backend
#    ends a call with a 60 s timeout at once; the server stays up;
#  - discovery from a REST API that answers as Patroni's GET /cluster does
#    (a child process here): the members, their names and the roles they
#    report, with Content-Length and chunked; a 503, invalid JSON, JSON
#    without members, silence and a closed port each give an ERROR naming
#    the URL, within the timeout;
#  - an unknown host gives a row with the error, not a hang.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use IO::Socket::INET;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $primary = pgc_new_node('primary', allows_streaming => 1);
my $standby = PostgreSQL::Test::Cluster->new('standby');
my ($pp, $sp) = ($primary->port, $standby->port);
my $members = "127.0.0.1:$pp,127.0.0.1:$sp";
$primary->append_conf('postgresql.conf', qq{
listen_addresses = '127.0.0.1'
pg_capacity.cluster_members = '$members'
pg_capacity.cluster_conninfo = 'dbname=postgres'
});
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
$primary->backup('b');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

# --- roles from both sides ------------------------------------------------------
my $roles_sql = q{SELECT string_agg(format('%s=%s/%s/%s/%s', member, role, reachable, source,
                                          coalesce(error, '-')), ' ' ORDER BY member)
                  FROM capacity.cluster_members()};
my $want = join ' ', sort("127.0.0.1:$pp=primary/t/setting/-", "127.0.0.1:$sp=standby/t/setting/-");
is(pgc_q($primary, $roles_sql), $want, 'cluster_members() from the primary: both roles');
is(pgc_q($standby, $roles_sql), $want, 'cluster_members() from the standby: both roles');
ok(pgc_q($primary, 'SELECT bool_and(latency_ms > 0 AND latency_ms < 3000) FROM capacity.cluster_members()') eq 't',
	'latency_ms measured, within the timeout');

# --- an index scanned only on the standby -------------------------------------
$primary->safe_psql('postgres', q{
	CREATE TABLE reports (id int, region int, amount int);
	INSERT INTO reports SELECT i, i % 50, i % 1000 FROM generate_series(1, 20000) i;
	CREATE INDEX reports_region ON reports (region);
	CREATE INDEX reports_amount ON reports (amount);
	ANALYZE reports});
$primary->wait_for_catchup($standby);
# unused_indexes() judges indexes older than the statistics: reset them after
sleep 1.2;
$_->safe_psql('postgres', 'SELECT pg_stat_reset()') for $primary, $standby;
$standby->safe_psql('postgres', q{
	SET enable_seqscan = off; SET enable_bitmapscan = off;
	SELECT count(*) FROM reports WHERE region = 7;
	SELECT pg_stat_force_next_flush()});
ok( $standby->poll_query_until('postgres',
		q{SELECT idx_scan > 0 FROM pg_stat_user_indexes WHERE indexrelname = 'reports_region'}),
	'the standby counted its scan of reports_region');
is(pgc_q($primary, q{SELECT string_agg(index_name, ',' ORDER BY index_name)
                     FROM capacity.unused_indexes() WHERE table_name = 'reports'}),
	'reports_amount,reports_region', 'unused_indexes() on the primary lists both indexes');
is(pgc_q($primary, q{SELECT string_agg(index_name, ',' ORDER BY index_name)
                     FROM capacity.cluster_unused_indexes() WHERE table_name = 'reports'}),
	'reports_amount', 'cluster_unused_indexes() leaves out the index the standby scanned');
is(pgc_q($standby, q{SELECT (SELECT count(*) FROM jsonb_each(member_scans)) || '/' || safe_to_drop
                     FROM capacity.cluster_unused_indexes() WHERE index_name = 'reports_amount'}),
	'2/true', 'from the standby too, with the scans of both members');
# an index younger than the statistics: each member's unused_indexes() sends
# a NOTICE about it, which must not land in this server's log as a bare line
# (libpq's default notice processor writes to stderr)
$primary->safe_psql('postgres', 'CREATE INDEX reports_young ON reports (id)');
$primary->wait_for_catchup($standby);
my $log_off = -s $primary->logfile;
$primary->safe_psql('postgres', 'SELECT count(*) FROM capacity.cluster_unused_indexes()');
my $bare = grep { /^(NOTICE|WARNING):/ } split /\n/, slurp_file($primary->logfile, $log_off);
is($bare, 0, 'the members\' NOTICEs stay out of the server log');

# --- summed load against pgbench ----------------------------------------------
my ($out, $err) = ('', '');
is(pgc_env_run($primary, [ 'pgbench', '-i', '-s', '1', '-q', 'postgres' ], \$out, \$err), 0,
	'pgbench -i') or diag $err;
$primary->wait_for_catchup($standby);
# the playbook's read threshold scaled to this load: 120 read tx/s are past 100
for my $node ($primary, $standby)
{
	$node->append_conf('postgresql.conf', 'pg_capacity.read_tps_threshold = 100');
	$node->reload;
}

my ($rate_w, $rate_r, $dur) = (40, 120, 22);
my (%pout, %perr, %h);
for my $side ([ 'w', $primary, [] ], [ 'r', $standby, ['-S'] ])
{
	my ($k, $node, $opts) = @$side;
	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	local $ENV{PGDATABASE} = 'postgres';
	($pout{$k}, $perr{$k}) = ('', '');
	$h{$k} = IPC::Run::start(
		[ 'pgbench', '-n', '-T', $dur, '-c', '2', '-j', '2',
		  '-R', ($k eq 'w' ? $rate_w : $rate_r), @$opts, 'postgres' ],
		'<', \undef, '>', \$pout{$k}, '2>', \$perr{$k});
}
# the window: 14 s inside the load (from 6 s after the start)
sleep 20;
my $rows = $primary->safe_psql('postgres', q{
	SELECT member, resource, current FROM capacity.cluster_report('14 seconds')
	WHERE resource IN ('read_tps', 'write_tps', 'tps', 'failover_headroom')});
my %rep;
for (split /\n/, $rows)
{
	my ($m, $r, $v) = split /\|/;
	$rep{$m}{$r} = $v;
}
my $headroom = pgc_q($primary, q{SELECT utilization_pct IS NOT NULL AND utilization_pct > 0
	AND level IN ('ok', 'warning', 'critical', 'emergency')
	FROM capacity.cluster_report('14 seconds') WHERE member = 'cluster' AND resource = 'failover_headroom'});
my $recs = pgc_q($primary, q{SELECT string_agg(member || ':' || resource || ':' || round(observed), ',')
	FROM capacity.cluster_recommendations('14 seconds') WHERE resource = 'read_tps'});
$_->finish for values %h;
my %tps;
for my $k ('w', 'r')
{
	($tps{$k}) = $pout{$k} =~ /tps = ([\d.]+)/;
	ok(defined $tps{$k}, "pgbench $k reports its tps") or diag $perr{$k};
}
my ($pm, $sm) = ("127.0.0.1:$pp", "127.0.0.1:$sp");
note sprintf('cluster_report: read_tps cluster %.2f (primary %.2f + standby %.2f), write_tps %.2f;'
	  . ' pgbench select-only %.2f, tpcb-like %.2f', $rep{cluster}{read_tps},
	$rep{$pm}{read_tps}, $rep{$sm}{read_tps}, $rep{cluster}{write_tps}, $tps{r}, $tps{w});
cmp_ok(abs($rep{cluster}{read_tps} - ($rep{$pm}{read_tps} + $rep{$sm}{read_tps})), '<', 1e-9,
	'cluster read_tps is the sum of the members\' read_tps');
cmp_ok(abs(pct($rep{cluster}{read_tps}, $tps{r})), '<', 10,
	'cluster read_tps within 10% of pgbench\'s reads on the standby');
cmp_ok(abs(pct($rep{cluster}{write_tps}, $tps{w})), '<', 10,
	'cluster write_tps (the primary\'s) within 10% of pgbench\'s writes');
is($rep{cluster}{write_tps}, $rep{$pm}{write_tps}, 'cluster write_tps is the primary\'s');
cmp_ok(abs($rep{cluster}{tps} - ($rep{$pm}{tps} + $rep{$sm}{tps})), '<', 1e-9,
	'cluster tps is the sum of the members\' tps');
is($headroom, 't', 'failover_headroom: a utilization and a level');
like($recs, qr/^cluster:read_tps:(\d+)$/,
	'cluster_recommendations(): the read rule once, on the cluster\'s sum, not once per member');
my ($rec_reads) = $recs =~ /(\d+)$/;
cmp_ok(abs(pct($rec_reads // 0, $tps{r})), '<', 10, "its observed reads ($rec_reads) within 10% of pgbench's");

# --- a stopped member ------------------------------------------------------------
$standby->stop;
my $t0 = time;
my $row = pgc_q($primary, qq{SELECT reachable::text || '|' || coalesce(role, 'NULL') || '|' || error
                             FROM capacity.cluster_members() WHERE member = '127.0.0.1:$sp'});
my $el = time - $t0;
like($row, qr/^false\|NULL\|connection failed:/, 'a stopped member: unreachable, with the error');
cmp_ok($el, '<', 3, sprintf('answered within the 3 s timeout (%.2f s)', $el));
like(pgc_q($primary, q{SELECT reason FROM capacity.cluster_unused_indexes() WHERE index_name = 'reports_amount'}),
	qr/did not: while a member's scans are unknown/, 'no index is safe to drop while a member is missing');
$standby->start;

# --- a member that accepts and never answers -------------------------------------
my $listener = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1', LocalPort => 0,
	Proto => 'tcp', ReuseAddr => 1) or die "listener: $!";
my $hang = '127.0.0.1:' . $listener->sockport;
my $set = "SET pg_capacity.cluster_members = '127.0.0.1:$pp,$hang';";
$t0 = time;
$row = $primary->safe_psql('postgres', "$set SET pg_capacity.cluster_timeout = '1500ms';
	SELECT string_agg(format('%s=%s', member, coalesce(error, 'ok')), ' ' ORDER BY member = '$hang')
	FROM capacity.cluster_members()");
$el = time - $t0;
like($row, qr/=ok 127\.0\.0\.1:\d+=no answer within pg_capacity\.cluster_timeout \(1500 ms\) while connecting/,
	'the silent member times out, the other answers');
cmp_ok($el, '>=', 1.5, sprintf('the call waited for the timeout (%.2f s)', $el));
cmp_ok($el, '<', 3.0, 'and not much longer');

# cancel: a 60 s budget, cancelled after the backend starts waiting
my ($cout, $cerr) = ('', '');
my $bg = IPC::Run::start(
	[ 'psql', '-X', '-h', $primary->host, '-p', $pp, '-d', 'postgres', '-c',
	  "$set SET pg_capacity.cluster_timeout = '60s'; SELECT * FROM capacity.cluster_members()" ],
	'<', \undef, '>', \$cout, '2>', \$cerr);
my $pid;
ok( pgc_poll(10, sub {
		$pid = pgc_q($primary, q{SELECT pid FROM pg_stat_activity
			WHERE query LIKE '%cluster_members()%' AND wait_event_type = 'Extension'
			  AND pid <> pg_backend_pid()});
		return $pid ne '';
	}),
	'the calling backend waits (wait_event_type Extension)');
$t0 = time;
$primary->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
$bg->finish;
$el = time - $t0;
like($cerr, qr/canceling statement due to user request/, 'pg_cancel_backend() cancels the call');
cmp_ok($el, '<', 2, sprintf('at once (%.2f s after the cancel)', $el));
is(pgc_q($primary, 'SELECT count(*) FROM capacity.cluster_members()'), '2', 'the server still answers');

# nothing left open: one session's descriptors before and after calls that
# time out, and one that its own statement_timeout cancels mid-wait (the
# ERROR path)
my $fds = q{SELECT 'fds=' || count(*) FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/fd') f;};
# a round: calls that time out, then one the caller's own statement_timeout
# cancels; the first round warms the session's caches (relation files)
my $round = q{
	SET pg_capacity.cluster_timeout = '200ms';
	SELECT count(*) FROM capacity.cluster_members();
	SELECT count(*) FROM capacity.cluster_report('1 minute');
	SELECT count(*) FROM capacity.cluster_unused_indexes();
	SET pg_capacity.cluster_timeout = '60s'; SET statement_timeout = '300ms';
	SELECT count(*) FROM capacity.cluster_members();
	RESET statement_timeout;};
my (undef, $fo, $fe) = $primary->psql('postgres', "$set $round $fds $round $round $round $fds",
	on_error_stop => 0);
my @fd = $fo =~ /fds=(\d+)/g;
like($fe, qr/canceling statement due to statement timeout/, 'the caller\'s statement_timeout ends a call mid-wait');
ok(@fd == 2 && $fd[0] == $fd[1], "no descriptor left open by timed-out and cancelled calls (@fd)");
close $listener;

# --- discovery from a REST API that answers as Patroni does, or does not ----------
# A child process answers each connection with the next canned response:
# Patroni's GET /cluster listing the two nodes (Content-Length, then chunked),
# a 503, JSON that is not JSON, JSON without members, and silence.
my @json_members = map {
	my ($n, $p, $r) = @$_;
	qq({"name": "$n", "role": "$r", "state": "running", "api_url": "http://127.0.0.1:1/patroni", "host": "127.0.0.1", "port": $p, "timeline": 1})
} ([ 'node-a', $pp, 'leader' ], [ 'node-b', $sp, 'replica' ]);
my $cluster_json = '{"members": [' . join(', ', @json_members) . '], "scope": "t"}';
my $chunked = join('', map { sprintf("%x\r\n%s\r\n", length $_, $_) }
	  unpack('(A40)*', $cluster_json)) . "0\r\n\r\n";
my @responses = (
	"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
	  . length($cluster_json) . "\r\n\r\n$cluster_json",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n$chunked",
	"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n{}",
	"HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\n{members:",
	"HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\n{\"scope\":1}",
	'SILENT');
my $rest = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1', LocalPort => 0,
	Proto => 'tcp', ReuseAddr => 1) or die "rest listener: $!";
my $rest_port = $rest->sockport;
my $child = fork // die "fork: $!";
if ($child == 0)
{
	for my $resp (@responses)
	{
		my $c = $rest->accept or last;
		my $req = '';
		while ($req !~ /\r\n\r\n/) { my $n = sysread($c, $req, 4096, length $req); last unless $n; }
		if ($resp eq 'SILENT') { sleep 30; exit 0; }
		print $c $resp;
		close $c;
	}
	exit 0;
}
close $rest;
my $via = "SET pg_capacity.cluster_members = ''; SET pg_capacity.patroni_url = 'http://127.0.0.1:$rest_port';";
my $pat = q{SELECT string_agg(format('%s=%s/%s/%s', name, role, source, member), ' ' ORDER BY name)
	FROM capacity.cluster_members()};
my $want_pat = "node-a=primary/patroni/127.0.0.1:$pp node-b=standby/patroni/127.0.0.1:$sp";
is($primary->safe_psql('postgres', "$via $pat"), $want_pat,
	'members from a Patroni-like GET /cluster (Content-Length): names from it, roles from the members');
is($primary->safe_psql('postgres', "$via $pat"), $want_pat, 'the same answer sent chunked');
my @rest_errors = (
	[ qr/answered HTTP status 503/, 'a 503 is an ERROR naming the status' ],
	[ qr/did not answer valid JSON/, 'JSON that is not JSON is an ERROR' ],
	[ qr/JSON without a "members" array/, 'JSON without members is an ERROR' ],
	[ qr/no complete answer within pg_capacity.cluster_timeout/, 'silence costs the timeout' ]);
for my $e (@rest_errors)
{
	$t0 = time;
	my ($rc, $o, $err2) = $primary->psql('postgres',
		"$via SET pg_capacity.cluster_timeout = '1s'; SELECT * FROM capacity.cluster_members()");
	$el = time - $t0;
	like($err2, qr/could not read the cluster's members from Patroni at http:\/\/127\.0\.0\.1:$rest_port: .*/,
		"$e->[1]: the message names the URL");
	like($err2, $e->[0], sprintf('%s (%.2f s)', $e->[1], $el));
	like($err2, qr/HINT:  Set pg_capacity.patroni_url/, "$e->[1]: the hint names the settings");
}
cmp_ok($el, '<', 2.5, 'the silent REST API cost about the 1 s timeout');
waitpid($child, 0) if kill 'TERM', $child;
my ($rc2, $o2, $err3) = $primary->psql('postgres', "$via SELECT * FROM capacity.cluster_members()");
like($err3, qr/could not connect: Connection refused/, 'a REST API that is down: connection refused');

# --- an unknown host ------------------------------------------------------------
$t0 = time;
$row = $primary->safe_psql('postgres', "SET pg_capacity.cluster_members = '127.0.0.1:$pp,no-such-host.invalid:5432';
	SELECT reachable::text || '|' || error FROM capacity.cluster_members() WHERE member LIKE 'no-such%'");
$el = time - $t0;
like($row, qr/^false\|connection failed: could not translate host name/, 'an unknown host: a row with the error');
cmp_ok($el, '<', 4, sprintf('within the timeout (%.2f s)', $el));

$standby->stop;
$primary->stop;
done_testing();
