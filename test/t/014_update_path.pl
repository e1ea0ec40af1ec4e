# 014_update_path.pl: an updated installation is a fresh one.
#
# A fresh CREATE EXTENSION pg_capacity runs the full install script of the
# default version (sql/pg_capacity.sql, installed as pg_capacity--VERSION.sql);
# an installation of an older version reaches it through the update scripts.
# The two must end with the same objects, definitions and privileges.  One
# database gets the fresh install; for every older version the server offers
# (0.3.0 first of all: the last release before the full script), another
# database gets CREATE EXTENSION pg_capacity VERSION 'old' and then ALTER
# EXTENSION pg_capacity UPDATE.  Every member of the extension (pg_depend
# deptype 'e'), the extension itself and its schema are written out as a
# canonical text: identity, kind, owner, ACL (aclexplode, sorted), column ACLs,
# pg_init_privs, comments, security labels, and by kind the function
# definition (pg_get_functiondef and the pg_proc flags), the relation (columns
# with types, defaults and NOT NULL, constraints, indexes, triggers, rules,
# policies, view definition, sequence parameters) or the type (attributes,
# domain, enum, range).  The texts must be identical.
use strict;
use warnings;

use File::Basename qw(dirname);
use File::Compare qw(compare);
use File::Spec;
use FindBin;
use JSON::PP;
use lib "$FindBin::RealBin/../perl";
use PgCapacity::Util;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $srcdir = File::Spec->rel2abs(File::Spec->catdir(dirname(__FILE__), '..', '..'));

my $node = pgc_new_node('update_path');
$node->append_conf('postgresql.conf', "lc_messages = 'C'\n");
$node->start;

my $version = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'pg_capacity'});
my ($control) = slurp_file("$srcdir/pg_capacity.control") =~ /^default_version = '([^']+)'/m;
is($version, $control, "the server offers pg_capacity $control (this tree's control file) as the default version");

# The fresh install must come from the full script of this tree, not from a
# stale installation or from the chain of update scripts.
my $sharedir = $node->config_data('--sharedir');
my $installed = "$sharedir/extension/pg_capacity--$version.sql";
ok(-f $installed, "the full install script $installed is installed");
is(compare($installed, "$srcdir/sql/pg_capacity.sql"),
	0, 'it is sql/pg_capacity.sql of this tree');

# The older versions, oldest first; 0.3.0 must be among them.
my @old = split /\n/, $node->safe_psql(
	'postgres', qq{
	SELECT version FROM pg_available_extension_versions
	WHERE name = 'pg_capacity' AND version <> '$version'
	ORDER BY string_to_array(version, '.')::int[]});
ok((grep { $_ eq '0.3.0' } @old), 'version 0.3.0 is still installable: ' . join(' ', @old));

# ---- the canonical text of every object -------------------------------------

# An ACL as sorted grantee=privilege[*]/grantor items; NULL (the default) as
# "default".
sub acl
{
	my $e = shift;
	return qq{CASE WHEN ($e) IS NULL THEN 'default' ELSE array_to_string(ARRAY(
		SELECT format('%s=%s%s/%s',
					  CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,
					  a.privilege_type, CASE WHEN a.is_grantable THEN '*' ELSE '' END,
					  a.grantor::regrole::text)
		FROM aclexplode($e) a ORDER BY 1), ',') END};
}

# The columns of a relation or composite type, in order.
sub columns
{
	my $rel = shift;
	return qq{array_to_string(ARRAY(
		SELECT format('column %s %s not_null=%s default=%s identity=%s generated=%s collation=%s acl=%s',
					  quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), a.attnotnull,
					  coalesce(pg_get_expr(ad.adbin, ad.adrelid), 'none'),
					  a.attidentity, a.attgenerated,
					  CASE WHEN a.attcollation <> 0 THEN a.attcollation::regcollation::text ELSE 'none' END,
					  } . acl('a.attacl') . qq{)
		FROM pg_attribute a
			 LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
		WHERE a.attrelid = $rel AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY a.attnum), E'\\n')};
}

# Constraints of a relation (conrelid) or a domain (contypid).
sub constraints
{
	my $where = shift;
	return qq{array_to_string(ARRAY(
		SELECT format('constraint %s %s %s deferrable=%s deferred=%s validated=%s no_inherit=%s',
					  quote_ident(co.conname), co.contype, pg_get_constraintdef(co.oid),
					  co.condeferrable, co.condeferred, co.convalidated, co.connoinherit)
		FROM pg_constraint co WHERE $where ORDER BY co.conname), E'\\n')};
}

