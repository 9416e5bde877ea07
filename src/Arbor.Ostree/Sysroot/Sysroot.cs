// An OSTree sysroot (a physical root holding ostree/repo, ostree/deploy and boot), loaded the way
// libostree's ostree-sysroot.c does: the boot version comes from the boot/loader -> loader.N
// symlink, the sub-boot version from ostree/boot.N -> boot.N.M, and the deployments from the BLS
// entries boot/loader.N/entries/ostree-*.conf, ordered by their "version" key, each found through
// its ostree=/ostree/boot.N/OS/BOOTCSUM/SERIAL bootlink. The other parts of this partial class
// (Deploy, WriteDeployments, Cleanup, Init, Edits) change the sysroot; all of them run under the
// sysroot lock (ostree/lock) and reload from disk after writing.
using System.Text.RegularExpressions;
using Arbor.Native;
using Arbor.Ostree.Repo;

using IOPath = System.IO.Path;

namespace Arbor.Ostree.Sysroot;

/// <summary>A loaded sysroot.</summary>
public sealed partial class Sysroot : IDisposable
{
    private static readonly Regex BootlinkRegex = new("^/ostree/boot.([01])/([^/]+)/([^/]+)/([0-9]+)$", RegexOptions.CultureInvariant);
    private static readonly Regex DeployNameRegex = new("^([0-9a-f]+)\\.([0-9]+)$", RegexOptions.CultureInvariant);

    private Repository? _repo;
    private FileStream? _lock;

    private Sysroot(string path)
    {
        Path = IOPath.GetFullPath(path);
    }

    /// <summary>The sysroot directory.</summary>
    public string Path { get; }

    /// <summary>The active boot version (0 or 1).</summary>
    public int BootVersion { get; private set; }

    /// <summary>The active sub-boot version (0 or 1).</summary>
    public int SubBootVersion { get; private set; }

    /// <summary>The deployments, default first.</summary>
    public List<Deployment> Deployments { get; private set; } = [];

    /// <summary>The deployment the running system booted, or null (always null for a sysroot that is not /).</summary>
    public Deployment? Booted { get; private set; }

    /// <summary>True when the running system was booted by ostree from this sysroot.</summary>
    public bool IsBooted { get; private set; }

    /// <summary>Receives what operations report while they run (what libostree sends to the journal and the ostree CLI prints).</summary>
    public Action<SysrootEvent>? Events { get; set; }

    /// <summary>Receives the progress of a deployment's checkout.</summary>
    public IProgress<OperationProgress>? Progress { get; set; }

    /// <summary>The bootloader backend that writes a non-BLS configuration after the BLS entries; null for BLS only.</summary>
    public Bootloader.IBootloader? Bootloader { get; set; }

    /// <summary>The sysroot's repository (ostree/repo).</summary>
    public Repository Repo => _repo ??= Repository.Open(Abs("ostree/repo"));

    /// <summary>An absolute path for a sysroot-relative one.</summary>
    public string Abs(string relative) => IOPath.Combine(Path, relative);

    /// <summary>The absolute directory of a deployment.</summary>
    public string DeploymentDir(Deployment d) => Abs(d.RelativePath);

    /// <summary>Opens a sysroot without loading it (for init-fs).</summary>
    public static Sysroot Open(string path)
    {
        if (!Directory.Exists(path))
            throw new OstreeException($"opendir({path}): No such file or directory");
        return new Sysroot(path);
    }

