// Pulling through static deltas across the two tools. One small tree is committed twice on
// "main" by both arbor and the real ostree into archive repositories; each tool generates its own
// from-scratch delta to the first commit and a from→to delta to the second (with one 1.5 MB new
// file as an HTTP fallback object), then updates its summary. Every puller is run against every
// generator's repository through the counting FaultServer: the first pull must come from the
// scratch delta and the update from the from→to delta (superblock and every part served, the
// fallback object fetched loose), and the result must fsck clean in both tools. Arbor must not
// request any other object. (ostree 2022.7 walks the new commit while its parts are still being
// written and so fetches a varying handful of objects loose as well; its counts are not exact.)
// Then the edges: --require-static-deltas without a delta, a corrupt part or superblock (error,
// ref unchanged, then a clean retry), --disable-static-deltas, and --dry-run's line, each
// checked against what the real ostree does with the same server.
using Arbor.Ostree.Deltas;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Interop.Tests;

/// <summary>Source repositories with deltas, built once for <see cref="DeltaPullInteropTests"/>.</summary>
public sealed class DeltaPullFixture : ScratchFixture
{
    /// <summary>Builds the trees and both repositories.</summary>
    public DeltaPullFixture()
    {
        var t = Path.Combine(Root, "tree");
        Directory.CreateDirectory(Path.Combine(t, "dir"));
        var rnd = new Random(11);
        var bin = new byte[150_000];
        rnd.NextBytes(bin);
        File.WriteAllBytes(Path.Combine(t, "prog.bin"), bin);
        File.WriteAllText(Path.Combine(t, "a.conf"), "key=value\n");
        File.WriteAllText(Path.Combine(t, "dir", "x"), new string('x', 3000));
        File.SetUnixFileMode(Path.Combine(t, "dir", "x"), (UnixFileMode)0x1ED);
        File.CreateSymbolicLink(Path.Combine(t, "link"), "a.conf");
        var second = Path.Combine(Root, "tree2");
        Tools.RunOk("cp", "-a", t, second);
        for (int i = 0; i < bin.Length; i += 700)
            bin[i] ^= 0x5A;
        File.WriteAllBytes(Path.Combine(second, "prog.bin"), bin);
        File.AppendAllText(Path.Combine(second, "a.conf"), "other=1\n");
        var big = new byte[1_500_000];
        rnd.NextBytes(big);
        File.WriteAllBytes(Path.Combine(second, "big.bin"), big);
        var side = Path.Combine(Root, "side");
        Directory.CreateDirectory(side);
        File.WriteAllText(Path.Combine(side, "s"), "no delta leads here\n");

        Arbor = Build(true, t, second, side);
        Ostree = Build(false, t, second, side);
    }

    /// <summary>The repository whose deltas arbor generated.</summary>
    public Source Arbor { get; }

    /// <summary>The repository whose deltas the real ostree generated.</summary>
    public Source Ostree { get; }

    /// <summary>A served repository and its commits.</summary>
    public sealed record Source(string Repo, string First, string Second, string SideFirst, string Side);

    private Source Build(bool arbor, string first, string second, string side)
    {
        var repo = NewPath(arbor ? "arbor-src" : "ostree-src");
        string[] Cmd(params string[] a) => arbor ? ["ostree", "--repo=" + repo, .. a] : ["--repo=" + repo, .. a];
        string Run(params string[] a) => (arbor ? Tools.ArborOk(Cmd(a)) : Tools.OstreeOk(Cmd(a))).Stdout.Trim();
        Run("init", "--mode=archive");
        var c1 = Run("commit", "-b", "main", "--tree=dir=" + first, "--timestamp=2021-01-01 00:00:00 +0000", "--subject=one");
        var c2 = Run("commit", "-b", "main", "--tree=dir=" + second, "--timestamp=2021-01-02 00:00:00 +0000", "--subject=two");
        var s1 = Run("commit", "-b", "side", "--tree=dir=" + side, "--timestamp=2021-01-03 00:00:00 +0000", "--subject=side one");
        File.AppendAllText(Path.Combine(side, "s"), "still none\n");
        var s2 = Run("commit", "-b", "side", "--tree=dir=" + side, "--timestamp=2021-01-04 00:00:00 +0000", "--subject=side two");
        Run("static-delta", "generate", "--empty", "--to=" + c1);
        Run("static-delta", "generate", "--from=" + c1, "--to=" + c2, "--min-fallback-size=1");
        Run("summary", "-u");
        return new Source(repo, c1, c2, s1, s2);
    }
}

