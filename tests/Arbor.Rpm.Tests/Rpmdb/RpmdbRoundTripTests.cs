using Arbor.Native;
using Arbor.Rpm.Header;
using Arbor.Rpm.Package;
using Arbor.Rpm.Rpmdb;
using Arbor.Rpm.Version;

namespace Arbor.Rpm.Tests.Rpmdb;

// Writer -> reader with packages from Arbor's own RPM writer: the headers come back with their
// region intact and the install tags rpm adds, the index rows hold what rpm's tag2index puts there,
// and bad input is refused with a message naming the package.
public sealed class RpmdbRoundTripTests : IDisposable
{
    private readonly string _dir = Tools.TempDir("rpmdb");

    public void Dispose() => Directory.Delete(_dir, true);

    private RpmPackage Make(string name, string version, string arch, Action<PackageSpec>? tweak = null)
    {
        var root = Path.Combine(_dir, "root-" + name);
        Directory.CreateDirectory(Path.Combine(root, "usr/bin"));
        File.WriteAllText(Path.Combine(root, "usr/bin", name), name + "\n");
        var spec = new PackageSpec { Name = name, Version = version, Release = "1", Arch = arch, Summary = name, License = "MIT", BuildTime = 1700000000 };
        tweak?.Invoke(spec);
        var path = RpmWriter.Write(spec, root, Path.Combine(_dir, "out"));
        return RpmPackage.Open(path);
    }

    [Fact]
    public void Packages_come_back_with_install_tags_and_intact_region()
    {
        using var a = Make("alpha", "1.0", "noarch", s =>
            s.Dependencies["requires"] = [new Dependency("beta", DependencyFlags.Any, ""), new Dependency("/bin/sh", DependencyFlags.ScriptPre, "")]);
        using var b = Make("beta", "2.0", "x86_64");
        var db = Path.Combine(_dir, "db");
        RpmdbWriter.Write(db, [RpmdbPackage.From(a), RpmdbPackage.From(b)], InstallStamp.At(DateTimeOffset.FromUnixTimeSeconds(1750000000)));

        var read = RpmdbReader.Read(db);
        Assert.Equal([1L, 2L], read.Select(p => p.Number));
        Assert.Equal(["alpha-1.0-1.noarch", "beta-2.0-1.x86_64"], read.Select(p => p.Info.Nevra));
        var h = read[0].Header;
        Assert.Equal(1750000000, h.GetInteger(RpmTag.InstallTime));
        Assert.Equal(1750000000, h.GetInteger((RpmTag)1128));
        Assert.Equal(3, h.GetInteger((RpmTag)1127));
        Assert.Equal(new long[a.Info.Files.Count], h.GetIntegers(RpmTag.FileStates));
        // The package's header region is stored unchanged, so its digest still matches.
        var original = a.Header.Raw.AsSpan(16 + a.Header.Entries.Count * 16);
        Assert.True(h.Raw.AsSpan(16 + h.Entries.Count * 16).StartsWith(original));
        Assert.True(h.Raw.AsSpan(16).StartsWith(a.Header.Raw.AsSpan(16, a.Header.Entries.Count * 16)));
        Assert.Equal(a.Signature.GetString((RpmTag)SigTag.Sha256), h.GetString(RpmTag.Sha256Header));
        Assert.Equal(Convert.ToHexString((byte[])a.Signature.Get(SigTag.Md5)!.Value), Convert.ToHexString((byte[])h.Get(261)!.Value));

        using var sql = SqliteDatabase.Open(Path.Combine(db, "rpmdb.sqlite"), readOnly: true);
        using var q = sql.Prepare("SELECT key, hnum, idx FROM Requirename ORDER BY hnum, idx");
        var rows = new List<string>();
        while (q.Step())
            rows.Add($"{q.GetText(0)} {q.GetInt64(1)} {q.GetInt64(2)}");
        // The %pre-only requirement is not indexed (rpm's isTransientReq), nor are rpmlib() ones.
        Assert.Contains("beta 1 0", rows);
        Assert.DoesNotContain(rows, r => r.StartsWith("/bin/sh", StringComparison.Ordinal) || r.StartsWith("rpmlib(", StringComparison.Ordinal));
        Assert.Equal(1, sql.ScalarInt64("SELECT count(*) FROM Name WHERE key = 'beta' AND hnum = 2"));
        Assert.Equal(1, sql.ScalarInt64("SELECT count(*) FROM Basenames WHERE key = 'alpha' AND hnum = 1"));
        Assert.Equal(2, sql.ScalarInt64("SELECT count(*) FROM Installtid WHERE key = x'80E14E68'"));
    }

    [Fact]
    public void Rewriting_replaces_the_database_and_leaves_no_staging()
    {
        using var a = Make("alpha", "1.0", "noarch");
        using var b = Make("beta", "2.0", "noarch");
        var db = Path.Combine(_dir, "db");
        var stamp = new InstallStamp(1, 1);
        RpmdbWriter.Write(db, [RpmdbPackage.From(a), RpmdbPackage.From(b)], stamp);
        RpmdbWriter.Write(db, [RpmdbPackage.From(b)], stamp);
        Assert.Equal(["beta"], RpmdbReader.Read(db).Select(p => p.Info.Name));
        Assert.Equal(["rpmdb.sqlite", "rpmdb.sqlite-shm", "rpmdb.sqlite-wal"], Directory.GetFileSystemEntries(db).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void File_state_count_must_match_the_files()
    {
        using var a = Make("alpha", "1.0", "noarch");
        var ex = Assert.Throws<ArgumentException>(() =>
            RpmdbWriter.Write(Path.Combine(_dir, "db"), [new RpmdbPackage(a.Header, a.Signature, new byte[a.Info.Files.Count + 1])], new InstallStamp(1, 1)));
        Assert.Contains($"{a.Info.Files.Count + 1} file states given for a package with {a.Info.Files.Count} files", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_without_region_is_refused()
    {
        // A lone Name entry, no region: not something rpm would store.
        var noRegion = new byte[16 + 16 + 2];
        RpmHeader.Magic.CopyTo(noRegion);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(noRegion.AsSpan(8), 1);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(noRegion.AsSpan(12), 2);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(noRegion.AsSpan(16), 1000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(noRegion.AsSpan(20), 6);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(noRegion.AsSpan(28), 1);
        noRegion[32] = (byte)'x';
        var h = RpmHeader.Parse(noRegion);
        var ex = Assert.Throws<RpmFormatException>(() => InstalledHeader.Build(h, null, new InstallStamp(1, 1)));
        Assert.Contains("no immutable region", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_a_missing_or_foreign_database_names_the_file()
    {
        var missing = Assert.Throws<FileNotFoundException>(() => RpmdbReader.Read(_dir));
        Assert.Contains("rpmdb.sqlite", missing.Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_dir, "rpmdb.sqlite"), new string('x', 2048));
        var junk = Assert.Throws<SqliteException>(() => RpmdbReader.Read(_dir));
        Assert.Contains("rpmdb.sqlite", junk.Message, StringComparison.Ordinal);
    }
}
