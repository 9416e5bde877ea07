// Making an ordered list of deployments the boot configuration (libostree's
// ostree_sysroot_write_deployments). When only the order of deployments that share kernels and
// arguments changes, a new sub-boot version of the bootlinks (ostree/boot.N.M) is enough; otherwise
// the other boot version is built from scratch — kernels into boot/ostree/OS-BOOTCSUM (hardlinked),
// BLS entries into boot/loader.N/entries, bootlinks ostree/boot.N.M/OS/BOOTCSUM/SERIAL -> deployment —
// then everything is flushed with syncfs and boot/loader is switched by renaming a prepared
// symlink over it. A crash at any point leaves boot/loader naming a complete set: the old one
// until the rename, the new one after.
using System.Text;
using Arbor.Native;
using Arbor.Ostree.Objects;

using IOPath = System.IO.Path;

namespace Arbor.Ostree.Sysroot;

/// <summary>Flags of <see cref="Sysroot.SimpleWriteDeployment"/>.</summary>
[Flags]
public enum SimpleWriteFlags
{
    /// <summary>Default: keep only the merge and booted deployments of the stateroot.</summary>
    None = 0,
    /// <summary>Keep every deployment.</summary>
    Retain = 1,
    /// <summary>Add after the booted/merge deployment instead of first.</summary>
    NotDefault = 2,
    /// <summary>Do not clean up afterwards.</summary>
    NoClean = 4,
    /// <summary>Keep pending deployments.</summary>
    RetainPending = 8,
    /// <summary>Keep rollback deployments.</summary>
    RetainRollback = 16,
}

public sealed partial class Sysroot
{
    /// <summary>Adds <paramref name="newDeployment"/> to the boot order, dropping old deployments of its stateroot like libostree.</summary>
    public void SimpleWriteDeployment(string? osname, Deployment newDeployment, Deployment? merge, SimpleWriteFlags flags)
    {
        bool postclean = !flags.HasFlag(SimpleWriteFlags.NoClean);
        bool makeDefault = !flags.HasFlag(SimpleWriteFlags.NotDefault);
        bool retainPending = flags.HasFlag(SimpleWriteFlags.RetainPending);
        bool retainRollback = flags.HasFlag(SimpleWriteFlags.RetainRollback);
        bool retain = flags.HasFlag(SimpleWriteFlags.Retain);
        if (osname is null && Booted is not null)
            osname = Booted.OsName;
        var list = new List<Deployment>();
        bool added = false;
        if (makeDefault)
        {
            list.Add(newDeployment);
            added = true;
        }
        // Without a booted and a merge deployment there is no crossover point: keep everything.
        if (Booted is null && merge is null && (retainPending || retainRollback))
            retain = true;
        bool beforeBooted = true, beforeMerge = true;
        foreach (var d in Deployments)
        {
            bool osMatches = osname is null || d.OsName == osname;
            bool isBooted = d.SameAs(Booted);
            bool isMerge = d.SameAs(merge);
            if (isBooted)
                beforeBooted = false;
            if (isMerge)
                beforeMerge = false;
            bool passed = Booted is not null ? !beforeBooted : !beforeMerge;
            if (retain || d.IsPinned || !osMatches || (retainPending && !passed) || isBooted || isMerge || (retainRollback && passed))
                list.Add(d);
            if (!added && passed)
            {
                list.Add(newDeployment);
                added = true;
            }
        }
        if (!added)
            list.Add(newDeployment);
        WriteDeployments(list, postclean);
    }

