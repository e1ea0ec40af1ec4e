# 015_bloat_dedup.pl: bloat_estimate()'s reclaimable space of btree indexes,
# deduplicated or not, against the size change REINDEX actually produces.
#
# Each fixture is a table of a few hundred thousand rows with one btree index,
# rows deleted in runs or at random, then VACUUMed (one not: its index still
# holds the dead rows' entries).  Low-cardinality keys (smallint, int, text,
# two columns) are deduplicated into posting lists, which a rebuild forms
# anew across the old pages' boundaries; a unique index and one with
# deduplicate_items = off are the controls.  The heap is loaded in key order
# or in random order, and the index built after the load (CREATE INDEX) or
# before it (by insertions, deduplicated at page splits).
#
# Asserted for every fixture, against pg_relation_size() before and after
# REINDEX of the index:
#   - mode 'sample' within 2 percentage points of the real reduction where
#     its reported error is 2 pp or less, and the reduction inside its
#     reported interval (estimate +- error_pct) always;
#   - mode 'sample' at the default cap (512 pages: most of these indexes
#     are then read whole) by the same rule: within 2 pp where it states
#     that much, and always inside its interval;
#   - mode 'exact' within 2 pp (and inside its interval);
#   - the capped sample did not read every page (method 'sample', not 'exact').
#
# pg_capacity.bloat_max_sample_pages is lowered to 256 so that these 340 to
# 1,100 page indexes are sampled, as large ones are with the default of 512.
# A sample of 256 pages of an index deleted in runs can honestly state an
# error above 2 pp (the unique and the sorted smallint fixtures: +-2.5 to
# +-5.2 pp, errors of 2.2 and 3.9 pp seen); there the interval is the claim.
# (A sampled page whose first key began on the pages to its left reads them
# too, up to 8: pages_read can pass the slices' number.)
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = pgc_new_node('dedup',
	extra_conf => "shared_buffers = 256MB\nautovacuum = off\nmaintenance_work_mem = 256MB\n"
	  . "max_parallel_maintenance_workers = 0\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');

# name => [ table columns, rows as a SELECT over generate_series i, index
# definition, when the index is built ('before' the load or 'after'), the
# rows deleted (a WHERE clause), VACUUM after the delete ]
my @fixtures = (
	# the issue's first case: 300 values, 40 % deleted in runs of 500 rows
	[ 'si_runs', 'id int4, k int2', 'i, i % 300', '(k)', 'after',
		'(id / 500) % 5 < 2', 1 ],
	[ 'si_sorted_runs', 'id int4, k int2', 'i, (i::int8 * 300 / 400001)', '(k)', 'after',
		'(id / 500) % 5 < 2', 1 ],
	# many duplicates a key (8,000 rows a value), 20 % deleted at random
	[ 'int_random', 'id int4, k int4', 'i, (random() * 49)::int4', '(k)', 'after',
		'random() < 0.2', 1 ],
	[ 'int_sorted_random', 'id int4, k int4', 'i, i / 4000', '(k)', 'after',
		'random() < 0.2', 1 ],
	# built by insertions: posting lists formed at page splits
	[ 'int_inserted', 'id int4, k int4', 'i, (random() * 999)::int4', '(k)', 'before',
		'random() < 0.3', 1 ],
	# few rows a value: posting lists of a few TIDs, single items
	[ 'int_few_dups', 'id int4, k int4', 'i, (random() * 99999)::int4', '(k)', 'after',
		'(id / 300) % 3 = 0', 1 ],
	# not vacuumed: the index still holds the deleted rows' entries
	[ 'int_not_vacuumed', 'id int4, k int4', 'i, (random() * 299)::int4', '(k)', 'after',
		'random() < 0.35', 0 ],
	# text: the issue's third case, 53 values, a third deleted
	[ 'text_runs', 'id int4, t text', q{i, 'category ' || (i % 53)}, '(t)', 'after',
		'(id / 1000) % 3 = 0', 1 ],
	[ 'text_sorted_random', 'id int4, t text', q{i, 'category ' || lpad((i / 6000)::text, 3, '0')},
		'(t)', 'after', 'random() < 0.33', 1 ],
	# two columns: 400 combinations, and 4,000 built by insertions
	[ 'multi_random', 'id int4, a int4, b int2', 'i, (random() * 19)::int4, (random() * 19)::int2',
		'(a, b)', 'after', 'random() < 0.25', 1 ],
	[ 'multi_inserted_runs', 'id int4, a int4, b int2', 'i, i % 40, (i / 7) % 100',
		'(a, b)', 'before', '(id / 2000) % 4 = 1', 1 ],
	# controls: no deduplication
	[ 'unique_runs', 'id int4, k int4', 'i, i', 'UNIQUE (k)', 'after',
		'(id / 500) % 5 < 2', 1 ],
	[ 'nodedup_random', 'id int4, k int4', 'i, (random() * 299)::int4',
		'(k) WITH (deduplicate_items = off)', 'after', 'random() < 0.3', 1 ],
);

my $rows = 400000;
$node->safe_psql('postgres', 'SELECT setseed(0.15)');
for my $f (@fixtures)
{
	my ($name, $cols, $select, $index, $when, $delete, $vacuum) = @$f;
	my $unique = $index =~ s/^UNIQUE //;
	my $create_index = sprintf('CREATE %sINDEX %s_idx ON %s %s', $unique ? 'UNIQUE ' : '',
		$name, $name, $index);
	my $sql = "SELECT setseed(0.15); CREATE TABLE $name ($cols) WITH (autovacuum_enabled = off);";
	$sql .= "$create_index;" if $when eq 'before';
	$sql .= "INSERT INTO $name SELECT $select FROM generate_series(1, $rows) i;";
	$sql .= "$create_index;" if $when eq 'after';
	$sql .= "DELETE FROM $name WHERE $delete;";
	$node->safe_psql('postgres', $sql);
	$node->safe_psql('postgres', $vacuum ? "VACUUM ANALYZE $name" : "ANALYZE $name");
}

my @report;
my $worst = 0;
for my $f (@fixtures)
{
	my $name = $f->[0];
	my $idx = "${name}_idx";
	my %est;
	# sample and exact with the sample capped at 256 pages (so that these
	# small indexes are sampled), and sample mode at the default cap
	for my $mode ('sample', 'exact', 'default')
	{
		my $cap = $mode eq 'default' ? '' : 'SET pg_capacity.bloat_max_sample_pages = 256; ';
		my $m = $mode eq 'default' ? 'sample' : $mode;
		my $row = $node->safe_psql('postgres',
			"${cap}SET pg_capacity.bloat_min_reclaim = 0; "
			  . "SELECT reclaimable_pct, error_pct, method, pages_read "
			  . "FROM capacity.bloat_estimate('$idx', '$m')");
		my @v = split /\|/, $row;
		$est{$mode} = { pct => $v[0], err => $v[1], method => $v[2], read => $v[3] };
	}
	my $before = $node->safe_psql('postgres', "SELECT pg_relation_size('$idx')");
	$node->safe_psql('postgres', "REINDEX INDEX $idx");
	my $after = $node->safe_psql('postgres', "SELECT pg_relation_size('$idx')");
	my $truth = 100.0 * ($before - $after) / $before;
	my $pages = $before / 8192;
	my $s = $est{sample};
	my $e = $est{exact};
	my $ds = abs($s->{pct} - $truth);
	my $de = abs($e->{pct} - $truth);
	$worst = $ds if $ds > $worst;
	$worst = $de if $de > $worst;

	my $d = $est{default};
	my $dd = abs($d->{pct} - $truth);
	$worst = $dd if $dd > $worst;

	is($s->{method}, 'sample', "$name: sampled ($s->{read} pages read of $pages)");
	# within 2 pp wherever the sample claims that much precision; a sample
	# of 256 pages of a run-deleted index may honestly state more (its
	# interval must hold the truth, below)
	cmp_ok($ds, '<=', $s->{err} <= 2 ? 2 : $s->{err} + 0.005,
		sprintf('%s: sample %.2f%% (+-%.2f) vs REINDEX %.2f%%', $name, $s->{pct}, $s->{err}, $truth));
	# the default cap: the same rule (a fresh-clone CI run of 2026-12-08 read
	# 515 of 1099 pages of unique_runs, stated a wide interval and missed by
	# 2.18 pp, inside it; "within 2 pp" regardless was more than it claims)
	cmp_ok($dd, '<=', $d->{err} <= 2 ? 2 : $d->{err} + 0.005,
		sprintf('%s: at the default sample cap (%s, %d pages read) %.2f%% (+-%.2f) vs REINDEX %.2f%%',
			$name, $d->{method}, $d->{read}, $d->{pct}, $d->{err}, $truth));
	cmp_ok($dd, '<=', $d->{err} + 0.005,
		sprintf('%s: REINDEX inside the default cap\'s interval (+-%.2f pp)', $name, $d->{err}));
	cmp_ok($ds, '<=', $s->{err} + 0.005,
		sprintf('%s: REINDEX inside the sample interval (+-%.2f pp)', $name, $s->{err}));
	cmp_ok($de, '<=', 2,
		sprintf('%s: exact %.2f%% vs REINDEX %.2f%%', $name, $e->{pct}, $truth));
	cmp_ok($de, '<=', $e->{err} + 0.005,
		sprintf('%s: REINDEX inside the exact interval (+-%.2f pp)', $name, $e->{err}));
	push @report, sprintf('%-22s %6d %6d | %7.2f | %7.2f %5.2f %6.2f | %7.2f %5.2f %6.2f | %4d',
		$name, $pages, $after / 8192, $truth, $s->{pct}, $s->{err}, $s->{pct} - $truth,
		$e->{pct}, $e->{err}, $e->{pct} - $truth, $s->{read});
}

diag(sprintf('%-22s %6s %6s | %7s | %7s %5s %6s | %7s %5s %6s | %4s',
		'index', 'pages', 'after', 'REINDEX', 'sample', '+-pp', 'error', 'exact', '+-pp', 'error', 'read'));
diag($_) for @report;
diag(sprintf('worst error: %.2f pp', $worst));

$node->stop;
done_testing();
