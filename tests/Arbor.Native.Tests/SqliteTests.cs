using System.Text;

namespace Arbor.Native.Tests;

// The sqlite wrapper: values bound go in and come back out byte for byte, errors carry sqlite's
// message and the file, and the WAL files rpm relies on stay after close when asked.
public sealed class SqliteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-sqlite-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Round_trips_text_blob_integer_and_null()
    {
        string path = Path.Combine(_dir, "t.sqlite");
        using (var db = SqliteDatabase.Open(path, readOnly: false, create: true))
        {
            db.Execute("CREATE TABLE t (k TEXT, b BLOB, n INTEGER)");
            using var ins = db.Prepare("INSERT INTO t VALUES(?, ?, ?)");
            ins.BindText(1, "héllo");
            ins.BindBlob(2, new byte[] { 0, 1, 255 });
            ins.BindInt64(3, long.MinValue);
            Assert.False(ins.Step());
            ins.Reset();
            ins.BindText(1, "");
            ins.BindBlob(2, ReadOnlySpan<byte>.Empty);
            ins.BindNull(3);
            Assert.False(ins.Step());
        }
        using var ro = SqliteDatabase.Open(path, readOnly: true);
        using var q = ro.Prepare("SELECT k, b, n, typeof(k), typeof(b) FROM t ORDER BY rowid");
        Assert.True(q.Step());
        Assert.Equal("héllo", q.GetText(0));
        Assert.Equal(new byte[] { 0, 1, 255 }, q.GetBlob(1));
        Assert.Equal(long.MinValue, q.GetInt64(2));
        Assert.Equal(SqliteType.Integer, q.GetType(2));
        Assert.True(q.Step());
        Assert.Equal("", q.GetText(0));
        Assert.Equal("text", q.GetText(3));
        Assert.Equal("blob", q.GetText(4));
        Assert.Equal(SqliteType.Null, q.GetType(2));
        Assert.False(q.Step());
        Assert.Equal(2, ro.ScalarInt64("SELECT count(*) FROM t"));
    }

    [Fact]
    public void Errors_name_the_file_and_sqlites_message()
    {
        string path = Path.Combine(_dir, "e.sqlite");
        using var db = SqliteDatabase.Open(path, readOnly: false, create: true);
        var ex = Assert.Throws<SqliteException>(() => db.Execute("SELECT * FROM missing"));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("no such table: missing", ex.Message, StringComparison.Ordinal);
        var prep = Assert.Throws<SqliteException>(() => db.Prepare("NOT SQL"));
        Assert.Contains("syntax error", prep.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Opening_a_missing_file_read_only_fails_with_the_path()
    {
        string path = Path.Combine(_dir, "absent.sqlite");
        var ex = Assert.Throws<SqliteException>(() => SqliteDatabase.Open(path, readOnly: true));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Not_a_database_is_reported()
    {
        string path = Path.Combine(_dir, "junk.sqlite");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes(new string('x', 4096)));
        using var db = SqliteDatabase.Open(path, readOnly: true);
        var ex = Assert.Throws<SqliteException>(() => db.ScalarInt64("SELECT count(*) FROM sqlite_master"));
        Assert.Contains("not a database", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Persisted_wal_files_stay_after_close()
    {
        string path = Path.Combine(_dir, "w.sqlite");
        using (var db = SqliteDatabase.Open(path, readOnly: false, create: true))
        {
            db.Execute("PRAGMA journal_mode = WAL");
            db.PersistWal(true);
            db.Execute("CREATE TABLE t (x); INSERT INTO t VALUES(1); PRAGMA wal_checkpoint = TRUNCATE");
        }
        Assert.True(File.Exists(path + "-wal"));
        Assert.Equal(0, new FileInfo(path + "-wal").Length);
        using var ro = SqliteDatabase.Open(path, readOnly: true);
        Assert.Equal(1, ro.ScalarInt64("SELECT x FROM t"));
    }
}