    /// <summary>Writes <paramref name="newDeployments"/> (default first) as the boot configuration.</summary>
    /// <exception cref="OstreeException">A deployment directory is missing, or the booted deployment would be dropped.</exception>
    public void WriteDeployments(List<Deployment> newDeployments, bool postclean)
    {
        Bootloader ??= Arbor.Ostree.Sysroot.Bootloader.Bootloaders.Detect(Path);
        bool hadStaged = Staged is not null;
        newDeployments = SplitStaged(newDeployments);
        bool removedStaged = hadStaged && Staged is null;
        var current = Deployments.Where(d => !d.IsStaged).ToList();
        AssignBootSerials(newDeployments);
        bool requiresNewBootversion = newDeployments.Count != current.Count;
        if (!requiresNewBootversion)
        {
            bool noop = true;
            for (int i = 0; i < newDeployments.Count; i++)
            {
                var cur = current[i];
                var nd = newDeployments[i];
                if (!BootConfigsEqual(cur, nd))
                {
                    requiresNewBootversion = true;
                    noop = false;
                    break;
                }
                if (!ReferenceEquals(cur, nd))
                    noop = false;
            }
            if (noop)
            {
                // Dropping a staged deployment still changes what the sysroot lists.
                if (removedStaged)
                {
                    BumpMtime();
                    Reload();
                    GenerateDeploymentRefs();
                }
                return;
            }
        }
        bool foundBooted = false;
        for (int i = 0; i < newDeployments.Count; i++)
        {
            var d = newDeployments[i];
            if (d.SameAs(Booted))
                foundBooted = true;
            if (!Directory.Exists(DeploymentDir(d)))
                throw new OstreeException($"Unable to find expected deployment root: {DeploymentDir(d)}");
            d.Index = i;
        }
        if (Booted is not null && !foundBooted)
            throw new OstreeException("Attempting to remove booted deployment");

        string newSubbootdir;
        bool atomic;
        if (!requiresNewBootversion)
        {
            CreateBootlinks(BootVersion, newDeployments);
            FullSync();
            newSubbootdir = SwapBootlinks(BootVersion);
            atomic = true;
        }
        else
        {
            newSubbootdir = WriteBootswap(newDeployments);
            atomic = Bootloader?.IsAtomic ?? false;
        }
        Raise(new DeploymentsWritten(atomic, requiresNewBootversion, newSubbootdir, newDeployments.Count - current.Count));
        BumpMtime();
        Reload();
        foreach (var d in Deployments)
        {
            var currentLink = Abs($"ostree/deploy/{d.OsName}/current");
            if (LibC.TryLStat(currentLink, out var st, out _))
            {
                if (st.IsDirectory)
                    Directory.Delete(currentLink);
                else
                    File.Delete(currentLink);
            }
        }
        if (postclean)
            Cleanup(pruneRepo: true);
    }

