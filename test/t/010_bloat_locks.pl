# 010_bloat_locks.pl: bloat estimates take their locks in the order DDL
# takes them (a table, then its index), so that a DBA's DDL never deadlocks
# with them.
#
#   - Session A holds a table in ACCESS EXCLUSIVE mode; session B asks for
#     the exact estimate of one of its indexes and waits (seen in pg_locks);
#     A then drops the index (or the table) and commits.  A must succeed, B
#     must end cleanly: no row from bloat_estimate(), method 'dropped' from
#     capacity._bloat_sample().  Before the fix B held the index while it
#     waited for the table, A's DROP waited for B, and the deadlock detector
#     cancelled A's DROP.
#   - For a few seconds, VACUUM FULL, CLUSTER and rewriting ALTER TABLEs in
#     one session against repeated estimates of the table and its indexes in
#     another: no error on either side.
#
# Neither the estimates nor the DDL may report "deadlock detected", and the
# server log must not either.  deadlock_timeout is 100ms so that a deadlock
# would be found quickly; the first part lets B's own deadlock check pass
# before A's DROP starts to wait, as when a DBA's DDL comes after an estimate
# has started (the detector then cancels the DDL).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $node = pgc_new_node('bloat_locks',
	extra_conf => "autovacuum = off\ndeadlock_timeout = 100ms\nlog_lock_waits = on\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');

# ---- background sessions: psql reading SQL from a pipe (IPC::Run) ----------

sub session_start
{
	my ($name) = @_;
	my $s = { name => $name, in => '', out => '', err => '' };
	$s->{timer} = IPC::Run::timer($PostgreSQL::Test::Utils::timeout_default);
	$s->{h} = IPC::Run::start(
		[
			$node->installed_command('psql'), '-XAtq', '-v', 'ON_ERROR_STOP=0',
			'-d', $node->connstr('postgres'), '-f', '-'
		],
		'<', \$s->{in}, '>', \$s->{out}, '2>', \$s->{err}, $s->{timer});
	return $s;
}

# Send SQL to a session without waiting for its result.
sub session_send
{
	my ($s, $sql) = @_;
	$s->{in} .= $sql;
	$s->{h}->pump_nb;
	return;
}

# Wait (bounded by the session's timer) until the session's output matches.
sub session_wait
{
	my ($s, $re) = @_;
	$s->{timer}->start($PostgreSQL::Test::Utils::timeout_default);
	while ($s->{out} !~ $re)
	{
		if ($s->{timer}->is_expired)
		{
			diag("$s->{name}: timed out waiting for $re; stdout: $s->{out}; stderr: $s->{err}");
			return 0;
		}
		$s->{h}->pump;
	}
	return 1;
}

sub session_end
{
	my ($s) = @_;
	$s->{in} .= "\\q\n";
	$s->{h}->finish;
	return;
}

# Is a session waiting for a lock on $rel (pg_locks)?
sub waits_for
{
	my ($rel) = @_;
	return pgc_poll($PostgreSQL::Test::Utils::timeout_default,
		sub {
			pgc_q($node,
				"SELECT count(*) FROM pg_locks WHERE locktype = 'relation' "
				  . "AND relation = '$rel'::regclass AND NOT granted") eq '1';
		});
}

# ---- an estimate waiting for a table that the DBA holds -----------------------

$node->safe_psql('postgres', q{
	CREATE TABLE t (id int4, v int4) WITH (autovacuum_enabled = off);
	INSERT INTO t SELECT i, i % 1000 FROM generate_series(1, 20000) i;
});

# $b_sql: B's statement, printing "b=<answer>"; $ddl: what A does then.
my @rounds = (
	[
		'bloat_estimate(exact), DROP INDEX',
		q{SELECT 'b=' || count(*) FROM capacity.bloat_estimate('t_idx'::regclass, 'exact');},
		'DROP INDEX t_idx;', 'b=0'
	],
	[
		'_bloat_sample(exact), DROP INDEX',
		q{SELECT 'b=' || method FROM capacity._bloat_sample('t_idx'::regclass, true);},
		'DROP INDEX t_idx;', 'b=dropped'
	],
	[
		'_bloat_sample(sample), DROP INDEX',
		q{SELECT 'b=' || method FROM capacity._bloat_sample('t_idx'::regclass, false);},
		'DROP INDEX t_idx;', 'b=dropped'
	],
	[
		'_bloat_sample(exact), DROP TABLE',
		q{SELECT 'b=' || method FROM capacity._bloat_sample('t_idx'::regclass, true);},
		'DROP TABLE t; CREATE TABLE t (id int4, v int4);', 'b=dropped'
	],
);

