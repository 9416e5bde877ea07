// The pkgcache importer and the union checkout against the real tools: packages built by rpmbuild,
// imported by Arbor into bare-user and archive repositories, then checked by ostree (fsck, ls -R,
// show --print-metadata-key, a root checkout whose capabilities getcap reads), by rpm (the file
// list of -qp, the conflict message of a real install), and by rpm2cpio | cpio (the unpacked
// content the assembled root must equal after the ostree path rules).
using System.Globalization;
using Arbor.Compose.Assemble;
using Arbor.Compose.Import;
using Arbor.Ostree.Repo;

namespace Arbor.Interop.Tests.Compose;

public sealed class PackageImportInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-pkgimport-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string InteropInstall = """
        mkdir -p %{buildroot}/etc %{buildroot}/var/lib/interop %{buildroot}/opt/interop/bin %{buildroot}/usr/bin %{buildroot}/var/log %{buildroot}/usr/share/interop
        echo conf > %{buildroot}/etc/interop.conf
        echo tool > %{buildroot}/opt/interop/bin/tool
        printf '#!/bin/sh\n' > %{buildroot}/usr/bin/interop
        printf '#!/bin/sh\necho ping\n' > %{buildroot}/usr/bin/pinger
        ln -s interop %{buildroot}/usr/bin/interop-link
        ln -s ../log %{buildroot}/var/lib/interop/logs
        echo owned > %{buildroot}/usr/share/interop/owned
        echo log > %{buildroot}/var/log/interop.log
        """;

    private const string InteropFiles = """
        %config /etc/interop.conf
        %dir %attr(0750,nobody,nogroup) /var/lib/interop
        /var/lib/interop/logs
        %ghost /var/lib/interop/state
        /opt/interop
        %attr(0755,root,root) /usr/bin/interop
        /usr/bin/interop-link
        %caps(cap_net_raw=ep) %attr(0755,root,root) /usr/bin/pinger
        %dir /usr/share/interop
        %attr(0640,nobody,nogroup) /usr/share/interop/owned
        /var/log/interop.log
        """;

    private string InteropRpm() => RpmBuild.Build(_dir, "interop", "1.0", InteropInstall, InteropFiles);

    private sealed record RpmEntry(string Path, uint Mode, bool Ghost, string LinkTo);

    /// <summary>rpm's own view of the package's files (rpm -qp --queryformat).</summary>
    private static List<RpmEntry> RpmFiles(string rpmPath)
    {
        var rpm = Tools.Require("rpm", "apt-get install -y rpm");
        var r = Tools.RunOk(rpm, "-qp", "--queryformat", "[%{FILENAMES}\\t%{FILEMODES}\\t%{FILEFLAGS}\\t%{FILELINKTOS}\\n]", rpmPath);
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l =>
        {
            var f = l.Split('\t');
            return new RpmEntry(f[0], (uint)ushort.Parse(f[1], CultureInfo.InvariantCulture), (int.Parse(f[2], CultureInfo.InvariantCulture) & 64) != 0, f[3]);
        }).ToList();
    }

    /// <summary>ostree ls -R of a ref: path -> (type char, mode, target).</summary>
    private static Dictionary<string, (char Type, uint Mode, string Target)> OstreeLs(string repo, string rev)
    {
        var r = Tools.OstreeOk("ls", "--repo=" + repo, "-R", rev);
        var map = new Dictionary<string, (char, uint, string)>(StringComparer.Ordinal);
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ', 5, StringSplitOptions.RemoveEmptyEntries);
            // "-00644 0 0      5 /usr/etc/x" or "l00777 0 0 0 /a -> b"
            var rest = line[(line.IndexOf(" /", StringComparison.Ordinal) + 1)..];
            var target = "";
            int arrow = rest.IndexOf(" -> ", StringComparison.Ordinal);
            if (arrow >= 0)
            {
                target = rest[(arrow + 4)..];
                rest = rest[..arrow];
            }
            map[rest] = (f[0][0], Convert.ToUInt32(f[0][1..], 8), target);
        }
        return map;
    }

    [Theory]
    [InlineData("bare-user")]
    [InlineData("archive")]
    public void An_rpmbuild_package_imports_as_ostree_reads_it(string mode)
    {
        var rpmPath = InteropRpm();
        var repoPath = Path.Combine(_dir, "repo-" + mode);
        Tools.OstreeOk("init", "--repo=" + repoPath, "--mode=" + mode);
        var repo = Repository.Open(repoPath);
        var imported = PackageImporter.Import(repo, rpmPath);
        Assert.Equal("rpmostree/pkg/interop/1.0-1.noarch", imported.Ref);

        Tools.OstreeOk("fsck", "--repo=" + repoPath);
        Assert.Equal(imported.Commit.ToString(), Tools.OstreeOk("rev-parse", "--repo=" + repoPath, imported.Ref).Stdout.Trim());
        Assert.Equal("('interop-1.0-1.noarch', 'interop', uint64 0, '1.0', '1', 'noarch')",
            Tools.OstreeOk("show", "--repo=" + repoPath, "--print-metadata-key=rpmostree.nevra", imported.Ref).Stdout.Trim());
        // ostree prints metadata byte-swapped on little-endian machines (ot_dump_variant), as it
        // does for rpm-ostree's own package commits: the value stored is a native uint32 6.
        uint shown = BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(6u) : 6u;
        Assert.Equal($"uint32 {shown}", Tools.OstreeOk("show", "--repo=" + repoPath, "--print-metadata-key=rpmostree.unpack_minor_version", imported.Ref).Stdout.Trim());

        // Every file rpm lists, after the path rules, is in the commit with rpm's mode; /var is not.
        var ls = OstreeLs(repoPath, imported.Ref);
        var expectedFiles = new SortedSet<string>(StringComparer.Ordinal) { "/usr/lib/rpm-ostree/tmpfiles.d/interop.conf" };
        foreach (var f in RpmFiles(rpmPath))
        {
            var abs = "/" + OstreePaths.Translate(f.Path.TrimStart('/'));
            if (f.Ghost || abs.StartsWith("/var/", StringComparison.Ordinal))
            {
                Assert.False(ls.ContainsKey(abs), $"{abs} should not be in the commit");
                continue;
            }
            Assert.True(ls.TryGetValue(abs, out var e), $"{abs} (rpm's {f.Path}) is missing from ostree ls -R");
            uint type = f.Mode & 0xF000;
            Assert.Equal(type switch { 0x4000 => 'd', 0xA000 => 'l', _ => '-' }, e.Type);
            Assert.Equal(type == 0x4000 ? (f.Mode & 0xFFF) | 0x80 : f.Mode & 0xFFF, e.Mode);
            Assert.Equal(f.LinkTo, e.Target);
            if (type != 0x4000)
                expectedFiles.Add(abs);
        }
        Assert.Equal(expectedFiles, new SortedSet<string>(ls.Where(kv => kv.Value.Type != 'd').Select(kv => kv.Key), StringComparer.Ordinal));

        var conf = Tools.OstreeOk("cat", "--repo=" + repoPath, imported.Ref, "/usr/lib/rpm-ostree/tmpfiles.d/interop.conf").Stdout;
        Assert.Equal(
            "L /opt/interop - - - - ../../usr/lib/opt/interop\n" +
            "d /var/lib/interop 0750 nobody nogroup - -\n" +
            "L /var/lib/interop/logs - - - - ../log\n", conf);
        Assert.Contains(imported.Notices, n => n.Path == "/var/log/interop.log");

        // Importing again writes nothing and keeps the checksum.
        int commits = Directory.EnumerateFiles(Path.Combine(repoPath, "objects"), "*.commit", SearchOption.AllDirectories).Count();
        var again = PackageImporter.Import(Repository.Open(repoPath), rpmPath);
        Assert.True(again.AlreadyImported);
        Assert.Equal(imported.Commit, again.Commit);
        Assert.Equal(commits, Directory.EnumerateFiles(Path.Combine(repoPath, "objects"), "*.commit", SearchOption.AllDirectories).Count());
        Tools.OstreeOk("fsck", "--repo=" + repoPath);
    }

    [Fact]
    public void File_capabilities_reach_a_root_checkout_as_getcap_reads_them()
    {
        var rpmPath = InteropRpm();
        var repoPath = Path.Combine(_dir, "repo-caps");
        Tools.OstreeOk("init", "--repo=" + repoPath, "--mode=archive");
        var imported = PackageImporter.Import(Repository.Open(repoPath), rpmPath);
        var dest = Path.Combine(_dir, "caps-checkout");
        Tools.OstreeOk("checkout", "--repo=" + repoPath, imported.Ref, dest);
        var getcap = Tools.Require("getcap", "apt-get install -y libcap2-bin");
        var out1 = Tools.RunOk(getcap, Path.Combine(dest, "usr/bin/pinger")).Stdout.Trim();
        Assert.Equal($"{Path.Combine(dest, "usr/bin/pinger")} cap_net_raw=ep", out1);
        Assert.Equal("", Tools.RunOk(getcap, Path.Combine(dest, "usr/bin/interop")).Stdout.Trim());

        // The encoder's bytes equal what setcap writes.
        var setcap = Tools.Require("setcap", "apt-get install -y libcap2-bin");
        foreach (var text in new[] { "cap_net_raw=ep", "cap_net_bind_service,cap_setuid+p cap_kill+i", "cap_bpf,cap_checkpoint_restore=eip" })
        {
            var probe = Path.Combine(_dir, "probe");
            File.WriteAllText(probe, "x");
            Tools.RunOk(setcap, text, probe);
            var onDisk = Arbor.Native.LibC.LGetXattr(probe, "security.capability"u8);
            Assert.Equal(Convert.ToHexStringLower(onDisk!), Convert.ToHexStringLower(FileCapabilities.Encode(text)!));
            File.Delete(probe);
        }
    }

    [Fact]
    public void Owners_from_the_header_are_recorded_for_assembly()
    {
        var rpmPath = InteropRpm();
        var repo = Repository.Create(Path.Combine(_dir, "repo-owners"), RepoMode.BareUser);
        var imported = PackageImporter.Import(repo, rpmPath);
        var overrides = PackageCommit.Load(repo, imported.Commit).FileOverrides();
        Assert.Contains(overrides, o => o.Path == "/usr/share/interop/owned" && o.User == "nobody" && o.Group == "nogroup" && (o.Mode & 0xFFF) == 0x1A0);
        Assert.Contains(overrides, o => o.Path == "/usr/bin/pinger" && o.Capabilities == "cap_net_raw=ep");
        Assert.DoesNotContain(overrides, o => o.Path.StartsWith("/var", StringComparison.Ordinal));
    }

    [Fact]
    public void A_conflict_is_reported_as_rpm_reports_it()
    {
        var a = RpmBuild.Build(_dir, "A", "1", "mkdir -p %{buildroot}/usr/bin && echo a > %{buildroot}/usr/bin/x", "/usr/bin/x");
        var b = RpmBuild.Build(_dir, "B", "1", "mkdir -p %{buildroot}/usr/bin && echo b > %{buildroot}/usr/bin/x", "/usr/bin/x");

        // rpm's own words, from installing A then B into a scratch root.
        var rpm = Tools.Require("rpm", "apt-get install -y rpm");
        var rpmRoot = Path.Combine(_dir, "rpmroot");
        Directory.CreateDirectory(rpmRoot);
        Tools.RunOk(rpm, "--root", rpmRoot, "--dbpath", "/usr/share/rpm", "--initdb");
        Tools.RunOk(rpm, "--root", rpmRoot, "--dbpath", "/usr/share/rpm", "-i", "--nodeps", "--noscripts", a);
        var failed = Tools.Run(rpm, "--root", rpmRoot, "--dbpath", "/usr/share/rpm", "-i", "--nodeps", "--noscripts", b);
        Assert.NotEqual(0, failed.ExitCode);
        var rpmLine = failed.StderrLines.Single(l => l.StartsWith("file ", StringComparison.Ordinal));

        var repo = Repository.Create(Path.Combine(_dir, "repo-conflict"), RepoMode.BareUser);
        var imported = PackageImporter.ImportAll(repo, [a, b]);
        var root = Path.Combine(_dir, "conflict-root");
        var e = Assert.Throws<FileConflictException>(() => UnionCheckout.Run(repo, imported.Select(i => i.Commit).ToList(), root));
        Assert.Equal(rpmLine, e.Message);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public void The_union_checkout_equals_the_unpacked_payloads_after_the_path_rules()
    {
        var first = InteropRpm();
        var second = RpmBuild.Build(_dir, "second", "2.0",
            "mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/interop.d %{buildroot}/var/cache/second\n" +
            "printf '#!/bin/sh\\n' > %{buildroot}/usr/bin/interop\n" +
            "echo two > %{buildroot}/etc/interop.d/second.conf\n" +
            "echo doc > %{buildroot}/usr/bin/second\n" +
            "ln %{buildroot}/usr/bin/second %{buildroot}/usr/bin/second-hardlink\n" +
            "touch %{buildroot}/usr/bin/empty-a %{buildroot}/usr/bin/empty-b",
            "%attr(0755,root,root) /usr/bin/interop\n/etc/interop.d\n/usr/bin/second\n/usr/bin/second-hardlink\n/usr/bin/empty-a\n/usr/bin/empty-b\n%dir /var/cache/second", release: "3");
        var repo = Repository.Create(Path.Combine(_dir, "repo-union"), RepoMode.BareUser);
        var imported = PackageImporter.ImportAll(repo, [first, second]);
        var root = Path.Combine(_dir, "union-root");
        var result = UnionCheckout.Run(repo, imported.Select(i => i.Commit).ToList(), root);
        Assert.Equal(["interop-1.0-1.noarch", "second-2.0-3.noarch"], result.Packages.Select(p => p.Nevra));

        var autovar = File.ReadAllText(Path.Combine(root, "usr/lib/tmpfiles.d/rpm-ostree-autovar.conf"));
        Assert.Equal(
            "# This file was generated by rpm-ostree.\n" +
            "L /opt/interop - - - - ../../usr/lib/opt/interop\n" +
            "d /var/cache/second 0755 root root - -\n" +
            "d /var/lib/interop 0750 nobody nogroup - -\n" +
            "L /var/lib/interop/logs - - - - ../log\n", autovar);

        // rpm2cpio | cpio -idm of both, then the path rules by hand.
        var expected = Path.Combine(_dir, "cpio-root");
        Directory.CreateDirectory(expected);
        var sh = Tools.Require("sh", "apt-get install -y dash");
        Tools.Require("rpm2cpio", "apt-get install -y rpm2cpio");
        Tools.Require("cpio", "apt-get install -y cpio");
        foreach (var rpmFile in new[] { first, second })
            Tools.RunOk(sh, "-c", $"cd '{expected}' && rpm2cpio '{rpmFile}' | cpio -idmu --quiet");
        Directory.CreateDirectory(Path.Combine(expected, "usr/lib"));
        Directory.Move(Path.Combine(expected, "etc"), Path.Combine(expected, "usr/etc"));
        Directory.Move(Path.Combine(expected, "opt"), Path.Combine(expected, "usr/lib/opt"));
        Directory.Delete(Path.Combine(expected, "var"), recursive: true);
        // What the assembly generates itself is checked above; the rest must be the payloads.
        Directory.Delete(Path.Combine(root, "usr/lib/rpm-ostree"), recursive: true);
        Directory.Delete(Path.Combine(root, "usr/lib/tmpfiles.d"), recursive: true);
        Assert.Null(TreeComparer.Compare(expected, root, TreeAspects.Mode));
    }
}