my $acl_proc = acl('p.proacl');
my $acl_rel = acl('c.relacl');
my $acl_type = acl('t.typacl');
my $acl_nsp = acl('n.nspacl');
my $acl_init = acl('ip.initprivs');
my $columns_rel = columns('c.oid');
my $columns_type = columns('t.typrelid');
my $constraints_rel = constraints('co.conrelid = c.oid');
my $constraints_type = constraints('co.contypid = t.oid');

my $canon_sql = qq{
WITH ext AS (
	SELECT e.oid, e.extnamespace FROM pg_extension e WHERE e.extname = 'pg_capacity'
),
objects AS (
	-- the members
	SELECT d.classid, d.objid, d.objsubid
	FROM pg_depend d, ext
	WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
	UNION ALL
	-- the extension itself and its schema (made by CREATE EXTENSION from the
	-- control file's schema = capacity; no member, but its ACL is granted by
	-- the scripts)
	SELECT 'pg_extension'::regclass, ext.oid, 0 FROM ext
	UNION ALL
	SELECT 'pg_namespace'::regclass, ext.extnamespace, 0 FROM ext
),
canon AS (
	SELECT pg_describe_object(o.classid, o.objid, o.objsubid) AS ident,
		   concat_ws(E'\\n',
			'kind: ' || o.classid::regclass::text
				|| CASE WHEN o.classid = 'pg_namespace'::regclass
							 AND o.objid = (SELECT extnamespace FROM ext)
						THEN ' (the schema of the extension)' ELSE '' END,
			-- comments (obj_description, col_description) and security labels
			(SELECT array_to_string(ARRAY(
				SELECT format('comment[%s]: %s', de.objsubid, de.description)
				FROM pg_description de
				WHERE de.classoid = o.classid AND de.objoid = o.objid
				ORDER BY de.objsubid), E'\\n')),
			(SELECT array_to_string(ARRAY(
				SELECT format('seclabel[%s] %s: %s', sl.objsubid, sl.provider, sl.label)
				FROM pg_seclabel sl
				WHERE sl.classoid = o.classid AND sl.objoid = o.objid
				ORDER BY sl.objsubid, sl.provider), E'\\n')),
			-- the privileges that pg_dump treats as the extension's own
			(SELECT array_to_string(ARRAY(
				SELECT format('init_privs[%s] %s: %s', ip.objsubid, ip.privtype, $acl_init)
				FROM pg_init_privs ip
				WHERE ip.classoid = o.classid AND ip.objoid = o.objid
				ORDER BY ip.objsubid, ip.privtype), E'\\n')),
			-- functions, procedures, aggregates
			(SELECT concat_ws(E'\\n',
				'owner: ' || p.proowner::regrole::text,
				'acl: ' || $acl_proc,
				format('prokind=%s language=%s volatility=%s strict=%s security_definer=%s leakproof=%s parallel=%s cost=%s rows=%s returns_set=%s',
					   p.prokind, l.lanname, p.provolatile, p.proisstrict, p.prosecdef,
					   p.proleakproof, p.proparallel, p.procost, p.prorows, p.proretset),
				'config: ' || coalesce(array_to_string(p.proconfig, ', '), 'none'),
				'arguments: ' || pg_get_function_arguments(p.oid),
				'result: ' || coalesce(pg_get_function_result(p.oid), 'none'),
				CASE WHEN p.prokind <> 'a' THEN 'definition: ' || pg_get_functiondef(p.oid) END)
			 FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
			 WHERE o.classid = 'pg_proc'::regclass AND p.oid = o.objid),
			-- tables, views, sequences, indexes, composite types' relations
			(SELECT concat_ws(E'\\n',
				'owner: ' || c.relowner::regrole::text,
				format('relkind=%s persistence=%s access_method=%s options=%s row_security=%s force_row_security=%s replica_identity=%s',
					   c.relkind, c.relpersistence, coalesce(am.amname, 'none'),
					   coalesce(array_to_string(c.reloptions, ','), 'none'),
					   c.relrowsecurity, c.relforcerowsecurity, c.relreplident),
				'acl: ' || $acl_rel,
				$columns_rel,
				CASE WHEN c.relkind IN ('v', 'm') THEN 'view: ' || pg_get_viewdef(c.oid, true) END,
				$constraints_rel,
				array_to_string(ARRAY(
					SELECT format('index %s primary=%s clustered=%s replica_identity=%s valid=%s',
								  pg_get_indexdef(i.indexrelid), i.indisprimary, i.indisclustered,
								  i.indisreplident, i.indisvalid)
					FROM pg_index i WHERE i.indrelid = c.oid ORDER BY 1), E'\\n'),
				array_to_string(ARRAY(
					SELECT format('trigger %s enabled=%s', pg_get_triggerdef(tg.oid, true), tg.tgenabled)
					FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal
					ORDER BY tg.tgname), E'\\n'),
				array_to_string(ARRAY(
					SELECT 'rule ' || pg_get_ruledef(r.oid, true)
					FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN'
					ORDER BY r.rulename), E'\\n'),
				array_to_string(ARRAY(
					SELECT format('policy %s command=%s permissive=%s roles=%s using=%s check=%s',
								  quote_ident(po.polname), po.polcmd, po.polpermissive,
								  array_to_string(ARRAY(
									SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE r::regrole::text END
									FROM unnest(po.polroles) r ORDER BY 1), ','),
								  pg_get_expr(po.polqual, po.polrelid),
								  pg_get_expr(po.polwithcheck, po.polrelid))
					FROM pg_policy po WHERE po.polrelid = c.oid ORDER BY po.polname), E'\\n'),
				(SELECT format('sequence type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s',
							   format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
							   s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
				 FROM pg_sequence s WHERE s.seqrelid = c.oid),
				array_to_string(ARRAY(
					SELECT format('owned by %s.%s (%s)', dd.refobjid::regclass, quote_ident(at.attname), dd.deptype)
					FROM pg_depend dd
						 JOIN pg_attribute at ON at.attrelid = dd.refobjid AND at.attnum = dd.refobjsubid
					WHERE dd.classid = 'pg_class'::regclass AND dd.objid = c.oid
					  AND dd.refclassid = 'pg_class'::regclass AND dd.refobjsubid > 0
					  AND dd.deptype IN ('a', 'i') AND c.relkind = 'S'
					ORDER BY 1), E'\\n'))
			 FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam
			 WHERE o.classid = 'pg_class'::regclass AND c.oid = o.objid),
			-- types: composite (their attributes), domains, enums, ranges
			(SELECT concat_ws(E'\\n',
				'owner: ' || t.typowner::regrole::text,
				format('typtype=%s category=%s length=%s by_value=%s align=%s storage=%s not_null=%s base_type=%s default=%s collation=%s',
					   t.typtype, t.typcategory, t.typlen, t.typbyval, t.typalign, t.typstorage,
					   t.typnotnull,
					   CASE WHEN t.typbasetype <> 0 THEN format_type(t.typbasetype, t.typtypmod) ELSE 'none' END,
					   coalesce(t.typdefault, 'none'),
					   CASE WHEN t.typcollation <> 0 THEN t.typcollation::regcollation::text ELSE 'none' END),
				format('io: %s %s %s %s %s %s %s %s',
					   t.typinput::regproc, t.typoutput::regproc, t.typreceive::regproc,
					   t.typsend::regproc, t.typmodin::regproc, t.typmodout::regproc,
					   t.typanalyze::regproc, t.typsubscript::regproc),
				'acl: ' || $acl_type,
				CASE WHEN t.typrelid <> 0 THEN $columns_type END,
				$constraints_type,
				CASE WHEN t.typtype = 'e' THEN 'enum: ' || array_to_string(ARRAY(
					SELECT en.enumlabel FROM pg_enum en WHERE en.enumtypid = t.oid
					ORDER BY en.enumsortorder), ',') END,
				(SELECT format('range subtype=%s opclass=%s collation=%s canonical=%s subdiff=%s multirange=%s',
							   format_type(rg.rngsubtype, NULL),
							   (SELECT oc.opcname FROM pg_opclass oc WHERE oc.oid = rg.rngsubopc),
							   rg.rngcollation, rg.rngcanonical::regproc, rg.rngsubdiff::regproc,
							   rg.rngmultitypid::regtype)
				 FROM pg_range rg WHERE rg.rngtypid = t.oid))
			 FROM pg_type t
			 WHERE o.classid = 'pg_type'::regclass AND t.oid = o.objid),
			-- schemas
			(SELECT concat_ws(E'\\n',
				'owner: ' || n.nspowner::regrole::text,
				'acl: ' || $acl_nsp)
			 FROM pg_namespace n
			 WHERE o.classid = 'pg_namespace'::regclass AND n.oid = o.objid),
			-- the extension (its version is checked on its own)
			(SELECT format('owner: %s%sschema: %s%srelocatable: %s%sconfiguration tables: %s %s',
						   e.extowner::regrole, E'\\n', e.extnamespace::regnamespace, E'\\n',
						   e.extrelocatable, E'\\n', e.extconfig::regclass[], e.extcondition)
			 FROM pg_extension e
			 WHERE o.classid = 'pg_extension'::regclass AND e.oid = o.objid)
		   ) AS body,
		   o.classid = 'pg_extension'::regclass OR o.classid = 'pg_namespace'::regclass
			   AND o.objid = (SELECT extnamespace FROM ext) AS extra
	FROM objects o
)
SELECT json_build_object(
	'members', (SELECT count(*) FROM canon WHERE NOT extra),
	'objects', (SELECT json_object_agg(ident, body ORDER BY ident) FROM canon))
};

# {members => N, objects => {identity => [lines]}} of database $db.
sub canonical
{
	my $db = shift;
	my $json = $node->safe_psql($db, $canon_sql);
	my $c = decode_json($json);
	$c->{objects}{$_} = [ split /\n/, $c->{objects}{$_} ] for keys %{ $c->{objects} };
	return $c;
}

sub extversion
{
	my $db = shift;
	return $node->safe_psql($db,
		q{SELECT extversion FROM pg_extension WHERE extname = 'pg_capacity'});
}

# What differs between two canonical sets, in lines a person can read.
sub differences
{
	my ($a, $an, $b, $bn) = @_;
	my @out;
	for my $k (sort keys %$a)
	{
		push @out, "only in $an: $k" unless exists $b->{$k};
	}
	for my $k (sort keys %$b)
	{
		push @out, "only in $bn: $k" unless exists $a->{$k};
	}
	for my $k (sort grep { exists $b->{$_} } keys %$a)
	{
		my %in_b = map { $_ => 1 } @{ $b->{$k} };
		my %in_a = map { $_ => 1 } @{ $a->{$k} };
		my @minus = grep { !$in_b{$_} } @{ $a->{$k} };
		my @plus = grep { !$in_a{$_} } @{ $b->{$k} };
		next unless @minus || @plus
		  || join("\n", @{ $a->{$k} }) ne join("\n", @{ $b->{$k} });
		push @out, "differs: $k";
		push @out, map { "  - $an: $_" } @minus;
		push @out, map { "  + $bn: $_" } @plus;
		push @out, '  (same lines, another order)' unless @minus || @plus;
	}
	return @out;
}

# ---- fresh install ----------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION pg_capacity');
is(extversion('fresh'), $version, "fresh: CREATE EXTENSION pg_capacity installs $version");
my $fresh = canonical('fresh');
cmp_ok($fresh->{members}, '>', 0, "fresh: $fresh->{members} extension members");
# every kind of member has its details in the text (the query saw it)
for my $k (sort keys %{ $fresh->{objects} })
{
	my $lines = $fresh->{objects}{$k};
	next unless $k =~ /^(function|type|table|view|sequence|index) /;
	ok((grep { /^owner: / } @$lines) && (grep { /^acl: / } @$lines),
		"fresh: the text of $k has its owner and ACL")
	  or diag(join("\n", @$lines));
}

# ---- every older version, updated ---------------------------------------------
for my $old (@old)
{
	(my $db = "from_$old") =~ s/\W/_/g;
	$node->safe_psql('postgres', qq{CREATE DATABASE "$db"});
	$node->safe_psql($db, "CREATE EXTENSION pg_capacity VERSION '$old'");
	is(extversion($db), $old, "$db: CREATE EXTENSION pg_capacity VERSION '$old'");
	$node->safe_psql($db, 'ALTER EXTENSION pg_capacity UPDATE');
	is(extversion($db), $version, "$db: ALTER EXTENSION pg_capacity UPDATE reaches $version");

	my $updated = canonical($db);
	is($updated->{members}, $fresh->{members},
		"$db: as many members as a fresh install ($fresh->{members})");
	my $same = is_deeply($updated->{objects}, $fresh->{objects},
		"$db: updated from $old = fresh $version (objects, definitions, privileges)");
	diag(join("\n", differences($fresh->{objects}, 'fresh', $updated->{objects}, "from $old")))
	  unless $same;
}

$node->stop;
done_testing();
