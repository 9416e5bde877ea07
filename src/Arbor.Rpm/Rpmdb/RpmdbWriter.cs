// Writes DIR/rpmdb.sqlite the way rpm 4.18's sqlite backend leaves it after
// `rpm --justdb -i`: the Packages table (hnum autoincrement from 1, blob = installed header) and
// the eighteen index tables with rpm's schema text and indexes, WAL journal mode with the WAL kept
// after close (rpm sets SQLITE_FCNTL_PERSIST_WAL so unprivileged readers can open it), analysed by
// `PRAGMA optimize` and checkpointed empty. Packages flow in as headers in install order; the
// database is built in a fresh directory beside DIR and its files renamed into DIR, the database
// file last, so a reader sees either the old database or the whole new one.
using Arbor.Native;
using Arbor.Rpm.Header;
using Arbor.Rpm.Package;

namespace Arbor.Rpm.Rpmdb;

/// <summary>One package to record as installed.</summary>
/// <param name="Header">The package's main header, immutable region intact (as read from the .rpm).</param>
/// <param name="Signature">The package's signature header (its digests go into the installed header), or null when <paramref name="Header"/> already carries them.</param>
/// <param name="FileStates">One RPMFILE_STATE_* byte per file, or null for all installed normally.</param>
public sealed record RpmdbPackage(RpmHeader Header, RpmHeader? Signature = null, byte[]? FileStates = null)
{
    /// <summary>The headers of an opened package file.</summary>
    public static RpmdbPackage From(RpmPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        return new RpmdbPackage(package.Header, package.Signature);
    }
}

/// <summary>Writes rpm's sqlite package database.</summary>
public static class RpmdbWriter
{
    /// <summary>The database file name rpm's sqlite backend uses.</summary>
    public const string FileName = "rpmdb.sqlite";

    /// <summary>
    /// Writes <c>rpmdb.sqlite</c> (with its <c>-wal</c> and <c>-shm</c> companions, as rpm leaves them) into
    /// <paramref name="directory"/>, replacing any database there, recording <paramref name="packages"/> in order
    /// (header numbers 1, 2, …) as installed by one transaction stamped <paramref name="stamp"/>.
    /// </summary>
    /// <exception cref="RpmFormatException">A header has no immutable region or is otherwise unusable; the message names the package.</exception>
    /// <exception cref="SqliteException">sqlite failed; the message names the file.</exception>
    public static void Write(string directory, IEnumerable<RpmdbPackage> packages, InstallStamp stamp)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(packages);
        ArgumentNullException.ThrowIfNull(stamp);
        Directory.CreateDirectory(directory);
        string staging = Path.Combine(directory, $".rpmdb.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            string dbPath = Path.Combine(staging, FileName);
            using (var db = SqliteDatabase.Open(dbPath, readOnly: false, create: true))
            {
                Populate(db, packages, stamp);
            }
            foreach (var suffix in new[] { "-shm", "-wal", "" })
            {
                string from = dbPath + suffix;
                string to = Path.Combine(directory, FileName + suffix);
                if (File.Exists(from))
                    File.Move(from, to, overwrite: true);
                else if (suffix.Length > 0)
                    File.Delete(to);
            }
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    private static void Populate(SqliteDatabase db, IEnumerable<RpmdbPackage> packages, InstallStamp stamp)
    {
        // The connection settings of lib/backend/sqlite.c sqlite_init.
        db.Execute("PRAGMA secure_delete = OFF");
        db.Execute("PRAGMA case_sensitive_like = ON");
        db.Execute("PRAGMA journal_mode = WAL");
        db.PersistWal(true);
        db.Execute("PRAGMA wal_autocheckpoint = 10000");
        db.Execute("PRAGMA synchronous = FULL");

        db.Execute("BEGIN");
        db.Execute("CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)");
        var inserts = new SqliteStatement[RpmdbIndexes.All.Count];
        try
        {
            for (int i = 0; i < inserts.Length; i++)
            {
                var x = RpmdbIndexes.All[i];
                db.Execute($"CREATE TABLE IF NOT EXISTS '{x.Table}' (key '{(x.TextKey ? "TEXT" : "BLOB")}' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))");
                if (x.KeyIndex)
                    db.Execute($"CREATE INDEX IF NOT EXISTS '{x.Table}_key_idx' ON '{x.Table}'(key ASC)");
                if (x.HnumIndex)
                    db.Execute($"CREATE INDEX IF NOT EXISTS '{x.Table}_hnum_idx' ON '{x.Table}'(hnum ASC)");
                inserts[i] = db.Prepare($"INSERT INTO '{x.Table}' VALUES(?, ?, ?)");
            }
            using var insertPackage = db.Prepare("INSERT OR REPLACE INTO 'Packages' VALUES(?, ?)");
            long hnum = 0;
            foreach (var p in packages)
            {
                var blob = InstalledHeader.Build(p.Header, p.Signature, stamp, p.FileStates);
                var installed = InstalledHeader.Parse(blob, "installed header");
                insertPackage.Reset();
                insertPackage.BindNull(1);
                insertPackage.BindBlob(2, blob);
                insertPackage.Step();
                hnum = db.ScalarInt64("SELECT last_insert_rowid()") ?? ++hnum;
                for (int i = 0; i < inserts.Length; i++)
                {
                    var x = RpmdbIndexes.All[i];
                    foreach (var k in RpmdbIndexes.Keys(x, installed))
                    {
                        var s = inserts[i];
                        s.Reset();
                        if (x.TextKey)
                            s.BindText(1, k.Key);
                        else
                            s.BindBlob(1, k.Key);
                        s.BindInt64(2, hnum);
                        s.BindInt64(3, k.Idx);
                        s.Step();
                    }
                }
            }
        }
        finally
        {
            foreach (var s in inserts)
                s?.Dispose();
        }
        db.Execute("COMMIT");
        // What rpm runs as its last connection closes (sqlite_fini).
        db.Execute("PRAGMA optimize");
        db.Execute("PRAGMA wal_checkpoint = TRUNCATE");
    }
}
