// Reading a package commit back: the identity rpm-ostree stores in it (rpmostree.nevra), the RPM
// headers (rpmostree.metadata, from which rpmdb writing and scripts are fed), and what assembly
// must still do to the checked-out files. Package commits are root-owned and a user-mode
// checkout drops setuid/setgid bits, so the header's owners, capabilities and special mode bits
// are listed per ostree path here, for assembly to apply against the target's passwd and group
// (rpm-ostree's apply_rpmfi_overrides). %ghost files are listed too, flagged, since they may be
// absent from the tree.
using Arbor.Ostree;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Rpm.Package;

namespace Arbor.Compose.Import;

/// <summary>What the header says a checked-out file needs beyond the commit's root ownership.</summary>
/// <param name="Path">The file's absolute path in the ostree tree ("/usr/etc/foo").</param>
/// <param name="User">Owner name from the header.</param>
/// <param name="Group">Group name from the header.</param>
/// <param name="Mode">The full mode from the header (setuid, setgid and sticky included).</param>
/// <param name="Capabilities">libcap text from the header, or "".</param>
/// <param name="Ghost">A %ghost file: not in the tree, its absence is not an error.</param>
public sealed record FileOverride(string Path, string User, string Group, uint Mode, string Capabilities, bool Ghost);

/// <summary>A package commit's identity and headers.</summary>
public sealed class PackageCommit
{
    private PackageCommit(Checksum commit, string nevra, string name, ulong epoch, string version, string release, string arch,
        string metadataSha256, byte[] metadata)
    {
        Commit = commit;
        Nevra = nevra;
        Name = name;
        Epoch = epoch;
        Version = version;
        Release = release;
        Arch = arch;
        MetadataSha256 = metadataSha256;
        RpmMetadata = metadata;
    }

    /// <summary>The commit.</summary>
    public Checksum Commit { get; }
    /// <summary>name-[epoch:]version-release.arch.</summary>
    public string Nevra { get; }
    /// <summary>Name.</summary>
    public string Name { get; }
    /// <summary>Epoch (0 when none).</summary>
    public ulong Epoch { get; }
    /// <summary>Version.</summary>
    public string Version { get; }
    /// <summary>Release.</summary>
    public string Release { get; }
    /// <summary>Architecture.</summary>
    public string Arch { get; }
    /// <summary>SHA-256 of <see cref="RpmMetadata"/>.</summary>
    public string MetadataSha256 { get; }
    /// <summary>The RPM's lead, signature header and main header bytes.</summary>
    public byte[] RpmMetadata { get; }

    /// <summary>Loads the package facts of <paramref name="commit"/>.</summary>
    /// <exception cref="OstreeException">The commit lacks rpm-ostree's package metadata.</exception>
    public static PackageCommit Load(Repository repo, Checksum commit)
    {
        ArgumentNullException.ThrowIfNull(repo);
        var c = repo.LoadCommit(commit);
        if (c.GetMetadata("rpmostree.nevra") is not GVTuple { Members.Count: 6 } t)
            throw new OstreeException($"Commit {commit} is not a package commit: it has no rpmostree.nevra (sstsss) metadata");
        if (c.GetMetadata("rpmostree.metadata") is not GVBytes bytes)
            throw new OstreeException($"Commit {commit} is not a package commit: it has no rpmostree.metadata bytes");
        string S(int i) => t.Members[i] is GVString s ? s.Value : throw new OstreeException($"Commit {commit}: rpmostree.nevra member {i} is not a string");
        ulong epoch = t.Members[2] is GVNumber n ? n.Bits : throw new OstreeException($"Commit {commit}: rpmostree.nevra epoch is not a number");
        var sha = c.GetMetadata("rpmostree.metadata_sha256") is GVString h ? h.Value : "";
        return new PackageCommit(commit, S(0), S(1), epoch, S(3), S(4), S(5), sha, bytes.Value.ToArray());
    }

    /// <summary>Opens the stored headers (no payload).</summary>
    public RpmPackage OpenHeaders() => RpmPackage.Open(new MemoryStream(RpmMetadata, writable: false));

    /// <summary>
    /// The files whose header owner or group is not root, that carry capabilities, or that have
    /// setuid, setgid or sticky bits; /var and /run entries are left out (their tmpfiles.d lines
    /// carry the owners).
    /// </summary>
    public IReadOnlyList<FileOverride> FileOverrides()
    {
        using var pkg = OpenHeaders();
        return FileOverrides(pkg.Info);
    }

    /// <summary>The same list read from a package header already at hand (the RPM the commit was made from).</summary>
    public static IReadOnlyList<FileOverride> FileOverrides(PackageInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var list = new List<FileOverride>();
        foreach (var f in info.Files)
        {
            bool special = (f.Mode & 0xE00) != 0 && f.Type is 0x8000 or 0x4000;
            bool owned = f.User is not ("" or "root") || f.Group is not ("" or "root");
            if (!special && !owned && f.Caps.Length == 0)
                continue;
            var rel = f.Path.TrimStart('/');
            if (rel.Length == 0)
                continue;
            var abs = "/" + OstreePaths.Translate(rel);
            if (abs.StartsWith("/var", StringComparison.Ordinal) || abs.StartsWith("/run", StringComparison.Ordinal))
                continue;
            list.Add(new FileOverride(abs, f.User.Length == 0 ? "root" : f.User, f.Group.Length == 0 ? "root" : f.Group,
                f.Mode, f.Caps, (f.Flags & FileFlags.Ghost) != 0));
        }
        return list;
    }
}
