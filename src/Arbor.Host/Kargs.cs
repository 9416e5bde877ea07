// `arbor kargs`: rpm-ostree's kernel-argument transaction. Without edits it prints the kernel
// arguments of the deployment a change would start from (or --deploy-index's). With edits —
// applied in rpm-ostree's order: --delete, --replace, --append, --append-if-missing,
// --delete-if-present — it writes a new deployment of the same commit and origin carrying the new
// arguments (of the commit and origin a change starts from), and the old one becomes the rollback; the boot entries switch atomically. Edits
// that change nothing write nothing.
using Arbor.Ostree;
using Arbor.Ostree.Sysroot;

namespace Arbor.Host;

/// <summary>Kernel argument edits.</summary>
public sealed record KargsEdits
{
    /// <summary>--append KEY=VALUE (repeatable keys allowed).</summary>
    public IReadOnlyList<string> Append { get; init; } = [];

    /// <summary>--replace KEY=VALUE or KEY=OLD=NEW.</summary>
    public IReadOnlyList<string> Replace { get; init; } = [];

    /// <summary>--delete KEY or KEY=VALUE.</summary>
    public IReadOnlyList<string> Delete { get; init; } = [];

    /// <summary>--append-if-missing: append unless this exact argument is present.</summary>
    public IReadOnlyList<string> AppendIfMissing { get; init; } = [];

    /// <summary>--delete-if-present: delete when this exact argument is present.</summary>
    public IReadOnlyList<string> DeleteIfPresent { get; init; } = [];

    /// <summary>True when nothing is asked for (display only).</summary>
    public bool IsEmpty => Append.Count + Replace.Count + Delete.Count + AppendIfMissing.Count + DeleteIfPresent.Count == 0;
}

/// <summary>kargs.</summary>
public static class Kargs
{
    /// <summary>The deployment whose arguments are shown and edited: --deploy-index's, or the stateroot's first.</summary>
    /// <exception cref="OstreeException">A bad index, or no deployment.</exception>
    public static Deployment Target(HostSysroot host, string? deployIndex)
    {
        if (deployIndex is null)
            return host.OriginMerge;
        if (!int.TryParse(deployIndex, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
            throw new OstreeException($"Invalid deployment index {deployIndex}");
        var list = host.Sysroot.Deployments;
        if (index >= list.Count)
            throw new OstreeException($"Out of range deployment index {index}, expected < {list.Count}");
        return list[index];
    }

    /// <summary>The kernel arguments of a deployment, as its boot entry has them.</summary>
    public static string Current(Deployment d) => d.BootConfig.Get("options") ?? "";

    /// <summary>Applies <paramref name="edits"/> to the target's arguments.</summary>
    /// <returns>The new arguments, or null when they did not change.</returns>
    /// <exception cref="OstreeException">An argument to delete or replace is not there.</exception>
    public static string[]? Apply(string existing, KargsEdits edits)
    {
        var kargs = KernelArgs.Parse(existing);
        var before = kargs.ToArray();
        bool changed = false;
        foreach (var arg in edits.Delete)
        {
            kargs.Delete(arg);
            changed = true;
        }
        foreach (var arg in edits.Replace)
        {
            kargs.NewReplace(arg);
            changed = true;
        }
        if (edits.Append.Count > 0)
        {
            kargs.AppendAll(edits.Append);
            changed = true;
        }
        foreach (var arg in edits.AppendIfMissing)
        {
            if (!kargs.ToArray().Contains(arg, StringComparer.Ordinal))
            {
                kargs.Append(arg);
                changed = true;
            }
        }
        foreach (var arg in edits.DeleteIfPresent)
        {
            if (before.Contains(arg, StringComparer.Ordinal))
            {
                kargs.Delete(arg);
                changed = true;
            }
        }
        return changed ? kargs.ToArray() : null;
    }

    /// <summary>Writes a new deployment with <paramref name="newKargs"/>; like rpm-ostree, of the commit and origin
    /// of the stateroot's first deployment, whichever deployment the arguments were read from.</summary>
    public static Deployment Deploy(HostSysroot host, IReadOnlyList<string> newKargs)
    {
        var source = host.OriginMerge;
        var up = Upgrader.Create(host.Sysroot, source.OsName, source);
        up.Origin.RemoveGroup(OriginFile.TransientGroup);
        if (host.Sysroot.Booted is not null)
            return up.Stage(revision: source.Csum, kargs: newKargs);
        var created = up.Deploy(revision: source.Csum, kargs: newKargs, flags: SimpleWriteFlags.NoClean);
        host.SyscoreCleanup();
        return created;
    }
}
