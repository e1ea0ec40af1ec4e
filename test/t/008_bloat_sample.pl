# 008_bloat_sample.pl: bloat_estimate()'s sample and exact modes against
# pgstattuple / pgstatindex and against what VACUUM FULL gives back.
#
# The fixture (test/fixtures/bloat_fixture.sql, via PgCapacity::Bloat) has
# tables of different shapes and states and btree indexes on them.  Asserted
# for every fixture table, TOAST table and btree index:
#
#   - waste (free + dead space) of mode 'sample' within 2 percentage points of
#     pgstattuple's free_space + dead_tuple_len, and pgstattuple's value inside
#     the reported interval (estimate +- error_pct);
#   - waste of mode 'exact' equal to pgstattuple's to 0.01 pp;
#   - reclaimable_pct of both modes within 2 pp of the size change that
#     VACUUM FULL (which rebuilds the TOAST table and the indexes as REINDEX
#     does) actually produced, and that change inside the sample's interval;
#   - the sample read fewer pages than the relation has where it is large
#     enough to sample (so the sampling is exercised, not bypassed);
#   - a hash index is listed as 'unsupported' with NULL figures;
#   - on a streaming standby, the same estimates (same pages, same seed).
#
# pg_capacity.bloat_max_sample_pages is lowered to 128 so that the fixture's
# 1,000 to 2,300 page relations are sampled, as large relations are with the
# default of 512.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;
use PgCapacity::Bloat;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = pgc_new_node('primary', allows_streaming => 1,
	extra_conf => "shared_buffers = 256MB\nautovacuum = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
bloat_load_fixture($node, 'postgres');

my $ref = bloat_waste_reference($node, 'postgres');
ok(scalar(keys %$ref) >= 25, 'fixture has its relations: ' . scalar(keys %$ref));

# A standby of the fixture, before anything is rewritten.
$node->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'b', has_streaming => 1);
$standby->start;
$node->wait_for_catchup($standby, 'replay');

my $cols = q{size_bytes, waste_bytes, waste_pct, reclaimable_bytes, reclaimable_pct,
	coalesce(error_pct, -1), method, pages_read, coalesce(recommendation, '')};

sub estimates
{
	my ($n, $mode) = @_;
	my %est;
	for my $oid (sort keys %$ref)
	{
		my $row = $n->safe_psql('postgres',
			"SET pg_capacity.bloat_max_sample_pages = 128; SET pg_capacity.bloat_min_reclaim = 0; "
			  . "SELECT $cols FROM capacity.bloat_estimate($oid, '$mode')");
		my @f = split /\|/, $row;
		$est{$oid} = {
			size => $f[0],
			waste_bytes => $f[1],
			waste_pct => $f[2],
			reclaim_bytes => $f[3],
			reclaim_pct => $f[4],
			error_pct => $f[5],
			method => $f[6],
			pages_read => $f[7],
			advice => $f[8],
		};
	}
	return \%est;
}

# The statistics-only mode and the index diagnostics answer on the standby
# too (read-only catalogs; pg_stat counters of its own).
like($standby->safe_psql('postgres',
		q{SELECT count(*) FILTER (WHERE method = 'stats') || ' ' || bool_and('on_standby' = ANY (flags))
			FROM capacity.bloat_estimate(NULL, 'stats') WHERE schema_name = 'bloatfix'}),
	qr/^[1-9]\d* true$/, 'standby: stats mode answers, flagged on_standby');
for my $f ('unused_indexes()', 'duplicate_indexes()', 'invalid_indexes()', 'missing_indexes()')
{
	like($standby->safe_psql('postgres', "SELECT count(*) FROM capacity.$f"),
		qr/^\d+$/, "standby: capacity.$f answers");
}

my $sample = estimates($node, 'sample');
my $exact = estimates($node, 'exact');
my $standby_sample = estimates($standby, 'sample');

# The rewrite, on the primary only.
bloat_rewrite_reference($node, 'postgres', $ref);

