// RPM -> pkgcache: one package becomes one ostree commit under rpmostree/pkg/NAME/EVR.ARCH, the way
// rpm-ostree's importer makes it, so compose and layering can check packages out instead of
// unpacking them. Data flows: the RPM's headers are read (Arbor.Rpm), its lead+signature+header
// bytes become the rpmostree.metadata key, and the cpio payload is streamed entry by entry
// straight into content objects (nothing is extracted to disk): each path is translated to ostree
// convention, /var and /run entries become tmpfiles.d lines, the rest is checked against the
// allowed roots, then written with root ownership, header file capabilities as
// security.capability, and u+w on every directory. The tree is committed with no parent, empty
// subject and body, and the RPM's build time, so one RPM always yields one checksum.
// ImportAll runs packages in parallel inside one RepoTransaction; refs move only when it commits.
using System.Security.Cryptography;
using Arbor.Native;
using Arbor.Ostree;
using Arbor.Ostree.Commits;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Rpm.Header;
using Arbor.Rpm.Package;

namespace Arbor.Compose.Import;

/// <summary>Where a package came from, recorded in its commit (rpmostree.repo, rpmostree.repodata_checksum).</summary>
/// <param name="RepoId">The rpm-md repository id.</param>
/// <param name="RepoTimestamp">The repository metadata's generation time (repomd).</param>
/// <param name="RepodataChecksum">"TYPE:HEX" of the package as the repodata lists it, or null.</param>
public sealed record PackageOrigin(string RepoId, ulong RepoTimestamp, string? RepodataChecksum);

/// <summary>One RPM file to import.</summary>
/// <param name="Path">The .rpm file.</param>
/// <param name="Origin">Its repository, when it came from one.</param>
public sealed record PackageSource(string Path, PackageOrigin? Origin = null);

/// <summary>Import settings (rpm-ostree's importer flags).</summary>
public sealed record PackageImportOptions
{
    /// <summary>Leave out %doc files and record rpmostree.nodocs.</summary>
    public bool NoDocs { get; init; }

    /// <summary>Skip paths outside the allowed roots instead of failing, for every package.</summary>
    public bool SkipExtraneous { get; init; }

    /// <summary>
    /// Packages whose paths outside the allowed roots are skipped rather than refused; rpm-ostree
    /// grants this to <c>filesystem</c> and <c>rootfiles</c> only, so custom content is never
    /// silently dropped. Arbor adds <c>base-files</c>, Debian's package for the same job: it lays
    /// out /boot, /dev, /home, /proc, /root, /sys and /tmp, which a deployment makes itself.
    /// </summary>
    public IReadOnlySet<string> SkipExtraneousPackages { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "filesystem", "rootfiles", "base-files" };

    /// <summary>Drop every write bit of executable files.</summary>
    public bool ReadOnlyExecutables { get; init; }

    /// <summary>Skip the filesystem syncs of the transaction.</summary>
    public bool DisableFsync { get; init; }
}

/// <summary>Something in a package that was not imported as it stands (not an error).</summary>
/// <param name="Package">The package's NEVRA.</param>
/// <param name="Path">The path in the package.</param>
/// <param name="Message">What happened to it.</param>
public sealed record ImportNotice(string Package, string Path, string Message);

/// <summary>The outcome of importing one package.</summary>
/// <param name="Nevra">name-[epoch:]version-release.arch (epoch 0 left out).</param>
/// <param name="Name">The package name.</param>
/// <param name="Ref">The pkgcache ref.</param>
/// <param name="Commit">The package commit.</param>
/// <param name="MetadataSha256">SHA-256 of the lead, signature and header bytes.</param>
/// <param name="AlreadyImported">The ref already named an import of the same bytes; nothing was written.</param>
/// <param name="Notices">Content left out or changed.</param>
public sealed record ImportedPackage(string Nevra, string Name, string Ref, Checksum Commit, string MetadataSha256,
    bool AlreadyImported, IReadOnlyList<ImportNotice> Notices);

