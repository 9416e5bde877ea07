// The rpm database inside a commit: usr/share/rpm/rpmdb.sqlite (and its write-ahead log when the
// commit carries a non-empty one) copied out of the repository into a private temporary directory
// and read there with Arbor.Rpm's reader — what rpm-ostree does by checking out only usr/share/rpm
// (rpm-util.cxx checkout_only_rpmdb) before handing the directory to librpm. Used when a commit
// lacks the package-list metadata, and for the headers `db diff --changelogs` and `db list PATTERN`
// need.
using Arbor.Ostree.Checkout;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Rpm.Rpmdb;

namespace Arbor.Compose.Rpmdb;

/// <summary>Reads the rpmdb stored in a commit.</summary>
public static class CommitRpmdb
{
    /// <summary>The installed packages recorded in the commit's rpmdb, or null when the commit has no <c>usr/share/rpm/rpmdb.sqlite</c>.</summary>
    public static IReadOnlyList<InstalledPackage>? ReadHeaders(Repository repo, Checksum commit)
    {
        string tmp = Directory.CreateTempSubdirectory("arbor-commit-rpmdb-").FullName;
        try
        {
            return ExtractTo(repo, commit, tmp) ? RpmdbReader.Read(tmp) : null;
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    /// <summary>
    /// Copies the commit's <c>rpmdb.sqlite</c> (and its write-ahead log, if any) into
    /// <paramref name="directory"/>; false when the commit has no rpmdb.
    /// </summary>
    /// <exception cref="InvalidDataException">The commit's rpmdb is not a regular file.</exception>
    public static bool ExtractTo(Repository repo, Checksum commit, string directory)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(directory);
        if (!TreeCheckout.TryResolvePath(repo, commit, PackageList.RpmdbLocation, out var dir, out var file, out _) || file is not null)
            return false;
        var tree = repo.LoadDirTree(dir.Tree);
        var db = tree.Files.FirstOrDefault(f => f.Name == RpmdbWriter.FileName);
        if (db.Name is null)
            return false;
        Directory.CreateDirectory(directory);
        foreach (var f in tree.Files)
        {
            if (f.Name != RpmdbWriter.FileName && f.Name != RpmdbWriter.FileName + "-wal")
                continue;
            var content = repo.OpenContent(f.Checksum);
            if (!content.Header.IsRegular)
            {
                if (f.Name == RpmdbWriter.FileName)
                    throw new InvalidDataException($"{PackageList.RpmdbLocation}/{f.Name} in commit {commit} is not a regular file");
                continue;
            }
            using var src = content.OpenData();
            using var dst = File.Create(Path.Combine(directory, f.Name));
            src.CopyTo(dst);
        }
        return true;
    }
}