for my $round (@rounds)
{
	my ($what, $b_sql, $ddl, $b_expect) = @$round;

	$node->safe_psql('postgres', 'DROP INDEX IF EXISTS t_idx; CREATE INDEX t_idx ON t (v)');

	my $a = session_start('A');
	session_send($a, "BEGIN;\nLOCK TABLE t IN ACCESS EXCLUSIVE MODE;\nSELECT 'locked';\n");
	ok(session_wait($a, qr/locked/), "$what: A holds t");

	my $b = session_start('B');
	session_send($b, "$b_sql\n");
	ok(waits_for('t'), "$what: B waits for t");

	# B's deadlock check (deadlock_timeout after it began to wait) is over
	# before A's DROP begins to wait: a cycle would now be A's to break.
	usleep(500_000);

	session_send($a, "$ddl\nCOMMIT;\nSELECT 'committed';\n");
	ok(session_wait($a, qr/committed/), "$what: A's transaction ends");
	ok(session_wait($b, qr/^b=/m), "$what: B ends");
	session_end($a);
	session_end($b);

	unlike($a->{err}, qr/ERROR|deadlock/, "$what: A's DDL succeeded")
	  or diag("A: $a->{err}");
	is(pgc_q($node, "SELECT to_regclass('t_idx') IS NULL"), 't', "$what: t_idx is gone");
	is($b->{err}, '', "$what: B ended without an error");
	like($b->{out}, qr/^\Q$b_expect\E$/m, "$what: B answered $b_expect")
	  or diag("B: $b->{out}");
}

# ---- DDL that rewrites a table against repeated estimates ---------------------

$node->safe_psql('postgres', q{
	CREATE TABLE t2 (id int4 PRIMARY KEY, v int4, pad text) WITH (autovacuum_enabled = off);
	INSERT INTO t2 SELECT i, i % 5000, repeat('p', 40) FROM generate_series(1, 100000) i;
	CREATE INDEX t2_idx ON t2 (v);
	DELETE FROM t2 WHERE id % 3 = 0;
});

my $seconds = 5;
my $ddl = session_start('DDL');
my $est = session_start('estimates');
# The OIDs of t2 and t2_pkey survive every rewrite here; t2_idx is rebuilt
# under a new OID by ALTER COLUMN TYPE, so it is asked for through
# _bloat_sample() (a dropped OID: 'dropped') and through the whole listing.
my $est_sql = q{
SELECT count(*) FROM capacity.bloat_estimate('t2', 'exact');
SELECT count(*) FROM capacity.bloat_estimate('t2_pkey', 'exact');
SELECT method FROM capacity._bloat_sample('t2_idx'::regclass, true);
SELECT count(*) FROM capacity.bloat_estimate('t2_pkey', 'sample');
SELECT method FROM capacity._bloat_sample('t2_idx'::regclass, false);
SELECT count(*) FROM capacity.bloat_estimate(NULL, 'exact') WHERE relation_name LIKE 't2%';
};
my $ddl_sql = q{
VACUUM FULL t2;
CLUSTER t2 USING t2_idx;
ALTER TABLE t2 ALTER COLUMN v TYPE int8;
CLUSTER t2 USING t2_pkey;
ALTER TABLE t2 ALTER COLUMN v TYPE int4;
};
my ($nddl, $nest) = (0, 0);
my $end = time + $seconds;
while (time < $end)
{
	# one round queued at a time on each side, each closed by a marker
	if ($nddl == 0 || $ddl->{out} =~ /^ddl-$nddl$/m)
	{
		$nddl++;
		session_send($ddl, $ddl_sql . "SELECT 'ddl-$nddl';\n");
	}
	if ($nest == 0 || $est->{out} =~ /^est-$nest$/m)
	{
		$nest++;
		session_send($est, $est_sql . "SELECT 'est-$nest';\n");
	}
	$ddl->{h}->pump_nb;
	$est->{h}->pump_nb;
	usleep(5_000);
}
ok(session_wait($ddl, qr/^ddl-$nddl$/m), "DDL loop ends ($nddl rounds)");
ok(session_wait($est, qr/^est-$nest$/m), "estimate loop ends ($nest rounds)");
session_end($ddl);
session_end($est);
cmp_ok($nddl, '>=', 2, 'the DDL ran several rounds');
cmp_ok($nest, '>=', 2, 'the estimates ran several rounds');
is($ddl->{err}, '', 'VACUUM FULL, CLUSTER, ALTER TABLE: no error');
is($est->{err}, '', 'estimates: no error');

my @deadlocks = grep { /deadlock detected/ } split /\n/, slurp_file($node->logfile);
is(scalar(@deadlocks), 0, 'server log: no deadlock detected')
  or diag(join("\n", @deadlocks[ 0 .. ($#deadlocks < 4 ? $#deadlocks : 4) ]));

$node->stop;
done_testing();
