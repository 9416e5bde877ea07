using Arbor.Compose.Assemble;
using Arbor.Native;

namespace Arbor.Compose.Tests;

public class PackageScriptsTests
{
    [Theory]
    [InlineData("glibc", "prein", false, true)]
    [InlineData("glibc", "%prein", false, true)]
    [InlineData("systemd", "transfiletriggerin", false, true)]
    [InlineData("systemd", "posttrans", false, false)]
    [InlineData("foobar", "post", false, false)]
    [InlineData("microcode_ctl", "post", true, true)]
    [InlineData("kernel-core", "posttrans", false, true)]
    [InlineData("kernel-core", "posttrans", true, false)]
    [InlineData("kernel-automotive-debug-modules", "posttrans", false, true)]
    [InlineData("kernel-uek-modules", "posttrans", false, false)]
    [InlineData("kernel-core", "post", false, false)]
    public void The_ignore_list_is_rpm_ostrees(string package, string script, bool kernelInstall, bool ignored) =>
        Assert.Equal(ignored, PackageScripts.IsIgnored(package, script, kernelInstall));

    [Fact]
    public void Breaking_hardlinks_keeps_content_mode_and_time_and_leaves_single_links_alone()
    {
        string dir = Directory.CreateTempSubdirectory("arbor-hardlinks-").FullName;
        try
        {
            string outside = Path.Combine(dir, "object"), tree = Path.Combine(dir, "tree");
            Directory.CreateDirectory(Path.Combine(tree, "sub"));
            File.WriteAllText(outside, "shared");
            File.SetUnixFileMode(outside, (UnixFileMode)0x1ED);
            var stamp = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(outside, stamp);
            LibC.Link(outside, Path.Combine(tree, "sub/linked"));
            File.WriteAllText(Path.Combine(tree, "single"), "alone");
            ulong singleInode = LibC.LStat(Path.Combine(tree, "single")).Inode;

            Assert.Equal(1, HardlinkBreaker.BreakUnder(tree));

            var copy = LibC.LStat(Path.Combine(tree, "sub/linked"));
            Assert.NotEqual(LibC.LStat(outside).Inode, copy.Inode);
            Assert.Equal(1u, copy.NLink);
            Assert.Equal(1u, LibC.LStat(outside).NLink);
            Assert.Equal(0x1EDu, copy.Mode & 0xFFF);
            Assert.Equal("shared", File.ReadAllText(Path.Combine(tree, "sub/linked")));
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(tree, "sub/linked")));
            Assert.Equal(singleInode, LibC.LStat(Path.Combine(tree, "single")).Inode);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
