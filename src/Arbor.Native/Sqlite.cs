// SQLite through the system libsqlite3.so.0, for the one place Arbor meets it: rpm's rpmdb.sqlite,
// which `rpm --root` reads and which rpm-ostree ships in every commit. Only what that database
// needs is bound: open, exec, prepared statements with positional binds, row stepping, column
// reads, and the file control rpm sets so its write-ahead log survives the last close. SQL text
// flows in as UTF-8; rows flow out as spans copied into managed arrays before the next step.
using System.Runtime.InteropServices;
using System.Text;

namespace Arbor.Native;

internal static unsafe partial class SqliteNative
{
    private const string Lib = "libsqlite3.so.0";

    internal const int Ok = 0, Row = 100, Done = 101;
    internal const int OpenReadOnly = 0x1, OpenReadWrite = 0x2, OpenCreate = 0x4, OpenNoMutex = 0x8000;
    internal const int FcntlPersistWal = 10;

    // SQLITE_TRANSIENT: sqlite copies bound data before the bind call returns.
    internal static readonly nint Transient = -1;

    [LibraryImport(Lib, EntryPoint = "sqlite3_open_v2")]
    internal static partial int OpenV2(byte* filename, out nint db, int flags, byte* vfs);

    [LibraryImport(Lib, EntryPoint = "sqlite3_close_v2")]
    internal static partial int Close(nint db);

    [LibraryImport(Lib, EntryPoint = "sqlite3_exec")]
    internal static partial int Exec(nint db, byte* sql, nint callback, nint arg, out nint errmsg);

    [LibraryImport(Lib, EntryPoint = "sqlite3_free")]
    internal static partial void Free(nint p);

    [LibraryImport(Lib, EntryPoint = "sqlite3_errmsg")]
    internal static partial nint ErrMsg(nint db);

    [LibraryImport(Lib, EntryPoint = "sqlite3_errstr")]
    internal static partial nint ErrStr(int code);

    [LibraryImport(Lib, EntryPoint = "sqlite3_prepare_v2")]
    internal static partial int PrepareV2(nint db, byte* sql, int nbyte, out nint stmt, nint tail);

    [LibraryImport(Lib, EntryPoint = "sqlite3_finalize")]
    internal static partial int Finalize(nint stmt);

    [LibraryImport(Lib, EntryPoint = "sqlite3_reset")]
    internal static partial int Reset(nint stmt);

    [LibraryImport(Lib, EntryPoint = "sqlite3_clear_bindings")]
    internal static partial int ClearBindings(nint stmt);

    [LibraryImport(Lib, EntryPoint = "sqlite3_step")]
    internal static partial int Step(nint stmt);

    [LibraryImport(Lib, EntryPoint = "sqlite3_bind_int64")]
    internal static partial int BindInt64(nint stmt, int index, long value);

    [LibraryImport(Lib, EntryPoint = "sqlite3_bind_null")]
    internal static partial int BindNull(nint stmt, int index);

    [LibraryImport(Lib, EntryPoint = "sqlite3_bind_text")]
    internal static partial int BindText(nint stmt, int index, byte* text, int n, nint destructor);

    [LibraryImport(Lib, EntryPoint = "sqlite3_bind_blob")]
    internal static partial int BindBlob(nint stmt, int index, byte* data, int n, nint destructor);

    [LibraryImport(Lib, EntryPoint = "sqlite3_column_count")]
    internal static partial int ColumnCount(nint stmt);

    [LibraryImport(Lib, EntryPoint = "sqlite3_column_type")]
    internal static partial int ColumnType(nint stmt, int col);

    [LibraryImport(Lib, EntryPoint = "sqlite3_column_int64")]
    internal static partial long ColumnInt64(nint stmt, int col);

    [LibraryImport(Lib, EntryPoint = "sqlite3_column_blob")]
    internal static partial nint ColumnBlob(nint stmt, int col);

    [LibraryImport(Lib, EntryPoint = "sqlite3_column_text")]
    internal static partial nint ColumnText(nint stmt, int col);

    [LibraryImport(Lib, EntryPoint = "sqlite3_column_bytes")]
    internal static partial int ColumnBytes(nint stmt, int col);

    [LibraryImport(Lib, EntryPoint = "sqlite3_file_control")]
    internal static partial int FileControl(nint db, byte* dbName, int op, void* arg);