public sealed class DeltaPullInteropTests(DeltaPullFixture fx) : IClassFixture<DeltaPullFixture>
{
    private DeltaPullFixture.Source Src(bool arborGenerated) => arborGenerated ? fx.Arbor : fx.Ostree;

    private static ProcessResult Pull(bool arbor, string repo, params string[] args) =>
        arbor ? Tools.Arbor(["ostree", "--repo=" + repo, "pull", .. args]) : Tools.OstreeRun(["--repo=" + repo, "pull", .. args]);

    private string Dest(bool arbor, string url, string name = "dest")
    {
        var repo = arbor ? fx.ArborInit("bare-user", name) : fx.OstreeInit("bare-user", name);
        Tools.OstreeOk("--repo=" + repo, "remote", "add", "--no-gpg-verify", "origin", url);
        return repo;
    }

    private static string? RevParse(string repo, string rev)
    {
        var r = Tools.OstreeRun("--repo=" + repo, "rev-parse", rev);
        return r.ExitCode == 0 ? r.Stdout.Trim() : null;
    }

    private static void AssertOk(ProcessResult r) => Assert.True(r.ExitCode == 0, $"command failed: {r}");

    private static void AssertFsckClean(string repo)
    {
        AssertOk(Tools.OstreeRun("--repo=" + repo, "fsck"));
        AssertOk(Tools.Arbor("ostree", "--repo=" + repo, "fsck"));
    }

    private static void AssertOneLineError(ProcessResult r, string mention)
    {
        Assert.True(r.ExitCode == 1, $"expected exit code 1: {r}");
        Assert.True(r.StderrLines.Count == 1, $"expected one line on stderr: {r}");
        Assert.True(r.Stderr.Contains(mention, StringComparison.Ordinal), $"expected stderr to name '{mention}': {r}");
    }

    private static DeltaSuperblock Superblock(string repo, string? from, string to) =>
        DeltaSuperblock.Parse(File.ReadAllBytes(Path.Combine(repo,
            Repository.StaticDeltaRelativeDir(from is null ? null : Checksum.Parse(from), Checksum.Parse(to)), "superblock")));

    private static string UrlPath(string? from, string to, string file) =>
        "/" + Repository.StaticDeltaRelativeDir(from is null ? null : Checksum.Parse(from), Checksum.Parse(to)) + "/" + file;

    /// <summary>Object paths requested since <paramref name="before"/>, other than detached metadata.</summary>
    private static HashSet<string> ObjectRequests(FaultServer server, IReadOnlySet<string> before) =>
        server.Requests.Keys.Where(p => p.StartsWith("/objects/", StringComparison.Ordinal) && !p.EndsWith(".commitmeta", StringComparison.Ordinal) && !before.Contains(p))
            .ToHashSet(StringComparer.Ordinal);

    private static void AssertSameTree(string src, string dest, string commit) =>
        Assert.Equal(Tools.OstreeOk("--repo=" + src, "ls", "-R", "-C", commit).Stdout, Tools.OstreeOk("--repo=" + dest, "ls", "-R", "-C", commit).Stdout);

    public static TheoryData<bool, bool> Combinations => new() { { true, false }, { false, true }, { true, true }, { false, false } };

