// Staged deployments (libostree's ostree_sysroot_stage_tree and finalize-staged): on a booted
// system a new deployment can be checked out now and made bootable at shutdown, so that /etc
// changes made until then are carried over. Staging checks the tree out (with /etc still the
// defaults), writes its origin and records the rest in /run/ostree/staged-deployment — an a{sv}
// with "target" {name, osname, bootcsum}, the "merge-deployment", optional "kargs" and
// "locked" — which lives in /run, so an unfinished stage disappears with a reboot. Loading
// a booted sysroot puts the staged deployment first, marked staged; it has no boot entry.
// Finalizing (ostree-finalize-staged.service runs `ostree admin finalize-staged`) removes the
// state file, does the /etc merge against the merge deployment, seals the tree and writes the
// deployments; writing a list without the staged deployment first drops it.
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Repo;

using IOPath = System.IO.Path;

namespace Arbor.Ostree.Sysroot;

public sealed partial class Sysroot
{
    /// <summary>Where a staged deployment is recorded until shutdown.</summary>
    public const string StagedStatePath = "/run/ostree/staged-deployment";

    /// <summary>The older flag file that also keeps a staged deployment from being finalized.</summary>
    public const string StagedLockedPath = "/run/ostree/staged-deployment-locked";

    private static readonly GVariantType StagedType = GVariantType.VarDict;

    /// <summary>The staged deployment, when one is pending finalization.</summary>
    public Deployment? Staged { get; private set; }

    private Dictionary<string, GVariantValue>? _stagedData;

    /// <summary>Checks out <paramref name="revision"/> now and records it for finalization at shutdown.</summary>
    /// <param name="osname">Stateroot; null for the booted one.</param>
    /// <param name="revision">The commit checksum.</param>
    /// <param name="origin">Origin file contents.</param>
    /// <param name="merge">Deployment whose /etc changes and kernel arguments carry over at finalization.</param>
    /// <param name="overrideKargs">Kernel arguments instead of the merge deployment's, or null.</param>
    /// <param name="locked">Do not finalize at shutdown (--lock-finalization).</param>
    /// <returns>The staged deployment.</returns>
    /// <exception cref="OstreeException">The system is not booted from this sysroot, or the tree cannot be deployed.</exception>
    public Deployment StageTree(string? osname, string revision, KeyFile? origin, Deployment? merge, IReadOnlyList<string>? overrideKargs, bool locked)
    {
        if (Booted is null)
            throw new OstreeException("Cannot stage deployment: Not currently booted into an OSTree system");
        var d = InitializeDeployment(osname, revision, origin, merge: null, overrideKargs);
        WriteOrigin(d, origin, fsync: false);
        var entries = new List<(string, GVariantValue)> { ("target", SerializeDeployment(d)) };
        if (locked)
            entries.Add(("locked", GVariantValue.Bool(true)));
        if (merge is not null)
            entries.Add(("merge-deployment", SerializeDeployment(merge)));
        if (overrideKargs is not null)
            entries.Add(("kargs", GVariantValue.StrArray(overrideKargs)));
        var state = new GVArray(GVariantType.Parse("{sv}"), entries.Select(e => (GVariantValue)new GVDictEntry(GVariantValue.Str(e.Item1), GVariantValue.Box(e.Item2))).ToList());
        Directory.CreateDirectory(IOPath.GetDirectoryName(StagedStatePath)!);
        Step("stage");
        AtomicFile.WriteAllBytes(StagedStatePath, state.Serialize(), fsync: false);
        if (locked)
            File.WriteAllBytes(StagedLockedPath, []);
        // A stage replaces the previous one.
        if (Staged is { } previous && !previous.SameAs(d))
        {
            RemoveTree(DeploymentDir(previous));
            PathRemoval.DeleteFileIfExists(Abs(previous.OriginRelativePath));
            if (!locked)
                PathRemoval.DeleteFileIfExists(StagedLockedPath);
        }
        BumpMtime();
        Reload();
        Cleanup(pruneRepo: false);
        return Deployments.First(x => x.SameAs(d));
    }

    private static GVariantValue SerializeDeployment(Deployment d) =>
        new GVArray(GVariantType.Parse("{sv}"),
        [
            new GVDictEntry(GVariantValue.Str("name"), GVariantValue.Box(GVariantValue.Str($"{d.Csum}.{d.DeploySerial}"))),
            new GVDictEntry(GVariantValue.Str("osname"), GVariantValue.Box(GVariantValue.Str(d.OsName))),
            new GVDictEntry(GVariantValue.Str("bootcsum"), GVariantValue.Box(GVariantValue.Str(d.BootCsum ?? ""))),
        ]);

