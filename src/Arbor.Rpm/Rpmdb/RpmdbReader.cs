// Reads the installed headers back out of an rpm sqlite database (one Arbor wrote, or one real rpm
// wrote) without librpm: rows of Packages in header-number order, each blob parsed as a header.
// The database is opened read-only where it lies; when sqlite cannot do that (a WAL database in a
// directory the reader may not write, so its shared-memory file cannot be made) the database files
// are copied to a private temporary directory and read from there.
using Arbor.Native;
using Arbor.Rpm.Header;
using Arbor.Rpm.Package;

namespace Arbor.Rpm.Rpmdb;

/// <summary>One installed package as the database holds it.</summary>
public sealed class InstalledPackage(long number, RpmHeader header)
{
    /// <summary>The header number (Packages.hnum).</summary>
    public long Number { get; } = number;

    /// <summary>The installed header (package header plus the tags the install added).</summary>
    public RpmHeader Header { get; } = header;

    /// <summary>The header's typed view (name, EVR, arch, files, dependencies).</summary>
    public PackageInfo Info => _info ??= new PackageInfo(Header);

    private PackageInfo? _info;

    /// <summary>RPMTAG_INSTALLTIME, or null.</summary>
    public long? InstallTime => Header.GetInteger(RpmTag.InstallTime);
}

/// <summary>Reads rpm's sqlite package database.</summary>
public static class RpmdbReader
{
    /// <summary>Reads every package of <c>rpmdb.sqlite</c> in <paramref name="directory"/>, in header-number order.</summary>
    /// <exception cref="FileNotFoundException">There is no rpmdb.sqlite in the directory.</exception>
    /// <exception cref="SqliteException">The file is not a database or lacks the Packages table.</exception>
    /// <exception cref="RpmFormatException">A stored header is malformed; the message names its header number.</exception>
    public static IReadOnlyList<InstalledPackage> Read(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string path = Path.Combine(directory, RpmdbWriter.FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no rpm database here", path);
        try
        {
            return ReadFile(path);
        }
        catch (SqliteException) when (!CanWrite(directory))
        {
            string copy = Directory.CreateTempSubdirectory("arbor-rpmdb-").FullName;
            try
            {
                foreach (var suffix in new[] { "", "-wal" })
                    if (File.Exists(path + suffix))
                        File.Copy(path + suffix, Path.Combine(copy, RpmdbWriter.FileName + suffix));
                var rows = ReadFile(Path.Combine(copy, RpmdbWriter.FileName));
                return rows;
            }
            finally
            {
                Directory.Delete(copy, recursive: true);
            }
        }
    }

    private static bool CanWrite(string directory)
    {
        try
        {
            string probe = Path.Combine(directory, $".arbor-probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static List<InstalledPackage> ReadFile(string path)
    {
        using var db = SqliteDatabase.Open(path, readOnly: true);
        using var q = db.Prepare("SELECT hnum, blob FROM 'Packages' ORDER BY hnum");
        var result = new List<InstalledPackage>();
        while (q.Step())
        {
            long hnum = q.GetInt64(0);
            var blob = q.GetBlob(1);
            result.Add(new InstalledPackage(hnum, InstalledHeader.Parse(blob, $"{path}: header {hnum}")));
        }
        return result;
    }
}