    [Theory]
    [MemberData(nameof(Combinations))]
    public void First_pull_uses_the_scratch_delta_and_the_update_the_from_delta(bool arborGenerates, bool arborPulls)
    {
        var src = Src(arborGenerates);
        using var server = new FaultServer(src.Repo);
        var dest = Dest(arborPulls, server.Url);

        var first = Pull(arborPulls, dest, "origin", "main@" + src.First);
        AssertOk(first);
        Assert.Matches(@"^\d+ delta parts, \d+ loose fetched; ", first.Stdout);
        if (arborPulls)
            Assert.Empty(ObjectRequests(server, new HashSet<string>()));
        Assert.Equal(1, server.Served.GetValueOrDefault(UrlPath(null, src.First, "superblock")));
        var scratch = Superblock(src.Repo, null, src.First);
        for (int i = 0; i < scratch.Parts.Count; i++)
            Assert.Equal(1, server.Served.GetValueOrDefault(UrlPath(null, src.First, i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(src.First, RevParse(dest, "origin:main"));
        Assert.False(File.Exists(Path.Combine(dest, "state", src.First + ".commitpartial")));
        AssertFsckClean(dest);

        var before = server.Requests.Keys.ToHashSet(StringComparer.Ordinal);
        var update = Pull(arborPulls, dest, "origin", "main");
        AssertOk(update);
        Assert.Matches(@"^\d+ delta parts, \d+ loose fetched; ", update.Stdout);
        Assert.Equal(1, server.Served.GetValueOrDefault(UrlPath(src.First, src.Second, "superblock")));
        // Only the superblock's fallback (the new 1.5 MB file) travels as a loose object.
        var sb = Superblock(src.Repo, src.First, src.Second);
        Assert.Single(sb.Fallbacks);
        var fallbackPaths = sb.Fallbacks.Select(f => $"/objects/{f.Object.Checksum.ToString()[..2]}/{f.Object.Checksum.ToString()[2..]}.filez").ToHashSet();
        if (arborPulls)
            Assert.Equal(fallbackPaths, ObjectRequests(server, before));
        else
            Assert.Subset(ObjectRequests(server, before), fallbackPaths);
        for (int i = 0; i < sb.Parts.Count; i++)
            Assert.Equal(1, server.Served.GetValueOrDefault(UrlPath(src.First, src.Second, i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(src.Second, RevParse(dest, "origin:main"));
        AssertFsckClean(dest);
        AssertSameTree(src.Repo, dest, src.Second);
    }

    [Fact]
    public void Dry_run_and_part_counts_match_ostree()
    {
        var src = fx.Ostree;
        using var server = new FaultServer(src.Repo);
        // The loose count is left out: ostree's varies from run to run (see the top of this file).
        static string Parts(ProcessResult r) => r.Stdout[..r.Stdout.IndexOf(',', StringComparison.Ordinal)];
        var lines = new Dictionary<bool, List<string>>();
        foreach (var arbor in new[] { false, true })
        {
            var dest = Dest(arbor, server.Url, arbor ? "arbor-dest" : "ostree-dest");
            var dry = Pull(arbor, dest, "--require-static-deltas", "--dry-run", "origin", "main@" + src.First);
            AssertOk(dry);
            Assert.Null(RevParse(dest, "origin:main"));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(dest, "objects"), "*", SearchOption.AllDirectories));
            var first = Pull(arbor, dest, "origin", "main@" + src.First);
            var dryUpdate = Pull(arbor, dest, "--require-static-deltas", "--dry-run", "origin", "main");
            var update = Pull(arbor, dest, "origin", "main");
            AssertOk(first);
            AssertOk(dryUpdate);
            AssertOk(update);
            Assert.Equal(src.Second, RevParse(dest, "origin:main"));
            lines[arbor] = [dry.Stdout, Parts(first), dryUpdate.Stdout, Parts(update)];
        }
        Assert.Equal(lines[false], lines[true]);
    }

    [Fact]
    public void Require_static_deltas_without_a_delta_fails_and_leaves_the_ref()
    {
        var src = fx.Ostree;
        using var server = new FaultServer(src.Repo);
        foreach (var arbor in new[] { false, true })
        {
            var dest = Dest(arbor, server.Url, arbor ? "arbor-dest" : "ostree-dest");
            AssertOk(Pull(arbor, dest, "origin", "side@" + src.SideFirst));
            var r = Pull(arbor, dest, "--require-static-deltas", "origin", "side");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("Static deltas required, but none found", r.Stderr, StringComparison.Ordinal);
            if (arbor)
                AssertOneLineError(r, src.Side);
            Assert.Equal(src.SideFirst, RevParse(dest, "origin:side"));
            Assert.False(Tools.OstreeRun("--repo=" + dest, "show", src.Side).ExitCode == 0);
            AssertFsckClean(dest);
        }
    }

    public static TheoryData<string, string> Corruptions => new() { { "0", "Checksum mismatch in static delta part" }, { "superblock", "Invalid checksum for static delta" } };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Corrupt_delta_fails_leaves_the_ref_and_a_retry_completes(string file, string message)
    {
        var src = fx.Arbor;
        using var server = new FaultServer(src.Repo);
        var victim = UrlPath(src.First, src.Second, file);
        server.Decide = p => p == victim ? Fault.Corrupt : Fault.None;
        foreach (var arbor in new[] { false, true })
        {
            var dest = Dest(arbor, server.Url, arbor ? "arbor-dest" : "ostree-dest");
            AssertOk(Pull(arbor, dest, "origin", "main@" + src.First));
            var r = Pull(arbor, dest, "origin", "main");
            Assert.NotEqual(0, r.ExitCode);
            if (arbor)
                AssertOneLineError(r, message);
            Assert.Equal(src.First, RevParse(dest, "origin:main"));
        }
        var retryDest = Dest(true, server.Url, "retry");
        AssertOk(Pull(true, retryDest, "origin", "main@" + src.First));
        Assert.NotEqual(0, Pull(true, retryDest, "origin", "main").ExitCode);
        server.Decide = null;
        AssertOk(Pull(true, retryDest, "origin", "main"));
        Assert.Equal(src.Second, RevParse(retryDest, "origin:main"));
        Assert.False(File.Exists(Path.Combine(retryDest, "state", src.Second + ".commitpartial")));
        AssertFsckClean(retryDest);
        AssertSameTree(src.Repo, retryDest, src.Second);
    }

    [Fact]
    public void Arbor_summary_update_writes_the_delta_indexes_ostree_reads()
    {
        foreach (var src in new[] { fx.Arbor, fx.Ostree })
        {
            var listed = Tools.OstreeOk("--repo=" + src.Repo, "static-delta", "indexes").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order();
            Assert.Equal(new[] { src.First, src.Second }.Order(), listed);
            Assert.Equal("true", Tools.OstreeOk("--repo=" + src.Repo, "config", "get", "core.indexed-deltas").Stdout.Trim());
        }
    }

    [Fact]
    public void Disable_static_deltas_fetches_objects()
    {
        var src = fx.Arbor;
        using var server = new FaultServer(src.Repo);
        var dest = Dest(true, server.Url);
        var r = Pull(true, dest, "--disable-static-deltas", "origin", "main");
        AssertOk(r);
        Assert.Matches(@"^\d+ metadata, \d+ content objects fetched", r.Stdout);
        Assert.DoesNotContain(server.Requests.Keys, p => p.StartsWith("/deltas/", StringComparison.Ordinal) || p.StartsWith("/delta-indexes/", StringComparison.Ordinal));
        Assert.NotEmpty(ObjectRequests(server, new HashSet<string>()));
        Assert.Equal(src.Second, RevParse(dest, "origin:main"));
        AssertFsckClean(dest);
    }
}
