// Progress is for people at a terminal: run through a pseudo-terminal (util-linux `script`), commit,
// checkout, static-delta generation and apply-offline, fsck, pull-local and a host upgrade
// (HostInteropTests) draw ostree's one-line progress ("\r" rewrites); the same commands through a
// pipe print exactly their results and nothing else.
namespace Arbor.Interop.Tests;

[Collection("sysroot")]
public class ProgressTerminalTests(SysrootFixture fx)
{
    /// <summary>Runs a command line in a pseudo-terminal and returns what the terminal showed.</summary>
    internal static string InTerminal(params string[] argv)
    {
        var script = Tools.Require("script", "bsdutils");
        var line = string.Join(' ', argv.Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        var r = Tools.Run(script, "-qec", line, "/dev/null");
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout;
    }

    private string BigTree()
    {
        var tree = fx.NewDir("progress-tree");
        for (int d = 0; d < 20; d++)
        {
            var dir = Directory.CreateDirectory(Path.Combine(tree, $"d{d}")).FullName;
            for (int f = 0; f < 100; f++)
                File.WriteAllText(Path.Combine(dir, $"f{f}"), $"file {d}/{f}\n" + new string('x', f * 37));
        }
        return tree;
    }

    [Fact]
    public void CommitCheckoutAndDeltaShowProgressOnATerminalOnly()
    {
        var repo = fx.NewDir("progress-repo");
        Tools.ArborOk("ostree", "--repo=" + repo, "init", "--mode=archive");
        var tree = BigTree();

        var shown = InTerminal(Tools.ArborBin, "ostree", "--repo=" + repo, "commit", "-b", "main", "--tree=dir=" + tree);
        Assert.Contains("\rCommitting: ", shown, StringComparison.Ordinal);
        Assert.Contains("/2000 files", shown, StringComparison.Ordinal);
        var first = Tools.ArborOk("ostree", "--repo=" + repo, "rev-parse", "main").Stdout.Trim();
        Assert.EndsWith(first + "\r\n", shown, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(tree, "d0", "f1"), "changed\n" + new string('y', 5000));
        var piped = Tools.ArborOk("ostree", "--repo=" + repo, "commit", "-b", "main", "--tree=dir=" + tree);
        var second = Tools.ArborOk("ostree", "--repo=" + repo, "rev-parse", "main").Stdout.Trim();
        Assert.Equal(second + "\n", piped.Stdout);
        Assert.Empty(piped.Stderr);

        var co = Path.Combine(fx.NewDir("progress-co"), "out");
        shown = InTerminal(Tools.ArborBin, "ostree", "--repo=" + repo, "checkout", "-U", "main", co);
        Assert.Contains("\rChecking out: ", shown, StringComparison.Ordinal);
        var co2 = Path.Combine(fx.NewDir("progress-co2"), "out");
        var quiet = Tools.ArborOk("ostree", "--repo=" + repo, "checkout", "-U", "main", co2);
        Assert.Equal("", quiet.Stdout);

        shown = InTerminal(Tools.ArborBin, "ostree", "--repo=" + repo, "static-delta", "generate", "--from=" + first, "--to=" + second);
        Assert.Contains("\rComparing modified files: ", shown, StringComparison.Ordinal);
        var delta = Tools.ArborOk("ostree", "--repo=" + repo, "static-delta", "generate", "--to=" + second);
        Assert.DoesNotContain('\r', delta.Stdout);
        Assert.DoesNotContain("files:", delta.Stdout, StringComparison.Ordinal);

        shown = InTerminal(Tools.ArborBin, "ostree", "--repo=" + repo, "fsck");
        Assert.Contains("\rVerifying: ", shown, StringComparison.Ordinal);
        var fsck = Tools.ArborOk("ostree", "--repo=" + repo, "fsck");
        Assert.DoesNotContain('\r', fsck.Stdout);
        // On a pipe both print "fsck objects (i/N) P%" at most once a second (which i depends on
        // timing) and always the closing 100% line.
        static string[] Steady(string stdout) =>
            stdout.Split('\n').Where(l => !l.StartsWith("fsck objects (", StringComparison.Ordinal) || l.EndsWith(" 100%", StringComparison.Ordinal)).ToArray();
        var theirs = Tools.OstreeOk("--repo=" + repo, "fsck").Stdout;
        Assert.Equal(Steady(theirs), Steady(fsck.Stdout));
        Assert.Contains("\nfsck objects (", fsck.Stdout, StringComparison.Ordinal);
        Assert.Equal(Steady(Tools.OstreeOk("--repo=" + repo, "fsck", "-q").Stdout), Steady(Tools.ArborOk("ostree", "--repo=" + repo, "fsck", "-q").Stdout));

        var file = Path.Combine(fx.NewDir("progress-delta"), "delta");
        Tools.ArborOk("ostree", "--repo=" + repo, "static-delta", "generate", "--empty", "--to=" + second, "--inline", "--filename=" + file);
        var target = fx.NewDir("progress-target");
        Tools.ArborOk("ostree", "--repo=" + target, "init", "--mode=archive");
        shown = InTerminal(Tools.ArborBin, "ostree", "--repo=" + target, "static-delta", "apply-offline", file);
        Assert.Contains("\rApplying: ", shown, StringComparison.Ordinal);
        Assert.Contains(" parts", shown, StringComparison.Ordinal);
        Tools.OstreeOk("--repo=" + target, "fsck");

        var mirror = fx.NewDir("progress-mirror");
        Tools.ArborOk("ostree", "--repo=" + mirror, "init", "--mode=archive");
        shown = InTerminal(Tools.ArborBin, "ostree", "--repo=" + mirror, "pull-local", repo, "main");
        Assert.Contains("\rImporting objects: ", shown, StringComparison.Ordinal);
        Assert.Contains("content objects imported", shown, StringComparison.Ordinal);
    }
}