    /// <summary>Opens and loads a sysroot, optionally under its exclusive lock.</summary>
    /// <exception cref="OstreeException">The sysroot is not initialized or its boot entries are broken.</exception>
    public static Sysroot Load(string path, bool takeLock)
    {
        var s = Open(path);
        try
        {
            // Check before locking: the lock file lives in ostree/, which must not be created here.
            if (!Directory.Exists(s.Abs("ostree/repo")))
                throw new OstreeException("loading sysroot: opendir(ostree/repo): No such file or directory");
            if (takeLock)
                s.Lock();
            s.Reload();
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>The system sysroot path: "/" .</summary>
    public const string DefaultPath = "/";

    /// <summary>Re-reads boot version, sub-boot version and deployments from disk.</summary>
    public void Reload()
    {
        try
        {
            if (!Directory.Exists(Abs("ostree/repo")))
                throw new OstreeException("opendir(ostree/repo): No such file or directory");
            _ = Repo;
            if (!Directory.Exists(Abs("ostree/deploy")))
                throw new OstreeException("fstatat(ostree/deploy): No such file or directory");
            DetectBooted();
            int bootversion = ReadBootVersion();
            int subbootversion = ReadSubBootVersion(bootversion);
            var configs = ReadBootLoaderConfigs(bootversion);
            var deployments = new List<Deployment>();
            Booted = null;
            foreach (var config in configs)
                deployments.Add(DeploymentFromEntry(config));
            if (IsBooted && Booted is null)
            {
                throw new OstreeException(File.Exists(Abs("boot/loader")) || Directory.Exists(Abs("boot/loader"))
                    ? "Unexpected state: /run/ostree-booted found and in / sysroot, but bootloader entry not found"
                    : "Unexpected state: /run/ostree-booted found, but no /boot/loader directory");
            }
            if (LoadStaged() is { } staged)
                deployments.Insert(0, staged);
            for (int i = 0; i < deployments.Count; i++)
                deployments[i].Index = i;
            BootVersion = bootversion;
            SubBootVersion = subbootversion;
            Deployments = deployments;
        }
        catch (OstreeException e)
        {
            throw new OstreeException($"loading sysroot: {e.Message}", e);
        }
    }

    private void DetectBooted()
    {
        // Like libostree: booted only when /run/ostree-booted exists and this sysroot is "/".
        IsBooted = false;
        if (!File.Exists("/run/ostree-booted"))
            return;
        var root = LibC.LStat("/");
        var self = LibC.LStat(Path);
        IsBooted = root.Device == self.Device && root.Inode == self.Inode;
    }

    private int ReadBootVersion()
    {
        var p = Abs("boot/loader");
        if (!LibC.TryLStat(p, out var st, out _))
            return 0;
        if (!st.IsSymlink)
            throw new OstreeException("Not a symbolic link: boot/loader");
        var target = new FileInfo(p).LinkTarget;
        return target switch
        {
            "loader.0" => 0,
            "loader.1" => 1,
            _ => throw new OstreeException($"Invalid target '{target}' in boot/loader"),
        };
    }

    /// <summary>The sub-boot version of <paramref name="bootversion"/> from ostree/boot.N (0 when absent).</summary>
    public int ReadSubBootVersion(int bootversion)
    {
        var name = $"ostree/boot.{bootversion}";
        if (!LibC.TryLStat(Abs(name), out _, out _))
            return 0;
        var target = new FileInfo(Abs(name)).LinkTarget ?? "";
        if (target.EndsWith(".0", StringComparison.Ordinal))
            return 0;
        if (target.EndsWith(".1", StringComparison.Ordinal))
            return 1;
        throw new OstreeException($"Invalid target '{target}' in {name}");
    }

    /// <summary>The BLS entries of a boot version, sorted by descending "version" like libostree.</summary>
    public List<BootConfig> ReadBootLoaderConfigs(int bootversion)
    {
        var dir = Abs($"boot/loader.{bootversion}/entries");
        var list = new List<BootConfig>();
        if (!Directory.Exists(dir))
            return list;
        foreach (var file in Directory.EnumerateFiles(dir))
        {
            var name = IOPath.GetFileName(file);
            if (!name.StartsWith("ostree-", StringComparison.Ordinal) || !name.EndsWith(".conf", StringComparison.Ordinal))
                continue;
            if (!new FileInfo(file).Exists || new FileInfo(file).LinkTarget is not null && !File.Exists(file))
                continue;
            list.Add(BootConfig.Load(file));
        }
        list.Sort(CompareBootConfigs);
        return list;
    }

    private static int CompareBootConfigs(BootConfig a, BootConfig b)
    {
        var av = a.Get("version");
        var bv = b.Get("version");
        if (av is not null && bv is not null)
            return -VersionCompare.StrVersCmp(av, bv);
        return av is not null ? -1 : 1;
    }

    private Deployment DeploymentFromEntry(BootConfig config)
    {
        var bootlink = KernelArgs.SplitOptions(config.Get("options"))
            .FirstOrDefault(o => o.StartsWith("ostree=", StringComparison.Ordinal))?["ostree=".Length..]
            ?? throw new OstreeException("No ostree= kernel argument found");
        var m = BootlinkRegex.Match(bootlink);
        if (!m.Success)
            throw new OstreeException($"Invalid ostree= argument '{bootlink}', expected ostree=/ostree/boot.BOOTVERSION/OSNAME/BOOTCSUM/TREESERIAL");
        var osname = m.Groups[2].Value;
        var bootcsum = m.Groups[3].Value;
        int bootserial = int.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture);
        var prefix = $"Parsing deployment {bootlink} in stateroot '{osname}': ";
        var rel = bootlink[1..];
        string target;
        try
        {
            target = new FileInfo(Abs(rel)).LinkTarget ?? throw new OstreeException($"readlinkat({rel}): Invalid argument");
        }
        catch (IOException e)
        {
            throw new OstreeException(prefix + $"readlinkat({rel}): {e.Message}", e);
        }
        if (!LibC.TryLStat(Abs(rel), out _, out _))
            throw new OstreeException(prefix + $"readlinkat({rel}): No such file or directory");
        var basename = IOPath.GetFileName(target);
        var dm = DeployNameRegex.Match(basename);
        if (!dm.Success)
            throw new OstreeException(prefix + $"Invalid deploy name '{basename}', expected CHECKSUM.TREESERIAL");
        if (!Directory.Exists(Abs(rel)))
            throw new OstreeException(prefix + $"opendir({rel}): No such file or directory");
        var d = new Deployment(-1, osname, dm.Groups[1].Value,
            int.Parse(dm.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), bootcsum, bootserial)
        {
            BootConfig = config,
        };
        try
        {
            d.Origin = OriginFile.TryLoad(Abs(d.OriginRelativePath));
        }
        catch (OstreeException e)
        {
            throw new OstreeException(prefix + e.Message, e);
        }
        foreach (var o in config.OverlayInitrds)
        {
            var bn = IOPath.GetFileName(o);
            if (bn.Length != 64 + ".img".Length)
                throw new OstreeException(prefix + $"Malformed overlay initrd filename: {bn}");
        }
        d.Unlocked = OriginFile.Refspec(d.Origin) is not null && d.Origin!.Get("origin", "unlocked") == "hotfix"
            ? UnlockedState.Hotfix
            : UnlockedState.None;
        var runstate = $"/run/ostree/deployment-state/{d.Csum}.{d.DeploySerial}/";
        if (File.Exists(runstate + "development"))
            d.Unlocked = UnlockedState.Development;
        else if (File.Exists(runstate + "transient"))
            d.Unlocked = UnlockedState.Transient;
        if (IsBooted && Booted is null)
        {
            var root = LibC.LStat("/");
            var self = new DirectoryInfo(Abs(rel)).ResolveLinkTarget(true)?.FullName ?? Abs(rel);
            var st = LibC.LStat(self);
            if (st.Device == root.Device && st.Inode == root.Inode)
                Booted = d;
        }
        return d;
    }

    /// <summary>Takes the exclusive sysroot lock (ostree/lock), waiting for another holder.</summary>
    public void Lock()
    {
        if (_lock is not null)
            return;
        Directory.CreateDirectory(Abs("ostree"));
        var path = Abs("ostree/lock");
        var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        bool announced = false;
        while (!OfdLock.TryLock((int)fs.SafeFileHandle.DangerousGetHandle(), exclusive: true, path))
        {
            if (!announced)
                Raise(new SysrootLockWaiting());
            announced = true;
            Thread.Sleep(50);
        }
        _lock = fs;
    }

    /// <summary>Takes the exclusive sysroot lock if no one else holds it.</summary>
    /// <returns>False when another process holds the lock.</returns>
    public bool TryLock()
    {
        if (_lock is not null)
            return true;
        Directory.CreateDirectory(Abs("ostree"));
        var path = Abs("ostree/lock");
        var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        if (!OfdLock.TryLock((int)fs.SafeFileHandle.DangerousGetHandle(), exclusive: true, path))
        {
            fs.Dispose();
            return false;
        }
        _lock = fs;
        return true;
    }

    /// <summary>Releases the lock; like libglnx the lock file is removed when no one else holds it.</summary>
    public void Dispose()
    {
        if (_lock is null)
            return;
        try
        {
            File.Delete(Abs("ostree/lock"));
        }
        catch (IOException)
        {
        }
        _lock.Dispose();
        _lock = null;
    }

    /// <summary>The pending and rollback deployments of a stateroot relative to the booted one.</summary>
    public (Deployment? Pending, Deployment? Rollback) QueryDeploymentsFor(string? osname)
    {
        osname ??= Booted?.OsName ?? throw new OstreeException("Not currently booted into an OSTree system and no --os= argument given");
        Deployment? pending = null, rollback = null;
        bool foundBooted = false;
        foreach (var d in Deployments)
        {
            if (d.OsName != osname)
                continue;
            if (Booted is not null && d.SameAs(Booted))
            {
                foundBooted = true;
                continue;
            }
            if (!foundBooted && pending is null)
                pending = d;
            else if (foundBooted && rollback is null)
                rollback = d;
        }
        return (pending, rollback);
    }

    /// <summary>The deployment whose /etc and kernel arguments a new deployment of <paramref name="osname"/> inherits.</summary>
    public Deployment? MergeDeployment(string? osname)
    {
        osname ??= Booted?.OsName;
        if (osname is null)
            return null;
        if (Booted is not null && Booted.OsName == osname)
            return Booted;
        return QueryDeploymentsFor(osname).Pending;
    }

    /// <summary>The deployment at <paramref name="index"/>, with ostree's errors.</summary>
    public Deployment GetIndexed(long index)
    {
        if (index < 0)
            throw new OstreeException($"Invalid index {index}");
        if (index >= Deployments.Count)
            throw new OstreeException($"Out of range deployment index {index}, expected < {Deployments.Count}");
        return Deployments[(int)index];
    }

    /// <summary>Marks the deploy directory changed so that watchers reload (libostree bumps its mtime).</summary>
    internal void BumpMtime()
    {
        var now = DateTime.UtcNow;
        Directory.SetLastWriteTimeUtc(Abs("ostree/deploy"), now);
    }

    private void Raise(SysrootEvent e) => Events?.Invoke(e);
}