    internal static string Utf8(nint p) => p == 0 ? "" : Marshal.PtrToStringUTF8(p) ?? "";

    internal static byte[] Z(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        var b = new byte[n + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }
}

/// <summary>An SQLite call failed; the message carries sqlite's own text and the file or statement.</summary>
public sealed class SqliteException(string message, int code) : IOException(message)
{
    /// <summary>sqlite's result code.</summary>
    public int Code { get; } = code;
}

/// <summary>The type sqlite reports for a column value.</summary>
public enum SqliteType
{
    /// <summary>SQLITE_INTEGER.</summary>
    Integer = 1,
    /// <summary>SQLITE_FLOAT.</summary>
    Float = 2,
    /// <summary>SQLITE_TEXT.</summary>
    Text = 3,
    /// <summary>SQLITE_BLOB.</summary>
    Blob = 4,
    /// <summary>SQLITE_NULL.</summary>
    Null = 5,
}

/// <summary>One open SQLite database connection.</summary>
public sealed unsafe class SqliteDatabase : IDisposable
{
    private nint _db;

    private SqliteDatabase(nint db, string path)
    {
        _db = db;
        Path = path;
    }

    /// <summary>The file this connection opened.</summary>
    public string Path { get; }

    /// <summary>Opens <paramref name="path"/>; <paramref name="create"/> makes it when missing (read-write), otherwise it opens read-only or read-write as asked.</summary>
    /// <exception cref="SqliteException">sqlite cannot open the file (missing, not a database, no permission).</exception>
    public static SqliteDatabase Open(string path, bool readOnly, bool create = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        int flags = SqliteNative.OpenNoMutex | (readOnly ? SqliteNative.OpenReadOnly : SqliteNative.OpenReadWrite);
        if (create && !readOnly)
            flags |= SqliteNative.OpenCreate;
        var name = SqliteNative.Z(path);
        int rc;
        nint db;
        fixed (byte* p = name)
            rc = SqliteNative.OpenV2(p, out db, flags, null);
        if (rc != SqliteNative.Ok)
        {
            string msg = db != 0 ? SqliteNative.Utf8(SqliteNative.ErrMsg(db)) : SqliteNative.Utf8(SqliteNative.ErrStr(rc));
            if (db != 0)
                SqliteNative.Close(db);
            throw new SqliteException($"{path}: cannot open sqlite database: {msg}", rc);
        }
        return new SqliteDatabase(db, path);
    }

    private nint Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_db == 0, this);
            return _db;
        }
    }

    internal SqliteException Error(int rc, string what) =>
        new($"{Path}: {what}: {SqliteNative.Utf8(SqliteNative.ErrMsg(_db))}", rc);

    /// <summary>Runs one or more SQL statements that return no rows of interest.</summary>
    public void Execute(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var text = SqliteNative.Z(sql);
        int rc;
        nint err;
        fixed (byte* p = text)
            rc = SqliteNative.Exec(Handle, p, 0, 0, out err);
        if (rc != SqliteNative.Ok)
        {
            string msg = err != 0 ? SqliteNative.Utf8(err) : SqliteNative.Utf8(SqliteNative.ErrStr(rc));
            if (err != 0)
                SqliteNative.Free(err);
            throw new SqliteException($"{Path}: {sql}: {msg}", rc);
        }
    }

    /// <summary>Compiles one statement.</summary>
    public SqliteStatement Prepare(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var text = SqliteNative.Z(sql);
        int rc;
        nint stmt;
        fixed (byte* p = text)
            rc = SqliteNative.PrepareV2(Handle, p, text.Length, out stmt, 0);
        if (rc != SqliteNative.Ok)
            throw Error(rc, sql);
        return new SqliteStatement(this, stmt, sql);
    }

    /// <summary>The first column of the first row of <paramref name="sql"/> as an integer, or null when it returns no row.</summary>
    public long? ScalarInt64(string sql)
    {
        using var s = Prepare(sql);
        return s.Step() ? s.GetInt64(0) : null;
    }

    /// <summary>Keeps the write-ahead log and shared-memory files after the last close (SQLITE_FCNTL_PERSIST_WAL), as rpm does so unprivileged readers can open the database.</summary>
    public void PersistWal(bool on)
    {
        int v = on ? 1 : 0;
        int rc = SqliteNative.FileControl(Handle, null, SqliteNative.FcntlPersistWal, &v);
        if (rc != SqliteNative.Ok)
            throw Error(rc, "SQLITE_FCNTL_PERSIST_WAL");
    }

    /// <summary>Closes the connection.</summary>
    public void Dispose()
    {
        if (_db != 0)
        {
            SqliteNative.Close(_db);
            _db = 0;
        }
    }
}

