// What a checkout may do, mirroring libostree's OstreeRepoCheckoutAtOptions: user or full
// ownership mode, how existing files are treated (the union modes), Docker whiteouts, subpath,
// copy versus hardlink policy. The CLI fills this from `ostree checkout` options; TreeCheckout
// reads it.
namespace Arbor.Ostree.Checkout;

/// <summary>Whether ownership and xattrs are applied.</summary>
public enum CheckoutMode
{
    /// <summary>Apply uid, gid and xattrs (needs privileges); hardlinks from bare repositories.</summary>
    None,
    /// <summary>Do not change ownership or set xattrs; hardlinks from bare-user(-only) repositories.</summary>
    User,
}

/// <summary>How existing files in the destination are treated.</summary>
public enum OverwriteMode
{
    /// <summary>Any existing file or directory is an error.</summary>
    None,
    /// <summary>Keep existing directories, replace existing files (<c>--union</c>).</summary>
    UnionFiles,
    /// <summary>Keep existing files and directories, only add new ones (<c>--union-add</c>).</summary>
    AddFiles,
    /// <summary>Existing files must be identical, new ones are added (<c>--union-identical</c>).</summary>
    UnionIdentical,
}

/// <summary>Options of a checkout.</summary>
public sealed record CheckoutOptions
{
    /// <summary>User mode (<c>-U</c>); forced for bare-user-only repositories.</summary>
    public CheckoutMode Mode { get; init; }

    /// <summary>What to do about existing destination content.</summary>
    public OverwriteMode Overwrite { get; init; }

    /// <summary>Process Docker-style <c>.wh.</c> whiteout files (<c>--whiteouts</c>).</summary>
    public bool ProcessWhiteouts { get; init; }

    /// <summary>Turn <c>.ostree-wh.NAME</c> files into overlayfs whiteouts: character device 0:0 named NAME
    /// (<c>--process-passthrough-whiteouts</c>).</summary>
    public bool ProcessPassthroughWhiteouts { get; init; }

    /// <summary>Check out only this path of the commit (<c>--subpath</c>); "/" for all.</summary>
    public string Subpath { get; init; } = "/";

    /// <summary>Never hardlink (<c>-C/--force-copy</c>).</summary>
    public bool ForceCopy { get; init; }

    /// <summary>Fail rather than copy when a hardlink is impossible (<c>-H/--require-hardlinks</c>).</summary>
    public bool NoCopyFallback { get; init; }

    /// <summary>Mask directory modes to 0775 (<c>-M/--bareuseronly-dirs</c>).</summary>
    public bool BareUserOnlyDirs { get; init; }

    /// <summary>Use and fill <c>uncompressed-objects-cache</c> for archive repositories in user mode.</summary>
    public bool EnableUncompressedCache { get; init; }

    /// <summary>Paths to leave out (<c>--skip-list</c>): "/a/file" for files, "/a/dir/" for directories.</summary>
    public IReadOnlySet<string>? SkipList { get; init; }

    /// <summary>fsync files and directories as they are written.</summary>
    public bool Fsync { get; init; }

    /// <summary>Receives the count of files checked out, when set.</summary>
    public IProgress<Arbor.Native.OperationProgress>? Progress { get; init; }
}
