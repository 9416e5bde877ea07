// Creating a deployment on disk (ostree_sysroot_deploy_tree in libostree): check the commit out
// as a hardlink farm at ostree/deploy/OS/deploy/CSUM.SERIAL, find its kernel and boot checksum,
// give it a writable /etc (from usr/etc, merged with the merge deployment's local changes), stamp
// the stateroot /var, write the .origin file and seal the tree immutable. Nothing here touches
// the boot configuration: the new deployment becomes bootable only when WriteDeployments puts it
// in a new set of entries. A failure removes the half-made tree, so bad input leaves no trace.
using Arbor.Native;
using Arbor.Ostree.Checkout;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

using IOPath = System.IO.Path;

namespace Arbor.Ostree.Sysroot;

public sealed partial class Sysroot
{
    /// <summary>Test hook: called with a step name between the steps of deploy and of writing deployments.</summary>
    public static Action<string>? FaultPoint { get; set; }

    internal static void Step(string name) => FaultPoint?.Invoke(name);

    /// <summary>Fails unless the stateroot exists.</summary>
    public void RequireStateroot(string osname)
    {
        if (osname.Length == 0 || osname.Contains('/') || osname is "." or "..")
            throw new OstreeException($"Invalid stateroot name '{osname}'");
        if (!Directory.Exists(Abs($"ostree/deploy/{osname}")))
            throw new OstreeException($"No such stateroot: {osname}");
    }

