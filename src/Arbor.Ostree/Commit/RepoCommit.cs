// `ostree commit` as an engine call: layer the tree sources (directories, tar streams, existing
// commits) into one MutableTree, write it, add ostree's ref bindings, write the commit, its
// detached metadata and signatures, and move the branch — all inside one RepoTransaction, so the
// branch moves only after every object is durable. The CLI (and compose, later) fills a
// CommitSpec and renders the outcome; nothing here prints.
using Arbor.Native;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Signing;

namespace Arbor.Ostree.Commits;

/// <summary>One source layered into the committed tree, in order.</summary>
public abstract record TreeSource
{
    /// <summary>A directory on disk (<c>--tree=dir=PATH</c>).</summary>
    public sealed record Dir(string Path) : TreeSource;

    /// <summary>A tar stream (<c>--tree=tar=FILE</c>); the stream is read to its end and disposed.</summary>
    public sealed record Tar(Stream Stream, bool AutocreateParents) : TreeSource;

    /// <summary>The tree of an existing commit (<c>--tree=ref=REV</c>).</summary>
    public sealed record Ref(string Rev) : TreeSource;
}

/// <summary>Everything <c>ostree commit</c> takes.</summary>
public sealed record CommitSpec
{
    /// <summary>The branch to move, or null with <see cref="Orphan"/>.</summary>
    public string? Branch { get; init; }

    /// <summary>Write no ref.</summary>
    public bool Orphan { get; init; }

    /// <summary>"none" for no parent, a revision, or null for the branch's current commit.</summary>
    public string? Parent { get; init; }

    /// <summary>The tree sources in layering order.</summary>
    public IReadOnlyList<TreeSource> Trees { get; init; } = [];

    /// <summary>Ownership, permission and xattr rules.</summary>
    public CommitModifier Modifier { get; init; } = new();

    /// <summary>Subject line.</summary>
    public string Subject { get; init; } = "";

    /// <summary>Body.</summary>
    public string Body { get; init; } = "";

    /// <summary>Seconds since the epoch; null for now (or SOURCE_DATE_EPOCH).</summary>
    public ulong? Timestamp { get; init; }

    /// <summary>Metadata to add, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, GVariantValue>> Metadata { get; init; } = [];

    /// <summary>Metadata keys copied from the parent (<c>--keep-metadata</c>).</summary>
    public IReadOnlyList<string> KeepMetadata { get; init; } = [];

    /// <summary>Detached metadata to store with the commit.</summary>
    public IReadOnlyList<KeyValuePair<string, GVariantValue>> DetachedMetadata { get; init; } = [];

    /// <summary>Skip writing <c>ostree.ref-binding</c> / <c>ostree.collection-binding</c>.</summary>
    public bool NoBindings { get; init; }

    /// <summary>Extra refs to bind (<c>--bind-ref</c>).</summary>
    public IReadOnlyList<string> BindRefs { get; init; } = [];

    /// <summary>Return the parent when the tree is unchanged (<c>--skip-if-unchanged</c>).</summary>
    public bool SkipIfUnchanged { get; init; }

    /// <summary>GPG key ids to sign with.</summary>
    public IReadOnlyList<string> GpgKeys { get; init; } = [];

    /// <summary>GPG home directory.</summary>
    public string? GpgHomedir { get; init; }

    /// <summary>ed25519 secret keys (base64 or hex, as <c>--sign</c> takes them).</summary>
    public IReadOnlyList<string> SignKeys { get; init; } = [];

    /// <summary>Skip the filesystem syncs (<c>--fsync=false</c>).</summary>
    public bool DisableFsync { get; init; }

    /// <summary>Record <c>ostree.bootable</c> and the kernel release <c>ostree.linux</c> (<c>--bootable</c>).</summary>
    public bool Bootable { get; init; }

    /// <summary>Delete directory sources once committed (<c>--consume</c>); a source named "." is emptied, any other removed.</summary>
    public bool Consume { get; init; }

    /// <summary>A revision whose tree the sources are laid over, unmodified (<c>--base</c>).</summary>
    public string? Base { get; init; }

    /// <summary>Add <c>ostree.sizes</c> (<c>--generate-sizes</c>; archive repositories only, as in ostree).</summary>
    public bool GenerateSizes { get; init; }
}

/// <summary>What a commit produced.</summary>
/// <param name="Checksum">The new commit, or the parent when <see cref="Unchanged"/>.</param>
/// <param name="Unchanged">The tree equalled the parent's and nothing was written (<c>--skip-if-unchanged</c>).</param>
/// <param name="FilesWritten">Content objects processed from directory sources.</param>
public sealed record CommitOutcome(Checksum Checksum, bool Unchanged, int FilesWritten);

/// <summary>Runs <c>ostree commit</c>.</summary>
public static class RepoCommit
{
    /// <summary>Writes the commit described by <paramref name="spec"/>.</summary>
    /// <exception cref="OstreeException">Bad options, a missing source, or a write failure; no ref moved.</exception>
    public static CommitOutcome Run(Repository repo, CommitSpec spec, IProgress<OperationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Branch is null && !spec.Orphan)
            throw new OstreeException("A branch must be specified with --branch, or use --orphan");
        if (spec.Modifier.CanonicalPermissions && (spec.Modifier.OwnerUid > 0 || spec.Modifier.OwnerGid > 0))
            throw new OstreeException("Cannot specify both --canonical-permissions and non-zero --owner-uid");
        if (spec.Branch is not null)
            _ = Repository.ParseRefspec(spec.Branch); // as ostree: "Invalid refspec NAME"
        var signKeys = spec.SignKeys.Select(Ed25519Keys.ParseSecret).ToList();

