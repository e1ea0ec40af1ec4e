# test/perl/PgCapacity/Bloat.pm: the bloat fixture and its exact references

=pod

=head1 NAME

PgCapacity::Bloat - load test/fixtures/bloat_fixture.sql and measure what
pgstattuple, pgstatindex and a rewrite say about every relation in it

=head1 SYNOPSIS

  use PgCapacity::Bloat;

  bloat_load_fixture($node, 'postgres');
  my $ref = bloat_waste_reference($node, 'postgres');   # pgstattuple / pgstatindex
  ... estimates ...
  bloat_rewrite_reference($node, 'postgres', $ref);     # VACUUM FULL: adds size_after, reclaim_pct

Relations are keyed by OID (text), which a VACUUM FULL keeps (also for the
TOAST table, whose contents are swapped).  Each entry holds:

  name         schema-qualified name (TOAST tables: parent name || ' (toast)')
  kind         table, toast or index
  am           heap, btree, hash ...
  size         main fork bytes
  free_pct, dead_pct   pgstattuple(): free_percent, dead_tuple_percent
  waste_bytes, waste_pct   free_space + dead_tuple_len, and its share of table_len
  leaf_density, deleted_pages     pgstatindex() for btrees
  size_after, reclaim_pct         after bloat_rewrite_reference()

pgstattuple is called twice and the second reading kept: its heap scan, like
any other reader's, may prune pages, and the first reading is taken before that
pruning, the second after (free plus dead space is nearly the same either way;
the split between the two is not).

=cut

package PgCapacity::Bloat;

use strict;
use warnings;

use Exporter 'import';
use FindBin;
use Test::More;

our @EXPORT = qw(
  bloat_load_fixture
  bloat_waste_reference
  bloat_rewrite_reference
  bloat_fixture_path
);

sub bloat_fixture_path
{
	return "$FindBin::RealBin/../fixtures/bloat_fixture.sql";
}

# Build schema bloatfix in $db (scale 1 unless given).
sub bloat_load_fixture
{
	my ($node, $db, $scale) = @_;
	$scale //= 1;
	my $file = bloat_fixture_path();
	my ($ret, $out, $err) = $node->psql($db, undef,
		extra_params => [ '-v', "scale=$scale", '-f', $file ],
		on_error_die => 1);
	die "fixture failed: $err" if $ret != 0;
	return;
}

# The relations of the fixture: tables, their TOAST tables and their indexes.
my $fixture_relations = q{
	SELECT c.oid, c.oid::regclass::text, 'table', 'heap' FROM pg_class c
	 WHERE c.relnamespace = 'bloatfix'::regnamespace AND c.relkind = 'r'
	UNION ALL
	SELECT c.reltoastrelid, c.oid::regclass::text || ' (toast)', 'toast', 'heap' FROM pg_class c
	 WHERE c.relnamespace = 'bloatfix'::regnamespace AND c.relkind = 'r' AND c.reltoastrelid <> 0
	UNION ALL
	SELECT i.oid, i.oid::regclass::text, 'index', a.amname FROM pg_class i JOIN pg_am a ON a.oid = i.relam
	 WHERE i.relnamespace = 'bloatfix'::regnamespace AND i.relkind = 'i'
};

sub bloat_waste_reference
{
	my ($node, $db) = @_;
	my %ref;
	$node->safe_psql($db, 'CREATE EXTENSION IF NOT EXISTS pgstattuple');
	my $sql = qq{
		WITH r(oid, name, kind, am) AS ($fixture_relations)
		SELECT r.oid, r.name, r.kind, r.am, pg_relation_size(r.oid),
			   s.free_percent, s.dead_tuple_percent, s.free_space + s.dead_tuple_len, s.table_len,
			   CASE WHEN r.am = 'btree' THEN (pgstatindex(r.oid)).avg_leaf_density END,
			   CASE WHEN r.am = 'btree' THEN (pgstatindex(r.oid)).deleted_pages END
		  FROM r LEFT JOIN LATERAL pgstattuple(r.oid) s ON r.am IN ('heap', 'btree')
		 ORDER BY r.name};
	$node->safe_psql($db, $sql);    # the pruning reading
	for my $line (split /\n/, $node->safe_psql($db, $sql))
	{
		my ($oid, $name, $kind, $am, $size, $free, $dead, $waste_bytes, $table_len, $density, $deleted) =
		  split /\|/, $line;
		$ref{$oid} = {
			oid => $oid,
			name => $name,
			kind => $kind,
			am => $am,
			size => $size,
			free_pct => $free,
			dead_pct => $dead,
			waste_bytes => ($waste_bytes eq '' ? undef : $waste_bytes),
			# from the byte counts: pgstattuple rounds its percentages to 0.01
			waste_pct => ($waste_bytes eq '' ? undef
				: $table_len > 0 ? 100.0 * $waste_bytes / $table_len : 0),
			leaf_density => $density,
			deleted_pages => $deleted,
		};
	}
	return \%ref;
}

# VACUUM FULL every fixture table (which rebuilds its TOAST table and its
# indexes as REINDEX would) and record each relation's size after.
sub bloat_rewrite_reference
{
	my ($node, $db, $ref) = @_;
	my @tables = split /\n/, $node->safe_psql($db,
		q{SELECT oid::regclass FROM pg_class WHERE relnamespace = 'bloatfix'::regnamespace AND relkind = 'r'});
	# VACUUM cannot run in a transaction block: one statement per table.
	$node->safe_psql($db, "VACUUM (FULL) $_") for @tables;
	for my $oid (keys %$ref)
	{
		my $after = $node->safe_psql($db, "SELECT pg_relation_size($oid)");
		$ref->{$oid}{size_after} = $after;
		$ref->{$oid}{reclaim_pct} =
		  $ref->{$oid}{size} > 0 ? 100.0 * ($ref->{$oid}{size} - $after) / $ref->{$oid}{size} : 0;
	}
	return $ref;
}

1;
