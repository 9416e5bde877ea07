// The small typed pieces of a treefile that are more than a string or a list: the enumerated keys
// (edition, boot-location, rpmdb, sysusers, opt-usrlocal, repo-/advisories-metadata), the
// check-passwd/check-groups objects, repo-packages entries and add-files pairs. Each enum keeps the
// spelling rpm-ostree prints (serde's kebab-case) so TreefileJson writes what rpm-ostree would.
namespace Arbor.Compose.Treefile;

/// <summary>The treefile <c>edition</c>, which changes some defaults.</summary>
public enum TreefileEdition
{
    /// <summary>"2014", the default.</summary>
    Edition2014,
    /// <summary>"2024": boot-location modules and tmp-is-dir true by default.</summary>
    Edition2024,
}

/// <summary><c>boot-location</c>: where kernel data goes.</summary>
public enum BootLocation
{
    /// <summary>"new": /usr/lib/ostree-boot as well as /usr/lib/modules (the 2014 default).</summary>
    New,
    /// <summary>"modules": only /usr/lib/modules (the 2024 default).</summary>
    Modules,
    /// <summary>"kernel-install": systemd's kernel-install does it.</summary>
    KernelInstall,
}

/// <summary><c>rpmdb</c>: which rpm database format the target gets.</summary>
public enum RpmdbLocation
{
    /// <summary>The target's own format (also what the legacy bdb, ndb and sqlite mean).</summary>
    Target,
    /// <summary>The host's format.</summary>
    Host,
}

/// <summary><c>sysusers</c>: whether systemd-sysusers runs at compose time.</summary>
public enum SysusersMode
{
    /// <summary>"compose-auto": when the %__systemd_sysusers macro is defined (default).</summary>
    ComposeAuto,
    /// <summary>"compose-forced": always.</summary>
    ComposeForced,
}

/// <summary><c>opt-usrlocal</c>: what /opt and /usr/local are.</summary>
public enum OptUsrLocal
{
    /// <summary>"var": symlinks into /var (default).</summary>
    Var,
    /// <summary>"root": plain directories.</summary>
    Root,
    /// <summary>"state-overlay".</summary>
    StateOverlay,
}

/// <summary><c>repo-metadata</c> / <c>advisories-metadata</c>: where that commit metadata goes.</summary>
public enum MetadataTarget
{
    /// <summary>"inline" in the commit (default).</summary>
    Inline,
    /// <summary>"detached" metadata.</summary>
    Detached,
    /// <summary>"disabled": not recorded.</summary>
    Disabled,
}

/// <summary>The kind of a check-passwd / check-groups check.</summary>
public enum PasswdCheckKind
{
    /// <summary>"none": no check.</summary>
    None,
    /// <summary>"previous": against the previous commit (the default).</summary>
    Previous,
    /// <summary>"file": against a file next to the treefile.</summary>
    File,
    /// <summary>"data": against entries in the treefile.</summary>
    Data,
}

/// <summary>A check-passwd or check-groups object.</summary>
public sealed class PasswdCheck
{
    /// <summary>The kind of check.</summary>
    public required PasswdCheckKind Kind { get; init; }
    /// <summary>For File: the filename as written.</summary>
    public string? FileName { get; init; }
    /// <summary>For File: the filename resolved against the directory of the treefile that named it.</summary>
    public string? FilePath { get; init; }
    /// <summary>For Data: name to (uid, gid); for groups both are the gid.</summary>
    public IReadOnlyDictionary<string, (uint Uid, uint Gid)> Entries { get; init; } = new SortedDictionary<string, (uint, uint)>(StringComparer.Ordinal);
    /// <summary>For Data in check-passwd: how each entry was written (1: a number, 2: [n], 3: [uid, gid]) so it prints back the same.</summary>
    internal IReadOnlyDictionary<string, int> EntryShapes { get; init; } = new Dictionary<string, int>(StringComparer.Ordinal);

    internal static readonly PasswdCheck Previous = new() { Kind = PasswdCheckKind.Previous };
    internal static readonly PasswdCheck NoCheck = new() { Kind = PasswdCheckKind.None };
}

/// <summary>A repo-packages entry: packages to take only from one repository.</summary>
/// <param name="Repo">The repository id.</param>
/// <param name="Packages">The packages (whitespace-split, sorted, unique).</param>
public sealed record RepoPackages(string Repo, IReadOnlyList<string> Packages);

/// <summary>An add-files entry.</summary>
/// <param name="Source">The source as written in the treefile.</param>
/// <param name="Destination">The destination path in the target.</param>
/// <param name="SourcePath">The source resolved against the directory of the treefile that named it; checked to exist.</param>
public sealed record AddFile(string Source, string Destination, string SourcePath);

/// <summary>A postprocess-script: the name as written and the file it was resolved to.</summary>
/// <param name="Name">As written in the treefile.</param>
/// <param name="Path">Resolved against the directory of the treefile that named it; checked to exist.</param>
public sealed record PostprocessScript(string Name, string Path);
