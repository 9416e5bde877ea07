// Shared inputs of the pull tests, made once per run: a generated tree (a few hundred files,
// symlinks, odd modes, a 5 MiB file that spills to disk while pulling), committed twice on
// "main" (the second commit adds a file) plus "other" (a subdirectory), by the real ostree and by
// arbor into archive repositories that carry a summary. nginx serves ostree's repository and
// `arbor serve` serves arbor's; both servers start lazily and stop when the fixture is disposed.
namespace Arbor.Interop.Tests;

/// <summary>Repositories and servers for the pull tests.</summary>
public sealed class PullFixture : ScratchFixture, IDisposable
{
    private readonly Lazy<NginxServer> _nginx;
    private readonly Lazy<ArborServe> _serve;

    /// <summary>Builds the tree and both repositories.</summary>
    public PullFixture()
    {
        Tree = Path.Combine(Root, "tree");
        MakeTree(Tree);
        OstreeRepo = Build(Tools.Ostree, [], "ostree-archive");
        ArborRepo = Build(Tools.ArborBin, ["ostree"], "arbor-archive");
        Main = Tools.OstreeOk("--repo=" + OstreeRepo, "rev-parse", "main").Stdout.Trim();
        Parent = Tools.OstreeOk("--repo=" + OstreeRepo, "rev-parse", "main^").Stdout.Trim();
        Other = Tools.OstreeOk("--repo=" + OstreeRepo, "rev-parse", "other").Stdout.Trim();
        _nginx = new Lazy<NginxServer>(() => new NginxServer(OstreeRepo, NewDir("nginx")));
        _serve = new Lazy<ArborServe>(() => new ArborServe(ArborRepo, NewPath("serve.port")));
    }

    /// <summary>The committed tree (final state: with later.txt).</summary>
    public string Tree { get; }

    /// <summary>The archive repository written by the real ostree.</summary>
    public string OstreeRepo { get; }

    /// <summary>The archive repository written by arbor from the same input.</summary>
    public string ArborRepo { get; }

    /// <summary>main's commit.</summary>
    public string Main { get; }

    /// <summary>main's parent.</summary>
    public string Parent { get; }

    /// <summary>other's commit.</summary>
    public string Other { get; }

    /// <summary>nginx serving <see cref="OstreeRepo"/>.</summary>
    public NginxServer Nginx => _nginx.Value;

    /// <summary><c>arbor serve</c> serving <see cref="ArborRepo"/>.</summary>
    public ArborServe Serve => _serve.Value;

    private string Build(string exe, string[] prefix, string name)
    {
        var repo = NewPath(name);
        string[] r = [.. prefix, "--repo=" + repo];
        Tools.RunOk(exe, [.. r, "init", "--mode=archive"]);
        var later = Path.Combine(Tree, "later.txt");
        File.Delete(later);
        Tools.RunOk(exe, [.. r, .. CommitOptions("main", "--tree=dir=" + Tree)]);
        File.WriteAllText(later, "added by the second commit\n");
        Tools.RunOk(exe, [.. r, "commit", "-b", "main", "--tree=dir=" + Tree, "--timestamp=2020-01-02 00:00:00 +0000", "--subject=second", "--add-metadata-string=version=2.0"]);
        Tools.RunOk(exe, [.. r, "commit", "-b", "other", "--tree=dir=" + Path.Combine(Tree, "sub"), "--timestamp=2020-01-03 00:00:00 +0000", "--subject=other"]);
        Tools.RunOk(exe, [.. r, "summary", "-u"]);
        return repo;
    }

    /// <summary>Writes the generated tree.</summary>
    public static void MakeTree(string root)
    {
        var rnd = new Random(7);
        for (int d = 0; d < 8; d++)
        {
            var dir = Path.Combine(root, $"d{d}", $"nested{d % 3}");
            Directory.CreateDirectory(dir);
            for (int f = 0; f < 30; f++)
            {
                var path = Path.Combine(dir, $"f{f}.dat");
                var data = new byte[rnd.Next(0, 24_000)];
                if (f % 2 == 0)
                    rnd.NextBytes(data);
                else
                    Array.Fill(data, (byte)('a' + f % 26));
                File.WriteAllBytes(path, data);
                if (f % 7 == 0)
                    File.SetUnixFileMode(path, (UnixFileMode)0x1ED);
            }
            File.CreateSymbolicLink(Path.Combine(root, $"d{d}", "link"), $"nested{d % 3}/f1.dat");
        }
        Directory.CreateDirectory(Path.Combine(root, "sub", "inner"));
        File.WriteAllText(Path.Combine(root, "sub", "readme"), "the sub directory\n");
        File.WriteAllText(Path.Combine(root, "sub", "inner", "x"), "x\n");
        File.WriteAllText(Path.Combine(root, "empty"), "");
        var big = new byte[5 << 20];
        rnd.NextBytes(big);
        File.WriteAllBytes(Path.Combine(root, "big.bin"), big);
    }

    /// <summary>Stops the servers, then removes the scratch directory.</summary>
    public new void Dispose()
    {
        if (_nginx.IsValueCreated)
            _nginx.Value.Dispose();
        if (_serve.IsValueCreated)
            _serve.Value.Dispose();
        base.Dispose();
    }
}

/// <summary>Shares one <see cref="PullFixture"/> across the pull test classes.</summary>
[CollectionDefinition("pull")]
public sealed class PullCollection : ICollectionFixture<PullFixture>;
