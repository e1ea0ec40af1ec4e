# 011_bloat_exact_huge.pl: the exact mode of bloat_estimate() on a relation
# far larger than MaxAllocSize allows an array per page for, without writing
# it: the main fork of a small table is extended with sparse 1 GB segment
# files (all-zero pages, which PostgreSQL reads as new pages) to 128 GB.
#
#   - exact mode under statement_timeout = 2s ends with the statement
#     timeout (57014), promptly: it reads the pages, in memory that does not
#     grow with the relation, and is cancellable between pages.  Before the
#     fix it failed at once with XX000 "invalid memory alloc request size"
#     (an 80-byte slice per page: 13.4 million pages, 102 GB, is the limit);
#   - sample mode answers, with the size of all 128 segments;
#   - the table is dropped, and its segment files with it;
#   - a TOAST table's exact mode, whose chunks are sorted, gives the same
#     answer when the sort spills to temporary files.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $segments = 128;    # of 1 GB (RELSEG_SIZE blocks of BLCKSZ)
my $seg_bytes = 1024 * 1024 * 1024;

# Only where a file extended by truncate() takes no space.
{
	my $f = "$PostgreSQL::Test::Utils::tmp_check/sparse_probe";
	open(my $fh, '>', $f) or die "$f: $!";
	truncate($fh, $seg_bytes) or die "truncate $f: $!";
	close($fh) or die "$f: $!";
	my $allocated = (stat($f))[12] * 512;
	unlink($f) or die "$f: $!";
	plan skip_all => "no sparse files here ($allocated bytes allocated for 1 GB)"
	  if $allocated > 1024 * 1024;
}

my $node = pgc_new_node('bloat_exact_huge', extra_conf => "autovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
is(pgc_q($node, "SELECT pg_size_bytes(current_setting('segment_size'))"), $seg_bytes,
	'segments of 1 GB');

$node->safe_psql('postgres', q{
	CREATE TABLE huge (id int4, v text) WITH (autovacuum_enabled = off);
	INSERT INTO huge SELECT i, repeat('h', 50) FROM generate_series(1, 1000) i;
	CHECKPOINT;
});
my $path = $node->data_dir . '/' . pgc_q($node, "SELECT pg_relation_filepath('huge')");
ok(-f $path, "main fork at $path");

# Segment 0 grows to a whole segment, then segments 1 .. 127: sparse files.
for my $n (0 .. $segments - 1)
{
	my $f = $n == 0 ? $path : "$path.$n";
	open(my $fh, '>>', $f) or die "$f: $!";
	truncate($fh, $seg_bytes) or die "truncate $f: $!";
	close($fh) or die "$f: $!";
}
is(pgc_q($node, "SELECT pg_relation_size('huge')"), $segments * $seg_bytes,
	"the table has $segments GB");

# Exact mode: cancelled by the statement timeout, not failing on memory.
my $t0 = time;
my ($ret, $out, $err) = $node->psql('postgres',
	"\\set VERBOSITY verbose\nSET statement_timeout = '2s';\n"
	  . "SELECT method FROM capacity.bloat_estimate('huge', 'exact');");
my $elapsed = time - $t0;
unlike($err, qr/invalid memory alloc request size/, 'exact mode: no allocation failure');
like($err, qr/ERROR:\s+57014: canceling statement due to statement timeout/,
	'exact mode: ends with the statement timeout (57014)')
  or diag("stdout: $out\nstderr: $err");
cmp_ok($elapsed, '<', 30, sprintf('exact mode: cancelled promptly (%.1f s)', $elapsed));

# Sample mode reads a bounded sample of it.
like(pgc_q($node, "SELECT method || ' ' || size_bytes || ' ' || (pages_read <= 512) "
		  . "FROM capacity.bloat_estimate('huge', 'sample')"),
	qr/^sample ${\($segments * $seg_bytes)} true$/, 'sample mode answers');

$node->safe_psql('postgres', 'DROP TABLE huge; CHECKPOINT');
ok(!-e "$path.1" && !-e "$path." . ($segments - 1), 'dropped: the segment files are gone');

# A TOAST table's chunks are sorted for the replay: in work_mem, or in
# temporary files beyond it, with the same answer.
$node->safe_psql('postgres', q{
	CREATE TABLE toasted (id int4, v text) WITH (autovacuum_enabled = off);
	ALTER TABLE toasted ALTER COLUMN v SET STORAGE EXTERNAL;
	INSERT INTO toasted SELECT i, repeat(md5(i::text), 100 + i % 300) FROM generate_series(1, 3000) i;
	DELETE FROM toasted WHERE id % 4 = 0;
});
my $toast_q = q{SELECT s.* FROM pg_class c, capacity._bloat_sample(c.reltoastrelid, true) s
	WHERE c.oid = 'toasted'::regclass};
my $in_memory = pgc_q($node, "SET work_mem = '64MB'; $toast_q");
like($in_memory, qr/\|exact$/, "TOAST table, exact: $in_memory");
($ret, $out, $err) = $node->psql('postgres',
	"SET work_mem = '64kB'; SET trace_sort = on; SET client_min_messages = log; $toast_q");
like($err, qr/external sort/, 'TOAST table, exact, work_mem 64kB: the sort spilled');
is($out, $in_memory, 'TOAST table, exact: the same answer either way');

$node->stop;
done_testing();
