// Removing a deployment tree: read-only directories inside it are made writable so they can go,
// and symlinks in it (to "..", to directories outside it) are removed as links, never followed.

namespace Arbor.Ostree.Tests.Sysroot;

public sealed class DeployRemovalTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void RemovalNeverFollowsSymlinks()
    {
        var outside = _tmp["outside/ro"];
        Directory.CreateDirectory(outside);
        File.SetUnixFileMode(outside, (UnixFileMode)0x16D);
        var deploy = _tmp["deploy"];
        Directory.CreateDirectory(Path.Combine(deploy, "usr/ro"));
        File.WriteAllText(Path.Combine(deploy, "usr/ro/f"), "x");
        File.SetUnixFileMode(Path.Combine(deploy, "usr/ro"), (UnixFileMode)0x16D);
        File.CreateSymbolicLink(Path.Combine(deploy, "usr/outside"), _tmp["outside"]);
        File.CreateSymbolicLink(Path.Combine(deploy, "usr/up"), "..");

        Arbor.Ostree.Sysroot.Sysroot.RemoveTree(deploy);

        Assert.False(Directory.Exists(deploy));
        Assert.Equal((UnixFileMode)0x16D, File.GetUnixFileMode(outside));
    }
}