    /// <summary>Lists the deployment directories of a stateroot as (csum, serial).</summary>
    public List<(string Csum, int Serial)> ListDeploymentDirs(string osname)
    {
        var list = new List<(string, int)>();
        var dir = Abs($"ostree/deploy/{osname}/deploy");
        if (!Directory.Exists(dir))
            return list;
        foreach (var d in new DirectoryInfo(dir).EnumerateDirectories())
        {
            if (d.LinkTarget is not null)
                continue;
            var m = DeployNameRegex.Match(d.Name);
            if (!m.Success)
                throw new OstreeException($"Invalid deploy name '{d.Name}', expected CHECKSUM.TREESERIAL");
            list.Add((m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)));
        }
        return list;
    }

    /// <summary>Deploys <paramref name="revision"/> of stateroot <paramref name="osname"/> on disk (not yet bootable).</summary>
    /// <param name="osname">Stateroot; null for the booted one.</param>
    /// <param name="revision">The commit checksum.</param>
    /// <param name="origin">Origin file contents.</param>
    /// <param name="merge">Deployment whose /etc changes and kernel arguments carry over, or null.</param>
    /// <param name="overrideKargs">Kernel arguments to use instead of the merge deployment's, or null.</param>
    /// <returns>The new deployment, with its boot checksum and boot entry options set.</returns>
    public Deployment DeployTree(string? osname, string revision, KeyFile? origin, Deployment? merge, IReadOnlyList<string>? overrideKargs)
    {
        var d = InitializeDeployment(osname, revision, origin, merge, overrideKargs);
        var dir = DeploymentDir(d);
        try
        {
            Step("finalize");
            FinalizeDeployment(d, dir);
        }
        catch
        {
            RemoveTree(dir);
            throw;
        }
        return d;
    }

    // Checkout, kernel, kernel arguments and /etc (merged with `merge`, or the defaults when null);
    // a staged deployment stops here until finalize-staged.
    private Deployment InitializeDeployment(string? osname, string revision, KeyFile? origin, Deployment? merge, IReadOnlyList<string>? overrideKargs)
    {
        osname ??= Booted?.OsName ?? throw new OstreeException("Not currently booted into an OSTree system and no --os= argument given");
        RequireStateroot(osname);
        var commit = Checksum.TryParse(revision, out var c) ? c : throw new OstreeException($"Invalid checksum '{revision}'");
        if (!Repo.HasObject(commit, ObjectType.Commit))
            throw new OstreeException($"No such metadata object {revision}.commit");
        int serial = 0;
        foreach (var (csum, s) in ListDeploymentDirs(osname))
        {
            if (csum == revision)
                serial = Math.Max(serial, s + 1);
        }
        var d = new Deployment(0, osname, revision, serial, null, -1) { Origin = origin };
        var deployParent = Abs($"ostree/deploy/{osname}/deploy");
        bool createdParent = !Directory.Exists(deployParent);
        var dir = DeploymentDir(d);
        try
        {
            Directory.CreateDirectory(deployParent);
            if (Directory.Exists(dir))
                RemoveTree(dir);
            Step("checkout");
            TreeCheckout.Run(Repo, commit, dir, new CheckoutOptions { Progress = Progress });
            var layout = KernelLayout.Find(dir);
            d.BootCsum = layout.BootCsum;
            d.BootConfig = new BootConfig();
            if (overrideKargs is not null)
            {
                var k = new KernelArgs();
                k.AppendAll(overrideKargs);
                d.BootConfig.Set("options", k.ToString());
            }
            else if (merge?.BootConfig.Get("options") is { } mergeOptions)
            {
                d.BootConfig.Set("options", mergeOptions);
            }
            Step("etc");
            PrepareEtc(dir, merge);
            LintVar(d, dir);
        }
        catch
        {
            if (Directory.Exists(dir))
                RemoveTree(dir);
            if (createdParent && Directory.Exists(deployParent) && !Directory.EnumerateFileSystemEntries(deployParent).Any())
                Directory.Delete(deployParent);
            throw;
        }
        return d;
    }

    private void PrepareEtc(string dir, Deployment? merge)
    {
        var etc = IOPath.Combine(dir, "etc");
        var usrEtc = IOPath.Combine(dir, "usr/etc");
        bool etcExists = LibC.TryLStat(etc, out _, out _);
        bool usrEtcExists = LibC.TryLStat(usrEtc, out _, out _);
        if (etcExists)
        {
            if (usrEtcExists)
                throw new OstreeException("Preparing /etc: Tree contains both /etc and /usr/etc");
            // Old trees ship /etc; libostree moves it to /usr/etc and proceeds as usual.
            Directory.Move(etc, usrEtc);
            usrEtcExists = true;
        }
        if (!usrEtcExists)
            return;
        if (merge is not null)
        {
            var mergeDir = DeploymentDir(merge);
            EtcMerge.Merge(IOPath.Combine(mergeDir, "usr/etc"), IOPath.Combine(mergeDir, "etc"), usrEtc, etc);
        }
        else
        {
            TreeCopy.Copy(usrEtc, etc);
        }
    }

    private void LintVar(Deployment d, string dir)
    {
        var v = IOPath.Combine(dir, "var");
        if (!Directory.Exists(v) || new DirectoryInfo(v).LinkTarget is not null)
            return;
        foreach (var e in Directory.EnumerateFileSystemEntries(v))
            Raise(new VarContentIgnored(d.Csum, IOPath.GetFileName(e)));
    }

    private void FinalizeDeployment(Deployment d, string dir)
    {
        var osdeploy = Abs($"ostree/deploy/{d.OsName}");
        var varDir = Booted is not null && Booted.OsName == d.OsName ? "/var" : IOPath.Combine(osdeploy, "var");
        if (!Directory.Exists(varDir))
            throw new OstreeException($"opendir({(varDir == "/var" ? "/var" : "var")}): No such file or directory");
        // systemd's ConditionNeedsUpdate= services must run after booting the new tree.
        PathRemoval.DeleteFileIfExists(IOPath.Combine(dir, "etc/.updated"));
        PathRemoval.DeleteFileIfExists(IOPath.Combine(varDir, ".updated"));
        var stamp = IOPath.Combine(osdeploy, "var/.ostree-selabeled");
        if (!LibC.TryLStat(stamp, out _, out _))
        {
            Raise(new VarRelabeling());
            AtomicFile.WriteAllBytes(stamp, [], fsync: true);
        }
        WriteOrigin(d, d.Origin, fsync: false);
        Step("seal");
        ImmutableFlag.Set(dir, immutable: true);
    }

    /// <summary>Writes (or, with a null origin, leaves alone) a deployment's origin file.</summary>
    internal void WriteOrigin(Deployment d, KeyFile? origin, bool fsync)
    {
        if (origin is null)
            return;
        AtomicFile.WriteAllText(Abs(d.OriginRelativePath), origin.ToString(), fsync);
    }

    /// <summary>Removes a deployment tree, lifting the immutable flag first.</summary>
    internal static void RemoveTree(string dir)
    {
        if (!LibC.TryLStat(dir, out var st, out _))
            return;
        if (!st.IsDirectory)
        {
            File.Delete(dir);
            return;
        }
        ImmutableFlag.Set(dir, immutable: false);
        MakeWritable(dir);
        Directory.Delete(dir, recursive: true);
    }

    private static void MakeWritable(string dir)
    {
        // Checked-out directories may be read-only (e.g. 0555); deletion needs write permission.
        // Symlinks are skipped, not followed: a deployment links to "..", to /usr/lib/…, anywhere.
        foreach (var d in new DirectoryInfo(dir).EnumerateDirectories("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            if ((d.UnixFileMode & UnixFileMode.UserWrite) == 0)
                d.UnixFileMode |= UnixFileMode.UserWrite;
        }
        var top = new DirectoryInfo(dir);
        if ((top.UnixFileMode & UnixFileMode.UserWrite) == 0)
            top.UnixFileMode |= UnixFileMode.UserWrite;
    }
}