my @report;
for my $oid (sort { $ref->{$a}{name} cmp $ref->{$b}{name} } keys %$ref)
{
	my $r = $ref->{$oid};
	my $s = $sample->{$oid};
	my $e = $exact->{$oid};
	my $name = $r->{name};

	if ($r->{am} ne 'heap' && $r->{am} ne 'btree')
	{
		is($s->{method}, 'unsupported', "$name ($r->{am}): method unsupported");
		is($s->{waste_bytes}, '', "$name: no waste figure");
		is($s->{reclaim_bytes}, '', "$name: no reclaimable figure");
		next;
	}

	my $pages = $r->{size} / 8192;
	is($s->{size}, $r->{size}, "$name: size_bytes = pg_relation_size");
	like($e->{method}, qr/^exact$/, "$name: exact mode reads every page");
	if ($pages > 300)
	{
		is($s->{method}, 'sample', "$name: sampled");
		cmp_ok($s->{pages_read}, '<', $pages, "$name: sample read $s->{pages_read} of $pages pages");
	}

	# waste against pgstattuple
	my $dw_s = abs($s->{waste_pct} - $r->{waste_pct});
	my $dw_e = abs($e->{waste_pct} - $r->{waste_pct});
	cmp_ok($dw_s, '<=', 2, sprintf('%s: sample waste %.2f%% vs pgstattuple %.2f%%', $name, $s->{waste_pct}, $r->{waste_pct}));
	cmp_ok($dw_s, '<=', $s->{error_pct} + 0.005,
		sprintf('%s: pgstattuple waste inside the interval (+-%.3f pp)', $name, $s->{error_pct}));
	cmp_ok($dw_e, '<=', 0.01, sprintf('%s: exact waste %.3f%% = pgstattuple %.3f%%', $name, $e->{waste_pct}, $r->{waste_pct}));

	# reclaimable against the rewrite
	my $dr_s = abs($s->{reclaim_pct} - $r->{reclaim_pct});
	my $dr_e = abs($e->{reclaim_pct} - $r->{reclaim_pct});
	cmp_ok($dr_s, '<=', 2, sprintf('%s: sample reclaimable %.2f%% vs VACUUM FULL %.2f%%', $name, $s->{reclaim_pct}, $r->{reclaim_pct}));
	cmp_ok($dr_s, '<=', $s->{error_pct} + 0.005,
		sprintf('%s: the rewrite inside the interval (+-%.3f pp)', $name, $s->{error_pct}));
	cmp_ok($dr_e, '<=', 2, sprintf('%s: exact reclaimable %.2f%% vs VACUUM FULL %.2f%%', $name, $e->{reclaim_pct}, $r->{reclaim_pct}));

	# the standby reads the same pages
	my $st = $standby_sample->{$oid};
	cmp_ok(abs($st->{waste_pct} - $r->{waste_pct}), '<=', 2, "$name: standby waste within 2 pp");
	cmp_ok(abs($st->{reclaim_pct} - $r->{reclaim_pct}), '<=', 2, "$name: standby reclaimable within 2 pp");

	push @report,
	  sprintf('%-32s %6d %7.2f %7.2f %7.2f %6.3f | %7.2f %7.2f %7.2f | %4d  %s',
		$name, $pages, $r->{waste_pct}, $s->{waste_pct}, $e->{waste_pct}, $s->{error_pct},
		$r->{reclaim_pct}, $s->{reclaim_pct}, $e->{reclaim_pct}, $s->{pages_read}, $s->{advice});
}

diag(sprintf('%-32s %6s %7s %7s %7s %6s | %7s %7s %7s | %4s  %s',
		'relation', 'pages', 'waste', 'sample', 'exact', '+-pp', 'reclaim', 'sample', 'exact', 'read', 'advice'));
diag($_) for @report;

# Recommendations follow the settings: updated_all has 45 % dead tuples and
# half of it reclaimable; deleted_half's index lost half its entries.
my %advice = map { $ref->{$_}{name} => $sample->{$_}{advice} } keys %$ref;
is($advice{'bloatfix.updated_all'}, 'VACUUM FULL or pg_repack', 'updated_all: rewrite recommended');
is($advice{'bloatfix.deleted_half_id'}, 'REINDEX CONCURRENTLY', 'deleted_half_id: REINDEX recommended');
is($advice{'bloatfix.narrow'}, 'none', 'narrow: nothing to do');

$standby->stop;
$node->stop;
done_testing();
