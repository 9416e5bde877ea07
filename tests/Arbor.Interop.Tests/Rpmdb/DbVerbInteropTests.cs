// `arbor db list|diff` against what rpm-ostree prints. Two commits made by the real `ostree commit`:
// "a" holds an rpmdb written by real `rpm --justdb` and no package-list metadata (so the rpmdb is
// read), "b" holds Arbor's rpmdb and the rpmostree.rpmdb.pkglist key built by Arbor. The expected
// text is written from rpm-ostree's printers (rpmostree-db-builtin-list.cxx, -diff.cxx,
// rpmostree-util.cxx rpmostree_diff_print[_formatted], rpm-util.cxx rpmhdrs_diff_prnt_block) and
// the package sets are checked against `rpm -qa` over the same databases.
using Arbor.Compose.Rpmdb;
using Arbor.Ostree.GVariant;
using Arbor.Rpm.Package;
using Arbor.Rpm.Rpmdb;

namespace Arbor.Interop.Tests.Rpmdb;

public sealed class DbCommitsFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("arbor-dbverb-").FullName;

    public string Repo => Path.Combine(Dir, "repo");

    public string RootA => Path.Combine(Dir, "tree-a");

    public string RootB => Path.Combine(Dir, "tree-b");

    public string CommitA { get; }

    public string CommitB { get; }

    public string CommitNone { get; }

    private static string Spec(string name, string epochVersionRelease, string arch, string changelog)
    {
        var evr = Arbor.Rpm.Version.Evr.Parse(epochVersionRelease);
        return $$"""
            Name: {{name}}
            {{(evr.Epoch is null ? "" : "Epoch: " + evr.Epoch)}}
            Version: {{evr.Version}}
            Release: {{evr.Release}}
            Summary: {{name}} for the db tests
            License: MIT
            BuildArch: {{arch}}
            %description
            {{name}}.
            %install
            mkdir -p %{buildroot}/usr/share/{{name}}
            echo {{epochVersionRelease}} > %{buildroot}/usr/share/{{name}}/version
            %files
            /usr/share/{{name}}/version
            %changelog
            {{changelog}}
            """;
    }

    private const string FirstEntry = "* Mon Jan 01 2024 Ann Author <ann@example.org> - 2:1.2~rc1-3\n- first entry";

    public DbCommitsFixture()
    {
        var rpm = Tools.Require("rpm", "apt-get install -y rpm");
        var v1 = new[]
        {
            Build("hello", "2:1.2~rc1-3", "noarch", FirstEntry),
            Build("tool", "3.0-1.fc40", "x86_64", "* Mon Jan 01 2024 T <t@example.org> - 3.0-1\n- tool"),
            Build("gone", "1.0-1", "noarch", "* Mon Jan 01 2024 G <g@example.org> - 1.0-1\n- gone"),
            Build("same", "5-1", "noarch", "* Mon Jan 01 2024 S <s@example.org> - 5-1\n- same"),
        };
        var v2 = new[]
        {
            Build("hello", "2:1.3-1", "noarch", "* Tue Jan 02 2024 Ann Author <ann@example.org> - 2:1.3-1\n- second entry\n- more\n\n" + FirstEntry),
            Build("tool", "2.9-1", "x86_64", "* Mon Jan 01 2024 T <t@example.org> - 2.9-1\n- older tool"),
            Build("newpkg", "1-1", "noarch", "* Mon Jan 01 2024 N <n@example.org> - 1-1\n- new"),
            v1[3],
        };
        Tools.OstreeOk("init", "--repo=" + Repo, "--mode=archive");

        Directory.CreateDirectory(Path.Combine(RootA, "usr/share/rpm"));
        Tools.RunOk(rpm, ["--root", RootA, "--dbpath", "/usr/share/rpm", "-i", "--justdb", "--nodeps", "--noscripts", .. v1]);
        File.Delete(Path.Combine(RootA, "usr/share/rpm/.rpm.lock"));
        CommitA = Tools.OstreeOk("commit", "--repo=" + Repo, "-b", "a", "--tree=dir=" + RootA, "-s", "a").Stdout.Trim();

        var packages = v2.Select(p =>
        {
            using var pkg = RpmPackage.Open(p);
            return RpmdbPackage.From(pkg);
        }).ToList();
        RpmdbWriter.Write(Path.Combine(RootB, "usr/share/rpm"), packages, InstallStamp.At(DateTimeOffset.FromUnixTimeSeconds(1750000000)));
        var list = PackageList.FromHeaders(packages.Select(p => p.Header));
        string text = PackageList.ToVariant(list).Print(typeAnnotate: true);
        CommitB = Tools.OstreeOk("commit", "--repo=" + Repo, "-b", "b", "--tree=dir=" + RootB, "-s", "b",
            "--add-metadata=" + PackageList.MetadataKey + "=" + text).Stdout.Trim();

        var empty = Path.Combine(Dir, "tree-none");
        Directory.CreateDirectory(Path.Combine(empty, "usr/bin"));
        File.WriteAllText(Path.Combine(empty, "usr/bin/x"), "x");
        CommitNone = Tools.OstreeOk("commit", "--repo=" + Repo, "-b", "none", "--tree=dir=" + empty, "-s", "none").Stdout.Trim();
    }

    private string Build(string name, string evr, string arch, string changelog)
    {
        var top = Path.Combine(Dir, $"build-{name}-{evr.Replace(':', '_')}");
        Directory.CreateDirectory(top);
        var spec = Path.Combine(top, name + ".spec");
        File.WriteAllText(spec, Spec(name, evr, arch, changelog) + "\n");
        Tools.RunOk(Tools.Require("rpmbuild", "apt-get install -y rpm"), "-bb", "--quiet", "--define", $"_topdir {top}",
            "--define", "_build_id_links none", spec);
        return Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories).Single();
    }

    /// <summary>rpm -qa over a tree's database, as rpm-ostree formats NEVRAs (epoch only when set), sorted by name.</summary>
    public static string[] RpmQa(string root)
    {
        var r = Tools.RunOk(Tools.Require("rpm", "apt-get install -y rpm"), "--root", root, "--dbpath", "/usr/share/rpm", "-qa",
            "--qf", "%{NAME}-%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}.%{ARCH}\\n");
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
    }

    public void Dispose() => Directory.Delete(Dir, true);
}