    private Deployment DeserializeDeployment(GVariantValue v)
    {
        var dict = AsDict(v);
        string Require(string key) => dict.TryGetValue(key, out var s) && s is GVString str ? str.Value : throw new OstreeException($"Missing key: {key}");
        var name = Require("name");
        var osname = Require("osname");
        var bootcsum = Require("bootcsum");
        int dot = name.LastIndexOf('.');
        if (dot < 0 || !int.TryParse(name.AsSpan(dot + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int serial))
            throw new OstreeException($"Invalid deployment name '{name}'");
        return new Deployment(0, osname, name[..dot], serial, bootcsum, -1);
    }

    private static Dictionary<string, GVariantValue> AsDict(GVariantValue v) =>
        (v as GVArray)?.Items.OfType<GVDictEntry>()
            .Where(e => e.Key is GVString)
            .GroupBy(e => ((GVString)e.Key).Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Value is GVVariant inner ? inner.Inner : g.Last().Value, StringComparer.Ordinal)
        ?? [];

    // Called by Reload on a booted system: the staged deployment goes first in the list.
    private Deployment? LoadStaged()
    {
        Staged = null;
        _stagedData = null;
        if (!IsBooted || !File.Exists(StagedStatePath))
            return null;
        try
        {
            var data = File.ReadAllBytes(StagedStatePath);
            var dict = AsDict(new GVariantView(StagedType, data).ToValue());
            if (!dict.TryGetValue("target", out var target))
                return null;
            var d = DeserializeDeployment(target);
            d.IsStaged = true;
            d.BootConfig = new BootConfig();
            if (dict.TryGetValue("kargs", out var kargs) && kargs is GVArray arr)
                d.BootConfig.Set("options", string.Join(' ', arr.Items.OfType<GVString>().Select(s => s.Value)));
            d.Origin = OriginFile.TryLoad(Abs(d.OriginRelativePath));
            if (!Directory.Exists(DeploymentDir(d)))
                throw new OstreeException($"Unable to find staged deployment root: {d.RelativePath}");
            d.FinalizationLocked = dict.TryGetValue("locked", out var l) && l is GVNumber { Bits: not 0 };
            Staged = d;
            _stagedData = dict;
            return d;
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            throw new OstreeException($"Loading staged deployment: {e.Message}", e);
        }
    }

    /// <summary>Finalizes the staged deployment (ostree-finalize-staged.service at shutdown).</summary>
    /// <returns>False when there was nothing to do or finalization is locked.</returns>
    /// <exception cref="OstreeException">The merge deployment is gone, or writing the deployment failed.</exception>
    public bool FinalizeStaged()
    {
        // ostree reports these outcomes to the journal only; the command prints nothing for them.
        if (Staged is not { } staged || _stagedData is null)
            return false;
        if (staged.FinalizationLocked || File.Exists(StagedLockedPath))
            return false;
        Deployment? merge = null;
        if (_stagedData.TryGetValue("merge-deployment", out var mv))
        {
            var stub = DeserializeDeployment(mv);
            merge = Deployments.FirstOrDefault(d => !d.IsStaged && d.SameAs(stub))
                ?? throw new OstreeException($"Failed to find merge deployment {stub.Csum}.{stub.DeploySerial} for staged");
        }
        // Unlinked first: an interrupted finalization must not be retried on a half-merged /etc.
        File.Delete(StagedStatePath);
        var dir = DeploymentDir(staged);
        try
        {
            if (merge is not null && staged.BootConfig.Get("options") is null && merge.BootConfig.Get("options") is { } options)
                staged.BootConfig.Set("options", options);
            if (merge is not null)
            {
                // Staging left the new defaults in /etc; the merge rebuilds it with local changes.
                RemoveTree(IOPath.Combine(dir, "etc"));
                PrepareEtc(dir, merge);
            }
            FinalizeDeployment(staged, dir);
        }
        catch (Exception e) when (e is IOException or OstreeException or UnauthorizedAccessException)
        {
            throw new OstreeException($"Finalizing deployment: {e.Message}", e);
        }
        staged.IsStaged = false;
        Staged = null;
        _stagedData = null;
        Deployments = Deployments.Where(d => !ReferenceEquals(d, staged)).ToList();
        SimpleWriteDeployment(staged.OsName, staged, merge, SimpleWriteFlags.NoClean);
        Cleanup(pruneRepo: false);
        return true;
    }

    // WriteDeployments keeps a staged deployment only as the first of the new list; otherwise its
    // tree, origin and state file go.
    private List<Deployment> SplitStaged(List<Deployment> newDeployments)
    {
        if (Staged is not { } staged)
            return newDeployments;
        bool retained = newDeployments.Count > 0 && ReferenceEquals(newDeployments[0], staged);
        if (!retained)
        {
            Step("unstage");
            PathRemoval.DeleteFileIfExists(StagedStatePath);
            RemoveTree(DeploymentDir(staged));
            PathRemoval.DeleteFileIfExists(Abs(staged.OriginRelativePath));
            PathRemoval.DeleteFileIfExists(StagedLockedPath);
            Staged = null;
            _stagedData = null;
            Deployments = Deployments.Where(d => !ReferenceEquals(d, staged)).ToList();
        }
        return newDeployments.Where(d => !d.IsStaged).ToList();
    }
}