/// <summary>A package could not be imported; the message names the package and the path.</summary>
public sealed class PackageImportException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Imports RPMs into an ostree repository as rpm-ostree package commits.</summary>
public static class PackageImporter
{
    /// <summary>rpm-ostree's importer version recorded in each commit.</summary>
    public const uint UnpackVersion = 1, UnpackMinorVersion = 6;

    /// <summary>The directory of per-package tmpfiles.d fragments inside a package commit.</summary>
    public const string TmpfilesDir = "usr/lib/rpm-ostree/tmpfiles.d";

    /// <summary>Imports one package in its own transaction.</summary>
    public static ImportedPackage Import(Repository repo, string rpmPath, PackageImportOptions? options = null) =>
        ImportAll(repo, [new PackageSource(rpmPath)], options)[0];

    /// <summary>Imports the packages at <paramref name="paths"/>; see <see cref="ImportAll(Repository, IReadOnlyList{PackageSource}, PackageImportOptions?, IProgress{OperationProgress}?, CancellationToken)"/>.</summary>
    public static IReadOnlyList<ImportedPackage> ImportAll(Repository repo, IReadOnlyList<string> paths, PackageImportOptions? options = null,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return ImportAll(repo, paths.Select(p => new PackageSource(p)).ToList(), options, progress, cancellationToken);
    }

    /// <summary>
    /// Imports <paramref name="packages"/> in parallel inside one transaction; the refs move only
    /// after every object is written and synced. Packages whose ref already names an import of the
    /// same bytes are not imported again. Results come in input order.
    /// </summary>
    /// <exception cref="PackageImportException">A package is unreadable or has content that cannot be imported; no ref moved.</exception>
    public static IReadOnlyList<ImportedPackage> ImportAll(Repository repo, IReadOnlyList<PackageSource> packages, PackageImportOptions? options = null,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(packages);
        options ??= new PackageImportOptions();
        using var txn = RepoTransaction.Prepare(repo, new TransactionOptions { DisableFsync = options.DisableFsync });
        var results = new ImportedPackage[packages.Count];
        var counter = new ProgressCounter(progress, "Importing packages", packages.Count, "packages");
        counter.Report();
        Exception? failure = null;
        Parallel.For(0, packages.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, (i, state) =>
        {
            try
            {
                results[i] = ImportOne(repo, packages[i], options, cancellationToken);
                counter.Add(1, new FileInfo(packages[i].Path).Length);
            }
            catch (Exception e)
            {
                // The first failure is the one reported, as itself rather than wrapped.
                Interlocked.CompareExchange(ref failure, e, null);
                state.Stop();
            }
        });
        if (failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        counter.Report();
        var moved = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in results)
        {
            if (!r.AlreadyImported && moved.Add(r.Ref))
                txn.SetRef(null, r.Ref, r.Commit);
        }
        txn.Commit();
        return results;
    }

