#!/usr/bin/perl
# deb-to-rpm-manifest.pl CONTROL [CONFFILES]
# Turns a Debian package's control file (as `dpkg-deb -e` writes it) into the YAML manifest
# `arbor rpm build` reads, for scripts/make-rpm-corpus.sh. Perl because perl-base is Essential:
# it is on every Debian machine the corpus is built on, with nothing to install.
#
# Mapping (Debian -> rpm):
#   Version [epoch:]upstream[-revision] -> epoch, version, release (revision, "0" when none);
#     rpm forbids '-' in a version, so a '-' left in upstream becomes '_' (both sort as separators)
#   Architecture amd64 -> x86_64, all -> noarch
#   Depends, Pre-Depends -> requires; Provides -> provides; Conflicts, Breaks -> conflicts
#   relations >> -> >, << -> <, >=, <=, = (the obsolete > and < mean >= and <=); the version
#     always carries a release ("-0" when Debian gives no revision), as dpkg compares revisions
#   alternatives "a | b (>= 1)" -> the rich dependency "(a or b >= 1)"; ":any"/":native" dropped
#   conffiles -> files flagged [config, noreplace] (dpkg keeps local edits, as noreplace does)
# Maintainer scripts are not carried: Debian's scripts drive dpkg's own tools (update-alternatives,
# dpkg-maintscript-helper, debconf) against dpkg's database, which an rpm transaction does not have.
use strict;
use warnings;

my ($control, $conffiles) = @ARGV;
die "usage: $0 CONTROL [CONFFILES]\n" unless defined $control;

my %f;
my $last;
open(my $in, '<', $control) or die "$0: $control: $!\n";
while (my $line = <$in>) {
    chomp $line;
    if ($line =~ /^([A-Za-z0-9-]+):\s*(.*)$/) { $last = lc $1; $f{$last} = $2; }
    elsif ($line =~ /^\s/ && defined $last) { $f{$last} .= "\n" . $line; }
}
close $in;
for my $k (qw(package version architecture)) {
    die "$0: $control: no '$k' field\n" unless defined $f{$k} && $f{$k} ne '';
}

sub evr {
    my ($v) = @_;
    my ($e, $rest) = $v =~ /^(\d+):(.*)$/ ? ($1, $2) : (undef, $v);
    my ($u, $r) = $rest =~ /^(.*)-([^-]*)$/ ? ($1, $2) : ($rest, undef);
    $u =~ tr/-/_/;
    return ($e, $u, $r);
}

sub evr_text {
    my ($e, $u, $r) = evr($_[0]);
    # A Debian version without revision equals the same version with revision "0" (dpkg compares an
    # empty revision as 0), and so does the package's release here; spelling the release out makes
    # rpm compare it too: "libc6 (>> 2.36)" must be met by 2.36-9, and rpm ignores the release of
    # the installed side when the dependency names none.
    return (defined $e ? "$e:" : '') . $u . '-' . ($r // '0');
}

my %ops = ('>>' => '>', '<<' => '<', '>=' => '>=', '<=' => '<=', '=' => '=', '>' => '>=', '<' => '<=');

sub one_dep {
    my ($text, $field) = @_;
    $text =~ s/^\s+|\s+$//g;
    $text =~ /^([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?\s*(?:\(\s*(>>|<<|>=|<=|=|>|<)\s*([^)\s]+)\s*\))?\s*(?:\[[^]]*\])?$/
        or die "$0: $control: $field: cannot read '$text'\n";
    my ($name, $op, $ver) = ($1, $2, $3);
    return defined $op ? "$name $ops{$op} " . evr_text($ver) : $name;
}

sub deps {
    my ($field) = @_;
    return () unless defined $f{$field} && $f{$field} =~ /\S/;
    my @out;
    for my $clause (split /,/, $f{$field}) {
        next unless $clause =~ /\S/;
        my @alts = map { one_dep($_, $field) } split /\|/, $clause;
        push @out, @alts == 1 ? $alts[0] : '(' . join(' or ', @alts) . ')';
    }
    return @out;
}

sub yq { my ($s) = @_; $s =~ s/'/''/g; return "'$s'"; }

sub list {
    my ($key, @items) = @_;
    my %seen;
    @items = grep { !$seen{$_}++ } @items;
    return '' unless @items;
    return "$key:\n" . join('', map { "  - " . yq($_) . "\n" } @items);
}

my ($e, $u, $r) = evr($f{version});
my %arch = (amd64 => 'x86_64', all => 'noarch', arm64 => 'aarch64', i386 => 'i686');
my $arch = $arch{$f{architecture}} // die "$0: $control: architecture '$f{architecture}' has no rpm name here\n";
my $summary = (split /\n/, $f{description} // $f{package})[0];

my $y = '';
$y .= "name: " . yq($f{package}) . "\n";
$y .= "version: " . yq($u) . "\n";
$y .= "release: " . yq($r // '0') . "\n";
$y .= "epoch: $e\n" if defined $e;
$y .= "arch: $arch\n";
$y .= "summary: " . yq($summary) . "\n";
$y .= "description: " . yq($summary) . "\n";
$y .= "license: " . yq('see /usr/share/doc/' . $f{package} . '/copyright') . "\n";
$y .= "url: " . yq($f{homepage}) . "\n" if defined $f{homepage};
$y .= "build_time: 1700000000\n";
$y .= list('requires', deps('pre-depends'), deps('depends'));
$y .= list('provides', deps('provides'));
$y .= list('conflicts', deps('conflicts'), deps('breaks'));
if (defined $conffiles && -s $conffiles) {
    open(my $cf, '<', $conffiles) or die "$0: $conffiles: $!\n";
    my @paths;
    while (my $line = <$cf>) {
        # "PATH" or, since dpkg 1.20, "FLAG PATH" (remove-on-upgrade): the path is the word with a '/'.
        my ($path) = grep { m{^/} } split ' ', $line;
        push @paths, $path if defined $path;
    }
    close $cf;
    $y .= "files:\n" . join('', map { "  " . yq($_) . ": [config, noreplace]\n" } @paths) if @paths;
}
print $y;
