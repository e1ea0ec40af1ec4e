# Without shared_preload_libraries: the extension installs, metrics() works,
# the sampler functions say what to do (SQLSTATE 55000, a hint naming
# shared_preload_libraries), and no sampler runs.  Also the packaging:
# META.json against the PGXN Meta Spec, its versions agree with the control
# file and the install scripts, and every older version has an update path.
use strict;
use warnings;

use File::Basename qw(dirname);
use File::Compare qw(compare);
use File::Spec;
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $srcdir = File::Spec->rel2abs(File::Spec->catdir(dirname(__FILE__), '..', '..'));

my $node = PostgreSQL::Test::Cluster->new('no_preload');
$node->init;
$node->append_conf('postgresql.conf', "lc_messages = 'C'\n");
$node->start;

is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'), '',
	'nothing preloaded');

$node->safe_psql('postgres', 'CREATE EXTENSION pg_capacity');
is( $node->safe_psql(
		'postgres',
		q{SELECT extversion || ' ' || extnamespace::regnamespace FROM pg_extension WHERE extname = 'pg_capacity'}),
	default_version() . ' capacity',
	'CREATE EXTENSION works without preload');

my $nmetrics = 30;				# postgres_cpu_pct appended in 0.5.0
is($node->safe_psql('postgres', 'SELECT count(*) FROM capacity.metrics()'),
	$nmetrics, 'metrics() works without preload');

my @calls = (
	'SELECT * FROM capacity.latest()',
	q{SELECT * FROM capacity.history('tps')},
	'SELECT * FROM capacity.sampler_status()',
	'SELECT * FROM capacity.tps_capacity()',
	'SELECT capacity.reset_history()');
for my $q (@calls)
{
	my ($ret, $out, $err) =
	  $node->psql('postgres', "\\set VERBOSITY verbose\n$q;");
	isnt($ret, 0, "$q fails without preload");
	like(
		$err,
		qr/ERROR:\s+55000: pg_capacity must be loaded via "shared_preload_libraries"/,
		"$q: SQLSTATE 55000 and the message");
	like($err, qr/HINT:.*shared_preload_libraries/,
		"$q: hint names shared_preload_libraries");
}

# The library is loaded in this backend now; still no worker anywhere.
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM capacity.metrics();
		  SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pg_capacity sampler'}),
	"$nmetrics\n0",
	'no pg_capacity sampler without preload');

# DROP EXTENSION works as well (PostgreSQL keeps the schema it created for
# the control file's schema = capacity; the functions go).
$node->safe_psql('postgres', 'DROP EXTENSION pg_capacity');
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'capacity'}),
	'0',
	'DROP EXTENSION removes the functions');

# ---- packaging ------------------------------------------------------------
sub default_version
{
	my $control = "$srcdir/pg_capacity.control";
	open(my $fh, '<', $control) or die "cannot open $control: $!";
	while (<$fh>)
	{
		return $1 if /^\s*default_version\s*=\s*'([^']+)'/;
	}
	die "no default_version in $control";
}

my $version = default_version();
like($version, qr/^\d+\.\d+\.\d+$/, "control default_version $version is semantic");

my $meta_file = "$srcdir/META.json";
ok(-f $meta_file, 'META.json exists');
my $meta = eval {
	open(my $fh, '<', $meta_file) or die "cannot open $meta_file: $!";
	local $/;
	decode_json(<$fh>);
};
ok($meta, 'META.json is valid JSON') or diag($@);
$meta //= {};

is($meta->{'meta-spec'}{version}, '1.0.0', 'META.json: PGXN meta-spec 1.0.0');
is($meta->{name}, 'pg_capacity', 'META.json: name');
is($meta->{version}, $version, 'META.json version = control default_version');
ok(exists $meta->{provides}{pg_capacity}, 'META.json provides pg_capacity');
is($meta->{provides}{pg_capacity}{version},
	$version, 'META.json provides.pg_capacity.version = control default_version');