/// <summary>A compiled statement: bind (1-based), step, read columns (0-based), reset.</summary>
public sealed unsafe class SqliteStatement : IDisposable
{
    private readonly SqliteDatabase _db;
    private readonly string _sql;
    private nint _stmt;

    internal SqliteStatement(SqliteDatabase db, nint stmt, string sql)
    {
        _db = db;
        _stmt = stmt;
        _sql = sql;
    }

    private nint Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_stmt == 0, this);
            return _stmt;
        }
    }

    private void Check(int rc, string what)
    {
        if (rc != SqliteNative.Ok)
            throw _db.Error(rc, $"{_sql}: {what}");
    }

    /// <summary>Binds an integer.</summary>
    public void BindInt64(int index, long value) => Check(SqliteNative.BindInt64(Handle, index, value), $"bind {index}");

    /// <summary>Binds NULL.</summary>
    public void BindNull(int index) => Check(SqliteNative.BindNull(Handle, index), $"bind {index}");

    /// <summary>Binds UTF-8 text (the bytes as given, no terminator).</summary>
    public void BindText(int index, ReadOnlySpan<byte> utf8)
    {
        // An empty span has a null pointer, which sqlite would store as NULL rather than ''.
        byte dummy = 0;
        fixed (byte* p = utf8)
            Check(SqliteNative.BindText(Handle, index, utf8.IsEmpty ? &dummy : p, utf8.Length, SqliteNative.Transient), $"bind {index}");
    }

    /// <summary>Binds a string as UTF-8 text.</summary>
    public void BindText(int index, string text) => BindText(index, Encoding.UTF8.GetBytes(text));

    /// <summary>Binds a blob.</summary>
    public void BindBlob(int index, ReadOnlySpan<byte> data)
    {
        byte dummy = 0;
        fixed (byte* p = data)
            Check(SqliteNative.BindBlob(Handle, index, data.IsEmpty ? &dummy : p, data.Length, SqliteNative.Transient), $"bind {index}");
    }

    /// <summary>Advances to the next row; false when the statement is done.</summary>
    public bool Step()
    {
        int rc = SqliteNative.Step(Handle);
        if (rc == SqliteNative.Row)
            return true;
        if (rc == SqliteNative.Done)
            return false;
        throw _db.Error(rc, _sql);
    }

    /// <summary>Makes the statement ready to run again, clearing its bindings.</summary>
    public void Reset()
    {
        SqliteNative.Reset(Handle);
        SqliteNative.ClearBindings(Handle);
    }

    /// <summary>The number of result columns.</summary>
    public int ColumnCount => SqliteNative.ColumnCount(Handle);

    /// <summary>The type of a column's value in the current row.</summary>
    public SqliteType GetType(int col) => (SqliteType)SqliteNative.ColumnType(Handle, col);

    /// <summary>A column as an integer.</summary>
    public long GetInt64(int col) => SqliteNative.ColumnInt64(Handle, col);

    /// <summary>A column's bytes (blob, or text as UTF-8), copied.</summary>
    public byte[] GetBlob(int col)
    {
        nint p = SqliteNative.ColumnBlob(Handle, col);
        int n = SqliteNative.ColumnBytes(Handle, col);
        return n == 0 || p == 0 ? [] : new ReadOnlySpan<byte>((void*)p, n).ToArray();
    }

    /// <summary>A column as text (NULL reads as the empty string).</summary>
    public string GetText(int col)
    {
        nint p = SqliteNative.ColumnText(Handle, col);
        int n = SqliteNative.ColumnBytes(Handle, col);
        return n == 0 || p == 0 ? "" : Encoding.UTF8.GetString(new ReadOnlySpan<byte>((void*)p, n));
    }

    /// <summary>Releases the statement.</summary>
    public void Dispose()
    {
        if (_stmt != 0)
        {
            SqliteNative.Finalize(_stmt);
            _stmt = 0;
        }
    }
}
