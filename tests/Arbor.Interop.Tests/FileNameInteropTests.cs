// File names that are not UTF-8, committed from a directory and from a tar, against the real
// ostree: both refuse them with "Invalid UTF-8 in filename" and no ref moves.
using System.Runtime.InteropServices;
using System.Text;

namespace Arbor.Interop.Tests;

public sealed partial class FileNameInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-names-").FullName;

    // .NET cannot delete a name it cannot decode.
    public void Dispose() => Tools.RunOk("rm", "-rf", _dir);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int symlink(byte[] target, byte[] linkPath);

    private static byte[] Z(string s, params byte[] tail) => [.. Encoding.UTF8.GetBytes(s), .. tail, 0];

    [Fact]
    public void Names_that_are_not_utf8_are_refused_from_a_directory_and_from_a_tar()
    {
        var src = Path.Combine(_dir, "src");
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "ok"), "x");
        Assert.Equal(0, symlink(Z("ok"), Z(src + "/a", 0xff, (byte)'b')));
        var tar = Path.Combine(_dir, "t.tar");
        Tools.RunOk("tar", "-C", src, "-cf", tar, ".");

        foreach (var tree in new[] { "--tree=dir=" + src, "--tree=tar=" + tar })
        {
            var o = Path.Combine(_dir, "o" + tree.Length);
            var a = Path.Combine(_dir, "a" + tree.Length);
            Tools.OstreeOk("--repo=" + o, "init", "--mode=archive");
            Tools.ArborOk("ostree", "--repo=" + a, "init", "--mode=archive");
            var theirs = Tools.OstreeRun("--repo=" + o, "commit", "-b", "main", tree);
            var ours = Tools.Arbor("ostree", "--repo=" + a, "commit", "-b", "main", tree);
            Assert.True(theirs.ExitCode == 1 && theirs.Stderr.Contains("Invalid UTF-8 in filename a", StringComparison.Ordinal), $"ostree: {theirs}");
            Assert.True(ours.ExitCode == 1 && ours.StderrLines.Count == 1, $"arbor: {ours}");
            Assert.StartsWith("error: Invalid UTF-8 in filename ", ours.Stderr, StringComparison.Ordinal);
            Assert.EndsWith("a\\xffb\n", ours.Stderr, StringComparison.Ordinal);
            Assert.Equal(1, Tools.OstreeRun("--repo=" + a, "rev-parse", "main").ExitCode);
        }
    }
}
