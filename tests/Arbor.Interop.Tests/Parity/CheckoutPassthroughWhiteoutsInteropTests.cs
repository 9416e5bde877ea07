// `checkout --process-passthrough-whiteouts` against the real ostree: each regular file
// .ostree-wh.NAME of the commit becomes a character device 0:0 named NAME with the file's
// permission bits (and owner, outside user mode), the way overlayfs marks a whiteout; an existing
// NAME is replaced under --union and kept under --union-add. Both tools check out the same commit
// and the resulting trees are compared entry by entry (type, mode, owner, device numbers).
namespace Arbor.Interop.Tests.Parity;

[Collection("interop")]
public sealed class CheckoutPassthroughWhiteoutsInteropTests(InteropFixture fx)
{
    private static string Listing(string root) =>
        Tools.RunOk("find", root, "-printf", "%P|%y|%m|%U|%G\\n").Stdout.Split('\n').Where(l => l.Length > 0).Order(StringComparer.Ordinal)
            .Select(l => l.Split('|')[1] == "c" ? l + "|" + Tools.RunOk("stat", "-c", "%t:%T", Path.Combine(root, l.Split('|')[0])).Stdout.Trim() : l)
            .Aggregate("", (a, l) => a + l + "\n");

    [Fact]
    public void Passthrough_whiteouts_become_char_devices_as_in_ostree()
    {
        var tree = fx.NewDir("pwh-tree");
        Directory.CreateDirectory(Path.Combine(tree, "usr/lib"));
        File.WriteAllText(Path.Combine(tree, "usr/lib/.ostree-wh.gone"), "");
        File.SetUnixFileMode(Path.Combine(tree, "usr/lib/.ostree-wh.gone"), (UnixFileMode)Convert.ToInt32("0640", 8));
        File.WriteAllText(Path.Combine(tree, ".ostree-wh.top"), "content is ignored\n");
        File.WriteAllText(Path.Combine(tree, "usr/lib/.wh.docker"), "");
        File.WriteAllText(Path.Combine(tree, "usr/lib/kept"), "kept\n");
        File.CreateSymbolicLink(Path.Combine(tree, ".ostree-wh.symlink"), "kept");
        var repo = fx.NewDir("pwh-repo");
        Tools.OstreeOk("--repo=" + repo, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + repo, "commit", "-b", "m", "--owner-uid=0", "--owner-gid=0", "--add-metadata-string=x=y", tree);

        string[][] variants = [["--process-passthrough-whiteouts"], ["--process-passthrough-whiteouts", "-U"], ["--process-passthrough-whiteouts", "--whiteouts"], []];
        int n = 0;
        foreach (var v in variants)
        {
            var o = Path.Combine(fx.NewDir($"pwh-o{n}"), "co");
            var a = Path.Combine(fx.NewDir($"pwh-a{n}"), "co");
            n++;
            Tools.OstreeOk(["--repo=" + repo, "checkout", .. v, "m", o]);
            Tools.ArborOk(["ostree", "--repo=" + repo, "checkout", .. v, "m", a]);
            var listing = Listing(o);
            Assert.Equal(listing, Listing(a));
            if (v.Length > 0)
                Assert.Contains("usr/lib/gone|c|", listing);
        }

        // Over an existing checkout: --union replaces the existing NAME, --union-add keeps it.
        foreach (var union in new[] { "--union", "--union-add" })
        {
            var o = fx.NewDir($"pwh-union-o{union}");
            var a = fx.NewDir($"pwh-union-a{union}");
            foreach (var d in new[] { o, a })
            {
                Directory.CreateDirectory(Path.Combine(d, "usr/lib"));
                File.WriteAllText(Path.Combine(d, "usr/lib/gone"), "was here\n");
            }
            Tools.OstreeOk("--repo=" + repo, "checkout", "--process-passthrough-whiteouts", union, "m", o);
            Tools.ArborOk("ostree", "--repo=" + repo, "checkout", "--process-passthrough-whiteouts", union, "m", a);
            Assert.Equal(Listing(o), Listing(a));
        }
    }
}