    private static void AssignBootSerials(List<Deployment> deployments)
    {
        var serials = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in deployments)
        {
            var key = d.BootCsum ?? "";
            serials.TryGetValue(key, out int count);
            serials[key] = count + 1;
            d.BootSerial = count;
        }
    }

    private bool BootConfigsEqual(Deployment a, Deployment b)
    {
        if (a.BootCsum != b.BootCsum)
            return false;
        if (!a.BootConfig.OverlayInitrds.SequenceEqual(b.BootConfig.OverlayInitrds))
            return false;
        if (NonOstreeKargs(a) != NonOstreeKargs(b))
            return false;
        if (CommitVersion(a.Csum) != CommitVersion(b.Csum))
            return false;
        return a.OsName == b.OsName;
    }

    private static string NonOstreeKargs(Deployment d)
    {
        var k = KernelArgs.Parse(d.BootConfig.Get("options"));
        k.Replace("ostree");
        return k.ToString();
    }

    /// <summary>The "version" metadata of a commit, or null (also when the commit is missing).</summary>
    public string? CommitVersion(string csum)
    {
        if (!Checksum.TryParse(csum, out var c) || !Repo.HasObject(c, ObjectType.Commit))
            return null;
        try
        {
            return Repo.LoadCommit(c).Version;
        }
        catch (OstreeException)
        {
            return null;
        }
    }

    private string WriteBootswap(List<Deployment> deployments)
    {
        int newBootversion = BootVersion == 0 ? 1 : 0;
        var entries = Abs($"boot/loader.{newBootversion}/entries");
        Step("bootswap-begin");
        if (Directory.Exists(entries))
            Directory.Delete(entries, recursive: true);
        Directory.CreateDirectory(entries);
        bool showOsname = deployments.Skip(1).Any(d => d.OsName != deployments[0].OsName);
        foreach (var d in deployments)
        {
            InstallDeploymentKernel(newBootversion, d, deployments.Count, showOsname);
            Step("entry");
        }
        CreateBootlinks(newBootversion, deployments);
        var subbootdir = SwapBootlinks(newBootversion);
        Bootloader?.WriteConfig(Path, newBootversion, deployments.Select(d => (IReadOnlyList<KeyValuePair<string, string>>)d.BootConfig.Lines()).ToList());
        Step("bootlinks");
        // boot/boot -> . lets paths like /boot/ostree/... work whether or not /boot is its own mount.
        if (!LibC.TryLStat(Abs("boot/boot"), out _, out _))
            File.CreateSymbolicLink(Abs("boot/boot"), ".");
        SymlinkReplace($"loader.{newBootversion}", Abs("boot/loader.tmp"));
        FullSync();
        Step("swap");
        LibC.Rename(Abs("boot/loader.tmp"), Abs("boot/loader"), 0);
        SyncFilesystemOf(Abs("boot"));
        Step("swapped");
        Bootloader?.PostSwap(Path, newBootversion);
        return subbootdir;
    }

    private void InstallDeploymentKernel(int newBootversion, Deployment d, int n, bool showOsname)
    {
        var config = d.BootConfig;
        var deployDir = DeploymentDir(d);
        KernelLayout layout;
        try
        {
            layout = KernelLayout.Find(deployDir);
        }
        catch (OstreeException e)
        {
            throw new OstreeException($"Installing kernel: {e.Message}", e);
        }
        var bootcsumdir = $"ostree/{d.OsName}-{d.BootCsum}";
        var bootcsumAbs = Abs("boot/" + bootcsumdir);
        Directory.CreateDirectory(bootcsumAbs);
        InstallIntoBoot(layout.BootDir, layout.KernelSrc, bootcsumAbs, layout.KernelName);
        if (layout.InitramfsSrc is not null)
            InstallIntoBoot(layout.BootDir, layout.InitramfsSrc, bootcsumAbs, layout.InitramfsName!);
        if (layout.DevicetreeSrc is not null)
        {
            if (layout.DevicetreeName is not null)
                InstallIntoBoot(layout.BootDir, layout.DevicetreeSrc, bootcsumAbs, layout.DevicetreeName);
            else
                CopyDirRecurse(IOPath.Combine(layout.BootDir, layout.DevicetreeSrc), IOPath.Combine(bootcsumAbs, layout.DevicetreeSrc));
        }
        if (layout.KernelHmacSrc is not null)
            InstallIntoBoot(layout.BootDir, layout.KernelHmacSrc, bootcsumAbs, layout.KernelHmacName!);

        var osReleasePath = File.Exists(IOPath.Combine(deployDir, "usr/lib/os-release"))
            ? IOPath.Combine(deployDir, "usr/lib/os-release")
            : IOPath.Combine(deployDir, "etc/os-release");
        string contents;
        try
        {
            contents = File.ReadAllText(osReleasePath);
        }
        catch (IOException e)
        {
            var which = osReleasePath.EndsWith("usr/lib/os-release", StringComparison.Ordinal) ? "/usr/lib/os-release" : "/etc/os-release";
            throw new OstreeException($"Installing kernel: Reading {which}: {e.Message}", e);
        }
        var osRelease = ParseOsRelease(contents);
        var title = osRelease.GetValueOrDefault("PRETTY_NAME") ?? osRelease.GetValueOrDefault("ID")
            ?? throw new OstreeException("Installing kernel: No PRETTY_NAME or ID in /etc/os-release");
        var version = CommitVersion(d.Csum);
        var sb = new StringBuilder(title);
        if (!string.IsNullOrEmpty(version) && !title.Contains(version, StringComparison.Ordinal))
            sb.Append(' ').Append(version);
        sb.Append(" (ostree");
        if (showOsname)
            sb.Append(':').Append(d.OsName);
        sb.Append(':').Append(d.Index).Append(')');
        config.Set("title", sb.ToString());
        config.Set("version", (n - d.Index).ToString(System.Globalization.CultureInfo.InvariantCulture));
        config.Set("linux", $"/{bootcsumdir}/{layout.KernelName}");
        var kargs = KernelArgs.Parse(config.Get("options"));
        if (layout.InitramfsName is not null)
            config.Set("initrd", $"/{bootcsumdir}/{layout.InitramfsName}");
        else
            kargs.Replace($"init=/ostree/boot.{newBootversion}/{d.OsName}/{d.BootCsum}/{d.BootSerial}/usr/lib/ostree/ostree-prepare-root");
        if (layout.DevicetreeName is not null)
            config.Set("devicetree", $"/{bootcsumdir}/{layout.DevicetreeName}");
        else if (layout.DevicetreeSrc is not null)
            config.Set("fdtdir", $"/{bootcsumdir}/{layout.DevicetreeSrc}");
        kargs.Replace($"ostree=/ostree/boot.{newBootversion}/{d.OsName}/{d.BootCsum}/{d.BootSerial}");
        config.Set("options", kargs.ToString());
        config.Write(Abs($"boot/loader.{newBootversion}/entries/{EntryFileName(n, d)}"));
    }

    /// <summary>The BLS file name of a deployment among <paramref name="n"/>: ostree-(N-INDEX)-OS.conf.</summary>
    public static string EntryFileName(int n, Deployment d) =>
        $"ostree-{(n - d.Index).ToString(System.Globalization.CultureInfo.InvariantCulture)}-{d.OsName}.conf";

    // Hardlink when /boot shares the filesystem, else copy via a temp file so a crash never leaves
    // a truncated kernel under its final name.
    private static void InstallIntoBoot(string srcDir, string srcName, string destDir, string destName)
    {
        var dest = IOPath.Combine(destDir, destName);
        if (File.Exists(dest))
            return;
        var src = IOPath.Combine(srcDir, srcName);
        int err = LibC.TryLink(src, dest);
        if (err == 0)
            return;
        if (err is not (LibC.EXDEV or LibC.EMLINK))
            throw new NativeIOException("linkat", destName, err);
        var st = LibC.LStat(src);
        var tmp = IOPath.Combine(destDir, $".tmp-{destName}-{Guid.NewGuid():N}");
        using (var input = File.OpenRead(src))
        using (var output = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
        {
            input.CopyTo(output);
            output.Flush(flushToDisk: true);
        }
        LibC.LChown(tmp, st.Uid, st.Gid);
        File.SetUnixFileMode(tmp, (UnixFileMode)(st.Mode & 0xFFF));
        LibC.Rename(tmp, dest, LibC.RENAME_NOREPLACE);
    }

    private static void CopyDirRecurse(string src, string dest)
    {
        if (!Directory.Exists(dest))
            Directory.CreateDirectory(dest);
        var st = LibC.LStat(src);
        foreach (var entry in Directory.EnumerateFileSystemEntries(src))
        {
            var to = IOPath.Combine(dest, IOPath.GetFileName(entry));
            if (LibC.LStat(entry).IsDirectory)
                CopyDirRecurse(entry, to);
            else
                File.Copy(entry, to, overwrite: true);
        }
        LibC.LChown(dest, st.Uid, st.Gid);
        File.SetUnixFileMode(dest, (UnixFileMode)(st.Mode & 0xFFF));
    }

    private void CreateBootlinks(int bootversion, List<Deployment> deployments)
    {
        int oldSub = bootversion != BootVersion ? ReadSubBootVersion(bootversion) : SubBootVersion;
        int newSub = oldSub == 0 ? 1 : 0;
        var subdir = Abs($"ostree/boot.{bootversion}.{newSub}");
        if (LibC.TryLStat(subdir, out _, out _))
            Directory.Delete(subdir, recursive: true);
        Directory.CreateDirectory(subdir);
        foreach (var d in deployments)
        {
            var parent = IOPath.Combine(subdir, d.OsName, d.BootCsum!);
            Directory.CreateDirectory(parent);
            SymlinkReplace($"../../../deploy/{d.OsName}/deploy/{d.Csum}.{d.DeploySerial}",
                IOPath.Combine(parent, d.BootSerial.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    private string SwapBootlinks(int bootversion)
    {
        int oldSub = bootversion != BootVersion ? ReadSubBootVersion(bootversion) : SubBootVersion;
        int newSub = oldSub == 0 ? 1 : 0;
        var name = $"boot.{bootversion}.{newSub}";
        SymlinkReplace(name, Abs($"ostree/boot.{bootversion}"));
        return name;
    }

    // Create PATH.tmp then rename it over PATH: readers see the old target or the new one.
    private static void SymlinkReplace(string target, string path)
    {
        var tmp = path + ".tmp";
        if (LibC.TryLStat(tmp, out _, out _))
            File.Delete(tmp);
        File.CreateSymbolicLink(tmp, target);
        LibC.Rename(tmp, path, 0);
    }

    // syncfs the filesystems of /ostree (the repository lives there) and /boot, which may differ.
    private void FullSync()
    {
        SyncFilesystemOf(Abs("ostree/repo/config"));
        SyncFilesystemOf(Abs("boot"));
    }

    private static void SyncFilesystemOf(string path)
    {
        // A directory cannot be opened through FileStream; any regular file on the same
        // filesystem serves for syncfs, and failing that a fresh temp file does.
        string? file = File.Exists(path) ? path : null;
        if (file is null && Directory.Exists(path))
            file = Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).FirstOrDefault();
        if (file is not null)
        {
            using var h = File.OpenHandle(file, FileMode.Open, FileAccess.Read);
            LibC.Syncfs((int)h.DangerousGetHandle(), path);
            return;
        }
        var tmp = IOPath.Combine(path, $".sync-{Guid.NewGuid():N}");
        using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            LibC.Syncfs((int)fs.SafeFileHandle.DangerousGetHandle(), path);
    }

    /// <summary>Parses os-release text like libostree: KEY=VALUE lines, values shell-unquoted, last one wins.</summary>
    public static Dictionary<string, string> ParseOsRelease(string contents)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in contents.Split('\n'))
        {
            if (line.StartsWith('#'))
                continue;
            int eq = line.IndexOf('=');
            if (eq < 0)
                continue;
            if (ShellUnquote(line[(eq + 1)..]) is { } v)
                d[line[..eq]] = v;
        }
        return d;
    }

    /// <summary>glib's g_shell_unquote: '…' literal, "…" with \\ \" \$ \` and line continuations, bare backslashes escape; null when a quote is unterminated.</summary>
    public static string? ShellUnquote(string s)
    {
        var sb = new StringBuilder();
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '\\')
            {
                if (i + 1 < s.Length)
                {
                    if (s[i + 1] != '\n')
                        sb.Append(s[i + 1]);
                    i += 2;
                }
                else
                {
                    sb.Append('\\');
                    i++;
                }
            }
            else if (c == '\'')
            {
                int end = s.IndexOf('\'', i + 1);
                if (end < 0)
                    return null;
                sb.Append(s, i + 1, end - i - 1);
                i = end + 1;
            }
            else if (c == '"')
            {
                i++;
                bool closed = false;
                while (i < s.Length)
                {
                    char q = s[i];
                    if (q == '"')
                    {
                        closed = true;
                        i++;
                        break;
                    }
                    if (q == '\\' && i + 1 < s.Length && s[i + 1] is '"' or '\\' or '$' or '`' or '\n')
                    {
                        if (s[i + 1] != '\n')
                            sb.Append(s[i + 1]);
                        i += 2;
                        continue;
                    }
                    sb.Append(q);
                    i++;
                }
                if (!closed)
                    return null;
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }
        return sb.ToString();
    }
}
