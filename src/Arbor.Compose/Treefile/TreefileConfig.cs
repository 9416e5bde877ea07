// One treefile as written, before includes are merged: every key is nullable because "unset" and
// "set to the default" merge differently (rpm-ostree keeps every field an Option for the same
// reason). TreefileParser fills it key by key from a TreefileNode; TreefileMerge folds included
// configs into it; Treefile turns the merged result into typed properties with defaults, and
// TreefileJson prints it in rpm-ostree's field order.
namespace Arbor.Compose.Treefile;

/// <summary>A treefile's keys as written (null: not set).</summary>
internal sealed class TreefileConfig
{
    public SortedSet<string>? Packages;
    public List<RepoPackages>? RepoPackages;
    public bool? Cliwrap;
    public List<string>? CliwrapBinaries;

    public TreefileEdition? Edition;
    public string? Ref;
    public SortedDictionary<string, TreefileValue>? Metadata;
    public string? Basearch;
    public SortedDictionary<string, TreefileVariable>? Variables;
    public SortedDictionary<string, string>? Repovars;
    public List<string>? Repos;
    public List<string>? LockfileRepos;
    public bool? Selinux;
    public bool? IgnoreDevices;
    public uint? SelinuxLabelVersion;
    public SysusersMode? Sysusers;
    public bool? Ima;
    public string? GpgKey;
    public List<string>? Include;
    public SortedDictionary<string, List<string>>? ArchInclude;
    public List<ConditionalInclude>? ConditionalInclude;
    public List<string>? OstreeLayers;
    public List<string>? OstreeOverrideLayers;
    public List<string>? ExcludePackages;
    public string? PlatformModule;
    public bool? Container;
    public bool? Recommends;
    public bool? Documentation;
    public List<string>? InstallLangs;
    public List<string>? InitramfsArgs;
    public bool? NoInitramfs;
    public bool? ReadonlyExecutables;
    public BootLocation? BootLocation;
    public bool? TmpIsDir;
    public OptUsrLocal? OptUsrLocal;
    public List<string>? Units;
    public string? DefaultTarget;
    public bool? MachineidCompat;
    public TreefileVariable? Releasever;
    public string? AutomaticVersionPrefix;
    public string? AutomaticVersionSuffix;
    public string? MutateOsRelease;
    public List<string>? EtcGroupMembers;
    public bool? PreservePasswd;
    public PasswdCheck? CheckPasswd;
    public PasswdCheck? CheckGroups;
    public SortedSet<string>? IgnoreRemovedUsers;
    public SortedSet<string>? IgnoreRemovedGroups;
    public PostprocessScript? PostprocessScript;
    public List<string>? Postprocess;
    public List<AddFile>? AddFiles;
    public List<string>? RemoveFiles;
    public List<List<string>>? RemoveFromPackages;
    public SortedDictionary<string, TreefileValue>? AddCommitMetadata;
    public MetadataTarget? RepoMetadata;
    public MetadataTarget? AdvisoriesMetadata;
    /// <summary>The rpmdb value as rpm-ostree prints it (bdb, sqlite, ndb, target, host).</summary>
    public string? Rpmdb;
    public bool? RpmdbNormalize;
    public List<string>? ContainerCmd;

    /// <summary>Executables in finalize.d next to the file(s), by name; not a key, never printed.</summary>
    public SortedDictionary<string, string>? FinalizeD;

    /// <summary>Where each set key was written, for errors found after merging.</summary>
    public Dictionary<string, TreefileNode> KeyNodes = new(StringComparer.Ordinal);
}

/// <summary>A conditional-include entry.</summary>
internal sealed record ConditionalInclude(List<IncludeCondition> Conditions, List<string>? Files, TreefileConfig? Inline, TreefileNode Node);