        using var txn = RepoTransaction.Prepare(repo, new TransactionOptions { DisableFsync = spec.DisableFsync });
        Checksum? parent = spec.Parent is { } p
            ? (p == "none" ? null : repo.ResolveRev(p))
            : spec.Orphan ? null : repo.ResolveRev(spec.Branch!, allowMissing: true);

        var metadata = new List<KeyValuePair<string, GVariantValue>>(spec.Metadata);
        foreach (var key in spec.KeepMetadata)
        {
            if (parent is null)
                throw new OstreeException("Either --branch or --parent must be specified when using --keep-metadata");
            var value = repo.LoadCommit(parent.Value).GetMetadata(key) ?? throw new OstreeException($"Missing metadata key '{key}' from commit '{parent}'");
            metadata.Add(new(key, value));
        }

        var counter = new ProgressCounter(progress, "Committing", unit: "files");
        var mtree = new MutableTree();
        if (spec.Base is { } baseRev)
        {
            var baseCommit = repo.LoadCommit(repo.ResolveRev(baseRev)!.Value);
            MutableTree.LoadInto(repo, mtree, baseCommit.RootTree, baseCommit.RootMeta);
        }
        int files = 0;
        // ostree starts recording sizes at the first directory, tar or commit source, afresh at each.
        var sizeIndex = spec.GenerateSizes && repo.Mode == RepoMode.Archive ? new SizeIndex(repo) : null;
        SizeIndex? sizes = null;
        foreach (var source in spec.Trees)
        {
            switch (source)
            {
                case TreeSource.Dir d:
                    sizes = sizeIndex;
                    sizes?.Clear();
                    var importer = new DirectoryImporter(repo, spec.Modifier) { Progress = counter, Sizes = sizes };
                    importer.Import(d.Path, mtree);
                    files += importer.FilesProcessed;
                    if (spec.Consume)
                        ConsumeDirectory(d.Path);
                    break;
                case TreeSource.Tar t:
                    sizes = sizeIndex;
                    sizes?.Clear();
                    using (t.Stream)
                        TarImporter.Import(repo, t.Stream, mtree, spec.Modifier, t.AutocreateParents, sizes);
                    break;
                case TreeSource.Ref r:
                    sizes = sizeIndex;
                    sizes?.Clear();
                    var commit = repo.LoadCommit(repo.ResolveRev(r.Rev)!.Value);
                    MutableTree.LoadInto(repo, mtree, commit.RootTree, commit.RootMeta);
                    break;
            }
        }
        counter.Report();

        var defaultMeta = mtree.MetaChecksum ?? CommitWriter.WriteDefaultDirMeta(repo);
        var root = mtree.Write(repo, defaultMeta, sizes);
        if (spec.SkipIfUnchanged && parent is not null)
        {
            var pc = repo.LoadCommit(parent.Value);
            if (pc.RootTree == root.Tree && pc.RootMeta == root.Meta)
                return new CommitOutcome(parent.Value, Unchanged: true, files);
        }

        if (!spec.NoBindings)
        {
            var refs = new List<string>();
            if (spec.Branch is not null)
                refs.Add(spec.Branch);
            refs.AddRange(spec.BindRefs);
            refs.Sort(string.CompareOrdinal);
            metadata.Add(new("ostree.ref-binding", GVariantValue.StrArray(refs)));
            if (repo.CollectionId is { } cid && !metadata.Any(m => m.Key == "ostree.collection-binding"))
                metadata.Add(new("ostree.collection-binding", GVariantValue.Str(cid)));
        }

        if (spec.Bootable)
            metadata = BootableMetadata.Add(metadata, BootableMetadata.FindKernelRelease(repo, root.Tree));
        if (sizes?.Build() is { } sizeValue)
            metadata.Add(new(SizeIndex.MetadataKey, sizeValue));

        var commitObj = new Objects.Commit(metadata, parent, spec.Subject, spec.Body,
            spec.Timestamp ?? CommitWriter.DefaultTimestamp(), root.Tree, root.Meta);
        var checksum = repo.WriteMetadata(ObjectType.Commit, commitObj.Serialize());
        if (spec.DetachedMetadata.Count > 0)
            repo.WriteDetachedMetadata(checksum, CommitWriter.SerializeMetadata(spec.DetachedMetadata));
        foreach (var key in spec.GpgKeys)
            GpgSigning.SignCommit(repo, checksum, key, spec.GpgHomedir);
        foreach (var key in signKeys)
            Ed25519Signing.SignCommit(repo, checksum, key);

        if (spec.Branch is not null)
            txn.SetRef(null, spec.Branch, checksum);
        txn.Commit();
        return new CommitOutcome(checksum, Unchanged: false, files);
    }

    // As ostree's CONSUME flag: everything under the source goes, then the source itself — except
    // ".", which cannot be removed, so it is left empty.
    private static void ConsumeDirectory(string path)
    {
        if (path != ".")
        {
            PathRemoval.RemoveAny(path);
            return;
        }
        foreach (var entry in Directory.EnumerateFileSystemEntries(path))
            PathRemoval.RemoveAny(entry);
    }
}