for my $ext (sort keys %{ $meta->{provides} // {} })
{
	my $file = $meta->{provides}{$ext}{file};
	ok(defined $file && -f "$srcdir/$file", "META.json provides.$ext.file exists")
	  or diag('file: ' . ($file // 'undef'));
}

# Install and upgrade scripts: every version they name is a version the
# server offers, the default version has an install script, and no script
# names a version newer than the default.
my @scripts = map { (File::Spec->splitpath($_))[2] } glob("$srcdir/sql/pg_capacity--*.sql");
ok(scalar(@scripts) >= 1, 'install scripts exist: ' . join(' ', @scripts));
my %script_versions;
for my $s (@scripts)
{
	if ($s =~ /^pg_capacity--([^-]+(?:-[^-]+)*?)\.sql$/ && $s !~ /--.*--/)
	{
		$script_versions{$1} = 1;
	}
	elsif ($s =~ /^pg_capacity--(.+)--(.+)\.sql$/)
	{
		$script_versions{$1} = 1;
		$script_versions{$2} = 1;
	}
	else
	{
		fail("unexpected script name $s");
	}
}
# The default version has a full install script of its own: make copies the
# one source, sql/pg_capacity.sql, to sql/pg_capacity--VERSION.sql (not the
# base script and the update scripts, as before 0.4.0).
my @install_versions = grep { -f "$srcdir/sql/pg_capacity--$_.sql" } keys %script_versions;
ok(-f "$srcdir/sql/pg_capacity.sql", 'sql/pg_capacity.sql, the install script of the current version, exists');
ok((grep { $_ eq $version } @install_versions),
	"the default version $version has its own install script: " . join(' ', sort @install_versions));
is(compare("$srcdir/sql/pg_capacity--$version.sql", "$srcdir/sql/pg_capacity.sql"),
	0, "sql/pg_capacity--$version.sql is the copy of sql/pg_capacity.sql");
is($meta->{provides}{pg_capacity}{file},
	'sql/pg_capacity.sql', 'META.json provides.pg_capacity.file is the install script of the current version');

# META.json against the PGXN Meta Spec (test/scripts/check-meta.pl, also
# "make metacheck"), and the checker rejects what the spec rejects.
my $checker = "$srcdir/test/scripts/check-meta.pl";
my ($ok, $out, $err) = run_checker($meta_file);
ok($ok, 'META.json passes check-meta.pl (PGXN Meta Spec 1.0.0)') or diag("$out$err");
{
	my $bad_dir = PostgreSQL::Test::Utils::tempdir();
	my %bad = %$meta;
	$bad{version} = '0.4';
	$bad{release_status} = 'beta';
	$bad{license} = 'PostgreSQL';
	open(my $fh, '>', "$bad_dir/META.json") or die "cannot write $bad_dir/META.json: $!";
	print $fh encode_json(\%bad);
	close $fh;
	($ok, $out, $err) = run_checker("$bad_dir/META.json");
	ok(!$ok, 'check-meta.pl rejects a META.json that breaks the spec');
	like($out, qr/not a SemVer version/, '... a version that is not SemVer');
	like($out, qr/release_status: must be one of/, '... an unknown release_status');
	like($out, qr/not a license shortcut/, '... an unknown license shortcut');
	like($out, qr/does not exist in the distribution/, '... a provides file that is not there');
}

sub run_checker
{
	my $file = shift;
	my ($stdout, $stderr) = ('', '');
	my $ok = IPC::Run::run([ $^X, $checker, '--control', "$srcdir/pg_capacity.control", $file ],
		'>', \$stdout, '2>', \$stderr);
	return ($ok, $stdout, $stderr);
}

sub vcmp
{
	my @a = split /\./, shift;
	my @b = split /\./, shift;
	for my $i (0 .. 2)
	{
		my $c = ($a[$i] // 0) <=> ($b[$i] // 0);
		return $c if $c;
	}
	return 0;
}
for my $v (sort keys %script_versions)
{
	ok(vcmp($v, $version) <= 0, "script version $v <= default_version $version");
}

my $available = $node->safe_psql('postgres',
	q{SELECT string_agg(version, ' ' ORDER BY version) FROM pg_available_extension_versions WHERE name = 'pg_capacity'});
my %available = map { $_ => 1 } split ' ', $available;
for my $v (sort keys %script_versions)
{
	ok($available{$v}, "version $v of the scripts is offered by the server ($available)");
}
is($node->safe_psql('postgres',
		q{SELECT default_version FROM pg_available_extensions WHERE name = 'pg_capacity'}),
	$version, 'installed control file has the same default_version');

# Every older version the server offers reaches the default version through
# update scripts.  That an updated installation ends with exactly the objects,
# definitions and privileges of a fresh one is test/t/014_update_path.pl.
my @older = grep { $_ ne $version } sort keys %available;
ok(scalar(@older) >= 1, 'older versions are offered: ' . join(' ', @older));
for my $base (@older)
{
	is($node->safe_psql('postgres',
			qq{SELECT path IS NOT NULL FROM pg_extension_update_paths('pg_capacity') WHERE source = '$base' AND target = '$version'}),
		't', "update path $base -> $version exists");
}

$node->stop;
done_testing();