    private static ImportedPackage ImportOne(Repository repo, PackageSource source, PackageImportOptions options, CancellationToken ct)
    {
        FileStream fs;
        try
        {
            fs = new FileStream(source.Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PackageImportException($"Importing '{source.Path}': {e.Message}", e);
        }
        using (fs)
        {
            RpmPackage pkg;
            try
            {
                pkg = RpmPackage.Open(fs, leaveOpen: true);
            }
            catch (Exception e) when (e is RpmFormatException or IOException)
            {
                throw new PackageImportException($"Importing '{source.Path}': {e.Message}", e);
            }
            using (pkg)
            {
                var info = pkg.Info;
                if (info.IsSource)
                    throw new PackageImportException($"Importing '{source.Path}': {info.Nevra} is a source package");
                var metadata = ReadMetadataBytes(fs, pkg.PayloadOffset, source.Path);
                var sha256 = Convert.ToHexStringLower(SHA256.HashData(metadata));
                var refName = PackageRefs.For(info.Name, info.Epoch, info.Version, info.Release, info.Arch);
                var nevra = NevraOf(info);
                if (FindExisting(repo, refName, sha256, options.NoDocs) is { } existing)
                    return new ImportedPackage(nevra, info.Name, refName, existing, sha256, AlreadyImported: true, []);
                try
                {
                    var effective = !options.SkipExtraneous && options.SkipExtraneousPackages.Contains(info.Name)
                        ? options with { SkipExtraneous = true }
                        : options;
                    var writer = new PayloadImport(repo, pkg, nevra, effective, ct);
                    var tree = writer.Run();
                    var request = new CommitRequest
                    {
                        Parent = null,
                        Subject = "",
                        Body = "",
                        Timestamp = (ulong)Math.Max(0, info.BuildTime),
                        Metadata = BuildMetadata(info, nevra, metadata, sha256, source.Origin, options.NoDocs),
                    };
                    var commit = CommitWriter.WriteCommit(repo, tree, request, out _);
                    return new ImportedPackage(nevra, info.Name, refName, commit, sha256, AlreadyImported: false, writer.Notices);
                }
                catch (Exception e) when (e is RpmFormatException or IOException or OstreeException)
                {
                    throw new PackageImportException($"Importing package '{info.Name}' ({source.Path}): {e.Message}", e);
                }
            }
        }
    }

    /// <summary>The commit of an earlier import of the same bytes (same metadata SHA-256 and docs setting), or null.</summary>
    private static Checksum? FindExisting(Repository repo, string refName, string sha256, bool noDocs)
    {
        var current = repo.ResolveRev(refName, allowMissing: true);
        if (current is not { } c || !repo.HasObject(c, ObjectType.Commit))
            return null;
        var commit = repo.LoadCommit(c);
        bool sameBytes = commit.GetMetadata("rpmostree.metadata_sha256") is GVString s && s.Value == sha256;
        bool sameDocs = (commit.GetMetadata("rpmostree.nodocs") is GVNumber { Bits: not 0 }) == noDocs;
        return sameBytes && sameDocs ? c : null;
    }

    /// <summary>name-[epoch:]version-release.arch with a zero epoch left out, as rpm-ostree prints it.</summary>
    public static string NevraOf(PackageInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.Epoch is long e && e != 0
            ? $"{info.Name}-{e}:{info.Version}-{info.Release}.{info.Arch}"
            : $"{info.Name}-{info.Version}-{info.Release}.{info.Arch}";
    }

    private static byte[] ReadMetadataBytes(FileStream fs, long length, string path)
    {
        var buf = new byte[length];
        long done = 0;
        while (done < length)
        {
            int n = RandomAccess.Read(fs.SafeFileHandle, buf.AsSpan((int)done), done);
            if (n == 0)
                throw new PackageImportException($"Importing '{path}': the file ends inside its headers ({done} of {length} bytes)");
            done += n;
        }
        return buf;
    }

    private static List<KeyValuePair<string, GVariantValue>> BuildMetadata(PackageInfo info, string nevra, byte[] metadata, string sha256,
        PackageOrigin? origin, bool noDocs)
    {
        var list = new List<KeyValuePair<string, GVariantValue>>
        {
            new("rpmostree.metadata", GVariantValue.Bytes(metadata)),
            new("rpmostree.metadata_sha256", GVariantValue.Str(sha256)),
            new("rpmostree.nevra", GVariantValue.Tuple(GVariantValue.Str(nevra), GVariantValue.Str(info.Name),
                GVariantValue.U64((ulong)(info.Epoch ?? 0)), GVariantValue.Str(info.Version), GVariantValue.Str(info.Release),
                GVariantValue.Str(info.Arch))),
            new("rpmostree.unpack_version", GVariantValue.U32(UnpackVersion)),
            new("rpmostree.unpack_minor_version", GVariantValue.U32(UnpackMinorVersion)),
        };
        if (origin is not null)
        {
            list.Add(new("rpmostree.repo", Arbor.Ostree.Objects.Commit.MetadataToValue([
                new("id", GVariantValue.Str(origin.RepoId)),
                new("timestamp", GVariantValue.U64(origin.RepoTimestamp)),
            ])));
            if (origin.RepodataChecksum is { } sum)
                list.Add(new("rpmostree.repodata_checksum", GVariantValue.Str(sum)));
        }
        if (noDocs)
            list.Add(new("rpmostree.nodocs", GVariantValue.Bool(true)));
        return list;
    }
}
