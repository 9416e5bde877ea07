using System.Diagnostics;
using Arbor.Native;

namespace Arbor.Ostree.Tests;

/// <summary>
/// A directory on a different filesystem from <c>near</c>, so that link(2) and rename(2) between
/// them fail with EXDEV: /dev/shm when it is a separate mount, else a tmpfs mounted for the test.
/// </summary>
public sealed class OtherFilesystem : IDisposable
{
    private readonly string? _mountPoint;

    public string Path { get; }

    public OtherFilesystem(string near)
    {
        ulong device = LibC.LStat(near).Device;
        if (Directory.Exists("/dev/shm") && LibC.LStat("/dev/shm").Device != device)
        {
            Path = "/dev/shm/arbor-xdev-" + Guid.NewGuid().ToString("N")[..12];
            Directory.CreateDirectory(Path);
            return;
        }
        _mountPoint = Directory.CreateTempSubdirectory("arbor-tmpfs-").FullName;
        Run("mount", "-t", "tmpfs", "tmpfs", _mountPoint);
        Path = _mountPoint + "/d";
        Directory.CreateDirectory(Path);
        Assert.NotEqual(device, LibC.LStat(Path).Device);
    }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    private static void Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {err}");
    }

    public void Dispose()
    {
        foreach (var d in Directory.EnumerateDirectories(Path, "*", TempDir.NoSymlinks))
            File.SetUnixFileMode(d, (UnixFileMode)0x1ED);
        Directory.Delete(Path, recursive: true);
        if (_mountPoint is not null)
        {
            Run("umount", _mountPoint);
            Directory.Delete(_mountPoint);
        }
    }
}
