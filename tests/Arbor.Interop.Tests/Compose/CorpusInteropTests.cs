// A real distribution as test corpus: the packages of a Debian bookworm minbase, rebuilt as RPMs
// by scripts/make-rpm-corpus.sh (arbor rpm build + arbor rpm createrepo; cached across runs under
// $ARBOR_CACHE). On it, `arbor rpm resolve` must pick the packages dnf picks for each request,
// and `arbor compose tree` of the whole minbase must make a commit the real tools accept: ostree
// fsck, rpm reading its rpmdb, and the tree's own bash and dpkg running under bubblewrap.
// CORPUS_PACKAGES narrows the corpus to a closed subset of minbase (the script's parameter).
namespace Arbor.Interop.Tests.Compose;

/// <summary>The minbase corpus as an rpm-md repository, made once per run.</summary>
public sealed class CorpusFixture : ScratchFixture
{
    /// <summary>Builds (or unpacks the cached) corpus.</summary>
    public CorpusFixture()
    {
        Repo = Path.Combine(Root, "corpus");
        var r = Tools.RunIn(null, TimeSpan.FromMinutes(30), Tools.Script("make-rpm-corpus.sh"), Repo);
        Assert.True(r.ExitCode == 0, r.ToString());
        var names = Tools.RunOk("rpm", ["-qp", "--nosignature", "--qf", "%{NAME}\\n", .. Directory.GetFiles(Repo, "*.rpm")]);
        Packages = [.. names.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }

    /// <summary>The rpm-md repository.</summary>
    public string Repo { get; }

    /// <summary>The name of every package in the corpus.</summary>
    public IReadOnlyList<string> Packages { get; }
}

public sealed class CorpusInteropTests(CorpusFixture fx) : IClassFixture<CorpusFixture>
{
    private const string Ref = "debian/12/x86_64/minbase";

    private static string Dnf => Tools.Require("dnf", "apt-get install -y dnf");

    private string[] Request(string specs) => specs == "*" ? [.. fx.Packages] : specs.Split(' ');

    /// <summary>dnf's choice for <paramref name="specs"/>, from --assumeno into an empty install root, as sorted NEVRAs.</summary>
    private string[] DnfChoice(string[] specs)
    {
        string installroot = fx.NewDir("dnf-root");
        var dnf = Tools.RunIn(null, TimeSpan.FromMinutes(5), Dnf, [$"--installroot={installroot}", $"--repofrompath=corpus,{fx.Repo}", "--repo=corpus",
            "--setopt=reposdir=/nonexistent", $"--setopt=cachedir={installroot}/cache", "--nogpgcheck", "--releasever=12",
            "--forcearch=x86_64", "--assumeno", "install", .. specs]);
        // dnf --assumeno ends with "Operation aborted." once the transaction is resolved.
        Assert.True((dnf.Stderr + dnf.Stdout).Contains("Operation aborted", StringComparison.Ordinal), dnf.ToString());
        return DnfTable(dnf.Stdout);
    }

    /// <summary>
    /// The NEVRAs of dnf's transaction table. Rows are "name arch [epoch:]version-release repo
    /// size"; a long name sits alone on its line and the rest of the row follows on the next one.
    /// </summary>
    internal static string[] DnfTable(string stdout)
    {
        var nevras = new List<string>();
        bool inTable = false;
        string? pendingName = null;
        foreach (var line in stdout.Split('\n'))
        {
            if (line.StartsWith("Transaction Summary", StringComparison.Ordinal))
                break;
            if (line.StartsWith("Installing", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }
            if (!inTable || !line.StartsWith(' '))
                continue;
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (pendingName is not null)
            {
                cols = [pendingName, .. cols];
                pendingName = null;
            }
            if (cols.Length == 1)
                pendingName = cols[0];
            else if (cols.Length >= 4)
                nevras.Add($"{cols[0]}-{cols[2]}.{cols[1]}");
        }
        return [.. nevras.Order(StringComparer.Ordinal)];
    }

    private string[] ArborChoice(string[] specs)
    {
        var arbor = Tools.RunIn(null, TimeSpan.FromMinutes(5), Tools.ArborBin, ["rpm", "resolve", $"--repofrompath=corpus,{fx.Repo}", "--arch", "x86_64", .. specs]);
        Assert.True(arbor.ExitCode == 0, arbor.ToString());
        return [.. arbor.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }

    [Theory]
    [InlineData("bash")]
    [InlineData("coreutils apt")]
    [InlineData("dpkg")]
    [InlineData("libpam-modules passwd")]
    [InlineData("*")]
    public void Arbor_picks_the_packages_dnf_picks(string specs)
    {
        var request = Request(specs);
        var expected = DnfChoice(request);
        Assert.NotEmpty(expected);
        foreach (var name in request)
            Assert.Contains(expected, n => n.StartsWith(name + "-", StringComparison.Ordinal));
        Assert.Equal(expected, ArborChoice(request));
    }

    [Fact]
    public void The_whole_minbase_composes_into_a_tree_the_real_tools_accept()
    {
        string dir = fx.NewDir("tf");
        File.WriteAllText(Path.Combine(dir, "corpus.repo"), $"[corpus]\nname=Debian minbase as RPMs\nbaseurl=file://{fx.Repo}\ngpgcheck=0\n");
        string treefile = Path.Combine(dir, "minbase.yaml");
        File.WriteAllText(treefile, $"ref: {Ref}\nrepos: [corpus]\npackages: [{string.Join(", ", fx.Packages)}]\n");
        string repo = fx.NewDir("repo");
        Tools.OstreeOk("--repo=" + repo, "init", "--mode=archive");

        var compose = Tools.RunIn(null, TimeSpan.FromMinutes(20), Tools.ArborBin, "compose", "tree", "--repo=" + repo, "--cachedir=" + fx.NewDir("cache"), treefile);
        Assert.True(compose.ExitCode == 0, compose.ToString());
        Tools.OstreeOk("--repo=" + repo, "fsck");

        string checkout = Path.Combine(fx.NewDir("co"), "root");
        Tools.OstreeOk("--repo=" + repo, "checkout", Ref, checkout);
        // rpm reads the tree's rpmdb and finds exactly the set the solver (and dnf) picked.
        var qa = Tools.RunOk("rpm", "--root", checkout, "--dbpath", "/usr/share/rpm", "-qa", "--qf", "%{NEVRA}\\n");
        var installed = qa.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(ArborChoice([.. fx.Packages]), installed);
        Assert.Equal(fx.Packages.Count, installed.Length);

        // The tree runs its own tools: bash lists its /usr/bin, dpkg (a real C program with its
        // libraries from the corpus) prints its version.
        var run = Tools.RunOk("bwrap", "--bind", checkout, "/", "--dev", "/dev", "--proc", "/proc",
            "/bin/bash", "-c", "ls /usr/bin | wc -l; dpkg --version | head -n 1");
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Directory.GetFileSystemEntries(Path.Combine(checkout, "usr/bin")).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), lines[0].Trim());
        string dpkgVersion = installed.Single(n => n.StartsWith("dpkg-", StringComparison.Ordinal))["dpkg-".Length..].Split('-')[0];
        Assert.Equal($"Debian 'dpkg' package management program version {dpkgVersion} (amd64).", lines[1]);
    }
}
