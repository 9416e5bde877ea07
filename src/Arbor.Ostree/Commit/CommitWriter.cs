// Turning a MutableTree into a commit: write the dirtrees and dirmetas, then the commit object,
// then (after a filesystem sync) the ref. This order is what makes a crash harmless: a ref only
// ever names a commit whose objects are all on disk.
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Commits;

/// <summary>What to record in a new commit.</summary>
public sealed record CommitRequest
{
    /// <summary>Parent commit, or null for none.</summary>
    public Checksum? Parent { get; init; }

    /// <summary>One-line subject.</summary>
    public string Subject { get; init; } = "";

    /// <summary>Full description.</summary>
    public string Body { get; init; } = "";

    /// <summary>Seconds since the epoch; null for now (or SOURCE_DATE_EPOCH when set).</summary>
    public ulong? Timestamp { get; init; }

    /// <summary>Commit metadata in insertion order.</summary>
    public List<KeyValuePair<string, GVariantValue>> Metadata { get; init; } = [];
}

/// <summary>Writes trees and commits.</summary>
public static class CommitWriter
{
    /// <summary>The dirmeta used for directories that came from nowhere (root 0755, as ostree's default).</summary>
    public static Checksum WriteDefaultDirMeta(Repository repo) =>
        repo.WriteMetadata(ObjectType.DirMeta, new DirMeta(0, 0, 0x41ED, Xattrs.None).Serialize());

    /// <summary>Writes <paramref name="tree"/> and a commit over it; returns the commit checksum.</summary>
    public static Checksum WriteCommit(Repository repo, MutableTree tree, CommitRequest request, out (Checksum Tree, Checksum Meta) root)
    {
        var defaultMeta = tree.MetaChecksum ?? WriteDefaultDirMeta(repo);
        root = tree.Write(repo, defaultMeta);
        var commit = new Objects.Commit(request.Metadata, request.Parent, request.Subject, request.Body,
            request.Timestamp ?? DefaultTimestamp(), root.Tree, root.Meta);
        return repo.WriteMetadata(ObjectType.Commit, commit.Serialize());
    }

    /// <summary>The current time, or SOURCE_DATE_EPOCH when set (reproducible builds).</summary>
    public static ulong DefaultTimestamp()
    {
        var sde = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        if (sde is not null && ulong.TryParse(sde, out var t))
            return t;
        return (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    /// <summary>Serializes an <c>a{sv}</c> (detached metadata) from key/value pairs.</summary>
    public static byte[] SerializeMetadata(IReadOnlyList<KeyValuePair<string, GVariantValue>> metadata) =>
        Objects.Commit.MetadataToValue(metadata).Serialize();
}
