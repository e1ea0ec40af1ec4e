#!/usr/bin/env perl
# check-meta.pl: META.json against the PGXN Meta Spec 1.0.0 (https://pgxn.org/spec/)
#
#   perl test/scripts/check-meta.pl [--control pg_capacity.control] [META.json]
#
# No validator of the spec is packaged for this machine (PGXN::Meta::Validator
# is on CPAN only; the pgxn client does not validate), so this is a small one,
# written from the spec: the required keys, the type and format of every key
# the spec defines (SemVer versions, Terms, Tags, license shortcuts, version
# ranges of prereqs, the meta-spec object), no unknown keys but x_/X_ custom
# ones, and the paths of provides naming files of the distribution (relative
# to META.json's directory).  With --control it also checks that the
# distribution version, every provided extension's version and the control
# file's default_version agree.
#
# Prints one line per problem and "META.json: ok" or "META.json: N problems";
# exit status 0 when valid, 1 when not, 2 on usage errors.
use strict;
use warnings;

use File::Basename qw(dirname);
use File::Spec;
use JSON::PP;

my ($control, $file);
while (@ARGV)
{
	my $a = shift @ARGV;
	if ($a eq '--control') { $control = shift @ARGV // usage(); }
	elsif ($a =~ /^-/) { usage(); }
	else { usage() if defined $file; $file = $a; }
}
$file //= 'META.json';

sub usage
{
	print STDERR "usage: check-meta.pl [--control FILE.control] [META.json]\n";
	exit 2;
}

my @problems;
sub problem { push @problems, join('', @_); }

# SemVer 2.0.0 (the spec's "Version").
my $semver = qr/(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)
	(?:-(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*)?
	(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?/x;

my %license_shortcut = map { $_ => 1 } qw(
  agpl_3 apache_1_1 apache_2_0 artistic_1 artistic_2 bsd freebsd gfdl_1_2
  gfdl_1_3 gpl_1 gpl_2 gpl_3 lgpl_2_1 lgpl_3_0 mit mozilla_1_0 mozilla_1_1
  openssl perl_5 postgresql qpl_1_0 ssleay sun zlib open_source restricted
  unrestricted unknown);

sub is_string { my $v = shift; return defined $v && !ref $v && !is_number($v); }

sub is_number
{
	my $v = shift;
	return 0 unless defined $v && !ref $v;
	# JSON::PP keeps the JSON type in the scalar's flags.
	my $b = B::svref_2object(\$v);
	my $flags = $b->FLAGS;
	return ($flags & (B::SVp_IOK() | B::SVp_NOK())) && !($flags & B::SVp_POK()) ? 1 : 0;
}
use B ();

sub is_object { return ref $_[0] eq 'HASH'; }
sub is_array { return ref $_[0] eq 'ARRAY'; }
sub custom_key { return $_[0] =~ /^[xX]_./; }

sub check_string
{
	my ($where, $v) = @_;
	if (!is_string($v) || $v eq '') { problem("$where: must be a non-empty string"); return 0; }
	return 1;
}

sub check_version
{
	my ($where, $v) = @_;
	check_string($where, $v) or return;
	problem("$where: \"$v\" is not a SemVer version (MAJOR.MINOR.PATCH)") unless $v =~ /^$semver$/;
}

# Term: at least two characters, no slash, backslash, whitespace or control characters.
sub check_term
{
	my ($where, $v) = @_;
	check_string($where, $v) or return;
	problem("$where: \"$v\" is not a Term (2+ characters, no / \\ whitespace or control characters)")
	  unless $v =~ /^[^\/\\\s[:cntrl:]]{2,}$/;
}

# Tag: 2 to 255 characters, no slash, backslash or control characters.
sub check_tag
{
	my ($where, $v) = @_;
	check_string($where, $v) or return;
	problem("$where: \"$v\" is not a Tag (2 to 255 characters, no / \\ or control characters)")
	  unless $v =~ /^[^\/\\[:cntrl:]]{2,255}$/;
}

sub check_uri
{
	my ($where, $v) = @_;
	check_string($where, $v) or return;
	problem("$where: \"$v\" is not a URI") unless $v =~ /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
}

# A path of the distribution, relative, with Unix conventions, that exists.
sub check_path
{
	my ($where, $v, $root) = @_;
	check_string($where, $v) or return;
	if ($v =~ m{^/} || $v =~ /\\/ || $v =~ m{(^|/)\.\.(/|$)})
	{
		problem("$where: \"$v\" must be a relative Unix path inside the distribution");
		return;
	}
	problem("$where: \"$v\" does not exist in the distribution") unless -f File::Spec->catfile($root, $v);
}

# Version range: 0, a version, or comparisons (< <= > >= == !=) AND-ed with commas.
sub check_range
{
	my ($where, $v) = @_;
	return if defined $v && !ref $v && "$v" eq '0';
	if (!is_string($v))
	{
		problem("$where: a version range must be 0 or a string");
		return;
	}
	for my $part (split /,/, $v, -1)
	{
		next if $part =~ /^\s*(?:(?:[=!]=|[<>]=?)\s*)?$semver\s*$/;
		problem("$where: \"$v\" is not a version range (\"1.2.0\", \">= 1.2.0, < 2.0.0\" or 0)");
		return;
	}
}

sub check_keys
{
	my ($where, $obj, @allowed) = @_;
	my %ok = map { $_ => 1 } @allowed;
	for my $k (sort keys %$obj)
	{
		problem("$where: unknown key \"$k\" (custom keys start with x_)") unless $ok{$k} || custom_key($k);
	}
}

open(my $fh, '<:raw', $file) or do { print "$file: cannot open: $!\n"; exit 1; };
my $text = do { local $/; <$fh> };
close $fh;
my $meta = eval { JSON::PP->new->utf8->decode($text) };
if (!defined $meta)
{
	print "$file: not valid JSON: $@";
	print "$file: 1 problems\n";
	exit 1;
}
my $root = dirname(File::Spec->rel2abs($file));

if (!is_object($meta))
{
	problem("top level: must be an object");
	$meta = {};
}

my @known = qw(name version abstract maintainer license provides meta-spec
  description generated_by tags no_index prereqs release_status resources);
for my $k (qw(name version abstract maintainer license provides meta-spec))
{
	problem("required key \"$k\" is missing") unless exists $meta->{$k};
}
check_keys('top level', $meta, @known);

# meta-spec first: a consumer stops here if it does not know the version.
if (exists $meta->{'meta-spec'})
{
	my $ms = $meta->{'meta-spec'};
	if (!is_object($ms)) { problem('meta-spec: must be an object'); }
	else
	{
		check_keys('meta-spec', $ms, qw(version url));
		if (!exists $ms->{version}) { problem('meta-spec.version: required'); }
		elsif (!is_string($ms->{version}) || $ms->{version} !~ /^1\.0\.\d+$/)
		{
			problem('meta-spec.version: must be "1.0.x" for this checker');
		}
		if (exists $ms->{url} && !(is_string($ms->{url})
				&& $ms->{url} =~ m{^https?://pgxn\.org/meta/spec\.txt$}))
		{
			problem('meta-spec.url: must be https://pgxn.org/meta/spec.txt');
		}
	}
}

check_term('name', $meta->{name}) if exists $meta->{name};
check_version('version', $meta->{version}) if exists $meta->{version};
for my $k (qw(abstract description generated_by))
{
	check_string($k, $meta->{$k}) if exists $meta->{$k};
}

if (exists $meta->{maintainer})
{
	my $m = $meta->{maintainer};
	if (is_array($m))
	{
		problem('maintainer: an empty list') unless @$m;
		check_string("maintainer[$_]", $m->[$_]) for 0 .. $#$m;
	}
	else { check_string('maintainer', $m); }
}

if (exists $meta->{license})
{
	my $l = $meta->{license};
	if (is_object($l))
	{
		problem('license: an empty object') unless %$l;
		check_uri("license.$_", $l->{$_}) for sort keys %$l;
	}
	else
	{
		my @l = is_array($l) ? @$l : ($l);
		problem('license: an empty list') unless @l;
		for my $s (@l)
		{
			problem('license: "' . ($s // 'null') . '" is not a license shortcut of the spec (or use {"name": "url"})')
			  unless is_string($s) && $license_shortcut{$s};
		}
	}
}

if (exists $meta->{provides})
{
	my $p = $meta->{provides};
	if (!is_object($p) || !%$p) { problem('provides: must be an object naming at least one extension'); }
	else
	{
		for my $ext (sort keys %$p)
		{
			my $e = $p->{$ext};
			check_term("provides key \"$ext\"", $ext);
			if (!is_object($e)) { problem("provides.$ext: must be an object"); next; }
			check_keys("provides.$ext", $e, qw(file version abstract docfile));
			for my $k (qw(file version))
			{
				problem("provides.$ext.$k: required") unless exists $e->{$k};
			}
			check_path("provides.$ext.file", $e->{file}, $root) if exists $e->{file};
			check_version("provides.$ext.version", $e->{version}) if exists $e->{version};
			check_string("provides.$ext.abstract", $e->{abstract}) if exists $e->{abstract};
			check_path("provides.$ext.docfile", $e->{docfile}, $root) if exists $e->{docfile};
		}
	}
}

if (exists $meta->{tags})
{
	my $t = $meta->{tags};
	if (!is_array($t) || !@$t) { problem('tags: must be a non-empty list'); }
	else { check_tag("tags[$_]", $t->[$_]) for 0 .. $#$t; }
}

if (exists $meta->{no_index})
{
	my $n = $meta->{no_index};
	if (!is_object($n)) { problem('no_index: must be an object'); }
	else
	{
		check_keys('no_index', $n, qw(file directory));
		for my $k (qw(file directory))
		{
			next unless exists $n->{$k};
			my @v = is_array($n->{$k}) ? @{ $n->{$k} } : ($n->{$k});
			check_string("no_index.$k", $_) for @v;
		}
	}
}

if (exists $meta->{prereqs})
{
	my $pr = $meta->{prereqs};
	if (!is_object($pr) || !%$pr) { problem('prereqs: must be a non-empty object'); }
	else
	{
		check_keys('prereqs', $pr, qw(configure build test runtime develop));
		for my $phase (sort grep { !custom_key($_) } keys %$pr)
		{
			my $ph = $pr->{$phase};
			if (!is_object($ph) || !%$ph) { problem("prereqs.$phase: must be a non-empty object"); next; }
			check_keys("prereqs.$phase", $ph, qw(requires recommends suggests conflicts));
			for my $rel (sort grep { !custom_key($_) } keys %$ph)
			{
				my $r = $ph->{$rel};
				if (!is_object($r)) { problem("prereqs.$phase.$rel: must be an object"); next; }
				for my $dep (sort keys %$r)
				{
					check_term("prereqs.$phase.$rel key \"$dep\"", $dep);
					check_range("prereqs.$phase.$rel.$dep", $r->{$dep});
				}
			}
		}
	}
}

if (exists $meta->{release_status})
{
	my $s = $meta->{release_status};
	problem('release_status: must be one of stable, testing, unstable')
	  unless is_string($s) && $s =~ /^(?:stable|testing|unstable)$/;
}

if (exists $meta->{resources})
{
	my $r = $meta->{resources};
	if (!is_object($r) || !%$r) { problem('resources: must be a non-empty object'); }
	else
	{
		check_keys('resources', $r, qw(homepage bugtracker repository));
		check_uri('resources.homepage', $r->{homepage}) if exists $r->{homepage};
		if (exists $r->{bugtracker})
		{
			my $b = $r->{bugtracker};
			if (!is_object($b) || !%$b) { problem('resources.bugtracker: must be a non-empty object'); }
			else
			{
				check_keys('resources.bugtracker', $b, qw(web mailto));
				check_uri('resources.bugtracker.web', $b->{web}) if exists $b->{web};
				check_string('resources.bugtracker.mailto', $b->{mailto}) if exists $b->{mailto};
			}
		}
		if (exists $r->{repository})
		{
			my $g = $r->{repository};
			if (!is_object($g) || !%$g) { problem('resources.repository: must be a non-empty object'); }
			else
			{
				check_keys('resources.repository', $g, qw(url web type));
				check_uri('resources.repository.url', $g->{url}) if exists $g->{url};
				check_uri('resources.repository.web', $g->{web}) if exists $g->{web};
				if (exists $g->{type})
				{
					problem('resources.repository.type: must be a lower-case word such as "git"')
					  unless is_string($g->{type}) && $g->{type} =~ /^[a-z]+$/;
				}
			}
		}
	}
}

# This tree: META.json, the provided extensions and the control file agree.
if (defined $control)
{
	my $default;
	if (open(my $cf, '<', $control))
	{
		while (<$cf>)
		{
			$default = $1 if /^\s*default_version\s*=\s*'([^']+)'/;
		}
		close $cf;
	}
	if (!defined $default) { problem("$control: no default_version"); }
	else
	{
		problem("version \"" . ($meta->{version} // '') . "\" differs from $control default_version \"$default\"")
		  unless defined $meta->{version} && !ref $meta->{version} && $meta->{version} eq $default;
		my $p = is_object($meta->{provides}) ? $meta->{provides} : {};
		for my $ext (sort keys %$p)
		{
			next unless is_object($p->{$ext}) && defined $p->{$ext}{version};
			problem("provides.$ext.version \"$p->{$ext}{version}\" differs from $control default_version \"$default\"")
			  unless $p->{$ext}{version} eq $default;
		}
	}
}

print "$file: $_\n" for @problems;
if (@problems)
{
	print "$file: " . scalar(@problems) . " problems\n";
	exit 1;
}
print "$file: ok\n";
exit 0;
