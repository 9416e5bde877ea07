// Packages for the rpmdb oracles: three built by the real rpmbuild (a noarch one with rich
// dependencies, triggers, config/ghost/doc files and an epoch; an x86_64 one; a relocatable one)
// and one written by Arbor's own RPM writer. Two roots are made from them: one whose database real
// `rpm -i --justdb` wrote, one whose database Arbor's RpmdbWriter wrote with the same install time.
using Arbor.Rpm.Package;
using Arbor.Rpm.Rpmdb;
using Arbor.Rpm.Version;

namespace Arbor.Interop.Tests.Rpmdb;

public sealed class RpmdbFixture : IDisposable
{
    public const string DbPath = "/usr/share/rpm";

    public const string HelloSpec = """
        Name: hello
        Version: 1.2~rc1
        Release: 3
        Epoch: 2
        Summary: A greeting for the tests
        License: MIT
        Group: Applications/Test
        URL: https://example.org/hello
        BuildArch: noarch
        Requires: bash >= 4.0
        Requires: (foo >= 1.0 or bar)
        Requires: (baz if qux else quux)
        Requires(pre): coreutils
        Requires(post): /bin/sh
        Provides: greeting = 1.0
        Conflicts: other < 2
        Obsoletes: old-hello <= 1.0
        Recommends: weak-dep
        Suggests: suggested > 3
        Supplements: (hello-base and english)
        Enhances: something
        %description
        The hello package says hello.
        %install
        mkdir -p %{buildroot}/usr/bin %{buildroot}/etc %{buildroot}/usr/share/doc/hello %{buildroot}/var/lib/hello
        printf '#!/bin/sh\necho hi\n' > %{buildroot}/usr/bin/hello; chmod 755 %{buildroot}/usr/bin/hello
        ln -s hello %{buildroot}/usr/bin/hi
        echo conf > %{buildroot}/etc/hello.conf
        echo doc > %{buildroot}/usr/share/doc/hello/README
        %files
        /usr/bin/hello
        /usr/bin/hi
        %config(noreplace) /etc/hello.conf
        %doc /usr/share/doc/hello/README
        %ghost /var/log/hello.log
        %dir /var/lib/hello
        %pre
        echo pre
        %post
        echo post
        %triggerin -- bash >= 4
        echo trig
        %triggerun -- bash
        echo untrig
        %filetriggerin -- /usr/lib
        echo ft
        %changelog
        * Mon Jan 01 2024 Ann Author <ann@example.org> - 2:1.2~rc1-3
        - first entry
        """;

    public const string ToolSpec = """
        Name: tool
        Version: 3.0
        Release: 1.fc40
        Summary: An arch package
        License: GPL-2.0-or-later
        BuildArch: x86_64
        Provides: tool(abi) = 3
        Requires: hello
        %description
        A tool.
        %install
        mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/lib64
        printf '#!/bin/sh\n' > %{buildroot}/usr/bin/tool; chmod 755 %{buildroot}/usr/bin/tool
        echo lib > %{buildroot}/usr/lib64/libtool.so.3
        %files
        /usr/bin/tool
        /usr/lib64/libtool.so.3
        """;

    public const string RelocSpec = """
        Name: reloc
        Version: 0.9
        Release: 2
        Summary: A relocatable package
        License: MIT
        BuildArch: noarch
        Prefix: /opt/reloc
        %description
        Relocatable.
        %install
        mkdir -p %{buildroot}/opt/reloc/bin
        echo x > %{buildroot}/opt/reloc/bin/x
        %files
        /opt/reloc/bin/x
        """;

    public string Dir { get; } = Directory.CreateTempSubdirectory("arbor-rpmdb-").FullName;

    /// <summary>The package files, rpmbuild's first, Arbor's last.</summary>
    public IReadOnlyList<string> Rpms { get; }

    /// <summary>A root holding the database real rpm wrote.</summary>
    public string RealRoot { get; }

    /// <summary>A root holding the database Arbor wrote.</summary>
    public string OurRoot { get; }

    /// <summary>The install time the real rpm recorded (Arbor's database uses it too).</summary>
    public uint InstallTime { get; }

    public RpmdbFixture()
    {
        Tools.Require("rpm", "apt-get install -y rpm");
        var rpms = new List<string>();
        foreach (var (name, spec) in new[] { ("hello", HelloSpec), ("tool", ToolSpec), ("reloc", RelocSpec) })
            rpms.Add(Build(name, spec));
        rpms.Add(WriteWithArbor());
        Rpms = rpms;

        RealRoot = Path.Combine(Dir, "real");
        Directory.CreateDirectory(RealRoot);
        var args = new List<string> { "--root", RealRoot, "--dbpath", DbPath, "-i", "--justdb", "--nodeps", "--noscripts" };
        args.AddRange(Rpms);
        Tools.RunOk(Tools.Require("rpm", "apt-get install -y rpm"), [.. args]);
        var real = RpmdbReader.Read(RealRoot + DbPath);
        InstallTime = (uint)real[0].InstallTime!.Value;

        OurRoot = Path.Combine(Dir, "ours");
        var packages = Rpms.Select(p =>
        {
            using var pkg = RpmPackage.Open(p);
            return RpmdbPackage.From(pkg);
        }).ToList();
        RpmdbWriter.Write(OurRoot + DbPath, packages, new InstallStamp(InstallTime, InstallTime));
    }

    private string Build(string name, string spec)
    {
        var top = Path.Combine(Dir, "build-" + name);
        Directory.CreateDirectory(top);
        var specPath = Path.Combine(top, name + ".spec");
        File.WriteAllText(specPath, spec + "\n");
        Tools.RunOk(Tools.Require("rpmbuild", "apt-get install -y rpm"), "-bb", "--quiet", "--define", $"_topdir {top}",
            "--define", "_build_id_links none", specPath);
        return Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories).Single();
    }

    private string WriteWithArbor()
    {
        var root = Path.Combine(Dir, "arbor-root");
        Directory.CreateDirectory(Path.Combine(root, "usr/share/made"));
        File.WriteAllText(Path.Combine(root, "usr/share/made/by-arbor"), "arbor\n");
        var spec = new PackageSpec
        {
            Name = "made",
            Version = "1.0",
            Release = "5",
            Arch = "noarch",
            Summary = "Written by Arbor",
            Description = "A package Arbor's writer made.",
            License = "MIT",
            BuildTime = 1700000000,
        };
        spec.Dependencies["provides"] = [new Dependency("made-cap", DependencyFlags.Equal, "1.0")];
        var outDir = Path.Combine(Dir, "arbor-out");
        Directory.CreateDirectory(outDir);
        return RpmWriter.Write(spec, root, outDir);
    }

    public void Dispose() => Directory.Delete(Dir, true);
}