public sealed class DbVerbInteropTests(DbCommitsFixture fx) : IClassFixture<DbCommitsFixture>
{
    private string Repo => "--repo=" + fx.Repo;

    [Fact]
    public void List_reads_the_rpmdb_without_the_key_and_the_key_when_present()
    {
        var r = Tools.ArborOk("db", "list", Repo, "a", "b");
        string expected = $"ostree commit: a ({fx.CommitA})\n"
            + string.Concat(DbCommitsFixture.RpmQa(fx.RootA).Select(n => $" {n}\n"))
            + $"ostree commit: b ({fx.CommitB})\n"
            + string.Concat(DbCommitsFixture.RpmQa(fx.RootB).Select(n => $" {n}\n"));
        Assert.Equal(expected, r.Stdout);
        Assert.Contains(" hello-2:1.2~rc1-3.noarch\n", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void List_by_checksum_prints_the_checksum_once()
    {
        var r = Tools.ArborOk("db", "list", Repo, fx.CommitB);
        Assert.StartsWith($"ostree commit: {fx.CommitB}\n hello-2:1.3-1.noarch\n", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void List_with_patterns_matches_name_nevra_na_and_nvr_case_insensitively()
    {
        var r = Tools.ArborOk("db", "list", Repo, "a", "HEL*", "tool.x86_64", "gone-1.0-1");
        Assert.Equal($"ostree commit: a ({fx.CommitA})\n gone-1.0-1.noarch\n hello-2:1.2~rc1-3.noarch\n tool-3.0-1.fc40.x86_64\n", r.Stdout);
    }

    [Fact]
    public void Diff_block_has_rpm_ostrees_sections()
    {
        var r = Tools.ArborOk("db", "diff", Repo, "a", "b");
        Assert.Equal(
            $"ostree diff commit from: a ({fx.CommitA})\n" +
            $"ostree diff commit to:   b ({fx.CommitB})\n" +
            "Upgraded:\n  hello 2:1.2~rc1-3 -> 2:1.3-1\n" +
            "Downgraded:\n  tool 3.0-1.fc40 -> 2.9-1\n" +
            "Removed:\n  gone-1.0-1.noarch\n" +
            "Added:\n  newpkg-1-1.noarch\n", r.Stdout);
    }

    [Fact]
    public void Diff_format_diff_merges_in_package_order()
    {
        var r = Tools.ArborOk("db", "diff", Repo, "--format=diff", fx.CommitA, "b");
        Assert.Equal(
            $"ostree diff commit from: {fx.CommitA}\n" +
            $"ostree diff commit to:   b ({fx.CommitB})\n" +
            "-gone-1.0-1.noarch\n!hello-2:1.2~rc1-3.noarch\n=hello-2:1.3-1.noarch\n+newpkg-1-1.noarch\n" +
            "!tool-3.0-1.fc40.x86_64\n=tool-2.9-1.x86_64\n", r.Stdout);
    }

    [Fact]
    public void Diff_with_changelogs_shows_the_new_entries()
    {
        var r = Tools.ArborOk("db", "diff", Repo, "-c", "a", "b");
        Assert.Equal(
            $"ostree diff commit from: a ({fx.CommitA})\n" +
            $"ostree diff commit to:   b ({fx.CommitB})\n" +
            "Upgraded:\n  hello 2:1.2~rc1-3.noarch -> 2:1.3-1.noarch\n" +
            "    * Tue Jan 02 2024 Ann Author <ann@example.org> - 2:1.3-1\n    - second entry\n    - more\n\n" +
            "Downgraded:\n  tool 3.0-1.fc40.x86_64 -> 2.9-1.x86_64\n" +
            "Removed:\n  gone-1.0-1.noarch\n" +
            "Added:\n  newpkg-1-1.noarch\n", r.Stdout);
    }

    [Fact]
    public void Diff_json_is_json_glibs_rendering_of_the_diff_variant()
    {
        var r = Tools.ArborOk("db", "diff", Repo, "--format=json", "a", "b");
        static string Pkg(string key, string n, string evr, string arch) =>
            $"        \"{key}\" : [\n          \"{n}\",\n          \"{evr}\",\n          \"{arch}\"\n        ]";
        string expected = "{\n" +
            $"  \"ostree-commit-from\" : \"{fx.CommitA}\",\n" +
            $"  \"ostree-commit-to\" : \"{fx.CommitB}\",\n" +
            "  \"pkgdiff\" : [\n" +
            "    [\n      \"newpkg\",\n      0,\n      {\n" + Pkg("NewPackage", "newpkg", "1-1", "noarch") + "\n      }\n    ],\n" +
            "    [\n      \"gone\",\n      1,\n      {\n" + Pkg("PreviousPackage", "gone", "1.0-1", "noarch") + "\n      }\n    ],\n" +
            "    [\n      \"hello\",\n      2,\n      {\n" + Pkg("PreviousPackage", "hello", "2:1.2~rc1-3", "noarch") + ",\n"
                + Pkg("NewPackage", "hello", "2:1.3-1", "noarch") + "\n      }\n    ],\n" +
            "    [\n      \"tool\",\n      3,\n      {\n" + Pkg("PreviousPackage", "tool", "3.0-1.fc40", "x86_64") + ",\n"
                + Pkg("NewPackage", "tool", "2.9-1", "x86_64") + "\n      }\n    ]\n" +
            "  ],\n" +
            "  \"advisories\" : []\n}";
        Assert.Equal(expected, r.Stdout);
    }

    [Fact]
    public void A_commit_without_package_data_is_an_error()
    {
        var r = Tools.Arbor("db", "list", Repo, "none");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"ostree commit: none ({fx.CommitNone})\n", r.Stdout);
        Assert.Equal(["error: Loading package list: No package database found"], r.StderrLines);
        var d = Tools.Arbor("db", "diff", Repo, "a", "none");
        Assert.Equal(1, d.ExitCode);
        Assert.Equal(["error: Failed to load package list: Loading package list: No package database found"], d.StderrLines);
    }

    [Fact]
    public void Bad_format_and_too_many_arguments_are_usage_errors()
    {
        var r = Tools.Arbor("db", "diff", Repo, "--format=yaml", "a", "b");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(["error: Format argument is invalid, pick one of: diff, block, json"], r.StderrLines);
        var j = Tools.Arbor("db", "diff", Repo, "--format=json", "-c", "a", "b");
        Assert.Equal(["error: json format and --changelogs not supported"], j.StderrLines);
        var m = Tools.Arbor("db", "diff", Repo, "a", "b", "a");
        Assert.Equal(["error: \"db diff\" takes at most 2 arguments"], m.StderrLines);
    }

    [Fact]
    public void The_pkglist_key_matches_what_rpm_lists_and_ostree_shows_it_typed()
    {
        var list = PackageList.FromHeaders(RpmdbReader.Read(Path.Combine(fx.RootB, "usr/share/rpm")).Select(p => p.Header));
        Assert.Equal(DbCommitsFixture.RpmQa(fx.RootB), list.Select(p => p.Nevra).Order(StringComparer.Ordinal));
        var shown = Tools.OstreeOk("show", "--repo=" + fx.Repo, "--print-metadata-key=" + PackageList.MetadataKey, fx.CommitB).Stdout.Trim();
        Assert.Equal(PackageList.ToVariant(list).Print(typeAnnotate: false), shown);
        Assert.StartsWith("[('gone'", PackageList.ToVariant(PackageList.FromHeaders(RpmdbReader.Read(Path.Combine(fx.RootA, "usr/share/rpm")).Select(p => p.Header))).Print(), StringComparison.Ordinal);
        Assert.IsType<GVArray>(PackageList.ToVariant(list));
    }
}
