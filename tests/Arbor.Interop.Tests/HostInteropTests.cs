// rpm-ostree's host verbs (`arbor status|upgrade|deploy|rebase|rollback|cleanup|kargs --sysroot`)
// against the real ostree: where ostree has a verb with the same effect (admin upgrade, switch,
// undeploy, deploy --karg-append) the two sysroots must end up identical, file for file; where it
// has none (rollback, deploy VERSION) `ostree admin status` must list the order and commits
// rpm-ostree would leave. status --json is checked against libjson-glib, which rpm-ostree prints
// it with. Bad input and a held sysroot lock must fail with one error line and change nothing.
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Arbor.Ostree.GVariant;

namespace Arbor.Interop.Tests;

[Collection("sysroot")]
public class HostInteropTests(SysrootFixture fx)
{
    private static ProcessResult Host(string sysroot, params string[] args) => Tools.Arbor([.. args, "--sysroot=" + sysroot]);

    private static ProcessResult HostOk(string sysroot, params string[] args)
    {
        var r = Host(sysroot, args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    private static string Rev(string sysroot, string rev) =>
        Tools.OstreeOk("--repo=" + Path.Combine(sysroot, "ostree/repo"), "rev-parse", rev).Stdout.Trim();

    private static string[] StatusCommits(string sysroot) =>
        Tools.OstreeOk("admin", "--sysroot=" + sysroot, "status").Stdout.Split('\n')
            .Where(l => l.StartsWith("  debian ", StringComparison.Ordinal) || l.StartsWith("* debian ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]).ToArray();

    private static void AssertSame(string ostreeRoot, string arborRoot)
    {
        var diff = TreeComparer.Compare(ostreeRoot, arborRoot);
        Assert.True(diff is null, diff);
    }

    // Everything a host transaction could change: deployments, boot entries and links, refs, origins.
    private static string Snapshot(string sysroot) =>
        Tools.RunOk("sh", "-c", $"cd '{sysroot}' && find boot ostree/boot.* ostree/deploy ostree/repo/refs -maxdepth 5 -printf '%p %y %l %s\\n' 2>/dev/null | sort; cat boot/loader/entries/* ostree/deploy/*/deploy/*.origin 2>/dev/null").Stdout;

    /// <summary>Two sysroots, each with debian/one deployed by ostree and debian/one then advanced to a
    /// second commit (identical in both repositories, so checksums match).</summary>
    private (string Ostree, string Arbor) TwoWithUpdate(string name)
    {
        var o = fx.NewSysroot(name + "-ostree", arbor: false);
        var a = fx.NewSysroot(name + "-arbor", arbor: false);
        foreach (var root in new[] { o, a })
        {
            Tools.OstreeOk("admin", "--sysroot=" + root, "deploy", "--os=debian", "--karg=root=/dev/vda1", "--karg=quiet", "debian/one");
            Tools.OstreeOk("--repo=" + Path.Combine(root, "ostree/repo"), "commit", "-b", "debian/one", "--tree=dir=" + fx.Tree2,
                "--timestamp=2020-02-01 00:00:00 +0000", "-s", "one, updated", "--add-metadata-string=version=1.1");
        }
        return (o, a);
    }

    [Fact]
    public void UpgradeMatchesOstreeAdminUpgrade()
    {
        var (o, a) = TwoWithUpdate("up");
        Tools.OstreeOk("admin", "--sysroot=" + o, "upgrade", "--os=debian");
        var r = HostOk(a, "upgrade");
        Assert.Equal("Run \"systemctl reboot\" to start a reboot\n", r.Stdout);
        AssertSame(o, a);
        Assert.Equal([Rev(a, "debian/one"), Rev(a, "debian/one^")], StatusCommits(a).Select(c => c[..64]));

        var again = Host(a, "upgrade", "--unchanged-exit-77");
        Assert.Equal(77, again.ExitCode);
        Assert.Equal("No upgrade available.\n", again.Stdout);
    }

    [Fact]
    public void RebaseMatchesOstreeSwitch()
    {
        var (o, a) = TwoWithUpdate("rebase");
        Tools.OstreeOk("admin", "--sysroot=" + o, "switch", "--os=debian", "debian/two");
        var r = HostOk(a, "rebase", "debian/two");
        Assert.EndsWith("Changes queued for next boot. Run \"systemctl reboot\" to start a reboot\n", r.Stdout);
        AssertSame(o, a);
        Assert.Contains("refspec=debian/two", File.ReadAllText(Directory.GetFiles(Path.Combine(a, "ostree/deploy/debian/deploy"), "*.origin").Order().First(f => File.ReadAllText(f).Contains("two", StringComparison.Ordinal))));

        var same = Host(a, "rebase", "debian/two");
        Assert.Equal(1, same.ExitCode);
        Assert.Equal("error: Old and new refs are equal: debian/two", same.StderrLines[^1]);
    }

    [Fact]
    public void CleanupRollbackMatchesUndeploy()
    {
        var (o, a) = TwoWithUpdate("cleanup");
        Tools.OstreeOk("admin", "--sysroot=" + o, "upgrade", "--os=debian");
        HostOk(a, "upgrade");
        Tools.OstreeOk("admin", "--sysroot=" + o, "undeploy", "1");
        HostOk(a, "cleanup", "-r");
        AssertSame(o, a);
        var unchanged = HostOk(a, "cleanup", "-p");
        Assert.Equal("Deployments unchanged.\n", unchanged.Stdout);
    }

    [Fact]
    public void KargsMatchesOstreeDeployWithKargs()
    {
        var (o, a) = TwoWithUpdate("kargs");
        Tools.OstreeOk("admin", "--sysroot=" + o, "deploy", "--os=debian", "--karg-append=console=ttyS0", "--karg=root=/dev/vdb", Rev(o, "debian/one^"));
        Assert.Equal("root=/dev/vda1 quiet", string.Join(' ', HostOk(a, "kargs").Stdout.Trim().Split(' ').Where(k => !k.StartsWith("ostree=", StringComparison.Ordinal))));
        HostOk(a, "kargs", "--append=console=ttyS0", "--replace=root=/dev/vdb");
        // ostree's deploy writes the refspec it was given; align the origins before comparing the rest.
        foreach (var origin in Directory.GetFiles(Path.Combine(o, "ostree/deploy/debian/deploy"), "*.origin"))
            File.WriteAllText(origin, "[origin]\nrefspec=debian/one\n");
        AssertSame(o, a);
        var options = HostOk(a, "kargs").Stdout.Trim();
        Assert.Equal("root=/dev/vdb quiet console=ttyS0", string.Join(' ', options.Split(' ').Where(k => !k.StartsWith("ostree=", StringComparison.Ordinal))));

        var none = Host(a, "kargs", "--append-if-missing=quiet", "--unchanged-exit-77");
        Assert.Equal(77, none.ExitCode);
        Assert.Equal("No changes.\n", none.Stdout);
        var missing = Host(a, "kargs", "--delete=nosuchkey");
        Assert.Equal("error: No key 'nosuchkey' found", missing.StderrLines[^1]);
    }

    [Fact]
    public void RollbackSwapsAndSwapsBack()
    {
        var (_, a) = TwoWithUpdate("rollback");
        HostOk(a, "upgrade");
        var newer = Rev(a, "debian/one");
        var older = Rev(a, "debian/one^");
        var r = HostOk(a, "rollback");
        Assert.Equal($"Moving '{older}.0' to be first deployment\nChanges queued for next boot. Run \"systemctl reboot\" to start a reboot\n", r.Stdout);
        Assert.Equal([older, newer], StatusCommits(a).Select(c => c[..64]));
        HostOk(a, "rollback");
        Assert.Equal([newer, older], StatusCommits(a).Select(c => c[..64]));

        HostOk(a, "cleanup", "-r");
        var before = Snapshot(a);
        var none = Host(a, "rollback");
        Assert.Equal("error: No rollback deployment found", none.StderrLines[^1]);
        Assert.Equal(before, Snapshot(a));
    }

    [Fact]
    public void DeployVersionPinsAndUpgradeUnpins()
    {
        var (_, a) = TwoWithUpdate("deployver");
        HostOk(a, "upgrade");
        var newer = Rev(a, "debian/one");
        var older = Rev(a, "debian/one^");

        var refused = Host(a, "deploy", "--disallow-downgrade", "version=1.0-nope");
        Assert.Equal("error: Version 1.0-nope not found in debian/one", refused.StderrLines[^1]);
        var before = Snapshot(a);
        var downgrade = Host(a, "deploy", "--disallow-downgrade", older);
        Assert.Equal(1, downgrade.ExitCode);
        Assert.Contains("is chronologically older", downgrade.StderrLines[^1], StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(a));

        var foreign = Rev(a, "debian/two");
        var notOnBranch = Host(a, "deploy", foreign);
        Assert.Equal($"error: Checksum {foreign} not found in debian/one", notOnBranch.StderrLines[^1]);

        // The commits have no "version"; the timestamp-free way to name the older one is its checksum.
        var pinned = HostOk(a, "deploy", older);
        Assert.StartsWith($"Validating checksum '{older}'\n", pinned.Stdout, StringComparison.Ordinal);
        Assert.Equal(older, StatusCommits(a)[0][..64]);
        var json = JsonDocument.Parse(HostOk(a, "status", "--json").Stdout);
        var first = json.RootElement.GetProperty("deployments")[0];
        Assert.Equal(older, first.GetProperty("checksum").GetString());
        Assert.Equal(newer, first.GetProperty("pending-base-checksum").GetString());
        var origin = Directory.GetFiles(Path.Combine(a, "ostree/deploy/debian/deploy"), older + ".*.origin").Single();
        Assert.Contains($"override-commit={older}", File.ReadAllText(origin), StringComparison.Ordinal);

        HostOk(a, "upgrade");
        Assert.Equal(newer, StatusCommits(a)[0][..64]);

        var byVersion = HostOk(a, "deploy", "1.1");
        Assert.Equal("Resolving version '1.1'\nNo change.\n", byVersion.Stdout);
    }

    [Fact]
    public void StatusListsWhatOstreeDeployed()
    {
        var a = fx.NewSysroot("status", arbor: false);
        Tools.OstreeOk("admin", "--sysroot=" + a, "deploy", "--os=debian", "debian/one");
        Tools.OstreeOk("admin", "--sysroot=" + a, "deploy", "--os=debian", "--karg=root=/dev/vda2", "debian/two");
        Tools.OstreeOk("admin", "--sysroot=" + a, "pin", "1");
        var one = Rev(a, "debian/one");
        var two = Rev(a, "debian/two");
        var text = Tools.RunOk("env", "LANG=C", "LC_ALL=", "COLUMNS=80", Tools.ArborBin, "status", "--sysroot=" + a).Stdout;
        Assert.Equal(
            "State: idle\nDeployments:\n" +
            "  debian/two\n" +
            "                  Version: 2.0 (2020-01-02T00:00:00Z)\n" +
            $"                   Commit: {two}\n\n" +
            "  debian/one\n" +
            "                Timestamp: 2020-01-01T00:00:00Z\n" +
            $"                   Commit: {one}\n" +
            "                   Pinned: yes\n", text);

        var json = JsonDocument.Parse(HostOk(a, "status", "--json").Stdout).RootElement;
        var deployments = json.GetProperty("deployments");
        Assert.Equal(2, deployments.GetArrayLength());
        Assert.Equal([two, one], StatusCommits(a).Select(c => c[..64]));
        Assert.Equal([two, one], deployments.EnumerateArray().Select(d => d.GetProperty("checksum").GetString()));
        Assert.Equal($"debian-{two}.0", deployments[0].GetProperty("id").GetString());
        Assert.Equal("2.0", deployments[0].GetProperty("version").GetString());
        Assert.Equal(1577923200, deployments[0].GetProperty("timestamp").GetInt64());
        Assert.False(deployments[0].GetProperty("booted").GetBoolean());
        Assert.True(deployments[1].GetProperty("pinned").GetBoolean());
        Assert.Equal("debian/one", deployments[1].GetProperty("origin").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("transaction").ValueKind);
    }

    [Fact]
    public void BadInputFailsAndChangesNothing()
    {
        var (_, a) = TwoWithUpdate("bad");
        var before = Snapshot(a);
        (string[] Args, string Error)[] cases =
        [
            (["upgrade", "--stateroot=nosuch"], "error: No such stateroot: nosuch"),
            (["rebase", "nosuchremote:debian/two"], "error: Remote \"nosuchremote\" not found"),
            (["rollback"], "error: No rollback deployment found"),
            (["kargs", "--replace=quiet=a=b"], "error: No karg 'quiet=a' found"),
            (["kargs", "--delete=x", "--replace=y=1"], "error: Cannot specify both --delete and --replace"),
            (["deploy", "revision=abc"], "error: Parsing revision 'revision=abc': Invalid checksum of length 3 expected 64"),
            (["cleanup"], "error: At least one cleanup option must be specified (-b, -p, -r, -m)"),
            (["upgrade", "--reboot"], "error: --reboot: the sysroot is not the booted system"),
        ];
        foreach (var (args, error) in cases)
        {
            var r = Host(a, args);
            Assert.True(r.ExitCode == 1, r.ToString());
            Assert.Equal(error, r.StderrLines[^1]);
            Assert.Equal(before, Snapshot(a));
        }
        var empty = fx.NewDir("bad-empty");
        var notInit = Host(empty, "status");
        Assert.Equal(1, notInit.ExitCode);
        Assert.StartsWith("error: loading sysroot:", notInit.StderrLines[^1], StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
    }

    [Fact]
    public void TransactionRefusesWhileTheSysrootIsLocked()
    {
        var (_, a) = TwoWithUpdate("locked");
        var before = Snapshot(a);
        var lockFile = Path.Combine(a, "ostree/lock");
        using var holder = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("python3",
            ["-c", $"import fcntl,sys,time\nf=open('{lockFile}','a')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)"])
        { RedirectStandardOutput = true })!;
        try
        {
            Assert.Equal("held", holder.StandardOutput.ReadLine());
            var r = Host(a, "upgrade");
            Assert.Equal(1, r.ExitCode);
            Assert.Equal("error: Transaction in progress: another process holds the sysroot lock (ostree/lock)", r.StderrLines[^1]);
            Assert.Equal(0, Host(a, "status").ExitCode);
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }
        Assert.Equal(before, Snapshot(a));
        HostOk(a, "upgrade");
    }
}

/// <summary>The host verbs against a remote served over HTTP: the way hosts really update.</summary>
[Collection("sysroot")]
public class HostRemoteTests(SysrootFixture fx)
{
    private static ProcessResult Host(string sysroot, params string[] args) => Tools.Arbor([.. args, "--sysroot=" + sysroot]);

    private static string Commit(string repo, string tree, string date, string version) =>
        Tools.OstreeOk("--repo=" + repo, "commit", "-b", "debian/one", "--tree=dir=" + tree, $"--timestamp={date} 00:00:00 +0000",
            "-s", "v" + version, "--add-metadata-string=version=" + version).Stdout.Trim();

    [Fact]
    public void CheckUpgradeAndDeployByVersionPullFromTheRemote()
    {
        var server = fx.NewDir("remote-server");
        Tools.OstreeOk("--repo=" + server, "init", "--mode=archive");
        var v1 = Commit(server, fx.Tree1, "2021-01-01", "1");
        var v2 = Commit(server, fx.Tree2, "2021-02-01", "2");
        using var serve = new ArborServe(server, Path.Combine(fx.NewDir("remote-port"), "port"));
        var root = fx.NewSysroot("remote", arbor: false);
        var repo = "--repo=" + Path.Combine(root, "ostree/repo");
        Tools.OstreeOk(repo, "remote", "add", "--no-gpg-verify", "origin", serve.Url);
        Tools.OstreeOk(repo, "pull", "origin", "debian/one@" + v1);
        Tools.OstreeOk("admin", "--sysroot=" + root, "deploy", "--os=debian", "origin:debian/one");

        var check = Host(root, "upgrade", "--check");
        Assert.Equal(0, check.ExitCode);
        Assert.Equal($"AvailableUpdate:\n        Version: 2 (2021-02-01T00:00:00Z)\n         Commit: {v2}\n", check.Stdout);

        // On a terminal the pull draws its progress line; a pipe (below) gets none.
        var shown = ProgressTerminalTests.InTerminal(Tools.ArborBin, "upgrade", "--sysroot=" + root);
        Assert.Contains("\rReceiving objects: ", shown, StringComparison.Ordinal);
        Assert.Contains("\rChecking out: ", shown, StringComparison.Ordinal);
        Tools.OstreeOk("admin", "--sysroot=" + root, "undeploy", "0");
        var up = Host(root, "upgrade");
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.DoesNotContain('\r', up.Stdout);
        var status = Tools.OstreeOk("admin", "--sysroot=" + root, "status").Stdout;
        Assert.StartsWith($"  debian {v2}.0\n    Version: 2\n    origin refspec: origin:debian/one\n", status, StringComparison.Ordinal);
        Tools.OstreeOk("fsck", repo);

        var v3 = Commit(server, fx.Tree1, "2021-03-01", "3");
        Tools.OstreeOk("--repo=" + server, "summary", "-u");
        // Version 1 is two commits below the new head: found by pulling commit objects only.
        var back = Host(root, "deploy", "1");
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.StartsWith("Resolving version '1'\n", back.Stdout, StringComparison.Ordinal);
        Assert.Contains($"debian {v1}.", Tools.OstreeOk("admin", "--sysroot=" + root, "status").Stdout.Split('\n')[0], StringComparison.Ordinal);
        Assert.Equal(0, Host(root, "upgrade").ExitCode);
        Assert.StartsWith($"  debian {v3}.0\n", Tools.OstreeOk("admin", "--sysroot=" + root, "status").Stdout, StringComparison.Ordinal);
        Tools.OstreeOk("fsck", repo);
        var none = Host(root, "upgrade", "--check");
        Assert.Equal(77, none.ExitCode);
        Assert.Equal("No updates available.\n", none.Stdout);
    }
}

/// <summary>status --json is written the way json-glib writes rpm-ostree's GVariants; libjson-glib is the oracle.</summary>
[Collection("sysroot")]
public sealed unsafe partial class StatusJsonOracleTests(SysrootFixture fx)
{
    private const string Glib = "libglib-2.0.so.0";
    private const string JsonGlib = "libjson-glib-1.0.so.0";

    [LibraryImport(Glib, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint g_variant_type_new(string type);

    [LibraryImport(Glib)]
    private static partial nint g_variant_new_from_data(nint type, void* data, nuint size, int trusted, nint notify, nint userData);

    [LibraryImport(Glib)]
    private static partial nint g_variant_ref_sink(nint variant);

    [LibraryImport(Glib)]
    private static partial void g_variant_unref(nint variant);

    [LibraryImport(Glib)]
    private static partial void g_free(nint p);

    [LibraryImport(JsonGlib)]
    private static partial nint json_gvariant_serialize(nint variant);

    [LibraryImport(JsonGlib)]
    private static partial nint json_to_string(nint node, int pretty);

    [LibraryImport(JsonGlib)]
    private static partial void json_node_unref(nint node);

    private static string Real(GVariantValue value)
    {
        var bytes = value.Serialize();
        var data = NativeMemory.AlignedAlloc((nuint)Math.Max(bytes.Length, 1), 8);
        try
        {
            bytes.CopyTo(new Span<byte>(data, bytes.Length));
            var v = g_variant_ref_sink(g_variant_new_from_data(g_variant_type_new(value.Type.Signature), data, (nuint)bytes.Length, 1, 0, 0));
            var node = json_gvariant_serialize(v);
            var s = json_to_string(node, 1);
            var text = Marshal.PtrToStringUTF8(s)!;
            g_free(s);
            json_node_unref(node);
            g_variant_unref(v);
            return text;
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }

    private static string Ours(GVariantValue value)
    {
        var sb = new StringBuilder();
        GVariantJson.Write(sb, value);
        return sb.ToString();
    }

    [Fact]
    public void ValuesOfEveryKindMatchJsonGlib()
    {
        var vardict = GVariantType.Parse("{sv}");
        GVariantValue Entry(string k, GVariantValue v) => new GVDictEntry(GVariantValue.Str(k), GVariantValue.Box(v));
        GVariantValue[] values =
        [
            GVariantValue.Str("plain"),
            GVariantValue.Str("quote\" back\\ tab\t nl\n cr\r ff\f bs\b ctl\u0001 unit\u001f del\u007f é ü 日本 🌳"),
            new GVArray(vardict, []),
            new GVArray(GVariantType.String, []),
            new GVArray(vardict,
            [
                Entry("b", GVariantValue.Bool(true)), Entry("f", GVariantValue.Bool(false)),
                Entry("i", new GVNumber('i', unchecked((ulong)-5L))), Entry("x", new GVNumber('x', unchecked((ulong)long.MinValue))),
                Entry("t", GVariantValue.U64(ulong.MaxValue)), Entry("u", GVariantValue.U32(uint.MaxValue)),
                Entry("y", new GVNumber('y', 200)), Entry("n", new GVNumber('n', unchecked((ulong)-3L))), Entry("q", new GVNumber('q', 65535)),
                Entry("d1", GVNumber.FromDouble(1.5)), Entry("d2", GVNumber.FromDouble(2.0)), Entry("d3", GVNumber.FromDouble(1e20)),
                Entry("d4", GVNumber.FromDouble(-0.1)), Entry("d5", GVNumber.FromDouble(1e-7)),
                Entry("as", GVariantValue.StrArray(["a", "b"])), Entry("ay", GVariantValue.Bytes(new byte[] { 0, 1, 255 })),
                Entry("tuple", GVariantValue.Tuple(GVariantValue.Str("s"), GVariantValue.StrArray([]), GVariantValue.U64(7))),
                Entry("maybe", new GVMaybe(GVariantType.String, null)), Entry("just", new GVMaybe(GVariantType.String, GVariantValue.Str("j"))),
                Entry("nested", new GVArray(vardict, [Entry("inner", new GVArray(vardict, []))])),
                Entry("intkeys", new GVArray(GVariantType.Parse("{is}"), [new GVDictEntry(new GVNumber('i', 3), GVariantValue.Str("three"))])),
                Entry("av", new GVArray(GVariantType.Variant, [GVariantValue.Box(GVariantValue.Str("v"))])),
            ]),
        ];
        foreach (var v in values)
            Assert.Equal(Real(v), Ours(v));
    }

    [Fact]
    public void StatusDeploymentsMatchJsonGlib()
    {
        var root = fx.NewSysroot("jsonoracle", arbor: false);
        Tools.OstreeOk("admin", "--sysroot=" + root, "deploy", "--os=debian", "debian/one");
        Tools.OstreeOk("admin", "--sysroot=" + root, "deploy", "--os=debian", "debian/two");
        using var host = Arbor.Host.HostSysroot.Open(root, null, transaction: false);
        var deployments = Arbor.Host.HostStatus.Collect(host, bootedOnly: false);
        Assert.Equal(2, deployments.Count);
        // The whole document as one a{sv}; an empty maybe is json-glib's null, as rpm-ostree's absent transaction.
        var vardict = GVariantType.Parse("{sv}");
        GVariantValue Entry(string k, GVariantValue v) => new GVDictEntry(GVariantValue.Str(k), GVariantValue.Box(v));
        var array = new GVArray(GVariantType.VarDict, deployments.Select(d =>
            (GVariantValue)new GVArray(vardict, d.Select(kv => Entry(kv.Key, kv.Value)).ToList())).ToList());
        var nothing = new GVMaybe(GVariantType.Variant, null);
        var document = new GVArray(vardict, [Entry("deployments", array), Entry("transaction", nothing), Entry("cached-update", nothing), Entry("update-driver", nothing)]);
        var doc = Arbor.Cli.Verbs.Host.StatusPrinter.Json(deployments);
        var expected = Real(document);
        Assert.Equal(expected, doc);
    }
}
