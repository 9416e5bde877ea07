// `compose tree`: a treefile in, one commit out, as rpm-ostree's unified core does it: the
// install half (ComposeInstall: solve, download, package cache, assembly, scripts, rpmdb,
// postprocess, ostree layout) into a working directory, then the commit half (ComposeCommit:
// finalize, checks, metadata, commit, ref). A compose that fails anywhere leaves the target
// repository and its ref as they were. The working directory is removed afterwards unless the
// caller named it.
using Arbor.Native;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;

namespace Arbor.Compose.Tree;

/// <summary>What <c>compose tree</c> is asked to do (rpm-ostree's options).</summary>
public sealed class ComposeTreeOptions
{
    /// <summary>The treefile (YAML or JSON).</summary>
    public required string TreefilePath { get; init; }

    /// <summary>The target repository.</summary>
    public required string RepoPath { get; init; }

    /// <summary>Cache for rpm-md, solv files, packages and the package cache repository; a temporary one when null.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Use cached rpm-md as it is instead of refreshing it.</summary>
    public bool CacheOnly { get; init; }

    /// <summary>Stop after downloading and importing the packages.</summary>
    public bool DownloadOnly { get; init; }

    /// <summary>Stop after downloading the packages, before importing them.</summary>
    public bool DownloadOnlyRpms { get; init; }

    /// <summary>Stop after solving (and printing) the transaction.</summary>
    public bool DryRun { get; init; }

    /// <summary>Commit even when the inputs have not changed.</summary>
    public bool ForceNocache { get; init; }

    /// <summary>The commit to compare inputs with and take the version from; the ref's commit when null.</summary>
    public string? PreviousCommit { get; init; }

    /// <summary>The input hash to compare with instead of the previous commit's (<c>--previous-inputhash</c>).</summary>
    public string? PreviousInputHash { get; init; }

    /// <summary>The previous version for automatic versioning, overriding the previous commit's.</summary>
    public string? PreviousVersion { get; init; }

    /// <summary>Extra string metadata (<c>--add-metadata-string</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> MetadataStrings { get; init; } = [];

    /// <summary>Extra metadata values (<c>--add-metadata-from-json</c>), already converted.</summary>
    public IReadOnlyList<KeyValuePair<string, GVariantValue>> MetadataValues { get; init; } = [];

    /// <summary>Write the commit checksum here instead of moving the ref.</summary>
    public string? WriteCommitIdTo { get; init; }

    /// <summary>The commit's parent; the ref's commit when null (unless <see cref="NoParent"/>).</summary>
    public string? Parent { get; init; }

    /// <summary>Make a commit without a parent.</summary>
    public bool NoParent { get; init; }

    /// <summary>Working directory (kept afterwards); a temporary one when null.</summary>
    public string? Workdir { get; init; }

    /// <summary>The architecture composed for; the machine's when null.</summary>
    public string? Basearch { get; init; }

    /// <summary>Commit timestamp and SOURCE_DATE_EPOCH for scripts; now when null.</summary>
    public long? SourceDateEpoch { get; init; }
}

/// <summary>What a compose produced.</summary>
/// <param name="Commit">The new commit, or the unchanged previous one, or null for dry runs and download-only runs.</param>
/// <param name="Changed">True when a new commit was written.</param>
/// <param name="InputHash">The input hash.</param>
/// <param name="Ref">The ref that was moved, or null.</param>
public sealed record ComposeTreeResult(Checksum? Commit, bool Changed, string InputHash, string? Ref);

/// <summary>Runs <c>compose tree</c>.</summary>
public static class ComposeTree
{
    /// <summary>Composes the treefile's packages into a commit of the target repository.</summary>
    /// <exception cref="ComposeException">A package, script or treefile problem; the message names it.</exception>
    public static ComposeTreeResult Run(ComposeTreeOptions options, Action<ComposeEvent>? events = null,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        bool ownWorkdir = options.Workdir is null;
        string workdir = options.Workdir ?? Directory.CreateTempSubdirectory("arbor-compose-").FullName;
        string rootfs = Path.Combine(workdir, "rootfs");
        try
        {
            if (!ownWorkdir && Directory.Exists(rootfs))
                Directory.Delete(rootfs, recursive: true);
            var installed = ComposeInstall.Run(options, workdir, events, progress, cancellationToken);
            if (installed.Rootfs is null)
                return new ComposeTreeResult(installed.Previous, false, installed.InputHash, null);
            return ComposeCommit.Run(options, installed.Rootfs, installed, events, progress, cancellationToken);
        }
        finally
        {
            if (ownWorkdir)
                ComposeInstall.TryDelete(workdir);
        }
    }
}
