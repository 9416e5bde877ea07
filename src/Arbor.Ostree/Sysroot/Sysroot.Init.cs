// Creating a sysroot (`ostree admin init-fs`) and a stateroot (`ostree admin os-init`) with the
// same directories, modes and symlinks libostree makes: the traditional top-level directories,
// ostree/repo as a bare repository, ostree/deploy, and per stateroot a /var skeleton.
using Arbor.Native;
using Arbor.Ostree.Repo;

using IOPath = System.IO.Path;

namespace Arbor.Ostree.Sysroot;

public sealed partial class Sysroot
{
    /// <summary>Initializes a physical root at <paramref name="path"/> (which must exist).</summary>
    /// <param name="path">The root directory.</param>
    /// <param name="modern">Only create boot and ostree (<c>--modern</c>).</param>
    public static void InitFs(string path, bool modern)
    {
        if (!Directory.Exists(path))
            throw new OstreeException($"opendir({path}): No such file or directory");
        Directory.CreateDirectory(IOPath.Combine(path, "boot"));
        if (!modern)
        {
            foreach (var d in new[] { "boot", "dev", "home", "proc", "run", "sys" })
                MkdirMode(IOPath.Combine(path, d), 0x1ED);
            MkdirMode(IOPath.Combine(path, "root"), 0x1C0);
            MkdirMode(IOPath.Combine(path, "tmp"), 0x3FF);
            File.SetUnixFileMode(IOPath.Combine(path, "tmp"), (UnixFileMode)0x3FF);
        }
        EnsureInitialized(path);
    }

    // mkdir -p with a mode for a new directory (subject to the umask, as in libostree); existing ones are left alone.
    private static void MkdirMode(string path, int mode)
    {
        if (Directory.Exists(path))
            return;
        Directory.CreateDirectory(path, (UnixFileMode)mode);
    }

    /// <summary>Creates ostree/repo (bare) and ostree/deploy when missing.</summary>
    public static void EnsureInitialized(string path)
    {
        Directory.CreateDirectory(IOPath.Combine(path, "ostree/repo"));
        Directory.CreateDirectory(IOPath.Combine(path, "ostree/deploy"));
        Repository.Create(IOPath.Combine(path, "ostree/repo"), RepoMode.Bare);
    }

    /// <summary>Creates the stateroot <paramref name="osname"/> with its /var skeleton.</summary>
    public void InitOsName(string osname)
    {
        if (osname.Length == 0 || osname.Contains('/') || osname is "." or "..")
            throw new OstreeException($"Invalid stateroot name '{osname}'");
        EnsureInitialized(Path);
        var deploydir = Abs($"ostree/deploy/{osname}");
        if (LibC.TryLStat(deploydir, out _, out _))
            throw new OstreeException($"Creating ostree/deploy/{osname}: File exists");
        // Build under a temporary name and rename, so a crash never leaves half a stateroot.
        var tmp = Abs($"ostree/deploy/.tmp-{osname}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(tmp, (UnixFileMode)0x1FF);
            Directory.CreateDirectory(IOPath.Combine(tmp, "var"), (UnixFileMode)0x1FF);
            var vtmp = IOPath.Combine(tmp, "var/tmp");
            Directory.CreateDirectory(vtmp, (UnixFileMode)0x1FF);
            File.SetUnixFileMode(vtmp, (UnixFileMode)0x3FF);
            Directory.CreateDirectory(IOPath.Combine(tmp, "var/lib"), (UnixFileMode)0x1FF);
            Directory.CreateDirectory(IOPath.Combine(tmp, "var/log"), (UnixFileMode)0x1ED);
            File.CreateSymbolicLink(IOPath.Combine(tmp, "var/run"), "../run");
            File.CreateSymbolicLink(IOPath.Combine(tmp, "var/lock"), "../run/lock");
            LibC.Rename(tmp, deploydir, LibC.RENAME_NOREPLACE);
        }
        catch
        {
            if (Directory.Exists(tmp))
                Directory.Delete(tmp, recursive: true);
            throw;
        }
        BumpMtime();
    }
}
