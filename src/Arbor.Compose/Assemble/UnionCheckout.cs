// Assembling a root from package commits (rpm-ostree's checkout of each package in install order
// with UNION_IDENTICAL): every package is checked out into the same directory, identical files may
// overlap, a different file at the same path is a file conflict. Conflicts are found before
// anything is written, by walking the packages' trees (metadata objects only): path -> first
// owner and content checksum; a later package bringing different content, or a file where
// another has a directory, is reported in rpm's words, every conflict on its own line. Then each
// commit is checked out by Arbor.Ostree's TreeCheckout in user mode (hardlinks from bare-user
// repositories, required as rpm-ostree requires them; copies from other modes), and the
// packages' tmpfiles.d fragments are merged into rpm-ostree-autovar.conf.
using Arbor.Compose.Import;
using Arbor.Native;
using Arbor.Ostree;
using Arbor.Ostree.Checkout;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Compose.Assemble;

/// <summary>Two packages put different files at one path.</summary>
/// <param name="Path">The path as the packages install it ("/etc/x" for the tree's /usr/etc/x).</param>
/// <param name="Package">The package being installed (later in the order).</param>
/// <param name="Owner">The package that already has the path.</param>
public sealed record FileConflict(string Path, string Package, string Owner)
{
    /// <summary>rpm's wording of the conflict.</summary>
    public override string ToString() => $"file {Path} from install of {Package} conflicts with file from package {Owner}";
}

/// <summary>Packages conflict; nothing was checked out. The message has one line per conflict, as rpm prints them.</summary>
public sealed class FileConflictException(IReadOnlyList<FileConflict> conflicts)
    : ComposeException(string.Join('\n', conflicts.Select(c => c.ToString())))
{
    /// <summary>Every conflict found.</summary>
    public IReadOnlyList<FileConflict> Conflicts { get; } = conflicts;
}

/// <summary>Options of a union checkout.</summary>
public sealed record UnionCheckoutOptions
{
    /// <summary>Check out with ownership and xattrs (needs root, hardlinks from bare repositories) instead of user mode.</summary>
    public bool FullOwnership { get; init; }

    /// <summary>Merge the packages' tmpfiles.d fragments into usr/lib/tmpfiles.d/rpm-ostree-autovar.conf afterwards.</summary>
    public bool MergeTmpfiles { get; init; } = true;
}

/// <summary>What a union checkout did.</summary>
/// <param name="Packages">The packages, in checkout order.</param>
/// <param name="TmpfilesEntries">The lines written to rpm-ostree-autovar.conf.</param>
public sealed record UnionCheckoutResult(IReadOnlyList<PackageCommit> Packages, IReadOnlyList<string> TmpfilesEntries);

/// <summary>Checks package commits out into one root.</summary>
public static class UnionCheckout
{
    /// <summary>
    /// Checks <paramref name="commits"/> out, in order, into <paramref name="root"/> (created if
    /// missing; existing content is kept and must agree).
    /// </summary>
    /// <exception cref="FileConflictException">Two packages have different files at one path; nothing was written.</exception>
    /// <exception cref="OstreeException">A commit is missing or not a package commit, or a checkout failed.</exception>
    public static UnionCheckoutResult Run(Repository repo, IReadOnlyList<Checksum> commits, string root, UnionCheckoutOptions? options = null,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(commits);
        ArgumentNullException.ThrowIfNull(root);
        options ??= new UnionCheckoutOptions();
        var packages = commits.Select(c => PackageCommit.Load(repo, c)).ToList();
        var conflicts = FindConflicts(repo, packages, cancellationToken);
        if (conflicts.Count > 0)
            throw new FileConflictException(conflicts);

        var mode = options.FullOwnership ? CheckoutMode.None : CheckoutMode.User;
        bool hardlinks = options.FullOwnership
            ? repo.Mode == RepoMode.Bare
            : repo.Mode is RepoMode.BareUser or RepoMode.BareUserOnly;
        var checkout = new CheckoutOptions
        {
            Mode = mode,
            // Conflicts are ruled out above, so where hardlinks cannot be had, adding files is the same union.
            Overwrite = hardlinks ? OverwriteMode.UnionIdentical : OverwriteMode.AddFiles,
            NoCopyFallback = hardlinks,
        };
        Directory.CreateDirectory(root);
        var counter = new ProgressCounter(progress, "Checking out packages", packages.Count, "packages");
        counter.Report();
        foreach (var p in packages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                TreeCheckout.Run(repo, p.Commit, root, checkout);
            }
            catch (OstreeException e)
            {
                throw new OstreeException($"Checking out {p.Nevra}: {e.Message}", e);
            }
            counter.Add(1);
        }
        counter.Report();
        var entries = options.MergeTmpfiles ? TmpfilesMerge.Run(root) : [];
        return new UnionCheckoutResult(packages, entries);
    }

    /// <summary>Walks the trees in order and lists the paths where a later package differs from the first owner.</summary>
    public static IReadOnlyList<FileConflict> FindConflicts(Repository repo, IReadOnlyList<PackageCommit> packages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(packages);
        var seen = new Dictionary<string, (int Owner, Checksum? File)>(StringComparer.Ordinal);
        var conflicts = new List<FileConflict>();
        for (int i = 0; i < packages.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var c = repo.LoadCommit(packages[i].Commit);
            Walk(repo, c.RootTree, "", i, packages, seen, conflicts);
        }
        return conflicts;
    }

    private static void Walk(Repository repo, Checksum tree, string prefix, int pkg, IReadOnlyList<PackageCommit> packages,
        Dictionary<string, (int Owner, Checksum? File)> seen, List<FileConflict> conflicts)
    {
        var dt = repo.LoadDirTree(tree);
        foreach (var f in dt.Files)
        {
            var path = prefix + "/" + f.Name;
            if (!seen.TryGetValue(path, out var had))
                seen[path] = (pkg, f.Checksum);
            else if (had.File != f.Checksum)
                conflicts.Add(new FileConflict(OstreePaths.ToPackagePath(path), packages[pkg].Nevra, packages[had.Owner].Nevra));
        }
        foreach (var d in dt.Dirs)
        {
            var path = prefix + "/" + d.Name;
            if (!seen.TryGetValue(path, out var had))
                seen[path] = (pkg, null);
            else if (had.File is not null)
            {
                conflicts.Add(new FileConflict(OstreePaths.ToPackagePath(path), packages[pkg].Nevra, packages[had.Owner].Nevra));
                continue;
            }
            Walk(repo, d.Tree, path, pkg, packages, seen, conflicts);
        }
    }
}
